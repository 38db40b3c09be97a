"""Tampered model folders end in one ModelError naming the folder, before anything is built:
no 2 TB allocation for a huge hidden size, no traceback for a string size, no pickle ever loaded."""

import json
import pickle
import shutil
import time
from pathlib import Path

import pytest
import torch

from engine.errors import ModelError
from engine.model.checkpoint import load_model


@pytest.fixture
def copy(tiny_model_dir, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    return folder


def edit(folder: Path, change) -> None:
    info = json.loads((folder / "model.json").read_text())
    change(info)
    (folder / "model.json").write_text(json.dumps(info))


def refused(folder: Path) -> str:
    started = time.perf_counter()
    with pytest.raises(ModelError) as caught:
        load_model(folder)
    assert time.perf_counter() - started < 10
    message = str(caught.value)
    assert message.startswith(f"{folder}: ") and "\n" not in message
    return message


@pytest.mark.parametrize("section, key, value, words", [
    ("model", "hidden_size", 2**40, "model.hidden_size 1099511627776 is outside 1-4,096"),
    ("model", "hidden_size", "256", 'model.hidden_size must be a whole number, not "256"'),
    ("model", "layers", 0, "model.layers 0 is outside 1-8"),
    ("model", "embedding_size", True, "model.embedding_size must be a whole number, not True"),
    ("model", "max_wait", 0, "model.max_wait 0 is outside 1-4,096"),
    ("model", "dropout", float("nan"), "model.dropout must be a number from 0 to 1"),
    ("model", "context", "yes", 'model.context must be true or false, not "yes"'),
    ("model", "rhythm_scores", 1, "model.rhythm_scores must be true or false, not 1"),
    ("model", "first_pitch", 10**6, "model.first_pitch 1000000 is outside"),
    ("model", "vocab_size", None, "model.vocab_size must be a whole number, not None"),
    ("vocabulary", "velocity_levels", -4, "vocabulary.velocity_levels -4 is outside 0-127"),
    ("vocabulary", "max_wait", 0, "vocabulary.max_wait 0 is outside 1-4,096"),
    ("vocabulary", "max_length", [32], "vocabulary.max_length must be a whole number, not [32]"),
    ("grid", "steps_per_quarter", "4", "grid.steps_per_quarter must be a whole number"),
])
def test_a_tampered_description_is_refused_with_the_field(copy, section, key, value, words):
    def change(info):
        info.setdefault(section, {})[key] = value
    edit(copy, change)
    assert words in refused(copy)


def test_a_network_that_cannot_be_built_is_refused(copy):
    edit(copy, lambda info: info["model"].update(control_scores=True, controls=False))
    assert "does not describe a network Segue can build" in refused(copy)


def test_deeply_nested_or_huge_or_overlong_descriptions_are_refused(copy):
    text = (copy / "model.json").read_text()
    (copy / "model.json").write_text(text[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert "nests lists or objects too deeply" in refused(copy)
    (copy / "model.json").write_text(text[:-1] + ', "n": ' + "7" * 5000 + "}")
    assert "model.json is damaged" in refused(copy)
    with open(copy / "model.json", "w") as f:
        f.write(text[:-1] + ', "pad": "' + " " * (5 * 2**20) + '"}')
    assert "model.json is larger than 4 MB" in refused(copy)


class _Planted:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_pickle_named_model_safetensors_is_never_unpickled(copy, tmp_path):
    marker = tmp_path / "the-pickle-ran"
    (copy / "model.safetensors").write_bytes(pickle.dumps({"lstm.weight_ih_l0": _Planted(marker)}))
    assert "model.safetensors is damaged or truncated, or not a safetensors weights file" in refused(copy)
    assert not marker.exists()
    torch.save({"x": torch.zeros(2)}, copy / "model.safetensors")      # torch's own pickle format
    assert "not a safetensors weights file" in refused(copy)


def test_weights_stored_as_whole_numbers_are_refused(copy):
    from safetensors.torch import load_file, save_file
    weights = load_file(str(copy / "model.safetensors"))
    weights["head.bias"] = weights["head.bias"].to(torch.int32)
    save_file(weights, str(copy / "model.safetensors"))
    assert "weight head.bias is stored as I32" in refused(copy)


def test_weights_of_another_shape_are_refused_before_the_network_is_built(copy, monkeypatch):
    from safetensors.torch import load_file, save_file
    weights = load_file(str(copy / "model.safetensors"))
    weights["head.bias"] = torch.zeros(3)
    save_file(weights, str(copy / "model.safetensors"))
    import engine.model.checkpoint
    monkeypatch.setattr(engine.model.checkpoint, "MusicLSTM", lambda *a: pytest.fail("built before the check"))
    assert "weight head.bias has shape (3,)" in refused(copy)
