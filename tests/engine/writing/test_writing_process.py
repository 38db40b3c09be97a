"""The writing process: the same music as writing here, a stop within a token, and every failure
brought back as the exception it would have been here, the process going on (or starting again)."""

import threading
from types import SimpleNamespace

import pytest

from engine.errors import Cancelled, ModelError
from engine.model.checkpoint import load_model
from engine.music.phrase import FINE_STEPS_PER_QUARTER, Note, Phrase
from engine.writing.continuation import continue_phrase
from engine.writing.options import ContinueOptions
from engine.writing.writing_process import WriterInput, WriterStopped, WriterUnavailable, WritingProcess

Q = FINE_STEPS_PER_QUARTER
PHRASE = Phrase(tuple(Note(60 + p, k * Q, Q) for k, p in enumerate([0, 2, 4, 5, 7, 5, 4, 2])), steps_per_quarter=Q)


@pytest.fixture(scope="module")
def writer():
    process = WritingProcess()
    yield process
    process.close()


def notes(take):
    return [(n.pitch, n.start, n.duration, n.velocity) for n in take.notes]


def test_it_writes_what_continue_phrase_writes_here(writer, tiny_model_dir):
    options = ContinueOptions(bars=2, variations=2, seed=7)
    locked = [Note(72, 2 * Q, Q)]
    there = writer.write(str(tiny_model_dir), PHRASE, options, locked)
    here = continue_phrase(load_model(tiny_model_dir), PHRASE, options, locked=locked)
    assert [notes(t) for t in there] == [notes(t) for t in here]
    assert all((72, 2 * Q, Q) in [n[:3] for n in notes(t)] for t in there)
    assert writer.running()


def test_a_request_asked_to_stop_stops_and_the_next_gets_its_own_answer(writer, tiny_model_dir):
    asked = []

    def stop():
        asked.append(1)
        return True
    with pytest.raises(Cancelled):                     # the caller is let go at once
        writer.write(str(tiny_model_dir), PHRASE, ContinueOptions(bars=64, seed=1), cancel=stop)
    assert asked == [1]
    options = ContinueOptions(bars=1, seed=1)
    there = writer.write(str(tiny_model_dir), PHRASE, options)     # the stopped one's answer passed over
    assert [notes(t) for t in there] == [notes(t) for t in continue_phrase(load_model(tiny_model_dir), PHRASE, options)]


def test_a_damaged_model_and_a_refused_input_come_back_as_messages(writer, tiny_model_dir, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.json").write_text("{ not json")
    with pytest.raises(ModelError, match="broken"):
        writer.write(str(broken), PHRASE, ContinueOptions(bars=1))
    with pytest.raises(WriterInput, match="bars must be between 1 and 256, not 0"):
        writer.write(str(tiny_model_dir), PHRASE, ContinueOptions(bars=0))
    assert writer.write(str(tiny_model_dir), PHRASE, ContinueOptions(bars=1, seed=2))


def test_a_process_that_dies_is_said_and_the_next_request_starts_another(tiny_model_dir):
    writer = WritingProcess()
    try:
        assert writer.write(str(tiny_model_dir), PHRASE, ContinueOptions(bars=1, seed=3))
        first = writer._process.pid
        killer = threading.Timer(0.3, writer._process.kill)              # while it writes 256 bars
        killer.start()
        with pytest.raises(WriterStopped, match="ended"):
            writer.write(str(tiny_model_dir), PHRASE, ContinueOptions(bars=256, seed=3))
        assert writer.write(str(tiny_model_dir), PHRASE, ContinueOptions(bars=1, seed=3))
        second = writer._process.pid
        assert second != first
        writer._process.kill()                                            # between two requests: not said
        writer._process.join(5)
        assert writer.write(str(tiny_model_dir), PHRASE, ContinueOptions(bars=1, seed=3))
        assert writer._process.pid not in (first, second)
    finally:
        writer.close()
    assert not writer.running()


def test_a_process_the_system_will_not_start_is_said_as_such(tiny_model_dir):
    writer = WritingProcess()

    class NoProcess:
        def __init__(self, *args, **kwargs):
            pass

        def start(self):
            raise OSError(11, "Resource temporarily unavailable")
    writer._context = SimpleNamespace(Pipe=writer._context.Pipe, Process=NoProcess)
    writer.start()                                     # returns: the first request says it
    assert not writer.running()
    with pytest.raises(WriterUnavailable, match="could not be started .*Resource temporarily unavailable"):
        writer.write(str(tiny_model_dir), PHRASE, ContinueOptions(bars=1))
