"""The note type and the pure edits of a phrase."""

import pytest

from engine.music.phrase import Note, Phrase, merge, quantize, regrid, shift, transpose, trim


def test_notes_are_kept_in_canonical_order_and_length_covers_them():
    p = Phrase((Note(64, 4, 2), Note(60, 4, 2), Note(55, 0, 1)))
    assert [n.pitch for n in p.notes] == [55, 60, 64]
    assert p.length == 6
    assert Phrase((Note(60, 0, 2),), end=16).length == 16


@pytest.mark.parametrize("bad", [dict(pitch=128), dict(pitch=-1), dict(start=-1), dict(duration=0),
                                 dict(velocity=0), dict(velocity=128)])
def test_impossible_notes_are_refused(bad):
    args = dict(pitch=60, start=0, duration=1, velocity=80) | bad
    with pytest.raises(ValueError):
        Note(**args)


def test_bar_length_follows_the_metre():
    assert Phrase().steps_per_bar == 16
    assert Phrase(time_signature=(3, 4)).steps_per_bar == 12
    assert Phrase(time_signature=(6, 8)).steps_per_bar == 12
    assert Phrase(steps_per_quarter=2, time_signature=(7, 8)).steps_per_bar == 7


# metre, steps a beat on the model's grid (a sixteenth a step) and on the fine grid, beats a bar
BEATS = [((4, 4), 4, 480, 4), ((2, 2), 8, 960, 2), ((3, 4), 4, 480, 3), ((6, 8), 6, 720, 2),
         ((7, 8), 2, 240, 7), ((12, 8), 6, 720, 4), ((5, 16), 1, 120, 5), ((6, 4), 12, 1440, 2),
         ((3, 8), 2, 240, 3), ((9, 16), 3, 360, 3)]


@pytest.mark.parametrize("metre, steps, fine, beats", BEATS)
def test_a_beat_is_the_metre_s_note_value_or_three_of_them_in_compound_metres(metre, steps, fine, beats):
    assert Phrase(time_signature=metre).steps_per_beat == steps
    assert Phrase(steps_per_quarter=480, time_signature=metre).steps_per_beat == fine
    assert Phrase(time_signature=metre).beats_per_bar == beats
    bar = Phrase(steps_per_quarter=480, time_signature=metre)
    assert bar.beats_per_bar * bar.steps_per_beat == bar.steps_per_bar     # the beats fill the bar


def test_a_beat_shorter_than_the_grid_s_step_is_one_step():
    assert Phrase(steps_per_quarter=2, time_signature=(5, 16)).steps_per_beat == 1
    assert Phrase(steps_per_quarter=1, time_signature=(7, 8)).steps_per_beat == 1


def test_transpose_drops_notes_pushed_off_the_keyboard():
    p = Phrase((Note(60, 0, 1), Note(120, 1, 1)), end=8)
    up = transpose(p, 12)
    assert [n.pitch for n in up.notes] == [72] and up.length == 8


def test_shift_and_trim():
    p = Phrase((Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4)))
    assert [n.start for n in shift(p, 2).notes] == [2, 6, 10]
    cut = trim(p, 2, 10)
    assert [(n.pitch, n.start, n.duration) for n in cut.notes] == [(60, 0, 2), (62, 2, 4), (64, 6, 2)]
    assert cut.length == 8


def test_quantize_snaps_starts_and_ends():
    p = Phrase((Note(60, 1, 3), Note(62, 7, 2)))
    q = quantize(p, 4)
    assert [(n.start, n.duration) for n in q.notes] == [(0, 4), (8, 4)]
    half = quantize(Phrase((Note(60, 2, 4),)), 4, strength=0.5)
    assert half.notes[0].start in (1, 3)


def test_merge_places_the_second_phrase_after_an_offset():
    a = Phrase((Note(60, 0, 4),), end=16)
    b = Phrase((Note(67, 0, 2),))
    m = merge(a, b, offset=16)
    assert [(n.pitch, n.start) for n in m.notes] == [(60, 0), (67, 16)]
    assert m.length == 18


def test_regrid_between_sixteenths_and_eighths():
    p = Phrase((Note(60, 4, 4),), steps_per_quarter=4)
    e = regrid(p, 2)
    assert e.notes == (Note(60, 2, 2),) and e.steps_per_quarter == 2
    assert regrid(e, 4).notes == p.notes


def test_tempo_changes_and_key_signatures_stay_at_their_places_in_the_music():
    p = Phrase((Note(60, 0, 64),), tempo_bpm=100, tempo_changes=((32, 80), (16, 90), (48, 80)),
               key_signatures=((0, "Eb"), (32, "Cm")))
    assert p.tempo_changes == ((16, 90.0), (32, 80.0))         # in time order; a repeated tempo is no change
    assert [p.tempo_at(s) for s in (0, 15, 16, 40)] == [100, 100, 90, 80]
    cut = trim(p, 24, 56)                                      # the tempo and key in force at the cut go first
    assert (cut.tempo_bpm, cut.tempo_changes, cut.key_signatures) == (90, ((8, 80.0),), ((0, "Eb"), (8, "Cm")))
    eighths = regrid(p, 2)
    assert eighths.tempo_changes == ((8, 90.0), (16, 80.0)) and eighths.key_signatures == ((0, "Eb"), (16, "Cm"))
    assert merge(p, Phrase((Note(60, 0, 4),), tempo_bpm=60), 64).tempo_changes == p.tempo_changes
    assert transpose(p, 2).key_signatures == p.key_signatures and shift(p, 4).tempo_changes == p.tempo_changes


@pytest.mark.parametrize("bad", [dict(key_signatures=((0, "H"),)), dict(key_signatures=((0, "E#"),)),
                                 dict(tempo_changes=((0, 90),)), dict(tempo_changes=((4, 0),))])
def test_impossible_tempo_changes_and_key_signatures_are_refused(bad):
    with pytest.raises(ValueError):
        Phrase(**bad)


def test_chords_set_belong_to_the_timeline():
    from engine.music.phrase import regrid, shift, trim
    chords = ((0, 8, "Am7"), (8, 16, "F/C"), (24, 32, "G7"))
    phrase = Phrase((Note(60, 0, 4),), chords=chords[::-1])           # kept in time order
    assert phrase.chords == chords and phrase.end == 4                 # chords never lengthen the music
    assert regrid(phrase, 480).chords == ((0, 960, "Am7"), (960, 1920, "F/C"), (2880, 3840, "G7"))
    assert trim(phrase, 4, 28).chords == ((0, 4, "Am7"), (4, 12, "F/C"), (20, 24, "G7"))
    assert shift(phrase, 4).chords == chords                           # moving notes leaves them
    with pytest.raises(ValueError, match="overlap"):
        Phrase(chords=((0, 8, "C"), (4, 12, "G")))
    with pytest.raises(ValueError, match="end after it starts"):
        Phrase(chords=((8, 8, "C"),))
