"""Continuing a phrase in a process of its own, for writing that runs while the user works.

Python runs one thread of a process at a time. A model stepping token by token on a thread of the
window's process takes turns with the window's own thread, so a repaint that needs a few
milliseconds of the processor waits for the model's turns as well (``benchmarks/ghost_speed.py``:
the longest repaint while a ghost job wrote was 15-27 ms, against 2.5-4.5 ms with none). A process
of its own steps the model on another core and takes nothing from the window's thread but the
time to send the phrase and read the notes back.

``WritingProcess.write`` is called from a worker thread and blocks it until the takes come back;
the process is started on first use (``spawn``: a fresh interpreter, as on every platform; it
imports torch and loads the model itself, which takes a second or two once) and serves one request
at a time, keeping the last model it loaded. A request asked to stop (``cancel``) stops within a
token, and the caller is free at once (a window closing does not wait for the process to answer).
Whatever goes wrong in the process comes back as the exception it would have been here
(``ModelError``, ``Cancelled``; ``WriterInput`` for what the engine's checks refuse), or as
``WriterStopped`` (the process ended: the next request starts a new one), ``WriterUnavailable``
(no process could be started) or ``WriterBug`` (an exception in Segue's code, with its traceback).
"""

from __future__ import annotations

import multiprocessing
import threading
import traceback
from collections.abc import Callable, Sequence

from ..errors import Cancelled, ModelError, MusicFileError

POLL_SECONDS = 0.005        # how often a waiting caller looks at its ``cancel``
STOP_SECONDS = 2.0          # how long ``close`` waits for the process to end before ending it


class WriterStopped(Exception):
    """The writing process ended (killed, or out of memory) before it answered."""


class WriterUnavailable(Exception):
    """The writing process could not be started (the system refused a new process); ``str(err)``
    says why. The caller can write on a thread of its own process instead."""


class WriterInput(ValueError):
    """What was asked cannot be written: an option out of range, a locked note the model has no pitch
    for (the engine's own checks, run first); ``str(err)`` names the problem."""


class WriterBug(Exception):
    """An exception in Segue's own code, in the writing process; ``str(err)`` ends with its traceback."""


class WritingProcess:
    """One process that continues phrases, for the callers of one application (one request at a time)."""

    def __init__(self):
        self._context = multiprocessing.get_context("spawn")
        self._process = None
        self._pipe = None
        # the number of the request the process should go on with; any other stops at its next token
        self._wanted = self._context.Value("q", 0, lock=False)
        self._turn = threading.Lock()
        self._asked = 0

    def running(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def start(self) -> None:
        """Start the process now (it is started by the first ``write`` if not); returns at once, and
        does nothing while a request is being written (the process is running then). A process the
        system will not start is left to the first ``write`` to report (``WriterUnavailable``)."""
        if self._turn.acquire(blocking=False):
            try:
                self._start()
            except WriterUnavailable:
                pass
            finally:
                self._turn.release()

    def _start(self):
        """The process and our end of its pipe, started now if it is not running."""
        if self._process is not None and self._pipe is not None and self._process.is_alive():
            return self._process, self._pipe
        self._stop_process()
        try:
            ours, theirs = self._context.Pipe()
            process = self._context.Process(target=serve, args=(theirs, self._wanted), name="Segue writer",
                                            daemon=True)
            process.start()
        except (OSError, RuntimeError) as err:   # no process left to the user, no pipe, a frozen app's start
            raise WriterUnavailable(f"the writing process could not be started ({err})") from err
        theirs.close()                       # the process's end: held by the process alone
        self._process, self._pipe = process, ours
        return process, ours

    def write(self, model, phrase, options, locked: Sequence = (),
              cancel: Callable[[], bool] | None = None) -> list:
        """``continue_phrase(loaded, phrase, options, locked=locked)`` run in the process, ``loaded``
        being the model ``model`` (a name or folder, as ``find_model`` takes; None: the default); raises
        ``Cancelled`` once ``cancel()`` is true (looked at every few milliseconds)."""
        with self._turn:
            process, pipe = self._start()
            self._asked += 1
            number = self._asked
            self._wanted.value = number
            try:
                pipe.send((number, model, phrase, options, list(locked)))
                while True:
                    if cancel is not None and cancel():
                        # it stops at its next token; its answer ("cancelled") is passed over by the
                        # next request, as every answer to a request other than the one asked
                        self._wanted.value = 0
                        raise Cancelled()
                    if pipe.poll(POLL_SECONDS):
                        answer, kind, value = pipe.recv()
                        if answer == number:
                            return _result(kind, value)
                    elif not process.is_alive():
                        raise WriterStopped(f"the writing process ended (exit code {process.exitcode})")
            except (EOFError, OSError, BrokenPipeError) as err:
                self._stop_process()
                raise WriterStopped(f"the writing process ended ({err})") from err

    def close(self) -> None:
        """End the process (a request still writing is stopped first; it is waited for, not the
        process's end: a ``start`` right after starts a new one)."""
        self._wanted.value = 0
        with self._turn:
            process, pipe = self._process, self._pipe
            self._process = self._pipe = None
        _end(process, pipe)

    def close_soon(self) -> None:
        """``close`` on a thread of its own: returns at once, even while a request is being written."""
        self._wanted.value = 0
        threading.Thread(target=self.close, name="closing the writing process", daemon=True).start()

    def _stop_process(self) -> None:
        process, pipe = self._process, self._pipe
        self._process = self._pipe = None
        _end(process, pipe)


def _end(process, pipe) -> None:
    """Ask ``process`` to end, and end it if it has not within ``STOP_SECONDS``."""
    if pipe is not None:
        try:
            pipe.send(None)
        except (OSError, BrokenPipeError):
            pass
    if process is not None:
        process.join(STOP_SECONDS)
        if process.is_alive():
            process.kill()
            process.join(STOP_SECONDS)
    if pipe is not None:
        pipe.close()


def _result(kind: str, value):
    if kind == "takes":
        return value
    if kind == "cancelled":
        raise Cancelled()
    if kind == "model":
        raise ModelError(*value)
    if kind == "music":
        raise MusicFileError(*value)
    if kind == "input":
        raise WriterInput(value)
    raise WriterBug(value)


def _stopper(wanted, number: int) -> Callable[[], bool]:
    """True once the caller no longer wants request ``number``."""
    return lambda: wanted.value != number


def serve(pipe, wanted) -> None:
    """The process: answer requests ``(number, model, phrase, options, locked)`` with
    ``(number, kind, value)`` until ``None`` or the other end closes."""
    import torch

    from ..model.checkpoint import LoadedModel, load_model
    from ..model.folders import find_model
    from .continuation import continue_phrase
    torch.set_num_threads(1)                 # one core for the writing, the others for the window
    models: dict[str, LoadedModel] = {}
    while True:
        try:
            request = pipe.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        number, model, phrase, options, locked = request
        answer: tuple[str, object]
        try:
            folder = str(find_model(model))
            if folder not in models:
                models = {folder: load_model(folder)}      # the last model used, only
            loaded = models[folder]
            try:
                options.check()
                for note in locked:
                    loaded.vocab.pitch(note.pitch)
            except ValueError as err:
                answer = ("input", str(err))
            else:
                more = {"locked": locked} if locked else {}
                takes = continue_phrase(loaded, phrase, options, cancel=_stopper(wanted, number), **more)
                answer = ("takes", takes)
        except Cancelled:
            answer = ("cancelled", None)
        except ModelError as err:
            answer = ("model", (err.path, err.problem))
        except MusicFileError as err:
            answer = ("music", (err.path, err.problem))
        except Exception as err:             # a bug: its traceback goes back to be logged there
            answer = ("bug", f"{type(err).__name__}: {err}\n{traceback.format_exc()}")
        try:
            pipe.send((number, *answer))
        except (OSError, BrokenPipeError):
            return
