"""Rebuild the bundled seed phrases: ``python resources/seeds/make_seeds.py``.

Each seed is the opening bars of a piece from music21's corpus (public domain scores), from the
piano-midi.de collection or from POP909 (with its chords, annotated by POP909's authors, set in the
chord lane) in ../shared/data, or a phrase written for Segue. The result is a small MIDI file per
seed and ``seeds.json`` naming the composer, title, style and credit of each.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from engine.files.midi import read_midi, write_midi  # noqa: E402
from engine.files.score_reader import score_to_phrase  # noqa: E402
from engine.music.phrase import Note, Phrase, trim  # noqa: E402

SEED_GRID = 4                     # steps a quarter: seeds are written on sixteenths
PIANO_MIDI = ROOT.parent / "shared" / "data" / "piano-midi"
POP909 = ROOT.parent / "shared" / "data" / "pop909"
POP909_CREDIT = ("POP909 song {song}, piano arrangement by the POP909 team (Wang, Chen, Jiang, Zhang, Xu, Dai, "
                 "Bin, Xia, ISMIR 2020), MIT licence, Copyright (c) 2020 Music X Lab (resources/pop909-LICENSE.txt)")
PIANO_CREDIT = "piano-midi.de, Bernd Krueger, CC BY-SA 3.0 DE"
CORPUS_CREDIT = "{who}; public-domain score from the music21 corpus"

# source, composer, title, style, credit, first bar, bars
SEEDS = [
    ("corpus:bach/bwv66.6", "Bach", "Chorale: Christ unser Herr (BWV 66.6)", "Baroque chorale",
     CORPUS_CREDIT.format(who="J. S. Bach"), 1, 4),
    # the corpus file opens with a bar holding only an eighth rest, read as a (silent) pickup bar:
    # Joplin's bars 5-8 are the phrase's bars 6-9
    ("corpus:joplin/maple_leaf_rag.mxl", "Joplin", "Maple Leaf Rag", "Ragtime",
     CORPUS_CREDIT.format(who="Scott Joplin (1899)"), 6, 4),
    ("corpus:chopin/mazurka06-2.krn", "Chopin", "Mazurka op. 6 no. 2", "Romantic piano, 3/4",
     CORPUS_CREDIT.format(who="Frédéric Chopin"), 1, 8),
    ("corpus:schubert/Lindenbaum.xml", "Schubert", "Der Lindenbaum", "Romantic lied",
     CORPUS_CREDIT.format(who="Franz Schubert"), 9, 4),
    ("corpus:ryansMammoth/7thRegimentReel.abc", "Traditional", "The 7th Regiment Reel", "Folk fiddle tune",
     CORPUS_CREDIT.format(who="Traditional, from Ryan's Mammoth Collection (1883)"), 1, 8),
    ("piano-midi:grieg/grieg_spring.mid", "Grieg", "To Spring, op. 43 no. 6", "Romantic piano",
     "Edvard Grieg; sequenced by " + PIANO_CREDIT, 1, 4),
    ("piano-midi:debussy/DEB_CLAI.mid", "Debussy", "Clair de lune", "Impressionist piano",
     "Claude Debussy; sequenced by " + PIANO_CREDIT, 1, 4),
    ("piano-midi:bach/bach_846.mid", "Bach", "Prelude in C major (WTC I)", "Baroque keyboard",
     "J. S. Bach; sequenced by " + PIANO_CREDIT, 1, 2),
    ("piano-midi:mozart/mz_545_1.mid", "Mozart", "Sonata in C, K. 545", "Classical piano",
     "W. A. Mozart; sequenced by " + PIANO_CREDIT, 1, 4),
    ("segue:pop", "Segue", "Four chords and a tune", "Pop ballad", "Written for Segue, CC0", 1, 4),
    ("pop909:003", "POP909", "Song 003, bars 9-12 (F Gm Eb Bb)", "Pop song, with its chords",
     POP909_CREDIT.format(song="003"), 9, 4),
    ("pop909:010", "POP909", "Song 010, bars 9-12 (D G C D Bm E Am7)", "Pop song, with its chords",
     POP909_CREDIT.format(song="010"), 9, 4),
]


def pop_ballad() -> Phrase:
    """I-V-vi-IV in C with a simple right-hand tune: a phrase written for Segue."""
    notes = []
    chords = [(48, 52, 55), (43, 47, 50), (45, 48, 52), (41, 45, 48)]
    for bar, chord in enumerate(chords):
        for beat in range(4):
            notes.append(Note(chord[0], bar * 16 + beat * 4, 4, 70 if beat else 80))
            for p in chord[1:]:
                notes.append(Note(p + 12, bar * 16 + beat * 4 + 2, 2, 58))
    tune = [(72, 0, 4), (74, 4, 4), (76, 8, 6), (74, 14, 2), (74, 16, 4), (71, 20, 4), (67, 24, 8),
            (69, 32, 4), (72, 36, 4), (76, 40, 6), (74, 46, 2), (72, 48, 6), (69, 54, 2), (72, 56, 8)]
    notes += [Note(p, s, d, 92) for p, s, d in tune]
    return Phrase(tuple(notes), tempo_bpm=84)


def load(source: str) -> Phrase:
    """The piece, on the sixteenth grid: a seed is an opening to continue, written as a score
    would write it (a performance's free timing is left to the user's own music)."""
    kind, name = source.split(":", 1)
    if kind == "segue":
        return pop_ballad()
    if kind == "piano-midi":
        return read_midi(PIANO_MIDI / name, SEED_GRID)
    if kind == "pop909":
        from engine.files.pop909 import read_song
        song = read_song(POP909 / name, steps_per_quarter=SEED_GRID)
        return replace(song.phrase, chords=tuple((a, b, chord.name(song.key)) for a, b, chord in song.chords
                                                 if chord.root is not None))
    from music21 import corpus, stream
    parsed = corpus.parse(name, forceSource=True)          # never music21's shared pickle cache
    if isinstance(parsed, stream.Opus):
        parsed = parsed.scores[0]
    return score_to_phrase(parsed, SEED_GRID)


def opening(phrase: Phrase, first_bar: int, bars: int) -> Phrase:
    bar = phrase.steps_per_bar
    start = (first_bar - 1) * bar
    # a pickup bar makes the first notes start mid-bar; keep the bar lines where the piece has them
    return trim(phrase, start, start + bars * bar)


def main() -> None:
    catalogue = []
    for source, composer, title, style, credit, first, bars in SEEDS:
        phrase = opening(load(source), first, bars)
        if not phrase.notes:
            raise SystemExit(f"{source}: no notes in bars {first}-{first + bars - 1}")
        file = source.replace("pop909:", "pop909-").split(":", 1)[-1].replace("/", "-").rsplit(".", 1)[0] + ".mid"
        write_midi(phrase, HERE / file)
        catalogue.append({"file": file, "composer": composer, "title": title, "style": style, "credit": credit,
                          "source": source, "bars": bars})
        print(f"{file}: {len(phrase.notes)} notes, {phrase.bars:.1f} bars")
    (HERE / "seeds.json").write_text(json.dumps(catalogue, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
