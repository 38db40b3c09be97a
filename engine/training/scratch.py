"""What a training run leaves in the system while it reads: worker processes and temporary folders,
both tied to the run's life, so that a run killed outright (``kill -9``, a crash, the power
button) leaves neither behind for long.

Worker processes end with the run that started them: on Linux the kernel kills them when it ends
(``prctl(PR_SET_PDEATHSIG)``); everywhere, a thread in each worker watches for its parent to go
(on POSIX its parent process id changes when it is orphaned; on Windows the parent's handle is
signalled) and ends it. Without this, a worker killed mid-read waited on its job queue for ever,
holding 200 MB.

Each temporary folder (``segue-training-*``, ``segue-validation-*``) has a lock file beside it
that the run holds while the folder lives (``engine.session_lock``: the operating system drops the
lock the moment the process ends). The next run sweeps the folders whose lock nobody holds, as
``engine.atomic`` sweeps the ``.part`` files of dead saves.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

from ..session_lock import hold, is_held

T = TypeVar("T")
PREFIXES = ("segue-training-", "segue-validation-")
LOCK = ".lock"
UNLOCKED_DAYS = 1.0              # a folder with no lock file (an older Segue's) is swept after a day
WATCH_SECONDS = 0.5              # how often a worker looks for its parent
_PR_SET_PDEATHSIG = 1


# -- workers ------------------------------------------------------------------------------------------

def worker_pool(count: int) -> ProcessPoolExecutor:
    """A process pool of ``count`` workers that end when this process ends, however it ends."""
    # the kernel's signal is sent when the thread that started the worker ends: only a pool started
    # by the main thread (which lives as long as the process) may use it
    return ProcessPoolExecutor(count, initializer=end_with_parent,
                               initargs=(os.getpid(), threading.current_thread() is threading.main_thread()))


def end_with_parent(parent: int, by_signal: bool = True) -> None:
    """In a worker process: end it when ``parent`` (the process that started it) ends."""
    if by_signal and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes
            import signal
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.name == "posix" and os.getppid() != parent:
        os._exit(1)                                  # the parent went before the signal was asked for
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="segue-parent-watch").start()


def _watch(parent: int) -> None:
    if os.name == "posix":
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
    else:                                            # pragma: no cover - Windows: wait on the parent's handle
        import multiprocessing
        from multiprocessing.connection import wait
        started_by = multiprocessing.parent_process()
        if started_by is None:
            return
        wait([started_by.sentinel])
    os._exit(1)


# -- temporary folders --------------------------------------------------------------------------------

def scratch_folder(prefix: str) -> tuple[Path, Callable[[], None]]:
    """A new temporary folder named ``prefix...``, and the function that gives up its lock (and
    removes the lock file; whoever made the folder removes it). Until then, or until the process
    ends, the folder's lock is held and no sweep removes it."""
    handle, lock_name = tempfile.mkstemp(prefix=prefix, suffix=LOCK)
    os.close(handle)
    lock = Path(lock_name)
    held = hold(lock)                     # taken before the folder exists: a sweep never sees it unlocked
    folder = lock.with_name(lock.name[:-len(LOCK)])
    try:
        folder.mkdir()
    except OSError:
        _release(held, lock)
        raise
    return folder, lambda: _release(held, lock)


def owned_by(make: Callable[[Path], T], prefix: str) -> T:
    """``make(folder)`` for a new temporary folder (``scratch_folder``), whose lock is given up
    when what it made is collected or closed."""
    folder, release = scratch_folder(prefix)
    try:
        made = make(folder)
    except BaseException:
        release()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    weakref.finalize(made, release)
    return made


def _release(held, lock: Path) -> None:
    if held is not None:
        held.close()
    with contextlib.suppress(OSError):
        lock.unlink()


def sweep_scratch(where: str | Path | None = None) -> list[Path]:
    """Remove the temporary folders of training runs that ended without removing them (their lock
    is free), and the lock files left without a folder. ``where``: the temporary folder (default:
    the system's). Returns the folders removed."""
    where = Path(where or tempfile.gettempdir())
    removed = []
    for prefix in PREFIXES:
        for found in sorted(where.glob(f"{prefix}*")):
            try:
                if found.name.endswith(LOCK):
                    if not found.with_name(found.name[:-len(LOCK)]).exists() and not is_held(found):
                        found.unlink()
                    continue
                if not found.is_dir() or found.is_symlink():
                    continue
                lock = found.with_name(found.name + LOCK)
                if lock.exists():
                    if is_held(lock):
                        continue
                elif time.time() - found.stat().st_mtime < UNLOCKED_DAYS * 86400:
                    continue
            except OSError:
                continue
            shutil.rmtree(found, ignore_errors=True)
            if not found.exists():
                removed.append(found)
                with contextlib.suppress(OSError):
                    lock.unlink()
    return removed
