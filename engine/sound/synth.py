"""A small built-in piano sound, so a fresh install makes music with no synthesizer installed.

Each note is a few decaying harmonics with a soft hammer attack, slightly detuned between the
left and right channel; high notes decay faster than low ones, as on a piano. The result is a
stereo 16-bit buffer that ``pygame.mixer`` (or any audio API) can play. This is not a sampled
piano; it is a clear, pleasant tone that shows the music, with no files to ship.
"""

from __future__ import annotations

import numpy as np

from ..music.phrase import Note, Phrase

SAMPLE_RATE = 44100
RELEASE_SECONDS = 0.08             # fade after the key is let go (no clicks)
MAX_NOTE_SECONDS = 8.0             # piano strings are silent long before this
_HARMONICS = ((1, 1.0), (2, 0.42), (3, 0.2), (4, 0.11), (5, 0.05), (6, 0.03))


def frequency(pitch: int) -> float:
    return 440.0 * 2.0 ** ((pitch - 69) / 12)


def _tone(pitch: int, seconds: float, sample_rate: int) -> np.ndarray:
    """One note at full velocity: shape (samples, 2), float32, peak about 1."""
    n = max(1, int(min(seconds, MAX_NOTE_SECONDS) * sample_rate))
    r = int(RELEASE_SECONDS * sample_rate)
    t = np.arange(n + r, dtype=np.float32) / sample_rate
    f0 = frequency(pitch)
    decay = 0.6 + 2.2 * (pitch - 21) / 87           # seconds^-1: low notes ring longer
    out = np.zeros((n + r, 2), dtype=np.float32)
    for k, amp in _HARMONICS:
        f = f0 * k
        if f > sample_rate / 2.2:
            break
        env = amp * np.exp(-t * decay * (1 + 0.6 * (k - 1)))
        out[:, 0] += env * np.sin(2 * np.pi * f * t)
        out[:, 1] += env * np.sin(2 * np.pi * f * 1.0007 * t + 0.3 * k)
    attack = min(n, int(0.004 * sample_rate))
    if attack:
        out[:attack] *= np.linspace(0, 1, attack, dtype=np.float32)[:, None]
    out[n:] *= np.linspace(1, 0, r, dtype=np.float32)[:, None]
    return out / 1.8


class Synth:
    """Renders phrases to audio; remembers tones it has made, so re-rendering is quick."""

    def __init__(self, sample_rate: int = SAMPLE_RATE):
        self.sample_rate = sample_rate
        self._tones: dict[tuple[int, int], np.ndarray] = {}

    def tone(self, pitch: int, samples: int) -> np.ndarray:
        # lengths rounded up to a 1/20 s bucket so the cache stays small
        bucket = -(-samples // (self.sample_rate // 20))
        key = (pitch, bucket)
        if key not in self._tones:
            if len(self._tones) > 2000:
                self._tones.clear()
            self._tones[key] = _tone(pitch, bucket / 20, self.sample_rate)
        return self._tones[key]

    def render(self, phrase: Phrase, start: int = 0, end: int | None = None,
               tail: bool = True) -> np.ndarray:
        """Audio of the notes sounding from step ``start`` to ``end`` (default: the phrase's end).

        Returns int16 samples of shape (n, 2). Notes that began before ``start`` but still sound
        are heard from ``start``. With ``tail`` the last notes' release is kept; without it the
        buffer is exactly ``end - start`` steps long (for seamless loops).
        """
        performance = self.performance(phrase, start, end, tail)
        return performance.pcm(0, performance.frames)

    def performance(self, phrase: Phrase, start: int = 0, end: int | None = None,
                    tail: bool = True) -> "TonePerformance":
        """The same sound, to be rendered in any pieces (``pcm(a, b)``) that join exactly."""
        return TonePerformance(self, phrase, start, end, tail)

    def _add(self, mix: np.ndarray, note: Note, start: int, sps: float, at: int = 0) -> None:
        """Add ``note`` to ``mix``, which holds the samples from ``at`` on after step ``start``."""
        offset = int(round((note.start - start) * sps)) - at
        samples = int(round(note.duration * sps))
        wave = self.tone(note.pitch, samples)
        # cut to the held length plus the release
        held = min(samples, len(wave) - int(RELEASE_SECONDS * self.sample_rate))
        release = int(RELEASE_SECONDS * self.sample_rate)
        body = wave[:held + release].copy()
        body[held:held + release] *= np.linspace(1, 0, len(body) - held, dtype=np.float32)[:, None]
        gain = (note.velocity / 127) ** 1.6
        if offset < 0:
            body, offset = body[-offset:], 0
        stop = min(len(mix), offset + len(body))
        if stop > offset:
            mix[offset:stop] += gain * body[:stop - offset]

    def render_note(self, pitch: int, velocity: int = 90, seconds: float = 0.6) -> np.ndarray:
        """One key, as heard when clicking the keyboard."""
        phrase = Phrase((Note(pitch, 0, 4, velocity),), steps_per_quarter=4, tempo_bpm=60 / seconds)
        return self.render(phrase)


class TonePerformance:
    """A phrase (steps ``start`` to ``end``) played with the plain tone, rendered in any pieces:
    ``pcm(a, b)`` gives samples a..b as int16 stereo, exactly as the whole would be, holding no more
    than the piece asked for (``frames``: the whole sound's length)."""

    def __init__(self, synth: Synth, phrase: Phrase, start: int = 0, end: int | None = None, tail: bool = True):
        end = phrase.length if end is None else end
        self.synth, self.start = synth, start
        self.sps = phrase.seconds_per_step * synth.sample_rate            # samples per step
        length = int(round((end - start) * self.sps))
        extra = int(RELEASE_SECONDS * synth.sample_rate) + 1 if tail else 0
        self.frames = max(length + extra, 1) if tail else max(length, 1)
        self.notes = [n for n in phrase.notes if not (n.end <= start or n.start >= end)]    # in time order
        self._onsets = np.array([int(round((n.start - start) * self.sps)) for n in self.notes], dtype=np.int64)
        # the longest a note sounds: a tone is at most MAX_NOTE_SECONDS, then its release
        self._longest = int((MAX_NOTE_SECONDS + 2 * RELEASE_SECONDS + 0.1) * synth.sample_rate)
        self.voices = _max_polyphony(phrase, start, end)

    def pcm(self, a: int, b: int) -> np.ndarray:
        b = min(b, self.frames)
        mix = np.zeros((max(0, b - a), 2), dtype=np.float32)
        first, last = np.searchsorted(self._onsets, [a - self._longest, b])     # the notes that may sound here
        for note in self.notes[first:last]:
            self.synth._add(mix, note, self.start, self.sps, at=a)
        return _to_int16(mix, voices=self.voices)


def click_bar(template: Phrase) -> Phrase:
    """One bar of metronome clicks in the template's metre and tempo: a click on every note value the
    time signature counts (every eighth in 6/8), a high one on the downbeat, the other beats (the
    dotted quarters of 6/8) louder than the counts between them."""
    bar, beat = template.steps_per_bar, template.steps_per_beat
    count = max(1, bar // template.time_signature[0])
    clicks = tuple(Note(96 if step == 0 else 89, step, 1, 110 if step == 0 else 80 if step % beat == 0 else 60)
                   for step in range(0, bar, count))
    return template.with_notes(clicks, end=bar)


def _max_polyphony(phrase: Phrase, start: int, end: int) -> int:
    events = []
    for n in phrase.notes:
        if n.end > start and n.start < end:
            events += [(n.start, 1), (n.end, -1)]
    events.sort()
    count = best = 0
    for _, change in events:
        count += change
        best = max(best, count)
    return best


def _to_int16(mix: np.ndarray, voices: int) -> np.ndarray:
    """Scale so dense chords do not clip; a soft limiter catches the rest."""
    mix = mix * (0.5 / max(1.0, voices ** 0.5))
    mix = np.tanh(mix * 1.5) / np.tanh(1.5)
    return np.ascontiguousarray((mix * 30000).astype(np.int16))
