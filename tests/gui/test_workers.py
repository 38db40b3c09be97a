"""Threads belong to their window: the model preload never starts on a closed window, is joined
when the window closes, and a window deleted while a thread runs does not take the process down
("QThread: Destroyed while thread is still running" aborts)."""

import gc
import time

import pytest


@pytest.fixture
def slow_model_load(monkeypatch, tmp_path):
    """Loading the model takes half a second, as on a slow laptop: wide open to the old race."""
    monkeypatch.setenv("SEGUE_DATA_DIR", str(tmp_path / "data"))
    from PySide6.QtCore import QSettings
    for kind in (QSettings.IniFormat, QSettings.NativeFormat):
        QSettings.setPath(kind, QSettings.UserScope, str(tmp_path / "settings"))
    from gui import workers
    started = []
    monkeypatch.setattr(workers.ModelCache, "get", lambda self, name: started.append(name) or time.sleep(0.5))
    return started


def _close(window):
    window.undo_stack.setClean()
    window.close()
    preload = window.writing.preload
    return preload is None or preload.isFinished()


def test_windows_closed_at_once_leave_no_thread_behind(qtbot, slow_model_load):
    from gui.main_window import MainWindow
    for delay in (0, 0, 50, 140, 150, 160, 200, 300, 0, 145, 155):    # around the 150 ms preload timer
        window = MainWindow()
        window.show()
        qtbot.wait(delay)
        assert _close(window), "the preload thread outlived its window"
        window.deleteLater()
        qtbot.wait(1)
    qtbot.wait(400)                                  # past every timer that was set
    from gui.workers import running_jobs
    assert running_jobs() == []


def test_a_window_deleted_while_its_model_loads_does_not_abort(qtbot, slow_model_load):
    from gui.main_window import MainWindow
    from gui.workers import running_jobs
    for _ in range(3):
        window = MainWindow()
        window.show()
        qtbot.waitUntil(lambda: bool(slow_model_load and running_jobs()), timeout=3000)
        window.deleteLater()                         # never closed: a quit right after launch
        qtbot.wait(1)
        del window
        gc.collect()
        slow_model_load.clear()
    qtbot.waitUntil(lambda: not running_jobs(), timeout=5000)


# -- what a failed job tells the user -------------------------------------------------------------

def _run_continue(options, generator, loaded=None, locked=()):
    """Run a ContinueJob on this thread with a stand-in model; what it emitted."""
    from types import SimpleNamespace

    from engine.music.phrase import Note, Phrase
    from gui.workers import ContinueJob
    cache = SimpleNamespace(get=lambda name: loaded or SimpleNamespace(name="stand-in"))
    job = ContinueJob(cache, "stand-in", Phrase((Note(60, 0, 4),)), options, generator=generator, locked=locked)
    said = {"failed": [], "finished": []}
    job.failed.connect(said["failed"].append)
    job.finished_with.connect(said["finished"].append)
    job.run()
    return said


def test_options_out_of_range_are_said_as_they_are(qapp):
    from engine.writing.continuation import ContinueOptions
    written = []
    said = _run_continue(ContinueOptions(bars=0), lambda *a, **k: written.append(1) or [])
    assert said["failed"] == ["bars must be between 1 and 256, not 0"] and not said["finished"]
    assert written == []                                         # checked before the model writes


def test_a_locked_note_the_model_cannot_play_is_said_as_such(qapp):
    from types import SimpleNamespace

    from engine.encoding.tokens import Vocabulary
    from engine.music.phrase import Note
    from engine.writing.continuation import ContinueOptions
    narrow = SimpleNamespace(name="narrow", vocab=Vocabulary(lowest_pitch=21, highest_pitch=108))
    said = _run_continue(ContinueOptions(), lambda *a, **k: [], loaded=narrow, locked=[Note(110, 0, 4)])
    assert said["failed"] == ["pitch 110 is outside the model's pitches (21 to 108)"]


def test_a_value_error_from_a_bug_is_an_internal_error_with_its_traceback_logged(qapp, caplog):
    from engine.writing.continuation import ContinueOptions

    def buggy(loaded, phrase, options, progress=None, cancel=None, **more):
        raise ValueError("too many values to unpack")

    with caplog.at_level("ERROR", logger="gui.workers"):
        said = _run_continue(ContinueOptions(), buggy)
    (message,) = said["failed"]
    assert message.startswith("Segue hit an internal error while continuing the phrase (ValueError: too many")
    assert "the details are in the log" in message and not said["finished"]
    (record,) = [r for r in caplog.records if r.name == "gui.workers"]
    assert record.exc_info and record.exc_info[0] is ValueError
    assert "buggy" in caplog.text                                # the traceback, down to the failing frame


def test_an_internal_error_in_the_window_is_a_warning_and_the_phrase_stays(window, qtbot, monkeypatch):
    from types import SimpleNamespace

    from engine.music.phrase import Note, Phrase

    def buggy(loaded, phrase, options, progress=None, cancel=None, **more):
        raise KeyError("oops")

    warned = []
    monkeypatch.setattr("gui.writing.controller.QMessageBox.warning", lambda *a: warned.append(a[2]))
    window.writing.generator = buggy
    window.writing.cache.get = lambda name: SimpleNamespace(name="stand-in")
    window.model.reset(Phrase((Note(60, 0, 4),)))
    window.writing.continue_phrase()
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=10000)
    assert warned and warned[0].startswith("Segue hit an internal error")
    assert window.panel.status.text() == warned[0] and len(window.model) == 1
