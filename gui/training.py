"""Teaching Segue your own music: train a model on a folder of MIDI files or scores.

Training runs in its own process (``main.py train --progress-json``), so it has its own cores
and memory, the window stays responsive, and stopping it (or a crash in it) cannot take the
window down. Every epoch is saved: once the first epoch is done the model is usable, and
training again under the same name resumes where it stopped; of the epochs, the best and the
last few are kept. Models go to the user's data folder and appear in the Continue panel's model
list; the dialog offers the new model, and the panel keeps the one chosen until the user takes it.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QObject, QProcess, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from engine.model.folders import META, MODELS_DIR, PROJECT_ROOT, user_models_dir
from engine.training import progress as events

from .counts import count, counted_suffix

# Network sizes offered in the dialog, as arguments of `main.py train`. The kind of model (controls,
# excerpts of 8-32 bars, velocity levels) is the train command's default: engine/training/config.py.
SIZES = {
    "Small: learns in minutes, for a few dozen pieces": [
        "--embedding-size", "128", "--hidden-size", "256", "--layers", "2", "--dropout", "0.2",
        "--batch-size", "32", "--window", "128"],
    "Large: for hundreds of pieces and hours of training": [
        "--embedding-size", "128", "--hidden-size", "512", "--layers", "2", "--dropout", "0.3",
        "--batch-size", "16", "--window", "128"],
}
# "Remember recent pitches" (engine/encoding/pitch_memory.py)
MEMORY = ["--pitch-memory"]
# epochs kept besides the best one (enough to resume and to go back a little; each can be megabytes)
KEEP_EPOCHS = 3


def folder_size(folder: Path) -> str:
    """How much disk a folder takes, in words such as '4.2 MB'."""
    total = sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())
    return f"{total / 2**20:.1f} MB" if total >= 2**20 else f"{total / 1024:.0f} KB"


def model_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a new model, or None if it can."""
    if not name.strip():
        return "Give the model a name."
    if not re.fullmatch(r"[\w][\w .-]{0,63}", name.strip()):
        return "Use letters, digits, spaces, dots and dashes only (up to 64 characters)."
    if (MODELS_DIR / name.strip() / META).is_file():
        return f"'{name.strip()}' is a model that comes with Segue; choose another name."
    return None


class TrainingJob(QObject):
    """One run of ``main.py train`` in a child process, its progress events (engine/training/progress.py,
    one JSON line each on its stdout) turned into signals."""

    progressed = Signal(float, str)          # share done (0-1), what is happening
    epoch_done = Signal(object)              # the epoch's events.EpochDone; the model is usable from now on
    finished_with = Signal(str)              # the model folder, training complete
    failed = Signal(str)
    stopped = Signal(str)                    # stopped by the user; the folder if an epoch was saved

    def __init__(self, data: list[str], name: str, minutes: int, size_args: list[str],
                 fresh: bool = False, parent=None):
        super().__init__(parent)
        self.name = name.strip()
        self.folder = user_models_dir() / self.name
        self.minutes = minutes
        self.args = ["-m", "main", "train", "--data", *data, "--out", str(self.folder),
                     "--name", self.name, "--max-minutes", str(minutes), "--epochs", "1000",
                     "--threads", str(max(1, (os.cpu_count() or 2) - 1)),
                     "--credit", "your own music", "--progress-json", "--keep-epochs", str(KEEP_EPOCHS),
                     *size_args]
        if fresh:
            self.args.append("--fresh")
        self.process = QProcess(self)
        self.process.setProgram(sys.executable)
        self.process.setArguments(self.args)
        self.process.setWorkingDirectory(str(PROJECT_ROOT))      # the checkout, or site-packages installed
        self.process.readyReadStandardOutput.connect(self._read_progress)
        self.process.finished.connect(self._finished)
        self.process.errorOccurred.connect(self._process_error)
        self._buffer = b""
        self._errors: list[str] = []
        self._failure = ""                   # why the child could not train, as its Failed event said
        self._epochs = 0
        self._stopping = False
        self._clock = QElapsedTimer()

    def start(self) -> None:
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        self._clock.start()
        self.process.start()

    def is_running(self) -> bool:
        return self.process.state() != QProcess.NotRunning

    def stop(self) -> None:
        """Stop training; what the finished epochs learned is kept, and training again resumes."""
        if self.is_running():
            self._stopping = True
            self.process.kill()

    def wait(self, ms: int = 5000) -> bool:
        return self.process.waitForFinished(ms)

    # -- the child's reports -----------------------------------------------------------------
    def _read_progress(self) -> None:
        self._buffer += bytes(self.process.readAllStandardOutput())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            try:
                event = events.from_json(line)
            except ValueError:
                continue                     # the final summary line is plain text
            self._report(event)

    def _report(self, event: events.Event) -> None:
        elapsed = self._clock.elapsed() / 60000
        by_time = min(1.0, elapsed / max(self.minutes, 1e-9))
        if isinstance(event, events.Reading):
            total = max(1, event.total)
            self.progressed.emit(0.0, f"Reading your music: {event.done} of {count(total, 'file')}")
        elif isinstance(event, events.Skipped):
            self._errors.append(f"Skipped {Path(event.path).name}: {event.message}")
        elif isinstance(event, events.DataReady):
            self.progressed.emit(0.0, f"Learning from {count(event.train_pieces, 'piece')} "
                                      f"({event.valid_pieces} kept aside to check on)")
        elif isinstance(event, events.Resumed):
            self._epochs = event.epoch
            self.progressed.emit(0.0, f"Resuming after epoch {event.epoch}")
        elif isinstance(event, events.Batch):
            self.progressed.emit(by_time, f"Epoch {event.epoch}: {event.batch} of {event.batches}"
                                          f" · loss {event.loss:.3f} · {event.tokens_per_s:,.0f} tokens/s")
        elif isinstance(event, events.EpochDone):
            self._epochs = event.epoch
            self.epoch_done.emit(event)
        elif isinstance(event, events.Stopped):
            self.progressed.emit(1.0, "Time is up: finishing")
        elif isinstance(event, events.Failed):
            self._failure = f"error: {event.message}"    # as the command line words it (segue: error: ...)

    def _finished(self, code: int, status) -> None:
        self._read_progress()
        usable = (self.folder / META).is_file()
        if self._stopping:
            self.stopped.emit(str(self.folder) if usable else "")
        elif code == 0 and status == QProcess.NormalExit and usable:
            self.finished_with.emit(str(self.folder))
        else:
            self.failed.emit(self._why())

    def _process_error(self, error) -> None:
        if error == QProcess.FailedToStart:
            self.failed.emit(f"Training could not start: {self.process.errorString()}")

    def _why(self) -> str:
        if self._failure:
            return self._failure
        lines = bytes(self.process.readAllStandardError()).decode(errors="replace").splitlines()
        if lines:                            # a crash: its traceback's last line
            return f"Training stopped with an error: {lines[-1]}"
        return f"Training stopped unexpectedly (exit code {self.process.exitCode()})."

    @property
    def epochs(self) -> int:
        """Epochs finished (and saved) so far, counting those of a run resumed."""
        return self._epochs

    @property
    def notes(self) -> list[str]:
        """Files that were skipped, for the log."""
        return list(self._errors)


class TrainDialog(QDialog):
    """Choose the music, a name, a size and a time; watch it learn; use the model if you like it."""

    modelReady = Signal(str)                 # a model folder to select in the Continue panel ("": list it)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Train a Model on Your Music")
        self.job: TrainingJob | None = None
        self.folder = QLineEdit(placeholderText="A folder of MIDI files or scores")
        browse = QPushButton("Choose Folder…")
        browse.clicked.connect(self._choose_folder)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.name = QLineEdit(placeholderText="e.g. my-waltzes")
        self.size = QComboBox()
        self.size.addItems(list(SIZES))
        self.memory = QCheckBox("Remember recent pitches")
        self.memory.setToolTip("The model also weighs each note by what was just played: repeated figures, "
                               "intervals from the bass and the melody.\nIt predicts music better, and "
                               "continues about 1.5 times more slowly.")
        self.minutes = QSpinBox(minimum=1, maximum=24 * 60, value=30)
        counted_suffix(self.minutes, "minute")
        form = QFormLayout()
        form.addRow("Music to learn from", row)
        form.addRow("Model name", self.name)
        form.addRow("Size", self.size)
        form.addRow("", self.memory)
        form.addRow("Train for at most", self.minutes)
        self.progress = QProgressBar(maximum=1000, textVisible=False)
        self.status = QLabel("Segue learns the style of the music in the folder: every epoch is "
                             "saved, so you can stop at any time and keep what it has learned.")
        self.status.setWordWrap(True)
        self.disk = QLabel("")               # how much room the model's folder takes
        self.log = QPlainTextEdit(readOnly=True)
        self.log.setMaximumBlockCount(500)
        self.buttons = QDialogButtonBox()
        self.start_button = self.buttons.addButton("Start Training", QDialogButtonBox.AcceptRole)
        self.stop_button = self.buttons.addButton("Stop", QDialogButtonBox.DestructiveRole)
        self.use_button = self.buttons.addButton("Use This Model", QDialogButtonBox.ApplyRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.Close)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.use_button.clicked.connect(self._use)
        self.close_button.clicked.connect(self.hide)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.disk)
        layout.addWidget(self.log, 1)
        layout.addWidget(self.buttons)
        self._ready_folder = ""
        self._set_running(False)
        self.resize(620, 460)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of music to learn from", self.folder.text())
        if folder:
            self.folder.setText(folder)
            if not self.name.text().strip():
                self.name.setText(re.sub(r"[^\w .-]", "", Path(folder).name)[:64] or "my-model")

    # -- running ---------------------------------------------------------------------------------
    def start(self) -> bool:
        data = self.folder.text().strip()
        problem = None
        if not data:
            problem = "Choose a folder of music to learn from."
        elif not Path(data).exists():
            problem = f"{data} does not exist."
        else:
            problem = model_name_problem(self.name.text())
        if problem:
            QMessageBox.warning(self, "Train a Model", problem)
            return False
        name = self.name.text().strip()
        fresh = False
        if (user_models_dir() / name).exists():
            answer = QMessageBox.question(
                self, "Train a Model",
                f"You already have a model named '{name}'.\n\nYes: go on training it where it stopped "
                f"(same music, size and memory).\nNo: start it over from scratch, replacing it.",
                QMessageBox.Yes | QMessageBox.No | QMessageBox.Cancel, QMessageBox.Yes)
            if answer == QMessageBox.Cancel:
                return False
            fresh = answer == QMessageBox.No
        network = SIZES[self.size.currentText()] + (MEMORY if self.memory.isChecked() else [])
        self.job = TrainingJob([data], name, self.minutes.value(), network, fresh, self)
        self.job.progressed.connect(self._progressed)
        self.job.epoch_done.connect(self._epoch_done)
        self.job.finished_with.connect(self._finished)
        self.job.failed.connect(self._failed)
        self.job.stopped.connect(self._stopped)
        self._ready_folder = ""
        self.log.clear()
        self.progress.setValue(0)
        self.status.setText("Starting…")
        self._set_running(True)
        self.job.start()
        return True

    def stop(self) -> None:
        if self.job is not None:
            self.job.stop()

    def is_training(self) -> bool:
        return self.job is not None and self.job.is_running()

    def shutdown(self) -> None:
        """The window is closing: stop the child process (training again resumes)."""
        if self.is_training():
            self.job.stop()
            self.job.wait(5000)

    def _set_running(self, running: bool) -> None:
        for w in (self.folder, self.name, self.size, self.memory, self.minutes, self.start_button):
            w.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.use_button.setEnabled(bool(self._ready_folder))

    def _progressed(self, share: float, text: str) -> None:
        self.progress.setValue(int(share * 1000))
        self.status.setText(text)

    def _epoch_done(self, event: events.EpochDone) -> None:
        mark = " (best so far)" if event.improved else ""
        self.log.appendPlainText(
            f"Epoch {event.epoch}: validation loss {event.valid_loss:.3f}, "
            f"guesses the next token right {100 * (event.valid_accuracy or 0):.1f}% of the time{mark}")
        self._ready_folder = str(self.job.folder)
        self.use_button.setEnabled(True)
        self._show_disk_use()
        self.modelReady.emit("")             # the model list may now show it

    def _show_disk_use(self) -> None:
        folder = self.job.folder if self.job else None
        if folder is not None and folder.is_dir():
            self.disk.setText(f"The model's folder takes {folder_size(folder)} (the best epoch and the last "
                              f"{KEEP_EPOCHS} are kept): {folder}")

    def _offer(self, folder: str, said: str) -> None:
        """Say the model is ready and offer it; the Continue panel keeps its model until it is taken."""
        self._ready_folder = folder
        self._set_running(False)
        self._show_disk_use()
        name = Path(folder).name
        self.status.setText(f"{said} '{name}' is in the Continue panel's model list: press Use This Model to "
                            f"continue with it.")
        self.use_button.setDefault(True)
        self.use_button.setFocus()
        self.modelReady.emit("")

    def _finished(self, folder: str) -> None:
        self._note_skipped()
        self.progress.setValue(1000)
        self._offer(folder, "Done:")

    def _failed(self, message: str) -> None:
        self._note_skipped()
        self.status.setText("Training did not finish.")
        self._set_running(False)
        QMessageBox.warning(self, "Train a Model", message)

    def _stopped(self, folder: str) -> None:
        if not folder:
            self._ready_folder = ""
            self._set_running(False)
            self.status.setText("Stopped. No epoch was finished, so there is no model yet.")
            return
        epochs = self.job.epochs if self.job else 0
        self._offer(folder, f"Stopped after {epochs} epoch{'s' * (epochs != 1)}; start again with the same "
                            f"name to go on training.")

    def _note_skipped(self) -> None:
        for line in self.job.notes if self.job else []:
            self.log.appendPlainText(line)

    def _use(self) -> None:
        if self._ready_folder:
            self.modelReady.emit(self._ready_folder)
            self.hide()
