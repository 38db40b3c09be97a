"""The phrase model keeps what the editor does not show but an export must: the opened file's tempo
map and key signatures."""

import mido

from engine.files.midi import write_midi
from engine.music.phrase import Note, Phrase


def test_exported_midi_keeps_the_tempo_map_and_key_signatures_of_the_file_opened(window, tmp_path):
    song = write_midi(Phrase(tuple(Note(60 + i % 5, 4 * i, 4) for i in range(16)), tempo_bpm=100,
                             tempo_changes=((16, 80.0), (48, 132.0)), key_signatures=((0, "Eb"), (32, "Cm"))),
                      tmp_path / "song.mid")
    assert window.files.open_path(song)
    assert window.files.export_midi(tmp_path / "exported.mid")
    assert window.files.save_to(tmp_path / "doc.segue")
    window.files.new_document()
    assert window.files.open_path(tmp_path / "doc.segue")
    assert window.files.export_midi(tmp_path / "from-document.mid")
    for path in (tmp_path / "exported.mid", tmp_path / "from-document.mid"):
        assert tempo_and_keys(path) == [(0, 100), (0, "Eb"), (1920, 80), (3840, "Cm"), (5760, 132)]


def tempo_and_keys(path):
    """(tick, bpm or key) of every tempo and key signature in a MIDI file, read back with mido."""
    found, tick = [], 0
    for msg in mido.MidiFile(str(path)).tracks[0]:
        tick += msg.time
        if msg.type in ("set_tempo", "key_signature"):
            found.append((tick, msg.key if msg.type == "key_signature" else round(mido.tempo2bpm(msg.tempo))))
    return found
