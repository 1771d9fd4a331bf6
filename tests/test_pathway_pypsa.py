"""Pathway (issue #16): an independent check of gridplan's perfect-foresight pathway LP against
PyPSA's multi-investment-period optimisation, built here by hand (not through
:mod:`gridplan.interop.to_pypsa`), on a case both tools mean identically.

The case: three buses in a DC triangle (lines of fixed rating, ``power_flow: dc``), three periods
2025, 2030, 2035 of five years each, a "year" of 24 hourly snapshots (weights 1 h) with an evening
peak of demand that grows by period and a solar profile. Gas at A is an existing plant that
retires before 2035 (it is in the 2025 and 2030 cases, not in the 2035 one); gas at B may be built
in every period; solar at A may be built in every period and lives 8 years, so the 2025 vintage is
gone by 2035 while the later ones stand; solar at C is an existing plant; a battery at C (power
and energy, a fixed 4 h duration) lives 10 years, so its 2025 vintage stands in 2030 and not in
2035 (2025 + 10 = 2035: the boundary of ``y_q <= y_p < y_q + life``) and 2035 builds again. Gas
becomes dearer and solar and batteries cheaper from period to period, so every period builds a
vintage of gas and of solar. Costs are scaled to the 24-hour "year" (a few CNY per kW).

How the two tools are made to mean one LP (PyPSA 1.x, ``pypsa/optimization/optimize.py``):

* PyPSA weights each snapshot's marginal cost by ``snapshot_weightings.objective`` ×
  ``investment_period_weightings.objective`` of its period, and an extendable's ``capital_cost``
  (with ``overnight_cost`` unset: used as given, plus ``fom_cost`` = 0 here) by the sum of the
  objective weightings of the periods where it is active (``build_year <= period < build_year +
  lifetime``). gridplan: W_p × Σ_t w_t c x, and a_q × N_q × Σ_{p >= q alive} W_p. Identical when
  the objective weighting is gridplan's W_p = Σ_{k<L_p} (1+r)^-(y_p+k-y_0) and capital_cost is
  a_q = capex_q · crf(r, life_q) + fom_q of the build period's catalogue.
* A gridplan element that may build is one PyPSA generator per build period (``build_year`` =
  the period's year, ``lifetime`` the catalogue's), extendable from 0, plus one non-extendable
  generator for its existing capacity (the retirement: ``build_year``/``lifetime`` so that it is
  active exactly in the periods whose case lists it). All of an element's generators at a period
  get that period's marginal cost (fuel price of the period's fuels table / efficiency + VOM):
  gridplan dispatches one column per element against existing + standing vintages.
* gridplan's fixed O&M of the existing fleet is an objective constant, Σ_p W_p · fom_p · existing_p;
  PyPSA has no such term (non-extendable assets carry no cost), so it is added to ``n.objective``.
* gridplan sizes storage power (MW) and energy (MWh) apart, each its own vintage, tied by
  ``min_duration_h = max_duration_h = 4``; both vintages have one lifetime, so E_q = 4 P_q for every
  vintage and the pair is one PyPSA StorageUnit per build period with ``max_hours = 4`` and
  ``capital_cost = a_mw + 4 a_mwh``; efficiencies sqrt(round trip) each way, no standing loss, the
  state of charge cyclic within each period (``cyclic_state_of_charge_per_period``, as each
  gridplan period is its own cyclic year).
* Shed load (gridplan's VoLL column) is never used at this optimum (asserted), so PyPSA has none.
* Ceilings (``max_mw``) are set far above the optimum so that gridplan's per-period bound on the
  standing total never binds (PyPSA has no such bound).
* PyPSA is run with ``include_objective_constant=False`` (its constant is 0 here anyway: no
  extendable has a p_nom of its own) and with its default snapshot weightings of 1: assigning them
  with ``n.snapshot_weightings.loc[:, :] = 1.0`` on a period MultiIndex made PyPSA 1.4's model
  build fail ("cannot align objects on coordinate 'period'").
"""
from __future__ import annotations

import logging
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

pypsa = pytest.importorskip("pypsa", reason="PyPSA is an optional extra: pip install 'gridplan[interop]'")

import gridplan  # noqa: E402
from conftest import GJ_PER_MWH, crf, prof, write_case_files  # noqa: E402

REL = 1e-6
RATE = 0.06
YEARS = [2025, 2030, 2035]
LENGTH = 5
HOURS = 24

LOAD = np.array([0.55, 0.5, 0.48, 0.47, 0.48, 0.52, 0.6, 0.7, 0.75, 0.78, 0.8, 0.82,
                 0.8, 0.78, 0.77, 0.8, 0.86, 0.93, 1.0, 0.98, 0.92, 0.82, 0.7, 0.6])
SUN = np.array([0, 0, 0, 0, 0, 0.02, 0.12, 0.3, 0.5, 0.68, 0.8, 0.88,
                0.9, 0.85, 0.74, 0.58, 0.38, 0.18, 0.04, 0, 0, 0, 0, 0])

PEAK = {"A": [60.0, 70.0, 80.0], "B": [100.0, 120.0, 140.0], "C": [80.0, 95.0, 110.0]}
GAS_PRICE = [50.0, 60.0, 70.0]                 # CNY/GJ by period
GAS = dict(capex=[6.0, 5.8, 5.6], fom_pct=2.0, vom=5.0, life=25, eff=0.5)   # capex CNY/kW
SOLAR = dict(capex=[4.0, 3.0, 2.2], fom_pct=1.0, vom=0.0, life=8)
BATTERY = dict(capex=[1.2, 0.7, 0.6], capex_kwh=[2.0, 1.0, 0.9], fom_pct=1.5, vom=1.0, life=10, rte=0.81, hours=4.0)
GAS_A_EXISTING = [150.0, 150.0, 0.0]           # retires before 2035
SOLAR_C_EXISTING = 20.0
LINES = {"AB": ("A", "B", 160.0, 1.0), "BC": ("B", "C", 160.0, 1.0), "AC": ("A", "C", 60.0, 2.0)}
BIG = 10_000.0


def catalogue() -> list[dict]:
    rows = []
    for i, y in enumerate(YEARS):
        base = dict(year=y, non_fossil=False, renewable=False, new_energy=False, clean=False,
                    capex_cny_per_kwh=None, roundtrip_efficiency=None, standing_loss_pct_per_h=None,
                    capacity_credit=0.0, min_duration_h=None, max_duration_h=None, flag="E", source="test")
        rows.append({**base, "technology": "gas", "carrier": "gas", "kind": "dispatchable",
                     "capex_cny_per_kw": GAS["capex"][i], "fom_pct_capex_per_yr": GAS["fom_pct"],
                     "vom_cny_per_mwh": GAS["vom"], "lifetime_yr": GAS["life"], "efficiency": GAS["eff"],
                     "fuel": "gas", "capacity_credit": 0.9})
        rows.append({**base, "technology": "solar", "carrier": "solar", "kind": "variable", "non_fossil": True,
                     "renewable": True, "new_energy": True, "clean": True,
                     "capex_cny_per_kw": SOLAR["capex"][i], "fom_pct_capex_per_yr": SOLAR["fom_pct"],
                     "vom_cny_per_mwh": SOLAR["vom"], "lifetime_yr": SOLAR["life"], "efficiency": None,
                     "fuel": None})
        rows.append({**base, "technology": "line", "carrier": "transmission", "kind": "line",
                     "capex_cny_per_kw": 0.0, "fom_pct_capex_per_yr": 0.0, "vom_cny_per_mwh": 0.0,
                     "lifetime_yr": 40, "efficiency": None, "fuel": None, "capacity_credit": None})
        rows.append({**base, "technology": "battery", "carrier": "storage", "kind": "storage",
                     "capex_cny_per_kw": BATTERY["capex"][i], "capex_cny_per_kwh": BATTERY["capex_kwh"][i],
                     "fom_pct_capex_per_yr": BATTERY["fom_pct"], "vom_cny_per_mwh": BATTERY["vom"],
                     "lifetime_yr": BATTERY["life"], "efficiency": None, "roundtrip_efficiency": BATTERY["rte"],
                     "standing_loss_pct_per_h": 0.0, "fuel": None})
    cols = ["technology", "year", "carrier", "kind", "non_fossil", "renewable", "new_energy", "clean",
            "capex_cny_per_kw", "capex_cny_per_kwh", "fom_pct_capex_per_yr", "vom_cny_per_mwh", "lifetime_yr",
            "efficiency", "roundtrip_efficiency", "standing_loss_pct_per_h", "fuel", "capacity_credit",
            "min_duration_h", "max_duration_h", "flag", "source"]
    return [{c: r.get(c) for c in cols} for r in rows]


def fuels() -> list[dict]:
    return [{"fuel": "gas", "year": y, "price_cny_per_gj": GAS_PRICE[i], "co2_t_per_gj": 0.05, "flag": "E",
             "source": "test"} for i, y in enumerate(YEARS)]


def period_case(i: int) -> dict:
    gens = [{"name": "gas_B", "bus": "B", "technology": "gas", "max_mw": BIG},
            {"name": "solar_A", "bus": "A", "technology": "solar", "max_mw": BIG, "availability": prof("sun")},
            {"name": "solar_C", "bus": "C", "technology": "solar", "existing_mw": SOLAR_C_EXISTING,
             "availability": prof("sun")}]
    if GAS_A_EXISTING[i] > 0:
        gens.insert(0, {"name": "gas_A", "bus": "A", "technology": "gas", "existing_mw": GAS_A_EXISTING[i]})
    return {
        "name": f"tri_{YEARS[i]}", "year": YEARS[i], "discount_rate": RATE,
        "time": {"hours": HOURS},
        "options": {"power_flow": "dc"},
        "buses": [{"name": b, "demand": {"profile": prof("load"), "peak_mw": PEAK[b][i]}} for b in PEAK],
        "generators": gens,
        "storage": [{"name": "bat_C", "bus": "C", "technology": "battery", "max_mw": BIG,
                     "min_duration_h": BATTERY["hours"], "max_duration_h": BATTERY["hours"]}],
        "lines": [{"name": n, "bus0": b0, "bus1": b1, "existing_mw": s, "reactance_ohm": x, "technology": "line"}
                  for n, (b0, b1, s, x) in LINES.items()],
    }


def write_pathway(folder: Path) -> Path:
    """The three period cases (sharing profiles, catalogue and fuels) and the pathway file."""
    for i, y in enumerate(YEARS):
        write_case_files(folder, period_case(i), {"load": LOAD, "sun": SUN}, file=f"tri_{y}.yaml",
                         catalogue=catalogue(), fuels=fuels())
    path = folder / "tri_pathway.yaml"
    path.write_text(yaml.safe_dump({
        "name": "tri_pathway", "discount_rate": RATE, "foresight": "perfect",
        "periods": [{"year": y, "years": LENGTH, "case": f"tri_{y}.yaml"} for y in YEARS]}, sort_keys=False))
    return path


# ----------------------------------------------------------------------------- the PyPSA side
def weights() -> np.ndarray:
    """W_p, the test's own: each period's years discounted to the first period's year."""
    return np.array([sum((1 + RATE) ** -(y + k - YEARS[0]) for k in range(LENGTH)) for y in YEARS])


def annual(tech: dict, i: int, column: str = "capex") -> float:
    """a_q in CNY per MW (MWh) and year: annuity of the period's capex plus fixed O&M."""
    capex = tech[column][i] * 1000.0
    return capex * crf(RATE, tech["life"]) + capex * tech["fom_pct"] / 100.0


def fom(tech: dict, i: int) -> float:
    return tech["capex"][i] * 1000.0 * tech["fom_pct"] / 100.0


def gas_cost(i: int) -> float:
    return GAS_PRICE[i] * GJ_PER_MWH / GAS["eff"] + GAS["vom"]


def build_network() -> tuple["pypsa.Network", float]:
    """The pathway as a PyPSA multi-investment-period network, and the objective constant
    (fixed O&M of the existing fleet, CNY of the base year) gridplan counts and PyPSA does not."""
    W = weights()
    n = pypsa.Network()
    n.set_snapshots(pd.MultiIndex.from_product([YEARS, range(HOURS)]))
    n.investment_periods = YEARS
    n.investment_period_weightings["objective"] = W
    n.investment_period_weightings["years"] = float(LENGTH)
    assert (n.snapshot_weightings == 1.0).all().all()      # one hour per snapshot (PyPSA's default)
    n.add("Carrier", ["gas", "solar", "battery", "AC"])
    for b in PEAK:
        n.add("Bus", b, v_nom=1.0, carrier="AC")
        n.add("Load", f"load_{b}", bus=b,
              p_set=pd.Series(np.concatenate([PEAK[b][i] * LOAD for i in range(len(YEARS))]), index=n.snapshots))
    for name, (b0, b1, s, x) in LINES.items():
        n.add("Line", name, bus0=b0, bus1=b1, s_nom=s, x=x, r=0.0)
    mc_gas = pd.Series(np.repeat([gas_cost(i) for i in range(len(YEARS))], HOURS), index=n.snapshots)
    sun = pd.Series(np.tile(SUN, len(YEARS)), index=n.snapshots)
    # existing fleet: gas_A stands in 2025 and 2030 (active while 2010 <= period < 2035), solar_C always
    n.add("Generator", "gas_A existing", bus="A", carrier="gas", p_nom=GAS_A_EXISTING[0], build_year=2010,
          lifetime=25, marginal_cost=mc_gas)
    n.add("Generator", "solar_C existing", bus="C", carrier="solar", p_nom=SOLAR_C_EXISTING, build_year=2020,
          lifetime=100, p_max_pu=sun)
    for i, y in enumerate(YEARS):
        n.add("Generator", f"gas_B {y}", bus="B", carrier="gas", p_nom_extendable=True, build_year=y,
              lifetime=GAS["life"], capital_cost=annual(GAS, i), marginal_cost=mc_gas)
        n.add("Generator", f"solar_A {y}", bus="A", carrier="solar", p_nom_extendable=True, build_year=y,
              lifetime=SOLAR["life"], capital_cost=annual(SOLAR, i), p_max_pu=sun)
        # power and energy sized apart in gridplan, tied by min = max duration: one StorageUnit of
        # max_hours = duration whose capital cost per MW is a_mw + duration × a_mwh
        eta = np.sqrt(BATTERY["rte"])
        n.add("StorageUnit", f"bat_C {y}", bus="C", carrier="battery", p_nom_extendable=True, build_year=y,
              lifetime=BATTERY["life"], max_hours=BATTERY["hours"],
              capital_cost=annual(BATTERY, i) + BATTERY["hours"] * annual(BATTERY, i, "capex_kwh"),
              efficiency_store=eta, efficiency_dispatch=eta, standing_loss=0.0, marginal_cost=BATTERY["vom"],
              cyclic_state_of_charge=True, cyclic_state_of_charge_per_period=True)
    const = sum(W[i] * (fom(GAS, i) * GAS_A_EXISTING[i] + fom(SOLAR, i) * SOLAR_C_EXISTING)
                for i in range(len(YEARS)))
    return n, const


@pytest.fixture(autouse=True)
def _quiet():
    for name in ("pypsa", "linopy", "highspy"):
        logging.getLogger(name).setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        yield


def solve_both(folder):
    t0 = time.perf_counter()
    res = gridplan.solve_pathway(write_pathway(folder))
    t1 = time.perf_counter()
    n, const = build_network()
    status, condition = n.optimize(solver_name="highs", multi_investment_periods=True,
                                   include_objective_constant=False, log_to_console=False)
    assert (status, condition) == ("ok", "optimal")
    assert n.objective_constant == 0.0       # no extendable starts from a p_nom of its own
    t2 = time.perf_counter()
    return res, n, const, (t1 - t0, t2 - t1)


def test_pathway_objective_and_vintages_match_pypsa(tmp_path):
    """gridplan's perfect-foresight present value equals PyPSA's multi-investment-period optimum
    (plus the fixed O&M of the existing fleet) to 1e-6, and every vintage (MW built per element and
    build period) is the same to 1e-3 MW. The optimum is unique (checked once, not here: on the
    PyPSA LP, minimising and maximising each vintage with the objective held within 1e-7 of the
    optimum moves it by at most 0.12 MW, within 1e-9 by at most 1.2e-3 MW: a spread proportional
    to the slack, a strict vertex); the two tools' vintages agree to 1e-12 MW."""
    res, n, const, _ = solve_both(tmp_path)
    np.testing.assert_allclose(res.pathway.weights, weights(), rtol=1e-12)
    assert n.objective + const == pytest.approx(res.objective, rel=REL)

    builds = res.builds
    mw = builds[builds.unit == "MW"].set_index(["name", "period"])["built"]
    mwh = builds[builds.component == "storage_energy"].set_index(["name", "period"])["built"]
    for y in YEARS:
        assert mw["gas_B", y] == pytest.approx(n.generators.at[f"gas_B {y}", "p_nom_opt"], abs=1e-3), y
        assert mw["solar_A", y] == pytest.approx(n.generators.at[f"solar_A {y}", "p_nom_opt"], abs=1e-3), y
        assert mw["bat_C", y] == pytest.approx(n.storage_units.at[f"bat_C {y}", "p_nom_opt"], abs=1e-3), y
        assert mwh["bat_C", y] == pytest.approx(BATTERY["hours"] * mw["bat_C", y], abs=1e-3), y

    # what the case is meant to exercise: a vintage of gas and solar in every period, solar of 2025
    # gone by 2035 (life 8), the battery of 2025 gone in 2035 exactly (2025 + 10 = 2035: not alive)
    # and rebuilt then, gas_A retired; no load shed (PyPSA has no shedding)
    assert all(mw["gas_B", y] > 1 and mw["solar_A", y] > 1 for y in YEARS)
    assert mw["bat_C", 2025] > 1 and mw["bat_C", 2035] > 1
    cap = res.capacities.set_index(["period", "component", "name"])["total"]
    assert cap[2035, "generator", "solar_A"] == pytest.approx(mw["solar_A", 2030] + mw["solar_A", 2035], abs=1e-6)
    assert cap[2035, "storage", "bat_C"] == pytest.approx(mw["bat_C", 2030] + mw["bat_C", 2035], abs=1e-6)
    assert (2035, "generator", "gas_A") not in cap.index
    for y, r in res.periods.items():
        assert r.shedding["shed_mwh"].sum() == pytest.approx(0.0, abs=1e-6), y
