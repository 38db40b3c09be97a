"""The accompaniment carried on: the phrase's left hand planned before the network writes the tune.

Every blind round's judges named it first: the phrase's accompaniment (an Alberti bass, a stride,
a waltz's bass-chord-chord, a pedal under arpeggios) breaks into scattered notes within a bar or
two of Segue's take. Nudges while the network writes (``listening.py``) did not hold it, so
Continue's ``accompaniment`` setting plans the left hand first, as a composer might sketch it:

- **restate**: new bar k's low voice is the phrase's bar k's, of its last ``PLAN_BARS`` bars (the
  notes struck below the middle of each bar's range, as ``musician.py`` and ``listening.Figure``
  read it), note for note, and its chords are that bar's (``harmony.estimate_chords``), read by the
  network with no lean to them: a consequent phrase restating its antecedent's accompaniment and
  harmony under a new tune;
- **sequence**: the restated plan a step lower, as a tonal sequence: each of the phrase's chords moved
  one degree down the key's scale (``stepped``) and the figure moved onto them as below;
- **carry**: the same figure moved onto other chords (``moved``: each chord tone to the same member
  of the new chord, a passing note by the roots' move, a pedal point left where it is), chords drawn
  after the phrase's (``progressions.suggest_chords``) or the chords the user set; the tune leans
  to them at ``OFF_TONE``.

Continue locks the plan's notes (the network writes around them as around the user's locked
notes), keeps the network's own notes above the left hand in each bar (``Task.floor``) and, among
its drafts, prefers the ones whose own notes are newest to the phrase. A bar is a left hand only
where a note at least ``APART`` semitones above its highest sounds with it; a phrase with fewer
than ``TWO_HANDED`` of such bars (one line, block chords in one register) gets no plan and is
continued as without it. Blind judges picked out restated takes in 74% of 167 pairs against 88%,
a sequence a step lower in 69% of 29 against 93%, carried-on ones as often as free ones; restated
leaves only about a third of a take's notes new, short of issue 25's guard (55%); none is the
default (``docs/benchmarks.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..music.chords import QUALITIES, Chord
from ..music.keys import Key
from ..music.phrase import Note, Phrase
from .choosing import low_voice

PLAN_BARS = 4            # the phrase's last bars the new bars restate, bar k from bar k
OFF_TONE = 0.5           # the tune's lean off new chords' tones (chord_following.OFF_TONE: 2 for chords set)
APART = 12               # a left hand's highest note lies this far under a note sounding with it, at least
TWO_HANDED = 0.6         # the share of the phrase's bars whose low voice sounds under a higher note


@dataclass(frozen=True)
class Plan:
    """The low voice (notes timed from the take's start, on the phrase's grid) and the chords
    ((start, end, chord) timed the same way) of the new bars."""

    low_voice: tuple[Note, ...]
    chords: tuple[tuple[int, int, Chord], ...]
    new_harmony: bool = False                    # the chords are not the phrase's: the tune leans to them


def two_handed(notes, low: list[Note]) -> bool:
    """Whether ``low`` (a bar's low voice) is a left hand: some note at least ``APART`` semitones above
    its highest sounds with one of its notes (a tune or chords over an accompaniment), not one line
    or block chords in one register."""
    lows = set(low)
    top = max(m.pitch for m in low)
    high = [n for n in notes if n not in lows and n.pitch >= top + APART]
    return any(h.start < m.end and m.start < h.end for h in high for m in low)


def chord_at(spans, step: int) -> Chord | None:
    """The chord of ``spans`` ((start, end, chord)) sounding at ``step``, or None."""
    return next((chord for a, b, chord in spans if a <= step < b), None)


def member(interval: int, quality: str) -> int:
    """The interval above its root of the member of a ``quality`` chord in the place of ``interval``
    above another chord's root: root to root, third to third, fifth to fifth, seventh to seventh (to
    the root an octave up where the chord has no seventh); a second or fourth counts as a third."""
    tones = QUALITIES[quality][0]
    place = 0 if interval in (0, 1) else 1 if interval in (2, 3, 4, 5) else 2 if interval in (6, 7, 8) else 3
    return tones[place] if place < len(tones) else 12


def nearest(pitch: int, pitch_class: int) -> int:
    """The pitch of ``pitch_class`` nearest ``pitch`` (the lower of two as near)."""
    up = (pitch_class - pitch) % 12
    return pitch + up if up < 6 else pitch + up - 12


def moved(pitch: int, was: Chord | None, now: Chord | None, key: Key) -> int:
    """``pitch``, a note of the figure under the chord ``was``, under the chord ``now``: a chord tone
    to the same member of the new chord in the nearest octave; a note between chord tones (a passing
    or neighbour note) by the roots' move, onto the key's scale; the same where the chord stays."""
    if now is None or now.root is None or was == now:
        return pitch
    if was is not None and was.root is not None and pitch % 12 in was.tones:
        return nearest(pitch, (now.root + member((pitch - was.root) % 12, now.quality)) % 12)
    shift = (now.root - (was.root if was is not None and was.root is not None else now.root)) % 12
    pitch += shift if shift < 6 else shift - 12
    if pitch % 12 in key.pitch_classes or pitch % 12 in now.tones:
        return pitch
    return pitch - 1 if (pitch - 1) % 12 in key.pitch_classes else pitch + 1


def stepped(chord: Chord, key: Key, steps: int) -> Chord:
    """``chord`` moved ``steps`` degrees along ``key``'s scale (major, or natural minor), as the scale's
    own chord there: a triad stays a triad and a seventh chord a seventh chord, their qualities the
    scale's (in C major, C -> Bdim, G7 -> Fmaj7, Am -> G); a chord on a note outside the scale moves by
    two semitones a degree, its quality kept."""
    if chord.root is None:
        return chord
    scale = [(key.tonic + d) % 12 for d in ((0, 2, 3, 5, 7, 8, 10) if key.minor else (0, 2, 4, 5, 7, 9, 11))]
    if chord.root not in scale:
        return Chord((chord.root + 2 * steps) % 12, chord.quality)
    i = (scale.index(chord.root) + steps) % 7
    third, fifth, seventh = ((scale[(i + k) % 7] - scale[i]) % 12 for k in (2, 4, 6))
    triad = {(4, 7): "maj", (3, 7): "min", (3, 6): "dim", (4, 8): "aug"}.get((third, fifth), "maj")
    if chord.quality in ("7", "maj7", "min7", "hdim7"):
        triad = {("maj", 10): "7", ("maj", 11): "maj7", ("min", 10): "min7", ("dim", 10): "hdim7"}.get(
            (triad, seventh), triad)
    return Chord(scale[i], triad)


def pedal(notes, first_bar: int, bars: int, bar_steps: int) -> int | None:
    """The pitch that is the lowest note struck in each of ``bars`` bars from bar ``first_bar`` (at
    least two): a pedal point, which stays where the harmony moves over it; None if they differ."""
    lows = set()
    for b in range(first_bar, first_bar + bars):
        struck = [n.pitch for n in notes if b * bar_steps <= n.start < (b + 1) * bar_steps]
        lows.add(min(struck) if struck else None)
    return lows.pop() if len(lows) == 1 and bars >= 2 else None


def accompaniment_plan(phrase: Phrase, bars: int, chords, key: Key | None = None,
                       progression=None) -> Plan | None:
    """The plan of ``bars`` bars' worth of music after ``phrase``, given its chords
    (``harmony.estimate_chords``' spans, in the phrase's steps, from a bar line at step 0). The
    take's step t has the low voice and the chords that the phrase has at t less a whole number of
    its last ``PLAN_BARS`` bars (new bar k restates the phrase's bar k; a longer take goes round them
    again; a phrase that ends mid-bar is restated from as far back, so the bar lines stay), and none
    in a bar that is one line, with nothing over its low voice. Given a ``progression`` (spans timed
    from the take's start, in ``key``), the low voice is moved onto its chords (``moved``; a pedal
    stays) and those are the plan's chords. None where the phrase has no low voice of its own."""
    bar = phrase.steps_per_bar
    length = phrase.length
    whole = length // bar                          # the phrase's complete bars
    if whole < 1 or bars < 1:
        return None
    count = min(PLAN_BARS, whole)
    period = count * bar
    first = length - period                        # the music restated: from here to the phrase's end
    lows: list[Note] = []
    handed = 0                                     # bars with a left hand
    for b in range(first // bar, -(-length // bar)):
        low = low_voice(phrase.notes, b * bar, bar)
        if low and two_handed(phrase.notes, low):  # a bar in one line or in one register: left free
            lows += [n for n in low if first <= n.start < length]
            handed += 1
    if handed < TWO_HANDED * count:
        return None
    end = bars * bar
    point = pedal(phrase.notes, whole - min(3, whole), min(3, whole), bar) if progression is not None else None
    plan: list[tuple[int, int, Chord]] = []
    notes: dict[tuple[int, int], Note] = {}
    for shift in range(period - length, end, period):      # the restated music's step 0 in the take's steps
        for a, b, chord in chords:
            a, b = max(a, first) + shift, min(b, length) + shift
            if max(a, 0) < min(b, end):
                plan.append((max(a, 0), min(b, end), chord))
        for n in lows:
            at = n.start + shift
            if not 0 <= at < end:
                continue
            pitch = n.pitch
            if progression is not None and key is not None and pitch != point:
                pitch = moved(pitch, chord_at(chords, n.start), chord_at(progression, at), key)
            if 0 <= pitch <= 127:
                notes.setdefault((pitch, at), Note(pitch, at, min(n.duration, end - at), n.velocity))
    chords_now = tuple(progression) if progression is not None else tuple(sorted(plan, key=lambda c: c[0]))
    return Plan(tuple(sorted(notes.values(), key=Note.sort_key)), chords_now, progression is not None)
