"""The piano roll's view of a phrase: what is on screen when a phrase opens."""

import pytest

from engine.files.midi import write_midi
from engine.music.phrase import Note, Phrase
from gui.editor.coords import MIN_KEY_HEIGHT, RollGeometry


def on_screen(window):
    """The notes whose whole rectangle is inside the piano roll's viewport."""
    view = window.view.viewport().rect()
    return [n for _, n in window.model.items() if view.contains(window.view.note_rect(n).toAlignedRect())]


def test_an_opened_file_shows_all_its_notes(window, tmp_path):
    melody = tuple(Note(72 + k % 8, 4 * k, 4) for k in range(32))            # eight bars, high up
    bass = tuple(Note(28 + k % 3, 16 * k, 16) for k in range(8))             # low E on a piano
    path = tmp_path / "wide.mid"
    write_midi(Phrase(melody + bass), path)
    assert window.files.open_path(path, confirmed=True)
    assert len(on_screen(window)) == len(window.model) == 40


def test_each_seed_opens_with_all_its_notes_in_view(window):
    seeds = [a for a in window.seeds_menu.actions() if a.statusTip()]
    assert len(seeds) >= 10
    for action in seeds:
        action.trigger()
        assert len(on_screen(window)) == len(window.model), action.text()


def test_fitting_zooms_out_only_as_far_as_the_notes_need():
    geo = RollGeometry()
    geo.fit(60, 64, 67, 64, 1000, 600)                  # a few keys, four bars: the default zoom
    assert (geo.step_width, geo.key_height) == (14.0, 14.0)
    geo.fit(28, 74, 96, 256, 1000, 600)                 # bass far below the middle note
    assert geo.key_height == pytest.approx(600 / (2 * 48))
    assert geo.step_width == pytest.approx(1000 / 256)
    geo.fit(0, 60, 127, 100_000, 1000, 600)             # everything: as far out as the limits allow
    assert geo.key_height == MIN_KEY_HEIGHT and geo.step_width == 2.0
