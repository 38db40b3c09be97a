"""Scores (MusicXML, ABC, Humdrum) to phrases, through music21.

All parts are merged, chords expanded, tied notes joined (also across voices); the first metronome mark and time
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

    # Ties are joined here rather than by music21's stripTies, which loses the thread of a tie
    # when a staff has several voices: a tied pitch goes on where a note of the same pitch ended.
    flat = stream.flatten()
    sounding: list[list] = []                      # [midi, start, end, velocity] in quarter notes
    open_ties: dict[int, list] = {}                # midi -> the note a tie carries on
    for element in sorted(flat.notes, key=lambda e: Fraction(e.offset)):
        if element.duration.isGrace:
            continue
        start = Fraction(element.offset)
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
            held = open_ties.get(midi)
            if kind in ("stop", "continue") and held is not None and held[2] == start:
                held[2] = end
                if kind == "stop":
                    del open_ties[midi]
                continue
            note = [midi, start, end, velocity]
            sounding.append(note)
            if kind in ("start", "continue"):
                open_ties[midi] = note
            else:
                open_ties.pop(midi, None)
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
        tempo = float(bpm) if bpm and bpm > 0 else 120.0
    signature = (4, 4)
    meters = flat.getElementsByClass(music21.meter.TimeSignature)
    if meters:
        num, den = meters[0].numerator, meters[0].denominator
        if num >= 1 and den >= 1 and not den & (den - 1):
            signature = (num, den)
    return Phrase(tuple(notes.values()), steps_per_quarter=steps_per_quarter, tempo_bpm=tempo,
                  time_signature=signature)
