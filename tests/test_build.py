"""Models built without solving: block shapes, right-hand sides and target coefficients.

The tier PyPSA keeps in ``test_nodal_balance_load_sign_rhs_values``: each family's rows
are checked as built, against numbers derived here by hand, so a wrong coefficient is
caught even where it would not move an optimum.

The case (24 h, every snapshot weight 1; test catalogue tests/data/catalogue.csv):

* bus A, demand 100 MW for 12 h then 50 MW → D = 1200 + 600 = 1800 MWh, peak 100 MW;
* gas: 50 MW existing, up to 200 MW (efficiency 0.5, gas 0.05 t/GJ → 7.2 GJ/MWh,
  0.36 t CO2/MWh, 7.2/29.3076 tce/MWh; credit 0.9);
* solar: none existing, up to 100 MW, availability 0 then 0.8 (credit 0);
* battery: 10 MW / 20 MWh existing, expandable (credit 0.9);
* demand response: 5 MW contracted, up to 20 MW;
* exchange with the grid: imports up to 30 MW (φ = 0.4, 0.5 t/MWh, 15 MW firm), exports up to 10 MW.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import gridplan

from conftest import DATA, GJ_PER_TCE, prof, write_case_files

H = 24
LOAD = [1.0] * 12 + [0.5] * 12
SUN = [0.0] * 12 + [0.8] * 12
D = 1800.0
GAS_T_PER_MWH = 0.05 * 3.6 / 0.5
GAS_TCE_PER_MWH = 3.6 / 0.5 / GJ_PER_TCE

TARGETS = [
    {"id": "nf_elec", "kind": "non_fossil_share", "scope": "electricity", "value": 0.3},
    {"id": "nf_energy", "kind": "non_fossil_share", "scope": "energy", "value": 0.2},
    {"id": "co2", "kind": "co2_cap", "value": 10_000},
    {"id": "firm", "kind": "firm_capacity", "value": 300},
    {"id": "solar_floor", "kind": "installed_capacity", "group": "solar", "value": 40, "hedge": "about"},
    {"id": "dr", "kind": "demand_response", "value": 0.1},
    {"id": "elec_final", "kind": "electricity_final_share", "value": 0.2},
]


@pytest.fixture
def ctx(write_case):
    case = {
        "time": {"hours": H},
        "energy_accounting": {"coal_equivalent_tce_per_mwh": 0.3, "fossil_other_tce": 500.0,
                              "nonfossil_other_tce": 50.0, "final_energy_other_tce": 1000.0},
        "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 100}}],
        "generators": [{"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 50, "max_mw": 200},
                       {"name": "pv", "bus": "A", "technology": "solar", "max_mw": 100,
                        "availability": prof("sun")}],
        "storage": [{"name": "bat", "bus": "A", "technology": "battery", "existing_mw": 10,
                     "existing_mwh": 20, "max_mw": 50}],
        "demand_response": [{"name": "dr", "bus": "A", "existing_mw": 5, "max_mw": 20}],
        "exchanges": [{"name": "grid", "bus": "A", "max_import_mw": 30, "max_export_mw": 10,
                       "non_fossil_fraction": 0.4, "co2_t_per_mwh": 0.5, "firm_mw": 15}],
        "targets": TARGETS,
    }
    path = write_case(case, {"load": LOAD, "sun": SUN})
    return gridplan.build_context(gridplan.load_case(path))


def row(ctx, name):
    """(coefficients by column, lower, upper) of a one-row block."""
    cb = ctx.lp.cons[name]
    coef: dict = {}
    for c, v in zip(cb.cols, cb.vals):
        coef[int(c)] = coef.get(int(c), 0.0) + float(v)
    return coef, float(cb.lower[0]), float(cb.upper[0])


def col(ctx, block, *index):
    return int(ctx.lp.vars[block].cols[index])


def test_block_shapes(ctx):
    """One row/column per element × snapshot; availability rows only where capacity can grow
    (both generators here), one row per target."""
    shapes = {n: ctx.lp.vars[n].shape for n in ("gen_p", "gen_build", "storage_soc", "dr_p", "import_p", "shed")}
    assert shapes == {"gen_p": (2, H), "gen_build": (2,), "storage_soc": (1, H), "dr_p": (1, H),
                      "import_p": (1, H), "shed": (1, H)}
    assert ctx.lp.cons["balance"].shape == (1, H)
    assert ctx.lp.cons["gen_availability"].shape == (2, H)
    assert ctx.lp.cons["storage_soc"].shape == (1, H)
    assert all(ctx.lp.cons[f"target_{t['id']}"].shape == (1,) for t in TARGETS)


def test_balance_right_hand_side_is_the_demand(ctx):
    cb = ctx.lp.cons["balance"]
    np.testing.assert_array_equal(cb.lower, 100.0 * np.array(LOAD))
    np.testing.assert_array_equal(cb.upper, 100.0 * np.array(LOAD))


def test_non_fossil_electricity_row(ctx):
    """Σ_t (pv + φ·imp − exp + dis − ch) >= 0.3 × 1800 = 540 MWh; gas counts 0."""
    coef, lo, hi = row(ctx, "target_nf_elec")
    assert lo == pytest.approx(540.0) and hi == np.inf
    for t in (0, 13):
        assert coef[col(ctx, "gen_p", 1, t)] == pytest.approx(1.0)
        assert coef.get(col(ctx, "gen_p", 0, t), 0.0) == 0.0
        assert coef[col(ctx, "import_p", 0, t)] == pytest.approx(0.4)
        assert coef[col(ctx, "export_p", 0, t)] == pytest.approx(-1.0)
        assert coef[col(ctx, "storage_discharge", 0, t)] == pytest.approx(1.0)
        assert coef[col(ctx, "storage_charge", 0, t)] == pytest.approx(-1.0)


def test_non_fossil_energy_row(ctx):
    """k(1−s)·NF + k(1−s)·... written as  k·NF + NFo − s·(fuel + k·primary + Fo + NFo) >= 0,
    k = 0.3, s = 0.2: per MWh of pv 0.3 − 0.2·0.3 = 0.24; of imports 0.3·0.4 − 0.2·0.3 = 0.06;
    of exports −0.3 + 0.2·0.3 = −0.24; of gas −0.2·7.2/29.3076 tce; bound 0.2·550 − 50 = 60 tce."""
    coef, lo, _ = row(ctx, "target_nf_energy")
    assert lo == pytest.approx(0.2 * (500 + 50) - 50)
    assert coef[col(ctx, "gen_p", 1, 5)] == pytest.approx(0.24)
    assert coef[col(ctx, "import_p", 0, 5)] == pytest.approx(0.06)
    assert coef[col(ctx, "export_p", 0, 5)] == pytest.approx(-0.24)
    assert coef[col(ctx, "gen_p", 0, 5)] == pytest.approx(-0.2 * GAS_TCE_PER_MWH)


def test_co2_row(ctx):
    """Σ_t 0.36·gas + 0.5·imp <= 10,000 t; exports count 0."""
    coef, lo, hi = row(ctx, "target_co2")
    assert (lo, hi) == (-np.inf, 10_000.0)
    assert coef[col(ctx, "gen_p", 0, 3)] == pytest.approx(GAS_T_PER_MWH)
    assert coef[col(ctx, "import_p", 0, 3)] == pytest.approx(0.5)
    assert coef.get(col(ctx, "export_p", 0, 3), 0.0) == 0.0


def test_firm_capacity_row(ctx):
    """0.9·(50 + b_gas) + 0·b_pv + 0.9·(10 + b_bat) + (5 + b_dr) + 15 >= 300
    → 0.9·b_gas + 0.9·b_bat + b_dr >= 300 − 45 − 9 − 5 − 15 = 226."""
    coef, lo, _ = row(ctx, "target_firm")
    assert lo == pytest.approx(226.0)
    assert coef[col(ctx, "gen_build", 0)] == pytest.approx(0.9)
    assert coef.get(col(ctx, "gen_build", 1), 0.0) == 0.0
    assert coef[col(ctx, "storage_build_mw", 0)] == pytest.approx(0.9)
    assert coef[col(ctx, "dr_build", 0)] == pytest.approx(1.0)


def test_about_capacity_row_and_demand_response_row(ctx):
    """solar about 40 MW → floor 40 − 2 % = 39.2 MW on b_pv; DR 10 % of 100 MW = 10 MW,
    5 contracted → b_dr >= 5."""
    coef, lo, _ = row(ctx, "target_solar_floor")
    assert lo == pytest.approx(39.2) and coef == {col(ctx, "gen_build", 1): pytest.approx(1.0)}
    coef, lo, _ = row(ctx, "target_dr")
    assert lo == pytest.approx(5.0) and coef == {col(ctx, "dr_build", 0): pytest.approx(1.0)}


def test_electricity_final_share_row(ctx):
    """(1 − 0.2)·0.1229·(1800 − Σ shed) − 0.2·1000 >= 0 → −0.09832 per MWh shed,
    bound 200 − 0.8·0.1229·1800 = 23.024 tce."""
    coef, lo, _ = row(ctx, "target_elec_final")
    assert lo == pytest.approx(200 - 0.8 * 0.1229 * 1800)
    assert coef[col(ctx, "shed", 0, 7)] == pytest.approx(-0.8 * 0.1229)
    assert len(coef) == H


# --------------------------------------------------------------------------- typical days


def test_day_links_chain_for_a_lossless_store_closed_form_for_a_lossy_one(tmp_path):
    """Two batteries on 3 typical days: ``bat`` without standing loss, ``leaky`` losing 1 %/h.

    Lossless (D = 1 per day): the chain row d is inter[d+1] − inter[d] − a[p_d] = 0, with
    a[p] the last hourly column of typical day p. Lossy: D = 0.99^24 = 0.7857 per day and the
    year decay D^365 ≈ 1e-38 < 0.01, so each row defines inter[d] = Σ_p C[d,p]·a[p] directly;
    with the same D every day, Σ_p C[d,p] = Σ_{m=1..365} D^(m−1) / (1 − D^365) = 1/(1 − D)
    (terms below 1e-9 are left out, which moves the sum by less than 1e-8 relative)."""
    cat = pd.read_csv(DATA / "catalogue.csv")
    leaky = cat[cat["technology"] == "battery"].assign(technology="battery_leaky", standing_loss_pct_per_h=1.0)
    rows = pd.concat([cat, leaky]).to_dict("records")
    h = np.arange(8760)
    load = 0.6 + 0.3 * np.sin(2 * np.pi * h / 24) + 0.1 * np.cos(2 * np.pi * h / 8760)
    case = {"time": {"typical_days": 3},
            "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 100}}],
            "generators": [{"name": "gas", "bus": "A", "technology": "gas", "max_mw": 200}],
            "storage": [{"name": "bat", "bus": "A", "technology": "battery", "max_mw": 50},
                        {"name": "leaky", "bus": "A", "technology": "battery_leaky", "max_mw": 50}]}
    ctx = gridplan.build_context(gridplan.load_case(write_case_files(tmp_path, case, {"load": load}, catalogue=rows)))
    soc, inter, cb = ctx.lp.vars["storage_soc"], ctx.lp.vars["storage_soc_inter"], ctx.lp.cons["storage_soc_inter"]
    seq = ctx.data.day_sequence
    last = soc.cols[:, np.arange(3) * 24 + 23]                 # (store, typical day) a[p]

    def coefficients(store, d):
        on = cb.rows == cb.offset + store * 365 + d
        coef: dict = {}
        for c, v in zip(cb.cols[on], cb.vals[on]):
            coef[int(c)] = coef.get(int(c), 0.0) + float(v)
        return coef

    for d in (0, 100, 364):
        chain = coefficients(0, d)
        assert chain == {int(inter.cols[0, (d + 1) % 365]): 1.0, int(inter.cols[0, d]): -1.0,
                         int(last[0, seq[d]]): -1.0}
        closed = coefficients(1, d)
        assert closed.pop(int(inter.cols[1, d])) == 1.0
        assert set(closed) <= set(int(c) for c in last[1])       # no other inter-day level: no chain
        D = 0.99 ** 24
        assert -sum(closed.values()) == pytest.approx(1 / (1 - D), rel=1e-8)
