"""Drafts that begin by restating a bar of the phrase (``restating.py``): which bars, played exactly,
judged on what the network chose after them, and only where Continue may choose among drafts."""

import pytest

from engine.files.seeds import list_seeds, load_seed
from engine.model.checkpoint import load_model
from engine.music.phrase import Note
from engine.writing import continuation
from engine.writing.continuation import ContinueOptions, continue_phrase
from engine.writing.restating import bar_again, restatements


@pytest.fixture(scope="module")
def loaded():
    return load_model(None)


def _seed(title):
    return load_seed(next(s for s in list_seeds() if title in s.title))


def _bar(pitches, bar_start, steps=4):
    return [Note(p, bar_start + i * steps, steps) for i, p in enumerate(pitches)]


def test_new_bar_one_restates_the_first_of_four_bars_then_the_first_of_the_last_two():
    notes = (_bar([60, 62, 64, 65], 0) + _bar([67, 65, 64, 62], 16) + _bar([72, 71, 69, 67], 32)
             + _bar([65, 64, 62, 60], 48))
    found = restatements(notes, 64, 16, 128, most=2)
    assert found == [_bar([60, 62, 64, 65], 64), _bar([72, 71, 69, 67], 64)]
    assert restatements(notes, 64, 16, 128, most=1) == found[:1]
    assert restatements(notes, 64, 16, 128, most=0) == []


def test_no_restatement_mid_bar_or_of_a_bar_that_says_too_little_or_twice_of_one_bar():
    notes = _bar([60, 62, 64, 65], 0) + _bar([60, 62, 64, 65], 16)
    assert restatements(notes, 24, 16, 64, most=2) == []                 # the phrase ends in the middle of a bar
    assert restatements(notes, 32, 16, 64, most=2) == [_bar([60, 62, 64, 65], 32)]   # bars 1 and 1 of 2: one
    lone = [Note(48, 0, 16)] + _bar([60, 62, 64, 65], 16) + _bar([67, 65, 64, 62], 32)
    assert restatements(lone, 48, 16, 80, most=2) == [_bar([60, 62, 64, 65], 48)]   # one onset is no statement
    assert restatements(lone[:5], 32, 16, 64, most=2) == []
    assert restatements(notes, 0, 16, 64, most=2) == []                  # nothing heard yet


def test_a_bar_again_is_cut_at_the_end_and_keeps_one_note_a_pitch_and_place():
    notes = [Note(60, 0, 20), Note(60, 0, 4), Note(64, 8, 4)]
    assert bar_again(notes, 0, 16, 16, 40) == [Note(60, 16, 20), Note(64, 24, 4)]
    again = bar_again(notes, 0, 16, 16, 22)
    assert again == [Note(60, 16, 6)]                                      # 64 would start at 24, past the end


def _spy(monkeypatch):
    """Record each writer's task and the drafts it wrote."""
    seen = []
    writer = continuation.Writer

    def spy(*args, **kwargs):
        made = writer(*args, **kwargs)
        write = made.write

        def recorded(*a, **k):
            drafts = write(*a, **k)
            seen.append((made.task, drafts))
            return drafts
        made.write = recorded
        return made
    monkeypatch.setattr(continuation, "Writer", spy)
    return seen


def test_a_restating_draft_plays_the_bar_exactly_and_is_judged_on_what_followed(loaded, monkeypatch):
    seen = _spy(monkeypatch)
    phrase = _seed("K. 545")
    continue_phrase(loaded, phrase, ContinueOptions(bars=2, variations=2, seed=3))
    task, drafts = seen[-1]
    assert len(task.restated) == 2 and task.restated_until == task.start + task.bar_steps
    for row, bar in enumerate(task.restated):
        played = sorted((n for n in drafts[row].notes if task.start <= n.start < task.restated_until),
                        key=Note.sort_key)
        assert [(n.pitch, n.start, n.duration) for n in played] == [(n.pitch, n.start, n.duration) for n in bar]
        assert drafts[row].restating > 0 and drafts[row].restating < len(drafts[row].written)
    for draft in drafts[len(task.restated):]:
        assert draft.restating == 0


def test_restating_is_not_asked_without_drafts_to_choose_from_or_against_what_the_user_set(loaded, monkeypatch):
    seen = _spy(monkeypatch)
    phrase = _seed("K. 545")
    for options in (ContinueOptions(bars=2, seed=1, restate="never"),
                    ContinueOptions(bars=2, variations=4, candidates=4, seed=1),        # no drafts beyond the takes
                    ContinueOptions(bars=2, seed=1, choose="likely"),
                    ContinueOptions(bars=2, seed=1, key="stay"),
                    ContinueOptions(bars=2, seed=1, texture="single notes"),
                    ContinueOptions(bars=2, seed=1, chords="C | G7")):
        continue_phrase(loaded, phrase, options)
        assert seen[-1][0].restated == [], options
    continue_phrase(loaded, phrase, ContinueOptions(bars=2, seed=1), locked=[Note(72, 0, 4)])
    assert seen[-1][0].restated == []
    continue_phrase(loaded, phrase, ContinueOptions(bars=2, seed=1))
    assert seen[-1][0].restated
