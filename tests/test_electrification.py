"""Electrification (电能替代): the lever, the targets it moves, its added load, its bad inputs.

Every case is one bus A with a flat base demand of 100 MW over a "year" of H = 3 hours
(``time: {hours: 3}``, every snapshot weight 1), so D = 300 MWh, and the catalogue of
tests/test_targets.py (no fixed O&M, existing capacity sunk). Shared economics:

* gas: fuel 50 CNY/GJ at efficiency 0.5 → 3.6/0.5 = 7.2 GJ/MWh → 360 CNY/MWh, which is
  then the price of every MWh the added load takes;
* hydro: a dispatchable non-fossil plant without fuel, 10 CNY/MWh variable O&M;
* electrification: cost 120 CNY per MWh/yr converted, r = 0.35 tce of fossil displaced
  per MWh; c = 0.1229 tce/MWh (calorific equivalent of electricity), k = 0.3 tce/MWh
  (coal-equivalent factor).

x* below is the least electrification that meets the target (each MWh costs money), so
the target binds and its dual is (cost + energy price) / (d row / d x), in CNY per tce of
the row; one percentage point of the share is 1 % of the denominator at the optimum.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gridplan

from test_build import col, row
from test_targets import FUELS, _row, _tech

H = 3
BASE = 100.0                 # MW, flat
D = BASE * H                 # MWh of base demand
GAS_PRICE = 50 * 3.6 / 0.5   # CNY/MWh of gas fuel
HYDRO_VOM = 10.0
COST = 120.0                 # CNY per MWh/yr electrified
R = 0.35                     # tce displaced per MWh
C = 0.1229                   # tce per MWh of electricity in final energy
K = 0.3                      # tce per MWh of primary electricity
TECHS = [_tech("gas", "gas", "dispatchable", 10, fuel="gas", eff=0.5),
         dict(_tech("hydro", "hydro", "dispatchable", 5, nf=True), vom_cny_per_mwh=HYDRO_VOM)]
GAS = {"name": "gas_a", "bus": "A", "technology": "gas", "existing_mw": 1000}
HYDRO = {"name": "hydro_a", "bus": "A", "technology": "hydro", "existing_mw": 1000}
REPO = Path(__file__).resolve().parents[1]


def lever(max_mwh, min_mwh=0.0, column="flat", **more):
    return {"name": "heat", "bus": "A", "min_mwh": min_mwh, "max_mwh": max_mwh,
            "profile": {"file": "profiles.csv", "column": column}, "displaced_tce_per_mwh": R,
            "cost_cny_per_mwh": COST, **more}


@pytest.fixture
def make(write_case):
    """make(hours=H, profiles=..., **case keys) → loaded Case on bus A (this file's catalogue)."""
    n = iter(range(1000))

    def make(hours=H, profiles=None, **case):
        full = {"name": "t", "time": {"hours": hours},
                "buses": [{"name": "A", "demand": {"profile": {"file": "profiles.csv", "column": "flat"},
                                                   "peak_mw": BASE}}], **case}
        profiles = {"flat": [1.0] * hours, **(profiles or {})}
        return gridplan.load_case(write_case(full, profiles, f"case{next(n)}.yaml", TECHS, FUELS))

    return make


# --------------------------------------------------------------------------- the targets it moves


def test_electricity_final_share_chooses_electrification(make):
    """Electricity in final energy >= s = 0.3 with F = 300 tce of other final energy.

    Without the lever: c·D / (c·D + F) = 36.87 / 336.87 = 10.9 %. With x MWh/yr electrified
    the row is c·(D + x) − s·(c·(D + x) + F − r·x) >= 0, so

        x* = (s·(c·D + F) − c·D) / (c·(1 − s) + s·r) = 64.191 / 0.19103 = 336.03 MWh,

    served by gas. d row / d x = c·(1 − s) + s·r = 0.19103 tce per MWh, each MWh costs
    120 + 360 CNY: dual = 480 / 0.19103 = 2512.7 CNY/tce; per pp, dual × 1 % of the
    denominator c·(D + x*) + F − r·x* (tce). Objective = 360·(D + x*) + 120·x*. The fossil
    it may displace, 800 × 0.35 = 280 tce, fits both budgets (300 tce).
    """
    s, F = 0.3, 300.0
    res = gridplan.solve(make(
        generators=[GAS], electrification=[lever(800)],
        energy_accounting={"final_energy_other_tce": F, "fossil_other_tce": F},
        targets=[{"id": "ef", "kind": "electricity_final_share", "value": s}]))
    slope = C * (1 - s) + s * R
    x = (s * (C * D + F) - C * D) / slope
    r = _row(res, "ef")
    assert res.electrification.loc["heat", "mwh"] == pytest.approx(x, rel=1e-9)          # 336.03
    assert res.electrification.loc["heat", "displaced_tce"] == pytest.approx(R * x, rel=1e-9)
    assert res.electrification.loc["heat", "cost_cny"] == pytest.approx(COST * x, rel=1e-9)
    assert r["achieved"] == pytest.approx(s, rel=1e-9) and r["met"] and r["binding"]
    assert r["dual"] == pytest.approx((COST + GAS_PRICE) / slope, rel=1e-6)               # 2512.7
    assert r["dual_unit"] == "CNY/tce"
    assert r["cost_per_pp"] == pytest.approx((COST + GAS_PRICE) / slope * 0.01 * (C * (D + x) + F - R * x),
                                             rel=1e-6)
    assert res.objective == pytest.approx(GAS_PRICE * (D + x) + COST * x, rel=1e-9)
    s_ = res.summary()
    assert s_["demand_mwh"] == pytest.approx(D + x, rel=1e-9) and s_["base_demand_mwh"] == pytest.approx(D)
    assert s_["displaced_fossil_tce"] == pytest.approx(R * x, rel=1e-9)


def test_energy_share_responds_to_electrification(make):
    """Non-fossil share of total energy >= s = 0.5, all electricity from hydro, Fo = 500 tce, NFo = 0.

    Fuel = 0 and NF = P = D + x (every MWh non-fossil), so the share is
    k·(D + x) / (k·(D + x) + Fo − r·x): 90 / 590 = 15.3 % without the lever, and the row
    k·(D + x)·(1 − s) + s·r·x − s·Fo >= 0 gives

        x* = (s·Fo − (1 − s)·k·D) / (k·(1 − s) + s·r) = (250 − 45) / 0.325 = 630.77 MWh.

    Each MWh costs 120 + 10 CNY (hydro's O&M sets the price): dual = 130 / 0.325 = 400 CNY/tce.
    The potential 1400 × 0.35 = 490 tce fits Fo.
    """
    s, fo = 0.5, 500.0
    res = gridplan.solve(make(
        generators=[HYDRO], electrification=[lever(1400)],
        energy_accounting={"coal_equivalent_tce_per_mwh": K, "fossil_other_tce": fo},
        targets=[{"id": "nf", "kind": "non_fossil_share", "scope": "energy", "value": s}]))
    slope = K * (1 - s) + s * R
    x = (s * fo - (1 - s) * K * D) / slope
    r = _row(res, "nf")
    assert res.electrification.loc["heat", "mwh"] == pytest.approx(x, rel=1e-9)          # 630.77
    assert r["achieved"] == pytest.approx(s, rel=1e-9) and r["binding"]
    assert r["dual"] == pytest.approx((COST + HYDRO_VOM) / slope, rel=1e-6)               # 400
    assert res.non_fossil_electricity_share == pytest.approx(1.0, rel=1e-9)   # NF / (D + x)


def test_electricity_share_counts_the_added_demand(make):
    """Committed 300 MWh/yr (min = max) and an electricity share >= 0.5 with hydro capped at
    100 MW: the denominator is D + x = 600 MWh, so hydro must give 300 MWh (100 MW every
    hour, it could give no more) and gas the other 300 MWh at 360 CNY/MWh — the share reads
    300 / 600 = 0.5, where counting the base demand alone would read 1.0."""
    res = gridplan.solve(make(
        generators=[GAS, dict(HYDRO, existing_mw=100)], electrification=[lever(300, 300)],
        targets=[{"id": "nf", "kind": "non_fossil_share", "scope": "electricity", "value": 0.5}]))
    assert _row(res, "nf")["achieved"] == pytest.approx(0.5, rel=1e-9)
    assert res.non_fossil_electricity_share == pytest.approx(0.5, rel=1e-9)
    assert res.objective == pytest.approx(300 * HYDRO_VOM + 300 * GAS_PRICE + 300 * COST, rel=1e-9)


def test_target_row_coefficient_on_the_lever(make):
    """Built, not solved: the electricity_final_share row c·(D + x) − s·(c·(D + x) + F − r·x) >= 0
    has coefficient c·(1 − s) + s·r = 0.19103 on x and lower bound s·(c·D + F) − c·D = 64.191 tce."""
    s, F = 0.3, 300.0
    ctx = gridplan.build_context(make(
        generators=[GAS], electrification=[lever(800)],
        energy_accounting={"final_energy_other_tce": F, "fossil_other_tce": F},
        targets=[{"id": "ef", "kind": "electricity_final_share", "value": s}]))
    coef, lo, hi = row(ctx, "target_ef")
    assert coef[col(ctx, "electrify", 0)] == pytest.approx(C * (1 - s) + s * R, rel=1e-12)
    assert lo == pytest.approx(s * (C * D + F) - C * D, rel=1e-12) and hi == np.inf


# --------------------------------------------------------------------------- the added load


@pytest.mark.parametrize("hours, resolution, p, p_prepared", [
    (3, 1, [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),
    (4, 2, [1.0, 1.0, 3.0, 3.0], [1.0, 3.0]),     # averaged over 2 h: weights w = 2
])
def test_committed_load_follows_its_profile(make, hours, resolution, p, p_prepared):
    """Committed x = 600 MWh/yr (min = max) served by gas: the load in snapshot t is
    x · p_t / Σ_t' w_t' p_t', so gas gives D_t + x·p_t / Σ w p:

    * 3 h, p = 1, 2, 3 (w = 1, Σ w p = 6): 100 + 100, 100 + 200, 100 + 300 MW;
    * 4 h at 2 h per snapshot, p = 1, 1, 3, 3 → averages 1, 3 (w = 2, Σ w p = 8):
      100 + 75, 100 + 225 MW.

    The dispatch frame shows the added load as a negative injection, so supply plus it is the
    base demand in every snapshot, and the year draws exactly x."""
    x = 600.0
    res = gridplan.solve(make(hours=hours, time={"hours": hours, "resolution": resolution},
                              profiles={"shape": p}, generators=[GAS],
                              electrification=[lever(x, x, column="shape")]))
    w = float(resolution)
    load = x * np.array(p_prepared) / (w * sum(p_prepared))
    d = res.dispatch
    gas = d[d["name"] == "gas_a"].sort_values("snapshot")["mw"].to_numpy()
    added = d[d["component"] == "electrification"].sort_values("snapshot")["mw"].to_numpy()
    np.testing.assert_allclose(gas, BASE + load, rtol=1e-9)
    np.testing.assert_allclose(added, -load, rtol=1e-12)
    assert float((added * w).sum()) == pytest.approx(-x, rel=1e-12)
    assert res.electrification.loc["heat", "peak_mw"] == pytest.approx(load.max(), rel=1e-9)
    assert res.energy.loc["A", "electrification"] == pytest.approx(-x, rel=1e-12)
    assert res.demand_mwh == pytest.approx(hours * BASE + x, rel=1e-12)


def test_committed_load_raises_the_peak_that_demand_response_targets_read(make):
    """尖峰负荷 includes a committed load (EV charging split off the demand projection).

    Base demand 100 × (1, 0.5, 0.5) MW; committed 90 MWh/yr with profile (0, 1, 2): 0, 30, 60 MW;
    the annual maximum load is max(100, 80, 110) = 110 MW, not peak_mw = 100. DR capability
    >= 10 % of it needs 11 MW (at 3 CNY/kW-yr, never activated: its activation costs more than
    gas). A lever's chosen part (above min_mwh) is a decision and would not count."""
    res = gridplan.solve(make(
        profiles={"load": [1.0, 0.5, 0.5], "ev": [0.0, 1.0, 2.0]},
        buses=[{"name": "A", "demand": {"profile": {"file": "profiles.csv", "column": "load"}, "peak_mw": BASE}}],
        generators=[GAS], electrification=[lever(90, 90, column="ev")],
        demand_response=[{"name": "dr_a", "bus": "A", "cost_cny_per_kw_yr": 3, "activation_cny_per_mwh": 1000}],
        targets=[{"id": "dr", "kind": "demand_response", "value": 0.1}]))
    dr = res.capacities.set_index("name").loc["dr_a", "total"]
    assert dr == pytest.approx(0.1 * 110.0, rel=1e-9)
    assert _row(res, "dr")["achieved"] == pytest.approx(0.1, rel=1e-9)


def test_typical_days_keep_the_annual_energy(make):
    """With 4 typical days of an 8760-hour year the shape is clustered and rescaled like
    availability, then normalised on the typical days' weights: Σ_t w_t · load_t = x exactly
    (x = 1e5 MWh/yr committed, a profile rising through the day and the year)."""
    hours, x = 8760, 1.0e5
    hour = np.arange(hours)
    p = 1.0 + (hour % 24) / 24 + hour / hours
    res = gridplan.solve(make(hours=hours, time={"hours": hours, "typical_days": 4}, profiles={"shape": p},
                              generators=[GAS], electrification=[lever(x, x, column="shape")]))
    d = res.dispatch.merge(res.snapshots, left_on="snapshot", right_index=True)
    added = d[d["component"] == "electrification"]
    assert float((added["mw"] * added["weight"]).sum()) == pytest.approx(-x, rel=1e-12)


# --------------------------------------------------------------------------- bad input


def _problem(case) -> gridplan.CaseError:
    with pytest.raises(gridplan.CaseError) as info:
        gridplan.prepare(case)
    assert len(getattr(info.value, "problems", [info.value])) == 1, str(info.value)
    return info.value


def test_min_above_max_is_one_error(make):
    e = _problem(make(generators=[GAS], electrification=[lever(100, 200)]))
    assert e.field == "electrification[heat].min_mwh" and "<= max_mwh (100)" in str(e)


def test_profile_without_energy_is_one_error(make):
    e = _problem(make(profiles={"zero": [0.0] * H}, generators=[GAS],
                      electrification=[lever(100, column="zero")]))
    assert e.field == "electrification[heat].profile" and "positive sum" in str(e)


def test_profile_scale_is_refused(make):
    """A scale would be normalised away: refused rather than silently ignored."""
    e = _problem(make(generators=[GAS], electrification=[lever(100, profile={"file": "profiles.csv",
                                                                            "column": "flat", "scale": 5})]))
    assert e.field == "electrification[heat].profile.scale"


def test_displacement_above_the_fossil_outside_power_is_one_error(make):
    """max 1000 MWh × 0.35 = 350 tce > fossil_other_tce 300 tce."""
    e = _problem(make(generators=[GAS], electrification=[lever(1000)],
                      energy_accounting={"fossil_other_tce": 300.0}))
    assert e.field == "electrification[heat].max_mwh"
    assert "350 tce" in str(e) and "energy_accounting.fossil_other_tce (300 tce)" in str(e)


def test_displacement_needs_fossil_when_an_energy_target_reads_it(make):
    """fossil_other_tce left at 0 with an energy-scope share: nothing to displace from."""
    e = _problem(make(generators=[HYDRO], electrification=[lever(10)],
                      targets=[{"id": "nf", "kind": "non_fossil_share", "scope": "energy", "value": 0.1}]))
    assert e.field == "electrification[heat].max_mwh" and "fossil_other_tce (0 tce)" in str(e)


def test_displacement_above_the_other_final_energy_is_one_error(make):
    """max 1000 × 0.35 = 350 tce > final_energy_other_tce 200 (the tighter of 200 and 400)."""
    e = _problem(make(generators=[GAS], electrification=[lever(1000)],
                      energy_accounting={"fossil_other_tce": 400.0, "final_energy_other_tce": 200.0}))
    assert e.field == "electrification[heat].max_mwh" and "final_energy_other_tce (200 tce)" in str(e)


def test_without_energy_accounts_the_lever_is_only_reported(make):
    """No energy target and no fossil_other_tce: nothing reads the displaced fossil, no error."""
    gridplan.prepare(make(generators=[GAS], electrification=[lever(100)]))


@pytest.mark.parametrize("command", ["validate", "solve"])
def test_cli_bad_electrification_is_one_line(make, command):
    case = make(generators=[GAS], electrification=[lever(100, 200)])
    p = subprocess.run([sys.executable, "-m", "gridplan", command, str(case._path)], cwd=REPO,
                       capture_output=True, text=True, timeout=300)
    lines = [line for line in p.stderr.strip().splitlines() if line.strip()]
    assert p.returncode == 2 and len(lines) == 1, p.stderr
    assert lines[0].startswith("error: ") and "electrification[heat].min_mwh" in lines[0]
