"""The Continue panel's settings: what Continue is asked, what a document keeps, what Reset restores."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from gui.continue_panel import ContinuePanel


@pytest.fixture
def panel(qtbot):
    widget = ContinuePanel()
    qtbot.addWidget(widget)
    return widget


def test_top_p_is_a_more_setting_that_continue_and_fill_use(panel):
    assert panel.more.isAncestorOf(panel.top_p)
    assert (panel.top_p.minimum(), panel.top_p.maximum(), panel.top_p.value()) == (0.05, 1.0, 0.95)
    panel.top_p.setValue(0.8)
    assert panel.options().top_p == 0.8 and panel.options(fill=True).top_p == 0.8


def test_top_p_travels_with_the_document_settings(panel, qtbot):
    panel.top_p.setValue(0.7)
    saved = panel.settings()
    assert saved["top_p"] == 0.7
    other = ContinuePanel()
    qtbot.addWidget(other)
    other.apply_settings(saved)
    assert other.top_p.value() == 0.7
    other.apply_settings({"top_p": "high"})                   # not understood: stays as it is
    other.apply_settings({"top_p": 7})                        # out of range: stays as it is
    assert other.top_p.value() == 0.7


def test_reset_puts_every_more_setting_back(panel):
    panel.more_button.click()
    panel.top_p.setValue(0.5)
    panel.density.setCurrentIndex(0)
    panel.rhythm.setChecked(False)
    panel.held_ending.setChecked(True)
    panel.drafts.setValue(20)
    QTest.mouseClick(panel.reset_button, Qt.LeftButton)
    assert panel.top_p.value() == 0.95 and panel.density.currentData() == 1.0
    assert panel.rhythm.isChecked() and not panel.held_ending.isChecked() and panel.drafts.value() == 4


def test_the_drafts_tip_says_continue_keeps_the_drafts_that_follow_best(panel):
    tip = panel.drafts.toolTip()
    assert "likeliest" not in tip and "follow" in tip
    assert panel.options().choose == "follow"


def test_one_bar_is_one_bar(panel):
    panel.bars.setValue(1)
    assert panel.bars.text() == "1 bar"
    panel.bars.setValue(4)
    assert panel.bars.text() == "4 bars"
