"""The window as a person uses it: press and drag on the real piano roll, then check the phrase."""

import time
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest

from engine.files.reading import read_music
from engine.music.phrase import FINE_STEPS_PER_QUARTER, Note, Phrase

S = FINE_STEPS_PER_QUARTER // 4          # a sixteenth note on the window's own grid


def point(w, step, pitch):
    p = w.view.view_point(step, pitch)
    return QPoint(int(p.x()) + 2, int(p.y() + w.view.geo.key_height / 2))


def drag(w, start, end, modifiers=Qt.NoModifier):
    vp = w.view.viewport()
    QTest.mousePress(vp, Qt.LeftButton, modifiers, start)
    QTest.mouseMove(vp, end)
    QTest.mouseRelease(vp, Qt.LeftButton, modifiers, end)


def notes(w):
    return sorted((n.pitch, n.start, n.duration) for _, n in w.model.items())


def test_title_names_the_document(window):
    assert window.windowTitle().startswith("Segue — Untitled")


def test_draw_a_note_by_dragging_then_undo_and_redo(window):
    window.snap_box.setCurrentIndex(2)                        # 1/16
    drag(window, point(window, 4 * S, 60), point(window, 11 * S, 60))
    assert notes(window) == [(60, 4 * S, 8 * S)]
    assert window.isWindowModified()
    window.undo_stack.undo()
    assert notes(window) == []
    window.undo_stack.redo()
    assert notes(window) == [(60, 4 * S, 8 * S)]


def test_drawing_snaps_to_the_chosen_grid(window):
    window.snap_box.setCurrentIndex(0)                        # quarter notes
    drag(window, point(window, 5 * S, 62), point(window, 9 * S, 62))
    assert notes(window) == [(62, 4 * S, 8 * S)]


def test_move_a_note_in_pitch_and_time_is_one_undo_step(window):
    window.model.reset(Phrase((Note(60, 0, 4),)))
    window.set_tool("select")
    window.snap_box.setCurrentIndex(2)
    before = window.undo_stack.count()
    drag(window, point(window, 1, 60), point(window, 5, 63))
    assert notes(window) == [(63, 4, 4)]
    assert window.undo_stack.count() == before + 1
    window.undo_stack.undo()
    assert notes(window) == [(60, 0, 4)]


def test_resize_by_the_right_edge(window):
    window.model.reset(Phrase((Note(60, 0, 4),)))
    window.set_tool("select")
    window.snap_box.setCurrentIndex(2)
    edge = window.view.view_point(4, 60)
    start = QPoint(int(edge.x()) - 2, int(edge.y() + 7))
    drag(window, start, point(window, 8, 60))
    assert notes(window) == [(60, 0, 8)]


def test_rubber_band_select_and_delete(window):
    window.model.reset(Phrase((Note(60, 0, 4), Note(62, 4, 4), Note(72, 8, 4))))
    window.set_tool("select")
    drag(window, point(window, 0, 63) - QPoint(1, 0), point(window, 9, 59))
    assert {window.model.note(i).pitch for i in window.model.selection} == {60, 62}
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_Delete)
    assert notes(window) == [(72, 8, 4)]
    window.undo_stack.undo()
    assert len(window.model) == 3


def test_shift_click_adds_to_the_selection_and_arrows_transpose(window):
    window.model.reset(Phrase((Note(60, 0, 4), Note(64, 4, 4))))
    window.set_tool("select")
    vp = window.view.viewport()
    QTest.mouseClick(vp, Qt.LeftButton, Qt.NoModifier, point(window, 1, 60))
    QTest.mouseClick(vp, Qt.LeftButton, Qt.ShiftModifier, point(window, 5, 64))
    assert len(window.model.selection) == 2
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_Up, Qt.ShiftModifier)
    assert notes(window) == [(72, 0, 4), (76, 4, 4)]


def test_erase_tool(window):
    window.model.reset(Phrase((Note(60, 0, 4), Note(62, 4, 4))))
    window.set_tool("erase")
    QTest.mouseClick(window.view.viewport(), Qt.LeftButton, Qt.NoModifier, point(window, 5, 62))
    assert notes(window) == [(60, 0, 4)]


def test_copy_and_paste_at_the_playhead(window):
    window.model.reset(Phrase((Note(60, 0, 4), Note(64, 0, 4))))
    window.editing.select_all()
    window.editing.copy()
    window.view.set_playhead(16)
    window.editing.paste()
    assert notes(window) == [(60, 0, 4), (60, 16, 4), (64, 0, 4), (64, 16, 4)]


def test_quantize_the_selection(window):
    window.model.reset(Phrase((Note(60, 1, 3), Note(62, 7, 2))))
    window.snap_box.setCurrentIndex(0)
    window.editing.select_all()
    window.editing.quantize()
    assert notes(window) == [(60, 0, 4), (62, 8, 4)]


def test_a_broken_file_leaves_the_open_phrase_untouched(window, tmp_path, monkeypatch):
    window.model.reset(Phrase((Note(60, 0, 4),)))
    bad = tmp_path / "broken.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06\x00")
    shown = []
    monkeypatch.setattr("gui.document.files.QMessageBox.warning", lambda *a: shown.append(a[2]))
    assert not window.files.open_path(bad, confirmed=True)
    assert shown and "broken.mid" in shown[0] and "truncated" in shown[0]
    assert notes(window) == [(60, 0, 4)]


@pytest.mark.parametrize("name, text, problem", [
    ("broken.musicxml", '<?xml version="1.0"?><score-partwise><part id="P1"><measure number="1">'
                        '<note><pitch><step>C</step>', "broken.musicxml"),
    ("empty.xml", "", "empty"),
    ("nonsense.abc", "X:1\nK:C\n%%%% \x00\x01 not music at all", "nonsense.abc"),
])
def test_a_malformed_score_is_a_message_and_the_open_phrase_stays(window, tmp_path, monkeypatch,
                                                                   name, text, problem):
    window.model.reset(Phrase((Note(60, 0, 4),)))
    bad = tmp_path / name
    bad.write_text(text)
    shown = []
    monkeypatch.setattr("gui.document.files.QMessageBox.warning", lambda *a: shown.append(a[2]))
    assert not window.files.open_path(bad, confirmed=True)
    assert shown and name in shown[0] and problem in shown[0]
    assert "Traceback" not in shown[0]
    assert notes(window) == [(60, 0, 4)]
    assert window.windowTitle() and not window.isHidden()


def drop_file(window, path):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.CopyAction, data, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(window, QDropEvent(QPointF(50, 50), Qt.CopyAction, data, Qt.LeftButton, Qt.NoModifier))


def test_dropping_files_meets_the_same_reader(window, tmp_path, monkeypatch):
    window.model.reset(Phrase((Note(60, 0, 4),)))
    window.undo_stack.setClean()
    shown = []
    monkeypatch.setattr("gui.document.files.QMessageBox.warning", lambda *a: shown.append(a[2]))
    for name, content in (("random.mid", bytes(range(256)) * 4), ("damaged.segue", b'{"format": "segue-doc'),
                          ("text.mid", b"these are my lyrics, not a MIDI file\n")):
        (tmp_path / name).write_bytes(content)
        drop_file(window, tmp_path / name)
        assert shown and name in shown[-1], name
        assert notes(window) == [(60, 0, 4)]
    good = tmp_path / "good.mid"
    from engine.files.midi import write_midi
    write_midi(Phrase((Note(64, 0, 8), Note(67, 8, 8))), good)
    drop_file(window, good)
    assert notes(window) == [(64, 0, 8 * S), (67, 8 * S, 8 * S)]
    assert len(shown) == 3


def test_export_round_trip(window, tmp_path):
    phrase = Phrase((Note(60, 0, 4, 100), Note(67, 4, 8, 70)), tempo_bpm=90, time_signature=(3, 4))
    window.model.reset(phrase)
    out = tmp_path / "export.mid"
    assert window.files.export_midi(out)
    back = read_music(out, steps_per_quarter=4)
    assert back.notes == phrase.notes and back.tempo_bpm == 90 and back.time_signature == (3, 4)


def test_save_and_open_a_document_keeps_generated_notes(window, tmp_path):
    window.model.reset(Phrase((Note(60, 0, 4),)))
    window.model.mark_generated(window.model.ids(), True)
    window.files.save_to(tmp_path / "song.segue")
    assert not window.isWindowModified() and "song.segue" in window.windowTitle()
    window.model.reset(Phrase())
    assert window.files.open_path(tmp_path / "song.segue", confirmed=True)
    (note_id,) = window.model.ids()
    assert window.model.is_generated(note_id)


def test_continue_with_a_real_tiny_model_is_one_undo_step(window, qtbot, tiny_model_dir):
    window.model.reset(Phrase(tuple(Note(60 + i, i * 4, 4) for i in range(8))))
    window.panel.set_model(str(tiny_model_dir))
    window.panel.bars.setValue(2)
    window.panel.variations.setValue(3)
    before = len(window.model)
    window.writing.continue_phrase()
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=20000)
    added = [i for i in window.model.ids() if window.model.is_generated(i)]
    assert added and all(window.model.note(i).start >= 32 for i in added)
    assert window.writing.take is not None and len(window.writing.take.variations) == 3
    first_take = notes(window)
    window.step_take(1)
    assert window.writing.take.index == 1
    window.step_take(-1)
    assert notes(window) == first_take
    window.undo_stack.undo()
    assert len(window.model) == before


def test_the_window_keeps_turning_during_a_long_continue_and_cancel_works(window, qtbot):
    from engine.errors import Cancelled

    def slow_generator(loaded, phrase, options, progress=None, cancel=None):
        for i in range(200):
            if cancel():
                raise Cancelled()
            time.sleep(0.02)
            progress(i / 200)
        return []

    window.writing.generator = slow_generator
    window.writing.cache.get = lambda name: SimpleNamespace(name="slow stand-in")
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(50)
    window.model.reset(Phrase((Note(60, 0, 4),)))
    window.writing.continue_phrase()
    qtbot.wait(800)
    assert window.writing.job is not None and window.writing.job.isRunning()
    assert len(ticks) >= 10, "the 50 ms timer must keep firing while the model works"
    assert max(b - a for a, b in zip(ticks, ticks[1:])) < 0.3
    QTest.keyClick(window, Qt.Key_Escape)
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=5000)
    assert "Cancelled" in window.panel.status.text()
    timer.stop()


def test_the_seeds_menu_opens_a_bundled_seed(window):
    actions = [a for a in window.seeds_menu.actions() if "Maple Leaf" in a.text()]
    assert actions
    actions[0].trigger()
    assert len(window.model) > 8
    assert not window.isWindowModified()


def test_the_seeds_menu_names_every_piece_composer_first(window):
    import re
    names = [a.text() for a in window.seeds_menu.actions() if a.statusTip()]
    assert len(names) >= 10
    assert [n for n in names if not re.fullmatch(r"[A-Z][\w. ]+ – \S.*  \(.+\)", n)] == []
    assert any(n.startswith("Bach – Prelude") for n in names) and any(n.startswith("Joplin – ") for n in names)


def continue_with_a_broken_chosen_model(window, qtbot, tmp_path, tiny_model_dir, monkeypatch) -> None:
    """Choose a model whose weights are truncated (a bundled one beside it), press Continue, wait."""
    import shutil

    import engine.model.folders as folders
    broken = tmp_path / "broken-model"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "model.safetensors").write_bytes(b"\x00" * 100)          # truncated weights
    bundled = tmp_path / "models"
    bundled.mkdir()
    shutil.copytree(tiny_model_dir, bundled / folders.DEFAULT_MODEL)
    monkeypatch.setattr(folders, "MODELS_DIR", bundled)
    window.model.reset(Phrase(tuple(Note(60 + i, i * 4, 4) for i in range(8))))
    window.panel.set_model(str(broken))
    window.writing.continue_phrase()
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=20000)


def test_a_broken_chosen_model_falls_back_to_the_bundled_one_and_says_so(window, qtbot, tmp_path,
                                                                         tiny_model_dir, monkeypatch):
    continue_with_a_broken_chosen_model(window, qtbot, tmp_path, tiny_model_dir, monkeypatch)
    assert any(window.model.is_generated(i) for i in window.model.ids())
    status = window.panel.status.text()
    assert "could not be loaded" in status and "bundled model" in status


def test_a_model_preload_that_fails_late_does_not_overwrite_what_continue_said(window, qtbot, tmp_path,
                                                                             tiny_model_dir, monkeypatch):
    """The preload runs on its own thread; when it fails after a Continue has written its takes,
    the panel keeps the Continue's words (on a busy machine the preload can end last)."""
    continue_with_a_broken_chosen_model(window, qtbot, tmp_path, tiny_model_dir, monkeypatch)
    said = window.panel.status.text()
    window.writing.preload_model()                   # a preload of the broken model, ending last
    qtbot.waitUntil(lambda: window.writing.preload.isFinished(), timeout=20000)
    qtbot.wait(50)                                   # its queued signal delivered
    assert window.panel.status.text() == said


def test_long_sessions_of_painting_do_not_wear_out_python(window):
    """PySide6 6.12.0 dropped a reference to None on every void call, so after enough repaints
    Python 3.11 aborted ("deallocating None"). Thousands of painted notes must leave None alone."""
    import sys
    window.model.reset(Phrase(tuple(Note(40 + i % 40, i, 4) for i in range(400))))
    window.view.viewport().repaint()
    before = sys.getrefcount(None)
    for _ in range(20):
        window.view.viewport().repaint()
    assert sys.getrefcount(None) >= before - 100


def test_quitting_after_copying_notes_ends_the_process_cleanly(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    code = ("from PySide6.QtWidgets import QApplication\n"
            "app = QApplication([])\n"
            "from engine.music.phrase import Note, Phrase\n"
            "from gui.main_window import MainWindow\n"
            "w = MainWindow(); w.show()\n"
            "w.model.reset(Phrase((Note(60, 0, 4),)))\n"
            "w.editing.select_all(); w.editing.copy()\n"
            "w.close()\n"
            "print(QApplication.clipboard().text())\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(root),
               SEGUE_DATA_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-1500:]
    assert "60@0" in done.stdout                          # the copied notes' text stays on the clipboard


def test_the_window_keeps_drawing_while_a_slow_file_is_read(window, tmp_path, monkeypatch):
    import time as clock

    from engine.files.midi import write_midi
    path = tmp_path / "slow.mid"
    write_midi(Phrase((Note(60, 0, 4), Note(64, 4, 4))), path)
    real = read_music

    def slow_read(p, *grid):
        clock.sleep(0.6)
        return real(p, *grid)

    monkeypatch.setattr("gui.document.files.read_music", slow_read)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(50)
    assert window.files.open_path(path, confirmed=True)
    timer.stop()
    assert len(ticks) >= 6, "the event loop must keep turning while the file is read"
    assert notes(window) == [(60, 0, 4 * S), (64, 4 * S, 4 * S)]


def all_notes(w, keep=lambda n: True):
    return sorted((n for _, n in w.model.items() if keep(n)), key=Note.sort_key)


BARS_OF_QUARTERS = Phrase(tuple(Note(60 + (i % 5), 4 * i, 4) for i in range(16))
                          + tuple(Note(43, 16 * b, 16) for b in range(4)))


def test_k_locks_the_selected_notes_and_undo_unlocks_them(window):
    window.model.reset(BARS_OF_QUARTERS)
    chosen = [i for i, n in window.model.items() if n.start == 20]
    window.model.select(chosen)
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_K)
    assert all(window.model.is_locked(i) for i in chosen)
    assert not any(window.model.is_locked(i) for i in window.model.ids() if i not in chosen)
    window.view.grab()                                           # a locked note paints (gold frame, padlock)
    QTest.keyClick(window.view, Qt.Key_K)
    assert not any(window.model.is_locked(i) for i in chosen)
    window.undo_stack.undo()
    assert all(window.model.is_locked(i) for i in chosen)
    window.undo_stack.undo()
    assert not any(window.model.is_locked(i) for i in chosen)


def test_fill_rewrites_the_bars_dragged_on_the_ruler_around_a_locked_note(window, qtbot, tiny_model_dir):
    window.model.reset(BARS_OF_QUARTERS)
    window.panel.set_model(str(tiny_model_dir))
    window.panel.variations.setValue(3)
    locked = [i for i, n in window.model.items() if n.start == 20 and n.pitch != 43]
    window.model.select(locked)
    window.writing.toggle_lock()
    window.model.select([])
    lock_note = window.model.note(locked[0])
    outside = all_notes(window, lambda n: not 16 <= n.start < 48)
    window.transport.set_loop((16, 48))                                    # bars 2-3, as a drag on the ruler sets it
    QTest.keyClick(window, Qt.Key_Return, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=20000)
    assert window.writing.take is not None and len(window.writing.take.variations) == 3
    assert window.undo_stack.undoText() == "Fill"
    takes = []
    for k in range(3):
        window.step_take(1) if k else None
        now = all_notes(window)
        assert all_notes(window, lambda n: not 16 <= n.start < 48) == outside
        assert window.model.note(locked[0]) == lock_note and now.count(lock_note) == 1
        assert all(window.model.is_generated(i) for i, n in window.model.items()
                   if 16 <= n.start < 48 and i not in locked)
        takes.append(now)
    assert takes[0] != takes[1] or takes[1] != takes[2]
    window.undo_stack.undo()
    assert all_notes(window) == list(BARS_OF_QUARTERS.notes)
    assert window.model.is_locked(locked[0])


def test_fill_without_a_span_says_how_to_choose_one(window):
    window.model.reset(BARS_OF_QUARTERS)
    window.writing.fill()
    assert window.writing.job is None and "ruler" in window.panel.status.text()


def test_reroll_writes_a_new_take_of_the_last_continue_keeping_locked_notes(window, qtbot, tiny_model_dir):
    window.model.reset(Phrase(tuple(Note(60 + i, i * 4, 4) for i in range(8))))
    window.panel.set_model(str(tiny_model_dir))
    window.panel.bars.setValue(2)
    window.writing.continue_phrase()
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=20000)
    first = all_notes(window, lambda n: n.start >= 32)
    keep = next(i for i, n in window.model.items() if n.start >= 32)
    kept = window.model.note(keep)
    window.model.select([keep])
    window.writing.toggle_lock()
    seed_before = window.panel.seed.value()
    QTest.keyClick(window, Qt.Key_R, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=20000)
    assert window.panel.seed.value() != seed_before
    second = all_notes(window, lambda n: n.start >= 32)
    assert second != first and kept in second
    assert sum(1 for n in second if (n.pitch, n.start) == (kept.pitch, kept.start)) == 1
    window.undo_stack.undo()
    assert all_notes(window, lambda n: n.start >= 32) == first


def test_the_follow_settings_travel_with_the_document(window, tmp_path):
    window.model.reset(BARS_OF_QUARTERS)
    panel = window.panel
    panel.density.setCurrentIndex(4)
    panel.key.setCurrentIndex(panel.key.findData("D minor"))
    panel.register.setChecked(False)
    panel.held_ending.setChecked(True)
    window.model.select([window.model.ids()[0]])
    window.writing.toggle_lock()
    path = tmp_path / "song.segue"
    from engine.files.document import load_document, save_document
    save_document(window.files.current_document(), path)
    doc = load_document(path)
    assert doc.settings["density"] == 2.0 and doc.settings["key"] == "D minor"
    assert doc.settings["register"] == "free" and doc.settings["ending"] == "held"
    assert sum(doc.locked) == 1
    panel.reset_more()
    panel.register.setChecked(True)
    panel.held_ending.setChecked(False)
    window.files.set_phrase(doc.phrase, path, "Opened", doc.generated, doc.settings, doc.locked)
    assert panel.key.currentData() == "D minor" and not panel.register.isChecked()
    assert len(window.model.locked_ids()) == 1
    options = panel.options()
    assert options.density == 2.0 and options.key == "D minor" and options.register == "free"
    assert options.ending == "held" and panel.options(fill=True).key == "D minor"


def test_play_lights_up_while_playing_and_the_toolbar_stays_put(window, qtbot):
    from PySide6.QtWidgets import QToolBar, QToolButton
    qtbot.waitUntil(lambda: window.transport.playback is not None, timeout=3000)
    toolbar = window.findChild(QToolBar, "tools")
    play = window.actions_["play"]
    play_button = toolbar.widgetForAction(play)

    def buttons():
        shown = (toolbar.widgetForAction(a) for a in toolbar.actions())
        return [(w.text() if isinstance(w, QToolButton) else "", w.geometry()) for w in shown if w]

    QTest.mouseClick(play_button, Qt.LeftButton)                # nothing to play: Play does not stay lit
    assert not play.isChecked() and not window.transport.playback.is_playing()
    window.model.reset(Phrase((Note(60, 0, 32),), tempo_bpm=120))   # four seconds
    before = buttons()
    with qtbot.waitSignal(window.transport.playback.started, timeout=3000):
        QTest.mouseClick(play_button, Qt.LeftButton)
    qtbot.wait(50)
    assert play.isChecked() and buttons() == before
    assert [text for text, _ in buttons()].count("■ Stop") == 1
    assert not any("Stop" in text for text, _ in buttons() if text != "■ Stop")
    window.view.setFocus()
    with qtbot.waitSignal(window.transport.playback.stopped, timeout=3000):
        QTest.keyClick(window.view, Qt.Key_Space)               # Space stops, as it started
    assert not play.isChecked() and buttons() == before


def test_fill_and_continue_in_the_window_keep_grace_notes_and_off_grid_locks_exactly(window, qtbot, tiny_model_dir,
                                                                                    tmp_path):
    """Bars 5-6 of eight bars of 3/8 with grace chords into every downbeat: Fill leaves every note
    outside the span where it was, and an off-grid locked note inside it; Continue adds after them."""
    from tests.passages import three_eight_graces, write_ticks
    path = write_ticks(tmp_path / "graces.mid", three_eight_graces(), metre=(3, 8))
    assert window.files.open_path(path, confirmed=True)
    window.panel.set_model(str(tiny_model_dir))
    window.panel.variations.setValue(2)
    start, end = 4 * 720, 6 * 720
    locked = [i for i, n in window.model.items() if n.start == start + 270]     # a 32nd off the sixteenths
    assert locked
    lock_note = window.model.note(locked[0])
    window.model.select(locked)
    window.writing.toggle_lock()
    window.model.select([])
    outside = all_notes(window, lambda n: not start <= n.start < end)
    window.transport.set_loop((start, end))
    window.writing.fill()
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=20000)
    for k in range(2):
        window.step_take(1) if k else None
        assert all_notes(window, lambda n: not start <= n.start < end) == outside
        assert window.model.note(locked[0]) == lock_note
        assert all(n.start % 120 == 0 for i, n in window.model.items() if window.model.is_generated(i))
    window.writing.keep_take()
    window.model.select([])
    before = all_notes(window)
    window.writing.continue_phrase()
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=20000)
    assert [n for n in all_notes(window) if n.start < 8 * 720] == [n for n in before if n.start < 8 * 720]
