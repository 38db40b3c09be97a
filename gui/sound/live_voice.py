"""The voice a live answer (Jam) is played with: the chosen MIDI output, or the built-in piano.

Both strike and release notes one at a time at the moments the answer's timeline gives. The
piano's notes are rendered ahead (``prepare``, on the writer's thread, before they are due), each
key at each loudness once, held for ``HELD_SECONDS``; a release fades the key out as a damper
would, so striking a note is only starting a sound that is ready.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from engine.sound.live import PortVoice

HELD_SECONDS = 3.0          # the longest a note of the answer rings on the built-in piano
RELEASE_MS = 120            # a released key fades out this fast
CUT_MS = 40                 # ... and this fast when the answer is cut off
CHANNELS = 48               # the mixer's voices: a chordal answer with notes ringing on


class PianoVoice:
    """Notes of the built-in ``piano`` (an instrument with ``render_note``) through pygame's mixer."""

    def __init__(self, piano, on_error: Callable[[str], None] | None = None):
        import pygame
        self.piano, self.pygame = piano, pygame
        self.on_error = on_error or (lambda message: None)
        if pygame.mixer.get_num_channels() < CHANNELS:
            pygame.mixer.set_num_channels(CHANNELS)
        self._sounds: dict[tuple[int, int], object] = {}
        self._ringing: dict[int, list] = {}
        self._lock = threading.Lock()

    def prepare(self, notes) -> None:
        """Render the keys ``notes`` strike, ahead of time."""
        for n in notes:
            self._sound(n.pitch, n.velocity)

    def _sound(self, pitch: int, velocity: int):
        key = (pitch, velocity)
        sound = self._sounds.get(key)
        if sound is None:
            samples = self.piano.render_note(pitch, velocity, seconds=HELD_SECONDS)
            sound = self._sounds[key] = self.pygame.mixer.Sound(buffer=samples.tobytes())
        return sound

    def strike(self, pitch: int, velocity: int) -> None:
        channel = self._sound(pitch, velocity).play()
        if channel is not None:
            with self._lock:
                self._ringing.setdefault(pitch, []).append(channel)

    def release(self, pitch: int) -> None:
        with self._lock:
            channels = self._ringing.pop(pitch, [])
        for channel in channels:
            channel.fadeout(RELEASE_MS)

    def cut(self) -> None:
        with self._lock:
            ringing, self._ringing = self._ringing, {}
        for channels in ringing.values():
            for channel in channels:
                channel.fadeout(CUT_MS)


class SilentVoice:
    """No sound on this system: the answers are written and shown, not heard."""

    def strike(self, pitch: int, velocity: int) -> None:
        pass

    def release(self, pitch: int) -> None:
        pass

    def cut(self) -> None:
        pass


def answer_voice(playback, on_error: Callable[[str], None]):
    """What the answers are played with: the chosen MIDI output, else the built-in piano, else nothing
    (``playback`` is the window's ``Playback``, or None when there is no sound)."""
    if playback is None:
        return SilentVoice()
    port = playback.midi_port()
    if port is not None:
        return PortVoice(port, on_error=on_error)
    piano = playback.built_in_piano()
    return PianoVoice(piano, on_error) if piano is not None else SilentVoice()
