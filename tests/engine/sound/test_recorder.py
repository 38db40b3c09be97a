"""Playing a phrase in: timed MIDI messages become notes on the grid."""

import mido
import pytest

from engine.music.phrase import Note
from engine.sound.recorder import Recording, input_names


def on(pitch, velocity=90, channel=0):
    return mido.Message("note_on", note=pitch, velocity=velocity, channel=channel)


def off(pitch, zero_velocity=False):
    return mido.Message("note_on", note=pitch, velocity=0) if zero_velocity else mido.Message("note_off", note=pitch)


def pedal(down):
    return mido.Message("control_change", control=64, value=127 if down else 0)


def play(recording, events):
    done = []
    for seconds, message in events:
        done += recording.feed(message, seconds)
    return done


def test_notes_land_on_the_grid_when_released():
    r = Recording(start_step=16, seconds_per_step=0.125)         # 120 bpm, sixteenth steps
    done = play(r, [(0.01, on(60, 100)), (0.49, off(60)),         # a quarter note, a little early/late
                    (0.52, on(64, 70)), (0.76, off(64, zero_velocity=True))])
    assert done == [Note(60, 16, 4, 100), Note(64, 20, 2, 70)]
    assert r.notes == done


def test_snap_rounds_starts_and_lengths_to_the_chosen_grid():
    r = Recording(start_step=0, seconds_per_step=0.125, snap=4)
    done = play(r, [(0.3, on(60)), (0.35, off(60)), (1.1, on(62)), (1.6, off(62))])
    assert [(n.start, n.duration) for n in done] == [(4, 4), (8, 4)]   # a flick still lasts one snap


def test_a_chord_and_the_sustain_pedal():
    r = Recording(start_step=0, seconds_per_step=0.25)
    done = play(r, [(0.0, pedal(True)), (0.0, on(48)), (0.0, on(55)), (0.0, on(64)),
                    (0.5, off(48)), (0.5, off(55)), (0.5, off(64))])
    assert done == []                                            # held by the pedal
    done = play(r, [(2.0, pedal(False))])
    assert sorted((n.pitch, n.start, n.duration) for n in done) == [(48, 0, 8), (55, 0, 8), (64, 0, 8)]


def test_a_key_struck_again_ends_the_note_before_it():
    r = Recording(start_step=0, seconds_per_step=0.25)
    done = play(r, [(0.0, pedal(True)), (0.0, on(60)), (0.2, off(60)), (1.0, on(60)), (1.5, pedal(False))])
    assert [(n.start, n.duration) for n in done] == [(0, 4)]
    assert [(n.start, n.duration) for n in r.finish(2.0)] == [(4, 4)]


def test_stopping_ends_every_held_note_and_drums_are_left_out():
    r = Recording(start_step=0, seconds_per_step=0.25)
    play(r, [(0.0, on(60)), (0.0, on(36, channel=9)), (0.5, mido.Message("pitchwheel", pitch=100)),
             (0.0, off(61))])                                    # a release without a press is ignored
    assert [(n.pitch, n.duration) for n in r.finish(1.0)] == [(60, 4)]
    assert r.finish(2.0) == []


def test_bad_arguments_and_missing_backend():
    with pytest.raises(ValueError):
        Recording(0, 0)
    names, problem = input_names()
    assert isinstance(names, list) and (names or problem is None or "not available" in problem)
