"""Averaging a run's epochs: the weights are the mean, the best window is chosen on validation,
and the written folder is an ordinary model that says what it is."""

import json

import pytest
import torch

from engine.cli import average_command
from engine.model.checkpoint import load_model
from engine.training.averaging import averaged_model, best_average, write_average
from engine.training.evaluate import score_sequences
from engine.training.train import TrainConfig, config_of_run, train, training_and_validation
from main import command_parser


@pytest.fixture(scope="module")
def run(songs, tmp_path_factory):
    out = tmp_path_factory.mktemp("averaging") / "run"
    config = TrainConfig(data=[str(songs)], out=str(out), embedding_size=16, hidden_size=32, layers=1,
                         window=32, batch_size=4, epochs=4, patience=10, seed=5, threads=1, valid_fraction=0.25,
                         pitch_memory=True, rhythm_memory=True,    # rhythm memory: a plain model on whole pieces
                         controls=False, bar_from_music=False, excerpt_bars=(0, 0), velocity_levels=0)
    train(config)
    return out


@pytest.mark.slow
def test_the_average_of_epochs_is_the_mean_of_their_weights(run):
    a, b = (load_model(run / "epochs" / f"{e:03d}").model.state_dict() for e in (2, 3))
    mean = averaged_model(run, [2, 3]).model.state_dict()
    for key in mean:
        assert torch.allclose(mean[key], (a[key] + b[key]) / 2), key
    assert not torch.equal(mean["head.weight"], a["head.weight"])


def test_the_best_window_is_the_one_validation_likes_best(run, tmp_path):
    result = best_average(run, window=2)
    assert [r["epochs"] for r in result["tried"]] == [[1, 2], [2, 3], [3, 4]]
    assert result["valid_loss"] == min(r["valid_loss"] for r in result["tried"])
    out = write_average(run, tmp_path / "averaged", result, command="python main.py average RUN")
    loaded = load_model(out)
    assert loaded.info["averaged_epochs"] == result["epochs"] and loaded.excerpts
    # the figure in the folder is what scoring the written model on the run's validation music gives
    _, valid = training_and_validation(config_of_run(loaded.info), loaded.vocab, lambda e: None)
    scores = score_sequences(loaded.model, valid.tokens, loaded.vocab)
    assert scores["nats_per_token"] == pytest.approx(loaded.info["metrics"]["valid_loss"], rel=1e-6)
    card = (out / "card.md").read_text()
    assert f"epochs {result['epochs'][0]}-{result['epochs'][-1]}" in card and "python main.py average RUN" in card
    assert json.loads((out / "metrics.json").read_text())["epochs"]


def test_bad_requests_get_a_clear_message(run, tmp_path, capsys):
    args = command_parser().parse_args(["average", str(run), "--window", "9", "--out", str(tmp_path / "x")])
    assert average_command(args) == 2
    assert "--window must be between 1 and the 4 epochs" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    args = command_parser().parse_args(["average", str(tmp_path / "empty"), "--out", str(tmp_path / "y")])
    assert average_command(args) == 2
    assert "holds no epochs to average" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
