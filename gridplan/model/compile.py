"""Hand the LP to HiGHS in one ``passModel`` call, with no LP file.

The structural blocks are already COO arrays; they are stacked into one CSC
matrix. Constraints a user added to the Pyomo model are compiled here with
Pyomo's standard linear representation and appended below the blocks; a user's
own ``Var`` gets a new column. Per-element Pyomo work is thus limited to what
the user wrote.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import GridplanError


@dataclass
class CompiledLP:
    A: sp.csc_matrix
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    offset: float
    user_rows: list          # [(ConstraintData, row)] for user constraints
    user_cols: dict          # id(VarData) -> (VarData, col) for user variables
    network: bool = False    # the model has lines  } gridplan.solve.highs_settings picks the
    clustered: bool = False  # typical days         } interior point and IPX's dualizing from these

    @property
    def shape(self):
        return self.A.shape


def block_column(vb, index) -> int:
    """LP column of the element ``index`` (a Pyomo index: tuple or scalar) of block ``vb``."""
    index = index if isinstance(index, tuple) else (index,)
    pos = [c.get_loc(i) for c, i in zip(vb.coords, index)]
    return vb.offset + int(np.ravel_multi_index(pos, vb.shape))


def _column_of(ctx, vd, user_cols, extra):
    comp = vd.parent_component()
    vb = ctx.lp.vars.get(comp.local_name) if comp.parent_block() is ctx.m else None
    if vb is not None:
        index = vd.index()
        if (index[0] if isinstance(index, tuple) else index) in ctx.pooled.get(vb.name, ()):
            raise GridplanError(f"{vd.name}: this generator's dispatch is pooled with others at its bus "
                                "(build_context(..., pool=True)); build with pool=False "
                                "(gridplan.build_model does) to constrain it alone")
        return block_column(vb, index)
    key = id(vd)
    if key not in user_cols:
        col = ctx.lp.n_cols + len(extra)
        user_cols[key] = (vd, col)
        lb = -np.inf if vd.lb is None else float(vd.lb)
        ub = np.inf if vd.ub is None else float(vd.ub)
        extra.append((lb, ub))
    return user_cols[key][1]


def _compile_user_rows(ctx, r, rows, cols, vals, rlo, rhi, user_rows, user_cols, extra) -> int:
    """Append the user's Pyomo constraints as rows (Pyomo's standard repn); returns the row count."""
    import pyomo.environ as pyo
    from pyomo.repn import generate_standard_repn

    for con in ctx.m.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        repn = generate_standard_repn(con.body, compute_values=True, quadratic=False)
        if not repn.is_linear():
            raise GridplanError(f"constraint {con.name}: gridplan solves linear programs; this one is not linear")
        cc = [_column_of(ctx, v, user_cols, extra) for v in repn.linear_vars]
        rows.append(np.full(len(cc), r, dtype=np.int64))
        cols.append(np.asarray(cc, dtype=np.int64))
        vals.append(np.asarray(repn.linear_coefs, dtype=float))
        const = float(repn.constant)
        lo = -np.inf if con.lower is None else float(pyo.value(con.lower)) - const
        hi = np.inf if con.upper is None else float(pyo.value(con.upper)) - const
        rlo.append(np.array([lo]))
        rhi.append(np.array([hi]))
        user_rows.append((con, r))
        r += 1
    if any(o.active for o in ctx.m.component_data_objects(pyo.Objective)):
        raise GridplanError("the model has a Pyomo Objective; gridplan builds the objective itself "
                            "(add costs with m._gridplan.cost(...) instead)")
    return r


def compile_lp(ctx) -> CompiledLP:
    lp = ctx.lp
    rows = [c.rows for c in lp.cons.values()]
    cols = [c.cols for c in lp.cons.values()]
    vals = [c.vals for c in lp.cons.values()]
    rlo = [c.lower for c in lp.cons.values()]
    rhi = [c.upper for c in lp.cons.values()]

    # user-added Pyomo constraints (anything not created by a family); only when a
    # Pyomo model exists, i.e. the caller went through gridplan.build_model
    user_rows, user_cols, extra = [], {}, []
    r = lp.n_rows
    if ctx.has_pyomo:
        r = _compile_user_rows(ctx, r, rows, cols, vals, rlo, rhi, user_rows, user_cols, extra)

    n_cols = lp.n_cols + len(extra)
    lb, ub = lp.bounds()
    if extra:
        lb = np.concatenate([lb, [e[0] for e in extra]])
        ub = np.concatenate([ub, [e[1] for e in extra]])
    cost = np.concatenate([lp.cost_vector(), np.zeros(len(extra))])
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(r, n_cols))
    A.sum_duplicates()
    A.eliminate_zeros()
    return CompiledLP(A, cost, lb, ub, np.concatenate(rlo), np.concatenate(rhi),
                      lp.objective_constant, user_rows, user_cols, network=not ctx.data.lines.empty,
                      clustered=ctx.data.typical_day_of is not None)


def coefficient_ranges(clp: CompiledLP) -> dict:
    """Magnitude ranges of matrix, cost, bound and rhs entries (reported before solving)."""
    def rng(a):
        a = np.abs(a[np.isfinite(a) & (a != 0)])
        return (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)
    return {"matrix": rng(clp.A.data), "cost": rng(clp.cost),
            "bounds": rng(np.concatenate([clp.col_lower, clp.col_upper])),
            "rhs": rng(np.concatenate([clp.row_lower, clp.row_upper]))}
