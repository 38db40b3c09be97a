"""The critic of ``critic.py``: a small convolutional network that tells, from the piano roll a judge
of the blind pairs sees, a model's take from the composer's next bars.

It scores a continuation by how much it looks like the composer's (a logit: higher is more like the
composer's). It is an instrument, not part of Segue: a judge that can be asked about thousands of
pairs where a musician is asked about forty. A critic belongs to the model whose takes it learned;
it is saved as ``NAME.safetensors`` (weights) and ``NAME.json`` (its shape, what it was trained on
and how well it tells takes apart on pieces it never saw).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch import nn

from engine.music.phrase import Note

LOWEST, HIGHEST = 21, 108          # the piano's keys: the rows of the picture
ROWS = HIGHEST - LOWEST + 1
BARS = 4                           # bars of phrase before, and of continuation after, in one picture
CHANNELS = 3                       # note onsets, notes sounding, the continuation's steps
FORMAT = "segue-critic/1"


def picture(before: Sequence[Note], before_end: int, after: Sequence[Note], bar_steps: int,
            before_bars: int = BARS, after_bars: int = BARS) -> np.ndarray:
    """The piano roll a judge would see, as an array ``[CHANNELS, ROWS, steps]``: the last
    ``before_bars`` bars of ``before`` (the phrase, ending at step ``before_end``), then ``after``
    (timed from that end) for ``after_bars`` bars; one column per step of the model's grid. Channel
    0 marks where notes are struck, 1 where they sound, 2 the continuation's columns. Notes off the
    keyboard are moved by octaves onto it."""
    lead = before_bars * bar_steps
    steps = lead + after_bars * bar_steps
    roll = np.zeros((CHANNELS, ROWS, steps), dtype=np.float32)
    roll[2, :, lead:] = 1.0
    for notes, origin in ((before, lead - before_end), (after, lead)):
        for n in notes:
            start = n.start + origin
            end = min(steps, start + max(1, n.duration))
            if end <= 0 or start >= steps:
                continue
            pitch = n.pitch
            while pitch < LOWEST:
                pitch += 12
            while pitch > HIGHEST:
                pitch -= 12
            row = pitch - LOWEST
            if start >= 0:
                roll[0, row, start] = 1.0
            roll[1, row, max(0, start):end] = 1.0
    return roll


class Critic(nn.Module):
    """Convolutions over the roll (pitch x time), pooled over both, to one logit."""

    def __init__(self, width: int = 16):
        super().__init__()
        self.width = width
        w = width
        self.layers = nn.Sequential(
            nn.Conv2d(CHANNELS, w, (5, 5), padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, (5, 5), padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * w, 4 * w, (3, 3), padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4 * w, 4 * w, (3, 3), padding=1), nn.ReLU(),
        )
        self.out = nn.Linear(8 * w, 1)

    def forward(self, rolls: torch.Tensor) -> torch.Tensor:
        h = self.layers(rolls)
        pooled = torch.cat([h.mean((2, 3)), h.amax((2, 3))], dim=1)
        return self.out(pooled).squeeze(1)


def batch(pictures: Sequence[np.ndarray]) -> torch.Tensor:
    """Pictures of different lengths (metres) as one tensor, padded with silence at the end."""
    steps = max(p.shape[2] for p in pictures)
    out = np.zeros((len(pictures), CHANNELS, ROWS, steps), dtype=np.float32)
    for i, p in enumerate(pictures):
        out[i, :, :, :p.shape[2]] = p
    return torch.from_numpy(out)


class LoadedCritic:
    """A critic ready to score: its network (eval mode) and its description."""

    def __init__(self, network: Critic, info: dict):
        self.network, self.info = network.eval(), info

    @torch.no_grad()
    def scores(self, before: Sequence[Note], before_end: int, drafts: Sequence[Sequence[Note]],
               bar_steps: int) -> np.ndarray:
        """How much like the composer's each draft looks after ``before`` (logits, one per draft);
        the notes are on the model's grid, ``before`` ending at step ``before_end`` and the drafts
        (``BARS`` bars each, as the critic learned them) timed from there."""
        pictures = [picture(before, before_end, d, bar_steps) for d in drafts]
        return self.network(batch(pictures)).numpy().astype(np.float64)


def save_critic(path: str | Path, network: Critic, info: dict) -> None:
    """``path``.safetensors and ``path``.json."""
    from safetensors.torch import save_file
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in network.state_dict().items()}, str(path.with_suffix(".safetensors")))
    path.with_suffix(".json").write_text(json.dumps({"format": FORMAT, "width": network.width, **info},
                                                    indent=1) + "\n")


def load_critic(path: str | Path) -> LoadedCritic:
    """The critic saved at ``path`` (``.safetensors`` and ``.json``); ``ValueError`` naming the file if
    it cannot be read."""
    from safetensors.torch import load_file
    path = Path(path)
    try:
        info = json.loads(path.with_suffix(".json").read_text())
        if info.get("format") != FORMAT:
            raise ValueError(f"its format is {info.get('format')!r}, this script reads {FORMAT!r}")
        network = Critic(int(info["width"]))
        network.load_state_dict(load_file(str(path.with_suffix(".safetensors"))))
    except Exception as err:          # noqa: BLE001 - any damage is said as the file's
        raise ValueError(f"the critic {path} could not be read: {err}") from err
    return LoadedCritic(network, info)
