"""Listening: what sounds as a take is written (the fit rule, the line), where the phrase puts its
low voice (the figure) and where the new bars arrive."""

import numpy as np
import pytest

from engine.encoding.tokens import Vocabulary
from engine.music.keys import Key
from engine.music.phrase import Note
from engine.writing import listening
from engine.writing.listening import Figure, Listening, low_voice_figure

VOCAB = Vocabulary(velocity_levels=4)


def softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max())
    return e / e.sum()


def test_the_pitches_a_semitone_or_a_minor_ninth_from_what_sounds_are_the_clashing_ones():
    ear = Listening(VOCAB, rows=1, start=0, end=64, bar_steps=16)
    ear.struck(0, 60, 0)                       # C4 held for a bar
    ear.lasts(0, 16)
    ear.struck(0, 67, 4)                       # G4 struck at step 4, an eighth long
    ear.lasts(0, 2)
    clash = {p for p in range(128) if ear.clashing(np.array([4]))[0, p]}
    assert {61, 59, 73, 47, 66, 68, 80, 54} <= clash          # minor 2nds and 9ths, above and below
    assert not {71, 49, 60, 64, 72, 55} & clash                # major 7ths, unisons, octaves, thirds
    later = {p for p in range(128) if ear.clashing(np.array([8]))[0, p]}
    assert 68 not in later and 61 in later                     # the G has stopped, the C still sounds


def test_no_nudge_makes_a_clashing_note_likelier_than_the_network_has_it():
    rng = np.random.default_rng(1)
    ear = Listening(VOCAB, rows=2, start=0, end=64, bar_steps=16)
    for row in range(2):
        ear.struck(row, 60, 0)
        ear.lasts(row, 8)
    logits = rng.normal(size=(2, VOCAB.size)).astype(np.float32)
    nudges = np.zeros((2, VOCAB.size), dtype=np.float32)
    nudges[:, VOCAB.pitch(61)] = 3.0           # a debt that would be paid with C sharp over the C
    nudges[:, VOCAB.pitch(64)] = 3.0           # and one with E
    nudges[:, VOCAB.pitch(50)] = -2.0
    banned = np.zeros((2, VOCAB.size), dtype=bool)
    banned[:, :VOCAB.first_pitch] = True
    kept = ear.keep_clear(nudges.copy(), logits, banned, np.array([2, 2]))
    for row in range(2):
        before = softmax(np.where(banned[row], -np.inf, logits[row]))
        after = softmax(np.where(banned[row], -np.inf, logits[row] + kept[row]))
        assert after[VOCAB.pitch(61)] <= before[VOCAB.pitch(61)] * (1 + 1e-5)
        assert after[VOCAB.pitch(64)] > before[VOCAB.pitch(64)]            # a fitting debt is still paid
        assert kept[row, VOCAB.pitch(50)] == -2.0                            # nudges down are kept
    listening.FIT = False
    try:
        loose = ear.keep_clear(nudges.copy(), logits, banned, np.array([2, 2]))
    finally:
        listening.FIT = True
    assert loose[0, VOCAB.pitch(61)] == 3.0


def test_the_line_rule_holds_back_a_new_top_note_leaping_past_a_fifth():
    ear = Listening(VOCAB, rows=1, start=0, end=64, bar_steps=16)
    ear.struck(0, 72, 0)                       # the tune on C5, held a quarter
    ear.lasts(0, 4)
    ear.struck(0, 52, 2)                       # an E3 below it
    ear.lasts(0, 1)
    unfit = ear.unfit(np.array([2]))[0]        # a note above both at that onset would be the tune's
    assert not unfit[74] and not unfit[79]     # a step, a fifth
    assert unfit[84]                           # an octave
    unfit = ear.unfit(np.array([4]))[0]        # the next onset, over silence: its first note may be a bass
    assert not unfit[36] and not unfit[84]
    ear.struck(0, 48, 4)                       # a bass note struck first at that onset, held
    ear.lasts(0, 4)
    unfit = ear.unfit(np.array([4]))[0]
    assert unfit[84] and unfit[60] and not unfit[76]     # above the bass: the tune's next note, judged from C5


def test_the_low_voice_figure_leans_on_the_last_two_bars_and_away_from_steps_it_never_uses():
    bar = 16
    alberti = [Note(p, b * bar + 2 * i, 2) for b in range(2, 4) for i, p in enumerate([48, 55, 52, 55] * 2)]
    tune = [Note(76, b * bar, 8) for b in range(4)] + [Note(74, b * bar + 8, 8) for b in range(4)]
    held = [Note(48, b * bar, 16) for b in range(2)]            # bars 1-2: a held bass
    figure = low_voice_figure(alberti + tune + held, bar, 0, 4)
    assert figure.lean[0] == 1.0 and figure.lean[2] == 1.0 and figure.lean[14] == 1.0
    assert figure.lean[1] == -1.0 and figure.lean[3] == -1.0        # no bar's low voice strikes there
    assert (figure.low, figure.high) == (48, 55)


def test_the_lowest_note_of_an_onset_is_nudged_into_the_low_voice_where_the_figure_strikes():
    lean = np.full(16, -1.0)
    lean[::4] = 1.0
    ear = Listening(VOCAB, rows=1, start=0, end=64, bar_steps=16, figure=Figure(lean, 40, 47))
    on_beat = ear.nudges([4], np.zeros((1, VOCAB.size)))[0]
    off_beat = ear.nudges([6], np.zeros((1, VOCAB.size)))[0]
    assert on_beat[VOCAB.pitch(43)] > 0 and on_beat[VOCAB.pitch(72)] == 0
    assert off_beat[VOCAB.pitch(43)] < 0 and off_beat[VOCAB.pitch(72)] == 0
    ear.struck(0, 43, 4)
    ear.lasts(0, 2)
    second = ear.nudges([4], np.zeros((1, VOCAB.size)))[0]            # a second note at that onset
    assert second[VOCAB.pitch(43)] == 0


def test_the_last_downbeat_is_not_passed_over_and_its_note_leans_home_and_is_held():
    c_major = Key(0)
    ear = Listening(VOCAB, rows=1, start=0, end=64, bar_steps=16, arrival=48, home=c_major)
    before = ear.nudges([44], np.zeros((1, VOCAB.size)))[0]
    assert before[VOCAB.wait(4)] == 0 and before[VOCAB.wait(6)] < 0      # landing on it, or past it
    there = ear.nudges([48], np.zeros((1, VOCAB.size)))[0]
    assert there[VOCAB.pitch(48)] > 0 and there[VOCAB.pitch(43)] > 0     # the tonic or the dominant in the bass
    assert there[VOCAB.pitch(50)] == 0
    ear.struck(0, 48, 48)                                                   # C in the bass
    held = ear.nudges([48], np.zeros((1, VOCAB.size)))[0]
    assert held[VOCAB.length(8)] > 0 > held[VOCAB.length(2)]               # half the bar or more
    ear.lasts(0, 8)
    above = ear.nudges([48], np.zeros((1, VOCAB.size)))[0]
    assert above[VOCAB.pitch(64)] > 0 > above[VOCAB.pitch(62)]             # E of the C chord, not D


def test_a_nudge_switched_off_adds_nothing(monkeypatch):
    def heard(**switches):
        for name, value in switches.items():
            monkeypatch.setattr(listening, name, value)
        ear = Listening(VOCAB, rows=1, start=0, end=64, bar_steps=16, figure=Figure(np.ones(16), 40, 47),
                        arrival=48, home=Key(0))
        return ear.nudges([48], np.zeros((1, VOCAB.size)))[0]
    assert heard()[VOCAB.pitch(41)] > 0 and heard()[VOCAB.pitch(67)] > 0     # F2 in the low voice, G4 a dominant
    assert heard(FIGURE=0)[VOCAB.pitch(41)] == 0
    assert heard(ARRIVAL=False)[VOCAB.pitch(67)] == 0


def test_a_take_striking_again_more_often_than_the_phrase_pays_for_the_next_stutter():
    from engine.writing.listening import Repeats
    ear = Listening(VOCAB, rows=2, start=0, end=64, bar_steps=16, strength=1.0, repeats=Repeats(0.25, 4))
    for row in range(2):
        for k, pitch in enumerate((60, 64, 67, 72)):               # four different notes, a sixteenth apart
            ear.struck(row, pitch, k)
            ear.lasts(row, 1)
    ear.struck(0, 72, 4)                                           # take 0 strikes its C5 again at once
    ear.lasts(0, 1)
    ear.struck(1, 71, 4)
    ear.lasts(1, 1)
    out = ear.nudges(np.array([5, 5]), np.zeros((2, VOCAB.size), dtype=np.float32))
    # take 0: one repeat in five notes, another would make 2 in 6 (over 0.25): the recent pitches cost
    assert out[0, VOCAB.pitch(72)] == -listening.STUTTER and out[0, VOCAB.pitch(67)] == -listening.STUTTER
    assert out[0, VOCAB.pitch(64)] == 0.0 and out[0, VOCAB.pitch(60)] == 0.0   # struck a beat (4 steps) ago or more
    # take 1: no repeat yet, one would make 1 in 6 (under 0.25): a repeat is as free as the phrase's
    assert not out[1, VOCAB.pitch(72)] and not out[1, VOCAB.pitch(71)]
    plain = Listening(VOCAB, rows=1, start=0, end=64, bar_steps=16, strength=1.0)
    plain.struck(0, 72, 0)
    plain.lasts(0, 1)
    assert not plain.nudges(np.array([1]), np.zeros((1, VOCAB.size), dtype=np.float32))[0, VOCAB.pitch(72)]


def test_the_low_voice_moves_as_the_phrase_s_did_at_each_step_whatever_the_harmony():
    bar = 16
    alberti = [Note(p, b * bar + 2 * i, 2) for b in range(2) for i, p in enumerate([48, 55, 52, 55] * 2)]
    tune = [Note(76, b * bar, 16) for b in range(2)]
    figure = low_voice_figure(alberti + tune, bar, 0, 2)
    up, down = 2, 0
    assert figure.moves[2, up] == 1.0 and figure.moves[6, up] == 1.0 and figure.moves[4, down] == 1.0
    assert figure.moves[8, down] == 1.0                           # G down to C, from the half bar on
    assert figure.moves[0, down] == 1.0 and not figure.moves[0, up]   # bar 2's C came down from G (bar 1's: no move)
    assert figure.last_low == 55
    ear = Listening(VOCAB, rows=1, start=2 * bar, end=4 * bar, bar_steps=bar, figure=figure, strength=1.0)
    ear.struck(0, 50, 2 * bar)                                    # the take's bar begins on D: a new harmony
    ear.lasts(0, 2)
    nudges = ear.nudges([2 * bar + 2], np.zeros((1, VOCAB.size)))[0]
    plain = Listening(VOCAB, rows=1, start=2 * bar, end=4 * bar, bar_steps=bar,
                      figure=Figure(figure.lean, figure.low, figure.high), strength=1.0)
    plain.struck(0, 50, 2 * bar)
    plain.lasts(0, 2)
    without = plain.nudges([2 * bar + 2], np.zeros((1, VOCAB.size)))[0]
    moved = nudges - without
    assert moved[VOCAB.pitch(53)] == listening.CONTOUR                # up from D, in the low voice's register
    assert moved[VOCAB.pitch(49)] == 0 and moved[VOCAB.pitch(50)] == 0   # down or the same: not as the phrase
    assert moved[VOCAB.pitch(72)] == 0                                 # above the low voice's register: the tune's


def test_the_phrase_s_tune_is_read_bar_by_bar_from_its_top_voice():
    bar = 16
    chords = [Note(p, b * bar + k, 4) for b in range(2) for k in (0, 8) for p in (48, 52, 55)]
    tune = [Note(72, 0, 4), Note(74, 4, 4), Note(76, 8, 8),          # bar 1: up, up from C
            Note(74, bar, 8), Note(74, bar + 8, 8)]                  # bar 2: down, then the same
    heard = listening.phrase_tune(chords + tune, bar, 0, 2)
    down, same, up = 0, 1, 2
    assert heard.moves[0, 0] == -1                                   # the very first note moved from nothing
    assert heard.moves[0, 4] == up and heard.moves[0, 8] == up
    assert heard.moves[1, 0] == down and heard.moves[1, 8] == same
    assert (heard.moves[0, [1, 2, 3, 5, 12]] == -1).all()            # no tune note struck there
    assert heard.source(0) == 0 and heard.source(3) == 1             # new bars restate the bars in their place
    assert listening.phrase_tune([], bar, 0, 2) is None


def test_the_tune_s_next_note_moves_as_the_bar_it_restates_and_is_no_likelier_for_it():
    bar = 16
    tune = listening.Tune(np.full((1, bar), -1))
    tune.moves[0, 4] = 0                                              # at step 4 the phrase's tune went down
    ears = [Listening(VOCAB, rows=1, start=bar, end=3 * bar, bar_steps=bar, strength=1.0, tune=t)
            for t in (tune, None)]
    for ear in ears:
        ear.struck(0, 48, bar)                                        # a bass held under the tune
        ear.lasts(0, 16)
        ear.struck(0, 72, bar)                                        # the take's tune: C5, a quarter
        ear.lasts(0, 4)
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(1, VOCAB.size)).astype(np.float32)
    banned = np.zeros((1, VOCAB.size), dtype=bool)
    nudges, plain = (ear.nudges(np.array([bar + 4]), np.zeros((1, VOCAB.size), dtype=np.float32), logits, banned)[0]
                     for ear in ears)
    moved = nudges - plain
    pitch = VOCAB.pitch
    assert moved[pitch(71)] - moved[pitch(73)] == pytest.approx(listening.TUNE)   # a step down, not up
    assert moved[pitch(67)] == pytest.approx(moved[pitch(60)])       # any note down alike
    assert moved[pitch(72)] == pytest.approx(moved[pitch(76)]) and moved[pitch(72)] < 0   # the same or up
    assert moved[pitch(48)] == 0 and moved[pitch(40)] == 0           # not above the bass: not the tune's
    before, after = softmax(logits[0] + plain), softmax(logits[0] + nudges)
    tune_notes = [pitch(p) for p in range(49, VOCAB.highest_pitch + 1)]
    assert abs(after[tune_notes].sum() - before[tune_notes].sum()) < 1e-5   # a tune note no likelier than before
    elsewhere, alone = (ear.nudges(np.array([bar + 5]), np.zeros((1, VOCAB.size), dtype=np.float32), logits, banned)[0]
                        for ear in ears)
    assert (elsewhere == alone).all()                                 # a step the phrase's tune left alone
