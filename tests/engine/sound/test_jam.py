"""Jam's sense of time, without ports or threads: the pulse, the stop, the answer's beat and length."""

import numpy as np
import pytest

from engine.music.phrase import Note, Phrase
from engine.sound.jam import (
    CONTEXT_BARS,
    MAX_BARS,
    Pulse,
    answer_bars,
    answer_start,
    chord_onsets,
    context,
    estimate_pulse,
)


@pytest.mark.parametrize("gaps, bpm", [
    ([0.5] * 7, 120),                                     # quarters at 120
    ([0.25] * 11, 120),                                   # eighths at 120: heard at the quarter
    ([0.5, 0.25, 0.25, 0.75, 0.25, 0.5, 1.0], 120),       # a dotted rhythm
    ([0.6, 0.6, 0.3, 0.3, 0.6, 1.2], 100),
    ([0.4] * 6, 150),
    ([0.15] * 12, 100),                                   # sixteenths at 100
    ([1.0, 1.0, 1.0], 60),
])
def test_the_pulse_is_heard_from_the_onsets(gaps, bpm):
    onsets = np.concatenate([[3.0], 3.0 + np.cumsum(gaps)])
    pulse = estimate_pulse(list(onsets))
    assert pulse.bpm == pytest.approx(bpm, rel=0.01)
    assert pulse.origin == pytest.approx(3.0, abs=0.005)          # the first note is a bar line


def test_a_human_players_timing_still_gives_the_tempo():
    rng = np.random.default_rng(3)
    onsets = np.arange(16) * 0.3 + rng.normal(0, 0.012, 16)       # eighths at 100, 12 ms astray
    assert estimate_pulse(list(onsets)).bpm == pytest.approx(100, rel=0.02)


def test_too_few_onsets_give_no_pulse_and_chords_count_once():
    assert estimate_pulse([0.0, 0.5]) is None
    assert estimate_pulse([0.0, 0.01, 0.02, 0.5]) is None          # a chord and a note
    assert chord_onsets([0.5, 0.0, 0.02, 0.51]) == [0.0, 0.5]


def test_the_answer_starts_on_the_beat_after_a_beat_of_quiet():
    pulse, bar = Pulse(10.0, 0.5), 4
    # a bar of quarters, the last on beat 3 (from 0): the answer comes on beat 4, the next bar line
    assert answer_start(pulse, 10.0, pulse.time_of(3), pulse.time_of(3.8), bar) == 4
    # the last note a little late still ends on its beat; a last eighth off the beat waits for the next one
    assert answer_start(pulse, 10.0, pulse.time_of(3.1), pulse.time_of(3.8), bar) == 4
    assert answer_start(pulse, 10.0, pulse.time_of(3.5), pulse.time_of(3.9), bar) == 5
    # a key held past the beat: the beat after it is let go
    assert answer_start(pulse, 10.0, pulse.time_of(3), pulse.time_of(4.2), bar) == 5
    # at least a bar after the call began (its first note, on beat 2)
    assert answer_start(pulse, pulse.time_of(2), pulse.time_of(2.5), pulse.time_of(3), bar) == 6


def test_the_answer_is_as_long_as_the_call_at_most_four_bars():
    pulse, bar = Pulse(0.0, 0.5), 4
    assert answer_bars(pulse, 0.0, 4, bar) == 1
    assert answer_bars(pulse, 0.0, 8, bar) == 2
    assert answer_bars(pulse, pulse.time_of(1), 9, bar) == 2           # from the call's first beat
    assert answer_bars(pulse, 0.0, 9, bar) == 2                        # a bar and a quarter: rounded
    assert answer_bars(pulse, 0.0, 40, bar) == MAX_BARS
    assert answer_bars(pulse, 0.0, 2, bar) == 1


def test_the_model_reads_the_last_sixteen_bars_held_notes_cut_at_the_answer():
    template = Phrase(steps_per_quarter=4)
    bar = template.steps_per_bar
    notes = [Note(60, k * bar, 4) for k in range(20)] + [Note(72, 19 * bar + 8, 40)]
    end = 19 * bar + 12
    phrase, first = context(template, notes, end)
    assert first == 19 * bar - (CONTEXT_BARS - 1) * bar
    assert phrase.length == end - first and len(phrase.notes) == CONTEXT_BARS + 1
    assert max(n.end for n in phrase.notes) == end - first              # the held note ends at the answer
    assert min(n.start for n in phrase.notes) == 0
