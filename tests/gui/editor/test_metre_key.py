"""The time signature and key in the status bar: shown, changed as undo steps, saved and exported."""

import mido
import pytest
from PySide6.QtGui import QColor

from engine.files.document import load_document
from engine.music.keys import Key
from engine.music.phrase import FINE_STEPS_PER_QUARTER, Note, Phrase
from gui import theme
from gui.editor import metre_key
from gui.editor.metre_key import accidentals, key_name, parse_time_signature, signature_of

S = FINE_STEPS_PER_QUARTER // 4          # a sixteenth note on the window's own grid

C_MAJOR = tuple(Note(p, 4 * i, 4) for i, p in enumerate((60, 62, 64, 65, 67, 69, 71, 72, 67, 64, 60, 67)))


class Answers(list):
    """The answers the stand-in dialogs give, in turn; ``asked`` and ``warnings`` record what they showed."""


@pytest.fixture
def answer(monkeypatch):
    """A stand-in for the dialogs' list of choices: answers with the item that starts with the text given."""
    asked = []

    def get_item(parent, title, label, items, current=0, editable=True, *rest):
        asked.append((title, list(items), current))
        wanted = answers.pop(0)
        if wanted is None:
            return "", False
        return next((item for item in items if item.startswith(wanted)), wanted), True
    answers = Answers()
    monkeypatch.setattr(metre_key.QInputDialog, "getItem", get_item)
    warnings = []
    monkeypatch.setattr(metre_key.QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    answers.asked, answers.warnings = asked, warnings
    return answers


def test_names_of_keys_and_metres():
    assert key_name("Eb") == "Eb major" and key_name("F#m") == "F# minor"
    assert signature_of(Key(3)) == "Eb" and signature_of(Key(9, minor=True)) == "Am"
    assert signature_of(Key(1)) == "Db" and signature_of(Key(8, minor=True)) == "G#m"     # fewer accidentals
    assert signature_of(Key(6)) == "F#" and signature_of(Key(3, minor=True)) == "Ebm"
    assert {signature_of(Key(t, m)) for t in range(12) for m in (False, True)} <= set(metre_key.KEY_SIGNATURES)
    assert [accidentals(k) for k in ("Eb", "Em", "Am")] == ["3 flats", "1 sharp", "no sharps or flats"]
    assert parse_time_signature(" 6 / 8 ") == (6, 8)
    for bad in ("6-8", "0/4", "3/5", "40/4", "3/64"):
        with pytest.raises(ValueError):
            parse_time_signature(bad)


def test_the_field_shows_the_metre_and_the_key_signature_or_the_estimate(window):
    assert window.metre_key.text() == "4/4 · no key yet"
    window.files.set_phrase(Phrase(C_MAJOR, time_signature=(3, 4), key_signatures=((0, "Eb"),)), None, "Opened")
    assert window.metre_key.text() == "3/4 · Eb major"
    assert window.metre_key.isVisible()
    window.files.set_phrase(Phrase(C_MAJOR), None, "Opened")
    assert window.metre_key.text() == "4/4 · C major (estimated)"


def test_the_estimate_is_the_key_the_sheet_music_is_written_in(window):
    from dataclasses import replace

    from engine.files.score_writer import phrase_to_score
    from engine.files.seeds import list_seeds, load_seed
    seed = next(s for s in list_seeds() if "Clair de lune" in s.title)
    phrase = replace(load_seed(seed), key_signatures=())
    window.files.set_phrase(phrase, None, "Seed")
    assert window.metre_key.text() == "9/8 · Db major (estimated)"        # a profile alone says F minor
    sharps = phrase_to_score(phrase, "t").recurse().getElementsByClass("KeySignature")[0].sharps
    assert sharps == -5                                                      # D-flat major's five flats


def _bar_line_at(window, step: int) -> bool:
    """Whether the roll draws a bar line (not a beat line) at ``step``."""
    window.view.horizontalScrollBar().setValue(0)
    image = window.view.viewport().grab().toImage()
    x = int(window.view.view_point(step, 0).x())
    return any(QColor(image.pixel(x + dx, 5)) == theme.BAR_LINE for dx in (-1, 0, 1))


def test_a_new_time_signature_moves_the_bar_lines_not_the_notes_and_undoes(window, answer, qtbot):
    window.files.set_phrase(Phrase(C_MAJOR), None, "Opened")
    notes = dict(window.model.items())
    assert not _bar_line_at(window, 12 * S) and _bar_line_at(window, 16 * S)
    answer.append("3/4")
    window.actions_["time_signature"].trigger()
    assert answer.asked[0][1][answer.asked[0][2]] == "4/4"                   # the dialog starts at the metre
    assert window.model.time_signature == (3, 4) and window.model.steps_per_bar == 12 * S
    assert dict(window.model.items()) == notes
    assert window.metre_key.text().startswith("3/4 · ")
    qtbot.waitUntil(lambda: _bar_line_at(window, 12 * S) and not _bar_line_at(window, 16 * S))
    assert window.isWindowModified()
    window.undo_stack.undo()
    assert window.model.time_signature == (4, 4) and window.metre_key.text().startswith("4/4 · ")
    qtbot.waitUntil(lambda: _bar_line_at(window, 16 * S))
    window.undo_stack.redo()
    assert window.model.time_signature == (3, 4)
    answer.append("7/0")
    window.actions_["time_signature"].trigger()
    assert answer.warnings and window.model.time_signature == (3, 4)


def test_a_chosen_key_is_one_undo_step_and_none_brings_the_estimate_back(window, answer, qtbot):
    window.files.set_phrase(Phrase(C_MAJOR), None, "Opened")
    answer.append("D major")
    window.actions_["key"].trigger()
    assert window.model.key_signatures == ((0, "D"),)
    assert window.metre_key.text() == "4/4 · D major"
    window.undo_stack.undo()
    assert window.model.key_signatures == () and window.metre_key.text() == "4/4 · C major (estimated)"
    window.undo_stack.redo()
    answer.append("None")
    window.metre_key.key.click()                                            # a click on the key asks too
    assert answer.asked[-1][1][answer.asked[-1][2]] == "D major (2 sharps)"
    assert answer.asked[-1][1][0] == "None: estimate it from the notes (now C major)"
    assert window.model.key_signatures == () and window.metre_key.text().endswith("(estimated)")
    window.undo_stack.undo()
    assert window.model.key_signatures == ((0, "D"),)


def test_a_chosen_key_keeps_the_later_key_changes(window, answer):
    window.files.set_phrase(Phrase(C_MAJOR, key_signatures=((0, "C"), (32, "G"))), None, "Opened")
    answer.append("F major")
    window.actions_["key"].trigger()
    assert window.model.key_signatures == ((0, "F"), (32 * S, "G"))
    assert "bar 3: G major" in window.metre_key.key.toolTip()


def test_metre_and_key_survive_saving_opening_and_export(window, tmp_path, answer):
    window.files.set_phrase(Phrase(C_MAJOR), None, "Opened")
    assert window.files.export_midi(tmp_path / "estimated.mid")
    assert not [m for m in mido.MidiFile(tmp_path / "estimated.mid").tracks[0] if m.type == "key_signature"]
    answer.extend(["6/8", "B minor"])
    window.actions_["time_signature"].trigger()
    window.actions_["key"].trigger()
    assert window.files.save_to(tmp_path / "song.segue")
    doc = load_document(tmp_path / "song.segue")
    assert doc.phrase.time_signature == (6, 8) and doc.phrase.key_signatures == ((0, "Bm"),)
    assert window.files.export_midi(tmp_path / "song.mid")
    meta = list(mido.MidiFile(tmp_path / "song.mid").tracks[0])
    assert [(m.numerator, m.denominator) for m in meta if m.type == "time_signature"] == [(6, 8)]
    assert [m.key for m in meta if m.type == "key_signature"] == ["Bm"]
    window.files.new_document()
    assert window.metre_key.text() == "4/4 · no key yet"
    assert window.files.open_path(tmp_path / "song.segue")
    assert window.metre_key.text() == "6/8 · B minor"
    assert window.files.open_path(tmp_path / "song.mid")
    assert window.metre_key.text() == "6/8 · B minor"


def test_the_field_needs_the_model_and_the_undo_stack_not_the_window(qtbot, answer):
    from PySide6.QtGui import QUndoStack

    from gui.document.phrase_model import PhraseModel
    from gui.editor.metre_key import MetreKeyField
    model, stack = PhraseModel(), QUndoStack()
    model.reset(Phrase(C_MAJOR))
    field = MetreKeyField(model, stack)
    qtbot.addWidget(field)
    answers = answer
    answers += ["6/8", "D major"]
    field.ask_time_signature()
    field.ask_key()
    assert field.text() == "6/8 · D major" and stack.count() == 2
    stack.undo()
    stack.undo()
    assert model.time_signature == (4, 4) and model.key_signatures == () and field.text().endswith("(estimated)")
