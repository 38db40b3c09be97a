"""The writer's quick ways round: the network stepped on fixed buffers, and steering asked only when
a take may draw what it nudges. Both give the takes the plain way gives, for the same seed."""

import numpy as np
import pytest

from engine.encoding.controls import RAW
from engine.files.seeds import list_seeds, load_seed
from engine.model.checkpoint import load_model
from engine.model.stepping import Stepper
from engine.writing.continuation import ContinueOptions, continue_phrase
from engine.writing.fill import FillOptions, fill_span
from engine.writing.steering import Steering
from engine.writing.writer import Writer


@pytest.fixture(scope="module")
def loaded():
    return load_model(None)


def _seed(title):
    return load_seed(next(s for s in list_seeds() if title in s.title))


def test_the_step_on_fixed_buffers_writes_the_takes_the_models_own_step_writes(loaded, monkeypatch):
    phrase = _seed("K. 545")
    fast = [continue_phrase(loaded, phrase, ContinueOptions(bars=2, variations=4, seed=s)) for s in range(3)]
    monkeypatch.setattr(Stepper, "handles", staticmethod(lambda model: False))
    plain = [continue_phrase(loaded, phrase, ContinueOptions(bars=2, variations=4, seed=s)) for s in range(3)]
    assert fast == plain


def test_steering_is_asked_only_when_a_take_may_draw_what_it_nudges_and_the_takes_stay_the_same(loaded, monkeypatch):
    asked = []
    nudges = Steering.nudges

    def counted(self, *args, **kwargs):
        asked.append(1)
        return nudges(self, *args, **kwargs)

    monkeypatch.setattr(Steering, "nudges", counted)
    phrase = _seed("Mazurka")
    bar = phrase.steps_per_bar

    def both():
        return (continue_phrase(loaded, phrase, ContinueOptions(bars=2, variations=4, seed=5)),
                fill_span(loaded, phrase, 4 * bar, 6 * bar, FillOptions(variations=2, candidates=8, seed=5)))

    quick = both()
    quick_asked = len(asked)
    asked.clear()
    init = Writer.__init__

    def every_step(self, *args, **kwargs):                  # the writer that asks steering at every step
        init(self, *args, **kwargs)
        self.steered = np.ones_like(self.steered)

    monkeypatch.setattr(Writer, "__init__", every_step)
    assert both() == quick
    assert 0 < quick_asked < len(asked)


def test_steering_nudges_no_length(loaded):
    """The writer skips steering where every take must write a note's length: it must nudge none."""
    v = loaded.vocab
    target = np.random.default_rng(0).random(RAW).astype(np.float32)      # every group asked for
    steering = Steering(v, target, 3, 4, 0, 64, strength=2.0, bar_steps=16)
    for now in (0, 3, 17):
        steering.struck(0, 60, now)
        steering.struck(1, 72, now)
        out = steering.nudges([now + 1] * 3, np.zeros((3, v.size), dtype=np.float32))
        assert np.abs(out).sum() > 0
        assert not out[:, v.lengths].any()
