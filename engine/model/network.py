"""The network: token embedding, stacked LSTM over whole sequences, dropout, softmax over tokens.

This is the original design (stacked LSTM layers returning full sequences, dropout, softmax with
cross-entropy) with an embedding in place of one-hot scaled inputs. ``forward`` takes and returns
the LSTM state, so generation feeds one token per step and never re-runs a window.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Mapping

import torch
from torch import nn

from ..encoding import lookback as lookback_memory
from ..encoding import rhythm_memory
from ..encoding.controls import FEATURES as CONTROL_FEATURES
from ..encoding.controls import GROUPS, HIGH, LOW, MEAN, control_features, flag_of
from ..encoding.controls import KEY as KEY_VALUES
from ..encoding.harmony_input import FEATURES as CHORD_FEATURES
from ..encoding.harmony_input import WEIGHTS as HARMONY_WEIGHTS
from ..encoding.harmony_input import chord_input, chord_lookup, harmony_scores
from ..encoding.pitch_memory import ANCHORS, FEATURES, interval_index, memory_scores
from ..encoding.tokens import FIRST_WAIT
from .half_weights import HalfWeights

KEY_FLAG, REGISTER_FLAG, RHYTHM_FLAG = flag_of("key"), flag_of("register"), flag_of("rhythm")
RHYTHM_VALUES = GROUPS["rhythm"]

PHRASE_PLACES = 9               # a bar's place in its group of 8 (1-8), and 0 for not known
State = tuple[torch.Tensor, torch.Tensor]
Memory = tuple[torch.Tensor, torch.Tensor, torch.Tensor]      # ages, held, anchors: engine/encoding/pitch_memory.py
Rhythm = tuple[torch.Tensor, torch.Tensor, torch.Tensor]      # wait marks, length marks, phases (rhythm_memory.py)
Side = Mapping[str, Any]        # side input's name -> its tensor or tuple of tensors (engine/encoding/side_inputs.py)


@dataclass
class ModelConfig:
    vocab_size: int
    embedding_size: int = 256
    hidden_size: int = 512
    layers: int = 2
    dropout: float = 0.3
    context: bool = False       # also read the held notes and the step in the bar (engine/encoding/context.py)
    pitches: int = 128
    bar_steps: int = 16
    pitch_memory: bool = False  # also score each pitch by what was just played (engine/encoding/pitch_memory.py)
    first_pitch: int | None = None  # the token id of the lowest pitch (pitch_memory needs it)
    interval_reach: int = 36    # semitones either side of an anchor that get their own score
    anchors: int = 4            # how many of pitch_memory's anchors it measures from (4: models before held ones)
    rhythm_memory: bool = False  # also score waits and lengths by what they line up with (encoding/rhythm_memory.py)
    controls: bool = False      # also read what this bar and the next should sound like (engine/encoding/controls.py)
    control_scores: bool = False  # and score each pitch by its bar's pitch classes and register (shared weights)
    register_reach: int = 24    # semitones from the bar's lowest, highest and middle note that get their own score
    rhythm_scores: bool = False   # and score each wait by how often its bar spaces onsets that far apart
    steps_per_sixteenth: float = 1.0  # the grid, for rhythm scores (onset spacing is counted in sixteenths)
    max_wait: int = 16          # wait tokens in the vocabulary (rhythm scores need to know where they end)
    bar_from_music: bool = False  # the bar position counts in the music's own metre (bar_steps: most positions)
    lookback: bool = False      # also score tokens by what was played 1 and 2 bars ago here (encoding/lookback.py)
    harmony: bool = False       # also read the chord now and next, and score pitches by it (harmony_input.py)
    phrase_position: bool = False  # also read the bar's place in groups of 4 and 8 bars (side_inputs.py)
    lowest_pitch: int = 0       # the vocabulary's lowest pitch (harmony scores pitches by their pitch class)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "ModelConfig":
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


class MusicLSTM(nn.Module):
    """Predicts the next token at every position of a token sequence."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_size)
        if config.context:
            self.held_notes = nn.Linear(config.pitches, config.embedding_size, bias=False)
            self.bar_position = nn.Embedding(config.bar_steps, config.embedding_size)
        if config.controls:
            self.control_input = nn.Linear(2 * CONTROL_FEATURES, config.embedding_size, bias=False)
        if config.control_scores:
            if not config.controls or config.first_pitch is None:
                raise ValueError("control scores need a model with controls and the token id of its lowest pitch")
            self.key_weight = nn.Linear(config.hidden_size, 2)
            self.register_scores = nn.Linear(config.hidden_size, 3 * (2 * config.register_reach + 1))
            for layer in (self.key_weight, self.register_scores):     # they start silent: a model they are
                nn.init.zeros_(layer.weight)                            # added to goes on as it was
                nn.init.zeros_(layer.bias)
        if config.rhythm_scores:
            if not config.controls:
                raise ValueError("rhythm scores need a model with controls")
            self.rhythm_weight = nn.Linear(config.hidden_size, 2)
            nn.init.zeros_(self.rhythm_weight.weight)
            nn.init.zeros_(self.rhythm_weight.bias)
        if config.lookback or config.harmony:
            if config.first_pitch is None or config.first_pitch + config.pitches > config.vocab_size:
                raise ValueError("lookback and harmony need the token id of the model's lowest pitch (first_pitch)")
        if config.lookback:                # every new part starts silent: a model it is added to goes on as it was
            self.repeat_input = nn.Linear(lookback_memory.REPEATS, config.embedding_size, bias=False)
            self.lookback_weights = nn.Linear(config.hidden_size, lookback_memory.WEIGHTS)
        if config.harmony:
            self.chord_input = nn.Linear(CHORD_FEATURES, config.embedding_size, bias=False)
            self.harmony_weights = nn.Linear(config.hidden_size, HARMONY_WEIGHTS)
        if config.phrase_position:
            self.phrase_bars = nn.Embedding(PHRASE_PLACES, config.embedding_size)
        for name in ("repeat_input", "lookback_weights", "chord_input", "harmony_weights", "phrase_bars"):
            for parameter in getattr(self, name).parameters() if hasattr(self, name) else ():
                nn.init.zeros_(parameter)
        if config.rhythm_memory and config.bar_from_music:
            raise ValueError("rhythm memory does not yet follow the music's own metre (bar_from_music)")
        self.lstm = nn.LSTM(config.embedding_size, config.hidden_size, num_layers=config.layers,
                            dropout=config.dropout if config.layers > 1 else 0.0, batch_first=True)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, config.vocab_size)
        if config.pitch_memory:
            if config.first_pitch is None or config.first_pitch + config.pitches > config.vocab_size:
                raise ValueError("a model with pitch memory needs the token id of its lowest pitch (first_pitch)")
            self.memory_weights = nn.Linear(config.hidden_size, FEATURES)
            if not 1 <= config.anchors <= ANCHORS:
                raise ValueError(f"a model can measure intervals from 1 to {ANCHORS} anchors, not {config.anchors}")
            self.interval_scores = nn.Linear(config.hidden_size, config.anchors * (2 * config.interval_reach + 1))
        if config.rhythm_memory:
            self.wait_weights = nn.Linear(config.hidden_size, rhythm_memory.FEATURES)
            self.length_weights = nn.Linear(config.hidden_size, rhythm_memory.FEATURES)

    def forward(self, tokens: torch.Tensor, state: State | None = None,
                side: Side | None = None) -> tuple[torch.Tensor, State]:
        """tokens (batch, time) -> logits (batch, time, vocab) and the LSTM state after the last step.

        ``side`` holds, per position, what the model reads beside its tokens, keyed by the option
        that turns it on (``engine.encoding.side_inputs.model_arguments`` makes it): with ``context`` the
        pitches sounding (batch, time, pitches) and the step in the bar (batch, time), from
        ``engine.encoding.context``; with ``pitch_memory`` the ages and held notes (batch, time, pitches)
        and the anchors (batch, time, ANCHORS) of ``engine.encoding.pitch_memory``; with ``rhythm_memory``
        the wait marks, length marks and phases of ``engine.encoding.rhythm_memory``; with ``controls`` the
        controls of the bar each position is in and of the next (batch, time, 2, RAW) of
        ``engine.encoding.controls``.
        """
        side = side or {}
        x = self._inputs(tokens, side)
        x = self.dropout(x)
        out, state = self.lstm(x, state)
        return self._scores(self.dropout(out), side), state

    def _inputs(self, tokens, side: Side, control_vectors=None) -> torch.Tensor:
        x = self.embedding(tokens)
        if self.config.context:
            context = side.get("context")
            if context is None:
                raise ValueError("this model needs the held notes and bar positions of its input")
            sounding, position = context
            held = torch.nn.functional.linear(sounding.to(x.dtype), self.held_notes.weight)
            x = x + held + torch.nn.functional.embedding(position, self.bar_position.weight)
        if self.config.controls:
            if control_vectors is None:
                controls = side.get("controls")
                if controls is None:
                    raise ValueError("this model needs the controls of its input")
                control_vectors = self.control_vectors(controls)
            x = x + control_vectors
        if self.config.lookback:
            repeats = self._needs(side, "lookback", "what was played a bar and two bars ago")[2]
            x = x + torch.nn.functional.linear(repeats.to(x.dtype), self.repeat_input.weight)
        if self.config.harmony and side.get("harmony") is not None:      # left out: hidden, it adds nothing
            x = x + chord_input(side["harmony"][0], self._chord_lookup()).to(x.dtype)
        if self.config.phrase_position:
            place = self._needs(side, "phrase_position", "the place of each bar in its phrase")
            x = x + torch.nn.functional.embedding(place.long(), self.phrase_bars.weight)
        return x

    def _chord_lookup(self) -> torch.Tensor:
        """``chord_lookup`` of the chord input's weight: worked out afresh while training, kept
        between the steps of generation (until the weight changes)."""
        weight = self.chord_input.weight
        if torch.is_grad_enabled():
            return chord_lookup(weight)
        cached = self.__dict__.get("_chord_lookups")
        if cached is None or cached[0] != weight._version or cached[1] is not weight:
            cached = (weight._version, weight, chord_lookup(weight.detach()))
            object.__setattr__(self, "_chord_lookups", cached)
        return cached[2]

    @staticmethod
    def _needs(side: Side, name: str, what: str):
        found = side.get(name)
        if found is None:
            raise ValueError(f"this model needs {what}")
        return found

    def control_vectors(self, controls: torch.Tensor) -> torch.Tensor:
        """(..., 2, RAW) controls of a bar and the next -> (..., embedding) what the network adds
        to its input (generation works these out once per bar)."""
        return self.control_input(control_features(controls).flatten(-2))

    def _scores(self, out: torch.Tensor, side: Side, terms: dict | None = None, half: bool = False) -> torch.Tensor:
        """The softmax's logits: one row per token, and with ``pitch_memory`` each pitch's logit
        plus scores shared by all pitches: for what the memory says of it, and for its interval
        from each anchor; with ``rhythm_memory`` each wait's and length's logit plus scores shared
        by all durations, for what it lines up with; with ``control_scores`` each pitch's logit plus
        scores for how much its bar asks for its pitch class and for where it lies against the
        bar's lowest, highest and middle note. ``half``: the read-out's weights at half precision
        (``half_weights.py``; generation's one-token steps)."""
        r = self._read_out(out, half)
        logits = r["head"]
        if self.config.lookback or self.config.harmony:
            logits = self._lookback_and_harmony_scores(logits, r, side)
        if self.config.rhythm_memory:
            logits = self._rhythm_scores(logits, r, side.get("rhythm_memory"))
        if self.config.control_scores or self.config.rhythm_scores:
            if terms is None:
                controls = side.get("controls")
                if controls is None:
                    raise ValueError("this model needs the controls of its input")
                terms = self.control_terms(controls[..., 0, :])
            if "matrix" in terms:                                   # both kinds of score in one product
                weights = torch.cat([r[name] for name in self.CONTROL_READ_OUTS if name in r], -1)
                matrix = terms["matrix"]
                if "bar" not in terms:                              # every row in one bar
                    added = weights @ matrix
                else:                                               # each bar's matrix, and each row's bar
                    bars = terms["bar"]
                    added = weights.new_empty(weights.size(0), matrix.size(-1))
                    for bar in bars.unique().tolist():              # rows by bar: one product each
                        rows = (bars == bar).nonzero().squeeze(1)
                        added[rows] = weights[rows] @ matrix[bar]
                logits = logits + added
            elif self.config.control_scores:
                logits = self._control_scores(logits, r, terms)
            if self.config.rhythm_scores and "matrix" not in terms:
                logits = self._spacing_scores(logits, r, terms)
        if not self.config.pitch_memory:
            return logits
        memory = side.get("pitch_memory")
        if memory is None:
            raise ValueError("this model needs the pitch memory of its input")
        ages, held, anchors = memory
        c = self.config
        by_memory = memory_scores(ages, held, r["memory_weights"])
        reach = c.interval_reach
        scores = r["interval_scores"].unflatten(-1, (c.anchors, 2 * reach + 1))
        scores = torch.nn.functional.pad(scores, (0, 1))            # the last slot scores 0
        by_interval = scores.gather(-1, interval_index(anchors[..., :c.anchors], c.pitches, reach)).sum(-2)
        first = self._first_pitch()
        pitch_logits = logits[..., first:first + c.pitches] + by_memory + by_interval
        return torch.cat([logits[..., :first], pitch_logits, logits[..., first + c.pitches:]], -1)

    def _first_pitch(self) -> int:
        """The token id of the lowest pitch, which the constructor requires of a model that scores pitches."""
        if self.config.first_pitch is None:
            raise RuntimeError("a model that scores pitches was built without the token id of its lowest pitch")
        return self.config.first_pitch

    READ_OUTS = ("head", "key_weight", "register_scores", "rhythm_weight", "memory_weights", "interval_scores",
                 "wait_weights", "length_weights", "lookback_weights", "harmony_weights")
    CONTROL_READ_OUTS = ("key_weight", "register_scores", "rhythm_weight")

    def _read_out(self, out: torch.Tensor, half: bool = False) -> dict[str, torch.Tensor]:
        """Every linear read-out of the LSTM's output (the softmax's row per token, and the weights
        of the shared scores). Without gradients they are one matrix product with the layers'
        weights side by side (generation calls this once per token: one product beats several),
        with ``half`` at half precision."""
        names, layers, _ = self._read_out_layers()
        if torch.is_grad_enabled() or len(layers) == 1:
            return {n: layer(out) for n, layer in zip(names, layers)}
        names, weight, bias, sizes, halved = self.read_out_weights()
        rows = out.reshape(-1, out.size(-1))
        flat = (halved(rows) if half else torch.addmm(bias, rows, weight)).reshape(*out.shape[:-1], -1)
        return dict(zip(names, flat.split(sizes, -1)))

    def _read_out_layers(self) -> tuple[list[str], list[nn.Linear], list[torch.Tensor]]:
        found = self.__dict__.get("_read_out_layers_found")
        if found is None:                      # the layers a model has are fixed when it is built
            names = [n for n in self.READ_OUTS if hasattr(self, n)]
            layers = [getattr(self, n) for n in names]
            found = (names, layers, [p for layer in layers for p in (layer.weight, layer.bias)])
            object.__setattr__(self, "_read_out_layers_found", found)
        return found

    def read_out_weights(self) -> tuple[list[str], torch.Tensor, torch.Tensor, list[int], HalfWeights]:
        """Every linear read-out side by side, made once (again only after the weights change): the
        read-outs' names, the weight (hidden, outputs), the bias, each one's width, and the product
        at half precision. The softmax's row per token (``head``) comes first."""
        names, layers, params = self._read_out_layers()
        version = [p._version for p in params]
        cached = self.__dict__.get("_read_outs")
        if cached is None or cached[0] != version:
            with torch.no_grad():
                weight = torch.cat([layer.weight for layer in layers]).t().contiguous()
                bias = torch.cat([layer.bias for layer in layers])
            sizes = [layer.out_features for layer in layers]
            cached = (version, weight, bias, sizes, HalfWeights(weight, bias))
            object.__setattr__(self, "_read_outs", cached)
        _, weight, bias, sizes, halved = cached
        return names, weight, bias, sizes, halved

    def control_terms(self, bar: torch.Tensor) -> dict[str, torch.Tensor]:
        """What the control and rhythm scores need of a bar's controls (``bar``: (..., RAW), the
        bar a position is in), worked out once: generation keeps them per bar, not per step.
        Per pitch the log share its bar asks of the pitch's class and whether it asks for it
        (zero when the key is hidden); per register anchor (lowest, highest, middle note) where
        each pitch lies; per wait the log share of onsets that far apart and whether any are."""
        c, bar = self.config, bar.float()
        terms = {}
        if c.control_scores:
            profile = bar[..., KEY_VALUES]
            classes = torch.arange(c.pitches, device=bar.device) % 12
            by_class = torch.stack([torch.log(profile + 0.02) - math.log(0.02), (profile > 0).float()], -1)
            terms["by_class"] = by_class[..., classes, :] * bar[..., KEY_FLAG, None, None]   # (..., pitches, 2)
            known = bar[..., REGISTER_FLAG] > 0
            anchors = torch.stack([bar[..., LOW], bar[..., HIGH], bar[..., MEAN]], -1).round()
            anchors = torch.where(known.unsqueeze(-1), anchors, torch.full_like(anchors, -1)).long()
            terms["register"] = interval_index(anchors, c.pitches, c.register_reach)            # (..., 3, pitches)
        if c.rhythm_scores:
            waits = torch.arange(1, c.max_wait + 1, device=bar.device)
            bins = (waits / c.steps_per_sixteenth).round().clamp(1, 9).long() - 1
            shares = bar[..., RHYTHM_VALUES][..., bins]                                        # (..., waits)
            by_share = torch.stack([torch.log(shares + 0.02) - math.log(0.02), (shares > 0).float()], -1)
            terms["by_share"] = by_share * bar[..., RHYTHM_FLAG, None, None]                    # (..., waits, 2)
        return terms

    def control_matrix(self, terms: dict[str, torch.Tensor]) -> torch.Tensor:
        """(..., K, vocab): the control and rhythm scores of ``control_terms`` as one linear map
        from the K weights the LSTM state gives them (``key_weight``, ``register_scores``,
        ``rhythm_weight``, side by side) to every token's logit. Generation works it out once per
        bar and adds both kinds of score with one matrix product a step (``step``'s ``control_terms``
        as ``{"matrix": one bar's (K, vocab)}`` when every row is in that bar, or ``{"matrix": every
        bar's, "bar": each row's bar}``); the sums are the same as ``_control_scores`` and ``_spacing_scores``."""
        c = self.config
        parts = []
        lead = (terms["by_class"] if c.control_scores else terms["by_share"]).shape[:-2]
        vocab = c.vocab_size
        if c.control_scores:
            first = self._first_pitch()
            by_class = terms["by_class"]                                       # (..., pitches, 2)
            key = by_class.new_zeros(*lead, 2, vocab)
            key[..., first:first + c.pitches] = by_class.transpose(-1, -2)
            width = 2 * c.register_reach + 1
            index = terms["register"]                                          # (..., 3, pitches): width = none
            slots = torch.nn.functional.one_hot(index, width + 1)[..., :width].to(by_class.dtype)  # (..., 3, p, w)
            register = by_class.new_zeros(*lead, 3 * width, vocab)
            register[..., first:first + c.pitches] = slots.transpose(-1, -2).flatten(-3, -2)
            parts += [key, register]
        if c.rhythm_scores:
            by_share = terms["by_share"]                                       # (..., waits, 2)
            spacing = by_share.new_zeros(*lead, 2, vocab)
            first_wait = FIRST_WAIT
            spacing[..., first_wait:first_wait + c.max_wait] = by_share.transpose(-1, -2)
            parts.append(spacing)
        return torch.cat(parts, -2)

    def _control_scores(self, logits: torch.Tensor, r: dict, terms: dict) -> torch.Tensor:
        """Pitch logits plus, with weights from the LSTM state shared by all pitches: the log of the
        share its bar asks of the pitch's class (and whether it asks for it at all), and a score for
        its distance from the bar's lowest, highest and middle note."""
        c = self.config
        by_key = (terms["by_class"] * r["key_weight"].unsqueeze(-2)).sum(-1)    # (..., pitches)
        reach = c.register_reach
        table = torch.nn.functional.pad(r["register_scores"].unflatten(-1, (3, 2 * reach + 1)), (0, 1))
        by_register = table.gather(-1, terms["register"]).sum(-2)
        first = self._first_pitch()
        pitch_logits = logits[..., first:first + c.pitches] + by_key + by_register
        return torch.cat([logits[..., :first], pitch_logits, logits[..., first + c.pitches:]], -1)

    def _spacing_scores(self, logits: torch.Tensor, r: dict, terms: dict) -> torch.Tensor:
        """Wait logits plus, with weights from the LSTM state shared by all waits: the log of the
        share of its bar's onsets that come that many sixteenths apart (and whether any do)."""
        first_wait = FIRST_WAIT
        by_spacing = (terms["by_share"] * r["rhythm_weight"].unsqueeze(-2)).sum(-1)
        end = first_wait + self.config.max_wait
        return torch.cat([logits[..., :first_wait], logits[..., first_wait:end] + by_spacing, logits[..., end:]], -1)

    def _lookback_and_harmony_scores(self, logits: torch.Tensor, r: dict, side: Side) -> torch.Tensor:
        """Wait, length and pitch logits (one run of tokens) plus, with weights from the LSTM state
        shared by all of them: what was played one and two bars ago at this place (``lookback``),
        and where each pitch stands in the chord now and the next and which wait lands on the
        change (``harmony``)."""
        c = self.config
        first_wait, end = FIRST_WAIT, self._first_pitch() + c.pitches
        added = None
        if c.lookback:
            timing, pitches, _ = self._needs(side, "lookback", "what was played a bar and two bars ago")
            added = lookback_memory.lookback_scores(r["lookback_weights"], timing, pitches, c.max_wait)
        if c.harmony and side.get("harmony") is not None:           # left out: hidden, it adds nothing
            _, timing, pitches = side["harmony"]
            by_chord = harmony_scores(r["harmony_weights"], timing, pitches, c.max_wait)
            added = by_chord if added is None else added + by_chord
        if added is None:
            return logits
        out = logits.clone()                     # one copy and one sum in place: fewer steps than joining slices
        out[..., first_wait:end] += added
        return out

    def _rhythm_scores(self, logits: torch.Tensor, r: dict, rhythm: Rhythm | None) -> torch.Tensor:
        if rhythm is None:
            raise ValueError("this model needs the rhythm memory of its input")
        waits, lengths, phases = rhythm
        bar = self.config.bar_steps
        first_wait = FIRST_WAIT
        first_length = first_wait + waits.size(-1)
        first_pitch = first_length + lengths.size(-1)
        by_wait = (rhythm_memory.rhythm_features(waits, phases[..., 0], bar) * r["wait_weights"].unsqueeze(-2)).sum(-1)
        by_length = (rhythm_memory.rhythm_features(lengths, phases[..., 1], bar)
                     * r["length_weights"].unsqueeze(-2)).sum(-1)
        return torch.cat([logits[..., :first_wait], logits[..., first_wait:first_length] + by_wait,
                          logits[..., first_length:first_pitch] + by_length, logits[..., first_pitch:]], -1)

    @torch.no_grad()
    def step(self, tokens: torch.Tensor, state: State, side: Side | None = None,
             control_vectors: torch.Tensor | None = None, control_terms: dict | None = None,
             half: bool = False) -> tuple[torch.Tensor, State]:
        """One token per row (batch,) -> logits (batch, vocab): what ``forward`` gives for a
        length-1 input, computed with each layer's gates in one fused matrix product, which is
        about 1.5x faster than ``nn.LSTM`` for a single step. For generation (eval mode).
        ``side`` as for ``forward``, one row per token; ``control_vectors`` (batch, embedding) and
        ``control_terms`` (from ``control_vectors`` and ``control_terms`` of each row's bar) may
        stand for its ``controls``. ``half``: the weights at half precision (``half_weights.py``),
        about 1.4x faster again; the logits move by about a thousandth of a nat."""
        side = side or {}
        x = self._inputs(tokens, side, control_vectors)
        if ((self.config.control_scores or self.config.rhythm_scores) and "controls" not in side
                and control_terms is None):
            raise ValueError("this model's step needs the controls of each row, not only their vectors")
        fused = self.fused_weights()
        h0, c0 = state
        hs, cs = [], []
        n = self.config.hidden_size
        for layer, (weight, bias, halved) in enumerate(fused):
            rows = torch.cat([x, h0[layer]], 1)
            gates = halved(rows) if half else torch.addmm(bias, rows, weight)
            squashed = torch.sigmoid(gates)                         # input, forget, (cell), output gates
            c = torch.addcmul(squashed[:, n:2 * n] * c0[layer], squashed[:, :n], torch.tanh(gates[:, 2 * n:3 * n]))
            x = squashed[:, 3 * n:] * torch.tanh(c)
            hs.append(x)
            cs.append(c)
        return self._scores(x, side, control_terms, half), (torch.stack(hs), torch.stack(cs))

    def fused_weights(self) -> list[tuple[torch.Tensor, torch.Tensor, HalfWeights]]:
        """Each LSTM layer's gates as one product: the weight (input + hidden, 4 hidden), the bias and
        the product at half precision, made once (again only after the weights change)."""
        params = self.__dict__.get("_lstm_parameters")
        if params is None:
            params = list(self.lstm.parameters())
            object.__setattr__(self, "_lstm_parameters", params)
        version = tuple(p._version for p in params)
        cached = getattr(self, "_fused", None)
        if cached is None or cached[0] != version:
            lstm = self.lstm
            fused = []
            for k in range(lstm.num_layers):
                with torch.no_grad():                      # a copy for generation, outside autograd
                    weight = torch.cat([getattr(lstm, f"weight_ih_l{k}"), getattr(lstm, f"weight_hh_l{k}")], 1)
                    weight = weight.t().contiguous()
                    bias = getattr(lstm, f"bias_ih_l{k}") + getattr(lstm, f"bias_hh_l{k}")
                fused.append((weight, bias, HalfWeights(weight, bias)))
            cached = (version, fused)
            object.__setattr__(self, "_fused", cached)
        return cached[1]

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())
