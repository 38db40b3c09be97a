"""Drag MIDI out: the selection, or the whole phrase, dragged from the "MIDI" tile in the ruler's
corner into a DAW or a file manager as a .mid file.

Dragging notes inside the roll still moves them; only the tile starts an export drag (Alt-drag
copies notes in most DAWs, so it is not taken for this). The file is written by the engine's MIDI
writer, with the tempo map and key signatures, whole bars long, into a folder of Segue's own in
the system's temporary folder, which goes when Segue exits (and, after a crash, at the next drag).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QMimeData, QPoint, QRectF, Qt, QUrl
from PySide6.QtGui import QDrag, QFont, QPainter, QPen
from PySide6.QtWidgets import QApplication, QWidget

from engine.errors import MusicFileError
from engine.music.phrase import Phrase, trim

from .. import theme
from .autosave import process_alive

PREFIX = "segue-midi-drag-"
_folder: Path | None = None
_drags = 0


# -- the folder the dragged files live in --------------------------------------------------------

def drag_folder() -> Path:
    """Segue's own folder for dragged files: made on first use, removed at exit."""
    global _folder
    if _folder is None or not _folder.is_dir():
        _remove_stale()
        _folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        atexit.register(remove_drag_folder)
    return _folder


def remove_drag_folder() -> None:
    global _folder
    if _folder is not None:
        shutil.rmtree(_folder, ignore_errors=True)
        _folder = None


def _remove_stale() -> None:
    """The folders of Segue sessions that ended without cleaning up (their process is gone)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            pid = int(folder.name[len(PREFIX):].split("-")[0])
        except ValueError:
            continue
        if pid != os.getpid() and not process_alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def is_dragged_file(path) -> bool:
    """Whether ``path`` is a file this session wrote for a drag (dropped back on the window)."""
    return _folder is not None and Path(path).resolve().is_relative_to(_folder.resolve())


# -- what is dragged --------------------------------------------------------------------------------

def dragged_phrase(model) -> tuple[Phrase, tuple[int, int] | None] | None:
    """The selection (else the whole phrase) cut to whole bars, from the first bar's start; with the
    bars it spans (counted from 1) for a selection, None for the whole phrase. None with no notes."""
    selection = model.selection
    phrase = model.phrase(selection or None)
    if not phrase.notes:
        return None
    bar = phrase.steps_per_bar
    first = min(n.start for n in phrase.notes) // bar if selection else 0
    last = -(-max(n.end for n in phrase.notes) // bar)
    return trim(phrase, first * bar, last * bar), ((first + 1, last) if selection else None)


def file_name(stem: str, bars: tuple[int, int] | None) -> str:
    """'My phrase.mid', 'My phrase - bar 3.mid', 'My phrase - bars 3-4.mid'."""
    if bars is None:
        return f"{stem}.mid"
    first, last = bars
    return f"{stem} - bar {first}.mid" if first == last else f"{stem} - bars {first}-{last}.mid"


def write_drag_file(model, stem: str) -> Path | None:
    """Write what a drag of ``model``'s notes carries as a MIDI file named after ``stem`` (the
    document's name) in Segue's drag folder; None when there are no notes. Each drag gets its own
    sub-folder, so a file a DAW already took is never rewritten."""
    from engine.files.midi import write_midi  # mido: loaded at the first drag, not before the window shows
    global _drags
    dragged = dragged_phrase(model)
    if dragged is None:
        return None
    phrase, bars = dragged
    _drags += 1
    target = drag_folder() / str(_drags)
    target.mkdir(exist_ok=True)
    return write_midi(phrase, target / file_name(stem, bars))


def drag_mime_data(model, stem: str) -> QMimeData | None:
    """The drag's data: the MIDI file's URL (text/uri-list), which DAWs and file managers take."""
    path = write_drag_file(model, stem)
    if path is None:
        return None
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    return mime


# -- the tile ---------------------------------------------------------------------------------------

class MidiDragTile(QWidget):
    """A small 'MIDI' tile: press and drag it out of the window to take the notes along as a file.
    Given the phrase ``model``, the ``document`` (DocumentController: the file is named after it)
    and ``show_message(text, ms)`` for what cannot be dragged."""

    def __init__(self, model, document, show_message: Callable[..., None], parent=None):
        super().__init__(parent)
        self.model, self.document, self.show_message = model, document, show_message
        self._pressed: QPoint | None = None
        self.setCursor(Qt.OpenHandCursor)
        self.setToolTip("Drag into your DAW or a folder: the selected notes (or the whole phrase) as a "
                        "MIDI file, in whole bars")

    def mousePressEvent(self, event):
        if event.button() == Qt.LeftButton:
            self._pressed = event.position().toPoint()

    def mouseMoveEvent(self, event):
        if self._pressed is None:
            return
        if (event.position().toPoint() - self._pressed).manhattanLength() >= QApplication.startDragDistance():
            self._pressed = None
            self.start_drag()

    def mouseReleaseEvent(self, event):
        self._pressed = None

    def start_drag(self) -> None:
        try:
            mime = drag_mime_data(self.model, self.document.stem("Untitled"))
        except MusicFileError as err:
            self.show_message(str(err), 8000)
            return
        if mime is None:
            self.show_message("There are no notes to drag out yet.", 4000)
            return
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(self.grab())
        drag.setHotSpot(QPoint(self.width() // 2, self.height() // 2))
        drag.exec(Qt.CopyAction)

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.fillRect(self.rect(), theme.RULER_BG)
        tile = QRectF(self.rect()).adjusted(5, 4, -5, -4)
        painter.setPen(QPen(theme.BAND_EDGE, 1))
        painter.setBrush(theme.ROW_WHITE)
        painter.drawRoundedRect(tile, 3, 3)
        for row in range(3):                              # a grip: this is something to pick up
            for column in range(2):
                painter.fillRect(QRectF(tile.left() + 4 + column * 3, tile.top() + 4 + row * 3, 1.5, 1.5),
                                 theme.BAND_EDGE)
        font = QFont(self.font())
        font.setPixelSize(10)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(theme.RULER_TEXT)
        painter.drawText(tile.adjusted(8, 0, 0, 0), Qt.AlignCenter, "MIDI")
        painter.end()
