"""Fields read from a file Segue did not write: one set of checks, one wording, for documents and
model descriptions alike."""

import math

import pytest

from engine.fields import FieldError, flag, listed, number, shown, whole


@pytest.mark.parametrize("value", [True, 3.0, "4", None, [4]])
def test_a_whole_number_is_an_int_and_nothing_else(value):
    with pytest.raises(FieldError, match="the tempo's steps must be a whole number, not "):
        whole(value, "the tempo's steps", 1, 10)


def test_ranges_name_the_field_and_the_value():
    assert whole(10, "x", 1, 10) == 10
    with pytest.raises(FieldError, match=r"^layers 9 is outside 1-8$"):
        whole(9, "layers", 1, 8)
    assert number(3, "dropout", 0.0, 5.0) == 3.0 and isinstance(number(3, "d", 0, 5), float)
    for bad in (math.nan, math.inf, -0.5, "0.5", False):
        with pytest.raises(FieldError, match=r"^dropout must be a number from 0 to 1, not "):
            number(bad, "dropout", 0.0, 1.0)
    assert flag(False, "on") is False
    with pytest.raises(FieldError, match=r"^on must be true or false, not 1$"):
        flag(1, "on")
    with pytest.raises(FieldError, match="the notes number 3, more than the 2 Segue reads"):
        listed([1, 2, 3], "the notes", 2)


def test_long_values_are_cut_short():
    assert shown("x" * 100) == '"' + "x" * 36 + "..."
    assert shown([1, 2]) == "[1, 2]" and shown(1.5) == "1.5"


def test_a_document_and_a_model_say_a_wrong_number_the_same_way(tmp_path):
    import json

    from engine.errors import ModelError, MusicFileError
    from engine.files.document import load_document
    from engine.model.checks import check_description

    document = tmp_path / "song.segue"
    document.write_text(json.dumps({"format": "segue-document", "version": 1, "grid": {"steps_per_quarter": 4},
                                    "tempo_bpm": "fast", "time_signature": [4, 4], "notes": []}))
    with pytest.raises(MusicFileError, match="song.segue: the tempo must be a number from .* not \"fast\""):
        load_document(document)
    description = {"model": {"vocab_size": 100, "dropout": "fast"}, "vocabulary": {}}
    with pytest.raises(ModelError, match="model.json: model.dropout must be a number from 0 to 1, not \"fast\""):
        check_description(tmp_path, description)
