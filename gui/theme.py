"""Segue's colours and style sheet: a calm dark theme with warm notes and cool generated ones."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

ROW_WHITE = QColor("#2b2f36")
ROW_BLACK = QColor("#23262c")
OCTAVE_LINE = QColor("#3c424c")
BAR_LINE = QColor("#5b6473")
BEAT_LINE = QColor("#3d434d")
STEP_LINE = QColor("#30353d")
NOTE_EDGE = QColor("#14161a")
NOTE_EDGE_SELECTED = QColor("#ffffff")
PLAYHEAD = QColor("#ff5c5c")
LOOP_FILL = QColor(90, 160, 255, 40)
BAND_FILL = QColor(120, 170, 255, 40)
BAND_EDGE = QColor("#8fb8ff")
KEY_WHITE = QColor("#e9e9e4")
KEY_BLACK = QColor("#25272b")
KEY_LABEL = QColor("#5a5a5a")
RULER_BG = QColor("#1d2025")
RULER_TEXT = QColor("#c9ced6")
HINT_TEXT = QColor("#8b93a1")
LOCK_EDGE = QColor("#ffe066")                          # a locked note: a gold frame and a padlock
FILL_SPAN = QColor(120, 220, 140, 36)                  # the bars Fill rewrites

_WRITTEN = (QColor("#f0a04b"), QColor("#ffd59a"))     # your notes: amber, soft to loud
_GENERATED = (QColor("#3fa7d6"), QColor("#9be3ff"))   # the model's notes: blue


def note_fill(velocity: int, generated: bool, selected: bool) -> QColor:
    """A note's colour: hue says who wrote it, brightness says how loud it is."""
    soft, loud = _GENERATED if generated else _WRITTEN
    quiet = soft.darker(170)
    t = max(0.0, min(1.0, (velocity - 20) / 107))
    color = QColor.fromRgbF(quiet.redF() + (loud.redF() - quiet.redF()) * t,
                            quiet.greenF() + (loud.greenF() - quiet.greenF()) * t,
                            quiet.blueF() + (loud.blueF() - quiet.blueF()) * t)
    return color.lighter(125) if selected else color


STYLE = """
QMainWindow, QWidget { background: #1b1e23; color: #d8dde5; }
QToolBar { background: #20242a; border: none; spacing: 4px; padding: 3px; }
QToolButton { padding: 4px 8px; border-radius: 4px; }
QToolButton:checked { background: #3a4556; }
QToolButton:hover { background: #2e3540; }
QDockWidget::title { background: #20242a; padding: 6px; font-weight: bold; }
QPushButton { background: #2e3540; border: 1px solid #3c4552; border-radius: 4px; padding: 5px 10px; }
QPushButton:hover { background: #37404d; }
QPushButton#continueButton { background: #2f7fc1; border-color: #3b93db; color: white; font-weight: bold; padding: 8px; }
QPushButton#continueButton:hover { background: #3b93db; }
QPushButton:disabled { color: #6c7480; }
QSpinBox, QDoubleSpinBox, QComboBox { background: #252a31; border: 1px solid #3c4552; border-radius: 3px; padding: 2px 4px; }
QProgressBar { border: 1px solid #3c4552; border-radius: 3px; text-align: center; background: #252a31; }
QProgressBar::chunk { background: #2f7fc1; }
QStatusBar { background: #20242a; color: #aab2bd; }
QMenuBar { background: #20242a; }
QMenuBar::item:selected, QMenu::item:selected { background: #3a4556; }
QMenu { background: #252a31; border: 1px solid #3c4552; }
QLabel#hint { color: #8f98a5; }
"""


def apply(app) -> None:
    app.setStyle("Fusion")
    palette = QPalette()
    palette.setColor(QPalette.Window, QColor("#1b1e23"))
    palette.setColor(QPalette.WindowText, QColor("#d8dde5"))
    palette.setColor(QPalette.Base, QColor("#252a31"))
    palette.setColor(QPalette.Text, QColor("#d8dde5"))
    palette.setColor(QPalette.Button, QColor("#2e3540"))
    palette.setColor(QPalette.ButtonText, QColor("#d8dde5"))
    palette.setColor(QPalette.Highlight, QColor("#2f7fc1"))
    app.setPalette(palette)
    app.setStyleSheet(STYLE)
