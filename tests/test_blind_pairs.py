"""The blind-pairs maker (benchmarks/blind_pairs.py): fresh passages, a key kept apart, honest intervals."""

import importlib.util
import json
import random
import sys
from pathlib import Path

import pytest

from engine.music.phrase import Note, Phrase

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
spec = importlib.util.spec_from_file_location("blind_pairs", ROOT / "benchmarks" / "blind_pairs.py")
blind_pairs = importlib.util.module_from_spec(spec)
sys.modules["blind_pairs"] = blind_pairs
spec.loader.exec_module(blind_pairs)


def piece(bars: int, pitch: int = 60) -> Phrase:
    return Phrase(tuple(Note(pitch + (i % 7), 4 * i, 4) for i in range(4 * bars)), steps_per_quarter=4)


def test_intervals_match_the_textbook_values():
    low, high = blind_pairs.clopper_pearson(4, 8)
    assert low == pytest.approx(0.1570, abs=1e-4) and high == pytest.approx(0.8430, abs=1e-4)
    low, high = blind_pairs.clopper_pearson(8, 8)
    assert low == pytest.approx(0.6306, abs=1e-4) and high == 1
    low, high = blind_pairs.wilson(4, 8)
    assert low == pytest.approx(0.2152, abs=1e-4) and high == pytest.approx(0.7848, abs=1e-4)


def test_passages_are_fresh_aligned_and_keep_off_the_protocol_bars():
    pieces = [(f"p{i}", piece(40, 50 + i)) for i in range(3)]
    avoid = {"p0": [17]}
    chosen = blind_pairs.choose_passages(pieces, 12, random.Random(0), avoid=avoid)
    for name, start, phrase, _composer in chosen:
        assert (start - 1) % 4 == 0
        assert not (start + 7 >= 9 and start <= 16)                          # bars 9-16 left alone
        assert not (name == "p0" and abs(start - 17) < 8)                    # nor a passage seen before
        assert phrase.notes[0].pitch == pieces[int(name[1])][1].notes[4 * 4 * (start - 1) // 4].pitch
    starts = [(n, s) for n, s, *_ in chosen]
    for n, s in starts:                                                       # no two overlap
        assert all(not (n == m and s != t and abs(s - t) < 8) for m, t in starts)
    assert len({n for n, _ in starts[:3]}) == 3                               # one a piece while pieces last
    fixed = blind_pairs.choose_passages(pieces, 3, random.Random(0), start_bar=9)
    assert {s for _, s, *_ in fixed} == {9}


def test_the_score_counts_picks_of_segue_and_names_the_reasons():
    key = {"pairs": [{"pair": f"pair_0{i}", "segue": "AB"[i % 2], "piece": "x.mid", "phrase bar": 1}
                     for i in range(1, 5)]}
    answers = [{"pair": "pair_01", "pick": "B", "sure": True, "reason": "leaps"},
               {"pair": "pair_02", "pick": "a", "sure": False, "reason": "guess"},
               {"pair": "pair_03", "pick": "A", "sure": False, "reason": "wrong"}]
    result = blind_pairs.score(key, answers)
    assert result["answered"] == 3 and result["correct"] == 2                 # "a" counts as "A"
    assert [r["reason"] for r in result["found, with reasons"]] == ["leaps", "guess"]
    assert [r["reason"] for r in result["missed"]] == ["wrong"]
    assert result["unanswered"] == ["pair_04"]


def test_a_pair_is_drawn_and_the_key_may_not_go_to_the_judge(tmp_path):
    p = piece(4)
    blind_pairs.draw_pair(p, p, p, tmp_path / "pair.png")
    assert (tmp_path / "pair.png").read_bytes()[:4] == b"\x89PNG"
    args = type("Args", (), {"out": str(tmp_path / "round"), "key_out": str(tmp_path / "round" / "key.json")})
    assert blind_pairs.make(args) == 2
    assert not (tmp_path / "round" / "key.json").exists()
    assert json.loads(json.dumps(blind_pairs.avoided([]))) == {}


def test_a_round_never_shows_the_same_music_twice():
    rng = random.Random(3)
    tune = [Note(rng.randrange(55, 80), 2 * i, 2) for i in range(8 * 8)]              # 8 bars of eighths
    other = [Note(rng.randrange(40, 90), 2 * i, 2) for i in range(8 * 16)]             # 16 bars of others
    late = [Note(n.pitch + 5, n.start + 24 * 16, n.duration) for n in tune]           # bars 1-8 again at 25, a 4th up
    music = Phrase(tuple(tune + [Note(n.pitch, n.start + 8 * 16, 2) for n in other] + late), steps_per_quarter=4)
    first, again = blind_pairs.passage_at(music, 1), blind_pairs.passage_at(music, 25)
    assert blind_pairs.same_music(first, again)
    assert not blind_pairs.same_music(first, blind_pairs.passage_at(music, 13))
    for seed in range(6):
        chosen = blind_pairs.choose_passages([("x", music)], 4, random.Random(seed), allow_protocol=True)
        starts = {s for _, s, *_ in chosen}
        assert not {1, 25} <= starts                                          # one of the two, never both
