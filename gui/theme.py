"""Segue's colours and style sheet: a calm dark theme with warm notes and cool generated ones."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QProxyStyle, QStyle

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

GHOST_EDGE = QColor(155, 227, 255, 150)                # ghost suggestions: the model's blue, faint
GHOST_FILL = QColor(63, 167, 214, 40)

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


SURPRISE_TOP = 10.0                                   # bits: as red as a note gets (1 in 1,000 or rarer)
# pale (what the model expected) through amber to red (what surprised it)
_SURPRISE = ((0.0, QColor("#e9e4d8")), (0.5, QColor("#f2a93b")), (1.0, QColor("#e0302a")))


def surprise_fill(bits: float, selected: bool = False) -> QColor:
    """A note's colour in the surprise view: pale at 0 bits, amber at half ``SURPRISE_TOP``, red from it."""
    t = max(0.0, min(1.0, bits / SURPRISE_TOP))
    for (a, low), (b, high) in zip(_SURPRISE, _SURPRISE[1:]):
        if t <= b:
            u = (t - a) / (b - a)
            color = QColor.fromRgbF(low.redF() + (high.redF() - low.redF()) * u,
                                    low.greenF() + (high.greenF() - low.greenF()) * u,
                                    low.blueF() + (high.blueF() - low.blueF()) * u)
            return color.lighter(125) if selected else color
    return _SURPRISE[-1][1]


STYLE = """
QMainWindow, QWidget { background: #1b1e23; color: #d8dde5; }
QToolBar { background: #20242a; border: none; spacing: 4px; padding: 3px; }
QToolButton { padding: 4px 8px; border-radius: 4px; }
QToolButton:checked { background: #3a4556; }
QToolButton:hover { background: #2e3540; }
QDockWidget::title { background: #20242a; padding: 6px; font-weight: bold; }
QPushButton { background: #2e3540; border: 1px solid #3c4552; border-radius: 4px; padding: 5px 10px; }
QPushButton:hover { background: #37404d; }
QPushButton#continueButton { background: #2f7fc1; border-color: #3b93db; color: white; font-weight: bold;
                             padding: 8px; }
QPushButton#continueButton:hover { background: #3b93db; }
QPushButton:disabled { color: #6c7480; }
QSpinBox, QDoubleSpinBox, QComboBox { background: #252a31; border: 1px solid #3c4552; border-radius: 3px;
                                      padding: 2px 4px; }
QProgressBar { border: 1px solid #3c4552; border-radius: 3px; text-align: center; background: #252a31; }
QProgressBar::chunk { background: #2f7fc1; }
QStatusBar { background: #20242a; color: #aab2bd; }
QMenuBar { background: #20242a; }
QMenuBar::item:selected, QMenu::item:selected { background: #3a4556; }
QMenu { background: #252a31; border: 1px solid #3c4552; }
QLabel#hint { color: #8f98a5; }
"""


BACKGROUND = QColor("#1b1e23")
TEXT = QColor("#d8dde5")
DIM_TEXT = QColor("#7d8692")                          # disabled text: dimmer, still readable
FIELD = QColor("#252a31")
ACCENT = QColor("#2f7fc1")
BOX_EDGE = QColor("#9aa4b2")                          # a check box's frame, clear on the dark ground
BOX_EDGE_DISABLED = QColor("#5a626e")


class DarkStyle(QProxyStyle):
    """Fusion with what it draws for light themes redrawn for this dark one: check boxes get a
    clear frame and a white tick on blue; dark glyph icons (the file dialog's back, forward and up
    arrows) are drawn in the text colour. Coloured icons stay as they are."""

    def drawPrimitive(self, element, option, painter, widget=None):
        if element in (QStyle.PE_IndicatorCheckBox, QStyle.PE_IndicatorItemViewItemCheck):
            paint_check_box(painter, QRectF(option.rect), bool(option.state & QStyle.State_On),
                            bool(option.state & QStyle.State_Enabled))
            return
        super().drawPrimitive(element, option, painter, widget)

    def standardIcon(self, which, option=None, widget=None):
        return lightened(super().standardIcon(which, option, widget))


def paint_check_box(painter: QPainter, rect: QRectF, checked: bool, enabled: bool) -> None:
    side = min(rect.width(), rect.height()) - 3
    box = QRectF(0, 0, side, side)
    box.moveCenter(rect.center())
    painter.save()
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setPen(QPen(BOX_EDGE if enabled else BOX_EDGE_DISABLED, 1.2))
    painter.setBrush(ACCENT if checked and enabled else FIELD)
    painter.drawRoundedRect(box, 2.5, 2.5)
    if checked:
        tick = QPainterPath(QPointF(box.left() + side * 0.22, box.top() + side * 0.52))
        tick.lineTo(QPointF(box.left() + side * 0.42, box.top() + side * 0.72))
        tick.lineTo(QPointF(box.left() + side * 0.78, box.top() + side * 0.30))
        painter.setPen(QPen(QColor("white") if enabled else DIM_TEXT, max(1.5, side / 8)))
        painter.setBrush(QColor(0, 0, 0, 0))
        painter.drawPath(tick)
    painter.restore()


def lightened(icon: QIcon) -> QIcon:
    """``icon`` in the text colour if it is a dark glyph that would vanish on the dark ground."""
    if icon.isNull() or not _is_dark(icon.pixmap(16, 16)):
        return icon
    light = QIcon()
    for size in icon.availableSizes() or [QPixmap(16, 16).size()]:
        pixmap = icon.pixmap(size)
        painter = QPainter(pixmap)
        painter.setCompositionMode(QPainter.CompositionMode_SourceIn)     # keep the shape, change the ink
        painter.fillRect(pixmap.rect(), TEXT)
        painter.end()
        light.addPixmap(pixmap)
    return light


def _is_dark(pixmap: QPixmap) -> bool:
    image = pixmap.toImage()
    inked = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
    inked = [c for c in inked if c.alpha() > 128]
    return bool(inked) and sum(c.lightnessF() for c in inked) / len(inked) < 0.35


def apply(app) -> None:
    app.setStyle(DarkStyle("Fusion"))
    palette = QPalette()
    for role, color in ((QPalette.Window, BACKGROUND), (QPalette.WindowText, TEXT), (QPalette.Base, FIELD),
                        (QPalette.AlternateBase, QColor("#2b3038")), (QPalette.Text, TEXT),
                        (QPalette.Button, QColor("#2e3540")), (QPalette.ButtonText, TEXT),
                        (QPalette.Highlight, ACCENT), (QPalette.HighlightedText, QColor("white")),
                        (QPalette.ToolTipBase, FIELD), (QPalette.ToolTipText, TEXT),
                        (QPalette.PlaceholderText, DIM_TEXT), (QPalette.Link, QColor("#6cb6ff")),
                        (QPalette.Light, QColor("#4a5260")), (QPalette.Midlight, QColor("#3c4552")),
                        (QPalette.Mid, QColor("#30363f")), (QPalette.Dark, QColor("#15171b")),
                        (QPalette.Shadow, QColor("#0d0f12"))):
        palette.setColor(role, color)
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        palette.setColor(QPalette.Disabled, role, DIM_TEXT)
    app.setPalette(palette)
    app.setStyleSheet(STYLE)
