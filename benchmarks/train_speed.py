"""Training throughput (tokens/s) and peak memory, for the recipes the bundled models used.

    python benchmarks/train_speed.py [--recipe default] [--batches 60] [--threads 1] [--device cpu] [--json]

Runs the real training loop (``engine.training.train.train``) on the real data for a fixed number of
batches of the first epoch, then stops it, and reports the throughput the loop itself measured
(tokens per second, the median of the batches after the first few) and the peak resident memory
of the training process (the folder is read by worker processes first; their peak is separate).
Use ``--device cuda`` on a machine with a GPU.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

# the plain token LSTM on whole pieces, which these figures have measured from the start (the train
# command's defaults now add controls and excerpts)
PLAIN = dict(controls=False, bar_from_music=False, excerpt_bars=(0, 0), velocity_levels=0)
RECIPES = {
    # the settings on the model cards of the shipped models when the figures were first taken
    "default": dict(PLAIN, data=[str(DATA / "piano-midi")], velocity_levels=4, embedding_size=128,
                    hidden_size=256, layers=2, dropout=0.2, window=128, batch_size=32, context=False),
    "benchmark-piano-midi-de": dict(PLAIN, data=[str(DATA / "bl" / "Piano-midi.de.pickle") + ":train"],
                                    valid=[str(DATA / "bl" / "Piano-midi.de.pickle") + ":valid"],
                                    embedding_size=128, hidden_size=512, layers=2, dropout=0.5,
                                    window=128, batch_size=16),
}


class Enough(Exception):
    pass


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="default")
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    import torch

    from engine.training.progress import Batch
    from engine.training.train import TrainConfig, train
    speeds, started = [], time.perf_counter()

    def progress(event):
        if isinstance(event, Batch):
            speeds.append(event.tokens_per_s)
            if len(speeds) >= args.batches:
                raise Enough

    with tempfile.TemporaryDirectory() as out:
        config = TrainConfig(out=out, threads=args.threads, device=args.device, seed=0, **RECIPES[args.recipe])
        try:
            train(config, progress, fresh=True)
        except Enough:
            pass
    # the loop reports a running average from the epoch's start: the last one covers every batch
    skip = min(5, len(speeds) // 2)
    result = {"recipe": args.recipe, "device": args.device, "threads": args.threads,
              "machine": f"{platform.processor() or platform.machine()}, torch {torch.__version__}",
              "batches": len(speeds), "tokens_per_s": round(speeds[-1]) if speeds else 0,
              "tokens_per_s_median_after_warm_up": round(statistics.median(speeds[skip:])) if speeds else 0,
              "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
              "peak_memory_readers_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
              "seconds": round(time.perf_counter() - started, 1)}
    if not args.json:
        print(f"{args.recipe} on {args.device} ({args.threads} thread(s)): {result['tokens_per_s']:,} tokens/s "
              f"over {len(speeds)} batches; peak memory {result['peak_memory_mb']:.0f} MB "
              f"(file readers {result['peak_memory_readers_mb']:.0f} MB)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
