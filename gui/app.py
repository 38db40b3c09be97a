"""Start the application: the window shows first, the model loads when it is first needed."""

from __future__ import annotations

import gc
import os
import sys
import traceback

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from . import theme
from .main_window import MainWindow


def install_error_dialog(window) -> None:
    """An unexpected error shows a dialog instead of ending the app; the document stays open."""
    def hook(kind, value, tb):
        traceback.print_exception(kind, value, tb)
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        QMessageBox.critical(window, "Something went wrong",
                             f"Segue hit an unexpected error and carried on:\n\n{kind.__name__}: {value}\n\n"
                             "Your phrase is still open; saving it now is a good idea.")
    sys.excepthook = hook


def leave_what_is_loaded_to_the_collector() -> None:
    """Once the first model is loaded: torch and the model have made some 165,000 objects that
    live as long as the app, and every full collection of Python's garbage collector walks them
    all, stopping the window for 96 ms (median of 6 in a minute of editing with ghost suggestions
    on). Frozen (``gc.freeze``), they are left out of the walk: about 7 ms. The app's own process only,
    once (a test's windows come and go and must be collected)."""
    if not gc.get_freeze_count():
        gc.freeze()


def run(path: str | None = None, argv: list[str] | None = None) -> int:
    """Open the main window (with ``path`` if given) and run until it closes."""
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Segue")
    app.setOrganizationName("Segue")
    theme.apply(app)
    window = MainWindow()
    geometry = QSettings("Segue", "Segue").value("window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    install_error_dialog(window)
    window.writing.modelPreloaded.connect(leave_what_is_loaded_to_the_collector)
    window.show()
    if os.environ.get("SEGUE_STARTUP_PROBE"):      # benchmarks/startup.py: say when the window shows
        QTimer.singleShot(0, lambda: (print("segue: window shown", flush=True), window.close(), app.quit()))
        return app.exec()
    if path:
        QTimer.singleShot(0, lambda: window.files.open_path(path))
    else:
        QTimer.singleShot(0, lambda: window.files.offer_recovery())
    return app.exec()
