"""Suggested chords: a chain learned from counts, continuing the phrase's chords, ending on a cadence."""

import pytest

from engine.music.chords import Chord
from engine.music.keys import Key
from engine.music.phrase import Note, Phrase
from engine.music.progressions import CADENCE, Progressions, bundled_progressions, degree_name, suggest_chords

C_MAJOR, A_MINOR = Key(0), Key(9, True)


def counts(within, across):
    """A mode's counts: ``within`` and ``across`` as {from: {to: count}}, every chord seen often."""
    names = {n for table in (within, across) for a, row in table.items() for n in (a, *row)}
    return {"seen": {n: 1000 for n in names}, "within": within, "across": across}


# I held through each bar, then I -> IV -> V -> I across the bar lines, nothing else
ROUND = counts({"0 maj": {"0 maj": 500}, "5 maj": {"5 maj": 500}, "7 maj": {"7 maj": 500}, "9 min": {"9 min": 500}},
               {"0 maj": {"5 maj": 500}, "5 maj": {"7 maj": 500}, "7 maj": {"0 maj": 500}, "9 min": {"2 min": 500},
                "2 min": {"7 maj": 500}})
ROUND["within"]["2 min"] = {"2 min": 500}


def chart(spans, key=C_MAJOR):
    return [(a, b, chord.name(key)) for a, b, chord in spans]


def test_the_suggestions_follow_what_the_chain_learned_and_the_chord_before_them():
    learned = Progressions({"major": ROUND, "minor": ROUND})
    phrase = Phrase((Note(48, 0, 16), Note(52, 0, 16), Note(55, 0, 16)), steps_per_quarter=4)   # a bar of C
    assert chart(suggest_chords(phrase, 16, 3, C_MAJOR, seed=1, progressions=learned)) == \
        [(16, 32, "F"), (32, 48, "G"), (48, 64, "C")]
    after_am = Phrase(phrase.notes, steps_per_quarter=4, chords=((0, 16, "Am"),))   # the chord set wins
    assert chart(suggest_chords(after_am, 16, 3, C_MAJOR, seed=1, progressions=learned)) == \
        [(16, 32, "Dm"), (32, 48, "G"), (48, 64, "C")]
    from_the_middle = chart(suggest_chords(phrase, 4, 1, C_MAJOR, seed=1, progressions=learned))
    assert from_the_middle == [(8, 16, "G"), (16, 24, "C")]             # from the half bar on, a bar long
    with pytest.raises(ValueError, match="1 bar or more"):
        suggest_chords(phrase, 16, 0, C_MAJOR, progressions=learned)


@pytest.mark.parametrize("key", [C_MAJOR, A_MINOR, Key(3), Key(6, True)])
def test_the_bundled_suggestions_end_on_a_cadence_in_the_phrase_s_key(key):
    progressions = bundled_progressions()
    phrase = Phrase((Note(60 + key.tonic, 0, 32),), steps_per_quarter=4)
    leading = {f"{i} {q}" for i, q in CADENCE[key.minor]}
    tonic = Chord(key.tonic, "min" if key.minor else "maj")
    seen = set()
    for seed in range(12):
        spans = suggest_chords(phrase, 32, 4, key, seed=seed, progressions=progressions)
        assert spans[0][0] == 32 and spans[-1][1] == 32 + 4 * 16
        assert all(b == c for (_, b, _), (c, _, _) in zip(spans, spans[1:]))
        assert spans[-1] == (80, 96, tonic)                                  # the last bar: the tonic
        assert degree_name(spans[-2][2], key) in leading                      # and what leads to it
        seen.add(tuple(chart(spans, key)))
    assert len(seen) >= 6                                                    # not one progression every time
    assert suggest_chords(phrase, 32, 4, key, seed=3) == suggest_chords(phrase, 32, 4, key, seed=3)


def test_the_bundled_progressions_say_where_they_came_from():
    provenance = bundled_progressions().provenance
    assert "POP909" in provenance["pop909"] and "validation songs left out" in provenance["pop909"]
    assert "piano-midi.de" in provenance["piano_midi"]
    assert provenance["half_bars_counted"]["major"] > 50000


def test_progressions_that_cannot_be_read_say_so(tmp_path):
    broken = tmp_path / "progressions.json"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match="could not be read"):
        Progressions.load(broken)
