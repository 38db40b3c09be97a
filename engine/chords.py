"""Chords: a small vocabulary, names as musicians write them, and recognising the chords of a phrase.

The vocabulary is twelve roots times ten qualities (major, minor, dominant 7, maj7, m7, dim, m7b5,
aug, sus2, sus4), an optional bass note (a slash chord: ``F/C``) and ``N``, no chord. Names are
spelled in a key when one is given (``Bb`` in F major, ``A#`` never in a flat key).

``estimate_chords`` gives the chord of each beat or half bar: the pitch classes sounding in each
span (weighted by how long they sound, and the lowest notes counted again as the bass) are scored
against every chord's template, and a Viterbi pass over the spans picks the likeliest sequence, with
a cost for every change so that the harmony does not flicker (see ``RecognitionSettings``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .keys import NAMES, Key, estimate_key
from .phrase import Phrase

# quality -> (intervals above the root, the suffix a musician writes, letters above the root of each tone)
QUALITIES: dict[str, tuple[tuple[int, ...], str, tuple[int, ...]]] = {
    "maj": ((0, 4, 7), "", (0, 2, 4)),
    "min": ((0, 3, 7), "m", (0, 2, 4)),
    "7": ((0, 4, 7, 10), "7", (0, 2, 4, 6)),
    "maj7": ((0, 4, 7, 11), "maj7", (0, 2, 4, 6)),
    "min7": ((0, 3, 7, 10), "m7", (0, 2, 4, 6)),
    "dim": ((0, 3, 6), "dim", (0, 2, 4)),
    "hdim7": ((0, 3, 6, 10), "m7b5", (0, 2, 4, 6)),
    "aug": ((0, 4, 8), "aug", (0, 2, 4)),
    "sus2": ((0, 2, 7), "sus2", (0, 1, 4)),
    "sus4": ((0, 5, 7), "sus4", (0, 3, 4)),
}
# other ways of writing each quality's suffix (case matters: "M7" is maj7, "m7" minor seventh)
_ALIASES = {"": "maj", "M": "maj", "maj": "maj", "major": "maj", "m": "min", "min": "min", "mi": "min", "-": "min",
            "7": "7", "dom7": "7", "maj7": "maj7", "M7": "maj7", "ma7": "maj7", "Δ": "maj7", "Δ7": "maj7",
            "m7": "min7", "min7": "min7", "mi7": "min7", "-7": "min7", "dim": "dim", "°": "dim", "o": "dim",
            "m7b5": "hdim7", "min7b5": "hdim7", "-7b5": "hdim7", "ø": "hdim7", "ø7": "hdim7", "aug": "aug",
            "+": "aug", "sus2": "sus2", "sus4": "sus4", "sus": "sus4"}
_LETTERS = "CDEFGAB"
_NATURAL = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_NAME = re.compile(r"([A-G])([#b]?)([^/]*)(?:/([A-G])([#b]?))?")


@dataclass(frozen=True)
class Chord:
    """A chord: root pitch class (0 = C), quality (a key of ``QUALITIES``) and the bass pitch class
    when it is not the root (``F/C``: root 5, bass 0). ``NO_CHORD`` (root None, quality "N") is
    silence, or music with no chord."""

    root: int | None
    quality: str = "maj"
    bass: int | None = None

    def __post_init__(self):
        if self.root is None:
            if self.quality != "N" or self.bass is not None:
                raise ValueError("a chord without a root is N (no chord), with no bass")
            return
        if self.quality not in QUALITIES:
            raise ValueError(f"'{self.quality}' is not a chord quality (one of {', '.join(QUALITIES)})")
        if not (0 <= self.root < 12 and (self.bass is None or 0 <= self.bass < 12)):
            raise ValueError(f"root and bass are pitch classes 0-11, not {self.root} and {self.bass}")
        if self.bass == self.root:
            object.__setattr__(self, "bass", None)

    @property
    def is_chord(self) -> bool:
        return self.root is not None

    @property
    def tones(self) -> frozenset[int]:
        """The pitch classes of the chord, its bass included (empty for N)."""
        if self.root is None:
            return frozenset()
        tones = {(self.root + i) % 12 for i in QUALITIES[self.quality][0]}
        return frozenset(tones | ({self.bass} if self.bass is not None else set()))

    def without_bass(self) -> "Chord":
        return Chord(self.root, self.quality) if self.root is not None else self

    @classmethod
    def parse(cls, text: str) -> "Chord":
        """A chord from its name as a musician writes it: 'C', 'Am', 'G7', 'Fmaj7', 'Bm7b5', 'Bdim',
        'Caug', 'Dsus4', 'F/C', 'Bb', 'F#m7', 'N'. Raises ValueError saying what is wrong."""
        written = (text or "").strip().replace("♭", "b").replace("♯", "#")
        if written in ("N", "NC", "N.C."):
            return NO_CHORD
        match = _NAME.fullmatch(written)
        if not match:
            raise ValueError(f"'{text}' is not a chord name: write it like 'C', 'Am', 'G7', 'Fmaj7', "
                             f"'Bm7b5', 'Dsus4', 'F/C' or 'N' (a capital letter A-G first)")
        letter, accidental, suffix, bass_letter, bass_accidental = match.groups()
        if suffix not in _ALIASES:
            known = ", ".join(repr(q[1]) for q in QUALITIES.values())
            raise ValueError(f"'{text}': '{suffix}' is not a chord quality Segue knows ({known})")
        bass = None if bass_letter is None else _pitch_class(bass_letter, bass_accidental)
        return cls(_pitch_class(letter, accidental), _ALIASES[suffix], bass)

    def name(self, key: Key | None = None) -> str:
        """The chord's name ('Bb', 'F#m7', 'G7/F', 'N'), its root spelled in ``key`` when one is
        given, and a bass that is a chord tone spelled as that tone ('E/G#', not 'E/Ab')."""
        if self.root is None:
            return "N"
        intervals, suffix, letters = QUALITIES[self.quality]
        root = spellings(key)[self.root]
        if self.bass is None:
            return root + suffix
        interval = (self.bass - self.root) % 12
        bass = spellings(key)[self.bass]
        if interval in intervals:
            letter = _LETTERS[(_LETTERS.index(root[0]) + letters[intervals.index(interval)]) % 7]
            bass = _spell(letter, self.bass) or bass
        return f"{root}{suffix}/{bass}"

    def __str__(self) -> str:
        return self.name()


NO_CHORD = Chord(None, "N")
VOCABULARY = tuple(Chord(root, quality) for quality in QUALITIES for root in range(12))   # N not included


def _pitch_class(letter: str, accidental: str | None) -> int:
    return (_NATURAL[letter] + {"#": 1, "b": -1}.get(accidental or "", 0)) % 12


def _spell(letter: str, pc: int) -> str | None:
    """``pc`` written on ``letter`` with at most one sharp or flat (None if that cannot be done)."""
    offset = (pc - _NATURAL[letter]) % 12
    return {0: letter, 1: letter + "#", 11: letter + "b"}.get(offset)


_MAJOR_TONICS = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MINOR_TONICS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")


def spellings(key: Key | None) -> tuple[str, ...]:
    """How each pitch class 0-11 is written in ``key``: its scale's own names (Cb in Gb major,
    F# and G# in A minor), and for the other notes the flat of the scale note above ('Bb' in D
    major, as in a borrowed bVI), the raised fourth (F# in C major) and, in minor, the raised third;
    never a name with two accidentals, or E#, B#, Cb, Fb outside the key signature. A key is
    spelled with the fewer accidentals (Db major, not C# major; but C# and G# minor). Without a
    key: C C# D Eb E F F# G Ab A Bb B."""
    if key is None:
        return NAMES
    tonic = (_MINOR_TONICS if key.minor else _MAJOR_TONICS)[key.tonic]
    first = _LETTERS.index(tonic[0])
    steps = (0, 2, 3, 5, 7, 8, 10) if key.minor else (0, 2, 4, 5, 7, 9, 11)
    names: dict[int, str] = {}
    letter_of: dict[int, str] = {}
    for degree, step in enumerate(steps):
        letter = _LETTERS[(first + degree) % 7]
        pc = (key.tonic + step) % 12
        names[pc] = _spell(letter, pc) or NAMES[pc]
        letter_of[pc] = letter
    if key.minor:                                    # the raised sixth and seventh of melodic minor
        for degree, step in ((5, 9), (6, 11)):
            pc, letter = (key.tonic + step) % 12, _LETTERS[(first + degree) % 7]
            raised = _spell(letter, pc)
            if raised and raised not in ("E#", "B#"):    # a C chord in C# minor reads better than B#
                names[pc], letter_of[pc] = raised, letter
    for pc in range(12):
        if pc in names:
            continue
        tries = []
        if pc == (key.tonic + 6) % 12:               # the raised fourth (F# in C), a secondary leading note
            tries.append(letter_of[(key.tonic + 5) % 12])
        if key.minor and pc == (key.tonic + 4) % 12:  # the major third of minor's tonic (C# in A minor)
            tries.append(letter_of[(key.tonic + 3) % 12])
        tries += [letter_of.get((pc + 1) % 12, ""), letter_of.get((pc - 1) % 12, "")]
        written = [_spell(letter, pc) for letter in tries if letter]
        names[pc] = next((name for name in written if name and name not in ("E#", "B#", "Cb", "Fb")), NAMES[pc])
    return tuple(names[pc] for pc in range(12))


# -- the Harte labels of annotated datasets (POP909, Isophonics) --------------------------------------

_HARTE_SHORTHANDS = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8), "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10), "7": (0, 4, 7, 10), "dim7": (0, 3, 6, 9), "hdim7": (0, 3, 6, 10),
    "minmaj7": (0, 3, 7, 11), "maj6": (0, 4, 7, 9), "min6": (0, 3, 7, 9), "9": (0, 4, 7, 10, 2),
    "maj9": (0, 4, 7, 11, 2), "min9": (0, 3, 7, 10, 2), "11": (0, 4, 7, 10, 2, 5), "min11": (0, 3, 7, 10, 2, 5),
    "13": (0, 4, 7, 10, 2, 9), "maj13": (0, 4, 7, 11, 2, 9), "min13": (0, 3, 7, 10, 2, 9),
    "sus2": (0, 2, 7), "sus4": (0, 5, 7), "5": (0, 7), "1": (0,),
}
_DEGREES = {1: 0, 2: 2, 3: 4, 4: 5, 5: 7, 6: 9, 7: 11, 8: 0, 9: 2, 10: 4, 11: 5, 12: 7, 13: 9}
_HARTE = re.compile(r"([A-G][#b]*)(?::([^(/]*))?(?:\(([^)]*)\))?(?:/([#b]*\d+))?")


def _degree(text: str) -> int:
    number = int(text.lstrip("#b"))
    if number not in _DEGREES:
        raise ValueError(f"'{text}' is not a scale degree")
    return (_DEGREES[number] + text.count("#") - text.count("b")) % 12


def parse_harte(label: str) -> Chord:
    """The nearest vocabulary chord to a Harte-style label ('A:min7', 'F:maj/3', 'G:sus4(b7)', 'N').

    The label's tones (shorthand, plus the degrees in brackets, less those marked ``*``) are
    reduced by their third, fifth and seventh, keeping the root and the bass:
    major third: with b7, 7 (so 9, 11, 13, 7(b9) and 7(#5) too); with 7, maj7 (maj9); with a sharp
    fifth and no fifth, aug; else major (maj6, maj(9); the power chords 1 and 5 too).
    minor third: with b5 and no fifth, m7b5 if b7 is there, else dim (dim7 too); with b7, m7
    (min9, min11); else minor (min6, minmaj7). No third: sus4 if the fourth is there, else sus2
    (sus4(b7) is sus4). ``N`` and ``X`` (unknown) are no chord. Raises ValueError otherwise."""
    text = label.strip()
    if text in ("N", "X"):
        return NO_CHORD
    match = _HARTE.fullmatch(text)
    if not match:
        raise ValueError(f"'{label}' is not a Harte chord label (such as 'A:min7' or 'F:maj/3')")
    root_text, shorthand, added, bass_text = match.groups()
    root = _pitch_class(root_text[0], None) + root_text.count("#") - root_text.count("b")
    if shorthand is None or (shorthand == "" and added is None):
        shorthand = "maj"
    if shorthand and shorthand not in _HARTE_SHORTHANDS:
        raise ValueError(f"'{label}': '{shorthand}' is not a Harte chord quality")
    tones = set(_HARTE_SHORTHANDS.get(shorthand, ()))
    for item in filter(None, (part.strip() for part in (added or "").split(","))):
        try:
            tones.discard(_degree(item[1:])) if item.startswith("*") else tones.add(_degree(item))
        except ValueError:
            raise ValueError(f"'{label}': '{item}' is not a scale degree") from None
    if 4 in tones:
        quality = ("7" if 10 in tones else "maj7" if 11 in tones
                   else "aug" if 8 in tones and 7 not in tones else "maj")
    elif 3 in tones:
        quality = (("hdim7" if 10 in tones else "dim") if 6 in tones and 7 not in tones
                   else "min7" if 10 in tones else "min")
    else:
        quality = "sus4" if 5 in tones else "sus2" if 2 in tones else "maj"
    try:
        bass = None if bass_text is None else (root + _degree(bass_text)) % 12
    except ValueError:
        raise ValueError(f"'{label}': the bass '{bass_text}' is not a scale degree") from None
    return Chord(root % 12, quality, bass)


def majmin(chord: Chord) -> Chord | None:
    """The chord as MIREX's "majmin" scores it: its major or minor triad (sevenths reduced, the bass
    left out), N as N, and None for chords outside major and minor (dim, m7b5, aug, sus2, sus4)."""
    if chord.root is None:
        return NO_CHORD
    triad = {"maj": "maj", "7": "maj", "maj7": "maj", "min": "min", "min7": "min"}.get(chord.quality)
    return None if triad is None else Chord(chord.root, triad)


# -- recognition ------------------------------------------------------------------------------------

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


def beat_steps(phrase: Phrase) -> int:
    """Steps in one beat: a quarter note in 4/4, an eighth in 6/8 (the time signature's lower number)."""
    return max(1, phrase.steps_per_quarter * 4 // phrase.time_signature[1])


def span_edges(phrase: Phrase, span: int | str = "beat") -> np.ndarray:
    """The steps where spans begin, and the phrase's end: ``span`` is a number of steps, 'beat',
    'half bar' (a bar when it has an odd number of beats) or 'bar', counted from step 0."""
    num, beat = phrase.time_signature[0], beat_steps(phrase)
    sizes = {"beat": beat, "half bar": beat * (num // 2) if num % 2 == 0 else phrase.steps_per_bar,
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
    starts, beat = edges[:-1], beat_steps(phrase)
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
    beat = beat_steps(phrase)
    evidence = span_evidence(phrase, edges, round(settings.longest_note * beat), settings.held_weight,
                             settings.top_voice_weight, settings.attack * beat)
    key = key if key is not None else estimate_key(phrase)
    path = best_path(chord_scores(evidence, key, settings), change_costs(edges, phrase, settings, downbeats))
    return chords_of_path(path, evidence)


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
