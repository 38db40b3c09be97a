"""The Continue panel: how much to write, how adventurous, how many takes, which model."""

from __future__ import annotations

import random
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget)

CHOOSE_FROM_DISK = "Choose from disk…"


def model_folders() -> list[Path]:
    from engine.model_folders import list_models   # torch-free: the window shows before torch loads
    return list_models()


class ContinuePanel(QWidget):
    continueRequested = Signal()
    cancelRequested = Signal()
    variationRequested = Signal(int)             # +1 / -1
    keepRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.bars = QSpinBox(minimum=1, maximum=64, value=4, suffix=" bars")
        self.temperature = QDoubleSpinBox(minimum=0.1, maximum=2.0, singleStep=0.05, value=1.0, decimals=2)
        self.temperature.setToolTip("Lower is safer and more repetitive; higher is more adventurous.")
        self.variations = QSpinBox(minimum=1, maximum=8, value=1)
        self.variations.setToolTip("Several takes at once; step through them with Alt+Left/Right.")
        self.model_box = QComboBox()
        self.seed = QSpinBox(minimum=0, maximum=999_999, value=random.randrange(1_000_000))
        self.seed.setToolTip("The same number gives the same music.")
        dice = QPushButton("New")
        dice.setToolTip("A new random seed")
        dice.setFixedWidth(48)
        dice.clicked.connect(self.new_seed)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(dice)
        form.addRow("Length", self.bars)
        form.addRow("Temperature", self.temperature)
        form.addRow("Variations", self.variations)
        form.addRow("Model", self.model_box)
        form.addRow("Random seed", seed_row)
        layout.addLayout(form)

        self.button = QPushButton("Continue")
        self.button.setObjectName("continueButton")
        self.button.setToolTip("Write what comes next (Ctrl+Return)")
        self.button.clicked.connect(self.continueRequested)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.cancel_button.hide()
        self.progress = QProgressBar(maximum=1000, textVisible=False)
        self.progress.setFixedHeight(6)
        self.progress.hide()
        self.status = QLabel("Draw or open a phrase, then press Continue.")
        self.status.setObjectName("hint")
        self.status.setWordWrap(True)
        layout.addWidget(self.button)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)

        takes = QHBoxLayout()
        self.previous = QPushButton("◀")
        self.next = QPushButton("▶")
        self.take_label = QLabel("")
        self.take_label.setAlignment(Qt.AlignCenter)
        self.keep = QPushButton("Keep")
        self.previous.clicked.connect(lambda: self.variationRequested.emit(-1))
        self.next.clicked.connect(lambda: self.variationRequested.emit(+1))
        self.keep.clicked.connect(self.keepRequested)
        for w in (self.previous, self.take_label, self.next, self.keep):
            takes.addWidget(w)
        self.takes_row = QWidget()
        self.takes_row.setLayout(takes)
        self.takes_row.hide()
        layout.addWidget(self.takes_row)
        layout.addStretch(1)
        self._custom_models: list[str] = []
        self.refresh_models()
        self.model_box.activated.connect(self._model_chosen)

    # -- models -----------------------------------------------------------------------------
    def refresh_models(self, select: str | None = None) -> None:
        current = select or self.model_path()
        self.model_box.blockSignals(True)
        self.model_box.clear()
        for folder in model_folders():
            self.model_box.addItem(folder.name, str(folder))
        for path in self._custom_models:
            self.model_box.addItem(Path(path).name + " (from disk)", path)
        self.model_box.addItem(CHOOSE_FROM_DISK, None)
        index = self.model_box.findData(current) if current else -1
        if index < 0:
            index = max(0, self.model_box.findText("default"))
        self.model_box.setCurrentIndex(index)
        self.model_box.blockSignals(False)

    def model_path(self) -> str | None:
        return self.model_box.currentData() if self.model_box.count() else None

    def _model_chosen(self, index: int) -> None:
        if self.model_box.itemData(index) is not None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Choose a Segue model folder")
        if folder:
            self._custom_models.append(folder)
            self.refresh_models(select=folder)
        else:
            self.refresh_models()

    def set_model(self, path: str) -> None:
        if self.model_box.findData(path) < 0:
            self._custom_models.append(path)
        self.refresh_models(select=path)

    # -- state ------------------------------------------------------------------------------
    def new_seed(self) -> None:
        self.seed.setValue(random.randrange(1_000_000))

    def set_busy(self, busy: bool) -> None:
        self.button.setVisible(not busy)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        self.progress.setValue(0)

    def set_progress(self, fraction: float) -> None:
        self.progress.setValue(int(1000 * max(0.0, min(1.0, fraction))))

    def show_takes(self, index: int | None, count: int = 0) -> None:
        self.takes_row.setVisible(index is not None and count > 1)
        if index is not None:
            self.take_label.setText(f"Take {index + 1} of {count}")
