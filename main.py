"""Segue: start the composer window, or train, continue and evaluate from the command line.

    python main.py [FILE]                      open the window (optionally with a file)
    python main.py train --data PATH... --out models/NAME
    python main.py continue [PHRASE.mid] -o OUT.mid --bars N [--seed N]
    python main.py fill IN.mid -o OUT.mid --from-bar A --to-bar B
    python main.py evaluate --data PATH... [--model NAME] [--split valid] [--json]
    python main.py average RUN --window N --out FOLDER
    python main.py render IN.mid -o OUT.wav|OUT.flac
"""

from __future__ import annotations

import argparse
import sys

from engine.training.config import train_options  # torch-free: the training settings and their help texts

COMMANDS = {
    "train": "learn a model from MIDI files, scores or a benchmark pickle",
    "continue": "continue a phrase and write MIDI or sheet music",
    "fill": "rewrite some bars so they lead into the music after them",
    "evaluate": "how well a model predicts music: NLL per token/step",
    "average": "one model from the average of a run's best few consecutive epochs",
    "render": "play a MIDI file or score on the built-in piano into a WAV or FLAC file",
}
USAGE = "segue [-h] [FILE]\n       segue {" + ",".join(COMMANDS) + "} ... (segue COMMAND -h for its options)"


class HelpWithDefaults(argparse.RawDescriptionHelpFormatter):
    """Help that ends every option's text with its default, unless the text already says it."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" in text or action.default in (None, argparse.SUPPRESS) or action.default is False \
                or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


class OneLineParser(argparse.ArgumentParser):
    """A parser whose complaints are one line naming the problem, and exit status 2."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpWithDefaults)
        super().__init__(*args, **kwargs)

    def error(self, message):
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def steering_argument(group) -> None:
    """--steering, with no default here: ContinueOptions' own applies (the parser stays torch-free)."""
    group.add_argument(
        "--steering", type=float, metavar="N",
        help="how firmly each take is kept to the music's pitch classes, spacing of onsets, chords and register "
             "as it is written: 0 (not at all) to 4; 1 loosely, 3 strictly (default: 2, closely)")


def following_arguments(parser: argparse.ArgumentParser):
    """How new music follows the phrase around it (the defaults follow it); returns the group."""
    group = parser.add_argument_group("how the new music follows the phrase")
    group.add_argument("--density", type=float, default=1.0, metavar="X",
                       help="notes per beat against the phrase's: 0.25 (sparser) to 4 (denser); 1 follows it")
    group.add_argument("--texture", default="follow", choices=("follow", "single notes", "chords", "free"),
                       help="chords or single notes as the phrase has them (follow), or as asked")
    group.add_argument("--register", default="follow", choices=("follow", "free"),
                       help="keep the phrase's low, high and middle notes (follow) or not (free)")
    group.add_argument("--key", default="follow", metavar="KEY",
                       help="follow (the phrase's pitch classes), stay (only notes of the phrase's key), "
                            "free, or a key such as 'D minor' (only its notes)")
    group.add_argument("--rhythm", default="follow", choices=("follow", "free"),
                       help="space the onsets as the phrase does (follow) or not (free)")
    group.add_argument("--dynamics", default="follow", choices=("follow", "free"),
                       help="play as loud as the phrase (follow) or not (free)")
    group.add_argument("--chords", metavar="'C | Am | F G | G7'",
                       help="chords the new bars follow, one bar per |, a bar's chords dividing it evenly "
                            "(N: no chord, %%: the bar before again; for a model that reads harmony; default: "
                            "none, the takes find their own harmony)")
    return group


MODEL_HELP = "a model name under models/ or a folder (default: models/default)"
MAX_SEED = 2**63 - 1


def random_seed(text: str) -> int:
    """A random seed: a whole number from 0 to 2**63 - 1 (what torch's generators take)."""
    try:
        value = int(text)
    except ValueError:                           # not a number, or thousands of digits
        value = -1
    if not 0 <= value <= MAX_SEED:
        shown = text if len(text) <= 24 else text[:21] + "..."
        raise argparse.ArgumentTypeError(f"the seed must be a whole number from 0 to {MAX_SEED}, not {shown}")
    return value


def sampling_arguments(parser: argparse.ArgumentParser) -> None:
    """How freely the takes are drawn, how many, and the random seed that makes them repeatable."""
    parser.add_argument("--temperature", type=float, default=1.0, metavar="T",
                        help="below 1: safer, more predictable music; above 1: bolder")
    parser.add_argument("--top-p", type=float, default=0.95, metavar="P",
                        help="draw each token only from the likeliest choices that together hold this share of "
                             "the probability (1: from all)")
    parser.add_argument("--variations", type=int, default=1, metavar="K",
                        help="several takes, written as OUT-1.mid ... OUT-K.mid")
    parser.add_argument("--seed", type=random_seed, metavar="N",
                        help="random seed for the takes: the same N gives the same music "
                             "(default: a new one each time)")


def command_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="segue", description="Segue's command line")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help=COMMANDS["train"])
    for option in train_options(seed_type=random_seed):
        train.add_argument(option.flag, **option.keywords)

    cont = sub.add_parser("continue", help=COMMANDS["continue"])
    cont.add_argument("phrase_file", nargs="?", metavar="PHRASE.mid",
                      help="the phrase to continue: a MIDI or score file (default: a random excerpt of "
                           "the model's training music)")
    cont.add_argument("-o", "--output", required=True, metavar="OUT.mid",
                      help="file to write: MIDI (.mid), or sheet music as MusicXML (.musicxml)")
    cont.add_argument("--bars", type=int, default=4, metavar="N", help="bars to add")
    sampling_arguments(cont)
    cont.add_argument("--excerpt-bars", type=int, default=4, metavar="N",
                      help="bars of the random excerpt continued when no PHRASE.mid is given")
    cont.add_argument("--model", metavar="NAME", help=MODEL_HELP)
    cont.add_argument("--ending", default="bar line", choices=("held", "bar line"),
                      help="bar line: the take stops there, ready to be continued (default); held: it ends on a "
                           "chord that rings to the bar line, not in the middle of a run")
    cont.add_argument("--candidates", type=int, default=0, metavar="N",
                      help="write this many drafts and keep the takes that follow the settings most closely "
                           "(0: no drafts)")
    steering_argument(following_arguments(cont))

    fill = sub.add_parser("fill", help=COMMANDS["fill"])
    fill.add_argument("input", metavar="IN.mid", help="the music to fill in: a MIDI or score file")
    fill.add_argument("-o", "--output", required=True, metavar="OUT.mid",
                      help="file to write: MIDI (.mid), or sheet music as MusicXML (.musicxml)")
    fill.add_argument("--from-bar", type=int, required=True, metavar="A", help="first bar to rewrite (counted from 1)")
    fill.add_argument("--to-bar", type=int, required=True, metavar="B", help="last bar to rewrite (included)")
    sampling_arguments(fill)
    fill.add_argument("--model", metavar="NAME", help=MODEL_HELP)
    fill.add_argument("--candidates", type=int, default=32, metavar="N",
                      help="candidate middles weighed by the music after them")
    fill.add_argument("--listen", type=int, default=2, metavar="BARS",
                      help="bars after the span each candidate is weighed by")
    steering_argument(following_arguments(fill))

    ev = sub.add_parser("evaluate", help=COMMANDS["evaluate"])
    ev.add_argument("--data", nargs="+", required=True, metavar="PATH",
                    help="music files/folders or FILE.pickle[:SPLIT]")
    ev.add_argument("--model", metavar="NAME", help=MODEL_HELP)
    ev.add_argument("--split", default=None, choices=("train", "valid", "test"),
                    help="the split of a pickle given without :SPLIT (default: valid)")
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument("--without-controls", action="store_true",
                    help="a model with controls reads none (its likelihood with nothing given away); "
                         "by default it reads each bar's own, measured from the music")

    avg = sub.add_parser("average", help=COMMANDS["average"])
    avg.add_argument("run", metavar="RUN", help="a training run's folder (the --out of train; it keeps epochs/NNN/)")
    avg.add_argument("--window", type=int, default=5, metavar="N", help="how many consecutive epochs to average")
    avg.add_argument("--out", required=True, metavar="FOLDER", help="the model folder to write")
    avg.add_argument("--json", action="store_true", help="print one JSON object")

    render = sub.add_parser("render", help=COMMANDS["render"])
    render.add_argument("input", metavar="IN.mid", help="the music to play: a MIDI or score file")
    render.add_argument("-o", "--output", required=True, metavar="OUT.wav",
                        help="audio file to write: WAV (.wav) or FLAC (.flac), 16-bit stereo, 44.1 kHz")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:
        args = command_parser().parse_args(argv)
        from engine import cli
        job = {"train": cli.train_command, "continue": cli.continue_command, "fill": cli.fill_command,
               "evaluate": cli.evaluate_command, "average": cli.average_command,
               "render": cli.render_command}[args.command]
        return job(args)
    window = OneLineParser(prog="segue", usage=USAGE, description="Segue: continue your phrase with an LSTM",
                           epilog="commands:\n" + "\n".join(f"  {name:<10}{text}" for name, text in COMMANDS.items()))
    window.add_argument("file", nargs="?", metavar="FILE", help="a MIDI file, score or .segue document to open")
    args = window.parse_args(argv)
    from gui.app import run
    return run(args.file)


if __name__ == "__main__":
    sys.exit(main())
