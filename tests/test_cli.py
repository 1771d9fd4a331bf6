"""End-to-end tests of the command line, run as a user would (a subprocess)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
FIVE = REPO / "cases" / "sichuan5_2030.yaml"


def run(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "gridplan", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow   # 9-10 s alone on 2 cores, more when the machine is shared
@pytest.mark.skipif(not FIVE.exists(), reason="five-city case not shipped yet")
def test_solve_five_city_case_prints_table_and_writes_results(tmp_path):
    out = tmp_path / "out"
    p = run("solve", FIVE, "--resolution", "24h", "--out", out, "--excel")
    assert p.returncode == 0, p.stderr
    assert "capacity (MW" in p.stdout
    assert "total annualised cost" in p.stdout
    for name in ("chengdu", "panzhihua", "sichuan_grid"):
        assert name in p.stdout
    summary = pd.read_csv(out / "summary.csv")
    assert summary.loc[0, "status"] == "Optimal"
    caps = pd.read_csv(out / "capacities.csv")
    # the table's totals are existing + built for every row
    assert ((caps["existing"] + caps["built"] - caps["total"]).abs() < 1e-3).all()
    assert (out / "highs.log").exists()
    assert (out / "capacity.png").stat().st_size > 10_000 and (out / "dispatch.png").stat().st_size > 10_000
    assert (out / "network.png").stat().st_size > 10_000              # a network case: its map
    assert summary.loc[0, "outcome"] == "optimal"
    guide = (out / "README.md").read_text(encoding="utf-8")
    assert guide.startswith("# sichuan5_2030 (2030): optimal") and "## When the system is stressed" in guide
    days = pd.read_csv(out / "days.csv")
    assert len(days) == 365 and days["stress_rank"].min() == 1
    assert pd.read_excel(out / "results.xlsx", sheet_name="capacities").shape == caps.shape
    # no temporary files left behind by the atomic writes
    assert not list(out.glob(".*.tmp*"))


def _broken_case(tmp_path: Path, extra: str) -> Path:
    (tmp_path / "p.csv").write_text("h,load\n" + "".join(f"{i},1\n" for i in range(24)))
    (tmp_path / "cat.csv").write_text((REPO / "tests" / "data" / "catalogue.csv").read_text())
    (tmp_path / "fuels.csv").write_text((REPO / "tests" / "data" / "fuels.csv").read_text())
    text = f"""
name: broken
year: 2030
time: {{hours: 24}}
technologies: {{catalogue: cat.csv, fuels: fuels.csv}}
buses:
  - name: a
    demand: {{profile: {{file: p.csv, column: load}}, peak_mw: 100}}
generators:
{extra}
"""
    f = tmp_path / "case.yaml"
    f.write_text(text)
    return f


def test_validate_broken_case_prints_one_line_and_fails(tmp_path):
    f = _broken_case(tmp_path, "  - {name: g, bus: nowhere, technology: gas, max_mw: 100}")
    p = run("validate", f)
    assert p.returncode == 2
    lines = [line for line in p.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, p.stderr
    assert "case.yaml" in lines[0] and "generators[g].bus" in lines[0] and "nowhere" in lines[0]
    assert "Traceback" not in p.stderr


def test_validate_typo_is_an_error(tmp_path):
    f = _broken_case(tmp_path, "  - {name: g, bus: a, technology: gas, max_mww: 100}")
    p = run("validate", f)
    assert p.returncode == 2
    assert "generators[g].max_mww" in p.stderr and "no such field" in p.stderr


def test_validate_good_case_and_solve_small_case(tmp_path):
    f = _broken_case(tmp_path, "  - {name: g, bus: a, technology: gas, max_mw: 1000}")
    assert run("validate", f).returncode == 0
    p = run("solve", f)
    assert p.returncode == 0, p.stderr
    assert "gas" in p.stdout


def test_missing_file_is_one_line(tmp_path):
    p = run("solve", tmp_path / "nope.yaml")
    assert p.returncode == 2
    assert "nope.yaml" in p.stderr and "Traceback" not in p.stderr


def test_schema_is_json_with_case_fields(tmp_path):
    p = run("schema", "--out", tmp_path / "s.json")
    assert p.returncode == 0
    s = json.loads((tmp_path / "s.json").read_text())
    for key in ("buses", "generators", "storage", "reservoirs", "lines", "electrification", "targets"):
        assert key in s["properties"]


def test_bad_dualize_flag_is_one_line(tmp_path):
    f = _broken_case(tmp_path, "  - {name: g, bus: a, technology: gas, max_mw: 1000}")
    p = run("solve", f, "--dualize", "maybe")
    assert p.returncode == 2
    assert "--dualize" in p.stderr and "auto, on or off" in p.stderr and "Traceback" not in p.stderr
    p = run("solve", f, "--dualize", "on")
    assert p.returncode == 0, p.stderr


def test_typical_days_out_of_range_is_one_line(tmp_path):
    """--typical-days 0 used to solve the hourly year without a word: refused, exit 2."""
    f = _broken_case(tmp_path, "  - {name: g, bus: a, technology: gas, max_mw: 1000}")
    p = run("solve", f, "--typical-days", "0")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip() == ("error: --typical-days: got 0; expected between 2 and 365 "
                                "(the peak-demand day is always its own typical day)")


def _infeasible_share_case(tmp_path: Path) -> Path:
    """tests/data/compare/gas_solar.yaml with a non-fossil share of 0.6: at most 0.5 is
    possible (solar serves the 12 daytime hours, no storage), so 10 pp are missing."""
    data = REPO / "tests" / "data" / "compare"
    for f in ("catalogue.csv", "fuels.csv", "profiles.csv"):
        (tmp_path / f).write_text((data / f).read_text())
    text = (data / "gas_solar.yaml").read_text().replace("value: 0.3", "value: 0.6")
    (tmp_path / "gas_solar.yaml").write_text(text)
    return tmp_path / "gas_solar.yaml"


def test_infeasible_targets_exit_4_with_the_diagnosis(tmp_path):
    """Both routes to "targets missed" exit 4, print the 10-pp shortfall (derived in
    :func:`_infeasible_share_case`) and, with --out, write the elastic solution as a whole set
    labelled "targets missed" (summary.csv, manifest.json, targets.csv met = False)."""
    f = _infeasible_share_case(tmp_path)
    for flags in ((), ("--elastic",)):
        out = tmp_path / f"out{len(flags)}"
        p = run("solve", f, "--out", out, *flags)
        assert p.returncode == 4, p.stderr
        assert "targets missed:" in p.stderr and "gas_solar" in p.stderr
        assert "nf_share" in p.stderr and "shortfall 10.00 pp" in p.stderr
        assert "capacity (MW" in p.stdout                       # the elastic plan is printed
        assert "the elastic solution" in p.stdout
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["outcome"] == "targets missed" and manifest["elastic"] is True
        summary = pd.read_csv(out / "summary.csv")
        assert summary.loc[0, "outcome"] == "targets missed" and bool(summary.loc[0, "elastic"])
        tg = pd.read_csv(out / "targets.csv").set_index("id")
        assert not tg.loc["nf_share", "met"] and tg.loc["nf_share", "shortfall"] == pytest.approx(0.10, abs=1e-6)
        assert pd.isna(tg.loc["nf_share", "dual"])              # a penalty, not a cost
        guide = (out / "README.md").read_text(encoding="utf-8")
        assert guide.startswith("# gas_solar (2030): targets missed") and "short by 10.00 pp" in guide


def test_fail_prints_one_error_line_per_problem(capsys):
    import typer

    from gridplan.cli.common import guarded
    from gridplan.errors import GridplanError

    @guarded
    def two_problems():
        raise GridplanError("case.yaml: generators[g].bus: got 'x'; expected a bus\n"
                            "case.yaml: storage[s].bus: got 'y'; expected a bus")

    with pytest.raises(typer.Exit) as info:
        two_problems()
    assert info.value.exit_code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("error: case.yaml: ") for line in lines)


def test_validate_prints_every_problem_on_its_own_line(tmp_path):
    f = _broken_case(tmp_path, "  - {name: g, bus: nowhere, technology: gas, max_mw: 100}\n"
                               "  - {name: h, bus: elsewhere, technology: gas, max_mw: 100}")
    p = run("validate", f)
    assert p.returncode == 2
    lines = [line for line in p.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 2, p.stderr
    assert lines[0].startswith("error: ") and "generators[g].bus" in lines[0] and "nowhere" in lines[0]
    assert lines[1].startswith("error: ") and "generators[h].bus" in lines[1] and "elsewhere" in lines[1]
