"""The sustain pedal: one rule for the MIDI file reader and the keyboard recorder."""

import mido

from engine.files.midi import read_midi
from engine.files.sustain import SUSTAIN, SustainPedal
from engine.sound.recorder import Recording


def test_the_pedal_holds_released_keys_on_its_own_channel_until_lifted():
    pedal = SustainPedal()
    assert not pedal.released(0, 60)                    # pedal up: the key ends now
    assert pedal.moved(0, 127) == [] and pedal.is_down(0) and not pedal.is_down(1)
    assert pedal.released(0, 64) and pedal.released(0, 60)
    assert not pedal.released(1, 67)                    # another channel's pedal is up
    pedal.struck(0, 64)                                 # struck again: its held note is ended by the caller
    assert pedal.moved(0, 100) == []                    # still down
    assert pedal.moved(0, 63) == [60] and not pedal.is_down(0)
    assert pedal.moved(0, 0) == []


def test_lifting_every_pedal_hands_back_what_they_held():
    pedal = SustainPedal()
    pedal.moved(0, 64)
    pedal.moved(3, 127)
    pedal.released(0, 60)
    pedal.released(3, 48)
    assert sorted(pedal.lift_all()) == [48, 60] and not pedal.is_down(0) and pedal.lift_all() == []


# at 120 bpm a sixteenth is 0.125 s and 120 ticks of 480 a quarter
PLAYED = [(0.0, "pedal", 127, 0), (0.0, "on", 60, 0), (0.25, "off", 60, 0), (0.25, "on", 48, 1),
          (0.5, "off", 48, 1), (1.0, "on", 64, 0), (1.5, "pedal", 40, 0), (1.75, "off", 64, 0),
          (2.0, "on", 67, 0), (2.25, "pedal", 100, 0), (2.5, "off", 67, 0), (2.75, "on", 67, 0),
          (3.0, "pedal", 0, 0), (3.5, "off", 67, 0)]


def message(kind, value, channel):
    if kind == "pedal":
        return mido.Message("control_change", control=SUSTAIN, value=value, channel=channel)
    return mido.Message("note_on" if kind == "on" else "note_off", note=value, velocity=80, channel=channel)


def test_a_played_passage_reads_the_same_from_a_file_and_from_the_keyboard(tmp_path):
    recording = Recording(start_step=0, seconds_per_step=0.125)
    for seconds, kind, value, channel in PLAYED:
        recording.feed(message(kind, value, channel), seconds)
    recording.finish(4.0)
    track, now = mido.MidiTrack(), 0
    for seconds, kind, value, channel in PLAYED:
        tick = round(seconds * 960)
        track.append(message(kind, value, channel).copy(time=tick - now))
        now = tick
    midi = mido.MidiFile(type=0, ticks_per_beat=480)
    midi.tracks.append(track)
    midi.save(tmp_path / "played.mid")
    from_file = read_midi(tmp_path / "played.mid", steps_per_quarter=4).notes
    assert sorted(recording.notes, key=lambda n: n.sort_key()) == list(from_file)
    # the pedal (channel 1's is never down) held 60 to 1.5 s, not 48; 67 struck again under it
    assert [(n.pitch, n.start, n.duration) for n in from_file] == [
        (60, 0, 12), (48, 2, 2), (64, 8, 6), (67, 16, 6), (67, 22, 6)]
