"""Sound of a phrase: the built-in piano, rendered in pieces, and written as a WAV or FLAC file.

The built-in piano is the SoundFont in ``resources/piano.sf2`` played by ``sampler.Sampler``. If
that file is missing or damaged, ``built_in_piano`` hands back the plain additive tone of
``synth.Synth`` with one message saying so: playing and exporting still work. WAV is written with
the standard library's ``wave``; FLAC with ``soundfile`` (a wheel that carries its own libsndfile).
"""

from __future__ import annotations

import threading
import wave
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..atomic import atomic_path, check_writable
from ..bundled import bundled
from ..errors import Cancelled, MusicFileError
from ..music.phrase import Phrase
from .sampler import SAMPLE_RATE, Sampler, to_int16

PIANO_PATH = bundled("resources/piano.sf2")
AUDIO_SUFFIXES = (".wav", ".flac")
PIECE_SECONDS = 1.0              # rendered and written a second at a time, for progress and cancel
WAV_BYTES = 2**32 - 1 - 44       # a WAV file's sizes are 32-bit: about 6.7 hours of 44.1 kHz 16-bit stereo

_pianos: dict[tuple[str, int], tuple[object, str | None]] = {}
_lock = threading.Lock()


def built_in_piano(sample_rate: int = SAMPLE_RATE, path: str | Path | None = None) -> tuple[object, str | None]:
    """(instrument, problem): the sampled piano, or, if its SoundFont cannot be read, the plain
    tone and a sentence saying why. Loaded once per process and sample rate."""
    from .soundfont import read_soundfont
    from .synth import Synth

    path = Path(path) if path is not None else PIANO_PATH
    key = (str(path), sample_rate)
    with _lock:
        if key not in _pianos:
            instrument: Sampler | Synth
            problem: str | None
            try:
                instrument, problem = Sampler(read_soundfont(path), sample_rate), None
                if not instrument.preset.zones:
                    raise MusicFileError(path, "the SoundFont's piano has no samples")
            except MusicFileError as err:
                instrument = Synth(sample_rate)
                problem = f"The sampled piano could not be loaded ({err}); playing a plain built-in tone instead."
            _pianos[key] = (instrument, problem)
        return _pianos[key]


class _Pieces:
    """A sampler performance, rendered piece by piece as int16."""

    def __init__(self, performance):
        self._performance = performance
        self.frames = performance.frames

    def pcm(self, a: int, b: int) -> np.ndarray:
        return to_int16(self._performance.render(a, b))


def performance(instrument, phrase: Phrase, start: int = 0, end: int | None = None, tail: bool = True):
    """The sound of steps ``start``..``end``: an object with ``frames`` and ``pcm(a, b)`` (int16
    stereo), rendered piece by piece as asked, so that its memory never grows with its length."""
    if isinstance(instrument, Sampler):
        return _Pieces(instrument.performance(phrase, start, end, tail))
    return instrument.performance(phrase, start, end, tail=tail)


def check_audio_path(path: str | Path) -> Path:
    """The path, if Segue can write audio there; ``ValueError`` naming the problem if not."""
    out = Path(path)
    if out.suffix.lower() not in AUDIO_SUFFIXES:
        raise ValueError(f"{path}: Segue writes audio as WAV (.wav) or FLAC (.flac) files")
    if not out.parent.is_dir():
        raise ValueError(f"{path}: the folder {out.parent} does not exist")
    try:
        check_writable(out)
    except OSError as err:
        raise ValueError(f"{path}: {err.strerror}") from None
    return out


def write_audio(path: str | Path, phrase: Phrase, instrument=None, start: int = 0,
                progress: Callable[[float], None] | None = None,
                cancel: Callable[[], bool] | None = None) -> Path:
    """Render ``phrase`` from step ``start`` with ``instrument`` (default: the built-in piano)
    into a 16-bit stereo WAV or FLAC file, chosen by the suffix; the last notes ring out.
    ``progress`` gets the share done (0-1); when ``cancel`` returns True the export stops with
    ``Cancelled`` and no file is left. Raises ``ValueError`` for a path Segue cannot write and
    ``MusicFileError`` for a phrase with no notes or a file that could not be written (a full disk:
    the half-written file is removed)."""
    out = check_audio_path(path)
    if not phrase.notes:
        raise MusicFileError(None, "there are no notes to render")
    if instrument is None:
        instrument, _ = built_in_piano()
    sound = performance(instrument, phrase, start)
    rate = instrument.sample_rate
    piece = int(PIECE_SECONDS * rate)
    flac = out.suffix.lower() == ".flac"
    if not flac and sound.frames * 4 > WAV_BYTES:           # refused before a second is rendered
        hours = sound.frames / rate / 3600
        raise ValueError(f"{path}: {hours:.1f} hours of music is longer than a WAV file can hold (about "
                         f"{WAV_BYTES / 4 / rate / 3600:.1f} hours); export it as FLAC (.flac) instead")
    if flac:
        try:
            import soundfile
        except ImportError as err:          # soundfile is a dependency; a broken install says so
            raise ValueError(f"{path}: FLAC needs the 'soundfile' package ({err}); write a .wav instead") from None
    try:
        with atomic_path(out) as tmp:
            # a soundfile.SoundFile or a wave.Wave_write, told apart by ``flac``
            writer: Any = (soundfile.SoundFile(str(tmp), "w", rate, 2, "PCM_16", format="FLAC") if flac
                           else wave.open(str(tmp), "wb"))
            try:
                if not flac:
                    writer.setnchannels(2)
                    writer.setsampwidth(2)
                    writer.setframerate(rate)
                for a in range(0, sound.frames, piece):
                    if cancel is not None and cancel():
                        raise Cancelled()
                    pcm = sound.pcm(a, min(a + piece, sound.frames))
                    if flac:
                        writer.write(pcm)
                    else:
                        writer.writeframes(pcm.astype("<i2").tobytes())
                    if progress is not None:
                        progress(min(1.0, (a + piece) / sound.frames))
            finally:
                writer.close()
    except OSError as err:                  # a full disk, a quota, a drive that went away
        raise MusicFileError(out, f"the audio could not be written ({err.strerror or err}): is the disk "
                                  f"full?") from None
    except RuntimeError as err:             # libsndfile's errors (LibsndfileError) while writing FLAC
        if type(err).__module__ != "soundfile":
            raise
        raise MusicFileError(out, f"the FLAC file could not be written ({err}): is the disk full?") from None
    return out
