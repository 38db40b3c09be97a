"""Ghost suggestions: while the user writes, the next bars the model would write, shown faintly.

A moment after each edit (``DEBOUNCE_MS``, so a run of edits starts one job) the model continues
the phrase in the application's writing process (``engine/writing/writing_process.py``: a process
of its own, so that the model's steps never take turns with the window's thread and a repaint or a
drag never waits for them; a worker thread waits for its answer), and its next one or two bars
(View > Ghost Length) appear as faint outlined notes after the phrase, or after the selection. Tab
keeps them (one undo step; they become notes the model wrote, as a Continue's are); Esc or any edit
sends them away, and an edit cancels a job still writing. They follow the Continue panel's
settings, the locked notes ahead and the chords the phrase carries, as Continue does. The user
comes first: a press in the roll or a turn of the wheel stops a job (it starts again a moment
later), and none starts while a mouse button is down.

The ghosts start where the selection ends (and whatever still sounds there), when the bars they
would fill hold no notes yet (locked ones aside: the model writes around them); else, as after
drawing a note inside the phrase (which selects it), where the phrase ends. The model continues
the music before that place, its last ``CONTEXT_BARS`` bars (a long piece would otherwise be read
whole after every edit). There are no ghosts while a Continue or Fill is written, while the phrase
plays or a take is recorded, or when the phrase is empty.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import fields, replace

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication

from engine.music.phrase import Note, shift

from ..background import BackgroundJob, PrivateModels, writing_process
from ..document.commands import AddNotes
from ..workers import InputProblem, ModelCache, checked, keep_until_finished
from .controller import continuation_inputs, locked_between

log = logging.getLogger(__name__)
DEBOUNCE_MS = 50                  # quiet after an edit before the model starts writing (short: an edit
                                  # stops a running job within one token, so a job begun too early wastes little)
CONTEXT_BARS = 16                 # bars before the ghosts that the model reads
ENABLED_SETTING = "view/ghost_suggestions"
BARS_SETTING = "view/ghost_bars"
DEFAULT_BARS = 2


def ghosts_wanted() -> bool:
    return QSettings("Segue", "Segue").value(ENABLED_SETTING, True, type=bool)


def ghost_bars() -> int:
    bars = QSettings("Segue", "Segue").value(BARS_SETTING, DEFAULT_BARS, type=int)
    return bars if bars in (1, 2) else DEFAULT_BARS


class GhostJob(BackgroundJob):
    """Write ``options.bars`` bars after ``phrase`` in the application's writing process (``writer``,
    so that the model's steps never take turns with the window's thread), or with ``generator`` (a
    test's stand-in for ``continue_phrase``) on a private copy of the model (``models``); emits
    ``finished_with(number, notes)`` (the first take's notes, timed from the phrase's end) or
    ``failed(number, message)``, ``number`` being the edit it was asked after."""

    refusal = "No ghost suggestions"
    doing = "writing ghost suggestions"

    def __init__(self, models: PrivateModels, model_name, phrase, options, locked, number: int, generator=None,
                 writer=None):
        super().__init__(models, model_name, number)
        self.phrase, self.options, self.locked, self.generator = phrase, options, list(locked), generator
        self.writer = writer

    def produce(self) -> list:
        if self.generator is not None or self.writer is None:
            return super().produce()
        from engine.writing.writing_process import WriterInput, WriterUnavailable
        try:
            takes = self.writer.write(self.model_name, self.phrase, self.options, self.locked, cancel=self.cancelled)
        except WriterInput as err:
            raise InputProblem(str(err)) from err
        except WriterUnavailable as err:        # the ghosts still come, written here as before
            log.warning("ghost suggestions written on a thread of the window's process: %s", err)
            return super().produce()
        return list(takes[0].notes) if takes else []

    def work(self, loaded) -> list:
        from engine.writing.continuation import continue_phrase
        checked(self.options.check)
        vocab = getattr(loaded, "vocab", None)           # a test's stand-in model may have none
        for note in self.locked if vocab is not None else ():
            checked(vocab.pitch, note.pitch)
        write = self.generator or continue_phrase
        more = {"locked": self.locked} if self.locked else {}
        takes = write(loaded, self.phrase, self.options, cancel=self.cancelled, **more)
        return list(takes[0].notes) if takes else []


class GhostController(QObject):
    """Ghost suggestions for one window.

    ``model``, ``undo_stack``: the phrase (each move of the stack is an edit; Tab pushes one step).
    ``panel``: the Continue panel, whose options and model the ghosts follow. ``view``: the piano roll,
    which draws ``view.ghosts``. ``cache``: the window's loaded models (copied for the ghosts' own
    use). ``busy()``: True while a Continue or Fill is written, the phrase plays or a take is
    recorded; the window calls ``refresh`` when that changes. ``switch_action``: View > Ghost
    Suggestions; ``accept_action``: Tab, enabled while ghosts show. ``show_message(text, ms)``: the
    status bar. ``generator``: a stand-in for ``continue_phrase`` (tests). ``shown`` is emitted when
    ghosts appear."""

    shown = Signal()

    def __init__(self, model, undo_stack, panel, view, cache: ModelCache, busy: Callable[[], bool],
                 switch_action: QAction, accept_action: QAction, show_message: Callable[[str, int], None],
                 generator=None, parent=None):
        super().__init__(parent)
        self.model, self.undo_stack, self.panel, self.view = model, undo_stack, panel, view
        self.models = PrivateModels(cache)
        self.busy, self.show_message, self.generator = busy, show_message, generator
        self.switch_action, self.accept_action = switch_action, accept_action
        self.enabled = ghosts_wanted()
        self.bars = ghost_bars()
        switch_action.setChecked(self.enabled)
        accept_action.setEnabled(False)
        self.job: GhostJob | None = None
        self.number = 0                          # edits so far: a job's notes are shown only for its own
        self._said = ""                          # the last failure said (said once, not after every edit)
        self._asked: tuple[int, list[Note]] = (0, [])     # the running job's place and the locked notes there
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self._write)
        undo_stack.indexChanged.connect(self.edited)
        model.selectionChanged.connect(self.edited)
        model.phraseReplaced.connect(self.edited)
        view.touched.connect(self.interrupt)

    # -- the switch and the length (View menu) -------------------------------------------------------
    def switch(self, on: bool) -> None:
        """Ghost suggestions on or off (remembered); off ends the writing process, which the next
        ghosts start again."""
        self.enabled = bool(on)
        QSettings("Segue", "Segue").setValue(ENABLED_SETTING, self.enabled)
        self.switch_action.setChecked(self.enabled)
        if self.enabled:
            self.warm_up()
        elif self.generator is None:
            writing_process().close_soon()       # its memory back (the window's model stays loaded)
        self.edited()

    def warm_up(self) -> None:
        """Start the writing process now (it loads torch and the model: a second or two, once), so
        that the first ghosts come as quickly as the next; the window calls this once its own model
        is loaded."""
        if self.enabled and self.generator is None:
            writing_process().start()

    def set_bars(self, bars: int) -> None:
        """How many bars the ghosts show: 1 or 2 (remembered)."""
        self.bars = 1 if bars == 1 else 2
        QSettings("Segue", "Segue").setValue(BARS_SETTING, self.bars)
        self.edited()

    # -- edits, and the job --------------------------------------------------------------------------
    def edited(self, *_) -> None:
        """The phrase or the selection changed: the ghosts go, a job still writing is dropped, and a
        new one starts after a moment of quiet."""
        self.number += 1
        self._clear()
        self._drop_job()
        if self._allowed():
            self.timer.start()
        else:
            self.timer.stop()

    def interrupt(self) -> None:
        """The user presses in the roll or scrolls it: a job still writing stops, so that the drag or
        the scroll has the machine to itself, and starts again a moment after (the ghosts shown stay)."""
        if self.job is not None:
            self._drop_job()
            self.number += 1
            self.timer.start()

    def refresh(self, *_) -> None:
        """Something ghosts depend on changed (a Continue started or ended, playing, recording)."""
        self.edited()

    def _allowed(self) -> bool:
        return self.enabled and len(self.model) > 0 and not self.busy()

    def _drop_job(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job = None

    def place(self) -> tuple[int, list[int]] | None:
        """Where the ghosts start (steps) and the ids of the notes the model reads before it: after
        the selection where the bars there are free (locked notes aside), else after the phrase."""
        model = self.model
        items = list(model.items())
        chosen = model.selection
        span = self.bars * model.steps_per_bar
        if chosen:
            end = _sounding_to(items, max(n.end for i, n in items if i in chosen))
            locked = set(locked_between(model, end, end + span))
            if any(end <= n.start < end + span and i not in locked for i, n in items):
                chosen = set()                           # notes stand there: after the phrase instead
        if not chosen:
            end = model.length
        bar = model.steps_per_bar
        first = max(0, (end - 1) // bar * bar - (CONTEXT_BARS - 1) * bar)
        seed = [i for i, n in items if first <= n.start < end]
        return (end, seed) if seed else None

    def _write(self) -> None:
        if not self._allowed() or self.job is not None:
            return
        if QGuiApplication.mouseButtons() != Qt.NoButton:
            self.timer.start()                           # not during a drag: after it
            return
        found = self.place()
        if found is None:
            return
        end, seed_ids = found
        seed, locks, relative = continuation_inputs(self.model, seed_ids, end, self.bars)
        # one draft: ghosts are written in the moment the user pauses, not chosen among drafts
        options = replace(self.panel.options(), bars=self.bars, variations=1, candidates=0)
        options = _with_chords(options, self.model.chords, end, end + self.bars * self.model.steps_per_bar)
        # parentless, held until its thread ends; connected to methods only, so that a window closed
        # while it writes is not called back
        writer = None if self.generator is not None else writing_process()
        job = keep_until_finished(GhostJob(self.models, self.panel.model_path(), seed, options, relative,
                                           self.number, self.generator, writer))
        job.finished_with.connect(self._arrived)
        job.failed.connect(self._failed)
        job.finished.connect(self._job_ended)
        self.job, self._asked = job, (end, locks)
        job.start()

    def _job_ended(self) -> None:
        if self.sender() is self.job:
            self.job = None

    def _arrived(self, number: int, notes: list[Note]) -> None:
        if number != self.number or not self._allowed():
            return
        end, locks = self._asked
        kept = {(n.pitch, n.start) for n in locks}               # already in the phrase
        moved = shift(self.model.template().with_notes(notes), end).notes
        self.view.ghosts = [n for n in moved if (n.pitch, n.start) not in kept]
        self.accept_action.setEnabled(bool(self.view.ghosts))
        self.view.viewport().update()
        if self.view.ghosts:
            self.shown.emit()

    def _failed(self, number: int, message: str) -> None:
        if message != self._said:                # said once, not again after every edit
            self._said = message
            self.show_message(message, 8000)

    # -- Tab and Esc ---------------------------------------------------------------------------------
    def accept(self) -> bool:
        """Keep the ghosts as notes the model wrote (one undo step); False when none show."""
        ghosts = list(self.view.ghosts)
        if not ghosts:
            return False
        self._clear()
        self.undo_stack.push(AddNotes(self.model, ghosts, "Keep suggestion", generated=True))
        return True

    def dismiss(self) -> bool:
        """Send the ghosts away until the next edit (Esc); False when none show."""
        if not self.view.ghosts:
            return False
        self._clear()
        return True

    def _clear(self) -> None:
        if self.view.ghosts:
            self.view.ghosts = []
            self.view.viewport().update()
        self.accept_action.setEnabled(False)

    def shutdown(self) -> None:
        """The window closes: no ghost job outlives it for long."""
        self.timer.stop()
        job, self.job = self.job, None
        if job is not None:
            job.cancel()
            job.wait(3000)


def _sounding_to(items, end: int) -> int:
    """``end``, or later where notes struck before it still sound (and so on, for those after them)."""
    while True:
        later = max((n.end for _, n in items if n.start < end), default=end)
        if later <= end:
            return end
        end = later


def _with_chords(options, chords, start: int, end: int):
    """``options`` with the chords set between steps ``start`` and ``end``, timed from ``start``,
    where the engine's options take chords (a ``chords`` field); else as they are."""
    if "chords" not in {f.name for f in fields(options)}:
        return options
    ahead = tuple((max(a, start) - start, min(b, end) - start, name) for a, b, name in chords if a < end and b > start)
    return replace(options, chords=ahead)
