"""Continue against an earlier Segue, in one process, round robin: the speed ratio on this machine.

    git worktree add /tmp/segue-before 9f0540b
    python benchmarks/compare_continue.py /tmp/segue-before [--repeats 15] [--json]

This machine's speed changes from minute to minute (it is shared), so absolute times from two
runs cannot be compared. Here the earlier checkout's engine is imported beside this one (copied
under another package name), both continue the same bundled seeds, 4 bars x 4 takes on one
thread, each at its own default settings and with its own default model, taking turns; the
figures are medians and the ratio is this Segue's time over the earlier one's.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEEDS = ("K. 545", "Maple Leaf", "Four chords", "Lindenbaum")


def earlier_engine(checkout: Path):
    """The earlier checkout's engine as the package ``earlier_engine`` (its models beside it)."""
    folder = Path(tempfile.mkdtemp(prefix="segue-earlier-"))
    shutil.copytree(checkout / "engine", folder / "earlier_engine")
    (folder / "models").symlink_to(checkout / "models")
    sys.path.insert(0, str(folder))
    if (checkout / "engine" / "model" / "checkpoint.py").is_file():        # the engine in rooms
        return (importlib.import_module("earlier_engine.model.checkpoint"),
                importlib.import_module("earlier_engine.writing.continuation"),
                importlib.import_module("earlier_engine.music.phrase"))
    return (importlib.import_module("earlier_engine.checkpoint"), importlib.import_module("earlier_engine.generate"),
            importlib.import_module("earlier_engine.phrase"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="a checkout of the earlier Segue")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="a ContinueOptions field for this Segue's takes (e.g. candidates=8): "
                             "what a setting costs")
    parser.add_argument("--cpu", action="store_true",
                        help="this process's CPU time instead of the wall clock: on a machine loaded by other "
                             "jobs the wall clock mostly measures them")
    args = parser.parse_args(argv)
    clock = time.process_time if args.cpu else time.perf_counter
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from musician import parse_options
    settings = parse_options(args.option)

    import torch

    from engine.files.seeds import list_seeds, load_seed
    from engine.model.checkpoint import load_model
    from engine.writing.continuation import ContinueOptions, continue_phrase
    torch.set_num_threads(1)
    old_checkpoint, old_generate, old_phrase = earlier_engine(args.checkout.resolve())
    old_model = old_checkpoint.load_model(args.checkout.resolve() / "models" / "default")
    new_model = load_model("default")
    result = {"repeats": args.repeats, "settings": settings, "clock": "cpu" if args.cpu else "wall", "seeds": {}}
    for title in SEEDS:
        seed = load_seed(next(s for s in list_seeds() if title in s.title))
        old_notes = tuple(old_phrase.Note(n.pitch, n.start, n.duration, n.velocity) for n in seed.notes)
        old_seed = old_phrase.Phrase(old_notes,
                                     seed.steps_per_quarter, seed.tempo_bpm, seed.time_signature, seed.end)
        jobs = {"before": lambda r, old_seed=old_seed: old_generate.continue_phrase(
                    old_model, old_seed, old_generate.ContinueOptions(bars=4, variations=4, seed=r)),
                "now": lambda r, seed=seed: continue_phrase(new_model, seed, ContinueOptions(bars=4, variations=4,
                                                                                              seed=r, **settings))}
        times = {name: [] for name in jobs}
        for r in range(args.repeats):
            for name, job in jobs.items():
                started = clock()
                job(r)
                times[name].append((clock() - started) * 1000)
        before, now = statistics.median(times["before"]), statistics.median(times["now"])
        result["seeds"][title] = {"before_ms": round(before, 1), "now_ms": round(now, 1),
                                  "ratio": round(now / before, 2)}
        if not args.json:
            print(f"{title:14} before {before:7.1f} ms   now {now:7.1f} ms   {now / before:.2f}x")
    result["median ratio"] = statistics.median(v["ratio"] for v in result["seeds"].values())
    if not args.json:
        print(f"median ratio: {result['median ratio']:.2f}x")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
