"""Rhythm memory: which waits and lengths line up with held notes, repeat the last gap or the
chord's length, and where they land in the bar; and that a model reading them is used the same
way one token at a time as over a whole sequence."""

import numpy as np
import pytest
import torch

from engine.encoding.rhythm_memory import ENDS, FEATURES, REPEATS, RhythmMemory, rhythm_features, rhythm_memory
from engine.encoding.tokens import Vocabulary, encode
from engine.model.network import ModelConfig, MusicLSTM
from engine.music.phrase import Note, Phrase, transpose
from tests.engine.conftest import whole_and_stepwise

# a bass C held 8 steps; E and G over it at 0 (4 steps) and again at 4 (4 steps)
MUSIC = Phrase((Note(48, 0, 8), Note(64, 0, 4), Note(67, 0, 4), Note(64, 4, 4), Note(67, 4, 4)))


def _marks_after(phrase, vocab, stop_after: int):
    memory = RhythmMemory(vocab, bar_steps=16)
    for token in encode(phrase, vocab, end=False)[:stop_after]:
        memory.feed(token)
    return memory.marks()


def test_a_length_that_ends_with_the_note_below_is_marked():
    vocab = Vocabulary()
    tokens = encode(MUSIC, vocab, end=False)
    # start, 48, len 8, 64 -> reading the length of E: C ends 8 steps on, nothing else
    waits, lengths, phases = _marks_after(MUSIC, vocab, 4)
    assert vocab.name(tokens[3]) == "pitch 64"
    assert lengths[7] == ENDS | REPEATS and lengths[3] == 0
    # ... E lasts 4, then G: its length ending with E's (4) repeats the chord below it
    waits, lengths, phases = _marks_after(MUSIC, vocab, 6)
    assert lengths[3] == ENDS | REPEATS and lengths[7] == ENDS
    assert phases == (0, 0)


def test_a_wait_to_where_held_notes_end_or_the_last_gap_repeats_is_marked():
    vocab = Vocabulary()
    # after the whole first onset: waits of 4 (E and G end) and 8 (C ends) line up
    waits, _, _ = _marks_after(MUSIC, vocab, 7)
    assert waits[3] == ENDS and waits[7] == ENDS and waits[0] == 0
    # after the second onset (4 steps after the first): a wait of 4 repeats the gap, and all end
    waits, _, phases = _marks_after(MUSIC, vocab, 14)
    assert waits[3] == ENDS | REPEATS and phases[0] == 4


def test_features_mark_bar_lines_and_beats():
    marks = torch.tensor([0, ENDS, 0, REPEATS, 0, 0], dtype=torch.uint8)
    f = rhythm_features(marks, torch.tensor(12), bar_steps=16)
    assert f.shape == (6, FEATURES)
    assert f[1, 0] == 1 and f[3, 1] == 1 and f[0].sum() == 0
    assert f[3, 2] == 1 and f[3, 3] == 1                       # 12 + 4 = 16: a bar line, and a beat
    assert f[1, 3] == 0 and f[5, 2] == 0


def test_rhythm_memory_does_not_change_with_transposition():
    vocab = Vocabulary()
    a = rhythm_memory(encode(MUSIC, vocab), vocab, 16)
    b = rhythm_memory(encode(transpose(MUSIC, 7), vocab), vocab, 16)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_one_token_at_a_time_gives_the_same_predictions_as_the_whole_sequence():
    torch.manual_seed(2)
    vocab = Vocabulary(max_wait=8, max_length=8)
    config = ModelConfig(vocab.size, 16, 24, 2, 0.0, context=True, pitch_memory=True, first_pitch=vocab.first_pitch,
                         rhythm_memory=True)
    model = MusicLSTM(config).eval()
    for p in (model.wait_weights.weight, model.length_weights.weight):
        torch.nn.init.normal_(p, std=1.0)
    phrase = Phrase(tuple(Note(50 + (i * 7) % 24, i * 3, 2 + i % 11) for i in range(12)))
    tokens = encode(phrase, vocab)
    whole = whole_and_stepwise(model, vocab, tokens)
    for head in (model.wait_weights, model.length_weights):
        torch.nn.init.zeros_(head.weight)
        torch.nn.init.zeros_(head.bias)
    without = whole_and_stepwise(model, vocab, tokens)
    durations = slice(vocab.first_wait, vocab.first_pitch)
    assert not torch.allclose(whole[..., durations], without[..., durations], atol=1e-3)  # the memory is used
    assert torch.equal(whole[..., vocab.first_pitch:], without[..., vocab.first_pitch:])


def test_a_model_with_rhythm_memory_refuses_to_run_without_it():
    vocab = Vocabulary()
    model = MusicLSTM(ModelConfig(vocab.size, 8, 8, 1, 0.0, rhythm_memory=True))
    with pytest.raises(ValueError, match="rhythm memory"):
        model(torch.tensor([[1, 2]]))
