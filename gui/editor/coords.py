"""The piano roll's geometry: pixels to (step, pitch) and back, with zoom. No Qt needed."""

from __future__ import annotations

import math
from dataclasses import dataclass

LOWEST, HIGHEST = 0, 127
# Widths in pixels per sixteenth note (a step of a 4-a-quarter grid), whatever the phrase's grid
MIN_STEP_WIDTH, MAX_STEP_WIDTH = 2.0, 80.0
MIN_KEY_HEIGHT, MAX_KEY_HEIGHT = 5.0, 40.0
DEFAULT_STEP_WIDTH, DEFAULT_KEY_HEIGHT = 14.0, 14.0


@dataclass
class RollGeometry:
    """Content coordinates: x grows with time (steps), y grows downwards from the highest key.

    ``step_width`` is in pixels per step of the phrase's grid (``steps_per_quarter``); the zoom's
    limits and its default are the same on every grid, counted per sixteenth note."""

    step_width: float = DEFAULT_STEP_WIDTH        # pixels per grid step
    key_height: float = DEFAULT_KEY_HEIGHT        # pixels per semitone
    steps_per_quarter: int = 4

    @property
    def steps_per_sixteenth(self) -> float:
        return self.steps_per_quarter / 4

    def set_grid(self, steps_per_quarter: int) -> None:
        """Another grid: the same music keeps its width on screen."""
        self.step_width *= self.steps_per_quarter / steps_per_quarter
        self.steps_per_quarter = steps_per_quarter

    def x(self, step: float) -> float:
        return step * self.step_width

    def step_at(self, x: float) -> float:
        return x / self.step_width

    def y(self, pitch: int) -> float:
        """Top edge of the row of ``pitch``."""
        return (HIGHEST - pitch) * self.key_height

    def pitch_at(self, y: float) -> int:
        return max(LOWEST, min(HIGHEST, HIGHEST - int(math.floor(y / self.key_height))))

    @property
    def height(self) -> float:
        return (HIGHEST - LOWEST + 1) * self.key_height

    def zoom_time(self, factor: float) -> None:
        per = self.steps_per_sixteenth
        self.step_width = max(MIN_STEP_WIDTH / per, min(MAX_STEP_WIDTH / per, self.step_width * factor))

    def zoom_pitch(self, factor: float) -> None:
        self.key_height = max(MIN_KEY_HEIGHT, min(MAX_KEY_HEIGHT, self.key_height * factor))

    def fit(self, low: int, middle: int, high: int, steps: int, width: float, height: float) -> None:
        """Zoom so that keys ``low``..``high`` show in ``height`` pixels when ``middle`` is at the
        centre (a key to spare each side) and ``steps`` fit in ``width``: the default zoom, or
        further out where the notes need it, down to the limits."""
        keys_each_side = max(high - middle, middle - low + 1) + 1
        self.key_height = max(MIN_KEY_HEIGHT, min(DEFAULT_KEY_HEIGHT, height / (2 * keys_each_side)))
        per = self.steps_per_sixteenth
        self.step_width = max(MIN_STEP_WIDTH / per, min(DEFAULT_STEP_WIDTH / per, width / max(1, steps)))

    @property
    def sixteenth_width(self) -> float:
        """Pixels per sixteenth note: how far the view is zoomed in, on any grid."""
        return self.step_width * self.steps_per_sixteenth


def snap_down(step: float, grid: int) -> int:
    """The grid line at or before ``step`` (grid in steps; 1 means no snapping beyond the step)."""
    grid = max(1, grid)
    return int(math.floor(step / grid)) * grid


def snap_nearest(step: float, grid: int) -> int:
    grid = max(1, grid)
    return int(round(step / grid)) * grid


NOTE_NAMES = ("C", "C♯", "D", "E♭", "E", "F", "F♯", "G", "A♭", "A", "B♭", "B")


def note_name(pitch: int) -> str:
    """'C4' for 60 (middle C), 'F♯5' for 78."""
    return f"{NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


def is_black_key(pitch: int) -> bool:
    return pitch % 12 in (1, 3, 6, 8, 10)
