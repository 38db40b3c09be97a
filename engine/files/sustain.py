"""The sustain pedal, as MIDI sends it (controller 64): a key released while the pedal is down
sounds on until the pedal is lifted, on that channel only.

One rule for the two places that turn MIDI messages into notes: the file reader
(``midi.read_midi``) and the keyboard recorder (``engine/sound/recorder.py``); Stop lifts the pedal
with the same controller (``port_player.silence_messages``).
"""

from __future__ import annotations

from typing import Generic, Hashable, TypeVar

SUSTAIN = 64                      # the sustain pedal's controller number
DOWN = 64                         # values from this one up press the pedal; below it, lift it
Key = TypeVar("Key", bound=Hashable)


class SustainPedal(Generic[Key]):
    """Which released keys the pedal still holds, channel by channel. A key is anything that names
    a sounding note to the caller (a pitch, a (channel, pitch) pair)."""

    def __init__(self):
        self._down: set[int] = set()                       # channels whose pedal is down
        self._held: dict[int, list[Key]] = {}              # channel -> keys released under the pedal

    def is_down(self, channel: int) -> bool:
        return channel in self._down

    def struck(self, channel: int, key: Key) -> None:
        """A key is struck again: the pedal no longer holds its earlier note (the caller ends it)."""
        held = self._held.get(channel)
        if held and key in held:
            held.remove(key)

    def released(self, channel: int, key: Key) -> bool:
        """A key is let go: True when the pedal holds it (it sounds on), False when it ends now."""
        if channel not in self._down:
            return False
        held = self._held.setdefault(channel, [])
        if key not in held:
            held.append(key)
        return True

    def moved(self, channel: int, value: int) -> list[Key]:
        """The pedal sent ``value`` (0-127): the keys it lets go of, in the order they were released
        (none unless it was lifted)."""
        if value >= DOWN:
            self._down.add(channel)
            return []
        self._down.discard(channel)
        return self._held.pop(channel, [])

    def lift_all(self) -> list[Key]:
        """Every pedal up (the music or the recording ends): the keys they held."""
        self._down.clear()
        held = [key for keys in self._held.values() for key in keys]
        self._held.clear()
        return held
