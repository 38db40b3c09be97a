"""Does a continuation follow the phrase? Takes set beside the composer's own next bars.

    python benchmarks/fidelity.py [--model default] [--takes 4] [--json] [--limit N] [--card]
        [--temperature T] [--top-p P] [--option NAME=VALUE ...] [--pool N]

The protocol (issue 11). For every held-out piece of the piano collection (the pieces the
default model's training run keeps for validation: ``../shared/data/piano-midi``, one tenth held
out with seed 0) that is at least 16 bars long, the *phrase* is the 4 bars from bar 9 and the
*reference* the 4 bars after it, bars 13-16, in the piece's own metre. The model writes 4 takes of
4 bars after the phrase, with fixed random seeds (the piece's number), at the given settings. A
plain *copy of the phrase* (its 4 bars played again) is the baseline. Each take, and the copy,
is compared with the reference on six measures, averaged over every take of every piece:

- density: abs(log(notes per beat / the reference's)), each count plus half a note so that an
  empty take scores a large but finite error;
- chords: abs. difference of the share of onsets that strike two or more notes;
- pitch classes: total variation between the pitch-class distributions (notes counted);
- rhythm: total variation between the distributions of the intervals between onsets, in
  sixteenths, 1..8 and "longer";
- range: abs. difference of the pitch range (highest minus lowest), in octaves (semitones / 12);
- register: abs. difference of the mean pitch, in octaves.

It also reports **onset places** beside the six (not counted among them): the total variation
between where in the bar the take and the reference strike (distinct onsets, by sixteenth of
the bar), for Segue and the copy: whether a take keeps the phrase's groove, the downbeats,
offbeats and syncopations it plays on, not only the spacing of its onsets. And **new notes**
(the share of written notes that do not repeat a phrase note at the same pitch and the same
place in the bar; also for the composer's own bars), **key kept**
(the share of takes whose key, as the Krumhansl-Schmuckler estimate of ``engine/music/keys.py`` hears
it, is the phrase's; the same for the composer's bars) and the **failures**: takes that are
empty, a single repeated pitch, or silent for a whole bar in which the reference sounds.

With 26 pieces a mean moves by a few thousandths with the pieces' luck, so each measure also gets
Segue's difference from the copy with a 90% bootstrap interval over pieces (each piece's takes
against its own copy): an interval wholly above 0 is further than the copy beyond that luck.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.music.phrase import Phrase, trim  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "piano-midi"
PHRASE_BAR, BARS = 9, 4
MEASURES = ("density", "chords", "pitch classes", "rhythm", "range", "register")
PLACES = "onset places"                  # reported beside the six, not counted among them
COMPOSER_NEW = "composer's new notes"


def _histogram_distance(p: Counter, q: Counter) -> float:
    """Total variation of two count histograms: 0 the same shape, 1 nothing in common."""
    tp, tq = sum(p.values()), sum(q.values())
    if not tp or not tq:
        return 0.0 if tp == tq else 1.0
    return 0.5 * sum(abs(p[k] / tp - q[k] / tq) for k in set(p) | set(q))


def onset_intervals(phrase: Phrase) -> Counter:
    """Intervals between successive onsets in sixteenth notes: 1..8, and 9 for anything longer."""
    sixteenth = max(1, phrase.steps_per_quarter // 4)
    starts = sorted({n.start for n in phrase.notes})
    return Counter(min(9, max(1, round((b - a) / sixteenth))) for a, b in zip(starts, starts[1:]))


def onset_places(phrase: Phrase) -> Counter:
    """Where in the bar the music strikes: distinct onsets counted by sixteenth of the bar."""
    sixteenth = max(1, phrase.steps_per_quarter // 4)
    bar = phrase.steps_per_bar
    return Counter((start % bar) // sixteenth for start in {n.start for n in phrase.notes})


def places_distance(take: Phrase, reference: Phrase) -> float:
    """Onset places: total variation between where in the bar ``take`` and ``reference`` strike."""
    return _histogram_distance(onset_places(take), onset_places(reference))


def profile(phrase: Phrase) -> dict:
    """What the six measures compare, for one span of music."""
    notes = phrase.notes
    beats = max(1e-9, phrase.length / phrase.steps_per_beat)    # a ratio of equal spans: the beat cancels
    onsets = Counter(n.start for n in notes)
    pitches = [n.pitch for n in notes]
    return {
        "notes": len(notes),
        "density": (len(notes) + 0.5) / beats,
        "chords": sum(c >= 2 for c in onsets.values()) / len(onsets) if onsets else 0.0,
        "pitch classes": Counter(p % 12 for p in pitches),
        "rhythm": onset_intervals(phrase),
        "range": (max(pitches) - min(pitches)) if pitches else 0,
        "register": statistics.mean(pitches) if pitches else None,
    }


def distances(take: Phrase, reference: Phrase) -> dict[str, float]:
    """The six measures of one take (or the copy) against the reference: 0 is the same."""
    a, b = profile(take), profile(reference)
    register = (abs(a["register"] - b["register"]) / 12 if a["register"] is not None and b["register"] is not None
                else 1.0)
    return {
        "density": abs(math.log(a["density"] / b["density"])),
        "chords": abs(a["chords"] - b["chords"]),
        "pitch classes": _histogram_distance(a["pitch classes"], b["pitch classes"]),
        "rhythm": _histogram_distance(a["rhythm"], b["rhythm"]),
        "range": abs(a["range"] - b["range"]) / 12,
        "register": register,
    }


def new_notes(take: Phrase, phrase: Phrase) -> float:
    """The share of the take's notes that are not a phrase note at the same pitch and place in the bar."""
    bar = phrase.steps_per_bar
    old = {(n.pitch, n.start % bar) for n in phrase.notes}
    return sum((n.pitch, n.start % bar) not in old for n in take.notes) / len(take.notes) if take.notes else 0.0


def failures(take: Phrase, reference: Phrase) -> list[str]:
    """What makes a take unusable: empty, one repeated pitch, or a bar of silence the composer filled."""
    if not take.notes:
        return ["empty"]
    found = []
    if len({n.pitch for n in take.notes}) == 1:
        found.append("one repeated pitch")
    bar = reference.steps_per_bar
    for b in range(max(1, reference.length // bar)):
        lo, hi = b * bar, (b + 1) * bar
        sounds = lambda p, lo=lo, hi=hi: any(n.start < hi and n.end > lo for n in p.notes)
        if sounds(reference) and not sounds(take):
            found.append(f"silent bar {b + 1}")
    return found


def closest_to_the_phrase(takes: list[Phrase], phrase: Phrase, keep: int) -> list[Phrase]:
    """The ``keep`` takes whose six measures against the *phrase* (not the reference) sum lowest:
    a choice that knows only the phrase, as Continue's own choice of drafts does."""
    return sorted(takes, key=lambda take: sum(distances(take, phrase).values()))[:keep]


def held_out_pieces(data: Path = DATA, fraction: float = 0.1, seed: int = 0):
    """(name, phrase) of the pieces the default model's run held out, in a fixed order."""
    from engine.training.corpus import load_corpus
    from engine.training.train import split_by_piece

    corpus = load_corpus([str(data)])
    _, valid = split_by_piece([p.name for p in corpus.pieces], fraction, seed)
    return [(corpus.pieces[i].name, corpus.pieces[i].phrase) for i in valid]


def tuning_pieces(data: Path = DATA, count: int = 40, fraction: float = 0.1, seed: int = 0):
    """(name, phrase) of ``count`` pieces of the same run's *training* split, evenly spaced: where
    Continue's settings are tuned, so that the held-out pieces stay a test they were not fitted to."""
    from engine.training.corpus import load_corpus
    from engine.training.train import split_by_piece

    corpus = load_corpus([str(data)])
    train, _ = split_by_piece([p.name for p in corpus.pieces], fraction, seed)
    step = max(1, len(train) // count)
    return [(corpus.pieces[i].name, corpus.pieces[i].phrase) for i in sorted(train)[::step][:count]]


def cases(pieces, first_bar: int = PHRASE_BAR, bars: int = BARS):
    """(name, phrase, reference) for every piece long enough: bars first_bar.. and the bars after."""
    out = []
    for name, piece in pieces:
        bar = piece.steps_per_bar
        start = (first_bar - 1) * bar
        if piece.length < start + 2 * bars * bar:
            continue
        phrase = trim(piece, start, start + bars * bar)
        reference = trim(piece, start + bars * bar, start + 2 * bars * bar)
        if len(phrase.notes) >= 4 and len(reference.notes) >= 4:
            out.append((name, phrase, reference))
    return out


def paired_difference(segue_by_piece: list[list[dict]], copy: list[dict], draws: int = 2000,
                      seed: int = 0) -> dict[str, list[float]]:
    """Per measure, Segue's mean distance minus the copy's, and a 90% bootstrap interval of that
    difference over pieces (pieces drawn with replacement, each with its takes and its copy): an
    interval wholly below 0 means closer than the copy beyond the pieces' luck, one across 0 means
    as close within it."""
    rng = np.random.default_rng(seed)
    out = {}
    for m in MEASURES + ((PLACES,) if PLACES in copy[0] else ()):
        per_piece = np.array([np.mean([t[m] for t in takes]) - c[m] for takes, c in zip(segue_by_piece, copy)])
        means = per_piece[rng.integers(0, len(per_piece), (draws, len(per_piece)))].mean(1)
        out[m] = [round(float(per_piece.mean()), 4), round(float(np.quantile(means, 0.05)), 4),
                  round(float(np.quantile(means, 0.95)), 4)]
    return out


def summarise(rows: list[dict]) -> dict:
    out = {m: round(statistics.mean(r[m] for r in rows), 3) for m in MEASURES}
    for extra in (PLACES, "new notes", "key kept"):
        if extra in rows[0]:
            out[extra] = round(statistics.mean(r[extra] for r in rows), 3)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--takes", type=int, default=4)
    parser.add_argument("--temperature", type=float, default=None)
    parser.add_argument("--top-p", type=float, default=None)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pieces (a quick look)")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    parser.add_argument("--tuning", action="store_true",
                        help="use pieces of the training split instead of the held-out ones (for tuning settings)")
    parser.add_argument("--tuning-pieces", type=int, default=40, metavar="N",
                        help="how many training-split pieces --tuning uses (default 40)")
    parser.add_argument("--card", action="store_true",
                        help="also write the figures into the model's card (card.md), replacing earlier ones")
    parser.add_argument("--pool", type=int, default=0, metavar="N",
                        help="write N takes and keep the --takes whose own six measures against the phrase are "
                             "smallest: how close a choice by the phrase's statistics alone can come")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="any other ContinueOptions field, e.g. --option candidates=16")
    args = parser.parse_args(argv)

    import torch

    from engine.model.checkpoint import load_model
    from engine.writing.continuation import ContinueOptions, continue_phrase
    torch.set_num_threads(1)
    loaded = load_model(args.model)
    settings = {}
    if args.temperature is not None:
        settings["temperature"] = args.temperature
    if args.top_p is not None:
        settings["top_p"] = args.top_p
    for item in args.option:
        key, _, value = item.partition("=")
        default = getattr(ContinueOptions(), key)
        settings[key] = type(default)(value) if default is not None and not isinstance(default, bool) else (
            value.lower() in ("1", "true", "yes") if isinstance(default, bool) else value)
    chosen = cases(tuning_pieces(count=args.tuning_pieces) if args.tuning else held_out_pieces())
    if args.limit:
        chosen = chosen[:args.limit]
    from engine.music.keys import estimate_key
    segue, copy, failed = [], [], Counter()
    segue_by_piece: list[list[dict]] = []
    composer_key, composer_new = [], []
    for number, (_name, phrase, reference) in enumerate(chosen):
        copy.append(distances(phrase, reference) | {PLACES: places_distance(phrase, reference)})
        composer_new.append(new_notes(reference, phrase))
        key = estimate_key(phrase)
        composer_key.append(estimate_key(reference) == key)
        if args.pool:
            options = ContinueOptions(bars=BARS, variations=args.pool, seed=number, **settings)
            takes = closest_to_the_phrase(continue_phrase(loaded, phrase, options), phrase, args.takes)
        else:
            takes = continue_phrase(loaded, phrase, ContinueOptions(bars=BARS, variations=args.takes, seed=number,
                                                                    **settings))
        segue_by_piece.append([])
        for take in takes:
            measured = distances(take, reference) | {PLACES: places_distance(take, reference)}
            segue_by_piece[-1].append(measured)
            segue.append(measured | {"new notes": new_notes(take, phrase),
                                                       "key kept": float(estimate_key(take) == key)})
            for problem in failures(take, reference):
                failed[problem.split(" bar ")[0] + (" bar" if " bar " in problem else "")] += 1
    result = {"model": loaded.name, "pieces": len(chosen), "tuning": args.tuning, "takes per piece": args.takes,
              "pool": args.pool,
              "settings": {k: v for k, v in vars(ContinueOptions(**settings)).items() if k not in ("seed",)},
              "segue": summarise(segue), "copy of the phrase": summarise(copy),
              "failures": dict(failed), "takes": len(segue),
              "composer keeps the key": round(statistics.mean(composer_key), 3),
              COMPOSER_NEW: round(statistics.mean(composer_new), 3)}
    result["closer than the copy"] = sum(result["segue"][m] <= result["copy of the phrase"][m] for m in MEASURES)
    result["difference from the copy"] = paired_difference(segue_by_piece, copy)
    result["worse than the copy beyond luck"] = [m for m, (_, low, _) in result["difference from the copy"].items()
                                                 if low > 0 and m in MEASURES]
    if not args.json:
        print(f"model {loaded.name}: {len(chosen)} {'tuning (training-split)' if args.tuning else 'held-out'} pieces, "
              f"phrase = bars {PHRASE_BAR}-{PHRASE_BAR + BARS - 1}, "
              f"reference = the next {BARS} bars, {args.takes} takes each; means (0 = the composer)")
        print(f"{'measure':16}{'Segue':>10}{'copy':>10}   Segue - copy [90% interval over pieces]")
        for m in MEASURES:
            mean, low, high = result["difference from the copy"][m]
            print(f"{m:16}{result['segue'][m]:>10.3f}{result['copy of the phrase'][m]:>10.3f}"
                  f"   {mean:+.4f} [{low:+.4f}, {high:+.4f}]")
        mean, low, high = result["difference from the copy"][PLACES]
        print(f"{PLACES:16}{result['segue'][PLACES]:>10.3f}{result['copy of the phrase'][PLACES]:>10.3f}"
              f"   {mean:+.4f} [{low:+.4f}, {high:+.4f}]   (beside the six, not counted)")
        print(f"{'new notes':16}{result['segue']['new notes']:>10.1%}   (the composer's bars: "
              f"{result[COMPOSER_NEW]:.1%})")
        print(f"{'key kept':16}{result['segue']['key kept']:>10.1%}   (the composer's bars: "
              f"{result['composer keeps the key']:.1%})")
        worse = result["worse than the copy beyond luck"]
        print(f"further than the copy beyond the pieces' luck (interval above 0): {', '.join(worse) or 'none'}")
        print(f"closer than (or as close as) the copy on {result['closer than the copy']} of 6; "
              f"failures: {dict(failed) or 'none'} in {len(segue)} takes")
    if args.card:
        command = " ".join(["python benchmarks/fidelity.py"] + list(argv or sys.argv[1:]))
        write_card_section(loaded.folder, result, command)
    print(json.dumps(result))
    return 0


SECTION = "## Continuations that follow the phrase"


def write_card_section(folder: Path, result: dict, command: str) -> None:
    """Put the protocol's figures in the model card, in place of any earlier ones."""
    card = Path(folder) / "card.md"
    text = card.read_text() if card.is_file() else ""
    if SECTION in text:
        head, _, rest = text.partition(SECTION)
        following = rest.find("\n## ")
        text = head.rstrip() + ("\n" + rest[following:] if following >= 0 else "\n")
    settings = ", ".join(f"{k} {v}" for k, v in result["settings"].items())
    lines = ["", SECTION, "",
             f"The fidelity protocol (`{command}`): {result['pieces']} held-out pieces, the 4 bars from bar 9 as the "
             f"phrase, {result['takes per piece']} takes of 4 bars each with fixed seeds ({settings}), compared "
             "with the composer's bars 13-16; a copy of the phrase is the baseline. Means, 0 = the composer:", "",
             "| measure | this model | copy of the phrase | difference, 90% interval over pieces |",
             "|---|---|---|---|"]
    for m in MEASURES:
        mean, low, high = result["difference from the copy"][m]
        lines.append(f"| {m} | {result['segue'][m]:.3f} | {result['copy of the phrase'][m]:.3f} "
                     f"| {mean:+.4f} [{low:+.4f}, {high:+.4f}] |")
    if PLACES in result["difference from the copy"]:
        mean, low, high = result["difference from the copy"][PLACES]
        lines.append(f"| {PLACES} (beside the six, not counted) | {result['segue'][PLACES]:.3f} "
                     f"| {result['copy of the phrase'][PLACES]:.3f} | {mean:+.4f} [{low:+.4f}, {high:+.4f}] |")
    worse = result["worse than the copy beyond luck"]
    lines += ["", f"New notes (not a phrase note at the same pitch and place in the bar): "
                  f"{result['segue']['new notes']:.1%} (the composer's own next bars: "
                  f"{result[COMPOSER_NEW]:.1%}). Takes in the phrase's key: {result['segue']['key kept']:.0%} "
                  f"(the composer's bars: {result['composer keeps the key']:.0%}). At least as close as the copy on "
                  f"{result['closer than the copy']} of 6 measures; further than it beyond the pieces' luck (the "
                  f"interval above 0) on {', '.join(worse) if worse else 'none'}. Takes that are empty, one repeated "
                  "pitch or "
                  f"silent for a bar the composer filled: {sum(result['failures'].values())} of {result['takes']}."]
    card.write_text(text.rstrip() + "\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
