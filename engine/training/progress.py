"""What a training run (or an average of its epochs) reports as it goes: one small dataclass per
kind of event, handed to the ``progress`` callback of ``train.train``, written one JSON object a
line by ``main.py train --progress-json`` and read back by the app's training dialog.

On the wire an event is its fields plus ``"stage"`` naming its kind, e.g.
``{"stage": "batch", "epoch": 1, "batch": 3, "batches": 40, "loss": 2.1, ...}``: the format
the dict events of earlier versions had, so scripts reading those lines keep working.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, Callable, ClassVar


@dataclass(frozen=True)
class Event:
    """One report of a run; ``stage`` names its kind on the wire."""

    stage: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        """The wire form: ``stage`` and the fields (an optional figure left out when it is None)."""
        values = asdict(self)
        optional = {f.name for f in fields(self) if f.default is None}
        return {"stage": self.stage} | {k: v for k, v in values.items() if not (k in optional and v is None)}

    def to_json(self) -> str:
        """One line of JSON."""
        return json.dumps(self.to_dict())


@dataclass(frozen=True)
class Reading(Event):
    """Music files read (or found in the parse cache) so far."""

    stage: ClassVar[str] = "reading"
    done: int
    total: int


@dataclass(frozen=True)
class Skipped(Event):
    """A file that could not be read, and why; training goes on without it."""

    stage: ClassVar[str] = "skipped"
    path: str
    message: str


@dataclass(frozen=True)
class Storing(Event):
    """Pieces tokenized into the run's token stores so far (of ``total`` jobs, ``pieces`` pieces)."""

    stage: ClassVar[str] = "storing"
    done: int
    total: int
    pieces: int


@dataclass(frozen=True)
class DataReady(Event):
    """The music is ready: how much there is to learn from and to validate on."""

    stage: ClassVar[str] = "data"
    train_pieces: int
    valid_pieces: int
    train_tokens: int
    valid_tokens: int
    store_bytes: int


@dataclass(frozen=True)
class Resumed(Event):
    """An earlier run of the same settings goes on after its last saved epoch."""

    stage: ClassVar[str] = "resumed"
    epoch: int


@dataclass(frozen=True)
class Batch(Event):
    """A batch learned; loss and accuracy are the epoch's running means."""

    stage: ClassVar[str] = "batch"
    epoch: int
    batch: int
    batches: int
    loss: float
    accuracy: float
    tokens_per_s: float


@dataclass(frozen=True)
class EpochDone(Event):
    """An epoch learned, validated and saved: the model is usable from now on."""

    stage: ClassVar[str] = "epoch"
    epoch: int
    train_loss: float
    train_accuracy: float
    valid_loss: float                   # the training loss when there is no validation music
    valid_accuracy: float | None
    learning_rate: float
    seconds: float                      # training time of the run so far
    best_epoch: int
    improved: bool                      # this epoch is the best so far
    nll_per_step: float | None = None   # with validation music
    bits_per_note: float | None = None


@dataclass(frozen=True)
class Stopped(Event):
    """Training ends before its epochs are done (the time limit)."""

    stage: ClassVar[str] = "stopped"
    reason: str


@dataclass(frozen=True)
class Finished(Event):
    """Training is over; the best epoch is on top of the model folder."""

    stage: ClassVar[str] = "done"
    best_epoch: int
    best_valid_loss: float


@dataclass(frozen=True)
class Failed(Event):
    """Training cannot go on, in one line a user can act on (bad music, bad settings)."""

    stage: ClassVar[str] = "failed"
    message: str


@dataclass(frozen=True)
class Averaged(Event):
    """One window of consecutive epochs averaged and scored on validation (``average``)."""

    stage: ClassVar[str] = "average"
    epochs: list[int]
    valid_loss: float
    valid_accuracy: float
    nll_per_step: float
    bits_per_note: float
    done: int
    total: int


Progress = Callable[[Event], None]
KINDS: dict[str, type[Event]] = {kind.stage: kind for kind in (
    Reading, Skipped, Storing, DataReady, Resumed, Batch, EpochDone, Stopped, Finished, Failed, Averaged)}


def from_dict(values: dict[str, Any]) -> Event:
    """The event of a wire dict; keys this version does not know are ignored. ValueError if the
    stage is unknown or a field is missing."""
    kind = KINDS.get(values.get("stage", ""))
    if kind is None:
        raise ValueError(f"not a progress event: {values.get('stage')!r}")
    known = {f.name for f in fields(kind)}
    try:
        return kind(**{k: v for k, v in values.items() if k in known})
    except TypeError as err:
        raise ValueError(f"a '{kind.stage}' event without all its fields: {err}") from None


def from_json(line: str | bytes) -> Event:
    """The event of one JSON line; ValueError if it is not one."""
    values = json.loads(line)
    if not isinstance(values, dict):
        raise ValueError("not a progress event")
    return from_dict(values)
