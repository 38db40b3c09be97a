"""The dark theme: what a person must see is drawn clearly against the dark ground (WCAG asks
3:1 for controls and icons)."""

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QStyle, QStyleOptionButton

from gui import theme

FILE_DIALOG_ICONS = ("SP_ArrowBack", "SP_ArrowForward", "SP_FileDialogToParent", "SP_FileDialogNewFolder",
                     "SP_FileDialogDetailedView", "SP_FileDialogListView", "SP_DirIcon", "SP_FileIcon")


def contrast(a: QColor, b: QColor) -> float:
    def luminance(c):
        linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
                  for v in (c.redF(), c.greenF(), c.blueF())]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.fixture
def themed(qapp):
    style, palette, sheet = qapp.style().name(), qapp.palette(), qapp.styleSheet()
    theme.apply(qapp)
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setStyle(style)
    qapp.setPalette(palette)


@pytest.mark.parametrize("checked", [False, True])
def test_a_check_box_is_clearly_drawn_on_dark(themed, qtbot, checked):
    box = QCheckBox("Remember recent pitches")
    box.setChecked(checked)
    qtbot.addWidget(box)
    box.show()
    option = QStyleOptionButton()
    box.initStyleOption(option)
    square = box.style().subElementRect(QStyle.SE_CheckBoxIndicator, option, box)
    image = box.grab().toImage()
    ground = themed.palette().window().color()
    best = max(contrast(image.pixelColor(x, y), ground)
               for x in range(square.left(), square.right() + 1) for y in range(square.top(), square.bottom() + 1))
    assert best >= 3.0


@pytest.mark.parametrize("name", FILE_DIALOG_ICONS)
def test_the_file_dialogs_icons_show_on_dark(themed, name):
    image = themed.style().standardIcon(getattr(QStyle.StandardPixmap, name)).pixmap(16, 16).toImage()
    ground = themed.palette().window().color()
    inked = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
    inked = [c for c in inked if c.alpha() > 128]
    assert inked and sum(contrast(c, ground) for c in inked) / len(inked) >= 3.0, name
