"""Blind pairs: the composer's next 4 bars and Segue's, as piano rolls a judge tells apart (or not).

    python benchmarks/blind_pairs.py make --pairs 8 --seed 1 --out /tmp/round1 --key-out /tmp/keys/round1.json
        [--start-bar 17 | --offset 2] [--avoid /tmp/keys/round0.json ...] [--option NAME=VALUE ...]
        [--model default] [--allow-protocol-bars]
    python benchmarks/blind_pairs.py score --key /tmp/keys/round1.json --answers /tmp/round1/answers.json

``make`` chooses fresh passages of the held-out pieces (the 26 the default model's run kept for
validation, as ``fidelity.py``): a 4-bar *phrase* and the composer's next 4 bars. By default each
passage starts at a random 4-bar-aligned bar (1, 5, 9, ... moved by ``--offset``), one passage per
piece while pieces last, and never on bars 9-16 (the fidelity and musician benchmarks' passage,
which the team has looked at) unless ``--allow-protocol-bars``; ``--start-bar`` puts every phrase
at that bar instead. Passages named in earlier rounds' keys (``--avoid``) are not used again, nor
any passage overlapping them. Segue writes one take of 4 bars after each phrase (default
Continue options, or ``--option``; a fixed seed per pair, from ``--seed``).

Each pair is one PNG in ``--out``: two panels, A above B, each the phrase (bars 1-4) and then one
of the two continuations (bars 5-8) after a thick bar line, in the same style (black notes, no
velocity, no colour difference, the same pitch axis with a line and a label at every C, time in
bars, no title). The pairs are in random order and A/B is drawn at random for each. The answer key
(which option is Segue's, the piece, the bars, the seed and the settings) goes to ``--key-out``,
which must lie outside ``--out``: the judge is given ``--out`` only. ``--out`` also gets
``README.txt`` (what to do, nothing about which is which) and ``answers.json``, a template to fill:
a list of {"pair": "pair_01", "pick": "A" or "B" (the option the judge takes for Segue's),
"sure": true/false, "reason": "..."}.

``score`` reads a filled answers file and the key and prints the accuracy (the share of pairs in
which the judge picked Segue's take) with Wilson and Clopper-Pearson 95% intervals (50% = cannot
tell them apart), the same for the picks marked sure, and the reasons given for the takes found.

Judges differ. On 13 pairs shown alike to two judges (round 7), one picked Segue's take out in 6,
the other in 11: one round with one judge carries that judge's own spread beyond the binomial
interval, so two settings are not compared by two rounds each judged once. Instead:

    python benchmarks/blind_pairs.py make ... --seed 9 --out /tmp/r-a --key-out /tmp/keys/r-a.json
    python benchmarks/blind_pairs.py make ... --seed 9 --option steering=0 --out /tmp/r-b --key-out ...
    python benchmarks/blind_pairs.py cross --first-key /tmp/keys/r-a.json --first-images /tmp/r-a \
        --first-label A --second-key /tmp/keys/r-b.json --second-images /tmp/r-b --second-label B \
        --out /tmp/r-x --key-out /tmp/keys/r-x
    python benchmarks/blind_pairs.py paired --key /tmp/keys/r-x-1.json --answers /tmp/r-x-1/answers.json \
        --key /tmp/keys/r-x-2.json --answers /tmp/r-x-2/answers.json

``cross`` keeps the passages whose pairs differ between the two rounds and gives each of two judges
every one of them once, half as each setting wrote it, crossed; ``paired`` prints each setting's
accuracy and, passage by passage, how often the take was found with one setting and not the other
(a sign test).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import fidelity  # noqa: E402

from engine.music.phrase import Phrase, trim  # noqa: E402

BARS = 4
PROTOCOL = (fidelity.PHRASE_BAR, fidelity.PHRASE_BAR + 2 * BARS - 1)       # bars 9-16
NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
README = """Blind pairs

Each image shows a 4-bar phrase of piano music (bars 1-4) followed by two different
continuations of 4 bars (bars 5-8): option A in the upper panel, option B in the lower one. The
phrase is the same in both panels; the thick line marks where the continuation starts. One
continuation is the composer's own next 4 bars; the other was written by a computer program
that was given the phrase. Pitch goes up the page (a line at every C, middle C is C4), time to
the right in bars.

For every pair, fill in answers.json: "pick" is the option ("A" or "B") you believe the computer
wrote, "sure" is true if you are confident, and "reason" says in a sentence what gave it away
(or why you guessed).
"""


# -- choosing passages --------------------------------------------------------------------------------

SAME_MUSIC = 0.3     # the share of notes shared (``overlap``) at which two passages are one music


def write_take(loaded, phrase: Phrase, settings: dict, seed: int) -> Phrase:
    """Segue's take of ``BARS`` bars after ``phrase`` (Continue's ``settings``, the take's ``seed``),
    exactly ``BARS`` bars long, as a round shows it."""
    from engine.writing.continuation import ContinueOptions, continue_phrase
    take = continue_phrase(loaded, phrase, ContinueOptions(**{**settings, "bars": BARS, "seed": seed}))[0]
    return trim(take.with_notes(take.notes, end=max(take.length, BARS * phrase.steps_per_bar)), 0,
                BARS * phrase.steps_per_bar)


def take_digest(take: Phrase) -> str:
    """A short fingerprint of a take's notes (pitch, start, length), kept in the key so that a take
    written again later (``critic.py judge``) can be known to be the one the judge saw."""
    import hashlib
    text = ";".join(f"{n.pitch},{n.start},{n.duration}" for n in take.notes)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def passage_at(piece: Phrase, first_bar: int) -> tuple[Phrase, Phrase] | None:
    """(phrase, composer's next bars) from bar ``first_bar``, or None where the piece is too short or
    either holds fewer than 4 notes (as ``fidelity.cases``)."""
    found = fidelity.cases([("", piece)], first_bar, BARS)
    return (found[0][1], found[0][2]) if found else None


def overlaps(a: int, b: int, shared_bars: int = 0) -> bool:
    """Whether the 8-bar windows (phrase and continuation) starting at bars a and b share more than
    ``shared_bars`` bars."""
    return abs(a - b) < 2 * BARS - shared_bars


def key_apart(out: Path, key_out: Path) -> bool:
    """Whether the answer key lies outside the folder the judge is given (else says so)."""
    if key_out == out or out in key_out.parents:
        print("--key-out must lie outside --out: the judge is given --out", file=sys.stderr)
        return False
    return True


def judge_folder(out: Path, pairs: list[dict]) -> None:
    """The judge's README and the answers template for ``pairs`` (their images already in ``out``)."""
    (out / "README.txt").write_text(README)
    (out / "answers.json").write_text(json.dumps(
        [{"pair": p["pair"], "pick": "", "sure": False, "reason": ""} for p in sorted(pairs, key=lambda p: p["pair"])],
        indent=1) + "\n")


def avoided(paths) -> dict[str, list[int]]:
    """The passages of earlier rounds, piece -> phrase start bars, from their key files."""
    out: dict[str, list[int]] = {}
    for path in paths or ():
        for pair in json.loads(Path(path).read_text())["pairs"]:
            out.setdefault(pair["piece"], []).append(pair["phrase bar"])
    return out


def overlap(a: Phrase, b: Phrase) -> float:
    """The share of notes two passages share (Jaccard of (start, pitch)), in the best of the
    transpositions within an octave either way."""
    x = {(n.start, n.pitch) for n in a.notes}
    y = [(n.start, n.pitch) for n in b.notes]
    if not x or not y:
        return 0.0
    return max(len(x & moved) / len(x | moved) for moved in ({(s, p + t) for s, p in y} for t in range(-12, 13)))


def same_music(a: tuple[Phrase, Phrase], b: tuple[Phrase, Phrase]) -> bool:
    """Whether two passages (phrase, composer's bars) are the same music, up to a key and some notes
    (a repeat, a recapitulation): a judge who saw both would know the composer's bars by their
    coming back. Mozart's K. 332/ii bars 29 and 69 (the recapitulation, in another key) share 0.35
    of the phrase's notes and 0.42 of the continuation's; unrelated passages of a piece 0.05-0.2."""
    return max(overlap(a[0], b[0]), overlap(a[1], b[1])) >= SAME_MUSIC


def choose_passages(pieces, count: int, rng: random.Random, start_bar: int | None = None, offset: int = 0,
                    avoid: dict[str, list[int]] | None = None, allow_protocol: bool = False,
                    shared_bars: int = 0):
    """``count`` (name, first bar, phrase, composer's bars): one passage a piece while pieces last, never
    two of the same music (``same_music``) in a round; none overlapping an earlier round's passage
    (``avoid``) by more than ``shared_bars`` bars (0: not at all)."""
    avoid = avoid or {}
    options = {}
    for name, piece in pieces:
        bars = piece.length // piece.steps_per_bar
        starts = [start_bar] if start_bar else list(range(1 + offset % BARS, bars - 2 * BARS + 2, BARS))
        good = []
        for s in starts:
            if any(overlaps(s, old, shared_bars) for old in avoid.get(name, ())):
                continue
            if not start_bar and not allow_protocol and s + 2 * BARS - 1 >= PROTOCOL[0] and s <= PROTOCOL[1]:
                continue
            found = passage_at(piece, s)
            if found:
                good.append((s, *found))
        if good:
            options[name] = good
    chosen = []
    while len(chosen) < count and options:
        names = sorted(options)
        rng.shuffle(names)
        for name in names:
            if len(chosen) == count or name not in options:
                break
            s, phrase, composer = options[name].pop(rng.randrange(len(options[name])))
            if not any(n == name and same_music((p, c), (phrase, composer)) for n, _, p, c in chosen):
                chosen.append((name, s, phrase, composer))
                options[name] = [o for o in options[name] if not overlaps(o[0], s)]
            if not options[name]:
                del options[name]
    if len(chosen) < count:
        print(f"only {len(chosen)} fresh passages could be found", file=sys.stderr)
    return chosen


# -- drawing ------------------------------------------------------------------------------------------

def draw_pair(phrase: Phrase, first: Phrase, second: Phrase, path: Path) -> None:
    """Two panels (A above B), each the phrase and then one continuation, in one style."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    bar = phrase.steps_per_bar
    pitches = [n.pitch for p in (phrase, first, second) for n in p.notes]
    low, high = min(pitches) - 2, max(pitches) + 2
    fig, axes = plt.subplots(2, 1, figsize=(14, 9), sharex=True, sharey=True)
    for ax, label, continuation in zip(axes, "AB", (first, second)):
        ax.axvspan(BARS, 2 * BARS, color="0.94", zorder=0)
        for part, origin in ((phrase, 0), (continuation, BARS * bar)):
            for n in part.notes:
                ax.add_patch(Rectangle(((n.start + origin) / bar, n.pitch - 0.4), n.duration / bar, 0.8,
                                       facecolor="0.1", edgecolor="white", linewidth=0.4, zorder=3))
        for b in range(2 * BARS + 1):
            ax.axvline(b, color="0.6", linewidth=0.6, zorder=1)
        ax.axvline(BARS, color="0.1", linewidth=3, zorder=4)
        cs = [p for p in range(low, high + 1) if p % 12 == 0]
        for p in cs:
            ax.axhline(p, color="0.75", linewidth=0.6, zorder=1)
        ax.set_yticks(cs, [f"C{p // 12 - 1}" for p in cs])
        ax.set_ylim(low, high)
        ax.set_xlim(0, 2 * BARS)
        ax.set_ylabel(f"option {label}", fontsize=14, rotation=0, labelpad=40, va="center")
    axes[-1].set_xticks([b + 0.5 for b in range(2 * BARS)], [f"bar {b + 1}" for b in range(2 * BARS)])
    axes[-1].tick_params(axis="x", length=0)
    axes[0].text(BARS / 2, 1.02, "phrase", transform=axes[0].get_xaxis_transform(), ha="center", fontsize=11)
    axes[0].text(1.5 * BARS, 1.02, "continuation", transform=axes[0].get_xaxis_transform(), ha="center", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# -- scoring ------------------------------------------------------------------------------------------

def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    if not n:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def _binomial_tail(k: int, n: int, p: float, upper: bool) -> float:
    """P(X >= k) (upper) or P(X <= k) for X ~ Binomial(n, p)."""
    ks = range(k, n + 1) if upper else range(0, k + 1)
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in ks)


def clopper_pearson(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """The exact interval: the p at which k or more (k or fewer) successes have probability alpha/2."""
    if not n:
        return (0.0, 1.0)

    def solve(f, target):
        lo, hi = 0.0, 1.0
        for _ in range(60):
            mid = (lo + hi) / 2
            if f(mid) < target:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2
    lower = 0.0 if k == 0 else solve(lambda p: _binomial_tail(k, n, p, True), alpha / 2)
    upper = 1.0 if k == n else solve(lambda p: -_binomial_tail(k, n, p, False), -alpha / 2)
    return (lower, upper)


def score(key: dict, answers: list[dict]) -> dict:
    truth = {p["pair"]: p for p in key["pairs"]}
    rows = []
    for a in answers:
        pair = truth.get(a.get("pair"))
        if pair is None or str(a.get("pick", "")).upper() not in ("A", "B"):
            continue
        rows.append({"pair": a["pair"], "correct": str(a["pick"]).upper() == pair["segue"],
                     "sure": bool(a.get("sure")), "reason": a.get("reason", ""), "piece": pair["piece"],
                     "bars": pair["phrase bar"]})
    k, n = sum(r["correct"] for r in rows), len(rows)
    sure = [r for r in rows if r["sure"]]
    ks = sum(r["correct"] for r in sure)
    return {"answered": n, "pairs": len(truth), "correct": k, "accuracy": k / n if n else math.nan,
            "wilson 95%": wilson(k, n), "clopper-pearson 95%": clopper_pearson(k, n),
            "sure": len(sure), "sure correct": ks, "sure accuracy": ks / len(sure) if sure else math.nan,
            "sure clopper-pearson 95%": clopper_pearson(ks, len(sure)),
            "found, with reasons": [r for r in rows if r["correct"]],
            "missed": [r for r in rows if not r["correct"]],
            "unanswered": sorted(set(truth) - {r["pair"] for r in rows})}


# -- two settings compared, crossed between two judges ----------------------------------------------

def crossed(first: dict, second: dict, differ: list[bool], rng: random.Random) -> list[list[tuple[str, int]]]:
    """Two judges' rounds from two rounds made with one seed (the same passages, takes written two
    ways): the passages whose pairs differ (``differ``, by pair, in the keys' order), shuffled and
    halved; judge 1 sees the first half as ``first`` wrote it and the second as ``second`` did, judge 2
    the other way round, so that each judge sees every passage once and each setting in half of them.
    Returns, per judge, (which round: "first" or "second", the pair's index in the keys) in a random
    order. A pair the same in both rounds says nothing about the difference and is left out."""
    where = [[(p["piece"], p["phrase bar"]) for p in key["pairs"]] for key in (first, second)]
    if where[0] != where[1]:
        raise ValueError("the two rounds must show the same passages in the same order (make both with one --seed)")
    chosen = [i for i, d in enumerate(differ) if d]
    rng.shuffle(chosen)
    half = len(chosen) // 2
    judges = [[("first", i) for i in chosen[:half]] + [("second", i) for i in chosen[half:]],
              [("second", i) for i in chosen[:half]] + [("first", i) for i in chosen[half:]]]
    for plan in judges:
        rng.shuffle(plan)
    return judges


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact p-value of ``wins`` against ``losses`` (ties left out) if either were as likely."""
    n = wins + losses
    if not n:
        return 1.0
    return min(1.0, 2 * _binomial_tail(max(wins, losses), n, 0.5, True))


def paired_score(rounds: list[tuple[dict, list[dict]]]) -> dict:
    """Crossed rounds (``cross``): each setting's accuracy over both judges, and passage by passage
    (each seen once with each setting, by different judges) how often the take was picked out with
    one setting and not the other, with a sign test."""
    by_setting: dict[str, list[bool]] = {}
    by_passage: dict[tuple, dict[str, bool]] = {}
    for key, answers in rounds:
        truth = {p["pair"]: p for p in key["pairs"]}
        for a in answers:
            pair = truth.get(a.get("pair"))
            if pair is None or str(a.get("pick", "")).upper() not in ("A", "B"):
                continue
            right = str(a["pick"]).upper() == pair["segue"]
            by_setting.setdefault(pair["setting"], []).append(right)
            by_passage.setdefault((pair["piece"], pair["phrase bar"]), {})[pair["setting"]] = right
    settings = sorted(by_setting)
    out: dict = {"settings": {}}
    for name in settings:
        k, n = sum(by_setting[name]), len(by_setting[name])
        out["settings"][name] = {"correct": k, "answered": n, "accuracy": k / n if n else math.nan,
                                 "wilson 95%": wilson(k, n)}
    if len(settings) == 2:
        a, b = settings
        both = [v for v in by_passage.values() if a in v and b in v]
        only_a = sum(v[a] and not v[b] for v in both)
        only_b = sum(v[b] and not v[a] for v in both)
        out["passages judged both ways"] = len(both)
        out[f"picked out only with {a}"] = only_a
        out[f"picked out only with {b}"] = only_b
        out["sign test p (two-sided)"] = sign_test(only_a, only_b)
    return out


def cross_command(args) -> int:
    first, second = (json.loads(Path(k).read_text()) for k in (args.first_key, args.second_key))
    images = [Path(args.first_images), Path(args.second_images)]
    differ = [(images[0] / f"{a['pair']}.png").read_bytes() != (images[1] / f"{b['pair']}.png").read_bytes()
              for a, b in zip(first["pairs"], second["pairs"])]
    try:
        judges = crossed(first, second, differ, random.Random(args.seed))
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    rounds = {"first": (first, images[0], args.first_label), "second": (second, images[1], args.second_label)}
    for number, plan in enumerate(judges, 1):
        out, key_out = Path(f"{args.out}-{number}").resolve(), Path(f"{args.key_out}-{number}.json").resolve()
        if not key_apart(out, key_out):
            return 2
        out.mkdir(parents=True, exist_ok=True)
        key_out.parent.mkdir(parents=True, exist_ok=True)
        pairs = []
        for i, (which, index) in enumerate(plan, 1):
            key, folder, label = rounds[which]
            source = key["pairs"][index]
            name = f"pair_{i:02d}"
            (out / f"{name}.png").write_bytes((folder / f"{source['pair']}.png").read_bytes())
            pairs.append({**source, "pair": name, "setting": label, "was": source["pair"]})
        crossed_key = {"crossed from": {args.first_label: str(args.first_key), args.second_label: str(args.second_key)},
                       "settings": {args.first_label: first.get("settings"), args.second_label: second.get("settings")},
                       "engine constants": {args.first_label: first.get("engine constants", {}),
                                            args.second_label: second.get("engine constants", {})},
                       "pick means": "the option the judge takes for Segue's", "pairs": pairs}
        key_out.write_text(json.dumps(crossed_key, indent=1) + "\n")
        judge_folder(out, pairs)
        print(f"judge {number}: {len(pairs)} pairs in {out}; the key in {key_out}")
    print(f"{differ.count(False)} passages whose pairs are the same in both rounds left out")
    return 0


def paired_command(args) -> int:
    if len(args.key) != len(args.answers):
        print("give each --key with its --answers", file=sys.stderr)
        return 2
    rounds = [(json.loads(Path(k).read_text()), json.loads(Path(a).read_text()))
              for k, a in zip(args.key, args.answers)]
    if any("setting" not in p for key, _ in rounds for p in key["pairs"]):
        print("paired scores the keys `cross` writes (each pair names its setting); score a round with `score`",
              file=sys.stderr)
        return 2
    result = paired_score(rounds)
    for name, r in result["settings"].items():
        w = r["wilson 95%"]
        print(f"{name}: Segue's take picked out in {r['correct']} of {r['answered']} pairs, {r['accuracy']:.0%} "
              f"(Wilson 95% {w[0]:.0%}-{w[1]:.0%})")
    if "passages judged both ways" in result:
        rest = {k: v for k, v in result.items() if k.startswith("picked out only")}
        print(f"{result['passages judged both ways']} passages judged both ways: "
              + ", ".join(f"{k} {v}" for k, v in rest.items())
              + f"; sign test p = {result['sign test p (two-sided)']:.2f}")
    if args.json:
        print(json.dumps(result))
    return 0


# -- commands -----------------------------------------------------------------------------------------

def make(args) -> int:
    out, key_out = Path(args.out).resolve(), Path(args.key_out).resolve()
    if not key_apart(out, key_out):
        return 2
    import torch
    from musician import parse_options, set_constants

    from engine.model.checkpoint import load_model
    from engine.writing.continuation import ContinueOptions
    torch.set_num_threads(1)
    rng = random.Random(args.seed)
    loaded = load_model(args.model)
    settings = parse_options(args.option)
    constants = set_constants(args.set)
    chosen = choose_passages(fidelity.held_out_pieces(), args.pairs, rng, args.start_bar, args.offset,
                             avoided(args.avoid), args.allow_protocol_bars, args.shared_bars)
    rng.shuffle(chosen)
    out.mkdir(parents=True, exist_ok=True)
    key_out.parent.mkdir(parents=True, exist_ok=True)
    pairs = []
    for i, (name, first_bar, phrase, composer) in enumerate(chosen, 1):
        seed = rng.randrange(2 ** 31)
        take = write_take(loaded, phrase, settings, seed)
        segue = rng.choice("AB")
        a, b = (take, composer) if segue == "A" else (composer, take)
        label = f"pair_{i:02d}"
        draw_pair(phrase, a, b, out / f"{label}.png")
        pairs.append({"pair": label, "segue": segue, "piece": name, "phrase bar": first_bar,
                      "bars": f"phrase {first_bar}-{first_bar + BARS - 1}, composer {first_bar + BARS}-"
                              f"{first_bar + 2 * BARS - 1}", "take seed": seed, "take notes": len(take.notes),
                      "take digest": take_digest(take),
                      "composer notes": len(composer.notes)})
    key = {"model": loaded.name, "round seed": args.seed, "start bar": args.start_bar, "offset": args.offset,
           "settings": {k: v for k, v in vars(ContinueOptions(bars=BARS, **settings)).items() if k != "seed"},
           **({"engine constants": constants} if constants else {}),
           "pick means": "the option the judge takes for Segue's", "pairs": pairs}
    key_out.write_text(json.dumps(key, indent=1) + "\n")
    judge_folder(out, pairs)
    print(f"{len(pairs)} pairs in {out} (README.txt, answers.json to fill); the key in {key_out}")
    return 0


def score_command(args) -> int:
    key = json.loads(Path(args.key).read_text())
    result = score(key, json.loads(Path(args.answers).read_text()))
    n, k = result["answered"], result["correct"]
    if not n:
        print("no answers to score")
        return 1
    w, cp = result["wilson 95%"], result["clopper-pearson 95%"]
    print(f"Segue's take picked out in {k} of {n} pairs: {result['accuracy']:.0%} "
          f"(Wilson 95% {w[0]:.0%}-{w[1]:.0%}, Clopper-Pearson 95% {cp[0]:.0%}-{cp[1]:.0%}; 50% = a coin)")
    if result["sure"]:
        scp = result["sure clopper-pearson 95%"]
        print(f"marked sure: {result['sure correct']} of {result['sure']} right "
              f"(Clopper-Pearson 95% {scp[0]:.0%}-{scp[1]:.0%})")
    if result["unanswered"]:
        print(f"unanswered: {', '.join(result['unanswered'])}")
    print("\nreasons given for the takes picked out:")
    for r in result["found, with reasons"]:
        print(f"  {r['pair']} ({'sure' if r['sure'] else 'unsure'}; {Path(r['piece']).stem}, bar {r['bars']}): "
              f"{r['reason']}")
    if result["missed"]:
        print("\nmissed (the composer taken for Segue):")
        for r in result["missed"]:
            print(f"  {r['pair']} ({'sure' if r['sure'] else 'unsure'}; {Path(r['piece']).stem}, bar {r['bars']}): "
                  f"{r['reason']}")
    if args.json:
        print(json.dumps(result))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    m = commands.add_parser("make", help="write a round of pairs and its key")
    m.add_argument("--pairs", type=int, default=8)
    m.add_argument("--seed", type=int, default=0, help="the round's random seed (passages, order, A/B, takes)")
    m.add_argument("--out", required=True, help="the folder the judge is given: images, README.txt, answers.json")
    m.add_argument("--key-out", required=True, help="the answer key (JSON), outside --out")
    m.add_argument("--start-bar", type=int, default=None, help="every phrase from this bar (default: random)")
    m.add_argument("--offset", type=int, default=0, help="random starts at bars 1+offset, 5+offset, ...")
    m.add_argument("--avoid", nargs="*", default=[], metavar="KEY.json", help="earlier rounds' keys: not again")
    m.add_argument("--allow-protocol-bars", action="store_true", help="allow passages overlapping bars 9-16")
    m.add_argument("--shared-bars", type=int, default=0, metavar="N",
                   help="a passage may share up to N of its 8 bars with an earlier round's (--avoid): where the "
                        "held-out pieces' fresh passages are used up (4: a new phrase may be an old continuation)")
    m.add_argument("--model", default=None)
    m.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                   help="any ContinueOptions field, e.g. --option steering=0")
    m.add_argument("--set", action="append", default=[], metavar="MODULE.NAME=VALUE",
                   help="an engine constant for this round, e.g. --set engine.writing.listening.TEXTURE=0")
    s = commands.add_parser("score", help="score a judge's answers against the key")
    s.add_argument("--key", required=True)
    s.add_argument("--answers", required=True)
    s.add_argument("--json", action="store_true", help="also print the result as JSON")
    c = commands.add_parser("cross", help="two rounds made with one --seed, two settings: two judges' rounds, crossed")
    c.add_argument("--first-key", required=True)
    c.add_argument("--first-images", required=True, help="the folder the first round's judge was given")
    c.add_argument("--first-label", default="first", help="the first round's setting, in words")
    c.add_argument("--second-key", required=True)
    c.add_argument("--second-images", required=True)
    c.add_argument("--second-label", default="second")
    c.add_argument("--seed", type=int, default=0, help="which passages go to which half, and the order")
    c.add_argument("--out", required=True, help="the judges' folders are OUT-1 and OUT-2")
    c.add_argument("--key-out", required=True, help="their keys are KEY_OUT-1.json and KEY_OUT-2.json")
    p = commands.add_parser("paired", help="score crossed rounds: each setting, and passage by passage")
    p.add_argument("--key", action="append", default=[], required=True)
    p.add_argument("--answers", action="append", default=[], required=True)
    p.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    return {"make": make, "score": score_command, "cross": cross_command, "paired": paired_command}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
