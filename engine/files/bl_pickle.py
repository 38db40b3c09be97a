"""The Boulanger-Lewandowski polyphonic benchmarks: piano rolls in a pickle, read safely.

Each piece is a list of time steps, each the list of MIDI pitches sounding at that step. A pitch
sounding in consecutive steps becomes one held note, so the phrase reproduces every step's set of
sounding pitches exactly, and its length is the number of steps (trailing silence included).
The pickle is read with an unpickler that refuses every class: only plain data can come out.
Command lines and lists of music name a split as ``FILE.pickle:SPLIT`` (``pickle_spec``).
"""

from __future__ import annotations

import pickle
from pathlib import Path

from ..errors import MusicFileError
from ..music.phrase import Note, Phrase

SPLITS = ("train", "valid", "test")
TRAINING_SPLIT, EVALUATION_SPLIT = "train", "valid"     # the split of a pickle named without one


class _PlainDataUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only plain data is allowed")


def pickle_spec(text: str, default_split: str) -> tuple[str, str] | None:
    """``FILE.pickle:SPLIT`` as (file, split), ``FILE.pickle`` as (file, ``default_split``); None
    for anything else, such as a folder named ``my.pickle.songs``. The split is what follows the
    last colon, so a path may hold colons of its own."""
    head, colon, split = text.rpartition(":")
    if colon and head.endswith(".pickle") and split.isalpha():
        return head, split
    return (text, default_split) if text.endswith(".pickle") else None


def default_grid(path: str | Path) -> int:
    """Steps per quarter note: the JSB Chorales step by quarters, the others by eighths."""
    return 1 if "jsb" in Path(path).name.lower() else 2


def frames_to_phrase(frames, steps_per_quarter: int) -> Phrase:
    """One piece (a list of sets of sounding pitches) as a phrase, one grid step per frame."""
    notes: list[Note] = []
    started: dict[int, int] = {}
    for step, frame in enumerate(list(frames) + [()]):
        now = {int(p) for p in frame}
        for pitch in [p for p in started if p not in now]:
            notes.append(Note(pitch, started[pitch], step - started.pop(pitch)))
        for pitch in now - started.keys():
            started[pitch] = step
    return Phrase(tuple(notes), steps_per_quarter=steps_per_quarter, end=len(frames))


def bl_frames(phrase: Phrase) -> list[frozenset[int]]:
    """The set of sounding pitches at every step of the phrase."""
    frames: list[set[int]] = [set() for _ in range(phrase.length)]
    for n in phrase.notes:
        for step in range(n.start, n.end):
            frames[step].add(n.pitch)
    return [frozenset(f) for f in frames]


def read_bl(path: str | Path, split: str = "train", steps_per_quarter: int | None = None) -> list[Phrase]:
    """Every piece of one split of a Boulanger-Lewandowski pickle, as phrases."""
    path = Path(path)
    if split not in SPLITS:
        raise MusicFileError(path, f"unknown split '{split}' (use train, valid or test)")
    try:
        with open(path, "rb") as f:
            data = _PlainDataUnpickler(f).load()
    except FileNotFoundError:
        raise MusicFileError(path, "the file does not exist") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, OSError) as err:
        raise MusicFileError(path, f"this is not a piano-roll pickle ({err})") from None
    if not isinstance(data, dict) or split not in data:
        raise MusicFileError(path, f"the pickle has no '{split}' split")
    grid = steps_per_quarter or default_grid(path)
    try:
        return [frames_to_phrase(piece, grid) for piece in data[split]]
    except (TypeError, ValueError) as err:
        raise MusicFileError(path, f"a piece in the '{split}' split is not a list of pitch lists ({err})") from None
