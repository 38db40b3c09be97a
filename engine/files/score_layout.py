"""How a phrase is laid out as sheet music, before any notation is written: the grid it is read on,
its keys and how each note is spelled, the values notes are written with, which hand (staff) plays
each note and in which clef, which notes share a voice, where the bar lines fall and how silences
are written as rests. ``score_writer`` writes the score from these decisions.
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import replace
from fractions import Fraction

from ..music.keys import key_for_notation
from ..music.phrase import Note, Phrase, regrid, trim

MIDDLE_C = 60
# How a pitch class is spelled in a key, by semitones above the tonic: (scale degree from 0, and
# the alteration of that degree). Major: raised 1st, 4th and 5th, lowered 3rd and 7th; minor: the
# natural minor's degrees, the raised 3rd, 4th, 6th and 7th and the lowered (Neapolitan) 2nd.
MAJOR_DEGREES = ((0, 0), (0, 1), (1, 0), (2, -1), (2, 0), (3, 0), (3, 1), (4, 0), (4, 1), (5, 0), (6, -1), (6, 0))
MINOR_DEGREES = ((0, 0), (1, -1), (1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (4, 0), (5, 0), (5, 1), (6, 0), (6, 1))
# Each tonic under the name with the fewer accidentals in its signature (Db major, not C# major)
MAJOR_TONICS = ("C", "D-", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B")
MINOR_TONICS = ("c", "c#", "d", "e-", "e", "f", "f#", "g", "g#", "a", "b-", "b")
VOICE_COST = 4               # a second voice on a staff, or a chord one hand cannot span, costs as
LEDGER_COST = 0.1            # much as 40 ledger lines
HAND_SPAN = 16               # a tenth: the widest chord written for one hand
LINE_BREAK_COST = 0.5        # a melody alone moving to the other staff: as much as 5 ledger lines
# Grids (steps a quarter) a score shows plainly, coarsest first: up to 32nd-note triplets and 64ths
READING_GRIDS = (4, 8, 12, 16, 24, 32, 48)
TRIPLETS_KEPT = 0.5          # free timing is read in triplets when they halve how far the notes move


# -- the grid it is written on --------------------------------------------------------------------

def for_reading(phrase: Phrase) -> Phrase:
    """The phrase on the coarsest grid a score writes plainly that holds every note where it is
    (notation's triplets, 32nds and 64ths come out exactly); music played in free time (a
    performance's MIDI) is read on sixteenths, or on sixteenths and triplets where that moves its
    notes half as far. Only the sheet music is quantized: the phrase itself stays as it is."""
    spq = phrase.steps_per_quarter
    num, den = phrase.time_signature
    times = {n.start for n in phrase.notes} | {n.end for n in phrase.notes}
    for grid in READING_GRIDS:
        if spq % grid == 0 and 4 * num * grid % den == 0 and all(t % (spq // grid) == 0 for t in times):
            return regrid(phrase, grid)
    if spq <= READING_GRIDS[-1]:
        return phrase

    def moved(grid: int) -> float:
        return sum(abs(t * grid / spq - round(t * grid / spq)) / grid for t in times)
    return regrid(phrase, 12 if moved(12) < TRIPLETS_KEPT * moved(4) else 4)


# -- the key --------------------------------------------------------------------------------------

def _music21_key(name: str):
    """A key signature as MIDI files name it ("Eb", "F#m") as a music21 key."""
    from music21 import key
    minor = name.endswith("m")
    tonic = name[:-1] if minor else name
    return key.Key(tonic.replace("b", "-").lower() if minor else tonic.replace("b", "-"),
                   "minor" if minor else "major")


def score_keys(phrase: Phrase) -> list:
    """(step, music21 key) for the score: the file's key signatures, else the key of the whole phrase.

    A file's signature fixes the sharps or flats; whether it is the major or the relative minor
    (which spells the raised 7th) is read from the notes it covers, as files often say "C" for
    anything. A key change is moved to the nearest bar line.
    """
    from music21 import key
    if not phrase.key_signatures:
        found = key_for_notation(phrase)
        if found is None:
            return [(0, key.Key("C"))]
        return [(0, key.Key((MINOR_TONICS if found.minor else MAJOR_TONICS)[found.tonic],
                            "minor" if found.minor else "major"))]
    bar = phrase.steps_per_bar
    steps = [0] + [round(step / bar) * bar for step, _ in phrase.key_signatures[1:]]
    keys = []
    ends = steps[1:] + [max(phrase.length, steps[-1]) + 1]
    for (_, name), start, end in zip(phrase.key_signatures, steps, ends):
        written = _music21_key(name)
        found = key_for_notation(trim(phrase, start, end)) if end > start else None
        if found is not None and found.minor != (written.mode == "minor") \
                and written.relative.tonic.pitchClass == found.tonic:
            written = written.relative
        keys.append((start, written))
    return keys


def spelled_pitch(midi: int, tonality, borrowed: bool = False):
    """The pitch spelled as the key reads it: in A minor G sharp, F sharp and D sharp, in E flat major
    G flat and D flat (see ``MAJOR_DEGREES``). ``borrowed``: the music borrows from the minor here
    (a major key's lowered third and not its major third), so the 6th is lowered, not the 5th raised
    (A flat major's C flat goes with F flat, as Joplin wrote it, not E natural)."""
    from music21 import pitch
    minor = tonality.mode == "minor"
    above = (midi - tonality.tonic.pitchClass) % 12
    degree, _ = (MINOR_DEGREES if minor else MAJOR_DEGREES)[above]
    if borrowed and not minor and above == 8:
        degree = 5
    base = tonality.pitchFromDegree(degree + 1)            # the natural minor's degree in minor
    alter = ((midi - base.pitchClass) + 6) % 12 - 6
    spelled = pitch.Pitch(base.step)
    total = (base.accidental.alter if base.accidental is not None else 0) + alter
    if total:
        spelled.accidental = pitch.Accidental(int(total))
    spelled.octave = 4
    spelled.octave += (midi - spelled.midi) // 12
    return spelled


# -- written values -------------------------------------------------------------------------------

def lengthening_unit(phrase: Phrase) -> int:
    """The span within which a short note followed by a rest may be written longer (see
    ``written_lengths``): the note value the metre counts in (a quarter in 3/4 and 6/4, an eighth
    in 7/8), or a dotted quarter in 6/8, 9/8 and 12/8; one step where the grid cannot place it.
    Not the beat: in 6/4 or 2/2, where the beat is a dotted half or a half, a quarter and a rest
    after it on the beat were written as a longer note (a quarter and an eighth rest as a dotted
    quarter, with no staccato to say so)."""
    num, den = phrase.time_signature
    unit = Fraction(phrase.steps_per_quarter * 4, den) * (3 if den >= 8 and num > 3 and num % 3 == 0 else 1)
    # a grid on which that value does not fall on steps (6/8 at three steps a quarter: a dotted
    # quarter is 4.5) would lengthen notes across it: none is lengthened there
    return int(unit) if unit.denominator == 1 and unit >= 1 else 1


def _written_end(n: Note, onsets: list[int], beat: int) -> int:
    """Where a note ends as written (see ``written_lengths``); ``onsets``: the staff's, sorted."""
    following = bisect.bisect_right(onsets, n.start)
    beat_end = (n.start // beat + 1) * beat
    next_onset = onsets[following] if following < len(onsets) else beat_end
    return max(n.end, min(next_onset, beat_end, n.end + n.duration))


def written_lengths(notes: list[Note], beat: int) -> list[Note]:
    """The notes as written for reading: each is lengthened towards the next start on its staff, but
    never past the end of the beat it starts in nor to more than twice its length (a 16th and a
    16th rest are written as an 8th, an 8th and an 8th rest on the beat as a quarter). Starts never
    change, and a note that overlaps the next start keeps its length."""
    onsets = sorted({n.start for n in notes})
    return [replace(n, duration=_written_end(n, onsets, beat) - n.start) for n in notes]


# -- staves and voices ------------------------------------------------------------------------------

def _height(events) -> float:
    pitches = [n.pitch for _, _, group in events for n in group]
    return sum(pitches) / len(pitches)


def voice_lanes(notes: list[Note]) -> list[list[tuple[int, int, list[Note]]]]:
    """Chords (same start and length) shared out among as few non-overlapping voices as possible.

    Music where nothing overlaps is all in voice 1. Where chords overlap, the stretch they overlap
    in is shared out among lanes (each chord to the free lane it continues most smoothly) and the
    highest lane becomes voice 1, the next voice 2: an upper line over a held note reads as two
    voices there and as one voice again after it.
    """
    chords: dict[tuple[int, int], list[Note]] = {}
    for n in notes:
        chords.setdefault((n.start, n.duration), []).append(n)
    stretches: list[list] = []
    reach = -1
    for (start, length), group in sorted(chords.items()):
        if start >= reach:
            stretches.append([])
        stretches[-1].append((start, length, group))
        reach = max(reach, start + length)
    voices: list[list] = [[]]
    for stretch in stretches:
        lanes: list[list] = []                         # [end, [(start, length, notes)]]
        for start, length, group in stretch:
            free = [lane for lane in lanes if lane[0] <= start]
            if free:
                pitch = _height([(start, length, group)])
                lane = min(free, key=lambda lane: abs(_height(lane[1][-1:]) - pitch))
                lane[0] = start + length
                lane[1].append((start, length, group))
            else:
                lanes.append([start + length, [(start, length, group)]])
        for number, (_, events) in enumerate(sorted(lanes, key=lambda lane: -_height(lane[1]))):
            if number == len(voices):
                voices.append([])
            voices[number] += events
    return voices


# the diatonic step of each pitch class (C# on C's line, E flat on E's), for counting ledger lines
_DIATONIC = (0, 0, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6)
_TREBLE_LINES = (30, 38)     # E4 and F5, as diatonic steps from C0
_BASS_LINES = (18, 26)       # G2 and A3


def _ledger_lines(pitch: int, treble: bool) -> int:
    """How many ledger lines a note needs on the treble or the bass staff."""
    step = (pitch // 12 - 1) * 7 + _DIATONIC[pitch % 12]
    bottom, top = _TREBLE_LINES if treble else _BASS_LINES
    return max(0, (bottom - step) // 2, (step - top) // 2)


def _voice_count(hand: list[Note], beat: int) -> int:
    """How many voices ``_voices`` writes a hand's notes in, without writing them: the most chords
    (notes that start and end together, as written) that sound at once, as lanes are shared out
    first come, first served."""
    onsets = sorted({n.start for n in hand})
    chords = sorted({(n.start, _written_end(n, onsets, beat)) for n in hand})
    ends: list[int] = []
    most = 0
    for start, end in chords:
        while ends and ends[0] <= start:
            heapq.heappop(ends)
        heapq.heappush(ends, end)
        most = max(most, len(ends))
    return most


def _split_cost(notes: list[Note], split: int, beat: int) -> float:
    """How hard a bar is to read with the notes from ``split`` up on the treble staff."""
    line = sorted(notes, key=lambda n: n.start)
    if all(a.end <= b.start for a, b in zip(line, line[1:])):
        # a single line (a fiddle tune, a melody alone) jumping between the staves is hard to follow
        cost = LINE_BREAK_COST * sum((a.pitch >= split) != (b.pitch >= split) for a, b in zip(line, line[1:]))
    else:
        cost = 0.0
    for treble in (True, False):
        hand = [n for n in notes if (n.pitch >= split) == treble]
        if hand:
            cost += VOICE_COST * (_voice_count(hand, beat) - 1)
            cost += LEDGER_COST * sum(_ledger_lines(n.pitch, treble) for n in hand)
            struck: dict[int, list[int]] = {}
            for n in hand:
                struck.setdefault(n.start, []).append(n.pitch)
            cost += VOICE_COST * sum(max(chord) - min(chord) > HAND_SPAN for chord in struck.values())
    return cost


def hands(phrase: Phrase) -> tuple[list[Note], list[Note]]:
    """The notes for the right hand (treble staff) and the left (bass staff).

    Each bar is split at a pitch: the one that needs the fewest voices on the two staves and the
    fewest chords wider than a hand, then the fewest ledger lines, then is nearest middle C; moving
    the split from one bar to the next costs half a voice, so that the hands keep their notes. (An
    Alberti bass just below a melody goes to the bass staff rather than into a second voice.)"""
    beat = lengthening_unit(phrase)
    bar = phrase.steps_per_bar
    by_bar: dict[int, list[Note]] = {}
    for n in phrase.notes:
        by_bar.setdefault(n.start // bar, []).append(n)
    pitches = sorted({n.pitch for n in phrase.notes})
    splits = sorted({MIDDLE_C, pitches[0]} | {p + 1 for p in pitches})
    # best[s]: the cost of the bars so far with the last bar split at s; came_from[bar][s]: the
    # split of the bar before on that way (kept bar by bar, not as a list a bar: linear in the bars)
    best = dict.fromkeys(splits, 0.0)
    came_from: list[dict[int, int]] = []
    for index in sorted(by_bar):
        notes = by_bar[index]
        low_to_high = sorted(n.pitch for n in notes)
        costs: dict[int, float] = {}
        for s in splits:
            below = bisect.bisect_left(low_to_high, s)      # splits that part the bar alike cost alike
            if below not in costs:
                costs[below] = _split_cost(notes, s, beat)
        came = min(splits, key=best.__getitem__)
        moved = best[came] + VOICE_COST / 2
        came_from.append({s: s if best[s] <= moved else came for s in splits})
        best = {s: min(best[s], moved) + costs[bisect.bisect_left(low_to_high, s)] + 0.001 * abs(s - MIDDLE_C)
                for s in splits}
    chosen: dict[int, int] = {}
    split = min(splits, key=best.__getitem__)
    for index, back in zip(sorted(by_bar, reverse=True), reversed(came_from)):
        chosen[index] = split
        split = back[split]
    right = [n for n in phrase.notes if n.pitch >= chosen[n.start // bar]]
    left = [n for n in phrase.notes if n.pitch < chosen[n.start // bar]]
    return right, left


def clefs(notes: list[Note], phrase: Phrase, treble: bool) -> dict[int, bool]:
    """Whether each bar of a staff is in the treble clef: the staff's own clef, until a bar needs at
    least 4 ledger lines more in it than in the other clef, and over twice as many (an Alberti
    bass around middle C is written in the treble clef on the bass staff); then the other clef,
    until the same holds the other way."""
    by_bar: dict[int, list[int]] = {}
    for n in notes:
        by_bar.setdefault(n.start // phrase.steps_per_bar, []).append(n.pitch)
    chosen, now = {}, treble
    for index in sorted(by_bar):
        here = sum(_ledger_lines(p, now) for p in by_bar[index])
        there = sum(_ledger_lines(p, not now) for p in by_bar[index])
        if here - there >= 4 and here > 2 * there:
            now = not now
        chosen[index] = now
    return chosen


def pickup_steps(phrase: Phrase) -> int:
    """How far into the first bar a pickup starts: the first note's start when it comes in the
    second half of the first bar, else 0 (a bar that starts with a short rest is a whole bar)."""
    first = min((n.start for n in phrase.notes), default=0)
    bar = phrase.steps_per_bar
    return first if bar / 2 <= first < bar else 0


# -- the score ------------------------------------------------------------------------------------

def beat_rests(start: int, end: int, beat: int) -> list[tuple[int, int]]:
    """A silence as rests (start, end) that show the beats: the part before the first beat line
    and the part after the last one stand apart (a 16th rest and a quarter rest, not a dotted one)."""
    first, last = -(-start // beat) * beat, end // beat * beat
    lines = sorted({start, end} | {line for line in (first, last) if start < line < end})
    return list(zip(lines, lines[1:]))


def borrowed_bars(phrase: Phrase, keys: list) -> set[int]:
    """The bars where music in a major key has its lowered third and not its major third."""
    heard: dict[int, set[int]] = {}
    for n in phrase.notes:
        heard.setdefault(n.start // phrase.steps_per_bar, set()).add(n.pitch % 12)
    borrowed = set()
    steps = [step for step, _ in keys]
    for index, classes in heard.items():
        tonality = keys[bisect.bisect_right(steps, index * phrase.steps_per_bar) - 1][1]
        tonic = tonality.tonic.pitchClass
        if tonality.mode == "major" and (tonic + 3) % 12 in classes and (tonic + 4) % 12 not in classes:
            borrowed.add(index)
    return borrowed


class BarLines:
    """Where the bar lines of a score fall, in the phrase's steps (a fraction where the metre does
    not fit the grid: a bar of 1/64 on sixteenths is a quarter of a step). Bar 0 starts at the
    pickup; bar k after it at k bars."""

    def __init__(self, phrase: Phrase, pickup: int):
        num, den = phrase.time_signature
        self.spq = phrase.steps_per_quarter
        self.length = Fraction(4 * num * self.spq, den)
        self.pickup = pickup
        self.count = max(1, -(-phrase.length // self.length))

    def start(self, k: int) -> Fraction:
        return Fraction(self.pickup) if k == 0 else k * self.length

    def of(self, step) -> int:
        """The bar a step lies in (a step on a bar line begins the bar after it)."""
        return int(step // self.length)

    def pieces(self, start, end, only: list[int] | None = None):
        """The span start..end cut at the bar lines: (bar, offset in quarters from the bar's start,
        length in quarters); ``only``: the bars wanted (sorted), when not all of them are."""
        first, last = self.of(start), self.of(end - Fraction(1, 10**6))
        bars = range(first, last + 1) if only is None else \
            only[bisect.bisect_left(only, first):bisect.bisect_right(only, last)]
        for k in bars:
            a, b = max(start, self.start(k)), min(end, self.start(k + 1))
            if b > a:
                yield k, (a - self.start(k)) / self.spq, (b - a) / self.spq
