"""Writing with the model from the window: Continue, Fill and Re-roll, and the notes locked
against them.

Continue writes after the phrase (or the selection); Fill rewrites a span of bars so that it
leads into what follows; Re-roll writes the last of them again with a new random seed. Each runs
on a worker thread and becomes one undo step whose takes Alt+Left/Right step through. Locked
notes are never replaced: the model is made to play them where they are and writes around them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from engine.phrase import Note

from .commands import Continue, LockNotes
from .counts import count
from .workers import ContinueJob, FillJob


@dataclass
class Writing:
    """What the last Continue or Fill was, so Re-roll can write it again."""

    kind: str                     # "continue" or "fill"
    start: int                    # where the new notes begin (steps)
    end: int                      # where they stop
    options: object               # ContinueOptions or FillOptions
    seed_ids: tuple = ()          # Continue: the notes it continued


def toggle_lock(window) -> None:
    """Lock the selected notes (K), or unlock them if they are all locked already."""
    model = window.model
    ids = sorted(model.selection)
    if not ids:
        window.statusBar().showMessage("Select the notes to lock: Fill and Continue then keep them exactly.", 5000)
        return
    lock = not all(model.is_locked(i) for i in ids)
    window.undo_stack.push(LockNotes(model, ids, lock))
    window.statusBar().showMessage(
        f"{count(len(ids), 'note')} {'locked: Fill and Continue keep them' if lock else 'unlocked'}.", 5000)


def _locked_between(model, start: int, end: int) -> list[int]:
    return [i for i in model.locked_ids() if start <= model.note(i).start < end]


def continue_phrase(window) -> None:
    if window.job is not None:
        return
    window.keep_take()
    ids = window.model.selection or set(window.model.ids())
    options = window.panel.options()
    end = window.model.phrase(ids).length
    _continue(window, tuple(sorted(ids)), end, options, replaced=[])


def _continue(window, seed_ids, end: int, options, replaced: list[int]) -> None:
    model = window.model
    seed = model.phrase([i for i in seed_ids if i in dict(model.items())])
    bar = model.steps_per_bar
    first = min((n.start for n in seed.notes), default=0) // bar * bar    # keep the bar lines
    shifted = seed.with_notes([Note(n.pitch, n.start - first, n.duration, n.velocity) for n in seed.notes])
    length = options.bars * bar
    locks = [model.note(i) for i in _locked_between(model, end, end + length)]
    relative = [Note(n.pitch, n.start - end, n.duration, n.velocity) for n in locks]
    window.last_writing = Writing("continue", end, end + length, options, tuple(seed_ids))
    job = ContinueJob(window.cache, window.panel.model_path(), shifted, options, generator=window.generator,
                      parent=window, locked=relative)
    _start(window, job, lambda takes: _written(window, takes, end, locks, replaced, "Continue"))


def fill_span(window) -> tuple[int, int] | None:
    """The bars to fill: the range dragged on the ruler, else the bars the selected notes span."""
    bar = window.model.steps_per_bar
    if window.view.loop:
        start, end = window.view.loop
    elif window.model.selection:
        chosen = [window.model.note(i) for i in window.model.selection]
        start, end = min(n.start for n in chosen), max(n.end for n in chosen)
    else:
        return None
    return start // bar * bar, max(start // bar * bar + bar, -(-end // bar) * bar)


def fill(window) -> None:
    if window.job is not None:
        return
    window.keep_take()
    span = fill_span(window)
    if span is None:
        window.panel.status.setText("Choose the bars to fill: drag across them on the ruler, or select notes "
                                    "in them; then Fill (Ctrl+Shift+Return).")
        return
    _fill(window, *span, window.panel.options(fill=True))


def _fill(window, start: int, end: int, options) -> None:
    model = window.model
    locked = _locked_between(model, start, end)
    replaced = [i for i, n in model.items() if start <= n.start < end and i not in set(locked)]
    locks = [model.note(i) for i in locked]
    window.last_writing = Writing("fill", start, end, options)
    window.view.fill_span = (start, end)
    window.view.viewport().update()
    job = FillJob(window.cache, window.panel.model_path(), model.phrase(), options, parent=window,
                  locked=locks, span=(start, end))
    _start(window, job, lambda takes: _written(window, takes, start, locks, replaced, "Fill"))


def reroll(window) -> None:
    """Write the last Continue or Fill again with the same settings and a new random seed; the
    notes it wrote go (but the locked ones), the new take comes in as one undo step."""
    last = getattr(window, "last_writing", None)
    if window.job is not None:
        return
    if last is None:
        window.panel.status.setText("Nothing to re-roll yet: Continue or Fill first.")
        return
    window.keep_take()
    window.panel.new_seed()
    options = replace(last.options, seed=window.panel.seed.value())
    if last.kind == "fill":
        _fill(window, last.start, last.end, options)
        return
    model = window.model
    locked = set(_locked_between(model, last.start, last.end))
    replaced = [i for i, n in model.items() if last.start <= n.start < last.end and i not in locked]
    _continue(window, last.seed_ids, last.start, options, replaced)


def _start(window, job, done) -> None:
    job.progressed.connect(window.panel.set_progress)
    job.status.connect(window.panel.status.setText)
    job.finished_with.connect(done)
    job.failed.connect(window._job_failed)
    job.warning.connect(window._model_replaced)
    job.cancelled.connect(window._job_cancelled)
    job.finished.connect(window._job_done)
    window.job = job
    window.panel.set_busy(True)
    job.start()


def _written(window, takes, offset: int, locks: list[Note], replaced: list[int], what: str) -> None:
    kept = {(n.pitch, n.start) for n in locks}
    variations = [[Note(n.pitch, n.start + offset, n.duration, n.velocity) for n in t.notes
                   if (n.pitch, n.start + offset) not in kept] for t in takes]
    if not any(variations) and not replaced:
        window.panel.status.setText("The model wrote only rests this time; try another seed.")
        return
    written = Continue(window.model, variations, replaced, what)
    window.undo_stack.push(written)                                 # history_moved offers its takes
    notes = count(len(variations[0]), "note")
    warning = getattr(window, "_model_warning", "")
    window._model_warning = ""
    done = f"Wrote {notes}" if what == "Continue" else f"Filled the span with {notes}"
    window.panel.status.setText((warning + "\n" if warning else "") + done + (
        f" around {len(locks)} locked." if locks else ".") + (
        " Step through the takes with Alt+Left/Right, keep one with Alt+Return; Ctrl+R re-rolls."
        if len(variations) > 1 else " Ctrl+R writes another take."))
    window.view.set_playhead(float(offset))
    window.view.bring_into_view([window.model.note(i) for i in written.ids])


# -- takes: Alt+Left/Right step through them while their Continue is the last thing done ------------

def history_moved(window) -> None:
    """Offer the takes of the Continue or Fill on top of the history (pushed or redone) while
    nothing waits to be redone after it; close them when it is undone or something else is done."""
    stack = window.undo_stack
    top = stack.command(stack.index() - 1)
    offered = top if (isinstance(top, Continue) and not top.kept and stack.index() == stack.count()) else None
    if offered is window.take:
        return
    closed, window.take = window.take, offered
    if offered is not None:
        window.panel.show_takes(offered.index, len(offered.variations))
        if len(offered.variations) > 1:
            window.panel.status.setText(_take_message(offered))
        return
    window.panel.show_takes(None)
    if not any(stack.command(i) is closed for i in range(stack.index())):
        window.panel.status.setText(f"{closed.text()} undone.")
    elif len(closed.variations) > 1:
        window.panel.status.setText(f"Kept take {closed.index + 1} of {len(closed.variations)}.")


def step_take(window, delta: int) -> bool:
    """Show the next (+1) or previous (-1) take; False when there are no takes to step through."""
    take = window.take
    if take is None or len(take.variations) < 2:
        return False
    take.choose(take.index + delta)
    window.view.bring_into_view([window.model.note(i) for i in take.ids])
    window.panel.show_takes(take.index, len(take.variations))
    window.panel.status.setText(_take_message(take))
    return True


def keep_take(window) -> None:
    """Keep the take showing (Alt+Return): its notes stay, the others go."""
    take = window.take
    if take is None:
        return
    take.kept = True
    window.take = None
    window.panel.show_takes(None)
    if len(take.variations) > 1:
        window.panel.status.setText(f"Kept take {take.index + 1} of {len(take.variations)}.")


def _take_message(take) -> str:
    return (f"Take {take.index + 1} of {len(take.variations)}: {count(len(take.variations[take.index]), 'note')}. "
            "Alt+Left/Right for the others, Alt+Return keeps this one.")
