"""Phrases as sheet music: a piano grand staff in MusicXML, through music21, written for reading.

The original design showed its results as sheet music; so does Segue. Each bar is split between
the hands where each staff reads with the fewest voices (middle C when it makes no difference), and
a staff switches clef where its notes would need many ledger lines. On each staff, notes that start
and end together make a chord; notes that overlap otherwise go to separate voices, the highest
first. Notes are spelled in the key of the file's key signatures, or else of the key the whole
phrase suggests. A short note followed by a short rest within its beat (staccato playing) is written
as the longer value, with a staccato dot where it sounds half of it or less; a phrase whose first
bar starts past its middle begins with a pickup bar. Tempo, time signature, key signatures and
title are written; reading the file back gives the same notes at the same places (tested), with
their lengths as written.
"""

from __future__ import annotations

import bisect
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from ..atomic import atomic_path
from ..errors import MusicFileError
from ..music.keys import key_for_notation
from ..music.phrase import Note, Phrase, regrid, trim

MIDDLE_C = 60
LOWEST_WRITTEN = 12          # C0: MusicXML octaves run from 0 to 9
WRITTEN_SCORE_SUFFIXES = (".musicxml", ".xml")     # what Segue writes; music_files reads more
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
LONGEST_BAR = 64             # quarter notes: the longest value notation has (a duplex maxima)
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


def _keys(phrase: Phrase) -> list:
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


def _spelled(midi: int, tonality, borrowed: bool = False):
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

def written_lengths(notes: list[Note], beat: int) -> list[Note]:
    """The notes as written for reading: each is lengthened towards the next start on its staff, but
    never past the end of the beat it starts in nor to more than twice its length (a 16th and a
    16th rest are written as an 8th, an 8th and an 8th rest on the beat as a quarter). Starts never
    change, and a note that overlaps the next start keeps its length."""
    onsets = sorted({n.start for n in notes})
    out = []
    for n in notes:
        following = bisect.bisect_right(onsets, n.start)
        beat_end = (n.start // beat + 1) * beat
        next_onset = onsets[following] if following < len(onsets) else beat_end
        end = min(next_onset, beat_end, n.end + n.duration)
        out.append(replace(n, duration=max(n.duration, end - n.start)))
    return out


# -- staves and voices ------------------------------------------------------------------------------

def _height(events) -> float:
    pitches = [n.pitch for _, _, group in events for n in group]
    return sum(pitches) / len(pitches)


def _voices(notes: list[Note]) -> list[list[tuple[int, int, list[Note]]]]:
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
            cost += VOICE_COST * (len(_voices(written_lengths(hand, beat))) - 1)
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
    beat = phrase.steps_per_beat
    bar = phrase.steps_per_bar
    by_bar: dict[int, list[Note]] = {}
    for n in phrase.notes:
        by_bar.setdefault(n.start // bar, []).append(n)
    pitches = sorted({n.pitch for n in phrase.notes})
    splits = sorted({MIDDLE_C, pitches[0]} | {p + 1 for p in pitches})
    # best[s]: (cost of the bars so far, the splits chosen) with the last bar split at s
    best: dict[int, tuple[float, list[int]]] = {s: (0.0, []) for s in splits}
    for index in sorted(by_bar):
        notes = by_bar[index]
        costs: dict[int, float] = {}
        for s in splits:
            below = sum(n.pitch < s for n in notes)    # splits that part the bar alike cost alike
            costs.setdefault(below, _split_cost(notes, s, beat))
        came = min(best.values(), key=lambda entry: entry[0])
        best = {s: min((best[s][0], best[s][1]), (came[0] + VOICE_COST / 2, came[1]), key=lambda e: e[0])
                for s in splits}
        best = {s: (cost + costs[sum(n.pitch < s for n in notes)] + 0.001 * abs(s - MIDDLE_C), chosen + [s])
                for s, (cost, chosen) in best.items()}
    chosen = dict(zip(sorted(by_bar), min(best.values(), key=lambda entry: entry[0])[1]))
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

def _rests(start: int, end: int, beat: int) -> list[tuple[int, int]]:
    """A silence as rests (start, end) that show the beats: the part before the first beat line
    and the part after the last one stand apart (a 16th rest and a quarter rest, not a dotted one)."""
    first, last = -(-start // beat) * beat, end // beat * beat
    lines = sorted({start, end} | {line for line in (first, last) if start < line < end})
    return list(zip(lines, lines[1:]))


def _borrowed_bars(phrase: Phrase, keys: list) -> set[int]:
    """The bars where music in a major key has its lowered third and not its major third."""
    heard: dict[int, set[int]] = {}
    for n in phrase.notes:
        heard.setdefault(n.start // phrase.steps_per_bar, set()).add(n.pitch % 12)
    borrowed = set()
    for index, classes in heard.items():
        tonality = next(k for step, k in reversed(keys) if step <= index * phrase.steps_per_bar)
        tonic = tonality.tonic.pitchClass
        if tonality.mode == "major" and (tonic + 3) % 12 in classes and (tonic + 4) % 12 not in classes:
            borrowed.add(index)
    return borrowed


def _measures(events, sounding: dict, phrase: Phrase, total_quarters: float, keys: list, pickup: int,
              borrowed: set[int]):
    """One voice as a run of measures: notes, chords and the rests between them, tied over bars."""
    from music21 import articulations, chord, meter, note, stream

    spq = phrase.steps_per_quarter
    beat = phrase.steps_per_beat
    flat: stream.Stream = stream.Stream()
    flat.insert(0, meter.TimeSignature("{}/{}".format(*phrase.time_signature)))
    now = pickup
    for start, length, group in events + [(round(total_quarters * spq), 0, [])]:
        for a, b in _rests(now, start, beat) if start > now else ():
            flat.insert(a / spq, note.Rest(quarterLength=(b - a) / spq))
        if not group:
            break
        tonality = next(k for step, k in reversed(keys) if step <= start)
        here = start // phrase.steps_per_bar in borrowed
        pitches = [_spelled(p, tonality, here) for p in sorted(n.pitch for n in group)]
        element = note.Note(pitches[0]) if len(pitches) == 1 else chord.Chord(pitches)
        element.quarterLength = length / spq
        element.volume.velocity = max(n.velocity for n in group)
        if 2 * max(sounding[n] for n in group) <= length:
            element.articulations.append(articulations.Staccato())
        flat.insert(start / spq, element)
        now = start + length
    return list(flat.makeMeasures().makeTies().getElementsByClass(stream.Measure))


def phrase_to_score(phrase: Phrase, title: str = ""):
    """The phrase as a music21 score for piano: two staves joined by a brace, no composer named."""
    from music21 import clef, key, layout, metadata, meter, note, stream, tempo

    phrase = for_reading(phrase)
    spq = phrase.steps_per_quarter
    bar = phrase.time_signature[0] * 4 / phrase.time_signature[1]
    quarters = phrase.length / spq
    total = max(bar, -(-quarters // bar) * bar)
    pickup = pickup_steps(phrase)
    score = stream.Score()
    score.insert(0, metadata.Metadata(title=title, composer=""))   # music21 would say "Music21"
    keys = _keys(phrase)
    key_at_bar = {step // phrase.steps_per_bar: k for step, k in keys}
    beat = phrase.steps_per_beat
    borrowed = _borrowed_bars(phrase, keys)
    staves: list[stream.PartStaff] = []
    for name, staff_clef, notes in zip(("Right hand", "Left hand"), (clef.TrebleClef, clef.BassClef),
                                       hands(phrase)):
        staff = stream.PartStaff()
        staff.partName = name
        written = written_lengths(notes, beat)
        sounding = {w: n.duration for w, n in zip(written, notes)}
        voices = [_measures(v, sounding, phrase, total, keys, pickup, borrowed) for v in _voices(written)]
        in_treble = clefs(notes, phrase, staff_clef is clef.TrebleClef)
        was = None
        for k in range(len(voices[0])):
            measure = stream.Measure(number=k if pickup else k + 1)
            shift = pickup / spq if k == 0 else 0.0
            treble = in_treble.get(k, was if was is not None else staff_clef is clef.TrebleClef)
            if treble != was:
                measure.insert(0, clef.TrebleClef() if treble else clef.BassClef())
                was = treble
            if k == 0:
                measure.insert(0, meter.TimeSignature("{}/{}".format(*phrase.time_signature)))
                if not staves:
                    measure.insert(0, tempo.MetronomeMark(number=round(phrase.tempo_bpm, 2)))
                if pickup:
                    measure.paddingLeft = shift
            if k in key_at_bar or k == 0:
                measure.insert(0, key.KeySignature(key_at_bar.get(k, keys[0][1]).sharps))
            for number, voice_measures in enumerate(voices, start=1):
                if number > 1 and not voice_measures[k].notes:
                    continue                     # a bar where only the first voice plays has no others
                voice = stream.Voice(id=str(number))
                for element in voice_measures[k].notesAndRests:
                    if number > 1 and element.isRest:
                        element.style.hideObjectOnPrint = True   # an inner voice's rests clutter
                    voice.insert(element.offset - shift, element)
                measure.insert(0, voice)
            staff.append(measure)
        staves.append(staff)
    _write_chords(staves[0], phrase, pickup)
    for staff in staves:
        score.insert(0, staff)
    score.insert(0, layout.StaffGroup(staves, name="Piano", symbol="brace", barTogether=True))
    # lengths no single note value can show (2.25 quarters...) become tied notes here, where the
    # ties are right; left to the MusicXML exporter, a tie could jump to the next note of that pitch
    score.splitAtDurations(recurse=True)
    if bar != 4:
        # a whole-note rest reads back as "rest for the whole bar" in music21 (and so in Segue):
        # in bars that are not four quarters long, it is written as two half rests
        for rest in list(score.recurse().getElementsByClass(note.Rest)):
            if rest.quarterLength == 4:
                site = rest.activeSite
                rest.quarterLength = 2
                second = note.Rest(quarterLength=2)
                second.style.hideObjectOnPrint = rest.style.hideObjectOnPrint
                site.insert(rest.offset + 2, second)
    return score


# Segue's chord qualities as MusicXML's kinds of harmony
MUSICXML_KINDS = {"maj": "major", "min": "minor", "7": "dominant-seventh", "maj7": "major-seventh",
                  "min7": "minor-seventh", "dim": "diminished", "hdim7": "half-diminished-seventh",
                  "aug": "augmented", "sus2": "suspended-second", "sus4": "suspended-fourth"}


def chord_symbol(name: str):
    """A chord name ('Ebm7', 'F/C', 'N') as a music21 chord symbol, built from its root, kind and
    bass (music21's own reading of names mistakes 'Ebm7' and 'Bm7b5'), spelled as written."""
    from music21 import harmony

    from ..music.chords import Chord
    chord = Chord.parse(name)
    if chord.root is None:
        return harmony.NoChord()
    root, _, bass = name.strip().replace("♭", "b").replace("♯", "#").partition("/")
    spelled = root[:2] if root[1:2] in ("#", "b") else root[:1]
    return harmony.ChordSymbol(root=spelled.replace("b", "-"), kind=MUSICXML_KINDS[chord.quality],
                               bass=bass.replace("b", "-") if chord.bass is not None else None)


def _write_chords(staff, phrase: Phrase, pickup: int) -> None:
    """The chords set above the top staff, each at its start, and "N.C." where one ends with none
    right after it (a chord past the last bar written is left out)."""
    from music21 import stream
    if not phrase.chords:
        return
    marks = []
    for (start, end, name), following in zip(phrase.chords, list(phrase.chords[1:]) + [None]):
        marks.append((start, name))
        if following is None or following[0] != end:
            marks.append((end, "N"))
    measures = list(staff.getElementsByClass(stream.Measure))
    for step, name in marks:
        at = max(0.0, (step - pickup) / phrase.steps_per_quarter)     # part offset: the pickup bar is short
        measure = next((m for m in reversed(measures) if m.offset <= at + 1e-9), None)
        if measure is None or at >= measure.offset + measure.duration.quarterLength - 1e-9:
            continue
        measure.insert(at - measure.offset, chord_symbol(name))


def _number_voices(data: bytes) -> bytes:
    """The MusicXML with its voices numbered as MuseScore numbers them: from 1 on the treble staff
    and from 5 on the bass staff, in the same order in every bar. (music21 numbers the bass staff's
    voices after the treble's in each bar, so a line's number changes from bar to bar and MuseScore
    draws its rests off the middle of the staff, as a second voice's.)"""
    from xml.etree import ElementTree

    head = data[:data.index(b"<score-partwise")]
    root = ElementTree.fromstring(data[len(head):])
    for measure in root.iter("measure"):
        for staff, first in (("1", 1), ("2", 5)):
            voices = [v for e in measure if e.tag in ("note", "forward") and e.findtext("staff", "1") == staff
                      and (v := e.find("voice")) is not None]
            order = sorted({int(v.text or "") for v in voices})
            for v in voices:
                v.text = str(first + order.index(int(v.text or "")))
    return head + ElementTree.tostring(root, encoding="utf-8")


def write_musicxml(phrase: Phrase, path: str | Path, title: str | None = None) -> Path:
    """Write the phrase as a MusicXML score for notation programs, atomically; the title is
    ``title``, else the file's name without its suffix."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    path = Path(path)
    if not phrase.notes:
        raise MusicFileError(path, "there are no notes to write")
    num, den = phrase.time_signature
    if Fraction(4 * num, den) > LONGEST_BAR:
        raise MusicFileError(path, f"a bar of {num}/{den} lasts {Fraction(4 * num, den)} quarter notes, longer "
                                   f"than sheet music can write (at most {LONGEST_BAR}, a bar of 16/1)")
    too_low = [n for n in phrase.notes if n.pitch < LOWEST_WRITTEN]
    if too_low:
        raise MusicFileError(path, f"{len(too_low)} note{'s' * (len(too_low) > 1)} lie below C0 (MIDI "
                                   f"{LOWEST_WRITTEN}), lower than sheet music can show; transpose them "
                                   f"or export MIDI instead")
    score = phrase_to_score(phrase, path.stem if title is None else title)
    try:
        data = _number_voices(GeneralObjectExporter(score).parse())
    except Exception as err:                 # music21 raises many kinds for what it cannot write
        raise MusicFileError(path, f"the phrase cannot be written as sheet music ({str(err)[:160]})") from None
    try:
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
    except OSError as err:
        raise MusicFileError(path, f"cannot write the file ({err.strerror or err})") from None
    return path
