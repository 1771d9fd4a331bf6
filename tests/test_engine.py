"""Hand-derived tests of the engine's constraint families (issue #2, "Tests that prove it").

Every case here is small enough to solve on paper; the derivation is in each
test's docstring and the asserted numbers follow from it (the capital recovery
factor ``crf = r / (1 - (1 + r)^-n)`` is computed, being the definition).

Test catalogue (tests/data/catalogue.csv, year 2030, discount rate 0.06):

* gas: 1000 CNY/kW, 10 yr, efficiency 0.5, fuel gas 50 CNY/GJ
  → fuel cost 50 × 3.6 / 0.5 = 360 CNY/MWh, annualised capex 1e6 × crf(0.06, 10) CNY/MW-yr
* coal: 2000 CNY/kW, efficiency 0.4, fuel coal 25 CNY/GJ → 25 × 3.6 / 0.4 = 225 CNY/MWh
* solar: 500 CNY/kW, 10 yr, no fuel
* battery: 100 CNY/kW + 200 CNY/kWh, 10 yr, round-trip 0.81 (η_c = η_d = 0.9), no standing loss
* hydro_reservoir, line: costs irrelevant where used (existing capacity only)

Fixed O&M is 0 % everywhere, so existing capacity costs nothing and the objective
is capex annuities of new capacity plus fuel/O&M/VoLL of operation. Horizons are
24 or 48 h; "annual" means "over the horizon" (the annuity is charged once).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest

import gridplan
from gridplan import CaseError

from conftest import crf, prof, triangle, two_buses

R = 0.06
GAS_FUEL = 50 * 3.6 / 0.5      # 360 CNY/MWh
COAL_FUEL = 25 * 3.6 / 0.4     # 225 CNY/MWh
REL = 1e-6


ANN_GAS = 1000 * 1000 * crf(R, 10)      # CNY per MW-yr
ANN_SOLAR = 500 * 1000 * crf(R, 10)
ANN_BAT_MW = 100 * 1000 * crf(R, 10)
ANN_BAT_MWH = 200 * 1000 * crf(R, 10)   # CNY per MWh-yr


def approx(x, rel=REL, abs=1e-6):
    return pytest.approx(x, rel=rel, abs=abs)


def one_bus(demand_col="load", peak=100.0, **parts):
    """A one-bus case dict with demand ``peak × profile[demand_col]``."""
    return {"time": {"hours": parts.pop("hours", 24)},
            "buses": [{"name": "A", "demand": {"profile": prof(demand_col), "peak_mw": peak}}],
            **parts}


def solve(path, **kw):
    return gridplan.solve(gridplan.load_case(path), **kw)


def built(res, name, component="generator"):
    c = res.capacities
    return float(c[(c["name"] == name) & (c["component"] == component)]["built"].iloc[0])


def energy(res, block, name_idx=0):
    """Σ_t w_t x[i, t] of a (element, snapshot) block."""
    return float((res.value(block)[name_idx] * res.data.weights).sum())


# ------------------------------------------------------------------------- 1 capacity + energy


def test_single_bus_dispatchable_capacity_and_energy(write_case):
    """One bus; demand 100 MW for 12 h and 50 MW for 12 h; gas only, expandable.

    Capacity = peak = 100 MW (built, nothing exists).
    Energy   = 12 × 100 + 12 × 50 = 1800 MWh, all gas at 360 CNY/MWh.
    Cost     = 100 × ANN_GAS + 1800 × 360.
    Prices: off-peak hours the capacity row is slack, so the LMP is the fuel
    cost, 360 CNY/MWh (positive: more demand costs more). In peak hours the
    capacity rows bind; their duals sum to the annuity, so
    Σ_peak w_t (price_t − 360) = ANN_GAS per MW.
    """
    load = [1.0] * 12 + [0.5] * 12
    path = write_case(one_bus(generators=[{"name": "g", "bus": "A", "technology": "gas", "max_mw": 1000}]),
                      {"load": load})
    res = solve(path)
    assert built(res, "g") == approx(100.0)
    assert res.objective == approx(100 * ANN_GAS + 1800 * GAS_FUEL)
    assert energy(res, "gen_p") == approx(1800.0)
    price = res.prices["A"].to_numpy()
    assert price[12:] == approx(np.full(12, GAS_FUEL))
    assert (price[:12] - GAS_FUEL).sum() == approx(ANN_GAS)
    assert res.shedding["shed_mwh"].sum() == approx(0.0)


def test_balance_dual_sign_gives_positive_prices(write_case):
    """HiGHS's row-dual sign: the reported LMP is ∂cost/∂demand, positive here.

    Existing coal 200 MW (no capex) serves 80 MW flat: one more MWh of demand
    costs 225 CNY, so every price is +225 CNY/MWh. Adding 1 MW of demand in
    every hour raises the cost by exactly Σ_t w_t × price_t = 24 × 225.
    """
    gens = [{"name": "c", "bus": "A", "technology": "coal", "existing_mw": 200}]
    base = solve(write_case(one_bus(peak=80, generators=gens), {"load": [1.0] * 24}))
    more = solve(write_case(one_bus(peak=81, generators=gens), {"load": [1.0] * 24}))
    assert base.prices["A"].to_numpy() == approx(np.full(24, COAL_FUEL))
    assert more.objective - base.objective == approx((base.prices["A"] * base.snapshots["weight"]).sum())
    assert more.objective - base.objective == approx(24 * COAL_FUEL)
    # at 3 h per snapshot the dual is scaled by the weight: still CNY/MWh
    r3 = solve(write_case(one_bus(peak=80, generators=gens), {"load": [1.0] * 24}), resolution=3)
    assert r3.prices["A"].to_numpy() == approx(np.full(8, COAL_FUEL))


# ------------------------------------------------------------------------- 2 solar + battery


def test_solar_battery_sizes_follow_the_profile(write_case):
    """Solar available 1.0 for hours 6–17 and 0 otherwise; flat 100 MW; battery; VoLL huge.

    Night (12 h × 100 MW = 1200 MWh) must come from the battery:
      discharge 100 MW for 12 h; energy E = 1200 / η_d = 1200 / 0.9 = 1333.33 MWh.
    Charged energy = E / η_c = 1200 / 0.81 = 1481.48 MWh, over the 12 sunny hours; the
      smallest peak charge is flat: 1481.48 / 12 = 123.457 MW, which sets the
      battery power P = max(123.457, 100) = 123.457 MW.
    Solar S = 100 (day load) + 123.457 (charging) = 223.457 MW (any uneven charging
      needs more S).
    Cost = S × ANN_SOLAR + P × ANN_BAT_MW + E × ANN_BAT_MWH (no fuel, no O&M).
    """
    sun = [0.0] * 6 + [1.0] * 12 + [0.0] * 6
    case = one_bus(
        options={"voll_cny_per_mwh": 1e6},
        generators=[{"name": "pv", "bus": "A", "technology": "solar", "max_mw": 10_000,
                     "availability": prof("sun")}],
        storage=[{"name": "bat", "bus": "A", "technology": "battery", "max_mw": 10_000}])
    res = solve(write_case(case, {"load": [1.0] * 24, "sun": sun}))
    E = 1200 / 0.9
    P = 1200 / 0.81 / 12
    S = 100 + P
    assert built(res, "bat", "storage_energy") == approx(E)
    assert built(res, "bat", "storage") == approx(P)
    assert built(res, "pv") == approx(S)
    assert res.objective == approx(S * ANN_SOLAR + P * ANN_BAT_MW + E * ANN_BAT_MWH)
    assert res.shedding["shed_mwh"].sum() == approx(0.0, abs=1e-5)


@pytest.mark.parametrize("duration, P, E", [
    ({"max_duration_h": 4}, 1200 / 0.9 / 4, 1200 / 0.9),          # E/P <= 4: P = E / 4
    ({"min_duration_h": 20}, 1200 / 0.81 / 12, 20 * 1200 / 0.81 / 12),  # E/P >= 20: E = 20 P
])
def test_storage_duration_bounds(write_case, duration, P, E):
    """The case above with a duration bound on the battery.

    max 4 h: E = 1333.33 MWh is still needed, so P >= E / 4 = 333.33 MW (> the 123.457
      charging needs); solar is unchanged (flat charging still minimises it).
    min 20 h: P = 123.457 MW is still needed for charging, so E >= 20 P = 2469.1 MWh.
    In both, solar S = 100 + 1200 / 0.81 / 12 and
    cost = S × ANN_SOLAR + P × ANN_BAT_MW + E × ANN_BAT_MWH.
    """
    sun = [0.0] * 6 + [1.0] * 12 + [0.0] * 6
    case = one_bus(
        options={"voll_cny_per_mwh": 1e6},
        generators=[{"name": "pv", "bus": "A", "technology": "solar", "max_mw": 10_000,
                     "availability": prof("sun")}],
        storage=[{"name": "bat", "bus": "A", "technology": "battery", "max_mw": 10_000, **duration}])
    res = solve(write_case(case, {"load": [1.0] * 24, "sun": sun}))
    S = 100 + 1200 / 0.81 / 12
    assert built(res, "bat", "storage") == approx(P)
    assert built(res, "bat", "storage_energy") == approx(E)
    assert built(res, "pv") == approx(S)
    assert res.objective == approx(S * ANN_SOLAR + P * ANN_BAT_MW + E * ANN_BAT_MWH)


# ------------------------------------------------------------------------- 3 two buses, binding line


def test_two_buses_binding_line_prices(write_case):
    """A: existing coal 200 MW, demand 20 MW. B: existing gas 200 MW, demand 100 MW.
    Line A→B rated 50 MW (not expandable).

    Coal (225) is cheaper: it serves A (20) and exports up to the limit, 50 MW;
    gas covers the rest of B, 50 MW. Neither unit is at capacity, so
    LMP_A = 225 and LMP_B = 360 CNY/MWh in every hour; flow = +50 MW (A→B).
    Cost = 24 × (70 × 225 + 50 × 360).
    """
    res = solve(write_case(two_buses(), {"load": [1.0] * 24}))
    assert res.prices["A"].to_numpy() == approx(np.full(24, COAL_FUEL))
    assert res.prices["B"].to_numpy() == approx(np.full(24, GAS_FUEL))
    assert res.value("line_flow")[0] == approx(np.full(24, 50.0))
    assert res.objective == approx(24 * (70 * COAL_FUEL + 50 * GAS_FUEL))


def test_line_expansion_cost(write_case):
    """As above but the line may expand to 200 MW at 10 CNY/(MW·km) × 100 km, 10 yr.

    Annual cost of 1 MW of line: 10 × 100 × crf(0.06, 10) ≈ 135.9 CNY, far below the
    24 × (360 − 225) = 3240 CNY a MW of transfer saves: the line is built to carry all
    of B's load, 100 MW (built 50), and gas is not used.
    Cost = 50 × 1000 × crf + 24 × 120 × 225.
    """
    case = {
        "time": {"hours": 24},
        "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 20}},
                  {"name": "B", "demand": {"profile": prof("load"), "peak_mw": 100}}],
        "generators": [{"name": "coal_A", "bus": "A", "technology": "coal", "existing_mw": 200},
                       {"name": "gas_B", "bus": "B", "technology": "gas", "existing_mw": 200}],
        "lines": [{"name": "AB", "bus0": "A", "bus1": "B", "existing_mw": 50, "max_mw": 200,
                   "length_km": 100, "technology": "line"}],
    }
    res = solve(write_case(case, {"load": [1.0] * 24}))
    assert built(res, "AB", "line") == approx(50.0)
    assert res.value("line_flow")[0] == approx(np.full(24, 100.0))
    assert res.objective == approx(50 * 10 * 100 * crf(R, 10) + 24 * 120 * COAL_FUEL)


# ------------------------------------------------------------------------- 4 DC power flow


def test_dc_power_flow_splits_by_reactance(write_case):
    """DC flow, no binding limit: 100 MW from bus 1 to bus 3 over two parallel paths,
    direct (x = 1) and via bus 2 (x = 1 + 2 = 3). KVL x12 f12 + x23 f23 − x13 f13 = 0
    with f12 = f23 = 100 − f13 gives 3 (100 − f13) = f13: f13 = 75, f12 = f23 = 25.
    """
    res = solve(write_case(triangle("dc", 500), {"load": [1.0] * 24}))
    f = dict(zip(res.data.lines.index, res.value("line_flow")))
    assert f["l13"] == approx(np.full(24, 75.0))
    assert f["l12"] == approx(np.full(24, 25.0))
    assert f["l23"] == approx(np.full(24, 25.0))
    assert res.objective == approx(24 * 100 * COAL_FUEL)


def test_dc_power_flow_binding_line_vs_transport(write_case):
    """Line 1-3 limited to 60 MW, lines 1-2 and 2-3 to 40 MW.

    Transport model: the split is free, so coal sends 60 direct + 40 via bus 2 and
    serves all 100 MW: cost 24 × 100 × 225, flows f13 = 60, f12 = f23 = 40 (unique
    here because every line is at its limit; with loose limits a transport model
    admits any loop flow around the cycle, see the next test).

    DC: coal output c flows 3/4 on 1-3 (see above), so 3c/4 <= 60 → c = 80, gas 20
    at bus 3: cost 24 × (80 × 225 + 20 × 360); f13 = 60, f12 = f23 = 20.
    LMPs: λ1 = 225 (coal marginal), λ3 = 360 (gas marginal); with PTDFs on 1-3 of
    3/4 (1→3) and 1/4 (1→2): λ3 = λ1 + μ · 3/4 → μ = 180, λ2 = λ1 + μ/4 = 270.
    """
    tr = solve(write_case(triangle("transport", 60, 40), {"load": [1.0] * 24}))
    f = dict(zip(tr.data.lines.index, tr.value("line_flow")))
    assert f["l13"] == approx(np.full(24, 60.0))
    assert f["l12"] == approx(np.full(24, 40.0))
    assert f["l23"] == approx(np.full(24, 40.0))
    assert tr.objective == approx(24 * 100 * COAL_FUEL)

    dc = solve(write_case(triangle("dc", 60, 40), {"load": [1.0] * 24}))
    f = dict(zip(dc.data.lines.index, dc.value("line_flow")))
    assert f["l13"] == approx(np.full(24, 60.0))
    assert f["l12"] == approx(np.full(24, 20.0))
    assert f["l23"] == approx(np.full(24, 20.0))
    assert dc.objective == approx(24 * (80 * COAL_FUEL + 20 * GAS_FUEL))
    p = dc.prices
    assert p["b1"].to_numpy() == approx(np.full(24, 225.0))
    assert p["b2"].to_numpy() == approx(np.full(24, 270.0))
    assert p["b3"].to_numpy() == approx(np.full(24, 360.0))


def test_dc_controllable_link_is_not_in_kvl(write_case):
    """Line 1-3 a controllable link (an HVDC link, no reactance) rated 60 MW, lines 1-2 and
    2-3 at 40 MW. Without a cycle through the link, the split is the operator's, as in the
    transport model: coal sends 60 on the link and 40 via bus 2 and serves all 100 MW
    (cost 24 × 100 × 225), where with 1-3 an AC line (previous test) KVL held coal to 80
    MW (f13 = 3c/4 <= 60) and gas served 20 MW at 360."""
    case = triangle("dc", 60, 40, reactance_ohm=None, controllable=True)
    res = solve(write_case(case, {"load": [1.0] * 24}))
    f = dict(zip(res.data.lines.index, res.value("line_flow")))
    assert f["l13"] == approx(np.full(24, 60.0))
    assert f["l12"] == approx(np.full(24, 40.0))
    assert f["l23"] == approx(np.full(24, 40.0))
    assert res.objective == approx(24 * 100 * COAL_FUEL)
    assert "line_kvl" not in res.ctx.lp.cons     # the only cycle ran through the link


def test_dc_open_line_is_not_in_kvl(write_case):
    """Line 1-3 rated 0 MW and not expandable is open: it imposes no KVL. All 100 MW
    go 1 → 2 → 3 (f12 = f23 = 100) on coal. If the open line stayed in the cycle,
    KVL 1 · f12 + 2 · f23 − 1 · 0 = 0 with f12 = f23 would force f12 = f23 = 0 and gas
    would serve the load at 360."""
    res = solve(write_case(triangle("dc", 0), {"load": [1.0] * 24}))
    f = dict(zip(res.data.lines.index, res.value("line_flow")))
    assert f["l12"] == approx(np.full(24, 100.0))
    assert f["l23"] == approx(np.full(24, 100.0))
    assert f["l13"] == approx(np.zeros(24))
    assert res.objective == approx(24 * 100 * COAL_FUEL)


def test_transport_loop_flows_are_free(write_case):
    """Transport model with loose limits (500 MW): only the net transfer is determined,
    f12 = f23 (bus 2 has no injection) and f12 + f13 = 100 at bus 3 — the split is
    free, unlike under DC where it is fixed at 25 / 75."""
    res = solve(write_case(triangle("transport", 500), {"load": [1.0] * 24}))
    f = dict(zip(res.data.lines.index, res.value("line_flow")))
    assert f["l12"] == approx(f["l23"])
    assert f["l12"] + f["l13"] == approx(np.full(24, 100.0))
    assert res.objective == approx(24 * 100 * COAL_FUEL)


def test_dc_parallel_lines_split_by_reactance(write_case):
    """Two parallel lines A–B (x = 1 and x = 3, the second drawn B→A): KVL gives
    f1 · 1 = −f2 · 3 … i.e. the 100 MW transfer splits 75 / 25 (f2 = −25 as drawn)."""
    case = {
        "time": {"hours": 24}, "options": {"power_flow": "dc"},
        "buses": [{"name": "A"}, {"name": "B", "demand": {"profile": prof("load"), "peak_mw": 100}}],
        "generators": [{"name": "c", "bus": "A", "technology": "coal", "existing_mw": 200}],
        "lines": [{"name": "p1", "bus0": "A", "bus1": "B", "existing_mw": 500, "reactance_ohm": 1.0,
                   "technology": "line"},
                  {"name": "p2", "bus0": "B", "bus1": "A", "existing_mw": 500, "reactance_ohm": 3.0,
                   "technology": "line"}],
    }
    res = solve(write_case(case, {"load": [1.0] * 24}))
    f = res.value("line_flow")
    assert f[0] == approx(np.full(24, 75.0))
    assert f[1] == approx(np.full(24, -25.0))


# ------------------------------------------------------------------------- 5 storage losses


def test_storage_round_trip_losses(write_case):
    """Existing solar 300 MW (free) available hours 6–17; flat 100 MW demand; existing
    battery 100 MW / 1000 MWh (η_c = η_d = 0.9, vom overridden to 1 CNY/MWh so it
    does not cycle for nothing); existing gas 200 MW for the rest.

    By day solar has 200 MW spare but the battery charges at most 100 MW; storing
    1000 MWh (full) needs 1000 / 0.9 = 1111.1 MWh of charging (< 1200 possible).
    At night it delivers 1000 × 0.9 = 900 MWh; gas the remaining 1200 − 900 = 300 MWh.
    Over the cycle: charged × η_rt = 1111.1 × 0.81 = 900 = discharged.
    Cost = 300 × 360 + 900 × 1 (vom on discharge).
    """
    sun = [0.0] * 6 + [1.0] * 12 + [0.0] * 6
    case = one_bus(
        technologies={"catalogue": "catalogue.csv", "fuels": "fuels.csv",
                      "overrides": {"battery": {"vom_cny_per_mwh": 1.0}}},
        generators=[{"name": "pv", "bus": "A", "technology": "solar", "existing_mw": 300,
                     "availability": prof("sun")},
                    {"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 200}],
        storage=[{"name": "bat", "bus": "A", "technology": "battery", "existing_mw": 100,
                  "existing_mwh": 1000}])
    res = solve(write_case(case, {"load": [1.0] * 24, "sun": sun}))
    charged = energy(res, "storage_charge")
    discharged = energy(res, "storage_discharge")
    assert charged == approx(1000 / 0.9)
    assert discharged == approx(900.0)
    assert charged * 0.81 == approx(discharged)
    assert energy(res, "gen_p", 1) == approx(300.0)
    assert res.value("storage_soc").max() == approx(1000.0)
    assert res.objective == approx(300 * GAS_FUEL + 900 * 1.0)


def test_storage_standing_loss(write_case):
    """Standing loss 1 %/h (override): the battery is charged in hour 0 only (the only
    hour with free solar) and must deliver 100 MWh in hour 12, else gas at 360.

    soc decays by 0.99 per hour between them: charging in hour 0 stores 0.9 ch,
    after 12 h of decay (hours 1..12 each apply 0.99 before the hour's flows) the
    stored energy is 0.9 ch × 0.99^12 and delivers 0.9 × that. Gas is needed only if
    the battery cannot serve, so ch = 100 / (0.81 × 0.99^12) (capacity is ample).
    """
    sun = [1.0] + [0.0] * 23
    load = [0.0] * 12 + [1.0] + [0.0] * 11
    case = one_bus(
        technologies={"catalogue": "catalogue.csv", "fuels": "fuels.csv",
                      "overrides": {"battery": {"standing_loss_pct_per_h": 1.0},
                                    "solar": {"vom_cny_per_mwh": 1.0}}},
        generators=[{"name": "pv", "bus": "A", "technology": "solar", "existing_mw": 1000,
                     "availability": prof("sun")},
                    {"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 200}],
        storage=[{"name": "bat", "bus": "A", "technology": "battery", "existing_mw": 500,
                  "existing_mwh": 1000}])
    res = solve(write_case(case, {"load": load, "sun": sun}))
    ch = res.value("storage_charge")[0]
    assert ch[0] == approx(100 / (0.81 * 0.99 ** 12))
    assert energy(res, "storage_charge") == approx(ch[0])
    assert energy(res, "storage_discharge") == approx(100.0)
    assert res.objective == approx(ch[0] * 1.0)


# ------------------------------------------------------------------------- 6 reservoir


def _reservoir_case(volume, min_release=0.0):
    """Demand 100 MW for 12 h then 20 MW for 12 h; reservoir turbine 200 MW with a
    flat inflow of 50 MW (scale 50 on a flat column); existing gas 200 MW backup."""
    return one_bus(
        generators=[{"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 200}],
        reservoirs=[{"name": "res", "bus": "A", "existing_mw": 200, "reservoir_mwh": volume,
                     "inflow": prof("flat", scale=50), "min_release": min_release}])


RES_PROFILES = {"load": [1.0] * 12 + [0.2] * 12, "flat": [1.0] * 24}
DEMAND_RES = 12 * 100 + 12 * 20   # 1440 MWh


def test_reservoir_output_equals_inflow(write_case):
    """Volume 2000 MWh (ample): cyclic level, so annual output <= Σ inflow = 50 × 24
    = 1200 MWh, and with gas at 360 it uses all of it: output 1200, no spill,
    gas 1440 − 1200 = 240 MWh. Cost 240 × 360."""
    res = solve(write_case(_reservoir_case(2000), RES_PROFILES))
    assert energy(res, "reservoir_p") == approx(1200.0)
    assert energy(res, "reservoir_spill") == approx(0.0)
    assert energy(res, "gen_p") == approx(DEMAND_RES - 1200.0)
    assert res.objective == approx((DEMAND_RES - 1200) * GAS_FUEL)
    lv = res.value("reservoir_level")[0]
    assert lv.max() <= 2000 + 1e-6


def test_reservoir_small_volume_spills(write_case):
    """Volume 100 MWh: during the 12 low hours the inflow (50) exceeds demand (20) by
    30 MW = 360 MWh; the reservoir can shift only 100 MWh of it to the peak, the
    other 260 MWh spill. Output 1200 − 260 = 940 MWh, gas 1440 − 940 = 500 MWh."""
    res = solve(write_case(_reservoir_case(100), RES_PROFILES))
    assert energy(res, "reservoir_p") == approx(940.0)
    assert energy(res, "reservoir_spill") == approx(260.0)
    assert energy(res, "gen_p") == approx(500.0)
    assert res.objective == approx(500 * GAS_FUEL)


def test_reservoir_min_release_forces_run_of_river(write_case):
    """min_release 1.0 with a big volume: turbine + spill >= inflow every hour makes the
    level non-increasing, hence constant (cyclic): run-of-river. Output
    = Σ min(inflow, demand) = 12 × 50 + 12 × 20 = 840 MWh, spill 360, gas 600."""
    res = solve(write_case(_reservoir_case(2000, min_release=1.0), RES_PROFILES))
    assert energy(res, "reservoir_p") == approx(840.0)
    assert energy(res, "reservoir_spill") == approx(360.0)
    assert energy(res, "gen_p") == approx(600.0)


# ------------------------------------------------------------------------- 7 resolution


def test_resolution_3h_keeps_the_energy_balance(write_case):
    """Profiles constant over each 3-hour block (sun hours 6–17, load 100 or 60 MW),
    existing solar 200 MW (free), battery 50 MW / 300 MWh existing and expandable,
    gas expandable. At 3 h every snapshot has weight 3.

    * Demand energy is the same: Σ w d = 12 × 100 + 12 × 60 = 1920 MWh at 1 h and 3 h.
    * No free energy: Σ w (gen) + Σ w (dis − ch) = demand, and Σ w dis = 0.81 Σ w ch.
    * With block-constant data the 1 h optimum can be taken block-constant (average
      within each block: every constraint is linear and time-invariant inside a
      block, and the state of charge at block ends is unchanged), and the 3 h model
      is exactly the 1 h model restricted to block-constant schedules: the two
      objectives are equal.
    """
    sun = [0.0] * 6 + [1.0] * 12 + [0.0] * 6
    load = [0.6] * 6 + [1.0] * 12 + [0.6] * 6
    case = one_bus(
        generators=[{"name": "pv", "bus": "A", "technology": "solar", "existing_mw": 200,
                     "availability": prof("sun")},
                    {"name": "gas", "bus": "A", "technology": "gas", "max_mw": 10_000}],
        storage=[{"name": "bat", "bus": "A", "technology": "battery", "existing_mw": 50,
                  "existing_mwh": 300, "max_mw": 10_000}])
    path = write_case(case, {"load": load, "sun": sun})
    results = {res: solve(path, resolution=res) for res in (1, 3)}
    assert results[3].data.T == 8
    assert (results[3].data.weights == 3).all()
    for r in results.values():
        assert r.demand_mwh == approx(1920.0)
        gen = sum(energy(r, "gen_p", i) for i in range(2))
        ch, dis = energy(r, "storage_charge"), energy(r, "storage_discharge")
        assert gen + dis - ch == approx(1920.0)
        assert dis == approx(0.81 * ch)
        assert r.shedding["shed_mwh"].sum() == approx(0.0, abs=1e-6)
    assert results[3].objective == approx(results[1].objective)
    assert energy(results[1], "storage_charge") > 1.0   # the battery is used


# ------------------------------------------------------------------------- 8 shedding


def test_load_shedding_at_voll(write_case):
    """Existing gas 80 MW (not expandable), flat 100 MW: 20 MW shed every hour.
    Shed energy 480 MWh in 24 h; cost = 24 × 80 × 360 + 480 × VoLL; the price is
    VoLL in every hour (one more MW is shed)."""
    voll = 20_000.0
    case = one_bus(options={"voll_cny_per_mwh": voll},
                   generators=[{"name": "g", "bus": "A", "technology": "gas", "existing_mw": 80}])
    res = solve(write_case(case, {"load": [1.0] * 24}))
    sh = res.shedding.loc["A"]
    assert sh["shed_mwh"] == approx(480.0)
    assert sh["hours"] == approx(24.0)
    assert sh["max_mw"] == approx(20.0)
    assert res.objective == approx(24 * 80 * GAS_FUEL + 480 * voll)
    costs = res.costs.set_index("term")["cny"]
    assert costs["shedding"] == approx(480 * voll)
    assert res.prices["A"].to_numpy() == approx(np.full(24, voll))


# ------------------------------------------------------------------------- 9 DR, must-run, ramp


def test_demand_response_energy_limit(write_case):
    """Demand 100 MW for 4 h, 50 MW for 20 h; gas expandable; demand response 30 MW
    existing (max 30), activation 100 CNY/MWh, at most 2 full hours a year → 60 MWh.

    Activation (100) is cheaper than gas fuel (360), so all 60 MWh are used, and
    they are used to shave the peak: spread evenly over the 4 peak hours (15 MW
    each) the peak falls to 85 MW, the least possible. Gas capacity = 85 MW,
    gas energy = (400 + 1000) − 60 = 1340 MWh.
    Cost = 85 × ANN_GAS + 1340 × 360 + 60 × 100.
    (VoLL is raised to 1e6 CNY/MWh: over a 24 h horizon, shedding 4 peak hours at the
    default 30 000 CNY/MWh would be cheaper than a MW of gas, 4 × 30 000 < ANN_GAS.)
    """
    load = [1.0] * 4 + [0.5] * 20
    case = one_bus(
        options={"voll_cny_per_mwh": 1e6},
        generators=[{"name": "g", "bus": "A", "technology": "gas", "max_mw": 1000}],
        demand_response=[{"name": "dr", "bus": "A", "existing_mw": 30, "max_mw": 30,
                          "activation_cny_per_mwh": 100, "max_hours_per_year": 2}])
    res = solve(write_case(case, {"load": load}))
    dr = res.value("dr_p")[0]
    assert dr[:4] == approx(np.full(4, 15.0))
    assert dr.sum() == approx(60.0)
    assert built(res, "g") == approx(85.0)
    assert energy(res, "gen_p") == approx(1340.0)
    assert res.objective == approx(85 * ANN_GAS + 1340 * GAS_FUEL + 60 * 100)


def test_demand_response_capability_is_built(write_case):
    """Demand response expandable at 10 CNY/kW-yr = 10 000 CNY/MW-yr, 1 full hour per year
    per MW contracted; no activation cost; the peak (100 MW for 1 h, 50 otherwise)
    is served by gas 50 MW existing only. Each MW of DR gives 1 MWh: the 50 MWh
    above 50 MW in the peak hour need D = 50 MW (energy row binds: 50 ≤ 1 × D).
    Cost = 50 × 10 000 + 23 × 50 × 360 + 50 × 360 … i.e. gas 50 MW all 24 h."""
    load = [1.0] + [0.5] * 23
    case = one_bus(
        generators=[{"name": "g", "bus": "A", "technology": "gas", "existing_mw": 50}],
        demand_response=[{"name": "dr", "bus": "A", "cost_cny_per_kw_yr": 10, "max_hours_per_year": 1}])
    res = solve(write_case(case, {"load": load}))
    assert built(res, "dr", "demand_response") == approx(50.0)
    assert res.value("dr_p")[0][0] == approx(50.0)
    assert res.objective == approx(50 * 10_000 + 24 * 50 * GAS_FUEL)


def test_demand_response_cannot_exceed_the_load(write_case):
    """Bus A: load 10 MW, demand response 30 MW contracted (two units of 20 and 10 MW,
    free to activate, no energy limit). Bus B: load 50 MW and gas 200 MW; line A–B
    100 MW. DR curtails A's own load, at most 10 MW: it cannot act as a 30 MW
    generator exporting 20 MW to B. So dr_A = 10 in total, gas 50, cost 24 × 50 × 360."""
    case = {
        "time": {"hours": 24},
        "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 10}},
                  {"name": "B", "demand": {"profile": prof("load"), "peak_mw": 50}}],
        "generators": [{"name": "gas", "bus": "B", "technology": "gas", "existing_mw": 200}],
        "lines": [{"name": "AB", "bus0": "A", "bus1": "B", "existing_mw": 100, "technology": "line"}],
        "demand_response": [{"name": "dr1", "bus": "A", "existing_mw": 20, "max_mw": 20},
                            {"name": "dr2", "bus": "A", "existing_mw": 10, "max_mw": 10}],
    }
    res = solve(write_case(case, {"load": [1.0] * 24}))
    assert res.value("dr_p").sum(axis=0) == approx(np.full(24, 10.0))
    assert res.value("line_flow")[0] == approx(np.zeros(24))
    assert res.objective == approx(24 * 50 * GAS_FUEL)


def test_exchanges_import_and_export(write_case):
    """Import: existing gas 200 MW (360) and an import of at most 50 MW at 300 CNY/MWh,
    flat 100 MW: import 50, gas 50; cost 24 × (50 × 300 + 50 × 360); price 360.
    Export: coal 200 MW (225) and an export of at most 50 MW paid 250 CNY/MWh > 225:
    coal 150, export 50; cost 24 × (150 × 225 − 50 × 250); price 225 (coal marginal)."""
    imp = one_bus(generators=[{"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 200}],
                  exchanges=[{"name": "grid", "bus": "A", "max_import_mw": 50, "import_cny_per_mwh": 300}])
    res = solve(write_case(imp, {"load": [1.0] * 24}))
    assert res.value("import_p")[0] == approx(np.full(24, 50.0))
    assert res.objective == approx(24 * (50 * 300 + 50 * GAS_FUEL))
    assert res.prices["A"].to_numpy() == approx(np.full(24, GAS_FUEL))

    exp = one_bus(generators=[{"name": "coal", "bus": "A", "technology": "coal", "existing_mw": 200}],
                  exchanges=[{"name": "grid", "bus": "A", "max_export_mw": 50, "export_cny_per_mwh": 250}])
    res = solve(write_case(exp, {"load": [1.0] * 24}))
    assert res.value("export_p")[0] == approx(np.full(24, 50.0))
    assert res.value("gen_p")[0] == approx(np.full(24, 150.0))
    assert res.objective == approx(24 * (150 * COAL_FUEL - 50 * 250))
    assert res.prices["A"].to_numpy() == approx(np.full(24, COAL_FUEL))


def test_must_run_minimum(write_case):
    """Free solar 100 MW available all day; coal 100 MW existing with must_run 0.6;
    flat 100 MW demand. Without must-run coal would not run; with it coal makes
    60 MW every hour, solar 40 (60 MW curtailed).
    Cost = 24 × 60 × 225; curtailment 24 × 60 = 1440 MWh."""
    case = one_bus(
        generators=[{"name": "pv", "bus": "A", "technology": "solar", "existing_mw": 100,
                     "availability": prof("load")},
                    {"name": "coal", "bus": "A", "technology": "coal", "existing_mw": 100, "must_run": 0.6}])
    res = solve(write_case(case, {"load": [1.0] * 24}))
    p = res.value("gen_p")
    assert p[1] == approx(np.full(24, 60.0))
    assert p[0] == approx(np.full(24, 40.0))
    assert res.objective == approx(24 * 60 * COAL_FUEL)
    assert res.curtailment.loc["pv", "curtailed_mwh"] == approx(1440.0)


def test_must_run_on_expandable_capacity(write_case):
    """Must-run applies to built capacity too: coal expandable (max 100), must_run 0.5,
    demand 40 MW flat plus free solar 100 MW. The least coal allowed (min_mw 60) is
    built and must run at 30 MW every hour; solar covers the other 10 MW.
    Cost = 60 × 2000 × 1000 × crf + 24 × 30 × 225.
    """
    case = one_bus(
        peak=40,
        generators=[{"name": "pv", "bus": "A", "technology": "solar", "existing_mw": 100,
                     "availability": prof("load")},
                    {"name": "coal", "bus": "A", "technology": "coal", "min_mw": 60, "max_mw": 100,
                     "must_run": 0.5}])
    res = solve(write_case(case, {"load": [1.0] * 24}))
    assert built(res, "coal") == approx(60.0)
    assert res.value("gen_p")[1] == approx(np.full(24, 30.0))
    assert res.objective == approx(60 * 2000 * 1000 * crf(R, 10) + 24 * 30 * COAL_FUEL)


def test_must_run_is_capped_by_availability(write_case):
    """Coal 100 MW with must_run 0.5 and an availability (derate) of 1.0 for 12 h and
    0.3 for 12 h; free solar 100 MW available all day; flat 100 MW demand.
    The floor is min(must_run, a) · P: coal runs 50 MW for 12 h and 30 MW (all it
    has) for 12 h, solar the rest. Coal energy 960 MWh, cost 960 × 225.
    (A floor of must_run · P = 50 above the 30 MW available would be infeasible.)"""
    case = one_bus(
        generators=[{"name": "pv", "bus": "A", "technology": "solar", "existing_mw": 100,
                     "availability": prof("load")},
                    {"name": "coal", "bus": "A", "technology": "coal", "existing_mw": 100,
                     "availability": prof("derate"), "must_run": 0.5}])
    res = solve(write_case(case, {"load": [1.0] * 24, "derate": [1.0] * 12 + [0.3] * 12}))
    assert res.value("gen_p")[1] == approx(np.array([50.0] * 12 + [30.0] * 12))
    assert res.objective == approx(960 * COAL_FUEL)


def test_ramp_limit(write_case):
    """Coal 200 MW existing with ramp 0.1/h (20 MW per hour); gas 200 MW (no ramp limit).
    Demand 50 MW for hours 0–11, 150 MW for hours 12–23 (cyclic: hour 23 → hour 0).

    Coal cannot exceed demand (no sink), so it runs 50 in the low hours; up from 50 it
    reaches 70, 90, 110, 130, 150 in hours 12..16; going back down to 50 at hour 0
    it must be ≤ 70 at 23, 90 at 22, 110 at 21, 130 at 20. High hours:
    70 90 110 130 150 150 150 150 130 110 90 70 → 1400 MWh; gas fills
    12 × 150 − 1400 = 400 MWh. Coal total 600 + 1400 = 2000 MWh.
    Cost = 2000 × 225 + 400 × 360.
    """
    load = [50 / 150] * 12 + [1.0] * 12
    case = one_bus(
        peak=150,
        generators=[{"name": "coal", "bus": "A", "technology": "coal", "existing_mw": 200, "ramp": 0.1},
                    {"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 200}])
    res = solve(write_case(case, {"load": load}))
    coal = res.value("gen_p")[0]
    expected = [50.0] * 12 + [70, 90, 110, 130, 150, 150, 150, 150, 130, 110, 90, 70]
    assert coal == approx(np.array(expected, dtype=float))
    assert energy(res, "gen_p", 1) == approx(400.0)
    assert res.objective == approx(2000 * COAL_FUEL + 400 * GAS_FUEL)


# ------------------------------------------------------------------------- 10 validation errors


def _base(**extra):
    case = one_bus(generators=[{"name": "g", "bus": "A", "technology": "gas", "max_mw": 1000}])
    case.update(extra)
    return case


def _error(path, prepare=False) -> str:
    with pytest.raises(CaseError) as exc:
        case = gridplan.load_case(path)
        if prepare:
            gridplan.prepare(case)
    msg = str(exc.value)
    assert "\n" not in msg, msg
    assert str(path) in msg or path.name in msg, msg
    return msg


PROFILES_24 = {"load": [1.0] * 24}


def test_error_unknown_bus(write_case):
    case = _base()
    case["generators"][0]["bus"] = "Z"
    msg = _error(write_case(case, PROFILES_24))
    assert "generators[g].bus" in msg and "'Z'" in msg and "a bus defined under buses (A)" in msg


def test_error_unknown_key(write_case):
    case = _base()
    case["generators"][0]["max_mww"] = 5
    msg = _error(write_case(case, PROFILES_24))
    assert "generators[g].max_mww" in msg and "no such field" in msg


def test_error_negative_capacity(write_case):
    case = _base()
    case["generators"][0]["existing_mw"] = -5
    msg = _error(write_case(case, PROFILES_24))
    assert "generators[g].existing_mw" in msg and "-5" in msg and "greater than or equal to 0" in msg


def test_error_min_above_max(write_case):
    case = _base()
    case["generators"][0]["min_mw"] = 2000
    msg = _error(write_case(case, PROFILES_24))
    assert "generators[g]" in msg and "min_mw 2000" in msg and "max_mw 1000" in msg


def test_error_duplicate_names(write_case):
    case = _base()
    case["generators"].append(dict(case["generators"][0]))
    msg = _error(write_case(case, PROFILES_24))
    assert "generators" in msg and "duplicate name 'g'" in msg


def test_error_profile_wrong_length(write_case):
    msg = _error(write_case(_base(), {"load": [1.0] * 23}), prepare=True)
    assert "buses[A].demand.profile" in msg and "23 rows" in msg and "24 rows" in msg


@pytest.mark.parametrize("bad, shown", [(float("nan"), "row 7 is not a number"), (-0.5, "row 7 = -0.5")])
def test_error_profile_bad_value(write_case, bad, shown):
    load = [1.0] * 24
    load[5] = bad   # data row 6 = file line 7 (after the header)
    msg = _error(write_case(_base(), {"load": load}), prepare=True)
    assert "buses[A].demand.profile" in msg and shown in msg and "profiles.csv:load" in msg


def test_error_roundtrip_efficiency_override(write_case):
    case = _base(technologies={"catalogue": "catalogue.csv", "fuels": "fuels.csv",
                               "overrides": {"battery": {"roundtrip_efficiency": 1.2}}},
                 storage=[{"name": "bat", "bus": "A", "technology": "battery", "max_mw": 10}])
    msg = _error(write_case(case, PROFILES_24), prepare=True)
    assert "storage[bat]" in msg and "roundtrip_efficiency in (0, 1]" in msg


@pytest.mark.parametrize("eff", [0.0, 1.5])
def test_error_generator_efficiency_override(write_case, eff):
    case = _base(technologies={"catalogue": "catalogue.csv", "fuels": "fuels.csv",
                               "overrides": {"gas": {"efficiency": eff}}})
    msg = _error(write_case(case, PROFILES_24), prepare=True)
    assert "gas" in msg and "efficiency" in msg and "(0, 1]" in msg


def test_error_profile_outside_root(write_case):
    """The root is checked before the file's existence: ../ is refused outright."""
    case = _base()
    case["buses"][0]["demand"]["profile"] = {"file": "../outside.csv", "column": "load"}
    msg = _error(write_case(case, PROFILES_24), prepare=True)
    assert "buses[A].demand.profile.file" in msg and "'../outside.csv'" in msg and "inside the case's root" in msg


def test_error_island_without_supply(write_case):
    case = _base(buses=[{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 100}},
                        {"name": "B", "demand": {"profile": prof("load"), "peak_mw": 10}}])
    msg = _error(write_case(case, PROFILES_24), prepare=True)
    assert "buses" in msg and "['B']" in msg and "reachable from a generator" in msg


def test_error_island_with_storage_only(write_case):
    """Storage is not a source: an island whose only element is a battery (and an
    exchange that can only export) cannot serve its load."""
    case = _base(buses=[{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 100}},
                        {"name": "B", "demand": {"profile": prof("load"), "peak_mw": 10}}],
                 storage=[{"name": "bat", "bus": "B", "technology": "battery", "existing_mw": 10,
                           "existing_mwh": 40}],
                 exchanges=[{"name": "out", "bus": "B", "max_export_mw": 10}])
    msg = _error(write_case(case, PROFILES_24), prepare=True)
    assert "buses" in msg and "['B']" in msg and "reachable from a generator" in msg


# ------------------------------------------------------------------------- 11 Pyomo extension


def test_build_model_user_constraint_and_var(write_case):
    """The case of test 1 (peak 100, gas only) with a user floor gen_build[g] >= 150:
    50 MW more is built and costs 50 × ANN_GAS more. A user Var y with
    y >= 170 and gen_build[g] >= y raises it to 170."""
    load = [1.0] * 12 + [0.5] * 12
    path = write_case(one_bus(generators=[{"name": "g", "bus": "A", "technology": "gas", "max_mw": 1000}]),
                      {"load": load})
    case = gridplan.load_case(path)
    m = gridplan.build_model(case)
    assert isinstance(m, pyo.ConcreteModel)
    m.cap = pyo.Constraint(expr=m.gen_build["g"] >= 150)
    res = gridplan.solve(m)
    assert built(res, "g") == approx(150.0)
    assert res.objective == approx(150 * ANN_GAS + 1800 * GAS_FUEL)

    m2 = gridplan.build_model(case)
    m2.y = pyo.Var(bounds=(170, None))
    m2.link = pyo.Constraint(expr=m2.gen_build["g"] >= m2.y)
    res2 = gridplan.solve(m2)
    assert built(res2, "g") == approx(170.0)
    assert pyo.value(m2.y) == approx(170.0)


def test_exports_earn_no_non_fossil_or_emission_credit(write_case):
    """An all-hydro bus (ROR 200 MW, availability 1) with flat 100 MW demand exports
    its 100 MW surplus at 100 CNY/MWh to a grid whose mix is 85 % non-fossil at
    0.2 t/MWh. Consumption is 2,400 MWh, all of it local hydro: the non-fossil
    share of consumption is exactly 1.0 (2,400 hydro + 2,400 hydro − 2,400 exported,
    exports deducted as non-fossil) — not 1.15, which deducting at the grid's 0.85
    would give — and emissions are 0 t, not −0.2 × 2,400."""
    case = one_bus(generators=[{"name": "ror", "bus": "A", "technology": "hydro_ror", "existing_mw": 200}],
                   exchanges=[{"name": "grid", "bus": "A", "max_export_mw": 100, "export_cny_per_mwh": 100,
                               "non_fossil_fraction": 0.85, "co2_t_per_mwh": 0.2}])
    res = solve(write_case(case, {"load": [1.0] * 24}))
    assert res.value("export_p")[0] == approx(np.full(24, 100.0))
    assert res.non_fossil_electricity_share == approx(1.0)
    assert res.emissions["t_co2"].sum() == approx(0.0)


@pytest.mark.parametrize("override, field", [
    ({"reservoirs.gy_reservoir_seasonal.max_mw": 1}, "reservoirs[gy_reservoir_seasonal].max_mw"),
    ({"storage.gy_battery_2h.max_mw": 10, "storage.gy_battery_2h.existing_mw": 50}, "storage[gy_battery_2h].max_mw"),
])
def test_error_ceiling_below_existing_is_an_input_error(override, field):
    """A ceiling below installed capacity names the field instead of building an infeasible LP."""
    path = Path(__file__).resolve().parents[1] / "cases" / "guangyuan_2030.yaml"
    with pytest.raises(CaseError) as exc:
        gridplan.prepare(gridplan.load_case(path, overrides=override))
    msg = str(exc.value)
    assert field in msg and "existing" in msg and "\n" not in msg
