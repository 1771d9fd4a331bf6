"""Lines: transport flows, optional DC power flow (KVL), expansion.

For l ∈ L (bus0 → bus1), t ∈ T:

    F_l = existing_l + build_l,   build_l <= max_l - existing_l
    -F_l <= f[l,t] <= F_l                          (line_flow_max / line_flow_min)
    Σ_l C[c,l] · x_l · f[l,t] = 0   ∀ c ∈ cycles   (line_kvl, with power_flow: dc)

    cost = ann_l · length_l · build_l  (+ fixed O&M of existing)

C is the cycle basis of the bus graph (networkx), x the series reactance. With
expansion, reactance is held at its existing value (a linear approximation; a
reinforced corridor in reality lowers x). Injection: -f at bus0, +f at bus1.
"""
from __future__ import annotations

import numpy as np

from ...network import cycle_matrix
from ..linear import LinExpr


def add_lines(ctx) -> None:
    ln = ctx.data.lines
    if ln.empty:
        return
    T = ctx.T
    existing = ln["existing_mw"].to_numpy(float)
    build, total, expandable = ctx.capacity_block(
        "line_build", "line", existing, 0.0, ln["build_max"], ln["ann_cost"], ln["fom_existing"])
    f = ctx.var("line_flow", ("line", "snapshot"), lower=-np.inf)
    ctx.bounded_by_capacity("line_flow_max", "line", f, existing, build, expandable)
    ctx.bounded_by_capacity("line_flow_min", "line", f, existing, build, expandable, -1.0, sense=">=")

    if ctx.case.options.power_flow == "dc":
        C = cycle_matrix(ctx.data)
        if len(C):
            x = ln["reactance"].to_numpy(float)
            K = C * x[None, :]                        # (cycles, lines)
            ci, li = np.nonzero(K)
            # rows (c, t) for every nonzero (c, l) and every t: vectorised outer product
            rows = (ci[:, None] * T + np.arange(T)[None, :]).ravel()
            cols = f.cols[li].ravel()
            vals = np.repeat(K[ci, li], T)
            kvl = LinExpr((len(C), T), rows, cols, vals)
            ctx.con("line_kvl", kvl, "==", 0.0,
                    coords=[[f"cycle{i}" for i in range(len(C))], ctx.coords["snapshot"]])

    bus0 = ctx.bus_pos(ln["bus0"])
    bus1 = ctx.bus_pos(ln["bus1"])
    N = len(ctx.data.buses)
    flow = LinExpr.of(f.cols)
    ctx.inject("lines", flow.group(0, bus1, N) - flow.group(0, bus0, N))
