"""Continue and Fill against an earlier Segue, in one process, taking turns: the speed ratios here.

    git -C . archive 4a50b9f | tar -x -C /tmp/old-4a50b9f      (or: git worktree add /tmp/old-4a50b9f 4a50b9f)
    python benchmarks/compare_continue.py /tmp/old-4a50b9f [--repeats 9] [--json]

This machine's speed changes from minute to minute (it is shared), so absolute times from two
runs cannot be compared. Here the earlier checkout's engine is imported beside this one (copied
under another package name), and both write the same music in turns, on one thread, each at its
own default settings and with its own default model: Continue 4 bars x 4 takes after each of four
bundled seeds, and Fill 2 bars (4 takes from 32 candidates) between the first 4 bars and the next
2 of the bundled Chopin mazurka. The figures are medians over ``--repeats`` seeds of the draw; a
ratio is this Segue's time over the earlier one's. Works with checkouts whose engine is one flat
folder (``engine/generate.py``, before the rooms) or in rooms (``engine/writing/``).

``--wide``: also a 2 x 512 network in this Segue against the earlier one's 2 x 256 default, taking
turns, Continue 4 x 4 on the same seeds. The wide network is the default widened with silent units
(their weights zero: they stay at rest and add nothing), so it writes the same music as the default
at the cost of a network twice as wide.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEEDS = ("K. 545", "Maple Leaf", "Four chords", "Lindenbaum")
FILL_SEED = "Mazurka"


def earlier_engine(checkout: Path) -> dict:
    """The earlier checkout's engine as the package ``earlier_engine`` (its models beside it):
    its modules for loading a model, continuing, filling and its phrase type."""
    folder = Path(tempfile.mkdtemp(prefix="segue-earlier-"))
    shutil.copytree(checkout / "engine", folder / "earlier_engine")
    (folder / "models").symlink_to(checkout / "models")
    sys.path.insert(0, str(folder))
    rooms = (checkout / "engine" / "writing").is_dir()
    names = {"checkpoint": "model.checkpoint", "continuation": "writing.continuation", "fill": "writing.fill",
             "phrase": "music.phrase"} if rooms else \
        {"checkpoint": "checkpoint", "continuation": "generate", "fill": "fill", "phrase": "phrase"}
    return {key: importlib.import_module(f"earlier_engine.{name}") for key, name in names.items()}


def as_earlier(phrase, earlier_phrase):
    """``phrase`` as the earlier engine's Phrase."""
    notes = tuple(earlier_phrase.Note(n.pitch, n.start, n.duration, n.velocity) for n in phrase.notes)
    return earlier_phrase.Phrase(notes, phrase.steps_per_quarter, phrase.tempo_bpm, phrase.time_signature, phrase.end)


def widened(loaded, hidden: int):
    """``loaded`` with its LSTM ``hidden`` units wide: the extra units' weights zero, so the logits
    (and the music written) are the default's, computed at the wider network's cost."""
    import dataclasses

    import torch

    from engine.model.network import ModelConfig, MusicLSTM
    old, n = loaded.model, loaded.model.config.hidden_size
    config = ModelConfig.from_json({**old.config.to_json(), "hidden_size": hidden})
    wide = MusicLSTM(config).eval()
    gate = torch.cat([torch.arange(g * hidden, g * hidden + n) for g in range(4)])     # the old units' gate rows
    with torch.no_grad():
        for name, value in wide.named_parameters():
            mine = dict(old.named_parameters())[name]
            value.zero_()
            rows = gate if name.startswith("lstm.") else torch.arange(mine.size(0))
            if value.dim() == 1:
                value[rows] = mine
            else:
                wide_in = value.size(1) != mine.size(1)                          # reads the hidden state
                value[rows[:, None], torch.arange(n if wide_in else mine.size(1))] = mine
    return dataclasses.replace(loaded, model=wide)


def turns(jobs: dict, repeats: int) -> dict[str, float]:
    """Each job (draw seed -> None) run ``repeats`` times, the jobs taking turns; the median ms of each."""
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for r in range(repeats):
        for name, job in jobs.items():
            started = time.perf_counter()
            job(r)
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(t) for name, t in times.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="a checkout of the earlier Segue")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--skip-fill", action="store_true")
    parser.add_argument("--wide", action="store_true", help="also a 2 x 512 network against the earlier 2 x 256")
    args = parser.parse_args(argv)

    import torch

    from engine.files.seeds import list_seeds, load_seed
    from engine.model.checkpoint import load_model
    from engine.writing.continuation import ContinueOptions, continue_phrase
    from engine.writing.fill import FillOptions, fill_span
    torch.set_num_threads(1)
    old = earlier_engine(args.checkout.resolve())
    old_model = old["checkpoint"].load_model(args.checkout.resolve() / "models" / "default")
    new_model = load_model("default")
    result: dict = {"repeats": args.repeats, "continue 4 bars x 4": {}}

    def seed(title):
        return load_seed(next(s for s in list_seeds() if title in s.title))

    for title in SEEDS:
        phrase = seed(title)
        old_phrase = as_earlier(phrase, old["phrase"])
        ms = turns({"before": lambda r, p=old_phrase: old["continuation"].continue_phrase(
                        old_model, p, old["continuation"].ContinueOptions(bars=4, variations=4, seed=r)),
                    "now": lambda r, p=phrase: continue_phrase(
                        new_model, p, ContinueOptions(bars=4, variations=4, seed=r))}, args.repeats)
        result["continue 4 bars x 4"][title] = {"before_ms": round(ms["before"], 1), "now_ms": round(ms["now"], 1),
                                                "ratio": round(ms["now"] / ms["before"], 2)}
        if not args.json:
            print(f"continue {title:14} before {ms['before']:7.1f} ms   now {ms['now']:7.1f} ms   "
                  f"{ms['now'] / ms['before']:.2f}x", flush=True)
    result["continue median ratio"] = statistics.median(v["ratio"] for v in result["continue 4 bars x 4"].values())
    if not args.skip_fill:
        phrase = seed(FILL_SEED)
        old_phrase = as_earlier(phrase, old["phrase"])
        bar = phrase.steps_per_bar
        ms = turns({"before": lambda r: old["fill"].fill_span(old_model, old_phrase, 4 * bar, 6 * bar,
                                                              old["fill"].FillOptions(variations=4, seed=r)),
                    "now": lambda r: fill_span(new_model, phrase, 4 * bar, 6 * bar, FillOptions(variations=4, seed=r))},
                   args.repeats)
        result["fill 2 bars"] = {"before_ms": round(ms["before"], 1), "now_ms": round(ms["now"], 1),
                                 "ratio": round(ms["now"] / ms["before"], 2)}
        if not args.json:
            print(f"fill 2 bars ({FILL_SEED})  before {ms['before']:7.1f} ms   now {ms['now']:7.1f} ms   "
                  f"{ms['now'] / ms['before']:.2f}x")
    if args.wide:
        wide_model = widened(new_model, 512)
        result["continue 4 bars x 4, 2 x 512 now against 2 x 256 before"] = wide = {}
        for title in SEEDS:
            phrase = seed(title)
            old_phrase = as_earlier(phrase, old["phrase"])
            ms = turns({"before": lambda r, p=old_phrase: old["continuation"].continue_phrase(
                            old_model, p, old["continuation"].ContinueOptions(bars=4, variations=4, seed=r)),
                        "now": lambda r, p=phrase: continue_phrase(
                            wide_model, p, ContinueOptions(bars=4, variations=4, seed=r))}, args.repeats)
            wide[title] = {"before_ms": round(ms["before"], 1), "now_2x512_ms": round(ms["now"], 1),
                           "ratio": round(ms["now"] / ms["before"], 2)}
            if not args.json:
                print(f"continue 2x512 {title:14} before (2x256) {ms['before']:7.1f} ms   now (2x512) "
                      f"{ms['now']:7.1f} ms   {ms['now'] / ms['before']:.2f}x", flush=True)
        result["wide median ratio"] = statistics.median(v["ratio"] for v in wide.values())
    if not args.json:
        print(f"continue: median ratio {result['continue median ratio']:.2f}x")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
