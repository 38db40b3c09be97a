"""How quickly ghost suggestions and the surprise view answer, and whether the roll stays smooth.

    python benchmarks/ghost_speed.py [--edits 20] [--surprise-runs 5] [--piece PATH] [--in-thread] [--json]

Runs the real window offscreen with the bundled model, as the app does (workers, one torch thread,
the ghosts written in the writing process; ``--in-thread``: on a thread of the window's process, as
before it, for comparison). The memory of both processes is printed with the figures.

Ghosts: opens a bundled seed (Chopin's Mazurka op. 6/2, 4 bars), then draws ``--edits`` notes one at
a time with the mouse on the real piano roll (the draw tool, in the bar after the phrase's last
notes, each a different pitch) and times, for each, the ghost notes' first paint: from the mouse's
release (the debounce included) and from the moment the debounce ended and the job started (the
debounce excluded). While each job runs, the roll is repainted every 5 ms (as the playhead or a
hover would have it) and the longest repaint is kept, against the longest with no job running. Then
``--drags`` drags with the select tool, each begun while a ghost job writes (the press stops it):
every move of the mouse to its repaint; and the same drags with ghost suggestions off.

Surprise: opens ``--piece`` (default Chopin's Ballade op. 23, 5,028 notes) as a file is opened (the
view fitted to it, zoomed as far out as the roll goes), switches View > Show Surprise on (ghost
suggestions off, so that it is timed on its own) and times the first notes coloured on screen, and
every note read; ``--surprise-runs`` times, each with a fresh reader (nothing remembered). Then one
edit near the end, in view: time to its colours again.

The machine is shared: the load average is printed with the figures; report medians.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_PIECE = ROOT.parent / "shared" / "data" / "piano-midi" / "chopin" / "chpn_op23.mid"


def wait_until(app, done, timeout: float = 120.0) -> None:
    """Turn the event loop (as the app idles) until ``done()``."""
    from PySide6.QtCore import QEventLoop
    limit = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > limit:
            raise SystemExit("timed out")
        app.processEvents(QEventLoop.AllEvents, 5)
        time.sleep(0.002)                           # idle, as the app is: the CPU is the workers'


def median(values) -> float:
    return round(statistics.median(values), 1)


def timed_drags(app, window, drags: int, point, with_jobs: bool) -> list[float]:
    """Drag the last note about with the select tool ``drags`` times (each begun while a ghost job
    writes, ``with_jobs``); the time from each move of the mouse to the roll repainted, in ms."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    view, controller = window.view, window.ghosts
    sixteenth = window.model.steps_per_quarter // 4
    moves = []
    for _ in range(drags):
        wait_until(app, lambda: controller.job is None)
        window.model.select([])                     # an edit of the selection: a job starts after the debounce
        if with_jobs:
            wait_until(app, lambda: controller.job is not None)
        target = max(window.model.items(), key=lambda item: item[1].start)[1]
        vp = view.viewport()
        QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, point(target.start + 10, target.pitch))
        for m in range(20):
            begun = time.perf_counter()
            QTest.mouseMove(vp, point(target.start + 10 + (m % 4) * sixteenth, target.pitch + m % 3))
            vp.repaint()
            moves.append((time.perf_counter() - begun) * 1000)
            app.processEvents()
            time.sleep(0.01)
        QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, point(target.start + 10, target.pitch))
        app.processEvents()
    return moves


def ghosts(app, window, edits: int, drags: int) -> dict:
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from engine.files.reading import read_music
    seed = read_music(ROOT / "resources" / "seeds" / "chopin-mazurka06-2.mid")
    window.model.reset(seed)
    window.set_tool("draw")
    view, controller = window.view, window.ghosts
    painted: list[float] = []
    original_paint = view._paint_ghosts

    def paint_ghosts(painter):                      # the moment ghosts reach the screen
        original_paint(painter)
        if view.ghosts and not painted:
            painted.append(time.perf_counter())
    view._paint_ghosts = paint_ghosts
    started: list[float] = []
    original_write = controller._write

    def write():                                    # the debounce ends, the job starts
        started.append(time.perf_counter())
        original_write()
    controller.timer.timeout.disconnect()
    controller.timer.timeout.connect(write)

    def point(step, pitch):
        p = view.view_point(step, pitch)
        return QPoint(int(p.x()) + 2, int(p.y() + view.geo.key_height / 2))

    bar, sixteenth = window.model.steps_per_bar, window.model.steps_per_quarter // 4
    with_debounce, without, longest_busy, all_busy = [], [], [], []
    for k in range(edits + 1):                      # the first edit loads the model into the ghosts' copy
        wait_until(app, lambda: controller.job is None)
        step = window.model.length // bar * bar + (k % 4) * 4 * sixteenth
        if step <= max(n.start for _, n in window.model.items()):
            step = window.model.length
        pitch = 60 + (k * 5) % 24
        view.horizontalScrollBar().setValue(int(view.geo.x(max(0, step - 2 * bar))))
        app.processEvents()
        painted.clear()
        started.clear()
        vp = view.viewport()
        QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, point(step, pitch))
        QTest.mouseMove(vp, point(step + 3 * sixteenth, pitch))
        QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, point(step + 3 * sixteenth, pitch))
        released = time.perf_counter()
        repaints = []
        while not painted:                          # repaint as a drag would (every 5 ms) while the job writes
            if controller.job is not None:
                begun = time.perf_counter()
                vp.repaint()
                repaints.append((time.perf_counter() - begun) * 1000)
            app.processEvents()
            time.sleep(0.005)
            if time.perf_counter() - released > 60:
                raise SystemExit(f"no ghosts after edit {k}: {window.statusBar().currentMessage()}")
        if k == 0:
            continue
        with_debounce.append((painted[0] - released) * 1000)
        without.append((painted[0] - started[-1]) * 1000)
        if repaints:
            longest_busy.append(max(repaints))
            all_busy += repaints
    # drags begun while a job writes (the job stops at the press): each move of the mouse to its repaint;
    # then the same drags with ghost suggestions off (no job at all), in the same run
    window.set_tool("select")
    drag_moves = timed_drags(app, window, drags, point, with_jobs=True)
    memory_in_use = memory(window)                  # before the switch: off ends the writing process
    controller.switch(False)
    drag_moves_alone = timed_drags(app, window, drags, point, with_jobs=False)
    idle = []
    wait_until(app, lambda: controller.job is None)
    for _ in range(200):
        begun = time.perf_counter()
        view.viewport().repaint()
        idle.append((time.perf_counter() - begun) * 1000)
    return {"edits": edits, "ghost_notes_last": len(view.ghosts), "memory_mb": memory_in_use,
            "edit_to_ghosts_painted_ms_median": median(with_debounce),
            "edit_to_ghosts_painted_ms_range": [round(min(with_debounce)), round(max(with_debounce))],
            "job_start_to_ghosts_painted_ms_median": median(without),
            "job_start_to_ghosts_painted_ms_range": [round(min(without)), round(max(without))],
            "repaint_ms_while_a_job_runs_median": round(statistics.median(all_busy), 2) if all_busy else None,
            "longest_repaint_ms_while_a_job_runs": round(max(longest_busy), 1) if longest_busy else None,
            "longest_repaint_ms_while_a_job_runs_median_over_edits":
                round(statistics.median(longest_busy), 1) if longest_busy else None,
            "repaints_timed_while_jobs_ran": len(all_busy),
            "drags_begun_while_a_job_ran": drags,
            "drag_move_to_repaint_ms_median": round(statistics.median(drag_moves), 2) if drag_moves else None,
            "drag_move_to_repaint_ms_longest": round(max(drag_moves), 1) if drag_moves else None,
            "drag_move_to_repaint_ms_median_no_ghosts": round(statistics.median(drag_moves_alone), 2),
            "drag_move_to_repaint_ms_longest_no_ghosts": round(max(drag_moves_alone), 1),
            "longest_repaint_ms_idle": round(max(idle), 1), "repaint_ms_idle_median": round(statistics.median(idle), 2)}


def surprise(app, window, piece: Path, runs: int) -> dict:
    from engine.files.reading import read_music
    phrase = read_music(piece)
    window.model.reset(phrase)
    app.processEvents()
    view, controller = window.view, window.surprise
    first_colours, every_note, paint = [], [], []
    coloured: list[float] = []
    controller.coloured.connect(lambda: coloured.append(time.perf_counter()))
    for _ in range(runs):
        controller.readers.clear()                  # nothing remembered: a cold reading
        coloured.clear()
        begun = time.perf_counter()
        window.actions_["surprise"].trigger()
        wait_until(app, lambda: bool(coloured))
        view.viewport().repaint()                   # the first colours on screen
        first_colours.append((time.perf_counter() - begun) * 1000)
        wait_until(app, lambda: controller.job is None)
        view.viewport().repaint()
        every_note.append((time.perf_counter() - begun) * 1000)
        times = []
        for _ in range(30):
            started = time.perf_counter()
            view.viewport().repaint()
            times.append((time.perf_counter() - started) * 1000)
        paint.append(statistics.median(times))
        window.actions_["surprise"].trigger()       # off
    coloured_notes = 0
    window.actions_["surprise"].trigger()           # on, read whole, then an edit near the end, in view
    wait_until(app, lambda: controller.job is None and bool(view.surprise))
    coloured_notes = len(view.surprise or {})
    from engine.music.phrase import Note
    from gui.document.commands import ChangeNotes
    last_id, last = max(window.model.items(), key=lambda item: item[1].start)
    view.horizontalScrollBar().setValue(view.horizontalScrollBar().maximum())
    begun = time.perf_counter()
    window.undo_stack.push(ChangeNotes(window.model, {last_id: Note(last.pitch + 1, last.start, last.duration,
                                                                    last.velocity)}))
    wait_until(app, lambda: controller.job is None and last_id in (view.surprise or {}))
    view.viewport().repaint()
    edit_ms = (time.perf_counter() - begun) * 1000
    return {"piece": piece.name, "notes": len(phrase.notes), "runs": runs,
            "notes_coloured": coloured_notes,
            "switch_on_to_first_colours_ms_median": median(first_colours),
            "switch_on_to_first_colours_ms_range": [round(min(first_colours)), round(max(first_colours))],
            "switch_on_to_every_note_coloured_ms_median": median(every_note),
            "switch_on_to_every_note_coloured_ms_range": [round(min(every_note)), round(max(every_note))],
            "paint_ms_with_surprise_colours_median": round(statistics.median(paint), 2),
            "edit_near_the_end_to_recoloured_ms": round(edit_ms, 1)}


def memory(window) -> dict:
    """The window's process and the writing process (if one runs): resident memory and, on Linux,
    its proportional share (pages shared by the two, as torch's libraries are, counted half each)."""
    from gui.background import writing_process
    found = {"window": _memory(os.getpid())}
    writer = writing_process()
    if writer is not None and writer.running():
        found["writing_process"] = _memory(writer._process.pid)
    return found


def _memory(pid: int) -> dict:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return {}
    fields = dict(line.split(":", 1) for line in text.splitlines()[1:] if ":" in line)
    return {key.lower(): round(int(fields[key].split()[0]) / 1024, 1) for key in ("Rss", "Pss") if key in fields}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--drags", type=int, default=10, help="drags begun while a ghost job writes")
    parser.add_argument("--surprise-runs", type=int, default=5)
    parser.add_argument("--piece", type=Path, default=DEFAULT_PIECE)
    parser.add_argument("--in-thread", action="store_true",
                        help="write the ghosts on a thread of the window's process, as before the writing process")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.in_thread:           # GhostJob steps its private copy of the model when it is given no writer
        import gui.writing.ghosts as ghosts_module
        ghosts_module.writing_process = lambda: None
        ghosts_module.GhostController.warm_up = lambda self: None

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    settings = tempfile.mkdtemp(prefix="segue-bench-")          # the user's own settings stay untouched
    for kind in (QSettings.IniFormat, QSettings.NativeFormat):
        QSettings.setPath(kind, QSettings.UserScope, settings)
    os.environ["SEGUE_DATA_DIR"] = str(ROOT / ".bench-data")
    from gui.main_window import MainWindow
    window = MainWindow()
    window.resize(1360, 800)
    window.show()
    app.processEvents()
    window.writing.cache.get(window.panel.model_path())        # as the preload does after the window shows
    window.ghosts.warm_up()                                    # as the window does once the preload is done
    from gui.app import leave_what_is_loaded_to_the_collector
    leave_what_is_loaded_to_the_collector()                    # as the app does once it has
    load_before = os.getloadavg()
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "ghosts_written": "on a thread of the window's process" if args.in_thread else "in the writing process",
              "ghosts": ghosts(app, window, args.edits, args.drags)}      # leaves them off: the
    result["surprise"] = surprise(app, window, args.piece, args.surprise_runs)   # surprise view timed alone
    result["load_average_before_after"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
    window.undo_stack.setClean()
    window.close()
    if not args.json:
        g, s = result["ghosts"], result["surprise"]
        print(f"Ghosts (2 bars, the bundled model), over {g['edits']} edits: painted "
              f"{g['edit_to_ghosts_painted_ms_median']} ms after the edit (debounce included; range "
              f"{g['edit_to_ghosts_painted_ms_range']}), {g['job_start_to_ghosts_painted_ms_median']} ms after "
              f"the job started (debounce excluded); longest repaint of the roll while a job ran "
              f"{g['longest_repaint_ms_while_a_job_runs']} ms (idle: {g['longest_repaint_ms_idle']} ms); a drag "
              f"begun while a job ran: move to repaint {g['drag_move_to_repaint_ms_median']} ms median, "
              f"{g['drag_move_to_repaint_ms_longest']} ms longest (ghosts off: "
              f"{g['drag_move_to_repaint_ms_median_no_ghosts']} ms, "
              f"{g['drag_move_to_repaint_ms_longest_no_ghosts']} ms)")
        print(f"Surprise view of {s['piece']} ({s['notes']} notes): first colours on screen "
              f"{s['switch_on_to_first_colours_ms_median']} ms, every note "
              f"{s['switch_on_to_every_note_coloured_ms_median']} ms (medians of {s['runs']}); an edit near the "
              f"end recoloured in {s['edit_near_the_end_to_recoloured_ms']} ms")
        print(f"Ghosts written {result['ghosts_written']}; memory (MB): {g['memory_mb']}")
        print(f"load average before/after: {result['load_average_before_after']}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
