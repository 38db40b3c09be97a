"""Notes on a grid, and pure edits of a phrase.

Time is counted in integer grid *steps* from the start of the phrase. Music the user opens, draws
or plays in lives on the fine grid, ``FINE_STEPS_PER_QUARTER`` (480 a quarter note, a MIDI file's
usual resolution: triplets, 32nds, grace notes and free timing stay where they were played). A
model reads its own coarser view of it (4 steps a quarter by default, a sixteenth note per step:
the original design's 0.25-beat time step; ``regrid``), and what it writes lands on its grid.
Seconds appear only at the edges (playback, MIDI export), through ``Phrase.seconds_per_step``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Iterable

LOWEST_PITCH = 0
HIGHEST_PITCH = 127
DEFAULT_VELOCITY = 80
DEFAULT_STEPS_PER_QUARTER = 4        # a model's grid: a sixteenth note per step
FINE_STEPS_PER_QUARTER = 480         # the user's music: every note kept where it was written or played
# The twelve pitch classes as Segue names them (a key's tonic, a chord's root), C first
PITCH_CLASS_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
# Key signatures as MIDI files name them, round the circle of fifths: 7 flats to 7 sharps, major then minor
KEY_SIGNATURES = ("Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#",
                  "Abm", "Ebm", "Bbm", "Fm", "Cm", "Gm", "Dm", "Am", "Em", "Bm", "F#m", "C#m", "G#m", "D#m", "A#m")


def steps_per_beat(time_signature: tuple[int, int], steps_per_quarter: int) -> int:
    """Steps in one beat of a metre, the one definition of a beat in Segue: the note value the time
    signature counts in (a quarter in 3/4, a half in 2/2, an eighth in 7/8, a sixteenth in 5/16),
    or three of them in a compound metre, one counted in 6, 9, 12... (a dotted quarter in 6/8 and
    12/8, a dotted half in 6/4). At least one step; rounded down where the grid is coarser."""
    numerator, denominator = time_signature
    values = 3 if numerator > 3 and numerator % 3 == 0 else 1
    return max(1, values * 4 * steps_per_quarter // denominator)


def beats_per_bar(time_signature: tuple[int, int]) -> int:
    """Beats in one bar of a metre (see ``steps_per_beat``): 4 in 4/4, 2 in 2/2 and 6/8, 7 in 7/8, 4 in 12/8."""
    numerator = time_signature[0]
    return numerator // 3 if numerator > 3 and numerator % 3 == 0 else numerator


@dataclass(frozen=True, slots=True)
class Note:
    """One note: MIDI pitch (60 = middle C), start and duration in grid steps, velocity 1-127."""

    pitch: int
    start: int
    duration: int
    velocity: int = DEFAULT_VELOCITY

    def __post_init__(self):
        if not LOWEST_PITCH <= self.pitch <= HIGHEST_PITCH:
            raise ValueError(f"pitch {self.pitch} is outside 0-127")
        if self.start < 0:
            raise ValueError(f"note starts before the phrase (step {self.start})")
        if self.duration < 1:
            raise ValueError(f"note duration must be at least one step, not {self.duration}")
        if not 1 <= self.velocity <= 127:
            raise ValueError(f"velocity {self.velocity} is outside 1-127")

    @property
    def end(self) -> int:
        return self.start + self.duration

    def sort_key(self) -> tuple[int, int, int, int]:
        """Canonical order: by start, then pitch (low to high), duration, velocity."""
        return (self.start, self.pitch, self.duration, self.velocity)


@dataclass(frozen=True)
class Phrase:
    """An immutable run of notes with the grid, tempo and metre they live in.

    ``notes`` are kept in canonical order (see ``Note.sort_key``). ``length`` is the phrase's
    length in steps: at least the end of the last note, more when the phrase ends in a rest.
    ``tempo_bpm`` is the tempo at the start; ``tempo_changes`` the later ones as (step, bpm), and
    ``key_signatures`` the key signatures as (step, key), a key named as MIDI files name it
    ("Eb", "F#m"; see ``KEY_SIGNATURES``). ``chords`` are the chords the user set, as (start, end,
    name) with names as musicians write them ("Am7", "F/C"; ``engine.music.chords`` reads them),
    in time order and never overlapping. All three belong to the timeline: edits that move notes
    leave them where they are.
    """

    notes: tuple[Note, ...] = ()
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER
    tempo_bpm: float = 120.0
    time_signature: tuple[int, int] = (4, 4)
    end: int = 0
    tempo_changes: tuple[tuple[int, float], ...] = ()
    key_signatures: tuple[tuple[int, str], ...] = ()
    chords: tuple[tuple[int, int, str], ...] = ()

    def __post_init__(self):
        ordered = tuple(sorted(self.notes, key=Note.sort_key))
        object.__setattr__(self, "notes", ordered)
        if self.steps_per_quarter < 1:
            raise ValueError("steps_per_quarter must be at least 1")
        if not self.tempo_bpm > 0:
            raise ValueError(f"tempo must be positive, not {self.tempo_bpm}")
        num, den = self.time_signature
        if num < 1 or den < 1 or den & (den - 1):
            raise ValueError(f"time signature {num}/{den} is not valid")
        last_end = max((n.end for n in ordered), default=0)
        object.__setattr__(self, "end", max(int(self.end), last_end))
        tempos = _timeline((int(step), float(bpm)) for step, bpm in self.tempo_changes)
        if any(step < 1 or not bpm > 0 for step, bpm in tempos):
            raise ValueError(f"tempo changes must come after the start and be positive, not {tempos}")
        object.__setattr__(self, "tempo_changes", _timeline(tempos, first=self.tempo_bpm))
        keys = _timeline((int(step), str(key)) for step, key in self.key_signatures)
        for step, key in keys:
            if step < 0 or key not in KEY_SIGNATURES:
                raise ValueError(f"'{key}' at step {step} is not a key signature (such as 'Eb' or 'F#m')")
        object.__setattr__(self, "key_signatures", keys)
        chords = tuple(sorted((int(a), int(b), str(name)) for a, b, name in self.chords))
        for (a, b, name), later in zip(chords, chords[1:] + ((None, None, None),)):
            if a < 0 or b <= a or not name:
                raise ValueError(f"a chord must have a name and end after it starts, not {name!r} at {a}-{b}")
            if later[0] is not None and later[0] < b:
                raise ValueError(f"the chords {name!r} ({a}-{b}) and {later[2]!r} ({later[0]}-{later[1]}) overlap")
        object.__setattr__(self, "chords", chords)

    # -- measures ---------------------------------------------------------------------------
    @property
    def length(self) -> int:
        """Length in steps (the end of the last note, or later if the phrase ends in a rest)."""
        return self.end

    @property
    def steps_per_bar(self) -> int:
        """Steps in one bar of the time signature, rounded up for metres that don't fit the grid."""
        num, den = self.time_signature
        quarters = Fraction(4 * num, den)
        return max(1, -(-quarters * self.steps_per_quarter // 1))

    @property
    def steps_per_beat(self) -> int:
        """Steps in one beat of the time signature (``steps_per_beat``: a dotted quarter in 6/8)."""
        return steps_per_beat(self.time_signature, self.steps_per_quarter)

    @property
    def beats_per_bar(self) -> int:
        """Beats in one bar of the time signature (2 in 6/8, 7 in 7/8)."""
        return beats_per_bar(self.time_signature)

    @property
    def seconds_per_step(self) -> float:
        return 60.0 / self.tempo_bpm / self.steps_per_quarter

    @property
    def bars(self) -> float:
        return self.length / self.steps_per_bar

    def tempo_at(self, step: int) -> float:
        """The tempo in beats per minute in effect at ``step``."""
        return next((bpm for at, bpm in reversed(self.tempo_changes) if at <= step), self.tempo_bpm)

    def with_notes(self, notes: Iterable[Note], end: int = 0) -> "Phrase":
        """The same grid, tempo and metre with other notes."""
        return replace(self, notes=tuple(notes), end=end)


def _timeline(changes, first=None) -> tuple:
    """(step, value) changes in time order: the last one given at a step wins, and one that
    repeats the value before it (or ``first`` at the start) is left out."""
    latest = dict(sorted(changes, key=lambda change: change[0]))
    out, before = [], first
    for step, value in sorted(latest.items()):
        if value != before:
            out.append((step, value))
        before = value
    return tuple(out)


# -- pure edits: each returns a new phrase ----------------------------------------------------

def transpose(phrase: Phrase, semitones: int) -> Phrase:
    """Move every note by ``semitones``. Notes pushed outside 0-127 are dropped."""
    moved = [replace(n, pitch=n.pitch + semitones) for n in phrase.notes
             if LOWEST_PITCH <= n.pitch + semitones <= HIGHEST_PITCH]
    return phrase.with_notes(moved, end=phrase.end)


def shift(phrase: Phrase, steps: int) -> Phrase:
    """Move every note later (or earlier, if negative) by ``steps``. Notes moved before 0 are dropped."""
    moved = [replace(n, start=n.start + steps) for n in phrase.notes if n.start + steps >= 0]
    return phrase.with_notes(moved, end=max(0, phrase.end + steps))


def quantize(phrase: Phrase, steps: int, strength: float = 1.0) -> Phrase:
    """Pull starts (and ends) towards the nearest multiple of ``steps``; ``strength`` 0-1.

    A fully quantized note lasts at least one grid unit; a note snapped onto another of the same
    pitch at the same start is dropped.
    """
    if steps < 1:
        raise ValueError("quantize needs a grid of at least one step")

    def snap(t: int) -> int:
        target = int(round(t / steps)) * steps
        return int(round(t + (target - t) * strength))

    seen: set[tuple[int, int]] = set()
    out = []
    for n in phrase.notes:
        start = snap(n.start)
        end = max(start + (steps if strength >= 1 else 1), snap(n.end))
        if (n.pitch, start) in seen:
            continue
        seen.add((n.pitch, start))
        out.append(replace(n, start=start, duration=end - start))
    return phrase.with_notes(out, end=phrase.end)


def trim(phrase: Phrase, start: int, end: int) -> Phrase:
    """The part of the phrase between steps ``start`` and ``end``, moved to begin at 0.

    Notes that overlap the window are cut to fit; the result's length is ``end - start``.
    """
    if end <= start:
        raise ValueError("trim needs end after start")
    out = []
    for n in phrase.notes:
        a, b = max(n.start, start), min(n.end, end)
        if b > a:
            out.append(replace(n, start=a - start, duration=b - a))
    return replace(phrase, notes=tuple(out), end=end - start, tempo_bpm=phrase.tempo_at(start),
                   tempo_changes=tuple((s - start, bpm) for s, bpm in phrase.tempo_changes if start < s < end),
                   key_signatures=tuple((max(0, s - start), key) for s, key in phrase.key_signatures if s < end),
                   chords=tuple((max(a, start) - start, min(b, end) - start, name)
                                for a, b, name in phrase.chords if a < end and b > start))


def merge(first: Phrase, second: Phrase, offset: int = 0) -> Phrase:
    """``first`` with ``second``'s notes added ``offset`` steps later (grid and tempo of ``first``)."""
    if second.steps_per_quarter != first.steps_per_quarter:
        second = regrid(second, first.steps_per_quarter)
    later = [replace(n, start=n.start + offset) for n in second.notes]
    return first.with_notes(first.notes + tuple(later), end=max(first.end, second.end + offset))


def regrid(phrase: Phrase, steps_per_quarter: int) -> Phrase:
    """The phrase on another grid; starts and ends are rounded to the nearest new step.

    Onto a finer grid that is a multiple of the phrase's, nothing moves. Onto a coarser one (a
    model's view of the user's music) notes move to the nearest step, and two of one pitch that
    land on one step become one: the user's own notes are never replaced by such a view."""
    if steps_per_quarter == phrase.steps_per_quarter:
        return phrase
    ratio = Fraction(steps_per_quarter, phrase.steps_per_quarter)
    notes = {}
    for n in phrase.notes:
        start = scaled_step(n.start, ratio)
        end = max(start + 1, scaled_step(n.start + n.duration, ratio))
        notes[(n.pitch, start)] = Note(n.pitch, start, end - start, n.velocity)
    return replace(phrase, notes=tuple(notes.values()), steps_per_quarter=steps_per_quarter,
                   end=round(phrase.end * ratio),
                   tempo_changes=tuple((max(1, round(s * ratio)), bpm) for s, bpm in phrase.tempo_changes),
                   key_signatures=tuple((round(s * ratio), key) for s, key in phrase.key_signatures),
                   chords=_regridded_chords(phrase.chords, ratio))


def scaled_step(step: int, ratio: Fraction) -> int:
    """``round(step * ratio)``, halves to even, where a step lands on another grid: in integers, as
    a long piece is regridded at every look the model takes at it."""
    whole, rest = divmod(step * ratio.numerator, ratio.denominator)
    return whole + int(2 * rest > ratio.denominator or (2 * rest == ratio.denominator and whole % 2 == 1))


def _regridded_chords(chords, ratio: Fraction) -> tuple[tuple[int, int, str], ...]:
    """Chord spans on another grid: boundaries to the nearest step, a chord squeezed to nothing left
    out (the one before it keeps its start)."""
    out: list[tuple[int, int, str]] = []
    for a, b, name in chords:
        start, end = round(a * ratio), round(b * ratio)
        if out and start < out[-1][1]:
            start = out[-1][1]
        if end > start:
            out.append((start, end, name))
    return tuple(out)


def with_velocity(phrase: Phrase, velocity: int) -> Phrase:
    """Every note at one velocity."""
    return phrase.with_notes([replace(n, velocity=velocity) for n in phrase.notes], end=phrase.end)
