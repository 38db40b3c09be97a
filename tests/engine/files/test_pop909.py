"""Reading POP909 songs with their beats, bars, chords and keys, and the validation split.

The tests on real songs read ../shared/data/pop909 (the ``pop909`` fixture of tests/conftest.py) and
are skipped on a clone without it; a small song written here checks the reading on every clone.
"""

from pathlib import Path

import pytest

from engine.errors import MusicFileError
from engine.files.midi import write_midi
from engine.files.pop909 import beat_chords, read_song, song_folders, split_songs
from engine.music.chords import Chord, majmin, parse_harte
from engine.music.harmony import estimate_chords
from engine.music.keys import Key
from engine.music.phrase import Note, Phrase


def write_song(folder: Path, notes, beats, chords, keys="0.0\t4.125\tC:maj\n") -> Path:
    """A POP909-like song folder at 120 bpm (a sixteenth is 0.125 s): ``beats`` as (seconds,
    mark every other beat, mark every bar)."""
    folder.mkdir()
    write_midi(Phrase(tuple(Note(*n) for n in notes), tempo_bpm=120.0), folder / f"{folder.name}.mid")
    (folder / "beat_midi.txt").write_text("".join(f"{t} {a:.1f} {b:.1f}\n" for t, a, b in beats))
    (folder / "chord_midi.txt").write_text("".join(f"{a}\t{b}\t{label}\n" for a, b, label in chords))
    (folder / "key_audio.txt").write_text(keys)
    return folder


TWO_BARS = [(0.125 + 0.5 * i, int(i % 2 == 0), int(i % 4 == 0)) for i in range(8)]
C_THEN_G7 = [(48, 1, 16), (52, 1, 16), (55, 1, 16), (41, 17, 16), (55, 17, 16), (59, 17, 16), (62, 17, 16)]


def test_a_song_is_moved_so_that_its_first_downbeat_is_a_bar_line(tmp_path):
    song = read_song(write_song(tmp_path / "001", C_THEN_G7, TWO_BARS,
                                [(0.125, 2.125, "C:maj"), (2.125, 4.125, "G:7/b7"), (4.125, 5.0, "Q:maj")]))
    assert song.name == "001" and song.offset == -1
    assert song.phrase.notes[0] == Note(48, 0, 16, 80) and song.phrase.time_signature == (4, 4)
    assert song.beats == (0, 4, 8, 12, 16, 20, 24, 28) and song.downbeats == (0, 16)
    assert song.chords == ((0, 16, Chord.parse("C")), (16, 32, Chord.parse("G7/F")))
    assert song.labels == ("C:maj", "G:7/b7") and song.unparsed == ("Q:maj",)
    assert song.key == Key.parse("C major") and song.keys == ((0, 32, Key.parse("C major")),)
    assert song.chord_at(20) == Chord.parse("G7/F") and song.chord_at(40) is None
    fine = read_song(tmp_path / "001", steps_per_quarter=12)
    assert fine.beats[:3] == (0, 12, 24) and fine.chords[1][:2] == (48, 96) and fine.offset == -3


def test_a_pickup_moves_the_music_later_rather_than_losing_notes(tmp_path):
    beats = [(0.125 + 0.5 * i, int(i % 2 == 1), int(i % 4 == 1)) for i in range(8)]   # downbeat on beat 2
    song = read_song(write_song(tmp_path / "002", C_THEN_G7, beats, [(0.625, 2.625, "C:maj")]))
    assert song.offset == 11 and song.downbeats == (16, 32) and song.beats[0] == 12
    assert song.phrase.notes[0].start == 12 and song.chords == ((16, 32, Chord.parse("C")),)


def test_three_beats_a_bar_when_the_beats_say_so(tmp_path):
    beats = [(0.125 + 0.5 * i, int(i % 3 == 0), int(i % 6 == 0)) for i in range(6)]
    song = read_song(write_song(tmp_path / "003", C_THEN_G7, beats, [(0.125, 1.625, "C:maj")]))
    assert song.phrase.time_signature == (3, 4) and song.downbeats == (0, 12)


def test_recognised_chords_are_scored_at_the_middle_of_each_beat(tmp_path):
    song = read_song(write_song(tmp_path / "004", C_THEN_G7, TWO_BARS, [(0.125, 2.125, "C:maj"),
                                                                         (2.125, 4.125, "G:7/b7")]))
    pairs = beat_chords(song, estimate_chords(song.phrase))
    assert len(pairs) == 7 and all(reference == estimate for reference, estimate in pairs)


def test_a_broken_song_folder_says_which_file_is_wrong(tmp_path):
    folder = write_song(tmp_path / "005", C_THEN_G7, TWO_BARS, [(0.125, 2.125, "C:maj")])
    (folder / "chord_midi.txt").write_text("0.1 2.1 C:maj\n0.5 C:min\n")
    with pytest.raises(MusicFileError, match="chord_midi.txt: line 2"):
        read_song(folder)
    (folder / "beat_midi.txt").unlink()
    with pytest.raises(MusicFileError, match="beat_midi.txt"):
        read_song(folder)
    with pytest.raises(MusicFileError, match="does not exist"):
        read_song(tmp_path / "006")


def test_the_validation_split_is_fixed_by_its_seed_and_shares_no_song():
    names = [f"{i:03d}" for i in range(1, 850)]
    training, validation = split_songs(names, 0.1, seed=909)
    assert len(validation) == 85 and len(training) == 764 and not set(training) & set(validation)
    assert split_songs(reversed(names), 0.1, seed=909) == (training, validation)
    assert split_songs(names, 0.1, seed=1)[1] != validation
    with pytest.raises(ValueError, match="fraction"):
        split_songs(names, 1.5)


# -- the real songs -------------------------------------------------------------------------------

def test_a_real_song_reads_with_its_beats_bars_chords_and_key(pop909):
    song = read_song(pop909 / "001")
    phrase = song.phrase
    assert phrase.time_signature == (4, 4) and len(phrase.notes) > 1000
    assert min(n.pitch for n in phrase.notes) < 48 and max(n.pitch for n in phrase.notes) > 72   # all tracks
    assert {b - a for a, b in zip(song.beats, song.beats[1:])} == {4}
    assert all(d % phrase.steps_per_bar == 0 for d in song.downbeats)
    assert song.key == Key.parse("Gb major") and not song.unparsed
    assert all(a[1] <= b[0] for a, b in zip(song.chords, song.chords[1:]))
    assert [c.name() for _, _, c in song.chords[3:8]] == ["N", "B", "C#", "Bbm", "Ebm"]
    assert song.chords[4][:2] == (16, 24)


def test_every_chord_label_of_pop909_maps_into_the_vocabulary(pop909):
    labels = {line.split()[2] for folder in song_folders(pop909)
              for line in (folder / "chord_midi.txt").read_text().splitlines() if line.strip()}
    assert len(labels) > 200
    assert all(parse_harte(label) is not None for label in labels)


def test_recognition_agrees_with_the_annotations_of_a_validation_song(pop909):
    first = split_songs(folder.name for folder in song_folders(pop909))[1][0]     # chosen by the split alone
    song = read_song(pop909 / first)
    pairs = [(majmin(r), majmin(e)) for r, e in beat_chords(song, estimate_chords(song.phrase)) if r is not None]
    scored = [(r, e) for r, e in pairs if r is not None]
    assert len(scored) > 100
    assert sum(r == e for r, e in scored) / len(scored) >= 0.7
