"""The open phrase as the editor sees it: notes by stable id, which were generated, the selection.

The view observes this model; graphics never own musical data. Changes go through the undo
commands in ``commands.py``, which call the low-level methods here.
"""

from __future__ import annotations

import bisect

from PySide6.QtCore import QObject, Signal

from engine.music.phrase import FINE_STEPS_PER_QUARTER, Note, Phrase, steps_per_beat


class PhraseModel(QObject):
    notesChanged = Signal()
    selectionChanged = Signal()
    settingsChanged = Signal()
    chordsChanged = Signal()                                  # the chords set in the chord lane
    phraseReplaced = Signal()                                 # a new phrase was opened (reset)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._notes: dict[int, Note] = {}
        self._generated: set[int] = set()
        self._locked: set[int] = set()                        # kept by Fill and Continue (ids outlive undo)
        self._next_id = 1
        self._selection: set[int] = set()
        self.steps_per_quarter = FINE_STEPS_PER_QUARTER      # every note where it was written or played
        self.tempo_bpm = 120.0
        self.time_signature = (4, 4)
        self.tempo_changes: tuple = ()                       # the opened file's tempo map and key
        self.key_signatures: tuple = ()                      # signatures, kept for export
        self.chords: tuple = ()                              # chords the user set: (start, end, name)
        self._index: list[tuple[int, int]] | None = None     # (start, id), sorted
        self._longest = 1

    # -- reading -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._notes)

    def note(self, note_id: int) -> Note:
        return self._notes[note_id]

    def items(self):
        return self._notes.items()

    def ids(self) -> list[int]:
        return list(self._notes)

    def is_generated(self, note_id: int) -> bool:
        return note_id in self._generated

    def is_locked(self, note_id: int) -> bool:
        return note_id in self._locked and note_id in self._notes

    def locked_ids(self) -> list[int]:
        return [i for i in self._locked if i in self._notes]

    def template(self) -> Phrase:
        return Phrase(steps_per_quarter=self.steps_per_quarter, tempo_bpm=self.tempo_bpm,
                      time_signature=self.time_signature, tempo_changes=self.tempo_changes,
                      key_signatures=self.key_signatures, chords=self.chords)

    def phrase(self, ids=None) -> Phrase:
        """The notes (all, or those of ``ids``) as an engine phrase."""
        chosen = self._notes.values() if ids is None else (self._notes[i] for i in ids if i in self._notes)
        return self.template().with_notes(chosen)

    @property
    def steps_per_bar(self) -> int:
        return self.template().steps_per_bar

    @property
    def steps_per_beat(self) -> int:
        """Steps in one beat of the phrase's metre (engine.music.phrase.steps_per_beat)."""
        return steps_per_beat(self.time_signature, self.steps_per_quarter)

    @property
    def length(self) -> int:
        return max((n.end for n in self._notes.values()), default=0)

    def visible(self, first_step: float, last_step: float) -> list[int]:
        """Ids of notes sounding between two steps (uses a start-sorted index)."""
        if self._index is None:
            self._index = sorted((n.start, i) for i, n in self._notes.items())
            self._longest = max((n.duration for n in self._notes.values()), default=1)
        lo = bisect.bisect_left(self._index, (first_step - self._longest, -1))
        hi = bisect.bisect_right(self._index, (last_step, 1 << 62))
        return [i for _, i in self._index[lo:hi] if self._notes[i].end > first_step]

    def note_at(self, step: float, pitch: int) -> int | None:
        """The id of the note under (step, pitch), the latest-starting if several."""
        hits = [i for i in self.visible(step, step + 1e-6) if self._notes[i].pitch == pitch
                and self._notes[i].start <= step < self._notes[i].end]
        return max(hits, key=lambda i: self._notes[i].start) if hits else None

    # -- selection ---------------------------------------------------------------------------
    @property
    def selection(self) -> set[int]:
        return set(self._selection)

    def select(self, ids, add: bool = False) -> None:
        new = (self._selection | set(ids)) if add else set(ids)
        new &= self._notes.keys()
        if new != self._selection:
            self._selection = new
            self.selectionChanged.emit()

    def toggle(self, note_id: int) -> None:
        self.select(self._selection ^ {note_id})

    # -- low-level changes, used by the undo commands ------------------------------------------
    def insert(self, entries) -> list[int]:
        """Add ``(id or None, note, generated)`` entries; returns their ids."""
        ids = []
        for note_id, note, generated in entries:
            if note_id is None:
                note_id = self._next_id
            self._next_id = max(self._next_id, note_id + 1)
            self._notes[note_id] = note
            if generated:
                self._generated.add(note_id)
            ids.append(note_id)
        self._changed()
        return ids

    def take(self, ids) -> list[tuple[int, Note, bool]]:
        """Remove notes; returns ``(id, note, generated)`` so they can be put back."""
        taken = []
        for note_id in ids:
            if note_id in self._notes:
                taken.append((note_id, self._notes.pop(note_id), note_id in self._generated))
                self._generated.discard(note_id)
        if self._selection & set(ids):
            self._selection -= set(ids)
            self.selectionChanged.emit()
        self._changed()
        return taken

    def update(self, changes: dict[int, Note]) -> None:
        for note_id, note in changes.items():
            self._notes[note_id] = note
        self._changed()

    def mark_generated(self, ids, generated: bool) -> None:
        if generated:
            self._generated |= set(ids)
        else:
            self._generated -= set(ids)
        self.notesChanged.emit()

    def set_locked(self, ids, locked: bool) -> None:
        if locked:
            self._locked |= set(ids) & self._notes.keys()
        else:
            self._locked -= set(ids)
        self.notesChanged.emit()

    def reset(self, phrase: Phrase) -> None:
        """Replace everything with ``phrase``, on its own grid (opening a file; the undo history is
        cleared elsewhere)."""
        self._notes.clear()
        self._generated.clear()
        self._locked.clear()
        self._selection.clear()
        self.steps_per_quarter = phrase.steps_per_quarter
        self.tempo_bpm = phrase.tempo_bpm
        self.time_signature = phrase.time_signature
        self.tempo_changes, self.key_signatures = phrase.tempo_changes, phrase.key_signatures
        self.chords = phrase.chords
        self.insert((None, n, False) for n in phrase.notes)
        self.settingsChanged.emit()
        self.chordsChanged.emit()
        self.selectionChanged.emit()
        self.phraseReplaced.emit()

    def set_time_signature(self, signature: tuple[int, int]) -> None:
        """A new metre: bar lines move, the notes stay where they are in time."""
        if tuple(signature) != self.time_signature:
            self.time_signature = tuple(signature)
            self.settingsChanged.emit()

    def set_key_signatures(self, keys: tuple) -> None:
        """The key signatures as (step, key) pairs, a key named as MIDI files name it ('Eb', 'F#m')."""
        if tuple(keys) != self.key_signatures:
            self.key_signatures = tuple(keys)
            self.settingsChanged.emit()

    def set_chords(self, chords: tuple) -> None:
        """The chords set, as (start, end, name) spans in time order that never overlap."""
        if tuple(chords) != self.chords:
            self.chords = tuple(chords)
            self.chordsChanged.emit()

    def set_tempo(self, bpm: float) -> None:
        if bpm != self.tempo_bpm:
            self.tempo_bpm = bpm
            self.settingsChanged.emit()

    def _changed(self) -> None:
        self._index = None
        self.notesChanged.emit()
