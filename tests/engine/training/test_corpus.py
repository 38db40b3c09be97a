"""A folder of music: read on all cores, cached, broken files listed and skipped."""

import pytest

import engine.training.corpus as corpus_module
from engine.files.midi import write_midi
from engine.music.phrase import Note, Phrase
from engine.training.corpus import load_corpus


@pytest.fixture
def folder(tmp_path):
    music = tmp_path / "music"
    (music / "inner").mkdir(parents=True)
    for i in range(4):
        write_midi(Phrase(tuple(Note(60 + i, s * 2, 2) for s in range(8))), music / f"piece{i}.mid")
    write_midi(Phrase((Note(40, 0, 8),)), music / "inner" / "deep.midi")
    (music / "broken.mid").write_bytes(b"not midi at all")
    (music / "notes.txt").write_text("not music, not even tried")
    return music


def test_folders_are_searched_and_broken_files_listed(folder, tmp_path):
    seen = []
    corpus = load_corpus([folder], cache_dir=tmp_path / "cache", progress=lambda d, t: seen.append((d, t)))
    assert sorted(p.name.split("/")[-1] for p in corpus.pieces) == [
        "deep.midi", "piece0.mid", "piece1.mid", "piece2.mid", "piece3.mid"]
    assert len(corpus.skipped) == 1 and corpus.skipped[0][0].endswith("broken.mid")
    assert "not a MIDI file" in corpus.skipped[0][1]
    assert seen[-1] == (6, 6)


def test_the_second_load_comes_from_the_cache(folder, tmp_path, monkeypatch):
    first = load_corpus([folder], cache_dir=tmp_path / "cache", workers=1)
    calls = []
    monkeypatch.setattr(corpus_module, "_read_one", lambda job: calls.append(job) or (job[0], None, "x"))
    second = load_corpus([folder], cache_dir=tmp_path / "cache", workers=1)
    assert [c[0] for c in calls] == [str(folder / "broken.mid")]       # only the broken file again
    assert [p.phrase for p in second.pieces] == [p.phrase for p in first.pieces]


def test_a_changed_file_is_read_again(folder, tmp_path):
    load_corpus([folder], cache_dir=tmp_path / "cache", workers=1)
    write_midi(Phrase((Note(72, 0, 4),)), folder / "piece0.mid")
    again = load_corpus([folder / "piece0.mid"], cache_dir=tmp_path / "cache", workers=1)
    assert [n.pitch for n in again.pieces[0].phrase.notes] == [72]


def test_a_missing_path_is_listed_not_fatal(tmp_path):
    corpus = load_corpus([tmp_path / "nowhere"], cache_dir=tmp_path / "cache")
    assert not corpus.pieces and corpus.skipped[0][1] == "no such file or folder"


def test_pickle_split_syntax(bl_data, tmp_path):
    corpus = load_corpus([f"{bl_data / 'JSB Chorales.pickle'}:valid"], cache_dir=tmp_path)
    assert len(corpus.pieces) == 76 and corpus.pieces[0].name.startswith("JSB Chorales:valid#")


@pytest.mark.slow
def test_the_whole_piano_collection_reads_without_a_skip(piano_midi, tmp_path):
    corpus = load_corpus([piano_midi], cache_dir=tmp_path / "cache")
    assert len(corpus.pieces) == 265 and not corpus.skipped


def test_a_text_file_lists_the_pieces_to_read(folder, tmp_path):
    listing = folder / "chosen.txt"
    listing.write_text("# two pieces and one that is gone\npiece1.mid\n\n" + str(folder / "inner" / "deep.midi")
                       + "\nmissing.mid\n")
    corpus = load_corpus([listing, folder / "piece3.mid"], cache_dir=tmp_path / "cache", workers=1)
    assert [p.name.split("/")[-1] for p in corpus.pieces] == ["piece1.mid", "deep.midi", "piece3.mid"]
    assert corpus.skipped == [("missing.mid", "listed in chosen.txt, but no such file")]


def test_a_cached_corpus_gives_the_pieces_load_corpus_gives_one_at_a_time(folder, tmp_path):
    from engine.training.corpus import cache_corpus
    seen = []
    cached = cache_corpus([folder], cache_dir=tmp_path / "cache", progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (6, 6)
    assert len(cached.skipped) == 1 and cached.skipped[0][0].endswith("broken.mid") and cached.count == 5
    whole = load_corpus([folder], cache_dir=tmp_path / "other")
    for _ in range(2):                                                   # as often as asked
        pieces = cached.pieces()
        assert next(pieces).name == whole.pieces[0].name                 # a generator: one piece at a time
        assert [(p.name, p.phrase) for p in [whole.pieces[0], *pieces]] == [(p.name, p.phrase) for p in whole.pieces]


def test_a_cached_corpus_reads_what_the_cache_could_not_keep(folder, tmp_path, monkeypatch):
    from engine.training.corpus import cache_corpus
    monkeypatch.setattr(corpus_module, "atomic_write", lambda *a: (_ for _ in ()).throw(OSError("read-only")))
    cached = cache_corpus([folder], cache_dir=tmp_path / "cache", workers=1)
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())
    whole = load_corpus([folder], cache_dir=tmp_path / "other", workers=1)
    assert [p.phrase for p in cached.pieces()] == [p.phrase for p in whole.pieces]


def test_a_pickle_in_a_folder_with_a_colon_in_its_name_is_read_with_its_split(tmp_path):
    import pickle

    from engine.training.corpus import cache_corpus
    folder = tmp_path / "runs:2024"
    folder.mkdir()
    (folder / "tiny.pickle").write_bytes(pickle.dumps({"train": [[[60], [60, 64]]], "test": [[[62]], [[67]]]}))
    named = load_corpus([f"{folder / 'tiny.pickle'}:test"], cache_dir=tmp_path / "cache")
    assert [p.name for p in named.pieces] == ["tiny:test#0", "tiny:test#1"] and not named.skipped
    unnamed = load_corpus([folder / "tiny.pickle"], cache_dir=tmp_path / "cache")
    assert [p.name for p in unnamed.pieces] == ["tiny:train#0"]            # training reads the training split
    cached = cache_corpus([f"{folder / 'tiny.pickle'}:test"], cache_dir=tmp_path / "cache")
    assert [p.name for p in cached.pieces()] == ["tiny:test#0", "tiny:test#1"] and cached.count == 2


def test_a_piece_comes_out_of_the_cache_as_the_file_reads(tmp_path):
    from engine.files.reading import read_music
    from engine.training.corpus import cache_corpus
    path = tmp_path / "music" / "changes.mid"
    path.parent.mkdir()
    write_midi(Phrase(tuple(Note(60 + s % 5, s * 2, 2, 40 + s) for s in range(16)), tempo_bpm=90,
                      time_signature=(3, 4), tempo_changes=((12, 72.0),), key_signatures=((0, "Eb"), (12, "Cm"))),
               path)
    read = read_music(path, steps_per_quarter=2)
    assert read.tempo_changes and read.key_signatures                # the file says more than the notes
    for _ in range(2):                                               # read into the cache, then out of it
        corpus = load_corpus([path.parent], steps_per_quarter=2, cache_dir=tmp_path / "cache", workers=1)
        assert [p.phrase for p in corpus.pieces] == [read]
    cached = cache_corpus([path.parent], steps_per_quarter=2, cache_dir=tmp_path / "cache", workers=1)
    assert [p.phrase for p in cached.pieces()] == [read]
