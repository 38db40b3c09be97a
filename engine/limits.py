"""Limits that no real piece reaches, shared by every reader of music and documents.

A file past one is refused with a message naming the file and the limit; nothing half-read is
kept. They keep the work a hostile file can cause bounded (time, memory), and every value the
window draws and the MIDI writer writes within what Qt's integers and a MIDI file can hold.
"""

from __future__ import annotations

from pathlib import Path

from .errors import MusicFileError

MAX_NOTES = 100_000                   # a long piano piece has 5,000-20,000
MAX_STEPS = 2**20                     # the end of the last note, in grid steps (hours of music)
MAX_STEPS_PER_QUARTER = 96            # the finest grid a document may use
MIN_TEMPO_BPM = 60_000_000 / 0xFFFFFF  # the slowest tempo a MIDI file can say (about 3.58 bpm)
MAX_TEMPO_BPM = 1_000.0
MAX_NUMERATOR = 255                   # the most beats in a bar a MIDI file can say
MAX_DENOMINATOR = 64


def read_within(path: Path, limit: int, what: str = "the file", reading_as: str = "") -> bytes:
    """The bytes of ``path`` (never more than ``limit`` + 1 of them in memory); one
    ``MusicFileError`` naming the file if it is missing, unreadable or larger than ``limit``."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise MusicFileError(path, "the file does not exist") from None
    except OSError as err:
        raise MusicFileError(path, f"the file cannot be read ({err.strerror or err})") from None
    if len(data) > limit:
        raise MusicFileError(path, f"{what} is larger than {limit // 2**20} MB, the most Segue reads{reading_as}")
    return data
