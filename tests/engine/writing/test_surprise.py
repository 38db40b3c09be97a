"""Surprise: how unexpected the model finds each note, as it is scored in evaluation."""

import math
from dataclasses import replace

import pytest
import torch

from engine.encoding.tokens import Vocabulary, encode
from engine.model.checkpoint import LoadedModel, load_model
from engine.model.network import ModelConfig, MusicLSTM
from engine.music.phrase import FINE_STEPS_PER_QUARTER, Note, Phrase, regrid, trim
from engine.training.evaluate import score_sequences
from engine.writing import surprise
from engine.writing.surprise import SurpriseReader, note_surprise
from engine.writing.writer import Cancelled

Q = FINE_STEPS_PER_QUARTER
BAR = 4 * Q
# a plain cadence in C major, a chord and its melody note a bar: I IV V7 I
CADENCE = ((48, 60, 64, 67, 72), (53, 60, 65, 69, 72), (55, 59, 62, 65, 67, 71), (48, 60, 64, 67, 72))


def cadence(last_melody_note: int = 72) -> Phrase:
    notes = [Note(p, bar * BAR, BAR, 80) for bar, chord in enumerate(CADENCE) for p in chord]
    notes[-1] = replace(notes[-1], pitch=last_melody_note)
    return Phrase(tuple(notes), steps_per_quarter=Q)


@pytest.fixture(scope="module")
def bundled():
    torch.set_num_threads(1)
    return load_model("default")


def figure_of(phrase: Phrase, figures, pitch: int, start: int) -> float:
    return next(f for n, f in zip(phrase.notes, figures) if (n.pitch, n.start) == (pitch, start))


def test_a_wrong_note_in_a_cadence_is_more_surprising_than_the_right_one(bundled):
    right, wrong = cadence(72), cadence(73)                     # the final C made a C sharp
    expected = figure_of(right, note_surprise(bundled, right), 72, 3 * BAR)
    surprising = figure_of(wrong, note_surprise(bundled, wrong), 73, 3 * BAR)
    assert surprising > expected + 1.0, (expected, surprising)
    assert expected < 1.0                                      # the tonic after G7 is what it expects


def test_the_surprise_of_a_phrase_is_always_the_same(bundled):
    phrase = cadence()
    first = note_surprise(bundled, phrase)
    assert len(first) == len(phrase.notes) and all(f is not None and f >= 0 for f in first)
    assert note_surprise(bundled, phrase) == first


def test_the_tokens_cost_what_evaluation_says(bundled):
    """Every token's bits add up to the phrase's likelihood as evaluation scores it."""
    phrase = cadence(73)
    reader = SurpriseReader(bundled)
    reader.read(phrase)
    own = regrid(phrase, bundled.steps_per_quarter)
    scored = score_sequences(bundled.model, [encode(own, bundled.vocab)], bundled.vocab,
                             metres=[(own.steps_per_bar, own.steps_per_quarter)])
    assert reader.token_bits.sum() == pytest.approx(scored["nats"] / math.log(2), rel=1e-5)


def test_notes_that_share_a_step_of_the_model_share_its_figure(bundled):
    """Two strokes of one key within one sixteenth are one note to the model (regrid keeps the later)."""
    phrase = cadence()
    grace = Note(74, 3 * BAR + 30, 60, 80)                     # D then D again, 30 ticks apart
    again = Note(74, 3 * BAR + 60, Q, 80)
    doubled = phrase.with_notes(phrase.notes + (grace, again))
    figures = note_surprise(bundled, doubled)
    assert figure_of(doubled, figures, 74, grace.start) == figure_of(doubled, figures, 74, again.start)
    # the notes of the chord struck with them keep figures of their own
    assert len({round(figure_of(doubled, figures, p, 3 * BAR), 9) for p in (48, 60, 64, 67)}) == 4


def test_a_note_the_model_cannot_read_has_no_figure():
    torch.manual_seed(0)
    vocab = Vocabulary(lowest_pitch=36, highest_pitch=96)
    network = MusicLSTM(ModelConfig(vocab.size, embedding_size=8, hidden_size=16, layers=1, dropout=0.0)).eval()
    loaded = LoadedModel(network, vocab, {"name": "narrow"}, folder=None)   # type: ignore[arg-type]
    phrase = Phrase((Note(30, 0, Q), Note(60, 0, Q), Note(100, Q, Q), Note(62, Q, Q)), steps_per_quarter=Q)
    figures = note_surprise(loaded, phrase)
    assert [f is None for f in figures] == [True, False, False, True]       # notes in order: 30 60 62 100


def test_an_empty_phrase_has_no_figures(bundled):
    assert note_surprise(bundled, Phrase(steps_per_quarter=Q)) == []


@pytest.fixture(scope="module")
def long_piece(piano_midi):
    from engine.files.reading import read_music
    piece = read_music(piano_midi / "chopin" / "chpn_op23.mid")
    return trim(piece, 0, 60 * piece.steps_per_bar)


def test_reading_again_after_an_edit_gives_what_a_fresh_reading_gives(bundled, long_piece):
    reader = SurpriseReader(bundled)
    reader.read(long_piece)
    k = len(long_piece.notes) * 3 // 4
    edited = long_piece.with_notes(
        [replace(n, pitch=n.pitch + 1) if i == k else n for i, n in enumerate(long_piece.notes)])
    assert reader.read(edited) == note_surprise(bundled, edited)
    assert reader.read(long_piece) == note_surprise(bundled, long_piece)      # and back


def test_the_passage_in_view_is_reported_first_close_to_the_exact_figures(bundled, long_piece, monkeypatch):
    monkeypatch.setattr(surprise, "CHUNK", 128)                # more chunks for this shorter piece
    bar = long_piece.steps_per_bar
    view = (50 * bar, 56 * bar)
    reports = []
    exact = SurpriseReader(bundled).read(long_piece, first=view, report=reports.append)
    in_view = [i for i, n in enumerate(long_piece.notes) if view[0] <= n.start < view[1]]
    first = reports[0]
    assert [i for i, f in enumerate(first) if f is not None] == in_view      # the notes in view, only
    assert max(abs(first[i] - exact[i]) for i in in_view) < 0.15
    assert exact == note_surprise(bundled, long_piece)
    assert all(sum(f is not None for f in a) <= sum(f is not None for f in b) for a, b in zip(reports, reports[1:]))


def test_a_cancelled_reading_leaves_the_next_one_exact(bundled, long_piece, monkeypatch):
    monkeypatch.setattr(surprise, "CHUNK", 128)
    reader = SurpriseReader(bundled)
    asked = []

    def cancel():
        asked.append(1)
        return len(asked) > 3                                  # after three chunks

    with pytest.raises(Cancelled):
        reader.read(long_piece, cancel=cancel)
    assert reader.read(long_piece) == note_surprise(bundled, long_piece)
