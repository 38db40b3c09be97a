"""The harmony as a control: the chord sounding at each step, what a network with ``harmony`` reads.

A take that knows the chord of each beat can keep its notes on the harmony and change with it. A
model with ``harmony`` reads, at every position, the chord sounding at the present step and the
chord after it (root, quality and bass: which pitch classes are chord tones and which is the bass),
and scores every candidate pitch by whether it is a tone, the root or the bass of the present
chord or a tone of the next, and every candidate wait by whether it lands where the chord changes,
with weights shared by all pitches and waits (``harmony_pitch_codes``, ``chord_features``).

In training the chords are measured from the music (``engine.music.harmony.estimate_chords``, or
a collection's own annotations) and hidden at random, bar by bar and whole pieces, so the network
also writes without them. At Continue and Fill they are hidden unless asked for: "C | Am | F G |
G7", one bar per ``|`` (``parse_chord_bars``), or spans of steps (``asked_spans``); then the music
before is given its measured chords, as in training.

Per position the arrays are ``harmony`` (len x 6, int16: the present chord's id and bass, the next
chord's id and bass, the bar of the present step and the bar the next chord starts in; ids 0 for
unknown, 1 for no chord, 2 and up for the chords of ``engine.music.chords.VOCABULARY``; a bass is
its pitch class + 1, 0 for none) and ``chord_changes`` (len x max_wait, bool: the wait of d steps
lands where the next chord starts). All zeros is "hidden".
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Sequence

import numpy as np
import torch

from ..music.chords import VOCABULARY, Chord
from ..music.harmony import estimate_chords
from ..music.phrase import Phrase
from .tokens import END, PAD, START, Decoder, Vocabulary

Span = tuple[int, int, Chord]
UNKNOWN, NONE = 0, 1
CHORD_IDS = len(VOCABULARY) + 2
_ID = {chord: i + 2 for i, chord in enumerate(VOCABULARY)}
CURRENT, BASS, NEXT, NEXT_BASS, BAR, NEXT_BAR = range(6)
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

    def __init__(self, spans: Sequence[Span] | None, bar_steps: int):
        self.spans = merged(spans or ())
        self.starts = [s for s, _, _ in self.spans]
        self.bar = max(1, bar_steps)
        self._cache: dict[int, tuple[np.ndarray, int]] = {}

    def at(self, now: int, max_wait: int) -> tuple[np.ndarray, int]:
        """(the row of ``harmony`` at step ``now``, the wait to the next chord's start, 0 if none known)."""
        found = self._cache.get(now)
        if found is not None:
            return found
        row = np.zeros(6, dtype=np.int16)
        row[BAR] = now // self.bar
        i = bisect_right(self.starts, now) - 1
        current = self.spans[i] if i >= 0 and self.spans[i][1] > now else None
        following = i + 1 if i + 1 < len(self.spans) else None
        if current is not None:
            row[CURRENT], row[BASS] = chord_id(current[2]), bass_code(current[2])
            if following is not None and self.spans[following][0] != current[1]:
                following = None                     # a gap: what comes next is not known
        change = 0
        if following is not None:
            start, _, chord = self.spans[following]
            row[NEXT], row[NEXT_BASS], row[NEXT_BAR] = chord_id(chord), bass_code(chord), start // self.bar
            change = start - now if start - now <= max_wait else 0
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[now] = (row, change)
        return row, change


def harmony_arrays(tokens, vocab: Vocabulary, bar_steps: int, chords: Sequence[Span] | None) -> dict[str, np.ndarray]:
    """For each position of one token stream, after reading its token, ``harmony`` and
    ``chord_changes`` (the module's docstring) of the chords ``chords`` (spans of the stream's
    steps; None: all hidden)."""
    n = len(tokens)
    harmony = np.zeros((n, 6), dtype=np.int16)
    changes = np.zeros((n, vocab.max_wait), dtype=np.bool_)
    if not chords:
        return {"harmony": harmony, "chord_changes": changes}
    timeline = Timeline(chords, bar_steps)
    now = 0
    for i, token in enumerate(np.asarray(tokens, dtype=np.int64).tolist()):
        if token == START or token == END or token == PAD:
            now = 0
        elif vocab.first_wait <= token < vocab.first_length:
            now += token - vocab.first_wait + 1
        harmony[i], change = timeline.at(now, vocab.max_wait)
        if change:
            changes[i, change - 1] = True
    return {"harmony": harmony, "chord_changes": changes}


def follow_harmony(vocab: Vocabulary, bar_steps: int, chords: Sequence[Span] | None):
    """A follower for generation: given every row's present step (rows,), the arrays of ``harmony_arrays``
    shaped (rows, ...)."""
    timeline = Timeline(chords, bar_steps) if chords else None

    def rows(now: np.ndarray) -> dict[str, np.ndarray]:
        harmony = np.zeros((len(now), 6), dtype=np.int16)
        changes = np.zeros((len(now), vocab.max_wait), dtype=np.bool_)
        if timeline is not None:
            for row, t in enumerate(now.tolist()):
                harmony[row], change = timeline.at(t, vocab.max_wait)
                if change:
                    changes[row, change - 1] = True
        return {"harmony": harmony, "chord_changes": changes}
    return rows


def transpose_harmony(harmony: np.ndarray, semitones: int) -> np.ndarray:
    """``harmony`` of the same music ``semitones`` higher: roots and basses move round."""
    if not semitones % 12:
        return harmony
    out = harmony.copy()
    for chord, bass in ((CURRENT, BASS), (NEXT, NEXT_BASS)):
        ids = out[..., chord]
        known = ids >= 2
        quality, root = (ids - 2) // 12, (ids - 2) % 12
        out[..., chord] = np.where(known, 2 + quality * 12 + (root + semitones) % 12, ids)
        basses = out[..., bass]
        out[..., bass] = np.where(basses > 0, 1 + (basses - 1 + semitones) % 12, basses)
    return out


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
    harmony, changes = inputs["harmony"].copy(), inputs["chord_changes"].copy()
    last = len(keep) - 1
    here = keep[np.clip(harmony[:, BAR], 0, last)]
    ahead = here & keep[np.clip(harmony[:, NEXT_BAR], 0, last)]
    harmony[~here, CURRENT:BASS + 1] = 0
    harmony[~ahead, NEXT:NEXT_BASS + 1] = 0
    changes[~ahead] = False
    return {**inputs, "harmony": harmony, "chord_changes": changes}


# -- the network's view -------------------------------------------------------------------------------

def _tables() -> tuple[torch.Tensor, torch.Tensor]:
    """(CHORD_IDS, 12) chord tones and (CHORD_IDS, 14) root one-hot, known, no chord, per id."""
    tones = torch.zeros(CHORD_IDS, 12)
    other = torch.zeros(CHORD_IDS, 14)
    other[NONE, 13] = 1
    for chord, i in _ID.items():
        tones[i, sorted(chord.tones)] = 1
        other[i, chord.root] = 1
        other[i, 12] = 1
    return tones, other


_TONES, _OTHER = _tables()
_ON: dict = {}


def _on(device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    key = str(device)
    if key not in _ON:
        with torch.inference_mode(False):
            eye = torch.cat([torch.zeros(1, 12), torch.eye(12)]).to(device)     # bass code -> one-hot
            _ON[key] = (_TONES.to(device), _OTHER.to(device), eye)
    return _ON[key]


def chord_features(harmony: torch.Tensor) -> torch.Tensor:
    """(..., 6) ``harmony`` -> (..., FEATURES) network inputs: for the present chord and the next,
    its tones, its root, its bass (the root when it names none), whether it is known, whether it is no chord."""
    tones, other, eye = _on(harmony.device)
    ids, out = harmony.long(), []
    for chord, bass in ((CURRENT, BASS), (NEXT, NEXT_BASS)):
        out += [tones[ids[..., chord]], other[ids[..., chord]], eye[ids[..., bass]]]
    return torch.cat(out, -1)


def harmony_pitch_codes(harmony: torch.Tensor, pitches: int, lowest_pitch: int = 0) -> torch.Tensor:
    """(..., 6) ``harmony`` -> (..., pitches) codes of 4 bits: the pitch is a tone of the present
    chord (1), its root (2), its bass (4), a tone of the next chord (8)."""
    tones, other, eye = _on(harmony.device)
    ids = harmony.long()
    current = ids[..., CURRENT]
    by_class = (tones[current] + 2 * other[current][..., :12] + 4 * eye[ids[..., BASS]]
                + 8 * tones[ids[..., NEXT]]).long()                                  # (..., 12)
    classes = (torch.arange(pitches, device=harmony.device) + lowest_pitch) % 12
    return by_class[..., classes]


# -- the chords a continuation is asked to follow -----------------------------------------------------

def parse_chord_bars(text: str) -> list[list[Chord]]:
    """'C | Am | F G | G7' -> [[C], [Am], [F, G], [G7]]: one bar per ``|``, a bar's chords apart by
    spaces, ``%`` for the bar before again, ``N`` for no chord. Raises ValueError naming the bar."""
    if not isinstance(text, str) or not text.strip().strip("|").strip():
        raise ValueError("no chords given: write them one bar per '|', like 'C | Am | F G | G7'")
    bars: list[list[Chord]] = []
    for number, part in enumerate(text.strip().strip("|").split("|"), start=1):
        names = part.split()
        if not names:
            raise ValueError(f"bar {number} of the chords '{text.strip()}' is empty: write a chord in it, "
                             f"N for no chord, or % for the bar before again")
        if names == ["%"]:
            if not bars:
                raise ValueError("the chords begin with %, which repeats the bar before: write the first bar's chords")
            bars.append(list(bars[-1]))
            continue
        try:
            bars.append([Chord.parse(name) for name in names])
        except ValueError as err:
            raise ValueError(f"bar {number} of the chords: {err}") from None
    return bars


def asked_spans(chords, bar_steps: int, bars: int, steps_per_step: float = 1.0) -> list[Span]:
    """The chords asked of ``bars`` bars of ``bar_steps`` steps (from step 0), as spans of those
    steps. ``chords`` is text (``parse_chord_bars``; a bar's chords divide it evenly, on the grid) or
    spans (start step, end step, chord or chord name) on a grid ``steps_per_step`` times coarser
    or finer than this one (the phrase's grid against the model's). Raises ValueError for chords
    that do not fit the bars or spans that are not spans."""
    total = bars * bar_steps
    if isinstance(chords, str):
        by_bar = parse_chord_bars(chords)
        if len(by_bar) > bars:
            raise ValueError(f"{len(by_bar)} bars of chords were given for {bars} bar{'s' if bars != 1 else ''} "
                             f"of music: give at most {bars}")
        spans = []
        for b, names in enumerate(by_bar):
            edges = [b * bar_steps + round(k * bar_steps / len(names)) for k in range(len(names) + 1)]
            if len(set(edges)) < len(edges):
                raise ValueError(f"bar {b + 1} of the chords has {len(names)} chords: more than the bar has steps")
            spans += [(edges[k], edges[k + 1], chord) for k, chord in enumerate(names)]
        return merged(spans)
    spans = []
    for item in chords:
        try:
            start, end, chord = item
        except (TypeError, ValueError):
            raise ValueError(f"a chord span is (start step, end step, chord), not {item!r}") from None
        chord = Chord.parse(chord) if isinstance(chord, str) else chord
        if not isinstance(chord, Chord) or not all(isinstance(x, (int, np.integer)) for x in (start, end)):
            raise ValueError(f"a chord span is (start step, end step, chord) in whole steps, not {item!r}")
        if not 0 <= start < end:
            raise ValueError(f"the chord span {start}-{end} ({chord}) must start at step 0 or later and end after "
                             f"it starts")
        spans.append((round(start * steps_per_step), round(end * steps_per_step), chord))
    spans.sort(key=lambda s: s[0])
    for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
        if start < end:
            raise ValueError(f"the chords {first} and {second} overlap (a span ends at step {end}, the next starts at "
                             f"{start})")
    if spans and spans[-1][1] > total:
        raise ValueError(f"the chord {spans[-1][2]} ends at step {spans[-1][1]}, after the {bars} bars asked "
                         f"({total} steps)")
    return merged(spans)


def chords_around(music: Phrase, asked: Sequence[Span], start: int, end: int) -> list[Span]:
    """The chords of a whole stream when some are asked for: those ``estimate_chords`` hears in
    ``music`` outside ``start``..``end`` (the music the take follows or leads into, as in
    training), and the ``asked`` spans (timed from ``start``) inside it."""
    heard = estimate_chords(music) if music.notes else []
    outside = [(s, min(e, start), chord) for s, e, chord in heard if s < start]
    outside += [(max(s, end), e, chord) for s, e, chord in heard if e > end]
    inside = [(s + start, min(e + start, end), chord) for s, e, chord in asked if s + start < end]
    return merged(outside + inside)
