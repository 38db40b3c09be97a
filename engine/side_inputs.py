"""Everything a network reads beside its tokens, gathered for a whole stream or step by step.

A plain model reads tokens only. A model with ``context`` also reads the notes still sounding
and the step in the bar (``context.py``); one with ``pitch_memory`` also reads how long ago each
pitch was struck, which are held, and the pitches to measure intervals from (``pitch_memory.py``);
one with ``rhythm_memory`` what each wait and length would line up with (``rhythm_memory.py``); one
with ``controls`` what its bar and the next should sound like (``controls.py``). Training,
scoring and generation all get these arrays from here, so the three always agree.

A model with ``bar_from_music`` counts bars in the music's own metre: callers pass the stream's
bar length in steps (and its grid, for the controls); older models count in ``config.bar_steps``.
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import torch

from .context import Clocks, context_features, transpose_sounding
from .controls import stream_controls, transpose_controls
from .pitch_memory import PitchMemories, pitch_memory, transpose_memory
from .rhythm_memory import RhythmMemory, rhythm_memory
from .tokens import Vocabulary


def needs_side_inputs(config) -> bool:
    return any(getattr(config, option, False) for option in ("context", "pitch_memory", "rhythm_memory", "controls"))


def bar_of(config, bar_steps: int | None) -> int:
    """The bar length, in steps, a model counts positions in for a stream of ``bar_steps``."""
    if getattr(config, "bar_from_music", False) and bar_steps:
        return int(bar_steps)
    return config.bar_steps


def stream_inputs(tokens, vocab: Vocabulary, config, bar_steps: int | None = None,
                  steps_per_quarter: int = 4, targets: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per position of one token stream (after reading that token), the arrays ``config``'s
    model reads: any of sounding, position, ages, anchors, controls. Empty for a plain model.
    ``bar_steps`` and ``steps_per_quarter`` give the stream's metre and grid; ``targets`` the
    controls asked of the bars after it (``controls.stream_controls``)."""
    inputs = {}
    bar = bar_of(config, bar_steps)
    if getattr(config, "context", False):
        inputs["sounding"], position = context_features(tokens, vocab, bar)
        inputs["position"] = np.minimum(position, config.bar_steps - 1)
    if getattr(config, "pitch_memory", False):
        inputs["ages"], inputs["held"], inputs["anchors"] = pitch_memory(tokens, vocab)
    if getattr(config, "rhythm_memory", False):
        inputs["wait_marks"], inputs["length_marks"], inputs["phases"] = rhythm_memory(tokens, vocab, config.bar_steps)
    if getattr(config, "controls", False):
        inputs["controls"], inputs["control_bar"] = stream_controls(tokens, vocab, bar, steps_per_quarter, targets)
    return inputs


def transpose_inputs(inputs: dict[str, np.ndarray], semitones: int) -> dict[str, np.ndarray]:
    """The side inputs of the same stream transposed by ``semitones``."""
    if not semitones:
        return inputs
    moved = dict(inputs)
    if "sounding" in inputs:
        moved["sounding"] = transpose_sounding(inputs["sounding"], semitones)
    if "ages" in inputs:
        moved["ages"], moved["held"], moved["anchors"] = transpose_memory(
            inputs["ages"], inputs["held"], inputs["anchors"], semitones)
    if "controls" in inputs:
        moved["controls"] = transpose_controls(inputs["controls"], semitones)
    return moved


class ModelArguments(TypedDict, total=False):
    """The side inputs ``MusicLSTM.forward``/``step`` take as keyword arguments."""
    sounding: torch.Tensor
    position: torch.Tensor
    memory: tuple[torch.Tensor, torch.Tensor, torch.Tensor]         # ages, held, anchors
    rhythm: tuple[torch.Tensor, torch.Tensor, torch.Tensor]         # wait marks, length marks, phases
    controls: torch.Tensor


def model_arguments(inputs: dict[str, torch.Tensor], device) -> ModelArguments:
    """Keyword arguments for ``MusicLSTM.forward``/``step`` from batched side inputs."""
    args: ModelArguments = {}
    if "sounding" in inputs:
        args["sounding"] = inputs["sounding"].to(device)
        args["position"] = inputs["position"].to(device)
    if "ages" in inputs:
        args["memory"] = (inputs["ages"].to(device), inputs["held"].to(device), inputs["anchors"].to(device))
    if "wait_marks" in inputs:
        args["rhythm"] = (inputs["wait_marks"].to(device), inputs["length_marks"].to(device),
                          inputs["phases"].to(device))
    if "controls" in inputs:
        args["controls"] = inputs["controls"].to(device)
    return args


def batch_inputs(streams: list[dict[str, np.ndarray]], longest: int) -> dict[str, torch.Tensor]:
    """Side inputs of several streams as (rows, longest, ...) tensors, zero-padded at the end."""
    if not streams or not streams[0]:
        return {}
    batched = {}
    for key, first in streams[0].items():
        out = np.zeros((len(streams), longest) + first.shape[1:], dtype=first.dtype)
        for row, inputs in enumerate(streams):
            out[row, :len(inputs[key])] = inputs[key]
        batched[key] = torch.from_numpy(out)
    return batched


class Followers:
    """The side inputs of ``rows`` streams that share a beginning and then go their own ways,
    one token per row at a time (for generation)."""

    def __init__(self, vocab: Vocabulary, config, prompt: list[int], rows: int, bar_steps: int | None = None):
        bar = bar_of(config, bar_steps)
        memory = getattr(config, "pitch_memory", False)
        timed = config.context or getattr(config, "controls", False) or memory
        self.clocks = Clocks(vocab, bar, rows, prompt) if timed else None
        self.context, self.controls = config.context, getattr(config, "controls", False)
        self.positions = config.bar_steps
        self.memories = PitchMemories(vocab, rows, prompt, self.clocks) if memory else None
        self.rhythms = ([RhythmMemory(vocab, config.bar_steps) for _ in range(rows)]
                        if getattr(config, "rhythm_memory", False) else [])
        for follower in self.rhythms:
            for token in prompt:
                follower.feed(token)

    def feed(self, tokens: list[int]) -> dict[str, torch.Tensor]:
        """Read one token per row; return the side inputs after it, shaped (rows, ...)."""
        inputs = {}
        clocks = self.clocks                          # kept whenever context or controls are read
        if clocks is not None:
            clocks.feed(tokens)
            if self.context:
                inputs["sounding"] = torch.from_numpy(clocks.sounding())
                inputs["position"] = torch.from_numpy(np.minimum(clocks.position, self.positions - 1))
            if self.controls:
                inputs["control_bar"] = torch.from_numpy(clocks.now // clocks.bar_steps)
        if self.memories is not None:
            self.memories.feed(tokens)
            inputs["ages"] = torch.from_numpy(self.memories.ages.copy())
            inputs["held"] = torch.from_numpy(self.memories.held)
            inputs["anchors"] = torch.from_numpy(self.memories.anchors)
        if self.rhythms:
            for rhythm, token in zip(self.rhythms, tokens):
                rhythm.feed(token)
            marks = [r.marks() for r in self.rhythms]
            inputs["wait_marks"] = torch.from_numpy(np.stack([m[0] for m in marks]))
            inputs["length_marks"] = torch.from_numpy(np.stack([m[1] for m in marks]))
            inputs["phases"] = torch.tensor([m[2] for m in marks])
        return inputs
