"""Time-series reduction (issue #6): resolution averages, typical days, inter-period linking.

Expected numbers are derived by hand or by an independent method (a chronological
solve of the same year, sums of the CSV columns, brute force), never by re-running
gridplan's time reduction.
"""
from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import numpy as np
import pytest

import gridplan
from gridplan.case.typical_days import kmedoids
from gridplan.results import chronological_levels

from conftest import prof, write_case_files

DAYS, H = 365, 24
DAY = np.arange(DAYS)


def make_case(tmp_path: Path, columns: dict, **case) -> gridplan.Case:
    """profiles.csv (one column per entry, 8760 rows) + the test catalogue + case.yaml."""
    body = dict(name=case.pop("name", "ts"), technologies=dict(catalogue="catalogue.csv", fuels="fuels.csv",
                                                               overrides=case.pop("overrides", {})), **case)
    return gridplan.load_case(write_case_files(tmp_path, body, columns))


def random_year(seed=0):
    """A noisy year with a daily and a seasonal cycle; the peak hour is day 200, 18:00."""
    rng = np.random.default_rng(seed)
    h = np.arange(DAYS * H)
    load = 0.6 + 0.15 * np.sin(2 * np.pi * h / H) + 0.1 * np.cos(2 * np.pi * h / 8760) + 0.05 * rng.random(h.size)
    load[200 * H + 18] = 1.0
    solar = np.clip(np.sin(np.pi * ((h % H) - 6) / 12), 0, None) * (0.4 + 0.6 * rng.random(h.size))
    wind = rng.random(h.size) ** 2
    inflow = 0.2 + 0.8 * np.exp(-(((h / H) - 200) / 40.0) ** 2) + 0.05 * rng.random(h.size)
    return dict(load=load, solar=solar, wind=wind, inflow=inflow)


@pytest.fixture(scope="module")
def year_case(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("year")
    cols = random_year()
    case = make_case(
        tmp, cols,
        buses=[dict(name="a", demand=dict(profile=prof("load"), peak_mw=1000)),
               dict(name="b", demand=dict(profile=prof("load", scale=0.5), peak_mw=400))],
        generators=[dict(name="pv", bus="a", technology="solar", existing_mw=300, availability=prof("solar")),
                    dict(name="wt", bus="b", technology="wind", existing_mw=300, availability=prof("wind")),
                    dict(name="gas", bus="a", technology="gas", existing_mw=2000)],
        reservoirs=[dict(name="hy", bus="b", existing_mw=200, reservoir_mwh=1e5, inflow=prof("inflow"))],
        lines=[dict(name="ab", bus0="a", bus1="b", existing_mw=500, technology="line")])
    return case, cols


# ----------------------------------------------------------------- resolution (chronological averages)

@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7, 24])
def test_resolution_keeps_annual_energy(year_case, n):
    case, cols = year_case
    data = gridplan.prepare(case, resolution=n)
    blocks = -(-8760 // n)
    assert data.T == blocks and data.weights.sum() == 8760
    # annual demand energy, from the CSV columns directly: bus a = 1000·load, bus b = 0.5·400·load
    want = np.array([1000 * cols["load"].sum(), 200 * cols["load"].sum()])
    np.testing.assert_allclose((data.demand * data.weights).sum(axis=1), want, rtol=1e-12)
    np.testing.assert_allclose((data.avail[0] * data.weights).sum(), cols["solar"].sum(), rtol=1e-12)
    np.testing.assert_allclose((data.inflow[0] * data.weights).sum(), 200 * cols["inflow"].sum(), rtol=1e-12)
    # the first block is the mean of the first n hours
    assert data.demand[0, 0] == pytest.approx(1000 * cols["load"][:n].mean(), rel=1e-12)


def test_resolution_non_divisor_last_block_is_shorter(year_case):
    case, cols = year_case
    data = gridplan.prepare(case, resolution=7)          # 8760 = 7·1251 + 3
    assert data.T == 1252
    assert data.weights[-1] == 3 and np.all(data.weights[:-1] == 7)
    assert data.snapshot_hour[-1] == 8757
    assert data.demand[0, -1] == pytest.approx(1000 * cols["load"][-3:].mean(), rel=1e-12)


# ----------------------------------------------------------------- clustering

def test_kmedoids_small_examples():
    # on a line: {0,1,2} and {10,11,12} → medoids 1 and 11, total distance 4
    x = np.array([0.0, 1, 2, 10, 11, 12])
    med, labels, cost = kmedoids(np.abs(x[:, None] - x[None, :]), 2)
    assert sorted(x[med]) == [1, 11] and cost == pytest.approx(4.0)
    assert list(labels) == [labels[0]] * 3 + [labels[3]] * 3 and labels[0] != labels[3]
    # three separated blobs: the result equals the brute-force optimum over all 3-subsets
    rng = np.random.default_rng(3)
    pts = np.concatenate([rng.normal(c, 0.5, size=(6, 2)) for c in ((0, 0), (5, 0), (0, 5))])
    D = np.linalg.norm(pts[:, None] - pts[None], axis=2)
    best = min(D[list(s)].min(axis=0).sum() for s in itertools.combinations(range(len(pts)), 3))
    assert kmedoids(D, 3)[2] == pytest.approx(best, rel=1e-12)


def test_kmedoids_exact_tie_goes_to_the_lowest_index():
    """Points on a line at 0, 5, 10, 10, 11 (indices 0-4), k = 2. By hand: BUILD takes index 2 first
    (total distances 36, 21, 16, 16, 19: the lowest index of the two 16s), then index 0 (gains: index 0
    and index 1 both lower the total by 10; the lowest index wins), so BUILD order is [2, 0]. No swap
    lowers the total 0 + 5 + 0 + 0 + 1 = 6 ({1, 2} and {0, 3} also give 6, not less). Point 1 (x = 5)
    is exactly 5 from both medoids: it must join medoid 0, the lowest index, not medoid 2, the one
    BUILD found first (what argmin over the medoids in BUILD order gave)."""
    x = np.array([0.0, 5, 10, 10, 11])
    med, labels, cost = kmedoids(np.abs(x[:, None] - x[None, :]), 2)
    assert sorted(med) == [0, 2] and cost == pytest.approx(6.0)
    assert med[labels[1]] == 0
    assert [med[labels[j]] for j in range(5)] == [0, 0, 2, 2, 2]


def test_typical_days_weights_peak_and_energy(year_case):
    case, cols = year_case
    k = 8
    data = gridplan.prepare(case, typical_days=k)
    assert data.T == k * H
    assert data.weights.sum() == pytest.approx(8760, abs=1e-9)
    seq = data.day_sequence
    assert seq.shape == (DAYS,) and set(seq) == set(range(k))
    np.testing.assert_array_equal(data.typical_day_of, np.repeat(np.arange(k), H))
    # weights = days represented, consistent with the calendar sequence
    np.testing.assert_array_equal(data.weights, np.bincount(seq, minlength=k)[data.typical_day_of])
    # prev is cyclic within each typical day
    t = np.arange(k * H)
    np.testing.assert_array_equal(data.prev, (t // H) * H + (t % H - 1) % H)
    # the peak day (day 200, see random_year) is its own period, kept verbatim
    p = seq[200]
    assert (seq == p).sum() == 1
    np.testing.assert_array_equal(data.snapshot_hour[data.typical_day_of == p], 200 * H + np.arange(H))
    np.testing.assert_allclose(data.demand[0, data.typical_day_of == p], 1000 * cols["load"][200 * H:201 * H],
                               rtol=1e-12)
    assert data.demand[0].max() == pytest.approx(1000.0)
    # snapshot hours are whole days of the year
    assert np.all(data.snapshot_hour.reshape(k, H) % H == np.arange(H))
    # annual energies exact (demand per bus, availability per generator, inflow per reservoir)
    np.testing.assert_allclose((data.demand * data.weights).sum(axis=1),
                               [1000 * cols["load"].sum(), 200 * cols["load"].sum()], rtol=1e-10)
    np.testing.assert_allclose((data.avail * data.weights).sum(axis=1),
                               [cols["solar"].sum(), cols["wind"].sum(), 8760.0], rtol=1e-10)
    np.testing.assert_allclose((data.inflow * data.weights).sum(axis=1), [200 * cols["inflow"].sum()], rtol=1e-10)
    assert data.avail.max() <= 1.0
    # deterministic
    again = gridplan.prepare(case, typical_days=k)
    np.testing.assert_array_equal(again.day_sequence, seq)
    np.testing.assert_array_equal(again.demand, data.demand)


def test_typical_days_availability_clip_residual(tmp_path):
    # 200 days "half on" (1 for 12 h, 0 for 12 h), 164 days fully on, plus a peak day (day 0, avail 0).
    # One cluster for the 364 non-peak days; its medoid is a half-on day (the majority). Scaling it up to
    # the annual 200·12 + 164·24 = 6336 h clips the ones at 1 and cannot move the zeros: residual
    # = 6336 − 364·12 = 1968 full-load hours, reported and warned about.
    half = np.r_[np.ones(12), np.zeros(12)]
    av = np.tile(half, (DAYS, 1))
    av[1 + 200:] = 1.0
    av[0] = 0.0
    load = np.full((DAYS, H), 0.5)
    load[0, 12] = 1.0
    case = make_case(tmp_path, dict(load=load, av=av),
                      buses=[dict(name="a", demand=dict(profile=prof("load"), peak_mw=100))],
                      generators=[dict(name="pv", bus="a", technology="solar", existing_mw=10,
                                       availability=prof("av")),
                                  dict(name="gas", bus="a", technology="gas", existing_mw=200)])
    with pytest.warns(UserWarning, match="pv"):
        data = gridplan.prepare(case, typical_days=2)
    assert data.avail.max() == 1.0
    assert data.clustering.residual["avail"][0] == pytest.approx(1968.0)
    assert (data.avail[0] * data.weights).sum() == pytest.approx(6336 - 1968)
    # demand has nothing to clip: exact
    assert (data.demand[0] * data.weights).sum() == pytest.approx(100 * load.sum(), rel=1e-12)


def test_typical_days_need_an_hourly_year(year_case):
    case, _ = year_case
    with pytest.raises(gridplan.CaseError, match="time.resolution"):
        gridplan.prepare(case, resolution=3, typical_days=8)
    with pytest.raises(gridplan.CaseError, match="time.typical_days"):
        gridplan.prepare(case, typical_days=1)


def test_typical_days_tie_joins_the_lower_day_number(write_case):
    """A year of three kinds of flat day: A (days 0-99, 50 MW), B (100-119, 62.5 MW), C (120-363,
    75 MW), and the peak day 364 (75 MW with 100 MW at 18:00). Normalised demand (min 50, max 100)
    is 0, 0.25 and 0.5, so every B day is exactly as far from A as from C (24·0.25² in both sums).
    With k = 3 the peak day is its own typical day and k-medoids picks an A and a C day (total
    distance 20 B days·d, against 100·d for {B, C} and 244·d for {A, B}); BUILD finds C first (day
    120: total 20·d + 100·2d = 220·d, less than any A or B day), then A (day 0). The B days must
    join day 0, the lower day number: typical days of 120, 244 and 1 days.

    Optimum by hand: a must-take 60 MW unit with no cost (technology solar, availability 1) and
    existing gas at 50 CNY/GJ / 0.5 efficiency = 360 CNY/MWh (no CO2 price, nothing to build).
    Rescaling (one factor f for the clustered typical days, annual energy exact):
    f = (100·50 + 20·62.5 + 244·75) / (120·50 + 244·75) = 24550/24300; typical A = 50·f < 60 MW
    needs no gas, typical C = 75·f needs 75·f − 60 MW for 24 h on 244 days, the peak day (kept
    verbatim) 23·15 + 40 = 385 MWh. Objective = 360·(24·244·(75·f − 60) + 385). Had the B days
    joined C (the old BUILD-order rule), f = 24550/24800 over 264 days: 32,628,483.87 CNY instead.
    """
    load = np.empty((DAYS, H))
    load[:100], load[100:120], load[120:] = 0.5, 0.625, 0.75
    load[364, 18] = 1.0
    path = write_case(dict(
        buses=[dict(name="b", demand=dict(profile=prof("load"), peak_mw=100))],
        generators=[dict(name="base", bus="b", technology="solar", existing_mw=60, availability=prof("one")),
                    dict(name="gas", bus="b", technology="gas", existing_mw=200)]),
        profiles=dict(load=load.ravel(), one=np.ones(DAYS * H)))
    res = gridplan.solve(gridplan.load_case(path), typical_days=3)
    seq = res.data.day_sequence
    assert np.all(seq[100:120] == seq[0]) and seq[0] != seq[120]
    np.testing.assert_array_equal(np.bincount(seq), [120, 244, 1])
    f = 24550 / 24300
    assert res.objective == pytest.approx(360 * (24 * 244 * (75 * f - 60) + 385), rel=1e-9)


# ----------------------------------------------------------------- inter-period linking

def seasonal_storage_case(tmp_path, loss_pct=0.0):
    """Flat demand; solar only in summer (days 120–239, every 4th day cloudy); a cheap long-duration store.

    Profiles are constant over 3-hour blocks, and the year has exactly four kinds of day (winter,
    sunny summer, cloudy summer, the peak day 30 with an evening bump), so with 4 typical days
    clustering is exact.
    """
    bell = np.repeat([0, 0, 0.5, 1, 1, 0.5, 0, 0], 3)
    summer = (DAY >= 120) & (DAY < 240)
    cloudy = summer & (DAY % 4 == 0)
    solar = np.zeros((DAYS, H))
    solar[summer] = bell
    solar[cloudy] = 0.3 * bell
    load = np.full((DAYS, H), 0.8)
    load[30, 18:21] = 1.0
    return make_case(
        tmp_path, dict(load=load, solar=solar),
        overrides=dict(battery=dict(capex_cny_per_kwh=1.0, roundtrip_efficiency=0.9,
                                    standing_loss_pct_per_h=loss_pct)),
        buses=[dict(name="b", demand=dict(profile=prof("load"), peak_mw=100))],
        generators=[dict(name="pv", bus="b", technology="solar", max_mw=5000, availability=prof("solar")),
                    dict(name="gas", bus="b", technology="gas", max_mw=1000)],
        storage=[dict(name="st", bus="b", technology="battery", max_mw=1000)])


def test_seasonal_storage_linked_typical_days_match_chronological(tmp_path):
    """Typical days + Kotzur linking reproduce the full-year optimum when clustering is exact.

    Reference: the chronological solve at resolution 3. Because every profile is constant over
    each 3-hour block and the store has no self-discharge, it has the same optimum as the hourly
    full year (averaging an hourly solution within blocks keeps it feasible at the same cost, and a
    3-hourly one replayed hourly keeps the level linear, hence in bounds, within blocks); measured
    once: hourly 8760 h and resolution 3 agree to 1e-13. The typical-day LP is then the same LP
    in another form, so the objectives must agree to solver precision: 1e-6 relative.
    """
    case = seasonal_storage_case(tmp_path)
    ref = gridplan.solve(case, resolution=3)
    td = gridplan.solve(case, typical_days=4)
    assert td.data.weights.sum() == 8760
    assert td.objective == pytest.approx(ref.objective, rel=1e-6)
    e_ref = ref.value("storage_build_mwh")[0]
    assert td.value("storage_build_mwh")[0] == pytest.approx(e_ref, rel=1e-4)
    # the store is seasonal: it holds more than 30 days of demand (80 MW·24 h·30)
    assert e_ref > 80 * 24 * 30
    # the rebuilt hourly level stays within [0, E] and returns to its start after a year
    lvl = chronological_levels(td, "storage_soc")
    assert lvl.shape == (1, 8760)
    assert lvl.min() >= -1e-6 * e_ref and lvl.max() <= e_ref * (1 + 1e-9)
    inter = td.value("storage_soc_inter")[0]
    assert inter.shape == (DAYS,)
    # the level peaks at the end of summer (day 240) and is lowest at its start (day 120)
    assert inter[240] == pytest.approx(inter.max(), rel=1e-6)
    assert inter[120] == pytest.approx(inter.min(), abs=1e-6 * e_ref)


def test_linked_storage_with_self_discharge(tmp_path):
    """With self-discharge (0.002 %/h) the hourly year rebuilt from the typical-day solution must obey
    the physics hour by hour, level[h] = (1 − 2e-5)·level[h−1] + √0.9·ch[h] − dis[h]/√0.9 (cyclic),
    with ch/dis of hour h taken from its day's typical day, and stay within [0, E]: the per-period
    min/max bounds are conservative, so every typical-day solution is a feasible full-year one and its
    cost cannot undercut the chronological optimum (resolution 3; 1e-4 covers resolution 3's decay
    being applied per 3-h block: it differs from the hourly optimum by ~1e-5). Measured gap: +1.8e-4."""
    case = seasonal_storage_case(tmp_path, loss_pct=0.002)
    td = gridplan.solve(case, typical_days=4)
    e = td.value("storage_build_mwh")[0]
    lvl = chronological_levels(td, "storage_soc")[0]
    assert lvl.min() >= -1e-6 * e and lvl.max() <= e * (1 + 1e-9)
    seq = td.data.day_sequence
    hourly = lambda block: td.value(block)[0].reshape(-1, H)[seq].ravel()
    eta = np.sqrt(0.9)
    resid = lvl - (1 - 2e-5) * np.roll(lvl, 1) - (eta * hourly("storage_charge") - hourly("storage_discharge") / eta)
    assert np.abs(resid).max() <= 1e-6 * e
    ref = gridplan.solve(case, resolution=3)
    assert td.objective >= ref.objective * (1 - 1e-4)
    assert td.objective <= ref.objective * 1.01


def test_reservoir_typical_days_cannot_create_energy(tmp_path):
    """A reservoir fed only in a 61-day wet season, flat demand, expensive gas (and shedding at VOLL):
    creating water would pay. Annual turbine output must not exceed the annual inflow (summed from the
    CSV), and, with the typical days exact and every profile flat within days, the optimum must equal
    the chronological one at resolution 24 (a flat-within-day year has the same optimum daily or
    hourly when nothing decays)."""
    wet = (DAY >= 150) & (DAY < 211)
    high = wet & (DAY % 3 == 0)
    inflow = np.zeros((DAYS, H))
    inflow[wet] = 1.0
    inflow[high] = 1.5
    load = np.full((DAYS, H), 0.8)
    load[40] = 1.0                                        # the peak day, a dry one
    case = make_case(
        tmp_path, dict(load=load, inflow=inflow),
        buses=[dict(name="b", demand=dict(profile=prof("load"), peak_mw=100))],
        generators=[dict(name="gas", bus="b", technology="gas", max_mw=1000)],
        reservoirs=[dict(name="hy", bus="b", existing_mw=300, reservoir_mwh=1e6,
                         inflow=prof("inflow", scale=200))])
    annual_inflow = 200 * inflow.sum()                   # 200 MW · 24 h · (40·1 + 21·1.5) days (150, 153 … 210 are high)
    assert annual_inflow == pytest.approx(200 * 24 * (40 + 21 * 1.5))
    td = gridplan.solve(case, typical_days=4)
    gen = (td.value("reservoir_p")[0] * td.data.weights).sum()
    assert gen <= annual_inflow * (1 + 1e-9)
    # gas is dear and the volume large: all the water is used
    assert gen == pytest.approx(annual_inflow, rel=1e-6)
    ref = gridplan.solve(case, resolution=24)
    assert td.objective == pytest.approx(ref.objective, rel=1e-6)
    lvl = chronological_levels(td, "reservoir_level")
    assert lvl.min() >= -1e-3 and lvl.max() <= 1e6 + 1e-3


# ----------------------------------------------------------------- strong self-discharge

def test_closed_form_day_links_solve_the_chain():
    """inter[d] = Σ_p C[d, p]·a[p] must be the solution of the cyclic chain
    inter[d+1] = D[p_d]·inter[d] + a[p_d], here solved independently as a 365×365 linear system
    (numpy), for random day kinds, per-day decays from 0.3 to 0.99 and random net changes a."""
    from gridplan.model.families.linked_state import closed_form_coefficients
    rng = np.random.default_rng(7)
    k = 4
    seq = rng.integers(0, k, DAYS)
    Dp = rng.uniform(0.3, 0.99, size=(2, k))
    C = closed_form_coefficients(Dp, seq)
    assert C.shape == (2, DAYS, k) and C.min() >= 0
    for i in range(2):
        M = np.eye(DAYS)
        M[(DAY + 1) % DAYS, DAY] -= Dp[i, seq]          # row d+1: inter[d+1] - D[p_d]·inter[d]
        a = rng.normal(size=k)
        inter = np.linalg.solve(M, np.roll(a[seq], 1))  # right-hand side of row d+1 is a[p_d]
        np.testing.assert_allclose(C[i] @ a, inter, rtol=1e-12, atol=1e-12)
        assert C[i].sum(axis=1).max() <= 1 / (1 - Dp[i].max()) * (1 + 1e-12)


def lossy_battery_case(write_case, loss_pct):
    """Gas, solar and wind to build, a battery losing ``loss_pct`` %/h; the noisy year of issue #12
    (seed 4) whose 3-typical-day LP (1,671 rows) HiGHS' presolve used to break: substituting along
    the 365 day-to-day rows inter[d+1] = 0.79·inter[d] + a it built coefficients of 1e17 and
    stopped with status 'Not Set'."""
    rng = np.random.default_rng(4)
    h = np.arange(DAYS * H)
    load = 0.7 + 0.15 * np.sin(2 * np.pi * (h - 8) / H) + 0.1 * np.cos(2 * np.pi * h / 8760) + 0.05 * rng.random(h.size)
    solar = np.clip(np.sin(np.pi * ((h % H) - 6) / 12), 0, None) * (0.5 + 0.5 * rng.random(h.size))
    wind = rng.random(h.size) ** 2
    path = write_case(dict(
        technologies=dict(catalogue="catalogue.csv", fuels="fuels.csv",
                          overrides=dict(battery=dict(standing_loss_pct_per_h=loss_pct))),
        buses=[dict(name="b", demand=dict(profile=prof("load"), peak_mw=100))],
        generators=[dict(name="pv", bus="b", technology="solar", max_mw=1000, availability=prof("solar")),
                    dict(name="wt", bus="b", technology="wind", max_mw=1000, availability=prof("wind")),
                    dict(name="gas", bus="b", technology="gas", max_mw=1000)],
        storage=[dict(name="st", bus="b", technology="battery", max_mw=1000)]),
        profiles=dict(load=load, solar=solar, wind=wind))
    return gridplan.load_case(path)


@pytest.mark.parametrize("loss_pct, k", [(1.0, 3), (0.5, 3), (2.0, 3), (1.0, 5)])
def test_strong_self_discharge_solves(write_case, monkeypatch, loss_pct, k):
    """The case of issue #12 and close variants solve Optimal with the default options. Reference:
    the same typical days linked by the day-to-day chain (the closed form switched off) and solved
    by simplex with presolve off, where no substitution can build large coefficients: the two
    forms have the same feasible set (linked_state's docstring), so the optima agree (1e-8).
    Independently of either form, the hourly year rebuilt from the solution obeys the physics,
    level[h] = (1 − loss)·level[h−1] + √0.81·ch[h] − dis[h]/√0.81 (cyclic, ch/dis of hour h from its
    day's typical day), and stays within [0, E]."""
    from gridplan.model.families import linked_state
    case = lossy_battery_case(write_case, loss_pct)
    res = gridplan.solve(case, typical_days=k)
    assert res.status == "Optimal"
    if k == 3:
        assert res.facts["rows"] == 1671
    e = res.value("storage_build_mwh")[0]
    assert e > 1.0                                        # the battery is built: its rows matter
    lvl = res.level("storage_soc")[0]
    assert lvl.min() >= -1e-6 * e and lvl.max() <= e * (1 + 1e-6)
    seq = res.data.day_sequence
    hourly = lambda block: res.value(block)[0].reshape(-1, H)[seq].ravel()
    eta = 0.9                                             # √ of the catalogue's round trip 0.81
    resid = (lvl - (1 - loss_pct / 100) * np.roll(lvl, 1)
             - (eta * hourly("storage_charge") - hourly("storage_discharge") / eta))
    assert np.abs(resid).max() <= 1e-6 * e
    monkeypatch.setattr(linked_state, "CLOSED_FORM_BELOW", 0.0)
    ref = gridplan.solve(case, typical_days=k, options=gridplan.SolveOptions(method="simplex",
                                                                              extra={"presolve": "off"}))
    assert res.objective == pytest.approx(ref.objective, rel=1e-8)
