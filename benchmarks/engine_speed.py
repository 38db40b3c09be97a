"""How fast the engine is on this machine: model load, Continue and Fill latency, and stateful
generation against the original design's way of generating (re-running a window for every new note).

    python benchmarks/engine_speed.py [--model NAME] [--repeats 15] [--json]

Figures are medians of ``--repeats`` runs, all measured in one run of this script.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.encoding.side_inputs import model_arguments, stream_inputs  # noqa: E402
from engine.model.checkpoint import load_model  # noqa: E402
from engine.writing.continuation import ContinueOptions, continue_phrase, random_excerpt  # noqa: E402


def median_ms(job, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        job()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _run(model, tokens, state=None, vocab=None):
    """One forward pass over one row of tokens, with the side inputs (held notes, pitch and rhythm
    memory) the model reads worked out from those tokens alone (timing only)."""
    side = {k: torch.from_numpy(v)[None] for k, v in stream_inputs(tokens[0].tolist(), vocab, model.config).items()}
    return model(tokens, state, **model_arguments(side, "cpu"))


def window_rerun_ms(loaded, notes: int = 500, window: int = 100) -> float:
    """The widely copied generation loop: for each new token, run the whole last window again."""
    model = loaded.model
    tokens = torch.randint(loaded.vocab.pitches.start, loaded.vocab.pitches.stop, (1, window))
    started = time.perf_counter()
    with torch.inference_mode():
        for _ in range(notes):
            logits, _ = _run(model, tokens[:, -window:], vocab=loaded.vocab)
            nxt = torch.multinomial(torch.softmax(logits[0, -1], -1), 1).view(1, 1)
            tokens = torch.cat([tokens[:, 1:], nxt], dim=1)
    return (time.perf_counter() - started) * 1000


def stateful_ms(loaded, notes: int = 500, window: int = 100) -> float:
    """Segue's loop: read the window once, then one token per step with the state carried."""
    model = loaded.model
    tokens = torch.randint(loaded.vocab.pitches.start, loaded.vocab.pitches.stop, (1, window))
    started = time.perf_counter()
    with torch.inference_mode():
        logits, state = _run(model, tokens, vocab=loaded.vocab)
        for _ in range(notes):
            nxt = torch.multinomial(torch.softmax(logits[0, -1], -1), 1).view(1, 1)
            logits, state = _run(model, nxt, state, vocab=loaded.vocab)
    return (time.perf_counter() - started) * 1000


def fill_ms(loaded, candidates: int, repeats: int) -> float:
    """Fill 2 bars between 4 bars before and 2 after (the bundled 8-bar Chopin mazurka seed), 4 takes."""
    from engine.files.seeds import list_seeds, load_seed
    from engine.writing.fill import FillOptions, fill_span
    phrase = load_seed(next(s for s in list_seeds() if "Mazurka" in s.title))
    bar = phrase.steps_per_bar
    counter = iter(range(10**6))
    return median_ms(lambda: fill_span(loaded, phrase, 4 * bar, 6 * bar, FillOptions(
        variations=4, candidates=candidates, seed=next(counter))), repeats)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--seed-file", help="the phrase to continue (default: a 4-bar excerpt stored with the model)")
    parser.add_argument("--fill-candidates", type=int, default=32, help="candidate middles Fill weighs")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    load_ms = median_ms(lambda: load_model(args.model), 5)
    loaded = load_model(args.model)
    if args.seed_file:
        from engine.files.reading import read_music
        seed = read_music(args.seed_file, loaded.steps_per_quarter)
    else:
        seed = random_excerpt(loaded, bars=4, seed=0)
    results = {"machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads",
               "model": loaded.name, "parameters": loaded.model.parameter_count(),
               "model_load_ms": round(load_ms, 1), "continue_ms": {}}
    for bars in (1, 4, 16):
        for variations in (1, 4, 8):
            counter = iter(range(10**6))
            ms = median_ms(lambda bars=bars, variations=variations, counter=counter: continue_phrase(
                loaded, seed, ContinueOptions(bars=bars, variations=variations, seed=next(counter))),
                args.repeats if bars < 16 else 5)
            results["continue_ms"][f"{bars} bars x {variations}"] = round(ms, 1)
    results["fill_ms"] = round(fill_ms(loaded, args.fill_candidates, args.repeats), 1)
    results["fill_candidates"] = args.fill_candidates
    rerun = statistics.median(window_rerun_ms(loaded) for _ in range(3))
    stateful = statistics.median(stateful_ms(loaded) for _ in range(3))
    results["500 tokens, window re-run ms"] = round(rerun, 1)
    results["500 tokens, stateful ms"] = round(stateful, 1)
    results["stateful speed-up"] = round(rerun / stateful, 1)
    if args.json:
        print(json.dumps(results))
        return 0
    print(f"machine: {results['machine']}; model {results['model']} ({results['parameters']:,} parameters)")
    print(f"model load: {results['model_load_ms']} ms (median of 5)")
    print("Continue latency, median of runs (ms):")
    print("  bars \\ variations      1        4        8")
    for bars in (1, 4, 16):
        row = [results["continue_ms"][f"{bars} bars x {v}"] for v in (1, 4, 8)]
        print(f"  {bars:>4}              " + "".join(f"{ms:>9.1f}" for ms in row))
    print(f"Fill 2 bars between 4 bars before and 2 after, 4 takes from {args.fill_candidates} candidates: "
          f"{results['fill_ms']} ms")
    print(f"500 new tokens after a 100-token window: re-running the window {rerun:.0f} ms, "
          f"stateful {stateful:.0f} ms: {rerun / stateful:.1f}x faster")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
