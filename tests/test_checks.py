"""Case checks (gridplan.case.checks): every problem is reported, one line each.

The expected messages follow the contract of :class:`gridplan.CaseError`
("<file>: <field>: got <value>; expected <what>") with the field paths and
wordings of the checks' docstrings; the cases are tiny and their problems planted
by hand, so each expected line can be read off the case. Test catalogue
(tests/data/catalogue.csv): gas and coal dispatchable with a fuel, solar/wind/hydro_ror
variable, hydro_reservoir a reservoir, battery storage (round trip 0.81), line a line.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import gridplan
from gridplan.case import checks
from gridplan.case.convert import build_groups
from gridplan.case.schema import Case, Profile
from gridplan.errors import CaseError, CaseProblems

from conftest import prof

FILE = "case.yaml"
ONE_BUS = {"name": "t", "year": 2030, "time": {"hours": 24},
           "technologies": {"catalogue": "catalogue.csv"},
           "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 100}}]}


def case_of(**parts) -> Case:
    """A Case validated by pydantic only (no cross-reference check), as the checks receive it."""
    return Case.model_validate({**ONE_BUS, **parts})


def catalogue(data_dir) -> pd.DataFrame:
    cat = pd.read_csv(data_dir / "catalogue.csv").set_index("technology")
    cat["fuel"] = cat["fuel"].fillna("")
    return cat


def fields(problems) -> list[str]:
    return [p.field for p in problems]


# ----------------------------------------------------------------------------- all at once


def test_every_problem_of_a_case_is_reported_one_line_each(write_case):
    """Five independent problems, planted one per family or check:

    1. generator ``nuke``: technology ``fusion`` is not in the catalogue;
    2. generator ``pv``: its availability column ``pv`` has a NaN at data row 4 (file line 5);
    3. storage ``bat``: max_mw 5 below existing_mw 10;
    4. target ``cap``: group ``wnd`` does not exist;
    5. bus ``B`` has demand and nothing to supply it (no line, no generator).
    """
    pv = [0.5] * 24
    pv[3] = float("nan")
    case = {"time": {"hours": 24},
            "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 100}},
                      {"name": "B", "demand": {"profile": prof("load"), "peak_mw": 10}}],
            "generators": [{"name": "gas", "bus": "A", "technology": "gas", "max_mw": 500},
                           {"name": "nuke", "bus": "A", "technology": "fusion", "max_mw": 100},
                           {"name": "pv", "bus": "A", "technology": "solar", "max_mw": 100,
                            "availability": prof("pv")}],
            "storage": [{"name": "bat", "bus": "A", "technology": "battery", "existing_mw": 10,
                         "existing_mwh": 40, "max_mw": 5}],
            "targets": [{"id": "cap", "kind": "installed_capacity", "group": "wnd", "value": 10}]}
    path = write_case(case, {"load": [1.0] * 24, "pv": pv})
    with pytest.raises(CaseProblems) as exc:
        gridplan.prepare(gridplan.load_case(path))
    lines = str(exc.value).split("\n")
    assert len(exc.value.problems) == 5 and len(lines) == 5, lines
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    expected = [
        ("generators[nuke].technology", "got 'fusion'; expected a technology of the catalogue for this year"),
        ("generators[pv].availability", "got 'profiles.csv:pv row 5 is not a number'; "
                                        "expected finite numbers in every row"),
        ("storage[bat].max_mw", "got 5.0; expected >= existing_mw (10): installed capacity cannot be removed"),
        ("targets[cap].group", "got 'wnd'; expected a group (declared under groups:"),
        ("buses", "got ['B']; expected every bus with demand to be reachable from a generator"),
    ]
    for field, text in expected:
        assert sum(f"{path}: {field}: {text}" in line for line in lines) == 1, (field, lines)


def test_a_catalogue_without_columns_stops_the_checks_there(write_case, data_dir):
    """A catalogue lacking ``kind`` makes every technology check meaningless: the one
    problem is reported, not the unknown technology behind it."""
    rows = pd.read_csv(data_dir / "catalogue.csv")
    case = {"time": {"hours": 24}, "buses": ONE_BUS["buses"],
            "generators": [{"name": "g", "bus": "A", "technology": "fusion", "max_mw": 10}]}
    path = write_case(case, {"load": [1.0] * 24}, catalogue=rows.drop(columns="kind").to_dict("records"))
    with pytest.raises(CaseProblems) as exc:
        gridplan.prepare(gridplan.load_case(path))
    assert len(exc.value.problems) == 1
    assert exc.value.field == "columns" and exc.value.value == ["kind"]


def test_references_at_load_are_all_reported(write_case):
    """Generator at bus Z, a line from A to A, a target covering bus Q: three lines."""
    case = {"time": {"hours": 24}, "buses": ONE_BUS["buses"],
            "generators": [{"name": "g", "bus": "Z", "technology": "gas", "max_mw": 10}],
            "lines": [{"name": "AA", "bus0": "A", "bus1": "A", "existing_mw": 5, "technology": "line"}],
            "targets": [{"id": "c", "kind": "co2_cap", "value": 1, "buses": ["Q"]}]}
    with pytest.raises(CaseProblems) as exc:
        gridplan.load_case(write_case(case, {"load": [1.0] * 24}))
    assert fields(exc.value.problems) == ["generators[g].bus", "lines[AA].bus1", "targets[c].buses"]
    assert str(exc.value).count("\n") == 2


def test_a_lone_problem_prints_as_its_case_error():
    one = CaseError("f.yaml", "generators[g].max_mw", 5, ">= existing_mw (10)")
    assert str(CaseProblems([one])) == str(one) == "f.yaml: generators[g].max_mw: got 5; expected >= existing_mw (10)"
    two = CaseError("f.yaml", "buses", ["B"], "x")
    nested = CaseProblems([CaseProblems([one]), two])
    assert nested.problems == (one, two) and str(nested) == f"{one}\n{two}"
    assert isinstance(nested, CaseError) and nested.field == one.field


# ----------------------------------------------------------------------------- one check at a time


def test_check_references():
    case = case_of(storage=[{"name": "s", "bus": "X", "technology": "battery"}],
                   lines=[{"name": "L", "bus0": "A", "bus1": "Y", "technology": "line"}],
                   options={"power_flow": "dc"})
    problems = checks.check_references(case, FILE)
    assert fields(problems) == ["storage[s].bus", "lines[L].bus1", "lines[L].reactance_ohm"]
    assert str(problems[0]) == "case.yaml: storage[s].bus: got 'X'; expected a bus defined under buses (A)"


def test_check_technology_kind(data_dir):
    cat = catalogue(data_dir)
    assert checks.check_technology(cat, FILE, "f", "gas", ("dispatchable",)) == []
    (p,) = checks.check_technology(cat, FILE, "storage[s].technology", "gas", ("storage",))
    assert p.expected == "a technology of kind storage (it is dispatchable)"
    (p,) = checks.check_technology(cat, FILE, "f", "nuclear", ("dispatchable",))
    assert p.expected == "a technology of the catalogue for this year"


@pytest.mark.parametrize("existing, min_, max_, default, field, expected", [
    (10, 0, 5, None, "x.max_mw", ">= existing_mw (10): installed capacity cannot be removed"),
    (0, 20, 10, None, "x.min_mw", "<= max_mw (10)"),
    (30, 20, None, None, None, None),            # ceiling max(30, 20) = 30: nothing to build, valid
    (0, 5, None, np.inf, None, None),            # unbounded by default
])
def test_check_build_range(existing, min_, max_, default, field, expected):
    problems = checks.check_build_range(FILE, "x", existing, min_, max_, default)
    assert fields(problems) == ([field] if field else [])
    if expected:
        assert problems[0].expected == expected


def test_check_generators_efficiency_fuel_buildable(data_dir):
    """gas at efficiency 1.5, coal with its fuel missing from the fuels table, and solar
    marked not buildable but given room to expand: three problems."""
    cat = catalogue(data_dir)
    cat.loc["gas", "efficiency"] = 1.5
    cat["buildable"] = [True] * len(cat)
    cat.loc["solar", "buildable"] = False
    fuels = pd.DataFrame({"price_cny_per_gj": [50.0], "co2_t_per_gj": [0.05]}, index=pd.Index(["gas"], name="fuel"))
    case = case_of(generators=[{"name": "g", "bus": "A", "technology": "gas", "max_mw": 10},
                               {"name": "c", "bus": "A", "technology": "coal", "max_mw": 10},
                               {"name": "pv", "bus": "A", "technology": "solar", "existing_mw": 1, "max_mw": 10}])
    problems = checks.check_generators(case, cat, fuels, FILE)
    assert fields(problems) == ["generators[g].technology", "generators[c].technology", "generators[pv].max_mw"]
    assert problems[0].expected == "efficiency in (0, 1] (catalogue or technologies.overrides; it is 1.5)"
    assert problems[1].expected == "fuel 'coal' of this technology listed in technologies.fuels"
    assert "solar cannot be newly built (catalogue buildable=false)" in problems[2].expected


def test_check_storage_roundtrip_and_energy_range(data_dir):
    """Round trip 1.2 is outside (0, 1]; power not expandable (ceiling = existing 10 MW), so
    energy defaults to existing 40 MWh, and max_mwh 30 is below it."""
    cat = catalogue(data_dir)
    cat.loc["battery", "roundtrip_efficiency"] = 1.2
    case = case_of(storage=[{"name": "s", "bus": "A", "technology": "battery", "existing_mw": 10,
                             "existing_mwh": 40, "max_mwh": 30}])
    problems = checks.check_storage(case, cat, FILE)
    assert fields(problems) == ["storage[s].technology", "storage[s].max_mwh"]
    assert problems[0].expected == "roundtrip_efficiency in (0, 1]"


def test_check_reservoirs_needs_an_inflow_scale(data_dir):
    case = case_of(reservoirs=[{"name": "r", "bus": "A", "max_mw": 100, "reservoir_mwh": 1000,
                                "inflow": prof("inflow")}])
    (p,) = checks.check_reservoirs(case, catalogue(data_dir), FILE)
    assert p.field == "reservoirs[r].inflow.scale" and p.value is None


def test_check_demand_response_ceiling():
    case = case_of(demand_response=[{"name": "d", "bus": "A", "existing_mw": 5, "max_mw": 2}])
    assert fields(checks.check_demand_response(case, FILE)) == ["demand_response[d].max_mw"]


def test_check_profile_reports_length_nan_and_negative_together():
    """22 rows instead of 24; data row 2 (file line 3) NaN, data row 4 (file line 5) -1."""
    values = np.array([1.0, np.nan, 1.0, -1.0] + [1.0] * 18)
    p = Profile(file="p.csv", column="load")
    problems = checks.check_profile(FILE, "buses[A].demand.profile", p, values, 24)
    assert [x.value for x in problems] == ["p.csv:load has 22 rows", "p.csv:load row 3 is not a number",
                                           "p.csv:load row 5 = -1.0"]
    assert [x.expected for x in problems] == ["24 rows (time.hours)", "finite numbers in every row", "values >= 0"]


def test_check_groups_and_target_groups(data_dir):
    cat = catalogue(data_dir)
    case = case_of(groups={"mine": {"technologies": ["solar", "tidal"], "carriers": ["plasma"]}},
                   targets=[{"id": "a", "kind": "capacity_share", "group": "mine", "of_group": "everything",
                             "value": 0.5},
                            {"id": "b", "kind": "seasonal_hydro", "value": 10, "hydro_group": "water"}])
    assert [(p.field, p.value) for p in checks.check_groups(case, cat, build_groups(case, cat), FILE)] == [
        ("groups.mine.technologies", "tidal"), ("groups.mine.carriers", "plasma")]
    groups = {"all": set(), "hydro": set(), "mine": set()}
    problems = checks.check_target_groups(case, groups)
    assert [(p.field, p.value) for p in problems] == [("targets[a].of_group", "everything"),
                                                      ("targets[b].hydro_group", "water")]
    assert problems[0].expected == ("a group (declared under groups:, or all / a carrier / a catalogue flag): "
                                    "all, hydro, mine")


def test_check_supply_per_island():
    """Buses A, B, C, D: gas at A; line A–B expandable from 0 (max 50) joins B to A's supply;
    line C–D has no rating and may not be built, so C and D are apart; C has demand and only
    a battery, D has demand and an exchange that only exports. Islands: {A, B}, {C}, {D}:
    two cannot be supplied, reported as two problems."""
    demand = {"profile": prof("load"), "peak_mw": 10}
    case = case_of(buses=[{"name": n, "demand": demand} for n in "ABCD"],
                   generators=[{"name": "g", "bus": "A", "technology": "gas", "max_mw": 100}],
                   storage=[{"name": "s", "bus": "C", "technology": "battery", "existing_mw": 5, "existing_mwh": 5}],
                   exchanges=[{"name": "x", "bus": "D", "max_export_mw": 10}],
                   lines=[{"name": "AB", "bus0": "A", "bus1": "B", "max_mw": 50, "technology": "line"},
                          {"name": "CD", "bus0": "C", "bus1": "D", "technology": "line"}])
    assert [p.value for p in checks.check_supply(case)] == [["C"], ["D"]]
    importing = case.model_copy(update={"exchanges": [case.exchanges[0].model_copy(update={"max_import_mw": 1})]})
    assert [p.value for p in checks.check_supply(importing)] == [["C"]]


def test_schema_errors_are_all_reported_once_each():
    """A misspelt key (peak_mv), a negative capacity and an unknown target kind: three lines,
    the misspelt key first with its "did you mean" and without its "missing peak_mw" twin."""
    data = {**ONE_BUS,
            "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mv": 100}}],
            "generators": [{"name": "g", "bus": "A", "technology": "gas", "existing_mw": -5}],
            "targets": [{"id": "x", "kind": "nonsense", "value": 1}]}
    with pytest.raises(CaseProblems) as info:
        gridplan.case_from_dict(data, FILE)
    lines = str(info.value).splitlines()
    assert len(lines) == 3
    assert lines[0] == ("case.yaml: buses[A].demand.peak_mv: got 100; "
                        "expected no such field (did you mean peak_mw?)")
    assert lines[1].startswith("case.yaml: generators[g].existing_mw: got -5;")
    assert lines[2].startswith("case.yaml: targets[x]: got ") and "kind to be one of" in lines[2]
