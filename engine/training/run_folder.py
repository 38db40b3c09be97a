"""A training run's folder: every epoch's checkpoint (``epochs/NNN/``), the best epoch on top with
its card and excerpts, the run's figures, and the resume state (``resume/``) that lets the same
command go on after a stop. Only the first process of a torchrun writes it.

The resume state commits on ``resume/state.json``, written last and naming its own epoch's
optimizer file, so a kill between the writes leaves the previous epoch resumable.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save

from ..atomic import atomic_write
from ..encoding.tokens import Vocabulary
from ..model import card
from ..model.checkpoint import META, load_model, save_model
from ..model.network import MusicLSTM
from .config import TrainConfig
from .curves import write_metrics


class RunFolder:
    """Where a run keeps what it learned: ``save_epoch`` after every epoch.

    ``base_info`` is the description every checkpoint carries (name, grid, training settings and
    data); ``resumed``: the best so far is the one an earlier process left on top."""

    def __init__(self, out: Path, config: TrainConfig, vocab: Vocabulary, base_info: dict,
                 excerpts: list[dict], resumed: bool):
        self.out, self.config, self.vocab = out, config, vocab
        self.base_info, self.excerpts = base_info, excerpts
        top = out / META
        self.best: dict | None = json.loads(top.read_text()) if resumed and top.is_file() else None

    def save_epoch(self, model: MusicLSTM, optimizer: torch.optim.Optimizer, state: dict[str, Any], row: dict,
                   improved: bool) -> None:
        """Save the epoch just learned (``row``: its figures), on top too if it is the best so far,
        then the resume state, the figures and the card; prune old epochs as the config asks."""
        epoch = state["epoch"]
        save_model(self.out / "epochs" / f"{epoch:03d}", model, self.vocab,
                   {**self.base_info, "epoch": epoch, "metrics": row})
        if improved:
            self.best = {**self.base_info, "epoch": epoch, "metrics": {**row, "best": True}}
            save_model(self.out, model, self.vocab, self.best, self.excerpts)
        save_resume(self.out, optimizer, state, self.config)
        write_metrics(self.out, state["best_epoch"], state["history"])
        if self.best is not None:                   # none before a first epoch with a finite loss
            card.write_card(self.out, self.best, model.config.to_json(), model.parameter_count(),
                            self.vocab.to_json(), state["history"], state["seconds"], epoch)
        prune_epochs(self.out, self.config.keep_epochs, state["best_epoch"])


def prune_epochs(out: Path, keep_last: int, best_epoch: int) -> None:
    """Delete the epoch checkpoints of a run but the best one and the last ``keep_last`` (0 keeps all).
    Called once the resume state names the newest epoch, so resuming always finds its epoch."""
    if keep_last < 1:
        return
    epochs = sorted(int(d.name) for d in (out / "epochs").iterdir() if d.name.isdigit())
    for epoch in epochs[:-keep_last]:
        if epoch != best_epoch:
            shutil.rmtree(out / "epochs" / f"{epoch:03d}", ignore_errors=True)


def save_resume(out: Path, optimizer: torch.optim.Optimizer, state: dict, config: TrainConfig) -> None:
    """Save what resuming needs beside the epoch's checkpoint: the optimizer's moments and the run's state."""
    folder = out / "resume"
    folder.mkdir(exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    slots: dict[str, dict] = {}
    for index, slot in optimizer.state_dict()["state"].items():
        slots[str(index)] = {}
        for key, value in slot.items():
            if torch.is_tensor(value):
                tensors[f"{index}.{key}"] = value.detach().cpu().contiguous()
            else:
                slots[str(index)][key] = value
    # state.json is the commit point: it is written last and names the optimizer file of its own
    # epoch, so a kill between the two writes leaves the previous epoch's pair intact
    optimizer_file = f"optimizer-{state['epoch']:03d}.safetensors"
    atomic_write(folder / optimizer_file, save(tensors))
    meta = {"state": state, "slots": slots, "config": config.fingerprint(), "optimizer": optimizer_file}
    atomic_write(folder / "state.json", json.dumps(meta, indent=1, default=_json_number).encode())
    for old in folder.glob("optimizer*.safetensors"):
        if old.name != optimizer_file:
            old.unlink(missing_ok=True)


def _json_number(value):
    if isinstance(value, float) and math.isinf(value):
        return 1e308
    raise TypeError(f"cannot store {type(value).__name__} in JSON")


def resume(out: Path, config: TrainConfig, model: MusicLSTM, optimizer: torch.optim.Optimizer,
           state: dict, device: torch.device) -> bool:
    """Load the last saved epoch's weights, the optimizer and ``state`` from ``out``; False when
    there is nothing to resume. ValueError if the run there had other settings."""
    meta_path = out / "resume" / "state.json"
    if not meta_path.is_file():
        return False
    meta = json.loads(meta_path.read_text())
    if meta.get("config") != json.loads(json.dumps(config.fingerprint())):
        raise ValueError(f"{out} holds a run with other settings; use another --out or --fresh")
    saved = meta["state"]
    epoch_dir = out / "epochs" / f"{saved['epoch']:03d}"
    weights = load_model(epoch_dir).model.state_dict()
    model.load_state_dict(weights)
    tensors = load_file(str(out / "resume" / meta.get("optimizer", "optimizer.safetensors")))
    opt_state = optimizer.state_dict()
    opt_state["state"] = {}
    for index, plain in meta["slots"].items():
        slot = dict(plain)
        for key, value in tensors.items():
            i, name = key.split(".", 1)
            if i == index:
                slot[name] = value.to(device)
        opt_state["state"][int(index)] = slot
    optimizer.load_state_dict(opt_state)
    state.update(saved)
    return True


def start_from(model: MusicLSTM, folder: str) -> None:
    """Take every weight of the model in ``folder`` that this network has, of the same shape;
    the parts it does not have keep their start (new scores start silent)."""
    source = load_model(folder).model.state_dict()
    own = model.state_dict()
    taken = {k: v for k, v in source.items() if k in own and own[k].shape == v.shape}
    if not taken:
        raise ValueError(f"{folder} has no weights this network can start from")
    model.load_state_dict(taken, strict=False)
