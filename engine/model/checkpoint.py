"""Model folders that describe themselves: weights in safetensors, everything else in JSON.

A model folder holds ``model.safetensors`` (the weights), ``model.json`` (format, model config,
vocabulary, grid, training settings, metrics) and usually ``card.md`` and ``excerpts.json``
(short excerpts of the training music, for "start from a random excerpt"). Loading reads only
these files: nothing is unpickled and nothing is re-derived from a corpus.
"""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save

from ..atomic import atomic_write
from ..encoding.tokens import Vocabulary
from ..errors import ModelError
from ..limits import MAX_NUMERATOR, MAX_TEMPO_BPM, MIN_TEMPO_BPM, open_plain_file
from .building import without_initialisers
from .checks import check_description, check_weights_header, read_description, weights_description
from .folders import (  # noqa: F401
    CARD,
    DEFAULT_MODEL,
    EXCERPTS,
    FORMAT,
    META,
    MODELS_DIR,
    VERSION,
    WEIGHTS,
    find_model,
    list_models,
)
from .network import ModelConfig, MusicLSTM

MAX_EXCERPTS_BYTES = 8 * 2**20       # the bundled models carry 30-60 KB of excerpts


@dataclass
class LoadedModel:
    """A model ready to use: the network in eval mode, its vocabulary and its description."""

    model: MusicLSTM
    vocab: Vocabulary
    info: dict
    folder: Path
    excerpts: list[dict] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.info.get("name", self.folder.name)

    @property
    def steps_per_quarter(self) -> int:
        return int(self.info.get("grid", {}).get("steps_per_quarter", 4))


def save_model(folder: str | Path, model: MusicLSTM, vocab: Vocabulary, info: dict,
               excerpts: list[dict] | None = None) -> Path:
    """Write a model folder (atomically, file by file). ``info`` holds name, grid, training, metrics.

    The weights file also carries its description and a save id that model.json repeats: a save
    killed between the two files leaves weights that still load with their own description."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    weights = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = dict(info)
    meta.update(format=FORMAT, version=VERSION, model=model.config.to_json(),
                vocabulary=vocab.to_json(), parameters=model.parameter_count(), save_id=secrets.token_hex(8))
    atomic_write(folder / WEIGHTS, save(weights, metadata={"format": FORMAT, "save_id": meta["save_id"],
                                                           "description": json.dumps(meta)}))
    atomic_write(folder / META, json.dumps(meta, indent=2).encode())
    if excerpts is not None:
        atomic_write(folder / EXCERPTS, json.dumps({"excerpts": excerpts}).encode())
    return folder


def read_info(folder: str | Path) -> dict:
    """A model folder's description (model.json), checked for format and version."""
    folder = Path(folder)
    return _checked(folder, read_description(folder, META))


def _checked(folder: Path, info) -> dict:
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise ModelError(folder, f"{META} is not a Segue model description")
    if info.get("version") != VERSION:
        raise ModelError(folder, f"model format version {info.get('version')} is not supported "
                                 f"(this Segue reads version {VERSION})")
    for key in ("model", "vocabulary"):
        if not isinstance(info.get(key), dict):
            raise ModelError(folder, f"{META} has no '{key}' section")
    check_description(folder, info)
    return info


def load_model(name_or_path: str | Path | None = None, device: str = "cpu") -> LoadedModel:
    """Load a model folder, checking every piece; raises ModelError naming what is wrong."""
    folder = find_model(name_or_path)
    info = read_info(folder)
    own = weights_description(folder, WEIGHTS)
    if own is not None and own.get("save_id") != info.get("save_id"):
        info = _checked(folder, own)       # model.json is from another save: the weights' own wins
    try:
        vocab = Vocabulary.from_json(info["vocabulary"])
        config = ModelConfig.from_json(info["model"])
    except (TypeError, ValueError) as err:
        raise ModelError(folder, f"model description is not valid ({err})") from None
    if config.vocab_size != vocab.size:
        raise ModelError(folder, f"the network has {config.vocab_size} outputs but the vocabulary "
                                 f"has {vocab.size} tokens")
    check_weights_header(folder, WEIGHTS, config)         # before anything is allocated
    excerpts = _read_excerpts(folder, vocab)
    try:
        weights = load_file(str(folder / WEIGHTS), device="cpu")
    except FileNotFoundError:
        raise ModelError(folder, f"{WEIGHTS} is missing") from None
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise ModelError(folder, f"{WEIGHTS} is damaged or truncated ({err})") from None
    for key, tensor in weights.items():                  # names and shapes were checked above
        if not torch.isfinite(tensor).all():
            raise ModelError(folder, f"weight {key} holds non-finite values")
    with without_initialisers():                         # every weight is loaded next
        model = MusicLSTM(config)
    try:
        model.load_state_dict({k: v.float() for k, v in weights.items()})
    except RuntimeError as err:
        raise ModelError(folder, f"weights do not fit the described network ({str(err)[:120]})") from None
    model.to(device).eval()
    info.setdefault("name", folder.name)
    return LoadedModel(model, vocab, info, folder, excerpts)


def _usable(excerpt, vocab: Vocabulary) -> bool:
    """Whether an excerpt can be decoded as a phrase: tokens of the vocabulary, a tempo and a metre
    a phrase can have (``engine.limits``)."""
    if not isinstance(excerpt, dict) or not isinstance(excerpt.get("tokens"), list):
        return False
    tempo = excerpt.get("tempo_bpm", 120.0)
    metre = excerpt.get("time_signature", [4, 4])
    return (all(type(t) is int and 0 <= t < vocab.size for t in excerpt["tokens"])
            and type(tempo) in (int, float) and MIN_TEMPO_BPM <= tempo <= MAX_TEMPO_BPM
            and isinstance(metre, list) and len(metre) == 2 and all(type(v) is int for v in metre)
            and 1 <= metre[0] <= MAX_NUMERATOR and metre[1] in (1, 2, 4, 8, 16, 32, 64))


def _read_excerpts(folder: Path, vocab: Vocabulary) -> list[dict]:
    """The excerpts a model carries (those that can be decoded), read within ``MAX_EXCERPTS_BYTES``
    before anything else is allocated; a pipe or a device is refused, not waited on."""
    path = folder / EXCERPTS
    if not path.exists():
        return []
    try:
        with open_plain_file(path) as f:
            raw = f.read(MAX_EXCERPTS_BYTES + 1)
    except OSError as err:
        raise ModelError(folder, f"{EXCERPTS} cannot be read ({err.strerror or err})") from None
    if len(raw) > MAX_EXCERPTS_BYTES:
        raise ModelError(folder, f"{EXCERPTS} is larger than {MAX_EXCERPTS_BYTES // 2**20} MB: it is not the "
                                 f"excerpts of a Segue model")
    try:
        data = json.loads(raw.decode("utf-8"))
        excerpts = [e for e in data["excerpts"] if _usable(e, vocab)]
    except (UnicodeDecodeError, ValueError, RecursionError, KeyError, TypeError) as err:
        raise ModelError(folder, f"{EXCERPTS} is damaged ({str(err)[:120]})") from None
    return excerpts


def human_size(n_bytes: float) -> str:
    units = ["B", "KB", "MB", "GB"]
    i = min(len(units) - 1, int(math.log(max(n_bytes, 1), 1024)))
    return f"{n_bytes / 1024 ** i:.1f} {units[i]}"
