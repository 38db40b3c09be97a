"""The phrase as sheet music, as the original design showed its results.

The score is written as MusicXML (``engine.score_writer``). When MuseScore is installed, it
engraves the pages to PNG in a child process and they are shown in a window of their own; when
it is not, the score opens in whatever program the desktop uses for MusicXML, and if there is none
the user is told where the file is and what to install.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

ENGRAVERS = ("mscore", "mscore4portable", "MuseScore4", "mscore3", "musescore3", "musescore", "MuseScore3")


def find_engraver() -> str | None:
    """The MuseScore command on this machine, if any."""
    for name in ENGRAVERS:
        found = shutil.which(name)
        if found:
            return found
    return None


class Engraving(QObject):
    """MuseScore turning a MusicXML file into PNG pages, in a child process."""

    finished_with = Signal(list)          # page images, in order
    failed = Signal(str)

    def __init__(self, engraver: str, score: Path, parent=None):
        super().__init__(parent)
        self.score = score
        self.out = score.with_suffix(".png")
        self.process = QProcess(self)
        self.process.setProgram(engraver)
        self.process.setArguments(["-o", str(self.out), str(score)])
        self.process.finished.connect(self._finished)
        self.process.errorOccurred.connect(self._error)

    def start(self, limit_ms: int = 60_000) -> None:
        self.process.start()
        QTimer.singleShot(limit_ms, self._too_long)

    def _too_long(self) -> None:
        if self.process.state() != QProcess.NotRunning:
            self._timed_out = True
            self.process.kill()

    def _pages(self) -> list[Path]:
        pages = sorted(self.out.parent.glob(f"{self.out.stem}-*.png"),
                       key=lambda p: int(p.stem.rsplit("-", 1)[1]) if p.stem.rsplit("-", 1)[1].isdigit() else 0)
        return pages or ([self.out] if self.out.exists() else [])

    def _finished(self, code: int, status) -> None:
        if getattr(self, "_timed_out", False):
            self.failed.emit("MuseScore took more than a minute and was stopped.")
            return
        pages = self._pages()
        if code == 0 and status == QProcess.NormalExit and pages:
            self.finished_with.emit(pages)
        else:
            said = bytes(self.process.readAllStandardError()).decode(errors="replace").strip().splitlines()
            self.failed.emit("MuseScore could not engrave the score" + (f": {said[-1]}" if said else "."))

    def _error(self, error) -> None:
        if error == QProcess.FailedToStart:
            self.failed.emit(f"MuseScore could not be started ({self.process.errorString()}).")


class SheetMusicDialog(QDialog):
    """Engraved pages, one under the other, on white paper."""

    def __init__(self, pages: list[Path], title: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Sheet Music — {title}")
        column = QWidget()
        column.setStyleSheet("background: white;")
        layout = QVBoxLayout(column)
        self.pages = []
        for page in pages:
            label = QLabel()
            pixmap = QPixmap(str(page))
            label.setPixmap(pixmap.scaledToWidth(min(900, pixmap.width()), Qt.SmoothTransformation))
            layout.addWidget(label, 0, Qt.AlignHCenter)
            self.pages.append(label)
        scroll = QScrollArea()
        scroll.setWidget(column)
        scroll.setWidgetResizable(True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.resize(960, 760)


def show_sheet_music(window) -> bool:
    """Write the open phrase as a score and show it (engraved, or in the desktop's score program)."""
    from PySide6.QtWidgets import QMessageBox

    from engine.errors import MusicFileError
    from engine.score_writer import write_musicxml
    if not len(window.model):
        window.statusBar().showMessage("There are no notes to show yet.", 4000)
        return False
    named = window.path or getattr(window, "imported_from", None)    # the document, else the file opened
    title = named.stem if named else "Untitled"
    if getattr(window, "_score_folder", None) is None:      # one scratch folder per window
        window._score_folder = tempfile.TemporaryDirectory(prefix="segue-score-")
    folder = Path(window._score_folder.name)
    for old in folder.glob("*"):
        old.unlink(missing_ok=True)
    try:
        score = write_musicxml(window.model.phrase(), folder / f"{title}.musicxml", title=title)
    except MusicFileError as err:
        QMessageBox.warning(window, "Sheet music", str(err))
        return False
    engraver = find_engraver()
    if engraver is None:
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(score))):
            window.statusBar().showMessage(f"Opened the score in your notation program ({score.name}).", 6000)
            return True
        QMessageBox.information(window, "Sheet music",
                                f"The score is written to {score}. Install MuseScore (free, musescore.org) "
                                "to see it here, or open the file in your notation program.")
        return False
    window.statusBar().showMessage("Engraving the score with MuseScore…")
    job = Engraving(engraver, score, window)

    def done(pages):
        window.statusBar().showMessage(f"Sheet music: {len(pages)} page{'s' * (len(pages) > 1)}.", 4000)
        window.sheet_music = SheetMusicDialog(pages, title, window)
        window.sheet_music.show()

    def failed(message):
        window.statusBar().clearMessage()
        QMessageBox.warning(window, "Sheet music", f"{message} The score is in {score}.")

    job.finished_with.connect(done)
    job.failed.connect(failed)
    window.engraving = job
    job.start()
    return True
