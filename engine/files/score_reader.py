"""Scores (MusicXML, ABC, Humdrum) to phrases, through music21.

All parts are merged, chords expanded, tied notes joined (also across voices); the first metronome mark and time
signature are kept, and the key signatures. A pickup bar is read as the end of a first bar, so the
bar lines fall where the score has them. Grace notes and unpitched (percussion) notes are left out.
An ABC file holding several tunes gives its first tune.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from ..errors import MusicFileError
from ..limits import MAX_DENOMINATOR, MAX_NUMERATOR, MAX_TEMPO_BPM, MIN_TEMPO_BPM
from ..music.phrase import DEFAULT_VELOCITY, FINE_STEPS_PER_QUARTER, KEY_SIGNATURES, Note, Phrase


def read_score(path: str | Path, steps_per_quarter: int = FINE_STEPS_PER_QUARTER) -> Phrase:
    """The notes of a score file as a phrase on a grid of ``steps_per_quarter``.

    The file is read within the limits of ``engine.files.score_parsing`` and never through music21's
    pickle cache."""
    import music21

    from .score_parsing import parse_score_file

    path = Path(path)
    if not path.is_file():
        raise MusicFileError(path, "the file does not exist")
    parsed = parse_score_file(path)
    if isinstance(parsed, music21.stream.Opus):
        if not parsed.scores:
            raise MusicFileError(path, "the file holds no tunes")
        parsed = parsed.scores[0]
    try:
        phrase = score_to_phrase(parsed, steps_per_quarter)
    except (ValueError, ArithmeticError, TypeError, AttributeError) as err:   # NaN or absurd values
        raise MusicFileError(path, f"the score holds a value Segue cannot place ({err})") from None
    if not phrase.notes:
        raise MusicFileError(path, "has no notes")
    return phrase


TIE_TOLERANCE = Fraction(1, 10_000)


def _meets(end: Fraction, start: Fraction) -> bool:
    """A tied note goes on where the last one ended (offsets of tuplets may carry float noise)."""
    return abs(end - start) < TIE_TOLERANCE


def _step(quarters: Fraction, steps_per_quarter: int) -> int:
    """``round(quarters * steps_per_quarter)`` (halves to even, as ``round`` does) in integers: a
    Fraction's product and rounding took a fifth of reading a long tune's notes."""
    whole, rest = divmod(quarters.numerator * steps_per_quarter, quarters.denominator)
    twice = 2 * rest
    return whole + (twice > quarters.denominator or (twice == quarters.denominator and whole % 2 == 1))


class _Walk:
    """What Segue reads of a score, found in one walk through its parts, bars and voices (music21's
    ``flatten`` made a sorted copy of the whole score for each question: two thirds of the time
    Segue itself spent reading a 10 KB ABC tune).

    ``placed``: (offset in quarters, (part, voice), element) for every note, chord and chord symbol,
    each part's bars in order; ``marks``: (offset, element) for the metronome marks and time
    signatures anywhere in the score; ``keys``: (offset from the first part's start, key signature)
    of the first part, pickup included."""

    def __init__(self, stream, music21):
        self.m21 = music21
        self.placed: list = []
        self.marks: list = []
        self.keys: list = []
        self.signs = (music21.tempo.MetronomeMark, music21.meter.TimeSignature, music21.key.KeySignature)
        is_score = isinstance(stream, music21.stream.Score)
        parts = list(stream.parts) if is_score and stream.parts else [stream]
        for index, part in enumerate(parts):
            self._part(index, part, Fraction(part.offset) if part is not stream else Fraction(0))
        if is_score and stream.parts:                       # marks set on the score itself
            self._signs(stream, [e for e in stream.elements if not isinstance(e, music21.stream.Stream)],
                        Fraction(0), Fraction(0), -1)
        self.marks.sort(key=lambda mark: mark[0])
        self.keys.sort(key=lambda key: key[0])

    def _part(self, index: int, part, base: Fraction) -> None:
        m21 = self.m21
        measures = list(part.getElementsByClass(m21.stream.Measure))
        if not measures:
            flat = part.flatten()
            for element in flat.notes:
                self.placed.append((base + Fraction(element.offset), (index, None), element))
            self._signs(flat, flat.elements, base, Fraction(0), index)
            return
        # a pickup bar (an anacrusis) is the end of a bar: its notes start where that bar's would
        pickup = Fraction(measures[0].paddingLeft)
        self._signs(part, [e for e in part.elements if not isinstance(e, m21.stream.Stream)], base, pickup, index)
        not_rest, harmony, voice_class = m21.note.NotRest, m21.harmony.Harmony, m21.stream.Voice
        for measure in measures:
            bar = Fraction(measure.offset)
            at = base + pickup + bar
            elements = measure.elements
            offset = measure.elementOffset
            self.placed += [(at + Fraction(offset(e)), (index, None), e) for e in elements if isinstance(e, not_rest)]
            self.placed += [(at + Fraction(offset(e)), (index, None), e) for e in elements if isinstance(e, harmony)]
            self._signs(measure, elements, base + bar, pickup + bar, index)
            for voice in (e for e in elements if isinstance(e, voice_class)):
                within = Fraction(offset(voice))
                self.placed += [(at + within + Fraction(voice.elementOffset(e)), (index, voice.id), e)
                                for e in voice.elements if isinstance(e, not_rest)]
                self._signs(voice, voice.elements, base + bar + within, pickup + bar + within, index)

    def _signs(self, site, elements, mark_at: Fraction, key_at: Fraction, index: int) -> None:
        """The marks and (of the first part) key signatures among ``elements`` of ``site``, which
        begins ``mark_at`` quarters into the score and ``key_at`` into its part, pickup included."""
        tempo, metre, key = self.signs
        for element in elements:
            if isinstance(element, (tempo, metre)):
                self.marks.append((mark_at + Fraction(site.elementOffset(element)), element))
            elif isinstance(element, key) and index == 0:
                self.keys.append((key_at + Fraction(site.elementOffset(element)), element))

    def first(self, kind):
        """The first metronome mark or time signature in the score, or None."""
        return next((element for _, element in self.marks if isinstance(element, kind)), None)


def score_to_phrase(stream, steps_per_quarter: int = FINE_STEPS_PER_QUARTER) -> Phrase:
    """A music21 stream (score, part or opus's first score) as a phrase."""
    import music21

    # Ties are joined here rather than by music21's stripTies, which loses the thread of a tie
    # when a staff has several voices: a tie goes on in its own part and voice, where a note of
    # the same pitch ended (or, failing that, in any voice where one did).
    walk = _Walk(stream, music21)
    sounding: list[list] = []                      # [midi, start, end, velocity] in quarter notes
    open_ties: dict[tuple, list] = {}              # (part, voice, midi) -> the note a tie carries on
    harmonies: list[tuple[Fraction, object]] = []
    for start, where, element in sorted(walk.placed, key=lambda t: t[0]):
        if isinstance(element, music21.harmony.Harmony):
            if not harmonies or harmonies[-1][0] != start:     # the first part's symbols, once
                harmonies.append((start, element))
            continue
        if element.duration.isGrace:
            continue
        end = start + Fraction(element.duration.quarterLength)
        # a note with no loudness of its own is not asked for one (music21 would make it a Volume)
        loud = isinstance(element, music21.chord.Chord) or element.hasVolumeInformation()
        velocity = element.volume.velocity if loud and element.volume.velocity else DEFAULT_VELOCITY
        if isinstance(element, music21.chord.Chord):
            heads = [(n.pitch, n.tie or element.tie) for n in element.notes]
        elif isinstance(element, music21.note.Note):
            heads = [(element.pitch, element.tie)]
        else:
            heads = []
        for pitch, tie in heads:
            midi, kind = pitch.midi, tie.type if tie is not None else None
            key = (*where, midi)
            # a tie goes on into the next note of its pitch, whatever that note says: files often
            # leave out the "stop" of the last note, or mark a middle note "start" again
            if key not in open_ties or not _meets(open_ties[key][2], start):
                key = next((k for k, held in open_ties.items() if k[-1] == midi and _meets(held[2], start)), key)
            held = open_ties.get(key)
            if held is not None and _meets(held[2], start):
                held[2] = end
                if kind not in ("start", "continue"):
                    del open_ties[key]
                continue
            note = [midi, start, end, velocity]
            sounding.append(note)
            if kind in ("start", "continue"):
                open_ties[key] = note
            else:
                open_ties.pop(key, None)
    notes: dict[tuple[int, int], Note] = {}
    for midi, start, end, velocity in sounding:
        a = _step(start, steps_per_quarter)
        b = max(a + 1, _step(end, steps_per_quarter))
        if 0 <= midi <= 127:
            notes[(midi, a)] = Note(midi, a, b - a, int(max(1, min(127, velocity))))
    tempo = 120.0
    mark = walk.first(music21.tempo.MetronomeMark)
    if mark is not None:
        bpm = mark.getQuarterBPM()
        tempo = min(MAX_TEMPO_BPM, max(MIN_TEMPO_BPM, float(bpm))) if bpm and bpm > 0 else 120.0
    signature = (4, 4)
    meter = walk.first(music21.meter.TimeSignature)
    if meter is not None:
        num, den = meter.numerator, meter.denominator
        if 1 <= num <= MAX_NUMERATOR and 1 <= den <= MAX_DENOMINATOR and not den & (den - 1):
            signature = (num, den)
    end = max((n.end for n in notes.values()), default=0)
    return Phrase(tuple(notes.values()), steps_per_quarter=steps_per_quarter, tempo_bpm=tempo,
                  time_signature=signature, key_signatures=_key_signatures(walk.keys, steps_per_quarter),
                  chords=_chords(harmonies, steps_per_quarter, end))


# MusicXML's kinds of harmony as the nearest of Segue's chord qualities (None: no chord)
KIND_QUALITIES = {
    "major": "maj", "minor": "min", "augmented": "aug", "diminished": "dim", "dominant-seventh": "7",
    "major-seventh": "maj7", "minor-seventh": "min7", "diminished-seventh": "dim",
    "augmented-seventh": "aug", "half-diminished-seventh": "hdim7", "half-diminished": "hdim7",
    "minor-major-seventh": "min", "major-sixth": "maj", "minor-sixth": "min", "dominant-ninth": "7",
    "major-ninth": "maj7", "minor-ninth": "min7", "dominant-11th": "7", "major-11th": "maj7",
    "minor-11th": "min7", "dominant-13th": "7", "major-13th": "maj7", "minor-13th": "min7",
    "suspended-second": "sus2", "suspended-fourth": "sus4", "power": "maj", "dominant": "7",
    "Neapolitan": "maj", "Italian": "7", "French": "7", "German": "7", "Tristan": "7", "none": None,
}


def _chords(harmonies, steps_per_quarter: int, end: int) -> tuple[tuple[int, int, str], ...]:
    """The score's chord symbols as chord spans, each until the next symbol (the last one until the
    music ends); "N.C." ends a chord, and a kind Segue has no quality for is read as its nearest."""
    from ..music.chords import Chord
    chords = []
    starts = [round(at * steps_per_quarter) for at, _ in harmonies]
    for (_, symbol), start, later in zip(harmonies, starts, starts[1:] + [end]):
        quality = KIND_QUALITIES.get(getattr(symbol, "chordKind", "none") or "none")
        root = symbol.root() if quality is not None else None
        if quality is None or root is None or later <= start:
            continue
        bass = symbol.bass()
        chord = Chord(root.pitchClass, quality, bass.pitchClass if bass is not None and
                      bass.pitchClass != root.pitchClass else None)
        chords.append((start, later, chord.name()))
    return tuple(chords)


def _key_signatures(keys, steps_per_quarter: int) -> tuple[tuple[int, str], ...]:
    """The key signatures of the score's first part, as (offset, signature), as (step, key) the way
    MIDI files name keys ("Eb", "F#m"; a signature that does not say major or minor is read as
    major); the first one holds from the start."""
    found: list[tuple[int, str]] = []
    for offset, signature in keys:
        sharps = max(-7, min(7, int(signature.sharps)))
        minor = getattr(signature, "mode", None) == "minor"
        step = round(offset * steps_per_quarter)
        found.append((step if found else 0, KEY_SIGNATURES[(15 if minor else 0) + sharps + 7]))
    return tuple(found)
