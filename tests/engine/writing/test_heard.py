"""Continue and Fill read the bars they need, not the whole piece (issue 29: Fill of 2 bars in a
100,000-note piece took over 5 minutes and 2.2 GB; Continue after 3 h 53 min of silence 50 s and
2.3 GB)."""

import pytest

from engine.model.checkpoint import load_model
from engine.music.phrase import Note, Phrase
from engine.writing import continuation, fill
from engine.writing.heard import CONTEXT_BARS, music_heard
from engine.writing.options import ContinueOptions, FillOptions


def piece(bars: int) -> Phrase:
    """``bars`` bars of 4/4 on a grid of 4 a quarter, the same arpeggio in every bar."""
    return Phrase(tuple(Note(48 + (0, 7, 16, 12)[i % 4], 4 * i, 4, 80) for i in range(4 * bars)),
                  steps_per_quarter=4)


def read_prompts(monkeypatch, module) -> list[int]:
    """The length of every prompt the module's Writer is given."""
    lengths = []
    real = module.Writer

    def spy(loaded, prompt, *args, **kwargs):
        lengths.append(len(prompt))
        return real(loaded, prompt, *args, **kwargs)
    monkeypatch.setattr(module, "Writer", spy)
    return lengths


@pytest.mark.parametrize("model", ["tiny_model_dir", "tiny_controls_model_dir"])
def test_fill_reads_as_much_of_a_long_piece_as_of_a_short_one(model, request, monkeypatch):
    loaded = load_model(request.getfixturevalue(model))
    prompts = read_prompts(monkeypatch, fill)
    options = FillOptions(seed=3, candidates=2, variations=1)
    takes = {}
    for bars in (CONTEXT_BARS + 10, 4 * CONTEXT_BARS):
        music = piece(bars)
        start = (bars - 3) * 16                               # the last bars but one, three from the end
        takes[bars] = fill.fill_span(loaded, music, start, start + 32, options)[0]
    assert prompts[0] == prompts[1]                           # the same bars heard before the span
    assert takes[CONTEXT_BARS + 10] == takes[4 * CONTEXT_BARS]  # and the same music written


def test_continue_reads_the_last_bars_of_a_long_piece(tiny_controls_model_dir, monkeypatch):
    loaded = load_model(tiny_controls_model_dir)
    prompts = read_prompts(monkeypatch, continuation)
    options = ContinueOptions(seed=5, bars=2, variations=1)
    takes = [continuation.continue_phrase(loaded, piece(bars), options)[0] for bars in (CONTEXT_BARS + 5, 300)]
    assert prompts[0] == prompts[1] and takes[0] == takes[1]


def test_a_short_piece_is_read_whole_and_a_window_begins_at_a_bar_line():
    short = piece(CONTEXT_BARS)
    assert music_heard(short, short.length, short.length) == (short, 0)
    long = piece(CONTEXT_BARS + 7)
    window, first = music_heard(long, long.length, long.length)
    assert first == 7 * 16 and window.length == CONTEXT_BARS * 16
    assert window.notes[0] == Note(48, 0, 4, 80) and len(window.notes) == 4 * CONTEXT_BARS
