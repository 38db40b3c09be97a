"""Continue a phrase: the one generation entry point (phrase and options in, phrases out).

The phrase is read once to set the LSTM's state; after that the network writes one token per
step, all drafts in one batch (``sampling.Writer``). A model with controls is told what each new
bar should sound like, taken from the phrase's last bars ("follow the phrase") or moved by the
options (denser, single notes, another key). With more candidates than takes, the takes are the
drafts that follow the asked controls best, or (``choose="musical"``) the likely drafts that sound
right to a musician (``choosing.py``). As it is written each take is kept
to the phrase (``steering.py``) and listened to (``listening.py``: no nudge adds a wrong note or a
leap to the tune, the accompaniment's figure goes on, the last downbeat arrives). Velocity levels
come back at the phrase's own loudness, and a take can end on a held chord instead of being cut at
the bar line.
"""

from __future__ import annotations

import os
import random
from dataclasses import replace
from fractions import Fraction
from typing import Callable, Sequence

import numpy as np
import torch

from ..encoding.controls import HIGH, KEY, LOW, aim, flag_of, follow, measure_bars, mismatch
from ..encoding.harmony_input import chords_around
from ..encoding.tokens import START, decode, encode
from ..model.checkpoint import LoadedModel
from ..music.harmony import estimate_chords
from ..music.keys import estimate_key
from ..music.phrase import Note, Phrase, regrid, scaled_step, shift, trim
from ..music.progressions import suggest_chords
from .accompaniment import OFF_TONE as PLAN_OFF_TONE
from .accompaniment import Plan, accompaniment_plan, stepped
from .choosing import faults, hear, musical_order, repeat_share
from .chord_following import asked_spans, chord_tone_share, stream_chords
from .heard import music_heard
from .listening import Repeats, Tune, low_voice_figure, phrase_tune
from .options import ContinueOptions
from .steering import onset_places, register_shares
from .task import Task
from .writer import Cancelled, Writer  # noqa: F401  (Cancelled is part of this module's API)


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
    levels = np.array(sorted(set(model[:, 3].tolist())))     # not np.unique, which loads numpy.ma (12-15 ms)
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


# Steering Continue's takes towards the phrase's pitch classes paid each debt with whatever note was
# owed: on 38 pieces of the training split it cost chord fit (0.85 against 0.91 unsteered) and a
# chord change more often, and kept the takes closer to the phrase's pitch classes than the composer's
# own bars are (paraphrase). Fill keeps it: there the music after the span weighs every middle.
STEER_PITCH_CLASSES = False
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


def asked_chords(loaded: LoadedModel, own: Phrase, chords, start: int, end: int, ratio: float) -> list | None:
    """The chords a model with harmony reads when chords are asked for (``chords``: the options', timed
    from ``start``; ``ratio``: the model's steps per step of the phrase's grid): those heard in
    ``own`` (the music on the model's grid) outside ``start``..``end`` and the asked ones inside.
    None (hidden) when none are asked for or the model does not read harmony. (The model-inputs hook.)"""
    if chords is None or not getattr(loaded.model.config, "harmony", False):
        return None
    bar = own.steps_per_bar
    asked = asked_spans(chords, bar, -(-(end - start) // bar), ratio)
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


def _musical(drafts, own: Phrase, start: int, end: int, bar: int, beat: int, chords=None,
             held: bool = False, left: Sequence[Note] = ()) -> list[int]:
    """The drafts (notes in the model's steps from the phrase's start, written from ``start`` to
    ``end``) in the order a musician would keep them (``choosing.py``), heard against the phrase's
    last bars (up to 4, as the controls follow them), and by what was asked beyond the phrase: the
    share of their sounding time on the ``chords`` set (spans in the same steps), an ending
    ``held`` (the share of notes that ring to the end); under a ``left`` hand kept (its notes), a new
    tune: the share of the draft's own notes that are not a phrase note at the same pitch and place
    in the bar."""
    kept = {(n.pitch, n.start) for n in left}
    old = {(n.pitch, n.start % bar) for n in own.notes}
    first = start // bar * bar
    bars_heard = min(4, first // bar) or 1
    hearing = hear(own.notes, max(0, first - bars_heard * bar), bars_heard, bar, beat)
    bars = -(-(end - first) // bar)
    heard, likely, usable, asked = [], [], [], []
    for draft in drafts:
        notes = [Note(n.pitch, n.start, min(n.duration, end - n.start), n.velocity)
                 for n in draft.notes if start <= n.start < end]
        heard.append(faults(notes, hearing, first, bars))
        likely.append(draft.log_model / max(1, len(draft.written)))
        usable.append(draft.finished and bool(notes))
        score = 0.0
        if chords:
            on, under = chord_tone_share(notes, chords)
            score += on / under if under else 0.0
        if held and notes:
            take = own.with_notes([Note(n.pitch, n.start - start, n.duration, n.velocity) for n in notes],
                                  end=end - start)
            score += len(end_held(take, beat).notes) / len(notes)
        mine = [n for n in notes if (n.pitch, n.start) not in kept]
        if left and mine:
            score += sum((n.pitch, n.start % bar) not in old for n in mine) / len(mine)
        asked.append(score)
    return musical_order(likely, heard, usable, asked if chords or held or left else None)


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
    phrase = music_heard(phrase, phrase.length, phrase.length)[0]   # its last bars; the takes are timed from its end
    seed = options.seed if options.seed is not None else int.from_bytes(os.urandom(4), "little")
    asked = options.chords
    plan = planned_accompaniment(phrase, options, seed) if options.accompaniment != "free" else None
    if plan is not None:
        mine = {(n.pitch, n.start) for n in locked}
        locked = list(locked) + [n for n in plan.low_voice if (n.pitch, n.start) not in mine]
        asked = plan.chords
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
    targets = whole = bands = places = heard_music = figure = home = None
    repeats: Repeats | None = None
    tune: Tune | None = None
    first = start // bar * bar
    if getattr(loaded.model.config, "controls", False):
        bars_written = -(-(start + target) // bar) - start // bar
        profile = key.profile() if key is not None else None
        targets = follow(own, bar, bars_written, options.controls(), profile)
        # the phrase's last bars measured as one: what the whole take is kept to and chosen by
        heard = max(0, first - options.controls().bars_before * bar)
        span = first - heard or bar
        whole = aim(measure_bars(own.notes, span, 1, spq, origin=heard), 1, options.controls(), profile)
        heard_notes = [n for n in own.notes if heard <= n.start < heard + span]
        bands = register_shares([n.pitch for n in heard_notes], float(whole[0, LOW]), float(whole[0, HIGH]))
        heard_music = own.with_notes(heard_notes)
        places = onset_places([n.start for n in heard_notes], bar)
        figure = low_voice_figure(heard_notes, bar, heard, span // bar)
        tune = phrase_tune(heard_notes, bar, heard, span // bar)
        repeats = Repeats(repeat_share(heard_notes, own.steps_per_beat), own.steps_per_beat)
        home = key or estimate_key(heard_music)
    steer = steer_to(whole, options, heard_music)
    if steer is not None and not STEER_PITCH_CLASSES:
        steer[flag_of("key")] = 0                 # pitch classes left to the network and its controls
    rows = max(options.variations, options.candidates)
    # a plan's chords are read by the network; restated (the phrase's own) with no lean to them, which would keep
    # the tune on chord tones, without its passing steps; new ones (a sequence, carried on) with a light lean
    chords = stream_chords(asked if plan is not None and plan.new_harmony else options.chords, bar, options.bars,
                           spq / phrase.steps_per_quarter, start)
    last_downbeat = (start + target - 1) // bar * bar
    # a chord set on the last downbeat says where the take arrives, not the key
    arrives = chords is None or not any(a <= last_downbeat < b and chord.is_chord for a, b, chord in chords)
    floor = None if plan is None else above_left_hand(plan, phrase, spq, bar, start, target)
    off_tone = PLAN_OFF_TONE if plan is not None and plan.new_harmony and options.chords is None else None
    task = Task(start=start, end=start + target, bar_steps=bar, steps_per_quarter=spq, locked=locks, floor=floor,
                off_tone=off_tone,
                pitch_classes=key.pitch_classes if key is not None else None, targets=targets,
                single_notes=options.texture == "single notes",
                steer_to=steer, steering=options.steering, steer_bands=bands,
                steer_places=places, listening=True, figure=figure, repeats=repeats, tune=tune,
                arrival=last_downbeat if arrives else None, home=home, chords=chords,
                harmony=asked_chords(loaded, own, asked, start, start + target,
                                     spq / phrase.steps_per_quarter))
    writer = Writer(loaded, prompt, rows, task, options.temperature, options.top_p, generator,
                    scoring=rows > options.variations and options.choose in ("likely", "musical"))
    drafts = writer.write(progress, cancel)
    beat = own.steps_per_beat

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
    if rows <= options.variations:
        chosen: Sequence[int] = range(rows)
    elif options.choose == "musical":
        chosen = _musical(drafts, own, start, start + target, bar, beat, chords,
                          options.ending == "held", locks if plan is not None else ())[:options.variations]
    else:
        chosen = _rank(drafts, options.variations, follow_score)
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


def planned_accompaniment(phrase: Phrase, options: ContinueOptions, seed: int) -> Plan | None:
    """The phrase's left hand carried on (``accompaniment.py``) for Continue's ``accompaniment``:
    moved onto the chords set, or else onto chords suggested after the phrase's (``carry``, drawn
    with the take's ``seed``), restated with the phrase's own (``restate``) or with them a scale step
    lower (``sequence``); None where the phrase has no left hand of its own."""
    key = options.chosen_key(phrase) or estimate_key(phrase)
    if key is None:
        return None
    bar = phrase.steps_per_bar
    heard = estimate_chords(phrase, "beat", key)
    if options.chords is not None:
        progression = [s for s in asked_spans(options.chords, bar, options.bars) if s[2].is_chord] or None
    elif options.accompaniment == "sequence":
        restated = accompaniment_plan(phrase, options.bars, heard)
        if restated is None:
            return None
        progression = [(a, b, stepped(c, key, -1)) for a, b, c in restated.chords]
    elif options.accompaniment == "carry":
        progression = [(a - phrase.length, b - phrase.length, c)
                       for a, b, c in suggest_chords(phrase, phrase.length, options.bars, key, seed=seed)]
    else:
        progression = None
    return accompaniment_plan(phrase, options.bars, heard, key, progression)


def above_left_hand(plan: Plan, phrase: Phrase, spq: int, bar: int, start: int, target: int) -> np.ndarray:
    """Per step of the take on the model's grid (from the stream's step ``start``, ``bar`` steps a
    bar): the lowest pitch the network strikes itself, a semitone over the highest note of the left
    hand kept in that bar (0 where the bar has none), so that it writes the tune and the inner voices
    and leaves the left hand alone."""
    floor = np.zeros(target, dtype=np.int64)
    tops: dict[int, int] = {}
    for n in regrid(phrase.with_notes(plan.low_voice), spq).notes:
        b = (start + n.start) // bar
        tops[b] = max(n.pitch, tops.get(b, 0))
    for b, top in tops.items():
        floor[max(0, b * bar - start):max(0, (b + 1) * bar - start)] = top + 1
    return floor


def on_grid_of(music: Phrase, phrase: Phrase) -> Phrase:
    """Music the model wrote on its grid, on ``phrase``'s grid (the same instants when that grid is
    finer), with the phrase's tempo map and key signatures. On a coarser grid a note the model
    struck in its last step may round onto the music's end: it is struck in the last step instead
    (the music ends where it ended)."""
    moved = regrid(music, phrase.steps_per_quarter)
    end = scaled_step(music.end, Fraction(phrase.steps_per_quarter, music.steps_per_quarter))
    notes: dict[tuple[int, int], Note] = {}
    for n in moved.notes:
        if n.start >= end > 0:
            n = Note(n.pitch, end - 1, 1, n.velocity)
        notes.setdefault((n.pitch, n.start), n)
    return phrase.with_notes(notes.values(), end=end)


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
