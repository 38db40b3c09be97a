"""Phrases as sheet music: a piano grand staff in MusicXML, through music21, written for reading.

The original design showed its results as sheet music; so does Segue (the layout's decisions are
``score_layout``'s). Each bar is split between
the hands where each staff reads with the fewest voices (middle C when it makes no difference), and
a staff switches clef where its notes would need many ledger lines. On each staff, notes that start
and end together make a chord; notes that overlap otherwise go to separate voices, the highest
first. Notes are spelled in the key of the file's key signatures, or else of the key the whole
phrase suggests. A short note followed by a short rest within its beat (staccato playing) is written
as the longer value, with a staccato dot where it sounds half of it or less; a phrase whose first
bar starts past its middle begins with a pickup bar. Tempo, time signature, key signatures and
title are written; reading the file back gives the same notes at the same places (tested), with
their lengths as written.

The score is built bar by bar and notated as it is built, so its time and memory grow with the
notes and bars it writes; ``score_problem`` refuses, before anything is built, a score that would
be mostly bars where nothing starts (hours of silence between two notes) or notes tied over
thousands of bar lines.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from ..atomic import atomic_path
from ..errors import Cancelled, MusicFileError
from ..music.phrase import Phrase
from .score_layout import (
    BarLines,
    beat_rests,
    borrowed_bars,
    clefs,
    for_reading,
    hands,
    lengthening_unit,
    pickup_steps,
    score_keys,
    spelled_pitch,
    voice_lanes,
    written_lengths,
)

LOWEST_WRITTEN = 12          # C0: MusicXML octaves run from 0 to 9
WRITTEN_SCORE_SUFFIXES = (".musicxml", ".xml")     # what Segue writes; music_files reads more
LONGEST_BAR = 64             # quarter notes: the longest value notation has (a duplex maxima)
# The most bars with no note starting in them a score writes (about 16 minutes of rests at 120 bpm
# in 4/4; each costs about 3 ms and 60 KB of music21's objects per staff) and the most notes it
# writes, counting each piece of a note tied over bar lines (the most notes Segue reads)
MAX_QUIET_BARS = 500
MAX_WRITTEN = 100_000
BUILDING = 0.65              # the share of the time building the score takes; music21 writes it after


def _duration(seconds: float) -> str:
    """'3 h 53 min', '12 min', '40 s'."""
    minutes = round(seconds / 60)
    if minutes >= 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes} min" if minutes else f"{round(seconds)} s"


def score_problem(phrase: Phrase) -> str | None:
    """Why the phrase cannot be written as sheet music, in a sentence; None if it can. Checked
    before anything is built: what the score would cost grows with the notes it writes, so a
    score that would mostly be empty bars, or notes tied over thousands of bar lines, is refused
    (a few kilobytes of MIDI could otherwise take gigabytes and hours)."""
    if not phrase.notes:
        return "there are no notes to write"
    num, den = phrase.time_signature
    if Fraction(4 * num, den) > LONGEST_BAR:
        return (f"a bar of {num}/{den} lasts {Fraction(4 * num, den)} quarter notes, longer than sheet music "
                f"can write (at most {LONGEST_BAR}, a bar of 16/1)")
    too_low = [n for n in phrase.notes if n.pitch < LOWEST_WRITTEN]
    if too_low:
        return (f"{len(too_low)} note{'s' * (len(too_low) > 1)} lie below C0 (MIDI {LOWEST_WRITTEN}), lower "
                f"than sheet music can show; transpose them or export MIDI instead")
    reading = for_reading(phrase)
    bars = BarLines(reading, pickup_steps(reading))
    played = sorted({bars.of(n.start) for n in reading.notes})
    quiet = bars.count - len(played)
    if quiet > MAX_QUIET_BARS:
        edges = [-1] + played + [bars.count]
        after, before = max(zip(edges, edges[1:]), key=lambda pair: pair[1] - pair[0])
        first, last = after + 1, before - 1                        # bars counted from 0
        seconds = float((bars.start(last + 1) - bars.start(first)) * reading.seconds_per_step)
        number = 0 if bars.pickup else 1
        return (f"{quiet:,} of its {bars.count:,} bars of {num}/{den} have no note starting in them (the "
                f"longest stretch: bars {first + number:,} to {last + number:,}, {_duration(seconds)}); sheet "
                f"music writes at most {MAX_QUIET_BARS:,} such bars: shorten the silences and long notes, or export "
                f"MIDI instead")
    struck = {(n.start, n.duration) for n in reading.notes}
    written = sum(bars.of(start + length - 1) - bars.of(start) + 1 for start, length in struck)
    if written > MAX_WRITTEN:
        return (f"written out, its notes held over bar lines of {num}/{den} would be {written:,} tied notes, "
                f"more than the {MAX_WRITTEN:,} sheet music writes: use a longer metre or export MIDI instead")
    return None


def _lengths(quarters) -> list:
    """A length as the note values that write it, longest first (2.25 quarters: a half and a 16th)."""
    from music21 import duration
    found = duration.Duration(quarters)
    if found.type != "complex":
        return [found.quarterLength]
    return [c.quarterLength for c in found.components]


class _Voice:
    """One voice of a staff written bar by bar: ``bars[k]`` holds (offset, element) in bar k.
    Notes held over a bar line, or lasting a length no single value writes, become tied notes;
    silences become rests that show the beats (``_rests``), cut at the bar lines."""

    def __init__(self, bars: BarLines, phrase: Phrase, bar_quarters: Fraction):
        self.grid, self.phrase, self.bar_quarters = bars, phrase, bar_quarters
        self.bars: dict[int, list] = {}

    def rest(self, start, end, beat: int, only: list[int] | None, hidden: bool) -> None:
        from music21 import note
        for a, b in beat_rests(start, end, beat):
            for k, offset, quarters in self.grid.pieces(a, b, only):
                values = _lengths(quarters)
                if self.bar_quarters != 4:
                    # a whole-note rest reads back as "rest for the whole bar" in music21 (and so in
                    # Segue): in bars that are not four quarters long, it is two half rests
                    values = [half for value in values for half in ([2, 2] if value == 4 else [value])]
                for value in values:
                    rest = note.Rest(quarterLength=value)
                    rest.style.hideObjectOnPrint = hidden
                    self.bars.setdefault(k, []).append((offset, rest))
                    offset += value

    def sound(self, start: int, length: int, names: list[str], velocity: int, staccato: bool) -> None:
        from music21 import articulations, chord, note, tie
        written = []
        for k, offset, quarters in self.grid.pieces(start, start + length):
            for value in _lengths(quarters):
                element = note.Note(names[0]) if len(names) == 1 else chord.Chord(names)
                element.quarterLength = value
                element.volume.velocity = velocity
                self.bars.setdefault(k, []).append((offset, element))
                written.append(element)
                offset += value
        if staccato:
            written[0].articulations.append(articulations.Staccato())
        if len(written) > 1:
            for number, element in enumerate(written):
                element.tie = tie.Tie("start" if number == 0 else "stop" if number == len(written) - 1
                                      else "continue")


class _Work:
    """Progress through a known amount of work (notes and bars), cancel checked now and then."""

    def __init__(self, total: int, progress: Callable[[float], None] | None, cancel: Callable[[], bool] | None):
        self.total, self.progress, self.cancel = max(1, total), progress, cancel
        self.done = self.told = 0

    def did(self, amount: int = 1) -> None:
        """``amount`` more done; raises ``Cancelled`` if asked to stop."""
        self.done += amount
        if self.done - self.told >= 32:
            self.told = self.done
            if self.cancel is not None and self.cancel():
                raise Cancelled()
            if self.progress is not None:
                self.progress(min(1.0, self.done / self.total))


def _voice(events, sounding: dict, phrase: Phrase, bars: BarLines, keys: list, borrowed: set[int],
           first: bool, work: _Work) -> _Voice:
    """One voice written bar by bar: notes, chords and the rests between them, tied over bars. The
    first voice of a staff fills every bar; another is written only in the bars it plays in, its
    rests hidden (an inner voice's rests clutter)."""
    beat = phrase.steps_per_beat
    bar_quarters = Fraction(4 * phrase.time_signature[0], phrase.time_signature[1])
    voice = _Voice(bars, phrase, bar_quarters)
    only = None if first else sorted({k for start, length, _ in events
                                      for k, _, _ in bars.pieces(start, start + length)})
    key_steps = [step for step, _ in keys]
    names_of: dict[tuple, str] = {}
    now = Fraction(bars.pickup)
    total = bars.start(bars.count)
    for start, length, group in events:
        if start > now:
            voice.rest(now, start, beat, only, hidden=not first)
        tonality = keys[bisect.bisect_right(key_steps, start) - 1][1]
        here = start // phrase.steps_per_bar in borrowed
        names = []
        for p in sorted(n.pitch for n in group):
            if (p, id(tonality), here) not in names_of:
                names_of[(p, id(tonality), here)] = spelled_pitch(p, tonality, here).nameWithOctave
            names.append(names_of[(p, id(tonality), here)])
        voice.sound(start, length, names, max(n.velocity for n in group),
                    2 * max(sounding[n] for n in group) <= length)
        now = Fraction(start + length)
        work.did(len(group))
    if total > now:
        voice.rest(now, total, beat, only, hidden=not first)
    return voice


def _notate_bar(measure, time_signature, treble: bool) -> None:
    """A bar's beams, stems of beamed notes and tuplet brackets, as music21's makeNotation writes
    them, from the bar alone (music21 looks for the bar's time signature and clef back through
    every bar before it, which made long scores take minutes)."""
    from music21 import beam, clef
    from music21.stream import makeNotation

    for voice in measure.voices:
        if any(e.duration.tuplets for e in voice.notesAndRests):
            makeNotation.splitElementsToCompleteTuplets(voice, addTies=True)
            makeNotation.consolidateCompletedTuplets(voice, onlyIfTied=True)
            makeNotation.makeTupletBrackets(voice, inPlace=True)
        notes = voice.notesAndRests.stream()
        if len(notes) > 1:
            found = time_signature.getBeams(notes, measureStartOffset=measure.paddingLeft)
            for element, beams in zip(notes, found):
                element.beams = beams if beams is not None else beam.Beams()
        sign = clef.TrebleClef() if treble else clef.BassClef()
        for group in makeNotation.iterateBeamGroups(voice, skipNoBeams=True, recurse=False):
            pitches = [p for element in group for p in element.pitches]
            if pitches:
                direction = sign.getStemDirectionForPitches(pitches)
                for element in group:
                    element.stemDirection = direction


def phrase_to_score(phrase: Phrase, title: str = "", progress: Callable[[float], None] | None = None,
                    cancel: Callable[[], bool] | None = None):
    """The phrase as a music21 score for piano: two staves joined by a brace, no composer named.
    ``progress`` gets the share of its notes and bars built (0-1); when ``cancel`` returns True,
    building stops with ``Cancelled``.

    Built bar by bar: its time and memory grow with the notes and the bars, never with their
    product (music21's own makeMeasures and makeTies grew with the square of the bars)."""
    from music21 import clef, key, layout, metadata, meter, stream, tempo
    from music21.stream.makeNotation import makeAccidentalsInMeasureStream

    phrase = for_reading(phrase)
    spq = phrase.steps_per_quarter
    pickup = pickup_steps(phrase)
    time_signature = meter.TimeSignature("{}/{}".format(*phrase.time_signature))
    bars = BarLines(phrase, pickup)
    score = stream.Score()
    score.insert(0, metadata.Metadata(title=title, composer=""))   # music21 would say "Music21"
    keys = score_keys(phrase)
    key_at_bar = {step // phrase.steps_per_bar: k for step, k in keys}
    borrowed = borrowed_bars(phrase, keys)
    work = _Work(len(phrase.notes) + 2 * bars.count, progress, cancel)
    staves: list[stream.PartStaff] = []
    for name, staff_clef, notes in zip(("Right hand", "Left hand"), (clef.TrebleClef, clef.BassClef),
                                       hands(phrase)):
        staff = stream.PartStaff()
        staff.partName = name
        written = written_lengths(notes, lengthening_unit(phrase))
        sounding = {w: n.duration for w, n in zip(written, notes)}
        voices = [_voice(v, sounding, phrase, bars, keys, borrowed, number == 0, work)
                  for number, v in enumerate(voice_lanes(written))]
        in_treble = clefs(notes, phrase, staff_clef is clef.TrebleClef)
        was = None
        offset = Fraction(0)
        for k in range(bars.count):
            work.did()
            measure = stream.Measure(number=k if pickup else k + 1)
            treble = in_treble.get(k, was if was is not None else staff_clef is clef.TrebleClef)
            if treble != was:
                measure.insert(0, clef.TrebleClef() if treble else clef.BassClef())
                was = treble
            if k == 0:
                measure.insert(0, meter.TimeSignature("{}/{}".format(*phrase.time_signature)))
                if not staves:
                    measure.insert(0, tempo.MetronomeMark(number=round(phrase.tempo_bpm, 2)))
                if pickup:
                    measure.paddingLeft = pickup / spq
            if k in key_at_bar or k == 0:
                measure.insert(0, key.KeySignature(key_at_bar.get(k, keys[0][1]).sharps))
            for number, voice_bars in enumerate(voices, start=1):
                if k not in voice_bars.bars:
                    continue                     # a bar where only the first voice plays has no others
                voice = stream.Voice(id=str(number))
                for at, element in voice_bars.bars.pop(k):
                    voice.coreInsert(at, element)
                voice.coreElementsChanged()
                measure.insert(0, voice)
            _notate_bar(measure, time_signature, treble)
            staff.coreInsert(offset, measure)
            offset += (bars.start(k + 1) - bars.start(k)) / spq
        staff.coreElementsChanged()
        makeAccidentalsInMeasureStream(staff)           # linear: each bar after the one before
        staff.streamStatus.beams = staff.streamStatus.tuplets = True
        staves.append(staff)
    _write_chords(staves[0], phrase, pickup)
    for staff in staves:
        score.insert(0, staff)
    score.insert(0, layout.StaffGroup(staves, name="Piano", symbol="brace", barTogether=True))
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
    """The chords set above the top staff, each at its start (a chord "N" set by the user is printed
    "N.C."), and an unprinted "N.C." where one ends with none right after it: a lead sheet's chord
    lasts until the next, so the end is kept for reading back, but bars where no chord was set get
    no symbol (MuseScore showed "N.C." there, as if the music were to be played without chords).
    A chord past the last bar written is left out."""
    from music21 import stream
    if not phrase.chords:
        return
    marks = []
    for (start, end, name), following in zip(phrase.chords, list(phrase.chords[1:]) + [None]):
        marks.append((start, name, True))
        if following is None or following[0] != end:
            marks.append((end, "N", False))
    measures = list(staff.getElementsByClass(stream.Measure))
    starts = [m.offset for m in measures]
    for step, name, printed in marks:
        at = max(0.0, (step - pickup) / phrase.steps_per_quarter)     # part offset: the pickup bar is short
        found = bisect.bisect_right(starts, at + 1e-9) - 1
        measure = measures[found] if found >= 0 else None
        if measure is None or at >= measure.offset + measure.duration.quarterLength - 1e-9:
            continue
        symbol = chord_symbol(name)
        symbol.style.hideObjectOnPrint = not printed
        measure.insert(at - measure.offset, symbol)


def _number_voices(root) -> None:
    """Number the score's voices as MuseScore numbers them: from 1 on the treble staff and from 5 on
    the bass staff, each voice (a lane of ``voice_lanes``, numbered from 1 on its staff) with the
    same number in every bar, also where a voice before it rests for the bar: a note tied over the
    bar line goes on in the voice it started in, which is how a reader tells two notes of one pitch
    held in two voices apart. ``root``: the MusicXML's root element."""
    for measure in root.iter("measure"):
        for staff, first in (("1", 1), ("2", 5)):
            for e in measure:
                if e.tag in ("note", "forward") and e.findtext("staff", "1") == staff \
                        and (v := e.find("voice")) is not None:
                    v.text = str(first + int(v.text or "1") - 1)


def write_musicxml(phrase: Phrase, path: str | Path, title: str | None = None,
                   progress: Callable[[float], None] | None = None, cancel: Callable[[], bool] | None = None) -> Path:
    """Write the phrase as a MusicXML score for notation programs, atomically; the title is
    ``title``, else the file's name without its suffix. ``progress`` gets the share done (0-1);
    when ``cancel`` returns True the writing stops with ``Cancelled`` and no file is left. A phrase
    sheet music cannot hold (``score_problem``) or a place it cannot be written is a
    ``MusicFileError``."""
    from music21.musicxml.m21ToXml import ScoreExporter

    path = Path(path)
    problem = score_problem(phrase)
    if problem is not None:
        raise MusicFileError(path, problem)
    # building the score is about two thirds of the work, music21's writing of it the rest
    score = phrase_to_score(phrase, path.stem if title is None else title,
                            None if progress is None else lambda done: progress(BUILDING * done), cancel)
    if cancel is not None and cancel():
        raise Cancelled()
    try:
        # the score is notated as it is built: music21's own exporter would copy it whole and
        # notate it again
        exporter = ScoreExporter(score, makeNotation=False)
        exporter.parse()
        _number_voices(exporter.xmlRoot)
        data = exporter.asBytes()
    except Exception as err:                 # music21 raises many kinds for what it cannot write
        raise MusicFileError(path, f"the phrase cannot be written as sheet music ({str(err)[:160]})") from None
    if cancel is not None and cancel():        # asked while music21 wrote (a third of the work, unchecked)
        raise Cancelled()
    try:
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
    except OSError as err:
        raise MusicFileError(path, f"cannot write the file ({err.strerror or err})") from None
    if progress is not None:
        progress(1.0)
    return path
