"""Draw the benchmark figures from saved results: ``python benchmarks/plots.py``.

Each benchmark script prints one JSON object as its last line; saved under ``docs/results/``
(the commands are in docs/benchmarks.md), this script turns them into the PNG figures of
``docs/figures/``. A missing results file is named and its figure skipped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results"
FIGURES = ROOT / "docs" / "figures"
DATASETS = {"piano-midi-de": "Piano-midi.de", "nottingham": "Nottingham", "musedata": "MuseData",
            "jsb-chorales": "JSB Chorales"}
COLOURS = {"seed": "#9aa4b1", "composer": "#3a3f47", "segue": "#2f7fd8", "original design": "#e07b39",
           "RNN-RBM": "#b9b9b9", "RNN-NADE-HF": "#7d7d7d", "Segue": "#2f7fd8"}


def last_json(name: str) -> dict | None:
    path = RESULTS / name
    if not path.is_file():
        print(f"skipped: {path} is missing", file=sys.stderr)
        return None
    lines = [line for line in path.read_text().splitlines() if line.startswith("{")]
    if not lines:
        print(f"skipped: {path} holds no JSON line", file=sys.stderr)
        return None
    return json.loads(lines[-1])


def polyphonic_table(plt) -> Path | None:
    data = last_json("bl_table.json")
    if not data:
        return None
    names = [k for k in DATASETS if k in data]
    series = {"RNN-RBM": [data[k]["RNN-RBM"] for k in names],
              "RNN-NADE-HF": [data[k]["RNN-NADE-HF"] for k in names],
              "Segue": [data[k]["segue_valid_nll_per_step"] for k in names]}
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    width = 0.26
    for i, (label, values) in enumerate(series.items()):
        xs = [j + (i - 1) * width for j in range(len(names))]
        bars = ax.bar(xs, values, width, label=label, color=COLOURS[label])
        ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=2)
    ax.set_xticks(range(len(names)), [DATASETS[k] for k in names])
    ax.set_ylabel("NLL per time step (nats), lower is better")
    ax.set_title("Polyphonic music benchmarks (published: test split; Segue: valid split)", fontsize=9)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, "polyphonic_table.png")


def continuation_stats(plt) -> Path | None:
    data = last_json("continuation_stats.json")
    if not data:
        return None
    medians = data["medians"]
    who = [w for w in ("composer", "segue", "original design") if w in medians]
    keys = [k for k in medians["composer"] if medians["composer"][k] and "distance" not in k
            and "repeating" not in k]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.4), gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / len(who)
    for i, w in enumerate(who):
        ratios = [medians[w][k] / medians["composer"][k] for k in keys]
        left.barh([j + i * width for j in range(len(keys))], ratios, width,
                  label=_label(w), color=COLOURS[w])
    left.axvline(1.0, color="black", lw=0.8)
    left.set_yticks([j + width * (len(who) - 1) / 2 for j in range(len(keys))], keys, fontsize=8)
    left.invert_yaxis()
    left.set_xlabel("median, as a share of what the composer wrote (1 = the same)")
    left.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)
    distances = [k for k in medians["composer"] if "composer's bars" in k]
    for i, w in enumerate(["seed"] + [x for x in who if x != "composer"]):
        right.bar([j + i * width for j in range(len(distances))], [medians[w][k] for k in distances],
                  width, label=_label(w), color=COLOURS[w])
    right.set_xticks([j + width for j in range(len(distances))],
                     [k.replace(" to the composer's bars", "\nto the composer's bars") for k in distances],
                     fontsize=8)
    right.set_ylabel("histogram distance (0 = the same)")
    right.legend(fontsize=8, frameon=False)
    for ax in (left, right):
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(f"Continuing {data['pieces']} held-out piano pieces by {data['bars']} bars "
                 f"({data['takes per piece']} takes each)", fontsize=10)
    return _save(fig, "continuation_stats.png")


def continue_latency(plt) -> Path | None:
    data = last_json("engine_speed.json")
    if not data:
        return None
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for takes, style in ((1, "o-"), (4, "s-"), (8, "^-")):
        bars = (1, 4, 16)
        ax.plot(bars, [data["continue_ms"][f"{b} bars x {takes}"] for b in bars], style,
                label=f"{takes} take{'s' * (takes > 1)}", color=COLOURS["segue"], alpha=0.4 + 0.2 * takes / 4)
    ax.axhline(150, color="#e07b39", lw=0.8, ls="--")
    ax.annotate("goal for 4 bars x 4 takes: 150 ms", (1, 160), fontsize=8, color="#e07b39")
    ax.set_xscale("log", base=2)
    ax.set_xticks((1, 4, 16), ["1", "4", "16"])
    ax.set_xlabel("bars written")
    ax.set_ylabel("Continue latency, median (ms)")
    ax.set_title(f"{data['model']} model, {data['machine']}", fontsize=9)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, "continue_latency.png")


def _label(who: str) -> str:
    return {"segue": "Segue", "composer": "composer", "seed": "the phrase (bars 9-12)"}.get(who, who)


def _save(fig, name: str) -> Path:
    FIGURES.mkdir(parents=True, exist_ok=True)
    path = FIGURES / name
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print("wrote", path.relative_to(ROOT))
    return path


def main() -> int:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    made = [f(plt) for f in (polyphonic_table, continuation_stats, continue_latency)]
    return 0 if any(made) else 1


if __name__ == "__main__":
    sys.exit(main())
