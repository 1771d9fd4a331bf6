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
generator's bus, and contributes per unit: capacity P_g and firm capacity c_g·P_g;
per MWh generated (E_g = Σ w p): generation, non-fossil energy and primary electricity
(× the non-fossil fraction), CO2 (× e_g) and fuel (× tce per MWh).

Pooled availability (an exact reduction the solver's presolve cannot find).
Generators at one bus that no constraint or cost tells apart in operation —
same cost per MWh, the same contribution per MWh to every quantity
(:func:`per_mwh_generated`: non-fossil, CO2, fuel...) and membership of every
group a ``generation`` target counts, no must-run, no ramp — form a *pool* k,
and their availability rows are summed into one row per snapshot:

    Σ_{g∈k} p[g,t] <= Σ_{g∈k} a[g,t] · P_g       (gen_pool_availability)

This is a relaxation of the per-generator rows with the same optimum: from any
solution, ``p'[g,t] = q_t · a[g,t]·P_g / Σ_k a·P`` (q_t = Σ_k p[g,t]) meets
every per-generator row, and nothing else in the model (balance, costs,
targets) sees anything but q_t. The pool's columns are then identical, so HiGHS
presolve merges them; the LP loses one row and one column per pooled generator
and snapshot (five-city case: 19 wind/solar/run-of-river units → 5 pools).
A solution hook applies that split before anything reads the solution,
so results, targets and plots see per-generator dispatch within its availability.
Pooling is off for :func:`gridplan.build_model` (``pool=False``), where a user's
own Pyomo constraint may address a single ``gen_p[g, t]``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..linear import LinExpr
from ..pooling import pool_labels, share_among


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
    pool = generator_pools(ctx) if ctx.pool else np.full(len(g), -1)
    alone = pool < 0
    ctx.bounded_by_capacity("gen_availability", "generator", p, g["existing_mw"], build, expandable, d.avail,
                            only=alone)
    if not alone.all():
        _add_pool_rows(ctx, p, build, expandable, pool)

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

    co2_cost = g["co2_cost"].to_numpy(float)      # CO2 price × t/MWh, converted in prepare
    ctx.cost("gen_fuel", p.cols, g["fuel_cost"].to_numpy(float)[:, None] * w[None, :])
    ctx.cost("gen_vom", p.cols, g["vom"].to_numpy(float)[:, None] * w[None, :])
    if co2_cost.any():
        ctx.cost("gen_co2", p.cols, co2_cost[:, None] * w[None, :])

    ctx.inject("generators", ctx.to_buses(LinExpr.of(p.cols), g["bus"]))
    where = dict(family="generator", names=g.index, bus=g["bus"].to_numpy(), technology=g["technology"].to_numpy())
    ctx.contribute_per(total, **where, capacity=1.0, firm_capacity=g["capacity_credit"].to_numpy(float))
    ctx.contribute_per(LinExpr.of(p.cols, w[None, :]).sum(axis=1), **where, **per_mwh_generated(g))


def per_mwh_generated(g: pd.DataFrame) -> dict:
    """What each MWh a generator produces adds to the quantities (contributions and pool key alike)."""
    nf = g["non_fossil"].to_numpy(float)
    return dict(generation=np.ones(len(g)), non_fossil_energy=nf, primary_electricity=nf,
                co2=g["co2_t_per_mwh"].to_numpy(float), fuel=g["fuel_tce_per_mwh"].to_numpy(float))


def generator_pools(ctx) -> np.ndarray:
    """Pool number of every generator (-1: not pooled); pools have two or more members."""
    g, d = ctx.data.gens, ctx.data
    # the technology sets an energy target counts by group: a pool must not straddle one
    counted = d.energy_groups
    free = (g["must_run"].to_numpy(float) <= 0) & ~np.isfinite(g["ramp"].to_numpy(float))
    marginal = g["fuel_cost"].to_numpy(float) + g["vom"].to_numpy(float) + g["co2_cost"].to_numpy(float)
    # every quantity a MWh counts in: a new one added to per_mwh_generated splits pools by itself
    per_mwh = np.column_stack(list(per_mwh_generated(g).values()))
    return pool_labels([(b, m, tuple(q), tuple(tech in s for s in counted)) if ok else None
                        for b, m, q, tech, ok in zip(g["bus"], marginal, per_mwh, g["technology"], free)])


def _add_pool_rows(ctx, p, build, expandable, pool) -> None:
    """Σ_{g∈k} p[g,t] - Σ_{g∈k, expandable} a[g,t]·build_g <= Σ_{g∈k} a[g,t]·existing_g."""
    g, d, T = ctx.data.gens, ctx.data, ctx.T
    idx = np.flatnonzero(pool >= 0)
    K = int(pool.max()) + 1
    lhs = LinExpr.of(p.cols[idx]).group(0, pool[idx], K)
    grow = idx[expandable[idx]]
    if grow.size:
        lhs = lhs - LinExpr.of(np.repeat(build.cols[grow, None], T, axis=1), d.avail[grow]).group(0, pool[grow], K)
    rhs = np.zeros((K, T))
    np.add.at(rhs, pool[idx], d.avail[idx] * g["existing_mw"].to_numpy(float)[idx, None])
    names = pd.Index(["+".join(g.index[idx[pool[idx] == k]]) for k in range(K)], name="pool")
    ctx.con("gen_pool_availability", lhs, "<=", rhs, coords=[names, ctx.coords["snapshot"]])
    ctx.pooled["gen_p"] = set(g.index[idx])

    def split(ctx, x):   # each member gets the pool's output in proportion to a[g,t]·P_g
        cap = g["existing_mw"].to_numpy(float)[idx] + x[build.cols[idx]]
        share_among(x, p.cols[idx], pool[idx], d.avail[idx] * np.maximum(cap, 0.0)[:, None])
    ctx.solution_hooks.append(split)
