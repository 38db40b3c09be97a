"""Screenshots of the real window in a few states: ``xvfb-run -s "-screen 0 1400x860x24" python tools/screenshots.py``.

Starts Segue's main window as ``python main.py`` does, drives it the way a person would (pick a
seed, press Continue, step to another take, select notes) and saves each state to
``docs/screenshots/``. Run it under Xvfb (or on a desktop) so the shots show the real platform
window; offscreen rendering works too but draws no window frame.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QTimer                      # noqa: E402
from PySide6.QtWidgets import QApplication             # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    from gui import theme
    from gui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    app.setApplicationName("Segue")
    theme.apply(app)
    window = MainWindow()
    window.resize(1360, 800)
    window.move(20, 20)
    window.show()
    OUT.mkdir(parents=True, exist_ok=True)
    steps = []

    def shot(name):
        def take():
            app.processEvents()
            window.grab().save(str(OUT / f"{name}.png"))
            print("wrote", OUT / f"{name}.png")
        return take

    def open_seed(title):
        def do():
            for action in window.seeds_menu.actions():
                if title in action.text():
                    action.trigger()
        return do

    def continue_():
        window.panel.bars.setValue(4)
        window.panel.variations.setValue(4)
        window.panel.seed.setValue(7)
        window.continue_phrase()

    def wait_for_job(then):
        def poll():
            if window.job is not None:
                QTimer.singleShot(100, poll)
            else:
                then()
        return poll

    def zoom_to_fit():
        view = window.view
        length = max((n.end for _, n in window.model.items()), default=64)
        view.geo.step_width = max(4.0, (view.viewport().width() - 40) / length)
        view._update_scrollbars()
        view.horizontalScrollBar().setValue(0)
        pitches = sorted(n.pitch for _, n in window.model.items())
        if pitches:
            view.center_on_pitch((pitches[0] + pitches[-1]) // 2)

    script = [
        (600, shot("1-start")),
        (100, open_seed("K. 545")),
        (300, zoom_to_fit),
        (300, shot("2-seed")),
        (100, continue_),
    ]

    def after_continue():
        zoom_to_fit()
        window.view.set_playhead(0.0)
        QTimer.singleShot(400, shot("3-continued"))
        QTimer.singleShot(500, lambda: window.step_take(1))
        QTimer.singleShot(900, shot("4-second-take"))
        QTimer.singleShot(1000, lambda: (window.keep_take(), window.set_tool("select"),
                                         window.model.select([i for i, _ in window.model.items()
                                                              if window.model.is_generated(i)][:30])))
        QTimer.singleShot(1400, shot("5-selection"))
        QTimer.singleShot(1600, lambda: (window.undo_stack.setClean(), window.close(), app.quit()))

    t = 0
    for delay, fn in script:
        t += delay
        QTimer.singleShot(t, fn)
    QTimer.singleShot(t + 200, wait_for_job(after_continue))
    QTimer.singleShot(120_000, app.quit)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
