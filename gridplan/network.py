"""The network graph of a case: buses and lines as a networkx MultiGraph.

Used for three things: islands (connected components; whether each island with
demand can be supplied is :func:`gridplan.case.checks.check_supply`); the cycle
basis for Kirchhoff's voltage law under ``power_flow: dc``; and the bus/line
incidence used by the balance.
"""
from __future__ import annotations

import networkx as nx
import numpy as np


def usable_lines(data):
    """Lines that can carry power: existing rating or room to expand (others are open)."""
    ln = data.lines
    return ln[(ln["existing_mw"] + ln["build_max"]) > 0] if len(ln) else ln


def bus_graph(buses, lines) -> nx.MultiGraph:
    """Buses and ``lines`` given as ``(name, bus0, bus1)``: one edge per line, keyed by its name."""
    g = nx.MultiGraph()
    g.add_nodes_from(buses)
    for name, bus0, bus1 in lines:
        g.add_edge(bus0, bus1, key=name)
    return g


def graph(data) -> nx.MultiGraph:
    """Buses and usable lines of prepared data."""
    return bus_graph(data.buses, ((name, ln["bus0"], ln["bus1"]) for name, ln in usable_lines(data).iterrows()))


def islands_of(g: nx.MultiGraph) -> list[set]:
    """Connected components of a bus graph, largest first."""
    return sorted(nx.connected_components(g), key=len, reverse=True)


def islands(data) -> list[set]:
    """Connected components of the bus graph of prepared data, largest first."""
    return islands_of(graph(data))


def cycle_matrix(data) -> np.ndarray:
    """(cycles × lines) matrix C with ±1 for the orientation of each line in each cycle.

    Cycles come from ``nx.cycle_basis`` of the simple graph plus one 2-cycle per
    extra parallel line (parallel lines also obey KVL between themselves).

    A line that can carry nothing (existing 0 and not expandable) is open: it is
    left out of the graph, else KVL would force equal angles across it (its flow
    is 0, so the rest of any cycle through it would have Σ x f = 0). A controllable
    line (an HVDC link) is left out too: its flow is dispatched, not set by the angles,
    so no cycle runs through it (it still joins islands: :func:`graph`).
    """
    lines = data.lines
    L = len(lines)
    if L == 0:
        return np.zeros((0, 0))
    pos = {name: i for i, name in enumerate(lines.index)}
    simple = nx.Graph()
    simple.add_nodes_from(data.buses)
    first = {}
    rows = []
    usable = usable_lines(data)
    if "controllable" in usable:
        usable = usable[~usable["controllable"].astype(bool)]
    for name, ln in usable.iterrows():
        key = frozenset((ln["bus0"], ln["bus1"]))
        if key in first:  # parallel line: cycle (first, this)
            other = first[key]
            c = np.zeros(L)
            c[pos[other]] = 1.0
            same = lines.loc[other, "bus0"] == ln["bus0"]
            c[pos[name]] = -1.0 if same else 1.0
            rows.append(c)
            continue
        first[key] = name
        simple.add_edge(ln["bus0"], ln["bus1"], name=name)
    for cyc in nx.cycle_basis(simple):
        c = np.zeros(L)
        for a, b in zip(cyc, cyc[1:] + cyc[:1]):
            name = simple.edges[a, b]["name"]
            c[pos[name]] = 1.0 if lines.loc[name, "bus0"] == a else -1.0
        rows.append(c)
    return np.array(rows).reshape(len(rows), L)
