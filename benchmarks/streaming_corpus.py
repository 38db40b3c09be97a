"""Training on a big collection: parse time, cache and store size, and a training process's peak memory.

    python benchmarks/streaming_corpus.py [--sizes 1000 10000] [--folder DIR] [--batches 40]
                                          [--before REV] [--json]

Makes a synthetic collection from ``../shared/data/piano-midi``: piece i is the first quarter of one
piece of the collection followed by the last quarter of another, each moved by up to three
semitones (written with ``engine.files.midi.write_midi`` into ``--folder``, kept for the next run,
or into a temporary folder). For each size N it lists the first N files in a text file (what
``train --data`` takes) and measures:

- reading them cold into a fresh parse cache on every core (``engine.training.corpus.cache_corpus``, what
  ``train`` does first): seconds per file and the cache's size on disk;
- a fresh training process (the ``default`` recipe of ``train_speed.py`` with ``--controls``) on
  that warm cache, stopped after ``--batches`` batches: how long it takes to write its token store,
  the store's size on disk, its resident memory once the store is written, and its peak resident
  memory (``ru_maxrss``).

``--before REV`` also runs the same training process on the code of git revision REV (for the
first size only), to compare with training that held the collection in memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
PIANO_MIDI = ROOT.parent / "shared" / "data" / "piano-midi"

# train_speed.py's "default" recipe (the shipped model's settings), with --controls
RECIPE = dict(velocity_levels=4, embedding_size=128, hidden_size=256, layers=2, dropout=0.2, window=128,
              batch_size=32, context=False, controls=True, bar_from_music=True, excerpt_bars=(0, 0), seed=0,
              threads=1, device="cpu")

_sources: list = []


def _load_sources(cache: str) -> None:
    from engine.training.corpus import load_corpus
    _sources[:] = [p.phrase for p in load_corpus([PIANO_MIDI], cache_dir=cache, workers=1).pieces]


def synthetic_piece(i: int):
    """Piece ``i``: the first quarter of one source piece and the last quarter of another."""
    from engine.music.phrase import Phrase, merge, transpose, trim
    rng = random.Random(i)
    a, b = (_sources[k] for k in rng.sample(range(len(_sources)), 2))
    end_a = max(a.steps_per_bar, a.length // 4 // a.steps_per_bar * a.steps_per_bar)
    start_b = 3 * b.length // 4 // b.steps_per_bar * b.steps_per_bar
    first = transpose(trim(a, 0, end_a), rng.randint(-3, 3))
    second = transpose(trim(b, start_b, b.length), rng.randint(-3, 3))
    whole = merge(first, second, offset=first.length)
    return Phrase(whole.notes, whole.steps_per_quarter, whole.tempo_bpm, whole.time_signature, whole.end)


def midi_bytes(phrase) -> bytes:
    """The bytes ``engine.files.midi.write_midi`` writes for a phrase with one tempo and no key
    signatures, without mido's checks of every message (ten times faster; ``make_collection``
    holds the two equal on the first pieces)."""
    from engine.files.midi import TICKS_PER_QUARTER

    def number(value: int) -> bytes:                 # a variable-length quantity
        out = [value & 0x7F]
        while value > 0x7F:
            value >>= 7
            out.append(0x80 | (value & 0x7F))
        return bytes(reversed(out))

    def track(events: list[tuple[int, bytes]]) -> bytes:
        data, now, running = bytearray(), 0, None
        for tick, message in events:
            data += number(tick - now)
            now = tick
            status = message[0]
            data += message[1:] if status == running else message
            running = status if status < 0xF0 else None
        return b"MTrk" + len(data).to_bytes(4, "big") + bytes(data)

    per_step = TICKS_PER_QUARTER / phrase.steps_per_quarter
    end = round(phrase.length * per_step)
    tempo = min(0xFFFFFF, max(1, round(60e6 / phrase.tempo_bpm)))
    num, den = phrase.time_signature
    meta = [(0, b"\xff\x03\x05Segue"), (0, b"\xff\x51\x03" + tempo.to_bytes(3, "big")),
            (0, bytes([0xFF, 0x58, 4, num, den.bit_length() - 1, 24, 8])), (end, b"\xff\x2f\x00")]
    timed = []
    for n in phrase.notes:
        timed.append((round(n.start * per_step), 1, bytes([0x90, n.pitch, n.velocity])))
        timed.append((round(n.end * per_step), 0, bytes([0x80, n.pitch, 0])))
    timed.sort(key=lambda t: (t[0], t[1]))
    notes = [(0, b"\xff\x03\x05Piano"), (0, b"\xc0\x00")] + [(tick, m) for tick, _, m in timed]
    notes.append((max(end, timed[-1][0] if timed else 0), b"\xff\x2f\x00"))
    header = b"MThd" + (6).to_bytes(4, "big") + (1).to_bytes(2, "big") + (2).to_bytes(2, "big")
    return header + TICKS_PER_QUARTER.to_bytes(2, "big") + track(meta) + track(notes)


def _make_piece(job: tuple[int, str]) -> None:
    i, folder = job
    path = Path(folder) / f"{i:05d}.mid"
    if not path.is_file():
        path.write_bytes(midi_bytes(synthetic_piece(i)))


def make_collection(folder: Path, count: int, scratch: Path) -> None:
    from engine.files.midi import write_midi
    from engine.training.corpus import load_corpus
    folder.mkdir(parents=True, exist_ok=True)
    missing = [i for i in range(count) if not (folder / f"{i:05d}.mid").is_file()]
    if not missing:
        return
    cache = str(scratch / "source-cache")
    load_corpus([PIANO_MIDI], cache_dir=cache)                      # once, on every core, into the cache
    _load_sources(cache)
    for i in range(20):                                             # the fast writer writes what write_midi writes
        phrase = synthetic_piece(i)
        write_midi(phrase, scratch / "check.mid")
        if (scratch / "check.mid").read_bytes() != midi_bytes(phrase):
            raise RuntimeError(f"midi_bytes and write_midi differ on piece {i}")
    with ProcessPoolExecutor(os.cpu_count() or 1, initializer=_load_sources, initargs=(cache,)) as pool:
        list(pool.map(_make_piece, [(i, str(folder)) for i in missing], chunksize=64))


def listing(folder: Path, count: int) -> Path:
    path = folder / f"first-{count}.txt"
    path.write_text("".join(f"{i:05d}.mid\n" for i in range(count)))
    return path


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def parse_cold(files: Path, cache_home: Path) -> dict:
    from engine.training.corpus import cache_corpus
    shutil.rmtree(cache_home, ignore_errors=True)
    started = time.perf_counter()
    corpus = cache_corpus([files], cache_dir=cache_home / "segue" / "corpus")
    seconds = time.perf_counter() - started
    count = len(corpus.files) + len(corpus.skipped)
    return {"files": count, "skipped": len(corpus.skipped), "parse_seconds": round(seconds, 1),
            "parse_ms_per_file": round(1000 * seconds / max(count, 1), 1), "workers": os.cpu_count(),
            "cache_mb": round(folder_bytes(cache_home) / 2**20, 1)}


def train_in_fresh_process(files: Path, cache_home: Path, batches: int, code: Path = ROOT) -> dict:
    """Run ``--child`` in a new Python process (its own peak memory) on the warm cache."""
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home), PYTHONPATH=str(code))
    done = subprocess.run([sys.executable, __file__, "--child", str(files), "--batches", str(batches),
                           "--code", str(code)], env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class Enough(Exception):
    pass


def child(files: str, batches: int, code: str) -> dict:
    sys.path.insert(0, code)
    from engine.training.train import TrainConfig, train
    seen: dict = {"batches": 0, "cached": None}
    started = time.perf_counter()

    def progress(event):
        if isinstance(event, dict):               # a revision from before typed events (--before)
            event = SimpleNamespace(**event)
        if event.stage == "reading" and seen["cached"] is None:
            seen["cached"] = [event.done, event.total]
        elif event.stage == "data":
            seen.update(data=event, prepared_s=time.perf_counter() - started, rss_prepared_mb=_rss_mb())
        elif event.stage == "batch":
            seen.update(batches=event.batch, tokens_per_s=event.tokens_per_s)
            if event.batch >= batches:
                raise Enough

    with tempfile.TemporaryDirectory() as out:
        try:
            train(TrainConfig(data=[files], out=out, **RECIPE), progress, fresh=True)
        except Enough:
            pass
    data = seen["data"]
    store_bytes = getattr(data, "store_bytes", None)          # revisions that held the music in memory had none
    return {"cached_files": seen["cached"], "train_pieces": data.train_pieces, "valid_pieces": data.valid_pieces,
            "train_tokens": data.train_tokens, "valid_tokens": data.valid_tokens,
            "store_mb": round(store_bytes / 2**20, 1) if store_bytes is not None else None,
            "prepare_seconds": round(seen["prepared_s"], 1), "rss_after_prepare_mb": seen["rss_prepared_mb"],
            "batches": seen["batches"], "tokens_per_s": round(seen.get("tokens_per_s", 0)),
            "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "seconds": round(time.perf_counter() - started, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--folder", type=Path, help="where the synthetic collection is written and kept")
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--before", metavar="REV", help="also train on the code of this git revision (first size)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--code", default=str(ROOT), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.batches, args.code)))
        return 0

    sys.path.insert(0, str(ROOT))
    results = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                          f"Python {platform.python_version()}", "recipe": "default + --controls",
               "batches": args.batches, "sizes": []}
    with tempfile.TemporaryDirectory(prefix="segue-bench-") as scratch_name:
        scratch = Path(scratch_name)
        folder = args.folder or scratch / "collection"
        started = time.perf_counter()
        make_collection(folder, max(args.sizes), scratch)
        results["make_seconds"] = round(time.perf_counter() - started, 1)
        results["collection_mb"] = round(sum((folder / f"{i:05d}.mid").stat().st_size
                                             for i in range(max(args.sizes))) / 2**20, 1)
        before = None
        if args.before:
            before = scratch / "before"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(before), args.before],
                           check=True, capture_output=True)
        try:
            for n in sorted(args.sizes):
                files = listing(folder, n)
                cache_home = scratch / f"cache-{n}"
                row = {"size": n, **parse_cold(files, cache_home)}
                row["training"] = train_in_fresh_process(files, cache_home, args.batches)
                if before is not None and n == min(args.sizes):
                    row["training_before"] = train_in_fresh_process(files, cache_home, args.batches, before)
                results["sizes"].append(row)
                shutil.rmtree(cache_home, ignore_errors=True)
                if not args.json:
                    report(row)
        finally:
            if before is not None:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)],
                               capture_output=True)
    print(json.dumps(results))
    return 0


def report(row: dict) -> None:
    t = row["training"]
    print(f"{row['size']:,} files: parsed cold in {row['parse_seconds']} s ({row['parse_ms_per_file']} ms a file, "
          f"{row['workers']} workers), cache {row['cache_mb']} MB; training store {t['store_mb']} MB for "
          f"{t['train_tokens']:,} training tokens, written in {t['prepare_seconds']} s; resident memory "
          f"{t['rss_after_prepare_mb']} MB after, peak {t['peak_memory_mb']} MB", file=sys.stderr)
    if "training_before" in row:
        b = row["training_before"]
        print(f"  before: ready in {b['prepare_seconds']} s, peak {b['peak_memory_mb']} MB", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
