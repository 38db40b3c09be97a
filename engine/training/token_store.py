"""Training music on disk: each piece's tokens, side inputs and notes in flat files, read back a
slice at a time, so a training process's memory does not grow with the collection.

A store is written once at the start of a run, one piece after another, into a temporary folder
of its own: one file per array (the tokens, each side input the network reads, the spelling
state, the notes, the names), every piece's rows one after the other. Only a small index stays
in memory: where each piece starts in the files, its metre, length, note count, tempo, time
signature and the range of its pitches. Slices are read back with plain positioned reads, not
memory maps: pages of a mapped file that have been read count in the process's resident memory,
and that memory must stay flat.

Two arrays are stored more compactly than ``stream_inputs`` makes them, and read back to the
same values: held notes (one bool per pitch) as bits, and the controls (the controls of each
position's bar and of the next) as one row per bar, looked up by the position's bar.

On POSIX systems the files are unlinked as soon as the store is written: the open files keep
the data readable, and the system frees the disk when the process ends, even if it is killed.
Elsewhere ``close`` (or the store being collected) removes the folder.
"""

from __future__ import annotations

import io
import os
import shutil
import weakref
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..encoding.controls import RAW
from ..encoding.tokens import Vocabulary
from ..music.phrase import Note, Phrase

PER_BAR = "controls"            # stored one row per bar, read by "control_bar"
UNLINK_WHEN_WRITTEN = os.name == "posix"       # open files stay readable once unlinked there


class TokenStore:
    """Pieces written once with ``add`` (then ``finish``), read any number of times.

    ``len(store)`` pieces; ``store.tokens[i]`` the tokens of piece ``i`` (int64); ``read`` any
    run of rows of one array across the store; ``phrase(i)`` and ``name(i)`` the piece itself.
    """

    def __init__(self, folder: str | Path, vocab: Vocabulary):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        if vocab.size > np.iinfo(np.int16).max:
            raise ValueError(f"a vocabulary of {vocab.size} tokens is too big for the training store")
        self.vocab = vocab
        self.layout: dict[str, tuple[np.dtype, tuple[int, ...], bool]] = {}     # key: dtype, row shape, as bits
        self._writers = {name: open(self.folder / name, "wb") for name in ("tokens", "notes", "names")}
        self._readers: dict[str, io.FileIO] = {}
        self._index = {key: array("q", [0]) for key in ("token", "note", "name", "bar")}
        self._columns = {key: array("q") for key in ("bar_steps", "steps_per_quarter", "steps", "notes",
                                                     "numerator", "denominator", "low", "high")}
        self._tempo = array("d")
        self.bytes = 0
        self._cleanup = weakref.finalize(self, _remove, self._writers, self._readers, self.folder)

    # -- writing ----------------------------------------------------------------------------
    def add(self, name: str, phrase: Phrase, tokens: Sequence[int], inputs: dict[str, np.ndarray] | None = None,
            spelling: np.ndarray | None = None) -> None:
        """Append one piece: its phrase and tokens, and optionally the side inputs the network
        reads (``side_inputs.stream_inputs``) and the spelling state (``grammar.spelling_state``)."""
        self.add_record(piece_record(name, phrase, tokens, self.vocab, inputs, spelling))

    def add_record(self, record: "PieceRecord") -> None:
        """Append one piece made ready by ``piece_record`` (which may run in another process)."""
        self._write("tokens", record.tokens)
        self._write("notes", record.notes)
        self._write("names", record.name)
        for key, (values, dtype, shape, bits) in record.arrays.items():
            if key not in self.layout:
                self.layout[key] = (dtype, shape, bits)
                self._writers[key] = open(self.folder / key, "wb")
            elif self.layout[key] != (dtype, shape, bits):
                raise ValueError(f"the side input '{key}' changed shape between pieces")
            self._write(key, values)
        bars = len(record.arrays[PER_BAR][0]) if PER_BAR in record.arrays else 0
        for key, size in (("token", len(record.tokens)), ("note", len(record.notes)), ("name", len(record.name)),
                          ("bar", bars)):
            self._index[key].append(self._index[key][-1] + size)
        for key, value in record.columns.items():
            self._columns[key].append(value)
        self._tempo.append(record.tempo)

    def _write(self, key: str, values: np.ndarray) -> None:
        self._writers[key].write(np.ascontiguousarray(values).tobytes())

    def finish(self) -> "TokenStore":
        """Close the files for writing and open them for reading (on POSIX, unlinked at once)."""
        for key, writer in self._writers.items():
            writer.close()
            self.bytes += (self.folder / key).stat().st_size
            self._readers[key] = open(self.folder / key, "rb", buffering=0)
        self._writers.clear()
        self.index = {key: np.frombuffer(values, dtype=np.int64) for key, values in self._index.items()}
        self.columns = {key: np.frombuffer(values, dtype=np.int64) for key, values in self._columns.items()}
        self.tempo = np.frombuffer(self._tempo, dtype=np.float64)
        self.lengths = np.diff(self.index["token"])
        if UNLINK_WHEN_WRITTEN:
            shutil.rmtree(self.folder, ignore_errors=True)
        return self

    def close(self) -> None:
        """Close the files and remove the folder."""
        self._cleanup()

    # -- reading ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._columns["steps"])

    def read(self, key: str, start: int, stop: int) -> np.ndarray:
        """Rows ``start``..``stop`` (token positions counted over the whole store) of ``key``:
        "tokens" (int64), "spelling", or a side input; per-bar arrays are read with ``bar_rows``."""
        if key == "tokens":
            return self._read(key, np.dtype(np.int16), (), start, stop).astype(np.int64)
        if key == "spelling":
            return self._read(key, np.dtype(np.int16), (2,), start, stop).astype(np.int64)
        dtype, shape, bits = self.layout[key]
        if bits:
            packed = self._read(key, np.dtype(np.uint8), (-(-shape[0] // 8),), start, stop)
            return np.unpackbits(packed, axis=1, count=shape[0]).astype(np.bool_)
        return self._read(key, dtype, shape, start, stop)

    def bar_rows(self, key: str, piece: int) -> np.ndarray:
        """The per-bar table of piece ``piece`` (``controls``: one row per bar it reaches, + 1)."""
        dtype, shape, _ = self.layout[key]
        return self._read(key, dtype, shape, int(self.index["bar"][piece]), int(self.index["bar"][piece + 1]))

    def _read(self, key: str, dtype: np.dtype, shape: tuple[int, ...], start: int, stop: int) -> np.ndarray:
        out = np.empty((max(0, stop - start),) + tuple(shape), dtype=dtype)
        if not out.size:
            return out
        view = out.reshape(-1).data.cast("B")
        handle = self._readers[key]
        handle.seek(start * out.itemsize * int(np.prod(shape, dtype=np.int64)))
        done = 0
        while done < len(view):
            got = handle.readinto(view[done:])
            if not got:
                raise OSError(f"the training store's {key} file ended early")
            done += got
        return out

    @property
    def side_keys(self) -> list[str]:
        return [key for key in self.layout if key != "spelling"]

    @property
    def tokens(self) -> "_Tokens":
        """Each piece's tokens, read when asked for (a sequence, as ``evaluate.score_sequences`` takes)."""
        return _Tokens(self)

    def piece_tokens(self, i: int) -> np.ndarray:
        return self.read("tokens", int(self.index["token"][i]), int(self.index["token"][i + 1]))

    def name(self, i: int) -> str:
        raw = self._read("names", np.dtype(np.uint8), (), int(self.index["name"][i]), int(self.index["name"][i + 1]))
        return raw.tobytes().decode("utf-8")

    def phrase(self, i: int) -> Phrase:
        """Piece ``i`` as it was added (notes, grid, tempo, time signature, length)."""
        rows = self._read("notes", np.dtype(np.int64), (4,), int(self.index["note"][i]), int(self.index["note"][i + 1]))
        c = self.columns
        return Phrase(tuple(Note(*map(int, row)) for row in rows), steps_per_quarter=int(c["steps_per_quarter"][i]),
                      tempo_bpm=float(self.tempo[i]), time_signature=(int(c["numerator"][i]), int(c["denominator"][i])),
                      end=int(c["steps"][i]))

    def pitch_range(self, i: int) -> tuple[int, int] | None:
        """The lowest and highest pitch token of piece ``i`` (None: it has no pitches)."""
        low = int(self.columns["low"][i])
        return None if low < 0 else (low, int(self.columns["high"][i]))

    @property
    def metres(self) -> list[tuple[int, int]]:
        """Each piece's bar length in steps and its steps per quarter note."""
        return list(zip(self.columns["bar_steps"].tolist(), self.columns["steps_per_quarter"].tolist()))

    @property
    def token_count(self) -> int:
        return int(self.index["token"][-1])

    @property
    def step_count(self) -> int:
        return max(1, int(self.columns["steps"].sum()))

    @property
    def note_count(self) -> int:
        return max(1, int(self.columns["notes"].sum()))


@dataclass
class PieceRecord:
    """One piece as a store writes it: plain arrays, cheap to hand from process to process."""

    name: np.ndarray                       # utf-8 bytes
    tokens: np.ndarray                     # int16
    notes: np.ndarray                      # (notes, 4) int64: pitch, start, duration, velocity
    arrays: dict                           # key: (values as written, dtype, row shape, as bits)
    columns: dict                          # the index's integer columns
    tempo: float


def piece_record(name: str, phrase: Phrase, tokens: Sequence[int], vocab: Vocabulary,
                 inputs: dict[str, np.ndarray] | None = None, spelling: np.ndarray | None = None) -> PieceRecord:
    """What ``TokenStore.add_record`` writes for one piece (see ``TokenStore.add``)."""
    ids = np.asarray(tokens, dtype=np.int64)
    notes = np.array([(n.pitch, n.start, n.duration, n.velocity) for n in phrase.notes], dtype=np.int64)
    arrays: dict[str, tuple[np.ndarray, np.dtype, tuple[int, ...], bool]] = {}
    if spelling is not None:
        arrays["spelling"] = (np.asarray(spelling).astype(np.int16), np.dtype(np.int16), (2,), False)
    side = inputs or {}
    for key, values in side.items():
        if key == PER_BAR:
            values = _bar_table(values, side["control_bar"])
        bits = values.dtype == np.bool_ and values.ndim == 2
        arrays[key] = (np.packbits(values, axis=1) if bits else values, values.dtype, values.shape[1:], bits)
    pitches = ids[np.array([kind == "pitch" for kind in vocab.kinds])[ids]]
    columns = {"bar_steps": phrase.steps_per_bar, "steps_per_quarter": phrase.steps_per_quarter,
               "steps": phrase.length, "notes": len(phrase.notes), "numerator": phrase.time_signature[0],
               "denominator": phrase.time_signature[1], "low": int(pitches.min()) if len(pitches) else -1,
               "high": int(pitches.max()) if len(pitches) else -1}
    return PieceRecord(np.frombuffer(name.encode("utf-8"), dtype=np.uint8), ids.astype(np.int16),
                       notes.reshape(-1, 4), arrays, {k: int(v) for k, v in columns.items()}, float(phrase.tempo_bpm))


class _Tokens(Sequence):
    def __init__(self, store: TokenStore):
        self.store = store

    def __len__(self) -> int:
        return len(self.store)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return self.store.piece_tokens(i % len(self))


def _bar_table(controls: np.ndarray, bars: np.ndarray) -> np.ndarray:
    """The one row per bar that ``controls`` (positions x 2 x RAW: the controls of each position's
    bar and of the next) repeats; checked to give back exactly ``controls``."""
    table = np.zeros((int(bars.max()) + 2 if len(bars) else 2, RAW), dtype=controls.dtype)
    table[bars] = controls[:, 0]
    table[bars + 1] = controls[:, 1]
    bits = controls.view(np.uint16) if controls.dtype == np.float16 else controls
    if not np.array_equal(np.stack([table[bars], table[bars + 1]], 1).view(bits.dtype), bits):
        raise ValueError("the controls differ between positions of one bar: they cannot be stored by bar")
    return table


def _remove(writers: dict, readers: dict, folder: Path) -> None:
    for handle in list(writers.values()) + list(readers.values()):
        handle.close()
    shutil.rmtree(folder, ignore_errors=True)
