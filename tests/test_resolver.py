"""Sweeps on one HiGHS instance: gridplan.Resolver hands over only what changed.

Each variant's answer is checked twice: against a fresh, independent solve
(new model, new HiGHS instance, cold start) and, for the cost sweep, against
the hand-derived difference.
"""
from __future__ import annotations

import pytest

import gridplan
from conftest import prof

CRF = 0.06 / (1 - 1.06 ** -10)   # discount rate 0.06, lifetime 10 (tests/data/catalogue.csv)
GAS_FUEL = 50 * 3.6 / 0.5        # CNY/MWh: 50 CNY/GJ at efficiency 0.5


def _case(write_case, capex=None, share=None, tmp_name="case.yaml"):
    case = {
        "discount_rate": 0.06, "time": {"hours": 24},
        "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 100}}],
        "generators": [
            {"name": "gas", "bus": "A", "technology": "gas", "max_mw": 1000},
            {"name": "pv", "bus": "A", "technology": "solar", "max_mw": 1000, "availability": prof("sun")},
        ],
    }
    if capex is not None:
        case["technologies"] = {"catalogue": "catalogue.csv", "fuels": "fuels.csv",
                                "overrides": {"gas": {"capex_cny_per_kw": capex}}}
    if share is not None:
        case["targets"] = [{"id": "nf", "kind": "non_fossil_share", "scope": "electricity", "value": share}]
    sun = [1.0 if 6 <= h < 18 else 0.0 for h in range(24)]
    return gridplan.load_case(write_case(case, {"load": [1.0] * 24, "sun": sun}, file=tmp_name))


def test_cost_sweep_reuses_highs_and_matches_fresh_solves(write_case):
    """Gas capex 1000 → 1500 → 2000 CNY/kW with 100 MW of gas needed at night (no storage):
    each step adds 100 MW × 500 CNY/kW × 1000 × crf(6 %, 10 y) to the annual cost, whatever
    the day-time mix, because gas capacity stays at the 100 MW night peak."""
    r = gridplan.Resolver()
    results = [r.solve(_case(write_case, capex=c, tmp_name=f"c{c}.yaml")) for c in (1000, 1500, 2000)]
    assert [res.facts["warm_start"] for res in results] == [False, True, True]
    for c, res in zip((1000, 1500, 2000), results):
        fresh = gridplan.solve(_case(write_case, capex=c, tmp_name=f"f{c}.yaml"))
        assert res.objective == pytest.approx(fresh.objective, rel=1e-9)
        assert res.capacities.set_index("name").loc["gas", "total"] == pytest.approx(100.0)
    step = 100 * 500 * 1000 * CRF
    assert results[1].objective - results[0].objective == pytest.approx(step, rel=1e-9)
    assert results[2].objective - results[1].objective == pytest.approx(step, rel=1e-9)


def test_target_sweep_changes_row_bounds_in_place(write_case):
    """The share target's value moves the row's bound only: warm-started answers equal
    fresh solves at 0.3, 0.4 and 0.5, and the target is met at each."""
    r = gridplan.Resolver()
    for i, s in enumerate((0.3, 0.4, 0.5)):
        res = r.solve(_case(write_case, share=s, tmp_name=f"s{i}.yaml"))
        assert res.facts["warm_start"] == (i > 0)
        fresh = gridplan.solve(_case(write_case, share=s, tmp_name=f"fs{i}.yaml"))
        assert res.objective == pytest.approx(fresh.objective, rel=1e-9)
        assert res.targets.set_index("id").loc["nf", "achieved"] == pytest.approx(s, abs=1e-7)


def test_a_different_structure_is_passed_whole(write_case):
    """Adding a target adds a row: the Resolver notices and hands over the whole LP."""
    r = gridplan.Resolver()
    a = r.solve(_case(write_case, tmp_name="a.yaml"))
    b = r.solve(_case(write_case, share=0.4, tmp_name="b.yaml"))
    assert not a.facts["warm_start"] and not b.facts["warm_start"]
    assert b.objective == pytest.approx(gridplan.solve(_case(write_case, share=0.4, tmp_name="c.yaml")).objective,
                                        rel=1e-9)


def test_warm_sweep_gives_the_same_table_as_independent_runs(write_case):
    """`sweep(..., executor="warm")` (one HiGHS instance, scenarios in turn) and
    `executor="inline"` (a fresh model and solver per scenario) give the same costs;
    the two capex steps differ by the hand-derived 100 MW × 500 CNY/kW × crf."""
    path = _case(write_case, capex=1000, tmp_name="sweep.yaml")._path
    sets = {"technologies.overrides.gas.capex_cny_per_kw": [1000, 1500, 2000]}
    warm = gridplan.sweep(path, sets=sets, executor="warm", resolution=None)
    cold = gridplan.sweep(path, sets=sets, executor="inline", resolution=None)
    a = warm.table["total_cost_cny"].to_numpy()
    b = cold.table["total_cost_cny"].to_numpy()
    assert a == pytest.approx(b, rel=1e-9)
    assert a[1] - a[0] == pytest.approx(100 * 500 * 1000 * CRF, rel=1e-9)


@pytest.mark.parametrize("max_changes", [1000, 0])
def test_matrix_changes_in_place_or_whole_with_the_old_basis(write_case, max_changes):
    """Scaling PV availability changes matrix entries (p − a·build <= a·existing). Either way
    — one changeCoeff per entry, or (max_coeff_changes=0) the LP passed whole with the previous
    basis — the answer equals a fresh solve of the same variant."""
    def variant(scale, name):
        case = _case(write_case, tmp_name=name)
        data = case.model_dump(exclude_none=True)
        data["generators"][1]["availability"]["scale"] = scale
        c = gridplan.case_from_dict(data, case._path)
        c._path = case._path
        return c
    r = gridplan.Resolver(max_coeff_changes=max_changes)
    for i, scale in enumerate((1.0, 0.8, 0.6)):
        res = r.solve(variant(scale, f"v{i}.yaml"))
        assert res.facts["warm_start"] == (i > 0)
        fresh = gridplan.solve(variant(scale, f"w{i}.yaml"))
        assert res.objective == pytest.approx(fresh.objective, rel=1e-9)
