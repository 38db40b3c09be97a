"""Playing a phrase in on a MIDI keyboard: timed note messages become notes on the grid.

``Recording`` is fed mido messages with the time (in seconds since recording started) at which
each arrived; a note becomes a ``Note`` when it is released, its start and end rounded to the
nearest ``snap`` steps. The sustain pedal (CC64) holds released notes until it is lifted, as in
the MIDI file reader. Drums (channel 10) are left out. No ports and no threads here: the window
opens the input port and feeds this object from its own thread-safe queue.
"""

from __future__ import annotations

import mido

from ..files.midi import DRUM_CHANNEL, SUSTAIN
from ..music.phrase import HIGHEST_PITCH, Note


def input_names() -> tuple[list[str], str | None]:
    """The MIDI input ports, and a message when the MIDI backend itself is missing."""
    try:
        return list(dict.fromkeys(mido.get_input_names())), None
    except Exception as err:          # no rtmidi, no ALSA sequencer, ...: report, don't crash
        return [], f"MIDI inputs are not available ({type(err).__name__}: {err})"


class Recording:
    """Notes played from ``start_step`` on, at ``seconds_per_step``, snapped to ``snap`` steps."""

    def __init__(self, start_step: float, seconds_per_step: float, snap: int = 1):
        if seconds_per_step <= 0:
            raise ValueError("seconds per step must be positive")
        self.start_step = start_step
        self.seconds_per_step = seconds_per_step
        self.snap = max(1, int(snap))
        self._down: dict[int, tuple[float, int]] = {}      # pitch -> (seconds, velocity), key held
        self._pedalled: dict[int, tuple[float, int]] = {}  # released while the pedal is down
        self._pedal = False
        self.notes: list[Note] = []

    def step_at(self, seconds: float) -> int:
        """The grid step a moment falls on, snapped."""
        step = self.start_step + seconds / self.seconds_per_step
        return max(0, round(step / self.snap) * self.snap)

    def feed(self, message: mido.Message, seconds: float) -> list[Note]:
        """Take one message; return the notes it completed (usually none or one)."""
        if getattr(message, "channel", None) == DRUM_CHANNEL:
            return []
        if message.type == "note_on" and message.velocity > 0:
            done = self._close(message.note, seconds)        # the same key struck again
            self._down[message.note] = (seconds, message.velocity)
            return done
        if message.type in ("note_off", "note_on"):
            if message.note not in self._down:
                return []
            if self._pedal:
                self._pedalled[message.note] = self._down.pop(message.note)
                return []
            return self._close(message.note, seconds)
        if message.type == "control_change" and message.control == SUSTAIN:
            self._pedal = message.value >= 64
            if not self._pedal:
                done = []
                for pitch in list(self._pedalled):
                    done += self._emit(pitch, *self._pedalled.pop(pitch), seconds)
                return done
        return []

    def finish(self, seconds: float) -> list[Note]:
        """Recording stops: every note still held or pedalled ends now."""
        done = []
        for pitch in list(self._pedalled):
            done += self._emit(pitch, *self._pedalled.pop(pitch), seconds)
        for pitch in list(self._down):
            done += self._emit(pitch, *self._down.pop(pitch), seconds)
        self._pedal = False
        return done

    def _close(self, pitch: int, seconds: float) -> list[Note]:
        held = self._down.pop(pitch, None) or self._pedalled.pop(pitch, None)
        return self._emit(pitch, *held, seconds) if held else []

    def _emit(self, pitch: int, began: float, velocity: int, ended: float) -> list[Note]:
        if not 0 <= pitch <= HIGHEST_PITCH:
            return []
        start = self.step_at(began)
        end = max(self.step_at(ended), start + self.snap)
        note = Note(pitch, start, end - start, max(1, min(127, velocity)))
        self.notes.append(note)
        return [note]
