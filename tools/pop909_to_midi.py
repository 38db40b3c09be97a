"""POP909's songs as MIDI files that ``python main.py train`` reads, bars where the beats put them.

    python tools/pop909_to_midi.py ../shared/data/pop909 runs/pop909-midi
    python main.py train --data runs/pop909-midi/train.txt --valid runs/pop909-midi/valid.txt ...

Each song's MELODY, BRIDGE and PIANO tracks become one piano part (``engine.files.pop909.read_song``),
in the metre the beats say (4/4 or 3/4), moved by less than a bar so that most of the downbeats of
``beat_midi.txt`` fall on bar lines. ``read_song`` puts the first downbeat on one; but an intro
often has an odd bar (a 2/4 bar, a pickup counted as a bar), after which every later downbeat
would lie a beat or two off the bar line: in 31 songs of a sample a quarter of the downbeats after
the first missed the bar lines. Here the bars are placed where most downbeats are (the commonest
place of a downbeat within the bar, to the sixteenth). A song whose bars shift midway (a bar of
2/4 in the middle) keeps its bar lines right up to the shift only on the larger side: one metre,
one phase, is all a phrase holds.

The file keeps one tempo, the song's first: the model reads the grid, not the seconds, and a
tempo map would only disagree with the moved notes.

The songs are split as ``benchmarks/chord_recognition.py`` splits them (``split_songs``: 10% held
back, seed 909), so the validation songs never reach training: ``train.txt`` and ``valid.txt``
list the files of each side, and ``provenance.json`` says where every file came from, how far it
was moved and under what licence. A song that cannot be read is listed there with the reason.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.errors import MusicFileError  # noqa: E402
from engine.files.midi import write_midi  # noqa: E402
from engine.files.pop909 import Song, read_song, song_folders, split_songs  # noqa: E402
from engine.music.phrase import FINE_STEPS_PER_QUARTER, Phrase  # noqa: E402

SEED = 909                      # benchmarks/chord_recognition.py's split
FRACTION = 0.1
CREDIT = ("POP909: Wang, Chen, Jiang, Zhang, Xu, Dai, Bin, Xia, \"POP909: A Pop-song Dataset for Music "
          "Arrangement Generation\", ISMIR 2020; MIT licence")


SIXTEENTH = FINE_STEPS_PER_QUARTER // 4


def bar_shift(song: Song) -> int:
    """Fine steps to move the song (``read_song`` on the fine grid) by so that the most downbeats
    fall on bar lines: the commonest place of a downbeat within the bar, to the nearest sixteenth,
    taken back to the bar line (or forward, when a note would go before the start)."""
    bar = song.phrase.steps_per_bar
    places = Counter(round(d % bar / SIXTEENTH) * SIXTEENTH % bar for d in song.downbeats)
    if not places:
        return 0
    place = max(sorted(places), key=lambda p: places[p])          # the earliest of equally common places
    first = min((n.start for n in song.phrase.notes), default=0)
    return -place if first >= place else bar - place if place else 0


def aligned(song: Song) -> tuple[Phrase, int]:
    """The song's phrase on the fine grid, its bars where most downbeats are, with one tempo (its
    first) and its key signatures kept; and how many fine steps it was moved by (``bar_shift``)."""
    shift = bar_shift(song)
    phrase = song.phrase
    notes = tuple(replace(n, start=n.start + shift) for n in phrase.notes)
    keys = tuple((max(0, step + shift), key) for step, key in phrase.key_signatures)
    return replace(phrase, notes=notes, end=max(0, phrase.end + shift), tempo_changes=(), key_signatures=keys), shift


def on_bar_lines(downbeats, shift: int, bar: int) -> float:
    """The share of downbeats on a bar line (to the sixteenth) once moved by ``shift`` fine steps."""
    near = [min((d + shift) % bar, bar - (d + shift) % bar) < SIXTEENTH / 2 for d in downbeats]
    return sum(near) / len(near) if near else 1.0


def convert_song(job: tuple[Path, Path]) -> tuple[str, dict, str | None]:
    """Write one song folder's music into the out folder as ``NNN.mid``: (name, where it came from
    and how it was moved, None), or (name, {}, the problem) when it cannot be read."""
    folder, out = job
    try:
        song = read_song(folder, steps_per_quarter=FINE_STEPS_PER_QUARTER)
        phrase, shift = aligned(song)
        write_midi(phrase, out / f"{folder.name}.mid")
    except MusicFileError as err:
        return folder.name, {}, err.problem
    bar = phrase.steps_per_bar
    return folder.name, {"source": str(folder / f"{folder.name}.mid"),
                         "moved_quarters": (song.offset + shift) / FINE_STEPS_PER_QUARTER,
                         "downbeats_on_bar_lines": round(on_bar_lines(song.downbeats, shift, bar), 3),
                         "first_downbeat_alone": round(on_bar_lines(song.downbeats, 0, bar), 3),
                         "time_signature": list(song.phrase.time_signature),
                         "tempo_bpm": round(song.phrase.tempo_bpm, 2),
                         "tempo_changes_dropped": len(song.phrase.tempo_changes)}, None


def convert(data: Path, out: Path, workers: int = 1) -> dict:
    """Write every song under ``data`` (a POP909 folder) into ``out``: ``NNN.mid``, ``train.txt``,
    ``valid.txt`` and ``provenance.json``, reading the songs in ``workers`` processes. Returns the
    provenance written."""
    folders = song_folders(data)
    if not folders:
        raise SystemExit(f"{data} holds no POP909 song folders (NNN/NNN.mid)")
    training, validation = split_songs([f.name for f in folders], FRACTION, SEED)
    held = set(validation)
    out.mkdir(parents=True, exist_ok=True)
    songs, skipped = {}, {}
    jobs = [(folder, out) for folder in folders]
    with ProcessPoolExecutor(workers) if workers > 1 else nullcontext() as pool:
        for name, entry, problem in (pool.map(convert_song, jobs, chunksize=8) if pool else map(convert_song, jobs)):
            if problem is not None:
                skipped[name] = problem
            else:
                songs[name] = entry | {"split": "valid" if name in held else "train"}
    for side, names in (("train", training), ("valid", validation)):
        listed = [f"{name}.mid" for name in names if name in songs]
        (out / f"{side}.txt").write_text(f"# POP909 {side} songs (split_songs seed {SEED}, {FRACTION:.0%} held back)\n"
                                         + "\n".join(listed) + "\n", encoding="utf-8")
    provenance = {"data": str(data), "credit": CREDIT, "licence": "MIT (resources/pop909-LICENSE.txt)",
                  "split": {"seed": SEED, "fraction": FRACTION, "train": len(training), "valid": len(validation)},
                  "made_by": "tools/pop909_to_midi.py", "songs": songs, "skipped": skipped}
    (out / "provenance.json").write_text(json.dumps(provenance, indent=1), encoding="utf-8")
    return provenance


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="the POP909 folder (NNN/ song folders)")
    parser.add_argument("out", type=Path, help="folder to write the aligned MIDI files into")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes to read the songs in (default: one a core)")
    args = parser.parse_args(argv)
    found = convert(args.data, args.out, max(1, args.workers))
    shares = [song["downbeats_on_bar_lines"] for song in found["songs"].values()]
    firsts = [song["first_downbeat_alone"] for song in found["songs"].values()]
    print(f"{len(found['songs'])} songs written to {args.out} ({found['split']['train']} train, "
          f"{found['split']['valid']} valid); {len(found['skipped'])} skipped; downbeats on bar lines: "
          f"{sum(shares) / max(1, len(shares)):.1%} (with the first downbeat alone on one: "
          f"{sum(firsts) / max(1, len(firsts)):.1%})")
    for name, problem in found["skipped"].items():
        print(f"  {name}: {problem}")


if __name__ == "__main__":
    main()
