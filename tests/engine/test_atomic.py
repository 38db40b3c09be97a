"""Atomic saves leave nothing behind: through a symlink they replace the file it points to, a
writer killed mid-save leaves a temporary file the next save removes, and the folder is synced."""

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.atomic import atomic_path, atomic_write

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys, time
from engine.atomic import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_bytes(b"half a save")
    print("writing", flush=True)
    time.sleep(600)
"""


@pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges on Windows")
def test_saving_through_a_symlink_writes_the_file_it_points_to(tmp_path):
    real = tmp_path / "real" / "song.segue"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "song.segue"
    link.symlink_to(real)
    atomic_write(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["real", "song.segue", "song.segue"]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".*.part"))


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
def test_a_writer_killed_mid_save_leaves_a_part_file_the_next_save_removes(tmp_path):
    target = tmp_path / "model.safetensors"
    target.write_bytes(b"good")
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], cwd=ROOT, stdout=subprocess.PIPE,
                             text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        assert child.stdout.readline().strip() == "writing"
        [part] = _leftovers(tmp_path)
        old = time.time() - 60
        os.utime(tmp_path / part, (old, old))
        atomic_write(tmp_path / "other.json", b"{}")   # a save of another file leaves it alone
        atomic_write(target, b"second")                  # the writer is alive: its file stays
        assert _leftovers(tmp_path) == [part]
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        assert _leftovers(tmp_path) == [part] and target.read_bytes() == b"second"
        atomic_write(target, b"third")
        assert _leftovers(tmp_path) == []
        assert target.read_bytes() == b"third"
    finally:
        child.kill()
        child.wait(10)


@pytest.mark.skipif(os.name == "nt", reason="folders are not synced on Windows")
def test_the_folder_is_synced_after_the_rename(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real_fsync(fd)
    monkeypatch.setattr(os, "fsync", fsync)
    atomic_write(tmp_path / "x.segue", b"data")
    assert synced == [False, True]                   # the file's bytes, then the folder's new name


def test_a_failed_save_leaves_the_old_file_and_no_part(tmp_path):
    target = tmp_path / "x.segue"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"new")
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old" and _leftovers(tmp_path) == []


def test_a_write_protected_file_is_never_replaced(tmp_path):
    """chmod a-w is the user saying "keep this": refused, as the superuser too, and left as it was."""
    kept = tmp_path / "kept.mid"
    kept.write_bytes(b"the user's own")
    kept.chmod(0o444)
    with pytest.raises(PermissionError, match="write-protected"):
        atomic_write(kept, b"new")
    assert kept.read_bytes() == b"the user's own" and not list(tmp_path.glob("*.part"))
    link = tmp_path / "link.mid"
    link.symlink_to(kept)
    with pytest.raises(PermissionError, match="write-protected"):
        atomic_write(link, b"new")
    assert kept.read_bytes() == b"the user's own" and link.is_symlink()


def test_a_pipe_a_device_or_a_folder_in_the_way_is_never_replaced(tmp_path):
    fifo = tmp_path / "pipe.mid"
    os.mkfifo(fifo)
    link = tmp_path / "to-a-device.wav"
    link.symlink_to("/dev/null")
    folder = tmp_path / "folder.mid"
    folder.mkdir()
    for path, problem in ((fifo, "device or a pipe"), (link, "device or a pipe"), (folder, "folder")):
        with pytest.raises(OSError, match=problem):
            atomic_write(path, b"new")
    assert stat.S_ISFIFO(fifo.stat().st_mode) and link.is_symlink() and Path("/dev/null").is_char_device()
    assert folder.is_dir()
