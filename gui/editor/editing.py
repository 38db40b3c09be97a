"""Edits of the selection, as undo commands: clipboard, transpose, shift, quantize, velocity.

The edits themselves are the engine's pure ones (``engine.music.phrase``); here they are applied to
the selected notes by id, so each becomes one ``ChangeNotes`` step. ``Editing`` holds what the Edit
menu's commands need (the phrase model, the undo stack, the snap and the playhead) so the actions
call it directly."""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import QMimeData
from PySide6.QtWidgets import QApplication, QInputDialog

from engine.music import phrase as edits
from engine.music.phrase import Note, Phrase

from ..document.commands import AddNotes, ChangeNotes, RemoveNotes
from ..document.phrase_model import PhraseModel

CLIPBOARD_TYPE = "application/x-segue-notes"


def selected(model: PhraseModel) -> list[int]:
    return sorted(model.selection, key=lambda i: model.note(i).sort_key())


def edited(model: PhraseModel, ids, edit: Callable[[Phrase], Phrase]) -> dict[int, Note]:
    """Each note of ``ids`` through ``edit`` (one of the engine's pure edits), by id: only the notes
    it changed (a note it drops is left as it is)."""
    changes = {}
    for i in ids:
        note = model.note(i)
        after = edit(Phrase((note,))).notes
        if after and after[0] != note:
            changes[i] = after[0]
    return changes


def delete(model, stack) -> None:
    ids = selected(model)
    if ids:
        stack.push(RemoveNotes(model, ids, "Delete notes"))


def copy(model) -> bool:
    ids = selected(model)
    if not ids:
        return False
    first = min(model.note(i).start for i in ids)
    rows = [[model.note(i).pitch, model.note(i).start - first, model.note(i).duration,
             model.note(i).velocity] for i in ids]
    mime = QMimeData()
    mime.setData(CLIPBOARD_TYPE, json.dumps({"steps_per_quarter": model.steps_per_quarter, "notes": rows}).encode())
    mime.setText(" ".join(f"{r[0]}@{r[1]}" for r in rows))
    QApplication.clipboard().setMimeData(mime)
    return True


def release_clipboard() -> None:
    """Before the window goes: leave only the text of copied notes on the clipboard.

    PySide6 and Qt both believe they own a QMimeData handed to the clipboard, and freeing it
    twice at exit crashes the process; the text alone is a plain Qt-side copy.
    """
    clipboard = QApplication.clipboard()
    mime = clipboard.mimeData()
    if mime is not None and mime.hasFormat(CLIPBOARD_TYPE):
        clipboard.setText(mime.text())


def cut(model, stack) -> None:
    if copy(model):
        stack.push(RemoveNotes(model, selected(model), "Cut notes"))


def paste(model, stack, at_step: int) -> bool:
    mime = QApplication.clipboard().mimeData()
    if mime is None or not mime.hasFormat(CLIPBOARD_TYPE):
        return False
    try:
        copied = json.loads(bytes(mime.data(CLIPBOARD_TYPE)).decode())
        notes = [Note(int(p), int(s), int(d), int(v)) for p, s, d, v in copied["notes"]]
        # notes copied from a document on another grid keep their time (exactly, onto a finer grid)
        here = edits.regrid(Phrase(tuple(notes), steps_per_quarter=int(copied["steps_per_quarter"])),
                            model.steps_per_quarter)
    except (ValueError, TypeError, KeyError, AttributeError):
        return False
    notes = list(edits.shift(here, int(at_step)).notes)
    stack.push(AddNotes(model, notes, "Paste notes"))
    return True


def duplicate(model, stack) -> None:
    """Copy the selection to just after itself (rounded to the bar when it spans whole bars)."""
    ids = selected(model)
    if not ids:
        return
    first = min(model.note(i).start for i in ids)
    last = max(model.note(i).end for i in ids)
    bar = model.steps_per_bar
    span = last - first
    if first % bar == 0 and span > bar // 2:
        span = -(-span // bar) * bar
    notes = edits.shift(model.phrase(ids), span).notes
    stack.push(AddNotes(model, list(notes), "Duplicate notes"))


def transpose(model, stack, semitones: int) -> None:
    ids = selected(model)
    if not ids:
        return
    low = min(model.note(i).pitch for i in ids)
    high = max(model.note(i).pitch for i in ids)
    semitones = max(-low, min(127 - high, semitones))
    if semitones:
        stack.push(ChangeNotes(model, edited(model, ids, lambda p: edits.transpose(p, semitones)), "Transpose"))


def shift(model, stack, steps: int) -> None:
    ids = selected(model)
    if not ids:
        return
    steps = max(steps, -min(model.note(i).start for i in ids))
    if steps:
        stack.push(ChangeNotes(model, edited(model, ids, lambda p: edits.shift(p, steps)), "Move notes"))


def quantize_selection(model, stack, grid: int) -> None:
    """Snap the selection (or every note, if none is selected) to ``grid`` steps."""
    ids = selected(model) or sorted(model.ids(), key=lambda i: model.note(i).sort_key())
    if not ids or grid <= 1:
        return
    changes = edited(model, ids, lambda p: edits.quantize(p, grid))
    if changes:
        stack.push(ChangeNotes(model, changes, "Quantize"))


def set_velocity(model, stack, velocity: int) -> None:
    ids = selected(model)
    changes = edited(model, ids, lambda p: edits.with_velocity(p, velocity))
    if changes:
        stack.push(ChangeNotes(model, changes, "Set velocity"))


class Editing:
    """The Edit menu's commands on the selection of ``model``, each one step of ``stack``: moves go
    by ``snap()`` steps (at least one), a paste lands at ``playhead()``, a word for the user goes
    to ``show_message(text, ms)``, and the velocity dialog opens over ``parent``."""

    def __init__(self, model: PhraseModel, stack, snap: Callable[[], int], playhead: Callable[[], float],
                 show_message: Callable[..., None], parent=None):
        self.model, self.stack = model, stack
        self.snap, self.playhead, self.show_message, self.parent = snap, playhead, show_message, parent

    def delete(self) -> None:
        delete(self.model, self.stack)

    def cut(self) -> None:
        cut(self.model, self.stack)

    def copy(self) -> None:
        copy(self.model)

    def paste(self) -> None:
        if not paste(self.model, self.stack, int(self.playhead())):
            self.show_message("Nothing to paste: copy some notes first.", 4000)

    def duplicate(self) -> None:
        duplicate(self.model, self.stack)

    def select_all(self) -> None:
        self.model.select(self.model.ids())

    def transpose(self, semitones: int) -> None:
        transpose(self.model, self.stack, semitones)

    def shift(self, snaps: int) -> None:
        """Move the selection by ``snaps`` of the snap (a step each when the snap is off)."""
        shift(self.model, self.stack, snaps * max(1, self.snap()))

    def shift_bars(self, bars: int) -> None:
        shift(self.model, self.stack, bars * self.model.steps_per_bar)

    def quantize(self) -> None:
        quantize_selection(self.model, self.stack, max(1, self.snap()))

    def edit_velocity(self) -> None:
        """Ask for the selection's velocity (the median shown first) and set it, one undo step."""
        ids = self.model.selection
        if not ids:
            self.show_message("Select notes to change their velocity.", 4000)
            return
        current = sorted(self.model.note(i).velocity for i in ids)[len(ids) // 2]
        value, ok = QInputDialog.getInt(self.parent, "Velocity", "Velocity of the selected notes (1-127):",
                                        current, 1, 127)
        if ok:
            set_velocity(self.model, self.stack, value)
