"""The long fuzz run: mutate real MIDI files many times; only clean refusals may come out.

    python benchmarks/fuzz_midi.py [--cases 20000] [--seed 0]

Prints how many mutated files were read, how many were refused (by reason), the slowest case,
and the peak memory of the process. Exits non-zero on any other exception.
"""

from __future__ import annotations

import argparse
import collections
import random
import resource
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.encoding.tokens import Vocabulary, encode  # noqa: E402
from engine.errors import MusicFileError  # noqa: E402
from engine.files.midi import read_midi  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "piano-midi"


def mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not buf:
            break
        i = rng.randrange(len(buf))
        kind = rng.choice(["flip", "set", "insert", "delete", "truncate", "splice"])
        if kind == "flip":
            buf[i] ^= 1 << rng.randrange(8)
        elif kind == "set":
            buf[i] = rng.choice([0, 0x7F, 0x80, 0xFF, rng.randrange(256)])
        elif kind == "insert":
            buf[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif kind == "delete":
            del buf[i:i + rng.randint(1, 64)]
        elif kind == "truncate":
            del buf[i:]
        else:
            j = rng.randrange(len(buf))
            buf[i:i] = buf[j:j + rng.randint(1, 256)]
    return bytes(buf)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    sources = sorted(DATA.rglob("*.mid"))
    vocab = Vocabulary(velocity_levels=4)
    reasons = collections.Counter()
    read = slowest = 0
    slowest_case = None
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzzed.mid"
        for case in range(args.cases):
            source = rng.choice(sources)
            path.write_bytes(mutate(source.read_bytes(), rng))
            t = time.perf_counter()
            try:
                encode(read_midi(path), vocab)
                read += 1
            except MusicFileError as err:
                reasons[err.problem.split("(")[0].strip()] += 1
            except Exception:
                print(f"case {case} from {source.name}: unhandled exception", file=sys.stderr)
                traceback.print_exc()
                return 1
            if time.perf_counter() - t > slowest:
                slowest, slowest_case = time.perf_counter() - t, (case, source.name)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.cases} mutated files in {time.perf_counter() - started:.0f} s: {read} read, "
          f"{args.cases - read} refused cleanly, 0 unhandled")
    for reason, count in reasons.most_common(10):
        print(f"  {count:6d}  {reason}")
    print(f"slowest case: {slowest * 1000:.0f} ms (case {slowest_case[0]}, {slowest_case[1]}); "
          f"peak memory {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
