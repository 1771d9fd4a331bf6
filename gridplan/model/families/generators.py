"""Generators: variable renewables and dispatchable plants.

Investment and operation, for g ∈ G, t ∈ T (w_t hours per snapshot):

    P_g = existing_g + build_g,     build_min_g <= build_g <= build_max_g        [MW]
    0 <= p[g,t] <= (1 - f_g) · a[g,t] · P_g      (gen_availability)            [MW]
    p[g,t] >= min(must_run_g, (1 - f_g) · a[g,t], (1 - f_g)(1 - o_g)) · P_g   (gen_must_run, where given)
    |p[g,t] - p[g,t-1]| <= ramp_g · (Δ_t + Δ_{t-1})/2 · P_g   (gen_ramp_up/down; Δ real hours of a snapshot)
    Σ_t w_t p[g,t] <= (1 - f_g)(1 - o_g) · H · P_g   (gen_annual_availability, where o_g > 0)  [MWh]

    cost = ann_g · build_g + fom_g · existing_g
         + Σ_t w_t (vom_g + fuel_g + co2_price · e_g) p[g,t]

The must-run floor never exceeds the availability (a run-of-river plant with
must_run 1 takes all it is given, and is not made infeasible at low water), nor
the availability forced outages leave, nor the share of the year planned outages
leave (a must-run unit with maintenance runs at most at its average availability,
so the floor's energy always fits the annual row below).

Outages (thermal availability; catalogue ``forced_outage_rate`` f and
``planned_outage_rate`` o, or the generator's own fields; blank: 0). A linear
model cannot say *which* hours a unit is down, so each rate enters as an
expectation. Forced outages strike at random in any hour: every snapshot offers
the expected available capacity (1 - f)·a·P (a = 1 without a profile).
Planned maintenance is scheduled, and a planner puts it where the unit is
least needed, so it is an annual limit rather than an hourly derate: the year's
energy is at most (1 - f)(1 - o) of H·P, H = Σ_t w_t the hours the snapshots
stand for (8760 for a year, also with typical days), whose shadow price is the
unit's scarcity rent (CNY per MWh of the year's energy, ``Results.dual``; a
binding ``<=`` row has a dual <= 0 in HiGHS' sign). With a profile a the limit is still
on H·P: maintenance is assumed to fall in hours the profile leaves idle.
Rows are added only where they bind something: the hourly derate only changes
the bounds where f > 0, and the annual row exists only where o > 0 (with o = 0
it is implied by the hourly rows, a <= 1), so a fleet without outage rates
gives exactly the LP it gave before. The firm capacity a generator registers
stays c_g·P_g: the capacity credit is its own catalogue field (the MW a target
counts per MW at the peak), so the rates do not derate it again; a credit meant
to allow for outages says so in its own value.
Curtailment (1 - f)·a·P - p is reported, not modelled. Registers injection p at the
generator's bus, and contributes per unit: capacity P_g and firm capacity c_g·P_g;
per MWh generated (E_g = Σ w p): generation, non-fossil energy and primary electricity
(× the non-fossil fraction), CO2 (× e_g) and fuel (× tce per MWh).

Averaging bound (``--certify``, :mod:`gridplan.case.relaxation`). Every row above is linear with
coefficients constant over a block except the availability a_h, the must-run floor and the ramp:
the mean over a block of ``p_h <= a_h·P`` is ``p̄ <= ā·P`` (the averaged row); the mean of
``p_h >= min(m, a_h)·P`` is ``p̄ >= mean_h min(m, a_h)·P``, which the relaxed data hands over as
``must_run_floor`` (plain averaging's ``min(m, ā)`` is larger: min is concave, so it would cut
off averaged hourly solutions); and between adjacent blocks of a and b hours,
``p̄_b − p̄_a = mean over hour pairs (p_j − p_i) <= r·P·mean(j − i) = r·P·(a + b)/2``. Weighted
sums (energy, costs, the annual availability row) are the same sums. So the block means of any
feasible hourly dispatch are feasible here, at the same cost.

Pooled availability (an exact reduction the solver's presolve cannot find).
Generators at one bus that no constraint or cost tells apart in operation —
same cost per MWh, the same contribution per MWh to every quantity
(:func:`per_mwh_generated`: non-fossil, CO2, fuel...) and membership of every
group a ``generation`` target counts, the same forced outage rate, no must-run,
no ramp, no planned outage rate (its annual row is per generator and would
single one out) — form a *pool* k, and their availability rows are summed into
one row per snapshot (a' = (1 - f)·a, the derated availability):

    Σ_{g∈k} p[g,t] <= Σ_{g∈k} a'[g,t] · P_g      (gen_pool_availability)

This is a relaxation of the per-generator rows with the same optimum: from any
solution, ``p'[g,t] = q_t · a'[g,t]·P_g / Σ_k a'·P`` (q_t = Σ_k p[g,t]) meets
every per-generator row, and nothing else in the model (balance, costs,
targets) sees anything but q_t. The pool's columns are then identical, so HiGHS
presolve merges them; the LP loses one row and one column per pooled generator
and snapshot (five-city case: 19 wind/solar/run-of-river units → 5 pools).
A solution hook applies that split (in proportion to a'·P) before anything reads the solution,
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
    forced, planned = outage_rates(g)
    up = derated(d.avail, forced)                          # (1 - f)·a per unit of capacity
    pool = generator_pools(ctx) if ctx.pool else np.full(len(g), -1)
    alone = pool < 0
    ctx.bounded_by_capacity("gen_availability", "generator", p, g["existing_mw"], build, expandable, up,
                            only=alone)
    if not alone.all():
        _add_pool_rows(ctx, p, build, expandable, pool, up)
    _add_annual_availability(ctx, p, total, forced, planned)

    mr = g["must_run"].to_numpy(float)
    if (mr > 0).any():
        # per unit of capacity, never above the availability, nor above the share of the year planned
        # outages leave (so the floor's energy always fits gen_annual_availability)
        floor = np.minimum(np.minimum(mr[:, None], up), ((1.0 - forced) * (1.0 - planned))[:, None])
        if d.must_run_floor is not None:     # the averaged relaxation: the mean of the hourly floors
            floor = d.must_run_floor
        ctx.bounded_by_capacity("gen_must_run", "generator", p, g["existing_mw"], build, expandable,
                                floor, sense=">=", only=mr > 0)

    ramp = g["ramp"].to_numpy(float)
    has_ramp = np.isfinite(ramp)
    if has_ramp.any():
        idx = np.flatnonzero(has_ramp)
        step = LinExpr.of(p.cols[idx]) - LinExpr.of(p.cols[idx][:, d.prev])
        # a ramp is per real hour between consecutive snapshots: the mean duration of the two
        # snapshots (the mean distance between their hours; one snapshot's duration when they are
        # equal), not their weights (with typical days a weight counts many days)
        lim = ramp[idx, None] * ((d.duration + d.duration[d.prev]) / 2.0)[None, :]
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


def outage_rates(g: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(forced, planned) outage rate of every generator (columns of the prepared frame)."""
    return g["forced_outage_rate"].to_numpy(float), g["planned_outage_rate"].to_numpy(float)


def derated(avail: np.ndarray, forced: np.ndarray) -> np.ndarray:
    """(1 - f)·a per unit of capacity: the expected capacity forced outages leave available
    (``avail`` itself where no generator has a forced outage rate: the LP is unchanged)."""
    return (1.0 - forced)[:, None] * avail if forced.any() else avail


def _add_annual_availability(ctx, p, total, forced, planned) -> None:
    """Σ_t w_t p[g,t] - (1 - f)(1 - o)·H·build_g <= (1 - f)(1 - o)·H·existing_g, where o_g > 0."""
    sel = planned > 0
    if not sel.any():
        return
    g, w = ctx.data.gens, ctx.w
    hours = (1.0 - forced) * (1.0 - planned) * float(w.sum())      # full-load hours a year allows
    energy = LinExpr.of(p.cols, w[None, :]).sum(axis=1)
    lhs = (energy - total * np.where(sel, hours, 0.0)).select(sel)
    ctx.con("gen_annual_availability", lhs, "<=", 0.0, coords=[g.index[sel]],
            dual_scale=ctx.data.cny_per_model_money, unit="CNY/MWh")


def generator_pools(ctx) -> np.ndarray:
    """Pool number of every generator (-1: not pooled); pools have two or more members."""
    g, d = ctx.data.gens, ctx.data
    # the technology sets an energy target counts by group: a pool must not straddle one
    counted = d.energy_groups
    forced, planned = outage_rates(g)
    # a planned outage rate adds a per-generator annual row: such a unit is never pooled
    free = (g["must_run"].to_numpy(float) <= 0) & ~np.isfinite(g["ramp"].to_numpy(float)) & ~(planned > 0)
    marginal = g["fuel_cost"].to_numpy(float) + g["vom"].to_numpy(float) + g["co2_cost"].to_numpy(float)
    # every quantity a MWh counts in: a new one added to per_mwh_generated splits pools by itself
    per_mwh = np.column_stack(list(per_mwh_generated(g).values()))
    return pool_labels([(b, m, tuple(q), f, tuple(tech in s for s in counted)) if ok else None
                        for b, m, q, f, tech, ok in zip(g["bus"], marginal, per_mwh, forced, g["technology"], free)])


def _add_pool_rows(ctx, p, build, expandable, pool, up) -> None:
    """Σ_{g∈k} p[g,t] - Σ_{g∈k, expandable} a'[g,t]·build_g <= Σ_{g∈k} a'[g,t]·existing_g (a' = ``up``)."""
    g, T = ctx.data.gens, ctx.T
    idx = np.flatnonzero(pool >= 0)
    K = int(pool.max()) + 1
    lhs = LinExpr.of(p.cols[idx]).group(0, pool[idx], K)
    grow = idx[expandable[idx]]
    if grow.size:
        lhs = lhs - LinExpr.of(np.repeat(build.cols[grow, None], T, axis=1), up[grow]).group(0, pool[grow], K)
    rhs = np.zeros((K, T))
    np.add.at(rhs, pool[idx], up[idx] * g["existing_mw"].to_numpy(float)[idx, None])
    names = pd.Index(["+".join(g.index[idx[pool[idx] == k]]) for k in range(K)], name="pool")
    ctx.con("gen_pool_availability", lhs, "<=", rhs, coords=[names, ctx.coords["snapshot"]])
    ctx.pooled["gen_p"] = set(g.index[idx])

    def split(ctx, x):   # each member gets the pool's output in proportion to a'[g,t]·P_g
        cap = g["existing_mw"].to_numpy(float)[idx] + x[build.cols[idx]]
        share_among(x, p.cols[idx], pool[idx], up[idx] * np.maximum(cap, 0.0)[:, None])
    ctx.solution_hooks.append(split)
