"""An installed copy (a wheel built from the tree, in a fresh virtual environment) finds its
bundled model, seeds and piano, and continues a phrase from another folder.

It runs the same whether pytest runs in the system's Python or in a virtual environment: the fresh
environment sees this one's packages (torch, PySide6...), and the wheel is built by an interpreter
whose setuptools can build one without the network.
"""

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# imports when setuptools can build a wheel by itself (70.1 and later) or has the wheel package beside it
CAN_BUILD_WHEELS = """
try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:
    import setuptools.build_meta, wheel.bdist_wheel
"""


def wheel_builder() -> str:
    """This interpreter when its setuptools can build a wheel offline, else the one its virtual
    environment was made from (a fresh venv brings an old setuptools, or none); skips when neither can."""
    candidates = dict.fromkeys([sys.executable, getattr(sys, "_base_executable", sys.executable)])
    for python in candidates:
        if subprocess.run([python, "-c", CAN_BUILD_WHEELS], capture_output=True, timeout=120).returncode == 0:
            return python
    pytest.skip(f"no setuptools that builds wheels offline (70.1 or later, or the wheel package) in {list(candidates)}")


def see_running_packages(python: Path) -> None:
    """Lets the environment of ``python`` import what this interpreter imports (its virtual
    environment's packages too, which --system-site-packages alone would not give), after its own."""
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True, timeout=120).stdout.strip()
    running = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages") and Path(p).is_dir()]
    Path(purelib, "running-environment.pth").write_text("".join(f"{p}\n" for p in running))


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_environment_continues_from_another_folder(tmp_path):
    wheels = tmp_path / "wheels"
    built = subprocess.run([wheel_builder(), "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(wheels), str(ROOT)], capture_output=True, text=True, timeout=600,
                           cwd=tmp_path)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(wheels.glob("segue-*.whl"))
    # torch, PySide6 and the rest come from this environment; Segue itself only from the wheel
    env_dir = tmp_path / "env"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    see_running_packages(python)
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                                "--no-index", "-q", str(wheel)], capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr[-2000:]
    elsewhere = tmp_path / "somewhere else"
    elsewhere.mkdir()
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SEGUE_MODELS_DIR")}
    where = subprocess.run([str(python), "-c", "import engine, engine.model.folders as m, engine.files.seeds as s, "
                            "engine.sound.audio as a; print(engine.__file__); print(m.MODELS_DIR); print(s.SEEDS_DIR); "
                            "print(a.PIANO_PATH)"],
                           capture_output=True, text=True, cwd=elsewhere, env=clean, timeout=120)
    assert where.returncode == 0, where.stderr[-2000:]
    code, models, seeds, piano = where.stdout.split("\n")[:4]
    assert str(env_dir) in piano and Path(piano).is_file()
    assert str(env_dir) in code, "Segue should be imported from the installed copy, not the checkout"
    assert str(env_dir) in models and Path(models, "default", "model.json").is_file()
    assert str(env_dir) in seeds and any(Path(seeds).glob("*.mid"))
    segue = bindir / ("segue.exe" if os.name == "nt" else "segue")
    result = subprocess.run([str(segue), "continue", "-o", "take.mid", "--bars", "2", "--seed", "1"],
                            capture_output=True, text=True, cwd=elsewhere, env=clean, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    import mido
    assert sum(1 for m in mido.MidiFile(elsewhere / "take.mid") if m.type == "note_on" and m.velocity) > 0
