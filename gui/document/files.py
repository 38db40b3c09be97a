"""The document's file work: new, open (any music file or .segue), save, export, seeds, and the
recovery offered at start-up (the autosave itself is ``autosave.Autosave``).

``FileController`` is given what it works on (the phrase model, the undo stack, the document's
files, the window's settings to save and show, a way to show a message) and says what happened
by signals: the window connects the take in hand, the view and the autosave to them."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QSettings, QStandardPaths, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.errors import MusicFileError
from engine.files.document import SUFFIX, Document, load_document, save_document
from engine.files.reading import MUSIC_SUFFIXES, read_music
from engine.music.phrase import FINE_STEPS_PER_QUARTER, Phrase, regrid

from ..counts import count
from .autosave import forget_recovery, pending_recoveries

OPEN_FILTER = (f"Music and Segue documents (*{SUFFIX} " + " ".join(f"*{s}" for s in MUSIC_SUFFIXES) + ");;"
               "MIDI files (*.mid *.midi);;Segue documents (*.segue);;All files (*)")
LAST_FOLDER = "files/last_folder"
# the files an autosave's work belongs to, kept in its settings: restored, the work keeps them
AUTOSAVED_FILES = ("document_file", "imported_from")


def start_folder() -> Path:
    """Where Open, Save and Export begin: the folder last used, else the user's Music folder, else home."""
    remembered = QSettings("Segue", "Segue").value(LAST_FOLDER, "", type=str)
    music = QStandardPaths.writableLocation(QStandardPaths.MusicLocation)
    for folder in (remembered, music):
        if folder and Path(folder).is_dir():
            return Path(folder)
    return Path.home()


def remember_folder(path: Path) -> None:
    """The folder of a file just opened, saved or exported is where the next dialog begins."""
    QSettings("Segue", "Segue").setValue(LAST_FOLDER, str(Path(path).resolve().parent))


def autosaved_files(settings: dict) -> tuple[Path | None, Path | None]:
    """The document's own file and the music file it came from, taken out of an autosave's settings."""
    found = [settings.pop(key, None) for key in AUTOSAVED_FILES]
    return tuple(Path(path) if isinstance(path, str) and path else None for path in found)


def on_the_fine_grid(phrase: Phrase) -> Phrase:
    """A phrase on a grid the fine grid holds exactly (a model's excerpt, an older document) on the
    fine grid, nothing moved, so that what is drawn, played in or pasted into it keeps its timing."""
    if FINE_STEPS_PER_QUARTER % phrase.steps_per_quarter == 0:
        return regrid(phrase, FINE_STEPS_PER_QUARTER)
    return phrase


def size_of(phrase) -> str:
    """'12 notes, 4 bars', '1 note, 1.5 bars': whole bars without a decimal."""
    bars = round(phrase.bars, 1)
    return f"{count(len(phrase.notes), 'note')}, {count(int(bars) if bars.is_integer() else bars, 'bar')}"


class FileController(QObject):
    """New, Open, Save, Export, the seeds and crash recovery for the open document.

    Given the phrase ``model``, the ``undo_stack``, the ``document``'s files (DocumentController),
    ``settings`` (what a document keeps of the window) and ``apply_settings`` (show a document's),
    and ``show_message(text, ms)``; its dialogs open over ``parent``."""

    opening = Signal()              # another phrase is about to replace the open one
    opened = Signal()               # another phrase is open, its files and settings set
    saved = Signal()                # the document was written to its own file
    restored = Signal()             # the work of a session that ended without closing is back

    def __init__(self, model, undo_stack, document, settings: Callable[[], dict],
                 apply_settings: Callable[[dict], None], show_message: Callable[..., None], parent=None):
        super().__init__(parent)
        self.model, self.undo_stack, self.document = model, undo_stack, document
        self.settings, self.apply_settings, self.show_message = settings, apply_settings, show_message

    # -- the document ------------------------------------------------------------------------------
    def name_stem(self, default: str) -> str:
        """The document's name without its suffix: the saved document, else the music file opened."""
        return self.document.stem(default)

    def current_document(self) -> Document:
        """The open phrase as a document: its notes, which were generated or locked, the settings."""
        model = self.model
        ids = sorted(model.ids(), key=lambda i: model.note(i).sort_key())
        phrase = model.phrase(ids)
        by_note: dict = {}
        for i in ids:
            by_note.setdefault(model.note(i), model.is_generated(i))
        locked: dict = {}
        for i in ids:
            locked.setdefault(model.note(i), model.is_locked(i))
        return Document(phrase, [by_note[n] for n in phrase.notes], self.settings(),
                        [locked[n] for n in phrase.notes])

    def autosave_document(self) -> Document:
        """The document as the autosave writes it: with the files it belongs to (its own, the music
        file it came from), so that work restored after a crash keeps its name and Save writes to its file."""
        doc = self.current_document()
        for key, path in zip(AUTOSAVED_FILES, (self.document.path, self.document.imported_from)):
            if path is not None:
                doc.settings[key] = str(Path(path).absolute())     # the next session may start elsewhere
        return doc

    def set_phrase(self, phrase, path: Path | None, label: str, generated=None, settings=None, locked=None,
                   imported_from: Path | None = None) -> None:
        """Show ``phrase`` as the open document (the undo history starts afresh). ``path`` is the
        document's own file; ``imported_from`` the music file it was read from, which names it until saved."""
        self.opening.emit()
        self.undo_stack.clear()
        self.model.reset(on_the_fine_grid(phrase))
        ids = sorted(self.model.ids(), key=lambda i: self.model.note(i).sort_key())
        if generated:
            self.model.mark_generated([i for i, g in zip(ids, generated) if g], True)
        if locked:
            self.model.set_locked([i for i, on in zip(ids, locked) if on], True)
        if settings:
            self.apply_settings(settings)
        self.document.set_files(path, imported_from)
        self.opened.emit()
        self.show_message(f"{label}: {size_of(phrase)}", 6000)

    def confirm_discard(self) -> bool:
        """Ask before unsaved changes are thrown away; True means go ahead."""
        if self.undo_stack.isClean():
            return True
        answer = QMessageBox.question(
            self.parent(), "Unsaved changes", "Save the changes to this phrase first?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        if answer == QMessageBox.Save:
            return self.save()
        return answer == QMessageBox.Discard

    # -- new and open ------------------------------------------------------------------------------
    def new_document(self) -> None:
        if self.confirm_discard():
            self.set_phrase(Phrase(), None, "New phrase")

    def open_dialog(self) -> None:
        if not self.confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(self.parent(), "Open", str(start_folder()), OPEN_FILTER)
        if path:
            self.open_path(path, confirmed=True)

    def open_path(self, path, confirmed: bool = False) -> bool:
        """Open a music file or Segue document. A bad file gets a message; the open phrase is kept."""
        path = Path(path)
        if not confirmed and not self.confirm_discard():
            return False
        try:
            if path.suffix.lower() == SUFFIX:
                doc = load_document(path)
                self.set_phrase(doc.phrase, path, f"Opened {path.name}", doc.generated, doc.settings, doc.locked)
            else:
                phrase = self.read_in_background(path, lambda: read_music(path))      # as the file has it
                self.set_phrase(phrase, None, f"Opened {path.name}", imported_from=path)
        except MusicFileError as err:
            QMessageBox.warning(self.parent(), "Cannot open the file", str(err))
            return False
        remember_folder(path)
        return True

    def read_in_background(self, path: Path, read):
        """Run ``read`` on a thread while the window keeps drawing (scores through music21 can take
        seconds); return its result or raise its error, as if it had run here."""
        import threading

        from PySide6.QtCore import QEventLoop, Qt
        from PySide6.QtWidgets import QApplication
        outcome = {}
        done = threading.Event()

        def work():
            try:
                outcome["value"] = read()
            except BaseException as err:          # handed back to the GUI thread below
                outcome["error"] = err
            done.set()

        threading.Thread(target=work, daemon=True, name="segue-read").start()
        self.show_message(f"Reading {path.name}…")
        QApplication.setOverrideCursor(Qt.BusyCursor)
        try:
            loop = QEventLoop()
            while not done.wait(0.02):
                loop.processEvents(QEventLoop.ExcludeUserInputEvents)
        finally:
            QApplication.restoreOverrideCursor()
            self.show_message("")                 # an empty message clears the status bar's
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    # -- save --------------------------------------------------------------------------------------
    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self) -> bool:
        suggested = str(start_folder() / (self.name_stem("phrase") + SUFFIX))
        path, _ = QFileDialog.getSaveFileName(self.parent(), "Save", suggested, f"Segue documents (*{SUFFIX})")
        if not path:
            return False
        path = Path(path)
        if path.suffix.lower() != SUFFIX:
            path = path.with_suffix(SUFFIX)
        return self.save_to(path)

    def save_to(self, path: Path) -> bool:
        """Write the document to ``path``, which becomes its own file; a failure is a message."""
        try:
            save_document(self.current_document(), path)
        except MusicFileError as err:
            QMessageBox.warning(self.parent(), "Cannot save", str(err))
            return False
        self.document.saved_as(path)
        self.undo_stack.setClean()
        remember_folder(path)
        self.show_message(f"Saved {path.name}", 4000)
        self.saved.emit()                            # the autosave goes (and says so if it cannot)
        return True

    # -- export ------------------------------------------------------------------------------------
    def export_midi(self, path=None) -> bool:
        """Write the phrase as a standard MIDI file for a DAW."""
        from engine.files.midi import write_midi
        return self._export(path, "Export MIDI", "MIDI files (*.mid)", (".mid", ".midi"),
                            lambda phrase, target, title: write_midi(phrase, target))

    def _export(self, path, caption: str, file_filter: str, suffixes: tuple[str, ...], write) -> bool:
        """Ask where (unless ``path`` is given), fix the suffix, write; a failure is a message."""
        if not len(self.model):
            self.show_message("There are no notes to export yet.", 4000)
            return False
        stem = self.name_stem("segue")
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.parent(), caption,
                                                  str(start_folder() / f"{stem}{suffixes[0]}"), file_filter)
            if not path:
                return False
        path = Path(path)
        if path.suffix.lower() not in suffixes:
            path = path.with_suffix(suffixes[0])
        try:
            write(self.model.phrase(), path, stem)
        except MusicFileError as err:
            QMessageBox.warning(self.parent(), "Cannot export", str(err))
            return False
        remember_folder(path)
        self.show_message(f"Exported {path.name}", 5000)
        return True

    # -- seeds -------------------------------------------------------------------------------------
    def fill_seeds_menu(self, menu, excerpt_action) -> None:
        """The Seeds menu: a random excerpt of the model's music (``excerpt_action``), then the seeds."""
        menu.addAction(excerpt_action)
        menu.addSeparator()
        try:
            from engine.files.seeds import list_seeds, load_seed
        except ImportError:
            return
        for seed in list_seeds():
            action = menu.addAction(f"{seed.title}  ({seed.style})")
            action.setStatusTip(seed.credit)
            action.triggered.connect(lambda checked=False, s=seed: self._open_seed(s, load_seed))

    def _open_seed(self, seed, load_seed) -> None:
        if not self.confirm_discard():
            return
        try:
            self.set_phrase(load_seed(seed), None, f"Seed: {seed.title}")
        except MusicFileError as err:
            QMessageBox.warning(self.parent(), "Cannot open the seed", str(err))

    # -- recovery ----------------------------------------------------------------------------------
    def offer_recovery(self) -> None:
        """At start-up: offer to restore the work of a session that ended without closing."""
        for path in pending_recoveries():
            try:
                doc = load_document(path)
            except MusicFileError:
                forget_recovery(path)
                continue
            own_file, imported_from = autosaved_files(doc.settings)
            named = f"{(own_file or imported_from).name}, " if own_file or imported_from else ""
            answer = QMessageBox.question(
                self.parent(), "Restore unsaved work?",
                f"Segue did not close properly last time. Restore the phrase it was editing "
                f"({named}{count(len(doc.phrase.notes), 'note')})?", QMessageBox.Yes | QMessageBox.No,
                QMessageBox.Yes)
            if answer == QMessageBox.Yes:
                self.set_phrase(doc.phrase, own_file, "Restored unsaved work", doc.generated, doc.settings,
                                doc.locked, imported_from=imported_from)
                self.undo_stack.resetClean()
                self.restored.emit()
            forget_recovery(path)
            break
