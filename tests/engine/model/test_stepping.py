"""Generation's per-token step on fixed buffers gives what the network gives over a whole stream."""

import numpy as np
import pytest
import torch

from engine.encoding.controls import control_table
from engine.encoding.harmony_input import HARMONY_ARRAYS
from engine.encoding.side_inputs import MEASURED, Followers, model_arguments, stream_inputs
from engine.encoding.tokens import encode
from engine.model.checkpoint import load_model
from engine.model.half_weights import available
from engine.model.stepping import Stepper
from engine.writing.continuation import random_excerpt


def _two_streams(loaded, length):
    """Two excerpts' tokens, each ``length`` long, the bar length of the first, and its control table."""
    phrases = [random_excerpt(loaded, bars=32, seed=seed) for seed in (9, 5)]
    streams = [encode(p, loaded.vocab)[:length] for p in phrases]
    assert all(len(s) == length for s in streams)
    bar = phrases[0].steps_per_bar
    table = control_table(streams[0], loaded.vocab, bar, loaded.steps_per_quarter)
    return streams, bar, np.stack([table[:-1], table[1:]], 1).astype(np.float32)


def _whole(model, vocab, streams, bar, rows, chords=None):
    """The network's logits over both whole streams, (2, length, vocab), each bar's controls from ``rows``
    and the chords ``chords`` (``stream_inputs``'; None: hidden)."""
    sides = [stream_inputs(s, vocab, model.config, bar, chords=chords) for s in streams]
    for side in sides:
        side["controls"] = rows[np.minimum(side["control_bar"], len(rows) - 1)]
    batched = {k: torch.from_numpy(np.stack([side[k] for side in sides])) for k in sides[0]}
    with torch.no_grad():
        logits, state = model(torch.tensor(streams), None, **model_arguments(batched, "cpu"))
    return logits, state


def _stepped(loaded, streams, bar, rows, half, harmony=None):
    """The logits of both streams read one token per step by ``Stepper``, and the state after;
    ``harmony``: each stream's chords (``stream_inputs``' harmony arrays) given at each step."""
    model = loaded.model
    stepper = Stepper(model, 2, half=half, chords=harmony is not None)
    table = torch.from_numpy(rows)
    terms = model.control_terms(table[:, 0])
    n = model.config.hidden_size
    stepper.start((torch.zeros(2, 2, n), torch.zeros(2, 2, n)), model.control_vectors(table),
                  model.control_matrix(terms))
    followers = Followers(loaded.vocab, model.config, [], 2, bar)
    out, bars_seen = [], set()
    with torch.no_grad():
        for i in range(len(streams[0])):
            tokens = [streams[0][i], streams[1][i]]
            side = followers.feed(tokens)
            sounding, position = (t.numpy() for t in model_arguments(side, "cpu")["side"]["context"])
            bars = side["control_bar"].numpy()
            bars_seen.add(tuple(np.minimum(bars, len(rows) - 1).tolist()))
            chords = None if harmony is None else \
                tuple(np.stack([h[key][i] for h in harmony]) for key in HARMONY_ARRAYS)
            out.append(stepper.step(np.array(tokens), sounding, position, bars, chords).copy())
    return np.stack(out, 1), stepper.state(), bars_seen


def test_the_step_gives_the_networks_logits_for_a_few_hundred_tokens_in_two_rows_apart():
    loaded = load_model(None)
    assert Stepper.handles(loaded.model)
    streams, bar, rows = _two_streams(loaded, 280)
    whole, state = _whole(loaded.model, loaded.vocab, streams, bar, rows)
    stepped, stepped_state, bars_seen = _stepped(loaded, streams, bar, rows, half=False)
    assert any(a != b for a, b in bars_seen)            # rows in different bars: the matrix of each
    # float32 rounding grows with a logit's size (the default's reach 40): 1e-5 plus a millionth of it,
    # which is what MusicLSTM.step itself keeps to against the whole stream
    np.testing.assert_allclose(stepped, whole.numpy(), rtol=1e-6, atol=1e-5)
    moved = torch.log_softmax(torch.from_numpy(stepped), -1) - torch.log_softmax(whole, -1)
    assert moved.abs().max().item() < 1e-4
    for ours, theirs in zip(stepped_state, state):
        assert torch.allclose(ours, theirs, atol=1e-5)


def test_at_half_precision_the_log_probabilities_move_by_a_hundredth_of_a_nat_at_most():
    if not available():
        pytest.skip("this torch or CPU has no FBGEMM half-precision product")
    loaded = load_model(None)
    streams, bar, rows = _two_streams(loaded, 200)
    full, _, _ = _stepped(loaded, streams, bar, rows, half=False)
    half, _, _ = _stepped(loaded, streams, bar, rows, half=True)
    moved = torch.log_softmax(torch.from_numpy(half), -1) - torch.log_softmax(torch.from_numpy(full), -1)
    assert 0 < moved.abs().max().item() < 0.01
    assert (half.argmax(-1) == full.argmax(-1)).mean() > 0.99


def test_a_network_with_pitch_memory_is_left_to_its_own_step(tiny_memory_model_dir):
    model = load_model(tiny_memory_model_dir).model
    assert not Stepper.handles(model)
    with pytest.raises(ValueError, match="pitch or rhythm memory"):
        Stepper(model, 2)


def test_a_network_reading_lookback_harmony_and_phrase_position_is_left_to_its_own_step(tiny_inputs_model_dir):
    model = load_model(tiny_inputs_model_dir).model
    assert model.config.lookback and model.config.harmony and model.config.phrase_position
    assert not Stepper.handles(model)
    with pytest.raises(ValueError, match="lookback or the phrase position"):
        Stepper(model, 2)


def test_a_network_reading_harmony_gets_its_logits_with_chords_given_or_hidden():
    loaded = load_model("pop")
    assert loaded.model.config.harmony                   # the bundled pop model reads chords
    assert Stepper.handles(loaded.model)
    streams, bar, rows = _two_streams(loaded, 100)
    hidden, _ = _whole(loaded.model, loaded.vocab, streams, bar, rows)
    stepped, _, _ = _stepped(loaded, streams, bar, rows, half=False)
    np.testing.assert_allclose(stepped, hidden.numpy(), rtol=1e-6, atol=1e-5)   # its chords' scores left unread
    # the chords the music sounds, as in training: each step's input and scores
    heard = [stream_inputs(s, loaded.vocab, loaded.model.config, bar) for s in streams]
    given, _ = _whole(loaded.model, loaded.vocab, streams, bar, rows, chords=MEASURED)
    assert (given - hidden).abs().max().item() > 0.5      # the chords move the logits
    stepped, _, _ = _stepped(loaded, streams, bar, rows, half=False, harmony=heard)
    np.testing.assert_allclose(stepped, given.numpy(), rtol=1e-6, atol=1e-5)
    model, n = loaded.model, loaded.model.config.hidden_size
    stepper = Stepper(model, 2, chords=True)
    table = torch.from_numpy(rows)
    stepper.start((torch.zeros(2, 2, n), torch.zeros(2, 2, n)), model.control_vectors(table),
                  model.control_matrix(model.control_terms(table[:, 0])))
    with pytest.raises(ValueError, match="give each row's harmony"):
        stepper.step(np.array([4, 4]), np.zeros((2, model.config.pitches), np.float32), np.zeros(2, np.int64),
                     np.zeros(2, np.int64))
