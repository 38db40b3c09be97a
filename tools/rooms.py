"""Move engine/ and gui/ into rooms by concern, or bring code written before the move up to date.

    python tools/rooms.py move              # the move itself: git mv, then every import rewritten
    python tools/rooms.py rewrite FILE...   # your own scripts or patches from before the move

Each module's new home is in ``ENGINE`` and ``GUI`` below (old name -> new dotted name), each test
file's in ``TESTS``. Imports are rewritten wherever they are: ``from engine.midi_file import``,
``import engine.audio as a``, ``from gui import files, theme``, relative imports inside the
packages (``from .phrase import`` becomes ``from ..music.phrase import``), and dotted names in
strings (``monkeypatch.setattr("gui.files.QMessageBox.warning", ...)``) and paths in documents
(``engine/midi_file.py``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ENGINE = {
    # the platform's small files and the command line stay at the top
    "errors": "errors", "limits": "limits", "atomic": "atomic", "session_lock": "session_lock",
    "bundled": "bundled", "user_data": "user_data", "cli": "cli",
    # music: the note type, keys
    "phrase": "music.phrase", "keys": "music.keys", "chords": "music.chords",
    # files: music and documents in and out
    "midi_file": "files.midi", "scores": "files.score_reader", "score_files": "files.score_parsing",
    "score_writer": "files.score_writer", "music_files": "files.reading", "document": "files.document",
    "bl_pickle": "files.bl_pickle", "seeds": "files.seeds", "pop909": "files.pop909",
    # sound: the built-in piano, audio files, MIDI ports
    "sampler": "sound.sampler", "soundfont": "sound.soundfont", "synth": "sound.synth", "audio": "sound.audio",
    "player": "sound.port_player", "recorder": "sound.recorder",
    # encoding: music as tokens and what the network reads beside them
    "tokens": "encoding.tokens", "grammar": "encoding.grammar", "context": "encoding.context",
    "controls": "encoding.controls", "pitch_memory": "encoding.pitch_memory",
    "rhythm_memory": "encoding.rhythm_memory", "side_inputs": "encoding.side_inputs",
    # model: the network and its folders
    "model": "model.network", "half_weights": "model.half_weights", "checkpoint": "model.checkpoint",
    "model_checks": "model.checks", "model_folders": "model.folders", "card": "model.card",
    # writing: Continue and Fill
    "sampling": "writing.writer", "steering": "writing.steering", "generate": "writing.continuation",
    "fill": "writing.fill",
    # training: from music folders to a trained model
    "train": "training.train", "train_config": "training.config", "corpus": "training.corpus",
    "pieces": "training.pieces", "token_store": "training.token_store", "lanes": "training.lanes",
    "run_folder": "training.run_folder", "curves": "training.curves", "distributed": "training.distributed",
    "averaging": "training.averaging", "evaluate": "training.evaluate", "progress": "training.progress",
}

GUI = {
    # the window, its actions, and what every room uses (colours, counts, painting, jobs on threads)
    "app": "app", "main_window": "main_window", "actions": "actions", "theme": "theme", "counts": "counts",
    "painting": "painting", "workers": "workers", "training": "training",
    # document: the phrase as the editor holds it, its edits as commands, its files
    "phrase_model": "document.phrase_model", "commands": "document.commands", "files": "document.files",
    "autosave": "document.autosave", "document_controller": "document.controller",
    "midi_drag": "document.midi_drag", "sheet_music": "document.sheet_music",
    # editor: the piano roll and the ways of editing it
    "piano_roll": "editor.piano_roll", "tools": "editor.tools", "coords": "editor.coords",
    "rulers": "editor.rulers", "editing": "editor.editing", "metre_key": "editor.metre_key",
    # writing: Continue and Fill from the window
    "writing": "writing.controller", "continue_panel": "writing.panel",
    # sound: playing, recording, audio export
    "playback": "sound.playback", "transport": "sound.transport", "recording": "sound.recording",
    "record_take": "sound.record_take", "audio_export": "sound.audio_export",
}

ROOM_TEXT = {
    "engine.music": "Music itself: the note type and pure edits of a phrase, keys.",
    "engine.files": "Music and documents in and out: MIDI files, scores, .segue documents, the bundled seeds.",
    "engine.sound": "Sound and devices: the built-in piano, audio files, MIDI ports in and out.",
    "engine.encoding": "Music as the network reads it: tokens, spelling rules, and the inputs beside the tokens.",
    "engine.model": "The network and its self-describing folders.",
    "engine.writing": "Writing with a model: Continue and Fill.",
    "engine.training": "From folders of music to a trained model, and its figures.",
    "gui.document": "The open document: the phrase the editor holds, its edits as commands, its files.",
    "gui.editor": "The piano roll and the ways of editing it.",
    "gui.writing": "Continue, Fill and Re-roll from the window.",
    "gui.sound": "Playing, recording and audio export from the window.",
}

TESTS = {
    "tests/engine": {
        "test_audio": "sound/test_audio", "test_averaging": "training/test_averaging", "test_bl_pickle":
        "files/test_bl_pickle", "test_card": "model/test_card", "test_checkpoint": "model/test_checkpoint",
        "test_context": "encoding/test_context", "test_controls": "encoding/test_controls",
        "test_corpus": "training/test_corpus", "test_distributed": "training/test_distributed",
        "test_document": "files/test_document", "test_evaluate": "training/test_evaluate",
        "test_fill": "writing/test_fill", "test_following": "writing/test_following",
        "test_fuzz_midi": "files/test_fuzz_midi", "test_generate": "writing/test_continuation",
        "test_grammar": "encoding/test_grammar", "test_half_weights": "model/test_half_weights",
        "test_lanes": "training/test_lanes", "test_midi_file": "files/test_midi",
        "test_model_checks": "model/test_checks", "test_phrase": "music/test_phrase",
        "test_pieces": "training/test_pieces", "test_pitch_memory": "encoding/test_pitch_memory",
        "test_progress": "training/test_progress", "test_recorder": "sound/test_recorder",
        "test_rhythm_memory": "encoding/test_rhythm_memory", "test_sampler": "sound/test_sampler",
        "test_score_writer": "files/test_score_writer", "test_scores": "files/test_score_reader",
        "test_seeds": "files/test_seeds", "test_side_inputs": "encoding/test_side_inputs",
        "test_soundfont": "sound/test_soundfont", "test_steering": "writing/test_steering",
        "test_synth_and_player": "sound/test_synth_and_player", "test_token_store": "training/test_token_store",
        "test_tokens": "encoding/test_tokens", "test_train": "training/test_train",
        "test_train_config": "training/test_config",
    },
    "tests/gui": {
        "test_audio_export": "sound/test_audio_export", "test_coords": "editor/test_coords",
        "test_crash_recovery": "document/test_crash_recovery", "test_editing": "editor/test_editing",
        "test_files": "document/test_files", "test_hostile_open": "document/test_hostile_open",
        "test_metre_key": "editor/test_metre_key", "test_midi_drag": "document/test_midi_drag",
        "test_phrase_model": "document/test_phrase_model", "test_piano_roll": "editor/test_piano_roll",
        "test_playback": "sound/test_playback", "test_recording": "sound/test_recording",
        "test_sheet_music": "document/test_sheet_music", "test_writing": "writing/test_controller",
        "test_continue_panel": "writing/test_panel",
    },
}

PACKAGES = {"engine": ENGINE, "gui": GUI}


def new_name(package: str, module: str) -> str | None:
    """``engine.midi_file`` -> ``engine.files.midi``; None for a name that is not a moved module."""
    moved = PACKAGES[package].get(module)
    return f"{package}.{moved}" if moved else None


def _relative(here: str, target: str) -> str:
    """The relative import of dotted ``target`` from module ``here`` (both within one package)."""
    here_parts, target_parts = here.split(".")[:-1], target.split(".")
    common = 0
    while common < min(len(here_parts), len(target_parts) - 1) and here_parts[common] == target_parts[common]:
        common += 1
    ups = len(here_parts) - common
    return "." * (ups + 1) + ".".join(target_parts[common:])


def rewrite(text: str, module: str | None = None) -> str:
    """``text`` with every old engine/gui name put in its room. ``module``: the file's own dotted
    name after the move (for its relative imports), or None for a file outside the packages."""
    if module is not None:
        package = module.split(".")[0]

        def relative_from(match: re.Match) -> str:
            indent, name, rest = match.group(1), match.group(2), match.group(3)
            target = new_name(package, name)
            if target is None:
                return match.group(0)
            return f"{indent}from {_relative(module, target)} import{rest}"
        text = re.sub(r"^(\s*)from \.(\w+) import(.*)$", relative_from, text, flags=re.M)

        def relative_names(match: re.Match) -> str:
            indent, names, rest = match.group(1), match.group(2), match.group(3)
            return _split_names(indent, package, [n.strip() for n in names.split(",")], rest,
                                lambda room: _relative_package(module, room))
        text = re.sub(r"^(\s*)from \. import ([\w, ]+?)(\s*(?:#.*)?)$", relative_names, text, flags=re.M)

    def absolute_names(match: re.Match) -> str:
        indent, package, names, rest = match.group(1), match.group(2), match.group(3), match.group(4)
        return _split_names(indent, package, [n.strip() for n in names.split(",")], rest, lambda target: target)
    text = re.sub(r"^(\s*)from (engine|gui) import ([\w, ]+?)(\s*(?:#.*)?)$", absolute_names, text, flags=re.M)

    def dotted(match: re.Match) -> str:
        return new_name(match.group(1), match.group(2)) or match.group(0)
    text = re.sub(r"(?<![\w/.])(engine|gui)\.(\w+)\b", dotted, text)

    def path(match: re.Match) -> str:
        target = new_name(match.group(1), match.group(2))
        return target.replace(".", "/") + ".py" if target else match.group(0)
    return re.sub(r"(?<![\w.])(engine|gui)/(\w+)\.py\b", path, text)


def _split_names(indent: str, package: str, names: list[str], rest: str, spell) -> str:
    """``from <package> import a, b as c`` as one import line per room the names now live in;
    ``spell`` writes a room's dotted name as the importing file must (absolute or relative)."""
    by_room: dict[str, list[str]] = {}
    for name in names:
        bare, _, alias = name.partition(" as ")
        target = new_name(package, bare.strip()) or f"{package}.{bare.strip()}"
        room, _, leaf = target.rpartition(".")
        by_room.setdefault(spell(room), []).append(leaf + (f" as {alias.strip()}" if alias else ""))
    lines = [f"{indent}from {room} import {', '.join(sorted(found))}" for room, found in sorted(by_room.items())]
    return "\n".join(lines) + rest


def _relative_package(here: str, package: str) -> str:
    """The relative spelling of dotted ``package`` from module ``here``: ``..``, ``.document``."""
    here_parts, target_parts = here.split(".")[:-1], package.split(".")
    common = 0
    while common < min(len(here_parts), len(target_parts)) and here_parts[common] == target_parts[common]:
        common += 1
    return "." * (len(here_parts) - common + 1) + ".".join(target_parts[common:])


def _git(*args: str) -> None:
    subprocess.run(["git", *args], cwd=ROOT, check=True)


def move() -> None:
    """The move: every module and test file to its room (git mv), the rooms' __init__ files, then
    every import in the tree rewritten."""
    for package, modules in PACKAGES.items():
        for old, new in modules.items():
            target = ROOT / package / (new.replace(".", "/") + ".py")
            if old == new:
                continue
            target.parent.mkdir(exist_ok=True)
            init = target.parent / "__init__.py"
            if not init.exists():
                init.write_text(f'"""{ROOM_TEXT[f"{package}.{target.parent.name}"]}"""\n')
                _git("add", str(init.relative_to(ROOT)))
            _git("mv", f"{package}/{old}.py", str(target.relative_to(ROOT)))
    for folder, tests in TESTS.items():
        for old, new in tests.items():
            target = ROOT / folder / f"{new}.py"
            target.parent.mkdir(exist_ok=True)
            _git("mv", f"{folder}/{old}.py", str(target.relative_to(ROOT)))
    files = [p for p in ROOT.rglob("*") if p.suffix in (".py", ".md", ".toml", ".cfg", ".txt", ".json")
             and ".git" not in p.parts and "models" not in p.parts and p.name != "rooms.py"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(ROOT)
        module = None
        if relative.parts[0] in PACKAGES and path.suffix == ".py":
            module = ".".join(relative.with_suffix("").parts)
        changed = rewrite(text, module)
        if changed != text:
            path.write_text(changed, encoding="utf-8")


def main(argv: list[str]) -> int:
    if argv[:1] == ["move"]:
        move()
        return 0
    if argv[:1] == ["rewrite"] and argv[1:]:
        for name in argv[1:]:
            path = Path(name)
            path.write_text(rewrite(path.read_text(encoding="utf-8")), encoding="utf-8")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
