"""The Continue panel: how much to write, how adventurous, how many takes, which model."""

from __future__ import annotations

import random
from dataclasses import fields
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

from engine.writing.options import ContinueOptions, FillOptions  # torch-free: the panel shows before torch loads

from ..counts import counted_suffix

CHOOSE_FROM_DISK = "Choose from disk…"
# The panel's settings, each built from its field of engine/writing/options.py (range, default, the
# choices in words, its help as the tooltip): (field, the label in the form; "" for a check box).
MAIN = (("bars", "Length"), ("temperature", "Temperature"), ("variations", "Variations"))
MORE = (("density", "Density"), ("texture", "Texture"), ("key", "Key"), ("register", ""), ("rhythm", ""),
        ("dynamics", ""), ("ending", ""), ("accompaniment", "Accompaniment"), ("steering", "Keep to the phrase"),
        ("candidates", "Drafts"), ("top_p", "Top-p"))
WIDGETS = {"ending": "held_ending", "candidates": "drafts"}     # a widget named otherwise than its field
SAVED_AS = {"candidates": "drafts"}                             # a document's key for it, as earlier documents
CONTINUE = {f.name: f for f in fields(ContinueOptions)}
FILL = {f.name: f for f in fields(FillOptions)}


def model_folders() -> list[Path]:
    from engine.model.folders import list_models  # torch-free: the window shows before torch loads
    return list_models()


def fill_steering(continue_steering: float) -> float:
    """Fill's "Keep to the phrase" for the panel's one control: as firm as Continue's, one step
    firmer (Fill's default, Closely, against Continue's Loosely: on the held-out pieces Fill at
    Closely came nearer the composer's density and rhythm and led better into the bars after,
    docs/benchmarks.md), and Off for both."""
    if continue_steering <= 0:
        return 0.0
    step = FILL["steering"].default - CONTINUE["steering"].default
    return min(FILL["steering"].metadata["high"], continue_steering + step)


class ContinuePanel(QWidget):
    continueRequested = Signal()
    cancelRequested = Signal()
    variationRequested = Signal(int)             # +1 / -1
    keepRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        for name, _ in MAIN:
            setattr(self, WIDGETS.get(name, name), setting_widget(CONTINUE[name]))
        counted_suffix(self.bars, "bar")
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
        for name, label in MAIN:
            form.addRow(label, self._widget(name))
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
        self.previous.setToolTip("The previous take (Alt+Left)")
        self.next.setToolTip("The next take (Alt+Right)")
        self.keep.setToolTip("Keep this take (Alt+Return)")
        for arrow in (self.previous, self.next):
            arrow.setFixedWidth(36)
        self.take_label.setMinimumWidth(self.take_label.fontMetrics().horizontalAdvance("Take 88 of 88") + 8)
        for w in (self.previous, self.take_label, self.next, self.keep):
            takes.addWidget(w)
        self.takes_row = QWidget()
        self.takes_row.setLayout(takes)
        self.takes_row.hide()
        layout.addWidget(self.takes_row)
        layout.addStretch(1)
        # wide enough for the takes row before it shows, so the piano roll beside the panel does
        # not narrow (and hide the new notes' end) when a Continue offers its takes
        margins = layout.contentsMargins()
        self.setMinimumWidth(max(self.minimumSizeHint().width(),
                                 self.takes_row.minimumSizeHint().width() + margins.left() + margins.right()))
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
        for name, _ in MORE:
            setattr(self, WIDGETS.get(name, name), setting_widget(CONTINUE[name]))
        self.steering.setToolTip(self.steering.toolTip() + "; Fill keeps one step firmer")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Back to following the phrase closely in everything, with the usual drafts "
                                     "and top-p")
        self.reset_button.clicked.connect(self.reset_more)
        for name, label in MORE:
            if label:
                form.addRow(label, self._widget(name))
            else:
                form.addRow(self._widget(name))                 # a check box says what it is
        form.addRow(self.reset_button)
        self.reset_more()
        self.more.hide()
        self.more_button.toggled.connect(self._show_more)
        layout.addWidget(self.more_button)
        layout.addWidget(self.more)

    def _show_more(self, shown: bool) -> None:
        self.more.setVisible(shown)
        self.more_button.setText("More ▾" if shown else "More ▸")

    def _widget(self, name: str) -> QWidget:
        return getattr(self, WIDGETS.get(name, name))

    def reset_more(self) -> None:
        """Back to following the phrase closely in everything, with the usual drafts and top-p."""
        for name, _ in MORE:
            show_value(self._widget(name), CONTINUE[name], window_default(CONTINUE[name]))

    def values(self, names) -> dict:
        """The settings ``names`` (fields of ContinueOptions) as the panel shows them."""
        return {name: value_of(self._widget(name), CONTINUE[name]) for name in names}

    def options(self, fill: bool = False):
        """The panel's settings as the engine's options (Continue's, or Fill's)."""
        shown = self.values(name for name, _ in MAIN + MORE)
        shown["seed"] = self.seed.value()
        if fill:
            least = FILL["candidates"].metadata["window"]["low"]            # Fill weighs at least this many
            shown["candidates"] = max(least, shown["candidates"])
            shown["steering"] = fill_steering(shown["steering"])
            return FillOptions(**{name: value for name, value in shown.items() if FILL[name].metadata["fill"]})
        return ContinueOptions(**shown)

    def settings(self) -> dict:
        """Everything the panel holds, for a document."""
        shown = self.values(name for name, _ in MAIN + MORE)
        return {**{SAVED_AS.get(name, name): value for name, value in shown.items()},
                "seed": self.seed.value(), "model": self.model_path()}

    def apply_settings(self, s: dict) -> None:
        """Show a document's settings; anything missing or not understood stays as it is."""
        for name, _ in MAIN + MORE:
            key = SAVED_AS.get(name, name)
            if key in s:
                show_value(self._widget(name), CONTINUE[name], s[key])
        if isinstance(s.get("seed"), int) and not isinstance(s.get("seed"), bool):
            self.seed.setValue(s["seed"])
        if isinstance(s.get("model"), str) and Path(s["model"]).is_dir():
            self.set_model(s["model"])

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


# -- a setting's widget, from its field ------------------------------------------------------------

def window_default(f):
    """The value the window starts from: the field's default, or the window's own (``window``)."""
    return f.metadata["window"].get("default", f.default)


def setting_widget(f) -> QWidget:
    """The widget for the field ``f`` of ContinueOptions: a check box (``box``: checked is its first
    choice), a list of choices in words (``shown``), else a spin box over the window's range, set to
    its default; its help is the tooltip."""
    meta, window = f.metadata, f.metadata["window"]
    if meta["box"]:
        widget: QWidget = QCheckBox(meta["box"])
    elif meta["shown"]:
        widget = QComboBox()
        for text, value in meta["shown"]:
            widget.addItem(text, value)
    elif isinstance(f.default, int):
        widget = QSpinBox(minimum=window.get("low", meta["low"]), maximum=window.get("high", meta["high"]))
    else:
        low = window.get("low", meta["low"] if meta["low"] is not None else meta["above"])
        widget = QDoubleSpinBox(minimum=low, maximum=window.get("high", meta["high"]), singleStep=0.05, decimals=2)
    if meta["help"]:
        widget.setToolTip(meta["help"][0].upper() + meta["help"][1:])
    show_value(widget, f, window_default(f))
    return widget


def value_of(widget: QWidget, f):
    """The value the widget for the field ``f`` shows."""
    if isinstance(widget, QCheckBox):
        first, other = f.metadata["choices"]
        return first if widget.isChecked() else other
    if isinstance(widget, QComboBox):
        return widget.currentData()
    return widget.value()


def show_value(widget: QWidget, f, value) -> bool:
    """Show ``value`` of the field ``f``; a value the widget cannot show (of another type, out of its
    range, not among its choices) leaves it as it is, and False says so."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(widget, QCheckBox):
        if value not in f.metadata["choices"]:
            return False
        widget.setChecked(value == f.metadata["choices"][0])
    elif isinstance(widget, QComboBox):
        if isinstance(f.default, float) and not number:
            return False                                # True would find 1.0, "2" nothing: neither is a level
        index = widget.findData(float(value) if number else value)
        if index < 0:
            return False
        widget.setCurrentIndex(index)
    elif isinstance(widget, QSpinBox):
        if not (number and isinstance(value, int) and widget.minimum() <= value <= widget.maximum()):
            return False
        widget.setValue(value)
    else:
        if not (number and widget.minimum() <= value <= widget.maximum()):
            return False
        widget.setValue(float(value))
    return True
