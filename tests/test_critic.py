"""The critic of the blind pairs (benchmarks/critic_net.py, critic.py): the picture a judge sees, a
critic saved and read back the same, a damaged file said as such, and the bundled critic's own figures."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.music.phrase import Note

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from critic_net import BARS, CHANNELS, LOWEST, ROWS, Critic, load_critic, picture, save_critic  # noqa: E402


def test_the_picture_shows_the_phrase_then_the_continuation_on_the_keyboard():
    bar = 16
    before = [Note(55, 0, 4), Note(60, 4 * bar, 4), Note(64, 5 * bar - 2, 6)]   # 5 bars; E held over the line
    after = [Note(67, 0, 2), Note(12, bar, 1), Note(120, 2 * bar, 1)]      # off the keyboard: moved by octaves
    roll = picture(before, 5 * bar, after, bar)                 # the first bar is not shown
    lead = BARS * bar
    assert roll.shape == (CHANNELS, ROWS, 2 * lead)
    assert roll[0, 60 - LOWEST, lead - bar] == 1 and roll[1, 60 - LOWEST, lead - bar:lead - bar + 4].all()
    assert roll[0, 64 - LOWEST, lead - 2] == 1 and roll[1, 64 - LOWEST, lead:lead + 4].all()   # it sounds on
    assert roll[0, 67 - LOWEST, lead] == 1
    assert roll[0, 24 - LOWEST, lead + bar] == 1 and roll[0, 108 - LOWEST, lead + 2 * bar] == 1
    assert roll[2, :, :lead].sum() == 0 and roll[2, :, lead:].all()
    assert roll[0].sum() == 5                                   # the G of the first bar is left out


def test_a_critic_saved_comes_back_and_scores_alike(tmp_path):
    torch.manual_seed(1)
    network = Critic(width=4)
    save_critic(tmp_path / "c", network, {"held out": {"auc": 0.5}})
    loaded = load_critic(tmp_path / "c")
    assert loaded.info["held out"] == {"auc": 0.5}
    before = [Note(60 + k, 4 * k, 4) for k in range(16)]
    drafts = [[Note(72, 4 * k, 4) for k in range(16)], [Note(48, 0, 64)]]
    expected = network.eval()(torch.from_numpy(np.stack([picture(before, 64, d, 16) for d in drafts])))
    assert np.allclose(loaded.scores(before, 64, drafts, 16), expected.detach().numpy(), atol=1e-6)
    assert len(set(np.round(loaded.scores(before, 64, drafts, 16), 6))) == 2


def test_a_damaged_critic_is_said_with_its_file(tmp_path):
    save_critic(tmp_path / "c", Critic(width=4), {})
    (tmp_path / "c.safetensors").write_bytes(b"not weights")
    with pytest.raises(ValueError, match="critic .*c could not be read"):
        load_critic(tmp_path / "c")
    save_critic(tmp_path / "c", Critic(width=4), {})
    description = json.loads((tmp_path / "c.json").read_text())
    (tmp_path / "c.json").write_text(json.dumps({**description, "format": "segue-critic/99"}))
    with pytest.raises(ValueError, match="segue-critic/99"):
        load_critic(tmp_path / "c")


def test_the_bundled_critic_reads_and_its_figures_are_its_own():
    critic = load_critic(ROOT / "benchmarks" / "critic_weights" / "default")
    held = critic.info["held out"]
    assert held["pieces"] == 26 and held["pairs"] > 200 and 0.5 < held["pairs told apart"] <= 1
    assert critic.info["chosen epoch"] == max(critic.info["history"], key=lambda h: h["valid"]["auc"])["epoch"]
