"""The vocabulary spells every phrase on the grid exactly once: decode(encode(p)) == p."""

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.encoding.tokens import END, START, Decoder, Vocabulary, decode, encode, transpose_tokens
from engine.music.phrase import Note, Phrase

SMALL = Vocabulary(max_wait=4, max_length=3)          # small limits so splitting is exercised
VELOCITY = Vocabulary(max_wait=8, max_length=8, velocity_levels=8)


def notes_for(vocab: Vocabulary, max_step: int = 60):
    velocity = (st.integers(1, 127).map(vocab.quantize_velocity) if vocab.velocity_levels
                else st.just(vocab.quantize_velocity(80)))
    return st.builds(Note, pitch=st.integers(0, 127), start=st.integers(0, max_step),
                     duration=st.integers(1, 40), velocity=velocity)


def phrases_for(vocab: Vocabulary):
    return st.builds(
        lambda notes, tail, grid, sig: Phrase(tuple(_unique(notes)), steps_per_quarter=grid,
                                              time_signature=sig, end=max((n.end for n in notes), default=0) + tail),
        st.lists(notes_for(vocab), max_size=40), st.integers(0, 30), st.sampled_from([1, 2, 4, 12]),
        st.sampled_from([(4, 4), (3, 4), (6, 8)]))


def _unique(notes):
    # a key is struck once at a time: one note per pitch and start
    seen, out = set(), []
    for n in notes:
        if (n.pitch, n.start) not in seen:
            seen.add((n.pitch, n.start))
            out.append(n)
    return out


@settings(max_examples=300, deadline=None)
@given(phrases_for(SMALL))
def test_round_trip_without_velocity(phrase):
    tokens = encode(phrase, SMALL)
    assert tokens[0] == START and tokens[-1] == END
    assert decode(tokens, SMALL, phrase) == phrase


@settings(max_examples=300, deadline=None)
@given(phrases_for(VELOCITY))
def test_round_trip_with_velocity_levels(phrase):
    assert decode(encode(phrase, VELOCITY), VELOCITY, phrase) == phrase


@settings(max_examples=200, deadline=None)
@given(phrases_for(Vocabulary()))
def test_each_phrase_has_one_spelling(phrase):
    vocab = Vocabulary()
    tokens = encode(phrase, vocab)
    assert encode(decode(tokens, vocab, phrase), vocab) == tokens


def test_a_chord_a_rest_and_a_long_note():
    vocab = Vocabulary(max_wait=16, max_length=32)
    chord = [Note(60, 0, 4), Note(64, 0, 4), Note(67, 0, 4)]
    long_note = Note(48, 24, 40)                     # 40 steps: lengths 32 + 8
    phrase = Phrase(tuple(chord + [long_note]), end=80)
    names = [vocab.name(t) for t in encode(phrase, vocab)]
    assert names == ["start", "pitch 60", "length 4", "pitch 64", "length 4", "pitch 67", "length 4",
                     "wait 16", "wait 8", "pitch 48", "length 32", "length 8", "wait 16", "wait 16",
                     "wait 16", "wait 8", "end"]
    assert decode(encode(phrase, vocab), vocab) == phrase


def test_trailing_rest_survives():
    phrase = Phrase((Note(60, 0, 2),), end=16)
    assert decode(encode(phrase, SMALL), SMALL).length == 16


def test_velocity_levels_cover_the_midi_range():
    vocab = Vocabulary(velocity_levels=8)
    levels = [vocab.velocity_level(v) for v in range(1, 128)]
    assert levels[0] == 0 and levels[-1] == 7 and levels == sorted(levels)
    for level in range(8):
        assert vocab.velocity_level(vocab.level_velocity(level)) == level


def test_decoder_is_lenient_with_broken_streams():
    vocab = Vocabulary()
    # a length with no pitch, a pitch with no length, then a clean note
    stream = [vocab.length(3), vocab.pitch(60), vocab.wait(2), vocab.pitch(62), vocab.length(2)]
    notes = decode(stream, vocab).notes
    assert notes == (Note(60, 0, 1), Note(62, 2, 2))


def test_decoder_stops_at_end():
    vocab = Vocabulary()
    d = Decoder(vocab)
    for t in [vocab.pitch(60), vocab.length(1), END, vocab.pitch(70), vocab.length(1)]:
        d.feed(t)
    assert [n.pitch for n in d.close()] == [60]


def test_transpose_tokens_moves_pitches_only_and_refuses_the_edge():
    vocab = Vocabulary()
    tokens = encode(Phrase((Note(60, 0, 4), Note(127, 4, 1))), vocab)
    up = transpose_tokens(tokens, vocab, -2)
    assert [n.pitch for n in decode(up, vocab).notes] == [58, 125]
    assert transpose_tokens(tokens, vocab, 1) is None


def test_pitches_outside_the_vocabulary_are_left_out():
    vocab = Vocabulary(lowest_pitch=21, highest_pitch=108)
    phrase = Phrase((Note(10, 0, 1), Note(60, 0, 1)))
    assert [n.pitch for n in decode(encode(phrase, vocab), vocab).notes] == [60]
    assert not vocab.covers(phrase)


def test_a_value_with_no_token_is_a_clear_error_not_an_assertion():
    import re

    import pytest

    vocab = Vocabulary(max_wait=4, max_length=3, velocity_levels=2, lowest_pitch=21, highest_pitch=108)
    for make, value, words in ((vocab.wait, 5, "waits are 1 to 4"), (vocab.length, 0, "lengths are 1 to 3"),
                               (vocab.pitch, 10, "outside the model's pitches (21 to 108)"),
                               (vocab.velocity, 2, "has 2")):
        with pytest.raises(ValueError, match=re.escape(words)):
            make(value)


def test_the_vocabulary_says_which_id_is_what_every_way_it_is_asked():
    for vocab in (Vocabulary(), Vocabulary(max_wait=8, max_length=12, velocity_levels=4, lowest_pitch=21,
                                          highest_pitch=108)):
        groups = {"wait": vocab.waits, "length": vocab.lengths, "pitch": vocab.pitches,
                  "velocity": vocab.velocities}
        for token in range(vocab.size):
            kind = vocab.kind(token)
            assert vocab.kinds[token] == kind and vocab.values[token] == vocab.value(token)
            assert [k for k, ids in groups.items() if ids.start <= token < ids.stop] == \
                ([kind] if kind in groups else [])
        assert vocab.values[vocab.waits][0] == 1 and vocab.values[vocab.waits][-1] == vocab.max_wait
        assert vocab.values[vocab.pitches][0] == vocab.lowest_pitch
        assert vocab.values[vocab.velocities] == tuple(range(vocab.velocity_levels))
        assert vocab.velocities.stop == vocab.size
