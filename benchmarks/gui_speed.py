"""How the piano roll copes with big documents: paint time and memory with 5,000 notes.

    python benchmarks/gui_speed.py [--notes 5000] [--json]

Paints the real view offscreen (no display needed) at the normal zoom and zoomed right out,
median of 30 paints each, and reports the process's peak memory with the document open.
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
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    os.environ["SEGUE_DATA_DIR"] = str(ROOT / ".bench-data")
    from engine.phrase import Note, Phrase
    from gui.main_window import MainWindow
    window = MainWindow(generator=lambda *a, **k: [])
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
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "notes": len(window.model),
              "load_ms": round(load_ms, 1), "paint_ms_normal_zoom": round(normal, 2),
              "paint_ms_whole_piece_visible": round(zoomed_out, 2), "peak_memory_mb": round(peak_mb, 1)}
    window.undo_stack.setClean()
    window.close()
    if not args.json:
        print(f"{result['notes']} notes: shown in {load_ms:.0f} ms; a paint takes {normal:.1f} ms at normal zoom, "
              f"{zoomed_out:.1f} ms with the whole piece visible (medians of 30); peak memory {peak_mb:.0f} MB")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
