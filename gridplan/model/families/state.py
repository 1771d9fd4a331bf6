"""Inter-temporal state equations shared by storage and reservoirs, and their upper limit.

    level[i, t] = decay[i, t] · level[i, prev(t)] + delta[i, t]        ∀ i, t
    0 <= level[i, t] <= E_i                                             ∀ i, t

``delta`` is the energy added during snapshot t (already multiplied by the
snapshot's duration ``data.duration``, so a 3-hour snapshot adds three hours: no free
energy when weights are not 1). ``prev`` is cyclic over the horizon, so the
level at the end of the year equals the level at its start.

``E_i`` is either an :class:`EnergyCapacity` handed over by the family (storage: existing +
built MWh, rows ``storage_energy_limit`` where it can be built, a column bound elsewhere) or
the level block's own column bound (reservoirs: a fixed volume).

With typical days (``data.typical_day_of`` set) the chronology inside a typical day is kept,
the days of the year are linked through inter-day states (Kotzur et al. 2018) and the limit
``0 <= level <= E`` becomes rows on those states: see
:mod:`gridplan.model.families.linked_state`. The families do not need to know which.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..linear import LinExpr, VarBlock
from .linked_state import add_linked_state


@dataclass(frozen=True)
class EnergyCapacity:
    """What bounds a store's level from above: E = existing + built (MWh per element)."""

    limit: str                  # name of the rows level <= E (chronological runs)
    existing: np.ndarray        # (n,) MWh already installed
    build: VarBlock             # (n,) MWh built
    expandable: np.ndarray      # (n,) bool: rows for these, a column bound for the others

    def total(self) -> LinExpr:
        """E (n,) as an expression: the build column plus the existing MWh."""
        return LinExpr.of(self.build.cols) + np.asarray(self.existing, dtype=float)


def add_state_balance(ctx, name: str, dim: str, level: VarBlock, delta: LinExpr,
                      decay: np.ndarray, capacity: EnergyCapacity | None = None,
                      per_duration: bool = False, free_loss: bool = False) -> None:
    """Add the state balance and the level's upper limit, chronological or over typical days.

    ``capacity`` None: the level's column upper bound is the limit. ``per_duration`` divides
    each chronological row by its snapshot's duration (hours, = its weight without typical
    days): the same feasible set, but charge/discharge coefficients of order 1 (η, 1/η)
    instead of Δ·η. For the storage rows this made HiGHS' interior point 1.45x faster on
    sichuan5_2030 at 12 h (52 s → 36 s, objective identical to 7e-16; benchmarks/README.md);
    the same scaling of reservoir rows did not help, so reservoirs keep it off.

    ``free_loss`` (the averaged relaxation of ``--certify``): ``level[t] <= decay · level[prev] + delta``,
    the loss inside the block left free (storage passes one hour's decay). The level block is registered in ``ctx.states``: the
    certified dispatch fixes these levels where its windows of the year meet.
    """
    ctx.states[name] = level
    if ctx.data.typical_day_of is not None:
        add_linked_state(ctx, name, dim, level, delta, decay, None if capacity is None else capacity.total())
        return
    if capacity is not None:
        ctx.bounded_by_capacity(capacity.limit, dim, level, capacity.existing, capacity.build,
                                capacity.expandable)
    _add_chronological_balance(ctx, name, dim, level, delta, decay, per_duration, "<=" if free_loss else "==")


def _add_chronological_balance(ctx, name, dim, level: VarBlock, delta: LinExpr, decay,
                               per_duration: bool, sense: str) -> None:
    """level (sense) decay · level[prev] + delta on every snapshot (cyclic), optionally per hour."""
    data = ctx.data
    n, T = level.shape
    lhs = LinExpr.of(level.cols) - LinExpr.of(level.cols[:, data.prev], decay) - delta
    if per_duration:
        inv_dt = np.broadcast_to(1.0 / np.asarray(data.duration, float)[None, :], (n, T))
        # dual_scale keeps Results.dual(name) in the units of the unscaled row
        ctx.con(name, lhs * inv_dt, sense, 0.0, dims=(dim, "snapshot"), dual_scale=inv_dt.ravel())
    else:
        ctx.con(name, lhs, sense, 0.0, dims=(dim, "snapshot"))
