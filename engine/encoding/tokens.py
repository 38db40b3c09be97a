"""The event vocabulary: a phrase as a sequence of integer tokens, and back, exactly.

A phrase is read left to right, one onset at a time. Between onsets a ``wait`` says how many
steps pass; at each onset the notes sounding from there are listed low to high, each as
``pitch`` then ``length`` (its duration in steps). A ``velocity`` token, when the vocabulary
has velocity levels, comes before a note whose loudness differs from the note before it.
Waits and lengths longer than the largest token are written as several tokens that add up
(the largest ones first), so every phrase on the grid has exactly one spelling and
``decode(encode(p)) == p`` (a key is struck once at a time: of two notes of one pitch starting
together, the longer is the one written). The sequence begins with ``start`` and closes with ``end`` after
a final wait to the phrase's last step, so a trailing rest survives too.

This is the original design's "note+duration strings" made polyphonic and lossless: a chord is
its pitches at one onset, a rest is a wait, and rhythm is exact to the step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Iterable, Sequence

from ..music.phrase import DEFAULT_VELOCITY, Note, Phrase

PAD, START, END = 0, 1, 2
SPECIALS = ("pad", "start", "end")
FIRST_WAIT = len(SPECIALS)         # in every vocabulary the waits come right after the specials


@dataclass(frozen=True)
class Vocabulary:
    """Sizes of the token groups, and which token id is what: the one place that knows the layout
    (specials, waits, lengths, pitches, velocities). Ask it: ``kinds[token]`` and ``values[token]``
    in tight loops, ``waits``/``lengths``/``pitches``/``velocities`` (slices of the ids, shortest
    wait, lowest pitch, softest level first) for arrays over the vocabulary."""

    max_wait: int = 16          # steps; longer rests use several wait tokens
    max_length: int = 32        # steps; longer notes use several length tokens
    velocity_levels: int = 0    # 0: no velocity tokens, every note decodes at DEFAULT_VELOCITY
    lowest_pitch: int = 0
    highest_pitch: int = 127

    # -- layout -------------------------------------------------------------------------------
    @cached_property
    def first_wait(self) -> int:
        return FIRST_WAIT

    @cached_property
    def first_length(self) -> int:
        return self.first_wait + self.max_wait

    @cached_property
    def first_pitch(self) -> int:
        return self.first_length + self.max_length

    @cached_property
    def first_velocity(self) -> int:
        return self.first_pitch + (self.highest_pitch - self.lowest_pitch + 1)

    @cached_property
    def size(self) -> int:
        return self.first_velocity + self.velocity_levels

    @cached_property
    def waits(self) -> slice:
        """The ids of the waits, 1 step first."""
        return slice(self.first_wait, self.first_length)

    @cached_property
    def lengths(self) -> slice:
        """The ids of the lengths, 1 step first."""
        return slice(self.first_length, self.first_pitch)

    @cached_property
    def pitches(self) -> slice:
        """The ids of the pitches, the lowest first (``token - pitches.start`` is its slot)."""
        return slice(self.first_pitch, self.first_velocity)

    @cached_property
    def velocities(self) -> slice:
        """The ids of the velocity levels, the softest first."""
        return slice(self.first_velocity, self.size)

    # -- single tokens ------------------------------------------------------------------------
    def wait(self, steps: int) -> int:
        if not 1 <= steps <= self.max_wait:
            raise ValueError(f"a wait of {steps} steps has no token (waits are 1 to {self.max_wait} steps)")
        return self.first_wait + steps - 1

    def length(self, steps: int) -> int:
        if not 1 <= steps <= self.max_length:
            raise ValueError(f"a length of {steps} steps has no token (lengths are 1 to {self.max_length} steps)")
        return self.first_length + steps - 1

    def pitch(self, midi_pitch: int) -> int:
        if not self.lowest_pitch <= midi_pitch <= self.highest_pitch:
            raise ValueError(f"pitch {midi_pitch} is outside the model's pitches "
                             f"({self.lowest_pitch} to {self.highest_pitch})")
        return self.first_pitch + midi_pitch - self.lowest_pitch

    def velocity(self, level: int) -> int:
        if not 0 <= level < self.velocity_levels:
            raise ValueError(f"velocity level {level} has no token (this vocabulary has {self.velocity_levels})")
        return self.first_velocity + level

    @cached_property
    def kinds(self) -> tuple[str, ...]:
        """The kind of every token id, for lookups in tight loops."""
        return tuple(self._kind(t) for t in range(self.size))

    @cached_property
    def values(self) -> tuple[int, ...]:
        """The ``value`` of every token id (steps of a wait or length, ...), for tight loops."""
        return tuple(self.value(t) for t in range(self.size))

    def kind(self, token: int) -> str:
        """'pad', 'start', 'end', 'wait', 'length', 'pitch' or 'velocity'."""
        kinds = self.kinds
        if 0 <= token < len(kinds):
            return kinds[token]
        return self._kind(token)

    def _kind(self, token: int) -> str:
        if token < self.first_wait:
            return SPECIALS[token]
        if token < self.first_length:
            return "wait"
        if token < self.first_pitch:
            return "length"
        if token < self.first_velocity:
            return "pitch"
        if token < self.size:
            return "velocity"
        raise ValueError(f"token {token} is outside the vocabulary of {self.size}")

    def value(self, token: int) -> int:
        """Steps of a wait or length, MIDI pitch of a pitch, level of a velocity token."""
        kind = self.kind(token)
        if kind == "wait":
            return token - self.first_wait + 1
        if kind == "length":
            return token - self.first_length + 1
        if kind == "pitch":
            return token - self.first_pitch + self.lowest_pitch
        if kind == "velocity":
            return token - self.first_velocity
        return 0

    def name(self, token: int) -> str:
        """A readable name: 'wait 4', 'length 2', 'pitch 60', 'velocity 3', 'start'."""
        kind = self.kind(token)
        return kind if kind in SPECIALS else f"{kind} {self.value(token)}"

    # -- velocity levels ----------------------------------------------------------------------
    def velocity_level(self, velocity: int) -> int:
        """The level (0..velocity_levels-1) a MIDI velocity falls in."""
        return min(self.velocity_levels - 1, (velocity - 1) * self.velocity_levels // 127)

    def level_velocity(self, level: int) -> int:
        """The MIDI velocity a level decodes to: the middle of its band."""
        low = -(-level * 127 // self.velocity_levels) + 1
        high = -(-(level + 1) * 127 // self.velocity_levels)
        return (low + high) // 2

    def quantize_velocity(self, velocity: int) -> int:
        """What a velocity becomes after a round trip through this vocabulary."""
        if not self.velocity_levels:
            return DEFAULT_VELOCITY
        return self.level_velocity(self.velocity_level(velocity))

    def covers(self, phrase: Phrase) -> bool:
        """True when every note of the phrase can be written exactly in this vocabulary."""
        return all(self.lowest_pitch <= n.pitch <= self.highest_pitch
                   and n.velocity == self.quantize_velocity(n.velocity) for n in phrase.notes)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Vocabulary":
        return cls(**{k: int(v) for k, v in data.items() if k in cls.__dataclass_fields__})


def _split(total: int, largest: int) -> list[int]:
    """``total`` as parts of at most ``largest``, largest first: 37, 16 -> [16, 16, 5]."""
    parts = [largest] * (total // largest)
    if total % largest:
        parts.append(total % largest)
    return parts


def encode(phrase: Phrase, vocab: Vocabulary, *, start: bool = True, end: bool = True, now: int = 0,
           level: int | None = None) -> list[int]:
    """The phrase's tokens. Pitches outside the vocabulary's range are left out, and of two notes
    of one pitch struck at the same step (one key struck once) only the longer is written.

    ``start``/``end`` add the sequence markers; a seed for continuation leaves out ``end`` and the
    trailing wait, so the model picks up from the last onset. ``now`` and ``level`` carry on a
    stream already at that step with that velocity level in force (the notes start at ``now`` or later).
    """
    tokens = [START] if start else []
    velocity = DEFAULT_VELOCITY if not vocab.velocity_levels else level
    notes = phrase.notes
    for i, note in enumerate(notes):
        if not vocab.lowest_pitch <= note.pitch <= vocab.highest_pitch:
            continue
        following = notes[i + 1] if i + 1 < len(notes) else None
        if following is not None and (following.start, following.pitch) == (note.start, note.pitch):
            continue                                    # one key struck twice at once: the longer note
        if note.start > now:
            tokens.extend(vocab.wait(w) for w in _split(note.start - now, vocab.max_wait))
            now = note.start
        if vocab.velocity_levels:
            level = vocab.velocity_level(note.velocity)
            if level != velocity:
                tokens.append(vocab.velocity(level))
                velocity = level
        tokens.append(vocab.pitch(note.pitch))
        tokens.extend(vocab.length(d) for d in _split(note.duration, vocab.max_length))
    if end:
        if phrase.end > now:
            tokens.extend(vocab.wait(w) for w in _split(phrase.end - now, vocab.max_wait))
        tokens.append(END)
    return tokens


class Decoder:
    """Turns tokens into notes one at a time, so generation can follow the clock as it goes.

    It is lenient: a pitch with no length gets one step, a stray length or velocity is ignored,
    so any token stream decodes to some phrase.
    """

    def __init__(self, vocab: Vocabulary, now: int = 0, velocity: int = DEFAULT_VELOCITY):
        self.vocab = vocab
        self.now = now
        self.velocity = velocity
        self.notes: list[Note] = []
        self.finished = False
        self._pitch: int | None = None
        self._length = 0

    def _close_note(self):
        if self._pitch is not None:
            self.notes.append(Note(self._pitch, self.now, max(1, self._length), self.velocity))
        self._pitch, self._length = None, 0

    def feed(self, token: int) -> None:
        if self.finished:
            return
        kind = self.vocab.kind(token)
        if kind == "length":
            if self._pitch is not None:
                self._length += self.vocab.value(token)
            return
        self._close_note()
        if kind == "pitch":
            self._pitch = self.vocab.value(token)
        elif kind == "wait":
            self.now += self.vocab.value(token)
        elif kind == "velocity":
            self.velocity = self.vocab.level_velocity(self.vocab.value(token))
        elif kind == "end":
            self.finished = True

    def close(self) -> list[Note]:
        self._close_note()
        return self.notes


def decode(tokens: Iterable[int], vocab: Vocabulary, template: Phrase | None = None) -> Phrase:
    """The phrase the tokens spell, on ``template``'s grid, tempo and metre (default 4/4, 120)."""
    decoder = Decoder(vocab)
    for token in tokens:
        decoder.feed(int(token))
    notes = decoder.close()
    template = template or Phrase()
    return template.with_notes(notes, end=decoder.now)


def transpose_tokens(tokens: Sequence[int], vocab: Vocabulary, semitones: int) -> list[int] | None:
    """The same tokens a number of semitones higher or lower; None if a pitch would leave the range."""
    lo, hi = vocab.pitches.start, vocab.pitches.stop
    out = []
    for t in tokens:
        if lo <= t < hi:
            t += semitones
            if not lo <= t < hi:
                return None
        out.append(t)
    return out
