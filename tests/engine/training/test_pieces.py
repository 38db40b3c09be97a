"""Making a run's pieces ready: what is learnable, and where pieces are cut into excerpts."""

from unittest.mock import ANY

import numpy as np
import pytest

from engine.encoding.tokens import Vocabulary, encode
from engine.music.phrase import Note, Phrase, trim
from engine.training.config import TrainConfig
from engine.training.pieces import (
    chords_of_excerpt,
    excerpt_bars,
    excerpts_of,
    learnable,
    placed_excerpts,
    training_and_validation,
)
from engine.training.progress import Reading, Skipped, Storing


@pytest.mark.parametrize("vocab", [Vocabulary(), Vocabulary(max_wait=8, lowest_pitch=40, highest_pitch=80,
                                                             velocity_levels=4)])
def test_learnable_says_what_counting_the_tokens_says(vocab):
    phrases = [Phrase(), Phrase(end=vocab.max_wait), Phrase(end=vocab.max_wait + 1), Phrase((Note(60, 0, 1),)),
               Phrase((Note(20, 0, 1),)), Phrase((Note(20, 0, 1),), end=vocab.max_wait + 1),
               Phrase((Note(100, 3, 2),), end=vocab.max_wait), Phrase((Note(60, 30, 1, 10),))]
    for phrase in phrases:
        assert learnable(phrase, vocab) == (len(encode(phrase, vocab)) > 3), phrase


def test_excerpts_are_cut_at_bar_lines_with_no_scrap_at_the_end():
    rng = np.random.default_rng(0)
    for total in (0, 1, 5, 17, 40):
        cuts = excerpt_bars(total, (3, 6), rng)
        assert [a for a, _ in cuts] == [0, *(b for _, b in cuts[:-1])][:len(cuts)]
        assert sum(b - a for a, b in cuts) == total
        assert all(3 <= b - a <= 6 for a, b in cuts[:-1]) and all(b - a <= 6 + 2 for a, b in cuts)
    phrase = Phrase(tuple(Note(60 + i % 5, 2 * i, 3) for i in range(40)), end=80)        # 5 bars of 16 steps
    parts = list(excerpts_of("p", phrase, [(0, 2), (2, 5)]))
    assert [name for name, _ in parts] == ["p bars 1-2", "p bars 3-5"]
    assert parts[1][1] == trim(phrase, 32, 80)


def test_each_excerpt_knows_the_bar_it_starts_at_and_reads_the_piece_s_chords_from_there():
    from engine.music.chords import Chord
    phrase = Phrase(tuple(Note(60, 4 * i, 4) for i in range(20)))                  # 5 bars
    placed = list(placed_excerpts("p", phrase, [(0, 2), (2, 5)]))
    assert [(name, first) for name, _, first in placed] == [("p bars 1-2", 0), ("p bars 3-5", 2)]
    assert list(placed_excerpts("p", phrase, None))[0][1:] == (phrase, 0)
    chords = [(0, 24, Chord(0)), (24, 48, Chord(7)), (48, 80, Chord(5))]
    assert chords_of_excerpt(chords, 32, 80) == [(0, 16, Chord(7)), (16, 48, Chord(5))]
    assert chords_of_excerpt(chords, 0, 32) == [(0, 24, Chord(0)), (24, 32, Chord(7))]


def test_data_preparation_reports_typed_events(songs):
    config = TrainConfig(data=[str(songs)], out="unused", valid_fraction=0.25, seed=3)
    events = []
    training, validation = training_and_validation(config, config.vocabulary(), events.append, workers=1)
    training.close()
    validation.close()
    assert Reading(13, 13) in events and Skipped(str(songs / "broken.mid"), ANY) in events
    assert events[-1] == Storing(24, 24, 12)        # every piece is gone over twice
