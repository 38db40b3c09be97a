"""Model folders describe themselves, load without pickle, and refuse damage clearly."""

import json
import shutil

import pytest

from engine.errors import ModelError
from engine.model.checkpoint import load_model, read_info


@pytest.fixture
def copy(tiny_model_dir, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    return folder


def test_a_model_loads_with_its_vocabulary_and_description(tiny_model_dir):
    loaded = load_model(tiny_model_dir)
    assert loaded.name == "tiny"
    assert loaded.vocab.size == loaded.model.config.vocab_size
    assert loaded.steps_per_quarter == 4
    assert not loaded.model.training
    assert loaded.excerpts and loaded.excerpts[0]["piece"] == "scale"


def test_the_weights_file_holds_no_pickle(tiny_model_dir):
    raw = (tiny_model_dir / "model.safetensors").read_bytes()
    header_len = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + header_len])      # safetensors: a JSON header, then raw numbers
    assert "lstm.weight_ih_l0" in header
    assert b"\x80\x04" not in raw[:8 + header_len]  # no pickle protocol marker in the header


def test_truncated_weights_are_refused(copy):
    weights = copy / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:500])
    with pytest.raises(ModelError, match="damaged or truncated"):
        load_model(copy)


def test_missing_description_is_refused(copy):
    (copy / "model.json").unlink()
    with pytest.raises(ModelError):
        load_model(copy)


def test_a_vocabulary_that_does_not_match_the_network_is_refused(copy):
    info = json.loads((copy / "model.json").read_text())
    info["vocabulary"]["velocity_levels"] = 4
    (copy / "model.json").write_text(json.dumps(info))
    with pytest.raises(ModelError, match="outputs but the vocabulary"):
        load_model(copy)


def test_weights_of_another_shape_are_refused(copy):
    info = json.loads((copy / "model.json").read_text())
    info["model"]["hidden_size"] = 64
    (copy / "model.json").write_text(json.dumps(info))
    with pytest.raises(ModelError, match="shape"):
        load_model(copy)


def test_a_future_format_version_is_refused(copy):
    info = json.loads((copy / "model.json").read_text())
    info["version"] = 99
    (copy / "model.json").write_text(json.dumps(info))
    with pytest.raises(ModelError, match="version 99"):
        read_info(copy)


def test_tampered_numbers_are_refused(copy):
    from safetensors.torch import load_file, save_file
    weights = load_file(str(copy / "model.safetensors"))
    weights["head.bias"][0] = float("nan")
    save_file(weights, str(copy / "model.safetensors"))
    with pytest.raises(ModelError, match="non-finite"):
        load_model(copy)


def test_an_unknown_name_lists_the_models_there_are():
    with pytest.raises(ModelError, match="no model found"):
        load_model("no-such-model-anywhere")


def test_a_save_killed_between_weights_and_description_still_loads_consistently(copy):
    """The window's Stop (or a kill) between model.safetensors and model.json of the top folder
    leaves the new weights beside the old description: the weights' own description wins."""
    import shutil

    from engine.model.checkpoint import save_model
    first = load_model(copy)
    old_description = (copy / "model.json").read_text()
    save_model(copy, first.model, first.vocab, {**first.info, "name": "epoch 2", "metrics": {"epoch": 2}})
    shutil.copy(copy / "model.json", copy.parent / "new.json")
    (copy / "model.json").write_text(old_description)          # as if killed before model.json
    loaded = load_model(copy)
    assert loaded.name == "epoch 2" and loaded.info["metrics"] == {"epoch": 2}
    assert loaded.info["save_id"] == json.loads((copy.parent / "new.json").read_text())["save_id"]


def test_loading_a_model_runs_no_initialiser_and_never_loads_the_compiler():
    """Building the network to be loaded used to run torch.nn.init (on the meta device too), which
    imports torch._dynamo: as long again as importing torch, at every start and command."""
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[3]
    code = ("import sys, torch; from engine.model.checkpoint import load_model; loaded = load_model('default'); "
            "import torch.nn.init as init; from engine.model.building import INITIALISERS; "
            "assert all(getattr(init, n).__name__ != '_left_as_allocated' for n in INITIALISERS if hasattr(init, n)); "
            "print('torch._dynamo' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"


def test_a_network_built_without_initialisers_and_loaded_is_the_saved_one(tiny_model_dir):
    import torch

    from engine.model.building import without_initialisers
    from engine.model.network import MusicLSTM
    loaded = load_model(tiny_model_dir)
    with without_initialisers():
        bare = MusicLSTM(loaded.model.config)
    bare.load_state_dict(loaded.model.state_dict())
    tokens = torch.tensor([[1, 2, 3, 4]])
    with torch.no_grad():
        assert torch.equal(bare.eval()(tokens)[0], loaded.model(tokens)[0])
    fresh = MusicLSTM(loaded.model.config)                  # outside the block, weights are drawn again
    assert any(p.abs().sum() > 0 for p in fresh.parameters())
