"""One source of training settings: the `train` command's defaults are TrainConfig's, field by field."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

import main
from engine.training.config import TrainConfig, config_from_arguments, defaults, train_options

ROOT = Path(__file__).resolve().parents[3]


def parsed(*extra):
    return main.command_parser().parse_args(["train", "--data", "music", "--out", "models/mine", *extra])


def test_the_train_command_s_defaults_are_train_config_s_field_by_field():
    config = config_from_arguments(parsed())
    plain = TrainConfig(data=["music"], out="models/mine")
    for f in dataclasses.fields(TrainConfig):
        if f.name == "name":
            assert config.name == "mine"                          # the folder's name
        else:
            assert getattr(config, f.name) == getattr(plain, f.name), f.name


def test_every_option_s_default_is_its_field_s_default():
    default = defaults()
    seen = set()
    for option in train_options():
        if "default" in option.keywords and option.dest in default and option.dest != "transpose":   # N: -N..+N
            assert option.keywords["default"] == default[option.dest], option.flag
            seen.add(option.dest)
    assert {"hidden_size", "embedding_size", "dropout", "learning_rate", "epochs", "device"} <= seen


def test_every_setting_with_a_help_text_is_an_option_and_reaches_its_field():
    offered = {f.name for f in dataclasses.fields(TrainConfig) if f.metadata.get("help")}
    flags = {option.dest for option in train_options()}
    renamed = {"context": "no_held_notes", "excerpt_bars": "excerpts"}
    assert {renamed.get(name, name) for name in offered} <= flags
    config = config_from_arguments(parsed("--hidden-size", "77", "--dropout", "0.05", "--epochs", "9",
                                          "--device", "cpu", "--keep-epochs", "2", "--pitch-memory",
                                          "--excerpts", "2", "4", "--no-held-notes", "--credit", "mine",
                                          "--valid", "v1", "v2", "--init-from", "base"))
    assert (config.hidden_size, config.dropout, config.epochs, config.device) == (77, 0.05, 9, "cpu")
    assert (config.keep_epochs, config.pitch_memory, config.excerpt_bars) == (2, True, (2, 4))
    assert (config.context, config.credit, config.valid, config.init_from) == (False, "mine", ["v1", "v2"], "base")


def test_the_transposition_range_is_symmetric_and_its_default_agrees():
    low, high = TrainConfig(data=[], out="").transpose
    assert high > 0 and low == -high
    assert config_from_arguments(parsed("--transpose", "3")).transpose == (-3, 3)
    assert config_from_arguments(parsed("--transpose", "0")).transpose == (0, 0)
    assert parsed().transpose == high


@pytest.mark.parametrize("flag", ["--controls", "--control-scores", "--rhythm-scores"])
def test_each_control_option_makes_a_metre_aware_model_with_controls(flag):
    config = config_from_arguments(parsed(flag))
    assert config.controls and config.bar_from_music


def test_by_default_the_command_line_makes_the_train_dialog_s_kind_of_model():
    config = config_from_arguments(parsed())
    assert config.controls and config.bar_from_music                 # Continue can follow and be steered
    assert config.excerpt_bars == (8, 32) and config.velocity_levels == 4


def test_a_plain_model_is_still_one_option_away():
    plain = config_from_arguments(parsed("--no-controls", "--excerpts", "0", "0", "--velocity-levels", "0"))
    assert not plain.controls and not plain.bar_from_music
    assert plain.excerpt_bars == (0, 0) and plain.velocity_levels == 0
    with pytest.raises(ValueError, match="--control-scores and --rhythm-scores score by the controls"):
        config_from_arguments(parsed("--no-controls", "--control-scores", "--rhythm-scores"))
    with pytest.raises(ValueError, match="--rhythm-memory does not yet follow .* add --no-controls"):
        config_from_arguments(parsed("--rhythm-memory"))                 # the network would refuse it later
    assert config_from_arguments(parsed("--rhythm-memory", "--no-controls")).rhythm_memory


def test_a_run_saved_before_the_defaults_changed_is_read_as_it_was_trained():
    from engine.training.config import config_of_run
    old = {"training": {"data": ["music"], "out": "models/old", "velocity_levels": 0, "transpose": [-5, 5]}}
    config = config_of_run(old)
    assert not config.controls and not config.bar_from_music and config.excerpt_bars == (0, 0)
    saved = {"training": {"data": ["music"], "out": "models/new", "controls": True, "bar_from_music": True,
                          "excerpt_bars": [8, 32], "velocity_levels": 4}}
    assert config_of_run(saved).excerpt_bars == (8, 32) and config_of_run(saved).controls


@pytest.mark.parametrize("flag", ["--lookback", "--harmony", "--phrase-position"])
def test_each_bar_counting_option_makes_a_metre_aware_model_without_controls(flag):
    config = config_from_arguments(parsed(flag, "--no-controls"))
    assert getattr(config, flag[2:].replace("-", "_")) and config.bar_from_music and not config.controls
    assert getattr(config.model_config(config.vocabulary()), flag[2:].replace("-", "_"))


@pytest.mark.parametrize("extra, complaint", [(["--excerpts", "4", "2"], "--excerpts"),
                                              (["--keep-epochs", "-1"], "--keep-epochs")])
def test_settings_the_parser_cannot_check_are_refused(extra, complaint):
    with pytest.raises(ValueError, match=complaint):
        config_from_arguments(parsed(*extra))


def test_the_settings_and_the_parser_do_not_import_torch():
    code = ("import sys, main, engine.training.config; main.command_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'numpy')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
