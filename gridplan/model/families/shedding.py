"""Load shedding at the value of lost load (VoLL).

    0 <= shed[n,t] <= demand[n,t];   cost = Σ w_t · VoLL · shed[n,t]

(VoLL ``data.voll`` in model money per MWh, converted by gridplan.case.prepare.)

Keeps every case solvable so that a shortfall is *measured* instead of being an
opaque "infeasible"; any shedding is reported in the results and the CLI warns.
Contributes Σ_t w_t shed[n,t] to ``unserved_energy`` (electricity consumed is demand minus it).

Averaging bound (``--certify``): ``shed <= demand`` averages to itself and the cost is a weighted
sum, so the block means of hourly shedding are feasible at the same cost.
"""
from __future__ import annotations

from ..linear import LinExpr


def add_shedding(ctx) -> None:
    d = ctx.data
    shed = ctx.var("shed", ("bus", "snapshot"), upper=d.demand)
    ctx.cost("shedding", shed.cols, d.voll * ctx.w[None, :], kind="penalty")
    ctx.inject("shedding", LinExpr.of(shed.cols))
    ctx.contribute("unserved_energy", "shedding", d.buses, d.buses, LinExpr.of(shed.cols, ctx.w[None, :]).sum(axis=1))
