"""Learn the chord progressions Suggest Chords draws from: ``python resources/progressions/make_progressions.py``.

Counts, per key mode, how often each chord (by its place in the key: ``engine.music.progressions``)
follows each other one from a bar's first half to its second and across the bar line, in

- POP909's chord annotations (MIT licence; the training songs of ``split_songs(names, 0.1, seed=909)``
  only, so the validation songs the chord benchmarks use stay unseen), in their annotated keys,
  songs in 4/4 (half bars of two beats);
- the chords ``estimate_chords`` hears (one a half bar) in the piano-midi.de collection (CC BY-SA 3.0 DE),
  pieces in an even metre, in the key ``estimate_key`` hears in each 8 bars.

Slash chords count as their chord; N and unreadable spans break a progression. The counts and
where they came from are written to ``progressions.json`` beside this script.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from engine.errors import MusicFileError  # noqa: E402
from engine.files.pop909 import read_song, song_folders, split_songs  # noqa: E402
from engine.files.reading import read_music  # noqa: E402
from engine.music.harmony import estimate_chords  # noqa: E402
from engine.music.keys import estimate_key  # noqa: E402
from engine.music.phrase import trim  # noqa: E402
from engine.music.progressions import degree_name  # noqa: E402

POP909 = ROOT.parent / "shared" / "data" / "pop909"
PIANO_MIDI = ROOT.parent / "shared" / "data" / "piano-midi"
GRID = 4


def empty() -> dict:
    return {"seen": Counter(), "within": defaultdict(Counter), "across": defaultdict(Counter)}


def count(tables: dict, slots) -> None:
    """Add a run of (chord or None, key or None, begins a bar) slots to the tables of each mode."""
    previous = None
    for chord, key, begins in slots:
        if chord is None or key is None or not chord.is_chord:
            previous = None
            continue
        name, mode = degree_name(chord.without_bass(), key), ("minor" if key.minor else "major")
        tables[mode]["seen"][name] += 1
        if previous is not None and previous[1] == mode:
            tables[mode]["across" if begins else "within"][previous[0]][name] += 1
        previous = (name, mode)


def covering(spans, a: int, b: int):
    """The chord of ``spans`` (start, end, chord) that covers most of a..b (None if none does)."""
    best, most = None, 0
    for s, e, chord in spans:
        overlap = min(e, b) - max(s, a)
        if overlap > most:
            best, most = chord, overlap
    return best


def pop909_slots(folder: Path):
    song = read_song(folder, GRID)
    bar = song.phrase.steps_per_bar
    if song.phrase.time_signature != (4, 4):
        return []
    half = bar // 2
    keys = [(s, e, k) for s, e, k in song.keys]
    slots = []
    for a in range(song.downbeats[0], song.phrase.length - half + 1, half):
        key = covering(keys, a, a + half) or song.key
        slots.append((covering(song.chords, a, a + half), key, (a - song.downbeats[0]) % bar == 0))
    return slots


def piano_slots(path: Path):
    phrase = read_music(path, GRID)
    bar = phrase.steps_per_bar
    if phrase.time_signature[0] % 2 or not phrase.notes:
        return []
    half = bar // 2
    window = 8 * bar
    keys = [(s, s + window, estimate_key(trim(phrase, s, s + window)))
            for s in range(0, phrase.length, window)]
    chords = estimate_chords(phrase, "half bar")
    return [(covering(chords, a, a + half), covering(keys, a, a + half), a % bar == 0)
            for a in range(0, phrase.length - half + 1, half)]


def main() -> None:
    began = time.time()
    tables = {"major": empty(), "minor": empty()}
    folders = {f.name: f for f in song_folders(POP909)}
    training, held = split_songs(folders)
    songs = 0
    for name in training:
        try:
            slots = pop909_slots(folders[name])
        except MusicFileError as err:
            print(f"skipped {name}: {err}", file=sys.stderr)
            continue
        songs += bool(slots)
        count(tables, slots)
    pop_seen = {mode: sum(t["seen"].values()) for mode, t in tables.items()}
    pieces = 0
    for path in sorted(PIANO_MIDI.rglob("*.mid")):
        try:
            slots = piano_slots(path)
        except MusicFileError as err:
            print(f"skipped {path.name}: {err}", file=sys.stderr)
            continue
        pieces += bool(slots)
        count(tables, slots)
    out = {
        "provenance": {
            "made_by": "resources/progressions/make_progressions.py",
            "pop909": f"{songs} songs in 4/4 of POP909's {len(training)} training songs (split_songs(names, 0.1, "
                      f"seed=909); the {len(held)} validation songs left out), annotated chords and keys; "
                      "POP909, Wang et al., ISMIR 2020, MIT licence (resources/pop909-LICENSE.txt)",
            "piano_midi": f"{pieces} pieces in an even metre of piano-midi.de (Bernd Krueger, CC BY-SA 3.0 DE), "
                          "chords heard by engine.music.harmony.estimate_chords, keys by estimate_key per 8 bars",
            "half_bars_counted": {mode: sum(t["seen"].values()) for mode, t in tables.items()},
            "half_bars_from_pop909": pop_seen,
        },
        **{mode: {"seen": dict(t["seen"].most_common()),
                  "within": {a: dict(row.most_common()) for a, row in sorted(t["within"].items())},
                  "across": {a: dict(row.most_common()) for a, row in sorted(t["across"].items())}}
           for mode, t in tables.items()},
    }
    (HERE / "progressions.json").write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(json.dumps(out["provenance"], indent=1))
    print(f"{time.time() - began:.0f} s")


if __name__ == "__main__":
    main()
