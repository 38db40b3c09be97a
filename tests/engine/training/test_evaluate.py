"""Scoring a model on music it has not seen: the figures and where the music comes from."""

import math
import pickle

import pytest

from engine.model.checkpoint import load_model
from engine.training.evaluate import bits_per_note, evaluate

CHORALE = [[60, 64, 67], [60, 64, 67], [62, 65, 69], [59, 62, 67]] * 4


@pytest.fixture
def splits(tmp_path):
    """A pickle with one, two and three pieces in its train, valid and test splits, in a folder
    whose name holds a colon (as a Windows drive or a dated run folder does)."""
    folder = tmp_path / "runs:2024"
    folder.mkdir()
    path = folder / "splits.pickle"
    path.write_bytes(pickle.dumps({"train": [CHORALE], "valid": [CHORALE] * 2, "test": [CHORALE] * 3}))
    return path


def test_bits_per_note_are_the_nats_in_bits_shared_among_the_notes():
    assert bits_per_note(12 * math.log(2), 3) == pytest.approx(4.0)
    assert bits_per_note(2 * math.log(2), 0) == pytest.approx(2.0)          # no notes: no division by zero


def test_a_pickle_is_evaluated_on_the_split_it_names_or_else_the_validation_split(tiny_model_dir, splits):
    loaded = load_model(tiny_model_dir)
    assert {k: evaluate(loaded, [str(splits)])[k] for k in ("split", "pieces")} == {"split": "valid", "pieces": 2}
    assert evaluate(loaded, [str(splits)], split="train")["pieces"] == 1
    named = evaluate(loaded, [f"{splits}:test"], split="train")                 # the spec's own split wins
    assert named["split"] == "test" and named["pieces"] == 3
    assert named["steps"] == 3 * len(CHORALE)
    assert named["bits_per_note"] == bits_per_note(named["total_nats"], named["notes"])


def test_with_nothing_given_away_a_model_with_harmony_reads_no_chords_either(tiny_inputs_model_dir, monkeypatch):
    import engine.encoding.side_inputs as side_inputs
    from engine.encoding.tokens import encode
    from engine.music.phrase import Note, Phrase
    from engine.training.evaluate import score_sequences
    loaded = load_model(tiny_inputs_model_dir)
    music = Phrase(tuple(Note(48 + (b % 3) * 5 + k * 4, 16 * b + 4 * k, 4) for b in range(6) for k in range(4)))
    tokens = [encode(music, loaded.vocab)]
    scored = lambda hidden: score_sequences(loaded.model, tokens, loaded.vocab, metres=[(16, 4)],
                                            hidden_controls=hidden)["nats"]
    given, hidden = scored(False), scored(True)
    assert given != hidden
    monkeypatch.setattr(side_inputs, "measured_chords", lambda *args: [])     # no chords heard at all
    assert scored(True) == hidden and scored(False) != given
