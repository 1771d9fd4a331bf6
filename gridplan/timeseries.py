"""Time-series reduction: typical days and the inter-period state linking.

Two parts, both used only when ``time.typical_days`` (or ``solve(...,
typical_days=k)``) is set.

1. :func:`apply_typical_days` (called by :func:`gridplan.case.prepare.prepare`)
   clusters the 365 days of an hourly year into ``k`` typical days:

   * **features**: for every demand bus, generator availability and reservoir
     inflow, the year's hourly series is min-max normalised to [0, 1] (series
     that are constant over the year carry no information and are dropped);
     a day's feature vector is the concatenation of its 24 normalised hours of
     every series (each series weighs the same);
   * **the peak day** (the day holding the highest hour of system demand) is
     always its own typical day, so the other ``k - 1`` typical days cluster
     the remaining 364 days;
   * **k-medoids** (:func:`kmedoids`) with Euclidean distances: PAM's greedy
     BUILD then best-improvement SWAP until no swap lowers the total distance.
     No randomness, so the same year always gives the same typical days; ties
     go to the lowest day number;
   * typical periods are numbered in the calendar order of their medoid days;
     ``weights`` = days in the cluster (hours each snapshot stands for),
     ``snapshot_hour`` = the medoid day's hours, ``prev`` cyclic within each
     typical day, ``period_of`` (T,) and ``period_sequence`` (365,);
   * **rescaling** (annual energies exact): the typical days' values are the
     medoid days' values, then for each series the ``k - 1`` clustered typical
     days are multiplied by one factor so that Σ_p days_p · Σ_h x[p, h] equals
     the series' annual sum. The peak day stands only for itself and is kept
     verbatim (its peak hour is the real one). Availability is clipped at 1
     (or at the input's own maximum if that is higher) and the clipped excess
     is redistributed over the unclipped hours (iterated); what cannot be
     placed is the *residual*, reported in :class:`Clustering` (and warned
     about when above 1e-6 of the annual sum). A series whose clustered medoid
     days are all zero while the other days are not gets the missing energy
     spread evenly over the hours of the clustered typical days.

2. :func:`add_linked_state` (called by
   :func:`gridplan.model.families.state.add_state_balance`) is the
   inter-period formulation of Kotzur et al. (2018), "Time series aggregation
   for energy system design: modeling seasonal storage", Applied Energy 213.
   The level of a store on calendar day ``d``, hour ``t`` is

       level(d, t) = inter[d] · c[p, t] + intra[p, t],     p = period_sequence[d]

   with ``intra`` the model's ``level`` block, now *relative* to the start of
   the day (it starts from 0 each typical day, may be negative), ``inter[d]``
   the absolute level at the start of day ``d`` (block ``<name>_inter``, one
   per calendar day, cyclic over the year) and ``c[p, t]`` the self-discharge
   accumulated since the start of the day::

       intra[p, t] = decay1[t] · intra[p, t-1] + delta[t]       (intra[p, -1] = 0)
       inter[d+1]  = D[p] · inter[d] + intra[p, last]           (d+1 mod 365)
       intra_max[p] >= intra[p, t],   intra_min[p] <= intra[p, t]   (also >= 0 / <= 0)
       inter[d] + intra_max[p]        <= E
       D[p] · inter[d] + intra_min[p] >= 0

   ``delta`` and ``decay1`` are per real hour: the families build them over
   ``data.duration`` (one hour for a typical-day snapshot, though its *weight*,
   the hours it stands for in the objective, is ``days_p``). ``D[p]`` is the
   decay over the whole typical day. The
   bounds use Kotzur's cheaper per-period max/min auxiliaries; with
   self-discharge they are *conservative*: since ``D[p] <= c[p, t] <= 1`` and
   ``inter >= 0``, ``inter + intra_max <= E`` and ``D·inter + intra_min >= 0``
   imply ``0 <= level(d, t) <= E`` for every hour (exact when there is no
   self-discharge, e.g. reservoirs). The storage family's own
   ``storage_energy_limit`` rows (``intra <= E``) stay in the LP; they are
   implied by the rows above and never bind.

:func:`chronological_state` rebuilds the absolute level of every hour of the
year from a solution.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

from .case.load import case_path
from .errors import CaseError
from .model.linear import LinExpr

HOURS_PER_DAY = 24
DAYS = 365
RESIDUAL_WARN = 1e-6


# --------------------------------------------------------------------------- clustering


def kmedoids(D: np.ndarray, k: int, max_swaps: int = 10_000) -> tuple[np.ndarray, np.ndarray, float]:
    """k-medoids of points given by their distance matrix ``D`` (n, n): PAM BUILD + SWAP.

    BUILD takes the point with the least total distance, then repeatedly the
    point that lowers the total distance most. SWAP then replaces, one at a
    time, the (medoid, non-medoid) pair whose exchange lowers the total
    distance most, until none does. Deterministic (``argmin``/``argmax`` break
    ties by the lowest index). Returns ``(medoids, labels, cost)`` with
    ``labels[j]`` the position in ``medoids`` of point j's nearest medoid.
    """
    D = np.asarray(D, dtype=float)
    n = len(D)
    if not 1 <= k <= n:
        raise ValueError(f"k = {k} must be between 1 and the number of points ({n})")
    med = [int(np.argmin(D.sum(axis=1)))]
    d1 = D[med[0]].copy()
    for _ in range(1, k):
        gain = np.maximum(d1[None, :] - D, 0.0).sum(axis=1)
        gain[med] = -1.0
        c = int(np.argmax(gain))
        med.append(c)
        d1 = np.minimum(d1, D[c])
    med = np.array(med)
    cols = np.arange(n)
    for _ in range(max_swaps):
        Dm = D[med]                                   # (k, n)
        if k > 1:
            order = np.argsort(Dm, axis=0, kind="stable")
            nearest, d1, d2 = order[0], Dm[order[0], cols], Dm[order[1], cols]
        else:
            nearest, d1, d2 = np.zeros(n, dtype=int), Dm[0], np.full(n, np.inf)
        cost = d1.sum()
        best, best_i, best_h = -1e-12 * max(cost, 1.0), -1, -1
        is_med = np.zeros(n, dtype=bool)
        is_med[med] = True
        for i in range(k):
            base = np.where(nearest == i, d2, d1)       # distances once medoid i is removed
            new = np.minimum(D, base[None, :]).sum(axis=1)  # ... and candidate h added
            new[is_med] = np.inf
            h = int(np.argmin(new))
            if new[h] - cost < best:
                best, best_i, best_h = new[h] - cost, i, h
        if best_i < 0:
            break
        med[best_i] = best_h
    Dm = D[med]
    labels = np.argmin(Dm, axis=0)
    return med, labels, float(Dm[labels, cols].sum())


def _normalised_days(series: np.ndarray) -> np.ndarray:
    """(n, 8760) series → (365, 24·m) features, each non-constant series min-max scaled."""
    if series.size == 0:
        return np.zeros((DAYS, 0))
    lo, hi = series.min(axis=1, keepdims=True), series.max(axis=1, keepdims=True)
    keep = (hi - lo).ravel() > 0
    s = (series[keep] - lo[keep]) / (hi[keep] - lo[keep])
    return s.reshape(-1, DAYS, HOURS_PER_DAY).transpose(1, 0, 2).reshape(DAYS, -1)


def _rescale(x_days: np.ndarray, med_days: np.ndarray, counts: np.ndarray, peak_p: int,
             clip: float | None = None, iterations: int = 50):
    """Medoid-day values with annual sums preserved (see the module docstring).

    ``x_days`` (n, 365, 24) original; returns ``(typical (n, k, 24), residual (n,))``
    where residual = annual sum − reduced annual sum (non-zero only when clipping
    leaves nowhere to put the energy).
    """
    n = x_days.shape[0]
    typ = x_days[:, med_days, :].copy()                  # (n, k, 24)
    other = np.arange(len(med_days)) != peak_p
    target = x_days.sum(axis=(1, 2)) - typ[:, peak_p].sum(axis=1)   # what the clustered days must carry
    wts = counts[other][None, :, None]                   # days each clustered period stands for
    y = typ[:, other]                                    # (n, k-1, 24), a copy
    for i in range(n):
        if target[i] <= 0:
            y[i] = 0.0
            continue
        yi = y[i]
        cap = None if clip is None else max(clip, float(x_days[i].max()))  # never below the input's own max
        if (yi * wts[0]).sum() <= 0:                     # all medoid days empty: spread evenly
            yi[...] = target[i] / (wts[0].sum() * HOURS_PER_DAY)
        for _ in range(iterations):
            if cap is not None:
                np.minimum(yi, cap, out=yi)
            total = (yi * wts[0]).sum()
            if abs(total - target[i]) <= 1e-12 * target[i]:
                break
            if total > target[i]:                        # scaling down never hits the cap
                yi *= target[i] / total
                continue
            free = yi < cap if cap is not None else np.ones(yi.shape, dtype=bool)
            fixed = (np.where(free, 0.0, yi) * wts[0]).sum()
            movable = (np.where(free, yi, 0.0) * wts[0]).sum()
            if movable <= 0:
                break
            yi[free] *= (target[i] - fixed) / movable
        if cap is not None:
            np.minimum(yi, cap, out=yi)
        y[i] = yi
    typ[:, other] = y
    reduced = (typ * counts[None, :, None]).sum(axis=(1, 2))
    return typ, x_days.sum(axis=(1, 2)) - reduced


@dataclass
class Clustering:
    """How the year was reduced (attached to the returned data as ``data.clustering``)."""

    k: int
    medoid_days: np.ndarray         # (k,) calendar day (0-based) of each typical day
    days_per_period: np.ndarray     # (k,) days each typical day stands for
    period_sequence: np.ndarray     # (365,)
    peak_day: int
    peak_period: int
    distance: float                 # k-medoids total distance (normalised features)
    residual: dict = field(default_factory=dict)
    """Per kind ('demand', 'avail', 'inflow'): annual sum − reduced annual sum per element
    (MWh for demand/inflow, full-load hours for availability); zero unless clipping bit."""


def apply_typical_days(data, k: int):
    """Return a copy of ``data`` reduced to ``k`` typical days (see the module docstring)."""
    case = data.case
    file = case_path(case)
    H = case.time.hours
    if H != DAYS * HOURS_PER_DAY:
        raise CaseError(file, "time.hours", H, f"{DAYS * HOURS_PER_DAY} (a full hourly year) with time.typical_days")
    if data.T != H or not np.all(data.weights == 1):
        raise CaseError(file, "time.resolution", int(H // data.T) if data.T else data.T,
                        "1 with time.typical_days (typical days are hourly)")
    if not 2 <= int(k) <= DAYS:
        raise CaseError(file, "time.typical_days", k,
                        f"between 2 and {DAYS} (the peak-demand day is always its own typical day)")
    k = int(k)
    feats = np.hstack([_normalised_days(data.demand), _normalised_days(data.avail),
                       _normalised_days(data.inflow)])
    system = data.demand.sum(axis=0)
    peak_day = int(np.argmax(system)) // HOURS_PER_DAY
    rest = np.delete(np.arange(DAYS), peak_day)
    dist = cdist(feats[rest], feats[rest])               # Euclidean; exactly 0 for identical days
    med, labels, cost = kmedoids(dist, k - 1)
    med_days = np.append(rest[med], peak_day)
    day_cluster = np.empty(DAYS, dtype=int)
    day_cluster[rest] = labels
    day_cluster[peak_day] = k - 1
    order = np.argsort(med_days, kind="stable")          # periods in calendar order of their medoid
    rank = np.empty(k, dtype=int)
    rank[order] = np.arange(k)
    med_days = med_days[order]
    seq = rank[day_cluster]
    peak_p = int(rank[k - 1])
    counts = np.bincount(seq, minlength=k).astype(float)

    L = HOURS_PER_DAY
    period_of = np.repeat(np.arange(k), L)
    pos = np.tile(np.arange(L), k)
    weights = counts[period_of]
    snapshot_hour = (med_days[period_of] * L + pos).astype(data.snapshot_hour.dtype)
    prev = period_of * L + (pos - 1) % L

    def reduce(arr, clip=None):
        n = arr.shape[0]
        typ, res = _rescale(arr.reshape(n, DAYS, L), med_days, counts, peak_p, clip)
        return typ.reshape(n, k * L), res

    demand, r_dem = reduce(data.demand)
    avail, r_av = reduce(data.avail, clip=1.0)
    inflow, r_in = reduce(data.inflow)
    info = Clustering(k=k, medoid_days=med_days, days_per_period=counts.astype(int), period_sequence=seq,
                      peak_day=peak_day, peak_period=peak_p, distance=cost,
                      residual={"demand": r_dem, "avail": r_av, "inflow": r_in})
    annual_av = data.avail.sum(axis=1)
    bad = np.abs(r_av) > RESIDUAL_WARN * np.maximum(annual_av, 1.0)
    if bad.any():
        names = ", ".join(f"{g} ({r:.4g} h)" for g, r in zip(data.gens.index[bad], r_av[bad]))
        warnings.warn(f"typical days: availability clipped at 1 loses annual full-load hours of {names}",
                      stacklevel=2)
    out = replace(data, weights=weights, snapshot_hour=snapshot_hour, prev=prev, demand=demand, avail=avail,
                  inflow=inflow, period_of=period_of, period_sequence=seq,
                  duration=np.ones(len(weights)), clustering=info)
    return out


# --------------------------------------------------------------------------- linking


def _broadcast_rows(expr: LinExpr, m: int) -> LinExpr:
    """(n,) expression → (n, m), each row repeated along the new last axis."""
    n = expr.size
    rep = np.arange(m)
    rows = (expr.rows[:, None] * m + rep[None, :]).ravel()
    return LinExpr((n, m), rows, np.repeat(expr.cols, m), np.repeat(expr.vals, m),
                   np.repeat(expr.const.reshape(n, 1), m, axis=1))


def add_linked_state(ctx, name: str, dim: str, level, delta: LinExpr, decay: np.ndarray,
                     capacity: LinExpr | None = None) -> None:
    """Kotzur et al. (2018) intra/inter-period state balance (see the module docstring).

    ``level`` (n, T) becomes the intra-period state; adds blocks
    ``<name>_inter`` (n, 365), ``<name>_intra_max`` / ``_intra_min`` (n, k) and
    rows ``<name>`` (intra balance), ``<name>_inter``, ``<name>_intra_max`` /
    ``_intra_min``, ``<name>_upper`` / ``_lower``. ``capacity`` (n,) is the
    energy capacity; ``None`` takes it from ``level``'s column upper bound.
    """
    data = ctx.data
    n, T = level.shape
    per = np.asarray(data.period_of)
    seq = np.asarray(data.period_sequence)
    k = int(per.max()) + 1
    L = T // k
    if L * k != T or not np.array_equal(per, np.repeat(np.arange(k), L)):
        raise ValueError("period_of must give each typical period a contiguous, equal block of snapshots")
    Dn = len(seq)
    # the families build delta and decay over data.duration, one real hour here
    decay1 = np.broadcast_to(np.asarray(decay, float), (n, T))
    Dp = decay1.reshape(n, k, L).prod(axis=2)             # (n, k) decay over a whole typical day

    # bounds of the absolute level, read before the block becomes relative
    lower0 = level.lower.reshape(n, T).max(axis=1)
    upper0 = level.upper.reshape(n, T).min(axis=1)
    level.lower = np.full(n * T, -np.inf)
    level.upper = np.full(n * T, np.inf)

    for d, idx in (("day", pd.RangeIndex(Dn, name="day")), ("period", pd.RangeIndex(k, name="period"))):
        ctx.coords.setdefault(d, idx)

    # intra-period balance: starts from 0 at each typical day's first snapshot
    cols = level.cols
    t = np.arange(T)
    inner = np.flatnonzero(t % L != 0)                    # snapshots with a predecessor in the day
    rows = (np.arange(n)[:, None] * T + inner[None, :]).ravel()
    prev_cols = cols[:, inner - 1].ravel()
    prev_term = LinExpr((n, T), rows, prev_cols, -decay1[:, inner].ravel())
    ctx.con(name, LinExpr.of(cols) + prev_term - delta, "==", 0.0, dims=(dim, "snapshot"))

    # inter-period states, one per calendar day, cyclic over the year
    inter = ctx.var(f"{name}_inter", (dim, "day"), lower=lower0[:, None],
                    upper=(upper0 if capacity is None else np.full(n, np.inf))[:, None])
    nxt = (np.arange(Dn) + 1) % Dn
    last = seq * L + (L - 1)                               # intra column of each day's last hour
    lhs = (LinExpr.of(inter.cols[:, nxt]) - LinExpr.of(inter.cols, Dp[:, seq])
           - LinExpr.of(cols[:, last]))
    ctx.con(f"{name}_inter", lhs, "==", 0.0, dims=(dim, "day"))

    # Kotzur's per-period extremes of the intra state (0 at the start of the day counts)
    imax = ctx.var(f"{name}_intra_max", (dim, "period"), lower=0.0, upper=np.inf)
    imin = ctx.var(f"{name}_intra_min", (dim, "period"), lower=-np.inf, upper=0.0)
    ctx.con(f"{name}_intra_max", LinExpr.of(cols) - LinExpr.of(imax.cols[:, per]), "<=", 0.0,
            dims=(dim, "snapshot"))
    ctx.con(f"{name}_intra_min", LinExpr.of(cols) - LinExpr.of(imin.cols[:, per]), ">=", 0.0,
            dims=(dim, "snapshot"))

    up = LinExpr.of(inter.cols) + LinExpr.of(imax.cols[:, seq])
    if capacity is None:
        fin = np.isfinite(upper0)
        if fin.any():
            ctx.con(f"{name}_upper", up.select(np.repeat(fin[:, None], Dn, 1)), "<=",
                    np.repeat(upper0[fin], Dn), coords=[pd.MultiIndex.from_product(
                        [ctx.coords[dim][fin], ctx.coords["day"]])])
    else:
        ctx.con(f"{name}_upper", up - _broadcast_rows(capacity, Dn), "<=", 0.0, dims=(dim, "day"))
    lo = LinExpr.of(inter.cols, Dp[:, seq]) + LinExpr.of(imin.cols[:, seq])
    ctx.con(f"{name}_lower", lo, ">=", np.broadcast_to(lower0[:, None], (n, Dn)), dims=(dim, "day"))

    ctx.linked_states[level.name] = dict(inter=inter.name, decay1=decay1, L=L, k=k)


def chronological_state(res, block: str) -> np.ndarray:
    """Absolute level (n, 365·24) of every hour of the year from a typical-days solution.

    ``level(d, t) = inter[d] · c[p, t] + intra[p, t]`` (see the module docstring);
    ``block`` is the state's variable block (``storage_soc``, ``reservoir_level``).
    """
    info = res.ctx.linked_states[block]
    seq = np.asarray(res.data.period_sequence)
    L, k = info["L"], info["k"]
    intra = res.value(block)                              # (n, k·L)
    n = intra.shape[0]
    inter = res.value(info["inter"])                      # (n, days)
    c = np.cumprod(info["decay1"].reshape(n, k, L), axis=2)
    lvl = inter[:, :, None] * c[:, seq, :] + intra.reshape(n, k, L)[:, seq, :]
    return lvl.reshape(n, -1)
