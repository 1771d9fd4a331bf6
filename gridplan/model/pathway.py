"""The pathway LP: one single-year model per period, vintages that carry what is built, the carbon peak.

Each period *p* (year ``y_p``, weight ``W_p``: its years discounted to the base year,
:mod:`gridplan.case.pathway`) is the single-year model of its own case, built by the same
families (:func:`gridplan.model.build.build_context`), with its demand, catalogue, fuels, stock
and targets. The periods meet in three places only:

**Vintages** (capacity built stays built). For every carried component (:data:`CARRIED`) and
element *e*, ``B_p[e]`` is the period's build column (capacity beyond the period's ``existing``,
with the case's build range as bounds), and ``N_q[e] >= 0`` the capacity newly built in period
*q* (a column wherever the element may build in *q*). A vintage of *q* stands in period *p* while
``y_q <= y_p < y_q + life_q[e]`` (life: the catalogue's ``lifetime_yr`` of the period-*q* case;
the rule PyPSA applies to ``build_year`` and ``lifetime``):

    B_p[e] = Σ_{q <= p, alive(q, p)} N_q[e]                                   (pathway_vintages)

so nothing built in one period disappears from a later one before its life ends, and the
period's own bounds (potential, committed floors) bound the standing total.

**Present value.** Every annual cost term of period *p* is multiplied by ``W_p`` — operation,
fixed O&M of the stock (constants), penalties — except the period's own annual cost of its build
columns, which is charged by vintage instead: a vintage pays the annual cost of its own period's
catalogue (annuity + fixed O&M, ``ann_cost``) in every period it stands in,

    min Σ_p W_p (c_p · x_p + k_p)  +  Σ_q Σ_e a_q[e] · N_q[e] · Σ_{p >= q, alive(q, p)} W_p

so annuities are paid only over the modelling horizon (end effects of a late build are not
charged beyond it) — PyPSA's multi-investment-period objective with ``objective`` weights ``W_p``.

**Carbon peak** (:data:`KINDS`, one entry per pathway target kind). With ``E_p`` the emissions
of the target's buses in period *p* (:func:`peak_emissions`: the ``co2`` contributions, plus for
buses with their own accounting the CO2 of their annual net line purchases, which cannot be
inflated by buying and selling at once):

    E_p - E_peak <= 0     for every period p after peak_year                   (carbon_peak)
    E_p <= cap_t[y_p]     for every year of the optional cap path               (carbon_cap)

With ``elastic`` (every period's targets elastic) each row gets a shortfall ``s >= 0`` (``- s`` on
its left side) priced at the elastic price of a ``co2_cap`` shortfall (1e5 CNY/t) × ``W_p``, so a
pathway whose peak cannot be held still solves and says by how much it misses. Shedding load at the
value of lost load also lowers emissions: where that is cheaper per t (30,000 CNY/MWh over a coal
unit's 0.9 t/MWh is 33,000 CNY/t), the run sheds instead, and says so (the shedding warning).

The dual of a ``carbon_peak`` row is the change of the present value (CNY, ≤ 0) when one more t/yr
is allowed in period *p*; −dual / ``W_p`` is the carbon price that period's emissions carry (CNY/t).

Not carried: demand response (a yearly programme contract) and electrification (an annual energy
chosen per period); each is an annual decision of its period, charged with ``W_p``.

**Myopic foresight** builds the same LP for one period at a time (:meth:`PathwayModel.lp` with
``periods=[q]``): the earlier vintages are constants (their amounts from the earlier solves), a
peak row whose peak period is already solved has that period's emissions as a constant, and a new
vintage may not exceed the build room of the later periods it will stand in (their ceilings are
known data; :meth:`PathwayModel._room_outside`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..case.components import COMPONENTS, Component
from ..case.pathway import PathwayCase
from ..errors import CaseError
from .build import build_context
from .compile import CompiledLP, compile_lp
from .context import ModelContext
from .families.targets import Scope
from .linear import LinExpr
from ..case.targets import ROW_UNITS

CARRIED = tuple(c for c in COMPONENTS if c.name in ("generator", "reservoir", "storage", "storage_energy",
                                                        "exchange", "line"))
"""Components whose built capacity stands in later periods (a vintage per period it is built in)."""


@dataclass
class Vintage:
    """What one carried build block may add in one period: columns N_q over its expandable elements."""

    component: Component          # which family's build block it adds to
    period: int                   # q: position of the period it is built in
    names: pd.Index               # elements that may build in q
    annual: np.ndarray            # a_q: model money per unit and year (period q's catalogue)
    life: np.ndarray              # years a unit stands
    alive: np.ndarray             # (P, n) bool: the unit built in q stands in period p

    @property
    def block(self) -> str:
        """The LP block of capacity built that the vintage adds to (``gen_build``...)."""
        return self.component.build


@dataclass
class PeakRow:
    """One row of a pathway target in one period."""

    target: str
    kind: str                     # carbon_peak | carbon_cap
    period: int
    peak_period: int | None
    rhs: float


@dataclass
class Layout:
    """Where each part sits in a compiled pathway LP (of all periods, or of some: myopic)."""

    col_offsets: dict             # period -> first column of its single-year block
    row_offsets: dict             # period -> first row
    vintage_cols: dict = field(default_factory=dict)   # (q, block) -> columns of N_q
    link_rows: dict = field(default_factory=dict)      # (p, block) -> (rows, element names)
    peak_rows: list = field(default_factory=list)      # [(PeakRow, row)]
    peak_shortfall: dict = field(default_factory=dict)  # id(PeakRow) -> its shortfall column (elastic)


def _carbon_peak_rows(pm: "PathwayModel", t) -> list[PeakRow]:
    years = pm.pathway.years
    peak = pm.pathway.period_of(t.peak_year)
    rows = [PeakRow(t.id, "carbon_peak", p, peak, 0.0) for p in range(len(years)) if years[p] > t.peak_year]
    rows += [PeakRow(t.id, "carbon_cap", pm.pathway.period_of(y), None, float(v)) for y, v in sorted(t.cap_t.items())]
    return rows


KINDS = {"carbon_peak": _carbon_peak_rows}
"""Pathway target kinds: kind -> rows(pathway model, target). A new kind is one entry and one function."""


class PathwayModel:
    """The periods' single-year models (built once) and the vintages between them."""

    def __init__(self, pathway: PathwayCase, contexts: list[ModelContext]):
        self.pathway = pathway
        self.contexts = contexts
        self.clps = [compile_lp(ctx) for ctx in contexts]
        self.build_cols = [self._build_cols(ctx) for ctx in contexts]   # per period: block -> (cols, names)
        self.vintages = self._vintages()
        self.targets = {t.id: t for t in pathway.spec.targets}
        self.peak_rows = [r for t in pathway.spec.targets for r in KINDS[t.kind](self, t)]
        self.elastic = any(ctx.elastic for ctx in contexts)
        # elastic: a t/yr above the peak costs what an elastic co2_cap shortfall costs (far above any
        # cost of meeting it), in model money, in every year of the period (× W_p)
        self.shortfall_price = ROW_UNITS["t"].elastic_penalty / contexts[0].data.cny_per_model_money
        self.emissions = {(t.id, p): peak_emissions(ctx, t)
                          for t in pathway.spec.targets for p, ctx in enumerate(contexts)}
        self._check_standing()

    @property
    def P(self) -> int:
        return len(self.contexts)

    @staticmethod
    def _build_cols(ctx) -> dict:
        out = {}
        for c in CARRIED:
            vb = ctx.lp.vars.get(c.build)
            if vb is not None:
                out[c.build] = (c, vb.cols.ravel(), vb.coords[0])
        return out

    def _vintages(self) -> list[Vintage]:
        years = self.pathway.years
        out = []
        for q, ctx in enumerate(self.contexts):
            for block, (comp, cols, names) in self.build_cols[q].items():
                can = self.clps[q].col_upper[cols] > 0
                if not can.any():
                    continue
                frame = getattr(ctx.data, comp.table)
                life = frame["lifetime_yr"].to_numpy(float)[can]
                alive = np.array([(years[q] <= years[p]) & (years[p] < years[q] + life) for p in range(len(years))])
                out.append(Vintage(comp, q, names[can], self.clps[q].cost[cols][can], life, alive))
        return out

    def _check_standing(self) -> None:
        """A vintage that still stands in a later period needs its element there, at the same bus."""
        years = self.pathway.years
        for v in self.vintages:
            comp = v.component
            ceiling = {"exchange": "build_max_mw", "storage_energy": "max_mwh"}.get(comp.name, "max_mw")
            where = [*comp.bus_fields, *([comp.technology] if comp.technology in
                                          getattr(self.contexts[v.period].data, comp.table).columns else [])]
            built_at = getattr(self.contexts[v.period].data, comp.table)
            for p in range(v.period + 1, self.P):
                have = self.build_cols[p].get(v.block)
                names = have[2] if have is not None else pd.Index([])
                lost = v.names[v.alive[p] & ~v.names.isin(names)]
                if len(lost):
                    raise CaseError(self.pathway.cases[p]._path, comp.case_field, lost[0],
                                    f"an element of the {years[v.period]} case that may build there (what it "
                                    f"builds stands until {years[v.period]} + its lifetime); keep it in the "
                                    f"{years[p]} case, with {ceiling} at least what may stand")
                later = getattr(self.contexts[p].data, comp.table)
                for e in v.names[v.alive[p]]:
                    for f in where:
                        if later.at[e, f] != built_at.at[e, f]:
                            raise CaseError(self.pathway.cases[p]._path, f"{comp.case_field}[{e}].{f}", later.at[e, f],
                                            f"{built_at.at[e, f]}, its {f} in the {years[v.period]} case (what it "
                                            "builds there still stands here: one element, one place and technology)")

    # ------------------------------------------------------------------ the LP
    def lp(self, periods=None, fixed_new: dict | None = None, known_emissions: dict | None = None):
        """The compiled LP over ``periods`` (default all), and its :class:`Layout`.

        ``fixed_new``: {(q, block): amounts of N_q} for vintages of periods not in the LP (myopic);
        ``known_emissions``: {(target, period): t} for peak periods not in the LP."""
        periods = list(range(self.P)) if periods is None else list(periods)
        fixed_new, known = fixed_new or {}, known_emissions or {}
        W = self.pathway.weights
        lay = Layout({}, {})
        trip, cost, lo, hi, rlo, rhi = [], [], [], [], [], []
        offset = 0.0
        c0 = r0 = 0
        for p in periods:
            clp = self.clps[p]
            A = clp.A.tocoo()
            trip.append((A.row + r0, A.col + c0, A.data))
            cp = clp.cost.copy()
            for block, (_, cols, _) in self.build_cols[p].items():
                cp[cols] = 0.0                      # charged by vintage instead
            cost.append(W[p] * cp)
            lo.append(clp.col_lower)
            hi.append(clp.col_upper)
            rlo.append(clp.row_lower)
            rhi.append(clp.row_upper)
            offset += W[p] * clp.offset
            lay.col_offsets[p], lay.row_offsets[p] = c0, r0
            c0 += clp.shape[1]
            r0 += clp.shape[0]
        # vintage columns of the periods in the LP
        for v in self.vintages:
            if v.period not in periods:
                continue
            n = len(v.names)
            lay.vintage_cols[v.period, v.block] = np.arange(c0, c0 + n)
            cost.append(v.annual * (v.alive[periods, :] * W[periods][:, None]).sum(axis=0))
            lo.append(np.zeros(n))
            hi.append(self._room_outside(v, periods, fixed_new))
            c0 += n
        # B_p[e] - Σ alive N_q[e] = Σ alive fixed N_q[e]
        for p in periods:
            for block, (_, cols, names) in self.build_cols[p].items():
                const = np.zeros(len(names))
                r_, c_, v_ = [np.arange(len(names)) + r0], [cols + lay.col_offsets[p]], [np.ones(len(names))]
                for v in self.vintages:
                    stands = v.alive[p] if v.block == block else np.zeros(len(v.names), bool)
                    if not stands.any():
                        continue
                    pos = names.get_indexer(v.names[stands])      # present: _check_standing
                    if (v.period, block) in lay.vintage_cols:
                        r_.append(pos + r0)
                        c_.append(lay.vintage_cols[v.period, block][stands])
                        v_.append(-np.ones(len(pos)))
                    else:
                        np.add.at(const, pos, np.asarray(fixed_new[v.period, block], float)[stands])
                trip.append((np.concatenate(r_), np.concatenate(c_), np.concatenate(v_)))
                rlo.append(const)
                rhi.append(const.copy())
                lay.link_rows[p, block] = (np.arange(r0, r0 + len(names)), names)
                r0 += len(names)
        # the pathway targets' rows
        for row in self.peak_rows:
            if row.period not in periods:
                continue
            e = self._emission_terms(lay, row.target, row.period)
            rhs = row.rhs
            if row.kind == "carbon_peak":
                if row.peak_period in periods:
                    e = _combine(e, self._emission_terms(lay, row.target, row.peak_period), -1.0)
                else:
                    rhs = known[row.target, row.peak_period]
            cols, vals, const = e
            if self.elastic:      # a priced shortfall s >= 0: E_p - E_peak - s <= rhs
                cols, vals = np.append(cols, c0), np.append(vals, -1.0)
                cost.append(np.array([W[row.period] * self.shortfall_price]))
                lo.append(np.zeros(1))
                hi.append(np.full(1, np.inf))
                lay.peak_shortfall[id(row)] = c0
                c0 += 1
            trip.append((np.full(len(cols), r0), cols, vals))
            rlo.append(np.array([-np.inf]))
            rhi.append(np.array([rhs - const]))
            lay.peak_rows.append((row, r0))
            r0 += 1
        rows = np.concatenate([t[0] for t in trip])
        cols = np.concatenate([t[1] for t in trip])
        vals = np.concatenate([t[2] for t in trip]).astype(float)
        A = sp.csc_matrix((vals, (rows, cols)), shape=(r0, c0))
        A.sum_duplicates()
        A.eliminate_zeros()
        clp = CompiledLP(A, np.concatenate(cost), np.concatenate(lo), np.concatenate(hi),
                         np.concatenate(rlo), np.concatenate(rhi), offset, [], {},
                         network=any(self.clps[p].network for p in periods),
                         clustered=all(self.clps[p].clustered for p in periods))
        return clp, lay

    def _room_outside(self, v: Vintage, periods, fixed_new: dict) -> np.ndarray:
        """Upper bound of N_q: the build room of every later period outside the LP where the
        vintage would still stand (its build ceiling less the earlier vintages standing there).
        A myopic step does not see the later periods' costs or targets, but their ceilings are
        data a planner knows: without this, 2025 could build what a 2030 case has no room for
        (a committed project raising 2030's stock under the same ceiling) and 2030 would be
        infeasible. Perfect foresight has every period in the LP: no bound (the link rows hold it)."""
        room = np.full(len(v.names), np.inf)
        for p in range(v.period + 1, self.P):
            if p in periods or not v.alive[p].any():
                continue
            _, cols, names = self.build_cols[p][v.block]
            free = self.clps[p].col_upper[cols].copy()
            for u in self.vintages:
                if u.block == v.block and (u.period, u.block) in fixed_new and u.alive[p].any():
                    np.subtract.at(free, names.get_indexer(u.names[u.alive[p]]),
                                   np.asarray(fixed_new[u.period, u.block], float)[u.alive[p]])
            here = free[names.get_indexer(v.names)]
            room = np.where(v.alive[p], np.minimum(room, np.maximum(here, 0.0)), room)
        return room

    def _emission_terms(self, lay: Layout, target: str, p: int):
        """(columns in the LP, coefficients, constant) of E_p of a target."""
        e = self.emissions[target, p]
        cols = e.cols + lay.col_offsets[p]
        return cols, e.vals.astype(float), float(e.const.sum())

    def emissions_at(self, target: str, p: int, x_p: np.ndarray) -> float:
        """E_p (t) at period p's own solution vector."""
        return float(self.emissions[target, p].value(x_p).sum())


def peak_emissions(ctx, t) -> LinExpr:
    """E_p of a pathway target in one period's model (t CO2/yr): the ``co2`` its buses register
    (generation, imports from outside the case), plus, for buses with their own accounting, the
    CO2 of their **annual net** purchases over the lines, grid_co2_t_per_mwh × (grid_import −
    grid_export) — the inventory's 净调入电量 × factor, negative for a net seller.

    Why not ``co2_cap``'s count (the factor on the hourly purchases alone): buying and selling in
    the same hour costs nothing, so hourly purchases can be inflated at will. A cap only ever wants
    them small, but the peak period's E stands on the larger side of the peak rows, so the LP
    would inflate the peak year's purchases and leave every later row slack. Net purchases are
    fixed by the flows: the same count on both sides of the row cannot be gamed."""
    q = Scope(ctx, t.buses, t.id)
    e = q.total("co2")
    if not q.per_city:
        return e
    own = {b.name: b.energy_accounting for b in ctx.case.buses}
    for b in q.buses:
        factor = own[b].grid_co2_t_per_mwh if own.get(b) is not None else None
        if factor:
            one = Scope(ctx, [b], t.id)
            e = e + (one.total("grid_import") - one.total("grid_export")) * factor
    return e


def _combine(a, b, fb: float):
    return (np.concatenate([a[0], b[0]]), np.concatenate([a[1], fb * b[1]]), a[2] + fb * b[2])


def build_pathway(pathway: PathwayCase, *, resolution: int | None = None, typical_days: int | None = None,
                  elastic: bool = False, progress=None) -> PathwayModel:
    """Prepare and build every period's single-year model, then the vintages (one per period the
    clustering of typical days is its own: each period's series are clustered as its case alone
    would be, so a period solved alone and in the pathway sees the same days)."""
    contexts = []
    for case in pathway.cases:
        if progress is not None:
            progress(f"building {case.name} ({case.year})")
        contexts.append(build_context(case, resolution=resolution, typical_days=typical_days, elastic=elastic))
    return PathwayModel(pathway, contexts)
