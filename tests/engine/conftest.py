"""Shared engine test set-up: a small folder of made-up songs to train on."""

import random

import pytest

from engine.midi_file import write_midi
from engine.phrase import Note, Phrase


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
