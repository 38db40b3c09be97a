"""Lookback: what was struck one and two bars ago at this place in the bar, that it moves with the
music when transposed, that a network reads it the same one token at a time as over the whole
stream, that it starts silent, and that its scores favour the figure of the bars before."""

import numpy as np
import pytest
import torch

from engine.encoding.lookback import Lookbacks, lookback, lookback_scores, transpose_lookback
from engine.encoding.tokens import Vocabulary, encode, transpose_tokens
from engine.model.network import ModelConfig, MusicLSTM
from engine.music.phrase import Note, Phrase
from tests.engine.conftest import whole_and_stepwise

VOCAB = Vocabulary(velocity_levels=4)
C, G, E = 48, 55, 52


def alberti(bars: int, bar: int = 16) -> Phrase:
    """C G E G in quarters, bar after bar, with a melody note on each downbeat."""
    notes = []
    for b in range(bars):
        notes += [Note(p, b * bar + 4 * k, 4) for k, p in enumerate((C, G, E, G))]
        notes.append(Note(72 + 2 * b, b * bar, 8, 100))
    return Phrase(tuple(notes))


def read_up_to(tokens, now: int, bar: int = 16) -> Lookbacks:
    """A lookback of one stream after the tokens up to the wait that reaches step ``now``."""
    memory = Lookbacks(VOCAB, bar)
    for token in tokens:
        memory.feed([token])
        if memory.rows[0].now >= now:
            return memory
    raise AssertionError(f"the tokens never reach step {now}")


def read(memory: Lookbacks) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The first row's pitch codes, wait codes, length codes and bar repeats."""
    arrays = memory.arrays()
    timing = arrays["lookback_timing"][0]
    return arrays["lookback_pitches"][0], timing[:VOCAB.max_wait], timing[VOCAB.max_wait:], arrays["bar_repeats"][0]


def test_the_pitches_struck_one_and_two_bars_ago_here_are_marked():
    tokens = encode(alberti(3), VOCAB)
    pitches, waits, _, repeats = read(read_up_to(tokens, 36))          # bar 3, second quarter
    assert pitches[G] == 1 | 2 | 4 | 8                                  # G struck here one and two bars ago
    assert pitches[G + 12] == 4 | 8 and pitches[G - 12] == 4 | 8        # its pitch class, in other octaves
    assert pitches[C] == 0 and pitches[E] == 0                          # struck elsewhere in the bar
    # the next onset one bar ago came 4 steps after this place; the ones after it too
    assert waits[3] == 1 | 2 | 4 | 8 and waits[7] == 1 | 2 and waits[11] == 1 | 2
    assert not waits[[0, 1, 2, 4, 5, 6]].any()
    assert list(repeats) == [False, False, True]    # the melody moves on: the rhythm repeats, not the notes


def test_a_note_s_length_is_marked_where_the_same_pitch_lasted_that_long_a_bar_ago():
    phrase = Phrase((Note(C, 0, 6), Note(C, 16, 3), Note(C, 32, 2)))
    memory = Lookbacks(VOCAB, 16)
    for token in encode(phrase, VOCAB, end=False)[:-1]:                 # up to the last pitch, not its length
        memory.feed([token])
    assert memory.rows[0].note == C and memory.rows[0].now == 32
    lengths = read(memory)[2]
    assert lengths[2] == 1 and lengths[5] == 2 and lengths.sum() == 3   # 3 steps a bar ago, 6 two bars ago


def test_a_long_note_s_second_length_token_is_marked_by_what_is_left_of_it():
    phrase = Phrase((Note(C, 0, 40), Note(C, 48, 40)))                    # lengths 32 + 8, bars of 48 steps
    memory = Lookbacks(VOCAB, 48)
    tokens = encode(phrase, VOCAB, end=False)
    assert [VOCAB.name(t) for t in tokens[-3:]] == ["pitch 48", "length 32", "length 8"]
    for token in tokens[:-2]:
        memory.feed([token])
    assert np.flatnonzero(read(memory)[2]).tolist() == [31]              # 40 steps left: the longest token
    memory.feed([tokens[-2]])
    assert np.flatnonzero(read(memory)[2]).tolist() == [7]               # 8 steps left


def test_a_bar_that_repeats_the_one_before_says_so():
    notes = [Note(p, b * 16 + 4 * k, 4) for b in range(3) for k, p in enumerate((C, G, E, G))]
    tokens = encode(Phrase(tuple(notes)), VOCAB)
    arrays = lookback(tokens, VOCAB, 16)
    ends_of_bars = [i for i, t in enumerate(tokens) if VOCAB.kind(t) == "wait"]
    assert not arrays["bar_repeats"][ends_of_bars[3]].any()            # after bar 1: nothing to repeat
    assert list(arrays["bar_repeats"][ends_of_bars[7]]) == [True, False, True]    # bar 2 is bar 1 again
    assert list(arrays["bar_repeats"][ends_of_bars[11]]) == [True, True, True]    # bar 3 is bars 2 and 1


def test_only_onsets_before_the_present_step_count():
    """The onset being written is not complete: what is read at a step does not change as its notes
    are written (a wait of a whole bar is not marked from them)."""
    tokens = encode(alberti(2), VOCAB, end=False)
    memory = read_up_to(tokens, 28)
    before = read(memory)
    for token in tokens[tokens.index(VOCAB.pitch(G), len(tokens) - 4):]:
        memory.feed([token])
    memory.rows[0]._cached = None                                        # worked out again, from the notes now struck
    after = read(memory)
    assert all(np.array_equal(a, b) for a, b in zip(before[:2] + before[3:], after[:2] + after[3:]))
    assert after[1][15] & 1 == 0


@pytest.mark.parametrize("semitones", [7, -5])
def test_transposed_lookback_is_the_lookback_of_the_transposed_music(semitones):
    tokens = encode(alberti(4), VOCAB)
    moved = lookback(transpose_tokens(tokens, VOCAB, semitones), VOCAB, 16)
    same = lookback(tokens, VOCAB, 16)
    assert np.array_equal(transpose_lookback(same["lookback_pitches"], semitones), moved["lookback_pitches"])
    for key in ("lookback_timing", "bar_repeats"):                          # nothing else moves
        assert np.array_equal(same[key], moved[key])


def test_takes_that_go_their_own_ways_each_read_their_own_lookback():
    prompt = encode(alberti(2), VOCAB, end=False)
    takes = [encode(alberti(4), VOCAB)[len(prompt):],
             encode(Phrase(alberti(2).notes + (Note(60, 32, 2), Note(62, 34, 6), Note(C, 48, 4))), VOCAB)[len(prompt):]]
    followers = Lookbacks(VOCAB, 16, 2, prompt)
    wholes = [lookback(prompt + take, VOCAB, 16) for take in takes]
    for i in range(min(map(len, takes))):
        followers.feed([take[i] for take in takes])
        fed = followers.arrays()
        for row, whole in enumerate(wholes):
            for key, values in fed.items():
                assert np.array_equal(values[row], whole[key][len(prompt) + i]), (key, i, row)


def model(**weights) -> MusicLSTM:
    torch.manual_seed(3)
    config = ModelConfig(VOCAB.size, 16, 24, 2, 0.0, context=True, first_pitch=VOCAB.first_pitch,
                         max_wait=VOCAB.max_wait, lookback=True)
    return MusicLSTM(config).eval()


def test_a_network_reads_lookback_the_same_one_token_at_a_time_and_it_starts_silent():
    network = model()
    tokens = encode(alberti(4), VOCAB)
    silent = whole_and_stepwise(network, VOCAB, tokens)
    plain = MusicLSTM(ModelConfig(**{**network.config.to_json(), "lookback": False})).eval()
    plain.load_state_dict({k: v for k, v in network.state_dict().items() if k in plain.state_dict()})
    assert torch.equal(silent, whole_and_stepwise(plain, VOCAB, tokens))     # added to a trained model: no change
    with torch.no_grad():
        for layer in (network.lookback_weights, network.repeat_input):
            layer.weight.normal_(0, 0.5)
    used = whole_and_stepwise(network, VOCAB, tokens)
    assert not torch.allclose(used, silent, atol=1e-3)


def test_lookback_scores_favour_the_pitch_and_the_wait_of_a_bar_ago():
    tokens = encode(alberti(3), VOCAB, end=False)
    arrays = {k: torch.from_numpy(v) for k, v in lookback(tokens, VOCAB, 16).items()}
    weights = torch.zeros(len(tokens), 10)
    weights[:, 0] = 2.0            # struck here one bar ago
    weights[:, 6] = 1.0            # the wait that lands on the next onset of a bar ago
    weights[:, 8] = 0.5            # the length the same pitch had a bar ago
    scores = lookback_scores(weights, arrays["lookback_timing"], arrays["lookback_pitches"], VOCAB.max_wait)
    wait, length = scores[:, :VOCAB.max_wait], scores[:, VOCAB.max_wait:VOCAB.max_wait + VOCAB.max_length]
    pitch = scores[:, VOCAB.max_wait + VOCAB.max_length:]
    i = read_position(tokens, 36)
    assert pitch[i, G] == 2.0 and pitch[i, C] == 0 and pitch[i].sum() == 2.0
    assert wait[i, 3] == 1.0 and wait[i].sum() == 1.0
    assert not length[i].any()
    g = tokens.index(VOCAB.pitch(G), i)                                  # after it, G's length is written
    assert length[g, 3] == 0.5 and length[g].sum() == 0.5                # G lasted 4 steps a bar ago


def read_position(tokens, now: int) -> int:
    """The position of the wait that reaches step ``now``."""
    clock = 0
    for i, token in enumerate(tokens):
        if VOCAB.kind(token) == "wait":
            clock += VOCAB.value(token)
            if clock == now:
                return i
    raise AssertionError(now)


def window(struck: dict, now: int, k: int, bar: int) -> list:
    """The onsets of the bar's worth of steps k bars back: (steps into it, the pitches struck)."""
    start = now - k * bar
    return [(t - start, frozenset(struck[t])) for t in sorted(struck) if start <= t < start + bar]


def plain_lookback(tokens, bar: int) -> dict[str, np.ndarray]:
    """The arrays worked out from a plain record of every onset (no ring), position by position."""
    v, pitches = VOCAB, VOCAB.highest_pitch - VOCAB.lowest_pitch + 1
    struck: dict[int, dict[int, int]] = {}
    now, note, length = 0, None, 0
    rows = {"lookback_timing": [], "lookback_pitches": [], "bar_repeats": []}
    for token in tokens:
        kind = v.kind(token)
        if kind == "wait":
            now, note = now + v.value(token), None
        elif kind == "pitch":
            note, length = token - v.first_pitch, 0
            struck.setdefault(now, {})[note] = 0
        elif kind == "length" and note is not None:
            length += v.value(token)
            struck[now][note] = length
        elif kind in ("start", "end", "pad"):
            struck, now, note = {}, 0, None
        codes = np.zeros(pitches, dtype=np.uint8)
        waits = np.zeros(v.max_wait, dtype=np.uint8)
        lengths = np.zeros(v.max_length, dtype=np.uint8)
        for k in (1, 2):
            back = struck.get(now - k * bar, {})
            classes = {(p + v.lowest_pitch) % 12 for p in back}
            for p in range(pitches):
                codes[p] |= (p in back) << (k - 1) | ((p + v.lowest_pitch) % 12 in classes) << (k + 1)
            later = [t for t in sorted(struck) if now - k * bar < t < now]
            for t in later:
                d = t - (now - k * bar)
                if d <= v.max_wait:
                    waits[d - 1] |= 1 << (k - 1) | ((1 << (k + 1)) if t == later[0] else 0)
            if note is not None and note in back:
                left = back[note] - length
                if left >= 1:
                    lengths[min(left, v.max_length) - 1] |= 1 << (k - 1)

        recent, before, older = (window(struck, now, k, bar) for k in (1, 2, 3))
        rows["bar_repeats"].append([bool(recent) and recent == before, bool(recent) and recent == older,
                                    bool(recent) and [t for t, _ in recent] == [t for t, _ in before]])
        rows["lookback_pitches"].append(codes)
        rows["lookback_timing"].append(np.concatenate([waits, lengths]))
    return {key: np.array(values) for key, values in rows.items()}


@pytest.mark.parametrize("bar, seed", [(16, 0), (12, 1), (6, 2)])
def test_the_ring_of_the_last_bars_answers_as_a_record_of_every_onset_would(bar, seed):
    rng = np.random.default_rng(seed)
    notes, figure = [], []
    for b in range(14):                            # a figure that comes back, broken now and then, long notes too
        if not figure or rng.random() < 0.4:
            figure = [Note(int(rng.choice([36, 43, 48, 52, 55, 60, 64, 67, 72])) + int(rng.integers(0, 2)),
                           int(t), int(rng.choice([1, 2, 3, 6, 40])))
                      for t in sorted(set(rng.integers(0, bar, 4).tolist()))]
        notes += [Note(n.pitch, n.start + b * bar, n.duration) for n in figure]
    tokens = encode(Phrase(tuple(notes)), VOCAB)
    got, want = lookback(tokens, VOCAB, bar), plain_lookback(tokens, bar)
    for key in want:
        assert np.array_equal(got[key], want[key]), key
    assert want["bar_repeats"].any() and (want["lookback_timing"][:, VOCAB.max_wait:] > 0).any()
