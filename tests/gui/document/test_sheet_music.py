"""Sheet music from the window: exported for notation programs, or engraved and shown."""

import stat
from pathlib import Path

from engine.files.reading import read_music
from engine.music.phrase import Note, Phrase

ROOT = Path(__file__).resolve().parents[3]
PHRASE = Phrase((Note(72, 0, 16), Note(76, 4, 4), Note(79, 4, 4), Note(48, 0, 8), Note(43, 8, 8)),
                tempo_bpm=100, time_signature=(3, 4))


def exact(phrase):
    return sorted((n.pitch, n.start, n.duration) for n in phrase.notes)


def written(window, qtbot):
    """Wait for the score being written on its thread to be done with."""
    qtbot.waitUntil(lambda: window.sheet_music.job is None, timeout=20_000)


def test_export_sheet_music_reads_back_note_for_note(window, qtbot, tmp_path):
    window.model.reset(PHRASE)
    assert window.sheet_music.export(tmp_path / "for-musescore")
    written(window, qtbot)
    out = tmp_path / "for-musescore.musicxml"
    back = read_music(out, steps_per_quarter=4)
    assert exact(back) == exact(PHRASE) and back.time_signature == (3, 4) and back.tempo_bpm == 100


def fake_musescore(tmp_path, pages=2):
    """A stand-in for `mscore -o OUT.png IN.musicxml`: writes OUT-1.png ... as MuseScore does."""
    page = next((ROOT / "docs" / "screenshots").glob("*.png"))
    script = tmp_path / "mscore"
    script.write_text("#!/bin/sh\n"
                      'out="$2"; base="${out%.png}"\n'
                      'grep -q "<score-partwise" "$3" || exit 3\n'
                      + "".join(f'cp "{page}" "$base-{i}.png"\n' for i in range(1, pages + 1)))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_show_as_sheet_music_engraves_with_musescore(window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr("gui.document.sheet_music.find_engraver", lambda: fake_musescore(tmp_path))
    window.model.reset(PHRASE)
    assert window.sheet_music.show()
    qtbot.waitUntil(lambda: window.sheet_music.dialog is not None, timeout=10_000)
    dialog = window.sheet_music.dialog
    assert dialog.isVisible() and len(dialog.pages) == 2
    assert not dialog.pages[0].pixmap().isNull()
    dialog.close()


def test_without_musescore_the_score_opens_in_the_desktop_program(window, qtbot, monkeypatch):
    opened, told = [], []
    monkeypatch.setattr("gui.document.sheet_music.find_engraver", lambda: None)
    monkeypatch.setattr("gui.document.sheet_music.QDesktopServices.openUrl",
                        lambda url: opened.append(url.toLocalFile()) or True)
    window.model.reset(PHRASE)
    assert window.sheet_music.show()
    written(window, qtbot)
    assert opened and exact(read_music(opened[0], steps_per_quarter=4)) == exact(PHRASE)
    monkeypatch.setattr("gui.document.sheet_music.QDesktopServices.openUrl", lambda url: False)
    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.information", lambda *a: told.append(a[2]))
    assert window.sheet_music.show()
    written(window, qtbot)
    assert told and "MuseScore" in told[0] and ".musicxml" in told[0]


def test_a_phrase_sheet_music_cannot_show_is_a_message(window, qtbot, monkeypatch):
    warned = []
    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.warning", lambda *a: warned.append(a[2]))
    window.model.reset(Phrase((Note(60, 0, 4), Note(3, 4, 4))))
    window.sheet_music.show()
    written(window, qtbot)
    assert warned and "below C0" in warned[0]
    assert len(window.model) == 2


def test_a_musescore_that_hangs_is_stopped_and_said(window, qtbot, tmp_path, monkeypatch):
    from gui.document.sheet_music import Engraving
    script = tmp_path / "stuck"
    script.write_text("#!/bin/sh\nsleep 30\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    score = tmp_path / "x.musicxml"
    score.write_text("<score-partwise/>")
    job = Engraving(str(script), score, window)
    with qtbot.waitSignal(job.failed, timeout=10_000) as failed:
        job.start(limit_ms=300)
    assert "more than a minute" in failed.args[0]


def test_the_score_is_titled_with_the_document_s_name_and_no_composer(window, qtbot, monkeypatch, tmp_path):
    from music21 import converter
    opened = []
    monkeypatch.setattr("gui.document.sheet_music.find_engraver", lambda: None)
    monkeypatch.setattr("gui.document.sheet_music.QDesktopServices.openUrl",
                        lambda url: opened.append(url.toLocalFile()) or True)
    window.model.reset(PHRASE)
    for path, imported, title in ((None, tmp_path / "Evening song.mid", "Evening song"),
                                  (tmp_path / "Nocturne.segue", None, "Nocturne"), (None, None, "Untitled")):
        window.document.set_files(path, imported)
        assert window.sheet_music.show()
        written(window, qtbot)
        score = converter.parse(opened[-1])
        assert score.metadata.bestTitle == title and not score.metadata.composer


def test_exported_sheet_music_is_titled_with_the_document_s_name_or_the_file_s(window, qtbot, tmp_path):
    from music21 import converter
    window.model.reset(PHRASE)
    window.document.set_files(None, None)
    assert window.sheet_music.export(tmp_path / "Evening song")
    written(window, qtbot)
    assert converter.parse(str(tmp_path / "Evening song.musicxml")).metadata.bestTitle == "Evening song"
    window.document.set_files(None, tmp_path / "Nocturne.mid")
    assert window.sheet_music.export(tmp_path / "for-musescore")
    written(window, qtbot)
    assert converter.parse(str(tmp_path / "for-musescore.musicxml")).metadata.bestTitle == "Nocturne"


def test_export_sheet_music_from_the_menu_and_its_key_writes_the_score(window, qtbot, tmp_path, monkeypatch):
    """Through the QAction, as a person chooses it: its ``checked`` flag must not arrive as the path."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from gui.document import files
    targets = [tmp_path / "from-the-menu.musicxml", tmp_path / "from-the-key.musicxml"]
    monkeypatch.setattr(files.QFileDialog, "getSaveFileName", lambda *a, **k: (str(targets[0]), ""))
    window.model.reset(PHRASE)
    window.actions_["export_score"].trigger()
    written(window, qtbot)
    assert exact(read_music(targets[0], steps_per_quarter=4)) == exact(PHRASE)
    targets.pop(0)
    # a slow machine showed the progress dialog; a desktop gives the window back its keys when it
    # closes, the offscreen platform only when asked
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    QTest.keyClick(window, Qt.Key_E, Qt.ControlModifier | Qt.ShiftModifier)
    written(window, qtbot)
    assert exact(read_music(targets[0], steps_per_quarter=4)) == exact(PHRASE)


def test_a_long_score_is_written_off_the_window_s_thread_and_cancel_leaves_no_file(window, qtbot, tmp_path):
    """Sheet music ran on the window's thread: a 6,600-note piece froze the window for three minutes."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QProgressDialog, QPushButton
    long_piece = Phrase(tuple(Note(48 + (7 * i) % 36, 2 * i, 2) for i in range(6400)))      # 800 bars
    window.model.reset(long_piece)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    job = window.sheet_music.export(tmp_path / "long.musicxml")
    assert job is not None and window.sheet_music.job is job
    dialog = window.findChild(QProgressDialog)
    qtbot.waitUntil(lambda: dialog.value() > 0, timeout=60_000)          # the bars are being built
    assert ticks                                                        # and the window went on running
    dialog.findChild(QPushButton).click()                               # its Cancel button
    written(window, qtbot)
    timer.stop()
    assert not (tmp_path / "long.musicxml").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("long")]
    assert "cancelled" in window.statusBar().currentMessage()
    assert len(window.model) == 6400
