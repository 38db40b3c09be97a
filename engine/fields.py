"""A field read from a file Segue did not write itself (a document, a model's description),
checked for its type and range before anything is built from it.

Each check returns the value or raises ``FieldError``, whose message names the field and shows the
value (cut short): the reader puts its own file's name in front (``MusicFileError``, ``ModelError``).
"""

from __future__ import annotations

import json


class FieldError(ValueError):
    """One field is wrong: ``str(err)`` names it and what it holds."""


def shown(value) -> str:
    """A value as a message shows it: JSON for text, lists and objects, at most 40 characters."""
    text = json.dumps(value) if isinstance(value, (str, list, dict)) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def whole(value, field: str, low: int, high: int) -> int:
    """``value`` when it is a whole number from ``low`` to ``high`` (not a bool, not 3.0, not "4")."""
    if type(value) is not int:
        raise FieldError(f"{field} must be a whole number, not {shown(value)}")
    if not low <= value <= high:
        raise FieldError(f"{field} {shown(value)} is outside {low:,}-{high:,}")
    return value


def number(value, field: str, low: float, high: float) -> float:
    """``value`` as a float when it is a number from ``low`` to ``high`` (never NaN or infinite)."""
    if type(value) not in (int, float) or not low <= value <= high:      # NaN fails the comparison
        raise FieldError(f"{field} must be a number from {low:g} to {high:g}, not {shown(value)}")
    return float(value)


def flag(value, field: str) -> bool:
    """``value`` when it is true or false."""
    if type(value) is not bool:
        raise FieldError(f"{field} must be true or false, not {shown(value)}")
    return value


def listed(value, field: str, most: int) -> list:
    """``value`` when it is a list of at most ``most`` items."""
    if not isinstance(value, list):
        raise FieldError(f"{field} must be a list, not {shown(value)}")
    if len(value) > most:
        raise FieldError(f"{field} number {len(value):,}, more than the {most:,} Segue reads")
    return value
