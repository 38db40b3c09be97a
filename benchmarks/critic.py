"""A critic for the blind pairs: a network that tells a model's takes from the composer's bars as a judge does.

    python benchmarks/critic.py passages --out runs/critic/train.json [--per-piece 12] [--takes 2] [--workers 2]
    python benchmarks/critic.py passages --held-out --out runs/critic/held_out.json --per-piece 6
    python benchmarks/critic.py train --passages runs/critic/train.json --held-out runs/critic/held_out.json \
        --out benchmarks/critic_weights/default [--epochs 12]
    python benchmarks/critic.py judge --key docs/results/blind/round9x-1-key.json \
        --answers docs/results/blind/round9x-1-answers.json [--critic benchmarks/critic_weights/default]
    python benchmarks/critic.py where --passages runs/critic/held_out.json [--critic ...]

``passages`` cuts passages from the pieces of the model's *training* split (``--held-out``: the
26 pieces its run kept out, to test the critic on): a 4-bar phrase at a random 4-bar-aligned bar and
the composer's next 4 bars, and writes ``--takes`` takes of 4 bars after each phrase with Continue's
default options (as the window writes them), all as notes on the model's grid, to a JSON file.

``train`` renders each as the piano roll a judge sees (``critic_net.py``: the phrase, then the
continuation), the composer's labelled 1 and the takes 0, moves each picture by a random
interval (-5 to +6 semitones) every epoch, trains the critic (Adam, the classes weighted equally)
on the training split's passages, with a tenth of its pieces kept apart to choose the epoch, and
prints how well it tells the held-out pieces' takes from the composer's bars (accuracy and the
area under the ROC curve, and the share of passages' pairs in which it scores the composer's bars
above the take: a blind pair as a judge is asked it). ``--out`` saves it (``.safetensors`` and a
``.json`` with those figures).

``judge`` puts the critic in a judge's place on a blind round made by ``blind_pairs.py``: it writes
each pair's take again from the key (the piece, the bars, the seed, the settings; a pair whose take
comes out with another number of notes than the key's, as after a change to how Segue writes, is
left out and counted), picks as Segue's the continuation it scores lower, and prints how often it
is right and, given the judge's ``--answers``, how often it picks as the judge picked.

``where`` asks which new bar gives a take away: for each take of ``--passages``, each of its 4 bars
in turn is replaced by the composer's same bar, and the rise of the critic's score is set against
the whole gap between the take's score and the composer's (takes with a gap above half a unit).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import namedtuple
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import fidelity  # noqa: E402

BARS = 4


def note_rows(notes) -> list[list[int]]:
    return [[n.pitch, n.start, n.duration] for n in notes]


Row = namedtuple("Row", "pitch start duration")      # a note as the picture reads it (moved, it may leave 0-127)


def _notes(rows) -> list[Row]:
    return [Row(p, s, d) for p, s, d in rows]


def cut_passages(pieces, per_piece: int, rng: random.Random) -> list[tuple[str, int, object, object]]:
    """Up to ``per_piece`` passages a piece, at random 4-bar-aligned bars, none overlapping."""
    from blind_pairs import passage_at
    chosen = []
    for name, piece in pieces:
        bar = piece.steps_per_bar
        firsts = list(range(1, max(1, piece.length // bar - 2 * BARS + 2), BARS))
        rng.shuffle(firsts)
        taken: list[int] = []
        for first in firsts:
            if len(taken) >= per_piece:
                break
            if any(abs(first - t) < 2 * BARS for t in taken):
                continue
            found = passage_at(piece, first)
            if found is not None:
                taken.append(first)
                chosen.append((name, first, *found))
    return chosen


_loaded = None


def _start_worker(model: str) -> None:
    global _loaded
    import torch

    from engine.model.checkpoint import load_model
    torch.set_num_threads(1)
    _loaded = load_model(model)


def _write_takes(job) -> dict:
    from engine.music.phrase import regrid
    from engine.writing.continuation import ContinueOptions, continue_phrase
    name, first, phrase, composer, takes, seed = job
    written = continue_phrase(_loaded, phrase, ContinueOptions(bars=BARS, variations=takes, seed=seed))
    spq = _loaded.steps_per_quarter
    own, theirs = regrid(phrase, spq), regrid(composer, spq)
    return {"piece": name, "phrase bar": first, "bar steps": own.steps_per_bar,
            "phrase": note_rows(own.notes), "composer": note_rows(theirs.notes),
            "takes": [note_rows(regrid(t, spq).notes) for t in written]}


def passages_command(args) -> int:
    from multiprocessing import get_context
    rng = random.Random(args.seed)
    pieces = fidelity.held_out_pieces() if args.held_out else fidelity.tuning_pieces(count=10 ** 6)   # all
    chosen = cut_passages(pieces, args.per_piece, rng)
    jobs = [(name, first, phrase, composer, args.takes, rng.randrange(2 ** 31))
            for name, first, phrase, composer in chosen]
    began = time.perf_counter()
    with get_context("spawn").Pool(args.workers, _start_worker, (args.model,)) as pool:
        found = []
        for i, item in enumerate(pool.imap(_write_takes, jobs, chunksize=4), 1):
            found.append(item)
            if i % 100 == 0:
                print(f"{i}/{len(jobs)} passages, {time.perf_counter() - began:.0f} s", file=sys.stderr)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"model": args.model, "held out": args.held_out, "seed": args.seed,
                                          "pieces": len(pieces), "passages": found}) + "\n")
    print(f"{len(found)} passages from {len(pieces)} pieces, {args.takes} takes each, in "
          f"{time.perf_counter() - began:.0f} s: {args.out}")
    return 0


def examples(passages: list[dict]) -> list[tuple[dict, list, int]]:
    """(passage, continuation notes, label) for the composer's bars (1) and each take (0)."""
    out = []
    for p in passages:
        out.append((p, p["composer"], 1))
        out += [(p, take, 0) for take in p["takes"]]
    return out


def render(items, transpose: list[int] | None = None):
    from critic_net import batch, picture
    pictures = []
    for k, (p, after, _) in enumerate(items):
        t = transpose[k] if transpose else 0
        before = [[pitch + t, s, d] for pitch, s, d in p["phrase"]]
        after_notes = _notes([[pitch + t, s, d] for pitch, s, d in after])
        pictures.append(picture(_notes(before), BARS * p["bar steps"], after_notes, p["bar steps"]))
    return batch(pictures)


def auc(scores, labels) -> float:
    """The area under the ROC curve: the chance a composer's example scores above a take."""
    pos = [s for s, y in zip(scores, labels) if y == 1]
    neg = [s for s, y in zip(scores, labels) if y == 0]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / max(1, len(pos) * len(neg))


def evaluate(network, items) -> dict:
    import torch
    network.eval()
    scores = []
    with torch.no_grad():
        for i in range(0, len(items), 128):
            scores += network(render(items[i:i + 128])).tolist()
    labels = [y for _, _, y in items]
    # as a judge is asked: per passage, is the composer's scored above the take (each take in turn)?
    by_passage: dict[int, list[tuple[float, int]]] = {}
    for (p, _, y), s in zip(items, scores):
        by_passage.setdefault(id(p), []).append((s, y))
    pairs = wins = 0
    for found in by_passage.values():
        composer = [s for s, y in found if y == 1]
        for s, y in found:
            if y == 0 and composer:
                pairs += 1
                wins += composer[0] > s
    return {"auc": round(auc(scores, labels), 4), "pairs told apart": round(wins / max(1, pairs), 4),
            "pairs": pairs}


def train_command(args) -> int:
    import torch
    from critic_net import Critic, save_critic
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    data = json.loads(Path(args.passages).read_text())
    pieces = sorted({p["piece"] for p in data["passages"]})
    rng.shuffle(pieces)
    apart = set(pieces[:max(1, len(pieces) // 10)])
    train = examples([p for p in data["passages"] if p["piece"] not in apart])
    valid = examples([p for p in data["passages"] if p["piece"] in apart])
    held = examples(json.loads(Path(args.held_out).read_text())["passages"]) if args.held_out else []
    network = Critic(args.width)
    optimiser = torch.optim.AdamW(network.parameters(), lr=args.learning_rate, weight_decay=1e-4)
    positives = sum(y for _, _, y in train)
    weight = torch.tensor((len(train) - positives) / max(1, positives))      # the classes weighted equally
    loss_of = torch.nn.BCEWithLogitsLoss(pos_weight=weight)
    best, best_state, history = -1.0, None, []
    began = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        network.train()
        rng.shuffle(train)
        total = 0.0
        for i in range(0, len(train), args.batch_size):
            chunk = train[i:i + args.batch_size]
            rolls = render(chunk, [rng.randint(-5, 6) for _ in chunk])
            labels = torch.tensor([float(y) for _, _, y in chunk])
            loss = loss_of(network(rolls), labels)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(chunk)
        figures = evaluate(network, valid)
        history.append({"epoch": epoch, "loss": round(total / len(train), 4), "valid": figures,
                        "minutes": round((time.perf_counter() - began) / 60, 1)})
        print(json.dumps(history[-1]), file=sys.stderr)
        if figures["auc"] > best:
            best = figures["auc"]
            best_state = {k: v.clone() for k, v in network.state_dict().items()}
    network.load_state_dict(best_state)
    result = {"trained on": f"{len(train)} pictures from the training split of {data['model']}'s music "
                            f"({len(pieces) - len(apart)} pieces; {len(apart)} kept apart to choose the epoch)",
              "epochs": args.epochs, "chosen epoch": max(history, key=lambda h: h["valid"]["auc"])["epoch"],
              "valid": max(h["valid"]["auc"] for h in history), "history": history,
              "command": "python benchmarks/critic.py " + " ".join(sys.argv[1:])}
    if held:
        result["held out"] = evaluate(network, held)
        result["held out"]["pieces"] = len({p["piece"] for p, _, _ in held})
    print(json.dumps({k: v for k, v in result.items() if k != "history"}))
    if args.out:
        save_critic(args.out, network, result)
        print(f"saved as {args.out}.safetensors and .json", file=sys.stderr)
    return 0


def where_command(args) -> int:
    import numpy as np
    import torch
    from critic_net import load_critic
    torch.set_num_threads(1)
    critic = load_critic(args.critic)
    rises, gaps = [], []
    for p in json.loads(Path(args.passages).read_text())["passages"]:
        bar = p["bar steps"]
        composer = _notes(p["composer"])
        for take in map(_notes, p["takes"]):
            spliced = [[n for n in take if not k * bar <= n.start < (k + 1) * bar]
                       + [n for n in composer if k * bar <= n.start < (k + 1) * bar] for k in range(BARS)]
            scores = critic.scores(_notes(p["phrase"]), BARS * bar, [take, *spliced, composer], bar)
            rises.append(scores[1:1 + BARS] - scores[0])
            gaps.append(scores[-1] - scores[0])
    rise, gap = np.array(rises), np.array(gaps)
    clear = gap > 0.5
    share = np.median(rise[clear] / gap[clear, None], axis=0)
    most = np.bincount(np.argmax(rise[clear], axis=1), minlength=BARS)
    print(json.dumps({"takes": len(gap), "takes with a clear gap": int(clear.sum()),
                      "the gap, composer over take (median)": round(float(np.median(gap)), 2),
                      "share of the gap closed by the composer's bar, new bars 1-4 (median)":
                          [round(float(x), 2) for x in share],
                      "the bar that closes most, new bars 1-4 (takes)": [int(x) for x in most]}, indent=1))
    return 0


@contextmanager
def engine_constants(constants: dict):
    """The engine's module constants set as a round's key says (``MODULE.NAME``: value), then restored."""
    import importlib
    saved = []
    try:
        for path, value in constants.items():
            module_name, _, name = path.rpartition(".")
            module = importlib.import_module(module_name)
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, value)
        yield
    finally:
        for module, name, value in reversed(saved):
            setattr(module, name, value)


def judge_command(args) -> int:
    import torch
    from blind_pairs import passage_at, score, take_digest, write_take
    from critic_net import load_critic

    from engine.model.checkpoint import load_model
    from engine.music.phrase import regrid
    torch.set_num_threads(1)
    critic = load_critic(args.critic)
    key = json.loads(Path(args.key).read_text())
    answers = {a["pair"]: a for a in json.loads(Path(args.answers).read_text())} if args.answers else {}
    loaded = load_model(args.model)
    spq = loaded.steps_per_quarter
    pieces = dict(fidelity.held_out_pieces())
    picks, left_out = [], []
    for pair in key["pairs"]:
        if args.setting and pair.get("setting") != args.setting:
            continue
        crossed = "setting" in pair
        settings = key["settings"][pair["setting"]] if crossed else key["settings"]
        constants = key.get("engine constants", {})
        constants = constants.get(pair["setting"], {}) if crossed else constants
        phrase, composer = passage_at(pieces[pair["piece"]], pair["phrase bar"])
        with engine_constants(constants):
            take = write_take(loaded, phrase, settings, pair["take seed"])
        if len(take.notes) != pair["take notes"] or pair.get("take digest", take_digest(take)) != take_digest(take):
            left_out.append(pair["pair"])
            continue
        own = regrid(phrase, spq)
        composer_score, take_score = critic.scores(own.notes, own.length,
                                                   [regrid(composer, spq).notes, regrid(take, spq).notes],
                                                   own.steps_per_bar)
        segue = pair["segue"]
        other = "B" if segue == "A" else "A"
        picks.append({"pair": pair["pair"], "pick": segue if take_score < composer_score else other,
                      "setting": pair.get("setting", ""), "margin": round(float(composer_score - take_score), 3)})
    kept = {p["pair"] for p in picks}
    result: dict = {"key": args.key, "critic file": str(args.critic), "pairs": len(key["pairs"]),
                    "left out (take not as the round's)": left_out,
                    "critic": score({"pairs": [p for p in key["pairs"] if p["pair"] in kept]}, picks)}
    by_setting: dict[str, list] = {}
    for p, pair in zip(picks, [q for q in key["pairs"] if q["pair"] in kept]):
        by_setting.setdefault(p["setting"], []).append(p["pick"] == pair["segue"])
    if len(by_setting) > 1:
        result["critic by setting"] = {k: f"{sum(v)} of {len(v)}" for k, v in by_setting.items()}
    if answers:
        both = [p for p in picks if p["pair"] in answers]
        same = sum(answers[p["pair"]]["pick"] == p["pick"] for p in both)
        truth = {q["pair"]: q["segue"] for q in key["pairs"]}
        judge_right = sum(answers[p["pair"]]["pick"] == truth[p["pair"]] for p in both)
        result["judge"] = f"{judge_right} of {len(both)} right"
        result["the critic picks as the judge"] = f"{same} of {len(both)} ({same / max(1, len(both)):.0%})"
        result["both right, critic only, judge only, neither"] = [
            sum((p["pick"] == truth[p["pair"]]) and (answers[p["pair"]]["pick"] == truth[p["pair"]]) for p in both),
            sum((p["pick"] == truth[p["pair"]]) and (answers[p["pair"]]["pick"] != truth[p["pair"]]) for p in both),
            sum((p["pick"] != truth[p["pair"]]) and (answers[p["pair"]]["pick"] == truth[p["pair"]]) for p in both),
            sum((p["pick"] != truth[p["pair"]]) and (answers[p["pair"]]["pick"] != truth[p["pair"]]) for p in both)]
    print(json.dumps(result, indent=1))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("passages")
    p.add_argument("--out", required=True)
    p.add_argument("--held-out", action="store_true")
    p.add_argument("--per-piece", type=int, default=12)
    p.add_argument("--takes", type=int, default=2)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--model", default="default")
    p.add_argument("--seed", type=int, default=0)
    t = sub.add_parser("train")
    t.add_argument("--passages", required=True)
    t.add_argument("--held-out")
    t.add_argument("--out", help="where to save it: PATH.safetensors and PATH.json")
    t.add_argument("--epochs", type=int, default=12)
    t.add_argument("--width", type=int, default=16)
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--learning-rate", type=float, default=1e-3)
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--seed", type=int, default=0)
    j = sub.add_parser("judge")
    j.add_argument("--key", required=True, help="a blind round's key (blind_pairs.py make or cross)")
    j.add_argument("--answers", help="the judge's answers to the same round")
    j.add_argument("--critic", default=str(ROOT / "benchmarks" / "critic_weights" / "default"))
    j.add_argument("--model", default="default")
    j.add_argument("--setting", help="of a crossed round, only the pairs of this setting (the others' takes may "
                                     "need engine constants the crossed key does not keep)")
    w = sub.add_parser("where")
    w.add_argument("--passages", required=True)
    w.add_argument("--critic", default=str(ROOT / "benchmarks" / "critic_weights" / "default"))
    args = parser.parse_args(argv)
    commands = {"passages": passages_command, "train": train_command, "judge": judge_command, "where": where_command}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
