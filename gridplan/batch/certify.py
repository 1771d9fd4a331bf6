"""Certified hourly answers: a proven bracket [lower, upper] around the hourly year's optimum.

``certify(case)`` (CLI ``gridplan solve CASE --certify``) answers "how far is this plan from the
hourly optimum?" without solving the hourly LP:

1. **Lower bound.** The averaged year in its relaxed form (:mod:`gridplan.case.relaxation`: blocks of
   at most ``resolution`` hours that never straddle a change of the boundary's prices, standing
   losses charged on each block's start level only, must-run floors and ramps in their averaged-hourly forms) is a relaxation of the
   hourly LP: the block means of any feasible hourly solution are feasible in it at the same cost
   (the proofs are in the family docstrings, "Averaging bound"). The dual objective of its solution
   (:func:`gridplan.solve.dual_objective`, weak duality) is therefore at most the hourly optimum, to
   HiGHS' dual feasibility tolerance (what the terms it leaves out are worth at the solution is
   subtracted; the relaxation is solved by the interior point without crossover: see
   :func:`bound_options`).
   Typical days are not a relaxation; they may supply the *plan* (``typical_days=K``), never the bound.
2. **Upper bound.** Every decision without a snapshot (capacities, energies, lines, DR capability,
   electrification, target shortfalls) is fixed at the plan's value and the year is dispatched hour by
   hour in windows of ``window_days`` days, solved in parallel (a process pool). Each window starts and
   ends at the plan's storage and reservoir levels (the state columns at each window's last hour are
   fixed: every state row then lies inside one window; a window that cannot reach the plan's level at its
   end — the relaxation's levels may be out of reach hour by hour — is merged with the next one, down to
   the cyclic year with no level fixed), and each annual row (energy shares, CO2, DR
   hours, planned outages...) is allocated to windows as the plan's own activity in them plus a share,
   by hours, of the plan's slack. A window that cannot meet its allocation uses a priced elastic
   slack; the shortfall is then re-allocated to the windows that met theirs (re-solving those, up to
   ``rounds`` times) and, failing that, the year is dispatched as one LP. A row that links two windows
   and is neither a state nor an annual row (a ramp) also sends the year to the one-LP dispatch.
3. **Check.** The assembled hourly solution is put into the rows and bounds of the hourly LP itself
   (built as ``gridplan solve`` builds it): the largest violation, relative to the row's magnitude
   ``max(1, Σ_j |a_ij x_j|)``, must be below ``tolerance`` (1e-6), or no certificate is issued. Its cost
   is the upper bound: a feasible hourly solution costs at least the hourly optimum.

The gap ``(upper − lower) / upper`` then bounds how far the plan — and the averaged answer — is from
the hourly optimum. The hourly dispatch is also the plan's hourly facts: hours and MWh of lost load
(counted in the upper bound at the value of lost load), curtailment by technology, the price duration
of every bus (the window LPs' balance duals: the dispatch's prices with the plan fixed) and whether
every target holds hour by hour.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..case.load import load_case
from ..case.prepare import prepare
from ..errors import GridplanError, SolveError
from ..model.build import build_context
from ..model.compile import compile_lp
from ..results import Results
from ..solve import SolveOptions, solve, solve_compiled

log = logging.getLogger(__name__)

DEFAULT_RESOLUTION = 8
"""Hours per block (at most) of the bound's averaged year when none is given."""
TOLERANCE = 1e-6
"""Largest relative violation of an hourly row or bound a certificate accepts."""
REPAIR_MARGIN = 1.25
"""A re-plan tightens a missed annual row by this multiple of what the hourly dispatch missed (doubled
at each further attempt)."""
CROSSED = 1e-7
"""Both bounds hold to HiGHS' tolerances (its primal and dual feasibility, 1e-7): a lower bound above
the upper by less than this share of the cost is a bracket of width 0, by more a failure."""
LONG_WINDOW_H = 24 * 60
"""A window longer than this (merged windows, the year) is solved with the interior point."""
SLACK_PRICE = 1e4
"""Penalty (model money per unit of a row) of a window's elastic slack on an annual allocation:
far above any cost per MWh the windows see (the shipped value of lost load is 20 kCNY/MWh... a
slack is used only where the allocation cannot be met at all)."""


class PlanShort(Exception):
    """The plan's hourly dispatch misses annual rows (hourly LP rows ``rows`` by ``excess``: + over
    the upper bound, − under the lower) whatever the windows do: the plan is re-planned."""

    def __init__(self, rows: np.ndarray, excess: np.ndarray, names: list[str]):
        self.rows, self.excess, self.names = rows, excess, names
        super().__init__(", ".join(f"{n} by {abs(e):,.4g}" for n, e in zip(names, excess)))


class WindowsInfeasible(Exception):
    """Windows whose hourly dispatch has no solution with the plan fixed (0-based), their statuses:
    typically a level fixed at a window's end that the relaxation reaches and the hours cannot."""

    def __init__(self, windows: list[int], statuses: list[str]):
        self.windows, self.statuses = windows, statuses
        super().__init__(", ".join(f"window {w + 1} ({s})" for w, s in zip(windows, statuses)))


class NoCertificate(SolveError):
    """No certificate could be found (the reason is the message); the CLI's solver-failure exit (3)."""

    def __init__(self, message: str):
        super().__init__("No certificate", message)


@dataclass
class Certificate:
    """The bracket around the hourly optimum, how it was found, and the hourly dispatch of the plan."""

    case: str
    lower: float                    # CNY: the relaxation's dual objective
    upper: float                    # CNY: the hourly cost of the plan's dispatch
    resolution: int                 # hours per block (at most) of the bound
    plan: str                       # where the fixed plan came from
    windows: int
    window_days: int
    violation: float                # largest relative violation of the hourly LP's rows and bounds
    worst: str                      # where it is
    rounds: int                     # re-allocation rounds the windows needed
    repairs: int                    # re-plans with missed annual rows tightened
    merges: int                     # times windows were merged (a plan level out of reach at a window's end)
    full_year: str | None           # why the year was dispatched as one LP, or None
    seconds: dict                   # bound_s, plan_s, hourly_build_s, dispatch_s, check_s, total_s
    bound: Results                  # the relaxation's solution
    plan_results: Results           # the reduced model whose plan is fixed (the bound's when averaging)
    hourly: Results                 # the plan's hourly dispatch (a feasible point of the hourly LP)
    extra: dict = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """(upper − lower) / |upper|: how far any answer in the bracket can be from the hourly optimum
        (0 where the two meet: both bounds hold to HiGHS' tolerances, and a bracket narrower than
        that may come out crossed by up to :data:`CROSSED` of the cost; more is refused)."""
        return max(self.upper - self.lower, 0.0) / abs(self.upper)

    def contains(self, objective_cny: float, rel: float = 1e-7) -> bool:
        """Whether an objective (CNY) lies in [lower, upper], to ``rel`` of the upper bound."""
        slack = rel * abs(self.upper)
        return self.lower - slack <= objective_cny <= self.upper + slack

    def summary(self) -> dict:
        """The certificate's figures as plain Python values (JSON, CSV, the batch records)."""
        lost, targets = self.lost_load(), self.targets_hourly()
        return _plain(dict(case=self.case, lower_cny=self.lower, upper_cny=self.upper, gap=self.gap,
                    resolution_h=self.resolution, plan=self.plan, windows=self.windows,
                    window_days=self.window_days, max_violation=self.violation, worst_row=self.worst,
                    rounds=self.rounds, full_year=self.full_year or "",
                    lost_load_hours=lost["hours"], lost_load_mwh=lost["mwh"],
                    targets_hold_hourly=bool(targets["met"].all()) if len(targets) else True, repairs=self.repairs, merges=self.merges,
                    **{k: round(v, 3) for k, v in self.seconds.items()}))

    # --------------------------------------------------------------- the hourly facts of the plan
    def lost_load(self) -> dict:
        """Hours with load shed at any bus and the MWh shed over the year (in the upper bound at VoLL)."""
        shed = self.hourly.value("shed")
        return dict(hours=int((shed.sum(axis=0) > 1e-6).sum()), mwh=float(shed.sum()),
                    by_bus=pd.Series(shed.sum(axis=1), index=self.hourly.data.buses, name="mwh"))

    def curtailment(self) -> pd.DataFrame:
        """Curtailment by technology over the hourly year (MWh and share of what was available)."""
        return self.hourly.curtailment_by_technology

    def price_duration(self) -> pd.DataFrame:
        """Per bus: the hourly price (CNY/MWh) at points of its duration curve, and the hours at VoLL.
        These are the dispatch's prices with the plan fixed: a window's balance duals, which carry the
        shadow price of its share of the annual rows where those bind."""
        wide = self.hourly.prices                       # snapshot × bus
        q = {"max": 1.0, "p99": 0.99, "p90": 0.90, "p50": 0.50, "p10": 0.10, "min": 0.0}
        out = pd.DataFrame({k: wide.quantile(v) for k, v in q.items()})
        voll = self.hourly.data.voll * self.hourly.data.cny_per_model_money
        out["hours_at_voll"] = (wide >= 0.999 * voll).sum()
        return out

    def targets_hourly(self) -> pd.DataFrame:
        """Every target read on the hourly dispatch: its value and whether it holds."""
        return self.hourly.targets

    def table(self) -> pd.DataFrame:
        """The certificate as one row per figure (certificate.csv)."""
        return pd.DataFrame({"value": pd.Series(self.summary())}).rename_axis("figure")

    def write(self, folder) -> list[str]:
        """The certificate's own files in ``folder`` (beside the hourly dispatch's result files):
        certificate.json, certificate.csv, price_duration.csv, lost_load.csv, price_duration.png."""
        import json
        from pathlib import Path
        from .. import plots
        from ..io import atomic_text as write_text
        folder = Path(folder)
        write_text(folder / "certificate.json", json.dumps(self.summary(), indent=2) + "\n")
        write_text(folder / "certificate.csv", self.table().to_csv())
        write_text(folder / "price_duration.csv", self.price_duration().to_csv())
        write_text(folder / "lost_load.csv", self.lost_load()["by_bus"].to_frame().to_csv())
        plots.price_duration(self.hourly.prices, folder / "price_duration.png",
                             title=f"{self.case}: hourly prices of the certified dispatch")
        return ["certificate.json", "certificate.csv", "price_duration.csv", "lost_load.csv", "price_duration.png"]


def _plain(d: dict) -> dict:
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in d.items()}


# ------------------------------------------------------------------------------- the driver

def certify(case, *, resolution: int | None = None, typical_days: int = 0, window_days: int = 7,
            workers: int = 2, options: SolveOptions | None = None, tolerance: float = TOLERANCE,
            rounds: int = 3, repairs: int = 3, progress=None) -> Certificate:
    """Bracket the hourly optimum of ``case`` (a path or a :class:`~gridplan.case.schema.Case`).

    ``resolution``: hours per block (at most) of the averaged bound (default 8, or the case's own
    ``time.resolution`` where that is coarser than an hour); ``typical_days``: take the plan from K
    typical days instead of from the bound's solution; ``window_days``: length of the hourly
    dispatch windows; ``workers``: processes solving them (1: in this process); ``repairs``: times a
    plan whose hourly dispatch misses annual rows (a binding share target the averaged plan just
    meets) is re-planned with those rows tightened by what it missed. ``progress`` is
    called with one short line per phase. Raises :class:`NoCertificate` with the reason where no
    certificate could be found.
    """
    from pathlib import Path
    from ..case.schema import Case
    say = progress or (lambda line: log.info("%s", line))
    if isinstance(case, (str, Path)):
        case = load_case(case)
    elif not isinstance(case, Case):
        raise GridplanError(f"certify: got a {type(case).__name__}; expected a case file or a Case (prepared data "
                            "and Pyomo models with rows of their own cannot be certified: the bound and the "
                            "dispatch are built from the case)")
    res = resolution or (case.time.resolution if case.time.resolution > 1 else DEFAULT_RESOLUTION)
    if window_days < 1 or workers < 1 or rounds < 0 or repairs < 0 or (resolution is not None and resolution < 1):
        raise GridplanError(f"certify: resolution {resolution}, window_days {window_days}, workers {workers}, rounds "
                            f"{rounds}, repairs {repairs}; expected resolution >= 1 (hours), window_days >= 1, "
                            "workers >= 1, rounds >= 0, repairs >= 0")
    opts = options or SolveOptions()
    if opts.solver != "highs":
        raise GridplanError(f"certify: solver {opts.solver!r}; expected highs (the bound reads HiGHS' duals and the "
                            "windows are HiGHS LPs)")
    t0 = time.perf_counter()
    bound = _lower_bound(case, res, opts, say)
    t1 = time.perf_counter()
    plan = bound if not typical_days else _plan_from_typical_days(case, typical_days, opts, say)
    t2 = time.perf_counter()
    hourly_ctx = build_context(prepare(case, resolution=1, typical_days=0))
    clp = compile_lp(hourly_ctx)
    rows = clp.A.tocsr()
    t3 = time.perf_counter()
    say(f"hourly LP {clp.shape[0]:,} rows × {clp.shape[1]:,} columns; dispatching the plan in windows of "
        f"{window_days} days on {workers} process{'es' if workers > 1 else ''}")
    shifts: dict = {}
    edges, attempt, merged = window_edges(hourly_ctx.data.T, window_days), 0, 0
    while True:
        dispatch = HourlyDispatch(hourly_ctx, clp, plan, edges, tolerance, rows)
        try:
            x, y, n_rounds, full_year = dispatch.run(workers, rounds, opts, say, last=attempt == repairs)
            break
        except WindowsInfeasible as exc:
            if len(edges) == 2:
                raise NoCertificate(f"{case.name}: the hourly dispatch of the year with the plan fixed has no "
                                    f"solution ({exc.statuses[0]}): the plan cannot be operated hour by hour") from None
            edges = merge_windows(edges, exc.windows, merged)
            merged += 1
            say(f"  {exc}: the plan's levels at its ends are out of reach hour by hour; merged with its "
                f"neighbours ({len(edges) - 1} window{'s' if len(edges) > 2 else ''})")
        except PlanShort as short:
            attempt += 1
            say(f"the plan misses {short} hour by hour: re-planning with {'them' if len(short.rows) > 1 else 'it'} "
                f"tightened ({attempt} of {repairs})")
            plan = _replan(plan, dispatch, short, shifts, attempt - 1, opts)
    t4 = time.perf_counter()
    for hook in hourly_ctx.solution_hooks:      # e.g. pooled dispatch shared among the pool's members
        hook(hourly_ctx, x)
    violation, worst = hourly_violation(hourly_ctx, clp, x, rows)
    t5 = time.perf_counter()
    if not violation <= tolerance:
        raise NoCertificate(f"{case.name}: the assembled hourly dispatch violates the hourly LP by {violation:.2e} "
                            f"(relative, at {worst}), above the tolerance {tolerance:.0e}: no certificate")
    scale = hourly_ctx.data.cny_per_model_money
    upper = float(clp.cost @ x + clp.offset)
    facts = dict(status="Optimal", solver="hourly dispatch of the plan", objective=upper, rows=clp.shape[0],
                 cols=clp.shape[1], nonzeros=int(clp.A.nnz), solve_s=t4 - t3, max_violation=violation)
    hourly = Results(hourly_ctx, x, y, facts)
    seconds = dict(bound_s=t1 - t0, plan_s=t2 - t1, hourly_build_s=t3 - t2, dispatch_s=t4 - t3, check_s=t5 - t4,
                   total_s=t5 - t0)
    lower = bound.facts["dual_objective"] - bound.facts["dual_allowance"]
    if lower - upper > CROSSED * abs(upper):
        raise NoCertificate(f"{case.name}: the lower bound {lower * scale:,.0f} exceeds the upper bound "
                            f"{upper * scale:,.0f} CNY by more than HiGHS' tolerances: a solver accuracy problem, "
                            "no certificate (try --method ipx, or a finer --resolution)")
    cert = Certificate(case=case.name, lower=lower * scale, upper=upper * scale,
                       resolution=res, plan=_plan_label(typical_days, shifts, dispatch),
                       windows=dispatch.n_windows, window_days=window_days, violation=violation, worst=worst,
                       rounds=n_rounds, repairs=attempt, merges=merged, full_year=full_year, seconds=seconds, bound=bound, plan_results=plan,
                       hourly=hourly, extra=dict(dual_infeasibility=bound.facts["dual_infeasibility"],
                                  dual_allowance_cny=bound.facts["dual_allowance"] * scale))
    say(f"certified: lower {cert.lower / 1e9:,.4f}, upper {cert.upper / 1e9:,.4f} bn CNY, gap {cert.gap:.3%} "
        f"in {seconds['total_s']:.1f} s")
    return cert


def window_edges(hours: int, window_days: int) -> np.ndarray:
    """First hour of each dispatch window and the year's end: whole days, a short last window
    (under half a window) joined to the one before."""
    edges = list(range(0, hours, 24 * window_days)) + [hours]
    if len(edges) > 2 and edges[-1] - edges[-2] < 12 * window_days:
        edges.pop(-2)
    return np.array(edges)


def merge_windows(edges: np.ndarray, windows: list[int], merges: int) -> np.ndarray:
    """The edges with each of ``windows`` merged with both neighbours, so neither the level at its
    start nor at its end is fixed any more. A failed first or last window (whose start is the year's
    last hour, cyclically) or a third merge gives the cyclic year as one window."""
    n = len(edges) - 1
    if merges >= 2 or any(w in (0, n - 1) for w in windows):
        return np.array([edges[0], edges[-1]])
    drop = {e for w in windows for e in (w, w + 1)}
    return np.array([e for i, e in enumerate(edges) if i not in drop or i in (0, n)])


def _plan_label(typical_days: int, shifts: dict, dispatch: HourlyDispatch) -> str:
    base = f"{typical_days} typical days" if typical_days else "the bound's solution"
    if not shifts:
        return base
    return (f"{base}, re-planned with {len(shifts)} annual row{'s' if len(shifts) > 1 else ''} tightened to meet "
            f"{'them' if len(shifts) > 1 else 'it'} hour by hour")


def _replan(plan: Results, dispatch: HourlyDispatch, short: PlanShort, shifts: dict, attempt: int,
            opts: SolveOptions) -> Results:
    """The plan's own model re-solved with each missed annual row tightened by ``REPAIR_MARGIN`` × what
    its hourly dispatch missed, doubled at each further ``attempt`` (an averaged plan tightened by its
    hourly miss often still misses a part of it: the averaging hides the same hours again), added to
    the earlier attempts' ``shifts`` (plan row → amount, + lowers an upper bound, − raises a lower one).
    Only the plan changes: the lower bound stays the relaxation's."""
    for r, e in zip(short.rows, short.excess):
        pr = dispatch.plan_row(int(r))
        shifts[pr] = shifts.get(pr, 0.0) + REPAIR_MARGIN * 2 ** attempt * float(e)
    clp = compile_lp(plan.ctx)
    for pr, shift in shifts.items():
        if shift > 0:       # over the upper bound: lower it
            clp.row_upper[pr] -= shift
        else:               # under the lower bound: raise it
            clp.row_lower[pr] -= shift
    try:
        return solve_compiled(plan.ctx, clp, opts)
    except SolveError as exc:
        raise NoCertificate(f"{plan.case.name}: the plan misses {short} hour by hour, and its model with "
                            f"{'those rows' if len(short.rows) > 1 else 'that row'} tightened cannot be solved "
                            f"({exc.status}): no plan meets them hourly here") from exc


def bound_options(opts: SolveOptions) -> SolveOptions:
    """The bound's solve: the interior point without crossover (unless the caller's ``extra`` says
    otherwise). The bound is the dual objective, which needs no vertex, and the plan is any
    near-optimal point: on sichuan5_2030 at 8 h the crossover took half of a 596 s solve (38,379
    iterations after 90 of HiPO) and moved the dual objective by 6e-10 (benchmarks/README.md)."""
    import dataclasses
    if opts.method not in ("ipm", "hipo", "ipx") or "run_crossover" in opts.extra:
        return opts
    return dataclasses.replace(opts, extra={**opts.extra, "run_crossover": "off"})


def _lower_bound(case, res: int, opts: SolveOptions, say) -> Results:
    data = prepare(case, resolution=res, typical_days=0, relaxed=True)
    say(f"lower bound: the averaged relaxation, {data.T:,} blocks of at most {res} h")
    try:
        return solve(data, options=bound_options(opts))
    except SolveError as exc:
        if exc.status == "Infeasible":
            raise NoCertificate(f"{case.name}: the averaged relaxation is infeasible, so the hourly year is too "
                                "(a relaxation admits every hourly solution): no plan to certify") from exc
        raise NoCertificate(f"{case.name}: the averaged relaxation was not solved ({exc}): no lower bound") from exc


def _plan_from_typical_days(case, k: int, opts: SolveOptions, say) -> Results:
    say(f"plan: {k} typical days")
    try:
        return solve(case, typical_days=k, resolution=1, options=opts)
    except SolveError as exc:
        raise NoCertificate(f"{case.name}: the {k}-typical-day plan was not solved ({exc}): no plan to dispatch") from exc


# ------------------------------------------------------------------------------- the dispatch

def _snapshot_axis(vb) -> int | None:
    names = [c.name for c in vb.coords]
    return names.index("snapshot") if "snapshot" in names else None


class HourlyDispatch:
    """The hourly LP with the plan fixed, cut into windows of whole days (module docstring, step 2)."""

    def __init__(self, ctx, clp, plan: Results, edges: np.ndarray, tolerance: float, rows=None):
        """``rows``: the hourly LP's matrix by rows (``clp.A.tocsr()``), built once by the caller for
        every attempt and the check."""
        self.ctx, self.clp, self.plan, self.tol = ctx, clp, plan, tolerance
        self.A = clp.A.tocsr() if rows is None else rows
        H = ctx.data.T
        self.edges = np.asarray(edges)
        self.n_windows = len(self.edges) - 1
        self.window_of_hour = np.searchsorted(self.edges, np.arange(H), side="right") - 1
        self.hours = np.diff(self.edges).astype(float)
        self.lower, self.upper = clp.col_lower.copy(), clp.col_upper.copy()
        self.fixed = np.zeros(clp.shape[1], bool)
        self.x_fixed = np.zeros(clp.shape[1])
        self.col_window = np.full(clp.shape[1], -1)
        self._fix_plan()
        # the year as one LP keeps its states free (cyclic), whatever the windows fix
        self.plan_lower, self.plan_upper = self.lower.copy(), self.upper.copy()
        if self.n_windows > 1:      # one window is the cyclic year: its states tie themselves
            self._fix_states()
        self._classify_rows()

    # the plan: every column without a snapshot
    def _fix_plan(self) -> None:
        plan_vars = self.plan.ctx.lp.vars
        for name, vb in self.ctx.lp.vars.items():
            axis = _snapshot_axis(vb)
            if axis is not None:
                t = np.indices(vb.shape)[axis].ravel()
                self.col_window[vb.cols.ravel()] = self.window_of_hour[t]
                continue
            if name not in plan_vars or plan_vars[name].shape != vb.shape:
                raise NoCertificate(f"{self.ctx.case.name}: the plan has no {name} of shape {vb.shape}: it is not a "
                                    "plan of this case")
            value = self.plan.x[plan_vars[name].cols.ravel()]
            self._fix(vb.cols.ravel(), value)

    def _fix(self, cols: np.ndarray, value: np.ndarray) -> None:
        value = np.clip(value, self.clp.col_lower[cols], self.clp.col_upper[cols])
        self.fixed[cols] = True
        self.x_fixed[cols] = value
        self.lower[cols] = self.upper[cols] = value
        self.col_window[cols] = -1

    # the states at each window's last hour: the plan's levels there
    def _fix_states(self) -> None:
        ends = self.edges[1:] - 1
        for name, vb in self.ctx.states.items():
            levels = self._plan_levels(name, ends)
            self._fix(vb.cols[:, ends].ravel(), levels.ravel())

    def _plan_levels(self, name: str, hours: np.ndarray) -> np.ndarray:
        """(n, len(hours)) the plan's level of ``name`` at the end of each of ``hours``."""
        plan = self.plan
        level = plan.level(name)
        d = plan.data
        if d.typical_day_of is not None:       # rebuilt hour by hour over the year
            return level[:, hours]
        ends = d.snapshot_hour + d.weights.astype(int) - 1
        pos = np.searchsorted(ends, hours)
        if not np.array_equal(ends[np.minimum(pos, len(ends) - 1)], hours):
            raise NoCertificate(f"{self.ctx.case.name}: a dispatch window ends inside a block of the plan "
                                "(blocks must not straddle midnight)")
        return level[:, pos]

    # rows: inside one window, only fixed columns, or across windows
    def _classify_rows(self) -> None:
        A = self.A
        win = self.col_window[A.indices]
        big = np.iinfo(np.int64).max
        lo = np.full(A.shape[0], big)
        hi = np.full(A.shape[0], -1)
        nonempty = np.flatnonzero(np.diff(A.indptr) > 0)
        starts = A.indptr[nonempty]
        lo[nonempty] = np.minimum.reduceat(np.where(win >= 0, win, big), starts)
        hi[nonempty] = np.maximum.reduceat(win, starts)
        self.row_block = row_blocks(self.ctx)
        snapshot_blocks = {name for name, cb in self.ctx.lp.cons.items()
                           if "snapshot" in [c.name for c in cb.coords]}
        # an annual row (a block without a snapshot) with free columns is allocated to windows even
        # when they all fall in one window (a short year): its allocation is elastic, a local row is not
        annual = (hi >= 0) & ~np.isin(self.row_block, list(snapshot_blocks))
        self.row_window = np.where((hi >= 0) & (lo == hi) & ~annual, hi, -1)
        self.spanning = np.flatnonzero(((hi >= 0) & (lo != hi)) | annual)
        self.fixed_activity = A @ self.x_fixed
        self.spanning_block = self.row_block[self.spanning]
        linked = sorted(set(self.spanning_block) & snapshot_blocks)
        self.full_year_reason = (f"rows {', '.join(linked)} link hours of different windows" if linked else None)

    # allocation of the annual rows to windows
    def allocation(self) -> tuple[np.ndarray, np.ndarray]:
        """(lo, hi) (rows × windows): each window's share of every annual row's free range."""
        rows = self.spanning
        free_lo = self.clp.row_lower[rows] - self.fixed_activity[rows]
        free_hi = self.clp.row_upper[rows] - self.fixed_activity[rows]
        share = self.plan_activity(rows)                          # (rows, windows)
        total = share.sum(axis=1)
        frac = self.hours / self.hours.sum()
        with np.errstate(invalid="ignore"):
            hi = np.where(np.isfinite(free_hi)[:, None], share + (free_hi - total)[:, None] * frac[None, :], np.inf)
            lo = np.where(np.isfinite(free_lo)[:, None], share - (total - free_lo)[:, None] * frac[None, :], -np.inf)
        return lo, hi

    def plan_row(self, r: int) -> int:
        """The plan's row that is the hourly LP's annual row ``r`` (same block, same position)."""
        name = self.row_block[r]
        hb, pb = self.ctx.lp.cons[name], self.plan.ctx.lp.cons.get(name)
        if pb is None or pb.size != hb.size:
            raise NoCertificate(f"{self.ctx.case.name}: the plan has no row {name} like the hourly LP's")
        return pb.offset + (r - hb.offset)

    def plan_activity(self, rows: np.ndarray) -> np.ndarray:
        """(rows, windows): the plan's activity on each annual row, window by window."""
        plan, pctx = self.plan, self.plan.ctx
        pclp = compile_lp(pctx)
        out = np.zeros((len(rows), self.n_windows))
        M = self._plan_calendar(plan.data)                         # (plan snapshots, windows)
        snap = np.full(pclp.shape[1], -1)
        for vb in pctx.lp.vars.values():
            axis = _snapshot_axis(vb)
            if axis is not None:
                snap[vb.cols.ravel()] = np.indices(vb.shape)[axis].ravel()
        Ap = pclp.A.tocsr()
        for k, r in enumerate(rows):
            pr = self.plan_row(r)
            lo, hi = Ap.indptr[pr], Ap.indptr[pr + 1]
            cols, vals = Ap.indices[lo:hi], Ap.data[lo:hi]
            t = snap[cols]
            sel = t >= 0
            out[k] = (vals[sel] * plan.x[cols[sel]]) @ M[t[sel]]
        return out

    def _plan_calendar(self, d) -> np.ndarray:
        """(plan snapshots, windows): the share of each plan snapshot's activity in each window."""
        M = np.zeros((d.T, self.n_windows))
        if d.typical_day_of is None:
            M[np.arange(d.T), self.window_of_hour[d.snapshot_hour]] = 1.0
            return M
        days = np.asarray(d.day_sequence)                   # typical day of each calendar day
        window_of_day = self.window_of_hour[np.arange(len(days)) * 24]
        counts = np.zeros((days.max() + 1, self.n_windows))
        np.add.at(counts, (days, window_of_day), 1.0)
        counts /= np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
        return counts[d.typical_day_of]

    # one window's LP
    def window_lp(self, w: int, lo: np.ndarray, hi: np.ndarray) -> dict:
        cols = np.flatnonzero(self.col_window == w)
        local = np.flatnonzero(self.row_window == w)
        rows = np.concatenate([local, self.spanning])
        A = self.A[rows][:, cols]
        n_span = len(self.spanning)
        row_lo = np.concatenate([self.clp.row_lower[local] - self.fixed_activity[local], lo[:, w]])
        row_hi = np.concatenate([self.clp.row_upper[local] - self.fixed_activity[local], hi[:, w]])
        # elastic slack on the allocations: over (−1) and under (+1) each annual row, priced
        span = len(local) + np.arange(n_span)
        S = sp.csr_matrix((np.concatenate([-np.ones(n_span), np.ones(n_span)]),
                           (np.concatenate([span, span]), np.arange(2 * n_span))), shape=(len(rows), 2 * n_span))
        A = sp.hstack([A, S], format="csc")
        cost = np.concatenate([self.clp.cost[cols], np.full(2 * n_span, SLACK_PRICE)])
        return dict(A=A, cost=cost, col_lower=np.concatenate([self.lower[cols], np.zeros(2 * n_span)]),
                    col_upper=np.concatenate([self.upper[cols], np.full(2 * n_span, np.inf)]),
                    row_lower=row_lo, row_upper=row_hi, cols=cols, rows=rows, n_span=n_span)

    def run(self, workers: int, rounds: int, opts: SolveOptions, say, last: bool = True):
        """Solve the windows (re-allocating up to ``rounds`` times), else the year as one LP:
        (x, row duals, rounds used, why the year was one LP or None). Where the windows still miss
        annual rows and this is not the ``last`` attempt, :class:`PlanShort` says by how much
        (the caller re-plans) instead of trying the year as one LP."""
        if self.full_year_reason:
            say(f"dispatching the year as one LP: {self.full_year_reason}")
            return (*self._full_year(opts, self.full_year_reason), 0, self.full_year_reason)
        lo, hi = self.allocation()
        x = self.x_fixed.copy()
        y = self.plan_duals()
        activity = np.zeros((len(self.spanning), self.n_windows))
        slack = np.zeros((len(self.spanning), self.n_windows))
        todo = list(range(self.n_windows))
        A_span = self.A[self.spanning]         # the annual rows, sliced once for every window
        for round_ in range(rounds + 1):
            t = time.perf_counter()
            solved = solve_windows([self.window_lp(w, lo, hi) for w in todo], workers, opts,
                                   long=self.hours.max() > LONG_WINDOW_H)
            bad = {w: sol["status"] for w, sol in zip(todo, solved) if sol["status"] != "Optimal"}
            other = {w: st for w, st in bad.items() if st != "Infeasible"}
            if other:      # a time limit or a numerical failure: merging windows would not cure it
                w, st = next(iter(other.items()))
                raise NoCertificate(f"{self.ctx.case.name}: the hourly dispatch of window {w + 1} (days "
                                    f"{self.edges[w] // 24 + 1}–{-(-self.edges[w + 1] // 24)}) ended '{st}': no upper bound")
            if bad:
                raise WindowsInfeasible(list(bad), list(bad.values()))
            for w, sol in zip(todo, solved):
                lp = sol["lp"]
                n = len(lp["cols"])
                x[lp["cols"]] = sol["x"][:n]
                n_local = len(lp["rows"]) - lp["n_span"]
                y[lp["rows"][:n_local]] = sol["y"][:n_local]
                activity[:, w] = A_span[:, lp["cols"]] @ sol["x"][:n]
                s = sol["x"][n:]
                slack[:, w] = s[:lp["n_span"]] + s[lp["n_span"]:]
            say(f"  {len(todo)} window{'s' if len(todo) > 1 else ''} solved in {time.perf_counter() - t:.1f} s")
            excess = self._excess(activity)
            if not excess.any():
                return x, y, round_, None
            if round_ == rounds:
                break
            todo, lo, hi = self._reallocate(activity, slack, excess, lo, hi)
            if not todo:
                break
            say(f"  re-allocating {int((excess != 0).sum())} annual row(s) over {len(todo)} windows")
        missed = np.flatnonzero(excess)
        short = PlanShort(self.spanning[missed], excess[missed], [_row_name(self.ctx, r) for r in self.spanning[missed]])
        if not last:
            raise short
        reason = f"the windows miss {short} after {rounds} re-allocation round(s)"
        say(f"dispatching the year as one LP: {reason}")
        return (*self._full_year(opts, reason), rounds, reason)

    def plan_duals(self) -> np.ndarray:
        """Row duals to start from: the plan's own on every row without a snapshot (targets, annual
        limits, investment rows: the shadow prices of the plan), zero elsewhere until a window
        gives its rows theirs (the dispatch's prices with the plan fixed)."""
        y = np.zeros(self.clp.shape[0])
        plan_cons = self.plan.ctx.lp.cons
        for name, cb in self.ctx.lp.cons.items():
            pb = plan_cons.get(name)
            if "snapshot" in [c.name for c in cb.coords] or pb is None or pb.size != cb.size:
                continue
            y[cb.offset:cb.offset + cb.size] = self.plan.y[pb.offset:pb.offset + pb.size]
        return y

    def _excess(self, activity: np.ndarray) -> np.ndarray:
        """Per annual row: by how much the windows' total misses its free range (+ over, − under)."""
        rows = self.spanning
        total = activity.sum(axis=1) + self.fixed_activity[rows]
        scale = np.maximum(1.0, np.abs(activity).sum(axis=1))
        over = total - self.clp.row_upper[rows]
        under = self.clp.row_lower[rows] - total
        tol = self.tol * 0.1 * scale
        return np.where(over > tol, over, 0.0) - np.where(under > tol, under, 0.0)

    def _reallocate(self, activity, slack, excess, lo, hi):
        """Windows that met their allocation of a missed row take the excess, by hours."""
        lo, hi = lo.copy(), hi.copy()
        todo = set()
        for k in np.flatnonzero(excess):
            free = slack[k] <= 1e-9 * max(1.0, np.abs(activity[k]).max())
            if not free.any():
                continue
            share = np.where(free, self.hours, 0.0) / self.hours[free].sum()
            target = activity[k] - excess[k] * share            # the free windows do more (or less)
            if excess[k] > 0:
                hi[k] = np.where(free, target, activity[k])
            else:
                lo[k] = np.where(free, target, activity[k])
            todo |= set(np.flatnonzero(free))
        return sorted(todo), lo, hi

    def _full_year(self, opts: SolveOptions, why: str):
        lp = dict(A=self.clp.A, cost=self.clp.cost, col_lower=self.plan_lower, col_upper=self.plan_upper,
                  row_lower=self.clp.row_lower, row_upper=self.clp.row_upper,
                  cols=np.arange(self.clp.shape[1]), rows=np.arange(self.clp.shape[0]), n_span=0)
        sol = _solve_lp(lp, _window_options(opts, full_year=True))
        if sol["status"] != "Optimal":
            raise NoCertificate(f"{self.ctx.case.name}: the hourly dispatch of the year with the plan fixed ended "
                                f"'{sol['status']}' ({why}): the plan cannot be operated hour by hour")
        return sol["x"], sol["y"]


def row_blocks(ctx) -> np.ndarray:
    """The constraint block's name of every row of the LP."""
    names = np.empty(ctx.lp.n_rows, dtype=object)
    for name, cb in ctx.lp.cons.items():
        names[cb.offset:cb.offset + cb.size] = name
    return names


# ------------------------------------------------------------------------------- the windows' solver

def _window_options(opts: SolveOptions, full_year: bool = False) -> dict:
    """HiGHS options of a window: dual simplex on one thread (small LPs that differ only in their
    data; measured faster than the interior point on a week of the five-city case), or for the
    whole year gridplan's own choice."""
    if full_year:
        from ..solve import highs_settings
        return highs_settings(opts, network=True, rows=10 ** 6)
    return {"solver": "simplex", "threads": 1, "time_limit": float(opts.time_limit)}


def _solve_lp(lp: dict, options: dict) -> dict:
    """Solve one LP given as arrays with HiGHS (no output); the solution and its status."""
    import highspy
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for k, v in options.items():
        h.setOptionValue(k, v)
    A = lp["A"].tocsc()
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = A.shape[1], A.shape[0]
    model.col_cost_ = lp["cost"]
    model.col_lower_, model.col_upper_ = lp["col_lower"], lp["col_upper"]
    model.row_lower_, model.row_upper_ = lp["row_lower"], lp["row_upper"]
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = A.indptr
    model.a_matrix_.index_ = A.indices
    model.a_matrix_.value_ = A.data
    h.passModel(model)
    t = time.perf_counter()
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    out = dict(status=status, seconds=time.perf_counter() - t)
    if status == "Optimal":
        sol = h.getSolution()
        out.update(x=np.asarray(sol.col_value), y=np.asarray(sol.row_dual))
    return out


def _solve_window(args) -> dict:
    lp, options = args
    out = _solve_lp(lp, options)
    return out


def solve_windows(lps: list[dict], workers: int, opts: SolveOptions, long: bool = False) -> list[dict]:
    """Solve the windows, in ``workers`` processes (1: here), in order; each result carries its LP.
    ``long``: windows of months (merged ones), solved with the interior point like a year."""
    options = _window_options(opts, full_year=long)
    if workers == 1 or len(lps) == 1:
        results = [_solve_lp(lp, options) for lp in lps]
    else:
        from concurrent.futures import ProcessPoolExecutor
        from .processes import main_hidden, mp_context
        with main_hidden(), ProcessPoolExecutor(max_workers=workers, mp_context=mp_context()) as pool:
            results = list(pool.map(_solve_window, [(lp, options) for lp in lps], chunksize=1))
    for lp, res in zip(lps, results):
        res["lp"] = lp
    return results


# ------------------------------------------------------------------------------- the check

def hourly_violation(ctx, clp, x: np.ndarray, rows=None) -> tuple[float, str]:
    """The largest violation of the hourly LP's rows and column bounds by ``x``, each relative to
    ``max(1, Σ_j |a_ij x_j|)`` (rows) or ``max(1, |x_j|)`` (bounds), and where it is."""
    A = clp.A.tocsr() if rows is None else rows
    act = A @ x
    size = np.maximum(1.0, abs(A) @ np.abs(x))
    row = np.maximum(clp.row_lower - act, act - clp.row_upper).clip(min=0.0) / size
    col = np.maximum(clp.col_lower - x, x - clp.col_upper).clip(min=0.0) / np.maximum(1.0, np.abs(x))
    r, c = int(np.argmax(row)) if row.size else 0, int(np.argmax(col)) if col.size else 0
    if row.size and (not col.size or row[r] >= col[c]):
        return float(row[r]), f"row {_row_name(ctx, r)}"
    return float(col[c]) if col.size else 0.0, f"column {_col_name(ctx, c)}"


def _row_name(ctx, r: int) -> str:
    return _element_name(ctx.lp.cons, r, "#")


def _col_name(ctx, j: int) -> str:
    return _element_name(ctx.lp.vars, j, "#")


def _element_name(blocks: dict, i: int, fallback: str) -> str:
    """``block[coord, ...]`` of the LP row or column ``i`` (blocks: name → ConBlock or VarBlock)."""
    for name, b in blocks.items():
        if b.offset <= i < b.offset + b.size:
            idx = np.unravel_index(i - b.offset, b.shape)
            return f"{name}[{', '.join(str(c[k]) for c, k in zip(b.coords, idx))}]"
    return f"{fallback}{i}"
