"""What a writer is asked to write (``Task``) and what it gives back for each row (``Draft``).

Continue (``continuation.py``) and Fill (``fill.py``) each build a ``Task`` from the phrase and the
options; the ``Writer`` (``writer.py``) masks and nudges by it token by token and returns one
``Draft`` a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..music.keys import Key
from ..music.phrase import Note
from .listening import Figure, Repeats, Tune


@dataclass
class Draft:
    """One row's result: its notes (absolute steps), what they cost, and how the music after went."""

    notes: list[Note]
    written: list[int] = field(default_factory=list)    # the tokens written, in order
    log_model: float = 0.0           # log P(written tokens) under the model (temperature 1, grammar only)
    log_drawn: float = 0.0           # log q(written tokens) under the distribution they were drawn from
    log_stop: float = 0.0            # log q(the wait that ended the draft)
    log_after: float = 0.0           # log P(the music after | everything before), when given
    finished: bool = False           # reached ``end`` (not stopped by the safety budget)


@dataclass
class Task:
    """Where and how to write, in the stream's own steps (0 = the prompt's start)."""

    start: int                                   # no onset before this step
    end: int                                     # a draft is finished when a wait reaches this step
    bar_steps: int
    steps_per_quarter: int
    locked: list[Note] = field(default_factory=list)      # notes to strike as they are, start..end
    pitch_classes: frozenset[int] | None = None           # only these (stay in key), or any
    within: bool = False                         # notes end by ``end``
    single_notes: bool = False                   # one note at a time: no chords (locked ones excepted)
    ending_at_start: frozenset[int] = frozenset()  # pitches of notes before that end at ``start``: not struck
                                                 # again there (a held note is not broken in two at a seam)
    starting_at_end: frozenset[int] = frozenset()  # pitches struck at ``end`` by the music after: no note of
                                                 # them ends exactly there
    after: list[Note] = field(default_factory=list)       # the music after ``end`` to read and score
    targets: np.ndarray | None = None            # controls asked of the bars from ``start``'s bar on
    steer_to: np.ndarray | None = None           # one row of controls the whole draft is kept to (steering.py)
    steering: float = 0.0                        # how firmly: 0 leaves the network alone
    steer_bands: np.ndarray | None = None        # the shares of notes in each third of the range asked for
    steer_places: np.ndarray | None = None       # the shares of onsets at each step of the bar asked for
    chords: list | None = None                   # (start, end, Chord) in the stream's steps the takes lean to
                                                 # (chord_following.py; None: the model's own harmony)
    off_tone: float | None = None                # how far from a chord's tones they lean (None: OFF_TONE)
    bar_table: np.ndarray | None = None          # or the whole table of controls, bar by bar
    harmony: list | None = None                  # (start, end, Chord) of the stream's steps a model with harmony
                                                 # reads (None: hidden); harmony_input.chords_around makes them
    listening: bool = False                      # listen as it writes (listening.py), with steering: Continue
    figure: Figure | None = None                 # where the phrase's low voice strikes (listening.py)
    arrival: int | None = None                   # the last downbeat, to arrive on (listening.py)
    home: Key | None = None                      # the phrase's key: what to arrive in and stay near
    repeats: Repeats | None = None               # the phrase's share of notes struck again within a beat
    tune: Tune | None = None                     # the phrase's tune bar by bar, for the new bars to restate
    floor: np.ndarray | None = None              # per step from ``start``: the lowest pitch a take strikes itself
                                                 # (below it only locked notes; 0: no floor), the left hand kept
