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

import torch

from .checkpoint import LoadedModel
from .grammar import Grammar
from .phrase import DEFAULT_VELOCITY, Phrase, regrid, trim
from .side_inputs import Followers, model_arguments, stream_inputs
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
    """Where each variation is, to mask tokens that would make no sense (all rows at once).

    The spelling rules of ``grammar.py``, plus what a continuation must not do: begin or end
    the sequence, or pile more than ``MAX_NOTES_PER_ONSET`` notes on one onset; within an onset
    pitches strictly rise, so no note is doubled.
    """

    def __init__(self, loaded: LoadedModel, batch: int, prompt: list[int]):
        v = self.vocab = loaded.vocab
        rules = Grammar(v)
        self.rules = rules.rules.clone()
        self.rules[:, [PAD, START, END]] = True
        self.ids, self.is_pitch = rules.ids, rules.is_pitch
        self.waits = slice(v.first_wait, v.first_length)
        floor = count = 0
        for token in prompt:
            kind = v.kind(token)
            if kind == "pitch":
                floor, count = token, count + 1
            elif kind in ("wait", "start"):
                floor, count = 0, 0
        self.last = torch.full((batch,), prompt[-1], dtype=torch.long)
        self.floor = torch.full((batch,), floor, dtype=torch.long)
        self.count = torch.full((batch,), count, dtype=torch.long)

    def feed(self, tokens: torch.Tensor) -> None:
        v = self.vocab
        pitch = (tokens >= v.first_pitch) & (tokens < v.first_velocity)
        wait = (tokens >= v.first_wait) & (tokens < v.first_length)
        zero = torch.zeros_like(tokens)
        self.floor = torch.where(pitch, tokens, torch.where(wait, zero, self.floor))
        self.count = torch.where(pitch, self.count + 1, torch.where(wait, zero, self.count))
        self.last = tokens

    def mask(self) -> torch.Tensor:
        banned = self.rules[self.last]
        banned |= self.is_pitch & (self.ids <= self.floor.unsqueeze(1))
        banned |= (self.count >= MAX_NOTES_PER_ONSET).unsqueeze(1) & self.is_pitch
        stuck = banned.all(1)
        if stuck.any():                                        # never leave a row with no way on
            banned[stuck, self.waits] = False
        return banned


def _sample(logits: torch.Tensor, temperature: float, top_p: float, generator) -> torch.Tensor:
    """One token per row from softmax(logits / temperature), keeping the smallest set of likeliest
    tokens whose probability reaches ``top_p`` (nucleus sampling). Drawn by inverting the
    cumulative distribution: one uniform number per row, no token of probability 0 ever chosen."""
    probs = torch.softmax(logits / temperature, dim=-1)
    if top_p < 1.0:
        probs, order = probs.sort(dim=-1, descending=True)
        probs = probs * (probs.cumsum(-1) - probs < top_p)              # always keeps the top one
    else:
        order = None
    cumulative = probs.cumsum(-1)
    draw = torch.rand(probs.size(0), 1, generator=generator) * cumulative[:, -1:]
    chosen = (cumulative <= draw).sum(-1, keepdim=True).clamp(max=probs.size(-1) - 1)
    return (order.gather(-1, chosen) if order is not None else chosen).squeeze(-1)


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
    side = {key: torch.from_numpy(value)[None] for key, value in stream_inputs(prompt, vocab, model.config).items()}
    logits, state = model(torch.tensor([prompt], device=device), None, **model_arguments(side, device))
    followers = Followers(vocab, model.config, prompt, k)          # keeps nothing for a plain model
    logits = logits[:, -1].expand(k, -1)
    state = tuple(s.expand(-1, k, -1).contiguous() for s in state)

    grammar = _Grammar(loaded, k, prompt)
    velocity = int(median(n.velocity for n in own.notes)) if own.notes else DEFAULT_VELOCITY
    decoders = [Decoder(vocab, now=0, velocity=velocity) for _ in range(k)]
    done = [False] * k
    budget = target * 48 + 256                                      # tokens; a safety stop
    for step in range(budget):
        if cancel and cancel():
            raise Cancelled()
        masked = logits.masked_fill(grammar.mask().to(device), float("-inf"))
        tokens = _sample(masked.float().cpu(), options.temperature, options.top_p, generator)
        grammar.feed(tokens)
        for row, token in enumerate(tokens.tolist()):
            if done[row]:
                continue
            decoders[row].feed(token)
            if decoders[row].now >= target:
                done[row] = True
        if all(done):
            break
        if progress and step % 8 == 0:
            progress(min(d.now for d in decoders) / target)
        side = followers.feed(tokens.tolist())
        logits, state = model.step(tokens.to(device), state, **model_arguments(side, device))
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
