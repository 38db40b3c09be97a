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


def _meets(end: Fraction, start: Fraction) -> bool:
    """A tied note goes on where the last one ended (offsets of tuplets may carry float noise)."""
    return abs(end - start) < Fraction(1, 10_000)


def _placed_notes(stream, music21):
    """(offset in quarters, (part, voice), element) for every note and chord of the stream."""
    parts = list(stream.parts) if isinstance(stream, music21.stream.Score) and stream.parts else [stream]
    for index, part in enumerate(parts):
        base = Fraction(part.offset) if part is not stream else Fraction(0)
        measures = part.getElementsByClass(music21.stream.Measure)
        if not measures:
            for element in part.flatten().notes:
                yield base + Fraction(element.offset), (index, None), element
            continue
        # a pickup bar (an anacrusis) is the end of a bar: its notes start where that bar's would
        base += Fraction(measures[0].paddingLeft)
        for measure in measures:
            at = base + Fraction(measure.offset)
            for element in measure.notes:
                yield at + Fraction(element.offset), (index, None), element
            for element in measure.getElementsByClass(music21.harmony.Harmony):
                yield at + Fraction(element.offset), (index, None), element
            for voice in measure.voices:
                for element in voice.notes:
                    yield at + Fraction(voice.offset) + Fraction(element.offset), (index, voice.id), element


def score_to_phrase(stream, steps_per_quarter: int = FINE_STEPS_PER_QUARTER) -> Phrase:
    """A music21 stream (score, part or opus's first score) as a phrase."""
    import music21

    # Ties are joined here rather than by music21's stripTies, which loses the thread of a tie
    # when a staff has several voices: a tie goes on in its own part and voice, where a note of
    # the same pitch ended (or, failing that, in any voice where one did).
    flat = stream.flatten()
    sounding: list[list] = []                      # [midi, start, end, velocity] in quarter notes
    open_ties: dict[tuple, list] = {}              # (part, voice, midi) -> the note a tie carries on
    harmonies: list[tuple[Fraction, object]] = []
    for start, where, element in sorted(_placed_notes(stream, music21), key=lambda t: t[0]):
        if isinstance(element, music21.harmony.Harmony):
            if not harmonies or harmonies[-1][0] != start:     # the first part's symbols, once
                harmonies.append((start, element))
            continue
        if element.duration.isGrace:
            continue
        end = start + Fraction(element.duration.quarterLength)
        velocity = element.volume.velocity if element.volume.velocity else DEFAULT_VELOCITY
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
        a = round(start * steps_per_quarter)
        b = max(a + 1, round(end * steps_per_quarter))
        if 0 <= midi <= 127:
            notes[(midi, a)] = Note(midi, a, b - a, int(max(1, min(127, velocity))))
    tempo = 120.0
    marks = flat.getElementsByClass(music21.tempo.MetronomeMark)
    if marks:
        bpm = marks[0].getQuarterBPM()
        tempo = min(MAX_TEMPO_BPM, max(MIN_TEMPO_BPM, float(bpm))) if bpm and bpm > 0 else 120.0
    signature = (4, 4)
    meters = flat.getElementsByClass(music21.meter.TimeSignature)
    if meters:
        num, den = meters[0].numerator, meters[0].denominator
        if 1 <= num <= MAX_NUMERATOR and 1 <= den <= MAX_DENOMINATOR and not den & (den - 1):
            signature = (num, den)
    end = max((n.end for n in notes.values()), default=0)
    return Phrase(tuple(notes.values()), steps_per_quarter=steps_per_quarter, tempo_bpm=tempo,
                  time_signature=signature, key_signatures=_key_signatures(stream, steps_per_quarter, music21),
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


def _key_signatures(stream, steps_per_quarter: int, music21) -> tuple[tuple[int, str], ...]:
    """The key signatures of the score's first part as (step, key) the way MIDI files name keys
    ("Eb", "F#m"; a signature that does not say major or minor is read as major)."""
    part = stream.parts[0] if isinstance(stream, music21.stream.Score) and stream.parts else stream
    measures = part.getElementsByClass(music21.stream.Measure)
    pickup = Fraction(measures[0].paddingLeft) if measures else Fraction(0)
    flat = part.flatten()
    found: list[tuple[int, str]] = []
    for signature in flat.getElementsByClass(music21.key.KeySignature):
        sharps = max(-7, min(7, int(signature.sharps)))
        minor = getattr(signature, "mode", None) == "minor"
        step = round((Fraction(flat.elementOffset(signature)) + pickup) * steps_per_quarter)
        found.append((step if found else 0, KEY_SIGNATURES[(15 if minor else 0) + sharps + 7]))
    return tuple(found)
