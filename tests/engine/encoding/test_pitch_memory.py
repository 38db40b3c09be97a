"""Pitch memory: what each pitch's age and the anchors are, that they follow transposition, and
that a model reading them predicts the same one token at a time as over the whole sequence."""

import numpy as np
import pytest
import torch

from engine.encoding.pitch_memory import (
    FEATURES,
    NEVER,
    PitchMemory,
    interval_index,
    memory_features,
    pitch_memory,
    transpose_memory,
)
from engine.encoding.side_inputs import model_arguments, stream_inputs
from engine.encoding.tokens import Vocabulary, encode
from engine.model.checkpoint import load_model
from engine.model.network import ModelConfig, MusicLSTM
from engine.music.phrase import Note, Phrase, transpose
from engine.training.evaluate import score_sequences
from tests.engine.conftest import whole_and_stepwise

C_CHORD_THEN_G = Phrase((Note(48, 0, 4), Note(64, 0, 4), Note(67, 0, 4), Note(55, 4, 4), Note(71, 8, 4)))


def test_ages_count_onsets_since_each_pitch_was_struck():
    vocab = Vocabulary()
    memory = PitchMemory(vocab)
    for token in encode(C_CHORD_THEN_G, vocab, end=False):
        memory.feed(token)
    # onsets: {48, 64, 67}, {55}, {71} (the last one still being read: no wait after it yet)
    assert memory.ages[71] == 0
    assert memory.ages[55] == 1
    assert memory.ages[48] == memory.ages[64] == memory.ages[67] == 2
    assert memory.ages[60] == NEVER
    # the last pitch struck; bass, melody and same voice (the lowest: 71 is the onset's first) of the last onset
    assert memory.anchors == (71, 55, 55, 55, -1, -1)     # nothing held on from before
    assert memory.held[71] == 1 and memory.held[55] == 2 and memory.held[48] == 0   # 55 stops just now


def test_anchors_follow_the_voices_of_the_last_onset():
    vocab = Vocabulary()
    memory = PitchMemory(vocab)
    chords = Phrase((Note(48, 0, 2), Note(64, 0, 2), Note(67, 0, 2), Note(50, 2, 2), Note(65, 2, 2)))
    seen = []
    for token in encode(chords, vocab, end=False):
        memory.feed(token)
        if vocab.kind(token) == "length":
            seen.append(memory.anchors)
    # after 48, 64, 67 (no onset before), then after 50 and after 65 (the C major chord before)
    none = (-1, -1, -1, -1, -1)
    assert seen[:3] == [(48,) + none, (64,) + none, (67,) + none]
    assert seen[3] == (50, 48, 67, 64, -1, -1) and seen[4] == (65, 48, 67, 67, -1, -1)


def test_the_lowest_and_highest_notes_held_on_are_anchors_too():
    vocab = Vocabulary()
    memory = PitchMemory(vocab)
    music = Phrase((Note(36, 0, 8), Note(60, 0, 8), Note(72, 0, 2), Note(74, 2, 2)))
    for token in encode(music, vocab, end=False)[:-1]:      # up to the pitch 74, before its length
        memory.feed(token)
    assert memory.anchors == (74, 36, 72, 60, 36, 60)        # 72 stopped just now: not held on


def test_a_rest_written_as_several_waits_counts_as_one_gap_and_start_forgets():
    vocab = Vocabulary(max_wait=4)
    phrase = Phrase((Note(60, 0, 2), Note(62, 14, 2)))      # a 14-step gap: waits of 4 + 4 + 4 + 2
    ages, _, anchors = pitch_memory(encode(phrase, vocab), vocab)
    assert ages[-2, 60] == 2 and ages[-2, 62] == 1           # before the end token
    assert (ages[-1] == NEVER).all() and tuple(anchors[-1]) == (-1,) * 6


def test_memory_follows_transposition():
    vocab = Vocabulary()
    up = transpose(C_CHORD_THEN_G, 5)
    moved = transpose_memory(*pitch_memory(encode(C_CHORD_THEN_G, vocab), vocab), 5)
    want = pitch_memory(encode(up, vocab), vocab)
    assert all(np.array_equal(a, b) for a, b in zip(moved, want))
    back = transpose_memory(*want, -5)
    assert all(np.array_equal(a, b) for a, b in zip(back, pitch_memory(encode(C_CHORD_THEN_G, vocab), vocab)))


def test_features_mark_recent_pitches_and_their_pitch_classes():
    ages = torch.full((128,), NEVER, dtype=torch.uint8)
    ages[60], ages[64], ages[43], ages[70] = 1, 3, 20, 8
    held = torch.zeros(128, dtype=torch.uint8)
    held[64], held[60] = 1, 2
    f = memory_features(ages, held)
    assert f.shape == (128, FEATURES)
    assert f[60, 0] == 1 and f[60, 1] == 0 and f[64, 2] == 1        # struck exactly 1 and 3 onsets ago
    assert f[70, 5] == 1 and f[70, 6] == 1 and f[70, 4] == 0         # 8 onsets ago; within 8
    assert f[43, 6] == 0 and f[43, 7] == 1                           # within 32 onsets, not within 8
    assert f[64, 8] == 1 and f[60, 9] == 1 and f[60, 8] == 0         # held on; stopped just now
    assert f[72, -1] == 1 and f[48, -1] == 1 and f[61, -1] == 0      # C heard lately; G too long ago
    assert f[55, -1] == 0 and f[61].sum() == 0


def test_intervals_beyond_reach_or_without_anchor_score_nothing():
    index = interval_index(torch.tensor([60, -1]), pitches=128, reach=12)
    assert index[0, 60] == 12 and index[0, 72] == 24 and index[0, 48] == 0
    assert index[0, 73] == 25 and index[0, 47] == 25                 # the slot that scores 0
    assert (index[1] == 25).all()


def test_one_token_at_a_time_gives_the_same_predictions_as_the_whole_sequence():
    torch.manual_seed(0)
    vocab = Vocabulary(velocity_levels=4)
    config = ModelConfig(vocab.size, 16, 24, 2, 0.0, context=True, pitch_memory=True, first_pitch=vocab.first_pitch,
                         anchors=6)
    model = MusicLSTM(config).eval()
    for p in (model.memory_weights.weight, model.interval_scores.weight):
        torch.nn.init.normal_(p, std=1.0)                    # make the memory's part of the logits count
    phrase = Phrase(tuple(Note(50 + (i * 7) % 24, i * 3, 2 + i % 6, 30 + 7 * i) for i in range(12)))
    tokens = encode(phrase, vocab)
    whole = whole_and_stepwise(model, vocab, tokens)
    for head in (model.memory_weights, model.interval_scores):
        torch.nn.init.zeros_(head.weight)
        torch.nn.init.zeros_(head.bias)
    without = whole_and_stepwise(model, vocab, tokens)
    pitches = slice(vocab.first_pitch, vocab.first_pitch + 128)
    assert not torch.allclose(whole[..., pitches], without[..., pitches], atol=1e-3)   # the memory is used
    assert torch.equal(whole[..., :vocab.first_pitch], without[..., :vocab.first_pitch])


def test_a_model_with_pitch_memory_refuses_to_run_without_it():
    vocab = Vocabulary()
    model = MusicLSTM(ModelConfig(vocab.size, 8, 8, 1, 0.0, pitch_memory=True, first_pitch=vocab.first_pitch))
    with pytest.raises(ValueError, match="pitch memory"):
        model(torch.tensor([[1, 2]]))
    with pytest.raises(ValueError, match="lowest pitch"):
        MusicLSTM(ModelConfig(vocab.size, 8, 8, 1, 0.0, pitch_memory=True))


def test_a_saved_model_with_pitch_memory_loads_and_scores_like_the_original(tiny_memory_model_dir):
    loaded = load_model(tiny_memory_model_dir)
    assert loaded.model.config.pitch_memory
    vocab = loaded.vocab
    tokens = encode(C_CHORD_THEN_G, vocab)
    scored = score_sequences(loaded.model, [tokens], vocab, chunk=3)        # state carried across chunks
    side = {k: torch.from_numpy(v)[None] for k, v in stream_inputs(tokens, vocab, loaded.model.config).items()}
    with torch.no_grad():
        logits, _ = loaded.model(torch.tensor([tokens]), None, **model_arguments(side, "cpu"))
    from engine.encoding.grammar import Grammar, spelling_state
    log_probs = Grammar(vocab).log_probs(logits[:, :-1], torch.tensor([tokens[:-1]]),
                                         torch.from_numpy(spelling_state(tokens, vocab))[None, :-1])
    want = -log_probs.gather(-1, torch.tensor([tokens[1:]]).unsqueeze(-1)).sum().item()
    assert scored["nats"] == pytest.approx(want, rel=1e-5)


def test_the_batch_memories_of_generation_agree_with_one_memory_per_stream():
    import random

    from engine.encoding.pitch_memory import PitchMemories, PitchMemory
    from engine.encoding.tokens import Vocabulary, encode
    from engine.music.phrase import Note, Phrase
    vocab = Vocabulary(max_wait=8, max_length=8, velocity_levels=4)
    rng = random.Random(5)
    streams = [encode(Phrase(tuple(Note(rng.randrange(40, 80), rng.randrange(0, 60), rng.randrange(1, 20),
                                        rng.randrange(1, 128)) for _ in range(20))), vocab) for _ in range(3)]
    prompt = streams[0][:7]
    streams = [prompt + s[1:] for s in streams]
    longest = max(map(len, streams))
    streams = [s + [0] * (longest - len(s)) for s in streams]
    batch = PitchMemories(vocab, 3, prompt)
    singles = [PitchMemory(vocab) for _ in range(3)]
    for memory in singles:
        for token in prompt:
            memory.feed(token)
    for step in range(len(prompt), longest):
        tokens = [s[step] for s in streams]
        batch.feed(tokens)
        for row, memory in enumerate(singles):
            memory.feed(tokens[row])
            assert (batch.ages[row] == memory.ages).all(), step
            assert (batch.held[row] == memory.held).all(), step
            assert tuple(batch.anchors[row]) == memory.anchors, step


def test_memory_scores_are_the_features_times_their_weights():
    from engine.encoding.pitch_memory import FEATURES, memory_features, memory_scores
    generator = torch.Generator().manual_seed(0)
    ages = torch.randint(0, 256, (3, 5, 128), generator=generator).to(torch.uint8)
    ages[..., :40] = torch.randint(0, 10, (3, 5, 40), generator=generator).to(torch.uint8)
    held = torch.randint(0, 3, (3, 5, 128), generator=generator).to(torch.uint8)
    weights = torch.randn(3, 5, FEATURES, generator=generator)
    want = (memory_features(ages, held) * weights.unsqueeze(-2)).sum(-1)
    assert torch.allclose(memory_scores(ages, held, weights), want, atol=1e-5)
