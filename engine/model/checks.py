"""A model folder checked before anything is built from it.

``model.json`` is read within a size limit, and every field the network is built from is checked
for its type and range; then the weights file's own header (names, shapes, dtypes) is compared
with the network the description builds, built on torch's "meta" device (no memory). Only then is
anything allocated. A tampered folder (a hidden size of billions, a string where a size goes,
deep nesting, a pickle renamed ``model.safetensors``, NaN weights) ends in one ``ModelError``
naming the folder and the field.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..encoding.side_inputs import switches
from ..errors import ModelError

MAX_DESCRIPTION_BYTES = 4 * 2**20
FLOAT_DTYPES = ("F32", "F16", "BF16", "F64")

# every whole-number field of the network's description, with the range a real model lies in
NETWORK_WHOLE = {"vocab_size": (1, 100_000), "embedding_size": (1, 4096), "hidden_size": (1, 4096),
                 "layers": (1, 8), "pitches": (1, 128), "bar_steps": (1, 4096), "interval_reach": (0, 127),
                 "anchors": (0, 16), "register_reach": (0, 127), "max_wait": (1, 4096),
                 "lowest_pitch": (0, 127)}
NETWORK_NUMBER = {"dropout": (0.0, 1.0), "steps_per_sixteenth": (0.01, 96.0)}
VOCABULARY_WHOLE = {"max_wait": (1, 4096), "max_length": (1, 4096), "velocity_levels": (0, 127),
                    "lowest_pitch": (0, 127), "highest_pitch": (0, 127)}


def read_description(folder: Path, name: str) -> dict:
    """The folder's ``model.json`` as a dict (not yet checked), read within the size limit."""
    path = folder / name
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_DESCRIPTION_BYTES + 1)
    except FileNotFoundError:
        raise ModelError(folder, f"{name} is missing") from None
    except OSError as err:
        raise ModelError(folder, f"{name} cannot be read ({err.strerror or err})") from None
    if len(raw) > MAX_DESCRIPTION_BYTES:
        raise ModelError(folder, f"{name} is larger than {MAX_DESCRIPTION_BYTES // 2**20} MB: it is not "
                                 f"a Segue model description")
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ModelError(folder, f"{name} is damaged (it nests lists or objects too deeply)") from None
    except (UnicodeDecodeError, ValueError) as err:      # JSONDecodeError, numbers of thousands of digits
        raise ModelError(folder, f"{name} is damaged ({str(err)[:120]})") from None


def _whole(folder: Path, value, field: str, low: int, high: int) -> None:
    if type(value) is not int:
        raise ModelError(folder, f"model.json: {field} must be a whole number, not {_shown(value)}")
    if not low <= value <= high:
        raise ModelError(folder, f"model.json: {field} {_shown(value)} is outside {low:,}-{high:,}")


def _shown(value) -> str:
    text = json.dumps(value) if isinstance(value, (str, list, dict)) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_description(folder: Path, info: dict) -> None:
    """Every field the network and vocabulary are built from, checked for type and range."""
    network, vocabulary = info["model"], info["vocabulary"]
    for key, (low, high) in NETWORK_WHOLE.items():
        if key in network or key == "vocab_size":
            _whole(folder, network.get(key), f"model.{key}", low, high)
    for key, (least, most) in NETWORK_NUMBER.items():
        value = network.get(key, least)
        if type(value) not in (int, float) or not math.isfinite(value) or not least <= value <= most:
            raise ModelError(folder, f"model.json: model.{key} must be a number from {least:g} to {most:g}, "
                                     f"not {_shown(value)}")
    for key in switches():                        # every side input's switches (side_inputs.SIDE_INPUTS)
        if type(network.get(key, False)) is not bool:
            raise ModelError(folder, f"model.json: model.{key} must be true or false, not {_shown(network[key])}")
    if network.get("first_pitch") is not None:
        _whole(folder, network["first_pitch"], "model.first_pitch", 0, network["vocab_size"] - 1)
    for key, (low, high) in VOCABULARY_WHOLE.items():
        if key in vocabulary:
            _whole(folder, vocabulary[key], f"vocabulary.{key}", low, high)
    if vocabulary.get("lowest_pitch", 0) > vocabulary.get("highest_pitch", 127):
        raise ModelError(folder, "model.json: the vocabulary's lowest pitch is above its highest")
    grid = info.get("grid", {})
    if not isinstance(grid, dict):
        raise ModelError(folder, f"model.json: grid must be an object, not {_shown(grid)}")
    if "steps_per_quarter" in grid:
        _whole(folder, grid["steps_per_quarter"], "grid.steps_per_quarter", 1, 96)
    if "name" in info and not isinstance(info["name"], str):
        raise ModelError(folder, f"model.json: name must be text, not {_shown(info['name'])}")


def check_weights_header(folder: Path, name: str, config) -> None:
    """The weights file's names, shapes and dtypes against the network ``config`` describes,
    read from the file's header alone; the network is built on the meta device (no memory)."""
    import torch
    from safetensors import SafetensorError, safe_open

    from .network import MusicLSTM

    try:
        with torch.device("meta"):
            expected = {key: tuple(t.shape) for key, t in MusicLSTM(config).state_dict().items()}
    except (ValueError, TypeError, RuntimeError) as err:
        raise ModelError(folder, f"model.json does not describe a network Segue can build ({err})") from None
    path = folder / name
    if not path.is_file():
        raise ModelError(folder, f"{name} is missing")
    try:
        with safe_open(str(path), framework="pt") as f:
            found = {key: (tuple(f.get_slice(key).get_shape()), f.get_slice(key).get_dtype()) for key in f.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise ModelError(folder, f"{name} is damaged or truncated, or not a safetensors weights file "
                                 f"({str(err)[:120]})") from None
    if set(found) != set(expected):
        missing = sorted(set(expected) - set(found))[:3]
        extra = sorted(set(found) - set(expected))[:3]
        raise ModelError(folder, f"weights do not match the described network (missing {missing}, unexpected {extra})")
    for key, (shape, dtype) in found.items():
        if shape != expected[key]:
            raise ModelError(folder, f"weight {key} has shape {shape}, expected {expected[key]}")
        if dtype not in FLOAT_DTYPES:
            raise ModelError(folder, f"weight {key} is stored as {dtype}, not as floating-point numbers")


def weights_description(folder: Path, name: str) -> dict | None:
    """The description a weights file carries in its header (written with it, in one file), or
    None for a file without one (older models) or that cannot be opened (reported later)."""
    from safetensors import SafetensorError, safe_open
    try:
        with safe_open(str(folder / name), framework="pt") as f:
            text = (f.metadata() or {}).get("description")
    except (SafetensorError, OSError, ValueError, RuntimeError):
        return None
    if text is None:
        return None
    try:
        return json.loads(text)
    except RecursionError:
        raise ModelError(folder, f"{name} carries a description nested too deeply") from None
    except ValueError as err:
        raise ModelError(folder, f"{name} carries a damaged description ({str(err)[:120]})") from None
