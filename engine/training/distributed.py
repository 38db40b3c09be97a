"""Training across processes and machines with PyTorch's own distributed engine.

``torchrun --nproc_per_node=N main.py train ...`` starts N copies of the same command with
RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT in their environment. Each copy joins
one process group (gloo on CPU, NCCL on CUDA), reads the same music, learns from its own share of
the batch's lanes, and DistributedDataParallel averages the gradients, so the processes step as one
network would with the whole batch. The first process alone validates, writes the epochs, the best
model, the resume state, the card and the progress. Without torchrun nothing of this runs.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

JOIN_SECONDS = 120.0          # how long a process waits for the others before giving up


@dataclass(frozen=True)
class World:
    """Where this process stands among the training processes (one, without torchrun)."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """The process that validates, writes and reports."""
        return self.rank == 0

    @property
    def shared(self) -> bool:
        return self.size > 1


def started_by_torchrun() -> World:
    """The World torchrun describes in this process's environment (a World of one without it)."""
    try:
        size = int(os.environ.get("WORLD_SIZE", "1"))
        rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
    except ValueError:
        raise ValueError("WORLD_SIZE, RANK and LOCAL_RANK must be whole numbers (as torchrun sets them)") from None
    if size < 1 or not 0 <= rank < size or local < 0:
        raise ValueError(f"rank {rank} of {size} processes makes no sense "
                         f"(as torchrun sets them, 0 <= RANK < WORLD_SIZE)")
    return World(rank, size, local)


def join(world: World, device: torch.device, batch_size: int, seconds: float | None = None) -> None:
    """Join the other processes of ``world`` (nothing for a world of one). Every process must
    hold an equal share of the batch's lanes; a process that cannot reach the others within
    ``seconds`` says so instead of waiting for ever."""
    if not world.shared:
        return
    if batch_size % world.size:
        raise ValueError(f"--batch-size {batch_size} cannot be shared equally by {world.size} training processes: "
                         f"choose a batch size that {world.size} divides")
    seconds = JOIN_SECONDS if seconds is None else seconds
    backend = "nccl" if device.type == "cuda" else "gloo"
    where = f"{os.environ.get('MASTER_ADDR', '?')}:{os.environ.get('MASTER_PORT', '?')}"
    try:
        dist.init_process_group(backend, rank=world.rank, world_size=world.size,
                                timeout=datetime.timedelta(seconds=seconds))
        dist.barrier()
    except (RuntimeError, ValueError, OSError) as err:       # DistNetworkError / DistStoreError are RuntimeErrors
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ValueError(f"training process {world.rank} of {world.size} could not reach the others at {where} "
                         f"within {seconds:.0f} s ({reason})") from None


def leave(world: World) -> None:
    if world.shared and dist.is_initialized():
        dist.destroy_process_group()


def device_for(world: World, device: torch.device) -> torch.device:
    """Each process on a machine takes its own GPU (LOCAL_RANK); CPU processes share the CPU."""
    if device.type == "cuda" and world.shared:
        torch.cuda.set_device(world.local_rank)
        return torch.device("cuda", world.local_rank)
    return device


def my_lanes(world: World, batch_size: int) -> slice:
    """The lanes of the batch this process learns from: an equal, contiguous share."""
    share = batch_size // world.size
    return slice(world.rank * share, (world.rank + 1) * share)


def wrap(model: torch.nn.Module, world: World, device: torch.device) -> torch.nn.Module:
    """The model as training calls it: under DistributedDataParallel when processes share the work
    (its weights start as the first process's)."""
    if not world.shared:
        return model
    from torch.nn.parallel import DistributedDataParallel
    ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids)


def summed(world: World, *values: float) -> list[float]:
    """Each value added up over every process (the values themselves for a world of one)."""
    if not world.shared:
        return list(values)
    t = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(t)
    return t.tolist()


def from_main(world: World, value):
    """The first process's ``value``, handed to every process (plain JSON-like data only)."""
    if not world.shared:
        return value
    import json
    box = [json.dumps(value) if world.main else None]
    dist.broadcast_object_list(box, src=0)
    if box[0] is None:                               # the broadcast fills every process's box
        raise RuntimeError("the first process's value did not reach this process")
    return json.loads(box[0])
