"""The token store gives back every piece as it was added, and any run of rows across pieces."""

import numpy as np
import pytest

import engine.training.token_store as token_store
from engine.encoding.grammar import spelling_state
from engine.encoding.side_inputs import stream_inputs
from engine.encoding.tokens import Vocabulary, encode
from engine.model.network import ModelConfig
from engine.music.phrase import Note, Phrase
from engine.training.token_store import TokenStore


def phrases():
    rng = np.random.default_rng(2)
    out = []
    for i, ts in enumerate([(4, 4), (3, 4), (6, 8), (4, 4)]):
        notes = tuple(Note(int(rng.integers(30, 90)), int(s), int(rng.integers(1, 9)), int(rng.integers(1, 128)))
                      for s in sorted(rng.integers(0, 60, size=12 + 5 * i)))
        out.append(Phrase(notes, tempo_bpm=90.0 + i, time_signature=ts, end=70 + i))
    return out


@pytest.fixture
def stored(tmp_path):
    vocab = Vocabulary(velocity_levels=4)
    network = ModelConfig(vocab.size, 8, 8, 1, context=True, pitch_memory=True, controls=True, bar_from_music=True,
                          pitches=128, first_pitch=vocab.first_pitch)
    store = TokenStore(tmp_path / "store", vocab)
    added = []
    for i, phrase in enumerate(phrases()):
        tokens = np.asarray(encode(phrase, vocab), dtype=np.int64)
        inputs = stream_inputs(tokens, vocab, network, phrase.steps_per_bar, phrase.steps_per_quarter)
        spelling = spelling_state(tokens, vocab)
        store.add(f"piece {i} é", phrase, tokens, inputs, spelling)
        added.append((phrase, tokens, inputs, spelling))
    yield store.finish(), added
    store.close()


def test_every_piece_comes_back_as_it_was_added(stored):
    store, added = stored
    assert len(store) == len(added) and len(store.tokens) == len(added)
    for i, (phrase, tokens, _, _) in enumerate(added):
        assert store.name(i) == f"piece {i} é"
        assert store.phrase(i) == phrase
        assert store.tokens[i].dtype == np.int64 and np.array_equal(store.tokens[i], tokens)
        assert store.metres[i] == (phrase.steps_per_bar, phrase.steps_per_quarter)
    assert store.token_count == sum(len(t) for _, t, _, _ in added)
    assert store.note_count == sum(len(p.notes) for p, _, _, _ in added)
    assert store.step_count == sum(p.length for p, _, _, _ in added)


def test_any_run_of_rows_reads_back_across_pieces(stored):
    store, added = stored
    whole = {key: np.concatenate([inputs[key] for _, _, inputs, _ in added]) for key in added[0][2]}
    whole["tokens"] = np.concatenate([t for _, t, _, _ in added])
    whole["spelling"] = np.concatenate([s for _, _, _, s in added])
    total = len(whole["tokens"])
    rng = np.random.default_rng(0)
    spans = [(0, total), (0, 1), (total - 1, total), (5, 5)]
    spans += [tuple(sorted(rng.integers(0, total, 2))) for _ in range(20)]
    for key, values in whole.items():
        if key == "controls":
            continue
        for a, z in spans:
            got = store.read(key, int(a), int(z))
            assert got.dtype == values.dtype or key in ("tokens", "spelling"), key
            assert np.array_equal(got, values[a:z]), (key, a, z)
    assert store.layout["sounding"][2], "held notes are stored as bits"


def test_the_controls_are_stored_by_bar_and_read_back_by_position(stored):
    store, added = stored
    for i, (_, _, inputs, _) in enumerate(added):
        table = store.bar_rows("controls", i)
        bars = inputs["control_bar"]
        assert len(table) == bars.max() + 2
        assert np.array_equal(np.stack([table[bars], table[bars + 1]], 1), inputs["controls"])
    assert store.bytes < sum(sum(v.nbytes for v in inputs.values()) for _, _, inputs, _ in added)


def test_the_pitch_range_of_each_piece_is_known(stored):
    store, added = stored
    vocab = store.vocab
    for i, (_, tokens, _, _) in enumerate(added):
        pitches = tokens[(tokens >= vocab.first_pitch) & (tokens < vocab.first_velocity)]
        assert store.pitch_range(i) == (pitches.min(), pitches.max())


def test_the_folder_is_gone_once_written_or_closed(tmp_path, monkeypatch):
    vocab = Vocabulary()
    phrase = phrases()[0]
    store = TokenStore(tmp_path / "a", vocab)
    store.add("a", phrase, encode(phrase, vocab))
    store.finish()
    assert not (tmp_path / "a").exists() and np.array_equal(store.tokens[0], encode(phrase, vocab))
    store.close()
    monkeypatch.setattr(token_store, "UNLINK_WHEN_WRITTEN", False)       # as on Windows
    store = TokenStore(tmp_path / "b", vocab)
    store.add("b", phrase, encode(phrase, vocab))
    store.finish()
    assert (tmp_path / "b").is_dir()
    store.close()
    assert not (tmp_path / "b").exists()
    half = TokenStore(tmp_path / "c", vocab)
    half.add("c", phrase, encode(phrase, vocab))
    del half                                                           # never finished: removed when collected
    assert not (tmp_path / "c").exists()
