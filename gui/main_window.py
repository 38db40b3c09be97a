"""Segue's main window: the piano roll, the Continue panel, transport and files."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QSettings, QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from engine.limits import MAX_TEMPO_BPM, MIN_TEMPO_BPM

from .actions import create_actions, keep_undo_keys_for_the_music
from .document.autosave import Autosave
from .document.commands import ChangeTempo
from .document.controller import DocumentController
from .document.files import FileController
from .document.midi_drag import MidiDragTile, is_dragged_file
from .document.phrase_model import PhraseModel
from .document.sheet_music import SheetMusic
from .editor import editing
from .editor.chord_lane import ChordLane
from .editor.editing import Editing
from .editor.metre_key import MetreKeyField
from .editor.piano_roll import PianoRollView
from .editor.rulers import Keyboard, Ruler
from .editor.surprise_view import SurpriseLegend, SurpriseView
from .editor.tools import DrawTool, EraseTool, SelectTool
from .sound.audio_export import AudioExport
from .sound.record_take import metronome_wanted
from .sound.transport import Transport
from .workers import ExcerptJob, ModelCache
from .writing.controller import ContinueController
from .writing.ghosts import GhostController
from .writing.panel import ContinuePanel

SNAPS = (("1/4", 4), ("1/8", 2), ("1/16", 1), ("Off", 1))
EDITOR_KEYS = ("record", "delete", "up", "down", "octave_up", "octave_down", "later", "earlier", "bar_later",
               "bar_earlier", "draw", "select", "erase", "play", "rewind", "loop", "quantize", "lock",
               "accept_ghosts")
TEMPO_DECIMALS = 2
# the slowest tempo the box offers, rounded up so that it never falls below what a phrase may have
SLOWEST_TEMPO_SHOWN = math.ceil(MIN_TEMPO_BPM * 10**TEMPO_DECIMALS) / 10**TEMPO_DECIMALS


class MainWindow(QMainWindow):
    """The window: menus, toolbar and layout, wired to the controllers that do the work.

    Each controller is given the phrase ``model``, the ``undo_stack`` and what else it works on,
    never the window: ``document`` (which files the phrase is), ``files`` (new, open, save,
    export, seeds, recovery), ``editing`` (the Edit menu), ``metre_key`` (time signature and key),
    ``autosave``, ``writing`` (Continue, Fill, takes), ``transport`` (listening), ``sheet_music``,
    ``audio_export`` and ``takes`` (recording, made when R is first pressed). The actions
    (``actions.py``) call them directly; the window keeps what joins several of them."""

    def __init__(self, model_cache: ModelCache | None = None, generator=None):
        super().__init__()
        self.model = PhraseModel(self)
        self.undo_stack = QUndoStack(self)
        self.document = DocumentController(self)
        self.train_dialog = None
        self.takes = None                        # recording from a MIDI keyboard, made when first used
        self.jam = None                          # Generate > Jam (gui/sound/jam.py), made when first used
        self.setAcceptDrops(True)
        self.resize(1200, 720)

        self.view = PianoRollView(self.model)
        self.keyboard = Keyboard(self.view)
        self.ruler = Ruler(self.view)
        editor = QWidget()
        grid = QGridLayout(editor)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(0)
        self.chord_lane = ChordLane(self.model, self.undo_stack, self.view, self.statusBar().showMessage)
        grid.addWidget(self.ruler, 0, 0, 1, 2)
        grid.addWidget(self.chord_lane, 1, 0, 1, 2)
        grid.addWidget(self.keyboard, 2, 0)
        grid.addWidget(self.view, 2, 1)
        self.setCentralWidget(editor)
        self.editor = editor
        show_message = self.statusBar().showMessage
        self.midi_tile = MidiDragTile(self.model, self.document, show_message, self.ruler)  # above the keys
        self.midi_tile.setGeometry(0, 0, self.keyboard.width(), self.ruler.height())

        self.panel = ContinuePanel()
        dock = QDockWidget("Continue", self)
        dock.setObjectName("continueDock")
        dock.setWidget(self.panel)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
        self.addDockWidget(Qt.RightDockWidgetArea, dock)

        self.writing = ContinueController(self.model, self.undo_stack, self.panel, self.view,
                                          model_cache or ModelCache(), show_message, generator, parent=self)
        self.sheet_music = SheetMusic(self.model, self.document, show_message, parent=self)
        self.audio_export = AudioExport(self.model, self.document, show_message, parent=self)
        self.files = FileController(self.model, self.undo_stack, self.document, self.document_settings,
                                    self.apply_document_settings, show_message, parent=self)
        self.files.opening.connect(self.writing.keep_take)            # the take in hand stays in the old phrase
        self.files.opened.connect(self.writing.phrase_opened)         # (the view shows it: phraseReplaced)
        self.editing = Editing(self.model, self.undo_stack, lambda: self.view.snap, lambda: self.view.playhead,
                               show_message, parent=self)
        self.metre_key = MetreKeyField(self.model, self.undo_stack)

        self.tools = {"draw": DrawTool(self.undo_stack), "select": SelectTool(self.undo_stack),
                      "erase": EraseTool(self.undo_stack)}
        self.actions_ = create_actions(self)
        self.chord_lane.add_button(self.actions_["suggest_chords"])
        self.actions_["metronome"].setChecked(metronome_wanted())
        for key in EDITOR_KEYS:                  # keys that spin boxes also use stay in the editor
            action = self.actions_[key]
            self.removeAction(action)
            action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            editor.addAction(action)
        self.transport = Transport(self.model, self.view, self.ruler, self.actions_["play"], self.actions_["loop"],
                                   show_message, parent=self)
        self._add_ghosts_and_surprise(generator)
        self._build_menus()
        self._build_toolbar()
        self.set_tool("draw")

        self.panel.continueRequested.connect(self.writing.continue_phrase)
        self.panel.cancelRequested.connect(self.cancel_generation)
        self.panel.variationRequested.connect(self.step_take)
        self.panel.keepRequested.connect(self.writing.keep_take)
        self.ruler.playheadRequested.connect(lambda s: self.view.set_playhead(s))
        self.ruler.loopChanged.connect(self.transport.set_loop)
        self.keyboard.keyPressed.connect(self.transport.preview_key)
        self.undo_stack.cleanChanged.connect(self.update_title)
        self.undo_stack.indexChanged.connect(self._history_moved)
        self.document.changed.connect(self.update_title)
        self.model.settingsChanged.connect(self._snap_changed)        # a new grid: the snap in steps follows
        self.model.selectionChanged.connect(self._selection_changed)
        self.update_title()
        self.statusBar().addPermanentWidget(self.metre_key)
        keep_undo_keys_for_the_music(self)      # Ctrl+Z in the panel's fields undoes the music, not the typing
        self.statusBar().showMessage("Draw notes with the mouse, open a MIDI file, or pick a seed "
                                     "from the Seeds menu; then press Continue (Ctrl+Return).")
        QTimer.singleShot(0, lambda: self.view.center_on_pitch(64))
        QTimer.singleShot(0, self.transport, self.transport.start)
        QTimer.singleShot(150, self, self._preload_model)     # the window as context: no call once it is gone
        self.autosave = Autosave(self.undo_stack, self.files.autosave_document, parent=self)
        self.autosave.failed.connect(lambda message: self.statusBar().showMessage(message, 8000))
        self.writing.takeChosen.connect(self.autosave.edited)
        self.files.saved.connect(self.autosave.clear)
        self.files.restored.connect(self.autosave.save_now)

    def _add_ghosts_and_surprise(self, generator) -> None:
        """Ghost suggestions (gui/writing/ghosts.py) and the surprise view (gui/editor/surprise_view.py)."""
        a, show_message = self.actions_, self.statusBar().showMessage
        self.ghosts = GhostController(self.model, self.undo_stack, self.panel, self.view, self.writing.cache,
                                      self._writing_or_listening, a["ghosts"], a["accept_ghosts"], show_message,
                                      generator, parent=self)
        a[f"ghost_bars_{self.ghosts.bars}"].setChecked(True)
        self.writing.working.connect(self.ghosts.refresh)
        self.writing.modelPreloaded.connect(self.ghosts.warm_up)
        for key in ("play", "record", "jam"):
            a[key].toggled.connect(self.ghosts.refresh)
        self.surprise_legend = SurpriseLegend()
        self.statusBar().addPermanentWidget(self.surprise_legend)
        self.surprise = SurpriseView(self.model, self.view, self.writing.cache, self.panel.model_path,
                                     self.surprise_legend, a["surprise"], show_message, parent=self)

    def _writing_or_listening(self) -> bool:
        """A Continue or Fill is being written, the phrase plays or a take is recorded: no ghosts."""
        return (self.writing.job is not None or self.transport.is_playing()
                or (self.takes is not None and self.takes.is_recording()) or bool(self.jam and self.jam.is_jamming()))

    # -- layout -------------------------------------------------------------------------------
    def _build_menus(self):
        a, bar = self.actions_, self.menuBar()
        menu = bar.addMenu("&File")
        for key in ("new", "open", None, "save", "save_as", "export", "export_score", "export_audio", None, "quit"):
            menu.addSeparator() if key is None else menu.addAction(a[key])
        menu = bar.addMenu("&Edit")
        for key in ("undo", "redo", None, "cut", "copy", "paste", "duplicate", "delete", "select_all", None,
                    "quantize", "velocity", "lock", None, "time_signature", "key", None, "up", "down", "octave_up",
                    "octave_down"):
            menu.addSeparator() if key is None else menu.addAction(a[key])
        self.seeds_menu = bar.addMenu("S&eeds")
        self.files.fill_seeds_menu(self.seeds_menu, a["excerpt"])
        menu = bar.addMenu("&Generate")
        for key in ("continue", "fill", "reroll", "cancel", None, "suggest_chords", "jam", None, "previous_take",
                    "next_take", "keep_take", None, "train"):
            menu.addSeparator() if key is None else menu.addAction(a[key])
        menu = bar.addMenu("&Play")
        for key in ("play", "stop", "rewind", "loop", "record", "metronome"):
            menu.addAction(a[key])
        self.output_menu = menu.addMenu("Sound Output")
        self.output_menu.aboutToShow.connect(lambda: self.transport.fill_output_menu(self.output_menu))
        self.input_menu = menu.addMenu("MIDI Input")
        self.input_menu.aboutToShow.connect(lambda: self.take_recorder().fill_input_menu(self.input_menu))
        menu = bar.addMenu("&View")
        for key in ("zoom_in", "zoom_out", None, "sheet_music", None, "ghosts"):
            menu.addSeparator() if key is None else menu.addAction(a[key])
        lengths = menu.addMenu("Ghost Length")
        lengths.addActions([a["ghost_bars_1"], a["ghost_bars_2"]])
        menu.addAction(a["accept_ghosts"])
        menu.addAction(a["surprise"])
        bar.addMenu("&Help").addAction(a["about"])

    def _build_toolbar(self):
        a = self.actions_
        bar = self.addToolBar("Tools")
        bar.setObjectName("tools")
        bar.setMovable(False)
        for key in ("draw", "select", "erase"):
            bar.addAction(a[key])
        bar.addSeparator()
        bar.addWidget(QLabel(" Snap "))
        self.snap_box = QComboBox()
        for text, steps in SNAPS:
            self.snap_box.addItem(text, steps)
        self.snap_box.setCurrentIndex(2)
        self.snap_box.currentIndexChanged.connect(self._snap_changed)
        self._snap_changed()
        bar.addWidget(self.snap_box)
        bar.addAction(a["quantize"])
        bar.addSeparator()
        for key in ("rewind", "play", "stop", "loop", "record"):
            bar.addAction(a[key])
        bar.addWidget(QLabel(" Tempo "))
        self.tempo_box = QDoubleSpinBox(decimals=TEMPO_DECIMALS, minimum=SLOWEST_TEMPO_SHOWN, maximum=MAX_TEMPO_BPM,
                                        value=120, suffix=" bpm")
        self.tempo_box.valueChanged.connect(self._tempo_changed)
        self.model.settingsChanged.connect(self._show_tempo)
        bar.addWidget(self.tempo_box)
        bar.addSeparator()
        bar.addAction(a["continue"])
        bar.addAction(a["fill"])
        bar.addAction(a["jam"])

    def document_settings(self) -> dict:
        """What a document keeps of the window: the Continue panel's settings and the snap."""
        return {**self.panel.settings(), "snap": self.snap_box.currentIndex()}

    def apply_document_settings(self, s: dict) -> None:
        """Show a document's settings; anything missing or not understood stays as it is."""
        self.panel.apply_settings(s)
        if isinstance(s.get("snap"), int) and 0 <= s["snap"] < self.snap_box.count():
            self.snap_box.setCurrentIndex(s["snap"])

    def _snap_changed(self, *_):
        text, steps = SNAPS[self.snap_box.currentIndex()]
        spq = self.model.steps_per_quarter
        self.view.snap = 1 if text == "Off" else max(1, steps * spq // 4)

    def _tempo_changed(self, value):
        """The user set a tempo: one undo step, and an unsaved change the autosave keeps."""
        if float(value) != self.model.tempo_bpm:
            self.undo_stack.push(ChangeTempo(self.model, float(value)))

    def _show_tempo(self):
        """Show the phrase's tempo. The box rounds it to its decimals and range, so the value it
        shows never goes back: an opened file keeps its tempo exactly until the user changes it."""
        with QSignalBlocker(self.tempo_box):
            self.tempo_box.setValue(self.model.tempo_bpm)

    def set_tool(self, key: str) -> None:
        self.view.tool = self.tools[key]
        self.actions_[key].setChecked(True)

    # -- title and history ----------------------------------------------------------------------
    def update_title(self, *_):
        self.setWindowTitle(f"Segue — {self.document.name()}[*]")
        self.setWindowModified(not self.undo_stack.isClean())

    def _selection_changed(self):
        n = len(self.model.selection)
        if n:
            vel = sorted(self.model.note(i).velocity for i in self.model.selection)[n // 2]
            self.statusBar().showMessage(f"{n} note{'s' * (n > 1)} selected (velocity {vel})", 4000)

    # -- what joins several controllers ------------------------------------------------------------
    def _history_moved(self, *_):
        # received by the window, not the controller: a window going away is disconnected before its
        # children go, and the undo stack, made before the controller, empties itself as it goes
        self.writing.history_moved()

    def _preload_model(self):
        if self.isVisible():                     # a window closed already must not start a thread
            self.writing.preload_model()

    def cancel_generation(self):
        if self.jam is not None and self.jam.is_jamming():      # Esc: a Jam session ends first
            return self.jam.stop()
        if self.writing.cancel() or self.ghosts.dismiss():    # Esc: a Continue, else the ghost notes,
            return
        if self.transport.is_playing():                       # else playing stops
            self.transport.stop()

    def step_take(self, delta: int):
        if self.writing.step_take(delta):
            self.transport.restart()             # the take playing is heard from its start

    def random_excerpt(self):
        """Open a random excerpt of the Continue panel's model's training music (the Seeds menu)."""
        if not self.files.confirm_discard():
            return
        job = ExcerptJob(self.writing.cache, self.panel.model_path(), 4, self.panel.settings()["seed"], self)
        job.finished_with.connect(lambda phrase: self.files.set_phrase(phrase, None, "Random excerpt"))
        job.failed.connect(lambda m: QMessageBox.warning(self, "Random excerpt", m))
        job.finished.connect(job.deleteLater)
        job.start()

    def dragEnterEvent(self, event):
        if any(not is_dragged_file(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()):
            event.acceptProposedAction()                 # not the MIDI tile's own file coming back

    def dropEvent(self, event):
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        urls = [u for u in urls if not is_dragged_file(u)]
        if urls:
            self.files.open_path(urls[0])

    def about(self):
        QMessageBox.about(self, "About Segue",
                          "<b>Segue</b><br>Draw or open a phrase, press Continue, and an LSTM writes what "
                          "comes next in the style it learned.<br><br>The bundled model learned from the "
                          "piano-midi.de collection (Bernd Krueger, CC BY-SA 3.0 DE).<br><br>The piano is "
                          "the Acoustic Grand Piano of the Fluid R3 SoundFont, Copyright (c) 2000-2002, 2008 "
                          "Frank Wen, released under the MIT licence (resources/piano-LICENSE.txt).")

    def train_model(self):
        """Open the training dialog (one per window; it keeps running when hidden)."""
        if self.train_dialog is None:
            from .training import TrainDialog
            self.train_dialog = TrainDialog(self)
            self.train_dialog.modelReady.connect(self._trained_model_ready)
        self.train_dialog.show()
        self.train_dialog.raise_()
        return self.train_dialog

    def _trained_model_ready(self, folder: str) -> None:
        self.panel.refresh_models(select=folder or None)
        if folder:
            self.statusBar().showMessage(f"Continue now uses the model '{Path(folder).name}'.", 5000)

    # -- playing a phrase in (gui/sound/record_take.py) ---------------------------------------------------
    def take_recorder(self):
        """The recorder of takes from a MIDI keyboard, made when first wanted (R, Play > MIDI Input)."""
        if self.takes is None:
            from .sound.record_take import TakeRecorder
            a = self.actions_
            self.takes = TakeRecorder(self.model, self.undo_stack, self.view, self.transport, a["record"],
                                      a["metronome"], self.statusBar().showMessage, parent=self)
        return self.takes

    def jam_session(self):
        """Generate > Jam (gui/sound/jam.py), made when first wanted."""
        if self.jam is None:
            from .sound.jam import JamController
            a = self.actions_
            self.jam = JamController(self.model, self.undo_stack, self.panel, self.view, self.transport,
                                     self.writing.cache, a["jam"], a["metronome"], self.statusBar().showMessage,
                                     self.writing.generator, parent=self)
        return self.jam

    def closeEvent(self, event):
        if self.train_dialog is not None and self.train_dialog.is_training():
            answer = QMessageBox.question(
                self, "Training is running",
                "A model is still learning. Quit anyway? Every finished epoch is kept, and training "
                "again under the same name goes on from there.",
                QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
            if answer != QMessageBox.Yes:
                event.ignore()
                return
        if self.jam is not None:
            self.jam.stop()                      # the session becomes notes (and is saved with the rest)
        if self.takes is not None and self.takes.is_recording():
            self.takes.toggle()                  # the take becomes notes (and is saved with the rest)
        if not self.files.confirm_discard():
            event.ignore()
            return
        self.writing.shutdown()                  # no thread outlives its window
        self.ghosts.shutdown()
        self.surprise.shutdown()
        self.audio_export.shutdown()             # the half-written file is removed
        self.sheet_music.shutdown()              # so is a half-written score
        if self.train_dialog is not None:
            self.train_dialog.shutdown()         # stopped between saves; training again resumes
        self.transport.stop()
        editing.release_clipboard()
        self.autosave.close()
        QSettings("Segue", "Segue").setValue("window/geometry", self.saveGeometry())
        event.accept()
