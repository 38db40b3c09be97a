"""The command line's jobs (train, continue, fill, evaluate, average, render), each taking the
arguments ``main.py``'s parser made (the ``train`` options are built from ``train_config.py``).

Results go to stdout; progress goes to stderr as a text bar and lines, or, with
``train --progress-json``, to stdout as one ``progress.py`` event a line (for the app). Bad input
(an error a user can cause: ``USER_ERRORS``) ends with one line naming the problem on stderr and
exit status 2, never a traceback (and, with ``--progress-json``, a ``Failed`` event); Ctrl+C ends
with exit status 130, a training run resumable.
"""

from __future__ import annotations

import gc
import json
import shlex
import sys
import time
from pathlib import Path

from .errors import ModelError, MusicFileError

EXIT_BAD_INPUT = 2
# the errors a user can cause (bad music, bad settings, files they named), reported as one line
USER_ERRORS = (MusicFileError, ModelError, ValueError, FileNotFoundError, IsADirectoryError, PermissionError)
EXIT_INTERRUPTED = 130


def fail(message: str) -> int:
    print(f"segue: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def guarded(job):
    """Run a command, turning the errors a user can cause into one readable line."""
    def run(args) -> int:
        try:
            return job(args)
        except USER_ERRORS as err:
            return fail(str(err))
        except KeyboardInterrupt:
            print("\nsegue: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
    return run


class ProgressBar:
    """A one-line text progress bar on stderr (redrawn in place when stderr is a terminal)."""

    def __init__(self, stream=None, width: int = 24):
        self.stream, self.width = stream or sys.stderr, width
        self.live = self.stream.isatty()
        self._last = 0.0

    def show(self, fraction: float, text: str, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last < (0.2 if self.live else 15.0):
            return
        self._last = now
        filled = int(round(self.width * max(0.0, min(1.0, fraction))))
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%} {text}"
        if self.live:
            self.stream.write("\r" + line.ljust(100) + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


@guarded
def train_command(args) -> int:
    from .training.progress import Failed

    try:
        return _train(args)
    except USER_ERRORS as err:
        if args.progress_json:                          # the app reads why from the event, not stderr
            print(Failed(str(err)).to_json(), flush=True)
        raise


RUN_LOCK = ".training.lock"


def hold_run_folder(out: Path):
    """The lock of a training run on its ``--out`` folder, taken for the process's lifetime (the
    operating system drops it when the process ends, killed or not); a second run into the same
    folder is refused with one line naming the running one. Under torchrun the first process holds
    it for all. Returns the held lock file (keep it open), or None for torchrun's other processes."""
    import os

    from .session_lock import hold
    if int(os.environ.get("RANK", "0") or 0) != 0:
        return None
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out}: there is a file of that name; a model is written into a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:                           # a file on the way, a protected folder, a full disk
        raise ValueError(f"--out {out}: the folder cannot be made ({err.strerror or err})") from None
    lock = hold(out / RUN_LOCK)
    if lock is None:
        try:
            running = (out / RUN_LOCK).read_text().strip() or "?"
        except OSError:
            running = "?"
        raise ValueError(f"{out} is being trained by another run (process {running}); wait for it to end, "
                         f"or train into another --out")
    lock.truncate(0)
    lock.write(str(os.getpid()).encode())
    lock.flush()
    return lock


def _train(args) -> int:
    from .training import progress as events
    from .training.config import config_from_arguments
    from .training.train import train

    config = config_from_arguments(args, command="python main.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    bar = ProgressBar()

    def report(event: events.Event) -> None:
        if args.progress_json:                          # for the app, which shows its own progress
            print(event.to_json(), flush=True)
            if not isinstance(event, events.Skipped):
                return
        if isinstance(event, events.Reading) and event.total:
            bar.show(event.done / max(event.total, 1), f"reading {event.total} files", final=event.done == event.total)
        elif isinstance(event, events.Skipped):
            print(f"segue: skipped {event.path}: {event.message}", file=sys.stderr)
        elif isinstance(event, events.Storing) and event.total:
            bar.show(event.done / event.total, f"preparing {event.pieces} pieces", final=event.done >= event.total)
        elif isinstance(event, events.DataReady):
            print(f"{event.train_pieces} training pieces ({event.train_tokens:,} tokens), "
                  f"{event.valid_pieces} validation pieces ({event.valid_tokens:,} tokens)", file=sys.stderr)
        elif isinstance(event, events.Resumed):
            print(f"resuming after epoch {event.epoch}", file=sys.stderr)
        elif isinstance(event, events.Batch):
            bar.show(event.batch / event.batches,
                     f"epoch {event.epoch}/{config.epochs} loss {event.loss:.3f} "
                     f"acc {event.accuracy:.1%} {event.tokens_per_s:,.0f} tokens/s",
                     final=event.batch == event.batches)
        elif isinstance(event, events.EpochDone):
            mark = " (best so far)" if event.improved else ""
            print(f"epoch {event.epoch}: training loss {event.train_loss:.4f}, validation loss "
                  f"{event.valid_loss:.4f}, accuracy {event.valid_accuracy or 0:.1%}{mark}", file=sys.stderr)
        elif isinstance(event, events.Stopped):
            print(f"stopped: {event.reason}", file=sys.stderr)

    lock = hold_run_folder(Path(args.out))          # the system drops it if the process is killed
    try:
        result = train(config, report, fresh=args.fresh)
    except KeyboardInterrupt:
        print(f"\nsegue: training interrupted; run the same command again to resume from the last "
              f"epoch saved in {args.out}", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if lock is not None:
            lock.close()
    print(f"best epoch {result['best_epoch']}: validation loss {result['best_valid_loss']:.4f} "
          f"nats per token; model in {args.out}")
    return 0


def one_thread() -> None:
    """Generation on one torch thread, as the window does: a token's products are too small to
    share, and on a busy CPU threads that wait on one another cost many times what they save
    (continue 4 x 4 here: 0.8-1.2 s on one thread, 11-29 s on two, the machine loaded)."""
    import torch
    torch.set_num_threads(1)


def settle(args) -> None:
    """Once torch and the model are loaded, in a process that is this one command (``main.py`` run
    as a program, ``args.whole_process``, not called by a test): they stay till its end, so the
    garbage collector is told to leave them (``gc.freeze``). Each full collection walks torch's
    165,000 objects (85-100 ms of CPU on the project's machine), and a continue would otherwise
    run one more."""
    if getattr(args, "whole_process", False):
        gc.freeze()


@guarded
def continue_command(args) -> int:
    from .files.reading import read_music
    from .model.checkpoint import load_model
    from .music.phrase import merge
    from .writing.continuation import continue_phrase, random_excerpt
    from .writing.options import ContinueOptions, from_arguments

    one_thread()
    loaded = load_model(args.model)
    settle(args)
    if args.phrase_file:
        seed_phrase = read_music(args.phrase_file)           # on the fine grid: the phrase comes back as it is
        if not seed_phrase.notes:
            raise MusicFileError(args.phrase_file, "has no notes to continue")
    else:
        seed_phrase = random_excerpt(loaded, bars=args.excerpt_bars, seed=args.seed)
    options = from_arguments(ContinueOptions, args)
    options.check()
    paths, write = output_paths(args.output, options.variations)
    takes = continue_phrase(loaded, seed_phrase, options)
    for take, path in zip(takes, paths):
        write(merge(seed_phrase, take, offset=seed_phrase.length), path)
        print(f"wrote {path} ({len(seed_phrase.notes)} seed notes + {len(take.notes)} new notes)")
    return 0


def output_paths(output: str, takes: int):
    """Where the takes go (OUT.mid, or OUT-1.mid ... OUT-K.mid) and the writer for the file kind;
    a folder that does not exist, a kind Segue does not write, and a protected file, a folder or a
    device in the way are refused before any music is written."""
    from .atomic import check_writable
    from .files.midi import write_midi

    out = Path(output)
    suffix = out.suffix.lower()
    if suffix in (".mid", ".midi"):
        write = write_midi
    else:                                       # the score writer only where asked: a MIDI take needs none of it
        from .files.score_writer import WRITTEN_SCORE_SUFFIXES, write_musicxml
        if suffix not in WRITTEN_SCORE_SUFFIXES:
            raise ValueError(f"{output}: Segue writes MIDI (.mid) or MusicXML ({', '.join(WRITTEN_SCORE_SUFFIXES)}) "
                             "files")
        write = write_musicxml
    if not out.parent.is_dir():
        raise ValueError(f"{output}: the folder {out.parent} does not exist")
    paths = [out] if takes == 1 else [out.with_name(f"{out.stem}-{i}{out.suffix}") for i in range(1, takes + 1)]
    for path in paths:
        try:
            check_writable(path)
        except OSError as err:
            raise ValueError(f"{path}: {err.strerror}") from None
    return paths, write


@guarded
def fill_command(args) -> int:
    from .files.reading import read_music
    from .model.checkpoint import load_model
    from .music.phrase import merge
    from .writing.fill import fill_span
    from .writing.options import FillOptions, from_arguments

    one_thread()
    options = from_arguments(FillOptions, args)
    options.check()
    paths, write = output_paths(args.output, options.variations)
    loaded = load_model(args.model)
    settle(args)
    phrase = read_music(args.input)                          # the bars not filled come back as they are
    if not phrase.notes:
        raise MusicFileError(args.input, "has no notes to fill between")
    bar = phrase.steps_per_bar
    bars = -(-phrase.length // bar)
    first, last = args.from_bar, args.to_bar
    if first < 1 or last < 1:
        raise ValueError(f"bars are counted from 1 (--from-bar {first} --to-bar {last})")
    if last < first:
        raise ValueError(f"--from-bar {first} comes after --to-bar {last}")
    if first > bars:
        raise ValueError(f"bars {first}-{last} are outside the music: {args.input} has {bars} bars")
    if last > bars:                                   # past the end is Continue's work, and unbounded
        raise ValueError(f"bars {first}-{last} go past the end of the music: {args.input} has {bars} bars "
                         f"(to write after it, use continue)")
    start, end = (first - 1) * bar, last * bar
    takes = fill_span(loaded, phrase, start, end, options)
    kept = phrase.with_notes([n for n in phrase.notes if not start <= n.start < end], end=max(phrase.end, end))
    for take, path in zip(takes, paths):
        write(merge(kept, take, offset=start), path)
        print(f"wrote {path} (bars {first}-{last} rewritten: {len(take.notes)} new notes)")
    return 0


@guarded
def chords_command(args) -> int:
    """The chords of a music file as a musician reads a chart: one bar a line ("3  F  G"), or with
    --json one list of {"start", "end", "chord"} in quarter notes from the file's start; names
    spelled in the file's key (its key signature, else the key its notes suggest)."""
    import json

    from .files.reading import read_music
    from .music.harmony import estimate_chords
    from .music.keys import key_for_notation

    phrase = read_music(args.input)
    if not phrase.notes:
        raise MusicFileError(args.input, "has no notes to find chords in")
    key = key_for_notation(phrase)
    if args.suggest is not None:
        return _suggest_chords(phrase, key, args)
    found = estimate_chords(phrase, args.every, key)
    spq = phrase.steps_per_quarter
    if args.json:
        print(json.dumps([{"start": round(a / spq, 6), "end": round(b / spq, 6), "chord": chord.name(key)}
                          for a, b, chord in found]))
        return 0
    bar = phrase.steps_per_bar
    for number in range(-(-phrase.length // bar)):
        start, end = number * bar, (number + 1) * bar
        names = [chord.name(key) for a, b, chord in found if a < end and b > start]
        print(f"{number + 1:>4}  {'  '.join(names)}")
    return 0


def _suggest_chords(phrase, key, args) -> int:
    """Chords for ``args.suggest`` bars after the file's music, as a chart for ``--chords``."""
    from .music.progressions import suggest_chords

    if not 1 <= args.suggest <= 256:
        raise ValueError(f"--suggest takes 1 to 256 bars, not {args.suggest}")
    spans = suggest_chords(phrase, phrase.length, args.suggest, key, seed=args.seed)
    bar = phrase.steps_per_bar
    bars = sorted({a // bar for a, _, _ in spans})
    print(" | ".join(" ".join(chord.name(key) for a, _, chord in spans if a // bar == b) for b in bars))
    return 0


@guarded
def render_command(args) -> int:
    from .files.reading import read_music
    from .sound.audio import built_in_piano, check_audio_path, write_audio
    from .sound.sampler import seconds_at

    out = check_audio_path(args.output)
    phrase = read_music(args.input)
    if not phrase.notes:
        raise MusicFileError(args.input, "has no notes to render")
    piano, problem = built_in_piano()
    if problem:
        print(f"segue: {problem}", file=sys.stderr)
    bar = ProgressBar()
    write_audio(out, phrase, piano, progress=lambda done: bar.show(done, f"rendering {out.name}", final=done >= 1))
    seconds = float(seconds_at(phrase, [phrase.length])[0])
    print(f"wrote {out} ({len(phrase.notes)} notes, {seconds:.1f} s of music)")
    return 0


@guarded
def evaluate_command(args) -> int:
    from .model.checkpoint import load_model
    from .training.evaluate import evaluate

    loaded = load_model(args.model)
    bar = ProgressBar()
    result = evaluate(loaded, [str(d) for d in args.data], split=args.split,
                      progress=lambda stage, d, t: bar.show(d / max(t, 1), stage, final=d == t),
                      hidden_controls=getattr(args, "without_controls", False))
    for path, message in result.get("skipped", []):
        print(f"segue: skipped {path}: {message}", file=sys.stderr)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"model {result['model']}: {result['pieces']} pieces, {result['notes']:,} notes, "
          f"{result['tokens']:,} tokens")
    print(f"  {result['nats_per_token']:.4f} nats per token, {result['bits_per_note']:.3f} bits per note, "
          f"next-token accuracy {result['accuracy']:.1%}")
    if "nll_per_step" in result:
        print(f"  NLL per time step ({result['split']}): {result['nll_per_step']:.3f} nats "
              f"over {result['steps']:,} steps")
    return 0


@guarded
def average_command(args) -> int:
    from .training.averaging import best_average, write_average
    from .training.progress import Averaged, Event

    bar = ProgressBar()

    def report(event: Event) -> None:
        if isinstance(event, Averaged):
            bar.show(event.done / event.total, f"epochs {event.epochs[0]}-{event.epochs[-1]}: "
                     f"{event.valid_loss:.4f} nats per token", final=event.done == event.total)

    result = best_average(args.run, args.window, report)
    out = write_average(args.run, args.out, result,
                        command="python main.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    if args.json:
        print(json.dumps({k: v for k, v in result.items()} | {"out": str(out)}))
        return 0
    print(f"best: the average of epochs {result['epochs'][0]}-{result['epochs'][-1]}: "
          f"{result['valid_loss']:.4f} nats per token on validation, {result['nll_per_step']:.3f} nats per step; "
          f"written to {out}")
    return 0
