"""The Continue panel's settings: what Continue is asked, what a document keeps, what Reset restores."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from gui.writing.panel import ContinuePanel


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
    panel.steering.setCurrentText("Off")
    QTest.mouseClick(panel.reset_button, Qt.LeftButton)
    assert panel.top_p.value() == 0.95 and panel.density.currentData() == 1.0
    assert panel.steering.currentText() == "Loosely" and panel.options().steering == 1.0
    assert panel.rhythm.isChecked() and not panel.held_ending.isChecked() and panel.drafts.value() == 8


def test_keep_to_the_phrase_is_a_more_setting_that_continue_uses(panel):
    from engine.writing.continuation import ContinueOptions
    assert panel.more.isAncestorOf(panel.steering)
    assert panel.more.layout().labelForField(panel.steering).text() == "Keep to the phrase"
    choices = [(panel.steering.itemText(i), panel.steering.itemData(i)) for i in range(panel.steering.count())]
    assert choices == [("Off", 0.0), ("Loosely", 1.0), ("Closely", 2.0), ("Strictly", 3.0)]
    assert panel.steering.currentText() == "Loosely"
    assert panel.options().steering == ContinueOptions().steering          # the panel starts at the engine's default
    assert panel.steering.toolTip()
    for text, value in choices:
        panel.steering.setCurrentText(text)
        assert panel.options().steering == value
        firmer = {0.0: 0.0, 1.0: 2.0, 2.0: 3.0, 3.0: 4.0}[value]
        assert panel.options(fill=True).steering == firmer                # Fill one step firmer; Off is off
        panel.options().check()


def test_keep_to_the_phrase_travels_with_the_document_settings(panel, qtbot):
    panel.steering.setCurrentText("Strictly")
    saved = panel.settings()
    assert saved["steering"] == 3.0
    other = ContinuePanel()
    qtbot.addWidget(other)
    other.apply_settings(saved)
    assert other.steering.currentText() == "Strictly"
    other.apply_settings({"steering": 0})                     # a whole number, as JSON may write it
    assert other.steering.currentText() == "Off"


@pytest.mark.parametrize("stored", [2.5, 9, -1, "strictly", True, None, float("nan")])
def test_a_keep_to_the_phrase_not_understood_is_not_shown(qtbot, stored):
    fresh = ContinuePanel()
    qtbot.addWidget(fresh)
    fresh.apply_settings({"steering": stored})                # a new panel keeps the default
    assert fresh.steering.currentText() == "Loosely"
    fresh.steering.setCurrentText("Strictly")
    fresh.apply_settings({"steering": stored})                # as every setting: one not understood stays as it is
    assert fresh.steering.currentText() == "Strictly"


def test_the_drafts_tip_says_continue_keeps_the_takes_a_musician_would(panel):
    tip = panel.drafts.toolTip()
    assert "musician" in tip and "clashes" in tip and "figure" in tip
    assert panel.options().choose == "musical"


def test_one_bar_is_one_bar(panel):
    panel.bars.setValue(1)
    assert panel.bars.text() == "1 bar"
    panel.bars.setValue(4)
    assert panel.bars.text() == "4 bars"


def test_the_panel_is_built_from_the_settings_written_once(qtbot):
    from dataclasses import fields

    from engine.writing.options import DENSITY, ContinueOptions, FillOptions
    fresh = ContinuePanel()
    qtbot.addWidget(fresh)
    meta = {f.name: f.metadata for f in fields(ContinueOptions)}
    for name, box in (("key", fresh.key), ("density", fresh.density), ("steering", fresh.steering),
                      ("texture", fresh.texture)):
        assert [(box.itemText(i), box.itemData(i)) for i in range(box.count())] == list(meta[name]["shown"])
    assert all(DENSITY[0] <= fresh.density.itemData(i) <= DENSITY[1] for i in range(fresh.density.count()))
    assert fresh.register.text() == meta["register"]["box"] and fresh.drafts.toolTip().startswith("Write this many")
    seed = fresh.seed.value()
    assert fresh.options() == ContinueOptions(seed=seed)             # the window writes 8 drafts for its 4 takes
    # and Fill weighs at least 8, one step firmer than Continue as the command line's defaults are
    assert fresh.options(fill=True) == FillOptions(seed=seed, candidates=8)
    box = fresh.steering
    for shown, fill in ((0.0, 0.0), (1.0, 2.0), (2.0, 3.0), (3.0, 4.0)):
        box.setCurrentIndex(box.findData(shown))
        assert (fresh.options().steering, fresh.options(fill=True).steering) == (shown, fill)


def test_the_accompaniment_is_a_more_setting_that_continue_uses_and_a_document_keeps(panel, qtbot):
    from engine.writing.options import ContinueOptions
    assert panel.more.isAncestorOf(panel.accompaniment)
    assert panel.more.layout().labelForField(panel.accompaniment).text() == "Accompaniment"
    choices = [(panel.accompaniment.itemText(i), panel.accompaniment.itemData(i))
               for i in range(panel.accompaniment.count())]
    assert choices == [("Restated", "restate"), ("A step lower (sequence)", "sequence"),
                       ("Carried on, new chords", "carry"), ("Free", "free")]
    assert panel.options().accompaniment == ContinueOptions().accompaniment and panel.accompaniment.toolTip()
    panel.accompaniment.setCurrentText("Restated")
    assert panel.options().accompaniment == "restate"
    saved = panel.settings()
    assert saved["accompaniment"] == "restate"
    other = ContinuePanel()
    qtbot.addWidget(other)
    other.apply_settings(saved)
    assert other.options().accompaniment == "restate"
    other.apply_settings({"accompaniment": "keep"})            # not a choice: stays as it is
    assert other.options().accompaniment == "restate"
    QTest.mouseClick(panel.reset_button, Qt.LeftButton)
    assert panel.options().accompaniment == ContinueOptions().accompaniment
    panel.accompaniment.setCurrentText("Carried on, new chords")
    assert panel.options(fill=True).accompaniment == "free"                   # Fill writes every voice
