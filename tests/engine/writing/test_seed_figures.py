"""The bundled seeds keep their figures when continued (the default model, default settings, fixed
seeds; 12 takes of 4 bars each): measured as the musician's evaluation measures them
(``choosing.py`` holds the same measures), not by eye. The rag has no shape test: its seed's
bars have two figures (octaves over the bass, then arpeggios) and Joplin's own next bars (9-12)
leave both for chords in the treble (their shape kept: 0.10, 0.10, 0.57, 0.00)."""

import numpy as np
import pytest

from engine.files.seeds import list_seeds, load_seed
from engine.model.checkpoint import load_model
from engine.music.phrase import Phrase, regrid
from engine.writing import choosing
from engine.writing.continuation import ContinueOptions, continue_phrase


def seed_and_takes(title: str) -> tuple[Phrase, list[Phrase]]:
    loaded = load_model("default")
    phrase = load_seed(next(s for s in list_seeds() if title in s.title))
    takes = [t for seed in range(3)
             for t in continue_phrase(loaded, phrase, ContinueOptions(bars=4, variations=4, seed=seed))]
    # heard on the model's grid (sixteenths), as the choice and the evaluation hear them
    spq = loaded.steps_per_quarter
    return regrid(phrase, spq), [regrid(t, spq) for t in takes]


def heard(phrase: Phrase, takes: list[Phrase]) -> np.ndarray:
    """Per take: [clashes beyond the phrase's, top-voice leap beyond the phrase's, bass on the
    phrase's bass beats, figure kept]."""
    bar = phrase.steps_per_bar
    hearing = choosing.hear(phrase.notes, 0, round(phrase.length / bar), bar, phrase.steps_per_beat)
    return np.array([choosing.faults(t.notes, hearing, 0, 4) for t in takes])


SHAPE_KEPT, SHAPE_KEPT_LEAST = 0.75, 0.6   # the figure's shape: the mean over takes, the least take


def shape_kept(phrase: Phrase, takes: list[Phrase]) -> np.ndarray:
    """Per take: the mean over its 4 bars of the phrase's figure shape kept (the accompaniment's
    contour at its steps, the nearest of the phrase's bars: ``choosing.shape_kept``)."""
    bar = phrase.steps_per_bar
    shapes = [choosing.figure_shape(phrase.notes, b * bar, bar) for b in range(round(phrase.length / bar))]
    return np.array([np.mean(choosing.shape_kept(t.notes, shapes, 0, 4, bar)) for t in takes])


def chords_at(music: Phrase, places: list[int], bars: int) -> float:
    """The share of the steps ``places`` of each of ``bars`` bars at which two or more notes are struck."""
    bar = music.steps_per_bar
    starts = [n.start for n in music.notes]
    slots = [b * bar + s for b in range(bars) for s in places]
    return sum(starts.count(t) >= 2 for t in slots) / len(slots)


@pytest.mark.slow
def test_k545_s_alberti_bass_goes_on():
    phrase, takes = seed_and_takes("K. 545")
    bar = phrase.steps_per_bar
    # eighths in bars 1, 3 and 4 (in bar 2 the tune's turn dips to C, so its G counts as the upper half)
    assert [len(choosing.figure(phrase.notes, b * bar, bar)) for b in range(4)] == [8, 4, 8, 8]
    kept = heard(phrase, takes)[:, 3]
    assert kept.mean() >= 0.75 and kept.min() >= 0.6


# The onsets above pass left-hand eighths of any pitches as an Alberti bass; its shape does not
# (test_choosing: the seed's left hand shuffled keeps its onsets, 0.89, and its shape 0.32 at most 0.46).
# The bound: Mozart's own bars of the seed, over four harmonies, each against the other three keep
# 0.94 (1, 0.78, 1, 1); where the Alberti goes on later (the recapitulation, bars 42-45) 1.0 a bar.
@pytest.mark.slow
def test_k545_s_alberti_bass_keeps_its_shape():
    # the takes kept its shape 0.50 (0.32-0.73) before listening kept stutters to the phrase's share and
    # moved the low voice as the phrase's did; 0.90 (0.80-1.0) after
    phrase, takes = seed_and_takes("K. 545")
    kept = shape_kept(phrase, takes)
    assert kept.mean() >= SHAPE_KEPT and kept.min() >= SHAPE_KEPT_LEAST


@pytest.mark.slow
def test_the_rag_s_stride_bass_stays_on_the_beats():
    phrase, takes = seed_and_takes("Maple Leaf")
    bar = phrase.steps_per_bar
    hearing = choosing.hear(phrase.notes, 0, 4, bar, phrase.steps_per_beat)
    assert hearing.bass_beats == (0, 1)                      # 2/4: the bass on both beats
    assert heard(phrase, takes)[:, 2].mean() >= 0.55


@pytest.mark.slow
def test_the_ballad_s_bass_and_chord_eighths_go_on():
    phrase, takes = seed_and_takes("Four chords")
    bar = phrase.steps_per_bar
    downbeats = [np.mean([choosing.bass_struck(t.notes, b * bar, bar) for b in range(4)]) for t in takes]
    assert np.mean(downbeats) >= 0.8
    eighth = phrase.steps_per_quarter // 2
    places = [s for s in range(0, bar, eighth) if chords_at(phrase, [s], 4) >= 0.5]
    assert len(places) >= 6                                  # the phrase's chords on most eighths
    assert np.mean([chords_at(t, places, 4) for t in takes]) >= 0.7


# The ballad's bars, over its four chords (C G Am F), keep one shape: the bass on the beat, up to
# a chord on the eighth after, down to the bass (each bar against the others: 1.0).
@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="the default model's takes keep the ballad's bass-and-chord shape "
                                       "0.27 on average (12 takes, 0.16-0.39; bound 0.75, the least 0.6): the "
                                       "eighths go on, mostly as single notes where the phrase strikes chords")
def test_the_ballad_s_bass_and_chord_eighths_keep_their_shape():
    phrase, takes = seed_and_takes("Four chords")
    bar = phrase.steps_per_bar
    shapes = [choosing.figure_shape(phrase.notes, b * bar, bar) for b in range(4)]
    assert len(set(shapes)) == 1 and (2, 1, True) in shapes[0]
    kept = shape_kept(phrase, takes)
    assert kept.mean() >= SHAPE_KEPT and kept.min() >= SHAPE_KEPT_LEAST


@pytest.mark.slow
def test_the_reel_stays_one_line():
    phrase, takes = seed_and_takes("Reel")
    for take in takes:
        onsets = {n.start for n in take.notes}
        assert sum(sum(n.start == t for n in take.notes) == 1 for t in onsets) / len(onsets) >= 0.95
    assert np.mean([choosing.top_leap(t.notes) for t in takes]) <= 6.0       # the phrase: 4.2 semitones a move
