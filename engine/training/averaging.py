"""One model from several neighbouring epochs of a run: the average of their weights.

Trained on little music, a network's weights wander from epoch to epoch around a good region,
each epoch a little over-fitted in its own way; the average of a few neighbouring epochs'
weights often predicts unseen music better than any one of them (checkpoint averaging). A run
keeps every epoch (``epochs/NNN/``), so this costs no training: ``best_average`` scores the
average of every ``window`` consecutive epochs on the run's own validation music, the music that
already chose its best epoch, and ``write_average`` saves the best as an ordinary model folder
whose model.json and card say which epochs it averages.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..atomic import atomic_write
from ..model import card
from ..model.checkpoint import EXCERPTS, META, load_model, save_model
from .evaluate import bits_per_note, score_sequences
from .progress import Averaged, Progress


def run_epochs(run: str | Path) -> list[int]:
    """The epochs a training run kept, in order."""
    folder = Path(run) / "epochs"
    kept = folder.glob("[0-9][0-9][0-9]") if folder.is_dir() else []
    found = sorted(int(p.name) for p in kept if (p / META).is_file())
    if not found:
        raise ValueError(f"{run} holds no epochs to average (a training run's folder has epochs/NNN/)")
    return found


def averaged_model(run: str | Path, epochs: list[int]):
    """The run's model with weights averaged over ``epochs`` (a LoadedModel)."""
    loaded = [load_model(Path(run) / "epochs" / f"{e:03d}") for e in epochs]
    base = loaded[0]
    states = [m.model.state_dict() for m in loaded]
    for other in loaded[1:]:
        if other.model.config != base.model.config or other.vocab != base.vocab:
            raise ValueError(f"epochs {epochs} of {run} are not the same network")
    base.model.load_state_dict({k: sum(s[k] for s in states) / len(states) for k in states[0]})
    return base


def best_average(run: str | Path, window: int, progress: Progress | None = None) -> dict:
    """Score the average of every ``window`` consecutive epochs on the run's validation music.

    Returns the best window's epochs, its validation figures, and every window's loss.
    """
    from .config import config_of_run
    from .pieces import training_and_validation

    report = progress or (lambda event: None)
    run = Path(run)
    epochs = run_epochs(run)
    if not 1 <= window <= len(epochs):
        raise ValueError(f"--window must be between 1 and the {len(epochs)} epochs {run} kept, not {window}")
    first = load_model(run / "epochs" / f"{epochs[0]:03d}")
    config = config_of_run(first.info)
    training, valid = training_and_validation(config, first.vocab, report)
    training.close()
    try:
        return _best_window(run, epochs, window, config, valid, report)
    finally:
        valid.close()


def _best_window(run: Path, epochs: list[int], window: int, config, valid, report: Progress) -> dict:
    """Score every window of epochs on the validation store ``valid``; the best, and all tried."""
    if not len(valid):
        raise ValueError(f"the run in {run} has no validation music to choose an average with")
    tried = []
    for end in range(window - 1, len(epochs)):
        chosen = epochs[end - window + 1:end + 1]
        model = averaged_model(run, chosen)
        scores = score_sequences(model.model, valid.tokens, model.vocab, grammar=config.grammar, metres=valid.metres)
        row = {"epochs": chosen, "valid_loss": scores["nats_per_token"], "valid_accuracy": scores["accuracy"],
               "nll_per_step": scores["nats"] / valid.step_count,
               "bits_per_note": bits_per_note(scores["nats"], valid.note_count)}
        tried.append(row)
        report(Averaged(**row, done=len(tried), total=len(epochs) - window + 1))
    best = min(tried, key=lambda r: r["valid_loss"])
    return {**best, "window": window, "tried": tried}


def write_average(run: str | Path, out: str | Path, result: dict, command: str = "") -> Path:
    """Save the averaged model of ``result`` (from ``best_average``) as a model folder with the
    run's metrics and curves and a card saying which epochs it averages (and ``command``)."""
    run, out = Path(run), Path(out)
    model = averaged_model(run, result["epochs"])
    top = json.loads((run / META).read_text()) if (run / META).is_file() else dict(model.info)
    metrics = {k: result[k] for k in ("valid_loss", "valid_accuracy", "nll_per_step", "bits_per_note")}
    info = {k: v for k, v in top.items() if k not in ("format", "version", "model", "vocabulary", "parameters")}
    info.update(epoch=result["epochs"][-1], averaged_epochs=result["epochs"], metrics={**metrics, "best": True})
    if command:
        info["averaged_by"] = command
    save_model(out, model.model, model.vocab, info)
    if run.resolve() != out.resolve():
        for name in (EXCERPTS, "metrics.json", "curves.png"):
            if (run / name).is_file():
                atomic_write(out / name, (run / name).read_bytes())
    metrics_file = run / "metrics.json"
    history = json.loads(metrics_file.read_text()).get("epochs", []) if metrics_file.is_file() else []
    seconds = history[-1].get("seconds", 0.0) if history else 0.0
    card.write_card(out, info, model.model.config.to_json(), model.model.parameter_count(), model.vocab.to_json(),
                    history, seconds, epochs_run=len(history))
    return out
