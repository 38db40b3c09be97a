"""Recognising the chords of a phrase, beat by beat or half bar by half bar.

``estimate_chords`` gives the chord of each span: the pitch classes sounding in it (weighted by how
long they sound, and the lowest notes counted again as the bass) are scored against every chord's
template, and a Viterbi pass over the spans picks the likeliest sequence, with a cost for every
change so that the harmony does not flicker (see ``RecognitionSettings``). Measured against
POP909's annotations in ``benchmarks/chord_recognition.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .chords import NO_CHORD, VOCABULARY, Chord
from .keys import Key, estimate_key
from .phrase import Phrase


@dataclass(frozen=True)
class RecognitionSettings:
    """How ``estimate_chords`` weighs its evidence (log-probabilities; tuned on POP909 training songs).

    A note counts fully until a note at or below it is struck or for ``longest_note`` beats at
    most (0: no limit), and ``held_weight`` after that; the top voice (the highest of two or more notes) counts
    ``top_voice_weight`` of a note; each note struck adds ``attack`` beats of sounding time.
    A chord expects ``tone_share`` of a span's sounding time on its own tones, shared equally, and
    the rest spread over the other pitch classes; ``confidence`` is how many independent
    observations one span's pitch classes count as. The lowest sounding note is the bass: on the
    root with ``bass_root_share``, on another chord tone with ``bass_tone_share``, scaled by
    ``bass_confidence``. Sevenths, dim/m7b5, aug and sus chords pay a prior cost (simpler triads
    win ties); a chord made of the key's notes earns ``diatonic_bonus``; N (music but no chord)
    costs ``no_chord_cost``. A change of chord costs ``change_cost`` on a downbeat, more half way
    through a bar, more still on other beats, and most between beats."""

    longest_note: float = 4.0
    held_weight: float = 0.05
    top_voice_weight: float = 0.35
    attack: float = 0.125
    tone_share: float = 0.85
    confidence: float = 6.0
    bass_root_share: float = 0.3
    bass_tone_share: float = 0.3
    bass_confidence: float = 1.0
    seventh_cost: float = 0.75
    diminished_cost: float = 2.0
    augmented_cost: float = 2.5
    suspended_cost: float = 2.0
    diatonic_bonus: float = 0.25
    no_chord_cost: float = 4.0
    change_cost: float = 3.0
    half_bar_change_cost: float = 3.0
    beat_change_cost: float = 4.5
    off_beat_change_cost: float = 6.0


@dataclass(frozen=True)
class SpanEvidence:
    """What sounds in each span: ``edges`` (spans + 1 steps), ``pitch_classes`` and ``bass`` (spans x 12,
    in steps: how long each pitch class sounds, and how long it is the lowest note), ``sounding``
    (the steps of each span in which anything sounds)."""

    edges: np.ndarray
    pitch_classes: np.ndarray
    bass: np.ndarray
    sounding: np.ndarray


_QUALITY_COST = {"maj": "", "min": "", "7": "seventh", "maj7": "seventh", "min7": "seventh",
                 "dim": "diminished", "hdim7": "diminished", "aug": "augmented", "sus2": "suspended",
                 "sus4": "suspended"}
_TEMPLATE = np.array([[1.0 if pc in chord.tones else 0.0 for pc in range(12)] for chord in VOCABULARY])
_ROOTS = np.array([[1.0 if pc == chord.root else 0.0 for pc in range(12)] for chord in VOCABULARY])


def span_edges(phrase: Phrase, span: int | str = "beat") -> np.ndarray:
    """The steps where spans begin, and the phrase's end: ``span`` is a number of steps, 'beat',
    'half bar' (a bar when it has an odd number of beats) or 'bar', counted from step 0."""
    beats, beat = phrase.beats_per_bar, phrase.steps_per_beat
    sizes = {"beat": beat, "half bar": beat * (beats // 2) if beats % 2 == 0 else phrase.steps_per_bar,
             "bar": phrase.steps_per_bar}
    if isinstance(span, str):
        if span not in sizes:
            raise ValueError(f"'{span}' is not a span: give a number of steps, 'beat', 'half bar' or 'bar'")
        span = sizes[span]
    if span < 1:
        raise ValueError(f"a span must be at least one step, not {span}")
    return np.append(np.arange(0, phrase.length, span), phrase.length) if phrase.length else np.zeros(1, int)


def span_evidence(phrase: Phrase, edges: np.ndarray, longest_note: int = 0, held_weight: float = 1.0,
                  top_voice_weight: float = 1.0, attack: float = 0.0) -> SpanEvidence:
    """How long each pitch class sounds, and is the lowest note, in each span between ``edges``.

    A note counts fully until a note at or below it is struck (the hand that played it has moved
    on), and for its first ``longest_note`` steps at most when that is given; ``held_weight`` after
    that (a piano's note fades, and a pedal held for minutes would otherwise smear every chord into
    the next). The highest of two or more sounding notes, usually the melody with its passing
    notes, counts ``top_voice_weight``; each note struck in a span adds ``attack`` steps more to its
    pitch class there (so that an arpeggio's last note counts as much as its first). The bass is
    the lowest note still sounding fully, or else the lowest note held."""
    spans = max(0, len(edges) - 1)
    pitch_classes, bass, sounding = np.zeros((spans, 12)), np.zeros((spans, 12)), np.zeros(spans)
    if not phrase.notes or not spans:
        return SpanEvidence(edges, pitch_classes, bass, sounding)
    notes = np.array([(n.pitch, n.start, n.end) for n in phrase.notes])
    fades = np.minimum(notes[:, 2], notes[:, 1] + longest_note) if longest_note > 0 else notes[:, 2].copy()
    fades = np.minimum(fades, _next_lower_onset(notes))
    # the times where anything starts, fades or stops cut the music into pieces in which nothing changes
    times = np.unique(np.concatenate([notes[:, 1], fades, notes[:, 2], edges]))

    def sounding_in_pieces(starts, ends):
        changes = np.zeros((len(times), 132), np.int32)
        np.add.at(changes, (np.searchsorted(times, starts), notes[:, 0]), 1)
        np.add.at(changes, (np.searchsorted(times, ends), notes[:, 0]), -1)
        return np.cumsum(changes, axis=0)[:-1] > 0
    fresh, held = sounding_in_pieces(notes[:, 1], fades), sounding_in_pieces(fades, notes[:, 2])
    lengths = np.diff(times).astype(float)
    where = np.searchsorted(edges, times[:-1], side="right") - 1
    inside = (where >= 0) & (where < spans)
    fresh, held, lengths, where = fresh[inside], held[inside] & ~fresh[inside], lengths[inside], where[inside]
    weights = fresh + held_weight * held
    heard = fresh | held
    several = np.flatnonzero(heard.sum(axis=1) >= 2)
    weights[several, 131 - np.argmax(heard[several, ::-1], axis=1)] *= top_voice_weight
    np.add.at(pitch_classes, where, weights.reshape(len(weights), 11, 12).sum(axis=1) * lengths[:, None])
    any_fresh, any_note = fresh.any(axis=1), heard.any(axis=1)
    lowest = np.where(any_fresh, np.argmax(fresh, axis=1), np.argmax(held, axis=1)) % 12
    bass_lengths = lengths * np.where(any_fresh, 1.0, held_weight)
    np.add.at(bass, (where[any_note], lowest[any_note]), bass_lengths[any_note])
    np.add.at(sounding, where, lengths * any_note)
    if attack:
        struck = np.searchsorted(edges, notes[:, 1], side="right") - 1
        np.add.at(pitch_classes, (struck[struck < spans], notes[struck < spans, 0] % 12), attack)
    return SpanEvidence(edges, pitch_classes, bass, sounding)


def _next_lower_onset(notes: np.ndarray) -> np.ndarray:
    """For each note (pitch, start, end), the first later start of a note at or below its pitch."""
    out = np.full(len(notes), np.iinfo(np.int64).max)
    for pitch in np.unique(notes[:, 0]):
        starts = np.sort(notes[notes[:, 0] <= pitch, 1])
        mine = np.flatnonzero(notes[:, 0] == pitch)
        after = np.searchsorted(starts, notes[mine, 1], side="right")
        out[mine] = np.where(after < len(starts), starts[np.minimum(after, len(starts) - 1)], out[mine])
    return out


def chord_scores(evidence: SpanEvidence, key: Key | None, settings: RecognitionSettings) -> np.ndarray:
    """Log-likelihood of each vocabulary chord (columns, in ``VOCABULARY`` order, then N) in each span."""
    s = settings
    tone = np.log(np.where(_TEMPLATE > 0, s.tone_share / _TEMPLATE.sum(1, keepdims=True),
                           (1 - s.tone_share) / (12 - _TEMPLATE.sum(1, keepdims=True))))
    others = np.maximum(1e-3, 1 - s.bass_root_share - s.bass_tone_share)
    bass = np.log(np.where(_ROOTS > 0, s.bass_root_share,
                           np.where(_TEMPLATE > 0, s.bass_tone_share / (_TEMPLATE.sum(1, keepdims=True) - 1),
                                    others / (12 - _TEMPLATE.sum(1, keepdims=True)))))
    costs = {"": 0.0, "seventh": s.seventh_cost, "diminished": s.diminished_cost,
             "augmented": s.augmented_cost, "suspended": s.suspended_cost}
    prior = -np.array([costs[_QUALITY_COST[chord.quality]] for chord in VOCABULARY])
    if key is not None:
        prior += s.diatonic_bonus * np.array([chord.tones <= key.pitch_classes for chord in VOCABULARY])
    share = lambda weights: weights / np.maximum(weights.sum(1, keepdims=True), 1e-9)
    scores = (s.confidence * share(evidence.pitch_classes) @ tone.T
              + s.bass_confidence * share(evidence.bass) @ bass.T + prior)
    flat = (s.confidence + s.bass_confidence) * np.log(1 / 12) - s.no_chord_cost
    no_chord = np.full((len(scores), 1), flat)
    silent = evidence.sounding <= 0
    scores[silent] = -1e6                            # a span where nothing sounds is N
    no_chord[silent] = 0.0
    return np.hstack([scores, no_chord])


def change_costs(edges: np.ndarray, phrase: Phrase, settings: RecognitionSettings,
                 downbeats: Sequence[int] | None = None) -> np.ndarray:
    """The cost of a new chord at the start of each span, by its place in its bar: the bars of the
    time signature from step 0, or those beginning at ``downbeats`` (steps, in order) when given."""
    starts, beat = edges[:-1], phrase.steps_per_beat
    if downbeats is not None and len(downbeats):
        bar_lines = np.asarray(downbeats)
        before = np.maximum(np.searchsorted(bar_lines, starts, side="right") - 1, 0)
        lengths = np.append(np.diff(bar_lines), phrase.steps_per_bar)[before]
        place = starts - bar_lines[before]
        place = np.where(place < 0, place % phrase.steps_per_bar, place)     # before the first bar line
    else:
        lengths = np.full(len(starts), phrase.steps_per_bar)
        place = starts % phrase.steps_per_bar
    costs = np.full(len(place), settings.off_beat_change_cost)
    costs[place % beat == 0] = settings.beat_change_cost
    halves = (lengths // beat) % 2 == 0
    costs[halves & (place == lengths // 2)] = settings.half_bar_change_cost
    costs[place == 0] = settings.change_cost
    return costs


def best_path(scores: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """Viterbi: the state of each span (row of ``scores``) maximising the scores less ``costs[i]``
    for every change of state into span i."""
    spans, states = scores.shape
    if not spans:
        return np.zeros(0, int)
    back = np.zeros((spans, states), int)
    total = scores[0].copy()
    for i in range(1, spans):
        leader = int(np.argmax(total))
        move = total[leader] - costs[i]
        stay = total >= move
        back[i] = np.where(stay, np.arange(states), leader)
        total = np.where(stay, total, move) + scores[i]
    path = np.zeros(spans, int)
    path[-1] = int(np.argmax(total))
    for i in range(spans - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def estimate_chords(phrase: Phrase, span: int | str = "beat", key: Key | None = None,
                    settings: RecognitionSettings | None = None,
                    downbeats: Sequence[int] | None = None) -> list[tuple[int, int, Chord]]:
    """The chords of a phrase as (start step, end step, chord), one chord per ``span`` or longer.

    ``span`` is a number of steps, 'beat', 'half bar' or 'bar'; ``key`` (estimated from the phrase
    when not given) favours its own chords a little; ``downbeats``, the steps where bars begin when
    they are not all the time signature's length from step 0, tell where chords change most easily.
    Spans where nothing sounds are N; equal chords in a row are one; a chord whose lowest note is
    mostly another of its tones is a slash chord."""
    settings = settings or RecognitionSettings()
    edges = span_edges(phrase, span)
    beat = phrase.steps_per_beat
    evidence = span_evidence(phrase, edges, round(settings.longest_note * beat), settings.held_weight,
                             settings.top_voice_weight, settings.attack * beat)
    key = key if key is not None else estimate_key(phrase)
    path = best_path(chord_scores(evidence, key, settings), change_costs(edges, phrase, settings, downbeats))
    return [(a, b, with_bass(chord, phrase, a, b)) for a, b, chord in chords_of_path(path, evidence)]


def with_bass(chord: Chord, phrase: Phrase, start: int, end: int) -> Chord:
    """``chord`` named with the bass a musician hears under it from ``start`` to ``end``: the lowest
    note sounding at its start or struck while it lasts (an Alberti figure's C-G-E-G is over C, a
    stride bass's low note is under the chords after it), as a slash chord when that note is
    another of its tones (G7/D, F/C), plain when it is the root or not a chord tone."""
    if chord.root is None:
        return chord
    heard = [n.pitch for n in phrase.notes if n.start < end and n.end > start and
             (n.start >= start or n.end > start)]
    if not heard:
        return chord
    bass = min(heard) % 12
    if bass == chord.root or bass not in chord.tones:
        return Chord(chord.root, chord.quality)
    return Chord(chord.root, chord.quality, bass)


def chords_of_path(path: Sequence[int] | np.ndarray, evidence: SpanEvidence) -> list[tuple[int, int, Chord]]:
    """Runs of one state merged into (start, end, chord), with the bass of each run."""
    out: list[tuple[int, int, Chord]] = []
    edges, path = evidence.edges, np.asarray(path)
    if not len(path):
        return out
    cuts = np.flatnonzero(np.diff(path)) + 1
    for first, last in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(path)]])):
        state = int(path[first])
        chord = VOCABULARY[state] if state < len(VOCABULARY) else NO_CHORD
        bass = evidence.bass[first:last].sum(axis=0)
        if chord.root is not None and bass.any():
            lowest = int(np.argmax(bass))
            if lowest in chord.tones and bass[lowest] >= 0.5 * bass.sum():
                chord = Chord(chord.root, chord.quality, lowest)
        out.append((int(edges[first]), int(edges[last]), chord))
    return out
