"""Typical days: the 365 days of an hourly year clustered into ``k`` representative days.

Used only when ``time.typical_days`` (or ``solve(..., typical_days=k)``) is set;
:func:`apply_typical_days` is called at the end of :func:`gridplan.case.prepare.prepare`.
Data only: the model's side (the state of storage and reservoirs linked across the
year) is :mod:`gridplan.model.families.linked_state`, and the hourly levels are
rebuilt in :mod:`gridplan.results`.

* **series**: demand per bus, then the hourly series of every component family that has
  one (:data:`gridplan.case.components.COMPONENTS`, field ``series``: generator
  availability, reservoir inflow, the exchanges' price multipliers and capability fractions,
  the shape of electrification's added load), in that order;
* **features**: each series' hourly year is min-max normalised to [0, 1] (a series that is
  constant over the year carries no information and is dropped); a day's feature vector is
  the concatenation of its 24 normalised hours of every series (each series weighs the same);
* **the peak day** (the day holding the highest hour of system demand) is always its own
  typical day, so the other ``k - 1`` typical days cluster the remaining 364 days;
* **k-medoids** (:func:`kmedoids`) with Euclidean distances: PAM's greedy BUILD then
  best-improvement SWAP until no swap lowers the total distance. No randomness, so the same
  year always gives the same typical days. A day exactly as far from two medoids joins the
  one with the lower day number (a year with repeated kinds of day has such ties, and which
  side they fall on changes the weights, hence the optimum);
* typical days are numbered in the calendar order of their medoid days; ``weights`` = days
  in the cluster (hours each snapshot stands for), ``snapshot_hour`` = the medoid day's
  hours, ``prev`` cyclic within each typical day, ``typical_day_of`` (T,) the typical day of
  each snapshot and ``day_sequence`` (365,) the typical day standing for each calendar day
  (the word *period* is kept for investment periods);
* **rescaling** (annual energies exact): the typical days' values are the medoid days'
  values, then for each series the ``k - 1`` clustered typical days are multiplied by one
  factor so that Σ_p days_p · Σ_h x[p, h] equals the series' annual sum. The peak day
  stands only for itself and is kept verbatim (its peak hour is the real one). A series in per
  unit of a capacity (availability: ``Series.cap``) is clipped at 1 (or at the input's own maximum if that is higher) and the clipped excess is
  redistributed over the unclipped hours (iterated); what cannot be placed is the
  *residual*, reported in :class:`Clustering` (and warned about when above 1e-6 of the
  annual sum). A series whose clustered medoid days are all zero while the other days are
  not gets the missing energy spread evenly over the hours of the clustered typical days.
  Prices and limits (an exchange's price multipliers and capability fractions: ``Series.rescale``
  False) are not rescaled: they keep the medoid days' values (an annual sum of prices means
  nothing, and rescaling a limit would move a clipped excess into the hours where it binds).
"""
from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.spatial.distance import cdist

from ..errors import CaseError, GridplanError
from .components import COMPONENTS
from .readers import case_path

log = logging.getLogger(__name__)

HOURS_PER_DAY = 24
DAYS = 365
RESIDUAL_WARN = 1e-6
K_EXPECTED = f"between 2 and {DAYS} (the peak-demand day is always its own typical day)"
"""What a number of typical days must be (checked here, and up front by the CLI and batch runs)."""


def valid_k(k) -> bool:
    """2 <= k <= 365: the peak day is its own typical day, and a year has 365 days to cluster."""
    return 2 <= int(k) <= DAYS


def require_k(k, name: str) -> int:
    """``k`` when it is a valid number of typical days, else one line naming the option ``name``."""
    if not valid_k(k):
        raise GridplanError(f"{name}: got {k}; expected {K_EXPECTED}")
    return int(k)

CLIP = {s.attr: (s.profile, s.cap) for c in COMPONENTS for s in c.series if s.cap is not None and s.rescale}
"""Rescaled series in per unit of capacity (what they are, the cap): a rescaled hour may not exceed
the cap, nor the input's own maximum."""


KEPT = {s.attr for c in COMPONENTS for s in c.series if not s.rescale}
"""Series whose medoid days are kept as they are (no annual-sum rescaling): prices and limits."""


def clustered_series() -> tuple[tuple[str, str | None], ...]:
    """(CaseData attribute, its elements' table) of every series typical days cluster, in feature order.

    Demand first, then the component families' series (availability, inflow, the exchanges'
    price multipliers and capability fractions, electrification's shape): the order of the
    features decides nothing but must stay fixed, so the same year gives the same days. A
    series constant over the year (an exchange without profiles: all 1) adds no feature.
    """
    return (("demand", None),) + tuple((s.attr, c.table) for c in COMPONENTS for s in c.series)


# --------------------------------------------------------------------------- k-medoids


def kmedoids(D: np.ndarray, k: int, max_swaps: int = 10_000) -> tuple[np.ndarray, np.ndarray, float]:
    """k-medoids of points given by their distance matrix ``D`` (n, n): PAM BUILD + SWAP.

    BUILD takes the point with the least total distance, then repeatedly the point that
    lowers the total distance most. SWAP then replaces, one at a time, the (medoid,
    non-medoid) pair whose exchange lowers the total distance most, until none does.
    Deterministic (``argmin``/``argmax`` break ties by the lowest index). Returns
    ``(medoids, labels, cost)``: the medoids in increasing index order and ``labels[j]`` the
    position in ``medoids`` of point j's nearest medoid; a point exactly as far from two
    medoids goes to the lower-numbered one, and every medoid labels itself.
    """
    D = np.asarray(D, dtype=float)
    n = len(D)
    if not 1 <= k <= n:
        raise ValueError(f"k = {k} must be between 1 and the number of points ({n})")
    med = _swap(D, _build(D, k), max_swaps)
    med = np.sort(med)                 # so that argmin's first-of-equals is the lowest index
    Dm = D[med]
    labels = np.argmin(Dm, axis=0)
    labels[med] = np.arange(k)         # a medoid identical to another still stands for itself
    return med, labels, float(Dm[labels, np.arange(n)].sum())


def _build(D: np.ndarray, k: int) -> np.ndarray:
    """PAM BUILD: the most central point, then greedily the point that lowers the total most."""
    med = [int(np.argmin(D.sum(axis=1)))]
    d1 = D[med[0]].copy()
    for _ in range(1, k):
        gain = np.maximum(d1[None, :] - D, 0.0).sum(axis=1)
        gain[med] = -1.0
        c = int(np.argmax(gain))
        med.append(c)
        d1 = np.minimum(d1, D[c])
    return np.array(med)


def _swap(D: np.ndarray, med: np.ndarray, max_swaps: int = 10_000) -> np.ndarray:
    """PAM SWAP: best-improvement exchanges of a medoid and a non-medoid until none helps."""
    n, k = len(D), len(med)
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
    return med


# --------------------------------------------------------------------------- features and rescaling


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
    wts = counts[other][None, :, None]                   # days each clustered typical day stands for
    y = typ[:, other]                                    # (n, k-1, 24), a copy
    for i in range(n):
        if target[i] <= 0:
            y[i] = 0.0
            continue
        cap = None if clip is None else max(clip, float(x_days[i].max()))  # never below the input's own max
        y[i] = _fit_annual_sum(y[i], wts[0], target[i], cap, iterations)
    typ[:, other] = y
    reduced = (typ * counts[None, :, None]).sum(axis=(1, 2))
    return typ, x_days.sum(axis=(1, 2)) - reduced


def _fit_annual_sum(yi: np.ndarray, wts: np.ndarray, target: float, cap: float | None,
                    iterations: int) -> np.ndarray:
    """Scale one series' clustered days (k-1, 24) so Σ wts·y = target, hours capped at ``cap``."""
    if (yi * wts).sum() <= 0:                            # all medoid days empty: spread evenly
        yi[...] = target / (wts.sum() * HOURS_PER_DAY)
    for _ in range(iterations):
        if cap is not None:
            np.minimum(yi, cap, out=yi)
        total = (yi * wts).sum()
        if abs(total - target) <= 1e-12 * target:
            break
        if total > target:                               # scaling down never hits the cap
            yi *= target / total
            continue
        free = yi < cap if cap is not None else np.ones(yi.shape, dtype=bool)
        fixed = (np.where(free, 0.0, yi) * wts).sum()
        movable = (np.where(free, yi, 0.0) * wts).sum()
        if movable <= 0:
            break
        yi[free] *= (target - fixed) / movable
    if cap is not None:
        np.minimum(yi, cap, out=yi)
    return yi


# --------------------------------------------------------------------------- the reduction


@dataclass
class Clustering:
    """How the year was reduced (attached to the returned data as ``data.clustering``)."""

    k: int
    medoid_days: np.ndarray         # (k,) calendar day (0-based) of each typical day
    days_represented: np.ndarray    # (k,) calendar days each typical day stands for
    day_sequence: np.ndarray        # (365,) typical day standing for each calendar day
    peak_day: int
    peak_typical_day: int
    distance: float                 # k-medoids total distance (normalised features)
    residual: dict = field(default_factory=dict)
    """Per series ('demand', 'avail', 'inflow', the exchanges' 'import_price_pu' ... 'export_limit_pu',
    'electrification_shape'): annual sum − reduced annual sum per element (MWh for demand/inflow,
    full-load hours for availability and capability fractions); zero unless clipping bit."""


def apply_typical_days(data, k: int):
    """Return a copy of ``data`` reduced to ``k`` typical days (see the module docstring)."""
    # prepare() ran check_typical_days with the case's real resolution; this only guards direct calls
    assert data.T == DAYS * HOURS_PER_DAY and valid_k(k), "typical days need a checked hourly year"
    k = int(k)
    series = clustered_series()
    feats = np.hstack([_normalised_days(getattr(data, s)) for s, _ in series])
    info = _cluster_days(feats, data.demand.sum(axis=0), k)
    reduced = {}
    for s, table in series:
        x = getattr(data, s)
        days = x.reshape(len(x), DAYS, HOURS_PER_DAY)
        if s in KEPT:          # prices and limits: the medoid days as they are (Series.rescale)
            typ = days[:, info.medoid_days, :].copy()
            info.residual[s] = days.sum(axis=(1, 2)) - (typ * info.days_represented[None, :, None]).sum(axis=(1, 2))
        else:
            typ, info.residual[s] = _rescale(days, info.medoid_days, info.days_represented.astype(float),
                                             info.peak_typical_day, CLIP[s][1] if s in CLIP else None)
        reduced[s] = typ.reshape(len(x), k * HOURS_PER_DAY)
        if s in CLIP:
            _warn_clipped(s, getattr(data, table).index, info.residual[s], x.sum(axis=1))
    log.info("clustered the 365 days into %d typical days (the peak day kept as its own)", k)
    return replace(data, **_typical_day_snapshots(info, data.snapshot_hour.dtype), **reduced, clustering=info)


def check_typical_days(case, k, resolution) -> list:
    """Typical days (``k`` of them; none or 0: no check) need a whole hourly year at 1 h and
    2 <= k <= 365. A pure check, run with every other check before anything is clustered, so
    ``validate`` refuses what clustering would."""
    if not k:
        return []
    file, H, out = case_path(case), case.time.hours, []
    if H != DAYS * HOURS_PER_DAY:
        out.append(CaseError(file, "time.hours", H, f"{DAYS * HOURS_PER_DAY} (a full hourly year) with time.typical_days"))
    if resolution != 1:
        out.append(CaseError(file, "time.resolution", resolution, "1 with time.typical_days (typical days are hourly)"))
    if not valid_k(k):
        out.append(CaseError(file, "time.typical_days", k, K_EXPECTED))
    return out


def _cluster_days(feats: np.ndarray, system_demand: np.ndarray, k: int) -> Clustering:
    """The peak day on its own, k-medoids over the other days; typical days in calendar order."""
    peak_day = int(np.argmax(system_demand)) // HOURS_PER_DAY
    rest = np.delete(np.arange(DAYS), peak_day)
    dist = cdist(feats[rest], feats[rest])               # Euclidean; exactly 0 for identical days
    med, labels, cost = kmedoids(dist, k - 1)
    med_days = np.append(rest[med], peak_day)
    day_cluster = np.empty(DAYS, dtype=int)
    day_cluster[rest] = labels
    day_cluster[peak_day] = k - 1
    order = np.argsort(med_days, kind="stable")          # typical days in calendar order of their medoid
    rank = np.empty(k, dtype=int)
    rank[order] = np.arange(k)
    seq = rank[day_cluster]
    return Clustering(k=k, medoid_days=med_days[order], days_represented=np.bincount(seq, minlength=k),
                      day_sequence=seq, peak_day=peak_day, peak_typical_day=int(rank[k - 1]), distance=cost)


def _typical_day_snapshots(info: Clustering, hour_dtype) -> dict:
    """The CaseData time fields of ``k`` typical days of 24 one-hour snapshots each."""
    L = HOURS_PER_DAY
    typical_day_of = np.repeat(np.arange(info.k), L)
    pos = np.tile(np.arange(L), info.k)
    weights = info.days_represented.astype(float)[typical_day_of]
    return dict(weights=weights, duration=np.ones(len(weights)),
                snapshot_hour=(info.medoid_days[typical_day_of] * L + pos).astype(hour_dtype),
                prev=typical_day_of * L + (pos - 1) % L,
                typical_day_of=typical_day_of, day_sequence=info.day_sequence)


def _warn_clipped(series: str, names, residual: np.ndarray, annual: np.ndarray) -> None:
    """Warn about elements whose clipped series lost more than RESIDUAL_WARN of its annual sum."""
    bad = np.abs(residual) > RESIDUAL_WARN * np.maximum(annual, 1.0)
    if bad.any():
        listed = ", ".join(f"{g} ({r:.4g} h)" for g, r in zip(names[bad], residual[bad]))
        what, cap = CLIP[series]
        warnings.warn(f"typical days: {what} clipped at {cap:g} loses annual full-load hours of {listed}",
                      stacklevel=3)
