"""Generators: variable renewables and dispatchable plants.

Investment and operation, for g ∈ G, t ∈ T (w_t hours per snapshot):

    P_g = existing_g + build_g,     build_min_g <= build_g <= build_max_g        [MW]
    0 <= p[g,t] <= a[g,t] · P_g                  (gen_availability)            [MW]
    p[g,t] >= min(must_run_g, a[g,t]) · P_g      (gen_must_run, where given)
    |p[g,t] - p[g,t-1]| <= ramp_g · Δ_t · P_g    (gen_ramp_up/down; Δ_t real hours of snapshot t)

    cost = ann_g · build_g + fom_g · existing_g
         + Σ_t w_t (vom_g + fuel_g + co2_price · e_g) p[g,t]

The must-run floor never exceeds the availability (a run-of-river plant with
must_run 1 takes all it is given, and is not made infeasible at low water).
Curtailment a·P - p is reported, not modelled. Registers injection p at the
generator's bus and an asset (capacity P_g, annual energy Σ w p).
"""
from __future__ import annotations

import numpy as np

from ...case.prepare import MONEY
from ..context import Asset
from ..linear import LinExpr


def add_generators(ctx) -> None:
    d = ctx.data
    g = d.gens
    if g.empty:
        return
    T, w = ctx.T, ctx.w
    build, total, expandable = ctx.capacity_block(
        "gen_build", "generator", g["existing_mw"], g["build_min"], g["build_max"],
        g["ann_cost"], g["fom_existing"])
    p = ctx.var("gen_p", ("generator", "snapshot"))
    ctx.bounded_by_capacity("gen_availability", "generator", p, g["existing_mw"], build, expandable, d.avail)

    mr = g["must_run"].to_numpy(float)
    if (mr > 0).any():
        floor = np.minimum(mr[:, None], d.avail)          # per unit of capacity, never above availability
        ctx.bounded_by_capacity("gen_must_run", "generator", p, g["existing_mw"], build, expandable,
                                floor, sense=">=", only=mr > 0)

    ramp = g["ramp"].to_numpy(float)
    has_ramp = np.isfinite(ramp)
    if has_ramp.any():
        idx = np.flatnonzero(has_ramp)
        step = LinExpr.of(p.cols[idx]) - LinExpr.of(p.cols[idx][:, d.prev])
        # a ramp is per real hour between consecutive snapshots: the snapshot's
        # duration, not its weight (with typical days a weight counts many days)
        lim = ramp[idx, None] * d.duration[None, :]
        cap = LinExpr.of(np.repeat(build.cols[idx, None], T, 1), lim)
        exist = lim * g["existing_mw"].to_numpy(float)[idx, None]
        coords = [g.index[idx], ctx.coords["snapshot"]]
        ctx.con("gen_ramp_up", step - cap, "<=", exist, coords=coords)
        ctx.con("gen_ramp_down", step + cap, ">=", -exist, coords=coords)

    co2 = g["co2_t_per_mwh"].to_numpy(float)
    co2_price = ctx.case.options.co2_price_cny_per_t * MONEY
    ctx.cost("gen_fuel", p.cols, g["fuel_cost"].to_numpy(float)[:, None] * w[None, :])
    ctx.cost("gen_vom", p.cols, g["vom"].to_numpy(float)[:, None] * w[None, :])
    if co2_price:
        ctx.cost("gen_co2", p.cols, co2_price * co2[:, None] * w[None, :])

    ctx.inject("generators", ctx.to_buses(LinExpr.of(p.cols), g["bus"]))
    ctx.asset(Asset(
        family="generator", names=g.index, technology=g["technology"].to_numpy(), bus=g["bus"].to_numpy(),
        capacity=total, energy=LinExpr.of(p.cols, w[None, :]).sum(axis=1),
        credit=g["capacity_credit"].to_numpy(float), non_fossil=g["non_fossil"].to_numpy(float),
        co2=co2, fuel_tce=g["fuel_tce_per_mwh"].to_numpy(float)))
