"""Continuation: stateful, grammatical, reproducible, the right length, cancellable."""

import numpy as np
import pytest
import torch

from engine.encoding.controls import FLAGS, KEY, NAMES, RAW
from engine.model.checkpoint import load_model
from engine.model.stepping import Stepper
from engine.music.keys import Key
from engine.music.phrase import Note, Phrase
from engine.writing.continuation import (
    KEY_LEAN,
    Cancelled,
    ContinueOptions,
    continue_phrase,
    on_grid_of,
    random_excerpt,
    steer_to,
)


@pytest.fixture(scope="module", params=["plain", "held notes", "pitch memory", "controls", "control scores",
                                        "lookback, harmony, phrase position"])
def loaded(request, tiny_model_dir, tiny_context_model_dir, tiny_memory_model_dir, tiny_controls_model_dir,
           tiny_control_scores_model_dir, tiny_inputs_model_dir):
    return load_model({"plain": tiny_model_dir, "held notes": tiny_context_model_dir,
                       "pitch memory": tiny_memory_model_dir, "controls": tiny_controls_model_dir,
                       "control scores": tiny_control_scores_model_dir,
                       "lookback, harmony, phrase position": tiny_inputs_model_dir}[request.param])


SEED = Phrase(tuple(Note(60 + p, i * 4, 4, 90) for i, p in enumerate([0, 4, 7, 12, 7, 4, 0, -5])))


def test_each_variation_is_the_asked_number_of_bars(loaded):
    takes = continue_phrase(loaded, SEED, ContinueOptions(bars=2, variations=3, seed=1))
    assert len(takes) == 3
    for take in takes:
        assert take.length == 2 * SEED.steps_per_bar
        assert all(n.end <= take.length for n in take.notes)
        assert take.tempo_bpm == SEED.tempo_bpm


def test_the_same_seed_gives_the_same_music(loaded):
    a = continue_phrase(loaded, SEED, ContinueOptions(bars=2, variations=2, seed=7))
    b = continue_phrase(loaded, SEED, ContinueOptions(bars=2, variations=2, seed=7))
    c = continue_phrase(loaded, SEED, ContinueOptions(bars=2, variations=2, seed=8))
    assert a == b
    assert a != c


def test_generation_reads_the_seed_once_and_then_one_token_per_step(loaded, monkeypatch):
    lengths = []
    forward, step = loaded.model.forward, loaded.model.step

    def spy_forward(tokens, state=None, *context, **more):
        lengths.append(tokens.shape[1])
        return forward(tokens, state, *context, **more)

    def spy_step(tokens, state, *context, **more):
        assert tokens.dim() == 1                        # one token per variation
        lengths.append(1)
        return step(tokens, state, *context, **more)

    stepper_step = Stepper.step

    def spy_stepper(stepper, tokens, *context, **more):     # the step on fixed buffers, where it serves
        assert tokens.ndim == 1
        lengths.append(1)
        return stepper_step(stepper, tokens, *context, **more)

    monkeypatch.setattr(loaded.model, "forward", spy_forward)
    monkeypatch.setattr(loaded.model, "step", spy_step)
    monkeypatch.setattr(Stepper, "step", spy_stepper)
    continue_phrase(loaded, SEED, ContinueOptions(bars=4, seed=3))
    assert lengths[0] > 1 and len(lengths) > 5 and set(lengths[1:]) == {1}


def test_a_continuation_on_another_grid_comes_back_on_the_seed_grid(loaded):
    eighths = Phrase(tuple(Note(60, i * 2, 2) for i in range(8)), steps_per_quarter=2)
    take = continue_phrase(loaded, eighths, ContinueOptions(bars=1, seed=0))[0]
    assert take.steps_per_quarter == 2 and take.length == 8


def test_a_note_the_model_struck_in_its_last_step_stays_in_a_take_on_a_coarser_grid():
    eighths = Phrase((Note(60, 0, 2),), steps_per_quarter=2)
    written = Phrase((Note(60, 44, 4), Note(62, 47, 1)), steps_per_quarter=4, end=48)
    back = on_grid_of(written, eighths)
    assert back.length == 24 and max(n.end for n in back.notes) <= 24
    assert Note(62, 23, 1, 80) in back.notes


def test_cancel_stops_generation(loaded):
    with pytest.raises(Cancelled):
        continue_phrase(loaded, SEED, ContinueOptions(bars=8, seed=0), cancel=lambda: True)


def test_progress_reaches_the_end(loaded):
    seen = []
    continue_phrase(loaded, SEED, ContinueOptions(bars=1, seed=0), progress=seen.append)
    assert seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)


@pytest.mark.parametrize("bad", [dict(bars=0), dict(temperature=0), dict(top_p=0), dict(variations=0)])
def test_impossible_options_are_refused(loaded, bad):
    with pytest.raises(ValueError):
        continue_phrase(loaded, SEED, ContinueOptions(**bad))


def test_random_excerpt_comes_from_the_models_training_music(loaded):
    phrase = random_excerpt(loaded, bars=2, seed=0)
    assert phrase.notes and phrase.length == 2 * phrase.steps_per_bar
    assert phrase.tempo_bpm == 100.0


def test_an_empty_seed_starts_from_scratch(loaded):
    take = continue_phrase(loaded, Phrase(), ContinueOptions(bars=1, seed=0))[0]
    assert take.length == 16


def test_sampling_follows_the_distribution_and_never_picks_a_banned_token():
    from engine.writing.drawing import draw
    generator = torch.Generator().manual_seed(0)
    logits = np.tile([[0.0, 1.0, -np.inf, 2.0]], (20000, 1))
    counts = np.bincount(draw(logits, 1.0, 1.0, generator)[0], minlength=4) / 20000
    assert counts[2] == 0
    assert np.allclose(counts, torch.softmax(torch.tensor(logits[0]), -1).numpy(), atol=0.015)
    nucleus = np.bincount(draw(logits, 1.0, 0.7, generator)[0], minlength=4) / 20000
    assert nucleus[0] == 0 and nucleus[2] == 0          # the top two already reach 70%
    assert abs(nucleus[3] - 0.665 / (0.665 + 0.245)) < 0.015
    top_only = np.bincount(draw(logits, 1.0, 0.6, generator)[0], minlength=4)
    assert top_only[3] == 20000


def test_stay_in_key_writes_no_note_outside_the_key(loaded):
    from engine.music.keys import Key
    for key, options in ((Key(7, False), dict(key="stay")), (Key(2, True), dict(key="D minor"))):
        seed = Phrase(tuple(Note(67 + p, i * 4, 4, 90) for i, p in enumerate([0, 4, 7, 12, 11, 7, 2, 0])))
        takes = continue_phrase(loaded, seed, ContinueOptions(bars=2, variations=4, seed=3, temperature=2.0,
                                                              **options))
        assert sum(len(t.notes) for t in takes) > 8
        assert {n.pitch % 12 for t in takes for n in t.notes} <= key.pitch_classes


def test_locked_notes_are_played_where_they_are(loaded):
    locks = [Note(40, 0, 8, 100), Note(64, 4, 6, 30), Note(71, 4, 2, 30), Note(50, 20, 40, 64)]
    for take in continue_phrase(loaded, SEED, ContinueOptions(bars=2, variations=3, seed=5, ending="bar line"),
                                locked=locks):
        for lock in locks:
            assert any(n.pitch == lock.pitch and n.start == lock.start and n.velocity == lock.velocity
                       and n.end == min(lock.end, take.length) for n in take.notes), lock


def test_a_held_ending_rings_from_a_beat_to_the_bar_line():
    from engine.writing.continuation import end_held
    running = Phrase(tuple(Note(60 + i % 3, i, 1) for i in range(32)) + (Note(36, 16, 4),), end=32)
    held = end_held(running, beat=4)
    assert max(n.start for n in held.notes) == 28                  # the last beat of the last bar
    assert [n.end for n in held.notes if n.start == 28] == [32]
    assert all(n.start <= 28 for n in held.notes)


def test_options_out_of_range_are_refused_with_a_reason():
    for bad in (dict(density=9), dict(texture="loud"), dict(key="H major"), dict(ending="fade"),
                dict(register="up"), dict(candidates=-1)):
        with pytest.raises(ValueError):
            ContinueOptions(**bad).check()


def test_new_notes_take_the_phrase_s_own_loudness_accents_and_balance():
    from engine.encoding.tokens import Vocabulary
    from engine.writing.continuation import as_phrase_dynamics
    vocab = Vocabulary(velocity_levels=4)
    # the phrase: a loud bass on each downbeat (level 3), a soft melody (level 1) and accents on beats (level 2)
    phrase = Phrase(tuple(Note(36, 16 * b, 16, 112) for b in range(2))
                    + tuple(Note(72, 16 * b + 4 * k, 2, 70 if k == 0 else 40) for b in range(2) for k in range(4)))
    level = lambda v: vocab.level_velocity(vocab.velocity_level(v))
    new = [Note(38, 0, 8, level(112)), Note(74, 0, 2, level(70)), Note(74, 6, 2, level(40)),
           Note(76, 12, 2, level(40)), Note(50, 2, 2, level(100))]
    played = as_phrase_dynamics(new, phrase, vocab, origin=32)
    assert [n.velocity for n in played] == [112, 70, 40, 40, 112]
    assert [(n.pitch, n.start, n.duration) for n in played] == [(n.pitch, n.start, n.duration) for n in new]


def test_single_notes_never_strikes_two_at_once(loaded):
    takes = continue_phrase(loaded, SEED, ContinueOptions(bars=2, variations=4, seed=9, temperature=2.0,
                                                          texture="single notes"))
    assert sum(len(t.notes) for t in takes) > 8
    assert all(len({n.start for n in t.notes}) == len(t.notes) for t in takes)


def test_the_pitch_classes_a_take_keeps_to_lean_a_fifth_towards_the_phrase_s_key():
    triad = Phrase(tuple(Note(p, 4 * i, 4, 80) for i, p in enumerate((60, 64, 67, 72, 64, 67, 60, 55))),
                   steps_per_quarter=4)                                     # C major, only C, E and G
    row = np.zeros((1, RAW), dtype=np.float32)
    row[0, KEY.start + 0], row[0, KEY.start + 4], row[0, KEY.start + 7] = 0.5, 0.25, 0.25
    row[0, FLAGS + NAMES.index("key")] = 1
    leaned = steer_to(row, ContinueOptions(), triad)[KEY]
    expected = (1 - KEY_LEAN) * row[0, KEY] + KEY_LEAN * Key(0).profile()
    assert np.allclose(leaned, expected) and abs(leaned.sum() - 1) < 1e-6
    assert leaned[2] > 0 and leaned[1] < leaned[2]                         # D now asked a little; C# less
    assert np.array_equal(steer_to(row, ContinueOptions(), None)[KEY], row[0, KEY])   # nothing heard: as measured
    assert np.array_equal(steer_to(row, ContinueOptions(key="stay"), triad)[KEY], row[0, KEY])


def test_a_phrase_on_the_fine_grid_is_continued_on_the_model_grid_from_its_end(loaded):
    """A phrase ending off the sixteenths (a late release): the new notes begin at the model's
    first step after it, timed from the phrase's end, each on the model's grid in the music's time."""
    from engine.music.phrase import regrid
    fine = regrid(SEED, 480)
    fine = fine.with_notes(fine.notes + (Note(48, 3000, 850),))            # ends at 3850, not on a sixteenth
    assert fine.length == 3850
    for take in continue_phrase(loaded, fine, ContinueOptions(bars=2, variations=2, seed=3)):
        assert take.steps_per_quarter == 480
        offset = 3960 - 3850                                                  # the next sixteenth is at 3960
        assert take.notes and all(n.start >= offset for n in take.notes)
        assert all((n.start + 3850) % 120 == 0 and n.duration % 120 == 0 for n in take.notes)
        assert take.length == offset + 2 * fine.steps_per_bar


def test_locked_notes_off_the_grid_come_back_exactly(loaded):
    from engine.music.phrase import regrid
    fine = regrid(SEED, 480)
    locks = [Note(40, 7, 953, 100), Note(64, 485, 161, 30), Note(67, 646, 159, 31)]   # triplets, a late bass
    for take in continue_phrase(loaded, fine, ContinueOptions(bars=2, variations=3, seed=5), locked=locks):
        for lock in locks:
            assert lock in take.notes
            as_the_model_played = round((fine.length + lock.start) / 120) * 120 - fine.length
            assert not any(n.pitch == lock.pitch and n.start == as_the_model_played for n in take.notes), \
                lock                                             # not also the model's own version of it


def test_chords_asked_for_are_read_by_a_model_with_harmony_timed_from_the_take_s_start(tiny_inputs_model_dir,
                                                                                     writer_tasks):
    import engine.writing.continuation as continuation
    from engine.music.chords import Chord
    loaded = load_model(tiny_inputs_model_dir)
    tasks = writer_tasks(continuation)
    fine = Phrase(tuple(Note(n.pitch, n.start * 120, n.duration * 120, n.velocity) for n in SEED.notes),
                  steps_per_quarter=480)
    asked = continue_phrase(loaded, fine, ContinueOptions(bars=2, seed=4, chords="F | G7 C"))
    assert [(s, e, c) for s, e, c in tasks[0].harmony if s >= 32] == [(32, 48, Chord(5)), (48, 56, Chord(7, "7")),
                                                                     (56, 64, Chord(0))]
    assert tasks[0].harmony[0][0] == 0 and tasks[0].harmony[-4][1] == 32      # the phrase's own chords, as heard
    spans = [(0, 1920, "F"), (1920, 2880, Chord(7, "7")), (2880, 3840, Chord(0))]     # the phrase's fine grid
    assert continue_phrase(loaded, fine, ContinueOptions(bars=2, seed=4, chords=spans)) == asked
    assert tasks[1].harmony == tasks[0].harmony
    free = continue_phrase(loaded, fine, ContinueOptions(bars=2, seed=4))
    assert tasks[2].harmony is None and free != asked
    other = continue_phrase(loaded, fine, ContinueOptions(bars=2, seed=4, chords="Bbm | Ebm"))
    assert other != asked


def test_chords_are_checked_and_a_model_without_harmony_is_given_no_harmony_to_read(tiny_controls_model_dir,
                                                                                     writer_tasks):
    import engine.writing.continuation as continuation
    with pytest.raises(ValueError, match="bar 2 of the chords"):
        ContinueOptions(chords="C | H7").check()
    loaded = load_model(tiny_controls_model_dir)
    with pytest.raises(ValueError, match="3 bars of chords were given for 2 bars"):
        continue_phrase(loaded, SEED, ContinueOptions(bars=2, seed=1, chords="C | F | G"))
    tasks = writer_tasks(continuation)
    continue_phrase(loaded, SEED, ContinueOptions(bars=2, seed=1, chords="Bbm | Ebm"))
    assert tasks[0].chords and tasks[0].harmony is None          # the chords leaned to, not read as an input
