"""The habits the code keeps: ruff's checks (pyflakes, pycodestyle, bugbear, import order) on the
whole tree and mypy on engine/, as configured in pyproject.toml."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*command):
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_ruff_finds_nothing():
    result = run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.mark.slow
def test_mypy_finds_nothing_in_the_engine():
    result = run("mypy", "--cache-dir", "/dev/null" if sys.platform != "win32" else "nul")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
