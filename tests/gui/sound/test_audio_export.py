"""File > Export Audio from the window, and the piano behind Space."""

import wave

import numpy as np
import pytest

from engine.music.phrase import Note, Phrase
from engine.sound import audio
from gui.sound import audio_export


def read_wav(path):
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)


@pytest.fixture
def save_to(monkeypatch):
    chosen = {}

    def dialog(parent, caption, start, file_filter):
        chosen["caption"] = caption
        return str(chosen["path"]), "WAV audio (*.wav)"
    monkeypatch.setattr(audio_export.QFileDialog, "getSaveFileName", dialog)
    return chosen


def test_export_audio_writes_the_phrase_as_a_wav(window, qtbot, tmp_path, save_to):
    window.model.reset(Phrase((Note(60, 0, 4, 100), Note(67, 8, 4, 100)), tempo_bpm=120))   # 1.5 s
    save_to["path"] = tmp_path / "take"                                # no suffix: the chosen kind's is added
    window.actions_["export_audio"].trigger()
    job = window.audio_export.job
    with qtbot.waitSignal(job.finished_with, timeout=20000):
        pass
    pcm = read_wav(tmp_path / "take.wav")
    assert save_to["caption"] == "Export Audio"
    assert len(pcm) > 1.5 * 44100 and np.abs(pcm[:4410]).max() > 3000
    assert np.abs(pcm[int(1.05 * 44100):int(1.2 * 44100)]).max() > 2000    # the second note, at 1 s
    qtbot.waitUntil(lambda: "Exported the phrase" in window.statusBar().currentMessage(), timeout=3000)


def test_export_audio_of_a_selection_starts_with_its_first_note(window, qtbot, tmp_path, save_to):
    window.model.reset(Phrase((Note(48, 0, 4), Note(72, 32, 4)), tempo_bpm=120))
    window.model.select([i for i in window.model.ids() if window.model.note(i).pitch == 72])
    save_to["path"] = tmp_path / "selection.wav"
    window.actions_["export_audio"].trigger()
    with qtbot.waitSignal(window.audio_export.job.finished_with, timeout=20000):
        pass
    pcm = read_wav(tmp_path / "selection.wav")
    assert np.abs(pcm[:2205]).max() > 1000 and len(pcm) < 3 * 44100        # not four seconds of silence first


def test_the_piano_streams_a_long_piece_through_a_ring_of_a_few_seconds(window, qtbot):
    """Play rendered the whole phrase's audio up front: a 3 h 53 min MIDI file took the window from
    0.5 to 2.85 GB, and longer ones ended in a MemoryError."""
    import pygame

    from engine.sound.ring import RING_SECONDS
    qtbot.waitUntil(lambda: window.transport.playback is not None, timeout=3000)
    playback = window.transport.playback
    phrase = Phrase((Note(60, 0, 4, 90), Note(64, 4800, 4, 90)), tempo_bpm=120)      # ten minutes
    assert playback.play(phrase)
    rate = pygame.mixer.get_init()[0]
    ring = pygame.sndarray.samples(playback._sound)
    first = ring[:int(0.25 * rate)].copy()
    assert len(ring) == int(RING_SECONDS * rate)                          # not ten minutes of audio
    piano, _ = audio.built_in_piano(rate)
    assert np.array_equal(first, audio.performance(piano, phrase).pcm(0, int(0.25 * rate)))
    assert np.abs(first).max() > 1000
    playback.stop()
    assert playback._filler is None and playback._sound is None


def test_the_piano_rings_out_after_the_end_and_then_stops_by_itself(window, qtbot):
    qtbot.waitUntil(lambda: window.transport.playback is not None, timeout=3000)
    playback = window.transport.playback
    with qtbot.waitSignal(playback.stopped, timeout=5000):
        assert playback.play(Phrase((Note(60, 0, 2, 90),), tempo_bpm=240))          # an eighth of a second
    filler = playback._filler
    assert playback._sound is not None and filler.is_alive()            # its last note rings on
    qtbot.waitUntil(lambda: not filler.is_alive(), timeout=20_000)      # and then the ring is stopped


def test_without_its_soundfont_the_piano_is_the_plain_tone_and_says_so(qtbot, tmp_path, monkeypatch):
    from gui.sound.playback import Playback
    monkeypatch.setattr(audio, "PIANO_PATH", tmp_path / "missing.sf2")
    monkeypatch.setattr(audio, "_pianos", {})
    playback = Playback()
    messages = []
    playback.error.connect(messages.append)
    assert playback.play(Phrase((Note(60, 0, 4),)))
    playback.stop()
    assert len(messages) == 1 and "missing.sf2" in messages[0] and "plain built-in tone" in messages[0]


def test_a_long_export_shows_progress_and_cancel_leaves_no_file(window, qtbot, tmp_path, save_to, monkeypatch):
    from PySide6.QtWidgets import QProgressDialog, QPushButton
    monkeypatch.setattr(audio, "PIECE_SECONDS", 0.05)
    window.model.reset(Phrase(tuple(Note(60, 16 * i, 16) for i in range(30)), tempo_bpm=120))   # a minute
    save_to["path"] = tmp_path / "long.wav"
    window.actions_["export_audio"].trigger()
    job = window.audio_export.job
    dialog = window.findChild(QProgressDialog)
    qtbot.waitUntil(lambda: dialog.value() > 0, timeout=10000)
    with qtbot.waitSignal(job.cancelled, timeout=10000):
        dialog.findChild(QPushButton).click()                           # its Cancel button
    assert not (tmp_path / "long.wav").exists() and list(tmp_path.glob("*.part")) == []


def test_the_playhead_follows_the_tempo_map_the_piano_plays(qtbot):
    from gui.sound.playback import Playback
    playback = Playback()
    positions = []
    playback.position.connect(positions.append)
    phrase = Phrase((Note(60, 0, 4), Note(64, 4, 4)), tempo_bpm=480, tempo_changes=((4, 240.0),))   # 0.375 s
    with qtbot.waitSignal(playback.stopped, timeout=3000):
        assert playback.play(phrase)
    assert positions == sorted(positions) and positions[-1] == 8.0
    middle = [p for p in positions if 0 < p < 8]
    assert middle and all(p < 8 for p in middle)
