"""Certified hourly answers (``gridplan.batch.certify``, CLI ``gridplan solve CASE --certify``).

A certificate brackets the hourly optimum: ``lower`` is the dual objective of the averaged year in
its relaxed form, ``upper`` the hourly cost of the plan's dispatch. The tests check the bracket
against the hourly optimum solved *here* (``gridplan.solve(path, resolution=1, typical_days=0)``,
an independent method: the hourly LP itself) or against numbers derived by hand in a docstring.

Cases are small: one or two buses over a "year" of 24, 48 or 168 hours (weights 1), except the
typical-days plan, which needs a full 8760-hour year. The catalogues:

* for the bracket tests, where only the independent hourly optimum matters, the shared test
  catalogue (tests/data/catalogue.csv: gas 360 CNY/MWh, coal 225 CNY/MWh, battery round trip 0.81
  and no standing loss, line 10 CNY/kW per MW·km, everything over 10 yr at 6 %) with gas, solar
  and the battery made cheap enough to be built over a one-week "year" (:func:`catalogue_rows`),
  or the shared one as it is (the share-target cases);
* hand-derived cases use tests/test_targets.py's catalogue with *annual* costs (capex = annual /
  crf(6 %, 10 y), no fixed O&M): gas 10 CNY/kW-yr = 10 000 CNY/MW-yr and 360 CNY/MWh (50 CNY/GJ at
  efficiency 0.5), solar free to run; plus a store written here.
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import yaml
from typer.testing import CliRunner

import gridplan
from gridplan.batch import certify as certify_module
from gridplan.batch.certify import NoCertificate, certify, hourly_violation
from gridplan.case.prepare import prepare
from gridplan.cli import app
from gridplan.errors import GridplanError, SolveError
from gridplan.model.compile import compile_lp
from gridplan.solve import dual_objective

from conftest import DATA, prof, write_case_files
from test_targets import FUELS as ANNUAL_FUELS, TECHS as ANNUAL_TECHS, _tech

GAS = 360.0          # CNY/MWh: 50 CNY/GJ × 3.6 GJ/MWh / 0.5
REL = 1e-7           # the bracket's tolerance, relative to the hourly optimum
LOWER_REL = 1e-8     # a lower bound against its exact value: the relaxation's dual objective, less the
                     # allowance certify takes for the solver's dual infeasibility (~1e-9 relative here)


def exact(path, **kw) -> float:
    """The hourly optimum (CNY): the hourly LP solved whole, the independent method."""
    return gridplan.solve(path, resolution=1, typical_days=0, **kw).objective


def assert_brackets(cert, opt: float) -> None:
    slack = REL * abs(opt)
    assert cert.lower <= opt + slack, (cert.lower, opt)
    assert opt <= cert.upper + slack, (opt, cert.upper)
    assert cert.violation <= 1e-6
    assert cert.contains(opt, rel=REL)


def catalogue_rows(**battery) -> list[dict]:
    """The shared test catalogue with gas at 10 CNY/kW, solar at 20 CNY/kW and the battery at
    5 CNY/kW + 5 CNY/kWh (so that over a one-week "year" each is worth building), and the
    battery's cells changed."""
    rows = pd.read_csv(DATA / "catalogue.csv", dtype=str, keep_default_na=False).to_dict("records")
    for r in rows:
        if r["technology"] in ("gas", "solar"):
            r["capex_cny_per_kw"] = {"gas": "10", "solar": "20"}[r["technology"]]
        if r["technology"] == "battery":
            r.update(capex_cny_per_kw="5", capex_cny_per_kwh="5")
            r.update({k: str(v) for k, v in battery.items()})
    return rows


def write(folder, case, profiles, **kw):
    """:func:`write_case_files` with :func:`catalogue_rows` unless told otherwise."""
    kw.setdefault("catalogue", catalogue_rows())
    return write_case_files(folder, case, profiles, **kw)


# --------------------------------------------------------------------------- the cases

def week_profiles(H: int = 168) -> dict:
    """A load between about 0.5 and 1.05 with a daily cycle and a day-to-day level; solar a
    half-sine from 6 to 18 h whose height changes from day to day."""
    h = np.arange(H)
    day = h // 24
    load = 0.75 + 0.2 * np.sin((h % 24 - 9) / 24 * 2 * np.pi) + 0.05 * (day % 3) + 0.1 * (h % 24 == 19)
    solar = np.clip(np.sin((h % 24 - 6) / 12 * np.pi), 0, None) * (0.6 + 0.1 * (day % 4))
    return {"load": load, "solar": solar}


def solar_storage_gas(H: int = 168) -> dict:
    """One bus, peak 100 MW; gas, solar and a battery may all be built (:func:`catalogue_rows`)."""
    return {"name": "one_bus", "time": {"hours": H},
            "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 100}}],
            "generators": [{"name": "gas", "bus": "A", "technology": "gas", "max_mw": 1000},
                           {"name": "pv", "bus": "A", "technology": "solar", "max_mw": 1000,
                            "availability": prof("solar")}],
            "storage": [{"name": "bat", "bus": "A", "technology": "battery", "max_mw": 1000}]}


@pytest.fixture
def one_bus(tmp_path):
    return write(tmp_path, solar_storage_gas(), week_profiles())


def two_buses_with_a_line() -> tuple[dict, dict]:
    """A: existing coal 60 MW (225 CNY/MWh) and new gas; B: new solar, battery and gas; line A-B of
    100 km, 30 MW existing, expandable to 300 MW (10 CNY/kW per MW·km). B's load peaks in the
    evening, A's is flatter."""
    H = 168
    p = week_profiles(H)
    h = np.arange(H)
    p["load_a"] = 0.8 + 0.1 * np.cos((h % 24) / 24 * 2 * np.pi)
    case = {"name": "two_bus", "time": {"hours": H},
            "buses": [{"name": "A", "demand": {"profile": prof("load_a"), "peak_mw": 50}},
                      {"name": "B", "demand": {"profile": prof("load"), "peak_mw": 120}}],
            "generators": [{"name": "coal_a", "bus": "A", "technology": "coal", "existing_mw": 60},
                           {"name": "gas_a", "bus": "A", "technology": "gas", "max_mw": 500},
                           {"name": "gas_b", "bus": "B", "technology": "gas", "max_mw": 500},
                           {"name": "pv_b", "bus": "B", "technology": "solar", "max_mw": 1000,
                            "availability": prof("solar")}],
            "storage": [{"name": "bat_b", "bus": "B", "technology": "battery", "max_mw": 500}],
            "lines": [{"name": "AB", "bus0": "A", "bus1": "B", "existing_mw": 30, "max_mw": 300,
                       "length_km": 100, "technology": "line"}]}
    return case, p


TOU = np.repeat([0.5, 1.0, 1.5, 1.0, 1.5, 1.0], [8, 2, 2, 4, 6, 2])
"""A time-of-use day: valley 0-8 h, flat 8-10, peak 10-12, flat 12-16, peak 16-22, flat 22-24
(stretches of 8, 2, 2, 4, 6 and 2 h)."""


def time_of_use() -> tuple[dict, dict]:
    """One bus, peak 100 MW, new gas, solar and battery as :func:`solar_storage_gas`, and an
    exchange importing up to 60 MW at 300 CNY/MWh × :data:`TOU` (150 / 300 / 450) and exporting
    up to 40 MW at 100 CNY/MWh × TOU."""
    case = solar_storage_gas()
    case["name"] = "tou"
    case["exchanges"] = [{"name": "grid", "bus": "A", "max_import_mw": 60, "max_export_mw": 40,
                          "import_cny_per_mwh": 300, "export_cny_per_mwh": 100,
                          "import_price_pu": prof("tou"), "export_price_pu": prof("tou")}]
    return case, {**week_profiles(), "tou": np.tile(TOU, 7)}


# --------------------------------------------------------------------------- 1 the bracket


@pytest.mark.parametrize("window_days, ends", [(1, [24, 48, 72, 96, 120, 144, 168]), (2, [48, 96, 144, 168]),
                                               (3, [72, 168]), (7, [168])])
def test_one_bus_bracket_and_windows(one_bus, window_days, ends):
    """Solar + battery + gas, a varying load, 168 h, blocks of at most 6 h: lower <= hourly
    optimum <= upper, whatever the windows. Windows of d days end at 24d, 48d, ... and 168; a last
    window shorter than 12·d hours joins the one before: d = 1: 7 windows; d = 2: 48, 96, 144, 168
    (the last 24 h = 12·2 is kept); d = 3: 72, 144 + the last 24 h < 36 joined: 72, 168; d = 7: 168.
    Each window ends at the plan's storage level, so the hourly level at every window's last hour
    is the bound's level at the end of the block ending there (the bound builds a battery here);
    one window is the cyclic year itself, whose level is its own (not fixed)."""
    opt = exact(one_bus)
    cert = certify(one_bus, resolution=6, window_days=window_days, workers=1)
    assert_brackets(cert, opt)
    assert cert.windows == len(ends) and cert.full_year is None
    assert cert.gap > 1e-3            # 6-h blocks lose something here: the bracket is not a point
    assert cert.bound.value("storage_build_mwh")[0] > 100
    bound_level = cert.bound.level("storage_soc")[0]
    block_end = cert.bound.data.snapshot_hour + cert.bound.data.weights.astype(int) - 1
    hourly_level = cert.hourly.level("storage_soc")[0]
    for end in (np.array(ends) - 1 if len(ends) > 1 else []):
        (b,) = np.flatnonzero(block_end == end)
        assert hourly_level[end] == pytest.approx(bound_level[b], rel=1e-6, abs=1e-6)
    # the plan's capacities are the bound's, fixed in the hourly dispatch
    for block in ("gen_build", "storage_build_mw", "storage_build_mwh"):
        assert cert.hourly.value(block) == pytest.approx(cert.bound.value(block), rel=1e-9, abs=1e-9)


def test_two_buses_with_a_line_bracket(tmp_path):
    """Two buses and an expandable line, 6-h blocks, 2-day windows: lower <= hourly optimum <= upper,
    and the line's rating in the hourly dispatch is the bound's."""
    case, profiles = two_buses_with_a_line()
    path = write(tmp_path, case, profiles)
    opt = exact(path)
    cert = certify(path, resolution=6, window_days=2, workers=1)
    assert_brackets(cert, opt)
    cap = cert.hourly.capacities.set_index(["component", "name"])["total"]
    assert cap.loc[("line", "AB")] == pytest.approx(
        cert.bound.capacities.set_index(["component", "name"])["total"].loc[("line", "AB")])


def test_time_of_use_blocks_split_at_the_price_changes(tmp_path):
    """The exchange's multipliers change at 8, 10, 12, 16 and 22 h every day. The relaxed blocks
    start at every change and every midnight and are at most N h inside each stretch:

    * N = 6: 0, 6 | 8 | 10 | 12 | 16 | 22 → 7 blocks a day of 6, 2, 2, 2, 4, 6, 2 h;
    * N = 3: 0, 3, 6 | 8 | 10 | 12, 15 | 16, 19 | 22 → 10 blocks a day (3, 3, 2, 2, 2, 3, 1, 3, 3, 2).

    On each block the multiplier is then constant (so the averaged import cost is the hourly one),
    and the bound still brackets the hourly optimum."""
    case, profiles = time_of_use()
    path = write(tmp_path, case, profiles)
    opt = exact(path)
    for n, day_starts in ((6, [0, 6, 8, 10, 12, 16, 22]), (3, [0, 3, 6, 8, 10, 12, 15, 16, 19, 22])):
        cert = certify(path, resolution=n, window_days=7, workers=1)
        assert_brackets(cert, opt)
        d = cert.bound.data
        starts = (np.array(day_starts)[None, :] + 24 * np.arange(7)[:, None]).ravel()
        assert d.snapshot_hour.tolist() == starts.tolist()
        assert d.weights.sum() == 168 and d.weights.max() <= n
        hourly = np.tile(TOU, 7)
        for b, (s, w) in enumerate(zip(d.snapshot_hour, d.weights.astype(int))):
            assert np.all(hourly[s:s + w] == hourly[s])
            assert d.import_price_pu[0, b] == pytest.approx(hourly[s])
            assert d.export_price_pu[0, b] == pytest.approx(hourly[s])


def test_blocks_split_where_an_import_limit_changes(tmp_path):
    """Only the import capability fraction changes (1 in hours 0-4, 0.3 in 5-13, 1 in 14-23, every
    day; prices flat): at 6-h blocks the relaxed blocks start at 0 | 5, 11 | 14, 20 (5, 6, 3, 6, 4 h),
    plain averaging keeps 0, 6, 12, 18; the bound brackets the hourly optimum."""
    case, profiles = time_of_use()
    ex = case["exchanges"][0]
    del ex["import_price_pu"], ex["export_price_pu"]
    ex["import_limit_pu"] = prof("lim")
    profiles["lim"] = np.tile(np.r_[np.ones(5), np.full(9, 0.3), np.ones(10)], 7)
    path = write(tmp_path, case, profiles)
    loaded = gridplan.load_case(path)
    day = [0, 5, 11, 14, 20]
    relaxed = prepare(loaded, resolution=6, typical_days=0, relaxed=True)
    assert relaxed.snapshot_hour.tolist() == (np.array(day)[None, :] + 24 * np.arange(7)[:, None]).ravel().tolist()
    assert prepare(loaded, resolution=6, typical_days=0).snapshot_hour.tolist() == list(range(0, 168, 6))
    assert relaxed.import_limit_pu[0, :5] == pytest.approx([1.0, 0.3, 0.3, 1.0, 1.0])
    assert_brackets(certify(path, resolution=6, window_days=2, workers=1), exact(path))


def test_ramps_send_the_year_to_one_lp(tmp_path):
    """The two-bus case with a time-of-use import at B (so the blocks are 6, 2, 2, 2, 4, 6, 2 h a
    day) and coal at A ramping at most 5 % of its 60 MW (3 MW) an hour, which binds hour by hour
    (the hourly optimum costs more than without it). A ramp links the last hour of a window to the
    first of the next and is neither a state nor an annual row: with 2-day windows the year is
    dispatched as one LP (and says why); in one 7-day window it is not. The relaxation scales the
    ramp by the mean duration of two neighbouring blocks; the bound still brackets the optimum."""
    case, profiles = two_buses_with_a_line()
    case["exchanges"] = [{"name": "grid", "bus": "B", "max_import_mw": 20, "import_cny_per_mwh": 300,
                          "import_price_pu": prof("tou")}]
    profiles["tou"] = np.tile(TOU, 7)
    free = exact(write(tmp_path, case, profiles, file="free.yaml"))
    case["generators"][0]["ramp"] = 0.05
    path = write(tmp_path, case, profiles)
    opt = exact(path)
    assert opt > free * (1 + 1e-6)
    split = certify(path, resolution=6, window_days=2, workers=1)
    assert_brackets(split, opt)
    assert split.full_year == "rows gen_ramp_down, gen_ramp_up link hours of different windows"
    assert split.bound.data.weights[:7].tolist() == [6, 2, 2, 2, 4, 6, 2]
    steps = np.diff(split.hourly.value("gen_p")[0], append=split.hourly.value("gen_p")[0, :1])
    assert np.abs(steps).max() <= 3 + 1e-6
    whole = certify(path, resolution=6, window_days=7, workers=1)
    assert_brackets(whole, opt)
    assert whole.full_year is None and whole.windows == 1


# --------------------------------------------------------------------------- 2 finer blocks, smaller gap


def test_gap_shrinks_to_zero_as_the_blocks_get_finer(one_bus):
    """Blocks of 12, 6, 3 and 1 h nest (each a refinement of the one before, all starting at
    midnight), so each relaxation is a relaxation of the next: the lower bound cannot fall. On
    this case the gap falls too, strictly from 12 h to 1 h. At 1 h the relaxation is the hourly LP
    itself (the battery has no standing loss, so no row is relaxed) and the plan is its optimum:
    lower = upper = hourly optimum, gap <= 1e-6."""
    opt = exact(one_bus)
    certs = [certify(one_bus, resolution=n, workers=1) for n in (12, 6, 3, 1)]
    lowers = [c.lower for c in certs]
    gaps = [c.gap for c in certs]
    for c in certs:
        assert_brackets(c, opt)
    assert all(b >= a - REL * abs(opt) for a, b in zip(lowers, lowers[1:])), lowers
    assert all(b <= a + 1e-9 for a, b in zip(gaps, gaps[1:])), gaps
    assert gaps[0] > gaps[2] > 1e-3 and gaps[0] > 0.1       # strictly smaller somewhere
    assert gaps[-1] <= 1e-6
    assert certs[-1].lower == pytest.approx(opt, rel=1e-7) and certs[-1].upper == pytest.approx(opt, rel=1e-7)
    assert certs[-1].bound.data.T == 168


# --------------------------------------------------------------------------- 3 standing losses


STORE = _tech("store", "storage", "storage", 0.0)
STORE.update(roundtrip_efficiency=1.0, standing_loss_pct_per_h=10, capex_cny_per_kwh=0.0)


def _lossy_case(tmp_path):
    """The case of the test below (its docstring)."""
    catalogue = ANNUAL_TECHS + [STORE]
    case = {"name": "lossy", "time": {"hours": 24},
            "buses": [{"name": "A", "demand": {"profile": prof("flat"), "peak_mw": 100}}],
            "generators": [{"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 200},
                           {"name": "pv", "bus": "A", "technology": "solar", "existing_mw": 200,
                            "availability": prof("sun")}],
            "storage": [{"name": "st", "bus": "A", "technology": "store", "existing_mw": 10, "existing_mwh": 20}]}
    sun = np.r_[np.ones(6), np.zeros(18)]
    return write_case_files(tmp_path, case, {"flat": np.ones(24), "sun": sun}, catalogue=catalogue,
                            fuels=ANNUAL_FUELS)


def test_standing_loss_plain_average_is_above_the_hourly_optimum_the_relaxation_below(tmp_path):
    """24 h, flat load 100 MW. Free solar 200 MW existing, available in hours 0-5 only; gas 200 MW
    existing at 360 CNY/MWh, nothing can be built; a store of 10 MW and 20 MWh existing, round trip
    1 (η = 1 each way), standing loss l = 10 %/h. Cost = 360 × gas MWh; gas serves hours 6-23
    (1800 MWh) less what the store delivers there. Blocks of 6 h: 0, 6, 12, 18 (every series is
    constant inside them, so only the store's equation differs from hour to hour).

    * Hourly: fill the store by the end of hour 5 (20 MWh), empty it as early as possible:
      hour 6 gives 10 (level 0.9·20 − 10 = 8), hour 7 gives 0.9·8 = 7.2: 17.2 MWh.
      Optimum = 360 × (1800 − 17.2) = 641 808 CNY.
    * Plain averaging: soc_b = 0.9⁶ soc_(b−1) + 6(ch − dis): the 20 MWh of block 0 decay for the
      whole block 1 before they serve it, 20 × 0.9⁶ = 10.628820 MWh:
      360 × (1800 − 10.62882) = 644 173.62 CNY — ABOVE the hourly optimum, no lower bound.
    * Relaxed: soc_b <= 0.9 soc_(b−1) + 6(ch − dis), one hour's loss on the block's start level.
      Block 0 ends full (20 MWh: 6 h × 10 MW of free charging is more than enough); nothing can
      charge after it but gas (round trip 1: a wash at best); block 1 can deliver
      6·dis_1 <= 0.9 × 20 − soc_1, i.e. 18 MWh (dis_1 = 3 MW <= 10) with soc_1 = 0, and
      carrying energy to block 2 or 3 only loses another 10 % a block: 18 MWh delivered,
      360 × (1800 − 18) = 360 × 1782 = 641 520 CNY <= 641 808: the certificate's lower bound.
    * Nothing is built, and one 1-day window is the cyclic year with no level fixed, so the plan's
      dispatch is the hourly LP itself: upper = 641 808."""
    path = _lossy_case(tmp_path)
    hourly = 360 * (1800 - 17.2)
    plain = 360 * (1800 - 20 * 0.9 ** 6)
    relaxed = 360 * (1800 - 0.9 * 20)
    assert hourly == pytest.approx(641_808) and plain == pytest.approx(644_173.62, abs=0.01)
    assert relaxed == pytest.approx(641_520) and relaxed < hourly < plain
    assert exact(path) == pytest.approx(hourly, rel=1e-9)
    loaded = gridplan.load_case(path)
    assert gridplan.solve(prepare(loaded, resolution=6, typical_days=0)).objective == pytest.approx(plain, rel=1e-9)
    assert gridplan.solve(prepare(loaded, resolution=6, typical_days=0, relaxed=True)).objective == \
        pytest.approx(relaxed, rel=1e-9)
    cert = certify(path, resolution=6, window_days=1, workers=1)
    assert cert.lower == pytest.approx(relaxed, rel=LOWER_REL)
    assert cert.upper == pytest.approx(hourly, rel=1e-9)
    assert cert.windows == 1 and cert.merges == 0
    assert cert.hourly.value("storage_discharge")[0, 6:8] == pytest.approx([10.0, 7.2], abs=1e-6)


@pytest.mark.parametrize("resolution", [6, 3])
def test_lossy_battery_bracket(tmp_path, resolution):
    """The one-bus case with a battery losing 2 %/h (``standing_loss_pct_per_h`` 2): the relaxed
    storage rows still admit every hourly solution, so the bound stays below the hourly optimum."""
    path = write_case_files(tmp_path, solar_storage_gas(), week_profiles(),
                            catalogue=catalogue_rows(standing_loss_pct_per_h=2))
    assert prepare(gridplan.load_case(path)).storage["loss_per_h"].tolist() == [0.02]
    opt = exact(path)
    cert = certify(path, resolution=resolution, window_days=2, workers=1)
    assert_brackets(cert, opt)
    # the bound's state rows are the relaxed inequalities (<=), the hourly LP's equalities
    relaxed, hourly = cert.bound.ctx.lp.cons["storage_soc"], cert.hourly.ctx.lp.cons["storage_soc"]
    assert np.isneginf(relaxed.lower).all() and (relaxed.upper == 0).all()
    assert (hourly.lower == hourly.upper).all()


def test_lossy_store_at_one_hour_the_relaxation_is_the_hourly_lp(tmp_path):
    """The hand case above at 1-h blocks: the relaxed row is soc_h <= 0.9 soc_(h−1) + ch_h − dis_h,
    the hourly equation as an inequality (it may only throw energy away). The hourly argument used
    only upper bounds on the level, so it holds here too: soc_5 <= 20, hour 6 delivers at most
    10 MW (so soc_6 <= 0.9 × 20 − 10 = 8), hour 7 at most 0.9 × 8 = 7.2, later hours at most what
    is left after one more 10 % a hour: at most 17.2 MWh, reached. Throwing energy away never pays
    (solar is curtailed for free, nothing must run). So lower = the hourly optimum
    360 × (1800 − 17.2) = 641 808 = upper (one 1-day window: the hourly LP itself), gap 0 — as
    with lossless storage (test_gap_shrinks_to_zero_as_the_blocks_get_finer). The rows are still
    the relaxed inequalities, the hourly LP's equalities."""
    path = _lossy_case(tmp_path)
    hourly = 360 * (1800 - 17.2)
    assert exact(path) == pytest.approx(hourly, rel=1e-9)
    cert = certify(path, resolution=1, window_days=1, workers=1)
    assert_brackets(cert, hourly)
    assert cert.bound.data.T == 24
    assert cert.lower == pytest.approx(hourly, rel=LOWER_REL)
    assert cert.upper == pytest.approx(hourly, rel=1e-9)
    assert cert.gap <= 1e-6
    relaxed = cert.bound.ctx.lp.cons["storage_soc"]
    assert np.isneginf(relaxed.lower).all() and (relaxed.upper == 0).all()


COAL_MR = _tech("coal", "coal", "dispatchable", 0.0, fuel="coal", eff=0.4, credit=0.9)


def test_must_run_floor_is_the_block_mean_of_the_hourly_floors(tmp_path):
    """24 h, flat load 100 MW. Existing coal 100 MW (225 CNY/MWh) with must_run 0.5 and an
    availability of 1, 1, 1, 0, 0, 0 in every 6 h; free solar 200 MW existing, available always
    (curtailment costs nothing); nothing can be built.

    * Hourly: coal must run min(0.5, a_h)·100 = 50 MW in the 12 available hours, 0 in the others;
      solar does the rest: 600 MWh of coal, 600 × 225 = 135 000 CNY.
    * Plain averaging at 6 h: ā = 0.5, floor min(0.5, ā) = 0.5: 50 MW in all 24 h, 1200 MWh,
      270 000 CNY — above the hourly optimum.
    * Relaxed: the mean of the hourly floors, (3 × 0.5 + 3 × 0)/6 = 0.25: 25 MW × 24 h = 600 MWh,
      135 000 CNY = the hourly optimum (and the plan's dispatch: upper = lower)."""
    catalogue = [COAL_MR] + [t for t in ANNUAL_TECHS if t["technology"] != "coal"]
    avail = np.tile([1.0, 1, 1, 0, 0, 0], 4)
    case = {"name": "must_run", "time": {"hours": 24},
            "buses": [{"name": "A", "demand": {"profile": prof("flat"), "peak_mw": 100}}],
            "generators": [{"name": "coal", "bus": "A", "technology": "coal", "existing_mw": 100, "must_run": 0.5,
                            "availability": prof("avail")},
                           {"name": "pv", "bus": "A", "technology": "solar", "existing_mw": 200,
                            "availability": prof("flat")}]}
    path = write_case_files(tmp_path, case, {"flat": np.ones(24), "avail": avail}, catalogue=catalogue,
                            fuels=ANNUAL_FUELS)
    assert exact(path) == pytest.approx(135_000, rel=1e-9)
    loaded = gridplan.load_case(path)
    relaxed = prepare(loaded, resolution=6, typical_days=0, relaxed=True)
    assert relaxed.must_run_floor[0] == pytest.approx(np.full(4, 0.25))
    assert gridplan.solve(prepare(loaded, resolution=6, typical_days=0)).objective == pytest.approx(270_000, rel=1e-9)
    cert = certify(path, resolution=6, window_days=1, workers=1)
    assert cert.lower == pytest.approx(135_000, rel=LOWER_REL) and cert.upper == pytest.approx(135_000, rel=1e-9)
    assert cert.hourly.value("gen_p")[0] == pytest.approx(50 * avail, abs=1e-6)


def _carry_case(tmp_path):
    """48 h. Day 1: load 100 MW in hours 0-5 only, free solar 200 MW in hours 0-5 only; day 2:
    load 100 MW every hour and no supply but a store of 10 MW / 20 MWh (round trip 1, loss
    10 %/h); shedding at the default VoLL 30 000 CNY/MWh. Nothing can be built.

    * Hourly: the store is full (20 MWh) at the end of hour 5 and loses 10 % an hour until day 2:
      20 × 0.9¹⁹ = 2.7017 MWh reach the load (hour 24). Optimum = 30 000 × (2400 − 2.7017)
      = 71 918 949 CNY.
    * Relaxed at 6-h blocks (soc_b <= 0.9 soc_(b−1) + 6(ch − dis), blocks 0, 6, ..., 42): block 0
      ends full (20 MWh; its level is capped at 20 whatever the cyclic start, so a level left at
      hour 47 is waste), blocks 1-3 (hours 6-23) have no load and no supply, so dis = ch = 0 there
      (shedding is at most the load) and the level is at most 20 × 0.9³ = 14.58 MWh at hour 23;
      block 4 (hours 24-29) delivers 6·dis_4 <= 0.9 × 14.58 = 13.122 MWh (dis_4 = 2.187 MW <= 10),
      and any later delivery loses 10 % a block more: 13.122 MWh,
      30 000 × (2400 − 13.122) = 30 000 × 2386.878 = 71 606 340 CNY. The optimum is unique in its
      levels: 14.58 MWh at hour 23 (the only level that delivers 13.122 in block 4), 0 at hour 47.
    * Relaxed at 1-h blocks: the hourly equation as an inequality; the hourly chain above used only
      upper bounds on the level, and throwing energy away never pays: the hourly optimum again,
      with the same unique level 20 × 0.9¹⁸ = 3.0019 MWh at hour 23 and 0 at hour 47."""
    load = np.r_[np.ones(6), np.zeros(18), np.ones(24)]
    sun = np.r_[np.ones(6), np.zeros(42)]
    case = {"name": "carry", "time": {"hours": 48},
            "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 100}}],
            "generators": [{"name": "pv", "bus": "A", "technology": "solar", "existing_mw": 200,
                            "availability": prof("sun")}],
            "storage": [{"name": "st", "bus": "A", "technology": "store", "existing_mw": 10, "existing_mwh": 20}]}
    return write_case_files(tmp_path, case, {"load": load, "sun": sun}, catalogue=ANNUAL_TECHS + [STORE],
                            fuels=ANNUAL_FUELS)


CARRY_HOURLY = 30_000 * (2400 - 20 * 0.9 ** 19)
CARRY_RELAXED = 30_000 * (2400 - 20 * 0.9 ** 4)       # at 6-h blocks


def test_lossy_store_carried_over_one_window(tmp_path):
    """:func:`_carry_case` in one 2-day window: one window is the cyclic year, no level is fixed, so
    (nothing built) the dispatch is the hourly LP itself: upper = the hourly optimum 71 918 949,
    lower = 71 606 340 (6-h blocks), no merge."""
    path = _carry_case(tmp_path)
    assert exact(path) == pytest.approx(CARRY_HOURLY, rel=1e-9)
    assert CARRY_HOURLY == pytest.approx(71_918_949, abs=1)
    assert CARRY_RELAXED == pytest.approx(71_606_340, abs=1e-6)
    cert = certify(path, resolution=6, window_days=2, workers=1)
    assert cert.lower == pytest.approx(CARRY_RELAXED, rel=LOWER_REL)
    assert cert.upper == pytest.approx(CARRY_HOURLY, rel=1e-9)
    assert cert.windows == 1 and cert.merges == 0


@pytest.mark.parametrize("resolution, lower, merges", [(6, CARRY_RELAXED, 1), (1, CARRY_HOURLY, 0)])
def test_lossy_store_carried_across_windows(tmp_path, resolution, lower, merges):
    """:func:`_carry_case` in 1-day windows (edges 0, 24, 48). The hourly LP is feasible (it sheds)
    and nothing can be built, so the plan *is* the case: a certificate exists, and its upper bound
    is the hourly optimum 71 918 949.

    * 6-h blocks: the dispatch first fixes the store's level at hour 23 (the end of window 1) at
      the bound's 14.58 MWh (:func:`_carry_case`); hour by hour the store holds at most
      20 × 0.9¹⁸ = 3.0019 MWh then (no charging source after hour 5), so window 1 is infeasible
      (window 2, from 14.58 down to the bound's 0 at hour 47, is not). It is merged with window 2:
      one window, the cyclic year, no level fixed — exactly one merge (a second failure would be
      no certificate), and the dispatch is the hourly LP: upper = 71 918 949, lower = 71 606 340.
    * 1-h blocks: the bound is the hourly optimum, its levels 3.0019 MWh at hour 23 and 0 at hour 47
      are the hourly optimum's, so both windows are feasible as they are: no merge, two windows,
      lower = upper = 71 918 949 (the bound comes from an interior point without crossover: a level
      a hair above 3.0019 would make window 1 infeasible and merge it, which is also a right answer,
      so one merge is allowed there)."""
    path = _carry_case(tmp_path)
    cert = certify(path, resolution=resolution, window_days=1, workers=1)
    assert_brackets(cert, CARRY_HOURLY)
    assert cert.lower == pytest.approx(lower, rel=LOWER_REL)
    assert cert.upper == pytest.approx(CARRY_HOURLY, rel=1e-9)
    assert cert.merges == merges or (merges == 0 and cert.merges == 1)
    assert cert.windows == 2 - cert.merges


def _spike_store_case(tmp_path):
    """48 h, lossless. Day 1: no load, free solar 120 MW available in hour 5 only; day 2: load
    100 MW every hour and no supply but a store of 10 MW / 120 MWh (round trip 1, no loss);
    shedding at VoLL 30 000 CNY/MWh. Nothing can be built.

    * Hourly: the store takes at most 10 MWh in hour 5 (its power) and gives them on day 2:
      optimum = 30 000 × (2400 − 10) = 71 700 000 CNY.
    * Relaxed at 6-h blocks: block 0-5 sees the mean solar 20 MW, so the store charges its full
      10 MW for 6 h: 60 MWh, all kept for day 2 (lossless, and nothing to serve before):
      30 000 × 2340 = 70 200 000 CNY. Its levels: s at hour 47 (the cyclic start) and s + 60 at
      hour 23, for any s in [0, 60] (s + 60 <= 120 MWh); the delivery is 60 MWh whatever s is."""
    load = np.r_[np.zeros(24), np.ones(24)]
    sun = np.zeros(48)
    sun[5] = 1.0
    store = {**STORE, "standing_loss_pct_per_h": 0}
    case = {"name": "spike_store", "time": {"hours": 48},
            "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 100}}],
            "generators": [{"name": "pv", "bus": "A", "technology": "solar", "existing_mw": 120,
                            "availability": prof("sun")}],
            "storage": [{"name": "st", "bus": "A", "technology": "store", "existing_mw": 10, "existing_mwh": 120}]}
    return write_case_files(tmp_path, case, {"load": load, "sun": sun}, catalogue=ANNUAL_TECHS + [store],
                            fuels=ANNUAL_FUELS)


def test_lossless_store_over_one_window(tmp_path):
    """:func:`_spike_store_case` in one 2-day window: lower 70 200 000 <= upper = the hourly
    optimum 71 700 000 (one window is the cyclic year: no level is fixed, the dispatch is the
    hourly LP itself)."""
    path = _spike_store_case(tmp_path)
    assert exact(path) == pytest.approx(71_700_000, rel=1e-9)
    cert = certify(path, resolution=6, window_days=2, workers=1)
    assert cert.lower == pytest.approx(70_200_000, rel=LOWER_REL)
    assert cert.upper == pytest.approx(71_700_000, rel=1e-9)


def test_lossless_store_across_windows(tmp_path):
    """:func:`_spike_store_case` in 1-day windows. The hourly LP is feasible and nothing can be
    built, so a certificate exists (lower 70 200 000 <= 71 700 000 <= upper). The dispatch first
    fixes the levels at the bound's: s at hour 47 (window 1's cyclic start) and s + 60 at hour 23,
    but hour by hour the store gains at most 10 MWh over day 1 (10 MW in the one sunny hour, no
    loss): s + 10 < s + 60, window 1 is infeasible whatever s. It is merged with window 2: one
    window, the cyclic year with no level fixed — exactly one merge — and the dispatch is the
    hourly LP itself: upper = 71 700 000."""
    path = _spike_store_case(tmp_path)
    cert = certify(path, resolution=6, window_days=1, workers=1)
    assert_brackets(cert, 71_700_000)
    assert cert.lower == pytest.approx(70_200_000, rel=LOWER_REL)
    assert cert.upper == pytest.approx(71_700_000, rel=1e-9)
    assert cert.merges == 1 and cert.windows == 1


# --------------------------------------------------------------------------- 4 lost load


def test_averaged_plan_under_builds_and_the_upper_bound_pays_the_lost_load(tmp_path):
    """48 h, load 100 MW except 200 MW in hour 30; gas may be built at 10 000 CNY/MW-yr and runs at
    360 CNY/MWh; VoLL 20 000 CNY/MWh. Blocks of 6 h: hour 30 starts the block 30-35, whose mean
    load is (200 + 5·100)/6 = 116.667 MW.

    * Bound: a MW of gas (10 000) is far cheaper than a MW of shedding over a 6-h block
      (6 × 20 000), so P = 116.667 MW; lower = 10 000 · 116.667 + 360 · (4800 + 100)
      = 1 166 666.67 + 1 764 000 = 2 930 666.67 CNY.
    * Hourly optimum: P = 200 (a MW of gas, 10 000 + 360, against 20 000 of shedding in hour 30):
      2 000 000 + 1 764 000 = 3 764 000 CNY.
    * Upper: the plan P = 116.667 dispatched hour by hour sheds 200 − 116.667 = 83.333 MWh in hour 30:
      1 166 666.67 + 360 · (4700 + 116.667) + 20 000 · 83.333 = 1 166 666.67 + 1 734 000
      + 1 666 666.67 = 4 567 333.33 CNY; without the lost load 2 900 666.67.
    * Prices with the plan fixed: 360 CNY/MWh in every hour but hour 30, where shedding is at the
      margin: 20 000 (one hour at VoLL)."""
    voll, P = 20_000.0, 700 / 6
    load = np.ones(48)
    load[30] = 2.0
    case = {"name": "spike", "time": {"hours": 48}, "options": {"voll_cny_per_mwh": voll},
            "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 100}}],
            "generators": [{"name": "gas", "bus": "A", "technology": "gas", "max_mw": 1000}]}
    path = write_case_files(tmp_path, case, {"load": load}, catalogue=ANNUAL_TECHS, fuels=ANNUAL_FUELS)
    opt = exact(path)
    assert opt == pytest.approx(3_764_000, rel=1e-9)
    cert = certify(path, resolution=6, window_days=1, workers=1)
    assert_brackets(cert, opt)
    assert cert.plan_results.value("gen_build")[0] == pytest.approx(P, rel=1e-9)
    assert cert.lower == pytest.approx(10_000 * P + 360 * 4900, rel=LOWER_REL)
    assert cert.upper == pytest.approx(4_567_333.33, abs=0.01)
    shed = cert.hourly.value("shed")
    assert shed[0, 30] == pytest.approx(200 - P, rel=1e-9)
    assert np.delete(shed[0], 30) == pytest.approx(np.zeros(47), abs=1e-9)
    lost = cert.lost_load()
    assert lost["hours"] == 1 and lost["mwh"] == pytest.approx(200 - P, rel=1e-9)
    assert lost["by_bus"]["A"] == pytest.approx(200 - P, rel=1e-9)
    voll_read = gridplan.load_case(path).options.voll_cny_per_mwh
    assert cert.upper - voll_read * shed.sum() == pytest.approx(10_000 * P + 360 * (4700 + P), rel=1e-9)
    pd_ = cert.price_duration().loc["A"]
    assert pd_["max"] == pytest.approx(voll) and pd_["min"] == pytest.approx(GAS)
    assert pd_["hours_at_voll"] == 1
    assert cert.summary()["lost_load_mwh"] == pytest.approx(200 - P, rel=1e-9)


# --------------------------------------------------------------------------- annual rows over windows


def _share_case(tmp_path, share: float, days=(1.0, 0.3, 0.9, 0.2, 1.0, 0.5, 0.8)):
    """:func:`solar_storage_gas` over 168 h with a non-fossil electricity share target (an annual
    row every window shares) and solar whose height changes a lot from day to day (``days``)."""
    h = np.arange(168)
    solar = np.clip(np.sin((h % 24 - 6) / 12 * np.pi), 0, None) * np.asarray(days)[h // 24]
    load = 0.75 + 0.2 * np.sin((h % 24 - 9) / 24 * 2 * np.pi)
    case = solar_storage_gas()
    case["targets"] = [{"id": "nf", "kind": "non_fossil_share", "scope": "electricity", "value": share}]
    return write_case_files(tmp_path, case, {"load": load, "solar": solar})


def test_annual_share_reallocated_between_windows(tmp_path):
    """A 30 % non-fossil share, 2-h blocks, 1-day windows: the plan's own non-fossil MWh, day by
    day, is not what each day can make hour by hour, so some window misses its allocation and the
    others take it over (a re-allocation round). The bracket holds and the share holds in the
    hourly dispatch; with no re-allocation round allowed (rounds=0) too."""
    path = _share_case(tmp_path, 0.3)
    opt = exact(path)
    windows = certify(path, resolution=2, window_days=1, workers=1)
    assert_brackets(windows, opt)
    assert windows.rounds >= 1 and windows.full_year is None
    assert windows.targets_hourly().set_index("id").loc["nf", "met"]
    demand = windows.hourly.data.demand.sum()                  # MWh: 168 hours of weight 1
    assert demand == pytest.approx(100 * (0.75 + 0.2 * np.sin((np.arange(168) % 24 - 9) / 24 * 2 * np.pi)).sum())
    assert windows.hourly.total("non_fossil_energy") >= 0.3 * demand * (1 - 1e-7)
    stiff = certify(path, resolution=2, window_days=1, workers=1, rounds=0)
    assert_brackets(stiff, opt)
    assert stiff.targets_hourly().set_index("id").loc["nf", "met"]


def _fixed_plan_case(path, plan):
    """The case at ``path`` with every capacity fixed at ``plan``'s (existing = max = the plan's total)."""
    total = plan.capacities.set_index(["component", "name"])["total"]
    case = yaml.safe_load(path.read_text())
    for g in case["generators"]:
        g["existing_mw"] = g["max_mw"] = float(total[("generator", g["name"])])
    for st in case["storage"]:
        st["existing_mw"] = st["max_mw"] = float(total[("storage", st["name"])])
        st["existing_mwh"] = st["max_mwh"] = float(total[("storage_energy", st["name"])])
    fixed = path.with_name("fixed.yaml")
    fixed.write_text(yaml.safe_dump(case, sort_keys=False))
    return fixed


def test_a_plan_that_misses_a_hard_target_hourly_is_not_the_one_certified(tmp_path):
    """The share at 30 % with 6-h blocks: the bound's plan meets the share on block means, where
    the daily solar peak is averaged away, but not hour by hour (the peak is curtailed). Checked
    independently: the hourly LP with every capacity fixed at the bound's is infeasible. So the
    bound's plan cannot be the certified one: the certificate's plan differs from it, its hourly
    dispatch meets the share, the bracket holds, and the lower bound is still the relaxation's."""
    path = _share_case(tmp_path, 0.3)
    opt = exact(path)
    bound = gridplan.solve(prepare(gridplan.load_case(path), resolution=6, typical_days=0, relaxed=True))
    with pytest.raises(SolveError) as info:
        exact(_fixed_plan_case(path, bound))
    assert info.value.status == "Infeasible"
    cert = certify(path, resolution=6, window_days=1, workers=1)
    assert_brackets(cert, opt)
    assert cert.lower == pytest.approx(bound.objective, rel=LOWER_REL)
    assert cert.targets_hourly().set_index("id").loc["nf", "met"]
    plan_pv = cert.hourly.capacities.set_index("name").loc["pv", "total"]
    assert plan_pv > bound.capacities.set_index("name").loc["pv", "total"] * (1 + 1e-6) or \
        cert.hourly.value("storage_build_mwh")[0] > bound.value("storage_build_mwh")[0] + 1e-6


# --------------------------------------------------------------------------- 5 a plan from typical days


@pytest.fixture(scope="module")
def full_year(tmp_path_factory):
    """A full hourly year (typical days need 8760 h): one bus, solar + battery + gas, a seasonal
    load and seasonal solar."""
    H = 8760
    h = np.arange(H)
    day = h // 24
    solar = np.clip(np.sin((h % 24 - 6) / 12 * np.pi), 0, None) * (0.75 + 0.25 * np.cos(2 * np.pi * day / 365))
    load = 0.8 + 0.2 * np.cos(2 * np.pi * (day - 200) / 365) + 0.1 * np.sin((h % 24 - 9) / 24 * 2 * np.pi)
    case = solar_storage_gas(H)
    case["name"] = "full_year"
    path = write(tmp_path_factory.mktemp("full_year"), case, {"load": load, "solar": solar})
    return path, exact(path, method="simplex")


def test_plan_from_typical_days_brackets(full_year):
    """4 typical days supply the plan (not the bound): the bound is still the averaged year (8760/6 =
    1460 blocks, chronological), the plan's capacities are the typical-day model's, and its hourly
    dispatch (52 windows of 7 days: the last, day 365, joins window 52) costs at least the hourly
    optimum. Dispatched on 2 processes."""
    path, opt = full_year
    cert = certify(path, resolution=6, typical_days=4, workers=2)
    assert_brackets(cert, opt)
    assert cert.plan == "4 typical days"
    assert cert.plan_results.data.typical_day_of is not None and cert.bound.data.typical_day_of is None
    assert cert.bound.data.T == 1460 and cert.windows == 52
    for block in ("gen_build", "storage_build_mw", "storage_build_mwh"):
        assert cert.hourly.value(block) == pytest.approx(cert.plan_results.value(block), rel=1e-9, abs=1e-9)


def test_workers_give_the_same_dispatch(one_bus):
    """The windows are independent LPs: solved in a pool of 2 processes or here, the same dispatch."""
    here = certify(one_bus, resolution=6, window_days=1, workers=1)
    pool = certify(one_bus, resolution=6, window_days=1, workers=2)
    assert pool.upper == pytest.approx(here.upper, rel=1e-9)
    assert pool.hourly.value("gen_p") == pytest.approx(here.hourly.value("gen_p"), rel=1e-6, abs=1e-6)


# --------------------------------------------------------------------------- 6 the hourly check


def _gas_only(tmp_path):
    """24 h, flat load 100 MW, existing gas 150 MW (nothing to build): gas makes 100 MW every hour."""
    case = {"name": "gas_only", "time": {"hours": 24},
            "buses": [{"name": "A", "demand": {"profile": prof("flat"), "peak_mw": 100}}],
            "generators": [{"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 150}]}
    return write_case_files(tmp_path, case, {"flat": np.ones(24)})


def test_hourly_violation_of_a_broken_dispatch(tmp_path):
    """On the dispatch (gas 100, shed 0 every hour) the violation is 0. Then:

    * gas +5 MW in hour 7: the balance row of hour 7 reads 105 against 100, relative to its
      magnitude Σ|a_ij x_j| = 105 (gas only): 5/105 (gas' ceiling 150 is not reached);
    * shed −2 in hour 3: its lower bound 0 is missed by 2, relative to max(1, |−2|) = 2: 1.0, above
      the balance's 2/102 there."""
    cert = certify(_gas_only(tmp_path), resolution=6, workers=1)
    ctx = cert.hourly.ctx
    clp = compile_lp(ctx)
    x = cert.hourly.x.copy()
    assert cert.hourly.value("gen_p")[0] == pytest.approx(np.full(24, 100.0))
    assert hourly_violation(ctx, clp, x)[0] <= 1e-12
    gen = ctx.lp.vars["gen_p"].cols[0]
    shed = ctx.lp.vars["shed"].cols[0]
    y = x.copy()
    y[gen[7]] += 5
    v, where = hourly_violation(ctx, clp, y)
    assert v == pytest.approx(5 / 105, rel=1e-12) and where == "row balance[A, 7]"
    y = x.copy()
    y[shed[3]] = -2
    v, where = hourly_violation(ctx, clp, y)
    assert v == pytest.approx(1.0) and where == "column shed[A, 3]"


@pytest.mark.parametrize("delta, certified", [(1e-3, False), (1e-5, True)])
def test_certify_refuses_a_dispatch_off_the_hourly_rows(tmp_path, monkeypatch, delta, certified):
    """A dispatch off by δ MW of gas in hour 5 misses the balance by δ/(100 + δ) relative: 1e-3 gives
    ≈ 1e-5 > 1e-6, no certificate; 1e-5 gives ≈ 1e-7, certified with that violation."""
    path = _gas_only(tmp_path)
    run = certify_module.HourlyDispatch.run

    def broken(self, *a, **kw):
        x, y, rounds, full_year = run(self, *a, **kw)
        x = x.copy()
        x[self.ctx.lp.vars["gen_p"].cols[0, 5]] += delta
        return x, y, rounds, full_year

    monkeypatch.setattr(certify_module.HourlyDispatch, "run", broken)
    if certified:
        cert = certify(path, resolution=6, workers=1)
        assert cert.violation == pytest.approx(delta / (100 + delta), rel=1e-6)
        assert cert.worst == "row balance[A, 5]"
    else:
        with pytest.raises(NoCertificate, match=r"violates the hourly LP by 1\.00e-05 .*balance\[A, 5\]"):
            certify(path, resolution=6, workers=1)


# --------------------------------------------------------------------------- 7 the lower bound is a dual value


def test_lower_bound_is_the_relaxations_dual_objective(tmp_path):
    """The certificate's lower bound is the relaxed model's dual objective, which at its optimum
    equals the relaxed model's objective (solved here on its own) to 1e-9, on the ToU case."""
    case, profiles = time_of_use()
    path = write(tmp_path, case, profiles)
    cert = certify(path, resolution=6, workers=1)
    relaxed = gridplan.solve(prepare(gridplan.load_case(path), resolution=6, typical_days=0, relaxed=True))
    assert cert.lower == pytest.approx(relaxed.objective, rel=LOWER_REL)
    dual = relaxed.facts["dual_objective"] * relaxed.data.cny_per_model_money
    assert cert.lower == pytest.approx(dual, rel=LOWER_REL) and cert.lower <= dual + 1e-12 * abs(dual)


def _tiny_lp():
    """min x1 + 2 x2 + 7 s.t. x1 + x2 >= 3, 0 <= x1 <= 1, x2 >= 0: optimum x = (1, 2), 12."""
    return SimpleNamespace(A=sp.csr_matrix([[1.0, 1.0]]), cost=np.array([1.0, 2.0]), offset=7.0,
                           row_lower=np.array([3.0]), row_upper=np.array([np.inf]),
                           col_lower=np.array([0.0, 0.0]), col_upper=np.array([1.0, np.inf]))


@pytest.mark.parametrize("y, value, bad", [
    # y = 2 (the optimal dual): d = c − Aᵀy = (−1, 0); 7 + 2·3 + min_{0<=x1<=1} −x1 = 7 + 6 − 1 = 12
    (2.0, 12.0, 0.0),
    # y = 1: d = (0, 1), both at their lower bound 0: 7 + 3 = 10 <= 12 (weak duality)
    (1.0, 10.0, 0.0),
    # y = 0: d = c: 7 <= 12
    (0.0, 7.0, 0.0),
    # y = 3: d = (−2, −1); x2 has no upper bound, so its term (−∞) is left out and reported: 7 + 9 − 2
    (3.0, 14.0, 1.0),
])
def test_dual_objective_of_a_tiny_lp(y, value, bad):
    got = dual_objective(_tiny_lp(), np.array([y]))
    assert got[0] == pytest.approx(value) and got[1] == pytest.approx(bad)


def test_dual_objective_takes_highs_duals():
    """HiGHS' own row dual of the tiny LP (solved by the windows' solver) is the hand-derived y = 2,
    and its dual objective is the optimum 12 − 7 = 5 before the offset."""
    lp = _tiny_lp()
    sol = certify_module._solve_lp(dict(A=lp.A, cost=lp.cost, col_lower=lp.col_lower, col_upper=lp.col_upper,
                                        row_lower=lp.row_lower, row_upper=lp.row_upper),
                                   {"solver": "simplex"})
    assert sol["status"] == "Optimal"
    assert sol["x"] == pytest.approx([1.0, 2.0]) and sol["y"] == pytest.approx([2.0])
    assert dual_objective(lp, sol["y"])[0] == pytest.approx(12.0)


# --------------------------------------------------------------------------- 8 the command line


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_cli_certify_prints_and_writes_the_certificate(one_bus, tmp_path):
    opt = exact(one_bus)
    out = tmp_path / "out"
    r = cli("solve", one_bus, "--certify", "--resolution", "6h", "--workers", "1", "--window-days", "2", "--out", out)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    for text in ("lower bound", "upper bound", "gap", "price duration"):
        assert text in r.stdout
    s = json.loads((out / "certificate.json").read_text())
    assert s["lower_cny"] <= s["upper_cny"]
    assert s["lower_cny"] <= opt * (1 + REL) and opt <= s["upper_cny"] * (1 + REL)
    assert s["resolution_h"] == 6 and s["windows"] == 4 and s["max_violation"] <= 1e-6
    for name in ("certificate.csv", "price_duration.csv", "lost_load.csv", "dispatch.csv", "prices.csv",
                 "capacities.csv", "storage_levels.csv", "manifest.json"):
        assert (out / name).exists(), name
    assert (out / "price_duration.png").stat().st_size > 5_000
    prices = pd.read_csv(out / "price_duration.csv", index_col=0)
    assert list(prices.index) == ["A"] and prices.loc["A", "max"] >= prices.loc["A", "min"]
    dispatch = pd.read_csv(out / "dispatch.csv")
    assert dispatch["snapshot"].nunique() == 168            # the hourly dispatch, not the bound's blocks
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["certificate"]["upper_cny"] == pytest.approx(s["upper_cny"])


def test_cli_certify_without_out_prints_only(one_bus, tmp_path, monkeypatch):
    """Without --out: the bracket printed, at the library's default block length
    (``DEFAULT_RESOLUTION``), nothing written."""
    monkeypatch.chdir(tmp_path)
    r = cli("solve", one_bus, "--certify", "--workers", "1")
    assert r.exit_code == 0, (r.stdout, r.stderr)
    assert "lower bound" in r.stdout and "upper bound" in r.stdout
    assert f"blocks ≤ {certify_module.DEFAULT_RESOLUTION} h" in r.stdout
    assert not list(tmp_path.glob("**/certificate.json"))


@pytest.mark.parametrize("flags, message", [
    (("--window-days", "0"), "error: --window-days: got 0; expected a whole number >= 1"),
    (("--workers", "0"), "error: --workers: got 0; expected a whole number >= 1"),
    (("--elastic",), "error: --elastic: not available with --certify"),
])
def test_cli_certify_bad_flags_exit_2(one_bus, flags, message):
    r = cli("solve", one_bus, "--certify", *flags)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    lines = error_lines(r)
    assert len(lines) == 1 and lines[0].startswith(message), r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("kw, expected", [(dict(window_days=0), "window_days >= 1"),
                                          (dict(workers=0), "workers >= 1"), (dict(rounds=-1), "rounds >= 0")])
def test_certify_refuses_bad_settings(one_bus, kw, expected):
    """Checked before any work: a GridplanError (the CLI's exit 2) naming the setting and its range."""
    key, value = next(iter(kw.items()))
    with pytest.raises(GridplanError, match=rf"{key} {value}\b.*expected.*{expected}"):
        certify(one_bus, **kw)


def test_cli_certify_infeasible_relaxation_exits_3(tmp_path):
    """A hard target no build range can meet: at least 2000 MW of solar where at most 1000 may be
    built. The relaxation is infeasible, so the hourly year is too: exit 3, one error line."""
    case = solar_storage_gas()
    case["targets"] = [{"id": "pv_floor", "kind": "installed_capacity", "group": "solar", "value": 2000}]
    path = write(tmp_path, case, week_profiles())
    with pytest.raises(NoCertificate, match="relaxation is infeasible"):
        certify(path, resolution=6, workers=1)
    assert issubclass(NoCertificate, SolveError)
    out = tmp_path / "out"
    r = cli("solve", path, "--certify", "--resolution", "6h", "--workers", "1", "--out", out)
    assert r.exit_code == 3, (r.stdout, r.stderr)
    lines = error_lines(r)
    assert len(lines) == 1 and "averaged relaxation is infeasible" in lines[0], r.stderr
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    assert not (out / "certificate.json").exists()
