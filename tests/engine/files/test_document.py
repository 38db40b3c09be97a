"""The .segue document: exact round trip, clear errors, atomic saves."""

import json

import pytest

from engine.errors import MusicFileError
from engine.files.document import FORMAT, VERSION, Document, load_document, phrase_to_json, save_document
from engine.music.phrase import Note, Phrase


def sample():
    phrase = Phrase((Note(60, 0, 4, 100), Note(64, 4, 4, 70), Note(67, 8, 8, 90)), tempo_bpm=88,
                    time_signature=(3, 4), end=24)
    return Document(phrase, [False, True, True], {"bars": 8, "temperature": 0.9, "model": "default", "key": "D minor"},
                    [True, False, True])


def test_round_trip(tmp_path):
    doc = sample()
    loaded = load_document(save_document(doc, tmp_path / "song.segue"))
    assert loaded == doc


def test_a_phrase_written_as_json_opens_as_a_document_of_that_phrase(tmp_path):
    phrase = Phrase((Note(67, 8, 8, 90), Note(60, 0, 4, 100)), steps_per_quarter=12, tempo_bpm=88.5,
                    time_signature=(6, 8), end=120, tempo_changes=((24, 60.0),), key_signatures=((0, "F#m"),))
    path = tmp_path / "bare.segue"
    path.write_text(json.dumps({"format": FORMAT, "version": VERSION, **phrase_to_json(phrase)}))
    doc = load_document(path)
    assert doc.phrase == phrase and doc.generated == [False, False] and doc.locked == [False, False]


def test_a_document_from_before_locks_opens_with_nothing_locked(tmp_path):
    path = save_document(sample(), tmp_path / "old.segue")
    data = json.loads(path.read_text())
    data["notes"] = [row[:5] for row in data["notes"]]
    path.write_text(json.dumps(data))
    assert load_document(path).locked == [False, False, False]


def test_a_tempo_map_and_key_signatures_are_kept_and_older_documents_open_without_them(tmp_path):
    doc = sample()
    doc.phrase = Phrase(doc.phrase.notes, tempo_bpm=88, time_signature=(3, 4), end=24,
                        tempo_changes=((12, 72.0),), key_signatures=((0, "D"), (12, "Bm")))
    path = save_document(doc, tmp_path / "map.segue")
    assert load_document(path) == doc
    data = json.loads(path.read_text())
    del data["tempo_changes"], data["key_signatures"]
    path.write_text(json.dumps(data))
    assert load_document(path).phrase == sample().phrase


@pytest.mark.parametrize("content, words", [
    ("", "damaged or truncated"),
    ('{"format": "segue-document", "version": 1, "notes": [[60, 0', "damaged or truncated"),
    ('{"hello": 1}', "not a Segue document"),
    ('{"format": "segue-document", "version": 7}', "version 7"),
    ('{"format": "segue-document", "version": 1, "notes": [[200, 0, 1, 80]], "grid": {"steps_per_quarter": 4},'
     ' "tempo_bpm": 120, "time_signature": [4, 4]}', "note 1's pitch 200 is outside 0-127"),
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


def test_killing_a_process_while_it_saves_never_leaves_a_broken_document(tmp_path):
    """A real process saves a large document over and over; kill -9 lands at random moments."""
    import os
    import random
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from engine.files.document import load_document
    root = Path(__file__).resolve().parents[3]
    target = tmp_path / "song.segue"
    code = ("import sys; from engine.files.document import Document, save_document\n"
            "from engine.music.phrase import Note, Phrase\n"
            "i = 0\n"
            "while True:\n"
            "    notes = tuple(Note(40 + (k + i) % 40, k, 2) for k in range(20000))\n"
            "    save_document(Document(Phrase(notes), [], {'round': i}), sys.argv[1]); i += 1\n"
            "    print(i, flush=True)\n")
    rng = random.Random(0)
    rounds_seen = set()
    for _attempt in range(6):
        child = subprocess.Popen([sys.executable, "-c", code, str(target)], cwd=root, stdout=subprocess.PIPE,
                                 text=True, env=dict(os.environ, PYTHONPATH=str(root)))
        if not target.exists():
            child.stdout.readline()                    # the first good save exists
        time.sleep(rng.uniform(0.05, 0.6))
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        doc = load_document(target)                    # raises if the file were torn
        assert len(doc.phrase.notes) == 20000
        rounds_seen.add(doc.settings["round"])
    assert not [p for p in tmp_path.iterdir() if p != target and p.suffix == ".segue"]


def test_saved_files_get_ordinary_permissions_not_the_temporary_files_private_ones(tmp_path):
    import os
    import stat

    from engine import atomic
    from engine.atomic import atomic_write
    umask = os.umask(0o022)
    atomic._UMASK = None
    try:
        atomic_write(tmp_path / "new.mid", b"x")
        assert stat.S_IMODE((tmp_path / "new.mid").stat().st_mode) == 0o644
        os.chmod(tmp_path / "new.mid", 0o664)
        atomic_write(tmp_path / "new.mid", b"y")                 # replacing keeps what the user set
        assert stat.S_IMODE((tmp_path / "new.mid").stat().st_mode) == 0o664
    finally:
        os.umask(umask)
        atomic._UMASK = None


def test_a_pipe_named_like_a_document_is_refused_without_waiting(tmp_path):
    import os

    from engine.errors import MusicFileError
    from engine.files.document import load_document
    fifo = tmp_path / "x.segue"
    os.mkfifo(fifo)
    with pytest.raises(MusicFileError, match="pipe or a device"):
        load_document(fifo)                        # before, the open waited for a writer for ever


def test_chords_set_are_saved_and_a_damaged_chord_is_refused_naming_it(tmp_path):
    import json
    import re

    from engine.errors import MusicFileError
    from engine.files.document import Document, load_document, save_document
    from engine.music.phrase import Note, Phrase
    phrase = Phrase((Note(60, 0, 480),), steps_per_quarter=480, chords=((0, 1920, "Bbmaj7"), (1920, 3840, "F/A")))
    path = save_document(Document(phrase, [False], {}), tmp_path / "chart.segue")
    assert load_document(path).phrase == phrase
    data = json.loads(path.read_text())
    for chords, problem in (([[0, 960, "H7"]], "chord 1: 'H7' is not a chord name"),
                            ([[0, 960, "C"], [480, 1920, "G"]], "chord 2 begins before chord 1 ends"),
                            ([[960, 960, "C"]], "chord 1's end 960 is outside"),
                            ([[0, 960]], "chord 1 must be [start, end, name]")):
        path.write_text(json.dumps({**data, "chords": chords}))
        with pytest.raises(MusicFileError, match=re.escape(problem)):
            load_document(path)
