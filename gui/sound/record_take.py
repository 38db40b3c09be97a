"""Recording a take from the MIDI keyboard into the open phrase.

R starts and stops. With the metronome on, recording starts at the bar of the playhead after a
bar of count-in: the clicks, the notes already in the roll (from the bar before, as a pre-roll)
and the recording clock all start together, and what is played during the count-in lands before
the bar, as a pickup. Notes appear as their keys are released; when recording stops the whole
take becomes one undo step.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QMessageBox

from ..document.commands import AddNotes

METRONOME_SETTING = "recording/metronome"


def metronome_wanted() -> bool:
    return QSettings("Segue", "Segue").value(METRONOME_SETTING, True, type=bool)


class TakeRecorder(QObject):
    """R for one window. ``model``, ``undo_stack``: the phrase the take goes into, as one undo step;
    ``view``: the piano roll (playhead, snap); ``transport``: what plays along and clicks;
    ``record_action``, ``metronome_action``: the checkable Record and Metronome actions;
    ``show_message(text, ms)``: the status bar; ``parent``: the window, parent of its messages."""

    def __init__(self, model, undo_stack, view, transport, record_action, metronome_action,
                 show_message: Callable[[str, int], None], parent=None):
        super().__init__(parent)
        from .recording import MidiRecorder  # mido is loaded when recording is first wanted
        self.model, self.undo_stack, self.view, self.transport = model, undo_stack, view, transport
        self.record_action, self.metronome_action = record_action, metronome_action
        self.show_message = show_message
        self.input = MidiRecorder(self)
        self.input.noteRecorded.connect(self._note_recorded)
        self.input.position.connect(lambda step: view.set_playhead(step, follow=True))
        self.input.stopped.connect(self._stopped)
        self.input.error.connect(self._error)
        self._live_ids: list[int] = []        # notes shown while recording, outside the undo stack

    def is_recording(self) -> bool:
        return self.input.is_recording()

    def toggle(self) -> None:
        if self.input.is_recording():
            self.input.stop()
            return
        playback = self.transport.playback
        template = self.model.template()
        clicks = playback is not None and self.metronome_action.isChecked()
        bar = template.steps_per_bar
        start = int(self.view.playhead) // bar * bar if clicks else int(self.view.playhead)
        count_in = bar if clicks else 0
        self._live_ids = []
        if clicks:
            clicks = playback.metronome(template, start=False)      # rendered now, started below
        if playback is not None and len(self.model):
            playback.play(self.model.phrase(), from_step=start - count_in)
        if not self.input.start(start - count_in, template.seconds_per_step, self.view.snap):
            self.record_action.setChecked(False)
            if playback is not None:
                playback.metronome(None)
            self.transport.stop()
            return
        if clicks:
            playback.start_metronome()
        self.record_action.setChecked(True)
        self.show_message(("One bar to count in, then play" if count_in else "Recording: play")
                          + " your phrase on the MIDI keyboard; press R to stop.", 0)

    def set_metronome(self, on: bool) -> None:
        QSettings("Segue", "Segue").setValue(METRONOME_SETTING, bool(on))
        if self.transport.playback is not None and self.input.is_recording():
            self.transport.playback.metronome(self.model.template() if on else None)

    def fill_input_menu(self, menu) -> None:
        menu.clear()
        names, problem = self.input.inputs()
        if not names:
            menu.addAction(problem or "No MIDI input connected").setEnabled(False)
            return
        for name in names:
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name == self.input.input_name or (len(names) == 1 and not self.input.input_name))
            action.triggered.connect(lambda _=False, n=name: self.input.choose(n))

    # -- what the input reports --------------------------------------------------------------------
    def _note_recorded(self, note) -> None:
        self._live_ids += self.model.insert([(None, note, False)])

    def _stopped(self, notes) -> None:
        self.record_action.setChecked(False)
        if self.transport.playback is not None:
            self.transport.playback.metronome(None)
        self.transport.stop()
        self.model.take(self._live_ids)          # shown live; put back below as one undo step
        self._live_ids = []
        if not notes:
            self.show_message("Nothing was played, so nothing was recorded.", 5000)
            return
        self.undo_stack.push(AddNotes(self.model, notes, "Record from MIDI keyboard"))
        self.show_message(f"Recorded {len(notes)} note{'s' * (len(notes) > 1)}.", 5000)

    def _error(self, message: str) -> None:
        self.record_action.setChecked(False)
        self.show_message(message, 10000)
        QMessageBox.information(self.parent(), "Record", message)
