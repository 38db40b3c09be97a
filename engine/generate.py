"""Continue a phrase: the one generation entry point (phrase and options in, phrases out).

The seed is read once to set the LSTM's state; after that the network is fed one token per step,
all variations in one batch. Sampling follows the token grammar (a pitch is always followed by
its length; pitches at one onset rise), so every variation decodes to clean notes.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from statistics import median
from typing import Callable

import numpy as np
import torch

from .checkpoint import LoadedModel
from .context import Clock, context_features
from .phrase import DEFAULT_VELOCITY, Phrase, regrid, trim
from .tokens import END, PAD, START, Decoder, decode, encode

MAX_NOTES_PER_ONSET = 12


class Cancelled(Exception):
    """Generation was stopped by the caller."""


@dataclass
class ContinueOptions:
    """How to continue: length in bars, randomness, how many takes, and the random seed."""

    bars: int = 4
    temperature: float = 1.0
    top_p: float = 0.95
    variations: int = 1
    seed: int | None = None

    def check(self) -> None:
        if not 1 <= self.bars <= 256:
            raise ValueError(f"bars must be between 1 and 256, not {self.bars}")
        if not 0.05 <= self.temperature <= 5.0:
            raise ValueError(f"temperature must be between 0.05 and 5, not {self.temperature}")
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError(f"top-p must be above 0 and at most 1, not {self.top_p}")
        if not 1 <= self.variations <= 64:
            raise ValueError(f"variations must be between 1 and 64, not {self.variations}")


class _Grammar:
    """Per-variation bookkeeping of where we are, to mask tokens that would make no sense."""

    def __init__(self, loaded: LoadedModel, batch: int):
        v = loaded.vocab
        self.vocab = v
        self.size = v.size
        self.base = torch.zeros(v.size, dtype=torch.bool)
        self.base[[PAD, START, END]] = True                # the continuation runs to its length
        self.lengths = torch.zeros(v.size, dtype=torch.bool)
        self.lengths[v.first_length:v.first_pitch] = True
        self.after_pitch = ~self.lengths                     # a pitch needs its length next
        self.pitch_slots = torch.arange(v.size) - v.first_pitch
        self.is_pitch = (self.pitch_slots >= 0) & (self.pitch_slots < v.first_velocity - v.first_pitch)
        self.last = [None] * batch
        self.low = [-1] * batch                              # highest pitch slot used at this onset
        self.count = [0] * batch

    def feed(self, row: int, token: int) -> None:
        kind = self.vocab.kind(token)
        if kind == "pitch":
            self.low[row] = token - self.vocab.first_pitch
            self.count[row] += 1
        elif kind == "wait":
            self.low[row], self.count[row] = -1, 0
        self.last[row] = token

    def mask(self) -> torch.Tensor:
        rows = []
        v = self.vocab
        for row, last in enumerate(self.last):
            banned = self.base.clone()
            kind = v.kind(last) if last is not None else "start"
            if kind == "pitch":
                banned |= self.after_pitch
            else:
                if not (kind == "length" and v.value(last) == v.max_length):
                    banned |= self.lengths
                banned |= self.is_pitch & (self.pitch_slots <= self.low[row])
                if self.count[row] >= MAX_NOTES_PER_ONSET:
                    banned |= self.is_pitch
            if kind == "wait" and v.value(last) != v.max_wait:
                banned[v.first_wait:v.first_length] = True   # waits add up largest first
            rows.append(banned)
        return torch.stack(rows)


def _sample(logits: torch.Tensor, temperature: float, top_p: float, generator) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    if top_p < 1.0:
        sorted_probs, order = probs.sort(dim=-1, descending=True)
        keep = sorted_probs.cumsum(-1) - sorted_probs < top_p          # always keeps the top one
        sorted_probs = sorted_probs * keep
        probs = torch.zeros_like(probs).scatter(-1, order, sorted_probs)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)


@torch.inference_mode()
def continue_phrase(loaded: LoadedModel, phrase: Phrase, options: ContinueOptions | None = None,
                    progress: Callable[[float], None] | None = None,
                    cancel: Callable[[], bool] | None = None) -> list[Phrase]:
    """``options.variations`` continuations of ``phrase``, each ``options.bars`` bars long.

    Each result holds only the new notes, timed from step 0 = the end of ``phrase`` (its
    ``length``), on the phrase's grid, tempo and metre. The same seed gives the same music.
    """
    options = options or ContinueOptions()
    options.check()
    seed = options.seed if options.seed is not None else int.from_bytes(os.urandom(4), "little")
    generator = torch.Generator().manual_seed(int(seed))
    spq = loaded.steps_per_quarter
    own = regrid(phrase, spq)
    target = options.bars * own.steps_per_bar
    vocab, model = loaded.vocab, loaded.model
    device = next(model.parameters()).device

    prompt = encode(own, vocab)[:-1] if own.notes else [START]      # seed + its trailing rest
    k = options.variations
    context = bool(getattr(model.config, "context", False))
    clocks = []
    if context:
        sounding, position = context_features(prompt, vocab, model.config.bar_steps)
        logits, state = model(torch.tensor([prompt], device=device), None,
                              torch.from_numpy(sounding)[None].to(device), torch.from_numpy(position)[None].to(device))
        for _ in range(k):
            clock = Clock(vocab, model.config.bar_steps)
            for token in prompt:
                clock.feed(token)
            clocks.append(clock)
    else:
        logits, state = model(torch.tensor([prompt], device=device))
    logits = logits[:, -1].expand(k, -1)
    state = tuple(s.expand(-1, k, -1).contiguous() for s in state)

    grammar = _Grammar(loaded, k)
    for row in range(k):
        for token in prompt[-40:]:
            grammar.feed(row, token)
    velocity = int(median(n.velocity for n in own.notes)) if own.notes else DEFAULT_VELOCITY
    decoders = [Decoder(vocab, now=0, velocity=velocity) for _ in range(k)]
    done = [False] * k
    budget = target * 48 + 256                                      # tokens; a safety stop
    for step in range(budget):
        if cancel and cancel():
            raise Cancelled()
        masked = logits.masked_fill(grammar.mask().to(device), float("-inf"))
        tokens = _sample(masked.float().cpu(), options.temperature, options.top_p, generator)
        for row, token in enumerate(tokens.tolist()):
            if done[row]:
                continue
            grammar.feed(row, token)
            decoders[row].feed(token)
            if decoders[row].now >= target:
                done[row] = True
        if all(done):
            break
        if progress and step % 8 == 0:
            progress(min(d.now for d in decoders) / target)
        if context:
            for clock, token in zip(clocks, tokens.tolist()):
                clock.feed(token)
            held = torch.from_numpy(np.stack([c.sounding() for c in clocks]))[:, None]
            where = torch.tensor([[c.position] for c in clocks])
            logits, state = model(tokens.view(k, 1).to(device), state, held.to(device), where.to(device))
        else:
            logits, state = model(tokens.view(k, 1).to(device), state)
        logits = logits[:, -1]
    results = []
    for decoder in decoders:
        notes = [n for n in decoder.close() if n.start < target]
        continuation = trim(own.with_notes(notes), 0, target)
        back = regrid(continuation, phrase.steps_per_quarter)
        results.append(trim(back, 0, options.bars * phrase.steps_per_bar))
    if progress:
        progress(1.0)
    return results


def random_excerpt(loaded: LoadedModel, bars: int = 4, seed: int | None = None) -> Phrase:
    """A random excerpt of the model's training music (stored with the model), ``bars`` long."""
    if not loaded.excerpts:
        raise ValueError(f"the model '{loaded.name}' carries no excerpts of its training music")
    rng = random.Random(seed)
    excerpt = rng.choice(loaded.excerpts)
    template = Phrase(steps_per_quarter=loaded.steps_per_quarter,
                      tempo_bpm=float(excerpt.get("tempo_bpm", 120.0)),
                      time_signature=tuple(excerpt.get("time_signature", (4, 4))))
    phrase = decode(excerpt["tokens"], loaded.vocab, template)
    return trim(phrase, 0, bars * phrase.steps_per_bar)
