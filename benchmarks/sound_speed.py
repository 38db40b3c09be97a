"""How fast the built-in piano is: loading it, rendering music, and Space to the first sound.

    python benchmarks/sound_speed.py [--runs 7] [--json]

- load: reading ``resources/piano.sf2`` and resolving its zones (median of runs), and preparing
  every sample's two filtered copies (done on a thread after the window opens);
- render: milliseconds of work per second of music, for a dense 4-bar phrase (a 16th-note melody
  over four-note chords, 128 notes at 120 bpm) and for each bundled seed (median of runs);
- Space to first sound: the real window (offscreen), a seed open, Space pressed as a key event;
  SDL's "disk" audio driver writes what the mixer plays to a file, and the figure is the time
  until the first non-silent sample is in it (median of runs). It includes SDL's buffer (1024
  frames, 23 ms) but not the sound card's own latency. Measured once the piano is prepared (as
  after the first second of the window) and once at once (its samples filtered on demand).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RAW = Path(tempfile.gettempdir()) / f"segue-sound-speed-{os.getpid()}.raw"
os.environ["SDL_AUDIODRIVER"] = "disk"                 # what the mixer plays goes to a file
os.environ["SDL_DISKAUDIOFILE"] = str(RAW)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SEGUE_DATA_DIR", str(ROOT / ".bench-data"))
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"

import numpy as np  # noqa: E402

from engine.music.phrase import Note, Phrase  # noqa: E402
from engine.sound.audio import PIANO_PATH, performance  # noqa: E402
from engine.sound.sampler import Sampler, seconds_at  # noqa: E402
from engine.sound.soundfont import read_soundfont  # noqa: E402


def dense_phrase() -> Phrase:
    rng = random.Random(1)
    notes = []
    for step in range(64):
        notes.append(Note(rng.randint(60, 84), step, rng.choice([1, 2, 4]), rng.randint(50, 110)))
        if step % 4 == 0:
            notes += [Note(p + rng.randint(0, 3), step, 4, rng.randint(40, 90)) for p in (36, 43, 48, 52)]
    return Phrase(tuple(notes), tempo_bpm=120)


def timed(job) -> float:
    began = time.perf_counter()
    job()
    return (time.perf_counter() - began) * 1000


def render_ms_per_second(piano, phrase: Phrase, runs: int) -> float:
    def job():
        sound = performance(piano, phrase)
        sound.pcm(0, sound.frames)
    seconds = float(seconds_at(phrase, [phrase.length])[0])
    return statistics.median(timed(job) for _ in range(runs)) / seconds


def first_sound_ms(runs: int, prepared: bool) -> list[float]:
    """Space in the real window to the first non-silent sample out of the mixer."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from engine.files.reading import read_music
    from engine.sound import audio
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])      # noqa: F841 (the window needs one alive)

    def wait(ms):
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    audio._pianos.clear()                               # a fresh piano: nothing filtered yet
    window = MainWindow()
    window.show()
    window.model.reset(read_music(ROOT / "resources" / "seeds" / "mozart-mz_545_1.mid"))
    wait(3000)                                          # the window's own start: model preload, mixer
    piano = window.transport.playback._piano
    if prepared:
        while len(piano._levels) < 80:
            wait(100)
    out = []
    for _ in range(runs):
        window.view.set_playhead(0)
        window.view.setFocus()
        before = RAW.stat().st_size
        began = time.perf_counter()
        QTest.keyClick(window.view, Qt.Key_Space)
        heard = None
        while time.perf_counter() - began < 2:
            with open(RAW, "rb") as f:
                f.seek(before)
                data = np.frombuffer(f.read(), dtype="<i2")
            if len(data) and np.abs(data).max() > 0:
                heard = (time.perf_counter() - began) * 1000
                break
            time.sleep(0.001)
        out.append(heard if heard is not None else float("inf"))
        wait(400)
        window.transport.stop()
        wait(300)
        if not prepared:                                # each cold run with a piano never used
            audio._pianos.clear()
            window.transport.playback._piano, _ = audio.built_in_piano(piano.sample_rate)
    window.undo_stack.setClean()
    window.close()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        load = [timed(lambda: Sampler(read_soundfont(PIANO_PATH))) for _ in range(args.runs)]
        piano = Sampler(read_soundfont(PIANO_PATH))
        prepare = timed(piano.warm_up)
        dense = render_ms_per_second(piano, dense_phrase(), args.runs)
        from engine.files.reading import read_music
        seeds = {path.stem: render_ms_per_second(piano, read_music(path), max(3, args.runs // 2))
                 for path in sorted((ROOT / "resources" / "seeds").glob("*.mid"))}
        warm = first_sound_ms(args.runs, prepared=True)
        cold = first_sound_ms(max(3, args.runs // 2), prepared=False)
    finally:
        RAW.unlink(missing_ok=True)
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "piano_bytes": PIANO_PATH.stat().st_size,
              "load_ms": statistics.median(load), "prepare_samples_ms": prepare,
              "render_ms_per_s_dense_4_bars": dense, "render_ms_per_s_seeds_median": statistics.median(seeds.values()),
              "render_ms_per_s_seeds_worst": max(seeds.values()),
              "space_to_first_sound_ms": statistics.median(warm), "space_to_first_sound_ms_all": warm,
              "space_to_first_sound_unprepared_ms": statistics.median(cold)}
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"machine: {result['machine']}")
    print(f"load the piano ({result['piano_bytes'] / 1e6:.1f} MB SoundFont): {result['load_ms']:.0f} ms (median); "
          f"preparing its samples, in the background: {prepare:.0f} ms")
    print(f"render, dense 4-bar phrase: {dense:.0f} ms per second of music ({1000 / dense:.0f}x faster than it plays)")
    print(f"render, the {len(seeds)} seeds: median {result['render_ms_per_s_seeds_median']:.0f} ms per second "
          f"of music, slowest {result['render_ms_per_s_seeds_worst']:.0f} ms ({max(seeds, key=seeds.get)})")
    print(f"Space to first sound: {result['space_to_first_sound_ms']:.0f} ms (median of {len(warm)}; "
          f"{min(warm):.0f}-{max(warm):.0f}); before the piano is prepared: "
          f"{result['space_to_first_sound_unprepared_ms']:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
