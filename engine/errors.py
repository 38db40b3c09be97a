"""The engine's own exceptions: bad input (a music file, a model folder), each with a message a
musician can read, and a long job stopped by whoever asked for it."""

from __future__ import annotations

from pathlib import Path


class MusicFileError(Exception):
    """A file could not be read as music (or written). ``str(err)`` names the file and the problem."""

    def __init__(self, path: str | Path | None, problem: str):
        self.path = None if path is None else Path(path)
        self.problem = problem
        where = f"{self.path.name}: " if self.path is not None else ""
        super().__init__(f"{where}{problem}")


class ModelError(Exception):
    """A model folder is missing, damaged or does not match this version of Segue."""

    def __init__(self, path: str | Path | None, problem: str):
        self.path = None if path is None else Path(path)
        self.problem = problem
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(f"{where}{problem}")


class Cancelled(Exception):
    """A long job (writing takes, exporting audio) was stopped by its caller; it leaves nothing
    half-made behind (no take, no half-written file)."""
