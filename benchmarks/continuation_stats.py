"""Does a continuation look like what the composer wrote? Musical statistics on held-out pieces.

    python benchmarks/continuation_stats.py [--model default] [--bars 4] [--json]
        [--original-design runs/original-design]

The pieces, phrases and references are those of the fidelity protocol (``fidelity.py``): the
held-out pieces of the default model's run, the 4 bars from bar 9 as the seed and the next 4 bars
as what the composer wrote; onset gaps are counted in sixteenths and pitch classes by notes, as
there. The model continues each seed (three takes, fixed random seeds), and the statistics of its
continuation are set beside those of the composer's bars. Medians over pieces. When the seed
paper's design has been trained (``benchmarks/original_design.py train``, same pieces and split),
its continuations of the same seeds make a further column.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from engine.music.phrase import Phrase  # noqa: E402

MAJOR = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]
MINOR = [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]
MAJOR_SCALE, MINOR_SCALE = {0, 2, 4, 5, 7, 9, 11}, {0, 2, 3, 5, 7, 8, 10, 11}


def pitch_classes(phrase: Phrase) -> list[float]:
    """The share of the notes in each pitch class (as the fidelity protocol counts them)."""
    counts = [0.0] * 12
    for n in phrase.notes:
        counts[n.pitch % 12] += 1
    total = sum(counts) or 1.0
    return [c / total for c in counts]


def key_of(phrase: Phrase) -> tuple[int, set[int]]:
    """Krumhansl-Schmuckler: the tonic and scale whose profile best matches the pitch classes."""
    pcs = pitch_classes(phrase)

    def corr(profile, tonic):
        xs = [profile[(i - tonic) % 12] for i in range(12)]
        mx, my = sum(xs) / 12, sum(pcs) / 12
        num = sum((x - mx) * (y - my) for x, y in zip(xs, pcs))
        den = math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in pcs)) or 1.0
        return num / den

    best = max(((corr(p, t), t, scale) for t in range(12) for p, scale in ((MAJOR, MAJOR_SCALE), (MINOR, MINOR_SCALE))),
               key=lambda c: c[0])
    return best[1], {(best[1] + d) % 12 for d in best[2]}


def onset_gaps(phrase: Phrase) -> Counter:
    from fidelity import onset_intervals  # sixteenths, 1..8 and longer
    return onset_intervals(phrase)


def distance(p: dict | list, q: dict | list) -> float:
    """Half the L1 distance of two normalised histograms: 0 the same, 1 nothing in common."""
    if isinstance(p, list):
        p, q = dict(enumerate(p)), dict(enumerate(q))
    tp, tq = sum(p.values()) or 1, sum(q.values()) or 1
    return 0.5 * sum(abs(p.get(k, 0) / tp - q.get(k, 0) / tq) for k in set(p) | set(q))


def stats(phrase: Phrase, seed: Phrase, truth: Phrase) -> dict:
    notes = phrase.notes
    bars = max(1.0, phrase.length / phrase.steps_per_bar)
    onsets = Counter(n.start for n in notes)
    sounding = Counter()
    for n in notes:
        for t in range(n.start, min(n.end, phrase.length)):
            sounding[t] += 1
    iois = onset_gaps(phrase)
    total = sum(iois.values()) or 1
    _, scale = key_of(seed)
    bar = phrase.steps_per_bar
    patterns = [tuple((n.start - b * bar, n.pitch) for n in notes if b * bar <= n.start < (b + 1) * bar)
                for b in range(int(bars))]
    in_bar = [[n for n in notes if b * bar <= n.start < (b + 1) * bar] for b in range(int(bars))]
    bass_and_treble = [any(n.pitch < 60 for n in here) and any(n.pitch >= 60 for n in here) for here in in_bar]
    return {
        "notes per bar": len(notes) / bars,
        "polyphony": statistics.mean(sounding.values()) if sounding else 0.0,
        "chords (share of onsets with 2+ notes)": sum(c >= 2 for c in onsets.values()) / max(1, len(onsets)),
        "pitch range (semitones)": (max(n.pitch for n in notes) - min(n.pitch for n in notes)) if notes else 0,
        "bars with both hands": sum(bass_and_treble) / max(1, len(bass_and_treble)),
        "distinct onset gaps": len(iois),
        "onset gap entropy (bits)": -sum(c / total * math.log2(c / total) for c in iois.values()),
        "notes in the seed's key": sum(n.pitch % 12 in scale for n in notes) / max(1, len(notes)),
        "pitch-class distance to the seed": distance(pitch_classes(phrase), pitch_classes(seed)),
        "pitch-class distance to the composer's bars": distance(pitch_classes(phrase), pitch_classes(truth)),
        "onset-gap distance to the composer's bars": distance(iois, onset_gaps(truth)),
        "bars repeating an earlier bar":
            sum(p in patterns[:i] for i, p in enumerate(patterns) if p) / max(1, len(patterns)),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--bars", type=int, default=4)
    parser.add_argument("--takes", type=int, default=3)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--top-p", type=float, default=0.95)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--original-design", type=Path, default=ROOT / "runs" / "original-design",
                        help="the trained original design, for a column of its own (skipped if absent)")
    args = parser.parse_args(argv)

    import torch

    from engine.model.checkpoint import load_model
    from engine.writing.continuation import ContinueOptions, continue_phrase
    torch.set_num_threads(1)
    baseline = None
    if (args.original_design / "model.json").exists():
        from original_design import Baseline
        baseline = Baseline(args.original_design)
    from fidelity import cases, held_out_pieces
    loaded = load_model(args.model)
    rows = {"composer": [], "segue": [], "seed": []}
    if baseline is not None:
        rows["original design"] = []
    for i, (_, seed, truth) in enumerate(cases(held_out_pieces(), bars=args.bars)):
        rows["seed"].append(stats(seed, seed, truth))
        rows["composer"].append(stats(truth, seed, truth))
        for take in continue_phrase(loaded, seed, ContinueOptions(bars=args.bars, variations=args.takes, seed=i,
                                                                   temperature=args.temperature, top_p=args.top_p)):
            rows["segue"].append(stats(take, seed, truth))
        if baseline is not None:
            for take in range(args.takes):
                written = baseline.continue_phrase(seed, args.bars, 1000 * i + take, args.temperature)
                rows["original design"].append(stats(written, seed, truth))
    keys = list(rows["composer"][0])
    table = {who: {k: round(statistics.median(r[k] for r in rs), 3) for k in keys} for who, rs in rows.items()}
    result = {"model": loaded.name, "pieces": len(rows["composer"]), "takes per piece": args.takes,
              "bars": args.bars, "temperature": args.temperature, "top_p": args.top_p, "medians": table}
    if not args.json:
        print(f"model {loaded.name}: {result['pieces']} held-out pieces, seed = {args.bars} bars from bar 9, "
              f"{args.takes} takes each; medians")
        columns = ["seed", "composer", "segue"] + (["original design"] if baseline is not None else [])
        print(f"{'':42}" + "".join(f"{c:>17}" for c in columns))
        for k in keys:
            print(f"{k:42}" + "".join(f"{table[c][k]:>17.2f}" for c in columns))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
