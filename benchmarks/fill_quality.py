"""Does Fill write the middle the composer might have? Fill against Continue on held-out music.

    python benchmarks/fill_quality.py [--model default] [--takes 4] [--candidates 32] [--json] [--limit N]

For every held-out piece of the fidelity protocol (``fidelity.py``: the pieces the default model's
run keeps for validation, at least 16 bars long), the passage is bars 9-16: 4 bars before, the
2 bars to write (13-14), and 2 bars after (15-16). Fill writes bars 13-14 knowing the bars before
and after; Continue writes 2 bars after the 4 before, knowing nothing of what follows. Both are
compared with the composer's bars 13-14 on the six measures of the fidelity protocol (takes
with fixed seeds, means over every take). Also reported:

- the model's NLL of the bars after (15-16) given everything before them, with Fill's middle and
  with Continue's: how well each middle leads into what the composer wrote next;
- the seams: the share of takes with a note that ends exactly where a note of the same pitch
  starts across a boundary of the span (a held note broken in two), against the composer's own;
- the rhythm across the seams: the gap from the last onset before each boundary to the first
  after it, in sixteenths, against the composer's gap (mean absolute difference).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from fidelity import MEASURES, distances, held_out_pieces, summarise  # noqa: E402

from engine.music.phrase import Phrase, merge, trim  # noqa: E402

FIRST_BAR, BEFORE, SPAN, AFTER = 9, 4, 2, 2


def passages(pieces):
    """(name, passage) for every piece with 8 bars from bar 9 and notes in each part."""
    out = []
    for name, piece in pieces:
        bar = piece.steps_per_bar
        start = (FIRST_BAR - 1) * bar
        if piece.length < start + (BEFORE + SPAN + AFTER) * bar:
            continue
        passage = trim(piece, start, start + (BEFORE + SPAN + AFTER) * bar)
        parts = [trim(passage, a * bar, b * bar) for a, b in ((0, BEFORE), (BEFORE, BEFORE + SPAN),
                                                               (BEFORE + SPAN, BEFORE + SPAN + AFTER))]
        if all(len(p.notes) >= 2 for p in parts):
            out.append((name, passage))
    return out


def broken_seams(passage: Phrase, start: int, end: int) -> int:
    """How many notes end exactly at a span boundary where a note of the same pitch starts."""
    count = 0
    for boundary in (start, end):
        ending = {n.pitch for n in passage.notes if n.end == boundary}
        count += sum(1 for n in passage.notes if n.start == boundary and n.pitch in ending)
    return count


def seam_gaps(passage: Phrase, start: int, end: int) -> list[float]:
    """At each boundary, sixteenths from the last onset before it to the first at or after it."""
    sixteenth = max(1, passage.steps_per_quarter // 4)
    onsets = sorted({n.start for n in passage.notes})
    gaps = []
    for boundary in (start, end):
        before = [t for t in onsets if t < boundary]
        after = [t for t in onsets if t >= boundary]
        if before and after:
            gaps.append((after[0] - before[-1]) / sixteenth)
        else:
            gaps.append(float("nan"))
    return gaps


def after_nll(loaded, passage: Phrase, end: int) -> float:
    """The model's NLL (nats) of the notes from ``end`` on, given everything before them."""
    from engine.encoding.tokens import encode
    from engine.music.phrase import regrid
    from engine.training.evaluate import score_sequences
    own = regrid(passage, loaded.steps_per_quarter)
    ratio = loaded.steps_per_quarter / passage.steps_per_quarter
    cut = round(end * ratio)
    full = encode(own, loaded.vocab, end=False)
    prefix = encode(own.with_notes([n for n in own.notes if n.start < cut]), loaded.vocab, end=False)
    assert full[:len(prefix)] == prefix
    metre = [(own.steps_per_bar, own.steps_per_quarter)] * 2
    scores = score_sequences(loaded.model, [full, prefix], loaded.vocab, metres=metre)
    return scores["per_sequence"][0] - scores["per_sequence"][1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--takes", type=int, default=4)
    parser.add_argument("--candidates", type=int, default=32)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--steering", type=float, default=None,
                        help="how firmly Fill's and Continue's takes keep to the music around (default: theirs)")
    args = parser.parse_args(argv)

    import torch

    from engine.model.checkpoint import load_model
    from engine.writing.continuation import ContinueOptions, continue_phrase
    from engine.writing.fill import FillOptions, fill_span
    torch.set_num_threads(1)
    loaded = load_model(args.model)
    chosen = passages(held_out_pieces())
    if args.limit:
        chosen = chosen[:args.limit]
    rows = {"fill": [], "continue": []}
    nll = {"fill": [], "continue": [], "composer": []}
    seams = {"fill": [], "continue": [], "composer": []}
    gaps = {"fill": [], "continue": []}
    for number, (_name, passage) in enumerate(chosen):
        bar = passage.steps_per_bar
        start, end = BEFORE * bar, (BEFORE + SPAN) * bar
        reference = trim(passage, start, end)
        around = passage.with_notes([n for n in passage.notes if not start <= n.start < end])
        before = trim(passage, 0, start)
        composer_gaps = seam_gaps(passage, start, end)
        nll["composer"].append(after_nll(loaded, passage, end))
        seams["composer"].append(broken_seams(passage, start, end) > 0)
        steer = {} if args.steering is None else {"steering": args.steering}
        fills = fill_span(loaded, around, start, end, FillOptions(variations=args.takes, seed=number,
                                                                  candidates=args.candidates, **steer))
        continues = continue_phrase(loaded, before, ContinueOptions(bars=SPAN, variations=args.takes, seed=number,
                                                                    ending="bar line", **steer))
        for who, takes in (("fill", fills), ("continue", continues)):
            for take in takes:
                take = trim(take, 0, end - start)
                rows[who].append(distances(take, reference))
                whole = merge(around, take, offset=start)
                nll[who].append(after_nll(loaded, whole, end))
                seams[who].append(broken_seams(whole, start, end) > 0)
                gaps[who] += [abs(g - c) for g, c in zip(seam_gaps(whole, start, end), composer_gaps)
                              if g == g and c == c]
    result = {"model": loaded.name, "passages": len(chosen), "takes per passage": args.takes,
              "fill candidates": args.candidates,
              "fill": summarise(rows["fill"]), "continue": summarise(rows["continue"]),
              "after NLL (nats)": {k: round(statistics.mean(v), 2) for k, v in nll.items()},
              "takes with a broken seam": {k: round(statistics.mean(v), 3) for k, v in seams.items()},
              "seam gap error (16ths)": {k: round(statistics.mean(v), 2) for k, v in gaps.items()}}
    result["fill closer on"] = sum(result["fill"][m] < result["continue"][m] for m in MEASURES)
    if not args.json:
        print(f"model {loaded.name}: {len(chosen)} held-out passages (bars 9-16; bars 13-14 written), "
              f"{args.takes} takes each; Fill weighs {args.candidates} candidates")
        print(f"{'measure (0 = the composer)':28}{'Fill':>10}{'Continue':>10}")
        for m in MEASURES:
            print(f"{m:28}{result['fill'][m]:>10.3f}{result['continue'][m]:>10.3f}")
        n = result["after NLL (nats)"]
        print(f"{'NLL of bars 15-16':28}{n['fill']:>10.1f}{n['continue']:>10.1f}   "
              f"(composer's own middle {n['composer']:.1f})")
        s = result["takes with a broken seam"]
        print(f"{'takes with a broken seam':28}{s['fill']:>10.1%}{s['continue']:>10.1%}   "
              f"(composer {s['composer']:.1%})")
        g = result["seam gap error (16ths)"]
        print(f"{'seam gap error (16ths)':28}{g['fill']:>10.2f}{g['continue']:>10.2f}")
        print(f"Fill is closer than Continue on {result['fill closer on']} of 6 measures")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
