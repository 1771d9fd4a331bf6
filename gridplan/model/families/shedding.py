"""Load shedding at the value of lost load (VoLL).

    0 <= shed[n,t] <= demand[n,t];   cost = Σ w_t · VoLL · shed[n,t]

Keeps every case solvable so that a shortfall is *measured* instead of being an
opaque "infeasible"; any shedding is reported in the results and the CLI warns.
"""
from __future__ import annotations

from ...case.prepare import MONEY
from ..linear import LinExpr


def add_shedding(ctx) -> None:
    d = ctx.data
    shed = ctx.var("shed", ("bus", "snapshot"), upper=d.demand)
    voll = ctx.case.options.voll_cny_per_mwh * MONEY
    ctx.cost("shedding", shed.cols, voll * ctx.w[None, :], kind="penalty")
    ctx.inject("shedding", LinExpr.of(shed.cols))
