"""Reading the piano-midi.de collection: Segue's MIDI reader against music21's ``converter.parse``.

    python benchmarks/parse_speed.py [--data ../shared/data/piano-midi] [--json]

Both read the same files one after another in this process (one core, no cache), in one run;
Segue's parallel, cached folder loader (what ``train`` uses) is timed too, cold and warm.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.files.midi import read_midi  # noqa: E402


def timed(job):
    started = time.perf_counter()
    value = job()
    return time.perf_counter() - started, value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "piano-midi"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    files = sorted(p for p in Path(args.data).rglob("*") if p.suffix.lower() in (".mid", ".midi"))
    if not files:
        raise SystemExit(f"no MIDI files under {args.data}")

    def segue():
        return sum(len(read_midi(f).notes) for f in files)

    def music21_parse():
        count = 0
        for f in files:
            count += len(music21.converter.parse(str(f), forceSource=True).flatten().notes)
        return count

    import music21  # noqa: F401  (import time is not counted against music21)
    segue_s, segue_notes = timed(segue)
    m21_s, m21_events = timed(music21_parse)
    with tempfile.TemporaryDirectory() as cache:
        from engine.training.corpus import load_corpus
        cold_s, _ = timed(lambda: load_corpus([args.data], cache_dir=cache))
        warm_s, _ = timed(lambda: load_corpus([args.data], cache_dir=cache))
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "files": len(files),
              "segue_seconds": round(segue_s, 2), "segue_files_per_s": round(len(files) / segue_s, 1),
              "segue_notes": segue_notes,
              "music21_seconds": round(m21_s, 2), "music21_files_per_s": round(len(files) / m21_s, 2),
              "music21_notes_and_chords": m21_events,
              "speed_ratio": round(m21_s / segue_s, 1),
              "segue_folder_loader_cold_seconds": round(cold_s, 2),
              "segue_folder_loader_cached_seconds": round(warm_s, 2)}
    if not args.json:
        print(f"{len(files)} MIDI files, one core: Segue {segue_s:.1f} s ({result['segue_files_per_s']} files/s), "
              f"music21 converter.parse {m21_s:.1f} s ({result['music21_files_per_s']} files/s): "
              f"Segue is {result['speed_ratio']}x faster")
        print(f"Segue's folder loader (all cores): {cold_s:.1f} s cold, {warm_s:.2f} s from its cache")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
