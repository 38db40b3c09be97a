"""Every path a note travels keeps it where it was: real piano music with triplets, grace notes,
32nds and free timing, and each score format, through open, save, reopen and Export MIDI."""

from fractions import Fraction
from pathlib import Path

import mido
import pytest

from engine.files.document import Document, load_document, save_document
from engine.files.midi import read_midi, write_midi
from engine.files.reading import read_music
from engine.music.phrase import FINE_STEPS_PER_QUARTER, Phrase

# Chopin's Preludes 1 and 14 (triplets, free timing), his Etude Op. 10 No. 12 (fast runs off the
# sixteenths) and Haydn's sonata movement (grace notes, 32nds): most of their onsets lie off a 16th grid
PIECES = ("chopin/chpn-p1.mid", "chopin/chpn-p14.mid", "chopin/chpn_op10_e12.mid", "haydn/haydn_8_1.mid")


def struck(path: Path) -> list[tuple[int, Fraction]]:
    """Every note the file strikes, as (pitch, onset in quarter notes), read straight from mido."""
    midi = mido.MidiFile(str(path))
    onsets = set()
    for track in midi.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "note_on" and msg.velocity > 0 and msg.channel != 9:
                onsets.add((msg.note, Fraction(tick, midi.ticks_per_beat)))
    return sorted(onsets)


def same_music(a: Phrase, b: Phrase) -> None:
    assert a.notes == b.notes
    assert a.time_signature == b.time_signature and a.key_signatures == b.key_signatures
    assert abs(a.tempo_bpm - b.tempo_bpm) < 1e-6
    assert [s for s, _ in a.tempo_changes] == [s for s, _ in b.tempo_changes]
    assert all(abs(x - y) < 1e-6 for (_, x), (_, y) in zip(a.tempo_changes, b.tempo_changes))


@pytest.mark.parametrize("name", PIECES)
def test_real_piano_music_survives_open_save_reopen_and_export(piano_midi, tmp_path, name):
    path = piano_midi / name
    phrase = read_music(path)
    onsets = [(n.pitch, Fraction(n.start, phrase.steps_per_quarter)) for n in phrase.notes]
    assert sorted(onsets) == struck(path)                    # no note moved, merged, dropped or added
    off_grid = sum(n.start % (phrase.steps_per_quarter // 4) != 0 for n in phrase.notes)
    assert off_grid > len(phrase.notes) / 5                  # the test holds music a 16th grid would move
    document = tmp_path / "piece.segue"
    save_document(Document(phrase, [False] * len(phrase.notes), {}), document)
    reopened = load_document(document).phrase
    same_music(reopened, phrase)
    exported = read_midi(write_midi(reopened, tmp_path / "piece.mid"))
    same_music(exported, phrase)


def triplets_and_32nds():
    """A score of triplet eighths, 32nds, a quintuplet and a dotted rhythm, in two parts."""
    from music21 import meter, note, stream, tempo
    upper, lower = stream.Part(), stream.Part()
    upper.append(meter.TimeSignature("3/4"))
    upper.append(tempo.MetronomeMark(number=76))
    for pitch, length in [("C5", Fraction(1, 3)), ("D5", Fraction(1, 3)), ("E5", Fraction(1, 3)),
                          ("F5", Fraction(1, 8)), ("E5", Fraction(1, 8)), ("D5", Fraction(1, 8)),
                          ("E5", Fraction(1, 8)), ("G5", Fraction(1, 2)), ("A5", Fraction(3, 4)),
                          ("B5", Fraction(1, 4))] + [("C6", Fraction(1, 5))] * 5 + [("G5", Fraction(2))]:
        upper.append(note.Note(pitch, quarterLength=length))
    for pitch in ("C3", "G3", "E3", "C3", "G2", "C3"):
        lower.append(note.Note(pitch, quarterLength=1))
    score = stream.Score([upper, lower])
    return score, {(72, 0), (74, Fraction(1, 3)), (76, Fraction(2, 3)), (77, 1), (76, Fraction(9, 8)),
                   (74, Fraction(5, 4)), (76, Fraction(11, 8)), (79, Fraction(3, 2)), (81, 2), (83, Fraction(11, 4)),
                   *{(84, 3 + Fraction(k, 5)) for k in range(5)}, (79, 4), (48, 0), (55, 1), (52, 2), (48, 3),
                   (43, 4), (48, 5)}


ABC = """X:1
T:Triplets and thirty-seconds
M:6/8
L:1/8
Q:3/8=60
K:D
(3DEF G2A B/c/d | A//B//c//d// e3 (3fed c2 |
"""


@pytest.mark.parametrize("kind", ["musicxml", "abc", "humdrum"])
def test_every_score_format_comes_into_export_midi_exactly(tmp_path, kind):
    import music21
    if kind == "musicxml":
        score, expected = triplets_and_32nds()
        path = Path(score.write("musicxml", fp=str(tmp_path / "score.musicxml")))
    elif kind == "abc":
        path = tmp_path / "tune.abc"
        path.write_text(ABC)
        expected = None
    else:
        path = next(p for p in music21.corpus.getPaths(fileExtensions=("krn",)) if p.name == "bwv277.krn")
        expected = None
    phrase = read_music(path)
    assert phrase.steps_per_quarter == FINE_STEPS_PER_QUARTER
    if expected is not None:
        assert {(n.pitch, Fraction(n.start, phrase.steps_per_quarter)) for n in phrase.notes} == expected
    if kind == "abc":
        starts = [Fraction(n.start, phrase.steps_per_quarter) for n in phrase.notes]
        assert starts[:3] == [0, Fraction(1, 3), Fraction(2, 3)]                 # (3DEF: a triplet
        assert Fraction(1, 8) in {b - a for a, b in zip(starts, starts[1:])}      # A//B//c//d//: 32nds
    exported = read_midi(write_midi(phrase, tmp_path / "exported.mid"))
    same_music(exported, phrase)
    document = tmp_path / "score.segue"
    save_document(Document(phrase, [False] * len(phrase.notes), {}), document)
    same_music(load_document(document).phrase, phrase)
