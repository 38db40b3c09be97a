"""Playing on time, live: actions run at given moments on a thread of their own, and a voice that
plays notes to a MIDI port at those moments.

``Timeline`` is a small scheduler: ``at(moment, action)`` runs ``action`` on its thread when the
clock (``time.monotonic``) reaches ``moment``. It sleeps until just before the moment and then
waits out the last stretch in short naps, because a thread woken by the operating system on a
busy machine can come back several milliseconds late. ``clear()`` drops everything still to come
(an answer cut off). ``PortVoice`` strikes and releases notes on an output port (anything with
``send``: a hardware synth, a DAW, or the tests' stand-in) and silences what still sounds when cut.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from typing import Callable

import mido

SPIN = 0.003              # seconds before a moment the timeline stops sleeping and watches the clock


class Timeline:
    """Runs actions at moments of ``clock`` (seconds) on one thread, in time order; an action that
    raises is reported to ``on_error`` (its message) and the timeline goes on."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, on_error: Callable[[str], None] | None = None,
                 name: str = "segue-timeline"):
        self.clock = clock
        self.on_error = on_error or (lambda message: None)
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, daemon=True, name=name)
        self._thread.start()

    def at(self, moment: float, action: Callable[[], None]) -> None:
        """Run ``action`` when the clock reaches ``moment`` (at once if it has passed)."""
        with self._changed:
            heapq.heappush(self._queue, (moment, next(self._order), action))
            self._changed.notify()

    def clear(self) -> None:
        """Drop every action still to come."""
        with self._changed:
            self._queue.clear()
            self._changed.notify()

    def pending(self) -> int:
        with self._changed:
            return len(self._queue)

    def close(self) -> None:
        """Drop what is to come and end the thread."""
        with self._changed:
            self._closed = True
            self._queue.clear()
            self._changed.notify()
        if self._thread is not threading.current_thread():
            self._thread.join(2.0)

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._closed:
                    wait = self._queue[0][0] - self.clock() if self._queue else None
                    if wait is not None and wait <= SPIN:
                        break
                    self._changed.wait(None if wait is None else wait - SPIN)
                if self._closed:
                    return
                moment = self._queue[0][0]
            while self.clock() < moment:               # the last few milliseconds, watched
                time.sleep(0.0002)
            with self._changed:
                if not self._queue or self._queue[0][0] != moment:
                    continue                           # cleared, or something earlier came in meanwhile
                _, _, action = heapq.heappop(self._queue)
            try:
                action()
            except Exception as err:                   # a bug or a vanished port: said, not fatal
                self.on_error(f"{type(err).__name__}: {err}")


class PortVoice:
    """Notes struck and released on ``port`` (anything with ``send``); what it struck is silenced
    by ``cut``. A port that fails is reported to ``on_error`` once and left alone after."""

    def __init__(self, port, channel: int = 0, on_error: Callable[[str], None] | None = None):
        self.port, self.channel = port, channel
        self.on_error = on_error or (lambda message: None)
        self._sounding: set[int] = set()
        self._lock = threading.Lock()
        self.failed = False

    def strike(self, pitch: int, velocity: int) -> None:
        self._send(mido.Message("note_on", channel=self.channel, note=pitch, velocity=velocity))
        with self._lock:
            self._sounding.add(pitch)

    def release(self, pitch: int) -> None:
        with self._lock:
            if pitch not in self._sounding:
                return
            self._sounding.discard(pitch)
        self._send(mido.Message("note_off", channel=self.channel, note=pitch))

    def cut(self) -> None:
        """Every note it struck that still sounds is released now."""
        with self._lock:
            sounding, self._sounding = self._sounding, set()
        for pitch in sorted(sounding):
            self._send(mido.Message("note_off", channel=self.channel, note=pitch))

    def _send(self, message) -> None:
        if self.failed:
            return
        try:
            self.port.send(message)
        except Exception as err:               # the port vanished: say so once
            self.failed = True
            self.on_error(f"The MIDI output stopped ({type(err).__name__}: {err}).")
