
import pytest


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("SEGUE_DATA_DIR", str(tmp_path / "data"))
    from PySide6.QtCore import QSettings
    for kind in (QSettings.IniFormat, QSettings.NativeFormat):      # QSettings("Segue", "Segue") is native
        QSettings.setPath(kind, QSettings.UserScope, str(tmp_path / "settings"))
    from gui.main_window import MainWindow
    w = MainWindow()
    w.resize(1100, 700)
    w.show()
    qtbot.waitExposed(w)
    w.view.geo.step_width = 16
    w.view.geo.key_height = 14
    w.view._update_scrollbars()
    w.view.center_on_pitch(60)
    yield w
    w.undo_stack.setClean()          # no "save changes?" question while closing
    if w.writing.job is not None:
        w.writing.job.cancel()
        w.writing.job.wait(5000)
    w.close()
    w.deleteLater()
    # delete the window now and collect what it leaves, here, rather than whenever the garbage
    # collector next runs inside another test (a crash there would name the wrong test)
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    gc.collect()
