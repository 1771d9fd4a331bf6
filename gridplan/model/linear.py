"""Vectorised linear algebra for building the LP in bulk.

Why this exists: building one Pyomo constraint object per (element, snapshot)
and compiling them again for the solver costs tens of seconds on a year-long
model (see issue #2's measurements). Here every variable *block* owns a
contiguous range of LP columns, and every structural constraint *block* is a
sparse COO matrix assembled with numpy on those column offsets. The Pyomo
model (``gridplan.model.context``) keeps one ``Var`` per block as a namespace,
so users can still add ordinary Pyomo constraints; those are compiled
separately and stacked under the blocks (:mod:`gridplan.model.compile`).

A :class:`LinExpr` is an array of linear expressions of a given ``shape``,
stored flat as COO triplets ``(row, col, val)`` plus a constant per row.
Families build them from column arrays with plain numpy indexing, e.g. the
state of charge one snapshot earlier is ``LinExpr.of(soc.cols[:, prev])``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


class LinExpr:
    """An ndarray-shaped collection of linear expressions, stored as COO."""

    __slots__ = ("shape", "rows", "cols", "vals", "const")

    def __init__(self, shape, rows, cols, vals, const=None):
        self.shape = tuple(shape)
        self.rows = rows
        self.cols = cols
        self.vals = vals
        n = int(np.prod(self.shape))
        self.const = np.zeros(n) if const is None else np.broadcast_to(const, self.shape).ravel().astype(float)

    # -- construction ---------------------------------------------------------
    @classmethod
    def of(cls, cols: np.ndarray, coef=1.0) -> "LinExpr":
        """One term per element: ``coef * x[cols]``, with the shape of ``cols``."""
        cols = np.asarray(cols)
        n = cols.size
        vals = np.broadcast_to(np.asarray(coef, dtype=float), cols.shape).ravel().copy()
        return cls(cols.shape, np.arange(n, dtype=np.int64), cols.ravel().astype(np.int64), vals)

    @classmethod
    def zeros(cls, shape) -> "LinExpr":
        e = np.empty(0, dtype=np.int64)
        return cls(shape, e, e, np.empty(0))

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    # -- arithmetic -----------------------------------------------------------
    def __add__(self, other):
        if isinstance(other, LinExpr):
            if other.shape != self.shape:
                raise ValueError(f"shape mismatch {self.shape} vs {other.shape}")
            return LinExpr(self.shape, np.concatenate([self.rows, other.rows]),
                           np.concatenate([self.cols, other.cols]),
                           np.concatenate([self.vals, other.vals]),
                           (self.const + other.const).reshape(self.shape))
        return LinExpr(self.shape, self.rows, self.cols, self.vals,
                       (self.const.reshape(self.shape) + np.asarray(other, dtype=float)))

    __radd__ = __add__

    def __neg__(self):
        return LinExpr(self.shape, self.rows, self.cols, -self.vals, -self.const.reshape(self.shape))

    def __sub__(self, other):
        return self + (-other if isinstance(other, LinExpr) else -np.asarray(other, dtype=float))

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, coef):
        c = np.broadcast_to(np.asarray(coef, dtype=float), self.shape).ravel()
        return LinExpr(self.shape, self.rows, self.cols, self.vals * c[self.rows],
                       (self.const * c).reshape(self.shape))

    __rmul__ = __mul__

    def value(self, x: np.ndarray) -> np.ndarray:
        """Evaluate at a solution vector ``x``; returns an array of ``shape``."""
        out = np.bincount(self.rows, weights=self.vals * x[self.cols], minlength=self.size)
        return (out + self.const).reshape(self.shape)

    # -- reshaping ------------------------------------------------------------
    def sum(self, axis=None) -> "LinExpr":
        """Sum over one axis (or all, giving shape ``(1,)``)."""
        if axis is None:
            return LinExpr((1,), np.zeros_like(self.rows), self.cols, self.vals,
                           np.array([self.const.sum()]))
        axis = axis % len(self.shape)
        idx = np.unravel_index(self.rows, self.shape)
        new_shape = self.shape[:axis] + self.shape[axis + 1:]
        new_idx = idx[:axis] + idx[axis + 1:]
        rows = np.ravel_multi_index(new_idx, new_shape) if new_shape else np.zeros_like(self.rows)
        const = self.const.reshape(self.shape).sum(axis=axis)
        return LinExpr(new_shape or (1,), rows, self.cols, self.vals, const)

    def group(self, axis: int, groups: np.ndarray, n: int) -> "LinExpr":
        """Aggregate along ``axis``: element i goes to group ``groups[i]`` (of ``n``).

        E.g. generators → buses for the nodal balance. ``groups[i] < 0`` drops i.
        """
        axis = axis % len(self.shape)
        groups = np.asarray(groups)
        idx = list(np.unravel_index(self.rows, self.shape))
        g = groups[idx[axis]]
        keep = g >= 0
        idx = [a[keep] for a in idx]
        idx[axis] = g[keep]
        new_shape = self.shape[:axis] + (n,) + self.shape[axis + 1:]
        rows = np.ravel_multi_index(tuple(idx), new_shape)
        c = self.const.reshape(self.shape)
        const = np.zeros(new_shape)
        if np.any(c):
            moved = np.moveaxis(c, axis, 0)
            out = np.moveaxis(const, axis, 0)
            for i, gi in enumerate(groups):
                if gi >= 0:
                    out[gi] += moved[i]
        return LinExpr(new_shape, rows, self.cols[keep], self.vals[keep], const)

    def select(self, rows_mask: np.ndarray) -> "LinExpr":
        """Keep only the rows where the boolean mask (of ``shape``) is true; result is 1-D."""
        mask = np.asarray(rows_mask, dtype=bool).ravel()
        new_pos = np.cumsum(mask) - 1
        keep = mask[self.rows]
        return LinExpr((int(mask.sum()),), new_pos[self.rows[keep]], self.cols[keep],
                       self.vals[keep], self.const[mask])


def stack(exprs: list[LinExpr]) -> LinExpr:
    """Concatenate 1-D expressions (or flattened ones) into one longer 1-D expression."""
    rows, cols, vals, const = [], [], [], []
    off = 0
    for e in exprs:
        rows.append(e.rows + off)
        cols.append(e.cols)
        vals.append(e.vals)
        const.append(e.const)
        off += e.size
    return LinExpr((off,), np.concatenate(rows), np.concatenate(cols),
                   np.concatenate(vals), np.concatenate(const))


@dataclass
class VarBlock:
    """A named block of LP columns indexed by the product of ``coords``."""

    name: str
    coords: tuple  # tuple of pd.Index, one per dimension
    offset: int
    lower: np.ndarray
    upper: np.ndarray

    @property
    def shape(self):
        return tuple(len(c) for c in self.coords)

    @property
    def size(self):
        return int(np.prod(self.shape))

    @property
    def cols(self) -> np.ndarray:
        return np.arange(self.offset, self.offset + self.size, dtype=np.int64).reshape(self.shape)


@dataclass
class ConBlock:
    """A named block of LP rows: ``lower <= A x <= upper``."""

    name: str
    coords: tuple
    offset: int
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    dual_scale: np.ndarray | float = 1.0
    """Multiply the raw row dual by this to get the reported unit (e.g. CNY/MWh)."""
    unit: str = ""

    @property
    def shape(self):
        return tuple(len(c) for c in self.coords)

    @property
    def size(self):
        return int(np.prod(self.shape))


@dataclass
class CostTerm:
    name: str
    cols: np.ndarray
    coefs: np.ndarray
    kind: str  # "capex", "fom", "opex", "penalty"


@dataclass
class LinearProgram:
    """All columns and rows of the model as blocks, plus the linear objective."""

    vars: dict = field(default_factory=dict)
    cons: dict = field(default_factory=dict)
    costs: list = field(default_factory=list)
    n_cols: int = 0
    n_rows: int = 0
    objective_constant: float = 0.0

    def add_var(self, name: str, coords, lower=0.0, upper=np.inf) -> VarBlock:
        if name in self.vars:
            raise ValueError(f"variable block {name!r} defined twice")
        coords = tuple(pd.Index(c) for c in coords)
        shape = tuple(len(c) for c in coords)
        n = int(np.prod(shape))
        lb = np.broadcast_to(np.asarray(lower, dtype=float), shape).ravel().copy()
        ub = np.broadcast_to(np.asarray(upper, dtype=float), shape).ravel().copy()
        vb = VarBlock(name, coords, self.n_cols, lb, ub)
        self.vars[name] = vb
        self.n_cols += n
        return vb

    def add_con(self, name: str, lhs: LinExpr, sense: str, rhs=0.0, coords=None,
                dual_scale=1.0, unit: str = "") -> ConBlock:
        """Add ``lhs (sense) rhs`` row-wise; ``sense`` in {'==', '<=', '>='}."""
        if name in self.cons:
            raise ValueError(f"constraint block {name!r} defined twice")
        n = lhs.size
        rhs = np.broadcast_to(np.asarray(rhs, dtype=float), lhs.shape).ravel() - lhs.const
        if sense == "==":
            lo, hi = rhs, rhs.copy()
        elif sense == "<=":
            lo, hi = np.full(n, -np.inf), rhs
        elif sense == ">=":
            lo, hi = rhs, np.full(n, np.inf)
        else:
            raise ValueError(f"unknown sense {sense!r}")
        if coords is None:
            coords = tuple(pd.RangeIndex(s) for s in lhs.shape)
        coords = tuple(pd.Index(c) for c in coords)
        if tuple(len(c) for c in coords) != lhs.shape:
            raise ValueError(f"{name}: coords {[len(c) for c in coords]} do not match shape {lhs.shape}")
        cb = ConBlock(name, coords, self.n_rows, lhs.rows + self.n_rows, lhs.cols, lhs.vals,
                      np.ascontiguousarray(lo), np.ascontiguousarray(hi), dual_scale, unit)
        self.cons[name] = cb
        self.n_rows += n
        return cb

    def add_cost(self, name: str, cols, coefs, kind: str = "opex") -> None:
        cols = np.asarray(cols, dtype=np.int64)
        coefs = np.broadcast_to(np.asarray(coefs, dtype=float), cols.shape).ravel()
        cols = cols.ravel()
        nz = coefs != 0
        self.costs.append(CostTerm(name, cols[nz], coefs[nz].copy(), kind))

    def cost_vector(self) -> np.ndarray:
        c = np.zeros(self.n_cols)
        for t in self.costs:
            np.add.at(c, t.cols, t.coefs)
        return c

    def bounds(self):
        lb = np.concatenate([v.lower for v in self.vars.values()]) if self.vars else np.zeros(0)
        ub = np.concatenate([v.upper for v in self.vars.values()]) if self.vars else np.zeros(0)
        return lb, ub
