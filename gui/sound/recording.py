"""Recording from a MIDI keyboard: the input port, its messages brought to the GUI thread.

mido calls back on the MIDI backend's own thread; each message is stamped with the time it
arrived and handed to the GUI thread through a queued signal, where ``engine.sound.recorder.Recording``
turns it into notes. A port that cannot be opened, or a missing MIDI backend, is reported.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal

from engine.music.phrase import Note
from engine.sound.recorder import Recording, input_names

SETTING = "recording/input"


class MidiRecorder(QObject):
    noteRecorded = Signal(object)        # a Note, as soon as its key (or the pedal) is released
    position = Signal(float)             # the step being played now, for the playhead
    started = Signal()
    stopped = Signal(list)              # every note of the take
    error = Signal(str)
    _arrived = Signal(object, float)    # from the MIDI thread: message, seconds since the start

    def __init__(self, parent=None):
        super().__init__(parent)
        self._port = None
        self._recording: Recording | None = None
        self._t0 = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(30)
        self._timer.timeout.connect(self._tick)
        self._arrived.connect(self._take, Qt.QueuedConnection)
        remembered = QSettings("Segue", "Segue").value(SETTING)
        self.input_name = remembered if isinstance(remembered, str) else ""

    # -- inputs ---------------------------------------------------------------------------------
    @staticmethod
    def inputs() -> tuple[list[str], str | None]:
        return input_names()

    def choose(self, name: str) -> None:
        self.input_name = name
        QSettings("Segue", "Segue").setValue(SETTING, name)

    def is_recording(self) -> bool:
        return self._recording is not None

    # -- recording ---------------------------------------------------------------------------------
    def start(self, start_step: float, seconds_per_step: float, snap: int = 1) -> bool:
        """Open the chosen input (or the only one) and record from ``start_step``; False if impossible."""
        if self.is_recording():
            return True
        names, problem = self.inputs()
        name = self.input_name if self.input_name in names else (names[0] if len(names) == 1 else "")
        if not name:
            if problem:
                self.error.emit(f"Cannot record: {problem}. Connect a MIDI keyboard (and install "
                                "python-rtmidi) to play a phrase in.")
            elif not names:
                self.error.emit("Cannot record: no MIDI input found. Connect a MIDI keyboard and try again.")
            else:
                self.error.emit("Choose the MIDI keyboard to record from in Play > MIDI Input.")
            return False
        try:
            import mido
            self._port = mido.open_input(name, callback=self._from_midi_thread)
        except Exception as err:
            self.error.emit(f"Cannot open MIDI input '{name}': {err}.")
            return False
        self._recording = Recording(start_step, seconds_per_step, snap)
        self._t0 = time.monotonic()
        self._timer.start()
        self.started.emit()
        return True

    def stop(self) -> list[Note]:
        """Stop recording; every note still held ends now. Returns (and emits) the take's notes."""
        if self._recording is None:
            return []
        port, self._port = self._port, None
        try:
            if port is not None:
                port.close()
        except Exception:
            pass
        recording, self._recording = self._recording, None
        self._timer.stop()
        for note in recording.finish(time.monotonic() - self._t0):
            self.noteRecorded.emit(note)
        self.stopped.emit(list(recording.notes))
        return list(recording.notes)

    def _from_midi_thread(self, message) -> None:
        self._arrived.emit(message, time.monotonic() - self._t0)

    def _take(self, message, seconds: float) -> None:
        if self._recording is None:
            return
        try:
            done = self._recording.feed(message, seconds)
        except Exception as err:            # a malformed message must not end the session
            self.error.emit(f"Ignored a MIDI message that could not be read ({err}).")
            return
        for note in done:
            self.noteRecorded.emit(note)

    def _tick(self) -> None:
        if self._recording is not None:
            r = self._recording
            self.position.emit(r.start_step + (time.monotonic() - self._t0) / r.seconds_per_step)
