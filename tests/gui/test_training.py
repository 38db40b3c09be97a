"""Training from the window: a real child process learns a folder, the window keeps turning."""

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from engine.model.folders import list_models, user_models_dir
from gui.training import folder_size

SEEDS = Path(__file__).resolve().parents[2] / "resources" / "seeds"
TINY = ["--embedding-size", "8", "--hidden-size", "16", "--layers", "1", "--dropout", "0",
        "--batch-size", "2", "--window", "32", "--epochs", "2", "--transpose", "0"]


@pytest.fixture
def music(tmp_path):
    folder = tmp_path / "my music"
    folder.mkdir()
    for midi in sorted(SEEDS.glob("*.mid"))[:6]:
        shutil.copy(midi, folder)
    return folder


@pytest.fixture
def dialog(window, monkeypatch):
    monkeypatch.setattr("gui.training.SIZES", {"Tiny": TINY})
    d = window.train_model()
    d.size.clear()
    d.size.addItems(["Tiny"])
    d.minutes.setValue(5)
    shown = []
    monkeypatch.setattr("gui.training.QMessageBox.warning", lambda *a: shown.append(a[2]))
    d.shown = shown
    yield d
    d.shutdown()


@pytest.mark.slow
def test_training_a_folder_makes_a_model_the_continue_panel_offers(window, dialog, music, qtbot):
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(50)
    dialog.folder.setText(str(music))
    dialog.name.setText("my seeds")
    epochs = []
    chosen = window.panel.model_path()
    assert dialog.start()
    assert dialog.job.args[dialog.job.args.index("--keep-epochs") + 1] == "3"   # the best and the last 3
    dialog.job.epoch_done.connect(epochs.append)
    with qtbot.waitSignal(dialog.job.finished_with, timeout=120_000) as done:
        pass
    timer.stop()
    folder = Path(done.args[0])
    assert folder == user_models_dir() / "my seeds" and (folder / "model.safetensors").is_file()
    assert [e.epoch for e in epochs] == [1, 2]
    assert folder in list_models() and window.panel.model_box.findData(str(folder)) >= 0
    assert window.panel.model_path() == chosen                 # offered, not switched to
    assert "Use This Model" in dialog.status.text() and dialog.use_button.isDefault()
    assert f"takes {folder_size(folder)}" in dialog.disk.text()
    dialog.use_button.click()
    assert window.panel.model_path() == str(folder)            # chosen for the next Continue
    assert len(ticks) > 10, "the window must keep turning while the model learns"
    from engine.model.checkpoint import load_model
    loaded = load_model(folder)
    assert loaded.name == "my seeds" and loaded.info["training"]["data"] == [str(music)]
    assert not loaded.model.config.pitch_memory                 # unless asked for: it continues faster
    assert loaded.model.config.controls                         # so Continue follows a phrase with it
    assert "Done" in dialog.status.text()
    assert not dialog.shown


@pytest.mark.slow
def test_a_model_can_learn_to_remember_recent_pitches(dialog, music, qtbot):
    dialog.folder.setText(str(music))
    dialog.name.setText("with memory")
    dialog.memory.setChecked(True)
    assert dialog.start()
    assert not dialog.memory.isEnabled()                       # settings stay as started
    with qtbot.waitSignal(dialog.job.finished_with, timeout=120_000) as done:
        pass
    from engine.model.checkpoint import load_model
    loaded = load_model(done.args[0])
    assert loaded.model.config.pitch_memory and loaded.model.config.controls
    assert not dialog.shown


@pytest.mark.slow
def test_stop_ends_the_child_and_the_window_goes_on(window, dialog, music, qtbot, monkeypatch):
    monkeypatch.setattr("gui.training.SIZES", {"Tiny": TINY[:-6] + ["--epochs", "1000", "--transpose", "0"]})
    dialog.folder.setText(str(music))
    dialog.name.setText("stopped early")
    chosen = window.panel.model_path()
    assert dialog.start()
    with qtbot.waitSignal(dialog.job.epoch_done, timeout=120_000):
        pass
    with qtbot.waitSignal(dialog.job.stopped, timeout=10_000) as stopped:
        dialog.stop_button.click()
    assert not dialog.is_training()
    assert stopped.args[0] == str(user_models_dir() / "stopped early")   # the finished epochs are kept
    assert "Stopped after" in dialog.status.text() and dialog.start_button.isEnabled()
    assert window.panel.model_path() == chosen                 # a model of an epoch or two is only offered
    assert dialog.use_button.isEnabled() and "Use This Model" in dialog.status.text()
    assert window.isVisible()


def test_quitting_while_a_model_learns_asks_first(window, dialog, music, qtbot, monkeypatch):
    monkeypatch.setattr("gui.training.SIZES", {"Tiny": TINY[:-6] + ["--epochs", "1000", "--transpose", "0"]})
    dialog.folder.setText(str(music))
    dialog.name.setText("asked")
    assert dialog.start()
    answers = []
    monkeypatch.setattr("gui.main_window.QMessageBox.question",
                        lambda *a, **k: answers.append(a[2]) or QMessageBox.No)
    window.undo_stack.setClean()
    assert not window.close()                        # "No": the window stays, training goes on
    assert answers and "still learning" in answers[0] and dialog.is_training()
    monkeypatch.setattr("gui.main_window.QMessageBox.question", lambda *a, **k: QMessageBox.Yes)
    assert window.close()
    assert not dialog.is_training()


def test_a_folder_with_nothing_readable_is_a_message(dialog, tmp_path, qtbot):
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "broken.mid").write_bytes(b"MThd\x00\x00")
    dialog.folder.setText(str(junk))
    dialog.name.setText("nothing")
    assert dialog.start()
    with qtbot.waitSignal(dialog.job.failed, timeout=60_000):
        pass
    assert dialog.shown and "no readable music" in dialog.shown[0] and str(junk) in dialog.shown[0]
    assert dialog.start_button.isEnabled()


def test_names_and_folders_are_checked_before_anything_starts(dialog, music, tmp_path):
    dialog.folder.setText(str(tmp_path / "nowhere"))
    dialog.name.setText("fine")
    assert not dialog.start() and "does not exist" in dialog.shown[-1]
    dialog.folder.setText(str(music))
    dialog.name.setText("default")
    assert not dialog.start() and "comes with Segue" in dialog.shown[-1]
    dialog.name.setText("../../escape")
    assert not dialog.start() and "letters, digits" in dialog.shown[-1]
    assert dialog.job is None


def child_job(code: str):
    """A TrainingJob whose child is a stand-in Python program instead of `main.py train`."""
    import sys

    from gui.training import TrainingJob
    job = TrainingJob(["music"], "stand-in", 5, [])
    job.process.setProgram(sys.executable)
    job.process.setArguments(["-c", code])
    return job


def test_why_training_failed_comes_from_its_failed_event_not_from_stderr(qtbot):
    job = child_job("import sys; print('{\"stage\": \"failed\", \"message\": \"no readable music in x\"}'); "
                    "sys.stderr.write('segue: skipped a.mid: broken\\nsegue: something else\\n'); sys.exit(2)")
    with qtbot.waitSignal(job.failed, timeout=20_000) as failed:
        job.start()
    assert failed.args == ["error: no readable music in x"]


def test_a_crash_shows_the_last_line_of_its_traceback(qtbot):
    job = child_job("print('{\"stage\": \"resumed\", \"epoch\": 2}'); raise RuntimeError('boom')")
    with qtbot.waitSignal(job.failed, timeout=20_000) as failed:
        job.start()
    assert failed.args == ["Training stopped with an error: RuntimeError: boom"]
    assert job.epochs == 2                                     # its events were read up to the crash


@pytest.mark.parametrize("size", ["Small", "Large"])
def test_the_dialog_trains_the_command_line_s_default_kind_of_model(size, qtbot):
    import dataclasses

    import main
    from engine.training.config import TrainConfig, config_from_arguments
    from gui.training import SIZES, TrainingJob

    network = next(args for label, args in SIZES.items() if label.startswith(size))
    job = TrainingJob(["music"], "mine", 5, network)
    assert not {"--controls", "--excerpts", "--velocity-levels"} & set(job.args)      # no flags of its own
    parse = main.command_parser().parse_args
    dialog = config_from_arguments(parse(job.args[job.args.index("train"):]))
    command_line = config_from_arguments(parse(["train", "--data", "music", "--out", str(job.folder)]))
    # what the dialog chooses: the folders, the network's size and how long it learns
    chosen = {"data", "name", "epochs", "max_minutes", "threads", "credit", "keep_epochs", "embedding_size",
              "hidden_size", "layers", "dropout", "batch_size", "window"}
    for f in dataclasses.fields(TrainConfig):
        if f.name not in chosen:
            assert getattr(dialog, f.name) == getattr(command_line, f.name), f.name
    assert dialog.controls and dialog.excerpt_bars == (8, 32) and dialog.velocity_levels == 4
