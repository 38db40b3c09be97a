"""Where models live: finding a model folder by name or path, and listing the bundled ones.

Kept free of torch so the window can list models before torch is loaded.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ModelError

FORMAT = "segue-model"
VERSION = 1
WEIGHTS, META, EXCERPTS, CARD = "model.safetensors", "model.json", "excerpts.json", "card.md"

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MODELS_DIR = Path(os.environ.get("SEGUE_MODELS_DIR", PROJECT_ROOT / "models"))
DEFAULT_MODEL = "default"


def find_model(name_or_path: str | Path | None = None) -> Path:
    """The folder for a model name under models/ or a path; ``None`` means the bundled default."""
    if name_or_path is None or str(name_or_path) == "":
        name_or_path = DEFAULT_MODEL
    path = Path(name_or_path).expanduser()
    if path.is_file() and path.name in (WEIGHTS, META):
        path = path.parent
    if (path / META).is_file():
        return path
    named = MODELS_DIR / str(name_or_path)
    if (named / META).is_file():
        return named
    known = ", ".join(p.name for p in list_models()) or "none"
    raise ModelError(path, f"no model found there (models available: {known})")


def list_models(models_dir: str | Path | None = None) -> list[Path]:
    """Model folders directly under models/ (each has a model.json), sorted by name."""
    root = Path(models_dir) if models_dir else MODELS_DIR
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / META).is_file())
