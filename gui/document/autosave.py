"""Autosave: unsaved work written to the user's data folder a few seconds after each edit, and
the autosaves of sessions that ended without closing, offered back at the next start.

Each session writes one file, ``autosave-PID-SESSION.segue``, and holds an OS lock on the file of
the same name ending in ``.lock`` while it runs; the lock goes when the process ends, however it
ends, so an autosave whose lock nobody holds is work a crashed session left behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from engine.errors import MusicFileError
from engine.files.document import SUFFIX, Document, save_document
from engine.session_lock import hold, is_held

AUTOSAVE_DELAY_MS = 3000

_SESSION = secrets.token_hex(4)          # process ids are reused: the name must be this session's
_held: dict[Path, object] = {}           # lock file -> the open file that holds its lock


def autosave_dir() -> Path:
    from engine.user_data import data_dir
    return data_dir() / "autosave"


def autosave_path() -> Path:
    """This session's autosave; the first call takes the session's lock on it."""
    path = autosave_dir() / f"autosave-{os.getpid()}-{_SESSION}{SUFFIX}"
    lock = path.with_suffix(".lock")
    if lock not in _held:
        handle = hold(lock)
        if handle is not None:
            _held[lock] = handle
    return path


def pending_recoveries() -> list[Path]:
    """Autosaves left by sessions that did not close cleanly (nothing holds their lock)."""
    found: list[Path] = []
    folder = autosave_dir()
    if not folder.is_dir():
        return found
    mine = autosave_path()
    for path in sorted(folder.glob(f"autosave-*{SUFFIX}")):
        try:
            pid = int(path.stem.split("-")[1])
        except (IndexError, ValueError):
            continue
        lock = path.with_suffix(".lock")
        if path == mine:
            continue
        if lock.exists():
            if not is_held(lock):
                found.append(path)
        elif pid != os.getpid() and not process_alive(pid):   # an autosave from before the locks
            found.append(path)
    for lock in folder.glob("autosave-*.lock"):         # sessions that crashed with nothing unsaved
        if not lock.with_suffix(SUFFIX).exists() and lock not in _held and not is_held(lock):
            lock.unlink(missing_ok=True)
    return found


def forget_recovery(path: Path) -> None:
    """A recovery offered (or unreadable): its autosave and lock file go."""
    path.unlink(missing_ok=True)
    path.with_suffix(".lock").unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs (one of another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Autosave(QObject):
    """This session's autosave of one document.

    ``undo_stack`` says when the document changed and whether it has unsaved changes;
    ``document_of`` returns the document as it would be saved now (with the files it belongs to);
    ``failed`` says why an autosave could not be written (the work goes on).
    """

    failed = Signal(str)

    def __init__(self, undo_stack, document_of: Callable[[], Document], parent=None,
                 delay_ms: int = AUTOSAVE_DELAY_MS):
        super().__init__(parent)
        self.undo_stack = undo_stack
        self.document_of = document_of
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.save_now)
        undo_stack.indexChanged.connect(self.edited)

    def edited(self, *_) -> None:
        """The document changed (the undo stack moved, or a take was chosen): write it a few seconds
        from now, once the edits pause."""
        self.timer.start()

    @property
    def path(self) -> Path:
        return autosave_path()

    def save_now(self) -> None:
        """Write the unsaved document now; with nothing unsaved, remove the autosave."""
        if self.undo_stack.isClean():
            self.clear()
            return
        try:
            save_document(self.document_of(), self.path)
        except MusicFileError as err:
            self.failed.emit(f"Autosave failed: {err}")

    def clear(self) -> None:
        """The document was saved: its autosave goes (one that cannot be removed, in a folder made
        read-only, is said in the status bar; the save itself has succeeded)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as err:
            self.failed.emit(f"The autosave {self.path} could not be removed ({err.strerror or err})")

    def close(self) -> None:
        """A clean close leaves nothing behind: no autosave, no lock file."""
        self.timer.stop()
        self.clear()
        lock = self.path.with_suffix(".lock")
        handle = _held.pop(lock, None)
        with contextlib.suppress(OSError):         # a read-only folder keeps it: the lock dies with us
            lock.unlink(missing_ok=True)
        if handle is not None:
            handle.close()
