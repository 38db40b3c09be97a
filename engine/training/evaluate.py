"""How well a model predicts music it has not seen: nats per token, bits per note, NLL per step.

For a Boulanger-Lewandowski pickle the figure is the one in the published table: the negative
log-likelihood the model gives each split's pieces, summed over all pieces and divided by their
total number of time steps. The tokens of a piece spell its piano roll exactly (every step's set of
sounding pitches, and the number of steps), so the probability of the piano roll is at least that
of its tokens: the figure is an honest upper bound on the model's NLL per step.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from ..encoding.tokens import PAD, encode


def bits_per_note(nats: float, notes: int) -> float:
    """A total negative log-likelihood in nats as bits per note of the music scored (none: per 1)."""
    return nats / math.log(2) / max(notes, 1)


@torch.no_grad()
def score_sequences(model, sequences: Sequence[Sequence[int]], vocab=None, device="cpu", batch_size: int = 16,
                    chunk: int = 512, progress: Callable[[int, int], None] | None = None,
                    grammar: bool = True, metres: Sequence[tuple[int, int]] | None = None,
                    hidden_controls: bool = False) -> dict:
    """Total NLL (nats) of each sequence's tokens after the first, given the ones before.

    Whole sequences are scored from their start with the LSTM state carried through, in chunks
    of ``chunk`` steps so memory stays bounded. With ``vocab`` the softmax is taken over the
    tokens the spelling rules allow (see ``grammar.py``). ``metres`` gives each sequence's bar
    length in steps and steps per quarter note (models that count bars in the music's metre or
    read controls need them). A model with controls (or harmony) reads each bar's own controls
    (and chords), measured from the music (what it writes to when asked to follow), or none with
    ``hidden_controls``: its likelihood of the music with nothing given away. Returns totals and per-sequence NLL.
    """
    from ..encoding.grammar import Grammar, spelling_state
    from ..encoding.side_inputs import batch_inputs, foretelling, model_arguments, needs_side_inputs, stream_inputs
    rules = Grammar(vocab, device) if vocab is not None and grammar else None
    config = getattr(model, "config", None)
    reads_more = needs_side_inputs(config)
    if reads_more and vocab is None:
        raise ValueError("scoring a model that reads held notes or pitch memory needs its vocabulary")
    was_training = model.training
    model.eval()
    lengths = [len(sequences[i]) for i in range(len(sequences))]     # sequences may be read from disk
    order = sorted(range(len(sequences)), key=lambda i: lengths[i])
    per_sequence = [0.0] * len(sequences)
    total_nll = 0.0
    total_tokens = correct = 0
    for start in range(0, len(order), batch_size):
        group = order[start:start + batch_size]
        rows = [np.asarray(sequences[i], dtype=np.int64) for i in group]
        longest = max(len(r) for r in rows)
        batch = torch.full((len(group), longest), PAD, dtype=torch.long)
        floors = torch.zeros((len(group), longest, 2), dtype=torch.long)
        side = batch_inputs([stream_inputs(r, vocab, config, *(metres[i] if metres else (None, 4)))
                             for r, i in zip(rows, group)], longest) if reads_more else {}
        for key in foretelling(config) if hidden_controls else ():
            side[key] = torch.zeros_like(side[key])
        for row, tokens in enumerate(rows):
            batch[row, :len(tokens)] = torch.from_numpy(tokens)
            if rules is not None:
                floors[row, :len(tokens)] = torch.from_numpy(spelling_state(tokens, vocab))
        batch, floors = batch.to(device), floors.to(device)
        state = None
        nll_rows = torch.zeros(len(group), dtype=torch.float64, device=device)
        for t in range(0, longest - 1, chunk):
            x = batch[:, t:t + chunk]
            y = batch[:, t + 1:t + 1 + chunk]
            x = x[:, :y.size(1)]
            span = slice(t, t + x.size(1))
            logits, state = model(x, state, **model_arguments({k: v[:, span] for k, v in side.items()}, device))
            if rules is not None:
                log_probs = rules.log_probs(logits, x, floors[:, t:t + x.size(1)])
            else:
                log_probs = torch.log_softmax(logits.float(), dim=-1)
            picked = log_probs.gather(-1, y.unsqueeze(-1)).squeeze(-1)
            mask = y != PAD
            nll_rows -= torch.where(mask, picked, torch.zeros_like(picked)).sum(dim=1).double()
            correct += int(((log_probs.argmax(-1) == y) & mask).sum().item())
            total_tokens += int(mask.sum().item())
        for row, i in enumerate(group):
            per_sequence[i] = nll_rows[row].item()
        total_nll += nll_rows.sum().item()
        if progress:
            progress(min(start + batch_size, len(order)), len(order))
    if was_training:
        model.train()
    return {"nats": total_nll, "tokens": total_tokens, "correct": correct,
            "nats_per_token": total_nll / max(total_tokens, 1),
            "accuracy": correct / max(total_tokens, 1), "per_sequence": per_sequence}


def evaluate(loaded, data: Sequence[str], split: str | None = None,
             progress: Callable[[str, int, int], None] | None = None, hidden_controls: bool = False) -> dict:
    """Score a model on music files/folders or a Boulanger-Lewandowski pickle split.

    Returns a dict with ``nats_per_token``, ``bits_per_note`` and, for pickles, ``nll_per_step``
    (with the counts behind each figure). A model with controls reads each bar's own controls,
    or none with ``hidden_controls`` (its likelihood with nothing given away).
    """
    from ..files.bl_pickle import EVALUATION_SPLIT, pickle_spec, read_bl
    from .corpus import load_corpus

    report = progress or (lambda stage, done, total: None)
    specs = [(d, pickle_spec(str(d), split or EVALUATION_SPLIT)) for d in data]   # FILE.pickle:test names its own
    pickles = [found for _, found in specs if found is not None]
    others = [d for d, found in specs if found is None]
    phrases, names, skipped, splits = [], [], [], []
    for path, chosen in pickles:
        splits.append(chosen)
        for i, phrase in enumerate(read_bl(path, chosen)):
            phrases.append(phrase)
            names.append(f"{Path(path).name}:{chosen}#{i}")
    if others:
        corpus = load_corpus(list(others), steps_per_quarter=loaded.steps_per_quarter,
                             progress=lambda d, t: report("reading", d, t))
        phrases += [p.phrase for p in corpus.pieces]
        names += [p.name for p in corpus.pieces]
        skipped = [(str(p), m) for p, m in corpus.skipped]
    if not phrases:
        reasons = "; ".join(f"{Path(p).name}: {m}" for p, m in skipped[:3]) + ("; ..." if len(skipped) > 3 else "")
        raise ValueError("no readable music to evaluate on in " + ", ".join(map(str, data))
                         + (f" ({reasons})" if reasons else ""))
    sequences = [encode(p, loaded.vocab) for p in phrases]
    scores = score_sequences(loaded.model, sequences, loaded.vocab, progress=lambda d, t: report("scoring", d, t),
                             metres=[(p.steps_per_bar, p.steps_per_quarter) for p in phrases],
                             hidden_controls=hidden_controls)
    notes = sum(len(p.notes) for p in phrases)
    steps = sum(p.length for p in phrases)
    result = {"model": loaded.name, "pieces": len(phrases), "tokens": scores["tokens"],
              "notes": notes, "steps": steps, "total_nats": scores["nats"],
              "nats_per_token": scores["nats_per_token"], "accuracy": scores["accuracy"],
              "bits_per_note": bits_per_note(scores["nats"], notes), "skipped": skipped}
    if pickles:
        result["nll_per_step"] = scores["nats"] / max(steps, 1)
        result["split"] = ",".join(dict.fromkeys(splits))
    return result
