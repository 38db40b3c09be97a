"""The phrase as sheet music, as the original design showed its results: shown (View > Show as
Sheet Music) or exported (File > Export Sheet Music).

The score is written as MusicXML (``engine.files.score_writer``) on a worker thread, with a
progress dialog that can cancel it (a long piece takes seconds; the window keeps drawing). When
MuseScore is installed, it engraves the pages to PNG in a child process and they are shown in a
window of their own; when it is not, the score opens in whatever program the desktop uses for
MusicXML, and if there is none the user is told where the file is and what to install.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, Qt, QThread, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QLabel,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..workers import internal_error, keep_until_finished, progress_dialog
from .files import remember_folder, start_folder

SCORE_FILTER = "MusicXML scores (*.musicxml)"


class ScoreJob(QThread):
    """Write ``phrase`` as a MusicXML score at ``path`` titled ``title``; emits ``progressed``
    (0-1), then ``finished_with`` (the path), ``failed`` (a message) or ``cancelled``."""

    progressed = Signal(float)
    finished_with = Signal(str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, phrase, path: Path, title: str, parent=None):
        super().__init__(parent)
        self.phrase, self.path, self.title = phrase, path, title
        self._stop = threading.Event()

    def cancel(self) -> None:
        self._stop.set()

    def run(self):
        from engine.errors import Cancelled, MusicFileError
        from engine.files.score_writer import write_musicxml
        try:
            out = write_musicxml(self.phrase, self.path, title=self.title, progress=self.progressed.emit,
                                 cancel=self._stop.is_set)
        except Cancelled:
            self.cancelled.emit()
        except MusicFileError as err:
            self.failed.emit(str(err))
        except Exception as err:      # a bug must reach the user as a message, not kill the app
            self.failed.emit(internal_error(err, "writing the sheet music"))
        else:
            self.finished_with.emit(str(out))

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
    """Show as Sheet Music and Export Sheet Music for one window. ``model``: the phrase shown;
    ``document``: the DocumentController whose name titles the score; ``show_message(text, ms)``:
    the status bar; ``parent``: the window, parent of the dialogs and the messages. It keeps one
    scratch folder for the score shown, the score being written (``job``), the engraving running
    (``engraving``) and the pages shown (``dialog``)."""

    def __init__(self, model, document, show_message: Callable[[str, int], None], parent=None):
        super().__init__(parent)
        self.model, self.document, self.show_message = model, document, show_message
        self.job: ScoreJob | None = None
        self.engraving: Engraving | None = None
        self.dialog: SheetMusicDialog | None = None
        self._folder: tempfile.TemporaryDirectory | None = None

    def show(self) -> bool:
        """Write the open phrase as a score and show it (engraved, or in the desktop's score program);
        False if there is nothing to show or a score is being written already."""
        if not len(self.model):
            self.show_message("There are no notes to show yet.", 4000)
            return False
        title = self.document.stem("Untitled")
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="segue-score-")
        folder = Path(self._folder.name)
        if self.job is None:
            for old in folder.glob("*"):
                old.unlink(missing_ok=True)
        return self._write(folder / f"{title}.musicxml", title, "Sheet music", self._present) is not None

    def export(self, path=None) -> ScoreJob | None:
        """File > Export Sheet Music: ask where (unless ``path`` is given) and start writing; returns
        the running job, or None."""
        window = self.parent()
        if not len(self.model):
            self.show_message("There are no notes to export yet.", 4000)
            return None
        stem = self.document.stem("segue")
        if path is None:
            offered = str(start_folder() / f"{stem}.musicxml")
            path, _ = QFileDialog.getSaveFileName(window, "Export Sheet Music", offered, SCORE_FILTER)
            if not path:
                return None
        path = Path(path)
        if path.suffix.lower() not in (".musicxml", ".xml"):
            path = path.with_suffix(".musicxml")

        def exported(written: Path) -> None:
            remember_folder(written)
            self.show_message(f"Exported {written.name}", 5000)
        # titled with the document's name, or else the name the file is given
        return self._write(path, self.document.stem(path.stem), "Cannot export", exported)

    def _write(self, path: Path, title: str, caption: str, then: Callable[[Path], None]) -> ScoreJob | None:
        """Start writing the score on a thread, behind a progress dialog with Cancel; ``then(path)``
        once it is written, a warning titled ``caption`` if it cannot be."""
        window = self.parent()
        if self.job is not None:
            self.show_message("The sheet music is still being written.", 4000)
            return None
        job = keep_until_finished(ScoreJob(self.model.phrase(), path, title))
        dialog = progress_dialog(window, f"Writing the sheet music of {title}…", "Sheet Music", job)

        def closed() -> None:
            dialog.reset()                  # stops its timer: it would show itself after the job ended
            dialog.close()

        def finished(written: str) -> None:
            closed()
            then(Path(written))

        def failed(message: str) -> None:
            closed()
            QMessageBox.warning(window, caption, message)

        def cancelled() -> None:
            closed()
            self.show_message("Sheet music cancelled.", 4000)

        def done() -> None:
            if self.job is job:
                self.job = None
            dialog.deleteLater()
            job.deleteLater()
        job.finished_with.connect(finished)
        job.failed.connect(failed)
        job.cancelled.connect(cancelled)
        job.finished.connect(done)
        self.job = job
        job.start()
        return job

    def _present(self, score: Path) -> None:
        """Engrave the written score and show its pages, or open it in the desktop's score program."""
        window = self.parent()
        engraver = find_engraver()
        if engraver is None:
            if QDesktopServices.openUrl(QUrl.fromLocalFile(str(score))):
                self.show_message(f"Opened the score in your notation program ({score.name}).", 6000)
                return
            QMessageBox.information(window, "Sheet music",
                                    f"The score is written to {score}. Install MuseScore (free, musescore.org) "
                                    "to see it here, or open the file in your notation program.")
            return
        self.show_message("Engraving the score with MuseScore…", 0)
        job = Engraving(engraver, score, window)

        def done(pages):
            self.show_message(f"Sheet music: {len(pages)} page{'s' * (len(pages) > 1)}.", 4000)
            self.dialog = SheetMusicDialog(pages, score.stem, window)
            self.dialog.show()

        def failed(message):
            self.show_message("", 0)
            QMessageBox.warning(window, "Sheet music", f"{message} The score is in {score}.")

        job.finished_with.connect(done)
        job.failed.connect(failed)
        self.engraving = job
        job.start()

    def shutdown(self, wait_ms: int = 3000) -> None:
        """Cancel the score being written, if any (no file is left), and wait for it."""
        if self.job is not None:
            self.job.cancel()
            self.job.wait(wait_ms)
