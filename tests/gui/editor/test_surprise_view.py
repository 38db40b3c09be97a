"""View > Show Surprise with a real (tiny) model: the notes take the colours of their figures."""

import pytest
from PySide6.QtTest import QTest

from engine.model.checkpoint import load_model
from engine.music.phrase import FINE_STEPS_PER_QUARTER, Note, Phrase
from engine.writing.surprise import note_surprise
from gui import theme
from gui.document.commands import ChangeNotes
from gui.editor.piano_roll import SURPRISE_SHADES

Q = FINE_STEPS_PER_QUARTER
# a scale, and a D struck twice within one sixteenth: one note to the model
PHRASE = Phrase(tuple(Note(60 + p, k * Q, Q, 80) for k, p in enumerate([0, 2, 4, 5, 7, 5, 4, 2]))
                + (Note(74, 0, 40, 80), Note(74, 50, 400, 80)), steps_per_quarter=Q)


@pytest.fixture
def surprising(window, qtbot, tiny_controls_model_dir):
    window.panel.set_model(str(tiny_controls_model_dir))
    window.model.reset(PHRASE)
    window.loaded = load_model(tiny_controls_model_dir)
    return window


def engine_figures(w):
    entries = sorted(w.model.items(), key=lambda entry: entry[1].sort_key())
    return dict(zip([i for i, _ in entries], note_surprise(w.loaded, w.model.phrase())))


def switch_on(w, qtbot):
    with qtbot.waitSignal(w.surprise.coloured, timeout=30000):
        w.actions_["surprise"].trigger()
    qtbot.waitUntil(lambda: w.surprise.job is None, timeout=30000)


def test_the_surprise_view_colours_every_note_by_its_figure_and_shows_the_legend(surprising, qtbot):
    w = surprising
    assert not w.surprise_legend.isVisible() and w.view.surprise is None
    switch_on(w, qtbot)
    assert w.view.surprise == pytest.approx(engine_figures(w))
    doubled = [w.view.surprise[i] for i, n in w.model.items() if n.pitch == 74]
    assert len(doubled) == 2 and doubled[0] == doubled[1]            # one note to the model, one figure
    assert w.surprise_legend.isVisible() and w.actions_["surprise"].isChecked()
    assert "Surprise: pale = expected" in w.surprise_legend.text() and "bits" in w.surprise_legend.text()
    image = w.view.viewport().grab().toImage()
    ratio = image.width() / w.view.viewport().width()
    for note_id, bits in w.view.surprise.items():
        note = w.model.note(note_id)
        if note.pitch == 74:
            continue                                                 # two notes drawn over each other
        centre = w.view.note_rect(note).center() * ratio
        painted = image.pixelColor(centre.toPoint())
        assert painted.name() == theme.surprise_fill(round(bits * SURPRISE_SHADES) / SURPRISE_SHADES).name()
        assert painted.name() != theme.note_fill(note.velocity, False, False).name()


def test_an_edit_uncolours_the_note_changed_until_the_model_has_read_it_again(surprising, qtbot):
    w = surprising
    switch_on(w, qtbot)
    moved = next(i for i, n in w.model.items() if n.start == 3 * Q)
    others = {i: bits for i, bits in w.view.surprise.items() if i != moved}
    note = w.model.note(moved)
    with qtbot.waitSignal(w.surprise.coloured, timeout=30000):
        w.undo_stack.push(ChangeNotes(w.model, {moved: Note(note.pitch + 1, note.start, note.duration, 80)}))
        assert moved not in w.view.surprise and w.view.surprise == others     # the rest keep their colours
    qtbot.waitUntil(lambda: w.surprise.job is None, timeout=30000)
    assert w.view.surprise == pytest.approx(engine_figures(w))


def test_switching_the_view_off_draws_the_notes_as_usual(surprising, qtbot):
    w = surprising
    switch_on(w, qtbot)
    w.actions_["surprise"].trigger()
    assert w.view.surprise is None and not w.surprise_legend.isVisible()
    w.model.reset(PHRASE)
    QTest.qWait(250 + 300)
    assert w.view.surprise is None and w.surprise.job is None
