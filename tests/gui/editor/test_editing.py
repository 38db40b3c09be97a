"""Edits of the selection: each is the engine's pure edit applied by id, as one undo step."""

from engine.music.phrase import Note, Phrase
from gui.editor import editing


def notes(window):
    return sorted((n.pitch, n.start, n.duration, n.velocity) for _, n in window.model.items())


def select(window, *pitches):
    window.model.select([i for i, n in window.model.items() if n.pitch in pitches])


def test_move_earlier_stops_at_the_start_and_is_one_step(window):
    window.model.reset(Phrase((Note(60, 2, 4), Note(64, 8, 4), Note(70, 0, 4))))
    select(window, 60, 64)
    before = window.undo_stack.count()
    editing.shift(window.model, window.undo_stack, -5)            # only 2 steps left before the start
    assert notes(window) == [(60, 0, 4, 80), (64, 6, 4, 80), (70, 0, 4, 80)]
    assert window.undo_stack.count() == before + 1 and window.undo_stack.undoText() == "Move notes"
    window.undo_stack.undo()
    assert notes(window) == [(60, 2, 4, 80), (64, 8, 4, 80), (70, 0, 4, 80)]


def test_transpose_stops_at_the_top_of_the_keyboard(window):
    window.model.reset(Phrase((Note(120, 0, 4), Note(100, 4, 4))))
    window.editing.select_all()
    editing.transpose(window.model, window.undo_stack, 12)
    assert notes(window) == [(107, 4, 4, 80), (127, 0, 4, 80)]


def test_velocity_changes_only_the_notes_that_differ(window):
    window.model.reset(Phrase((Note(60, 0, 4, 50), Note(64, 4, 4, 90))))
    window.editing.select_all()
    editing.set_velocity(window.model, window.undo_stack, 90)
    assert notes(window) == [(60, 0, 4, 90), (64, 4, 4, 90)]
    before = window.undo_stack.count()
    editing.set_velocity(window.model, window.undo_stack, 90)      # nothing to change: no step
    assert window.undo_stack.count() == before


def test_duplicate_whole_bars_lands_on_the_next_bar(window):
    window.model.reset(Phrase((Note(60, 0, 4), Note(64, 4, 8))))
    window.editing.select_all()
    editing.duplicate(window.model, window.undo_stack)
    assert notes(window) == [(60, 0, 4, 80), (60, 16, 4, 80), (64, 4, 8, 80), (64, 20, 8, 80)]
    window.undo_stack.undo()
    assert len(window.model) == 2
