"""Generation's fast one-token step: weights at half precision, and the control and rhythm scores
added as one matrix product, both giving what the full computation gives (within half precision)."""

import numpy as np
import pytest
import torch

from engine.encoding.controls import control_table
from engine.encoding.side_inputs import Followers, model_arguments
from engine.encoding.tokens import encode
from engine.model.checkpoint import load_model
from engine.model.half_weights import HalfWeights, available
from engine.writing.continuation import random_excerpt


def test_a_half_precision_product_is_close_to_the_full_one_and_the_fallback_is_the_full_one():
    torch.manual_seed(0)
    weight, bias, rows = torch.randn(96, 256), torch.randn(256), torch.randn(4, 96)
    full = torch.addmm(bias, rows, weight)
    product = HalfWeights(weight, bias)
    if not available():
        pytest.skip("this torch or CPU has no FBGEMM half-precision product")
    half = product(rows)
    assert half.shape == full.shape and half.dtype == torch.float32
    error = (half - full).abs().max().item()
    assert 0 < error < 2e-3 * full.abs().max().item()       # rounded (11 bits a weight), and only that
    product.packed = None                                   # where FBGEMM is missing
    assert torch.equal(product(rows), full)


def test_a_half_precision_step_of_the_default_model_moves_its_logits_by_a_hundredth_of_a_nat_at_most():
    loaded = load_model(None)
    model, vocab = loaded.model, loaded.vocab
    phrase = random_excerpt(loaded, bars=4, seed=1)
    tokens = encode(phrase, vocab)[:120]
    table = torch.from_numpy(control_table(tokens, vocab, phrase.steps_per_bar, loaded.steps_per_quarter))
    controls = torch.stack([table[:-1], table[1:]], 1).float()
    followers = Followers(vocab, model.config, [], 1, phrase.steps_per_bar)
    state = (torch.zeros(2, 1, model.config.hidden_size), torch.zeros(2, 1, model.config.hidden_size))
    worst, same_top = 0.0, 0
    with torch.no_grad():
        for token in tokens:
            fed = followers.feed([token])
            bar = fed.pop("control_bar").clamp(max=len(controls) - 1)
            fed["controls"] = controls[bar]
            args = model_arguments(fed, "cpu")
            full, after = model.step(torch.tensor([token]), state, **args)
            half, _ = model.step(torch.tensor([token]), state, **args, half=True)
            worst = max(worst, (torch.log_softmax(full, -1) - torch.log_softmax(half, -1)).abs().max().item())
            same_top += int(full.argmax() == half.argmax())
            state = after
    assert worst < 0.01
    assert same_top == len(tokens)
    if available():
        assert worst > 0                                    # the half-precision product was used


def test_the_control_matrix_adds_exactly_what_the_control_and_spacing_scores_add(tiny_control_scores_model_dir):
    loaded = load_model(tiny_control_scores_model_dir)
    model, vocab = loaded.model, loaded.vocab
    torch.manual_seed(3)
    with torch.no_grad():
        for layer in (model.key_weight, model.register_scores, model.rhythm_weight):
            layer.weight.normal_()
            layer.bias.normal_()
    phrase = random_excerpt(loaded, bars=4, seed=0)
    table = control_table(encode(phrase, vocab), vocab, phrase.steps_per_bar, loaded.steps_per_quarter)
    terms = model.control_terms(torch.from_numpy(table).float())
    matrix = model.control_matrix(terms)
    out = torch.randn(len(table), model.config.hidden_size)
    with torch.no_grad():
        by_parts = model._scores(out, {}, terms)            # row i in bar i
        by_matrix = model._scores(out, {}, {"matrix": matrix, "bar": torch.arange(len(table))})
        assert by_parts.abs().max() > 1                     # the scores do add something
        assert torch.allclose(by_parts, by_matrix, atol=1e-4)
        rows_bars = torch.tensor([2, 0, 2, 1] * len(table))[:len(table)]   # each row in a bar of its own choosing
        by_bar = model._scores(out, {}, {"matrix": matrix, "bar": rows_bars})
        chosen = {name: value[rows_bars] for name, value in terms.items()}
        assert torch.allclose(by_bar, model._scores(out, {}, chosen), atol=1e-4)
        one_bar = model._scores(out, {}, {"matrix": matrix[1]})       # every row in one bar
        same_bar = {name: value[1:2].expand(len(table), *value.shape[1:]) for name, value in terms.items()}
        assert torch.allclose(one_bar, model._scores(out, {}, same_bar), atol=1e-4)
    assert not np.isnan(by_matrix.numpy()).any()
