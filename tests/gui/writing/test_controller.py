"""Continue's takes and the undo history, from the keyboard, with a stand-in for the model."""

from types import SimpleNamespace

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.music.phrase import Note, Phrase

PHRASE = Phrase(tuple(Note(60 + i, i * 4, 4) for i in range(8)))


def stand_in(pitches):
    """A generator that writes one take per pitch: four quarter notes of it."""
    def write(loaded, phrase, options, progress=None, cancel=None, **more):
        return [Phrase(tuple(Note(p, 4 * k, 4) for k in range(4))) for p in pitches]
    return write


def continue_with(window, qtbot, pitches):
    window.writing.generator = stand_in(pitches)
    window.writing.cache.get = lambda name: SimpleNamespace(name="stand-in")
    window.model.reset(PHRASE)
    QTest.keyClick(window, Qt.Key_Return, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=10000)


def new_pitches(window):
    """The pitches after the phrase's 8 quarter notes, on whatever grid the window holds it."""
    return sorted({n.pitch for _, n in window.model.items() if n.start >= 8 * window.model.steps_per_quarter})


def test_takes_step_again_after_undo_and_redo_of_a_continue(window, qtbot):
    continue_with(window, qtbot, [70, 72, 74])
    assert new_pitches(window) == [70]
    QTest.keyClick(window, Qt.Key_Right, Qt.AltModifier)
    assert new_pitches(window) == [72]
    QTest.keyClick(window, Qt.Key_Z, Qt.ControlModifier)
    assert new_pitches(window) == []
    assert window.panel.status.text() == "Continue undone."
    assert window.panel.takes_row.isHidden()
    QTest.keyClick(window, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert new_pitches(window) == [72]                         # the take that was showing
    assert not window.panel.takes_row.isHidden()
    assert "Take 2 of 3" in window.panel.take_label.text()
    QTest.keyClick(window, Qt.Key_Right, Qt.AltModifier)
    assert new_pitches(window) == [74]
    assert "Take 3" in window.panel.status.text()


def test_an_edit_after_the_takes_keeps_the_one_showing(window, qtbot):
    continue_with(window, qtbot, [70, 72])
    QTest.keyClick(window, Qt.Key_Right, Qt.AltModifier)
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_Up)                     # transpose the new notes
    assert new_pitches(window) == [73]
    assert window.panel.takes_row.isHidden()
    assert "Alt+Left/Right" not in window.panel.status.text()
    QTest.keyClick(window, Qt.Key_Right, Qt.AltModifier)       # the takes are closed: nothing happens
    assert new_pitches(window) == [73]
    QTest.keyClick(window, Qt.Key_Z, Qt.ControlModifier)
    QTest.keyClick(window, Qt.Key_Right, Qt.AltModifier)       # still closed: a redo waits on this take
    assert new_pitches(window) == [72]


def test_alt_return_keeps_the_take(window, qtbot):
    continue_with(window, qtbot, [70, 72])
    QTest.keyClick(window, Qt.Key_Return, Qt.AltModifier)
    assert window.panel.takes_row.isHidden()
    assert "Kept take 1 of 2" in window.panel.status.text()
    QTest.keyClick(window, Qt.Key_Right, Qt.AltModifier)
    assert new_pitches(window) == [70]


def test_new_closes_the_takes(window, qtbot):
    continue_with(window, qtbot, [70, 72, 74])
    window.undo_stack.setClean()
    QTest.keyClick(window, Qt.Key_N, Qt.ControlModifier)
    assert len(window.model) == 0
    assert window.panel.takes_row.isHidden()
    assert "Take" not in window.panel.status.text() and "Alt+Left/Right" not in window.panel.status.text()
    assert window.writing.take is None


def fully_in_view(window, note_ids):
    view = window.view.viewport().rect()
    return all(view.contains(window.view.note_rect(window.model.note(i)).toAlignedRect()) for i in note_ids)


def test_continue_brings_the_new_notes_into_view(window, qtbot):
    continue_with(window, qtbot, [100, 30])                    # far above, then far below the phrase
    assert fully_in_view(window, window.writing.take.ids)
    QTest.keyClick(window, Qt.Key_Right, Qt.AltModifier)
    assert new_pitches(window) == [30] and fully_in_view(window, window.writing.take.ids)


def test_the_takes_row_does_not_narrow_the_piano_roll(window, qtbot):
    from PySide6.QtWidgets import QApplication
    QApplication.processEvents()
    width = window.view.viewport().width()
    continue_with(window, qtbot, [70, 72, 74])
    assert not window.panel.takes_row.isHidden()
    for _ in range(3):                                         # the layout settles after the takes show
        QApplication.processEvents()
    assert window.view.viewport().width() == width


def test_one_new_note_is_one_note(window, qtbot):
    window.writing.generator = lambda loaded, phrase, options, progress=None, cancel=None, **more: [
        Phrase((Note(70, 0, 4),)), Phrase((Note(72, 0, 4),))]
    window.writing.cache.get = lambda name: SimpleNamespace(name="stand-in")
    window.model.reset(PHRASE)
    QTest.keyClick(window, Qt.Key_Return, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=10000)
    assert window.panel.status.text().startswith("Wrote 1 note.")
    QTest.keyClick(window, Qt.Key_Right, Qt.AltModifier)
    assert window.panel.status.text().startswith("Take 2 of 2: 1 note.")


def saved_pitches(path):
    from engine.files.document import load_document
    return sorted({n.pitch for n in load_document(path).phrase.notes if n.start >= 32})


def test_choosing_a_take_after_saving_is_an_unsaved_change_that_save_holds(window, qtbot, tmp_path):
    continue_with(window, qtbot, [70, 72, 74])
    assert window.files.save_to(tmp_path / "song.segue")
    assert not window.isWindowModified()
    QTest.keyClick(window, Qt.Key_Right, Qt.AltModifier)
    QTest.keyClick(window, Qt.Key_Return, Qt.AltModifier)     # keep take 2
    assert new_pitches(window) == [72]
    assert window.isWindowModified() and not window.undo_stack.isClean()   # so quitting asks
    assert window.files.save()
    assert saved_pitches(tmp_path / "song.segue") == [72]
    QTest.keyClick(window, Qt.Key_Z, Qt.ControlModifier)       # the whole Continue, as before
    assert new_pitches(window) == [] and window.isWindowModified()
    QTest.keyClick(window, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert new_pitches(window) == [72] and not window.isWindowModified()


def test_choosing_a_take_is_autosaved_and_restored(window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from gui.document import files
    window.autosave.timer.setInterval(20)
    continue_with(window, qtbot, [70, 72, 74])
    qtbot.waitUntil(lambda: window.autosave.path.is_file() and saved_pitches(window.autosave.path) == [70])
    QTest.keyClick(window, Qt.Key_Right, Qt.AltModifier)
    QTest.keyClick(window, Qt.Key_Right, Qt.AltModifier)
    QTest.keyClick(window, Qt.Key_Return, Qt.AltModifier)     # keep take 3
    qtbot.waitUntil(lambda: saved_pitches(window.autosave.path) == [74])
    crashed = tmp_path / "crashed.segue"                      # as a session that crashed left it
    crashed.write_bytes(window.autosave.path.read_bytes())
    window.undo_stack.setClean()
    window.files.new_document()
    monkeypatch.setattr(files, "pending_recoveries", lambda: [crashed])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    window.files.offer_recovery()
    assert new_pitches(window) == [74] and window.isWindowModified()


def test_undoing_a_kept_take_clears_its_status(window, qtbot):
    continue_with(window, qtbot, [70, 72, 74])
    QTest.keyClick(window, Qt.Key_Left, Qt.AltModifier)
    QTest.keyClick(window, Qt.Key_Return, Qt.AltModifier)
    assert window.panel.status.text() == "Kept take 3 of 3."
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_Up)                     # an edit after it: the take is still there
    QTest.keyClick(window, Qt.Key_Z, Qt.ControlModifier)
    assert new_pitches(window) == [74] and window.panel.status.text() == "Kept take 3 of 3."
    QTest.keyClick(window, Qt.Key_Z, Qt.ControlModifier)       # the Continue itself
    assert new_pitches(window) == []
    assert window.panel.status.text() == "Continue undone."
    assert "take" not in window.statusBar().currentMessage().lower()


def test_undoing_a_continue_kept_by_the_next_edit_clears_its_status(window, qtbot):
    continue_with(window, qtbot, [70, 72])
    QTest.keyClick(window, Qt.Key_Right, Qt.AltModifier)
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_Up)
    assert window.panel.status.text() == "Kept take 2 of 2."
    QTest.keyClick(window, Qt.Key_Z, Qt.ControlModifier)
    QTest.keyClick(window, Qt.Key_Z, Qt.ControlModifier)
    assert new_pitches(window) == [] and window.panel.status.text() == "Continue undone."


def test_continue_s_set_up_reads_the_phrase_once_not_once_a_note(window, qtbot, monkeypatch):
    """The seed was gathered by rebuilding a table of all the notes for each note (quadratic: 20,000
    notes froze the window for 15 s): the set-up now looks at the notes a fixed number of times."""
    window.model.reset(Phrase(tuple(Note(60 + i % 12, i, 1) for i in range(3000))))
    calls = []
    for name in ("items", "ids"):
        real = getattr(window.model, name)
        monkeypatch.setattr(window.model, name, lambda real=real: calls.append(1) or real())
    window.writing.generator = stand_in([70])
    window.writing.cache.get = lambda name: SimpleNamespace(name="stand-in")
    window.writing.continue_phrase()
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=10000)
    assert len(calls) < 10


def long_piece(bars: int) -> Phrase:
    """A piece of ``bars`` bars of 4/4 on the grid of 4, a quarter note on every beat, with a tempo
    change and a key signature late in it (the seed's timeline must move with its notes)."""
    return Phrase(tuple(Note(55 + i % 17, 4 * i, 4) for i in range(4 * bars)), tempo_changes=((16 * 150, 80.0),),
                  key_signatures=((0, "C"), (16 * 160, "Eb")))


def test_continue_gives_the_model_only_the_bars_it_hears(window, qtbot, monkeypatch):
    """The window's thread built a phrase of the whole piece, and moved every note of it, before the
    model read its last 64 bars (a 3.8 s freeze on a long piece): now it gathers those bars only."""
    from engine.music import phrase as phrases
    from engine.writing.heard import CONTEXT_BARS, music_heard
    piece = long_piece(200)
    window.model.reset(piece)
    given = []

    def write(loaded, phrase, options, progress=None, cancel=None, **more):
        given.append(phrase)
        return [Phrase((Note(90, 0, 4),))]
    window.writing.generator = write
    window.writing.cache.get = lambda name: SimpleNamespace(name="stand-in")
    sizes = []
    real = phrases.Phrase.__post_init__
    monkeypatch.setattr(phrases.Phrase, "__post_init__", lambda self: sizes.append(len(self.notes)) or real(self))
    window.writing.continue_phrase()
    set_up = list(sizes)
    monkeypatch.undo()
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=10000)
    assert max(set_up) <= 4 * CONTEXT_BARS                 # nothing the size of the piece on the window's thread
    heard = music_heard(piece, piece.length, piece.length)[0]
    assert given == [heard]                                # what the engine reads of the whole piece, no more
    assert heard.key_signatures == ((0, "C"), (16 * 24, "Eb")) and heard.tempo_changes == ((16 * 14, 80.0),)
    assert [n.start for _, n in window.model.items() if n.pitch == 90] == [piece.length]


def test_fill_gives_the_model_only_the_bars_it_hears(window, qtbot, monkeypatch):
    """Fill's set-up built a phrase of all the notes on the window's thread: now the bars the model
    reads around the span (64 before, 64 after), with the span and the locked notes timed in them."""
    import engine.writing.fill
    from engine.music import phrase as phrases
    from engine.writing.heard import CONTEXT_BARS, music_heard
    piece = long_piece(300)
    window.model.reset(piece)
    start, end = 16 * 150, 16 * 152
    locked = next(i for i, n in window.model.items() if n.start == start + 4)
    window.model.select([locked])
    window.writing.toggle_lock()
    window.view.loop = (start, end)
    given = []

    def fill_span(loaded, phrase, span_start, span_end, options, locked=(), progress=None, cancel=None):
        given.append((phrase, span_start, span_end, list(locked)))
        return [Phrase((Note(90, 0, 4), Note(91, 4, 4)), end=span_end - span_start)]
    monkeypatch.setattr(engine.writing.fill, "fill_span", fill_span)
    window.writing.cache.get = lambda name: SimpleNamespace(name="stand-in")
    sizes = []
    real = phrases.Phrase.__post_init__
    monkeypatch.setattr(phrases.Phrase, "__post_init__", lambda self: sizes.append(len(self.notes)) or real(self))
    window.writing.fill()
    set_up = list(sizes)
    monkeypatch.setattr(phrases.Phrase, "__post_init__", real)
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=10000)
    assert max(set_up) <= 4 * (2 * CONTEXT_BARS + 2)
    heard, origin = music_heard(piece, start, end)
    assert origin == 16 * (150 - CONTEXT_BARS)
    assert given == [(heard, start - origin, end - origin, [Note(55 + (4 * 150 + 1) % 17, start + 4 - origin, 4)])]
    assert sorted((n.start, n.pitch) for _, n in window.model.items() if start <= n.start < end) == \
        [(start, 90), (start + 4, 55 + (4 * 150 + 1) % 17), (start + 4, 91)]
