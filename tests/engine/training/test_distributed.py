"""Training under torchrun: two processes with half the batch each learn what one process with
the whole batch learns; bad set-ups get one clear line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from engine.training import distributed

ROOT = Path(__file__).resolve().parents[3]


def train_command(songs, out, epochs=2, batch=4, extra=()):
    return ["main.py", "train", "--data", str(songs), "--out", str(out), "--embedding-size", "16",
            "--hidden-size", "32", "--layers", "2", "--window", "32", "--batch-size", str(batch),
            "--epochs", str(epochs), "--patience", "10", "--seed", "3", "--threads", "1", "--dropout", "0",
            "--device", "cpu", *extra]


def run(args, timeout=300, **env):
    environment = dict(os.environ, PYTHONPATH=str(ROOT), **env)
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=timeout)


def torchrun(processes, args):
    return run(["-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}", *args])


@pytest.mark.slow
def test_two_processes_with_half_the_batch_each_end_where_one_process_ends(songs, tmp_path):
    one = run(train_command(songs, tmp_path / "one"))
    assert one.returncode == 0, one.stderr[-2000:]
    two = torchrun(2, train_command(songs, tmp_path / "two"))
    assert two.returncode == 0, two.stderr[-2000:]
    a = load_file(str(tmp_path / "one" / "epochs" / "002" / "model.safetensors"))
    b = load_file(str(tmp_path / "two" / "epochs" / "002" / "model.safetensors"))
    start = load_file(str(tmp_path / "one" / "epochs" / "001" / "model.safetensors"))
    assert a.keys() == b.keys()
    moved = max(float((a[k] - start[k]).abs().max()) for k in a)
    assert moved > 1e-3, "the weights should have moved in the second epoch"
    for key in a:
        assert torch.allclose(a[key], b[key], rtol=1e-4, atol=2e-5), (key, float((a[key] - b[key]).abs().max()))
    card = (tmp_path / "two" / "card.md").read_text()
    assert "2 processes" in card
    assert not (tmp_path / "two" / "epochs" / "003").exists()


@pytest.mark.slow
def test_a_run_under_torchrun_killed_with_kill_9_resumes_to_the_same_weights(songs, tmp_path):
    import signal
    import time

    whole = torchrun(2, train_command(songs, tmp_path / "whole", epochs=4))
    assert whole.returncode == 0, whole.stderr[-2000:]
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    launch = subprocess.Popen([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                               *train_command(songs, tmp_path / "killed", epochs=4)], cwd=ROOT, env=environment,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    first = tmp_path / "killed" / "resume" / "state.json"          # written last: the epoch is saved
    deadline = time.time() + 240
    while not first.exists() and time.time() < deadline and launch.poll() is None:
        time.sleep(0.02)
    os.killpg(launch.pid, signal.SIGKILL)                           # torchrun and both its processes
    launch.wait(10)
    assert first.exists(), "the first epoch's checkpoint should exist before the kill"
    assert not (tmp_path / "killed" / "epochs" / "004").exists(), "killed too late to test anything"
    again = torchrun(2, train_command(songs, tmp_path / "killed", epochs=4))
    assert again.returncode == 0, again.stderr[-2000:]
    assert "resuming after epoch" in again.stderr
    a = load_file(str(tmp_path / "whole" / "epochs" / "004" / "model.safetensors"))
    b = load_file(str(tmp_path / "killed" / "epochs" / "004" / "model.safetensors"))
    for key in a:
        assert torch.equal(a[key], b[key]), key


@pytest.mark.slow
def test_a_batch_the_processes_cannot_share_equally_is_refused_in_one_line(songs, tmp_path):
    result = torchrun(2, train_command(songs, tmp_path / "odd", batch=5))
    assert result.returncode != 0
    assert "segue: error: --batch-size 5 cannot be shared equally by 2 training processes" in result.stderr
    assert "exitcode  : 2" in result.stderr                  # torchrun's own summary names our exit status
    # torchrun prints its own traceback of the failed launch; none comes from Segue's processes
    assert result.stderr.count("Traceback (most recent call last)") == result.stderr.count("ChildFailedError(")


@pytest.mark.slow
def test_a_process_that_cannot_reach_the_others_says_so_within_its_timeout(songs, tmp_path):
    """Rank 1 of 2, alone: nobody listens at the address it was given."""
    result = run(["-c", "import sys; from engine.training import distributed; distributed.JOIN_SECONDS = 3; "
                        "import main; sys.exit(main.main(sys.argv[1:]))",
                  *train_command(songs, tmp_path / "alone")[1:]],
                 timeout=120, WORLD_SIZE="2", RANK="1", LOCAL_RANK="1", MASTER_ADDR="127.0.0.1", MASTER_PORT="9")
    assert result.returncode == 2, result.stderr[-2000:]
    assert "training process 1 of 2 could not reach the others at 127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_cuda_asked_for_on_a_machine_without_it_is_one_line(songs, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    args = train_command(songs, tmp_path / "gpu")
    args[args.index("cpu")] = "cuda"
    result = run(args)
    assert result.returncode == 2
    assert "no CUDA device" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("env, problem", [
    ({"WORLD_SIZE": "two"}, "whole numbers"),
    ({"WORLD_SIZE": "2", "RANK": "2"}, "rank 2 of 2"),
])
def test_a_broken_torchrun_environment_is_named(monkeypatch, env, problem):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=problem):
        distributed.started_by_torchrun()


def test_without_torchrun_training_is_one_process():
    world = distributed.started_by_torchrun() if "WORLD_SIZE" not in os.environ else distributed.World()
    assert world == distributed.World() and world.main and not world.shared
    assert distributed.my_lanes(distributed.World(1, 4), 8) == slice(2, 4)


@pytest.mark.parametrize("device, problem", [
    ("tpu", "--device must be auto, cpu, cuda or cuda:N, not 'tpu'"),
    ("cuda:x", "--device must be auto, cpu, cuda or cuda:N"),
])
def test_a_device_segue_does_not_know_is_named(device, problem):
    from engine.training.train import pick_device
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        pick_device(device)


def test_mixed_precision_on_the_cpu_is_refused_in_one_line(songs, tmp_path):
    result = run(train_command(songs, tmp_path / "bf16", extra=("--bf16",)))
    assert result.returncode == 2
    assert "--bf16 trains in mixed precision on a CUDA GPU" in result.stderr and "Traceback" not in result.stderr
