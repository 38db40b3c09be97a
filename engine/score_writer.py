"""Phrases as sheet music: a piano grand staff in MusicXML, through music21.

The original design showed its results as sheet music; so does Segue. Notes from middle C up go
to the treble staff, the rest to the bass staff. On each staff, notes that start and end together
make a chord; notes that overlap otherwise go to separate voices, so every note keeps its exact
start and length (long notes are tied across bar lines). Tempo, time signature and title are
written; reading the file back gives the same notes (tested).
"""

from __future__ import annotations

from pathlib import Path

from .atomic import atomic_path
from .errors import MusicFileError
from .phrase import Note, Phrase

MIDDLE_C = 60
LOWEST_WRITTEN = 12          # C0: MusicXML octaves run from 0 to 9
SCORE_SUFFIXES = (".musicxml", ".xml")


def _voices(notes: list[Note]) -> list[list[tuple[int, int, list[Note]]]]:
    """Chords (same start and length) shared out among as few non-overlapping voices as possible."""
    chords: dict[tuple[int, int], list[Note]] = {}
    for n in notes:
        chords.setdefault((n.start, n.duration), []).append(n)
    voices: list[list] = []                          # [end, [(start, length, notes)]]
    for (start, length), group in sorted(chords.items()):
        for voice in voices:
            if voice[0] <= start:
                voice[0] = start + length
                voice[1].append((start, length, group))
                break
        else:
            voices.append([start + length, [(start, length, group)]])
    return [events for _, events in voices] or [[]]


def _spelled(midi: int, flats: bool):
    """A pitch spelled for the key: black keys as flats in flat keys, as sharps otherwise."""
    from music21 import pitch
    p = pitch.Pitch(midi=midi)
    if p.accidental is not None and p.accidental.name == "natural":
        p.accidental = None                      # no natural signs where nothing needs cancelling
    elif flats and p.accidental is not None and p.accidental.name == "sharp":
        p = p.getEnharmonic()
    return p


def _key(phrase: Phrase):
    """The key the notes suggest (Krumhansl-Schmuckler), for the key signature and spelling."""
    from music21 import note, stream
    flat = stream.Stream()
    for n in phrase.notes:
        flat.insert(n.start / phrase.steps_per_quarter, note.Note(midi=n.pitch,
                                                                 quarterLength=n.duration / phrase.steps_per_quarter))
    try:
        return flat.analyze("key")
    except Exception:                            # too few notes to tell: C major, no signature
        from music21 import key
        return key.Key("C")


def _measures(events, phrase: Phrase, total_quarters: float, flats: bool = False):
    """One voice as a run of measures: notes, chords and the rests between them, tied over bars."""
    from music21 import chord, meter, note, stream

    spq = phrase.steps_per_quarter
    flat = stream.Stream()
    flat.insert(0, meter.TimeSignature("{}/{}".format(*phrase.time_signature)))
    now = 0
    for start, length, group in events:
        if start > now:
            flat.insert(now / spq, note.Rest(quarterLength=(start - now) / spq))
        pitches = [_spelled(p, flats) for p in sorted(n.pitch for n in group)]
        element = note.Note(pitches[0]) if len(pitches) == 1 else chord.Chord(pitches)
        element.quarterLength = length / spq
        element.volume.velocity = max(n.velocity for n in group)
        flat.insert(start / spq, element)
        now = start + length
    if total_quarters * spq > now:
        flat.insert(now / spq, note.Rest(quarterLength=total_quarters - now / spq))
    return list(flat.makeMeasures().makeTies().getElementsByClass(stream.Measure))


def phrase_to_score(phrase: Phrase, title: str = "Segue"):
    """The phrase as a music21 score for piano: two staves joined by a brace."""
    from music21 import clef, key, layout, meter, metadata, note, stream, tempo

    bar = phrase.time_signature[0] * 4 / phrase.time_signature[1]
    quarters = phrase.length / phrase.steps_per_quarter
    total = max(bar, -(-quarters // bar) * bar)
    score = stream.Score()
    score.insert(0, metadata.Metadata(title=title, composer="Segue"))
    tonality = _key(phrase)
    flats = tonality.sharps < 0
    staves = []
    for name, staff_clef, on_staff in (("Right hand", clef.TrebleClef, lambda p: p >= MIDDLE_C),
                                       ("Left hand", clef.BassClef, lambda p: p < MIDDLE_C)):
        staff = stream.PartStaff()
        staff.partName = name
        voices = [_measures(v, phrase, total, flats) for v in _voices([n for n in phrase.notes if on_staff(n.pitch)])]
        for k in range(len(voices[0])):
            measure = stream.Measure(number=k + 1)
            if k == 0:
                measure.insert(0, staff_clef())
                measure.insert(0, key.KeySignature(tonality.sharps))
                measure.insert(0, meter.TimeSignature("{}/{}".format(*phrase.time_signature)))
                if not staves:
                    measure.insert(0, tempo.MetronomeMark(number=round(phrase.tempo_bpm, 2)))
            if len(voices) == 1:
                for element in voices[0][k].notesAndRests:
                    measure.insert(element.offset, element)
            else:
                for number, voice_measures in enumerate(voices, start=1):
                    voice = stream.Voice(id=str(number))
                    content = list(voice_measures[k].notesAndRests)
                    for element in content:
                        if number > 1 and len(content) == 1 and element.isRest:
                            element.style.hideObjectOnPrint = True   # an inner voice silent all bar
                        voice.insert(element.offset, element)
                    measure.insert(0, voice)
            staff.append(measure)
        staves.append(staff)
    for staff in staves:
        score.insert(0, staff)
    score.insert(0, layout.StaffGroup(staves, name="Piano", symbol="brace", barTogether=True))
    # lengths no single note value can show (2.25 quarters...) become tied notes here, where the
    # ties are right; left to the MusicXML exporter, a tie could jump to the next note of that pitch
    score.splitAtDurations(recurse=True)
    if bar != 4:
        # a whole-note rest reads back as "rest for the whole bar" in music21 (and so in Segue):
        # in bars that are not four quarters long, it is written as two half rests
        for rest in list(score.recurse().getElementsByClass(note.Rest)):
            if rest.quarterLength == 4:
                site = rest.activeSite
                rest.quarterLength = 2
                site.insert(rest.offset + 2, note.Rest(quarterLength=2))
    return score


def write_musicxml(phrase: Phrase, path: str | Path, title: str | None = None) -> Path:
    """Write the phrase as a MusicXML score for notation programs, atomically."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    path = Path(path)
    if not phrase.notes:
        raise MusicFileError(path, "there are no notes to write")
    too_low = [n for n in phrase.notes if n.pitch < LOWEST_WRITTEN]
    if too_low:
        raise MusicFileError(path, f"{len(too_low)} note{'s' * (len(too_low) > 1)} lie below C0 (MIDI "
                                   f"{LOWEST_WRITTEN}), lower than sheet music can show; transpose them "
                                   f"or export MIDI instead")
    data = GeneralObjectExporter(phrase_to_score(phrase, title or path.stem)).parse()
    try:
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
    except OSError as err:
        raise MusicFileError(path, f"cannot write the file ({err.strerror or err})") from None
    return path
