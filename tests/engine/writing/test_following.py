"""The bundled default model follows the phrase, and moves away from it when asked (slow-ish: it
runs the real model a few times)."""

import statistics

import pytest

from engine.files.seeds import list_seeds, load_seed
from engine.model.checkpoint import load_model
from engine.music.keys import Key
from engine.writing.continuation import ContinueOptions, continue_phrase


@pytest.fixture(scope="module")
def default():
    loaded = load_model("default")
    assert loaded.model.config.controls, "the bundled default model reads controls"
    return loaded


def seed(title):
    return load_seed(next(s for s in list_seeds() if title in s.title))


def notes_per_take(loaded, phrase, **options):
    takes = [t for s in range(6) for t in continue_phrase(loaded, phrase, ContinueOptions(
        bars=2, variations=2, seed=s, **options))]
    return statistics.mean(len(t.notes) for t in takes)


@pytest.mark.slow
def test_a_denser_setting_writes_more_notes_and_a_sparser_one_fewer(default):
    phrase = seed("K. 545")
    sparse, follow, dense = (notes_per_take(default, phrase, density=d) for d in (0.5, 1.0, 2.0))
    assert sparse < follow < dense
    assert dense > 1.4 * sparse


def test_single_notes_means_no_chords(default):
    phrase = seed("Four chords")
    takes = [t for s in range(4) for t in continue_phrase(default, phrase, ContinueOptions(
        bars=2, variations=2, seed=s, texture="single notes"))]
    assert sum(len(t.notes) for t in takes) > 20
    assert all(len({n.start for n in t.notes}) == len(t.notes) for t in takes)


def test_stay_in_key_writes_no_note_outside_the_key(default):
    phrase = seed("Clair de lune")
    for key in ("stay", "E minor"):
        takes = continue_phrase(default, phrase, ContinueOptions(bars=2, variations=4, seed=1, key=key))
        allowed = (Key.parse(key) if key != "stay" else None)
        if allowed is None:
            from engine.music.keys import estimate_key
            allowed = estimate_key(phrase)
        assert sum(len(t.notes) for t in takes) > 10
        assert {n.pitch % 12 for t in takes for n in t.notes} <= allowed.pitch_classes


def test_the_new_notes_play_as_loud_and_as_varied_as_the_phrase(default):
    phrase = seed("K. 545")                                   # a performance: velocities 20-70
    takes = continue_phrase(default, phrase, ContinueOptions(bars=4, variations=4, seed=2))
    mine = [n.velocity for n in phrase.notes]
    new = [n.velocity for t in takes for n in t.notes]
    assert abs(statistics.mean(new) - statistics.mean(mine)) < 12
    assert len(set(new)) >= 4 and statistics.pstdev(new) > 0.4 * statistics.pstdev(mine)


def test_a_one_line_melody_is_continued_as_one_line(default):
    phrase = seed("Regiment Reel")
    takes = continue_phrase(default, phrase, ContinueOptions(bars=4, variations=4, seed=0))
    chords = [sum(1 for m in t.notes if m.start == n.start) >= 2 for t in takes for n in t.notes]
    assert statistics.mean(chords) < 0.15
