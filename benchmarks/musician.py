"""A musician's evaluation: Segue's takes and the composer's own next bars, side by side.

    python benchmarks/musician.py [--model default] [--takes 4] [--limit N] [--phrase-bar 9]
        [--held-out PATH ...]       # e.g. --model pop --held-out runs/pop909-midi/valid.txt
        [--option NAME=VALUE ...] [--chords composer|phrase] [--json [PATH]]
    python benchmarks/musician.py --table [LABEL=]RUN.json ...     # a markdown table of saved runs
    python benchmarks/musician.py --paired FIRST.json SECOND.json    # two saved runs' takes, paired by piece

Musicians shown the composer's next 4 bars beside Segue's take pick out Segue 85-90% of the time,
and say why: wrong notes sounding together, no line, an accompaniment figure that dissolves after
a bar, no harmonic direction (one harmony for 4 bars, or a new chord every beat, and no cadence).
The six statistics of ``fidelity.py`` do not see any of that (a copy of the phrase wins them). This
benchmark measures those tells, on the same passages: the held-out pieces of the default model's
run (26 pieces of ``../shared/data/piano-midi``), the 4 bars from bar 9 as the *phrase*, the 4 bars
after it (13-16) as the composer's continuation (the *reference*), and 4 takes of Segue's at the
given settings with the seeds ``fidelity.py`` uses (the piece's number in the list).

Every measure is computed for each take and for the composer's bars and reported side by side,
each with a 90% bootstrap interval over pieces (a piece's takes averaged first, so every piece
counts once); a ``*`` marks where Segue's per-piece difference from the composer has a 90%
interval that leaves out 0. Grid: the model's sixteenth steps; *bar* and *beat* in the piece's own
metre (a beat is the time signature's note value, or three of them in 6/8, 9/8, 12/8 and other
compound metres: ``Phrase.steps_per_beat``). The composer's bars are taken as they sound: a note
struck before bar 13 and still held is *sounding* in them (it can clash with what is struck and it
colours the beat's harmony) but is not an onset of theirs. A take holds nothing over (Continue cuts
the phrase at its end). An *onset* is a moment at which one or more notes start.

Local measures
--------------
- **semitone clashes**: the share of onsets at which a struck note lies a minor second or a minor
  ninth (any |difference| = 1 mod 12) from another note sounding at that moment, whether struck
  with it or held from before. Major sevenths (11 mod 12, interval class 1 too) are left out of it,
  since maj7 chords and leading tones over a held tonic are everyday; **interval-class-1 clashes**
  counts them as well.
- **outside the phrase's key**: the share of sounding time on pitch classes outside the phrase's
  key (``engine.music.keys``: Krumhansl-Schmuckler; a minor key has 9 pitch classes, both forms of its
  6th and 7th). And **chromatic notes held a beat or more**: of the notes struck outside that key,
  the share lasting at least a beat (a chromatic note sounding as a chord tone rather than passing
  by; pieces whose continuation has none left out).
- **chord fit per beat**: a beat's sounding notes, each pitch class weighted by how long it sounds
  within the beat; the share of that mass covered by the tones of the best of 96 chords (12 roots x
  major, minor, diminished, augmented, dominant 7th, major 7th, minor 7th, half-diminished 7th),
  averaged over the beats with notes. A lone note or a dyad always fits (1.0): thin textures read as
  consonant, so compare with the composer, not with 1.
- **top voice**: the *skyline*: at each onset, the highest note sounding; it is a top-voice event
  when that note is struck there (a melody note held over an accompaniment struck below it is not
  replaced by that accompaniment). *Moves* are successive events at different pitches (repeated
  notes are not moves): the **top-voice mean leap** (semitones, over moves), the **top-voice steps**
  share (moves of 1-2 semitones) and **top-voice leaps over a fifth** (moves of more than 7).
- **bass on the downbeat**: a *bass note at a place* is a note struck there whose pitch is at most
  a major third (4 semitones) above the lowest note sounding in that bar and not above the middle
  of the bar's range ((lowest + highest) / 2). The measure: the share of the new bars whose
  downbeat strikes a bass note. **bass on the phrase's bass beats**: the beats of the bar on which
  the phrase strikes a bass note in at least 2 of its 4 bars (for a waltz the first, for a stride
  or march bass the first and third...); the share of those beats, in each new bar, on which a bass
  note is struck (pieces whose phrase has no such beat left out).
- **the figure kept**: a bar's *low voice* is its notes struck below the middle of the range of
  the notes struck in that bar ((lowest + highest) / 2; the bar's lowest notes when nothing is
  below it). Not below the median pitch: an accompaniment usually has more notes than the tune,
  so the median falls inside it and cuts an Alberti bass (C G E G) in two. Its
  *figure* is the set of steps of the bar at which the low voice strikes. For each new bar, the
  Jaccard similarity (shared steps / steps in either) of its figure to the nearest of the phrase's
  4 bars' figures: the nearest, not only the last, since a phrase often ends on a cadence bar and
  its figure returns the bar after, and figures come in 2-bar units. 1 = the phrase's figure
  exactly, 0 = no step in common (an empty bar scores 0, two empty figures 1). Reported for the
  first and the fourth new bar and the mean of the four (a figure that dissolves after a bar falls
  from the first to the fourth), with the **low-voice register drift**: the mean distance in
  semitones between a new bar's low-voice mean pitch and the phrase's. Pieces whose phrase has no
  low voice are left out.
- **the figure's shape kept**: the figure above is only where the low voice strikes, so left-hand
  eighths of any pitches keep an Alberti bass's. Its shape: a bar's *accompaniment* is its notes
  struck below its tune (the top voice's notes above the middle of the bar's range; where the tune
  rests, the figure's own top note stays in the accompaniment), and its shape is one event per
  step on which it strikes: the step, the move of the lowest note struck there from the one struck
  before (down, the same, up; the first from the bar's lowest: on it or above it) and whether a
  chord (two or more notes) is struck there. Contour, not pitches, so that the figure keeps its
  shape when the harmony changes: C G E G and B G D G are both low-up-down-up; a stride is a bass on
  the beat, up to a chord, down. For each new bar, the Jaccard similarity of its events to the
  nearest of the phrase's bars' (``engine.writing.choosing.shape_kept``, the one definition);
  **figure shape kept, mean of 4**. Mozart's Alberti bass where it goes on scores 0.85-1.0 a bar
  (K. 545's opening, over C, G7, F and G, each bar against the other three: 1, 0.78, 1, 1; its
  Andante's bars 5-6 against 1-4: 1, 0.85); the opening with its left-hand pitches shuffled keeps
  the figure above (0.89, 20 shuffles) and scores 0.32 here (0.11-0.46).
- **notes struck again within a beat**: the share of the notes that strike a pitch struck less than
  a beat before (``engine.writing.choosing.repeat_share``): the stutters the blind judges named
  most often (a held note broken into repeats, a tune stuck on one note); repeated-note figures
  have them too, so compare with the composer's.
- **the tune restated**: the tune is the top voice (as above); per bar, the steps of the bar it
  strikes (its rhythm) and each with its move from the tune's last note (down, the same, up; its
  contour). For each new bar with a tune, the Jaccard similarity of its rhythm to the nearest of
  the phrase's bars' (**tune's rhythm restated**), and of its steps-with-moves, the steps struck
  either way counted once (**tune's rhythm and contour restated**): a consequent that answers its
  antecedent, a sequence a step lower or a varied restatement keeps both, whatever the pitches;
  a new tune keeps little. A copy of the phrase scores 1: compare with the composer's.
  **A phrase bar restated**: a new bar that plays one of the phrase's bars again, note for note
  or nearly (at least 60% of the two bars' notes, pitch and place in the bar, shared; moved by any
  interval up to an octave), in the first new bar and on average over the four. The composer does
  it in about a third of the passages, in the first new bar; a take that paraphrases (the phrase's
  notes reshuffled) does not, however close its statistics.
- **the texture**: **notes sounding at once** on average over the steps of the 4 bars (a silent
  step counts 0), and the **mean note length**, each divided by the phrase's own (held notes from
  before left out of the composer's bars, since a take holds none), and its factors: **notes an
  onset** and **onsets** (per step), each to the phrase's. Judges saw held voices,
  pedals and chords give way to a scatter of short notes. **the phrase's pedal kept**: where the
  lowest note struck in each of the phrase's last three bars is one pitch (a pedal), the share of
  the new bars whose lowest note sounding is that pitch (passages without a pedal left out).
- **harmonic rhythm**: each beat with notes is labelled with its best chord (as in chord fit);
  the previous beat's chord is kept when it covers within 0.1 of the best (so a passing note or a
  lone melody note does not make a new harmony), and ties go to triads over sevenths, then to the
  chord whose root is the beat's lowest note; a beat with no notes sounding takes the chord before
  it. The harmony *changes* between two successive labelled beats unless both chords have the same
  root and the tones of one contain the other's (C and C7 are one harmony). **chord changes per
  bar** is the count over the 4 bars divided by 4; **one harmony throughout** the share of
  passages with no change; **a new chord on most beats** the share with changes on at least 3/4 of
  the beat-to-beat steps.
- **the ending** (the last bar), against the phrase's key: **cadence** when the last beat with
  notes sounds the tonic triad (at least 80% of its weighted pitch-class mass on the triad's tones,
  major or minor as the key, a major tonic also in a minor key) over the tonic in the bass (its
  lowest note), or when the bass strikes the tonic on a strong beat of the last bar (the downbeat,
  or the middle beat of a bar of 4 or 6 beats) after a beat whose notes are at least 75% a dominant
  (V, V7 or vii dim/half-dim 7); **half cadence** when the last beat with notes sounds the dominant
  triad or V7 (80%) over its root. **arrival on the downbeat** when a note struck on the last bar's
  downbeat lasts at least half the bar. And, of the gesture: **held chord** when no note starts in the last
  beat and something sounds to the bar line, **mid-gesture** when notes still start in the last
  beat, **rest** when nothing starts in the last beat and nothing sounds at the bar line. These three
  add to 1; the cadences are counted apart.

Adherence (as FIGARO's evaluation, with a negative control)
-----------------------------------------------------------
- **chroma similarity**: the mean over the 4 new bars of the cosine between the bar's pitch-class
  vector (sounding time) and the whole phrase's;
- **groove similarity**: 1 - the total variation between where in the bar the continuation and
  the phrase strike (distinct onsets by sixteenth of the bar: ``fidelity.places_distance``).

Each is computed for the take, for the composer's bars and for *other music*: the mean over the
other pieces' bars 13-16 (only those in the same bar length for groove when there are any). The
**adherence score** = (take - other) / (composer - other), as a ratio of the means over pieces,
with a bootstrap interval: 1.0 keeps to the phrase as much as the composer does, 0 no more than
music from elsewhere, above 1 more than the composer (a copy would score high: this is not a
measure of quality on its own).

The guard (the old fidelity protocol)
-------------------------------------
The six statistics of ``fidelity.py`` against the composer's bars, for the takes and for a copy of
the phrase: each take error relative to the copy's (the guard holds when each is at most 1.3), the
new-note share (at least 55%) and the failed takes (empty, one repeated pitch, a silent bar the
composer filled).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import fidelity  # noqa: E402

from engine.music.keys import Key, estimate_key  # noqa: E402
from engine.music.phrase import Note, Phrase, trim  # noqa: E402
from engine.writing import choosing  # noqa: E402

RESULTS = ROOT / "docs" / "results" / "musician.json"
BARS = 4

# -- chords ------------------------------------------------------------------------------------------
QUALITIES = {"maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8),
             "dom7": (0, 4, 7, 10), "maj7": (0, 4, 7, 11), "min7": (0, 3, 7, 10), "hdim7": (0, 3, 6, 10)}
CHORDS = tuple((root, quality, frozenset((root + i) % 12 for i in intervals))
               for quality, intervals in QUALITIES.items() for root in range(12))
TEMPLATES = np.array([[pc in tones for pc in range(12)] for _, _, tones in CHORDS], dtype=float)
KEEP_PREVIOUS = 0.1          # the chord before is kept while it covers within this of the best
BASS_ABOVE_LOWEST = 4        # semitones above the bar's lowest note a bass note may be
TONIC_FIT, DOMINANT_FIT = 0.8, 0.75


def chord_name(index: int) -> str:
    names = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
    root, quality, _ = CHORDS[index]
    return names[root] + {"maj": "", "min": "m"}.get(quality, quality)


def same_harmony(a: int, b: int) -> bool:
    """One harmony: the same root, and one chord's tones within the other's (C and C7)."""
    (ra, _, ta), (rb, _, tb) = CHORDS[a], CHORDS[b]
    return ra == rb and (ta <= tb or tb <= ta)


# -- the music as it sounds --------------------------------------------------------------------------

def sounding(notes: Sequence[Note], t: int) -> list[Note]:
    return [n for n in notes if n.start <= t < n.end]


def onsets(phrase: Phrase) -> list[int]:
    return sorted({n.start for n in phrase.notes})


def span_weights(notes: Sequence[Note], lo: int, hi: int) -> np.ndarray:
    """Pitch-class mass sounding in [lo, hi): each note weighted by its overlap, in steps."""
    w = np.zeros(12)
    for n in notes:
        overlap = min(n.end, hi) - max(n.start, lo)
        if overlap > 0:
            w[n.pitch % 12] += overlap
    return w


def beat_spans(phrase: Phrase) -> list[tuple[int, int]]:
    """(start, end) of every beat of the phrase, bar by bar (a bar's last beat may be shorter)."""
    bar, beat = phrase.steps_per_bar, phrase.steps_per_beat
    spans = []
    for b0 in range(0, max(phrase.length, bar), bar):
        for t in range(b0, b0 + bar, beat):
            spans.append((t, min(t + beat, b0 + bar)))
    return spans


def bar_count(phrase: Phrase) -> int:
    return max(1, round(phrase.length / phrase.steps_per_bar))


# -- local measures ---------------------------------------------------------------------------------

def clash_share(phrase: Phrase, held: Sequence[Note] = (), classes: tuple[int, ...] = (1,)) -> float:
    """The share of onsets striking a note that lies ``classes`` (|difference| mod 12: 1 the minor
    second / ninth, 11 the major seventh) from another note sounding then (struck or held)."""
    every = list(phrase.notes) + list(held)
    times = onsets(phrase)
    if not times:
        return math.nan
    clashing = 0
    for t in times:
        now = sounding(every, t)
        struck = [n for n in phrase.notes if n.start == t]
        if any(abs(a.pitch - b.pitch) % 12 in classes for a in struck for b in now if a is not b):
            clashing += 1
    return clashing / len(times)


def outside_key(phrase: Phrase, key: Key | None, held: Sequence[Note] = ()) -> float:
    """The share of sounding time on pitch classes outside ``key``."""
    w = span_weights(list(phrase.notes) + list(held), 0, phrase.length)
    if key is None or not w.sum():
        return math.nan
    return float(sum(w[pc] for pc in range(12) if pc not in key.pitch_classes) / w.sum())


def chromatic_held(phrase: Phrase, key: Key | None) -> float:
    """Of the notes struck outside ``key``, the share that last a beat or more: chromatic notes
    sounding as chord tones rather than passing by."""
    if key is None:
        return math.nan
    outside = [n for n in phrase.notes if n.pitch % 12 not in key.pitch_classes]
    if not outside:
        return math.nan
    return sum(n.duration >= phrase.steps_per_beat for n in outside) / len(outside)


def beat_fits(phrase: Phrase, held: Sequence[Note] = ()) -> list[float]:
    """Per beat with notes: the share of its weighted pitch-class mass the best chord covers."""
    every = list(phrase.notes) + list(held)
    out = []
    for lo, hi in beat_spans(phrase):
        w = span_weights(every, lo, hi)
        if w.sum():
            out.append(float((TEMPLATES @ w).max() / w.sum()))
    return out


def chord_fit(phrase: Phrase, held: Sequence[Note] = ()) -> float:
    fits = beat_fits(phrase, held)
    return float(np.mean(fits)) if fits else math.nan


def harmonies(phrase: Phrase, held: Sequence[Note] = ()) -> list[int | None]:
    """Each beat's chord (an index into CHORDS): the best fit, the previous chord kept while it fits
    within KEEP_PREVIOUS of the best, ties to triads and then to the root in the bass; beats with no
    notes take the chord before (None before the first)."""
    every = list(phrase.notes) + list(held)
    labels: list[int | None] = []
    previous: int | None = None
    for lo, hi in beat_spans(phrase):
        w = span_weights(every, lo, hi)
        if not w.sum():
            labels.append(previous)
            continue
        cover = TEMPLATES @ w / w.sum()
        best = cover.max()
        if previous is not None and cover[previous] >= best - KEEP_PREVIOUS:
            labels.append(previous)
            continue
        now = [n for n in every if n.start < hi and n.end > lo]
        lowest = min(now, key=lambda n: n.pitch).pitch % 12
        tied = [i for i in range(len(CHORDS)) if cover[i] >= best - 1e-9]
        previous = min(tied, key=lambda i: (len(CHORDS[i][2]), CHORDS[i][0] != lowest, -w[CHORDS[i][0]], i))
        labels.append(previous)
    return labels


def chord_changes(phrase: Phrase, held: Sequence[Note] = ()) -> tuple[int, int]:
    """(changes of harmony, beat-to-beat steps between labelled beats)."""
    labels = [x for x in harmonies(phrase, held) if x is not None]
    changes = sum(not same_harmony(a, b) for a, b in zip(labels, labels[1:]))
    return changes, max(0, len(labels) - 1)


def tune_events(phrase: Phrase, held: Sequence[Note] = ()) -> list[tuple[int, int]]:
    """The top voice as (onset, pitch): at each onset, the highest note sounding, when it is struck there."""
    every = list(phrase.notes) + list(held)
    line = []
    for t in onsets(phrase):
        top = max(sounding(every, t), key=lambda n: (n.pitch, n.start))
        if top.start == t and any(top is n for n in phrase.notes):
            line.append((t, top.pitch))
    return line


def skyline(phrase: Phrase, held: Sequence[Note] = ()) -> list[int]:
    """The top voice's pitches (``tune_events``)."""
    return [pitch for _, pitch in tune_events(phrase, held)]


def tune_bars(phrase: Phrase, held: Sequence[Note] = ()) -> list[tuple[frozenset, frozenset]]:
    """Per bar, its top voice's rhythm (the steps of the bar it strikes) and its rhythm with
    contour (each step with the move from the tune's last note: -1, 0, +1; 0 for the first)."""
    bar = phrase.steps_per_bar
    events = tune_events(phrase, held)
    bars = [(set(), set()) for _ in range(bar_count(phrase))]
    last = None
    for t, pitch in events:
        b = t // bar
        if b < len(bars):
            move = 0 if last is None else int(np.sign(pitch - last))
            bars[b][0].add(t - b * bar)
            bars[b][1].add((t - b * bar, move))
        last = pitch
    return [(frozenset(r), frozenset(c)) for r, c in bars]


def tune_restated(take: Phrase, phrase: Phrase, held: Sequence[Note] = ()) -> dict[str, float]:
    """How closely each new bar's tune restates one of the phrase's bars: its rhythm (Jaccard of
    the steps struck) and its rhythm with contour (the same steps moving the same way), the
    nearest bar of the phrase, averaged over the new bars with a tune."""
    ours = [b for b in tune_bars(phrase) if b[0]]
    theirs = [b for b in tune_bars(take, held) if b[0]]
    if not ours or not theirs:
        return {"tune's rhythm restated": math.nan, "tune's rhythm and contour restated": math.nan}
    rhythm = [max(jaccard(r, o[0]) for o in ours) for r, _ in theirs]
    contour = [max(len(c & oc) / len(r | orr) for orr, oc in ours) for r, c in theirs]
    return {"tune's rhythm restated": float(np.mean(rhythm)),
            "tune's rhythm and contour restated": float(np.mean(contour))}


RESTATED = 0.6      # a new bar restates a phrase bar when this share of their notes (pitch and place) is shared


def bars_restated(take: Phrase, phrase: Phrase) -> list[float]:
    """Per new bar: 1 where it plays one of the phrase's bars again, note for note or nearly (at
    least ``RESTATED`` of the two bars' notes, pitch and place in the bar, are shared; the new bar
    may be moved by any interval up to an octave, as a sequence or an answer at the fifth), else 0."""
    bar = phrase.steps_per_bar

    def bars_of(music: Phrase) -> list[frozenset]:
        cut: list[set] = [set() for _ in range(bar_count(music))]
        for n in music.notes:
            if n.start // bar < len(cut):
                cut[n.start // bar].add((n.pitch, n.start % bar))
        return [frozenset(c) for c in cut]

    ours = [b for b in bars_of(phrase) if b]
    out = []
    for new in bars_of(take):
        best = max((jaccard(frozenset((p + t, s) for p, s in new), old)
                    for old in ours for t in range(-12, 13)), default=0.0) if new else 0.0
        out.append(float(best >= RESTATED))
    return out


def sounding_voices(music: Phrase) -> float:
    """How many of its notes sound at once, on average over the steps of ``music`` (silence counts 0)."""
    length = max(1, music.length)
    counts = np.zeros(length)
    for n in music.notes:
        counts[max(0, n.start):max(0, min(length, n.end))] += 1
    return float(counts.mean())


def pedal(phrase: Phrase) -> int | None:
    """The phrase's pedal: the pitch that is the lowest note struck in each of its last three bars
    (None when they differ or a bar has no notes)."""
    bar = phrase.steps_per_bar
    lows = []
    for b in range(max(0, bar_count(phrase) - 3), bar_count(phrase)):
        struck = [n.pitch for n in phrase.notes if b * bar <= n.start < (b + 1) * bar]
        lows.append(min(struck) if struck else None)
    return lows[0] if len(lows) == 3 and lows[0] is not None and len(set(lows)) == 1 else None


def pedal_kept(music: Phrase, phrase: Phrase, held: Sequence[Note] = ()) -> float:
    """Where the phrase holds a pedal (``pedal``): the share of the new bars whose lowest note
    sounding (struck in them or held into them) is that pitch; NaN without a pedal."""
    low = pedal(phrase)
    if low is None:
        return math.nan
    bar = music.steps_per_bar
    every = list(music.notes) + list(held)
    kept = []
    for b in range(bar_count(music)):
        there = [n.pitch for n in every if n.start < (b + 1) * bar and n.end > b * bar]
        kept.append(bool(there) and min(there) == low)
    return float(np.mean(kept)) if kept else math.nan


def texture_kept(music: Phrase, phrase: Phrase) -> dict[str, float]:
    """The texture against the phrase's: notes sounding at once (its own notes: a note held into it
    from before is left out, as a take has none) and the mean note length (long notes, pedals and
    held voices weigh in), each as a ratio to the phrase's (1: as thick and as sustained)."""
    voices = sounding_voices(phrase)
    ours = [n.duration for n in phrase.notes]
    theirs = [n.duration for n in music.notes]

    def per_onset(m: Phrase) -> float:
        return len(m.notes) / len({n.start for n in m.notes}) if m.notes else math.nan

    def onsets_per_step(m: Phrase) -> float:
        return len({n.start for n in m.notes}) / max(1, m.length)

    return {"notes sounding at once, to the phrase's": sounding_voices(music) / voices if voices else math.nan,
            "notes an onset, to the phrase's": per_onset(music) / per_onset(phrase) if phrase.notes else math.nan,
            "onsets, to the phrase's": onsets_per_step(music) / onsets_per_step(phrase) if phrase.notes else math.nan,
            "mean note length, to the phrase's": (float(np.mean(theirs)) / float(np.mean(ours))
                                                    if ours and theirs else math.nan)}


def top_voice(phrase: Phrase, held: Sequence[Note] = ()) -> dict[str, float]:
    line = skyline(phrase, held)
    moves = [abs(b - a) for a, b in zip(line, line[1:]) if b != a]
    if not moves:
        return {"top-voice mean leap": math.nan, "top-voice steps": math.nan, "top-voice leaps over a fifth": math.nan}
    return {"top-voice mean leap": float(np.mean(moves)),
            "top-voice steps": sum(m <= 2 for m in moves) / len(moves),
            "top-voice leaps over a fifth": sum(m > 7 for m in moves) / len(moves)}


def bass_struck(phrase: Phrase, t: int, held: Sequence[Note] = ()) -> bool:
    """Whether a bass note is struck at step ``t``: a note starting there at most BASS_ABOVE_LOWEST
    above the lowest note sounding in t's bar and not above the middle of that bar's range."""
    bar = phrase.steps_per_bar
    lo, hi = t // bar * bar, t // bar * bar + bar
    in_bar = [n for n in list(phrase.notes) + list(held) if n.start < hi and n.end > lo]
    if not in_bar:
        return False
    lowest, highest = min(n.pitch for n in in_bar), max(n.pitch for n in in_bar)
    return any(n.start == t and n.pitch <= lowest + BASS_ABOVE_LOWEST and n.pitch <= (lowest + highest) / 2
               for n in phrase.notes)


def bass_on_downbeats(phrase: Phrase, held: Sequence[Note] = ()) -> float:
    bar = phrase.steps_per_bar
    bars = bar_count(phrase)
    return sum(bass_struck(phrase, b * bar, held) for b in range(bars)) / bars


def bass_beats(phrase: Phrase) -> list[int]:
    """The beats of the bar (0 = the downbeat) on which ``phrase`` strikes a bass note in at least
    half its bars."""
    bar, beat = phrase.steps_per_bar, phrase.steps_per_beat
    bars = bar_count(phrase)
    places = range(0, bar, beat)
    return [k for k, place in enumerate(places)
            if sum(bass_struck(phrase, b * bar + place) for b in range(bars)) >= max(1, bars / 2)]


def bass_on_beats(phrase: Phrase, beats: Sequence[int], held: Sequence[Note] = ()) -> float:
    if not beats:
        return math.nan
    bar, beat = phrase.steps_per_bar, phrase.steps_per_beat
    bars = bar_count(phrase)
    slots = [b * bar + k * beat for b in range(bars) for k in beats]
    return sum(bass_struck(phrase, t, held) for t in slots) / len(slots)


def low_voice(phrase: Phrase, b: int) -> list[Note]:
    """Bar b's low voice: its notes struck below the middle of the range of the notes struck in it
    (its lowest notes when none is below)."""
    bar = phrase.steps_per_bar
    struck = [n for n in phrase.notes if b * bar <= n.start < (b + 1) * bar]
    if not struck:
        return []
    middle = (min(n.pitch for n in struck) + max(n.pitch for n in struck)) / 2
    low = [n for n in struck if n.pitch < middle]
    if not low:
        lowest = min(n.pitch for n in struck)
        low = [n for n in struck if n.pitch == lowest]
    return low


def figure(phrase: Phrase, b: int) -> frozenset[int]:
    bar = phrase.steps_per_bar
    return frozenset(n.start - b * bar for n in low_voice(phrase, b))


def jaccard(a: frozenset, b: frozenset) -> float:
    return 1.0 if not a and not b else len(a & b) / len(a | b)


def figure_kept(take: Phrase, phrase: Phrase) -> list[float]:
    """Per new bar, the Jaccard similarity of its low-voice figure to the nearest of the phrase's
    bars' figures (an empty list when the phrase has no low voice)."""
    shapes = [figure(phrase, b) for b in range(bar_count(phrase))]
    shapes = [s for s in shapes if s]
    if not shapes:
        return []
    return [max(jaccard(figure(take, b), s) for s in shapes) for b in range(bar_count(take))]


def figure_shape_kept(take: Phrase, phrase: Phrase) -> list[float]:
    """Per new bar, how much of the phrase's figure *shape* it keeps (``choosing.shape_kept``, the
    one definition: the accompaniment's contour at its steps, the nearest of the phrase's bars)."""
    bar = phrase.steps_per_bar
    shapes = [choosing.figure_shape(phrase.notes, b * bar, bar) for b in range(bar_count(phrase))]
    return choosing.shape_kept(take.notes, shapes, 0, bar_count(take), take.steps_per_bar)


def low_register_drift(take: Phrase, phrase: Phrase) -> float:
    """Mean over the new bars with a low voice of |its mean pitch - the phrase's low voice's|."""
    old = [n.pitch for b in range(bar_count(phrase)) for n in low_voice(phrase, b)]
    new = [[n.pitch for n in low_voice(take, b)] for b in range(bar_count(take))]
    new = [p for p in new if p]
    if not old or not new:
        return math.nan
    centre = float(np.mean(old))
    return float(np.mean([abs(np.mean(p) - centre) for p in new]))


def _dominant_fit(w: np.ndarray, tonic: int) -> float:
    if not w.sum():
        return 0.0
    five, seven = (tonic + 7) % 12, (tonic + 11) % 12
    chords = [i for i, (root, quality, _) in enumerate(CHORDS)
              if (root == five and quality in ("maj", "dom7")) or (root == seven and quality in ("dim", "hdim7"))]
    return float(max(TEMPLATES[i] @ w for i in chords) / w.sum())


def _triad_fit(w: np.ndarray, root: int, minor: bool) -> float:
    tones = {root, (root + (3 if minor else 4)) % 12, (root + 7) % 12}
    return float(sum(w[pc] for pc in tones) / w.sum()) if w.sum() else 0.0


def ending(phrase: Phrase, key: Key | None, held: Sequence[Note] = ()) -> dict[str, float]:
    """How the last bar ends: cadence / half cadence (0 or 1 each) and the gesture (held chord,
    mid-gesture or rest: one of them 1)."""
    every = list(phrase.notes) + list(held)
    end, bar, beat = phrase.length, phrase.steps_per_bar, phrase.steps_per_beat
    last_bar = max(0, end - bar)
    spans = [(lo, hi) for lo, hi in beat_spans(phrase) if lo >= last_bar and lo < end]
    out = {"cadence": 0.0, "half cadence": 0.0}
    filled = [(lo, hi) for lo, hi in spans if span_weights(every, lo, hi).sum()]
    if key is not None and filled:
        lo, hi = filled[-1]
        w = span_weights(every, lo, hi)
        bass = min((n for n in every if n.start < hi and n.end > lo), key=lambda n: n.pitch).pitch % 12
        tonic_fit = max(_triad_fit(w, key.tonic, key.minor), _triad_fit(w, key.tonic, False))
        if tonic_fit >= TONIC_FIT and bass == key.tonic:
            out["cadence"] = 1.0
        five = (key.tonic + 7) % 12
        if bass == five and max(_triad_fit(w, five, False),
                                float(sum(w[(five + i) % 12] for i in (0, 4, 7, 10)) / w.sum())) >= TONIC_FIT:
            out["half cadence"] = 1.0
        beats = len(range(0, bar, beat))
        strong = [last_bar] + ([last_bar + beats // 2 * beat] if beats in (4, 6) else [])
        for s in strong:
            struck_low = [n for n in phrase.notes if n.start == s]
            if not struck_low or s - beat < 0:
                continue
            now = sounding(every, s)
            if min(n.pitch for n in struck_low) != min(n.pitch for n in now) or \
                    min(n.pitch for n in struck_low) % 12 != key.tonic:
                continue
            # the beat before: a dominant (from the phrase's last beat for the first downbeat of a take, if
            # nothing of the continuation sounds there, this cannot be judged and counts as no cadence)
            if _dominant_fit(span_weights(every, max(0, s - beat), s), key.tonic) >= DOMINANT_FIT:
                out["cadence"] = 1.0
    out["arrival on the downbeat"] = float(any(n.start == last_bar and n.duration * 2 >= bar for n in phrase.notes))
    last_beat = end - (spans[-1][1] - spans[-1][0] if spans else beat)
    starts_late = any(last_beat <= n.start < end for n in phrase.notes)
    rings = any(n.end >= end for n in every)
    out["held chord"] = float(not starts_late and rings)
    out["mid-gesture"] = float(starts_late)
    out["rest"] = float(not starts_late and not rings)
    return out


# -- adherence ----------------------------------------------------------------------------------------

def chroma_similarity(music: Phrase, phrase: Phrase, held: Sequence[Note] = ()) -> float:
    """Mean over music's bars of the cosine between the bar's pitch-class vector (sounding time) and
    the whole phrase's (0 for a silent bar)."""
    p = span_weights(phrase.notes, 0, phrase.length)
    if not p.any():
        return math.nan
    bar = music.steps_per_bar
    every = list(music.notes) + list(held)
    sims = []
    for b in range(bar_count(music)):
        w = span_weights(every, b * bar, (b + 1) * bar)
        sims.append(float(w @ p / (np.linalg.norm(w) * np.linalg.norm(p))) if w.any() else 0.0)
    return float(np.mean(sims))


def groove_similarity(music: Phrase, phrase: Phrase) -> float:
    return 1.0 - fidelity.places_distance(music, phrase)


# -- one passage --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Passage:
    name: str
    phrase: Phrase             # the 4 bars Segue continues (as fidelity.cases cuts them)
    reference: Phrase          # the composer's next 4 bars as fidelity.cases cuts them (for the guard)
    composer: Phrase           # the same bars, only notes struck in them
    held: tuple[Note, ...]     # notes struck before and still sounding in them (from step 0)
    first_bar: int


def passages(pieces, first_bar: int = fidelity.PHRASE_BAR, bars: int = BARS) -> list[Passage]:
    """fidelity.cases' passages, with the composer's bars split into what is struck in them and what
    sounds on from before."""
    out = []
    for name, piece in pieces:
        found = fidelity.cases([(name, piece)], first_bar, bars)
        if not found:
            continue
        _, phrase, reference = found[0]
        bar = piece.steps_per_bar
        lo, hi = (first_bar - 1 + bars) * bar, (first_bar - 1 + 2 * bars) * bar
        composer = trim(piece.with_notes([n for n in piece.notes if n.start >= lo], end=piece.length), lo, hi)
        held = tuple(Note(n.pitch, 0, min(n.end, hi) - lo, n.velocity) for n in piece.notes
                     if n.start < lo < n.end)
        out.append(Passage(name, phrase, reference, composer, held, first_bar))
    return out


LOCAL = ("semitone clashes", "interval-class-1 clashes", "outside the phrase's key",
         "chromatic notes held a beat or more", "chord fit per beat",
         "top-voice mean leap", "top-voice steps", "top-voice leaps over a fifth",
         "bass on the downbeat", "bass on the phrase's bass beats",
         "figure kept, new bar 1", "figure kept, new bar 4", "figure kept, mean of 4",
         "figure shape kept, mean of 4", "low-voice register drift", "notes struck again within a beat",
         "tune's rhythm restated", "tune's rhythm and contour restated",
         "a phrase bar restated, new bar 1", "a phrase bar restated, mean of 4",
         "notes sounding at once, to the phrase's", "notes an onset, to the phrase's", "onsets, to the phrase's",
         "mean note length, to the phrase's", "the phrase's pedal kept",
         "chord changes per bar", "one harmony throughout", "a new chord on most beats",
         "cadence", "half cadence", "arrival on the downbeat", "held chord", "mid-gesture", "rest")
ADHERENCE = ("chroma similarity", "groove similarity")


def measure(music: Phrase, phrase: Phrase, held: Sequence[Note] = (), key: Key | None = None) -> dict[str, float]:
    """Every local measure and both similarities of ``music`` (a continuation) after ``phrase``."""
    key = key if key is not None else estimate_key(phrase)
    out = {"semitone clashes": clash_share(music, held, (1,)),
           "interval-class-1 clashes": clash_share(music, held, (1, 11)),
           "outside the phrase's key": outside_key(music, key, held),
           "chromatic notes held a beat or more": chromatic_held(music, key),
           "chord fit per beat": chord_fit(music, held)}
    out |= top_voice(music, held)
    out["bass on the downbeat"] = bass_on_downbeats(music, held)
    out["bass on the phrase's bass beats"] = bass_on_beats(music, bass_beats(phrase), held)
    kept = figure_kept(music, phrase)
    out["figure kept, new bar 1"] = kept[0] if kept else math.nan
    out["figure kept, new bar 4"] = kept[3] if len(kept) >= 4 else math.nan
    out["figure kept, mean of 4"] = float(np.mean(kept)) if kept else math.nan
    shape = figure_shape_kept(music, phrase)
    out["figure shape kept, mean of 4"] = float(np.mean(shape)) if shape else math.nan
    out["low-voice register drift"] = low_register_drift(music, phrase)
    out["notes struck again within a beat"] = choosing.repeat_share(music.notes, music.steps_per_beat)
    out |= tune_restated(music, phrase, held)
    restated = bars_restated(music, phrase)
    out["a phrase bar restated, new bar 1"] = restated[0] if restated else math.nan
    out["a phrase bar restated, mean of 4"] = float(np.mean(restated)) if restated else math.nan
    out |= texture_kept(music, phrase)
    out["the phrase's pedal kept"] = pedal_kept(music, phrase, held)
    changes, steps = chord_changes(music, held)
    out["chord changes per bar"] = changes / bar_count(music)
    out["one harmony throughout"] = float(steps > 0 and changes == 0) if steps else math.nan
    out["a new chord on most beats"] = float(changes >= 0.75 * steps) if steps else math.nan
    out |= ending(music, key, held)
    out["chroma similarity"] = chroma_similarity(music, phrase, held)
    out["groove similarity"] = groove_similarity(music, phrase)
    return out


# -- statistics over pieces ---------------------------------------------------------------------------

def interval(values, draws: int = 2000, seed: int = 0) -> list[float]:
    """[mean, low, high]: the mean over pieces and its 90% bootstrap interval (NaN pieces left out)."""
    v = np.array([x for x in values if not math.isnan(x)], dtype=float)
    if not len(v):
        return [math.nan, math.nan, math.nan]
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, len(v), (draws, len(v)))].mean(1)
    return [float(v.mean()), float(np.quantile(means, 0.05)), float(np.quantile(means, 0.95))]


def paired(a, b, draws: int = 2000, seed: int = 0) -> list[float]:
    """Mean of a - b over the pieces where both are defined, with its 90% bootstrap interval."""
    return interval([x - y for x, y in zip(a, b) if not (math.isnan(x) or math.isnan(y))], draws, seed)


def ratio_interval(take, composer, other, draws: int = 2000, seed: int = 0) -> list[float]:
    """(mean take - mean other) / (mean composer - mean other) over pieces, with a 90% bootstrap interval."""
    rows = np.array([(t, c, o) for t, c, o in zip(take, composer, other)
                     if not any(math.isnan(x) for x in (t, c, o))], dtype=float)
    if not len(rows):
        return [math.nan] * 3

    def score(r):
        gap = r[:, 1].mean() - r[:, 2].mean()
        return (r[:, 0].mean() - r[:, 2].mean()) / gap if gap else math.nan
    rng = np.random.default_rng(seed)
    scores = [score(rows[rng.integers(0, len(rows), len(rows))]) for _ in range(draws)]
    scores = [s for s in scores if not math.isnan(s)]
    return [float(score(rows)), float(np.quantile(scores, 0.05)), float(np.quantile(scores, 0.95))]


def mean_of(rows: list[dict], name: str) -> float:
    values = [r[name] for r in rows if not math.isnan(r[name])]
    return float(np.mean(values)) if values else math.nan


def other_music(chosen: list[Passage], i: int, name: str) -> float:
    """The mean similarity to passage i's phrase of the other pieces' composer bars (for groove,
    those of the same bar length when there are any)."""
    phrase = chosen[i].phrase
    others = [p for j, p in enumerate(chosen) if j != i]
    if name == "groove similarity":
        same = [p for p in others if p.phrase.steps_per_bar == phrase.steps_per_bar]
        others = same or others
        return float(np.mean([groove_similarity(p.composer, phrase) for p in others]))
    return float(np.mean([chroma_similarity(p.composer, phrase, p.held) for p in others]))


# -- the run ------------------------------------------------------------------------------------------

def parse_options(items: Sequence[str]) -> dict:
    """--option NAME=VALUE pairs as ContinueOptions fields, typed like their defaults (as fidelity.py)."""
    from engine.writing.continuation import ContinueOptions
    settings: dict = {}
    for item in items:
        key, _, value = item.partition("=")
        default = getattr(ContinueOptions(), key)
        settings[key] = type(default)(value) if default is not None and not isinstance(default, bool) else (
            value.lower() in ("1", "true", "yes") if isinstance(default, bool) else value)
    return settings


def asked_chords(passage: Passage, which: str) -> list:
    """The chords a run with ``--chords`` asks of the takes, timed from the phrase's end: those
    ``estimate_chords`` hears in the composer's own bars 13-16 (notes held into them included:
    how close a take comes when it knows the composer's harmony), or the phrase's own chords played
    again bar for bar (what a user might ask without knowing the piece)."""
    from engine.music.harmony import estimate_chords
    if which == "composer":
        return estimate_chords(passage.composer.with_notes(passage.composer.notes + passage.held))
    if which == "phrase":
        return estimate_chords(passage.phrase)
    raise ValueError(f"--chords must be 'composer' or 'phrase', not '{which}'")


def set_constants(items: Sequence[str]) -> dict:
    """--set MODULE.NAME=VALUE pairs: each module constant set for this run, typed like its value
    (a switch of the engine's for an ablation); returns them as set."""
    import importlib
    done = {}
    for item in items:
        path, _, value = item.partition("=")
        module_name, _, name = path.rpartition(".")
        module = importlib.import_module(module_name)
        if not hasattr(module, name):
            raise SystemExit(f"--set: {module_name} has no constant {name}")
        old = getattr(module, name)
        if isinstance(old, bool):
            new = value.lower() in ("1", "true", "yes")
        elif isinstance(old, tuple):                      # a tuple: its items apart by commas, typed like the first
            new = tuple(type(old[0] if old else "")(item) for item in value.split(",") if item)
        else:
            new = type(old)(value)
        setattr(module, name, new)
        done[path] = new
    return done


def run(loaded, chosen: list[Passage], settings: dict, takes: int = 4, progress=None,
        chords: str | None = None) -> dict:
    from engine.writing.continuation import ContinueOptions, continue_phrase

    per_piece = []
    started = time.perf_counter()
    generating = 0.0
    for number, passage in enumerate(chosen):
        key = estimate_key(passage.phrase)
        t0 = time.perf_counter()
        asked = {"chords": asked_chords(passage, chords)} if chords else {}
        written = continue_phrase(loaded, passage.phrase,
                                  ContinueOptions(bars=BARS, variations=takes, seed=number, **settings, **asked))
        generating += time.perf_counter() - t0
        composer = measure(passage.composer, passage.phrase, passage.held, key)
        copy_errors = fidelity.distances(passage.phrase, passage.reference)
        take_rows = []
        for take in written:
            row = measure(take, passage.phrase, (), key)
            row["errors"] = fidelity.distances(take, passage.reference)
            row["new notes"] = fidelity.new_notes(take, passage.phrase)
            row["failures"] = fidelity.failures(take, passage.reference)
            take_rows.append(row)
        per_piece.append({"piece": passage.name, "key": key.name if key else None,
                          "metre": list(passage.phrase.time_signature), "composer": composer,
                          "takes": take_rows, "copy errors": copy_errors,
                          "composer new notes": fidelity.new_notes(passage.composer, passage.phrase)})
        if progress:
            progress(number + 1, len(chosen))
    names = LOCAL + ADHERENCE
    take_means = {m: [mean_of(p["takes"], m) for p in per_piece] for m in names}
    composer = {m: [p["composer"][m] for p in per_piece] for m in names}
    other = {m: [other_music(chosen, i, m) for i in range(len(chosen))] for m in ADHERENCE}
    table = {m: {"composer": interval(composer[m]), "segue": interval(take_means[m]),
                 "segue - composer": paired(take_means[m], composer[m])} for m in names}
    for m in ADHERENCE:
        table[m]["other music"] = interval(other[m])
    adherence = {m: ratio_interval(take_means[m], composer[m], other[m]) for m in ADHERENCE}
    both = [np.mean([a, b]) for a, b in zip(take_means[ADHERENCE[0]], take_means[ADHERENCE[1]])]
    both_c = [np.mean([a, b]) for a, b in zip(composer[ADHERENCE[0]], composer[ADHERENCE[1]])]
    both_o = [np.mean([a, b]) for a, b in zip(other[ADHERENCE[0]], other[ADHERENCE[1]])]
    adherence["both (their mean)"] = ratio_interval(both, both_c, both_o)
    guard = {}
    for m in fidelity.MEASURES:
        take_error = float(np.mean([r["errors"][m] for p in per_piece for r in p["takes"]]))
        copy_error = float(np.mean([p["copy errors"][m] for p in per_piece]))
        guard[m] = {"segue": take_error, "copy": copy_error,
                    "relative": take_error / copy_error if copy_error else math.nan}
    all_takes = [r for p in per_piece for r in p["takes"]]
    failed = Counter(f.split(" bar ")[0] + (" bar" if " bar " in f else "") for r in all_takes for f in r["failures"])
    new = float(np.mean([r["new notes"] for r in all_takes]))
    guard_holds = all(g["relative"] <= 1.3 for g in guard.values()) and new >= 0.55 and not failed
    from engine.writing.continuation import ContinueOptions
    return {"model": loaded.name, "pieces": len(chosen), "takes per piece": takes,
            "phrase bars": f"{chosen[0].first_bar}-{chosen[0].first_bar + BARS - 1}" if chosen else "",
            "settings": {k: v for k, v in vars(ContinueOptions(bars=BARS, variations=takes, **settings)).items()
                         if k != "seed"} | ({"chords": f"the {chords}'s, heard"} if chords else {}),
            "measures": table, "adherence score": adherence,
            "guard": {"relative error (take / copy)": guard, "new notes": new,
                      "composer's new notes": float(np.mean([p["composer new notes"] for p in per_piece])),
                      "failures": dict(failed), "takes": len(all_takes), "holds": guard_holds},
            "seconds": {"whole run": time.perf_counter() - started, "generating": generating},
            "per piece": [{"piece": p["piece"], "key": p["key"], "metre": p["metre"],
                           "composer": {m: p["composer"][m] for m in names},
                           "segue, mean of the takes": {m: take_means[m][i] for m in names},
                           "other music": {m: other[m][i] for m in ADHERENCE}}
                          for i, p in enumerate(per_piece)]}


def _fmt(triple, percent: bool = False) -> str:
    mean, low, high = triple
    if math.isnan(mean):
        return "—"
    if percent:
        return f"{mean:.0%} [{low:.0%}, {high:.0%}]"
    return f"{mean:.2f} [{low:.2f}, {high:.2f}]"


PERCENT = {"semitone clashes", "interval-class-1 clashes", "outside the phrase's key",
           "chromatic notes held a beat or more", "top-voice steps", "arrival on the downbeat",
           "top-voice leaps over a fifth", "bass on the downbeat", "bass on the phrase's bass beats",
           "one harmony throughout", "a new chord on most beats", "cadence", "half cadence", "held chord",
           "mid-gesture", "rest"}


def markdown(results: list[dict], labels: Sequence[str]) -> str:
    """One table of runs: measure | composer | each run (the composer's column from the first)."""
    head = "| measure | composer [90% CI] | " + " | ".join(f"{label} [CI]" for label in labels) + " |"
    lines = [head, "|---" * (2 + len(results)) + "|"]
    for m in LOCAL + ADHERENCE:
        cells = [_fmt(results[0]["measures"][m]["composer"], m in PERCENT)]
        for r in results:
            diff = r["measures"][m]["segue - composer"]
            star = "*" if not math.isnan(diff[1]) and (diff[1] > 0 or diff[2] < 0) else ""
            cells.append(_fmt(r["measures"][m]["segue"], m in PERCENT) + star)
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    for m in ADHERENCE:
        lines.append(f"| {m}: other music (negative control) | {_fmt(results[0]['measures'][m]['other music'])} | "
                     + " | ".join("" for _ in results) + " |")
    for m in list(ADHERENCE) + ["both (their mean)"]:
        lines.append(f"| adherence score, {m.replace(' similarity', '')} (composer = 1, other music = 0) | 1 | "
                     + " | ".join(_fmt(r["adherence score"][m]) for r in results) + " |")
    for m in fidelity.MEASURES:
        lines.append(f"| guard: {m} error / the copy's (at most 1.3) | | "
                     + " | ".join(f"{r['guard']['relative error (take / copy)'][m]['relative']:.2f}" for r in results)
                     + " |")
    composer_new = results[0]["guard"]["composer's new notes"]
    lines.append(f"| guard: new notes (at least 55%) | {composer_new:.0%} | "
                 + " | ".join(f"{r['guard']['new notes']:.0%}" for r in results) + " |")
    lines.append("| guard: failed takes | | " + " | ".join(
        f"{sum(r['guard']['failures'].values())} of {r['guard']['takes']}" for r in results) + " |")
    return "\n".join(lines)


def _clean(x):
    if isinstance(x, float):
        return None if math.isnan(x) else round(x, 4)
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.floating):
        return _clean(float(x))
    return x


def _restore(x):
    if x is None:
        return math.nan
    if isinstance(x, dict):
        return {k: _restore(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_restore(v) for v in x]
    return x


def listed_pieces(paths: Sequence[str]) -> list[tuple[str, Phrase]]:
    """(name, phrase) of every piece under ``paths`` (files, folders or .txt lists), in their order:
    pieces another run held out, such as the POP909 validation songs of the pop model."""
    from engine.training.corpus import load_corpus

    corpus = load_corpus(list(paths))
    for path, problem in corpus.skipped:
        print(f"skipped {path}: {problem}", file=sys.stderr)
    return [(piece.name, piece.phrase) for piece in corpus.pieces]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--takes", type=int, default=4)
    parser.add_argument("--held-out", nargs="+", default=None, metavar="PATH",
                        help="pieces held out from the model's training, every one used (files, folders or a .txt "
                             "list, e.g. runs/pop909-midi/valid.txt from tools/pop909_to_midi.py); default: the "
                             "default model's held-out piano pieces")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pieces (a quick look)")
    parser.add_argument("--phrase-bar", type=int, default=fidelity.PHRASE_BAR,
                        help="the phrase's first bar (default 9, the fidelity protocol's)")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="any ContinueOptions field, e.g. --option steering=0")
    parser.add_argument("--chords", choices=("composer", "phrase"), default=None,
                        help="for a model that reads harmony: ask the takes for the chords heard in the composer's "
                             "own next bars, or for the phrase's chords again (default: none asked)")
    parser.add_argument("--set", action="append", default=[], metavar="MODULE.NAME=VALUE",
                        help="a module constant of the engine for this run (ablations), e.g. "
                             "--set engine.writing.steering.FIT=0")
    parser.add_argument("--tuning", action="store_true",
                        help="pieces of the training split (fidelity.tuning_pieces) instead of the held-out "
                             "ones: where settings are tuned, so that the held-out pieces stay a test")
    parser.add_argument("--json", nargs="?", const=str(RESULTS), default=None, metavar="PATH",
                        help=f"also write the results as JSON (default path {RESULTS.relative_to(ROOT)})")
    parser.add_argument("--table", nargs="+", metavar="RUN.json",
                        help="print a markdown table of saved runs (label each with LABEL=PATH) and stop")
    parser.add_argument("--paired", nargs=2, metavar=("FIRST.json", "SECOND.json"),
                        help="print the first saved run's takes minus the second's, paired by piece, and stop")
    args = parser.parse_args(argv)
    if args.paired:
        first, second = (_restore(json.loads(Path(path).read_text()))["per piece"] for path in args.paired)
        print(f"{args.paired[0]} minus {args.paired[1]}, paired by piece; 90% intervals (* leaves out 0)")
        for m in LOCAL + ADHERENCE:
            key = "segue, mean of the takes"
            mean, low, high = paired([p[key][m] for p in first], [p[key][m] for p in second])
            print(f"{m:40}{mean:+9.3f} [{low:+.3f}, {high:+.3f}]{' *' if low > 0 or high < 0 else ''}")
        return 0
    if args.table:
        labels, runs = [], []
        for item in args.table:
            label, _, path = item.rpartition("=")
            runs.append(_restore(json.loads(Path(path).read_text())))
            labels.append(label or Path(path).stem)
        print(markdown(runs, labels))
        return 0

    import torch

    from engine.model.checkpoint import load_model
    torch.set_num_threads(1)
    started = time.perf_counter()
    loaded = load_model(args.model)
    settings = parse_options(args.option)
    constants = set_constants(args.set)
    pieces = (listed_pieces(args.held_out) if args.held_out else
              fidelity.tuning_pieces() if args.tuning else fidelity.held_out_pieces())
    chosen = passages(pieces, args.phrase_bar)
    if args.limit:
        chosen = chosen[:args.limit]
    loading = time.perf_counter() - started
    result = run(loaded, chosen, settings, args.takes,
                 progress=lambda i, n: print(f"\r{i}/{n} pieces", end="", file=sys.stderr, flush=True),
                 chords=args.chords)
    print(file=sys.stderr)
    result["seconds"]["loading the model and pieces"] = loading
    result["constants"] = constants
    result["pieces from"] = "training split (tuning)" if args.tuning else "held out"
    result["command"] = " ".join(["python benchmarks/musician.py"] + list(argv if argv is not None else sys.argv[1:]))
    print(f"model {loaded.name}: {len(chosen)} {'tuning' if args.tuning else 'held-out'} pieces, "
          f"phrase = bars {result['phrase bars']}, "
          f"{args.takes} takes each, settings {settings or 'default'} {constants or ''}; 90% intervals over pieces "
          "(* Segue - composer leaves out 0)")
    print(markdown([result], ["Segue"]))
    g = result["guard"]
    print(f"guard {'holds' if g['holds'] else 'FAILS'}; {result['seconds']['whole run']:.0f} s measuring and "
          f"generating ({result['seconds']['generating']:.0f} s generating), {loading:.0f} s loading")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(_clean(result)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
