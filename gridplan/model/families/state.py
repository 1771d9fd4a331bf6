"""Inter-temporal state equations shared by storage and reservoirs.

    level[i, t] = decay[i, t] · level[i, prev(t)] + delta[i, t]        ∀ i, t

``delta`` is the energy added during snapshot t (already multiplied by the
snapshot's duration ``data.duration``, so a 3-hour snapshot adds three hours: no free
energy when weights are not 1). ``prev`` is cyclic over the horizon, so the
level at the end of the year equals the level at its start.

With typical days (``data.period_of`` set) the chronology inside a typical day
is kept and the days of the year are linked through inter-period states
(Kotzur et al. 2018): see :func:`gridplan.timeseries.add_linked_state`.
"""
from __future__ import annotations

import numpy as np

from ..linear import LinExpr, VarBlock


def add_state_balance(ctx, name: str, dim: str, level: VarBlock, delta: LinExpr,
                      decay: np.ndarray, capacity: LinExpr | None = None,
                      per_duration: bool = False) -> None:
    """Add the state balance; with typical days, delegate to the linked formulation.

    ``per_duration`` divides each row by its snapshot's duration (hours, = its weight
    without typical days): the same feasible set, but charge/discharge coefficients of
    order 1 (η, 1/η) instead of Δ·η. For the
    storage rows this made HiGHS' interior point 1.45x faster on sichuan5_2030 at
    12 h (52 s → 36 s, objective identical to 7e-16; benchmarks/README.md); the
    same scaling of reservoir rows did not help, so reservoirs keep it off.
    """
    data = ctx.data
    if data.period_of is not None:
        from ...timeseries import add_linked_state  # local: only clustered runs need it
        add_linked_state(ctx, name, dim, level, delta, decay, capacity)
        return
    n, T = level.shape
    prev_cols = level.cols[:, data.prev]
    lhs = LinExpr.of(level.cols) - LinExpr.of(prev_cols, decay) - delta
    if per_duration:
        inv_dt = np.broadcast_to(1.0 / np.asarray(data.duration, float)[None, :], (n, T))
        # dual_scale keeps Results.dual(name) in the units of the unscaled row
        ctx.con(name, lhs * inv_dt, "==", 0.0, dims=(dim, "snapshot"), dual_scale=inv_dt.ravel())
    else:
        ctx.con(name, lhs, "==", 0.0, dims=(dim, "snapshot"))
