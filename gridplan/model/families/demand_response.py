"""Demand response: contracted curtailable/shiftable load (需求侧响应能力).

For d ∈ D, t ∈ T:

    D_d = existing_d + build_d                         [MW of capability]
    0 <= dr[d,t] <= D_d                                (dr_limit)
    Σ_{d at n} dr[d,t] <= demand[n,t]                  (column bound; dr_demand row
                                                        where a bus has several units)
    Σ_t w_t dr[d,t] <= max_hours_d · D_d               (dr_energy, where finite)

    cost = cost_per_MW_yr · build_d (+ existing) + Σ_t w_t activation_d · dr[d,t]

Activation reduces the bus's demand (injection +dr); it can never curtail more
than the load there, or it would act as a generator exporting to other buses.
Contributes the capability D_d to the quantities ``dr_capability`` and
``firm_capacity`` (read by the ``demand_response`` and ``firm_capacity`` targets).

Averaging bound (``--certify``): ``dr <= D``, ``dr <= demand`` and the annual hours are linear with
coefficients constant over a block (the demand's block mean is the averaged row's bound), so the
block means of hourly activations satisfy the averaged rows at the same cost.
"""
from __future__ import annotations

import numpy as np

from ..linear import LinExpr


def add_demand_response(ctx) -> None:
    d = ctx.data.dr
    if d.empty:
        return
    w = ctx.w
    build, total, expandable = ctx.capacity_block(
        "dr_build", "demand_response", d["existing_mw"], 0.0, d["build_max"], d["ann_cost"], d["fom_existing"])
    pos = ctx.bus_pos(d["bus"])
    load = ctx.data.demand[pos]                                   # (D, T) MW at each unit's bus
    dr = ctx.var("dr_p", ("demand_response", "snapshot"), upper=load)
    ctx.bounded_by_capacity("dr_limit", "demand_response", dr, d["existing_mw"], build, expandable)
    shared = np.bincount(pos, minlength=len(ctx.data.buses)) > 1
    if shared.any():  # several units at one bus: their sum is bounded by the load too
        slot = np.where(shared, np.cumsum(shared) - 1, -1)[pos]
        lhs = LinExpr.of(dr.cols).group(0, slot, int(shared.sum()))
        ctx.con("dr_demand", lhs, "<=", ctx.data.demand[shared],
                coords=[ctx.data.buses[shared], ctx.coords["snapshot"]])
    hours = d["max_hours"].to_numpy(float)
    sel = np.isfinite(hours)
    if sel.any():
        lhs = (LinExpr.of(dr.cols, w[None, :]).sum(axis=1) - total * np.where(sel, hours, 0)).select(sel)
        ctx.con("dr_energy", lhs, "<=", 0.0, coords=[d.index[sel]])
    ctx.cost("dr_activation", dr.cols, d["activation"].to_numpy(float)[:, None] * w[None, :])
    ctx.inject("demand_response", ctx.to_buses(LinExpr.of(dr.cols), d["bus"]))
    where = dict(family="demand_response", names=d.index, bus=d["bus"].to_numpy(), technology="demand_response")
    ctx.contribute_per(total, **where, dr_capability=1.0, firm_capacity=1.0)
