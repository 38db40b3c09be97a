"""Passages whose timing no sixteenth grid holds: triplets, grace notes, 32nds, free timing.

Written tick by tick with mido (480 ticks a quarter), so that a test can check every note
comes back where the file has it."""

from __future__ import annotations

from pathlib import Path

import mido

TICKS = 480


def write_ticks(path: Path, notes: list[tuple[int, int, int]], metre=(4, 4), tempo_bpm: float = 120.0,
                ticks_per_quarter: int = TICKS) -> Path:
    """A type 0 MIDI file of ``(pitch, on_tick, off_tick)`` notes, velocity 80."""
    events = []
    for pitch, on, off in notes:
        events.append((on, 1, mido.Message("note_on", note=pitch, velocity=80)))
        events.append((off, 0, mido.Message("note_off", note=pitch, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo_bpm)),
                            mido.MetaMessage("time_signature", numerator=metre[0], denominator=metre[1])])
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    midi = mido.MidiFile(type=0, ticks_per_beat=ticks_per_quarter)
    midi.tracks.append(track)
    midi.save(str(path))
    return path


def triplets_and_graces() -> list[tuple[int, int, int]]:
    """Four bars of 4/4: triplet eighths, a grace note into a downbeat, a 32nd-note turn, an
    A-B flat grace figure and a note played a little late, over a bass of half notes."""
    notes = []
    for bar in range(4):
        b = bar * 4 * TICKS
        notes.append((40 + bar, b, b + 2 * TICKS))                       # the bass
        notes.append((45 + bar, b + 2 * TICKS, b + 4 * TICKS))
    notes += [(72, 0, 160), (74, 160, 320), (76, 320, 480)]            # triplet eighths
    notes += [(77, 1900, 1920), (79, 1920, 2400)]                     # a grace note into bar 2
    notes += [(76, 2400, 2460), (77, 2460, 2520), (76, 2520, 2580), (74, 2580, 2640)]    # a 32nd turn
    notes += [(69, 3840, 3855), (70, 3855, 4320)]                     # A, then B flat at once after
    notes += [(72, 4333, 4800), (67, 5770, 6200), (71, 5760, 6240)]   # free timing
    return notes


def three_eight_graces() -> list[tuple[int, int, int]]:
    """Eight bars of 3/8 where a grace-note chord leads into each downbeat with the same pitches."""
    bar = 3 * TICKS // 2
    notes = []
    for k in range(8):
        b = k * bar
        if k:
            notes += [(67, b - 30, b - 10), (71, b - 30, b - 10)]            # the grace chord
        notes += [(67, b, b + 240), (71, b, b + 240), (48 + k % 3, b, b + bar)]
        notes += [(74, b + 240, b + 270), (76, b + 270, b + 300), (74, b + 300, b + 330), (72, b + 330, b + 480)]
    return notes
