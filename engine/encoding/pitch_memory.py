"""What was just played, pitch by pitch: the memory a model's choice of the next pitch leans on.

Music repeats itself a few onsets later (an Alberti bass, a repeated chord, a sequence a step
higher) and moves by intervals (a third above the bass, a step down from the last melody note).
A softmax with one weight row per absolute pitch has to learn each of these again at every pitch.
A model with ``pitch_memory`` (see ``model.py``) also scores every candidate pitch by what
this module reports, with weights shared by all pitches:

- ``ages``: for each pitch, how many onsets ago it was last struck (1 = the onset just
  before, 0 = struck in the onset being read, ``NEVER`` = not in memory);
- ``held``: for each pitch, 1 if a note of it is still sounding, 2 if one stops exactly now
  (is it struck again at once? in music read from piano rolls, never: a held note and a
  repeated one look the same there), else 0;
- ``anchors``: pitches to measure intervals from: the last pitch struck, the lowest and the
  highest pitch of the last complete onset (bass and melody), and that onset's note in the same
  place counted from the bottom as the note about to be chosen (its voice), and the lowest and
  highest notes held on from before, or -1 where there is none.

Everything here depends only on tokens already read, so the model stays a proper
autoregressive model over the tokens, and generation keeps the memory up to date as it goes.
"""

from __future__ import annotations

import numpy as np
import torch

from .context import Clock
from .tokens import END, PAD, START, Vocabulary

NEVER = 255                         # the age of a pitch not struck since the start (or long ago)
ANCHORS = 6                         # the last pitch struck; bass, melody and same voice of the last onset;
                                    # the lowest and highest note held on (a model may read only the first few)
RECENT_ONSETS = (1, 2, 3, 4, 6, 8)  # "struck exactly k onsets ago", each its own feature
WITHIN_ONSETS = (8, 32)             # "struck within the last k onsets"
KEY_ONSETS = 16                     # "its pitch class was struck within the last k onsets"


class PitchMemory:
    """Follows one token stream and knows, after each token, the ages and anchors above."""

    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab
        self.pitches = vocab.highest_pitch - vocab.lowest_pitch + 1
        self.reset()

    def reset(self) -> None:
        self.clock = Clock(self.vocab, 1)          # the time and the notes sounding
        self.ages = np.full(self.pitches, NEVER, dtype=np.uint8)
        self.onset: list[int] = []                 # pitch slots struck at the onset being read
        self.previous: list[int] = []              # those of the last complete onset
        self.last_pitch = -1

    def feed(self, token: int) -> None:
        v = self.vocab
        self.clock.feed(token)
        if token == START or token == END or token == PAD:
            self.reset()
        elif v.kinds[token] == "wait":
            self._close_onset()
        elif v.kinds[token] == "pitch":
            slot = token - v.pitches.start
            self.onset.append(slot)
            self.ages[slot] = 0
            self.last_pitch = slot

    def _close_onset(self) -> None:
        if not self.onset:                         # a rest written as several waits is one gap
            return
        older = self.ages < NEVER - 1
        self.ages[older] += 1
        self.ages[~older] = NEVER
        self.previous = self.onset
        self.onset = []

    @property
    def held(self) -> np.ndarray:
        out = np.zeros(self.pitches, dtype=np.uint8)
        now = self.clock.now
        for slot, end in self.clock.ends.items():
            out[slot] = 1 if end > now else 2
        return out

    @property
    def anchors(self) -> tuple[int, ...]:
        struck = set(self.onset)
        now = self.clock.now
        on = [p for p, end in self.clock.ends.items() if end > now and p not in struck]
        held = (min(on), max(on)) if on else (-1, -1)
        if not self.previous:
            return (self.last_pitch, -1, -1, -1) + held
        voice = self.previous[min(len(self.onset), len(self.previous) - 1)]
        return (self.last_pitch, self.previous[0], self.previous[-1], voice) + held


class PitchMemories:
    """The memories of a batch of streams that share a beginning and then go their own ways, one
    token per row at a time (generation), kept in arrays: the same answers as one ``PitchMemory``
    per row, at a fraction of the cost."""

    def __init__(self, vocab: Vocabulary, rows: int, prompt=(), clocks=None):
        from .context import Clocks
        one = PitchMemory(vocab)
        for token in prompt:
            one.feed(token)
        self.vocab = vocab
        self.shared = clocks is not None          # someone else feeds the clocks (side_inputs.Followers)
        self.clocks = clocks if clocks is not None else Clocks(vocab, 1, rows, prompt)
        self.ages = np.repeat(one.ages[None], rows, 0)
        self.onset = [list(one.onset) for _ in range(rows)]
        self.previous = [list(one.previous) for _ in range(rows)]
        self.last_pitch = [one.last_pitch] * rows
        self._kinds = vocab.kinds

    def feed(self, tokens) -> None:
        v = self.vocab
        if not self.shared:
            self.clocks.feed(tokens)
        closing, struck = [], []
        for row, token in enumerate(tokens):
            kind = self._kinds[token]
            if kind == "wait":
                if self.onset[row]:
                    closing.append(row)
                    self.previous[row], self.onset[row] = self.onset[row], []
            elif kind == "pitch":
                slot = token - v.pitches.start
                self.onset[row].append(slot)
                self.last_pitch[row] = slot
                struck.append((row, slot))
            elif kind in ("start", "end", "pad"):
                self.ages[row] = NEVER
                self.onset[row], self.previous[row], self.last_pitch[row] = [], [], -1
        if closing:
            ages = self.ages[closing]
            self.ages[closing] = np.where(ages < NEVER - 1, ages + 1, NEVER)
        for row, slot in struck:
            self.ages[row, slot] = 0

    @property
    def held(self) -> np.ndarray:
        ends, now = self.clocks.ends, self.clocks.now[:, None]
        started = ends > 0
        return np.where(ends > now, 1, np.where(started & (ends == now), 2, 0)).astype(np.uint8)

    @property
    def anchors(self) -> np.ndarray:
        out = np.full((len(self.onset), ANCHORS), -1, dtype=np.int64)
        sounding = self.clocks.sounding()
        for row, onset in enumerate(self.onset):
            on = sounding[row].copy()
            on[onset] = False
            slots = np.flatnonzero(on)
            held = (slots[0], slots[-1]) if len(slots) else (-1, -1)
            previous = self.previous[row]
            if previous:
                voice = previous[min(len(onset), len(previous) - 1)]
                out[row] = (self.last_pitch[row], previous[0], previous[-1], voice) + held
            else:
                out[row] = (self.last_pitch[row], -1, -1, -1) + held
        return out


def pitch_memory(tokens, vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each position, after reading its token: ages (len x pitches, uint8), held (len x
    pitches, uint8) and anchors (len x ANCHORS, int16, -1 for none)."""
    memory = PitchMemory(vocab)
    n = len(tokens)
    ages = np.empty((n, memory.pitches), dtype=np.uint8)
    held = np.empty((n, memory.pitches), dtype=np.uint8)
    anchors = np.empty((n, ANCHORS), dtype=np.int16)
    for i, token in enumerate(np.asarray(tokens, dtype=np.int64).tolist()):
        memory.feed(token)
        ages[i] = memory.ages
        held[i] = memory.held
        anchors[i] = memory.anchors
    return ages, held, anchors


def _shift_pitches(rows: np.ndarray, semitones: int, fill: int) -> np.ndarray:
    moved = np.full_like(rows, fill)
    if semitones > 0:
        moved[:, semitones:] = rows[:, :-semitones]
    else:
        moved[:, :semitones] = rows[:, -semitones:]
    return moved


def transpose_memory(ages: np.ndarray, held: np.ndarray, anchors: np.ndarray,
                     semitones: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The memory of a stream transposed by ``semitones`` (callers only transpose streams whose
    pitches all stay in range)."""
    if semitones == 0:
        return ages, held, anchors
    return (_shift_pitches(ages, semitones, NEVER), _shift_pitches(held, semitones, 0),
            np.where(anchors >= 0, anchors + semitones, anchors).astype(anchors.dtype))


FEATURES = len(RECENT_ONSETS) + len(WITHIN_ONSETS) + 3


def memory_features(ages: torch.Tensor, held: torch.Tensor) -> torch.Tensor:
    """ages and held (..., pitches) -> (..., pitches, FEATURES) floats of 0 and 1, the same for
    every pitch: struck 1, 2, 3, 4, 6, 8 onsets ago; struck within 8 and 32 onsets; still
    sounding; stopped sounding just now; pitch class heard within 16 onsets."""
    a = ages.long()
    struck = a >= 1
    columns = [a == k for k in RECENT_ONSETS]
    columns += [struck & (a <= k) for k in WITHIN_ONSETS]
    columns += [held == 1, held == 2]
    heard = struck & (a <= KEY_ONSETS)
    pitches = heard.size(-1)
    octaves = -(-pitches // 12)
    padded = torch.nn.functional.pad(heard, (0, octaves * 12 - pitches))
    classes = padded.unflatten(-1, (octaves, 12)).any(-2, keepdim=True)
    columns.append(classes.expand(*padded.shape[:-1], octaves, 12).flatten(-2)[..., :pitches])
    return torch.stack(columns, -1).float()


_AGE_TABLES: dict = {}


def _age_features(device) -> torch.Tensor:
    """(256, 8): the age features of ``memory_features`` for every age 0-255."""
    if device not in _AGE_TABLES:
        with torch.inference_mode(False):                  # a plain tensor, usable in training too
            a = torch.arange(256, device=device)
            struck = a >= 1
            columns = [a == k for k in RECENT_ONSETS] + [struck & (a <= k) for k in WITHIN_ONSETS]
            _AGE_TABLES[device] = torch.stack(columns, -1).float()
    return _AGE_TABLES[device]


def memory_scores(ages: torch.Tensor, held: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """(..., pitches): the sum over features of ``memory_features(ages, held)`` times ``weights``
    (..., FEATURES), worked out by looking each pitch's age and held state up in per-row tables
    instead of building every feature of every pitch."""
    ages_n = len(RECENT_ONSETS) + len(WITHIN_ONSETS)
    by_age = weights[..., :ages_n] @ _age_features(weights.device).t()              # (..., 256)
    scores = by_age.gather(-1, ages.long())
    by_held = torch.nn.functional.pad(weights[..., ages_n:ages_n + 2], (1, 0))      # held 0, 1, 2
    scores = scores + by_held.gather(-1, held.long().clamp(max=2))
    a = ages.long()
    heard = (a >= 1) & (a <= KEY_ONSETS)
    pitches = heard.size(-1)
    octaves = -(-pitches // 12)
    padded = torch.nn.functional.pad(heard, (0, octaves * 12 - pitches))
    classes = padded.unflatten(-1, (octaves, 12)).any(-2, keepdim=True)
    classes = classes.expand(*padded.shape[:-1], octaves, 12).flatten(-2)[..., :pitches]
    return scores + classes * weights[..., ages_n + 2:ages_n + 3]


def interval_index(anchors: torch.Tensor, pitches: int, reach: int) -> torch.Tensor:
    """anchors (..., ANCHORS) -> (..., ANCHORS, pitches) indices into interval scores of size
    2 * reach + 2: candidate p measured from anchor a is interval p - a, stored at p - a + reach;
    intervals beyond ``reach`` and missing anchors point at the last slot, which scores 0."""
    p = torch.arange(pitches, device=anchors.device)
    offset = p - anchors.long().unsqueeze(-1) + reach
    outside = (offset < 0) | (offset > 2 * reach) | (anchors < 0).unsqueeze(-1)
    return torch.where(outside, torch.full_like(offset, 2 * reach + 1), offset)
