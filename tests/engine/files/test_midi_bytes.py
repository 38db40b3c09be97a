"""MIDI bytes read and written in one pass: the same tracks as mido reads, the same bytes as mido
writes, and no message object per note (what made Fill of a 100,000-note piece take a minute)."""

import io
import struct

import mido
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine.files.midi import phrase_to_bytes, read_midi, write_midi
from engine.files.midi_bytes import Unusual, read_tracks, tracks_of, variable_int
from engine.music.phrase import Note, Phrase
from tests.engine.files.test_fuzz_midi import EDITS, SOURCES, mutate


def midi_file(*tracks: bytes, fmt: int = 1) -> bytes:
    return (b"MThd" + struct.pack(">IHHH", 6, fmt, len(tracks), 480)
            + b"".join(b"MTrk" + struct.pack(">I", len(t)) + t for t in tracks))


def many_notes(count: int) -> bytes:
    """A track of ``count`` notes in running status, one an eighth after another (each 7 bytes
    from the second on, the first 8)."""
    events = b"\x00\x90" + b"\x00".join(bytes([40 + i % 40, 70, 0x81, 0x70, 40 + i % 40, 0]) for i in range(count))
    return midi_file(events + b"\x00\xff\x2f\x00")


def by_mido(data: bytes):
    return tracks_of(mido.MidiFile(file=io.BytesIO(data), clip=True))


def test_real_pieces_read_as_mido_reads_them(piano_midi):
    for source in SOURCES:
        data = (piano_midi / source).read_bytes()
        assert read_tracks(data) == by_mido(data), source


def test_a_header_shorter_than_six_bytes_is_left_to_mido():
    track = b"\x00\x90\x3c\x40\x60\x80\x3c\x00\x00\xff\x2f\x00"
    for size in (0, 4):
        header = b"MThd" + struct.pack(">IHHH", size, 1, 1, 480)[:4 + size]
        data = header + b"MTrk" + struct.pack(">I", len(track)) + track
        with pytest.raises(EOFError):
            mido.MidiFile(file=io.BytesIO(data + bytes(14)), clip=True)
        with pytest.raises(Unusual):
            read_tracks(data + bytes(14))


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 3), edits=EDITS)
@example(which=0, edits=[("delete", 7, 0), ("delete", 4, 0), ("delete", 7, 0)])     # the header's size cut to 0
def test_damaged_files_are_left_to_mido_or_read_as_it_reads_them(piano_midi, which, edits):
    data = mutate((piano_midi / SOURCES[which]).read_bytes(), edits)
    if len(data) < 14 or data[:4] != b"MThd":
        return                                       # read_midi refuses these before either reader
    try:
        midi = mido.MidiFile(file=io.BytesIO(data), clip=True)
    except Exception:
        with pytest.raises(Unusual):               # what mido refuses is never read here
            read_tracks(data)
        return
    if any(msg.type == "unknown_meta" for track in midi.tracks for msg in track):
        return                                       # mido drops those events' time (see below)
    try:
        tracks = read_tracks(data)
    except Unusual:
        return                                       # mido's reader decides: allowed
    assert tracks == tracks_of(midi)


def test_reading_builds_no_message_per_note(tmp_path, monkeypatch):
    path = tmp_path / "long.mid"
    path.write_bytes(many_notes(2_000))
    built = []
    real = mido.midifiles.midifiles.read_message
    monkeypatch.setattr(mido.midifiles.midifiles, "read_message", lambda *a, **k: built.append(1) or real(*a, **k))
    phrase = read_midi(path)
    assert len(phrase.notes) == 2_000 and phrase.notes[-1].start == 1_999 * 240
    assert built == []


def test_a_damaged_file_is_still_refused_by_mido_s_reader(tmp_path):
    data = bytearray(many_notes(50))
    data[22 + 8 + 7 * 19 + 1] = 0xF4                 # an undefined status byte for the 21st note
    path = tmp_path / "damaged.mid"
    path.write_bytes(bytes(data))
    with pytest.raises(Unusual):
        read_tracks(bytes(data))
    with pytest.raises(Exception, match="damaged.*undefined status byte 0xf4"):
        read_midi(path)


def test_an_unknown_meta_event_keeps_its_time(tmp_path):
    # mido's reader drops the time of a meta event it does not know; the file says the note comes a
    # quarter later
    track = b"\x83\x60\xff\x7c\x01\x00" + b"\x00\x90\x3c\x40\x83\x60\x80\x3c\x00\x00\xff\x2f\x00"
    (tmp_path / "x.mid").write_bytes(midi_file(track))
    assert read_midi(tmp_path / "x.mid").notes == (Note(60, 480, 480, 64),)
    assert [(tick, kind) for tick, kind, *_ in by_mido(midi_file(track))[0].events] == [(0, "on"), (480, "off")]


def test_written_bytes_are_what_mido_writes_and_read_back(tmp_path):
    phrase = Phrase((Note(60, 0, 8), Note(60, 4, 8, 90), Note(64, 8, 4, 30), Note(67, 16, 1)), tempo_bpm=96,
                    time_signature=(3, 4), end=40, tempo_changes=((12, 80.5),), key_signatures=((0, "Eb"), (24, "C")),
                    chords=((0, 12, "Cm"), (24, 36, "G7")))
    data = phrase_to_bytes(phrase)
    again = io.BytesIO()
    mido.MidiFile(file=io.BytesIO(data)).save(file=again)
    assert again.getvalue() == data
    (tmp_path / "x.mid").write_bytes(data)
    assert read_midi(tmp_path / "x.mid", phrase.steps_per_quarter) == phrase


def test_writing_builds_no_message_per_note(tmp_path, monkeypatch):
    built = []
    real = mido.Message.__init__
    monkeypatch.setattr(mido.Message, "__init__", lambda self, *a, **k: built.append(1) or real(self, *a, **k))
    write_midi(Phrase(tuple(Note(40 + i % 40, 2 * i, 2) for i in range(2_000))), tmp_path / "long.mid")
    assert built == []
    monkeypatch.undo()
    assert len(read_midi(tmp_path / "long.mid", 4).notes) == 2_000


@pytest.mark.parametrize("value", [0, 1, 127, 128, 480, 16_383, 16_384, 2**21, 2**28 - 1])
def test_variable_lengths_are_mido_s(value):
    assert list(variable_int(value)) == mido.midifiles.midifiles.encode_variable_int(value)
