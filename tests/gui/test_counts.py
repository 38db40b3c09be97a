"""Counts in the window read as a musician says them: one bar, two bars."""

from PySide6.QtWidgets import QSpinBox

from gui.counts import count, counted_suffix


def test_one_is_singular_and_the_rest_plural():
    assert [count(n, "bar") for n in (0, 1, 2, 1.5)] == ["0 bars", "1 bar", "2 bars", "1.5 bars"]
    assert count(1, "epoch") == "1 epoch" and count(3, "this", "these") == "3 these"


def test_a_spin_box_suffix_agrees_with_its_value(qtbot):
    box = QSpinBox(minimum=1, maximum=600, value=30)
    qtbot.addWidget(box)
    counted_suffix(box, "minute")
    assert box.text() == "30 minutes"
    box.setValue(1)
    assert box.text() == "1 minute"


def test_the_training_dialog_counts_minutes_files_and_pieces(window, qtbot):
    from engine.training.progress import DataReady, Reading
    from gui.training import TrainingJob
    dialog = window.train_model()
    dialog.minutes.setValue(1)
    assert dialog.minutes.text() == "1 minute"
    dialog.minutes.setValue(30)
    assert dialog.minutes.text() == "30 minutes"
    job = TrainingJob(["music"], "mine", 5, [], parent=dialog)
    said = []
    job.progressed.connect(lambda share, text: said.append(text))
    job._report(Reading(1, 1))
    job._report(Reading(1, 3))
    job._report(DataReady(train_pieces=1, valid_pieces=1, train_tokens=500, valid_tokens=50, store_bytes=0))
    assert said[:2] == ["Reading your music: 1 of 1 file", "Reading your music: 1 of 3 files"]
    assert said[2].startswith("Learning from 1 piece (")


def test_an_opened_phrase_is_counted_in_notes_and_bars(window):
    from engine.music.phrase import Note, Phrase
    from gui.document.files import size_of
    assert size_of(Phrase((Note(60, 0, 16),))) == "1 note, 1 bar"
    assert size_of(Phrase((Note(60, 0, 4), Note(64, 20, 4)))) == "2 notes, 1.5 bars"
    window.files.set_phrase(Phrase((Note(60, 0, 32),)), None, "Seed")
    assert window.statusBar().currentMessage() == "Seed: 1 note, 2 bars"


def test_the_recovery_question_counts_its_notes(window, monkeypatch):
    from engine.files.document import Document, save_document
    from engine.music.phrase import Note, Phrase
    from gui.document import files
    from gui.document.autosave import autosave_dir
    autosave_dir().mkdir(parents=True, exist_ok=True)
    save_document(Document(Phrase((Note(60, 0, 4),))), autosave_dir() / "autosave-999999999.segue")
    asked = []
    monkeypatch.setattr("gui.document.files.QMessageBox.question",
                        lambda *a, **k: asked.append(a[2]) or files.QMessageBox.No)
    window.files.offer_recovery()
    assert asked and asked[0].endswith("(1 note)?")
