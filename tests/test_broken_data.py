"""Broken catalogue, fuels, overrides and profiles; target bounds; plausibility warnings (#18).

Each case is a folder under tests/broken/data/ (a 24-hour, one-bus case on the test catalogue
with one problem planted, or a few), checked through the CLI in-process (CliRunner on
``gridplan.cli.app``) for its exact lines and exit code: bad input exit 2, a hard target its
build ranges cannot meet exit 4 (solve's code for it), plausibility warnings exit 0. Paths
in the messages are absolute: ``{d}`` stands for the case's folder. Two cases also run as a
real subprocess, and the profile-size cap is tested with a sparse file and a lowered cap.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import gridplan
from gridplan.case import readers
from gridplan.cli import app

BROKEN = Path(__file__).resolve().parent / "broken" / "data"
RANGE = "every element at its ceiling where it helps: max_mw, or existing_mw where not expandable; at its floor where it hurts"
GROUPS = "all, clean, coal, gas, hydro, new_energy, non_fossil, renewable, solar, storage, transmission, wind"
PV_ROW = "generators[pv].availability: got 'profiles.csv:pv row 8 = 120'; expected capacity factors <= 1 per unit of capacity (a profile in MW needs scale: 1/MW)"

CASES = {
    "nan_capex": (2, ["error: {d}/catalogue.csv: line 2 [gas 2030].capex_cny_per_kw: got 'nan'; expected a finite number >= 0"]),
    "inf_fuel_price": (2, ["error: {d}/fuels.csv: line 2 [gas 2030].price_cny_per_gj: got 'inf'; expected a finite number >= 0"]),
    "negative_vom_and_zero_lifetime": (2, [
        "error: {d}/catalogue.csv: line 2 [gas 2030].vom_cny_per_mwh: got '-5'; expected a finite number >= 0",
        "error: {d}/catalogue.csv: line 3 [coal 2030].lifetime_yr: got '0'; expected a finite number of years > 0 (the annuity divides by it)"]),
    "bad_overrides": (2, [
        "error: {d}/case.yaml: technologies.overrides.gas.fom_pct_capex_per_yr: got -1.0; expected a finite number >= 0",
        "error: {d}/case.yaml: technologies.overrides.gas.lifetime_yr: got 0.0; expected a finite number of years > 0 (the annuity divides by it)",
        "error: {d}/case.yaml: generators[gas].technology: got 'gas'; expected efficiency in (0, 1] (catalogue or technologies.overrides; it is 1.2)"]),
    "availability_in_mw": (2, ["error: {d}/case.yaml: " + PV_ROW]),
    "duplicate_rows": (2, ["error: {d}/catalogue.csv: line 10 [gas 2030]: got 'gas 2030'; expected one catalogue row per technology and year (also on line 2)"]),
    "duplicate_columns": (2, ["error: {d}/profiles.csv: columns: got ['load']; expected distinct column names (each is written once in the header)"]),
    "header_only_fuels": (2, ["error: {d}/fuels.csv: rows: got 0; expected at least one fuels row below the header"]),
    "missing_fuel_column": (2, ["error: {d}/fuels.csv: columns: got ['co2_t_per_gj']; expected the fuels columns fuel, year, price_cny_per_gj, co2_t_per_gj"]),
    "year_not_covered": (2, ["error: {d}/case.yaml: generators[gas].technology: got 'gas'; expected a technology the catalogue covers in the case's year (it has gas for 2030; interpolated between them, never extrapolated)"]),
    "typical_days_short_year": (2, ["error: {d}/case.yaml: time.hours: got 24; expected 8760 (a full hourly year) with time.typical_days"]),
    "unknown_target_group": (2, [f"error: {{d}}/case.yaml: targets[pv_floor].group: got 'photovoltaic'; expected a group (declared under groups:, or all / a carrier / a catalogue flag): {GROUPS}"]),
    "several_problems": (2, [
        "error: {d}/catalogue.csv: line 2 [gas 2030].capex_cny_per_kw: got 'NaN'; expected a finite number >= 0",
        "error: {d}/case.yaml: " + PV_ROW,
        f"error: {{d}}/case.yaml: targets[pv_floor].group: got 'photovoltaic'; expected a group (declared under groups:, or all / a carrier / a catalogue flag): {GROUPS}"]),
    "capacity_floor_unreachable": (4, [
        f"error: {{d}}/case.yaml: targets[pv_floor].value: got 300.0; expected a bound the build ranges can meet: installed_capacity of solar >= 300 MW, but at most 200 MW is possible at all buses ({RANGE}); quoted from plan.txt:12"]),
    "capacity_share_unreachable": (4, [
        f"error: {{d}}/case.yaml: targets[pv_share].value: got 0.5; expected a bound the build ranges can meet: capacity_share of solar in all >= 0.5, but at most 0.333333 is possible at all buses ({RANGE})"]),
    "capacity_cap_below_existing": (4, [
        "error: {d}/case.yaml: targets[gas_cap].value: got 100.0; expected a bound the build ranges can meet: installed_capacity of gas <= 100 MW, but at least 400 MW is possible at all buses (every element at its floor: existing_mw, or min_mw where higher)"]),
    "share_above_one": (4, ["error: {d}/case.yaml: targets[seasonal].value: got 1.5; expected a share of at most 1 (100 %)"]),
    "implausible_units": (0, [
        "warning: {d}/case.yaml: buses[A].demand.peak_mw: got 2000000000.0; expected a peak below 1e+06 MW (given in kW?)",
        "warning: {d}/case.yaml: buses[B].demand.profile: got 'maximum 100'; expected a profile per unit of peak_mw, its maximum near 1 (given in MW?)",
        "warning: {d}/case.yaml: technologies.catalogue[gas].capex_cny_per_kw: got 2000000.0; expected at most 100000 CNY per kW (a figure per MW?)"]),
    "zero_demand": (0, ["warning: {d}/case.yaml: buses: got '0 MWh of demand in the year'; expected some demand (costs per MWh of demand are undefined without it)"]),
    # NaN and ±inf efficiencies would be read as blank (1.0): refused in the catalogue and in overrides
    "nonfinite_efficiency": (2, [
        "error: {d}/catalogue.csv: line 2 [gas 2030].efficiency: got 'inf'; expected a number in (0, 1]",
        "error: {d}/catalogue.csv: line 8 [battery 2030].roundtrip_efficiency: got '1e400'; expected a number in (0, 1]",
        "error: {d}/case.yaml: technologies.overrides.coal.efficiency: got 'nan'; expected a number in (0, 1]"]),
    # a boolean override of a number: the case file's words
    "bool_override": (2, ["error: {d}/case.yaml: technologies.overrides.gas.capex_cny_per_kw: got True; expected a number, not a boolean (yes/no/on/off/true/false are booleans in YAML)"]),
    # flags truthy() would read as false; TRUE/Yes/y/1/FALSE/no/n/blank (wind, coal) pass
    "bad_flags": (2, [
        "error: {d}/catalogue.csv: line 4 [solar 2030].non_fossil: got 'perhaps'; expected a flag: true or false (also yes/no, y/n or 1/0, any case), or blank for false",
        "error: {d}/case.yaml: technologies.overrides.wind.non_fossil: got 3.0; expected true or false (the catalogue flag non_fossil)"]),
}


def stderr_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("name", sorted(CASES))
def test_validate_names_each_problem_on_one_line(name):
    code, expected = CASES[name]
    d = BROKEN / name
    result = CliRunner().invoke(app, ["validate", str(d / "case.yaml")], terminal_width=10_000)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert stderr_lines(result) == [e.format(d=d) for e in expected]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["nan_capex", "availability_in_mw", "bad_overrides", "duplicate_rows",
                                  "nonfinite_efficiency", "bool_override", "bad_flags"])
def test_solve_refuses_what_validate_refuses(name):
    """The input checks are solve's own: the same lines, exit 2, before any LP."""
    code, expected = CASES[name]
    d = BROKEN / name
    result = CliRunner().invoke(app, ["solve", str(d / "case.yaml")], terminal_width=10_000)
    assert result.exit_code == 2 and stderr_lines(result) == [e.format(d=d) for e in expected]


def test_solve_finds_the_unreachable_floor_infeasible():
    """What validate reports as unreachable, solve finds infeasible (exit 4, elastic diagnosis)."""
    d = BROKEN / "capacity_floor_unreachable"
    result = CliRunner().invoke(app, ["solve", str(d / "case.yaml")], terminal_width=10_000)
    assert result.exit_code == 4 and "pv_floor" in result.stderr


def test_library_validate_warns_and_exposes_warnings():
    d = BROKEN / "implausible_units"
    with pytest.warns(UserWarning) as record:
        case = gridplan.validate(d / "case.yaml")
    assert case.name == "implausible_units"
    assert [str(w.message) for w in record] == [e.format(d=d).removeprefix("warning: ") for e in CASES["implausible_units"][1]]
    data = gridplan.validated_data(BROKEN / "capacity_floor_unreachable" / "case.yaml")
    assert [p.field for p in data.unreachable] == ["targets[pv_floor].value"] and data.warnings == []


def test_profile_over_the_size_cap_is_not_read(monkeypatch, tmp_path):
    """The cap is checked from os.stat before pandas opens the file: lowered to 100 bytes, the
    case's 24-row profiles.csv is refused with its size."""
    d = BROKEN / "nan_capex"
    size = (d / "profiles.csv").stat().st_size
    monkeypatch.setattr(readers, "MAX_CSV_BYTES", 100)
    monkeypatch.setattr(readers.pd, "read_csv", lambda *a, **k: pytest.fail("a capped file was read"))
    result = CliRunner().invoke(app, ["validate", str(d / "case.yaml")], terminal_width=10_000)
    assert result.exit_code == 2
    # the catalogue (bigger than 100 bytes) is refused first and stops the checks there
    assert stderr_lines(result) == [f"error: {d}/catalogue.csv: technologies.catalogue: got "
                                    f"{(d / 'catalogue.csv').stat().st_size}; expected a CSV of at most 100 bytes "
                                    "(gridplan.case.readers.MAX_CSV_BYTES); it is not read"]
    assert size > 100


def run(*args):
    return subprocess.run([sys.executable, "-m", "gridplan", *map(str, args)], capture_output=True, text=True,
                          timeout=120, env={"COLUMNS": "10000", "PATH": "/usr/bin:/bin"})


def test_a_sparse_3_gb_profile_is_refused_by_a_real_process(tmp_path):
    """A real file of 3 GB (sparse: no disk used) named as a profile: refused at once, exit 2."""
    for f in ("case.yaml", "catalogue.csv", "fuels.csv"):
        (tmp_path / f).write_text((BROKEN / "availability_in_mw" / f).read_text())
    with open(tmp_path / "profiles.csv", "wb") as fh:
        fh.truncate(3 * 2**30)
    p = run("validate", tmp_path / "case.yaml")
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip().splitlines() == [
        f"error: {tmp_path}/profiles.csv: buses[A].demand.profile.file: got {3 * 2**30}; expected a CSV of at "
        f"most {256 * 2**20} bytes (gridplan.case.readers.MAX_CSV_BYTES); it is not read",
        f"error: {tmp_path}/profiles.csv: generators[pv].availability.file: got {3 * 2**30}; expected a CSV of at "
        f"most {256 * 2**20} bytes (gridplan.case.readers.MAX_CSV_BYTES); it is not read"]


def test_several_problems_through_a_real_process():
    d = BROKEN / "several_problems"
    p = run("validate", d / "case.yaml")
    assert p.returncode == 2 and p.stderr.strip().splitlines() == [e.format(d=d) for e in CASES["several_problems"][1]]


def test_a_fifo_named_as_a_profile_is_refused_without_reading_it(tmp_path):
    """A FIFO has size 0 and pandas would block on it forever: refused as not a regular file.
    In-process, under an alarm, so that a regression fails instead of hanging the suite."""
    for f in ("case.yaml", "catalogue.csv", "fuels.csv"):
        (tmp_path / f).write_text((BROKEN / "availability_in_mw" / f).read_text())
    os.mkfifo(tmp_path / "profiles.csv")

    def hung(*_):
        raise TimeoutError("validate blocked on the FIFO")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        result = CliRunner().invoke(app, ["validate", str(tmp_path / "case.yaml")], terminal_width=10_000)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    assert stderr_lines(result) == [
        f"error: {tmp_path}/profiles.csv: {field}.file: got a special file (FIFO, socket or device); "
        "expected a regular CSV file" for field in ("buses[A].demand.profile", "generators[pv].availability")]


def test_a_profile_outside_the_root_says_how_far_root_may_reach():
    """root may reach one folder above the case file at most: the message says so instead of
    suggesting that `root:` could be widened to any folder."""
    d = BROKEN / "profile_outside_root" / "case"
    result = CliRunner().invoke(app, ["validate", str(d / "case.yaml")], terminal_width=10_000)
    assert result.exit_code == 2
    assert stderr_lines(result) == [
        f"error: {d}/case.yaml: buses[A].demand.profile.file: got '../profiles.csv'; expected a path inside "
        f"the case's root {d} (`root:` may widen it to at most one folder above the case file, no further)"]
