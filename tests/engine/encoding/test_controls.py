"""Controls: what each bar sounds like, measured, moved with the music, hidden bar by bar, and
asked of a continuation."""

import numpy as np
import pytest
import torch

from engine.encoding.controls import (
    FLAGS,
    GROUPS,
    KEY,
    NAMES,
    RAW,
    ControlSettings,
    bar_controls,
    control_features,
    follow,
    hide_controls,
    stream_controls,
    transpose_controls,
)
from engine.encoding.tokens import Vocabulary, encode
from engine.music.phrase import Note, Phrase, transpose

# bar 1: a C major chord then three single notes in quarters; bar 2: empty; bar 3: eighths
PHRASE = Phrase((Note(48, 0, 4, 100), Note(52, 0, 4, 100), Note(55, 0, 4, 100), Note(60, 4, 4, 60),
                 Note(62, 8, 4, 60), Note(64, 12, 4, 60))
                + tuple(Note(67 + (i % 2), 32 + 2 * i, 2, 80) for i in range(8)))


def flag(name):
    return FLAGS + NAMES.index(name)


def test_a_bar_is_measured_from_the_notes_that_start_in_it():
    table = bar_controls(PHRASE, 16)
    assert table.shape == (3, RAW)
    first, empty, third = table
    assert first[0] == 6 / 4 and first[1] == 4 / 4                       # notes, onsets per quarter
    assert first[2] == 0.25 and first[3] == 1.5                           # one chord in four onsets
    assert (first[4], first[5]) == (48, 64) and np.isclose(first[6], (48 + 52 + 55 + 60 + 62 + 64) / 6)
    assert np.isclose(first[KEY].sum(), 1) and np.isclose(first[KEY][0], 2 / 6)
    rhythm = GROUPS["rhythm"]
    assert np.isclose(first[rhythm][3], 1.0)                              # every gap a quarter (4 sixteenths)
    assert np.isclose(first[GROUPS["dynamics"]][0], (300 + 180) / 6)
    assert empty[flag("density")] == 1 and empty[0] == 0                  # an empty bar: density 0, the rest unknown
    assert not empty[FLAGS + 1:].any()
    assert np.isclose(third[rhythm][1], 7 / 8) and third[1] == 2.0        # eighths, after a long gap
    assert np.isclose(third[rhythm][7], 1 / 8)


def test_transposed_controls_are_the_controls_of_the_transposed_music():
    table = bar_controls(PHRASE, 16)
    assert np.allclose(transpose_controls(table, 5), bar_controls(transpose(PHRASE, 5), 16))
    assert np.allclose(transpose_controls(table, -3), bar_controls(transpose(PHRASE, -3), 16))


def test_each_position_reads_its_bar_and_the_next():
    vocab = Vocabulary(velocity_levels=4)
    tokens = encode(PHRASE, vocab)
    controls, bars = stream_controls(tokens, vocab, 16, 4)
    assert controls.shape == (len(tokens), 2, RAW)
    assert bars[0] == 0 and bars[-1] == 0                                # the end starts the count again
    assert set(bars[:-1]) == {0, 1, 2, 3}                                 # the trailing rest reaches bar 4
    table = bar_controls(PHRASE, 16)
    for i in np.flatnonzero(bars[:-1] == 1):
        assert np.allclose(controls[i, 0, :7], table[1, :7]) and np.allclose(controls[i, 1, :7], table[2, :7])


def test_hiding_hides_a_group_of_a_bar_everywhere_it_is_read():
    vocab = Vocabulary()
    tokens = encode(PHRASE, vocab)
    controls, bars = stream_controls(tokens, vocab, 16, 4)
    hidden = hide_controls(controls, bars, np.random.default_rng(1), rate=0.5, all_rate=0.0)
    for g, _name in enumerate(NAMES):
        for b in range(3):
            here = (hidden[bars == b, 0, FLAGS + g] > 0)
            assert here.all() or not here.any()
            before = bars == b - 1
            if before.any() and here.any():
                assert (hidden[before, 1, FLAGS + g] > 0).all()             # the same bar seen as "next"
    assert (hidden[..., :FLAGS][hidden[..., FLAGS:].sum(-1) == 0] == 0).all()
    everything = hide_controls(controls, bars, np.random.default_rng(1), rate=0.0, all_rate=1.0)
    assert not everything.any()


def test_hidden_groups_give_the_network_nothing_but_their_flags():
    raw = torch.zeros(1, RAW)
    features = control_features(raw)
    assert not features.any()
    raw[0, flag("density")] = 1
    assert control_features(raw).any()


def test_follow_the_phrase_and_move_away_from_it():
    phrase = Phrase(tuple(Note(60 + 4 * (i % 3) + 12 * (i // 8), 2 * i if i < 8 else 4 * i - 16, 2, 90)
                          for i in range(12)))
    asked = follow(phrase, 16, 4, ControlSettings())
    measured = bar_controls(phrase, 16)
    assert asked.shape == (4, RAW)
    for k in range(4):                                       # density and register follow bar by bar
        assert np.allclose(asked[k, :7], measured[k % len(measured), :7])
    mean = follow(phrase, 16, 4, ControlSettings(bar_by_bar=("density",)))
    assert np.allclose(mean[0, KEY], mean[1, KEY])           # or each group as the mean of the phrase's bars
    assert np.allclose(mean[0, KEY], measured[:, KEY].mean(0) / measured[:, KEY].mean(0).sum())
    assert np.allclose(mean[:, 4:7], measured[:, 4:7].mean(0))
    denser = follow(phrase, 16, 4, ControlSettings(density=2.0))
    assert np.allclose(denser[:, 0], 2 * asked[:, 0])
    single = follow(phrase, 16, 4, ControlSettings(texture="chords"))
    assert (single[:, 2] >= 0.8).all()
    free = follow(phrase, 16, 2, ControlSettings(register="free", key="free"))
    assert free[0, flag("register")] == 0 and not free[0, KEY].any()
    nothing = follow(Phrase(), 16, 2, ControlSettings())
    assert not nothing[0, FLAGS:].any()


def test_a_network_reads_the_same_one_token_at_a_time_as_over_the_whole_stream(tiny_control_scores_model_dir,
                                                                              tiny_controls_model_dir):
    from engine.model.checkpoint import load_model
    from tests.engine.conftest import whole_and_stepwise
    for folder in (tiny_controls_model_dir, tiny_control_scores_model_dir):
        loaded = load_model(folder)
        whole_and_stepwise(loaded.model, loaded.vocab, encode(PHRASE, loaded.vocab))


def test_control_scores_favour_the_asked_pitch_classes_and_register(tiny_control_scores_model_dir):
    from engine.model.checkpoint import load_model
    model = load_model(tiny_control_scores_model_dir).model
    with torch.no_grad():
        model.key_weight.weight.zero_()
        model.key_weight.bias.copy_(torch.tensor([1.0, 0.0]))          # only the log share of each class
        model.register_scores.weight.zero_()
        model.register_scores.bias.zero_()
        bar = torch.zeros(1, 2, RAW)
        bar[0, 0, KEY.start + 0] = 0.6                                   # C
        bar[0, 0, KEY.start + 7] = 0.4                                   # G
        bar[0, 0, flag("key")] = 1
        out = torch.zeros(1, model.config.hidden_size)
        logits = torch.zeros(1, model.config.vocab_size)
        scored = model._control_scores(logits, model._read_out(out), model.control_terms(bar[:, 0])) - logits
        first = model.config.first_pitch
        assert scored[0, first + 60] > scored[0, first + 67] > scored[0, first + 62] == scored[0, first + 61]
        bar[0, 0, flag("key")] = 0                                       # a hidden key scores nothing
        assert not (model._control_scores(logits, model._read_out(out), model.control_terms(bar[:, 0])) - logits).any()
        model.rhythm_weight.weight.zero_()
        model.rhythm_weight.bias.copy_(torch.tensor([1.0, 0.0]))
        bar[0, 0, GROUPS["rhythm"].start + 1] = 1.0                      # every onset an eighth after the last
        bar[0, 0, flag("rhythm")] = 1
        spaced = model._spacing_scores(logits, model._read_out(out), model.control_terms(bar[:, 0])) - logits
        first_wait = 3
        assert spaced[0, first_wait + 1] > spaced[0, first_wait] == spaced[0, first_wait + 3]   # wait 2 = an eighth


@pytest.mark.parametrize("name", ["default", "benchmark-piano-midi-de"])
def test_the_network_reads_its_inputs_on_the_device_it_lives_on(name):
    """Training on a GPU moves the model and its inputs there: nothing the forward pass makes
    may stay on the CPU (the "meta" device stands in for a GPU here; a control's bumps once did)."""
    from engine.encoding.side_inputs import model_arguments, stream_inputs
    from engine.files.seeds import list_seeds, load_seed
    from engine.model.checkpoint import load_model
    from engine.model.network import MusicLSTM
    loaded = load_model(name)
    model = MusicLSTM(loaded.model.config).to("meta")
    phrase = load_seed(list_seeds()[0])
    tokens = encode(phrase, loaded.vocab)
    side = stream_inputs(tokens, loaded.vocab, model.config, phrase.steps_per_bar, phrase.steps_per_quarter)
    batched = {k: torch.from_numpy(np.asarray(a))[None] for k, a in side.items()}
    logits, _ = model(torch.tensor([tokens], device="meta"), None, **model_arguments(batched, "meta"))
    assert logits.device.type == "meta" and logits.shape == (1, len(tokens), loaded.vocab.size)
