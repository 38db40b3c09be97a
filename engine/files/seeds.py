"""The bundled seed phrases in ``resources/seeds``: openings to continue, each credited."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..bundled import bundled
from ..errors import MusicFileError
from ..music.phrase import FINE_STEPS_PER_QUARTER, Phrase

SEEDS_DIR = bundled("resources/seeds")


@dataclass(frozen=True)
class Seed:
    composer: str                 # "Bach", "Traditional"
    piece: str                    # "Prelude in C major (WTC I)"
    style: str
    credit: str
    path: Path

    @property
    def title(self) -> str:
        """The name a musician reads in the Seeds menu: "Composer – Piece"."""
        return f"{self.composer} – {self.piece}"


def list_seeds(folder: Path = SEEDS_DIR) -> list[Seed]:
    """The seeds named in ``seeds.json``, in its order; an unreadable catalogue gives none, an
    entry without a composer, title, style, credit or file is left out."""
    try:
        entries = json.loads((folder / "seeds.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    seeds = []
    for entry in entries if isinstance(entries, list) else []:
        try:
            seeds.append(Seed(str(entry["composer"]), str(entry["title"]), str(entry["style"]),
                              str(entry["credit"]), folder / str(entry["file"])))
        except (KeyError, TypeError):
            continue
    return seeds


def load_seed(seed: Seed, steps_per_quarter: int = FINE_STEPS_PER_QUARTER) -> Phrase:
    from .midi import read_midi  # mido: loaded when a seed is opened, not when the Seeds menu is built
    phrase = read_midi(seed.path, steps_per_quarter)
    if not phrase.notes:
        raise MusicFileError(seed.path, "the seed has no notes")
    return phrase
