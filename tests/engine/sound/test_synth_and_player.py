"""The built-in piano and the MIDI port player, without any sound card or MIDI hardware."""

import threading
import time

import numpy as np

from engine.music.phrase import Note, Phrase
from engine.sound.port_player import PortPlayer, note_events
from engine.sound.synth import Synth

RATE = 22050


def steps_to_samples(phrase, steps):
    return int(round(steps * phrase.seconds_per_step * RATE))


def test_render_is_silent_before_a_note_and_sounds_during_it():
    phrase = Phrase((Note(60, 8, 4, 100),), end=16)           # 120 bpm: a step is 1/8 s
    audio = Synth(RATE).render(phrase)
    assert audio.dtype == np.int16 and audio.shape[1] == 2
    onset = steps_to_samples(phrase, 8)
    assert np.abs(audio[:onset - 10]).max() == 0
    assert np.abs(audio[onset:onset + 2000]).max() > 3000
    assert len(audio) >= steps_to_samples(phrase, 16)


def test_louder_velocity_is_louder_and_big_chords_do_not_clip():
    soft = Synth(RATE).render(Phrase((Note(60, 0, 4, 30),)))
    loud = Synth(RATE).render(Phrase((Note(60, 0, 4, 120),)))
    assert np.abs(loud).max() > 2 * np.abs(soft).max()
    cluster = Phrase(tuple(Note(40 + i, 0, 8, 127) for i in range(40)))
    assert np.abs(Synth(RATE).render(cluster).astype(np.int32)).max() < 32767


def test_a_loop_renders_exactly_its_length_and_hears_notes_held_into_it():
    phrase = Phrase((Note(60, 0, 16),))
    audio = Synth(RATE).render(phrase, start=8, end=16, tail=False)
    assert abs(len(audio) - steps_to_samples(phrase, 8)) <= 1
    assert np.abs(audio[:1000]).max() > 1000                  # the held note is heard from the loop start


def test_note_events_release_before_restriking_and_clip_to_the_range():
    phrase = Phrase((Note(60, 0, 4), Note(60, 4, 4), Note(64, 2, 20)))
    events = note_events(phrase, 0, 8)
    kinds = [(round(t / phrase.seconds_per_step), m.type, m.note) for t, m in events]
    assert kinds.index((4, "note_off", 60)) < kinds.index((4, "note_on", 60))
    assert (8, "note_off", 64) in kinds                          # released at the end of the range
    assert sum(m.type == "note_on" for _, m in events) == sum(m.type == "note_off" for _, m in events)


class RecordingPort:
    def __init__(self, fail_after=None):
        self.sent, self.fail_after, self.closed = [], fail_after, False

    def send(self, message):
        if self.fail_after is not None and len(self.sent) >= self.fail_after:
            raise OSError("device unplugged")
        self.sent.append(message)

    def close(self):
        self.closed = True


def test_the_player_sends_every_note_then_stop_silences_all_channels():
    port = RecordingPort()
    phrase = Phrase((Note(60, 0, 1), Note(64, 1, 1)), tempo_bpm=600)    # a step is 25 ms
    player = PortPlayer(port)
    player.play(phrase, 0, phrase.length)
    deadline = time.time() + 5
    while player.is_playing() and time.time() < deadline:
        time.sleep(0.01)
    notes = [(m.type, m.note) for m in port.sent if m.type.startswith("note")]
    assert notes == [("note_on", 60), ("note_off", 60), ("note_on", 64), ("note_off", 64)]
    player.stop()
    offs = {m.channel for m in port.sent if m.type == "control_change" and m.control == 123}
    assert offs == set(range(16))


def test_a_port_that_disappears_is_reported_not_raised():
    errors = []
    done = threading.Event()
    port = RecordingPort(fail_after=1)
    player = PortPlayer(port, on_error=lambda m: (errors.append(m), done.set()))
    player.play(Phrase(tuple(Note(60 + i, i, 1) for i in range(8)), tempo_bpm=600), 0, 8)
    assert done.wait(5)
    assert "device unplugged" in errors[0]
    player.close()
    assert port.closed


def test_a_bar_of_metronome_clicks_follows_the_metre():
    from engine.music.phrase import Phrase
    from engine.sound.synth import click_bar
    waltz = click_bar(Phrase(tempo_bpm=90, time_signature=(3, 4)))
    assert [(n.start, n.pitch) for n in waltz.notes] == [(0, 96), (4, 89), (8, 89)] and waltz.length == 12
    jig = click_bar(Phrase(time_signature=(6, 8)))
    assert [n.start for n in jig.notes] == [0, 2, 4, 6, 8, 10] and jig.notes[0].velocity > jig.notes[1].velocity
    assert jig.notes[3].velocity > jig.notes[4].velocity            # its second beat, a dotted quarter in
    assert [n.velocity for n in waltz.notes][1:] == [80, 80]
