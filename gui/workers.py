"""Long jobs off the GUI thread: loading a model and continuing a phrase.

The engine's plain callbacks (progress, cancel) become Qt signals here; torch is imported only
inside the thread, so the window shows before the model is loaded.

A job fails with a message for the user. What the user asked for and the engine cannot do (a
damaged model or file: ``engine.errors``; options out of range or a locked note the model has no
pitch for: the engine's own checks, run by the job first) is said as it is. Any other exception
is a bug in Segue: it is logged with its traceback and said as an internal error; the app goes on.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QThread, Signal

from engine.errors import ModelError, MusicFileError

log = logging.getLogger(__name__)
_jobs: list[QThread] = []        # jobs with no parent, held here until their thread has ended


class InputProblem(Exception):
    """Something asked of the engine that it cannot do, found by one of its checks; shown as it is."""


def checked(check: Callable, *args):
    """Run one of the engine's input checks (which raise ``ValueError`` naming the problem); its
    complaint becomes an ``InputProblem``, so a ``ValueError`` from anywhere else stays a bug."""
    try:
        return check(*args)
    except ValueError as err:
        raise InputProblem(str(err)) from err


def internal_error(err: BaseException, doing: str) -> str:
    """Log ``err`` with its traceback; the message the user reads about it."""
    log.error("Segue hit an internal error while %s", doing, exc_info=err)
    return (f"Segue hit an internal error while {doing} ({type(err).__name__}: {err}). Your phrase is as it "
            "was; the details are in the log.")


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

        from engine.model.checkpoint import find_model, load_model
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

    doing = "continuing the phrase"

    def run(self):
        from engine.errors import Cancelled
        try:
            self.status.emit("Loading the model…")
            loaded = self._load()
            self.check(loaded)
            takes = self.write(loaded)
        except Cancelled:
            self.cancelled.emit()
        except ModelError as err:
            self.failed.emit(f"The model could not be loaded: {err}")
        except (InputProblem, MusicFileError) as err:
            self.failed.emit(str(err))
        except Exception as err:      # a bug must reach the user as a message, not kill the app
            self.failed.emit(internal_error(err, self.doing))
        else:
            self.finished_with.emit(takes)

    def check(self, loaded) -> None:
        """The options in range and every locked note a pitch the model has; ``InputProblem`` if not."""
        checked(self.options.check)
        vocab = getattr(loaded, "vocab", None)           # a test's stand-in model may have none
        for note in self.locked if vocab is not None else ():
            checked(vocab.pitch, note.pitch)

    def write(self, loaded) -> list:
        from engine.writing.continuation import continue_phrase
        self.status.emit(f"Continuing with {loaded.name}…")
        generate = self.generator or continue_phrase
        more = {"locked": self.locked} if self.locked else {}
        return generate(loaded, self.phrase, self.options, progress=self.progressed.emit, cancel=self._stop.is_set,
                        **more)

    def _load(self):
        """The chosen model; if it cannot be loaded, the bundled one, and say so."""
        from engine.errors import ModelError
        from engine.model.folders import DEFAULT_MODEL, find_model
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

    doing = "filling the bars"

    def __init__(self, cache: ModelCache, model_name, phrase, options, parent=None, locked=(), span=(0, 0)):
        super().__init__(cache, model_name, phrase, options, parent=parent, locked=locked)
        self.span = span

    def write(self, loaded) -> list:
        from engine.writing.fill import fill_span
        self.status.emit(f"Filling with {loaded.name}…")
        return fill_span(loaded, self.phrase, *self.span, self.options, locked=self.locked,
                         progress=self.progressed.emit, cancel=self._stop.is_set)


class ModelLoadJob(QThread):
    """Load torch and a model in the background after the window shows, so Continue starts fast."""

    failed = Signal(str)
    loaded = Signal()

    def __init__(self, cache: ModelCache, model_name, parent=None):
        super().__init__(parent)
        self.cache, self.model_name = cache, model_name

    def run(self):
        try:
            self.cache.get(self.model_name)
        except ModelError as err:
            self.failed.emit(f"The model could not be loaded: {err}")
        except Exception as err:
            self.failed.emit(internal_error(err, "loading the model"))
        else:
            self.loaded.emit()


class ExcerptJob(QThread):
    """A random excerpt of the model's training music, as a seed."""

    finished_with = Signal(object)
    failed = Signal(str)

    def __init__(self, cache: ModelCache, model_name, bars: int, seed: int | None, parent=None):
        super().__init__(parent)
        self.cache, self.model_name, self.bars, self.seed = cache, model_name, bars, seed

    def run(self):
        try:
            from engine.writing.continuation import random_excerpt
            loaded = self.cache.get(self.model_name)
            if not loaded.excerpts:              # as random_excerpt says it, but as the user's problem
                raise InputProblem(f"the model '{loaded.name}' carries no excerpts of its training music")
            phrase = random_excerpt(loaded, self.bars, self.seed)
        except (InputProblem, ModelError, MusicFileError) as err:
            self.failed.emit(str(err))
        except Exception as err:
            self.failed.emit(internal_error(err, "choosing an excerpt"))
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
        from engine.errors import Cancelled
        from engine.sound.audio import built_in_piano, check_audio_path, write_audio
        try:
            checked(check_audio_path, self.path)
            piano, problem = built_in_piano()
            if problem:
                self.warning.emit(problem)
            out = write_audio(self.path, self.phrase, piano, start=self.first_step, progress=self.progressed.emit,
                              cancel=self._stop.is_set)
        except Cancelled:
            self.cancelled.emit()
        except (InputProblem, MusicFileError, OSError) as err:
            self.failed.emit(str(err))
        except Exception as err:      # a bug must reach the user as a message, not kill the app
            self.failed.emit(internal_error(err, "exporting the audio"))
        else:
            self.finished_with.emit(str(out))


SHOW_AFTER_MS = 400              # a short job is done before any progress dialog appears


def progress_dialog(parent, text: str, title: str, job):
    """A window-modal progress dialog for ``job`` (a worker with ``progressed(float 0-1)`` and
    ``cancel()``): Cancel cancels it; it shows itself only if the job takes longer than
    ``SHOW_AFTER_MS``, and stays open until closed (``reset()`` then ``close()``: ``reset`` stops the
    timer that would show it after the job ended)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QProgressDialog
    dialog = QProgressDialog(text, "Cancel", 0, 1000, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setMinimumDuration(SHOW_AFTER_MS)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.canceled.connect(job.cancel)
    job.progressed.connect(lambda done: dialog.setValue(int(done * 1000)))
    return dialog
