"""benchmarks/musician.py on pieces another run held out (``--held-out``): every listed piece, in order."""

import importlib.util
import sys
from pathlib import Path

from engine.files.midi import write_midi
from engine.music.phrase import Note, Phrase

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
spec = importlib.util.spec_from_file_location("musician", ROOT / "benchmarks" / "musician.py")
musician = importlib.util.module_from_spec(spec)
sys.modules["musician"] = musician                     # its dataclass looks itself up there
spec.loader.exec_module(musician)


def test_held_out_pieces_come_from_the_list_given_every_one_in_its_order(tmp_path, capsys):
    for name, pitch in (("b.mid", 64), ("a.mid", 60)):
        write_midi(Phrase(tuple(Note(pitch + i % 5, 4 * i, 4) for i in range(80))), tmp_path / name)
    listing = tmp_path / "valid.txt"
    listing.write_text("# held out\nb.mid\na.mid\nmissing.mid\n")
    pieces = musician.listed_pieces([str(listing)])
    assert [Path(name).name for name, _ in pieces] == ["b.mid", "a.mid"]
    assert pieces[0][1].notes[0].pitch == 64
    assert "missing.mid" in capsys.readouterr().err
    chosen = musician.passages(pieces)
    assert [Path(p.name).name for p in chosen] == ["b.mid", "a.mid"]
