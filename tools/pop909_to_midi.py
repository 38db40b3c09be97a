"""POP909's songs as MIDI files that ``python main.py train`` reads, bars where the beats put them.

    python tools/pop909_to_midi.py ../shared/data/pop909 runs/pop909-midi
    python main.py train --data runs/pop909-midi/train.txt --valid runs/pop909-midi/valid.txt ...

Each song's MELODY, BRIDGE and PIANO tracks become one piano part (``engine.files.pop909.read_song``),
moved by less than a bar so that the first downbeat of ``beat_midi.txt`` falls on a bar line, in
the metre the beats say (4/4 or 3/4). The file keeps one tempo, the song's first: the model reads
the grid, not the seconds, and a tempo map would only disagree with the moved notes.

The songs are split as ``benchmarks/chord_recognition.py`` splits them (``split_songs``: 10% held
back, seed 909), so the validation songs never reach training: ``train.txt`` and ``valid.txt``
list the files of each side, and ``provenance.json`` says where every file came from, how far it
was moved and under what licence. A song that cannot be read is listed there with the reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.errors import MusicFileError  # noqa: E402
from engine.files.midi import write_midi  # noqa: E402
from engine.files.pop909 import Song, read_song, song_folders, split_songs  # noqa: E402
from engine.music.phrase import FINE_STEPS_PER_QUARTER  # noqa: E402

SEED = 909                      # benchmarks/chord_recognition.py's split
FRACTION = 0.1
CREDIT = ("POP909: Wang, Chen, Jiang, Zhang, Xu, Dai, Bin, Xia, \"POP909: A Pop-song Dataset for Music "
          "Arrangement Generation\", ISMIR 2020; MIT licence")


def aligned(song: Song):
    """The song's phrase on the fine grid with one tempo (its first) and its key signature kept."""
    return replace(song.phrase, tempo_changes=())


def convert(data: Path, out: Path) -> dict:
    """Write every song under ``data`` (a POP909 folder) into ``out``: ``NNN.mid``, ``train.txt``,
    ``valid.txt`` and ``provenance.json``. Returns the provenance written."""
    folders = song_folders(data)
    if not folders:
        raise SystemExit(f"{data} holds no POP909 song folders (NNN/NNN.mid)")
    training, validation = split_songs([f.name for f in folders], FRACTION, SEED)
    held = set(validation)
    out.mkdir(parents=True, exist_ok=True)
    songs, skipped = {}, {}
    for folder in folders:
        try:
            song = read_song(folder, steps_per_quarter=FINE_STEPS_PER_QUARTER)
            write_midi(aligned(song), out / f"{folder.name}.mid")
        except MusicFileError as err:
            skipped[folder.name] = err.problem
            continue
        songs[folder.name] = {"source": str(folder / f"{folder.name}.mid"),
                              "split": "valid" if folder.name in held else "train",
                              "moved_quarters": song.offset / FINE_STEPS_PER_QUARTER,
                              "time_signature": list(song.phrase.time_signature),
                              "tempo_bpm": round(song.phrase.tempo_bpm, 2),
                              "tempo_changes_dropped": len(song.phrase.tempo_changes)}
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
    args = parser.parse_args(argv)
    found = convert(args.data, args.out)
    print(f"{len(found['songs'])} songs written to {args.out} ({found['split']['train']} train, "
          f"{found['split']['valid']} valid); {len(found['skipped'])} skipped")
    for name, problem in found["skipped"].items():
        print(f"  {name}: {problem}")


if __name__ == "__main__":
    main()
