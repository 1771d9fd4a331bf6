"""One colour per technology in every plot (issue #19): the table, the fallback, the figures.

The plot functions return their ``Figure`` (and write a PNG only when given a path); the tests
read the colours back from the matplotlib artists of the figures they return:
the bars of ``capacity_by_bus`` (labelled "<technology> (existing|built)"), the stacked areas of
``dispatch_week`` (labelled by technology) and the legend patches of the comparison's
``capacity_mix``. Two shipped cases (Leshan and Guangyuan 2030, 4 typical days) share hydro,
wind, solar and gas at different positions in their plots.
"""
from __future__ import annotations

import subprocess
import sys
from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure

import gridplan
from gridplan import plots
from gridplan.plots import TECHNOLOGY_COLOURS, colour_of
from gridplan.results import CAPACITY_COMPONENTS

from conftest import two_buses

ROOT = Path(__file__).resolve().parents[1]
TECHNOLOGIES = sorted(set(pd.read_csv(ROOT / "data" / "technologies.csv")["technology"]))
SERIES = ("shed", "import", "export", "charge", "discharge", "demand_response", "electrification", "curtailment")


def hex_of(colour) -> str:
    """``#rrggbb`` of a matplotlib colour, alpha dropped (stackplots draw at alpha 0.9)."""
    return to_hex(to_rgb(colour))


def figure_of(plot, *args):
    """The Figure ``plot(*args)`` returns (no path: nothing is written)."""
    fig = plot(*args)
    assert isinstance(fig, Figure)
    return fig


def capacity_by_bus_colours(fig) -> dict:
    out = {}
    for bars in fig.axes[0].containers:
        label = bars.get_label()
        if label and not label.startswith("_") and len(bars.patches):
            tech = label.rsplit(" (", 1)[0]
            out.setdefault(tech, set()).update(hex_of(p.get_facecolor()) for p in bars.patches)
    return out


def dispatch_colours(fig) -> dict:
    out = {}
    for area in fig.axes[0].collections:
        label = area.get_label()
        if label and not label.startswith("_"):
            out.setdefault(label, set()).update(hex_of(c) for c in area.get_facecolors())
    return out


def legend_colours(fig) -> dict:
    legend = fig.axes[0].get_legend()
    handles = getattr(legend, "legend_handles", None) or legend.legendHandles
    return {t.get_text(): {hex_of(h.get_facecolor())} for t, h in zip(legend.get_texts(), handles)}


@pytest.fixture(scope="module")
def solved():
    return {name: gridplan.solve(gridplan.load_case(ROOT / "cases" / f"{name}.yaml"), typical_days=4)
            for name in ("leshan_2030", "guangyuan_2030")}


@pytest.fixture(scope="module")
def figures(solved):
    """technology → set of colours, per plot of per case."""
    out = {}
    for name, res in solved.items():
        out[f"{name} capacity_by_bus"] = capacity_by_bus_colours(figure_of(plots.capacity_by_bus, res))
        out[f"{name} dispatch_week"] = dispatch_colours(figure_of(plots.dispatch_week, res))
    caps = pd.concat([r.capacities.assign(case=n) for n, r in solved.items()], ignore_index=True)
    table = pd.DataFrame({"case": list(solved), "ok": [True] * len(solved)})
    mix = legend_colours(figure_of(plots.capacity_mix, caps, table))
    out["comparison capacity_mix"] = {t: c for t, c in mix.items() if t in set(caps["technology"])}
    return out


def test_every_technology_has_a_table_colour():
    missing = [t for t in TECHNOLOGIES if t not in TECHNOLOGY_COLOURS]
    assert not missing
    assert all(s in TECHNOLOGY_COLOURS for s in SERIES)
    for t in (*TECHNOLOGIES, *SERIES):
        assert colour_of(t) == TECHNOLOGY_COLOURS[t]
    assert colour_of("shedding") == colour_of("unserved") == colour_of("shed")
    assert colour_of("imports") == colour_of("import") and colour_of("exports") == colour_of("export")


def test_table_colours_are_distinct():
    colours = {t: to_rgb(c) for t, c in TECHNOLOGY_COLOURS.items()}
    assert len({hex_of(c) for c in colours.values()}) == len(colours)
    # not just different strings: no two closer than a tenth of the RGB cube's edge
    for (a, ca), (b, cb) in combinations(colours.items(), 2):
        assert sum((x - y) ** 2 for x, y in zip(ca, cb)) ** 0.5 > 0.1, (a, b)


def test_planner_families():
    """Hydro blue, wind teal, solar yellow/orange, batteries purple: the hue each reads as."""
    import colorsys

    def hue(t):
        return colorsys.rgb_to_hls(*to_rgb(colour_of(t)))[0] * 360
    assert all(190 <= hue(t) <= 225 for t in ("hydro_reservoir", "hydro_ror", "hydro_small", "pumped_hydro"))
    assert 160 <= hue("onshore_wind") <= 180
    assert all(25 <= hue(t) <= 55 for t in ("solar_utility", "solar_distributed"))
    assert all(260 <= hue(t) <= 290 for t in ("battery_li", "flow_battery_v", "flow_battery_znbr"))
    assert max(to_rgb(colour_of("coal_subcritical"))) < 0.15


def test_same_technology_same_colour_across_plots_and_cases(figures):
    seen = {}
    for plot, colours in figures.items():
        assert colours, plot
        for tech, cs in colours.items():
            assert cs == {colour_of(tech)}, (plot, tech, cs)
            seen.setdefault(tech, set()).add(plot)
    shared = {t for t, where in seen.items() if len({w.split()[0] for w in where}) > 1}
    # the two cases share these technologies; each is drawn in both cases' plots and the comparison
    assert {"hydro_ror", "onshore_wind", "solar_utility", "gas_ccgt"} <= shared
    assert seen["hydro_reservoir"] >= {"guangyuan_2030 capacity_by_bus", "comparison capacity_mix"}
    # the non-technology series of the dispatch take the table's colours too
    assert figures["leshan_2030 dispatch_week"]["import"] == {TECHNOLOGY_COLOURS["import"]}


def test_unknown_name_gets_the_same_colour_every_time(write_case):
    a, b = colour_of("nuclear_hpr1000"), colour_of("nuclear_hpr1000")
    assert a == b and a.startswith("#") and len(a) == 7
    assert a not in TECHNOLOGY_COLOURS.values()
    assert colour_of("offshore_wind") != colour_of("nuclear_hpr1000")
    # from the name, not Python's salted hash(): another process (another hash seed) agrees
    code = "from gridplan.plots import colour_of; print(colour_of('nuclear_hpr1000'))"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "12345", "PATH": ""}, cwd=ROOT).stdout.strip()
    assert other == a
    # ... and not from its position in a plot: the test catalogue's "coal" and "gas" are not in
    # the table, and a case with both draws each in its own name's colour
    res = gridplan.solve(write_case(two_buses(), {"load": [1.0] * 24}))
    got = capacity_by_bus_colours(figure_of(plots.capacity_by_bus, res))
    techs = set(res.capacities[res.capacities["component"].isin(CAPACITY_COMPONENTS)]["technology"])
    assert techs == {"coal", "gas"} and "coal" not in TECHNOLOGY_COLOURS
    assert got == {"coal": {colour_of("coal")}, "gas": {colour_of("gas")}}
