"""What each bar sounds like, as controls a model is conditioned on: how dense, chords or single
notes, which register, which pitch classes, which rhythm, how loud.

Performance RNN (Simon & Oore, 2017) conditions its network on the note density and pitch-class
histogram of the music it is learning from, and lets the user set them when it writes. Segue does
the same bar by bar. In training, every position reads the controls of the bar it is in and of
the next bar, measured from the music itself (so the network learns what they mean); some are
hidden at random, bar by bar, so that it also writes well when a control is left free. At
Continue they are set from the phrase ("follow the phrase"), or moved by the user: denser,
single notes, another key.

A bar's controls are measured from the notes that start in it:

==========  =========================================================================
group       values
==========  =========================================================================
density     notes per quarter note; onsets (distinct start steps) per quarter note
texture     share of onsets that strike two or more notes; notes per onset
register    lowest, highest and mean pitch
key         the share of the notes in each of the 12 pitch classes
rhythm      the share of onsets coming 1, 2, ..., 8 or more sixteenths after the onset before
dynamics    mean velocity
==========  =========================================================================

and one flag per group says whether the group is known (a bar with no onsets knows only its
density; a hidden group is all zeros). Everything here is plain numpy but ``control_features``,
which turns the values into the network's inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..music.phrase import Phrase
from .tokens import Decoder, Vocabulary

GROUPS = {
    "density": slice(0, 2),
    "texture": slice(2, 4),
    "register": slice(4, 7),
    "key": slice(7, 19),
    "rhythm": slice(19, 28),
    "dynamics": slice(28, 29),
}
NAMES = tuple(GROUPS)
FLAGS = 29                       # the first flag; flag of group g is at FLAGS + its index in NAMES
RAW = FLAGS + len(GROUPS)        # values per bar
LOW, HIGH, MEAN = 4, 5, 6        # where the register's pitches are (they move when music is transposed)
KEY = GROUPS["key"]


def flag_of(name: str) -> int:
    """Where the flag of the control group ``name`` is in a row of controls."""
    return FLAGS + NAMES.index(name)


_flag = flag_of


def bar_controls(phrase: Phrase, bar_steps: int, bars: int | None = None) -> np.ndarray:
    """(bars, RAW) float32: the controls of each bar of ``phrase`` (bars of ``bar_steps`` steps
    from step 0; by default as many as the phrase lasts)."""
    bar_steps = max(1, bar_steps)
    if bars is None:
        bars = -(-phrase.length // bar_steps)
    return measure_bars(phrase.notes, bar_steps, bars, phrase.steps_per_quarter)


def spacing_bin(gap: float, sixteenth: float) -> int:
    """Where an onset ``gap`` steps after the one before falls among the rhythm controls: 0 for a
    sixteenth note, ..., 7 for eight sixteenths or more."""
    return min(8, max(1, int(round(gap / sixteenth)))) - 1


def measure_bars(notes, bar_steps: int, bars: int, steps_per_quarter: int, origin: int = 0) -> np.ndarray:
    """``bar_controls`` of notes counted from step ``origin`` (notes before it are left out)."""
    spq = steps_per_quarter
    table = np.zeros((bars, RAW), dtype=np.float32)
    quarters = bar_steps / spq
    by_bar: list[list] = [[] for _ in range(bars)]
    for note in notes:
        b = (note.start - origin) // bar_steps
        if 0 <= b < bars:
            by_bar[b].append(note)
    starts = sorted({n.start for n in notes if n.start >= origin})
    previous_onset = {s: p for p, s in zip(starts, starts[1:])}
    sixteenth = spq / 4
    for b, notes in enumerate(by_bar):
        row = table[b]
        row[_flag("density")] = 1
        if not notes:
            continue
        onsets: dict[int, int] = {}
        for n in notes:
            onsets[n.start] = onsets.get(n.start, 0) + 1
        row[0] = len(notes) / quarters
        row[1] = len(onsets) / quarters
        row[2] = sum(c >= 2 for c in onsets.values()) / len(onsets)
        row[3] = len(notes) / len(onsets)
        pitches = [n.pitch for n in notes]
        row[LOW], row[HIGH], row[MEAN] = min(pitches), max(pitches), sum(pitches) / len(pitches)
        for p in pitches:
            row[KEY.start + p % 12] += 1 / len(pitches)
        gaps = [onset - previous_onset[onset] for onset in onsets if onset in previous_onset]
        if gaps:
            for gap in gaps:
                row[GROUPS["rhythm"].start + spacing_bin(gap, sixteenth)] += 1 / len(gaps)
            row[_flag("rhythm")] = 1
        row[GROUPS["dynamics"].start] = sum(n.velocity for n in notes) / len(notes)
        for name in ("texture", "register", "key", "dynamics"):
            row[_flag(name)] = 1
    return table


def token_bars(tokens, vocab: Vocabulary, bar_steps: int) -> np.ndarray:
    """For each position, the bar the clock is in after reading that token (int32)."""
    decoder = Decoder(vocab)
    out = np.empty(len(tokens), dtype=np.int32)
    bar_steps = max(1, bar_steps)
    for i, token in enumerate(np.asarray(tokens, dtype=np.int64).tolist()):
        decoder.feed(token)
        if decoder.finished:                    # after the end: a new stream starts at bar 0
            decoder = Decoder(vocab)
        out[i] = decoder.now // bar_steps
    return out


def stream_controls(tokens, vocab: Vocabulary, bar_steps: int, steps_per_quarter: int,
                    targets: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per position of one token stream: the controls of its bar and of the next (len x 2 x RAW,
    float16) and its bar (len, int32). The bars are measured from the tokens themselves;
    ``targets`` (rows of RAW) stand for the bars after the music the tokens spell (what a
    continuation is asked to be); bars beyond both are unknown."""
    bars = token_bars(tokens, vocab, bar_steps)
    table = control_table(tokens, vocab, bar_steps, steps_per_quarter, targets, int(bars.max()) + 2 if len(bars) else 2)
    return np.stack([table[bars], table[bars + 1]], 1).astype(np.float16), bars


def control_table(tokens, vocab: Vocabulary, bar_steps: int, steps_per_quarter: int,
                  targets: np.ndarray | None = None, at_least: int = 0) -> np.ndarray:
    """(bars, RAW): the controls of every bar the tokens spell, then ``targets``, then at least
    one unknown bar (at least ``at_least`` + 1 rows in all)."""
    template = Phrase(steps_per_quarter=steps_per_quarter)
    decoder = Decoder(vocab)
    for token in np.asarray(tokens, dtype=np.int64).tolist():
        decoder.feed(token)
    phrase = template.with_notes(decoder.close(), end=decoder.now)
    measured = bar_controls(phrase, bar_steps)
    extra = targets if targets is not None else np.zeros((0, RAW), dtype=np.float32)
    table = np.zeros((max(at_least, len(measured) + len(extra)) + 1, RAW), dtype=np.float32)
    table[:len(measured)] = measured
    table[len(measured):len(measured) + len(extra)] = extra
    return table


def transpose_controls(controls: np.ndarray, semitones: int) -> np.ndarray:
    """The controls of the same music ``semitones`` higher (pitches move, pitch classes rotate)."""
    if not semitones:
        return controls
    out = controls.copy()
    known = out[..., _flag("register")] > 0
    for index in (LOW, HIGH, MEAN):
        out[..., index] = np.where(known, out[..., index] + semitones, out[..., index])
    out[..., KEY] = np.roll(out[..., KEY], semitones, axis=-1)
    return out


def hide_controls(controls: np.ndarray, bars: np.ndarray, rng: np.random.Generator, rate: float,
                  all_rate: float) -> np.ndarray:
    """Training's control dropout for one stream: each group of each bar hidden with probability
    ``rate``, and every control of the stream with probability ``all_rate`` (so the network
    also learns to write with controls left free). The same bar is hidden at every position."""
    keep = draw_hidden(int(bars.max()) + 2 if len(bars) else 2, rng, rate, all_rate)
    return controls if keep is None else apply_hidden(controls, bars, keep)


def draw_hidden(count: int, rng: np.random.Generator, rate: float, all_rate: float) -> np.ndarray | None:
    """The random half of ``hide_controls`` for a stream of ``count`` bars (its last bar + 2):
    (count, groups) bools, True where a group is kept; None (and no draws) when nothing is hidden."""
    if rate <= 0 and all_rate <= 0:
        return None
    keep = rng.random((count, len(NAMES))) >= rate
    if rng.random() < all_rate:
        keep[:] = False
    return keep


def apply_hidden(controls: np.ndarray, bars: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The other half: ``controls`` (positions x 2 x RAW) with the groups ``keep`` hides zeroed,
    by each position's bar (``bars``); any run of positions of the stream gives the same values."""
    out = controls.copy()
    out[:, 0] *= keep[bars][:, _GROUP_OF].astype(np.float16)
    out[:, 1] *= keep[bars + 1][:, _GROUP_OF].astype(np.float16)
    return out


_GROUP_OF = np.empty(RAW, dtype=np.int64)          # the group each value (and each flag) belongs to
for _g, _name in enumerate(NAMES):
    _GROUP_OF[GROUPS[_name]] = _g
    _GROUP_OF[FLAGS + _g] = _g


def mismatch(measured: np.ndarray, asked: np.ndarray) -> float:
    """How far bars as written (``bar_controls``) are from the controls asked of them, summed over
    bars and the groups asked for: 0 when every asked control is met."""
    total = 0.0
    for got, want in zip(measured, asked):
        for g, name in enumerate(NAMES):
            if not want[FLAGS + g]:
                continue
            if not got[FLAGS + g]:
                total += 1.0 if name != "density" else 0.0
                continue
            a, b = got[GROUPS[name]], want[GROUPS[name]]
            if name == "density":
                total += float(np.abs(np.log((a + 0.1) / (b + 0.1))).sum())
            elif name == "texture":
                total += abs(float(a[0] - b[0])) + abs(float(np.log(a[1] / max(b[1], 1.0))))
            elif name == "register":
                total += float(np.abs(a - b).sum()) / 12
            elif name == "dynamics":
                total += abs(float(a[0] - b[0])) / 32
            else:
                total += 0.5 * float(np.abs(a - b).sum())
    return total


# -- the network's view -----------------------------------------------------------------------

def _bumps(x: torch.Tensor, centres: torch.Tensor, width: float) -> torch.Tensor:
    return torch.exp(-(((x.unsqueeze(-1) - centres.to(x.device)) / width) ** 2))


_DENSITY = torch.linspace(-3.0, 3.5, 14)
_SHARE = torch.linspace(0.0, 1.0, 6)
_PER_ONSET = torch.linspace(0.0, 2.5, 6)
_PITCH = torch.arange(24.0, 109.0, 4.0)
_VELOCITY = torch.arange(8.0, 128.0, 16.0)
FEATURES = 2 * 14 + 2 * 6 + 3 * len(_PITCH) + 12 + 9 + len(_VELOCITY) + len(NAMES)


def control_features(raw: torch.Tensor) -> torch.Tensor:
    """(..., RAW) control values -> (..., FEATURES) network inputs: each value spread over a few
    smooth bumps (so the network can learn any curve of it), hidden groups all zero, the flags."""
    raw = raw.float()
    flag = lambda name: raw[..., _flag(name)].unsqueeze(-1)
    density = torch.cat([_bumps(torch.log2(raw[..., 0] + 0.125), _DENSITY, 0.5),
                         _bumps(torch.log2(raw[..., 1] + 0.125), _DENSITY, 0.5)], -1) * flag("density")
    texture = torch.cat([_bumps(raw[..., 2], _SHARE, 0.2),
                         _bumps(torch.log2(raw[..., 3].clamp(min=1.0)), _PER_ONSET, 0.4)], -1) * flag("texture")
    register = torch.cat([_bumps(raw[..., i], _PITCH, 4.0) for i in (LOW, HIGH, MEAN)], -1) * flag("register")
    key = raw[..., KEY] * flag("key")
    rhythm = raw[..., GROUPS["rhythm"]] * flag("rhythm")
    dynamics = _bumps(raw[..., GROUPS["dynamics"].start], _VELOCITY, 16.0) * flag("dynamics")
    return torch.cat([density, texture, register, key, rhythm, dynamics, raw[..., FLAGS:]], -1)


# -- what a continuation is asked to be -------------------------------------------------------

@dataclass
class ControlSettings:
    """How a continuation follows the phrase. 'follow' takes each control from the phrase's last
    bars; the others move it. ``density`` scales the phrase's notes per beat (1: follow)."""

    density: float = 1.0              # sparser or denser than the phrase (its range: writing/options.py)
    texture: str = "follow"           # follow | single notes | chords | free
    register: str = "follow"          # follow | free
    key: str = "follow"               # follow | free | a key name such as "D minor"
    rhythm: str = "follow"            # follow | free
    dynamics: str = "follow"          # follow | free
    bars_before: int = 4              # how many bars before the new music it follows (the phrase's last)
    bar_by_bar: tuple[str, ...] = NAMES   # groups followed bar by bar (new bar k asks for what the phrase's
                                          # bar k had, round and round), not as the mean of its bars


def follow(phrase: Phrase, bar_steps: int, bars: int, settings: ControlSettings,
           key_profile: np.ndarray | None = None) -> np.ndarray:
    """(bars, RAW): the controls asked of each bar of a continuation of ``phrase``."""
    measured = bar_controls(phrase, bar_steps)
    recent = measured[-max(1, settings.bars_before):] if len(measured) else measured
    rows = aim(recent, bars, settings, key_profile)
    for g, name in enumerate(NAMES):                    # the phrase's bars again, one by one
        followed = name == "density" or getattr(settings, name) == "follow"
        if name not in settings.bar_by_bar or not followed or not len(recent) or not rows[0, FLAGS + g]:
            continue
        for k in range(bars):
            source = recent[k % len(recent)]
            if source[FLAGS + g]:
                rows[k, GROUPS[name]] = source[GROUPS[name]]
        if name == "density":
            rows[:, GROUPS[name]] *= settings.density
    return rows


def aim(recent: np.ndarray, bars: int, settings: ControlSettings,
        key_profile: np.ndarray | None = None) -> np.ndarray:
    """(bars, RAW): the controls asked of new bars that follow the measured bars ``recent`` (the
    bars around them): their mean, moved as ``settings`` say."""
    target = np.zeros(RAW, dtype=np.float32)
    if len(recent):
        for g, name in enumerate(NAMES):
            known = recent[recent[:, FLAGS + g] > 0]
            if name == "density":
                known = recent                              # an empty bar is a density of 0
            if len(known):
                target[GROUPS[name]] = known[:, GROUPS[name]].mean(0)
                target[FLAGS + g] = 1
        if target[_flag("key")]:
            total = target[KEY].sum()
            if total > 0:
                target[KEY] /= total
    if target[_flag("density")] and target[0] > 0:
        target[0:2] *= settings.density
    elif settings.density != 1.0:                          # nothing to follow: a plain density asked for
        target[0:2] = (2.0 * settings.density, 1.5 * settings.density)
        target[_flag("density")] = 1
    if settings.texture == "single notes":
        target[2:4] = (0.0, 1.0)
        target[_flag("texture")] = 1
    elif settings.texture == "chords":
        target[2] = max(0.8, float(target[2]))
        target[3] = max(2.5, float(target[3]))
        target[_flag("texture")] = 1
    if key_profile is not None:
        target[KEY] = key_profile / key_profile.sum()
        target[_flag("key")] = 1
    for name in ("texture", "register", "key", "rhythm", "dynamics"):
        if getattr(settings, name) == "free":
            target[GROUPS[name]] = 0
            target[_flag(name)] = 0
    return np.repeat(target[None], bars, 0)
