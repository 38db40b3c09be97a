"""Shared test set-up: no display, no sound card, and where the shared data lives."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SEGUE_SHARED_DATA", ROOT.parent / "shared" / "data"))
PIANO_MIDI = SHARED_DATA / "piano-midi"
BL_DATA = SHARED_DATA / "bl"


@pytest.fixture(scope="session")
def piano_midi() -> Path:
    if not PIANO_MIDI.is_dir():
        pytest.fail(f"the shared piano-midi collection is missing at {PIANO_MIDI}")
    return PIANO_MIDI


@pytest.fixture(scope="session")
def bl_data() -> Path:
    if not BL_DATA.is_dir():
        pytest.fail(f"the shared Boulanger-Lewandowski pickles are missing at {BL_DATA}")
    return BL_DATA
