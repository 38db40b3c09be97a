"""A run's figures on disk: ``metrics.json`` (every epoch's row, the best epoch) and ``curves.png``
(training and validation loss and accuracy by epoch; left out when matplotlib is not installed)."""

from __future__ import annotations

import json
from pathlib import Path

from ..atomic import atomic_write


def write_metrics(out: Path, best_epoch: int, history: list[dict]) -> None:
    """Write ``metrics.json`` and, with matplotlib, ``curves.png`` into the run folder ``out``."""
    atomic_write(out / "metrics.json", json.dumps({"best_epoch": best_epoch, "epochs": history}, indent=1).encode())
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    epochs = [r["epoch"] for r in history]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4))
    ax1.plot(epochs, [r["train_loss"] for r in history], label="training")
    ax1.plot(epochs, [r["valid_loss"] for r in history], label="validation")
    ax1.set(xlabel="epoch", ylabel="loss (nats per token)", title="Loss")
    ax2.plot(epochs, [r["train_accuracy"] for r in history], label="training")
    if history and history[0]["valid_accuracy"] is not None:
        ax2.plot(epochs, [r["valid_accuracy"] for r in history], label="validation")
    ax2.set(xlabel="epoch", ylabel="next-token accuracy", title="Accuracy")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    tmp = out / "curves.tmp.png"
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(out / "curves.png")
