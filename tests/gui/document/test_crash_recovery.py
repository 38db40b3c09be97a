"""Kill -9 a real Segue process in the middle of work; the next launch restores every note."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from engine.files.document import load_document
from engine.music.phrase import Note, Phrase, regrid

ROOT = Path(__file__).resolve().parents[3]

CHILD = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from engine.music.phrase import Note
    from gui.document.autosave import autosave_path
    from gui.document.commands import AddNotes
    from gui.main_window import MainWindow
    window = MainWindow()
    window.show()
    notes = [Note(48 + i % 30, i * 2, 3 + i % 5, 40 + i % 80) for i in range(300)]
    window.undo_stack.push(AddNotes(window.model, notes, generated=False))
    window.undo_stack.push(AddNotes(window.model, [Note(90, 700, 8)], generated=True))
    def report():
        if autosave_path().is_file():
            print("autosaved", flush=True)
        else:
            QTimer.singleShot(100, report)
    report()
    app.exec()
""")


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return False


# not reaped: a killed process whose parent has not collected it keeps its id, which looks alive;
# its session lock is gone all the same (the old id check offered nothing then)
@pytest.mark.parametrize("reaped", [True, False], ids=["reaped", "not reaped yet"])
def test_kill_9_then_the_next_launch_offers_every_note_back(tmp_path, qtbot, monkeypatch, reaped):
    data = tmp_path / "data"
    env = dict(os.environ, SEGUE_DATA_DIR=str(data), QT_QPA_PLATFORM="offscreen", SDL_AUDIODRIVER="dummy",
               PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", CHILD], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        line = ""
        while time.time() < deadline and "autosaved" not in line:
            line = child.stdout.readline()
            if not line and child.poll() is not None:
                raise AssertionError("the app ended early: " + child.stderr.read()[-2000:])
        assert "autosaved" in line, "no autosave within a minute"
    finally:
        child.send_signal(signal.SIGKILL)
        if reaped:
            child.wait(10)
    if reaped:
        assert child.returncode == -signal.SIGKILL
    else:
        deadline = time.time() + 10
        while not _zombie(child.pid) and time.time() < deadline:
            time.sleep(0.01)
        assert _zombie(child.pid)

    monkeypatch.setenv("SEGUE_DATA_DIR", str(data))
    from PySide6.QtCore import QSettings
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path / "settings"))
    from PySide6.QtWidgets import QMessageBox

    from gui.document.autosave import pending_recoveries
    from gui.main_window import MainWindow
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.Yes)
    window = MainWindow()
    try:
        if not reaped:                           # its threads may still be ending, just after the kill
            deadline = time.time() + 10
            while not pending_recoveries() and time.time() < deadline:
                time.sleep(0.05)
            os.kill(child.pid, 0)                # its id still looks alive
        window.files.offer_recovery()
        assert asked and "301 notes" in asked[0]
        expected = [Note(48 + i % 30, i * 2, 3 + i % 5, 40 + i % 80) for i in range(300)] + [Note(90, 700, 8)]
        restored = sorted((window.model.note(i) for i in window.model.ids()), key=Note.sort_key)
        assert restored == list(Phrase(tuple(expected)).notes)
        generated = [window.model.note(i) for i in window.model.ids() if window.model.is_generated(i)]
        assert generated == [Note(90, 700, 8)]
        assert window.isWindowModified(), "restored work is unsaved work"
        assert pending_recoveries() == []                  # offered once, not at every launch
    finally:
        window.undo_stack.setClean()
        window.close()
        child.wait(10)


def _crash_and_restore(window, tmp_path, monkeypatch):
    """Autosave the window's work, as a session that then crashed, and restore it into a new document."""
    from PySide6.QtWidgets import QMessageBox

    from gui.document import files
    from gui.document.commands import AddNotes
    sixteenth = window.model.steps_per_quarter // 4                          # on the window's grid
    window.undo_stack.push(AddNotes(window.model, [Note(72, 16 * sixteenth, 4 * sixteenth)]))
    window.autosave.save_now()
    crashed = tmp_path / "crashed.segue"
    crashed.write_bytes(window.autosave.path.read_bytes())
    window.undo_stack.setClean()
    window.files.new_document()
    assert window.windowTitle().startswith("Segue — Untitled")
    asked = []
    monkeypatch.setattr(files, "pending_recoveries", lambda: [crashed])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.Yes)
    window.files.offer_recovery()
    assert Note(72, 16, 4) in regrid(window.model.phrase(), 4).notes          # restored onto the fine grid
    assert window.isWindowModified(), "restored work is unsaved work"
    return asked[0]


def test_a_restored_document_keeps_its_name_and_its_file(window, tmp_path, monkeypatch):
    from gui.document import files
    window.model.reset(Phrase((Note(60, 0, 4),)))
    song = tmp_path / "song.segue"
    assert window.files.save_to(song)
    question = _crash_and_restore(window, tmp_path, monkeypatch)
    assert "song.segue" in question
    assert window.document.path == song and window.windowTitle().startswith("Segue — song.segue")
    monkeypatch.setattr(files.QFileDialog, "getSaveFileName", lambda *a, **k: pytest.fail("Save asked where"))
    assert window.files.save()                              # into its own file, as before the crash
    assert Note(72, 16, 4) in regrid(load_document(song).phrase, 4).notes     # restored onto the fine grid


def test_a_restored_import_keeps_the_name_of_the_music_file(window, tmp_path, monkeypatch):
    from engine.files.midi import write_midi
    song = write_midi(Phrase((Note(60, 0, 4),)), tmp_path / "song.mid")
    assert window.files.open_path(song)
    _crash_and_restore(window, tmp_path, monkeypatch)
    assert window.document.imported_from == song and window.document.path is None
    assert window.windowTitle().startswith("Segue — song.mid")


def test_an_autosave_folder_made_read_only_never_stops_save_or_close(window, tmp_path, monkeypatch):
    """Removing the autosave after a Save, and the lock at Close, fail in a read-only folder: the
    save stands, the window says so in the status bar, and the window closes."""
    from pathlib import Path

    window.model.reset(Phrase((Note(60, 0, 4),)))
    window.undo_stack.resetClean()
    window.autosave.save_now()
    real_unlink = Path.unlink

    def refused(path, *args, **kwargs):
        if window.autosave.path.parent in path.parents:
            raise PermissionError(13, "Permission denied", str(path))
        return real_unlink(path, *args, **kwargs)
    monkeypatch.setattr(Path, "unlink", refused)
    assert window.files.save_to(tmp_path / "song.segue")
    assert (tmp_path / "song.segue").is_file() and "could not be removed" in window.statusBar().currentMessage()
    window.autosave.close()                                   # no PermissionError
