"""Reading SoundFont files: the shipped piano, and files that are not SoundFonts."""

import pytest

from engine.errors import MusicFileError
from engine.music.phrase import Note, Phrase
from engine.sound.audio import PIANO_PATH
from engine.sound.soundfont import read_soundfont


@pytest.fixture(scope="module")
def piano():
    return read_soundfont(PIANO_PATH)


def test_the_shipped_piano_covers_the_keyboard_at_every_velocity(piano):
    preset = piano.preset(0, 0)
    assert preset.name == "Yamaha Grand Piano" and (preset.bank, preset.program) == (0, 0)
    for key in range(21, 109):
        for velocity in (1, 40, 64, 100, 127):
            zones = preset.zones_for(key, velocity)
            assert len(zones) == 2, (key, velocity)                  # a left and a right sample
            for zone in zones:
                s = zone.sample
                assert 0 <= s.start < s.loop_start < s.loop_end <= s.end <= len(piano.data)
                assert s.rate == 32000
    left, right = preset.zones_for(60, 100)
    assert sorted([left.get(17), right.get(17)]) == [-500, 500]        # panned hard left and right
    assert abs(left.get(58) - 60) <= 3                                 # recorded near the key it plays


def test_velocity_layers_pick_their_own_zones(piano):
    preset = piano.preset(0, 0)
    soft, loud = preset.zones_for(60, 20)[0], preset.zones_for(60, 125)[0]
    assert soft.velocities != loud.velocities
    assert soft.get(38) < loud.get(38)                                # a soft note's release is shorter


def test_the_licence_travels_in_the_file(piano):
    assert "Frank Wen" in piano.info["ICOP"] and "MIT" in piano.info["ICMT"]
    assert PIANO_PATH.stat().st_size < 20 * 2**20
    assert "MIT license" in (PIANO_PATH.parent / "piano-LICENSE.txt").read_text()


@pytest.mark.parametrize("content, problem", [
    (None, "missing"),
    (b"", "not a SoundFont"),
    (b"RIFF\x10\x00\x00\x00WAVEfmt ", "not a SoundFont"),
    ("truncated", "damaged"),
    ("bad-instrument", "damaged"),
])
def test_a_broken_soundfont_is_one_readable_error(tmp_path, content, problem):
    path = tmp_path / "broken.sf2"
    data = PIANO_PATH.read_bytes()
    if content == "truncated":
        path.write_bytes(data[:len(data) // 2])
    elif content == "bad-instrument":                   # the preset names an instrument the file lacks
        at = data.index(b"pgen") + 8
        size = int.from_bytes(data[at - 4:at], "little")
        table = bytearray(data[at:at + size])
        for i in range(0, size, 4):
            if table[i:i + 2] == (41).to_bytes(2, "little"):
                table[i + 2:i + 4] = (999).to_bytes(2, "little")
        path.write_bytes(data[:at] + bytes(table) + data[at + size:])
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(MusicFileError) as err:
        read_soundfont(path)
    assert "broken.sf2" in str(err.value) and problem in str(err.value)


# -- damaged SoundFonts: refused with one message, or played within bounds ------------------------

def _fuzz():
    import importlib.util
    import sys
    root = PIANO_PATH.parents[1]
    spec = importlib.util.spec_from_file_location("fuzz_soundfont", root / "benchmarks" / "fuzz_soundfont.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fuzz_soundfont", module)
    spec.loader.exec_module(module)
    return module


def _table(data: bytes, name: bytes) -> tuple[int, int]:
    """Where the body of the pdta table ``name`` begins, and its size."""
    at = data.index(name) + 8
    return at, int.from_bytes(data[at - 4:at], "little")


def test_mutated_pianos_play_or_are_refused(tmp_path):
    """The first cases of ``benchmarks/fuzz_soundfont.py --seed 1`` (one of them raised
    OverflowError at render before generators were held to their ranges)."""
    fuzz = _fuzz()
    path = tmp_path / "mutated.sf2"
    outcomes = []
    for _how, data in fuzz.cases(30, seed=1):
        path.write_bytes(data)
        outcomes.append(fuzz.play(path))              # anything but MusicFileError would raise here
    assert outcomes.count("played") >= 15 and any(o.startswith("refused") for o in outcomes)


def test_a_release_of_months_is_held_to_seconds(tmp_path):
    from engine.sound.sampler import MAX_RELEASE_SECONDS, Sampler
    data = bytearray(PIANO_PATH.read_bytes())
    at, size = _table(data, b"igen")
    for i in range(at, at + size, 4):
        if int.from_bytes(data[i:i + 2], "little") == 38:          # releaseVolEnv
            data[i + 2:i + 4] = (0x7FFF).to_bytes(2, "little")       # 32,767 timecents: 7 months
    path = tmp_path / "long-release.sf2"
    path.write_bytes(bytes(data))
    sampler = Sampler(read_soundfont(path), 44100)
    assert all(plan.release <= MAX_RELEASE_SECONDS for plan in sampler.plans(60, 100))
    seconds = len(sampler.render(Phrase((Note(60, 0, 4, 100),), tempo_bpm=120))) / 44100
    assert seconds < 20


def test_zone_indexes_that_go_back_are_refused(tmp_path):
    """A preset header whose zones start before the previous one's: a few KB of tables that would
    make millions of zones (3.3 GB in 60 s before)."""
    data = bytearray(PIANO_PATH.read_bytes())
    at, size = _table(data, b"phdr")
    data[at + 24:at + 26] = (0xFFFF).to_bytes(2, "little")           # the first preset's first zone

    path = tmp_path / "backwards.sf2"
    path.write_bytes(bytes(data))
    with pytest.raises(MusicFileError, match="'phdr' table is damaged"):
        read_soundfont(path)


def test_a_fifo_is_refused_not_waited_on(tmp_path):
    import os
    path = tmp_path / "pipe.sf2"
    os.mkfifo(path)
    with pytest.raises(MusicFileError, match="pipe.sf2"):
        read_soundfont(path)
