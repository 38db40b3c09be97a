"""The musician's evaluation (benchmarks/musician.py): each measure on tiny hand-made music whose
answer a musician knows. 4/4 on the sixteenth grid: a bar is 16 steps, a beat 4."""

import importlib.util
import math
import sys
from pathlib import Path

import pytest

from engine.music.keys import Key
from engine.music.phrase import Note, Phrase

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
spec = importlib.util.spec_from_file_location("musician", ROOT / "benchmarks" / "musician.py")
musician = importlib.util.module_from_spec(spec)
sys.modules["musician"] = musician                     # its dataclass looks itself up there
spec.loader.exec_module(musician)

C_MAJOR = Key(0)
BAR, BEAT = 16, 4


def music(*notes, bars=4, time_signature=(4, 4)) -> Phrase:
    """Notes as (pitch, start, duration) on a grid of 4 steps a quarter, ``bars`` long."""
    phrase = Phrase(tuple(Note(p, s, d) for p, s, d in notes), steps_per_quarter=4, time_signature=time_signature)
    return phrase.with_notes(phrase.notes, end=bars * phrase.steps_per_bar)


def chord(pitches, start, duration):
    return [(p, start, duration) for p in pitches]


# -- semitone clashes ---------------------------------------------------------------------------------

def test_a_triad_does_not_clash_and_a_struck_semitone_does():
    assert musician.clash_share(music(*chord((60, 64, 67), 0, 4))) == 0
    assert musician.clash_share(music(*chord((60, 61), 0, 4))) == 1


def test_a_minor_ninth_clashes_a_major_seventh_only_as_interval_class_1():
    assert musician.clash_share(music(*chord((60, 73), 0, 4))) == 1                  # C4 + Db5
    major_seventh = music(*chord((60, 71), 0, 4))                                     # C4 + B4
    assert musician.clash_share(major_seventh) == 0
    assert musician.clash_share(major_seventh, classes=(1, 11)) == 1


def test_a_note_struck_against_a_held_one_clashes_and_one_after_its_release_does_not():
    # C held for a half note, D flat struck on beat 2 (while C sounds), E on beat 3 (after it)
    held_over = music((60, 0, 8), (61, 4, 4), (64, 8, 4))
    assert musician.clash_share(held_over) == pytest.approx(1 / 3)                    # onsets 0, 4, 8: only 4
    # the same with the C held in from before the passage (sounding, not an onset of it)
    later = music((61, 4, 4), (64, 8, 4))
    assert musician.clash_share(later, held=(Note(60, 0, 8),)) == pytest.approx(1 / 2)
    assert musician.clash_share(later) == 0


# -- outside the key, chord fit -----------------------------------------------------------------------

def test_the_share_outside_the_key_is_weighted_by_sounding_time():
    assert musician.outside_key(music((60, 0, 4), (62, 4, 4), (64, 8, 4)), C_MAJOR) == 0
    assert musician.outside_key(music((60, 0, 4), (66, 4, 4)), C_MAJOR) == pytest.approx(0.5)


def test_chromatic_notes_held_a_beat_are_told_from_passing_ones():
    passing = music((60, 0, 4), (61, 4, 1), (62, 5, 3), (66, 8, 1), (67, 9, 7))        # C# and F# sixteenths
    assert musician.chromatic_held(passing, C_MAJOR) == 0
    held = music((60, 0, 4), (61, 4, 8), (62, 12, 4), (66, 16, 2))                      # C# a half note
    assert musician.chromatic_held(held, C_MAJOR) == 0.5
    assert math.isnan(musician.chromatic_held(music((60, 0, 4)), C_MAJOR))


def test_chord_fit_is_one_for_triads_and_sevenths_and_less_for_a_cluster():
    assert musician.chord_fit(music(*chord((60, 64, 67), 0, 4))) == 1
    assert musician.chord_fit(music(*chord((60, 64, 67, 70), 0, 4))) == 1             # C7
    assert musician.chord_fit(music(*chord((60, 64, 67, 66), 0, 4))) == pytest.approx(0.75)
    assert musician.chord_fit(music(*chord((60, 61, 62), 0, 4))) == pytest.approx(2 / 3)   # D7 holds C and D


def test_chord_fit_weights_by_duration_and_skips_empty_beats():
    # beat 1: C E G for a beat and an F sharp for a sixteenth; beats 2-16 silent
    fits = musician.beat_fits(music(*chord((60, 64, 67), 0, 4), (66, 3, 1)))
    assert fits == [pytest.approx(12 / 13)]


# -- the top voice ------------------------------------------------------------------------------------

def test_a_scale_over_a_bass_is_all_steps():
    line = music((48, 0, 64), *[(p, 4 * i, 4) for i, p in enumerate((72, 74, 76, 77, 79))])
    result = musician.top_voice(line)
    assert result["top-voice steps"] == 1
    assert result["top-voice mean leap"] == pytest.approx((2 + 2 + 1 + 2) / 4)
    assert result["top-voice leaps over a fifth"] == 0


def test_repeated_notes_are_not_moves_of_the_top_voice():
    repeated = musician.top_voice(music(*[(p, 4 * i, 4) for i, p in enumerate((72, 72, 74, 74, 76))]))
    assert repeated["top-voice mean leap"] == 2 and repeated["top-voice steps"] == 1


def test_scattered_notes_leap_and_an_accompaniment_under_a_held_tune_is_not_the_top_voice():
    scattered = musician.top_voice(music((60, 0, 4), (84, 4, 4), (50, 8, 4), (79, 12, 4)))
    assert scattered["top-voice mean leap"] == pytest.approx((24 + 34 + 29) / 3)
    assert scattered["top-voice steps"] == 0 and scattered["top-voice leaps over a fifth"] == 1
    # a held C5 with chords struck under it: the top voice is the C alone, then D5 a step up
    tune = music((72, 0, 16), *chord((48, 52, 55), 4, 4), *chord((47, 50, 55), 8, 4), (74, 16, 4))
    assert musician.skyline(tune) == [72, 74]
    assert musician.top_voice(tune)["top-voice steps"] == 1


# -- the bass -----------------------------------------------------------------------------------------

def stride(bars=4, bass_places=(0, 8), chord_places=(4, 12)):
    notes = []
    for b in range(bars):
        notes += [(36 + (b % 2) * 7, b * BAR + t, 4) for t in bass_places]
        notes += [n for t in chord_places for n in chord((60, 64, 67), b * BAR + t, 4)]
        notes.append((76, b * BAR, 8))                                                # the tune
    return music(*notes, bars=bars)


def test_bass_on_the_downbeat_counts_the_bars_whose_downbeat_strikes_a_low_note():
    assert musician.bass_on_downbeats(stride()) == 1
    # the bass a beat late in every bar: the downbeat has only the tune
    assert musician.bass_on_downbeats(stride(bass_places=(4, 12), chord_places=(8,))) == 0
    # a bass struck on the downbeat of bars 1 and 3 only
    two = music(*[(36, b * BAR, 4) for b in (0, 2)], *[(72, b * BAR + 4, 4) for b in range(4)])
    assert musician.bass_on_downbeats(two) == 0.5
    # A2 on the downbeat, but the bar's bass is the C2 on beat 2, a sixth below: not a bass on the downbeat
    above = music((45, 0, 4), (36, 4, 4), (84, 0, 16), bars=1)
    assert musician.bass_on_downbeats(above) == 0


def test_a_stride_bass_has_the_first_and_third_beats_and_a_drifting_one_misses_them():
    phrase = stride()
    assert musician.bass_beats(phrase) == [0, 2]
    assert musician.bass_on_beats(stride(), [0, 2]) == 1
    drifted = stride(bass_places=(2, 10), chord_places=(4, 12))                      # an eighth late
    assert musician.bass_on_beats(drifted, [0, 2]) == 0
    assert math.isnan(musician.bass_on_beats(drifted, []))


# -- the figure ---------------------------------------------------------------------------------------

def alberti(bars=4, first=0):
    notes = []
    for b in range(first, first + bars):
        notes += [(p, b * BAR + 2 * i, 2) for i, p in enumerate((48, 55, 52, 55) * 2)]   # C G E G in eighths
        notes += [(76, b * BAR, 8), (79, b * BAR + 8, 8)]
    return music(*notes, bars=first + bars)


def test_an_alberti_bass_continued_keeps_its_figure_and_block_chords_lose_it():
    phrase = alberti()
    assert musician.figure(phrase, 0) == frozenset((0, 2, 4, 6, 8, 10, 12, 14))
    assert musician.figure(phrase, 2) == musician.figure(phrase, 0)                  # steps of its own bar
    assert musician.figure_kept(alberti(), phrase) == [1, 1, 1, 1]
    blocks = music(*[n for b in range(4) for n in chord((48, 52, 55), b * BAR, 16)],
                   *[(76, b * BAR, 8) for b in range(4)], *[(79, b * BAR + 8, 8) for b in range(4)])
    assert musician.figure_kept(blocks, phrase) == [pytest.approx(1 / 8)] * 4


def test_a_figure_that_dissolves_after_a_bar_scores_high_then_low():
    first = [n for n in alberti(1).notes]
    rest = [(p, b * BAR + t, 1) for b in range(1, 4) for p, t in ((60, 3), (50, 7), (67, 13), (45, 5))]
    take = music(*[(n.pitch, n.start, n.duration) for n in first], *rest)
    kept = musician.figure_kept(take, alberti())
    assert kept[0] == 1 and kept[3] < 0.2


def test_the_figure_s_shape_is_kept_over_new_harmonies_and_lost_by_the_same_onsets_on_other_pitches():
    phrase = alberti()
    # the figure on C, G (B G D G), F (C A F A) and G7 (B G F G): other harmonies, the same shape
    harmonies = ((48, 55, 52, 55), (47, 55, 50, 55), (48, 57, 53, 57), (47, 55, 53, 55))
    moved = music(*[(p, b * BAR + 2 * i, 2) for b in range(4) for i, p in enumerate(harmonies[b] * 2)],
                  *[(76, b * BAR, 8) for b in range(4)], *[(79, b * BAR + 8, 8) for b in range(4)])
    assert musician.figure_shape_kept(moved, phrase) == [1, 1, 1, 1]
    # the same eighths, the pitches of each bar turned round (G E G C): the onsets keep the figure
    turned = music(*[(p, b * BAR + 2 * i, 2) for b in range(4) for i, p in enumerate((55, 52, 55, 48) * 2)],
                   *[(76, b * BAR, 8) for b in range(4)], *[(79, b * BAR + 8, 8) for b in range(4)])
    assert musician.figure_kept(turned, phrase) == [1, 1, 1, 1]
    assert musician.figure_shape_kept(turned, phrase) == [0, 0, 0, 0]        # every move the other way
    row = musician.measure(turned, phrase, (), C_MAJOR)
    assert row["figure kept, mean of 4"] == 1 and row["figure shape kept, mean of 4"] == 0
    assert musician.figure_shape_kept(alberti(), music()) == []                 # a phrase without notes


def test_the_low_voice_register_drift_is_in_semitones():
    phrase = alberti()
    assert musician.low_register_drift(alberti(), phrase) == 0
    down = music(*[(n.pitch - 12, n.start, n.duration) for n in alberti().notes])
    assert musician.low_register_drift(down, phrase) == pytest.approx(12)


# -- harmonic rhythm ----------------------------------------------------------------------------------

def test_one_chord_held_is_one_harmony_and_c_to_c7_is_no_change():
    assert musician.chord_changes(music(*chord((48, 60, 64, 67), 0, 64))) == (0, 15)
    c_then_c7 = music(*chord((48, 64, 67), 0, 32), *chord((48, 64, 67, 70), 32, 32))
    assert musician.chord_changes(c_then_c7)[0] == 0


def test_a_chord_a_bar_is_three_changes_and_a_chord_a_beat_changes_on_every_beat():
    progression = [(0, 4, 7), (5, 9, 0), (7, 11, 2), (0, 4, 7)]                       # I IV V I
    a_bar = music(*[n for b, pcs in enumerate(progression) for n in chord([48 + pcs[0]] + [60 + p for p in pcs],
                                                                          b * BAR, BAR)])
    assert musician.chord_changes(a_bar) == (3, 15)
    assert musician.measure(a_bar, a_bar)["chord changes per bar"] == 0.75
    every_beat = music(*[n for i in range(16) for n in chord((48, 60, 64, 67) if i % 2 == 0 else (43, 59, 62, 67),
                                                             i * BEAT, BEAT)])
    assert musician.chord_changes(every_beat) == (15, 15)
    assert musician.measure(every_beat, every_beat)["a new chord on most beats"] == 1


def test_a_melody_note_passing_through_a_held_chord_is_not_a_new_harmony():
    # C major held for the bar, the tune C D E F in quarters over it: D and F are passing notes
    notes = chord((48, 55, 64), 0, 16) + [(72, 0, 4), (74, 4, 4), (76, 8, 4), (77, 12, 4)]
    assert musician.chord_changes(music(*notes, bars=1))[0] == 0
    # a sixteenth A before the G on beat 2: alone, C E G A is an A minor 7th, but C major still covers 15/16
    notes = chord((48, 52, 55), 0, 16) + [(76, 0, 4), (81, 4, 1), (79, 5, 3), (77, 8, 1), (76, 9, 3),
                                          (74, 12, 1), (72, 13, 3)]
    assert musician.chord_changes(music(*notes, bars=1))[0] == 0


# -- the ending ---------------------------------------------------------------------------------------

def three_bars_then(last_bar):
    opening = [n for b in range(3) for n in chord((48, 64, 67, 72), b * BAR, BAR)]
    return music(*opening, *[(p, 3 * BAR + s, d) for p, s, d in last_bar])


def test_v7_to_i_with_the_tonic_in_the_bass_is_a_cadence_held_to_the_bar_line():
    # bar 4: G7 for two beats, then C major on beat 3 held to the end
    ending = three_bars_then(chord((43, 59, 65, 67), 0, 8) + chord((48, 60, 64, 67), 8, 8))
    result = musician.ending(ending, C_MAJOR)
    assert result["cadence"] == 1 and result["held chord"] == 1 and result["mid-gesture"] == 0


def test_running_notes_to_the_bar_line_are_mid_gesture_and_not_a_cadence():
    run = [(62 + 2 * (i % 4), 2 * i, 2) for i in range(8)]                             # D E F# G.. in eighths
    result = musician.ending(three_bars_then(run), C_MAJOR)
    assert result["mid-gesture"] == 1 and result["held chord"] == 0 and result["cadence"] == 0


def test_ending_on_the_dominant_is_a_half_cadence_and_a_chord_let_go_early_ends_in_a_rest():
    half = musician.ending(three_bars_then(chord((43, 59, 62, 67), 0, 16)), C_MAJOR)
    assert half["half cadence"] == 1 and half["cadence"] == 0 and half["held chord"] == 1
    rest = musician.ending(three_bars_then(chord((48, 60, 64, 67), 0, 4)), C_MAJOR)
    assert rest["cadence"] == 1 and rest["rest"] == 1 and rest["held chord"] == 0


def test_a_long_note_on_the_last_downbeat_is_an_arrival_and_a_short_one_is_not():
    assert musician.ending(three_bars_then(chord((48, 60, 64, 67), 0, 8)), C_MAJOR)["arrival on the downbeat"] == 1
    assert musician.ending(three_bars_then(chord((48, 60, 64, 67), 0, 4)), C_MAJOR)["arrival on the downbeat"] == 0
    late = three_bars_then(chord((48, 60, 64, 67), 4, 12))                            # long, but on beat 2
    assert musician.ending(late, C_MAJOR)["arrival on the downbeat"] == 0


def test_a_tonic_chord_over_its_third_is_not_a_cadence():
    inverted = musician.ending(three_bars_then(chord((52, 60, 64, 67), 0, 16)), C_MAJOR)   # I6
    assert inverted["cadence"] == 0


# -- adherence ----------------------------------------------------------------------------------------

def test_music_is_as_like_its_phrase_as_can_be_and_a_tritone_away_is_not():
    phrase = alberti()
    assert musician.chroma_similarity(phrase, phrase) == pytest.approx(1)
    assert musician.groove_similarity(phrase, phrase) == 1
    far = music(*[(n.pitch + 6, n.start, n.duration) for n in phrase.notes])            # C -> F#: no common note
    assert musician.chroma_similarity(far, phrase) == 0


def test_the_adherence_score_is_one_for_the_composer_and_zero_for_other_music():
    composer = [0.8 + 0.01 * i for i in range(10)]
    other = [0.3 + 0.01 * i for i in range(10)]
    assert musician.ratio_interval(composer, composer, other)[0] == pytest.approx(1)
    assert musician.ratio_interval(other, composer, other)[0] == pytest.approx(0)
    halfway = [(c + o) / 2 for c, o in zip(composer, other)]
    mean, low, high = musician.ratio_interval(halfway, composer, other)
    assert mean == pytest.approx(0.5) and low <= 0.5 <= high


def test_the_interval_is_over_pieces_and_leaves_undefined_ones_out():
    assert musician.interval([0.5, 0.5, math.nan]) == [0.5, 0.5, 0.5]
    mean, low, high = musician.interval([0.0, 1.0] * 10)
    assert mean == 0.5 and low < 0.5 < high


# -- the composer's bars ------------------------------------------------------------------------------

def test_a_note_held_into_the_composers_bars_sounds_there_but_is_not_their_onset():
    # 24 bars of quarter notes, and a long C from the last beat of bar 12 into bar 13
    notes = [Note(72 + (i % 5), 4 * i, 4) for i in range(24 * 4)] + [Note(48, 12 * BAR - 4, 8)]
    piece = Phrase(tuple(notes), steps_per_quarter=4)
    (passage,) = musician.passages([("test", piece)])
    assert Note(48, 0, 4) in passage.held
    assert all(n.pitch != 48 for n in passage.composer.notes)
    assert any(n.pitch == 48 and n.start == 0 for n in passage.reference.notes)       # fidelity's cut keeps it


# -- the tune restated --------------------------------------------------------------------------------

def test_a_tune_sequenced_a_step_lower_restates_rhythm_and_contour_and_a_new_tune_does_not():
    motif = [(0, 0, 4), (2, 4, 2), (4, 6, 2), (5, 8, 8)]            # up, up, up: long-short-short-long
    phrase = music(*[(72 + d - 2 * b, b * BAR + s, n) for b in range(4) for d, s, n in motif])
    sequence = music(*[(64 + d - 2 * b, b * BAR + s, n) for b in range(4) for d, s, n in motif])
    measured = musician.tune_restated(sequence, phrase)
    assert measured["tune's rhythm restated"] == 1 and measured["tune's rhythm and contour restated"] == 1
    inverted = music(*[(76 - d, b * BAR + s, n) for b in range(4) for d, s, n in motif])
    measured = musician.tune_restated(inverted, phrase)
    assert measured["tune's rhythm restated"] == 1 and measured["tune's rhythm and contour restated"] < 0.5
    running = music(*[(72 + (k % 3), k * 2, 2) for k in range(32)])  # eighths: another rhythm
    assert musician.tune_restated(running, phrase)["tune's rhythm restated"] == pytest.approx(4 / 8)


def test_a_bar_played_again_or_at_the_fifth_is_restated_and_its_notes_reshuffled_are_not():
    bars = [[(60, 0, 4), (64, 4, 4), (67, 8, 4), (72, 12, 4)], [(71, 0, 8), (67, 8, 8)],
            [(69, 0, 4), (65, 4, 4), (62, 8, 8)], [(60, 0, 16)]]
    phrase = music(*[(p, b * BAR + s, n) for b, bar in enumerate(bars) for p, s, n in bar])
    again = music(*[(p, s, n) for p, s, n in bars[0]], *[(p + 7, BAR + s, n) for p, s, n in bars[2]],
                  *[(p + 1, 2 * BAR + s, n) for p, s, n in bars[0][:2]] + [(66, 2 * BAR + 8, 8)],
                  *[(p, 3 * BAR + s + 2, n) for p, s, n in bars[1]])
    assert musician.bars_restated(again, phrase) == [1, 1, 0, 0]      # as it was; a fifth up; 2 of 4; a step late
    reshuffled = music(*[(p, s, n) for (p, _, _), (_, s, n) in zip(bars[0], reversed(bars[0]))])
    assert musician.bars_restated(reshuffled, phrase)[0] == 0
    assert musician.bars_restated(music(bars=2), phrase) == [0, 0]


def test_the_tune_restated_is_read_from_the_top_voice_not_the_accompaniment():
    tune = [(0, 0, 8), (4, 8, 8)]
    phrase = music(*[(72 + d, b * BAR + s, n) for b in range(4) for d, s, n in tune])
    under = music(*[(72 + d, b * BAR + s, n) for b in range(4) for d, s, n in tune],
                  *[(48 + (k % 2) * 7, k * 2, 2) for k in range(32)])  # eighths below the same tune
    assert musician.tune_restated(under, phrase)["tune's rhythm and contour restated"] == 1


def test_a_texture_held_as_the_phrase_s_is_one_and_a_scatter_of_short_notes_is_thinner():
    phrase = music(*[(p, b * BAR, BAR) for b in range(4) for p in (48, 55, 64)])    # a chord a bar, held
    assert musician.texture_kept(phrase, phrase) == {"notes sounding at once, to the phrase's": 1.0,
                                                     "notes an onset, to the phrase's": 1.0,
                                                     "onsets, to the phrase's": 1.0,
                                                     "mean note length, to the phrase's": 1.0}
    scatter = music(*[(48 + 7 * (k % 3), k * 4, 1) for k in range(16)])              # a sixteenth a beat
    measured = musician.texture_kept(scatter, phrase)
    assert measured["notes sounding at once, to the phrase's"] == pytest.approx((16 / 64) / 3)
    assert measured["mean note length, to the phrase's"] == pytest.approx(1 / 16)
    assert measured["notes an onset, to the phrase's"] == pytest.approx(1 / 3)      # single notes, not triads
    assert measured["onsets, to the phrase's"] == pytest.approx(4.0)                # four a bar, not one


def test_a_pedal_held_on_is_kept_and_a_bass_that_moves_off_it_is_not():
    phrase = music(*[(36, b * BAR, BAR) for b in range(4)], *[(60 + b, b * BAR, 4) for b in range(4)])
    assert musician.pedal(phrase) == 36
    on = music(*[(36, b * BAR, BAR) for b in range(4)], *[(64, b * BAR + 4, 4) for b in range(4)])
    off = music(*[(36 + 2 * b, b * BAR, BAR) for b in range(4)])
    assert musician.pedal_kept(on, phrase) == 1.0 and musician.pedal_kept(off, phrase) == 0.25
    walking = music(*[(36 + b, b * BAR, BAR) for b in range(4)])
    assert musician.pedal(walking) is None and math.isnan(musician.pedal_kept(on, walking))
