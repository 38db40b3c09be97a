"""Segue: start the composer window, or train, continue and evaluate from the command line.

    python main.py [FILE]                      open the window (optionally with a file)
    python main.py train --data PATH... --out models/NAME
    python main.py continue [PHRASE.mid] -o OUT.mid --bars N [--seed N]
    python main.py fill IN.mid -o OUT.mid --from-bar A --to-bar B
    python main.py evaluate --data PATH... [--model NAME] [--split valid] [--json]
    python main.py average RUN --window N --out FOLDER
    python main.py render IN.mid -o OUT.wav|OUT.flac
    python main.py chords IN.mid [--json]
"""

from __future__ import annotations

import argparse
import gc
import sys

from engine.training.config import train_options  # torch-free: the training settings and their help texts
from engine.writing.options import ContinueOptions, FillOptions, command_options  # torch-free too

COMMANDS = {
    "train": "learn a model from MIDI files, scores or a benchmark pickle",
    "continue": "continue a phrase and write MIDI or sheet music",
    "fill": "rewrite some bars so they lead into the music after them",
    "evaluate": "how well a model predicts music: NLL per token/step",
    "average": "one model from the average of a run's best few consecutive epochs",
    "render": "play a MIDI file or score on the built-in piano into a WAV or FLAC file",
    "chords": "the chords of a MIDI file or score, one bar a line",
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


def writing_arguments(parser: argparse.ArgumentParser, options) -> None:
    """Continue's or Fill's settings as options, each built from its field of ``options``
    (engine/writing/options.py: default, range and help written there once), and the random seed."""
    for flag, keywords in command_options(options):
        parser.add_argument(flag, **keywords)
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
    writing_arguments(cont, ContinueOptions)
    cont.add_argument("--excerpt-bars", type=int, default=4, metavar="N",
                      help="bars of the random excerpt continued when no PHRASE.mid is given")
    cont.add_argument("--model", metavar="NAME", help=MODEL_HELP)

    fill = sub.add_parser("fill", help=COMMANDS["fill"])
    fill.add_argument("input", metavar="IN.mid", help="the music to fill in: a MIDI or score file")
    fill.add_argument("-o", "--output", required=True, metavar="OUT.mid",
                      help="file to write: MIDI (.mid), or sheet music as MusicXML (.musicxml)")
    fill.add_argument("--from-bar", type=int, required=True, metavar="A", help="first bar to rewrite (counted from 1)")
    fill.add_argument("--to-bar", type=int, required=True, metavar="B", help="last bar to rewrite (included)")
    writing_arguments(fill, FillOptions)
    fill.add_argument("--model", metavar="NAME", help=MODEL_HELP)

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

    chords = sub.add_parser("chords", help=COMMANDS["chords"])
    chords.add_argument("input", metavar="IN.mid", help="the music: a MIDI or score file")
    chords.add_argument("--every", default="beat", choices=("beat", "half bar", "bar"),
                        help="the shortest a chord lasts")
    chords.add_argument("--json", action="store_true",
                        help='one JSON list of {"start": Q, "end": Q, "chord": "Am7"}, times in quarter notes '
                             "from the file's start")
    chords.add_argument("--suggest", type=int, metavar="N",
                        help="instead, suggest chords for N bars after the music (ending on a cadence), as a "
                             "chart for continue --chords (default: print the chords heard)")
    chords.add_argument("--seed", type=random_seed, metavar="N",
                        help="random seed for --suggest (default: a new one each time)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command (or open the window) that ``argv`` asks for and give its exit status;
    ``argv`` None: this process's own arguments, the process ending when this returns."""
    whole_process = argv is None
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:
        args = command_parser().parse_args(argv)
        args.whole_process = whole_process          # the command may settle what it loads (engine.cli.settle)
        from engine import cli
        job = {"train": cli.train_command, "continue": cli.continue_command, "fill": cli.fill_command,
               "evaluate": cli.evaluate_command, "average": cli.average_command,
               "render": cli.render_command, "chords": cli.chords_command}[args.command]
        try:
            return job(args)
        finally:
            if whole_process:
                # Python's exit would walk every object torch made (about 165,000) in several full
                # collections, 0.35-0.8 s of CPU on the project's 2-core machine, to free memory
                # the system takes back anyway. Frozen, they are left to it; streams are still
                # flushed, and the commands close every file they write themselves.
                gc.freeze()
    window = OneLineParser(prog="segue", usage=USAGE, description="Segue: continue your phrase with an LSTM",
                           epilog="commands:\n" + "\n".join(f"  {name:<10}{text}" for name, text in COMMANDS.items()))
    window.add_argument("file", nargs="?", metavar="FILE", help="a MIDI file, score or .segue document to open")
    args = window.parse_args(argv)
    from gui.app import run
    return run(args.file)


if __name__ == "__main__":
    sys.exit(main())
