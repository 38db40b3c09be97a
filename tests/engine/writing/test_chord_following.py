"""Continue and Fill follow set chords: the chart they are given, the writer's lean to the chords'
tones, and takes of the bundled model that sit on them (a few small runs of the real model)."""

import numpy as np
import pytest

from engine.files.seeds import list_seeds, load_seed
from engine.model.checkpoint import load_model
from engine.music.chords import Chord
from engine.music.phrase import trim
from engine.writing.chord_following import (
    BASS,
    CLASH,
    OFF_SHARE,
    OFF_TONE,
    ChordLean,
    asked_spans,
    chord_tone_share,
    parse_chord_bars,
)
from engine.writing.continuation import continue_phrase
from engine.writing.fill import fill_span
from engine.writing.options import ContinueOptions, FillOptions

C, AM, F, G, G7 = (Chord.parse(n) for n in ("C", "Am", "F", "G", "G7"))


def test_a_chart_is_one_bar_per_bar_line_its_chords_dividing_the_bar_evenly():
    assert parse_chord_bars("C | Am | F G | G7") == [[C], [AM], [F, G], [G7]]
    assert parse_chord_bars("| F | % | N |") == [[F], [F], [Chord.parse("N")]]
    assert asked_spans("C | F G G7", 16, 4) == [(0, 16, C), (16, 21, F), (21, 27, G), (27, 32, G7)]
    assert asked_spans(((0, 480, "Am"), (480, 960, G)), 16, 2, 4 / 480) == [(0, 4, AM), (4, 8, G)]
    assert asked_spans(((0, 64, "Am"),), 16, 2) == [(0, 32, AM)]            # cut at the bars written


@pytest.mark.parametrize("chart, message", [
    ("C | Hm7", "bar 2 of the chords: 'Hm7' is not a chord name"),
    ("C | Cmaj13", "bar 2 of the chords: 'Cmaj13': 'maj13' is not a chord quality"),
    ("C || F", "bar 2 of the chords 'C || F' is empty"),
    ("% | C", "the chords begin with %"),
    ("  ", "no chords given"),
])
def test_a_chart_that_cannot_be_read_is_refused_naming_the_bar(chart, message):
    with pytest.raises(ValueError, match=message):
        ContinueOptions(chords=chart).check()
    with pytest.raises(ValueError, match=message):
        FillOptions(chords=chart).check()


def test_spans_that_overlap_or_run_backwards_are_refused():
    with pytest.raises(ValueError, match="the chords C and F overlap"):
        ContinueOptions(chords=((0, 8, "C"), (4, 12, "F"))).check()
    with pytest.raises(ValueError, match="must start at step 0 or later and end after it starts"):
        ContinueOptions(chords=((8, 4, "C"),)).check()
    with pytest.raises(ValueError, match="more than the bar has steps"):
        asked_spans("C D E F G", 4, 1)
    with pytest.raises(ValueError, match="3 bars of chords were given for 2 bars of music"):
        asked_spans("C | F | G", 16, 2)


@pytest.fixture(scope="module")
def default():
    return load_model("default")


def lean_for(vocab, spans, rows=2, sounding=()):
    return ChordLean(vocab, spans, rows, beat=4, sounding=sounding)


def fond_of(vocab, chord, rows=2):
    """Logits of a network that already much prefers ``chord``'s tones (the share cap stays out of it)."""
    logits = np.zeros((rows, vocab.size), np.float32)
    for pitch in range(vocab.lowest_pitch, vocab.highest_pitch + 1):
        logits[:, vocab.pitch(pitch)] = 10.0 * (pitch % 12 in chord.tones)
    return logits


def pitch_bias(lean, vocab, now, pitch, rows=2):
    bias = lean.bias(fond_of(vocab, Chord.parse("F")), np.full(rows, now), np.full(rows, -1), np.full(rows, -1),
                     np.ones(rows, bool))
    return bias[:, vocab.pitch(pitch)]


def test_the_lean_favours_the_chord_s_tones_its_bass_where_it_begins_and_never_a_semitone_clash(default):
    v = default.vocab
    lean = lean_for(v, [(16, 32, Chord.parse("F/C")), (32, 48, Chord.parse("N"))], sounding=[(65, 40)])
    for pitch in (60, 62, 64, 66, 67):                          # before the chord: the model's own choice
        assert (pitch_bias(lean, v, 8, pitch) == 0).all()
    where_it_begins = {p: pitch_bias(lean, v, 16, p)[0] for p in (48, 53, 57, 62, 64)}
    assert where_it_begins[48] == 0                             # its named bass, C
    assert where_it_begins[53] == where_it_begins[57] == -BASS  # its other tones, F and A, below it there
    assert where_it_begins[62] == -BASS - OFF_TONE              # D: no tone of F/C
    assert where_it_begins[64] <= -CLASH                        # E against the F still sounding
    lean.struck(0, 20)
    later = {p: pitch_bias(lean, v, 20, p)[0] for p in (53, 62, 66)}
    assert later[53] == 0 and later[62] == -OFF_TONE and later[66] <= -CLASH
    assert (pitch_bias(lean, v, 40, 61) == 0).all()             # N: the model's own harmony again
    even = np.zeros((2, v.size), np.float32)                    # a network with no opinion: the pitches
    bias = lean.bias(even, np.array([20, 20]), np.array([-1, -1]), np.array([-1, -1]), np.ones(2, bool))  # outside
    # are capped
    pitches = np.exp(bias[0, v.pitches])
    outside = np.array([p % 12 not in (0, 5, 9) for p in range(v.lowest_pitch, v.highest_pitch + 1)])
    assert pitches[outside].sum() / pitches.sum() == pytest.approx(OFF_SHARE, abs=0.001)
    length = v.length(8)                                        # a C struck at 28 held 8 steps: 4 of them
    bias = lean.bias(fond_of(v, Chord.parse("F")), np.array([28, 28]), np.array([60, 62]), np.array([28, 28]),
                     np.array([True, True]))
    assert bias[0, length] == 0 and bias[1, length] < 0          # C sounds in F/C; D does not


def test_without_the_cap_the_outside_pitches_keep_the_network_s_share_less_the_lean(default):
    v = default.vocab
    lean = ChordLean(v, [(16, 32, Chord.parse("F"))], 2, beat=4, cap=False)
    even = np.zeros((2, v.size), np.float32)                    # a network with no opinion
    bias = lean.bias(even, np.array([20, 20]), np.array([-1, -1]), np.array([-1, -1]), np.ones(2, bool))
    outside = np.array([p % 12 not in (0, 5, 9) for p in range(v.lowest_pitch, v.highest_pitch + 1)])
    assert (bias[:, v.pitches][:, outside] == -OFF_TONE).all() and (bias[:, v.pitches][:, ~outside] == 0).all()
    pitches = np.exp(bias[0, v.pitches])
    assert pitches[outside].sum() / pitches.sum() > 2 * OFF_SHARE


def test_rows_that_cannot_strike_a_pitch_next_get_no_lean_on_the_pitches(default):
    v = default.vocab
    lean = lean_for(v, [(16, 32, Chord.parse("F"))])
    bias = lean.bias(fond_of(v, Chord.parse("F")), np.array([20, 20]), np.array([-1, -1]), np.array([-1, -1]),
                     np.ones(2, bool), np.array([True, False]))
    assert bias[0, v.pitch(62)] == -OFF_TONE and (bias[1, v.pitches] == 0).all()


def test_the_cap_is_for_networks_that_do_not_read_the_chords(default, monkeypatch):
    from engine.writing import writer
    made = []

    class Recorded(ChordLean):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self.cap)
    monkeypatch.setattr(writer, "ChordLean", Recorded)
    phrase = load_seed(next(s for s in list_seeds() if "K. 545" in s.title))
    phrase = trim(phrase, 0, phrase.steps_per_bar)
    options = ContinueOptions(bars=1, variations=1, candidates=0, seed=1, chords="F")
    continue_phrase(default, phrase, options)
    assert default.model.config.harmony and made == [False]
    plain = load_model("benchmark-nottingham")
    assert not plain.model.config.harmony
    continue_phrase(plain, phrase, options)
    assert made == [False, True]


def tone_share(takes, spans):
    on = under = 0.0
    for take in takes:
        a, b = chord_tone_share(take.notes, spans)
        on, under = on + a, under + b
    return on / under


def test_takes_over_set_chords_sit_on_their_tones(default):
    phrase = load_seed(next(s for s in list_seeds() if "K. 545" in s.title))
    phrase = trim(phrase, 0, 2 * phrase.steps_per_bar)
    chart = "Ab | Db Eb7"                                       # far from the phrase's C major
    spans = asked_spans(chart, phrase.steps_per_bar, 2)
    following = continue_phrase(default, phrase, ContinueOptions(bars=2, variations=3, seed=4, chords=chart))
    free = continue_phrase(default, phrase, ContinueOptions(bars=2, variations=3, seed=4))
    assert tone_share(following, spans) >= 0.85
    assert tone_share(free, spans) < 0.5                        # the model alone stays in C


def test_fill_follows_the_chords_set_in_its_span(default):
    phrase = load_seed(next(s for s in list_seeds() if "K. 545" in s.title))
    bar = phrase.steps_per_bar
    phrase = trim(phrase, 0, 4 * bar)
    chart = "E | A E"
    takes = fill_span(default, phrase, bar, 3 * bar, FillOptions(candidates=8, variations=2, seed=2, chords=chart))
    assert tone_share(takes, asked_spans(chart, bar, 2)) >= 0.8
    with pytest.raises(ValueError, match="3 bars of chords were given for 2 bars of music"):
        fill_span(default, phrase, bar, 3 * bar, FillOptions(candidates=8, seed=2, chords="E | A | E"))
