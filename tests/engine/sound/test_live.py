"""The timeline runs actions at their moments, in order; a port voice silences what it struck."""

import threading
import time

from engine.sound.live import PortVoice, Timeline


def test_actions_run_at_their_moments_in_order_and_a_clear_drops_the_rest():
    timeline = Timeline()
    ran = []
    done = threading.Event()
    now = time.monotonic()
    for k, delay in enumerate([0.06, 0.02, 0.04]):
        timeline.at(now + delay, lambda k=k, delay=delay: ran.append((k, time.monotonic() - now - delay)))
    timeline.at(now + 0.08, done.set)
    timeline.at(now + 5.0, lambda: ran.append("too late"))
    assert done.wait(2.0)
    assert [k for k, _ in ran] == [1, 2, 0]
    assert all(-0.001 < late < 0.05 for _, late in ran)           # never early (a busy machine: late at most)
    timeline.clear()
    assert timeline.pending() == 0
    timeline.close()
    assert "too late" not in ran


def test_a_failing_action_is_said_and_the_timeline_goes_on():
    said, done = [], threading.Event()
    timeline = Timeline(on_error=said.append)
    timeline.at(time.monotonic(), lambda: 1 / 0)
    timeline.at(time.monotonic() + 0.01, done.set)
    assert done.wait(2.0) and "ZeroDivisionError" in said[0]
    timeline.close()


class Port:
    def __init__(self, fail=False):
        self.sent, self.fail = [], fail

    def send(self, message):
        if self.fail:
            raise OSError("unplugged")
        self.sent.append(message)


def test_a_cut_releases_every_note_still_sounding():
    port = Port()
    voice = PortVoice(port)
    voice.strike(60, 90)
    voice.strike(64, 80)
    voice.release(60)
    voice.release(60)                                             # released once only
    voice.cut()
    assert [(m.type, m.note) for m in port.sent] == [("note_on", 60), ("note_on", 64), ("note_off", 60),
                                                     ("note_off", 64)]
    voice.cut()
    assert len(port.sent) == 4


def test_a_port_that_fails_is_said_once():
    said = []
    voice = PortVoice(Port(fail=True), on_error=said.append)
    voice.strike(60, 90)
    voice.strike(62, 90)
    assert len(said) == 1 and "unplugged" in said[0]
