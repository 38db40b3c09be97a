"""Training: learn an LSTM from music files, keeping a checkpoint for every epoch.

The training pieces are tokenized once into a store on disk (``pieces.py`` and ``token_store.py``,
with the side inputs the network reads), then each epoch shuffled and transposed at random (a
piece keeps one transposition within an epoch), joined into one stream and cut into
``batch_size`` parallel lanes (``lanes.py``, which reads the stream from the store a window at a
time, so memory does not grow with the collection). The network reads each lane window after
window, carrying its state from one window to the next (truncated back-propagation through time),
so it learns from whole windows, not one step per window. Validation scores every validation
piece from its start, state carried throughout.

Every epoch is saved in the run's folder (``run_folder.py``: ``epochs/NNN/``, the best epoch on
top with its card, ``metrics.json`` and ``curves.png`` from ``curves.py``, the resume state), so
re-running the same command resumes. The settings are ``TrainConfig`` (``train_config.py``); the
run reports typed events (``progress.py``) to its ``progress`` callback.
"""

from __future__ import annotations

import math
import platform
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..encoding.grammar import Grammar
from ..encoding.side_inputs import model_arguments
from ..encoding.tokens import Vocabulary, encode
from ..model.network import MusicLSTM
from ..music.phrase import trim
from . import distributed
from .config import POSITIONS, TrainConfig, config_of_run  # noqa: F401  (the API keeps them here)
from .evaluate import bits_per_note, score_sequences
from .lanes import EpochLanes
from .pieces import split_by_piece, training_and_validation  # noqa: F401  (averaging and benchmarks use them here)
from .progress import Batch, DataReady, EpochDone, Finished, Progress, Resumed, Stopped
from .run_folder import RunFolder, prune_epochs, resume, start_from  # noqa: F401  (prune_epochs: the API keeps it)
from .token_store import TokenStore


def train(config: TrainConfig, progress: Progress | None = None, fresh: bool = False) -> dict:
    """Run (or resume) training; returns the final metrics. ``progress`` gets ``progress.Event``s."""
    world = distributed.started_by_torchrun()
    report = (progress or (lambda event: None)) if world.main else (lambda event: None)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    if config.threads:
        torch.set_num_threads(config.threads)
    device = distributed.device_for(world, pick_device(config.device))
    if config.bf16 and device.type != "cuda":
        raise ValueError("--bf16 trains in mixed precision on a CUDA GPU; on the CPU train without it")
    distributed.join(world, device, config.batch_size)
    try:
        return _train(config, report, fresh, world, device, out)
    finally:
        distributed.leave(world)


def _train(config: TrainConfig, report: Progress, fresh: bool, world: distributed.World, device: torch.device,
           out: Path) -> dict:
    vocab = config.vocabulary()
    train_set, valid_set = training_and_validation(config, vocab, report, for_training=True)
    try:
        return _learn(config, report, fresh, world, device, out, vocab, train_set, valid_set)
    finally:
        train_set.close()
        valid_set.close()


def _learn(config: TrainConfig, report: Progress, fresh: bool, world: distributed.World, device: torch.device,
           out: Path, vocab: Vocabulary, train_set: TokenStore, valid_set: TokenStore) -> dict:
    if not len(train_set):
        raise ValueError("no readable music to train on in " + ", ".join(config.data))
    report(DataReady(len(train_set), len(valid_set), train_set.token_count, valid_set.token_count,
                     train_set.bytes + valid_set.bytes))
    model, optimizer, state, folder = _start(config, report, fresh, world, device, out, vocab, train_set, valid_set)
    learner = distributed.wrap(model, world, device)       # weights start the same in every process

    while state["epoch"] < config.epochs and state["bad_epochs"] < config.patience:
        if config.max_minutes and state["seconds"] >= config.max_minutes * 60:
            report(Stopped("time limit"))
            break
        epoch = state["epoch"] + 1
        for group in optimizer.param_groups:
            group["lr"] = state["learning_rate"]
        started = time.perf_counter()
        train_loss, train_acc = _train_epoch(model, optimizer, train_set, config, vocab, epoch, device, report,
                                             world, learner)
        valid = score_sequences(model, valid_set.tokens, vocab, device=device, grammar=config.grammar,
                                metres=valid_set.metres) if len(valid_set) and world.main else None
        valid = distributed.from_main(world, valid)           # every process takes the same next step
        state["seconds"] += time.perf_counter() - started
        valid_loss = valid["nats_per_token"] if valid else train_loss
        row = {"epoch": epoch, "train_loss": train_loss, "train_accuracy": train_acc,
               "valid_loss": valid_loss, "valid_accuracy": valid["accuracy"] if valid else None,
               "learning_rate": state["learning_rate"], "seconds": round(state["seconds"], 1)}
        if valid:
            row["nll_per_step"] = valid["nats"] / valid_set.step_count
            row["bits_per_note"] = bits_per_note(valid["nats"], valid_set.note_count)
        state["history"].append(row)
        improved = record_epoch(state, epoch, valid_loss, config.lr_patience)
        if world.main:
            folder.save_epoch(model, optimizer, state, row, improved)
        report(EpochDone(**row, best_epoch=state["best_epoch"], improved=improved))
    report(Finished(state["best_epoch"], state["best_valid_loss"]))
    return {"best_epoch": state["best_epoch"], "best_valid_loss": state["best_valid_loss"],
            "epochs": state["epoch"], "seconds": state["seconds"]}


def _start(config: TrainConfig, report: Progress, fresh: bool, world: distributed.World, device: torch.device,
           out: Path, vocab: Vocabulary, train_set: TokenStore, valid_set: TokenStore,
           ) -> tuple[MusicLSTM, torch.optim.Optimizer, dict[str, Any], RunFolder]:
    """The network, its optimizer and the run's state: new, resumed from ``out``, or started from
    ``config.init_from``'s weights; and the run folder that keeps every epoch."""
    torch.manual_seed(config.seed)
    grid = {"steps_per_quarter": train_set.metres[0][1]}
    # the bar in steps of the music's own grid (benchmark pickles have their own grid)
    model = MusicLSTM(config.model_config(vocab, 4 * grid["steps_per_quarter"])).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    state: dict[str, Any] = {"epoch": 0, "best_epoch": 0, "best_valid_loss": math.inf, "bad_epochs": 0,
                             "learning_rate": config.learning_rate, "history": [], "seconds": 0.0}
    resumed = False if fresh else resume(out, config, model, optimizer, state, device)
    if resumed:
        report(Resumed(state["epoch"]))
    elif config.init_from:
        start_from(model, config.init_from)
    base_info = {"name": config.name or out.name, "grid": grid,
                 "training": {**asdict(config), "train_pieces": len(train_set), "valid_pieces": len(valid_set),
                              "train_tokens": train_set.token_count, "valid_tokens": valid_set.token_count,
                              "device": device_name(device), "processes": world.size,
                              "torch": torch.__version__, "python": platform.python_version()}}
    folder = RunFolder(out, config, vocab, base_info, excerpts_for(train_set, vocab, seed=config.seed), resumed)
    return model, optimizer, state, folder


def record_epoch(state: dict, epoch: int, valid_loss: float, lr_patience: int = 1) -> bool:
    """Note an epoch's validation loss in the run's state; True if it is the best so far.

    After every ``lr_patience`` epochs in a row without a new best the learning rate is halved;
    a waiting count of ``patience`` (checked by the caller) stops the run.
    """
    improved = valid_loss < state["best_valid_loss"] - 1e-4
    if improved:
        state.update(best_epoch=epoch, best_valid_loss=valid_loss, bad_epochs=0)
    else:
        state["bad_epochs"] += 1
        if state["bad_epochs"] % max(1, lr_patience) == 0:
            state["learning_rate"] *= 0.5
    state["epoch"] = epoch
    return improved


def _train_epoch(model, optimizer, pieces, config, vocab, epoch, device, report,
                 world: distributed.World | None = None, learner=None):
    """One pass over the training lanes; with several processes, this one's share of them (the
    gradients averaged by ``learner``, the model under DistributedDataParallel)."""
    world = world or distributed.World()
    learner = learner or model
    model.train()
    torch.manual_seed(config.seed * 100_003 + epoch)          # dropout is the same on resume
    lanes = EpochLanes(pieces, config, vocab, epoch)
    mine = distributed.my_lanes(world, config.batch_size)
    grammar = Grammar(vocab, device) if config.grammar else None
    hidden = None
    total_loss = total_correct = total_tokens = 0.0
    batches = lanes.batches
    started = time.perf_counter()
    for b in range(batches):
        x, y, side, floors = lanes.batch(b, mine, spelling=grammar is not None)
        x, y = x.to(device), y.to(device)
        if hidden is not None:
            hidden = tuple(h.detach() for h in hidden)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=config.bf16):
            logits, hidden = learner(x, hidden, **model_arguments(side, device))
        logits = logits.float()                                  # the softmax and its loss in full precision
        if grammar is not None:
            logits = grammar.log_probs(logits, x, floors.to(device))
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        n = y.numel()
        total_loss += loss.item() * n
        total_correct += (logits.argmax(-1) == y).sum().item()
        total_tokens += n
        elapsed = time.perf_counter() - started
        report(Batch(epoch, b + 1, batches, total_loss / total_tokens, total_correct / total_tokens,
                     total_tokens / max(elapsed, 1e-9)))
    total_loss, total_correct, total_tokens = distributed.summed(world, total_loss, total_correct, total_tokens)
    return total_loss / total_tokens, total_correct / total_tokens


def pick_device(name: str) -> torch.device:
    """auto (a CUDA GPU when there is one, else the CPU), cpu, cuda or cuda:N."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or (name.startswith("cuda:") and name[5:].isdigit()):
        if not torch.cuda.is_available():
            raise ValueError(f"--device {name} was asked for, but no CUDA device is available on this machine "
                             f"(use --device cpu, or auto)")
        index = int(name[5:]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise ValueError(f"--device {name}: this machine has {torch.cuda.device_count()} CUDA device(s)")
        return torch.device(name)
    raise ValueError(f"--device must be auto, cpu, cuda or cuda:N, not '{name}'")


def excerpts_for(pieces: TokenStore, vocab: Vocabulary, count: int = 64, bars: int = 4,
                 seed: int = 0) -> list[dict]:
    """Short excerpts of the training music, stored with the model for 'random excerpt' seeds."""
    rng = np.random.default_rng(seed)
    out = []
    for i in rng.permutation(len(pieces))[:count].tolist():
        phrase = pieces.phrase(i)
        span = phrase.steps_per_bar * bars
        if phrase.length <= span:
            start = 0
        else:
            start = int(rng.integers(0, (phrase.length - span) // phrase.steps_per_bar + 1)) * phrase.steps_per_bar
        excerpt = trim(phrase, start, start + span)
        if len(excerpt.notes) >= 4:
            out.append({"piece": pieces.name(i), "start_bar": start // phrase.steps_per_bar + 1,
                        "tempo_bpm": phrase.tempo_bpm, "time_signature": list(phrase.time_signature),
                        "tokens": encode(excerpt, vocab, end=False)})
    return out


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    threads = torch.get_num_threads()
    return f"CPU ({platform.processor() or platform.machine()}, {threads} thread{'s' if threads != 1 else ''})"
