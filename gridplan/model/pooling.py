"""Pools: elements of one family that no row or cost tells apart in operation.

Several generators at one bus often differ only in what they cost to *build*
and in the shape of their availability — wind, solar and run-of-river with no
marginal cost. Their per-element operating rows

    x[i,t] <= c[i,t] · X_i            for every i in the pool, t

can be replaced by one row per pool, Σ_i x[i,t] <= Σ_i c[i,t]·X_i: a
relaxation with the same optimum, because any pooled solution is split back
into a feasible per-element one by sharing the pool's total q_t in proportion
to c[i,t]·X_i (:func:`share_among`), and nothing else in the model sees more
than q_t. The members' columns become identical, HiGHS presolve merges them,
and the LP loses one row and one column per pooled member and snapshot —
something presolve cannot find on its own. The family decides what "tells
apart" means (its key) and applies the split through ``ctx.solution_hooks``.

Only generators pool today. Demand-response tiers (same activation cost and
hour limit) pool exactly the same way, but HiGHS' interior point was measured
slower on the result (benchmarks/README.md, "Tried and not adopted").
"""
from __future__ import annotations

import numpy as np


def pool_labels(keys: list) -> np.ndarray:
    """Pool number per element from hashable keys; -1 for ``None`` and for keys seen once."""
    count: dict = {}
    for k in keys:
        if k is not None:
            count[k] = count.get(k, 0) + 1
    label = {k: i for i, k in enumerate(k for k, n in count.items() if n > 1)}
    return np.array([label.get(k, -1) if k is not None else -1 for k in keys], dtype=np.int64)


def share_among(x: np.ndarray, cols: np.ndarray, pool: np.ndarray, weight: np.ndarray) -> None:
    """In place: each pool's total over ``cols`` (n, T) shared in proportion to ``weight`` (n, T).

    ``pool`` (n,) labels the rows of ``cols``; a pool whose weights are all zero
    at some t gets zero there (its row forced q_t <= 0 anyway).
    """
    K = int(pool.max()) + 1
    T = cols.shape[1]
    q = np.zeros((K, T))
    np.add.at(q, pool, x[cols])
    tot = np.zeros((K, T))
    np.add.at(tot, pool, weight)
    share = np.divide(weight, tot[pool], out=np.zeros_like(weight, dtype=float), where=tot[pool] > 0)
    x[cols] = q[pool] * share
