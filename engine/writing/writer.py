"""Writing music token by token, many drafts at once: the one sampler behind Continue and Fill.

A ``Writer`` reads a prompt (the music kept before the place it writes) once, then writes one token
per row per step, all rows in one batch with the LSTM state kept. At every step the model's
next-token distribution is masked by

- the grammar (``grammar.py``): only the one spelling each phrase has;
- the task: a draft never starts or ends the stream, strikes nothing before ``start`` and is
  finished when a wait reaches ``end``; with ``within`` its notes also end by ``end`` (Fill
  writes a middle that hands over to the music after it);
- locked notes: each is struck at its place with its length (other notes may join it there);
  waits that would pass it are not allowed;
- a key: only pitches of the allowed pitch classes (locked notes excepted).

Rows are drawn with temperature and top-p. For each row the writer keeps the log-probability of
what it wrote under the model itself (temperature 1, grammar only) and under the distribution it
drew from, and, when the music after the span is given (``after``), the log-probability the model
gives that music once the row is written (those tokens are read, not drawn). Fill weighs drafts by
these (``fill.py``); Continue ranks them by the model's own likelihood.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from ..encoding.controls import control_table
from ..encoding.grammar import Grammar, Speller
from ..encoding.harmony_input import HARMONY_ARRAYS
from ..encoding.side_inputs import Followers, model_arguments, stream_inputs
from ..encoding.tokens import END, PAD, START, Decoder, _split, encode
from ..errors import Cancelled
from ..model.checkpoint import LoadedModel
from ..model.stepping import Stepper
from ..music.phrase import Note, Phrase
from .chord_following import OFF_TONE, ChordLean
from .drawing import draw, log_softmax, nucleus
from .listening import Listening
from .steering import Steering
from .task import Draft, Task

WRITING, READING, DONE = 0, 1, 2


class _Locks:
    """Where one row stands with the locked notes: the next onset with locked notes, which of its
    notes are struck already, and the length tokens a locked note still has to spell."""

    def __init__(self, onsets: list[tuple[int, list[Note]]]):
        self.onsets = onsets
        self.index = 0
        self.struck = 0
        self.lengths: list[int] = []           # forced length tokens of the locked note being read
        self.open = False                      # reading a locked note's lengths

    def pending(self) -> tuple[int, list[Note]] | None:
        while self.index < len(self.onsets) and self.struck >= len(self.onsets[self.index][1]) and not self.open:
            self.index, self.struck = self.index + 1, 0
        return self.onsets[self.index] if self.index < len(self.onsets) else None


class Writer:
    def __init__(self, loaded: LoadedModel, prompt: list[int], rows: int, task: Task,
                 temperature: float = 1.0, top_p: float = 1.0, generator: torch.Generator | None = None,
                 scoring: bool = True):
        self.loaded, self.vocab, self.model = loaded, loaded.vocab, loaded.model
        self.prompt, self.rows, self.task = list(prompt), rows, task
        self.temperature, self.top_p = temperature, top_p
        self.scoring = scoring or bool(task.after)           # keep the log-probabilities of what is written
        self.generator = generator or torch.Generator().manual_seed(0)
        v = self.vocab
        self.device = next(self.model.parameters()).device
        self.grammar = Grammar(v)
        # what each token is, as numpy arrays over the vocabulary (the masks are a few rows a step)
        self.ids = np.arange(v.size)
        kinds, values = np.array(v.kinds), np.array(v.values, dtype=np.int64)
        self.is_wait, self.is_length = kinds == "wait", kinds == "length"
        self.is_pitch, self.is_velocity = kinds == "pitch", kinds == "velocity"
        self.wait_steps = np.where(self.is_wait, values, 0)
        self.length_steps = np.where(self.is_length, values, 0)
        self.steered = self.is_pitch | self.is_velocity | self.is_wait    # the tokens steering nudges
        self.never = np.zeros(v.size, dtype=bool)
        self.never[[PAD, START, END]] = True
        self.outside_key = np.zeros(v.size, dtype=bool)
        if task.pitch_classes is not None:
            for pitch in range(v.lowest_pitch, v.highest_pitch + 1):
                self.outside_key[v.pitch(pitch)] = pitch % 12 not in task.pitch_classes
            for note in task.locked:
                self.outside_key[v.pitch(note.pitch)] = False
        self.narrowed = task.pitch_classes is not None or bool(task.locked)   # pitches the grammar allows may be banned
        onsets: dict[int, list[Note]] = {}
        for note in sorted(task.locked, key=Note.sort_key):
            onsets.setdefault(note.start, []).append(note)
        self.lock_onsets = sorted(onsets.items())

    # -- the prompt ------------------------------------------------------------------------------
    def _read_prompt(self):
        v, model, task = self.vocab, self.model, self.task
        config = model.config
        targets = task.targets
        side = stream_inputs(self.prompt, v, config, task.bar_steps, task.steps_per_quarter, targets,
                             chords=task.harmony)
        self.vectors = self.matrix = None
        if getattr(config, "controls", False):
            table = task.bar_table
            if table is None:
                table = control_table(self.prompt, v, task.bar_steps, task.steps_per_quarter)
                first = task.start // max(1, task.bar_steps)
                wanted = first + (len(targets) if targets is not None else 0) + 2
                full = np.zeros((max(len(table), wanted) + 1, table.shape[1]), dtype=np.float32)
                full[:min(len(table), first)] = table[:first]
                if targets is not None:
                    full[first:first + len(targets)] = targets
                table = full
            rows = np.stack([table[:-1], table[1:]], 1)
            self.bar_controls = torch.from_numpy(rows).to(self.device)
            self.vectors = model.control_vectors(self.bar_controls)
            terms = model.control_terms(self.bar_controls[:, 0])               # once per bar, not per step
            self.matrix = model.control_matrix(terms) if terms else None
            bars = side["control_bar"]
            side["controls"] = rows[np.minimum(bars, len(rows) - 1)]
        batched = {k: torch.from_numpy(np.asarray(a))[None] for k, a in side.items()}
        logits, state = model(torch.tensor([self.prompt], device=self.device), None,
                              **model_arguments(batched, self.device))
        k = self.rows
        self.logits = np.repeat(logits[:, -1].float().cpu().numpy(), k, 0)
        self.state = tuple(s.expand(-1, k, -1).contiguous() for s in state)
        self.stepper = None
        if self.device.type == "cpu" and Stepper.handles(model):     # the step on buffers made once
            self.stepper = Stepper(model, k, half=True, chords=task.harmony is not None)
            self.stepper.start(self.state, self.vectors, self.matrix)
        self.followers = Followers(v, config, self.prompt, k, task.bar_steps, chords=task.harmony)
        decoder = Decoder(v)
        for token in self.prompt:
            decoder.feed(token)
        self.prompt_now = decoder.now
        self.prompt_velocity = decoder.velocity
        self.prompt_sounding = [(n.pitch, n.end) for n in decoder.close() if n.end > self.prompt_now]

    # -- masks -----------------------------------------------------------------------------------
    def _plain(self) -> bool:
        """True once the task forbids the same tokens in every row at every step."""
        return self._all_started and not (self.task.within or self.lock_onsets or self.task.single_notes
                                          or self.task.floor is not None)

    def _task_mask(self, now: np.ndarray, note_length: np.ndarray, writing: np.ndarray) -> np.ndarray:
        """(rows, vocab): what the task forbids each writing row (grammar aside)."""
        task = self.task
        banned = np.broadcast_to(self.never | self.outside_key, (self.rows, self.vocab.size))
        if not (task.within or self.lock_onsets or task.floor is not None) and self._all_started:
            return banned
        banned = banned.copy()
        early = now < task.start
        self._all_started: bool = not bool(early.any())
        # before start: no onset; a wait short of start is allowed only as the longest wait (it goes on)
        banned |= early[:, None] & (self.is_pitch | self.is_velocity)
        short = (now[:, None] + self.wait_steps < task.start) & (self.wait_steps < self.vocab.max_wait)
        banned |= early[:, None] & self.is_wait & short
        if task.within:
            banned |= self.is_length & (now[:, None] + note_length[:, None] + self.length_steps > task.end)
        if task.ending_at_start or task.starting_at_end:
            banned |= self._seam_mask(now, note_length)
        if self.lock_onsets:
            banned |= self._lock_mask(now)
        if task.floor is not None:
            banned |= self._floor_mask(now)
        banned[~writing] = False
        return banned

    def _floor_mask(self, now: np.ndarray) -> np.ndarray:
        """Below ``task.floor`` at each row's step no pitch of its own: only the locked note it owes there."""
        task, v = self.task, self.vocab
        floor = task.floor
        assert floor is not None
        inside = (now >= task.start) & (now < task.start + len(floor))
        lowest = np.where(inside, floor[np.clip(now - task.start, 0, len(floor) - 1)], 0)
        lowest = np.clip(lowest, v.lowest_pitch, v.highest_pitch + 1)
        banned = self.is_pitch & (self.ids < (v.pitch(v.lowest_pitch) + lowest - v.lowest_pitch)[:, None])
        for row, locks in enumerate(self.locks):
            pending = locks.pending()
            if pending is not None and pending[0] == now[row] and locks.struck < len(pending[1]):
                banned[row, v.pitch(pending[1][locks.struck].pitch)] = False
        return banned

    def _seam_mask(self, now: np.ndarray, note_length: np.ndarray) -> np.ndarray:
        """At the span's seams no note ends exactly where a note of its pitch starts: no restrike at
        ``start`` of a pitch that ends there, and no note of a pitch the music after strikes at
        ``end`` ending there (nor struck so late that it could only end there)."""
        task, v = self.task, self.vocab
        banned = np.zeros((self.rows, v.size), dtype=bool)
        for row in range(self.rows):
            if self.mode[row] != WRITING or (self.lock_onsets and self.locks[row].open):
                continue
            t = int(now[row])
            if t == task.start:
                for pitch in task.ending_at_start:
                    banned[row, v.pitch(pitch)] = True
            if task.starting_at_end:
                if t >= task.end - 1:
                    for pitch in task.starting_at_end:
                        banned[row, v.pitch(pitch)] = True
                if self.note_pitch[row] in task.starting_at_end:
                    ends = t + int(note_length[row]) + self.length_steps
                    banned[row] |= self.is_length & (ends == task.end)
        for note in task.locked:                               # locked notes are struck as they are
            banned[:, v.pitch(note.pitch)] = False
        return banned

    def _at_lock(self, now: list[int]) -> np.ndarray:
        """Rows standing at an onset whose locked notes are not all struck yet."""
        at = [False] * self.rows
        if self.lock_onsets:
            for row, locks in enumerate(self.locks):
                pending = locks.pending()
                at[row] = pending is not None and pending[0] == now[row]
        return np.array(at)

    def _lock_mask(self, now: np.ndarray) -> np.ndarray:
        v = self.vocab
        banned = np.zeros((self.rows, v.size), dtype=bool)
        for row, locks in enumerate(self.locks):
            if self.mode[row] != WRITING:
                continue
            if locks.open:                                     # the locked note's own length, exactly
                banned[row] = True
                if locks.lengths:
                    banned[row, locks.lengths[0]] = False
                continue
            pending = locks.pending()
            if pending is None:
                continue
            when, notes = pending
            t = int(now[row])
            if t < when:
                banned[row] |= self.is_wait & (t + self.wait_steps > when)
            elif t == when:
                banned[row] |= self.is_wait
                banned[row] |= self.is_pitch & (self.ids > v.pitch(notes[locks.struck].pitch))
        return banned

    # -- drawing ---------------------------------------------------------------------------------
    def _draw(self, logits: np.ndarray, banned: np.ndarray):
        return draw(np.where(banned, -np.inf, logits), self.temperature, self.top_p, self.generator)

    def _stop_chance(self, logits: np.ndarray, banned: np.ndarray, row: int, now: int) -> float:
        """The probability the row had of drawing a wait that reaches the end (log q of stopping)."""
        probs = nucleus(np.exp(log_softmax(logits[row:row + 1] / self.temperature, banned[row:row + 1]))[0],
                        self.top_p)
        stop = self.is_wait & (now + self.wait_steps >= self.task.end)
        return float(probs[stop].sum() / probs.sum())

    # -- the loop --------------------------------------------------------------------------------
    @torch.inference_mode()
    def write(self, progress: Callable[[float], None] | None = None,
              cancel: Callable[[], bool] | None = None) -> list[Draft]:
        v, task, k = self.vocab, self.task, self.rows
        self._read_prompt()
        speller = Speller(self.grammar, self.prompt, k)
        self.mode = [WRITING] * k
        self.note_pitch = [-1] * k                       # the pitch whose length is being written
        self._all_started = False
        self._fixed = self.never | self.outside_key
        self.locks = [_Locks(self.lock_onsets) for _ in range(k)]
        self.steering = None
        if task.steer_to is not None and task.steering > 0:
            self.steering = Steering(v, task.steer_to, k, task.steps_per_quarter, task.start, task.end,
                                     task.steering, task.steer_bands, task.bar_steps, task.steer_places)
        reads_chords = bool(self.model.config.harmony and task.harmony is not None)     # the network follows them too
        self.lean = ChordLean(v, task.chords, k, task.steps_per_quarter, self.prompt_sounding,
                              cap=not reads_chords,
                              off_tone=OFF_TONE if task.off_tone is None else task.off_tone) if task.chords else None
        # listening goes with steering: "Keep to the phrase" off leaves the network alone
        self.listening = None
        if self.steering is not None and task.listening:
            self.listening = Listening(v, k, task.start, task.end, task.bar_steps, task.figure, task.arrival,
                                       task.home, task.steering / 2, task.repeats, task.tune)
        decoders = [Decoder(v, now=self.prompt_now, velocity=self.prompt_velocity) for _ in range(k)]
        drafts = [Draft([]) for _ in range(k)]
        reading: list[list[int]] = [[] for _ in range(k)]
        now = [self.prompt_now] * k
        note_length = [0] * k
        span = max(1, task.end - task.start)
        budget = span * 48 + 256 + 8 * len(task.after) + 8 * len(task.locked)
        logits = self.logits
        wait_steps = self.wait_steps.tolist()
        for step in range(budget):
            if cancel and cancel():
                raise Cancelled()
            grammar_banned = speller.banned()
            writing = np.array([m == WRITING for m in self.mode])
            all_writing = bool(writing.all())
            if self._plain():
                banned = grammar_banned | self._fixed
            else:
                banned = grammar_banned | self._task_mask(np.array(now), np.array(note_length), writing)
                if task.single_notes:                        # a pitch struck at this onset: no second one
                    struck = (speller.state[:, 0] > 0) & ~self._at_lock(now)
                    banned |= struck[:, None] & (self.is_pitch | self.is_velocity)
            if self.narrowed:                                # a velocity token needs a pitch to follow
                no_pitch = (banned | ~self.is_pitch).all(1)
                banned[no_pitch] |= self.is_velocity
            stuck = banned.all(1)
            if stuck.any():                                  # never leave a row with no way on
                banned[stuck] = grammar_banned[stuck] | self.never
                banned[stuck & banned.all(1)] = ~self.is_wait
            if not all_writing:
                banned[~writing] = False                     # rows not drawing: any token, ignored
            if self.lean is not None:                        # the chords set: part of what the model is asked
                logits = self.lean.leaned(logits, np.array(now), np.array(self.note_pitch), np.array(note_length),
                                          writing, np.asarray(~grammar_banned[:, v.pitches].all(1)))
            drawn_from = logits
            # steering nudges no length: where every writing take must write one it is skipped; listening
            # nudges lengths (the arrival's held note), so with it steering is always asked
            if self.steering is not None and (self.listening is not None or (self.steered & ~banned[writing]).any()):
                nudges = self.steering.nudges(now, logits)
                if self.listening is not None:
                    nudges = self.listening.keep_clear(self.listening.nudges(now, nudges, logits, banned),
                                                      logits, banned, now)
                drawn_from = logits + nudges
            chosen, chance = self._draw(drawn_from, banned)
            if self.scoring:
                model_log = log_softmax(logits, grammar_banned)
                model_picked = model_log[np.arange(k), chosen].tolist()
                drawn_picked = np.log(chance).tolist()
            tokens = chosen.tolist()
            for row in range(k):
                mode = self.mode[row]
                if mode == DONE:
                    tokens[row] = PAD
                    continue
                if mode == WRITING:
                    token = tokens[row]
                    steps = wait_steps[token]
                    if steps and now[row] + steps >= task.end:
                        if self.scoring:
                            drafts[row].log_stop = math.log(self._stop_chance(drawn_from, banned, row, now[row]))
                        drafts[row].finished = True
                        if task.after:
                            level = int(speller.state[row, 1])
                            reading[row] = encode_after(task.after, v, now[row],
                                                        v.values[level] if level else None)
                            self.mode[row] = mode = READING
                        else:
                            self.mode[row] = DONE
                            tokens[row] = PAD
                            continue
                    else:
                        draft = drafts[row]
                        if self.scoring:
                            draft.log_model += model_picked[row]
                            draft.log_drawn += drawn_picked[row]
                        draft.written.append(token)
                        self._follow(row, token, now, note_length, decoders[row])
                        continue
                if mode == READING:
                    token = reading[row].pop(0)
                    tokens[row] = token
                    drafts[row].log_after += float(model_log[row, token])
                    if not reading[row]:
                        self.mode[row] = DONE
            if all(m == DONE for m in self.mode):
                break
            if progress and step % 8 == 0:
                progress(min(1.0, max(0, min(now) - task.start) / span))
            speller.feed(tokens)
            logits = self._network(speller.last, self.followers.feed(tokens))
        for row in range(k):
            drafts[row].notes = decoders[row].close()
        if progress:
            progress(1.0)
        return drafts

    def _network(self, tokens: np.ndarray, side: dict[str, torch.Tensor]) -> np.ndarray:
        """The network reads one token per row (``side``: what the followers say after it) and
        gives the next token's logits, (rows, vocab) as numpy."""
        if self.stepper is not None:
            return self.stepper.step(tokens, side["sounding"].numpy() if "sounding" in side else None,
                                     side["position"].numpy() if "position" in side else None,
                                     side["control_bar"].numpy() if "control_bar" in side else None,
                                     tuple(side[key].numpy() for key in HARMONY_ARRAYS) if "harmony" in side else None)
        k = self.rows
        args = model_arguments(side, self.device)           # the bar's controls are looked up below
        vectors, terms = None, None
        if self.vectors is not None:
            bars = side["control_bar"].clamp(max=len(self.vectors) - 1)
            first = int(bars[0])
            if bool((bars == first).all()):                  # every row in one bar: no copies per row
                vectors = self.vectors[first].expand(k, -1)
                terms = None if self.matrix is None else {"matrix": self.matrix[first]}
            else:
                at = bars.to(self.device)
                vectors = self.vectors[at]
                terms = None if self.matrix is None else {"matrix": self.matrix, "bar": at}
        logits, self.state = self.model.step(torch.from_numpy(tokens).to(self.device), self.state, **args,
                                             control_vectors=vectors, control_terms=terms, half=True)
        return logits.float().cpu().numpy()

    def _follow(self, row: int, token: int, now: list[int], note_length: list[int], decoder: Decoder):
        """Keep a writing row's clock, note length and locks up to date with the token it wrote."""
        v = self.vocab
        decoder.feed(token)
        kind = v.kind(token)
        locks = self.locks[row] if self.lock_onsets else None
        if kind == "wait":
            now[row] = decoder.now
            note_length[row] = 0
        elif kind == "pitch":
            note_length[row] = 0
            self.note_pitch[row] = v.value(token)
            if self.steering is not None:
                self.steering.struck(row, v.value(token), now[row])
            if self.lean is not None:
                self.lean.struck(row, now[row])
            if self.listening is not None:
                self.listening.struck(row, v.value(token), now[row])
            if locks is not None:
                pending = locks.pending()
                if pending is not None and pending[0] == now[row] and \
                        v.value(token) == pending[1][locks.struck].pitch:
                    note = pending[1][locks.struck]
                    locks.lengths = [v.length(d) for d in _split(note.duration, v.max_length)]
                    locks.open = True
        elif kind == "length":
            note_length[row] += v.value(token)
            if self.lean is not None:
                self.lean.lengthened(row, self.note_pitch[row], now[row] + note_length[row])
            if self.listening is not None:
                self.listening.lasts(row, v.value(token))
            if locks is not None and locks.open:
                locks.lengths.pop(0)
                if not locks.lengths:
                    locks.open = False
                    locks.struck += 1


def encode_after(notes: list[Note], vocab, now: int, level: int | None) -> list[int]:
    """The tokens of ``notes`` (all starting after ``now``) continuing a stream at ``now`` with the
    velocity level ``level`` in force (None: none yet)."""
    return encode(Phrase(tuple(notes)), vocab, start=False, end=False, now=now, level=level)
