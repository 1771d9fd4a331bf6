"""Python logging, the solve's progress hook and the iteration counts (issue #19).

* the library's INFO lines (``gridplan.case.load``, ``.case.prepare``, ``.model.build``,
  ``gridplan.solve``) carry the figures of the Results they describe; the dual-simplex fallback
  is a WARNING; HiGHS' own lines are DEBUG on ``gridplan.solve.highs``;
* ``SolveOptions(progress=...)`` receives HiGHS' log lines as they are written, the same lines
  HiGHS writes to its log file, with or without that file, and for HiPO (which writes its
  iteration lines only where it prints them) with nothing reaching standard output;
* gridplan.solve.SolverLine condenses them, for the CLI's progress line (gridplan/cli/progress.py)
  or any caller; off a terminal the CLI prints a line every HEARTBEAT_S seconds and nothing for a
  shorter solve;
* ``facts`` count IPM, crossover and simplex iterations apart.

What listening costs is measured, not tested (timings on a shared machine are noise): see the
docstring of gridplan.solve.HighsLog.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

import gridplan
from gridplan.cli import progress as cli_progress
from gridplan.solve import IPM_ROW, SIMPLEX_ROW, SolveOptions, SolverLine, hipo_available
from test_solver_options import IMPRECISE_IPX, _solar_battery

REPO = Path(__file__).resolve().parents[1]
GUANGYUAN = REPO / "cases" / "guangyuan_2030.yaml"


def _messages(caplog, logger: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger]


def test_info_lines_carry_the_figures_of_the_results(caplog):
    caplog.set_level(logging.INFO, logger="gridplan")
    res = gridplan.solve(GUANGYUAN, typical_days=2)
    case, lp = res.case, res.ctx.lp
    (loaded,) = _messages(caplog, "gridplan.case.load")
    assert loaded.startswith(f"loaded {case.name} ") and (f"{len(case.buses)} buses, {len(case.generators)} "
                                                          f"generators, {len(case.targets)} targets") in loaded
    (prepared,) = _messages(caplog, "gridplan.case.prepare")
    assert f"{res.data.T} snapshots (2 typical days)" in prepared
    (built,) = _messages(caplog, "gridplan.model.build")
    assert f"{lp.n_rows:,} rows × {lp.n_cols:,} cols" in built
    solving, finished = _messages(caplog, "gridplan.solve")
    assert solving == (f"solving with HiGHS {res.facts['solver']}: {res.facts['rows']:,} rows × "
                       f"{res.facts['cols']:,} cols, {res.facts['nonzeros']:,} nonzeros")
    assert res.facts["rows"] == lp.n_rows and res.facts["cols"] == lp.n_cols
    assert finished.startswith(f"finished {case.name}: {res.status}, objective {res.objective:,.0f} CNY in ")
    assert f"{res.facts['ipm_iterations']} IPM, {res.facts['crossover_iterations']} crossover" in finished
    assert not _messages(caplog, "gridplan.solve.highs")        # HiGHS' own lines are DEBUG


def test_fallback_is_a_warning(write_case, caplog):
    case, _ = _solar_battery(write_case)
    res = gridplan.solve(case, options=IMPRECISE_IPX)
    warned = [r for r in caplog.records if r.name == "gridplan.solve" and r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warned] == [
        "HiGHS ipx ended with status 'Unknown'; re-solving with dual simplex (presolve on)"]
    assert res.facts["fallback"].startswith("HiGHS ipx ended with status 'Unknown'; re-solved with dual simplex")


def _rows(lines) -> list[str]:
    return [line.rstrip() for line in lines if IPM_ROW.match(line)]


def test_progress_hook_gets_the_iteration_lines_of_the_log_file(tmp_path):
    lines: list[str] = []
    log_file = tmp_path / "highs.log"
    res = gridplan.solve(GUANGYUAN, typical_days=2, options=SolveOptions(progress=lines.append, log_file=log_file))
    assert res.facts["solver"] == "ipx"                     # an interior point
    written = log_file.read_text().splitlines()
    assert _rows(lines) and _rows(lines) == _rows(written)
    assert set(lines) <= {line.rstrip() for line in written}    # whole lines, as HiGHS wrote them
    assert int(IPM_ROW.match(_rows(lines)[-1]).group(1)) == res.facts["ipm_iterations"]


def test_progress_hook_works_with_the_log_off_and_debug_logging(caplog):
    caplog.set_level(logging.DEBUG, logger="gridplan.solve.highs")
    lines: list[str] = []
    res = gridplan.solve(GUANGYUAN, typical_days=2, options=SolveOptions(progress=lines.append))
    assert int(IPM_ROW.match(_rows(lines)[-1]).group(1)) == res.facts["ipm_iterations"] > 0
    assert _messages(caplog, "gridplan.solve.highs") == lines


@pytest.mark.skipif(not hipo_available(), reason="this HiGHS has no HiPO")
def test_hipo_lines_reach_the_hook_and_the_log_file_but_not_stdout(tmp_path, capfd):
    lines: list[str] = []
    log_file = tmp_path / "highs.log"
    res = gridplan.solve(GUANGYUAN, typical_days=2,
                         options=SolveOptions(method="hipo", progress=lines.append, log_file=log_file,
                                              capture_console=True))
    assert res.facts["solver"] == "hipo" and res.status == "Optimal"
    assert "Running HiPO" in lines
    hipo_rows = _rows(lines[:next(i for i, line in enumerate(lines) if "crossover" in line)])
    assert len(hipo_rows) >= res.facts["ipm_iterations"] > 0
    assert _rows(lines) == _rows(log_file.read_text().splitlines())
    assert capfd.readouterr().out == ""


def test_a_failing_hook_is_raised_after_the_solve():
    def hook(line):
        raise ValueError("hook failed")
    with pytest.raises(ValueError, match="hook failed"):
        gridplan.solve(GUANGYUAN, typical_days=2, options=SolveOptions(progress=hook))


def test_solver_line_condenses_iteration_rows():
    line = SolverLine()
    for text in ("Presolving model", "IPX model has 6995 rows, 1294 columns and 24503 nonzeros",
                 "  23*  -4.21266210e+07  -4.21266214e+07   1.23e-03   4.26e-15  7.92e-09      96.8"):
        line(text)
    assert line.text == "IPX iteration 23, primal infeasibility 1.2e-03, gap 7.9e-09"
    line("9700 rows, 4140 cols, 26908 nonzeros 0s")          # a presolve line changes nothing
    line("Running crossover as requested")
    assert line.text == "crossover"
    line = SolverLine()
    line("Using dual simplex solver")
    line("        862     2.1080339537e+06 Pr: 0(0) 0.3s")
    assert line.text == "dual simplex iteration 862, objective 2.10803e+06, 0 primal infeasibilities"
    assert SIMPLEX_ROW.match("          0    -2.92e+01 Ph1: 5831(1.32997e+07); Du: 48(29.2187) 0.1s")


def _solve_piped(capsys):
    """The CLI's solve of guangyuan at 2 typical days with stderr captured (not a terminal)."""
    res = cli_progress.solve_with_progress(GUANGYUAN, SolveOptions(), resolution=None, typical_days=2,
                                           elastic=False, quiet=False)
    return res, capsys.readouterr().err


def test_piped_cli_prints_no_progress_for_a_short_solve(capsys):
    res, err = _solve_piped(capsys)
    assert res.status == "Optimal" and res.facts["solve_s"] < cli_progress.HEARTBEAT_S
    assert err == ""


def test_piped_cli_prints_a_progress_line_each_heartbeat(capsys, monkeypatch):
    monkeypatch.setattr(cli_progress, "HEARTBEAT_S", 0.05)
    _, err = _solve_piped(capsys)
    beats = err.splitlines()
    assert beats and all(re.fullmatch(r"(loading|building the model|solving)(: .+)?, \d+ s", b) for b in beats)
    assert any(re.match(r"solving: (presolve|IPX|crossover|postsolve)", b) for b in beats)   # what HiGHS is at


def test_iterations_are_counted_by_kind():
    ipm = gridplan.solve(GUANGYUAN, typical_days=2)
    assert ipm.facts["ipm_iterations"] > 0 and ipm.facts["crossover_iterations"] > 0
    assert ipm.facts["simplex_iterations"] == 0 and "iterations" not in ipm.facts
    simplex = gridplan.solve(GUANGYUAN, typical_days=2, method="simplex")
    assert simplex.facts["simplex_iterations"] > 0 and simplex.facts["ipm_iterations"] == 0
    summary = ipm.summary()
    assert {"ipm_iterations", "crossover_iterations", "simplex_iterations"} <= summary.keys()
    assert "iterations" not in summary
