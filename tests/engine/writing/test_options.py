"""Continue's and Fill's settings, written once: the checks, the command line and the panel read them."""

import argparse
import math
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from engine.writing.options import DENSITY, ContinueOptions, FillOptions, command_options, from_arguments

ROOT = Path(__file__).resolve().parents[3]


def test_every_range_in_the_fields_is_what_check_allows():
    for options in (ContinueOptions, FillOptions):
        for f in fields(options):
            meta = f.metadata
            low, high = meta["low"], meta["high"]
            if low is None:
                continue
            options(**{f.name: high}).check()
            options(**{f.name: low}).check()
            step = 1 if isinstance(f.default, int) else 0.01
            for bad in (low - step, high + step):
                with pytest.raises(ValueError, match=f"{meta['label'] or f.name} must be between"):
                    options(**{f.name: bad}).check()
    assert (ContinueOptions(density=DENSITY[0]).density, DENSITY) == (0.25, (0.25, 4.0))
    with pytest.raises(ValueError, match=r"top-p must be above 0 and at most 1, not nan"):
        ContinueOptions(top_p=math.nan).check()
    with pytest.raises(ValueError, match="texture must be one of follow, single notes, chords, free, not 'loud'"):
        ContinueOptions(texture="loud").check()
    with pytest.raises(ValueError, match="is not a key"):
        ContinueOptions(key="H major").check()


def parser_for(options):
    parser = argparse.ArgumentParser()
    for flag, keywords in command_options(options):
        parser.add_argument(flag, **keywords)
    parser.add_argument("--seed", type=int)
    return parser


def test_the_command_line_flags_are_the_fields_with_their_defaults():
    flags = {flag for flag, _ in command_options(ContinueOptions)}
    assert {"--bars", "--density", "--texture", "--key", "--ending", "--candidates", "--steering"} <= flags
    assert "--choose" not in flags                                   # no help: not offered
    fill = {flag for flag, _ in command_options(FillOptions)}
    assert "--listen" in fill and not {"--bars", "--ending", "--accompaniment"} & fill
    kept = from_arguments(ContinueOptions, parser_for(ContinueOptions).parse_args(["--accompaniment", "carry"]))
    assert kept.accompaniment == "carry"
    assert from_arguments(ContinueOptions, parser_for(ContinueOptions).parse_args([])) == ContinueOptions()
    assert from_arguments(FillOptions, parser_for(FillOptions).parse_args([])) == FillOptions()
    asked = from_arguments(FillOptions, parser_for(FillOptions).parse_args(["--listen", "3", "--density", "2",
                                                                            "--seed", "5"]))
    assert (asked.bars_after, asked.density, asked.seed, asked.candidates) == (3, 2.0, 5, 32)
    steering = dict(command_options(ContinueOptions))["--steering"]
    assert steering["default"] == ContinueOptions().steering and "(default: 1, loosely)" in steering["help"]
    fill_steering = dict(command_options(FillOptions))["--steering"]                 # Fill steers more firmly
    assert fill_steering["default"] == FillOptions().steering == 2.0
    assert "(default: 2, closely)" in fill_steering["help"]


def test_the_settings_load_without_torch_or_numpy():
    code = ("import sys, engine.writing.options, main; main.command_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'numpy')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
