"""Chords: a small vocabulary and names as musicians write them.

The vocabulary is twelve roots times ten qualities (major, minor, dominant 7, maj7, m7, dim, m7b5,
aug, sus2, sus4), an optional bass note (a slash chord: ``F/C``) and ``N``, no chord. Names are
spelled in a key when one is given (``Bb`` in F major, ``A#`` never in a flat key). Recognising
the chords of a phrase is ``harmony.py``'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .keys import NAMES, Key

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
