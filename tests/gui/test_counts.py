"""Counts in the window read as a musician says them: one bar, two bars."""

from PySide6.QtWidgets import QSpinBox

from gui.counts import count, counted_suffix


def test_one_is_singular_and_the_rest_plural():
    assert [count(n, "bar") for n in (0, 1, 2, 1.5)] == ["0 bars", "1 bar", "2 bars", "1.5 bars"]
    assert count(1, "epoch") == "1 epoch" and count(3, "this", "these") == "3 these"


def test_a_spin_box_suffix_agrees_with_its_value(qtbot):
    box = QSpinBox(minimum=1, maximum=600, value=30)
    qtbot.addWidget(box)
    counted_suffix(box, "minute")
    assert box.text() == "30 minutes"
    box.setValue(1)
    assert box.text() == "1 minute"
