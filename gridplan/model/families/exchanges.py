"""Imports and exports with the outside grid at boundary buses.

For x ∈ X, t ∈ T:

    0 <= imp[x,t] <= max_import_x,  0 <= exp[x,t] <= max_export_x   (column bounds)
    cost = Σ_t w_t (import_price · imp - export_price · exp)

Imports carry the outside mix's emission factor and non-fossil fraction (the
provincial grid); both count in targets. Net import is registered as an asset
whose annual energy is Σ w (imp - exp) and whose firm contribution is firm_mw.
"""
from __future__ import annotations

import numpy as np

from ..context import Asset
from ..linear import LinExpr


def add_exchanges(ctx) -> None:
    x = ctx.data.exchanges
    if x.empty:
        return
    T, w = ctx.T, ctx.w
    imp = ctx.var("import_p", ("exchange", "snapshot"),
                  upper=np.repeat(x["max_import"].to_numpy(float)[:, None], T, 1))
    exp = ctx.var("export_p", ("exchange", "snapshot"),
                  upper=np.repeat(x["max_export"].to_numpy(float)[:, None], T, 1))
    ctx.cost("import", imp.cols, x["import_cost"].to_numpy(float)[:, None] * w[None, :])
    ctx.cost("export", exp.cols, -x["export_revenue"].to_numpy(float)[:, None] * w[None, :])
    net = LinExpr.of(imp.cols) - LinExpr.of(exp.cols)
    ctx.inject("exchanges", ctx.to_buses(net, x["bus"]))
    n = len(x)
    ctx.asset(Asset(
        family="exchange", names=x.index, technology=np.array([""] * n, dtype=object), bus=x["bus"].to_numpy(),
        capacity=None, energy=(net * w[None, :]).sum(axis=1), credit=np.zeros(n),
        non_fossil=x["non_fossil_fraction"].to_numpy(float), co2=x["co2_t_per_mwh"].to_numpy(float),
        fuel_tce=np.zeros(n), firm_const=float(x["firm_mw"].sum())))
