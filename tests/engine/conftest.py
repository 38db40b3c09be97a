"""Shared engine test set-up: a small folder of made-up songs to train on, and a check that a
network predicts the same one token at a time as over a whole sequence."""

import random

import pytest
import torch

from engine.encoding.harmony_input import measured_chords
from engine.encoding.side_inputs import Followers, bar_of, model_arguments, stream_inputs
from engine.files.midi import write_midi
from engine.music.phrase import Note, Phrase


@pytest.fixture(scope="session")
def songs(tmp_path_factory):
    """Twelve short made-up pieces: arpeggios over a bass, in a few keys and rhythms."""
    folder = tmp_path_factory.mktemp("songs")
    rng = random.Random(0)
    for i in range(12):
        root = rng.choice([48, 50, 53, 55])
        notes = []
        for bar in range(6):
            notes.append(Note(root - 12, bar * 16, 16, 70))
            step = rng.choice([2, 4])
            for k, t in enumerate(range(0, 16, step)):
                notes.append(Note(root + [0, 4, 7, 12][k % 4], bar * 16 + t, step, 90))
        write_midi(Phrase(tuple(notes)), folder / f"song{i:02d}.mid")
    (folder / "broken.mid").write_bytes(b"MThd\x00\x00")
    return folder


def whole_and_stepwise(model, vocab, tokens, chords=None) -> torch.Tensor:
    """The model's logits for ``tokens`` read as one sequence (1, len, vocab), after checking that
    feeding them one token at a time, with side inputs kept up to date, predicts the same. A model
    with harmony reads ``chords`` (default: those heard in the music the tokens spell) both ways."""
    if chords is None and getattr(model.config, "harmony", False):
        chords = measured_chords(tokens, vocab, bar_of(model.config, None), 4)
        assert chords, "the music should have chords to read"
    side = {k: torch.from_numpy(v)[None] for k, v in stream_inputs(tokens, vocab, model.config, chords=chords).items()}
    with torch.no_grad():
        whole, _ = model(torch.tensor([tokens]), None, **model_arguments(side, "cpu"))
        followers = Followers(vocab, model.config, [], 1, chords=chords)
        layers, hidden = model.config.layers, model.config.hidden_size
        state = (torch.zeros(layers, 1, hidden), torch.zeros(layers, 1, hidden))
        for i, token in enumerate(tokens):
            fed = followers.feed([token])
            if "controls" in side:                       # generation looks a bar's controls up by its bar
                assert fed.pop("control_bar").item() == side["control_bar"][0, i].item()
                fed["controls"] = side["controls"][:, i]
            logits, state = model.step(torch.tensor([token]), state, **model_arguments(fed, "cpu"))
            assert torch.allclose(logits[0], whole[0, i], atol=1e-5), i
    return whole
