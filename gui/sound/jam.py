"""Generate > Jam: play a phrase on the MIDI keyboard, and Segue answers when you stop.

The session itself (``engine.sound.jam_session``) listens on the input port's thread, writes on its
own and plays the answers on a timeline, so nothing on time waits for the window. This controller
starts and stops it, hands it the model (a private copy, written with the Continue panel's
settings, the chords of the roll and a new seed for every answer) and the voice (the chosen MIDI
output or the built-in piano), and shows what happens: the player's notes land in the roll as they
end, each answer note as it is struck, and an answer cut off keeps what was heard. The whole session
becomes one undo step when it stops (Jam again, or Esc).

The session begins at the first bar line after the music in the roll, which the model reads too.
With the metronome on (Play > Metronome While Recording) it clicks the phrase's tempo and the bar
lines are the clicks'; otherwise the tempo is taken from the player's first phrase, whose first
note is the first bar line, and the phrase takes that tempo.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import fields, replace

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox

from engine.music.phrase import Note
from engine.sound.jam import Pulse
from engine.sound.recorder import input_names

from ..background import PrivateModels
from ..counts import count
from ..document.commands import AddNotes, ChangeTempo
from .live_voice import answer_voice
from .recording import SETTING as INPUT_SETTING

LISTENING = "Jam: play a phrase on the MIDI keyboard; Segue answers when you stop. Esc ends the session."


class JamController(QObject):
    """Jam for one window. ``model``, ``undo_stack``: the phrase the session lands in, as one undo
    step; ``panel``: the Continue panel (settings and model); ``view``: the piano roll (playhead,
    snap); ``transport``: the sound output and the metronome; ``cache``: the window's models (the
    session writes with its own copy); ``jam_action``: the checkable Jam action, lit while jamming;
    ``metronome_action``: whether the metronome clicks; ``show_message(text, ms)``: the status bar;
    ``generator``: a stand-in for ``continue_phrase`` (tests)."""

    started = Signal()
    stopped = Signal()
    _played = Signal(list, bool)
    _answered = Signal(object)
    _cut = Signal(int)
    _tempo = Signal(float)
    _state = Signal(str)
    _error = Signal(str)

    def __init__(self, model, undo_stack, panel, view, transport, cache, jam_action, metronome_action,
                 show_message: Callable[[str, int], None], generator=None, parent=None):
        super().__init__(parent)
        self.model, self.undo_stack, self.panel, self.view, self.transport = model, undo_stack, panel, view, transport
        self.jam_action, self.metronome_action = jam_action, metronome_action
        self.show_message, self.generator = show_message, generator
        self.models = PrivateModels(cache)
        self.session = None
        self.port = None
        self._player_ids: list[int] = []
        self._answer_ids: list[int] = []
        self._tempo_before: float | None = None
        self._bpm: float | None = None
        self._options = None
        for signal, slot in ((self._played, self._on_played), (self._answered, self._on_answered),
                             (self._cut, self._on_cut), (self._tempo, self._on_tempo),
                             (self._state, self._on_state), (self._error, self._on_error)):
            signal.connect(slot, Qt.QueuedConnection)
        self._timer = QTimer(self)
        self._timer.setInterval(30)
        self._timer.timeout.connect(self._follow)

    def is_jamming(self) -> bool:
        return self.session is not None

    def toggle(self) -> None:
        if self.session is not None:
            self.stop()
        else:
            self.start()

    # -- starting ---------------------------------------------------------------------------------
    def _input(self) -> str | None:
        """The MIDI input to listen to (Play > MIDI Input, or the only one); None, said, if there is none."""
        names, problem = input_names()
        remembered = QSettings("Segue", "Segue").value(INPUT_SETTING)
        name = remembered if remembered in names else (names[0] if len(names) == 1 else "")
        if name:
            return name
        if problem:
            self._refuse(f"Cannot jam: {problem}. Connect a MIDI keyboard (and install python-rtmidi) to jam.")
        elif not names:
            self._refuse("Cannot jam: no MIDI input found. Connect a MIDI keyboard and try again.")
        else:
            self._refuse("Choose the MIDI keyboard to jam with in Play > MIDI Input.")
        return None

    def start(self) -> bool:
        """Listen to the chosen MIDI input and answer; False (said) if that cannot be."""
        from engine.sound.jam_session import JamSession, Reports
        if self.session is not None:
            return True
        options = self.panel.options()
        try:
            options.check()
        except ValueError as err:
            self._refuse(f"Cannot jam: {err}.")
            return False
        name = self._input()
        if name is None:
            return False
        self.transport.stop()
        template = self.model.template()
        bar = template.steps_per_bar
        first = -(-self.model.length // bar) * bar
        self._options, self._model_path, self._chords = options, self.panel.model_path(), self.model.chords
        playback = self.transport.playback
        voice = answer_voice(playback, self._error.emit)
        pulse = None
        if self.metronome_action.isChecked() and playback is not None and playback.metronome(template, start=False):
            playback.start_metronome()
            pulse = Pulse(time.monotonic(), template.seconds_per_step * template.steps_per_beat)
        reports = Reports(played=self._played.emit, answered=self._answered.emit, cut=self._cut.emit,
                          tempo=self._tempo.emit, state=self._state.emit, error=self._error.emit)
        self._player_ids, self._answer_ids, self._bpm = [], [], None
        self._tempo_before = self.model.tempo_bpm
        session = JamSession(template, first, [n for _, n in self.model.items()], self._write, voice, reports,
                             pulse=pulse, snap=self.view.snap)
        try:
            import mido
            self.port = mido.open_input(name, callback=session.feed)
        except Exception as err:
            session.stop()
            if playback is not None:
                playback.metronome(None)
            self._refuse(f"Cannot open MIDI input '{name}': {err}.")
            return False
        self.session = session
        threading.Thread(target=self._warm_up, daemon=True, name="segue-jam-warm-up").start()
        self.jam_action.setChecked(True)
        self.view.set_playhead(float(first), follow=True)
        self._timer.start()
        self.show_message(LISTENING, 0)
        self.started.emit()
        return True

    def _refuse(self, message: str) -> None:
        self.jam_action.setChecked(False)
        self.show_message(message, 10000)
        QMessageBox.information(self.parent(), "Jam", message)

    # -- writing (on the session's thread) ------------------------------------------------------------
    def _write(self, phrase, bars: int, cancel, at: int) -> list[Note]:
        """``bars`` bars after ``phrase`` (whose end is the roll's step ``at``), with the panel's settings."""
        from engine.writing.continuation import continue_phrase
        # one draft: the answer is due on the player's next beat, with no time to choose among drafts
        options = replace(self._options, bars=bars, variations=1, candidates=0, seed=None)
        options = with_chords(options, self._chords, at, at + bars * phrase.steps_per_bar)
        with self.models.using(self._model_path) as loaded:
            takes = (self.generator or continue_phrase)(loaded, phrase, options, cancel=cancel)
        return list(takes[0].notes) if takes else []

    def _warm_up(self) -> None:
        """Load the model's copy and write once while the player begins, so the first answer is quick."""
        session = self.session
        if session is None:
            return
        try:
            phrase = session.template.with_notes([Note(60, 0, session.template.steps_per_beat)],
                                                 end=session.template.steps_per_bar)
            self._write(phrase, 1, lambda: self.session is not session, session.first_step)
        except Exception as err:                # said once the session meets it again; a model missing now
            self._error.emit(f"The model could not be loaded: {err}")

    # -- what the session reports --------------------------------------------------------------------
    def _on_played(self, notes: list[Note], again: bool) -> None:
        if self.session is None:
            return
        if again:
            self.model.take(self._player_ids)
            self._player_ids = []
        self._player_ids += self.model.insert([(None, n, False) for n in notes])

    def _on_answered(self, note: Note) -> None:
        if self.session is not None:
            self._answer_ids += self.model.insert([(None, note, True)])

    def _on_cut(self, step: int) -> None:
        if self.session is None:
            return
        unheard = [i for i in self._answer_ids if self.model.note(i).start >= step]   # an answer withdrawn
        if unheard:
            self.model.take(unheard)
            self._answer_ids = [i for i in self._answer_ids if i not in set(unheard)]
        cut = {i: replace(n, duration=max(1, step - n.start)) for i in self._answer_ids
               for n in [self.model.note(i)] if n.end > step}
        if cut:
            self.model.update(cut)

    def _on_tempo(self, bpm: float) -> None:
        if self.session is None:
            return
        if self.session.pulse is not None and not self.metronome_action.isChecked():
            self._bpm = round(bpm, 1)
            self.model.set_tempo(self._bpm)      # shown now; one undo step with the notes when the session ends
            self.show_message(f"Jam at {self._bpm:g} bpm, from your playing. " + LISTENING[5:], 0)

    def _on_state(self, state: str) -> None:
        if self.session is not None and state == "answering":
            self.show_message("Jam: Segue answers… play to cut in. Esc ends the session.", 0)
        elif self.session is not None:
            tempo = f"Jam at {self._bpm:g} bpm, from your playing. " if self._bpm else "Jam: "
            self.show_message(tempo + LISTENING[5:], 0)

    def _on_error(self, message: str) -> None:
        self.show_message(message, 10000)

    def _follow(self) -> None:
        step = self.session.position() if self.session is not None else None
        if step is not None:
            self.view.set_playhead(float(step), follow=True)

    # -- stopping ---------------------------------------------------------------------------------------
    def stop(self) -> None:
        """End the session: what was played and answered becomes one undo step."""
        session, self.session = self.session, None
        if session is None:
            return
        port, self.port = self.port, None
        try:
            port.close()
        except Exception:
            pass
        played, answers = session.stop()
        self._timer.stop()
        if self.transport.playback is not None:
            self.transport.playback.metronome(None)
        self.model.take(self._player_ids + self._answer_ids)     # shown live; put back as one undo step
        self._player_ids, self._answer_ids = [], []
        if self._tempo_before is not None:
            self.model.set_tempo(self._tempo_before)
        self.jam_action.setChecked(False)
        self.stopped.emit()
        if not played and not answers:
            self.show_message("Jam ended: nothing was played.", 5000)
            return
        self.undo_stack.beginMacro("Jam")
        if self._bpm is not None and self._bpm != self.model.tempo_bpm:
            self.undo_stack.push(ChangeTempo(self.model, self._bpm))
        self.undo_stack.push(AddNotes(self.model, played, "Jam: your notes", select=False))
        if answers:
            self.undo_stack.push(AddNotes(self.model, answers, "Jam: Segue's answers", generated=True, select=False))
        self.undo_stack.endMacro()
        self.show_message(f"Jam ended: {count(len(played), 'note')} played, {count(len(answers), 'note')} "
                          "answered (one undo step).", 8000)


def with_chords(options, chords, start: int, end: int):
    """``options`` with the roll's chords between steps ``start`` and ``end``, timed from ``start``,
    where the engine's options take chords (a ``chords`` field); else as they are."""
    if "chords" not in {f.name for f in fields(options)}:
        return options
    ahead = tuple((max(a, start) - start, min(b, end) - start, name) for a, b, name in chords if a < end and b > start)
    return replace(options, chords=ahead or None)
