"""Generation's per-token step on buffers made once: the network's one token per take per step,
with as few calls from Python as the arithmetic allows.

Writing a take costs a few hundred steps, and in each the network does little arithmetic (a few
rows times a few matrices) but, stepped through ``MusicLSTM.step``, many small calls: the input's
parts added up, each LSTM layer's gates, the read-outs split into named pieces and joined again,
new tensors for every state. On a laptop's CPU each small call costs more than its arithmetic.
``Stepper`` does the same sums for the whole batch of takes on buffers allocated once:

- the input (token embedding, held notes, step in the bar, the bar's control vector) is gathered
  into the first columns of layer 1's input row, whose last columns already hold layer 1's output
  of the step before (each layer writes its output where its own next step and the next layer
  read it: no concatenation, no copy of the state);
- each layer's gates are one matrix product (``half_weights.HalfWeights``: packed at half precision
  when ``half``, else the full weights), squashed in place;
- the read-out is one product whose first columns are the tokens' logits and whose last the
  weights of the control and spacing scores, added with one product by the bar's matrix
  (``MusicLSTM.control_matrix``).

With ``half=False`` the logits are those of ``MusicLSTM.forward`` (within float rounding, 1e-5;
``tests/engine/model/test_stepping.py``); with ``half=True`` they move by about a thousandth of a
nat, as ``MusicLSTM.step(half=True)``'s do. Models that read pitch or rhythm memory, lookback or
the phrase position, and a harmony model given chords, are stepped by ``MusicLSTM.step``
(``Stepper.handles`` says which).
"""

from __future__ import annotations

import weakref

import numpy as np
import torch

from ..encoding import harmony_input
from ..encoding.tokens import FIRST_WAIT
from .half_weights import HalfWeights
from .network import MusicLSTM, State


class Stepper:
    """The network of ``model`` stepped one token per row for ``rows`` rows (eval mode, no grad)."""

    @staticmethod
    def handles(model: MusicLSTM) -> bool:
        """True for a network this step computes: any but those reading pitch or rhythm memory,
        lookback or the phrase position (``MusicLSTM.step`` steps those). A model reading harmony
        is stepped here with its chords given (``chords=True``) or hidden."""
        c = model.config
        return not (c.pitch_memory or c.rhythm_memory or c.lookback or c.phrase_position or model.training)

    def __init__(self, model: MusicLSTM, rows: int, half: bool = True, chords: bool = False):
        """``chords``: a model reading harmony is given chords at each step (``step``'s ``harmony``);
        without, they are hidden, which adds nothing to its input or its scores (``MusicLSTM.forward``):
        its chords' read-out is left unread."""
        if not self.handles(model):
            raise ValueError("this network reads pitch or rhythm memory, lookback or the phrase position "
                             "(or is training): step it with MusicLSTM.step")
        c = model.config
        self.config, self.rows, self.half = c, rows, half
        self.vocab_size, n, e = c.vocab_size, c.hidden_size, c.embedding_size
        p = {name: value.detach() for name, value in model.named_parameters()}
        self.embedding = p["embedding.weight"].numpy()
        self.held = p["held_notes.weight"].t() if c.context else torch.zeros(0, e)        # (pitches, embedding)
        self.bar_position = p["bar_position.weight"].numpy() if c.context else np.zeros((0, e), np.float32)
        # the products of each layer and of the read-out, made once per model (``MusicLSTM``'s caches)
        self.layers = [halved if half else _FullWeights(weight, bias) for weight, bias, halved in model.fused_weights()]
        names, weight, bias, sizes, halved = model.read_out_weights()
        self.chords = bool(chords and c.harmony)
        self.chord_width = sizes[-1] if self.chords else 0
        if c.harmony:                                     # the chords' score weights: read out last
            if names[-1] != "harmony_weights":
                raise ValueError("this step expects a harmony model's chord weights read out last")
            names = names[:-1]
            if not self.chords:                           # hidden: left unread
                weight, bias, halved = _without_last(weight, bias, sizes[-1])
        extra = [name for name in names if name not in ("head", *MusicLSTM.CONTROL_READ_OUTS)]
        if extra:
            raise ValueError(f"the step does not read out {', '.join(extra)}")
        self.read_out = halved if half else _FullWeights(weight, bias)
        self.scored = len(names) > 1                      # control or spacing scores, by the bar's matrix
        if self.chords:                                   # what each chord adds to the input, as one table
            self.chord_lookup = model._chord_lookup().detach().float().numpy()
            self.chord_offsets = harmony_input.lookup_offsets()
            self.chord_inputs: dict[bytes, np.ndarray] = {}   # the rows' chords -> their input (a span shares it)
            # the waits, lengths and pitches the chords score: one run of tokens from the first wait;
            # their scores: the score of each code (one product), then each token's code's (one gather)
            self.chord_scored = model._first_pitch() + c.pitches - FIRST_WAIT
            timing = self.chord_scored - c.pitches
            block, offsets = harmony_input.score_table(c.max_wait, timing - c.max_wait, c.pitches).tables()
            self.code_scores = torch.empty(rows, block.size(1))
            self.chord_block = block
            self.codes = np.empty((rows, self.chord_scored), dtype=np.int64)
            self.codes_tensor = torch.from_numpy(self.codes)
            at = offsets.numpy()
            self.code_parts = [(self.codes[:, :timing], at[:timing]), (self.codes[:, timing:], at[timing:])]
            self.chord_scores = torch.empty(rows, self.chord_scored)
        # Buffers, and every view of them a step reads or writes, made once: a slice of a tensor
        # costs a Python call, as much as the arithmetic on it. Each layer's input row is
        # [its input | its own output of the step before]; the top layer's output has a row of its own.
        self.rows_in = [torch.zeros(rows, (e if k == 0 else n) + n) for k in range(c.layers)]
        self.inputs = [row[:, :-n] for row in self.rows_in]
        self.outputs = [row[:, -n:] for row in self.rows_in]
        self.top = torch.zeros(rows, n)
        self.cells = [torch.zeros(rows, n) for _ in range(c.layers)]
        self.gates = torch.empty(rows, 4 * n)
        self.squashed = torch.empty(rows, 4 * n)
        self.gate_views = (self.squashed[:, :n], self.squashed[:, n:2 * n], self.gates[:, 2 * n:3 * n],
                           self.squashed[:, 3 * n:])
        self.cell_input = torch.empty(rows, n)
        self.squashed_cell = torch.empty(rows, n)
        self.input_row = self.rows_in[0].numpy()[:, :e]
        self.gathered = np.empty((rows, e), dtype=np.float32)
        self.sounding = torch.zeros(rows, c.pitches)
        self.held_product = torch.zeros(rows, e)
        self.split = [self.vocab_size] + ([self.chord_width] if self.chords else [])   # the read-out's parts
        self.vectors: np.ndarray | None = None
        self.matrices: list[torch.Tensor] = []

    def start(self, state: State, vectors: torch.Tensor | None = None, matrix: torch.Tensor | None = None) -> None:
        """Begin from ``state`` ((layers, rows, hidden) each, as ``forward`` returns it); ``vectors``
        (bars, embedding) are the control vectors of each bar (``MusicLSTM.control_vectors``) and
        ``matrix`` (bars, K, vocab) its scores' matrix (``MusicLSTM.control_matrix``), for a model
        with controls."""
        h, c = state
        for k, out in enumerate(self.outputs):
            out.copy_(h[k])
            self.cells[k].copy_(c[k])
        self.top.copy_(h[-1])
        self.vectors = None if vectors is None else vectors.detach().float().contiguous().numpy()
        self.matrices = [] if matrix is None else list(matrix.detach().float().contiguous())
        if self.matrices:
            self.split = [self.vocab_size, self.matrices[0].size(0)] + ([self.chord_width] if self.chords else [])

    def state(self) -> State:
        """The LSTM state now (copies), as ``forward`` would return it."""
        return torch.stack([out.clone() for out in self.outputs]), torch.stack(self.cells)

    def step(self, tokens: np.ndarray, sounding: np.ndarray | None = None, position: np.ndarray | None = None,
             bars: np.ndarray | None = None, harmony: tuple | None = None) -> np.ndarray:
        """Read one token per row and return the next token's logits, (rows, vocab) float32.
        ``sounding`` (rows, pitches) and ``position`` (rows,): the held notes and steps in the bar
        (a model with ``context``); ``bars`` (rows,): the bar each row is in, whose control vector
        and matrix ``start`` was given (a model with controls; past the last, the last); ``harmony``
        the arrays ``harmony_input.harmony_arrays`` gives each row (chord, timing, pitches), for a
        step made with ``chords``."""
        c = self.config
        x = self.input_row                                      # the input, added up in numpy (small calls)
        np.take(self.embedding, tokens, axis=0, out=self.gathered)
        if c.context:
            if sounding is None or position is None:
                raise ValueError("this model needs the held notes and bar positions of its input")
            # torch's product, not numpy's: numpy's BLAS threads wait on one another on a busy CPU
            self.sounding.numpy()[:] = sounding
            torch.mm(self.sounding, self.held, out=self.held_product)
            np.add(self.gathered, self.held_product.numpy(), out=x)
            x += self.bar_position[position]
        else:
            x[:] = self.gathered
        if c.controls:
            if bars is None or self.vectors is None:
                raise ValueError("this model needs the bar of each row and the control vectors of each bar")
            bars = np.minimum(bars, len(self.vectors) - 1)
            x += self.vectors[bars]
        if self.chords:
            if harmony is None:
                raise ValueError("this step was made for chords: give each row's harmony")
            ids = np.asarray(harmony[0])[:, :4]
            key = ids.tobytes()
            added = self.chord_inputs.get(key)
            if added is None:
                added = self.chord_lookup[ids.astype(np.int64) + self.chord_offsets].sum(1)
                if len(self.chord_inputs) > 256:
                    self.chord_inputs.clear()
                self.chord_inputs[key] = added
            x += added
        gates, squashed, squashed_cell, cell_input = self.gates, self.squashed, self.squashed_cell, self.cell_input
        i, f, g, o = self.gate_views
        last = len(self.layers) - 1
        for k, product in enumerate(self.layers):
            gates.copy_(product(self.rows_in[k]))
            torch.sigmoid(gates, out=squashed)                  # input, forget, (cell), output gates
            torch.tanh(g, out=cell_input)
            cell = self.cells[k]
            cell.mul_(f).addcmul_(i, cell_input)
            torch.tanh(cell, out=squashed_cell)
            torch.mul(o, squashed_cell, out=self.outputs[k])
            (self.inputs[k + 1] if k < last else self.top).copy_(self.outputs[k])
        flat = self.read_out(self.top)
        if self.scored and (not self.matrices or bars is None):
            raise ValueError("this model's step needs the matrix of each row's bar")
        parts = torch.split_with_sizes(flat, self.split, 1) if len(self.split) > 1 else (flat,)
        logits = parts[0]
        if self.chords and harmony is not None:                # each token's code: the chords' codes + offsets
            for (codes, offsets), given in zip(self.code_parts, harmony[1:]):
                np.add(np.asarray(given), offsets, out=codes)
            torch.mm(parts[-1], self.chord_block, out=self.code_scores)
            torch.gather(self.code_scores, 1, self.codes_tensor, out=self.chord_scores)
            logits.narrow(1, FIRST_WAIT, self.chord_scored).add_(self.chord_scores)
        if not self.scored:
            return logits.numpy()
        weights = parts[1]
        assert bars is not None                                # (refused above)
        first = int(bars[0])
        if (bars == first).all():                                # every row in one bar: one product
            return torch.addmm(logits, weights, self.matrices[first]).numpy()
        logits = logits.clone()
        for bar in sorted(set(bars.tolist())):                  # rows by bar: one product each
            at = torch.from_numpy(np.flatnonzero(bars == bar))
            logits[at] += weights[at] @ self.matrices[bar]
        return logits.numpy()


_UNREAD: dict[int, tuple] = {}    # id of a read-out weight -> (a reference to it, width, weight, bias, product)


def _without_last(weight: torch.Tensor, bias: torch.Tensor, width: int) -> tuple:
    """The read-out ``weight``, ``bias`` (``MusicLSTM.read_out_weights``) without its last ``width``
    outputs, and their half-precision product: made once per read-out (every Continue, ghost and
    Jam answer of a model whose chords are hidden asks for it)."""
    found = _UNREAD.get(id(weight))
    if found is None or found[0]() is not weight or found[1] != width:
        kept = weight.size(1) - width
        w, b = weight[:, :kept].contiguous(), bias[:kept].contiguous()
        found = (weakref.ref(weight), width, w, b, HalfWeights(w, b))
        for key in [key for key, entry in _UNREAD.items() if entry[0]() is None]:
            del _UNREAD[key]                                  # read-outs of models let go
        _UNREAD[id(weight)] = found
    return found[2:]


class _FullWeights:
    """``bias + rows @ weight`` at full precision (``HalfWeights``' counterpart)."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor):
        self.weight, self.bias = weight, bias

    def __call__(self, rows: torch.Tensor) -> torch.Tensor:
        return torch.addmm(self.bias, rows, self.weight)
