"""No exception escapes a paint method: a frame that cannot be drawn is logged and left blank,
and no dialog opens from inside painting. Hostile documents never reach painting at all."""

import json
import logging

from engine.music.phrase import Note, Phrase


def test_a_paint_error_is_logged_once_and_opens_no_dialog(window, monkeypatch, caplog, qtlog):
    dialogs = []
    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.critical", lambda *a, **k: dialogs.append(a))
    window.model.reset(Phrase((Note(60, 0, 4),)))
    # the status field's key estimate is not painting, and a late model signal (slow machines) must
    # not reach it with the broken property below: only paint methods are under test here
    field = window.metre_key
    window.model.settingsChanged.disconnect(field.refresh)
    window.model.notesChanged.disconnect(field._later.start)
    field._later.stop()
    # what a time signature of [3.5, 4] once did: steps_per_bar raised on every redraw
    with monkeypatch.context() as broken, caplog.at_level(logging.ERROR, logger="segue.gui"):
        broken.setattr(type(window.model), "steps_per_bar", property(lambda self: 1 // 0))
        for _ in range(3):
            window.view.viewport().repaint()
            window.ruler.repaint()
            window.grab()
    painted = [r for r in caplog.records if "could not paint" in r.getMessage()]
    assert {r.getMessage().split()[0] for r in painted} == {"PianoRollView", "Ruler", "ChordLane"}
    assert len(painted) == 3                  # once each, not once a frame
    assert dialogs == []
    # the failed frames' painters ended with their frames, not kept alive by the logged traceback
    # (collected later, with the widget gone, one crashed the test run)
    assert not [r for r in qtlog.records if "active painter" in r.message]


def test_a_document_with_a_fractional_metre_is_refused_and_the_phrase_kept(window, tmp_path, monkeypatch):
    window.model.reset(Phrase((Note(60, 0, 4),)))
    path = tmp_path / "metre.segue"
    path.write_text(json.dumps({"format": "segue-document", "version": 1, "grid": {"steps_per_quarter": 4},
                                "tempo_bpm": 120, "time_signature": [3.5, 4], "notes": [[62, 0, 4, 80, 0]]}))
    shown = []
    monkeypatch.setattr("gui.document.files.QMessageBox.warning", lambda *a: shown.append(a[2]))
    assert not window.files.open_path(path, confirmed=True)
    assert shown == ["metre.segue: the time signature must be two whole numbers, not [3.5, 4]"]
    assert [(n.pitch, n.start) for n in window.model.phrase().notes] == [(60, 0)]
    assert window.model.time_signature == (4, 4)
    window.grab()
