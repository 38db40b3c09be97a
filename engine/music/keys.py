"""Keys: which key a phrase is in (Krumhansl-Schmuckler), and the notes that belong to a key.

A major key's notes are its scale; a minor key's are the natural minor scale with the raised sixth
and seventh of the melodic and harmonic minor, since music in minor uses both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .phrase import PITCH_CLASS_NAMES, Phrase

if TYPE_CHECKING:
    import numpy as np
# numpy is imported where a key is estimated, not here: the window imports keys before it shows,
# and numpy (150 ms of CPU on the project's machine) can load after it

NAMES = PITCH_CLASS_NAMES
_SPELLINGS = {"C": 0, "B#": 0, "C#": 1, "DB": 1, "D": 2, "D#": 3, "EB": 3, "E": 4, "FB": 4, "E#": 5, "F": 5,
              "F#": 6, "GB": 6, "G": 7, "G#": 8, "AB": 8, "A": 9, "A#": 10, "BB": 10, "B": 11, "CB": 11}
# Krumhansl and Kessler's key profiles: how well each scale degree fits a major / a minor key
MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 9, 10, 11)


@dataclass(frozen=True)
class Key:
    tonic: int            # pitch class, 0 = C
    minor: bool = False

    @property
    def name(self) -> str:
        return f"{NAMES[self.tonic]} {'minor' if self.minor else 'major'}"

    @property
    def pitch_classes(self) -> frozenset[int]:
        return frozenset((self.tonic + d) % 12 for d in (MINOR_SCALE if self.minor else MAJOR_SCALE))

    def profile(self) -> np.ndarray:
        """How much each pitch class belongs to the key (Krumhansl-Kessler), summing to 1."""
        import numpy as np
        base = np.array(MINOR_PROFILE if self.minor else MAJOR_PROFILE)
        rolled = np.roll(base, self.tonic)
        return rolled / rolled.sum()

    @classmethod
    def parse(cls, text: str) -> "Key":
        """'D minor', 'Eb major', 'f# minor', 'Bb' (major): raises ValueError naming what is wrong."""
        match = re.fullmatch(r"\s*([A-Ga-g])\s*([#b]?)\s*(major|minor|maj|min|m)?\s*", text or "")
        if not match:
            raise ValueError(f"'{text}' is not a key: write it like 'D minor' or 'Eb major'")
        tonic = _SPELLINGS[(match.group(1) + match.group(2)).upper()]
        return cls(tonic, match.group(3) in ("minor", "min", "m"))


ALL_KEYS = tuple(Key(t, m) for m in (False, True) for t in range(12))


def pitch_class_weights(phrase: Phrase) -> np.ndarray:
    """How long each pitch class sounds in the phrase, in steps."""
    import numpy as np
    weights = np.zeros(12)
    for n in phrase.notes:
        weights[n.pitch % 12] += n.duration
    return weights


_PROFILES: list = []      # ALL_KEYS' profiles, centred and scaled to length 1 (made at first use)


def key_correlations(weights: np.ndarray) -> np.ndarray:
    """The correlation of each of ``ALL_KEYS``' profiles with the pitch-class ``weights`` (Pearson's,
    as ``np.corrcoef`` gives it, for all 24 keys in one product: about 50 times faster, and every Continue,
    ghost and chord estimate asks for it); zeros for even weights."""
    import numpy as np
    if not _PROFILES:
        profiles = np.array([key.profile() for key in ALL_KEYS])
        profiles -= profiles.mean(1, keepdims=True)
        _PROFILES.append(profiles / np.linalg.norm(profiles, axis=1, keepdims=True))
    centred = weights - weights.mean()
    norm = np.linalg.norm(centred)
    if norm == 0:
        return np.zeros(len(ALL_KEYS))
    return np.round(_PROFILES[0] @ (centred / norm), 12)        # keys tied but for rounding: tied (the first wins)


def estimate_key(phrase: Phrase) -> Key | None:
    """The key whose profile best matches the phrase's pitch classes (None for a phrase without notes)."""
    import numpy as np
    weights = pitch_class_weights(phrase)
    if not weights.any():
        return None
    return ALL_KEYS[int(np.argmax(key_correlations(weights)))]


def key_for_notation(phrase: Phrase) -> Key | None:
    """The key to write the phrase in: Krumhansl-Schmuckler over the whole phrase, less three times
    the share of its sounding time on notes outside the key (which would need accidentals).

    A profile alone can prefer G major for C-major music that stresses G and has F naturals but no
    F sharp; a key signature that asks for accidentals the music never uses is the wrong one.
    """
    weights = pitch_class_weights(phrase)
    if not weights.any():
        return None
    if weights.std() == 0:
        return Key(0)

    correlations = dict(zip(ALL_KEYS, key_correlations(weights)))

    def fit(key: Key) -> float:
        outside = sum(weights[pc] for pc in range(12) if pc not in key.pitch_classes)
        return correlations[key] - 3 * outside / weights.sum()
    return max(ALL_KEYS, key=fit)
