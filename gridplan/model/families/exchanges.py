"""Imports and exports with the outside grid at boundary buses.

For x ∈ X, t ∈ T:

    0 <= imp[x,t] <= max_import_x,  0 <= exp[x,t] <= max_export_x   (column bounds)
    cost = Σ_t w_t (import_price · imp - export_price · exp)

Imports carry the outside mix's emission factor and non-fossil fraction (the
provincial grid); both count in targets. Contributions:

* imports (Σ w imp): non-fossil energy φ per MWh, primary electricity 1, CO2 e;
* exports (−Σ w exp): non-fossil energy 1 per MWh, primary electricity 1, CO2 0;
* firm capacity: ``firm_mw`` per exchange (a constant: import capability counted as firm).

Deducting exports as non-fossil is the conservative linear reading of "share
of electricity consumed": a city cannot raise its own share, or lower its own
emissions, by exporting (deducting them at the province's φ and e would credit
an all-hydro exporter with (1 − φ) per MWh exported and negative emissions).
"""
from __future__ import annotations

import numpy as np

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
    bus = x["bus"].to_numpy()
    ctx.contribute("firm_capacity", "exchange", x.index, bus, LinExpr.zeros((len(x),)) + x["firm_mw"].to_numpy(float))
    ctx.contribute_per(LinExpr.of(imp.cols, w[None, :]).sum(axis=1), "exchange", x.index + ":import", bus, "import",
                       non_fossil_energy=x["non_fossil_fraction"].to_numpy(float), primary_electricity=1.0,
                       co2=x["co2_t_per_mwh"].to_numpy(float))
    # exports: deducted as fully non-fossil and emission-free (see the docstring)
    ctx.contribute_per(LinExpr.of(exp.cols, -w[None, :]).sum(axis=1), "exchange", x.index + ":export", bus, "export",
                       non_fossil_energy=1.0, primary_electricity=1.0, co2=0.0)
