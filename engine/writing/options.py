"""Continue's and Fill's settings, each written once: its field, default, range and help, and how
the window offers it (torch-free, so the command line's help and the window's panel load fast).

Each setting is a dataclass field whose metadata holds the rest: ``check()`` reads the ranges and
choices, ``command_options()`` builds the ``continue`` and ``fill`` flags, and the Continue panel
(``gui/writing/panel.py``) builds its widgets from ``shown`` (the choices it offers, in words),
``box`` (a check box's text) and ``window`` (its own default or range, where the window differs
from the command line). Adding a setting is one field here, its place in the panel's list, and
the code that acts on it.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from ..music.phrase import PITCH_CLASS_NAMES

if TYPE_CHECKING:
    from ..music.keys import Key

FOLLOW_OR_FREE = ("follow", "free")
TEXTURES = ("follow", "single notes", "chords", "free")
ENDINGS = ("held", "bar line")
KEY_WORDS = ("follow", "stay", "free")        # besides a key's name
CHOICES = ("follow", "likely", "musical")
ACCOMPANIMENTS = ("restate", "sequence", "carry", "free")


def setting(default: Any, help: str = "", *, low: float | None = None, high: float | None = None,
            above: float | None = None, choices: tuple | None = None, label: str | None = None, note: str = "",
            metavar: str | None = None, flag: str | None = None, shown: tuple = (), box: str = "",
            window: dict | None = None, fill: bool = True) -> Any:
    """A field of Continue's options. ``low``..``high`` (or above ``above``) or ``choices`` is what
    ``check()`` allows; ``label`` names it in messages (default: its name), ``note`` follows the range
    there; ``help``/``metavar``/``flag`` make its command-line option (none without ``help``);
    ``shown`` ((words, value), ...) and ``box`` (a check box's text: checked is the first choice) are
    the window's; ``window`` its own ``default``, ``low``, ``high``; ``fill``: Fill has it too."""
    return field(default=default, metadata=dict(help=help, low=low, high=high, above=above, choices=choices,
                                                label=label, note=note, metavar=metavar, flag=flag, shown=shown,
                                                box=box, window=window or {}, fill=fill))


DENSITY = (0.25, 4.0)                                     # notes per beat against the phrase's: the range, once


@dataclass
class ContinueOptions:
    """How to continue: length in bars, randomness, how many takes, the random seed, and how
    the takes follow the phrase (the defaults follow it)."""

    bars: int = setting(4, "bars to add", low=1, high=256, metavar="N", window={"high": 64}, fill=False)
    temperature: float = setting(1.0, "below 1: safer, more predictable music; above 1: bolder", low=0.05,
                                 high=5.0, metavar="T", window={"low": 0.1, "high": 2.0})
    top_p: float = setting(0.95, "draw each token only from the likeliest choices that together hold this share of "
                                 "the probability (1: from all)", above=0.0, high=1.0, label="top-p", metavar="P",
                           window={"low": 0.05})
    variations: int = setting(1, "several takes at once (the command line writes them as OUT-1.mid ... OUT-K.mid)",
                              low=1, high=64, metavar="K",
                              window={"high": 8})
    seed: int | None = setting(None)            # the command line's --seed has its own parser (main.random_seed)
    density: float = setting(1.0, "notes per beat against the phrase's: 0.25 (sparser) to 4 (denser); 1 follows it",
                             low=DENSITY[0], high=DENSITY[1], note=" (1 follows the phrase)", metavar="X",
                             shown=(("Much sparser", 0.5), ("Sparser", 0.75), ("As the phrase", 1.0),
                                    ("Denser", 1.5), ("Much denser", 2.0)))
    texture: str = setting("follow", "chords or single notes as the phrase has them (follow), or as asked",
                           choices=TEXTURES, shown=(("As the phrase", "follow"), ("Single notes", "single notes"),
                                                    ("Chords", "chords"), ("Free", "free")))
    register: str = setting("follow", "keep the phrase's low, high and middle notes (follow) or not (free)",
                            choices=FOLLOW_OR_FREE, box="Keep the phrase's register")
    key: str = setting("follow", "follow (the phrase's pitch classes), stay (only notes of the phrase's key), free, "
                                 "or a key such as 'D minor' (only its notes)", metavar="KEY",
                       shown=(("Follow the phrase", "follow"), ("Stay in the phrase's key", "stay"))
                       + tuple((f"{k} {m}", f"{k} {m}") for m in ("major", "minor") for k in PITCH_CLASS_NAMES)
                       + (("Free", "free"),))
    rhythm: str = setting("follow", "space the onsets as the phrase does (follow) or not (free)",
                          choices=FOLLOW_OR_FREE, box="Follow the phrase's rhythm")
    dynamics: str = setting("follow", "play as loud as the phrase (follow) or not (free)", choices=FOLLOW_OR_FREE,
                            box="Follow the phrase's dynamics")
    ending: str = setting("bar line", "bar line: the take stops there, ready to be continued; held: it ends on a "
                                      "chord that rings to the bar line, not in the middle of a run",
                          choices=ENDINGS, box="End on a held chord", fill=False)
    candidates: int = setting(8, "write this many drafts and keep the takes a musician would: likely, no added "
                                 "clashes or leaps, the bass and the figure kept, no stutters (0: no drafts)",
                              low=0, high=256, metavar="N", window={"default": 8, "low": 1, "high": 64})
    # which drafts (of candidates): musical, the likely ones that sound right (choosing.py) | follow, those closest
    # to the asked controls | likely, the likeliest. Musical, 4 takes of 8 drafts: on the 26 held-out pieces the
    # top voice leaps 5.3 semitones a move (the composer 5.75), the bass is on 75% of the downbeats (74%), the
    # figure is kept 0.79 (0.85), clashes 4% (6%); blind judges picked its takes out in 32 of 40 pairs against 35
    # of 40 with one draft a take (docs/benchmarks.md); it costs 1.25x the CPU time of one draft a take
    choose: str = setting("musical", choices=CHOICES)
    # 1 (loosely): on the training split's pieces its takes leap less in the top voice than at 2
    # (5.6 semitones a move against 6.6; the composer 5.0), as few clashes (docs/benchmarks.md)
    steering: float = setting(1.0, "how firmly each take is kept to the music's pitch classes, spacing of onsets, "
                                   "chords and register as it is written: 0 (not at all) to 4; 1 loosely, "
                                   "3 strictly", low=0.0, high=4.0, note="", metavar="N",
                              shown=(("Off", 0.0), ("Loosely", 1.0), ("Closely", 2.0), ("Strictly", 3.0)))
    accompaniment: str = setting("free", "restate: the phrase's left hand and harmony again bar for bar; sequence: the "
                                         "same a scale step lower; carry: its figure moved onto new chords that end "
                                         "on the tonic (or onto the chords set); the network writes the tune above "
                                         "it. free: the network writes every voice", choices=ACCOMPANIMENTS,
                                 shown=(("Restated", "restate"), ("A step lower (sequence)", "sequence"),
                                        ("Carried on, new chords", "carry"), ("Free", "free")), fill=False)
    chords: str | tuple | None = setting(None, "chords the new bars follow, one bar per |, a bar's chords dividing it "
                                               "evenly, N for none, %% the bar before again (default: none, the "
                                               "takes choose their own harmony)", metavar="'C | Am | F G | G7'")
    # (the window sets them in the chord lane: (start, end, name) spans timed from where the take begins)

    def check(self) -> None:
        """Every setting within its range or among its choices; ValueError, worded for the user."""
        for f in fields(self):
            check_setting(f, getattr(self, f.name))
        if self.key not in KEY_WORDS:
            from ..music.keys import Key
            Key.parse(self.key)                                   # raises a readable ValueError
        if self.chords is not None:
            from .chord_following import check_chords
            check_chords(self.chords)                             # raises a readable ValueError naming the bar

    def controls(self):
        """The settings the network's controls are asked with (``encoding.controls.ControlSettings``);
        with chords set, no pitch classes: the chords say which to play."""
        from ..encoding.controls import ControlSettings
        return ControlSettings(density=self.density, texture=self.texture, register=self.register,
                               key="follow" if self.key in ("follow", "stay") and self.chords is None else
                               ("free" if self.key == "free" or self.chords is not None else self.key),
                               rhythm=self.rhythm, dynamics=self.dynamics)

    def chosen_key(self, phrase) -> Key | None:
        """The key the takes must stay in: the phrase's own ("stay"), a named one, or none."""
        from ..music.keys import Key, estimate_key
        if self.key == "stay":
            return estimate_key(phrase)
        if self.key in KEY_WORDS:
            return None
        return Key.parse(self.key)


def with_default(options: type, name: str, default: Any) -> Any:
    """The setting ``name`` of ``options`` (its range, help and words) with another default."""
    return field(default=default, metadata=next(f for f in fields(options) if f.name == name).metadata)


@dataclass
class FillOptions(ContinueOptions):
    """Continue's settings (temperature, top-p, takes, seed, how to follow the music around),
    and how many candidate middles to weigh and how many bars after the span to listen to
    (the bars before it that it follows are Continue's, ``ControlSettings.bars_before``)."""

    candidates: int = setting(32, "candidate middles weighed by the music after them", low=0, high=256, metavar="N",
                              window={"default": 32, "low": 8, "high": 64})
    # Fill keeps its firmer steering (with pitch classes): the music after the span weighs every middle
    steering: float = with_default(ContinueOptions, "steering", 2.0)
    bars_after: int = setting(2, "bars after the span each candidate is weighed by", low=1, high=16, label="listen",
                              note=" bars", metavar="BARS", flag="--listen")


def check_setting(f, value) -> None:
    """``value`` of the field ``f`` within its range or among its choices, else a ValueError naming it."""
    meta = f.metadata
    name = meta["label"] or f.name
    low, high, above = meta["low"], meta["high"], meta["above"]
    if above is not None:
        if not (isinstance(value, (int, float)) and above < value <= high):
            raise ValueError(f"{name} must be above {above:g} and at most {high:g}, not {value}")
    elif low is not None:
        if not (isinstance(value, (int, float)) and low <= value <= high):          # NaN fails too
            raise ValueError(f"{name} must be between {low:g} and {high:g}{meta['note']}, not {value}")
    elif meta["choices"] and value not in meta["choices"]:
        raise ValueError(f"{name} must be one of {', '.join(meta['choices'])}, not '{value}'")


def default_of(f) -> Any:
    return f.default if f.default is not MISSING else None


def command_options(options: type = ContinueOptions) -> list[tuple[str, dict]]:
    """The ``continue`` (or, given FillOptions, ``fill``) command's options built from the fields:
    (flag, ``add_argument`` keywords), each defaulting to its field's default."""
    fill = issubclass(options, FillOptions)
    found = []
    for f in fields(options):
        meta = f.metadata
        if not meta["help"] or (fill and not meta["fill"]):
            continue
        default = default_of(f)
        keywords: dict[str, Any] = {"default": default, "dest": f.name}
        if meta["choices"]:
            keywords["choices"] = meta["choices"]
        else:
            keywords["type"] = type(default) if default is not None else str
        if meta["metavar"]:
            keywords["metavar"] = meta["metavar"]
        words = dict((value, text) for text, value in meta["shown"])
        said = f"{default:g}" if isinstance(default, float) else str(default)
        if default in words and not isinstance(default, str):
            said += f", {words[default].lower()}"
        keywords["help"] = meta["help"] if default is None else f"{meta['help']} (default: {said})".replace("%", "%%")
        found.append((meta["flag"] or "--" + f.name.replace("_", "-"), keywords))
    return found


def from_arguments(options: type, args) -> Any:
    """The options (ContinueOptions or FillOptions) of a command line parsed with ``command_options``
    and ``--seed``; not yet checked."""
    given = {f.name: getattr(args, f.name) for f in fields(options) if hasattr(args, f.name)}
    return options(**given)
