"""The spelling rules of the token vocabulary, as masks over the next token: one grammar for
training, scoring and generation.

``encode`` writes every phrase one way only: a pitch is always followed by its length, a length
continues only after the longest length token, waits add up largest first, a velocity token is
followed by a pitch, and the pitches of one onset rise strictly from low to high (a key is struck
once at a time). Tokens that break these rules can never be the right answer, so the model's
softmax is taken over the allowed tokens only. That is still a proper probability distribution
over token sequences, and since each piano roll has exactly one spelling, also over piano rolls:
training and scoring with the mask is honest, and it spends none of the model's probability on
impossible spellings.

A velocity token comes only where the loudness changes, so it may not repeat the level already
in force, and only where a pitch can still follow it. With these rules every token sequence the
grammar allows spells a different phrase.

What the rules need to know at a position is the token just read, the *pitch floor* (the last
pitch struck at the onset being read: nothing may be at or below it) and the velocity token in
force. ``spelling_state`` works these out for a whole stream at once (training, scoring);
``Speller`` keeps them up to date one token at a time for a batch of streams (generation). Both
feed ``Grammar.banned``, and a test holds the two equal on random streams, so the three uses
allow exactly the same tokens.
"""

from __future__ import annotations

import numpy as np
import torch

from .tokens import END, PAD, START, Vocabulary


def next_token_rules(vocab: Vocabulary) -> torch.Tensor:
    """banned[previous, next]: True where ``next`` may not follow ``previous``."""
    v = vocab
    size = v.size
    waits, lengths, pitches = v.waits, v.lengths, v.pitches
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
    """For each position i, the token id of the last pitch struck at the onset being read after
    token i (0: none yet). A pitch at i+1 must lie above it.

    Within one onset pitches rise; a wait, the start or the end begins a new onset.
    """
    t = np.asarray(tokens, dtype=np.int64)
    pitches, waits = vocab.pitches, vocab.waits
    is_pitch = (t >= pitches.start) & (t < pitches.stop)
    resets = ((t >= waits.start) & (t < waits.stop)) | (t == START) | (t == END) | (t == PAD)
    marks = np.where(is_pitch | resets, np.arange(len(t)), -1)
    last = np.maximum.accumulate(marks) if len(t) else marks
    floors = np.where(last >= 0, t[np.maximum(last, 0)], 0)
    return np.where((last >= 0) & is_pitch[np.maximum(last, 0)], floors, 0)


def velocity_in_force(tokens, vocab: Vocabulary) -> np.ndarray:
    """For each position i, the velocity token in force after token i (0: none yet)."""
    t = np.asarray(tokens, dtype=np.int64)
    is_velocity = (t >= vocab.velocities.start) & (t < vocab.velocities.stop)
    resets = (t == START) | (t == END) | (t == PAD)
    marks = np.where(is_velocity | resets, np.arange(len(t)), -1)
    last = np.maximum.accumulate(marks) if len(t) else marks
    return np.where((last >= 0) & is_velocity[np.maximum(last, 0)], t[np.maximum(last, 0)], 0)


def spelling_state(tokens, vocab: Vocabulary) -> np.ndarray:
    """(len, 2): each position's pitch floor and velocity in force (what ``Grammar.banned`` reads)."""
    return np.stack([pitch_floors(tokens, vocab), velocity_in_force(tokens, vocab)], -1)


class Grammar:
    """Masks for a batch of positions, given each position's token and pitch floor: torch tensors
    (training, scoring) or numpy arrays (generation, a few rows a step), by the same rules."""

    def __init__(self, vocab: Vocabulary, device="cpu"):
        self.vocab = vocab
        self.rules = next_token_rules(vocab).to(device)
        ids = torch.arange(vocab.size, device=device)
        self.ids = ids
        self.is_pitch = (ids >= vocab.pitches.start) & (ids < vocab.pitches.stop)
        self.is_velocity = ids >= vocab.velocities.start
        self._tensors = (self.rules, ids, self.is_pitch, self.is_velocity)
        self._arrays = tuple(t.cpu().numpy() for t in self._tensors)

    def banned(self, previous, state):
        """Bool mask of shape previous.shape + (vocab size,); ``state`` is ``spelling_state``'s
        (..., 2) pitch floor and velocity in force at each position. Tensors in, a tensor out;
        arrays in, an array out."""
        rules, ids, is_pitch, is_velocity = self._tensors if isinstance(previous, torch.Tensor) else self._arrays
        floors, velocity = state[..., 0, None], state[..., 1, None]
        at_or_below = is_pitch & (ids <= floors)
        same_level = (ids == velocity) & (velocity > 0)                # id 0 is never a velocity token
        no_pitch_left = (floors >= self.vocab.pitches.stop - 1) & is_velocity
        return rules[previous] | at_or_below | same_level | no_pitch_left

    def log_probs(self, logits: torch.Tensor, previous: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """log-softmax over the allowed tokens (banned ones get -inf)."""
        masked = logits.float().masked_fill(self.banned(previous, state), float("-inf"))
        return torch.log_softmax(masked, dim=-1)


class Speller:
    """The grammar's view of a batch of streams read one token per row at a time (generation):
    the last token and the pitch floor of each row, and the mask they give (numpy arrays)."""

    def __init__(self, grammar: Grammar, prompt: list[int], rows: int):
        self.grammar = grammar
        state = spelling_state(prompt, grammar.vocab)[-1] if prompt else np.zeros(2, dtype=np.int64)
        self.last = np.full(rows, prompt[-1] if prompt else START, dtype=np.int64)
        self.state = np.tile(np.asarray(state, dtype=np.int64), (rows, 1))

    def feed(self, tokens) -> None:
        """Read one token per row (a list of ints or an array)."""
        tokens = [int(t) for t in tokens]
        kinds = self.grammar.vocab.kinds
        state = self.state.tolist()
        for row, token in enumerate(tokens):
            kind = kinds[token]
            if kind == "pitch":
                state[row][0] = token
            elif kind == "velocity":
                state[row][1] = token
            elif kind == "wait":
                state[row][0] = 0
            elif kind in ("start", "end", "pad"):
                state[row] = [0, 0]
        self.state = np.array(state, dtype=np.int64)
        self.last = np.array(tokens, dtype=np.int64)

    def banned(self) -> np.ndarray:
        """(rows, vocab size): what the grammar forbids next in each row."""
        return self.grammar.banned(self.last, self.state)
