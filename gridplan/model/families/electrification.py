"""Electrification (电能替代): fossil end uses turned into electricity demand, as much as pays.

For e ∈ E (at bus n_e), t ∈ T (w_t hours per snapshot):

    min_e <= x_e <= max_e                                  (column bounds)      [MWh/yr]
    load[e,t] = shape[e,t] · x_e,   Σ_t w_t shape[e,t] = 1                      [MW]
    balance at n_e:  ... − Σ_{e at n} load[e,t] = demand[n,t]

    cost = Σ_e cost_e · x_e          (end-use equipment annuity + O&M; the electricity is priced
                                      by the balance, the fuel no longer bought is not credited:
                                      energy used outside power is not priced either)

``shape`` is the element's profile normalised on the prepared snapshots (after averaging or
typical days, :func:`gridplan.case.prepare.annual_shape`), so x_e MWh/yr is exactly the
energy drawn over the weighted year. Contributions per element (read by the targets):

* ``electrification``  = x_e          MWh of electricity demand added;
* ``displaced_fossil`` = r_e · x_e    tce of fossil final energy no longer burnt
  (r_e = displaced_tce_per_mwh).

The added load is never shed: shedding stays bounded by the base demand. x_e is a decision,
so the model lowers it rather than shed it (which costs VoLL); a committed load (min = max)
that supply cannot serve is met by shedding base demand at the same VoLL per MWh, which is
the same answer, and only a committed load above supply plus the base demand at its bus in
some snapshot would leave the balance infeasible (reported as such, not hidden).

Averaging bound (``--certify``): the load x·shape is linear in x with the shape's block mean as its
coefficient (normalised on the same annual sum), so an hourly solution's x is feasible unchanged.
"""
from __future__ import annotations

import numpy as np

from ..linear import LinExpr


def add_electrification(ctx) -> None:
    e = ctx.data.electrification
    if e.empty:
        return
    x = ctx.var("electrify", ("electrification",), lower=e["min_mwh"].to_numpy(float),
                upper=e["max_mwh"].to_numpy(float))
    ctx.cost("electrification", x.cols, e["cost"].to_numpy(float), kind="capex")
    load = LinExpr.of(np.repeat(x.cols[:, None], ctx.T, axis=1), ctx.data.electrification_shape)
    ctx.inject("electrification", ctx.to_buses(-load, e["bus"]))
    ctx.contribute_per(LinExpr.of(x.cols), "electrification", e.index, e["bus"].to_numpy(), "electrification",
                       electrification=1.0, displaced_fossil=e["displaced_tce_per_mwh"].to_numpy(float))
