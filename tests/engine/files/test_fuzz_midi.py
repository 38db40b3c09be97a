"""Mutated real MIDI files: the reader and tokenizer either read them or say what is wrong.

Only ``MusicFileError`` may come out, quickly. ``benchmarks/fuzz_midi.py`` runs the long version.
"""

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.encoding.tokens import Vocabulary, encode
from engine.errors import MusicFileError
from engine.files.midi import read_midi

SOURCES = ["chopin/chpn-p7.mid", "bach/bach_846.mid", "mozart/mz_311_1.mid", "grieg/grieg_walzer.mid"]


def mutate(data: bytes, edits) -> bytes:
    buf = bytearray(data)
    for kind, where, value in edits:
        if not buf:
            break
        i = where % len(buf)
        if kind == "flip":
            buf[i] ^= 1 << (value % 8)
        elif kind == "set":
            buf[i] = value % 256
        elif kind == "insert":
            buf[i:i] = bytes([value % 256]) * (1 + value % 7)
        elif kind == "delete":
            del buf[i:i + 1 + value % 16]
        elif kind == "truncate":
            del buf[i:]
    return bytes(buf)


EDITS = st.lists(st.tuples(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]),
                           st.integers(0, 10**7), st.integers(0, 255)), min_size=1, max_size=8)


@pytest.fixture(scope="module")
def originals(piano_midi):
    found = [(piano_midi / s).read_bytes() for s in SOURCES if (piano_midi / s).is_file()]
    assert found, "the fuzz test needs real files from the piano collection"
    return Originals(found)


class Originals(list):
    def __repr__(self):                      # keep hypothesis's reports short
        return f"<{len(self)} piano-midi files>"


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 3), edits=EDITS)
def test_mutated_files_are_read_or_refused_cleanly(originals, tmp_path, which, edits):
    data = mutate(originals[which % len(originals)], edits)
    path = Path(tmp_path) / "fuzzed.mid"
    path.write_bytes(data)
    started = time.perf_counter()
    try:
        phrase = read_midi(path)
        encode(phrase, Vocabulary(velocity_levels=4))
    except MusicFileError as err:
        assert str(err).startswith("fuzzed.mid: ")
    assert time.perf_counter() - started < 20, "one file must never take this long"
