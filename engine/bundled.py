"""Where the files Segue ships with are (the bundled models, seeds and piano sound): beside the
code in a source checkout, or in the data folder of an installed copy (``pip install .`` puts
them in ``share/segue`` under the environment's prefix, or the user's for ``--user``)."""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]


def installed_data_folders() -> list[Path]:
    """Where an installed copy's data can be: the environment's prefix, then the user's."""
    folders = [Path(sysconfig.get_path("data")) / "share" / "segue"]
    try:
        folders.append(Path(sysconfig.get_path("data", f"{os.name}_user")) / "share" / "segue")
    except KeyError:                      # a platform without a user scheme
        pass
    return folders


def bundled(name: str) -> Path:
    """The bundled folder or file ``name`` ("models", "resources/seeds", ...): the checkout's when
    Segue runs from one, else the installed copy's (the checkout's path if neither has it, so a
    message can name where it was looked for)."""
    here = CHECKOUT / name
    if here.exists():
        return here
    for folder in installed_data_folders():
        if (folder / name).exists():
            return folder / name
    return here
