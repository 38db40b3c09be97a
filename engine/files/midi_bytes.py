"""Standard MIDI file bytes in one pass each way, without an object per event.

mido builds and checks a message object for every event it reads or writes: a piece of 100,000
notes took 7 s to read and 17 s to write that way, most of Fill's time on the command line. Here
the tracks are read into plain tuples of only the events Segue uses, and written from bytes.

Reading follows mido's own reader (``clip=True``) step for step, so a file reads the same either
way; where a file holds anything that reader decides in its own way (a damaged or truncated track,
an unknown status byte, a message running past its track), ``Unusual`` is raised and the caller
reads the file through mido, which says what is wrong with it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Iterable

from mido.midifiles.meta import build_meta_message, meta_charset

from .sustain import SUSTAIN

MAX_MESSAGE_LENGTH = 1_000_000    # mido refuses a longer meta or sysex message

# an event: (tick, kind, channel, a, b); kinds "on" (a pitch, b velocity), "off" (a pitch),
# "pedal" (a the sustain pedal's value), and from meta messages "tempo" (a microseconds a quarter),
# "key" (a its name), "time" (a and b the metre), "name" (a the track's name), "marker" (a its text)
Event = tuple[int, str, int, Any, Any]


class Unusual(Exception):
    """The file holds something only mido's reader decides about (it may be damaged)."""


@dataclass
class Track:
    """One track's events Segue reads, in order, timed in absolute ticks, and its end."""

    events: list[Event] = field(default_factory=list)
    end: int = 0

    @property
    def name(self) -> str:
        """The name of its first track_name event, as mido names a track ('' if none)."""
        return next((str(a) for _, kind, _, a, _ in self.events if kind == "name"), "")


def read_tracks(data: bytes) -> list[Track]:
    """Every track a MIDI file (starting 'MThd') declares, read as mido reads it; ``Unusual`` where
    mido's reader must decide."""
    try:
        with meta_charset("latin1"):
            return _read_tracks(data)
    except Unusual:
        raise
    except Exception as err:                     # past the end of the data, a meta mido cannot build
        raise Unusual(str(err)) from None


def _read_tracks(data: bytes) -> list[Track]:
    if data[:4] != b"MThd" or len(data) < 14:
        raise Unusual("no MIDI header")
    header_size = int.from_bytes(data[4:8], "big")
    if header_size < 6:                            # mido reads the header's six bytes from its chunk alone
        raise Unusual(f"a MIDI header of {header_size} bytes, not six")
    count = struct.unpack(">h", data[10:12])[0]
    pos = 8 + header_size
    tracks = []
    for _ in range(count):
        if data[pos:pos + 4] != b"MTrk" or pos + 8 > len(data):
            raise Unusual("no track where one was declared")
        end = pos + 8 + int.from_bytes(data[pos + 4:pos + 8], "big")
        if end > len(data):
            raise Unusual("a track longer than the file")
        track, pos = _read_track(data, pos + 8, end)
        tracks.append(track)
    return tracks


def _read_track(data: bytes, pos: int, end: int) -> tuple[Track, int]:
    events: list[Event] = []
    add = events.append
    tick = 0
    running = None
    while pos < end:
        byte = data[pos]
        pos += 1
        delta = byte & 0x7F
        while byte & 0x80:
            byte = data[pos]
            pos += 1
            delta = (delta << 7) | (byte & 0x7F)
        tick += delta
        status = data[pos]
        pos += 1
        if status < 0x80:                      # running status: this byte is the message's first data
            if running is None:
                raise Unusual("running status with no status before it")
            status = running
            if status < 0xF0:
                pos -= 1
        elif status != 0xFF:
            running = status
        if status < 0xF0:
            kind = status & 0xF0
            if kind == 0xC0 or kind == 0xD0:
                pos += 1
                continue
            a, b = data[pos], data[pos + 1]
            pos += 2
            a, b = (a if a < 127 else 127), (b if b < 127 else 127)     # mido's clip
            if kind == 0x90:
                add((tick, "on" if b else "off", status & 0x0F, a, b))
            elif kind == 0x80:
                add((tick, "off", status & 0x0F, a, b))
            elif kind == 0xB0 and a == SUSTAIN:
                add((tick, "pedal", status & 0x0F, b, 0))
        elif status == 0xFF:
            meta_type = data[pos]
            length, pos = _variable_int(data, pos + 1)
            body = data[pos:pos + length]
            if length > MAX_MESSAGE_LENGTH or len(body) < length:
                raise Unusual("a meta message longer than its file")
            pos += length
            event = _meta(tick, build_meta_message(meta_type, list(body), delta))
            if event is not None:
                add(event)
        elif status == 0xF0 or status == 0xF7:  # sysex: nothing Segue reads
            length, pos = _variable_int(data, pos)
            if length > MAX_MESSAGE_LENGTH or pos + length > len(data):
                raise Unusual("a sysex message longer than its file")
            pos += length
        else:
            raise Unusual(f"status byte 0x{status:02x}")
    if pos != end:
        raise Unusual("a message runs past the end of its track")
    return Track(events, tick), pos


def _variable_int(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    while True:
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos


def _meta(tick: int, msg) -> Event | None:
    """The event Segue reads from a meta message, or None."""
    kind = msg.type
    if kind == "set_tempo":
        return (tick, "tempo", 0, msg.tempo, 0)
    if kind == "key_signature":
        return (tick, "key", 0, msg.key, 0)
    if kind == "time_signature":
        return (tick, "time", 0, msg.numerator, msg.denominator)
    if kind == "track_name":
        return (tick, "name", 0, msg.name, 0)
    if kind == "marker":
        return (tick, "marker", 0, msg.text, 0)
    return None


def tracks_of(midi) -> list[Track]:
    """The tracks of a file mido has read, as ``read_tracks`` gives them."""
    tracks = []
    for messages in midi.tracks:
        track = Track()
        tick = 0
        for msg in messages:
            tick += msg.time
            kind = msg.type
            if kind == "note_on":
                track.events.append((tick, "on" if msg.velocity else "off", msg.channel, msg.note, msg.velocity))
            elif kind == "note_off":
                track.events.append((tick, "off", msg.channel, msg.note, msg.velocity))
            elif kind == "control_change" and msg.control == SUSTAIN:
                track.events.append((tick, "pedal", msg.channel, msg.value, 0))
            elif msg.is_meta:
                event = _meta(tick, msg)
                if event is not None:
                    track.events.append(event)
        track.end = tick
        tracks.append(track)
    return tracks


# -- writing ----------------------------------------------------------------------------------

def variable_int(value: int) -> bytes:
    """A MIDI variable-length quantity (7 bits a byte, the high bit set on all but the last)."""
    if value < 0x80:
        return bytes((value,))
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def track_chunk(events: Iterable[tuple[int, bytes]], end: int) -> bytes:
    """An 'MTrk' chunk of ``events`` as (absolute tick, message bytes) in time order, with channel
    messages in running status as mido writes them, closed by an end of track at tick ``end`` (or
    at the last event, if later)."""
    out = bytearray()
    now = 0
    running = -1
    for tick, message in events:
        out += variable_int(tick - now)
        now = tick
        status = message[0]
        if status == running:
            out += message[1:]
        else:
            out += message
        running = status if status < 0xF0 else -1
    out += variable_int(max(0, end - now)) + b"\xff\x2f\x00"
    return b"MTrk" + len(out).to_bytes(4, "big") + bytes(out)


def file_bytes(tracks: list[bytes], ticks_per_quarter: int) -> bytes:
    """A type 1 MIDI file of the track chunks given."""
    return b"MThd" + struct.pack(">IHHH", 6, 1, len(tracks), ticks_per_quarter) + b"".join(tracks)
