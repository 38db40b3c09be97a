"""Listening in the window: the playhead moves, Stop stops, missing devices are reported."""

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.music.phrase import Note, Phrase
from gui.sound.playback import BUILT_IN, Playback


def test_space_plays_with_a_moving_playhead_and_stops_at_the_end(window, qtbot):
    qtbot.waitUntil(lambda: window.transport.playback is not None, timeout=3000)
    window.model.reset(Phrase((Note(60, 0, 4), Note(64, 4, 4)), tempo_bpm=240))   # one second
    window.view.setFocus()
    positions = []
    window.transport.playback.position.connect(positions.append)
    with qtbot.waitSignal(window.transport.playback.started, timeout=3000):
        QTest.keyClick(window.view, Qt.Key_Space)
    assert window.transport.playback.is_playing()
    with qtbot.waitSignal(window.transport.playback.stopped, timeout=5000):
        pass
    assert positions == sorted(positions) and positions[-1] == 8.0
    assert len(positions) >= 5
    assert window.view.playhead == 8.0


def test_stop_silences_and_a_loop_wraps_around(window, qtbot):
    qtbot.waitUntil(lambda: window.transport.playback is not None, timeout=3000)
    playback = window.transport.playback
    positions = []
    playback.position.connect(positions.append)
    phrase = Phrase((Note(60, 0, 8),), tempo_bpm=480)        # 8 steps: half a second
    assert playback.play(phrase, loop=(0, 8))
    qtbot.wait(1300)
    assert playback.is_playing()
    assert any(b < a for a, b in zip(positions, positions[1:])), "the playhead must wrap"
    with qtbot.waitSignal(playback.stopped, timeout=1000):
        playback.stop()
    assert not playback.is_playing()


def test_a_missing_midi_port_falls_back_to_the_built_in_piano(qtbot):
    playback = Playback()
    messages = []
    playback.error.connect(messages.append)
    assert not playback.set_output("No Such Synth")
    assert playback.output() == BUILT_IN
    assert messages and "No Such Synth" in messages[0]
    assert BUILT_IN in playback.outputs()
    assert not playback.play(Phrase())                     # nothing to play is said, not raised
    assert "no notes" in messages[-1]


def test_no_audio_device_is_reported_and_nothing_crashes(qtbot, monkeypatch):
    import pygame

    def no_device(*args, **kwargs):
        raise pygame.error("No available audio device")

    monkeypatch.setattr(pygame.mixer, "init", no_device)
    playback = Playback()
    messages = []
    playback.error.connect(messages.append)
    assert not playback.play(Phrase((Note(60, 0, 4),)))
    playback.preview(60)
    assert not playback.is_playing()
    assert messages and "audio device" in messages[0] and "MIDI" in messages[0]


class VanishingPort:
    """A MIDI output that is unplugged after a few messages, as a USB synth pulled out mid-play."""

    def __init__(self, lives: int):
        self.lives = lives
        self.sent = []
        self.closed = False

    def send(self, message):
        if self.lives <= 0:
            raise OSError("device unplugged")
        self.lives -= 1
        self.sent.append(message)

    def reset(self):
        self.send(None)

    def close(self):
        self.closed = True


def test_a_port_unplugged_while_playing_switches_to_the_built_in_piano(qtbot, monkeypatch):
    import mido

    port = VanishingPort(lives=3)
    monkeypatch.setattr("engine.sound.port_player.output_names", lambda: (["USB Synth"], None))
    monkeypatch.setattr(mido, "open_output", lambda name: port)
    playback = Playback()
    messages = []
    playback.error.connect(messages.append)
    assert playback.set_output("USB Synth", remember=False)
    assert playback.output() == "USB Synth"
    phrase = Phrase(tuple(Note(60 + i % 12, i, 1) for i in range(64)), tempo_bpm=480)
    with qtbot.waitSignal(playback.stopped, timeout=5000):
        assert playback.play(phrase)
    qtbot.waitUntil(lambda: bool(messages), timeout=3000)
    assert "device unplugged" in messages[0] and "built-in piano" in messages[0]
    assert playback.output() == BUILT_IN
    assert not playback.is_playing()
    assert 0 < len(port.sent) <= 3
    playback.stop()                                    # and the transport still answers


def test_a_terminate_signal_still_ends_the_app_once_the_built_in_piano_has_opened_the_sound(tmp_path):
    """SDL (under pygame's mixer) catches SIGTERM to post a quit event that no one reads: a desktop
    logging out, or ``kill``, would leave Segue running. The default ending is kept (what the user
    made comes back from the autosave at the next start)."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path
    code = ("from PySide6.QtWidgets import QApplication\n"
            "app = QApplication(['segue'])\n"
            "from gui.sound.playback import Playback\n"
            "playback = Playback()\n"
            "assert playback.built_in_piano() is not None\n"
            "print('ready', flush=True)\n"
            "app.exec()\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SDL_AUDIODRIVER="dummy", HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    child = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[3], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()[-2000:]
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=20) == -signal.SIGTERM
    finally:
        child.kill()
        child.wait()
