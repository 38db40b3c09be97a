"""Choosing takes among drafts as a musician would: the likely ones that sound right.

Continue can write more drafts than it keeps (``ContinueOptions.candidates``). Musicians who told
Segue's takes from the composer's named wrong notes sounding together, a top voice that leaps
about, a bass that leaves the beats the phrase puts it on and an accompaniment figure that
dissolves (``benchmarks/musician.py``). Each draft is heard for those six, cheaply, on the
model's grid, and set against the phrase heard the same way:

- **clashes**: the share of its onsets striking a note a minor second or minor ninth from another
  note sounding then, beyond the phrase's own share (an appoggiatura the phrase has is no fault);
- **top-voice leaps**: the mean leap of its top voice (the highest note sounding, where it is
  struck) beyond the phrase's own, in semitones;
- **bass on the phrase's bass beats**: the share of those beats (the beats on which the phrase
  strikes a bass note in at least half its bars) on which the draft strikes one;
- **figure kept**: per bar, how much of the phrase's low-voice figure (the steps its low voice
  strikes on) the draft's low voice keeps (Jaccard, the nearest of the phrase's bars).

- **figure's shape kept**: per bar, how much of the phrase's accompaniment *shape* the draft
  keeps (``figure_shape``, ``shape_kept``: the contour at the steps it strikes, so that an
  Alberti bass is low-up-down-up whatever the harmony; the evaluation and the seed tests measure
  it too);
- **notes struck again within a beat**, beyond the phrase's own share: the stutters musicians
  heard (a held note broken into repeats, a tune stuck on one note).

And the network's own word: its log-probability per token written. Each is set on a common
scale across the drafts (its spread among them), weighted, and the drafts with the best sum are
the takes. The weights were chosen on the training split of the piano collection
(``benchmarks/musician.py --tuning``; ``docs/benchmarks.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..music.phrase import Note

LIKELY = 1.0             # the weight of the network's log-probability per token
CLASHES = 1.0            # of clashes beyond the phrase's
LEAPS = 1.0              # of top-voice leaps beyond the phrase's
BASS = 1.0               # of the bass on the phrase's bass beats
FIGURE = 1.0             # of the figure kept
SHAPE = 1.0              # of the figure's shape kept
REPEATS = 1.0            # of notes struck again within a beat, beyond the phrase's share
ASKED = 3.0              # of what the user asked for beyond the phrase (the chords set, an ending held)
BASS_ABOVE_LOWEST = 4    # semitones above a bar's lowest note a bass note may lie


def _sounding(notes: Sequence[Note], t: int) -> list[Note]:
    return [n for n in notes if n.start <= t < n.start + n.duration]


def clash_share(notes: Sequence[Note]) -> float:
    """The share of onsets striking a note a minor second or minor ninth (|difference| mod 12 = 1)
    from another note sounding then."""
    onsets = sorted({n.start for n in notes})
    if not onsets:
        return 0.0
    clashing = 0
    for t in onsets:
        now = _sounding(notes, t)
        struck = [n for n in now if n.start == t]
        if any(abs(a.pitch - b.pitch) % 12 == 1 for a in struck for b in now if a is not b):
            clashing += 1
    return clashing / len(onsets)


def repeat_share(notes: Sequence[Note], beat_steps: int) -> float:
    """The share of ``notes`` that strike again a pitch struck less than a beat before (a held note
    broken into a stutter, a tune stuck on one note; a repeated-note figure has them too)."""
    last: dict[int, int] = {}
    repeats = 0
    for n in sorted(notes, key=lambda n: (n.start, n.pitch)):
        if n.pitch in last and 0 < n.start - last[n.pitch] < beat_steps:
            repeats += 1
        last[n.pitch] = n.start
    return repeats / len(notes) if notes else 0.0


def top_leap(notes: Sequence[Note]) -> float:
    """The mean leap in semitones of the top voice (the highest note sounding at each onset, where
    it is struck), over its moves to a different pitch; 0 with fewer than two."""
    line = []
    for t in sorted({n.start for n in notes}):
        top = max(_sounding(notes, t), key=lambda n: (n.pitch, n.start))
        if top.start == t:
            line.append(top.pitch)
    moves = [abs(b - a) for a, b in zip(line, line[1:]) if b != a]
    return float(np.mean(moves)) if moves else 0.0


def bass_struck(notes: Sequence[Note], t: int, bar_steps: int) -> bool:
    """A bass note struck at ``t``: at most a major third above the lowest note sounding in t's
    bar (bars counted from step 0) and not above the middle of that bar's range."""
    lo = t // bar_steps * bar_steps
    in_bar = [n for n in notes if n.start < lo + bar_steps and n.start + n.duration > lo]
    if not in_bar:
        return False
    lowest, highest = min(n.pitch for n in in_bar), max(n.pitch for n in in_bar)
    return any(n.start == t and n.pitch <= lowest + BASS_ABOVE_LOWEST and n.pitch <= (lowest + highest) / 2
               for n in notes)


def low_voice(notes: Sequence[Note], lo: int, bar_steps: int) -> list[Note]:
    """The bar from ``lo``'s low voice: its notes struck below the middle of the range of the notes
    struck in it (its lowest when none is below)."""
    struck = [n for n in notes if lo <= n.start < lo + bar_steps]
    if not struck:
        return []
    bottom, top = min(n.pitch for n in struck), max(n.pitch for n in struck)
    return [n for n in struck if n.pitch < (bottom + top) / 2] or [n for n in struck if n.pitch == bottom]


def figure(notes: Sequence[Note], lo: int, bar_steps: int) -> frozenset[int]:
    """The steps of the bar from ``lo`` on which its low voice strikes."""
    return frozenset(n.start - lo for n in low_voice(notes, lo, bar_steps))


def _top(notes: Sequence[Note], t: int) -> int:
    return max(n.pitch for n in _sounding(notes, t))


def accompaniment(notes: Sequence[Note], lo: int, bar_steps: int) -> list[Note]:
    """The bar from ``lo``'s accompaniment: its notes struck below its tune. The tune is the top
    voice's notes (each the highest sounding where it is struck) that lie above the middle of the
    range of the notes struck in the bar; where the tune rests, the figure's own top note is the
    highest sounding but lies in the lower half, so it stays in the accompaniment. All the bar's
    notes when it has no tune."""
    struck = [n for n in notes if lo <= n.start < lo + bar_steps]
    if not struck:
        return []
    middle = (min(n.pitch for n in struck) + max(n.pitch for n in struck)) / 2
    near = [n for n in notes if n.start < lo + bar_steps and n.start + n.duration > lo]   # all that sounds in it
    tune = [n.pitch for n in struck if n.pitch > middle and n.pitch == _top(near, n.start)]
    return [n for n in struck if n.pitch < min(tune)] if tune else struck


def figure_shape(notes: Sequence[Note], lo: int, bar_steps: int) -> frozenset[tuple[int, int, bool]]:
    """The shape of the bar from ``lo``'s accompaniment figure, as contour rather than pitches (so
    that it survives a change of harmony): one event per step on which the accompaniment strikes,
    (the step from ``lo``, the move of the lowest note struck there from the lowest struck at the
    step before: -1 down, 0 the same, +1 up; the first step's from the bar's lowest accompaniment
    note: 0 on it, +1 above it; whether two or more notes are struck there). An Alberti bass
    C G E G: (0, 0, False), (2, 1, False), (4, -1, False), (6, 1, False)...; a stride: the bass on
    the beat, up to a chord (True) off it, down to the bass."""
    lows: dict[int, list[int]] = {}
    for n in accompaniment(notes, lo, bar_steps):
        lows.setdefault(n.start - lo, []).append(n.pitch)
    if not lows:
        return frozenset()
    bottom = min(min(p) for p in lows.values())
    events, before = [], None
    for step in sorted(lows):
        low = min(lows[step])
        move = (low > bottom) if before is None else (low > before) - (low < before)
        events.append((step, int(move), len(lows[step]) >= 2))
        before = low
    return frozenset(events)


def shape_kept(notes: Sequence[Note], shapes: Sequence[frozenset], first: int, bars: int,
               bar_steps: int) -> list[float]:
    """Per bar of ``notes`` (``bars`` bars from the bar line ``first``): how much of the phrase's
    figure shape it keeps, the Jaccard similarity of its ``figure_shape`` to the nearest of
    ``shapes`` (the phrase's bars' shapes, empty ones left out); empty when the phrase has none."""
    shapes = [s for s in shapes if s]
    if not shapes:
        return []
    return [max(_jaccard(figure_shape(notes, first + b * bar_steps, bar_steps), s) for s in shapes)
            for b in range(bars)]


@dataclass(frozen=True)
class Hearing:
    """The phrase as the choice hears it: its bar and beat, the beats its bass keeps, its bars'
    figures, its top voice's mean leap and its clashes."""

    bar_steps: int
    beat_steps: int
    bass_beats: tuple[int, ...]
    figures: tuple[frozenset[int], ...]
    leap: float
    clashes: float
    shapes: tuple[frozenset, ...] = ()
    repeats: float = 0.0


def hear(notes: Sequence[Note], first: int, bars: int, bar_steps: int, beat_steps: int) -> Hearing:
    """The phrase's ``notes`` in the ``bars`` bars from the bar line ``first`` (the model's grid)."""
    inside = [n for n in notes if first <= n.start < first + bars * bar_steps]
    local = [Note(n.pitch, n.start - first, n.duration, n.velocity) for n in inside]
    places = range(0, bar_steps, max(1, beat_steps))
    beats = tuple(k for k, place in enumerate(places)
                  if sum(bass_struck(local, b * bar_steps + place, bar_steps) for b in range(bars)) >= max(1, bars / 2))
    figures = tuple(f for f in (figure(local, b * bar_steps, bar_steps) for b in range(bars)) if f)
    shapes = tuple(s for s in (figure_shape(local, b * bar_steps, bar_steps) for b in range(bars)) if s)
    return Hearing(bar_steps, beat_steps, beats, figures, top_leap(local), clash_share(local), shapes,
                   repeat_share(local, beat_steps))


def faults(notes: Sequence[Note], hearing: Hearing, first: int, bars: int) -> np.ndarray:
    """A draft's ``notes`` (from the bar line ``first``, ``bars`` bars) as [clashes beyond the
    phrase's, top-voice leap beyond the phrase's, bass on the phrase's bass beats, figure kept,
    figure's shape kept, notes struck again within a beat beyond the phrase's share]."""
    bar = hearing.bar_steps
    local = [Note(n.pitch, n.start - first, n.duration, n.velocity) for n in notes]
    clashes = max(0.0, clash_share(local) - hearing.clashes)
    leap = max(0.0, top_leap(local) - hearing.leap)
    slots = [b * bar + k * hearing.beat_steps for b in range(bars) for k in hearing.bass_beats]
    bass = sum(bass_struck(local, t, bar) for t in slots) / len(slots) if slots else 0.0
    kept = 0.0
    if hearing.figures:
        kept = float(np.mean([max(_jaccard(figure(local, b * bar, bar), f) for f in hearing.figures)
                              for b in range(bars)]))
    kept_shape = shape_kept(local, hearing.shapes, 0, bars, bar)
    repeats = max(0.0, repeat_share(local, hearing.beat_steps) - hearing.repeats)
    return np.array([clashes, leap, bass, kept, float(np.mean(kept_shape)) if kept_shape else 0.0, repeats])


def _jaccard(a: frozenset, b: frozenset) -> float:
    return 1.0 if not a and not b else len(a & b) / len(a | b)


def musical_order(likely: Sequence[float], heard: Sequence[np.ndarray], usable: Sequence[bool],
                  asked: Sequence[float] | None = None) -> list[int]:
    """The drafts, best first: ``likely`` (log-probability per token), ``heard`` (``faults``) and
    ``usable`` (finished, with notes) per draft, and ``asked``, how well each does what the user
    asked for beyond following the phrase (higher is better; the chords set, say), which weighs
    most. Each measure is divided by its spread across the drafts, so that none outweighs the
    others by its units alone; unusable drafts come last."""
    columns = [np.asarray(likely, dtype=np.float64)[:, None], np.asarray(heard, dtype=np.float64)]
    weights = [LIKELY, -CLASHES, -LEAPS, BASS, FIGURE, SHAPE, -REPEATS]
    if asked is not None:
        columns.append(np.asarray(asked, dtype=np.float64)[:, None])
        weights.append(ASKED)
    table = np.hstack(columns)
    spread = table.std(0)
    scaled = np.where(spread > 1e-9, (table - table.mean(0)) / np.where(spread > 1e-9, spread, 1.0), 0.0)
    score = scaled @ np.array(weights)
    score = np.where(np.asarray(usable), score, -math.inf)
    return [int(i) for i in np.argsort(-score, kind="stable")]
