"""Reservoir hydro: inflow, level, spill, turbine capacity, minimum release.

For r ∈ R, t ∈ T (energy in MWh at the turbine):

    P_r = existing_r + build_r
    0 <= p[r,t] <= P_r                                   (reservoir_turbine_limit)
    0 <= v[r,t] <= V_r                                   (column bound: volume is fixed)
    v[r,t] = v[r,t-1] + Δ_t (inflow[r,t] - p[r,t] - spill[r,t])   (reservoir_level, cyclic)
    p[r,t] + spill[r,t] >= min_release_r · inflow[r,t]   (reservoir_min_release, where > 0)

Cyclic over the year, so annual output <= annual inflow: a reservoir cannot
create energy. A plant is flagged *seasonal* (季以上调节能力) when its volume
holds a season of mean inflow (or as the case says); the flag feeds the
``seasonal_hydro`` target. Registers injection p and contributes capacity, firm capacity
(c·P), seasonal capacity (flagged plants), generation, non-fossil energy and primary
electricity (× the non-fossil fraction).

Averaging bound (``--certify``, :mod:`gridplan.case.relaxation`). Without a loss the level
equation telescopes: summed over a block of Δ_b hours, ``v_b = v_{b-1} + Δ_b(īnflow − p̄ − s̄pill)``
exactly, the block-end levels are hourly levels (within [0, V]), and the turbine limit and minimum
release are linear with constant coefficients (their block means are the averaged rows): the block
means of any hourly solution are feasible, at the same cost (weighted sums).
"""
from __future__ import annotations

import numpy as np

from ..linear import LinExpr
from .state import add_state_balance


def add_reservoirs(ctx) -> None:
    r = ctx.data.reservoirs
    if r.empty:
        return
    n, T, w = len(r), ctx.T, ctx.w
    inflow = ctx.data.inflow
    build, total, expandable = ctx.capacity_block(
        "reservoir_build", "reservoir", r["existing_mw"], r["build_min"], r["build_max"],
        r["ann_cost"], r["fom_existing"])
    p = ctx.var("reservoir_p", ("reservoir", "snapshot"))
    spill = ctx.var("reservoir_spill", ("reservoir", "snapshot"))
    level = ctx.var("reservoir_level", ("reservoir", "snapshot"),
                    upper=np.repeat(r["reservoir_mwh"].to_numpy(float)[:, None], T, 1))
    ctx.bounded_by_capacity("reservoir_turbine_limit", "reservoir", p, r["existing_mw"], build, expandable)
    dt = ctx.data.duration[None, :]          # real hours per snapshot (see storage.py)
    delta = (LinExpr.of(p.cols, -dt) - LinExpr.of(spill.cols, dt)) + inflow * dt
    add_state_balance(ctx, "reservoir_level", "reservoir", level, delta, np.ones((n, T)))
    mr = r["min_release"].to_numpy(float)
    if (mr > 0).any():
        idx = np.flatnonzero(mr > 0)
        lhs = LinExpr.of(p.cols[idx]) + LinExpr.of(spill.cols[idx])
        ctx.con("reservoir_min_release", lhs, ">=", mr[idx, None] * inflow[idx],
                coords=[r.index[idx], ctx.coords["snapshot"]])
    ctx.cost("reservoir_vom", p.cols, r["vom"].to_numpy(float)[:, None] * w[None, :])
    ctx.inject("reservoirs", ctx.to_buses(LinExpr.of(p.cols), r["bus"]))
    where = dict(family="reservoir", names=r.index, bus=r["bus"].to_numpy(), technology=r["technology"].to_numpy())
    nf = r["non_fossil"].to_numpy(float)
    ctx.contribute_per(total, **where, capacity=1.0, firm_capacity=r["capacity_credit"].to_numpy(float))
    seasonal = r["seasonal"].to_numpy(bool)
    ctx.contribute("seasonal_capacity", "reservoir", r.index[seasonal], r["bus"].to_numpy()[seasonal],
                   total.select(seasonal), r["technology"].to_numpy()[seasonal])
    ctx.contribute_per(LinExpr.of(p.cols, w[None, :]).sum(axis=1), **where, generation=1.0,
                       non_fossil_energy=nf, primary_electricity=nf)
