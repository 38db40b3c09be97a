"""Keys heard in a phrase: Krumhansl-Kessler profiles correlated with its pitch classes."""

import numpy as np

from engine.music.keys import ALL_KEYS, Key, estimate_key, key_correlations, key_for_notation
from engine.music.phrase import Note, Phrase


def test_the_correlations_are_pearson_s_for_every_key():
    rng = np.random.default_rng(0)
    for _ in range(50):
        weights = rng.integers(0, 9, 12).astype(float)
        expected = [np.corrcoef(key.profile(), weights)[0, 1] for key in ALL_KEYS]
        assert np.allclose(key_correlations(weights), expected, atol=1e-11)
    assert not key_correlations(np.ones(12)).any()              # even weights: no key more than another


def scale(tonic: int, steps=(0, 2, 4, 5, 7, 9, 11, 12)) -> Phrase:
    return Phrase(tuple(Note(60 + tonic + s, 4 * i, 4) for i, s in enumerate(steps)))


def test_scales_and_a_cadence_are_heard_in_their_keys():
    assert estimate_key(scale(0)) == Key(0)
    assert estimate_key(scale(7)) == Key(7)
    a_minor = Phrase(tuple(Note(p, 4 * i, 4) for i, p in enumerate((57, 60, 64, 69, 64, 68, 71, 69))))
    assert estimate_key(a_minor) == Key(9, minor=True)
    assert key_for_notation(scale(2)) == Key(2)
    assert estimate_key(Phrase(())) is None and key_for_notation(Phrase(())) is None
