"""Following set chords while a take is written: the chords asked for, and the writer's lean to them.

Chords are asked for as a chart, ``"C | Am | F G | G7"`` (one bar per ``|``, a bar's chords dividing
it evenly, ``%`` the bar before again, ``N`` no chord), or as spans ``(start, end, chord)`` timed
from where the take begins (the chord lane's, ``Phrase.chords``). Any model follows them: they are
not an input of the network but a lean on what it draws, step by step (``ChordLean``). While the
time being written lies under a set chord

- a pitch that is no tone of the chord is drawn less often, and, for a network that does not read
  the chords itself, such pitches together at most ``OFF_SHARE`` of the time however much the
  network wants them (a passing note now and then);
- never one a semitone from a chord tone still sounding (no minor second or ninth against it);
- the first (lowest) note struck where a chord begins leans to its bass: the named bass of a
  slash chord, else its root;
- a note's length leans away from sounding on a pitch outside the chords it lasts into.

Where no chord is set (or ``N``), nothing changes: the model chooses its own harmony (but with
chords set anywhere in a take, ``ContinueOptions.controls`` asks a network with controls for no
pitch classes). The lean is a few numpy operations per step over the vocabulary's pitch and length
ids; Fill's importance weights count it as part of the model they weigh by.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..encoding.tokens import Vocabulary
from ..music.chords import Chord

Span = tuple[int, int, Chord]

OFF_TONE = 2.0      # logits taken from a pitch outside the chord: about 1 in 7 as likely
OFF_SHARE = 0.08    # ... and the pitches outside it together drawn at most this often
CLASH = 30.0        # ... and from one a semitone from a sounding chord tone: never, in practice
BASS = 2.5          # taken from the first note struck where a chord begins if it is not the bass
OFF_PER_BEAT = 2.0  # taken from a length for each beat it would sound outside the chords under it


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


def check_chords(chords) -> None:
    """A ValueError, worded for the user, unless ``chords`` is None, a chart or chord spans."""
    if chords is None:
        return
    if isinstance(chords, str):
        parse_chord_bars(chords)
        return
    _spans(chords, 1.0)


def asked_spans(chords, bar_steps: int, bars: int, steps_per_step: float = 1.0) -> list[Span]:
    """The chords asked of ``bars`` bars of ``bar_steps`` steps (from step 0), as spans of those
    steps. ``chords`` is a chart (``parse_chord_bars``: a bar's chords divide it evenly, on the grid)
    or spans (start step, end step, chord or chord name) on a grid ``steps_per_step`` times coarser
    than this one (the phrase's grid against the model's), cut at the ``bars``; None: no chords.
    Raises ValueError for a chart longer than the bars, or spans that are not spans."""
    if chords is None:
        return []
    total = bars * bar_steps
    if not isinstance(chords, str):
        return [(a, min(b, total), chord) for a, b, chord in _spans(chords, steps_per_step) if a < total]
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
    return spans


def stream_chords(chords, bar_steps: int, bars: int, steps_per_step: float, start: int) -> list[Span] | None:
    """``asked_spans`` timed from the stream's step ``start`` (where the take begins), for the
    writer's ``Task.chords``; None when no chord is set."""
    spans = [(a + start, b + start, chord) for a, b, chord in asked_spans(chords, bar_steps, bars, steps_per_step)]
    return spans if any(chord.is_chord for _, _, chord in spans) else None


def _spans(items, steps_per_step: float) -> list[Span]:
    spans = []
    for item in items:
        try:
            start, end, chord = item
        except (TypeError, ValueError):
            raise ValueError(f"a chord span is (start step, end step, chord), not {item!r}") from None
        chord = Chord.parse(chord) if isinstance(chord, str) else chord
        if not isinstance(chord, Chord) or not all(isinstance(x, (int, np.integer)) for x in (start, end)):
            raise ValueError(f"a chord span is (start step, end step, chord) in whole steps, not {item!r}")
        if not 0 <= start < end:
            raise ValueError(f"the chord span {start}-{end} ({chord}) must start at step 0 or later and end "
                             f"after it starts")
        spans.append((round(start * steps_per_step), round(end * steps_per_step), chord))
    spans.sort(key=lambda s: s[0])
    for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
        if start < end:
            raise ValueError(f"the chords {first} and {second} overlap (one ends at step {end}, the next "
                             f"starts at {start})")
    return [s for s in spans if s[1] > s[0]]


def chord_tone_share(notes, spans: Sequence[Span]) -> tuple[float, float]:
    """(sounding time on tones of the chord sounding with it, sounding time under a chord): the
    notes' (anything with ``pitch``, ``start``, ``end``) time under each span, N spans left out."""
    on = under = 0.0
    for a, b, chord in spans:
        if not chord.is_chord:
            continue
        tones = chord.tones
        for n in notes:
            overlap = min(n.end, b) - max(n.start, a)
            if overlap > 0:
                under += overlap
                on += overlap if n.pitch % 12 in tones else 0
    return on, under


class ChordLean:
    """The writer's lean to set chords, for ``rows`` drafts in one batch.

    ``spans``: (start, end, chord) in the stream's steps; ``beat``: steps of a beat; ``sounding``:
    (pitch, end step) of the prompt's notes still sounding where writing begins. The writer tells it
    what each row writes (``struck``, ``lengthened``) and adds ``bias(...)`` to the logits.
    ``cap``: hold the pitches outside the chord to ``OFF_SHARE`` of the time together, for a network
    that does not read the chords itself. One that does keeps to them without it: on 20 held-out
    POP909 phrases x 4 takes the cap moved the takes' time on chord tones by 0.1 point (94.4% with it,
    94.3% without on ``default``, 95.9% and 95.8% on ``pop``), and it is a third of the lean's cost."""

    def __init__(self, vocab: Vocabulary, spans: Sequence[Span], rows: int, beat: int,
                 sounding: Sequence[tuple[int, int]] = (), cap: bool = True, off_tone: float = OFF_TONE):
        self.vocab, self.rows, self.beat, self.cap = vocab, rows, max(1, beat), cap
        chords = [(a, b, c) for a, b, c in sorted(spans, key=lambda s: s[0]) if c.is_chord and b > a]
        self.starts = np.array([a for a, _, _ in chords], dtype=np.int64)
        self.ends = np.array([b for _, b, _ in chords], dtype=np.int64)
        size = vocab.size
        values = np.array(vocab.values, dtype=np.int64)
        self.pitches, self.lengths = vocab.pitches, vocab.lengths      # slices of the ids
        classes = values[self.pitches] % 12                            # of each pitch, lowest first
        self.length_steps = values[self.lengths]
        # per chord (and one row for "no chord here"): its tones, which pitches are its, the bass lean
        self.tones = np.zeros((len(chords) + 1, 12), dtype=bool)
        self.bass_bias = np.zeros((len(chords) + 1, len(classes)), dtype=np.float32)
        for i, (_, _, chord) in enumerate(chords):
            self.tones[i, list(chord.tones)] = True
            bass = chord.bass if chord.bass is not None else chord.root
            self.bass_bias[i] = np.where(classes != bass, -BASS, 0.0)
        self.inside = self.tones[:, classes]                           # (chords + 1, pitches)
        self.inside[-1] = True
        self.outside = (~self.inside).astype(np.float32)               # 1 on each chord's other pitches
        self.off_tone = -off_tone * self.outside                       # the lean off each chord's tones
        self.classes = classes
        self.size = size
        # per step from 0 to the last chord's end: the chord sounding (the last row: none), whether one
        # begins there, and the steps under a chord that lacks each pitch class summed (for the lengths)
        last = int(self.ends.max()) if len(chords) else 0
        self.chord_at = np.full(last + 1, len(chords), dtype=np.int64)
        self.begins = np.zeros(last + 1, dtype=bool)
        outside = np.zeros((12, last + 1), dtype=np.float32)
        for i, (a, b, _) in enumerate(chords):
            self.chord_at[a:b] = i
            self.begins[a] = True
            outside[~self.tones[i], a:b] = 1.0
        self.last = last
        # the lean on each length of a note of each pitch class (and a 13th: none) that so far ends at
        # each step from ``self.first`` to the last chord's end, with a slab of none before and after
        sums = np.concatenate([np.zeros((12, 1), dtype=np.float32), outside.cumsum(1)], 1)
        self.first = max(0, int(self.starts.min()) - vocab.max_length) if len(chords) else 0
        begin = np.arange(self.first, last)
        ends = np.minimum(begin[:, None] + self.length_steps[None, :], last)
        self.length_lean = np.zeros((13, len(begin) + 2, len(self.length_steps)), dtype=np.float32)
        self.length_lean[:12, 1:-1] = -(OFF_PER_BEAT / self.beat) * (sums[:, ends] - sums[:, begin, None])
        # per chord: the lean on each pitch class from each pitch class held (a semitone from a held tone)
        self.clash = np.zeros((len(chords) + 1, 12, 12), dtype=np.float32)
        for i in range(len(chords)):
            for held in np.flatnonzero(self.tones[i]):
                for near in ((held + 1) % 12, (held - 1) % 12):
                    if not self.tones[i, near]:
                        self.clash[i, held, near] = -CLASH
        self.sounding = np.zeros((rows, 12), dtype=np.int64)            # the step each pitch class sounds until
        for pitch, end in sounding:
            self.sounding[:, pitch % 12] = np.maximum(self.sounding[:, pitch % 12], end)
        self.onset = np.full(rows, -1, dtype=np.int64)                  # where each row last struck a note

    @property
    def empty(self) -> bool:
        return not len(self.starts)

    def struck(self, row: int, now: int) -> None:
        """Row ``row`` struck a note at step ``now``."""
        self.onset[row] = now

    def lengthened(self, row: int, pitch: int, end: int) -> None:
        """Row ``row``'s note of ``pitch`` now sounds until step ``end``."""
        pitch_class = pitch % 12
        self.sounding[row, pitch_class] = max(self.sounding[row, pitch_class], end)

    def leaned(self, logits, now: np.ndarray, note_pitch: np.ndarray, note_length: np.ndarray, writing: np.ndarray,
               pitch_next: np.ndarray | None = None):
        """The network's ``logits`` (rows, vocab) with the lean added (``note_length``: how long the
        note being written is so far); see ``bias``."""
        return logits + self.bias(logits, now, note_pitch, now + note_length, writing, pitch_next)

    def bias(self, logits: np.ndarray, now: np.ndarray, note_pitch: np.ndarray, note_end: np.ndarray,
             writing: np.ndarray, pitch_next: np.ndarray | None = None) -> np.ndarray:
        """(rows, vocab) to add to the network's ``logits``: each writing row at step ``now``, writing
        the length of a note of ``note_pitch`` that so far ends at ``note_end`` (-1: none).
        ``pitch_next`` (rows,): whether a pitch may come next in each row (after a pitch its length
        must); rows where none may are given no lean on the pitches, which they cannot draw
        (the writer's grammar), so the lean costs nothing there. None: every row may."""
        bias = np.zeros((self.rows, self.size), dtype=np.float32)
        at = np.minimum(now, self.last)                                # past the last chord: none
        index = self.chord_at[at]
        under = (index < len(self.starts)) & writing
        if pitch_next is not None:
            under &= pitch_next
        if under.any():
            index[~under] = len(self.starts)
            scores = np.asarray(logits)[:, self.pitches]
            bias[:, self.pitches] = self._pitch_bias(scores, now, self.begins[at] & under, index)
        if self.last:                                                  # the lengths of the note being written
            held = np.where(writing & (note_pitch >= 0), note_pitch % 12, 12)
            at = np.minimum(np.maximum(note_end - (self.first - 1), 0), self.length_lean.shape[1] - 1)
            bias[:, self.lengths] = self.length_lean[held, at]
        return bias

    def _pitch_bias(self, scores: np.ndarray, now: np.ndarray, begins: np.ndarray, index: np.ndarray) -> np.ndarray:
        """(rows, pitches): the lean of each row on the pitches (``scores``: the network's) under the
        chord ``index`` (the last index: none; ``begins``: it begins at ``now``)."""
        outside = self.outside[index]                                  # (rows, pitches)
        bias = self.off_tone[index]
        first = begins & (self.onset != now)
        if first.any():                                                # the lowest note where a chord begins
            bias[first] += self.bass_bias[index[first]]
        held = self.sounding > now[:, None]                            # (rows, pitch classes)
        if held.any():                                                 # no pitch a semitone from a held chord tone
            clash = np.matmul(held[:, None, :].astype(np.float32), self.clash[index])[:, 0]
            bias += np.maximum(clash, -CLASH)[:, self.classes]
        if not self.cap:
            return bias
        scores = scores + bias                                         # the outside pitches' share capped
        scores -= scores.max(1, keepdims=True)
        chances = np.exp(scores, out=scores)
        off = np.einsum("rp,rp->r", chances, outside)
        on = chances.sum(1) - off
        with np.errstate(divide="ignore", invalid="ignore"):
            cut = np.log(OFF_SHARE / (1 - OFF_SHARE) * on / off)
        cut = np.where((on > 0) & (off > 0) & (cut < 0), cut, 0.0).astype(np.float32)
        bias += cut[:, None] * outside
        return bias

