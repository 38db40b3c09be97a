"""The spelling rules of the token vocabulary, as masks over the next token.

``encode`` writes every phrase one way only: a pitch is always followed by its length, a length
continues only after the longest length token, waits add up largest first, a velocity token is
followed by a pitch, and the pitches of one onset rise from low to high. Tokens that break these
rules can never be the right answer, so the model's softmax is taken over the allowed tokens
only. That is still a proper probability distribution over token sequences, and since each piano
roll has exactly one spelling, also over piano rolls: training and scoring with the mask is
honest, and it spends none of the model's probability on impossible spellings.
"""

from __future__ import annotations

import numpy as np
import torch

from .tokens import END, PAD, START, Vocabulary


def next_token_rules(vocab: Vocabulary) -> torch.Tensor:
    """banned[previous, next]: True where ``next`` may not follow ``previous``."""
    v = vocab
    size = v.size
    waits = slice(v.first_wait, v.first_length)
    lengths = slice(v.first_length, v.first_pitch)
    pitches = slice(v.first_pitch, v.first_velocity)
    banned = torch.zeros(size, size, dtype=torch.bool)
    banned[:, [PAD, START]] = True
    banned[:, lengths] = True                                   # lengths only where allowed below
    for prev in range(size):
        kind = v.kind(prev)
        if kind == "pitch":
            banned[prev] = True
            banned[prev, lengths] = False
        elif kind == "velocity":
            banned[prev] = True
            banned[prev, pitches] = False
        elif kind == "length" and v.value(prev) == v.max_length:
            banned[prev, lengths] = False
        elif kind == "wait" and v.value(prev) != v.max_wait:
            banned[prev, waits] = True
        elif kind in ("end", "pad"):
            banned[prev] = False                                # nothing is scored after the end
    return banned


def pitch_floors(tokens, vocab: Vocabulary) -> np.ndarray:
    """For each position i, the lowest token id a pitch at i+1 may have (0: any pitch).

    Within one onset pitches rise; a wait, the start or the end begins a new onset.
    """
    t = np.asarray(tokens, dtype=np.int64)
    is_pitch = (t >= vocab.first_pitch) & (t < vocab.first_velocity)
    resets = ((t >= vocab.first_wait) & (t < vocab.first_length)) | (t == START) | (t == END) | (t == PAD)
    marks = np.where(is_pitch | resets, np.arange(len(t)), -1)
    last = np.maximum.accumulate(marks) if len(t) else marks
    floors = np.where(last >= 0, t[np.maximum(last, 0)], 0)
    return np.where((last >= 0) & is_pitch[np.maximum(last, 0)], floors, 0)


class Grammar:
    """Masks for a batch of positions, given each position's token and pitch floor."""

    def __init__(self, vocab: Vocabulary, device="cpu"):
        self.rules = next_token_rules(vocab).to(device)
        ids = torch.arange(vocab.size, device=device)
        self.ids = ids
        self.is_pitch = (ids >= vocab.first_pitch) & (ids < vocab.first_velocity)

    def banned(self, previous: torch.Tensor, floors: torch.Tensor) -> torch.Tensor:
        """Bool mask of shape previous.shape + (vocab size,)."""
        below = self.is_pitch & (self.ids < floors.unsqueeze(-1))
        return self.rules[previous] | below

    def log_probs(self, logits: torch.Tensor, previous: torch.Tensor, floors: torch.Tensor) -> torch.Tensor:
        """log-softmax over the allowed tokens (banned ones get -inf)."""
        masked = logits.float().masked_fill(self.banned(previous, floors), float("-inf"))
        return torch.log_softmax(masked, dim=-1)
