"""The .segue document: exact round trip, clear errors, atomic saves."""

import json

import pytest

from engine.document import Document, load_document, save_document
from engine.errors import MusicFileError
from engine.phrase import Note, Phrase


def sample():
    phrase = Phrase((Note(60, 0, 4, 100), Note(64, 4, 4, 70), Note(67, 8, 8, 90)), tempo_bpm=88,
                    time_signature=(3, 4), end=24)
    return Document(phrase, [False, True, True], {"bars": 8, "temperature": 0.9, "model": "default"})


def test_round_trip(tmp_path):
    doc = sample()
    loaded = load_document(save_document(doc, tmp_path / "song.segue"))
    assert loaded == doc


@pytest.mark.parametrize("content, words", [
    ("", "damaged or truncated"),
    ('{"format": "segue-document", "version": 1, "notes": [[60, 0', "damaged or truncated"),
    ('{"hello": 1}', "not a Segue document"),
    ('{"format": "segue-document", "version": 7}', "version 7"),
    ('{"format": "segue-document", "version": 1, "notes": [[200, 0, 1, 80]], "grid": {"steps_per_quarter": 4},'
     ' "tempo_bpm": 120, "time_signature": [4, 4]}', "notes are damaged"),
])
def test_damaged_documents_say_what_is_wrong(tmp_path, content, words):
    path = tmp_path / "bad.segue"
    path.write_text(content)
    with pytest.raises(MusicFileError, match=words):
        load_document(path)


def test_a_save_interrupted_midway_keeps_the_previous_document(tmp_path, monkeypatch):
    path = save_document(sample(), tmp_path / "song.segue")
    before = path.read_bytes()
    real_write = type(path).write_bytes

    def half_then_disk_full(self, data):
        real_write(self, data[: len(data) // 2])
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(type(path), "write_bytes", half_then_disk_full)
    with pytest.raises(MusicFileError, match="No space left"):
        save_document(sample(), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert json.loads(before)["format"] == "segue-document"
    assert [p.name for p in tmp_path.iterdir()] == ["song.segue"]       # no half-written leftovers
