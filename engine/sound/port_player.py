"""Playing a phrase to a MIDI output port through mido, on a thread of its own.

The port may be a hardware synth, a DAW's virtual input or FluidSynth. Ports come and go: a port
that fails while playing stops playback, silences what it can and reports the error through
``on_error``; nothing raises into the caller.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

import mido

from ..files.sustain import SUSTAIN
from ..music.phrase import Phrase


def port_names(listed: Callable[[], list[str]], what: str) -> tuple[list[str], str | None]:
    """The ports ``listed`` names (mido's get_output_names, get_input_names), each once, and a
    message naming ``what`` they are when the MIDI backend itself is missing."""
    try:
        return list(dict.fromkeys(listed())), None
    except Exception as err:          # no rtmidi, no ALSA sequencer, ...: report, don't crash
        return [], f"{what} are not available ({type(err).__name__}: {err})"


def output_names() -> tuple[list[str], str | None]:
    """The MIDI output ports, and a message when the MIDI backend itself is missing."""
    return port_names(mido.get_output_names, "MIDI ports")


def note_events(phrase: Phrase, start: int, end: int, channel: int = 0) -> list[tuple[float, mido.Message]]:
    """(seconds from ``start``, message) for the notes sounding between two steps, in time order.

    A note already sounding at ``start`` is struck at once; every note is released by ``end``.
    Note-offs sort before note-ons at the same time, so repeated notes are re-struck.
    """
    sps = phrase.seconds_per_step
    events = []
    for n in phrase.notes:
        if n.end <= start or n.start >= end:
            continue
        on, off = max(n.start, start), min(n.end, end)
        events.append(((on - start) * sps, 1, mido.Message("note_on", channel=channel, note=n.pitch,
                                                           velocity=n.velocity)))
        events.append(((off - start) * sps, 0, mido.Message("note_off", channel=channel, note=n.pitch)))
    events.sort(key=lambda e: (e[0], e[1]))
    return [(t, m) for t, _, m in events]


def silence_messages() -> list[mido.Message]:
    """All notes off on every channel, sustain pedal up: what Stop sends."""
    out = []
    for ch in range(16):
        out.append(mido.Message("control_change", channel=ch, control=SUSTAIN, value=0))
        out.append(mido.Message("control_change", channel=ch, control=123, value=0))
    return out


class PortPlayer:
    """Plays one phrase at a time to an open output port (anything with ``send``)."""

    def __init__(self, port, on_error: Callable[[str], None] | None = None):
        self.port = port
        self.on_error = on_error or (lambda message: None)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._sounding: set[int] = set()

    def play(self, phrase: Phrase, start: int, end: int, loop: bool = False) -> None:
        self.stop()
        self._stop.clear()
        events = note_events(phrase, start, end)
        span = (end - start) * phrase.seconds_per_step
        self._thread = threading.Thread(target=self._run, args=(events, span, loop), daemon=True,
                                        name="segue-midi-out")
        self._thread.start()

    def is_playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(2.0)
            self._thread = None
        self._silence()

    def _run(self, events, span: float, loop: bool) -> None:
        try:
            while True:
                began = time.perf_counter()
                for at, message in events:
                    if self._stop.wait(max(0.0, began + at - time.perf_counter())):
                        return
                    self.port.send(message)
                    if message.type == "note_on":
                        self._sounding.add(message.note)
                    else:
                        self._sounding.discard(message.note)
                if not loop:
                    self._stop.wait(max(0.0, began + span - time.perf_counter()))
                    return
                if self._stop.wait(max(0.0, began + span - time.perf_counter())):
                    return
        except Exception as err:      # the port vanished or refused: report and stop
            self.on_error(f"MIDI output stopped: {type(err).__name__}: {err}")
            self._stop.set()

    def _silence(self) -> None:
        try:
            for note in list(self._sounding):
                self.port.send(mido.Message("note_off", note=note))
            for message in silence_messages():
                self.port.send(message)
        except Exception:
            pass                      # a port that is gone cannot be silenced; it is silent
        self._sounding.clear()

    def close(self) -> None:
        self.stop()
        try:
            self.port.close()
        except Exception:
            pass
