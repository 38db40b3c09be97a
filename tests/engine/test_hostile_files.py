"""Files built to hurt: each is refused with one ``MusicFileError`` naming the file and the limit it
passed, or read sensibly; nothing outside the file is read, run or written.

``benchmarks/hostile_files.py`` runs the larger cases, each in a process of its own with time and
memory limits.
"""

import io
import pickle
import re
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from engine.errors import MusicFileError
from engine.files.reading import read_music
from engine.files.score_parsing import MAX_ABC_BARS, MAX_MXL_MEMBERS, MAX_PART_BARS, MAX_XML_BYTES

ROOT = Path(__file__).resolve().parents[2]


def musicxml(measures: int = 1, notes: str = "", doctype: str = "") -> str:
    note = notes or ("<note><pitch><step>C</step><octave>4</octave></pitch><duration>1</duration>"
                     "<type>quarter</type></note>")
    bars = "".join(f'<measure number="{i + 1}">'
                   + ("<attributes><divisions>1</divisions><time><beats>4</beats><beat-type>4</beat-type>"
                      "</time></attributes>" if i == 0 else "") + note + "</measure>" for i in range(measures))
    return (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<score-partwise version="3.1"><part-list>'
            f'<score-part id="P1"><part-name>P</part-name></score-part></part-list>'
            f'<part id="P1">{bars}</part></score-partwise>')


def mxl(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


CONTAINER = (b'<?xml version="1.0"?><container><rootfiles><rootfile full-path="score.xml"/>'
             b'</rootfiles></container>')


# -- music21's pickle cache ------------------------------------------------------------------------

class _Planted:
    """Unpickling this touches a marker file: proof that a pickle was loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.mark.parametrize("name, text", [
    ("tune.abc", "X:1\nT:Scale\nM:3/4\nL:1/4\nK:C\nC D E | F G A |\n"),
    ("score.musicxml", musicxml(2)),
    ("score.mxl", None),
], ids=["abc", "musicxml", "mxl"])
def test_music21_never_loads_or_writes_a_cached_pickle(tmp_path, monkeypatch, name, text):
    from music21 import converter, environment

    scratch = tmp_path / "music21-scratch"            # where music21 keeps its parse cache
    scratch.mkdir()
    monkeypatch.setattr(environment.Environment, "getRootTempDir", lambda self: scratch)
    path = tmp_path / name
    if text is None:
        path.write_bytes(mxl({"META-INF/container.xml": CONTAINER, "score.xml": musicxml(2).encode()}))
    else:
        path.write_text(text)
    marker = tmp_path / "the-pickle-ran"
    planted = converter.PickleFilter(path).getPickleFp(scratch, zipType="gz")
    planted.write_bytes(zlib.compress(pickle.dumps(_Planted(marker))))   # newer than the file

    phrase = read_music(path)

    assert phrase.notes and not marker.exists()
    assert sorted(p.name for p in scratch.iterdir()) == [planted.name]    # nothing written there


def test_no_segue_code_parses_through_music21s_cache():
    """Only ``engine/files/score_parsing.py`` hands music21 anything to parse, and never a path."""
    callers = []
    for source in [*ROOT.joinpath("engine").glob("*.py"), *ROOT.joinpath("gui").glob("*.py"), ROOT / "main.py"]:
        text = source.read_text(encoding="utf-8")
        if re.search(r"converter\.parse\w*\(|\.parseFile\(|\.parseURL\(|corpus\.parse\(", text):
            callers.append(source.name)
    assert callers == []


# -- XML -------------------------------------------------------------------------------------------

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE score-partwise [
 <!ENTITY a "aaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
]>
<score-partwise><part-list><score-part id="P1"><part-name>&h;</part-name></score-part></part-list>
<part id="P1"/></score-partwise>"""


def test_billion_laughs_is_refused_before_any_expansion(tmp_path):
    path = tmp_path / "laughs.musicxml"
    path.write_text(LAUGHS)
    started = time.perf_counter()
    with pytest.raises(MusicFileError, match=r"laughs.musicxml: .*declares XML entities"):
        read_music(path)
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("declaration", [
    '<!ENTITY secret SYSTEM "file:///etc/passwd">',
    '<!ENTITY secret SYSTEM "http://127.0.0.1:9/secret">',
    '<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;',
])
def test_external_entities_are_refused(tmp_path, declaration):
    path = tmp_path / "external.musicxml"
    text = musicxml(1, doctype=f"<!DOCTYPE score-partwise [ {declaration} ]>")
    path.write_text(text.replace("<part-name>P</part-name>", "<part-name>&secret;</part-name>")
                    if "secret" in declaration else text)
    with pytest.raises(MusicFileError, match=r"external.musicxml: .*(entit)"):
        read_music(path)


def test_the_usual_musicxml_doctype_is_read_and_never_fetched(tmp_path):
    doctype = ('<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 3.1 Partwise//EN" '
               '"http://127.0.0.1:9/partwise.dtd">')
    path = tmp_path / "usual.musicxml"
    path.write_text(musicxml(2, doctype=doctype))
    assert len(read_music(path).notes) == 2


def test_deeply_nested_xml_is_refused(tmp_path):
    path = tmp_path / "deep.musicxml"
    path.write_text(musicxml(1).replace("<part-name>P</part-name>",
                                        "<part-name>" + "<x>" * 100_000 + "</x>" * 100_000 + "</part-name>"))
    with pytest.raises(MusicFileError, match=r"deep.musicxml: the XML nests elements more than 64 deep"):
        read_music(path)


def test_a_part_with_too_many_bars_is_refused_quickly(tmp_path):
    path = tmp_path / "long.musicxml"
    path.write_text(musicxml(MAX_PART_BARS + 1))
    started = time.perf_counter()
    with pytest.raises(MusicFileError, match=r"long.musicxml: a part of the score has more than 1,500 bars"):
        read_music(path)
    assert time.perf_counter() - started < 5


def test_a_nan_alter_is_a_music_file_error(tmp_path):
    path = tmp_path / "nan.musicxml"
    path.write_text(musicxml(1, notes="<note><pitch><step>C</step><alter>NaN</alter><octave>4</octave></pitch>"
                                      "<duration>1</duration><type>quarter</type></note>"))
    with pytest.raises(MusicFileError, match="nan.musicxml"):
        read_music(path)


# -- .mxl ------------------------------------------------------------------------------------------

def test_mxl_reads_the_score_its_container_names(tmp_path):
    path = tmp_path / "fine.mxl"
    path.write_bytes(mxl({"META-INF/container.xml": CONTAINER, "other.xml": b"<nothing/>",
                          "score.xml": musicxml(3).encode()}))
    assert len(read_music(path).notes) == 3


def test_mxl_bomb_is_refused_by_its_unpacked_size(tmp_path):
    path = tmp_path / "bomb.mxl"
    huge = musicxml(1).replace("<part-name>P</part-name>", "<part-name>" + " " * (MAX_XML_BYTES + 10) + "</part-name>")
    path.write_bytes(mxl({"META-INF/container.xml": CONTAINER, "score.xml": huge.encode()}))
    assert path.stat().st_size < 100_000
    with pytest.raises(MusicFileError, match=r"bomb.mxl: the score inside the archive unpacks to more than 32 MB"):
        read_music(path)


def test_mxl_with_many_members_is_refused(tmp_path):
    path = tmp_path / "many.mxl"
    members = {f"page{i}.png": b"" for i in range(MAX_MXL_MEMBERS + 1)}
    path.write_bytes(mxl({"score.xml": musicxml(1).encode(), **members}))
    with pytest.raises(MusicFileError, match=r"many.mxl: the archive holds 102 files, more than the 100"):
        read_music(path)


@pytest.mark.parametrize("member", ["../../escaped.xml", "/etc/escaped.xml", "..\\escaped.xml"])
def test_mxl_zip_slip_is_refused_and_nothing_is_written(tmp_path, member):
    folder = tmp_path / "inside"
    folder.mkdir()
    path = folder / "slip.mxl"
    path.write_bytes(mxl({"score.xml": musicxml(1).encode(), member: musicxml(1).encode()}))
    with pytest.raises(MusicFileError, match=r"slip.mxl: the archive holds a file outside its own folder"):
        read_music(path)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["inside", "slip.mxl"]


def test_a_damaged_mxl_is_a_music_file_error(tmp_path):
    path = tmp_path / "broken.mxl"
    path.write_bytes(mxl({"score.xml": musicxml(1).encode()})[:60])
    with pytest.raises(MusicFileError, match=r"broken.mxl: this .mxl archive is damaged"):
        read_music(path)


# -- ABC and Humdrum -------------------------------------------------------------------------------

def test_abc_with_many_tunes_reads_only_the_first_quickly(tmp_path):
    path = tmp_path / "book.abc"
    tunes = [f"X:{i}\nT:Tune {i}\nM:4/4\nL:1/8\nK:G\n" + "GABc dedB|" * 16 + "\n\n" for i in range(1, 3000)]
    path.write_text("".join(tunes))
    assert path.stat().st_size > 500_000
    started = time.perf_counter()
    phrase = read_music(path)
    assert len(phrase.notes) == 16 * 8
    assert time.perf_counter() - started < 10


def test_abc_tune_with_too_many_bars_is_refused_at_once(tmp_path):
    path = tmp_path / "endless.abc"
    path.write_text("X:1\nT:Endless\nM:4/4\nL:1/4\nK:C\n" + "C D E F |\n" * (MAX_ABC_BARS + 1))
    started = time.perf_counter()
    with pytest.raises(MusicFileError, match=r"endless.abc: the first tune has more than 1,000 bars"):
        read_music(path)
    assert time.perf_counter() - started < 2


def test_a_long_abc_tune_within_the_limit_reads_in_reasonable_time(tmp_path):
    path = tmp_path / "long.abc"
    path.write_text("X:1\nT:Long\nM:4/4\nL:1/4\nK:C\n" + "C D E F |\n" * 400)
    started = time.perf_counter()
    assert len(read_music(path).notes) == 1600
    assert time.perf_counter() - started < 20       # music21's beaming alone took 6 s of this


def test_huge_abc_file_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "huge.abc"
    path.write_text("X:1\nK:C\n" + "C" * (5 * 2**20))
    with pytest.raises(MusicFileError, match=r"huge.abc: the file is larger than 4 MB"):
        read_music(path)


def test_huge_score_file_is_refused_by_its_size(tmp_path):
    path = tmp_path / "huge.musicxml"
    with open(path, "wb") as f:
        f.truncate(33 * 2**20)
    with pytest.raises(MusicFileError, match=r"huge.musicxml: the file is larger than 32 MB"):
        read_music(path)


# -- .segue documents ------------------------------------------------------------------------------

def document(**fields) -> str:
    data = {"format": "segue-document", "version": 1, "grid": {"steps_per_quarter": 4}, "tempo_bpm": 120,
            "time_signature": [4, 4], "end": 16, "notes": [[60, 0, 4, 80, 0]], "settings": {}}
    data.update(fields)
    import json
    return json.dumps(data)


HOSTILE_DOCUMENTS = [
    (document(time_signature=[3.5, 4]), "the time signature must be two whole numbers, not [3.5, 4]"),
    (document(time_signature=[4]), "the time signature must be two whole numbers"),
    (document(time_signature=[1000, 4]), "the time signature's numerator 1000 is outside 1-255"),
    (document(time_signature=[4, 3]), "denominator 3 is not a power of two"),
    (document(time_signature=[4, 2**40]), "denominator 1099511627776 is outside 1-64"),
    (document(tempo_bpm="fast"), 'the tempo must be a number from 3.57628 to 1000, not "fast"'),
    (document(tempo_bpm=-5), "the tempo must be a number"),
    (document().replace('"tempo_bpm": 120', '"tempo_bpm": NaN'), "the tempo must be a number"),
    (document().replace('"tempo_bpm": 120', '"tempo_bpm": 1e999'), "the tempo must be a number"),
    (document(grid={"steps_per_quarter": 10**9}), "the grid (steps per quarter) 1000000000 is outside 1-960"),
    (document(grid={"steps_per_quarter": 0}), "the grid (steps per quarter) 0 is outside 1-960"),
    (document(grid=4), "the grid must be an object"),
    (document(end=10**30), "the end 1000000000000000000000000000000 is outside"),
    (document(notes=[[60, -1, 4, 80]]), "note 1's start -1 is outside 0-230,399"),     # 4 hours at 240 bpm
    (document(notes=[[60, 10**30, 4, 80]]), "note 1's start 1000000000000000000000000000000 is outside"),
    (document(notes=[[60, 0, 10**30, 80]]), "note 1's duration 1000000000000000000000000000000 is outside"),
    (document(notes=[[60, 4 * 57_600 - 2, 8, 80]]), "note 1's duration 8 is outside 1-2"),
    (document(notes=[[60, 0, 4, 80], [61.5, 0, 4, 80]]), "note 2's pitch must be a whole number, not 61.5"),
    (document(notes=[[True, 0, 4, 80]]), "note 1's pitch must be a whole number, not True"),
    (document(notes=[[60, 0, 4, 80, 7]]), "note 1's generated flag must be 0 or 1, not 7"),
    (document(notes=[[60, 0, "4", 80]]), "note 1's duration must be a whole number, not \"4\""),
    (document(notes=[[60, 0, 4]]), "note 1 must be a list of 4 to 6 numbers"),
    (document(notes={"60": 1}), "the notes must be a list"),
    (document(notes=[[60, i, 1, 80] for i in range(100_001)]),
     "the notes number 100,001, more than the 100,000 Segue reads"),
    (document(tempo_changes=[[0, 90]]), "tempo change 1's step 0 is outside"),
    (document(key_signatures=[[0, "H#"]]), "key signature 1 must be [step, key]"),
    (document().replace('"end": 16', '"end": ' + "9" * 5000), "the document is damaged"),
    (document().replace('"settings": {}', '"settings": ' + "[" * 100_000 + "]" * 100_000),
     "nests lists or objects too deeply"),
    (document(version=10**30), "document version 1000000000000000000000000000000 is not supported"),
]


@pytest.mark.parametrize("text, words", HOSTILE_DOCUMENTS, ids=[words[:50] for _, words in HOSTILE_DOCUMENTS])
def test_hostile_documents_are_refused_with_the_file_and_field(tmp_path, text, words):
    from engine.files.document import load_document

    path = tmp_path / "bad.segue"
    path.write_text(text)
    with pytest.raises(MusicFileError) as caught:
        load_document(path)
    assert str(caught.value).startswith("bad.segue: ")
    assert words in str(caught.value)


def test_a_huge_document_is_refused_without_reading_it(tmp_path):
    from engine.files.document import load_document

    path = tmp_path / "huge.segue"
    with open(path, "wb") as f:
        f.truncate(33 * 2**20)
    with pytest.raises(MusicFileError, match=r"huge.segue: the document is larger than 32 MB"):
        load_document(path)


def test_settings_out_of_range_are_left_out_and_the_document_opens(tmp_path):
    from engine.files.document import load_document

    path = tmp_path / "odd-settings.segue"
    path.write_text(document(settings={"bars": 10**30, "seed": -2**40, "temperature": 1e999, "model": ["x"],
                                       "density": {"deep": {"deeper": 1}}, "variations": 3, "key": "D minor"}))
    assert load_document(path).settings == {"variations": 3, "key": "D minor"}


# -- the command line ------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", ["99999999999999999999", "9" * 5000, "-1", "abc"],
                         ids=["20 digits", "5000 digits", "negative", "text"])
def test_an_impossible_seed_is_one_line_and_exit_2(capsys, tmp_path, seed):
    import main
    with pytest.raises(SystemExit) as caught:
        main.main(["continue", "-o", str(tmp_path / "out.mid"), "--seed", seed])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the seed must be a whole number from 0 to 9223372036854775807" in err
    assert not (tmp_path / "out.mid").exists()


# -- MIDI ------------------------------------------------------------------------------------------

def midi_track(events: bytes) -> bytes:
    import struct
    return b"MTrk" + struct.pack(">I", len(events)) + events


def midi_file(tracks: list[bytes], declared: int | None = None, division: int = 480) -> bytes:
    import struct
    return (b"MThd" + struct.pack(">IHHH", 6, 1, len(tracks) if declared is None else declared, division)
            + b"".join(tracks))


ONE_NOTE = b"\x00\x90\x3c\x40\x83\x60\x80\x3c\x00\x00\xff\x2f\x00"      # middle C for a quarter note


@pytest.mark.parametrize("declared", [65_535, 32_768, 1_025])
def test_a_midi_file_declaring_too_many_tracks_is_refused(tmp_path, declared):
    path = tmp_path / "tracks.mid"
    path.write_bytes(midi_file([midi_track(ONE_NOTE)], declared=declared))
    with pytest.raises(MusicFileError, match=rf"tracks.mid: the MIDI file declares {declared:,} tracks, "
                                             r"more than the 1,024 Segue reads"):
        read_music(path)


def test_a_huge_midi_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.mid"
    with open(path, "wb") as f:
        f.write(midi_file([midi_track(ONE_NOTE)]))
        f.truncate(5 * 2**20)
    with pytest.raises(MusicFileError, match=r"huge.mid: the file is larger than 4 MB"):
        read_music(path)


def test_more_notes_than_the_limit_are_refused_naming_it(tmp_path, monkeypatch):
    import engine.files.midi
    monkeypatch.setattr(engine.files.midi, "MAX_NOTES", 1_000)       # the real limit is 100,000
    notes = b"".join(bytes([0x00, 0x90, 40 + i % 40, 64, 0x01, 0x80, 40 + i % 40, 0]) for i in range(1_200))
    path = tmp_path / "dense.mid"
    path.write_bytes(midi_file([midi_track(notes + b"\x00\xff\x2f\x00")]))
    with pytest.raises(MusicFileError, match=r"dense.mid: the file holds more than 1,000 notes"):
        read_music(path)


def test_ticks_near_two_to_the_31_are_refused_as_broken_timing(tmp_path):
    path = tmp_path / "late.mid"
    path.write_bytes(midi_file([midi_track(b"\x00\x90\x3c\x40\xff\xff\xff\x7f\x80\x3c\x00\x00\xff\x2f\x00")],
                               division=1))
    with pytest.raises(MusicFileError, match=r"late.mid: the notes run for more than four hours"):
        read_music(path)


@pytest.mark.parametrize("meta", [b"\x00\xff\x51\x03\xff\xff\xff", b"\x00\xff\x51\x03\x00\x00\x01"],
                         ids=["slowest tempo", "1 microsecond a quarter"])
def test_extreme_tempos_read_within_range_and_write_back(tmp_path, meta):
    from engine.files.midi import read_midi, write_midi
    path = tmp_path / "tempo.mid"
    path.write_bytes(midi_file([midi_track(meta + ONE_NOTE)]))
    phrase = read_midi(path)
    assert 3.5 < phrase.tempo_bpm <= 1000
    again = read_midi(write_midi(phrase, tmp_path / "again.mid"))
    assert again.tempo_bpm == pytest.approx(phrase.tempo_bpm, rel=1e-3)


def test_a_time_signature_out_of_range_reads_as_four_four(tmp_path):
    path = tmp_path / "metre.mid"
    path.write_bytes(midi_file([midi_track(b"\x00\xff\x58\x04\x04\xc8\x18\x08" + ONE_NOTE)]))   # 4/2**200
    assert read_music(path).time_signature == (4, 4)


def test_a_numerator_a_midi_file_cannot_hold_is_refused_on_writing(tmp_path):
    from engine.files.midi import write_midi
    from engine.music.phrase import Note, Phrase
    with pytest.raises(MusicFileError, match=r"wide.mid: a time signature of 300/4 cannot be written"):
        write_midi(Phrase((Note(60, 0, 4),), time_signature=(300, 4)), tmp_path / "wide.mid")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("events", [
    b"\x00\xff\x01\x7f\x7f\x7f\x7fabc",                  # a text event whose length runs past the end
    b"\x00\xf0\x8f\xff\xff\x7f\x01\x02",                 # a sysex of 4 GB in a file of a few bytes
    b"\x00\xff\x59\x02\x20\x05" + ONE_NOTE,             # a key signature of 32 sharps
], ids=["meta length", "sysex length", "key signature"])
def test_lengths_past_the_end_and_impossible_keys_are_one_error(tmp_path, events):
    path = tmp_path / "odd.mid"
    path.write_bytes(midi_file([midi_track(events)]))
    try:
        read_music(path)
    except MusicFileError as err:
        assert str(err).startswith("odd.mid: ")


def test_a_score_with_an_impossible_metre_and_tempo_reads_within_range(tmp_path):
    path = tmp_path / "odd.musicxml"
    path.write_text(musicxml(1).replace("<beats>4</beats>", "<beats>300</beats>").replace(
        "<measure number=\"1\">", '<measure number="1"><direction><sound tempo="1000000000"/></direction>'))
    phrase = read_music(path)
    assert phrase.time_signature == (4, 4) and phrase.tempo_bpm == 1000


# -- folders of music: evaluate and train -----------------------------------------------------------

def test_a_folder_named_like_a_pickle_is_read_as_a_folder(tmp_path):
    from engine.training.corpus import load_corpus
    folder = tmp_path / "my.pickle.songs"
    folder.mkdir()
    (folder / "tune.abc").write_text("X:1\nT:S\nM:4/4\nL:1/4\nK:C\nC D E F |\n")
    corpus = load_corpus([str(folder)], cache_dir=tmp_path / "cache", workers=1)
    assert [len(p.phrase.notes) for p in corpus.pieces] == [4] and corpus.skipped == []


def test_evaluate_on_nothing_readable_says_why(tmp_path, tiny_model_dir):
    from engine.model.checkpoint import load_model
    from engine.training.evaluate import evaluate
    (tmp_path / "laughs.musicxml").write_text(LAUGHS)
    (tmp_path / "tracks.mid").write_bytes(midi_file([midi_track(ONE_NOTE)], declared=65_535))
    with pytest.raises(ValueError) as caught:
        evaluate(load_model(tiny_model_dir), [str(tmp_path)])
    message = str(caught.value)
    assert "laughs.musicxml: the file declares XML entities" in message
    assert "tracks.mid: the MIDI file declares 65,535 tracks" in message
