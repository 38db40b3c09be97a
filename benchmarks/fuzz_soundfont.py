"""Damaged SoundFonts: mutate the bundled piano many times; each must load and play a short phrase,
or be refused with one readable message, within a time limit.

    python benchmarks/fuzz_soundfont.py [--cases 300] [--seed 0] [--limit-s 20]

The mutations aim at what a SoundFont's reader trusts: the sizes of its chunks, the tables of
presets, instruments, zones and generators (their indexes and amounts: key ranges, tunings, loop
points, envelope times), the sample headers (where a sample lies, its loop, its rate), and where
the file ends. Prints how many loaded and played, how many were refused (by reason), the slowest
case and the peak memory; exits 1 if any case raised anything but ``MusicFileError`` or ran past
the limit. ``tests/engine/sound/test_soundfont.py`` runs a few dozen of the same cases.
"""

from __future__ import annotations

import argparse
import collections
import random
import resource
import struct
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.errors import MusicFileError  # noqa: E402
from engine.music.phrase import Note, Phrase  # noqa: E402

PIANO = ROOT / "resources" / "piano.sf2"
# record sizes of the tables in 'pdta' (SoundFont 2.04, section 7)
RECORDS = {"phdr": 38, "pbag": 4, "pmod": 10, "pgen": 4, "inst": 22, "ibag": 4, "imod": 10, "igen": 4, "shdr": 46}
# a short phrase over the keyboard, soft and loud, held and short: what each loaded mutation plays
PHRASE = Phrase(tuple(Note(21 + (11 * k) % 88, k, 1 + k % 3, (1, 40, 64, 90, 127)[k % 5]) for k in range(40)),
                tempo_bpm=480)
EXTREMES = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0x8001, 0xFFFF)
# the generators the sampler reads: sample offsets, filter, pan, envelope, key and velocity, tuning
PLAYED = (0, 1, 2, 3, 4, 8, 11, 12, 17, 29, 33, 34, 35, 36, 37, 38, 39, 40, 43, 44, 45, 46, 47, 48, 50, 51, 52, 54,
          56, 58)


def chunks(data: bytes, start: int, end: int):
    at = start
    while at + 8 <= end:
        cid = data[at:at + 4].decode("latin-1")
        size, = struct.unpack_from("<I", data, at + 4)
        yield cid, at, at + 8, min(end, at + 8 + size)
        at += 8 + size + (size & 1)


def tables(data: bytes) -> dict[str, tuple[int, int, int]]:
    """Where each chunk of the file lies: id -> (header, body start, body end)."""
    found = {}
    for cid, head, body, end in chunks(data, 12, len(data)):
        found[cid] = (head, body, end)
        if cid == "LIST":
            kind = data[body:body + 4].decode("latin-1")
            found[kind] = (head, body + 4, end)
            for inner, ihead, ibody, iend in chunks(data, body + 4, end):
                found[inner] = (ihead, ibody, iend)
    return found


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One damaged copy of ``data`` and a few words saying how it was damaged."""
    buf = bytearray(data)
    where = tables(data)
    kind = rng.choice(["generator", "amount", "played", "played", "played", "played", "index", "sample", "sample",
                       "sample", "size", "bytes",
                       "truncate", "duplicate"])
    if kind == "played":                                # one of the generators the piano plays, at an extreme
        table = rng.choice(["igen", "pgen"])
        _, body, end = where[table]
        record = body + 4 * rng.randrange((end - body) // 4)
        struct.pack_into("<HH", buf, record, rng.choice(PLAYED), rng.choice(EXTREMES + (rng.randrange(65536),)))
        return f"{table} record {(record - body) // 4}: a generator played", bytes(buf)
    if kind in ("generator", "amount"):                 # a zone's generator: another one, or an extreme amount
        table = rng.choice(["igen", "pgen"])
        _, body, end = where[table]
        record = body + 4 * rng.randrange((end - body) // 4)
        if kind == "generator":
            struct.pack_into("<H", buf, record, rng.choice([rng.randrange(61), rng.randrange(65536)]))
        struct.pack_into("<H", buf, record + 2, rng.choice(EXTREMES + (rng.randrange(65536),)))
        return f"{table} record {(record - body) // 4}: {kind}", bytes(buf)
    if kind == "index":                                 # a bag or a header pointing anywhere
        table = rng.choice(["phdr", "pbag", "inst", "ibag"])
        _, body, end = where[table]
        size = RECORDS[table]
        record = body + size * rng.randrange((end - body) // size)
        field = {"phdr": 24, "inst": 20, "pbag": rng.choice([0, 2]), "ibag": rng.choice([0, 2])}[table]
        struct.pack_into("<H", buf, record + field, rng.choice(EXTREMES + (rng.randrange(65536),)))
        return f"{table} record {(record - body) // size}: index", bytes(buf)
    if kind == "sample":                                # where a sample lies, its loop, rate, key, correction
        _, body, end = where["shdr"]
        record = body + 46 * rng.randrange((end - body) // 46)
        field, fmt = rng.choice([(20, "<I"), (24, "<I"), (28, "<I"), (32, "<I"), (36, "<I"), (40, "<B"), (41, "<b"),
                                 (44, "<H")])
        value = rng.choice([0, 1, 2**31 - 1, 2**32 - 1, rng.randrange(2**32)]) if fmt == "<I" else \
            rng.randrange(-128, 128) if fmt == "<b" else rng.randrange(256) if fmt == "<B" else rng.randrange(65536)
        struct.pack_into(fmt, buf, record + field, value)
        return f"shdr record {(record - body) // 46}: field at {field}", bytes(buf)
    if kind == "size":                                  # a chunk that says it is bigger or smaller
        cid = rng.choice([c for c in where if c not in ("sfbk",)])
        head = where[cid][0]
        struct.pack_into("<I", buf, head + 4, rng.choice([0, 1, 3, 2**31, 2**32 - 1, rng.randrange(2**24)]))
        return f"size of {cid}", bytes(buf)
    if kind == "bytes":                                 # a few bytes anywhere in the tables
        _, body, end = where["pdta"]
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(body, end)] = rng.randrange(256)
        return "bytes in pdta", bytes(buf)
    if kind == "duplicate":                             # every zone of a table pointed at one generator list
        table = rng.choice(["pbag", "ibag"])
        _, body, end = where[table]
        for record in range(body, end - 4, 4):
            struct.pack_into("<H", buf, record, 0)
        return f"{table}: every zone the same", bytes(buf)
    cut = rng.randrange(len(buf)) if rng.random() < 0.5 else rng.randrange(where["pdta"][1], len(buf))
    return f"truncated at {cut}", bytes(buf[:cut])


def play(path: Path) -> str:
    """Load the SoundFont at ``path`` as the piano and render ``PHRASE``: 'played', or the refusal."""
    from engine.sound.sampler import Sampler
    from engine.sound.soundfont import read_soundfont
    try:
        sampler = Sampler(read_soundfont(path))
        sampler.render(PHRASE)
    except MusicFileError as err:
        return f"refused: {err.problem}"
    return "played"


def cases(count: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """``count`` damaged copies of the piano, one at a time: (how, bytes)."""
    rng = random.Random(seed)
    data = PIANO.read_bytes()
    for _ in range(count):
        yield mutate(data, rng)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit-s", type=float, default=20.0)
    parser.add_argument("--folder", default="/tmp", help="where the damaged copy is written")
    args = parser.parse_args()
    outcomes: collections.Counter = collections.Counter()
    bad, slowest = [], (0.0, "")
    path = Path(args.folder) / f"fuzz-{args.seed}.sf2"
    highest = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for number, (how, data) in enumerate(cases(args.cases, args.seed)):
        path.write_bytes(data)
        started = time.perf_counter()
        try:
            said = play(path)
        except Exception as err:
            said = f"RAISED {type(err).__name__}"
            bad.append(f"case {number} ({how}): {type(err).__name__}: {err}\n{traceback.format_exc(limit=3)}")
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if peak > highest + 100:
            print(f"case {number} ({how}): the peak memory rose to {peak:.0f} MB", flush=True)
        highest = max(highest, peak)
        if seconds > args.limit_s:
            bad.append(f"case {number} ({how}): {seconds:.1f} s")
        slowest = max(slowest, (seconds, f"case {number} ({how})"))
        outcomes[said.split(" (")[0][:70]] += 1
    path.unlink(missing_ok=True)
    for said, n in outcomes.most_common():
        print(f"{n:5d}  {said}")
    print(f"slowest: {slowest[1]} {slowest[0]:.2f} s; peak memory "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    for line in bad:
        print("BAD", line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
