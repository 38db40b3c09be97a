"""Everything a network reads beside its tokens, gathered for a whole stream or step by step.

A plain model reads tokens only. A model with ``context`` also reads the notes still sounding
and the step in the bar (``context.py``); one with ``pitch_memory`` also reads how long ago each
pitch was struck, which are held, and the pitches to measure intervals from (``pitch_memory.py``);
one with ``rhythm_memory`` what each wait and length would line up with (``rhythm_memory.py``); one
with ``controls`` what its bar and the next should sound like (``controls.py``); one with
``lookback`` what was played one and two bars ago at this place in the bar (``lookback.py``); one
with ``harmony`` the chord sounding now and the next (``harmony_input.py``); one with
``phrase_position`` where its bar falls in a group of 4 and of 8 bars. Training, scoring and
generation all get these arrays from here, so the three always agree.

Each of them is declared once, in ``SIDE_INPUTS``: the model option that turns it on (also its
key in the ``side`` mapping ``MusicLSTM.forward``/``step`` take), the arrays it makes (one row per
token, zero-padded at the end when streams are batched), how they are worked out for a whole
stream, how they move when the music is transposed, how generation follows them one token at a
time, what the model card says the network reads, and any further switches on how the network uses
its arrays; those that tell of the music to come (controls, chords) name the arrays that are zero
when hidden, and those hidden at random in training how (``hide``). The functions below only loop
over that list; ``switches()`` names every option and switch for the checks of a ``model.json``
and for training.

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
from .harmony_input import (
    HARMONY_ARRAYS,
    Span,
    follow_harmony,
    harmony_arrays,
    hide_harmony,
    measured_chords,
    transpose_harmony,
)
from .lookback import Lookbacks, lookback, transpose_lookback
from .pitch_memory import PitchMemories, pitch_memory, transpose_memory
from .rhythm_memory import RhythmMemory, rhythm_memory
from .tokens import END, PAD, START, Vocabulary

Arrays = dict[str, np.ndarray]
MEASURED = "measured"             # chords measured from the music the tokens spell (training, scoring)
PHRASE_GROUP = 8                  # a bar's place is counted in groups of 8 bars (and so of 4)


@dataclass(frozen=True)
class Stream:
    """One whole token stream, as a side input's ``stream`` function is given it."""

    tokens: Sequence[int]
    vocab: Vocabulary
    config: Any                       # the model's config (ModelConfig or alike)
    bar: int                          # the bar length, in steps, positions are counted in (``bar_of``)
    steps_per_quarter: int
    targets: np.ndarray | None        # the controls asked of the bars after the stream
    chords: Sequence[Span] | str | None = MEASURED   # the chords (spans of the stream's steps), or hidden
    first_bar: int = 0                # the bar of the music the stream starts at (an excerpt's place)


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
    chords: Sequence[Span] | None = None     # the chords of the takes' steps (None: hidden)
    first_bar: int = 0


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
    foretells: tuple[str, ...] = ()                    # arrays that tell of the music to come: all zero
                                                       # is hidden (the likelihood with nothing given away)
    hide: Callable[[Arrays, np.random.Generator, int, Any], Arrays] | None = None   # training's dropout of one
                                                       # stream of so many bars, by a TrainConfig's rates

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


# -- lookback (lookback.py): what was played one and two bars ago here -----------------------------
def _lookback_stream(s: Stream) -> Arrays:
    return lookback(s.tokens, s.vocab, s.bar)


def _lookback_follow(s: Start) -> Callable[[list[int]], Arrays]:
    memory = Lookbacks(s.vocab, s.bar, s.rows, s.prompt)

    def feed(tokens: list[int]) -> Arrays:
        memory.feed(tokens)
        return memory.arrays()
    return feed


# -- harmony (harmony_input.py): the chord now and the next ------------------------------------------
def _harmony_stream(s: Stream) -> Arrays:
    chords = s.chords
    if isinstance(chords, str):                   # MEASURED
        chords = measured_chords(s.tokens, s.vocab, s.bar, s.steps_per_quarter)
    return harmony_arrays(s.tokens, s.vocab, s.bar, chords)


def _harmony_follow(s: Start) -> Callable[[list[int]], Arrays]:
    if not s.chords:                              # hidden all along: left out, which the network reads as hidden
        return lambda tokens: {}
    clocks, rows = _clocks(s), follow_harmony(s.vocab, s.bar, s.chords)
    return lambda tokens: rows(clocks.now)


def _harmony_hide(inputs: Arrays, rng: np.random.Generator, bars: int, config) -> Arrays:
    return hide_harmony(inputs, rng, bars, config.harmony_dropout, config.harmony_all_dropout)


# -- phrase position: the bar's place in groups of 4 and 8 bars, from the music's start ---------------
def _phrase_stream(s: Stream) -> Arrays:
    out = np.empty(len(s.tokens), dtype=np.int8)
    now = 0
    for i, token in enumerate(np.asarray(s.tokens, dtype=np.int64).tolist()):
        if token == START or token == END or token == PAD:
            now = 0
        elif s.vocab.first_wait <= token < s.vocab.first_length:
            now += token - s.vocab.first_wait + 1
        out[i] = _place(now, s.bar, s.first_bar)
    return {"phrase_bar": out}


def _place(now, bar: int, first_bar: int):
    """1-8: the bar's place in its group of 8 (0 stays free for "not known")."""
    return (now // bar + first_bar) % PHRASE_GROUP + 1


def _phrase_follow(s: Start) -> Callable[[list[int]], Arrays]:
    clocks = _clocks(s)
    return lambda tokens: {"phrase_bar": _place(clocks.now, s.bar, s.first_bar).astype(np.int8)}


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
                        ("bar_from_music", "bars in each piece's own metre")),
              foretells=("controls",)),
    SideInput("lookback", ("lookback_timing", "lookback_pitches", "bar_repeats"), _lookback_stream, _lookback_follow,
              lambda inputs, semitones: {"lookback_pitches": transpose_lookback(inputs["lookback_pitches"], semitones)},
              card="lookback (as Magenta's Lookback RNN): each candidate pitch also scored by whether it, or its pitch "
                   "class, was struck at this same step of the bar one and two bars ago, each wait by whether an "
                   "onset came where it lands one and two bars ago, each length by the same pitch's length then, "
                   "with weights shared by all pitches and durations; and whether the last bar repeats the one "
                   "before, as input (engine/encoding/lookback.py)"),
    SideInput("harmony", HARMONY_ARRAYS, _harmony_stream, _harmony_follow, transpose_harmony,
              clocked=True, foretells=HARMONY_ARRAYS, hide=_harmony_hide,
              card="harmony: the chord sounding now and the next (root, quality, bass), as input, and each "
                   "candidate pitch also scored by whether it is a tone, the root or the bass of the chord or a tone "
                   "of the next, each wait by whether it lands on the change, with weights shared by all pitches; "
                   "measured from the music in training (engine/music/harmony.py) and hidden at random, bar by bar "
                   "and whole pieces; at Continue and Fill hidden unless chords are asked for "
                   "(engine/encoding/harmony_input.py)"),
    SideInput("phrase_position", ("phrase_bar",), _phrase_stream, _phrase_follow, clocked=True,
              card="where its bar falls in groups of 4 and 8 bars counted from the music's start (an excerpt's "
                   "from the piece's), as input, so a take can cadence at a phrase's end or restate its opening"),
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
                  steps_per_quarter: int = 4, targets: np.ndarray | None = None,
                  chords: Sequence[Span] | str | None = MEASURED, first_bar: int = 0) -> Arrays:
    """Per position of one token stream (after reading that token), the arrays ``config``'s
    model reads: any of sounding, position, ages, anchors, controls... Empty for a plain model.
    ``bar_steps`` and ``steps_per_quarter`` give the stream's metre and grid; ``targets`` the
    controls asked of the bars after it (``controls.stream_controls``); ``chords`` the chords
    (spans of the stream's steps; MEASURED: heard in the music the tokens spell; None: hidden);
    ``first_bar`` the bar of the music the stream starts at."""
    wanted = side_inputs_of(config)
    if not wanted:
        return {}
    stream = Stream(tokens, vocab, config, bar_of(config, bar_steps), steps_per_quarter, targets, chords, first_bar)
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


def foretelling(config) -> list[str]:
    """The arrays ``config``'s model reads that tell of the music to come (controls, chords):
    zeroed, they are hidden."""
    return [key for entry in side_inputs_of(config) for key in entry.foretells]


def hide_inputs(inputs: Arrays, config, rng: np.random.Generator, bars: int) -> Arrays:
    """Training's random hiding of what ``config`` (a TrainConfig) asks, for one stream of ``bars``
    bars; ``rng`` seeded by the stream alone, so every run of its positions is hidden alike (the
    controls are hidden in ``lanes.py``)."""
    for entry in SIDE_INPUTS:
        if entry.hide is not None and entry.arrays[0] in inputs:
            inputs = entry.hide(inputs, rng, bars, config)
    return inputs


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
    one token per row at a time (for generation); ``chords`` as ``stream_inputs`` takes them, but
    None (hidden) unless given."""

    def __init__(self, vocab: Vocabulary, config, prompt: list[int], rows: int, bar_steps: int | None = None,
                 chords: Sequence[Span] | None = None, first_bar: int = 0):
        wanted = side_inputs_of(config)
        bar = bar_of(config, bar_steps)
        self.clocks = Clocks(vocab, bar, rows, prompt) if any(entry.clocked for entry in wanted) else None
        start = Start(vocab, config, prompt, rows, bar, self.clocks, chords, first_bar)
        self.followers = [entry.follow(start) for entry in wanted]

    def feed(self, tokens: list[int]) -> dict[str, torch.Tensor]:
        """Read one token per row; return the side inputs after it, shaped (rows, ...)."""
        if self.clocks is not None:
            self.clocks.feed(tokens)                  # first: the followers that share them read them
        inputs = {}
        for follower in self.followers:
            inputs.update({key: torch.from_numpy(values) for key, values in follower(tokens).items()})
        return inputs
