"""Jam's sense of time: the player's pulse, when the player has stopped, and where the answer goes.

A Jam session listens to a phrase played on a MIDI keyboard (a "call") and answers it. Everything
here is plain arithmetic on times in seconds, with no ports, threads or model, so the rules can be
read and tested on their own:

- the pulse (``Pulse``): the metronome's when it clicks, else ``estimate_pulse`` from the onsets;
- the player has stopped when no key is down and nothing has been struck for about a beat, after
  at least a bar of playing; the answer then starts on the next beat (``answer_start``);
- the answer is as many bars as the call (``answer_bars``), at most ``MAX_BARS``;
- the model reads the music before the answer, its last ``CONTEXT_BARS`` bars (``context``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..music.phrase import Note, Phrase

STOP_BEATS = 1.0          # silence (no key struck) that ends a call, in beats
EARLY = 0.25              # ... less this share of a beat: a last note played a little late still ends on its beat
MAX_BARS = 4              # the longest answer
CONTEXT_BARS = 16         # bars of the session the model reads before writing an answer
CHORD_SECONDS = 0.05      # onsets closer than this are one chord, for the tempo
FASTEST_BPM = 160.0       # the beat heard in the player's onsets is no faster than this...
SLOWEST_BPM = 40.0        # ... and no slower than this
FIT = 0.12                # a unit fits when the gaps are within this share of it (root mean square)


@dataclass(frozen=True)
class Pulse:
    """The beat: ``origin``, the moment (seconds) of a bar line, and ``beat``, seconds per beat."""

    origin: float
    beat: float

    @property
    def bpm(self) -> float:
        return 60.0 / self.beat

    def beats_at(self, seconds: float) -> float:
        """How many beats after the origin ``seconds`` falls (a fraction between beats)."""
        return (seconds - self.origin) / self.beat

    def time_of(self, beats: float) -> float:
        """The moment ``beats`` beats after the origin."""
        return self.origin + beats * self.beat


def chord_onsets(onsets: Sequence[float]) -> list[float]:
    """The onsets in time order, those within ``CHORD_SECONDS`` of the one before merged into it."""
    merged: list[float] = []
    for t in sorted(onsets):
        if not merged or t - merged[-1] > CHORD_SECONDS:
            merged.append(t)
    return merged


def estimate_pulse(onsets: Sequence[float]) -> Pulse | None:
    """The player's pulse from the onsets (seconds) of what they played, or None with fewer than
    three distinct onsets. The gaps between onsets are read as whole numbers of a unit (the
    longest that fits them all within ``FIT``, made as close as it goes), the unit's times fitted
    by least squares; the
    beat is that unit doubled until it is no faster than ``FASTEST_BPM`` (straight rhythms: a
    phrase of eighths is heard at the quarter), and the first onset is taken as a bar line."""
    times = np.array(chord_onsets(onsets))
    if len(times) < 3:
        return None
    gaps = np.diff(times)
    units = 1.5 * 0.99 ** np.arange(int(math.log(0.08 / 1.5) / math.log(0.99)))    # longest first
    counts = np.maximum(1, np.round(gaps[None, :] / units[:, None]))
    misfit = np.sqrt(np.mean(((gaps[None, :] - counts * units[:, None]) / units[:, None]) ** 2, axis=1))
    fitting = np.flatnonzero(misfit < FIT)
    if len(fitting):
        best = fitting[0]
        while best + 1 < len(units) and misfit[best + 1] <= misfit[best]:
            best += 1                                      # down to where it fits best
        unit = units[best]
    else:
        unit = float(np.median(gaps))
    places = np.round((times - times[0]) / unit)
    if places[-1] > 0:                                     # refine: times = origin + unit * place
        unit, origin = np.polyfit(places, times, 1)
    else:
        origin = times[0]
    beat = float(unit)
    while 60.0 / beat > FASTEST_BPM:
        beat *= 2
    while 60.0 / beat < SLOWEST_BPM:
        beat /= 2
    return Pulse(float(origin), beat)


def beat_of(pulse: Pulse, seconds: float) -> int:
    """The beat nearest the moment ``seconds``."""
    return math.floor(pulse.beats_at(seconds) + 0.5)


def answer_start(pulse: Pulse, call_start: float, last_onset: float, free_from: float, beats_per_bar: int) -> int:
    """The beat (counted from the pulse's origin) an answer starts on: the first beat once nothing
    has been struck for ``STOP_BEATS`` (less ``EARLY``) since ``last_onset``, no earlier than
    ``free_from`` (when the keys are all up and the answer can be ready), and at least a bar after
    the beat the call began on (``call_start``, its first onset)."""
    quiet = pulse.beats_at(last_onset) + STOP_BEATS - EARLY
    earliest = max(quiet, pulse.beats_at(free_from))
    return max(math.ceil(earliest - 1e-9), beat_of(pulse, call_start) + beats_per_bar)


def answer_bars(pulse: Pulse, call_start: float, start_beat: int, beats_per_bar: int) -> int:
    """How many bars an answer starting on ``start_beat`` is: as many as the call, which began at
    ``call_start`` (seconds), rounded, from 1 to ``MAX_BARS``."""
    played = (start_beat - beat_of(pulse, call_start)) / beats_per_bar
    return max(1, min(MAX_BARS, math.floor(played + 0.5)))


def context(template: Phrase, notes: Sequence[Note], end: int, bars: int = CONTEXT_BARS) -> tuple[Phrase, int]:
    """What the model reads to write from step ``end``: the notes of the last ``bars`` bars before
    it (from a bar line; notes still sounding at ``end`` cut there), moved to start at step 0, on
    ``template``'s grid, tempo and metre and ending at ``end``; and the step that became 0."""
    bar = template.steps_per_bar
    first = max(0, (max(end, 1) - 1) // bar * bar - (bars - 1) * bar)
    kept = [Note(n.pitch, n.start - first, min(n.end, end) - n.start, n.velocity)
            for n in notes if first <= n.start < end]
    return template.with_notes(kept, end=end - first), first
