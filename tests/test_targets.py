"""Policy targets (issue #3): one hand-solvable case per target kind, hedges, elastic mode.

Every case here is one or two buses over a 24-hour "year" (``time: {hours: 24}``,
every snapshot weight 1), so annual costs are compared with 24 hours of fuel:
that is what makes the numbers small enough to derive by hand. The catalogue is
written per test with *annual* costs chosen round (capex = annual / crf(6 %, 10 y),
no fixed O&M), so "20 CNY/kW-yr" below is exactly the model's annual cost.

Shared economics (derived once, used by every docstring):

* demand: flat 100 MW → D = 2400 MWh per "year";
* gas: fuel 50 CNY/GJ, efficiency 0.5 → 3.6/0.5 = 7.2 GJ/MWh → 360 CNY/MWh,
  7.2 × 0.05 = 0.36 t CO2/MWh, f = 7.2/29.3076 tce of fuel per MWh; 10 CNY/kW-yr;
  capacity credit 0.9;
* coal: fuel 25 CNY/GJ, efficiency 0.4 → 9 GJ/MWh → 225 CNY/MWh, 0.9 t/MWh;
* solar: 20 CNY/kW-yr = 20 000 CNY/MW-yr, availability 0.5 every hour → 12 MWh
  per MW → 1666.67 CNY/MWh; replacing gas costs 1666.67 − 360 = 1306.67 CNY/MWh;
* wind: 5 CNY/kW-yr, availability 0.25 → 6 MWh per MW, which saves 6 × 360 =
  2160 CNY of gas fuel per MW-yr: not economic (5000 > 2160).

Duals are checked in the report's units and sign: the cost (CNY) of tightening
the target by one unit, >= 0.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import gridplan
from gridplan.case.readers import CATALOGUE_COLUMNS
from gridplan.report import diagnosis, targets_table, unmet_targets

from conftest import GJ_PER_MWH, GJ_PER_TCE, crf, prof

RATE, LIFE = 0.06, 10
H = 24
D = 100.0 * H                       # MWh of demand
GAS_FUEL = 50 * GJ_PER_MWH / 0.5    # 360 CNY/MWh
COAL_FUEL = 25 * GJ_PER_MWH / 0.4   # 225 CNY/MWh
SOLAR_MWH_PER_MW = 0.5 * H          # 12
SOLAR_EXTRA = 20_000 / SOLAR_MWH_PER_MW - GAS_FUEL   # 1306.67 CNY per MWh of solar instead of gas


def _tech(name, carrier, kind, ann_kw_yr=0.0, nf=False, fuel="", eff=None, credit=0.0):
    row = dict.fromkeys(CATALOGUE_COLUMNS, "")
    row.update(technology=name, year=2030, carrier=carrier, kind=kind, non_fossil=nf, renewable=nf,
               new_energy=nf, clean=nf, capex_cny_per_kw=ann_kw_yr / crf(RATE, LIFE), fom_pct_capex_per_yr=0,
               vom_cny_per_mwh=0, lifetime_yr=LIFE, efficiency="" if eff is None else eff, fuel=fuel,
               capacity_credit=credit)
    return row


TECHS = [
    _tech("gas", "gas", "dispatchable", 10, fuel="gas", eff=0.5, credit=0.9),
    _tech("coal", "coal", "dispatchable", 10, fuel="coal", eff=0.4, credit=0.9),
    _tech("solar", "solar", "variable", 20, nf=True),
    _tech("wind", "wind", "variable", 5, nf=True, credit=0.1),
    _tech("hydro_reservoir", "hydro", "reservoir", 5, nf=True, credit=0.8),
    _tech("line", "transmission", "line", 0),
]
FUELS = [dict(fuel="gas", year=2030, price_cny_per_gj=50, co2_t_per_gj=0.05),
         dict(fuel="coal", year=2030, price_cny_per_gj=25, co2_t_per_gj=0.1)]
PROFILES = {"flat": [1.0] * H, "half": [0.5] * H, "quarter": [0.25] * H, "zero": [0.0] * H}


BUS_A = {"name": "A", "demand": {"profile": prof("flat"), "peak_mw": 100}}
GAS = {"name": "gas_a", "bus": "A", "technology": "gas", "existing_mw": 100}
COAL = {"name": "coal_a", "bus": "A", "technology": "coal", "existing_mw": 100}
SOLAR = {"name": "solar_a", "bus": "A", "technology": "solar", "max_mw": 1000, "availability": prof("half")}
WIND = {"name": "wind_a", "bus": "A", "technology": "wind", "max_mw": 1000, "availability": prof("quarter")}
SRC = {"file": "000_774919e0b0df30d8.txt", "line": 12, "quote": "非化石能源消费比重达到30%左右"}


@pytest.fixture
def make(write_case):
    """make(generators=..., targets=..., **more case keys) → loaded Case (this file's catalogue)."""
    n = iter(range(1000))

    def make(**case):
        full = {"name": "t", "discount_rate": RATE, "time": {"hours": H}, "buses": [BUS_A], **case}
        return gridplan.load_case(write_case(full, PROFILES, f"case{next(n)}.yaml", TECHS, FUELS))

    return make


def _cap(res, name):
    c = res.capacities.set_index("name")
    return float(c.loc[name, "total"])


def _row(res, tid):
    return res.targets.set_index("id").loc[tid]


def _objective_with(make, case_kw, tid, **target_update):
    """Objective (CNY) of the same case with one target's fields changed (finite-difference duals)."""
    targets = [dict(t, **target_update) if t["id"] == tid else t for t in case_kw["targets"]]
    return gridplan.solve(make(**{**case_kw, "targets": targets})).objective


# --------------------------------------------------------------------------- one case per kind


def test_non_fossil_share_electricity(make):
    """Electricity share >= 30 % forces solar instead of gas; dual = cost difference per MWh.

    Non-fossil energy must be 0.3 × 2400 = 720 MWh; solar gives 12 MWh per MW, so
    60 MW of solar are built (none without the target: 1666.67 > 360 CNY/MWh).
    One more MWh of non-fossil energy means 1/12 MW more solar (20 000/12 CNY) and
    one MWh less gas fuel (360 CNY): dual = 1666.67 − 360 = 1306.67 CNY/MWh.
    One percentage point is 24 MWh: 24 × 1306.67 = 31 360 CNY/pp.
    """
    res = gridplan.solve(make(generators=[GAS, SOLAR], targets=[
        {"id": "nf_elec", "kind": "non_fossil_share", "scope": "electricity", "value": 0.3, "source": SRC}]))
    r = _row(res, "nf_elec")
    assert _cap(res, "solar_a") == pytest.approx(60.0)
    assert r["achieved"] == pytest.approx(0.3)
    assert r["required"] == pytest.approx(0.3)
    assert r["met"] and r["binding"]
    assert r["dual"] == pytest.approx(SOLAR_EXTRA)              # 1306.67
    assert r["dual_unit"] == "CNY/MWh"
    assert r["cost_per_pp"] == pytest.approx(24 * SOLAR_EXTRA)  # 31 360
    assert r["source_file"] == SRC["file"] and r["source_line"] == 12 and r["quote"] == SRC["quote"]
    assert res.non_fossil_electricity_share == pytest.approx(0.3)


def test_non_fossil_share_energy_tce_algebra(make):
    """Energy share (coal-equivalent method) with imports and non-electric consumption, by hand.

    Inputs: k = 0.3 tce/MWh, Fo = 1000 tce fossil and NFo = 200 tce non-fossil
    consumption outside electricity, s = 0.3. Gas burns f = 3.6/29.3076/0.5
    = 0.245670 tce of fuel per MWh. An import of 10 MW at 100 CNY/MWh (cheaper
    than gas fuel) with φ = 0.5 runs flat out: I = 240 MWh. With N MWh of solar
    and G = 2400 − I − N MWh of gas, the row is (all tce)

        k·N + k·φ·I + NFo >= s·[f·G + k·(N + I) + Fo + NFo]

    ⇔ N·(k(1−s) + s·f) >= s·f·(2400 − I) + s·k·I + s·(Fo + NFo) − NFo − k·φ·I

    N = (0.3·f·2160 + 21.6 + 360 − 200 − 36) / (0.21 + 0.3·f) = 1074.3 MWh,
    solar = N/12 = 89.5 MW. One more tce on the row needs 1/(k(1−s) + s·f) MWh
    of solar instead of gas at 1306.67 CNY/MWh: dual = 1306.67/(0.21 + 0.3·f)
    = 4605.8 CNY/tce; per pp, dual × 1 % of the denominator (tce).
    """
    k, s, fo, nfo, phi, imp = 0.3, 0.3, 1000.0, 200.0, 0.5, 240.0
    f = GJ_PER_MWH / GJ_PER_TCE / 0.5
    kw = dict(generators=[GAS, SOLAR],
              exchanges=[{"name": "grid", "bus": "A", "max_import_mw": 10, "import_cny_per_mwh": 100,
                          "non_fossil_fraction": phi}],
              energy_accounting={"coal_equivalent_tce_per_mwh": k, "fossil_other_tce": fo,
                                 "nonfossil_other_tce": nfo},
              targets=[{"id": "nf_energy", "kind": "non_fossil_share", "scope": "energy", "value": s}])
    case = make(**kw)
    res = gridplan.solve(case)
    r = _row(res, "nf_energy")
    n = (s * f * (D - imp) + s * k * imp + s * (fo + nfo) - nfo - k * phi * imp) / (k * (1 - s) + s * f)
    assert n == pytest.approx(1074.3, abs=0.1)
    assert _cap(res, "solar_a") == pytest.approx(n / SOLAR_MWH_PER_MW)
    gas = D - imp - n
    num = k * n + k * phi * imp + nfo
    den = f * gas + k * (n + imp) + fo + nfo
    assert num / den == pytest.approx(s)
    assert r["achieved"] == pytest.approx(s) and r["met"] and r["binding"]
    dual = SOLAR_EXTRA / (k * (1 - s) + s * f)
    assert dual == pytest.approx(4605.8, abs=0.1)
    assert r["dual"] == pytest.approx(dual) and r["dual_unit"] == "CNY/tce"
    assert r["cost_per_pp"] == pytest.approx(dual * den / 100)
    # the cost per pp is the objective's slope in s (finite difference, 0.1 pp)
    hi = _objective_with(make, kw, "nf_energy", value=s + 0.001)
    assert (hi - res.objective) / 0.1 == pytest.approx(r["cost_per_pp"], rel=2e-3)


@pytest.mark.parametrize("committed, built, dual", [
    (0.0, 50.0, 2.84),     # the target binds: wind's 5 CNY/kW-yr minus 2.16 of fuel saved
    (20.0, 50.0, 2.84),    # 20 MW committed (min_mw) + 30 MW more: still binds, same margin
    (60.0, 60.0, 0.0),     # the committed project alone exceeds the floor: slack, dual 0
])
def test_installed_capacity_floor_with_committed_projects(make, committed, built, dual):
    """Wind floor of 50 MW above what is economic; committed projects as min_mw.

    A MW of wind costs 5000 CNY/yr and saves 6 MWh × 360 = 2160 CNY of gas fuel:
    without the target none is built. The floor forces 50 MW in total and its dual
    is 5000 − 2160 = 2840 CNY/MW-yr = 2.84 CNY/kW-yr. A committed project
    (``min_mw`` of a second wind generator) counts towards the floor; when it
    alone reaches 60 MW the floor is slack (dual 0, slack 10 MW) and the cost
    of the committed capacity shows up in the column bound, not in the target.
    """
    committed_wind = {"name": "wind_committed", "bus": "A", "technology": "wind", "min_mw": committed,
                      # max = min: the committed unit is fixed, so no tie with wind_a
                      "max_mw": committed, "availability": prof("quarter")}
    res = gridplan.solve(make(generators=[GAS, WIND, committed_wind], targets=[
        {"id": "wind_floor", "kind": "installed_capacity", "group": "wind", "value": 50}]))
    r = _row(res, "wind_floor")
    assert _cap(res, "wind_a") + _cap(res, "wind_committed") == pytest.approx(built)
    assert _cap(res, "wind_committed") == pytest.approx(committed)
    assert r["achieved"] == pytest.approx(built) and r["met"]
    assert r["dual"] == pytest.approx(dual) and r["dual_unit"] == "CNY/kW-yr"
    assert r["binding"] == (dual > 0)
    assert r["slack"] == pytest.approx(built - 50.0)


def test_installed_capacity_counts_the_groups_capacity_weights(make):
    """PV counted in MW DC at 1.25 MW DC per MW AC: a floor of 200 MW DC needs 160 MW AC.

    Solar is not economic alone (20,000 CNY/MW-yr against 12 MWh × 360 = 4,320 CNY of
    gas fuel saved), so exactly the floor is built: 200 / 1.25 = 160 MW. One more MW DC
    needs 0.8 MW AC: the dual is 0.8 × (20,000 − 4,320) = 12,544 CNY/MW-yr = 12.544
    CNY/kW-yr. The achieved value is in the group's MW (DC): 200. A weight on a
    technology outside the group is refused.
    """
    groups = {"pv_dc": {"technologies": ["solar"], "capacity_weights": {"solar": 1.25}}}
    res = gridplan.solve(make(generators=[GAS, SOLAR], groups=groups, targets=[
        {"id": "pv_floor", "kind": "installed_capacity", "group": "pv_dc", "value": 200}]))
    r = _row(res, "pv_floor")
    assert _cap(res, "solar_a") == pytest.approx(160.0)
    assert r["achieved"] == pytest.approx(200.0) and r["met"]
    assert r["dual"] == pytest.approx(0.8 * (20_000 - 12 * GAS_FUEL) / 1000)
    bad = {"pv_dc": {"technologies": ["solar"], "capacity_weights": {"wind": 1.25}}}
    with pytest.raises(gridplan.CaseError, match=r"groups\.pv_dc\.capacity_weights\.wind"):
        gridplan.solve(make(generators=[GAS, SOLAR], groups=bad))


def test_installed_capacity_ceiling(make):
    """A ceiling on solar under a share target: the ceiling's dual is what it costs to lose a kW.

    Two ways to make 720 MWh non-fossil: solar (1666.67 CNY/MWh) or wind (5000/6 =
    833.33 CNY/MWh), wind cheaper — but wind is capped at 20 MW (``<=`` target),
    which makes 120 MWh; the other 600 MWh come from 50 MW of solar. The share's
    dual is then solar's 1306.67 CNY/MWh. One more MW of wind allowed saves
    6 MWh × (1666.67 − 833.33) = 5000 CNY/yr: the ceiling's dual is 5 CNY/kW-yr
    (reported positive: the cost of tightening the ceiling by one kW).
    """
    res = gridplan.solve(make(generators=[GAS, SOLAR, WIND], targets=[
        {"id": "nf", "kind": "non_fossil_share", "scope": "electricity", "value": 0.3},
        {"id": "wind_cap", "kind": "installed_capacity", "group": "wind", "value": 20, "sense": "<="}]))
    assert _cap(res, "wind_a") == pytest.approx(20.0)
    assert _cap(res, "solar_a") == pytest.approx(50.0)
    assert _row(res, "nf")["dual"] == pytest.approx(SOLAR_EXTRA)
    r = _row(res, "wind_cap")
    assert r["met"] and r["binding"] and r["sense"] == "<="
    assert r["dual"] == pytest.approx(5.0)


def test_capacity_share(make):
    """Clean capacity share >= 50 % of all generating capacity, with 100 MW of existing gas.

    P/(P + 100) >= 0.5 ⇒ P = 100 MW of solar. Each MW costs 20 000 and saves
    12 × 360 = 4320 CNY: net 15 680 CNY/MW-yr. The row is P − 0.5·(P + 100) >= 0
    (MW); one more MW on it needs 1/(1 − 0.5) = 2 MW of solar: dual = 31 360
    CNY/MW-yr = 31.36 CNY/kW-yr. Per pp: P = 100·s/(1 − s), dP/ds = 100/(1 − s)²
    = 400 MW per unit = 4 MW per pp → 4 × 15 680 = 62 720 CNY/pp (= dual × 200 MW × 1 %).
    """
    res = gridplan.solve(make(generators=[GAS, SOLAR], targets=[
        {"id": "clean_cap", "kind": "capacity_share", "group": "clean", "of_group": "all", "value": 0.5}]))
    r = _row(res, "clean_cap")
    assert _cap(res, "solar_a") == pytest.approx(100.0)
    assert r["achieved"] == pytest.approx(0.5) and r["met"] and r["binding"]
    assert r["dual"] == pytest.approx(31.36) and r["dual_unit"] == "CNY/kW-yr"
    assert r["cost_per_pp"] == pytest.approx(62_720)


def _reservoir(name, seasonal, existing=0.0, max_mw=None, inflow_mw=0.0):
    return {"name": name, "bus": "A", "technology": "hydro_reservoir", "existing_mw": existing,
            "max_mw": existing if max_mw is None else max_mw, "reservoir_mwh": 10_000.0,
            "inflow": prof("flat" if inflow_mw else "zero", inflow_mw if inflow_mw else None),
            "seasonal": seasonal}


def test_seasonal_hydro_mw(make):
    """Seasonal-regulation hydro >= 30 MW where only 10 MW of turbine is economic.

    The seasonal reservoir has 10 MW of inflow: its first 10 MW of turbine (5 CNY/kW-yr)
    each save 24 MWh × 360 = 8640 CNY of gas fuel, so 10 MW are built on their own;
    turbine beyond the inflow saves nothing (flat demand, flat prices). The floor forces
    30 MW, and its dual is the full annual cost of a turbine: 5 CNY/kW-yr.
    """
    res0 = gridplan.solve(make(generators=[GAS], reservoirs=[_reservoir("seas", True, max_mw=500, inflow_mw=10)]))
    assert _cap(res0, "seas") == pytest.approx(10.0)
    res = gridplan.solve(make(generators=[GAS], reservoirs=[_reservoir("seas", True, max_mw=500, inflow_mw=10)],
                              targets=[{"id": "seasonal", "kind": "seasonal_hydro", "value": 30}]))
    r = _row(res, "seasonal")
    assert _cap(res, "seas") == pytest.approx(30.0)
    assert r["achieved"] == pytest.approx(30.0) and r["met"] and r["binding"]
    assert r["dual"] == pytest.approx(5.0) and r["dual_unit"] == "CNY/kW-yr"


def test_seasonal_hydro_share(make):
    """Seasonal share >= 50 % of hydro capacity, with 40 MW of existing run-of-river-like reservoir.

    S >= 0.5·(S + 40) ⇒ S = 40 MW (10 economic). Row S − 0.5·(S + 40) >= 0: one more
    MW needs 2 MW of turbine beyond the inflow, 2 × 5000 → dual 10 CNY/kW-yr.
    Per pp: S = 40·s/(1 − s), dS/ds = 40/(1 − s)² = 1.6 MW per pp → 8000 CNY/pp.
    """
    res = gridplan.solve(make(generators=[GAS], reservoirs=[
        _reservoir("seas", True, max_mw=500, inflow_mw=10), _reservoir("daily", False, existing=40)],
        targets=[{"id": "seasonal", "kind": "seasonal_hydro", "unit": "share", "value": 0.5}]))
    r = _row(res, "seasonal")
    assert _cap(res, "seas") == pytest.approx(40.0)
    assert r["achieved"] == pytest.approx(0.5) and r["met"] and r["binding"]
    assert r["dual"] == pytest.approx(10.0)
    assert r["cost_per_pp"] == pytest.approx(8000.0)


def test_demand_response(make):
    """DR capability >= 10 % of the 100 MW peak: 10 MW contracted at 3 CNY/kW-yr.

    Activation (1000 CNY/MWh) is dearer than gas fuel (360), so DR is never used and
    saves nothing: dual = 3 CNY/kW-yr; per pp (1 MW) = 3000 CNY.
    """
    res = gridplan.solve(make(generators=[GAS], demand_response=[
        {"name": "dr_a", "bus": "A", "cost_cny_per_kw_yr": 3, "activation_cny_per_mwh": 1000}],
        targets=[{"id": "dr", "kind": "demand_response", "value": 0.1}]))
    r = _row(res, "dr")
    assert _cap(res, "dr_a") == pytest.approx(10.0)
    assert r["achieved"] == pytest.approx(0.1) and r["met"] and r["binding"]
    assert r["dual"] == pytest.approx(3.0) and r["dual_unit"] == "CNY/kW-yr"
    assert r["cost_per_pp"] == pytest.approx(3000.0)


def test_demand_response_bound_with_an_unbounded_unit(make):
    """The no-LP bound of a DR target (feasibility.py): an unbounded DR unit (no max_mw) can reach any
    share, so 10 % of the 100 MW peak is reachable and nothing is computed as inf × 0 = nan (which
    once raised a RuntimeWarning and made the bound unknown); a unit capped at 5 MW reaches
    5 / 100 = 5 % < 10 %, which validation reports as unreachable."""
    import warnings

    from gridplan.case.prepare import validate_data

    target = [{"id": "dr", "kind": "demand_response", "value": 0.1}]
    open_dr = make(generators=[GAS], targets=target, demand_response=[{"name": "dr_a", "bus": "A"}])
    capped = make(generators=[GAS], targets=target, demand_response=[{"name": "dr_a", "bus": "A", "max_mw": 5}])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert validate_data(open_dr).unreachable == []
        unreachable = validate_data(capped).unreachable
    assert len(unreachable) == 1 and "at most 0.05" in str(unreachable[0])


@pytest.mark.parametrize("spec, gas_built", [
    ({"reserve_margin": 0.2}, 20 / 0.9),   # 1.2 × 100 = 120 firm MW
    ({"value": 110}, 10 / 0.9),
])
def test_firm_capacity(make, spec, gas_built):
    """Firm supply: 100 MW of gas × 0.9 credit = 90 MW, plus 10 MW of firm imports.

    Reserve margin 20 % on a 100 MW peak requires 120 MW: 20 MW more firm, from
    gas at 10 CNY/kW-yr and credit 0.9 → 22.2 MW built; a firm MW costs
    10/0.9 = 11.11 CNY/kW-yr (the extra gas saves no energy: existing gas already
    covers the flat demand). An exchange at another bus with firm_mw is not
    counted by a target limited to bus A; the line into A counts its rating × firm_pu,
    here 0 (tests/test_city_accounts.py counts lines).
    """
    bus_b = {"name": "B"}
    res = gridplan.solve(make(
        buses=[BUS_A, bus_b],
        lines=[{"name": "ab", "bus0": "A", "bus1": "B", "existing_mw": 50, "technology": "line", "firm_pu": 0}],
        generators=[dict(GAS, max_mw=500)],
        exchanges=[{"name": "firm_a", "bus": "A", "firm_mw": 10},
                   {"name": "firm_b", "bus": "B", "firm_mw": 1000}],
        targets=[{"id": "firm", "kind": "firm_capacity", "buses": ["A"], **spec}]))
    r = _row(res, "firm")
    assert _cap(res, "gas_a") == pytest.approx(100 + gas_built)
    assert r["achieved"] == pytest.approx(r["required"]) and r["met"] and r["binding"]
    assert r["dual"] == pytest.approx(10 / 0.9) and r["dual_unit"] == "CNY/kW-yr"


def test_co2_cap(make):
    """CO2 cap 1512 t with existing coal (225 CNY/MWh, 0.9 t) and gas (360, 0.36 t).

    Unconstrained: all coal, 2160 t. With C MWh of coal: 0.9·C + 0.36·(2400 − C)
    <= 1512 ⇒ C = 1200 MWh (coal 50 MW, gas 50 MW). Switching one MWh from
    coal to gas costs 135 CNY and saves 0.54 t: dual = 135/0.54 = 250 CNY/t
    (reported positive although HiGHS's dual of a <= row is negative).
    """
    res = gridplan.solve(make(generators=[GAS, COAL], targets=[{"id": "co2", "kind": "co2_cap", "value": 1512}]))
    r = _row(res, "co2")
    assert res.emissions["t_co2"].sum() == pytest.approx(1512)
    e = res.emissions.set_index("name")["mwh"]
    assert e["coal_a"] == pytest.approx(1200) and e["gas_a"] == pytest.approx(1200)
    assert r["achieved"] == pytest.approx(1512) and r["met"] and r["binding"]
    assert r["dual"] == pytest.approx(250.0) and r["dual_unit"] == "CNY/t"
    raw = res.dual("target_co2")[0]
    assert raw == pytest.approx(-250.0)           # HiGHS: d(cost)/d(bound) < 0 on a <= row


@pytest.mark.parametrize("target, coal_mwh", [
    ({"group": "coal", "value": 1000, "sense": "<="}, 1000),   # coal ceiling
    ({"group": "gas", "value": 1800}, 600),                    # gas floor
])
def test_generation(make, target, coal_mwh):
    """Generation of a group: coal ceiling 1000 MWh, or gas floor 1800 MWh.

    Coal is cheaper by 360 − 225 = 135 CNY/MWh, so either target moves energy
    from coal to gas at 135 CNY per MWh: dual = 135 CNY/MWh, with coal at
    1000 MWh (ceiling) or 2400 − 1800 = 600 MWh (floor).
    """
    res = gridplan.solve(make(generators=[GAS, COAL], targets=[{"id": "gen", "kind": "generation", **target}]))
    r = _row(res, "gen")
    e = res.emissions.set_index("name")["mwh"]
    assert e["coal_a"] == pytest.approx(coal_mwh)
    assert r["achieved"] == pytest.approx(target["value"]) and r["met"] and r["binding"]
    assert r["dual"] == pytest.approx(135.0) and r["dual_unit"] == "CNY/MWh"


# --------------------------------------------------------------------------- hedges


@pytest.mark.parametrize("penalty, strict, met, solar", [
    (None, False, False, 0.0),    # default 500 CNY/MWh < 1306.67: cheaper to miss
    (2000, False, True, 60.0),    # penalty above the cost of meeting: met
    (None, True, True, 60.0),     # strict: hard
])
def test_strive(make, penalty, strict, met, solar):
    """力争 30 % non-fossil electricity: missed when its penalty is below its marginal cost.

    Meeting costs 1306.67 CNY per MWh of non-fossil energy. With the default
    strive penalty of 500 CNY/MWh the whole 720 MWh are missed: achieved 0,
    shortfall 0.30 (share) = 720 MWh, penalty cost 720 × 500 = 360 000 CNY, and
    the row's dual is the penalty (500). With 2000 CNY/MWh (> 1306.67), or
    ``strict: true``, it is met as in the hard case (60 MW of solar).
    """
    t = {"id": "nf", "kind": "non_fossil_share", "scope": "electricity", "value": 0.3, "hedge": "strive",
         "strict": strict}
    if penalty is not None:
        t["penalty"] = penalty
    case = make(generators=[GAS, SOLAR], targets=[t])
    res = gridplan.solve(case)
    r = _row(res, "nf")
    assert _cap(res, "solar_a") == pytest.approx(solar)
    assert bool(r["met"]) is met
    if not met:
        assert r["achieved"] == pytest.approx(0.0)
        assert r["shortfall"] == pytest.approx(0.3)
        assert r["shortfall_row"] == pytest.approx(720.0) and r["row_unit"] == "MWh"
        assert r["penalty"] == 500.0
        assert r["penalty_cny"] == pytest.approx(720.0 * 500.0)
        # the row's dual is the penalty, reported as such, never as the target's cost
        assert np.isnan(r["dual"]) and np.isnan(r["cost_per_pp"]) and not r["binding"]
        assert res.outcome == "strive missed"
        costs = res.costs.set_index("term")["cny"]
        assert costs["target_shortfall"] == pytest.approx(360_000.0)
        assert list(unmet_targets(res)["id"]) == ["nf"]
        # elastic mode leaves a strive target at its own penalty: same plan
        el = gridplan.solve(case, elastic=True)
        assert _cap(el, "solar_a") == pytest.approx(0.0)
        assert _row(el, "nf")["penalty_cny"] == pytest.approx(360_000.0)
    else:
        assert r["achieved"] == pytest.approx(0.3)
        assert r["shortfall"] == 0.0 and r["penalty_cny"] == 0.0
        assert r["dual"] == pytest.approx(SOLAR_EXTRA)
        assert res.outcome == "optimal"


def test_strive_capacity_penalty_in_dual_units(make):
    """A strive wind floor: the penalty is in CNY/kW-yr, the dual's unit.

    Meeting costs 2.84 CNY/kW-yr (see the installed_capacity test). With a
    penalty of 2 CNY/kW-yr it is missed: shortfall 50 MW, penalty cost
    50 000 kW × 2 = 100 000 CNY; with 3 CNY/kW-yr it is met.
    """
    t = {"id": "wind_floor", "kind": "installed_capacity", "group": "wind", "value": 50, "hedge": "strive"}
    res = gridplan.solve(make(generators=[GAS, WIND], targets=[dict(t, penalty=2.0)]))
    r = _row(res, "wind_floor")
    assert _cap(res, "wind_a") == pytest.approx(0.0)
    assert not r["met"] and r["shortfall"] == pytest.approx(50.0)
    assert r["penalty_cny"] == pytest.approx(100_000.0) and r["penalty"] == pytest.approx(2.0)
    assert np.isnan(r["dual"])        # its row's dual is that penalty, not a cost of the target
    res = gridplan.solve(make(generators=[GAS, WIND], targets=[dict(t, penalty=3.0)]))
    assert _cap(res, "wind_a") == pytest.approx(50.0) and _row(res, "wind_floor")["met"]
    assert _row(res, "wind_floor")["dual"] == pytest.approx(2.84)


@pytest.mark.parametrize("tolerance, required", [(None, 0.28), (0.05, 0.25)])
def test_about_share_met_within_band(make, tolerance, required):
    """30 % 左右: the floor is relaxed to the band's lower edge (default ±2 pp).

    The model stops at 28 % (672 MWh, 56 MW of solar), which meets the target
    within its band; with tolerance 0.05 at 25 % (50 MW). The dual is still
    1306.67 CNY/MWh: the relaxed floor binds.
    """
    t = {"id": "nf", "kind": "non_fossil_share", "scope": "electricity", "value": 0.3, "hedge": "about",
         "source": SRC}
    if tolerance is not None:
        t["tolerance"] = tolerance
    res = gridplan.solve(make(generators=[GAS, SOLAR], targets=[t]))
    r = _row(res, "nf")
    assert r["value"] == 0.3
    assert r["required"] == pytest.approx(required)
    assert r["achieved"] == pytest.approx(required)
    assert abs(r["achieved"] - 0.3) <= (tolerance or 0.02) + 1e-9
    assert r["met"] and r["shortfall"] == 0.0
    assert _cap(res, "solar_a") == pytest.approx(required * D / SOLAR_MWH_PER_MW)
    assert r["dual"] == pytest.approx(SOLAR_EXTRA)


def test_about_capacity_and_ceiling(make):
    """左右 on a MW floor (±2 % of value) and on a ceiling (relaxed upwards).

    Wind "about 50 MW" → floor 49 MW. CO2 "about 1512 t" → cap 1512 × 1.02 =
    1542.24 t, so coal C: 0.54·C = 1542.24 − 864 ⇒ C = 1256 MWh.
    """
    res = gridplan.solve(make(generators=[GAS, COAL, WIND], targets=[
        {"id": "wind", "kind": "installed_capacity", "group": "wind", "value": 50, "hedge": "about"},
        {"id": "co2", "kind": "co2_cap", "value": 1512, "hedge": "about"}]))
    assert _cap(res, "wind_a") == pytest.approx(49.0)
    assert _row(res, "wind")["required"] == pytest.approx(49.0)
    co2 = _row(res, "co2")
    assert co2["required"] == pytest.approx(1542.24) and co2["met"]
    # wind makes 49 × 6 = 294 MWh, so coal + gas = 2106; 0.9 C + 0.36 (2106 − C) = 1542.24
    coal = (1542.24 - 0.36 * (D - 294)) / 0.54
    assert res.emissions.set_index("name").loc["coal_a", "mwh"] == pytest.approx(coal)


# --------------------------------------------------------------------------- infeasibility


def _must_run_coal_case(make, extra_targets=()):
    coal = dict(COAL, must_run=1.0)
    return make(generators=[coal, SOLAR], targets=[
        {"id": "co2", "kind": "co2_cap", "value": 1000, "source": SRC},
        {"id": "coal_kept", "kind": "installed_capacity", "group": "coal", "value": 50},
        *extra_targets])


def test_infeasible_co2_cap_plain_solve_raises(make):
    """100 MW of must-run coal covers the flat 100 MW demand and emits 2160 t; cap 1000 t.

    No plan meets the cap: the coal must run at full output and the balance has
    no sink (shedding only lowers supply needs, it cannot absorb must-run output).
    A plain solve raises SolveError naming --elastic.
    """
    with pytest.raises(gridplan.SolveError, match="--elastic") as exc:
        gridplan.solve(_must_run_coal_case(make))
    assert "nfeasible" in exc.value.status
    res = gridplan.solve(_must_run_coal_case(make), raise_on_failure=False)
    assert not res.ok
    assert list(res.targets["id"]) == ["co2", "coal_kept"]      # listed, nothing achieved
    assert res.targets["achieved"].isna().all()


def test_infeasible_co2_cap_elastic_diagnosis(make):
    """Elastic: the diagnosis names co2 short by 2160 − 1000 = 1160 t, and nothing else.

    The feasible target (coal >= 50 MW, met by the 100 MW existing) shows met,
    shortfall 0.
    """
    res = gridplan.solve(_must_run_coal_case(make), elastic=True)
    assert res.shedding["shed_mwh"].sum() == pytest.approx(0.0)
    co2 = _row(res, "co2")
    assert not co2["met"]
    assert co2["achieved"] == pytest.approx(2160.0)
    assert co2["shortfall"] == pytest.approx(1160.0)
    kept = _row(res, "coal_kept")
    assert kept["met"] and kept["shortfall"] == 0.0
    assert list(unmet_targets(res)["id"]) == ["co2"]
    text = diagnosis(res)
    assert text.startswith("co2 ") and "1,160 t" in text and SRC["file"] in text
    assert len(text.splitlines()) == 1


def test_infeasible_floor_above_resource_elastic(make):
    """Wind floor 50 MW at a site whose potential (max_mw) is 30 MW: elastic shortfall 20 MW.

    Also a share that contradicts the floor's limit: 60 % non-fossil electricity
    needs 1440 MWh; solar capped at 100 MW (1200 MWh) + 30 MW wind (180 MWh) =
    1380 MWh → short by 60 MWh = 2.5 pp. Both are named with their shortfalls.
    """
    case = make(generators=[GAS, dict(SOLAR, max_mw=100), dict(WIND, max_mw=30)], targets=[
        {"id": "wind_floor", "kind": "installed_capacity", "group": "wind", "value": 50},
        {"id": "nf", "kind": "non_fossil_share", "scope": "electricity", "value": 0.6}])
    with pytest.raises(gridplan.SolveError, match="elastic"):
        gridplan.solve(case)
    res = gridplan.solve(case, elastic=True)
    assert _cap(res, "wind_a") == pytest.approx(30.0) and _cap(res, "solar_a") == pytest.approx(100.0)
    w, nf = _row(res, "wind_floor"), _row(res, "nf")
    assert not w["met"] and w["shortfall"] == pytest.approx(20.0) and w["achieved"] == pytest.approx(30.0)
    assert not nf["met"] and nf["shortfall"] == pytest.approx(0.025)
    assert nf["shortfall_row"] == pytest.approx(60.0)
    assert set(unmet_targets(res)["id"]) == {"wind_floor", "nf"}
    text = diagnosis(res)
    assert "wind_floor" in text and "shortfall 20 MW" in text and "shortfall 2.50 pp" in text


# --------------------------------------------------------------------------- listing without solving


def test_targets_table_lists_sources_without_solving(make, tmp_path):
    """``targets_table(case)`` needs only the Case: no profiles are read, nothing is solved."""
    case = make(generators=[GAS, SOLAR], targets=[
        {"id": "nf", "kind": "non_fossil_share", "scope": "energy", "value": 0.3, "hedge": "about",
         "source": SRC},
        {"id": "firm", "kind": "firm_capacity", "reserve_margin": 0.15, "buses": ["A"]},
        {"id": "co2", "kind": "co2_cap", "value": 1e6, "hedge": "strive", "penalty": 80,
         "source": {"file": "001_x.txt", "line": 7, "quote": "力争碳排放"}}])
    (tmp_path / "profiles.csv").unlink()          # the table must not need the profiles
    tt = targets_table(case)
    assert list(tt["id"]) == ["nf", "firm", "co2"]
    nf = tt.set_index("id").loc["nf"]
    assert nf["kind"] == "non_fossil_share" and nf["scope"].startswith("energy") and nf["hedge"] == "about"
    assert nf["unit"] == "share" and nf["value"] == 0.3
    assert (nf["source_file"], nf["source_line"], nf["quote"]) == (SRC["file"], 12, SRC["quote"])
    firm = tt.set_index("id").loc["firm"]
    assert firm["value"] == "(1+0.15)×peak" and firm["scope"] == "A" and firm["source_file"] == ""
    co2 = tt.set_index("id").loc["co2"]
    assert co2["sense"] == "<=" and co2["penalty"] == 80 and co2["quote"] == "力争碳排放"


def test_committed_project_above_ceiling_elastic(make):
    """A committed 60 MW wind project (min_mw, a hard column bound) against a 50 MW wind ceiling.

    Infeasible with the target hard; elastic mode names the ceiling, exceeded by
    10 MW (the commitment itself is not a target and stays hard).
    """
    committed = dict(WIND, min_mw=60, max_mw=60)
    case = make(generators=[GAS, committed], targets=[
        {"id": "wind_cap", "kind": "installed_capacity", "group": "wind", "value": 50, "sense": "<="}])
    with pytest.raises(gridplan.SolveError, match="--elastic"):
        gridplan.solve(case)
    r = _row(gridplan.solve(case, elastic=True), "wind_cap")
    assert not r["met"] and r["achieved"] == pytest.approx(60.0) and r["shortfall"] == pytest.approx(10.0)


def test_share_of_empty_group_is_met(make):
    """A seasonal share of hydro in a case with no hydro: the row 0 >= 0.1 × 0 holds (met, achieved NaN)."""
    res = gridplan.solve(make(generators=[GAS], targets=[
        {"id": "s", "kind": "seasonal_hydro", "unit": "share", "value": 0.1}]))
    r = _row(res, "s")
    assert r["met"] and r["shortfall"] == 0.0 and pd.isna(r["achieved"])


def test_committed_project_without_max_mw(make):
    """A committed project given only as min_mw (no max_mw) should be built, not make the LP infeasible."""
    res = gridplan.solve(make(generators=[GAS, {"name": "w", "bus": "A", "technology": "wind", "min_mw": 60,
                                                 "availability": prof("quarter")}]))
    assert _cap(res, "w") == pytest.approx(60.0)


# --------------------------------------------------------------------------- electricity in final energy


ELEC_TCE = 0.1229            # tce per MWh, the calorific equivalent (GB/T 2589-2020)
OTHER_FINAL = 300.0          # tce of non-electric final energy


def _final_share_case(make, value, hedge="hard"):
    return make(generators=[GAS],
                energy_accounting={"final_energy_other_tce": OTHER_FINAL},
                targets=[{"id": "elec_final", "kind": "electricity_final_share", "value": value,
                          "hedge": hedge, "source": SRC}])


def test_electricity_final_share_met_by_the_demand(make):
    """Electricity consumed D = 2400 MWh = 2400 × 0.1229 = 294.96 tce; final energy
    294.96 + 300 = 594.96 tce → share 294.96 / 594.96 = 0.49576 >= 0.45: met, not binding,
    dual 0, nothing shed; the plan is the existing gas plant alone: 2400 MWh × 360 CNY/MWh of
    fuel = 864,000 CNY (its capex is sunk and the test catalogue has no fixed O&M)."""
    res = gridplan.solve(_final_share_case(make, 0.45))
    r = _row(res, "elec_final")
    elec = D * ELEC_TCE
    assert r["achieved"] == pytest.approx(elec / (elec + OTHER_FINAL), rel=1e-12)
    assert r["met"] and not r["binding"] and r["dual"] == 0.0
    assert (r["unit"], r["row_unit"], r["dual_unit"]) == ("share", "tce", "CNY/tce")
    assert res.objective == pytest.approx(D * GAS_FUEL, rel=1e-9)


def test_electricity_final_share_above_the_demand_is_diagnosed(make):
    """Required 0.55 > 0.49576: demand is an input, so no plan reaches it (shedding only
    lowers the share). Plain solve: infeasible. Elastic: the row
    (1 − s)·c·(D − U) − s·O + σ >= 0 gives σ = 0.55 × 300 − 0.45 × 294.96 = 32.268 tce
    (U = 0: shedding would widen the gap and costs VoLL), i.e. 32.268 / 594.96 = 5.42 pp,
    priced at the elastic 3e5 CNY/tce."""
    with pytest.raises(gridplan.SolveError):
        gridplan.solve(_final_share_case(make, 0.55))
    res = gridplan.solve(_final_share_case(make, 0.55), elastic=True)
    r = _row(res, "elec_final")
    elec = D * ELEC_TCE
    sigma = 0.55 * OTHER_FINAL - 0.45 * elec
    assert res.shedding["shed_mwh"].sum() == pytest.approx(0.0, abs=1e-9)
    assert not r["met"]
    assert r["shortfall_row"] == pytest.approx(sigma, rel=1e-9)
    assert r["shortfall"] == pytest.approx(sigma / (elec + OTHER_FINAL), rel=1e-9)
    assert r["penalty_cny"] == pytest.approx(sigma * 3.0e5, rel=1e-9)


def test_electricity_final_share_needs_the_other_final_energy(make):
    """Without energy_accounting.final_energy_other_tce the share would read 100 % and be met
    silently: the case is refused, naming the field."""
    case = make(generators=[GAS], targets=[{"id": "e", "kind": "electricity_final_share", "value": 0.5}])
    with pytest.raises(gridplan.CaseError) as info:
        gridplan.prepare(case)
    assert info.value.field == "energy_accounting.final_energy_other_tce"
    assert "target e is an electricity_final_share" in str(info.value)
