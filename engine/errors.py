"""The one error type the engine raises for bad input, with a message a musician can read."""

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
