"""Scores (MusicXML, ABC, Humdrum) to phrases, through music21.

All parts are merged, chords expanded, tied notes joined; the first metronome mark and time
signature are kept. Grace notes and unpitched (percussion) notes are left out. An ABC file
holding several tunes gives its first tune.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from .errors import MusicFileError
from .phrase import DEFAULT_VELOCITY, Note, Phrase


def read_score(path: str | Path, steps_per_quarter: int = 4) -> Phrase:
    """The notes of a score file as a phrase on a grid of ``steps_per_quarter``."""
    import music21

    path = Path(path)
    if not path.is_file():
        raise MusicFileError(path, "the file does not exist")
    if path.stat().st_size == 0:
        raise MusicFileError(path, "the file is empty")
    try:
        parsed = music21.converter.parse(str(path))
    except Exception as err:      # music21 raises many kinds of error for malformed scores
        kind = {".abc": "ABC", ".krn": "Humdrum"}.get(path.suffix.lower(), "MusicXML")
        detail = str(err).strip().splitlines()[0][:160] if str(err).strip() else type(err).__name__
        raise MusicFileError(path, f"this {kind} score cannot be read ({detail})") from None
    if isinstance(parsed, music21.stream.Opus):
        if not parsed.scores:
            raise MusicFileError(path, "the file holds no tunes")
        parsed = parsed.scores[0]
    phrase = score_to_phrase(parsed, steps_per_quarter)
    if not phrase.notes:
        raise MusicFileError(path, "has no notes")
    return phrase


def score_to_phrase(stream, steps_per_quarter: int = 4) -> Phrase:
    """A music21 stream (score, part or opus's first score) as a phrase."""
    import music21

    notes: dict[tuple[int, int], Note] = {}
    flat = stream.stripTies(inPlace=False).flatten() if hasattr(stream, "stripTies") else stream.flatten()
    for element in flat.notes:
        if element.duration.isGrace:
            continue
        start = Fraction(element.offset) * steps_per_quarter
        length = Fraction(element.duration.quarterLength) * steps_per_quarter
        a = round(start)
        b = max(a + 1, round(start + length))
        velocity = element.volume.velocity if element.volume.velocity else DEFAULT_VELOCITY
        pitches = element.pitches if isinstance(element, music21.chord.Chord) else (
            [element.pitch] if isinstance(element, music21.note.Note) else [])
        for pitch in pitches:
            midi = pitch.midi
            if 0 <= midi <= 127:
                notes[(midi, a)] = Note(midi, a, b - a, int(max(1, min(127, velocity))))
    tempo = 120.0
    marks = flat.getElementsByClass(music21.tempo.MetronomeMark)
    if marks:
        bpm = marks[0].getQuarterBPM()
        tempo = float(bpm) if bpm and bpm > 0 else 120.0
    signature = (4, 4)
    meters = flat.getElementsByClass(music21.meter.TimeSignature)
    if meters:
        num, den = meters[0].numerator, meters[0].denominator
        if num >= 1 and den >= 1 and not den & (den - 1):
            signature = (num, den)
    return Phrase(tuple(notes.values()), steps_per_quarter=steps_per_quarter, tempo_bpm=tempo,
                  time_signature=signature)
