"""Lines: transport flows, optional DC power flow (KVL), expansion.

For l ∈ L (bus0 → bus1), t ∈ T:

    F_l = existing_l + build_l,   build_l <= max_l - existing_l
    -F_l <= f[l,t] <= F_l                          (line_flow_max / line_flow_min)
    Σ_l C[c,l] · x_l · f[l,t] = 0   ∀ c ∈ cycles   (line_kvl, with power_flow: dc)

    cost = ann_l · length_l · build_l  (+ fixed O&M of existing)

C is the cycle basis of the bus graph (networkx) without the ``controllable`` lines (HVDC
links: their flow is dispatched within the rating, so no cycle runs through them and they
need no reactance), x the series reactance. With
expansion, reactance is held at its existing value (a linear approximation; a
reinforced corridor in reality lowers x). Injection: -f at bus0, +f at bus1
(lossless: the flow the balance sees at either end is f).

Firm capacity through lines: each line registers, at each of its ends b (other end b'),

    firm_capacity[l@b] = firm_pu_l · F_l                    with peer b'

and a target's scope counts it only when b' is outside the scope: a line with exactly
one end in the scope's buses adds its secure rating (firm_pu: the security-margin
factor), an internal line adds nothing, so a case-wide firm target counts no line.

Net purchases over lines (per-city accounting, :mod:`gridplan.case.targets`): for every
bus n in P — an own ``energy_accounting`` with ``grid_non_fossil_fraction`` and at least
one line — and every t:

    gi[n,t] − ge[n,t] = Σ_l f[l,t]·(1[bus1_l = n] − 1[bus0_l = n])      (grid_purchases)
    gi, ge >= 0
    grid_import[n] = Σ_t w_t gi[n,t],  grid_export[n] = Σ_t w_t ge[n,t]  (MWh, registered)
    grid_co2[n]    = grid_co2_t_per_mwh_n · grid_import[n]              (t, registered)

No cost. Only per-city measures read them: NF += φ·grid_import − grid_export, primary
electricity += grid_import − grid_export, CO2 += grid_co2. Raising gi and ge together by
δ leaves primary electricity unchanged, lowers NF by (1 − φ)·δ and raises CO2 by c·δ:
never better for any target, strictly worse where a share or CO2 row binds with φ < 1 or
c > 0. Where it is indifferent (φ = 1, c = 0, or no binding row) a solution hook nets
them (gi, ge −= min(gi, ge)), which keeps the row, lowers no floor's and raises no cap's
measure, and changes no cost: the reported optimum has gi·ge = 0 everywhere.

Averaging bound (``--certify``): flow limits, KVL and the net-purchase split are linear with constant
coefficients (ratings, reactances), so they hold for block means; the annual purchases are weighted sums.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...case.targets import purchase_buses
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
    inflow = flow.group(0, bus1, N) - flow.group(0, bus0, N)
    ctx.inject("lines", inflow)

    firm = ln["firm_pu"].to_numpy(float)
    for end, other in (("bus0", "bus1"), ("bus1", "bus0")):
        ctx.contribute("firm_capacity", "line", ln.index + "@" + ln[end].astype(str), ln[end].to_numpy(),
                       total * firm, None, peer=ln[other].to_numpy())
    _grid_purchases(ctx, inflow)


def _grid_purchases(ctx, inflow: LinExpr) -> None:
    """gi − ge = line inflow at the buses that keep their own accounts of grid purchases."""
    d = ctx.data
    buying = purchase_buses(ctx.case)
    P = [n for n in d.buses if n in buying]
    if not P:
        return
    ctx.coords["grid_bus"] = pd.Index(P, name="bus")
    where = np.full(len(d.buses), -1)
    where[ctx.bus_pos(P)] = np.arange(len(P))
    gi = ctx.var("grid_import", ("grid_bus", "snapshot"))
    ge = ctx.var("grid_export", ("grid_bus", "snapshot"))
    lhs = LinExpr.of(gi.cols) - LinExpr.of(ge.cols) - inflow.group(0, where, len(P))
    ctx.con("grid_purchases", lhs, "==", 0.0, dims=("grid_bus", "snapshot"))
    w = ctx.w[None, :]
    imp = LinExpr.of(gi.cols, w).sum(axis=1)
    exp = LinExpr.of(ge.cols, w).sum(axis=1)
    own = {b.name: b.energy_accounting for b in ctx.case.buses}
    co2 = np.array([own[n].grid_co2_t_per_mwh or 0.0 for n in P])
    ctx.contribute_per(imp, "grid_purchases", P, P, grid_import=1.0, grid_co2=co2)
    ctx.contribute("grid_export", "grid_purchases", P, P, exp)

    def net(ctx, x):   # gi, ge −= min(gi, ge): an equivalent optimum (see the module docstring)
        both = np.minimum(x[gi.cols], x[ge.cols])
        x[gi.cols] -= both
        x[ge.cols] -= both
    ctx.solution_hooks.append(net)
