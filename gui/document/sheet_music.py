"""The phrase as sheet music, as the original design showed its results.

The score is written as MusicXML (``engine.files.score_writer``). When MuseScore is installed, it
engraves the pages to PNG in a child process and they are shown in a window of their own; when
it is not, the score opens in whatever program the desktop uses for MusicXML, and if there is none
the user is told where the file is and what to install.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
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


class SheetMusic(QObject):
    """Show as Sheet Music for one window. ``model``: the phrase shown; ``document``: the
    DocumentController whose name titles the score; ``show_message(text, ms)``: the status bar;
    ``parent``: the window, parent of the pages' dialog and the messages. It keeps one scratch
    folder for the score, the engraving running (``engraving``) and the pages shown (``dialog``)."""

    def __init__(self, model, document, show_message: Callable[[str, int], None], parent=None):
        super().__init__(parent)
        self.model, self.document, self.show_message = model, document, show_message
        self.engraving: Engraving | None = None
        self.dialog: SheetMusicDialog | None = None
        self._folder: tempfile.TemporaryDirectory | None = None

    def show(self) -> bool:
        """Write the open phrase as a score and show it (engraved, or in the desktop's score program)."""
        from PySide6.QtWidgets import QMessageBox

        from engine.errors import MusicFileError
        from engine.files.score_writer import write_musicxml
        window = self.parent()
        if not len(self.model):
            self.show_message("There are no notes to show yet.", 4000)
            return False
        title = self.document.stem("Untitled")
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="segue-score-")
        folder = Path(self._folder.name)
        for old in folder.glob("*"):
            old.unlink(missing_ok=True)
        try:
            score = write_musicxml(self.model.phrase(), folder / f"{title}.musicxml", title=title)
        except MusicFileError as err:
            QMessageBox.warning(window, "Sheet music", str(err))
            return False
        engraver = find_engraver()
        if engraver is None:
            if QDesktopServices.openUrl(QUrl.fromLocalFile(str(score))):
                self.show_message(f"Opened the score in your notation program ({score.name}).", 6000)
                return True
            QMessageBox.information(window, "Sheet music",
                                    f"The score is written to {score}. Install MuseScore (free, musescore.org) "
                                    "to see it here, or open the file in your notation program.")
            return False
        self.show_message("Engraving the score with MuseScore…", 0)
        job = Engraving(engraver, score, window)

        def done(pages):
            self.show_message(f"Sheet music: {len(pages)} page{'s' * (len(pages) > 1)}.", 4000)
            self.dialog = SheetMusicDialog(pages, title, window)
            self.dialog.show()

        def failed(message):
            self.show_message("", 0)
            QMessageBox.warning(window, "Sheet music", f"{message} The score is in {score}.")

        job.finished_with.connect(done)
        job.failed.connect(failed)
        self.engraving = job
        job.start()
        return True
