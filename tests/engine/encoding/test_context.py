"""The held notes and bar position the network reads: right, and the same in training and generation."""

import numpy as np
import torch

from engine.encoding.context import Clock, context_features, transpose_sounding
from engine.encoding.tokens import Vocabulary, encode
from engine.model.network import ModelConfig, MusicLSTM
from engine.music.phrase import Note, Phrase


def test_held_notes_follow_the_clock():
    vocab = Vocabulary()
    phrase = Phrase((Note(60, 0, 8), Note(64, 0, 2), Note(67, 4, 40)), end=48)
    tokens = encode(phrase, vocab)
    sounding, position = context_features(tokens, vocab, bar_steps=16)
    clock = Clock(vocab, 16)
    for i, token in enumerate(tokens):
        clock.feed(token)
        if vocab.kind(token) == "wait":
            # after a wait every note that started earlier and has not ended is held, nothing else
            expected = {n.pitch for n in phrase.notes if n.start < clock.now < n.end or
                        (n.start < clock.now and n.end > clock.now)}
            assert set(np.flatnonzero(sounding[i])) == expected, (i, clock.now)
            assert position[i] == clock.now % 16
    assert not sounding[-1].any()                                   # the end clears everything


def test_a_pitch_is_held_from_the_moment_it_is_named():
    vocab = Vocabulary()
    tokens = encode(Phrase((Note(60, 0, 4), Note(72, 0, 4))), vocab)
    sounding, _ = context_features(tokens, vocab, 16)
    i = tokens.index(vocab.pitch(72))
    assert sounding[i, 60] and sounding[i, 72]


def test_transposing_the_held_notes_matches_transposing_the_music():
    vocab = Vocabulary()
    phrase = Phrase((Note(60, 0, 8), Note(64, 2, 8)))
    up = Phrase((Note(63, 0, 8), Note(67, 2, 8)))
    a, _ = context_features(encode(phrase, vocab), vocab, 16)
    b, _ = context_features(encode(up, vocab), vocab, 16)
    assert np.array_equal(transpose_sounding(a, 3), b)


def test_one_token_at_a_time_gives_the_same_predictions_as_the_whole_sequence():
    torch.manual_seed(0)
    vocab = Vocabulary(velocity_levels=4)
    model = MusicLSTM(ModelConfig(vocab.size, 16, 24, 2, 0.0, context=True, pitches=128, bar_steps=16)).eval()
    phrase = Phrase(tuple(Note(50 + (i * 7) % 24, i * 3, 2 + i % 6, 30 + 7 * i) for i in range(12)))
    tokens = encode(phrase, vocab)
    held, where = context_features(tokens, vocab, 16)
    with torch.no_grad():
        whole, _ = model(torch.tensor([tokens]), None, {"context": (torch.from_numpy(held)[None],
                                                                   torch.from_numpy(where)[None])})
        clock, state, steps = Clock(vocab, 16), None, []
        for token in tokens:
            clock.feed(token)
            out, state = model(torch.tensor([[token]]), state, {"context": (
                torch.from_numpy(clock.sounding())[None, None], torch.tensor([[clock.position]]))})
            steps.append(out[0, -1])
    assert torch.allclose(whole[0], torch.stack(steps), atol=1e-5)


def test_a_model_that_reads_held_notes_refuses_to_run_without_them():
    vocab = Vocabulary()
    model = MusicLSTM(ModelConfig(vocab.size, 8, 8, 1, 0.0, context=True))
    try:
        model(torch.tensor([[1, 2]]))
    except ValueError as err:
        assert "held notes" in str(err)
    else:
        raise AssertionError("expected a ValueError")


def test_the_fast_single_step_matches_the_lstm():
    torch.manual_seed(1)
    vocab = Vocabulary()
    for context in (False, True):
        model = MusicLSTM(ModelConfig(vocab.size, 16, 24, 2, 0.0, context=context)).eval()
        tokens = encode(Phrase(tuple(Note(48 + i * 5 % 20, i * 2, 3) for i in range(10))), vocab)
        held, where = context_features(tokens, vocab, 16)
        side = {"context": (torch.from_numpy(held)[None], torch.from_numpy(where)[None])} if context else {}
        whole, _ = model(torch.tensor([tokens]), None, side)
        state = (torch.zeros(2, 1, 24), torch.zeros(2, 1, 24))
        for i, token in enumerate(tokens):
            side = {"context": (torch.from_numpy(held[i])[None], torch.tensor([where[i]]))} if context else {}
            logits, state = model.step(torch.tensor([token]), state, side)
            assert torch.allclose(logits[0], whole[0, i], atol=1e-5), (context, i)


def test_the_batch_clocks_of_generation_agree_with_one_clock_per_stream():
    import random

    from engine.encoding.context import Clock, Clocks
    from engine.encoding.tokens import Vocabulary, encode
    from engine.music.phrase import Note, Phrase
    vocab = Vocabulary(max_wait=8, max_length=8, velocity_levels=4)
    rng = random.Random(2)
    streams = [encode(Phrase(tuple(Note(rng.randrange(40, 80), rng.randrange(0, 60), rng.randrange(1, 20),
                                        rng.randrange(1, 128)) for _ in range(15))), vocab) for _ in range(3)]
    longest = max(map(len, streams))
    streams = [s + [s[-1]] * (longest - len(s)) for s in streams]
    prompt = [1]
    batch = Clocks(vocab, 12, 3, prompt)
    singles = [Clock(vocab, 12) for _ in range(3)]
    for clock in singles:
        clock.feed(1)
    for step in range(1, longest):
        tokens = [s[step] for s in streams]
        batch.feed(tokens)
        for row, clock in enumerate(singles):
            clock.feed(tokens[row])
            assert batch.now[row] == clock.now and batch.position[row] == clock.position
            assert (batch.sounding()[row] == clock.sounding()).all()
