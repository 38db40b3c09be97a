"""Restating the phrase: drafts that begin by playing one of its bars again.

Composers answer a phrase with its own bars. On the piano collection's passages (4 bars of phrase,
the composer's next 4), the composer's first new bar is one of the phrase's bars again, note for
note or nearly (most of its notes at the same place in the bar; now and then a fifth or an octave
away), in about a third of the passages: a consequent answering its antecedent, a two-bar unit
played again. Segue's takes did so in 4% (``benchmarks/musician.py``, *first new bar restates a
phrase bar*): the network paraphrases, keeping the phrase's notes and spacing in general and none
of its bars, and musicians shown the two side by side named it ("a looser reshuffle of the
phrase's notes"; "A restates bar 1 and follows the phrase's bar plan").

So when Continue writes more drafts than takes, a few drafts begin with one of the phrase's bars
played again, each with its notes locked as the user's locked notes are (struck at their places,
with their lengths; the network may add notes beside them), and the network writes on from there:
it reads the bar it has just restated and decides what follows. Which bar: the first of the last
four heard (a consequent: new bar 1 answers bar 1) and the first of the last two (the last two-bar
unit again). The takes are chosen among all drafts as before (``choosing.py``: likely, no clashes,
the figure kept), so a restating draft becomes a take only where it is as good as the others.
"""

from __future__ import annotations

from typing import Sequence

from ..music.phrase import Note

MIN_NOTES = 2          # a bar with fewer notes struck is no statement to restate
GROUPS = (4, 2)        # new bar 1 restates the first bar of the last 4 heard, then of the last 2


def bar_again(notes: Sequence[Note], source: int, bar: int, start: int, end: int) -> list[Note]:
    """The notes struck in the bar from step ``source`` (``bar`` steps), played again from
    ``start``, each cut at ``end``; one note a pitch and place."""
    again: dict[tuple[int, int], Note] = {}
    for n in notes:
        if source <= n.start < source + bar:
            at = n.start - source + start
            if at < end:
                again.setdefault((n.pitch, at), Note(n.pitch, at, min(n.duration, end - at), n.velocity))
    return sorted(again.values(), key=Note.sort_key)


def restatements(notes: Sequence[Note], start: int, bar: int, end: int, most: int) -> list[list[Note]]:
    """Up to ``most`` bars of the phrase (``notes``, in steps from its start) to play again from
    ``start`` (a bar line), each as the notes a restating draft locks, different from each other;
    none where the phrase has no whole bar before ``start`` or the bar says too little."""
    if most <= 0 or start % bar or start < bar:
        return []
    heard = start // bar
    found: list[list[Note]] = []
    for group in GROUPS:
        source = start - min(group, heard) * bar
        again = bar_again(notes, source, bar, start, end)
        if len({n.start for n in again}) >= MIN_NOTES and all(again != other for other in found):
            found.append(again)
    return found[:most]
