"""Keeping a take on course: what it has written so far, set against what it was asked for.

The controls (``controls.py``) tell the network what each new bar should sound like, and the
network follows them on average; but each take is a new draw, and its pitch classes, spacing of
onsets, chords and register wander around the asked values (a take can spend a bar on one pitch
class, or drift an octave up). A musician who continues a phrase keeps count: if the left hand has
been silent for two beats, it comes back; if the last bars sat high, the next notes go lower.

``Steering`` keeps that count for every take being written, and before each token nudges the
network's scores towards what the take still owes: a pitch class it has used less than asked
gets a higher score and one used more a lower one; the same for the spacing of onsets, for a second
note at an onset (chords; never paid in one cluster), for the mean pitch and the range, and, bar by
bar, for the notes owed to the low, middle and high third of the range (both hands; ``bands``,
from ``register_shares``); and, for the pace of onsets (onsets per beat, times the density asked),
each wait by where it lands: one after which the take's onsets keep the phrase's onsets per step
is favoured, one that leaves it ahead or behind is not; and by the step of the bar it lands on,
owed the phrase's share of onsets there (``places``, from ``onset_places``: the downbeats,
offbeats and syncopations the phrase plays on, its groove). Each nudge grows with the debt (counted in
notes, capped) and is scaled by ``strength``: 0 leaves the network alone. The constants below were
chosen on the training split of the piano collection (``benchmarks/fidelity.py --tuning``;
``docs/benchmarks.md``). The scores the network gave stay as they were for the model's own
likelihood; only the distribution a token is drawn from changes, and the draw's own probability is
kept as before (``sampling.Writer``).

The target is one row of controls (``controls.RAW`` values): the whole phrase's measures as
Continue asks for them (moved by the options: denser, another key, single notes; its pitch classes
leaning a little towards its key, ``generate.steer_to``). A group whose flag is off (left free) is
not steered.
"""

from __future__ import annotations

import numpy as np

from ..encoding.controls import FLAGS, GROUPS, HIGH, KEY, LOW, MEAN, NAMES, spacing_bin
from ..encoding.tokens import Vocabulary

RHYTHM = GROUPS["rhythm"]
CAP = 3.0                                # the largest debt, in notes, a nudge answers to
REACH = 3.0                              # the welcome, at the span's end, for an end of the range not yet reached
BEYOND = 1.0                             # the cost per semitone beyond the range
NEAR = 2                                 # semitones inside an end that count as reaching it
CENTRE = 0.5                             # a further note at an onset is owed only if it brings the count nearer
BANDS = 1.0                              # the weight of the notes owed to each third of the range
DENSITY = 1.0                            # the weight, per onset, of a wait landing off the phrase's pace of onsets
PACE = 0.5                               # onsets ahead of or behind that pace that go unremarked
PLACES = 3.0                             # the weight of the onsets owed to each step of the bar; 3, not 1, since
                                         # the default model reads chords: at 1 it kept the seeds' onset places
                                         # 6% closer than at 0, at 3 17% (other seeds; the model before: 12% at 1)


def register_shares(pitches, low: float, high: float) -> np.ndarray | None:
    """The share of ``pitches`` in the lower, middle and upper third of ``low``..``high`` (the left
    hand, the middle, the tune, roughly); None for a range under an octave, where thirds mean little."""
    if high - low < 12 or not len(pitches):
        return None
    counts = np.bincount(_band(np.asarray(pitches, dtype=np.float64), low, high), minlength=3)
    return counts / counts.sum()


def onset_places(starts, bar_steps: int) -> np.ndarray | None:
    """The share of the onsets ``starts`` (steps; several notes at one step are one onset) at each
    step of a bar of ``bar_steps``: where in the bar the music strikes."""
    onsets = np.array(sorted({int(t) for t in starts}), dtype=np.int64)     # np.unique would load numpy.ma
    if bar_steps < 2 or not len(onsets):
        return None
    counts = np.bincount(onsets % bar_steps, minlength=bar_steps).astype(np.float64)
    return counts / counts.sum()


def _band(pitches: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.clip(np.floor(3 * (pitches - low) / (high - low + 1)), 0, 2).astype(int)


def _capped(x):
    """``x`` held within -CAP..CAP (np.clip's own overhead is most of the cost on a few numbers)."""
    return np.minimum(np.maximum(x, -CAP), CAP)


class Steering:
    """Per take: pitch-class counts, onset spacings, chords, pitches written; and the nudges."""

    def __init__(self, vocab: Vocabulary, target: np.ndarray, rows: int, steps_per_quarter: int,
                 start: int, end: int, strength: float = 1.0, bands: np.ndarray | None = None,
                 bar_steps: int = 0, places: np.ndarray | None = None):
        self.vocab, self.rows, self.strength = vocab, rows, float(strength)
        flags = {name: bool(target[FLAGS + g]) for g, name in enumerate(NAMES)}
        # the pitch-class shares and onset-spacing shares asked for (None: that group is left free)
        self.key = target[KEY].astype(np.float64) if flags["key"] else None
        self.rhythm = target[RHYTHM].astype(np.float64) if flags["rhythm"] else None
        self.texture = (float(target[2]), float(target[3])) if flags["texture"] else None
        self.register = (float(target[LOW]), float(target[HIGH]), float(target[MEAN])) if flags["register"] else None
        self.sixteenth = steps_per_quarter / 4
        self.start, self.span = start, max(1, end - start)
        self.pitch_slice = vocab.pitches
        self.velocity_slice = vocab.velocities
        self.wait_slice = vocab.waits
        self.wait_values = np.arange(1, vocab.max_wait + 1, dtype=np.float64)
        self.pitch_values = np.arange(vocab.lowest_pitch, vocab.highest_pitch + 1, dtype=np.float64)
        self.class_of_pitch = np.arange(vocab.lowest_pitch, vocab.highest_pitch + 1) % 12
        if self.register is not None:
            low, high, mean = self.register
            p = self.pitch_values
            half = max(6.0, (high - low) / 2)
            # the mean pitch owed tilts the scores up or down within the range; pitches beyond it
            # lose more the further out they are; near its ends they are welcome while unreached
            inside = (p >= low) & (p <= high)
            self.tilt = np.where(inside, np.clip((p - mean) / half, -1, 1), 0.0)
            self.beyond = np.minimum(BEYOND * (np.clip(low - p, 0, None) + np.clip(p - high, 0, None)), 8 * CAP)
            self.near_low = (p >= low) & (p <= low + NEAR)
            self.near_high = (p <= high) & (p >= high - NEAR)
            # the notes owed to each third of the range keep both hands going through the take
            self.bands = np.asarray(bands, dtype=np.float64) if bands is not None and BANDS > 0 else None
            self.band_of_pitch = _band(p, low, high)
            self.inside = inside
        else:
            self.bands = None
        # what each take has written (from the start of the span)
        self.notes = np.zeros(rows)
        self.classes = np.zeros((rows, 12))
        self.pitch_sum = np.zeros(rows)
        self.lowest = np.full(rows, 999.0)
        self.highest = np.full(rows, -1.0)
        self.band_counts = np.zeros((rows, 3))   # notes in each third of the range, in the bar being written
        self.bar_steps = bar_steps if bar_steps > 0 else max(1, end - start)
        self.band_bar = np.full(rows, -1)
        self.onsets = np.zeros(rows)
        self.chords = np.zeros(rows)          # onsets, finished or not, that struck two or more notes
        self.at_onset = np.zeros(rows)        # notes struck at the current onset
        self.last_onset = np.full(rows, -1.0)
        self.gaps = np.zeros((rows, RHYTHM.stop - RHYTHM.start))
        self.gap_count = np.zeros(rows)
        self.base = np.zeros((rows, len(self.pitch_values)))     # what each pitch is owed, per take
        self.toward = np.zeros((rows, len(self.pitch_values)), dtype=bool)
        self.stale = np.ones(rows, dtype=bool)
        # the spacing bin (0..7) each wait token makes, for every time since the last onset
        longest = int(8 * self.sixteenth) + 1
        gap = np.arange(longest + 1)[:, None] + self.wait_values[None]
        self.gap_bins = np.vectorize(spacing_bin)(gap, self.sixteenth)
        self.row_index = np.arange(rows)[:, None]
        self.gaps_owed = np.zeros_like(self.gaps)
        if self.rhythm is not None:
            self.gaps_owed[:] = _capped(self.rhythm)
        # the phrase's onsets per step (times the density asked): the pace a take's onsets keep
        density = target[FLAGS + NAMES.index("density")] and target[1] > 0 and DENSITY > 0
        self.pace = float(target[1]) / steps_per_quarter if density else None
        # where in the bar the phrase strikes: each wait also judged by the step it lands on
        self.places = None
        if places is not None and self.rhythm is not None and PLACES > 0 and len(places) == self.bar_steps:
            self.places = np.asarray(places, dtype=np.float64)
            self.place_counts = np.zeros((rows, self.bar_steps))     # each take's onsets at each step of the bar
        self.active = self.strength > 0 and any(x is not None for x in
                                                (self.key, self.rhythm, self.texture, self.register, self.pace))

    # -- counting --------------------------------------------------------------------------------
    def struck(self, row: int, pitch: int, now: int) -> None:
        """The take ``row`` struck ``pitch`` at step ``now``."""
        if now != self.last_onset[row]:
            if self.last_onset[row] >= 0:
                gap = now - self.last_onset[row]
                self.gaps[row, spacing_bin(gap, self.sixteenth)] += 1
                self.gap_count[row] += 1
                if self.rhythm is not None:
                    self._owe_gaps(row)
            self.onsets[row] += 1
            if self.places is not None:
                self.place_counts[row, now % self.bar_steps] += 1
            self.at_onset[row] = 0
            self.last_onset[row] = now
        self.at_onset[row] += 1
        if self.at_onset[row] == 2:
            self.chords[row] += 1
        self.notes[row] += 1
        self.classes[row, pitch % 12] += 1
        self.pitch_sum[row] += pitch
        self.lowest[row] = min(self.lowest[row], pitch)
        self.highest[row] = max(self.highest[row], pitch)
        if self.bands is not None:
            bar = (now - self.start) // self.bar_steps
            if bar != self.band_bar[row]:                 # a new bar: its hands start from nothing owed
                self.band_counts[row] = 0
                self.band_bar[row] = bar
            self.band_counts[row, self.band_of_pitch[pitch - self.vocab.lowest_pitch]] += 1
        self.stale[row] = True

    def _owe_gaps(self, row: int) -> None:
        """What each spacing of onsets (1..8 sixteenths) is owed by take ``row`` after one more onset."""
        self.gaps_owed[row] = _capped(self.rhythm * (self.gap_count[row] + 1) - self.gaps[row])

    # -- nudging ---------------------------------------------------------------------------------
    def _pitch_debts(self, rows: np.ndarray) -> None:
        """Work out again, for the takes ``rows`` that struck a note since, what each pitch is owed
        (pitch classes, mean pitch, range) and which pitches would reach an unreached end of the range."""
        notes = self.notes[rows]
        base = np.zeros((len(rows), len(self.pitch_values)))
        if self.key is not None:                      # pitch classes owed after one more note
            owed = self.key[None] * (notes[:, None] + 1) - self.classes[rows]
            base += _capped(owed)[:, self.class_of_pitch]
        if self.register is not None:
            owed = _capped((self.register[2] * notes - self.pitch_sum[rows]) / 12)
            base += owed[:, None] * self.tilt[None] - self.beyond[None]
            if self.bands is not None:
                in_bar = self.band_counts[rows].sum(1, keepdims=True)
                owed = _capped(self.bands[None] * (in_bar + 1) - self.band_counts[rows])
                base += BANDS * owed[:, self.band_of_pitch] * self.inside[None]
            p = self.pitch_values[None]
            self.toward[rows] = (self.near_low[None] & (p < self.lowest[rows, None])) | \
                                (self.near_high[None] & (p > self.highest[rows, None]))
        self.base[rows] = base
        self.stale[rows] = False

    def nudges(self, now: list[int], logits: np.ndarray | None = None) -> np.ndarray:
        """(rows, vocab): what to add to the network's scores (``logits``, if given, keep the waits'
        share as it was when they are paced) before the next token is drawn.
        Plain numpy on a few hundred numbers a row (cheaper per step than many small torch calls);
        what the pitches are owed is worked out again only for takes that struck a note since."""
        out = np.zeros((self.rows, self.vocab.size), dtype=np.float32)
        if not self.active:
            return out
        if self.stale.any():
            self._pitch_debts(np.flatnonzero(self.stale))
        when = np.asarray(now, dtype=np.float64)
        pitch = out[:, self.pitch_slice]
        pitch += self.base
        if self.register is not None:                 # the range's ends come back as the take goes on
            pitch += REACH * np.minimum(np.maximum((when - self.start) / self.span, 0.0), 1.0)[:, None] * self.toward
        if self.texture is not None:                  # another note at this onset, or not
            share, per_onset = self.texture
            at = self.at_onset
            more = np.where(at >= 2, per_onset * self.onsets - self.notes, share * self.onsets - self.chords) - CENTRE
            # a debt of notes is not paid in one lump: a chord two notes past the phrase's average
            # chord is no longer pushed on, and past that it is told to stop, the more the larger it
            # grows (the average chord, not onset: a phrase of single notes and six-note chords has 6)
            chord = 1 + (per_onset - 1) / share if share > 0 else per_onset
            more = np.where(at >= 2, np.minimum(more, chord + 2 - at), more)
            more = np.where((when == self.last_onset) & (at >= 1), _capped(more), 0.0)
            pitch += more[:, None]
            out[:, self.velocity_slice] += more[:, None]
        if self.rhythm is not None:                   # the spacing of the next onset
            since = np.minimum(np.maximum(when - self.last_onset, 0), len(self.gap_bins) - 1).astype(int)
            wait = self.gaps_owed[self.row_index, self.gap_bins[since]]
            out[:, self.wait_slice] = np.where((self.last_onset >= 0)[:, None], wait, 0.0)
        if self.strength != 1.0:
            out *= self.strength
        if self.pace is not None or self.places is not None:     # when, and where in the bar, the next onset comes
            out[:, self.wait_slice] += self._pace(when, out[:, self.wait_slice], logits)
        return out

    def _pace(self, when: np.ndarray, nudged: np.ndarray, logits: np.ndarray | None) -> np.ndarray:
        """(rows, waits): each wait judged by where it lands: the onsets the take then owes the
        phrase's pace (ahead or behind; PACE of them go unremarked) against the best wait's. Counted
        in onsets, not notes: a chord does not put the take ahead. And by the step of the bar it
        lands on: the onsets the take owes that step after one more, at the phrase's share there.
        The waits' share is kept (the network's own ``logits`` and the nudges so far ``nudged``):
        pacing moves the next onset, it does not trade a wait for one more note at this onset (that
        is the texture's)."""
        shift = np.zeros((self.rows, len(self.wait_values)))
        if self.pace is not None:
            lands = np.maximum(when[:, None] + self.wait_values[None] - self.start, 0.0)
            owed = self.pace * lands - self.onsets[:, None]
            off = np.maximum(np.abs(owed) - PACE, 0.0)
            shift -= self.strength * DENSITY * np.minimum(off - off.min(1, keepdims=True), CAP)
        if self.places is not None:                   # the step of the bar it lands on
            place = (when[:, None] + self.wait_values[None]).astype(np.int64) % self.bar_steps
            owed = self.places[place] * (self.onsets[:, None] + 1) - self.place_counts[self.row_index, place]
            shift = shift + self.strength * PLACES * _capped(owed)
        if logits is not None:
            scores = np.asarray(logits[:, self.wait_slice], dtype=np.float64) + nudged
            p = np.exp(scores - scores.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            shift = shift - np.log((p * np.exp(shift)).sum(1, keepdims=True))
        return shift
