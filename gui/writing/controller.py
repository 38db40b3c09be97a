"""Writing with the model from the window: Continue, Fill and Re-roll, and the notes locked
against them.

Continue writes after the phrase (or the selection); Fill rewrites a span of bars so that it
leads into what follows; Re-roll writes the last of them again with a new random seed. Each runs
on a worker thread and becomes one undo step whose takes Alt+Left/Right step through. Locked
notes are never replaced: the model is made to play them where they are and writes around them.

``ContinueController`` does all of it for a window, with its collaborators named: the phrase
model and undo stack it writes into, the Continue panel it reads options from and reports to,
the piano roll it shows the work on, the model cache, and a callback for the status bar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from engine.music.phrase import Note, Phrase, shift, trim
from engine.writing.heard import heard_span

from ..counts import count
from ..document.commands import Continue, LockNotes, SetChords
from ..workers import ContinueJob, FillJob, ModelCache, ModelLoadJob, keep_until_finished


def locked_between(model, start: int, end: int) -> list[int]:
    """The ids of the locked notes of ``model`` starting from step ``start`` to before ``end``."""
    return [i for i in model.locked_ids() if start <= model.note(i).start < end]


def continuation_inputs(model, seed_ids, end: int, bars: int) -> tuple[Phrase, list[Note], tuple[Note, ...]]:
    """What the model is given to write ``bars`` bars from step ``end`` after the notes ``seed_ids`` of
    ``model``: the seed moved to start at its first bar line (the bar lines stay where they are), the
    locked notes ahead (as they are) and the same timed from ``end``, as the engine takes them.

    The seed holds only the bars the model reads of it (``engine.writing.heard``: the last
    ``CONTEXT_BARS``), so that this, on the window's thread, costs those bars' notes and one glance
    at each of the others, however long the piece (0.6 s of CPU for 30,000 notes before)."""
    present = set(model.ids())                            # once: a big phrase's set-up stays linear
    chosen = [model.note(i) for i in seed_ids if i in present]
    bar = model.steps_per_bar
    template = model.template()
    seed = template
    if chosen:
        first = min(n.start for n in chosen) // bar * bar
        length = max(n.end for n in chosen) - first
        heard, until = heard_span(bar, length, length, length)
        near = [n for n in chosen if n.end > first + heard]
        seed = trim(template.with_notes(near), first + heard, first + until)
    locks = [model.note(i) for i in locked_between(model, end, end + bars * bar)]
    relative = shift(template.with_notes(locks), -end).notes
    return seed, locks, relative


def fill_inputs(model, start: int, end: int) -> tuple[Phrase, int]:
    """The part of ``model``'s phrase the model reads to fill steps ``start``..``end`` (the bars
    ``engine.writing.heard.heard_span`` gives, moved to begin at step 0) and the step where it
    begins: Fill's set-up on the window's thread gathers those bars' notes, not the piece's."""
    length = model.length
    first, last = heard_span(model.steps_per_bar, length, start, end)
    sounding = (model.note(i) for i in model.visible(first, last))      # found by the index of starts
    near = model.template().with_notes((n for n in sounding if n.start < last), end=length)
    if first == 0 and last >= length:
        return near, 0
    return trim(near, first, last), first


def chords_between(model, start: int, end: int) -> tuple | None:
    """The chords set in ``model``'s chord lane from step ``start`` to ``end``, as (start, end, name)
    timed from ``start`` (what Continue's and Fill's ``chords`` option takes); None when none is set."""
    ahead = tuple((max(a, start) - start, min(b, end) - start, name) for a, b, name in model.chords
                  if a < end and b > start)
    return ahead or None


@dataclass
class Writing:
    """What the last Continue or Fill was, so Re-roll can write it again."""

    kind: str                     # "continue" or "fill"
    start: int                    # where the new notes begin (steps)
    end: int                      # where they stop
    options: object               # ContinueOptions or FillOptions
    seed_ids: tuple = ()          # Continue: the notes it continued


class ContinueController(QObject):
    """Continue, Fill, Re-roll, locks, takes, Cancel and the model preload of one window.

    ``model``, ``undo_stack``: the phrase written into, one undo step per writing (``history_moved``
    is to be called when the stack moves). ``panel``: the
    ContinuePanel (options in; progress, status and takes out). ``view``: the piano roll (the loop
    or selection says what Fill rewrites; new notes are brought into view). ``cache``: loaded
    models. ``show_message(text, ms)``: the status bar. ``generator``: a stand-in for
    ``engine.writing.continuation.continue_phrase`` (tests). ``parent``: the window, also the parent of the
    warning shown when a job fails. ``takeChosen`` is emitted when another take replaces the one
    showing: the document changed although the undo stack did not move (the autosave follows).
    """

    takeChosen = Signal()
    modelPreloaded = Signal()         # the panel's model is loaded ahead of the first Continue
    working = Signal(bool)                       # a Continue or Fill started (True) or ended (False)

    def __init__(self, model, undo_stack, panel, view, cache: ModelCache,
                 show_message: Callable[[str, int], None], generator=None, parent=None):
        super().__init__(parent)
        self.model, self.undo_stack, self.panel, self.view = model, undo_stack, panel, view
        self.cache = cache
        self.show_message = show_message
        self.generator = generator               # tests may pass a stand-in for the engine
        self.job: ContinueJob | None = None      # the Continue or Fill being written
        self.preload: ModelLoadJob | None = None
        self.take: Continue | None = None       # the Continue or Fill whose takes Alt+Left/Right step through
        self.reported: Continue | None = None   # the one the panel's status speaks of ("Kept take 3 of 3")
        self.last: Writing | None = None         # what Re-roll writes again
        self._model_warning = ""

    # -- the model ---------------------------------------------------------------------------------
    def preload_model(self) -> None:
        """Load the panel's model on a thread now, so the first Continue starts fast."""
        if self.generator is not None or self.job is not None:
            return
        # no parent, held until its thread ends: deleting the window never destroys it running
        self.preload = keep_until_finished(ModelLoadJob(self.cache, self.panel.model_path()))
        self.preload.failed.connect(self._preload_failed)
        self.preload.loaded.connect(self.modelPreloaded)
        self.preload.start()

    def _preload_failed(self, message: str) -> None:
        """Say why the model could not be loaded ahead, unless a Continue has started since: its
        own words (the model replaced by the bundled one, the takes written) are the newer news."""
        if self.job is None and self.last is None:
            self.panel.set_status(message)

    def shutdown(self) -> None:
        """The window closes: the job is cancelled, and no thread outlives the window."""
        if self.job is not None:
            self.job.cancel()
            self.job.wait(3000)
        if self.preload is not None:
            self.preload.wait()

    def cancel(self) -> bool:
        """Cancel the Continue or Fill being written; False when none is."""
        if self.job is None:
            return False
        self.job.cancel()
        return True

    def phrase_opened(self) -> None:
        """Another phrase is open: Re-roll belongs to the phrase it wrote into."""
        self.last = None
        self.reported = None
        self.panel.set_status("Press Continue to write what comes next, or choose bars and Fill.")

    # -- locks -------------------------------------------------------------------------------------
    def toggle_lock(self) -> None:
        """Lock the selected notes (K), or unlock them if they are all locked already."""
        model = self.model
        ids = sorted(model.selection)
        if not ids:
            self.show_message("Select the notes to lock: Fill and Continue then keep them exactly.", 5000)
            return
        lock = not all(model.is_locked(i) for i in ids)
        self.undo_stack.push(LockNotes(model, ids, lock))
        self.show_message(
            f"{count(len(ids), 'note')} {'locked: Fill and Continue keep them' if lock else 'unlocked'}.", 5000)

    def _locked_between(self, start: int, end: int) -> list[int]:
        return locked_between(self.model, start, end)

    # -- Continue, Fill, Re-roll -------------------------------------------------------------------
    def continue_phrase(self) -> None:
        """Write what comes after the selection (or the whole phrase), as the panel asks."""
        if self.job is not None:
            return
        self.keep_take()
        ids = self.model.selection or set(self.model.ids())
        options = self.panel.options()
        end = max((self.model.note(i).end for i in ids), default=0)     # not a phrase of them all: a glance each
        self._continue(tuple(sorted(ids)), end, options, replaced=[])

    def _continue(self, seed_ids, end: int, options, replaced: list[int]) -> None:
        seed, locks, relative = continuation_inputs(self.model, seed_ids, end, options.bars)
        self.last = Writing("continue", end, end + options.bars * self.model.steps_per_bar, options, tuple(seed_ids))
        if options.chords is None:                        # the lane's chords as they are now (Re-roll too)
            options = replace(options, chords=chords_between(self.model, end, self.last.end))
        job = ContinueJob(self.cache, self.panel.model_path(), seed, options,
                          generator=self.generator, parent=self, locked=relative)
        self._start(job, lambda takes: self._written(takes, end, locks, replaced, "Continue"))

    def fill_span(self) -> tuple[int, int] | None:
        """The bars to fill: the range dragged on the ruler, else the bars the selected notes span."""
        bar = self.model.steps_per_bar
        if self.view.loop:
            start, end = self.view.loop
        elif self.model.selection:
            chosen = [self.model.note(i) for i in self.model.selection]
            start, end = min(n.start for n in chosen), max(n.end for n in chosen)
        else:
            return None
        return start // bar * bar, max(start // bar * bar + bar, -(-end // bar) * bar)

    def fill(self) -> None:
        """Rewrite the chosen bars so they lead into what follows, keeping locked notes."""
        if self.job is not None:
            return
        self.keep_take()
        span = self.fill_span()
        if span is None:
            self.panel.set_status("Choose the bars to fill: drag across them on the ruler, or select notes "
                                  "in them; then Fill (Ctrl+Shift+Return).")
            return
        self._fill(*span, self.panel.options(fill=True))

    def _fill(self, start: int, end: int, options) -> None:
        model = self.model
        locked = self._locked_between(start, end)
        kept = set(locked)                                  # once, not once a note
        replaced = [i for i, n in model.items() if start <= n.start < end and i not in kept]
        locks = [model.note(i) for i in locked]
        self.last = Writing("fill", start, end, options)
        if options.chords is None:
            options = replace(options, chords=chords_between(model, start, end))
        self.view.fill_span = (start, end)
        self.view.viewport().update()
        heard, origin = fill_inputs(model, start, end)     # the takes come back timed from the span's start
        job = FillJob(self.cache, self.panel.model_path(), heard, options, parent=self,
                      locked=[replace(n, start=n.start - origin) for n in locks], span=(start - origin, end - origin))
        self._start(job, lambda takes: self._written(takes, start, locks, replaced, "Fill"))

    def reroll(self) -> None:
        """Write the last Continue or Fill again with the same settings and a new random seed; the
        notes it wrote go (but the locked ones), the new take comes in as one undo step."""
        last = self.last
        if self.job is not None:
            return
        if last is None:
            self.panel.set_status("Nothing to re-roll yet: Continue or Fill first.")
            return
        self.keep_take()
        options = replace(last.options, seed=self.panel.new_seed())
        if last.kind == "fill":
            self._fill(last.start, last.end, options)
            return
        locked = set(self._locked_between(last.start, last.end))
        replaced = [i for i, n in self.model.items() if last.start <= n.start < last.end and i not in locked]
        self._continue(last.seed_ids, last.start, options, replaced)

    # -- chords for the bars to come ----------------------------------------------------------------
    def suggest_chords(self) -> None:
        """Propose chords for the bars Continue would write (the panel's length, after the selection or
        the phrase), following the phrase's own chords and ending on a cadence: one undo step, set in
        the chord lane for the user to edit or keep (``engine.music.progressions``)."""
        from engine.music.keys import Key
        from engine.music.progressions import suggest_chords
        model = self.model
        end = model.phrase(model.selection or None).length
        bars = self.panel.options().bars
        signed = [key for at, key in model.key_signatures if at <= end]
        try:
            key = Key.parse(signed[-1]) if signed else None
            spans = suggest_chords(model.phrase(), end, bars, key)
        except ValueError as err:                     # the bundled progressions are missing or broken
            self.panel.set_status(f"No chords suggested: {err}")
            return
        from engine.music.keys import key_for_notation
        key = key or key_for_notation(model.phrase()) or Key(0)
        chart = [(a, b, chord.name(key)) for a, b, chord in spans]
        self.undo_stack.push(SetChords(model, chart[0][0], chart[-1][1], chart, "Suggest Chords"))
        bar = model.steps_per_bar
        first, last = chart[0][0] // bar + 1, (chart[-1][1] - 1) // bar + 1
        shown = " | ".join(" ".join(name for a, _, name in chart if a // bar + 1 == b) for b in range(first, last + 1))
        self.panel.set_status(f"Chords for bars {first}-{last}: {shown}. Click one in the chord lane to change it; "
                              "Continue follows them (Ctrl+Z takes them back).")

    # -- the job -----------------------------------------------------------------------------------
    def _start(self, job, done) -> None:
        job.progressed.connect(self.panel.set_progress)
        job.status.connect(self.panel.set_status)
        job.finished_with.connect(done)
        job.failed.connect(self._failed)
        job.warning.connect(self._model_replaced)
        job.cancelled.connect(lambda: self.panel.set_status("Cancelled."))
        job.finished.connect(self._job_done)
        self.job = job
        self.panel.set_busy(True)
        self.working.emit(True)
        job.start()

    def _model_replaced(self, message: str) -> None:
        self._model_warning = message
        self.show_message(message, 15000)

    def _failed(self, message: str) -> None:
        self.panel.set_status(message)
        QMessageBox.warning(self.parent(), "Continue", message)

    def _job_done(self) -> None:
        self.panel.set_busy(False)
        self.view.fill_span = None
        self.view.viewport().update()
        self.job.deleteLater()
        self.job = None
        self.working.emit(False)

    def _written(self, takes: list[Phrase], offset: int, locks: list[Note], replaced: list[int], what: str) -> None:
        kept = {(n.pitch, n.start) for n in locks}
        variations = [[n for n in shift(t, offset).notes if (n.pitch, n.start) not in kept] for t in takes]
        if not any(variations) and not replaced:
            self.panel.set_status("The model wrote only rests this time; try another seed.")
            return
        written = Continue(self.model, variations, replaced, what)
        self.undo_stack.push(written)                                 # history_moved offers its takes
        notes = count(len(variations[0]), "note")
        warning, self._model_warning = self._model_warning, ""
        done = f"Wrote {notes}" if what == "Continue" else f"Filled the span with {notes}"
        self.panel.set_status((warning + "\n" if warning else "") + done + (
            f" around {len(locks)} locked." if locks else ".") + (
            " Step through the takes with Alt+Left/Right, keep one with Alt+Return; Ctrl+R re-rolls."
            if len(variations) > 1 else " Ctrl+R writes another take."))
        self.view.set_playhead(float(offset))
        self.view.bring_into_view([self.model.note(i) for i in written.ids])

    # -- takes: Alt+Left/Right step through them while their Continue is the last thing done --------
    def history_moved(self) -> None:
        """Offer the takes of the Continue or Fill on top of the history (pushed or redone) while
        nothing waits to be redone after it; close them when it is undone or something else is done.
        The window calls it on every move of the undo stack (the window's connection goes with the
        window, before the stack is destroyed)."""
        stack = self.undo_stack
        top = stack.command(stack.index() - 1)
        offered = top if (isinstance(top, Continue) and not top.kept and stack.index() == stack.count()) else None
        reported = self.reported
        if reported is not None and not reported.done:          # what the status speaks of is undone
            self.reported = None
            self.panel.set_status(f"{reported.text()} undone.")
        if offered is self.take:
            return
        closed, self.take = self.take, offered
        if offered is not None:
            self.reported = offered
            self.panel.show_takes(offered.index, len(offered.variations))
            if len(offered.variations) > 1:
                self.panel.set_status(_take_message(offered))
            return
        self.panel.show_takes(None)
        if closed.done and len(closed.variations) > 1:           # kept by the edit done after it
            self.panel.set_status(f"Kept take {closed.index + 1} of {len(closed.variations)}.")

    def step_take(self, delta: int) -> bool:
        """Show the next (+1) or previous (-1) take; False when there are no takes to step through."""
        take = self.take
        if take is None or len(take.variations) < 2:
            return False
        take.choose(take.index + delta)
        # the take showing is part of the Continue step, so no step of its own (Ctrl+Z still takes
        # back the whole Continue, redo brings back this take); but it is an edit: a document saved
        # with another take showing is no longer what is on screen
        if self.undo_stack.isClean():
            self.undo_stack.resetClean()
        self.takeChosen.emit()
        self.view.bring_into_view([self.model.note(i) for i in take.ids])
        self.panel.show_takes(take.index, len(take.variations))
        self.panel.set_status(_take_message(take))
        return True

    def keep_take(self) -> None:
        """Keep the take showing (Alt+Return): its notes stay, the others go."""
        take = self.take
        if take is None:
            return
        take.kept = True
        self.take = None
        self.reported = take
        self.panel.show_takes(None)
        if len(take.variations) > 1:
            self.panel.set_status(f"Kept take {take.index + 1} of {len(take.variations)}.")


def _take_message(take) -> str:
    return (f"Take {take.index + 1} of {len(take.variations)}: {count(len(take.variations[take.index]), 'note')}. "
            "Alt+Left/Right for the others, Alt+Return keeps this one.")
