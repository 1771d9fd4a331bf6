"""The README's examples run as written.

Every ```python block is run in a fresh interpreter, and every ``gridplan`` command line of the
```bash blocks (each block's lines in order, through bash, so globs and braces expand as in a
user's shell), each with cwd a temporary folder holding symlinks to the repository's
``cases``, ``data``, ``tests/data`` and ``examples``: what the examples write under ``out/``
lands there. :data:`COMMANDS` is the exit status each command line must give, and why; a line
the README adds without an entry here fails :func:`test_every_readme_command_has_an_expected_exit`.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
REPO = README.parent
LINKED = ("cases", "data", "tests/data", "examples")

COMMANDS = {
    # command line (the part from the first `gridplan`) → (exit status, why)
    "gridplan solve cases/sichuan5_2030.yaml --typical-days 12 --out out/sichuan5_2030":
        (0, "the five-city grid meets all its targets at 12 typical days (cases/README.md)"),
    "gridplan compare cases/{chengdu,mianyang,leshan,guangyuan,panzhihua}_2030.yaml --typical-days 12 --elastic "
    "--out out/compare --workers 2":
        (0, "every city meets its 2030 targets in the normal hydro year, so nothing misses under --elastic"),
    "gridplan sweep cases/chengdu_2030.yaml --set technologies.overrides.solar_distributed.capex_cny_per_kw=2400,3000 "
    "--typical-days 12 --out out/sweep":
        (0, "both capex scenarios are optimal"),
    "gridplan sweep cases/leshan_2030.yaml --set hydrology.year=dry,normal,wet --typical-days 12 --elastic "
    "--out out/hydro":
        (4, "the dry year misses Leshan's 50 % non-fossil share; --elastic reports the shortfall and the "
            "status says the targets cannot be met (exit 4, README command table)"),
    "gridplan solve cases/chengdu_2030.yaml --certify --out out/chengdu_certified":
        (0, "a certificate is found for Chengdu 2030 (README: gap 0.017 %): exit 0"),
    "gridplan solve cases/chengdu_pathway.yaml --typical-days 12 --out out/chengdu_pathway":
        (0, "Chengdu's 2025, 2030 and 2035 periods meet their targets and the carbon peak (cases/README.md)"),
    "gridplan template cases/guangyuan_2030.yaml --excel out/guangyuan_2030.xlsx":
        (0, "writes the workbook the next line solves"),
    "gridplan solve out/guangyuan_2030.xlsx --typical-days 12 --out out/guangyuan_xlsx --netcdf --parquet":
        (0, "the workbook holds the whole case: optimal as the YAML"),
    "gridplan export cases/guangyuan_2030.yaml --to pypsa out/guangyuan_2030.nc --resolution 24":
        (0, "a single-bus case PyPSA can hold (the rows it cannot are listed, not refused)"),
    "gridplan import tests/data/pypsa_ac_dc_meshed --out out/ac_dc_meshed && gridplan solve out/ac_dc_meshed/case.yaml":
        (0, "PyPSA's ac-dc-meshed example maps without --allow-unmapped and solves optimally"),
    "gridplan solve cases/guangyuan_2030.yaml --typical-days 12 --write-lp out/guangyuan_2030.mps "
    "--solver pyomo:appsi_highs":
        (0, "optimal through Pyomo's HiGHS interface"),
}

NOT_RUN = {
    "pip install '.[test]' && python -m pytest": "the test suite itself",
    "pip install '.[interop]'": "installs packages; the tests run in an installed environment",
}


def blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", README.read_text(encoding="utf-8"), flags=re.S | re.M)


def command_line(line: str) -> str | None:
    """The part of a README shell line from its first ``gridplan`` command on (``pip install . &&``
    before it is the installation, already done here); None for a line with no gridplan command."""
    parts = line.split(" && ")
    first = next((i for i, p in enumerate(parts) if p.startswith("gridplan ")), None)
    return None if first is None else " && ".join(parts[first:])


def bash_blocks() -> list[list[str]]:
    """The gridplan command lines of every bash block, in order (blocks without any left out)."""
    found = []
    for block in blocks("bash"):
        lines = [command_line(line) for line in block.splitlines() if line.strip()]
        if any(lines):
            found.append([c for c in lines if c])
    return found


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A folder where the README's relative paths resolve to the repository's inputs."""
    for name in LINKED:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).symlink_to(REPO / name, target_is_directory=True)
    return tmp_path


def test_every_readme_command_has_an_expected_exit():
    lines = [line for block in blocks("bash") for line in block.splitlines() if line.strip()]
    run = {command_line(line) for line in lines} - {None}
    assert run == set(COMMANDS), f"README commands without an expected exit: {run - set(COMMANDS)}; " \
                                 f"entries no longer in the README: {set(COMMANDS) - run}"
    assert {line for line in lines if command_line(line) is None} == set(NOT_RUN)


def test_compare_example_lists_the_five_cities_not_the_network():
    """The compare line's case arguments, expanded by bash as a user's shell would: the five
    single-city 2030 cases, each once, and not the five-city network beside them."""
    compare = next(c for c in COMMANDS if c.startswith("gridplan compare "))
    args = compare.split(" --")[0].removeprefix("gridplan compare ")
    expanded = subprocess.run(["bash", "-c", f"printf '%s\\n' {args}"], cwd=REPO, capture_output=True,
                              text=True, check=True).stdout.split()
    import gridplan
    single_city = sorted(str(p.relative_to(REPO)) for p in (REPO / "cases").glob("*_2030.yaml")
                         if len(gridplan.load_case(p).buses) == 1)
    assert sorted(expanded) == single_city and len(expanded) == 5, expanded
    assert "cases/sichuan5_2030.yaml" not in expanded


def run_commands(workdir: Path, commands: list[str]) -> None:
    """Each line through bash, in order, with this interpreter's ``gridplan`` first on PATH."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    for cmd in commands:
        code, why = COMMANDS[cmd]
        done = subprocess.run(["bash", "-c", cmd], cwd=workdir, capture_output=True, text=True, timeout=600, env=env)
        assert done.returncode == code, f"{cmd}\nexpected exit {code} ({why}), got {done.returncode}\n" \
                                        f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"


def block_with(word: str) -> list[str]:
    """The bash block whose command lines mention ``word``."""
    return next(b for b in bash_blocks() if any(word in c for c in b))


def test_readme_bash_blocks_are_all_run():
    """Each block is run by one of the tests below (so a new block cannot go unrun)."""
    covered = [block_with(w) for w in ("sichuan5", "gridplan compare", "--to pypsa", "chengdu_pathway", "--certify")]
    assert sorted(map(tuple, covered)) == sorted(map(tuple, bash_blocks()))


@pytest.mark.slow
def test_quick_start_solves_the_five_city_grid(workdir):
    run_commands(workdir, block_with("sichuan5"))
    out = workdir / "out" / "sichuan5_2030"
    assert {"capacity.png", "dispatch.png", "highs.log", "manifest.json"} <= {p.name for p in out.iterdir()}


@pytest.mark.slow
def test_batch_examples(workdir):
    run_commands(workdir, block_with("gridplan compare"))
    table = pd.read_csv(workdir / "out" / "compare" / "comparison.csv")
    assert sorted(table["case"]) == sorted(f"{c}_2030" for c in ("chengdu", "mianyang", "leshan", "guangyuan",
                                                                 "panzhihua"))
    assert len(pd.read_csv(workdir / "out" / "sweep" / "comparison.csv")) == 2
    # the README: "in the dry year its 50 % non-fossil share is ... short", the other years meet it
    targets = pd.read_csv(workdir / "out" / "hydro" / "targets.csv")
    missed = targets[~targets["met"].astype(bool)]
    assert missed["hydrology.year"].tolist() == ["dry"] and missed["id"].tolist() == ["non_fossil_share_2030"]
    assert missed["required"].iloc[0] == 0.5 and 0 < missed["shortfall"].iloc[0] < 0.1


@pytest.mark.slow
def test_pathway_example(workdir):
    """The pathway line writes the set the README lists; its present values per period add up to the
    run's (two files, one identity), and its carbon peak is one row, for 2035 (peak year 2030)."""
    run_commands(workdir, block_with("chengdu_pathway"))
    out = workdir / "out" / "chengdu_pathway"
    assert {"build_out.png", "builds.csv", "present_value.csv", "carbon_peak.csv", "capacities.csv", "README.md",
            "manifest.json", "highs.log"} <= {p.name for p in out.iterdir()}
    pv = pd.read_csv(out / "present_value.csv")
    run = pd.read_csv(out / "pathway.csv").iloc[0]
    assert pv["period"].tolist() == [2025, 2030, 2035]
    assert pv["total_pv_cny"].sum() == pytest.approx(run["present_value_cny"], rel=1e-9)
    assert pd.read_csv(out / "carbon_peak.csv")["period"].tolist() == [2035]
    assert set(pd.read_csv(out / "capacities.csv")["period"]) == {2025, 2030, 2035}


@pytest.mark.slow
def test_certify_example(workdir):
    """The --certify line writes the set the README lists, and its bracket holds the hourly optimum the
    README quotes for Chengdu 2030 (44.5646 bn CNY/yr: gridplan's hourly solve of the full year, HiPO,
    an independent LP of 210,256 rows), with the gap the bracket's own width."""
    import json
    run_commands(workdir, block_with("--certify"))
    out = workdir / "out" / "chengdu_certified"
    assert {"certificate.json", "certificate.csv", "price_duration.csv", "price_duration.png", "lost_load.csv",
            "dispatch.csv", "prices.csv", "README.md", "manifest.json"} <= {p.name for p in out.iterdir()}
    cert = json.loads((out / "certificate.json").read_text())
    assert cert["lower_cny"] <= 44.56455e9 <= cert["upper_cny"]
    assert cert["gap"] == pytest.approx((cert["upper_cny"] - cert["lower_cny"]) / cert["upper_cny"], rel=1e-12)
    assert cert["gap"] < 0.001 and cert["max_violation"] <= 1e-6
    assert len(pd.read_csv(out / "prices.csv")) == 8760      # the hourly dispatch's prices, hour by hour


@pytest.mark.slow
def test_interop_examples(workdir):
    pytest.importorskip("pypsa", reason="PyPSA is not installed (pip install '.[interop]')")
    run_commands(workdir, block_with("--to pypsa"))
    out = workdir / "out"
    for made in ("guangyuan_2030.xlsx", "guangyuan_xlsx/results.nc", "guangyuan_2030.nc",
                 "ac_dc_meshed/case.yaml", "guangyuan_2030.mps"):
        assert (out / made).exists(), made


PYTHON_CHECKS = """
import math, os
assert res.status == "Optimal", res.status
caps = res.capacities.set_index(["component", "name"])
# the added rule binds: without it the 24 h plan builds the whole 5,000 MW potential
assert math.isclose(caps.loc[("generator", "cd_solar_distributed"), "built"], 2000, rel_tol=1e-6)
assert os.path.isfile("out/chengdu/capacities.csv") and os.path.isfile("out/chengdu.xlsx")
print("checked")
"""


@pytest.mark.slow
def test_readme_python_blocks_run_as_written(workdir):
    """Each block in a fresh interpreter; then (same interpreter, after the block) what it
    promises: the custom constraint binds in the re-solve, the files are under out/."""
    code = blocks("python")
    assert len(code) == 1, "a new python block: give it its checks here"
    done = subprocess.run([sys.executable, "-c", code[0] + PYTHON_CHECKS], cwd=workdir, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert done.stdout.strip().endswith("checked")
