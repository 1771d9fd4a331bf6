"""Where gridplan's hand-off time goes, and a faster compile measured by monkeypatch.

Times, on one synthetic size (default 20x8760), the pieces of
``gridplan.model.compile.compile_lp`` + ``gridplan.solve.make_highs``, then the
same hand-off with a candidate ``compile_lp`` (``compile_lp_fast`` below) that
produces the identical matrix, and checks equality.

    python -m benchmarks.profile_handoff --size 20x8760 --repeat 3
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.sparse as sp


def compile_lp_fast(ctx):
    """Candidate: same result as compile_lp, cheaper COO -> CSC.

    Differences from gridplan.model.compile.compile_lp:
    1. the cost vector with np.bincount instead of np.add.at;
    2. CSC built with one stable argsort on the column index (int32 indices), then
       duplicates summed only if there are any (detected on the sorted keys), instead of
       scipy's coo -> csc + sum_duplicates (which sorts every column's row indices) +
       eliminate_zeros over the whole matrix.
    User Pyomo constraints are delegated to the original (rare, small).
    """
    import pyomo.environ as pyo

    from gridplan.model import compile as C
    if next(ctx.m.component_data_objects(pyo.Constraint, active=True, descend_into=True), None) is not None:
        return C.compile_lp(ctx)
    if any(o.active for o in ctx.m.component_data_objects(pyo.Objective)):
        return C.compile_lp(ctx)
    lp = ctx.lp
    cons = list(lp.cons.values())
    rows = np.concatenate([c.rows for c in cons])
    cols = np.concatenate([c.cols for c in cons])
    vals = np.concatenate([c.vals for c in cons])
    nr, nc = lp.n_rows, lp.n_cols
    # sort by (col, row): key fits in int64
    key = cols.astype(np.int64) * nr + rows
    order = np.argsort(key, kind="stable")
    key = key[order]
    vals = vals[order]
    dup = np.flatnonzero(key[1:] == key[:-1])
    if dup.size:
        first = np.r_[True, key[1:] != key[:-1]]
        grp = np.cumsum(first) - 1
        vals = np.bincount(grp, weights=vals)
        key = key[first]
    keep = vals != 0
    if not keep.all():
        key, vals = key[keep], vals[keep]
    c_sorted = key // nr
    r_sorted = (key - c_sorted * nr).astype(np.int32)
    indptr = np.zeros(nc + 1, dtype=np.int32)
    np.cumsum(np.bincount(c_sorted, minlength=nc), out=indptr[1:])
    A = sp.csc_matrix((vals, r_sorted, indptr), shape=(nr, nc))
    A.has_sorted_indices = True
    cost = np.zeros(nc)
    if lp.costs:
        cc = np.concatenate([t.cols for t in lp.costs])
        cv = np.concatenate([t.coefs for t in lp.costs])
        cost = np.bincount(cc, weights=cv, minlength=nc)
    lb, ub = lp.bounds()
    return C.CompiledLP(A, cost, lb, ub, np.concatenate([c.lower for c in cons]),
                        np.concatenate([c.upper for c in cons]), lp.objective_constant, [], {})


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="20x8760")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    import gridplan
    from gridplan.model.build import build_context
    from gridplan.model.compile import compile_lp
    from gridplan.solve import SolveOptions, make_highs

    from benchmarks.synthetic import write_case
    from benchmarks.vs_pypsa import WORK
    N, T = (int(v) for v in a.size.split("x"))
    path = WORK / f"N{N}_T{T}" / "case.yaml"
    if not path.exists():
        write_case(path.parent, N, T)
    ctx = build_context(gridplan.load_case(path))
    opts = SolveOptions()
    res = {}
    for name, fn in (("compile_lp (current)", compile_lp), ("compile_lp_fast (candidate)", compile_lp_fast)):
        ts_c, ts_p = [], []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            clp = fn(ctx)
            t1 = time.perf_counter()
            make_highs(clp, opts)
            t2 = time.perf_counter()
            ts_c.append(t1 - t0)
            ts_p.append(t2 - t1)
        res[name] = clp
        print(f"{name:<28} compile {np.median(ts_c):6.3f} s   make_highs (passModel) {np.median(ts_p):6.3f} s   "
              f"total {np.median(np.add(ts_c, ts_p)):6.3f} s   (median of {a.repeat}; load {open('/proc/loadavg').read().split()[:3]})")
    A0, A1 = (v.A for v in res.values())
    c0, c1 = (v.cost for v in res.values())
    same = (A0.shape == A1.shape and (A0 != A1).nnz == 0 and np.array_equal(A0.indptr, A1.indptr)
            and np.array_equal(A0.indices, A1.indices) and np.allclose(c0, c1, rtol=0, atol=1e-12))
    print("identical matrix, indices order and cost vector:", same)
    # pieces of the current compile
    lp = ctx.lp
    t = time.perf_counter(); c = lp.cost_vector(); t_cost = time.perf_counter() - t
    rows = np.concatenate([c.rows for c in lp.cons.values()])
    cols = np.concatenate([c.cols for c in lp.cons.values()])
    vals = np.concatenate([c.vals for c in lp.cons.values()])
    t = time.perf_counter(); A = sp.csc_matrix((vals, (rows, cols)), shape=(lp.n_rows, lp.n_cols)); t_csc = time.perf_counter() - t
    t = time.perf_counter(); A.sum_duplicates(); t_dup = time.perf_counter() - t
    t = time.perf_counter(); A.eliminate_zeros(); t_zero = time.perf_counter() - t
    print(f"current pieces: cost_vector (np.add.at) {t_cost:.3f} s, coo->csc {t_csc:.3f} s, "
          f"sum_duplicates {t_dup:.3f} s, eliminate_zeros {t_zero:.3f} s; nnz {A.nnz}")


if __name__ == "__main__":
    main()
