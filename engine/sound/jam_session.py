"""A Jam session, live: the player's calls come in from the MIDI input, Segue's answers go out on time.

``JamSession`` is fed the input port's messages on the port's own thread (``feed``) and keeps
everything time-critical off the window's thread: the writing runs on a thread of its own and the
answer is played by a ``Timeline``. The model is not imported here: the session is given
``write(phrase, bars, cancel, at)``, which returns the notes of ``bars`` bars after ``phrase`` (timed
from its end, which is the roll's step ``at``), as ``continue_phrase``'s first take does; it stops
with any exception when ``cancel()`` turns True.

The answer is written before the player has stopped: from each note struck on, the session
supposes it is the call's last and writes the answer's first bar for the beat it would then start
on (``jam.answer_start``), the notes still held lasting until then. Another note struck drops that
answer (it was never heard) and starts the next; so when the player stops, the answer is usually
ready, and sounds on the beat. The rest of the answer is written while its first bar plays. A note
struck while the answer plays cuts it off: what was heard stays, and a new call begins.

What the session hears and plays is told through ``Reports``, from whichever thread it happens on:
the player's notes as they end (all of them again when the pulse is re-estimated), each note of an
answer as it is struck, a cut, the tempo and anything that went wrong.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence

from ..music.phrase import Note, Phrase
from .jam import CONTEXT_BARS, Pulse, answer_bars, answer_start, context, estimate_pulse
from .live import Timeline
from .recorder import Recording

GRACE = 0.15              # of a beat: a note struck this soon after an answer began goes on with the call
LEAD = 0.02               # seconds an answer must be ready before its beat, to be out on time
SWITCH_INTERVAL = 0.0005  # how often Python hands the processor between threads while jamming (the default
                          # 5 ms would let the writer hold the timeline's thread that long past a note)


def _nothing(*_):
    pass


@dataclass
class Reports:
    """Where the session says what happens (each called on the thread it happens on)."""

    played: Callable[[list[Note], bool], None] = _nothing       # the player's notes; True: all of them, re-timed
    answered: Callable[[Note], None] = _nothing                 # one note of an answer, as it is struck
    cut: Callable[[int], None] = _nothing                       # the answer was cut off at this step (its notes
                                                                # from that step on, if any, are gone)
    tempo: Callable[[float], None] = _nothing                   # the pulse (bpm) the session keeps to
    state: Callable[[str], None] = _nothing                     # "listening", "answering"
    error: Callable[[str], None] = _nothing


@dataclass
class _Answer:
    generation: int
    beat: int                       # the beat it starts on, from the pulse's origin
    bars: int
    taken: bool = False             # the writer has it
    started: bool = False           # its first beat has come: it is being heard
    began_at: float = 0.0           # ... at this moment
    call: list[float] = field(default_factory=list)    # the onsets of the call it answers
    heard_from: int = 0             # its first note among the notes heard
    fixed_pulse: bool = False       # it fixed the pulse (the session's first answer)


class JamSession:
    """One Jam: ``template`` gives the grid, metre and (until the player's is known) the tempo;
    ``first_step`` is the roll's step of the session's first bar line; ``before``: the notes in
    the roll already (the model reads them too). ``pulse``: the metronome's, fixed, whose origin is
    ``first_step``; None: estimated from the first call, whose first note is then the bar line.
    ``voice`` plays the answers (``strike``, ``release``, ``cut``, and ``prepare(notes)``, if it has
    one: called with the notes a part of an answer strikes first before it goes on the timeline,
    then with the rest). ``snap``: the player's notes are
    snapped to this many steps."""

    def __init__(self, template: Phrase, first_step: int, before: Sequence[Note],
                 write: Callable[[Phrase, int, Callable[[], bool], int], list[Note]], voice,
                 reports: Reports | None = None, pulse: Pulse | None = None, snap: int = 1,
                 clock: Callable[[], float] = time.monotonic):
        self.template, self.first_step, self.before = template, first_step, list(before)
        self.write, self.voice, self.reports = write, voice, reports or Reports()
        self.snap, self.clock = snap, clock
        self.pulse = pulse
        self.fixed = pulse is not None
        self.late = 0                                  # answers that were not ready for their beat
        self.ready: list[float] = []                   # seconds each answer's first bar was ready before its beat
        self.begun: list[tuple[int, float]] = []       # each answer heard: its first step, the moment it began
        self._lock = threading.RLock()
        self._events: list[tuple[Any, float]] = []  # every message, with its moment
        self._keys: set[int] = set()
        self._call_onsets: list[float] = []
        self._recording = self._new_recording()
        self._last_onset = self._last_release = 0.0
        self._generation = 0
        self._answer: _Answer | None = None
        self._heard: list[Note] = []                   # answers' notes struck so far
        self._said: set[str] = set()
        self._closed = False
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        self.timeline = Timeline(clock, on_error=self._error, name="segue-jam-answer")
        self._wanted = threading.Condition(self._lock)
        self._writer = threading.Thread(target=self._writing, daemon=True, name="segue-jam-writer")
        self._writer.start()
        if pulse is not None:
            self.reports.tempo(pulse.bpm)
        self.reports.state("listening")

    # -- the grid ----------------------------------------------------------------------------------
    @property
    def steps_per_beat(self) -> int:
        return self.template.steps_per_beat

    def _pulse(self) -> Pulse | None:
        """The pulse, or the template's tempo from the first note struck while none is known."""
        if self.pulse is not None:
            return self.pulse
        if self._call_onsets:
            return Pulse(self._call_onsets[0], 60.0 / self.template.tempo_bpm
                         * self.template.steps_per_beat / self.template.steps_per_quarter)
        return None

    def step_at(self, seconds: float) -> int:
        pulse = self._pulse()
        return self.first_step if pulse is None else round(
            self.first_step + pulse.beats_at(seconds) * self.steps_per_beat)

    def position(self) -> int | None:
        """The roll's step being played now, or None before the first note (no pulse yet)."""
        with self._lock:
            return None if self._pulse() is None else self.step_at(self.clock())

    def time_of(self, step: float) -> float:
        """The moment of the roll's step ``step`` (only once a note was struck: there is a pulse)."""
        pulse = self._pulse()
        assert pulse is not None
        return pulse.time_of((step - self.first_step) / self.steps_per_beat)

    def _beat_seconds(self) -> float:
        pulse = self._pulse()
        assert pulse is not None
        return pulse.beat

    def _new_recording(self) -> Recording:
        pulse = self._pulse()
        beat = pulse.beat if pulse is not None else 0.5
        return Recording(self.first_step, beat / self.steps_per_beat, self.snap)

    def _origin(self) -> float:
        pulse = self._pulse()
        return pulse.origin if pulse is not None else 0.0

    # -- what the player plays (the input port's thread) ---------------------------------------------
    def feed(self, message, seconds: float | None = None) -> None:
        """Take one message from the keyboard, which came at ``seconds`` (default: now)."""
        t = self.clock() if seconds is None else seconds
        kind = getattr(message, "type", "")
        struck = kind == "note_on" and message.velocity > 0
        released = kind == "note_off" or (kind == "note_on" and message.velocity == 0)
        with self._lock:
            if self._closed:
                return
            if struck:
                self._struck(t)
                if self.pulse is None and len(self._call_onsets) == 1:
                    self._recording = self._new_recording()      # on the template's tempo until the player's is known
            self._events.append((message, t))
            if struck and not self.fixed and self._estimate():
                return
            try:
                done = self._recording.feed(message, t - self._origin())
            except Exception as err:               # a malformed message must not end the session
                self._error(f"Ignored a MIDI message that could not be read ({err}).")
                return
            if struck:
                self._keys.add(message.note)
                self._aim(free_from=t, heard_more=True)
            elif released and message.note in self._keys:
                self._keys.discard(message.note)
                self._last_release = t
                if not self._keys:                 # the answer written for the beat ahead stands
                    self._aim(free_from=t)
        if done:
            self.reports.played(done, False)

    def _struck(self, t: float) -> None:
        """A note is struck: an answer being heard is cut off, one still to come is dropped."""
        answer = self._answer
        if answer is not None and answer.started and t - answer.began_at < GRACE * self._beat_seconds():
            self._withdraw(answer)             # the player went on, a little late: the call goes on
        elif answer is not None and answer.started:
            self._cut(t)
        elif answer is not None:
            self._drop()
        self._call_onsets.append(t)
        self._last_onset = t

    def _estimate(self) -> bool:
        """The first call's pulse from its onsets so far; when it moved, every note is re-timed
        (True: the notes were reported)."""
        pulse = estimate_pulse(self._call_onsets)
        if pulse is None:
            return False
        self.pulse = pulse
        self._recording = self._new_recording()
        keys = set()
        for message, t in self._events:
            self._recording.feed(message, t - pulse.origin)
            if message.type == "note_on" and message.velocity > 0:
                keys.add(message.note)
            elif message.type in ("note_on", "note_off"):
                keys.discard(message.note)
        self._keys = keys
        self._drop()                               # the answer to come was timed by the old pulse
        self._aim(free_from=self._last_onset)
        self.reports.played(list(self._recording.notes), True)
        return True

    # -- the answer ------------------------------------------------------------------------------------
    def _aim(self, free_from: float, heard_more: bool = False) -> None:
        """Where the answer would start if the player stopped now; a new one is written if that moved
        or the player struck another note (``heard_more``: the answer follows all of the call)."""
        pulse = self._pulse() if self.fixed or self.pulse is not None else None
        if pulse is None or not self._call_onsets:
            return
        beats = self.template.beats_per_bar
        beat = answer_start(pulse, self._call_onsets[0], self._last_onset, free_from, beats)
        answer = self._answer
        if answer is not None and answer.beat == beat and not heard_more:
            return
        self._drop()
        self._answer = _Answer(self._generation, beat, answer_bars(pulse, self._call_onsets[0], beat, beats))
        self.timeline.at(pulse.time_of(beat), self._begin(self._generation))
        self._wanted.notify()

    def _drop(self) -> None:
        """The answer to come is not wanted: its writing stops and nothing of it is heard."""
        self._generation += 1
        self._answer = None
        self.timeline.clear()

    def _cut(self, t: float) -> None:
        """The answer being heard stops now: its notes struck so far stay, ending now."""
        self._drop()
        self.voice.cut()
        step = max(self.step_at(t), 0)
        self._heard = [n if n.end <= step else replace(n, duration=max(1, step - n.start)) for n in self._heard]
        self.reports.cut(step)
        self.reports.state("listening")

    def _withdraw(self, answer: _Answer) -> None:
        """The answer just begun was not wanted after all: silenced, and none of it stays."""
        self._drop()
        self.voice.cut()
        self._heard = self._heard[:answer.heard_from]
        self.begun = [(step, at) for step, at in self.begun if at != answer.began_at]
        self._call_onsets = answer.call
        self.fixed = self.fixed and not answer.fixed_pulse
        self.reports.cut(self.first_step + answer.beat * self.steps_per_beat)
        self.reports.state("listening")

    def _begin(self, generation: int) -> Callable[[], None]:
        def begin():
            with self._lock:
                answer = self._answer
                if generation != self._generation or answer is None:
                    return
                if self._keys:                         # a key is held past the beat: not stopped yet
                    self._drop()
                    return
                answer.started, answer.began_at = True, self.clock()
                self.begun.append((self.first_step + answer.beat * self.steps_per_beat, answer.began_at))
                answer.call, answer.heard_from = self._call_onsets, len(self._heard)
                self._call_onsets = []                 # the call is answered: the next note begins another
                if not self.fixed and self.pulse is not None:    # the first answer keeps to its pulse
                    self.fixed = answer.fixed_pulse = True
                    self.reports.tempo(self.pulse.bpm)
            self.reports.state("answering")
        return begin

    def _writing(self) -> None:
        """The writer's thread: the answer wanted, its first bar, then the rest while that plays."""
        while True:
            with self._lock:
                while not self._closed and (self._answer is None or self._answer.taken):
                    self._wanted.wait()
                if self._closed:
                    return
                answer = self._answer
                assert answer is not None
                answer.taken = True
                generation = answer.generation
                start = self.first_step + answer.beat * self.steps_per_beat
                phrase = self._context(start)
            bar = self.template.steps_per_bar
            first = self._written(phrase, 1, generation, start)
            begun = None if first is None else self._play(first, start, generation, first=True)
            if first is None or begun is None:
                continue
            start = begun
            if answer.bars > 1:
                with self._lock:
                    more = phrase.with_notes(list(phrase.notes) + [replace(n, start=n.start + phrase.length)
                                                                   for n in first], end=phrase.length + bar)
                    more = context(more, more.notes, more.length, CONTEXT_BARS)[0]
                rest = self._written(more, answer.bars - 1, generation, start + bar)
                if rest is not None:
                    self._play(rest, start + bar, generation)
            with self._lock:
                if generation == self._generation:
                    self.timeline.at(self.time_of(start + answer.bars * bar), self._ended(generation))

    def _context(self, start: int) -> Phrase:
        """What the model reads to answer from step ``start``: the music before, held notes lasting to it."""
        pulse = self._pulse()
        held = self._recording.sounding(self._recording_seconds(self.time_of(start)))
        notes = self.before + self._recording.notes + held + self._heard
        template = replace(self.template, tempo_bpm=pulse.bpm if pulse else self.template.tempo_bpm, notes=())
        return context(template, notes, start)[0]

    def _recording_seconds(self, moment: float) -> float:
        return moment - self._origin()

    def _written(self, phrase: Phrase, bars: int, generation: int, at: int) -> list[Note] | None:
        """``bars`` bars after ``phrase`` from the model, or None if the answer was dropped meanwhile
        (or the model failed: said once)."""
        try:
            notes = self.write(phrase, bars, lambda: generation != self._generation or self._closed, at)
        except Exception as err:
            if generation == self._generation and not self._closed:
                self._error(f"The answer could not be written: {err}")
            return None
        return None if generation != self._generation else list(notes)

    def _play(self, notes: list[Note], start: int, generation: int, first: bool = False) -> int | None:
        """Put ``notes`` (timed from ``start``) on the timeline; the step they start on (a beat
        later when they came too late for ``start``), or None if the answer was dropped."""
        prepare = getattr(self.voice, "prepare", None)
        soonest = min((n.start for n in notes), default=0)
        if prepare is not None:                                 # what sounds first, before it is due...
            prepare([n for n in notes if n.start == soonest])
        with self._lock:
            if generation != self._generation:
                return None
            if first:
                self.ready.append(self.time_of(start) - self.clock())
            if self.time_of(start) - LEAD < self.clock():      # not ready in time: the next beat
                self.late += 1
                beat = int((self.clock() + LEAD - self.time_of(self.first_step)) / self._beat_seconds()) + 1
                start = max(start, self.first_step + beat * self.steps_per_beat)
            for n in notes:                                     # releases first: a repeated key is struck again
                self.timeline.at(self.time_of(start + n.end), self._release(n.pitch, generation))
            for n in notes:
                self.timeline.at(self.time_of(start + n.start), self._strike(replace(n, start=start + n.start),
                                                                            generation))
        if prepare is not None:                                 # ... the rest while the first notes wait
            prepare([n for n in notes if n.start != soonest])
        return start

    def _strike(self, note: Note, generation: int) -> Callable[[], None]:
        def strike():
            with self._lock:                           # not after a cut that came in meanwhile
                if generation != self._generation:
                    return
                self.voice.strike(note.pitch, note.velocity)
                self._heard.append(note)
            self.reports.answered(note)
        return strike

    def _release(self, pitch: int, generation: int) -> Callable[[], None]:
        def release():
            if generation == self._generation:
                self.voice.release(pitch)
        return release

    def _ended(self, generation: int) -> Callable[[], None]:
        def ended():
            with self._lock:
                if generation != self._generation:
                    return
                self._answer = None
                self._generation += 1
            self.reports.state("listening")
        return ended

    # -- the end -----------------------------------------------------------------------------------------
    def stop(self) -> tuple[list[Note], list[Note]]:
        """End the session now: an answer being heard is cut off, keys still held end now. Returns
        the player's notes and the answers' notes heard (the steps of the roll)."""
        now = self.clock()
        with self._lock:
            if self._closed:
                return list(self._recording.notes), list(self._heard)
            if self._answer is not None and self._answer.started:
                self._cut(now)
            else:
                self._drop()
            done = self._recording.finish(now - self._origin())
            self._closed = True
            self._wanted.notify_all()
        self.timeline.close()
        self.voice.cut()
        self._writer.join(5.0)
        sys.setswitchinterval(self._switch)
        if done:
            self.reports.played(done, False)
        return list(self._recording.notes), list(self._heard)

    def _error(self, message: str) -> None:
        if message not in self._said:
            self._said.add(message)
            self.reports.error(message)
