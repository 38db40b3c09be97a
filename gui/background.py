"""The jobs that run behind the user's back (ghost suggestions, the surprise view), and their models.

Continue and Fill step the models of the window's ``ModelCache``. A job that runs on its own,
after every edit, must never step the same network at the same moment (a torch module is not
to be run by two threads at once, and the network keeps lazily built tables of its own), so each
kind of background job gets its own copy of the cached network (a few megabytes), and its jobs
take turns on it: a job cancelled by the next edit is still finishing its step when the next
one starts.
"""

from __future__ import annotations

import atexit
import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QThread, Signal

from .workers import InputProblem, ModelCache, internal_error

_writer = None


def writing_process():
    """The application's one process that writes in the background (``engine.writing.writing_process``),
    started on first use and ended when the application ends."""
    global _writer
    if _writer is None:
        from engine.writing.writing_process import WritingProcess
        _writer = WritingProcess()
        atexit.register(_writer.close)
    return _writer


class PrivateModels:
    """Copies of the models of ``cache`` for one kind of background job, used by one job at a time."""

    def __init__(self, cache: ModelCache):
        self.cache = cache
        self._copies: dict[int, tuple[object, object]] = {}    # id of the cached model -> (it, its copy)
        self._turn = threading.Lock()

    @contextmanager
    def using(self, name_or_path) -> Iterator:
        """The copy of the model ``name_or_path`` (loaded by the cache if it is not yet), held by this
        job until the ``with`` block ends; raises what the cache raises (``ModelError``)."""
        with self._turn:
            shared = self.cache.get(name_or_path)
            found = self._copies.get(id(shared))
            if found is None or found[0] is not shared:
                own = copy.copy(shared)
                if hasattr(shared, "model"):
                    own.model = copy.deepcopy(shared.model)
                found = self._copies[id(shared)] = (shared, own)
            yield found[1]


class BackgroundJob(QThread):
    """One piece of work of a background job kind, on the private copy (``models``) of the model
    ``model_name``: ``work(loaded)`` (a subclass's) returns a list, emitted as ``finished_with(number,
    result)`` unless the job was cancelled; a model that cannot be loaded, a refused input or a bug
    is ``failed(number, message)``, the message starting with ``refusal`` ("No ghost suggestions").
    ``number`` is the edit the job was asked after, so the window drops what an older job reports."""

    finished_with = Signal(int, list)
    failed = Signal(int, str)
    refusal = "Not done"                   # how a message of this kind of job starts
    doing = "working in the background"    # what it was doing, for a bug's message

    def __init__(self, models: PrivateModels, model_name, number: int):
        super().__init__()
        self.models, self.model_name, self.number = models, model_name, number
        self._stop = threading.Event()

    def cancel(self) -> None:
        self._stop.set()

    def cancelled(self) -> bool:
        return self._stop.is_set()

    def work(self, loaded) -> list:
        raise NotImplementedError

    def produce(self) -> list:
        """The job's result: ``work`` on the private copy of the model (a subclass may produce it
        elsewhere, as the ghosts do in a process of their own)."""
        with self.models.using(self.model_name) as loaded:
            return self.work(loaded)

    def run(self):
        from engine.errors import Cancelled, ModelError, MusicFileError
        from engine.writing.writing_process import WriterStopped
        try:
            if self._stop.is_set():
                return
            result = self.produce()
        except Cancelled:
            return
        except ModelError as err:
            self.failed.emit(self.number, f"{self.refusal}: the model could not be loaded ({err}).")
        except (InputProblem, MusicFileError, WriterStopped) as err:
            self.failed.emit(self.number, f"{self.refusal}: {err}")
        except Exception as err:       # a bug (here, or WriterBug from the writing process) must reach the
            # user as a message, not kill the app
            self.failed.emit(self.number, internal_error(err, self.doing))
        else:
            if not self._stop.is_set():
                self.finished_with.emit(self.number, result)
