"""Results: tidy pandas frames sliced from the solution arrays.

Nothing here touches Pyomo objects: every frame is built from the flat
solution vector ``x`` and row duals ``y`` by the column/row offsets of the
blocks, with indexes taken from the case's sets. Money is reported in CNY
(the model counts kCNY: ``CaseData.cny_per_model_money`` converts back, see :mod:`gridplan.case.convert`).

The frames go out as CSVs and Excel (always) and, with the optional ``interop`` extra (xarray,
netCDF4, pyarrow: imported only when asked for), as one ``xarray.Dataset`` / netCDF file with real
dimensions and a Parquet file per frame, each carrying its units and the run's provenance
(:data:`FRAME_UNITS`, :meth:`Results.provenance`), for tools that read typed arrays rather than text.
"""
from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .case.components import COMPONENTS
from .case.input_hash import input_hashes
from .errors import GridplanError
from .io import ResultSet, atomic_text, atomic_write, gridplan_version, write_csv_frames, write_excel_sheets


CAPACITY_COMPONENTS = [c.name for c in COMPONENTS if c.counts_as_capacity]
"""The components counted as capacity in the capacity table and plots."""
LOADS = [c.name for c in COMPONENTS if c.draws_series]
"""Components whose ``build`` is an annual load (MWh/yr), not a plant: left out of capacity by bus."""
ENERGY_SUFFIX = " MWh"
"""What :meth:`Results.capacity_by_bus` appends to a technology for its storage energy ("battery_li MWh")."""


def _buses(frame: pd.DataFrame, comp) -> np.ndarray:
    """Each element's bus; a line's is 'bus0-bus1'."""
    return frame[list(comp.bus_fields)].astype(str).agg("-".join, axis=1).to_numpy()


def _technology(frame: pd.DataFrame, comp):
    return frame[comp.technology].to_numpy() if comp.technology in frame.columns else comp.technology


def _clean(v: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Solver noise below ``tol`` MW (e.g. -1e-9 built) reads as exactly 0."""
    return np.where(np.abs(v) < tol, 0.0, v)


def chronological_levels(res, block: str) -> np.ndarray:
    """Absolute level (n, 365·24) of every hour of the year from a typical-days solution.

    ``level(d, t) = inter[d] · c[p, t] + intra[p, t]`` with ``p = day_sequence[d]`` and
    ``c[p, t]`` the self-discharge since the start of the day
    (:mod:`gridplan.model.families.linked_state`); ``block`` is the state's variable block
    (``storage_soc``, ``reservoir_level``).
    """
    info = res.ctx.linked_states[block]
    seq = np.asarray(res.data.day_sequence)
    L, k = info.hours, info.k
    intra = res.value(block)                              # (n, k·L)
    n = intra.shape[0]
    inter = res.value(info.inter)                         # (n, days)
    c = np.cumprod(info.decay1.reshape(n, k, L), axis=2)
    lvl = inter[:, :, None] * c[:, seq, :] + intra.reshape(n, k, L)[:, seq, :]
    return lvl.reshape(n, -1)


ACCOUNT_COLUMNS = ["demand_mwh", "non_fossil_mwh", "grid_import_mwh", "grid_export_mwh", "co2_t",
                   "non_fossil_share_energy", "electricity_final_share"]
"""What a city's statistics count (``Results.account``, ``Results.city_accounts``)."""


class Results:
    """The solved model: capacities, dispatch, prices, targets, costs and run facts."""

    def __init__(self, ctx, x, y, facts: dict, user_rows=()):
        self.ctx = ctx
        self.data = ctx.data
        self.case = ctx.case
        self.x = x
        self.y = y
        self.facts = facts
        self.user_rows = list(user_rows)

    # ------------------------------------------------------------------ basics
    @property
    def status(self) -> str:
        return self.facts["status"]

    @property
    def ok(self) -> bool:
        """A solution to report (HiGHS found an optimum). It may still miss targets: see :attr:`outcome`."""
        return self.status == "Optimal" and self.x is not None

    @property
    def outcome(self) -> str:
        """What this run is, in the words every output uses (:data:`gridplan.report.OUTCOMES`):
        ``optimal``, ``strive missed``, ``targets missed`` (an elastic solution), ``infeasible``
        or ``solver failure``."""
        from .report import outcome_of
        return outcome_of(self)

    @property
    def elastic(self) -> bool:
        """Solved with every hard target made elastic (its shortfall priced instead of forbidden)."""
        return bool(self.ctx.elastic)

    def __repr__(self) -> str:
        head = f"<gridplan.Results {self.case.name} ({self.case.year}): {self.outcome}"
        if not self.ok:
            return head + f", HiGHS status {self.status!r}>"
        s = self.summary()
        return (head + f"{', elastic' if self.elastic else ''}; system cost {s['system_cost_cny'] / 1e8:,.2f} 亿 CNY/yr,"
                f" {s['emissions_t'] / 1e6:,.3f} Mt CO2, {len(self.targets)} targets"
                f" ({int((~self.targets['met']).sum())} missed, {int(self.targets['binding'].sum())} binding)>")

    def _repr_html_(self) -> str:
        """A notebook's view: the outcome, the headline figures, capacity by bus and the targets."""
        from .report import results_html
        return results_html(self)

    @property
    def objective(self) -> float:
        """Total annualised cost in CNY (including fixed O&M of existing assets and penalties)."""
        return self.facts["objective"] * self.data.cny_per_model_money

    def value(self, block: str) -> np.ndarray:
        """Solution values of a variable block, shaped like the block."""
        vb = self.ctx.lp.vars[block]
        return self.x[vb.offset: vb.offset + vb.size].reshape(vb.shape)

    def dual(self, block: str) -> np.ndarray:
        """Row duals of a constraint block in its reported unit, shaped like the block."""
        cb = self.ctx.lp.cons[block]
        raw = self.y[cb.offset: cb.offset + cb.size]
        return (raw * np.asarray(cb.dual_scale)).reshape(cb.shape)

    def has(self, block: str) -> bool:
        return block in self.ctx.lp.vars

    @property
    def snapshots(self) -> pd.DataFrame:
        """First hour of the year and weight (h) of each snapshot, indexed by snapshot (for merging
        onto the tidy frames); the full table, as written to ``snapshots.csv``, is :attr:`snapshot_table`."""
        return pd.DataFrame({"hour": self.data.snapshot_hour, "weight": self.data.weights},
                            index=self.data.snapshots)

    @cached_property
    def snapshot_table(self) -> pd.DataFrame:
        """One row per snapshot: where the index the other frames use (``snapshot``) sits in time.

        * ``weight_h``: hours of the year the snapshot stands for (they sum to the case's hours);
        * ``duration_h``: hours one snapshot spans (the resolution; 1 with typical days);
        * ``start``: chronological runs: the timestamp of its first hour in the case's year
          (hour 0 = 1 January 00:00); empty with typical days, whose snapshots stand for many days;
        * typical days only (empty otherwise): ``representative_day``, the date whose hours the
          snapshot's typical day is taken from (its medoid day: ``snapshot_hour`` // 24),
          ``hour_of_day`` and ``days_represented`` (calendar days whose ``day_sequence`` is its
          typical day).

        All read from the prepared :class:`~gridplan.case.prepare.CaseData`, nothing recomputed.
        """
        d = self.data
        T = d.T
        hour = np.asarray(d.snapshot_hour, dtype=np.int64)
        jan1 = pd.Timestamp(year=int(self.case.year), month=1, day=1)
        empty_time = pd.Series(pd.NaT, index=pd.RangeIndex(T), dtype="datetime64[ns]")
        empty_int = pd.Series(pd.array([pd.NA] * T, dtype="Int64"))
        frame = pd.DataFrame({"snapshot": np.arange(T), "weight_h": np.asarray(d.weights, float),
                              "duration_h": np.asarray(d.duration, float)})
        if d.typical_day_of is None:
            frame["start"] = (jan1 + pd.to_timedelta(hour, unit="h")).astype("datetime64[ns]")
            frame["representative_day"] = empty_time
            frame["hour_of_day"] = empty_int
            frame["days_represented"] = empty_int
        else:
            from .case.typical_days import HOURS_PER_DAY   # local, as in prepare(): scipy only when clustered
            typical = np.asarray(d.typical_day_of, dtype=np.int64)
            days = np.bincount(np.asarray(d.day_sequence, dtype=np.int64), minlength=int(typical.max()) + 1)
            frame["start"] = empty_time
            frame["representative_day"] = (jan1 + pd.to_timedelta(hour // HOURS_PER_DAY, unit="D")).astype("datetime64[ns]")
            frame["hour_of_day"] = pd.array(hour % HOURS_PER_DAY, dtype="Int64")
            frame["days_represented"] = pd.array(days[typical], dtype="Int64")
        return frame

    # ------------------------------------------------------------------ capacities
    @cached_property
    def capacities(self) -> pd.DataFrame:
        """Existing, built and total capacity of every asset (MW; storage energy in MWh). Exchanges
        appear when one of them may build import capability (existing: ``max_import_mw``)."""
        parts = []
        for comp in COMPONENTS:
            frame = getattr(self.data, comp.table)
            if comp.build is None or frame.empty or not self.has(comp.build):
                continue
            built = _clean(self.value(comp.build))
            existing = frame[comp.existing].to_numpy(float)
            parts.append(pd.DataFrame({
                "component": comp.name, "name": frame.index, "bus": _buses(frame, comp),
                "technology": _technology(frame, comp), "existing": existing, "built": built,
                "total": existing + built, "unit": comp.unit}))
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return out.round(6)

    def capacity_by_bus(self) -> pd.DataFrame:
        """Existing, built and total per bus × technology (elements of one technology summed,
        storage energy as "<technology> MWh"), buses in case order; lines, exchanges (corridors, not
        plants) and added loads (electrification, see :attr:`electrification`) are left out."""
        c = self.capacities
        plants = c[~c["component"].isin(["line", "exchange", *LOADS])]
        tech = plants["technology"].where(plants["unit"] != "MWh", plants["technology"] + ENERGY_SUFFIX)
        bus = pd.Categorical(plants["bus"], categories=list(self.data.buses), ordered=True)
        return (plants.groupby([bus, tech.rename("technology")], observed=True, sort=True)
                [["existing", "built", "total"]].sum().rename_axis(["bus", "technology"]))

    def capacity_table(self) -> pd.DataFrame:
        """Total MW by bus × technology (generation, reservoirs, storage power)."""
        c = self.capacities
        c = c[c["component"].isin(CAPACITY_COMPONENTS)]
        return c.pivot_table(index="bus", columns="technology", values="total", aggfunc="sum", fill_value=0.0)

    # ------------------------------------------------------------------ operation
    def _tidy(self, values: np.ndarray, names, value_name: str, **cols) -> pd.DataFrame:
        n, T = values.shape
        frame = pd.DataFrame({
            "snapshot": np.tile(np.arange(T), n),
            "name": np.repeat(np.asarray(names, dtype=object), T),
            value_name: values.ravel()})
        for k, v in cols.items():
            frame[k] = np.repeat(np.broadcast_to(np.asarray(v, dtype=object), (n,)), T)
        return frame

    def injection(self, comp) -> np.ndarray | None:
        """What each element of component ``comp`` injects at its bus per snapshot (MW, element ×
        snapshot): its ``output`` blocks (plus − minus), minus the load of one that draws a series
        (electrification: x_e · shape[e, t]); None when it injects nothing of its own."""
        if comp.draws_series:
            return -self.value(comp.build)[:, None] * getattr(self.data, comp.series[0].attr)
        if comp.output is None:
            return None
        plus, *minus = comp.output
        return self.value(plus) - (self.value(minus[0]) if minus else 0.0)

    @cached_property
    def dispatch(self) -> pd.DataFrame:
        """Injection of every element per snapshot (MW), tidy: supply positive; storage charge,
        exports and loads added by electrification negative."""
        d = self.data
        parts = []
        for comp in COMPONENTS:
            frame = getattr(d, comp.table)
            mw = None if frame.empty else self.injection(comp)
            if mw is None:
                continue
            parts.append(self._tidy(mw, frame.index, "mw", component=comp.name, bus=_buses(frame, comp),
                                    technology=_technology(frame, comp)))
        parts.append(self._tidy(self.value("shed"), d.buses, "mw", component="shedding",
                                bus=d.buses, technology="shed"))
        return pd.concat(parts, ignore_index=True)

    def level(self, block: str) -> np.ndarray:
        """Absolute state (MWh) of ``storage_soc`` or ``reservoir_level``.

        Chronological runs: one value per snapshot. Typical days: the block holds
        levels relative to the start of each typical day, so the year is rebuilt
        hour by hour from the inter-day states (365 × 24 values).
        """
        if self.data.typical_day_of is not None:
            return chronological_levels(self, block)
        return self.value(block)

    @property
    def level_step(self) -> str:
        """The step column of :attr:`storage_levels`: ``snapshot`` (chronological runs), or
        ``hour`` of the year (0–8759) with typical days, whose levels are rebuilt hour by hour."""
        return "hour" if self.data.typical_day_of is not None else "snapshot"

    @cached_property
    def storage_levels(self) -> pd.DataFrame:
        """Storage and reservoir levels (MWh), tidy, per ``snapshot``; with typical days hourly over
        the year, per ``hour`` of the year (:attr:`level_step`: not the snapshot index of the
        other frames)."""
        d = self.data
        step = self.level_step
        parts = []
        if not d.storage.empty:
            parts.append(self._tidy(self.level("storage_soc"), d.storage.index, "level_mwh", component="storage"))
        if not d.reservoirs.empty:
            parts.append(self._tidy(self.level("reservoir_level"), d.reservoirs.index, "level_mwh",
                                    component="reservoir"))
        if not parts:
            return pd.DataFrame(columns=[step, "name", "level_mwh", "component"])
        return pd.concat(parts, ignore_index=True).rename(columns={"snapshot": step})

    @cached_property
    def flows(self) -> pd.DataFrame:
        d = self.data
        if d.lines.empty:
            return pd.DataFrame(columns=["snapshot", "name", "flow_mw", "bus0", "bus1"])
        return self._tidy(self.value("line_flow"), d.lines.index, "flow_mw",
                          bus0=d.lines["bus0"], bus1=d.lines["bus1"])

    @cached_property
    def days(self) -> pd.DataFrame:
        """One row per calendar day of the case's year: when the system is stressed.

        ``date``; ``typical_day`` (typical-day runs: the typical day that stands for it, whose
        figures the day takes; empty otherwise); ``peak_demand_mw`` (all buses, base demand);
        ``peak_price_cny_per_mwh`` with its ``peak_price_bus`` and ``peak_price_time`` (the
        highest bus price of the day: where and when capacity or a line is short); ``shed_mwh``
        (load not served that day); ``stress_rank`` (1 = most stressed: most load shed, then the
        highest price, then the highest demand at that price — the day whose week
        :func:`gridplan.plots.dispatch_week` shows; days of one typical day share a rank).
        Chronological runs give every hour the snapshot covering it, so snapshots longer than a
        day spread over their days.
        """
        d = self.data
        prices = self.prices.to_numpy(float)                     # snapshot × bus
        if d.typical_day_of is None:
            # chronological: every hour of the year takes the snapshot that covers it, so a
            # snapshot longer than a day (--resolution 48h) still gives each of its days a row
            steps = np.repeat(np.arange(d.T), np.round(np.asarray(d.duration, float)).astype(int))
            hour = np.arange(len(steps))
            group, calendar = hour // 24, np.arange((len(steps) + 23) // 24)
        else:       # typical days (1-h snapshots): a calendar day takes its typical day's hours
            steps = np.arange(d.T)
            hour = np.asarray(d.snapshot_hour, dtype=np.int64)
            group, calendar = np.asarray(d.typical_day_of, dtype=np.int64), np.asarray(d.day_sequence, dtype=np.int64)
        bus_of = prices.argmax(axis=1)[steps]
        per = pd.DataFrame({"g": group, "demand": d.demand.sum(axis=0)[steps], "price": prices.max(axis=1)[steps],
                            "bus": np.asarray(self.prices.columns)[bus_of], "hod": hour % 24,
                            "shed": self.value("shed").sum(axis=0)[steps]})          # MW over one hour: MWh
        # each day's price peak: the highest price (to 0.001 CNY/MWh) and, among its hours at that
        # price, the one of highest demand — the rule plots.most_stressed picks its week by
        per["price_key"] = per["price"].round(3)
        top = per.sort_values(["price_key", "demand"], kind="stable").groupby("g").tail(1).set_index("g").sort_index()
        agg = per.groupby("g").agg(peak=("demand", "max"), shed=("shed", "sum"))
        jan1 = pd.Timestamp(year=int(self.case.year), month=1, day=1)
        frame = pd.DataFrame({
            "date": (jan1 + pd.to_timedelta(np.arange(len(calendar)), unit="D")).date,
            "typical_day": pd.array(calendar if d.typical_day_of is not None else [pd.NA] * len(calendar),
                                    dtype="Int64"),
            "peak_demand_mw": agg["peak"].to_numpy()[calendar],
            "peak_price_cny_per_mwh": top["price"].to_numpy()[calendar],
            "peak_price_bus": top["bus"].to_numpy()[calendar],
            "peak_price_time": pd.Series(top["hod"].to_numpy()[calendar]).map("{:02d}:00".format),
            "shed_mwh": _clean(agg["shed"].to_numpy()[calendar], 1e-3)})
        key = pd.DataFrame({"shed": frame["shed_mwh"].round(3), "price": top["price_key"].to_numpy()[calendar],
                            "demand": top["demand"].round(3).to_numpy()[calendar]})
        frame["stress_rank"] = key.groupby(list(key.columns)).ngroup(ascending=False).to_numpy() + 1
        return frame

    @cached_property
    def curtailment(self) -> pd.DataFrame:
        """Annual available, generated and curtailed energy per generator (MWh), and per reservoir
        its inflow, generation and spill."""
        d = self.data
        if d.gens.empty:
            return pd.DataFrame()
        w = d.weights
        cap = d.gens["existing_mw"].to_numpy(float) + self.value("gen_build")
        from .model.families.generators import derated, outage_rates
        forced, _ = outage_rates(d.gens)
        avail = (derated(d.avail, forced) * cap[:, None] * w[None, :]).sum(axis=1)   # what forced outages leave
        gen = (self.value("gen_p") * w[None, :]).sum(axis=1)
        var = (d.gens["kind"] == "variable").to_numpy()
        frame = pd.DataFrame({"bus": d.gens["bus"], "technology": d.gens["technology"],
                              "available_mwh": np.where(var, avail, np.nan), "generated_mwh": gen,
                              "curtailed_mwh": np.where(var, np.maximum(avail - gen, 0.0), 0.0)},
                             index=d.gens.index)
        if not len(d.reservoirs):
            return frame
        both = pd.concat([frame, self._spilled()])
        both.index.name = frame.index.name           # generator and reservoir names, one column
        return both

    def _spilled(self) -> pd.DataFrame:
        """Reservoirs: the year's inflow, generation and spill (water let past the turbines: the
        reservoir's curtailment, e.g. when a full reservoir cannot export in the wet season)."""
        d, w = self.data, self.data.weights
        rv = d.reservoirs
        return pd.DataFrame({"bus": rv["bus"], "technology": rv["technology"],
                             "available_mwh": d.inflow @ w, "generated_mwh": self.value("reservoir_p") @ w,
                             "curtailed_mwh": self.value("reservoir_spill") @ w}, index=rv.index)

    @cached_property
    def curtailment_by_technology(self) -> pd.DataFrame:
        """:attr:`curtailment` summed per technology (MWh), with the share of the available energy
        curtailed (variable technologies; dispatchable ones have no availability to curtail)."""
        c = self.curtailment
        if c.empty:
            return pd.DataFrame(columns=["available_mwh", "generated_mwh", "curtailed_mwh", "curtailed_share"])
        t = c.groupby("technology")[["available_mwh", "generated_mwh", "curtailed_mwh"]].sum(min_count=1)
        t["curtailed_share"] = t["curtailed_mwh"] / t["available_mwh"]
        return t

    def exchanged_mwh(self, block: str) -> float:
        """Annual MWh over every exchange with the outside grid: ``import_p`` or ``export_p``."""
        if self.data.exchanges.empty:
            return 0.0
        return float((self.value(block) * self.data.weights[None, :]).sum())

    @cached_property
    def shedding(self) -> pd.DataFrame:
        """Shed energy per bus (MWh per year) and the number of hours with shedding."""
        s = self.value("shed")
        w = self.data.weights
        return pd.DataFrame({"shed_mwh": (s * w[None, :]).sum(axis=1),
                             "hours": ((s > 1e-6) * w[None, :]).sum(axis=1),
                             "max_mw": s.max(axis=1)}, index=self.data.buses)

    @cached_property
    def prices(self) -> pd.DataFrame:
        """Locational marginal prices (CNY/MWh): balance duals, snapshot × bus."""
        return pd.DataFrame(self.dual("balance").T, index=self.data.snapshots,
                            columns=self.data.buses)

    # ------------------------------------------------------------------ accounts
    @cached_property
    def energy(self) -> pd.DataFrame:
        """Annual energy per bus and technology (MWh): supply, storage net, imports, shedding."""
        d = self.dispatch.merge(self.snapshots, left_on="snapshot", right_index=True)
        d["mwh"] = d["mw"] * d["weight"]
        return d.pivot_table(index="bus", columns="technology", values="mwh", aggfunc="sum", fill_value=0.0)

    def quantity(self, quantity: str) -> pd.DataFrame:
        """One row per element that contributes to ``quantity`` (gridplan.model.context.QUANTITIES):
        component, name, bus, technology, its amount and, where the amount is counted on one, its basis."""
        parts = [pd.DataFrame({"component": c.family, "name": c.names, "bus": c.bus, "technology": c.technology,
                               "amount": c.amount.value(self.x),
                               "basis": c.basis.value(self.x) if c.basis is not None else np.nan})
                 for c in self.ctx.contributed(quantity)]
        columns = ["component", "name", "bus", "technology", "amount", "basis"]
        return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)

    def total(self, quantity: str) -> float:
        """The whole case's ``quantity`` at the solution (e.g. ``res.total("co2")`` in t), counted as a
        case-wide target counts it: a line's firm rating, registered at both ends, is internal and
        counts nothing."""
        from .model.families.targets import Scope
        return self._at(Scope(self.ctx).total(quantity))

    @cached_property
    def emissions(self) -> pd.DataFrame:
        """Annual t CO2 per generator and exchange (imports at the outside mix's factor)."""
        q = self.quantity("co2").rename(columns={"basis": "mwh", "amount": "t_co2"})
        return q[["component", "name", "bus", "technology", "mwh", "t_co2"]]

    @cached_property
    def costs(self) -> pd.DataFrame:
        """Annualised cost by term (CNY): capex annuities, fuel, O&M, imports, penalties."""
        rows = [{"term": "fixed_om_existing", "kind": "fom", "cny": self.ctx.lp.objective_constant * self.data.cny_per_model_money}]
        agg: dict = {}
        for t in self.ctx.lp.costs:
            v = float(np.dot(t.coefs, self.x[t.cols])) * self.data.cny_per_model_money
            key = (t.name, t.kind)
            agg[key] = agg.get(key, 0.0) + v
        rows += [{"term": k[0], "kind": k[1], "cny": v} for k, v in agg.items()]
        return pd.DataFrame(rows)

    @cached_property
    def electrification(self) -> pd.DataFrame:
        """Per electrification element: bus, its range and the MWh/yr chosen (``mwh``), the tce of
        fossil final energy displaced, its annual cost (CNY; the electricity is in the other costs)
        and the peak of the added load (MW)."""
        e = self.data.electrification
        mwh = _clean(self.value("electrify")) if self.has("electrify") else np.zeros(len(e))
        return pd.DataFrame({
            "bus": e["bus"], "min_mwh": e["min_mwh"], "max_mwh": e["max_mwh"], "mwh": mwh,
            "displaced_tce": mwh * e["displaced_tce_per_mwh"].to_numpy(float),
            "cost_cny": mwh * e["cost"].to_numpy(float) * self.data.cny_per_model_money,
            "peak_mw": (mwh[:, None] * self.data.electrification_shape).max(axis=1, initial=0.0)},
            index=e.index)

    @cached_property
    def base_demand_mwh(self) -> float:
        """Annual demand of the buses (MWh), before electrification."""
        return float((self.data.demand * self.data.weights[None, :]).sum())

    @cached_property
    def demand_mwh(self) -> float:
        """Annual electricity demand (MWh): the buses' base demand + what electrification adds
        (the denominator of the electricity-scope non-fossil share)."""
        return self.base_demand_mwh + self.total("electrification")

    @cached_property
    def non_fossil_electricity_share(self) -> float:
        """(non-fossil generation − storage losses + φ × imports − exports) / demand (base demand +
        electrification, as the electricity-scope target counts it), whole case.

        Exports are deducted as non-fossil (no credit for exporting), so the share
        of a net exporter of hydro is at most ~1.
        """
        nf = self.total("non_fossil_energy")
        D = self.demand_mwh
        return nf / D if D else float("nan")

    @cached_property
    def city_accounts(self) -> pd.DataFrame:
        """One row per bus with its own ``energy_accounting``: what the city's statistics count
        (:func:`gridplan.case.targets.city_account`, the formulas its targets' rows use) —
        demand (MWh, with electrification), non-fossil electricity counted (φ × net line imports,
        − net line exports), net line imports and exports, CO2 (t, with the imports' grid CO2),
        the non-fossil share of total energy and electricity's share of final energy (NaN
        without ``final_energy_other_tce``)."""
        rows = {b.name: self.account([b.name]) for b in (self.case.buses if self.x is not None else ())
                if b.energy_accounting is not None}
        return pd.DataFrame.from_dict(rows, orient="index", columns=ACCOUNT_COLUMNS).rename_axis("bus")

    def account(self, buses=None) -> pd.Series:
        """The statistics of the buses ``buses`` (default: the whole case, with the case's
        ``energy_accounting``) at the solution, by the target rows' formulas: the columns of
        :attr:`city_accounts`. A single-city case's own figures are ``res.account()``."""
        from .case.targets import city_account
        from .model.families.targets import Scope
        row = {}
        for k, v in city_account(Scope(self.ctx, buses)).items():
            if isinstance(v, tuple):
                num, den = (self._at(e) for e in v)
                row[k] = num / den if den else float("nan")
            else:
                row[k] = float("nan") if v is None else self._at(v)
        return pd.Series(row)[ACCOUNT_COLUMNS]

    def _at(self, e) -> float:
        """A measure's expression (or number) at the solution."""
        return float(e.value(self.x)[0]) if hasattr(e, "value") else float(e)

    @cached_property
    def targets(self) -> pd.DataFrame:
        """One row per target: required, achieved, shortfall, binding, dual, source."""
        from .report import target_report
        return target_report(self)

    @property
    def target_penalty(self) -> float:
        """CNY of target shortfall penalties in the objective (missed strive targets; elastic runs)."""
        c = self.costs
        return float(c.loc[c["term"] == "target_shortfall", "cny"].sum())

    def summary(self) -> dict:
        """Headline numbers. ``outcome`` is :attr:`outcome`, ``status`` HiGHS' model status.
        ``demand_mwh`` is the base demand + electrification (both also given apart, with the tce of
        fossil final energy electrification displaces). ``system_cost_cny`` is the objective
        without target penalties (what the plan costs to build and run, VoLL of any shed load
        included, export revenue deducted); ``total_cost_cny`` is the objective itself.
        ``cost_per_mwh_cny`` = system cost / demand: the *net* cost per MWh of the city's own
        demand, after export revenue (for a net exporter of hydro it can be small or negative,
        and is not a supply cost); ``gross_cost_per_mwh_cny`` = (system cost + export revenue) /
        (demand + exported MWh): what each MWh the system supplies, at home or exported, costs
        before it is sold."""
        shed = self.shedding["shed_mwh"].sum()
        penalty = self.target_penalty
        system = self.objective - penalty
        exported = self.exchanged_mwh("export_p")
        c = self.costs
        export_revenue = -float(c.loc[c["term"] == "export", "cny"].sum())
        supplied = self.demand_mwh + exported
        return {
            "case": self.case.name, "year": self.case.year, "outcome": self.outcome, "status": self.status,
            "elastic": self.elastic,
            "total_cost_cny": self.objective, "system_cost_cny": system, "target_penalty_cny": penalty,
            "demand_mwh": self.demand_mwh, "base_demand_mwh": self.base_demand_mwh,
            "electrification_mwh": self.total("electrification"), "displaced_fossil_tce": self.total("displaced_fossil"),
            "cost_per_mwh_cny": system / self.demand_mwh if self.demand_mwh else float("nan"),
            "export_revenue_cny": export_revenue,
            "gross_cost_per_mwh_cny": (system + export_revenue) / supplied if supplied else float("nan"),
            "emissions_t": float(self.emissions["t_co2"].sum()) if len(self.emissions) else 0.0,
            "non_fossil_electricity_share": self.non_fossil_electricity_share,
            "curtailed_mwh": float(self.curtailment["curtailed_mwh"].sum()) if len(self.curtailment) else 0.0,
            "import_mwh": self.exchanged_mwh("import_p"), "export_mwh": self.exchanged_mwh("export_p"),
            "shed_mwh": float(shed),
            # the facts, less the objective in model money (kCNY; total_cost_cny is the same in CNY)
            **{k: v for k, v in self.facts.items() if k not in ("coefficient_ranges", "objective", "status")},
        }

    # ------------------------------------------------------------------ output
    FRAMES = {
        "summary": lambda r: pd.DataFrame([r.summary()]), "capacities": lambda r: r.capacities,
        "costs": lambda r: r.costs, "targets": lambda r: r.targets, "energy": lambda r: r.energy.reset_index(),
        "emissions": lambda r: r.emissions, "curtailment": lambda r: r.curtailment.reset_index(),
        "curtailment_by_technology": lambda r: r.curtailment_by_technology.reset_index(),
        "shedding": lambda r: r.shedding.reset_index(), "prices": lambda r: r.prices.reset_index(),
        "electrification": lambda r: r.electrification.reset_index(),
        "city_accounts": lambda r: r.city_accounts.reset_index(), "dispatch": lambda r: r.dispatch, "storage_levels": lambda r: r.storage_levels, "flows": lambda r: r.flows,
        "snapshots": lambda r: r.snapshot_table, "days": lambda r: r.days,
    }
    """Every output frame by name (one CSV / sheet each)."""

    def frames(self) -> dict[str, pd.DataFrame]:
        return {name: get(self) for name, get in self.FRAMES.items()}

    def frames_or_problems(self) -> tuple[dict, list[str]]:
        """Every frame that can be built, and one note per frame that cannot (batch runs keep going)."""
        frames, problems = {}, []
        for name, get in self.FRAMES.items():
            try:
                frames[name] = get(self)
            except Exception as exc:  # noqa: BLE001 - report the frame, keep the solved case
                problems.append(f"{name}.csv ({exc.__class__.__name__}: {str(exc)[:100]})")
        return frames, problems

    def write_csv(self, folder) -> Path:
        """One CSV per frame into ``folder`` as it is (each file atomic; no set, no lock): for a
        folder that is itself being staged (:class:`gridplan.io.ResultSet`)."""
        return write_csv_frames(folder, self.frames())

    def write_guide(self, folder) -> Path:
        """README.md into ``folder``: the outcome, the targets missed and binding, what is built,
        the stressed days and what each file there holds (:func:`gridplan.report.result_guide`)."""
        from .report import result_guide
        folder = Path(folder)
        # the files already there, and the manifest the set's commit adds last
        names = [p.name for p in folder.iterdir()] + ["manifest.json"]
        return atomic_text(folder / "README.md", result_guide(self, names))

    def manifest_facts(self) -> dict:
        """What a result set's ``manifest.json`` says of the run, beside its files: the same for
        :meth:`to_csv`, :meth:`to_parquet` and the CLI's set."""
        return {"status": self.status, "outcome": self.outcome, "elastic": self.elastic,
                "total_cost_cny": self.objective}

    def to_csv(self, folder) -> Path:
        """One CSV per frame in ``folder``, written whole or not at all: staged beside it and
        moved into place in one step with ``manifest.json`` (:class:`gridplan.io.ResultSet`; a
        frame that fails leaves the previous set untouched; a second writer is refused)."""
        with ResultSet(folder, case=str(getattr(self.case, "_path", None) or self.case.name),
                       inputs=self.input_hashes()) as rs:
            self.write_csv(rs.path)
            self.write_guide(rs.path)
            return rs.commit(**self.manifest_facts())

    def input_hashes(self) -> dict:
        """SHA-256 of the case file and every file it names, as the CLI's manifest and a batch
        run's ``meta.json`` record them (:func:`gridplan.case.input_hash.input_hashes`); a case
        built from a dict is hashed as its validated fields. ``settings``: what this run was
        solved with (snapshots, typical days, elastic)."""
        case_file = getattr(self.case, "_path", None)
        case = case_file if case_file is not None else self.case.model_dump(mode="json")
        typical = self.data.typical_day_of
        settings = {"snapshots": self.data.T, "elastic": bool(self.ctx.elastic),
                    "typical_days": int(typical.max()) + 1 if typical is not None and len(typical) else None}
        return input_hashes(case, settings=settings)

    def to_excel(self, path) -> Path:
        """One sheet per frame (hourly frames included), written atomically."""
        return write_excel_sheets(path, self.frames())

    # ------------------------------------------------------------------ xarray, netCDF, Parquet
    def provenance(self) -> dict:
        """Where these results come from, as the result set's ``manifest.json`` records it: the
        gridplan version, the case, the input hashes (:meth:`input_hashes`), status, objective
        and solver."""
        return {"gridplan_version": gridplan_version(),
                "case": str(getattr(self.case, "_path", None) or self.case.name),
                "inputs": self.input_hashes(), "status": self.status,
                "total_cost_cny": self.objective if self.ok else None, "solver": self.facts.get("solver")}

    def to_xarray(self):
        """Every frame as one ``xarray.Dataset`` with real dimensions (xarray is optional:
        ``pip install 'gridplan[interop]'``).

        * over ``snapshot`` × ...: ``dispatch`` (``element`` × snapshot, MW), ``prices`` (``bus`` ×
          snapshot, CNY/MWh), ``flows`` (``line`` × snapshot, MW), ``storage_levels`` (``store`` ×
          snapshot, MWh; × ``hour`` of the year with typical days, rebuilt hour by hour);
          ``snapshot_weight`` (h each snapshot stands for) and ``snapshot_hour`` are coordinates, and
          so are the columns of the ``snapshots`` frame that apply (:attr:`snapshot_table`):
          ``snapshot_duration`` (h) and ``snapshot_start`` (datetime) in chronological runs;
          ``snapshot_duration``, ``snapshot_representative_day`` (datetime, midnight),
          ``snapshot_hour_of_day`` and ``snapshot_days_represented`` with typical days;
        * ``energy`` (``bus`` × ``energy_technology``, MWh);
        * one variable ``<frame>_<column>`` per number of a table frame, over the frame's own
          dimension: ``capacities_*`` over ``asset``, ``costs_*`` over ``cost_term``, ``targets_*``
          over ``target``, ``emissions_*`` over ``emitter``, ``curtailment_*`` over ``plant``,
          ``curtailment_by_technology_*`` over ``curtailment_technology``, ``shedding_*`` over
          ``bus``, ``electrification_*`` over ``electrification``, ``city_accounts_*`` over ``city``;
          its text columns are coordinates ``<dim>_<column>`` (``asset_bus``, ``target_quote``);
          ``summary_*`` are scalars;
        * elements of several families are keyed ``component/name`` (``generator/cd_solar``,
          ``storage_energy/cd_bess``), since names are unique within a family only;
        * ``attrs["units"]`` on every variable (a per-row unit names its column, e.g. ``targets_dual``:
          "see target_dual_unit"); the dataset's attrs hold :meth:`provenance` (input hashes as a JSON
          string, netCDF attributes being text or numbers) and the text fields of the summary.
        """
        xr = optional_module("xarray", "Results.to_xarray")
        frames = self.frames()
        data_vars, coords = {}, {}
        d = self.data
        coords["snapshot"] = ("snapshot", np.arange(d.T))
        coords["snapshot_weight"] = ("snapshot", np.asarray(d.weights, float), {"units": "h"})
        coords["snapshot_hour"] = ("snapshot", np.asarray(d.snapshot_hour, float), {"units": "h"})
        coords.update(_snapshot_coords(frames["snapshots"]))
        coords["bus"] = ("bus", np.asarray(d.buses, dtype=str))
        for name, get in SERIES.items():
            var = get(self, frames[name])
            if var is not None:
                data_vars[name] = var
        for name, (dim, key, drop) in TABLES.items():
            frame = frames[name]
            if frame.empty:
                continue
            keys = key(self, frame)
            coords.setdefault(dim, (dim, keys))
            for col in frame.columns.drop(drop, errors="ignore"):
                arr, kind = _column(frame[col])
                unit = _unit(name, col)
                if kind == "label":
                    coords[f"{dim}_{col}"] = (dim, arr)
                else:
                    data_vars[f"{name}_{col}"] = xr.Variable((dim,), arr, {"units": unit} if unit else {})
        attrs = _flat_attrs(self.provenance())
        for k, v in frames["summary"].iloc[0].items():
            arr, kind = _column(pd.Series([v]))
            if kind == "label":
                attrs.setdefault(f"summary_{k}", str(arr[0]))
            else:
                unit = _unit("summary", k)
                data_vars[f"summary_{k}"] = xr.Variable((), arr[0], {"units": unit} if unit else {})
        return xr.Dataset(data_vars, coords=coords, attrs=attrs)

    def to_netcdf(self, path) -> Path:
        """:meth:`to_xarray` written to one netCDF-4 file (engine netCDF4), atomically."""
        optional_module("netCDF4", "Results.to_netcdf")
        ds = self.to_xarray()
        return atomic_write(path, lambda tmp: ds.to_netcdf(tmp, engine="netcdf4"))

    def write_parquet(self, folder) -> Path:
        """One Parquet file per frame (:attr:`FRAMES`) into ``folder`` as it is (each file atomic;
        no set, no lock), with the units and :meth:`provenance` in the schema metadata (key
        ``gridplan``: JSON ``{"frame", "units", "provenance"}``) and each column's unit in its field
        metadata (``units``)."""
        pa = optional_module("pyarrow", "Results.to_parquet")
        pq = optional_module("pyarrow.parquet", "Results.to_parquet")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        prov = self.provenance()
        for name, frame in self.frames().items():
            table = _arrow_table(pa, name, frame, prov)
            atomic_write(folder / f"{name}.parquet", lambda tmp, t=table: pq.write_table(t, tmp))
        return folder

    def to_parquet(self, folder) -> Path:
        """:meth:`write_parquet` as a result set, written whole or not at all like :meth:`to_csv`
        (staged beside ``folder``, moved into place with ``manifest.json``; pyarrow is optional)."""
        optional_module("pyarrow.parquet", "Results.to_parquet")
        prov = self.provenance()
        with ResultSet(folder, case=prov["case"], inputs=prov["inputs"]) as rs:
            self.write_parquet(rs.path)
            return rs.commit(**self.manifest_facts())


# ---------------------------------------------------------------------- export helpers

def optional_module(module: str, what: str):
    """An optional dependency, or one line saying how to get it."""
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError:
        raise GridplanError(f"{what}: got no {module.split('.')[0]} module; expected it installed "
                            "(pip install 'gridplan[interop]')") from None


FRAME_UNITS = {
    "capacities": {"existing": "MW (MWh where unit is MWh)", "built": "MW (MWh where unit is MWh)",
                   "total": "MW (MWh where unit is MWh)"},
    "costs": {"cny": "CNY/yr"},
    "targets": {**dict.fromkeys(["value", "required", "achieved", "slack", "shortfall"], "see unit"),
                "shortfall_row": "see row_unit", "dual": "see dual_unit", "cost_per_pp": "CNY per percentage point",
                "penalty": "CNY per row_unit", "penalty_cny": "CNY/yr"},
    "emissions": {"mwh": "MWh/yr", "t_co2": "t/yr"},
    "curtailment": dict.fromkeys(["available_mwh", "generated_mwh", "curtailed_mwh"], "MWh/yr"),
    "curtailment_by_technology": {**dict.fromkeys(["available_mwh", "generated_mwh", "curtailed_mwh"], "MWh/yr"),
                                  "curtailed_share": "1"},
    "shedding": {"shed_mwh": "MWh/yr", "hours": "h/yr", "max_mw": "MW"},
    "electrification": {"min_mwh": "MWh/yr", "max_mwh": "MWh/yr", "mwh": "MWh/yr", "displaced_tce": "tce/yr",
                        "cost_cny": "CNY/yr", "peak_mw": "MW"},
    "city_accounts": {"demand_mwh": "MWh/yr", "non_fossil_mwh": "MWh/yr", "grid_import_mwh": "MWh/yr",
                      "grid_export_mwh": "MWh/yr", "co2_t": "t/yr", "non_fossil_share_energy": "1",
                      "electricity_final_share": "1"},
    "dispatch": {"mw": "MW"}, "storage_levels": {"level_mwh": "MWh"}, "flows": {"flow_mw": "MW"},
    "energy": {"*": "MWh/yr"}, "prices": {"*": "CNY/MWh"},
    "snapshots": {"weight_h": "h", "duration_h": "h", "hour_of_day": "h"},
}
"""The unit of every number column of :attr:`Results.FRAMES` (``*``: every column but the keys);
``see <column>``: the unit is given row by row in that column. Summary units follow the names."""

_KEYS = {"bus", "snapshot", "name", "component", "technology", "term", "kind", "id"}
_SUFFIX_UNITS = {"_cny": "CNY/yr", "_mwh": "MWh/yr", "_mw": "MW", "_tce": "tce/yr", "_t": "t/yr",
                 "_share": "1", "_s": "s", "_per_mwh_cny": "CNY/MWh"}


def _unit(frame: str, column: str) -> str:
    """The unit of ``column`` of the frame ``frame`` ('' for keys, text and counts)."""
    if frame == "summary":      # the longest suffix decides: cost_per_mwh_cny is CNY/MWh, not CNY/yr
        hits = [(len(s), u) for s, u in _SUFFIX_UNITS.items() if column.endswith(s)]
        return max(hits)[1] if hits else ""
    units = FRAME_UNITS.get(frame, {})
    if column in units:
        return units[column]
    return units.get("*", "") if column not in _KEYS else ""


def _column(s: pd.Series) -> tuple[np.ndarray, str]:
    """A frame column as a netCDF-friendly array: ``value`` (float), ``flag`` (bool) or ``label`` (str)."""
    if pd.api.types.is_bool_dtype(s):
        return s.to_numpy(bool), "flag"
    if pd.api.types.is_integer_dtype(s) and not s.isna().any():
        return s.to_numpy(np.int64), "value"
    if pd.api.types.is_numeric_dtype(s):
        return s.to_numpy(dtype=float, na_value=np.nan), "value"
    return np.array(["" if pd.isna(v) else str(v) for v in s], dtype=object), "label"


def _keyed(components, names) -> np.ndarray:
    return np.array([f"{c}/{n}" for c, n in zip(components, names)], dtype=object)


def _cost_keys(res, frame) -> np.ndarray:
    """Each cost term's name, ``term/kind`` where one name has several kinds."""
    dup = frame["term"].duplicated(keep=False)
    return np.where(dup, frame["term"] + "/" + frame["kind"], frame["term"]).astype(object)


def _plant_keys(res, frame) -> np.ndarray:
    n_gen = len(res.data.gens)     # curtailment lists the generators, then the reservoirs
    comps = ["generator"] * n_gen + ["reservoir"] * (len(frame) - n_gen)
    return _keyed(comps, frame.iloc[:, 0])


def _first(res, frame) -> np.ndarray:
    return frame.iloc[:, 0].astype(str).to_numpy(object)


TABLES = {
    "capacities": ("asset", lambda r, f: _keyed(f["component"], f["name"]), []),
    "costs": ("cost_term", _cost_keys, []),
    "targets": ("target", lambda r, f: f["id"].astype(str).to_numpy(object), ["id"]),
    "emissions": ("emitter", lambda r, f: _keyed(f["component"], f["name"]), []),
    "curtailment": ("plant", _plant_keys, []),
    "curtailment_by_technology": ("curtailment_technology", _first, ["technology"]),
    "shedding": ("bus", _first, ["bus"]),
    "electrification": ("electrification", _first, ["electrification"]),
    "city_accounts": ("city", _first, ["bus"]),
}
"""Frames of one row per element → (their dimension, their key per row, the key's own column,
not repeated as a coordinate)."""


def _grid(frame: pd.DataFrame, keys: np.ndarray, steps: int, value: str,
          step: str = "snapshot") -> tuple[np.ndarray, np.ndarray]:
    """A tidy (name × step) frame as a 2-D array: unique keys in order of appearance × steps."""
    order, pos = np.unique(keys, return_index=True)
    first = order[np.argsort(pos)]
    idx = pd.Index(first).get_indexer(keys)
    out = np.full((len(first), steps), np.nan)
    out[idx, frame[step].to_numpy(int)] = frame[value].to_numpy(float)
    return first, out


def _dispatch(res, frame):
    import xarray as xr
    keys = _keyed(frame["component"], frame["name"])
    first, grid = _grid(frame, keys, res.data.T, "mw")
    labels = frame.drop_duplicates(subset=["component", "name"])
    return xr.DataArray(grid, dims=("element", "snapshot"), attrs={"units": "MW"},
                        coords={"element": first, **{f"element_{c}": ("element", labels[c].astype(str).to_numpy(object))
                                                     for c in ("component", "name", "bus", "technology")}})


def _prices(res, frame):
    import xarray as xr
    values = frame.drop(columns="snapshot").to_numpy(float).T
    return xr.DataArray(values, dims=("bus", "snapshot"), attrs={"units": "CNY/MWh"})


def _flows(res, frame):
    import xarray as xr
    if frame.empty:
        return None
    first, grid = _grid(frame, frame["name"].to_numpy(object), res.data.T, "flow_mw")
    labels = frame.drop_duplicates(subset=["name"])
    return xr.DataArray(grid, dims=("line", "snapshot"), attrs={"units": "MW"},
                        coords={"line": first, "line_bus0": ("line", labels["bus0"].astype(str).to_numpy(object)),
                                "line_bus1": ("line", labels["bus1"].astype(str).to_numpy(object))})


def _levels(res, frame):
    import xarray as xr
    if frame.empty:
        return None
    step = res.level_step
    keys = _keyed(frame["component"], frame["name"])
    first, grid = _grid(frame, keys, int(frame[step].max()) + 1, "level_mwh", step)
    return xr.DataArray(grid, dims=("store", step), attrs={"units": "MWh"}, coords={"store": first})


def _snapshot_coords(frame: pd.DataFrame) -> dict:
    """The ``snapshots`` frame's columns as coordinates over ``snapshot`` (``snapshot_<column>``;
    ``weight_h`` is ``snapshot_weight`` already); columns that are empty in this run are left out.
    Datetimes carry no ``units`` attribute: netCDF's time encoding writes its own."""
    out = {"snapshot_duration": ("snapshot", frame["duration_h"].to_numpy(float), {"units": "h"})}
    for col in ("start", "representative_day"):
        if frame[col].notna().all():
            out[f"snapshot_{col}"] = ("snapshot", frame[col].to_numpy("datetime64[ns]"))
    for col in ("hour_of_day", "days_represented"):
        if frame[col].notna().all():
            out[f"snapshot_{col}"] = ("snapshot", frame[col].to_numpy(np.int64),
                                      {"units": "h"} if col == "hour_of_day" else {})
    return out


def _energy(res, frame):
    import xarray as xr
    e = frame.set_index("bus").reindex(pd.Index(res.data.buses, dtype=object).astype(str), fill_value=0.0)
    return xr.DataArray(e.to_numpy(float), dims=("bus", "energy_technology"), attrs={"units": "MWh/yr"},
                        coords={"energy_technology": np.asarray(e.columns, dtype=object)})


SERIES = {"dispatch": _dispatch, "prices": _prices, "flows": _flows, "storage_levels": _levels, "energy": _energy}
"""Frames with more than one dimension → their DataArray (None when the case has none)."""


def _flat_attrs(facts: dict) -> dict:
    """netCDF attributes are text or numbers: nested facts become JSON strings, None ''."""
    out = {}
    for k, v in facts.items():
        if isinstance(v, (dict, list, tuple)):
            out[k] = json.dumps(v, ensure_ascii=False, default=str)
        elif v is None:
            out[k] = ""
        elif isinstance(v, (bool, np.bool_)):
            out[k] = int(v)
        else:
            out[k] = v
    return out


def _arrow_table(pa, name: str, frame: pd.DataFrame, prov: dict):
    """A frame as an Arrow table with its units in the field and schema metadata."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    units = {c: _unit(name, c) for c in frame.columns if _unit(name, c)}
    fields = [f.with_metadata({"units": units[f.name]}) if f.name in units else f for f in table.schema]
    meta = dict(table.schema.metadata or {})
    meta[b"gridplan"] = json.dumps({"frame": name, "units": units, "provenance": prov},
                                   ensure_ascii=False, default=str).encode()
    return table.cast(pa.schema(fields, metadata=meta))
