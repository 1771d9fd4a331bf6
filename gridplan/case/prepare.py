"""Validated :class:`Case` → :class:`CaseData`: numbers in the model's units.

This is the one place where units are converted:

* power MW, energy MWh, time hours, emissions t CO2, primary energy tce;
* money in *model money units* (:data:`MONEY`, kCNY) so that objective
  coefficients stay between ~1e-3 (variable O&M) and ~1e3 (annualised capex);
  :mod:`gridplan.results` converts back to CNY;
* catalogue costs per kW / kWh become per MW / MWh; capex becomes an annual
  cost with the capital recovery factor ``crf = r / (1 - (1 + r)^-life)``.

Profiles are read once per file, checked (length, NaN, negatives, path inside
the case's root) and then reduced in time (``time.resolution`` hours per
snapshot, chronological averages weighted by the hours they stand for, so
annual energies are exact).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CaseError
from .load import case_path
from .schema import Case, Profile

MONEY = 1e-3
"""Model money units per CNY (the model counts kCNY)."""
GJ_PER_MWH = 3.6
GJ_PER_TCE = 29.3076
SEASONAL_STORAGE_RATIO = 0.05
"""Reservoir volume / annual inflow above which a plant counts as seasonal-or-better (default rule)."""

CATALOGUE_FLAGS = ("non_fossil", "renewable", "new_energy", "clean")
CATALOGUE_COLUMNS = (
    "technology", "year", "carrier", "kind", *CATALOGUE_FLAGS, "capex_cny_per_kw",
    "capex_cny_per_kwh", "fom_pct_capex_per_yr", "vom_cny_per_mwh", "lifetime_yr", "efficiency",
    "roundtrip_efficiency", "standing_loss_pct_per_h", "fuel", "capacity_credit",
    "min_duration_h", "max_duration_h",
)


def crf(rate: float, life: float) -> float:
    """Capital recovery factor: the annuity that repays 1 over ``life`` years at ``rate``."""
    return rate / (1.0 - (1.0 + rate) ** -life)


@dataclass
class CaseData:
    """Everything the model needs, as indexed frames and arrays in model units."""

    case: Case
    weights: np.ndarray                 # (T,) hours each snapshot stands for
    snapshot_hour: np.ndarray           # (T,) hour of year at which each snapshot starts
    prev: np.ndarray                    # (T,) index of the previous snapshot (cyclic)
    buses: pd.Index
    demand: np.ndarray                  # (N, T) MW
    peak: np.ndarray                    # (N,) MW (of the case's peak_mw, not of the reduced profile)
    tech: pd.DataFrame                  # catalogue rows used, indexed by technology
    gens: pd.DataFrame
    avail: np.ndarray                   # (G, T) per unit
    storage: pd.DataFrame
    reservoirs: pd.DataFrame
    inflow: np.ndarray                  # (R, T) MW
    lines: pd.DataFrame
    dr: pd.DataFrame
    exchanges: pd.DataFrame
    groups: dict = field(default_factory=dict)   # group name -> set of technologies
    period_of: np.ndarray | None = None  # (T,) typical-period index of each snapshot (None: chronological)
    period_sequence: np.ndarray | None = None  # (days,) typical period standing for each day of the year
    duration: np.ndarray | None = None  # (T,) real hours one snapshot lasts (= weights unless days are clustered)
    clustering: object | None = None    # how typical days were chosen (gridplan.timeseries)
    prepare_s: float = 0.0              # seconds spent reading, converting and reducing

    def __post_init__(self):
        if self.duration is None:
            self.duration = self.weights.copy()

    @property
    def T(self) -> int:
        return len(self.weights)

    @property
    def snapshots(self) -> pd.Index:
        return pd.RangeIndex(self.T, name="snapshot")


# --------------------------------------------------------------------------- files


class _Files:
    """Reads each CSV once; resolves paths against the case file; guards the root."""

    def __init__(self, case: Case):
        self.case = case
        self.file = case_path(case)
        self.base = self.file.parent
        self.root = (self.base / case.root).resolve()
        self._cache: dict[Path, pd.DataFrame] = {}

    def resolve(self, rel: str, field_path: str) -> Path:
        p = (self.base / rel).resolve()
        if not p.is_relative_to(self.root):
            raise CaseError(self.file, field_path, rel,
                            f"a path inside the case's root {self.root} (set `root:` to widen it)")
        if not p.exists():
            raise CaseError(self.file, field_path, rel, "an existing file")
        return p

    def table(self, rel: str, field_path: str) -> pd.DataFrame:
        p = self.resolve(rel, field_path)
        if p not in self._cache:
            try:
                self._cache[p] = pd.read_csv(p)
            except Exception as exc:  # noqa: BLE001 - any parse failure is a user error
                raise CaseError(p, field_path, rel, f"a readable CSV ({exc.__class__.__name__})") from None
        return self._cache[p]

    def profile(self, prof: Profile, field_path: str, hours: int) -> np.ndarray:
        df = self.table(prof.file, field_path + ".file")
        if prof.column not in df.columns:
            raise CaseError(self.file, field_path + ".column", prof.column,
                            f"a column of {prof.file} ({', '.join(map(str, df.columns))})")
        s = pd.to_numeric(df[prof.column], errors="coerce")
        if len(s) != hours:
            raise CaseError(self.file, field_path, f"{prof.file}:{prof.column} has {len(s)} rows",
                            f"{hours} rows (time.hours)")
        v = s.to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(v))
        if bad.size:
            raise CaseError(self.file, field_path, f"{prof.file}:{prof.column} row {bad[0] + 2} is not a number",
                            "finite numbers in every row")
        neg = np.flatnonzero(v < 0)
        if neg.size:
            raise CaseError(self.file, field_path,
                            f"{prof.file}:{prof.column} row {neg[0] + 2} = {v[neg[0]]}", "values >= 0")
        return v * (1.0 if prof.scale is None else prof.scale)


# --------------------------------------------------------------------------- catalogue


def _truthy(v) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "yes", "y")
    return bool(v) and not (isinstance(v, float) and np.isnan(v))


def read_catalogue(case: Case, files: _Files) -> pd.DataFrame:
    """Catalogue rows for the case's year (linear interpolation between years), with overrides."""
    spec = case.technologies
    df = files.table(spec.catalogue, "technologies.catalogue")
    missing = [c for c in CATALOGUE_COLUMNS if c not in df.columns]
    if missing:
        raise CaseError(files.resolve(spec.catalogue, "technologies.catalogue"), "columns", missing,
                        "the catalogue columns " + ", ".join(CATALOGUE_COLUMNS))
    rows = {}
    numeric = [c for c in CATALOGUE_COLUMNS if c not in ("technology", "carrier", "kind", "fuel", *CATALOGUE_FLAGS)]
    for tech, g in df.groupby("technology", sort=False):
        g = g.sort_values("year")
        years = g["year"].to_numpy(dtype=float)
        y = float(case.year)
        if y in years:
            row = g[g["year"] == y].iloc[0].copy()
        elif years.min() < y < years.max():
            i = np.searchsorted(years, y)
            a, b = g.iloc[i - 1], g.iloc[i]
            f = (y - years[i - 1]) / (years[i] - years[i - 1])
            row = a.copy()
            for c in numeric:
                va, vb = pd.to_numeric(a[c], errors="coerce"), pd.to_numeric(b[c], errors="coerce")
                row[c] = va + f * (vb - va) if np.isfinite(va) and np.isfinite(vb) else va
            row["year"] = y
        else:
            continue  # not available for this year; a component naming it fails below
        rows[tech] = row
    cat = pd.DataFrame(rows).T
    cat.index.name = "technology"
    for tech, over in spec.overrides.items():
        if tech not in cat.index:
            raise CaseError(files.file, f"technologies.overrides.{tech}", tech,
                            f"a technology of the catalogue for {case.year}")
        for col, val in over.items():
            if col not in cat.columns or col in ("technology", "year"):
                raise CaseError(files.file, f"technologies.overrides.{tech}.{col}", val,
                                "a catalogue column (" + ", ".join(CATALOGUE_COLUMNS[2:]) + ")")
            if col in numeric and val is not None:
                try:
                    val = float(val)
                except (TypeError, ValueError):
                    raise CaseError(files.file, f"technologies.overrides.{tech}.{col}", val, "a number") from None
            cat.loc[tech, col] = val
    for c in numeric:
        cat[c] = pd.to_numeric(cat[c], errors="coerce")
    for c in CATALOGUE_FLAGS:
        cat[c] = cat[c].map(_truthy)
    cat["fuel"] = cat["fuel"].fillna("").astype(str)
    return cat


def _fuels(case: Case, files: _Files) -> pd.DataFrame:
    if case.technologies.fuels is None:
        return pd.DataFrame(columns=["price_cny_per_gj", "co2_t_per_gj"])
    df = files.table(case.technologies.fuels, "technologies.fuels")
    d = df.assign(dist=(df["year"] - case.year).abs()).sort_values("dist")
    return d.drop_duplicates("fuel").set_index("fuel")[["price_cny_per_gj", "co2_t_per_gj"]]


def build_groups(case: Case, cat: pd.DataFrame) -> dict[str, set]:
    """Implicit groups plus the case's own.

    Implicit: ``all`` (every generating technology: storage and lines are not
    generation capacity), one per carrier (``hydro``, ``wind``...), one per
    catalogue flag (``non_fossil``, ``renewable``, ``new_energy``, ``clean``).
    """
    groups: dict[str, set] = {"all": set(cat.index[~cat["kind"].isin(["line", "storage"])])}
    for carrier, g in cat.groupby("carrier"):
        groups[str(carrier)] = set(g.index)
    for f in CATALOGUE_FLAGS:
        groups[f] = set(cat.index[cat[f]])
    file = case_path(case)
    for name, spec in case.groups.items():
        members = set()
        for t in spec.technologies:
            if t not in cat.index:
                raise CaseError(file, f"groups.{name}.technologies", t, "a technology of the catalogue")
            members.add(t)
        for c in spec.carriers:
            if c not in set(cat["carrier"]):
                raise CaseError(file, f"groups.{name}.carriers", c, "a carrier of the catalogue")
            members |= set(cat.index[cat["carrier"] == c])
        if spec.flags:
            members |= set(cat.index[np.logical_and.reduce([cat[f].to_numpy() for f in spec.flags])])
        groups[name] = members
    return groups


# --------------------------------------------------------------------------- time


def reduce_time(arr: np.ndarray, resolution: int) -> np.ndarray:
    """Chronological averages over blocks of ``resolution`` hours along the last axis."""
    if resolution == 1:
        return arr
    H = arr.shape[-1]
    starts = np.arange(0, H, resolution)
    sums = np.add.reduceat(arr, starts, axis=-1)
    lengths = np.diff(np.append(starts, H))
    return sums / lengths


def _time(case: Case, resolution: int | None):
    H = case.time.hours
    res = resolution or case.time.resolution
    starts = np.arange(0, H, res)
    weights = np.diff(np.append(starts, H)).astype(float)
    prev = np.roll(np.arange(len(starts)), 1)
    return res, starts, weights, prev


# --------------------------------------------------------------------------- components


def _tech_of(cat, file, kind_path, tech, allowed_kinds):
    if tech not in cat.index:
        raise CaseError(file, kind_path, tech, "a technology of the catalogue for this year")
    kind = cat.loc[tech, "kind"]
    if kind not in allowed_kinds:
        raise CaseError(file, kind_path, tech, f"a technology of kind {' or '.join(allowed_kinds)} (it is {kind})")
    return cat.loc[tech]


def _annual(row, rate, capex_col="capex_cny_per_kw", per=1000.0):
    capex = float(np.nan_to_num(row[capex_col])) * per  # CNY per MW (or MWh)
    life = float(row["lifetime_yr"]) if np.isfinite(row["lifetime_yr"]) else 30.0
    fom = capex * float(np.nan_to_num(row["fom_pct_capex_per_yr"])) / 100.0
    return capex * crf(rate, life) + fom, fom


def _build_range(file, path: str, existing: float, min_: float, max_, default_max=None, unit="mw"):
    """(build_min, build_max) of an expandable quantity, with one check for every component.

    total = existing + build must lie in [min_, max_]; ``max_`` None means
    ``default_max`` (None: no expansion beyond a committed floor, i.e.
    max(existing, min_)). A ceiling below what already exists is an input error,
    not an infeasible LP.
    """
    top = (max(existing, min_) if default_max is None else default_max) if max_ is None else max_
    if top < existing:
        raise CaseError(file, f"{path}.max_{unit}", max_, f">= existing_{unit} ({existing:g}): "
                        "installed capacity cannot be removed")
    if min_ > top:
        raise CaseError(file, f"{path}.min_{unit}", min_, f"<= max_{unit} ({top:g})")
    return max(0.0, min_ - existing), top - existing


def prepare(case: Case, resolution: int | None = None, typical_days: int | None = None) -> CaseData:
    """Read profiles and the catalogue, convert units, reduce time. No Pyomo here.

    ``resolution`` (hours per snapshot) and ``typical_days`` override the case's
    ``time`` settings; ``typical_days=0`` switches clustering off.
    """
    t_start = time.perf_counter()
    files = _Files(case)
    file = files.file
    H = case.time.hours
    res, starts, weights, prev = _time(case, resolution)
    r = case.discount_rate
    cat = read_catalogue(case, files)
    fuels = _fuels(case, files)
    groups = build_groups(case, cat)

    # buses and demand
    buses = pd.Index([b.name for b in case.buses], name="bus")
    demand_h = np.zeros((len(buses), H))
    peak = np.zeros(len(buses))
    for i, b in enumerate(case.buses):
        if b.demand is not None:
            prof = files.profile(b.demand.profile, f"buses[{b.name}].demand.profile", H)
            demand_h[i] = prof * b.demand.peak_mw
            peak[i] = b.demand.peak_mw

    # generators
    grows, avail_h = [], []
    for g in case.generators:
        path = f"generators[{g.name}]"
        t = _tech_of(cat, file, path + ".technology", g.technology, ("variable", "dispatchable"))
        if ("buildable" in cat.columns and not pd.isna(t["buildable"]) and not _truthy(t["buildable"])
                and (g.max_mw or 0) > g.existing_mw):
            raise CaseError(file, path + ".max_mw", g.max_mw,
                            f"<= existing_mw ({g.existing_mw}): {g.technology} cannot be newly built (catalogue buildable=false)")
        ann, fom = _annual(t, r)
        eff = float(t["efficiency"]) if np.isfinite(t["efficiency"]) else 1.0
        if not 0 < eff <= 1:
            raise CaseError(file, path + ".technology", g.technology,
                            f"efficiency in (0, 1] (catalogue or technologies.overrides; it is {eff})")
        fuel = t["fuel"]
        if fuel and fuel not in fuels.index:
            raise CaseError(file, path + ".technology", g.technology,
                            f"fuel {fuel!r} of this technology listed in technologies.fuels")
        fuel_price = float(fuels.loc[fuel, "price_cny_per_gj"]) if fuel else 0.0
        co2_gj = float(fuels.loc[fuel, "co2_t_per_gj"]) if fuel else 0.0
        fuel_gj_per_mwh = GJ_PER_MWH / eff if fuel else 0.0
        vom = float(np.nan_to_num(t["vom_cny_per_mwh"]))
        grows.append(dict(
            name=g.name, bus=g.bus, technology=g.technology, carrier=t["carrier"], kind=t["kind"],
            **{f: bool(t[f]) for f in CATALOGUE_FLAGS},
            existing_mw=g.existing_mw,
            **dict(zip(("build_min", "build_max"), _build_range(file, path, g.existing_mw, g.min_mw, g.max_mw))),
            ann_cost=ann * MONEY, fom_existing=fom * g.existing_mw * MONEY,
            fuel_cost=fuel_price * fuel_gj_per_mwh * MONEY, vom=vom * MONEY,
            co2_t_per_mwh=co2_gj * fuel_gj_per_mwh,
            fuel_tce_per_mwh=(fuel_gj_per_mwh / GJ_PER_TCE) if (fuel and not t["non_fossil"]) else 0.0,
            must_run=g.must_run or 0.0, ramp=g.ramp if g.ramp is not None else np.nan,
            capacity_credit=g.capacity_credit if g.capacity_credit is not None else float(np.nan_to_num(t["capacity_credit"])),
        ))
        if g.availability is not None:
            a = files.profile(g.availability, path + ".availability", H)
        else:
            a = np.ones(H)
        avail_h.append(a)
    gens = pd.DataFrame(grows).set_index("name") if grows else pd.DataFrame(columns=["bus"])
    gens.index.name = "generator"

    # storage
    srows = []
    for s in case.storage:
        path = f"storage[{s.name}]"
        t = _tech_of(cat, file, path + ".technology", s.technology, ("storage",))
        ann_p, fom_p = _annual(t, r, "capex_cny_per_kw")
        ann_e, fom_e = _annual(t, r, "capex_cny_per_kwh")
        rte = float(t["roundtrip_efficiency"]) if np.isfinite(t["roundtrip_efficiency"]) else 1.0
        if not 0 < rte <= 1:
            raise CaseError(file, path + ".technology", s.technology, "roundtrip_efficiency in (0, 1]")
        dmin = s.min_duration_h if s.min_duration_h is not None else float(np.nan_to_num(t["min_duration_h"]))
        dmax = s.max_duration_h if s.max_duration_h is not None else (
            float(t["max_duration_h"]) if np.isfinite(t["max_duration_h"]) else np.inf)
        bmin_p, bmax_p = _build_range(file, path, s.existing_mw, s.min_mw, s.max_mw)
        # energy is unbounded when power can expand (durations bound it), else fixed
        bmin_e, bmax_e = _build_range(file, path, s.existing_mwh, s.min_mwh, s.max_mwh,
                                      default_max=np.inf if bmax_p > 0 else None, unit="mwh")
        srows.append(dict(
            name=s.name, bus=s.bus, technology=s.technology,
            existing_mw=s.existing_mw, existing_mwh=s.existing_mwh,
            build_min_mw=bmin_p, build_max_mw=bmax_p, build_min_mwh=bmin_e, build_max_mwh=bmax_e,
            ann_cost_mw=ann_p * MONEY, ann_cost_mwh=ann_e * MONEY,
            fom_existing=(fom_p * s.existing_mw + fom_e * s.existing_mwh) * MONEY,
            vom=float(np.nan_to_num(t["vom_cny_per_mwh"])) * MONEY,
            eta_charge=np.sqrt(rte), eta_discharge=np.sqrt(rte),
            loss_per_h=float(np.nan_to_num(t["standing_loss_pct_per_h"])) / 100.0,
            min_duration_h=dmin, max_duration_h=dmax,
            capacity_credit=s.capacity_credit if s.capacity_credit is not None else float(np.nan_to_num(t["capacity_credit"])),
        ))
    storage = pd.DataFrame(srows).set_index("name") if srows else pd.DataFrame(columns=["bus"])
    storage.index.name = "storage"

    # reservoirs
    rrows, inflow_h = [], []
    for rv in case.reservoirs:
        path = f"reservoirs[{rv.name}]"
        t = _tech_of(cat, file, path + ".technology", rv.technology, ("reservoir",))
        ann, fom = _annual(t, r)
        if rv.inflow.scale is None and rv.existing_mw == 0:
            raise CaseError(file, path + ".inflow.scale", None,
                            "a scale in MW for the inflow profile (the default, existing_mw, is 0)")
        scale = rv.inflow.scale if rv.inflow.scale is not None else rv.existing_mw
        inflow = files.profile(rv.inflow.model_copy(update={"scale": None}), path + ".inflow", H) * scale
        mean_inflow = inflow.mean()
        # Seasonal-or-better regulation (季以上调节). Explicit `seasonal:` wins (the
        # shipped cases set it from the plant list). Otherwise a reservoir counts
        # when its regulating storage is at least 5 % of annual inflow (库容系数,
        # ~18 days of mean inflow): daily/weekly pondage is far below that, the
        # seasonal Sichuan reservoirs (Ertan ~10 %) above it. A modelling rule, not a statute.
        seasonal = rv.seasonal if rv.seasonal is not None else (
            mean_inflow > 0 and rv.reservoir_mwh >= SEASONAL_STORAGE_RATIO * mean_inflow * H)
        rrows.append(dict(
            name=rv.name, bus=rv.bus, technology=rv.technology, carrier=t["carrier"],
            **{f: bool(t[f]) for f in CATALOGUE_FLAGS},
            existing_mw=rv.existing_mw,
            **dict(zip(("build_min", "build_max"), _build_range(file, path, rv.existing_mw, rv.min_mw, rv.max_mw))),
            ann_cost=ann * MONEY, fom_existing=fom * rv.existing_mw * MONEY,
            vom=float(np.nan_to_num(t["vom_cny_per_mwh"])) * MONEY,
            reservoir_mwh=rv.reservoir_mwh, min_release=rv.min_release, seasonal=bool(seasonal),
            capacity_credit=rv.capacity_credit if rv.capacity_credit is not None else float(np.nan_to_num(t["capacity_credit"])),
        ))
        inflow_h.append(inflow)
    reservoirs = pd.DataFrame(rrows).set_index("name") if rrows else pd.DataFrame(columns=["bus"])
    reservoirs.index.name = "reservoir"

    # lines
    lrows = []
    for ln in case.lines:
        path = f"lines[{ln.name}]"
        t = _tech_of(cat, file, path + ".technology", ln.technology, ("line",))
        ann, fom = _annual(t, r, per=1.0)  # catalogue: CNY per MW per km
        _, build_max = _build_range(file, path, ln.existing_mw, 0.0, ln.max_mw)
        lrows.append(dict(name=ln.name, bus0=ln.bus0, bus1=ln.bus1, existing_mw=ln.existing_mw,
                          build_max=build_max, length_km=ln.length_km,
                          reactance=ln.reactance_ohm or np.nan,
                          ann_cost=ann * ln.length_km * MONEY,
                          fom_existing=fom * ln.length_km * ln.existing_mw * MONEY))
    lines = pd.DataFrame(lrows).set_index("name") if lrows else pd.DataFrame(columns=["bus0", "bus1"])
    lines.index.name = "line"

    dr = pd.DataFrame([dict(name=d.name, bus=d.bus, existing_mw=d.existing_mw,
                            build_max=_build_range(file, f"demand_response[{d.name}]", d.existing_mw, 0.0,
                                                   d.max_mw, default_max=np.inf)[1],
                            ann_cost=d.cost_cny_per_kw_yr * 1000 * MONEY,
                            fom_existing=d.cost_cny_per_kw_yr * 1000 * d.existing_mw * MONEY,
                            activation=d.activation_cny_per_mwh * MONEY,
                            max_hours=np.inf if d.max_hours_per_year is None else d.max_hours_per_year)
                       for d in case.demand_response])
    dr = dr.set_index("name") if len(dr) else pd.DataFrame(columns=["bus"])
    dr.index.name = "demand_response"

    ex = pd.DataFrame([dict(name=e.name, bus=e.bus, max_import=e.max_import_mw, max_export=e.max_export_mw,
                            import_cost=e.import_cny_per_mwh * MONEY, export_revenue=e.export_cny_per_mwh * MONEY,
                            co2_t_per_mwh=e.co2_t_per_mwh, non_fossil_fraction=e.non_fossil_fraction,
                            firm_mw=e.firm_mw) for e in case.exchanges])
    ex = ex.set_index("name") if len(ex) else pd.DataFrame(columns=["bus"])
    ex.index.name = "exchange"

    G = len(gens)
    avail = reduce_time(np.array(avail_h).reshape(G, H), res)
    inflow = reduce_time(np.array(inflow_h).reshape(len(reservoirs), H), res)
    data = CaseData(case=case, weights=weights, snapshot_hour=starts, prev=prev, buses=buses,
                    demand=reduce_time(demand_h, res), peak=peak, tech=cat, gens=gens, avail=avail,
                    storage=storage, reservoirs=reservoirs, inflow=inflow, lines=lines, dr=dr,
                    exchanges=ex, groups=groups)
    from ..network import check_supply  # local import: network needs CaseData
    check_supply(data)
    k = case.time.typical_days if typical_days is None else typical_days
    if k:
        from ..timeseries import apply_typical_days  # local: only clustered runs need it
        data = apply_typical_days(data, k)
    data.prepare_s = time.perf_counter() - t_start
    return data
