"""The model card is written from the values it is given, not from the model.json beside it."""

import json
from pathlib import Path

from engine.model.card import write_card

DEFAULT = Path(__file__).resolve().parents[3] / "models" / "default"


def in_order(lines, within):
    rest = iter(within)
    return all(line in rest for line in lines)


def test_the_bundled_model_s_card_is_written_again_from_its_values_alone(tmp_path):
    info = json.loads((DEFAULT / "model.json").read_text())
    history = json.loads((DEFAULT / "metrics.json").read_text())["epochs"]
    (tmp_path / "model.safetensors").symlink_to(DEFAULT / "model.safetensors")     # its size is on the card
    network, parameters, vocabulary = info.pop("model"), info.pop("parameters"), info.pop("vocabulary")
    path = write_card(tmp_path, info, network, parameters, vocabulary, history, history[-1]["seconds"], len(history))
    assert not (tmp_path / "model.json").exists()
    written = path.read_text().splitlines()
    assert "- Epochs run: 1; this folder holds epoch 1, the best on validation" in written
    assert "- 1,102,547 parameters; weights file 4.2 MB" in written
    # the shipped card is this one with hand-written sections added
    assert in_order(written, (DEFAULT / "card.md").read_text().splitlines())


def test_an_averaged_model_s_card_names_its_epochs(tmp_path):
    info = json.loads((DEFAULT / "model.json").read_text())
    info.update(averaged_epochs=[4, 5, 6], averaged_by="python main.py average RUN")
    (tmp_path / "model.safetensors").write_bytes(bytes(2048))
    text = write_card(tmp_path, info, info["model"], 10, info["vocabulary"], [], 0.0, 6).read_text()
    assert "the average of the weights of epochs 4-6" in text and "`python main.py average RUN`" in text
    assert "- 10 parameters; weights file 2.0 KB" in text
