"""The part of a piece the model reads to write a few bars of it: Continue and Fill cost what they
write, not what the piece holds.

The model reads the music before what it writes, token by token, and the bars around it are
measured for the controls; over a whole piece both grow with its length (Fill of 2 bars in a
100,000-note piece did not end in 5 minutes and took 2.2 GB; Continue after 3 h 53 min of
silence took 50 s and 2.3 GB). The network learned from windows of a few bars, so what it heard
64 bars earlier no longer shapes what it writes: it reads from ``CONTEXT_BARS`` bars before, at a
bar line, and Fill's controls listen to at most that many bars after.
"""

from __future__ import annotations

from ..music.phrase import Phrase, trim

CONTEXT_BARS = 64


def heard_span(steps_per_bar: int, length: int, start: int, end: int) -> tuple[int, int]:
    """The steps ``first``..``last`` of a piece ``length`` steps long that the model reads to write
    its steps ``start``..``end``: from ``CONTEXT_BARS`` bars before ``start`` (a bar line) to
    ``CONTEXT_BARS`` bars after ``end``, within the piece (``last`` at least a step after ``first``).
    The window works it out before it gathers the notes, so that it gathers only these."""
    first = max(0, start // steps_per_bar - CONTEXT_BARS) * steps_per_bar
    return first, max(first + 1, min(length, end + CONTEXT_BARS * steps_per_bar))


def music_heard(phrase: Phrase, start: int, end: int) -> tuple[Phrase, int]:
    """The music the model needs to write steps ``start``..``end`` of ``phrase`` (its grid): the
    steps ``heard_span`` gives, moved to begin at step 0 (notes held into it from before are cut at
    its start), and the step of ``phrase`` where it begins, a bar line. A piece that short comes
    back as it is, with 0."""
    first, last = heard_span(phrase.steps_per_bar, phrase.length, start, end)
    if first == 0 and last >= phrase.length:
        return phrase, 0
    return trim(phrase, first, last), first
