"""Pooled availability rows (gridplan/model/pooling.py, generators.py): same optimum, per-unit dispatch.

Test catalogue as in test_engine.py: gas 360 CNY/MWh fuel, annuity 1e6 × crf(0.06, 10)
CNY/MW-yr; wind and solar have no fuel and no O&M, so they pool at one bus.
"""
from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

import gridplan
from gridplan.errors import GridplanError
from gridplan.model.build import build_context

from conftest import prof

ANN_GAS = 1000 * 1000 * 0.06 / (1 - 1.06 ** -10)
GAS_FUEL = 50 * 3.6 / 0.5


def _case(targets=(), must_run=None):
    wind = {"name": "wind", "bus": "A", "technology": "wind", "existing_mw": 50,
            "availability": prof("wind")}
    if must_run is not None:
        wind["must_run"] = must_run
    return {"time": {"hours": 24},
            "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 60}}],
            "generators": [wind,
                           {"name": "pv", "bus": "A", "technology": "solar", "existing_mw": 50,
                            "availability": prof("sun")},
                           {"name": "gas", "bus": "A", "technology": "gas", "max_mw": 1000}],
            "targets": list(targets)}


PROFILES = {"load": [1.0] * 12 + [0.5] * 12,          # 60 MW, then 30 MW
            "wind": [1.0] * 12 + [0.2] * 12,          # 50 MW, then 10 MW available
            "sun": [0.0] * 12 + [0.8] * 12}           # 0, then 40 MW available


def test_pooled_dispatch_is_shared_by_availability(write_case):
    """Hours 0–11: 60 MW load, wind 50 + solar 0 available → both renewables give their
    50 MW, gas 10 MW. Hours 12–23: 30 MW load, 10 + 40 = 50 MW available, free → the pool
    gives 30 MW, shared 10:40 → wind 6, solar 24 (curtailed 4 and 16 MW).
    Gas: built 10 MW, 12 × 10 = 120 MWh → cost 10 × ANN_GAS + 120 × 360.
    The unpooled LP (pool=False) must reach the same optimum."""
    path = write_case(_case(), PROFILES)
    ctx = build_context(gridplan.load_case(path))
    assert ctx.lp.cons["gen_pool_availability"].shape == (1, 24)     # wind + pv, one row per hour
    res = gridplan.solve(ctx)
    p = res.value("gen_p")                                          # rows: wind, pv, gas
    assert p[0] == pytest.approx([50.0] * 12 + [6.0] * 12, abs=1e-6)
    assert p[1] == pytest.approx([0.0] * 12 + [24.0] * 12, abs=1e-6)
    assert p[2] == pytest.approx([10.0] * 12 + [0.0] * 12, abs=1e-6)
    assert res.objective == pytest.approx(10 * ANN_GAS + 120 * GAS_FUEL, rel=1e-7)
    cur = res.curtailment["curtailed_mwh"]
    assert cur["wind"] == pytest.approx(12 * 4.0, abs=1e-5)
    assert cur["pv"] == pytest.approx(12 * 16.0, abs=1e-5)

    plain = gridplan.solve(build_context(gridplan.load_case(path), pool=False))
    assert "gen_pool_availability" not in plain.ctx.lp.cons
    assert plain.objective == pytest.approx(res.objective, rel=1e-9)


def test_what_keeps_generators_apart(write_case):
    """A generation target on wind alone, or a must-run on wind, must keep wind out of the pool
    (the target counts wind's own energy; must-run is a per-unit floor)."""
    target = {"id": "w", "kind": "generation", "group": "wind", "value": 100}
    for case in (_case(targets=[target]), _case(must_run=0.1)):
        ctx = build_context(gridplan.load_case(write_case(case, PROFILES)))
        assert "gen_pool_availability" not in ctx.lp.cons
        assert ctx.pooled == {}


def test_build_model_keeps_every_unit_addressable(write_case):
    """gridplan.build_model does not pool, so a user row on one unit's dispatch is exact:
    capping wind at 20 MW in hours 0–11 moves 30 MW to gas there (built 40 MW, 12×40 = 480 MWh).
    On a pooled context the same row is refused with a one-line error."""
    path = write_case(_case(), PROFILES)
    m = gridplan.build_model(gridplan.load_case(path))
    m.cap = pyo.Constraint(range(12), rule=lambda m, t: m.gen_p["wind", t] <= 20)
    res = gridplan.solve(m)
    assert res.objective == pytest.approx(40 * ANN_GAS + 480 * GAS_FUEL, rel=1e-7)

    ctx = build_context(gridplan.load_case(path))
    ctx.m.cap = pyo.Constraint(expr=ctx.m.gen_p["wind", 0] <= 20)
    with pytest.raises(GridplanError, match="pooled"):
        gridplan.solve(ctx)


def test_shipped_case_pooled_equals_unpooled():
    """guangyuan_2030 at 24 h (with its targets): the pooled and unpooled LPs have the same
    optimum, and after the split every unit's dispatch is within its own availability."""
    from pathlib import Path
    case = gridplan.load_case(Path(__file__).resolve().parents[1] / "cases" / "guangyuan_2030.yaml")
    pooled = gridplan.solve(build_context(case, resolution=24))
    plain = gridplan.solve(build_context(case, resolution=24, pool=False))
    assert "gen_pool_availability" in pooled.ctx.lp.cons
    assert pooled.facts["rows"] < plain.facts["rows"]
    assert pooled.objective == pytest.approx(plain.objective, rel=1e-8)
    d = pooled.data
    cap = d.gens["existing_mw"].to_numpy() + pooled.value("gen_build")
    assert (pooled.value("gen_p") <= d.avail * cap[:, None] + 1e-6).all()
    assert np.allclose((pooled.value("gen_p") * d.weights).sum(), (plain.value("gen_p") * d.weights).sum(),
                       rtol=1e-6)
