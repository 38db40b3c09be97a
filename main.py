"""Segue: start the composer window, or train, continue and evaluate from the command line.

    python main.py [FILE]                      open the window (optionally with a file)
    python main.py train --data PATH... --out models/NAME
    python main.py continue [SEED.mid] -o OUT.mid --bars N
    python main.py fill IN.mid -o OUT.mid --from-bar A --to-bar B
    python main.py evaluate --data PATH... [--model NAME] [--split valid] [--json]
    python main.py average RUN --window N --out FOLDER
"""

from __future__ import annotations

import argparse
import sys

COMMANDS = ("train", "continue", "fill", "evaluate", "average")


class OneLineParser(argparse.ArgumentParser):
    """A parser whose complaints are one line naming the problem, and exit status 2."""

    def error(self, message):
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def following_arguments(parser: argparse.ArgumentParser) -> None:
    """How new music follows the phrase around it (the defaults follow it)."""
    group = parser.add_argument_group("how the new music follows the phrase")
    group.add_argument("--density", type=float, default=1.0,
                       help="notes per beat against the phrase's: 0.25 (sparser) to 4 (denser); 1 follows it")
    group.add_argument("--texture", default="follow", choices=("follow", "single notes", "chords", "free"),
                       help="chords or single notes as the phrase has them (follow), or as asked")
    group.add_argument("--register", default="follow", choices=("follow", "free"),
                       help="keep the phrase's low, high and middle notes (follow) or not (free)")
    group.add_argument("--key", default="follow",
                       help="follow (the phrase's pitch classes), stay (only notes of the phrase's key), "
                            "free, or a key such as 'D minor' (only its notes)")
    group.add_argument("--rhythm", default="follow", choices=("follow", "free"),
                       help="space the onsets as the phrase does (follow) or not (free)")
    group.add_argument("--dynamics", default="follow", choices=("follow", "free"),
                       help="play as loud as the phrase (follow) or not (free)")


def command_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="segue", description="Segue's command line")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="learn a model from MIDI files, scores or a benchmark pickle")
    train.add_argument("--data", nargs="+", required=True,
                       help="music files or folders; a Boulanger-Lewandowski pickle as FILE.pickle:SPLIT")
    train.add_argument("--out", required=True, help="model folder to write, e.g. models/mine")
    train.add_argument("--valid", nargs="+", help="validation data (default: 10%% of the pieces)")
    train.add_argument("--name", help="the model's name (default: the folder name)")
    train.add_argument("--steps-per-quarter", type=int, default=4, help="grid resolution (default 4)")
    train.add_argument("--velocity-levels", type=int, default=0, help="coarse velocity levels (0: none)")
    train.add_argument("--embedding-size", type=int, default=128)
    train.add_argument("--hidden-size", type=int, default=384)
    train.add_argument("--layers", type=int, default=2)
    train.add_argument("--dropout", type=float, default=0.3)
    train.add_argument("--window", type=int, default=128, help="tokens per training window")
    train.add_argument("--batch-size", type=int, default=32)
    train.add_argument("--learning-rate", type=float, default=2e-3)
    train.add_argument("--epochs", type=int, default=40)
    train.add_argument("--patience", type=int, default=4, help="epochs without improvement before stopping")
    train.add_argument("--lr-patience", type=int, default=1,
                       help="halve the learning rate after this many epochs without improvement (default 1)")
    train.add_argument("--max-minutes", type=float, default=0.0, help="stop after this much training time")
    train.add_argument("--transpose", type=int, default=5, help="random transposition range in semitones")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--device", default="auto", help="auto, cpu or cuda")
    train.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    train.add_argument("--credit", help="licence credit for the training data, for the model card")
    train.add_argument("--fresh", action="store_true", help="start over instead of resuming")
    train.add_argument("--progress-json", action="store_true",
                       help="report progress as one JSON object per line on stdout (for the app)")
    train.add_argument("--no-held-notes", action="store_true",
                       help="the plain token LSTM: do not also feed the network the notes still sounding "
                            "and the step in the bar")
    train.add_argument("--pitch-memory", action="store_true",
                       help="also score every candidate pitch by when it was last played and by its interval "
                            "from the last note and the bass, with weights shared by all pitches")
    train.add_argument("--rhythm-memory", action="store_true",
                       help="also score every candidate wait and note length by whether it ends with the held "
                            "notes, repeats the last gap or lands on a beat, with weights shared by all durations")
    train.add_argument("--controls", action="store_true",
                       help="also feed the network what each bar sounds like (density, chords, register, "
                            "pitch classes, rhythm, loudness), so Continue can follow the phrase or be steered; "
                            "bars are counted in each piece's own metre")
    train.add_argument("--control-scores", action="store_true",
                       help="with --controls: also score each pitch by how much its bar asks for its pitch class "
                            "and by where it lies against the bar's lowest, highest and middle note, with weights "
                            "shared by all pitches (Continue follows key and register more closely)")
    train.add_argument("--rhythm-scores", action="store_true",
                       help="with --controls: also score each wait by how often its bar spaces onsets that far "
                            "apart, with weights shared by all waits (Continue follows the rhythm more closely)")
    train.add_argument("--init-from", metavar="MODEL",
                       help="start from this model's weights (a folder or bundled name); parts it lacks start silent")
    train.add_argument("--excerpts", type=int, nargs=2, metavar=("FEWEST", "MOST"), default=(0, 0),
                       help="learn from excerpts of FEWEST to MOST bars, each read from a fresh start, as "
                            "Continue reads a phrase (default: whole pieces)")

    cont = sub.add_parser("continue", help="continue a seed phrase and write MIDI")
    cont.add_argument("seed_file", nargs="?", help="MIDI or score file (default: a random excerpt of "
                                                   "the model's training music)")
    cont.add_argument("-o", "--output", required=True,
                      help="file to write: MIDI (.mid), or sheet music as MusicXML (.musicxml)")
    cont.add_argument("--bars", type=int, default=4, help="bars to add")
    cont.add_argument("--temperature", type=float, default=1.0)
    cont.add_argument("--top-p", type=float, default=0.95)
    cont.add_argument("--variations", type=int, default=1, help="several takes: OUT-1.mid ... OUT-K.mid")
    cont.add_argument("--seed", type=int, help="random seed: the same seed gives the same music")
    cont.add_argument("--seed-bars", type=int, default=4, help="bars of random excerpt without a seed file")
    cont.add_argument("--model", help="a model name under models/ or a folder (default: the bundled one)")
    cont.add_argument("--ending", default="bar line", choices=("held", "bar line"),
                      help="bar line: the take stops there, ready to be continued (default); held: it ends on a "
                           "chord that rings to the bar line, not in the middle of a run")
    cont.add_argument("--candidates", type=int, default=0,
                      help="write this many drafts and keep the takes the model finds likeliest")
    following_arguments(cont)

    fill = sub.add_parser("fill", help="rewrite some bars so they lead into the music after them")
    fill.add_argument("input", help="MIDI or score file")
    fill.add_argument("-o", "--output", required=True,
                      help="file to write: MIDI (.mid), or sheet music as MusicXML (.musicxml)")
    fill.add_argument("--from-bar", type=int, required=True, help="first bar to rewrite (counted from 1)")
    fill.add_argument("--to-bar", type=int, required=True, help="last bar to rewrite (included)")
    fill.add_argument("--variations", type=int, default=1, help="several takes: OUT-1.mid ... OUT-K.mid")
    fill.add_argument("--seed", type=int, help="random seed: the same seed gives the same music")
    fill.add_argument("--model", help="a model name under models/ or a folder (default: the bundled one)")
    fill.add_argument("--candidates", type=int, default=32,
                      help="candidate middles weighed by the music after them (default 32)")
    fill.add_argument("--listen", type=int, default=2, help="bars after the span each candidate is weighed by")
    fill.add_argument("--temperature", type=float, default=1.0)
    fill.add_argument("--top-p", type=float, default=0.95)
    following_arguments(fill)

    ev = sub.add_parser("evaluate", help="how well a model predicts music: NLL per token/step")
    ev.add_argument("--data", nargs="+", required=True, help="music files/folders or FILE.pickle[:SPLIT]")
    ev.add_argument("--model", help="a model name under models/ or a folder (default: the bundled one)")
    ev.add_argument("--split", default=None, help="pickle split: train, valid or test (default valid)")
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument("--without-controls", action="store_true",
                    help="a model with controls reads none (its likelihood with nothing given away); "
                         "by default it reads each bar's own, measured from the music")

    avg = sub.add_parser("average", help="one model from the average of a run's best few consecutive epochs")
    avg.add_argument("run", help="a training run's folder (the --out of train; it keeps epochs/NNN/)")
    avg.add_argument("--window", type=int, default=5, help="how many consecutive epochs to average")
    avg.add_argument("--out", required=True, help="the model folder to write")
    avg.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:
        args = command_parser().parse_args(argv)
        from engine import cli
        job = {"train": cli.train_command, "continue": cli.continue_command, "fill": cli.fill_command,
               "evaluate": cli.evaluate_command, "average": cli.average_command}[args.command]
        return job(args)
    window = OneLineParser(prog="segue", description="Segue: continue your phrase with an LSTM",
                                     epilog="Commands: " + ", ".join(COMMANDS) + " (see segue COMMAND -h)")
    window.add_argument("file", nargs="?", help="a MIDI file, score or .segue document to open")
    args = window.parse_args(argv)
    from gui.app import run
    return run(args.file)


if __name__ == "__main__":
    sys.exit(main())
