"""Policy targets: one named row per target of the case, with its dual.

What each kind measures, its units and its default penalties are one table,
:data:`gridplan.case.targets.KINDS` (its docstring has the measures). This family
turns every measure into a row the same way:

    absolute:  num                    (sense)  X       X = value after the hedge
    share:     num − s · den          (sense)  0       s = value after the hedge
    soft:      the row + σ · shortfall, shortfall >= 0 priced at the penalty  (σ = +1 for >=, −1 for <=)

``num`` and ``den`` are sums of the quantities the families contributed at the
target's buses (:class:`Scope`, the ``q`` of the measure functions); nothing here
knows which family registered what. A strive target that is not strict is soft at
its own penalty; in elastic mode every other target is soft at its row unit's
elastic penalty (prices prepared in model money by :func:`gridplan.case.targets.prepare_targets`).

Dual signs: HiGHS returns d(objective)/d(row bound), >= 0 on an active ``>=``
row and <= 0 on an active ``<=`` row; :mod:`gridplan.report` flips the ``<=``
sign so that every reported dual is the cost of *tightening* the target.

Averaging bound (``--certify``): every target row reads weighted annual sums or capacities (and
peak-based ones the annual peak of the raw hourly load, a constant), the same numbers for the block
means of an hourly solution as for the solution itself.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...case.readers import case_path
from ...case.targets import ROW_UNITS, kind_of, required, scope_accounting
from ..linear import LinExpr, stack


@dataclass
class TargetRow:
    target: object
    measure_num: LinExpr           # (1,)
    measure_den: object            # LinExpr (1,), float, or None
    lhs: LinExpr                   # (1,) row, in row units
    sense: str
    rhs: float
    row_unit: str                  # MW, MWh, tce, t
    dual_unit: str
    dual_factor: float             # plain-unit dual = row dual (CNY per row unit) × factor
    required: float
    unit: str                      # of required/achieved: share, MW, MWh, t
    per_pp: object = None          # LinExpr or float: row units per percentage point (shares)
    soft: bool = False
    penalty: float = 0.0           # CNY per row unit (= penalty in dual units / dual_factor)
    penalty_dual: float = 0.0      # the same penalty in dual units (as given in the case)
    model_penalty: float = 0.0     # the objective's coefficient: model money per row unit
    shortfall_col: int | None = None
    block: object = None


@dataclass(frozen=True)
class Group:
    """A technology group as a target counts it."""

    members: set
    capacity_weights: dict       # technology -> MW counted per MW (absent: 1)


class Scope:
    """The registered quantities at the buses one target covers: what a measure may read.

    ``accounting`` is the scope's energy accounting and ``per_city`` whether it is the sum of
    the buses' own (:func:`gridplan.case.targets.scope_accounting`); a contribution with a
    ``peer`` (a line end) counts only when the other end is outside the buses."""

    def __init__(self, ctx, buses=None, tid=""):
        self.ctx = ctx
        d = ctx.data
        self.buses = list(d.buses if buses is None else buses)
        self.bus_mask = np.isin(d.buses, self.buses)
        self._given, self._tid = buses, tid
        self._accounts = None

    def _resolve(self):
        if self._accounts is None:   # on first use: only the kinds that read the accounts resolve them
            self._accounts = scope_accounting(self.ctx.case, self._given, self._tid, case_path(self.ctx.case))
        return self._accounts

    @property
    def accounting(self):
        return self._resolve()[0]

    @property
    def per_city(self) -> bool:
        return self._resolve()[1]

    def total(self, quantity: str, group: Group | None = None) -> LinExpr:
        """Σ of ``quantity`` over the contributions at these buses (of technologies in ``group``;
        capacity counted with the group's capacity weights; elements with a ``peer`` inside the
        buses left out)."""
        parts = []
        for c in self.ctx.contributed(quantity):
            mask = np.isin(c.bus, self.buses)
            if c.peer is not None:
                mask &= ~np.isin(c.peer, self.buses)
            if group is not None:
                mask &= np.isin(c.technology, list(group.members))
            if not mask.any():
                continue
            amount = c.amount
            if group is not None and group.capacity_weights and quantity == "capacity":
                amount = amount * np.array([group.capacity_weights.get(t, 1.0) for t in c.technology])
            parts.append(amount.select(mask))
        return stack(parts).sum() if parts else LinExpr.zeros((1,))

    def group(self, name: str) -> Group:
        # names are checked against the groups when the case is prepared (case/checks.py)
        d = self.ctx.data
        return Group(d.groups[name], d.group_weights.get(name, {}))

    @property
    def demand_mwh(self) -> float:
        d = self.ctx.data
        return float((d.demand[self.bus_mask] * d.weights[None, :]).sum())

    @property
    def peak(self) -> float:
        return float(self.ctx.data.peak[self.bus_mask].sum())


def build_row(ctx, t) -> TargetRow:
    """The row of one target, from its kind's measure (before any shortfall)."""
    kind = kind_of(t)
    num, den, value = kind.measure(Scope(ctx, t.buses, t.id), t)
    share = den is not None
    bound = required(t, value, share)
    ru = kind.row_unit_of(t)
    u = ROW_UNITS[ru]
    lhs = num - den * bound if share else num
    return TargetRow(t, num, den, lhs, kind.sense_of(t), 0.0 if share else bound, ru, u.dual_unit,
                     u.dual_factor, bound, kind.unit_of(t), per_pp=den * 0.01 if share else None)


def _price(ctx, r: TargetRow) -> None:
    """Soft rows: strive targets at their penalty; in elastic mode every other row too."""
    p = ctx.data.targets.loc[r.target.id]
    if p["soft"]:
        r.soft, r.penalty_dual, model = True, p["penalty"], p["penalty_model"]
    elif ctx.elastic:
        r.soft, r.penalty_dual, model = True, p["elastic_penalty"], p["elastic_penalty_model"]
    else:
        return
    r.penalty = r.penalty_dual / r.dual_factor
    r.model_penalty = model


def add_targets(ctx) -> None:
    """Build every target's row; soft and elastic targets get a priced shortfall."""
    if not ctx.case.targets:
        return
    rows = [build_row(ctx, t) for t in ctx.case.targets]
    for r in rows:
        _price(ctx, r)
    soft = [r for r in rows if r.soft]
    if soft:
        ctx.coords["target_soft"] = pd.Index([r.target.id for r in soft], name="target")
        short = ctx.var("target_shortfall", ("target_soft",))
        ctx.cost("target_shortfall", short.cols, [r.model_penalty for r in soft], kind="penalty")
        for r, col in zip(soft, short.cols):
            r.shortfall_col = int(col)
    for r in rows:
        lhs = r.lhs
        if r.soft:   # the shortfall relaxes the row in the direction of the bound
            lhs = lhs + LinExpr.of(np.array([r.shortfall_col]), 1.0 if r.sense == ">=" else -1.0)
        r.block = ctx.con(f"target_{r.target.id}", lhs, r.sense, r.rhs, coords=[[r.target.id]],
                          dual_scale=ctx.data.cny_per_model_money, unit=f"CNY/{r.row_unit}")
        ctx.target_rows[r.target.id] = r
