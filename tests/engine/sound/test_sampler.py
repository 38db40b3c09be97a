"""The sampled piano: pitch, loudness and brightness by velocity, the pedal, pieces that join."""

import mido
import numpy as np
import pytest

from engine.files.midi import read_midi
from engine.music.phrase import Note, Phrase
from engine.sound.audio import PIANO_PATH
from engine.sound.sampler import Sampler, seconds_at
from engine.sound.soundfont import read_soundfont

RATE = 44100


@pytest.fixture(scope="module")
def piano():
    return Sampler(read_soundfont(PIANO_PATH), RATE)


def mono(audio):
    return audio.astype(np.float64).mean(axis=1)


def peak_near(signal, hz):
    """The strongest frequency within a semitone of ``hz`` (zero-padded FFT: ~0.1 Hz bins)."""
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal)), 1 << 19))
    freqs = np.fft.rfftfreq(1 << 19, 1 / RATE)
    band = (freqs > hz * 2 ** (-1 / 12)) & (freqs < hz * 2 ** (1 / 12))
    return freqs[band][np.argmax(spectrum[band])]


@pytest.mark.parametrize("pitch", [45, 60, 69, 76])
def test_a_note_sounds_at_its_pitch(piano, pitch):
    audio = mono(piano.render(Phrase((Note(pitch, 0, 8, 100),))))       # one second
    hz = 440 * 2 ** ((pitch - 69) / 12)
    found = peak_near(audio[2000:2000 + 32768], hz)
    assert abs(1200 * np.log2(found / hz)) < 5                          # within 5 cents


def test_a_louder_velocity_is_louder_and_brighter(piano):
    def measure(velocity):
        audio = mono(piano.render(Phrase((Note(60, 0, 8, velocity),))))[:RATE // 2]
        spectrum = np.abs(np.fft.rfft(audio))
        centroid = (spectrum * np.fft.rfftfreq(len(audio), 1 / RATE)).sum() / spectrum.sum()
        return np.sqrt((audio ** 2).mean()), centroid
    soft, loud = measure(40), measure(110)
    assert loud[0] > 4 * soft[0]
    assert loud[1] > 1.15 * soft[1]


def test_a_note_starts_on_time_and_dies_away_after_release(piano):
    phrase = Phrase((Note(60, 8, 8, 100),), end=32)                     # 120 bpm: on at 1 s, off at 2 s
    audio = np.abs(mono(piano.render(phrase)))
    assert audio[:RATE - 50].max() == 0 and audio[RATE:RATE + 2000].max() > 1000
    level = [audio[int(t * RATE):int(t * RATE) + 2205].max() for t in (1.8, 2.6)]
    assert level[1] < level[0] / 30                                     # the damper stops the string


def midi_with_pedal(path, pedal: bool):
    """A half-second C4; with ``pedal`` the sustain pedal holds it for three seconds."""
    midi = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    midi.tracks.append(track)
    track += [mido.Message("control_change", control=64, value=127 if pedal else 0, time=0),
              mido.Message("note_on", note=60, velocity=90, time=0),
              mido.Message("note_off", note=60, time=480),
              mido.Message("control_change", control=64, value=0, time=2400),
              mido.Message("note_on", note=72, velocity=1, time=480),
              mido.Message("note_off", note=72, time=10)]
    midi.save(path)
    return read_midi(path)


def test_the_sustain_pedal_holds_the_sound_until_it_lifts(piano, tmp_path):
    """The phrase holds no pedal: reading MIDI lengthens what the pedal holds, and the piano plays
    those notes for as long."""
    dry = mono(piano.render(midi_with_pedal(tmp_path / "dry.mid", pedal=False)))
    held = mono(piano.render(midi_with_pedal(tmp_path / "held.mid", pedal=True)))
    window = slice(int(1.5 * RATE), int(2.5 * RATE))                    # after the key is let go
    assert np.sqrt((held[window] ** 2).mean()) > 30 * np.sqrt((dry[window] ** 2).mean())


def test_pieces_join_into_exactly_the_whole(piano):
    phrase = Phrase((Note(60, 0, 24, 90), Note(64, 3, 5, 60), Note(60, 12, 3, 120), Note(100, 8, 2, 100)),
                    tempo_bpm=100, tempo_changes=((10, 60.0),))
    performance = piano.performance(phrase)
    whole = performance.render(0, performance.frames)
    pieces = np.concatenate([performance.render(a, a + 7777) for a in range(0, performance.frames, 7777)])
    assert np.array_equal(whole, pieces) and np.abs(whole).max() > 0


def test_a_loop_is_exactly_its_length_and_hears_notes_held_into_it(piano):
    phrase = Phrase((Note(60, 0, 16),))
    audio = piano.render(phrase, start=8, end=16, tail=False)
    assert len(audio) == round(8 * phrase.seconds_per_step * RATE)
    assert np.abs(audio[:1000]).max() > 500
    assert np.abs(audio[-3:]).max() < 100                               # faded, so the seam does not click


def test_the_tempo_map_times_the_notes():
    phrase = Phrase((Note(60, 0, 4),), tempo_bpm=120, tempo_changes=((8, 60.0),))
    assert list(seconds_at(phrase, [0, 8, 12])) == [0.0, 1.0, 2.0]


def test_the_ring_of_a_note_and_the_zones_of_a_key_are_found_as_the_arrays_find_them(piano):
    from engine.sound.sampler import _held_cb, _held_cb_at
    preset = piano.preset
    for key in (21, 48, 60, 61, 84, 108):
        for velocity in (1, 40, 64, 100, 127):
            every = [z for z in preset.zones if z.covers(key, velocity)]
            assert preset.zones_for(key, velocity) == every
            for plan in piano.plans(key, velocity):
                for held in (0.0, 0.01, 0.3, 2.0, 30.0):
                    assert _held_cb_at(plan, held) == pytest.approx(float(_held_cb(plan, np.array([held]))[0]))


def test_a_long_piece_is_made_into_voices_as_the_sound_reaches_them_and_ends_where_its_last_ring_does(piano):
    import random
    rng = random.Random(4)
    notes = tuple(Note(rng.randrange(36, 96), 2 * i, rng.choice([1, 2, 8, 64]), rng.randrange(30, 120))
                  for i in range(600))
    phrase = Phrase(notes, steps_per_quarter=4, tempo_bpm=240)
    performance = piano.performance(phrase)
    assert performance.voices == []                                      # nothing worked out before it is asked
    rate = piano.sample_rate
    first = performance.render(0, rate // 2)
    assert 0 < len(performance.voices) < 200                             # the first half second's notes only
    rest = performance.render(rate // 2, performance.frames)
    ends = max(until for _, _, _, until in performance.voices)
    assert performance.frames == max(ends, int(round(seconds_at(phrase, [phrase.length])[0] * rate)))
    assert np.abs(rest).max() > 0 and first.shape == (rate // 2, 2)
    whole = piano.performance(phrase)
    assert np.array_equal(np.concatenate([first, rest]), whole.render(0, whole.frames))
