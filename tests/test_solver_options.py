"""gridplan's choice of HiGHS options (gridplan/solve.py: highs_settings, make_highs).

The interior point is HiPO for large chronological LPs and IPX for small ones and for
typical days (benchmarks/README.md "HiPO"); IPX is handed the dual LP on a network (measured faster there, slower on
single-bus cases: benchmarks/README.md "Dualizing"). The two-bus case
below has hand-derived prices (as in test_engine.test_two_buses_binding_line_prices):
coal at A (25 CNY/GJ × 3.6 / 0.4 = 225 CNY/MWh) serves A's 20 MW and exports the line's
50 MW; gas at B (50 × 3.6 / 0.5 = 360 CNY/MWh) covers B's other 50 MW; so
LMP_A = 225, LMP_B = 360 and cost = 24 × (70 × 225 + 50 × 360).
IPX dualized or not, or HiPO, the answer must be those numbers.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pytest import approx

import gridplan
from gridplan.model.build import build_context
from gridplan.model.compile import compile_lp
from gridplan.errors import GridplanError
from gridplan.solve import HIPO_MIN_ROWS, SolveOptions, highs_settings, hipo_available, make_highs
import gridplan.solve as solve_mod   # the module (also gridplan.solve: it is callable)

from conftest import prof, two_buses

COAL, GAS = 25 * 3.6 / 0.4, 50 * 3.6 / 0.5


SMALL, LARGE, LARGE_1BUS = 1_000, HIPO_MIN_ROWS["network"], HIPO_MIN_ROWS["single bus"]


def test_dualize_rule():
    ipm, simplex = SolveOptions(), SolveOptions(method="simplex")
    assert highs_settings(ipm, network=True, rows=SMALL)["ipx_dualize_strategy"] == 1
    assert "ipx_dualize_strategy" not in highs_settings(ipm, network=False, rows=SMALL)   # HiGHS' own rule
    assert "ipx_dualize_strategy" not in highs_settings(simplex, network=True, rows=SMALL)  # IPX not used
    assert highs_settings(SolveOptions(dualize="on"), network=False, rows=SMALL)["ipx_dualize_strategy"] == 1
    assert highs_settings(SolveOptions(dualize="off"), network=True, rows=SMALL)["ipx_dualize_strategy"] == -1
    # a HiGHS option given by name wins over gridplan's choice
    extra = SolveOptions(extra={"ipx_dualize_strategy": 2})
    assert highs_settings(extra, network=True, rows=SMALL)["ipx_dualize_strategy"] == 2
    with pytest.raises(ValueError, match="dualize"):
        highs_settings(SolveOptions(dualize="yes"), network=True, rows=SMALL)


def test_interior_point_rule(monkeypatch):
    ipm = SolveOptions()
    assert highs_settings(ipm, network=True, rows=LARGE - 1)["solver"] == "ipx"
    assert highs_settings(SolveOptions(method="ipx"), network=True, rows=LARGE)["solver"] == "ipx"
    assert highs_settings(SolveOptions(method="simplex"), network=True, rows=LARGE)["solver"] == "simplex"
    monkeypatch.setattr(solve_mod, "hipo_available", lambda: True)
    big = highs_settings(ipm, network=True, rows=LARGE)
    assert big["solver"] == "hipo"
    assert "ipx_dualize_strategy" not in big    # IPX only runs HiPO's crossover, on the primal
    assert highs_settings(ipm, network=False, rows=LARGE_1BUS)["solver"] == "hipo"
    assert highs_settings(ipm, network=False, rows=LARGE_1BUS - 1)["solver"] == "ipx"
    assert highs_settings(ipm, network=True, rows=LARGE_1BUS)["solver"] == "ipx"
    # typical days: IPX at any size (measured faster on the inter-period structure)
    assert highs_settings(ipm, network=False, rows=10 * LARGE, clustered=True)["solver"] == "ipx"
    assert highs_settings(SolveOptions(method="hipo"), network=False, rows=SMALL, clustered=True)["solver"] == "hipo"
    monkeypatch.setattr(solve_mod, "hipo_available", lambda: False)
    with pytest.warns(UserWarning, match="highspy-extras"):      # no extras: IPX, dualized, said
        fallback = highs_settings(ipm, network=True, rows=LARGE)
    assert fallback["solver"] == "ipx" and fallback["ipx_dualize_strategy"] == 1
    with pytest.raises(GridplanError, match="highspy-extras"):
        highs_settings(SolveOptions(method="hipo"), network=True, rows=SMALL)


@pytest.mark.skipif(not hipo_available(), reason="this HiGHS has no HiPO (highspy-extras not installed)")
def test_hipo_same_prices_and_cost(write_case):
    path = write_case(two_buses(), {"load": [1.0] * 24})
    res = gridplan.solve(gridplan.load_case(path), options=SolveOptions(method="hipo"))
    assert res.prices["A"].to_numpy() == approx(np.full(24, COAL))
    assert res.prices["B"].to_numpy() == approx(np.full(24, GAS))
    assert res.value("line_flow")[0] == approx(np.full(24, 50.0))
    assert res.objective == approx(24 * (70 * COAL + 50 * GAS))
    assert res.facts["solver"] == "hipo"


def test_network_model_is_handed_over_dualized(write_case):
    path = write_case(two_buses(), {"load": [1.0] * 24})
    h = make_highs(compile_lp(build_context(gridplan.load_case(path))), SolveOptions())
    value = h.getOptionValue("ipx_dualize_strategy")
    assert (value[1] if isinstance(value, tuple) else value) == 1


@pytest.mark.parametrize("dualize", ["on", "off"])
def test_dualized_or_not_same_prices_and_cost(write_case, dualize):
    path = write_case(two_buses(), {"load": [1.0] * 24})
    res = gridplan.solve(gridplan.load_case(path), options=SolveOptions(dualize=dualize))
    assert res.prices["A"].to_numpy() == approx(np.full(24, COAL))
    assert res.prices["B"].to_numpy() == approx(np.full(24, GAS))
    assert res.value("line_flow")[0] == approx(np.full(24, 50.0))
    assert res.objective == approx(24 * (70 * COAL + 50 * GAS))


@pytest.mark.slow   # 8-10 s alone on 2 cores (two solves of panzhihua at 6 h)
@pytest.mark.skipif(not hipo_available(), reason="this HiGHS has no HiPO (highspy-extras not installed)")
def test_default_interior_point_on_a_shipped_city():
    """panzhihua_2030 at 6 h (~30,700 rows, one bus): the default picks HiPO; IPX, an
    independent algorithm on the same LP, must reach the same optimum."""
    case = gridplan.load_case(Path(__file__).resolve().parents[1] / "cases" / "panzhihua_2030.yaml")
    hipo = gridplan.solve(case, resolution=6)
    ipx = gridplan.solve(case, resolution=6, options=SolveOptions(method="ipx"))
    assert hipo.facts["rows"] >= HIPO_MIN_ROWS["single bus"]
    assert (hipo.facts["solver"], ipx.facts["solver"]) == ("hipo", "ipx")
    assert hipo.objective == approx(ipx.objective, rel=1e-8)   # capacities may differ among optima


def test_unknown_method_is_refused_not_left_to_highs():
    # HiGHS would reject the option value and quietly keep its own default solver
    with pytest.raises(ValueError, match="method: got 'fast'; expected ipm, hipo, ipx, simplex or choose"):
        SolveOptions(method="fast")


# --------------------------------------------------------------------------- gridplan.solve, the callable module


def test_solve_module_is_callable_and_one_object(write_case):
    """``gridplan.solve`` is the module (SolveOptions, highs_settings...) and calls its solve
    function; the two-bus cost is the hand value of the module docstring."""
    import sys

    import gridplan.solve as imported
    assert gridplan.solve is sys.modules["gridplan.solve"] is imported is solve_mod
    assert gridplan.solve.SolveOptions is SolveOptions is gridplan.SolveOptions
    path = write_case(two_buses(), {"load": [1.0] * 24})
    assert gridplan.solve(path).objective == approx(24 * (70 * COAL + 50 * GAS))
    assert gridplan.solve.solve(path).objective == approx(24 * (70 * COAL + 50 * GAS))


# --------------------------------------------------------------------------- statuses and the fallback


def test_every_highs_status_has_a_kind():
    """Each status this highspy can return is classified; only the numerical failures are
    re-run (infeasible, unbounded and the limits a user set are answers, not failures)."""
    import highspy
    h = highspy.Highs()
    names = {h.modelStatusToString(s) for s in highspy.HighsModelStatus.__members__.values()}
    assert names <= set(solve_mod.STATUS_KINDS)
    errors = {n for n in names if solve_mod.status_kind(n) == "error"}
    assert errors == {"Not Set", "Presolve error", "Solve error", "Postsolve error", "Unknown"}
    for n in ("Infeasible", "Primal infeasible or unbounded", "Unbounded", "Time limit reached",
              "Iteration limit reached"):
        assert solve_mod.status_kind(n) != "error", n


SUN = [0.0] * 6 + [1.0] * 12 + [0.0] * 6
CRF10 = 0.06 / (1 - 1.06 ** -10)


def _solar_battery(write_case):
    """The case of test_engine.test_solar_battery_sizes_follow_the_profile (derivation there):
    flat 100 MW, solar 06-18 h, a battery; E = 1200 / 0.9 MWh, P = 1200 / 0.81 / 12 MW,
    S = 100 + P MW, cost = S·A_solar + P·A_bat_MW + E·A_bat_MWh with
    A = capex × 1000 × crf(6 %, 10 y) for 500, 100 CNY/kW and 200 CNY/kWh."""
    case = {"time": {"hours": 24}, "options": {"voll_cny_per_mwh": 1e6},
            "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 100}}],
            "generators": [{"name": "pv", "bus": "A", "technology": "solar", "max_mw": 10_000,
                            "availability": prof("sun")}],
            "storage": [{"name": "bat", "bus": "A", "technology": "battery", "max_mw": 10_000}]}
    E, P = 1200 / 0.9, 1200 / 0.81 / 12
    cost = ((100 + P) * 500 + P * 100 + E * 200) * 1000 * CRF10
    return gridplan.load_case(write_case(case, {"load": [1.0] * 24, "sun": SUN})), cost


# IPX stopped at a loose tolerance without crossover: HiGHS cannot certify the point and says
# 'Unknown' (found by trying options on small cases, highspy 1.15); dual simplex ignores both.
IMPRECISE_IPX = SolveOptions(method="ipx", extra={"ipm_optimality_tolerance": 0.1, "run_crossover": "off"})


def test_error_status_falls_back_to_dual_simplex(write_case):
    """HiGHS really ends IPX with 'Unknown' here; gridplan re-solves with dual simplex, says so,
    and reaches the hand-derived optimum."""
    case, cost = _solar_battery(write_case)
    h = make_highs(compile_lp(build_context(case)), IMPRECISE_IPX)
    h.run()
    assert h.modelStatusToString(h.getModelStatus()) == "Unknown"      # the trigger is real
    h = make_highs(compile_lp(build_context(case)), IMPRECISE_IPX)
    status, solver, fallback = solve_mod.run_highs(h)
    assert (status, solver) == ("Optimal", "simplex") and "'Unknown'" in fallback
    assert h.getOptionValue("solver")[1] == "ipx"           # its own options back, for a Resolver
    res = gridplan.solve(case, options=IMPRECISE_IPX)
    assert res.facts["solver"] == "simplex" and "dual simplex" in res.facts["fallback"]
    assert res.objective == approx(cost, rel=1e-6)


def test_limits_do_not_fall_back(write_case):
    """An interior point stopped by its iteration limit is the limit the user set: no re-run."""
    case, _ = _solar_battery(write_case)
    res = gridplan.solve(case, options=SolveOptions(method="ipx", extra={"ipm_iteration_limit": 0}),
                         raise_on_failure=False)
    assert res.status == "Iteration limit reached" and "fallback" not in res.facts
    with pytest.raises(gridplan.SolveError, match="Iteration limit reached") as info:
        gridplan.solve(case, options=SolveOptions(method="ipx", extra={"ipm_iteration_limit": 0}))
    assert not isinstance(info.value, gridplan.NumericalFailure)


def test_error_twice_is_a_numerical_failure(write_case):
    """Costs scaled by 2^100 overflow HiGHS' infinite cost: 'Not Set' from every algorithm,
    also after the fallback; the error says it is numerical, not infeasibility."""
    case, _ = _solar_battery(write_case)
    with pytest.raises(gridplan.NumericalFailure, match="numerical failure, not infeasibility") as info:
        gridplan.solve(case, options=SolveOptions(extra={"user_objective_scale": 100}))
    assert info.value.status == "Not Set" and "dual simplex" in str(info.value)
