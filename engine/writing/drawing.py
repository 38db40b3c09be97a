"""Drawing a token from the network's scores: temperature and top-p, and the log-probabilities a
writer keeps of what it drew (``writer.py``)."""

from __future__ import annotations

import numpy as np
import torch


def draw(logits: np.ndarray, temperature: float, top_p: float, generator: torch.Generator):
    """One token per row from softmax(logits / temperature), keeping the smallest set of likeliest
    tokens whose probability reaches ``top_p`` (nucleus sampling). Drawn by inverting the
    cumulative distribution: one uniform number per row, no token of probability 0 ever chosen.
    Returns the tokens and the probability each had of being drawn (numpy arrays)."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    scaled -= scaled.max(-1, keepdims=True)              # in place: a few rows a step, each call counts
    probs = nucleus(np.exp(scaled, out=scaled), top_p)
    cumulative = probs.cumsum(-1)
    total = cumulative[:, -1]
    uniform = torch.rand(probs.shape[0], generator=generator, dtype=torch.float64).numpy() * total
    chosen = np.minimum((cumulative <= uniform[:, None]).sum(-1), probs.shape[-1] - 1)
    rows = np.arange(probs.shape[0])
    # the very top of the cumulative sum may round below the uniform draw: take the last token with any probability
    empty = probs[rows, chosen] <= 0
    if empty.any():
        last = probs.shape[-1] - 1 - np.argmax(probs[:, ::-1] > 0, -1)
        chosen = np.where(empty, last, chosen)
    return chosen, probs[rows, chosen] / total


def nucleus(probs: np.ndarray, top_p: float) -> np.ndarray:
    """``probs`` (rows of weights, not necessarily summing to 1) with every token outside each
    row's nucleus set to 0: the nucleus is the likeliest tokens, down to the one whose turn brings
    their share to ``top_p`` (and any as likely as it)."""
    if top_p >= 1.0:
        return probs
    ranked = np.sort(probs, axis=-1)[..., ::-1]
    cumulative = ranked.cumsum(-1)
    reached = np.minimum((cumulative < top_p * cumulative[..., -1:]).sum(-1), probs.shape[-1] - 1)
    if ranked.ndim == 2:                                  # rows of a batch: one look-up, not take_along_axis
        floor = ranked[np.arange(len(ranked)), reached][:, None]
    else:
        floor = np.take_along_axis(ranked, reached[..., None], -1)
    return probs * (probs >= floor)


def log_softmax(logits: np.ndarray, banned: np.ndarray) -> np.ndarray:
    """log-softmax of each row over the tokens not banned (banned ones get -inf)."""
    masked = np.where(banned, -np.inf, np.asarray(logits, dtype=np.float64))
    top = masked.max(-1, keepdims=True)
    return masked - top - np.log(np.exp(masked - top).sum(-1, keepdims=True))
