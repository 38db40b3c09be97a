"""Suggesting chords for the bars to come: a small model of chord progressions, learned from songs.

The model is a Markov chain over chords named by their place in the key (the root's distance from
the tonic and the quality: ``"7 7"`` is V7, ``"9 min"`` vi in major), two chords a bar (one per
half bar), with one table for the step from a bar's first half to its second (a chord held
through the bar is the chain staying put: the harmonic rhythm) and one for the step across the
bar line; major and minor keys apart. It is learned by ``resources/progressions/make_progressions.py``
from POP909's annotated chords and the chords ``estimate_chords`` hears in the piano collection,
and saved as JSON with its provenance (``resources/progressions/progressions.json``).

``suggest`` continues the chords before the bars to come and ends on a cadence: the last bar on
the tonic, the chord before it one that leads there (V, V7, Vsus4, IV, iv, bVII, vii°; in minor v and
bVI too). The chain is sampled conditioned on that ending (its chances of reaching it are
worked out backwards first), so the chords before the cadence already head for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .chords import QUALITIES, Chord
from .keys import Key

SMOOTHING = 0.05          # added to every count between the chords the model knows
LEAST = 0.005             # a chord on fewer of a mode's half bars than this share is not suggested
# the chords a cadence comes from, as (semitones above the tonic, quality)
CADENCE = {False: ((7, "maj"), (7, "7"), (7, "sus4"), (5, "maj"), (5, "min"), (10, "maj"), (11, "dim")),
           True: ((7, "maj"), (7, "7"), (7, "min"), (7, "sus4"), (5, "min"), (10, "maj"), (8, "maj"))}


def degree_name(chord: Chord, key: Key) -> str:
    """``chord`` (not N) by its place in ``key``: 'semitones-above-the-tonic quality' ('7 7' is V7)."""
    if chord.root is None:
        raise ValueError("N (no chord) has no place in a key")
    return f"{(chord.root - key.tonic) % 12} {chord.quality}"


def chord_of(name: str, key: Key) -> Chord:
    interval, quality = name.split()
    return Chord((key.tonic + int(interval)) % 12, quality)


@dataclass
class Chain:
    """One mode's chain: the chords it knows (``names``), where progressions start (``start``), and
    the steps within a bar (``within``) and across the bar line (``across``), rows summing to 1."""

    names: list[str]
    start: np.ndarray
    within: np.ndarray
    across: np.ndarray

    @classmethod
    def from_counts(cls, counts: dict) -> "Chain":
        seen = counts["seen"]
        least = LEAST * sum(seen.values())
        names = sorted((n for n, c in seen.items() if c >= least and n.split()[1] in QUALITIES),
                       key=lambda n: -seen[n])
        where = {n: i for i, n in enumerate(names)}

        def table(pairs: dict) -> np.ndarray:
            out = np.full((len(names), len(names)), SMOOTHING)
            for a, row in pairs.items():
                for b, c in row.items():
                    if a in where and b in where:
                        out[where[a], where[b]] += c
            return out / out.sum(1, keepdims=True)
        start = np.array([seen[n] for n in names], dtype=float)
        return cls(names, start / start.sum(), table(counts["within"]), table(counts["across"]))


class Progressions:
    """The learned chains (major and minor) and where they came from (``provenance``)."""

    def __init__(self, data: dict):
        self.provenance = data.get("provenance", {})
        self.chains = {False: Chain.from_counts(data["major"]), True: Chain.from_counts(data["minor"])}

    @classmethod
    def load(cls, path: str | Path) -> "Progressions":
        try:
            return cls(json.loads(Path(path).read_text()))
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise ValueError(f"the chord progressions in {path} could not be read ({err})") from None

    def suggest(self, key: Key, before: Chord | None, begins: list[bool], seed: int | None = None) -> list[Chord]:
        """A chord for each slot (half bar, or bar of an odd metre) of ``begins`` (True: the slot begins
        a bar), after the chord ``before`` (None: none known) in ``key``. The last bar is the tonic,
        the chord before it leads there."""
        chain = self.chains[key.minor]
        n, slots = len(chain.names), len(begins)
        where = {name: i for i, name in enumerate(chain.names)}
        tonic = where.get("0 min" if key.minor else "0 maj", 0)
        halves = begins
        allowed = np.ones((slots, n), dtype=bool)
        ending = max((i for i, b in enumerate(begins) if b), default=slots - 1)    # the last bar on the tonic
        allowed[ending:] = False
        allowed[ending:, tonic] = True
        if ending >= 1:
            leading = [where[f"{i} {q}"] for i, q in CADENCE[key.minor] if f"{i} {q}" in where]
            allowed[ending - 1] = False
            allowed[ending - 1, leading] = True
        if before is not None and before.is_chord and degree_name(before, key) in where:
            prior = np.zeros(n)
            prior[where[degree_name(before, key)]] = 1.0
        else:
            prior = None

        def step(i: int) -> np.ndarray:                 # the table into slot i
            return chain.across if halves[i] else chain.within
        # backward: how likely each chord at slot i is to reach an allowed ending
        reach = np.ones((slots + 1, n))
        for i in range(slots - 1, -1, -1):
            here = allowed[i] * reach[i + 1]
            reach[i] = here if i == 0 else step(i) @ here
        rng = np.random.default_rng(seed)
        chosen: list[int] = []
        for i in range(slots):
            if i == 0:
                weights = (prior @ step(0) if prior is not None else chain.start) * allowed[0] * reach[1]
            else:
                weights = step(i)[chosen[-1]] * allowed[i] * reach[i + 1]
            if weights.sum() <= 0:                      # no way to the ending from here: the tonic
                chosen.append(tonic)
                continue
            chosen.append(int(rng.choice(n, p=weights / weights.sum())))
        return [chord_of(chain.names[i], key) for i in chosen]


@lru_cache(maxsize=4)
def bundled_progressions(path: str | None = None) -> Progressions:
    """The progressions Segue ships with (or those in ``path``), read once."""
    from ..bundled import bundled
    return Progressions.load(path or bundled("resources/progressions/progressions.json"))


def suggest_chords(phrase, start: int, bars: int, key: Key | None = None, seed: int | None = None,
                   progressions: Progressions | None = None) -> list[tuple[int, int, Chord]]:
    """Chords for ``bars`` bars from step ``start`` (rounded up to a half bar) of ``phrase``, after
    its own chords: those set before ``start`` (``phrase.chords``), else those heard in its last
    bar. (start, end, chord) spans in the phrase's steps, a chord held through a bar as one span;
    ``key``: the phrase's key signature or the key its notes suggest when not given."""
    from .harmony import estimate_chords
    from .keys import key_for_notation
    from .phrase import trim
    if bars < 1:
        raise ValueError(f"chords are suggested for 1 bar or more, not {bars}")
    progressions = progressions or bundled_progressions()
    bar = phrase.steps_per_bar
    half = bar // 2 if bar % 2 == 0 else bar
    begin = -(-start // half) * half
    key = key or key_for_notation(phrase) or Key(0)
    before: Chord | None = None
    set_before = [(a, b, name) for a, b, name in phrase.chords if a < begin]
    if set_before:
        before = Chord.parse(max(set_before)[2])
    elif phrase.notes and begin > 0:
        heard = estimate_chords(trim(phrase, max(0, begin - bar), begin), "beat", key)
        chords = [c for _, _, c in heard if c.is_chord]
        before = chords[-1] if chords else None
    begins = [(begin + i * half) % bar == 0 for i in range(2 * bars if half < bar else bars)]
    per_slot = progressions.suggest(key, before, begins, seed=seed)
    spans: list[tuple[int, int, Chord]] = []
    for i, chord in enumerate(per_slot):
        a = begin + i * half
        if spans and spans[-1][2] == chord and a % bar != 0:       # held through the bar: one span
            spans[-1] = (spans[-1][0], a + half, chord)
        else:
            spans.append((a, a + half, chord))
    return spans
