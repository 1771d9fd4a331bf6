"""What ``gridplan --version`` and ``--help`` say, checked against the code they describe
(run as a user would, a subprocess; a wide terminal so no phrase is wrapped in two)."""
from __future__ import annotations

import functools
import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run(*args):
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}
    return subprocess.run([sys.executable, "-m", "gridplan", *map(str, args)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


@functools.cache
def help_text(command: str) -> str:
    """``gridplan COMMAND --help`` with the panel borders dropped and whitespace collapsed."""
    r = run(command, "--help")
    assert r.returncode == 0, r.stderr
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", r.stdout).split())


def test_version_prints_the_installed_version():
    r = run("--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"gridplan {importlib.metadata.version('gridplan')}\n"
    assert r.stderr == ""


def test_version_is_eager_and_listed():
    r = run("--version", "solve")   # no case given: --version still wins
    assert r.returncode == 0 and r.stdout.startswith("gridplan "), r.stderr
    top = run("--help")
    assert top.returncode == 0 and "--version" in top.stdout


def test_solve_help_states_the_exit_codes():
    from gridplan.cli.common import EXIT_INPUT, EXIT_SOLVER, EXIT_TARGETS
    text = help_text("solve")
    for phrase in ("Exit codes: 0 optimal", f"{EXIT_INPUT} bad input or option", f"{EXIT_SOLVER} solver failure",
                   f"{EXIT_TARGETS} hard targets cannot be met", "130 interrupted"):
        assert phrase in text, phrase


def test_solve_help_states_the_default_time_setting():
    from gridplan.case.schema import TimeSpec
    assert TimeSpec().resolution == 1 and TimeSpec().typical_days is None   # what "hourly unless set" says
    text = help_text("solve")
    assert "the case's own time settings (time.resolution, hourly unless set;" in text
    assert "time.typical_days, none unless set" in text
    assert "compare and sweep default to 3 h instead" in text


@pytest.mark.parametrize("command", ["compare", "sweep"])
def test_batch_help_states_the_exit_codes_and_the_3h_default(command):
    from gridplan.batch.settings import BATCH_DEFAULT, DEFAULT_RESOLUTION, time_policy
    from gridplan.cli.common import EXIT_INPUT, EXIT_SOME_FAILED
    # the default the help states is the code's: nothing said → 3 h; typical days → the cases' own hours
    assert DEFAULT_RESOLUTION == 3 and time_policy(BATCH_DEFAULT, None) == (3, None)
    assert time_policy(BATCH_DEFAULT, 4) == (None, 4) and time_policy(None, None) == (None, None)
    text = help_text(command)
    assert "3 h snapshots unless --resolution or --typical-days is given" in text
    assert "--resolution case:" in text and "(default 3h; with --typical-days," in text
    for phrase in ("Exit codes: 0 every run optimal", f"{EXIT_SOME_FAILED} some runs failed",
                   f"{EXIT_INPUT} bad input or option", "130 interrupted"):
        assert phrase in text, phrase


@pytest.mark.parametrize("command", ["solve", "validate", "compare", "sweep", "schema", "targets"])
def test_flags_read_as_flags(command):
    """A flag takes no value, so its help shows no ``<bool>``; options with a value keep their type."""
    text = help_text(command)
    assert "<bool>" not in text
    assert "--help Show this message and exit." in text
    if command in ("solve", "compare", "sweep"):
        assert "--elastic Price target shortfalls" in text
        assert re.search(r"--out -o <path>", text), text


def test_every_bool_option_is_a_flag():
    """Every ``bool`` parameter of a command function is parsed as a flag (no value)."""
    import inspect
    import typing

    import typer.main

    import gridplan.cli
    group = typer.main.get_command(gridplan.cli.app)
    seen = 0
    for name, cmd in group.commands.items():
        hints = typing.get_type_hints(inspect.unwrap(cmd.callback))
        for p in cmd.params:
            if hints.get(p.name) is bool:
                assert p.is_flag, f"{name} {p.opts}"
                seen += 1
    assert seen >= 10


def test_a_flag_given_a_value_is_refused_as_before():
    r = run("solve", REPO / "cases" / "chengdu_2030.yaml", "--elastic", "true")
    assert r.returncode == 2
    assert "unexpected extra argument" in r.stderr.lower() and "true" in r.stderr


def test_bracketed_help_is_not_eaten_as_markup():
    text = help_text("solve")
    assert "needs gridplan[interop]" in text
    assert "gen_p[cd_solar,17]" in text
