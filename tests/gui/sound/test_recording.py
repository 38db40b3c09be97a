"""Playing a phrase in on a MIDI keyboard: a stand-in port calls back from its own thread."""

import threading
import time

import mido
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.music.phrase import Note, Phrase


class Keyboard:
    """A MIDI input port as mido opens it: messages arrive through the callback, on another thread."""

    def __init__(self):
        self.callback = None
        self.closed = False

    def open(self, name, callback=None):
        self.name, self.callback = name, callback
        return self

    def play(self, events):
        def run():
            for pause, message in events:
                time.sleep(pause)
                self.callback(message)
        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def close(self):
        self.closed = True


def notes(w):
    return sorted((n.pitch, n.start, n.duration) for _, n in w.model.items())


def test_record_a_phrase_from_the_keyboard_is_one_undo_step(window, qtbot, monkeypatch):
    keyboard = Keyboard()
    monkeypatch.setattr("gui.sound.recording.input_names", lambda: (["Piano Keys"], None))
    monkeypatch.setattr(mido, "open_input", keyboard.open)
    window.model.reset(Phrase((Note(48, 0, 16),), tempo_bpm=240))      # a step lasts 1/16 s
    window.undo_stack.clear()
    window.actions_["metronome"].setChecked(False)                       # no count-in: at once
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_R)
    try:
        recorded(window, qtbot, keyboard)
    finally:
        if window.takes.input.is_recording():
            window.takes.input.stop()
        window.undo_stack.setClean()


def recorded(window, qtbot, keyboard):
    assert window.takes.input.is_recording() and keyboard.name == "Piano Keys"
    assert window.transport.playback._clicks is None
    assert window.actions_["record"].isChecked()
    arrivals = []
    window.takes.input.noteRecorded.connect(arrivals.append)
    player = keyboard.play([(0.0, mido.Message("note_on", note=60, velocity=100)),
                            (0.25, mido.Message("note_off", note=60)),
                            (0.0, mido.Message("note_on", note=64, velocity=80)),
                            (0.0, mido.Message("note_on", note=67, velocity=80))])
    player.join()
    qtbot.waitUntil(lambda: len(arrivals) == 1, timeout=2000)
    assert [p for p, s, _ in notes(window) if s <= 1] == [48, 60], "a released note shows at once"
    qtbot.wait(300)
    QTest.keyClick(window.view, Qt.Key_R)                               # stop: held keys end now
    assert not window.takes.input.is_recording() and keyboard.closed
    assert not window.actions_["record"].isChecked()
    played = [n for n in notes(window) if n[0] != 48]
    assert [p for p, _, _ in played] == [60, 64, 67]
    assert 3 <= played[0][2] <= 5                                       # a quarter of a second
    assert played[1][1] == played[2][1] >= played[0][1] + played[0][2] - 1   # the chord after it
    assert window.undo_stack.count() == 1
    window.undo_stack.undo()
    assert notes(window) == [(48, 0, 16)]
    window.undo_stack.redo()
    assert len(notes(window)) == 4


def test_with_the_metronome_a_bar_is_counted_in_and_a_pickup_kept(window, qtbot, monkeypatch):
    keyboard = Keyboard()
    monkeypatch.setattr("gui.sound.recording.input_names", lambda: (["Piano Keys"], None))
    monkeypatch.setattr(mido, "open_input", keyboard.open)
    qtbot.waitUntil(lambda: window.transport.playback is not None, timeout=3000)
    window.model.reset(Phrase((Note(48, 0, 64),), tempo_bpm=240))      # a bar of 4/4 lasts 1 s
    window.undo_stack.clear()
    window.actions_["metronome"].setChecked(True)
    window.view.set_playhead(21.0)                                      # inside bar 2: starts at 16
    window.take_recorder().toggle()
    try:
        assert window.takes.input.is_recording() and window.transport.playback._clicks is not None   # ticking
        player = keyboard.play([(0.5, mido.Message("note_on", note=60, velocity=90)),    # count-in
                                (0.25, mido.Message("note_off", note=60)),
                                (0.5, mido.Message("note_on", note=64, velocity=90)),   # bar 2, beat 2
                                (0.25, mido.Message("note_off", note=64))])
        player.join()
        qtbot.waitUntil(lambda: len(window.model) == 3, timeout=2000)
    finally:
        window.take_recorder().toggle()
        window.undo_stack.setClean()
    assert window.transport.playback._clicks is None                              # silent again
    played = sorted((n.pitch, n.start) for _, n in window.model.items() if n.pitch != 48)
    assert played[0][0] == 60 and 7 <= played[0][1] <= 9                # the pickup, before bar 2
    assert played[1][0] == 64 and 19 <= played[1][1] <= 21


def test_no_keyboard_is_a_message_not_a_crash(window, monkeypatch):
    shown = []
    monkeypatch.setattr("gui.main_window.QMessageBox.information", lambda *a: shown.append(a[2]))
    monkeypatch.setattr("gui.sound.recording.input_names", lambda: ([], "MIDI inputs are not available (no ALSA)"))
    window.take_recorder().toggle()
    assert shown and "no ALSA" in shown[-1] and not window.takes.input.is_recording()
    assert not window.actions_["record"].isChecked()
    monkeypatch.setattr("gui.sound.recording.input_names", lambda: (["Gone"], None))

    def unplugged(name, callback=None):
        raise OSError("device disconnected")

    monkeypatch.setattr(mido, "open_input", unplugged)
    window.take_recorder().toggle()
    assert "Gone" in shown[-1] and "device disconnected" in shown[-1]
    assert not window.takes.input.is_recording()
