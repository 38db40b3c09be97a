"""Jam as a player meets it: a stand-in keyboard calls from its own thread, Segue answers on a
stand-in MIDI output, on the beat; playing cuts an answer off; the session is one undo step."""

import threading
import time
from types import SimpleNamespace

import mido
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.music.phrase import Note, Phrase
from tests.gui.sound.test_recording import Keyboard

GAP = 0.2                  # the player's eighth notes: 300 a minute, heard as 150 beats a minute


class Output:
    """A MIDI output port: what is sent, with the moment it was sent."""

    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append((time.monotonic(), message))

    def struck(self):
        return [(t, m.note) for t, m in self.sent if m.type == "note_on" and m.velocity > 0]


def stand_in(calls):
    """A generator writing a quarter note (pitch 84 and up) on every beat of the bars asked."""
    def write(loaded, phrase, options, progress=None, cancel=None, **more):
        calls.append(SimpleNamespace(phrase=phrase, options=options))
        beat = phrase.steps_per_beat
        count = options.bars * phrase.beats_per_bar
        return [phrase.with_notes([Note(84 + k, k * beat, beat) for k in range(count)], end=count * beat)]
    return write


@pytest.fixture
def jamming(window, qtbot, monkeypatch):
    """The window with a stand-in keyboard and output, a stand-in model, and Jam started."""
    import engine.writing.continuation  # noqa: F401  (torch: loaded before the clock matters)
    keyboard, output, calls = Keyboard(), Output(), []
    monkeypatch.setattr("gui.sound.jam.input_names", lambda: (["Piano Keys"], None))
    monkeypatch.setattr(mido, "open_input", keyboard.open)
    qtbot.waitUntil(lambda: window.transport.playback is not None, timeout=3000)
    monkeypatch.setattr(window.transport.playback, "midi_port", lambda: output)
    window.writing.cache.get = lambda name: SimpleNamespace(name="stand-in")
    window.writing.generator = stand_in(calls)
    window.model.reset(Phrase((Note(48, 0, 1920),), steps_per_quarter=480,
                              chords=((4320, 4800, "Dm"), (4800, 7680, "G7"))))   # bar 3, beat 2: where the answer goes
    window.undo_stack.clear()
    window.actions_["metronome"].setChecked(False)           # the tempo comes from the player
    window.jam_session().toggle()
    assert window.jam.is_jamming() and window.actions_["jam"].isChecked() and keyboard.name == "Piano Keys"
    window.keyboard_, window.output, window.calls = keyboard, output, calls
    yield window
    window.jam.stop()
    window.undo_stack.setClean()


def call(keyboard, notes, gap=GAP, held=0.8):
    """Play ``notes`` (pitches) as eighths ``gap`` apart, each held ``held`` of the gap, each message
    at its moment (not after a pause: pauses add up on a busy machine); returns the moment of the
    last message, once sent."""
    begin = time.monotonic() + 0.02
    events = []
    for k, pitch in enumerate(notes):
        events.append((begin + k * gap, mido.Message("note_on", note=pitch, velocity=90)))
        events.append((begin + (k + held) * gap, mido.Message("note_off", note=pitch)))

    def run():
        for moment, message in events:
            while time.monotonic() < moment:
                time.sleep(0.0005)
            keyboard.callback(message)
    player = threading.Thread(target=run)
    player.start()
    player.join()
    return time.monotonic()


def test_a_call_gets_an_answer_as_long_on_the_beat(jamming, qtbot):
    w = jamming
    call(w.keyboard_, [60, 62, 64, 65, 67, 65, 64, 62])          # a bar of eighths at 150 bpm
    qtbot.waitUntil(lambda: len(w.output.struck()) == 4, timeout=5000)
    session = w.jam.session
    assert abs(session.pulse.bpm - 150) < 5                       # (the stand-in player is late at times)
    first, _ = w.output.struck()[0]
    beat = round(session.pulse.beats_at(first))
    assert beat == 5                     # a beat after the last eighth's, counted from the first: on it within
    #                                      half a beat (how close, on this shared machine, is the benchmark's to say)
    qtbot.waitUntil(lambda: sum(w.model.is_generated(i) for i in w.model.ids()) == 4, timeout=3000)
    answer = sorted((n for i, n in w.model.items() if w.model.is_generated(i)), key=Note.sort_key)
    assert [n.pitch for n in answer] == [84, 85, 86, 87]           # one bar, as the call
    bar = 1920
    assert answer[0].start == bar + 5 * 480 and answer[-1].end == answer[0].start + bar
    assert w.calls[-1].options.bars == 1 and w.calls[-1].phrase.length % 480 == 0
    assert w.calls[-1].options.chords == ((0, 480, "Dm"), (480, 1920, "G7"))   # the lane's, from the answer on


def test_playing_during_an_answer_cuts_it_off(jamming, qtbot):
    w = jamming
    call(w.keyboard_, [60, 62, 64, 65, 67, 65, 64, 62] * 2)       # two bars: a two-bar answer
    qtbot.waitUntil(lambda: len(w.output.struck()) >= 2, timeout=5000)
    cut_at = call(w.keyboard_, [72], held=0.5)                    # cut in on the answer's second note
    heard = len(w.output.struck())
    qtbot.wait(int(3 * 0.4 * 1000))         # three more beats of the answer; the cut-in is answered a bar on
    assert 2 <= heard < 8 and len(w.output.struck()) == heard     # nothing more of it sounds
    offs = [m.note for t, m in w.output.sent if m.type == "note_off" and t >= cut_at - 0.3]
    assert offs, "what sounded was silenced"
    w.jam.stop()
    answer = sorted((n for i, n in w.model.items() if w.model.is_generated(i)), key=Note.sort_key)
    assert len(answer) == heard                                   # the notes heard stay
    assert w.calls[0].options.bars == 1 and w.calls[1].options.bars == 1   # the first bar, then the rest


def test_the_session_is_one_undo_step_in_the_right_colours_and_esc_ends_it(jamming, qtbot):
    w = jamming
    call(w.keyboard_, [60, 62, 64, 65, 67, 65, 64, 62])
    qtbot.waitUntil(lambda: len(w.output.struck()) == 4, timeout=5000)
    qtbot.waitUntil(lambda: len(w.model) == 1 + 8 + 4, timeout=3000)     # all of it in the roll, live
    w.view.setFocus()
    QTest.keyClick(w.view, Qt.Key_Escape)
    assert not w.jam.is_jamming() and not w.actions_["jam"].isChecked() and w.keyboard_.closed
    mine = sorted(n.pitch for i, n in w.model.items() if not w.model.is_generated(i))
    answered = sorted(n.pitch for i, n in w.model.items() if w.model.is_generated(i))
    assert mine == [48, 60, 62, 62, 64, 64, 65, 65, 67] and answered == [84, 85, 86, 87]
    assert w.undo_stack.count() == 1 and w.undo_stack.text(0) == "Jam"
    assert abs(w.model.tempo_bpm - 150) < 5                       # the player's tempo, shown and kept
    w.undo_stack.undo()
    assert [n.pitch for _, n in w.model.items()] == [48] and w.model.tempo_bpm == 120
    w.undo_stack.redo()
    assert len(w.model) == 13


def test_no_keyboard_is_a_message_not_a_crash(window, monkeypatch):
    shown = []
    monkeypatch.setattr("gui.sound.jam.QMessageBox.information", lambda *a: shown.append(a[2]))
    monkeypatch.setattr("gui.sound.jam.input_names", lambda: ([], "MIDI inputs are not available (no ALSA)"))
    window.jam_session().toggle()
    assert shown and "no ALSA" in shown[-1] and not window.jam.is_jamming()
    assert not window.actions_["jam"].isChecked()


def test_the_jam_action_is_in_the_generate_menu_and_the_toolbar(window):
    menus = {m.title(): m for m in (a.menu() for a in window.menuBar().actions()) if m is not None}
    assert window.actions_["jam"] in menus["&Generate"].actions()
    assert any(window.actions_["jam"] in bar.actions() for bar in window.findChildren(type(window.addToolBar("x"))))


def test_the_answers_go_to_the_midi_output_else_the_built_in_piano(window, qtbot, monkeypatch):
    from engine.sound.live import PortVoice
    from gui.sound.live_voice import PianoVoice, SilentVoice, answer_voice
    qtbot.waitUntil(lambda: window.transport.playback is not None, timeout=3000)
    playback = window.transport.playback
    assert isinstance(answer_voice(None, print), SilentVoice)
    if playback.built_in_piano() is None:
        pytest.skip("no audio device here, not even SDL's dummy one")
    voice = answer_voice(playback, print)
    assert isinstance(voice, PianoVoice)
    voice.prepare([Note(60, 0, 480, 90)])
    assert (60, 90) in voice._sounds                              # rendered ahead, not when struck
    voice.strike(60, 90)
    voice.strike(64, 70)
    voice.cut()
    assert not voice._ringing
    port = Output()
    monkeypatch.setattr(playback, "midi_port", lambda: port)
    voice = answer_voice(playback, print)
    assert isinstance(voice, PortVoice)
    voice.strike(60, 90)
    assert [m.type for _, m in port.sent] == ["note_on"]
