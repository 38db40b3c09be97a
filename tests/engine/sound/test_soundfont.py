"""Reading SoundFont files: the shipped piano, and files that are not SoundFonts."""

import pytest

from engine.errors import MusicFileError
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
