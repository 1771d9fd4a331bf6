"""gridplan → PyPSA export (gridplan.interop.to_pypsa, ``gridplan export``): PyPSA, an independent
solver stack (its own network model, linopy, its own objective), must find gridplan's optimum on
the exported network.

Objective convention checked here (PyPSA 1.4): with ``include_objective_constant=True``,
``n.objective`` excludes capital_cost × the static p_nom of extendables and
``n.objective_constant`` is that amount, so ``n.objective + n.objective_constant`` is PyPSA's whole
cost; gridplan's = that + ``ExportedNetwork.objective_constant`` (fixed O&M of existing capacity
minus capital_cost × existing of the extendables, in CNY).
"""
from __future__ import annotations

import logging
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

pypsa = pytest.importorskip("pypsa", reason="PyPSA is an optional extra: pip install 'gridplan[interop]'")

import gridplan  # noqa: E402
from gridplan.case.targets import Co2Cap  # noqa: E402
from gridplan.interop.to_pypsa import to_pypsa  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
GUANGYUAN = REPO / "cases" / "guangyuan_2030.yaml"
REL = 1e-6


@pytest.fixture(autouse=True)
def _quiet():
    logging.getLogger("pypsa").setLevel(logging.WARNING)
    logging.getLogger("linopy").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        yield


def pypsa_optimum(exported, n=None) -> float:
    n = exported.network if n is None else n
    status, condition = exported.optimize(n, log_to_console=False)
    assert status == "ok" and condition == "optimal", (status, condition)
    return exported.gridplan_objective(n)


def test_shipped_case_with_its_targets_keeps_gridplan_optimum():
    """guangyuan_2030 at 24 h with all five of its plan's targets (non-fossil energy share, two
    multi-technology capacity floors, seasonal hydro, demand response: all extra rows) and every
    family the case has (exchange with built capability and hourly prices, electrification,
    reservoirs with minimum release, storage with durations, demand response, outage rates):
    PyPSA's optimum equals gridplan's to 1e-6."""
    res = gridplan.solve(GUANGYUAN, resolution=24)
    exported = to_pypsa(GUANGYUAN, resolution=24)
    assert not exported.network.global_constraints.shape[0]       # no target PyPSA expresses natively here
    assert len([x for x in exported.not_mapped if x.startswith("target_")]) == 5
    assert pypsa_optimum(exported) == pytest.approx(res.objective, rel=REL)


def test_co2_cap_maps_to_primary_energy_and_binds():
    """A case-wide co2_cap becomes a GlobalConstraint ``primary_energy`` on ``co2_emissions`` (no
    extra row). The cap is 80 % of the uncapped optimum's emissions, so it binds: both tools'
    optima rise by the same amount, PyPSA's own emissions (Σ w p / efficiency × carrier CO2,
    computed from its solution) sit at the cap and its dual is non-zero."""
    case = gridplan.load_case(GUANGYUAN).model_copy(update={"targets": []})
    free = gridplan.solve(case, resolution=24)
    cap = 0.8 * free.total("co2")
    capped = case.model_copy(update={"targets": [Co2Cap(id="co2", kind="co2_cap", value=cap)]})
    res = gridplan.solve(capped, resolution=24)
    exported = to_pypsa(capped, resolution=24)
    n = exported.network
    assert list(n.global_constraints.index) == ["target co2"]
    assert n.global_constraints.loc["target co2", "type"] == "primary_energy"
    assert not any(x.startswith("target_co2") for x in exported.not_mapped)
    assert pypsa_optimum(exported) == pytest.approx(res.objective, rel=REL)
    assert res.objective > free.objective * (1 + 1e-4)
    w = n.snapshot_weightings.generators
    rate = n.generators.carrier.map(n.carriers.co2_emissions) / n.generators.efficiency
    emitted = float((n.generators_t.p.mul(w, axis=0) * rate).sum().sum())
    assert emitted == pytest.approx(cap, rel=1e-6)
    assert abs(n.global_constraints.loc["target co2", "mu"]) > 0


@pytest.mark.slow   # ~9 s alone: a subprocess export, then two solves
def test_cli_netcdf_reads_back_and_resolves_to_the_same_optimum(tmp_path):
    """``gridplan export`` writes NET.nc, lists what the file lacks; the network read back with
    ``pypsa.Network(path)`` plus the extra rows (``to_pypsa(...).extra_functionality``, not stored
    in the file) re-solves to gridplan's optimum (no targets, 24 h)."""
    case = gridplan.load_case(GUANGYUAN).model_copy(update={"targets": []})
    res = gridplan.solve(case, resolution=24)
    path = tmp_path / "gy.nc"
    p = subprocess.run([sys.executable, "-m", "gridplan", "export", str(GUANGYUAN), "--to", "pypsa", str(path),
                        "--resolution", "24"], capture_output=True, text=True, timeout=600, cwd=REPO)
    assert p.returncode == 0, p.stderr
    assert "not mapped: storage_duration_min" in p.stderr and "not stored in the .nc file" in p.stderr
    assert not list(tmp_path.glob(".*.tmp*"))
    n = pypsa.Network(str(path))
    exported = to_pypsa(case, resolution=24)          # the same network without the targets' rows
    assert set(n.generators.index) == set(exported.network.generators.index)
    assert pypsa_optimum(exported, n) == pytest.approx(res.objective, rel=REL)


def test_results_carry_the_solved_capacities():
    """From Results, p_nom_opt is gridplan's solved total capacity (existing + built)."""
    case = gridplan.load_case(GUANGYUAN).model_copy(update={"targets": []})
    res = gridplan.solve(case, resolution=168)
    n = to_pypsa(res).network
    caps = res.capacities
    total = caps[caps["component"] == "generator"].set_index("name")["total"]
    assert len(total) == len(res.data.gens)
    for g, mw in total.items():
        assert n.generators.loc[g, "p_nom_opt"] == pytest.approx(mw, abs=1e-6)
    # the dispatch came along: each generator's solved output within its capacity
    p = n.generators_t.p[list(total.index)]
    assert (p.to_numpy() <= total.to_numpy()[None, :] + 1e-6).all() and p.to_numpy().sum() > 0


@pytest.mark.parametrize("args, expected", [
    (["export", str(GUANGYUAN), "--to", "pandapower", "x.nc"], "--to: got 'pandapower'; expected one of pypsa"),
    (["export", "missing_case.yaml", "--to", "pypsa", "x.nc"], "missing_case.yaml"),
    (["export", str(GUANGYUAN), "--to", "pypsa", "x.nc", "--typical-days", "4"], "typical days"),
    (["export", str(GUANGYUAN), "--to", "pypsa", "x.csv"], "expected a netCDF file name ending in .nc"),
])
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, args, expected):
    p = subprocess.run([sys.executable, "-m", "gridplan", *args], capture_output=True, text=True, timeout=300,
                       cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    lines = [x for x in p.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], p.stderr
    assert "Traceback" not in p.stderr and not (tmp_path / "x.nc").exists()


def test_without_pypsa_one_line(monkeypatch):
    """Without PyPSA installed: one GridplanError naming the extra."""
    monkeypatch.setitem(sys.modules, "pypsa", None)
    with pytest.raises(gridplan.GridplanError, match=r"pip install 'gridplan\[interop\]'"):
        to_pypsa(GUANGYUAN, resolution=24)


def _triangle(limit13, limit_other, **l13):
    """tests/conftest.py's triangle under ``power_flow: dc``."""
    from conftest import triangle
    return triangle("dc", limit13, limit_other, **l13)


COAL_FUEL = 25 * 3.6 / 0.4     # CNY/MWh of tests/data's coal


def test_dc_controllable_link_is_a_pypsa_link(write_case):
    """tests/test_engine.py's triangle under ``power_flow: dc`` with line 1-3 a controllable link
    (no reactance) rated 60 MW and lines 1-2 (x = 1), 2-3 (x = 2) at 40 MW; load 100 MW at bus 3.
    The link is outside KVL, so coal at bus 1 sends 60 on the link and 40 via bus 2 and serves
    the whole load: objective 24 × 100 × 225 CNY, f13 = 60, f12 = f23 = 40 (hand-derived in
    test_dc_controllable_link_is_not_in_kvl). Exported, the link is a PyPSA Link (p_min_pu = -1,
    efficiency 1), the two AC lines PyPSA Lines; PyPSA finds the same optimum and flows. As a PyPSA
    Line (x = 1: test_dc_power_flow_binding_line_vs_transport) its cycle would hold coal to 80 MW."""
    path = write_case(_triangle(60, 40, reactance_ohm=None, controllable=True), {"load": [1.0] * 24})
    res = gridplan.solve(gridplan.load_case(path))
    assert res.objective == pytest.approx(24 * 100 * COAL_FUEL, rel=REL)
    exported = to_pypsa(path)
    n = exported.network
    assert list(n.links.index) == ["l13"] and "l13" not in n.lines.index
    assert sorted(n.lines.index) == ["l12", "l23"]
    assert n.links.loc["l13", "p_min_pu"] == -1.0 and n.links.loc["l13", "efficiency"] == 1.0
    assert n.links.loc["l13", "p_nom"] == 60.0 and not n.links.loc["l13", "p_nom_extendable"]
    assert pypsa_optimum(exported) == pytest.approx(res.objective, rel=REL)
    flows = dict(zip(res.data.lines.index, res.value("line_flow")))
    assert n.links_t.p0["l13"].to_numpy() == pytest.approx(flows["l13"], abs=1e-6)
    assert n.links_t.p0["l13"].to_numpy() == pytest.approx(np.full(24, 60.0), abs=1e-6)
    for name, f in (("l12", 40.0), ("l23", 40.0)):
        assert n.lines_t.p0[name].to_numpy() == pytest.approx(flows[name], abs=1e-6)
        assert n.lines_t.p0[name].to_numpy() == pytest.approx(np.full(24, f), abs=1e-6)
    # the extra rows' column mapping reads the link's flow on Link-p and the lines' on Line-s
    from gridplan.interop.to_pypsa import _columns, _Labels
    from gridplan.model.build import build_context
    ctx = build_context(gridplan.load_case(path))
    labels = _Labels(n, ctx, _columns(ctx.data))
    vb = ctx.lp.vars["line_flow"]
    at = dict(zip(ctx.data.lines.index, vb.cols.reshape(len(ctx.data.lines), -1)))
    m = n.model
    assert (labels.label[at["l13"]] == m["Link-p"].labels.sel(name="l13").values).all()
    assert (labels.label[at["l12"]] == m["Line-s"].labels.sel(name="l12").values).all()
    # from Results, the solved flows go to the Link's and the Lines' p0 frames (the column mapping follows the split)
    carried = to_pypsa(res).network
    assert carried.links_t.p0["l13"].to_numpy() == pytest.approx(flows["l13"], abs=1e-9)
    assert carried.lines_t.p0["l12"].to_numpy() == pytest.approx(flows["l12"], abs=1e-9)


def test_dc_open_line_is_a_pypsa_link(write_case):
    """The triangle with line 1-3 open (0 MW, not expandable): gridplan leaves it out of KVL, so all
    100 MW go 1 → 2 → 3 on coal (test_engine.py::test_dc_open_line_is_not_in_kvl). As a PyPSA Line of
    s_nom 0 its cycle would force f12 = f23 = 0 (gas at 360); it is exported as a Link of p_nom 0,
    and PyPSA finds gridplan's optimum, 24 × 100 × 225 CNY."""
    path = write_case(_triangle(0, 500), {"load": [1.0] * 24})
    res = gridplan.solve(gridplan.load_case(path))
    assert res.objective == pytest.approx(24 * 100 * COAL_FUEL, rel=REL)
    exported = to_pypsa(path)
    n = exported.network
    assert list(n.links.index) == ["l13"] and n.links.loc["l13", "p_nom"] == 0.0
    assert pypsa_optimum(exported) == pytest.approx(res.objective, rel=REL)
    assert n.lines_t.p0["l12"].to_numpy() == pytest.approx(np.full(24, 100.0), abs=1e-6)


def test_user_pyomo_rows_and_variables_are_listed_not_dropped(write_case):
    """The controllable-link triangle (coal at 225 CNY/MWh serves the 100 MW load) built with
    ``gridplan.build_model``, plus a user rule ``gas_floor`` (gas3 >= 10 MW in each of the 24 hours),
    a user variable ``slack`` (0..5) and a rule ``coal_cap`` on it: gridplan's optimum moves (10 MW of
    gas per hour). The export from those Results lists them, one ``not_mapped`` line per kind
    (25 constraints, 1 variable), and the network is the case without them: PyPSA finds the
    optimum of the case as written (24 × 100 × 225 CNY)."""
    import pyomo.environ as pyo
    path = write_case(_triangle(60, 40, reactance_ohm=None, controllable=True), {"load": [1.0] * 24})
    case = gridplan.load_case(path)
    m = gridplan.build_model(case)
    m.gas_floor = pyo.Constraint(m.snapshot, rule=lambda m, t: m.gen_p["gas3", t] >= 10)
    m.slack = pyo.Var(bounds=(0, 5))
    first = next(iter(m.snapshot))
    m.coal_cap = pyo.Constraint(expr=m.gen_p["coal1", first] - m.slack <= 95)
    res = gridplan.solve(m)
    assert res.objective > 24 * 100 * COAL_FUEL * (1 + 1e-3)
    exported = to_pypsa(res)
    user = [x for x in exported.not_mapped if "user Pyomo" in x]
    assert user == ["25 user Pyomo constraints (gas_floor, coal_cap): not exported; "
                    "the network (and its optimum) is the case without them",
                    "1 user Pyomo variable (slack): not exported; the network (and its optimum) is the case without them"]
    assert exported.network.meta["gridplan_not_mapped"].count("user Pyomo") == 2
    assert pypsa_optimum(exported) == pytest.approx(24 * 100 * COAL_FUEL, rel=REL)
    # a model without user rows has no such line
    plain = gridplan.solve(gridplan.build_model(case))
    assert not [x for x in to_pypsa(plain).not_mapped if "user Pyomo" in x]


def test_money_model_keeps_kcny(write_case):
    """``money="model"``: every cost coefficient is gridplan's model money (kCNY, 1/1000 of the
    default CNY export's), and the network's optimum in gridplan's convention is HiGHS' objective
    of gridplan's own LP (``Results.facts["objective"]``) to 1e-6; a bad value is one error."""
    from gridplan.case.convert import MONEY
    path = write_case(_triangle(60, 40, reactance_ohm=None, controllable=True), {"load": [1.0] * 24})
    res = gridplan.solve(gridplan.load_case(path))
    cny, model = to_pypsa(path), to_pypsa(path, money="model")
    assert model.money == "model" and model.network.meta["gridplan_money"] == "kCNY"
    for attr in ("marginal_cost", "capital_cost"):
        a, b = cny.network.generators[attr].to_numpy(), model.network.generators[attr].to_numpy()
        assert np.abs(a).max() > 0 and b == pytest.approx(a * MONEY, rel=1e-12)
    assert model.objective_constant == pytest.approx(cny.objective_constant * MONEY, rel=1e-12, abs=1e-12)
    assert pypsa_optimum(model) == pytest.approx(res.facts["objective"], rel=REL)
    assert res.facts["objective"] == pytest.approx(res.objective * MONEY, rel=1e-12)
    with pytest.raises(gridplan.GridplanError, match="money="):
        to_pypsa(path, money="usd")


def test_cli_unwritable_output_is_one_line_and_exit_2(tmp_path):
    """NET.nc under a regular file (its folder cannot be made): one ``error:`` line naming the path,
    exit 2, not an internal error."""
    (tmp_path / "plain").write_text("not a folder")
    target = tmp_path / "plain" / "sub" / "gy.nc"
    p = subprocess.run([sys.executable, "-m", "gridplan", "export", str(GUANGYUAN), "--to", "pypsa", str(target),
                        "--resolution", "168"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    lines = [x for x in p.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(target) in lines[0], p.stderr
    assert "internal error" not in p.stderr and "Traceback" not in p.stderr
