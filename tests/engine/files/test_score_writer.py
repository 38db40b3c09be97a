"""Sheet music out: a grand staff in MusicXML that reads back to the same notes, written for reading."""

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine.errors import MusicFileError
from engine.files.reading import READABLE_SCORE_SUFFIXES, read_music
from engine.files.score_writer import WRITTEN_SCORE_SUFFIXES, phrase_to_score, write_musicxml
from engine.files.seeds import list_seeds, load_seed
from engine.music.phrase import Note, Phrase, trim


def exact(phrase):
    return sorted((n.pitch, n.start, n.duration) for n in phrase.notes)


def placed(phrase):
    return sorted((n.pitch, n.start) for n in phrase.notes)


def by_place(notes):
    return sorted(notes, key=lambda n: (n.pitch, n.start))


def assert_reads_back(phrase, back):
    """The same notes at the same places; a note may be written longer, for reading, but never
    more than twice as long and never past the end of the beat it starts in."""
    assert placed(back) == placed(phrase)
    beat = phrase.steps_per_beat
    for n, w in zip(by_place(phrase.notes), by_place(back.notes)):
        assert n.duration <= w.duration <= 2 * n.duration, (n, w)
        if w.duration > n.duration:
            assert w.end <= (n.start // beat + 1) * beat, (n, w)


def voices_per_bar(staff):
    from music21 import stream
    return [len(bar.voices) for bar in staff.getElementsByClass(stream.Measure)]


def written(path):
    """The MusicXML file read back with music21: (score, its notes and chords in time order)."""
    from music21 import converter
    score = converter.parse(str(path))
    return score, list(score.recurse().notes)


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
    return Phrase(tuple(notes), steps_per_quarter=spq, time_signature=metre,
                  tempo_bpm=draw(st.sampled_from([60, 96, 132.5])))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(phrases())
@example(Phrase((Note(125, 39, 8), Note(125, 47, 10)), tempo_bpm=60))   # the same key again, over a bar line
@example(Phrase((Note(21, 3, 1),), steps_per_quarter=3, time_signature=(6, 8), tempo_bpm=60))  # 6/8 off the grid
def test_any_phrase_reads_back_note_for_note(tmp_path_factory, phrase):
    path = tmp_path_factory.mktemp("score") / "phrase.musicxml"
    write_musicxml(phrase, path)
    back = read_music(path, steps_per_quarter=phrase.steps_per_quarter)
    assert_reads_back(phrase, back)
    assert back.time_signature == phrase.time_signature and back.tempo_bpm == phrase.tempo_bpm


@pytest.mark.parametrize("suffix", WRITTEN_SCORE_SUFFIXES)
def test_every_kind_of_score_segue_writes_it_opens_again(tmp_path, suffix):
    assert suffix in READABLE_SCORE_SUFFIXES
    phrase = Phrase((Note(60, 0, 4, 90), Note(64, 4, 2, 90), Note(67, 6, 10, 90)))
    path = write_musicxml(phrase, tmp_path / f"phrase{suffix}")
    assert_reads_back(phrase, read_music(path, steps_per_quarter=4))


def test_the_bundled_seeds_as_sheet_music(tmp_path):
    for seed in list_seeds():
        phrase = load_seed(seed, steps_per_quarter=4)
        path = write_musicxml(phrase, tmp_path / "seed.musicxml", title=seed.title)
        assert_reads_back(phrase, read_music(path, steps_per_quarter=4))
        assert seed.title.split()[0] in path.read_text()


def test_two_staves_with_clefs_and_voices_where_notes_overlap():
    from music21 import clef
    phrase = Phrase((Note(72, 0, 16), Note(76, 4, 4), Note(79, 4, 4), Note(40, 0, 8), Note(43, 8, 8)))
    score = phrase_to_score(phrase, "Test")
    right, left = score.parts
    assert right.partName == "Right hand" and left.partName == "Left hand"
    assert isinstance(right.recurse().getElementsByClass(clef.Clef)[0], clef.TrebleClef)
    assert isinstance(left.recurse().getElementsByClass(clef.Clef)[0], clef.BassClef)
    assert voices_per_bar(right) == [2]                               # the held C under the chord
    assert voices_per_bar(left) == [1]
    assert len(right.recurse().getElementsByClass("Chord")) == 1


def test_nothing_to_write_and_an_unwritable_place(tmp_path):
    with pytest.raises(MusicFileError, match="no notes"):
        write_musicxml(Phrase(), tmp_path / "empty.musicxml")
    with pytest.raises(MusicFileError, match="below C0"):
        write_musicxml(Phrase((Note(60, 0, 4), Note(5, 0, 4))), tmp_path / "low.musicxml")
    (tmp_path / "a file").write_text("not a folder")
    with pytest.raises(MusicFileError, match="cannot write"):
        write_musicxml(Phrase((Note(60, 0, 4),)), tmp_path / "a file" / "x.musicxml")


def key_signatures(path):
    from music21 import key
    score, _ = written(path)
    return [k.sharps for k in score.parts[0].recurse().getElementsByClass(key.KeySignature)]


def test_a_c_major_mozart_phrase_has_no_key_signature(tmp_path):
    mozart = next(seed for seed in list_seeds() if seed.composer == "Mozart")
    bars_2_and_3 = trim(load_seed(mozart), 16, 48)       # A G C G F... over an F-major Alberti bass
    path = write_musicxml(bars_2_and_3, tmp_path / "mozart.musicxml")
    assert key_signatures(path) == [0]
    assert {p.name for chord in written(path)[1] for p in chord.pitches} <= set("CDEFGAB")


A_MINOR = Phrase(tuple(Note(p, s, d) for p, s, d in [
    (69, 0, 4), (72, 4, 4), (74, 8, 4), (77, 12, 4), (76, 16, 2), (75, 18, 2), (76, 20, 4), (74, 24, 4),
    (77, 28, 4), (76, 32, 8), (75, 40, 4), (76, 44, 4), (69, 48, 16),
    (45, 0, 8), (50, 8, 8), (53, 16, 8), (50, 24, 8), (52, 32, 8), (56, 40, 8), (45, 48, 16)]))


def test_an_a_minor_phrase_spells_its_sharps_as_sharps(tmp_path):
    path = write_musicxml(A_MINOR, tmp_path / "a-minor.musicxml")
    assert key_signatures(path) == [0]
    names = {p.midi % 12: p.name for chord in written(path)[1] for p in chord.pitches}
    assert names[3] == "D#" and names[8] == "G#"                # the raised 4th and the leading note
    assert names[5] == "F" and names[2] == "D"


def test_sharps_and_flats_follow_the_key():
    from music21 import key

    from engine.files.score_layout import spelled_pitch
    a_minor, e_flat, d_major = key.Key("a"), key.Key("E-"), key.Key("D")
    assert [spelled_pitch(m, a_minor).name for m in (66, 68, 75, 70)] == ["F#", "G#", "D#", "B-"]
    assert [spelled_pitch(m, e_flat).name for m in (66, 61, 69, 71)] == ["G-", "D-", "A", "B"]
    assert [spelled_pitch(m, d_major).name for m in (63, 65, 72, 68)] == ["D#", "F", "C", "G#"]
    # A flat major borrowing from the minor (C flat and no C): F flat, as Joplin wrote it
    assert spelled_pitch(64, key.Key("A-")).name == "E" and spelled_pitch(64, key.Key("A-"), borrowed=True).name == "F-"


def test_a_pickup_is_a_short_first_bar(tmp_path):
    from music21 import stream
    # two eighths before the first full bar of 3/4, then the tune and a bass
    phrase = Phrase((Note(67, 8, 2), Note(69, 10, 2), Note(71, 12, 4), Note(72, 16, 4), Note(74, 20, 4),
                     Note(71, 24, 12), Note(43, 12, 12), Note(48, 24, 12)), time_signature=(3, 4))
    path = write_musicxml(phrase, tmp_path / "pickup.musicxml")
    score, _ = written(path)
    for part in score.parts:
        first, second = part.getElementsByClass(stream.Measure)[:2]
        assert first.number == 0 and first.duration.quarterLength == 1.0 and first.paddingLeft == 2.0
        assert second.number == 1 and second.duration.quarterLength == 3.0
    assert exact(read_music(path, steps_per_quarter=4)) == exact(phrase)            # the bar lines stay where they were


def test_a_bar_that_starts_with_a_short_rest_is_a_whole_bar(tmp_path):
    from music21 import stream
    phrase = Phrase((Note(72, 2, 2), Note(74, 4, 12)), time_signature=(4, 4))
    score, _ = written(write_musicxml(phrase, tmp_path / "rest.musicxml"))
    assert score.parts[0].getElementsByClass(stream.Measure)[0].duration.quarterLength == 4.0


def test_the_title_is_the_name_given_or_the_file_name_and_no_composer(tmp_path):
    phrase = Phrase((Note(60, 0, 4),))
    for path, title, expected in ((tmp_path / "Evening song.musicxml", None, "Evening song"),
                                  (tmp_path / "x.musicxml", "Für Elise", "Für Elise")):
        score, _ = written(write_musicxml(phrase, path, title=title))
        assert score.metadata.bestTitle == expected
        assert not score.metadata.composer
        assert "Segue" not in path.read_text()


def test_staccato_sixteenths_are_written_as_eighths(tmp_path):
    # a 16th and a 16th rest on each eighth's place, over a held bass
    tune = [Note(p, 2 * k, 1) for k, p in enumerate((72, 74, 76, 77, 79, 77, 76, 74))] + [Note(72, 16, 4)]
    phrase = Phrase(tuple(tune) + (Note(48, 0, 16),))
    path = write_musicxml(phrase, tmp_path / "staccato.musicxml")
    _, notes = written(path)
    right = [n for n in notes if n.pitch.midi >= 60]
    assert [n.quarterLength for n in right] == [0.5] * 8 + [1.0]
    assert all(any(a.name == "staccato" for a in n.articulations) for n in right[:8])
    assert not right[8].articulations
    assert placed(read_music(path, steps_per_quarter=4)) == placed(phrase)


def test_voices_that_match_once_written_are_one_chord(tmp_path):
    # a chord whose top note is let go early (a 16th and a 16th rest, the others an 8th), then another
    phrase = Phrase((Note(72, 0, 2), Note(76, 0, 2), Note(79, 0, 1),
                     Note(74, 2, 2), Note(77, 2, 2), Note(81, 2, 2)))
    score = phrase_to_score(phrase, "Chords")
    right = score.parts[0]
    assert voices_per_bar(right) == [1]
    assert [len(c.pitches) for c in right.recurse().getElementsByClass("Chord")] == [3, 3]


def test_an_alberti_bass_under_a_melody_goes_to_the_bass_staff():
    from music21 import clef
    alberti = [Note(p, 2 * k, 2) for bar in range(2) for k, p in enumerate((60, 67, 64, 67) * 2, start=8 * bar)]
    melody = [Note(72, 0, 8), Note(76, 8, 4), Note(79, 12, 4), Note(71, 16, 6), Note(72, 22, 1), Note(74, 23, 1),
              Note(72, 24, 4)]
    score = phrase_to_score(Phrase(tuple(alberti + melody)), "K. 545")
    right, left = score.parts
    assert sorted(n.pitch.midi for n in right.recurse().notes) == sorted(n.pitch for n in melody)
    assert sorted(n.pitch.midi for n in left.recurse().notes) == sorted(n.pitch for n in alberti)
    assert voices_per_bar(right) == voices_per_bar(left) == [1, 1]
    assert isinstance(left.recurse().getElementsByClass(clef.Clef)[0], clef.TrebleClef)   # around middle C


def test_the_file_s_key_signatures_are_written(tmp_path):
    scale = tuple(Note(p, 4 * k, 4) for k, p in enumerate((60, 62, 64, 65, 67, 69, 71, 72)))
    phrase = Phrase(scale + tuple(Note(p, 32 + 4 * k, 4) for k, p in enumerate((63, 65, 67, 68, 70))),
                    key_signatures=((0, "Eb"), (32, "G")))
    path = write_musicxml(phrase, tmp_path / "signed.musicxml")
    assert key_signatures(path) == [-3, 1]
    names = [p.name for chord in written(path)[1] for p in chord.pitches]
    assert names[8:] == ["D#", "F", "G", "G#", "B-"]               # spelled in G major after the change
    assert names[:8] == ["C", "D", "E", "F", "G", "A", "B", "C"]
    assert read_music(path, steps_per_quarter=4).key_signatures == ((0, "Eb"), (32, "G"))


def test_a_file_that_says_c_major_over_music_in_a_minor_is_spelled_in_a_minor(tmp_path):
    path = write_musicxml(replace(A_MINOR, key_signatures=((0, "C"),)), tmp_path / "said-c.musicxml")
    assert key_signatures(path) == [0]
    names = {p.midi % 12: p.name for chord in written(path)[1] for p in chord.pitches}
    assert names[3] == "D#"                                    # C major would write E flat


def test_each_staff_numbers_its_voices_the_same_in_every_bar(tmp_path):
    from xml.etree import ElementTree
    # bar 1: a held C under a chord (two voices on the treble staff); bar 2: one voice; a bass throughout
    phrase = Phrase((Note(72, 0, 16), Note(76, 4, 4), Note(79, 4, 4), Note(74, 16, 16), Note(40, 0, 16),
                     Note(43, 16, 16)))
    root = ElementTree.parse(write_musicxml(phrase, tmp_path / "voices.musicxml")).getroot()
    for measure, treble in zip(root.iter("measure"), ({"1", "2"}, {"1"})):
        voices = {staff: {n.findtext("voice") for n in measure.iter("note") if n.findtext("staff") == staff}
                  for staff in ("1", "2")}
        assert voices == {"1": treble, "2": {"5"}}                 # as MuseScore numbers them


def test_two_notes_of_one_pitch_tied_over_a_bar_line_in_two_voices_keep_their_own_lengths(tmp_path):
    # a scale, then (an untrained model's take) many voices at once: two C8s held over the bar line
    # in voices that another voice leaves empty in a bar must each end where it ends
    scale = [Note(60 + p, i * 480, 480) for i, p in enumerate([0, 2, 4, 5, 7, 5, 4, 2])]
    take = [(119, 480, 3360), (121, 480, 960), (24, 1200, 2640), (108, 1200, 2520), (110, 1200, 1680),
            (32, 1680, 2160), (60, 1680, 2160), (82, 1680, 2160), (108, 1680, 2160), (127, 1680, 1800),
            (104, 2040, 1800), (57, 2280, 1320), (117, 2280, 1560), (112, 3120, 720)]
    phrase = Phrase(tuple(scale + [Note(p, 3840 + s, d) for p, s, d in take]), steps_per_quarter=480)
    back = read_music(write_musicxml(phrase, tmp_path / "unison.musicxml"))
    assert sorted((n.pitch, n.start, n.duration) for n in back.notes if n.pitch == 108) == [(108, 5040, 2520),
                                                                                           (108, 5520, 2160)]


def test_a_melody_alone_stays_on_one_staff_for_a_low_note():
    # a fiddle tune in A that dips to A below middle C for one note
    tune = [Note(p, 2 * k, 2) for k, p in enumerate((69, 73, 76, 81, 57, 73, 76, 81))]
    right, left = phrase_to_score(Phrase(tuple(tune), time_signature=(2, 4)), "Reel").parts
    assert len(right.recurse().notes) == 8 and not left.recurse().notes


def test_sheet_music_of_the_fine_grid_writes_notation_s_values_exactly(tmp_path):
    """Triplets and 32nds on the fine grid are written as they are; music in free time is read on
    sixteenths (the phrase itself is never changed)."""
    from engine.files.score_writer import for_reading
    from engine.music.phrase import regrid
    notation = Phrase((Note(72, 0, 160), Note(74, 160, 160), Note(76, 320, 160), Note(77, 480, 60),
                       Note(76, 540, 60), Note(74, 600, 120), Note(48, 0, 960)), steps_per_quarter=480)
    assert for_reading(notation).steps_per_quarter == 24
    path = write_musicxml(notation, tmp_path / "triplets.musicxml")
    assert sorted((n.pitch, n.start) for n in read_music(path).notes) == sorted((n.pitch, n.start)
                                                                               for n in notation.notes)
    played = Phrase((Note(60, 3, 117), Note(62, 118, 125), Note(64, 244, 230), Note(48, 0, 470)), steps_per_quarter=480)
    assert for_reading(played) == regrid(played, 4)
    assert for_reading(regrid(notation, 4)) == regrid(notation, 4)


def test_chords_set_are_written_as_harmony_and_read_back_for_every_quality(tmp_path):
    from engine.music.chords import QUALITIES, Chord
    names = [Chord(root * 7 % 12, quality).name() for root, quality in enumerate(QUALITIES)]
    names += ["F/C", "G7/F", "Ebm7", "Bbmaj7/D"]
    bar = 4 * 480
    phrase = Phrase(tuple(Note(60 + i % 7, i * 480, 480) for i in range(4 * len(names))), steps_per_quarter=480,
                    chords=tuple((k * bar, (k + 1) * bar, name) for k, name in enumerate(names)))
    back = read_music(write_musicxml(phrase, tmp_path / "chart.musicxml"))
    assert [(a, b) for a, b, _ in back.chords] == [(a, b) for a, b, _ in phrase.chords]
    assert [Chord.parse(name) for _, _, name in back.chords] == [Chord.parse(name) for name in names]
    assert sorted((n.pitch, n.start) for n in back.notes) == sorted((n.pitch, n.start) for n in phrase.notes)


def test_bars_without_a_chord_set_get_no_printed_symbol_but_the_chords_end_is_read_back(tmp_path):
    """Chords set over bars 1-2 of four: bars 3-4 show nothing (MuseScore printed "N.C." there, as if
    they were to be played without chords), yet reading the file back ends the chords after bar 2;
    a "No chord" the user set is printed."""
    from xml.etree import ElementTree
    bar = 4 * 480
    phrase = Phrase(tuple(Note(60 + i % 5, i * 480, 480) for i in range(16)), steps_per_quarter=480,
                    chords=((0, bar, "C"), (bar, 2 * bar, "G7")))
    path = write_musicxml(phrase, tmp_path / "half.musicxml")
    harmonies = list(ElementTree.parse(path).getroot().iter("harmony"))
    assert [(h.findtext("kind"), h.get("print-object", "yes")) for h in harmonies] == [
        ("major", "yes"), ("dominant", "yes"), ("none", "no")]
    assert read_music(path).chords == phrase.chords
    told = Phrase(phrase.notes, steps_per_quarter=480,
                  chords=((0, bar, "C"), (bar, 2 * bar, "N"), (2 * bar, 3 * bar, "F")))
    harmonies = list(ElementTree.parse(write_musicxml(told, tmp_path / "told.musicxml")).getroot().iter("harmony"))
    assert [(h.findtext("kind"), h.get("print-object", "yes")) for h in harmonies] == [
        ("major", "yes"), ("none", "yes"), ("major", "yes"), ("none", "no")]


def test_a_lead_sheet_s_chord_symbols_are_chords_not_notes(tmp_path):
    from music21 import harmony, note, stream
    part = stream.Part()
    part.insert(0, harmony.ChordSymbol(root="D", kind="minor-seventh"))
    part.insert(0, note.Note("F5", quarterLength=4))
    part.insert(4, harmony.ChordSymbol(root="G", kind="dominant-ninth"))
    part.insert(4, note.Note("E5", quarterLength=4))
    path = part.write("musicxml", fp=str(tmp_path / "lead.musicxml"))
    phrase = read_music(path)
    assert sorted(n.pitch for n in phrase.notes) == [76, 77]
    assert phrase.chords == ((0, 1920, "Dm7"), (1920, 3840, "G7"))


@pytest.mark.parametrize("metre", [(255, 1), (17, 1), (100, 4)])
def test_a_bar_longer_than_notation_can_write_is_refused_saying_so(tmp_path, metre):
    """A 255/1 bar lasts 1,020 quarter notes: music21 could not write it ("inexpressible durations")."""
    with pytest.raises(MusicFileError, match="longer than sheet music can write"):
        write_musicxml(Phrase((Note(60, 0, 4),), time_signature=metre), tmp_path / "long.musicxml")
    assert not (tmp_path / "long.musicxml").exists()
    write_musicxml(Phrase((Note(60, 0, 4),), time_signature=(16, 1)), tmp_path / "longest.musicxml")


# -- bounded: what a score costs grows with its notes ----------------------------------------------

def test_two_notes_hours_apart_are_refused_before_the_score_is_built(tmp_path, monkeypatch):
    """Two notes 3 h 53 min apart froze the window for over two minutes and took 1.8 GB."""
    import engine.files.score_writer as score_writer
    monkeypatch.setattr(score_writer, "phrase_to_score", lambda *a, **k: pytest.fail("the score was built"))
    far = Phrase((Note(60, 0, 480), Note(64, 480 * 4 * 6989, 480)), steps_per_quarter=480)
    with pytest.raises(MusicFileError, match=r"far.musicxml: 6,988 of its 6,990 bars of 4/4 have no note starting "
                                             r"in them \(the longest stretch: bars 2 to 6,989, 3 h 53 min\); "
                                             r"sheet music writes at most 500"):
        write_musicxml(far, tmp_path / "far.musicxml")
    assert not (tmp_path / "far.musicxml").exists()


def test_a_note_millions_of_tiny_bars_away_is_refused(tmp_path, monkeypatch):
    """A 2.6 KB document in 1/64 with a note at step 2**20 reached 6.9 GB and a MemoryError."""
    import engine.files.score_writer as score_writer
    monkeypatch.setattr(score_writer, "phrase_to_score", lambda *a, **k: pytest.fail("the score was built"))
    tiny = Phrase((Note(60, 0, 4), Note(64, 2**20, 4)), steps_per_quarter=4, time_signature=(1, 64))
    with pytest.raises(MusicFileError, match=r"4,194,318 of its 4,194,320 bars of 1/64 have no note"):
        write_musicxml(tiny, tmp_path / "tiny.musicxml")


def test_notes_held_over_more_bar_lines_than_a_score_writes_are_refused(tmp_path, monkeypatch):
    import engine.files.score_writer as score_writer
    monkeypatch.setattr(score_writer, "MAX_WRITTEN", 1_000)
    # 40 notes each held for 40 bars, one struck in every bar: no bar is quiet, but 1,600 tied notes
    held = Phrase(tuple(Note(40 + k, 16 * k, 16 * 40) for k in range(40)))
    with pytest.raises(MusicFileError, match=r"held.musicxml: written out, its notes held over bar lines of 4/4 "
                                             r"would be 1,600 tied notes, more than the 1,000"):
        write_musicxml(held, tmp_path / "held.musicxml")


def test_a_silence_within_the_limit_is_written_bar_by_bar_and_reads_back(tmp_path):
    from music21 import stream

    from engine.files.score_writer import MAX_QUIET_BARS
    gap = Phrase((Note(60, 0, 6), Note(64, 16 * MAX_QUIET_BARS + 2, 20), Note(43, 8, 10)))
    path = write_musicxml(gap, tmp_path / "gap.musicxml")
    score, _ = written(path)
    assert [len(part.getElementsByClass(stream.Measure)) for part in score.parts] == [MAX_QUIET_BARS + 2] * 2
    assert_reads_back(gap, read_music(path, steps_per_quarter=4))


def test_notes_in_the_key_signature_carry_no_accidental_of_their_own(tmp_path):
    """In E major the F, C, G and D sharps are the key's: the old writer printed a sharp on each note
    tied over a bar line (4,000 of them in Beethoven's op. 27 no. 2, third movement)."""
    from xml.etree import ElementTree
    e_major = Phrase(tuple(Note(p, 2 * k, 2) for k, p in enumerate((64, 66, 68, 69, 71, 73, 75, 76, 75, 73)))
                     + (Note(66, 20, 16), Note(68, 36, 4), Note(40, 0, 16), Note(47, 16, 24)),
                     key_signatures=((0, "E"),))
    root = ElementTree.parse(write_musicxml(e_major, tmp_path / "e.musicxml")).getroot()
    assert [e.text for e in root.iter("fifths")] == ["4"]
    assert [e.text for e in root.iter("accidental")] == []
    # a D natural after a D sharp in the same bar is written as one
    bar = Phrase((Note(75, 0, 4), Note(74, 4, 4), Note(76, 8, 8)), key_signatures=((0, "E"),))
    root = ElementTree.parse(write_musicxml(bar, tmp_path / "natural.musicxml")).getroot()
    assert [e.text for e in root.iter("accidental")] == ["natural"]


@pytest.mark.parametrize("metre", [(1, 64), (7, 16), (6, 4)])
def test_bars_that_do_not_fit_the_grid_and_long_rests_read_back(tmp_path, metre):
    phrase = Phrase((Note(60, 0, 4), Note(64, 6, 3), Note(67, 9, 8), Note(48, 0, 16), Note(50, 40, 4)),
                    time_signature=metre)
    path = write_musicxml(phrase, tmp_path / "odd.musicxml")
    back = read_music(path, steps_per_quarter=4)
    assert exact(back) == exact(phrase) and back.time_signature == metre


def test_a_cancel_asked_while_music21_writes_the_score_leaves_no_file(tmp_path, monkeypatch):
    """music21's writing is the last third of the work and is not checked as it goes: a Cancel
    pressed then still left the file (the window's test of a long score, on an idle machine)."""
    from music21.musicxml.m21ToXml import ScoreExporter

    from engine.errors import Cancelled
    asked = {"cancel": False}
    real = ScoreExporter.asBytes

    def as_bytes(self, *args, **kwargs):
        asked["cancel"] = True                        # the user presses Cancel now
        return real(self, *args, **kwargs)
    monkeypatch.setattr(ScoreExporter, "asBytes", as_bytes)
    phrase = Phrase(tuple(Note(60 + i % 5, 4 * i, 4) for i in range(16)))
    with pytest.raises(Cancelled):
        write_musicxml(phrase, tmp_path / "late.musicxml", cancel=lambda: asked["cancel"])
    assert not list(tmp_path.iterdir())
