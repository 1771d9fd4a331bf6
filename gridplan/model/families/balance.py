"""Nodal energy balance, built last from every family's registered injections.

    Σ_g p + Σ_s (dis - ch) + Σ_r p + inflow - outflow + dr + shed + imp - exp
        = demand[n,t]                                   ∀ n ∈ N, t ∈ T   [MW]

The objective weighs each snapshot by w_t and money is counted in model units,
so the raw dual is w_t × price / ``data.cny_per_model_money``; the dual scale
recorded here, ``cny_per_model_money / w_t``, turns it into the locational
marginal price in CNY/MWh.

Averaging bound (``--certify``): the balance is linear with constant coefficients, so the block
means of an hourly solution's injections balance the block's mean demand.
"""
from __future__ import annotations

import numpy as np

from ..linear import LinExpr


def add_balance(ctx) -> None:
    N, T = len(ctx.data.buses), ctx.T
    lhs = LinExpr.zeros((N, T))
    for _, e in ctx.injections:
        lhs = lhs + e
    scale = np.broadcast_to(ctx.data.cny_per_model_money / ctx.w[None, :], (N, T)).ravel()
    ctx.con("balance", lhs, "==", ctx.data.demand, dims=("bus", "snapshot"),
            dual_scale=scale, unit="CNY/MWh")
