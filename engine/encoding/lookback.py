"""What was played one bar and two bars ago at this place in the bar: the memory a figure goes on with.

An Alberti bass, a stride or waltz bass, a repeated chord, a pedal: an accompaniment's figure comes
back bar after bar at the same places in the bar. A network that only reads its own tokens has to
carry the whole bar in its state to strike the figure again; Magenta's Lookback RNN (Waite et al.,
2016) gives it what was played one and two bars back instead. A model with ``lookback`` scores
every candidate token by what this module reports, with weights shared by all pitches and all
durations (``lookback_scores``), and reads whether the music repeats bar by bar. Every candidate
wait and length gets a code (``lookback_timing``), and every candidate pitch (``lookback_pitches``):

- per pitch: bit 1 if that pitch was struck at this same step of the bar one bar ago, bit 2 two
  bars ago; bit 4 if its pitch class was, one bar ago, bit 8 two bars ago;
- per wait of d steps: bit 1 if an onset was struck where the wait lands, one bar earlier, bit 2
  two bars earlier; bit 4 if that was the first onset after this step one bar ago (the wait that
  plays the bar's rhythm again), bit 8 the same two bars ago;
- per length of the note being written: bit 1 if the same pitch struck one bar ago lasted that
  long (what is left of it, the length written so far taken away), bit 2 two bars ago;
- ``bar_repeats``: whether the last bar's worth of music repeats the bar's worth before it (the
  same pitches at the same places), whether it repeats the music two bars before it, and whether
  it repeats the one before in rhythm only.

Only onsets before the present step count (the onset being written is not yet complete), so
everything here depends only on tokens already read and the model stays autoregressive. Bars are
counted from the stream's start, in the bar length the model counts positions in.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

import numpy as np
import torch

from .code_tables import CodeTable
from .tokens import END, PAD, START, Vocabulary

AGO = (1, 2)                       # bars back
WEIGHTS = 10                       # shared weights a model with lookback reads out: 4 pitch bits, 4 wait, 2 length
REPEATS = 3                        # the bar repeats the one before; the one two before; the one before's rhythm


class Lookback:
    """Follows one token stream and knows, after each token, the arrays above."""

    def __init__(self, vocab: Vocabulary, bar_steps: int):
        self.vocab = vocab
        self.bar = max(1, bar_steps)
        self.pitches = vocab.highest_pitch - vocab.lowest_pitch + 1
        self._class_of = (np.arange(self.pitches) + vocab.lowest_pitch) % 12
        self._no_lengths = np.zeros(vocab.max_length, dtype=np.uint8)      # between notes (never written to)
        self.reset()

    def reset(self) -> None:
        self.now = 0
        self.note: int | None = None                      # the pitch slot whose length is being read
        self.length = 0                                   # its length so far
        self.struck: dict[int, dict[int, int]] = {}      # onset step -> {pitch slot: length so far}
        self.times: list[int] = []                        # the onset steps, in order
        self._cached: tuple[int, tuple] | None = None

    def copy(self) -> "Lookback":
        other = Lookback.__new__(Lookback)
        other.__dict__.update(self.__dict__)
        other.struck = {t: dict(notes) for t, notes in self.struck.items()}
        other.times = list(self.times)
        return other

    def feed(self, token: int) -> None:
        v = self.vocab
        if v.first_wait <= token < v.first_length:
            self.now += token - v.first_wait + 1
            self.note, self.length = None, 0
            if len(self.times) > 64:
                self._forget(self.now - 3 * self.bar - v.max_wait)
        elif v.first_pitch <= token < v.first_velocity:
            now, self.note, self.length = self.now, token - v.first_pitch, 0
            if not self.times or self.times[-1] != now:
                self.times.append(now)
                self.struck[now] = {}
            self.struck[now][self.note] = 0
        elif v.first_length <= token < v.first_pitch:
            if self.note is not None:
                self.length += token - v.first_length + 1
                self.struck[self.now][self.note] = self.length
        elif token == START or token == END or token == PAD:
            self.reset()

    def _forget(self, before: int) -> None:
        cut = bisect_left(self.times, before)
        for t in self.times[:cut]:
            del self.struck[t]
        del self.times[:cut]

    # -- what is read -------------------------------------------------------------------------------
    def now_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pitch codes, wait codes and bar repeats at the present step (kept until the clock moves)."""
        now = self.now
        if self._cached is None or self._cached[0] != now:
            self._cached = (now, (self._pitch_codes(now), self._wait_codes(now), self._repeats(now)))
        return self._cached[1]

    def length_codes(self) -> np.ndarray:
        """(max_length,) uint8: the lengths the note being written would have to match its pitch's
        note one and two bars ago."""
        v = self.vocab
        if self.note is None:
            return self._no_lengths
        out = np.zeros(v.max_length, dtype=np.uint8)
        for k in AGO:
            lasted = self.struck.get(self.now - k * self.bar, {}).get(self.note)
            if lasted:
                left = lasted - self.length
                if 1 <= left <= v.max_length:
                    out[left - 1] |= 1 << (k - 1)
                elif left > v.max_length:
                    out[-1] |= 1 << (k - 1)
        return out

    def _pitch_codes(self, now: int) -> np.ndarray:
        out = np.zeros(self.pitches, dtype=np.uint8)
        by_class = np.zeros(12, dtype=np.uint8)
        struck = False
        for k in AGO:
            slots = list(self.struck.get(now - k * self.bar, ()))
            if slots:
                out[slots] |= 1 << (k - 1)
                by_class[self._class_of[slots]] |= 1 << (k + 1)
                struck = True
        return out | by_class[self._class_of] if struck else out

    def _wait_codes(self, now: int) -> np.ndarray:
        v = self.vocab
        out = np.zeros(v.max_wait, dtype=np.uint8)
        times, last = self.times, bisect_left(self.times, now)     # onsets before now: complete
        for k in AGO:
            back = now - k * self.bar
            first = bisect_right(times, back, 0, last)
            for i in range(first, last):
                d = times[i] - back
                if d > v.max_wait:
                    break
                out[d - 1] |= (1 << (k - 1)) | ((1 << (k + 1)) if i == first else 0)
        return out

    def _repeats(self, now: int) -> np.ndarray:
        out = np.zeros(REPEATS, dtype=np.bool_)
        times, bar = self.times, self.bar
        recent = times[bisect_left(times, now - bar):bisect_left(times, now)]
        if not recent:
            return out
        before = times[bisect_left(times, now - 2 * bar):bisect_left(times, now - bar)]
        older = times[bisect_left(times, now - 3 * bar):bisect_left(times, now - 2 * bar)]
        struck = self.struck
        same_rhythm = len(before) == len(recent) and all(t - bar == u for t, u in zip(recent, before))
        out[2] = same_rhythm
        out[0] = same_rhythm and all(struck[t].keys() == struck[t - bar].keys() for t in recent)
        out[1] = (len(older) == len(recent) and all(t - 2 * bar == u for t, u in zip(recent, older))
                  and all(struck[t].keys() == struck[t - 2 * bar].keys() for t in recent))
        return out


def lookback(tokens, vocab: Vocabulary, bar_steps: int) -> dict[str, np.ndarray]:
    """For each position of one token stream, after reading its token: ``lookback_timing`` (len x
    (max_wait + max_length), uint8: the codes of every candidate wait and length), ``lookback_pitches``
    (len x pitches, uint8: every candidate pitch's) and ``bar_repeats`` (len x REPEATS, bool), as the
    module's docstring says."""
    memory = Lookback(vocab, bar_steps)
    n = len(tokens)
    waits = vocab.max_wait
    timing = np.empty((n, waits + vocab.max_length), dtype=np.uint8)
    pitches = np.empty((n, memory.pitches), dtype=np.uint8)
    repeats = np.empty((n, REPEATS), dtype=np.bool_)
    for i, token in enumerate(np.asarray(tokens, dtype=np.int64).tolist()):
        memory.feed(token)
        pitches[i], timing[i, :waits], repeats[i] = memory.now_arrays()
        timing[i, waits:] = memory.length_codes()
    return {"lookback_timing": timing, "lookback_pitches": pitches, "bar_repeats": repeats}


class Lookbacks:
    """The lookbacks of ``rows`` streams that share a beginning (``prompt``) and then go their own
    ways, one token per row at a time (generation): ``feed`` one token per row, then ``arrays``."""

    def __init__(self, vocab: Vocabulary, bar_steps: int, rows: int = 1, prompt=()):
        one = Lookback(vocab, bar_steps)
        for token in prompt:
            one.feed(token)
        self.rows = [one.copy() for _ in range(rows)]
        self.waits = vocab.max_wait
        self.timing = np.zeros((rows, vocab.max_wait + vocab.max_length), dtype=np.uint8)
        self.pitches = np.zeros((rows, one.pitches), dtype=np.uint8)
        self.repeats = np.zeros((rows, REPEATS), dtype=np.bool_)
        self._copied: list[tuple | None] = [None] * rows

    def feed(self, tokens) -> None:
        for memory, token in zip(self.rows, tokens):
            memory.feed(token)

    def arrays(self) -> dict[str, np.ndarray]:
        """``lookback_timing``, ``lookback_pitches`` and ``bar_repeats`` of every row (rows, ...): the
        same arrays each time, written over by the next call (read them before feeding on)."""
        w = self.waits
        for row, memory in enumerate(self.rows):
            now = memory.now_arrays()
            if now is not self._copied[row]:                      # only when the row's clock has moved
                self.pitches[row], self.timing[row, :w], self.repeats[row] = now
                self._copied[row] = now
            self.timing[row, w:] = memory.length_codes()
        return {"lookback_timing": self.timing, "lookback_pitches": self.pitches, "bar_repeats": self.repeats}


def transpose_lookback(codes: np.ndarray, semitones: int) -> np.ndarray:
    """``lookback_pitches`` (..., pitches) of the same stream ``semitones`` higher: the pitches struck
    move, the pitch classes move round (callers only transpose streams whose pitches all fit)."""
    if not semitones:
        return codes
    moved = np.zeros_like(codes)
    struck = codes & 3
    if semitones > 0:
        moved[..., semitones:] = struck[..., :-semitones]
    else:
        moved[..., :semitones] = struck[..., -semitones:]
    by_class = codes[..., :12] & 12                      # every slot of a class carries its class bits
    moved |= by_class[..., (np.arange(codes.shape[-1]) - semitones) % 12]
    return moved


# -- the network's view -------------------------------------------------------------------------------

_TABLES: dict[tuple[int, int, int], CodeTable] = {}


def lookback_scores(weights: torch.Tensor, timing: torch.Tensor, pitches: torch.Tensor, max_wait: int) -> torch.Tensor:
    """weights (..., WEIGHTS) from the LSTM state (4 for the pitches' bits, 4 for the waits', 2
    for the lengths') and the codes of ``lookback`` -> what lookback adds to each candidate's
    logit, (..., waits + lengths + pitches), the order of their tokens."""
    codes = torch.cat([timing, pitches], -1)
    shape = (max_wait, timing.size(-1) - max_wait, pitches.size(-1))
    if shape not in _TABLES:
        _TABLES[shape] = CodeTable([(max_wait, (4, 5, 6, 7)), (shape[1], (8, 9)), (shape[2], (0, 1, 2, 3))], WEIGHTS)
    return _TABLES[shape].scores(weights, codes)
