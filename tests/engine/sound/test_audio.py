"""Audio files of a phrase, the piano's fallback, and `main.py render` as a user runs it."""

import wave

import numpy as np
import pytest

import main
from engine.errors import Cancelled
from engine.files.midi import write_midi
from engine.music.phrase import Note, Phrase
from engine.sound import audio
from engine.sound.audio import built_in_piano, write_audio
from engine.sound.sampler import Sampler
from engine.sound.synth import Synth

PHRASE = Phrase(tuple(Note(60 + p, i * 2, 2, 90) for i, p in enumerate([0, 4, 7, 12])), tempo_bpm=240)


def read_wav(path):
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (2, 2, 44100)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)


def test_the_built_in_piano_is_the_sampled_one():
    piano, problem = built_in_piano()
    assert isinstance(piano, Sampler) and problem is None


@pytest.mark.parametrize("content", [None, b"not a soundfont at all"])
def test_a_missing_or_broken_soundfont_falls_back_to_the_plain_tone_with_a_message(tmp_path, content):
    path = tmp_path / "piano.sf2"
    if content is not None:
        path.write_bytes(content)
    piano, problem = built_in_piano(path=path)
    assert isinstance(piano, Synth)
    assert "piano.sf2" in problem and "plain built-in tone" in problem
    out = write_audio(tmp_path / "tone.wav", PHRASE, piano)           # and it still plays
    assert np.abs(read_wav(out)).max() > 1000


def test_a_wav_file_reads_back_and_sounds(tmp_path):
    done = []
    out = write_audio(tmp_path / "phrase.wav", PHRASE, progress=done.append)
    pcm = read_wav(out)
    assert len(pcm) >= 44100                                          # one second, and the last note's ring
    assert np.abs(pcm[:44100]).max() > 3000
    assert done[-1] == 1.0 and done == sorted(done)


def test_a_flac_file_reads_back_as_the_same_sound(tmp_path):
    import soundfile
    write_audio(tmp_path / "phrase.wav", PHRASE)
    write_audio(tmp_path / "phrase.flac", PHRASE)
    flac, rate = soundfile.read(tmp_path / "phrase.flac", dtype="int16")
    assert rate == 44100 and np.array_equal(flac, read_wav(tmp_path / "phrase.wav"))


def test_a_cancelled_export_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(audio, "PIECE_SECONDS", 0.1)
    calls = []
    with pytest.raises(Cancelled):
        write_audio(tmp_path / "gone.wav", PHRASE, cancel=lambda: calls.append(1) or len(calls) > 2)
    assert list(tmp_path.iterdir()) == []


def test_render_writes_a_wav_that_is_not_silent(tmp_path, capsys):
    write_midi(PHRASE, tmp_path / "in.mid")
    assert main.main(["render", str(tmp_path / "in.mid"), "-o", str(tmp_path / "out.wav")]) == 0
    assert np.abs(read_wav(tmp_path / "out.wav")).max() > 3000
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("case, words", [
    ("suffix", "WAV (.wav) or FLAC (.flac)"),
    ("folder", "does not exist"),
    ("unreadable", "not a MIDI file"),
    ("missing", "does not exist"),
    ("no notes", "has no notes"),
])
def test_bad_render_arguments_are_one_line_and_exit_2(tmp_path, capsys, case, words):
    import mido
    source, out = tmp_path / "in.mid", tmp_path / "out.wav"
    write_midi(PHRASE, source)
    if case == "suffix":
        out = tmp_path / "out.mp3"
    elif case == "folder":
        out = tmp_path / "nowhere" / "out.wav"
    elif case == "unreadable":
        source.write_text("hello")
    elif case == "missing":
        source = tmp_path / "absent.mid"
    elif case == "no notes":
        empty = mido.MidiFile()
        empty.tracks.append(mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500000)]))
        empty.save(source)
    assert main.main(["render", str(source), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err
    assert not out.exists() and not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("suffix", [".wav", ".flac"])
def test_a_full_disk_is_one_message_and_leaves_no_file(tmp_path, monkeypatch, suffix):
    """A full disk gave an OSError traceback (WAV) or a LibsndfileError (FLAC) from render."""
    import errno

    import soundfile

    from engine.errors import MusicFileError
    if suffix == ".wav":
        def full(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")
        monkeypatch.setattr(wave.Wave_write, "writeframes", full)
    else:
        def full(self, data):
            raise soundfile.LibsndfileError(3, "Error writing the file: ")     # what libsndfile says
        monkeypatch.setattr(soundfile.SoundFile, "write", full)
    out = tmp_path / f"piece{suffix}"
    with pytest.raises(MusicFileError, match="disk full") as err:
        write_audio(out, Phrase((Note(60, 0, 4),)))
    assert f"piece{suffix}" in str(err.value)
    assert list(tmp_path.iterdir()) == []
