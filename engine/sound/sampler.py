"""Segue's built-in piano: a SoundFont sample player in numpy.

Each note plays the SoundFont zones for its key and velocity (the Fluid piano has a stereo pair:
a left and a right sample). A zone's sample is read at the speed that turns its root key into the
note's pitch (the zone's root key, coarse and fine tune and the sample's pitch correction), with
linear interpolation, looping between the loop points while the note sounds. The zone's volume
envelope (delay, attack, hold, decay, sustain, release, in timecents as the SoundFont says; decay
and release fall in dB at a constant rate), its attenuation and its pan shape it. Velocity is heard
twice, as the SoundFont specification's default modulators say: louder (amplitude (v/127)^2, i.e.
-40 dB*log10(127/v)) and brighter (the zone's low-pass cutoff falls by up to 2400 cents for soft
notes). Where the SoundFont has velocity layers, the layer's own zones are played.

The low-pass is applied to each sample once, zero-phase by FFT, at the zone's cutoff and 2400 cents
lower; a note crossfades the two by velocity. This is the one simplification against a real-time
synthesizer: the cutoff follows the sample's middle key rather than each note's, and the filter
envelope is held at its sustain level. Everything per note is whole-array numpy work, so a dense
phrase renders many times faster than it plays, and a performance can be rendered in pieces
(``Performance.render(a, b)``) that join exactly, for playback that starts before all is rendered.

Sustain pedal: a ``Phrase`` holds no pedal; reading MIDI (``midi_file``) and recording
(``recorder``) lengthen the notes the pedal holds, so their release comes when the pedal lifts.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass

import numpy as np

from ..music.phrase import Note, Phrase
from . import soundfont as sf

SAMPLE_RATE = 44100
ATTENUATION_SCALE = 0.4          # FluidSynth's reading of initialAttenuation, which the Fluid piano was voiced for
VELOCITY_DARKENING = 2400        # cents the cutoff falls from velocity 127 to 0 (SoundFont 2.04 default)
SILENT_CB = 900                  # a voice ends 90 dB down
MAX_NOTE_SECONDS = 30.0          # a held note rings at most this long
MAX_RELEASE_SECONDS = 10.0       # and dies away within this after it is let go (the piano's longest: 1.2 s)
MOST_CENTS = 15_000              # a sample is played at most 12.5 octaves from its own pitch
LOWEST_OFF = 30_000              # cutoffs beyond +-30,000 cents of 8 Hz filter nothing, or everything
MASTER_GAIN = 1.0                # a forte passage peaks near -4 dBFS; louder ones meet the soft knee
_FADE = 128                      # samples faded at the end of a loop
_FILTER_PAD = 4096               # frames of loop unrolled past a sample's end before filtering


def timecents(value: int) -> float:
    """Seconds from SoundFont timecents (-12000 is 'instant')."""
    return 0.0 if value <= -12000 else 2.0 ** (value / 1200)


def seconds_at(phrase: Phrase, steps) -> np.ndarray:
    """Seconds from the phrase's start to each step, through its tempo map."""
    steps = np.asarray(steps, dtype=np.float64)
    changes = [(0, phrase.tempo_bpm)] + list(phrase.tempo_changes)
    at = np.array([c[0] for c in changes], dtype=np.float64)
    per_step = np.array([60.0 / bpm / phrase.steps_per_quarter for _, bpm in changes])
    before = np.concatenate(([0.0], np.cumsum(np.diff(at) * per_step[:-1])))   # seconds at each change
    i = np.searchsorted(at, steps, side="right") - 1
    i = np.clip(i, 0, len(at) - 1)
    return before[i] + (steps - at[i]) * per_step[i]


@dataclass(frozen=True)
class _Plan:
    """How one zone plays one key at one velocity: sample speed, loop, envelope (seconds), gains."""

    zone: sf.Zone
    step: float                    # sample frames per output sample
    start: int                     # absolute frames in the sample data
    end: int
    loop_start: int
    loop_end: int
    loop_mode: int                 # 0 none, 1 always, 3 while held
    delay: float                   # seconds
    attack: float
    hold: float
    decay: float
    sustain_cb: float
    release: float
    gain: tuple[float, float]      # left, right
    darkness: float                # 0 = the zone's own cutoff, 1 = 2400 cents below

    def geometry(self):
        """What the sample position and envelope depend on (shared by a stereo pair)."""
        return (self.step, self.end - self.start, self.loop_start - self.start, self.loop_end - self.start,
                self.loop_mode, self.delay, self.attack, self.hold, self.decay, self.sustain_cb, self.release)


class Sampler:
    """Plays phrases with a SoundFont preset; same interface as ``synth.Synth``."""

    def __init__(self, font: sf.SoundFont, sample_rate: int = SAMPLE_RATE, bank: int = 0, program: int = 0):
        self.font, self.sample_rate = font, sample_rate
        self.preset = font.preset(bank, program)
        self.name = self.preset.name
        self._levels: dict[tuple[int, int, int], np.ndarray] = {}  # (start, end, cutoff cents) -> filtered
        self._lock = threading.Lock()
        self._plans: dict[tuple[int, int], list[_Plan]] = {}

    # -- what plays -----------------------------------------------------------------------------
    def plans(self, key: int, velocity: int) -> list[_Plan]:
        """The zones a key plays at a velocity, each resolved into a plan (cached)."""
        if (key, velocity) not in self._plans:
            self._plans[(key, velocity)] = [self._plan(z, key, velocity)
                                            for z in self.preset.zones_for(key, velocity)]
        return self._plans[(key, velocity)]

    def _plan(self, z: sf.Zone, key: int, velocity: int) -> _Plan:
        s = z.sample
        root = z.get(sf.ROOT_KEY)
        root = s.root_key if root < 0 else root
        key = key if z.get(sf.KEYNUM) < 0 else z.get(sf.KEYNUM)
        velocity = velocity if z.get(sf.VELOCITY) < 0 else z.get(sf.VELOCITY)
        cents = (key - root) * z.get(sf.SCALE_TUNING) + 100 * z.get(sf.COARSE_TUNE) + z.get(sf.FINE_TUNE) \
            + s.correction
        cents = min(MOST_CENTS, max(-MOST_CENTS, cents))
        step = 2.0 ** (cents / 1200) * s.rate / self.sample_rate
        # the reader keeps only zones whose start and end lie within the sample data
        start, end = z.address(sf.START_OFFSET), z.address(sf.END_OFFSET)
        loop_start, loop_end = z.address(sf.LOOP_START_OFFSET), z.address(sf.LOOP_END_OFFSET)
        mode = z.get(sf.SAMPLE_MODES) & 3
        if not (start <= loop_start < loop_end <= end) or loop_end - loop_start < 2 or mode == 2:
            mode = 0
        attenuation = ATTENUATION_SCALE * max(0, z.get(sf.ATTENUATION)) \
            + 400 * np.log10(127 / max(1, velocity))            # cB; the default velocity curve
        amplitude = 10 ** (-attenuation / 200) / 32768
        pan = min(500, max(-500, z.get(sf.PAN))) / 1000 + 0.5    # 0 left, 1 right
        gain = (amplitude * np.cos(pan * np.pi / 2) * np.sqrt(2) if pan < 1 else 0.0,
                amplitude * np.sin(pan * np.pi / 2) * np.sqrt(2) if pan > 0 else 0.0)
        def seconds(generator: int, value: int) -> float:
            """An envelope time held to its generator's range, key scaling included."""
            low, high = sf.RANGES[generator]
            return timecents(min(high, max(low, value)))
        return _Plan(z, step, start, end, loop_start, loop_end, mode,
                     delay=seconds(sf.DELAY_VOL, z.get(sf.DELAY_VOL)),
                     attack=seconds(sf.ATTACK_VOL, z.get(sf.ATTACK_VOL)),
                     hold=seconds(sf.HOLD_VOL, z.get(sf.HOLD_VOL) + z.get(sf.KEY_TO_VOL_HOLD) * (60 - key)),
                     decay=seconds(sf.DECAY_VOL, z.get(sf.DECAY_VOL) + z.get(sf.KEY_TO_VOL_DECAY) * (60 - key)),
                     sustain_cb=min(1000, max(0, z.get(sf.SUSTAIN_VOL))),
                     release=min(MAX_RELEASE_SECONDS, seconds(sf.RELEASE_VOL, z.get(sf.RELEASE_VOL))),
                     gain=gain, darkness=1 - velocity / 127)

    def _cutoff(self, z: sf.Zone) -> int:
        """The zone's low-pass cutoff in the sample's own pitch (cents above 8.176 Hz)."""
        mod_env = 1 - min(1000, max(0, z.get(sf.SUSTAIN_MOD_ENV))) / 1000   # the filter envelope, held
        cutoff = z.get(sf.INITIAL_FILTER_FC) + z.get(sf.MOD_ENV_TO_FILTER_FC) * mod_env
        root = z.get(sf.ROOT_KEY)
        root = z.sample.root_key if root < 0 else root
        middle = (z.keys[0] + z.keys[1]) / 2
        cents = int(round((cutoff - (middle - root) * z.get(sf.SCALE_TUNING)) / 100) * 100)
        return min(LOWEST_OFF, max(-LOWEST_OFF, cents))

    def level(self, plan: _Plan, dark: bool) -> np.ndarray:
        """The plan's sample as float32, low-passed at its cutoff (or 2400 cents below), cached."""
        cutoff = self._cutoff(plan.zone) - (VELOCITY_DARKENING if dark else 0)
        key = (plan.start, plan.end, cutoff)
        cached = self._levels.get(key)
        if cached is None:
            cached = self._filtered(plan, cutoff)
            with self._lock:
                self._levels[key] = cached
        return cached

    def _filtered(self, plan: _Plan, cutoff_cents: int) -> np.ndarray:
        raw = self.font.data[plan.start:plan.end].astype(np.float32)
        n = len(raw)
        if plan.loop_mode == 1:                       # unroll the loop so the filter sees what follows it
            loop = raw[plan.loop_start - plan.start:plan.loop_end - plan.start]
            tail = np.tile(loop, -(-_FILTER_PAD // len(loop)))[:_FILTER_PAD]
            raw = np.concatenate((raw[:plan.loop_end - plan.start], tail))
        size = 1 << int(np.ceil(np.log2(len(raw) + _FILTER_PAD)))
        spectrum = np.fft.rfft(raw, size)
        hz = np.fft.rfftfreq(size, 1 / plan.zone.sample.rate)
        fc = 8.176 * 2.0 ** (cutoff_cents / 1200)
        x = hz / fc
        spectrum *= 1 / np.sqrt((1 - x * x) ** 2 + 2 * x * x)          # two-pole, no resonance
        out = np.fft.irfft(spectrum, size)[:n].astype(np.float32)
        return np.concatenate((out, out[-1:] * 0))                       # one guard frame

    def warm_up(self) -> None:
        """Filter every sample of the preset now (a background thread's job), so no note waits."""
        for z in self.preset.zones:
            for plan in self.plans(z.keys[0], z.velocities[1]):
                self.level(plan, dark=False)
                self.level(plan, dark=True)

    # -- rendering ------------------------------------------------------------------------------
    def performance(self, phrase: Phrase, start: int = 0, end: int | None = None, tail: bool = True) -> "Performance":
        return Performance(self, phrase, start, end, tail)

    def render(self, phrase: Phrase, start: int = 0, end: int | None = None, tail: bool = True) -> np.ndarray:
        """Audio of the notes sounding from step ``start`` to ``end`` (default: the phrase's end),
        int16 of shape (n, 2). As ``Synth.render``: notes begun before ``start`` are heard from it;
        with ``tail`` the last notes ring out, without it the buffer is exactly ``end - start`` steps."""
        performance = self.performance(phrase, start, end, tail)
        return to_int16(performance.render(0, performance.frames))

    def render_note(self, pitch: int, velocity: int = 90, seconds: float = 0.6) -> np.ndarray:
        """One key, as heard when clicking the keyboard."""
        phrase = Phrase((Note(pitch, 0, 4, velocity),), steps_per_quarter=4, tempo_bpm=60 / seconds)
        return self.render(phrase)

    def voice(self, plan: _Plan, off: int, a: int, b: int, cache: dict) -> np.ndarray:
        """Output samples ``a``..``b`` after the onset of one zone released ``off`` samples after
        it, float32 mono. ``cache`` shares positions and envelope between a stereo pair."""
        key = (plan.geometry(), off, a, b)
        if key not in cache:
            cache[key] = self._shape(plan, off, a, b)
        x0, x1, frac, envelope = cache[key]
        bright = self.level(plan, dark=False)
        y0 = np.take(bright, x0)
        wave = y0 + frac * (np.take(bright, x1) - y0)
        if plan.darkness > 0.004:
            dark = self.level(plan, dark=True)
            d0 = np.take(dark, x0)
            d0 += frac * (np.take(dark, x1) - d0)
            d0 -= wave
            d0 *= np.float32(plan.darkness)
            wave += d0
        wave *= envelope
        return wave

    def _shape(self, plan: _Plan, off: int, a: int, b: int):
        """Sample positions (frame, next frame, fraction) and envelope for output samples a..b
        after the onset."""
        pos = np.arange(a, b, dtype=np.float64)
        pos *= plan.step                                      # frames from the sample's start
        length = plan.end - plan.start
        if plan.loop_mode:
            ls, le = plan.loop_start - plan.start, plan.loop_end - plan.start
            first = int(np.searchsorted(pos, le))             # positions rise: wrap only from here
            if first < len(pos):
                pos[first:] = ls + np.mod(pos[first:] - ls, le - ls)
            if plan.loop_mode == 3 and off < b:               # let go: play on from the loop to the end
                k = max(0, off - a)
                at = off * plan.step
                at = ls + (at - ls) % (le - ls) if at >= le else at
                pos[k:] = at + (np.arange(a + k, b, dtype=np.float64) - off) * plan.step
        x0 = pos.astype(np.intp)
        frac = (pos - x0).astype(np.float32)
        np.minimum(x0, length - 1, out=x0)                    # a guard frame follows the last
        envelope = self.envelope(plan, a, b, off)
        if not plan.loop_mode or plan.loop_mode == 3:
            envelope[pos >= length - 1] = 0                   # the sample has ended
        return x0, x0 + 1, frac, envelope

    def envelope(self, plan: _Plan, a: int, b: int, off: int) -> np.ndarray:
        """The volume envelope (linear amplitude, float32) for output samples a..b after the
        onset, the key let go at ``off``."""
        rate = self.sample_rate
        n = b - a
        t = np.arange(a, b, dtype=np.float32)
        t /= rate
        cb = np.empty(n, dtype=np.float32)
        held = min(n, max(0, off - a))                        # samples before the release
        cb[:held] = _held_cb(plan, t[:held])
        if held < n:
            level = float(_held_cb(plan, np.array([off / rate]))[0])
            cb[held:] = level + (t[held:] - off / rate) * (1000 / max(plan.release, 0.001))
        amp = np.exp(cb * np.float32(-np.log(10) / 200))      # cB to amplitude
        rising = min(n, max(0, int(np.ceil((plan.delay + plan.attack) * rate)) - a))
        if rising:                                            # delay, then a linear attack
            ramp = np.clip((t[:rising] - plan.delay) / max(plan.attack, 1e-6), 0, 1)
            amp[:min(rising, held)] *= ramp[:min(rising, held)]
        if held < n and off / rate < plan.delay + plan.attack:
            amp[held:] *= max(0.0, (off / rate - plan.delay) / max(plan.attack, 1e-6))
        return amp

    def ring(self, plan: _Plan, held: float) -> float:
        """Seconds a zone sounds when held ``held`` seconds: until 90 dB down or the sample ends."""
        level = _held_cb_at(plan, held)                        # one number: no array (a call per note at Play)
        release = max(0.0, (SILENT_CB - level) / 1000 * plan.release)
        total = held + release
        if not plan.loop_mode or plan.loop_mode == 3:
            total = min(total, (plan.end - plan.start) / plan.step / self.sample_rate)
        return min(total, MAX_NOTE_SECONDS + release)


def _held_cb_at(plan: _Plan, t: float) -> float:
    """``_held_cb`` at one time ``t`` (seconds), as a Python float."""
    began = plan.delay + plan.attack + plan.hold
    if plan.decay <= 0:
        return float(plan.sustain_cb) if t > began else 0.0
    return float(min(max((t - began) * (1000 / plan.decay), 0.0), plan.sustain_cb))


def _held_cb(plan: _Plan, t: np.ndarray) -> np.ndarray:
    """Attenuation in cB while the key is held: 0 through attack and hold, then falling by 100 dB
    per decay time to the sustain level."""
    began = plan.delay + plan.attack + plan.hold
    if plan.decay <= 0:
        return np.where(t > began, plan.sustain_cb, 0).astype(t.dtype)
    return np.clip((t - t.dtype.type(began)) * t.dtype.type(1000 / plan.decay), 0, plan.sustain_cb)


class Performance:
    """A phrase (from step ``start`` to ``end``) as a list of voices, rendered in any pieces.

    The voices (each note's zones and how long each rings) are worked out as the rendering reaches
    them, not all before the first sound: Play of a long piece starts at once, and its first piece
    costs what its first notes cost. ``frames`` (where the sound ends, its last notes' ring
    included) is known from the start: only the notes that might ring past the end are heard for it.
    """

    def __init__(self, sampler: Sampler, phrase: Phrase, start: int = 0, end: int | None = None, tail: bool = True):
        self.sampler = sampler
        rate = sampler.sample_rate
        end = phrase.length if end is None else end
        t0 = float(seconds_at(phrase, [start])[0])
        length = int(round((float(seconds_at(phrase, [end])[0]) - t0) * rate))
        notes = [n for n in phrase.notes if n.end > start and n.start < end]
        ons = seconds_at(phrase, [n.start for n in notes]) - t0
        offs = seconds_at(phrase, [min(n.end, end) for n in notes]) - t0
        # a key struck again while still held is let go first, as MIDI and the piano do
        following: dict[int, float] = {}
        for k in sorted(range(len(notes)), key=lambda k: -ons[k]):
            pitch = notes[k].pitch
            if following.get(pitch, np.inf) > ons[k]:
                offs[k] = min(offs[k], following.get(pitch, np.inf))
            following[pitch] = ons[k]
        on_samples = np.rint(np.asarray(ons, dtype=np.float64) * rate).astype(np.int64)
        order = np.argsort(on_samples, kind="stable")        # the voices in the order they begin
        self._notes = [notes[k] for k in order]
        self._on = on_samples[order]
        self._off = np.rint(np.asarray(offs, dtype=np.float64) * rate).astype(np.int64)[order]
        self._held = (np.asarray(offs, dtype=np.float64) - np.asarray(ons, dtype=np.float64))[order]
        self._built = 0                                      # the notes made into voices so far
        self.voices: list = []                               # (plan, onset, release, end) in samples
        self._onsets: list[int] = []
        self._longest = 0
        last = length
        if tail:                                             # the last notes' ring: only those that may pass it
            longest = np.minimum(self._held, MAX_NOTE_SECONDS) + MAX_RELEASE_SECONDS      # a ring is no longer
            bound = self._on + (longest * rate).astype(np.int64)
            for k in np.argsort(-bound, kind="stable"):
                if bound[k] <= last:
                    break
                for plan in sampler.plans(self._notes[k].pitch, self._notes[k].velocity):
                    last = max(last, int(self._on[k]) + int(sampler.ring(plan, float(self._held[k])) * rate))
        self.frames = max(1, last if tail else length)
        self.cut = None if tail else length

    def _reach(self, sample: int) -> None:
        """Make voices of the notes that begin before ``sample``."""
        rate, sampler = self.sampler.sample_rate, self.sampler
        stop = int(np.searchsorted(self._on, sample, side="left"))
        for k in range(self._built, stop):
            note, on_s, off_s, held = self._notes[k], int(self._on[k]), int(self._off[k]), float(self._held[k])
            for plan in sampler.plans(note.pitch, note.velocity):
                until = on_s + int(sampler.ring(plan, held) * rate)
                self.voices.append((plan, on_s, off_s, until))
                self._onsets.append(on_s)
                self._longest = max(self._longest, until - on_s)
        self._built = max(self._built, stop)

    def render(self, a: int, b: int) -> np.ndarray:
        """Output samples ``a``..``b`` as float32 stereo (n, 2), before the master gain."""
        b = min(b, self.frames)
        out = np.zeros((max(0, b - a), 2), dtype=np.float32)
        cache: dict = {}
        self._reach(b)
        first = bisect.bisect_left(self._onsets, a - self._longest)            # the voices that may sound here
        last = bisect.bisect_left(self._onsets, b)
        for plan, on, off, until in self.voices[first:last]:
            lo, hi = max(a, on), min(b, until)
            if lo >= hi:
                continue
            wave = self.sampler.voice(plan, off - on, lo - on, hi - on, cache)
            left, right = plan.gain
            if left:
                out[lo - a:hi - a, 0] += left * wave
            if right:
                out[lo - a:hi - a, 1] += right * wave
        if self.cut is not None and b > self.cut - _FADE:      # a loop's end fades, so its seam does not click
            first = max(a, self.cut - _FADE)
            out[first - a:b - a] *= ((self.cut - np.arange(first, b)) / _FADE).astype(np.float32)[:, None]
        return out


def to_int16(mix: np.ndarray) -> np.ndarray:
    """The master gain and a soft knee above 0.8 of full scale, as int16 (stateless, so pieces join)."""
    x = mix * MASTER_GAIN
    mag = np.abs(x)
    over = mag > 0.8
    if over.any():
        x[over] = np.sign(x[over]) * (0.8 + 0.2 * np.tanh((mag[over] - 0.8) / 0.2))
    return np.ascontiguousarray((x * 32767).astype(np.int16))
