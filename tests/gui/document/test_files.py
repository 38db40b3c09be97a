"""The window's files: where the dialogs begin, and the title of an opened file."""

import sys
from pathlib import Path

import pytest

import main
from engine.files.midi import write_midi
from engine.music.phrase import Note, Phrase
from gui.document import files


@pytest.fixture
def song(tmp_path):
    folder = tmp_path / "songs"
    folder.mkdir()
    return write_midi(Phrase(tuple(Note(60 + i % 5, 4 * i, 4) for i in range(16))), folder / "song.mid")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A home folder with no Music folder in it (yet)."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return folder


@pytest.fixture
def dialogs(monkeypatch):
    """Stand-in file dialogs: each records the folder or file it was asked to begin at, and answers
    with the next path in ``answers`` (none: the user cancels)."""
    asked, answers = [], []

    def dialog(parent, caption, where, file_filter):
        asked.append(Path(where))
        return (str(answers.pop(0)) if answers else "", "")
    monkeypatch.setattr(files.QFileDialog, "getOpenFileName", dialog)
    monkeypatch.setattr(files.QFileDialog, "getSaveFileName", dialog)
    return asked, answers


def test_dialogs_begin_in_the_music_folder_or_home_then_in_the_folder_last_used(window, home, dialogs, song):
    asked, answers = dialogs
    window.files.open_dialog()
    assert asked[-1] == home                                 # no Music folder: home, not a missing folder
    (home / "Music").mkdir()
    window.files.open_dialog()
    assert asked[-1] == home / "Music"
    answers.append(song)
    window.files.open_dialog()
    assert len(window.model) == 16
    window.files.open_dialog()
    assert asked[-1] == song.parent                          # remembered
    window.files.save_as()
    assert asked[-1] == song.parent / "song.segue"           # named after the file opened
    window.files.export_midi()
    assert asked[-1] == song.parent / "song.mid"
    exports = home / "exports"
    exports.mkdir()
    answers.append(exports / "take.mid")
    assert window.files.export_midi()
    assert files.start_folder() == exports                    # Save and Export are remembered too
    (exports / "take.mid").unlink()
    exports.rmdir()
    assert files.start_folder() == home / "Music"            # a folder since removed: the Music folder


def test_an_opened_file_names_the_window_until_it_is_saved(window, song, tmp_path):
    assert window.files.open_path(song)
    assert window.windowTitle().startswith("Segue — song.mid")
    assert window.files.save_to(tmp_path / "kept.segue")
    assert window.windowTitle().startswith("Segue — kept.segue")
    window.files.new_document()
    assert window.windowTitle().startswith("Segue — Untitled")


def test_a_file_given_on_the_command_line_names_the_window(qtbot, song, tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui import app
    from gui.main_window import MainWindow
    monkeypatch.setenv("SEGUE_DATA_DIR", str(tmp_path / "data"))
    for kind in (QSettings.IniFormat, QSettings.NativeFormat):      # QSettings("Segue", "Segue") is native
        QSettings.setPath(kind, QSettings.UserScope, str(tmp_path / "settings"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(app.theme, "apply", lambda application: None)    # the other tests' look stays
    windows, titles = [], []

    class Window(MainWindow):
        def __init__(self):
            super().__init__()
            windows.append(self)

    def run_until_opened(application):                      # instead of the event loop: until the file is in
        qtbot.waitUntil(lambda: len(windows[0].model) == 16, timeout=10_000)
        titles.append(windows[0].windowTitle())
        qtbot.waitUntil(lambda: windows[0].writing.preload is not None)   # closing waits for it
        return 0
    monkeypatch.setattr(app, "MainWindow", Window)
    monkeypatch.setattr(QApplication, "exec", run_until_opened)
    try:
        assert main.main([str(song)]) == 0
    finally:
        for w in windows:
            w.undo_stack.setClean()
            w.close()
            w.deleteLater()
    assert len(titles) == 1 and titles[0].startswith("Segue — song.mid")


def test_real_music_keeps_every_note_through_the_window(window, piano_midi, tmp_path):
    """Chopin's Prelude 1 (triplets, free timing): opened, saved, reopened, copied and pasted, moved
    and moved back, undone and redone, exported: every note where the file has it."""
    from engine.files.reading import read_music
    original = read_music(piano_midi / "chopin" / "chpn-p1.mid")
    assert window.files.open_path(piano_midi / "chopin" / "chpn-p1.mid", confirmed=True)
    played = sorted((n.pitch, n.start, n.duration, n.velocity) for n in original.notes)
    shown = lambda: sorted((n.pitch, n.start, n.duration, n.velocity) for _, n in window.model.items())
    assert shown() == played
    assert window.files.save_to(tmp_path / "prelude.segue")
    assert window.files.open_path(tmp_path / "prelude.segue", confirmed=True)
    assert shown() == played
    window.editing.select_all()
    window.editing.copy()
    window.actions_["delete"].trigger()
    assert len(window.model) == 0
    window.view.set_playhead(float(min(n.start for n in original.notes)))     # pasted where it was copied from
    window.editing.paste()
    assert shown() == played
    window.editing.select_all()
    window.actions_["later"].trigger()                       # one snap later, then back
    window.actions_["earlier"].trigger()
    assert shown() == played
    window.undo_stack.undo()
    window.undo_stack.undo()
    window.undo_stack.undo()
    window.undo_stack.redo()
    assert shown() == played
    assert window.files.export_midi(tmp_path / "prelude.mid")
    back = read_music(tmp_path / "prelude.mid")
    assert sorted((n.pitch, n.start, n.duration, n.velocity) for n in back.notes) == played
    assert back.tempo_bpm == original.tempo_bpm and back.tempo_changes == original.tempo_changes


@pytest.mark.parametrize("bpm", [136.54, 400, 12])
def test_an_opened_file_keeps_its_tempo_exactly_through_export(window, tmp_path, bpm):
    """The tempo box shows the file's tempo, rounded to its decimals, but never writes a rounded or
    clamped value back: the phrase keeps the file's own until the user changes it."""
    from engine.files.midi import read_midi
    original = write_midi(Phrase((Note(60, 0, 4), Note(64, 4, 4)), tempo_bpm=bpm), tmp_path / "in.mid")
    tempo = read_midi(original).tempo_bpm
    assert tempo == pytest.approx(bpm, abs=0.01)
    assert window.files.open_path(original)
    assert window.model.tempo_bpm == tempo
    assert window.tempo_box.value() == pytest.approx(bpm, abs=0.005)   # shown with its decimals
    assert not window.isWindowModified()
    assert window.files.export_midi(tmp_path / "out.mid")
    assert read_midi(tmp_path / "out.mid").tempo_bpm == tempo


def test_the_tempo_box_holds_every_tempo_a_phrase_may_have(window):
    from engine.limits import MAX_TEMPO_BPM, MIN_TEMPO_BPM
    box = window.tempo_box
    assert box.decimals() >= 2
    assert MIN_TEMPO_BPM <= box.minimum() < MIN_TEMPO_BPM + 0.01 and box.maximum() == MAX_TEMPO_BPM
    box.setValue(88.25)                                # the user's own tempo reaches the phrase
    assert window.model.tempo_bpm == 88.25


def test_a_tempo_the_user_sets_is_one_undo_step_and_an_unsaved_change(window, tmp_path, qtbot):
    """Steps of the tempo box in a row are one undo step back to the file's exact tempo; the change
    marks the document unsaved and the autosave writes it."""
    from engine.files.document import load_document
    original = write_midi(Phrase((Note(60, 0, 4), Note(64, 4, 4)), tempo_bpm=136.54), tmp_path / "in.mid")
    assert window.files.open_path(original)
    exact = window.model.tempo_bpm
    window.autosave.timer.setInterval(20)
    window.tempo_box.stepUp()
    window.tempo_box.stepUp()
    window.tempo_box.setValue(90)
    assert window.model.tempo_bpm == 90 and window.isWindowModified()
    saved = lambda: window.autosave.path.is_file() and load_document(window.autosave.path).phrase.tempo_bpm == 90
    qtbot.waitUntil(saved)
    window.undo_stack.undo()
    assert window.model.tempo_bpm == exact and not window.isWindowModified()
    assert window.tempo_box.value() == round(exact, 2)
    window.undo_stack.redo()
    assert window.model.tempo_bpm == 90


def test_save_and_export_never_replace_a_write_protected_file(window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(files.QMessageBox, "warning", lambda *a: shown.append(a[2]))
    window.model.reset(Phrase((Note(60, 0, 4),)))
    window.undo_stack.resetClean()
    save, export = (lambda p: window.files.save_to(p)), (lambda p: window.files.export_midi(p))
    for name, act in (("kept.segue", save), ("kept.mid", export)):
        kept = tmp_path / name
        kept.write_bytes(b"the user's own")
        kept.chmod(0o444)
        assert not act(kept)
        assert "write-protected" in shown[-1] and kept.read_bytes() == b"the user's own"
    assert window.isWindowModified()


def test_the_file_work_needs_no_window_only_what_it_works_on(qtbot, tmp_path):
    """FileController is given the model, the undo stack, the document's files, the settings and a
    way to show a message; what happened comes out as signals."""
    from PySide6.QtGui import QUndoStack

    from gui.document.controller import DocumentController
    from gui.document.phrase_model import PhraseModel
    model, stack, document = PhraseModel(), QUndoStack(), DocumentController()
    shown, kept = [], {"temperature": 0.8}
    controller = files.FileController(model, stack, document, lambda: dict(kept), kept.update,
                                      lambda text, ms=0: shown.append(text))
    events = []
    controller.opening.connect(lambda: events.append("opening"))
    controller.opened.connect(lambda: events.append(len(model)))
    controller.saved.connect(lambda: events.append("saved"))
    controller.set_phrase(Phrase(tuple(Note(60 + i, 4 * i, 4) for i in range(3))), None, "Seed")
    assert events == ["opening", 3] and len(model) == 3 and shown[-1] == "Seed: 3 notes, 0.8 bars"
    assert controller.save_to(tmp_path / "tune.segue") and events[-1] == "saved"
    assert document.path == tmp_path / "tune.segue" and stack.isClean()
    kept["temperature"] = 1.5
    assert controller.open_path(tmp_path / "tune.segue") and kept["temperature"] == 0.8   # its settings shown
    assert len(model) == 3 and shown[-1] == "Opened tune.segue: 3 notes, 0.8 bars"
