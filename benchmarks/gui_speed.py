"""How the window copes: paint time and memory with 5,000 notes, and Continue to notes on screen.

    python benchmarks/gui_speed.py [--notes 5000] [--continues 7] [--json]

Paints the real view offscreen (no display needed) at the normal zoom and zoomed right out,
median of 30 paints each, and reports the process's peak memory with the document open. Then,
in the same window, opens a bundled 4-bar seed and presses Continue (4 bars, 4 takes, the
bundled model, as the app does it: in a worker thread), timing from the press to the new notes
painted on screen: the first press (the model loading then) and the median of the next ones.
Peak memory is read again with torch, the model and the 5,000-note document all in memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def paint_ms(app, view, repeats: int = 30) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        view.viewport().repaint()
        app.processEvents()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--continues", type=int, default=7, help="presses of Continue to time")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    os.environ["SEGUE_DATA_DIR"] = str(ROOT / ".bench-data")
    from engine.music.phrase import Note, Phrase
    from gui.main_window import MainWindow
    window = MainWindow()
    window.resize(1360, 800)
    window.show()
    app.processEvents()
    rng = random.Random(0)
    notes = tuple(Note(rng.randrange(36, 96), rng.randrange(0, args.notes * 2), rng.randrange(1, 16),
                       rng.randrange(30, 120)) for _ in range(args.notes))
    started = time.perf_counter()
    window.model.reset(Phrase(notes))
    load_ms = (time.perf_counter() - started) * 1000
    app.processEvents()
    view = window.view
    normal = paint_ms(app, view)
    view.geo.step_width = max(0.05, view.viewport().width() / (args.notes * 2 + 16))
    view._update_scrollbars()
    zoomed_out = paint_ms(app, view)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    big = window.model.phrase()

    # Continue, as a person presses it: from the press to the new notes painted
    from engine.files.reading import read_music
    seed = read_music(ROOT / "resources" / "seeds" / "chopin-mazurka06-2.mid")
    presses = []
    for i in range(1 + args.continues):
        window.model.reset(seed)
        window.view.set_playhead(0.0)
        window.panel.bars.setValue(4)
        window.panel.variations.setValue(4)
        window.panel.seed.setValue(i)
        before = len(window.model)
        started = time.perf_counter()
        window.writing.continue_phrase()
        job = window.writing.job
        loop = QEventLoop()                     # idle in the event loop, as the app is while it waits
        window.model.notesChanged.connect(loop.quit)
        job.finished.connect(loop.quit)
        while len(window.model) == before and window.writing.job is not None:
            loop.exec()
        window.model.notesChanged.disconnect(loop.quit)
        window.view.viewport().repaint()
        presses.append((time.perf_counter() - started) * 1000)
        if len(window.model) == before:
            raise SystemExit(f"Continue wrote nothing: {window.panel.status.text()}")
        job.wait()                              # the worker is done before the next press
        while window.writing.job is not None:
            app.processEvents()
    window.model.reset(big)
    app.processEvents()
    peak_with_model = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import torch
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "notes": len(window.model),
              "load_ms": round(load_ms, 1), "paint_ms_normal_zoom": round(normal, 2),
              "paint_ms_whole_piece_visible": round(zoomed_out, 2), "peak_memory_mb": round(peak_mb, 1),
              "continue_to_notes_on_screen_first_ms": round(presses[0], 1),
              "continue_to_notes_on_screen_ms": round(statistics.median(presses[1:]), 1) if args.continues else None,
              "torch_threads": torch.get_num_threads(),
              "peak_memory_with_model_mb": round(peak_with_model, 1)}
    window.undo_stack.setClean()
    window.close()
    if not args.json:
        print(f"{result['notes']} notes: shown in {load_ms:.0f} ms; a paint takes {normal:.1f} ms at normal zoom, "
              f"{zoomed_out:.1f} ms with the whole piece visible (medians of 30); peak memory {peak_mb:.0f} MB")
        print(f"Continue (4 bars x 4 takes) to notes on screen: {presses[0]:.0f} ms the first time (model "
              f"loading), then {result['continue_to_notes_on_screen_ms']} ms (median of {args.continues}); "
              f"peak memory with torch, the model and {result['notes']} notes: {peak_with_model:.0f} MB")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
