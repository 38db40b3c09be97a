"""Paint methods that cannot raise: an error while painting draws nothing and is logged once.

An exception that escapes ``paintEvent`` reaches the error dialog, which opens a modal dialog from
inside painting; Qt then paints again, raises again, and can crash. Painting must only draw. The
failed frame's painter is let go at once, not kept alive by the logged traceback.
"""

from __future__ import annotations

import functools
import logging
import traceback

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
            # the failed frame's QPainter must end now, on the widget it paints: the traceback
            # (kept by the log record) would otherwise keep it alive until a garbage collection
            # long after, when its widget may be gone (a crash)
            traceback.clear_frames(err.__traceback__)
    return guarded
