"""Continue with two models, in one process, taking turns: the speed ratio of the second to the first.

    python benchmarks/compare_models.py FIRST SECOND [--repeats 15] [--bars 4] [--takes 4] [--option NAME=VALUE]

This machine's speed changes from minute to minute (it is shared), so two runs' absolute times
cannot be compared: here both models continue the same bundled seeds (as ``compare_continue.py``),
4 bars x 4 takes on one thread at the default settings, one after the other, round after round;
the figures are medians and the ratio is the second model's time over the first's. Prints one
JSON object as its last line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from compare_continue import SEEDS  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", help="a model name or folder (the baseline)")
    parser.add_argument("second", help="a model name or folder")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--bars", type=int, default=4)
    parser.add_argument("--takes", type=int, default=4)
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="a ContinueOptions field for the second model only, e.g. --option 'chords=C | F | G7 | C'")
    args = parser.parse_args(argv)

    import torch
    from musician import parse_options

    from engine.files.seeds import list_seeds, load_seed
    from engine.model.checkpoint import load_model
    from engine.writing.continuation import ContinueOptions, continue_phrase
    torch.set_num_threads(1)
    models = {"first": load_model(args.first), "second": load_model(args.second)}
    asked = {"first": {}, "second": parse_options(args.option)}
    result = {"first": str(args.first), "second": str(args.second), "repeats": args.repeats,
              "bars": args.bars, "takes": args.takes, "second's options": asked["second"], "seeds": {}}
    for title in SEEDS:
        seed = load_seed(next(s for s in list_seeds() if title in s.title))
        times: dict[str, list[float]] = {name: [] for name in models}
        for r in range(args.repeats):
            for name, loaded in models.items():
                options = ContinueOptions(bars=args.bars, variations=args.takes, seed=r, **asked[name])
                started = time.perf_counter()
                continue_phrase(loaded, seed, options)
                times[name].append((time.perf_counter() - started) * 1000)
        first, second = statistics.median(times["first"]), statistics.median(times["second"])
        result["seeds"][title] = {"first_ms": round(first, 1), "second_ms": round(second, 1),
                                  "ratio": round(second / first, 3)}
        print(f"{title:14} first {first:7.1f} ms   second {second:7.1f} ms   {second / first:.2f}x", file=sys.stderr)
    result["median ratio"] = statistics.median(v["ratio"] for v in result["seeds"].values())
    print(f"median ratio: {result['median ratio']:.2f}x", file=sys.stderr)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
