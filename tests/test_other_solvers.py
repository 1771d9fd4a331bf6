"""Other solvers (issue #20, item 4): the LP as an MPS/LP file and a solver route through Pyomo.

Every check compares against an independent route: the MPS (or LP) file read back by a fresh
``highspy.Highs().readModel`` and solved there; the Pyomo route (``pyomo:highs``, the
pyomo.contrib.solver interface, and ``pyomo:appsi_highs``) against the default highspy route.
gas_only (tests/broken/result_sets/) solves by hand to 100 MW of gas: 100·A_gas + 2400 MWh × 360
CNY. guangyuan_2030 at 2 typical days has binding capacity targets (the seasonal-hydro and the
demand-response rows), whose duals the routes must agree on.
"""
from __future__ import annotations

from pathlib import Path

import highspy
import pyomo.environ as pyo
import pytest
from typer.testing import CliRunner

import gridplan
from gridplan.cli import app
from gridplan.errors import GridplanError
from gridplan.solve import OptionError, SolveOptions, write_lp

REPO = Path(__file__).resolve().parents[1]
GAS = REPO / "tests" / "broken" / "result_sets" / "gas_only.yaml"
GUANGYUAN = REPO / "cases" / "guangyuan_2030.yaml"
GAS_ONLY = 100 * 1e6 * 0.06 / (1 - 1.06 ** -10) + 2400 * 360.0      # CNY, by hand
PYOMO_SOLVERS = ["pyomo:highs", "pyomo:appsi_highs"]


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def fresh_objective(path: Path) -> float:
    """Read a model file into a new HiGHS and solve it: the model's own objective (model money)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
    return h.getInfo().objective_function_value


@pytest.fixture(scope="module")
def guangyuan():
    return gridplan.solve(GUANGYUAN, typical_days=2)


# --------------------------------------------------------------------------- MPS / LP files


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_the_file_read_back_by_a_fresh_highs_solves_to_the_hand_optimum(tmp_path, suffix):
    path = write_lp(GAS, tmp_path / f"model{suffix}")
    # the model counts kCNY (1e-3 per CNY): the file's objective is the hand optimum / 1000
    assert fresh_objective(path) * 1e3 == pytest.approx(GAS_ONLY, rel=1e-9)
    text = path.read_text()
    assert ("gen_build[town_gas]" if suffix == ".mps" else "gen_build(town_gas)") in text
    assert not list(tmp_path.glob(".*tmp*"))          # written atomically


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_a_shipped_case_file_gives_the_objective_of_the_default_route(tmp_path, guangyuan, suffix):
    path = write_lp(GUANGYUAN, tmp_path / f"gy{suffix}", typical_days=2)
    assert fresh_objective(path) == pytest.approx(guangyuan.facts["objective"], rel=1e-7)


def test_names_are_optional_and_the_model_is_the_same(tmp_path, guangyuan):
    path = write_lp(GUANGYUAN, tmp_path / "plain.mps", typical_days=2, names=False)
    assert "gen_p[" not in path.read_text()
    assert fresh_objective(path) == pytest.approx(guangyuan.facts["objective"], rel=1e-7)


def test_solve_writes_the_lp_it_solves(tmp_path):
    path = tmp_path / "sub" / "gas.mps"
    res = gridplan.solve(GAS, write_lp=path)
    assert res.objective == pytest.approx(GAS_ONLY, rel=1e-9)
    assert fresh_objective(path) == pytest.approx(res.facts["objective"], rel=1e-9)
    assert res.facts["lp_file"] == str(path)


def test_a_user_constraint_is_in_the_file(tmp_path):
    m = gridplan.build_model(gridplan.load_case(GAS))
    m.more_gas = pyo.Constraint(expr=m.gen_build["town_gas"] >= 150)
    path = write_lp(m, tmp_path / "user.mps")
    assert "more_gas" in path.read_text()
    # 150 MW built: 50 MW more annuity than the hand optimum, the same fuel
    assert fresh_objective(path) * 1e3 == pytest.approx(GAS_ONLY + 50 * 1e6 * 0.06 / (1 - 1.06 ** -10), rel=1e-9)


def test_names_that_an_lp_file_makes_equal_stay_apart(tmp_path):
    """Two generators whose names differ only by ``-`` and ``_`` both write ``gen_build(g_1)`` in
    an LP file (its names take letters, digits, ``_`` and ``.``); HiGHS would then drop every
    name of the model. The second gets ``_2`` and every name is kept."""
    case = gridplan.load_case(GAS)
    gas = case.generators[0]
    twins = [gas.model_copy(update={"name": "g-1"}), gas.model_copy(update={"name": "g_1"})]
    case = case.model_copy(update={"generators": twins})
    case._path = gridplan.load_case(GAS)._path
    text = write_lp(case, tmp_path / "twins.lp").read_text()
    assert "gen_build(g_1)" in text and "gen_build(g_1)_2" in text
    assert "c0" not in text.split()


def test_another_suffix_is_one_line(tmp_path):
    with pytest.raises(GridplanError, match=r"got the suffix '\.txt'; expected \.mps"):
        write_lp(GAS, tmp_path / "model.txt")
    r = cli("solve", GAS, "--write-lp", tmp_path / "model.txt")
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--write-lp" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_cli_writes_the_lp_and_solves(tmp_path):
    r = cli("solve", GAS, "--write-lp", tmp_path / "gas.lp", "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert fresh_objective(tmp_path / "gas.lp") * 1e3 == pytest.approx(GAS_ONLY, rel=1e-9)
    assert (tmp_path / "out" / "summary.csv").exists()


# --------------------------------------------------------------------------- the Pyomo route


@pytest.mark.parametrize("solver", PYOMO_SOLVERS)
def test_pyomo_route_reaches_the_hand_optimum(solver):
    res = gridplan.solve(GAS, solver=solver)
    assert res.objective == pytest.approx(GAS_ONLY, rel=1e-9)
    assert res.facts["solver"] == solver and res.facts["termination"] == "optimal"
    assert res.capacities.set_index("name").loc["town_gas", "built"] == pytest.approx(100, rel=1e-7)
    # never below the gas plant's fuel and variable cost, 360 CNY/MWh (the annuity lands on
    # hours of the solver's choosing: demand is flat, so the split is not unique)
    assert res.prices["town"].min() == pytest.approx(360.0, rel=1e-7)


@pytest.mark.parametrize("solver", PYOMO_SOLVERS)
def test_pyomo_route_matches_the_default_on_a_shipped_case(guangyuan, solver):
    res = gridplan.solve(GUANGYUAN, typical_days=2, solver=solver)
    assert res.objective == pytest.approx(guangyuan.objective, rel=1e-7)
    mine, ref = res.targets.set_index("id"), guangyuan.targets.set_index("id")
    binding = ref.index[ref["binding"]]
    assert len(binding) >= 2                       # the seasonal-hydro and demand-response rows
    for tid in binding:
        assert mine.loc[tid, "dual"] == pytest.approx(ref.loc[tid, "dual"], rel=1e-6)
    assert list(res.frames()) == list(guangyuan.frames())
    assert res.summary()["total_cost_cny"] == pytest.approx(guangyuan.summary()["total_cost_cny"], rel=1e-7)


def test_pyomo_route_gives_a_user_constraint_its_dual():
    duals = {}
    for solver in ("highs", "pyomo:appsi_highs"):
        m = gridplan.build_model(gridplan.load_case(GAS))
        m.more_gas = pyo.Constraint(expr=m.gen_build["town_gas"] >= 150)
        m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
        gridplan.solve(m, solver=solver)
        duals[solver] = m.dual[m.more_gas]
        assert m.gen_build["town_gas"].value == pytest.approx(150, rel=1e-9)
    # one more MW of gas costs its annuity less the 0 MW it displaces: A_gas in CNY per MW
    assert duals["highs"] == pytest.approx(1e6 * 0.06 / (1 - 1.06 ** -10), rel=1e-7)
    assert duals["pyomo:appsi_highs"] == pytest.approx(duals["highs"], rel=1e-9)


def test_cli_pyomo_route(tmp_path):
    r = cli("solve", GAS, "--solver", "pyomo:highs", "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    summary = (tmp_path / "out" / "summary.csv").read_text()
    assert "pyomo:highs" in summary
    assert (tmp_path / "out" / "highs.log").stat().st_size > 0     # the solver's log, through Pyomo


@pytest.mark.parametrize("solver, says", [
    ("pyomo:nonesuch", "error: solver 'nonesuch' is not available to Pyomo: Pyomo has no solver interface"),
    ("gurobi", "error: --solver: got 'gurobi'; expected highs or pyomo:<name>"),
    ("pyomo:", "error: --solver: got 'pyomo:'"),
])
def test_unknown_solver_is_one_line_exit_2(solver, says):
    r = cli("solve", GAS, "--solver", solver)
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(says), r.output


def test_a_solver_pyomo_cannot_run_is_one_line():
    if pyo.SolverFactory("gurobi_direct").available(exception_flag=False):
        pytest.skip("Gurobi is installed here")
    with pytest.raises(GridplanError, match=r"^solver 'gurobi_direct' is not available to Pyomo: "):
        gridplan.solve(GAS, solver="pyomo:gurobi_direct")


def test_highs_settings_are_refused_on_a_pyomo_route():
    with pytest.raises(OptionError, match="method: got 'simplex' with solver pyomo:highs"):
        SolveOptions(solver="pyomo:highs", method="simplex")
    with pytest.raises(OptionError, match="threads"):
        SolveOptions(solver="pyomo:highs", threads=2)
    with pytest.raises(OptionError, match="solver: got 'pyomo:highs'; expected highs"):
        gridplan.Resolver(options=SolveOptions(solver="pyomo:highs"))
    r = cli("solve", GAS, "--solver", "pyomo:highs", "--method", "simplex")
    assert r.exit_code == 2 and r.output.strip().startswith("error: --method: ")


def test_an_infeasible_case_on_the_pyomo_route_is_diagnosed_the_same(tmp_path):
    bad = REPO / "tests" / "broken" / "result_sets" / "too_green.yaml"
    with pytest.raises(gridplan.TargetsInfeasible) as mine:
        gridplan.solve(bad, solver="pyomo:appsi_highs", diagnose=True)
    with pytest.raises(gridplan.TargetsInfeasible) as ref:
        gridplan.solve(bad, diagnose=True)
    assert mine.value.results.objective == pytest.approx(ref.value.results.objective, rel=1e-7)
