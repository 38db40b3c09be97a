"""What a network reads beside its tokens: the same for a whole stream, batched, transposed, and
read one token at a time while generating."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

import engine.encoding.side_inputs as side_inputs
from engine.encoding.side_inputs import (
    SIDE_INPUTS,
    Followers,
    SideInput,
    bar_of,
    batch_inputs,
    model_arguments,
    needs_side_inputs,
    stream_inputs,
    switches,
    transpose_inputs,
)
from engine.encoding.tokens import Vocabulary, encode, transpose_tokens
from engine.model.network import ModelConfig
from engine.music.chords import Chord
from engine.music.phrase import Note, Phrase
from engine.training.config import TrainConfig

VOCAB = Vocabulary(velocity_levels=4)
ARRAYS = {"context": {"sounding", "position"}, "pitch_memory": {"ages", "held", "anchors"},
          "rhythm_memory": {"wait_marks", "length_marks", "phases"}, "controls": {"controls", "control_bar"},
          "lookback": {"lookback_timing", "lookback_pitches", "bar_repeats"},
          "harmony": {"harmony", "harmony_timing", "harmony_pitches"}, "phrase_position": {"phrase_bar"}}


def config(*options, **more) -> ModelConfig:
    return ModelConfig(VOCAB.size, first_pitch=VOCAB.first_pitch, max_wait=VOCAB.max_wait,
                       **{option: True for option in options}, **more)


EVERYTHING = config(*ARRAYS)


def phrase(seed: int, bars: int = 4, bar: int = 16) -> Phrase:
    """Chords under a running line, in a few loudnesses, ``bars`` bars of ``bar`` steps."""
    rng = np.random.default_rng(seed)
    notes = []
    for b in range(bars):
        root = int(rng.integers(45, 57))
        notes += [Note(root, b * bar, bar, 60), Note(root + 7, b * bar, bar // 2, 60)]
        notes += [Note(int(rng.integers(62, 80)), b * bar + t, int(rng.choice([1, 2, 3])), int(rng.integers(30, 120)))
                  for t in range(int(rng.integers(0, 2)), bar, int(rng.choice([1, 2, 3])))]
    return Phrase(tuple(notes), time_signature=(bar // 4, 4))


def test_a_plain_model_reads_its_tokens_and_nothing_else():
    plain = config()
    tokens = encode(phrase(0), VOCAB)
    assert not needs_side_inputs(plain)
    assert stream_inputs(tokens, VOCAB, plain) == {}
    assert batch_inputs([{}, {}], 10) == {} and model_arguments({}, "cpu") == {"side": {}}


@pytest.mark.parametrize("option", sorted(ARRAYS))
def test_each_thing_a_model_reads_gives_its_own_arrays_one_row_per_token(option):
    tokens = encode(phrase(1), VOCAB)
    reads = config(option)
    inputs = stream_inputs(tokens, VOCAB, reads, 16, 4)
    assert needs_side_inputs(reads)
    assert set(inputs) == ARRAYS[option]
    assert all(len(values) == len(tokens) for values in inputs.values())


def test_each_side_input_is_declared_once_with_the_arrays_it_makes():
    assert [entry.name for entry in SIDE_INPUTS] == list(ARRAYS)
    for entry in SIDE_INPUTS:
        assert set(entry.arrays) == ARRAYS[entry.name]
        assert set(entry.model_reads) <= set(entry.arrays)
        assert hasattr(ModelConfig(VOCAB.size), entry.name)      # the option that turns it on


def test_every_switch_is_a_model_option_a_training_setting_and_reaches_the_network():
    assert {entry.name for entry in SIDE_INPUTS} <= set(switches())
    for switch in switches():
        assert ModelConfig(VOCAB.size).to_json()[switch] is False               # off: older checkpoints load
        on = TrainConfig(data=["x"], out="y", **{switch: True})
        assert getattr(on.model_config(VOCAB), switch) is True
        assert on.fingerprint().get(switch) is True


def test_a_model_counting_bars_in_the_music_s_metre_reads_positions_in_that_metre():
    waltz = phrase(2, bar=12)
    tokens = encode(waltz, VOCAB)
    own = config("context", bar_from_music=True)
    fixed = config("context")
    assert bar_of(own, 12) == 12 and bar_of(own, None) == own.bar_steps == bar_of(fixed, 12)
    in_threes = stream_inputs(tokens, VOCAB, own, 12, 4)["position"]
    in_fours = stream_inputs(tokens, VOCAB, fixed, 12, 4)["position"]
    assert in_threes.max() < 12 <= in_fours.max()
    assert not np.array_equal(in_threes, in_fours)


@pytest.mark.parametrize("semitones", [5, -3])
def test_transposed_inputs_are_the_inputs_of_the_transposed_music(semitones):
    tokens = encode(phrase(3), VOCAB)
    moved = transpose_tokens(tokens, VOCAB, semitones)
    want = stream_inputs(moved, VOCAB, EVERYTHING, 16, 4)
    got = transpose_inputs(stream_inputs(tokens, VOCAB, EVERYTHING, 16, 4), semitones)
    assert set(got) == set(want)
    for key in want:                                  # controls are float16: a mean pitch moves within its rounding
        assert np.allclose(got[key], want[key], atol=0.05), key
    same = stream_inputs(tokens, VOCAB, EVERYTHING, 16, 4)
    assert transpose_inputs(same, 0) is same


def test_streams_are_batched_zero_padded_at_the_end():
    streams = [stream_inputs(encode(phrase(seed, bars), VOCAB), VOCAB, EVERYTHING, 16, 4)
               for seed, bars in ((4, 2), (5, 4))]
    longest = max(len(s["sounding"]) for s in streams) + 3
    batched = batch_inputs(streams, longest)
    assert set(batched) == set(streams[0])
    for key, values in batched.items():
        assert values.shape[:2] == (2, longest) and values.shape[2:] == streams[0][key].shape[1:]
        for row, stream in enumerate(streams):
            n = len(stream[key])
            assert np.array_equal(values[row, :n].numpy(), stream[key]), key
            assert not values[row, n:].numpy().any(), key


def test_the_arguments_of_the_network_group_the_arrays_it_reads_together():
    batched = batch_inputs([stream_inputs(encode(phrase(6), VOCAB), VOCAB, EVERYTHING, 16, 4)], 200)
    args = model_arguments(batched, "cpu")
    assert set(args) == {"side"}
    side = args["side"]
    assert set(side) == set(ARRAYS)
    assert all(torch.equal(a, batched[k]) for a, k in zip(side["context"], ("sounding", "position")))
    assert all(torch.equal(a, batched[k]) for a, k in zip(side["pitch_memory"], ("ages", "held", "anchors")))
    assert all(torch.equal(a, batched[k])
               for a, k in zip(side["rhythm_memory"], ("wait_marks", "length_marks", "phases")))
    assert torch.equal(side["controls"], batched["controls"])      # the bar is looked up when generating
    assert all(torch.equal(a, batched[k]) for a, k in zip(
        side["lookback"], ("lookback_timing", "lookback_pitches", "bar_repeats")))
    assert all(torch.equal(a, batched[k]) for a, k in zip(side["harmony"], ("harmony", "harmony_timing",
                                                                             "harmony_pitches")))
    assert torch.equal(side["phrase_position"], batched["phrase_bar"])


@pytest.mark.parametrize("options", [("context",), ("context", "pitch_memory", "rhythm_memory"), tuple(ARRAYS)],
                         ids=["held notes", "memories", "everything"])
def test_generation_reads_each_take_as_training_reads_its_whole_stream(options):
    reads = config(*options)
    start = phrase(7, bars=2).notes
    streams = [encode(Phrase(start + tuple(Note(n.pitch, n.start + 32, n.duration, n.velocity)
                                           for n in phrase(seed, bars=3).notes)), VOCAB) for seed in (8, 9)]
    shared = next(i for i, (a, b) in enumerate(zip(*streams)) if a != b)
    assert shared > 20
    prompt, takes = streams[0][:shared], [stream[shared:] for stream in streams]
    length = min(map(len, takes))
    chords = [(0, 24, Chord(0)), (24, 40, Chord(7, "7")), (48, 96, Chord(9, "min", 0))]    # a gap at 40-48
    wholes = [stream_inputs(stream, VOCAB, reads, 16, 4, chords=chords) for stream in streams]
    followers = Followers(VOCAB, reads, prompt, rows=2, bar_steps=16, chords=chords)
    for i in range(length):
        fed = followers.feed([take[i] for take in takes])
        assert set(fed) == set(wholes[0]) - {"controls"}          # generation looks controls up by bar
        for key, values in fed.items():
            for row, whole in enumerate(wholes):
                assert np.array_equal(values[row].numpy(), whole[key][len(prompt) + i]), (key, i, row)


def test_a_bar_s_place_in_its_phrase_counts_from_the_music_s_start_in_groups_of_eight():
    reads = config("phrase_position", bar_from_music=True)
    tokens = encode(phrase(11, bars=10, bar=12), VOCAB)
    waits = np.cumsum([VOCAB.value(t) if VOCAB.kind(t) == "wait" else 0 for t in tokens])
    places = stream_inputs(tokens, VOCAB, reads, 12, 4)["phrase_bar"]
    assert np.array_equal(places[:-1], (waits[:-1] // 12) % 8 + 1)             # the end starts a new stream
    later = stream_inputs(tokens, VOCAB, reads, 12, 4, first_bar=6)["phrase_bar"]
    assert np.array_equal(later[:-1], (waits[:-1] // 12 + 6) % 8 + 1)           # an excerpt from bar 7 of its piece
    followers = Followers(VOCAB, reads, tokens[:9], rows=1, bar_steps=12, first_bar=6)
    for i, token in enumerate(tokens[9:-1], start=9):
        assert followers.feed([token])["phrase_bar"][0].item() == later[i]


def test_a_network_with_the_newest_inputs_added_silent_predicts_what_it_did_without_them():
    """lookback, harmony and phrase position added to a trained network (``--init-from``) change
    nothing until trained; once they are, one token at a time still gives the whole stream's logits."""
    from engine.model.network import MusicLSTM
    from tests.engine.conftest import whole_and_stepwise
    torch.manual_seed(5)
    before = config("context", "controls", "control_scores", "rhythm_scores", bar_from_music=True,
                    embedding_size=16, hidden_size=24, dropout=0.0)
    after = ModelConfig(**{**before.to_json(), "lookback": True, "harmony": True, "phrase_position": True})
    old, new = MusicLSTM(before).eval(), MusicLSTM(after).eval()
    with torch.no_grad():
        for p in old.parameters():
            p.normal_(0, 0.3)
    new.load_state_dict(old.state_dict(), strict=False)
    tokens = encode(phrase(12, bars=6), VOCAB)
    assert torch.equal(whole_and_stepwise(old, VOCAB, tokens), whole_and_stepwise(new, VOCAB, tokens))
    with torch.no_grad():
        new.phrase_bars.weight.normal_(0, 0.5)
    assert not torch.allclose(whole_and_stepwise(old, VOCAB, tokens), whole_and_stepwise(new, VOCAB, tokens))


def test_a_side_input_added_to_the_registry_reaches_every_stage(monkeypatch):
    """One entry is all it takes: whole streams, transposition, batching, the model's arguments
    and generation's followers all pick it up."""
    def beats(s):
        steps = np.cumsum([s.vocab.value(t) if s.vocab.kind(t) == "wait" else 0 for t in s.tokens])
        return {"beat": (steps % 4 == 0).astype(np.int64)}

    def follow(s):
        now = [sum(s.vocab.value(t) for t in s.prompt if s.vocab.kind(t) == "wait")] * s.rows

        def feed(tokens):
            for row, token in enumerate(tokens):
                now[row] += s.vocab.value(token) if s.vocab.kind(token) == "wait" else 0
            return {"beat": (np.array(now) % 4 == 0).astype(np.int64)}
        return feed

    beat = SideInput("beat", ("beat",), beats, follow)
    monkeypatch.setattr(side_inputs, "SIDE_INPUTS", SIDE_INPUTS + (beat,))
    reads = SimpleNamespace(**config("context").to_json(), beat=True)
    tokens = encode(phrase(10), VOCAB)
    inputs = stream_inputs(tokens, VOCAB, reads, 16, 4)
    assert set(inputs) == ARRAYS["context"] | {"beat"} and len(inputs["beat"]) == len(tokens)
    assert np.array_equal(transpose_inputs(inputs, 2)["beat"], inputs["beat"])     # no pitches: unmoved
    batched = batch_inputs([inputs], len(tokens) + 2)
    assert torch.equal(model_arguments(batched, "cpu")["side"]["beat"], batched["beat"])
    followers = Followers(VOCAB, reads, tokens[:5], rows=1, bar_steps=16)
    for i, token in enumerate(tokens[5:], start=5):
        assert followers.feed([token])["beat"][0].item() == inputs["beat"][i]
