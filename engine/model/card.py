"""The model card: what a model learned from, how, for how long, and how well it does."""

from __future__ import annotations

from pathlib import Path

from ..atomic import atomic_write
from ..encoding.side_inputs import SIDE_INPUTS
from .checkpoint import CARD, WEIGHTS, human_size

PIANO_MIDI_CREDIT = "piano-midi.de, Bernd Krueger, CC BY-SA 3.0 DE"


def credits_for(data: list[str], extra: str = "") -> list[str]:
    """Licence credits the training data asks for."""
    found = [extra] if extra else []
    if any("piano-midi" in str(d).lower() for d in data) and PIANO_MIDI_CREDIT not in found:
        found.append(PIANO_MIDI_CREDIT)
    return found


def write_card(folder: str | Path, info: dict, network: dict, parameters: int, vocabulary: dict,
               history: list[dict], seconds: float, epochs_run: int) -> Path:
    """Write ``card.md`` for the model in ``folder`` (its weights file already written) and return its path.

    ``info`` is the model's description as given to ``save_model`` (name, grid, training, metrics,
    epoch or averaged_epochs); ``network`` its ``ModelConfig.to_json()``, ``parameters`` its
    parameter count, ``vocabulary`` its ``Vocabulary.to_json()``; ``history`` the run's rows by
    epoch, ``seconds`` its training time and ``epochs_run`` how many epochs it ran."""
    folder = Path(folder)
    training, metrics = info["training"], info.get("metrics", {})
    model, vocab = network, vocabulary
    minutes = seconds / 60
    lines = [
        f"# Model card: {info.get('name', folder.name)}",
        "",
        "An LSTM that continues piano-roll phrases, trained by Segue's own `train` command.",
        "",
        "## Data",
        "- Trained on: " + ", ".join(f"`{d}`" for d in training["data"]),
        "- Validation: " + (", ".join(f"`{d}`" for d in training["valid"]) if training["valid"]
                            else f"{training['valid_pieces']} whole pieces held out at random "
                                 f"(seed {training['seed']})"),
        f"- {training['train_pieces']} training pieces ({training['train_tokens']:,} tokens), "
        f"{training['valid_pieces']} validation pieces ({training['valid_tokens']:,} tokens)",
        f"- Grid: {info['grid']['steps_per_quarter']} steps per quarter note; transposition "
        f"augmentation {tuple(training['transpose'])} semitones",
        "",
        "## Training",
        f"- Command: `{training.get('command') or 'python main.py train ...'}`",
        f"- Epochs run: {epochs_run}; " + _which_weights(info),
        f"- Training time: {minutes:.1f} minutes on {training.get('device', 'unknown device')}"
        + (f", {training['processes']} processes (torchrun)" if training.get("processes", 1) > 1 else ""),
        f"- torch {training.get('torch')}, Python {training.get('python')}",
        "",
        "## Network",
        f"- Embedding {model['embedding_size']}, {model['layers']} LSTM layers of {model['hidden_size']}, "
        f"dropout {model['dropout']}, softmax over {model['vocab_size']} tokens"
        + (" (trained and scored over the tokens the spelling rules allow, see engine/encoding/grammar.py)"
           if training.get("grammar") else ""),
        *_reads(model),
        f"- {parameters:,} parameters; weights file {human_size((folder / WEIGHTS).stat().st_size)}",
        f"- Vocabulary: waits up to {vocab['max_wait']} steps, lengths up to {vocab['max_length']} steps, "
        f"pitches {vocab['lowest_pitch']}-{vocab['highest_pitch']}, "
        f"{vocab['velocity_levels'] or 'no'} velocity levels",
        "",
        "## Validation",
        f"- Loss: {metrics.get('valid_loss', float('nan')):.4f} nats per token",
    ]
    if metrics.get("valid_accuracy") is not None:
        lines.append(f"- Next-token accuracy: {metrics['valid_accuracy']:.1%}")
    if "nll_per_step" in metrics:
        lines.append(f"- NLL per time step: {metrics['nll_per_step']:.3f} nats (total validation NLL "
                     f"over all validation time steps, a step being 1/{info['grid']['steps_per_quarter']} "
                     f"of a quarter note)")
    if "bits_per_note" in metrics:
        lines.append(f"- Bits per note: {metrics['bits_per_note']:.3f}")
    lines += ["", "| epoch | training loss | validation loss | validation accuracy |", "|---|---|---|---|"]
    for row in history:
        acc = row.get("valid_accuracy")
        lines.append(f"| {row['epoch']} | {row['train_loss']:.4f} | {row['valid_loss']:.4f} | "
                     f"{'' if acc is None else f'{acc:.1%}'} |")
    excerpts = training.get("excerpt_bars") or (0, 0)
    if tuple(excerpts) != (0, 0):
        lines[lines.index("## Network") - 1:lines.index("## Network") - 1] = [
            f"- Learned from excerpts of {excerpts[0]}-{excerpts[1]} bars cut at bar lines, each read from a "
            "fresh start as Continue reads a phrase; validation scores whole pieces"]
    credits = credits_for(training["data"] + training["valid"], training.get("credit", ""))
    lines += ["", "## Credits and licence"]
    lines += [f"- Training data: {c}" for c in credits] or ["- Training data: see the data's own licence"]
    lines.append("- Every epoch's checkpoint is kept in `epochs/` where the run was made; only the best "
                 "is shipped.")
    path = folder / CARD
    atomic_write(path, ("\n".join(lines) + "\n").encode())
    return path


def _reads(model: dict) -> list[str]:
    """What the network reads and scores beside the tokens, in a musician's words."""
    return [f"- Also reads {extra}" for entry in SIDE_INPUTS for extra in entry.described(model)]


def _which_weights(info: dict) -> str:
    averaged = info.get("averaged_epochs")
    if averaged:
        by = info.get("averaged_by") or "python main.py average"
        return (f"this folder holds the average of the weights of epochs {averaged[0]}-{averaged[-1]}, "
                f"the best run of {len(averaged)} consecutive epochs on validation (`{by}`)")
    return f"this folder holds epoch {info.get('epoch')}, the best on validation"
