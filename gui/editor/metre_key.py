"""The phrase's time signature and key: shown in the status bar ("4/4 · C major"), changed from
Edit > Time Signature… and Key… or a click on either, each change one undo step.

A phrase without a key signature shows the key estimated from its notes, marked as estimated;
the estimate is never written into a file. A chosen key is saved and exported.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QMessageBox, QToolButton, QWidget

from engine.music.keys import Key, key_for_notation
from engine.music.phrase import KEY_SIGNATURES, Phrase

from ..counts import count
from ..document.commands import ChangeKeySignatures, ChangeTimeSignature

COMMON_METRES = ("4/4", "3/4", "2/4", "2/2", "6/8", "3/8", "9/8", "12/8", "5/4", "7/8")
ESTIMATE = "None: estimate it from the notes"


# -- names ------------------------------------------------------------------------------------------

def key_name(signature: str) -> str:
    """A key signature as MIDI files name it, as a musician says it: 'Eb' -> 'Eb major', 'F#m' -> 'F# minor'."""
    minor = signature.endswith("m")
    return f"{signature[:-1] if minor else signature} {'minor' if minor else 'major'}"


def signature_of(key: Key) -> str:
    """A key as MIDI files name its signature, spelt with the fewer accidentals: Key(3) -> 'Eb',
    Key(9, minor=True) -> 'Am', Key(1) -> 'Db' (not C# major's seven sharps)."""
    spellings = [s for s in KEY_SIGNATURES if s.endswith("m") == key.minor and Key.parse(key_name(s)) == key]
    usual = key.name.split()[0] + ("m" if key.minor else "")          # F# major, Eb minor where the count ties
    return min(spellings, key=lambda s: (abs(KEY_SIGNATURES.index(s) % 15 - 7), s != usual))


def accidentals(signature: str) -> str:
    """'Eb' -> '3 flats', 'E' -> '4 sharps', 'Am' -> 'no sharps or flats'."""
    fifths = KEY_SIGNATURES.index(signature) % 15 - 7
    if not fifths:
        return "no sharps or flats"
    return count(abs(fifths), "sharp" if fifths > 0 else "flat")


def key_choices() -> list[str]:
    """Every key signature round the circle of fifths, each major key beside its relative minor."""
    return [key for pair in zip(KEY_SIGNATURES[:15], KEY_SIGNATURES[15:]) for key in pair]


def parse_time_signature(text: str, steps_per_quarter: int = 4) -> tuple[int, int]:
    """'3/4' -> (3, 4); ValueError with a readable message for what is not a metre on this grid."""
    match = re.fullmatch(r"\s*(\d{1,3})\s*/\s*(\d{1,3})\s*", text or "")
    if not match:
        raise ValueError(f"'{text}' is not a time signature: write it like 3/4 or 6/8")
    beats, unit = int(match.group(1)), int(match.group(2))
    if not 1 <= beats <= 32:
        raise ValueError(f"{beats}/{unit}: a bar holds 1 to 32 beats")
    if unit not in (1, 2, 4, 8, 16, 32):
        raise ValueError(f"{beats}/{unit}: the beat unit is 1, 2, 4, 8, 16 or 32")
    if 4 * beats * steps_per_quarter % unit:
        raise ValueError(f"{beats}/{unit}: a bar of it does not fit the grid of "
                         f"{count(steps_per_quarter, 'step')} per quarter note")
    return beats, unit


# -- what the field shows -------------------------------------------------------------------------

def estimated_key(phrase: Phrase) -> Key | None:
    """The key the notes suggest, the one the sheet music is written in (None without notes)."""
    return key_for_notation(phrase)


def phrase_key(model) -> tuple[str | None, bool]:
    """The phrase's key as a name and whether it is estimated: its first key signature if it has
    one, else the estimate from its notes; (None, True) for an empty phrase without one."""
    if model.key_signatures:
        return key_name(model.key_signatures[0][1]), False
    key = estimated_key(model.phrase()) if len(model) else None
    return (key_name(signature_of(key)) if key else None), True


def metre_text(model) -> str:
    return "{}/{}".format(*model.time_signature)


def key_text(model) -> str:
    name, estimated = phrase_key(model)
    if name is None:
        return "no key yet"
    return f"{name} (estimated)" if estimated else name


class MetreKeyField(QWidget):
    """'4/4 · C major' in the status bar; a click on the metre or the key changes it, one step of
    ``undo_stack`` each (so do Edit > Time Signature… and Key…, which call ``ask_time_signature``
    and ``ask_key``). Given the phrase ``model`` it shows and the ``undo_stack`` its changes go to."""

    def __init__(self, model, undo_stack, parent=None):
        super().__init__(parent)
        self.model, self.undo_stack = model, undo_stack
        self.metre = QToolButton(autoRaise=True)
        self.key = QToolButton(autoRaise=True)
        self.metre.clicked.connect(self.ask_time_signature)
        self.key.clicked.connect(self.ask_key)
        self.setObjectName("metreKey")                        # the status bar's ground shows through
        self.setStyleSheet("#metreKey, #metreKey QLabel, #metreKey QToolButton { background: transparent; }"
                           "#metreKey QToolButton:hover { background: #2e3540; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(0)
        layout.addWidget(self.metre)
        layout.addWidget(QLabel("·"))
        layout.addWidget(self.key)
        self._later = QTimer(self, singleShot=True, interval=150)    # many note edits, one estimate
        self._later.timeout.connect(self.refresh)
        model.settingsChanged.connect(self.refresh)
        model.notesChanged.connect(self._later.start)
        self.refresh()

    def text(self) -> str:
        return f"{self.metre.text()} · {self.key.text()}"

    def refresh(self) -> None:
        model = self.model
        self._later.stop()
        self.metre.setText(metre_text(model))
        self.metre.setToolTip("Time signature: click to change it (Edit > Time Signature…)")
        self.key.setText(key_text(model))
        _, estimated = phrase_key(model)
        tip = ("No key signature is set: this is the key the notes suggest. " if estimated else "Key signature. ")
        bar = model.steps_per_bar
        later = [f"bar {step // bar + 1}: {key_name(key)}" for step, key in model.key_signatures[1:]]
        if later:
            tip += "Then " + ", ".join(later) + ". "
        self.key.setToolTip(tip + "Click to change it (Edit > Key…)")

    # -- changing them ----------------------------------------------------------------------------
    def set_time_signature(self, signature: tuple[int, int]) -> None:
        """One undo step: the bar lines move, the notes stay where they are in time."""
        if tuple(signature) != self.model.time_signature:
            self.undo_stack.push(ChangeTimeSignature(self.model, signature))

    def set_key(self, signature: str | None) -> None:
        """One undo step: ``signature`` ('Eb', 'F#m') becomes the phrase's key from its start (later
        key changes stay); None removes every key signature, so the key is estimated again."""
        model = self.model
        if signature is None:
            keys, text = (), "Key: estimated"
        else:
            keys, text = ((0, signature),) + model.key_signatures[1:], f"Key: {key_name(signature)}"
        keys = Phrase(key_signatures=keys).key_signatures            # in order, repeats left out
        if keys != model.key_signatures:
            self.undo_stack.push(ChangeKeySignatures(model, keys, text))

    def ask_time_signature(self) -> None:
        current = metre_text(self.model)
        items = list(COMMON_METRES) if current in COMMON_METRES else [current, *COMMON_METRES]
        text, ok = QInputDialog.getItem(self.window(), "Time Signature",
                                        "Beats in a bar / the note value of a beat (such as 3/4 or 6/8).\n"
                                        "The bar lines move; the notes stay where they are.",
                                        items, items.index(current), True)
        if not ok:
            return
        try:
            signature = parse_time_signature(text, self.model.steps_per_quarter)
        except ValueError as err:
            QMessageBox.warning(self.window(), "Time Signature", str(err))
            return
        self.set_time_signature(signature)

    def ask_key(self) -> None:
        model = self.model
        keys = key_choices()
        guess = estimated_key(model.phrase()) if len(model) else None
        items = [ESTIMATE + (f" (now {key_name(signature_of(guess))})" if guess else "")]
        items += [f"{key_name(k)} ({accidentals(k)})" for k in keys]
        current = keys.index(model.key_signatures[0][1]) + 1 if model.key_signatures else 0
        item, ok = QInputDialog.getItem(self.window(), "Key", "The key signature of the phrase, saved with it "
                                        "and written into exported MIDI files:", items, current, False)
        if ok:
            self.set_key(None if items.index(item) == 0 else keys[items.index(item) - 1])
