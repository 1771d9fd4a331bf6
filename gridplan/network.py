"""The network graph of a case: buses and lines as a networkx MultiGraph.

Used for three things: islands (connected components) and whether each island
that has demand can be supplied; the cycle basis for Kirchhoff's voltage law
under ``power_flow: dc``; and the bus/line incidence used by the balance.
"""
from __future__ import annotations

import networkx as nx
import numpy as np

from .errors import CaseError


def usable_lines(data):
    """Lines that can carry power: existing rating or room to expand (others are open)."""
    ln = data.lines
    return ln[(ln["existing_mw"] + ln["build_max"]) > 0] if len(ln) else ln


def graph(data) -> nx.MultiGraph:
    """Buses and usable lines (one edge per line, keyed by its name)."""
    g = nx.MultiGraph()
    g.add_nodes_from(data.buses)
    for name, ln in usable_lines(data).iterrows():
        g.add_edge(ln["bus0"], ln["bus1"], key=name)
    return g


def islands(data) -> list[set]:
    """Connected components of the bus graph, largest first."""
    return sorted(nx.connected_components(graph(data)), key=len, reverse=True)


def check_supply(data) -> None:
    """Every island with demand must have somewhere for supply to come from.

    A line counts even at zero existing rating when it is expandable. Without
    this check such a case would "solve" by shedding all its load at VoLL.
    A source is a generator or reservoir that has or may build capacity, or an
    exchange that can import; storage is not a source (over a cycle it only
    returns, less losses, what it was given).
    """
    def sources(frame, cap_cols):
        if frame.empty:
            return set()
        cap = sum(frame[c].to_numpy(float) for c in cap_cols)
        return set(frame["bus"][cap > 0])

    supply_buses = sources(data.gens, ("existing_mw", "build_max")) \
        | sources(data.reservoirs, ("existing_mw", "build_max")) \
        | sources(data.exchanges, ("max_import",))
    for comp in islands(data):
        idx = [data.buses.get_loc(b) for b in comp]
        if data.peak[idx].sum() > 0 and not (comp & supply_buses):
            raise CaseError(data.case._path or "<case>", "buses", sorted(comp),
                            "every bus with demand to be reachable from a generator, reservoir "
                            "or importing exchange with capacity (this island has none)")


def cycle_matrix(data) -> np.ndarray:
    """(cycles × lines) matrix C with ±1 for the orientation of each line in each cycle.

    Cycles come from ``nx.cycle_basis`` of the simple graph plus one 2-cycle per
    extra parallel line (parallel lines also obey KVL between themselves).

    A line that can carry nothing (existing 0 and not expandable) is open: it is
    left out of the graph, else KVL would force equal angles across it (its flow
    is 0, so the rest of any cycle through it would have Σ x f = 0).
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
    for name, ln in usable_lines(data).iterrows():
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
