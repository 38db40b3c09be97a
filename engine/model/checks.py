"""A model folder checked before anything is built from it.

``model.json`` is read within a size limit, and every field the network is built from is checked
for its type and range; then the weights file's own header (names, shapes, dtypes) is compared
with the network the description builds, built on torch's "meta" device (no memory). Only then is
anything allocated. A tampered folder (a hidden size of billions, a string where a size goes,
deep nesting, a pickle renamed ``model.safetensors``, NaN weights, a network too big for a laptop,
a weights file full of holes, a pipe where a file goes) ends in one ``ModelError`` naming the
folder and the field.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from ..encoding.side_inputs import switches
from ..errors import ModelError
from ..fields import FieldError, flag, number, shown, whole
from ..limits import open_plain_file

MAX_DESCRIPTION_BYTES = 4 * 2**20
FLOAT_DTYPES = ("F32", "F16", "BF16", "F64")
DTYPE_BYTES = {"F32": 4, "F16": 2, "BF16": 2, "F64": 8}
# The most parameters a model may have. Writing a take reads every weight once a token, so Continue's
# time grows with them: the bundled default has 1.1 million (4 MB) and continues 4 bars x 4 takes in
# 0.15 s on one core (docs/benchmarks.md); a sparse 819 MB file at hidden size 4,096 (205 million)
# took 35 s a Continue and 2.8 GB. 32 million (128 MB of weights) keeps Continue within about 5 s
# and its memory within a few hundred MB, and holds a 2-layer LSTM of hidden size 1,536 or a 4-layer
# one of 1,024.
MAX_PARAMETERS = 32_000_000
# A weights file must hold on disk at least this share of the bytes its header describes (weights
# compress a little on filesystems that compress; a file of holes holds almost nothing)
LEAST_ON_DISK = 0.25

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
        with open_plain_file(path) as f:                 # a pipe or a device is refused, not waited on
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


def check_description(folder: Path, info: dict) -> None:
    """Every field the network and vocabulary are built from, checked for type and range; a wrong
    one is a ``ModelError`` naming the folder and the field."""
    try:
        _check_fields(info)
    except FieldError as err:
        raise ModelError(folder, f"model.json: {err}") from None


def _check_fields(info: dict) -> None:
    network, vocabulary = info["model"], info["vocabulary"]
    for key, (low, high) in NETWORK_WHOLE.items():
        if key in network or key == "vocab_size":
            whole(network.get(key), f"model.{key}", low, high)
    for key, (least, most) in NETWORK_NUMBER.items():
        number(network.get(key, least), f"model.{key}", least, most)
    for key in switches():                        # every side input's switches (side_inputs.SIDE_INPUTS)
        flag(network.get(key, False), f"model.{key}")
    if network.get("first_pitch") is not None:
        whole(network["first_pitch"], "model.first_pitch", 0, network["vocab_size"] - 1)
    for key, (low, high) in VOCABULARY_WHOLE.items():
        if key in vocabulary:
            whole(vocabulary[key], f"vocabulary.{key}", low, high)
    if vocabulary.get("lowest_pitch", 0) > vocabulary.get("highest_pitch", 127):
        raise FieldError("the vocabulary's lowest pitch is above its highest")
    grid = info.get("grid", {})
    if not isinstance(grid, dict):
        raise FieldError(f"grid must be an object, not {shown(grid)}")
    if "steps_per_quarter" in grid:
        whole(grid["steps_per_quarter"], "grid.steps_per_quarter", 1, 96)
    if "name" in info and not isinstance(info["name"], str):
        raise FieldError(f"name must be text, not {shown(info['name'])}")


def plain_file(folder: Path, name: str) -> os.stat_result:
    """The size and place on disk of the folder's file ``name``; ``ModelError`` if it is missing or
    is not a plain file (a pipe would keep its reader waiting for ever)."""
    try:
        with open_plain_file(folder / name) as f:
            return os.fstat(f.fileno())
    except FileNotFoundError:
        raise ModelError(folder, f"{name} is missing") from None
    except OSError as err:
        raise ModelError(folder, f"{name} cannot be read ({err.strerror or err})") from None


def _megabytes(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.1f} MB" if n_bytes >= 2**20 else f"{n_bytes / 1024:,.0f} KB"


def check_weights_header(folder: Path, name: str, config) -> None:
    """The weights file's names, shapes and dtypes against the network ``config`` describes,
    read from the file's header alone; the network is built on the meta device (no memory). A
    network of more than ``MAX_PARAMETERS`` is refused, and so is a file that holds on disk much
    less than its header describes (a sparse file: reading it would fill memory with zeros)."""
    import torch
    from safetensors import SafetensorError, safe_open

    from .building import without_initialisers
    from .network import MusicLSTM

    try:
        with torch.device("meta"), without_initialisers():
            expected = {key: tuple(t.shape) for key, t in MusicLSTM(config).state_dict().items()}
    except (ValueError, TypeError, RuntimeError) as err:
        raise ModelError(folder, f"model.json does not describe a network Segue can build ({err})") from None
    parameters = sum(math.prod(shape) for shape in expected.values())
    if parameters > MAX_PARAMETERS:
        raise ModelError(folder, f"model.json describes a network of {parameters:,} parameters, more than the "
                                 f"{MAX_PARAMETERS:,} Segue runs (Continue would take minutes and gigabytes)")
    path = folder / name
    on_disk = plain_file(folder, name)
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
    described = sum(math.prod(shape) * DTYPE_BYTES[dtype] for shape, dtype in found.values())
    held = getattr(on_disk, "st_blocks", None)
    if held is not None and described > 2**20 and held * 512 < LEAST_ON_DISK * described:
        raise ModelError(folder, f"{name} holds {_megabytes(held * 512)} on disk of the {_megabytes(described)} "
                                 f"of weights it describes: it is a sparse or damaged file")


def weights_description(folder: Path, name: str) -> dict | None:
    """The description a weights file carries in its header (written with it, in one file), or
    None for a file without one (older models) or that cannot be opened (reported later)."""
    from safetensors import SafetensorError, safe_open
    plain_file(folder, name)                              # never wait on a pipe
    try:
        with safe_open(str(folder / name), framework="pt") as f:
            text = (f.metadata() or {}).get("description")
    except (SafetensorError, OSError, ValueError, RuntimeError):
        return None
    if text is None:
        return None
    try:
        found = json.loads(text)
    except RecursionError:
        raise ModelError(folder, f"{name} carries a description nested too deeply") from None
    except ValueError as err:
        raise ModelError(folder, f"{name} carries a damaged description ({str(err)[:120]})") from None
    if not isinstance(found, dict):
        raise ModelError(folder, f"{name} carries a description that is not a Segue model description "
                                 f"({shown(found)})")
    return found
