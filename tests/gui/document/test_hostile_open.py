"""Hostile files through the window's Open and drag and drop: one message naming the file and the
limit or problem, the phrase on screen kept, nothing run."""

import io
import json
import struct
import zipfile

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from engine.music.phrase import Note, Phrase

SCORE = ('<?xml version="1.0"?><score-partwise><part-list><score-part id="P1"><part-name>P</part-name>'
         '</score-part></part-list><part id="P1"><measure number="1"><note><pitch><step>C</step>'
         '<octave>4</octave></pitch><duration>1</duration></note></measure></part></score-partwise>')


def _mxl(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


HOSTILE = [
    ("laughs.musicxml", ('<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                         + SCORE.replace("<part-name>P", "<part-name>&b;")).encode(), "declares XML entities"),
    ("slip.mxl", _mxl({"score.xml": SCORE, "../../evil.xml": SCORE}), "a file outside its own folder"),
    ("many.mxl", _mxl({"score.xml": SCORE, **{f"{i}.png": b"" for i in range(200)}}), "more than the 100"),
    ("tracks.mid", b"MThd" + struct.pack(">IHHH", 6, 1, 65535, 480), "65,535 tracks, more than the 1,024"),
    ("metre.segue", json.dumps({"format": "segue-document", "version": 1, "grid": {"steps_per_quarter": 4},
                                "tempo_bpm": 120, "time_signature": [3.5, 4], "notes": []}).encode(),
     "the time signature must be two whole numbers"),
    ("endless.abc", ("X:1\nK:C\n" + "C D E F |\n" * 1001).encode(), "more than 1,000 bars"),
]


def notes(window):
    return [(n.pitch, n.start, n.duration) for n in window.model.phrase().notes]


@pytest.mark.parametrize("name, content, words", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_open_and_drop_refuse_a_hostile_file_and_keep_the_phrase(window, tmp_path, monkeypatch, name,
                                                                  content, words):
    window.model.reset(Phrase((Note(60, 0, 4),)))
    window.undo_stack.setClean()
    shown = []
    monkeypatch.setattr("gui.document.files.QMessageBox.warning", lambda *a: shown.append(a[2]))
    path = tmp_path / name
    path.write_bytes(content)
    assert not window.files.open_path(path, confirmed=True)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.CopyAction, data, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(window, QDropEvent(QPointF(50, 50), Qt.CopyAction, data, Qt.LeftButton, Qt.NoModifier))
    assert len(shown) == 2 and all(m.startswith(f"{name}: ") and words in m for m in shown), shown
    assert notes(window) == [(60, 0, 4)]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "data") == [name]
