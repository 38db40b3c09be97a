from engine.seeds import list_seeds, load_seed


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
