"""The application's start: what the window loads before it shows."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_window_shows_before_numpy_mido_or_torch_load(tmp_path):
    """numpy (150 ms of this machine's CPU) and mido (40 ms, most of it looking up its own
    version) load after the window shows, with the model and the piano (benchmarks/startup.py:
    launch to a visible window 621 -> 389 ms here); the keys, the chords heard, the seeds and a
    MIDI drag load them when first used."""
    heavy = ["numpy", "mido", "torch", "music21", "matplotlib"]
    code = ("import json, sys, time\n"
            "from PySide6.QtWidgets import QApplication\n"
            "app = QApplication(['segue'])\n"
            "from gui.main_window import MainWindow\n"
            "from gui.sound.playback import Playback\n"
            "# what loads after the window shows, by design: the model (torch) and the piano (numpy)\n"
            "MainWindow._preload_model = lambda self: None\n"
            "Playback._warm_up = lambda self: None\n"
            "window = MainWindow()\n"
            "window.show()\n"
            "for _ in range(10):                 # painted, and half a second of its timers\n"
            "    app.processEvents()\n"
            "    time.sleep(0.05)\n"
            f"print(json.dumps([m for m in {heavy!r} if m in sys.modules]))\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SEGUE_DATA_DIR=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_the_app_freezes_what_is_loaded_once_the_model_is(tmp_path):
    """gui.app.run leaves torch's and the model's objects out of the collector's walks once the
    preload has the model (a full collection: 96 -> 14 ms median in ghost_speed.py), not before."""
    code = ("import gc\n"
            "from PySide6.QtCore import QTimer\n"
            "from PySide6.QtWidgets import QApplication\n"
            "import gui.app\n"
            "app = QApplication(['segue'])\n"
            "run_loop = app.exec\n"
            "def exec_():\n"
            "    window = next(w for w in QApplication.topLevelWidgets() if hasattr(w, 'writing'))\n"
            "    window.writing.modelPreloaded.connect(lambda: QTimer.singleShot(0, app.quit))\n"
            "    QTimer.singleShot(60000, app.quit)\n"
            "    before = gc.get_freeze_count()\n"
            "    run_loop()\n"
            "    print('FROZEN', before, gc.get_freeze_count(), flush=True)\n"
            "    window.undo_stack.setClean()\n"
            "    window.close()\n"
            "    return 0\n"
            "app.exec = exec_\n"
            "gui.app.run(None, ['segue'])\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SDL_AUDIODRIVER="dummy", SEGUE_DATA_DIR=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    line = next((t for t in done.stdout.splitlines() if t.startswith("FROZEN")), None)
    assert line, done.stdout[-1500:] + done.stderr[-1500:]
    before, after = (int(w) for w in line.split()[1:])
    assert before == 0 and after > 0
