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

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

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

    def take_continue(title, name, seed=7):
        """Open a bundled seed, continue it by 4 bars (4 takes) and shoot the first take."""
        yield open_seed(title)
        yield 300
        window.panel.bars.setValue(4)
        window.panel.variations.setValue(4)
        window.panel.seed.setValue(seed)
        window.continue_phrase()
        yield "job"
        zoom_to_fit()
        window.view.set_playhead(0.0)
        yield 400
        shot(name)()

    def run():
        yield 600
        shot("1-start")()
        yield open_seed("K. 545")
        yield 300
        zoom_to_fit()
        yield 300
        shot("2-seed")()
        continue_()
        yield "job"
        zoom_to_fit()
        window.view.set_playhead(0.0)
        yield 400
        shot("3-continued")()
        window.step_take(1)
        yield 400
        shot("4-second-take")()
        window.keep_take()
        window.set_tool("select")
        window.model.select([i for i, _ in window.model.items() if window.model.is_generated(i)][:30])
        yield 400
        shot("5-selection")()
        window.undo_stack.setClean()
        yield from take_continue("Maple Leaf", "7-ragtime")
        window.undo_stack.setClean()
        yield from take_continue("Four chords", "8-ballad")
        window.undo_stack.setClean()
        yield from take_continue("Regiment Reel", "9-one-line-melody")
        window.undo_stack.setClean()
        # Fill: the mazurka's bars 5-6 rewritten between bars 1-4 and 7-8, around a locked note
        yield open_seed("Mazurka")
        yield 300
        zoom_to_fit()
        bar = window.model.steps_per_bar
        inside = sorted((n.start, -n.pitch, i) for i, n in window.model.items() if 4 * bar <= n.start < 6 * bar)
        window.model.select([inside[len(inside) // 2][2]])
        window.toggle_lock()
        window.model.select([])
        window.set_loop((4 * bar, 6 * bar))
        window.panel.variations.setValue(4)
        window.panel.seed.setValue(3)
        yield 400
        shot("10-fill-before")()
        window.fill()
        yield "job"
        window.set_loop(None)
        yield 400
        shot("11-fill-after")()
        window.panel.more_button.setChecked(True)
        yield 300
        shot("12-more-settings")()
        window.undo_stack.setClean()
        window.close()
        app.quit()

    steps = run()

    def advance():
        try:
            item = next(steps)
        except StopIteration:
            return
        if item == "job":
            QTimer.singleShot(100, wait_for_job(advance))
        elif callable(item):
            item()
            QTimer.singleShot(100, advance)
        else:
            QTimer.singleShot(int(item), advance)

    QTimer.singleShot(0, advance)
    QTimer.singleShot(300_000, app.quit)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
