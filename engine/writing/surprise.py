"""How unexpected the model finds each note of a phrase, in bits.

The model reads the phrase on its own grid, as it is scored in evaluation (``engine.training.evaluate``):
the phrase's tokens (``tokens.encode``) in one forward pass, with its side inputs worked out for the
whole stream (held notes, bar positions in the phrase's metre, each bar's controls measured from the
music itself), and the softmax taken over the tokens the spelling rules allow. A note's surprise is
what the model pays to write it where it stands: -log2 p of its pitch token plus that of its length
token (or tokens, for a note longer than the largest). The wait before an onset and a velocity token
belong to the onset and the loudness, not to one note, and are left out.

The user's notes live on a finer grid than the model's. Several of them can be one note in the
model's view (one pitch struck twice within one of its steps: ``phrase.regrid`` keeps one); each of
them gets the surprise of the note it became. A note the model cannot read (a pitch outside its
vocabulary) gets none.

A long piece takes the network a while to read (a 5,000-note piece is some 14,000 tokens), so
``SurpriseReader`` remembers the last stream it read and, after an edit, reads again only from the
first token (or side input) that changed; it can score the passage in view first, as a passage of
its own read from the ``WARM_UP`` notes before it (a close estimate, reported at once), and it reports
the notes scored as the exact reading goes on.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np
import torch

from ..encoding.grammar import Grammar, spelling_state
from ..encoding.side_inputs import model_arguments, needs_side_inputs, stream_inputs
from ..encoding.tokens import encode
from ..model.checkpoint import LoadedModel
from ..music.phrase import Phrase, regrid, scaled_step, shift
from .writer import Cancelled

CHUNK = 512                      # tokens read at once; the reader's state is kept at each chunk's start
REPORT_EVERY = 4                 # chunks between two reports of the notes scored so far
# notes read before a passage scored on its own (the passage in view, first): on two piano-midi.de
# pieces of 5,000 notes (Chopin's Ballade op. 23, Mozart K. 332/1) and the bundled model no figure moves
# by more than 0.09 bits against reading from the start (0.38 with 100 notes, 0.001 with 400)
WARM_UP = 200
# reading a note through the network takes about six times as long as working out its inputs
NETWORK_COST = 6

Report = Callable[[list], None]


@dataclass
class _Stream:
    """A phrase as the network reads it: tokens, side inputs, spelling state, and where each of
    the phrase's notes lies in the tokens."""

    tokens: np.ndarray
    side: dict[str, np.ndarray]
    floors: np.ndarray
    first: np.ndarray            # per note of the phrase: its pitch token (-1: the model cannot read it)
    last: np.ndarray             # ... and its last length token


def _read(loaded: LoadedModel, phrase: Phrase) -> _Stream:
    """``phrase`` as ``loaded`` reads it (see ``_Stream``)."""
    vocab, spq = loaded.vocab, loaded.steps_per_quarter
    own = regrid(phrase, spq)
    tokens = encode(own, vocab)
    config = getattr(loaded.model, "config", None)
    array = np.asarray(tokens, dtype=np.int64)
    side = stream_inputs(array, vocab, config, own.steps_per_bar, spq) if needs_side_inputs(config) else {}
    # where each note of the model's view lies: its pitch token and the length tokens right after it
    where: dict[tuple[int, int], tuple[int, int]] = {}
    readable = iter(n for n in own.notes if vocab.lowest_pitch <= n.pitch <= vocab.highest_pitch)
    kinds = vocab.kinds
    key = None
    for position, token in enumerate(tokens):
        kind = kinds[token]
        if kind == "pitch":
            note = next(readable)
            key = (note.pitch, note.start)
            where[key] = (position, position)
        elif kind == "length" and key is not None:
            where[key] = (where[key][0], position)
        else:
            key = None
    ratio = Fraction(spq, phrase.steps_per_quarter)
    starts = [scaled_step(n.start, ratio) for n in phrase.notes]      # as regrid places them
    spans = [where.get((n.pitch, start), (-1, -1)) for n, start in zip(phrase.notes, starts)]
    return _Stream(array, side, spelling_state(tokens, vocab),
                   np.array([a for a, _ in spans], dtype=np.int64), np.array([b for _, b in spans], dtype=np.int64))


def _first_difference(old: _Stream, new: _Stream) -> int:
    """The first position where the two streams' inputs differ (a token, a side input or the
    spelling state); the shorter one's length if one begins the other."""
    n = min(len(old.tokens), len(new.tokens))
    if old.side.keys() != new.side.keys():
        return 0
    differs = old.tokens[:n] != new.tokens[:n]
    differs |= (old.floors[:n] != new.floors[:n]).any(axis=1)
    for key, values in new.side.items():
        here = old.side[key][:n] != values[:n]
        differs |= here.reshape(n, -1).any(axis=1) if here.ndim > 1 else here
    found = np.flatnonzero(differs)
    return int(found[0]) if len(found) else n


class SurpriseReader:
    """Scores phrases with the model ``loaded``, one at a time (it is not to be shared by threads),
    remembering the last stream read so that the next reading starts where they first differ."""

    def __init__(self, loaded: LoadedModel):
        self.loaded = loaded
        self.rules = Grammar(loaded.vocab)
        self._stream: _Stream | None = None
        self._notes: tuple = ()                    # the notes of the last phrase read
        self._bits = np.zeros(0)
        self._states: dict[int, object] = {}        # chunk start -> the network's state before it

    def read(self, phrase: Phrase, first: tuple[int, int] | None = None, cancel: Callable[[], bool] | None = None,
             report: Report | None = None) -> list[float | None]:
        """The surprise of each note of ``phrase`` in bits, in ``phrase.notes`` order (None for a
        note the model cannot read), exactly as ``note_surprise`` gives it.

        ``report``: given the figures known so far (the others None) now and then as the reading
        goes on. ``first``: a span of steps (the phrase's grid) whose notes are reported first, when
        the exact reading would reach them later: read from a warm-up of the ``WARM_UP`` notes
        before them, close to the exact figures that replace them as the reading gets there.
        ``cancel``: asked between chunks; raises ``writer.Cancelled`` when it says so (what was
        read is remembered for the next reading)."""
        if not phrase.notes:
            return []
        estimated: list[float | None] = [None] * len(phrase.notes)
        if first is not None and report is not None:
            estimated = self._estimate(phrase, first)
            if any(value is not None for value in estimated):
                report(estimated)
        self._notes = phrase.notes
        stream = _read(self.loaded, phrase)
        length = len(stream.tokens)
        bits = np.full(length, np.nan)
        restart = 0
        if self._stream is not None:
            changed = _first_difference(self._stream, stream)
            # bits[j] reads the inputs before j and the token at j: still right while j < changed
            restart = max((c for c in self._states if c < changed), default=0)
            bits[:restart + 1] = self._bits[:restart + 1]
            self._states = {c: s for c, s in self._states.items() if c <= restart}
        bits[0] = 0.0
        self._stream, self._bits = stream, bits
        seen = _last_token_in(stream, phrase, first) if first is not None else -1
        for k, start in enumerate(range(restart, length - 1, CHUNK)):
            if cancel is not None and cancel():
                raise Cancelled()
            stop = min(start + CHUNK, length - 1)
            self._states[stop] = self._score(stream, start, stop, self._states.get(start), bits)
            in_view = start < seen <= stop                # the notes in view are read: show them
            if report is not None and stop < length - 1 and (in_view or (k + 1) % REPORT_EVERY == 0):
                report(_known(_note_bits(stream, bits), estimated))
        self._states.pop(length - 1, None)
        return _note_bits(stream, bits)

    @property
    def token_bits(self) -> np.ndarray:
        """-log2 p of each token of the last phrase read, given the ones before it (the first
        token, ``start``, costs nothing; NaN where a cancelled reading did not get)."""
        return self._bits.copy()

    def _estimate(self, phrase: Phrase, span: tuple[int, int]) -> list[float | None]:
        """Figures for the notes starting in ``span`` (steps), read as a passage of their own from
        the ``WARM_UP`` notes before them (from the bar line before those; from the start, they are
        exact), where that is quicker than the exact reading of the phrase up to them (from the
        first note that differs from the last phrase read). None for every other note."""
        out: list[float | None] = [None] * len(phrase.notes)
        starts = [n.start for n in phrase.notes]
        begin, end = bisect.bisect_left(starts, span[0]), bisect.bisect_left(starts, span[1])
        if begin == end:
            return out
        bar = phrase.steps_per_bar
        origin = starts[max(0, begin - WARM_UP)] // bar * bar
        last = (-(-span[1] // bar) + 1) * bar             # the bar after the span too: a bar's controls read it
        low, high = bisect.bisect_left(starts, origin), bisect.bisect_left(starts, last)
        same = next((i for i, (a, b) in enumerate(zip(self._notes, phrase.notes)) if a != b),
                    min(len(self._notes), len(phrase.notes)))
        # in notes' worth of work: the exact reading works out every note's inputs and reads the
        # notes from the first change to the span's end through the network; the passage, its own
        if (high - low) * (1 + NETWORK_COST) >= len(phrase.notes) + NETWORK_COST * max(0, end - same):
            return out
        passage = shift(phrase.with_notes(phrase.notes[low:high]), -origin)
        part = _read(self.loaded, passage)
        bits = np.full(len(part.tokens), np.nan)
        bits[0] = 0.0
        self._score(part, 0, len(part.tokens) - 1, None, bits)
        out[begin:end] = _note_bits(part, bits)[begin - low:end - low]
        return out

    @torch.inference_mode()
    def _score(self, stream: _Stream, start: int, stop: int, state, bits: np.ndarray):
        """Read the inputs at ``start``..``stop``-1 from ``state`` (None: a fresh network), writing
        the bits of the tokens at ``start``+1..``stop`` into ``bits``; returns the state after."""
        span = slice(start, stop)
        x = torch.from_numpy(stream.tokens[span]).unsqueeze(0)
        y = torch.from_numpy(stream.tokens[start + 1:stop + 1]).unsqueeze(0)
        side = {key: torch.from_numpy(values[span]).unsqueeze(0) for key, values in stream.side.items()}
        logits, state = self.loaded.model(x, state, **model_arguments(side, "cpu"))
        floors = torch.from_numpy(stream.floors[span]).unsqueeze(0)
        picked = self.rules.log_probs(logits, x, floors).gather(-1, y.unsqueeze(-1)).squeeze(-1)[0]
        bits[start + 1:stop + 1] = (-picked.double() / math.log(2)).numpy()
        return state


def _last_token_in(stream: _Stream, phrase: Phrase, span: tuple[int, int]) -> int:
    """The last token of the notes starting in ``span`` (steps of ``phrase``); -1 if none."""
    starts = [n.start for n in phrase.notes]
    begin, end = bisect.bisect_left(starts, span[0]), bisect.bisect_left(starts, span[1])
    return int(stream.last[begin:end].max()) if end > begin else -1


def _known(exact: list[float | None], estimated: list[float | None]) -> list[float | None]:
    """The exact figures, and the estimates where there are none yet."""
    return [value if value is not None else guess for value, guess in zip(exact, estimated)]


def _note_bits(stream: _Stream, bits: np.ndarray) -> list[float | None]:
    """Each note's bits (its pitch token and length tokens), None where unknown or unreadable."""
    totals = np.concatenate(([0.0], np.cumsum(np.nan_to_num(bits, nan=0.0))))
    known = np.concatenate(([0], np.cumsum(np.isnan(bits))))
    out: list[float | None] = []
    for a, b in zip(stream.first.tolist(), stream.last.tolist()):
        if a < 0 or known[b + 1] - known[a]:
            out.append(None)
        else:
            out.append(float(totals[b + 1] - totals[a]))
    return out


def note_surprise(loaded: LoadedModel, phrase: Phrase,
                  cancel: Callable[[], bool] | None = None) -> list[float | None]:
    """The surprise of each note of ``phrase``, in bits, in ``phrase.notes`` order: how unexpected
    the model ``loaded`` finds its pitch and length given everything before it (see the module's
    docstring). None for a note the model cannot read. The same phrase always gives the same
    figures. ``cancel``: asked between chunks; raises ``writer.Cancelled`` when it says so."""
    return SurpriseReader(loaded).read(phrase, cancel=cancel)
