"""The harmony as a control: the chord sounding at each step, what a network with ``harmony`` reads.

A take that knows the chord of each beat can keep its notes on the harmony and change with it. A
model with ``harmony`` reads, at every position, the chord sounding at the present step and the
chord after it (root, quality and bass: which pitch classes are chord tones and which is the bass),
and scores every candidate pitch by whether it is a tone, the root or the bass of the present
chord or a tone of the next, and every candidate wait by whether it lands where the chord changes,
with weights shared by all pitches and waits (``harmony_scores``, ``chord_input``).

In training the chords are measured from the music (``engine.music.harmony.estimate_chords``, or
a collection's own annotations) and hidden at random, bar by bar and whole pieces, so the network
also writes without them. At Continue and Fill they are hidden unless asked for: "C | Am | F G |
G7", one bar per ``|``, or spans of steps (``engine.writing.chord_following`` reads them); then the
music around is given its measured chords, as in training (``chords_around``).

Per position the arrays are ``harmony`` (len x 6, int16: the present chord's id and bass, the next
chord's id and bass, the bar of the present step and the bar the next chord starts in; ids 0 for
unknown, 1 for no chord, 2 and up for the chords of ``engine.music.chords.VOCABULARY``; a bass is
its pitch class + 1, 0 for none), ``harmony_timing`` (len x (max_wait + max_length), uint8: 1 for
the wait of d steps that lands where the next chord starts; lengths are not scored) and
``harmony_pitches`` (len x pitches, uint8: bit 1 a tone of the present chord, 2 its root, 4 its
bass, 8 a tone of the next chord). All zeros is "hidden".
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Sequence

import numpy as np
import torch

from ..music.chords import VOCABULARY, Chord
from ..music.harmony import estimate_chords
from ..music.phrase import Phrase
from .code_tables import CodeTable
from .tokens import END, PAD, START, Decoder, Vocabulary

Span = tuple[int, int, Chord]
UNKNOWN, NONE = 0, 1
CHORD_IDS = len(VOCABULARY) + 2
_ID = {chord: i + 2 for i, chord in enumerate(VOCABULARY)}
CURRENT, BASS, NEXT, NEXT_BASS, BAR, NEXT_BAR = range(6)
HARMONY_ARRAYS = ("harmony", "harmony_timing", "harmony_pitches")
WEIGHTS = 5                       # shared weights: tone, root, bass, tone of the next chord; a wait onto a change
FEATURES = 2 * 38                 # per chord: tones, root, bass, known, no chord


def chord_id(chord: Chord | None) -> int:
    """0 for unknown (None), 1 for no chord, else 2 + the chord's place in the vocabulary (bass aside)."""
    if chord is None:
        return UNKNOWN
    return NONE if chord.root is None else _ID[chord.without_bass()]


def bass_code(chord: Chord | None) -> int:
    """The chord's bass pitch class + 1 (its root's when it names none); 0 for none."""
    if chord is None or chord.root is None:
        return 0
    return 1 + (chord.bass if chord.bass is not None else chord.root)


def merged(spans: Sequence[Span]) -> list[Span]:
    """``spans`` in order, empty ones left out, and a chord that goes on unchanged one span."""
    out: list[Span] = []
    for start, end, chord in sorted(spans, key=lambda s: s[0]):
        if end <= start:
            continue
        if out and out[-1][2] == chord and out[-1][1] == start:
            out[-1] = (out[-1][0], end, chord)
        else:
            out.append((start, end, chord))
    return out


def measured_chords(tokens, vocab: Vocabulary, bar_steps: int, steps_per_quarter: int) -> list[Span]:
    """The chords ``estimate_chords`` hears in the music the tokens spell (a bar of ``bar_steps``
    read as that many quarters, or eighths when it is not a whole number of quarters)."""
    decoder = Decoder(vocab)
    for token in np.asarray(tokens, dtype=np.int64).tolist():
        if not decoder.finished:
            decoder.feed(token)
    notes = decoder.close()
    if not notes:
        return []
    quarters, rest = divmod(bar_steps, steps_per_quarter)
    metre = (quarters, 4) if not rest and quarters else (max(1, 2 * bar_steps // steps_per_quarter), 8)
    phrase = Phrase(tuple(notes), steps_per_quarter=steps_per_quarter, time_signature=metre, end=decoder.now)
    return estimate_chords(phrase)


class Timeline:
    """A list of chord spans, asked what sounds at a step and what comes next."""

    def __init__(self, spans: Sequence[Span] | None, bar_steps: int, vocab: Vocabulary):
        self.spans = merged(spans or ())
        self.starts = [s for s, _, _ in self.spans]
        self.bar = max(1, bar_steps)
        self.vocab = vocab
        pitches = vocab.highest_pitch - vocab.lowest_pitch + 1
        self.class_of = (np.arange(pitches) + vocab.lowest_pitch) % 12
        self._cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def at(self, now: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows of ``harmony``, ``harmony_timing`` and ``harmony_pitches`` at step ``now``."""
        found = self._cache.get(now)
        if found is not None:
            return found
        v = self.vocab
        row = np.zeros(6, dtype=np.int16)
        timing = np.zeros(v.max_wait + v.max_length, dtype=np.uint8)
        row[BAR] = now // self.bar
        i = bisect_right(self.starts, now) - 1
        current = self.spans[i] if i >= 0 and self.spans[i][1] > now else None
        following = i + 1 if i + 1 < len(self.spans) else None
        by_class = np.zeros(12, dtype=np.uint8)
        if current is not None:
            chord = current[2]
            row[CURRENT], row[BASS] = chord_id(chord), bass_code(chord)
            by_class[sorted(chord.tones)] |= 1
            if chord.root is not None:
                by_class[chord.root] |= 2
                by_class[row[BASS] - 1] |= 4
            if following is not None and self.spans[following][0] != current[1]:
                following = None                     # a gap: what comes next is not known
        if following is not None:
            start, _, chord = self.spans[following]
            row[NEXT], row[NEXT_BASS], row[NEXT_BAR] = chord_id(chord), bass_code(chord), start // self.bar
            by_class[sorted(chord.tones)] |= 8
            if start - now <= v.max_wait:
                timing[start - now - 1] = 1
        found = (row, timing, by_class[self.class_of])
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[now] = found
        return found


def harmony_arrays(tokens, vocab: Vocabulary, bar_steps: int, chords: Sequence[Span] | None) -> dict[str, np.ndarray]:
    """For each position of one token stream, after reading its token, ``harmony``,
    ``harmony_timing`` and ``harmony_pitches`` (the module's docstring) of the chords ``chords``
    (spans of the stream's steps; None: all hidden)."""
    n = len(tokens)
    out = _hidden(n, vocab)
    if not chords:
        return out
    timeline = Timeline(chords, bar_steps, vocab)
    now = 0
    harmony, timing, pitches = out["harmony"], out["harmony_timing"], out["harmony_pitches"]
    for i, token in enumerate(np.asarray(tokens, dtype=np.int64).tolist()):
        if token == START or token == END or token == PAD:
            now = 0
        elif vocab.first_wait <= token < vocab.first_length:
            now += token - vocab.first_wait + 1
        harmony[i], timing[i], pitches[i] = timeline.at(now)
    return out


def _hidden(n: int, vocab: Vocabulary) -> dict[str, np.ndarray]:
    return {"harmony": np.zeros((n, 6), dtype=np.int16),
            "harmony_timing": np.zeros((n, vocab.max_wait + vocab.max_length), dtype=np.uint8),
            "harmony_pitches": np.zeros((n, vocab.highest_pitch - vocab.lowest_pitch + 1), dtype=np.uint8)}


def follow_harmony(vocab: Vocabulary, bar_steps: int, chords: Sequence[Span] | None):
    """A follower for generation: given every row's present step (rows,), the arrays of
    ``harmony_arrays`` shaped (rows, ...)."""
    timeline = Timeline(chords, bar_steps, vocab) if chords else None
    table: list[np.ndarray] = []                  # per array, its rows at steps 0, 1, ... (one lookup a step)

    def rows(now: np.ndarray) -> dict[str, np.ndarray]:
        if timeline is None:
            return _hidden(len(now), vocab)
        steps = len(table[0]) if table else 0
        if int(now.max()) >= steps:                # further on than asked before: the table grows
            grown = range(steps, max(2 * steps, int(now.max()) + 1, 64))
            found = [timeline.at(t) for t in grown]
            added = [np.stack([f[k] for f in found]) for k in range(len(HARMONY_ARRAYS))]
            table[:] = [np.concatenate([old, new]) for old, new in zip(table, added)] if table else added
        return {key: table[k][now] for k, key in enumerate(HARMONY_ARRAYS)}
    return rows


def transpose_harmony(inputs: dict[str, np.ndarray], semitones: int) -> dict[str, np.ndarray]:
    """``harmony`` and ``harmony_pitches`` of the same music ``semitones`` higher: roots and basses
    move round, and the chord tones with them."""
    if not semitones % 12:
        return {"harmony": inputs["harmony"], "harmony_pitches": inputs["harmony_pitches"]}
    out = inputs["harmony"].copy()
    for chord, bass in ((CURRENT, BASS), (NEXT, NEXT_BASS)):
        ids = out[..., chord]
        known = ids >= 2
        quality, root = (ids - 2) // 12, (ids - 2) % 12
        out[..., chord] = np.where(known, 2 + quality * 12 + (root + semitones) % 12, ids)
        basses = out[..., bass]
        out[..., bass] = np.where(basses > 0, 1 + (basses - 1 + semitones) % 12, basses)
    codes = inputs["harmony_pitches"]                 # every slot of a class carries its class's code
    return {"harmony": out, "harmony_pitches": codes[..., (np.arange(codes.shape[-1]) - semitones) % 12]}


def hide_harmony(inputs: dict[str, np.ndarray], rng: np.random.Generator, bars: int, rate: float,
                 all_rate: float) -> dict[str, np.ndarray]:
    """Training's chord dropout for one stream of ``bars`` bars (at least its last bar + 1): each
    bar's chords hidden with probability ``rate``, all of them with ``all_rate``. The draws depend
    only on ``rng`` and ``bars``, so any run of the stream's positions is hidden alike. A next chord
    in a hidden bar is hidden, and so is the change that leads to it."""
    whole = rng.random() < all_rate
    keep = rng.random(max(1, bars)) >= rate
    if whole:
        keep[:] = False
    if keep.all():
        return inputs
    harmony, timing, pitches = (inputs[key].copy() for key in HARMONY_ARRAYS)
    last = len(keep) - 1
    here = keep[np.clip(harmony[:, BAR], 0, last)]
    ahead = here & keep[np.clip(harmony[:, NEXT_BAR], 0, last)]
    harmony[~here, CURRENT:BASS + 1] = 0
    harmony[~ahead, NEXT:NEXT_BASS + 1] = 0
    pitches[~here] &= 8                               # the present chord's tones, root and bass
    pitches[~ahead] &= 7                              # the next chord's tones
    timing[~ahead] = 0                                # and the change to it
    return {**inputs, "harmony": harmony, "harmony_timing": timing, "harmony_pitches": pitches}


# -- the network's view -------------------------------------------------------------------------------

def _tables() -> torch.Tensor:
    """(CHORD_IDS, 26) per chord id: its tones, its root, whether it is known, whether it is no chord."""
    table = torch.zeros(CHORD_IDS, 26)
    table[NONE, 25] = 1
    for chord, i in _ID.items():
        table[i, sorted(chord.tones)] = 1
        table[i, 12 + int(chord.root or 0)] = 1
        table[i, 24] = 1
    return table


_CHORDS = _tables()
_BASSES = torch.cat([torch.zeros(1, 12), torch.eye(12)])        # a bass code (0: none) as a one-hot
_LOOKUP_OFFSETS = torch.tensor([0, CHORD_IDS, CHORD_IDS + 13, 2 * CHORD_IDS + 13])
_ON: dict = {}


def chord_lookup(weight: torch.Tensor) -> torch.Tensor:
    """The chord input's weight (embedding, FEATURES) as one table (2 x (CHORD_IDS + 13), embedding)
    of what each present chord, its bass, the next chord and its bass add to the network's input:
    the features of ``chord_features`` are one-hot by chord and by bass, so the input they make is
    a sum of four rows (``chord_input``)."""
    device = weight.device
    if device not in _ON:
        with torch.inference_mode(False):
            _ON[device] = (_CHORDS.to(device), _BASSES.to(device), _LOOKUP_OFFSETS.to(device))
    chords, basses, _ = _ON[device]
    parts = []
    for first in (0, 38):
        parts += [chords @ weight[:, first:first + 26].t(), basses @ weight[:, first + 26:first + 38].t()]
    return torch.cat(parts)


def lookup_offsets() -> np.ndarray:
    """The rows of ``chord_lookup``'s table where the present chord's, its bass's, the next chord's
    and its bass's parts begin: ``harmony[..., :4]`` plus these index it (``chord_input``)."""
    return _LOOKUP_OFFSETS.numpy().copy()


def chord_input(harmony: torch.Tensor, lookup: torch.Tensor) -> torch.Tensor:
    """(..., 6) ``harmony`` and the table of ``chord_lookup`` -> (..., embedding): what the chords
    add to the network's input (hidden chords add nothing)."""
    offsets = _ON[lookup.device][2]
    return torch.nn.functional.embedding(harmony[..., :4].long() + offsets, lookup).sum(-2)


def chord_features(harmony: torch.Tensor) -> torch.Tensor:
    """(..., 6) ``harmony`` -> (..., FEATURES): for the present chord and the next, its tones, its
    root, whether it is known, whether it is no chord, its bass (the root when it names none)."""
    chords, basses = _CHORDS.to(harmony.device), _BASSES.to(harmony.device)
    ids = harmony.long()
    return torch.cat([chords[ids[..., CURRENT]], basses[ids[..., BASS]], chords[ids[..., NEXT]],
                      basses[ids[..., NEXT_BASS]]], -1)


_TABLES: dict[tuple[int, int, int], CodeTable] = {}


def harmony_scores(weights: torch.Tensor, timing: torch.Tensor, pitches: torch.Tensor, max_wait: int) -> torch.Tensor:
    """weights (..., WEIGHTS) from the LSTM state (tone, root, bass, a tone of the next chord; a wait
    onto the change) and the codes of ``harmony_arrays`` -> what harmony adds to each candidate
    wait's, length's and pitch's logit, (..., waits + lengths + pitches)."""
    codes = torch.cat([timing, pitches], -1)
    return score_table(max_wait, timing.size(-1) - max_wait, pitches.size(-1)).scores(weights, codes)


def score_table(max_wait: int, lengths: int, pitches: int) -> CodeTable:
    """The ``CodeTable`` of ``harmony_scores`` for a vocabulary's waits, lengths and pitches (made once)."""
    shape = (max_wait, lengths, pitches)
    if shape not in _TABLES:
        _TABLES[shape] = CodeTable([(max_wait, (4,)), (lengths, ()), (pitches, (0, 1, 2, 3))], WEIGHTS)
    return _TABLES[shape]


# -- the chords around those a continuation is asked to follow ---------------------------------------

def chords_around(music: Phrase, asked: Sequence[Span], start: int, end: int) -> list[Span]:
    """The chords of a whole stream when some are asked for: those ``estimate_chords`` hears in
    ``music`` outside ``start``..``end`` (the music the take follows or leads into, as in
    training), and the ``asked`` spans (timed from ``start``) inside it."""
    heard = estimate_chords(music) if music.notes else []
    outside = [(s, min(e, start), chord) for s, e, chord in heard if s < start]
    outside += [(max(s, end), e, chord) for s, e, chord in heard if e > end]
    inside = [(s + start, min(e + start, end), chord) for s, e, chord in asked if s + start < end]
    return merged(outside + inside)
