"""Generation's matrix products with the weights kept at half precision.

Writing a take, the network reads one token per take per step: each LSTM layer and the read-out
is a product of a few rows (the takes) with a large weight matrix. On a laptop's CPU such a product
is limited by reading the weights from memory, not by arithmetic, and the general-purpose matrix
product is slow for so few rows. FBGEMM (inside torch on x86) has a product made for this: the
weights packed once at half precision, the rows and the result kept at full precision. It reads
half the bytes; for the default model's layers it takes about 75 µs where the general product
takes 190 µs (4 rows; ``benchmarks/engine_speed.py``).

Half precision keeps 11 significant bits of each weight: the logits move by about a thousandth of
a nat, so a take now and then picks another token where two were nearly tied; the same seed still
gives the same music. Training, scoring and the model's likelihood use the full weights. Where
FBGEMM is missing (a torch built without it, a CPU without AVX2) the full-precision product is used.
"""

from __future__ import annotations

import warnings

import torch


class HalfWeights:
    """``bias + rows @ weight`` for a fixed ``weight`` (in, out), its packing made once."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor):
        self.weight, self.bias = weight, bias
        self.packed = _pack(weight) if weight.device.type == "cpu" else None

    def __call__(self, rows: torch.Tensor) -> torch.Tensor:
        if self.packed is None or rows.dtype != torch.float32:
            return torch.addmm(self.bias, rows, self.weight)
        return torch.fbgemm_linear_fp16_weight(rows.contiguous(), self.packed, self.bias)


def available() -> bool:
    """True where the half-precision product can be used (torch has FBGEMM and the CPU runs it)."""
    return _pack(torch.zeros(8, 8)) is not None


def _pack(weight: torch.Tensor) -> torch.Tensor | None:
    if "fbgemm" not in torch.backends.quantized.supported_engines or not hasattr(torch, "fbgemm_linear_fp16_weight"):
        return None
    try:
        with warnings.catch_warnings():         # torch 2.13 warns, once, that these may go: the fallback is ready
            warnings.simplefilter("ignore")
            packed = torch.fbgemm_pack_gemm_matrix_fp16(weight.detach().float().t().contiguous())
            torch.fbgemm_linear_fp16_weight(torch.zeros(1, weight.size(0)), packed, torch.zeros(weight.size(1)))
        return packed
    except (RuntimeError, NotImplementedError):             # a CPU FBGEMM does not support, a torch without it
        return None
