"""Standard MIDI files to phrases and back, through mido.

Reading merges every track, keeps the tempo map and the key signatures at their places and the
first time signature, lengthens notes held by the sustain pedal, leaves drums (channel 10) out,
and puts times on the grid asked (the fine grid keeps them as the file has them); writing puts
the tempo map and key signatures back. Every problem a broken file can have comes out as one
``MusicFileError`` naming the file and what is wrong with it.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import mido

from ..atomic import atomic_path
from ..errors import MusicFileError
from ..limits import (
    MAX_DENOMINATOR,
    MAX_NOTES,
    MAX_NUMERATOR,
    MAX_QUARTERS,
    MAX_TEMPO_BPM,
    MIN_TEMPO_BPM,
    open_plain_file,
)
from ..music.phrase import FINE_STEPS_PER_QUARTER, Note, Phrase
from .midi_bytes import Track, Unusual, file_bytes, read_tracks, track_chunk, tracks_of
from .sustain import SustainPedal

DRUM_CHANNEL = 9                  # channel 10 as musicians count (the recorder leaves it out too)
MAX_FILE_BYTES = 4 * 1024 * 1024   # a long piano piece takes 50-150 KB; mido reads 4 MB in half a minute
MAX_TRACKS = 1024
TICKS_PER_QUARTER = FINE_STEPS_PER_QUARTER   # the fine grid is written tick for tick
SEGUE_TRACK = "Segue"             # the name of the tempo track of a file Segue wrote
CHORDS_TRACK = "Chords"           # and of its track of chord markers, which may run past the notes


def _check_header(data: bytes, path: Path) -> None:
    if not data:
        raise MusicFileError(path, "the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise MusicFileError(path, f"the file is larger than {MAX_FILE_BYTES // 2**20} MB, the most Segue "
                                   f"reads as a MIDI file")
    if data[:4] == b"RIFF" and b"MThd" in data[:64]:
        return                                     # RIFF-wrapped MIDI (.rmi); mido unwraps it
    if data[:4] != b"MThd":
        raise MusicFileError(path, "this is not a MIDI file (it does not start with 'MThd')")
    if len(data) < 14:
        raise MusicFileError(path, "the file is truncated inside its header")
    length, fmt, ntracks, division = struct.unpack(">IHHH", data[4:14])
    if length < 6 or length > 1024:
        raise MusicFileError(path, f"the MIDI header has an impossible length ({length})")
    if fmt > 2:
        raise MusicFileError(path, f"unknown MIDI file format {fmt}")
    if ntracks == 0:
        raise MusicFileError(path, "the MIDI file has no tracks")
    if ntracks > MAX_TRACKS:
        raise MusicFileError(path, f"the MIDI file declares {ntracks:,} tracks, more than the "
                                   f"{MAX_TRACKS:,} Segue reads")
    if division == 0:
        raise MusicFileError(path, "the MIDI file has a time division of 0 ticks per quarter note")


def _open(path: Path, data: bytes) -> mido.MidiFile:
    try:
        return mido.MidiFile(file=io.BytesIO(data), clip=True)
    except EOFError:
        raise MusicFileError(path, "the file is truncated (it ends in the middle of a track)") from None
    except Exception as err:       # mido raises many kinds (KeySignatureError, ValueError, ...)
        raise MusicFileError(path, f"the MIDI data is damaged ({err})") from None


def _ticks_to_quarters(division: int, first_tempo: int):
    """A function from absolute ticks to quarter notes (SMPTE division goes through real time)."""
    if division & 0x8000:                          # SMPTE: frames per second and ticks per frame
        fps: float = 256 - (division >> 8)
        if fps == 29:
            fps = 29.97
        ticks_per_frame = division & 0xFF
        if not ticks_per_frame or fps not in (24, 25, 29.97, 30):
            raise MusicFileError(None, f"SMPTE time division {fps} fps x {ticks_per_frame} is not valid")
        seconds_per_tick = 1.0 / (fps * ticks_per_frame)
        quarters_per_second = 1e6 / first_tempo
        return lambda ticks: ticks * seconds_per_tick * quarters_per_second
    return lambda ticks: ticks / division


def read_midi(path: str | Path, steps_per_quarter: int = FINE_STEPS_PER_QUARTER) -> Phrase:
    """The notes of a MIDI file (type 0, 1 or 2) as a phrase on a grid of ``steps_per_quarter``
    (by default the fine grid, where every note stays where the file has it)."""
    path = Path(path)
    try:
        with open_plain_file(path) as f:
            data = f.read(MAX_FILE_BYTES + 1)            # never more than the limit in memory
    except FileNotFoundError:
        raise MusicFileError(path, "the file does not exist") from None
    except IsADirectoryError:
        raise MusicFileError(path, "this is a folder, not a MIDI file") from None
    except OSError as err:
        raise MusicFileError(path, f"the file cannot be read ({err.strerror})") from None
    _check_header(data, path)
    try:
        tracks, midi_type = read_tracks(data), struct.unpack(">h", data[8:10])[0]
        division = struct.unpack(">H", data[12:14])[0]
    except Unusual:                                     # mido's reader decides, and says what is wrong
        midi = _open(path, data)
        tracks, midi_type = tracks_of(midi), midi.type
        division = struct.unpack(">H", data[12:14])[0] if data[:4] == b"MThd" else midi.ticks_per_beat
    try:
        return _to_phrase(tracks, midi_type, division, steps_per_quarter, path)
    except MusicFileError as err:
        if err.path is None:
            raise MusicFileError(path, err.problem) from None
        raise


def _to_phrase(tracks: list[Track], midi_type: int, division: int, steps_per_quarter: int, path: Path) -> Phrase:
    events = []                        # (tick, order, kind, channel, a, b)
    tempos, keys, signature = [], [], None   # tempos and keys as (tick, value)
    markers: list[tuple[int, str]] = []      # the chords of a file Segue wrote, as (tick, name)
    written_by_segue = False
    track_end = 0
    for track in tracks:
        if written_by_segue and track.name == CHORDS_TRACK:
            # the chords set: they do not lengthen the music
            markers += [(tick, str(text)) for tick, kind, _, text, _ in track.events if kind == "marker"]
            continue
        struck: dict[tuple[int, object], int] = {}     # (channel, pitch) -> tick of its last note_on here
        for tick, kind, channel, a, b in track.events:
            if kind == "on":
                events.append((tick, 2, "on", channel, a, b))
                struck[(channel, a)] = tick
            elif kind == "off":
                # offs go before ons at one tick (a repeated note), unless this off ends a note of no
                # length struck just before it at this tick
                after_on = struck.pop((channel, a), None) == tick
                events.append((tick, 3 if after_on else 0, "off", channel, a, 0))
            elif kind == "pedal":
                events.append((tick, 1, "pedal", channel, a, 0))
            elif kind == "tempo":
                tempos.append((tick, a))
            elif kind == "key":
                keys.append((tick, a))
            elif kind == "time" and signature is None:
                signature = (a, b)
            elif kind == "name" and a == SEGUE_TRACK and tick == 0:
                written_by_segue = True
        track_end = max(track_end, track.end)
        if len(events) > 4 * MAX_NOTES:
            raise MusicFileError(path, f"the file holds more than {MAX_NOTES:,} notes")
        if midi_type == 2:
            break                       # type 2 holds independent songs: read the first
    if any(t <= 0 for _, t in tempos):
        raise MusicFileError(path, "the file sets a tempo of zero")
    tempos.sort(key=lambda change: change[0])
    tempo = tempos[0][1] if tempos else 500_000       # the first tempo holds from the start
    to_quarters = _ticks_to_quarters(division, tempo)
    events.sort(key=lambda e: (e[0], e[1]))

    sounding: dict[tuple[int, int], list[tuple[float, int]]] = {}   # (channel, pitch) -> starts
    pedal: SustainPedal[tuple[int, int]] = SustainPedal()           # keys are (channel, pitch)
    spans: list[tuple[int, float, float, int]] = []
    last_tick = events[-1][0] if events else 0
    if to_quarters(max(last_tick, track_end)) > MAX_QUARTERS:
        raise MusicFileError(path, "the notes run for more than four hours: the timing is broken")

    def release(key, tick):
        for start, velocity in sounding.pop(key, []):
            spans.append((key[1], start, to_quarters(tick), velocity))

    for tick, _, kind, channel, a, b in events:
        if channel == DRUM_CHANNEL:
            continue
        if kind == "on":
            key = (channel, a)
            if key in sounding:                  # the same key struck again ends the sounding note
                release(key, tick)
            pedal.struck(channel, key)
            sounding[key] = [(to_quarters(tick), b)]
        elif kind == "off":
            key = (channel, a)
            if not (key in sounding and pedal.released(channel, key)):
                release(key, tick)
        else:
            for key in pedal.moved(channel, a):
                release(key, tick)
    for key in list(sounding):
        release(key, last_tick)                  # notes never released end with the music

    if not spans:
        drums = any(e[3] == DRUM_CHANNEL and e[2] == "on" for e in events)
        raise MusicFileError(path, "has no notes (only drums)" if drums else "has no notes")
    if len(spans) > MAX_NOTES:
        raise MusicFileError(path, f"the file holds more than {MAX_NOTES:,} notes")
    spans = _without_silent_ending(spans)
    notes: dict[tuple[int, int], Note] = {}
    for pitch, start, end, velocity in spans:
        a = round(start * steps_per_quarter)
        b = max(a + 1, round(end * steps_per_quarter))
        if (pitch, a) not in notes or notes[(pitch, a)].duration < b - a:
            notes[(pitch, a)] = Note(pitch, a, b - a, max(1, min(127, velocity)))
    num, den = signature or (4, 4)
    if not 1 <= num <= MAX_NUMERATOR or not 1 <= den <= MAX_DENOMINATOR or den & (den - 1):
        num, den = 4, 4
    end = max(round(to_quarters(track_end) * steps_per_quarter), max(n.end for n in notes.values()))

    def timeline(changes, first_step: int):         # (tick, value) -> (step, value) inside the music
        steps = ((round(to_quarters(tick) * steps_per_quarter), value) for tick, value in changes)
        return tuple((step, value) for step, value in steps if first_step <= step < end)
    return Phrase(tuple(notes.values()), steps_per_quarter=steps_per_quarter,
                  tempo_bpm=_bpm(tempo), time_signature=(num, den), end=end,
                  tempo_changes=tuple((step, _bpm(t)) for step, t in timeline(tempos[1:], 1)),
                  key_signatures=timeline(sorted(keys, key=lambda change: change[0]), 0),
                  chords=_chords_from_markers(sorted((round(to_quarters(tick) * steps_per_quarter), name)
                                                     for tick, name in markers)))


def _chords_from_markers(markers: list[tuple[int, str]]) -> tuple[tuple[int, int, str], ...]:
    """The chords a file Segue wrote carries as markers: each from its marker to the next ("N" ends
    one with none after it); markers that are not chord names are left out."""
    from ..music.chords import Chord
    chords = []
    for (step, name), (later, _) in zip(markers, markers[1:]):
        if name == "N" or later <= step:
            continue
        try:
            Chord.parse(name)
        except ValueError:
            continue
        chords.append((step, later, name))
    return tuple(chords)


def _bpm(tempo: int) -> float:
    """Beats per minute from MIDI's microseconds per quarter note, within the tempos a phrase may
    have (a file's 1-microsecond quarter note is 1,000 bpm; the slowest stays writable), with the
    fewest decimals that give the file's own microseconds when written back (132, 136.54)."""
    exact = 60e6 / tempo
    bpm = next((shown for decimals in range(10) if _tempo(shown := round(exact, decimals)) == tempo), exact)
    return min(MAX_TEMPO_BPM, max(MIN_TEMPO_BPM, bpm))


def _without_silent_ending(spans: list[tuple[int, float, float, int]]) -> list[tuple[int, float, float, int]]:
    """The notes without those of zero length struck after everything heard has ended (often on the
    closing bar line): they sound nothing, and as grid notes they would push the end a step later."""
    heard_end = max((end for _, start, end, _ in spans if end > start), default=None)
    if heard_end is None:
        return spans                             # only zero-length notes: keep them, as the shortest notes
    return [s for s in spans if s[2] > s[1] or s[1] < heard_end]


def _channels(notes) -> list[int]:
    """The channel of each note: channel 1, but a note struck while another of its pitch still
    sounds (two voices on one key, a unison of two hands) goes on the next channel free of that
    pitch, so that reading the file back gives both notes whole."""
    free = [c for c in range(16) if c != DRUM_CHANNEL]
    sounding: dict[tuple[int, int], int] = {}           # (channel, pitch) -> when its note ends
    channels = []
    for n in notes:
        channel = next((c for c in free if sounding.get((c, n.pitch), 0) <= n.start), free[0])
        sounding[(channel, n.pitch)] = n.end
        channels.append(channel)
    return channels


def _chord_markers(chords) -> list:
    """The chords set as marker events a DAW shows on its timeline: each chord's name at its
    start, and "N" (no chord) where one ends with none right after it."""
    markers = []
    for (start, end, name), following in zip(chords, list(chords[1:]) + [None]):
        markers.append((start, mido.MetaMessage("marker", text=name)))
        if following is None or following[0] != end:
            markers.append((end, mido.MetaMessage("marker", text="N")))
    return markers


def phrase_to_bytes(phrase: Phrase) -> bytes:
    """A type 1 MIDI file: a tempo track and one piano track, on channel 1 (and on the next ones for
    notes that overlap another of their pitch), and a track of chord markers if chords are set.
    The notes' events are written as bytes, not mido messages (100,000 notes in 0.5 s, not 17)."""
    ticks_per_step = TICKS_PER_QUARTER / phrase.steps_per_quarter
    num, den = phrase.time_signature
    head = [mido.MetaMessage("track_name", name=SEGUE_TRACK),
            mido.MetaMessage("set_tempo", tempo=_tempo(phrase.tempo_bpm)),
            mido.MetaMessage("time_signature", numerator=num, denominator=den)]
    changes = sorted([(step, mido.MetaMessage("set_tempo", tempo=_tempo(bpm))) for step, bpm in phrase.tempo_changes]
                     + [(step, mido.MetaMessage("key_signature", key=key)) for step, key in phrase.key_signatures],
                     key=lambda change: change[0])
    end_tick = round(phrase.length * ticks_per_step)
    meta = track_chunk([(0, bytes(msg.bytes())) for msg in head]
                       + [(round(step * ticks_per_step), bytes(msg.bytes())) for step, msg in changes], end_tick)
    timed = []
    channels = _channels(phrase.notes)
    for n, channel in zip(phrase.notes, channels):
        timed.append((round(n.start * ticks_per_step), 1, bytes((0x90 | channel, n.pitch, n.velocity))))
        timed.append((round(n.end * ticks_per_step), 0, bytes((0x80 | channel, n.pitch, 0))))
    timed.sort(key=lambda t: (t[0], t[1]))
    programs = [(0, bytes((0xC0 | c, 0))) for c in sorted(set(channels)) or [0]]
    piano = track_chunk([(0, bytes(mido.MetaMessage("track_name", name="Piano").bytes()))] + programs
                        + [(tick, message) for tick, _, message in timed], end_tick)
    tracks = [meta, piano]
    if phrase.chords:
        markers = [(round(step * ticks_per_step), bytes(msg.bytes())) for step, msg in _chord_markers(phrase.chords)]
        tracks.append(track_chunk([(0, bytes(mido.MetaMessage("track_name", name=CHORDS_TRACK).bytes()))] + markers,
                                  0))
    return file_bytes(tracks, TICKS_PER_QUARTER)


def _tempo(bpm: float) -> int:
    """MIDI's microseconds per quarter note from beats per minute (a MIDI file holds 1 to 2**24 - 1)."""
    return min(0xFFFFFF, max(1, round(60e6 / bpm)))


def write_midi(phrase: Phrase, path: str | Path) -> Path:
    """Write the phrase as a standard MIDI file, atomically. Returns the path written."""
    path = Path(path)
    num, den = phrase.time_signature
    if not 1 <= num <= 255 or not 1 <= den <= 2**255:
        raise MusicFileError(path, f"a time signature of {num}/{den} cannot be written to a MIDI file "
                                   f"(it holds 1 to 255 beats a bar)")
    try:
        data = phrase_to_bytes(phrase)
    except (ValueError, TypeError) as err:               # a value no MIDI file can hold
        raise MusicFileError(path, f"the phrase cannot be written as MIDI ({err})") from None
    try:
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
    except OSError as err:
        raise MusicFileError(path, f"cannot write the file ({err.strerror or err})") from None
    return path
