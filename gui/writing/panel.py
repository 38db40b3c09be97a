"""The Continue panel: how much to write, how adventurous, how many takes, which model."""

from __future__ import annotations

import random
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..counts import counted_suffix

CHOOSE_FROM_DISK = "Choose from disk…"
DENSITIES = (("Much sparser", 0.5), ("Sparser", 0.75), ("As the phrase", 1.0), ("Denser", 1.5),
             ("Much denser", 2.0))
TEXTURES = (("As the phrase", "follow"), ("Single notes", "single notes"), ("Chords", "chords"),
            ("Free", "free"))
KEY_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
KEYS = ((("Follow the phrase", "follow"), ("Stay in the phrase's key", "stay"))
        + tuple((f"{k} {m}", f"{k} {m}") for m in ("major", "minor") for k in KEY_NAMES) + (("Free", "free"),))
# how firmly each take is kept to the phrase as it is written: ContinueOptions.steering
STEERINGS = (("Off", 0.0), ("Loosely", 1.0), ("Closely", 2.0), ("Strictly", 3.0))


DEFAULT_DRAFTS = 4
DEFAULT_TOP_P = 0.95
DEFAULT_STEERING = 2.0                           # ContinueOptions' own (the panel loads before torch)


def model_folders() -> list[Path]:
    from engine.model.folders import list_models  # torch-free: the window shows before torch loads
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
        self.bars = QSpinBox(minimum=1, maximum=64, value=4)
        counted_suffix(self.bars, "bar")
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
        dice.clicked.connect(lambda: self.new_seed())
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(dice)
        form.addRow("Length", self.bars)
        form.addRow("Temperature", self.temperature)
        form.addRow("Variations", self.variations)
        form.addRow("Model", self.model_box)
        form.addRow("Random seed", seed_row)
        layout.addLayout(form)
        self._build_more(layout)

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

    def _build_more(self, layout) -> None:
        """How the new music follows the phrase, folded away under "More"."""
        self.more_button = QToolButton(text="More ▸", checkable=True)
        self.more_button.setToolButtonStyle(Qt.ToolButtonTextOnly)
        self.more_button.setAutoRaise(True)
        self.more = QWidget()
        form = QFormLayout(self.more)
        form.setContentsMargins(0, 0, 0, 0)
        self.density = QComboBox()
        for text, value in DENSITIES:
            self.density.addItem(text, value)
        self.density.setToolTip("How many notes per beat, against the phrase's")
        self.texture = QComboBox()
        for text, value in TEXTURES:
            self.texture.addItem(text, value)
        self.texture.setToolTip("Chords or single notes")
        self.key = QComboBox()
        for text, value in KEYS:
            self.key.addItem(text, value)
        self.key.setToolTip("Follow the phrase's pitch classes; or write only the notes of its key, or of a "
                            "key you choose")
        self.register = QCheckBox("Keep the phrase's register")
        self.rhythm = QCheckBox("Follow the phrase's rhythm")
        self.dynamics = QCheckBox("Follow the phrase's dynamics")
        self.held_ending = QCheckBox("End on a held chord")
        self.held_ending.setToolTip("The last chord rings to the bar line, instead of the take being cut there")
        self.steering = QComboBox()
        for text, value in STEERINGS:
            self.steering.addItem(text, value)
        self.steering.setToolTip("As Continue or Fill writes, each take is nudged back towards the phrase's notes, "
                                 "rhythm, pace of onsets and where in the bar they fall, chords and register, and each "
                                 "bar back to its low, middle and high notes (both hands). Off leaves the model to "
                                 "wander; Strictly keeps it closest")
        self.drafts = QSpinBox(minimum=1, maximum=64, value=DEFAULT_DRAFTS)
        self.drafts.setToolTip("Continue writes this many drafts and keeps the ones that follow the phrase and "
                               "these settings best; Fill weighs this many (at least 8) by how well they lead "
                               "into the music after them")
        self.top_p = QDoubleSpinBox(minimum=0.05, maximum=1.0, singleStep=0.05, value=DEFAULT_TOP_P, decimals=2)
        self.top_p.setToolTip("Top-p: each note is drawn only from the likeliest choices that make up this share "
                              "of the model's belief. Lower is safer; 1.00 leaves every choice open")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Back to following the phrase closely in everything, with the usual drafts "
                                     "and top-p")
        self.reset_button.clicked.connect(self.reset_more)
        form.addRow("Density", self.density)
        form.addRow("Texture", self.texture)
        form.addRow("Key", self.key)
        form.addRow(self.register)
        form.addRow(self.rhythm)
        form.addRow(self.dynamics)
        form.addRow(self.held_ending)
        form.addRow("Keep to the phrase", self.steering)
        form.addRow("Drafts", self.drafts)
        form.addRow("Top-p", self.top_p)
        form.addRow(self.reset_button)
        self.reset_more()
        self.more.hide()
        self.more_button.toggled.connect(self._show_more)
        layout.addWidget(self.more_button)
        layout.addWidget(self.more)

    def _show_more(self, shown: bool) -> None:
        self.more.setVisible(shown)
        self.more_button.setText("More ▾" if shown else "More ▸")

    def reset_more(self) -> None:
        """Back to following the phrase closely in everything, with the usual drafts and top-p."""
        self.density.setCurrentIndex(2)
        self.texture.setCurrentIndex(0)
        self.key.setCurrentIndex(0)
        for box in (self.register, self.rhythm, self.dynamics):
            box.setChecked(True)
        self.held_ending.setChecked(False)
        self.steering.setCurrentIndex(self.steering.findData(DEFAULT_STEERING))
        self.drafts.setValue(DEFAULT_DRAFTS)
        self.top_p.setValue(DEFAULT_TOP_P)

    def following(self) -> dict:
        """How the new music follows the phrase, as ``ContinueOptions`` fields."""
        follow = lambda box: "follow" if box.isChecked() else "free"
        return {"density": self.density.currentData(), "texture": self.texture.currentData(),
                "key": self.key.currentData(), "register": follow(self.register), "rhythm": follow(self.rhythm),
                "dynamics": follow(self.dynamics)}

    def options(self, fill: bool = False):
        """The panel's settings as the engine's options (Continue's, or Fill's)."""
        from engine.writing.continuation import ContinueOptions
        from engine.writing.fill import FillOptions
        common = dict(temperature=self.temperature.value(), top_p=self.top_p.value(),
                      variations=self.variations.value(), seed=self.seed.value(),
                      steering=self.steering.currentData(), **self.following())
        if fill:
            return FillOptions(candidates=max(8, self.drafts.value()), **common)
        return ContinueOptions(bars=self.bars.value(), candidates=self.drafts.value(),
                               ending="held" if self.held_ending.isChecked() else "bar line", **common)

    def settings(self) -> dict:
        """Everything the panel holds, for a document."""
        return {"bars": self.bars.value(), "temperature": self.temperature.value(),
                "variations": self.variations.value(), "seed": self.seed.value(), "model": self.model_path(),
                "drafts": self.drafts.value(), "ending": "held" if self.held_ending.isChecked() else "bar line",
                "top_p": self.top_p.value(), "steering": self.steering.currentData(),
                **self.following()}

    def apply_settings(self, s: dict) -> None:
        """Show a document's settings; anything missing or not understood stays as it is."""
        for key, box in (("bars", self.bars), ("variations", self.variations), ("seed", self.seed),
                         ("drafts", self.drafts)):
            if isinstance(s.get(key), int) and not isinstance(s.get(key), bool):
                box.setValue(s[key])
        if isinstance(s.get("temperature"), (int, float)):
            self.temperature.setValue(float(s["temperature"]))
        top_p = s.get("top_p")
        if isinstance(top_p, (int, float)) and not isinstance(top_p, bool) and 0.05 <= top_p <= 1.0:
            self.top_p.setValue(float(top_p))
        steering = s.get("steering")
        if isinstance(steering, (int, float)) and not isinstance(steering, bool):
            index = self.steering.findData(float(steering))
            if index >= 0:
                self.steering.setCurrentIndex(index)
        if isinstance(s.get("model"), str) and Path(s["model"]).is_dir():
            self.set_model(s["model"])
        for key, box in (("density", self.density), ("texture", self.texture), ("key", self.key)):
            index = box.findData(s.get(key)) if s.get(key) is not None else -1
            if index >= 0:
                box.setCurrentIndex(index)
        for key, box in (("register", self.register), ("rhythm", self.rhythm), ("dynamics", self.dynamics)):
            if s.get(key) in ("follow", "free"):
                box.setChecked(s[key] == "follow")
        if s.get("ending") in ("held", "bar line"):
            self.held_ending.setChecked(s["ending"] == "held")

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
    def new_seed(self) -> int:
        """Draw a new random seed, show it and return it."""
        self.seed.setValue(random.randrange(1_000_000))
        return self.seed.value()

    def set_status(self, text: str) -> None:
        """What Continue is doing, did, or needs (the line under the button)."""
        self.status.setText(text)

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
