"""File > Export Audio: the phrase, or the selected notes, played on the built-in piano into a WAV
or FLAC file, on a worker thread with a progress dialog that can cancel it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..document.files import remember_folder, start_folder
from ..workers import AudioExportJob, progress_dialog

AUDIO_FILTER = "WAV audio (*.wav);;FLAC audio (*.flac)"


class AudioExport(QObject):
    """File > Export Audio for one window. ``model``: the phrase (or its selection) exported;
    ``document``: the DocumentController whose name the file is offered under; ``show_message(text,
    ms)``: the status bar; ``parent``: the window, parent of the dialogs. It holds the export
    running (``job``), kept alive while it runs; ``shutdown()`` cancels it."""

    def __init__(self, model, document, show_message: Callable[[str, int], None], parent=None):
        super().__init__(parent)
        self.model, self.document, self.show_message = model, document, show_message
        self.job: AudioExportJob | None = None

    def export(self, path=None) -> AudioExportJob | None:
        """Ask where (unless ``path`` is given) and start writing; returns the running job, or None."""
        window, model = self.parent(), self.model
        chosen = model.selection or model.ids()
        if not chosen:
            self.show_message("There are no notes to export yet.", 4000)
            return None
        if path is None:
            stem = self.document.stem("segue")
            path, picked = QFileDialog.getSaveFileName(window, "Export Audio", str(start_folder() / f"{stem}.wav"),
                                                       AUDIO_FILTER)
            if not path:
                return None
            if Path(path).suffix.lower() not in (".wav", ".flac"):
                path = str(Path(path).with_suffix(".flac" if "flac" in picked.lower() else ".wav"))
        phrase = model.phrase(chosen)
        what = "the selection" if model.selection else "the phrase"
        start = min(n.start for n in phrase.notes) if model.selection else 0   # a selection starts at once
        job = AudioExportJob(phrase, Path(path), start, parent=window)
        dialog = progress_dialog(window, f"Rendering {Path(path).name} with the piano…", "Export Audio", job)
        job.warning.connect(lambda message: self.show_message(message, 8000))

        def finished(written: str):
            dialog.close()
            remember_folder(Path(written))
            self.show_message(f"Exported {what} as {Path(written).name}", 5000)

        def failed(message: str):
            dialog.close()
            QMessageBox.warning(window, "Cannot export audio", message)

        def cancelled():
            dialog.close()
            self.show_message("Audio export cancelled.", 4000)

        job.finished_with.connect(finished)
        job.failed.connect(failed)
        job.cancelled.connect(cancelled)
        self.job = job

        def done():
            if self.job is job:
                self.job = None
            job.deleteLater()
        job.finished.connect(done)
        job.start()
        return job

    def shutdown(self, wait_ms: int = 3000) -> None:
        """Cancel the export running, if any (its half-written file is removed), and wait for it."""
        if self.job is not None:
            self.job.cancel()
            self.job.wait(wait_ms)
