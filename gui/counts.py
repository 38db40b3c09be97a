"""Counts as a musician reads them: "1 bar", "4 bars", never "1 bars"."""

from __future__ import annotations


def count(n: float, unit: str, units: str | None = None) -> str:
    """``n`` with its unit, singular for one: '1 note', '12 notes', '1.5 bars'. ``units`` is the
    plural where it is not ``unit`` + 's'."""
    return f"{n} {unit if n == 1 else units or unit + 's'}"


def counted_suffix(box, unit: str, units: str | None = None) -> None:
    """Keep a spin box's suffix agreeing with its value: '1 minute', '30 minutes'."""
    def agree(value):
        box.setSuffix(" " + (unit if value == 1 else units or unit + "s"))
    box.valueChanged.connect(agree)
    agree(box.value())
