"""Fill of 2 bars inside a 100,000-note piece, on the command line: the size issue 29 bounds.

    python benchmarks/big_fill.py [--notes 100000] [--repeats 3] [--before FOLDER] [--json]

Writes a MIDI file of ``--notes`` notes (a chord of four on every quarter: 100,000 notes are
6,250 bars, 3 h 28 min at 120 bpm) and runs ``main.py fill IN.mid --from-bar B --to-bar B+1``
near its middle, each run a process of its own, and reports the median CPU seconds (user +
system) and the median and highest peak memory of those processes, and the wall time (the machine
is shared: CPU time says what the job costs). ``--before`` names a checkout of an earlier commit
(``git archive COMMIT | tar -x -C FOLDER``): its runs take turns with this one's, in one run of
this script, so the two are compared under the same load. The goal: under 10 s and 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from hostile_files import long_piece  # noqa: E402


def run_fill(root: Path, piece: Path, bar: int, out: Path) -> dict:
    """One Fill in a process of its own: CPU seconds, peak MB, wall seconds."""
    command = [sys.executable, str(root / "main.py"), "fill", str(piece), "-o", str(out),
               "--from-bar", str(bar), "--to-bar", str(bar + 1), "--seed", "1"]
    wall = time.perf_counter()
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - wall
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if status != 0:
        raise SystemExit(f"{root}: fill failed ({status}): {stderr.strip()[-500:]}")
    return {"cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024, "wall_s": wall}


def summary(runs: list[dict]) -> dict:
    return {"median_cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 2),
            "lowest_cpu_s": round(min(r["cpu_s"] for r in runs), 2),
            "highest_cpu_s": round(max(r["cpu_s"] for r in runs), 2),
            "median_peak_mb": round(statistics.median(r["peak_mb"] for r in runs)),
            "highest_peak_mb": round(max(r["peak_mb"] for r in runs)),
            "median_wall_s": round(statistics.median(r["wall_s"] for r in runs), 2), "runs": len(runs)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", type=Path, help="a checkout of an earlier commit, run in turns with this one")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    roots = {"this": ROOT} | ({"before": args.before.resolve()} if args.before else {})
    runs: dict[str, list[dict]] = {name: [] for name in roots}
    with tempfile.TemporaryDirectory() as folder:
        piece = Path(folder) / "long.mid"
        piece.write_bytes(long_piece(args.notes))
        bar = max(1, args.notes // 16 // 2)                # 16 notes a bar: the middle of the piece
        for _ in range(args.repeats):
            for name, root in roots.items():
                runs[name].append(run_fill(root, piece, bar, Path(folder) / f"{name}.mid"))
    results = {"notes": args.notes, "bars": f"{bar}-{bar + 1}", "load": round(os.getloadavg()[0], 1),
               **{name: summary(found) for name, found in runs.items()}}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"fill bars {results['bars']} of {args.notes:,} notes (load {results['load']} at the end)")
    for name in roots:
        r = results[name]
        print(f"  {name:>6}: CPU {r['median_cpu_s']} s (lowest-highest {r['lowest_cpu_s']}-{r['highest_cpu_s']}), "
              f"peak {r['median_peak_mb']} MB (highest {r['highest_peak_mb']}), wall {r['median_wall_s']} s, "
              f"{r['runs']} runs")
    if "before" in results:
        print(f"  CPU ratio this/before: {results['this']['median_cpu_s'] / results['before']['median_cpu_s']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
