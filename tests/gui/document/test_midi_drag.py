"""Drag MIDI out: the tile in the ruler's corner hands a DAW the selection (or the phrase) as a file."""

import os
from pathlib import Path
from typing import ClassVar

import mido
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from engine.files.midi import read_midi
from engine.music.phrase import FINE_STEPS_PER_QUARTER, Note, Phrase
from gui.document import midi_drag

S = FINE_STEPS_PER_QUARTER // 4          # a sixteenth note on the window's own grid

# two notes in each of bars 1-5, a tempo change in bar 3 and a key change in bar 4
PHRASE = Phrase(tuple(Note(60 + bar, bar * 16 + beat * 8, 6) for bar in range(5) for beat in range(2)),
                tempo_bpm=90, tempo_changes=((40, 100.0),), key_signatures=((0, "F"), (48, "C")))


class FakeDrag:
    """A stand-in for QDrag: records what a drag would carry instead of running one."""
    made: ClassVar[list] = []

    def __init__(self, source):
        FakeDrag.made.append(self)

    def setMimeData(self, mime): self.mime = mime
    def setPixmap(self, pixmap): pass
    def setHotSpot(self, point): pass

    def exec(self, actions):
        self.actions = actions
        return Qt.CopyAction


@pytest.fixture
def drags(monkeypatch, tmp_path):
    monkeypatch.setattr(midi_drag, "QDrag", FakeDrag)
    monkeypatch.setattr(midi_drag.tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(midi_drag, "_folder", None)
    FakeDrag.made = []
    yield FakeDrag.made
    midi_drag.remove_drag_folder()


def _drag_the_tile(qtbot, window):
    tile = window.midi_tile
    qtbot.mousePress(tile, Qt.LeftButton, pos=QPoint(10, 10))
    qtbot.mouseMove(tile, QPoint(40, 14))
    qtbot.mouseRelease(tile, Qt.LeftButton, pos=QPoint(40, 14))


def _open(window, tmp_path):
    window.files.set_phrase(PHRASE, tmp_path / "My phrase.segue", "Opened")


def test_the_tile_sits_in_the_rulers_corner(window):
    tile = window.midi_tile
    assert tile.isVisible() and tile.parent() is window.ruler
    assert tile.geometry().topLeft() == QPoint(0, 0) and tile.width() == window.keyboard.width()


def test_dragging_the_tile_carries_the_selected_bars_as_a_midi_file(window, drags, qtbot, tmp_path):
    _open(window, tmp_path)
    chosen = [i for i, n in window.model.items() if 32 * S <= n.start < 64 * S]      # bars 3 and 4
    window.model.select(chosen)
    _drag_the_tile(qtbot, window)
    assert len(drags) == 1 and drags[0].actions == Qt.CopyAction
    urls = drags[0].mime.urls()
    assert drags[0].mime.hasFormat("text/uri-list") and len(urls) == 1 and urls[0].isLocalFile()
    path = Path(urls[0].toLocalFile())
    assert path.name == "My phrase - bars 3-4.mid"
    assert path.parent.parent == midi_drag.drag_folder()
    midi = mido.MidiFile(path)
    notes, now = [], 0
    for msg in mido.merge_tracks(midi.tracks):
        now += msg.time
        if msg.type == "note_on" and msg.velocity:
            notes.append((msg.note, now * 4 // midi.ticks_per_beat))
    expected = sorted((window.model.note(i).pitch, (window.model.note(i).start - 32 * S) // S) for i in chosen)
    assert sorted(notes) == expected
    meta = [m for m in midi.tracks[0] if m.is_meta]
    assert [round(mido.tempo2bpm(m.tempo)) for m in meta if m.type == "set_tempo"] == [90, 100]
    assert [m.key for m in meta if m.type == "key_signature"] == ["F", "C"]
    back = read_midi(path, steps_per_quarter=4)
    assert back.length == 32 and back.key_signatures == ((0, "F"), (16, "C"))      # whole bars, changes in place


def test_without_a_selection_the_whole_phrase_goes_named_after_the_document(window, drags, qtbot, tmp_path):
    _open(window, tmp_path)
    _drag_the_tile(qtbot, window)
    path = Path(drags[0].mime.urls()[0].toLocalFile())
    assert path.name == "My phrase.mid"
    assert read_midi(path, steps_per_quarter=4).notes == PHRASE.notes
    window.model.select([i for i, n in window.model.items() if n.start == 16 * S])
    assert midi_drag.write_drag_file(window.model, window.document.stem("Untitled")).name == "My phrase - bar 2.mid"
    window.files.set_phrase(PHRASE, None, "Seed")
    window.model.select([])
    assert midi_drag.write_drag_file(window.model, window.document.stem("Untitled")).name == "Untitled.mid"


def test_nothing_to_drag_is_a_message(window, drags, qtbot):
    _drag_the_tile(qtbot, window)
    assert not drags and "no notes" in window.statusBar().currentMessage()


def test_dragging_notes_in_the_roll_moves_them_and_exports_nothing(window, drags, qtbot, tmp_path):
    _open(window, tmp_path)
    window.set_tool("select")
    note_id = next(i for i, n in window.model.items() if n.start == 0)
    note = window.model.note(note_id)
    start = window.view.note_rect(note).center().toPoint()
    qtbot.mousePress(window.view.viewport(), Qt.LeftButton, pos=start)
    qtbot.mouseMove(window.view.viewport(), start + QPoint(int(window.view.geo.x(4 * S)), 0))
    qtbot.mouseRelease(window.view.viewport(), Qt.LeftButton, pos=start + QPoint(int(window.view.geo.x(4 * S)), 0))
    assert window.model.note(note_id).start == 4 * S
    assert not drags and not list(midi_drag.drag_folder().iterdir())


def test_the_folder_is_segues_own_and_goes_at_exit_or_after_a_crash(window, drags, tmp_path):
    temp = tmp_path / "tmp"
    stale = temp / f"{midi_drag.PREFIX}999999999-abc"                # left by a session that was killed
    stale.mkdir()
    (stale / "old.mid").write_bytes(b"MThd")
    _open(window, tmp_path)
    path = midi_drag.write_drag_file(window.model, window.document.stem("Untitled"))
    folder = midi_drag.drag_folder()
    assert folder.parent == temp and folder.name.startswith(f"{midi_drag.PREFIX}{os.getpid()}-")
    assert path.is_file() and not stale.exists()
    again = midi_drag.write_drag_file(window.model, window.document.stem("Untitled"))
    assert again != path and path.is_file()                           # a file a DAW took is never rewritten
    midi_drag.remove_drag_folder()
    assert not folder.exists()


def test_the_dragged_file_dropped_back_on_the_window_is_not_opened(window, drags, tmp_path, monkeypatch):
    _open(window, tmp_path)
    path = midi_drag.write_drag_file(window.model, window.document.stem("Untitled"))
    opened = []
    monkeypatch.setattr(window.files, "open_path", lambda p, confirmed=False: opened.append(p))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    enter.ignore()
    window.dragEnterEvent(enter)
    assert not enter.isAccepted()
    window.dropEvent(QDropEvent(QPointF(50, 50), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    assert not opened
    other = tmp_path / "other.mid"
    other.write_bytes(path.read_bytes())
    mime.setUrls([QUrl.fromLocalFile(str(other))])
    window.dropEvent(QDropEvent(QPointF(50, 50), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    assert opened == [str(other)]


def test_the_tile_needs_the_model_and_the_document_not_the_window(qtbot, drags):
    from gui.document.controller import DocumentController
    from gui.document.phrase_model import PhraseModel
    model, document, shown = PhraseModel(), DocumentController(), []
    tile = midi_drag.MidiDragTile(model, document, lambda text, ms=0: shown.append(text))
    qtbot.addWidget(tile)
    tile.start_drag()
    assert shown == ["There are no notes to drag out yet."] and not drags
    model.reset(PHRASE)
    document.set_files(Path("Waltz.segue"))
    tile.start_drag()
    (url,) = drags[0].mime.urls()
    assert Path(url.toLocalFile()).name == "Waltz.mid"
