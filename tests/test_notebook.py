"""The example notebook runs top to bottom, and what it shows agrees with a separate solve.

``examples/sichuan_2030.ipynb`` is executed (a copy, in memory) with nbclient on the
``python3`` kernel, from the notebook's own folder so that its ``../cases`` paths resolve.
A probe cell run afterwards in the same kernel reads back what the notebook drew (bar
heights of the mix, the map's markers and labels, the comparison's costs); the test then
solves the same cases itself and checks the figures and the printed dual against those
solves. :func:`gridplan.plots.network_map` also gets a hand-checked two-bus case.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (pip install '.[test]')")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (pip install '.[test]')")
pytest.importorskip("ipykernel", reason="ipykernel is not installed (pip install '.[test]')")

import gridplan  # noqa: E402
from gridplan.plots import network_map  # noqa: E402

from conftest import two_buses  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "sichuan_2030.ipynb"
TYPICAL_DAYS = 4          # what the notebook solves at (its TYPICAL_DAYS; the probe reads it back)
PLANTS = ("generator", "reservoir", "storage")   # MW of installed capacity: what the mix stacks

# Runs in the notebook's kernel after its last cell; prints one JSON line.
PROBE = r'''
import json as _json
_ax = fig_mix.axes[0]
_names = [t.get_text() for t in _ax.get_xticklabels()]
_mix = {n: 0.0 for n in _names}
for _p in _ax.patches:
    _mix[_names[int(round(_p.get_x() + _p.get_width() / 2))]] += _p.get_height()
_map_ax = fig_map.axes[0]
_buses = [c for c in _map_ax.collections if c.get_gid() == "buses"][0]
print(_json.dumps({
    "typical_days": TYPICAL_DAYS,
    "mix_gw": _mix,
    "bus_xy": _buses.get_offsets().tolist(),
    "bus_sizes": _buses.get_sizes().tolist(),
    "map_texts": [t.get_text() for t in _map_ax.texts],
    "compare_cost": dict(zip(cmp.table["case"], cmp.table["total_cost_cny"].astype(float))),
}))
'''


def test_stored_notebook_has_no_outputs():
    """The repository keeps the notebook stripped: no outputs, no execution counts."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) >= 8
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert nb.metadata.kernelspec.name == "python3"


@pytest.fixture(scope="module")
def executed():
    """The notebook's cells (with outputs) and what the probe read from its kernel."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=240, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            client.execute_cell(cell, i)       # raises CellExecutionError on the first failing cell
        probe = nbformat.v4.new_code_cell(PROBE)
        nb.cells.append(probe)
        client.execute_cell(probe, len(nb.cells) - 1)
    lines = [o["text"] for o in probe.outputs if o.get("output_type") == "stream" and o.get("name") == "stdout"]
    return nb, json.loads("".join(lines).strip().splitlines()[-1])


@pytest.fixture(scope="module")
def five_city():
    """The notebook's solve, repeated here."""
    return gridplan.solve(gridplan.load_case(ROOT / "cases" / "sichuan5_2030.yaml"), typical_days=TYPICAL_DAYS)


def _stdout(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                   if o.get("output_type") == "stream")


@pytest.mark.slow
def test_notebook_runs_without_errors(executed):
    nb, probe = executed
    assert probe["typical_days"] == TYPICAL_DAYS
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    assert not [o for c in code for o in c.outputs if o.get("output_type") == "error"]
    images = sum("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    assert images >= 3          # the mix, the map, the comparison


@pytest.mark.slow
def test_plotted_mix_is_the_capacities(executed, five_city):
    """Stacked bars per bus add up to that bus's installed capacity (GW) in a separate solve."""
    _, probe = executed
    c = five_city.capacities
    per_bus = c[c["component"].isin(PLANTS)].groupby("bus")["total"].sum() / 1e3
    per_bus = per_bus[per_bus > 0]
    assert set(probe["mix_gw"]) == set(per_bus.index)
    for bus, gw in per_bus.items():
        assert probe["mix_gw"][bus] == pytest.approx(gw, rel=1e-6), bus


@pytest.mark.slow
def test_printed_dual_is_the_targets_dual(executed, five_city):
    nb, _ = executed
    m = re.search(r"dual of (\S+): (-?[\d.]+(?:e[-+]?\d+)?) (\S+)", _stdout(nb))
    assert m, "the notebook prints no dual"
    tid, value, unit = m.group(1), float(m.group(2)), m.group(3)
    row = five_city.targets.set_index("id").loc[tid]
    assert bool(row["binding"]) and row["dual"] > 1.0     # a target that costs something: a real check
    assert value == pytest.approx(row["dual"], rel=1e-5)
    assert unit == row["dual_unit"]


@pytest.mark.slow
def test_map_shows_buses_where_the_case_puts_them(executed, five_city):
    """Markers at the YAML's lon/lat (read here with yaml, not gridplan), bigger for more capacity;
    every line labelled with its rating after expansion from the separate solve."""
    _, probe = executed
    raw = yaml.safe_load((ROOT / "cases" / "sichuan5_2030.yaml").read_text(encoding="utf-8"))
    names = [b["name"] for b in raw["buses"]]
    xy = dict(zip(names, map(tuple, probe["bus_xy"])))
    assert len(xy) == len(names)
    for b in raw["buses"]:
        if "lat" in b:
            assert xy[b["name"]] == pytest.approx((b["lon"], b["lat"]))
    c = five_city.capacities
    mw = c[c["component"].isin(PLANTS)].groupby("bus")["total"].sum().reindex(names).fillna(0.0)
    sizes = dict(zip(names, probe["bus_sizes"]))
    order = sorted(names, key=lambda n: mw[n])
    assert [sizes[n] for n in order] == sorted(sizes.values())
    lines = c[c["component"] == "line"].set_index("name")
    texts = probe["map_texts"]
    for name, row in lines.iterrows():
        label = [t for t in texts if t.startswith(name + "\n")]
        assert len(label) == 1, name
        assert f"{row['total'] / 1e3:.1f} GW" in label[0]
        assert ("built" in label[0]) == (row["built"] > 0.5)


@pytest.mark.slow
def test_compared_costs_are_the_cities_own_solves(executed):
    _, probe = executed
    for city in ("guangyuan_2030", "panzhihua_2030"):
        res = gridplan.solve(gridplan.load_case(ROOT / "cases" / f"{city}.yaml"), typical_days=TYPICAL_DAYS)
        assert probe["compare_cost"][city] == pytest.approx(res.objective, rel=1e-6)


# --------------------------------------------------------------------------- network_map, by hand


def test_network_map_two_buses(write_case):
    """Two buses, line AB rated 50 MW carrying 50 MW from A (coal) to B (gas) all 24 hours
    (tests/test_engine.py derives it): label 50 MW and 1.2 GWh, arrow pointing at B; equal
    markers (200 MW each) at the given coordinates; colours = the two prices."""
    case = two_buses()
    case["buses"][0].update(lat=30.0, lon=104.0)
    case["buses"][1].update(lat=31.0, lon=105.0)
    res = gridplan.solve(write_case(case, {"load": [1.0] * 24}))
    fig = network_map(res)
    ax = fig.axes[0]
    buses = [c for c in ax.collections if c.get_gid() == "buses"][0]
    assert buses.get_offsets().tolist() == [[104.0, 30.0], [105.0, 31.0]]
    assert buses.get_sizes()[0] == buses.get_sizes()[1]
    assert list(buses.get_array()) == pytest.approx([res.prices["A"].mean(), res.prices["B"].mean()])
    label = [t.get_text() for t in ax.texts if t.get_text().startswith("AB\n")]
    assert label == ["AB\n50 MW · 1.2 GWh/yr"]   # 24 h × 50 MW
    arrows = [t for t in ax.texts if t.get_text() == "" and getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == 1
    head, tail = np.array(arrows[0].xy), np.array(arrows[0].xyann)
    assert np.linalg.norm(head - (105, 31)) < np.linalg.norm(tail - (105, 31))   # towards B
    assert ax.get_xlabel() == "longitude (°E)"


def test_network_map_bus_without_coordinates(write_case):
    """A bus with no lat/lon is placed west of the located ones and says so; into given axes."""
    from matplotlib.figure import Figure
    case = two_buses()
    case["buses"][0].update(lat=30.0, lon=104.0)
    res = gridplan.solve(write_case(case, {"load": [1.0] * 24}))
    fig = Figure()
    ax = fig.add_subplot(1, 1, 1)
    assert network_map(res, ax=ax) is fig
    buses = [c for c in ax.collections if c.get_gid() == "buses"][0]
    (xa, ya), (xb, yb) = buses.get_offsets().tolist()
    assert (xa, ya) == (104.0, 30.0) and xb < xa
    assert any(t.get_text().startswith("B\n") and "schematically" in t.get_text() for t in ax.texts)
