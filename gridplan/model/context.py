"""ModelContext: the Pyomo model as namespace, the LP blocks, and the registries.

Each constraint family (``gridplan.model.families.*``) receives the context and
adds, in one function, everything it contributes:

* variable blocks (:meth:`ModelContext.var`): LP columns *and* a Pyomo ``Var``
  of the same name and index, declared ``dense=False`` so no per-element Python
  object exists until a user touches one (``m.gen_build['cd_solar']``). The
  Pyomo model itself is created on first access to :attr:`ModelContext.m`
  (``gridplan.build_model``); a plain ``gridplan.solve(case)`` never imports
  Pyomo (~67 MB and ~0.5 s saved);
* constraint blocks (:meth:`ModelContext.con`), built as vectorised sparse rows;
* cost terms (:meth:`ModelContext.cost`) and constant costs (existing fixed O&M);
* bus injections (:meth:`ModelContext.inject`), summed by the balance family;
* *contributions* (:meth:`ModelContext.contribute`): what its elements add, element by
  element with their bus and technology, to the quantities of :data:`QUANTITIES`
  (capacity, firm capacity, generation, non-fossil energy, CO2, fuel...), which the
  policy targets read without knowing which family made them.

Families never reach into each other's variables; they meet only in these
registries (Switch's injection lists and GridPath's dynamic components, held
as typed objects rather than looked up by name).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from ..case.components import COMPONENTS
from ..case.prepare import CaseData
from .linear import LinExpr, LinearProgram, VarBlock


QUANTITIES = {
    "capacity": ("MW", "installed capacity by technology: generators, reservoir turbines, storage power"),
    "seasonal_capacity": ("MW", "reservoir turbines with seasonal-or-better regulation (季以上调节)"),
    "firm_capacity": ("MW", "capacity × capacity credit, demand-response capability, firm imports (firm_mw, or "
                            "firm_pu × import capability), line "
                            "ratings × firm_pu at each end (counted only where the other end is outside the scope)"),
    "dr_capability": ("MW", "demand-response capability (需求侧响应能力)"),
    "generation": ("MWh", "annual energy generated, by technology (generators, reservoirs)"),
    "non_fossil_energy": ("MWh", "annual non-fossil electricity: generation × non-fossil fraction, minus storage "
                                 "losses, imports × the outside mix's fraction, minus exports"),
    "primary_electricity": ("MWh", "electricity the coal-equivalent method counts as primary energy: non-fossil "
                                   "generation net of storage losses, and net imports"),
    "co2": ("t", "annual emissions of generation and imports"),
    "fuel": ("tce", "annual fossil fuel burnt by generators"),
    "unserved_energy": ("MWh", "annual load shed"),
    "electrification": ("MWh", "annual electricity demand added by electrification (电能替代)"),
    "displaced_fossil": ("tce", "fossil final energy displaced by electrification"),
    "grid_import": ("MWh", "annual net import over lines of a bus with its own accounting (grid_non_fossil_fraction)"),
    "grid_export": ("MWh", "annual net export over lines of such a bus"),
    "grid_co2": ("t", "CO2 the city's statistics charge on its net line imports (grid_co2_t_per_mwh)"),
}
"""Every quantity a family may contribute to and a target may read: (unit, meaning)."""


@dataclass
class Contribution:
    """One family's share of one quantity, element by element."""

    quantity: str
    family: str
    names: pd.Index
    bus: np.ndarray             # (n,) bus of each element
    technology: np.ndarray      # (n,) technology of each element ('' where none)
    amount: LinExpr             # (n,) in the quantity's unit
    basis: LinExpr | None = None
    """(n,) what ``amount`` is counted on, when it is a factor × something (e.g. MWh for CO2)."""
    peer: np.ndarray | None = None
    """(n,) the bus at the element's other end (a line end), or None: a scope counts the element
    only when ``peer`` is outside it (so a line internal to the scope counts nothing)."""


class ModelContext:
    """Holds the LP under construction and the Pyomo namespace that mirrors it."""

    def __init__(self, data: CaseData, elastic: bool = False, pool: bool = True):
        self.data = data
        self.case = data.case
        self.elastic = elastic
        self.pool = pool
        """Let families merge rows of elements nothing tells apart (exact; see generators.py)."""
        self.pooled: dict[str, set] = {}
        """Variable block → elements whose rows were pooled (a user row must not single one out)."""
        self.solution_hooks: list = []
        """``hook(ctx, x)``: families' in-place edits of the solution vector before anyone reads it."""
        self.lp = LinearProgram()
        self._m = None                      # the Pyomo namespace, made on demand (property m)
        self._blocks: list[tuple[str, tuple]] = []
        self.injections: list[tuple[str, LinExpr]] = []
        self.contributions: list[Contribution] = []
        self.linked_states: dict = {}                 # typical days: state block -> linked_state.LinkedState
        self.states: dict = {}                        # state rows' name -> level VarBlock (families/state.py)
        self.target_rows: dict = {}                   # id -> targets.TargetRow, filled by add_targets
        self._sets: dict = {}
        self.coords = {"bus": data.buses, "snapshot": data.snapshots,
                       **{c.dim: getattr(data, c.table).index for c in COMPONENTS}}

    # ----------------------------------------------------------------- building
    @property
    def w(self) -> np.ndarray:
        return self.data.weights

    @property
    def T(self) -> int:
        return self.data.T

    @property
    def has_pyomo(self) -> bool:
        return self._m is not None

    @property
    def m(self):
        """The Pyomo ``ConcreteModel`` mirroring the LP blocks (built on first access)."""
        if self._m is None:
            import pyomo.environ as pyo
            self._m = pyo.ConcreteModel(name=self.case.name)
            self._m._gridplan = self
            for name, dims in self._blocks:
                self._add_pyomo_var(name, dims)
        return self._m

    def _add_pyomo_var(self, name: str, dims: tuple) -> None:
        import pyomo.environ as pyo
        sets = []
        for d in dims:
            if d not in self._sets:
                s = pyo.Set(initialize=list(self.coords[d]), ordered=True, name=d)
                self._m.add_component(d, s)
                self._sets[d] = s
            sets.append(self._sets[d])
        self._m.add_component(name, pyo.Var(*sets, dense=False))

    def var(self, name: str, dims: tuple[str, ...], lower=0.0, upper=np.inf) -> VarBlock:
        """A block of columns over the product of ``dims`` (names of ``self.coords``)."""
        vb = self.lp.add_var(name, [self.coords[d] for d in dims], lower, upper)
        self._blocks.append((name, dims))
        if self._m is not None:
            self._add_pyomo_var(name, dims)
        return vb

    def con(self, name: str, lhs: LinExpr, sense: str, rhs=0.0, dims: tuple[str, ...] | None = None,
            coords=None, dual_scale=1.0, unit: str = ""):
        if coords is None and dims is not None:
            coords = [self.coords[d] for d in dims]
        return self.lp.add_con(name, lhs, sense, rhs, coords, dual_scale, unit)

    def cost(self, name: str, cols, coefs, kind: str = "opex") -> None:
        self.lp.add_cost(name, cols, coefs, kind)

    def constant_cost(self, amount: float) -> None:
        self.lp.objective_constant += float(amount)

    def inject(self, name: str, expr: LinExpr) -> None:
        if expr.shape != (len(self.data.buses), self.T):
            raise ValueError(f"injection {name} has shape {expr.shape}")
        self.injections.append((name, expr))

    def contribute(self, quantity: str, family: str, names, bus, amount: LinExpr, technology=None,
                   basis: LinExpr | None = None, peer=None) -> None:
        """Register what elements ``names`` (at ``bus``) add to ``quantity`` (see :data:`QUANTITIES`);
        ``peer``: the bus at each element's other end (see :attr:`Contribution.peer`)."""
        if quantity not in QUANTITIES:
            raise ValueError(f"unknown quantity {quantity!r}; expected one of {', '.join(QUANTITIES)}")
        names = pd.Index(names)
        if amount.shape != (len(names),):
            raise ValueError(f"{family} {quantity}: amount of shape {amount.shape} for {len(names)} elements")
        tech = np.full(len(names), "", dtype=object) if technology is None else np.asarray(technology, dtype=object)
        self.contributions.append(Contribution(quantity, family, names, np.asarray(bus, dtype=object),
                                               np.broadcast_to(tech, (len(names),)), amount, basis,
                                               None if peer is None else np.asarray(peer, dtype=object)))

    def contribute_per(self, base: LinExpr, family: str, names, bus, technology=None, **factors) -> None:
        """Several quantities counted on one base: ``quantity = base × factor`` per element
        (e.g. per MWh generated: ``co2=t_per_mwh, fuel=tce_per_mwh``)."""
        for quantity, factor in factors.items():
            self.contribute(quantity, family, names, bus, base * factor, technology, basis=base)

    def contributed(self, quantity: str):
        """The contributions registered to ``quantity``, in the families' order."""
        return [c for c in self.contributions if c.quantity == quantity]

    # ----------------------------------------------------------------- helpers
    def bus_pos(self, buses) -> np.ndarray:
        """Positions of bus names in the bus index."""
        return self.data.buses.get_indexer(pd.Index(buses))

    def to_buses(self, expr: LinExpr, buses) -> LinExpr:
        """Aggregate an (n, T) expression of elements located at ``buses`` to (N, T)."""
        return expr.group(0, self.bus_pos(buses), len(self.data.buses))

    def capacity_block(self, name: str, dim: str, existing, build_min, build_max,
                       annual_cost, fom_existing, kind="capex"):
        """The common investment pattern: built capacity with bounds and annual cost.

        total = existing + built; cost = annual_cost × built (capital recovery +
        fixed O&M) + fixed O&M of existing capacity as a constant (sunk capex).
        Returns (block, total capacity LinExpr, expandable mask).
        """
        existing = np.asarray(existing, dtype=float)
        vb = self.var(name, (dim,), lower=np.asarray(build_min, float), upper=np.asarray(build_max, float))
        self.cost(name, vb.cols, annual_cost, kind)
        self.constant_cost(float(np.sum(fom_existing)))
        total = LinExpr.of(vb.cols) + existing
        expandable = np.asarray(build_max, float) > 0
        return vb, total, expandable

    def bounded_by_capacity(self, name: str, dim: str, op: VarBlock, existing, build: VarBlock,
                            expandable: np.ndarray, factor=None, sense: str = "<=", only=None) -> None:
        """op[i, t] <= factor[i, t] × (existing_i + build_i)   (or >= with ``sense=">="``).

        Non-expandable elements get a column bound (no row), which keeps the LP
        small: most of a real fleet is existing capacity. ``only`` (boolean, per
        element) limits the rule to some elements (e.g. those with a must-run).
        """
        n, T = op.shape
        f = np.ones((n, T)) if factor is None else np.broadcast_to(factor, (n, T))
        existing = np.asarray(existing, float)
        sel = np.ones(n, bool) if only is None else np.asarray(only, bool)
        fixed = sel & ~expandable
        bound = f * existing[:, None]
        if sense == "<=":
            ub = op.upper.reshape(n, T)
            ub[fixed] = np.minimum(ub[fixed], bound[fixed])
            op.upper = ub.ravel()
        else:
            lb = op.lower.reshape(n, T)
            lb[fixed] = np.maximum(lb[fixed], bound[fixed])
            op.lower = lb.ravel()
        idx = np.flatnonzero(sel & expandable)
        if idx.size:
            lhs = LinExpr.of(op.cols[idx]) - LinExpr.of(np.repeat(build.cols[idx, None], T, axis=1), f[idx])
            self.con(name, lhs, sense, bound[idx], coords=[self.coords[dim][idx], self.coords["snapshot"]])
