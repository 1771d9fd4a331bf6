"""cases/make_results.py: the cost of a target, the table's cells, and the table's round trip.

The tiny case (a 24-hour "year", every snapshot weight 1, the test catalogue of tests/data):
one bus with a flat 100 MW demand, 200 MW of existing gas and a solar candidate available at
half its capacity every hour, with an installed-capacity floor of F = 100 MW of solar.

* solar: capex 500 CNY/kW, no fixed O&M, 10 years at 6 % → a = 500,000 × crf(6 %, 10)
  = 67,933.97 CNY/MW-yr; 12 MWh per MW in the year;
* gas: fuel 50 CNY/GJ at efficiency 0.5 → 7.2 GJ/MWh → 360 CNY/MWh, no VOM: a MW of solar
  saves e = 12 × 360 = 4,320 CNY/MW-yr of gas fuel;
* so no solar is built without the floor (a > e), and with it exactly F MW:
  Δ = F · (a − e) = 100 × 63,613.97 = 6,361,397 CNY/yr, and the floor's dual is
  (a − e) / 1000 = 63.61 CNY/kW-yr (printed 64: no decimals from 10 up). A second target
  (gas ≥ 50 MW) is met by the existing plant: slack, not binding, and left in place when
  the solar floor is dropped.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import gridplan

from conftest import crf, prof

SCRIPT = Path(__file__).resolve().parents[1] / "cases" / "make_results.py"
_spec = importlib.util.spec_from_file_location("make_results", SCRIPT)
mr = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("make_results", mr)   # its dataclasses look their module up by name
_spec.loader.exec_module(mr)

F = 100.0
A = 500_000 * crf(0.06, 10)      # CNY/MW-yr of solar
E = 12 * 360.0                   # CNY/MW-yr of gas fuel one MW of solar saves
TARGETS = [{"id": "solar_floor", "kind": "installed_capacity", "group": "solar", "value": F},
           {"id": "gas_floor", "kind": "installed_capacity", "group": "gas", "value": 50}]


@pytest.fixture
def case(write_case):
    path = write_case({
        "time": {"hours": 24},
        "buses": [{"name": "A", "demand": {"profile": prof("flat"), "peak_mw": 100}}],
        "generators": [{"name": "gas_a", "bus": "A", "technology": "gas", "existing_mw": 200},
                       {"name": "solar_a", "bus": "A", "technology": "solar", "max_mw": 1000,
                        "availability": prof("half")}],
        "targets": TARGETS}, {"flat": [1.0] * 24, "half": [0.5] * 24})
    return gridplan.load_case(path)


def test_without_target_drops_exactly_that_target(case):
    variant = mr.without_target(case, "solar_floor")
    assert [t.id for t in variant.targets] == ["gas_floor"]
    assert variant.targets[0] == case.targets[1]
    assert [t.id for t in case.targets] == ["solar_floor", "gas_floor"]   # the case itself unchanged
    assert variant._path == case._path                                   # relative paths resolve as before
    assert variant.model_dump(exclude={"targets"}) == case.model_dump(exclude={"targets"})
    with pytest.raises(KeyError):
        mr.without_target(case, "no_such_target")


def test_target_cost_is_the_hand_derived_delta(case):
    base = mr.solve_run(case)
    assert base.status == "optimal"
    assert mr.binding_ids(base.res) == ["solar_floor"]
    tg = base.res.targets.set_index("id")
    assert tg.loc["solar_floor", "dual"] == pytest.approx((A - E) / 1000)
    cost = mr.target_cost(case, "solar_floor", base)
    assert cost.status == "optimal"
    assert cost.delta_cny == pytest.approx(F * (A - E), rel=1e-6)

    row = mr.case_row("tiny", {mr.HEADLINE: base, mr.BRACKET: base}, [cost])
    assert row["binding"] == f"solar_floor (64 CNY/kW-yr; Δ {F * (A - E) / 1e8:.3f})"
    assert row["status"] == "optimal" and row["missed"] == "—"


def test_rows_of_failed_runs_and_a_changed_status():
    failed = mr.Run("time-limit-reached", None, 3.25, "x: solver status 'Time limit reached' | more")
    other = mr.Run("error", None, 0.5, "CaseError: bad")
    row = mr.case_row("broken", {mr.HEADLINE: failed, mr.BRACKET: other}, [])
    assert row["status"] == "time-limit-reached (error)"
    assert row["cost"] == "— (—)" and row["binding"] == "—" and row["non_fossil"] == "—"
    assert row["missed"] == failed.error and row["time"] == "3.2 s / 0.5 s"
    assert mr.delta_text(mr.TargetCost("t", None, "infeasible"), "optimal") == "Δ n/a, without it infeasible"
    assert mr.delta_text(mr.TargetCost("t", -2.5e6, "optimal"), "optimal") == "Δ -0.025"
    assert mr.delta_text(mr.TargetCost("t", -4e4, "optimal"), "optimal") == "Δ 0.000"   # never -0.000


def _rows():
    cells = {k: f"{k} cell" for k in mr.COLUMNS}
    return [dict(cells, case="a_2030", status="optimal"),
            dict(cells, case="b_2030", status="infeasible-with-diagnosis", missed="x | y")]


def test_table_round_trips_through_the_check_parser():
    table = mr.format_table(_rows())
    parsed = mr.parse_table(table)
    assert list(parsed) == ["a_2030", "b_2030"]
    assert parsed["a_2030"] == _rows()[0]
    assert parsed["b_2030"]["missed"] == "x / y"           # a separator in a cell cannot shift columns
    assert mr.differences(parsed, {r["case"]: {k: mr.clean(v) for k, v in r.items()} for r in _rows()},
                          every_case=True) == []


def test_check_ignores_solve_times_and_reports_the_rest():
    recorded = mr.parse_table(mr.format_table(_rows()))
    fresh = {r["case"]: dict(r) for r in _rows()}
    fresh["b_2030"]["missed"] = "x / y"
    fresh["a_2030"]["time"] = "9.9 s / 9.9 s"
    assert mr.differences(recorded, fresh, every_case=True) == []
    fresh["a_2030"]["binding"] = "other_target (1 CNY/kW-yr; Δ 0.001)"
    del fresh["b_2030"]
    fresh["c_2030"] = dict(fresh["a_2030"], case="c_2030")
    lines = mr.differences(recorded, fresh, every_case=True)
    assert len(lines) == 3
    assert lines[0].startswith("a_2030: binding: README") and "c_2030: not in the README table" in lines
    assert lines[2].startswith("b_2030: in the README table")
    assert mr.differences(recorded, {"a_2030": fresh["a_2030"]}, every_case=False) == lines[:1]


def test_section_is_replaced_between_the_markers_only():
    readme = f"# T\n\n## Results\n\n{mr.BEGIN}\nold table\n{mr.END}\n\nkept text\n"
    body = mr.block(mr.format_table(_rows()), f"{mr.COMPARE_PREFIX} x exits 0: a Optimal.", 61.0)
    new = mr.replace_section(readme, body)
    assert new.startswith(f"# T\n\n## Results\n\n{mr.BEGIN}\n|") and new.endswith(f"{mr.END}\n\nkept text\n")
    assert mr.parse_table(mr.section(new)) == mr.parse_table(mr.format_table(_rows()))
    assert mr.compare_line_of(mr.section(new)) == f"{mr.COMPARE_PREFIX} x exits 0: a Optimal."
    assert mr.replace_section(new, body) == new                  # rewriting is stable
    with pytest.raises(ValueError):
        mr.section("no markers here")
