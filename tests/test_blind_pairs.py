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


def _round(settings: str, segue: str = "AB") -> dict:
    return {"settings": settings, "pairs": [{"pair": f"pair_{i:02d}", "segue": segue[i % len(segue)],
                                             "piece": f"p{i}.mid", "phrase bar": 1 + 4 * i} for i in range(1, 9)]}


def test_two_settings_are_crossed_so_each_judge_sees_each_passage_once_and_each_setting_half():
    first, second = _round("a"), _round("b")
    differ = [True] * 7 + [False]                                   # the last pair is the same both ways
    one, two = blind_pairs.crossed(first, second, differ, random.Random(0))
    assert sorted(i for _, i in one) == sorted(i for _, i in two) == list(range(7))
    assert dict((i, w) for w, i in one) == {i: {"first": "second", "second": "first"}[w] for w, i in two}
    assert abs(sum(w == "first" for w, _ in one) - sum(w == "second" for w, _ in one)) <= 1
    moved = _round("b")
    moved["pairs"][0]["phrase bar"] = 99
    with pytest.raises(ValueError, match="same passages"):
        blind_pairs.crossed(first, moved, differ, random.Random(0))


def test_crossed_rounds_are_scored_per_setting_and_passage_by_passage():
    assert blind_pairs.sign_test(0, 0) == 1
    assert blind_pairs.sign_test(6, 0) == pytest.approx(2 / 64)
    assert blind_pairs.sign_test(2, 2) == 1
    keys, answers = [], []
    for judge in range(2):
        pairs = [{"pair": f"pair_{i:02d}", "segue": "A", "piece": f"p{i}", "phrase bar": 1,
                  "setting": ("x", "y")[(i + judge) % 2]} for i in range(6)]
        keys.append({"pairs": pairs})
        # the judge finds every take written with x, and the takes written with y in passages 0 and 1 only
        answers.append([{"pair": p["pair"], "pick": "A" if p["setting"] == "x" or i < 2 else "B"}
                        for i, p in enumerate(pairs)])
    result = blind_pairs.paired_score(list(zip(keys, answers)))
    assert result["settings"]["x"]["correct"] == 6 and result["settings"]["x"]["answered"] == 6
    assert result["settings"]["y"]["correct"] == 2
    assert result["passages judged both ways"] == 6
    assert result["picked out only with x"] == 4 and result["picked out only with y"] == 0
    assert result["sign test p (two-sided)"] == pytest.approx(2 / 16)


def test_the_cross_command_writes_two_judges_folders_with_their_keys_apart(tmp_path):
    folders = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        for i in range(1, 9):
            same = i == 8
            (folder / f"pair_{i:02d}.png").write_bytes(b"png" + (b"" if same else name.encode()) + bytes([i]))
        made = _round(name)
        if name == "b":
            made["engine constants"] = {"engine.writing.listening.TUNE": 0.0}
        (tmp_path / f"{name}.json").write_text(json.dumps(made))
        folders.append(folder)
    code = blind_pairs.main(["cross", "--first-key", str(tmp_path / "a.json"), "--first-images", str(folders[0]),
                             "--first-label", "A", "--second-key", str(tmp_path / "b.json"),
                             "--second-images", str(folders[1]), "--second-label", "B",
                             "--out", str(tmp_path / "x"), "--key-out", str(tmp_path / "keys" / "x")])
    assert code == 0
    for judge in (1, 2):
        shown = tmp_path / f"x-{judge}"
        assert sorted(p.name for p in shown.iterdir()) == ["README.txt", "answers.json"] + [
            f"pair_{i:02d}.png" for i in range(1, 8)]
        key = json.loads((tmp_path / "keys" / f"x-{judge}.json").read_text())
        # each setting's engine constants kept, so that its takes can be written again (critic.py judge)
        assert key["engine constants"] == {"A": {}, "B": {"engine.writing.listening.TUNE": 0.0}}
        for pair in key["pairs"]:                                   # each image is the one its key names
            source = folders[pair["setting"] == "B"] / f"{pair['was']}.png"
            assert (shown / f"{pair['pair']}.png").read_bytes() == source.read_bytes()
    bad = blind_pairs.main(["cross", "--first-key", str(tmp_path / "a.json"), "--first-images", str(folders[0]),
                            "--second-key", str(tmp_path / "b.json"), "--second-images", str(folders[1]),
                            "--out", str(tmp_path / "y"), "--key-out", str(tmp_path / "y-1" / "k")])
    assert bad == 2                                                 # a key inside a judge's folder


def test_a_passage_may_share_bars_with_an_earlier_round_only_as_far_as_asked(tmp_path):
    assert blind_pairs.overlaps(1, 5) and not blind_pairs.overlaps(1, 9)
    assert not blind_pairs.overlaps(1, 5, shared_bars=4) and blind_pairs.overlaps(1, 4, shared_bars=4)
    rng = random.Random(5)
    pieces = [("p0", Phrase(tuple(Note(rng.randrange(40, 90), 2 * i, 2) for i in range(8 * 40)), steps_per_quarter=4))]
    avoid = {"p0": [1, 17, 25]}
    strict = blind_pairs.choose_passages(pieces, 20, random.Random(0), avoid=avoid, allow_protocol=True)
    shared = blind_pairs.choose_passages(pieces, 20, random.Random(0), avoid=avoid, allow_protocol=True,
                                         shared_bars=4)
    assert all(abs(s - old) >= 8 for _, s, *_ in strict for old in avoid["p0"])
    assert all(abs(s - old) >= 4 for _, s, *_ in shared for old in avoid["p0"])
    assert any(abs(s - old) == 4 for _, s, *_ in shared for old in avoid["p0"])        # half its bars shared
    key, answers = tmp_path / "key.json", tmp_path / "answers.json"
    key.write_text(json.dumps(_round("a")))
    answers.write_text("[]")
    assert blind_pairs.main(["paired", "--key", str(key), "--answers", str(answers)]) == 2   # not a crossed key


def test_a_take_s_digest_tells_its_notes_apart():
    take = piece(2)
    same = Phrase(tuple(take.notes), steps_per_quarter=4)
    longer = Phrase(take.notes[:-1] + (Note(take.notes[-1].pitch, take.notes[-1].start, 8),), steps_per_quarter=4)
    assert blind_pairs.take_digest(take) == blind_pairs.take_digest(same)
    assert blind_pairs.take_digest(take) != blind_pairs.take_digest(longer)
    assert len(blind_pairs.take_digest(take)) == 16
