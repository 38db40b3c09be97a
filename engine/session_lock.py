"""A lock that dies with its process: how a running session is told from one that crashed.

A running Segue holds an operating-system lock on a file of its own (``fcntl.flock`` on POSIX,
``msvcrt.locking`` on Windows). The system drops the lock the moment the process ends, however it
ends (``kill -9`` included), so another session that can take the lock knows the owner is gone.
Process ids cannot tell this: a killed process lingers as a zombie until its parent reaps it, and
ids are reused.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

if sys.platform == "win32":                         # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(f: BinaryIO) -> bool:
        try:
            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(f: BinaryIO) -> None:
        f.seek(0)
        msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(f: BinaryIO) -> bool:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:                              # BlockingIOError: another process holds it
            return False

    def _unlock(f: BinaryIO) -> None:
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def hold(path: str | Path) -> BinaryIO | None:
    """Take the lock on ``path`` (created if missing) and keep it while the returned file stays
    open; ``None`` if another process holds it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    f = open(path, "a+b")
    if _try_lock(f):
        return f
    f.close()
    return None


def is_held(path: str | Path) -> bool:
    """Whether a live process holds the lock on ``path`` (False when the file is missing)."""
    try:
        f = open(path, "r+b")
    except FileNotFoundError:
        return False
    with f:
        if _try_lock(f):
            _unlock(f)
            return False
        return True
