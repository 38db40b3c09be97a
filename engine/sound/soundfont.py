"""Reading SoundFont 2 files (``.sf2``): the samples, and which sample plays each key and velocity.

A SoundFont is a RIFF file: ``sdta/smpl`` holds every sample as 16-bit mono PCM, one after the
other, and ``pdta`` says how to play them. A *preset* (bank, program) is a list of zones, each
naming an *instrument* over a key and velocity range; an instrument is a list of zones, each naming
a sample with generators (tuning, loop, envelope, attenuation, pan). ``read_soundfont`` resolves the
two levels into flat ``Zone`` records: the instrument's values with the preset's added, the ranges
intersected, as the SoundFont 2.04 specification says. Modulators are not read: the renderer applies
the specification's default ones (velocity to loudness and to brightness) itself.

A damaged file must not play for days or fill the memory: every generator is held to the range the
specification gives it (a release of 32,767 timecents is 101.6 s, not 7 months); a zone whose sample
or sample addresses lie outside the file's samples, whose sample rate is impossible or whose sample
is longer than ``MAX_SAMPLE_SECONDS`` is left out; a file with more zones than ``MAX_ZONES`` (counted
before any is built: a preset's zones times its instruments' zones) or larger than
``MAX_SOUNDFONT_BYTES`` is refused. Every problem comes out as one ``MusicFileError`` naming the
file and what is wrong with it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import MusicFileError
from ..limits import open_plain_file

# generator numbers (SoundFont 2.04, section 8.1.2) used by Segue
START_OFFSET, END_OFFSET, LOOP_START_OFFSET, LOOP_END_OFFSET = 0, 1, 2, 3
START_COARSE, END_COARSE = 4, 12
INITIAL_FILTER_FC = 8
MOD_ENV_TO_FILTER_FC = 11
PAN = 17
SUSTAIN_MOD_ENV = 29
DELAY_VOL, ATTACK_VOL, HOLD_VOL, DECAY_VOL, SUSTAIN_VOL, RELEASE_VOL = 33, 34, 35, 36, 37, 38
KEY_TO_VOL_HOLD, KEY_TO_VOL_DECAY = 39, 40
INSTRUMENT, KEY_RANGE, VEL_RANGE = 41, 43, 44
LOOP_START_COARSE = 45
KEYNUM, VELOCITY = 46, 47
ATTENUATION = 48
LOOP_END_COARSE = 50
COARSE_TUNE, FINE_TUNE, SAMPLE_ID, SAMPLE_MODES = 51, 52, 53, 54
SCALE_TUNING = 56
ROOT_KEY = 58

# values when a zone does not set a generator
DEFAULTS = {INITIAL_FILTER_FC: 13500, DELAY_VOL: -12000, ATTACK_VOL: -12000, HOLD_VOL: -12000,
            DECAY_VOL: -12000, RELEASE_VOL: -12000, SCALE_TUNING: 100, ROOT_KEY: -1, KEYNUM: -1, VELOCITY: -1}
# generators whose preset value is not added to the instrument's (ranges, links, sample-only ones)
_NOT_ADDED = {INSTRUMENT, KEY_RANGE, VEL_RANGE, SAMPLE_ID, SAMPLE_MODES, ROOT_KEY, KEYNUM, VELOCITY,
              START_OFFSET, END_OFFSET, LOOP_START_OFFSET, LOOP_END_OFFSET, START_COARSE, END_COARSE,
              LOOP_START_COARSE, LOOP_END_COARSE, 57}
_UNSIGNED = {SAMPLE_ID, INSTRUMENT, SAMPLE_MODES}
# the ranges the specification gives the generators Segue plays (SoundFont 2.04, section 8.1.3),
# applied to the sum of the preset's and the instrument's values, as the specification says
RANGES = {INITIAL_FILTER_FC: (1500, 13500), MOD_ENV_TO_FILTER_FC: (-12000, 12000), PAN: (-500, 500),
          SUSTAIN_MOD_ENV: (0, 1000), DELAY_VOL: (-12000, 5000), ATTACK_VOL: (-12000, 8000),
          HOLD_VOL: (-12000, 5000), DECAY_VOL: (-12000, 8000), SUSTAIN_VOL: (0, 1440), RELEASE_VOL: (-12000, 8000),
          KEY_TO_VOL_HOLD: (-1200, 1200), KEY_TO_VOL_DECAY: (-1200, 1200), KEYNUM: (-1, 127), VELOCITY: (-1, 127),
          ATTENUATION: (0, 1440), COARSE_TUNE: (-120, 120), FINE_TUNE: (-99, 99), SCALE_TUNING: (0, 1200),
          ROOT_KEY: (-1, 127)}
MAX_SOUNDFONT_BYTES = 512 * 2**20     # the Fluid piano is 8 MB; large General MIDI sets are 150-300 MB
MAX_ZONES = 20_000                    # zones of every preset together (the piano has 360; GM sets a few thousand)
MAX_SAMPLE_SECONDS = 60.0             # a piano's longest sample rings for a few seconds
LOWEST_RATE, HIGHEST_RATE = 400, 384_000       # sample rates a sample may be recorded at

_RECORDS = {"phdr": 38, "pbag": 4, "pmod": 10, "pgen": 4, "inst": 22, "ibag": 4, "imod": 10, "igen": 4,
            "shdr": 46}


@dataclass(frozen=True)
class SampleHeader:
    """One sample: where it lies in the sample data (in frames), its loop, rate and recorded key."""

    name: str
    start: int
    end: int
    loop_start: int
    loop_end: int
    rate: int
    root_key: int
    correction: int                # cents
    link: int
    kind: int                      # 1 mono, 2 right, 4 left, 8 linked; 0x8000 ROM


@dataclass(frozen=True)
class Zone:
    """A sample as a preset plays it over a key and velocity range, with its generators resolved."""

    keys: tuple[int, int]
    velocities: tuple[int, int]
    sample: SampleHeader
    generators: dict = field(default_factory=dict, compare=False)

    def get(self, generator: int) -> int:
        """The generator's value, held to the specification's range for it."""
        value = self.generators.get(generator, DEFAULTS.get(generator, 0))
        if generator in RANGES:
            low, high = RANGES[generator]
            return min(high, max(low, value))
        return value

    def address(self, offset: int) -> int:
        """A sample address in frames of the data: the sample's start, end, loop start or loop end
        (``offset``: START_OFFSET, END_OFFSET, LOOP_START_OFFSET or LOOP_END_OFFSET) moved by the
        zone's fine and coarse offsets."""
        base, coarse = {START_OFFSET: (self.sample.start, START_COARSE), END_OFFSET: (self.sample.end, END_COARSE),
                        LOOP_START_OFFSET: (self.sample.loop_start, LOOP_START_COARSE),
                        LOOP_END_OFFSET: (self.sample.loop_end, LOOP_END_COARSE)}[offset]
        return base + self.get(offset) + 32768 * self.get(coarse)

    def covers(self, key: int, velocity: int) -> bool:
        return self.keys[0] <= key <= self.keys[1] and self.velocities[0] <= velocity <= self.velocities[1]


@dataclass
class Preset:
    name: str
    bank: int
    program: int
    zones: list[Zone]

    _by_key: dict[int, list[Zone]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def zones_for(self, key: int, velocity: int) -> list[Zone]:
        """The zones that sound when ``key`` is struck at ``velocity`` (stereo pairs give two); the
        zones of each key are found once (a piece's first Play asks for thousands of pairs)."""
        if key not in self._by_key:
            self._by_key[key] = [z for z in self.zones if z.keys[0] <= key <= z.keys[1]]
        return [z for z in self._by_key[key] if z.velocities[0] <= velocity <= z.velocities[1]]


@dataclass
class SoundFont:
    path: Path
    name: str
    data: np.ndarray                                 # every sample's PCM, int16, one after the other
    presets: dict[tuple[int, int], Preset]
    info: dict[str, str] = field(default_factory=dict)

    def preset(self, bank: int = 0, program: int = 0) -> Preset:
        """The preset at (bank, program); the first one if the file has no such preset."""
        if (bank, program) in self.presets:
            return self.presets[(bank, program)]
        return self.presets[min(self.presets)]


def read_soundfont(path: str | Path) -> SoundFont:
    """Read an SF2 file; raises ``MusicFileError`` if it is missing, not a SoundFont or damaged."""
    path = Path(path)
    try:
        with open_plain_file(path) as f:               # a pipe or a device is refused, not waited on
            raw = f.read(MAX_SOUNDFONT_BYTES + 1)
    except FileNotFoundError:
        raise MusicFileError(path, "the SoundFont file is missing") from None
    except OSError as err:
        raise MusicFileError(path, f"the SoundFont cannot be read ({err.strerror or err})") from None
    if len(raw) > MAX_SOUNDFONT_BYTES:
        raise MusicFileError(path, f"the SoundFont is larger than {MAX_SOUNDFONT_BYTES // 2**20} MB, the most "
                                   f"Segue reads")
    try:
        return _parse(path, memoryview(raw))
    except MusicFileError:
        raise
    except (struct.error, ValueError, IndexError, KeyError, UnicodeDecodeError) as err:
        raise MusicFileError(path, f"the SoundFont is damaged ({err})") from None


def chunks(data: memoryview, start: int, end: int):
    """(id, body start, body end) of the RIFF chunks between two offsets."""
    at = start
    while at + 8 <= end:
        cid = bytes(data[at:at + 4]).decode("latin-1")
        size, = struct.unpack_from("<I", data, at + 4)
        body = at + 8
        if body + size > end:
            raise ValueError(f"chunk '{cid}' runs past the end of the file")
        yield cid, body, body + size
        at = body + size + (size & 1)


def _parse(path: Path, data: memoryview) -> SoundFont:
    if len(data) < 12 or bytes(data[:4]) != b"RIFF" or bytes(data[8:12]) != b"sfbk":
        raise MusicFileError(path, "this is not a SoundFont (it does not start with 'RIFF....sfbk')")
    size, = struct.unpack_from("<I", data, 4)
    lists = {}
    for cid, body, end in chunks(data, 12, min(len(data), 8 + size)):
        if cid == "LIST":
            lists[bytes(data[body:body + 4]).decode("latin-1")] = (body + 4, end)
    for needed in ("sdta", "pdta"):
        if needed not in lists:
            raise MusicFileError(path, f"the SoundFont has no '{needed}' part")
    info = {}
    if "INFO" in lists:
        for cid, body, end in chunks(data, *lists["INFO"]):
            if cid != "ifil":
                info[cid] = _text(data[body:end])
    smpl = next(((b, e) for cid, b, e in chunks(data, *lists["sdta"]) if cid == "smpl"), None)
    if smpl is None:
        raise MusicFileError(path, "the SoundFont has no sample data")
    pcm = np.frombuffer(data[smpl[0]:smpl[0] + (smpl[1] - smpl[0]) // 2 * 2], dtype="<i2")
    pdta = {cid: (b, e) for cid, b, e in chunks(data, *lists["pdta"])}
    for cid, width in _RECORDS.items():
        if cid not in pdta:
            raise MusicFileError(path, f"the SoundFont's '{cid}' table is missing")
        if (pdta[cid][1] - pdta[cid][0]) % width:
            raise MusicFileError(path, f"the SoundFont's '{cid}' table has a broken size")

    def records(cid, fmt):
        b, e = pdta[cid]
        return list(struct.iter_unpack(fmt, data[b:e]))

    samples = [SampleHeader(_text(r[0]), *r[1:]) for r in records("shdr", "<20s5IBbHH")][:-1]
    igen = _generators(records("igen", "<HH"))
    pgen = _generators(records("pgen", "<HH"))
    instruments = []
    inst = records("inst", "<20sH")
    ibag = records("ibag", "<HH")
    pbag = records("pbag", "<HH")
    phdr = records("phdr", "<20sHHH3I")
    # each list of zones (and of generators) begins where the one before ended, as the specification
    # says: indexes that go back would make a few KB of tables into millions of zones
    for table, rows, column, within in (("phdr", phdr, 3, pbag), ("pbag", pbag, 0, pgen), ("inst", inst, 1, ibag),
                                        ("ibag", ibag, 0, igen)):
        indexes = [row[column] for row in rows]
        if any(a > b for a, b in zip(indexes, indexes[1:])) or (indexes and indexes[-1] > len(within)):
            raise MusicFileError(path, f"the SoundFont's '{table}' table is damaged (its indexes go back or "
                                       f"past the end)")
    for i in range(len(inst) - 1):
        zones = [igen[ibag[b][0]:ibag[b + 1][0]] for b in range(inst[i][1], inst[i + 1][1])]
        instruments.append(_levels(zones, SAMPLE_ID))
    presets = {}
    levels = []
    for i in range(len(phdr) - 1):
        zones = [pgen[pbag[b][0]:pbag[b + 1][0]] for b in range(phdr[i][3], phdr[i + 1][3])]
        levels.append(_levels(zones, INSTRUMENT))
    # counted before any is built: a few KB of tables can make millions of zones
    total = sum(len(instruments[pzone[INSTRUMENT]]) for pzones in levels for pzone in pzones)
    if total > MAX_ZONES:
        raise MusicFileError(path, f"the SoundFont's presets make {total:,} zones, more than the "
                                   f"{MAX_ZONES:,} Segue plays: it is damaged")
    for i, pzones in enumerate(levels):
        name, program, bank = _text(phdr[i][0]), phdr[i][1], phdr[i][2]
        flat = []
        for pzone in pzones:
            flat += _resolve(pzone, instruments[pzone[INSTRUMENT]], samples, len(pcm))
        presets[(bank, program)] = Preset(name, bank, program, flat)
    if not presets:
        raise MusicFileError(path, "the SoundFont has no presets")
    return SoundFont(path, info.get("INAM", path.stem), pcm, presets, info)


def _text(raw) -> str:
    return bytes(raw).split(b"\0", 1)[0].decode("latin-1").strip()


def _generators(rows) -> list[tuple[int, int]]:
    """(generator, amount) with the amount signed, except for the unsigned generators and the
    ranges, which stay packed as lo | hi << 8."""
    out = []
    for op, amount in rows:
        if op not in _UNSIGNED and op not in (KEY_RANGE, VEL_RANGE) and amount >= 0x8000:
            amount -= 0x10000
        out.append((op, amount))
    return out


def _levels(zones, link: int) -> list[dict]:
    """Each zone's generators merged over the global zone (the first zone, when it does not end in
    ``link``); zones without ``link`` are left out."""
    zones = [dict(z) for z in zones]
    glob = {}
    if zones and link not in zones[0]:
        glob = zones.pop(0)
    return [glob | z for z in zones if link in z]


def _range(packed: int | None) -> tuple[int, int]:
    return (0, 127) if packed is None else (packed & 0xFF, packed >> 8)


def _resolve(pzone: dict, izones: list[dict], samples: list[SampleHeader], frames: int) -> list[Zone]:
    out = []
    pk, pv = _range(pzone.get(KEY_RANGE)), _range(pzone.get(VEL_RANGE))
    for izone in izones:
        ik, iv = _range(izone.get(KEY_RANGE)), _range(izone.get(VEL_RANGE))
        keys = (max(pk[0], ik[0]), min(pk[1], ik[1]))
        vels = (max(pv[0], iv[0]), min(pv[1], iv[1]))
        if keys[0] > keys[1] or vels[0] > vels[1]:
            continue
        sample = samples[izone[SAMPLE_ID]]
        if not 0 <= sample.start < sample.end <= frames or sample.kind & 0x8000 \
                or not LOWEST_RATE <= sample.rate <= HIGHEST_RATE:
            continue                       # a sample outside the data, in a ROM we do not have, or at no rate
        gens = {op: v for op, v in izone.items() if op not in (KEY_RANGE, VEL_RANGE)}
        for op, v in pzone.items():
            if op not in _NOT_ADDED:
                gens[op] = gens.get(op, DEFAULTS.get(op, 0)) + v
        zone = Zone(keys, vels, sample, gens)
        start, end = zone.address(START_OFFSET), zone.address(END_OFFSET)
        if not 0 <= start < end - 1 < frames or end - start > MAX_SAMPLE_SECONDS * sample.rate:
            continue                       # offsets that move the sample off the data, or a sample of hours
        out.append(zone)
    return out
