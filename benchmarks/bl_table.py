"""The classic polyphonic table: Segue's LSTM on the four Boulanger-Lewandowski datasets.

    python benchmarks/bl_table.py train piano-midi-de      # train one dataset's recipe (resumes)
    python benchmarks/bl_table.py report [--json]          # evaluate every trained benchmark model

``train`` runs the project's own ``main.py train`` on the dataset's train split, early-stopped on
its valid split, into ``models/benchmark-NAME`` (for Piano-midi.de then ``main.py average``: the
model becomes the average of the best five consecutive epochs on valid). ``report`` scores each such model on the valid
split with ``main.py evaluate`` (the total NLL of the split divided by its number of time steps)
and prints it beside the published test-split figures and the trivial baselines.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BL = ROOT.parent / "shared" / "data" / "bl"

DATASETS = {
    "piano-midi-de": "Piano-midi.de.pickle",
    "nottingham": "Nottingham.pickle",
    "musedata": "MuseData.pickle",
    "jsb-chorales": "JSB Chorales.pickle",
}
# Boulanger-Lewandowski, Bengio & Vincent (2012), test splits; trivial baseline from ../shared/data
PUBLISHED = {
    "piano-midi-de": {"RNN-RBM": 7.09, "RNN-NADE-HF": 7.05, "previous-step baseline": 8.3},
    "nottingham": {"RNN-RBM": 2.39, "RNN-NADE-HF": 2.31, "previous-step baseline": 5.2},
    "musedata": {"RNN-RBM": 6.01, "RNN-NADE-HF": 5.60, "previous-step baseline": 8.6},
    "jsb-chorales": {"RNN-RBM": 6.27, "RNN-NADE-HF": 5.56, "previous-step baseline": 10.5},
}
# the benchmark models are plain token LSTMs on whole pieces, not the train command's default kind
PLAIN = ["--no-controls", "--excerpts", "0", "0", "--velocity-levels", "0"]
RECIPES = {
    "piano-midi-de": ["--embedding-size", "128", "--hidden-size", "512", "--layers", "2", "--dropout", "0.7",
                      "--transpose", "5", "--window", "128", "--batch-size", "16", "--epochs", "80",
                      "--patience", "8", "--lr-patience", "2", "--max-minutes", "28.9", "--threads", "1",
                      "--seed", "0", "--pitch-memory", "--rhythm-memory"],
    "nottingham": ["--embedding-size", "128", "--hidden-size", "384", "--layers", "2", "--dropout", "0.3",
                   "--transpose", "5", "--window", "128", "--batch-size", "32", "--epochs", "60",
                   "--patience", "5", "--max-minutes", "90", "--threads", "1", "--seed", "0"],
    "musedata": ["--embedding-size", "128", "--hidden-size", "512", "--layers", "2", "--dropout", "0.4",
                 "--transpose", "5", "--window", "128", "--batch-size", "32", "--epochs", "60",
                 "--patience", "5", "--max-minutes", "90", "--threads", "1", "--seed", "0"],
    "jsb-chorales": ["--embedding-size", "96", "--hidden-size", "256", "--layers", "2", "--dropout", "0.2",
                     "--transpose", "5", "--window", "64", "--batch-size", "16", "--epochs", "300",
                     "--patience", "10", "--lr-patience", "3", "--max-minutes", "22", "--threads", "1",
                     "--seed", "0"],
}


# after training, the model becomes the average of the best run of this many consecutive epochs
AVERAGE = {"piano-midi-de": 5}


def folder(name: str) -> Path:
    return ROOT / "models" / f"benchmark-{name}"


def train(name: str, extra: list[str]) -> int:
    data = str(BL / DATASETS[name])
    command = [sys.executable, "main.py", "train", "--data", f"{data}:train", "--valid", f"{data}:valid",
               "--out", str(folder(name).relative_to(ROOT)), "--name", f"benchmark-{name}",
               *PLAIN, *RECIPES[name], *extra]
    print(" ".join(command), flush=True)
    code = subprocess.call(command, cwd=ROOT)
    if code or name not in AVERAGE:
        return code
    out = str(folder(name).relative_to(ROOT))
    command = [sys.executable, "main.py", "average", out, "--window", str(AVERAGE[name]), "--out", out]
    print(" ".join(command), flush=True)
    return subprocess.call(command, cwd=ROOT)


def report(as_json: bool) -> int:
    rows = {}
    for name, file in DATASETS.items():
        if not (folder(name) / "model.json").is_file():
            continue
        out = subprocess.run([sys.executable, "main.py", "evaluate", "--model", str(folder(name)), "--data",
                              f"{BL / file}:valid", "--json"], cwd=ROOT, capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stderr.strip(), file=sys.stderr)
            continue
        result = json.loads(out.stdout.strip().splitlines()[-1])
        rows[name] = {"segue_valid_nll_per_step": round(result["nll_per_step"], 3), "steps": result["steps"],
                      "pieces": result["pieces"], **PUBLISHED[name]}
    if as_json:
        print(json.dumps(rows))
        return 0
    print(f"{'dataset':16}{'Segue (valid)':>15}{'RNN-RBM':>10}{'RNN-NADE-HF':>13}{'prev-step':>11}")
    for name in DATASETS:
        if name in rows:
            r = rows[name]
            print(f"{name:16}{r['segue_valid_nll_per_step']:>15.3f}{r['RNN-RBM']:>10.2f}{r['RNN-NADE-HF']:>13.2f}"
                  f"{r['previous-step baseline']:>11.1f}")
        else:
            print(f"{name:16}{'not trained':>15}")
    print(json.dumps(rows))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train one dataset's recipe")
    t.add_argument("dataset", choices=sorted(DATASETS))
    t.add_argument("extra", nargs=argparse.REMAINDER, help="more train options, e.g. --max-minutes 30")
    r = sub.add_parser("report", help="evaluate the trained benchmark models")
    r.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "train":
        return train(args.dataset, args.extra)
    return report(args.json)


if __name__ == "__main__":
    sys.exit(main())
