"""The accompaniment planned (``accompaniment.py``): the phrase's low voice restated bar for bar with its
harmony, or carried onto new chords, and locked into Continue's takes under a new tune."""

import pytest

from engine.music.chords import Chord
from engine.music.harmony import estimate_chords
from engine.music.keys import Key
from engine.music.phrase import Note, Phrase
from engine.writing.accompaniment import (
    accompaniment_plan,
    low_voice,
    member,
    moved,
    nearest,
    pedal,
    stepped,
    two_handed,
)

C_MAJOR = Key(0)
# an Alberti bass (C-G-E-G in eighths on the model's sixteenths) under a tune, bars of I and V7 (4/4)
ALBERTI = {"C": (48, 55, 52, 55), "G7": (47, 55, 50, 53)}
TUNE = (72, 74, 76, 74)


def alberti_phrase(harmonies=("C", "G7", "C", "G7")) -> Phrase:
    notes = []
    for b, name in enumerate(harmonies):
        for i in range(8):
            notes.append(Note(ALBERTI[name][i % 4], b * 16 + 2 * i, 2, 60))
        notes += [Note(TUNE[b] - (1 if name == "G7" else 0), b * 16, 8, 80),
                  Note(TUNE[b] + 3, b * 16 + 8, 8, 80)]
    return Phrase(tuple(notes), steps_per_quarter=4, end=16 * len(harmonies))


def plan_of(phrase: Phrase, bars: int = 4):
    return accompaniment_plan(phrase, bars, estimate_chords(phrase, "beat", C_MAJOR))


def test_the_low_voice_is_the_notes_below_the_middle_of_the_bar_under_a_tune():
    phrase = alberti_phrase()
    low = low_voice(phrase.notes, 0, 16)
    assert [n.pitch for n in low] == [48, 55, 52, 55, 48, 55, 52, 55]
    assert two_handed(phrase.notes, low)
    line = [Note(60 + i, 2 * i, 2) for i in range(8)]
    assert not two_handed(line, low_voice(line, 0, 16))
    chords = [Note(p, 4 * i, 4) for i in range(4) for p in (69, 72, 76, 79)]             # block chords in the treble
    assert not two_handed(chords, low_voice(chords, 0, 16))


def test_each_new_bar_restates_the_low_voice_and_chords_of_the_phrase_s_bar_in_its_place():
    phrase = alberti_phrase(("C", "G7", "G7", "C"))
    plan = plan_of(phrase)
    assert plan is not None
    for k in range(4):
        bar = [(n.pitch, n.start - 16 * k, n.duration) for n in plan.low_voice if 16 * k <= n.start < 16 * (k + 1)]
        source = [(n.pitch, n.start - 16 * k, n.duration) for n in low_voice(phrase.notes, 16 * k, 16)]
        assert bar == source
    assert [(a, b, str(c)) for a, b, c in plan.chords] == [(0, 16, "C"), (16, 48, "G7/B"), (48, 64, "C")]


def test_a_plan_longer_than_the_phrase_goes_round_its_bars_again_and_ends_with_the_take():
    phrase = alberti_phrase(("C", "G7"))
    plan = plan_of(phrase, bars=5)
    assert [n.pitch for n in plan.low_voice if 64 <= n.start < 80] == [48, 55, 52, 55, 48, 55, 52, 55]
    assert [str(c) for _, _, c in plan.chords] == ["C", "G7/B", "C", "G7/B", "C"]
    held = Phrase((Note(40, 0, 32), Note(64, 0, 4), Note(67, 4, 4), Note(48, 16, 16), Note(72, 16, 4)),
                  steps_per_quarter=4, end=32)
    assert [(n.pitch, n.start, n.end) for n in plan_of(held, bars=1).low_voice] == [(40, 0, 16)]   # cut at the end


def test_one_line_gets_no_plan():
    scale = Phrase(tuple(Note(60 + i % 8, 2 * i, 2) for i in range(32)), end=64)
    assert plan_of(scale) is None
    assert plan_of(Phrase(tuple(Note(60 + i % 8, 2 * i, 2) for i in range(4)), end=8)) is None   # not a bar


def test_a_phrase_ending_mid_bar_is_restated_from_as_far_back_so_the_bar_lines_stay():
    whole = alberti_phrase()
    cut = whole.with_notes([Note(n.pitch, n.start, min(n.duration, 56 - n.start), n.velocity)
                            for n in whole.notes if n.start < 56], end=56)       # ends on beat 3 of bar 4
    plan = plan_of(cut, bars=2)                                  # 3 whole bars: the take restates from step 8
    assert [(n.pitch, n.start) for n in plan.low_voice if n.start < 8] == [(48, 0), (55, 2), (52, 4), (55, 6)]
    assert [(n.pitch, n.start) for n in plan.low_voice if 8 <= n.start < 16] == \
        [(47, 8), (55, 10), (50, 12), (53, 14)]                 # then bar 2 (G7) from its downbeat
    assert max(n.end for n in plan.low_voice) <= 32


@pytest.fixture(scope="module")
def default_model():
    from engine.model.checkpoint import load_model
    return load_model("default")


def test_continue_keeps_the_left_hand_in_every_take_and_the_user_s_locks_win(default_model):
    from engine.writing.continuation import ContinueOptions, continue_phrase
    phrase = alberti_phrase()
    plan = plan_of(phrase)
    mine = Note(50, 16, 4, 100)                                   # the user's own note where the figure has a G
    takes = continue_phrase(default_model, phrase, ContinueOptions(bars=4, variations=2, seed=1,
                                                                   accompaniment="restate"), locked=[mine])
    for take in takes:
        struck = {(n.pitch, n.start, n.duration): n.velocity for n in take.notes}
        assert struck[(50, 16, 4)] == 100
        assert all(struck.get((n.pitch, n.start, n.duration)) == n.velocity for n in plan.low_voice)
        left = {(n.pitch, n.start) for n in plan.low_voice} | {(50, 16)}
        for n in take.notes:                                      # the network's own notes above the left hand
            if (n.pitch, n.start) not in left:
                top = max(m.pitch for m in plan.low_voice if m.start // 16 == n.start // 16)
                assert n.pitch > top, n
        tune = [n for n in take.notes if n.pitch >= 60]
        assert len(tune) >= 4                                     # the network wrote a tune over it
        assert [(n.pitch, n.start) for n in tune] != [(n.pitch, n.start) for n in phrase.notes if n.pitch >= 60]
    free = continue_phrase(default_model, phrase, ContinueOptions(bars=4, variations=2, seed=1))
    assert [t.notes for t in free] != [t.notes for t in takes]


def test_under_the_left_hand_kept_the_drafts_with_a_new_tune_are_chosen_first():
    from engine.writing.continuation import _musical
    from engine.writing.task import Draft
    phrase = alberti_phrase()
    left = [Note(n.pitch, n.start + 64, n.duration, n.velocity) for n in plan_of(phrase).low_voice]
    tune = [n for n in phrase.notes if n.pitch >= 60]

    def draft(shift_by: int) -> Draft:
        notes = left + [Note(n.pitch + shift_by, n.start + 64, n.duration, n.velocity) for n in tune]
        return Draft(notes=notes, written=[0] * 40, log_model=-40.0, finished=True)
    drafts = [draft(0), draft(12)]                          # the phrase's tune again; the same an octave up
    assert _musical(drafts, phrase, 64, 128, 16, 4) == [0, 1]
    assert _musical(drafts, phrase, 64, 128, 16, 4, left=left) == [1, 0]


def test_a_chord_tone_moves_to_the_same_member_of_the_new_chord_in_the_nearest_octave():
    c, g7, f = Chord(0, "maj"), Chord(7, "7"), Chord(5, "maj")
    assert member(4, "7") == 4 and member(7, "7") == 7 and member(10, "maj") == 12 and member(2, "min") == 3
    assert moved(52, c, g7, C_MAJOR) == 47                     # E, C's third -> B, G7's third
    assert moved(52, c, f, C_MAJOR) == 57                      # E -> A, F's third
    assert moved(48, c, f, C_MAJOR) == 53                      # C, the root -> F
    assert moved(55, c, c, C_MAJOR) == 55                      # the chord stays: the note stays
    assert moved(50, c, f, C_MAJOR) == 55                      # D, between C's tones: by the roots' move
    assert moved(49, c, f, C_MAJOR) == 53                      # C#: moved to F#, off the scale -> F
    assert nearest(60, 6) == 54 and nearest(60, 7) == 55 and nearest(60, 5) == 65


def test_carried_on_the_figure_goes_onto_the_new_chords_and_a_pedal_stays():
    phrase = alberti_phrase(("C", "G7", "C", "C"))
    assert pedal(phrase.notes, 0, 4, 16) is None                                   # B, C, C: no pedal
    progression = [(0, 16, Chord(5, "maj")), (16, 32, Chord(7, "7")), (32, 64, Chord(0, "maj"))]
    plan = accompaniment_plan(phrase, 4, estimate_chords(phrase, "beat", C_MAJOR), C_MAJOR, progression)
    assert plan.new_harmony and list(plan.chords) == progression
    bars = [[n.pitch for n in plan.low_voice if 16 * k <= n.start < 16 * k + 8] for k in range(4)]
    assert bars == [[53, 60, 57, 60], [47, 55, 50, 53], [48, 55, 52, 55], [48, 55, 52, 55]]   # F, G7, C, C
    held = Phrase(tuple(Note(36, b * 16, 16) for b in range(4)) + tuple(
        Note(p, b * 16 + 4 * i, 4) for b in range(4) for i, p in enumerate((60, 64, 67, 72))), end=64)
    assert pedal(held.notes, 0, 4, 16) == 36
    planned = accompaniment_plan(held, 4, estimate_chords(held, "beat", C_MAJOR), C_MAJOR, progression)
    assert {n.pitch for n in planned.low_voice} == {36}                              # the pedal point stays


def test_carry_in_continue_draws_its_chords_with_the_take_s_seed_and_follows_chords_set(default_model):
    from engine.writing.continuation import ContinueOptions, continue_phrase, planned_accompaniment
    phrase = alberti_phrase()
    a = planned_accompaniment(phrase, ContinueOptions(bars=4, accompaniment="carry"), 3)
    assert a == planned_accompaniment(phrase, ContinueOptions(bars=4, accompaniment="carry"), 3)
    assert a.new_harmony and str(a.chords[-1][2]) == "C"                       # ends on the tonic
    asked = planned_accompaniment(phrase, ContinueOptions(bars=2, accompaniment="restate", chords="F | G7"), 3)
    assert [str(c) for _, _, c in asked.chords] == ["F", "G7"]                  # the chords set win
    assert {n.pitch % 12 for n in asked.low_voice if n.start < 16} <= {5, 9, 0}
    takes = continue_phrase(default_model, phrase, ContinueOptions(bars=4, variations=2, seed=3, accompaniment="carry"))
    for take in takes:
        struck = {(n.pitch, n.start, n.duration) for n in take.notes}
        assert {(n.pitch, n.start, n.duration) for n in a.low_voice} <= struck


def test_continue_after_a_phrase_ending_mid_bar_keeps_the_left_hand_on_its_beats(default_model):
    from engine.writing.continuation import ContinueOptions, continue_phrase
    whole = alberti_phrase()
    cut = whole.with_notes([Note(n.pitch, n.start, min(n.duration, 56 - n.start), n.velocity)
                            for n in whole.notes if n.start < 56], end=56)
    plan = plan_of(cut, bars=2)
    for take in continue_phrase(default_model, cut, ContinueOptions(bars=2, variations=2, seed=4,
                                                                   accompaniment="restate")):
        struck = {(n.pitch, n.start) for n in take.notes}
        assert {(n.pitch, n.start) for n in plan.low_voice} <= struck
        assert all(n.pitch > 55 for n in take.notes if (n.pitch, n.start) not in struck & {
            (m.pitch, m.start) for m in plan.low_voice})


def test_a_step_lower_is_the_scale_s_own_chord_a_degree_down():
    names = [str(stepped(Chord.parse(c), C_MAJOR, -1)) for c in ("C", "G7", "Am", "Dm7", "F", "Bdim", "Eb", "N")]
    assert names == ["Bdim", "Fmaj7", "G", "Cmaj7", "Em", "Am", "C#", "N"]        # Eb, outside C: two semitones
    a_minor = Key(9, minor=True)
    assert [str(stepped(Chord.parse(c), a_minor, -1)) for c in ("Am", "E7", "C")] == ["G", "Dm7", "Bdim"]
    assert str(stepped(Chord.parse("C"), C_MAJOR, 1)) == "Dm"


def test_the_sequence_restates_the_figure_on_the_phrase_s_chords_a_step_lower(default_model):
    from engine.writing.continuation import ContinueOptions, planned_accompaniment
    phrase = alberti_phrase()
    plan = planned_accompaniment(phrase, ContinueOptions(bars=4, accompaniment="sequence"), 1)
    assert plan.new_harmony
    assert [str(c) for _, _, c in plan.chords] == ["Bdim", "Fmaj7", "Bdim", "Fmaj7"]
    assert [n.pitch for n in plan.low_voice if n.start < 8] == [47, 53, 50, 53]          # B-F-D-F
