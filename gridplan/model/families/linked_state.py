"""Typical days in the model: store levels linked across the 365 days of the year.

Called by :func:`gridplan.model.families.state.add_state_balance` when the data holds typical
days (``data.typical_day_of``, made by :mod:`gridplan.case.typical_days`). The formulation is
Kotzur et al. (2018), "Time series aggregation for energy system design: modeling seasonal
storage", Applied Energy 213. The level of a store on calendar day ``d``, hour ``t`` is

    level(d, t) = inter[d] · c[p, t] + intra[p, t],     p = p_d = day_sequence[d]

with ``intra`` the model's level block, here *relative* to the start of the day (it starts
from 0 each typical day, may be negative), ``inter[d]`` the absolute level at the start of day
``d`` (block ``<name>_inter``, one per calendar day, cyclic over the year) and ``c[p, t]`` the
self-discharge accumulated since the start of the day. Rows::

    intra[p, t] = decay1[t] · intra[p, t-1] + delta[t]   (intra[p, -1] = 0)       <name>
    day-to-day link of inter (below)                                             <name>_inter
    intra_max[p] >= intra[p, t],   intra_min[p] <= intra[p, t]  (also >= 0 / <= 0)   <name>_intra_max/_min
    inter[d] + intra_max[p_d]          <= E                                       <name>_upper
    D[p_d] · inter[d] + intra_min[p_d] >= 0                                       <name>_lower

``delta`` and ``decay1`` are per real hour: the families build them over ``data.duration``
(one hour for a typical-day snapshot, though its *weight*, the hours it stands for in the
objective, is the number of days it represents). ``D[p]`` is the decay over the whole
typical day. The bounds use Kotzur's cheaper per-day max/min auxiliaries; with
self-discharge they are *conservative*: since ``D[p] <= c[p, t] <= 1`` and ``inter >= 0``,
``inter + intra_max <= E`` and ``D·inter + intra_min >= 0`` imply ``0 <= level(d, t) <= E``
for every hour (exact when there is no self-discharge, e.g. reservoirs). ``E`` is the energy
capacity handed over by the family (storage: existing + built MWh) or, without one, the
level block's column upper bound (reservoirs: the volume); with typical days these rows
replace the chronological energy limit (``storage_energy_limit``), which is not added.

**Day-to-day link.** With ``a[p] = intra[p, last hour]`` (the net change over typical day p)
the year is the cyclic chain::

    inter[d+1] = D[p_d] · inter[d] + a[p_d]                     (d+1 mod 365)      (chain)

Unrolling it m = 1 … 365 days back around the cycle gives ``inter[d] = Σ_m W[d, m] ·
a[p_{d-m}] + P · inter[d]`` with ``W[d, m] = Π_{j=1..m-1} D[p_{d-j}]`` and ``P = Π_d D[p_d]``
the decay over the whole year, so when ``P < 1``::

    inter[d] = Σ_p C[d, p] · a[p],   C[d, p] = Σ_{m: p_{d-m} = p} W[d, m] / (1 - P)    (closed form)

one row per day with at most k + 1 terms. For given ``a`` the chain has exactly this one
solution, so both forms have the same feasible set (row d of the block is then the
definition of inter[d] rather than the step d → d+1, so its dual means something else). ``0 <= C`` and ``Σ_p C[d, p] <= 1 /
(1 - max_p D[p])``; C is computed by summing ``C[0]`` directly and then stepping forward,
``C[d+1] = D[p_d] · C[d] + e_{p_d}``, which only shrinks rounding errors. Terms below
:data:`SMALL_COEFFICIENT` are left out: HiGHS would ignore them anyway (its
``small_matrix_value``), and each moves ``inter`` by less than 1e-9 of a day's net change.

Which form, per store: presolve substitutes along the chain, and each step backwards divides
by ``D``, so substitutions build coefficients up to ``1/P`` (0.02 %/h battery: P = 0.17;
reservoirs: P = 1). At 1 %/h, ``D = 0.99^24 = 0.79`` per day and ``P ≈ 1e-38``: HiGHS built
coefficients of 1e17 and stopped with status 'Not Set'. The closed form has no chain, but its
coefficients grow like ``1/(1 - D)`` as the loss vanishes (and it is undefined at D = 1). It is
taken when ``P <`` :data:`CLOSED_FORM_BELOW` = 0.01: with a constant loss the chain's
coefficients then stay <= 1/P <= 100 and the closed form's <= 1/(1 - P^(1/365)) < 80, so no
row of either form exceeds 100 (the two bounds cross near P = 0.012, about 0.05 %/h, where
both are about 83; a 0.05 %/h flow battery, P = 0.0125, keeps the chain).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from ..linear import LinExpr, VarBlock

CLOSED_FORM_BELOW = 0.01
"""Year decay P below which a store's days are linked by the closed form (module docstring)."""
SMALL_COEFFICIENT = 1e-9
"""Closed-form terms up to this are left out (HiGHS' default ``small_matrix_value``)."""


class LinkedState(NamedTuple):
    """What rebuilding a linked store's hourly year needs (:func:`gridplan.results.chronological_levels`)."""

    inter: str              # the block of inter-day levels, (n, 365)
    decay1: np.ndarray      # (n, T) decay per real hour of every snapshot
    hours: int              # snapshots per typical day
    k: int                  # typical days


class _Calendar(NamedTuple):
    """The typical days as the state rows see them."""

    k: int                  # typical days
    hours: int              # snapshots per typical day (L)
    day_sequence: np.ndarray    # (365,) typical day of each calendar day
    typical_day_of: np.ndarray  # (T,) typical day of each snapshot


def _calendar(data, T: int) -> _Calendar:
    """The typical days of ``data``, checked: each one a contiguous, equal block of snapshots."""
    of = np.asarray(data.typical_day_of)
    k = int(of.max()) + 1
    L = T // k
    if L * k != T or not np.array_equal(of, np.repeat(np.arange(k), L)):
        raise ValueError("typical_day_of must give each typical day a contiguous, equal block of snapshots")
    return _Calendar(k, L, np.asarray(data.day_sequence), of)


def add_linked_state(ctx, name: str, dim: str, level: VarBlock, delta: LinExpr, decay: np.ndarray,
                     capacity: LinExpr | None = None) -> None:
    """Kotzur et al. (2018) intra/inter-day state balance (see the module docstring).

    ``level`` (n, T) becomes the intra-day state; adds blocks ``<name>_inter`` (n, 365),
    ``<name>_intra_max`` / ``_intra_min`` (n, k) and rows ``<name>`` (intra balance),
    ``<name>_inter``, ``<name>_intra_max`` / ``_intra_min``, ``<name>_upper`` / ``_lower``.
    ``capacity`` (n,) is the energy capacity E; ``None`` takes it from ``level``'s column
    upper bound.
    """
    n, T = level.shape
    cal = _calendar(ctx.data, T)
    decay1 = np.broadcast_to(np.asarray(decay, float), (n, T))
    day_decay = decay1.reshape(n, cal.k, cal.hours).prod(axis=2)     # (n, k) D[p]
    lower0, upper0 = _free_level(level)
    ctx.coords.setdefault("day", pd.RangeIndex(len(cal.day_sequence), name="day"))
    ctx.coords.setdefault("typical_day", pd.RangeIndex(cal.k, name="typical_day"))

    _add_intra_balance(ctx, name, dim, level, delta, decay1, cal)
    inter = ctx.var(f"{name}_inter", (dim, "day"), lower=lower0[:, None],
                    upper=(upper0 if capacity is None else np.full(n, np.inf))[:, None])
    ctx.con(f"{name}_inter", _day_links(inter, level, day_decay, cal), "==", 0.0, dims=(dim, "day"))
    imax, imin = _add_intra_extremes(ctx, name, dim, level, cal)
    _add_level_limits(ctx, name, dim, inter, imax, imin, day_decay, cal, lower0, upper0, capacity)
    ctx.linked_states[level.name] = LinkedState(inter.name, decay1, cal.hours, cal.k)


def _free_level(level: VarBlock) -> tuple[np.ndarray, np.ndarray]:
    """The absolute level's bounds (n,), read before the block becomes relative and free."""
    n, T = level.shape
    lower0 = level.lower.reshape(n, T).max(axis=1)
    upper0 = level.upper.reshape(n, T).min(axis=1)
    level.lower = np.full(n * T, -np.inf)
    level.upper = np.full(n * T, np.inf)
    return lower0, upper0


def _add_intra_balance(ctx, name, dim, level: VarBlock, delta: LinExpr, decay1, cal: _Calendar) -> None:
    """The level within each typical day, starting from 0 at its first snapshot."""
    n, T = level.shape
    inner = np.flatnonzero(np.arange(T) % cal.hours != 0)     # snapshots with a predecessor in the day
    rows = (np.arange(n)[:, None] * T + inner[None, :]).ravel()
    prev_term = LinExpr((n, T), rows, level.cols[:, inner - 1].ravel(), -decay1[:, inner].ravel())
    ctx.con(name, LinExpr.of(level.cols) + prev_term - delta, "==", 0.0, dims=(dim, "snapshot"))


def _day_links(inter: VarBlock, level: VarBlock, day_decay: np.ndarray, cal: _Calendar) -> LinExpr:
    """Rows (n, 365) tying ``inter`` to the days' net changes: chain or closed form per store."""
    n, days = inter.shape
    last = level.cols[:, np.arange(cal.k) * cal.hours + cal.hours - 1]    # (n, k) a[p]
    seq = cal.day_sequence
    year_decay = day_decay[:, seq].prod(axis=1)
    closed = year_decay < CLOSED_FORM_BELOW
    nxt = (np.arange(days) + 1) % days
    chain = (LinExpr.of(inter.cols[:, nxt]) - LinExpr.of(inter.cols, day_decay[:, seq])
             - LinExpr.of(last[:, seq]))
    if not closed.any():
        return chain
    idx = np.flatnonzero(closed)
    return _of_stores(chain, ~closed) + _closed_form_rows(inter, last, closed_form_coefficients(
        day_decay[idx], seq), idx)


def closed_form_coefficients(day_decay: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """C (s, 365, k) with inter[d] = Σ_p C[d, p] · a[p] for stores whose year decay is below 1.

    ``day_decay`` (s, k) is D[p]; see the module docstring for the derivation.
    """
    s, k = day_decay.shape
    days = len(seq)
    D = day_decay[:, seq]                                            # (s, 365) decay over each day
    back = D[:, ::-1]                                                # D[p_{-1}], D[p_{-2}], ...
    W = np.cumprod(np.hstack([np.ones((s, 1)), back[:, :-1]]), axis=1)   # W[0, m], m = 1..365
    C = np.empty((s, days, k))
    for i in range(s):
        C[i, 0] = np.bincount(seq[::-1], weights=W[i], minlength=k)  # seq[::-1][m-1] = p_{-m}
    C[:, 0] /= (1.0 - D.prod(axis=1))[:, None]
    for d in range(days - 1):
        C[:, d + 1] = D[:, d, None] * C[:, d]
        C[:, d + 1, seq[d]] += 1.0
    return C


def _closed_form_rows(inter: VarBlock, last: np.ndarray, C: np.ndarray, idx: np.ndarray) -> LinExpr:
    """inter[i, d] - Σ_p C[i, d, p] · a[i, p] for the stores ``idx`` (rows of the (n, 365) block)."""
    n, days = inter.shape
    s, _, k = C.shape
    keep = C > SMALL_COEFFICIENT
    e, d, p = np.nonzero(keep)
    rows = np.concatenate([(idx[:, None] * days + np.arange(days)).ravel(), idx[e] * days + d])
    cols = np.concatenate([inter.cols[idx].ravel(), last[idx[e], p]])
    vals = np.concatenate([np.ones(s * days), -C[keep]])
    return LinExpr((n, days), rows, cols, vals)


def _of_stores(expr: LinExpr, keep: np.ndarray) -> LinExpr:
    """The terms of an (n, m) expression whose store (first axis) is kept; other rows empty."""
    on = keep[expr.rows // expr.shape[1]]
    return LinExpr(expr.shape, expr.rows[on], expr.cols[on], expr.vals[on])


def _add_intra_extremes(ctx, name, dim, level: VarBlock, cal: _Calendar) -> tuple[VarBlock, VarBlock]:
    """Kotzur's per-typical-day extremes of the intra state (0 at the start of the day counts)."""
    imax = ctx.var(f"{name}_intra_max", (dim, "typical_day"), lower=0.0, upper=np.inf)
    imin = ctx.var(f"{name}_intra_min", (dim, "typical_day"), lower=-np.inf, upper=0.0)
    of = cal.typical_day_of
    ctx.con(f"{name}_intra_max", LinExpr.of(level.cols) - LinExpr.of(imax.cols[:, of]), "<=", 0.0,
            dims=(dim, "snapshot"))
    ctx.con(f"{name}_intra_min", LinExpr.of(level.cols) - LinExpr.of(imin.cols[:, of]), ">=", 0.0,
            dims=(dim, "snapshot"))
    return imax, imin


def _add_level_limits(ctx, name, dim, inter, imax, imin, day_decay, cal: _Calendar, lower0, upper0,
                      capacity: LinExpr | None) -> None:
    """0 <= level(d, t) <= E on every hour, through the per-day extremes (conservative with loss)."""
    n, days = inter.shape
    seq = cal.day_sequence
    up = LinExpr.of(inter.cols) + LinExpr.of(imax.cols[:, seq])
    if capacity is None:
        fin = np.isfinite(upper0)
        if fin.any():
            ctx.con(f"{name}_upper", up.select(np.repeat(fin[:, None], days, 1)), "<=",
                    np.repeat(upper0[fin], days), coords=[pd.MultiIndex.from_product(
                        [ctx.coords[dim][fin], ctx.coords["day"]])])
    else:
        ctx.con(f"{name}_upper", up - _broadcast_rows(capacity, days), "<=", 0.0, dims=(dim, "day"))
    lo = LinExpr.of(inter.cols, day_decay[:, seq]) + LinExpr.of(imin.cols[:, seq])
    ctx.con(f"{name}_lower", lo, ">=", np.broadcast_to(lower0[:, None], (n, days)), dims=(dim, "day"))


def _broadcast_rows(expr: LinExpr, m: int) -> LinExpr:
    """(n,) expression → (n, m), each row repeated along the new last axis."""
    n = expr.size
    rep = np.arange(m)
    rows = (expr.rows[:, None] * m + rep[None, :]).ravel()
    return LinExpr((n, m), rows, np.repeat(expr.cols, m), np.repeat(expr.vals, m),
                   np.repeat(expr.const.reshape(n, 1), m, axis=1))
