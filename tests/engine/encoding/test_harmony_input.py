"""Harmony as a control: the chord now and the next at every position, hidden as training hides it,
moved with the music, read the same one token at a time, asked for as musicians write chords."""

import numpy as np
import pytest
import torch

from engine.encoding.harmony_input import (
    BAR,
    BASS,
    CURRENT,
    NEXT,
    NEXT_BAR,
    NEXT_BASS,
    bass_code,
    chord_id,
    chords_around,
    follow_harmony,
    harmony_arrays,
    harmony_scores,
    hide_harmony,
    measured_chords,
    transpose_harmony,
)
from engine.encoding.side_inputs import Followers, foretelling, stream_inputs
from engine.encoding.tokens import Vocabulary, encode, transpose_tokens
from engine.model.network import ModelConfig, MusicLSTM
from engine.music.chords import NO_CHORD, Chord
from engine.music.phrase import Note, Phrase, transpose
from tests.engine.conftest import whole_and_stepwise

VOCAB = Vocabulary(velocity_levels=4)
TONIC, IV, V, V7 = Chord(0), Chord(5), Chord(7), Chord(7, "7")
CADENCE = [(0, 16, TONIC), (16, 24, IV), (24, 32, V), (32, 48, TONIC)]


def block_chords(spans) -> Phrase:
    """Each chord of ``spans`` struck as a block in quarters over its root in the bass."""
    notes = []
    for start, end, chord in spans:
        for t in range(start, end, 4):
            notes.append(Note(36 + chord.root, t, 4))
            notes += [Note(60 + (tone - chord.root) % 12 + chord.root, t, 4) for tone in sorted(chord.tones)]
    return Phrase(tuple(notes))


def position_at(tokens, now: int) -> int:
    clock = 0
    for i, token in enumerate(tokens):
        if VOCAB.kind(token) == "wait":
            clock += VOCAB.value(token)
            if clock == now:
                return i
    raise AssertionError(now)


def test_every_position_reads_the_chord_now_the_next_and_where_it_changes():
    tokens = encode(block_chords(CADENCE), VOCAB)
    arrays = harmony_arrays(tokens, VOCAB, 16, CADENCE)
    row = arrays["harmony"][position_at(tokens, 20)]                    # beat 2 of bar 2: IV, then V7 at 24
    assert row[CURRENT] == chord_id(IV) and row[BASS] == 1 + 5
    assert row[NEXT] == chord_id(V) and row[NEXT_BASS] == 1 + 7
    assert row[BAR] == 1 and row[NEXT_BAR] == 1
    assert np.flatnonzero(arrays["harmony_timing"][position_at(tokens, 20)]).tolist() == [3]   # a wait of 4 lands there
    pitches = arrays["harmony_pitches"][position_at(tokens, 20)]
    assert pitches[65] == 1 | 2 | 4 and pitches[57] == 1 and pitches[60] == 1 and pitches[67] == 8 and pitches[71] == 8
    last = arrays["harmony"][position_at(tokens, 44)]
    assert last[CURRENT] == chord_id(TONIC) and last[NEXT] == 0              # nothing known after the last chord
    assert not arrays["harmony"][0, [CURRENT, NEXT]].any() or arrays["harmony"][0, CURRENT] == chord_id(TONIC)


def test_after_a_gap_in_the_chords_what_comes_next_is_not_known():
    arrays = follow_harmony(VOCAB, 16, [(0, 16, TONIC), (24, 32, V)])(np.array([8, 18]))
    in_first, in_gap = arrays["harmony"]
    assert in_first[CURRENT] == chord_id(TONIC) and in_first[NEXT] == 0 and not arrays["harmony_timing"][0].any()
    assert in_gap[CURRENT] == 0 and in_gap[NEXT] == chord_id(V)
    assert np.flatnonzero(arrays["harmony_timing"][1]).tolist() == [5]
    assert set(arrays["harmony_pitches"][1].tolist()) == {0, 8} and set(arrays["harmony_pitches"][0]) == {0, 1, 7}


def test_chord_ids_and_basses():
    assert chord_id(None) == 0 and chord_id(NO_CHORD) == 1
    assert chord_id(Chord(5, "maj", 0)) == chord_id(Chord(5)) >= 2          # F/C is an F chord...
    assert bass_code(Chord(5, "maj", 0)) == 1 and bass_code(Chord(5)) == 6  # ...with C in the bass
    assert bass_code(NO_CHORD) == bass_code(None) == 0
    assert len({chord_id(Chord(r, q)) for r in range(12) for q in ("maj", "min", "7", "dim")}) == 48


def test_without_chords_everything_is_hidden():
    tokens = encode(block_chords(CADENCE), VOCAB)
    for arrays in (harmony_arrays(tokens, VOCAB, 16, None), follow_harmony(VOCAB, 16, None)(np.array([0, 20]))):
        assert not any(values.any() for values in arrays.values())


def test_measured_chords_hear_the_cadence():
    tokens = encode(block_chords(CADENCE), VOCAB)
    heard = [(s, e, chord.without_bass()) for s, e, chord in measured_chords(tokens, VOCAB, 16, 4)]
    assert heard == CADENCE


@pytest.mark.parametrize("semitones", [3, -7])
def test_transposed_harmony_is_the_harmony_of_the_transposed_music(semitones):
    music = block_chords(CADENCE + [(48, 64, Chord(9, "min", 4))])
    tokens = encode(music, VOCAB)
    moved_tokens = transpose_tokens(tokens, VOCAB, semitones)
    assert moved_tokens is not None
    here = harmony_arrays(tokens, VOCAB, 16, measured_chords(tokens, VOCAB, 16, 4))
    there = harmony_arrays(moved_tokens, VOCAB, 16, measured_chords(moved_tokens, VOCAB, 16, 4))
    moved = transpose_harmony(here, semitones)
    assert np.array_equal(moved["harmony"], there["harmony"])
    assert np.array_equal(moved["harmony_pitches"], there["harmony_pitches"])
    assert np.array_equal(here["harmony_timing"], there["harmony_timing"])
    assert here["harmony"][:, BASS].any() and here["harmony_pitches"].any()
    assert transpose_harmony(here, 12)["harmony"] is here["harmony"]


def test_hiding_hides_whole_bars_the_same_for_any_run_of_positions():
    tokens = encode(block_chords(CADENCE), VOCAB)
    arrays = harmony_arrays(tokens, VOCAB, 16, CADENCE)
    assert hide_harmony(arrays, np.random.default_rng(1), 5, 0.0, 0.0) is arrays
    nothing = hide_harmony(arrays, np.random.default_rng(1), 5, 0.0, 1.0)
    assert not nothing["harmony"][:, [CURRENT, BASS, NEXT, NEXT_BASS]].any()
    assert not nothing["harmony_timing"].any() and not nothing["harmony_pitches"].any()
    for seed in range(20):
        hidden = hide_harmony(arrays, np.random.default_rng(seed), 5, 0.5, 0.0)
        part = hide_harmony({k: v[10:30] for k, v in arrays.items()}, np.random.default_rng(seed), 5, 0.5, 0.0)
        assert all(np.array_equal(hidden[k][10:30], part[k]) for k in arrays)
        by_bar = {}
        for row in hidden["harmony"]:
            by_bar.setdefault(int(row[BAR]), set()).add(bool(row[CURRENT]))
        assert all(len(known) == 1 for known in by_bar.values())        # a bar is hidden whole
        gone = hidden["harmony"][:, NEXT] == 0
        assert not hidden["harmony_timing"][gone].any()                 # no change leads to a chord not known
        assert not (hidden["harmony_pitches"][gone] & 8).any()
        assert not (hidden["harmony_pitches"][hidden["harmony"][:, CURRENT] == 0] & 7).any()
        dark = {bar for bar, known in by_bar.items() if known == {False}}
        assert not hidden["harmony"][np.isin(hidden["harmony"][:, NEXT_BAR], list(dark)), NEXT].any()
    assert np.array_equal(hidden["harmony"][:, BAR], arrays["harmony"][:, BAR])


def test_a_model_with_harmony_hides_it_for_the_likelihood_with_nothing_given_away():
    config = ModelConfig(VOCAB.size, first_pitch=VOCAB.first_pitch, harmony=True, controls=True)
    assert set(foretelling(config)) == {"controls", "harmony", "harmony_timing", "harmony_pitches"}


def harmony_model() -> MusicLSTM:
    torch.manual_seed(4)
    config = ModelConfig(VOCAB.size, 16, 24, 2, 0.0, context=True, first_pitch=VOCAB.first_pitch,
                         max_wait=VOCAB.max_wait, harmony=True)
    return MusicLSTM(config).eval()


def test_a_network_reads_the_chords_the_same_one_token_at_a_time_and_they_start_silent():
    network = harmony_model()
    tokens = encode(block_chords(CADENCE), VOCAB)
    silent = whole_and_stepwise(network, VOCAB, tokens, chords=CADENCE)
    assert torch.equal(silent, whole_and_stepwise(network, VOCAB, tokens, chords=[(0, 48, Chord(2, "min"))]))
    with torch.no_grad():
        for layer in (network.harmony_weights, network.chord_input):
            layer.weight.normal_(0, 0.5)
    used = whole_and_stepwise(network, VOCAB, tokens, chords=CADENCE)
    assert not torch.allclose(used, silent, atol=1e-3)
    assert not torch.allclose(used, whole_and_stepwise(network, VOCAB, tokens, chords=[(0, 48, Chord(2, "min"))]),
                              atol=1e-3)


def test_chord_scores_favour_the_chord_s_tones():
    arrays = follow_harmony(VOCAB, 16, [(0, 8, V7), (8, 16, TONIC)])(np.array([4]))
    codes = arrays["harmony_pitches"][0]
    assert codes[67] == codes[55] == 1 | 2 | 4 | 8                      # G: root and bass, and in the next chord
    assert codes[59] == codes[62] == codes[65] == 1 and codes[60] == codes[64] == 8     # B D F; C E next
    assert codes[61] == 0
    weights = torch.tensor([[3.0, 0.0, 0.0, 0.0, 1.0]])                 # chord tones, and the wait onto the change
    scores = harmony_scores(weights, torch.from_numpy(arrays["harmony_timing"]),
                            torch.from_numpy(arrays["harmony_pitches"]), VOCAB.max_wait)[0]
    waits, pitches = scores[:VOCAB.max_wait], scores[VOCAB.max_wait + VOCAB.max_length:]
    assert np.flatnonzero(waits.numpy()).tolist() == [3]
    assert {int(p) % 12 for p in torch.nonzero(pitches).squeeze(1)} == {7, 11, 2, 5}
    assert set(pitches.tolist()) == {0.0, 3.0}
    network = harmony_model()
    with torch.no_grad():
        network.harmony_weights.bias.copy_(weights[0])
    side = {"harmony": tuple(torch.from_numpy(arrays[k])[None]
                             for k in ("harmony", "harmony_timing", "harmony_pitches"))}
    logits = torch.zeros(1, 1, VOCAB.size)
    scored = network._lookback_and_harmony_scores(logits, network._read_out(torch.zeros(1, 1, 24)), side)
    assert torch.equal(scored[0, 0, VOCAB.first_wait:VOCAB.first_velocity], scores)


def test_the_chords_reach_the_network_s_input_as_their_features_would():
    from engine.encoding.harmony_input import chord_features, chord_input, chord_lookup
    rows = torch.tensor([[chord_id(V7), bass_code(V7), chord_id(Chord(5, "maj", 0)), 1, 0, 0],
                         [chord_id(NO_CHORD), 0, 0, 0, 3, 0], [0, 0, 0, 0, 1, 1]], dtype=torch.int16)
    weight = torch.randn(8, 76)
    assert torch.allclose(chord_input(rows, chord_lookup(weight)), chord_features(rows) @ weight.t(), atol=1e-5)
    assert not chord_input(rows, chord_lookup(weight))[2].any()             # hidden chords add nothing


def test_the_chords_around_the_asked_ones_are_heard_in_the_music():
    music = block_chords([(0, 16, Chord(9, "min")), (16, 32, Chord(2, "min"))])
    around = chords_around(music, [(0, 16, Chord(7)), (16, 32, TONIC)], 32, 64)
    assert [(s, e, c.without_bass()) for s, e, c in around] == [
        (0, 16, Chord(9, "min")), (16, 32, Chord(2, "min")), (32, 48, Chord(7)), (48, 64, TONIC)]
    later = transpose(music, 0)
    assert chords_around(later, [], 16, 32) == [(s, e, c) for s, e, c in chords_around(music, [], 16, 32)]


def test_stream_inputs_measure_the_chords_unless_told_them():
    config = ModelConfig(VOCAB.size, first_pitch=VOCAB.first_pitch, harmony=True)
    tokens = encode(block_chords(CADENCE), VOCAB)
    measured = stream_inputs(tokens, VOCAB, config, 16, 4)["harmony"]
    told = stream_inputs(tokens, VOCAB, config, 16, 4, chords=CADENCE)["harmony"]
    assert np.array_equal(measured[:, [CURRENT, NEXT]], told[:, [CURRENT, NEXT]])
    assert not stream_inputs(tokens, VOCAB, config, 16, 4, chords=None)["harmony"].any()


def test_generation_without_chords_leaves_them_out_and_predicts_as_if_they_were_hidden():
    network = harmony_model()
    with torch.no_grad():
        for layer in (network.harmony_weights, network.chord_input):
            layer.weight.normal_(0, 0.5)
    tokens = encode(block_chords(CADENCE), VOCAB)
    assert Followers(VOCAB, network.config, tokens[:5], 2).feed(tokens[5:6] * 2).keys() == {"sounding", "position"}
    whole_and_stepwise(network, VOCAB, tokens, chords=[])      # zeros read whole, nothing one token at a time
