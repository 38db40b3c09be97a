"""What the music sounds like at each token: the notes still held, and where we are in the bar.

A token stream names each note once, at its onset, with its length; a network reading it has to
remember for itself which notes are still sounding, which is exactly what it needs to choose the
next chord. This module follows the clock through the tokens and hands the network, at every
position, the set of pitches sounding at that moment and the step within the bar. Both depend
only on tokens already read, so a model that uses them still predicts each token from the past
alone (a proper autoregressive model), and generation computes them as it goes.
"""

from __future__ import annotations

import numpy as np

from .tokens import END, PAD, START, Vocabulary


class Clock:
    """Follows one token stream: the time, the held notes, and the position in the bar."""

    def __init__(self, vocab: Vocabulary, bar_steps: int):
        self.vocab = vocab
        self.bar_steps = max(1, bar_steps)
        self.pitches = vocab.highest_pitch - vocab.lowest_pitch + 1
        self.reset()

    def reset(self) -> None:
        self.now = 0
        self.ends: dict[int, int] = {}              # pitch slot -> step where it stops sounding (>= now)
        self.note: int | None = None               # the pitch slot whose length is being read
        self.length = 0                            # its length so far (0 between onsets)

    def feed(self, token: int) -> None:
        v = self.vocab
        if token == START or token == END or token == PAD:
            self.reset()
            return
        kind = v.kinds[token]
        if kind == "wait":
            self.note, self.length = None, 0
            self.now += v.values[token]
            self.ends = {p: e for p, e in self.ends.items() if e >= self.now}
        elif kind == "length":
            if self.note is not None:
                self.length += v.values[token]
                self.ends[self.note] = self.now + self.length
        elif kind == "pitch":
            self.note = token - v.pitches.start
            self.length = 0
            self.ends[self.note] = self.now + 1
        # velocity tokens change nothing here

    def sounding(self) -> np.ndarray:
        """The pitches still sounding after now (those that stopped just now are not)."""
        out = np.zeros(self.pitches, dtype=np.bool_)
        on = [p for p, e in self.ends.items() if e > self.now]
        if on:
            out[on] = True
        return out

    @property
    def position(self) -> int:
        return self.now % self.bar_steps


class Clocks:
    """The clocks of a batch of streams that share a beginning and then go their own ways, one
    token per row at a time (generation), kept in arrays: the same answers as one ``Clock`` per row."""

    def __init__(self, vocab: Vocabulary, bar_steps: int, rows: int, prompt=()):
        self.vocab = vocab
        self.bar_steps = max(1, bar_steps)
        one = Clock(vocab, bar_steps)
        for token in prompt:
            one.feed(token)
        self.now = np.full(rows, one.now, dtype=np.int64)
        self.ends = np.zeros((rows, one.pitches), dtype=np.int64)    # where each pitch stops sounding
        for slot, end in one.ends.items():
            self.ends[:, slot] = end
        self.note = np.full(rows, -1 if one.note is None else one.note, dtype=np.int64)
        self.length = np.full(rows, one.length, dtype=np.int64)
        self._rows = np.arange(rows)

    def feed(self, tokens) -> None:
        """Read one token per row (a few rows: a plain loop is quicker than array arithmetic)."""
        v, kinds, values = self.vocab, self.vocab.kinds, self.vocab.values
        now, note, length, ends = self.now, self.note, self.length, self.ends
        for row, token in enumerate(tokens):
            kind = kinds[token]
            if kind == "wait":
                now[row] += values[token]
                note[row], length[row] = -1, 0
            elif kind == "pitch":
                note[row], length[row] = token - v.pitches.start, 0
                ends[row, note[row]] = now[row] + 1
            elif kind == "length":
                if note[row] >= 0:
                    length[row] += values[token]
                    ends[row, note[row]] = now[row] + length[row]
            elif kind in ("start", "end", "pad"):
                now[row], note[row], length[row] = 0, -1, 0
                ends[row] = 0

    def sounding(self) -> np.ndarray:
        """(rows, pitches): the pitches still sounding after now in each row."""
        return self.ends > self.now[:, None]

    @property
    def position(self) -> np.ndarray:
        return self.now % self.bar_steps


def context_features(tokens, vocab: Vocabulary, bar_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """For each position: the pitches sounding after reading that token (len x pitches, bool),
    and the step within the bar (len, int64)."""
    clock = Clock(vocab, bar_steps)
    n = len(tokens)
    sounding = np.zeros((n, clock.pitches), dtype=np.bool_)
    position = np.zeros(n, dtype=np.int64)
    for i, token in enumerate(np.asarray(tokens, dtype=np.int64).tolist()):
        clock.feed(token)
        sounding[i] = clock.sounding()
        position[i] = clock.now % clock.bar_steps
    return sounding, position


def transpose_sounding(sounding: np.ndarray, semitones: int) -> np.ndarray:
    """The held-note sets of a stream transposed by ``semitones`` (notes never leave the range
    here: callers only transpose streams whose pitches all fit)."""
    if semitones == 0:
        return sounding
    out = np.zeros_like(sounding)
    if semitones > 0:
        out[:, semitones:] = sounding[:, :-semitones]
    else:
        out[:, :semitones] = sounding[:, -semitones:]
    return out
