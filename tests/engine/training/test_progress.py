"""Progress events: typed in the engine, one JSON object a line on the wire, read back the same."""

import json

import pytest

from engine.training import progress
from engine.training.progress import Averaged, Batch, DataReady, EpochDone, Failed, Finished, Reading, Resumed, Skipped

EVERY_KIND = [
    Reading(3, 10), Skipped("a/broken.mid", "is not a MIDI file"), progress.Storing(64, 128, 12),
    DataReady(10, 2, 5000, 900, 123456), Resumed(4), Batch(1, 3, 40, 2.25, 0.5, 1234.5),
    EpochDone(2, 2.1, 0.41, 2.3, 0.39, 0.002, 61.2, 2, True, nll_per_step=0.9, bits_per_note=5.5),
    progress.Stopped("time limit"), Finished(2, 2.3), Failed("no readable music to train on in x"),
    Averaged([3, 4, 5], 2.2, 0.4, 0.8, 5.1, 1, 3),
]


@pytest.mark.parametrize("event", EVERY_KIND, ids=lambda e: e.stage)
def test_every_event_reads_back_from_its_json_line(event):
    line = event.to_json()
    assert "\n" not in line
    assert progress.from_json(line) == event
    assert progress.from_json(line.encode()) == event


def test_every_kind_has_its_own_stage():
    assert sorted(progress.KINDS) == sorted({e.stage for e in EVERY_KIND})


def test_the_wire_format_is_the_dicts_of_earlier_versions():
    assert json.loads(Batch(1, 3, 40, 2.25, 0.5, 1234.5).to_json()) == {
        "stage": "batch", "epoch": 1, "batch": 3, "batches": 40, "loss": 2.25, "accuracy": 0.5, "tokens_per_s": 1234.5}
    assert json.loads(Resumed(2).to_json()) == {"stage": "resumed", "epoch": 2}
    old = {"stage": "epoch", "epoch": 1, "train_loss": 3.0, "train_accuracy": 0.2, "valid_loss": 3.1,
           "valid_accuracy": None, "learning_rate": 0.002, "seconds": 5.0, "best_epoch": 1, "improved": True}
    event = progress.from_dict(old)
    assert isinstance(event, EpochDone) and event.valid_accuracy is None and event.nll_per_step is None
    assert event.to_dict() == old                  # without validation music: no per-step figures, as before


def test_fields_a_newer_writer_adds_are_ignored():
    assert progress.from_dict({"stage": "resumed", "epoch": 2, "host": "b"}) == Resumed(2)


@pytest.mark.parametrize("line", ["best epoch 3: validation loss 2.1", '{"stage": "tea"}', "[1, 2]",
                                  '{"stage": "batch", "epoch": 1}', '{"epoch": 1}'])
def test_lines_that_are_not_events_are_refused_with_a_value_error(line):
    with pytest.raises(ValueError):
        progress.from_json(line)
