"""Make ``resources/piano.sf2``: the Acoustic Grand Piano of the Fluid R3 GM SoundFont, on its own.

    python tools/make_piano_soundfont.py [/usr/share/sounds/sf2/FluidR3_GM.sf2]

Fluid R3 GM (Frank Wen, MIT licence; Debian/Ubuntu package ``fluid-soundfont-gm``) is 148 MB of
General MIDI instruments. This copies preset bank 0 program 0 ("Yamaha Grand Piano": 20 stereo
pairs of samples at 32 kHz, 9 velocity layers) with only the instrument and samples it uses into
a new SoundFont: every generator and every sample frame is kept as it is, so it sounds exactly as
in the original (about 8 MB, no resampling or trimming needed). The licence goes into the file's
INFO list and beside it as ``piano-LICENSE.txt``. Run again, it writes the same bytes.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.sound.soundfont import INSTRUMENT, SAMPLE_ID, chunks, read_soundfont  # noqa: E402

SOURCE = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
OUT = ROOT / "resources" / "piano.sf2"
LICENSE_OUT = ROOT / "resources" / "piano-LICENSE.txt"
COPYRIGHT = "Copyright (c) 2000-2002, 2008 Frank Wen"
LICENSE = f"""Segue's piano: the Acoustic Grand Piano (bank 0, program 0, "Yamaha Grand Piano") of the
Fluid (R3) SoundFont, extracted unchanged into resources/piano.sf2 by tools/make_piano_soundfont.py.

Fluid (R3) SoundFont
{COPYRIGHT} <getfrank@gmail.com>
"I hereby release Fluid under the MIT license, as described in COPYING."

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""
SAMPLE_PAD = 46                 # the specification asks for 46 zero frames after each sample


def tables(raw: memoryview) -> tuple[dict, dict]:
    """The sample data and the pdta records of a SoundFont, as lists of tuples."""
    size, = struct.unpack_from("<I", raw, 4)
    lists = {bytes(raw[b:b + 4]).decode(): (b + 4, e) for cid, b, e in chunks(raw, 12, 8 + size) if cid == "LIST"}
    sdta = {cid: (b, e) for cid, b, e in chunks(raw, *lists["sdta"])}
    pdta = {cid: (b, e) for cid, b, e in chunks(raw, *lists["pdta"])}
    # generators stay (operator, raw 16-bit amount): copied, never interpreted, except the links
    formats = {"phdr": "<20sHHH3I", "pbag": "<HH", "pmod": "<HHhHH", "pgen": "<HH", "inst": "<20sH",
               "ibag": "<HH", "imod": "<HHhHH", "igen": "<HH", "shdr": "<20s5IBbHH"}
    records = {cid: list(struct.iter_unpack(fmt, raw[slice(*pdta[cid])])) for cid, fmt in formats.items()}
    return sdta, records


def extract(source: Path, bank: int = 0, program: int = 0) -> bytes:
    raw = memoryview(source.read_bytes())
    sdta, r = tables(raw)
    smpl = raw[sdta["smpl"][0]:sdta["smpl"][1]]
    phdr = r["phdr"]
    index = next(i for i, p in enumerate(phdr[:-1]) if (p[2], p[1]) == (bank, program))
    pbags = range(phdr[index][3], phdr[index + 1][3])

    # the preset's zones, and the instruments they name
    preset_zones = [(r["pgen"][r["pbag"][b][0]:r["pbag"][b + 1][0]], r["pmod"][r["pbag"][b][1]:r["pbag"][b + 1][1]])
                    for b in pbags]
    instruments = sorted({amount for gens, _ in preset_zones for op, amount in gens if op == INSTRUMENT})
    inst_zones = {}
    for i in instruments:
        inst_zones[i] = [(r["igen"][r["ibag"][b][0]:r["ibag"][b + 1][0]],
                          r["imod"][r["ibag"][b][1]:r["ibag"][b + 1][1]])
                         for b in range(r["inst"][i][1], r["inst"][i + 1][1])]
    samples = sorted({amount for zones in inst_zones.values() for gens, _ in zones
                      for op, amount in gens if op == SAMPLE_ID})

    # sample data: each sample followed by its zero frames, links kept where the partner came along
    new_sample = {old: new for new, old in enumerate(samples)}
    data, shdr = bytearray(), []
    for old in samples:
        name, start, end, loop_start, loop_end, rate, key, correction, link, kind = r["shdr"][old]
        at = len(data) // 2
        data += smpl[start * 2:end * 2]
        data += bytes(SAMPLE_PAD * 2)
        shdr.append((name, at, at + end - start, at + loop_start - start, at + loop_end - start, rate, key,
                     correction, new_sample.get(link, 0), kind))
    shdr.append((b"EOS", 0, 0, 0, 0, 0, 0, 0, 0, 0))

    new_inst = {old: new for new, old in enumerate(instruments)}
    inst, ibag, igen, imod = [], [], [], []
    for old in instruments:
        inst.append((r["inst"][old][0], len(ibag)))
        for gens, mods in inst_zones[old]:
            ibag.append((len(igen), len(imod)))
            igen += [(op, new_sample[amount] if op == SAMPLE_ID else amount) for op, amount in gens]
            imod += mods
    inst.append((b"EOI", len(ibag)))
    ibag.append((len(igen), len(imod)))
    igen.append((0, 0))
    imod.append((0, 0, 0, 0, 0))

    pbag, pgen, pmod = [], [], []
    for gens, mods in preset_zones:
        pbag.append((len(pgen), len(pmod)))
        pgen += [(op, new_inst[amount] if op == INSTRUMENT else amount) for op, amount in gens]
        pmod += mods
    name, _, _, _, library, genre, morphology = phdr[index]
    presets = [(name, program, bank, 0, library, genre, morphology), (b"EOP", 0, 0, len(pbag), 0, 0, 0)]
    pbag.append((len(pgen), len(pmod)))
    pgen.append((0, 0))
    pmod.append((0, 0, 0, 0, 0))

    info = _list(b"INFO", [
        _chunk(b"ifil", struct.pack("<HH", 2, 1)),
        _chunk(b"isng", _zstr("EMU8000")),
        _chunk(b"INAM", _zstr("Segue Piano (Fluid R3 GM Acoustic Grand Piano)")),
        _chunk(b"IENG", _zstr("Frank Wen")),
        _chunk(b"ICOP", _zstr(COPYRIGHT)),
        _chunk(b"ICMT", _zstr("Licensed under the MIT License (see piano-LICENSE.txt). Preset 0:0 of Fluid R3 GM, "
                              "extracted unchanged by Segue's tools/make_piano_soundfont.py.")),
        _chunk(b"ISFT", _zstr("Segue make_piano_soundfont.py")),
    ])
    sample_list = _list(b"sdta", [_chunk(b"smpl", bytes(data))])
    pdta = _list(b"pdta", [
        _table(b"phdr", "<20sHHH3I", presets), _table(b"pbag", "<HH", pbag), _table(b"pmod", "<HHhHH", pmod),
        _table(b"pgen", "<HH", pgen), _table(b"inst", "<20sH", inst), _table(b"ibag", "<HH", ibag),
        _table(b"imod", "<HHhHH", imod), _table(b"igen", "<HH", igen), _table(b"shdr", "<20s5IBbHH", shdr),
    ])
    body = b"sfbk" + info + sample_list + pdta
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _zstr(text: str) -> bytes:
    raw = text.encode("latin-1") + b"\0"
    return raw + b"\0" * (len(raw) & 1)             # INFO strings are zero-terminated, even-sized


def _chunk(cid: bytes, body: bytes) -> bytes:
    return cid + struct.pack("<I", len(body)) + body + b"\0" * (len(body) & 1)


def _list(kind: bytes, parts: list[bytes]) -> bytes:
    return _chunk(b"LIST", kind + b"".join(parts))


def _table(cid: bytes, fmt: str, rows: list[tuple]) -> bytes:
    return _chunk(cid, b"".join(struct.pack(fmt, *row) for row in rows))


def check(source: Path, out: Path, bank: int = 0, program: int = 0) -> None:
    """The new file resolves to the same zones, playing the same sample frames, as the original."""
    old, new = read_soundfont(source).preset(bank, program), read_soundfont(out).preset(bank, program)
    old_data, new_data = read_soundfont(source).data, read_soundfont(out).data
    assert len(old.zones) == len(new.zones), "zone count differs"
    for a, b in zip(old.zones, new.zones):
        assert (a.keys, a.velocities) == (b.keys, b.velocities)
        assert {k: v for k, v in a.generators.items() if k != SAMPLE_ID} == \
               {k: v for k, v in b.generators.items() if k != SAMPLE_ID}
        sa, sb = a.sample, b.sample
        assert (sa.loop_start - sa.start, sa.loop_end - sa.start, sa.rate, sa.root_key, sa.correction) == \
               (sb.loop_start - sb.start, sb.loop_end - sb.start, sb.rate, sb.root_key, sb.correction)
        assert (old_data[sa.start:sa.end] == new_data[sb.start:sb.end]).all()


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else SOURCE
    if not source.is_file():
        print(f"make_piano_soundfont: {source} not found (apt install fluid-soundfont-gm)", file=sys.stderr)
        return 2
    OUT.write_bytes(extract(source))
    LICENSE_OUT.write_text(LICENSE)
    check(source, OUT)
    font = read_soundfont(OUT)
    preset = font.preset(0, 0)
    samples = {z.sample.name for z in preset.zones}
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB): '{preset.name}', {len(preset.zones)} zones, "
          f"{len(samples)} samples; checked against {source.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
