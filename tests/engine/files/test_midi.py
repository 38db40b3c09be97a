"""MIDI files in and out: real files, odd but valid files, and every kind of broken file."""

import io
import struct

import mido
import pytest

from engine.errors import MusicFileError
from engine.files.midi import phrase_to_bytes, read_midi, write_midi
from engine.music.phrase import Note, Phrase


def midi_bytes(tracks, fmt=1, division=480) -> bytes:
    """A MIDI file from raw track bodies (bytes each)."""
    out = b"MThd" + struct.pack(">IHHH", 6, fmt, len(tracks), division)
    for body in tracks:
        out += b"MTrk" + struct.pack(">I", len(body)) + body
    return out


END_OF_TRACK = b"\x00\xff\x2f\x00"


def write(tmp_path, data: bytes, name="song.mid"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def save(tmp_path, midi: mido.MidiFile, name="song.mid"):
    path = tmp_path / name
    midi.save(str(path))
    return path


def test_round_trip_keeps_notes_tempo_and_metre(tmp_path):
    phrase = Phrase((Note(60, 0, 4, 100), Note(64, 0, 4, 90), Note(67, 4, 12, 70), Note(36, 16, 40, 50)),
                    tempo_bpm=96.0, time_signature=(3, 4), end=60)
    path = write_midi(phrase, tmp_path / "out.mid")
    assert read_midi(path, steps_per_quarter=4) == phrase


def test_real_files_from_the_piano_collection(piano_midi):
    for path in sorted(piano_midi.glob("chopin/*.mid"))[:3]:
        phrase = read_midi(path, steps_per_quarter=4)
        assert len(phrase.notes) > 200
        assert phrase.tempo_bpm > 0
        assert len({n.pitch for n in phrase.notes}) > 20


def test_type_0_with_running_status(tmp_path):
    # note on C, then E with running status (no repeated status byte), then offs as velocity-0 ons
    body = (b"\x00\x90\x3c\x40" + b"\x00\x40\x40" + b"\x83\x60\x3c\x00" + b"\x00\x40\x00" + END_OF_TRACK)
    phrase = read_midi(write(tmp_path, midi_bytes([body], fmt=0)), steps_per_quarter=4)
    assert [(n.pitch, n.start, n.duration, n.velocity) for n in phrase.notes] == [(60, 0, 4, 64), (64, 0, 4, 64)]


def test_many_tracks_are_merged(tmp_path):
    midi = mido.MidiFile(type=1, ticks_per_beat=96)
    for i in range(20):
        track = mido.MidiTrack([mido.Message("note_on", note=40 + i, velocity=80, time=i * 96),
                                mido.Message("note_off", note=40 + i, velocity=0, time=96)])
        midi.tracks.append(track)
    phrase = read_midi(save(tmp_path, midi), steps_per_quarter=4)
    assert [n.pitch for n in phrase.notes] == list(range(40, 60))
    assert phrase.notes[5].start == 20


def test_sustain_pedal_holds_notes_until_release(tmp_path):
    midi = mido.MidiFile(type=0, ticks_per_beat=480)
    midi.tracks.append(mido.MidiTrack([
        mido.Message("control_change", control=64, value=127, time=0),
        mido.Message("note_on", note=60, velocity=80, time=0),
        mido.Message("note_off", note=60, time=240),          # released after an eighth...
        mido.Message("control_change", control=64, value=0, time=1680),   # ...pedal up at beat 4
        mido.Message("note_on", note=62, velocity=80, time=0),
        mido.Message("note_off", note=62, time=480),
    ]))
    phrase = read_midi(save(tmp_path, midi), steps_per_quarter=4)
    assert [(n.pitch, n.start, n.duration) for n in phrase.notes] == [(60, 0, 16), (62, 16, 4)]


def test_drums_are_left_out(tmp_path):
    midi = mido.MidiFile(type=0)
    midi.tracks.append(mido.MidiTrack([
        mido.Message("note_on", channel=9, note=36, velocity=100, time=0),
        mido.Message("note_on", channel=0, note=60, velocity=100, time=0),
        mido.Message("note_off", channel=9, note=36, time=480),
        mido.Message("note_off", channel=0, note=60, time=0),
    ]))
    assert [n.pitch for n in read_midi(save(tmp_path, midi), steps_per_quarter=4).notes] == [60]


def test_smpte_time_division_is_read_through_real_time(tmp_path):
    # 25 frames per second x 40 ticks per frame = 1000 ticks per second; at 120 bpm, 500 per quarter
    division = ((256 - 25) << 8) | 40
    body = b"\x00\x90\x3c\x40" + b"\x83\x74\x80\x3c\x00" + END_OF_TRACK        # 500 ticks later
    phrase = read_midi(write(tmp_path, midi_bytes([body], fmt=0, division=division)), steps_per_quarter=4)
    assert [(n.pitch, n.start, n.duration) for n in phrase.notes] == [(60, 0, 4)]


def test_notes_never_released_end_with_the_music(tmp_path):
    body = b"\x00\x90\x3c\x40" + b"\x00\x90\x40\x40" + b"\x87\x40\x80\x40\x00" + END_OF_TRACK
    phrase = read_midi(write(tmp_path, midi_bytes([body], fmt=0)), steps_per_quarter=4)
    assert {n.pitch: n.duration for n in phrase.notes} == {60: 8, 64: 8}



def test_zero_length_notes_on_the_closing_bar_line_do_not_lengthen_the_music(tmp_path):
    midi = mido.MidiFile(type=0, ticks_per_beat=480)
    midi.tracks.append(mido.MidiTrack([
        mido.Message("note_on", note=48, velocity=80, time=0),
        mido.Message("note_on", note=60, velocity=80, time=0),
        mido.Message("note_off", note=60, time=960),
        mido.Message("note_on", note=62, velocity=80, time=0),
        mido.Message("note_off", note=48, time=960),             # a whole bar of 4/4 ends here...
        mido.Message("note_off", note=62, time=0),
        mido.Message("note_on", note=48, velocity=80, time=0),    # ...with notes of no length on the bar line
        mido.Message("note_off", note=48, time=0),
        mido.Message("note_on", note=67, velocity=80, time=0),
    ]))
    phrase = read_midi(save(tmp_path, midi), steps_per_quarter=4)
    assert phrase.length == 16                                   # Continue starts on the bar line
    assert [(n.pitch, n.start, n.duration) for n in phrase.notes] == [(48, 0, 16), (60, 0, 8), (62, 8, 8)]


def test_a_zero_length_note_inside_the_music_is_kept_as_the_shortest_note(tmp_path):
    midi = mido.MidiFile(type=0, ticks_per_beat=480)
    midi.tracks.append(mido.MidiTrack([
        mido.Message("note_on", note=48, velocity=80, time=0),
        mido.Message("note_on", note=72, velocity=80, time=480),
        mido.Message("note_off", note=72, time=0),
        mido.Message("note_off", note=48, time=1440),
    ]))
    phrase = read_midi(save(tmp_path, midi), steps_per_quarter=4)
    assert [(n.pitch, n.start, n.duration) for n in phrase.notes] == [(48, 0, 16), (72, 4, 1)]
    assert phrase.length == 16



def tempo_map_file(tmp_path, name="map.mid"):
    """Four bars of 4/4 in E-flat major at 100 bpm, slowing to 80 in bar 2, C minor from bar 3,
    132 bpm in bar 4: the meta messages in a tempo track, the notes in a track of their own."""
    midi = mido.MidiFile(type=1, ticks_per_beat=480)
    midi.tracks.append(mido.MidiTrack([
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(100), time=0),
        mido.MetaMessage("key_signature", key="Eb", time=0),
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(80), time=1920),
        mido.MetaMessage("key_signature", key="Cm", time=1920),
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(132), time=1920),
    ]))
    notes = mido.MidiTrack()
    for bar in range(4):
        notes += [mido.Message("note_on", note=63 - bar, velocity=80, time=0),
                  mido.Message("note_off", note=63 - bar, time=1920)]
    midi.tracks.append(notes)
    return save(tmp_path, midi, name)


def tempo_and_keys(path):
    """(tick, what) of every tempo and key signature in a MIDI file, read with mido."""
    found = []
    for track in mido.MidiFile(str(path)).tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "set_tempo":
                found.append((tick, round(mido.tempo2bpm(msg.tempo), 3)))
            elif msg.type == "key_signature":
                found.append((tick, msg.key))
    return sorted(found, key=str)


def test_a_tempo_map_and_key_signatures_survive_reading_and_export(tmp_path):
    phrase = read_midi(tempo_map_file(tmp_path), steps_per_quarter=4)
    assert phrase.tempo_bpm == 100 and phrase.tempo_changes == ((16, 80.0), (48, 132.0))
    assert phrase.key_signatures == ((0, "Eb"), (32, "Cm"))
    exported = write_midi(phrase, tmp_path / "exported.mid")
    assert tempo_and_keys(exported) == tempo_and_keys(tmp_path / "map.mid") == \
        sorted([(0, 100.0), (0, "Eb"), (1920, 80.0), (3840, "Cm"), (5760, 132.0)], key=str)
    assert read_midi(exported, steps_per_quarter=4) == phrase


BROKEN = {
    "empty": (b"", "empty"),
    "text named .mid": (b"Hello, this is not music at all.\n" * 4, "not a MIDI file"),
    "random bytes": (bytes((i * 97 + 13) % 256 for i in range(2000)), "not a MIDI file"),
    "truncated header": (b"MThd\x00\x00\x00\x06\x00", "truncated"),
    "absurd header length": (b"MThd\x7f\xff\xff\xff" + b"\x00" * 20, "impossible length"),
    "zero division": (midi_bytes([END_OF_TRACK], division=0), "0 ticks"),
    "no tracks": (b"MThd" + struct.pack(">IHHH", 6, 1, 0, 480), "no tracks"),
    "truncated track": (midi_bytes([b"\x00\x90\x3c\x40" * 50])[:-60], "truncated"),
    "absurd track length": (b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk\x7f\xff\xff\xff\x00\x90",
                            "truncated"),
    "no notes": (midi_bytes([b"\x00\xff\x51\x03\x07\xa1\x20" + END_OF_TRACK]), "has no notes"),
    "drums only": (midi_bytes([b"\x00\x99\x24\x64\x60\x89\x24\x00" + END_OF_TRACK]), "only drums"),
    "zero tempo": (midi_bytes([b"\x00\xff\x51\x03\x00\x00\x00\x00\x90\x3c\x40\x60\x80\x3c\x00" + END_OF_TRACK]),
                   "tempo of zero"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_files_get_one_clear_message(tmp_path, case):
    data, words = BROKEN[case]
    with pytest.raises(MusicFileError) as err:
        read_midi(write(tmp_path, data, name="broken.mid"))
    assert str(err.value).startswith("broken.mid: ")
    assert words in str(err.value)


def test_a_huge_delta_time_is_refused_quickly(tmp_path):
    # a note-off 0x0FFFFFFF ticks later: about 155 hours at 120 bpm
    body = b"\x00\x90\x3c\x40" + b"\xff\xff\xff\x7f\x80\x3c\x00" + END_OF_TRACK
    with pytest.raises(MusicFileError, match="four hours"):
        read_midi(write(tmp_path, midi_bytes([body], fmt=0)))


def test_thousands_of_stacked_notes_read_without_trouble(tmp_path):
    body = b"".join(b"\x00\x90" + bytes([p % 128, 64]) for p in range(5000)) + b"\x60\xb0\x7b\x00" + END_OF_TRACK
    phrase = read_midi(write(tmp_path, midi_bytes([body], fmt=0)), steps_per_quarter=4)
    assert len(phrase.notes) == 128                 # one key can sound once at a time


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(MusicFileError, match="does not exist"):
        read_midi(tmp_path / "nothing.mid")
    with pytest.raises(MusicFileError, match="folder"):
        read_midi(tmp_path)


def test_export_is_a_standard_type_1_file(tmp_path):
    midi = mido.MidiFile(file=io.BytesIO(phrase_to_bytes(Phrase((Note(60, 0, 4),), tempo_bpm=90,
                                                                time_signature=(6, 8)))))
    assert midi.type == 1 and midi.ticks_per_beat == 480
    metas = {m.type: m for m in midi.tracks[0] if m.is_meta}
    assert round(mido.tempo2bpm(metas["set_tempo"].tempo)) == 90
    assert (metas["time_signature"].numerator, metas["time_signature"].denominator) == (6, 8)


def test_an_interrupted_export_leaves_the_old_file(tmp_path, monkeypatch):
    path = write_midi(Phrase((Note(60, 0, 4),)), tmp_path / "keep.mid")
    before = path.read_bytes()
    monkeypatch.setattr("engine.files.midi.atomic_path", _exploding_atomic_path)
    with pytest.raises(RuntimeError):
        write_midi(Phrase((Note(72, 0, 4),)), path)
    assert path.read_bytes() == before


def _exploding_atomic_path(path):
    from engine.atomic import atomic_path

    class Boom:
        def __enter__(self):
            self.inner = atomic_path(path)
            tmp = self.inner.__enter__()
            tmp.write_bytes(b"MThd half")
            raise_now = RuntimeError("power cut")
            self.inner.__exit__(RuntimeError, raise_now, None)
            raise raise_now

        def __exit__(self, *exc):
            return False
    return Boom()


def test_triplets_grace_notes_32nds_and_free_timing_are_read_where_the_file_has_them(tmp_path):
    from tests.passages import TICKS, triplets_and_graces, write_ticks
    played = triplets_and_graces()
    phrase = read_midi(write_ticks(tmp_path / "played.mid", played))
    assert phrase.steps_per_quarter == TICKS
    assert sorted((n.pitch, n.start, n.end) for n in phrase.notes) == sorted(played)


def test_a_file_at_another_resolution_is_read_within_a_480th_of_a_quarter(tmp_path):
    from tests.passages import write_ticks
    played = [(60, 0, 97), (62, 97, 193), (64, 193, 384), (65, 389, 390), (67, 390, 768)]   # 384 a quarter
    phrase = read_midi(write_ticks(tmp_path / "384.mid", played, ticks_per_quarter=384))
    assert len(phrase.notes) == len(played)
    for note, (pitch, on, off) in zip(phrase.notes, played):
        assert note.pitch == pitch
        assert abs(note.start / 480 - on / 384) <= 1 / 960 and abs(note.end / 480 - off / 384) <= 1 / 960


@pytest.mark.parametrize("microseconds", [439_432, 150_000, 5_000_000, 60_000, 454_545])
def test_a_file_s_tempo_is_kept_to_the_microsecond(tmp_path, microseconds):
    """136.54 bpm stays 136.54 (not 137), 400 stays 400, 12 stays 12, and export writes the file's own value."""
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=microseconds),
                            mido.Message("note_on", note=60, velocity=80), mido.Message("note_off", note=60, time=480)])
    midi = mido.MidiFile(type=0, ticks_per_beat=480)
    midi.tracks.append(track)
    midi.save(str(tmp_path / "tempo.mid"))
    phrase = read_midi(tmp_path / "tempo.mid")
    assert abs(phrase.tempo_bpm - 60e6 / microseconds) < 1e-3
    exported = mido.MidiFile(str(write_midi(phrase, tmp_path / "again.mid")))
    assert [m.tempo for m in exported.tracks[0] if m.type == "set_tempo"] == [microseconds]


def test_136_54_bpm_reads_as_136_54():
    from engine.files.midi import _bpm
    assert _bpm(round(60e6 / 136.54)) == 136.54 and _bpm(round(60e6 / 132)) == 132.0


def test_two_voices_on_one_key_are_exported_whole(tmp_path):
    """A unison of two hands: the second note is struck while the first still sounds. On one channel
    the file would end the first note early and the second at the first's end; Segue writes the
    second on channel 2, and both read back whole."""
    phrase = Phrase((Note(48, 0, 1920, 70), Note(48, 960, 240, 90), Note(48, 1200, 240, 60), Note(60, 0, 480)),
                    steps_per_quarter=480)
    path = write_midi(phrase, tmp_path / "unison.mid")
    assert read_midi(path).notes == phrase.notes
    channels = {m.channel for m in mido.MidiFile(str(path)).tracks[1] if m.type == "note_on"}
    assert channels == {0, 1}


def test_chords_set_are_markers_in_a_chords_track_and_read_back(tmp_path):
    phrase = Phrase((Note(60, 0, 1920),), steps_per_quarter=480,
                    chords=((0, 960, "Am7"), (960, 1920, "F/C"), (3840, 5760, "G7")))
    path = write_midi(phrase, tmp_path / "chords.mid")
    assert read_midi(path) == phrase                                   # chords past the notes: the end stays
    track = mido.MidiFile(str(path)).tracks[2]
    assert track.name == "Chords" and [m.text for m in track if m.type == "marker"] == ["Am7", "F/C", "N", "G7", "N"]


def test_markers_of_other_programs_are_not_taken_for_chords(tmp_path):
    midi = mido.MidiFile(type=0, ticks_per_beat=480)
    midi.tracks.append(mido.MidiTrack([mido.MetaMessage("marker", text="A"), mido.Message("note_on", note=60),
                                       mido.MetaMessage("marker", text="B", time=480),
                                       mido.Message("note_off", note=60, time=480)]))
    midi.save(str(tmp_path / "sections.mid"))
    assert read_midi(tmp_path / "sections.mid").chords == ()          # "A" is a section here, not A major
