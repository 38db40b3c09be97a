"""A Jam session with threads and a real clock but no ports or model: a stand-in writer and voice."""

import threading
import time

import mido

from engine.music.phrase import FINE_STEPS_PER_QUARTER, Note, Phrase
from engine.sound.jam import Pulse
from engine.sound.jam_session import JamSession, Reports

BEAT = 0.2                                   # 300 beats a minute: quick tests
TEMPLATE = Phrase(steps_per_quarter=FINE_STEPS_PER_QUARTER, tempo_bpm=60 / BEAT)
STEP_BEAT = TEMPLATE.steps_per_beat


class Voice:
    def __init__(self):
        self.log = []

    def strike(self, pitch, velocity):
        self.log.append(("on", pitch, time.monotonic()))

    def release(self, pitch):
        self.log.append(("off", pitch, time.monotonic()))

    def cut(self):
        self.log.append(("cut", 0, time.monotonic()))

    def struck(self):
        return [(pitch, t) for kind, pitch, t in self.log if kind == "on"]


class Writer:
    """Writes a note (84 up) on every beat of the bars asked, noting when it was asked and for what."""

    def __init__(self, fail=False):
        self.asked, self.fail = [], fail

    def __call__(self, phrase, bars, cancel, at):
        self.asked.append((time.monotonic(), bars, at, phrase))
        if self.fail:
            raise RuntimeError("no model")
        count = bars * phrase.beats_per_bar
        return [Note(84 + k, k * STEP_BEAT, STEP_BEAT) for k in range(count)]


def session_with(writer, voice, reports=None):
    origin = time.monotonic() + 0.1
    return JamSession(TEMPLATE, 0, [], writer, voice, reports, pulse=Pulse(origin, BEAT)), origin


def play(session, origin, notes):
    """(beat struck, beat let go, pitch) at their moments; returns the moment of each message."""
    events = sorted([(origin + a * BEAT, 1, mido.Message("note_on", note=p, velocity=90)) for a, _, p in notes]
                    + [(origin + b * BEAT, 0, mido.Message("note_off", note=p)) for _, b, p in notes],
                    key=lambda e: (e[0], e[1]))
    moments = []
    for moment, _, message in events:
        while time.monotonic() < moment:
            time.sleep(0.0005)
        session.feed(message)
        moments.append(time.monotonic())
    return moments


def wait_for(done, timeout=3.0):
    limit = time.monotonic() + timeout
    while not done() and time.monotonic() < limit:
        time.sleep(0.005)
    return done()


A_BAR = [(k, k + 0.8, 60 + 2 * k) for k in range(4)]           # four quarters, each let go early


def test_the_answer_is_written_before_the_player_lets_go_and_sounds_on_the_beat():
    writer, voice = Writer(), Voice()
    session, origin = session_with(writer, voice)
    try:
        moments = play(session, origin, A_BAR)
        assert wait_for(lambda: len(voice.struck()) == 4)
        asked_at, bars, at, phrase = writer.asked[-1]                   # asked anew at each note struck
        last_struck, last_released = moments[-2], moments[-1]
        assert len(writer.asked) == 4 and len(phrase.notes) == 4
        assert last_struck <= asked_at < last_released                  # written while the last key was down
        assert bars == 1 and at == 4 * STEP_BEAT and phrase.length == 4 * STEP_BEAT
        assert max(n.end for n in phrase.notes) == at                  # the held note lasting to the answer
        first = voice.struck()[0][1]
        assert abs(first - (origin + 4 * BEAT)) < BEAT / 4               # on the next bar line (how close: benchmark)
        assert [p for p, _ in voice.struck()] == [84, 85, 86, 87] and session.late == 0
    finally:
        played, answered = session.stop()
    assert [n.pitch for n in played] == [60, 62, 64, 66]
    assert [(n.pitch, n.start) for n in answered] == [(84 + k, (4 + k) * STEP_BEAT) for k in range(4)]


def test_a_key_held_past_the_beat_puts_the_answer_off_until_it_is_let_go():
    writer, voice = Writer(), Voice()
    session, origin = session_with(writer, voice)
    try:
        play(session, origin, A_BAR[:3] + [(3, 5.3, 66)])                # the last note held into beat 5
        assert wait_for(lambda: voice.struck())
        assert abs(voice.struck()[0][1] - (origin + 6 * BEAT)) < BEAT / 4   # the beat after it was let go
    finally:
        session.stop()


def test_a_note_during_the_answer_cuts_it_off_and_the_rest_comes_while_the_first_bar_plays():
    writer, voice = Writer(), Voice()
    cuts = []
    session, origin = session_with(writer, voice, Reports(cut=cuts.append))
    try:
        play(session, origin, [(k, k + 0.8, 60) for k in range(8)])       # two bars: a two-bar answer
        assert wait_for(lambda: writer.asked[-1][2] == 12 * STEP_BEAT)
        answer = writer.asked[-2:]
        assert [(bars, at) for _, bars, at, _ in answer] == [(1, 8 * STEP_BEAT), (1, 12 * STEP_BEAT)]
        assert answer[1][0] < origin + 9 * BEAT                           # the rest written while the first bar plays
        assert len(answer[1][3].notes) == 8 + 4                           # after the call and the first bar
        play(session, origin, [(9.5, 9.9, 72)])                           # cut in after two notes
        time.sleep(4 * BEAT)
        assert [p for p, t in voice.struck() if t > origin + 7.5 * BEAT] == [84, 85]
        assert ("cut", 0) in [(kind, pitch) for kind, pitch, _ in voice.log]
        assert abs(cuts[-1] - 9.5 * STEP_BEAT) < STEP_BEAT / 20           # (answers begun where it went on: taken back)
    finally:
        _, answered = session.stop()
    assert [(n.pitch, n.end) for n in answered] == [(84, 9 * STEP_BEAT), (85, cuts[-1])]   # heard, then cut


def test_a_writer_that_fails_is_said_once_and_the_session_listens_on():
    said = []
    writer, voice = Writer(fail=True), Voice()
    session, origin = session_with(writer, voice, Reports(error=said.append))
    try:
        play(session, origin, A_BAR)
        assert wait_for(lambda: said)
        time.sleep(2 * BEAT)
        assert said == ["The answer could not be written: no model"] and not voice.struck()
        assert threading.active_count() >= 1
    finally:
        played, _ = session.stop()
    assert len(played) == 4


def test_a_player_going_on_a_little_late_takes_back_the_answer_just_begun():
    writer, voice = Writer(), Voice()
    cuts = []
    session, origin = session_with(writer, voice, Reports(cut=cuts.append))
    try:
        play(session, origin, A_BAR + [(4.1, 4.8, 67), (5, 5.8, 69)])   # goes on, a tenth of a beat late
        assert wait_for(lambda: len([p for p, t in voice.struck() if t > origin + 5.5 * BEAT]) == 2)
        assert cuts and cuts[0] == 4 * STEP_BEAT                          # the answer begun on beat 4 is taken back
        assert [a[2] for a in writer.asked[-2:]] == [6 * STEP_BEAT, 10 * STEP_BEAT]   # the whole call (1.5 bars: 2)
    finally:
        played, answered = session.stop()
    assert [n.pitch for n in played] == [60, 62, 64, 66, 67, 69]
    assert [n.start for n in answered][:1] == [6 * STEP_BEAT]             # nothing of the answer taken back stays


def test_a_voice_that_renders_ahead_gets_the_first_notes_before_they_are_due_then_the_rest():
    class Piano(Voice):
        prepared = []

        def prepare(self, notes):
            self.prepared.append(([n.start for n in notes], time.monotonic()))

    writer, voice = Writer(), Piano()
    session, origin = session_with(writer, voice)
    try:
        play(session, origin, A_BAR)
        assert wait_for(lambda: len(voice.struck()) == 4)
    finally:
        session.stop()
    (first, at), (rest, _) = voice.prepared[-2:]
    assert first == [0] and rest == [STEP_BEAT, 2 * STEP_BEAT, 3 * STEP_BEAT]
    assert at < voice.struck()[0][1]
