"""A screenshot of a Jam session: ``xvfb-run -s "-screen 0 1400x860x24" python tools/jam_screenshot.py``.

Starts the real window with the bundled model, puts a stand-in MIDI keyboard where mido opens the
input (no keyboard is needed), starts Generate > Jam with the metronome off and plays two calls
into it from the keyboard's own thread, as a player would; the bundled model answers each. The
window is shot while it answers the second call, to ``docs/screenshots/14-jam.png``. Offscreen
rendering works too (``QT_QPA_PLATFORM=offscreen``) but draws no window frame.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

OUT = ROOT / "docs" / "screenshots" / "14-jam.png"
BEAT = 0.6                                             # the player's tempo: 100 a minute
# (beat, beats held, pitch): a call in D minor, two bars, and a second that answers back
FIRST = [(0, .9, 62), (1, .4, 65), (1.5, .4, 69), (2, .9, 74), (3, .4, 72), (3.5, .4, 70),
         (4, .4, 69), (4.5, .4, 67), (5, .9, 65), (6, .4, 64), (6.5, .4, 61), (7, .8, 62)]
SECOND = [(0, .4, 69), (0.5, .4, 70), (1, .9, 72), (2, .4, 74), (2.5, .4, 72), (3, .9, 70),
          (4, .4, 69), (4.5, .4, 67), (5, .4, 65), (5.5, .4, 64), (6, .9, 65), (7, .8, 62)]


class Keyboard:
    """A MIDI input as mido opens it: messages go to its callback from another thread."""

    def open(self, name, callback=None):
        self.callback = callback
        return self

    def play(self, notes, begin):
        import mido
        events = sorted([(begin + a * BEAT, 1, mido.Message("note_on", note=p, velocity=84 if a % 1 else 100))
                         for a, _, p in notes] + [(begin + (a + h) * BEAT, 0, mido.Message("note_off", note=p))
                                                  for a, h, p in notes], key=lambda e: (e[0], e[1]))
        for moment, _, message in events:
            while time.monotonic() < moment:
                time.sleep(0.001)
            self.callback(message)

    def close(self):
        pass


def main() -> int:
    import mido

    import gui.sound.jam
    from gui import theme
    from gui.main_window import MainWindow

    keyboard = Keyboard()
    mido.open_input = keyboard.open
    gui.sound.jam.input_names = lambda: (["Stand-in keyboard"], None)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Segue")
    theme.apply(app)
    window = MainWindow()
    window.resize(1360, 800)
    window.move(20, 20)
    window.show()
    window.actions_["metronome"].setChecked(False)
    window.actions_["ghosts"].setChecked(False)
    window.ghosts.switch(False)
    window.view.geo.step_width = 0.062                  # eight bars across
    window.view._update_scrollbars()
    window.view.center_on_pitch(70)

    def player():
        time.sleep(4.0)                                   # the model loads and warms up
        keyboard.play(FIRST, time.monotonic())
        session = window.jam.session
        while session is None or session.pulse is None:
            time.sleep(0.05)
        # the second call comes in on the bar line after the answer (two bars)
        answer = session.pulse.time_of(8)
        keyboard.play(SECOND, answer + 8 * session.pulse.beat + 0.01)

    def shoot():
        app.processEvents()
        window.view.horizontalScrollBar().setValue(0)
        app.processEvents()
        window.grab().save(str(OUT))
        print("wrote", OUT)
        window.jam.stop()
        window.undo_stack.setClean()
        app.quit()

    class Output:                                         # a MIDI output port, so the shot needs no sound card
        def send(self, message):
            pass

    def started():
        window.transport.playback.midi_port = lambda: Output()
        window.jam_session().start()
        threading.Thread(target=player, daemon=True).start()

    def watch():
        session = window.jam.session if window.jam is not None else None
        if session is not None and session.pulse is not None and time.monotonic() > session.pulse.time_of(29.5):
            shoot()                                       # in the second answer's second bar
            return
        QTimer.singleShot(50, watch)

    QTimer.singleShot(500, started)
    QTimer.singleShot(1000, watch)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
