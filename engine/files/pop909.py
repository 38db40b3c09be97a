"""POP909 songs with their annotations: the notes as one piano part, beats, bars, chords and keys.

POP909 (Wang et al., ISMIR 2020; MIT licence) gives each song a folder ``NNN/`` holding ``NNN.mid``
(tracks MELODY, BRIDGE and PIANO, 480 ticks per quarter), ``beat_midi.txt`` (one beat a line:
seconds, then 1.0 on the first beat of each short group and of each bar: in 4/4 the second column
marks every other beat and the third every bar; in 3/4 the second marks every bar and the third
every other bar), ``chord_midi.txt`` (start and end seconds and a Harte label) and
``key_audio.txt`` (start and end seconds and a key such as ``Gb:maj``).

The MIDI's notes lie on a grid that starts a little after the file's start. ``read_song`` moves the
music (by less than a bar, reported as ``offset``) so that its first annotated downbeat falls on a
bar line of the phrase, and converts every annotated time from seconds to grid steps through the
file's tempo map (one tempo in most songs; a few hundred speed up and slow down).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ..errors import MusicFileError
from ..music.chords import Chord, parse_harte
from ..music.keys import Key
from ..music.phrase import Phrase, regrid
from .midi import TICKS_PER_QUARTER, read_midi


@dataclass(frozen=True)
class Song:
    """One POP909 song on a grid of ``phrase.steps_per_quarter`` steps a quarter note.

    ``phrase``: the three tracks merged as one piano part, its first downbeat on a bar line, in 4/4
    or 3/4 as the beats say. ``beats`` and ``downbeats``: the annotated beats and bar starts, in
    steps. ``chords``: (start, end, chord) in steps, each Harte label mapped to the nearest
    vocabulary chord (``engine.music.chords.parse_harte``); ``labels`` the labels themselves, span for
    span, and ``unparsed`` the labels that could not be read (their spans are left out).
    ``keys``: (start, end, key) in steps; ``key`` the one that lasts longest. ``offset``: how many
    steps later than in the file the music now lies (negative: earlier)."""

    name: str
    phrase: Phrase
    beats: tuple[int, ...]
    downbeats: tuple[int, ...]
    chords: tuple[tuple[int, int, Chord], ...]
    labels: tuple[str, ...]
    unparsed: tuple[str, ...]
    keys: tuple[tuple[int, int, Key], ...]
    key: Key | None
    offset: int

    def chord_at(self, step: float) -> Chord | None:
        """The annotated chord sounding at ``step`` (None between annotated spans)."""
        return next((chord for start, end, chord in self.chords if start <= step < end), None)


def song_folders(root: str | Path) -> list[Path]:
    """The song folders under ``root`` (those holding ``NNN/NNN.mid``), in name order."""
    return sorted(p for p in Path(root).iterdir() if (p / f"{p.name}.mid").is_file())


def split_songs(names: Iterable[str], fraction: float = 0.1, seed: int = 909) -> tuple[list[str], list[str]]:
    """(training, validation): ``fraction`` of the songs, drawn with ``seed``, held back for
    validation. The same names, fraction and seed always give the same split."""
    if not 0 < fraction < 1:
        raise ValueError(f"the validation fraction must be between 0 and 1, not {fraction}")
    ordered = sorted(set(names))
    shuffled = ordered[:]
    random.Random(seed).shuffle(shuffled)
    held = set(shuffled[:max(1, round(len(ordered) * fraction))])
    return [n for n in ordered if n not in held], [n for n in ordered if n in held]


def read_song(folder: str | Path, steps_per_quarter: int = 4) -> Song:
    """The song in ``folder`` (a POP909 ``NNN/`` folder), on a grid of ``steps_per_quarter``.

    Raises MusicFileError naming the file when the MIDI or an annotation is missing or broken."""
    folder = Path(folder)
    exact = read_midi(folder / f"{folder.name}.mid", steps_per_quarter=TICKS_PER_QUARTER)
    to_ticks = _seconds_to_ticks(exact)
    beat_rows = _table(folder / "beat_midi.txt", columns=3)
    beat_times = np.array([float(row[0]) for row in beat_rows])
    marks = np.array([[float(row[1]), float(row[2])] for row in beat_rows]) == 1.0
    groups = np.diff(np.flatnonzero(marks[:, 0]))
    beats_per_bar = 3 if len(groups) and np.median(groups) == 3 else 4
    bar_marks = marks[:, 0] if beats_per_bar == 3 else marks[:, 1]
    if not bar_marks.any():
        raise MusicFileError(folder / "beat_midi.txt", "no beat is marked as a downbeat")
    first_downbeat = round(to_ticks(beat_times[bar_marks][0]))
    bar = beats_per_bar * TICKS_PER_QUARTER
    late = first_downbeat % bar
    earliest = min([n.start for n in exact.notes] + [round(to_ticks(beat_times[0]))])
    offset = -late if earliest >= late else bar - late     # earlier, unless a note or beat would go
    phrase = regrid(_moved(exact, offset, (beats_per_bar, 4)), steps_per_quarter)

    def steps(seconds: float) -> int:
        return round((to_ticks(seconds) + offset) * steps_per_quarter / TICKS_PER_QUARTER)

    chords, labels, unparsed = [], [], []
    for row in _table(folder / "chord_midi.txt", columns=3):
        start, end, label = steps(float(row[0])), steps(float(row[1])), row[2]
        try:
            chord = parse_harte(label)
        except ValueError:
            unparsed.append(label)
            continue
        if end > start:
            chords.append((start, end, chord))
            labels.append(label)
    keys = []
    for row in _table(folder / "key_audio.txt", columns=3):
        start, end = max(0, steps(float(row[0]))), min(phrase.length, steps(float(row[1])))
        if end > start:
            keys.append((start, end, Key.parse(row[2].replace(":", " "))))
    longest = max(keys, key=lambda span: span[1] - span[0], default=None)
    return Song(folder.name, phrase, tuple(steps(t) for t in beat_times),
                tuple(steps(t) for t in beat_times[bar_marks]), tuple(chords), tuple(labels), tuple(unparsed),
                tuple(keys), longest[2] if longest else None,
                round(offset * steps_per_quarter / TICKS_PER_QUARTER))


def _table(path: Path, columns: int) -> list[list[str]]:
    """The rows of a whitespace-separated annotation file, each with ``columns`` fields."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise MusicFileError(path, "the annotation file does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise MusicFileError(path, f"the annotation file cannot be read ({err})") from None
    rows = [line.split() for line in lines if line.strip()]
    for number, row in enumerate(rows, 1):
        if len(row) != columns:
            raise MusicFileError(path, f"line {number} has {len(row)} fields, not {columns}")
        try:
            [float(field) for field in row[:2]]
        except ValueError:
            raise MusicFileError(path, f"line {number} does not start with two times in seconds") from None
    return rows


def _seconds_to_ticks(phrase: Phrase):
    """A function from seconds to ticks through the tempo map of a phrase read at one step a tick."""
    changes = [(0, phrase.tempo_bpm), *phrase.tempo_changes]
    ticks = np.array([tick for tick, _ in changes], dtype=float)
    per_second = np.array([bpm / 60 * TICKS_PER_QUARTER for _, bpm in changes])
    seconds = np.concatenate([[0.0], np.cumsum(np.diff(ticks) / per_second[:-1])])

    def to_ticks(time: float) -> float:
        i = max(0, int(np.searchsorted(seconds, time, side="right")) - 1)
        return float(ticks[i] + (time - seconds[i]) * per_second[i])
    return to_ticks


def _moved(phrase: Phrase, ticks: int, time_signature: tuple[int, int]) -> Phrase:
    """The phrase with its notes, tempo map and key signatures ``ticks`` later (earlier if negative)."""
    notes = [replace(n, start=n.start + ticks) for n in phrase.notes]
    tempos = [(0, phrase.tempo_bpm)] + [(step + ticks, bpm) for step, bpm in phrase.tempo_changes]
    first = [bpm for step, bpm in tempos if step <= 0][-1]
    return replace(phrase, notes=tuple(notes), end=max(0, phrase.end + ticks), tempo_bpm=first,
                   time_signature=time_signature, tempo_changes=tuple(t for t in tempos if t[0] >= 1),
                   key_signatures=tuple((max(0, step + ticks), key) for step, key in phrase.key_signatures))


def beat_chords(song: Song, estimated: Sequence[tuple[int, int, Chord]]) -> list[tuple[Chord | None, Chord]]:
    """(annotated, estimated) chord at the middle of each annotated beat: the beats a recogniser is
    scored on (the annotation is None where no span covers the beat)."""
    ends = np.array([end for _, end, _ in estimated])
    out = []
    for here, after in zip(song.beats, song.beats[1:]):
        middle = (here + after) / 2
        i = int(np.searchsorted(ends, middle, side="right"))
        if i < len(estimated) and estimated[i][0] <= middle:
            out.append((song.chord_at(middle), estimated[i][2]))
    return out
