"""Solve a pathway (perfect or myopic foresight) and read it period by period.

:func:`solve_pathway` builds every period's single-year model once
(:func:`gridplan.model.pathway.build_pathway`), then

* **perfect foresight**: one LP over all periods (vintages, present values, carbon peak:
  :mod:`gridplan.model.pathway`), one HiGHS run;
* **myopic**: the periods in order, each its own LP seeing only itself, with what the earlier
  ones built as standing capacity and the emissions of an already solved peak period as a cap —
  what a planner does who sizes 2025 without looking at 2030. Its plan is then priced with the
  perfect-foresight objective (present value of every period's cost), so the two are comparable:
  the *cost of myopia* is the myopic plan's present value minus the perfect one's
  (:func:`foresight_comparison`).

:class:`PathwayResults` holds one :class:`gridplan.Results` per period (its duals divided by
``W_p``: prices and target duals in CNY of that period's years, undiscounted) and the pathway's
own frames: what is built when (``builds``), the present value by period (``present_value``) and
the carbon-peak rows with their duals (``carbon_peak``). Every period frame has a ``period``
column first (:meth:`PathwayResults.frame`).
"""
from __future__ import annotations

import copy
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..case.pathway import PathwayCase, load_pathway
from ..errors import SolveError
from ..io import ResultSet, atomic_text, write_csv_frames, write_excel_sheets
from ..model.pathway import PathwayModel, build_pathway
from ..results import Results
from ..solve import SolveOptions, _solved, iteration_counts, make_highs, run_highs

def solve_pathway(pathway, *, resolution: int | None = None, typical_days: int | None = None,
                  foresight: str | None = None, elastic: bool = False, options: SolveOptions | None = None,
                  overrides: dict | None = None, progress=None, **option_kw) -> "PathwayResults":
    """Solve a pathway file (or a loaded :class:`~gridplan.case.pathway.PathwayCase`).

    ``foresight``: ``perfect`` or ``myopic`` (default: the file's). ``typical_days`` and
    ``resolution`` apply to every period (each period's days are clustered from its own series).
    ``overrides`` apply to every period's case. ``elastic``: every period's hard targets get a
    priced shortfall (as a single-year ``elastic`` run; the penalties weighted by ``W_p`` like every
    cost), and so do the carbon-peak rows (:mod:`gridplan.model.pathway`), so an out-of-reach
    pathway still gives a plan and says what it misses. A pathway that cannot be solved raises
    :class:`~gridplan.errors.SolveError`."""
    opts = options or SolveOptions(**option_kw)
    pc = _loaded(pathway, overrides)
    t0 = time.perf_counter()
    pm = build_pathway(pc, resolution=resolution, typical_days=typical_days, elastic=elastic, progress=progress)
    return solve_model(pm, foresight or pc.spec.foresight, opts, progress, build_s=time.perf_counter() - t0)


def solve_model(pm: PathwayModel, foresight: str, opts: SolveOptions, progress=None,
                build_s: float = 0.0) -> "PathwayResults":
    """Solve a built pathway model with ``perfect`` or ``myopic`` foresight (the model is not
    changed: one model serves both, :func:`foresight_runs`)."""
    if foresight not in ("perfect", "myopic"):
        raise ValueError(f"foresight must be 'perfect' or 'myopic', not {foresight!r}")
    pc = pm.pathway
    clp, lay = pm.lp()
    if foresight == "perfect":
        x, y, facts = _run(clp, opts, pc.name)
    else:
        x, y, facts = _myopic(pm, clp, lay, opts, progress)
    facts.update(build_s=build_s, foresight=foresight, objective=float(clp.cost @ x + clp.offset))
    return PathwayResults(pm, clp, lay, x, y, facts)


def _loaded(pathway, overrides) -> PathwayCase:
    if isinstance(pathway, PathwayCase):
        if overrides:
            raise ValueError("overrides apply when a pathway file is read: pass its path, not a loaded PathwayCase")
        return pathway
    return load_pathway(pathway, overrides)


def _run(clp, opts: SolveOptions, name: str):
    t1 = time.perf_counter()
    h = make_highs(clp, opts)
    status, solver, fallback = run_highs(h)
    info = h.getInfo()
    if status != "Optimal":
        hint = (" — re-run with elastic=True (CLI: --elastic) to see which targets cannot be met"
                if "nfeasible" in status else "")
        raise SolveError(status, f"{name}: solver status '{status}'{hint}")
    sol = h.getSolution()
    facts = dict(status=status, solver=solver, rows=clp.shape[0], cols=clp.shape[1], nonzeros=int(clp.A.nnz),
                 solve_s=time.perf_counter() - t1, **iteration_counts(info))
    if fallback:
        facts["fallback"] = fallback
    return np.array(sol.col_value), np.asarray(sol.row_dual), facts


def _myopic(pm: PathwayModel, clp_all, lay_all, opts: SolveOptions, progress):
    """Period by period; returns the assembled solution in the all-period LP's layout."""
    x = np.zeros(clp_all.shape[1])
    y = np.zeros(clp_all.shape[0])
    fixed, known = {}, {}
    facts = dict(status="Optimal", solver=None, solve_s=0.0, steps=[])
    for q in range(pm.P):
        year = int(pm.pathway.years[q])
        if progress is not None:
            progress(f"myopic: solving {year}")
        clp, lay = pm.lp([q], fixed, known)
        xq, yq, f = _run(clp, opts, f"{pm.pathway.name} ({year}, myopic)")
        facts["solver"], facts["solve_s"] = f["solver"], facts["solve_s"] + f["solve_s"]
        facts["steps"].append({"period": year, "rows": f["rows"], "cols": f["cols"], "solve_s": f["solve_s"]})
        n, m = pm.clps[q].shape[1], pm.clps[q].shape[0]
        c_all, r_all = lay_all.col_offsets[q], lay_all.row_offsets[q]
        x[c_all:c_all + n] = xq[:n]
        y[r_all:r_all + m] = yq[:m]
        for key, cols in lay.vintage_cols.items():
            fixed[key] = xq[cols]
            x[lay_all.vintage_cols[key]] = xq[cols]
        for key, (rows, _) in lay.link_rows.items():
            y[lay_all.link_rows[key][0]] = yq[rows]
        rows_all = {id(a): b for a, b in lay_all.peak_rows}
        for row, r in lay.peak_rows:
            y[rows_all[id(row)]] = yq[r]
            if id(row) in lay.peak_shortfall:
                x[lay_all.peak_shortfall[id(row)]] = xq[lay.peak_shortfall[id(row)]]
        for t in pm.targets:
            known[t, q] = pm.emissions_at(t, q, xq[:n])
    facts.update(rows=clp_all.shape[0], cols=clp_all.shape[1], nonzeros=int(clp_all.A.nnz))
    return x, y, facts


def _priced_by_vintage(pm: PathwayModel, lay, x, p: int):
    """Period p's model as its :class:`~gridplan.Results` must read it: the annual cost of each build
    column is what the vintages standing in p pay (each at its own build period's price,
    Σ_q a_q N_q), not the period's own catalogue price × everything standing. A shallow copy of
    the context with those cost terms replaced (the model itself is left as it is)."""
    ctx = pm.contexts[p]
    paid = {}
    for v in pm.vintages:
        if (v.period, v.block) not in lay.vintage_cols or not v.alive[p].any():
            continue
        _, _, names = pm.build_cols[p][v.block]
        pos = names.get_indexer(v.names[v.alive[p]])
        amount = x[lay.vintage_cols[v.period, v.block]][v.alive[p]]
        acc = paid.setdefault(v.block, np.zeros(len(names)))
        np.add.at(acc, pos, v.annual[v.alive[p]] * amount)
    c0 = lay.col_offsets[p]
    terms = []
    for t in ctx.lp.costs:
        if t.name not in pm.build_cols[p]:      # a build block's cost term bears its name (capacity_block)
            terms.append(t)
            continue
        block = t.name
        cols = pm.build_cols[p][block][1]
        standing = x[c0 + cols]
        per_unit = np.divide(paid.get(block, np.zeros(len(cols))), standing,
                             out=np.zeros(len(cols)), where=standing > 1e-12)
        terms.append(replace(t, cols=cols, coefs=per_unit))
    lp = copy.copy(ctx.lp)
    lp.costs = terms
    priced = copy.copy(ctx)
    priced.lp = lp
    return priced


def _annual_cost(ctx, x) -> float:
    """Model money per year of a period's solution under its (re-priced) cost terms."""
    return float(sum(t.coefs @ x[t.cols] for t in ctx.lp.costs) + ctx.lp.objective_constant)


class PathwayResults:
    """A solved pathway: one :class:`gridplan.Results` per period, the builds, present values and
    the carbon peak."""

    def __init__(self, pm: PathwayModel, clp, lay, x, y, facts: dict):
        self.model = pm
        self.pathway = pm.pathway
        self.clp, self.layout, self.x, self.y, self.facts = clp, lay, x, y, facts
        self.money = pm.contexts[0].data.cny_per_model_money
        self.periods: dict[int, Results] = {}
        W = self.pathway.weights
        for p, ctx in enumerate(pm.contexts):
            cp = pm.clps[p]
            c0, r0 = lay.col_offsets[p], lay.row_offsets[p]
            xp = x[c0:c0 + cp.shape[1]].copy()
            yp = y[r0:r0 + cp.shape[0]] / W[p]
            priced = _priced_by_vintage(pm, lay, x, p)
            own = dict(status="Optimal", solver=facts.get("solver"), rows=cp.shape[0], cols=cp.shape[1],
                       objective=_annual_cost(priced, xp), pathway=self.pathway.name,
                       foresight=facts.get("foresight"), period_weight=float(W[p]))
            self.periods[int(self.pathway.years[p])] = _solved(priced, cp, xp, yp, own)

    # ------------------------------------------------------------------ headline
    @property
    def name(self) -> str:
        return self.pathway.name

    @property
    def foresight(self) -> str:
        return self.facts["foresight"]

    @property
    def objective(self) -> float:
        """Present value in CNY of the base year: every period's annual costs × W_p, investment by vintage."""
        return self.facts["objective"] * self.money

    @property
    def outcome(self) -> str:
        """The worst of the periods' outcomes (optimal, strive missed...), in their words."""
        from ..report import OUTCOMES
        order = list(OUTCOMES)
        outcomes = [r.outcome for r in self.periods.values()]
        if len(self.layout.peak_shortfall) and not self.carbon_peak["met"].all():
            outcomes.append("targets missed")
        return max(outcomes, key=order.index)

    def __repr__(self) -> str:
        years = " → ".join(map(str, self.periods))
        return (f"<gridplan.PathwayResults {self.name} ({years}, {self.foresight} foresight): {self.outcome}; "
                f"present value {self.objective / 1e8:,.2f} 亿 CNY>")

    def summary(self) -> dict:
        return {"pathway": self.name, "foresight": self.foresight, "outcome": self.outcome,
                "periods": " ".join(map(str, self.periods)), "base_year": self.pathway.base_year,
                "discount_rate": self.pathway.discount_rate, "present_value_cny": self.objective,
                "emissions_t": {y: r.summary()["emissions_t"] for y, r in self.periods.items()},
                **{k: v for k, v in self.facts.items() if k not in ("objective", "steps")}}

    # ------------------------------------------------------------------ frames
    def frame(self, name: str) -> pd.DataFrame:
        """One of :attr:`gridplan.Results.FRAMES` for every period, a ``period`` column first."""
        get = Results.FRAMES[name]
        parts = [get(r).assign(period=y) for y, r in self.periods.items()]
        df = pd.concat(parts, ignore_index=True)
        return df[["period", *[c for c in df.columns if c != "period"]]]

    @property
    def capacities(self) -> pd.DataFrame:
        return self.frame("capacities")

    @property
    def targets(self) -> pd.DataFrame:
        return self.frame("targets")

    @property
    def builds(self) -> pd.DataFrame:
        """What each period builds (MW, MWh for storage energy), per element, and the last year it
        stands (built at the start of its period, standing ``lifetime_yr`` years; the solver's
        round-off below zero shown as 0)."""
        rows = []
        for v in self.model.vintages:
            cols = self.layout.vintage_cols[v.period, v.block]
            ctx = self.model.contexts[v.period]
            comp = v.component
            frame = getattr(ctx.data, comp.table)
            year = int(self.pathway.years[v.period])
            for e, amount, life in zip(v.names, self.x[cols], v.life):
                rows.append({"period": year, "component": comp.name, "name": e,
                             "bus": frame.at[e, "bus"] if "bus" in frame.columns else f"{frame.at[e, 'bus0']}-{frame.at[e, 'bus1']}",
                             "technology": frame.at[e, comp.technology] if comp.technology in frame.columns
                             else comp.technology, "unit": comp.unit, "built": max(float(amount), 0.0),
                             "last_year": int(year + life - 1)})
        return pd.DataFrame(rows, columns=["period", "component", "name", "bus", "technology", "unit", "built",
                                           "last_year"])

    @property
    def present_value(self) -> pd.DataFrame:
        """Per period: its weight W_p, the present value of its annual costs other than the builds'
        (operation, fixed O&M of the stock, penalties) and of the vintages it builds
        (``investment_pv_cny``: their annuity and fixed O&M in every period they stand in the
        horizon), and, in an elastic run, the penalty of the period's carbon-peak shortfalls; CNY of
        the base year; the rows sum to the objective."""
        W = self.pathway.weights
        rows = []
        for p, year in enumerate(self.pathway.years):
            # the pathway LP's own coefficients of the period's block: × W_p, its build columns at 0
            block = slice(self.layout.col_offsets[p], self.layout.col_offsets[p] + self.model.clps[p].shape[1])
            running = float(self.clp.cost[block] @ self.x[block]) + W[p] * self.model.clps[p].offset
            built = sum(float(self.clp.cost[cols] @ self.x[cols]) for (q, _), cols in self.layout.vintage_cols.items()
                        if q == p)
            short = sum(float(self.clp.cost[c] * self.x[c]) for row, _ in self.layout.peak_rows
                        if row.period == p and (c := self.layout.peak_shortfall.get(id(row))) is not None)
            rows.append({"period": int(year), "years": int(self.pathway.lengths[p]), "weight": float(W[p]),
                         "operation_and_stock_pv_cny": running * self.money, "investment_pv_cny": built * self.money,
                         "carbon_peak_shortfall_pv_cny": short * self.money,
                         "total_pv_cny": (running + built + short) * self.money})
        return pd.DataFrame(rows)

    @property
    def carbon_peak(self) -> pd.DataFrame:
        """Each carbon-peak row: the period's emissions, the peak period's (or the cap), the shortfall
        (elastic runs) and whether it is met, binding, the dual (CNY of the base year per t/yr) and
        the carbon price it puts on the period's emissions (−dual / W_p, CNY per t)."""
        W = self.pathway.weights
        rows = []
        for row, r in self.layout.peak_rows:
            p = row.period
            e = self._emissions(row.target, p)
            bound = self._emissions(row.target, row.peak_period) if row.kind == "carbon_peak" else row.rhs
            dual = float(self.y[r]) * self.money
            col = self.layout.peak_shortfall.get(id(row))
            short = max(float(self.x[col]), 0.0) if col is not None else 0.0
            met = short <= 1e-6 * max(1.0, abs(bound))
            if not met:     # a missed row is not binding and has no price: its dual is the penalty it pays
                dual = float("nan")
            rows.append({"target": row.target, "kind": row.kind, "period": int(self.pathway.years[p]),
                         "emissions_t": e, "limit_t": bound, "shortfall_t": short, "met": met,
                         "binding": bool(met and abs(e - bound) <= 1e-6 * max(1.0, abs(bound)) and abs(dual) > 1e-9),
                         "dual_pv_cny_per_t": dual, "carbon_price_cny_per_t": -dual / W[p]})
        return pd.DataFrame(rows, columns=["target", "kind", "period", "emissions_t", "limit_t", "shortfall_t", "met",
                                           "binding", "dual_pv_cny_per_t", "carbon_price_cny_per_t"])

    @property
    def target_emissions(self) -> pd.DataFrame:
        """Emissions (t CO2/yr) each pathway target counts, in every period: its buses' ``co2``
        plus, for buses with their own accounting, the CO2 of net line imports."""
        return pd.DataFrame([{"target": t, "period": int(y), "emissions_t": self._emissions(t, p)}
                             for t in self.model.targets for p, y in enumerate(self.pathway.years)],
                            columns=["target", "period", "emissions_t"])

    def _emissions(self, target: str, p: int) -> float:
        c0 = self.layout.col_offsets[p]
        return self.model.emissions_at(target, p, self.x[c0:c0 + self.model.clps[p].shape[1]])

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every output frame: the pathway's own and every period frame with its ``period`` column."""
        out = {"pathway": pd.DataFrame([{k: v for k, v in self.summary().items() if k != "emissions_t"}]),
               "present_value": self.present_value, "builds": self.builds, "carbon_peak": self.carbon_peak,
               "target_emissions": self.target_emissions}
        out.update({name: self.frame(name) for name in Results.FRAMES})
        return out

    def write_files(self, folder) -> Path:
        """Every CSV, the build-out plot and README.md into ``folder`` as it is (a staged set)."""
        from .. import plots
        write_csv_frames(folder, self.frames())
        plots.pathway_build_out(self, Path(folder) / "build_out.png")
        atomic_text(Path(folder) / "README.md", self.guide())
        return Path(folder)

    def to_excel(self, path) -> Path:
        """One sheet per frame (the pathway's own and every period frame with its ``period``
        column, hourly frames included), written atomically."""
        return write_excel_sheets(path, self.frames())

    def manifest_facts(self) -> dict:
        return {"status": "Optimal", "outcome": self.outcome, "foresight": self.foresight,
                "present_value_cny": self.objective, "inputs": self.input_hashes()}

    def to_csv(self, folder) -> Path:
        """:meth:`write_files` into ``folder``, written whole or not at all (:class:`gridplan.io.ResultSet`)."""
        with ResultSet(folder, case=str(self.pathway.path)) as rs:
            self.write_files(rs.path)
            return rs.commit(**self.manifest_facts())

    def input_hashes(self) -> dict:
        from ..case.input_hash import file_sha256
        out = {"pathway": {str(self.pathway.path): file_sha256(self.pathway.path)}}
        for year, r in self.periods.items():
            out[str(year)] = r.input_hashes()
        return out

    def guide(self) -> str:
        """The result set's README.md: what was solved and what each file holds."""
        pv = self.present_value
        lines = [f"# {self.name}: {' → '.join(map(str, self.periods))}, {self.foresight} foresight", "",
                 f"Outcome: {self.outcome}. Present value {self.objective:,.0f} CNY of {self.pathway.base_year} "
                 f"(discount rate {self.pathway.discount_rate:g}).", "",
                 "| period | years | weight | operation and stock (CNY, PV) | investment (CNY, PV) |",
                 "|---|---|---|---|---|"]
        lines += [f"| {r.period} | {r.years} | {r.weight:.3f} | {r.operation_and_stock_pv_cny:,.0f} | "
                  f"{r.investment_pv_cny:,.0f} |" for r in pv.itertuples()]
        missed = pv["carbon_peak_shortfall_pv_cny"].sum()
        if missed:
            lines += ["", f"Carbon-peak shortfall penalty (elastic run): {missed:,.0f} CNY of present value."]
        cp = self.carbon_peak
        if len(cp):
            lines += ["", "Carbon peak (t CO2/yr; the price is what the row puts on the period's emissions):", "",
                      "| target | period | emissions | limit | met | carbon price (CNY/t) |", "|---|---|---|---|---|---|"]
            lines += [f"| {r.target} | {r.period} | {r.emissions_t:,.0f} | {r.limit_t:,.0f} | "
                      f"{peak_status(r)} | "
                      f"{f'{r.carbon_price_cny_per_t:,.1f}' if r.binding else '—'} |" for r in cp.itertuples()]
        lines += ["", "Files: `pathway.csv` (the run), `present_value.csv`, `builds.csv` (what each period builds "
                  "and the last year it stands), `carbon_peak.csv` (rows, duals, carbon prices), "
                  "`target_emissions.csv` (each carbon-peak scope's CO2 per period), `build_out.png`, and every "
                  "frame of a single-year run with a `period` column first (`capacities.csv`, `targets.csv`, "
                  "`dispatch.csv`...: the files of a single-year result set, whose README.md explains each). A period's `costs.csv` and "
                  "`summary.csv` rows are its annual costs with each standing vintage at its own build "
                  "period's price; target duals and prices are per year of the period (the pathway's ÷ W_p).", ""]
        return "\n".join(lines)


def peak_status(r) -> str:
    """A carbon-peak row (of :attr:`PathwayResults.carbon_peak`) in words: binding, met, or missed by how much."""
    return "binding" if r.binding else "met" if r.met else f"missed by {r.shortfall_t:,.0f} t"


def foresight_comparison(pathway, **kw) -> pd.DataFrame:
    """Solve a pathway with perfect and with myopic foresight; one row each: outcome, present value,
    the cost of myopia (myopic present value − perfect, CNY of the base year; ≥ 0 up to the solver's
    tolerance, since the myopic plan is a feasible plan of the perfect-foresight LP), and each
    period's emissions and supply capacity built (MW). A run that finds no solution is a row with
    its outcome and error (a myopic plan may be unable to hold a peak that perfect foresight holds)."""
    return foresight_runs(pathway, **kw)[0]


def foresight_runs(pathway, **kw) -> tuple[pd.DataFrame, dict]:
    """:func:`foresight_comparison` and the two :class:`PathwayResults` by foresight."""
    from ..report import outcome_of_error
    pc = _loaded(pathway, kw.pop("overrides", None))
    progress = kw.pop("progress", None)
    build = {k: kw.pop(k, None) for k in ("resolution", "typical_days")}
    t0 = time.perf_counter()
    pm = build_pathway(pc, **build, elastic=bool(kw.pop("elastic", False)), progress=progress)  # once, for both
    build_s = time.perf_counter() - t0
    opts = kw.pop("options", None) or SolveOptions(**kw)
    rows, runs = [], {}
    for f in ("perfect", "myopic"):
        try:
            r = runs[f] = solve_model(pm, f, opts, progress, build_s=build_s)
        except SolveError as exc:      # e.g. a myopic step that cannot hold the peak: listed, the others go on
            rows.append({"pathway": pc.name, "foresight": f, "outcome": outcome_of_error(exc),
                         "present_value_cny": float("nan"), "error": str(exc)})
            continue
        b = r.builds[r.builds["component"].isin(["generator", "reservoir", "storage"])]
        built = b.groupby("period")["built"].sum() if len(b) else pd.Series(dtype=float)   # MW of supply
        rows.append({"pathway": pc.name, "foresight": f, "outcome": r.outcome, "present_value_cny": r.objective,
                     "solve_s": r.facts.get("solve_s"), "error": "",
                     **{f"emissions_{y}_t": s.summary()["emissions_t"] for y, s in r.periods.items()},
                     **{f"built_{y}_mw": float(built.get(y, 0.0)) for y in r.periods}})
    df = pd.DataFrame(rows)
    df["cost_of_myopia_cny"] = df["present_value_cny"] - df.loc[0, "present_value_cny"]
    return df, runs


def compare_pathways(paths, out_dir, *, progress=None, **kw) -> pd.DataFrame:
    """Each pathway file with perfect and myopic foresight, one after the other; writes
    ``pathways.csv`` (one row per pathway and foresight, the cost of myopia) and
    ``capacities.csv`` (every period's capacities, with pathway and foresight columns) into
    ``out_dir``, whole or not at all. Returns the ``pathways.csv`` table."""
    overrides = kw.pop("overrides", None)
    pathways = [load_pathway(p, overrides) for p in paths]   # every file checked first
    tables, caps = [], []
    for pc in pathways:
        if progress is not None:
            progress(f"{pc.name}: perfect and myopic foresight")
        table, runs = foresight_runs(pc, progress=progress, **kw)
        tables.append(table)
        caps += [r.capacities.assign(pathway=pc.name, foresight=f) for f, r in runs.items()]
    table = pd.concat(tables, ignore_index=True)
    capacities = pd.concat(caps, ignore_index=True) if caps else pd.DataFrame(columns=["pathway", "foresight", "period"])
    with ResultSet(out_dir, command="compare", case=" ".join(str(p) for p in paths)) as rs:
        write_csv_frames(rs.path, {"pathways": table, "capacities": capacities})
        rs.commit(status="Optimal", pathways=len(pathways))
    return table
