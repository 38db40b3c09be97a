"""Time from launching ``python main.py`` to a visible window, median of several launches.

    python benchmarks/startup.py [--runs 7] [--json]

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


def launch_ms() -> float:
    env = dict(os.environ, SEGUE_STARTUP_PROBE="1", SEGUE_DATA_DIR=str(ROOT / ".bench-data"))
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py")], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, text=True, cwd=ROOT)
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    launch_ms()                                       # the first launch fills the OS file cache
    shown = [launch_ms() for _ in range(args.runs)]
    ready = [model_ready_ms() for _ in range(3)]
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "platform": "xcb" if os.environ.get("DISPLAY") else "offscreen",
              "window_shown_ms_median": round(statistics.median(shown), 1),
              "window_shown_ms_runs": [round(x, 1) for x in shown],
              "torch_and_model_ready_ms_median": round(statistics.median(ready), 1)}
    if not args.json:
        print(f"launch to visible window: {result['window_shown_ms_median']:.0f} ms median of {args.runs} "
              f"({result['platform']}); then torch + model ready in another "
              f"{result['torch_and_model_ready_ms_median']:.0f} ms, in the background")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
