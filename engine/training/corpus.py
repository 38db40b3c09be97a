"""A folder of music read into phrases: every core at work, results cached, bad files listed.

``load_corpus`` holds every phrase in memory (small collections, evaluation). Training a big
collection calls ``cache_corpus`` instead: the files are read on every core into the cache and
nothing is kept, then ``CachedCorpus.pieces()`` hands the phrases out one at a time from it.

Paths may be files, folders (searched recursively for music files), text files listing music
files one a line (``.txt``) or a Boulanger-Lewandowski pickle with its split, ``FILE.pickle:train``.
A file that cannot be read is listed in ``Corpus.skipped`` with the reason and never stops the rest.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

from platformdirs import user_cache_dir

from ..atomic import atomic_write
from ..errors import MusicFileError
from ..files.bl_pickle import TRAINING_SPLIT, pickle_spec, read_bl
from ..files.document import phrase_to_json
from ..files.reading import MUSIC_SUFFIXES, read_music
from ..music.phrase import Note, Phrase
from .scratch import worker_pool

READER_VERSION = 4            # bump when a reader change alters what a file reads as, or the cache's layout


@dataclass
class Piece:
    name: str
    phrase: Phrase


@dataclass
class Corpus:
    pieces: list[Piece] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def music_files(paths: Sequence[str | Path]) -> tuple[list[Path], list[str], list[tuple[str, str]]]:
    """Music files under ``paths`` (sorted), pickle specs, and paths that are not there."""
    files, pickles, missing = [], [], []
    for item in paths:
        text = str(item)
        if pickle_spec(text, TRAINING_SPLIT):
            pickles.append(text)
            continue
        path = Path(text).expanduser()
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix.lower() in MUSIC_SUFFIXES and p.is_file())
        elif path.is_file() and path.suffix.lower() == ".txt":
            listed, unlisted = listed_files(path)
            files += listed
            missing += unlisted
        elif path.is_file():
            files.append(path)
        else:
            missing.append((text, "no such file or folder"))
    return files, pickles, missing


def pickle_pieces(spec: str) -> list[tuple[str, Phrase]]:
    """The pieces of a ``FILE.pickle[:SPLIT]`` spec (the training split unless it names one), as
    (name, phrase) with names such as ``JSB Chorales:train#0``."""
    path, split = pickle_spec(spec, TRAINING_SPLIT) or (spec, TRAINING_SPLIT)
    return [(f"{Path(path).stem}:{split}#{i}", phrase) for i, phrase in enumerate(read_bl(path, split))]


def listed_files(listing: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """The music files a text file lists, one path a line (relative to the list's own folder;
    blank lines and lines starting with # are skipped), and the listed paths that are not there."""
    try:
        lines = listing.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        return [], [(str(listing), f"could not be read as a list of files ({err})")]
    files, missing = [], []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        path = Path(line).expanduser()
        path = path if path.is_absolute() else listing.parent / path
        if path.is_file():
            files.append(path)
        else:
            missing.append((line, f"listed in {listing.name}, but no such file"))
    return files, missing


def _cache_key(path: Path, steps_per_quarter: int) -> str:
    stat = path.stat()
    text = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{steps_per_quarter}|{READER_VERSION}"
    return hashlib.sha1(text.encode()).hexdigest()


def _from_json(data: dict) -> Phrase:
    """A phrase the cache holds as ``document.phrase_to_json`` wrote it. The cache is Segue's
    own, so it is read without the checks a document from elsewhere goes through."""
    return Phrase(tuple(Note(*n) for n in data["notes"]), steps_per_quarter=data["grid"]["steps_per_quarter"],
                  tempo_bpm=data["tempo_bpm"], time_signature=tuple(data["time_signature"]), end=data["end"],
                  tempo_changes=tuple(map(tuple, data["tempo_changes"])),
                  key_signatures=tuple(map(tuple, data["key_signatures"])))


def _read_one(job: tuple[str, int]) -> tuple[str, dict | None, str | None]:
    path, steps_per_quarter = job
    try:
        return path, phrase_to_json(read_music(path, steps_per_quarter)), None
    except MusicFileError as err:
        return path, None, err.problem
    except Exception as err:  # a reader bug must not stop a whole corpus
        return path, None, f"could not be read ({type(err).__name__}: {err})"


def load_corpus(paths: Sequence[str | Path], steps_per_quarter: int = 4,
                progress: Callable[[int, int], None] | None = None, cache_dir: str | Path | None = None,
                workers: int | None = None) -> Corpus:
    """Read every piece under ``paths``; ``progress(done, total)`` is called as files finish."""
    files, pickles, missing = music_files(paths)
    corpus = Corpus(skipped=list(missing))
    for spec in pickles:
        try:
            corpus.pieces += [Piece(name, phrase) for name, phrase in pickle_pieces(spec)]
        except MusicFileError as err:
            corpus.skipped.append((spec, err.problem))

    cache = Path(cache_dir) if cache_dir else Path(user_cache_dir("segue")) / "corpus"
    results: dict[Path, Phrase] = {}
    todo = []
    for path in files:
        entry = cache / f"{_cache_key(path, steps_per_quarter)}.json"
        try:
            results[path] = _from_json(json.loads(entry.read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            todo.append(path)
    total, done = len(files), len(results)
    if progress:
        progress(done, total)
    _read_into_cache(todo, results, corpus, cache, steps_per_quarter, done, total, progress, workers)
    for path in files:
        if path in results:
            corpus.pieces.append(Piece(str(path), results[path]))
    return corpus


def _read_into_cache(todo: list[Path], results, corpus, cache: Path, steps_per_quarter: int, done: int, total: int,
                     progress, workers: int | None) -> None:
    """Read the files ``todo`` on every core (or ``workers`` processes) and ``_collect`` them."""
    if not todo:
        return
    workers = workers or min(len(todo), os.cpu_count() or 1)
    jobs = [(str(p), steps_per_quarter) for p in todo]
    if workers > 1 and len(todo) > 1:
        with worker_pool(workers) as pool:                   # workers that end with this process
            outcomes = pool.map(_read_one, jobs, chunksize=max(1, len(jobs) // (workers * 8)))
            _collect(outcomes, results, corpus, cache, steps_per_quarter, done, total, progress)
    else:
        _collect(map(_read_one, jobs), results, corpus, cache, steps_per_quarter, done, total, progress)


def _collect(outcomes, results, corpus, cache, steps_per_quarter, done, total, progress) -> int:
    """Note each outcome: a problem in ``corpus.skipped``, a phrase in the cache (and in ``results``
    unless it is None)."""
    for path_text, data, problem in outcomes:
        path = Path(path_text)
        if problem is not None:
            corpus.skipped.append((path_text, problem))
        else:
            if results is not None:
                results[path] = _from_json(data)
            try:
                atomic_write(cache / f"{_cache_key(path, steps_per_quarter)}.json", json.dumps(data).encode())
            except OSError:
                pass                       # a read-only cache only costs speed
        done += 1
        if progress:
            progress(done, total)
    return done


@dataclass
class CachedCorpus:
    """The music under some paths, read into the cache but not held: ``pieces()`` yields the
    phrases one at a time, in ``load_corpus``'s order, as often as asked."""

    files: list[Path]                      # the files that could be read
    pickles: list[str]
    skipped: list[tuple[str, str]]
    steps_per_quarter: int
    cache: Path
    count: int = 0                         # how many pieces ``pieces()`` yields, at most

    def pieces(self) -> Iterator[Piece]:
        return (piece for piece in map(self.piece, self.sources()) if piece is not None)

    def sources(self) -> Iterator[tuple[str, Phrase | None]]:
        """The pieces as (name, phrase): the phrase is None for a file, which ``piece`` (or
        ``read_piece``, in another process) reads from the cache."""
        for spec in self.pickles:
            yield from pickle_pieces(spec)
        for path in self.files:
            yield str(path), None

    def piece(self, source: tuple[str, Phrase | None]) -> Piece | None:
        return read_piece(source, self.cache, self.steps_per_quarter)


def read_piece(source: tuple[str, Phrase | None], cache: Path, steps_per_quarter: int) -> Piece | None:
    """The piece of one of ``CachedCorpus.sources()``: from the cache, else read again (a
    read-only cache); None if the file can no longer be read."""
    name, phrase = source
    if phrase is not None:
        return Piece(name, phrase)
    path = Path(name)
    try:
        return Piece(name, _from_json(json.loads((cache / f"{_cache_key(path, steps_per_quarter)}.json").read_text())))
    except (OSError, ValueError, KeyError, TypeError):
        _, data, _ = _read_one((name, steps_per_quarter))
        return None if data is None else Piece(name, _from_json(data))


def cache_corpus(paths: Sequence[str | Path], steps_per_quarter: int = 4,
                 progress: Callable[[int, int], None] | None = None, cache_dir: str | Path | None = None,
                 workers: int | None = None) -> CachedCorpus:
    """Read every file under ``paths`` that is not cached yet, on every core, into the cache,
    keeping none of the phrases: the memory this takes does not grow with the collection.
    ``progress(done, total)`` is called as files finish."""
    files, pickles, missing = music_files(paths)
    found = Corpus(skipped=list(missing))
    readable, count = [], 0
    for spec in pickles:
        try:
            count += len(pickle_pieces(spec))
            readable.append(spec)
        except MusicFileError as err:
            found.skipped.append((spec, err.problem))
    cache = Path(cache_dir) if cache_dir else Path(user_cache_dir("segue")) / "corpus"
    todo = [path for path in files if not (cache / f"{_cache_key(path, steps_per_quarter)}.json").is_file()]
    total, done = len(files), len(files) - len(todo)
    if progress:
        progress(done, total)
    _read_into_cache(todo, None, found, cache, steps_per_quarter, done, total, progress, workers)
    failed = {Path(path) for path, _ in found.skipped}
    files = [p for p in files if p not in failed]
    return CachedCorpus(files, readable, found.skipped, steps_per_quarter, cache, count + len(files))
