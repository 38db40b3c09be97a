"""How soon Jam answers, and how close to the beat: from the player's last message to the first note
of the answer on the MIDI output.

    python benchmarks/jam_latency.py [--calls 20] [--bpm 120] [--metronome] [--release 0.2] [--json]

A stand-in keyboard plays ``--calls`` calls into one Jam session (``engine.sound.jam_session``), each
one or two bars of eighths and quarters in C major, from its own thread with every message at its
moment, as a MIDI input's callback would; the bundled model answers with the Continue panel's
defaults (4 drafts, following the phrase), on one torch thread; the answer goes to a stand-in MIDI
output that notes the moment of each message. Each call ends on a quarter note released
``--release`` of a beat before the next beat (0.2: held for 80% of its length, as a pianist's
detached last note; 0.02: legato, let go just before the beat): so the player has stopped when that
beat comes, and that beat is where the answer is aimed. Without ``--metronome`` the tempo is
estimated from the first call, as when the metronome is off.

Printed, over the answers: from the last message to the answer's first note on the output (median
and 90th percentile; an answer that begins with a rest, or that was not ready for its beat and
moved to the next, counts with its later first note), how far that note was from its moment; how
many answers had their first note on the beat aimed at, how long before the beat the answer's
first bar was ready, and how many missed their beat. The machine is shared:
the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCALE = (60, 62, 64, 65, 67, 69, 71, 72)


class Output:
    """A MIDI output port: each message with the moment it was sent."""

    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append((time.monotonic(), message))


def a_call(rng: random.Random, bars: int, beats_per_bar: int = 4) -> list[tuple[float, int, float]]:
    """(beat, pitch, beats held) for a call of ``bars`` bars: eighths and quarters, the last a quarter
    on the call's last beat, so that the answer is aimed at the next bar line."""
    notes, beat, index = [], 0.0, rng.randrange(len(SCALE))
    end = bars * beats_per_bar - 1                      # the last note: a quarter on this beat
    while beat < end:
        length = rng.choice((0.5, 0.5, 1.0))
        length = min(length, end - beat)
        notes.append((beat, SCALE[index], length * 0.9))
        index = max(0, min(len(SCALE) - 1, index + rng.choice((-2, -1, 1, 2))))
        beat += length
    notes.append((float(end), SCALE[index], 1.0))
    return notes


def play(session, notes, origin: float, beat: float, release: float) -> float:
    """Feed the call to the session, each message at its moment (``origin`` + beats); returns the
    moment of the last message."""
    import mido
    events = []
    for k, (at, pitch, held) in enumerate(notes):
        last = k == len(notes) - 1
        off = at + (1.0 - release if last else held)
        events.append((origin + at * beat, 1, mido.Message("note_on", note=pitch, velocity=rng_velocity(k))))
        events.append((origin + off * beat, 0, mido.Message("note_off", note=pitch)))
    events.sort(key=lambda e: (e[0], e[1]))
    moment = 0.0
    for moment, _, message in events:
        while time.monotonic() < moment - 0.002:
            time.sleep(0.001)
        while time.monotonic() < moment:
            pass
        session.feed(message)
    return moment


def rng_velocity(k: int) -> int:
    return 96 if k % 4 == 0 else 80


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--bpm", type=float, default=120.0)
    parser.add_argument("--metronome", action="store_true", help="the tempo is the metronome's (else estimated)")
    parser.add_argument("--release", type=float, default=0.2, help="the last note is let go this share of a beat "
                                                                   "before the beat the answer comes on")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import torch
    torch.set_num_threads(1)
    from engine.model.checkpoint import load_model
    from engine.model.folders import find_model
    from engine.music.phrase import FINE_STEPS_PER_QUARTER, Phrase
    from engine.sound.jam import Pulse
    from engine.sound.jam_session import JamSession, Reports
    from engine.sound.live import PortVoice
    from engine.writing.continuation import continue_phrase
    from engine.writing.options import ContinueOptions

    loaded = load_model(find_model(None))
    options = ContinueOptions(candidates=4)              # the panel's defaults
    template = Phrase(steps_per_quarter=FINE_STEPS_PER_QUARTER, tempo_bpm=args.bpm)
    beat = 60.0 / args.bpm

    def write(phrase, bars, cancel, at):
        takes = continue_phrase(loaded, phrase, replace(options, bars=bars), cancel=cancel)
        return list(takes[0].notes)

    continue_phrase(loaded, template.with_notes([], end=template.steps_per_bar), options)   # as the window's warm-up
    output = Output()
    answered = []
    reports = Reports(answered=answered.append)
    start = time.monotonic() + 0.5
    pulse = Pulse(start, beat) if args.metronome else None
    session = JamSession(template, 0, [], write, PortVoice(output), reports, pulse=pulse)
    rng = random.Random(args.seed)
    rows = []
    origin = start
    for k in range(args.calls):
        bars = 1 + k % 2
        notes = a_call(rng, bars)
        if session.pulse is not None:                    # each call starts on a bar line of the pulse
            bar = 4 * session.pulse.beat
            origin = session.pulse.origin + bar * -(-(origin - session.pulse.origin) // bar)
        begun = len(session.begun)
        last = play(session, notes, origin, session.pulse.beat if session.pulse else beat, args.release)
        deadline = time.monotonic() + 4 * beat
        while len(session.begun) == begun and time.monotonic() < deadline:
            time.sleep(0.01)
        if len(session.begun) == begun:
            rows.append({"call": k, "answered": False})
            origin = time.monotonic() + 4 * beat
            continue
        step, _ = session.begun[begun]
        aimed = session.time_of(step)
        ends = aimed + bars * 4 * session.pulse.beat
        while time.monotonic() < ends + 0.05:            # the answer plays out; the next call a bar later
            time.sleep(0.01)
        origin = ends + 0.05
        row = {"call": k, "answered": True, "bars": bars, "aimed_after_last_ms": 1000 * (aimed - last)}
        heard = sorted(note.start for note in answered if note.start >= step)
        if heard:                                        # its first note: on the beat, or later (a rest, or late)
            first = next(t for t, m in output.sent if t >= aimed - 0.2 and m.type == "note_on")
            row.update(latency_ms=1000 * (first - last), off_beat_ms=1000 * (first - session.time_of(heard[0])),
                       first_note_beats_in=(heard[0] - step) / template.steps_per_beat)
        rows.append(row)
    session.stop()
    done = [r for r in rows if "latency_ms" in r]
    on_beat = [r for r in done if r["first_note_beats_in"] == 0]
    latency = [r["latency_ms"] for r in done]
    off = [abs(r["off_beat_ms"]) for r in done]
    ready = [1000 * r for r in session.ready]

    def p90(values):
        return sorted(values)[int(0.9 * (len(values) - 1))] if values else float("nan")

    figures = {
        "calls": args.calls, "answered": sum(r["answered"] for r in rows), "first_note_on_the_beat": len(on_beat),
        "bpm": round(session.pulse.bpm, 2) if session.pulse else None,
        "metronome": args.metronome, "release_beats": args.release,
        "latency_ms_median": round(statistics.median(latency), 1) if latency else None,
        "latency_ms_p90": round(p90(latency), 1),
        "off_beat_ms_median": round(statistics.median(off), 2) if off else None,
        "off_beat_ms_p90": round(p90(off), 2), "off_beat_ms_max": round(max(off), 2) if off else None,
        "within_10ms": sum(o <= 10 for o in off),
        "ready_before_beat_ms_median": round(statistics.median(ready), 1) if ready else None,
        "missed_beat": session.late,
        "load_average": os.getloadavg(),
    }
    if args.json:
        print(json.dumps({"figures": figures, "rows": rows}, indent=1))
        return
    for key, value in figures.items():
        print(f"{key:>28}: {value}")


if __name__ == "__main__":
    threading.current_thread().name = "benchmark"
    main()
