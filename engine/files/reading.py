"""One reader for every kind of music file Segue opens: MIDI through mido, scores through music21."""

from __future__ import annotations

from pathlib import Path

from ..errors import MusicFileError
from ..music.phrase import FINE_STEPS_PER_QUARTER, Phrase

MIDI_SUFFIXES = (".mid", ".midi", ".kar", ".rmi")
READABLE_SCORE_SUFFIXES = (".xml", ".musicxml", ".mxl", ".abc", ".krn")   # Segue writes only score_writer's
MUSIC_SUFFIXES = MIDI_SUFFIXES + READABLE_SCORE_SUFFIXES


def read_music(path: str | Path, steps_per_quarter: int = FINE_STEPS_PER_QUARTER) -> Phrase:
    """The notes of a MIDI file or score as a phrase (by default on the fine grid, every note where
    the file has it); ``MusicFileError`` says what is wrong."""
    path = Path(path)
    if path.is_dir():
        raise MusicFileError(path, "this is a folder, not a music file")
    if not path.exists():
        raise MusicFileError(path, "the file does not exist")
    suffix = path.suffix.lower()
    if suffix in MIDI_SUFFIXES:
        from .midi import read_midi
        return read_midi(path, steps_per_quarter)
    if suffix in READABLE_SCORE_SUFFIXES:
        from .score_reader import read_score
        return read_score(path, steps_per_quarter)
    raise MusicFileError(path, f"Segue cannot read '{suffix or 'no suffix'}' files "
                               f"(it reads {', '.join(MUSIC_SUFFIXES)})")
