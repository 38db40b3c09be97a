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
