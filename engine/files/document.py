"""The Segue document (.segue): the notes, which of them were generated or locked, and the settings.

A small versioned JSON file, written atomically, so a session can be resumed exactly.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import atomic_write
from ..errors import MusicFileError
from ..fields import FieldError, listed, number, shown, whole
from ..limits import (
    MAX_DENOMINATOR,
    MAX_NOTES,
    MAX_NUMERATOR,
    MAX_STEPS_PER_QUARTER,
    MAX_TEMPO_BPM,
    MIN_TEMPO_BPM,
    max_steps,
    read_within,
)
from ..music.chords import Chord
from ..music.phrase import HIGHEST_PITCH, KEY_SIGNATURES, LOWEST_PITCH, Note, Phrase

FORMAT = "segue-document"
VERSION = 1
SUFFIX = ".segue"
MAX_DOCUMENT_BYTES = 32 * 2**20


@dataclass
class Document:
    phrase: Phrase
    generated: list[bool] = field(default_factory=list)      # one flag per note of phrase.notes
    settings: dict = field(default_factory=dict)              # Continue and playback settings
    locked: list[bool] = field(default_factory=list)          # one flag per note: kept by Fill and Continue


def phrase_to_json(phrase: Phrase) -> dict:
    """The phrase as a document holds it (grid, tempo, metre, end, tempo changes, key signatures,
    the chords set as [start, end, name], notes as [pitch, start, duration, velocity]): the one way
    Segue writes a phrase as JSON."""
    return {"grid": {"steps_per_quarter": phrase.steps_per_quarter},
            "tempo_bpm": phrase.tempo_bpm, "time_signature": list(phrase.time_signature),
            "end": phrase.end,
            "tempo_changes": [list(change) for change in phrase.tempo_changes],
            "key_signatures": [list(key) for key in phrase.key_signatures],
            "chords": [list(chord) for chord in phrase.chords],
            "notes": [[n.pitch, n.start, n.duration, n.velocity] for n in phrase.notes]}


def document_to_json(doc: Document) -> dict:
    generated = doc.generated or [False] * len(doc.phrase.notes)
    locked = doc.locked or [False] * len(doc.phrase.notes)
    data = {"format": FORMAT, "version": VERSION, **phrase_to_json(doc.phrase), "settings": doc.settings}
    data["notes"] = [row + [int(g)] + ([1] if lock else []) for row, g, lock in zip(data["notes"], generated, locked)]
    return data


def save_document(doc: Document, path: str | Path) -> Path:
    """Write the document atomically: an interrupted save leaves the previous file intact."""
    path = Path(path)
    try:
        atomic_write(path, json.dumps(document_to_json(doc), indent=1).encode("utf-8"))
    except OSError as err:
        raise MusicFileError(path, f"cannot save the document ({err.strerror or err})") from None
    return path


def load_document(path: str | Path) -> Document:
    """Read a .segue file; ``MusicFileError`` names what is wrong with a damaged one.

    Every field is checked for its type and range (``engine.limits``) before anything is built,
    so a document the window could not draw, play or write back is refused whole."""
    path = Path(path)
    raw = read_within(path, MAX_DOCUMENT_BYTES, "the document")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise MusicFileError(path, f"the file cannot be read ({err})") from None
    except json.JSONDecodeError as err:
        raise MusicFileError(path, f"the document is damaged or truncated ({err.msg} at line {err.lineno})") from None
    except RecursionError:
        raise MusicFileError(path, "the document is damaged (it nests lists or objects too deeply)") from None
    except ValueError as err:                      # a number of thousands of digits, ...
        raise MusicFileError(path, f"the document is damaged ({str(err)[:120]})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise MusicFileError(path, "this is not a Segue document")
    if data.get("version") != VERSION:
        raise MusicFileError(path, f"document version {shown(data.get('version'))} is not supported "
                                   f"(this Segue reads version {VERSION})")
    try:
        return _document(data)
    except FieldError as err:
        raise MusicFileError(path, str(err)) from None


def _flag(row: list, index: int, field: str) -> bool:
    if len(row) <= index:
        return False                               # documents from before locks have no lock flag
    if type(row[index]) in (int, bool) and row[index] in (0, 1):
        return bool(row[index])
    raise FieldError(f"{field} must be 0 or 1, not {shown(row[index])}")


def _document(data: dict) -> Document:
    grid = data.get("grid")
    if not isinstance(grid, dict):
        raise FieldError(f"the grid must be an object, not {shown(grid)}")
    spq = whole(grid.get("steps_per_quarter"), "the grid (steps per quarter)", 1, MAX_STEPS_PER_QUARTER)
    tempo = number(data.get("tempo_bpm"), "the tempo", MIN_TEMPO_BPM, MAX_TEMPO_BPM)
    signature = data.get("time_signature")
    if not (isinstance(signature, list) and len(signature) == 2 and all(type(v) is int for v in signature)):
        raise FieldError(f"the time signature must be two whole numbers, not {shown(signature)}")
    num = whole(signature[0], "the time signature's numerator", 1, MAX_NUMERATOR)
    den = whole(signature[1], "the time signature's denominator", 1, MAX_DENOMINATOR)
    if den & (den - 1):
        raise FieldError(f"the time signature's denominator {den} is not a power of two")
    last = max_steps(spq)
    end = whole(data.get("end", 0), "the end", 0, last)
    notes, flags, locks = [], [], []
    for i, row in enumerate(listed(data.get("notes"), "the notes", MAX_NOTES), 1):
        if not isinstance(row, list) or not 4 <= len(row) <= 6:
            raise FieldError(f"note {i} must be a list of 4 to 6 numbers, not {shown(row)}")
        pitch = whole(row[0], f"note {i}'s pitch", LOWEST_PITCH, HIGHEST_PITCH)
        start = whole(row[1], f"note {i}'s start", 0, last - 1)
        duration = whole(row[2], f"note {i}'s duration", 1, last - start)
        velocity = whole(row[3], f"note {i}'s velocity", 1, 127)
        notes.append(Note(pitch, start, duration, velocity))
        flags.append(_flag(row, 4, f"note {i}'s generated flag"))
        locks.append(_flag(row, 5, f"note {i}'s lock flag"))
    tempo_changes = []                             # the next two are absent from older documents
    for i, change in enumerate(listed(data.get("tempo_changes", []), "the tempo changes", MAX_NOTES), 1):
        if not isinstance(change, list) or len(change) != 2:
            raise FieldError(f"tempo change {i} must be [step, tempo], not {shown(change)}")
        tempo_changes.append((whole(change[0], f"tempo change {i}'s step", 1, last),
                              number(change[1], f"tempo change {i}'s tempo", MIN_TEMPO_BPM, MAX_TEMPO_BPM)))
    keys = []
    for i, key in enumerate(listed(data.get("key_signatures", []), "the key signatures", MAX_NOTES), 1):
        if not (isinstance(key, list) and len(key) == 2 and key[1] in KEY_SIGNATURES):
            raise FieldError(f"key signature {i} must be [step, key] with a key such as \"Eb\" or \"F#m\", "
                           f"not {shown(key)}")
        keys.append((whole(key[0], f"key signature {i}'s step", 0, last), key[1]))
    chords: list[tuple[int, int, str]] = []        # absent from documents before the chord lane
    for i, row in enumerate(listed(data.get("chords", []), "the chords", MAX_NOTES), 1):
        if not (isinstance(row, list) and len(row) == 3 and isinstance(row[2], str) and len(row[2]) <= 32):
            raise FieldError(f"chord {i} must be [start, end, name], not {shown(row)}")
        start = whole(row[0], f"chord {i}'s start", 0, last - 1)
        end_of = whole(row[1], f"chord {i}'s end", start + 1, last)
        try:
            Chord.parse(row[2])
        except ValueError as err:
            raise FieldError(f"chord {i}: {err}") from None
        if chords and start < chords[-1][1]:
            raise FieldError(f"chord {i} begins before chord {i - 1} ends")
        chords.append((start, end_of, row[2]))
    phrase = Phrase(tuple(notes), steps_per_quarter=spq, tempo_bpm=tempo, time_signature=(num, den), end=end,
                    tempo_changes=tuple(tempo_changes), key_signatures=tuple(keys), chords=tuple(chords))
    order = sorted(range(len(notes)), key=lambda i: notes[i].sort_key())
    return Document(phrase, [flags[i] for i in order], _settings(data.get("settings")), [locks[i] for i in order])


def _settings(value) -> dict:
    """The settings that are plain values within range; anything else is left out (the window
    keeps its own setting for it)."""
    if not isinstance(value, dict):
        return {}
    kept = {}
    for key, item in value.items():
        if type(item) is int and not -2**31 <= item < 2**31:
            continue                               # a Qt spin box holds a C int
        if type(item) is float and not math.isfinite(item):
            continue
        if item is None or type(item) in (bool, int, float) or (isinstance(item, str) and len(item) <= 4096):
            kept[key] = item
    return kept
