"""Files built to hurt, each through the real command line in a process of its own.

    python benchmarks/hostile_files.py [--only WORD] [--limit-s 60] [--limit-mb 2048]

Every case must end within the time and memory limits with exit status 0 (a sensible result) or
2 (one line on stderr naming the file), print no traceback, and write nothing but its ``-o`` file
(each runs in an empty folder with its own temporary, data and cache folders, which are checked
afterwards: a music21 parse cache written there would show). Prints one line per case: exit
status, seconds, peak memory, and the first line the command printed; exits 1 if any case broke
a rule. ``tests/engine/test_hostile_files.py`` holds the quick versions of these cases.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "default"
MAIN = str(ROOT / "main.py")

SCORE_NOTE = "<note><pitch><step>C</step><octave>4</octave></pitch><duration>1</duration><type>quarter</type></note>"


def musicxml(measures: int = 2, notes_per_bar: int = 1, doctype: str = "", part_name: str = "P") -> str:
    bars = "".join(f'<measure number="{i + 1}">'
                   + ("<attributes><divisions>1</divisions><time><beats>4</beats><beat-type>4</beat-type>"
                      "</time></attributes>" if i == 0 else "") + SCORE_NOTE * notes_per_bar + "</measure>"
                   for i in range(measures))
    return (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<score-partwise version="3.1"><part-list>'
            f'<score-part id="P1"><part-name>{part_name}</part-name></score-part></part-list>'
            f'<part id="P1">{bars}</part></score-partwise>')


def mxl(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def bomb() -> bytes:
    """An .mxl of about 1 MB whose score unpacks to 1 GB (written in pieces: this process stays small)."""
    head, tail = musicxml(1, part_name="@").split("@")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("score.xml", "w", force_zip64=True) as member:
            member.write(head.encode())
            chunk = b" " * 2**20
            for _ in range(1024):
                member.write(chunk)
            member.write(tail.encode())
    return buffer.getvalue()


def midi(tracks: list[bytes], declared: int | None = None, division: int = 480) -> bytes:
    return (b"MThd" + struct.pack(">IHHH", 6, 1, len(tracks) if declared is None else declared, division)
            + b"".join(b"MTrk" + struct.pack(">I", len(t)) + t for t in tracks))


ONE_NOTE = b"\x00\x90\x3c\x40\x83\x60\x80\x3c\x00\x00\xff\x2f\x00"
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE score-partwise [<!ENTITY a "' + "a" * 10 + '">'
          + "".join(f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(9))
          + "]>" + musicxml(1, part_name="&j;"))


def dense_midi(notes: int) -> bytes:
    events = b"".join(bytes([0x00, 0x90, 30 + i % 60, 64, 0x01, 0x80, 30 + i % 60, 0]) for i in range(notes))
    return midi([events + b"\x00\xff\x2f\x00"])


def _vlq(value: int) -> bytes:
    out = [value & 0x7F]
    while value > 0x7F:
        value >>= 7
        out.append(0x80 | (value & 0x7F))
    return bytes(reversed(out))


def far_apart(ticks: int, numerator: int = 4, power: int = 2, notes: int = 2) -> bytes:
    """A MIDI file of ``notes`` quarter notes ``ticks`` apart (480 a quarter) in numerator/2**power."""
    track = b"\x00\xff\x58\x04" + bytes([numerator, power, 24, 8])
    for i in range(notes):
        track += _vlq(ticks if i else 0) + b"\x90\x3c\x40\x83\x60\x80\x3c\x00"
    return midi([track + b"\x00\xff\x2f\x00"])


def long_piece(notes: int) -> bytes:
    """A MIDI file of ``notes`` notes, a chord of four on every quarter, over the keyboard: a long
    piece (100,000 notes: 6,250 bars, 3 h 28 min at 120 bpm)."""
    events = []
    for i in range(0, notes, 4):
        chord = [36 + (7 * (i + k)) % 48 for k in range(4)]
        events += [bytes([0x00, 0x90, p, 70]) for p in chord]
        events.append(b"\x83\x60" + b"".join(bytes([0x80, p, 0]) + b"\x00" for p in chord)[:-1])
    return midi([b"".join(events) + b"\x00\xff\x2f\x00"])


def protected_target(folder: Path) -> Path:
    """The music to continue, and beside it out/kept.mid, write-protected, for -o."""
    (folder / "in.mid").write_bytes(far_apart(480))
    kept = folder / "out" / "kept.mid"
    kept.write_bytes(far_apart(960))
    kept.chmod(0o444)
    return folder / "in.mid"


def pipe_document(folder: Path) -> Path:
    os.mkfifo(folder / "x.segue")
    return folder / "x.segue"


def pipe_target(folder: Path) -> Path:
    (folder / "in.mid").write_bytes(far_apart(480))
    os.mkfifo(folder / "out" / "pipe.wav")
    return folder / "in.mid"


def looping_link(folder: Path) -> Path:
    (folder / "in.mid").write_bytes(far_apart(480))
    (folder / "out" / "loop.wav").symlink_to("loop.wav")
    return folder / "in.mid"


def abc_tune(bars: int, index: int = 1) -> str:
    return f"X:{index}\nT:Tune {index}\nM:4/4\nL:1/8\nK:G\n" + "GABc dedB|" * bars + "\n\n"


def document(**fields) -> str:
    data = {"format": "segue-document", "version": 1, "grid": {"steps_per_quarter": 4}, "tempo_bpm": 120,
            "time_signature": [4, 4], "end": 16, "notes": [[60, 0, 4, 80, 0]], "settings": {}}
    data.update(fields)
    return json.dumps(data)


def model_folder(folder: Path, change=None, weights: bytes | None = None) -> Path:
    shutil.copytree(MODEL, folder)
    if change is not None:
        info = json.loads((folder / "model.json").read_text())
        change(info)
        (folder / "model.json").write_text(json.dumps(info))
    if weights is not None:
        (folder / "model.safetensors").write_bytes(weights)
    return folder


def padded_model(folder: Path, size: int) -> Path:
    model_folder(folder)
    text = (folder / "model.json").read_text()
    with open(folder / "model.json", "w") as f:          # written in pieces: this process stays small
        f.write(text.rstrip()[:-1] + ', "pad": "')
        for _ in range(size // 2**20):
            f.write(" " * 2**20)
        f.write('"}')
    return folder


def _pickle_bomb() -> bytes:
    import pickle

    class Planted:
        def __reduce__(self):
            return (os.system, ("touch the-pickle-ran",))
    return pickle.dumps(Planted())


# each case: (name, file name, content or builder, command words after `main.py`, expected exits)
def cases() -> list[tuple]:
    load_doc = ["-c", "import sys\nfrom engine.files.document import load_document\nfrom engine.errors import "
                      "MusicFileError\ntry:\n    load_document(sys.argv[1])\nexcept MusicFileError as e:\n"
                      "    print(f'segue: error: {e}', file=sys.stderr)\n    sys.exit(2)\nprint('opened')", "{file}"]
    cont = [MAIN, "continue", "{file}", "-o", "out/out.mid", "--bars", "1", "--seed", "1"]

    def fill_to(bar: str) -> list[str]:
        return [MAIN, "fill", "{file}", "-o", "out/out.mid", "--from-bar", "7", "--to-bar", bar, "--seed", "1"]

    def cont_with(*more: str) -> list[str]:
        return [MAIN, "continue", "{file}", "-o", "out/out.mid", "--seed", "1", *more]
    return [
        ("midi: 299,000 notes in 2.4 MB", "dense.mid", lambda: dense_midi(299_000), cont, {2}),
        ("midi: 65,535 declared tracks", "tracks.mid", midi([ONE_NOTE], declared=65_535), cont, {2}),
        ("midi: 5 MB", "huge.mid", midi([ONE_NOTE]) + b"\0" * (5 * 2**20), cont, {2}),
        ("midi: ticks near 2**31", "late.mid",
         midi([b"\x00\x90\x3c\x40\xff\xff\xff\x7f\x80\x3c\x00\x00\xff\x2f\x00"], division=1), cont, {2}),
        ("midi: 1-microsecond tempo", "fast.mid", midi([b"\x00\xff\x51\x03\x00\x00\x01" + ONE_NOTE]), cont, {0}),
        ("midi: slowest tempo", "slow.mid", midi([b"\x00\xff\x51\x03\xff\xff\xff" + ONE_NOTE]), cont, {0}),
        ("midi: sysex past the end", "sysex.mid", midi([b"\x00\xf0\x8f\xff\xff\x7f\x01\x02"]), cont, {2}),
        ("midi: SMPTE division", "smpte.mid", midi([ONE_NOTE], division=0xE728), cont, {0, 2}),
        ("midi: time signature 4/2**200", "metre.mid", midi([b"\x00\xff\x58\x04\x04\xc8\x18\x08" + ONE_NOTE]),
         cont, {0}),
        ("xml: billion laughs", "laughs.musicxml", LAUGHS, cont, {2}),
        ("xml: external entity (file)", "secret.musicxml",
         musicxml(2, doctype='<!DOCTYPE score-partwise [<!ENTITY s SYSTEM "file:///etc/passwd">]>',
                  part_name="&s;"), cont, {2}),
        ("xml: external DTD (network)", "dtd.musicxml",
         musicxml(2, doctype='<!DOCTYPE score-partwise SYSTEM "http://127.0.0.1:9/x.dtd">'), cont, {0}),
        ("xml: 10,000 bars in a part", "long.musicxml", lambda: musicxml(10_000, 4), cont, {2}),
        ("mxl: 1 MB that unpacks to 1 GB", "bomb.mxl", bomb, cont, {2}),
        ("mxl: 10,000 members", "many.mxl", lambda: mxl({f"{i}.xml": "" for i in range(10_000)}), cont, {2}),
        ("mxl: zip-slip member", "slip.mxl", mxl({"score.xml": musicxml(2), "../../../tmp/evil.xml": "x"}),
         cont, {2}),
        ("abc: one tune of 400 KB", "big-tune.abc", lambda: abc_tune(40_000), cont, {2}),
        ("abc: 1 MB of many tunes", "book.abc", lambda: "".join(abc_tune(16, i) for i in range(1, 5000)), cont, {0}),
        ("abc: 29 MB", "huge.abc", lambda: "X:1\nK:C\n" + "C" * (29 * 2**20), cont, {2}),
        ("segue: time signature [3.5, 4]", "metre.segue", document(time_signature=[3.5, 4]), load_doc, {2}),
        ("segue: 3 million notes", "many.segue",
         lambda: document().replace('"notes": [[60, 0, 4, 80, 0]]',
                                    '"notes": [' + "[60, 0, 1, 80], " * 2_999_999 + "[60, 0, 1, 80]]"), load_doc, {2}),
        ("segue: nested 1,000,000 deep", "deep.segue",
         document().replace('"settings": {}', '"settings": ' + "[" * 10**6 + "]" * 10**6), load_doc, {2}),
        ("segue: huge numbers", "huge.segue", document(notes=[[60, 10**30, 10**30, 80]], end=10**40), load_doc, {2}),
        ("model: hidden size 2**40", None,
         lambda d: model_folder(d / "m", lambda i: i["model"].update(hidden_size=2**40)),
         [MAIN, "continue", "-o", "out/out.mid", "--model", "{folder}"], {2}),
        ("model: pickle named model.safetensors", None,
         lambda d: model_folder(d / "m", weights=_pickle_bomb()),
         [MAIN, "continue", "-o", "out/out.mid", "--model", "{folder}"], {2}),
        ("model: 100 MB model.json", None, lambda d: padded_model(d / "m", 100 * 2**20),
         [MAIN, "continue", "-o", "out/out.mid", "--model", "{folder}"], {2}),
        ("cli: --seed 99999999999999999999", None, None,
         [MAIN, "continue", "-o", "out/out.mid", "--seed", "99999999999999999999"], {2}),
        # -- arguments (issue 29, findings 8 and 9) ------------------------------------------------
        ("args: fill --to-bar 30000", "eight.mid", far_apart(480 * 4, notes=8), fill_to("30000"), {2}),
        ("args: fill --to-bar 1000000000", "eight.mid", far_apart(480 * 4, notes=8), fill_to("1000000000"), {2}),
        ("args: fill --from-bar 0", "eight.mid", far_apart(480 * 4, notes=8),
         [MAIN, "fill", "{file}", "-o", "out/out.mid", "--from-bar", "0", "--to-bar", "2"], {2}),
        ("args: continue --bars 10**30", "in.mid", far_apart(480), cont_with("--bars", "1" + "0" * 30), {2}),
        ("args: continue --temperature nan", "in.mid", far_apart(480), cont_with("--temperature", "nan"), {2}),
        ("args: render 7 h into WAV", "long.mid", far_apart(480 * 2 * 3600 * 7, notes=2),
         [MAIN, "render", "{file}", "-o", "out/long.wav"], {2}),
        ("args: render -o onto a folder", "in.mid", far_apart(480), [MAIN, "render", "{file}", "-o", "out"], {2}),
        ("args: render -o a looping link", None, looping_link,
         [MAIN, "render", "{folder}", "-o", "out/loop.wav"], {2}),
        # -- big pieces (findings 4 and 12) ---------------------------------------------------------
        ("big: sheet music of notes 3 h 53 min apart", "apart.mid", far_apart(480 * 2 * 60 * 233),
         [MAIN, "continue", "{file}", "-o", "out/out.musicxml", "--bars", "1", "--seed", "1"], {2}),
        ("big: sheet music in 1/64, a note at 2**20", "sixty-fourth.mid", far_apart(2**20, 1, 6),
         [MAIN, "continue", "{file}", "-o", "out/out.musicxml", "--bars", "1", "--seed", "1"], {2}),
        ("big: sheet music in 255/1", "wide.mid", far_apart(480, 255, 0),
         [MAIN, "continue", "{file}", "-o", "out/out.musicxml", "--bars", "1", "--seed", "1"], {2}),
        ("big: fill 2 bars of 100,000 notes", "long.mid", lambda: long_piece(100_000),
         [MAIN, "fill", "{file}", "-o", "out/out.mid", "--from-bar", "3000", "--to-bar", "3001", "--seed", "1"],
         {0}),
        # -- protected targets (findings 1, 3 and 7) -------------------------------------------------
        ("protected: continue -o a 0444 file", None, protected_target,
         [MAIN, "continue", "{folder}", "-o", "out/kept.mid", "--bars", "1", "--seed", "1"], {2}),
        ("protected: render -o a pipe", None, pipe_target, [MAIN, "render", "{folder}", "-o", "out/pipe.wav"], {2}),
        ("protected: a pipe named x.segue", None, pipe_document, load_doc[:-1] + ["{folder}"], {2}),
        # -- damaged SoundFonts (finding 11) --------------------------------------------------------
        ("soundfont: 60 mutations of the piano", None, None,
         [str(ROOT / "benchmarks" / "fuzz_soundfont.py"), "--cases", "60", "--seed", "7", "--folder", "out"], {0}),
    ]


def _build(content, folder: Path):
    return content(folder) if callable(content) and content.__code__.co_argcount else \
        content() if callable(content) else content


def run_case(name, file_name, content, words, expected, limit_s: float, limit_mb: int) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="segue-hostile-") as base:
        base = Path(base)
        work, private = base / "work", base / "private"
        (work / "out").mkdir(parents=True)
        for sub in ("tmp", "data", "cache", "home"):
            (private / sub).mkdir(parents=True)
        made = _build(content, work) if content is not None else None
        arguments = {}
        if file_name is not None:
            path = work / file_name
            path.write_bytes(made.encode() if isinstance(made, str) else made)
            arguments["file"] = str(path)
        elif isinstance(made, Path):
            arguments["folder"] = str(made)
        before = {p for p in work.rglob("*")}
        env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(private / "tmp"), SEGUE_DATA_DIR=str(private / "data"),
                   XDG_CACHE_HOME=str(private / "cache"), HOME=str(private / "home"), QT_QPA_PLATFORM="offscreen")
        command = [sys.executable] + [arguments.get(w[1:-1], w) if w in ("{file}", "{folder}") else w for w in words]
        started = time.perf_counter()
        with open(private / "stdout", "wb") as out_file, open(private / "stderr", "wb") as err_file:
            child = subprocess.Popen(command, cwd=work, env=env, stdout=out_file, stderr=err_file,
                                     start_new_session=True)
            returncode, peak_mb, timed_out = _wait(child, limit_s)
        seconds = time.perf_counter() - started
        out, err = (private / "stdout").read_bytes(), (private / "stderr").read_bytes()
        err_text = err.decode(errors="replace").strip()
        said = (err_text or out.decode(errors="replace").strip()).splitlines()
        problems = []
        if timed_out:
            problems.append(f"ran past {limit_s:.0f} s")
        elif returncode not in expected:
            problems.append(f"exit {returncode}, expected {sorted(expected)}")
        if returncode == 2 and len(err_text.splitlines()) != 1:
            problems.append(f"{len(err_text.splitlines())} lines on stderr")
        if "Traceback" in err_text:
            problems.append("a traceback")
        if peak_mb > limit_mb:
            problems.append(f"peak {peak_mb:.0f} MB")
        written = sorted(str(p.relative_to(work)) for p in set(work.rglob("*")) - before
                         if p.is_file() and not str(p.relative_to(work)).startswith("out/"))
        if written:
            problems.append(f"wrote {written[:3]}")
        cached = sorted(p.name for p in (private / "tmp").rglob("*.p.gz"))
        if cached:
            problems.append(f"music21 cached {cached[:2]}")
        if (ROOT / "the-pickle-ran").exists() or (work / "the-pickle-ran").exists():
            problems.append("a pickle ran")
        line = (f"{'ok  ' if not problems else 'FAIL'} {name:<40} exit {returncode if not timed_out else '-':>3} "
                f"{seconds:6.1f} s {peak_mb:6.0f} MB  {(said[0] if said else '')[:110]}")
        if problems:
            line += "\n     " + "; ".join(problems)
        return not problems, line


def _wait(child, limit_s: float) -> tuple[int | None, float, bool]:
    """Wait for the child within ``limit_s`` (then kill its whole group); its exit status, its peak
    memory in MB and whether it ran over. The peak is the high-water mark of the child's own
    memory (VmHWM, read while it runs): the kernel's ru_maxrss of a child also counts what its
    parent had used when it started it."""
    deadline, peak_kb = time.monotonic() + limit_s, 0
    while True:
        peak_kb = max(peak_kb, _high_water_kb(child.pid))
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            return child.returncode, (peak_kb or usage.ru_maxrss) / 1024, False
        if time.monotonic() > deadline:
            os.killpg(child.pid, signal.SIGKILL)
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            return None, (peak_kb or usage.ru_maxrss) / 1024, True
        time.sleep(0.02)


def _high_water_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only the cases whose name holds this word")
    parser.add_argument("--limit-s", type=float, default=60.0)
    parser.add_argument("--limit-mb", type=int, default=2048)
    args = parser.parse_args()
    good = True
    for case in cases():
        if args.only and args.only not in case[0]:
            continue
        ok, line = run_case(*case, limit_s=args.limit_s, limit_mb=args.limit_mb)
        print(line, flush=True)
        good &= ok
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
