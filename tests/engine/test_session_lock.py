"""The session lock dies with its process, even a process killed with SIGKILL and not yet reaped
(a zombie, whose process id still looks alive)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.session_lock import hold, is_held

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import sys, time
from engine.session_lock import hold
lock = hold(sys.argv[1])
print("held" if lock else "refused", flush=True)
time.sleep(600)
"""


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return False


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL and zombies are POSIX")
def test_the_lock_goes_with_a_process_killed_with_sigkill(tmp_path):
    path = tmp_path / "session.lock"
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                             text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        assert child.stdout.readline().strip() == "held"
        assert is_held(path)
        assert hold(path) is None                    # a second session cannot take it
        os.kill(child.pid, signal.SIGKILL)
        deadline = time.time() + 10
        while Path("/proc").is_dir() and not _zombie(child.pid) and time.time() < deadline:
            time.sleep(0.01)
        os.kill(child.pid, 0)                        # not reaped yet: its id still looks alive ...
        assert not is_held(path)                     # ... but its lock is gone
        mine = hold(path)
        assert mine is not None
        mine.close()
    finally:
        child.kill()
        child.wait(10)


def test_a_missing_lock_file_is_not_held_and_a_held_one_is(tmp_path):
    assert not is_held(tmp_path / "none.lock")
    lock = hold(tmp_path / "mine.lock")
    assert lock is not None
    lock.close()
    assert not is_held(tmp_path / "mine.lock")
