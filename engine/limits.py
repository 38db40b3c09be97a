"""Limits that no real piece reaches, shared by every reader of music and documents.

A file past one is refused with a message naming the file and the limit; nothing half-read is
kept. They keep the work a hostile file can cause bounded (time, memory), and every value the
window draws and the MIDI writer writes within what Qt's integers and a MIDI file can hold.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import MusicFileError


def max_steps(steps_per_quarter: int) -> int:
    """The latest a note may end, in steps of a grid: ``MAX_QUARTERS`` (within a 32-bit integer
    at every grid a document may use)."""
    return MAX_QUARTERS * steps_per_quarter

MAX_NOTES = 100_000                   # a long piano piece has 5,000-20,000
MAX_QUARTERS = 4 * 60 * 240           # four hours at 240 bpm: longer is not music, it is a broken file
MAX_STEPS_PER_QUARTER = 960           # the finest grid a document may use (Segue's own is 480)
MIN_TEMPO_BPM = 60_000_000 / 0xFFFFFF  # the slowest tempo a MIDI file can say (about 3.58 bpm)
MAX_TEMPO_BPM = 1_000.0
MAX_NUMERATOR = 255                   # the most beats in a bar a MIDI file can say
MAX_DENOMINATOR = 64


def open_plain_file(path: str | Path):
    """``path`` opened for reading in binary, if it is a plain file. A pipe or a device is refused
    with an ``OSError`` without waiting on it (it is opened without blocking, then looked at)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "it is a folder", str(path))
        if not stat.S_ISREG(mode):
            raise OSError(6, "it is a pipe or a device, not a file", str(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_within(path: Path, limit: int, what: str = "the file", reading_as: str = "") -> bytes:
    """The bytes of ``path`` (never more than ``limit`` + 1 of them in memory); one
    ``MusicFileError`` naming the file if it is missing, unreadable, not a plain file (a pipe or a
    device, which could keep a reader waiting for ever) or larger than ``limit``."""
    try:
        with open_plain_file(path) as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise MusicFileError(path, "the file does not exist") from None
    except IsADirectoryError:
        raise MusicFileError(path, "this is a folder, not a file") from None
    except OSError as err:
        raise MusicFileError(path, f"the file cannot be read ({err.strerror or err})") from None
    if len(data) > limit:
        raise MusicFileError(path, f"{what} is larger than {limit // 2**20} MB, the most Segue reads{reading_as}")
    return data
