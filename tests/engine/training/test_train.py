"""Training writes a loadable checkpoint every epoch, keeps the best, and resumes exactly."""

import json

import pytest
import torch
from safetensors.torch import load_file

from engine.model.checkpoint import load_model
from engine.training.progress import Batch, DataReady, Resumed, Skipped, Storing
from engine.training.train import TrainConfig, train


def tiny_config(songs, out, epochs):
    return TrainConfig(data=[str(songs)], out=str(out), embedding_size=16, hidden_size=32, layers=1,
                       window=32, batch_size=4, epochs=epochs, patience=10, seed=3, threads=1,
                       valid_fraction=0.25)


def test_every_epoch_is_kept_and_the_best_is_on_top(songs, tmp_path):
    events = []
    result = train(tiny_config(songs, tmp_path / "run", 3), events.append)
    run = tmp_path / "run"
    for epoch in (1, 2, 3):
        assert load_model(run / "epochs" / f"{epoch:03d}").info["epoch"] == epoch
    best = load_model(run)
    assert best.info["epoch"] == result["best_epoch"]
    assert best.excerpts, "the model carries excerpts for random starts"
    metrics = json.loads((run / "metrics.json").read_text())
    assert [row["epoch"] for row in metrics["epochs"]] == [1, 2, 3]
    assert (run / "curves.png").stat().st_size > 1000
    card = (run / "card.md").read_text()
    assert "Training time" in card and "parameters" in card
    assert any(isinstance(e, Skipped) and "broken.mid" in e.path for e in events)
    batches = [e for e in events if isinstance(e, Batch)]
    assert batches and all(e.tokens_per_s > 0 and 0 <= e.accuracy <= 1 for e in batches)
    assert metrics["epochs"][-1]["train_loss"] < metrics["epochs"][0]["train_loss"]


def test_keep_epochs_keeps_the_best_and_the_last_few_and_the_run_still_resumes(songs, tmp_path):
    config = tiny_config(songs, tmp_path / "run", 5)
    config.keep_epochs = 2
    events = []
    result = train(config, events.append)
    epochs = tmp_path / "run" / "epochs"
    kept = sorted(int(d.name) for d in epochs.iterdir())
    assert kept == sorted({result["best_epoch"], 4, 5})
    assert all(load_model(epochs / f"{e:03d}").info["epoch"] == e for e in kept)
    config.epochs = 6
    assert train(config)["epochs"] == 6                      # resumes from the last epoch kept
    assert sorted(int(d.name) for d in epochs.iterdir()) == sorted({train_best(tmp_path / "run"), 5, 6})


def train_best(run) -> int:
    return json.loads((run / "metrics.json").read_text())["best_epoch"]


def test_an_interrupted_run_resumes_to_the_same_model(songs, tmp_path):
    train(tiny_config(songs, tmp_path / "whole", 3))
    train(tiny_config(songs, tmp_path / "parts", 2))          # as if stopped after epoch 2
    train(tiny_config(songs, tmp_path / "parts", 3))          # the same command again resumes
    a = load_file(str(tmp_path / "whole" / "epochs" / "003" / "model.safetensors"))
    b = load_file(str(tmp_path / "parts" / "epochs" / "003" / "model.safetensors"))
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    # the card of the resumed run tells the whole run, as the uninterrupted one's does (but its name and time)
    told = lambda run: [line for line in (tmp_path / run / "card.md").read_text().splitlines()
                        if not line.startswith(("# Model card", "- Training time"))]
    assert told("whole") == told("parts") and "- Epochs run: 3; this folder holds epoch" in "\n".join(told("parts"))


def test_a_resumed_run_whose_new_epochs_do_not_improve_still_cards_its_best_epoch(songs, tmp_path, monkeypatch):
    import engine.training.train
    run = tmp_path / "run"
    train(tiny_config(songs, run, 2))
    best = load_model(run).info["epoch"]
    record = engine.training.train.record_epoch
    monkeypatch.setattr(engine.training.train, "record_epoch",
                        lambda state, epoch, loss, lr_patience=1: record(state, epoch, float("inf"), lr_patience))
    train(tiny_config(songs, run, 3))
    card = (run / "card.md").read_text()
    assert f"- Epochs run: 3; this folder holds epoch {best}, the best on validation" in card
    assert "\n| 3 | " in card and load_model(run).info["epoch"] == best


@pytest.mark.slow
def test_a_model_with_pitch_and_rhythm_memory_trains_resumes_and_says_so(songs, tmp_path):
    def config(out, epochs):
        c = tiny_config(songs, out, epochs)
        c.pitch_memory = c.rhythm_memory = True
        c.controls = c.bar_from_music = False          # rhythm memory does not yet count bars in the music's metre
        return c
    train(config(tmp_path / "whole", 3))
    train(config(tmp_path / "parts", 2))
    train(config(tmp_path / "parts", 3))
    a = load_file(str(tmp_path / "whole" / "epochs" / "003" / "model.safetensors"))
    b = load_file(str(tmp_path / "parts" / "epochs" / "003" / "model.safetensors"))
    assert "interval_scores.weight" in a and "wait_weights.weight" in a
    assert all(torch.equal(a[key], b[key]) for key in a)
    loaded = load_model(tmp_path / "whole")
    assert loaded.model.config.pitch_memory and loaded.model.config.rhythm_memory
    card = (tmp_path / "whole" / "card.md").read_text()
    assert "pitch memory" in card and "rhythm memory" in card
    metrics = json.loads((tmp_path / "whole" / "metrics.json").read_text())
    assert metrics["epochs"][-1]["train_loss"] < metrics["epochs"][0]["train_loss"]
    plain = tiny_config(songs, tmp_path / "whole", 4)          # the same folder without the memories
    with pytest.raises(ValueError, match="other settings"):
        train(plain)


def test_a_model_with_lookback_harmony_and_phrase_position_trains_resumes_and_says_so(songs, tmp_path):
    """Excerpts read their chords (hidden at random, bar by bar and whole excerpts) and their bars'
    places; a run in two parts ends where one run does, so the hiding draws are the same on resume."""
    def config(out, epochs):
        c = tiny_config(songs, out, epochs)
        c.lookback = c.harmony = c.phrase_position = c.bar_from_music = True
        c.excerpt_bars = (2, 3)
        return c
    train(config(tmp_path / "whole", 2))
    train(config(tmp_path / "parts", 1))
    train(config(tmp_path / "parts", 2))
    a = load_file(str(tmp_path / "whole" / "epochs" / "002" / "model.safetensors"))
    b = load_file(str(tmp_path / "parts" / "epochs" / "002" / "model.safetensors"))
    assert {"lookback_weights.weight", "harmony_weights.weight", "chord_input.weight", "phrase_bars.weight"} <= set(a)
    assert all(torch.equal(a[key], b[key]) for key in a)
    assert all(a[key].abs().sum() > 0 for key in ("lookback_weights.weight", "harmony_weights.weight",
                                                  "chord_input.weight", "repeat_input.weight", "phrase_bars.weight"))
    loaded = load_model(tmp_path / "whole")
    assert loaded.model.config.lookback and loaded.model.config.harmony and loaded.model.config.phrase_position
    card = (tmp_path / "whole" / "card.md").read_text()
    assert "lookback (as Magenta's Lookback RNN)" in card and "harmony: the chord sounding now" in card
    assert "groups of 4 and 8 bars" in card


def test_resuming_with_other_settings_is_refused(songs, tmp_path):
    train(tiny_config(songs, tmp_path / "run", 1))
    other = tiny_config(songs, tmp_path / "run", 2)
    other.hidden_size = 48
    with pytest.raises(ValueError, match="other settings"):
        train(other)


def test_no_readable_music_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no readable music"):
        train(TrainConfig(data=[str(tmp_path / "empty")], out=str(tmp_path / "out")))


def test_a_kill_between_the_optimizer_and_the_state_file_resumes_from_the_saved_epoch(songs, tmp_path):
    """The resume state's commit point is state.json: a newer optimizer file without it is ignored."""
    whole = tmp_path / "whole"
    train(tiny_config(songs, whole, 3))
    parts = tmp_path / "parts"
    train(tiny_config(songs, parts, 2))
    resume = parts / "resume"
    assert json.loads((resume / "state.json").read_text())["optimizer"] == "optimizer-002.safetensors"
    assert [p.name for p in resume.glob("optimizer*")] == ["optimizer-002.safetensors"]
    (resume / "optimizer-003.safetensors").write_bytes(b"half written by a process killed here")
    events = []
    train(tiny_config(songs, parts, 3), events.append)
    assert Resumed(epoch=2) in events
    a = load_file(str(whole / "epochs" / "003" / "model.safetensors"))
    b = load_file(str(parts / "epochs" / "003" / "model.safetensors"))
    for key in a:
        assert torch.equal(a[key], b[key]), key


@pytest.mark.slow
def test_a_training_process_killed_mid_run_resumes_to_the_same_model(songs, tmp_path):
    """kill -9 a real `main.py train` after its first checkpoint; the same command finishes the job."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]

    def command(out):
        return [sys.executable, str(root / "main.py"), "train", "--data", str(songs), "--out", str(out),
                "--embedding-size", "16", "--hidden-size", "32", "--layers", "1", "--window", "32",
                "--batch-size", "4", "--epochs", "5", "--patience", "10", "--seed", "3", "--threads", "1"]

    env = dict(os.environ, PYTHONPATH=str(root))
    run = lambda out: subprocess.run(command(out), env=env, capture_output=True, text=True, timeout=300)
    assert run(tmp_path / "whole").returncode == 0

    child = subprocess.Popen(command(tmp_path / "killed"), env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    first = tmp_path / "killed" / "resume" / "state.json"          # written last: the epoch is saved
    deadline = time.time() + 120
    while not first.exists() and time.time() < deadline and child.poll() is None:
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    assert first.exists(), "the first epoch's checkpoint should exist before the kill"
    assert not (tmp_path / "killed" / "epochs" / "005").exists(), "killed too late to test anything"
    again = run(tmp_path / "killed")
    assert again.returncode == 0, again.stderr[-1000:]
    assert "resuming after epoch" in again.stderr
    a = load_file(str(tmp_path / "whole" / "epochs" / "005" / "model.safetensors"))
    b = load_file(str(tmp_path / "killed" / "epochs" / "005" / "model.safetensors"))
    for key in a:
        assert torch.equal(a[key], b[key]), key


@pytest.mark.parametrize("lr_patience, rates", [
    (1, [1.0, 0.5, 0.5, 0.25, 0.125]),          # every epoch without progress halves the rate
    (2, [1.0, 1.0, 1.0, 1.0, 0.5]),             # a single noisy epoch does not
])
def test_the_learning_rate_is_halved_after_lr_patience_epochs_without_progress(lr_patience, rates):
    from engine.training.train import record_epoch
    state = {"epoch": 0, "best_epoch": 0, "best_valid_loss": float("inf"), "bad_epochs": 0, "learning_rate": 1.0}
    seen = []
    for epoch, loss in enumerate([2.0, 2.1, 1.9, 1.95, 1.96], start=1):
        record_epoch(state, epoch, loss, lr_patience)
        seen.append(state["learning_rate"])
    assert seen == rates
    assert state["best_epoch"] == 3 and state["bad_epochs"] == 2 and state["epoch"] == 5


def test_a_network_can_start_from_another_model_and_its_new_parts_start_silent(tiny_controls_model_dir):
    import torch

    from engine.encoding.side_inputs import model_arguments, stream_inputs
    from engine.encoding.tokens import encode
    from engine.model.checkpoint import load_model
    from engine.model.network import MusicLSTM
    from engine.music.phrase import Note, Phrase
    from engine.training.run_folder import start_from
    source = load_model(tiny_controls_model_dir)
    config = type(source.model.config)(**{**source.model.config.to_json(), "control_scores": True})
    grown = MusicLSTM(config).eval()
    start_from(grown, str(tiny_controls_model_dir))
    tokens = encode(Phrase(tuple(Note(60 + i % 7, 3 * i, 3, 90) for i in range(12))), source.vocab)
    side = {k: torch.from_numpy(v)[None] for k, v in stream_inputs(tokens, source.vocab, config, 16, 4).items()}
    with torch.no_grad():
        a, _ = source.model(torch.tensor([tokens]), None, **model_arguments(side, "cpu"))
        b, _ = grown(torch.tensor([tokens]), None, **model_arguments(side, "cpu"))
    assert torch.allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("unlinked", [True, False], ids=["posix", "removed-on-close"])
def test_the_training_store_is_removed_after_training_and_after_an_error(songs, tmp_path, monkeypatch, unlinked):
    import tempfile

    import engine.training.token_store as token_store
    monkeypatch.setattr(token_store, "UNLINK_WHEN_WRITTEN", unlinked)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    # the stores (torch keeps its own files there; each store has a lock beside it while it lives)
    ours = lambda: sorted(p.name.split("-")[1] for p in temp.glob("segue-*") if not p.name.endswith(".lock"))
    during = []

    def watch(event):
        if isinstance(event, DataReady):
            during.append(ours())
    train(tiny_config(songs, tmp_path / "run", 1), watch)
    assert during == [[] if unlinked else ["training", "validation"]]
    assert not list(temp.glob("segue-*"))                # the stores and their locks

    class Stop(Exception):
        pass

    for kind in (Storing, Batch):
        def fail(event, kind=kind):
            if isinstance(event, kind):
                raise Stop
        with pytest.raises(Stop) as caught:          # its traceback keeps every frame's stores alive
            train(tiny_config(songs, tmp_path / kind.stage, 1), fail)
        assert not ours(), kind.stage                    # (their locks go with the traceback's frames)
        assert caught.tb is not None
