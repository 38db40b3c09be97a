"""Long jobs off the GUI thread: loading a model and continuing a phrase.

The engine's plain callbacks (progress, cancel) become Qt signals here; torch is imported only
inside the thread, so the window shows before the model is loaded.
"""

from __future__ import annotations

import atexit
import threading
import traceback

import shiboken6
from PySide6.QtCore import QThread, Signal

_jobs: list[QThread] = []        # jobs with no parent, held here until their thread has ended


def keep_until_finished(job: QThread) -> QThread:
    """Take ``job`` from its parent and hold it until its thread ends: Qt aborts the process when a
    running QThread is destroyed, as it would be with a window deleted under it."""
    job.setParent(None)
    _jobs[:] = [j for j in _jobs if shiboken6.isValid(j) and not j.isFinished()]
    _jobs.append(job)
    return job


def running_jobs() -> list[QThread]:
    """The held jobs whose thread is still running."""
    return [job for job in _jobs if shiboken6.isValid(job) and job.isRunning()]


@atexit.register
def _join_jobs() -> None:
    for job in running_jobs():                   # a quit right after launch: let the load end
        job.wait()


class ModelCache:
    """Loaded models by folder, shared by the jobs (loading is the slow part of a first Continue)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._models = {}

    def get(self, name_or_path):
        import torch

        from engine.checkpoint import find_model, load_model
        # one token at a time for a few takes is quickest on one core, and leaves the others
        # to the window and the sound
        torch.set_num_threads(1)
        folder = find_model(name_or_path)
        with self._lock:
            if folder not in self._models:
                self._models[folder] = load_model(folder)
            return self._models[folder]


class ContinueJob(QThread):
    """Continue ``phrase`` with the model; emits ``finished_with`` (list of phrases) or ``failed``."""

    progressed = Signal(float)
    status = Signal(str)
    warning = Signal(str)                           # e.g. the chosen model was replaced by the bundled one
    finished_with = Signal(list)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, cache: ModelCache, model_name, phrase, options, generator=None, parent=None, locked=()):
        super().__init__(parent)
        self.cache, self.model_name, self.phrase, self.options = cache, model_name, phrase, options
        self.generator = generator                  # tests may pass a stand-in for continue_phrase
        self.locked = list(locked)                  # notes to keep, timed from the phrase's end
        self._stop = threading.Event()

    def cancel(self) -> None:
        self._stop.set()

    def run(self):
        try:
            from engine.errors import ModelError
            from engine.generate import Cancelled
            self.status.emit("Loading the model…")
            loaded = self._load()
            takes = self.write(loaded)
        except Cancelled:
            self.cancelled.emit()
        except ModelError as err:
            self.failed.emit(f"The model could not be loaded: {err}")
        except ValueError as err:
            self.failed.emit(str(err))
        except Exception as err:      # a bug must reach the user as a message, not kill the app
            traceback.print_exc()
            self.failed.emit(f"Continue failed: {type(err).__name__}: {err}")
        else:
            self.finished_with.emit(takes)

    def write(self, loaded) -> list:
        from engine.generate import continue_phrase
        self.status.emit(f"Continuing with {loaded.name}…")
        generate = self.generator or continue_phrase
        more = {"locked": self.locked} if self.locked else {}
        return generate(loaded, self.phrase, self.options, progress=self.progressed.emit, cancel=self._stop.is_set,
                        **more)

    def _load(self):
        """The chosen model; if it cannot be loaded, the bundled one, and say so."""
        from engine.errors import ModelError
        from engine.model_folders import DEFAULT_MODEL, find_model
        try:
            return self.cache.get(self.model_name)
        except ModelError as err:
            try:
                if self.model_name is None or find_model(self.model_name) == find_model(DEFAULT_MODEL):
                    raise
            except ModelError:
                raise err from None
            loaded = self.cache.get(DEFAULT_MODEL)
            self.warning.emit(f"The chosen model could not be loaded ({err}). "
                              f"Continued with the bundled model '{loaded.name}' instead.")
            return loaded


class FillJob(ContinueJob):
    """Fill the span ``span`` (steps) of ``phrase`` with the model, keeping ``locked`` notes."""

    def __init__(self, cache: ModelCache, model_name, phrase, options, parent=None, locked=(), span=(0, 0)):
        super().__init__(cache, model_name, phrase, options, parent=parent, locked=locked)
        self.span = span

    def write(self, loaded) -> list:
        from engine.fill import fill_span
        self.status.emit(f"Filling with {loaded.name}…")
        return fill_span(loaded, self.phrase, *self.span, self.options, locked=self.locked,
                         progress=self.progressed.emit, cancel=self._stop.is_set)


class ModelLoadJob(QThread):
    """Load torch and a model in the background after the window shows, so Continue starts fast."""

    failed = Signal(str)

    def __init__(self, cache: ModelCache, model_name, parent=None):
        super().__init__(parent)
        self.cache, self.model_name = cache, model_name

    def run(self):
        try:
            self.cache.get(self.model_name)
        except Exception as err:
            self.failed.emit(f"The model could not be loaded: {err}")


class ExcerptJob(QThread):
    """A random excerpt of the model's training music, as a seed."""

    finished_with = Signal(object)
    failed = Signal(str)

    def __init__(self, cache: ModelCache, model_name, bars: int, seed: int | None, parent=None):
        super().__init__(parent)
        self.cache, self.model_name, self.bars, self.seed = cache, model_name, bars, seed

    def run(self):
        try:
            from engine.generate import random_excerpt
            phrase = random_excerpt(self.cache.get(self.model_name), self.bars, self.seed)
        except Exception as err:
            self.failed.emit(str(err))
        else:
            self.finished_with.emit(phrase)


class AudioExportJob(QThread):
    """Render ``phrase`` from step ``start`` with the built-in piano into a WAV or FLAC file;
    emits ``progressed`` (0-1), then ``finished_with`` (the path), ``failed`` or ``cancelled``."""

    progressed = Signal(float)
    warning = Signal(str)                           # the piano could not be loaded: the plain tone plays
    finished_with = Signal(str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, phrase, path, start: int = 0, parent=None):
        super().__init__(parent)
        self.phrase, self.path, self.first_step = phrase, path, start
        self._stop = threading.Event()

    def cancel(self) -> None:
        self._stop.set()

    def run(self):
        from engine.audio import Cancelled, built_in_piano, write_audio
        from engine.errors import MusicFileError
        try:
            piano, problem = built_in_piano()
            if problem:
                self.warning.emit(problem)
            out = write_audio(self.path, self.phrase, piano, start=self.first_step, progress=self.progressed.emit,
                              cancel=self._stop.is_set)
        except Cancelled:
            self.cancelled.emit()
        except (MusicFileError, ValueError, OSError) as err:
            self.failed.emit(str(err))
        except Exception as err:      # a bug must reach the user as a message, not kill the app
            traceback.print_exc()
            self.failed.emit(f"Export failed: {type(err).__name__}: {err}")
        else:
            self.finished_with.emit(str(out))
