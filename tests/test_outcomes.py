"""One status vocabulary (issue #19): every run's outcome, its exit code, and what each output says.

The outcomes are :data:`gridplan.report.OUTCOMES`. The cases are tests/data/compare's one-bus
town (100 MW flat demand for 24 h; solar available in 12 of them, no storage), so a non-fossil
share above 50 % cannot be met by any plan: that is the hand derivation every "missed" below
rests on (a 60 % target is short by at least 10 pp).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gridplan
from gridplan.report import OUTCOMES, exit_code

from conftest import prof

REPO = Path(__file__).resolve().parents[1]
TOWN = REPO / "tests" / "data" / "compare"


def town(tmp_path: Path, value: float, hedge: str = "hard", name: str = "gas_solar") -> Path:
    """gas_solar.yaml with its non-fossil share target set to ``value`` and ``hedge``."""
    for f in ("catalogue.csv", "fuels.csv", "profiles.csv", "gas_only.yaml"):
        (tmp_path / f).write_text((TOWN / f).read_text())
    text = (TOWN / "gas_solar.yaml").read_text().replace(
        "value: 0.3}", f"value: {value}, hedge: {hedge}}}").replace("name: gas_solar", f"name: {name}")
    (tmp_path / f"{name}.yaml").write_text(text)
    return tmp_path / f"{name}.yaml"


def run(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "gridplan", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_every_outcome_has_its_exit_code():
    assert {o: exit_code(o) for o in OUTCOMES} == {
        "optimal": 0, "strive missed": 0, "targets missed": 4, "infeasible": 3, "solver failure": 3,
        "input error": 2, "internal error": 1}


def test_strive_missed_is_reported_and_exits_0(tmp_path):
    """力争 60 %: at most 50 % is possible, so the strive target is missed (≥ 10 pp short) and
    the run is still a plan: outcome "strive missed", exit 0, the shortfall listed."""
    f = town(tmp_path, 0.6, "strive")
    res = gridplan.solve(gridplan.load_case(f))
    assert res.outcome == "strive missed" and res.summary()["outcome"] == "strive missed"
    row = res.targets.set_index("id").loc["nf_share"]
    assert not row["met"] and row["shortfall"] >= 0.1 - 1e-9 and np.isnan(row["dual"])
    p = run("solve", f)
    assert p.returncode == 0, p.stderr
    assert "strive targets missed" in p.stderr and "nf_share" in p.stderr


def test_optimal_and_repr(tmp_path):
    """30 %: met (gas_solar as shipped). The repr and the notebook view name the outcome; the
    view's met cell reads yes, and a missed target's reads no with its shortfall."""
    res = gridplan.solve(gridplan.load_case(town(tmp_path, 0.3)))
    assert res.outcome == "optimal"
    assert repr(res).startswith("<gridplan.Results gas_solar (2030): optimal;")
    view = res._repr_html_()
    assert ">optimal</b>" in view and "<td>yes</td>" in view
    el = gridplan.solve(gridplan.load_case(town(tmp_path, 0.6)), elastic=True)
    assert el.outcome == "targets missed" and "elastic" in repr(el)
    view = el._repr_html_()
    assert ">targets missed</b>" in view and "<td>no</td>" in view and "10.00 pp" in view


def test_solver_failure_outcome(tmp_path):
    res = gridplan.solve(gridplan.load_case(TOWN / "gas_only.yaml"),
                         options=gridplan.SolveOptions(time_limit=1e-6), raise_on_failure=False)
    assert res.status == "Time limit reached" and res.outcome == "solver failure"


@pytest.mark.parametrize("elastic", [False, True])
def test_compare_counts_outcomes_and_exits_4(tmp_path, elastic):
    """One case meets its targets, one cannot (60 %): "2 runs: 1 optimal, 1 targets missed,
    0 failed", exit 4 — with --elastic (an elastic solution, whose penalty is no cost) and
    without (the diagnosis names the shortfall)."""
    f = town(tmp_path, 0.6)
    out = tmp_path / f"cmp{int(elastic)}"
    p = run("compare", tmp_path / "gas_only.yaml", f, "--out", out, "--workers", "1",
            *(["--elastic"] if elastic else []))
    assert p.returncode == 4, p.stdout + p.stderr
    assert "2 runs: 1 optimal, 1 targets missed, 0 failed" in p.stdout
    t = pd.read_csv(out / "comparison.csv").set_index("case")
    assert t.loc["gas_solar", "outcome"] == "targets missed" and t.loc["gas_only", "outcome"] == "optimal"
    assert json.loads((out / "manifest.json").read_text())["outcomes"] == {"gas_only": "optimal",
                                                                            "gas_solar": "targets missed"}
    if elastic:
        tg = pd.read_csv(out / "targets.csv").set_index("id")
        assert not tg.loc["nf_share", "met"] and pd.isna(tg.loc["nf_share", "marginal_cost"])
        assert not tg.loc["nf_share", "binding"]
    else:
        assert "shortfall 10.00 pp" in t.loc["gas_solar", "error"]


@pytest.fixture(scope="module")
def guangyuan_6h():
    return gridplan.solve(gridplan.load_case(REPO / "cases" / "guangyuan_2030.yaml"), resolution=6)


def test_days_of_a_chronological_run(guangyuan_6h, tmp_path):
    """days.csv against prices.csv and snapshots.csv read back as files: each date's highest
    price is the maximum over that date's snapshots (pandas groupby on the start timestamps),
    and the rank-1 day is the one with the highest price (no load is shed)."""
    res = guangyuan_6h
    res.to_csv(tmp_path / "r")
    prices = pd.read_csv(tmp_path / "r" / "prices.csv").set_index("snapshot")
    snaps = pd.read_csv(tmp_path / "r" / "snapshots.csv", parse_dates=["start"]).set_index("snapshot")
    days = pd.read_csv(tmp_path / "r" / "days.csv", parse_dates=["date"])
    assert len(days) == 365 and days["date"].iloc[0] == pd.Timestamp("2030-01-01")
    by_date = prices.max(axis=1).groupby(snaps["start"].dt.normalize()).max()
    assert days.set_index("date")["peak_price_cny_per_mwh"].to_numpy() == pytest.approx(by_date.to_numpy())
    assert days["shed_mwh"].sum() == 0.0
    top = days.loc[days["stress_rank"] == 1].iloc[0]
    assert top["peak_price_cny_per_mwh"] == pytest.approx(by_date.max())


def test_days_of_a_typical_day_run(tmp_path):
    """With typical days every calendar day takes its typical day's figures: the days per
    typical day equal snapshots.csv's days_represented, sum to 365, and each day's peak demand
    is the maximum of its typical day's demand (the case's own demand, summed over buses)."""
    res = gridplan.solve(gridplan.load_case(REPO / "cases" / "guangyuan_2030.yaml"), typical_days=3)
    days, snaps = res.days, res.snapshot_table
    per_td = days.groupby("typical_day").size()
    represented = snaps.groupby(res.data.typical_day_of)["days_represented"].first()
    assert per_td.sum() == 365 and per_td.to_dict() == {int(k): int(v) for k, v in represented.items()}
    demand = pd.Series(res.data.demand.sum(axis=0)).groupby(np.asarray(res.data.typical_day_of)).max()
    assert days.groupby("typical_day")["peak_demand_mw"].first().to_numpy() == pytest.approx(demand.to_numpy())


def test_days_under_snapshots_longer_than_a_day(tmp_path):
    """48-hour snapshots: each calendar day takes the snapshot covering it, so all 365 days get
    a row (the first two days share snapshot 0, ...), each with that snapshot's highest bus price
    as read from prices.csv, and the shed energy of the run is split over the days exactly."""
    res = gridplan.solve(gridplan.load_case(REPO / "cases" / "guangyuan_2030.yaml"), resolution=48)
    res.to_csv(tmp_path / "r")
    prices = pd.read_csv(tmp_path / "r" / "prices.csv").set_index("snapshot").max(axis=1)
    days = pd.read_csv(tmp_path / "r" / "days.csv")
    assert len(days) == 365 and days["peak_price_time"].notna().all()
    covering = np.arange(365) // 2                   # day d lies in snapshot d // 2
    assert days["peak_price_cny_per_mwh"].to_numpy() == pytest.approx(prices.to_numpy()[covering])
    shed = pd.read_csv(tmp_path / "r" / "shedding.csv")["shed_mwh"].sum()
    assert days["shed_mwh"].sum() == pytest.approx(shed, abs=1e-3)


def test_the_dispatch_week_holds_the_most_stressed_day():
    """The plot's week and days.csv's rank-1 day follow one rule: on sichuan5_2030 at 24 h, where
    many snapshots tie at the top price, the plotted week contains the rank-1 date."""
    from gridplan import plots
    res = gridplan.solve(gridplan.load_case(REPO / "cases" / "sichuan5_2030.yaml"), resolution=24)
    top = pd.Timestamp(res.days.loc[res.days["stress_rank"] == 1, "date"].iloc[0])
    fig = plots.dispatch_week(res)
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert f"{top:%a} {top.day} {top:%b}" in labels


def test_gross_cost_per_mwh_of_a_net_exporter(write_case):
    """A one-bus exporter solved on paper (test catalogue: existing capacity costs nothing, no fixed
    O&M; coal 25 × 3.6 / 0.4 = 225 CNY/MWh, gas 50 × 3.6 / 0.5 = 360 CNY/MWh). Existing coal 200 MW
    and gas 200 MW; demand 30 MW for hours 0-17 and 240 MW for hours 18-23; an exchange (the rest of
    the province) that buys at most 150 MW at 250 CNY/MWh and sells the bus nothing.

    Coal (225 < 250) exports all it can: hours 0-17 coal 30 + 150 = 180 MW, export 150 MW; hours
    18-23 coal 200 MW, gas 40 MW, no export (gas, 360 > 250, never runs to export, and coal would
    lose 250 − 360 per MWh exported while gas made up for it at home). Over the 24 h:
    demand 18 × 30 + 6 × 240 = 1,980 MWh; export 18 × 150 = 2,700 MWh (more than the demand);
    coal 18 × 180 + 6 × 200 = 4,440 MWh, 999,000 CNY; gas 6 × 40 = 240 MWh, 86,400 CNY; export
    revenue 2,700 × 250 = 675,000 CNY; system cost (no targets) 999,000 + 86,400 − 675,000 =
    410,400 CNY.

    Net cost per MWh = system cost / demand = 410,400 / 1,980 = 207.27 CNY/MWh. Gross cost per MWh
    (Results.summary's definition) = (system cost + export revenue) / (demand + exported MWh) =
    1,085,400 / 4,680 = 231.92 CNY/MWh: what each MWh generated costs before it is sold, between
    coal's 225 and gas's 360."""
    case = {"time": {"hours": 24},
            "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 240}}],
            "generators": [{"name": "coal", "bus": "A", "technology": "coal", "existing_mw": 200},
                           {"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 200}],
            "exchanges": [{"name": "province", "bus": "A", "max_export_mw": 150, "export_cny_per_mwh": 250}]}
    res = gridplan.solve(gridplan.load_case(write_case(case, {"load": [0.125] * 18 + [1.0] * 6})))
    assert res.value("gen_p")[0] == pytest.approx([180.0] * 18 + [200.0] * 6, rel=1e-9)   # the derivation's dispatch
    s = res.summary()
    assert s["demand_mwh"] == pytest.approx(1_980, rel=1e-9) and s["export_mwh"] == pytest.approx(2_700, rel=1e-9)
    assert s["export_revenue_cny"] == pytest.approx(675_000, rel=1e-9)
    assert s["cost_per_mwh_cny"] == pytest.approx(410_400 / 1_980, rel=1e-9)
    assert s["gross_cost_per_mwh_cny"] == pytest.approx(1_085_400 / 4_680, rel=1e-9)
