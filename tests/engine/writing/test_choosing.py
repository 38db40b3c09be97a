"""Choosing takes among drafts as a musician would (choosing.py): its cheap measures agree with the
musician's evaluation, and the drafts without wrong notes, with a line, a bass on the phrase's
beats and its figure come first."""

import importlib.util
import math
import random
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.files.seeds import list_seeds, load_seed
from engine.model.checkpoint import load_model
from engine.music.phrase import Note, Phrase, regrid
from engine.writing import choosing
from engine.writing.continuation import ContinueOptions, _musical, continue_phrase
from engine.writing.writer import Draft

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "benchmarks"))
spec = importlib.util.spec_from_file_location("musician", ROOT / "benchmarks" / "musician.py")
musician = importlib.util.module_from_spec(spec)
sys.modules.setdefault("musician", musician)
spec.loader.exec_module(musician)

BAR = 16


def random_music(rng: random.Random, bars: int = 4) -> Phrase:
    notes = []
    for _ in range(rng.randrange(4, 40)):
        notes.append(Note(rng.randrange(36, 90), rng.randrange(bars * BAR), rng.choice([1, 2, 4, 8, 16])))
    unique = {(n.pitch, n.start): n for n in notes}
    phrase = Phrase(tuple(unique.values()), steps_per_quarter=4)
    return phrase.with_notes(phrase.notes, end=bars * BAR)


def test_the_cheap_measures_agree_with_the_musician_s_evaluation():
    rng = random.Random(3)
    for _ in range(60):
        music = random_music(rng)
        notes = list(music.notes)
        assert choosing.clash_share(notes) == pytest.approx(musician.clash_share(music))
        leap = musician.top_voice(music)["top-voice mean leap"]
        assert choosing.top_leap(notes) == pytest.approx(0.0 if math.isnan(leap) else leap)
        for t in range(0, 4 * BAR, 2):
            assert choosing.bass_struck(notes, t, BAR) == musician.bass_struck(music, t)
        for b in range(4):
            assert choosing.figure(notes, b * BAR, BAR) == musician.figure(music, b)


def test_a_draft_without_wrong_notes_and_with_the_bass_on_its_beats_comes_first():
    bass = [Note(36, b * BAR + k, 2) for b in range(4) for k in (0, 8)]        # a bass on 1 and 3
    chords = [Note(p, b * BAR + k, 2) for b in range(4) for k in (4, 12) for p in (60, 64, 67)]
    phrase = bass + chords
    hearing = choosing.hear(phrase, 0, 4, BAR, 4)
    assert hearing.bass_beats == (0, 2)
    kept = [Note(n.pitch, n.start + 4 * BAR, n.duration) for n in phrase]
    clashing = kept + [Note(61, 4 * BAR + 4, 2)]                               # C sharp against the C chord
    lost = [n for n in kept if n.pitch != 36]                                  # the bass gone
    heard = [choosing.faults(d, hearing, 4 * BAR, 4) for d in (lost, clashing, kept)]
    assert heard[1][0] > 0 and heard[2][0] == 0 and heard[0][2] == 0 and heard[2][2] == 1
    order = choosing.musical_order([-1.0, -1.0, -1.0], heard, [True, True, True])
    assert order[0] == 2
    assert choosing.musical_order([-1.0, -1.0, -1.0], heard, [True, True, False])[-1] == 2   # unusable: last


def test_continue_keeps_the_drafts_a_musician_would_among_its_candidates():
    bar = 16
    phrase = Phrase(tuple(Note(36, b * bar + k, 4) for b in range(4) for k in (0, 8)) +
                    tuple(Note(p, b * bar + k, 4) for b in range(4) for k in (4, 12) for p in (60, 64, 67)),
                    steps_per_quarter=4)
    start = 4 * bar
    good = Draft([Note(n.pitch, n.start + start, n.duration) for n in phrase.notes], written=[1] * 40,
                 log_model=-60.0, finished=True)
    clash = Draft(list(good.notes) + [Note(61, start + 4, 4), Note(49, start + 20, 4)], written=[1] * 44,
                  log_model=-55.0, finished=True)
    unfinished = Draft(list(good.notes), written=[1] * 40, log_model=-10.0, finished=False)
    order = _musical([clash, unfinished, good], phrase, start, start + 4 * bar, bar, phrase.steps_per_beat)
    assert order == [2, 0, 1]


@pytest.mark.slow
def test_takes_chosen_from_more_drafts_sound_more_as_a_musician_would_keep_them():
    """On three bundled seeds, 4 takes chosen from 8 drafts against the 4 drafts as written: fewer
    faults on the four measures the choice listens for (each on its own scale), fixed seeds."""
    loaded = load_model("default")
    scores = {0: [], 8: []}
    for title in ("K. 545", "Maple Leaf", "Four chords"):
        spq = loaded.steps_per_quarter                        # heard on the model's grid
        phrase = regrid(load_seed(next(s for s in list_seeds() if title in s.title)), spq)
        bar, beat = phrase.steps_per_bar, phrase.steps_per_beat
        hearing = choosing.hear(phrase.notes, 0, 4, bar, beat)
        for candidates in scores:
            for seed in range(3):
                for take in continue_phrase(loaded, phrase, ContinueOptions(bars=4, variations=4, seed=seed,
                                                                             candidates=candidates,
                                                                             choose="musical")):
                    take = regrid(take, spq)
                    clashes, leap, bass, kept = choosing.faults(take.notes, hearing, 0, 4)
                    scores[candidates].append(bass + kept - 4 * clashes - leap / 12)
    assert np.mean(scores[8]) > np.mean(scores[0]) + 0.05
