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


# -- bounded: what a model folder may make Segue allocate, and files that are not files ------------

def test_a_description_that_is_a_list_or_a_number_is_refused(copy):
    """The weights' own description as a list or a number gave AttributeError (the CLI) and an
    internal-error dialog with no fallback (the window)."""
    from safetensors.torch import load_file, save_file
    weights = load_file(str(copy / "model.safetensors"))
    for description in ("[1, 2, 3]", "7", '"text"'):
        save_file(weights, str(copy / "model.safetensors"), metadata={"description": description})
        assert "model.safetensors carries a description that is not a Segue model description" in refused(copy)


def _loads_within(folder, seconds=60):
    """load_model in a process of its own: (whether it was still waiting after ``seconds``, the
    ModelError it said or None)."""
    import subprocess
    import sys
    code = ("import sys\nfrom engine.errors import ModelError\nfrom engine.model.checkpoint import load_model\n"
            "try:\n    load_model(sys.argv[1])\nexcept ModelError as err:\n    print(err)")
    try:
        done = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True,
                              timeout=seconds, cwd=Path(__file__).resolve().parents[3])
    except subprocess.TimeoutExpired:
        return True, None
    return False, done.stdout.strip() or None


@pytest.mark.slow
@pytest.mark.parametrize("name", ["model.safetensors", "excerpts.json"])
def test_a_pipe_in_place_of_a_file_is_refused_not_waited_on(copy, name):
    """A FIFO named model.safetensors kept `continue` waiting for ever."""
    import os
    (copy / name).unlink()
    os.mkfifo(copy / name)
    waiting, said = _loads_within(copy)
    assert not waiting, f"load_model waited on a pipe named {name}"
    assert said is not None and f"{name} cannot be read (it is a pipe or a device, not a file)" in said


def _sparse_weights(folder, hidden: int) -> None:
    """Describe a network of ``hidden`` units and write its weights file as a header over a hole."""
    import struct

    from engine.model.building import without_initialisers
    from engine.model.network import ModelConfig, MusicLSTM
    edit(folder, lambda info: info["model"].update(hidden_size=hidden))
    info = json.loads((folder / "model.json").read_text())
    with torch.device("meta"), without_initialisers():
        shapes = {k: list(t.shape) for k, t in MusicLSTM(ModelConfig.from_json(info["model"])).state_dict().items()}
    header, at = {}, 0
    for key, shape in shapes.items():
        size = 4 * int(torch.tensor(shape).prod()) if shape else 4
        header[key] = {"dtype": "F32", "shape": shape, "data_offsets": [at, at + size]}
        at += size
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(folder / "model.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        f.truncate(8 + len(text) + at)                       # the weights: a hole, nothing on disk


def test_a_sparse_weights_file_is_refused_by_what_it_holds_on_disk(copy, monkeypatch):
    """A sparse 819 MB weights file was read as zeros and accepted (2.8 GB, 35 s a Continue)."""
    import engine.model.checkpoint
    _sparse_weights(copy, 1024)
    assert (copy / "model.safetensors").stat().st_size > 30 * 2**20
    monkeypatch.setattr(engine.model.checkpoint, "load_file", lambda *a, **k: pytest.fail("the weights were read"))
    assert "model.safetensors holds 4 KB on disk of the " in refused(copy)
    assert "of weights it describes: it is a sparse or damaged file" in refused(copy)


def test_a_network_bigger_than_a_laptop_runs_is_refused_before_anything_is_built(copy, monkeypatch):
    import engine.model.checkpoint
    from engine.model.checks import MAX_PARAMETERS
    edit(copy, lambda info: info["model"].update(hidden_size=4096))
    monkeypatch.setattr(engine.model.checkpoint, "MusicLSTM", lambda *a: pytest.fail("built before the check"))
    monkeypatch.setattr(engine.model.checkpoint, "load_file", lambda *a, **k: pytest.fail("the weights were read"))
    message = refused(copy)
    assert f"parameters, more than the {MAX_PARAMETERS:,} Segue runs" in message
    assert "model.json describes a network of 202,390,499 parameters" in message


def test_huge_or_sparse_excerpts_are_refused_reading_only_the_limit(copy, monkeypatch):
    """A sparse 2 GB excerpts.json took 4.4 GB before it was refused."""
    import engine.model.checkpoint
    from engine.model.checkpoint import MAX_EXCERPTS_BYTES
    with open(copy / "excerpts.json", "r+b") as f:
        f.truncate(2 * 2**30)
    monkeypatch.setattr(engine.model.checkpoint, "load_file", lambda *a, **k: pytest.fail("the weights were read"))
    assert f"excerpts.json is larger than {MAX_EXCERPTS_BYTES // 2**20} MB" in refused(copy)


def test_excerpts_a_phrase_cannot_have_are_left_out(copy):
    data = json.loads((copy / "excerpts.json").read_text())
    good = data["excerpts"][0]
    data["excerpts"] = [good, dict(good, tempo_bpm="fast"), dict(good, tempo_bpm=1e9),
                        dict(good, time_signature=[3, 5]), dict(good, time_signature=[4]), dict(good, tokens=[True]),
                        "not an excerpt"]
    (copy / "excerpts.json").write_text(json.dumps(data))
    assert load_model(copy).excerpts == [good]
