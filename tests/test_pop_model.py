"""The bundled pop model (models/pop, trained on POP909): it loads, continues a pop seed from the
command line, says what it learned from and under what licence, and stays small."""

import json
from pathlib import Path

import main
from engine.files.reading import read_music
from engine.model.folders import find_model, list_models

ROOT = Path(__file__).resolve().parents[1]
POP = ROOT / "models" / "pop"
SEED = ROOT / "resources" / "seeds" / "pop909-003.mid"


def test_the_pop_model_is_bundled_and_listed_by_name():
    assert find_model("pop") == POP
    assert POP in list_models()


def test_continue_with_the_pop_model_writes_new_bars_after_a_pop_seed(tmp_path, capsys):
    out = tmp_path / "out.mid"
    code = main.main(["continue", str(SEED), "-o", str(out), "--bars", "4", "--seed", "3", "--model", "pop"])
    assert code == 0, capsys.readouterr().err
    seed, result = read_music(SEED, steps_per_quarter=4), read_music(out, steps_per_quarter=4)
    assert result.notes[:len(seed.notes)] == seed.notes
    new = [n for n in result.notes[len(seed.notes):] if n.start >= seed.length]
    assert len(new) >= 8, "four bars of pop need more than a handful of notes"
    assert len({n.pitch for n in new}) >= 4


def test_the_pop_model_says_what_it_learned_from_and_credits_pop909():
    info = json.loads((POP / "model.json").read_text())
    training = info["training"]
    assert all("pop909" in path for path in training["data"] + training["valid"])
    assert "POP909" in training["credit"] and "MIT" in training["credit"]
    card = (POP / "card.md").read_text()
    assert "POP909" in card and "MIT" in card and "ISMIR 2020" in card
    assert "tools/pop909_to_midi.py" in card            # how a user makes the same training files


def test_the_validation_songs_are_the_chord_benchmark_s_held_out_songs(pop909):
    from engine.files.pop909 import song_folders, split_songs

    info = json.loads((POP / "model.json").read_text())
    kept, held = split_songs([f.name for f in song_folders(pop909)], 0.1, 909)
    songs = json.loads((POP / "songs.json").read_text())         # the songs of each side, as trained
    assert info["training"]["valid_pieces"] == len(held) == len(songs["valid"])
    assert set(songs["valid"]) == set(held)
    assert set(songs["train"]) <= set(kept) and songs["train"]


def test_the_pop_model_s_files_stay_small():
    sizes = {p.name: p.stat().st_size for p in POP.iterdir()}
    assert sizes["model.safetensors"] < 6_000_000
    assert sum(sizes.values()) < 8_000_000


def test_an_installed_copy_brings_the_pop_model():
    assert '"share/segue/models/pop" = ["models/pop/*"]' in (ROOT / "pyproject.toml").read_text()
