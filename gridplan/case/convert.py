"""Case records → frames in model units, one converter per component family.

This is where the components' units are converted (families never do; the only other
conversion is the targets' shortfall prices, :func:`gridplan.case.targets.prepare_targets`,
which :mod:`gridplan.case.prepare` hands :data:`MONEY`):

* power MW, energy MWh, time hours, emissions t CO2, primary energy tce;
* money in *model money units* (:data:`MONEY` = 1e-3 per CNY: the model counts kCNY) so
  that objective coefficients stay between ~1e-3 (variable O&M) and ~1e3 (annualised capex);
  results convert back with ``CaseData.cny_per_model_money``;
* catalogue costs per kW / kWh become per MW / MWh (lines and exchange capability built: per MW
  per km); capex becomes an annual cost with the capital recovery factor
  ``crf = r / (1 - (1 + r)^-life)``
  (life 30 years where the catalogue leaves it blank), plus fixed O&M
  ``fom = capex · fom_pct / 100`` per year;
* electrification: its cost per MWh/yr in model money; its profile stays a raw shape,
  normalised to the year's energy on the prepared snapshots (:func:`gridplan.case.prepare.annual_shape`);
* fuel: ``GJ_PER_MWH / efficiency`` GJ per MWh of electricity, priced at the fuel's
  CNY/GJ and emitting its t CO2/GJ; fossil fuel counted as tce at ``GJ_PER_TCE``;
  the CO2 price becomes a cost per MWh, ``co2_cost = price · t CO2/MWh``.

Expandable quantities get ``build_min = max(0, min - existing)`` and
``build_max = ceiling - existing`` (:func:`ceiling`). Every converter takes records
that :mod:`gridplan.case.checks` has passed, and the raw hourly profiles of
:func:`gridplan.case.readers.read_profiles`; it returns its frame (and the hourly
series, element × hour, that time reduction then averages).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .components import EXCHANGE
from .readers import CATALOGUE_FLAGS
from .schema import Case, Profile

MONEY = 1e-3
"""Model money units per CNY (the model counts kCNY)."""
GJ_PER_MWH = 3.6
GJ_PER_TCE = 29.3076
SEASONAL_STORAGE_RATIO = 0.05
"""Reservoir volume / annual inflow above which a plant counts as seasonal-or-better (default rule)."""


def crf(rate: float, life: float) -> float:
    """Capital recovery factor: the annuity that repays 1 over ``life`` years at ``rate``."""
    return rate / (1.0 - (1.0 + rate) ** -life)


# --------------------------------------------------------------------------- shared rules


def ceiling(existing: float, min_: float, max_, default_max=None) -> float:
    """Total capacity an element may reach: ``max_``, or by default ``default_max``
    (None: no expansion beyond a committed floor, i.e. max(existing, min_))."""
    if max_ is not None:
        return max_
    return max(existing, min_) if default_max is None else default_max


def build_range(existing: float, min_: float, max_, default_max=None) -> tuple[float, float]:
    """(build_min, build_max) so that existing + build lies in [min_, ceiling]."""
    return max(0.0, min_ - existing), ceiling(existing, min_, max_, default_max) - existing


def efficiency(tech: pd.Series) -> float:
    """Electric efficiency of a generating technology (blank: 1)."""
    return float(tech["efficiency"]) if np.isfinite(tech["efficiency"]) else 1.0


def roundtrip(tech: pd.Series) -> float:
    """Round-trip efficiency of a storage technology (blank: 1)."""
    return float(tech["roundtrip_efficiency"]) if np.isfinite(tech["roundtrip_efficiency"]) else 1.0


def storage_energy_default(build_max_mw: float):
    """Default energy ceiling: unbounded when power can expand (durations bound it), else fixed."""
    return np.inf if build_max_mw > 0 else None


def scaled(values: np.ndarray, prof: Profile) -> np.ndarray:
    """A raw profile column times its ``scale`` (none: 1)."""
    return values * (1.0 if prof.scale is None else prof.scale)


DEFAULT_LIFETIME_YR = 30.0
"""Economic life of a technology whose catalogue row leaves ``lifetime_yr`` blank."""


def lifetime(row) -> float:
    """Years a unit of the catalogue row's technology stands (annuity and, in a pathway, how long a
    vintage stays built); blank: :data:`DEFAULT_LIFETIME_YR`."""
    return float(row["lifetime_yr"]) if np.isfinite(row["lifetime_yr"]) else DEFAULT_LIFETIME_YR


def _annual(row, rate, capex_col="capex_cny_per_kw", per=1000.0):
    """(annual cost, fixed O&M) in CNY per MW (or MWh, or MW-km with ``per=1``) and year."""
    capex = float(np.nan_to_num(row[capex_col])) * per  # CNY per MW (or MWh)
    life = lifetime(row)
    fom = capex * float(np.nan_to_num(row["fom_pct_capex_per_yr"])) / 100.0
    return capex * crf(rate, life) + fom, fom


def _own_or_catalogue(own, tech: pd.Series, column: str) -> float:
    """An element's own value, else its technology's catalogue cell (blank: 0). The reader adds the
    optional catalogue columns (outage rates) as blanks, so every column asked for exists."""
    return own if own is not None else float(np.nan_to_num(tech[column]))


def _credit(own, tech: pd.Series) -> float:
    return _own_or_catalogue(own, tech, "capacity_credit")


def _frame(rows: list[dict], dim: str, empty_columns=("bus",)) -> pd.DataFrame:
    df = pd.DataFrame(rows).set_index("name") if rows else pd.DataFrame(columns=list(empty_columns))
    df.index.name = dim
    return df


# --------------------------------------------------------------------------- families


def buses(case: Case, profiles: dict) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Bus index, hourly demand (N, H) MW and each bus's peak (N,) MW."""
    names = pd.Index([b.name for b in case.buses], name="bus")
    demand = np.zeros((len(names), case.time.hours))
    peak = np.zeros(len(names))
    for i, b in enumerate(case.buses):
        if b.demand is not None:
            demand[i] = scaled(profiles["buses", b.name, "demand"], b.demand.profile) * b.demand.peak_mw
            peak[i] = b.demand.peak_mw
    return names, demand, peak


def generators(case: Case, cat: pd.DataFrame, fuels: pd.DataFrame,
               profiles: dict) -> tuple[pd.DataFrame, np.ndarray]:
    """Generator frame (costs per MW-yr and per MWh) and hourly availability (G, H) per unit."""
    co2_price = case.options.co2_price_cny_per_t * MONEY
    rows, avail = [], []
    for g in case.generators:
        rows.append(_generator(g, cat.loc[g.technology], fuels, case.discount_rate, co2_price))
        avail.append(np.ones(case.time.hours) if g.availability is None
                     else scaled(profiles["generators", g.name, "availability"], g.availability))
    return _frame(rows, "generator"), np.array(avail).reshape(len(rows), case.time.hours)


def _generator(g, t: pd.Series, fuels: pd.DataFrame, rate: float, co2_price: float) -> dict:
    ann, fom = _annual(t, rate)
    fuel = t["fuel"]
    fuel_price = float(fuels.loc[fuel, "price_cny_per_gj"]) if fuel else 0.0
    co2_gj = float(fuels.loc[fuel, "co2_t_per_gj"]) if fuel else 0.0
    fuel_gj_per_mwh = GJ_PER_MWH / efficiency(t) if fuel else 0.0
    co2_t_per_mwh = co2_gj * fuel_gj_per_mwh
    return dict(
        name=g.name, bus=g.bus, technology=g.technology, carrier=t["carrier"], kind=t["kind"],
        **{f: bool(t[f]) for f in CATALOGUE_FLAGS},
        existing_mw=g.existing_mw,
        **dict(zip(("build_min", "build_max"), build_range(g.existing_mw, g.min_mw, g.max_mw))),
        ann_cost=ann * MONEY, fom_existing=fom * g.existing_mw * MONEY, lifetime_yr=lifetime(t),
        fuel_cost=fuel_price * fuel_gj_per_mwh * MONEY, vom=float(np.nan_to_num(t["vom_cny_per_mwh"])) * MONEY,
        co2_t_per_mwh=co2_t_per_mwh, co2_cost=co2_price * co2_t_per_mwh,
        fuel_tce_per_mwh=(fuel_gj_per_mwh / GJ_PER_TCE) if (fuel and not t["non_fossil"]) else 0.0,
        must_run=g.must_run or 0.0, ramp=g.ramp if g.ramp is not None else np.nan,
        capacity_credit=_credit(g.capacity_credit, t),
        forced_outage_rate=_own_or_catalogue(g.forced_outage_rate, t, "forced_outage_rate"),
        planned_outage_rate=_own_or_catalogue(g.planned_outage_rate, t, "planned_outage_rate"),
    )


def storage(case: Case, cat: pd.DataFrame) -> pd.DataFrame:
    """Storage frame: power (MW) and energy (MWh) sized apart, losses split evenly."""
    return _frame([_storage(s, cat.loc[s.technology], case.discount_rate) for s in case.storage], "storage")


def _storage(s, t: pd.Series, rate: float) -> dict:
    ann_p, fom_p = _annual(t, rate, "capex_cny_per_kw")
    ann_e, fom_e = _annual(t, rate, "capex_cny_per_kwh")
    rte = roundtrip(t)
    bmin_p, bmax_p = build_range(s.existing_mw, s.min_mw, s.max_mw)
    bmin_e, bmax_e = build_range(s.existing_mwh, s.min_mwh, s.max_mwh, storage_energy_default(bmax_p))
    dmin = s.min_duration_h if s.min_duration_h is not None else float(np.nan_to_num(t["min_duration_h"]))
    dmax = s.max_duration_h if s.max_duration_h is not None else (
        float(t["max_duration_h"]) if np.isfinite(t["max_duration_h"]) else np.inf)
    return dict(
        name=s.name, bus=s.bus, technology=s.technology,
        existing_mw=s.existing_mw, existing_mwh=s.existing_mwh,
        build_min_mw=bmin_p, build_max_mw=bmax_p, build_min_mwh=bmin_e, build_max_mwh=bmax_e,
        ann_cost_mw=ann_p * MONEY, ann_cost_mwh=ann_e * MONEY, lifetime_yr=lifetime(t),
        fom_existing=(fom_p * s.existing_mw + fom_e * s.existing_mwh) * MONEY,
        vom=float(np.nan_to_num(t["vom_cny_per_mwh"])) * MONEY,
        eta_charge=np.sqrt(rte), eta_discharge=np.sqrt(rte),
        loss_per_h=float(np.nan_to_num(t["standing_loss_pct_per_h"])) / 100.0,
        min_duration_h=dmin, max_duration_h=dmax,
        capacity_credit=_credit(s.capacity_credit, t),
    )


def inflow_scale(rv) -> float:
    """MW per unit of the inflow profile: ``inflow.scale``, by default the existing turbine."""
    return rv.inflow.scale if rv.inflow.scale is not None else rv.existing_mw


def reservoirs(case: Case, cat: pd.DataFrame, profiles: dict) -> tuple[pd.DataFrame, np.ndarray]:
    """Reservoir frame and hourly natural inflow (R, H) MW."""
    H = case.time.hours
    rows, inflows = [], []
    for rv in case.reservoirs:
        inflow = profiles["reservoirs", rv.name, "inflow"] * inflow_scale(rv)
        rows.append(_reservoir(rv, cat.loc[rv.technology], case.discount_rate, inflow))
        inflows.append(inflow)
    return _frame(rows, "reservoir"), np.array(inflows).reshape(len(rows), H)


def _reservoir(rv, t: pd.Series, rate: float, inflow: np.ndarray) -> dict:
    ann, fom = _annual(t, rate)
    mean_inflow, H = inflow.mean(), len(inflow)
    # Seasonal-or-better regulation (季以上调节). Explicit `seasonal:` wins (the
    # shipped cases set it from the plant list). Otherwise a reservoir counts
    # when its regulating storage is at least 5 % of annual inflow (库容系数,
    # ~18 days of mean inflow): daily/weekly pondage is far below that, the
    # seasonal Sichuan reservoirs (Ertan ~10 %) above it. A modelling rule, not a statute.
    seasonal = rv.seasonal if rv.seasonal is not None else (
        mean_inflow > 0 and rv.reservoir_mwh >= SEASONAL_STORAGE_RATIO * mean_inflow * H)
    return dict(
        name=rv.name, bus=rv.bus, technology=rv.technology, carrier=t["carrier"],
        **{f: bool(t[f]) for f in CATALOGUE_FLAGS},
        existing_mw=rv.existing_mw,
        **dict(zip(("build_min", "build_max"), build_range(rv.existing_mw, rv.min_mw, rv.max_mw))),
        ann_cost=ann * MONEY, fom_existing=fom * rv.existing_mw * MONEY, lifetime_yr=lifetime(t),
        vom=float(np.nan_to_num(t["vom_cny_per_mwh"])) * MONEY,
        reservoir_mwh=rv.reservoir_mwh, min_release=rv.min_release, seasonal=bool(seasonal),
        capacity_credit=_credit(rv.capacity_credit, t),
    )


def lines(case: Case, cat: pd.DataFrame) -> pd.DataFrame:
    """Line frame; the catalogue prices lines per MW and km."""
    rows = []
    for ln in case.lines:
        ann, fom = _annual(cat.loc[ln.technology], case.discount_rate, per=1.0)
        rows.append(dict(name=ln.name, bus0=ln.bus0, bus1=ln.bus1, existing_mw=ln.existing_mw,
                         build_max=build_range(ln.existing_mw, 0.0, ln.max_mw)[1], length_km=ln.length_km,
                         reactance=ln.reactance_ohm or np.nan, controllable=ln.controllable,
                         ann_cost=ann * ln.length_km * MONEY,
                         fom_existing=fom * ln.length_km * ln.existing_mw * MONEY, firm_pu=ln.firm_pu,
                         lifetime_yr=lifetime(cat.loc[ln.technology])))
    return _frame(rows, "line", empty_columns=("bus0", "bus1"))


def demand_response(case: Case) -> pd.DataFrame:
    """Demand-response frame: contracted capability (per MW-yr) and activation (per MWh)."""
    return _frame([dict(name=d.name, bus=d.bus, existing_mw=d.existing_mw,
                        build_max=build_range(d.existing_mw, 0.0, d.max_mw, default_max=np.inf)[1],
                        ann_cost=d.cost_cny_per_kw_yr * 1000 * MONEY,
                        fom_existing=d.cost_cny_per_kw_yr * 1000 * d.existing_mw * MONEY,
                        activation=d.activation_cny_per_mwh * MONEY,
                        max_hours=np.inf if d.max_hours_per_year is None else d.max_hours_per_year)
                   for d in case.demand_response], "demand_response")


def exchanges(case: Case, cat: pd.DataFrame, profiles: dict) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Exchange frame (import cost and export revenue per MWh, the outside grid's mix, the import
    capability that may be built and its annual cost per MW, firm rule) and its hourly series
    (X, H) by :class:`~gridplan.case.components.Series` attribute: price multipliers and capability
    fractions, 1 where the exchange names no profile. Built capability is priced as a line of its
    ``technology`` and ``length_km`` (catalogue per MW and km); nothing is charged for the existing
    capability (the outside grid's corridor, not an asset of the case)."""
    rows, H = [], case.time.hours
    for e in case.exchanges:
        ann = _annual(cat.loc[e.technology], case.discount_rate, per=1.0)[0] if e.build_max_mw > 0 else 0.0
        rows.append(dict(name=e.name, bus=e.bus, max_import=e.max_import_mw, max_export=e.max_export_mw,
                         import_cost=e.import_cny_per_mwh * MONEY, export_revenue=e.export_cny_per_mwh * MONEY,
                         co2_t_per_mwh=e.co2_t_per_mwh, non_fossil_fraction=e.non_fossil_fraction,
                         build_max=e.build_max_mw, length_km=e.length_km, ann_cost=ann * e.length_km * MONEY,
                         fom_existing=0.0, firm_mw=e.firm_mw or 0.0, firm_pu=e.firm_pu or 0.0,
                         # the technology is read (and checked) only where capability can be built
                         lifetime_yr=lifetime(cat.loc[e.technology]) if e.build_max_mw > 0 else DEFAULT_LIFETIME_YR))
    series = {s.attr: np.array([np.ones(H) if getattr(e, s.profile) is None
                                else scaled(profiles["exchanges", e.name, s.profile], getattr(e, s.profile))
                                for e in case.exchanges], dtype=float).reshape(len(rows), H)
              for s in EXCHANGE.series}
    return _frame(rows, "exchange"), series


ELECTRIFICATION_COLUMNS = ("bus", "existing_mwh", "min_mwh", "max_mwh", "displaced_tce_per_mwh", "cost")


def electrification(case: Case, profiles: dict) -> tuple[pd.DataFrame, np.ndarray]:
    """Electrification frame (MWh/yr range, tce displaced per MWh, cost per MWh/yr) and the raw
    hourly shape (E, H) of each added load, unscaled (its scale is normalised away in prepare).
    ``existing_mwh`` is 0: electricity already used today is in the buses' base demand."""
    rows = [dict(name=e.name, bus=e.bus, existing_mwh=0.0, min_mwh=e.min_mwh, max_mwh=e.max_mwh,
                 displaced_tce_per_mwh=e.displaced_tce_per_mwh, cost=e.cost_cny_per_mwh * MONEY)
            for e in case.electrification]
    shapes = [profiles["electrification", e.name, "profile"] for e in case.electrification]
    frame = _frame(rows, "electrification", empty_columns=ELECTRIFICATION_COLUMNS)
    return frame, np.array(shapes, dtype=float).reshape(len(rows), case.time.hours)


def build_groups(case: Case, cat: pd.DataFrame) -> dict[str, set]:
    """Implicit groups plus the case's own (checked by :func:`gridplan.case.checks.check_groups`).

    Implicit: ``all`` (every generating technology: storage and lines are not
    generation capacity), one per carrier (``hydro``, ``wind``...), one per
    catalogue flag (``non_fossil``, ``renewable``, ``new_energy``, ``clean``).
    A case group is the union of its technologies, its carriers' technologies and
    the technologies that have all of its flags.
    """
    groups: dict[str, set] = {"all": set(cat.index[~cat["kind"].isin(["line", "storage"])])}
    for carrier, g in cat.groupby("carrier"):
        groups[str(carrier)] = set(g.index)
    for f in CATALOGUE_FLAGS:
        groups[f] = set(cat.index[cat[f]])
    for name, spec in case.groups.items():
        members = set(spec.technologies)
        for c in spec.carriers:
            members |= set(cat.index[cat["carrier"] == c])
        if spec.flags:
            members |= set(cat.index[np.logical_and.reduce([cat[f].to_numpy() for f in spec.flags])])
        groups[name] = members
    return groups


def voll(case: Case) -> float:
    """Value of lost load in model money per MWh shed."""
    return case.options.voll_cny_per_mwh * MONEY


def group_weights(case: Case) -> dict[str, dict]:
    """The case groups that weigh their members' capacity: group → {technology: MW counted per MW}."""
    return {name: dict(spec.capacity_weights) for name, spec in case.groups.items() if spec.capacity_weights}
