"""The panel's model list offers the bundled pop model, and Continue writes with it."""

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.files.reading import read_music

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "resources" / "seeds" / "pop909-003.mid"


def test_choosing_pop_in_the_model_list_continues_a_pop_seed_with_it(window, qtbot):
    box = window.panel.model_box
    index = box.findText("pop")
    assert index >= 0, [box.itemText(i) for i in range(box.count())]
    assert Path(box.itemData(index)) == ROOT / "models" / "pop"
    box.setCurrentIndex(index)
    box.activated.emit(index)
    assert window.panel.model_path() == str(ROOT / "models" / "pop")
    seed = read_music(SEED)
    window.model.reset(seed)
    window.panel.bars.setValue(2)
    QTest.keyClick(window, Qt.Key_Return, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.writing.job is None, timeout=60_000)
    new = [n for _, n in window.model.items() if n.start >= seed.length]
    assert len(new) >= 4, window.panel.status.text()
    assert window.writing.cache.get(window.panel.model_path()).name == "pop"
