"""The fidelity benchmark's own arithmetic: its measures and its interval of Segue against the copy."""

import importlib.util
from pathlib import Path

from engine.music.phrase import Note, Phrase

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("fidelity", ROOT / "benchmarks" / "fidelity.py")
fidelity = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fidelity)


def row(value: float) -> dict:
    return {m: value for m in fidelity.MEASURES}


def test_takes_as_far_as_the_copy_give_an_interval_around_zero():
    copy = [row(0.1 + 0.01 * i) for i in range(20)]
    takes = [[row(0.1 + 0.01 * i + d) for d in (-0.02, 0.02)] for i in range(20)]
    for mean, low, high in fidelity.paired_difference(takes, copy).values():
        assert abs(mean) < 1e-9 and low <= 0 <= high


def test_takes_further_than_the_copy_in_every_piece_give_an_interval_above_zero():
    copy = [row(0.1 + 0.01 * i) for i in range(20)]
    takes = [[row(0.1 + 0.01 * i + 0.05 + 0.01 * (i % 3))] for i in range(20)]
    for mean, low, high in fidelity.paired_difference(takes, copy).values():
        assert 0 < low <= mean <= high


def test_a_copy_of_the_reference_is_at_distance_zero_and_an_empty_take_far():
    reference = Phrase((Note(60, 0, 4, 80), Note(64, 0, 4, 80), Note(67, 4, 4, 80), Note(72, 12, 4, 80)),
                       steps_per_quarter=4)
    assert all(v == 0 for v in fidelity.distances(reference, reference).values())
    assert fidelity.distances(reference.with_notes([], end=reference.length), reference)["density"] > 1


def test_onset_places_compare_where_in_the_bar_the_music_strikes():
    on_beats = Phrase(tuple(Note(60, t, 2, 80) for t in range(0, 32, 4)), steps_per_quarter=4)
    a_bar_later = Phrase(tuple(Note(67, t + 16, 2, 80) for t in range(0, 16, 4)), steps_per_quarter=4)
    off_beats = Phrase(tuple(Note(60, t + 2, 2, 80) for t in range(0, 32, 4)), steps_per_quarter=4)
    chords_on_beats = Phrase(tuple(Note(p, t, 2, 80) for t in range(0, 16, 4) for p in (60, 64)), steps_per_quarter=4)
    assert fidelity.places_distance(a_bar_later, on_beats) == 0            # the same steps of the bar
    assert fidelity.places_distance(chords_on_beats, on_beats) == 0        # an onset counts once
    assert fidelity.places_distance(off_beats, on_beats) == 1
