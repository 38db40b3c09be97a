"""Does Continue follow set chords, and choose its own harmony where none are set?

Held-out phrases: POP909's validation split (``engine.files.pop909.split_songs(names, 0.1, seed=909)``:
85 songs, never used to tune the lean or to learn the chord suggestions), the first ``--songs`` of
them in name order. Each song's 4 bars from its 9th annotated bar are the phrase; its next 4 bars are
what the composer wrote, and their annotated chords (POP909's, from the audio) are the chords set.
Per phrase, ``--takes`` takes of 4 bars (one call, ``variations``), seeded, by ``--model``:

- with chords set: the share of the takes' sounding time (note by note, under each chord; spans
  annotated N left out) on tones of the chord sounding, against the composer's own next bars'
  share under the same annotations;
- without chords: how often the takes change chord (``estimate_chords``, one chord a beat at most),
  per bar, against the composer's next bars;
- the bass: where a set chord begins and the take strikes there, how often its lowest note struck
  there is the chord's bass (its named bass, else its root), against the composer;
- time: Continue 4 bars x 4 takes at the window's settings (its drafts), with chords set and
  without, taking turns ``--turns`` times per phrase (the order swapped each turn); this process's
  CPU time (another process's load moves it less than the wall clock). Per phrase the median of
  its turns; the ratio of the sums over the phrases (the time a user waits in all) and the median of
  the phrases' ratios.

And the chord suggestions' chain (``engine.music.progressions``, learned from the training songs) on
all the validation songs' annotated chords, half bar by half bar: how likely it finds each next
chord (nats) and how often its likeliest is the one annotated, against the chords' frequencies alone
and against "the chord goes on".

    python benchmarks/chord_following.py [--songs 20] [--takes 4] [--candidates 0] [--model default] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from engine.files.pop909 import read_song, song_folders, split_songs  # noqa: E402
from engine.model.checkpoint import load_model  # noqa: E402
from engine.music.harmony import estimate_chords  # noqa: E402
from engine.music.phrase import trim  # noqa: E402
from engine.writing.chord_following import chord_tone_share  # noqa: E402
from engine.writing.continuation import continue_phrase  # noqa: E402
from engine.writing.options import ContinueOptions  # noqa: E402

DATA = Path("/work/shared/data/pop909")
FIRST_BAR, BARS = 8, 4                 # the phrase: bars 9-12 after the first annotated downbeat


def held_out_phrases(data: Path, songs: int):
    """(name, phrase, composer's next bars, their chords as spans timed from the phrase's end)."""
    folders = {f.name: f for f in song_folders(data)}
    _, held = split_songs(folders)
    found = []
    for name in held:
        song = read_song(folders[name])
        bar = song.phrase.steps_per_bar
        start = song.downbeats[0] + FIRST_BAR * bar
        end, after = start + BARS * bar, start + 2 * BARS * bar
        if after > song.phrase.length:
            continue
        phrase, following = trim(song.phrase, start, end), trim(song.phrase, end, after)
        chords = tuple((max(a, end) - end, min(b, after) - end, chord) for a, b, chord in song.chords
                       if a < after and b > end)
        if phrase.notes and following.notes and any(c.is_chord for _, _, c in chords):
            found.append((name, phrase, following, chords))
        if len(found) == songs:
            break
    return found


def bass_at_changes(notes, spans) -> tuple[int, int]:
    """(chord starts where the lowest note struck is the chord's bass, chord starts where a note is struck)."""
    on = struck = 0
    for a, _, chord in spans:
        if not chord.is_chord:
            continue
        there = [n.pitch for n in notes if n.start == a]
        if there:
            struck += 1
            on += min(there) % 12 == (chord.bass if chord.bass is not None else chord.root)
    return on, struck


def progression_figures(data: Path) -> dict:
    """The suggestions' chain on the validation songs' annotations, next half bar by next half bar."""
    import importlib.util

    from engine.music.progressions import bundled_progressions, degree_name
    spec = importlib.util.spec_from_file_location("make", ROOT / "resources" / "progressions" / "make_progressions.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    progressions = bundled_progressions()
    folders = {f.name: f for f in song_folders(data)}
    _, held = split_songs(folders)
    nats = {"chain": [], "frequencies": []}
    right = {"chain": 0, "frequencies": 0, "goes on": 0}
    steps = outside = 0
    for name in held:
        previous = None
        for chord, key, begins in make.pop909_slots(folders[name]):
            if chord is None or key is None or not chord.is_chord:
                previous = None
                continue
            chain = progressions.chains[key.minor]
            where = {n: i for i, n in enumerate(chain.names)}
            here = where.get(degree_name(chord.without_bass(), key))
            if here is None:
                outside += 1
                previous = None
                continue
            if previous is not None and previous[1] == key.minor:
                row = (chain.across if begins else chain.within)[previous[0]]
                nats["chain"].append(-np.log(row[here]))
                nats["frequencies"].append(-np.log(chain.start[here]))
                right["chain"] += int(np.argmax(row)) == here
                right["frequencies"] += int(np.argmax(chain.start)) == here
                right["goes on"] += previous[0] == here
                steps += 1
            previous = (here, key.minor)
    return {"validation_songs": len(held), "half_bar_steps": steps,
            "half_bars_outside_the_chain": outside,
            "nats_per_step": {k: float(np.mean(v)) for k, v in nats.items()},
            "likeliest_right": {k: v / steps for k, v in right.items()}}


def changes_per_bar(music, bars: int) -> float:
    """How often the chord changes, per bar (``estimate_chords``, one chord a beat at most)."""
    if not music.notes:
        return 0.0
    return (len(estimate_chords(music)) - 1) / bars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--songs", type=int, default=20)
    parser.add_argument("--takes", type=int, default=4)
    parser.add_argument("--model", default="default")
    parser.add_argument("--seed", type=int, default=26)
    parser.add_argument("--candidates", type=int, default=0, help="drafts to choose the takes from (the window: 4 "
                                                                  "a take)")
    parser.add_argument("--no-suggestions", action="store_true", help="leave out the suggestions' figures")
    parser.add_argument("--turns", type=int, default=3, help="turns with and without chords per phrase, for the time")
    parser.add_argument("--json", help="write the figures here as JSON too")
    args = parser.parse_args()
    torch.set_num_threads(1)
    loaded = load_model(args.model)
    phrases = held_out_phrases(Path(args.data), args.songs)
    with_chords = {"on": 0.0, "under": 0.0}
    composer = {"on": 0.0, "under": 0.0}
    per_phrase, changes_takes, changes_composer, times = [], [], [], {"with": [], "without": []}
    bass = {"takes": [0, 0], "composer": [0, 0]}
    for i, (name, phrase, following, chords) in enumerate(phrases):
        on_before, under_before = with_chords["on"], with_chords["under"]
        order = ("with", "without") if i % 2 == 0 else ("without", "with")
        for kind in order:
            options = ContinueOptions(bars=BARS, variations=args.takes, seed=args.seed + i, candidates=args.candidates,
                                      chords=chords if kind == "with" else None)
            takes = continue_phrase(loaded, phrase, options)
            for take in takes:
                if kind == "with":
                    on, under = chord_tone_share(take.notes, chords)
                    with_chords["on"] += on
                    with_chords["under"] += under
                    hits, struck = bass_at_changes(take.notes, chords)
                    bass["takes"][0] += hits
                    bass["takes"][1] += struck
                else:
                    changes_takes.append(changes_per_bar(take, BARS))
        on, under = chord_tone_share(following.notes, chords)
        composer["on"] += on
        composer["under"] += under
        changes_composer.append(changes_per_bar(following, BARS))
        hits, struck = bass_at_changes(following.notes, chords)
        bass["composer"][0] += hits
        bass["composer"][1] += struck
        share = (with_chords["on"] - on_before) / max(1e-9, with_chords["under"] - under_before)
        per_phrase.append(share)
        print(f"{name}: takes on chord tones {share:.1%}, composer {on / max(under, 1e-9):.1%}", file=sys.stderr)
    for i, (name, phrase, _, chords) in enumerate(phrases):         # the time, at the window's settings
        turns: dict[str, list[float]] = {"with": [], "without": []}
        for turn in range(args.turns):
            for kind in (("with", "without") if (i + turn) % 2 == 0 else ("without", "with")):
                options = ContinueOptions(bars=BARS, variations=4, seed=args.seed + i,
                                          chords=chords if kind == "with" else None)
                began = time.process_time()
                continue_phrase(loaded, phrase, options)
                turns[kind].append(time.process_time() - began)
        for kind in turns:
            times[kind].append(statistics.median(turns[kind]))
        print(f"{name}: {times['with'][-1]:.3f} s with chords, {times['without'][-1]:.3f} s without (CPU)",
              file=sys.stderr)
    rng = np.random.default_rng(0)
    shares = np.array(per_phrase)
    boot = [shares[rng.integers(0, len(shares), len(shares))].mean() for _ in range(2000)]
    figures = {
        "phrases": len(phrases), "takes": args.takes, "candidates": args.candidates, "model": args.model,
        "held_out": "POP909 split_songs(names, 0.1, seed=909), validation songs in name order, "
                    f"bars {FIRST_BAR + 1}-{FIRST_BAR + BARS} as the phrase, the next {BARS} as the composer's",
        "takes_on_chord_tones": with_chords["on"] / with_chords["under"],
        "per_phrase_mean": float(shares.mean()),
        "per_phrase_mean_95": [float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))],
        "worst_phrase": float(shares.min()),
        "composer_on_chord_tones": composer["on"] / composer["under"],
        "bass_at_chord_starts_takes": bass["takes"][0] / max(1, bass["takes"][1]),
        "bass_at_chord_starts_composer": bass["composer"][0] / max(1, bass["composer"][1]),
        "changes_per_bar_takes_without_chords": statistics.mean(changes_takes),
        "changes_per_bar_composer": statistics.mean(changes_composer),
        "changes_ratio": statistics.mean(changes_takes) / statistics.mean(changes_composer),
        "time": f"CPU seconds of Continue {BARS} bars x 4 takes at the window's settings "
                f"({ContinueOptions().candidates} drafts), median of {args.turns} turns per phrase",
        "median_s_with_chords": statistics.median(times["with"]),
        "median_s_without_chords": statistics.median(times["without"]),
        "time_ratio": sum(times["with"]) / sum(times["without"]),
        "time_ratio_median_per_phrase": statistics.median(w / wo for w, wo in zip(times["with"], times["without"])),
    }
    if not args.no_suggestions:
        figures["suggestions"] = progression_figures(Path(args.data))
    print(json.dumps(figures, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
