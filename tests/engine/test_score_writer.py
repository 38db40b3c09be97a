"""Sheet music out: a grand staff in MusicXML that reads back to the same notes."""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine.errors import MusicFileError
from engine.music_files import read_music
from engine.phrase import Note, Phrase
from engine.score_writer import phrase_to_score, write_musicxml
from engine.seeds import list_seeds, load_seed


def exact(phrase):
    return sorted((n.pitch, n.start, n.duration) for n in phrase.notes)


@st.composite
def phrases(draw):
    spq = draw(st.sampled_from([2, 3, 4]))
    metre = draw(st.sampled_from([(4, 4), (3, 4), (6, 8), (2, 2), (5, 4)]))
    raw = draw(st.lists(st.tuples(st.integers(21, 108), st.integers(0, 12 * spq), st.integers(1, 9 * spq)),
                        min_size=1, max_size=24))
    notes, busy = [], {}
    for pitch, start, length in sorted(raw, key=lambda r: r[1]):
        if busy.get(pitch, -1) > start:
            continue                                  # a key cannot sound twice at once
        busy[pitch] = start + length
        notes.append(Note(pitch, start, length, 90))
    return Phrase(tuple(notes), steps_per_quarter=spq, time_signature=metre, tempo_bpm=draw(st.sampled_from([60, 96, 132.5])))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(phrases())
@example(Phrase((Note(125, 39, 8), Note(125, 47, 10)), tempo_bpm=60))   # the same key again, over a bar line
def test_any_phrase_reads_back_note_for_note(tmp_path_factory, phrase):
    path = tmp_path_factory.mktemp("score") / "phrase.musicxml"
    write_musicxml(phrase, path)
    back = read_music(path, steps_per_quarter=phrase.steps_per_quarter)
    assert exact(back) == exact(phrase)
    assert back.time_signature == phrase.time_signature and back.tempo_bpm == phrase.tempo_bpm


def test_the_bundled_seeds_as_sheet_music(tmp_path):
    for seed in list_seeds():
        phrase = load_seed(seed)
        path = write_musicxml(phrase, tmp_path / "seed.musicxml", title=seed.title)
        assert exact(read_music(path)) == exact(phrase), seed.title
        assert seed.title.split()[0] in path.read_text()


def test_two_staves_with_clefs_and_voices_where_notes_overlap():
    from music21 import clef, stream
    phrase = Phrase((Note(72, 0, 16), Note(76, 4, 4), Note(79, 4, 4), Note(40, 0, 8), Note(43, 8, 8)))
    score = phrase_to_score(phrase, "Test")
    right, left = score.parts
    assert right.partName == "Right hand" and left.partName == "Left hand"
    assert isinstance(right.recurse().getElementsByClass(clef.Clef)[0], clef.TrebleClef)
    assert isinstance(left.recurse().getElementsByClass(clef.Clef)[0], clef.BassClef)
    assert len(right.recurse().getElementsByClass(stream.Voice)) == 2      # the held C under the chord
    assert not left.recurse().getElementsByClass(stream.Voice)
    assert len(right.recurse().getElementsByClass("Chord")) == 1


def test_nothing_to_write_and_an_unwritable_place(tmp_path):
    with pytest.raises(MusicFileError, match="no notes"):
        write_musicxml(Phrase(), tmp_path / "empty.musicxml")
    with pytest.raises(MusicFileError, match="below C0"):
        write_musicxml(Phrase((Note(60, 0, 4), Note(5, 0, 4))), tmp_path / "low.musicxml")
    (tmp_path / "a file").write_text("not a folder")
    with pytest.raises(MusicFileError, match="cannot write"):
        write_musicxml(Phrase((Note(60, 0, 4),)), tmp_path / "a file" / "x.musicxml")
