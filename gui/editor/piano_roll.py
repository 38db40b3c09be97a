"""The piano roll: notes on a grid of steps and keys, drawn from the phrase model.

Only what is visible is painted, so thousands of notes stay smooth. Mouse gestures go to the
current tool (``tools.py``); while a gesture is under way the tool shows a preview here, and
the model changes once, on release, through an undo command.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QAbstractScrollArea

from engine.music.phrase import Note

from .. import theme
from ..document.phrase_model import PhraseModel
from ..painting import never_raises
from .coords import RollGeometry, is_black_key

MIN_NOTE_WIDTH = 3.0              # pixels: the shortest note drawn
SURPRISE_SHADES = 4               # shades per bit in the surprise view (notes of one shade: one draw call)


class PianoRollView(QAbstractScrollArea):
    """Scrollable, zoomable note grid. ``viewChanged`` tells the ruler and keyboard to follow."""

    viewChanged = Signal()
    playheadMoved = Signal(float)
    touched = Signal()                                  # a press or a turn of the wheel: the user is at work

    def __init__(self, model: PhraseModel, parent=None):
        super().__init__(parent)
        self.model = model
        self.geometry_ = RollGeometry()
        self.geometry_.set_grid(model.steps_per_quarter)
        self.snap = model.steps_per_quarter // 4        # steps; 1 = off (the finest step)
        self.tool = None
        self.preview: dict[int, Note] = {}              # notes being dragged, by id
        self.new_notes: list[Note] = []                 # notes being drawn
        self.band: QRectF | None = None                 # rubber band, content coordinates
        self.playhead = 0.0
        self.loop: tuple[int, int] | None = None
        self.fill_span: tuple[int, int] | None = None   # the bars a Fill is rewriting, shown while it works
        self.ghosts: list[Note] = []                    # suggested notes, drawn faintly, never edited
        self.surprise: dict[int, float] | None = None   # bits by note id, in the surprise view
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setAcceptDrops(False)
        self.horizontalScrollBar().valueChanged.connect(self._scrolled)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        model.notesChanged.connect(self._model_changed)
        model.selectionChanged.connect(self.viewport().update)
        model.settingsChanged.connect(self._model_changed)
        model.phraseReplaced.connect(self._show_new_phrase)
        self._update_scrollbars()

    # -- coordinates ---------------------------------------------------------------------------
    @property
    def geo(self) -> RollGeometry:
        return self.geometry_

    def content_x(self, view_x: float) -> float:
        return view_x + self.horizontalScrollBar().value()

    def content_y(self, view_y: float) -> float:
        return view_y + self.verticalScrollBar().value()

    def step_at(self, view_x: float) -> float:
        return max(0.0, self.geo.step_at(self.content_x(view_x)))

    def pitch_at(self, view_y: float) -> int:
        return self.geo.pitch_at(self.content_y(view_y))

    def view_point(self, step: float, pitch: int) -> QPointF:
        return QPointF(self.geo.x(step) - self.horizontalScrollBar().value(),
                       self.geo.y(pitch) - self.verticalScrollBar().value())

    def note_rect(self, note: Note) -> QRectF:
        """The note's rectangle in viewport coordinates."""
        top_left = self.view_point(note.start, note.pitch)
        width = max(MIN_NOTE_WIDTH, self.geo.x(note.duration))          # a grace note stays in sight
        return QRectF(top_left.x(), top_left.y(), width, self.geo.key_height)

    def visible_steps(self) -> tuple[float, float]:
        left = self.step_at(0)
        return left, left + self.geo.step_at(self.viewport().width())

    def center_on_pitch(self, pitch: int) -> None:
        y = self.geo.y(pitch) - self.viewport().height() / 2
        self.verticalScrollBar().setValue(int(y))

    def _show_new_phrase(self) -> None:
        """A phrase was opened: the playhead at its start, the phrase in view."""
        self.set_playhead(0.0)
        self.fit_to_notes()

    def fit_to_notes(self) -> None:
        """Show a phrase just opened whole where it can be: zoomed out as far as its notes need,
        from its start, centred on its middle note."""
        notes = [note for _, note in self.model.items()]
        if not notes:
            return
        pitches = sorted(n.pitch for n in notes)
        middle = pitches[len(pitches) // 2]
        self.geo.fit(pitches[0], middle, pitches[-1], self.model.length + self.model.steps_per_bar,
                     self.viewport().width(), self.viewport().height())
        self._update_scrollbars()
        self.center_on_pitch(middle)
        self.horizontalScrollBar().setValue(0)
        self._scrolled()

    def bring_into_view(self, notes: list[Note]) -> None:
        """Scroll, where needed, so that ``notes`` can be seen: sideways to put their start a
        quarter of the way in, up or down to centre their registers."""
        if not notes:
            return
        self._update_scrollbars()
        first, last = min(n.start for n in notes), max(n.end for n in notes)
        left, right = self.visible_steps()
        if not (left <= first and last <= right):
            self.horizontalScrollBar().setValue(int(self.geo.x(first) - self.viewport().width() / 4))
        low, high = min(n.pitch for n in notes), max(n.pitch for n in notes)
        top = self.verticalScrollBar().value()
        if self.geo.y(high) < top or self.geo.y(low) + self.geo.key_height > top + self.viewport().height():
            middle = (self.geo.y(high) + self.geo.y(low) + self.geo.key_height) / 2
            self.verticalScrollBar().setValue(int(middle - self.viewport().height() / 2))

    # -- scrolling and zoom --------------------------------------------------------------------
    def content_steps(self) -> int:
        bar = self.model.steps_per_bar
        return (self.model.length // bar + 16) * bar

    def _update_scrollbars(self) -> None:
        width = self.geo.x(self.content_steps())
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setRange(0, max(0, int(width - self.viewport().width())))
        h.setPageStep(self.viewport().width())
        h.setSingleStep(int(self.geo.step_width * 2))
        v.setRange(0, max(0, int(self.geo.height - self.viewport().height())))
        v.setPageStep(self.viewport().height())
        v.setSingleStep(int(self.geo.key_height * 2))

    def zoom_time(self, factor: float, anchor_x: float | None = None) -> None:
        anchor_x = self.viewport().width() / 2 if anchor_x is None else anchor_x
        step = self.step_at(anchor_x)
        self.geo.zoom_time(factor)
        self._update_scrollbars()
        self.horizontalScrollBar().setValue(int(self.geo.x(step) - anchor_x))
        self._scrolled()

    def zoom_pitch(self, factor: float, anchor_y: float | None = None) -> None:
        anchor_y = self.viewport().height() / 2 if anchor_y is None else anchor_y
        content = self.content_y(anchor_y) / self.geo.key_height
        self.geo.zoom_pitch(factor)
        self._update_scrollbars()
        self.verticalScrollBar().setValue(int(content * self.geo.key_height - anchor_y))
        self._scrolled()

    def wheelEvent(self, event):
        self.touched.emit()
        delta = event.angleDelta().y() or event.angleDelta().x()
        factor = 1.15 if delta > 0 else 1 / 1.15
        mods = event.modifiers()
        if mods & Qt.ControlModifier and mods & Qt.ShiftModifier:
            self.zoom_pitch(factor, event.position().y())
        elif mods & Qt.ControlModifier:
            self.zoom_time(factor, event.position().x())
        elif mods & Qt.ShiftModifier:
            h = self.horizontalScrollBar()
            h.setValue(h.value() - delta)
        else:
            super().wheelEvent(event)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._update_scrollbars()
        self.viewChanged.emit()

    def _scrolled(self, *_):
        self.viewport().update()
        self.viewChanged.emit()

    def _model_changed(self):
        if self.geo.steps_per_quarter != self.model.steps_per_quarter:
            self.geo.set_grid(self.model.steps_per_quarter)
        self._update_scrollbars()
        self.viewport().update()
        self.viewChanged.emit()

    # -- playhead --------------------------------------------------------------------------------
    def set_playhead(self, step: float, follow: bool = False) -> None:
        self.playhead = max(0.0, step)
        if follow:
            left, right = self.visible_steps()
            sixteenth = self.geo.steps_per_sixteenth
            if not left <= self.playhead <= right - 2 * sixteenth:
                self.horizontalScrollBar().setValue(int(self.geo.x(self.playhead - 4 * sixteenth)))
        self.viewport().update()
        self.playheadMoved.emit(self.playhead)

    # -- mouse: handed to the tool -------------------------------------------------------------
    def mousePressEvent(self, event):
        self.touched.emit()
        self.setFocus()
        if self.tool:
            self.tool.press(self, event)

    def mouseMoveEvent(self, event):
        if self.tool:
            self.tool.move(self, event)

    def mouseReleaseEvent(self, event):
        if self.tool:
            self.tool.release(self, event)

    def mouseDoubleClickEvent(self, event):
        if self.tool and hasattr(self.tool, "double_click"):
            self.tool.double_click(self, event)

    # -- painting ------------------------------------------------------------------------------
    @never_raises
    def paintEvent(self, event):
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.Antialiasing, False)
        self._paint_rows(painter)
        self._paint_grid(painter)
        self._paint_loop(painter)
        self._paint_notes(painter)
        self._paint_ghosts(painter)
        self._paint_overlays(painter)
        if not len(self.model) and not self.new_notes:
            self._paint_empty_hint(painter)
        painter.end()

    def _paint_empty_hint(self, painter: QPainter) -> None:
        painter.setPen(theme.HINT_TEXT)
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        painter.setFont(font)
        painter.drawText(self.viewport().rect(), Qt.AlignCenter,
                         "Click and drag to draw notes\n"
                         "or open a MIDI file (Ctrl+O), drop one here, or pick a phrase from the Seeds menu.\n"
                         "Then press Continue (Ctrl+Return) and the model writes what comes next.")

    def _paint_rows(self, painter: QPainter) -> None:
        width = self.viewport().width()
        top, bottom = self.pitch_at(self.viewport().height()), self.pitch_at(0)
        for pitch in range(top, bottom + 1):
            y = self.view_point(0, pitch).y()
            color = theme.ROW_BLACK if is_black_key(pitch) else theme.ROW_WHITE
            painter.fillRect(QRectF(0, y, width, self.geo.key_height), color)
            if pitch % 12 == 0:                               # a line under every C
                painter.setPen(QPen(theme.OCTAVE_LINE, 1))
                painter.drawLine(QPointF(0, y + self.geo.key_height), QPointF(width, y + self.geo.key_height))

    def _paint_grid(self, painter: QPainter) -> None:
        first, last = self.visible_steps()
        spq, bar = self.model.steps_per_quarter, self.model.steps_per_bar
        beat = self.model.steps_per_beat
        height = self.viewport().height()
        unit = self.snap if self.snap > 1 else max(1, spq // 4)      # the snap's lines, else sixteenths
        every = [bar, beat] + ([unit] if self.geo.x(unit) >= 6 else [])    # finer lines only where they show
        lines = sorted(set().union(*(range(int(first) // u * u, int(last) + 2, u) for u in every)))
        for step in lines:
            if step % bar == 0:
                pen = QPen(theme.BAR_LINE, 1)
            elif step % beat == 0:
                pen = QPen(theme.BEAT_LINE, 1)
            else:
                pen = QPen(theme.STEP_LINE, 1)
            x = self.view_point(step, 0).x()
            painter.setPen(pen)
            painter.drawLine(QPointF(x, 0), QPointF(x, height))

    def _paint_loop(self, painter: QPainter) -> None:
        if self.fill_span:
            a = self.view_point(self.fill_span[0], 0).x()
            b = self.view_point(self.fill_span[1], 0).x()
            painter.fillRect(QRectF(a, 0, b - a, self.viewport().height()), theme.FILL_SPAN)
        if self.loop:
            a = self.view_point(self.loop[0], 0).x()
            b = self.view_point(self.loop[1], 0).x()
            painter.fillRect(QRectF(a, 0, b - a, self.viewport().height()), theme.LOOP_FILL)

    def _paint_notes(self, painter: QPainter) -> None:
        """Only the notes in view, grouped by colour so each colour is one drawRects call."""
        first, last = self.visible_steps()
        selection = self.model.selection
        groups: dict[tuple[int, bool, bool, int], list[QRectF]] = {}
        top, bottom = -self.geo.key_height, self.viewport().height()
        surprise = self.surprise or {}
        for note_id in self.model.visible(first, last + 1):
            if note_id in self.preview:
                continue
            note = self.model.note(note_id)
            rect = self.note_rect(note)
            if not top <= rect.y() <= bottom:
                continue
            bits = surprise.get(note_id)
            key = (note.velocity // 4, note_id in selection, self.model.is_generated(note_id),
                   -1 if bits is None else round(bits * SURPRISE_SHADES))
            groups.setdefault(key, []).append(rect)
        for note_id, note in self.preview.items():
            groups.setdefault((note.velocity // 4, True, self.model.is_generated(note_id), -1), []).append(
                self.note_rect(note))
        for note in self.new_notes:
            groups.setdefault((note.velocity // 4, True, False, -1), []).append(self.note_rect(note))
        outlined = self.geo.sixteenth_width >= 3
        for (level, selected, generated, shade), rects in groups.items():
            painter.setBrush(theme.note_fill(level * 4 + 2, generated, selected) if shade < 0
                             else theme.surprise_fill(shade / SURPRISE_SHADES, selected))
            if outlined:
                painter.setPen(QPen(theme.NOTE_EDGE_SELECTED if selected else theme.NOTE_EDGE, 1))
                rects = [r.adjusted(0.5, 0.5, -0.5, -0.5) for r in rects]
            else:
                painter.setPen(Qt.NoPen)
            painter.drawRects(rects)
        painter.setBrush(Qt.NoBrush)
        self._paint_locks(painter, first, last)

    def _paint_locks(self, painter: QPainter, first: float, last: float) -> None:
        """Locked notes: a gold frame, and a small padlock where the note is wide enough."""
        locked = [i for i in self.model.visible(first, last + 1) if self.model.is_locked(i)]
        if not locked:
            return
        painter.setPen(QPen(theme.LOCK_EDGE, 2))
        painter.setBrush(Qt.NoBrush)
        for note_id in locked:
            note = self.preview.get(note_id, self.model.note(note_id))
            rect = self.note_rect(note).adjusted(1, 1, -1, -1)
            painter.drawRect(rect)
            size = min(rect.height() - 2, 9.0)
            if rect.width() >= size + 6 and size >= 5:
                body = QRectF(rect.left() + 3, rect.center().y() - size / 2 + size * 0.35, size, size * 0.65)
                painter.fillRect(body, theme.LOCK_EDGE)
                painter.drawArc(QRectF(body.left() + size * 0.2, body.top() - size * 0.45, size * 0.6, size * 0.8),
                                0, 180 * 16)

    def _paint_ghosts(self, painter: QPainter) -> None:
        """Ghost suggestions: faint outlines in the model's colour (they are no notes of the phrase)."""
        if not self.ghosts:
            return
        first, last = self.visible_steps()
        rects = [self.note_rect(n).adjusted(0.5, 0.5, -0.5, -0.5) for n in self.ghosts
                 if n.end >= first and n.start <= last + 1]
        painter.setPen(QPen(theme.GHOST_EDGE, 1, Qt.DashLine))
        painter.setBrush(theme.GHOST_FILL)
        painter.drawRects(rects)
        painter.setBrush(Qt.NoBrush)

    def _paint_overlays(self, painter: QPainter) -> None:
        if self.band is not None:
            top_left = QPointF(self.band.left() - self.horizontalScrollBar().value(),
                               self.band.top() - self.verticalScrollBar().value())
            painter.setPen(QPen(theme.BAND_EDGE, 1, Qt.DashLine))
            painter.fillRect(QRectF(top_left, self.band.size()), theme.BAND_FILL)
            painter.drawRect(QRectF(top_left, self.band.size()))
        x = self.view_point(self.playhead, 0).x()
        painter.setPen(QPen(theme.PLAYHEAD, 2))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.viewport().height()))
