"""Ghost suggestions as a person meets them: draw on the real piano roll, wait, Tab or Esc."""

import threading
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from engine.music.phrase import FINE_STEPS_PER_QUARTER, Note, Phrase
from gui.document.commands import AddNotes, LockNotes

Q = FINE_STEPS_PER_QUARTER
BAR = 4 * Q
PHRASE = Phrase(tuple(Note(60 + p, k * Q, Q) for k, p in enumerate([0, 2, 4, 5, 7, 5, 4, 2])), steps_per_quarter=Q)


def stand_in(calls=None, pitch=72):
    """A generator writing quarter notes of ``pitch`` for the bars asked, noting what it was given."""
    def write(loaded, phrase, options, progress=None, cancel=None, **more):
        if calls is not None:
            calls.append(SimpleNamespace(phrase=phrase, options=options, **more))
        q = phrase.steps_per_quarter
        return [Phrase(tuple(Note(pitch, k * q, q) for k in range(4 * options.bars)), steps_per_quarter=q)]
    return write


@pytest.fixture
def ghostly(window):
    """The window with a stand-in for the model, and the eight-note phrase open."""
    import engine.writing.continuation  # noqa: F401  (torch: loaded by the window's preload in use)
    calls = []
    window.ghosts.generator = stand_in(calls)
    window.writing.cache.get = lambda name: SimpleNamespace(name="stand-in")
    window.model.reset(PHRASE)
    window.set_tool("draw")
    window.calls = calls
    return window


def point(w, step, pitch):
    p = w.view.view_point(step, pitch)
    return QPoint(int(p.x()) + 2, int(p.y() + w.view.geo.key_height / 2))


def draw(w, step, pitch, steps=Q):
    """Draw a note with the mouse (the snap's sixteenths): press at its start, release in its last sixteenth."""
    vp, end = w.view.viewport(), point(w, step + steps - Q // 4, pitch)
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, point(w, step, pitch))
    QTest.mouseMove(vp, end)
    QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, end)


def notes(w):
    return sorted((n.pitch, n.start, n.duration) for _, n in w.model.items())


def ghosts_after_an_edit(w, qtbot):
    with qtbot.waitSignal(w.ghosts.shown, timeout=10000):
        draw(w, 2 * BAR, 67)                                  # a G on the next downbeat
    return [(n.pitch, n.start, n.duration) for n in w.view.ghosts]


def test_ghost_notes_appear_after_an_edit_and_are_not_the_phrases(ghostly, qtbot):
    before = notes(ghostly)
    ghosts = ghosts_after_an_edit(ghostly, qtbot)
    place = 2 * BAR + Q                                       # the end of the G just drawn
    assert ghosts == [(72, place + k * Q, Q) for k in range(8)]          # two bars, the default
    assert notes(ghostly) == sorted(before + [(67, 2 * BAR, Q)])         # the phrase holds none of them
    assert ghostly.actions_["accept_ghosts"].isEnabled()
    asked = ghostly.calls[-1]
    assert asked.options.bars == 2 and asked.options.variations == 1
    assert asked.options.temperature == ghostly.panel.temperature.value()
    assert len(asked.phrase.notes) == 9                       # the phrase and the G: what comes before


def test_tab_keeps_the_ghosts_as_one_undo_step(ghostly, qtbot):
    ghosts = ghosts_after_an_edit(ghostly, qtbot)
    steps = ghostly.undo_stack.count()
    before = notes(ghostly)
    QTest.keyClick(ghostly.view, Qt.Key_Tab)
    assert notes(ghostly) == sorted(before + ghosts)
    assert ghostly.undo_stack.count() == steps + 1
    kept = [i for i, n in ghostly.model.items() if (n.pitch, n.start, n.duration) in ghosts]
    assert len(kept) == len(ghosts) and all(ghostly.model.is_generated(i) for i in kept)
    assert ghostly.view.ghosts == [] and not ghostly.actions_["accept_ghosts"].isEnabled()
    QTest.keyClick(ghostly, Qt.Key_Z, Qt.ControlModifier)
    assert notes(ghostly) == before


def test_esc_sends_the_ghosts_away(ghostly, qtbot):
    ghosts_after_an_edit(ghostly, qtbot)
    before = notes(ghostly)
    QTest.keyClick(ghostly.view, Qt.Key_Escape)
    assert ghostly.view.ghosts == []
    QTest.keyClick(ghostly.view, Qt.Key_Tab)                  # nothing left to keep
    assert notes(ghostly) == before


def test_an_edit_sends_the_ghosts_away_at_once(ghostly, qtbot):
    ghosts_after_an_edit(ghostly, qtbot)
    draw(ghostly, 0, 48)                                      # a bass note under the first bar
    assert ghostly.view.ghosts == []
    with qtbot.waitSignal(ghostly.ghosts.shown, timeout=10000):      # and new ones come a moment later
        pass


def test_an_edit_cancels_the_job_still_writing(ghostly, qtbot):
    started, release, cancelled = threading.Event(), threading.Event(), []

    def slow(loaded, phrase, options, progress=None, cancel=None, **more):
        started.set()
        release.wait(5)
        cancelled.append(cancel())
        return stand_in()(loaded, phrase, options)
    ghostly.ghosts.generator = slow
    try:
        draw(ghostly, 2 * BAR, 67)
        qtbot.waitUntil(started.is_set, timeout=5000)
        first = ghostly.ghosts.job
        draw(ghostly, 0, 48)                                  # an edit while it writes
        assert ghostly.ghosts.job is not first
    finally:
        release.set()
    qtbot.waitUntil(first.isFinished, timeout=5000)
    assert cancelled[0] is True                               # told to stop: what it wrote is never shown


def test_a_press_in_the_roll_stops_the_job_and_none_starts_until_the_button_is_up(ghostly, qtbot):
    """The drag has the machine to itself: the ghost job still writing stops at the press."""
    started, release, cancelled = threading.Event(), threading.Event(), []

    def slow(loaded, phrase, options, progress=None, cancel=None, **more):
        started.set()
        release.wait(5)
        cancelled.append(cancel())
        return stand_in()(loaded, phrase, options)
    ghostly.ghosts.generator = slow
    vp = ghostly.view.viewport()
    try:
        draw(ghostly, 2 * BAR, 67)
        qtbot.waitUntil(started.is_set, timeout=5000)
        first = ghostly.ghosts.job
        QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, point(ghostly, 3 * BAR, 55))   # a drag begins
    finally:
        release.set()
    qtbot.waitUntil(first.isFinished, timeout=5000)
    assert cancelled == [True]
    QTest.qWait(250 + 300)
    assert ghostly.ghosts.job is None and ghostly.view.ghosts == []             # held down: none starts
    ghostly.ghosts.generator = stand_in()
    with qtbot.waitSignal(ghostly.ghosts.shown, timeout=10000):
        QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, point(ghostly, 3 * BAR + Q // 2, 55))


def test_ghosts_cannot_be_selected_or_edited(ghostly, qtbot):
    ghosts = ghosts_after_an_edit(ghostly, qtbot)
    ghostly.set_tool("select")
    pitch, start, _ = ghosts[1]
    QTest.mouseClick(ghostly.view.viewport(), Qt.LeftButton, Qt.NoModifier, point(ghostly, start + 10, pitch))
    assert ghostly.model.selection == set()
    assert all((n.pitch, n.start) != (pitch, start) for _, n in ghostly.model.items())


def test_after_a_selection_inside_the_phrase_the_ghosts_go_after_the_phrase(ghostly, qtbot):
    """The bars after the first note hold notes already: the ghosts go where the phrase ends."""
    with qtbot.waitSignal(ghostly.ghosts.shown, timeout=10000):
        ghostly.model.select([i for i, n in ghostly.model.items() if n.start < Q])
    assert min(n.start for n in ghostly.view.ghosts) == 2 * BAR
    assert len(ghostly.calls[-1].phrase.notes) == 8          # the whole phrase is what comes before


def test_ghosts_go_after_the_selection_where_the_bars_after_it_are_free(ghostly, qtbot):
    ghostly.undo_stack.push(AddNotes(ghostly.model, [Note(72, 6 * BAR, Q)], select=False))   # two bars on
    phrase = [i for i, n in ghostly.model.items() if n.start < 6 * BAR]
    with qtbot.waitSignal(ghostly.ghosts.shown, timeout=10000):
        ghostly.model.select(phrase)
    assert min(n.start for n in ghostly.view.ghosts) == 2 * BAR  # right after the phrase's two bars


def test_the_switch_is_remembered_across_windows(ghostly, qtbot):
    assert ghostly.actions_["ghosts"].isChecked()             # on the first time
    ghostly.actions_["ghosts"].trigger()
    assert not ghostly.ghosts.enabled
    draw(ghostly, 2 * BAR, 67)
    QTest.qWait(250 + 300)
    assert ghostly.ghosts.job is None and ghostly.view.ghosts == []
    ghostly.actions_["ghost_bars_1"].trigger()
    from gui.main_window import MainWindow
    other = MainWindow()
    try:
        assert not other.actions_["ghosts"].isChecked() and not other.ghosts.enabled
        assert other.ghosts.bars == 1 and other.actions_["ghost_bars_1"].isChecked()
    finally:
        other.undo_stack.setClean()
        other.close()
        other.deleteLater()


def test_one_bar_of_ghosts_when_asked(ghostly, qtbot):
    ghostly.actions_["ghost_bars_1"].trigger()
    assert len(ghosts_after_an_edit(ghostly, qtbot)) == 4


def test_no_ghost_job_while_a_continue_runs(ghostly, qtbot):
    release = threading.Event()

    def slow_continue(loaded, phrase, options, progress=None, cancel=None, **more):
        release.wait(10)
        return [Phrase((Note(79, 0, Q),), steps_per_quarter=phrase.steps_per_quarter)]
    ghostly.writing.generator = slow_continue
    try:
        QTest.keyClick(ghostly, Qt.Key_Return, Qt.ControlModifier)
        assert ghostly.writing.job is not None
        asked = len(ghostly.calls)
        draw(ghostly, 2 * BAR, 67)                            # the user goes on writing meanwhile
        QTest.qWait(250 + 400)
        assert ghostly.ghosts.job is None and ghostly.view.ghosts == [] and len(ghostly.calls) == asked
        with qtbot.waitSignal(ghostly.ghosts.shown, timeout=10000):
            release.set()                                     # the Continue ends: ghosts after it
        assert ghostly.writing.job is None
    finally:
        release.set()


def test_a_continue_sends_the_ghosts_away(ghostly, qtbot):
    ghosts_after_an_edit(ghostly, qtbot)
    release = threading.Event()
    ghostly.writing.generator = lambda *a, **k: release.wait(10) and []
    try:
        QTest.keyClick(ghostly, Qt.Key_Return, Qt.ControlModifier)
        assert ghostly.view.ghosts == []
    finally:
        release.set()
    qtbot.waitUntil(lambda: ghostly.writing.job is None, timeout=10000)


def test_no_ghosts_while_playing(ghostly, qtbot, monkeypatch):
    monkeypatch.setattr(ghostly.transport, "is_playing", lambda: True)
    ghostly.actions_["play"].setChecked(True)                 # as the player lights it
    draw(ghostly, 2 * BAR, 67)
    QTest.qWait(250 + 300)
    assert ghostly.ghosts.job is None and ghostly.view.ghosts == []


def test_no_ghosts_for_an_empty_phrase(ghostly, qtbot):
    ghostly.model.reset(Phrase(steps_per_quarter=Q))
    QTest.qWait(250 + 300)
    assert ghostly.ghosts.job is None and ghostly.view.ghosts == []


def test_ghosts_keep_the_locked_notes_ahead_and_are_written_in_a_process_of_their_own(window, qtbot, tiny_model_dir):
    """With a real (tiny) model: the locked note ahead is given to it, and the network it steps is
    the writing process's, never the one Continue steps (nor a copy in the window's process)."""
    from gui.background import writing_process
    window.panel.set_model(str(tiny_model_dir))
    window.model.reset(PHRASE)
    window.undo_stack.push(AddNotes(window.model, [Note(79, 2 * BAR + Q, Q)], select=False))
    locked = [i for i, n in window.model.items() if n.pitch == 79]
    window.undo_stack.push(LockNotes(window.model, locked, True))
    window.model.select([i for i, n in window.model.items() if n.start < 2 * BAR])
    with qtbot.waitSignal(window.ghosts.shown, timeout=20000):
        window.ghosts.edited()
    assert all(n.start >= 2 * BAR for n in window.view.ghosts)
    assert all((n.pitch, n.start) != (79, 2 * BAR + Q) for n in window.view.ghosts)   # it is there already
    assert window.ghosts.models._copies == {}              # no copy stepped on a thread of this process
    assert writing_process().running()


@pytest.mark.parametrize("trouble, said", [
    ("stopped", "No ghost suggestions: the writing process ended (exit code -9)"),
    ("input", "No ghost suggestions: bars must be between 1 and 256, not 0"),
    ("bug", "Segue hit an internal error while writing ghost suggestions (WriterBug: KeyError: 'x'"),
])
def test_the_writing_process_s_troubles_are_said_as_messages(qapp, trouble, said):
    from engine.writing.writing_process import WriterBug, WriterInput, WriterStopped
    from gui.writing.ghosts import GhostJob

    class Troubled:
        def write(self, *args, **kwargs):
            if trouble == "stopped":
                raise WriterStopped("the writing process ended (exit code -9)")
            if trouble == "bug":
                raise WriterBug("KeyError: 'x'\nTraceback (most recent call last): ...")
            raise WriterInput("bars must be between 1 and 256, not 0")
    job = GhostJob(None, None, PHRASE, None, [], 3, writer=Troubled())
    failed, finished = [], []
    job.failed.connect(lambda number, message: failed.append((number, message)))
    job.finished_with.connect(lambda *a: finished.append(a))
    job.run()                                    # here, on this thread
    assert [number for number, _ in failed] == [3] and failed[0][1].startswith(said) and finished == []


def test_switching_ghosts_off_ends_the_writing_process_and_on_starts_it(window, qtbot, tiny_model_dir):
    """Off gives the process's memory back; on starts it again, before any edit asks for ghosts."""
    from gui.background import writing_process
    window.panel.set_model(str(tiny_model_dir))
    window.ghosts.switch(True)
    qtbot.waitUntil(writing_process().running, timeout=10000)
    window.ghosts.switch(False)
    qtbot.waitUntil(lambda: not writing_process().running(), timeout=10000)
    window.ghosts.switch(True)
    qtbot.waitUntil(writing_process().running, timeout=10000)
    window.model.reset(PHRASE)                                # and ghosts come from it
    with qtbot.waitSignal(window.ghosts.shown, timeout=20000):
        window.ghosts.edited()


def test_ghosts_are_written_here_when_no_process_can_be_started(qapp, tiny_model_dir):
    from engine.model.checkpoint import load_model
    from engine.writing.continuation import ContinueOptions, continue_phrase
    from engine.writing.writing_process import WriterUnavailable
    from gui.background import PrivateModels
    from gui.workers import ModelCache
    from gui.writing.ghosts import GhostJob

    class Refused:
        def write(self, *args, **kwargs):
            raise WriterUnavailable("the writing process could not be started ([Errno 11] no processes left)")
    options = ContinueOptions(bars=1, variations=1, candidates=0, seed=3)
    job = GhostJob(PrivateModels(ModelCache()), str(tiny_model_dir), PHRASE, options, [], 4, writer=Refused())
    failed, finished = [], []
    job.failed.connect(lambda *a: failed.append(a))
    job.finished_with.connect(lambda number, notes: finished.append((number, notes)))
    job.run()
    written = continue_phrase(load_model(tiny_model_dir), PHRASE, options)[0].notes
    assert failed == [] and finished == [(4, list(written))] and written
