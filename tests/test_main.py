"""The command line: continue, evaluate and bad input, run as a user would."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import main
from engine.files.midi import write_midi
from engine.files.reading import read_music
from engine.music.phrase import Note, Phrase

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def seed_file(tmp_path):
    path = tmp_path / "seed.mid"
    write_midi(Phrase(tuple(Note(60 + p, i * 4, 4) for i, p in enumerate([0, 2, 4, 5, 7, 5, 4, 2]))), path)
    return path


def test_continue_writes_the_seed_followed_by_new_bars(tiny_model_dir, seed_file, tmp_path, capsys):
    out = tmp_path / "out.mid"
    code = main.main(["continue", str(seed_file), "-o", str(out), "--bars", "2", "--seed", "5",
                      "--model", str(tiny_model_dir)])
    assert code == 0
    seed, result = read_music(seed_file, steps_per_quarter=4), read_music(out, steps_per_quarter=4)
    assert result.notes[:len(seed.notes)] == seed.notes
    assert all(n.start >= seed.length for n in result.notes[len(seed.notes):])
    assert result.length <= seed.length + 2 * 16


def test_continue_and_fill_follow_chords_and_refuse_chords_that_cannot_be_read(tiny_model_dir, seed_file, tmp_path,
                                                                             capsys):
    from engine.writing.chord_following import asked_spans, chord_tone_share
    out = tmp_path / "out.mid"
    common = ["--seed", "5", "--model", str(tiny_model_dir)]
    assert main.main(["continue", str(seed_file), "-o", str(out), "--bars", "2", "--chords", "F# | C#7", *common]) == 0
    seed, result = read_music(seed_file, steps_per_quarter=4), read_music(out, steps_per_quarter=4)
    new = [Note(n.pitch, n.start - seed.length, n.duration, n.velocity) for n in result.notes[len(seed.notes):]]
    on, under = chord_tone_share(new, asked_spans("F# | C#7", 16, 2))
    assert new and on / under >= 0.85                       # far from the seed's C major, even for a tiny model
    assert main.main(["fill", str(out), "-o", str(tmp_path / "f.mid"), "--from-bar", "2", "--to-bar", "3",
                      "--chords", "Dm | G7", "--candidates", "4", *common]) == 0
    capsys.readouterr()
    assert main.main(["continue", str(seed_file), "-o", str(out), "--chords", "C | Hm7", *common]) == 2
    assert "bar 2 of the chords: 'Hm7' is not a chord name" in capsys.readouterr().err
    assert main.main(["fill", str(seed_file), "-o", str(out), "--from-bar", "1", "--to-bar", "1",
                      "--chords", "C | F", *common]) == 2
    assert "2 bars of chords were given for 1 bar of music" in capsys.readouterr().err


def test_continue_keeps_the_tempo_map_and_key_signatures_of_the_phrase(tiny_model_dir, tmp_path, capsys):
    import mido
    phrase = tmp_path / "map.mid"
    write_midi(Phrase(tuple(Note(60 + i % 5, 4 * i, 4) for i in range(16)), tempo_bpm=100,
                      tempo_changes=((16, 80.0), (48, 132.0)), key_signatures=((0, "Eb"), (32, "Cm"))), phrase)
    out = tmp_path / "out.mid"
    assert main.main(["continue", str(phrase), "-o", str(out), "--bars", "1", "--seed", "3",
                      "--model", str(tiny_model_dir)]) == 0
    found, tick = [], 0
    for msg in mido.MidiFile(str(out)).tracks[0]:
        tick += msg.time
        if msg.type in ("set_tempo", "key_signature"):
            found.append((tick, msg.key if msg.type == "key_signature" else round(mido.tempo2bpm(msg.tempo))))
    assert found == [(0, 100), (0, "Eb"), (480 * 4, 80), (480 * 8, "Cm"), (480 * 12, 132)]


def test_continue_can_write_sheet_music(tiny_model_dir, seed_file, tmp_path, capsys):
    """The untrained test model writes any pitch: those below C0 cannot be sheet music and say so."""
    from engine.model.checkpoint import load_model
    from engine.music.phrase import merge
    from engine.writing.continuation import ContinueOptions, continue_phrase
    loaded, seed_phrase = load_model(tiny_model_dir), read_music(seed_file)
    written = 0
    for seed in range(1, 9):
        score = tmp_path / f"{seed}.musicxml"
        take, = continue_phrase(loaded, seed_phrase, ContinueOptions(bars=2, seed=seed))
        expected = merge(seed_phrase, take, offset=seed_phrase.length)
        capsys.readouterr()
        code = main.main(["continue", str(seed_file), "-o", str(score), "--bars", "2", "--seed", str(seed),
                          "--model", str(tiny_model_dir)])
        if min(n.pitch for n in expected.notes) < 12:
            assert code == 2 and "below C0" in capsys.readouterr().err and not score.exists()
            continue
        assert code == 0 and "<score-partwise" in score.read_text()
        back = sorted((n.pitch, n.start, n.duration) for n in read_music(score).notes)
        assert [n[:2] for n in back] == sorted((n.pitch, n.start) for n in expected.notes)
        # a short note before a short rest may be written longer, for reading (staccato)
        assert all(d <= w <= 2 * d for (_, _, w), (_, _, d) in
                   zip(back, sorted((n.pitch, n.start, n.duration) for n in expected.notes)))
        written += 1
    assert written >= 1


def test_the_same_seed_number_gives_the_same_file(tiny_model_dir, seed_file, tmp_path):
    for name in ("a.mid", "b.mid"):
        main.main(["continue", str(seed_file), "-o", str(tmp_path / name), "--seed", "9",
                   "--model", str(tiny_model_dir)])
    assert (tmp_path / "a.mid").read_bytes() == (tmp_path / "b.mid").read_bytes()


def test_variations_write_numbered_files(tiny_model_dir, seed_file, tmp_path):
    code = main.main(["continue", str(seed_file), "-o", str(tmp_path / "take.mid"), "--variations", "3",
                      "--bars", "1", "--seed", "1", "--model", str(tiny_model_dir)])
    assert code == 0
    assert sorted(p.name for p in tmp_path.glob("take-*.mid")) == ["take-1.mid", "take-2.mid", "take-3.mid"]


def test_without_a_seed_file_it_starts_from_a_random_excerpt(tiny_model_dir, tmp_path):
    out = tmp_path / "out.mid"
    assert main.main(["continue", "-o", str(out), "--bars", "1", "--seed", "2",
                      "--model", str(tiny_model_dir)]) == 0
    assert read_music(out).notes


@pytest.mark.parametrize("content", [b"", b"MThd\x00\x00\x00\x06\x00\x01", b"hello, this is text\n",
                                     bytes(range(256)) * 4])
def test_a_broken_seed_file_is_one_clear_line(tiny_model_dir, tmp_path, capsys, content):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(content)
    code = main.main(["continue", str(bad), "-o", str(tmp_path / "o.mid"), "--model", str(tiny_model_dir)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "bad.mid" in err and "Traceback" not in err
    assert not (tmp_path / "o.mid").exists()


def test_a_missing_model_is_one_clear_line(seed_file, tmp_path, capsys):
    code = main.main(["continue", str(seed_file), "-o", str(tmp_path / "o.mid"), "--model", "nope"])
    assert code == 2 and "no model found" in capsys.readouterr().err


def test_evaluate_a_benchmark_pickle_prints_nll_per_step(tiny_model_dir, bl_data, capsys):
    code = main.main(["evaluate", "--model", str(tiny_model_dir), "--data",
                      str(bl_data / "JSB Chorales.pickle"), "--split", "valid", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["pieces"] == 76 and result["steps"] > 4000
    assert result["nll_per_step"] == pytest.approx(result["total_nats"] / result["steps"])
    assert result["nll_per_step"] > 0


def test_evaluate_music_files_prints_bits_per_note(tiny_model_dir, seed_file, capsys):
    assert main.main(["evaluate", "--model", str(tiny_model_dir), "--data", str(seed_file), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["notes"] == 8 and result["bits_per_note"] > 0 and "nll_per_step" not in result


def test_a_wrong_argument_exits_non_zero_without_a_traceback():
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "continue", "--bars", "x", "-o", "o.mid"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2 and "invalid int value" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("arguments, complaint", [
    (["--density", "9"], "density must be between 0.25 and 4"),
    (["--key", "H major"], "is not a key"),
    (["--texture", "loud"], "invalid choice"),
    (["--candidates", "999"], "candidates must be between"),
    (["--steering", "5"], "steering must be between 0 and 4"),
    (["--steering", "-0.5"], "steering must be between 0 and 4"),
    (["--steering", "nan"], "steering must be between 0 and 4"),
    (["--steering", "firmly"], "invalid float value"),
])
def test_out_of_range_settings_are_one_clear_line(tiny_model_dir, seed_file, tmp_path, capsys, arguments, complaint):
    code = exit_code(["continue", str(seed_file), "-o", str(tmp_path / "o.mid"), "--model", str(tiny_model_dir)]
                     + arguments)
    err = capsys.readouterr().err
    assert code == 2 and complaint in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.mid").exists()


@pytest.mark.parametrize("arguments, steering", [([], None), (["--steering", "0"], 0.0),
                                                  (["--steering", "3.5"], 3.5)])
def test_steering_reaches_continue_and_its_default_is_continue_options(tiny_model_dir, seed_file, tmp_path,
                                                                      monkeypatch, arguments, steering):
    import engine.writing.continuation
    from engine.writing.continuation import ContinueOptions
    asked = []
    monkeypatch.setattr(engine.writing.continuation, "continue_phrase",
                        lambda loaded, phrase, options: asked.append(options) or [phrase.with_notes([])])
    assert main.main(["continue", str(seed_file), "-o", str(tmp_path / "o.mid"), "--model", str(tiny_model_dir)]
                     + arguments) == 0
    assert asked[0].steering == (ContinueOptions().steering if steering is None else steering)


def test_the_steering_help_names_continue_options_default():
    import argparse

    from engine.writing.options import ContinueOptions, FillOptions
    commands = next(a for a in main.command_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for command, said in (("continue", f"(default: {ContinueOptions().steering:g}, loosely)"),
                          ("fill", f"(default: {FillOptions().steering:g}, closely)")):     # Fill steers too
        flag = next(a for a in commands.choices[command]._actions if a.dest == "steering")
        assert said in flag.help


@pytest.mark.parametrize("arguments, steering", [([], None), (["--steering", "0"], 0.0),
                                                  (["--steering", "1"], 1.0)])
def test_steering_reaches_fill(tiny_model_dir, seed_file, tmp_path, monkeypatch, arguments, steering):
    import engine.writing.fill
    from engine.writing.options import FillOptions
    asked = []
    monkeypatch.setattr(engine.writing.fill, "fill_span",
                        lambda loaded, phrase, start, end, options, **k: asked.append(options) or [phrase])
    assert main.main(["fill", str(seed_file), "-o", str(tmp_path / "o.mid"), "--from-bar", "1", "--to-bar", "1",
                      "--model", str(tiny_model_dir)] + arguments) == 0
    assert asked[0].steering == (FillOptions().steering if steering is None else steering)


def exit_code(argv) -> int:
    """What ``segue ARGV`` exits with, whether the parser or the command refuses."""
    try:
        return main.main(argv)
    except SystemExit as stop:
        return stop.code


@pytest.mark.parametrize("command", [["continue"], ["fill", "--from-bar", "1", "--to-bar", "1"]])
def test_an_output_segue_cannot_write_is_refused_before_anything_is_written(tiny_model_dir, seed_file, tmp_path,
                                                                            capsys, command):
    for output in (tmp_path / "take.txt", tmp_path / "missing-folder" / "take.mid"):
        code = main.main(command[:1] + [str(seed_file), "-o", str(output), "--model", str(tiny_model_dir)]
                         + command[1:])
        assert code == 2 and str(output) in capsys.readouterr().err
    assert not (tmp_path / "missing-folder").exists() and not list(tmp_path.glob("take*"))


def test_help_lists_the_commands_in_its_usage(capsys):
    assert exit_code(["--help"]) == 0
    usage = capsys.readouterr().out.split("\n\n")[0]
    assert "{" + ",".join(main.COMMANDS) + "}" in usage and "FILE" in usage
    assert {"train", "continue", "fill", "evaluate", "average"} <= set(main.COMMANDS)


def test_every_option_says_what_it_does_and_its_default():
    import argparse
    commands = next(a for a in main.command_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == set(main.COMMANDS)
    for name, parser in commands.choices.items():
        formatter = parser.formatter_class(name)
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"{name} {action.dest} has no help text"
            flag = isinstance(action, argparse._StoreTrueAction)
            if action.option_strings and not action.required and not flag:
                assert "default" in formatter._get_help_string(action), \
                    f"{name} {action.option_strings} hides its default"


def test_training_from_the_command_line_keeps_every_epoch_unless_asked():
    train = ["train", "--data", "music", "--out", "models/mine"]
    assert main.command_parser().parse_args(train).keep_epochs == 0
    assert main.command_parser().parse_args(train + ["--keep-epochs", "3"]).keep_epochs == 3


def test_the_random_seed_and_the_phrase_file_are_hard_to_confuse(capsys):
    assert exit_code(["continue", "--help"]) == 0
    text = capsys.readouterr().out
    assert "[PHRASE.mid]" in text.split("\n\n")[0]
    assert "--seed N" in text and "random seed for the takes" in text
    assert "--seed-bars" not in text and "--excerpt-bars N" in text


def test_evaluate_names_the_split_it_read(tiny_model_dir, tmp_path, capsys):
    import pickle as pickles
    chorale = [[60, 64, 67], [60, 64, 67], [62, 65, 69], [59, 62, 67]] * 4
    (tmp_path / "splits.pickle").write_bytes(pickles.dumps({"train": [chorale], "valid": [chorale] * 2,
                                                            "test": [chorale] * 3}))
    pickle = str(tmp_path / "splits.pickle") + ":test"
    assert main.main(["evaluate", "--model", str(tiny_model_dir), "--data", pickle, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["split"] == "test" and result["pieces"] == 3
    assert main.main(["evaluate", "--model", str(tiny_model_dir), "--data", pickle]) == 0
    assert "(test)" in capsys.readouterr().out


@pytest.fixture
def eight_bars(tmp_path):
    path = tmp_path / "eight.mid"
    write_midi(Phrase(tuple(Note(60 + (i % 7), 4 * i, 4) for i in range(32))
                      + tuple(Note(43 + 2 * (b % 3), 16 * b, 16) for b in range(8))), path)
    return path


def test_fill_rewrites_the_bars_asked_and_keeps_the_rest(tiny_model_dir, eight_bars, tmp_path, capsys):
    out = tmp_path / "filled.mid"
    code = main.main(["fill", str(eight_bars), "-o", str(out), "--from-bar", "3", "--to-bar", "4",
                      "--variations", "2", "--seed", "4", "--candidates", "6", "--model", str(tiny_model_dir)])
    assert code == 0
    original = read_music(eight_bars, steps_per_quarter=4)
    for path in (tmp_path / "filled-1.mid", tmp_path / "filled-2.mid"):
        filled = read_music(path, steps_per_quarter=4)
        outside = lambda p: [n for n in p.notes if not 32 <= n.start < 64]
        assert outside(filled) == outside(original)
        assert all(n.end <= 64 for n in filled.notes if 32 <= n.start < 64)
    again = tmp_path / "again.mid"
    main.main(["fill", str(eight_bars), "-o", str(again), "--from-bar", "3", "--to-bar", "4", "--variations", "2",
               "--seed", "4", "--candidates", "6", "--model", str(tiny_model_dir)])
    assert read_music(tmp_path / "again-1.mid") == read_music(tmp_path / "filled-1.mid")


@pytest.mark.parametrize("bars, complaint", [(("5", "3"), "comes after"), (("20", "22"), "outside the music"),
                                             (("0", "2"), "counted from 1"), (("7", "30000"), "past the end"),
                                             (("1", "1000000000"), "past the end")])
def test_a_span_that_makes_no_sense_is_one_clear_line(tiny_model_dir, eight_bars, tmp_path, capsys, bars, complaint):
    code = main.main(["fill", str(eight_bars), "-o", str(tmp_path / "o.mid"), "--from-bar", bars[0],
                      "--to-bar", bars[1], "--model", str(tiny_model_dir)])
    err = capsys.readouterr().err
    assert code == 2 and complaint in err and len(err.strip().splitlines()) == 1


def test_filling_a_file_without_notes_is_one_clear_line(tiny_model_dir, tmp_path, capsys):
    empty = tmp_path / "empty.mid"
    write_midi(Phrase(end=64), empty)
    code = main.main(["fill", str(empty), "-o", str(tmp_path / "o.mid"), "--from-bar", "1", "--to-bar", "2",
                      "--model", str(tiny_model_dir)])
    assert code == 2 and "no notes" in capsys.readouterr().err


def test_evaluate_a_model_with_controls_with_and_without_them(tiny_controls_model_dir, seed_file, capsys):
    assert main.main(["evaluate", "--data", str(seed_file), "--model", str(tiny_controls_model_dir), "--json"]) == 0
    given = json.loads(capsys.readouterr().out)
    assert main.main(["evaluate", "--data", str(seed_file), "--model", str(tiny_controls_model_dir), "--json",
                      "--without-controls"]) == 0
    hidden = json.loads(capsys.readouterr().out)
    assert given["tokens"] == hidden["tokens"] and given["nats_per_token"] != hidden["nats_per_token"]


def test_continue_gives_back_a_phrase_of_triplets_and_grace_notes_exactly(tiny_model_dir, tmp_path, capsys):
    from tests.passages import triplets_and_graces, write_ticks
    played = triplets_and_graces()
    seed = write_ticks(tmp_path / "played.mid", played)
    out = tmp_path / "out.mid"
    assert main.main(["continue", str(seed), "-o", str(out), "--bars", "2", "--seed", "5",
                      "--model", str(tiny_model_dir)]) == 0
    result = read_music(out)
    phrase_end = max(off for _, _, off in played)
    kept = sorted((n.pitch, n.start, n.end) for n in result.notes if n.start < phrase_end)
    assert kept == sorted(played)
    assert any(n.start >= phrase_end for n in result.notes)


def test_fill_keeps_every_note_outside_its_span_exactly(tiny_model_dir, tmp_path, capsys):
    """Bars 5-6 of eight bars of 3/8 with grace-note chords into each downbeat and 32nds: every note
    starting outside the span comes back as it was, in every take."""
    from tests.passages import three_eight_graces, write_ticks
    played = three_eight_graces()
    source = write_ticks(tmp_path / "graces.mid", played, metre=(3, 8))
    out = tmp_path / "filled.mid"
    assert main.main(["fill", str(source), "-o", str(out), "--from-bar", "5", "--to-bar", "6", "--variations", "2",
                      "--seed", "4", "--candidates", "6", "--model", str(tiny_model_dir)]) == 0
    start, end = 4 * 720, 6 * 720
    outside = sorted(note for note in played if not start <= note[1] < end)
    for path in (tmp_path / "filled-1.mid", tmp_path / "filled-2.mid"):
        filled = read_music(path)
        assert sorted((n.pitch, n.start, n.end) for n in filled.notes if not start <= n.start < end) == outside


def test_protected_files_and_pipes_in_the_way_are_refused_before_any_work(tiny_model_dir, seed_file, tmp_path,
                                                                          capsys):
    import os
    import stat
    protected = tmp_path / "kept.mid"
    protected.write_bytes(b"MThd the user's own")
    protected.chmod(0o444)
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    for command in (["continue", str(seed_file), "-o", str(protected), "--model", str(tiny_model_dir)],
                    ["fill", str(seed_file), "-o", str(protected), "--from-bar", "1", "--to-bar", "1",
                     "--model", str(tiny_model_dir)],
                    ["render", str(seed_file), "-o", str(fifo)]):
        assert main.main(command) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and ("write-protected" in err or "device or a pipe" in err), err
    assert protected.read_bytes() == b"MThd the user's own" and stat.S_ISFIFO(fifo.stat().st_mode)


def test_render_refuses_a_wav_longer_than_wav_can_hold_before_rendering(tmp_path, capsys):
    long = tmp_path / "long.mid"
    write_midi(Phrase((Note(60, 0, 4), Note(62, 4 * 7 * 3600, 4)), tempo_bpm=60), long)   # 7 hours at 60 bpm
    assert main.main(["render", str(long), "-o", str(tmp_path / "long.wav")]) == 2
    err = capsys.readouterr().err
    assert "longer than a WAV file can hold" in err and "FLAC" in err and not (tmp_path / "long.wav").exists()


def test_chords_prints_a_chart_one_bar_a_line_and_json(capsys):
    """Mozart's K. 545 opens C | G7/D C | F/C C | G7/B C: the Alberti figure's lowest note is the bass."""
    seed = ROOT / "resources" / "seeds" / "mozart-mz_545_1.mid"
    assert main.main(["chords", str(seed)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1:] for line in lines[:4]] == [["C"], ["G7/D", "C"], ["F/C", "C"], ["G7/B", "C"]]
    assert main.main(["chords", str(seed), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found[:3] == [{"start": 0, "end": 4, "chord": "C"}, {"start": 4, "end": 6, "chord": "G7/D"},
                         {"start": 6, "end": 8, "chord": "C"}]
    assert main.main(["chords", str(ROOT / "missing.mid")]) == 2


@pytest.mark.slow
def test_a_model_trained_with_the_command_line_s_defaults_follows_the_density_asked(tmp_path, capsys):
    """``train`` with its defaults (only the network made small) makes a model with controls, and
    ``continue --density`` moves its notes per beat through them: steering is off and there are no
    drafts to choose from, so nothing but the controls the network reads can make the difference."""
    import statistics

    music = tmp_path / "music"
    music.mkdir()
    for i in range(24):                       # a bass note a bar under arpeggios of 2, 1 or 1/2 notes a beat
        root, step = 48 + 2 * (i % 4), (2, 4, 8)[i % 3]
        notes = [Note(root - 12, bar * 16, 16, 70) for bar in range(6)]
        notes += [Note(root + (0, 4, 7, 12)[k % 4], t, step, 90) for k, t in enumerate(range(0, 96, step))]
        write_midi(Phrase(tuple(notes)), music / f"piece{i:02d}.mid")
    model = tmp_path / "model"
    assert main.main(["train", "--data", str(music), "--out", str(model), "--epochs", "8", "--patience", "100",
                      "--embedding-size", "16", "--hidden-size", "64", "--layers", "1", "--window", "32",
                      "--batch-size", "4", "--threads", "1", "--seed", "3"]) == 0
    assert json.loads((model / "model.json").read_text())["training"]["controls"]
    phrase = tmp_path / "phrase.mid"                               # one note a beat over the bass
    write_midi(Phrase(tuple([Note(48 + (0, 4, 7, 12)[k % 4], 4 * k, 4, 90) for k in range(8)]
                            + [Note(36, 0, 16, 70), Note(36, 16, 16, 70)])), phrase)
    per_beat = {}
    for density in ("0.5", "2"):
        out = tmp_path / f"density-{density}.mid"
        assert main.main(["continue", str(phrase), "-o", str(out), "--model", str(model), "--density", density,
                          "--bars", "4", "--variations", "12", "--seed", "0", "--steering", "0"]) == 0
        per_beat[density] = [sum(n.start >= 32 for n in read_music(take, steps_per_quarter=4).notes) / 16
                             for take in sorted(tmp_path.glob(f"density-{density}-*.mid"))]
    capsys.readouterr()
    assert len(per_beat["2"]) == len(per_beat["0.5"]) == 12
    # measured: 1.90 notes a beat asked for twice the phrase's, 0.94 for half (12 takes each)
    assert statistics.mean(per_beat["2"]) > 1.5 * statistics.mean(per_beat["0.5"]), per_beat


def test_chords_suggest_prints_a_chart_continue_takes(capsys):
    seed = ROOT / "resources" / "seeds" / "mozart-mz_545_1.mid"
    assert main.main(["chords", str(seed), "--suggest", "4", "--seed", "2"]) == 0
    chart = capsys.readouterr().out.strip()
    from engine.writing.chord_following import parse_chord_bars
    bars = parse_chord_bars(chart)
    assert len(bars) == 4 and all(1 <= len(b) <= 2 for b in bars) and [c.name() for c in bars[-1]] == ["C"]
    assert main.main(["chords", str(seed), "--suggest", "0"]) == 2
    assert "--suggest takes 1 to 256 bars, not 0" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["continue", "--bars", "1"], ["fill", "--from-bar", "1", "--to-bar", "1"]])
def test_continue_and_fill_write_on_one_torch_thread(tiny_model_dir, seed_file, tmp_path, command):
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        assert main.main([command[0], str(seed_file), "-o", str(tmp_path / "o.mid"), *command[1:],
                          "--model", str(tiny_model_dir)]) == 0
        assert torch.get_num_threads() == 1           # as the window: threads waiting on each other cost more
    finally:
        torch.set_num_threads(before)


def test_a_continue_process_loads_nothing_a_midi_take_does_not_need_and_leaves_torch_to_the_system(
        tiny_model_dir, seed_file, tmp_path):
    """A whole ``continue`` process (benchmarks/startup.py --cli): no score library, plotting, Qt or
    torch compiler for MIDI in and out; torch and the model frozen for the collector once loaded
    (each full collection walks torch's objects) and at exit, but only in a process that is the
    command: a test calling ``main.main`` keeps its collector as it was."""
    heavy = ["music21", "matplotlib", "PySide6", "gui", "torch._dynamo", "engine.files.score_writer", "numpy.ma"]
    command = ["continue", str(seed_file), "--bars", "1", "--variations", "2", "--model", str(tiny_model_dir)]
    code = ("import gc, json, sys, main; import engine.writing.continuation as c; real = c.continue_phrase\n"
            "frozen = []\n"
            "def spy(*a, **k): frozen.append(gc.get_freeze_count()); return real(*a, **k)\n"
            "c.continue_phrase = spy\n"
            f"assert main.main({command + ['-o', str(tmp_path / 'called.mid')]!r}) == 0\n"
            f"sys.argv = ['segue', *{command + ['-o', str(tmp_path / 'process.mid')]!r}]\n"
            "assert main.main() == 0\n"
            f"print(json.dumps([frozen, gc.get_freeze_count(), [m for m in {heavy!r} if m in sys.modules]]))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    (called, process), at_exit, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == []
    assert called == 0                          # main.main(argv), as tests call it: the collector untouched
    assert process > 0 and at_exit > 0          # its own process: frozen before the takes are written, and at exit
