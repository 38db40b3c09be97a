"""The window's file work: new, open (any music file or .segue), save, export, seeds, and the
recovery offered at start-up (the autosave itself is ``autosave.Autosave``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
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


def name_stem(window, default: str) -> str:
    """The document's name without its suffix: the saved document, else the music file opened."""
    return window.document.stem(default)


def document_of(window) -> Document:
    model = window.model
    ids = sorted(model.ids(), key=lambda i: model.note(i).sort_key())
    phrase = model.phrase(ids)
    by_note = {}
    for i in ids:
        by_note.setdefault(model.note(i), model.is_generated(i))
    locked = {}
    for i in ids:
        locked.setdefault(model.note(i), model.is_locked(i))
    return Document(phrase, [by_note[n] for n in phrase.notes], window.document_settings(),
                    [locked[n] for n in phrase.notes])


def autosave_document_of(window) -> Document:
    """The document as the autosave writes it: with the files it belongs to (its own, the music file
    it came from), so that work restored after a crash keeps its name and Save writes to its file."""
    doc = document_of(window)
    for key, path in zip(AUTOSAVED_FILES, (window.document.path, window.document.imported_from)):
        if path is not None:
            doc.settings[key] = str(Path(path).absolute())     # the next session may start elsewhere
    return doc


def autosaved_files(settings: dict) -> tuple[Path | None, Path | None]:
    """The document's own file and the music file it came from, taken out of an autosave's settings."""
    found = [settings.pop(key, None) for key in AUTOSAVED_FILES]
    return tuple(Path(path) if isinstance(path, str) and path else None for path in found)


def set_phrase(window, phrase, path: Path | None, label: str, generated=None, settings=None, locked=None,
               imported_from: Path | None = None) -> None:
    """Show ``phrase`` as the open document (the undo history starts afresh). ``path`` is the
    document's own file; ``imported_from`` the music file it was read from, which names it until saved."""
    window.writing.keep_take()
    window.undo_stack.clear()
    window.model.reset(on_the_fine_grid(phrase))
    ids = sorted(window.model.ids(), key=lambda i: window.model.note(i).sort_key())
    if generated:
        window.model.mark_generated([i for i, g in zip(ids, generated) if g], True)
    if locked:
        window.model.set_locked([i for i, on in zip(ids, locked) if on], True)
    if settings:
        window.apply_document_settings(settings)
    window.document.set_files(path, imported_from)
    window.writing.phrase_opened()
    window.view.set_playhead(0.0)
    if phrase.notes:
        pitches = sorted(n.pitch for n in phrase.notes)
        window.view.center_on_pitch(pitches[len(pitches) // 2])
    window.view.horizontalScrollBar().setValue(0)
    window.statusBar().showMessage(f"{label}: {size_of(phrase)}", 6000)


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


def confirm_discard(window) -> bool:
    """Ask before unsaved changes are thrown away; True means go ahead."""
    if window.undo_stack.isClean():
        return True
    answer = QMessageBox.question(
        window, "Unsaved changes", "Save the changes to this phrase first?",
        QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
    if answer == QMessageBox.Save:
        return save(window)
    return answer == QMessageBox.Discard


def new_document(window) -> None:
    if confirm_discard(window):
        set_phrase(window, Phrase(), None, "New phrase")


def open_dialog(window) -> None:
    if not confirm_discard(window):
        return
    path, _ = QFileDialog.getOpenFileName(window, "Open", str(start_folder()), OPEN_FILTER)
    if path:
        open_path(window, path, confirmed=True)


def open_path(window, path, confirmed: bool = False) -> bool:
    """Open a music file or Segue document. A bad file gets a message; the open phrase is kept."""
    path = Path(path)
    if not confirmed and not confirm_discard(window):
        return False
    try:
        if path.suffix.lower() == SUFFIX:
            doc = load_document(path)
            set_phrase(window, doc.phrase, path, f"Opened {path.name}", doc.generated, doc.settings, doc.locked)
        else:
            phrase = read_in_background(window, path, lambda: read_music(path))      # as the file has it
            set_phrase(window, phrase, None, f"Opened {path.name}", imported_from=path)
    except MusicFileError as err:
        QMessageBox.warning(window, "Cannot open the file", str(err))
        return False
    remember_folder(path)
    return True


def read_in_background(window, path: Path, read):
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
    window.statusBar().showMessage(f"Reading {path.name}…")
    QApplication.setOverrideCursor(Qt.BusyCursor)
    try:
        loop = QEventLoop()
        while not done.wait(0.02):
            loop.processEvents(QEventLoop.ExcludeUserInputEvents)
    finally:
        QApplication.restoreOverrideCursor()
        window.statusBar().clearMessage()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def save(window) -> bool:
    if window.document.path is None:
        return save_as(window)
    return _save_to(window, window.document.path)


def save_as(window) -> bool:
    suggested = str(start_folder() / (name_stem(window, "phrase") + SUFFIX))
    path, _ = QFileDialog.getSaveFileName(window, "Save", suggested, f"Segue documents (*{SUFFIX})")
    if not path:
        return False
    path = Path(path)
    if path.suffix.lower() != SUFFIX:
        path = path.with_suffix(SUFFIX)
    return _save_to(window, path)


def _save_to(window, path: Path) -> bool:
    try:
        save_document(document_of(window), path)
    except MusicFileError as err:
        QMessageBox.warning(window, "Cannot save", str(err))
        return False
    window.document.saved_as(path)
    window.undo_stack.setClean()
    remember_folder(path)
    window.statusBar().showMessage(f"Saved {path.name}", 4000)
    window.autosave.clear()                          # says so if its file cannot be removed
    return True


def export_midi(window, path=None) -> bool:
    """Write the phrase as a standard MIDI file for a DAW."""
    from engine.files.midi import write_midi
    return _export(window, path, "Export MIDI", "MIDI files (*.mid)", (".mid", ".midi"),
                   lambda phrase, target, title: write_midi(phrase, target))


def export_score(window, path=None):
    """Write the phrase as sheet music (MusicXML) for a notation program, on a worker thread (a long
    piece takes seconds): ``sheet_music.SheetMusic.export``. Returns the running job, or None."""
    return window.sheet_music.export(path)


def _export(window, path, caption: str, file_filter: str, suffixes: tuple[str, ...], write) -> bool:
    """Ask where (unless ``path`` is given), fix the suffix, write; a failure is a message."""
    if not len(window.model):
        window.statusBar().showMessage("There are no notes to export yet.", 4000)
        return False
    stem = name_stem(window, "segue")
    if path is None:
        path, _ = QFileDialog.getSaveFileName(window, caption, str(start_folder() / f"{stem}{suffixes[0]}"),
                                              file_filter)
        if not path:
            return False
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        path = path.with_suffix(suffixes[0])
    try:
        write(window.model.phrase(), path, stem)
    except MusicFileError as err:
        QMessageBox.warning(window, "Cannot export", str(err))
        return False
    remember_folder(path)
    window.statusBar().showMessage(f"Exported {path.name}", 5000)
    return True


# -- seeds -------------------------------------------------------------------------------------

def fill_seeds_menu(window, menu) -> None:
    menu.addAction(window.actions_["excerpt"])
    menu.addSeparator()
    try:
        from engine.files.seeds import list_seeds, load_seed
    except ImportError:
        return
    for seed in list_seeds():
        action = menu.addAction(f"{seed.title}  ({seed.style})")
        action.setStatusTip(seed.credit)
        action.triggered.connect(lambda checked=False, s=seed: _open_seed(window, s, load_seed))


def _open_seed(window, seed, load_seed) -> None:
    if not confirm_discard(window):
        return
    try:
        set_phrase(window, load_seed(seed), None, f"Seed: {seed.title}")
    except MusicFileError as err:
        QMessageBox.warning(window, "Cannot open the seed", str(err))


# -- recovery ------------------------------------------------------------------------------------

def offer_recovery(window) -> None:
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
            window, "Restore unsaved work?",
            f"Segue did not close properly last time. Restore the phrase it was editing "
            f"({named}{count(len(doc.phrase.notes), 'note')})?", QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        if answer == QMessageBox.Yes:
            set_phrase(window, doc.phrase, own_file, "Restored unsaved work", doc.generated, doc.settings,
                       doc.locked, imported_from=imported_from)
            window.undo_stack.resetClean()
            window.autosave.save_now()
        forget_recovery(path)
        break
