"""Sound streamed through a ring: a fixed buffer that the audio device plays round and round while
a thread writes the music into it a little ahead of what is heard.

Playing a piece this way takes the same memory for a minute as for four hours: only the ring (a
few seconds of audio) and the piece's notes are held, never the whole piece's audio. Whatever has
been heard is silenced behind the listener, so a writer that falls behind (a slow machine) leaves
a moment of silence, never music from a turn of the ring before.
"""

from __future__ import annotations

import numpy as np

RING_SECONDS = 12.0          # the ring's length
AHEAD_SECONDS = 8.0          # written at most this far ahead of what is heard ...
GUARD_SECONDS = 1.0          # ... and never within this of the place it is heard again
PIECE_SECONDS = 0.5          # rendered at a time (a dense second of piano takes tens of milliseconds)


class RingFeed:
    """Writes ``sound`` (an object with ``frames`` and ``pcm(a, b)``: int16 stereo, as
    ``engine.sound.audio.performance`` gives) into a ring buffer of shape (n, 2), round and round.
    With ``loop`` the sound repeats without end; without it, silence follows its last frame.
    ``rate``: frames a second. ``written``: the frames of the stream written so far."""

    def __init__(self, sound, rate: int, ring_frames: int, loop: bool = False):
        self.sound, self.rate, self.ring, self.loop = sound, rate, ring_frames, loop
        self.ahead = min(int(AHEAD_SECONDS * rate), ring_frames - 2 * int(GUARD_SECONDS * rate))
        self.guard = int(GUARD_SECONDS * rate)
        self.piece = max(1, int(PIECE_SECONDS * rate))
        self.written = self.cleared = 0
        if self.ahead <= 0:
            raise ValueError(f"a ring of {ring_frames} frames is too short to stream into")

    def finished(self, heard: int) -> bool:
        """Whether the whole sound (its last notes' ring included) has been heard."""
        return not self.loop and heard >= self.sound.frames

    def fill(self, buffer: np.ndarray, heard: int, most: int | None = None) -> int:
        """Write ahead of frame ``heard`` (frames of the stream heard so far) into ``buffer`` the
        ring, at most ``most`` frames (default: as far as it may go ahead); silence what has been
        heard. Returns the frames written."""
        if heard - self.guard > self.cleared:                # silence behind the listener
            behind = min(heard - self.guard - self.cleared, self.ring)      # a whole turn: all of it
            self._write(buffer, heard - self.guard - behind, np.zeros((behind, 2), np.int16))
            self.cleared = heard - self.guard
        if self.written < heard:                             # fell behind: skip what is already past
            self.written = heard
        target = heard + self.ahead if most is None else min(heard + self.ahead, self.written + most)
        start = self.written
        while self.written < target:
            end = min(target, self.written + self.piece)
            self._write(buffer, self.written, self._pcm(self.written, end))
            self.written = end
        return self.written - start

    def _pcm(self, a: int, b: int) -> np.ndarray:
        """Frames a..b of the stream: the sound, repeated when looping, silence after it otherwise."""
        frames = self.sound.frames
        if not self.loop:
            if a >= frames:
                return np.zeros((b - a, 2), np.int16)
            pcm = self.sound.pcm(a, min(b, frames))
            return pcm if b <= frames else np.concatenate((pcm, np.zeros((b - frames, 2), np.int16)))
        out = []
        while a < b:
            at = a % frames
            take = min(b - a, frames - at)
            out.append(self.sound.pcm(at, at + take))
            a += take
        return np.concatenate(out) if len(out) > 1 else out[0]

    def _write(self, buffer: np.ndarray, at: int, pcm: np.ndarray) -> None:
        """``pcm`` into the ring from stream frame ``at``, wrapping round its end (pcm never longer
        than the ring)."""
        for a in range(0, len(pcm), self.ring):
            part = pcm[a:a + self.ring]
            slot = (at + a) % self.ring
            first = min(len(part), self.ring - slot)
            buffer[slot:slot + first] = part[:first]
            if first < len(part):
                buffer[:len(part) - first] = part[first:]
