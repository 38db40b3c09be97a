"""The chord lane's chords in Continue and Fill, and Suggest Chords, in the window."""

from types import SimpleNamespace

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from engine.files.reading import read_music
from engine.music.chords import Chord
from engine.music.phrase import Note, Phrase, trim
from engine.writing.chord_following import chord_tone_share
from gui.editor.chord_lane import KEYBOARD_WIDTH

ROOT = __import__("pathlib").Path(__file__).resolve().parents[3]
K545 = ROOT / "resources" / "seeds" / "mozart-mz_545_1.mid"


def two_bars_of_k545(window):
    window.ghosts.switch(False)                       # only the Continue asked for writes here
    phrase = read_music(K545)
    window.model.reset(trim(phrase, 0, 2 * phrase.steps_per_bar))
    return window.model.steps_per_bar


def test_a_chord_set_undone_and_redone_in_the_lane_is_followed_by_continue(window, qtbot, monkeypatch):
    bar = two_bars_of_k545(window)
    lane = window.chord_lane

    def pick(menu, point):                            # Ab, a borrowed chord far from the phrase's C major
        borrowed = next(a.menu() for a in menu.actions() if a.menu() is not None)
        next(a for a in borrowed.actions() if a.text() == "Ab").trigger()
    monkeypatch.setattr(lane, "show_menu", pick)
    x = int(window.view.view_point(2.5 * bar, 0).x()) + KEYBOARD_WIDTH          # in bar 3
    qtbot.mouseClick(lane, Qt.LeftButton, pos=QPoint(x, lane.height() // 2))
    assert window.model.chords == ((2 * bar, 3 * bar, "Ab"),)
    window.undo_stack.undo()
    assert window.model.chords == ()
    window.undo_stack.redo()
    assert window.model.chords == ((2 * bar, 3 * bar, "Ab"),)
    window.panel.bars.setValue(1)
    window.panel.seed.setValue(5)
    QTest.keyClick(window, Qt.Key_Return, Qt.ControlModifier)                  # the bundled model, for real
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=60000)
    take = [n for _, n in window.model.items() if n.start >= 2 * bar]
    assert take, window.panel.status.text()
    on, under = chord_tone_share(take, [(2 * bar, 3 * bar, Chord.parse("Ab"))])
    assert on / under >= 0.85


def test_continue_and_re_roll_pass_the_lane_s_chords_ahead_timed_from_where_they_write(window, qtbot):
    bar = two_bars_of_k545(window)
    asked = []

    def write(loaded, phrase, *more, **keywords):
        options = next(a for a in more + tuple(keywords.values()) if hasattr(a, "chords"))
        asked.append(options.chords)
        return [Phrase((Note(60, 0, 4),))]
    window.writing.generator = write
    window.writing.cache.get = lambda name: SimpleNamespace(name="stand-in")
    window.chord_lane.set_chord(2 * bar, 3 * bar, "F")
    window.chord_lane.set_chord(3 * bar + bar // 2, 4 * bar, "G7")
    window.panel.bars.setValue(2)
    end = window.model.phrase().length
    QTest.keyClick(window, Qt.Key_Return, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=10000)
    assert asked[-1] == ((2 * bar - end, 3 * bar - end, "F"), (3 * bar + bar // 2 - end, 4 * bar - end, "G7"))
    window.chord_lane.set_chord(2 * bar, 3 * bar, "Dm")                        # Re-roll reads the lane again
    QTest.keyClick(window, Qt.Key_R, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=10000)
    assert asked[-1][0][2] == "Dm"


def test_suggest_chords_sets_the_bars_continue_will_write_in_one_undo_step(window, qtbot):
    bar = two_bars_of_k545(window)
    window.panel.bars.setValue(4)
    steps = window.undo_stack.count()
    qtbot.mouseClick(window.chord_lane.button, Qt.LeftButton)                   # the button by the lane
    chords = window.model.chords
    assert window.undo_stack.count() == steps + 1
    assert chords[0][0] == 2 * bar and chords[-1][1] == 6 * bar                # bars 3-6
    assert all(b > a for a, b, _ in chords) and all(b == c for (_, b, _), (c, _, _) in zip(chords, chords[1:]))
    assert Chord.parse(chords[-1][2]) == Chord.parse("C")                      # the cadence home, K. 545's C major
    assert "Chords for bars 3-6" in window.panel.status.text()
    window.undo_stack.undo()
    assert window.model.chords == ()
    window.undo_stack.redo()
    assert window.model.chords == chords
    window.actions_["suggest_chords"].trigger()                                # Generate > Suggest Chords: anew
    assert window.undo_stack.count() == steps + 2
    assert window.model.chords[0][0] == 2 * bar and window.model.chords[-1][1] == 6 * bar


def test_the_ghost_suggestions_follow_the_lane_s_chords_ahead(window, qtbot):
    import engine.writing.continuation  # noqa: F401  (torch: loaded by the window's preload in use)
    calls = []

    def write(loaded, phrase, options, progress=None, cancel=None, **more):
        calls.append(options)
        q = phrase.steps_per_quarter
        return [Phrase(tuple(Note(72, k * q, q) for k in range(4 * options.bars)), steps_per_quarter=q)]
    window.ghosts.generator = write
    window.writing.cache.get = lambda name: SimpleNamespace(name="stand-in")
    bar = two_bars_of_k545(window)
    window.ghosts.switch(True)
    with qtbot.waitSignal(window.ghosts.shown, timeout=20000):
        window.chord_lane.set_chord(2 * bar, 3 * bar, "Ab")      # an edit: the ghosts are written again
    end = window.model.phrase().length
    assert calls[-1].chords == ((2 * bar - end, 3 * bar - end, "Ab"),)
    assert calls[-1].check() is None                                  # spans the engine takes


def test_fill_follows_the_chord_set_in_the_bars_it_rewrites(window, qtbot):
    window.ghosts.switch(False)
    phrase = read_music(K545)
    bar = phrase.steps_per_bar
    window.model.reset(trim(phrase, 0, 4 * bar))
    window.chord_lane.set_chord(bar, 2 * bar, "Ab")
    window.view.loop = (bar, 2 * bar)                                           # bar 2, dragged on the ruler
    window.panel.seed.setValue(3)
    QTest.keyClick(window, Qt.Key_Return, Qt.ControlModifier | Qt.ShiftModifier)     # the bundled model
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=120000)
    filled = [n for _, n in window.model.items() if bar <= n.start < 2 * bar]
    assert filled, window.panel.status.text()
    on, under = chord_tone_share(filled, [(bar, 2 * bar, Chord.parse("Ab"))])
    assert on / under >= 0.8



def test_the_pop_model_chosen_in_the_panel_reads_the_lane_s_chords(window, qtbot):
    """The bundled pop model reads chords (it was trained with them): chosen in the panel's list,
    it continues a pop seed over a chord set in the lane and keeps to its tones."""
    window.ghosts.switch(False)
    phrase = read_music(ROOT / "resources" / "seeds" / "pop909-003.mid")
    bar = phrase.steps_per_bar
    window.model.reset(trim(phrase, 0, 2 * bar))
    pop = window.panel.model_box.findText("pop")
    assert pop >= 0
    window.panel.model_box.setCurrentIndex(pop)
    window.chord_lane.set_chord(2 * bar, 3 * bar, "Ab")                      # not the song's own next chord
    window.panel.bars.setValue(1)
    window.panel.seed.setValue(3)
    QTest.keyClick(window, Qt.Key_Return, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=60000)
    take = [n for _, n in window.model.items() if n.start >= 2 * bar]
    assert take, window.panel.status.text()
    assert window.writing.cache.get(window.panel.model_path()).model.config.harmony
    on, under = chord_tone_share(take, [(2 * bar, 3 * bar, Chord.parse("Ab"))])
    assert on / under >= 0.85
