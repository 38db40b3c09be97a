"""Playing a phrase in on a MIDI keyboard: timed note messages become notes on the grid.

``Recording`` is fed mido messages with the time (in seconds since recording started) at which
each arrived; a note becomes a ``Note`` when it is released, its start and end rounded to the
nearest ``snap`` steps. The sustain pedal holds released notes until it is lifted, by the MIDI
file reader's rule (``engine/files/sustain.py``). Drums (channel 10) are left out. No ports and
no threads here: the window opens the input port and feeds this object from its own thread-safe
queue.
"""

from __future__ import annotations

import mido

from ..files.midi import DRUM_CHANNEL
from ..files.sustain import SUSTAIN, SustainPedal
from ..music.phrase import HIGHEST_PITCH, Note
from .port_player import port_names


def input_names() -> tuple[list[str], str | None]:
    """The MIDI input ports, and a message when the MIDI backend itself is missing."""
    return port_names(mido.get_input_names, "MIDI inputs")


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
        self._pedal: SustainPedal[int] = SustainPedal()     # keys are pitches
        self.notes: list[Note] = []

    def step_at(self, seconds: float) -> int:
        """The grid step a moment falls on, snapped."""
        step = self.start_step + seconds / self.seconds_per_step
        return max(0, round(step / self.snap) * self.snap)

    def feed(self, message: mido.Message, seconds: float) -> list[Note]:
        """Take one message; return the notes it completed (usually none or one)."""
        channel = getattr(message, "channel", 0)
        if channel == DRUM_CHANNEL:
            return []
        if message.type == "note_on" and message.velocity > 0:
            done = self._close(message.note, seconds)        # the same key struck again
            self._pedal.struck(channel, message.note)
            self._down[message.note] = (seconds, message.velocity)
            return done
        if message.type in ("note_off", "note_on"):
            if message.note not in self._down:
                return []
            if self._pedal.released(channel, message.note):
                self._pedalled[message.note] = self._down.pop(message.note)
                return []
            return self._close(message.note, seconds)
        if message.type == "control_change" and message.control == SUSTAIN:
            done = []
            for pitch in self._pedal.moved(channel, message.value):
                if pitch in self._pedalled:
                    done += self._emit(pitch, *self._pedalled.pop(pitch), seconds)
            return done
        return []

    def finish(self, seconds: float) -> list[Note]:
        """Recording stops: every note still held or pedalled ends now."""
        self._pedal.lift_all()
        done = []
        for pitch in list(self._pedalled):
            done += self._emit(pitch, *self._pedalled.pop(pitch), seconds)
        for pitch in list(self._down):
            done += self._emit(pitch, *self._down.pop(pitch), seconds)
        return done

    def sounding(self, seconds: float) -> list[Note]:
        """The notes still held by a key or the pedal, as if they ended at ``seconds`` (they go on)."""
        held = {**self._pedalled, **self._down}
        return [note for pitch, (began, velocity) in sorted(held.items())
                for note in self._note(pitch, began, velocity, seconds)]

    def _close(self, pitch: int, seconds: float) -> list[Note]:
        held = self._down.pop(pitch, None) or self._pedalled.pop(pitch, None)
        return self._emit(pitch, *held, seconds) if held else []

    def _emit(self, pitch: int, began: float, velocity: int, ended: float) -> list[Note]:
        notes = self._note(pitch, began, velocity, ended)
        self.notes += notes
        return notes

    def _note(self, pitch: int, began: float, velocity: int, ended: float) -> list[Note]:
        if not 0 <= pitch <= HIGHEST_PITCH:
            return []
        start = self.step_at(began)
        end = max(self.step_at(ended), start + self.snap)
        return [Note(pitch, start, end - start, max(1, min(127, velocity)))]
