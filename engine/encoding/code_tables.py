"""Scores shared by every candidate wait, length and pitch, looked up by a code per candidate.

``lookback.py`` and ``harmony_input.py`` describe each candidate token of the contiguous run of
waits, lengths and pitches by a few bits (struck here a bar ago; a tone of the chord now; the
wait that lands on the chord's change...). The network reads out one weight per bit from its
state, shared by all candidates; a candidate's score is the sum of its set bits' weights. A
``CodeTable`` works that out in two products whatever the number of candidates: the score of every
code of every region, ``weights @ block`` (one row per position), then each candidate's by its code
(``gather``): what generation does once per token, so it has to be cheap.
"""

from __future__ import annotations

from typing import Sequence

import torch


class CodeTable:
    """Regions of candidates in order, each (how many candidates, the indices of the weights its
    bits read, lowest bit first): a code of region r is scored by ``weights[..., bits_r]``."""

    def __init__(self, regions: Sequence[tuple[int, Sequence[int]]], weights: int):
        self.regions = [(count, tuple(bits)) for count, bits in regions]
        self.weights = weights
        self._on: dict = {}

    def tables(self, device=None) -> tuple[torch.Tensor, torch.Tensor]:
        """(block, offsets): the score of each code of each region is ``weights @ block``; a
        candidate's code ``c`` is column ``offsets[candidate] + c`` of it."""
        return self._tensors(torch.device("cpu") if device is None else torch.device(device))

    def _tensors(self, device) -> tuple[torch.Tensor, torch.Tensor]:
        if device not in self._on:
            with torch.inference_mode(False):                      # plain tensors, usable in training too
                columns = sum(2 ** len(bits) for _, bits in self.regions)
                block = torch.zeros(self.weights, columns)
                offsets, first = [], 0
                for count, bits in self.regions:
                    for code in range(2 ** len(bits)):
                        for b, weight in enumerate(bits):
                            block[weight, first + code] = (code >> b) & 1
                    offsets += [first] * count
                    first += 2 ** len(bits)
                self._on[device] = (block.to(device), torch.tensor(offsets, device=device))
        return self._on[device]

    def scores(self, weights: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        """weights (..., weights) and codes (..., candidates) -> (..., candidates): each candidate's
        score, the sum of the weights of its code's set bits."""
        block, offsets = self._tensors(weights.device)
        return (weights.float() @ block).gather(-1, offsets + codes)       # codes of any integer type: one op
