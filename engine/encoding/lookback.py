"""What was played one bar and two bars ago at this place in the bar: the memory a figure goes on with.

An Alberti bass, a stride or waltz bass, a repeated chord, a pedal: an accompaniment's figure comes
back bar after bar at the same places in the bar. A network that only reads its own tokens has to
carry the whole bar in its state to strike the figure again; Magenta's Lookback RNN (Waite et al.,
2016) gives it what was played one and two bars back instead. A model with ``lookback`` scores
every candidate token by what this module reports, with weights shared by all pitches and all
durations (``lookback_scores``), and reads whether the music repeats bar by bar:

- ``lookback_pitches`` (per pitch): bit 1 if that pitch was struck at this same step of the bar one
  bar ago, bit 2 two bars ago; bit 4 if its pitch class was, one bar ago, bit 8 two bars ago;
- ``lookback_waits`` (per wait of d steps): bit 1 if an onset was struck where the wait lands, one
  bar earlier, bit 2 two bars earlier; bit 4 if that was the first onset after this step one bar
  ago (the wait that plays the bar's rhythm again), bit 8 the same two bars ago;
- ``lookback_lengths`` (per length of the note being written): bit 1 if the same pitch struck one
  bar ago lasted that long (what is left of it, the length written so far taken away), bit 2 two
  bars ago;
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

from .context import Clock
from .tokens import END, PAD, START, Vocabulary

AGO = (1, 2)                       # bars back
PITCH_BITS, WAIT_BITS, LENGTH_BITS = 4, 4, 2
WEIGHTS = PITCH_BITS + WAIT_BITS + LENGTH_BITS      # shared weights a model with lookback reads out
REPEATS = 3                        # the bar repeats the one before; the one two before; the one before's rhythm


class Lookback:
    """Follows one token stream and knows, after each token, the arrays above."""

    def __init__(self, vocab: Vocabulary, bar_steps: int):
        self.vocab = vocab
        self.bar = max(1, bar_steps)
        self.pitches = vocab.highest_pitch - vocab.lowest_pitch + 1
        self._class_of = (np.arange(self.pitches) + vocab.lowest_pitch) % 12
        self.reset()

    def reset(self) -> None:
        self.clock = Clock(self.vocab, self.bar)
        self.struck: dict[int, dict[int, int]] = {}      # onset step -> {pitch slot: length so far}
        self.times: list[int] = []                        # the onset steps, in order
        self._cached: tuple[int, tuple] | None = None

    def copy(self) -> "Lookback":
        other = Lookback.__new__(Lookback)
        other.__dict__.update(self.__dict__)
        other.clock = Clock(self.vocab, self.bar)
        other.clock.__dict__.update(self.clock.__dict__)
        other.clock.ends = dict(self.clock.ends)
        other.struck = {t: dict(notes) for t, notes in self.struck.items()}
        other.times = list(self.times)
        return other

    def feed(self, token: int) -> None:
        v = self.vocab
        if token == START or token == END or token == PAD:
            self.reset()
            self.clock.feed(token)
            return
        self.clock.feed(token)
        now = self.clock.now
        if v.first_pitch <= token < v.first_velocity:
            if not self.times or self.times[-1] != now:
                self.times.append(now)
                self.struck[now] = {}
            self.struck[now][token - v.first_pitch] = 0
        elif v.first_length <= token < v.first_pitch and self.clock.note is not None:
            self.struck[now][self.clock.note] = self.clock.length
        elif v.first_wait <= token < v.first_length and len(self.times) > 64:
            self._forget(now - 3 * self.bar - v.max_wait)

    def _forget(self, before: int) -> None:
        cut = bisect_left(self.times, before)
        for t in self.times[:cut]:
            del self.struck[t]
        del self.times[:cut]

    # -- what is read -------------------------------------------------------------------------------
    def now_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pitch codes, wait codes and bar repeats at the present step (kept until the clock moves)."""
        now = self.clock.now
        if self._cached is None or self._cached[0] != now:
            self._cached = (now, (self._pitch_codes(now), self._wait_codes(now), self._repeats(now)))
        return self._cached[1]

    def length_codes(self) -> np.ndarray:
        """(max_length,) uint8: the lengths the note being written would have to match its pitch's
        note one and two bars ago."""
        v, clock = self.vocab, self.clock
        out = np.zeros(v.max_length, dtype=np.uint8)
        if clock.note is None:
            return out
        for k in AGO:
            lasted = self.struck.get(clock.now - k * self.bar, {}).get(clock.note)
            if lasted:
                left = lasted - clock.length
                if 1 <= left <= v.max_length:
                    out[left - 1] |= 1 << (k - 1)
                elif left > v.max_length:
                    out[-1] |= 1 << (k - 1)
        return out

    def _pitch_codes(self, now: int) -> np.ndarray:
        out = np.zeros(self.pitches, dtype=np.uint8)
        for k in AGO:
            slots = list(self.struck.get(now - k * self.bar, ()))
            if slots:
                out[slots] |= 1 << (k - 1)
                classes = np.zeros(12, dtype=bool)
                classes[self._class_of[slots]] = True
                out[classes[self._class_of]] |= 1 << (k + 1)
        return out

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
        recent = self._window(now - self.bar, now)
        if not recent:
            return out
        before = self._window(now - 2 * self.bar, now - self.bar)
        out[0] = recent == before
        out[1] = recent == self._window(now - 3 * self.bar, now - 2 * self.bar)
        out[2] = [t for t, _ in recent] == [t for t, _ in before]
        return out

    def _window(self, start: int, end: int) -> list[tuple[int, frozenset]]:
        """The onsets from ``start`` to before ``end``: (steps after ``start``, pitch slots struck)."""
        times = self.times
        inside = times[bisect_left(times, start):bisect_left(times, end)]
        return [(t - start, frozenset(self.struck[t])) for t in inside]


def lookback(tokens, vocab: Vocabulary, bar_steps: int) -> dict[str, np.ndarray]:
    """For each position of one token stream, after reading its token: ``lookback_pitches`` (len x
    pitches, uint8), ``lookback_waits`` (len x max_wait, uint8), ``lookback_lengths`` (len x
    max_length, uint8) and ``bar_repeats`` (len x REPEATS, bool), as the module's docstring says."""
    memory = Lookback(vocab, bar_steps)
    n = len(tokens)
    pitches = np.empty((n, memory.pitches), dtype=np.uint8)
    waits = np.empty((n, vocab.max_wait), dtype=np.uint8)
    lengths = np.empty((n, vocab.max_length), dtype=np.uint8)
    repeats = np.empty((n, REPEATS), dtype=np.bool_)
    for i, token in enumerate(np.asarray(tokens, dtype=np.int64).tolist()):
        memory.feed(token)
        pitches[i], waits[i], repeats[i] = memory.now_arrays()
        lengths[i] = memory.length_codes()
    return {"lookback_pitches": pitches, "lookback_waits": waits, "lookback_lengths": lengths, "bar_repeats": repeats}


class Lookbacks:
    """The lookbacks of ``rows`` streams that share a beginning (``prompt``) and then go their own
    ways, one token per row at a time (generation)."""

    def __init__(self, vocab: Vocabulary, bar_steps: int, rows: int, prompt=()):
        one = Lookback(vocab, bar_steps)
        for token in prompt:
            one.feed(token)
        self.rows = [one.copy() for _ in range(rows)]

    def feed(self, tokens) -> dict[str, np.ndarray]:
        for memory, token in zip(self.rows, tokens):
            memory.feed(token)
        now = [memory.now_arrays() for memory in self.rows]
        return {"lookback_pitches": np.stack([a[0] for a in now]), "lookback_waits": np.stack([a[1] for a in now]),
                "lookback_lengths": np.stack([memory.length_codes() for memory in self.rows]),
                "bar_repeats": np.stack([a[2] for a in now])}


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
    slots = codes.shape[-1]
    by_class = codes[..., :12] & 12                      # every slot of a class carries its class bits
    moved |= by_class[..., (np.arange(slots) - semitones) % 12]
    return moved


# -- the network's view -------------------------------------------------------------------------------

_TABLES: dict = {}


def _bit_table(bits: int, device) -> torch.Tensor:
    """(2**bits, bits): each code's bits as floats."""
    key = (bits, str(device))
    if key not in _TABLES:
        with torch.inference_mode(False):
            codes = torch.arange(2 ** bits, device=device)
            _TABLES[key] = ((codes.unsqueeze(-1) >> torch.arange(bits, device=device)) & 1).float()
    return _TABLES[key]


def coded_scores(codes: torch.Tensor, weights: torch.Tensor, bits: int) -> torch.Tensor:
    """codes (..., N) of ``bits`` bits each and weights (..., bits) -> (..., N): the sum of the
    weights of each code's set bits, looked up in a per-row table of every code's score."""
    table = weights @ _bit_table(bits, weights.device).t()             # (..., 2**bits)
    return table.gather(-1, codes.long())


def lookback_scores(weights: torch.Tensor, pitches: torch.Tensor, waits: torch.Tensor,
                    lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """weights (..., WEIGHTS) from the LSTM state and the codes of ``lookback`` -> what it adds to
    each pitch's (..., pitches), each wait's (..., max_wait) and each length's logit (..., max_length)."""
    w = weights.float()
    return (coded_scores(pitches, w[..., :PITCH_BITS], PITCH_BITS),
            coded_scores(waits, w[..., PITCH_BITS:PITCH_BITS + WAIT_BITS], WAIT_BITS),
            coded_scores(lengths, w[..., PITCH_BITS + WAIT_BITS:], LENGTH_BITS))
