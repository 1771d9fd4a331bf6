"""The ``snapshots`` frame: where each snapshot sits in time (issue #19, the data part).

Expectations are derived by hand from the cases:

* gas_only (tests/broken/result_sets/) is 24 h of year 2030; at a resolution of 3 h it has
  24 / 3 = 8 snapshots, each standing for 3 h and spanning 3 h, starting 2030-01-01 00:00,
  03:00, ..., 21:00 (no typical days: the typical-day columns are empty);
* guangyuan_2030 at 2 typical days has 2 × 24 = 48 one-hour snapshots; its year is 8,760 h
  and 365 days, so the weights add up to 8,760 and the days represented (one count per typical
  day) to 365; each typical day's representative day is one of the days it stands for;
* guangyuan_2030 at a resolution of 24 h has 365 snapshots of 24 h, one per day, and its
  storage levels are per snapshot; at typical days they are per hour of the year (0–8759),
  named ``hour``, not ``snapshot`` (the 0–47 index of the other frames).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import gridplan
from gridplan.cli import app

REPO = Path(__file__).resolve().parents[1]
GAS = REPO / "tests" / "broken" / "result_sets" / "gas_only.yaml"
GUANGYUAN = REPO / "cases" / "guangyuan_2030.yaml"
COLUMNS = ["snapshot", "weight_h", "duration_h", "start", "representative_day", "hour_of_day",
           "days_represented"]


@pytest.fixture(scope="module")
def three_hourly():
    return gridplan.solve(GAS, resolution=3)


@pytest.fixture(scope="module")
def typical():
    return gridplan.solve(GUANGYUAN, typical_days=2)


def test_three_hourly_day(three_hourly):
    s = three_hourly.snapshot_table
    assert list(s.columns) == COLUMNS
    assert list(s["snapshot"]) == list(range(8))
    assert list(s["weight_h"]) == [3.0] * 8 and s["weight_h"].sum() == 24
    assert list(s["duration_h"]) == [3.0] * 8
    assert list(s["start"]) == [pd.Timestamp(f"2030-01-01 {h:02d}:00") for h in (0, 3, 6, 9, 12, 15, 18, 21)]
    assert s[["representative_day", "hour_of_day", "days_represented"]].isna().all().all()
    # the index the other frames use
    assert set(three_hourly.dispatch["snapshot"]) == set(s["snapshot"])
    assert list(three_hourly.prices.index) == list(s["snapshot"])


def test_typical_days(typical):
    s = typical.snapshot_table
    d = typical.data
    assert list(s.columns) == COLUMNS
    assert len(s) == 48 and list(s["snapshot"]) == list(range(48))
    assert s["weight_h"].sum() == pytest.approx(8760, rel=1e-12)
    assert (s["duration_h"] == 1.0).all()
    assert s["start"].isna().all()
    assert list(s["hour_of_day"]) == list(range(24)) * 2
    per_day = s.groupby(np.asarray(d.typical_day_of))
    assert (per_day["representative_day"].nunique() == 1).all()
    assert (per_day["days_represented"].nunique() == 1).all()
    days = per_day["days_represented"].first()
    assert days.sum() == 365
    # one-hour snapshots of a typical day stand for as many hours as it stands for days
    np.testing.assert_array_equal(s["weight_h"], s["days_represented"].astype(float))
    jan1 = pd.Timestamp("2030-01-01")
    for p, day in per_day["representative_day"].first().items():
        assert day.year == 2030 and day == day.normalize()
        doy = (day - jan1).days
        assert d.day_sequence[doy] == p                      # the day stands for its own typical day
        assert doy == d.clustering.medoid_days[p]
        assert days[p] == int((np.asarray(d.day_sequence) == p).sum())
    assert per_day["representative_day"].first().is_monotonic_increasing   # calendar order


def test_levels_are_per_hour_of_the_year_with_typical_days(typical):
    lv = typical.storage_levels
    assert "snapshot" not in lv.columns and typical.level_step == "hour"
    assert lv["hour"].min() == 0 and lv["hour"].max() == 8759
    assert len(lv) == 8760 * lv[["component", "name"]].drop_duplicates().shape[0]
    ds = typical.to_xarray()
    assert ds["storage_levels"].dims == ("store", "hour") and ds.sizes["hour"] == 8760
    assert ds.sizes["snapshot"] == 48
    assert list(ds["snapshot_hour_of_day"].values) == list(range(24)) * 2
    assert int(ds["snapshot_days_represented"].values[::24].sum()) == 365
    assert "snapshot_start" not in ds.coords
    np.testing.assert_array_equal(ds["snapshot_representative_day"].values,
                                  typical.snapshot_table["representative_day"].to_numpy("datetime64[ns]"))


def test_levels_are_per_snapshot_in_chronological_runs():
    res = gridplan.solve(GUANGYUAN, resolution=24)
    s = res.snapshot_table
    assert len(s) == 365 and s["weight_h"].sum() == 8760 and (s["duration_h"] == 24).all()
    assert s["start"].iloc[0] == pd.Timestamp("2030-01-01") and s["start"].iloc[-1] == pd.Timestamp("2030-12-31")
    lv = res.storage_levels
    assert res.level_step == "snapshot" and "hour" not in lv.columns
    assert set(lv["snapshot"]) == set(range(365))
    ds = res.to_xarray()
    assert ds["storage_levels"].dims == ("store", "snapshot")
    assert ds["snapshot_start"].values[1] == np.datetime64("2030-01-02T00:00")
    assert "snapshot_representative_day" not in ds.coords


def test_cli_out_writes_snapshots_csv(tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["solve", str(GAS), "--out", str(out), "--resolution", "3h"])
    assert r.exit_code == 0, r.output
    s = pd.read_csv(out / "snapshots.csv")
    assert list(s.columns) == COLUMNS
    assert list(s["snapshot"]) == list(range(8)) and list(s["weight_h"]) == [3.0] * 8
    assert list(s["start"]) == [f"2030-01-01 {h:02d}:00:00" for h in range(0, 24, 3)]
    assert s["representative_day"].isna().all()
    assert list(pd.read_csv(out / "prices.csv")["snapshot"]) == list(s["snapshot"])
