"""Fill: exact conditioning on the music after the span, locks kept, the music around untouched."""

import itertools
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.encoding.grammar import Grammar, spelling_state
from engine.encoding.tokens import Vocabulary, encode
from engine.model.checkpoint import LoadedModel, load_model
from engine.model.network import ModelConfig, MusicLSTM
from engine.music.phrase import Note, Phrase
from engine.writing.fill import FillOptions, choose, fill_drafts, fill_span

TWO_PITCHES = Vocabulary(max_wait=4, max_length=2, lowest_pitch=60, highest_pitch=61)
BEFORE, AFTER = [Note(60, 0, 1), Note(61, 1, 1)], [Note(60, 4, 1), Note(61, 5, 2)]
START, END = 2, 4


@pytest.fixture(scope="module")
def two_pitch_model():
    """A tiny LSTM taught, in a few seconds, music where each step mostly repeats the pitch of two
    steps before: what comes after a middle then says much about the middle."""
    torch.manual_seed(3)
    rng = np.random.default_rng(3)
    vocab = TWO_PITCHES
    model = MusicLSTM(ModelConfig(vocab.size, embedding_size=8, hidden_size=24, layers=1, dropout=0.0))
    sequences = []
    for _ in range(384):
        pattern = rng.integers(60, 62, 2)
        notes = [Note(int(pattern[t % 2] if rng.random() < 0.85 else 121 - pattern[t % 2]), t, int(rng.integers(1, 3)))
                 for t in range(8) if rng.random() < 0.8]
        sequences.append(encode(Phrase(tuple(notes)), vocab))
    longest = max(map(len, sequences))
    batch = torch.zeros(len(sequences), longest, dtype=torch.long)
    state = torch.zeros(len(sequences), longest, 2, dtype=torch.long)
    for row, tokens in enumerate(sequences):
        batch[row, :len(tokens)] = torch.tensor(tokens)
        state[row, :len(tokens)] = torch.from_numpy(spelling_state(tokens, vocab))
    grammar = Grammar(vocab)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    for _ in range(400):
        logits, _ = model(batch[:, :-1])
        log_probs = grammar.log_probs(logits, batch[:, :-1], state[:, :-1])
        picked = log_probs.gather(-1, batch[:, 1:, None]).squeeze(-1)
        loss = -torch.where(batch[:, 1:] > 0, picked, torch.zeros_like(picked)).sum() / (batch[:, 1:] > 0).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    return LoadedModel(model, vocab, {"name": "two pitches", "grid": {"steps_per_quarter": 4}}, Path("."))


def every_middle():
    """Every set of notes that can sound in steps 2-3 and end by step 4: per pitch, a note at step 2
    (one or two steps long) or none, and a note at step 3 or none."""
    per_pitch = [[], [(2, 1)], [(2, 2)], [(3, 1)], [(2, 1), (3, 1)], [(2, 2), (3, 1)]]
    for low, high in itertools.product(per_pitch, per_pitch):
        yield frozenset([(60, s, d) for s, d in low] + [(61, s, d) for s, d in high])


def log_probability(loaded, notes) -> float:
    """log p of the whole phrase's tokens, scored as training scores them (one pass, grammar masks)."""
    tokens = encode(Phrase(tuple(notes)), loaded.vocab, end=False)
    with torch.no_grad():
        logits, _ = loaded.model(torch.tensor([tokens]))
    log_probs = Grammar(loaded.vocab).log_probs(logits[:, :-1], torch.tensor([tokens[:-1]]),
                                                torch.from_numpy(spelling_state(tokens[:-1], loaded.vocab))[None])
    return float(log_probs.gather(-1, torch.tensor([tokens[1:]])[..., None]).sum())


def breaks_a_seam(middle, after) -> bool:
    """A middle note struck where a note of its pitch from before ends, or ending where the music
    after strikes its pitch: a held note broken in two, which Fill does not write."""
    ending = {n.pitch for n in BEFORE if n.end == START}
    starting = {n.pitch for n in after if n.start == END}
    return any((s == START and p in ending) or (s + d == END and p in starting) for p, s, d in middle)


def posterior(loaded, middles, after) -> np.ndarray:
    """p(middle | before, after) by brute force: every middle's whole phrase scored, normalised
    over the middles that keep the seams whole."""
    logs = np.array([log_probability(loaded, BEFORE + after + [Note(p, s, d) for p, s, d in m])
                     if not breaks_a_seam(m, after) else -np.inf for m in middles])
    exact = np.exp(logs - logs.max())
    return exact / exact.sum()


@pytest.mark.slow
def test_fill_draws_from_p_of_the_middle_given_before_and_after(two_pitch_model):
    middles = list(every_middle())
    exact = posterior(two_pitch_model, middles, AFTER)
    other = posterior(two_pitch_model, middles, [Note(61, 4, 1), Note(60, 5, 2)])
    phrase = Phrase(tuple(BEFORE + AFTER))
    found = defaultdict(float)
    for seed in range(80):
        drafts, weights, _ = fill_drafts(two_pitch_model, phrase, START, END,
                                         FillOptions(candidates=256, seed=seed, top_p=1.0, temperature=1.3,
                                                     key="free", bars_after=1))
        for draft, weight in zip(drafts, weights):
            middle = frozenset((n.pitch, n.start, n.duration) for n in draft.notes if n.start >= START)
            found[middle] += math.exp(weight)
    assert set(found) <= {m for m in middles if not breaks_a_seam(m, AFTER)}
    estimate = np.array([found[m] for m in middles])
    estimate /= estimate.sum()
    assert 0.5 * np.abs(estimate - exact).sum() < 0.03
    assert 0.5 * np.abs(other - exact).sum() > 0.05      # what comes after matters to this model


def test_choosing_follows_the_weights_and_never_repeats_a_take():
    generator = torch.Generator().manual_seed(0)
    weights = np.array([0.0, np.log(3.0), -np.inf, np.log(4.0)])
    firsts = [choose(weights, 1, generator)[0] for _ in range(4000)]
    assert abs(firsts.count(3) / 4000 - 0.5) < 0.03 and firsts.count(2) == 0
    picks = choose(weights, 3, generator)
    assert len(set(picks)) == 3


PIECE = Phrase(tuple(Note(48 + 12 * (b % 2), 16 * b, 16, 70) for b in range(6))
               + tuple(Note(64 + (i % 5), 4 * i, 4, 90) for i in range(24)))


def test_fill_rewrites_only_the_span_and_keeps_what_was_locked(tiny_controls_model_dir, tiny_model_dir):
    locked = [Note(72, 36, 4, 110), Note(55, 44, 20, 50)]
    for folder in (tiny_controls_model_dir, tiny_model_dir):
        loaded = load_model(folder)
        takes = fill_span(loaded, PIECE, 32, 64, FillOptions(variations=3, candidates=8, seed=2), locked=locked)
        again = fill_span(loaded, PIECE, 32, 64, FillOptions(variations=3, candidates=8, seed=2), locked=locked)
        assert takes == again and len(takes) == 3
        for take in takes:
            assert take.length == 32
            assert all(0 <= n.start < 32 for n in take.notes)
            for lock in locked:
                assert Note(lock.pitch, lock.start - 32, lock.duration, lock.velocity) in take.notes
            assert all(n.end <= 32 for n in take.notes if n not in
                       [Note(lock.pitch, lock.start - 32, lock.duration, lock.velocity) for lock in locked])


def test_fill_follows_chords_asked_for_the_span_and_hears_the_music_around_it(tiny_inputs_model_dir, writer_tasks):
    import engine.writing.fill as fill
    from engine.music.chords import Chord
    loaded = load_model(tiny_inputs_model_dir)
    tasks = writer_tasks(fill)
    takes = fill_span(loaded, PIECE, 32, 64, FillOptions(variations=2, candidates=4, seed=2, chords="Dm | G7"))
    assert len(takes) == 2 and all(t.length == 32 for t in takes)
    chords = tasks[0].harmony
    assert [(s, e, c) for s, e, c in chords if 32 <= s < 64] == [(32, 48, Chord(2, "min")), (48, 64, Chord(7, "7"))]
    assert chords[0][0] == 0 and chords[-1][1] > 64                          # heard before and after the span
    assert fill_span(loaded, PIECE, 32, 64, FillOptions(variations=2, candidates=4, seed=2)) != takes
    assert tasks[-1].harmony is None
    with pytest.raises(ValueError, match="3 bars of chords were given for 2 bars"):
        fill_span(loaded, PIECE, 32, 64, FillOptions(variations=2, candidates=4, seed=2, chords="C | F | G"))


def test_a_span_with_nothing_after_it_is_still_written(tiny_model_dir):
    loaded = load_model(tiny_model_dir)
    takes = fill_span(loaded, PIECE, 96, 128, FillOptions(variations=2, candidates=4, seed=0))
    assert len(takes) == 2 and all(t.length == 32 for t in takes)


def test_fill_never_breaks_a_held_note_at_a_seam(tiny_model_dir):
    loaded = load_model(tiny_model_dir)
    pitches = range(60, 72)
    before = [Note(p, 16, 16, 80) for p in pitches]                 # all end where the span starts
    after = [Note(p, 64, 8, 80) for p in pitches]                   # all start where it ends
    phrase = Phrase(tuple(before + after))
    takes = [t for seed in range(5) for t in fill_span(loaded, phrase, 32, 64, FillOptions(
        variations=4, candidates=16, seed=seed, temperature=2.0, key="free"))]   # without the rule: 3 breaks
    assert sum(len(t.notes) for t in takes) > 20
    for take in takes:
        assert not any(n.start == 0 and n.pitch in pitches for n in take.notes)
        assert not any(n.end == 32 and n.pitch in pitches for n in take.notes)


def test_on_the_fine_grid_fill_writes_on_the_model_grid_and_keeps_off_grid_locks_exactly(tiny_model_dir):
    from engine.music.phrase import regrid
    loaded = load_model(tiny_model_dir)
    fine = regrid(PIECE, 480)
    locked = [Note(72, 36 * 120 + 7, 333, 110), Note(55, 44 * 120 - 13, 2401, 50)]     # off the sixteenths
    start, end = 32 * 120, 64 * 120
    for take in fill_span(loaded, fine, start, end, FillOptions(variations=3, candidates=8, seed=2), locked=locked):
        assert take.steps_per_quarter == 480 and take.length == end - start
        for lock in locked:
            assert Note(lock.pitch, lock.start - start, lock.duration, lock.velocity) in take.notes
        written = [n for n in take.notes if Note(n.pitch, n.start + start, n.duration, n.velocity) not in locked]
        assert written and all(n.start % 120 == 0 and n.duration % 120 == 0 for n in written)
        assert not any((n.pitch, n.start + start) in {(lock.pitch, round(lock.start / 120) * 120) for lock in locked}
                       for n in written)                       # the model's version of a lock gives way to it
