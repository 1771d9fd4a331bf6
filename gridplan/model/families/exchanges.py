"""Imports and exports with the outside grid at boundary buses.

For x ∈ X, t ∈ T:

    0 <= imp[x,t] <= max_import_x,  0 <= exp[x,t] <= max_export_x   (column bounds)
    cost = Σ_t w_t (import_price · imp - export_price · exp)

Imports carry the outside mix's emission factor and non-fossil fraction (the
provincial grid); both count in targets. Two assets are registered:

* imports: energy Σ w imp, non-fossil fraction φ, emission factor e;
* exports: energy −Σ w exp, counted as fully non-fossil and emission-free.

Deducting exports as non-fossil is the conservative linear reading of "share
of electricity consumed": a city cannot raise its own share, or lower its own
emissions, by exporting (deducting them at the province's φ and e would credit
an all-hydro exporter with (1 − φ) per MWh exported and negative emissions).
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
    names = x.index
    ctx.asset(Asset(
        family="exchange", names=names + ":import", technology=np.array(["import"] * n, dtype=object),
        bus=x["bus"].to_numpy(), capacity=None, energy=LinExpr.of(imp.cols, w[None, :]).sum(axis=1),
        credit=np.zeros(n), non_fossil=x["non_fossil_fraction"].to_numpy(float),
        co2=x["co2_t_per_mwh"].to_numpy(float), fuel_tce=np.zeros(n)))
    ctx.asset(Asset(
        family="exchange", names=names + ":export", technology=np.array(["export"] * n, dtype=object),
        bus=x["bus"].to_numpy(), capacity=None, energy=LinExpr.of(exp.cols, -w[None, :]).sum(axis=1),
        credit=np.zeros(n), non_fossil=np.ones(n), co2=np.zeros(n), fuel_tce=np.zeros(n)))
