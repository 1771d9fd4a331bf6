"""Solver and batch options are checked before any work (issue #18): a value HiGHS would refuse
(and then ignore, running without a limit) is one line naming the option, exit 2, in the CLI
and in the Python API; every HiGHS option status is checked; a default time limit applies.

Cases: tests/broken/result_sets/ (gas_only solves; existing_file is a file given as --out).
"""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import gridplan
from gridplan.cli import app
from gridplan.errors import GridplanError
from gridplan.solve import DEFAULT_TIME_LIMIT, OptionError, SolveOptions, highs_settings

BROKEN = Path(__file__).resolve().parent / "broken" / "result_sets"
CASE = BROKEN / "gas_only.yaml"
FILE = BROKEN / "existing_file"

CLI_CASES = [
    (["solve", CASE, "--time-limit", "0"], "--time-limit: got 0.0; expected seconds > 0 (inf for no limit)"),
    (["solve", CASE, "--time-limit", "-5"], "--time-limit: got -5.0; expected seconds > 0 (inf for no limit)"),
    (["solve", CASE, "--threads", "0"], "--threads: got 0; expected a whole number of threads >= 1"),
    (["solve", CASE, "--threads", "-3"], "--threads: got -3; expected a whole number of threads >= 1"),
    (["compare", CASE, "--workers", "0"], "--workers: got 0; expected a whole number of parallel runs >= 1"),
    (["compare", CASE, "--workers", "-1"], "--workers: got -1; expected a whole number of parallel runs >= 1"),
    (["compare", CASE, "--time-limit", "-5"], "--time-limit: got -5.0; expected seconds > 0 (inf for no limit)"),
    (["sweep", CASE, "--set", "generators.town_gas.max_mw=500", "--workers", "0"],
     "--workers: got 0; expected a whole number of parallel runs >= 1"),
    (["solve", CASE, "--out", FILE],
     f"{FILE}: --out: got an existing file; expected a folder or a path that does not exist yet"),
    (["compare", CASE, "--out", FILE],
     f"{FILE}: --out: got an existing file; expected a folder or a path that does not exist yet"),
    (["solve", CASE, "--out", FILE / "x" / "out"],
     f"{FILE}/x/out: --out: got a path under the existing file {FILE}; expected a folder or a path that "
     "does not exist yet"),
    (["compare", CASE, "--out", FILE / "x"],
     f"{FILE}/x: --out: got a path under the existing file {FILE}; expected a folder or a path that "
     "does not exist yet"),
]


@pytest.mark.parametrize("args, line", CLI_CASES, ids=lambda v: " ".join(map(str, v[1:])) if isinstance(v, list) else None)
def test_bad_option_is_one_line_exit_2(args, line, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(app, [str(a) for a in args])
    assert r.exit_code == 2, r.output
    assert r.output.strip().splitlines() == [f"error: {line}"]
    assert list(tmp_path.iterdir()) == []          # nothing written, no folder made


def test_bad_options_through_a_real_subprocess(tmp_path):
    p = subprocess.run([sys.executable, "-m", "gridplan", "solve", str(CASE), "--threads", "-3",
                        "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == ["error: --threads: got -3; expected a whole number of threads >= 1"]
    assert not (tmp_path / "out").exists()


def test_failed_load_creates_no_out_folder(tmp_path):
    out = tmp_path / "new" / "out"
    r = CliRunner().invoke(app, ["solve", str(tmp_path / "missing.yaml"), "--out", str(out)])
    assert r.exit_code == 2
    assert list(tmp_path.iterdir()) == []          # neither out nor the parent made for its lock


@pytest.mark.parametrize("kw, line", [
    ({"time_limit": 0}, "time_limit: got 0; expected seconds > 0 (inf for no limit)"),
    ({"time_limit": -5}, "time_limit: got -5; expected seconds > 0 (inf for no limit)"),
    ({"time_limit": float("nan")}, "time_limit: got nan; expected seconds > 0 (inf for no limit)"),
    ({"threads": 0}, "threads: got 0; expected a whole number of threads >= 1"),
    ({"threads": -3}, "threads: got -3; expected a whole number of threads >= 1"),
    ({"threads": 1.5}, "threads: got 1.5; expected a whole number of threads >= 1"),
    ({"threads": True}, "threads: got True; expected a whole number of threads >= 1"),
    ({"primal_tolerance": -1e-7}, "primal_tolerance: got -1e-07; expected a tolerance > 0"),
])
def test_python_api_refuses_bad_options(kw, line):
    with pytest.raises(OptionError) as e:
        SolveOptions(**kw)
    assert str(e.value) == line
    assert isinstance(e.value, GridplanError) and isinstance(e.value, ValueError)


def test_compare_refuses_bad_workers_and_options_before_any_run(tmp_path):
    with pytest.raises(GridplanError) as e:
        gridplan.compare([CASE], workers=0, out=tmp_path / "cmp")
    assert str(e.value) == "workers: got 0; expected a whole number of parallel runs >= 1"
    with pytest.raises(OptionError) as e:
        gridplan.compare([CASE], options={"time_limit": -5}, out=tmp_path / "cmp")
    assert str(e.value) == "time_limit: got -5; expected seconds > 0 (inf for no limit)"
    assert list(tmp_path.iterdir()) == []


def test_a_highs_option_it_refuses_is_an_error_naming_it():
    """HiGHS returns kError for an unknown name or a value out of range and keeps its default;
    gridplan raises instead of solving as if the option had not been given."""
    with pytest.raises(OptionError) as e:
        gridplan.solve(CASE, options=SolveOptions(extra={"no_such_option": 1}))
    assert str(e.value) == ("no_such_option: got 1; expected a value HiGHS accepts for its option "
                            "'no_such_option' (see the HiGHS option list)")
    with pytest.raises(OptionError, match="^ipm_iteration_limit: got -1;"):
        gridplan.solve(CASE, options=SolveOptions(extra={"ipm_iteration_limit": -1}))


def test_default_time_limit_and_lifting_it():
    assert DEFAULT_TIME_LIMIT == 21600.0
    assert highs_settings(SolveOptions(), network=False, rows=10)["time_limit"] == 21600.0
    assert highs_settings(SolveOptions(time_limit=90), network=False, rows=10)["time_limit"] == 90.0
    assert "time_limit" not in highs_settings(SolveOptions(time_limit=math.inf), network=False, rows=10)
    assert "time_limit" not in highs_settings(SolveOptions(time_limit=None), network=False, rows=10)
    res = gridplan.solve(CASE, options=SolveOptions(time_limit=math.inf))
    assert res.objective == pytest.approx(100 * 1e6 * 0.06 / (1 - 1.06 ** -10) + 2400 * 360.0, rel=1e-9)
