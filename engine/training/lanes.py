"""One epoch's training stream, read from the token store a window at a time.

Each epoch the training pieces are shuffled, each transposed at random (a piece keeps one
transposition within the epoch) and, for a model with controls, some of each bar's controls
hidden (with harmony, some bars' chords too: ``side_inputs.hide_inputs``); the pieces are joined
into one stream, its start cut at a random place below the window, and the stream cut into
``batch_size`` lanes of equal length. Lane j reads positions [j * L, (j + 1) * L) of the stream
and learns to predict the token after each.

``EpochLanes`` makes every random choice of the epoch up front, in a fixed order from one
generator seeded by the run's seed and the epoch (so a resumed run draws the same), and keeps
only those choices: a few numbers a piece (the chords' draws are made again from a generator of
the run, the epoch and the piece). ``batch`` then reads the positions of one window of some lanes
from the store and moves them as the choices say, so memory stays that of one batch however big
the collection is.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..encoding.controls import NAMES, apply_hidden, draw_hidden
from ..encoding.grammar import spelling_state
from ..encoding.side_inputs import hide_inputs, transpose_inputs
from ..encoding.tokens import Vocabulary
from .token_store import PER_BAR, TokenStore


class EpochLanes:
    """The lanes of epoch ``epoch`` over the pieces of ``store`` (see the module's docstring)."""

    def __init__(self, store: TokenStore, config, vocab: Vocabulary, epoch: int):
        self.store, self.vocab = store, vocab
        self.config, self.epoch = config, epoch
        self.is_pitch = np.array([kind == "pitch" for kind in vocab.kinds])      # by token id
        self.window, self.batch_size = config.window, config.batch_size
        rng = np.random.default_rng([config.seed, epoch])
        low, high = config.transpose
        hides = PER_BAR in store.layout
        self.order = rng.permutation(len(store))
        self.shifts = np.zeros(len(store), dtype=np.int64)
        bars = np.diff(store.index["bar"])[self.order]
        self.keep_start = np.concatenate([[0], np.cumsum(bars)])     # all 0 for a store without controls
        self.keep = np.ones((int(self.keep_start[-1]) if hides else 0, len(NAMES)), dtype=np.bool_)
        self.hidden = np.zeros(len(store), dtype=np.bool_)        # pieces with a control hidden somewhere
        for k, piece in enumerate(self.order.tolist()):
            shift = int(rng.integers(low, high + 1)) if high > low else 0
            self.shifts[k] = shift if shift and self._fits(piece, shift) else 0
            if hides:
                keep = draw_hidden(int(bars[k]), rng, config.control_dropout, config.control_all_dropout)
                if keep is not None:
                    self.keep[self.keep_start[k]:self.keep_start[k + 1]] = keep
                    self.hidden[k] = True
        self.cut = int(rng.integers(0, config.window))
        self.ends = np.cumsum(store.lengths[self.order])
        self.lane_length = (int(self.ends[-1]) - self.cut - 1) // config.batch_size if len(store) else 0
        if self.lane_length < 2:
            raise ValueError("too little training music for one batch: add pieces or lower --batch-size")
        # the stream's spelling state is worked out from the cut on: in the piece the cut falls in,
        # it differs from the piece's own until the first onset after the cut
        self.first = int(np.searchsorted(self.ends, self.cut, side="right"))
        start = int(self.ends[self.first] - store.lengths[self.order[self.first]])
        tokens = self._tokens(self.first, self.cut - start, int(self.ends[self.first]) - start)
        self.first_spelling = spelling_state(tokens, vocab).astype(np.int64)
        self.first_from = self.cut - start

    @property
    def batches(self) -> int:
        return -(-self.lane_length // self.window)

    def _fits(self, piece: int, shift: int) -> bool:
        """Whether every pitch of the piece stays in the vocabulary moved by ``shift`` (else it is
        learned untransposed, as ``tokens.transpose_tokens`` decides)."""
        span, v = self.store.pitch_range(piece), self.vocab
        return span is None or (v.value(span[0]) + shift >= v.lowest_pitch
                                and v.value(span[1]) + shift <= v.highest_pitch)

    def batch(self, b: int, lanes: slice, spelling: bool = True):
        """Window ``b`` of the lanes ``lanes``: (x, y, side inputs, spelling state or None), as
        tensors of (lanes, positions, ...); the last window of an epoch may be shorter."""
        rows = range(*lanes.indices(self.batch_size))
        first, last = b * self.window, min((b + 1) * self.window, self.lane_length)
        spans = [(self.cut + j * self.lane_length + first, self.cut + j * self.lane_length + last) for j in rows]
        tokens = np.stack([self._span(a, z + 1, "tokens") for a, z in spans])
        x, y = torch.from_numpy(tokens[:, :-1].copy()), torch.from_numpy(tokens[:, 1:].copy())
        parts = [self._span(a, z, "side") for a, z in spans]
        side = {key: torch.from_numpy(np.stack([s[key] for s in parts])) for key in (parts[0] if parts else {})}
        floors = torch.from_numpy(np.stack([self._span(a, z, "spelling") for a, z in spans])) if spelling else None
        return x, y, side, floors

    def _span(self, start: int, stop: int, what: str):
        """Positions ``start``..``stop`` of the joined stream (before the cut) of one kind."""
        parts: list[Any] = []                          # arrays, or for "side" dicts of arrays
        k = int(np.searchsorted(self.ends, start, side="right"))
        while start < stop:
            begin = int(self.ends[k] - self.store.lengths[self.order[k]])
            a, z = start - begin, min(stop, int(self.ends[k])) - begin
            if what == "tokens":
                parts.append(self._tokens(k, a, z))
            elif what == "spelling":
                parts.append(self._spelling(k, a, z))
            else:
                parts.append(self._side(k, a, z))
            start, k = begin + z, k + 1
        if what != "side":
            return np.concatenate(parts)
        return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}

    def _tokens(self, k: int, a: int, z: int) -> np.ndarray:
        piece = int(self.order[k])
        base = int(self.store.index["token"][piece])
        tokens = self.store.read("tokens", base + a, base + z)
        if self.shifts[k]:
            tokens[self.is_pitch[tokens]] += self.shifts[k]
        return tokens

    def _spelling(self, k: int, a: int, z: int) -> np.ndarray:
        if k == self.first:
            return self.first_spelling[a - self.first_from:z - self.first_from]
        piece = int(self.order[k])
        base = int(self.store.index["token"][piece])
        state = self.store.read("spelling", base + a, base + z)
        floors = state[:, 0]
        floors[floors > 0] += self.shifts[k]                   # pitch floors are pitch tokens, or 0
        return state

    def _side(self, k: int, a: int, z: int) -> dict[str, np.ndarray]:
        piece = int(self.order[k])
        base = int(self.store.index["token"][piece])
        side = {key: self.store.read(key, base + a, base + z) for key in self.store.side_keys if key != PER_BAR}
        if PER_BAR in self.store.layout:
            table, bars = self.store.bar_rows(PER_BAR, piece), side["control_bar"]
            side = {**side, PER_BAR: np.stack([table[bars], table[bars + 1]], 1)}
        side = transpose_inputs(side, int(self.shifts[k]))
        # chords and the like hidden by draws that depend only on the run, the epoch and the piece
        count = int(self.store.columns["steps"][piece]) // max(1, int(self.store.columns["bar_steps"][piece])) + 2
        side = hide_inputs(side, self.config, np.random.default_rng([self.config.seed, self.epoch, piece, 5]), count)
        if PER_BAR in side:
            if self.hidden[k]:
                keep = self.keep[self.keep_start[k]:self.keep_start[k + 1]]
                side[PER_BAR] = apply_hidden(side[PER_BAR], side["control_bar"], keep)
            side.pop("control_bar")
        return side
