"""Whether the window keeps answering while long jobs run on a big piece (issue 29: a repaint
within 100 ms while sheet music, Continue and Play run on a 30,000-note piece).

    python benchmarks/responsive.py [--notes 30000] [--seconds 8] [--grid 4] [--json]

Opens the real window offscreen with a piece of ``--notes`` notes, then starts each job as a
person would (Export Sheet Music to a file, Continue of 4 bars x 4 takes with the bundled model,
Play) and, for ``--seconds`` while it runs (or until it ends), asks the piano roll for a repaint
every 20 ms and measures from each request to the paint done (a wrapped paintEvent). Prints per
job: how many repaints were asked, the median, the 99th percentile and the longest wait, and how
many took longer than 100 ms. A job stopped by the limit is cancelled. ``--grid`` puts the same
notes on a coarser grid (steps a quarter), so that they spread over more bars (4: 225,008 bars, the
piece on which Continue's set-up once froze the window for 3.8 s); the CPU time of Continue's
set-up on the window's thread (the call that starts it) is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TICK_MS = 20
GOAL_MS = 100


def watch(app, view, running, seconds: float) -> list[float]:
    """Repaint waits in ms, one asked every ``TICK_MS`` while ``running()`` and within ``seconds``."""
    from PySide6.QtCore import QTimer
    waits: list[float] = []
    asked: list[float] = []
    painted_at: list[float] = []

    def ask():
        asked.append(time.perf_counter())
        view.viewport().update()

    timer = QTimer()
    timer.timeout.connect(ask)
    timer.start(TICK_MS)
    from PySide6.QtCore import QEvent, QObject

    class PaintSpy(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Paint:
                painted_at.append(time.perf_counter())
            return False
    spy = PaintSpy()
    view.viewport().installEventFilter(spy)
    deadline = time.perf_counter() + seconds
    while running() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    app.processEvents()
    view.viewport().removeEventFilter(spy)
    # each request is answered by the first paint after it (Qt merges requests made before a paint)
    paints = iter(sorted(painted_at))
    paint = next(paints, None)
    for at in asked:
        while paint is not None and paint < at:
            paint = next(paints, None)
        if paint is None:
            waits.append((time.perf_counter() - at) * 1000)       # never painted: counted as waited till now
            break
        waits.append((paint - at) * 1000)
    return waits


def summary(waits: list[float]) -> dict:
    ordered = sorted(waits)
    return {"repaints": len(waits), "median_ms": round(statistics.median(ordered), 1) if ordered else None,
            "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1) if ordered else None,
            "longest_ms": round(ordered[-1], 1) if ordered else None,
            "over_100_ms": sum(w > GOAL_MS for w in ordered)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=30_000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--grid", type=int, default=None, help="steps a quarter of the piece (default: the fine grid)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    import torch
    torch.set_num_threads(1)
    from PySide6.QtWidgets import QApplication, QMessageBox
    app = QApplication([])
    said: list[str] = []                          # a message box would wait for a person: kept instead
    for kind in ("warning", "information", "critical"):
        setattr(QMessageBox, kind, staticmethod(lambda *a, **k: said.append(str(a[2] if len(a) > 2 else a))))
    scratch = Path(tempfile.mkdtemp(prefix="segue-responsive-"))
    os.environ["SEGUE_DATA_DIR"] = str(scratch / "data")
    from engine.music.phrase import FINE_STEPS_PER_QUARTER, Note, Phrase
    from gui.main_window import MainWindow
    window = MainWindow()
    window.resize(1360, 800)
    window.show()
    app.processEvents()
    rng = random.Random(0)
    # a piece as a pianist plays it: two hands, an eighth apart on the fine grid, a few held notes
    eighth = FINE_STEPS_PER_QUARTER // 2
    notes = tuple(Note(rng.randrange(40, 90), i * eighth // 2, rng.choice([eighth, eighth, 2 * eighth]),
                       rng.randrange(50, 110)) for i in range(args.notes))
    window.model.reset(Phrase(notes, steps_per_quarter=args.grid or FINE_STEPS_PER_QUARTER))
    window.view.set_playhead(0.0)
    app.processEvents()
    view = window.view
    results: dict = {"notes": len(window.model), "bars": -(-window.model.length // window.model.steps_per_bar),
                     "machine": f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"}
    results["idle"] = summary(watch(app, view, lambda: True, 2.0))

    # sheet music, exported as File > Export Sheet Music does
    job = window.sheet_music.export(scratch / "piece.musicxml")
    results["sheet_music"] = summary(watch(app, view, lambda: window.sheet_music.job is not None, args.seconds))
    results["sheet_music"]["finished"] = window.sheet_music.job is None
    window.sheet_music.shutdown()
    del job

    # Continue after the whole piece (the playhead at its end): the model reads it all first
    window.panel.bars.setValue(4)
    window.panel.variations.setValue(4)
    cpu = time.thread_time()                      # this thread's, not the workers'
    window.writing.continue_phrase()
    set_up_ms = (time.thread_time() - cpu) * 1000
    results["continue"] = summary(watch(app, view, lambda: window.writing.job is not None, args.seconds))
    results["continue"]["set_up_cpu_ms"] = round(set_up_ms, 1)
    results["continue"]["finished"] = window.writing.job is None
    if window.writing.job is not None:
        window.writing.job.cancel()
        window.writing.job.wait(10_000)
    app.processEvents()

    # Play from the start
    window.view.set_playhead(0.0)
    window.transport.toggle_play()
    results["play"] = summary(watch(app, view, lambda: True, min(args.seconds, 5.0)))
    window.transport.stop()
    app.processEvents()
    window.undo_stack.setClean()
    window.close()
    results["messages"] = said
    if not args.json:
        for name in ("idle", "sheet_music", "continue", "play"):
            r = results[name]
            print(f"{name:12s} {r['repaints']:4d} repaints asked: median {r['median_ms']} ms, 99th percentile "
                  f"{r['p99_ms']} ms, longest {r['longest_ms']} ms, {r['over_100_ms']} over 100 ms"
                  + (f" (job finished: {r['finished']})" if "finished" in r else "")
                  + (f"; set-up {r['set_up_cpu_ms']} ms of CPU on the window's thread" if "set_up_cpu_ms" in r else ""))
        for message in said:
            print(f"message shown: {message[:200]}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
