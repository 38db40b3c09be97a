"""Continue a phrase: the one generation entry point (phrase and options in, phrases out).

The phrase is read once to set the LSTM's state; after that the network writes one token per
step, all drafts in one batch (``sampling.Writer``). A model with controls is told what each new
bar should sound like, taken from the phrase's last bars ("follow the phrase") or moved by the
options (denser, single notes, another key). With more candidates than takes, the takes are the
drafts the model itself finds likeliest. Velocity levels come back at the phrase's own loudness,
and a take can end on a held chord instead of being cut at the bar line.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np
import torch

from ..encoding.controls import HIGH, KEY, LOW, ControlSettings, aim, flag_of, follow, measure_bars, mismatch
from ..encoding.harmony_input import asked_spans, chords_around, parse_chord_bars
from ..encoding.tokens import START, decode, encode
from ..model.checkpoint import LoadedModel
from ..music.keys import Key, estimate_key
from ..music.phrase import Note, Phrase, regrid, shift, trim
from .steering import onset_places, register_shares
from .writer import Cancelled, Task, Writer  # noqa: F401  (Cancelled is part of this module's API)

TEXTURES = ("follow", "single notes", "chords", "free")
FOLLOW_OR_FREE = ("follow", "free")
ENDINGS = ("held", "bar line")


@dataclass
class ContinueOptions:
    """How to continue: length in bars, randomness, how many takes, the random seed, and how
    the takes follow the phrase (the defaults follow it)."""

    bars: int = 4
    temperature: float = 1.0
    top_p: float = 0.95
    variations: int = 1
    seed: int | None = None
    density: float = 1.0          # notes per beat against the phrase's: 0.25 (sparser) .. 4 (denser)
    texture: str = "follow"       # follow | single notes (never two at once) | chords | free
    register: str = "follow"      # follow | free: keep the phrase's low, high and middle notes
    key: str = "follow"           # follow (its pitch classes) | stay (only notes of its key) | free | "D minor"...
    rhythm: str = "follow"        # follow | free: the phrase's spacing of onsets
    dynamics: str = "follow"      # follow | free: the phrase's loudness
    ending: str = "bar line"      # bar line: the take stops there, ready to go on | held: it ends on a held chord
    candidates: int = 0           # drafts to choose the takes from (0: one per take)
    choose: str = "follow"        # follow: the drafts that follow the asked controls best | likely: the likeliest
    steering: float = 2.0         # how firmly each take keeps to the phrase's measures as it is written (0: not)
    chords: str | list | None = None   # chords the takes follow, for a model with harmony: "C | Am | F G | G7" (one
                                       # bar per |) or (start, end, Chord) spans from the take's start (None: free)

    def check(self) -> None:
        if not 1 <= self.bars <= 256:
            raise ValueError(f"bars must be between 1 and 256, not {self.bars}")
        if not 0.05 <= self.temperature <= 5.0:
            raise ValueError(f"temperature must be between 0.05 and 5, not {self.temperature}")
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError(f"top-p must be above 0 and at most 1, not {self.top_p}")
        if not 1 <= self.variations <= 64:
            raise ValueError(f"variations must be between 1 and 64, not {self.variations}")
        if not 0.25 <= self.density <= 4.0:
            raise ValueError(f"density must be between 0.25 and 4 (1 follows the phrase), not {self.density}")
        if self.texture not in TEXTURES:
            raise ValueError(f"texture must be one of {', '.join(TEXTURES)}, not '{self.texture}'")
        for name in ("register", "rhythm", "dynamics"):
            if getattr(self, name) not in FOLLOW_OR_FREE:
                raise ValueError(f"{name} must be 'follow' or 'free', not '{getattr(self, name)}'")
        if self.key not in ("follow", "stay", "free"):
            Key.parse(self.key)                                   # raises a readable ValueError
        if self.ending not in ENDINGS:
            raise ValueError(f"ending must be one of {', '.join(ENDINGS)}, not '{self.ending}'")
        if self.choose not in ("follow", "likely"):
            raise ValueError(f"choose must be 'follow' or 'likely', not '{self.choose}'")
        if not 0.0 <= self.steering <= 4.0:
            raise ValueError(f"steering must be between 0 and 4, not {self.steering}")
        if not 0 <= self.candidates <= 256:
            raise ValueError(f"candidates must be between 0 and 256, not {self.candidates}")
        if isinstance(self.chords, str):
            parse_chord_bars(self.chords)                         # raises a readable ValueError

    def controls(self) -> ControlSettings:
        return ControlSettings(density=self.density, texture=self.texture, register=self.register,
                               key="follow" if self.key in ("follow", "stay") else
                               ("free" if self.key == "free" else self.key),
                               rhythm=self.rhythm, dynamics=self.dynamics)

    def chosen_key(self, phrase: Phrase) -> Key | None:
        """The key the takes must stay in: the phrase's own ("stay"), a named one, or none."""
        if self.key == "stay":
            return estimate_key(phrase)
        if self.key in ("follow", "free"):
            return None
        return Key.parse(self.key)


def beat_steps(phrase: Phrase) -> int:
    """Steps in one beat of the phrase's metre (a dotted quarter in 6/8, 9/8 and 12/8)."""
    num, den = phrase.time_signature
    whole = 4 * phrase.steps_per_quarter
    if den == 8 and num % 3 == 0 and num > 3:
        return max(1, 3 * whole // 8)
    return max(1, whole // den)


def as_phrase_dynamics(notes: list[Note], phrase: Phrase, vocab, origin: int = 0) -> list[Note]:
    """New notes played the way the phrase plays: the model writes a coarse loudness level, and
    each note takes the velocity of the phrase's note of that level nearest it in the bar and in
    pitch, so accents and the balance of melody and accompaniment carry over (``origin``: the
    step the new notes count from, on the phrase's bar lines)."""
    if not vocab.velocity_levels or not phrase.notes or not notes:
        return notes
    bar = phrase.steps_per_bar
    model = np.array([(n.start % bar, n.pitch, n.velocity, vocab.velocity_level(n.velocity)) for n in phrase.notes])
    new = np.array([((n.start + origin) % bar, n.pitch, vocab.velocity_level(n.velocity)) for n in notes])
    levels = np.unique(model[:, 3])
    nearest = levels[np.abs(levels[None, :] - new[:, 2:3]).argmin(1)]        # ties go to the softer level
    gap = np.abs(new[:, None, 0] - model[None, :, 0])
    distance = np.minimum(gap, bar - gap) + np.abs(new[:, None, 1] - model[None, :, 1]) / 4
    distance = np.where(model[None, :, 3] == nearest[:, None], distance, np.inf)
    velocities = model[distance.argmin(1), 2].tolist()
    return [Note(n.pitch, n.start, n.duration, v) for n, v in zip(notes, velocities)]


def end_held(take: Phrase, beat: int) -> Phrase:
    """The take ending on a held sound: the onsets after the last beat struck in its last bar (its
    second half if it strikes one there) are left out, and what sounds at that beat rings to the end."""
    end, bar = take.length, take.steps_per_bar
    onsets = sorted({n.start for n in take.notes})
    if not onsets:
        return take
    last_bar = max(0, end - bar)
    on_beat = [t for t in onsets if t >= last_bar and t % beat == 0]
    later_half = [t for t in on_beat if t >= last_bar + bar // 2]
    if later_half:
        final = later_half[-1]
    elif on_beat:
        final = on_beat[-1]
    elif onsets[-1] >= last_bar:
        final = onsets[-1]
    else:
        return take                                               # a silent last bar stays silent
    notes = []
    for n in take.notes:
        if n.start > final:
            continue
        if n.end > final:
            n = replace(n, duration=end - n.start)
        notes.append(n)
    return take.with_notes(notes, end=end)


KEY_LEAN = 0.2   # how far the pitch classes a take keeps to lean from the phrase's towards its key's


def steer_to(whole: np.ndarray | None, options: ContinueOptions, heard: Phrase | None = None) -> np.ndarray | None:
    """The one row of controls each take keeps to as it is written: the phrase's measures as asked,
    but not its spacing of onsets when a denser or sparser take is asked for; and, following the
    phrase's pitch classes, a fifth of the way towards its key's profile (``heard``: the music the
    row was measured from). Music goes on in its key more than in its last bars' exact notes: on
    the 237 pieces of the training split long enough for the fidelity protocol, the composer's next
    4 bars are nearer this blend than the phrase's own pitch classes (total variation 0.291 against
    0.300; ``docs/benchmarks.md``)."""
    if whole is None:
        return None
    row = whole[0].copy()
    if options.density != 1.0:
        row[flag_of("rhythm")] = 0
    key = estimate_key(heard) if heard is not None and options.key == "follow" else None
    if key is not None and row[flag_of("key")]:
        row[KEY] = (1 - KEY_LEAN) * row[KEY] + KEY_LEAN * key.profile()
    return row


def asked_chords(loaded: LoadedModel, own: Phrase, options: ContinueOptions, start: int, end: int,
                 ratio: float) -> list | None:
    """The chords a model with harmony reads when chords are asked for (``options.chords``, timed
    from ``start``; ``ratio``: the model's steps per step of the phrase's grid): those heard in
    ``own`` (the music on the model's grid) outside ``start``..``end`` and the asked ones inside.
    None (hidden) when none are asked for or the model does not read harmony. (The model-inputs hook.)"""
    if options.chords is None:
        return None
    bar = own.steps_per_bar
    asked = asked_spans(options.chords, bar, -(-(end - start) // bar), ratio)
    if not getattr(loaded.model.config, "harmony", False):
        return None
    return chords_around(own, asked, start, end)


def _rank(drafts, keep: int, follow_score=None) -> list[int]:
    """The ``keep`` best drafts: those that follow the asked controls most closely
    (``follow_score``, lower is closer), else those the model finds likeliest per token written;
    unfinished or empty drafts last."""
    def score(i):
        usable = drafts[i].finished and bool(drafts[i].notes)
        if follow_score is not None:
            return (usable, -follow_score(i))
        return (usable, drafts[i].log_model / max(1, len(drafts[i].written)))
    return sorted(range(len(drafts)), key=score, reverse=True)[:keep]


@torch.inference_mode()
def continue_phrase(loaded: LoadedModel, phrase: Phrase, options: ContinueOptions | None = None,
                    progress: Callable[[float], None] | None = None,
                    cancel: Callable[[], bool] | None = None, locked: Sequence[Note] = ()) -> list[Phrase]:
    """``options.variations`` continuations of ``phrase``, each ``options.bars`` bars long.

    Each result holds only the new notes, timed from step 0 = the end of ``phrase`` (its
    ``length``), on the phrase's grid, tempo and metre. The model reads the phrase on its own grid
    and its notes land on that grid (in time from the phrase's start), so on a finer grid they begin
    at the model's first step at or after the phrase's end. The same seed gives the same music.
    ``locked`` notes (timed the same way, from the phrase's end) are in every take exactly as
    they are, the model writing around them.
    """
    options = options or ContinueOptions()
    options.check()
    seed = options.seed if options.seed is not None else int.from_bytes(os.urandom(4), "little")
    generator = torch.Generator().manual_seed(int(seed))
    spq = loaded.steps_per_quarter
    start = -(-phrase.length * spq // phrase.steps_per_quarter)     # the model's first step after the phrase
    own = regrid(phrase, spq)
    own = own.with_notes(own.notes, end=start)
    bar = own.steps_per_bar
    target = options.bars * bar
    vocab = loaded.vocab
    prompt = encode(own, vocab, end=False) if own.notes else [START]
    locked_here = [replace(n, start=n.start + phrase.length) for n in locked]     # timed from the phrase's start
    locks = [n for n in regrid(phrase.with_notes(locked_here), spq).notes if start <= n.start < start + target]
    key = options.chosen_key(own)
    targets = whole = bands = places = heard_music = None
    first = start // bar * bar
    if getattr(loaded.model.config, "controls", False):
        bars_written = -(-(start + target) // bar) - start // bar
        profile = key.profile() if key is not None else None
        targets = follow(own, bar, bars_written, options.controls(), profile)
        # the phrase's last bars measured as one: what the whole take is kept to and chosen by
        heard = max(0, first - options.controls().listen_bars * bar)
        span = first - heard or bar
        whole = aim(measure_bars(own.notes, span, 1, spq, origin=heard), 1, options.controls(), profile)
        heard_notes = [n for n in own.notes if heard <= n.start < heard + span]
        bands = register_shares([n.pitch for n in heard_notes], float(whole[0, LOW]), float(whole[0, HIGH]))
        heard_music = own.with_notes(heard_notes)
        places = onset_places([n.start for n in heard_notes], bar)
    rows = max(options.variations, options.candidates)
    task = Task(start=start, end=start + target, bar_steps=bar, steps_per_quarter=spq, locked=locks,
                pitch_classes=key.pitch_classes if key is not None else None, targets=targets,
                single_notes=options.texture == "single notes",
                steer_to=steer_to(whole, options, heard_music), steering=options.steering, steer_bands=bands,
                steer_places=places, chords=asked_chords(loaded, own, options, start, start + target,
                                                         spq / phrase.steps_per_quarter))
    writer = Writer(loaded, prompt, rows, task, options.temperature, options.top_p, generator,
                    scoring=rows > options.variations and options.choose == "likely")
    drafts = writer.write(progress, cancel)
    beat = beat_steps(own)

    def written(i) -> Phrase:
        """Draft i as a take: its notes from the phrase's end, cut at the take's end."""
        notes = [Note(n.pitch, n.start - start, min(n.duration, start + target - n.start), n.velocity)
                 for n in drafts[i].notes if start <= n.start < start + target]
        return own.with_notes(notes, end=target)

    follow_score = None
    if targets is not None and whole is not None and options.choose == "follow":
        def follow_score(draft_index):
            take = written(draft_index)
            score = mismatch(measure_bars(take.notes, bar, len(targets), spq, origin=first - start), targets)
            score += len(targets) * mismatch(measure_bars(take.notes, len(targets) * bar, 1, spq,
                                                          origin=first - start), whole)
            if options.ending == "held" and take.notes:      # a draft that ends on a beat loses nothing
                score += len(targets) * (1 - len(end_held(take, beat).notes) / len(take.notes))
            return score
    chosen = _rank(drafts, options.variations, follow_score) if rows > options.variations else range(rows)
    results = []
    for i in chosen:
        take = written(i)
        take = take.with_notes(as_phrase_dynamics(list(take.notes), own, vocab, origin=start), end=target)
        if options.ending == "held":
            take = end_held(take, beat)
        take = on_grid_of(shift(take, start), phrase)
        ahead = phrase.with_notes([n for n in locked_here if n.start < take.end])
        results.append(shift(keep_locked(take, ahead, spq), -phrase.length))
    return results


def on_grid_of(music: Phrase, phrase: Phrase) -> Phrase:
    """Music the model wrote on its grid, on ``phrase``'s grid (the same instants when that grid is
    finer), with the phrase's tempo map and key signatures."""
    moved = regrid(music, phrase.steps_per_quarter)
    return phrase.with_notes(moved.notes, end=moved.end)


def keep_locked(take: Phrase, locked: Phrase, model_steps_per_quarter: int) -> Phrase:
    """``take`` (on the grid of ``locked``, timed alike) with each locked note exactly as the user
    has it, its velocity too: the model played each one on its own grid, and that version of it
    gives way to the note itself."""
    if not locked.notes:
        return take
    as_the_model_played = regrid(regrid(locked, model_steps_per_quarter), locked.steps_per_quarter)
    gone = {(n.pitch, n.start) for n in locked.notes} | {(n.pitch, n.start) for n in as_the_model_played.notes}
    notes = [n for n in take.notes if (n.pitch, n.start) not in gone] + list(locked.notes)
    return take.with_notes(notes, end=take.end)


def random_excerpt(loaded: LoadedModel, bars: int = 4, seed: int | None = None) -> Phrase:
    """A random excerpt of the model's training music (stored with the model), ``bars`` long."""
    if not loaded.excerpts:
        raise ValueError(f"the model '{loaded.name}' carries no excerpts of its training music")
    rng = random.Random(seed)
    excerpt = rng.choice(loaded.excerpts)
    template = Phrase(steps_per_quarter=loaded.steps_per_quarter,
                      tempo_bpm=float(excerpt.get("tempo_bpm", 120.0)),
                      time_signature=tuple(excerpt.get("time_signature", (4, 4))))
    phrase = decode(excerpt["tokens"], loaded.vocab, template)
    return trim(phrase, 0, bars * phrase.steps_per_bar)
