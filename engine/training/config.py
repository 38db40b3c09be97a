"""A training run's settings, their defaults and help texts: one source for ``TrainConfig`` and
the ``train`` command's options (torch-free, so ``main.py --help`` stays fast).

Each setting the command line offers carries its help text (and metavar) in its field's
metadata; ``train_options()`` turns them into the ``train`` parser's options, in the order the
help lists them, and ``config_from_arguments()`` turns the parsed arguments back into a
``TrainConfig``. A few options are not one field each: ``--transpose N`` is the range -N..+N,
``--no-held-notes`` turns ``context`` off, ``--no-controls`` turns ``controls`` and ``bar_from_music``
off, ``--control-scores``/``--rhythm-scores`` need the controls, and ``--lookback``/``--harmony``/
``--phrase-position`` turn ``bar_from_music`` on (they count bars in each piece's own metre).

The defaults make the model the window's Train dialog makes (gui/training.py): one that reads
controls, so Continue can follow a phrase and be steered, with bars in each piece's own metre and
four velocity levels, learned from excerpts of 8 to 32 bars as Continue reads a phrase.
``--no-controls --excerpts 0 0 --velocity-levels 0`` trains the plain token LSTM on whole pieces.
"""

from __future__ import annotations

import argparse
from dataclasses import MISSING, dataclass, field, fields
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from ..encoding.tokens import Vocabulary
    from ..model.network import ModelConfig

POSITIONS = 64                                      # bar positions a metre-aware model tells apart


def setting(default: Any = MISSING, help: str = "", metavar: str | None = None, *,
            factory: Callable[[], Any] | None = None) -> Any:
    """A TrainConfig field; with ``help`` it is also a ``train`` option of the same name."""
    metadata = {"help": help, "metavar": metavar}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class TrainConfig:
    """Everything a training run depends on. Saved with the model and checked on resume."""

    data: list[str] = setting(help="music files or folders; a Boulanger-Lewandowski pickle as FILE.pickle:SPLIT",
                              metavar="PATH")
    out: str = setting(help="model folder to write, e.g. models/mine", metavar="FOLDER")
    valid: list[str] = setting(factory=list, help="validation data (default: 10% of the pieces)",
                               metavar="PATH")                   # empty: hold out valid_fraction of pieces
    name: str = setting("", "the model's name (default: the folder name)")
    steps_per_quarter: int = setting(4, "grid resolution: steps per quarter note", "N")
    velocity_levels: int = setting(4, "coarse velocity levels (0: none)", "N")
    max_wait: int = 16
    max_length: int = 32
    embedding_size: int = setting(128, "size of each token's embedding", "N")
    hidden_size: int = setting(384, "units in each LSTM layer", "N")
    layers: int = setting(2, "stacked LSTM layers", "N")
    dropout: float = setting(0.3, "dropout between layers", "P")
    window: int = setting(128, "tokens per training window", "N")
    batch_size: int = setting(32, "windows learned from at once", "N")
    learning_rate: float = setting(2e-3, "AdamW's learning rate", "R")
    weight_decay: float = 1e-5
    clip: float = 1.0
    epochs: int = setting(40, "at most this many epochs", "N")
    patience: int = setting(4, "epochs without improvement before stopping", "N")
    lr_patience: int = setting(1, "halve the learning rate after this many epochs without improvement", "N")
    max_minutes: float = setting(0.0, "stop after this much training time (0: no limit)", "M")
    valid_fraction: float = 0.1
    transpose: tuple[int, int] = setting((-5, 5), "random transposition range in semitones: N shifts each "
                                         "piece by -N to +N (0: none)", "SEMITONES")
    seed: int = setting(0, "random seed for the split, the shuffling and the first weights", "N")
    device: str = setting("auto", "auto (a CUDA GPU when there is one, else the CPU), cpu, cuda or cuda:N")
    threads: int = setting(0, "CPU threads (0: as many as torch chooses)", "N")
    bf16: bool = setting(False, "mixed precision on a CUDA GPU: the network's products in bfloat16")
    credit: str = setting("", "licence credit for the training data, for the model card (default: none)")
    command: str = ""
    grammar: bool = True                            # softmax over the tokens the spelling rules allow
    context: bool = setting(True, "the plain token LSTM: do not also feed the network the notes still sounding "
                                  "and the step in the bar")
    pitch_memory: bool = setting(False, "also score every candidate pitch by when it was last played and by its "
                                        "interval from the last note and the bass, with weights shared by all "
                                        "pitches")
    rhythm_memory: bool = setting(False, "also score every candidate wait and note length by whether it ends with "
                                         "the held notes, repeats the last gap or lands on a beat, with weights "
                                         "shared by all durations")
    controls: bool = setting(True, "also feed the network what each bar sounds like (density, chords, register, "
                                   "pitch classes, rhythm, loudness), so Continue can follow the phrase or be "
                                   "steered; bars are counted in each piece's own metre (--no-controls: a model "
                                   "that reads the tokens only)")
    bar_from_music: bool = True                     # bar positions in each piece's own metre
    excerpt_bars: tuple[int, int] = setting((8, 32), "learn from excerpts of FEWEST to MOST bars, each read from a "
                                                     "fresh start, as Continue reads a phrase (0 0: whole pieces)")
    control_scores: bool = setting(False, "with the controls: also score each pitch by how much its bar asks for "
                                          "its pitch class and by where it lies against the bar's lowest, "
                                          "highest and middle note, with weights shared by all pitches (Continue "
                                          "follows key and register more closely)")
    rhythm_scores: bool = setting(False, "with the controls: also score each wait by how often its bar spaces onsets "
                                         "that far apart, with weights shared by all waits (Continue follows the "
                                         "rhythm more closely)")
    lookback: bool = setting(False, "also score every candidate pitch, wait and length by what was played at the same "
                                    "step of the bar one and two bars ago, with weights shared by all of them, and "
                                    "read whether the last bar repeats the one before (a figure goes on)")
    harmony: bool = setting(False, "also feed the network the chord sounding now and the next, measured from the "
                                   "music and hidden at random, and score each pitch by where it stands in them "
                                   "(Continue and Fill follow chords when they are asked for)")
    phrase_position: bool = setting(False, "also feed the network where its bar falls in groups of 4 and 8 bars "
                                           "counted from the piece's start")
    init_from: str = setting("", "start from this model's weights (a folder or bundled name); parts it lacks start "
                                 "silent (default: random weights)", "MODEL")
    control_dropout: float = 0.2                    # share of each bar's control groups hidden in training
    control_all_dropout: float = 0.1                # share of excerpts learned with every control hidden
    harmony_dropout: float = 0.2                    # share of bars learned with their chords hidden
    harmony_all_dropout: float = 0.3                # share of excerpts learned with no chords at all (as Continue)
    keep_epochs: int = setting(0, "keep only the best epoch and the last N in epochs/, deleting the others as "
                                  "training goes (0: keep every epoch)", "N")

    def model_config(self, vocab: Vocabulary, bar_steps: int | None = None) -> ModelConfig:
        from ..encoding.pitch_memory import ANCHORS
        from ..encoding.side_inputs import switches
        from ..model.network import ModelConfig

        bar = bar_steps or 4 * self.steps_per_quarter
        return ModelConfig(vocab.size, self.embedding_size, self.hidden_size, self.layers, self.dropout,
                           pitches=vocab.highest_pitch - vocab.lowest_pitch + 1,
                           bar_steps=max(bar, POSITIONS) if self.bar_from_music else bar,
                           first_pitch=vocab.first_pitch, anchors=ANCHORS, lowest_pitch=vocab.lowest_pitch,
                           steps_per_sixteenth=self.steps_per_quarter / 4, max_wait=vocab.max_wait,
                           **{switch: getattr(self, switch) for switch in switches()})   # each a setting here

    def vocabulary(self) -> Vocabulary:
        from ..encoding.tokens import Vocabulary

        return Vocabulary(self.max_wait, self.max_length, self.velocity_levels)

    def fingerprint(self) -> dict:
        """The settings that must match for a run to be resumed."""
        from ..encoding.side_inputs import switches

        keep = ("data", "valid", "steps_per_quarter", "velocity_levels", "max_wait", "max_length",
                "embedding_size", "hidden_size", "layers", "window", "batch_size", "seed", "context")
        # a side input's switch only when on, so runs made before it existed still resume
        added: dict[str, object] = {k: True for k in switches() if k not in keep and getattr(self, k)}
        if self.excerpt_bars != (0, 0):
            added["excerpt_bars"] = list(self.excerpt_bars)
        return {k: getattr(self, k) for k in keep} | added


# What a run used for the settings whose defaults changed when the command line took on the Train
# dialog's model: a model.json saved before these settings existed was trained with these values.
EARLIER_DEFAULTS: dict[str, Any] = {"velocity_levels": 0, "controls": False, "bar_from_music": False,
                                    "excerpt_bars": (0, 0)}


def config_of_run(info: dict) -> TrainConfig:
    """The TrainConfig a model folder was trained with, from its model.json."""
    training = info.get("training") or {}
    known = {k: training[k] for k in TrainConfig.__dataclass_fields__ if k in training}
    if "data" not in known or "out" not in known:
        raise ValueError("the model folder does not say what it was trained on")
    known = EARLIER_DEFAULTS | known
    known["transpose"] = tuple(known.get("transpose", (0, 0)))
    known["excerpt_bars"] = tuple(known["excerpt_bars"])
    return TrainConfig(**known)


# -- the train command's options ----------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    """One option of the ``train`` command: its flag and the keywords of ``add_argument``."""

    flag: str
    keywords: dict[str, Any]

    @property
    def dest(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")


# the options in the order the help lists them: a TrainConfig field's name, or an option of the run itself
ORDER = ("data", "out", "valid", "name", "steps_per_quarter", "velocity_levels", "embedding_size", "hidden_size",
         "layers", "dropout", "window", "batch_size", "learning_rate", "epochs", "patience", "lr_patience",
         "max_minutes", "transpose", "seed", "device", "bf16", "threads", "keep_epochs", "credit", "fresh",
         "progress_json", "context", "pitch_memory", "rhythm_memory", "controls", "control_scores", "rhythm_scores",
         "lookback", "harmony", "phrase_position", "init_from", "excerpt_bars")
RUN_OPTIONS = {
    "fresh": Option("--fresh", {"action": "store_true", "help": "start over instead of resuming"}),
    "progress_json": Option("--progress-json", {
        "action": "store_true",
        "help": "report progress as one JSON object per line on stdout (for the app; engine/training/progress.py)"}),
}
FLAGS = {"context": "--no-held-notes", "excerpt_bars": "--excerpts"}   # options not named after their field


def defaults() -> dict[str, Any]:
    """Every TrainConfig field's default (``data`` and ``out`` have none)."""
    found: dict[str, Any] = {}
    for f in fields(TrainConfig):
        if f.default is not MISSING:
            found[f.name] = f.default
        elif f.default_factory is not MISSING:
            found[f.name] = f.default_factory()
    return found


def train_options(seed_type: Callable[[str], int] = int) -> list[Option]:
    """The ``train`` command's options, built from TrainConfig's fields (``seed_type`` parses --seed)."""
    by_name = {f.name: f for f in fields(TrainConfig)}
    default = defaults()
    options = []
    for name in ORDER:
        if name in RUN_OPTIONS:
            options.append(RUN_OPTIONS[name])
            continue
        meta = by_name[name].metadata
        keywords: dict[str, Any] = {"help": meta["help"].replace("%", "%%")}     # argparse formats help with %
        if meta["metavar"]:
            keywords["metavar"] = meta["metavar"]
        value = default.get(name, ())                 # data and out have none
        if name in ("data", "out"):
            keywords["required"] = True
            if name == "data":
                keywords["nargs"] = "+"
        elif name == "valid":
            keywords["nargs"] = "+"
        elif name == "transpose":
            keywords.update(type=int, default=value[1])  # -N..+N: tests/engine/test_train_config.py
        elif name == "excerpt_bars":
            keywords.update(type=int, nargs=2, metavar=("FEWEST", "MOST"), default=value)
        elif isinstance(value, bool) and value and name not in FLAGS:       # on by default: --NAME and --no-NAME
            keywords.update(action=argparse.BooleanOptionalAction, default=True)
        elif isinstance(value, bool):
            keywords["action"] = "store_true"
        elif isinstance(value, str):
            if value:                                   # else None: "not given", as the help says
                keywords["default"] = value
        else:
            keywords.update(type=seed_type if name == "seed" else type(value), default=value)
        options.append(Option(FLAGS.get(name, "--" + name.replace("_", "-")), keywords))
    return options


def config_from_arguments(args: Any, command: str = "") -> TrainConfig:
    """The TrainConfig of a parsed ``train`` command line (``args`` as ``train_options`` made it).

    Raises ValueError for settings the parser cannot check on its own.
    """
    fewest, most = args.excerpts
    if (fewest, most) != (0, 0) and not 1 <= fewest <= most:
        raise ValueError(f"--excerpts needs 1 <= FEWEST <= MOST bars, not {fewest} {most}")
    if args.keep_epochs < 0:
        raise ValueError(f"--keep-epochs needs 0 (keep every epoch) or more, not {args.keep_epochs}")
    scored = [flag for flag, on in (("--control-scores", args.control_scores), ("--rhythm-scores", args.rhythm_scores))
              if on]
    if scored and not args.controls:
        raise ValueError(f"{' and '.join(scored)} score by the controls: drop --no-controls")
    if args.rhythm_memory and args.controls:
        raise ValueError("--rhythm-memory does not yet follow the music's own metre, which the controls count bars in: "
                         "add --no-controls")
    taken = {f.name: getattr(args, f.name) for f in fields(TrainConfig)
             if f.metadata.get("help") and f.name not in FLAGS and f.name != "transpose"}
    metre_aware = args.controls
    by_bar = metre_aware or args.lookback or args.harmony or args.phrase_position   # each counts bars
    taken.update(
        data=[str(d) for d in args.data], out=str(args.out), valid=[str(v) for v in args.valid or []],
        name=args.name or PurePath(str(args.out)).name, credit=args.credit or "", init_from=str(args.init_from or ""),
        transpose=(-args.transpose, args.transpose), context=not args.no_held_notes,
        controls=metre_aware, bar_from_music=by_bar, excerpt_bars=(fewest, most), command=command)
    return TrainConfig(**taken)

