"""The house's floors: each room imports only the rooms below it, engine/ never imports gui/ or Qt.

A room is a folder of engine/ or gui/ (music, files, encoding, ...); the small files at a
package's top are its ground floor (errors, limits, theme, counts...) or its top (the command
line, the window). Imports are read from the code itself (every ``import`` and ``from`` anywhere
in a file, those inside functions too)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# room -> the rooms it may import (its own room always)
ENGINE = {
    "ground": set(),                          # errors, limits, atomic, session_lock, bundled, user_data
    "music": {"ground"},
    "files": {"music", "ground"},
    "sound": {"files", "music", "ground"},
    "encoding": {"music", "ground"},
    "model": {"encoding", "music", "ground"},
    "writing": {"model", "encoding", "music", "ground"},
    "training": {"model", "encoding", "files", "music", "ground"},
    "top": {"ground", "music", "files", "sound", "encoding", "model", "writing", "training"},
}
ENGINE_TOP = {"cli"}
GUI = {
    "ground": set(),                          # theme, counts, painting, workers
    "document": {"ground"},
    "editor": {"document", "ground"},
    "writing": {"document", "ground"},
    "sound": {"document", "ground"},
    "top": {"ground", "document", "editor", "writing", "sound"},
}
GUI_TOP = {"app", "main_window", "actions", "training"}


def room_of(module: str) -> tuple[str, str]:
    """('engine', 'music') for engine.music.phrase; ('gui', 'ground') for gui.theme."""
    parts = module.split(".")
    if len(parts) > 2:
        return parts[0], parts[1]
    top = ENGINE_TOP if parts[0] == "engine" else GUI_TOP
    return parts[0], "top" if parts[-1] in top else "ground"


def imports_of(path: Path) -> set[str]:
    """The dotted modules a file imports, relative imports resolved, names imported from a package
    taken as its modules where they are files."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                if (ROOT / (candidate.replace(".", "/") + ".py")).exists():
                    found.add(candidate)
    return {name for name in found if name}


def sources(package: str):
    return sorted(p for p in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package, rules", [("engine", ENGINE), ("gui", GUI)])
def test_imports_only_go_down(package, rules):
    wrong = []
    for path in sources(package):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if path.name == "__init__.py":
            continue
        _, room = room_of(module)
        for name in imports_of(path):
            if name.split(".")[0] != package or name == package:
                continue
            if (ROOT / name.replace(".", "/")).is_dir():
                continue                                  # a room's package itself (its names come below)
            _, other = room_of(name)
            if other != room and other not in rules[room]:
                wrong.append(f"{module} ({room}) imports {name} ({other})")
    assert not wrong, "\n".join(wrong)


def test_the_engine_never_imports_the_window_or_qt():
    wrong = [f"{path.relative_to(ROOT)} imports {name}" for path in sources("engine") for name in imports_of(path)
             if name.split(".")[0] in ("gui", "PySide6", "shiboken6")]
    assert not wrong, "\n".join(wrong)


def test_room_packages_hand_on_nothing():
    """A room's __init__.py says what the room is and nothing else, so importing one file of a room
    never loads the rest (the window shows before torch is imported)."""
    for init in list((ROOT / "engine").rglob("__init__.py")) + list((ROOT / "gui").rglob("__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) for node in tree.body), init


def test_the_layer_check_sees_a_wrong_import(tmp_path, monkeypatch):
    """The check itself can fail: a music file that imports a model file is caught."""
    import tests.test_layers as layers
    fake = tmp_path / "engine" / "music"
    fake.mkdir(parents=True)
    (tmp_path / "engine" / "model").mkdir()
    (tmp_path / "engine" / "model" / "network.py").write_text("")
    (fake / "bad.py").write_text("from ..model.network import MusicLSTM\n")
    monkeypatch.setattr(layers, "ROOT", tmp_path)
    with pytest.raises(AssertionError, match=r"engine.music.bad \(music\) imports engine.model.network \(model\)"):
        layers.test_imports_only_go_down("engine", ENGINE)
