"""The keyboard column on the left and the bar/beat ruler on top, following the piano roll."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

from .. import theme
from ..painting import never_raises
from .coords import is_black_key, note_name

KEYBOARD_WIDTH = 64
RULER_HEIGHT = 26


class Keyboard(QWidget):
    """Piano keys beside the rows; clicking a key sounds it."""

    keyPressed = Signal(int)

    def __init__(self, view, parent=None):
        super().__init__(parent)
        self.view = view
        self.setFixedWidth(KEYBOARD_WIDTH)
        view.viewChanged.connect(self.update)

    def mousePressEvent(self, event):
        self.keyPressed.emit(self.view.pitch_at(event.position().y()))

    @never_raises
    def paintEvent(self, event):
        painter = QPainter(self)
        geo = self.view.geo
        top, bottom = self.view.pitch_at(self.height()), self.view.pitch_at(0)
        font = QFont(self.font())
        font.setPixelSize(max(7, min(11, int(geo.key_height * 0.75))))
        painter.setFont(font)
        for pitch in range(top, bottom + 1):
            y = self.view.view_point(0, pitch).y()
            rect = QRectF(0, y, self.width(), geo.key_height)
            black = is_black_key(pitch)
            painter.fillRect(rect.adjusted(0, 0, -(self.width() * 0.35 if black else 0), 0),
                             theme.KEY_BLACK if black else theme.KEY_WHITE)
            if black:
                painter.fillRect(rect.adjusted(self.width() * 0.65, 0, 0, 0), theme.KEY_WHITE)
            painter.setPen(QPen(theme.OCTAVE_LINE if pitch % 12 else theme.BAR_LINE, 1))
            painter.drawLine(QPointF(0, rect.bottom()), QPointF(self.width(), rect.bottom()))
            if pitch % 12 == 0 or (geo.key_height >= 16 and not black):
                painter.setPen(theme.KEY_LABEL)
                painter.drawText(rect.adjusted(0, 0, -4, 0), Qt.AlignRight | Qt.AlignVCenter, note_name(pitch))
        painter.end()


class Ruler(QWidget):
    """Bar numbers and beat ticks. Click sets the playhead; drag marks a loop range."""

    playheadRequested = Signal(float)
    loopChanged = Signal(object)          # (start_step, end_step) or None

    def __init__(self, view, parent=None):
        super().__init__(parent)
        self.view = view
        self.setFixedHeight(RULER_HEIGHT)
        self._press_step = None
        view.viewChanged.connect(self.update)
        view.playheadMoved.connect(lambda _: self.update())

    def _step(self, x: float) -> int:
        grid = max(1, self.view.snap)
        return int(round(self.view.step_at(x - KEYBOARD_WIDTH) / grid)) * grid

    def mousePressEvent(self, event):
        self._press_step = self._step(event.position().x())
        self.playheadRequested.emit(float(self._press_step))

    def mouseMoveEvent(self, event):
        if self._press_step is None:
            return
        step = self._step(event.position().x())
        if step != self._press_step:
            self.loopChanged.emit((min(step, self._press_step), max(step, self._press_step)))

    def mouseReleaseEvent(self, event):
        self._press_step = None

    def mouseDoubleClickEvent(self, event):
        self.loopChanged.emit(None)

    @never_raises
    def paintEvent(self, event):
        painter = QPainter(self)
        painter.fillRect(self.rect(), theme.RULER_BG)
        view = self.view
        first, last = view.visible_steps()
        bar = view.model.steps_per_bar
        beat = view.model.steps_per_beat
        offset = KEYBOARD_WIDTH
        if view.loop:
            a = view.view_point(view.loop[0], 0).x() + offset
            b = view.view_point(view.loop[1], 0).x() + offset
            painter.fillRect(QRectF(a, self.height() - 8, b - a, 8), theme.BAND_EDGE)
        every = max(1, int(40 / max(1.0, view.geo.x(bar))) + 1)    # skip labels when zoomed out
        for step in range(int(first) - int(first) % beat, int(last) + 2, beat):
            x = view.view_point(step, 0).x() + offset
            if x < offset:
                continue
            if step % bar == 0:
                painter.setPen(QPen(theme.RULER_TEXT, 1))
                painter.drawLine(QPointF(x, 6), QPointF(x, self.height()))
                number = step // bar + 1
                if (number - 1) % every == 0:
                    painter.drawText(QPointF(x + 4, 15), str(number))
            else:
                painter.setPen(QPen(theme.BEAT_LINE.lighter(150), 1))
                painter.drawLine(QPointF(x, self.height() - 7), QPointF(x, self.height()))
        x = view.view_point(view.playhead, 0).x() + offset
        if x >= offset:
            painter.setPen(QPen(theme.PLAYHEAD, 2))
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.fillRect(QRectF(0, 0, offset, self.height()), theme.RULER_BG)
        painter.end()
