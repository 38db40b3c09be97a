"""Listening: the built-in piano through pygame's mixer, or a MIDI output port through mido.

The window asks for ``play``/``stop``/``preview``; this object tells it where the music is
(``position``, in steps) and what went wrong (``error``). Nothing here blocks for long, and playing
takes the same memory for a four-hour piece as for a bar: the piano renders the first quarter
second into a ring of a few seconds (``engine.sound.ring``), SDL plays the ring round and round, and
a thread renders the rest into it piece by piece, ahead of the music; MIDI goes out on the
player's thread. The piano is
loaded and its samples prepared in the background soon after the window opens. A missing audio
device, a missing or broken piano SoundFont (the plain tone plays instead), a missing MIDI backend
or a port that disappears is reported, never fatal.
"""

from __future__ import annotations

import os
import threading
import time

from PySide6.QtCore import QElapsedTimer, QObject, QSettings, QTimer, Signal

from engine.music.phrase import Phrase

BUILT_IN = "Built-in piano"
SETTING = "playback/output"
FIRST_PIECE = 0.25                 # seconds rendered before the sound starts
REFILL = 0.25                      # seconds between the thread's turns at the ring
WARM_UP_MS = 300                   # after the window shows, the piano is loaded and prepared


class Playback(QObject):
    position = Signal(float)
    started = Signal()
    stopped = Signal()
    error = Signal(str)
    _port_failed = Signal(str)                 # from the player's thread
    _piano_failed = Signal(str)                # from the piano's rendering thread

    def __init__(self, parent=None):
        super().__init__(parent)
        self._output = BUILT_IN
        self._player = None                    # PortPlayer when a port is chosen
        self._synth = None                     # the plain tone: metronome clicks
        self._piano = None                     # the sampled piano (or the plain tone, if it cannot load)
        self._filler: threading.Thread | None = None
        self._halt = threading.Event()         # tells the filler to stop
        self._mixer_ready: bool | None = None
        self._sound = None                     # the piano's ring, while playing and until its last notes end
        self._clicks = None                    # the metronome's looping bar, while recording
        self._playing = False
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setInterval(30)
        self._timer.timeout.connect(self._tick)
        self._start = self._end = 0
        self._seconds_per_step = 0.125
        self._loop = False
        self._port_failed.connect(self._on_port_failed)
        self._piano_failed.connect(self._on_piano_failed)
        self._timeline = None                  # (seconds, steps) of a tempo map the piano plays
        remembered = QSettings("Segue", "Segue").value(SETTING)
        if isinstance(remembered, str) and remembered != BUILT_IN:
            self.set_output(remembered, remember=False, quiet=True)
        QTimer.singleShot(WARM_UP_MS, self, self._warm_up)

    def _warm_up(self) -> None:
        """Open the audio device and load the piano now, and prepare its samples on a thread, so
        the first Space sounds at once."""
        if self._player is None and self._mixer():
            sampler = getattr(self._piano, "warm_up", None)
            if sampler is not None:
                threading.Thread(target=sampler, daemon=True, name="segue-piano-warm-up").start()

    # -- outputs --------------------------------------------------------------------------------
    def outputs(self) -> list[str]:
        from engine.sound.port_player import output_names
        names, _ = output_names()
        return [BUILT_IN] + names

    def output(self) -> str:
        return self._output

    def set_output(self, name: str, remember: bool = True, quiet: bool = False) -> bool:
        """Send sound to ``name`` (a MIDI port or the built-in piano); False if it cannot be opened."""
        self.stop()
        if self._player is not None:
            self._player.close()
            self._player = None
        self._output = BUILT_IN
        if name != BUILT_IN:
            from engine.sound.port_player import PortPlayer, output_names
            names, problem = output_names()
            try:
                if name not in names:
                    raise OSError(problem or "the port is not connected")
                import mido
                port = mido.open_output(name)
            except Exception as err:
                if not quiet:
                    self.error.emit(f"Cannot open MIDI output '{name}': {err}. Using the built-in piano.")
                return False
            self._player = PortPlayer(port, on_error=self._port_failed.emit)
            self._output = name
        if remember:
            QSettings("Segue", "Segue").setValue(SETTING, self._output)
        return True

    def _on_piano_failed(self, message: str) -> None:
        self.stop()
        self.error.emit(message)

    def _on_port_failed(self, message: str) -> None:
        self._finish()
        self.set_output(BUILT_IN, remember=False)
        self.error.emit(message + " Switched to the built-in piano.")

    def midi_port(self):
        """The MIDI output port the sound goes to (anything with ``send``), or None: the built-in piano."""
        return self._player.port if self._player is not None else None

    def built_in_piano(self):
        """The built-in piano (``render_note``, ``sample_rate``) with the audio device open, or None
        when a MIDI port is chosen or there is no sound (said through ``error``)."""
        return self._piano if self._player is None and self._mixer() else None

    # -- built-in sound -------------------------------------------------------------------------
    def _mixer(self) -> bool:
        if self._mixer_ready is None:
            os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
            # SDL would catch SIGTERM (and Ctrl+C) to post a quit event that nothing here reads, leaving the
            # app running when the desktop or ``kill`` asks it to end; the autosave brings the work back
            os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
            try:
                import pygame

                from engine.sound.synth import SAMPLE_RATE, Synth
                pygame.mixer.pre_init(SAMPLE_RATE, -16, 2, 1024)
                pygame.mixer.init()
                pygame.mixer.set_num_channels(16)
                rate, size, channels = pygame.mixer.get_init()
                if (size, channels) != (-16, 2):
                    raise pygame.error(f"the device opened as {channels} channels of {size} bits, not 16-bit stereo")
                self._synth = Synth(rate)
                self._mixer_ready = True
            except Exception as err:
                self._mixer_ready = False
                self.error.emit(f"No sound: the audio device could not be opened ({err}). "
                                "Choose a MIDI output in Play > Sound Output, or export the MIDI file.")
                return False
            from engine.sound.audio import built_in_piano
            self._piano, problem = built_in_piano(self._synth.sample_rate)
            if problem:
                self.error.emit(problem)
        return self._mixer_ready

    def _sound_of(self, samples):
        import pygame
        return pygame.mixer.Sound(buffer=samples.tobytes())

    # -- transport ----------------------------------------------------------------------------------
    def is_playing(self) -> bool:
        return self._playing

    def play(self, phrase: Phrase, from_step: float = 0, loop: tuple[int, int] | None = None) -> bool:
        self.stop()
        if not phrase.notes:
            self.error.emit("There are no notes to play yet.")
            return False
        if loop:
            start, end = int(loop[0]), int(loop[1])
        else:
            start, end = int(from_step), phrase.length
            if start >= end:
                start = 0
        if self._player is not None:
            self._player.play(phrase, start, end, loop=bool(loop))
        else:
            if not self._mixer():
                return False
            self._sound = self._stream(phrase, start, end, loop=bool(loop))
        self._start, self._end, self._loop = start, end, bool(loop)
        self._seconds_per_step = phrase.seconds_per_step
        self._timeline = None
        if self._player is None and phrase.tempo_changes:        # the piano plays the tempo map
            from engine.sound.sampler import seconds_at
            steps = sorted({start, end} | {s for s, _ in phrase.tempo_changes if start < s < end})
            self._timeline = (seconds_at(phrase, steps) - seconds_at(phrase, [start])[0], steps)
        self._playing = True
        self._clock.start()
        self._timer.start()
        self.position.emit(float(start))
        self.started.emit()
        return True

    def _stream(self, phrase: Phrase, start: int, end: int, loop: bool):
        """Start the piano playing steps start..end: the first piece is rendered now into a ring
        that SDL plays round and round, the rest by a thread into the ring, ahead of what is heard;
        after the last notes have rung out the thread stops the sound."""
        import pygame

        from engine.sound.audio import performance
        from engine.sound.ring import RING_SECONDS, RingFeed
        sound_of = performance(self._piano, phrase, start, end, tail=not loop)
        rate = self._piano.sample_rate
        ring = int(RING_SECONDS * rate)
        sound = pygame.mixer.Sound(buffer=bytes(4 * ring))
        buffer = pygame.sndarray.samples(sound)                # the sound's own samples, not a copy
        feed = RingFeed(sound_of, rate, ring, loop)
        feed.fill(buffer, 0, most=int(FIRST_PIECE * rate))
        sound.play(loops=-1)
        self._halt = halt = threading.Event()
        began = time.monotonic()

        def fill():
            try:
                while not halt.is_set():
                    heard = int((time.monotonic() - began) * rate)
                    if feed.finished(heard):
                        sound.stop()                          # the last notes have rung out
                        return
                    feed.fill(buffer, heard)
                    halt.wait(REFILL)
            except Exception as err:                          # a bug must not pass silently, nor crash
                self._piano_failed.emit(f"The built-in piano stopped: {type(err).__name__}: {err}.")
        self._filler = threading.Thread(target=fill, daemon=True, name="segue-piano")
        self._filler.start()
        return sound

    def _tick(self) -> None:
        seconds = self._clock.elapsed() / 1000
        steps = seconds / self._seconds_per_step
        span = self._end - self._start
        if self._timeline is not None:                     # seconds to steps through the tempo map
            import numpy as np
            times, at = self._timeline
            if self._loop and times[-1] > 0:
                seconds %= times[-1]
            steps = float(np.interp(seconds, times, np.array(at) - self._start, right=span + seconds))
        elif self._loop and span > 0:
            steps %= span
        if not self._loop and steps >= span:
            self.position.emit(float(self._end))
            if self._player is not None:
                self.stop()
            else:
                self._finish()                         # the piano's last notes ring out; its thread ends it
            return
        self.position.emit(self._start + steps)

    def stop(self) -> None:
        """Stop and silence every note."""
        if self._player is not None:
            self._player.stop()
        self._halt.set()
        if self._filler is not None and self._filler is not threading.current_thread():
            self._filler.join(timeout=0.5)             # it writes into the sound's own buffer: done first
            self._filler = None
        if self._sound is not None:                    # playing, or its last notes ringing out
            self._sound.stop()
        self._sound = None
        self._finish()

    def _finish(self) -> None:
        self._timer.stop()
        if self._playing:
            self._playing = False
            self.stopped.emit()

    def metronome(self, template: Phrase | None, start: bool = True) -> bool:
        """Click the beats of ``template``'s metre and tempo through the built-in sound (whatever
        the chosen output, so the clicks never reach a recording on a port), a bar at a time, until
        called with None. With ``start=False`` the clicks are only made ready: ``start_metronome``
        then starts them at once (to start them in step with other things)."""
        if self._clicks is not None:
            self._clicks.stop()
            self._clicks = None
        if template is None or not self._mixer():
            return False
        from engine.sound.synth import click_bar
        bar = click_bar(template)
        self._clicks = self._sound_of(self._synth.render(bar, 0, bar.length, tail=False))
        if start:
            self.start_metronome()
        return True

    def start_metronome(self) -> None:
        if self._clicks is not None:
            self._clicks.play(loops=-1)

    def preview(self, pitch: int, velocity: int = 90) -> None:
        """Sound one key briefly (a click on the keyboard or a newly drawn note)."""
        if self._player is not None:
            try:
                import mido
                self._player.port.send(mido.Message("note_on", note=pitch, velocity=velocity))
                QTimer.singleShot(400, lambda: self._note_off(pitch))
            except Exception as err:
                self._port_failed.emit(f"MIDI output stopped: {err}.")
            return
        if self._mixer():
            self._preview = self._sound_of(self._piano.render_note(pitch, velocity))
            self._preview.play()

    def _note_off(self, pitch: int) -> None:
        if self._player is not None:
            try:
                import mido
                self._player.port.send(mido.Message("note_off", note=pitch))
            except Exception:
                pass

    def close(self) -> None:
        self.metronome(None)
        self.stop()
        if self._player is not None:
            self._player.close()
            self._player = None
