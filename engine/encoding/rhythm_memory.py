"""When things happen: the memory a model's choice of the next wait or note length leans on.

Rhythm has its own habits: a new chord comes when the held notes stop, the notes of a chord
often end together, an onset comes as long after the last one as that one came after the one
before, and things land on beats and bar lines. A model with ``rhythm_memory`` (see
``model.py``) also scores every candidate wait and length by these marks, with weights shared by
all durations. For each position, after reading its token, this module reports:

- ``wait_marks[d]`` (d = 1..max_wait steps from now): bit 1 if a sounding note ends then, bit 2
  if an onset then would repeat the last gap between onsets;
- ``length_marks[d]`` (the note being read lasting d more steps): bit 1 if another sounding
  note ends then, bit 2 if it would end with the note below it in the same chord;
- ``phases``: where in the bar a wait and a length count from (``now`` and the note's end so far).

Like ``pitch_memory.py``, everything depends only on tokens already read. Nothing here changes
when music is transposed.
"""

from __future__ import annotations

import numpy as np
import torch

from .context import Clock
from .tokens import END, PAD, START, Vocabulary

ENDS, REPEATS = 1, 2                # the bits of the marks
FEATURES = 4                        # ends, repeats, on a bar line, on a beat


class RhythmMemory:
    """Follows one token stream and knows, after each token, the marks above."""

    def __init__(self, vocab: Vocabulary, bar_steps: int):
        self.vocab = vocab
        self.bar_steps = max(1, bar_steps)
        self.reset()

    def reset(self) -> None:
        self.clock = Clock(self.vocab, self.bar_steps)     # the time and the notes sounding
        self.onset: list[int] = []                 # pitch slots struck at this onset, in order
        self.last_onset: int | None = None
        self.gap = 0                               # steps between the last two onsets

    def feed(self, token: int) -> None:
        v = self.vocab
        kind = v.kinds[token]
        if kind == "wait" and self.onset:
            if self.last_onset is not None:
                self.gap = self.clock.now - self.last_onset
            self.last_onset = self.clock.now
        self.clock.feed(token)
        if token == START or token == END or token == PAD:
            self.reset()
        elif kind == "wait":
            self.onset = []
        elif kind == "pitch":
            self.onset.append(token - v.pitches.start)

    def marks(self) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
        v, clock = self.vocab, self.clock
        now, note = clock.now, clock.note
        waits = np.zeros(v.max_wait, dtype=np.uint8)
        lengths = np.zeros(v.max_length, dtype=np.uint8)
        start = now + clock.length                          # where the note being read ends so far
        for pitch, end in clock.ends.items():
            if 1 <= end - now <= v.max_wait:
                waits[end - now - 1] |= ENDS
            if pitch != note and 1 <= end - start <= v.max_length:
                lengths[end - start - 1] |= ENDS
        if self.onset:                                      # the onset being read is at now
            d = now - self.last_onset if self.last_onset is not None else 0
        else:
            d = self.last_onset + self.gap - now if self.last_onset is not None and self.gap else 0
        if 1 <= d <= v.max_wait:
            waits[d - 1] |= REPEATS
        if note is not None and len(self.onset) > 1:
            below = clock.ends.get(self.onset[-2])
            if below is not None and 1 <= below - start <= v.max_length:
                lengths[below - start - 1] |= REPEATS
        return waits, lengths, (now % self.bar_steps, start % self.bar_steps)


def rhythm_memory(tokens, vocab: Vocabulary, bar_steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each position, after reading its token: wait marks (len x max_wait, uint8), length
    marks (len x max_length, uint8) and phases (len x 2, int16)."""
    memory = RhythmMemory(vocab, bar_steps)
    n = len(tokens)
    waits = np.empty((n, vocab.max_wait), dtype=np.uint8)
    lengths = np.empty((n, vocab.max_length), dtype=np.uint8)
    phases = np.empty((n, 2), dtype=np.int16)
    for i, token in enumerate(np.asarray(tokens, dtype=np.int64).tolist()):
        memory.feed(token)
        waits[i], lengths[i], phases[i] = memory.marks()
    return waits, lengths, phases


def rhythm_features(marks: torch.Tensor, phase: torch.Tensor, bar_steps: int) -> torch.Tensor:
    """marks (..., D) and the phase they count from (...) -> (..., D, FEATURES) floats of 0 and
    1: a note ends d steps on; the last gap or chord length repeats; d lands on a bar line; on
    a beat (a quarter of the bar)."""
    d = torch.arange(1, marks.size(-1) + 1, device=marks.device)
    at = phase.long().unsqueeze(-1) + d
    beat = max(1, bar_steps // 4)
    m = marks.long()
    return torch.stack([(m & ENDS) > 0, (m & REPEATS) > 0, at % bar_steps == 0, at % beat == 0], -1).float()
