"""Sheet music of a long piece, and reading a 10 KB ABC tune: the two sizes issue 29 bounds.

    python benchmarks/score_speed.py [--repeats 3] [--piece beeth/mond_3.mid] [--json]

Writes the piece (Beethoven op. 27 no. 2/iii by default: 6,538 notes) as MusicXML with
``write_musicxml`` and reads two 10 KB ABC tunes with ``read_music``: one of 1,000 plain bars, and
one of 780 bars each longer than its metre says (music21 splits them: the case that took 129 s).
Every job runs ``--repeats`` times in this process after one untimed warm-up (music21's imports);
prints the median, lowest and highest wall time and the median CPU time of this process (the
machine is shared: CPU time says what the job costs, wall time what a user waits), and the peak
memory. The goals: sheet music under 10 s, the ABC tune under 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.files.midi import read_midi  # noqa: E402
from engine.files.reading import read_music  # noqa: E402
from engine.files.score_writer import write_musicxml  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "piano-midi"
PLAIN = "X:1\nT:Plain\nM:4/4\nL:1/8\nK:G\n" + "GABc dedB|" * 1000 + "\n"
OVERFULL = "X:1\nT:Overfull\nM:4/4\nL:1/8\nK:G\n" + "GABc dedB GA|" * 780 + "\n"


def timed(job, repeats: int) -> dict:
    job()                                                   # imports and caches, not counted
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        job()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"median_s": round(statistics.median(walls), 3), "lowest_s": round(min(walls), 3),
            "highest_s": round(max(walls), 3), "median_cpu_s": round(statistics.median(cpus), 3),
            "repeats": repeats}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--piece", default="beeth/mond_3.mid", help="a file under ../shared/data/piano-midi")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    piece = read_midi(DATA / args.piece)
    results: dict = {"machine": f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the start"}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "score.musicxml"
        results["sheet_music"] = {"piece": args.piece, "notes": len(piece.notes),
                                  **timed(lambda: write_musicxml(piece, out), args.repeats),
                                  "kb_written": out.stat().st_size // 1024}
        for name, tune in (("abc_plain", PLAIN), ("abc_overfull", OVERFULL)):
            path = Path(folder) / f"{name}.abc"
            path.write_text(tune)
            results[name] = {"bytes": len(tune.encode()), "notes": len(read_music(path).notes),
                             **timed(lambda p=path: read_music(p), args.repeats)}
    results["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    results["load_at_end"] = round(os.getloadavg()[0], 1)
    if args.json:
        print(json.dumps(results))
        return 0
    for name in ("sheet_music", "abc_plain", "abc_overfull"):
        r = results[name]
        print(f"{name:13s} median {r['median_s']:.2f} s (lowest {r['lowest_s']:.2f}, highest {r['highest_s']:.2f}; "
              f"CPU {r['median_cpu_s']:.2f} s) over {r['repeats']}")
    print(f"peak memory {results['peak_mb']} MB; {results['machine']}, {results['load_at_end']} at the end")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
