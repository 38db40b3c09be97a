"""Every command's options at random and boundary values: each run must end in a result or one line
naming the problem (exit 0 or 2, or 130 where the case's time limit stopped it as Ctrl+C would),
never a traceback.

    python benchmarks/fuzz_options.py [--cases 200] [--seed 0] [--limit-s 30] [--commands continue fill ...]

The options are read from ``main.py``'s parser, so a new option is fuzzed without a change here.
Each value is drawn from the option's kind: whole numbers and numbers at their boundaries (0, -1,
1, 2**31, 2**63, 10**30, inf, nan, -0.0, text, nothing) or at random; a choice, or a word that is
not one; files that are there, missing, empty, a folder, a device, text that is not music, a pipe;
outputs of every suffix, in a missing folder, onto a folder or a write-protected file. The
commands run in this process (``main.main``), one case at a time, each stopped after ``--limit-s``
seconds by an alarm that raises KeyboardInterrupt, as Ctrl+C does; the memory is capped at
``--memory-gb`` so that a runaway allocation surfaces as an error instead of taking the machine.

Prints the cases run per command and outcome (exit status, or TRACEBACK), the slowest case, and
every traceback with the arguments that made it; exits 1 if there was any.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import os
import random
import resource
import shutil
import signal
import stat
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

import main as segue  # noqa: E402

WHOLE = ["0", "1", "-1", "2", "3", "7", "64", "2147483648", "9223372036854775808", "1" + "0" * 30, "-99999",
         "1e3", "nan", "x", "", "0x10", " 4"]
NUMBER = ["0", "-0.0", "1", "-1", "0.5", "1e-320", "1e308", "1e309", "inf", "-inf", "nan", "x", "", "3"]
WORDS = ["", "x", "C", "A minor", "F# major", "Bb", "H", "follow", "free", "é" * 300, "-1"]


class Fixtures:
    """The files the cases name, made once in a scratch folder."""

    def __init__(self, folder: Path):
        seeds = ROOT / "resources" / "seeds"
        self.folder = folder
        self.midi = folder / "phrase.mid"
        shutil.copy(seeds / "bach-bwv66.mid", self.midi)
        self.other = folder / "other.mid"
        shutil.copy(seeds / "mozart-mz_545_1.mid", self.other)
        self.empty = folder / "empty.mid"
        self.empty.write_bytes(b"")
        self.text = folder / "notes.mid"
        self.text.write_text("these are not notes\n")
        self.abc = folder / "tune.abc"
        self.abc.write_text("X:1\nT:T\nM:3/4\nL:1/8\nK:D\n" + "A2 B2 c2 | d4 e2 |" * 8 + "\n")
        self.music = folder / "music"
        self.music.mkdir()
        for name in ("bach-bwv66.mid", "mozart-mz_545_1.mid", "pop.mid"):
            shutil.copy(seeds / name, self.music / name)
        self.protected = folder / "protected.mid"
        shutil.copy(seeds / "pop.mid", self.protected)
        self.protected.chmod(stat.S_IRUSR | stat.S_IRGRP)
        self.fifo = folder / "pipe.mid"
        os.mkfifo(self.fifo)
        # a device of its own (a null device where the user may make one), never /dev/null itself:
        # the cases check that nothing replaces a device, and must not risk the machine's
        self.device = folder / "null.mid"
        try:
            os.mknod(self.device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except PermissionError:
            self.device = self.fifo
        self.run = folder / "run"                      # a training run's folder with nothing in it
        (self.run / "epochs").mkdir(parents=True)
        self.counter = 0

    def fresh(self, suffix: str = "") -> Path:
        self.counter += 1
        return self.folder / f"out-{self.counter}{suffix}"

    def music_in(self, rng: random.Random) -> str:
        return str(rng.choice([self.midi, self.midi, self.other, self.abc, self.empty, self.text, self.music,
                               self.folder / "missing.mid", self.device, self.fifo,
                               ROOT / "resources" / "piano.sf2"]))

    def output(self, rng: random.Random, suffixes: tuple[str, ...]) -> str:
        suffix = rng.choice(suffixes + suffixes + (".txt", ""))
        return str(rng.choice([self.fresh(suffix)] * 5 + [self.folder / "no-such-folder" / f"x{suffix}",
                                                          self.music, self.protected, self.device,
                                                          self.fifo]))

    def model(self, rng: random.Random) -> str:
        return str(rng.choice(["default", "default", "benchmark-nottingham", "no-such-model", self.music,
                               self.folder, self.midi, ""]))

    def folder_out(self, rng: random.Random) -> str:
        return str(rng.choice([self.fresh(), self.fresh(), self.midi, self.folder / "no-such-folder" / "m",
                               self.device]))


def plausible(action, fixtures: Fixtures, command: str, rng: random.Random) -> list[str] | None:
    """A value near the option's default, or a good file, such as a careful user gives; None where
    the option has no default to start from."""
    dest = action.dest
    if dest in ("input", "phrase_file", "data", "valid"):
        return [str(rng.choice([fixtures.midi, fixtures.other, fixtures.abc] + [fixtures.music] * (dest == "data")))]
    if dest == "output":
        return [str(fixtures.fresh(rng.choice((".wav", ".flac") if command == "render" else (".mid", ".musicxml"))))]
    if dest in ("model", "init_from"):
        return ["default"]
    if dest == "out":
        return [str(fixtures.fresh())]
    if action.choices is not None:
        return [rng.choice(list(action.choices))]
    default = action.default
    count = action.nargs if isinstance(action.nargs, int) else 1
    if action.type is float and isinstance(default, (int, float)):
        return [f"{rng.uniform(0, 2 * default or 1):.3g}" for _ in range(count)]
    if action.type is int:
        one = default if isinstance(default, int) else 4
        defaults = default if isinstance(default, (tuple, list)) else [one] * count
        return [str(rng.randint(max(0, d // 2), 2 * d + 2)) for d in defaults]
    return None


def value(action, fixtures: Fixtures, command: str, rng: random.Random, careful: bool = False) -> list[str]:
    """The words that give ``action`` a value in one case (one or more, as its nargs says): a
    hostile one, or with ``careful`` a plausible one where the option has a default."""
    dest = action.dest
    if careful:
        found = plausible(action, fixtures, command, rng)
        if found is not None:
            return found
    if dest in ("input", "phrase_file"):
        return [fixtures.music_in(rng)]
    if dest in ("data", "valid"):
        return [fixtures.music_in(rng) for _ in range(rng.choice([1, 1, 2]))]
    if dest == "output":
        suffixes = (".wav", ".flac") if command == "render" else (".mid", ".musicxml", ".xml")
        return [fixtures.output(rng, suffixes)]
    if dest in ("model", "init_from"):
        return [fixtures.model(rng)]
    if dest == "out":
        return [fixtures.folder_out(rng)]
    if dest == "run":
        return [str(rng.choice([fixtures.run, fixtures.music, fixtures.folder / "no-run", fixtures.midi]))]
    if action.choices is not None:
        return [rng.choice(list(action.choices) * 3 + ["", "none", "Follow"])]
    count = action.nargs if isinstance(action.nargs, int) else 1
    if action.type is float:
        pool = NUMBER
        drawn = lambda: rng.choice(pool) if rng.random() < 0.6 else f"{rng.uniform(-2, 40):.3g}"  # noqa: E731
    elif action.type is int or getattr(action.type, "__name__", "") == "random_seed":
        pool = WHOLE
        drawn = lambda: rng.choice(pool) if rng.random() < 0.6 else str(rng.randint(-3, 300))  # noqa: E731
    elif dest == "device":
        drawn = lambda: rng.choice(["auto", "cpu", "cuda", "cuda:7", "tpu", ""])  # noqa: E731
    else:
        drawn = lambda: rng.choice(WORDS)  # noqa: E731
    return [drawn() for _ in range(count)]


def case(command: str, parser, fixtures: Fixtures, rng: random.Random) -> list[str]:
    """One command line for ``command``: its required options always, each other one in about half.
    Every value is hostile in half the cases; in the others every value is careful but one (or
    none), so that the music gets written and the boundaries deep in each command are reached."""
    words = [command]
    careful = rng.random() < 0.5
    actions = [a for a in parser._actions if a.dest != "help"]
    hostile = rng.choice(actions + [None])                         # the one bad value of a careful case
    for action in parser._actions:
        if action.dest == "help":
            continue
        if not action.option_strings:                              # a positional
            if action.nargs == "?" and rng.random() < 0.3:
                continue
            words += value(action, fixtures, command, rng, careful and action is not hostile)
            continue
        if not action.required and rng.random() < 0.55 and action is not hostile:
            continue
        flag = rng.choice(action.option_strings)
        if action.nargs == 0:
            words.append(flag)
        else:
            words += [flag] + value(action, fixtures, command, rng, careful and action is not hostile)
    if command == "train" and rng.random() < 0.8:                 # most cases should reach training
        words += ["--max-minutes", "0.05", "--epochs", "1", "--hidden-size", "16", "--embedding-size", "8"]
    if command == "fill" and careful:                              # bars that are in the music, mostly
        first = rng.randint(1, 12)
        words += ["--from-bar", str(first), "--to-bar", str(first + rng.choice([0, 0, 1, 2, 40]))]
    return words


class Alarm(Exception):
    pass


def run_case(words: list[str], limit_s: float) -> tuple[str, str, float]:
    """Run ``main.py WORDS`` here: (outcome, what it printed or the traceback, seconds)."""
    def stop(signum, frame):
        raise KeyboardInterrupt                       # as Ctrl+C: the command's own handling runs
    signal.signal(signal.SIGALRM, stop)
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, limit_s)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = segue.main(words)
        outcome = f"exit {code}"
    except SystemExit as done:
        outcome = f"exit {done.code}"
    except KeyboardInterrupt:
        outcome = "stopped at the limit (outside the command's handling)"
    except BaseException:
        outcome = "TRACEBACK"
        err.write(traceback.format_exc())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    said = err.getvalue()
    if outcome != "TRACEBACK" and "Traceback (most recent call last)" in said:
        outcome = "TRACEBACK"                         # printed by a worker or a thread
    return outcome, said, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200, help="cases in all, spread over the commands")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit-s", type=float, default=30.0, help="each case is stopped after this long")
    parser.add_argument("--memory-gb", type=float, default=6.0)
    parser.add_argument("--commands", nargs="+", default=list(segue.COMMANDS))
    args = parser.parse_args()
    limit = int(args.memory_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import torch
    torch.set_num_threads(1)
    sub = next(a for a in segue.command_parser()._actions if isinstance(a, argparse._SubParsersAction))
    rng = random.Random(args.seed)
    outcomes: dict[str, collections.Counter] = {c: collections.Counter() for c in args.commands}
    reasons: dict[str, collections.Counter] = {c: collections.Counter() for c in args.commands}
    bad, slowest = [], (0.0, [])
    with tempfile.TemporaryDirectory(prefix="segue-fuzz-options-") as scratch:
        fixtures = Fixtures(Path(scratch))
        for number in range(args.cases):
            command = args.commands[number % len(args.commands)]
            words = case(command, sub.choices[command], fixtures, rng)
            outcome, said, seconds = run_case(words, args.limit_s)
            outcomes[command][outcome] += 1
            if outcome == "exit 2":
                line = (said.strip().splitlines() or ["(nothing said)"])[-1]
                reasons[command][line.split(": error: ")[-1].split(": ")[-1][:60]] += 1
            slowest = max(slowest, (seconds, words))
            if outcome == "TRACEBACK":
                bad.append((number, words, said))
                print(f"case {number}: TRACEBACK  main.py {' '.join(repr(w) for w in words)}", flush=True)
            elif number % 10 == 0:
                print(f"case {number}: {outcome} in {seconds:.1f} s", flush=True)
        Path(fixtures.protected).chmod(stat.S_IRWXU)
    for command, counts in outcomes.items():
        print(f"{command:9s} " + ", ".join(f"{n} {o}" for o, n in counts.most_common()))
    for command, counts in reasons.items():
        print(f"{command:9s} refused most often for: " + "; ".join(f"{n}x {r}" for r, n in counts.most_common(3)))
    print(f"slowest: {slowest[0]:.1f} s  main.py {' '.join(slowest[1])}")
    print(f"tracebacks: {len(bad)} of {args.cases} cases; peak memory "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    for number, words, said in bad:
        print(f"\n--- case {number}: main.py {' '.join(repr(w) for w in words)}\n{said[-3000:]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
