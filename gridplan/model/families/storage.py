"""Storage: batteries, flow batteries, pumped hydro. Power and energy sized apart.

For s ∈ S, t ∈ T:

    P_s = existing_mw + build_mw,  E_s = existing_mwh + build_mwh
    0 <= ch[s,t], dis[s,t] <= P_s                         (storage_charge/discharge_limit)
    0 <= soc[s,t] <= E_s                                  (storage_energy_limit)
    soc[s,t] = (1-loss)^Δ_t soc[s,t-1] + Δ_t (η_c ch - dis/η_d)   (storage_soc, cyclic; Δ_t real hours)
    dmin_s · P_s <= E_s <= dmax_s · P_s                   (storage_duration_min/max)

    cost = ann_mw · build_mw + ann_mwh · build_mwh + fixed O&M of existing
         + Σ_t w_t vom · dis

η_c = η_d = sqrt(round-trip efficiency). Registers injection dis - ch, and
contributes capacity P_s, firm capacity c_s·P_s, and its annual energy
Σ w (dis - ch) = minus the losses to non-fossil energy and primary electricity
(weight 1), so that policy shares deduct storage losses from non-fossil energy:
otherwise spilling surplus hydro through round-trip losses would count as more
non-fossil generation and inflate the share.

Averaging bound (``--certify``, :mod:`gridplan.case.relaxation`). Hourly,
``soc_h = soc_{h-1} − l·soc_{h-1} + η_c ch_h − dis_h/η_d``. Summed over a block b of Δ_b hours,
``soc_b = soc_{b-1} + Δ_b(η_c c̄h − d̄is/η_d) − l·Σ_{h∈b} soc_{h-1}``, and the sum holds the block's
start level soc_{b-1} (its first hour's) plus Δ_b − 1 levels that are ≥ 0. So the block-end levels
and block means of any hourly solution satisfy

    soc[s,b] <= (1 − l) soc[s,b-1] + Δ_b (η_c ch[s,b] − dis[s,b]/η_d)   (storage_soc, relaxed, cyclic)

with 0 <= soc <= E_s (the hourly levels are within it, the block ends among them) and the
power limits (averages of hourly ones); at Δ_b = 1 it is the hourly equation relaxed to an
inequality (which the equation implies). Plain averaging's ``(1-l)^Δ`` decay
on the end level is not implied (the loss depends on the path inside the block), so the relaxed
data uses this form once any store has a standing loss (for a lossless store in the same block of
rows the ``<=`` is implied by its equation, so still a relaxation, merely not the equation);
without any loss the equations hold exactly and are kept. Everything else the family contributes is a weighted sum: the same sums.
"""
from __future__ import annotations

import numpy as np

from ..linear import LinExpr
from .state import EnergyCapacity, add_state_balance


def add_storage(ctx) -> None:
    s = ctx.data.storage
    if s.empty:
        return
    n, w = len(s), ctx.w
    bmw, p_tot, exp_p = ctx.capacity_block("storage_build_mw", "storage", s["existing_mw"],
                                           s["build_min_mw"], s["build_max_mw"], s["ann_cost_mw"],
                                           s["fom_existing"])
    bmwh, e_tot, exp_e = ctx.capacity_block("storage_build_mwh", "storage", s["existing_mwh"],
                                            s["build_min_mwh"], s["build_max_mwh"], s["ann_cost_mwh"], 0.0)
    ch = ctx.var("storage_charge", ("storage", "snapshot"))
    dis = ctx.var("storage_discharge", ("storage", "snapshot"))
    soc = ctx.var("storage_soc", ("storage", "snapshot"))
    ctx.bounded_by_capacity("storage_charge_limit", "storage", ch, s["existing_mw"], bmw, exp_p)
    ctx.bounded_by_capacity("storage_discharge_limit", "storage", dis, s["existing_mw"], bmw, exp_p)

    eta_c = s["eta_charge"].to_numpy(float)[:, None]
    eta_d = s["eta_discharge"].to_numpy(float)[:, None]
    loss = s["loss_per_h"].to_numpy(float)[:, None]
    # a snapshot lasts data.duration hours (= its weight, except with typical days where a
    # snapshot is one real hour that stands for several days)
    dt = ctx.data.duration[None, :]
    # the averaged relaxation (--certify) charges one hour's loss on the block's start level and
    # leaves the rest free: see "Averaging bound" above
    relaxed = ctx.data.relaxed and bool((loss > 0).any())
    decay = np.broadcast_to(1.0 - loss, (n, ctx.T)) if relaxed else (1.0 - loss) ** dt
    delta = LinExpr.of(ch.cols, eta_c * dt) - LinExpr.of(dis.cols, dt / eta_d)
    # the state family adds storage_energy_limit (chronological) or the linked limits (typical days)
    energy = EnergyCapacity("storage_energy_limit", s["existing_mwh"].to_numpy(float), bmwh, exp_e)
    add_state_balance(ctx, "storage_soc", "storage", soc, delta, decay, energy, per_duration=True,
                      free_loss=relaxed)

    dmin = s["min_duration_h"].to_numpy(float)
    dmax = s["max_duration_h"].to_numpy(float)
    sel = (dmin > 0) & (exp_p | exp_e)
    if sel.any():
        ctx.con("storage_duration_min", (e_tot - p_tot * dmin).select(sel), ">=", 0.0,
                coords=[s.index[sel]])
    sel = np.isfinite(dmax) & (exp_p | exp_e)
    if sel.any():
        ctx.con("storage_duration_max", (e_tot - p_tot * np.where(np.isfinite(dmax), dmax, 0)).select(sel),
                "<=", 0.0, coords=[s.index[sel]])

    ctx.cost("storage_vom", dis.cols, s["vom"].to_numpy(float)[:, None] * w[None, :])
    net = LinExpr.of(dis.cols) - LinExpr.of(ch.cols)
    ctx.inject("storage", ctx.to_buses(net, s["bus"]))
    # annual energy delivered = minus the losses, counted as non-fossil (see the docstring)
    where = dict(family="storage", names=s.index, bus=s["bus"].to_numpy(), technology=s["technology"].to_numpy())
    ctx.contribute_per(p_tot, **where, capacity=1.0, firm_capacity=s["capacity_credit"].to_numpy(float))
    ctx.contribute_per((net * w[None, :]).sum(axis=1), **where, non_fossil_energy=1.0, primary_electricity=1.0)
