"""View > Show Surprise: every note coloured by how unexpected the model finds it, in bits.

The model reads the phrase once on a worker thread (``engine.writing.surprise``), with its own copy
of the Continue panel's model; the notes in view are coloured first, the rest as the reading goes
on, and a moment after each edit (``DEBOUNCE_MS``) it reads again from the first note that changed.
A press in the roll or a turn of the wheel stops a reading (it goes on a moment later), and none
starts while a mouse button is held down.
Until then every note the edit left as it was keeps its colour, and a note it changed is drawn as
usual. A note the model cannot read is drawn as usual too. The status bar shows the scale.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from .. import theme
from ..background import BackgroundJob, PrivateModels
from ..painting import never_raises
from ..workers import ModelCache, keep_until_finished

DEBOUNCE_MS = 250


class SurpriseJob(BackgroundJob):
    """Read ``phrase`` with the model ``model_name`` (a private copy, from ``models``) and its reader
    (kept in ``readers`` by model, so the next job reads on from it); emits ``reported(number,
    figures)`` as the reading goes on (the notes in the steps ``first`` come first), then
    ``finished_with(number, figures)``, or ``failed(number, message)``. ``figures`` are the bits
    of the phrase's notes in order, None where not known."""

    reported = Signal(int, list)
    refusal = "No surprise view"
    doing = "reading the surprise of the notes"

    def __init__(self, models: PrivateModels, readers: dict, model_name, phrase, first, number: int):
        super().__init__(models, model_name, number)
        self.readers, self.phrase, self.first = readers, phrase, first

    def work(self, loaded) -> list:
        from engine.writing.surprise import SurpriseReader
        reader = self.readers.get(id(loaded))
        if reader is None or reader.loaded is not loaded:
            reader = self.readers[id(loaded)] = SurpriseReader(loaded)
        return reader.read(self.phrase, self.first, cancel=self.cancelled,
                           report=lambda known: self.reported.emit(self.number, known))


class SurpriseLegend(QWidget):
    """The scale in the status bar: pale = expected … red = surprising, in bits."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        self.label = QLabel("Surprise: pale = expected")
        self.swatch = _Scale()
        self.end_label = QLabel(f"red = surprising (0–{theme.SURPRISE_TOP:g}+ bits)")
        for widget in (self.label, self.swatch, self.end_label):
            layout.addWidget(widget)
        self.setToolTip("How unexpected the model finds each note given what comes before it: the bits it "
                        "pays to write the note's pitch and length there (View > Show Surprise).")

    def text(self) -> str:
        return f"{self.label.text()} … {self.end_label.text()}"


class _Scale(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFixedSize(90, 12)

    @never_raises
    def paintEvent(self, event):
        painter = QPainter(self)
        gradient = QLinearGradient(QPointF(0, 0), QPointF(self.width(), 0))
        for k in range(9):
            gradient.setColorAt(k / 8, theme.surprise_fill(theme.SURPRISE_TOP * k / 8))
        painter.fillRect(QRectF(self.rect()), gradient)
        painter.setPen(QPen(theme.NOTE_EDGE, 1))
        painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        painter.end()


class SurpriseView(QObject):
    """The surprise view of one window. ``model``: the phrase; ``view``: the piano roll, which draws
    ``view.surprise``; ``cache``: the window's loaded models (copied for this view's own use);
    ``model_path()``: the model chosen in the Continue panel; ``legend``: shown in the status bar
    while the view is on; ``action``: View > Show Surprise; ``show_message(text, ms)``: the status
    bar. ``coloured`` is emitted each time new figures are drawn."""

    coloured = Signal()

    def __init__(self, model, view, cache: ModelCache, model_path: Callable[[], object], legend: SurpriseLegend,
                 action, show_message: Callable[[str, int], None], parent=None):
        super().__init__(parent)
        self.model, self.view, self.model_path = model, view, model_path
        self.legend, self.action, self.show_message = legend, action, show_message
        self.models = PrivateModels(cache)
        self.readers: dict = {}
        self.on = False
        self.job: SurpriseJob | None = None
        self.number = 0
        self.asked: tuple[list[int], list] = ([], [])     # the ids and notes the running job reads
        self.figures: dict[int, tuple[object, float]] = {}  # id -> (the note as it was read, its bits)
        self._said = ""
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self._read)
        legend.hide()
        model.notesChanged.connect(self.edited)
        model.settingsChanged.connect(self.edited)
        model.phraseReplaced.connect(self.edited)
        view.touched.connect(self.interrupt)

    def switch(self, on: bool) -> None:
        """The view on (the notes are read at once) or off."""
        self.on = bool(on)
        self.action.setChecked(self.on)
        self.legend.setVisible(self.on)
        self.number += 1
        self._drop_job()
        if self.on:
            self._read()
        else:
            self.timer.stop()
            self.figures = {}
            self.view.surprise = None
            self.view.viewport().update()

    def edited(self, *_) -> None:
        """The notes changed: the changed ones lose their colour, and they are read again in a moment."""
        if not self.on:
            return
        self.number += 1
        self._drop_job()
        self._show()
        self.timer.start()

    def interrupt(self) -> None:
        """A press in the roll or a turn of the wheel: a reading stops, so that the drag or the scroll
        has the machine to itself; it goes on a moment later from where it got (the reader remembers),
        the notes then in view first."""
        if self.job is not None:
            self.number += 1
            self._drop_job()
            self.timer.start()

    def _drop_job(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job = None

    def _read(self) -> None:
        if not self.on or self.job is not None:
            return
        if QGuiApplication.mouseButtons() != Qt.NoButton:
            self.timer.start()                           # not during a drag: after it
            return
        entries = sorted(self.model.items(), key=lambda entry: entry[1].sort_key())
        if not entries:
            self.figures = {}
            self._show()
            return
        ids, notes = [i for i, _ in entries], [n for _, n in entries]
        phrase = self.model.template().with_notes(notes)        # in this order: Phrase sorts stably
        first, last = self.view.visible_steps()
        self.asked = (ids, notes)
        job = keep_until_finished(SurpriseJob(self.models, self.readers, self.model_path(), phrase,
                                              (int(first), int(last) + 1), self.number))
        job.reported.connect(self._arrived)
        job.finished_with.connect(self._arrived)
        job.failed.connect(self._failed)
        job.finished.connect(self._job_ended)
        self.job = job
        job.start()

    def _job_ended(self) -> None:
        if self.sender() is self.job:
            self.job = None

    def _arrived(self, number: int, figures: list) -> None:
        if number != self.number or not self.on:
            return
        ids, notes = self.asked
        for note_id, note, bits in zip(ids, notes, figures):
            if bits is not None:
                self.figures[note_id] = (note, bits)
        self._show()
        self.coloured.emit()

    def _show(self) -> None:
        """Colour the notes whose figures were read as they are now."""
        model = self.model
        current = dict(model.items())
        self.figures = {i: (note, bits) for i, (note, bits) in self.figures.items() if current.get(i) == note}
        self.view.surprise = {i: bits for i, (_, bits) in self.figures.items()} if self.on else None
        self.view.viewport().update()

    def _failed(self, number: int, message: str) -> None:
        if message != self._said:
            self._said = message
            self.show_message(message, 8000)

    def shutdown(self) -> None:
        self.timer.stop()
        job, self.job = self.job, None
        if job is not None:
            job.cancel()
            job.wait(3000)
