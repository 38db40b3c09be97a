"""Chord names, spelling in keys, Harte labels, and recognising the chords of hand-made phrases."""

import time

import numpy as np
import pytest

from engine.music.chords import NO_CHORD, QUALITIES, VOCABULARY, Chord, majmin, parse_harte, spellings
from engine.music.harmony import RecognitionSettings, change_costs, estimate_chords
from engine.music.keys import ALL_KEYS, Key
from engine.music.phrase import Note, Phrase


def names(chords):
    return [(start, end, chord.name()) for start, end, chord in chords]


# -- names ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["C", "Am", "G7", "Fmaj7", "Bm7b5", "Bdim", "Caug", "Dsus4", "Esus2", "F/C",
                                  "Bb", "F#m7", "Ebm", "C#7", "Abmaj7", "G7/F", "Am7/G", "N"])
def test_a_name_reads_and_writes_back_as_written(text):
    assert Chord.parse(text).name() == text


def test_every_chord_of_the_vocabulary_and_every_inversion_round_trips():
    for chord in VOCABULARY:
        assert Chord.parse(chord.name()) == chord
        for bass in chord.tones - {chord.root}:
            slash = Chord(chord.root, chord.quality, bass)
            assert Chord.parse(slash.name()) == slash
            for key in ALL_KEYS:
                assert Chord.parse(slash.name(key)) == slash
    assert Chord.parse(NO_CHORD.name()) == NO_CHORD
    assert len(VOCABULARY) == 12 * len(QUALITIES) == 120


@pytest.mark.parametrize("text, root, quality, bass", [
    ("C", 0, "maj", None), ("Am", 9, "min", None), ("G7", 7, "7", None), ("Fmaj7", 5, "maj7", None),
    ("Bm7b5", 11, "hdim7", None), ("Bdim", 11, "dim", None), ("Caug", 0, "aug", None), ("Dsus4", 2, "sus4", None),
    ("F/C", 5, "maj", 0), ("Bb", 10, "maj", None), ("F#m7", 6, "min7", None), ("A#", 10, "maj", None),
    ("CM7", 0, "maj7", None), ("C-7", 0, "min7", None), ("Cø", 0, "hdim7", None), ("C°", 0, "dim", None),
    ("C+", 0, "aug", None), ("Csus", 0, "sus4", None), ("B♭m", 10, "min", None), ("C/C", 0, "maj", None)])
def test_a_name_as_musicians_write_it(text, root, quality, bass):
    assert Chord.parse(text) == Chord(root, quality, bass)


@pytest.mark.parametrize("text", ["", "H", "c", "Cxyz", "C7b9", "C/", "C/H", "Am/", "N/C", "7"])
def test_what_is_not_a_chord_name_is_refused_with_a_reason(text):
    with pytest.raises(ValueError, match="chord"):
        Chord.parse(text)


def test_tones_are_pitch_classes_with_the_bass():
    assert Chord.parse("G7").tones == {7, 11, 2, 5}
    assert Chord.parse("Bm7b5").tones == {11, 2, 5, 9}
    assert Chord.parse("C/D").tones == {0, 4, 7, 2}
    assert NO_CHORD.tones == frozenset()


# -- spelling ---------------------------------------------------------------------------------------

FLAT_KEYS = [Key.parse(k) for k in ("F major", "Bb major", "Eb major", "Ab major", "Db major", "D minor",
                                    "G minor", "C minor", "F minor", "Bb minor", "Eb minor")]


def test_bb_in_f_major_and_never_a_sharp_in_a_flat_major_key():
    assert Chord.parse("A#").name(Key.parse("F major")) == "Bb"
    assert Chord.parse("A#m7").name(Key.parse("Eb major")) == "Bbm7"
    for key in FLAT_KEYS:
        assert "A#" not in spellings(key), key.name
        if not key.minor:
            assert not any("#" in name for name in spellings(key)), key.name


def test_sharp_keys_spell_their_own_notes_with_sharps():
    assert Chord.parse("Ab").name(Key.parse("E major")) == "G#"
    assert Chord.parse("Ebm").name(Key.parse("B major")) == "D#m"
    assert Chord.parse("Gbm").name(Key.parse("D major")) == "F#m"
    assert Chord.parse("Bb").name(Key.parse("D major")) == "Bb"          # the borrowed bVI stays flat
    assert Chord.parse("Ab7").name(Key.parse("A minor")) == "G#7"        # minor's raised seventh
    assert Chord.parse("B").name(Key.parse("Eb minor")) == "Cb"          # Eb minor's sixth degree


def test_the_bass_is_spelled_as_the_chord_tone_it_is():
    c_major = Key.parse("C major")
    assert Chord.parse("E/G#").name(c_major) == "E/G#"                 # not E/Ab, though C major writes Ab
    assert Chord.parse("F/C").name(Key.parse("F major")) == "F/C"
    assert Chord.parse("D/F#").name(c_major) == "D/F#"
    assert Chord.parse("Gb/Bb").name(Key.parse("Db major")) == "Gb/Bb"
    assert Chord.parse("F#/A#").name(Key.parse("B major")) == "F#/A#"


def test_every_key_names_twelve_different_pitch_classes_with_at_most_one_accidental():
    for key in ALL_KEYS:
        spelled = spellings(key)
        assert [Chord.parse(name).root for name in spelled] == list(range(12)), key.name
        assert all(len(name) <= 2 for name in spelled)


# -- Harte labels -----------------------------------------------------------------------------------

@pytest.mark.parametrize("label, name", [
    ("A:min7", "Am7"), ("F:maj/3", "F/A"), ("G:sus4(b7)", "Gsus4"), ("C:maj6", "C"), ("D:min(9)", "Dm"),
    ("E:7/b7", "E7/D"), ("B:hdim7", "Bm7b5"), ("C:dim7", "Cdim"), ("F#:minmaj7", "F#m"), ("N", "N"),
    ("X", "N"), ("C", "C"), ("Bb:maj7/7", "Bbmaj7/A"), ("C:(1,3,5)", "C"), ("Eb:9", "Eb7"), ("C:aug", "Caug"),
    ("C:min/b3", "Cm/Eb"), ("A:min7/b7", "Am7/G"), ("D:maj(9)", "D"), ("G:maj(*3)", "G"), ("C:sus2", "Csus2"),
    ("C:min(*b3)", "C"), ("Db:maj9", "C#maj7"), ("F:13", "F7"), ("Ab:min11", "Abm7"), ("C:7(#5,*5)", "C7"),
    ("C:maj(*5,#5)", "Caug"), ("Cb:maj", "B"), ("C:5", "C")])
def test_harte_labels_map_to_the_nearest_vocabulary_chord(label, name):
    assert parse_harte(label).name() == name


@pytest.mark.parametrize("label", ["C:foo", "H:maj", "C:maj/x", "C:maj(14)", "C:maj(", "", "c:maj"])
def test_an_unknown_harte_label_is_refused(label):
    with pytest.raises(ValueError):
        parse_harte(label)


def test_majmin_reduces_sevenths_and_leaves_out_other_qualities():
    assert majmin(Chord.parse("G7/F")) == Chord.parse("G")
    assert majmin(Chord.parse("Fmaj7")) == Chord.parse("F")
    assert majmin(Chord.parse("Am7")) == Chord.parse("Am")
    assert majmin(NO_CHORD) == NO_CHORD
    assert all(majmin(Chord.parse(text)) is None for text in ("Bdim", "Bm7b5", "Caug", "Csus2", "Dsus4"))


# -- recognition ------------------------------------------------------------------------------------

def phrase(*notes, length=0):
    """Notes given as (pitch, start, duration) on a grid of 4 steps a quarter, in 4/4."""
    return Phrase(tuple(Note(p, s, d) for p, s, d in notes), end=length)


def test_a_c_major_triad_is_c():
    assert names(estimate_chords(phrase((60, 0, 16), (64, 0, 16), (67, 0, 16)))) == [(0, 16, "C")]


def test_an_a_minor_seventh_arpeggio_over_two_beats():
    arpeggio = phrase((57, 0, 2), (60, 2, 2), (64, 4, 2), (67, 6, 2))     # A C E G in eighth notes
    assert names(estimate_chords(arpeggio, "half bar")) == [(0, 8, "Am7")]
    assert names(estimate_chords(arpeggio, 8)) == [(0, 8, "Am7")]


def test_a_g7_over_f_in_the_bass_is_a_slash_chord():
    music = phrase((41, 0, 16), (55, 0, 16), (59, 0, 16), (62, 0, 16), (65, 8, 8))
    assert names(estimate_chords(music)) == [(0, 16, "G7/F")]


def test_a_suspended_fourth():
    assert names(estimate_chords(phrase((48, 0, 16), (60, 0, 16), (65, 0, 16), (67, 0, 16)))) == [(0, 16, "Csus4")]


def test_a_beat_of_silence_is_n():
    music = phrase((60, 0, 4), (64, 0, 4), (67, 0, 4), (55, 8, 8), (59, 8, 8), (62, 8, 8))
    assert names(estimate_chords(music)) == [(0, 4, "C"), (4, 8, "N"), (8, 16, "G")]


def test_a_progression_with_a_melody_one_chord_a_bar_named_in_its_key():
    chords = [(48, 52, 55), (45, 48, 52), (41, 45, 48), (43, 47, 50), (46, 50, 53)]   # C Am F G Bb
    melody = [72, 74, 76, 72, 71, 69, 72, 76, 77, 76, 74, 72, 74, 71, 67, 74, 74, 72, 70, 77]
    notes = [(p, bar * 16, 16) for bar, triad in enumerate(chords) for p in triad]
    notes += [(p, i * 4, 4) for i, p in enumerate(melody)]
    found = estimate_chords(phrase(*notes), "beat", key=Key.parse("F major"))
    assert names(found) == [(0, 16, "C"), (16, 32, "Am"), (32, 48, "F"), (48, 64, "G"), (64, 80, "Bb")]
    assert found[-1][2].name(Key.parse("F major")) == "Bb"


def test_equal_chords_in_a_row_are_one_and_silence_is_n_to_the_end():
    music = phrase((60, 0, 4), (64, 0, 4), (67, 0, 4), (60, 4, 4), (64, 4, 4), (67, 4, 4), length=32)
    assert names(estimate_chords(music)) == [(0, 8, "C"), (8, 32, "N")]
    assert estimate_chords(Phrase()) == []


def test_spans_can_be_a_number_of_steps_or_a_bar_and_nothing_else():
    music = phrase((60, 0, 32), (64, 0, 32), (67, 0, 32))
    assert names(estimate_chords(music, 6)) == names(estimate_chords(music, "bar")) == [(0, 32, "C")]
    for wrong in ("quaver", 0, -4):
        with pytest.raises(ValueError, match="span"):
            estimate_chords(music, wrong)


def test_chords_change_most_easily_on_the_bar_lines_given():
    s = RecognitionSettings()
    edges = np.arange(0, 44, 4)                     # beats of a 4/4 bar, a 2/4 bar, a 4/4 bar (and a beat)
    by_grid = change_costs(edges, Phrase(end=40), s)
    by_downbeats = change_costs(edges, Phrase(end=40), s, downbeats=[0, 16, 24])
    down, half, beat = s.change_cost, s.half_bar_change_cost, s.beat_change_cost
    assert list(by_grid) == [down, beat, half, beat, down, beat, half, beat, down, beat]
    assert list(by_downbeats) == [down, beat, half, beat, down, half, down, beat, half, beat]
    assert list(change_costs(np.array([0, 2, 4]), Phrase(end=4), s)) == [down, s.off_beat_change_cost]


def test_a_five_minute_song_is_recognised_in_well_under_a_second():
    rng = np.random.default_rng(5)
    roots = rng.integers(0, 12, 150)                # 150 bars of 4/4 at 120 bpm: five minutes
    notes = []
    for bar, root in enumerate(roots):
        for i, step in enumerate(range(0, 16, 2)):   # an eighth-note accompaniment and a melody
            notes.append((36 + root + (0, 7, 12, 16, 19, 16, 12, 7)[i], bar * 16 + step, 2))
            notes.append((72 + int(rng.integers(0, 12)), bar * 16 + step, 2))
    music = phrase(*notes)
    estimate_chords(music)
    started = time.perf_counter()
    found = estimate_chords(music)
    assert time.perf_counter() - started < 1.0
    assert sum(chord.root == roots[start // 16] for start, _, chord in found) >= 0.9 * len(found)


def test_the_bass_is_the_lowest_note_under_the_chord_not_the_lowest_at_each_moment():
    """An Alberti C-G-E-G is over C (not C/G); a stride bass's low note stays under the chord struck
    after it; a chord in first inversion struck as a block is over its third."""
    from engine.music.harmony import with_bass
    alberti = Phrase(tuple(Note(p, 2 * i, 2) for i, p in enumerate([48, 55, 52, 55] * 2)))
    c = Chord.parse("C")
    assert with_bass(c, alberti, 0, 16) == c
    stride = Phrase((Note(36, 0, 4), Note(52, 4, 4), Note(55, 4, 4), Note(60, 4, 4)))
    assert with_bass(c, stride, 0, 8) == c and estimate_chords(stride, "beat")[0][2] == c
    inversion = Phrase((Note(52, 0, 8), Note(55, 0, 8), Note(60, 0, 8)))
    assert with_bass(c, inversion, 0, 8).name() == "C/E"
    assert with_bass(Chord.parse("G7"), Phrase((Note(50, 0, 2), Note(55, 2, 2), Note(53, 4, 2))), 0, 8).name() == "G7/D"
