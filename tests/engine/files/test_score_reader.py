"""Scores through music21: MusicXML, ABC, Humdrum, and a clear error for a broken score."""

import music21
import pytest

from engine.errors import MusicFileError
from engine.files.reading import read_music
from engine.files.score_reader import read_score, score_to_phrase

ABC = """X:1
T:Scale
M:3/4
L:1/4
Q:1/4=90
K:C
C D E | F G A | B c2 |
"""


def test_abc_tune_with_metre_and_tempo(tmp_path):
    path = tmp_path / "scale.abc"
    path.write_text(ABC)
    phrase = read_score(path, steps_per_quarter=4)
    assert [n.pitch for n in phrase.notes] == [60, 62, 64, 65, 67, 69, 71, 72]
    assert phrase.time_signature == (3, 4) and phrase.tempo_bpm == 90
    assert phrase.notes[-1].duration == 8          # a half note on a sixteenth grid


def test_musicxml_chords_and_ties(tmp_path):
    score = music21.stream.Score()
    part = music21.stream.Part()
    part.append(music21.meter.TimeSignature("4/4"))
    part.append(music21.chord.Chord(["C4", "E4", "G4"], quarterLength=2))
    tied_a = music21.note.Note("A4", quarterLength=2)
    tied_a.tie = music21.tie.Tie("start")
    tied_b = music21.note.Note("A4", quarterLength=1)
    tied_b.tie = music21.tie.Tie("stop")
    part.append([tied_a, tied_b])
    score.insert(0, part)
    path = tmp_path / "chord.musicxml"
    score.write("musicxml", fp=str(path))
    phrase = read_music(path, steps_per_quarter=4)
    assert [(n.pitch, n.start, n.duration) for n in phrase.notes] == [
        (60, 0, 8), (64, 0, 8), (67, 0, 8), (69, 8, 12)]


def test_humdrum_from_the_music21_corpus():
    paths = [p for p in music21.corpus.getComposer("bach") if str(p).endswith(".krn")]
    assert paths, "music21's corpus ships Humdrum files"
    phrase = read_music(paths[0])
    assert len(phrase.notes) > 20


def test_a_bach_chorale_from_the_corpus_keeps_all_voices():
    chorale = music21.corpus.parse("bach/bwv66.6")
    phrase = score_to_phrase(chorale, steps_per_quarter=4)
    # soprano C#5, alto E4, tenor and bass both on A3: one key on a piano roll; the chorale starts
    # with a one-beat pickup, the last beat of a first bar, so its bar lines fall where Bach's do
    assert min(n.start for n in phrase.notes) == 12
    assert sorted(n.pitch for n in phrase.notes if n.start == 12) == [57, 64, 73]
    assert phrase.key_signatures == ((0, "F#m"),)
    assert len(phrase.notes) > 120


def test_malformed_musicxml_names_the_file(tmp_path):
    path = tmp_path / "broken.musicxml"
    path.write_text("<?xml version='1.0'?><score-partwise><part id='P1'><measure")
    with pytest.raises(MusicFileError, match="broken.musicxml"):
        read_music(path)


def test_an_unknown_kind_of_file_is_refused(tmp_path):
    path = tmp_path / "song.mp3"
    path.write_bytes(b"ID3")
    with pytest.raises(MusicFileError, match="cannot read '.mp3'"):
        read_music(path)


OVERFULL = """X:1
T:Overfull
M:3/4
L:1/8
K:D
A2 B2 c2 d2 | e4 f2 | g2 a2 b2 c'2 d'2 | M:2/4
A2 B2 c3 | d4 |
"""


CROSSING = """X:1
T:Crossing
M:3/4
L:1/8
K:D
A2 B3 c3 d | e4 f2 g3 | (3abc d6 e | M:6/8
A3 B4 c2 |
"""


@pytest.mark.parametrize("tune", [OVERFULL, CROSSING])
def test_abc_bars_longer_than_their_metre_give_the_notes_music21_s_rebarring_gives(tmp_path, tune):
    """music21 splits a bar longer than its metre in two (a note across the split tied over it):
    notation Segue does not read, and most of the time a tune of such bars took to read. Segue
    keeps the bars as written; its notes are the ones music21's own reader gives."""
    from engine.files.score_parsing import parse_score_file
    path = tmp_path / "tune.abc"
    path.write_text(tune)
    theirs = music21.converter.parse(tune, format="abc", forceSource=True)
    ours = parse_score_file(path)
    assert len(ours.parts[0].getElementsByClass("Measure")) < len(theirs.parts[0].getElementsByClass("Measure"))
    for steps in (4, 480):
        assert read_score(path, steps) == score_to_phrase(theirs, steps)


def test_a_tune_of_overfull_bars_reads_all_its_notes(tmp_path):
    path = tmp_path / "overfull.abc"
    path.write_text(OVERFULL)
    phrase = read_score(path, steps_per_quarter=4)
    assert [n.pitch for n in phrase.notes][:4] == [69, 71, 73, 74]
    assert sum(n.duration for n in phrase.notes) == 2 * (8 + 6 + 10 + 7 + 4)      # in sixteenths


def test_a_tune_with_a_split_bar_keeps_its_metre(tmp_path):
    """music21 splits an overfull bar and gives the bar after it the tune's time signature again
    (the same object, now in two bars); the first time signature was looked up in a flattened copy
    of the score, where that object stands at its later place: a 4/4 tune read as 1/4 (3 of 80
    tunes of music21's corpus). The walk through the bars finds it in the first bar, in a score
    music21 split as in Segue's own reading (which keeps the bars as written)."""
    tune = "X:1\nT:Split\nM:4/4\nL:1/4\nK:C\nC | D E F G | A B c d e | f4 | g4 |]\n"
    split = music21.converter.parse(tune, format="abc", forceSource=True)
    assert score_to_phrase(split, 4).time_signature == (4, 4)
    path = tmp_path / "split.abc"
    path.write_text(tune)
    phrase = read_score(path, steps_per_quarter=4)
    assert phrase.time_signature == (4, 4)
    assert [n.start for n in phrase.notes][:6] == [12, 16, 20, 24, 28, 32]      # the pickup ends bar 1


def test_reading_a_score_makes_no_flattened_copy_of_it(tmp_path, monkeypatch):
    """A flattened copy of the score (two of them: the score's and the first part's) took two thirds
    of Segue's own share of reading a 10 KB ABC tune; one walk through the bars finds the same."""
    score = music21.converter.parse(ABC, format="abc", forceSource=True)
    flattened = []
    real = music21.stream.Stream.flatten
    monkeypatch.setattr(music21.stream.Stream, "flatten",
                        lambda self, *a, **k: flattened.append(self) or real(self, *a, **k))
    phrase = score_to_phrase(score, 4)
    assert flattened == []
    assert phrase.time_signature == (3, 4) and phrase.tempo_bpm == 90 and len(phrase.notes) == 8


def test_an_abc_tune_is_read_without_choosing_its_clef(tmp_path, monkeypatch):
    """music21 chooses a clef for a tune that names none by looking at every note (a tenth of
    reading a long tune); Segue reads no clef, so its ABC reader skips that, and only its."""
    path = tmp_path / "scale.abc"
    path.write_text(ABC)
    chosen = []
    real = music21.clef.bestClef
    monkeypatch.setattr(music21.clef, "bestClef", lambda *a, **k: chosen.append(1) or real(*a, **k))
    assert len(read_score(path, 4).notes) == 8
    assert chosen == []
    music21.converter.parse(ABC, format="abc", forceSource=True)
    assert chosen                                              # music21's own reader is left as it was


def test_grid_steps_round_as_fractions_do():
    from fractions import Fraction

    from engine.files.score_reader import _step
    for numerator in range(-50, 50):
        for denominator in (1, 2, 3, 5, 8, 12, 96, 480, 1920):
            for steps in (1, 2, 4, 12, 480):
                at = Fraction(numerator, denominator)
                assert _step(at, steps) == round(at * steps), (at, steps)


def test_a_note_s_own_loudness_is_read_and_one_without_gets_the_default():
    from engine.files.score_reader import DEFAULT_VELOCITY
    stream = music21.stream.Stream()
    soft = music21.note.Note("C4", quarterLength=1)
    soft.volume.velocity = 40
    loud = music21.chord.Chord(["E4", "G4"], quarterLength=1)
    loud.volume.velocity = 100
    stream.append([soft, music21.note.Note("D4", quarterLength=1), loud])
    assert [(n.pitch, n.velocity) for n in score_to_phrase(stream, 4).notes] == [
        (60, 40), (62, DEFAULT_VELOCITY), (64, 100), (67, 100)]
