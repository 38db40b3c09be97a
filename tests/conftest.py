"""Shared test set-up: no display, no sound card, and where the shared data lives."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

ROOT = Path(__file__).resolve().parents[1]
# ../shared/data beside the checkout, or wherever SEGUE_SHARED_DATA says; a clone without it skips
# the tests that read it rather than failing them
SHARED_DATA = Path(os.environ.get("SEGUE_SHARED_DATA", ROOT.parent / "shared" / "data"))


def shared_data(name: str) -> Path:
    """The folder ``name`` of the shared data (piano-midi, bl, pop909); skips the calling test, naming
    the path it looked at, when that folder is not there."""
    folder = SHARED_DATA / name
    if not folder.is_dir():
        pytest.skip(f"needs the shared data at {folder} (set SEGUE_SHARED_DATA to the folder holding {name}/)")
    return folder


@pytest.fixture(scope="session")
def piano_midi() -> Path:
    """The 265 classical piano MIDI files of ../shared/data/piano-midi."""
    return shared_data("piano-midi")


@pytest.fixture(scope="session")
def bl_data() -> Path:
    """The four Boulanger-Lewandowski benchmark pickles of ../shared/data/bl."""
    return shared_data("bl")


@pytest.fixture(scope="session")
def pop909() -> Path:
    """The 909 pop songs with beat, chord and key annotations of ../shared/data/pop909."""
    return shared_data("pop909")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A small untrained model folder (random weights, a few excerpts): fast, for plumbing tests."""
    return _tiny_model(tmp_path_factory, context=False)


@pytest.fixture(scope="session")
def tiny_context_model_dir(tmp_path_factory) -> Path:
    """The same, for a network that also reads the held notes and the bar position."""
    return _tiny_model(tmp_path_factory, context=True)


@pytest.fixture(scope="session")
def tiny_memory_model_dir(tmp_path_factory) -> Path:
    """The same, for a network that also scores pitches by what was just played and durations by
    what they line up with."""
    return _tiny_model(tmp_path_factory, context=True, pitch_memory=True)


@pytest.fixture(scope="session")
def tiny_controls_model_dir(tmp_path_factory) -> Path:
    """The same, for a network that reads held notes, bar positions in the music's own metre and
    what each bar should sound like (controls), with velocity levels."""
    return _tiny_model(tmp_path_factory, context=True, controls=True)


@pytest.fixture(scope="session")
def tiny_control_scores_model_dir(tmp_path_factory) -> Path:
    """The same with controls that also score each pitch by its bar's pitch classes and register."""
    return _tiny_model(tmp_path_factory, context=True, controls=True, control_scores=True)


@pytest.fixture(scope="session")
def tiny_inputs_model_dir(tmp_path_factory) -> Path:
    """The same with lookback, harmony and the bar's place in its phrase too."""
    return _tiny_model(tmp_path_factory, context=True, controls=True, control_scores=True, newest=True)


def _tiny_model(tmp_path_factory, context: bool, pitch_memory: bool = False, controls: bool = False,
                control_scores: bool = False, newest: bool = False) -> Path:
    import torch

    from engine.encoding.tokens import Vocabulary, encode
    from engine.model.checkpoint import save_model
    from engine.model.network import ModelConfig, MusicLSTM
    from engine.music.phrase import Note, Phrase

    torch.manual_seed(0)
    vocab = Vocabulary(velocity_levels=4 if controls else 0)
    model = MusicLSTM(ModelConfig(vocab.size, embedding_size=16, hidden_size=32, layers=2, dropout=0.0,
                                  context=context, pitch_memory=pitch_memory, first_pitch=vocab.first_pitch,
                                  rhythm_memory=pitch_memory, controls=controls, bar_from_music=controls,
                                  bar_steps=64 if controls else 16, control_scores=control_scores,
                                  rhythm_scores=control_scores, max_wait=vocab.max_wait, lookback=newest,
                                  harmony=newest, phrase_position=newest))
    if control_scores:                                 # they start silent; a test model should use them
        with torch.no_grad():
            for layer in (model.key_weight, model.register_scores, model.rhythm_weight):
                layer.weight.normal_(0, 0.3)
                layer.bias.normal_(0, 0.3)
    if newest:
        with torch.no_grad():
            for name in ("lookback_weights", "repeat_input", "harmony_weights", "chord_input", "phrase_bars"):
                for parameter in getattr(model, name).parameters():
                    parameter.normal_(0, 0.5)
    excerpt = Phrase(tuple(Note(60 + (i % 8), i * 2, 2) for i in range(16)))
    folder = tmp_path_factory.mktemp("models") / "tiny"
    info = {"name": "tiny", "grid": {"steps_per_quarter": 4}, "metrics": {}, "training": {}}
    save_model(folder, model, vocab, info,
               excerpts=[{"piece": "scale", "tempo_bpm": 100.0, "time_signature": [4, 4],
                          "tokens": encode(excerpt, vocab, end=False)}])
    return folder
