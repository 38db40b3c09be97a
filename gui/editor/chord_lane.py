"""The chord lane above the piano roll: the chords Segue hears in grey, the chords you set plainly.

Click a bar to set its chord (Shift+click: the half bar under the pointer) from the key's own
chords, common borrowed and secondary ones, or any chord typed by name ("Am7", "F/C"); "No chord"
sets a bar without harmony, "Clear" gives it back to Segue. Each change is one undo step, saved
with the document and written into MusicXML and MIDI files. The chords heard are recognised from
the notes in view (``engine.music.harmony``) a moment after each edit.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QPainter, QPen
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox, QToolButton, QWidget

from engine.music.chords import Chord
from engine.music.keys import Key, key_for_notation
from engine.music.phrase import trim

from .. import theme
from ..document.commands import SetChords
from ..painting import never_raises
from .rulers import KEYBOARD_WIDTH

LANE_HEIGHT = 24
HEARD_DELAY_MS = 150             # the chords heard are recognised once the edits pause
# (semitones above the tonic, quality) of the chords offered first, and of the borrowed and secondary ones
MAJOR_CHORDS = ((0, "maj"), (2, "min"), (4, "min"), (5, "maj"), (7, "maj"), (7, "7"), (9, "min"), (11, "dim"))
MAJOR_COLOUR = ((0, "maj7"), (2, "min7"), (5, "maj7"), (5, "min"), (8, "maj"), (10, "maj"), (2, "7"), (4, "7"),
                (9, "7"), (7, "sus4"))
MINOR_CHORDS = ((0, "min"), (2, "dim"), (3, "maj"), (5, "min"), (7, "min"), (7, "maj"), (7, "7"), (8, "maj"),
                (10, "maj"))
MINOR_COLOUR = ((0, "min7"), (2, "hdim7"), (5, "maj"), (1, "maj"), (11, "dim"), (3, "maj7"), (8, "maj7"),
                (0, "7"), (7, "sus4"))


def chords_of_key(key: Key) -> tuple[list[Chord], list[Chord]]:
    """The key's own chords (I ii iii IV V V7 vi vii°; in minor i ii° III iv v V V7 VI VII), and
    common borrowed and secondary ones (iv, bVI, bVII, V/V, V/vi...; in minor IV, bII...)."""
    own, colour = (MINOR_CHORDS, MINOR_COLOUR) if key.minor else (MAJOR_CHORDS, MAJOR_COLOUR)
    return ([Chord((key.tonic + degree) % 12, quality) for degree, quality in own],
            [Chord((key.tonic + degree) % 12, quality) for degree, quality in colour])


class ChordLane(QWidget):
    """The lane of chords over the roll. ``model``: the phrase model (its chords set, its notes);
    ``undo_stack``: where each change goes; ``view``: the piano roll it follows;
    ``show_message(text, ms)``: the status bar. ``chosen`` tells which span got which chord."""

    chosen = Signal(str)

    def __init__(self, model, undo_stack, view, show_message, parent=None):
        super().__init__(parent)
        self.model, self.undo_stack, self.view, self.show_message = model, undo_stack, view, show_message
        self.heard: list[tuple[int, int, Chord]] = []
        self.setFixedHeight(LANE_HEIGHT)
        self.setToolTip("Chords: grey ones are what Segue hears in the notes; click a bar to set its chord "
                        "(Shift+click: half a bar). The chords you set are saved and exported.")
        self._timer = QTimer(self, singleShot=True, interval=HEARD_DELAY_MS)
        self._timer.timeout.connect(self.listen)
        view.viewChanged.connect(self._view_moved)
        model.notesChanged.connect(self._timer.start)
        model.settingsChanged.connect(self._timer.start)
        model.notesChanged.connect(self._forget_key)
        model.settingsChanged.connect(self._forget_key)
        self._notes_key: tuple[Key | None] | None = None      # the key the notes suggest, once worked out
        model.chordsChanged.connect(self.update)
        self._heard_range: tuple[int, int] | None = None
        self.button: QToolButton | None = None

    def add_button(self, action) -> None:
        """A small button in the lane's margin for ``action`` (Suggest Chords)."""
        self.button = QToolButton(self)
        self.button.setDefaultAction(action)
        self.button.setText("Suggest")
        self.button.setAutoRaise(True)
        self.button.setStyleSheet("QToolButton { padding: 0px; }")    # the word fits the margin whole
        small = self.button.font()
        small.setPointSizeF(max(6.0, small.pointSizeF() - 1))
        self.button.setFont(small)
        self.button.setGeometry(2, 2, KEYBOARD_WIDTH - 4, LANE_HEIGHT - 4)

    # -- what is heard -------------------------------------------------------------------------
    def _view_moved(self) -> None:
        first, last = self._bars_in_view()
        if self._heard_range is None or not (self._heard_range[0] <= first and last <= self._heard_range[1]):
            self._timer.start()
        self.update()

    def _bars_in_view(self) -> tuple[int, int]:
        bar = self.model.steps_per_bar
        left, right = self.view.visible_steps()
        return int(left) // bar * bar, -(-int(right + 1) // bar) * bar

    def listen(self) -> None:
        """Recognise the chords of the notes in view (and a few bars either side)."""
        bar = self.model.steps_per_bar
        first, last = self._bars_in_view()
        first, last = max(0, first - 4 * bar), last + 4 * bar
        length = self.model.length
        self._heard_range = (first, last)
        if not length or first >= length:
            self.heard = []
        else:
            from engine.music.harmony import estimate_chords  # with numpy: loaded once there are notes to hear
            # the notes sounding there, not a phrase of the whole piece: a long piece's lane listened
            # for as long as the piece was long, a moment after every edit
            near = self.model.phrase(self.model.visible(first, last))
            window = trim(near, first, min(last, -(-length // bar) * bar))
            self.heard = [(a + first, b + first, chord) for a, b, chord in
                          estimate_chords(window, "beat", self.key_at(first))]
        self.update()

    def key_at(self, step: int) -> Key | None:
        """The key in effect at ``step``: the key signature set there, else the key the notes suggest."""
        signed = [key for at, key in self.model.key_signatures if at <= step]
        if signed:
            return Key.parse(signed[-1])
        if self._notes_key is None:            # once until the notes change, not once a chord painted
            self._notes_key = (key_for_notation(self.model.phrase()),)
        return self._notes_key[0]

    def _forget_key(self) -> None:
        self._notes_key = None

    # -- setting chords ----------------------------------------------------------------------------
    def span_at(self, x: float, half: bool) -> tuple[int, int]:
        """The bar (or with ``half`` the half bar) under ``x`` (widget pixels)."""
        bar = self.model.steps_per_bar
        step = max(0.0, self.view.step_at(x - KEYBOARD_WIDTH))
        start = int(step) // bar * bar
        if half and bar % 2 == 0:
            middle = start + bar // 2
            return (middle, start + bar) if step >= middle else (start, middle)
        return start, start + bar

    def mousePressEvent(self, event):
        x = event.position().x()
        if x < KEYBOARD_WIDTH or event.button() != Qt.LeftButton:
            return
        start, end = self.span_at(x, bool(event.modifiers() & Qt.ShiftModifier))
        self.show_menu(self.menu_for(start, end), event.globalPosition().toPoint())

    def show_menu(self, menu: QMenu, at) -> None:
        """Open the chord menu at the pointer; the choice acts through the menu's own actions."""
        menu.exec(at)

    def menu_for(self, start: int, end: int) -> QMenu:
        """The choices for the span: the key's chords, borrowed and secondary ones, another chord by
        name, no chord, clear."""
        key = self.key_at(start)
        menu = QMenu(self)
        if key is not None:
            own, colour = chords_of_key(key)
            menu.addSection(f"In {key.name}")
            more = QMenu("Borrowed and secondary", menu)
            for where, chords in ((menu, own), (more, colour)):
                for name in (chord.name(key) for chord in chords):
                    where.addAction(name, lambda c=name: self.set_chord(start, end, c))
            menu.addMenu(more)
        menu.addSeparator()
        menu.addAction("Other chord…", lambda: self.ask_for_chord(start, end))
        menu.addAction("No chord (N)", lambda: self.set_chord(start, end, "N"))
        menu.addAction("Clear: let Segue choose", lambda: self.clear(start, end))
        return menu

    def ask_for_chord(self, start: int, end: int) -> None:
        text, ok = QInputDialog.getText(self, "Chord", "Chord (such as Am7, F/C, Bbmaj7, Dsus4):")
        if not ok or not text.strip():
            return
        try:
            Chord.parse(text)
        except ValueError as err:
            QMessageBox.warning(self, "Chord", str(err))
            return
        self.set_chord(start, end, text.strip())

    def set_chord(self, start: int, end: int, name: str) -> None:
        """``name`` from ``start`` to ``end``: one undo step."""
        Chord.parse(name)                                            # names reach here checked
        self.undo_stack.push(SetChords(self.model, start, end, [(start, end, name)], f"Chord {name}"))
        self.show_message(f"{self.where(start, end)}: {name}.", 5000)
        self.chosen.emit(name)

    def clear(self, start: int, end: int) -> None:
        if any(a < end and b > start for a, b, _ in self.model.chords):
            self.undo_stack.push(SetChords(self.model, start, end, [], "Clear chords"))
            self.show_message(f"{self.where(start, end)}: Segue chooses the harmony.", 4000)

    def where(self, start: int, end: int) -> str:
        bar = self.model.steps_per_bar
        number = start // bar + 1
        if end - start == bar:
            return f"Bar {number}"
        return f"Bar {number}, {'first' if start % bar == 0 else 'second'} half"

    # -- painting ----------------------------------------------------------------------------------
    @never_raises
    def paintEvent(self, event):
        painter = QPainter(self)
        painter.fillRect(self.rect(), theme.RULER_BG)
        offset, height = KEYBOARD_WIDTH, self.height()
        left, right = self.view.visible_steps()
        bar = self.model.steps_per_bar
        font = QFont(self.font())
        font.setPixelSize(12)
        painter.setFont(font)
        for step in range(int(left) // bar * bar, int(right) + bar, bar):
            x = self.view.view_point(step, 0).x() + offset
            painter.setPen(QPen(theme.BEAT_LINE, 1))
            painter.drawLine(QPointF(x, 0), QPointF(x, height))
        set_spans = self.model.chords
        for a, b, chord in self.heard:
            for lo, hi in _uncovered(a, b, set_spans):
                self._label(painter, lo, hi, chord.name(self.key_at(lo)), theme.HINT_TEXT, italic=True)
        for a, b, name in set_spans:
            if b > left and a < right:
                self._label(painter, a, b, name, theme.RULER_TEXT, boxed=True)
        painter.fillRect(QRectF(0, 0, offset, height), theme.RULER_BG)
        if self.button is None:                  # else the margin holds Suggest
            painter.setPen(theme.HINT_TEXT)
            painter.drawText(QRectF(0, 0, offset - 6, height), Qt.AlignRight | Qt.AlignVCenter, "Chords")
        painter.end()

    def _label(self, painter, start: int, end: int, text: str, colour, italic=False, boxed=False) -> None:
        a = self.view.view_point(start, 0).x() + KEYBOARD_WIDTH
        b = self.view.view_point(end, 0).x() + KEYBOARD_WIDTH
        rect = QRectF(a + 1, 2, max(0.0, b - a - 2), self.height() - 4)
        if rect.right() < KEYBOARD_WIDTH or rect.width() < 4:
            return
        if boxed:
            painter.setPen(QPen(theme.BAND_EDGE, 1))
            painter.setBrush(theme.FIELD)
            painter.drawRoundedRect(rect, 3, 3)
            painter.setBrush(Qt.NoBrush)
        font = painter.font()
        font.setItalic(italic)
        font.setBold(boxed)
        painter.setFont(font)
        painter.setPen(colour)
        inside = rect.adjusted(4, 0, -2, 0)
        painter.drawText(inside, Qt.AlignLeft | Qt.AlignVCenter, fitted(text, painter.fontMetrics(), inside.width()))


def fitted(name: str, metrics, width: float) -> str:
    """A chord's name as it fits ``width`` pixels: whole, else without its bass ("Fmaj7/A" as
    "Fmaj7"), else cut short with an ellipsis, never cut through a letter."""
    if metrics.horizontalAdvance(name) <= width:
        return name
    plain = name.split("/")[0]
    if metrics.horizontalAdvance(plain) <= width:
        return plain
    return metrics.elidedText(plain, Qt.ElideRight, int(width))


def _uncovered(start: int, end: int, spans) -> list[tuple[int, int]]:
    """The parts of ``start``..``end`` that no set chord covers."""
    parts, at = [], start
    for a, b, _ in spans:
        if b <= at or a >= end:
            continue
        if a > at:
            parts.append((at, a))
        at = max(at, b)
    if at < end:
        parts.append((at, end))
    return parts
