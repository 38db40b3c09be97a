"""How well engine.music.harmony recognises the chords of POP909's songs, beat by beat.

The songs are split with ``engine.files.pop909.split_songs`` (10% held back for validation, seed 909).
Each song's three tracks are read as one piano part; ``estimate_chords`` (one chord a beat, the
key estimated from the notes, the bar lines where beat_midi.txt puts them) is compared with the
annotation at the middle of every annotated beat:

- majmin (MIREX): root and major/minor triad, N included; sevenths count as their triad (7 and maj7
  as major, m7 as minor), the bass is ignored; beats annotated dim, m7b5, aug, sus2 or sus4 are
  left out, as MIREX leaves out chords outside its vocabulary. An estimate outside major and minor
  (dim, aug, sus...) on a scored beat is wrong.
- full vocabulary: root and quality of the ten-quality vocabulary (after mapping each Harte label
  to its nearest vocabulary chord), N included, bass ignored; every annotated beat is scored.
- root: the root alone (N must meet N).
- full + bass: root, quality and bass note (slash chords), for reference.

POP909's chords were annotated from the audio, so they do not always match the MIDI's notes.

    python benchmarks/chord_recognition.py                 # validation figures, written as JSON
    python benchmarks/chord_recognition.py --tune 80       # tune the settings on 80 training songs

``--tune`` searches ``RecognitionSettings`` one field at a time on a seeded sample of the training
songs (never the validation songs) and prints the best settings; copy them into engine/music/harmony.py.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from dataclasses import asdict, fields, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.files.pop909 import Song, beat_chords, read_song, song_folders, split_songs  # noqa: E402
from engine.music.chords import majmin  # noqa: E402
from engine.music.harmony import (  # noqa: E402
    RecognitionSettings,
    SpanEvidence,
    best_path,
    change_costs,
    chord_scores,
    chords_of_path,
    estimate_chords,
    span_edges,
    span_evidence,
)
from engine.music.keys import estimate_key  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "pop909"
SEED = 909
FRACTION = 0.1


# one part of the recogniser turned off at a time (figures for the record, not for choosing settings)
ABLATIONS = {
    "no smoothing (no change costs)": dict(change_cost=0.0, half_bar_change_cost=0.0, beat_change_cost=0.0,
                                           off_beat_change_cost=0.0),
    "no bass": dict(bass_confidence=0.0),
    "no key preference": dict(diatonic_bonus=0.0),
    "no quality priors": dict(seventh_cost=0.0, diminished_cost=0.0, augmented_cost=0.0, suspended_cost=0.0),
    "notes never fade": dict(longest_note=0.0, held_weight=1.0),
    "top voice counted fully": dict(top_voice_weight=1.0),
}


def scores(pairs) -> dict[str, list[int]]:
    """[correct, scored] beats for each measure, from (annotated, estimated) chords."""
    out = {"majmin": [0, 0], "full": [0, 0], "root": [0, 0], "full_bass": [0, 0]}
    for reference, estimate in pairs:
        if reference is None:
            continue
        triad = majmin(reference)
        if triad is not None:
            out["majmin"][0] += majmin(estimate) == triad
            out["majmin"][1] += 1
        out["full"][0] += reference.without_bass() == estimate.without_bass()
        out["root"][0] += reference.root == estimate.root
        out["full_bass"][0] += reference == estimate
        for measure in ("full", "root", "full_bass"):
            out[measure][1] += 1
    return out


def total(per_song: list[dict[str, list[int]]]) -> dict[str, float]:
    return {m: sum(s[m][0] for s in per_song) / max(1, sum(s[m][1] for s in per_song)) for m in per_song[0]}


class Prepared:
    """A song's evidence, computed once, for scoring many settings while tuning."""

    def __init__(self, song: Song):
        self.song = song
        self.edges = span_edges(song.phrase, "beat")
        self.key = estimate_key(song.phrase)
        self.evidences: dict[tuple[int, float, float, float], SpanEvidence] = {}

    def pairs(self, settings: RecognitionSettings):
        beat = self.song.phrase.steps_per_beat
        how = (round(settings.longest_note * beat), settings.held_weight, settings.top_voice_weight,
               settings.attack * beat)
        if how not in self.evidences:
            self.evidences[how] = span_evidence(self.song.phrase, self.edges, *how)
        evidence = self.evidences[how]
        path = best_path(chord_scores(evidence, self.key, settings),
                         change_costs(self.edges, self.song.phrase, settings, self.song.downbeats))
        return beat_chords(self.song, chords_of_path(path, evidence))


def tune(songs: list[Song], rounds: int = 2) -> RecognitionSettings:
    """Coordinate search: each field in turn tried at a few multiples, the best kept (majmin first,
    full vocabulary breaking near-ties)."""
    prepared = [Prepared(song) for song in songs]

    def objective(settings: RecognitionSettings) -> float:
        figures = total([scores(p.pairs(settings)) for p in prepared])
        return figures["majmin"] + 0.25 * figures["full"]
    best = RecognitionSettings()
    best_value = objective(best)
    print(f"start: {best_value:.4f}", file=sys.stderr)
    for _ in range(rounds):
        for field in fields(RecognitionSettings):
            if field.name == "longest_note":
                continue            # a bar: a chord held for a bar under a melody is heard whole
            value = getattr(best, field.name)
            for factor in (0.5, 0.75, 1.25, 1.5, 2.0):
                trial = value * factor
                if field.name.endswith(("share", "weight")) and not 0 < trial <= 1:
                    continue
                try:
                    candidate = replace(best, **{field.name: round(trial, 3)})
                except ValueError:
                    continue
                result = objective(candidate)
                if result > best_value + 1e-4:
                    best, best_value = candidate, result
                    print(f"{field.name} = {trial:.3f}: {result:.4f}", file=sys.stderr)
    return best


def tuning_songs(training: list[str], count: int) -> list[str]:
    """A seeded sample of the training songs: the only songs the settings are tuned on."""
    return sorted(random.Random(SEED).sample(training, count))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="the POP909 folder")
    parser.add_argument("--songs", type=int, default=0, help="score only this many songs (a quick look)")
    parser.add_argument("--tune", type=int, default=0, metavar="N", help="tune on N training songs instead")
    parser.add_argument("--tuning", type=int, default=0, metavar="N",
                        help="score N training songs (the tuning sample) instead of the validation songs")
    parser.add_argument("--no-ablations", dest="ablations", action="store_false",
                        help="leave out the figures with one part of the recogniser turned off")
    parser.add_argument("--json", type=Path, default=ROOT / "docs" / "results" / "chord_recognition.json")
    args = parser.parse_args(argv)
    names = [folder.name for folder in song_folders(args.data)]
    training, validation = split_songs(names, FRACTION, SEED)
    if args.tune:
        settings = tune([read_song(args.data / name) for name in tuning_songs(training, args.tune)])
        print(json.dumps(asdict(settings), indent=1))
        return asdict(settings)
    if args.tuning:
        validation = tuning_songs(training, args.tuning)
    validation = validation[:args.songs] if args.songs else validation
    per_song, reading, recognising, minutes = [], [], [], []
    labels: Counter[str] = Counter()
    unparsed: Counter[str] = Counter()
    for name in validation:
        started = time.perf_counter()
        song = read_song(args.data / name)
        reading.append(time.perf_counter() - started)
        started = time.perf_counter()
        estimated = estimate_chords(song.phrase, "beat", downbeats=song.downbeats)
        recognising.append(time.perf_counter() - started)
        minutes.append(song.phrase.length * song.phrase.seconds_per_step / 60)
        per_song.append(scores(beat_chords(song, estimated)))
        labels.update(song.labels)
        unparsed.update(song.unparsed)
    figures = total(per_song)
    ablations = {}
    if args.ablations:
        prepared = [Prepared(read_song(args.data / name)) for name in validation]
        base = RecognitionSettings()
        for label, changes in ABLATIONS.items():
            settings = replace(base, **changes)
            ablations[label] = {m: round(v, 4) for m, v in
                                total([scores(p.pairs(settings)) for p in prepared]).items()}
    song_majmin = [s["majmin"][0] / max(1, s["majmin"][1]) for s in per_song]
    result = {
        "benchmark": "chord_recognition", "dataset": "POP909",
        "split": f"tuning sample of {args.tuning} training songs" if args.tuning else
        f"validation: {FRACTION:.0%} of {len(names)} songs, split_songs seed {SEED}", "songs": len(validation),
        "songs_list": validation, "span": "beat", "key": "estimated from the notes (Krumhansl-Schmuckler)",
        "bar_lines": "the annotated downbeats (beat_midi.txt)",
        "accuracy": {m: round(v, 4) for m, v in figures.items()},
        "beats_scored": {m: sum(s[m][1] for s in per_song) for m in figures},
        "song_majmin": {"median": round(float(np.median(song_majmin)), 4),
                        "worst": round(float(np.min(song_majmin)), 4), "best": round(float(np.max(song_majmin)), 4),
                        "worst_song": validation[int(np.argmin(song_majmin))]},
        "seconds_per_song": {"read_median": round(float(np.median(reading)), 4),
                             "recognise_median": round(float(np.median(recognising)), 4),
                             "recognise_max": round(float(np.max(recognising)), 4),
                             "longest_song_minutes": round(float(np.max(minutes)), 1)},
        "distinct_labels": len(labels), "unparsed_labels": dict(unparsed),
        "settings": asdict(RecognitionSettings()),
        "ablations": ablations,
    }
    which = "tuning" if args.tuning else "validation"
    print(f"{len(validation)} {which} songs, {result['beats_scored']['full']} beats")
    for measure, value in figures.items():
        print(f"  {measure:10s} {value:.1%}  ({result['beats_scored'][measure]} beats)")
    print(f"  per song majmin: median {result['song_majmin']['median']:.1%}, "
          f"worst {result['song_majmin']['worst']:.1%}")
    print(f"  recognise: median {np.median(recognising) * 1000:.0f} ms a song, "
          f"longest {np.max(recognising) * 1000:.0f} ms; unparsed labels: {sum(unparsed.values())}")
    for label, figures_without in ablations.items():
        print(f"  {label}: majmin {figures_without['majmin']:.1%}, full {figures_without['full']:.1%}")
    if not args.songs and not args.tuning:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
