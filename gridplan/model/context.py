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
* *assets* (:meth:`ModelContext.asset`): capacity, annual energy and their
  attributes (technology, bus, capacity credit, non-fossil fraction, emissions,
  fuel), which the policy targets read without knowing which family made them.

Families never reach into each other's variables; they meet only in these
registries (Switch's injection lists and GridPath's dynamic components, held
as typed objects rather than looked up by name).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from ..case.prepare import CaseData
from .linear import LinExpr, LinearProgram, VarBlock


@dataclass
class Asset:
    """Something with a capacity and/or an annual energy that targets can count."""

    family: str
    names: pd.Index
    technology: np.ndarray      # (n,) technology id ('' for exchanges)
    bus: np.ndarray             # (n,) bus name
    capacity: LinExpr | None    # (n,) MW, existing + built
    energy: LinExpr | None      # (n,) MWh per year delivered to the bus (net for exchanges)
    credit: np.ndarray          # (n,) firm MW per MW of capacity
    non_fossil: np.ndarray      # (n,) fraction of energy counted non-fossil
    co2: np.ndarray             # (n,) t CO2 per MWh
    fuel_tce: np.ndarray        # (n,) tce of fossil fuel burnt per MWh
    seasonal: np.ndarray | None = None   # (n,) seasonal-or-better regulating reservoir


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
        self.assets: list[Asset] = []
        self.dr_capability: LinExpr | None = None   # (D,) MW, with data.dr["bus"]
        self.linked_states: dict = {}                 # typical days: state block -> linking info
        self.target_rows: dict = {}                   # id -> targets.TargetRow, filled by add_targets
        self._sets: dict = {}
        self.coords = {
            "bus": data.buses, "snapshot": data.snapshots,
            "generator": data.gens.index, "storage": data.storage.index,
            "reservoir": data.reservoirs.index, "line": data.lines.index,
            "demand_response": data.dr.index, "exchange": data.exchanges.index,
        }

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

    def asset(self, asset: Asset) -> None:
        self.assets.append(asset)

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
