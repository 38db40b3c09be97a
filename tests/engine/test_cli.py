"""The command line's train job: its --progress-json lines are the engine's typed events."""

import main
from engine.training import progress
from engine.training.progress import Batch, DataReady, EpochDone, Failed, Finished

TINY = ["--embedding-size", "16", "--hidden-size", "32", "--layers", "1", "--window", "32", "--batch-size", "4",
        "--epochs", "1", "--threads", "1", "--seed", "3"]


def test_progress_json_writes_one_event_a_line_then_the_summary(songs, tmp_path, capsys):
    assert main.main(["train", "--data", str(songs), "--out", str(tmp_path / "run"), "--progress-json", *TINY]) == 0
    *lines, summary = capsys.readouterr().out.splitlines()
    events = [progress.from_json(line) for line in lines]
    kinds = [type(e) for e in events]
    assert DataReady in kinds and Batch in kinds and kinds[-2:] == [EpochDone, Finished]
    assert summary.startswith("best epoch 1:")


def test_a_run_that_cannot_start_says_why_as_an_event_and_on_stderr(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code = main.main(["train", "--data", str(tmp_path / "empty"), "--out", str(tmp_path / "run"), "--progress-json",
                      *TINY])
    out, err = capsys.readouterr()
    assert code == 2
    failed = progress.from_json(out.splitlines()[-1])
    assert isinstance(failed, Failed) and failed.message.startswith("no readable music")
    assert err.strip() == f"segue: error: {failed.message}"


def test_settings_refused_before_training_are_an_event_too(tmp_path, capsys):
    code = main.main(["train", "--data", "x", "--out", str(tmp_path / "run"), "--progress-json",
                      "--excerpts", "4", "2"])
    assert code == 2
    assert isinstance(progress.from_json(capsys.readouterr().out), Failed)


def test_without_progress_json_nothing_but_the_summary_goes_to_stdout(songs, tmp_path, capsys):
    assert main.main(["train", "--data", str(songs), "--out", str(tmp_path / "run"), *TINY]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [out.strip()] and out.startswith("best epoch 1:")
    assert "epoch 1: training loss" in err and "skipped" in err


def test_a_second_training_into_the_same_folder_is_refused_naming_the_running_one(songs, tmp_path, capsys):
    import os

    from engine.cli import hold_run_folder
    out = tmp_path / "run"
    lock = hold_run_folder(out)                       # as a run in progress holds it
    try:
        code = main.main(["train", "--data", str(songs), "--out", str(out), *TINY])
        err = capsys.readouterr().err
        assert code == 2 and f"being trained by another run (process {os.getpid()})" in err
        assert not (out / "model.json").exists()
    finally:
        lock.close()
    assert hold_run_folder(out) is not None           # free again once the first run has ended


def test_an_out_that_is_a_file_is_one_line(songs, tmp_path, capsys):
    """Found by benchmarks/fuzz_options.py: train --out onto a MIDI file raised FileExistsError."""
    taken = tmp_path / "phrase.mid"
    taken.write_bytes(b"MThd")
    code = main.main(["train", "--data", str(songs), "--out", str(taken), *TINY])
    err = capsys.readouterr().err
    assert code == 2 and "phrase.mid" in err and "file of that name" in err and len(err.splitlines()) == 1
    assert taken.read_bytes() == b"MThd"
