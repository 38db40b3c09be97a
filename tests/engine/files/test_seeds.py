from engine.files.seeds import list_seeds, load_seed


def test_at_least_eight_credited_seeds_in_several_styles_all_load():
    seeds = list_seeds()
    assert len(seeds) >= 8
    assert len({s.style for s in seeds}) >= 5
    for seed in seeds:
        assert seed.credit and seed.title
        phrase = load_seed(seed)
        assert len(phrase.notes) >= 8, seed.title
        assert 1 <= phrase.bars <= 8, seed.title


def test_piano_midi_seeds_carry_the_licence():
    credits = [s.credit for s in list_seeds() if "piano-midi" in s.credit]
    assert credits and all("CC BY-SA 3.0 DE" in c for c in credits)


def test_a_broken_catalogue_gives_no_seeds_not_an_error(tmp_path):
    (tmp_path / "seeds.json").write_text("{not json")
    assert list_seeds(tmp_path) == []


def test_every_seed_is_named_composer_then_piece():
    for seed in list_seeds():
        composer, piece = seed.title.split(" – ")
        assert composer == seed.composer and piece == seed.piece and composer and piece
        assert composer in seed.credit, seed.title                   # the credit names the same person
        assert "opening" not in piece                                # every seed is an opening


def test_an_entry_without_a_composer_is_left_out(tmp_path):
    (tmp_path / "seeds.json").write_text('[{"file": "a.mid", "title": "A", "style": "s", "credit": "c"}, '
                                         '{"file": "b.mid", "composer": "B", "title": "Bee", "style": "s", '
                                         '"credit": "c"}]')
    assert [s.title for s in list_seeds(tmp_path)] == ["B – Bee"]


def test_the_pop909_seeds_carry_their_chords_and_their_licence():
    from pathlib import Path
    pops = [s for s in list_seeds() if s.composer == "POP909"]
    assert len(pops) == 2
    for seed in pops:
        assert "MIT" in seed.credit and "Music X Lab" in seed.credit
        phrase = load_seed(seed)
        assert len(phrase.chords) >= 4 and phrase.chords[0][0] == 0           # the chord lane comes with it
    licence = Path(__file__).resolve().parents[3] / "resources" / "pop909-LICENSE.txt"
    assert "MIT License" in licence.read_text() and "Music X Lab" in licence.read_text()
