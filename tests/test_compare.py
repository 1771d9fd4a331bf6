"""Batch runs: ``gridplan.compare``, sweeps, overrides, --resume, Dask, and the CLI.

The cases (tests/data/compare/) are one bus, 24 hours, a flat 100 MW demand
(D = 2400 MWh) and the catalogue there: gas 1000 CNY/kW, solar 500 CNY/kW, both
10-year life, no O&M, discount rate 0.06; gas burns 50 CNY/GJ at 50 % efficiency.
Every profile is constant within 3-hour blocks, so the 3 h default resolution of
batch runs is exact. By hand::

    crf       = 0.06 / (1 − 1.06^−10)            = 0.135867958...
    A_gas     = 1000 CNY/kW × 1000 × crf          = 135,867.96 CNY per MW-yr
    A_solar   =  500 CNY/kW × 1000 × crf          =  67,933.98 CNY per MW-yr
    fuel      = 50 CNY/GJ × 3.6 / 0.5 GJ/MWh      = 360 CNY/MWh;  CO2 0.36 t/MWh

    gas_only:  build 100 MW gas → 100·A_gas + 2400·360 = 14,450,795.82 CNY (6,021.16 CNY/MWh), 864 t.

    gas_solar: 40 MW gas exist (no fixed O&M); the night needs 100 MW → build 60 MW gas.
               Solar runs 12 h/day at full output. Target: non-fossil share >= 0.3 → 720 MWh of
               solar → 60 MW (< 100 MW daytime demand: nothing curtailed). More solar never pays:
               a solar MWh costs A_solar/12 = 5,661.16 CNY against 360 CNY of fuel saved.
               cost = 60·A_gas + 60·A_solar + 1680·360 = 12,832,916.24 CNY, 604.8 t;
               target dual = A_solar/12 − 360 = 5,301.16 CNY/MWh,
               per percentage point: 24 MWh × dual = 127,227.96 CNY/yr.

    Sweep value 0.3 → 0.4: Δcost = 0.1 × 2400 MWh × 5,301.16 = 1,272,279.58 CNY (80 MW solar, still < 100).
    Sweep gas capex 1000 → 1500 CNY/kW on gas_only: Δcost = 100 MW × 500,000 × crf = 6,793,397.91 CNY.
    A target of 0.6 is infeasible: solar can serve at most the 12 daytime hours (50 %).
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import gridplan
from gridplan.batch import Run, compare, run_hash, sweep, sweep_runs
from gridplan.errors import CaseError
from gridplan.overrides import apply_overrides, parse_set, split_path

DATA = Path(__file__).resolve().parent / "data" / "compare"
CRF = 0.06 / (1 - 1.06 ** -10)
A_GAS, A_SOLAR, FUEL = 1e6 * CRF, 0.5e6 * CRF, 360.0
GAS_ONLY = 100 * A_GAS + 2400 * FUEL
GAS_SOLAR = 60 * A_GAS + 60 * A_SOLAR + 1680 * FUEL
DUAL = A_SOLAR / 12 - FUEL
TIMING = ["solve_s", "prepare_s", "build_s", "handoff_s", "wall_s", "resumed"]


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Path:
    """A private copy of the test cases (tests may change files in it)."""
    d = tmp_path_factory.mktemp("cases")
    for f in DATA.iterdir():
        shutil.copy(f, d / f.name)
    return d


@pytest.fixture(scope="module")
def batch(cases, tmp_path_factory):
    """gas_only, gas_solar, a broken file and an infeasible override, in 2 worker processes."""
    out = tmp_path_factory.mktemp("cmp")
    runs = [cases / "gas_only.yaml", cases / "gas_solar.yaml", cases / "broken.yaml",
            Run(cases / "gas_solar.yaml", overrides={"targets.nf_share.value": 0.6}, name="too_green")]
    cmp = compare(runs, workers=2, out=out)
    return cmp, out


# --------------------------------------------------------------------------- overrides


def test_apply_overrides_paths_values_and_errors(cases):
    import yaml
    path = cases / "gas_solar.yaml"
    data = yaml.safe_load(path.read_text())
    new = apply_overrides(data, {"targets.nf_share.value": "0.45", "generators[town_solar].max_mw": 80,
                                 "technologies.overrides.solar.capex_cny_per_kw": "1e3",
                                 "buses.0.demand.peak_mw": "120", "time": {"resolution": 3}}, path)
    assert data["targets"][0]["value"] == 0.3                      # input untouched
    assert new["targets"][0]["value"] == 0.45
    assert new["generators"][1]["max_mw"] == 80
    assert new["technologies"]["overrides"] == {"solar": {"capex_cny_per_kw": 1000.0}}
    assert new["buses"][0]["demand"]["peak_mw"] == 120
    assert new["time"] == {"hours": 24, "resolution": 3}           # nested dicts merge
    case = gridplan.load_case(path, overrides={"targets.nf_share.value": 0.45})
    assert case.targets[0].value == 0.45

    with pytest.raises(CaseError, match=r"override targets\.nf_shares\.value: got 'nf_shares'; expected the "
                                        r"name/id of an item of targets \(nf_share\)"):
        gridplan.load_case(path, overrides={"targets.nf_shares.value": 0.5})
    with pytest.raises(CaseError, match=r"targets\[nf_share\]\.valeu: .*no such field"):
        gridplan.load_case(path, overrides={"targets.nf_share.valeu": 0.5})
    with pytest.raises(CaseError, match=r"generators\[town_gas\]\.max_mw: got -1"):
        gridplan.load_case(path, overrides={"generators.town_gas.max_mw": "-1"})
    with pytest.raises(CaseError, match=r"override year\.x"):
        gridplan.load_case(path, overrides={"year.x": 1})

    assert split_path("generators[cd.solar].max_mw") == ["generators", "cd.solar", "max_mw"]
    assert parse_set("targets.nf.value=0.5,0.6") == ("targets.nf.value", [0.5, 0.6])
    assert parse_set("a.b=true,null,x") == ("a.b", [True, None, "x"])


def test_sweep_runs_from_sets_and_csv(cases, tmp_path):
    runs = sweep_runs(cases / "gas_solar.yaml", ["targets.nf_share.value=0.3,0.4",
                                                 "technologies.overrides.gas.capex_cny_per_kw=1000,1200"])
    assert [r.overrides for r in runs] == [
        {"targets.nf_share.value": v, "technologies.overrides.gas.capex_cny_per_kw": c}
        for v in (0.3, 0.4) for c in (1000, 1200)]
    assert runs[0].name == "gas_solar__nf_share.value=0.3_gas.capex_cny_per_kw=1000"
    csv = tmp_path / "scen.csv"
    csv.write_text("name,targets.nf_share.value,generators.town_solar.max_mw\nlow,0.3,\nhigh,0.4,90\n")
    runs = sweep_runs(cases / "gas_solar.yaml", scenarios=csv)
    assert [(r.name, r.overrides) for r in runs] == [
        ("gas_solar__low", {"targets.nf_share.value": 0.3}),
        ("gas_solar__high", {"targets.nf_share.value": 0.4, "generators.town_solar.max_mw": 90})]


def test_hash_covers_referenced_files(cases, tmp_path):
    for f in ("gas_only.yaml", "catalogue.csv", "fuels.csv", "profiles.csv"):
        shutil.copy(cases / f, tmp_path / f)
    run = Run(tmp_path / "gas_only.yaml")
    settings = {"resolution": 3}
    h = run_hash(run, settings)
    assert set(Path(p).name for p in h["files"]) == {"catalogue.csv", "fuels.csv", "profiles.csv"}
    assert run_hash(run, settings)["sha256"] == h["sha256"]
    assert run_hash(run, {"resolution": 1})["sha256"] != h["sha256"]
    assert run_hash(Run(run.case, overrides={"year": 2030}), settings)["sha256"] != h["sha256"]
    (tmp_path / "fuels.csv").write_text((tmp_path / "fuels.csv").read_text().replace("gas,2030,50", "gas,2030,60"))
    h2 = run_hash(run, settings)
    assert h2["sha256"] != h["sha256"] and h2["case_sha256"] == h["case_sha256"]


# --------------------------------------------------------------------------- the batch


def test_table_matches_hand_values_and_single_solves(batch, cases):
    cmp, out = batch
    t = cmp.table.set_index("case")
    assert list(t.index) == ["gas_only", "gas_solar", "broken", "too_green"]
    assert t.loc["gas_only", "total_cost_cny"] == pytest.approx(GAS_ONLY, rel=1e-9)
    assert t.loc["gas_only", "cost_per_mwh_cny"] == pytest.approx(GAS_ONLY / 2400, rel=1e-9)
    assert t.loc["gas_only", "emissions_t"] == pytest.approx(864.0)
    assert t.loc["gas_solar", "total_cost_cny"] == pytest.approx(GAS_SOLAR, rel=1e-9)
    assert t.loc["gas_solar", "emissions_t"] == pytest.approx(604.8)
    assert t.loc["gas_solar", "non_fossil_electricity_share"] == pytest.approx(0.3)
    assert t.loc["gas_solar", ["existing_mw_gas", "built_mw_gas", "existing_mw_solar", "built_mw_solar"]
                 ].tolist() == pytest.approx([40, 60, 0, 60])
    assert t.loc["gas_only", ["built_mw_gas", "built_mw_solar"]].tolist() == pytest.approx([100, 0])
    assert t.loc["gas_solar", "targets_binding"] == 1 and t.loc["gas_solar", "binding_targets"] == "nf_share"
    assert t.loc["gas_solar", "targets_missed"] == 0
    assert (t.loc[["gas_only", "gas_solar"], "status"] == "Optimal").all()
    assert (t.loc[["gas_only", "gas_solar"], "shed_mwh"] == 0).all()
    assert os.getpid() not in {r["pid"] for r in cmp.records if r.get("ok")}   # solved in worker processes

    tg = cmp.targets.set_index(["case", "id"]).loc[("gas_solar", "nf_share")]
    assert tg["required"] == pytest.approx(0.3) and tg["achieved"] == pytest.approx(0.3)
    assert bool(tg["met"]) and bool(tg["binding"]) and tg["shortfall"] == pytest.approx(0)
    assert tg["dual"] == pytest.approx(DUAL, rel=1e-7) and tg["dual_unit"] == "CNY/MWh"
    assert tg["marginal_cost"] == pytest.approx(24 * DUAL, rel=1e-7)
    assert tg["marginal_cost_unit"] == "CNY/yr per pp"

    for name in ("gas_only", "gas_solar"):           # the same numbers as a single solve
        res = gridplan.solve(cases / f"{name}.yaml", resolution=3)
        s = res.summary()
        for k in ("total_cost_cny", "cost_per_mwh_cny", "emissions_t", "non_fossil_electricity_share",
                  "curtailed_mwh", "shed_mwh"):
            assert t.loc[name, k] == pytest.approx(s[k], rel=1e-9, abs=1e-9), k
        cap = cmp.capacities[cmp.capacities["case"] == name].set_index("technology")
        for tech, g in res.capacities.groupby("technology"):
            assert cap.loc[tech, "built"] == pytest.approx(g["built"].sum())
            assert cap.loc[tech, "existing"] == pytest.approx(g["existing"].sum())
        if len(res.targets):
            assert tg["dual"] == pytest.approx(res.targets.set_index("id").loc["nf_share", "dual"], rel=1e-9)


def test_failures_are_reported_and_do_not_stop_the_batch(batch):
    cmp, out = batch
    t = cmp.table.set_index("case")
    assert not t.loc["broken", "ok"] and t.loc["broken", "status"] == "error"
    assert "generators[town_gas].max_mw: got -5" in t.loc["broken", "error"]
    assert "\n" not in t.loc["broken", "error"]
    assert not t.loc["too_green", "ok"] and "nfeasible" in t.loc["too_green", "status"]
    assert "too_green" in cmp.failed["case"].tolist() and "broken" in cmp.failed["case"].tolist()
    assert pd.isna(t.loc["broken", "total_cost_cny"])
    meta = json.loads((out / "cases" / "broken" / "meta.json").read_text())
    assert meta["status"] == "error" and not meta["ok"] and "max_mw" in meta["error"]
    assert t.loc["broken", "outcome"] == "input error" and t.loc["too_green", "outcome"] == "targets missed"
    assert "shortfall" in t.loc["too_green", "error"]          # the elastic diagnosis, not a bare status
    assert "Runs without a solution" in cmp.markdown() and "broken" in cmp.markdown()
    assert cmp.exit_code == 5                                  # a run failed (broken): 5 before 4


def test_output_folder(batch):
    cmp, out = batch
    for f in ("comparison.csv", "targets.csv", "capacities.csv", "costs.csv", "comparison.xlsx", "summary.md",
              "capacity_mix.png", "target_costs.png", "index.html"):
        assert (out / f).stat().st_size > 0, f
    assert not list(out.glob(".*tmp*"))                           # no temporary files left
    csv = pd.read_csv(out / "comparison.csv")
    assert csv["total_cost_cny"].tolist()[:2] == pytest.approx([GAS_ONLY, GAS_SOLAR], rel=1e-12)
    assert len(pd.read_csv(out / "targets.csv")) == 1             # one case × target row (gas_solar)
    wb = openpyxl.load_workbook(out / "comparison.xlsx", read_only=True)
    assert wb.sheetnames == ["comparison", "targets", "capacities", "costs"]
    html = (out / "index.html").read_text()
    assert html.count("data:image/png;base64,") == 2 and "http" not in html.replace("http-equiv", "")
    meta = json.loads((out / "cases" / "gas_solar" / "meta.json").read_text())
    assert meta["ok"] and meta["status"] == "Optimal" and meta["solve_count"] == 1
    assert len(meta["sha256"]) == 64 and len(meta["files"]) == 3
    assert meta["summary"]["total_cost_cny"] == pytest.approx(GAS_SOLAR)
    assert (out / "cases" / "gas_solar" / "capacities.csv").exists()
    assert (out / "cases" / "gas_solar" / "summary.csv").exists()


def test_resume_skips_finished_cases(batch, cases):
    cmp, out = batch
    metas = {n: out / "cases" / n / "meta.json" for n in ("gas_only", "gas_solar", "broken")}
    before = {n: p.stat().st_mtime_ns for n, p in metas.items()}
    again = compare([cases / "gas_only.yaml", cases / "gas_solar.yaml", cases / "broken.yaml"],
                    workers=2, out=out, resume=True)
    t = again.table.set_index("case")
    assert t.loc["gas_only", "resumed"] and t.loc["gas_solar", "resumed"] and not t.loc["broken", "resumed"]
    for n in ("gas_only", "gas_solar"):                         # not solved again
        assert metas[n].stat().st_mtime_ns == before[n]
        assert json.loads(metas[n].read_text())["solve_count"] == 1
    assert json.loads(metas["broken"].read_text())["solve_count"] == 2   # failures are retried
    cols = [c for c in cmp.table.columns if c not in TIMING]
    first = cmp.table.set_index("case").loc[["gas_only", "gas_solar", "broken"], cols[1:]]
    pd.testing.assert_frame_equal(t[cols[1:]], first, check_dtype=False, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(again.targets, cmp.targets, check_dtype=False)


def test_sweep_cost_difference(cases, tmp_path):
    cmp = sweep(cases / "gas_solar.yaml", {"targets.nf_share.value": [0.3, 0.4]}, workers=2, out=tmp_path)
    t = cmp.table
    assert t["targets.nf_share.value"].tolist() == [0.3, 0.4]
    assert t["ok"].all()
    assert t["total_cost_cny"].iloc[1] - t["total_cost_cny"].iloc[0] == pytest.approx(0.1 * 2400 * DUAL, rel=1e-7)
    assert t["built_mw_solar"].tolist() == pytest.approx([60, 80])
    assert cmp.targets["targets.nf_share.value"].tolist() == [0.3, 0.4]
    assert (tmp_path / "cases" / "gas_solar__nf_share.value=0.4" / "meta.json").exists()


def test_dask_cluster_gives_the_same_table(batch, cases, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    cmp, _ = batch
    runs = [cases / "gas_only.yaml", cases / "gas_solar.yaml", cases / "broken.yaml",
            Run(cases / "gas_solar.yaml", overrides={"targets.nf_share.value": 0.6}, name="too_green")]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        dk = compare(runs, out=tmp_path, executor="dask", scheduler=client)
    assert {r["pid"] for r in dk.records if r.get("ok")}.isdisjoint({os.getpid()})   # solved on the workers
    cols = [c for c in cmp.table.columns if c not in TIMING]
    pd.testing.assert_frame_equal(dk.table[cols], cmp.table[cols], check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(dk.targets, cmp.targets, check_exact=False, rtol=1e-9)
    assert (tmp_path / "cases" / "gas_solar" / "capacities.csv").exists()   # written by the client
    assert (tmp_path / "index.html").exists()


def test_cli_compare_and_sweep(cases, tmp_path):
    from typer.testing import CliRunner

    from gridplan.cli import app
    runner = CliRunner()
    out = tmp_path / "cmp"
    r = runner.invoke(app, ["compare", str(cases / "gas_only.yaml"), str(cases / "gas_solar.yaml"),
                            "--out", str(out), "--workers", "2"])
    assert r.exit_code == 0, r.output
    assert "gas_solar" in r.output and "nf_share" in r.output
    for f in ("comparison.csv", "targets.csv", "comparison.xlsx", "capacity_mix.png", "target_costs.png",
              "index.html", "summary.md"):
        assert (out / f).exists(), f
    t = pd.read_csv(out / "comparison.csv")
    assert t["total_cost_cny"].tolist() == pytest.approx([GAS_ONLY, GAS_SOLAR], rel=1e-9)

    sw = tmp_path / "sweep"
    r = runner.invoke(app, ["sweep", str(cases / "gas_only.yaml"), "--set",
                            "technologies.overrides.gas.capex_cny_per_kw=1000,1500", "--out", str(sw),
                            "--workers", "2"])
    assert r.exit_code == 0, r.output
    t = pd.read_csv(sw / "comparison.csv")
    assert t["technologies.overrides.gas.capex_cny_per_kw"].tolist() == [1000, 1500]
    assert t["total_cost_cny"].diff().iloc[1] == pytest.approx(100 * 500e3 * CRF, rel=1e-9)

    r = runner.invoke(app, ["compare", str(cases / "broken.yaml"), "--out", str(tmp_path / "bad"),
                            "--resolution", "3h", "--typical-days", "2"])
    assert r.exit_code == 2 and "either --resolution or --typical-days" in r.output
    r = runner.invoke(app, ["sweep", str(cases / "gas_only.yaml"), "--set", "targets.nope.value=1",
                            "--out", str(tmp_path / "bad2")])
    assert r.exit_code == 5
    assert "override targets.nope.value" in pd.read_csv(tmp_path / "bad2" / "comparison.csv")["error"][0]


def test_python_compare_with_typical_days_uses_hourly_data():
    """`compare(..., typical_days=K)` without a resolution clusters the hourly year (as the CLI
    does) instead of averaging to the 3 h batch default first, which typical days refuse; the
    cost equals an independent single solve with the same K."""
    case = Path(__file__).resolve().parents[1] / "cases" / "panzhihua_2030.yaml"
    cmp = compare([case], typical_days=4, executor="inline")
    assert cmp.table.loc[0, "status"] == "Optimal"
    single = gridplan.solve(gridplan.load_case(case), typical_days=4)
    assert cmp.table.loc[0, "total_cost_cny"] == pytest.approx(single.objective, rel=1e-9)


def test_diagnose_names_the_target_that_cannot_be_met(cases):
    """A non-fossil share of 0.6 is infeasible (module docstring: solar serves at most the 12
    daytime hours, 50 %). ``diagnose=True`` re-solves the same prepared data in elastic mode:
    the plan reaches 50 % (100 MW of solar, the whole daytime demand), 10 pp short."""
    case = gridplan.load_case(cases / "gas_solar.yaml", overrides={"targets.nf_share.value": 0.6})
    data = gridplan.prepare(case)
    with pytest.raises(gridplan.TargetsInfeasible) as info:
        gridplan.solve(data, diagnose=True)
    exc = info.value
    assert exc.status == "Infeasible" and exc.results.data is data          # prepared once
    tg = exc.results.targets.set_index("id").loc["nf_share"]
    assert tg["achieved"] == pytest.approx(0.5) and tg["shortfall"] == pytest.approx(0.1)
    assert "shortfall 10.00 pp" in exc.diagnosis and exc.diagnosis in str(exc)
    cap = exc.results.capacities.set_index("name")
    assert cap.loc["town_solar", "built"] == pytest.approx(100)
    with pytest.raises(gridplan.SolveError, match="elastic=True") as plain:   # without diagnose: the hint
        gridplan.solve(data)
    assert not isinstance(plain.value, gridplan.TargetsInfeasible)


def test_diagnose_leaves_a_model_with_user_rows_alone(cases):
    """With a user's Pyomo row (no solar at all) the share target cannot be met, but an
    elastic rebuild of the case would drop that row and find a plan that meets every target:
    ``diagnose=True`` must not pretend to diagnose it, so the plain SolveError (with its
    elastic hint) is raised, not TargetsInfeasible."""
    import pyomo.environ as pyo
    m = gridplan.build_model(gridplan.load_case(cases / "gas_solar.yaml"))
    m.no_solar = pyo.Constraint(expr=m.gen_build["town_solar"] <= 0)
    with pytest.raises(gridplan.SolveError, match="elastic=True") as info:
        gridplan.solve(m, diagnose=True)
    assert not isinstance(info.value, gridplan.TargetsInfeasible)


def test_time_policy():
    """One rule for compare() and the CLI: 3 h by default, the cases' own resolution with
    typical days, never hours and typical days together."""
    from gridplan.batch import BATCH_DEFAULT, time_policy
    from gridplan.errors import GridplanError
    assert time_policy() == (3, None)
    assert time_policy(1) == (1, None) and time_policy(None) == (None, None)
    assert time_policy(BATCH_DEFAULT, 12) == (None, 12) and time_policy(None, 12) == (None, 12)
    with pytest.raises(GridplanError, match="give either resolution or typical_days, not both"):
        time_policy(3, 12)
    for k in (0, 1, 366):   # the peak day is its own typical day: 2..365, checked before any run starts
        with pytest.raises(GridplanError, match=f"--typical-days: got {k}; expected between 2 and 365"):
            time_policy(typical_days=k, names=("--resolution", "--typical-days"))
