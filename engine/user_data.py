"""The user's own Segue folder (platformdirs), where autosaves and trained models live.

``SEGUE_DATA_DIR`` overrides it (tests, portable installs). Torch-free and Qt-free.
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    base = os.environ.get("SEGUE_DATA_DIR")
    if base:
        return Path(base)
    from platformdirs import user_data_dir
    return Path(user_data_dir("Segue", "Segue"))
