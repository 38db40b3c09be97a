"""The lanes read from the token store are exactly the lanes the whole epoch held in memory gave.

The reference below is training's earlier code, kept word for word: every piece tokenized in
memory, each epoch's shuffled, transposed stream and side inputs joined whole and cut into lanes.
"""

import random
from dataclasses import dataclass, replace

import numpy as np
import pytest
import torch

from engine.encoding.controls import hide_controls
from engine.encoding.grammar import spelling_state
from engine.encoding.side_inputs import needs_side_inputs, stream_inputs, transpose_inputs
from engine.encoding.tokens import encode, transpose_tokens
from engine.files.midi import write_midi
from engine.music.phrase import Note, Phrase, trim
from engine.training import distributed
from engine.training.corpus import load_corpus
from engine.training.lanes import EpochLanes
from engine.training.train import TrainConfig, split_by_piece, training_and_validation

# -- the reference: the in-memory pipeline as it was -------------------------------------------

@dataclass
class Pieces:
    names: list
    tokens: list
    phrases: list

    @property
    def metres(self):
        return [(p.steps_per_bar, p.steps_per_quarter) for p in self.phrases]

    def subset(self, indices):
        return Pieces([self.names[i] for i in indices], [self.tokens[i] for i in indices],
                      [self.phrases[i] for i in indices])


def tokenize(phrases, names, vocab):
    tokens = [np.asarray(encode(p, vocab), dtype=np.int64) for p in phrases]
    keep = [i for i, t in enumerate(tokens) if len(t) > 3]
    return Pieces([names[i] for i in keep], [tokens[i] for i in keep], [phrases[i] for i in keep])


def excerpts_of(pieces, vocab, bars, seed):
    rng = np.random.default_rng([seed, 7])
    lo, hi = bars
    names, phrases = [], []
    for name, phrase in zip(pieces.names, pieces.phrases):
        bar = phrase.steps_per_bar
        total = -(-phrase.length // bar)
        first = 0
        while first < total:
            last = min(total, first + int(rng.integers(lo, hi + 1)))
            if total - last < lo:
                last = total
            excerpt = trim(phrase, first * bar, min(last * bar, phrase.length))
            if len(excerpt.notes) >= 4:
                names.append(f"{name} bars {first + 1}-{last}")
                phrases.append(excerpt)
            first = last
    return tokenize(phrases, names, vocab)


def epoch_lanes(pieces, config, vocab, epoch, inputs=None):
    rng = np.random.default_rng([config.seed, epoch])
    low, high = config.transpose
    parts, sides = [], []
    for i in rng.permutation(len(pieces.tokens)):
        seq = pieces.tokens[i]
        shift = int(rng.integers(low, high + 1)) if high > low else 0
        moved = transpose_tokens(seq, vocab, shift) if shift else None
        parts.append(np.asarray(moved, dtype=np.int64) if moved is not None else seq)
        if inputs is not None:
            side = transpose_inputs(inputs[i], shift if moved is not None else 0)
            if "controls" in side:
                side = dict(side, controls=hide_controls(side["controls"], side["control_bar"], rng,
                                                         config.control_dropout, config.control_all_dropout))
                side.pop("control_bar")
            sides.append(side)
    stream = np.concatenate(parts)
    cut = int(rng.integers(0, config.window))
    stream = stream[cut:]
    lane_length = (len(stream) - 1) // config.batch_size
    used = lane_length * config.batch_size + 1
    tokens = torch.from_numpy(stream[:used].copy())
    side = {key: torch.from_numpy(np.concatenate([s[key] for s in sides])[cut:cut + used])
            for key in (sides[0] if sides else {})}
    return tokens, lane_length, side


def reference_windows(config, vocab, epochs, world):
    """Every window of each epoch as training cut it from the whole epoch in memory."""
    corpus = load_corpus(config.data, steps_per_quarter=config.steps_per_quarter)
    pieces = tokenize([p.phrase for p in corpus.pieces], [p.name for p in corpus.pieces], vocab)
    train, _ = split_by_piece(pieces.names, config.valid_fraction, config.seed)
    pieces = pieces.subset(train)
    if tuple(config.excerpt_bars) != (0, 0):
        pieces = excerpts_of(pieces, vocab, tuple(config.excerpt_bars), config.seed)
    network = config.model_config(vocab, 4 * pieces.phrases[0].steps_per_quarter)
    reads_more = needs_side_inputs(network)
    inputs = ([stream_inputs(t, vocab, network, *m) for t, m in zip(pieces.tokens, pieces.metres)]
              if reads_more else None)
    out = {}
    for epoch in epochs:
        stream, lane_length, side = epoch_lanes(pieces, config, vocab, epoch, inputs)
        mine = distributed.my_lanes(world, config.batch_size)
        side = {k: v[:-1].view(config.batch_size, lane_length, *v.shape[1:])[mine] for k, v in side.items()}
        lanes = stream[:-1].view(config.batch_size, lane_length)[mine]
        targets = stream[1:].view(config.batch_size, lane_length)[mine]
        floors = torch.from_numpy(spelling_state(stream[:-1].numpy(), vocab))
        floors = floors.view(config.batch_size, lane_length, 2)[mine]
        windows = []
        for b in range(-(-lane_length // config.window)):
            span = slice(b * config.window, (b + 1) * config.window)
            windows.append((lanes[:, span], targets[:, span], {k: v[:, span] for k, v in side.items()},
                            floors[:, span]))
        out[epoch] = windows
    return out


# -- the music: keys, metres, loudness and pitches at the edges of the range --------------------

@pytest.fixture(scope="module")
def music(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lanes")
    rng = random.Random(4)
    for i in range(9):
        beats = (4, 3, 6, 2)[i % 4]
        bar = 4 * beats if beats != 6 else 12
        notes = []
        for b in range(rng.randint(5, 14)):
            for t in range(0, bar, rng.choice([2, 3, 4])):
                root = rng.choice([36, 48, 60, 67])
                for k in range(rng.choice([1, 1, 2, 3])):
                    notes.append(Note(root + 4 * k, b * bar + t, rng.choice([1, 2, 4, 9]), rng.randint(20, 120)))
            if b % 3 == 0 and rng.random() < 0.5:
                notes.append(Note(rng.choice([0, 2, 125, 127]), b * bar, 3, 64))     # transposing may not fit
        ts = {4: (4, 4), 3: (3, 4), 6: (6, 8), 2: (2, 4)}[beats]
        write_midi(Phrase(tuple(notes), time_signature=ts, end=(b + 1) * bar + rng.choice([0, 5, 40])),
                   folder / f"piece{i}.mid")
    write_midi(Phrase((Note(60, 0, 2),)), folder / "tiny.mid")                      # too short to learn from
    return folder


def small_config(music, tmp_path, **changes):
    base = TrainConfig(data=[str(music)], out=str(tmp_path / "run"), velocity_levels=4, window=16, batch_size=4,
                       seed=11, valid_fraction=0.2, controls=True, bar_from_music=True, pitch_memory=True,
                       excerpt_bars=(2, 4), control_dropout=0.3, control_all_dropout=0.2)
    return replace(base, **changes)


def streamed_windows(config, vocab, epochs, world, workers=None):
    train, valid = training_and_validation(config, vocab, lambda event: None, for_training=True, workers=workers)
    try:
        out = {}
        for epoch in epochs:
            lanes = EpochLanes(train, config, vocab, epoch)
            mine = distributed.my_lanes(world, config.batch_size)
            out[epoch] = [lanes.batch(b, mine, spelling=True) for b in range(lanes.batches)]
        return out
    finally:
        train.close()
        valid.close()


def assert_same(expected, got):
    assert expected.keys() == got.keys()
    for epoch in expected:
        assert len(expected[epoch]) == len(got[epoch]), epoch
        for b, ((x0, y0, s0, f0), (x1, y1, s1, f1)) in enumerate(zip(expected[epoch], got[epoch])):
            where = f"epoch {epoch} window {b}"
            assert x0.dtype == x1.dtype and torch.equal(x0, x1), where
            assert torch.equal(y0, y1), where
            assert f0.dtype == f1.dtype and torch.equal(f0, f1), where
            assert s0.keys() == s1.keys(), where
            for key in s0:
                assert s0[key].dtype == s1[key].dtype and torch.equal(s0[key], s1[key]), (where, key)


@pytest.mark.parametrize("changes", [
    {},                                                          # excerpts, controls hidden, pitch memory
    {"excerpt_bars": (0, 0), "pitch_memory": False},             # whole pieces, held notes and controls
    {"controls": False, "bar_from_music": False, "pitch_memory": False, "context": False},   # tokens only
    {"control_dropout": 0.0, "control_all_dropout": 0.0, "transpose": (0, 0)},               # nothing drawn
], ids=["excerpts-controls-memory", "whole-pieces", "plain", "no-draws"])
def test_the_store_gives_every_window_the_whole_epoch_in_memory_gave(music, tmp_path, changes):
    config = small_config(music, tmp_path, **changes)
    vocab = config.vocabulary()
    expected = reference_windows(config, vocab, (1, 2, 3), distributed.World())
    got = streamed_windows(config, vocab, (1, 2, 3), distributed.World())
    assert any(len(w) > 3 for w in expected.values())
    assert_same(expected, got)


def test_pieces_made_ready_in_several_processes_give_the_same_windows(music, tmp_path):
    config = small_config(music, tmp_path)
    vocab = config.vocabulary()
    expected = reference_windows(config, vocab, (1, 2), distributed.World())
    assert_same(expected, streamed_windows(config, vocab, (1, 2), distributed.World(), workers=2))


def test_each_of_two_processes_gets_its_share_of_the_same_windows(music, tmp_path):
    config = small_config(music, tmp_path)
    vocab = config.vocabulary()
    for rank in (0, 1):
        world = distributed.World(rank, 2)
        assert_same(reference_windows(config, vocab, (1, 4), world), streamed_windows(config, vocab, (1, 4), world))


def test_the_comparison_tells_another_epoch_apart(music, tmp_path):
    config = small_config(music, tmp_path)
    vocab = config.vocabulary()
    expected = reference_windows(config, vocab, (1,), distributed.World())
    other = streamed_windows(config, vocab, (2,), distributed.World())
    with pytest.raises(AssertionError):
        assert_same(expected, {1: other[2]})


def test_too_little_music_for_one_batch_is_a_clear_error(music, tmp_path):
    config = small_config(music, tmp_path, data=[str(music / "piece0.mid")], valid_fraction=0.0, batch_size=4096,
                          excerpt_bars=(0, 0))
    train, valid = training_and_validation(config, config.vocabulary(), lambda event: None, for_training=True)
    with pytest.raises(ValueError, match="too little training music"):
        EpochLanes(train, config, config.vocabulary(), 1)
    train.close()
    valid.close()


def test_the_random_excerpts_kept_with_the_model_are_the_ones_the_pieces_in_memory_gave(music, tmp_path):
    from engine.training.train import excerpts_for
    config = small_config(music, tmp_path)
    vocab = config.vocabulary()
    corpus = load_corpus(config.data, steps_per_quarter=config.steps_per_quarter)
    pieces = tokenize([p.phrase for p in corpus.pieces], [p.name for p in corpus.pieces], vocab)
    pieces = excerpts_of(pieces.subset(split_by_piece(pieces.names, config.valid_fraction, config.seed)[0]),
                         vocab, tuple(config.excerpt_bars), config.seed)
    rng = np.random.default_rng(3)
    expected = []
    for i in rng.permutation(len(pieces.phrases))[:64]:             # the earlier excerpts_for, on phrases in memory
        phrase = pieces.phrases[i]
        span = phrase.steps_per_bar * 4
        start = 0 if phrase.length <= span else int(
            rng.integers(0, (phrase.length - span) // phrase.steps_per_bar + 1)) * phrase.steps_per_bar
        excerpt = trim(phrase, start, start + span)
        if len(excerpt.notes) >= 4:
            expected.append({"piece": pieces.names[i], "start_bar": start // phrase.steps_per_bar + 1,
                             "tempo_bpm": phrase.tempo_bpm, "time_signature": list(phrase.time_signature),
                             "tokens": encode(excerpt, vocab, end=False)})
    train, valid = training_and_validation(config, vocab, lambda event: None)
    assert excerpts_for(train, vocab, seed=3) == expected and len(expected) > 10
    train.close()
    valid.close()
