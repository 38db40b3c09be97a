
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
    if w.job is not None:
        w.job.cancel()
        w.job.wait(5000)
    w.close()
    w.deleteLater()
