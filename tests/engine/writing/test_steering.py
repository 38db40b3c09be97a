"""Steering: each take keeps count of what it has written and is nudged towards what it still owes
the phrase (pitch classes, spacing of onsets, chords, register)."""

from collections import Counter

import numpy as np
import pytest

from engine.encoding.controls import FLAGS, GROUPS, HIGH, LOW, MEAN, NAMES, RAW
from engine.encoding.tokens import Vocabulary
from engine.files.seeds import list_seeds, load_seed
from engine.model.checkpoint import load_model
from engine.writing.continuation import ContinueOptions, continue_phrase
from engine.writing.steering import Steering, onset_places


def target(**groups) -> np.ndarray:
    row = np.zeros(RAW, dtype=np.float32)
    for name, values in groups.items():
        row[GROUPS[name]] = values
        row[FLAGS + NAMES.index(name)] = 1
    return row


VOCAB = Vocabulary()


def pitch_nudges(steering: Steering, now: int) -> dict[int, float]:
    out = steering.nudges([now] * steering.rows)[0]
    return {p: float(out[VOCAB.pitch(p)]) for p in range(VOCAB.lowest_pitch, VOCAB.highest_pitch + 1)}


def test_a_pitch_class_used_more_than_asked_is_nudged_down_and_one_owed_up():
    key = np.zeros(12)
    key[[0, 4, 7]] = (0.5, 0.25, 0.25)                  # C twice as often as E or G
    steering = Steering(VOCAB, target(key=key), rows=1, steps_per_quarter=4, start=0, end=64)
    for t, pitch in enumerate((64, 64, 67, 64)):        # E three times, G once, no C yet
        steering.struck(0, pitch, t * 4)
    nudges = pitch_nudges(steering, 16)
    assert nudges[60] > nudges[67] > nudges[64]         # C owed most, E over its share
    assert nudges[60] == nudges[72]                     # a pitch class, in every octave
    assert nudges[61] == 0                              # not asked for, not used: left alone


def test_the_wait_that_keeps_the_phrase_s_spacing_of_onsets_is_nudged_up():
    rhythm = np.zeros(9)
    rhythm[3] = 1.0                                     # every onset 4 sixteenths after the last
    steering = Steering(VOCAB, target(rhythm=rhythm), rows=1, steps_per_quarter=4, start=0, end=64)
    steering.struck(0, 60, 0)
    steering.struck(0, 62, 2)                           # one gap of 2 sixteenths so far
    out = steering.nudges([2])[0]
    waits = {w: float(out[VOCAB.wait(w)]) for w in range(1, VOCAB.max_wait + 1)}
    assert max(waits, key=waits.get) == 4
    assert waits[2] < 0                                 # the gap used more than asked


def test_a_take_that_sat_high_is_nudged_lower_and_nothing_beyond_the_range_is_welcome():
    row = target(register=(0, 0, 0))
    row[LOW], row[HIGH], row[MEAN] = 48, 72, 60
    steering = Steering(VOCAB, row, rows=1, steps_per_quarter=4, start=0, end=64)
    for t in range(4):
        steering.struck(0, 72, t * 4)                   # four notes at the top of the range
    nudges = pitch_nudges(steering, 16)
    assert nudges[50] > nudges[60] > nudges[70]
    assert nudges[84] < nudges[72] and nudges[36] < nudges[48]


def test_strength_zero_or_free_controls_leave_the_network_alone():
    key = np.full(12, 1 / 12)
    for steering in (Steering(VOCAB, target(key=key), 2, 4, 0, 64, strength=0.0),
                     Steering(VOCAB, np.zeros(RAW, dtype=np.float32), 2, 4, 0, 64)):
        steering.struck(0, 60, 0)
        assert not steering.nudges([4, 4]).any()


def test_steering_out_of_range_is_refused():
    with pytest.raises(ValueError, match="steering must be between 0 and 4"):
        ContinueOptions(steering=5).check()


def _distance(counts: Counter, other: Counter) -> float:
    a, b = sum(counts.values()), sum(other.values())
    return 0.5 * sum(abs(counts[k] / a - other[k] / b) for k in set(counts) | set(other))


def _takes_against_the_phrase(strength: float) -> tuple[float, float]:
    """Continue's takes on two seeds: mean distance of their pitch classes and of their spacing of
    onsets from the phrase's."""
    loaded = load_model("default")
    pcs, gaps = [], []
    for title in ("K. 545", "Maple Leaf"):
        phrase = load_seed(next(s for s in list_seeds() if title in s.title))
        own_pcs = Counter(n.pitch % 12 for n in phrase.notes)
        starts = sorted({n.start for n in phrase.notes})
        own_gaps = Counter(b - a for a, b in zip(starts, starts[1:]))
        for seed in range(4):
            for take in continue_phrase(loaded, phrase, ContinueOptions(bars=4, variations=2, seed=seed,
                                                                        steering=strength)):
                pcs.append(_distance(Counter(n.pitch % 12 for n in take.notes), own_pcs))
                onsets = sorted({n.start for n in take.notes})
                gaps.append(_distance(Counter(b - a for a, b in zip(onsets, onsets[1:])), own_gaps))
    return float(np.mean(pcs)), float(np.mean(gaps))


@pytest.mark.slow
def test_steered_takes_keep_closer_to_the_phrase_s_spacing():
    assert _takes_against_the_phrase(2.0)[1] < 0.9 * _takes_against_the_phrase(0.0)[1]


@pytest.mark.slow
def test_continue_steers_pitch_classes_only_when_asked(monkeypatch):
    """Continue leaves the pitch classes to the network (steering them cost chord fit and made
    paraphrase: ``continuation.STEER_PITCH_CLASSES``); switched back on, the takes keep closer."""
    from engine.writing import continuation
    free = _takes_against_the_phrase(2.0)[0]
    monkeypatch.setattr(continuation, "STEER_PITCH_CLASSES", True)
    assert _takes_against_the_phrase(2.0)[0] < 0.9 * free


def test_the_same_seed_gives_the_same_steered_takes():
    loaded = load_model("default")
    phrase = load_seed(next(s for s in list_seeds() if "K. 545" in s.title))
    options = ContinueOptions(bars=2, variations=2, seed=7, steering=2.0)
    first, second = continue_phrase(loaded, phrase, options), continue_phrase(loaded, phrase, options)
    assert [t.notes for t in first] == [t.notes for t in second]


@pytest.mark.slow
def test_fill_keeps_closer_to_the_music_around_it_when_steered():
    from engine.writing.fill import FillOptions, fill_span
    loaded = load_model("default")
    phrase = load_seed(next(s for s in list_seeds() if "K. 545" in s.title))
    bar = phrase.steps_per_bar
    start, end = bar, 3 * bar                                # bars 2-3 rewritten, bars 1 and 4 kept
    around = Counter(n.pitch % 12 for n in phrase.notes if not start <= n.start < end)
    distance = {}
    for strength in (0.0, 2.0):
        takes = [t for seed in range(3) for t in fill_span(loaded, phrase, start, end, FillOptions(
            variations=2, candidates=8, seed=seed, steering=strength))]
        distance[strength] = np.mean([_distance(Counter(n.pitch % 12 for n in t.notes), around) for t in takes])
    assert distance[2.0] < 0.9 * distance[0.0]


def test_register_shares_count_the_notes_in_each_third_of_the_range():
    from engine.writing.steering import register_shares
    shares = register_shares([36, 38, 60, 62, 80, 84], 36, 84)      # two in each third
    assert np.allclose(shares, [1 / 3, 1 / 3, 1 / 3])
    assert np.allclose(register_shares([36, 84, 84, 84], 36, 84), [0.25, 0, 0.75])
    assert register_shares([60, 62, 64], 60, 64) is None             # under an octave: no thirds


def test_a_take_whose_left_hand_fell_silent_is_nudged_back_to_the_bass():
    row = target(register=(0, 0, 0))
    row[LOW], row[HIGH], row[MEAN] = 36, 84, 60
    bands = np.array([0.5, 0.0, 0.5])                    # the phrase: bass and tune, half each
    with_bands = Steering(VOCAB, row, rows=1, steps_per_quarter=4, start=0, end=64, bands=bands)
    without = Steering(VOCAB, row, rows=1, steps_per_quarter=4, start=0, end=64)
    for steering in (with_bands, without):
        steering.struck(0, 38, 0)                        # the bass once, then the tune alone
        for t, pitch in enumerate((60, 60, 60, 60), start=1):
            steering.struck(0, pitch, t * 4)             # (the middle: the mean stays where it was asked)
    lifted = {p: pitch_nudges(with_bands, 20)[p] - pitch_nudges(without, 20)[p] for p in (40, 60, 80)}
    assert lifted[40] > 0 > lifted[60]                   # the bass owed, the middle over its share
    assert lifted[80] > 0                                # the tune owed too: it was never played


def test_each_bar_owes_its_own_bass_however_much_bass_came_before():
    row = target(register=(0, 0, 0))
    row[LOW], row[HIGH], row[MEAN] = 36, 84, 60
    bands = np.array([0.5, 0.0, 0.5])
    with_bands = Steering(VOCAB, row, rows=1, steps_per_quarter=4, start=0, end=64, bands=bands, bar_steps=16)
    without = Steering(VOCAB, row, rows=1, steps_per_quarter=4, start=0, end=64)
    for steering in (with_bands, without):
        for t in range(4):
            steering.struck(0, 38, t * 4)                # the first bar: bass only
        steering.struck(0, 80, 16)                       # the second: the tune only, so far
        steering.struck(0, 80, 20)
    lifted = {p: pitch_nudges(with_bands, 24)[p] - pitch_nudges(without, 24)[p] for p in (40, 80)}
    assert lifted[40] > 0 > lifted[80]


def test_a_one_line_phrase_makes_a_second_note_at_an_onset_cost_from_the_first_onset():
    one_line = Steering(VOCAB, target(texture=(0.0, 1.0)), rows=1, steps_per_quarter=4, start=0, end=64)
    one_line.struck(0, 72, 0)                            # the take's first note: no chord yet, none asked
    assert pitch_nudges(one_line, 0)[76] < 0
    all_chords = Steering(VOCAB, target(texture=(1.0, 3.0)), rows=1, steps_per_quarter=4, start=0, end=64)
    all_chords.struck(0, 60, 0)
    assert pitch_nudges(all_chords, 0)[64] > 0


def test_a_debt_of_notes_is_not_paid_in_one_cluster():
    steering = Steering(VOCAB, target(texture=(1.0, 2.0)), rows=1, steps_per_quarter=4, start=0, end=64)
    for t in range(6):
        steering.struck(0, 60, 4 * t)                    # six single notes where chords of two were asked
    for pitch in (48, 52, 55, 59):
        steering.struck(0, pitch, 24)                    # a chord of four at the seventh onset...
    assert pitch_nudges(steering, 24)[67] <= 0           # ...is not pushed on, though notes are still owed
    steering.struck(0, 62, 24)
    assert pitch_nudges(steering, 24)[67] < 0            # and at five it is told to stop
    steering.struck(0, 50, 28)
    assert pitch_nudges(steering, 28)[60] > 0            # a second note at the next onset is welcome


def test_a_wait_is_nudged_by_when_the_next_onset_is_due():
    steering = Steering(VOCAB, target(density=(2.0, 1.0)), rows=2, steps_per_quarter=4, start=0, end=64)
    steering.struck(0, 60, 0)                           # one onset a quarter asked: on pace
    for t in range(4):
        steering.struck(1, 60, t)                       # four onsets in four steps: well ahead
    out = steering.nudges([0, 3])
    on_pace = {w: float(out[0, VOCAB.wait(w)]) for w in range(1, VOCAB.max_wait + 1)}
    ahead = {w: float(out[1, VOCAB.wait(w)]) for w in range(1, VOCAB.max_wait + 1)}
    assert on_pace[4] == 0 and on_pace[16] < on_pace[1] < 0     # the next onset a quarter later
    assert ahead[1] < ahead[4] < ahead[8]                       # ahead: a longer wait


def test_onset_places_count_each_onset_once_at_its_step_of_the_bar():
    places = onset_places([0, 0, 0, 4, 20, 22], bar_steps=16)     # a chord at 0; 20 is step 4 of bar 2
    assert places[0] == pytest.approx(0.25) and places[4] == pytest.approx(0.5) and places[6] == pytest.approx(0.25)
    assert places.sum() == pytest.approx(1.0)
    assert onset_places([], 16) is None


def test_a_wait_is_nudged_towards_the_steps_of_the_bar_the_phrase_strikes():
    on_the_beats = onset_places([0, 4, 8, 12], 16)
    row = target(rhythm=np.full(9, 1 / 9))
    plain = Steering(VOCAB, row, rows=1, steps_per_quarter=4, start=0, end=64, bar_steps=16)
    placed = Steering(VOCAB, row, rows=1, steps_per_quarter=4, start=0, end=64, bar_steps=16, places=on_the_beats)
    for steering in (plain, placed):
        steering.struck(0, 60, 0)
        steering.struck(0, 64, 4)
    added = placed.nudges([4])[0] - plain.nudges([4])[0]
    by_wait = {w: float(added[VOCAB.wait(w)]) for w in range(1, VOCAB.max_wait + 1)}
    assert by_wait[4] > by_wait[2] and by_wait[4] > by_wait[3] and by_wait[4] > by_wait[5]    # the next beat
    assert by_wait[4] > by_wait[6] and by_wait[4] > by_wait[7]    # a beat still owed, not the offbeats
    assert by_wait[4] > by_wait[12]                     # steps 8 and 12 are owed an onset, the struck downbeat less


def test_takes_strike_where_in_the_bar_the_phrase_strikes(monkeypatch):
    import engine.writing.steering as steering_module
    loaded = load_model("default")
    distances = {}
    for weight in (0.0, steering_module.PLACES):
        monkeypatch.setattr(steering_module, "PLACES", weight)
        found = []
        for title in ("Maple Leaf", "K. 545"):
            phrase = load_seed(next(s for s in list_seeds() if title in s.title))
            bar = phrase.steps_per_bar
            own = Counter(t % bar for t in {n.start for n in phrase.notes})
            for seed in range(4):
                for take in continue_phrase(loaded, phrase, ContinueOptions(bars=4, variations=2, seed=seed)):
                    found.append(_distance(Counter(t % bar for t in {n.start for n in take.notes}), own))
        distances[weight] = np.mean(found)
    assert distances[steering_module.PLACES] < 0.9 * distances[0.0]
