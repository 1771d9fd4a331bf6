"""``gridplan compare --certify``: a certified bracket around each case's hourly optimum.

The cases (one bus, the test catalogue: gas 1000 CNY/kW, solar 500 CNY/kW, battery 100 CNY/kW +
200 CNY/kWh, 10-year life, discount rate 0.06, no O&M; gas burns 50 CNY/GJ at 50 %):

* ``flat``: 168 h of a flat 100 MW demand, gas only. By hand: build 100 MW of gas,
  cost = 100 MW × 1000 CNY/kW × 1000 × crf + 168 h × 100 MW × 360 CNY/MWh, whatever the
  averaging, so the bracket closes on it: lower = upper = that cost, gap 0.
* ``peaks``: 168 h, gas only, a demand that changes hour by hour (averaged blocks miss its peaks).
* ``green``: 336 h (two weekly dispatch windows), gas 30 MW existing, solar, a battery and a
  30 % non-fossil share: the share row spans both windows.
* ``too_green``: 168 h, flat demand, gas and solar only (no storage), a non-fossil share of 80 %:
  solar shines only in the 12 daytime hours, so at most 50 % of the (flat) demand can be solar in
  any averaging that keeps day and night apart: the averaged relaxation is infeasible, no
  certificate, and the case's own solve ends "targets missed".

For ``peaks`` and ``green`` the independent reference is the hourly LP solved outright
(``gridplan.solve(path, resolution=1, typical_days=0)``): its optimum must lie in the bracket.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gridplan
from gridplan.batch import Run, compare, run_hash
from gridplan.batch.settings import run_settings

from conftest import crf, prof, write_case_files

A_GAS, FUEL = 1000 * 1000 * crf(0.06, 10), 50 * 3.6 / 0.5      # CNY per MW-yr; CNY per MWh
FLAT = 100 * A_GAS + 168 * 100 * FUEL                          # 19,634,795.82 CNY
CERT_COLUMNS = ["certified_lower_cny", "certified_upper_cny", "certified_gap", "certificate_error"]
HEADS = ["certified lower (亿 CNY/yr)", "certified upper (亿 CNY/yr)", "certified gap"]
SOLVED = ("flat", "peaks", "green")


def _profiles(hours: int) -> dict:
    h = np.arange(hours)
    rng = np.random.default_rng(7)
    load = 0.7 + 0.2 * np.sin(2 * np.pi * (h - 8) / 24) + 0.1 * rng.random(hours)
    solar = np.clip(np.sin(np.pi * ((h % 24) - 6) / 12), 0, None) * (0.6 + 0.4 * rng.random(hours))
    return {"load": load / load.max(), "solar": solar, "flat": np.ones(hours)}


def _bus(column: str) -> list:
    return [{"name": "town", "demand": {"profile": prof(column), "peak_mw": 100}}]


GAS = {"name": "gas", "bus": "town", "technology": "gas", "max_mw": 1000}
PV = {"name": "pv", "bus": "town", "technology": "solar", "max_mw": 1000, "availability": prof("solar")}


def _nf(value: float) -> list:
    return [{"id": "nf", "kind": "non_fossil_share", "scope": "electricity", "value": value}]


CASES = {
    "flat": (168, {"buses": _bus("flat"), "generators": [GAS]}),
    "peaks": (168, {"buses": _bus("load"), "generators": [GAS]}),
    "green": (336, {"buses": _bus("load"), "generators": [{**GAS, "existing_mw": 30}, PV],
                    "storage": [{"name": "bat", "bus": "town", "technology": "battery", "max_mw": 500}],
                    "targets": _nf(0.3)}),
    "too_green": (168, {"buses": _bus("flat"), "generators": [GAS, PV], "targets": _nf(0.8)}),
}


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> dict:
    """Each case in its own folder (with its own profiles.csv); name → YAML path."""
    root = tmp_path_factory.mktemp("certify_cases")
    paths = {}
    for name, (hours, body) in CASES.items():
        (root / name).mkdir()
        paths[name] = write_case_files(root / name, {"name": name, "time": {"hours": hours}, **body},
                                       _profiles(hours), file=f"{name}.yaml")
    return paths


@pytest.fixture(scope="module")
def hourly(cases) -> dict:
    """The independent reference: every feasible case's hourly LP solved outright (CNY/yr)."""
    return {n: gridplan.solve(cases[n], resolution=1, typical_days=0).objective for n in SOLVED}


@pytest.fixture(scope="module")
def certified(cases, tmp_path_factory):
    """``gridplan compare ... --certify`` over the four cases, in two worker processes."""
    from typer.testing import CliRunner

    from gridplan.cli import app
    out = tmp_path_factory.mktemp("certified") / "cmp"
    r = CliRunner().invoke(app, ["compare", *(str(cases[n]) for n in CASES), "--out", str(out),
                                 "--workers", "2", "--certify"])
    return r, out


def _read_table(out: Path) -> pd.DataFrame:
    t = pd.read_csv(out / "comparison.csv").set_index("case")
    t["certificate_error"] = t["certificate_error"].fillna("")        # CSV reads '' back as NaN
    return t


def test_certified_bracket_holds_the_hourly_optimum(certified, hourly):
    r, out = certified
    assert r.exit_code == 4, r.output            # too_green misses its hard target; the rest optimal
    t = _read_table(out)
    assert set(CERT_COLUMNS) <= set(t.columns)
    for name in SOLVED:
        lo, up, gap = t.loc[name, ["certified_lower_cny", "certified_upper_cny", "certified_gap"]]
        opt = hourly[name]
        # to HiGHS' tolerances (1e-7: its feasibility tolerances on the windows and the bound)
        assert lo <= opt * (1 + 1e-7) and opt <= up * (1 + 1e-7), (name, lo, opt, up)
        assert gap == pytest.approx(max(up - lo, 0.0) / up, rel=1e-9, abs=1e-12)
        assert t.loc[name, "certificate_error"] == ""
    assert hourly["flat"] == pytest.approx(FLAT, rel=1e-9)            # the hand value...
    assert t.loc["flat", ["certified_lower_cny", "certified_upper_cny"]].tolist() == pytest.approx([FLAT, FLAT],
                                                                                                   rel=1e-7)
    assert t.loc["flat", "total_cost_cny"] == pytest.approx(FLAT, rel=1e-9)   # the run's own solve unchanged
    assert t.loc["peaks", "certified_gap"] > 1e-4      # averaged blocks miss the hourly peaks: a real bracket


def test_a_case_without_certificate_keeps_its_outcome_and_shows_why(certified):
    r, out = certified
    t = _read_table(out)
    assert t.loc["too_green", "outcome"] == "targets missed" and not t.loc["too_green", "ok"]
    err = t.loc["too_green", "certificate_error"]
    assert "averaged relaxation is infeasible" in err and "\n" not in err
    assert pd.isna(t.loc["too_green", "certified_lower_cny"]) and pd.isna(t.loc["too_green", "certified_upper_cny"])
    assert (t.loc[list(SOLVED), "outcome"] == "optimal").all()
    cert = json.loads((out / "cases" / "too_green" / "certificate.json").read_text())
    assert cert == {"error": err}
    assert json.loads((out / "cases" / "flat" / "meta.json").read_text())["settings"]["certify"] is True

    md = (out / "summary.md").read_text(encoding="utf-8")
    header = next(line for line in md.splitlines() if line.startswith("| case"))
    assert all(h in header for h in HEADS)
    flat_row = next(line for line in md.splitlines() if line.startswith("| flat |"))
    cells = [c.strip() for c in flat_row.strip("|").split("|")]
    cols = [c.strip() for c in header.strip("|").split("|")]
    row = dict(zip(cols, cells))
    assert row[HEADS[0]] == row[HEADS[1]] == f"{FLAT / 1e8:,.3f}" and row[HEADS[2]].lstrip("-") == "0.000%"
    green_row = next(line for line in md.splitlines() if line.startswith("| too_green |"))
    assert "averaged relaxation is infeasible" in green_row and "—" in green_row
    html = (out / "index.html").read_text(encoding="utf-8")
    assert all(h in html for h in HEADS) and "averaged relaxation is infeasible" in html
    assert "No certificate:" in r.output and "too_green" in r.output      # the terminal lists the reason


def test_without_certify_nothing_is_certified(cases, tmp_path, monkeypatch):
    import gridplan.batch.certify as certify_module

    def refuse(*a, **k):
        raise AssertionError("certify called without certify=True")
    monkeypatch.setattr(certify_module, "certify", refuse)
    cmp = compare([cases["flat"], cases["too_green"]], executor="inline", out=tmp_path)
    assert not any(c in cmp.table.columns for c in CERT_COLUMNS)
    assert not any(h in cmp.summary_frame().columns for h in HEADS)
    assert all("certificate" not in r for r in cmp.records)
    assert "certified" not in (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert not any(c in pd.read_csv(tmp_path / "comparison.csv").columns for c in CERT_COLUMNS)
    assert not list(tmp_path.glob("cases/*/certificate.json"))
    assert cmp.table.set_index("case").loc["flat", "total_cost_cny"] == pytest.approx(FLAT, rel=1e-9)


def test_hash_and_resume_keep_certified_and_uncertified_apart(cases, tmp_path):
    run = Run(cases["flat"])
    plain_settings = run_settings(3, None, False, None)
    cert_settings = run_settings(3, None, False, None, certify=True)
    assert run_hash(run, cert_settings)["sha256"] != run_hash(run, plain_settings)["sha256"]
    assert run_hash(run, cert_settings)["sha256"] == run_hash(run, run_settings(3, None, False, None, True))["sha256"]

    first = compare([cases["flat"]], executor="inline", out=tmp_path, certify=True)
    again = compare([cases["flat"]], executor="inline", out=tmp_path, certify=True, resume=True)
    assert bool(again.table.loc[0, "resumed"])                     # reused, with its certificate
    assert again.table.loc[0, "certified_upper_cny"] == pytest.approx(FLAT, rel=1e-7)
    assert again.records[0]["certificate"] == first.records[0]["certificate"]
    plain = compare([cases["flat"]], executor="inline", out=tmp_path, resume=True)
    assert not bool(plain.table.loc[0, "resumed"]) and "certified_gap" not in plain.table.columns
    assert not (tmp_path / "cases" / "flat" / "certificate.json").exists()
    back = compare([cases["flat"]], executor="inline", out=tmp_path, certify=True, resume=True)
    assert not bool(back.table.loc[0, "resumed"])                  # the uncertified record is not reused
    assert back.table.loc[0, "certified_lower_cny"] == pytest.approx(FLAT, rel=1e-7)


def test_certify_reaches_dask_workers(cases, hourly):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        cmp = compare([cases["peaks"], cases["too_green"]], executor="dask", scheduler=client, certify=True)
    assert {r["pid"] for r in cmp.records}.isdisjoint({os.getpid()})
    t = cmp.table.set_index("case")
    assert t.loc["peaks", "certified_lower_cny"] <= hourly["peaks"] * (1 + 1e-7) <= \
        t.loc["peaks", "certified_upper_cny"] * (1 + 2e-7)
    assert "averaged relaxation is infeasible" in t.loc["too_green", "certificate_error"]


def test_cli_help_and_pathways_refuse(tmp_path):
    from typer.testing import CliRunner

    from gridplan.cli import app
    r = CliRunner().invoke(app, ["compare", "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0 and "--certify" in r.output and "also certify each case's hourly optimum" in r.output
    pathway = Path(__file__).resolve().parents[1] / "cases"
    files = sorted(pathway.glob("*pathway*.yaml"))
    if files:
        r = CliRunner().invoke(app, ["compare", str(files[0]), "--certify", "--out", str(tmp_path / "p")])
        assert r.exit_code == 2 and "--certify: not available when comparing pathway files" in r.output
