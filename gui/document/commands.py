"""Every edit as one undoable command that refers to notes by id."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from engine.music.phrase import Note

from .phrase_model import PhraseModel


class AddNotes(QUndoCommand):
    """Add notes (drawn, pasted, or a generated continuation)."""

    def __init__(self, model: PhraseModel, notes: list[Note], text: str = "Add notes",
                 generated: bool = False, select: bool = True):
        super().__init__(text)
        self.model, self.notes, self.generated, self.select_after = model, list(notes), generated, select
        self.ids: list[int] | None = None

    def redo(self):
        entries = [(None if self.ids is None else self.ids[k], n, self.generated) for k, n in enumerate(self.notes)]
        self.ids = self.model.insert(entries)
        if self.select_after:
            self.model.select(self.ids)

    def undo(self):
        self.model.take(self.ids)


class RemoveNotes(QUndoCommand):
    def __init__(self, model: PhraseModel, ids, text: str = "Delete notes"):
        super().__init__(text)
        self.model, self.ids = model, list(ids)
        self.taken: list = []

    def redo(self):
        self.taken = self.model.take(self.ids)

    def undo(self):
        self.model.insert(self.taken)
        self.model.select(self.ids)


class ChangeNotes(QUndoCommand):
    """Replace notes by id with edited versions: move, resize, transpose, quantize, velocity."""

    def __init__(self, model: PhraseModel, changes: dict[int, Note], text: str = "Edit notes"):
        super().__init__(text)
        self.model = model
        self.after = dict(changes)
        self.before = {i: model.note(i) for i in changes}

    def redo(self):
        self.model.update(self.after)

    def undo(self):
        self.model.update(self.before)


class LockNotes(QUndoCommand):
    """Lock notes (Fill and Continue keep them exactly) or unlock them."""

    def __init__(self, model: PhraseModel, ids, locked: bool):
        super().__init__("Lock notes" if locked else "Unlock notes")
        self.model, self.ids, self.locked = model, list(ids), locked
        self.before = [i for i in self.ids if model.is_locked(i)]

    def redo(self):
        self.model.set_locked(self.ids, self.locked)

    def undo(self):
        self.model.set_locked(self.ids, False)
        self.model.set_locked(self.before, True)


class Continue(QUndoCommand):
    """A whole Continue or Fill: the notes it replaces go and one of its takes comes in; stepping
    through the takes is no new step."""

    def __init__(self, model: PhraseModel, variations: list[list[Note]], replaced=(), text: str = "Continue"):
        super().__init__(text)
        self.model, self.variations = model, [list(v) for v in variations]
        self.replaced_ids = list(replaced)
        self.replaced: list = []
        self.index = 0
        self.ids: list[int] = []
        self.kept = False                        # Alt+Return chose the take showing: no more stepping
        self.done = False                        # in the phrase now (redone), not undone

    def redo(self):
        if self.replaced_ids:
            self.replaced = self.model.take(self.replaced_ids)
        self.ids = self.model.insert((None, n, True) for n in self.variations[self.index])
        self.model.select(self.ids)
        self.done = True

    def undo(self):
        self.done = False
        self.model.take(self.ids)
        self.ids = []
        if self.replaced:
            self.model.insert(self.replaced)

    def choose(self, index: int) -> None:
        """Show variation ``index`` in place of the current one."""
        index %= len(self.variations)
        if index == self.index:
            return
        self.model.take(self.ids)
        self.index = index
        self.ids = self.model.insert((None, n, True) for n in self.variations[self.index])
        self.model.select(self.ids)


class ChangeTimeSignature(QUndoCommand):
    """A new time signature for the phrase: the bar lines move, the notes keep their times."""

    def __init__(self, model: PhraseModel, signature: tuple[int, int]):
        super().__init__("Time signature {}/{}".format(*signature))
        self.model, self.after, self.before = model, tuple(signature), model.time_signature

    def redo(self):
        self.model.set_time_signature(self.after)

    def undo(self):
        self.model.set_time_signature(self.before)


class ChangeTempo(QUndoCommand):
    """A new tempo at the start (the later tempo changes stay). Steps of the tempo box in a row are
    one undo step, back to the tempo before the first of them."""

    def __init__(self, model: PhraseModel, bpm: float):
        super().__init__(f"Tempo {bpm:g} bpm")
        self.model, self.after, self.before = model, float(bpm), model.tempo_bpm

    def id(self) -> int:
        return 0x7E3F0

    def mergeWith(self, other) -> bool:
        if not isinstance(other, ChangeTempo) or other.model is not self.model:
            return False
        self.after = other.after
        self.setText(other.text())
        return True

    def redo(self):
        self.model.set_tempo(self.after)

    def undo(self):
        self.model.set_tempo(self.before)


class SetChords(QUndoCommand):
    """Chords set, changed or cleared in the chord lane: the lane's spans from ``start`` to ``end``
    become ``chords`` (``(start, end, name)`` spans within them; none clears them)."""

    def __init__(self, model: PhraseModel, start: int, end: int, chords, text: str = "Chords"):
        super().__init__(text)
        self.model, self.before = model, model.chords
        kept = []
        for a, b, name in model.chords:                  # what lies outside the span stays, cut at its edges
            if a < start:
                kept.append((a, min(b, start), name))
            if b > end:
                kept.append((max(a, end), b, name))
        self.after = tuple(sorted(kept + [tuple(chord) for chord in chords]))

    def redo(self):
        self.model.set_chords(self.after)

    def undo(self):
        self.model.set_chords(self.before)


class ChangeKeySignatures(QUndoCommand):
    """New key signatures, as (step, key) pairs ('Eb', 'F#m'); none at all means the key is estimated."""

    def __init__(self, model: PhraseModel, keys: tuple, text: str = "Key"):
        super().__init__(text)
        self.model, self.after, self.before = model, tuple(keys), model.key_signatures

    def redo(self):
        self.model.set_key_signatures(self.after)

    def undo(self):
        self.model.set_key_signatures(self.before)
