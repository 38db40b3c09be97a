"""Everything a network reads beside its tokens, gathered for a whole stream or step by step.

A plain model reads tokens only. A model with ``context`` also reads the notes still sounding
and the step in the bar (``context.py``); one with ``pitch_memory`` also reads how long ago each
pitch was struck, which are held, and the pitches to measure intervals from (``pitch_memory.py``);
one with ``rhythm_memory`` what each wait and length would line up with (``rhythm_memory.py``); one
with ``controls`` what its bar and the next should sound like (``controls.py``). Training,
scoring and generation all get these arrays from here, so the three always agree.

Each of them is declared once, in ``SIDE_INPUTS``: the model option that turns it on (also its
key in the ``side`` mapping ``MusicLSTM.forward``/``step`` take), the arrays it makes (one row per
token, zero-padded at the end when streams are batched), how they are worked out for a whole
stream, how they move when the music is transposed, how generation follows them one token at a
time, what the model card says the network reads, and any further switches on how the network uses
its arrays. The functions below only loop over that list; ``switches()`` names every option and
switch for the checks of a ``model.json`` and for training.

A model with ``bar_from_music`` counts bars in the music's own metre: callers pass the stream's
bar length in steps (and its grid, for the controls); older models count in ``config.bar_steps``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import torch

from .context import Clocks, context_features, transpose_sounding
from .controls import stream_controls, transpose_controls
from .pitch_memory import PitchMemories, pitch_memory, transpose_memory
from .rhythm_memory import RhythmMemory, rhythm_memory
from .tokens import Vocabulary

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class Stream:
    """One whole token stream, as a side input's ``stream`` function is given it."""

    tokens: Sequence[int]
    vocab: Vocabulary
    config: Any                       # the model's config (ModelConfig or alike)
    bar: int                          # the bar length, in steps, positions are counted in (``bar_of``)
    steps_per_quarter: int
    targets: np.ndarray | None        # the controls asked of the bars after the stream


@dataclass(frozen=True)
class Start:
    """What a side input's ``follow`` function is given: ``rows`` takes after a shared ``prompt``,
    and the clocks of all takes (fed by ``Followers`` before any follower reads them)."""

    vocab: Vocabulary
    config: Any
    prompt: Sequence[int]
    rows: int
    bar: int
    clocks: Clocks | None


@dataclass(frozen=True)
class SideInput:
    """One thing a network reads beside its tokens (see the module's docstring)."""

    name: str                                          # the ModelConfig option; the key in the model's ``side``
    arrays: tuple[str, ...]                            # the arrays it makes, one row per token
    stream: Callable[[Stream], Arrays]                 # its arrays for a whole stream
    follow: Callable[[Start], Callable[[list[int]], Arrays]]   # a follower: one token per row -> (rows, ...)
    transpose: Callable[[Arrays, int], Arrays] | None = None   # its arrays moved by semitones (None: unmoved)
    reads: tuple[str, ...] = ()                        # the arrays the model is given (default: all)
    clocked: bool = False                              # its follower reads the takes' shared clocks
    card: str | Callable[[dict], str] = ""             # what the model card says the network reads, or
                                                       # that text of model.json's "model" (none: nothing)
    switches: tuple[tuple[str, str], ...] = ()         # further ModelConfig switches on how its arrays
                                                       # are used, each with what the card says of it

    @property
    def model_reads(self) -> tuple[str, ...]:
        return self.reads or self.arrays

    def wanted(self, config) -> bool:
        return bool(getattr(config, self.name, False))

    def described(self, model: dict) -> list[str]:
        """What the model card says the network of ``model`` (model.json's "model") reads through
        this side input and its switches, in a musician's words; nothing for the switches off."""
        said = [self.card(model) if callable(self.card) else self.card] if self.card and model.get(self.name) else []
        return said + [text for switch, text in self.switches if model.get(switch)]


# -- held notes and the step in the bar (context.py) ---------------------------------------------
def _context_stream(s: Stream) -> Arrays:
    sounding, position = context_features(s.tokens, s.vocab, s.bar)
    return {"sounding": sounding, "position": np.minimum(position, s.config.bar_steps - 1)}


def _clocks(s: Start) -> Clocks:
    if s.clocks is None:
        raise RuntimeError("a side input that reads the takes' clocks was followed without them")
    return s.clocks


def _context_follow(s: Start) -> Callable[[list[int]], Arrays]:
    clocks, last = _clocks(s), s.config.bar_steps - 1
    return lambda tokens: {"sounding": clocks.sounding(), "position": np.minimum(clocks.position, last)}


# -- pitch memory (pitch_memory.py) --------------------------------------------------------------
def _memory_stream(s: Stream) -> Arrays:
    return dict(zip(("ages", "held", "anchors"), pitch_memory(s.tokens, s.vocab)))


def _memory_follow(s: Start) -> Callable[[list[int]], Arrays]:
    memories = PitchMemories(s.vocab, s.rows, s.prompt, s.clocks)

    def feed(tokens: list[int]) -> Arrays:
        memories.feed(tokens)
        return {"ages": memories.ages.copy(), "held": memories.held, "anchors": memories.anchors}
    return feed


def _memory_card(model: dict) -> str:
    anchors = ["the last note", "the bass", "the melody", "its voice in the last chord",
               "the lowest note held on", "the highest note held on"][:model.get("anchors", 4)]
    return ("pitch memory: each candidate pitch also scored by how many onsets ago it was struck, whether it is "
            "held, and its interval from " + ", ".join(anchors[:-1]) + " and " + anchors[-1]
            + " (engine/encoding/pitch_memory.py)")


def _memory_transpose(inputs: Arrays, semitones: int) -> Arrays:
    return dict(zip(("ages", "held", "anchors"), transpose_memory(
        inputs["ages"], inputs["held"], inputs["anchors"], semitones)))


# -- rhythm memory (rhythm_memory.py), in config.bar_steps ----------------------------------------
def _rhythm_stream(s: Stream) -> Arrays:
    return dict(zip(("wait_marks", "length_marks", "phases"), rhythm_memory(s.tokens, s.vocab, s.config.bar_steps)))


def _rhythm_follow(s: Start) -> Callable[[list[int]], Arrays]:
    rhythms = [RhythmMemory(s.vocab, s.config.bar_steps) for _ in range(s.rows)]
    for follower in rhythms:
        for token in s.prompt:
            follower.feed(token)

    def feed(tokens: list[int]) -> Arrays:
        for rhythm, token in zip(rhythms, tokens):
            rhythm.feed(token)
        marks = [r.marks() for r in rhythms]
        return {"wait_marks": np.stack([m[0] for m in marks]), "length_marks": np.stack([m[1] for m in marks]),
                "phases": np.array([m[2] for m in marks], dtype=np.int64)}
    return feed


# -- controls (controls.py): generation follows only the bar, and looks its controls up ----------
def _controls_stream(s: Stream) -> Arrays:
    controls, bars = stream_controls(s.tokens, s.vocab, s.bar, s.steps_per_quarter, s.targets)
    return {"controls": controls, "control_bar": bars}


def _controls_follow(s: Start) -> Callable[[list[int]], Arrays]:
    clocks = _clocks(s)
    return lambda tokens: {"control_bar": clocks.now // clocks.bar_steps}


SIDE_INPUTS: tuple[SideInput, ...] = (
    SideInput("context", ("sounding", "position"), _context_stream, _context_follow,
              lambda inputs, semitones: {"sounding": transpose_sounding(inputs["sounding"], semitones)},
              clocked=True, card="the notes still sounding and the step in the bar, as input"),
    SideInput("pitch_memory", ("ages", "held", "anchors"), _memory_stream, _memory_follow, _memory_transpose,
              clocked=True, card=_memory_card),
    SideInput("rhythm_memory", ("wait_marks", "length_marks", "phases"), _rhythm_stream, _rhythm_follow,
              card="rhythm memory: each candidate wait and length also scored by whether it ends with the held "
                   "notes, repeats the last gap or the chord's length, or lands on a beat or bar line "
                   "(engine/encoding/rhythm_memory.py)"),
    SideInput("controls", ("controls", "control_bar"), _controls_stream, _controls_follow,
              lambda inputs, semitones: {"controls": transpose_controls(inputs["controls"], semitones)},
              reads=("controls",), clocked=True,
              card="controls: what its bar and the next sound like (notes and onsets per beat, share of chords, "
                   "lowest, highest and middle pitch, pitch classes, spacing of onsets, loudness), measured from "
                   "the music in training and some hidden at random; at Continue they are set from the phrase or "
                   "as asked (engine/encoding/controls.py). Its validation loss reads each bar's own controls, so it "
                   "is not comparable with a model without them",
              switches=(("control_scores", "its controls as scores too (control scores): each candidate pitch is "
                                           "also scored by how much its bar asks for its pitch class and by where "
                                           "it lies against the bar's lowest, highest and middle note, with "
                                           "weights shared by all pitches"),
                        ("rhythm_scores", "its bar's spacing of onsets as scores too (rhythm scores): each "
                                          "candidate wait is also scored by how often its bar spaces onsets that "
                                          "far apart"),
                        ("bar_from_music", "bars in each piece's own metre"))),
)


def switches() -> tuple[str, ...]:
    """Every ModelConfig switch of a side input, in ``SIDE_INPUTS``' order: each one's option and its
    further switches (what ``model.json`` must hold as true or false, what a training run passes on)."""
    return tuple(name for entry in SIDE_INPUTS for name in (entry.name, *(switch for switch, _ in entry.switches)))


def side_inputs_of(config) -> list[SideInput]:
    """The side inputs a model of ``config`` reads, in ``SIDE_INPUTS``' order."""
    return [entry for entry in SIDE_INPUTS if entry.wanted(config)]


def needs_side_inputs(config) -> bool:
    return bool(side_inputs_of(config))


def bar_of(config, bar_steps: int | None) -> int:
    """The bar length, in steps, a model counts positions in for a stream of ``bar_steps``."""
    if getattr(config, "bar_from_music", False) and bar_steps:
        return int(bar_steps)
    return config.bar_steps


def stream_inputs(tokens, vocab: Vocabulary, config, bar_steps: int | None = None,
                  steps_per_quarter: int = 4, targets: np.ndarray | None = None) -> Arrays:
    """Per position of one token stream (after reading that token), the arrays ``config``'s
    model reads: any of sounding, position, ages, anchors, controls. Empty for a plain model.
    ``bar_steps`` and ``steps_per_quarter`` give the stream's metre and grid; ``targets`` the
    controls asked of the bars after it (``controls.stream_controls``)."""
    wanted = side_inputs_of(config)
    if not wanted:
        return {}
    stream = Stream(tokens, vocab, config, bar_of(config, bar_steps), steps_per_quarter, targets)
    inputs: Arrays = {}
    for entry in wanted:
        inputs.update(entry.stream(stream))
    return inputs


def transpose_inputs(inputs: Arrays, semitones: int) -> Arrays:
    """The side inputs of the same stream transposed by ``semitones``."""
    if not semitones:
        return inputs
    moved = dict(inputs)
    for entry in SIDE_INPUTS:
        if entry.transpose is not None and entry.arrays[0] in inputs:
            moved.update(entry.transpose(inputs, semitones))
    return moved


def model_arguments(inputs: dict[str, torch.Tensor], device) -> dict[str, dict]:
    """``{"side": ...}``, the keyword argument of ``MusicLSTM.forward``/``step``, from batched side
    inputs: per side input present, its name -> the arrays the model reads (one tensor, or a tuple
    in the order of ``SideInput.reads``). Arrays the model does not read are left out."""
    side: dict[str, torch.Tensor | tuple[torch.Tensor, ...]] = {}
    for entry in SIDE_INPUTS:
        reads = entry.model_reads
        if reads[0] in inputs:
            values = tuple(inputs[key].to(device) for key in reads)
            side[entry.name] = values[0] if len(values) == 1 else values
    return {"side": side}


def batch_inputs(streams: list[Arrays], longest: int) -> dict[str, torch.Tensor]:
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
        wanted = side_inputs_of(config)
        bar = bar_of(config, bar_steps)
        self.clocks = Clocks(vocab, bar, rows, prompt) if any(entry.clocked for entry in wanted) else None
        start = Start(vocab, config, prompt, rows, bar, self.clocks)
        self.followers = [entry.follow(start) for entry in wanted]

    def feed(self, tokens: list[int]) -> dict[str, torch.Tensor]:
        """Read one token per row; return the side inputs after it, shaped (rows, ...)."""
        if self.clocks is not None:
            self.clocks.feed(tokens)                  # first: the followers that share them read them
        inputs = {}
        for follower in self.followers:
            inputs.update({key: torch.from_numpy(values) for key, values in follower(tokens).items()})
        return inputs
