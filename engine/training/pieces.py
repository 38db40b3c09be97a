"""A training run's pieces: from music files to the token stores training reads.

The files are read into the parse cache on every core (``corpus.cache_corpus``), then gone over
twice, a piece at a time, again on every core. The first pass learns how long each piece is and
whether it has anything to learn from, so the validation pieces are held out and the training
pieces cut into excerpts exactly as when every piece was in memory (the split depends on how many
pieces there are, the excerpts on the order of the pieces). The second pass tokenizes each piece,
cuts it into excerpts, works out the side inputs the network reads and the spelling state; this
process writes them, in order, into the stores (``token_store.py``). A few pieces at most are in
memory at once, however big the collection.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future
from typing import Iterable, Iterator

import numpy as np

from ..encoding.grammar import spelling_state
from ..encoding.harmony_input import Span
from ..encoding.side_inputs import MEASURED, needs_side_inputs, stream_inputs
from ..encoding.tokens import Vocabulary, encode
from ..music.harmony import estimate_chords
from ..music.phrase import Phrase, trim
from .corpus import CachedCorpus, cache_corpus, read_piece
from .progress import Progress, Reading, Skipped, Storing
from .scratch import owned_by, sweep_scratch, worker_pool
from .token_store import PieceRecord, TokenStore, piece_record

PARALLEL_FROM = 32              # pieces; fewer are made ready in this process


def split_by_piece(names, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices of training and validation pieces; whole pieces go to one side only."""
    order = np.random.default_rng(seed).permutation(len(names))
    n_valid = max(1, int(round(len(names) * fraction))) if len(names) > 1 else 0
    return sorted(order[n_valid:].tolist()), sorted(order[:n_valid].tolist())


def excerpt_bars(total: int, bars: tuple[int, int], rng: np.random.Generator) -> list[tuple[int, int]]:
    """Where a piece of ``total`` bars is cut into excerpts of ``bars[0]``..``bars[1]`` bars:
    (first, last) bar of each, counted from 0, last excluded. ``rng`` goes on from piece to piece."""
    lo, hi = bars
    cuts, first = [], 0
    while first < total:
        last = min(total, first + int(rng.integers(lo, hi + 1)))
        if total - last < lo:                        # no scrap too short to be an excerpt at the end
            last = total
        cuts.append((first, last))
        first = last
    return cuts


def excerpts_of(name: str, phrase: Phrase, cuts: list[tuple[int, int]]) -> Iterator[tuple[str, Phrase]]:
    """The piece cut at bar lines as ``cuts`` say, each excerpt its own stream from ``start``: the
    situation of Continue, where the network reads a few bars taken from the middle of something
    and goes on. Notes held into an excerpt begin at its start; excerpts of under 4 notes are left out."""
    for called, excerpt, _ in placed_excerpts(name, phrase, cuts):
        yield called, excerpt


def placed_excerpts(name: str, phrase: Phrase, cuts: list[tuple[int, int]] | None) -> Iterator[tuple[str, Phrase, int]]:
    """``excerpts_of``, each with the bar of the piece it starts at (counted from 0); the whole
    piece, from bar 0, when ``cuts`` is None."""
    if cuts is None:
        yield name, phrase, 0
        return
    bar = phrase.steps_per_bar
    for first, last in cuts:
        excerpt = trim(phrase, first * bar, min(last * bar, phrase.length))
        if len(excerpt.notes) >= 4:
            yield f"{name} bars {first + 1}-{last}", excerpt, first


def chords_of_excerpt(chords: list[Span], start: int, end: int) -> list[Span]:
    """The chord spans of a piece that fall between steps ``start`` and ``end``, timed from ``start``."""
    return [(max(s, start) - start, min(e, end) - start, chord) for s, e, chord in chords if s < end and e > start]


def training_and_validation(config, vocab: Vocabulary, report: Progress, for_training: bool = False,
                            workers: int | None = None) -> tuple[TokenStore, TokenStore]:
    """The run's training and validation pieces (``config`` is a ``TrainConfig``), each in a token
    store of its own (temporary folders; ``close`` them when done): ``config.valid`` when given,
    else whole pieces of ``config.data`` held out at random (the same ones for the same seed); the
    training pieces cut into excerpts when ``config.excerpt_bars`` asks. ``for_training`` also
    stores, for the training pieces, the side inputs the network reads and the spelling state.
    ``workers``: processes to make the pieces ready in (default: every core, for 32 pieces or more)."""
    data = _cached(config.data, config, report)
    held = _cached(config.valid, config, report) if config.valid else None
    sources = list(data.sources())
    held_sources = list(held.sources()) if held else []
    total = 2 * len(sources) + len(held_sources)
    if workers is None:
        workers = (os.cpu_count() or 1) if len(sources) + len(held_sources) >= PARALLEL_FROM else 1
    sweep_scratch()                                      # what runs killed before this one left
    training = owned_by(lambda folder: TokenStore(folder, vocab), "segue-training-")
    validation = owned_by(lambda folder: TokenStore(folder, vocab), "segue-validation-")
    pool = _Workers(workers)
    try:
        survey = []
        for done, found in enumerate(pool.in_order(_survey, ((s, data.cache, data.steps_per_quarter, vocab)
                                                            for s in sources)), start=1):
            survey.append(found)
            _storing(report, done, total, len(sources) + len(held_sources))
        jobs = _jobs(survey, sources, held_sources, data, held, config, vocab, for_training)
        for done, (to_valid, records) in enumerate(pool.in_order(_prepare, jobs), start=len(sources) + 1):
            for record in records:
                (validation if to_valid else training).add_record(record)
            _storing(report, done, total, len(sources) + len(held_sources))
        return training.finish(), validation.finish()
    except BaseException:
        training.close()
        validation.close()
        raise
    finally:
        pool.close()


def _cached(paths: list[str], config, report: Progress) -> CachedCorpus:
    corpus = cache_corpus(paths, steps_per_quarter=config.steps_per_quarter,
                          progress=lambda done, total: report(Reading(done, total)))
    for path, message in corpus.skipped:
        report(Skipped(str(path), message))
    return corpus


def _storing(report: Progress, done: int, total: int, pieces: int) -> None:
    if done % 64 == 0 or done == total:
        report(Storing(done, total, pieces))


def _jobs(survey, sources, held_sources, data, held, config, vocab, for_training) -> Iterator[tuple]:
    """What the second pass does with each piece, in order: (piece, where to read it, excerpt
    cuts or None, the network's settings or None, spelling state or not, validation or not)."""
    kept = [i for i, (learnable, *_) in enumerate(survey) if learnable]
    to_valid = set()
    if held is None:
        to_valid = {kept[k] for k in split_by_piece(kept, config.valid_fraction, config.seed)[1]}
    first = next((i for i in kept if i not in to_valid), None)
    network = None
    if for_training and first is not None:        # the bar in steps of the first training piece's grid
        network = config.model_config(vocab, 4 * survey[first][3])
        network = network if needs_side_inputs(network) else None
    spelling = for_training and config.grammar
    excerpts = tuple(config.excerpt_bars) != (0, 0)
    rng = np.random.default_rng([config.seed, 7])
    reading = (data.cache, data.steps_per_quarter, vocab)
    for i in kept:
        if i in to_valid:
            yield sources[i], *reading, None, None, False, True
        else:
            _, length, bar, _ = survey[i]
            cuts = excerpt_bars(-(-length // bar), tuple(config.excerpt_bars), rng) if excerpts else None
            yield sources[i], *reading, cuts, network, spelling, False
    for source in held_sources:
        yield source, held.cache, held.steps_per_quarter, vocab, None, None, False, True


def _survey(job) -> tuple[bool, int, int, int]:
    """Whether a piece has anything to learn from (more than 3 tokens), its length in steps, its
    bar in steps and its grid."""
    source, cache, steps_per_quarter, vocab = job
    piece = read_piece(source, cache, steps_per_quarter)
    if piece is None:
        return False, 0, 1, steps_per_quarter
    phrase = piece.phrase
    return learnable(phrase, vocab), phrase.length, phrase.steps_per_bar, phrase.steps_per_quarter


def learnable(phrase: Phrase, vocab: Vocabulary) -> bool:
    """Whether the phrase's tokens are more than 3 (start, end and something between), without
    writing them: a note the vocabulary holds is a pitch and a length; without one, only waits
    (one for every ``max_wait`` steps) stand between start and end."""
    return (any(vocab.lowest_pitch <= n.pitch <= vocab.highest_pitch for n in phrase.notes)
            or phrase.end > vocab.max_wait)


def _prepare(job) -> tuple[bool, list[PieceRecord]]:
    """One piece (or its excerpts) made ready for a store."""
    source, cache, steps_per_quarter, vocab, cuts, network, spelling, to_valid = job
    piece = read_piece(source, cache, steps_per_quarter)
    if piece is None:
        return to_valid, []
    whole = piece.phrase
    # the chords heard in the whole piece, so an excerpt's first bars are heard in their context
    chords = estimate_chords(whole) if network is not None and getattr(network, "harmony", False) else None
    records = []
    for name, phrase, first in placed_excerpts(piece.name, whole, cuts):
        tokens = encode(phrase, vocab)
        if len(tokens) <= 3:
            continue
        start = first * whole.steps_per_bar
        heard = chords_of_excerpt(chords, start, start + phrase.length) if chords is not None else MEASURED
        inputs = (stream_inputs(tokens, vocab, network, phrase.steps_per_bar, phrase.steps_per_quarter,
                                chords=heard, first_bar=first) if network else None)
        state = spelling_state(tokens, vocab) if spelling else None
        records.append(piece_record(name, phrase, tokens, vocab, inputs, state))
    return to_valid, records


class _Workers:
    """A function run over jobs in ``count`` processes (or in this one), the results in order,
    with only a few jobs handed out ahead, so that results never pile up in memory."""

    def __init__(self, count: int):
        self.count = count
        self.pool = worker_pool(count) if count > 1 else None        # workers that end with this process

    def in_order(self, function, jobs: Iterable) -> Iterator:
        if self.pool is None:
            yield from map(function, jobs)
            return
        pending: deque[Future] = deque()
        for job in jobs:
            pending.append(self.pool.submit(function, job))
            if len(pending) >= 4 * self.count:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
