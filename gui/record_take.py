"""Recording a take from the MIDI keyboard into the open phrase.

R starts and stops. With the metronome on, recording starts at the bar of the playhead after a
bar of count-in: the clicks, the notes already in the roll (from the bar before, as a pre-roll)
and the recording clock all start together, and what is played during the count-in lands before
the bar, as a pickup. Notes appear as their keys are released; when recording stops the whole
take becomes one undo step.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QMessageBox

from .commands import AddNotes

METRONOME_SETTING = "recording/metronome"


def metronome_wanted() -> bool:
    return QSettings("Segue", "Segue").value(METRONOME_SETTING, True, type=bool)


class TakeRecorder(QObject):
    def __init__(self, window):
        super().__init__(window)
        from .recording import MidiRecorder  # mido is loaded when recording is first wanted
        self.window = window
        self.input = MidiRecorder(self)
        self.input.noteRecorded.connect(self._note_recorded)
        self.input.position.connect(lambda step: window.view.set_playhead(step, follow=True))
        self.input.stopped.connect(self._stopped)
        self.input.error.connect(self._error)
        self._live_ids: list[int] = []        # notes shown while recording, outside the undo stack

    def is_recording(self) -> bool:
        return self.input.is_recording()

    def toggle(self) -> None:
        if self.input.is_recording():
            self.input.stop()
            return
        w, playback = self.window, self.window.playback
        template = w.model.template()
        clicks = playback is not None and w.actions_["metronome"].isChecked()
        bar = template.steps_per_bar
        start = int(w.view.playhead) // bar * bar if clicks else int(w.view.playhead)
        count_in = bar if clicks else 0
        self._live_ids = []
        if clicks:
            clicks = playback.metronome(template, start=False)      # rendered now, started below
        if playback is not None and len(w.model):
            playback.play(w.model.phrase(), from_step=start - count_in)
        if not self.input.start(start - count_in, template.seconds_per_step, w.view.snap):
            w.actions_["record"].setChecked(False)
            if playback is not None:
                playback.metronome(None)
            w.stop()
            return
        if clicks:
            playback.start_metronome()
        w.actions_["record"].setChecked(True)
        w.statusBar().showMessage(("One bar to count in, then play" if count_in else "Recording: play")
                                  + " your phrase on the MIDI keyboard; press R to stop.")

    def set_metronome(self, on: bool) -> None:
        QSettings("Segue", "Segue").setValue(METRONOME_SETTING, bool(on))
        if self.window.playback is not None and self.input.is_recording():
            self.window.playback.metronome(self.window.model.template() if on else None)

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
        self._live_ids += self.window.model.insert([(None, note, False)])

    def _stopped(self, notes) -> None:
        w = self.window
        w.actions_["record"].setChecked(False)
        if w.playback is not None:
            w.playback.metronome(None)
        w.stop()
        w.model.take(self._live_ids)          # shown live; put back below as one undo step
        self._live_ids = []
        if not notes:
            w.statusBar().showMessage("Nothing was played, so nothing was recorded.", 5000)
            return
        w.undo_stack.push(AddNotes(w.model, notes, "Record from MIDI keyboard"))
        w.statusBar().showMessage(f"Recorded {len(notes)} note{'s' * (len(notes) > 1)}.", 5000)

    def _error(self, message: str) -> None:
        self.window.actions_["record"].setChecked(False)
        self.window.statusBar().showMessage(message, 10000)
        QMessageBox.information(self.window, "Record", message)
