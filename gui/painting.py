"""Paint methods that cannot raise: an error while painting draws nothing and is logged once.

An exception that escapes ``paintEvent`` reaches the error dialog, which opens a modal dialog from
inside painting; Qt then paints again, raises again, and can crash. Painting must only draw.
"""

from __future__ import annotations

import functools
import logging

log = logging.getLogger("segue.gui")
_logged: set[tuple[str, str]] = set()


def never_raises(paint):
    """Wrap a widget's ``paintEvent``: an exception is logged (once per widget class and error)
    and the rest of that frame is not drawn."""
    @functools.wraps(paint)
    def guarded(self, event):
        try:
            paint(self, event)
        except Exception as err:               # noqa: BLE001 - nothing may escape a paint method
            key = (type(self).__name__, f"{type(err).__name__}: {err}")
            if key not in _logged:
                _logged.add(key)
                log.error("%s could not paint (%s)", *key, exc_info=True)
    return guarded
