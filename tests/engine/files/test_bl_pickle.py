"""The four polyphonic benchmarks: every step's set of sounding pitches survives exactly."""

import pickle

import pytest

from engine.encoding.tokens import Vocabulary, decode, encode
from engine.errors import MusicFileError
from engine.files.bl_pickle import bl_frames, pickle_spec, read_bl

DATASETS = ["Piano-midi.de", "Nottingham", "MuseData", "JSB Chorales"]


@pytest.mark.slow
@pytest.mark.parametrize("name", DATASETS)
def test_frames_come_back_exactly_through_phrases_and_tokens(bl_data, name):
    path = bl_data / f"{name}.pickle"
    with open(path, "rb") as f:
        raw = pickle.load(f)                 # the test trusts the shared file; the reader does not
    vocab = Vocabulary()
    for split in ("train", "valid"):
        phrases = read_bl(path, split)
        assert len(phrases) == len(raw[split])
        for piece, phrase in list(zip(raw[split], phrases))[:25]:
            expected = [frozenset(int(p) for p in frame) for frame in piece]
            assert bl_frames(phrase) == expected
            assert bl_frames(decode(encode(phrase, vocab), vocab, phrase)) == expected


def test_grid_is_eighths_or_quarters_for_the_chorales(bl_data):
    assert read_bl(bl_data / "Nottingham.pickle", "valid")[0].steps_per_quarter == 2
    assert read_bl(bl_data / "JSB Chorales.pickle", "valid")[0].steps_per_quarter == 1


def test_a_pickle_that_would_run_code_is_refused(tmp_path):
    class Sneaky:
        def __reduce__(self):
            return (print, ("this must never run",))
    path = tmp_path / "evil.pickle"
    path.write_bytes(pickle.dumps({"train": [Sneaky()]}))
    with pytest.raises(MusicFileError, match="not a piano-roll pickle"):
        read_bl(path)


def test_unknown_split_and_wrong_shape(tmp_path):
    good = tmp_path / "small.pickle"              # the benchmarks' shape: split -> pieces -> frames -> pitches
    good.write_bytes(pickle.dumps({"train": [[[60, 64], [62]]], "valid": [[[67]]]}))
    assert len(read_bl(good, "train")) == 1
    with pytest.raises(MusicFileError, match="unknown split"):
        read_bl(good, "best")
    path = tmp_path / "odd.pickle"
    path.write_bytes(pickle.dumps({"train": [[1, 2, 3]]}))
    with pytest.raises(MusicFileError, match="not a list of pitch lists"):
        read_bl(path)


@pytest.mark.parametrize("text, expected", [
    ("JSB Chorales.pickle", ("JSB Chorales.pickle", "valid")),
    ("data/JSB Chorales.pickle:test", ("data/JSB Chorales.pickle", "test")),
    ("C:/music/a:b/Nottingham.pickle:train", ("C:/music/a:b/Nottingham.pickle", "train")),
    ("my.pickle.songs", None),                       # a folder named like a pickle
    ("tune.mid", None),
    ("songs.pickle:2", None),                        # not a split: a file or folder of that name
])
def test_a_pickle_spec_names_its_file_and_its_split(text, expected):
    assert pickle_spec(text, "valid") == expected


def test_the_split_named_without_one_is_the_callers():
    assert pickle_spec("x.pickle", "train") == ("x.pickle", "train")
    assert pickle_spec("x.pickle:test", "train") == ("x.pickle", "test")
