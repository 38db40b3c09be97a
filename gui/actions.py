"""Every command of the window as a QAction, with its shortcut, created in one place."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit, QWidget

K = QKeySequence


def keys(*wanted) -> list[QKeySequence]:
    """The key sequences of an action: each standard key as this platform binds it, each text as
    written. A sequence named twice is kept once: Qt calls a doubled key ambiguous and ignores it."""
    found = []
    for key in wanted:
        for sequence in K.keyBindings(key) if isinstance(key, K.StandardKey) else [K(key)]:
            if not sequence.isEmpty() and sequence not in found:
                found.append(sequence)
    return found


def _action(window, text, slot, shortcut=None, tip=None, checkable=False):
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcuts(keys(*(shortcut if isinstance(shortcut, list) else [shortcut])))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.setCheckable(checkable)
    # only a checkable action hands its state on: any other calls its slot bare, so triggered's
    # ``checked`` never lands in a slot's optional parameter (export_score's path, say)
    action.triggered.connect(slot if checkable else lambda: slot())
    window.addAction(action)                 # shortcuts work wherever the focus is in the window
    return action


def create_actions(w) -> dict[str, QAction]:
    """Build the window's actions, each calling the controller that owns its command: ``w`` is the
    MainWindow that holds them (``w.files``, ``w.editing``, ``w.writing``, ``w.metre_key``...).
    The transport and the recorder are made after the actions they light, so theirs look them up
    when triggered."""
    a = {}
    files, edit, writing = w.files, w.editing, w.writing
    a["new"] = _action(w, "&New", files.new_document, K.StandardKey.New)
    a["open"] = _action(w, "&Open…", files.open_dialog, K.StandardKey.Open,
                        "Open a MIDI file, score or Segue document")
    a["save"] = _action(w, "&Save", files.save, K.StandardKey.Save)
    a["save_as"] = _action(w, "Save &As…", files.save_as, K.StandardKey.SaveAs)
    a["export"] = _action(w, "&Export MIDI…", files.export_midi, "Ctrl+E", "Write a standard MIDI file")
    a["export_score"] = _action(w, "Export &Sheet Music (MusicXML)…", w.sheet_music.export, "Ctrl+Shift+E",
                                "Write the phrase as a piano score for MuseScore, Sibelius, Finale, Dorico…")
    a["export_audio"] = _action(w, "Export &Audio (WAV, FLAC)…", w.audio_export.export, None,
                                "Play the phrase, or the selected notes, on the built-in piano into an audio file")
    a["sheet_music"] = _action(w, "Show as Sheet &Music", w.sheet_music.show, "Ctrl+M",
                               "See the phrase as a piano score (engraved by MuseScore when installed)")
    a["quit"] = _action(w, "&Quit", w.close, [K.StandardKey.Quit, "Ctrl+Q"])

    a["undo"] = w.undo_stack.createUndoAction(w, "&Undo")
    a["undo"].setShortcuts(keys(K.StandardKey.Undo, "Ctrl+Z"))
    a["redo"] = w.undo_stack.createRedoAction(w, "&Redo")
    a["redo"].setShortcuts(keys(K.StandardKey.Redo, "Ctrl+Shift+Z", "Ctrl+Y"))   # Linux's standard redo lacks Ctrl+Y
    for key in ("undo", "redo"):
        w.addAction(a[key])
    a["cut"] = _action(w, "Cu&t", edit.cut, K.StandardKey.Cut)
    a["copy"] = _action(w, "&Copy", edit.copy, K.StandardKey.Copy)
    a["paste"] = _action(w, "&Paste", edit.paste, K.StandardKey.Paste, "Paste at the playhead")
    a["duplicate"] = _action(w, "D&uplicate", edit.duplicate, "Ctrl+D")
    a["delete"] = _action(w, "&Delete", edit.delete, ["Del", "Backspace"])    # X11 also binds Ctrl+D: Duplicate here
    a["select_all"] = _action(w, "Select &All", edit.select_all, K.StandardKey.SelectAll)
    a["quantize"] = _action(w, "&Quantize", edit.quantize, "Q",
                            "Snap the selection to the grid")
    a["velocity"] = _action(w, "&Velocity…", edit.edit_velocity, "Ctrl+Shift+V", "Set the selection's velocity")
    a["time_signature"] = _action(w, "&Time Signature…", w.metre_key.ask_time_signature, None,
                                  "Change the phrase's metre: the bar lines move, the notes stay in time")
    a["key"] = _action(w, "&Key…", w.metre_key.ask_key, None,
                       "Set the phrase's key signature, or let Segue estimate the key from the notes")
    a["up"] = _action(w, "Transpose Up", lambda: edit.transpose(1), "Up")
    a["down"] = _action(w, "Transpose Down", lambda: edit.transpose(-1), "Down")
    a["octave_up"] = _action(w, "Octave Up", lambda: edit.transpose(12), "Shift+Up")
    a["octave_down"] = _action(w, "Octave Down", lambda: edit.transpose(-12), "Shift+Down")
    a["later"] = _action(w, "Move Later", lambda: edit.shift(1), "Right")
    a["earlier"] = _action(w, "Move Earlier", lambda: edit.shift(-1), "Left")
    a["bar_later"] = _action(w, "Move a Bar Later", lambda: edit.shift_bars(1), "Shift+Right")
    a["bar_earlier"] = _action(w, "Move a Bar Earlier", lambda: edit.shift_bars(-1), "Shift+Left")

    tools = QActionGroup(w)
    for key, text, shortcut in (("draw", "✎ Draw", "D"), ("select", "⬚ Select", "S"), ("erase", "⌫ Erase", "E")):
        a[key] = _action(w, text, lambda checked=False, k=key: w.set_tool(k), shortcut,
                         f"{text[2:]} tool ({shortcut})", checkable=True)
        tools.addAction(a[key])

    a["play"] = _action(w, "▶ Play", lambda checked=False: w.transport.toggle_play(), "Space",
                        "Play from the playhead; lit while playing (Space plays and stops)", checkable=True)
    a["stop"] = _action(w, "■ Stop", lambda: w.transport.stop(), None, "Stop and silence every note")
    a["rewind"] = _action(w, "|◀ Start", lambda: w.transport.rewind(), "Home", "Back to the start (Home)")
    a["loop"] = _action(w, "⟲ Loop", lambda checked=False: w.transport.toggle_loop(), "L",
                        "Loop the selected range (L)", checkable=True)
    a["record"] = _action(w, "● Record", lambda checked=False: w.take_recorder().toggle(), "R",
                          "Play a phrase in on a MIDI keyboard, from the playhead (R starts and stops)",
                          checkable=True)
    a["metronome"] = _action(w, "Metronome While Recording", lambda on: w.take_recorder().set_metronome(on), None,
                             "Click the beats (built-in sound) while you record", checkable=True)

    a["continue"] = _action(w, "Continue", writing.continue_phrase, ["Ctrl+Return", "Ctrl+Enter"],
                            "Let the model write what comes next (Ctrl+Return)")
    a["fill"] = _action(w, "Fill", writing.fill, ["Ctrl+Shift+Return", "Ctrl+Shift+Enter"],
                        "Rewrite the chosen bars so they lead into what follows, keeping locked notes "
                        "(drag on the ruler or select notes to choose the bars; Ctrl+Shift+Return)")
    a["jam"] = _action(w, "♫ Jam", lambda checked=False: w.jam_session().toggle(), None,
                       "Play a phrase on the MIDI keyboard and Segue answers when you stop; Esc ends", checkable=True)
    a["reroll"] = _action(w, "Re-roll", writing.reroll, "Ctrl+R",
                          "Write the last Continue or Fill again with a new random seed, keeping locked notes")
    a["suggest_chords"] = _action(w, "Suggest Chords", writing.suggest_chords, None,
                                  "Propose chords for the bars Continue will write, after the phrase's own, ending "
                                  "on a cadence; edit them in the chord lane or keep them")
    a["lock"] = _action(w, "Lock / Unlock Notes", writing.toggle_lock, "K",
                        "Fill and Continue keep locked notes exactly where they are (K)")
    a["cancel"] = _action(w, "Cancel", w.cancel_generation, "Esc")
    a["previous_take"] = _action(w, "Previous Take", lambda: w.step_take(-1), "Alt+Left")
    a["next_take"] = _action(w, "Next Take", lambda: w.step_take(1), "Alt+Right")
    a["keep_take"] = _action(w, "Keep This Take", writing.keep_take, "Alt+Return")
    a["excerpt"] = _action(w, "Random Excerpt of the Training Music", w.random_excerpt)
    a["train"] = _action(w, "Train a Model on Your Music…", w.train_model, None,
                         "Teach Segue the style of a folder of MIDI files or scores")

    a["accept_ghosts"] = _action(w, "Keep Ghost Suggestion", lambda: w.ghosts.accept(), "Tab",
                                 "Keep the faint notes the model suggests after the phrase (Tab)")
    a["ghosts"] = _action(w, "Ghost Suggestions", lambda on: w.ghosts.switch(on), None,
                          "While you write, show faintly what the model would write next; Tab keeps it, "
                          "Esc sends it away", checkable=True)
    lengths = QActionGroup(w)
    for bars in (1, 2):
        a[f"ghost_bars_{bars}"] = _action(w, f"{bars} Bar{'s' * (bars > 1)}",
                                          lambda on, b=bars: on and w.ghosts.set_bars(b), None,
                                          f"Ghost suggestions show {bars} bar{'s' * (bars > 1)}", checkable=True)
        lengths.addAction(a[f"ghost_bars_{bars}"])
    a["surprise"] = _action(w, "Show Surprise", lambda on: w.surprise.switch(on), None,
                            "Colour every note by how unexpected the model finds it given what comes before",
                            checkable=True)
    a["zoom_in"] = _action(w, "Zoom In", lambda: w.view.zoom_time(1.25), K.StandardKey.ZoomIn)
    a["zoom_out"] = _action(w, "Zoom Out", lambda: w.view.zoom_time(0.8), K.StandardKey.ZoomOut)
    a["about"] = _action(w, "About Segue", w.about)
    return a


class UndoKeysForTheMusic(QObject):
    """An event filter for the window's text fields (spin boxes, line edits): a field claims Ctrl+Z
    (and the redo keys) for its own typing before the window's Undo sees them, so the keys of the
    ``actions`` given are turned away from it and reach the music's undo stack."""

    def __init__(self, actions: list[QAction], parent=None):
        super().__init__(parent)
        self.actions = actions

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.ShortcutOverride:
            pressed = QKeySequence(event.keyCombination())
            if any(pressed in action.shortcuts() for action in self.actions):
                event.ignore()               # not the field's key: the window's shortcut takes it
                return True
        return False


def keep_undo_keys_for_the_music(w) -> None:
    """Undo and redo keys act on the music wherever the focus is in window ``w``, even in a field."""
    guard = UndoKeysForTheMusic([w.actions_["undo"], w.actions_["redo"]], w)
    for field in w.findChildren(QWidget):
        if isinstance(field, (QAbstractSpinBox, QLineEdit, QComboBox)):
            field.installEventFilter(guard)
