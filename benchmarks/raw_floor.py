"""The floor: the synthetic LP written directly as one scipy sparse matrix and passed to highspy.

Same formulation, row for row, as gridplan builds for the synthetic family
(benchmarks/synthetic.py): expandable generators, storage with power and energy
sized separately plus duration rows, expandable transport lines, shedding,
nodal balance. No names, no blocks, no Pyomo: numpy index arithmetic only. It
shows how much of gridplan's build time is overhead over the limit.

Input: the plain dict of :func:`benchmarks.to_pypsa.export_case`.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class _Arr:
    def __init__(self, v):
        self.v = v

    def to_numpy(self, dtype=None):
        return self.v


def build_raw(d: dict):
    w = d["weights"]
    T = len(w)
    buses = d["buses"]
    N = len(buses)
    bpos = {b: i for i, b in enumerate(buses)}
    g, s, ln = d["gens"], d["storage"], d["lines"]
    if len(d["reservoirs"]) or len(d["dr"]) or len(d["exchanges"]):
        raise ValueError("raw floor covers the synthetic family only")
    G, S, L = len(g), len(s), len(ln)
    assert (g["build_max"].to_numpy() > 0).all() and (g["existing_mw"].to_numpy() == 0).all()
    assert (s["build_max_mw"].to_numpy() > 0).all() and (s["existing_mw"].to_numpy() == 0).all()
    if L:
        assert (ln["build_max"].to_numpy() > 0).all() and (ln["existing_mw"].to_numpy() == 0).all()

    # columns
    off = 0
    def block(*shape):
        nonlocal off
        n = int(np.prod(shape))
        c = np.arange(off, off + n).reshape(shape)
        off += n
        return c
    gb, gp = block(G), block(G, T)
    sP, sE, ch, dis, soc = block(S), block(S), block(S, T), block(S, T), block(S, T)
    lb_, fl = block(L), block(L, T)
    if not L:
        ln = {"build_max": np.zeros(0), "ann_cost": np.zeros(0)}
        ln = {k: _Arr(v) for k, v in ln.items()}
    shed = block(N, T)
    nc = off
    lo = np.zeros(nc)
    hi = np.full(nc, np.inf)
    lo[gb] = g["build_min"].to_numpy(float)
    hi[gb] = g["build_max"].to_numpy(float)
    lo[sP], hi[sP] = s["build_min_mw"].to_numpy(float), s["build_max_mw"].to_numpy(float)
    lo[sE], hi[sE] = s["build_min_mwh"].to_numpy(float), s["build_max_mwh"].to_numpy(float)
    hi[lb_] = ln["build_max"].to_numpy(float)
    lo[fl.ravel()] = -np.inf
    hi[shed.ravel()] = d["demand"].ravel()

    c = np.zeros(nc)
    c[gb] = g["ann_cost"].to_numpy(float)
    c[gp.ravel()] = ((g["fuel_cost"].to_numpy(float) + g["vom"].to_numpy(float))[:, None] * w).ravel()
    c[sP], c[sE] = s["ann_cost_mw"].to_numpy(float), s["ann_cost_mwh"].to_numpy(float)
    c[dis.ravel()] = (s["vom"].to_numpy(float)[:, None] * w).ravel()
    c[lb_] = ln["ann_cost"].to_numpy(float)
    c[shed.ravel()] = (d["voll"] * np.broadcast_to(w, (N, T))).ravel()

    R, C, V, RL, RU = [], [], [], [], []
    nr = 0
    def rows(k, terms, lo_, hi_):
        """k rows; terms = [(cols (k,), vals (k,))]."""
        nonlocal nr
        r = np.arange(nr, nr + k)
        for cc, vv in terms:
            R.append(r); C.append(np.asarray(cc).ravel()); V.append(np.broadcast_to(vv, (k,)).ravel())
        RL.append(np.broadcast_to(lo_, (k,)).ravel()); RU.append(np.broadcast_to(hi_, (k,)).ravel())
        nr += k
    rep = lambda cols: np.repeat(cols[:, None], T, 1).ravel()
    # gen availability: p - a B <= 0
    rows(G * T, [(gp, 1.0), (rep(gb), -d["avail"].ravel())], -np.inf, 0.0)
    # storage limits
    rows(S * T, [(ch, 1.0), (rep(sP), -1.0)], -np.inf, 0.0)
    rows(S * T, [(dis, 1.0), (rep(sP), -1.0)], -np.inf, 0.0)
    rows(S * T, [(soc, 1.0), (rep(sE), -1.0)], -np.inf, 0.0)
    # state of charge (cyclic)
    prev = np.roll(np.arange(T), 1)
    decay = (1 - s["loss_per_h"].to_numpy(float)[:, None]) ** w[None, :]
    ec, ed = s["eta_charge"].to_numpy(float)[:, None], s["eta_discharge"].to_numpy(float)[:, None]
    rows(S * T, [(soc, 1.0), (soc[:, prev], -decay.ravel()), (ch, -(ec * w).ravel()), (dis, (w / ed).ravel())],
         0.0, 0.0)
    dmin, dmax = s["min_duration_h"].to_numpy(float), s["max_duration_h"].to_numpy(float)
    sel = dmin > 0
    if sel.any():
        rows(int(sel.sum()), [(sE[sel], 1.0), (sP[sel], -dmin[sel])], 0.0, np.inf)
    sel = np.isfinite(dmax)
    if sel.any():
        rows(int(sel.sum()), [(sE[sel], 1.0), (sP[sel], -dmax[sel])], -np.inf, 0.0)
    # lines
    if L:
        rows(L * T, [(fl, 1.0), (rep(lb_), -1.0)], -np.inf, 0.0)
        rows(L * T, [(fl, 1.0), (rep(lb_), 1.0)], 0.0, np.inf)
    # balance (N, T): row index bus * T + t
    bal = nr
    tt = np.arange(T)[None, :]
    def at(bus_idx):
        return (bal + np.asarray(bus_idx)[:, None] * T + tt).ravel()
    gbus = np.array([bpos[b] for b in g["bus"]])
    sbus = np.array([bpos[b] for b in s["bus"]])
    R += [at(gbus), at(sbus), at(sbus), at(np.arange(N))]
    C += [gp.ravel(), dis.ravel(), ch.ravel(), shed.ravel()]
    V += [np.ones(G * T), np.ones(S * T), -np.ones(S * T), np.ones(N * T)]
    if L:
        b0 = np.array([bpos[b] for b in ln["bus0"]])
        b1 = np.array([bpos[b] for b in ln["bus1"]])
        R += [at(b1), at(b0)]
        C += [fl.ravel(), fl.ravel()]
        V += [np.ones(L * T), -np.ones(L * T)]
    RL.append(d["demand"].ravel()); RU.append(d["demand"].ravel())
    nr += N * T
    A = sp.csc_matrix((np.concatenate(V), (np.concatenate(R), np.concatenate(C))), shape=(nr, nc))
    A.eliminate_zeros()   # zero availability (solar at night): gridplan drops these too
    return A, c, lo, hi, np.concatenate(RL), np.concatenate(RU)


def pass_to_highs(A, c, lo, hi, rl, ru, options: dict):
    import highspy
    h = highspy.Highs()
    for k, v in options.items():
        h.setOptionValue(k, v)
    nr, nc = A.shape
    h.passModel(nc, nr, A.nnz, 1, 1, 0.0, c, lo, hi, rl, ru,
                A.indptr[:-1].astype(np.int32), A.indices.astype(np.int32), A.data,
                np.zeros(nc, dtype=np.int32))
    return h
