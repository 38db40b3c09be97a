"""Atomic file writes: a save that is interrupted never leaves a broken file where a good one was."""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Iterator

from .session_lock import hold, is_held


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step.

    If the block raises, the temporary file is removed and ``path`` is left as it was. Saving
    through a symbolic link replaces the file it points to (the link stays). The temporary file
    is locked while it is written (``engine.session_lock``), so one left by a writer that was
    killed is known and removed by the next save beside it; the folder is synced after the
    rename, so the new name survives a power cut.
    """
    target = check_writable(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _sweep_leftovers(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=PART, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    lock = hold(tmp) if os.name != "nt" else None       # held while this process writes it
    try:
        yield tmp
        with open(tmp, "rb+") as f:           # the bytes reach the disk before the rename
            os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
        _sync_folder(target.parent)
    finally:
        if lock is not None:
            lock.close()
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


PART = ".part"


def check_writable(path: str | Path) -> Path:
    """The file a save to ``path`` would replace (links followed), if it may be replaced: a file
    the user protected (no one may write it, as ``chmod a-w`` leaves it; the check holds for the
    superuser too), a folder, and a device or pipe are refused with a ``PermissionError`` or
    ``IsADirectoryError`` saying why, before any work is done."""
    target = Path(os.path.realpath(path))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    except OSError as err:
        raise PermissionError(err.errno or errno.EACCES, f"it cannot be reached ({err.strerror})", str(path)) from None
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "it is a folder", str(path))
    if not stat.S_ISREG(mode):
        raise PermissionError(errno.EPERM, "it is a device or a pipe, not a file; Segue writes only files", str(path))
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "the file is write-protected; Segue never replaces a protected file",
                              str(path))
    return target


def _sweep_leftovers(target: Path) -> None:
    """Remove the temporary files of earlier saves of ``target`` whose writer is gone: nothing
    holds their lock (on Windows, where an open file cannot be renamed: an hour old)."""
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*{PART}"):
        try:
            age = time.time() - leftover.stat().st_mtime
        except OSError:
            continue
        if age > 2 and (age > 3600 if os.name == "nt" else not is_held(leftover)):   # 2 s: just made
            with contextlib.suppress(OSError):
                leftover.unlink()


def _sync_folder(folder: Path) -> None:
    if os.name == "nt":                    # Windows cannot open a folder to sync it
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass                               # some file systems cannot sync a folder
    finally:
        os.close(fd)


def _mode_for(target: Path) -> int:
    """The replaced file's permissions, or those a new file gets (temporary files start private)."""
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_current_umask()


def _current_umask() -> int:
    # os.umask can only be read by setting it; do it once, at first use, not while threads write
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)
        os.umask(_UMASK)
    return _UMASK


_UMASK: int | None = None


def atomic_write(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
