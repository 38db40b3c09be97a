"""Fill: write the middle of a phrase so that it follows what comes before and leads into what
comes after, with the notes the user locked kept exactly where they are.

The LSTM only reads forward, but it gives the probability of any music, and Bayes' rule does the
rest: p(middle | before, after) is proportional to p(middle | before) x p(after | before, middle).
So Fill draws many candidate middles in one batch from the model after the music before
(``sampling.Writer``, locked notes forced, notes ending by the span's end), then reads the music
after the span (its next bars) after each of them, and weighs each middle by how likely the model
finds that music once the middle is there, divided by how likely the middle was to be drawn
(importance weights, which also correct for temperature, top-p and the forced notes). At the
seams no note ends exactly where a note of its pitch starts (a held note is not broken in two):
such middles are not in the running. The takes
are drawn from the candidates by those weights: the first exactly as sampling-importance-
resampling does, so with many candidates it follows p(middle | before, after); the others without
replacement, so the takes differ.
"""

from __future__ import annotations

import math
import os
from dataclasses import replace
from typing import Callable, Sequence

import numpy as np
import torch

from ..encoding.controls import FLAGS, HIGH, LOW, aim, bar_controls
from ..encoding.tokens import START, decode, encode
from ..model.checkpoint import LoadedModel
from ..music.phrase import Note, Phrase, regrid, shift
from .chord_following import stream_chords
from .continuation import as_phrase_dynamics, asked_chords, keep_locked, on_grid_of, steer_to
from .heard import music_heard
from .options import FillOptions
from .steering import onset_places, register_shares
from .task import Draft, Task
from .writer import Writer


def split_at_span(phrase: Phrase, start: int, end: int, locked: Sequence[Note] = ()) -> tuple[list, list, list]:
    """(before, locked in the span, after) notes: before = those starting before ``start`` (notes
    held into the span stay), after = those starting at ``end`` or later; the span's other notes
    are the ones Fill replaces."""
    lock_keys = {(n.pitch, n.start) for n in locked}
    before = [n for n in phrase.notes if n.start < start]
    inside = [n for n in phrase.notes if start <= n.start < end and (n.pitch, n.start) in lock_keys]
    after = [n for n in phrase.notes if n.start >= end]
    return before, inside, after


def _control_table(own: Phrase, before: list[Note], after: list[Note], start: int, end: int,
                   options: FillOptions, vocab) -> np.ndarray:
    """Each bar's controls: measured from the music around the span (as the model read it in
    training: velocities at their levels), and for the bars the span covers, aimed at the bars
    around it as the options say."""
    bar = own.steps_per_bar
    around = decode(encode(own.with_notes(before + after), vocab), vocab, own)
    measured = bar_controls(around, bar, bars=max(1, -(-max(own.length, end) // bar)) + 1)
    first, last = start // bar, -(-end // bar)
    bars_before = options.controls().bars_before
    near = np.concatenate([measured[max(0, first - bars_before):first], measured[last:last + options.bars_after]])
    near = near[near[:, FLAGS] > 0] if len(near) else near
    key = options.chosen_key(own)
    targets = aim(near, last - first, options.controls(), key.profile() if key is not None else None)
    table = np.zeros((len(measured) + 2, measured.shape[1]), dtype=np.float32)
    table[:len(measured)] = measured
    table[first:last] = targets
    return table


def fill_drafts(loaded: LoadedModel, phrase: Phrase, start: int, end: int, options: FillOptions,
                locked: Sequence[Note] = (), progress: Callable[[float], None] | None = None,
                cancel: Callable[[], bool] | None = None) -> tuple[list[Draft], np.ndarray, Phrase]:
    """The candidate middles of the span ``start``..``end`` (steps of ``phrase``'s grid) and the log
    of each one's importance weight; also the phrase on the model's grid. Drafts' notes are in the
    model's grid, timed from the phrase's start."""
    options.check()
    generator = torch.Generator().manual_seed(int(options.seed or 0))
    spq = loaded.steps_per_quarter
    own = regrid(phrase, spq)
    ratio = spq / phrase.steps_per_quarter
    start, end = round(start * ratio), round(end * ratio)
    own_locks = [n for n in regrid(phrase.with_notes(locked), spq).notes if start <= n.start < end]
    before, inside, after = split_at_span(own, start, end, own_locks)
    vocab = loaded.vocab
    bar = own.steps_per_bar
    listen = [n for n in after if n.start < end + options.bars_after * bar]
    prompt = encode(own.with_notes(before), vocab, end=False) if before else [START]
    key = options.chosen_key(own)
    table = None
    if getattr(loaded.model.config, "controls", False):
        table = _control_table(own, before, after, start, end, options, vocab)
    steer, bands, places = None, None, None
    if table is not None:
        # the steering keeps to as many bars before the span as it listens to after it
        around = [n for n in before if n.start >= start - options.bars_after * bar] + list(listen)
        steer = steer_to(table[start // bar:start // bar + 1], options, own.with_notes(around))
        bands = register_shares([n.pitch for n in around], float(steer[LOW]), float(steer[HIGH])) \
            if steer is not None else None
        places = onset_places([n.start for n in around], bar)
    task = Task(start=start, end=end, bar_steps=bar, steps_per_quarter=spq, locked=inside,
                pitch_classes=key.pitch_classes if key is not None else None, within=True,
                after=listen, bar_table=table, single_notes=options.texture == "single notes",
                ending_at_start=frozenset(n.pitch for n in before if n.end == start),
                starting_at_end=frozenset(n.pitch for n in after if n.start == end),
                steer_to=steer, steering=options.steering, steer_bands=bands,
                steer_places=places, chords=stream_chords(options.chords, bar, -(-(end - start) // bar), ratio, start),
                harmony=asked_chords(loaded, own.with_notes(before + after), options.chords, start, end,
                                     ratio))
    rows = max(options.variations, options.candidates)
    drafts = Writer(loaded, prompt, rows, task, options.temperature, options.top_p, generator).write(progress, cancel)
    weights = np.array([d.log_model - d.log_drawn - d.log_stop + d.log_after if d.finished else -math.inf
                        for d in drafts])
    return drafts, weights, own


def choose(weights: np.ndarray, takes: int, generator: torch.Generator) -> list[int]:
    """``takes`` candidates drawn by their importance weights (log), without replacement."""
    finite = np.isfinite(weights)
    if not finite.any():
        return list(range(min(takes, len(weights))))
    probs = np.where(finite, np.exp(weights - weights[finite].max()), 0.0)
    chosen: list[int] = []
    for _ in range(min(takes, len(weights))):
        if probs.sum() <= 0:
            rest = [i for i in np.argsort(-weights) if i not in chosen]
            chosen.append(int(rest[0]))
            continue
        uniform = float(torch.rand(1, generator=generator)) * probs.sum()
        pick = int(min(np.searchsorted(np.cumsum(probs), uniform, side="right"), len(probs) - 1))
        chosen.append(pick)
        probs[pick] = 0.0
    return chosen


def fill_span(loaded: LoadedModel, phrase: Phrase, start: int, end: int, options: FillOptions | None = None,
              locked: Sequence[Note] = (), progress: Callable[[float], None] | None = None,
              cancel: Callable[[], bool] | None = None) -> list[Phrase]:
    """``options.variations`` takes of the span ``start``..``end`` (steps of ``phrase``'s grid).

    Each take holds only the span's new notes (locked ones included), timed from step 0 = ``start``,
    on the phrase's grid, tempo and metre, ``end - start`` long. The same seed gives the same music.
    """
    options = options or FillOptions()
    seed = options.seed if options.seed is not None else int.from_bytes(os.urandom(4), "little")
    options = replace(options, seed=seed)
    phrase, origin = music_heard(phrase, start, end)            # the takes are timed from start: nothing moves back
    start, end = start - origin, end - origin
    locked = [replace(n, start=n.start - origin) for n in locked if n.start >= origin]
    drafts, weights, own = fill_drafts(loaded, phrase, start, end, options, locked, progress, cancel)
    ratio = own.steps_per_quarter / phrase.steps_per_quarter
    own_start = round(start * ratio)
    picks = choose(weights, options.variations, torch.Generator().manual_seed(seed + 1))
    span_locks = phrase.with_notes([n for n in locked if start <= n.start < end])
    takes = []
    for i in picks:
        notes = [replace(n, start=n.start - own_start) for n in drafts[i].notes if n.start >= own_start]
        notes = as_phrase_dynamics(notes, own, loaded.vocab, origin=own_start)
        written = shift(own.with_notes(notes, end=round(end * ratio) - own_start), own_start)
        take = keep_locked(on_grid_of(written, phrase), span_locks, own.steps_per_quarter)
        take = shift(take, -start)
        takes.append(take.with_notes(take.notes, end=end - start))
    return takes
