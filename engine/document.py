"""The Segue document (.segue): the notes, which of them were generated or locked, and the settings.

A small versioned JSON file, written atomically, so a session can be resumed exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import atomic_write
from .errors import MusicFileError
from .phrase import Note, Phrase

FORMAT = "segue-document"
VERSION = 1
SUFFIX = ".segue"


@dataclass
class Document:
    phrase: Phrase
    generated: list[bool] = field(default_factory=list)      # one flag per note of phrase.notes
    settings: dict = field(default_factory=dict)              # Continue and playback settings
    locked: list[bool] = field(default_factory=list)          # one flag per note: kept by Fill and Continue


def document_to_json(doc: Document) -> dict:
    generated = doc.generated or [False] * len(doc.phrase.notes)
    locked = doc.locked or [False] * len(doc.phrase.notes)
    return {"format": FORMAT, "version": VERSION,
            "grid": {"steps_per_quarter": doc.phrase.steps_per_quarter},
            "tempo_bpm": doc.phrase.tempo_bpm, "time_signature": list(doc.phrase.time_signature),
            "end": doc.phrase.end,
            "tempo_changes": [list(change) for change in doc.phrase.tempo_changes],
            "key_signatures": [list(key) for key in doc.phrase.key_signatures],
            "notes": [[n.pitch, n.start, n.duration, n.velocity, int(g)] + ([1] if lock else [])
                      for n, g, lock in zip(doc.phrase.notes, generated, locked)],
            "settings": doc.settings}


def save_document(doc: Document, path: str | Path) -> Path:
    """Write the document atomically: an interrupted save leaves the previous file intact."""
    path = Path(path)
    try:
        atomic_write(path, json.dumps(document_to_json(doc), indent=1).encode("utf-8"))
    except OSError as err:
        raise MusicFileError(path, f"cannot save the document ({err.strerror or err})") from None
    return path


def load_document(path: str | Path) -> Document:
    """Read a .segue file; ``MusicFileError`` names what is wrong with a damaged one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MusicFileError(path, "the file does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise MusicFileError(path, f"the file cannot be read ({err})") from None
    except json.JSONDecodeError as err:
        raise MusicFileError(path, f"the document is damaged or truncated ({err.msg} at line {err.lineno})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise MusicFileError(path, "this is not a Segue document")
    if data.get("version") != VERSION:
        raise MusicFileError(path, f"document version {data.get('version')} is not supported "
                                   f"(this Segue reads version {VERSION})")
    try:
        rows = data["notes"]
        notes = [Note(int(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]
        flags = [bool(r[4]) if len(r) > 4 else False for r in rows]
        locks = [bool(r[5]) if len(r) > 5 else False for r in rows]
        phrase = Phrase(tuple(notes), steps_per_quarter=int(data["grid"]["steps_per_quarter"]),
                        tempo_bpm=float(data["tempo_bpm"]), time_signature=tuple(data["time_signature"]),
                        end=int(data.get("end", 0)),          # the next two are absent from older documents
                        tempo_changes=tuple((int(step), float(bpm)) for step, bpm in data.get("tempo_changes", [])),
                        key_signatures=tuple((int(step), str(key)) for step, key in data.get("key_signatures", [])))
    except (KeyError, IndexError, TypeError, ValueError) as err:
        raise MusicFileError(path, f"the document's notes are damaged ({err})") from None
    order = sorted(range(len(notes)), key=lambda i: notes[i].sort_key())
    settings = data.get("settings") if isinstance(data.get("settings"), dict) else {}
    return Document(phrase, [flags[i] for i in order], settings, [locks[i] for i in order])
