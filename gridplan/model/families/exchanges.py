"""Imports and exports with the outside grid at boundary buses.

For x ∈ X, t ∈ T, with the capability built B_x (MW, only where ``build_max_mw`` > 0):

    0 <= B_x <= build_max_x                                       (exchange_build)
    0 <= imp[x,t] <= (max_import_x + B_x) · import_limit_pu[x,t]  (exchange_import_max)
    0 <= exp[x,t] <= (max_export_x + B_x) · export_limit_pu[x,t]  (exchange_export_max)
    cost = Σ_t w_t (import_price_x · import_price_pu[x,t] · imp[x,t]
                    − export_price_x · export_price_pu[x,t] · exp[x,t])
           + ann_x · length_x · B_x

The boundary with the rest of the province is not one flat price: the outside grid is cheap
in the wet season and dear in the dry one, and may take no exports when its own hydro
spills. The hourly multipliers (``import_price_pu``, ``export_price_pu``; 1 where no profile
is given, so the scalar price is the annual mean of a column averaging 1) and the usable
fractions of the capability (``import_limit_pu``, ``export_limit_pu`` in [0, 1]) are series of
the exchange like a generator's availability: averaged under ``time.resolution``, clustered
and rescaled by typical days. Built capability is one corridor: each MW raises the import
and the export capability alike, priced as a line of the exchange's ``technology`` per MW·km
(the catalogue's annuity, :mod:`gridplan.case.convert`); the existing capability is the
outside grid's and costs nothing. Where nothing can be built the limits are column bounds
(no row, no ``exchange_build`` column: a case that builds nothing has the LP it always had);
where it can, rows through ``ctx.bounded_by_capacity``, as for lines.

Averaging bound (``--certify``, :mod:`gridplan.case.relaxation`). The capability rows are linear
with a per-hour fraction: their block means are the averaged rows. The cost Σ_h p_h·imp_h equals
the averaged p̄·ī·Δ only where p is constant over the block, so the relaxed blocks never straddle
a change of ``import_price_pu``, ``export_price_pu`` or the capability fractions
(``block_breaks``): on such blocks the averaged cost and rows are the hourly ones summed.

Imports carry the outside mix's emission factor and non-fossil fraction (the
provincial grid); both count in targets. Contributions:

* imports (Σ w imp): non-fossil energy φ per MWh, primary electricity 1, CO2 e;
* exports (−Σ w exp): non-fossil energy 1 per MWh, primary electricity 1, CO2 0;
* firm capacity, per exchange, either the constant ``firm_mw`` (import capability counted as
  firm) or ``firm_pu · (max_import_x + B_x)``: the security-margin factor of the import
  capability, a linear expression, so that a firm-capacity target chooses between building
  import capability (ann·length / firm_pu per firm MW) and local peakers (annuity / credit).

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
    d, w = ctx.data, ctx.w
    imp = ctx.var("import_p", ("exchange", "snapshot"))
    exp = ctx.var("export_p", ("exchange", "snapshot"))
    max_import, max_export = x["max_import"].to_numpy(float), x["max_export"].to_numpy(float)
    build_max = x["build_max"].to_numpy(float)
    if (build_max > 0).any():
        build, capability, expandable = ctx.capacity_block(
            "exchange_build", "exchange", max_import, 0.0, build_max, x["ann_cost"], x["fom_existing"])
    else:   # nothing to build: column bounds only, no build column
        build, capability, expandable = None, LinExpr.zeros((len(x),)) + max_import, np.zeros(len(x), bool)
    ctx.bounded_by_capacity("exchange_import_max", "exchange", imp, max_import, build, expandable, d.import_limit_pu)
    ctx.bounded_by_capacity("exchange_export_max", "exchange", exp, max_export, build, expandable, d.export_limit_pu)
    ctx.cost("import", imp.cols, x["import_cost"].to_numpy(float)[:, None] * d.import_price_pu * w[None, :])
    ctx.cost("export", exp.cols, -x["export_revenue"].to_numpy(float)[:, None] * d.export_price_pu * w[None, :])
    net = LinExpr.of(imp.cols) - LinExpr.of(exp.cols)
    ctx.inject("exchanges", ctx.to_buses(net, x["bus"]))
    bus = x["bus"].to_numpy()
    # firm_mw and firm_pu are never both given (schema); the other one is 0 here
    firm = capability * x["firm_pu"].to_numpy(float) + x["firm_mw"].to_numpy(float)
    ctx.contribute("firm_capacity", "exchange", x.index, bus, firm)
    ctx.contribute_per(LinExpr.of(imp.cols, w[None, :]).sum(axis=1), "exchange", x.index + ":import", bus, "import",
                       non_fossil_energy=x["non_fossil_fraction"].to_numpy(float), primary_electricity=1.0,
                       co2=x["co2_t_per_mwh"].to_numpy(float))
    # exports: deducted as fully non-fossil and emission-free (see the docstring)
    ctx.contribute_per(LinExpr.of(exp.cols, -w[None, :]).sum(axis=1), "exchange", x.index + ":export", bus, "export",
                       non_fossil_energy=1.0, primary_electricity=1.0, co2=0.0)
