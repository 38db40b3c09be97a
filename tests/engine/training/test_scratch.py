"""A training run killed outright leaves no worker processes behind, and the next run sweeps the
temporary folders it left."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.session_lock import hold, is_held
from engine.training.scratch import LOCK, owned_by, scratch_folder, sweep_scratch

ROOT = Path(__file__).resolve().parents[3]


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_sweep_removes_only_the_folders_of_runs_that_are_gone(tmp_path):
    dead = tmp_path / "segue-training-dead"
    dead.mkdir()
    (dead / "tokens").write_bytes(b"x" * 1000)
    (tmp_path / f"segue-training-dead{LOCK}").write_bytes(b"")          # its lock: nobody holds it
    running = tmp_path / "segue-validation-running"
    running.mkdir()
    held = hold(tmp_path / f"segue-validation-running{LOCK}")            # a live run's
    unlocked = tmp_path / "segue-training-older-segue"                   # no lock file: a day's grace
    unlocked.mkdir()
    stale = tmp_path / "segue-training-gone.lock"                        # a lock left without its folder
    stale.write_bytes(b"")
    other = tmp_path / "someone-else"
    other.mkdir()
    try:
        assert sweep_scratch(tmp_path) == [dead]
    finally:
        held.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["segue-training-older-segue", "segue-validation-running",
                                                         f"segue-validation-running{LOCK}", "someone-else"]
    os.utime(unlocked, (time.time() - 2 * 86400,) * 2)
    assert set(sweep_scratch(tmp_path)) == {running, unlocked}


def test_a_folder_s_lock_is_held_while_its_owner_lives(tmp_path, monkeypatch):
    import gc
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    class Store:
        def __init__(self, folder):
            self.folder = folder
    store = owned_by(Store, "segue-training-")
    assert store.folder.is_dir() and store.folder.with_name(store.folder.name + LOCK).exists()
    assert sweep_scratch(tmp_path) == []
    lock = store.folder.with_name(store.folder.name + LOCK)
    del store
    gc.collect()
    assert not lock.exists()
    folder, release = scratch_folder("segue-validation-")
    assert sweep_scratch(tmp_path) == [] and folder.is_dir()
    release()
    assert not folder.with_name(folder.name + LOCK).exists() and folder.is_dir()      # its owner removes it


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds processes through Linux's /proc")
def test_train_killed_while_it_reads_leaves_no_workers_and_the_next_run_sweeps_its_folder(tmp_path):
    """`kill -9` of train while it read files left two pool workers alive (200 MB each, blocked for
    ever) and its segue-training-* folder in the temporary folder."""
    from engine.files.midi import write_midi
    from engine.music.phrase import Note, Phrase
    songs = tmp_path / "songs"
    songs.mkdir()
    rng = random.Random(0)
    for i in range(48):                                   # enough to be read and stored on every core
        write_midi(Phrase(tuple(Note(rng.randrange(40, 90), 2 * k, 2, 80) for k in range(1500))),
                   songs / f"song{i:02d}.mid")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(scratch), XDG_CACHE_HOME=str(tmp_path / "cache"),
               SEGUE_DATA_DIR=str(tmp_path / "data"))
    run = subprocess.Popen([sys.executable, "main.py", "train", "--data", str(songs), "--out", str(tmp_path / "m"),
                            "--hidden-size", "16", "--embedding-size", "8", "--layers", "1", "--epochs", "1",
                            "--threads", "1", "--device", "cpu"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        workers: list[int] = []
        seen = set()
        while time.monotonic() < deadline and run.poll() is None:
            workers = [p for p in children_of(run.pid) if alive(p)]
            storing = [p for p in scratch.iterdir() if p.is_dir()]
            seen.add((len(workers), len(storing)))
            if len(workers) >= 2 and storing:
                break                                     # storing pieces, on its workers
            time.sleep(0.01)
        assert run.poll() is None and len(workers) >= 2 and storing, \
            f"the run ended before it was caught storing pieces on its workers (seen {sorted(seen)})"
        os.kill(run.pid, signal.SIGKILL)                  # the run alone, as a crash would
        run.wait()
        deadline = time.monotonic() + 10
        while any(alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [p for p in workers if alive(p)]
    finally:
        if run.poll() is None:
            run.kill()
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], "the workers outlived the run"
    folders = [p for p in scratch.iterdir() if p.is_dir()]
    locks = [p.with_name(p.name + LOCK) for p in folders]
    deadline = time.monotonic() + 10        # the system drops a dead process's locks a moment after it goes
    while any(map(is_held, locks)) and time.monotonic() < deadline:    # from /proc (seen under load in CI)
        time.sleep(0.05)
    assert not any(map(is_held, locks)), "the run's folders stayed locked after it and its workers ended"
    assert folders and all(p.name.startswith(("segue-training-", "segue-validation-")) for p in folders)
    assert sorted(sweep_scratch(scratch)) == sorted(folders)             # what the next run does first
    assert list(scratch.iterdir()) == []
