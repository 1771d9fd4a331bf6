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

import importlib
from pathlib import Path

import numpy as np
import pytest
from pytest import approx

import gridplan
from gridplan.model.build import build_context
from gridplan.model.compile import compile_lp
from gridplan.errors import GridplanError
from gridplan.solve import HIPO_MIN_ROWS, SolveOptions, highs_settings, hipo_available, make_highs

from conftest import two_buses

COAL, GAS = 25 * 3.6 / 0.4, 50 * 3.6 / 0.5


solve_mod = importlib.import_module("gridplan.solve")   # the package's `solve` is the function
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
