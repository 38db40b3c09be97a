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


def test_a_long_piece_s_lane_listens_to_the_bars_in_view_and_works_out_the_key_once(window, qtbot, monkeypatch):
    """The lane made a phrase of every note to hear the bars in view, and again to name each chord
    it painted (the key the notes suggest): on a long piece the window's thread spent the piece's
    length on each; now the notes in view, and the key once until the notes change."""
    from engine.music.phrase import Note, Phrase
    # 1,000 bars of C major chords, one a bar
    window.model.reset(Phrase(tuple(Note(p, 16 * b, 16) for b in range(1000) for p in (48, 64, 67, 72))))
    sizes = []
    real = window.model.phrase
    monkeypatch.setattr(window.model, "phrase", lambda ids=None: sizes.append(len(real(ids).notes)) or real(ids))
    window.chord_lane.listen()
    assert window.chord_lane.heard and {chord.name() for _, _, chord in window.chord_lane.heard} == {"C"}
    in_view = [size for size in sizes if size < 4000]
    assert in_view and max(in_view) < 4 * 200                # the bars in view and a few either side
    sizes.clear()
    keys = {window.chord_lane.key_at(16 * b).name for b in range(0, 1000, 100)}
    assert keys == {"C major"} and sizes.count(4000) <= 1     # the key of the whole piece, once
    window.model.reset(Phrase(tuple(Note(p, 16 * b, 16) for b in range(10) for p in (50, 66, 69))))
    assert window.chord_lane.key_at(0).name in ("D major", "B minor")   # worked out again for the new notes


def test_a_name_too_long_for_its_span_drops_its_bass_then_ends_in_an_ellipsis(qtbot):
    from PySide6.QtGui import QFont, QFontMetrics

    from gui.editor.chord_lane import fitted
    metrics = QFontMetrics(QFont())
    whole, plain = metrics.horizontalAdvance("Fmaj7/A"), metrics.horizontalAdvance("Fmaj7")
    assert fitted("Fmaj7/A", metrics, whole) == "Fmaj7/A"
    assert fitted("Fmaj7/A", metrics, (whole + plain) / 2) == "Fmaj7"
    short = fitted("Fmaj7/A", metrics, plain - 1)
    assert short.endswith("…") and metrics.horizontalAdvance(short) <= plain - 1
