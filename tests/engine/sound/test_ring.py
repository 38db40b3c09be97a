"""Sound streamed through a ring: what the device reads is the music, exactly, in a buffer of fixed
size whatever the piece's length; a writer that falls behind leaves silence, never old music."""

import random

import numpy as np
import pytest

from engine.music.phrase import Note, Phrase
from engine.sound.audio import built_in_piano, performance
from engine.sound.ring import RingFeed
from engine.sound.synth import Synth

RATE = 1000                       # a small rate keeps these rings small: 12 s is 12,000 frames


class Counting:
    """A sound whose every frame says where it is, and that counts what it was asked to render."""

    def __init__(self, frames: int):
        self.frames = frames
        self.rendered = 0

    def pcm(self, a: int, b: int) -> np.ndarray:
        assert 0 <= a < b <= self.frames
        self.rendered = max(self.rendered, b - a)
        at = np.arange(a, b, dtype=np.int64) % 30000 + 1
        return np.stack((at, -at), axis=1).astype(np.int16)


def listen(feed, ring_frames: int, until: int, seed: int = 0, late: tuple[int, int] | None = None):
    """Play the ring as a device does, the writer taking its turn every so often: the frames heard.
    ``late``: (from, to) frames heard during which the writer gets no turn."""
    rng = random.Random(seed)
    buffer = np.zeros((ring_frames, 2), np.int16)
    feed.fill(buffer, 0, most=250)              # before the sound starts
    feed.fill(buffer, 0)                        # the writer's first turn, at once
    heard, out = 0, []
    while heard < until:
        step = rng.randrange(50, 400)
        slots = np.arange(heard, heard + step) % ring_frames
        out.append(buffer[slots].copy())
        heard += step
        if late is None or not late[0] <= heard < late[1]:
            feed.fill(buffer, heard)
    return np.concatenate(out)[:until]


def test_an_hour_streams_exactly_through_a_ring_of_twelve_seconds():
    sound = Counting(3600 * RATE)
    feed = RingFeed(sound, RATE, 12 * RATE)
    heard = listen(feed, 12 * RATE, until=sound.frames + 5 * RATE)
    assert sound.rendered <= RATE / 2                            # never more than a piece at a time
    assert np.array_equal(heard[:sound.frames], sound.pcm(0, sound.frames))
    assert not heard[sound.frames:].any()                       # silence after the end
    assert feed.finished(sound.frames) and not feed.finished(sound.frames - 1)


def test_a_loop_repeats_without_a_seam():
    sound = Counting(3 * RATE + 17)
    feed = RingFeed(sound, RATE, 12 * RATE, loop=True)
    heard = listen(feed, 12 * RATE, until=40 * RATE, seed=3)
    expected = sound.pcm(0, sound.frames)
    assert np.array_equal(heard, np.concatenate([expected] * 14)[:40 * RATE])
    assert not feed.finished(10**9)


def test_a_writer_that_falls_behind_leaves_silence_not_music_from_before():
    sound = Counting(60 * RATE)
    feed = RingFeed(sound, RATE, 12 * RATE)
    heard = listen(feed, 12 * RATE, until=40 * RATE, seed=5, late=(20 * RATE, 30 * RATE))
    stream = sound.pcm(0, 40 * RATE)
    same = np.all(heard == stream, axis=1)
    silent = ~heard.any(axis=1)
    assert np.all(same | silent)                                 # the music where it is, or nothing
    assert silent[29 * RATE:30 * RATE].all()                      # the writer was late here
    assert same[:20 * RATE].all() and same[31 * RATE:].all()      # and caught up after


@pytest.mark.parametrize("instrument", ["piano", "tone"])
def test_both_instruments_render_in_pieces_exactly_as_whole(instrument):
    rng = random.Random(2)
    phrase = Phrase(tuple(Note(rng.randrange(30, 100), rng.randrange(0, 30), rng.randrange(1, 10),
                               rng.randrange(20, 127)) for _ in range(60)), tempo_bpm=150)
    player = built_in_piano()[0] if instrument == "piano" else Synth()
    whole = performance(player, phrase).pcm(0, 10**9)
    sound = performance(player, phrase)
    feed = RingFeed(sound, player.sample_rate, 12 * player.sample_rate)
    buffer = np.zeros((12 * player.sample_rate, 2), np.int16)
    feed.fill(buffer, 0)
    assert np.array_equal(buffer[:len(whole)], whole) and not buffer[len(whole):].any()


def test_a_ring_too_short_to_stream_into_is_refused():
    with pytest.raises(ValueError, match="too short"):
        RingFeed(Counting(10), RATE, RATE)
