"""tools/pop909_to_midi.py: POP909 songs as MIDI files with their bars where most downbeats are."""

import importlib.util
import json
import sys
from pathlib import Path

from engine.files.pop909 import Song
from engine.files.reading import read_music
from engine.music.phrase import FINE_STEPS_PER_QUARTER, Note, Phrase

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("pop909_to_midi", ROOT / "tools" / "pop909_to_midi.py")
tool = importlib.util.module_from_spec(spec)
sys.modules["pop909_to_midi"] = tool
spec.loader.exec_module(tool)

Q = FINE_STEPS_PER_QUARTER
BAR = 4 * Q


def song(downbeats, first_note=0) -> Song:
    notes = tuple(Note(60, first_note + i * Q, Q) for i in range(64))
    phrase = Phrase(notes, steps_per_quarter=Q, time_signature=(4, 4))
    return Song("000", phrase, (), tuple(downbeats), (), (), (), (), None, 0)


def test_bars_follow_most_downbeats_not_an_odd_first_bar():
    # a 2/4 bar after the first downbeat: every later downbeat lies two beats past a bar line
    later = [BAR + 2 * Q + k * BAR for k in range(10)]
    found = song([0, *later], first_note=4 * Q)
    assert tool.on_bar_lines(found.downbeats, 0, BAR) == 1 / 11
    phrase, shift = tool.aligned(found)
    assert shift == -2 * Q
    assert tool.on_bar_lines(found.downbeats, shift, BAR) == 10 / 11
    assert phrase.notes[0].start == 2 * Q and phrase.tempo_changes == ()


def test_a_shift_that_would_put_notes_before_the_start_goes_forward_instead():
    found = song([Q + k * BAR for k in range(8)], first_note=0)
    _, shift = tool.aligned(found)
    assert shift == 3 * Q


def test_a_song_already_on_its_bar_lines_stays_put_and_downbeats_a_little_off_count_as_on():
    found = song([k * BAR + (7 if k % 2 else -5) for k in range(1, 9)])
    assert tool.aligned(found)[1] == 0
    assert tool.on_bar_lines(found.downbeats, 0, BAR) == 1.0


def test_the_split_is_the_chord_benchmark_s():
    spec = importlib.util.spec_from_file_location("chord_recognition", ROOT / "benchmarks" / "chord_recognition.py")
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    assert (tool.SEED, tool.FRACTION) == (benchmark.SEED, benchmark.FRACTION)


def test_converting_lists_each_side_and_says_where_each_file_came_from(pop909, tmp_path):
    from engine.files.pop909 import song_folders, split_songs

    data = tmp_path / "pop909"
    data.mkdir()
    names = [f.name for f in song_folders(pop909)]
    _, held = split_songs(names, 0.1, 909)
    chosen = [held[0], next(n for n in names if n not in held)]
    for name in chosen:
        (data / name).symlink_to(pop909 / name)
    out = tmp_path / "out"
    provenance = tool.convert(data, out)
    listed = {side: [line for line in (out / f"{side}.txt").read_text().splitlines() if not line.startswith("#")]
              for side in ("train", "valid")}
    kept, valid = split_songs(chosen, tool.FRACTION, tool.SEED)      # drawn over the folder given
    assert listed == {"train": [f"{n}.mid" for n in kept], "valid": [f"{n}.mid" for n in valid]}
    assert json.loads((out / "provenance.json").read_text()) == json.loads(json.dumps(provenance))
    for name in chosen:
        entry = provenance["songs"][name]
        assert entry["source"].endswith(f"{name}/{name}.mid") and entry["downbeats_on_bar_lines"] >= 0.5
        phrase = read_music(out / f"{name}.mid", steps_per_quarter=4)
        assert phrase.time_signature == tuple(entry["time_signature"]) and phrase.tempo_changes == ()
