"""The chord lane: the chords heard in the notes, chords set from the menu, one undo step each,
kept by saving, reopening and export."""

from PySide6.QtCore import QPoint, Qt

from engine.files.document import load_document
from engine.music.chords import Chord
from engine.music.keys import Key
from gui.editor.chord_lane import KEYBOARD_WIDTH, chords_of_key

ROOT = __import__("pathlib").Path(__file__).resolve().parents[3]
K545 = ROOT / "resources" / "seeds" / "mozart-mz_545_1.mid"


def test_the_key_s_chords_come_first_then_borrowed_and_secondary_ones():
    own, colour = chords_of_key(Key.parse("F major"))
    assert [c.name(Key.parse("F major")) for c in own] == ["F", "Gm", "Am", "Bb", "C", "C7", "Dm", "Edim"]
    assert "Bbm" in [c.name(Key.parse("F major")) for c in colour]            # the borrowed iv
    own, _ = chords_of_key(Key.parse("A minor"))
    assert [c.name(Key.parse("A minor")) for c in own][:5] == ["Am", "Bdim", "C", "Dm", "Em"]


def test_the_lane_hears_the_chords_of_the_notes(window, qtbot):
    assert window.files.open_path(K545, confirmed=True)
    window.chord_lane.listen()
    heard = [chord.name() for _, _, chord in window.chord_lane.heard][:4]
    assert heard == ["C", "G7/D", "C", "F/C"]


def test_a_chord_chosen_from_the_menu_is_one_undo_step_saved_and_exported(window, qtbot, tmp_path, monkeypatch):
    assert window.files.open_path(K545, confirmed=True)
    lane = window.chord_lane
    bar = window.model.steps_per_bar
    x = int(window.view.view_point(4.5 * bar, 0).x()) + KEYBOARD_WIDTH          # in bar 5
    shown = []

    def pick(menu, point):                           # the user picks Am from the menu at the click
        shown.append([a.text() for a in menu.actions()])
        next(a for a in menu.actions() if a.text() == "Am").trigger()
    monkeypatch.setattr(lane, "show_menu", pick)
    qtbot.mouseClick(lane, Qt.LeftButton, pos=QPoint(x, lane.height() // 2))
    assert shown and shown[0][:3] == ["In C major", "C", "Dm"]
    assert window.model.chords == ((4 * bar, 5 * bar, "Am"),) and window.isWindowModified()
    qtbot.mouseClick(lane, Qt.LeftButton, Qt.ShiftModifier, QPoint(x + int(window.view.geo.x(bar // 2)), 5))
    assert window.model.chords == ((4 * bar, 4 * bar + bar // 2, "Am"), (4 * bar + bar // 2, 5 * bar, "Am"))
    window.undo_stack.undo()
    assert window.model.chords == ((4 * bar, 5 * bar, "Am"),)
    window.undo_stack.undo()
    assert window.model.chords == ()
    window.undo_stack.redo()
    lane.set_chord(5 * bar, 6 * bar, "G7/B")
    assert window.files.save_to(tmp_path / "chart.segue")
    chart = ((4 * bar, 5 * bar, "Am"), (5 * bar, 6 * bar, "G7/B"))
    assert load_document(tmp_path / "chart.segue").phrase.chords == chart
    assert window.files.open_path(tmp_path / "chart.segue", confirmed=True)
    assert window.model.chords == chart
    assert window.files.export_midi(tmp_path / "chart.mid")
    from engine.files.midi import read_midi
    assert [Chord.parse(name) for _, _, name in read_midi(tmp_path / "chart.mid").chords] == \
        [Chord.parse("Am"), Chord.parse("G7/B")]
    lane.clear(4 * bar, 5 * bar)
    assert window.model.chords == ((5 * bar, 6 * bar, "G7/B"),)
