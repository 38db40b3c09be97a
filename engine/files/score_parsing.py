"""Score files (MusicXML, .mxl, ABC, Humdrum) read into music21 streams, safely and within limits.

Segue reads the file's bytes itself and hands music21's parsers text, never a path: music21's
``converter.parse`` would look for (and write) a pickled parse in a temporary folder shared by
every user of the machine, and a pickle planted there runs code when it is loaded. Before music21
sees anything, each file is checked against limits that no real piece reaches, and a file past
one is refused with a ``MusicFileError`` naming the limit:

- any score file: 32 MB on disk; an .mxl: 100 members, 32 MB of MusicXML once unpacked, no member
  outside the archive's own folder (nothing is ever unpacked to disk);
- MusicXML: no entity declarations (they can expand a small file without bound or read other
  files; the DOCTYPE line that names the MusicXML DTD is fine, and is never fetched), elements
  nested at most 64 deep, 100,000 notes, 1,500 bars in a part and 6,000 in all (music21 reads a
  part in time that grows with the square of its bars);
- ABC: 4 MB; only the first tune is read, and it may hold 256 KB and 1,000 bars;
- Humdrum: 2 MB.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import zipfile
from pathlib import Path, PurePosixPath
from xml.parsers import expat

from ..errors import MusicFileError
from ..limits import read_within

MAX_SCORE_BYTES = 32 * 2**20
MAX_MXL_MEMBERS = 100
MAX_XML_BYTES = 32 * 2**20
MAX_XML_DEPTH = 64
MAX_XML_NOTES = 100_000
MAX_PART_BARS = 1_500
MAX_SCORE_BARS = 6_000
MAX_ABC_BYTES = 4 * 2**20
MAX_ABC_TUNE_BYTES = 256 * 2**10
MAX_ABC_BARS = 1_000
MAX_HUMDRUM_BYTES = 2 * 2**20

_MB = 2**20


def parse_score_file(path: Path):
    """The file at ``path`` as a music21 stream (a Score, or an Opus for Humdrum collections)."""
    suffix = path.suffix.lower()
    data = read_within(path, MAX_SCORE_BYTES, reading_as=" as a score")
    if not data:
        raise MusicFileError(path, "the file is empty")
    if suffix == ".abc":
        return _parse_abc(path, data)
    if suffix == ".krn":
        return _parse_humdrum(path, data)
    if suffix == ".mxl" or data[:4] == b"PK\x03\x04":
        data = _unpack_mxl(path, data)
    return _parse_musicxml(path, data)


# -- .mxl ------------------------------------------------------------------------------------------

def _unpack_mxl(path: Path, data: bytes) -> bytes:
    """The MusicXML document inside a compressed .mxl archive, unpacked in memory."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        if len(members) > MAX_MXL_MEMBERS:
            raise MusicFileError(path, f"the archive holds {len(members):,} files, more than the "
                                       f"{MAX_MXL_MEMBERS} an .mxl score may hold")
        for member in members:
            name = PurePosixPath(member.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts or ":" in member.filename:
                raise MusicFileError(path, f"the archive holds a file outside its own folder "
                                           f"('{member.filename[:80]}')")
        root = _root_file(path, archive)
        return _read_member(path, archive, root)
    except MusicFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError,
            OSError, ValueError) as err:
        raise MusicFileError(path, f"this .mxl archive is damaged ({err})") from None


def _read_member(path: Path, archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as member:               # unpacks as it reads: memory stays bounded
        data = member.read(MAX_XML_BYTES + 1)
    if len(data) > MAX_XML_BYTES:
        raise MusicFileError(path, f"the score inside the archive unpacks to more than "
                                   f"{MAX_XML_BYTES // _MB} MB of MusicXML")
    return data


def _root_file(path: Path, archive: zipfile.ZipFile) -> str:
    """The score the archive's META-INF/container.xml names, or else its first MusicXML file."""
    names = archive.namelist()
    if "META-INF/container.xml" in names:
        container = _read_member(path, archive, "META-INF/container.xml")
        found: list[str] = []

        def start(tag, attributes):
            if tag.rsplit(":", 1)[-1] == "rootfile" and attributes.get("full-path"):
                found.append(attributes["full-path"])
        _scan_xml(path, container, start=start)
        if found and found[0] in names:
            return found[0]
    for name in names:
        if not name.startswith("META-INF/") and name.lower().endswith((".xml", ".musicxml")):
            return name
    raise MusicFileError(path, "the archive holds no MusicXML score")


# -- MusicXML --------------------------------------------------------------------------------------

class _Refused(Exception):
    pass


def _scan_xml(path: Path, data: bytes, start=None) -> None:
    """Read ``data`` with expat once, refusing entity declarations and nesting past the limit;
    ``start(tag, attributes)`` sees every element."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = [0]

    def entity(*_):
        raise _Refused("the file declares XML entities, which Segue refuses (they can expand "
                       "without bound or read other files)")

    def external(*_):
        raise _Refused("the file refers to an external XML entity, which Segue refuses")

    def opened(tag, attributes):
        depth[0] += 1
        if depth[0] > MAX_XML_DEPTH:
            raise _Refused(f"the XML nests elements more than {MAX_XML_DEPTH} deep")
        if start is not None:
            start(tag, attributes)

    def closed(tag):
        depth[0] -= 1

    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.ExternalEntityRefHandler = external
    parser.StartElementHandler = opened
    parser.EndElementHandler = closed
    try:
        parser.Parse(data, True)
    except _Refused as err:
        raise MusicFileError(path, str(err)) from None
    except expat.ExpatError as err:
        raise MusicFileError(path, f"this MusicXML score cannot be read ({expat.ErrorString(err.code)} "
                                   f"at line {err.lineno})") from None


def _parse_musicxml(path: Path, data: bytes):
    import xml.etree.ElementTree as ET

    from music21.musicxml import xmlToM21

    counts = {"notes": 0, "bars": 0, "part bars": 0}

    def start(tag, attributes):
        if tag == "note":
            counts["notes"] += 1
            if counts["notes"] > MAX_XML_NOTES:
                raise _Refused(f"the score holds more than {MAX_XML_NOTES:,} notes")
        elif tag == "part":
            counts["part bars"] = 0
        elif tag == "measure":
            counts["bars"] += 1
            counts["part bars"] += 1
            if counts["part bars"] > MAX_PART_BARS:
                raise _Refused(f"a part of the score has more than {MAX_PART_BARS:,} bars")
            if counts["bars"] > MAX_SCORE_BARS:
                raise _Refused(f"the score has more than {MAX_SCORE_BARS:,} bars in all its parts")
    _scan_xml(path, data, start=start)
    root = ET.fromstring(data)                        # checked above: no entities, bounded
    if root.tag != "score-partwise":
        what = "a timewise MusicXML score, which Segue cannot read" if root.tag == "score-timewise" \
            else f"not a MusicXML score (its root element is <{root.tag[:40]}>)"
        raise MusicFileError(path, f"this is {what}")
    importer = xmlToM21.MusicXMLImporter()
    with _music21_errors(path, "MusicXML"):
        importer.xmlRootToScore(root, importer.stream)
    return importer.stream


# -- ABC and Humdrum -------------------------------------------------------------------------------

_TUNE_START = re.compile(r"^X:", re.MULTILINE)
_BAR_LINE = re.compile(r"[\[\]:|]*\|[\[\]:|]*|::")


def first_abc_tune(text: str) -> str:
    """The file header (what comes before the first ``X:``) and the first tune of an ABC file."""
    starts = [m.start() for m in _TUNE_START.finditer(text)]
    if len(starts) < 2:
        return text
    return text[:starts[1]]


def _parse_abc(path: Path, data: bytes):
    from music21 import abcFormat, stream
    from music21.abcFormat import translate

    if len(data) > MAX_ABC_BYTES:
        raise MusicFileError(path, f"the file is larger than {MAX_ABC_BYTES // _MB} MB, the most Segue reads as ABC")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    tune = first_abc_tune(text)
    if len(tune.encode("utf-8")) > MAX_ABC_TUNE_BYTES:
        raise MusicFileError(path, f"the first tune is larger than {MAX_ABC_TUNE_BYTES // 1024} KB, "
                                   f"the most Segue reads of an ABC tune")
    body = "\n".join(line for line in tune.splitlines()
                     if not re.match(r"^\s*(%|[A-Za-z]:)", line))     # header fields and comments
    if len(_BAR_LINE.findall(body)) > MAX_ABC_BARS:
        raise MusicFileError(path, f"the first tune has more than {MAX_ABC_BARS:,} bars, the most "
                                   f"Segue reads of an ABC tune")
    with _music21_errors(path, "ABC"), _bars_as_written(), _no_clef_search():
        handler = abcFormat.ABCFile().readstr(tune)
        voices = handler.splitByVoice()
        # as music21's abcToStreamScore: the first collection holds the header of every voice
        handlers = voices if len(voices) == 1 else [voices[0] + voice for voice in voices[1:]]
        score = stream.Score()
        for part_handler in handlers:
            score.coreInsert(0, translate.abcToStreamPart(part_handler, _unbeamed_part_class()()))
        score.coreElementsChanged()
    return score


@contextlib.contextmanager
def _bars_as_written():
    """music21's ABC reader with its ``reBar`` left out. reBar splits each bar longer than its
    metre in two (the rest of it in a bar of its own, with the time signature that fits, a note
    across the split tied over it): notation, which Segue does not read; the notes keep their
    times and lengths (a tie split there is joined again), so the bars are kept as written. It
    was most of the time reading a tune of overfull bars took: 129 s with music21's quadratic
    reBar, 2.4 s with a linear one, 1.0 s without (a 10 KB tune of 780 such bars)."""
    from music21.abcFormat import translate
    music21s = translate.reBar
    translate.reBar = _keep_bars
    try:
        yield
    finally:
        translate.reBar = music21s


def _keep_bars(part, *, inPlace=False):
    """In place of music21's ``reBar``: the part as it is."""
    return None if inPlace else part


@contextlib.contextmanager
def _no_clef_search():
    """music21's ABC reader with its clef for a tune that names none taken as treble, not chosen by
    looking through every note of the part (``clef.bestClef``: a tenth of reading a long tune);
    Segue reads no clef. Only the ABC reader's view of the clef module changes."""
    from music21 import clef
    from music21.abcFormat import translate

    class Clefs:
        def __getattr__(self, name):
            return getattr(clef, name)

        @staticmethod
        def bestClef(*args, **kwargs):
            return clef.TrebleClef()

    translate.clef = Clefs()  # type: ignore[assignment]  # what the ABC reader sees as clef, for a while
    try:
        yield
    finally:
        translate.clef = clef


@functools.cache
def _unbeamed_part_class():
    from music21 import stream

    class UnbeamedPart(stream.Part):
        """A part that skips music21's beaming: notation Segue never shows, and most of the time
        (growing with the square of the bars) that music21 spends reading an ABC tune."""

        def makeBeams(self, *args, **kwargs):
            return None

    return UnbeamedPart


def _parse_humdrum(path: Path, data: bytes):
    from music21.converter.subConverters import ConverterHumdrum

    if len(data) > MAX_HUMDRUM_BYTES:
        raise MusicFileError(path, f"the file is larger than {MAX_HUMDRUM_BYTES // _MB} MB, the most "
                                   f"Segue reads as Humdrum")
    humdrum = ConverterHumdrum()
    with _music21_errors(path, "Humdrum"):
        humdrum.parseData(data.decode("latin-1"))       # as music21 reads a Humdrum file
    return humdrum.stream


class _music21_errors:
    """Any error music21 raises while parsing becomes one ``MusicFileError`` naming the file."""

    def __init__(self, path: Path, kind: str):
        self.path, self.kind = path, kind

    def __enter__(self):
        return self

    def __exit__(self, kind, err, tb):
        if err is None or isinstance(err, MusicFileError) or not isinstance(err, Exception):
            return False
        detail = str(err).strip().splitlines()[0][:160] if str(err).strip() else type(err).__name__
        raise MusicFileError(self.path, f"this {self.kind} score cannot be read ({detail})") from None
