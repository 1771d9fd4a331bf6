"""Thermal availability: forced and planned outage rates (issue #14 item 4).

Model (gridplan/model/families/generators.py), for a generator with forced outage rate f,
planned outage rate o, availability a (1 without a profile) and capacity P:

    p[g,t] <= (1 - f) · a[g,t] · P                       (gen_availability: hourly derate)
    Σ_t w_t p[g,t] <= (1 - f)(1 - o) · H · P,  H = Σ_t w_t   (gen_annual_availability, where o > 0)
    p[g,t] >= min(must_run, (1 - f)·a, (1 - f)(1 - o)) · P    (gen_must_run)

Test catalogue (tests/data/catalogue.csv, year 2030, discount rate 0.06, fixed O&M 0, so
existing capacity costs nothing and the annuity is charged once over the 24 h horizon):

* gas: 1000 CNY/kW, 10 yr → ANN_GAS = 1e6 · crf(0.06, 10) CNY per MW; efficiency 0.5 at
  50 CNY/GJ → fuel 50 · 3.6 / 0.5 = 360 CNY/MWh; capacity credit 0.9;
* coal: efficiency 0.4 at 25 CNY/GJ → fuel 25 · 3.6 / 0.4 = 225 CNY/MWh.

The rates are set through ``technologies.overrides`` (the catalogue has no outage columns) or
on the generator itself.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import gridplan
from gridplan.errors import CaseProblems
from gridplan.model.build import build_context
from gridplan.model.compile import compile_lp

from conftest import DATA, crf, prof, write_case_files

H = 24
ANN_GAS = 1000 * 1000 * crf(0.06, 10)   # CNY per MW (over the horizon)
GAS_FUEL = 50 * 3.6 / 0.5               # 360 CNY/MWh
COAL_FUEL = 25 * 3.6 / 0.4              # 225 CNY/MWh
FLAT = {"load": [1.0] * H}


def approx(x, rel=1e-6, abs=1e-6):
    return pytest.approx(x, rel=rel, abs=abs)


def one_bus(peak=100.0, overrides=None, **parts):
    case = {"time": {"hours": H, **parts.pop("time", {})},
            "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": peak}}], **parts}
    if overrides:
        case["technologies"] = {"catalogue": "catalogue.csv", "fuels": "fuels.csv", "overrides": overrides}
    return case


def built(res, name):
    c = res.capacities
    return float(c[(c["name"] == name) & (c["component"] == "generator")]["built"].iloc[0])


def energy(res, i):
    return float((res.value("gen_p")[i] * res.data.weights).sum())


def catalogue_rows(**columns):
    """The test catalogue's rows, with ``columns`` (name → {technology: cell text}) added."""
    rows = pd.read_csv(DATA / "catalogue.csv", dtype=str, keep_default_na=False)
    for col, cells in columns.items():
        rows[col] = [cells.get(t, "") for t in rows["technology"]]
    return rows.to_dict("records")


# ------------------------------------------------------------------ 1 the hourly derate sizes the fleet


@pytest.mark.parametrize("where", ["override", "generator"])
def test_forced_outage_derate_builds_more_capacity(write_case, where):
    """One bus, flat load D = 100 MW for 24 h, gas only (expandable), forced outage rate f = 0.2.

    Every hour gas offers (1 - f)·P = 0.8 P ≥ 100 MW  →  P = D / (1 - f) = 125 MW built.
    Energy 24 × 100 = 2400 MWh at 360 CNY/MWh (no planned rate: no annual row).
    Objective = 125 · ANN_GAS + 2400 · 360.
    Firm capacity stays credit × P = 0.9 × 125 = 112.5 MW (outages do not derate it again).
    The rate works the same from technologies.overrides and from the generator's own field."""
    gen = {"name": "g", "bus": "A", "technology": "gas", "max_mw": 1000}
    if where == "generator":
        case = one_bus(generators=[{**gen, "forced_outage_rate": 0.2}])
    else:
        case = one_bus(generators=[gen], overrides={"gas": {"forced_outage_rate": 0.2}})
    res = gridplan.solve(gridplan.load_case(write_case(case, FLAT)))
    assert built(res, "g") == approx(125.0)
    assert energy(res, 0) == approx(2400.0)
    assert res.objective == approx(125 * ANN_GAS + 2400 * GAS_FUEL)
    assert res.total("firm_capacity") == approx(0.9 * 125.0)
    assert "gen_annual_availability" not in res.ctx.lp.cons


# ------------------------------------------------------------------ 2 the annual planned-outage limit


@pytest.mark.parametrize("f, o, resolution", [(0.0, 0.25, 1), (0.1, 0.2, 1), (0.1, 0.2, 3)])
def test_planned_outage_limits_the_year_and_prices_it(write_case, f, o, resolution):
    """Existing coal 100 MW (no capex; 225 CNY/MWh) with rates f, o; gas expandable (360 CNY/MWh);
    flat load 100 MW for H = 24 h (resolution 3: 8 snapshots of weight 3, H = Σ w = 24 still).

    Coal may give (1 - f)(1 - o) · H · 100 MWh: E_c = 1800 (f 0, o 0.25) or 0.9 · 0.8 · 2400 = 1728
    (f 0.1, o 0.2); it is cheaper, so all of it is used. Gas fills D - E_c = 600 or 672 MWh and
    its capacity G must cover max_t (100 - c_t) ≥ 100 - E_c / 24 (the mean), reached only by spreading
    coal evenly: c_t = 75 (or 72, below the hourly derate 0.9 · 100 = 90), G = 25 (or 28) MW.
    Objective = G · ANN_GAS + (2400 - E_c) · 360 + E_c · 225.
    Scarcity rent (dual of gen_annual_availability, CNY per MWh of coal's year): one more MWh of
    coal saves a gas MWh (360 - 225 = 135) and, spread over 24 h, 1/24 MW of gas: 135 + ANN_GAS / 24.
    HiGHS gives a binding <= row a non-positive dual."""
    coal = {"name": "coal", "bus": "A", "technology": "coal", "existing_mw": 100}
    case = one_bus(time={"resolution": resolution},
                   generators=[coal, {"name": "gas", "bus": "A", "technology": "gas", "max_mw": 1000}],
                   overrides={"coal": {"forced_outage_rate": f, "planned_outage_rate": o}})
    res = gridplan.solve(gridplan.load_case(write_case(case, FLAT)))
    e_coal = (1 - f) * (1 - o) * H * 100
    g = 100 - e_coal / H
    assert energy(res, 0) == approx(e_coal)
    assert built(res, "gas") == approx(g)
    assert res.value("gen_p")[0] == approx(np.full(H // resolution, e_coal / H))
    assert res.objective == approx(g * ANN_GAS + (H * 100 - e_coal) * GAS_FUEL + e_coal * COAL_FUEL)
    row = res.ctx.lp.cons["gen_annual_availability"]
    assert row.shape == (1,) and list(row.coords[0]) == ["coal"] and row.unit == "CNY/MWh"
    rent = res.dual("gen_annual_availability")
    assert rent[0] <= 0
    assert -rent[0] == approx(GAS_FUEL - COAL_FUEL + ANN_GAS / H, rel=1e-5)


def test_annual_row_coefficients_on_an_expandable_unit(write_case):
    """Expandable coal (existing 40, up to 500 MW), f = 0.1, o = 0.2, 24 h of weight 1:
    (1 - f)(1 - o) · H = 0.72 · 24 = 17.28 full-load hours.
    gen_annual_availability: Σ_t 1 · p_t - 17.28 · build <= 17.28 · 40 = 691.2;
    gen_availability: p_t - 0.9 · build <= 0.9 · 40 = 36 (the hourly derate)."""
    coal = {"name": "coal", "bus": "A", "technology": "coal", "existing_mw": 40, "max_mw": 500}
    case = one_bus(generators=[coal], overrides={"coal": {"forced_outage_rate": 0.1, "planned_outage_rate": 0.2}})
    ctx = build_context(gridplan.load_case(write_case(case, FLAT)))
    lp = ctx.lp
    p, b = lp.vars["gen_p"].cols.ravel(), lp.vars["gen_build"].cols.ravel()
    clp = compile_lp(ctx)
    ann = lp.cons["gen_annual_availability"]
    r = ann.offset
    row = clp.A.tocsr()[r].toarray().ravel()
    assert row[p] == approx(np.ones(H)) and row[b] == approx([-17.28])
    assert clp.row_upper[r] == approx(691.2)
    hourly = lp.cons["gen_availability"]
    rows = clp.A.tocsr()[hourly.offset: hourly.offset + H].toarray()
    assert rows[:, b[0]] == approx(np.full(H, -0.9))
    assert clp.row_upper[hourly.offset: hourly.offset + H] == approx(np.full(H, 36.0))


# ------------------------------------------------------------------ 3 must-run stays feasible


def test_must_run_floor_fits_the_planned_outages(write_case):
    """Existing coal 100 MW, must_run 1, f = 0.1, o = 0.2; gas expandable; flat load 80 MW, 24 h.

    Floor = min(must_run 1, (1 - f)·a = 0.9, (1 - f)(1 - o) = 0.72) = 0.72 → 72 MW every hour,
    exactly the annual limit 0.72 · 24 · 100 = 1728 MWh: coal runs 72 MW flat (a floor of 0.9 would
    need 2160 MWh, more than the year allows: infeasible). Gas: 8 MW built, 192 MWh.
    Objective = 8 · ANN_GAS + 192 · 360 + 1728 · 225."""
    coal = {"name": "coal", "bus": "A", "technology": "coal", "existing_mw": 100, "must_run": 1.0,
            "forced_outage_rate": 0.1, "planned_outage_rate": 0.2}
    case = one_bus(peak=80.0, generators=[coal, {"name": "gas", "bus": "A", "technology": "gas", "max_mw": 1000}])
    res = gridplan.solve(gridplan.load_case(write_case(case, FLAT)))
    assert res.value("gen_p")[0] == approx(np.full(H, 72.0))
    assert built(res, "gas") == approx(8.0)
    assert res.objective == approx(8 * ANN_GAS + 192 * GAS_FUEL + 1728 * COAL_FUEL)


# ------------------------------------------------------------------ 4 pooling


def test_pools_share_the_derate_and_planned_outages_stay_apart(write_case):
    """Two existing gas units at A (60 and 40 MW), both f = 0.5; flat load 40 MW, 24 h.

    Same cost, same rates, no planned rate → one pool: Σ p_t <= 0.5 · (60 + 40) = 50 MW per hour.
    The split shares 40 MW in proportion to (1 - f)·P = 30 : 20 → 24 and 16 MW, each within its
    own derated availability (30, 20). Objective = 40 · 24 · 360 (fuel only, nothing built).
    With o = 0.1 as well the units are not pooled (each has its annual row, 0.45 · 24 · P =
    648 and 432 MWh, slack at the optimum) and the objective is the same."""
    gens = [{"name": "g1", "bus": "A", "technology": "gas", "existing_mw": 60},
            {"name": "g2", "bus": "A", "technology": "gas", "existing_mw": 40}]
    path = write_case(one_bus(peak=40.0, generators=gens, overrides={"gas": {"forced_outage_rate": 0.5}}), FLAT)
    ctx = build_context(gridplan.load_case(path))
    assert ctx.lp.cons["gen_pool_availability"].shape == (1, H)
    assert ctx.lp.cons["gen_pool_availability"].upper == approx(np.full(H, 50.0))
    res = gridplan.solve(ctx)
    p = res.value("gen_p")
    assert p[0] == approx(np.full(H, 24.0)) and p[1] == approx(np.full(H, 16.0))
    assert res.objective == approx(40 * H * GAS_FUEL)

    path = write_case(one_bus(peak=40.0, generators=gens,
                              overrides={"gas": {"forced_outage_rate": 0.5, "planned_outage_rate": 0.1}}), FLAT)
    ctx = build_context(gridplan.load_case(path))
    assert "gen_pool_availability" not in ctx.lp.cons and ctx.pooled == {}
    assert ctx.lp.cons["gen_annual_availability"].upper == approx([648.0, 432.0])
    assert gridplan.solve(ctx).objective == approx(40 * H * GAS_FUEL)


# ------------------------------------------------------------------ 5 no rates: the LP of before


def _compiled(path):
    ctx = build_context(gridplan.load_case(path))
    return list(ctx.lp.cons), compile_lp(ctx)


def test_no_outage_rates_give_the_identical_lp(write_case, tmp_path):
    """Existing coal 100 MW and expandable gas, 24 h. Rows: gas's gen_availability (24; coal,
    not expandable, gets column bounds) + balance (24) = 48; columns: gen_build 2 + gen_p 48 + shed 24
    = 74. The same LP, coefficient for coefficient, whether the catalogue lacks the outage columns
    (the test catalogue), has them blank or has them 0, or the rates are overridden to 0: the outage
    rows exist only where a rate is above 0."""
    case = one_bus(generators=[{"name": "coal", "bus": "A", "technology": "coal", "existing_mw": 100},
                               {"name": "gas", "bus": "A", "technology": "gas", "max_mw": 1000}])
    zero = {"coal": "0", "gas": "0"}
    variants = {
        "plain": write_case(case, FLAT, file="plain.yaml"),
        "overridden to 0": write_case(one_bus(generators=case["generators"], overrides={
            "coal": {"forced_outage_rate": 0, "planned_outage_rate": 0}}), FLAT, file="over.yaml"),
    }
    for name, cells in (("blank columns", {}), ("zero columns", zero)):
        folder = tmp_path / name.replace(" ", "_")
        folder.mkdir()
        variants[name] = write_case_files(folder, case, FLAT, catalogue=catalogue_rows(
            forced_outage_rate=cells, planned_outage_rate=cells))
    blocks, ref = _compiled(variants["plain"])
    assert blocks == ["gen_availability", "balance"]
    assert ref.shape == (48, 74)
    for name, path in variants.items():
        b, clp = _compiled(path)
        assert b == blocks, name
        assert (clp.A != ref.A).nnz == 0, name
        for field in ("cost", "col_lower", "col_upper", "row_lower", "row_upper"):
            assert np.array_equal(getattr(clp, field), getattr(ref, field)), (name, field)
        assert clp.offset == ref.offset


# ------------------------------------------------------------------ 6 bad input


@pytest.mark.parametrize("cell", ["1", "1.5", "-0.1", "nan"])
def test_a_rate_outside_0_1_in_the_catalogue_is_one_line(write_case, cell):
    """A forced_outage_rate of 1 (no capacity left), 1.5, -0.1 or a written nan on the gas row
    (line 2 of the catalogue, the header being line 1): one line naming the file, the line,
    technology and year, and the column."""
    case = one_bus(generators=[{"name": "g", "bus": "A", "technology": "gas", "max_mw": 1000}])
    path = write_case(case, FLAT, catalogue=catalogue_rows(forced_outage_rate={"gas": cell}))
    with pytest.raises(CaseProblems) as exc:
        gridplan.prepare(gridplan.load_case(path))
    lines = str(exc.value).splitlines()
    assert lines == [f"{path.parent / 'catalogue.csv'}: line 2 [gas 2030].forced_outage_rate: got '{cell}'; "
                     "expected a fraction in [0, 1)"]


def test_a_rate_outside_0_1_as_override_or_on_a_generator_is_one_line(write_case):
    """The same range for ``technologies.overrides`` (checked with the other problems) and for the
    generator's own field (refused by the schema when the case loads)."""
    gen = {"name": "g", "bus": "A", "technology": "gas", "max_mw": 1000}
    path = write_case(one_bus(generators=[gen], overrides={"gas": {"planned_outage_rate": 1}}), FLAT)
    with pytest.raises(CaseProblems) as exc:
        gridplan.prepare(gridplan.load_case(path))
    assert str(exc.value) == (f"{path}: technologies.overrides.gas.planned_outage_rate: got 1.0; "
                              "expected a fraction in [0, 1)")
    path = write_case(one_bus(generators=[{**gen, "forced_outage_rate": 1.0}]), FLAT)
    with pytest.raises(CaseProblems) as exc:
        gridplan.load_case(path)
    assert len(exc.value.problems) == 1
    assert exc.value.field == "generators[g].forced_outage_rate"
