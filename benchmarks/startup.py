"""Time from launching ``python main.py`` to a visible window, median of several launches; and a
whole ``continue`` on the command line against a process that only imports torch.

    python benchmarks/startup.py [--runs 7] [--json] [--against OTHER_TREE]
    python benchmarks/startup.py --cli [--runs 5] [--json] [--against OTHER_TREE]

``--against``: another copy of Segue (``git archive COMMIT | tar -x -C /tmp/before``) launched or run
in turn with this one, for a before and after measured in one run.

``--cli``: a fresh ``python main.py continue SEED -o OUT.mid --bars 4 --variations 4`` (the bundled
Mozart seed) and a fresh ``python -c "import torch"`` take turns, ``--runs`` each; the figure is the
median of the first less the median of the second: what Segue adds to torch's own start (its
modules, the model's load, reading the seed, writing the MIDI files). A third process, ``import
torch`` ended as ``main.py`` ends a command (``gc.freeze()``: the collector does not walk torch's
objects again at exit, about half a second of this machine's CPU), gives Segue's own work apart
from that saving. Each is timed on the wall and in CPU (user + system, the process and its
threads), which a busy machine disturbs less. All run with Python's bytecode cache on, as an
installed Segue has it (an environment's ``PYTHONDONTWRITEBYTECODE`` would charge Segue for
compiling its own modules at every run); one untimed run of each fills the caches first.

Each run starts a fresh process (as a person does) with ``SEGUE_STARTUP_PROBE=1``, which makes
the app print a line as soon as its window has been shown and painted, then quit. Runs on the
offscreen platform unless a display is set (use xvfb-run to include X11). torch and the model
load after the window shows, so they are not part of this figure; the time until the model is
ready is measured separately, in a thread as the app does it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def launch_ms(root: Path = ROOT) -> float:
    """Launch to the window shown, ms, of the Segue in ``root``."""
    env = dict(os.environ, SEGUE_STARTUP_PROBE="1", SEGUE_DATA_DIR=str(ROOT / ".bench-data"))
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(root / "main.py")], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, text=True, cwd=root)
    for line in proc.stdout:
        if "window shown" in line:
            shown = (time.perf_counter() - started) * 1000
            break
    else:
        raise SystemExit("the app exited without showing its window")
    proc.wait(30)
    return shown


def model_ready_ms() -> float:
    """A fresh process: import torch and load the bundled model (what happens after the window shows)."""
    code = ("import time; t=time.perf_counter(); from engine.model.checkpoint import load_model; load_model(None); "
            "print((time.perf_counter()-t)*1000)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def process_ms(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall and CPU time (user + system, ms) of one fresh process running ``command`` to its end
    (it must succeed)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = (time.perf_counter() - started) * 1000
    proc.returncode = os.waitstatus_to_exitcode(status)
    errors = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}): {errors}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def cli_continue(runs: int, against: Path | None = None) -> dict:
    """``continue --bars 4 --variations 4``, ``import torch`` and ``import torch`` with its exit spared
    the collector's walk (``gc.freeze()``, as ``main.py`` ends a command) in fresh processes, taking
    turns: the continue beyond torch, and beyond torch ended as Segue ends (Segue's own work); with
    ``against``, that tree's continue in turn too (``against_*``)."""
    import tempfile
    out = Path(tempfile.mkdtemp(prefix="segue-startup-")) / "take.mid"
    seed = ROOT / "resources" / "seeds" / "mozart-mz_545_1.mid"
    jobs = {"import torch": [sys.executable, "-c", "import torch"],
            "import torch, frozen exit": [sys.executable, "-c", "import gc, torch; gc.freeze()"],
            "continue": [sys.executable, str(ROOT / "main.py"), "continue", str(seed), "-o", str(out),
                         "--bars", "4", "--variations", "4", "--seed", "1"]}
    if against is not None:
        jobs["against"] = [sys.executable, str(against / "main.py"), *jobs["continue"][2:]]
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    for command in jobs.values():                     # the first runs fill the bytecode and OS file caches
        process_ms(command, env)
    wall: dict[str, list[float]] = {name: [] for name in jobs}
    cpu: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(runs):
        for name, command in jobs.items():
            took, used = process_ms(command, env)
            wall[name].append(took)
            cpu[name].append(used)
    med = {name: statistics.median(times) for name, times in wall.items()}
    med_cpu = {name: statistics.median(times) for name, times in cpu.items()}
    return {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "runs": runs,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "import_torch_ms_median": round(med["import torch"], 1),
            "continue_process_ms_median": round(med["continue"], 1),
            "beyond_torch_ms": round(med["continue"] - med["import torch"], 1),
            "beyond_torch_frozen_exit_ms": round(med["continue"] - med["import torch, frozen exit"], 1),
            "import_torch_cpu_ms_median": round(med_cpu["import torch"], 1),
            "continue_process_cpu_ms_median": round(med_cpu["continue"], 1),
            "beyond_torch_cpu_ms": round(med_cpu["continue"] - med_cpu["import torch"], 1),
            "beyond_torch_frozen_exit_cpu_ms": round(med_cpu["continue"] - med_cpu["import torch, frozen exit"], 1),
            **({"against": str(against),
                "against_beyond_torch_ms": round(med["against"] - med["import torch"], 1),
                "against_beyond_torch_cpu_ms": round(med_cpu["against"] - med_cpu["import torch"], 1)}
               if against is not None else {}),
            "runs_ms": {name: [round(t, 1) for t in times] for name, times in wall.items()},
            "runs_cpu_ms": {name: [round(t, 1) for t in times] for name, times in cpu.items()}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cli", action="store_true", help="time a whole continue process against import torch")
    parser.add_argument("--against", type=Path, help="another checkout of Segue, timed in turn with this one")
    args = parser.parse_args(argv)
    if args.cli:
        found = cli_continue(args.runs, args.against)
        if not args.json:
            print(f"continue --bars 4 --variations 4: {found['continue_process_ms_median']:.0f} ms, import torch "
                  f"{found['import_torch_ms_median']:.0f} ms: {found['beyond_torch_ms']:.0f} ms beyond torch, "
                  f"{found['beyond_torch_frozen_exit_ms']:.0f} ms beyond torch ended as Segue ends "
                  f"(medians of {args.runs}, taking turns)")
            print(f"in CPU: {found['continue_process_cpu_ms_median']:.0f} and {found['import_torch_cpu_ms_median']:.0f}"
                  f" ms: {found['beyond_torch_cpu_ms']:.0f} ms beyond torch, "
                  f"{found['beyond_torch_frozen_exit_cpu_ms']:.0f} ms beyond torch ended as Segue ends")
            if args.against:
                print(f"{args.against}: {found['against_beyond_torch_ms']:.0f} ms beyond torch, "
                      f"{found['against_beyond_torch_cpu_ms']:.0f} ms in CPU")
        print(json.dumps(found))
        return 0
    roots = [ROOT] + ([args.against] if args.against else [])
    for root in roots:
        launch_ms(root)                               # the first launch fills the OS file cache
    launched: dict[Path, list[float]] = {root: [] for root in roots}
    for _ in range(args.runs):
        for root in roots:
            launched[root].append(launch_ms(root))
    shown = launched[ROOT]
    ready = [model_ready_ms() for _ in range(3)]
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "platform": "xcb" if os.environ.get("DISPLAY") else "offscreen",
              "window_shown_ms_median": round(statistics.median(shown), 1),
              "window_shown_ms_runs": [round(x, 1) for x in shown],
              "torch_and_model_ready_ms_median": round(statistics.median(ready), 1)}
    if args.against:
        result.update(against=str(args.against),
                      against_window_shown_ms_median=round(statistics.median(launched[args.against]), 1),
                      against_window_shown_ms_runs=[round(x, 1) for x in launched[args.against]])
    if not args.json:
        print(f"launch to visible window: {result['window_shown_ms_median']:.0f} ms median of {args.runs} "
              f"({result['platform']}); then torch + model ready in another "
              f"{result['torch_and_model_ready_ms_median']:.0f} ms, in the background")
        if args.against:
            print(f"{args.against}: {result['against_window_shown_ms_median']:.0f} ms, in turn")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
