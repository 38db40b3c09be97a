"""The piano roll's geometry, without Qt: pixels to (step, pitch) and back, zoom, snapping, key names."""

import pytest

from gui.editor.coords import (
    DEFAULT_KEY_HEIGHT,
    DEFAULT_STEP_WIDTH,
    HIGHEST,
    LOWEST,
    MAX_KEY_HEIGHT,
    MAX_STEP_WIDTH,
    MIN_KEY_HEIGHT,
    MIN_STEP_WIDTH,
    RollGeometry,
    is_black_key,
    note_name,
    snap_down,
    snap_nearest,
)


def test_time_runs_left_to_right_and_back():
    geo = RollGeometry(step_width=12.5)
    assert geo.x(0) == 0 and geo.x(8) == 100
    assert geo.step_at(100) == 8 and geo.step_at(106.25) == 8.5
    assert all(geo.step_at(geo.x(step)) == step for step in (0, 1, 3.5, 1000))


def test_the_highest_key_is_at_the_top_and_each_row_is_one_key_high():
    geo = RollGeometry(key_height=10)
    assert geo.y(HIGHEST) == 0 and geo.y(60) == 670 and geo.y(LOWEST) == 1270
    assert geo.height == 1280 == geo.y(LOWEST) + geo.key_height
    for pitch in (LOWEST, 21, 60, 61, HIGHEST):
        top = geo.y(pitch)
        assert geo.pitch_at(top) == pitch                       # the row's top edge is the row's
        assert geo.pitch_at(top + 9.99) == pitch                # and everything down to the next row
    assert geo.pitch_at(669.99) == 61                           # just above middle C's row: C sharp


def test_a_point_above_or_below_the_keyboard_is_its_nearest_key():
    geo = RollGeometry(key_height=10)
    assert geo.pitch_at(-35) == HIGHEST
    assert geo.pitch_at(geo.height + 500) == LOWEST


def test_zoom_multiplies_and_stops_at_the_limits():
    geo = RollGeometry()
    geo.zoom_time(2)
    geo.zoom_pitch(0.5)
    assert geo.step_width == 2 * DEFAULT_STEP_WIDTH and geo.key_height == DEFAULT_KEY_HEIGHT / 2
    for _ in range(20):
        geo.zoom_time(1.5)
        geo.zoom_pitch(1.5)
    assert geo.step_width == MAX_STEP_WIDTH and geo.key_height == MAX_KEY_HEIGHT
    for _ in range(40):
        geo.zoom_time(0.5)
        geo.zoom_pitch(0.5)
    assert geo.step_width == MIN_STEP_WIDTH and geo.key_height == MIN_KEY_HEIGHT


def test_a_short_phrase_in_a_big_view_is_fitted_at_the_default_zoom():
    geo = RollGeometry(step_width=70, key_height=35)
    geo.fit(low=60, middle=64, high=67, steps=16, width=1200, height=800)
    assert (geo.step_width, geo.key_height) == (DEFAULT_STEP_WIDTH, DEFAULT_KEY_HEIGHT)


def test_a_long_wide_phrase_is_fitted_by_zooming_out():
    geo = RollGeometry()
    geo.fit(low=36, middle=60, high=84, steps=200, width=1000, height=500)
    assert geo.step_width == 1000 / 200
    keys_each_side = (60 - 36 + 1) + 1                          # the wider side (middle down to low), one to spare
    assert geo.key_height == pytest.approx(500 / (2 * keys_each_side))
    assert keys_each_side * geo.key_height <= 250 and geo.key_height < DEFAULT_KEY_HEIGHT


def test_fitting_never_zooms_past_the_limits():
    geo = RollGeometry()
    geo.fit(low=0, middle=64, high=127, steps=100_000, width=800, height=300)
    assert (geo.step_width, geo.key_height) == (MIN_STEP_WIDTH, MIN_KEY_HEIGHT)
    geo.fit(low=60, middle=60, high=60, steps=0, width=800, height=300)      # nothing to show: the default
    assert (geo.step_width, geo.key_height) == (DEFAULT_STEP_WIDTH, DEFAULT_KEY_HEIGHT)


@pytest.mark.parametrize("step, grid, down, nearest", [
    (0, 4, 0, 0), (3.9, 4, 0, 4), (4, 4, 4, 4), (5.9, 4, 4, 4), (6.1, 4, 4, 8),
    (7.5, 1, 7, 8), (7.2, 0, 7, 7),                             # a grid of 0 snaps to steps, not by zero
    (-0.5, 4, -4, 0), (17, 12, 12, 12), (19, 12, 12, 24),
])
def test_snapping_to_the_grid(step, grid, down, nearest):
    assert snap_down(step, grid) == down
    assert snap_nearest(step, grid) == nearest


@pytest.mark.parametrize("pitch, name", [(60, "C4"), (78, "F♯5"), (21, "A0"), (108, "C8"), (70, "B♭4"),
                                         (0, "C-1"), (127, "G9")])
def test_key_names_count_octaves_from_middle_c_as_c4(pitch, name):
    assert note_name(pitch) == name


def test_the_black_keys_are_the_sharps_and_flats():
    octave = [is_black_key(p) for p in range(60, 72)]
    assert octave == [False, True, False, True, False, False, True, False, True, False, True, False]
    assert all(is_black_key(p) == is_black_key(p + 12) for p in range(0, 116))
    assert all(is_black_key(p) == ("♯" in note_name(p) or "♭" in note_name(p)) for p in range(128))
