"""Where models live: finding a model folder by name or path, and listing the bundled ones.

Kept free of torch so the window can list models before torch is loaded.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..bundled import bundled
from ..errors import ModelError
from ..user_data import data_dir

FORMAT = "segue-model"
VERSION = 1
WEIGHTS, META, EXCERPTS, CARD = "model.safetensors", "model.json", "excerpts.json", "card.md"

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = Path(os.environ.get("SEGUE_MODELS_DIR", bundled("models")))
DEFAULT_MODEL = "default"


def user_models_dir() -> Path:
    """Where models the user trains in the app are written: their own data folder, not the install."""
    return data_dir() / "models"


def find_model(name_or_path: str | Path | None = None) -> Path:
    """The folder for a model name under models/ or a path; ``None`` means the bundled default."""
    if name_or_path is None or str(name_or_path) == "":
        name_or_path = DEFAULT_MODEL
    path = Path(name_or_path).expanduser()
    if path.is_file() and path.name in (WEIGHTS, META):
        path = path.parent
    if (path / META).is_file():
        return path
    for root in (MODELS_DIR, user_models_dir()):
        named = root / str(name_or_path)
        if (named / META).is_file():
            return named
    known = ", ".join(p.name for p in list_models()) or "none"
    raise ModelError(path, f"no model found there (models available: {known})")


def list_models(models_dir: str | Path | None = None) -> list[Path]:
    """Model folders (each has a model.json), sorted by name: the bundled ones under models/,
    then the ones the user trained; or only those directly under ``models_dir`` when given."""
    roots = [Path(models_dir)] if models_dir else [MODELS_DIR, user_models_dir()]
    found = []
    for root in roots:
        if root.is_dir():
            found += sorted(p for p in root.iterdir() if (p / META).is_file())
    return found
