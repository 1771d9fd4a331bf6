"""Solve with HiGHS through highspy: one ``passModel``, then arrays back.

``solve(case_or_model, ...)`` accepts a case file path, a :class:`Case`, or a
Pyomo model from :func:`gridplan.build_model` (possibly with the user's own
constraints). The solution and the row duals come back as flat arrays and are
sliced per block by :class:`gridplan.results.Results`; user constraints get
their duals in ``m.dual`` when the model has such a Suffix.

This module is callable: ``gridplan.solve(case)`` is ``gridplan.solve.solve(case)``, and
``gridplan.solve.SolveOptions`` is this module's class (see the end of the file). Static type
checkers do not know a module can be called and may flag ``gridplan.solve(...)``; at run time
it is exact (``from gridplan.solve import solve`` names the function itself).

Statuses (:data:`STATUS_KINDS`). Only ``Optimal`` returns a solution. An *error* status
(Not Set, Presolve/Solve/Postsolve error, Unknown: the algorithm failed numerically) is
never passed on: the same LP is solved once more with dual simplex, presolve on
(:data:`FALLBACK`), and ``Results.facts["fallback"]`` says so; an error again raises
:class:`NumericalFailure`. Infeasible, unbounded, a limit reached, or an LP HiGHS refused
raise :class:`SolveError` (``raise_on_failure=False`` returns the Results with the status).

Diagnosis (``solve(..., diagnose=True)``): when the plain LP is infeasible and has hard
target rows, the same prepared data is built again in elastic mode (every target with a
shortfall priced far above any cost of meeting it) and solved; :class:`TargetsInfeasible`
carries those Results and :func:`gridplan.report.diagnosis` of them.
"""
from __future__ import annotations

import functools
import sys
import time
import types
import typing
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Optional

import highspy
import numpy as np

from .errors import GridplanError, NumericalFailure, SolveError, TargetsInfeasible
from .model.build import build_context
from .model.compile import coefficient_ranges, compile_lp


DEFAULT_TIME_LIMIT = 6 * 3600.0
"""Seconds a solve may run unless told otherwise: 6 hours, twenty times the longest shipped run
(the five-city hourly year, about 12 minutes with HiPO), so no real plan is cut short, while a
case with an unbounded-looking capacity cannot keep a shared server busy forever. Raise it
(``SolveOptions(time_limit=...)``, ``--time-limit``) or lift it with ``math.inf`` (``--time-limit inf``)."""


class OptionError(GridplanError, ValueError):
    """A solver option with a value HiGHS would refuse (or silently ignore): one line, naming it.

    ``option`` is the SolveOptions field (the CLI spells it as its ``--flag``); ``detail`` the
    rest of the line (``got ...; expected ...``)."""

    def __init__(self, option: str, detail: str):
        self.option, self.detail = option, detail
        super().__init__(f"{option}: {detail}")


@dataclass
class SolveOptions:
    """Solver settings exposed to users (CLI flags map onto these); checked when made."""

    time_limit: Optional[float] = DEFAULT_TIME_LIMIT
    """Seconds (> 0; ``math.inf`` or ``None``: no limit); HiGHS stops with status 'Time limit
    reached'. Default :data:`DEFAULT_TIME_LIMIT`."""
    threads: Optional[int] = None
    """Solver threads (a whole number >= 1); ``None``: HiGHS' own choice."""
    method: Literal["ipm", "hipo", "ipx", "simplex", "choose"] = "ipm"
    """``ipm`` (default): an interior point with crossover (so duals are basic), chosen per model
    by :func:`interior_point_for`: HiPO for chronological LPs of at least ``HIPO_MIN_ROWS`` rows
    when the highspy-extras libraries are installed (a gridplan dependency), IPX otherwise. ``hipo`` and
    ``ipx`` force one; ``simplex`` and ``choose`` are HiGHS' own. The interior point solved the
    shipped cases 2-5x faster than dual simplex (e.g. sichuan5_2030 at 12 typical days 18 s vs
    80 s; guangyuan_2030 at 3 h 92 s vs 197 s); see benchmarks/README.md."""
    primal_tolerance: Optional[float] = None
    dual_tolerance: Optional[float] = None
    log_file: Optional[Path] = None
    """HiGHS log goes here (the CLI puts it in the output folder)."""
    verbose: bool = False
    dualize: Literal["auto", "on", "off"] = "auto"
    """Hand IPX the dual LP (HiGHS ``ipx_dualize_strategy``). ``auto``: on when IPX is the
    interior point and the model has a network (lines), otherwise HiGHS' own rule. Measured (IPX +
    crossover, benchmarks/README.md "Dualizing"): the five-city network 6 h year 186 -> 144 s,
    12 typical days 16.6 -> 15.2 s, 24 typical days 53 -> 43 s; single-bus city cases at 3 h
    were slower dualized (chengdu 24 -> 31 s, guangyuan 59 -> 63 s), so they keep HiGHS' rule."""
    extra: dict = field(default_factory=dict)
    """Any other HiGHS option, passed through by name (wins over the settings above)."""

    def __post_init__(self):
        # one check for the Python API and the CLI: HiGHS refuses a bad value with an error
        # status and keeps its default (no limit, all threads, its own solver), so the run would
        # go on as if the option had never been given
        hints = typing.get_type_hints(SolveOptions)
        for name in ("method", "dualize"):
            choices = typing.get_args(hints[name])
            if getattr(self, name) not in choices:
                raise OptionError(name, f"got {getattr(self, name)!r}; expected "
                                        f"{', '.join(choices[:-1])} or {choices[-1]}")
        _check_positive("time_limit", self.time_limit, "seconds > 0 (inf for no limit)", whole=False)
        _check_positive("threads", self.threads, "a whole number of threads >= 1", whole=True)
        for name in ("primal_tolerance", "dual_tolerance"):
            _check_positive(name, getattr(self, name), "a tolerance > 0", whole=False, finite=True)


def _check_positive(name: str, value, expected: str, whole: bool, finite: bool = False) -> None:
    """``value`` is None or a number > 0 (whole when ``whole``; finite when ``finite``): else
    :class:`OptionError`. Booleans are refused: ``True`` is not one thread."""
    if value is None:
        return
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    ok = ok and not np.isnan(value) and value > 0
    if ok and whole:
        ok = np.isfinite(value) and float(value).is_integer()
    if ok and finite:
        ok = np.isfinite(value)
    if not ok:
        raise OptionError(name, f"got {value!r}; expected {expected}")


HIPO_MIN_ROWS = {"network": 150_000, "single bus": 25_000}
"""From this many rows a chronological model (no typical days) gets HiPO under
``method="ipm"``; smaller ones and every typical-days model get IPX. Measured, IPM + crossover,
one process at a time (benchmarks/README.md, "HiPO"), IPX → HiPO seconds:

* sichuan5_2030 without targets (network; IPX dualized): 24 h, 47,855 rows 6.1 → 8.3;
  12 h, 95,670 rows 20.9 → 21.9; 6 h, 191,300 rows 152 → 54; 4 h 402 → 99; the hourly year
  (1.15 M rows) with IPX extrapolated over an hour (not run to the end), HiPO 729 s.
* synthetic network years (benchmarks/synthetic.py): 5x2190, 111,700 rows 23.7 → 29.6;
  10x2190, 219,020 rows 121.2 → 89.9.
* single-bus cities with targets: chengdu 12 h (16,071 rows) 1.3 → 1.8; chengdu 6 h (32,131)
  8.5 → 4.2; panzhihua 6 h 6.5 → 3.8; mianyang 3 h 22.4 → 17.3; chengdu 3 h 24.0 → 13.5;
  guangyuan 3 h 59.0 → 16.4.
* typical days (inter-period state links every day of the year to its typical day):
  sichuan5 K=12 14.2 → 30.5, K=24 42.4 → 61.3; chengdu K=24 2.5 → 3.2; guangyuan K=48
  19.8 → 19.8; mianyang K=12 1.0 → 1.4.

HiPO factorises the Newton system directly; IPX solves it iteratively with a basis
preconditioner, which stays cheap on small or dualized network LPs and on the typical-days
structure, but not on long chronological years."""


@functools.lru_cache(maxsize=1)
def hipo_available() -> bool:
    """Whether this HiGHS can run HiPO (it needs the highspy-extras libraries)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h.setOptionValue("solver", "hipo") == highspy.HighsStatus.kOk


def interior_point_for(opts: SolveOptions, rows: int, network: bool, clustered: bool) -> str:
    """The HiGHS ``solver`` gridplan uses: ``hipo`` or ``ipx`` for ``ipm``, else ``opts.method``.

    An explicit ``hipo`` without the libraries is an error, not a silent switch to IPX.
    """
    if opts.method == "hipo" and not hipo_available():
        raise GridplanError("method hipo: this HiGHS has no HiPO (install highspy-extras, the version "
                            "matching highspy); use method ipx or ipm")
    if opts.method != "ipm":
        return opts.method
    if rows < HIPO_MIN_ROWS["network" if network else "single bus"] or clustered:
        return "ipx"
    if not hipo_available():
        warnings.warn("HiPO would be faster on this model but this HiGHS cannot run it "
                      "(pip install highspy-extras, the version matching highspy); using IPX",
                      stacklevel=2)
        return "ipx"
    return "hipo"


def highs_settings(opts: SolveOptions, network: bool, rows: int, clustered: bool = False) -> dict:
    """The HiGHS options gridplan chooses for a model (logging aside).

    ``network``: the model has lines; ``rows``: its row count; ``clustered``: typical days
    (the three pick the interior point). benchmarks/vs_pypsa.py gives PyPSA these same options.
    """
    o: dict = {"solver": interior_point_for(opts, rows, network, clustered)}
    if opts.time_limit is not None and np.isfinite(opts.time_limit):
        o["time_limit"] = float(opts.time_limit)
    if opts.threads:
        o["threads"] = int(opts.threads)
    if opts.primal_tolerance:
        o["primal_feasibility_tolerance"] = float(opts.primal_tolerance)
    if opts.dual_tolerance:
        o["dual_feasibility_tolerance"] = float(opts.dual_tolerance)
    if opts.dualize == "on" or (opts.dualize == "auto" and o["solver"] == "ipx" and network):
        o["ipx_dualize_strategy"] = 1
    elif opts.dualize == "off":
        o["ipx_dualize_strategy"] = -1
    o.update(opts.extra)
    return o


def set_option(h: highspy.Highs, name: str, value) -> None:
    """``h.setOptionValue`` with its status checked: an option HiGHS refuses (unknown name,
    wrong type, out of range) is an :class:`OptionError` naming it, never a run with HiGHS'
    default in its place."""
    if h.setOptionValue(name, value) != highspy.HighsStatus.kOk:
        raise OptionError(name, f"got {value!r}; expected a value HiGHS accepts for its option {name!r} "
                                "(see the HiGHS option list)")


def make_highs(clp, opts: SolveOptions) -> highspy.Highs:
    h = highspy.Highs()
    set_option(h, "output_flag", bool(opts.verbose or opts.log_file))
    set_option(h, "log_to_console", bool(opts.verbose))
    if opts.log_file:
        set_option(h, "log_file", str(opts.log_file))
    for k, v in highs_settings(opts, clp.network, clp.shape[0], clp.clustered).items():
        set_option(h, k, v)
    A = clp.A
    nr, nc = A.shape
    h.passModel(nc, nr, A.nnz, 1, 1, clp.offset,
                clp.cost, clp.col_lower, clp.col_upper, clp.row_lower, clp.row_upper,
                A.indptr[:-1].astype(np.int32), A.indices.astype(np.int32), A.data,
                np.zeros(nc, dtype=np.int32))
    return h


def _context_of(obj, build_opts):
    from .model.context import ModelContext
    if isinstance(obj, ModelContext):
        return obj
    if type(obj).__module__.startswith("pyomo"):
        ctx = getattr(obj, "_gridplan", None)
        if ctx is None:
            raise TypeError("this Pyomo model was not built by gridplan.build_model")
        return ctx
    from .case.load import load_case
    from .case.schema import Case
    if isinstance(obj, (str, Path)):
        obj = load_case(obj)
    if not isinstance(obj, Case) and not hasattr(obj, "weights"):
        raise TypeError(f"solve() takes a case path, Case or built model, not {type(obj).__name__}")
    return build_context(obj, **build_opts)


def solve(case_or_model, *, resolution: int | None = None, typical_days: int | None = None,
          elastic: bool = False, diagnose: bool = False, options: SolveOptions | None = None,
          raise_on_failure: bool = True, **option_kw):
    """Build (if needed), solve and return :class:`gridplan.results.Results`.

    A non-optimal status raises :class:`SolveError` (``raise_on_failure=False``
    returns the Results with its status instead); HiGHS' error statuses are first
    re-run with dual simplex (module docstring). An infeasible model with hard
    targets is best re-solved with ``elastic=True``: every target then gets a
    priced shortfall and the results name the targets that cannot be met.
    ``diagnose=True`` does that re-solve here, on the same prepared data, and
    raises :class:`TargetsInfeasible` with the elastic Results and the diagnosis.
    """
    opts = options or SolveOptions(**option_kw)
    ctx = _context_of(case_or_model, dict(resolution=resolution, typical_days=typical_days, elastic=elastic))
    res = _solve_context(ctx, opts)
    if diagnose and _needs_diagnosis(res):
        raise _diagnose_targets(res, opts)
    return _raise_unless_optimal(res) if raise_on_failure else res


def _solve_context(ctx, opts: SolveOptions):
    t0 = time.perf_counter()
    clp = compile_lp(ctx)
    return _results(ctx, clp, make_highs(clp, opts), t0)


# --------------------------------------------------------------------------- statuses

STATUS_KINDS = {
    "Optimal": "optimal",
    "Infeasible": "infeasible", "Primal infeasible or unbounded": "infeasible",
    "Unbounded": "unbounded",
    "Time limit reached": "limit", "Iteration limit reached": "limit", "Bound on objective reached": "limit",
    "Target for objective reached": "limit", "Solution limit reached": "limit",
    "Memory limit reached": "limit", "Interrupted by user": "limit", "Interrupted by HiGHS": "limit",
    "Load error": "refused", "Model error": "refused", "Empty": "refused",
    "Not Set": "error", "Presolve error": "error", "Solve error": "error", "Postsolve error": "error",
    "Unknown": "error",
}
"""HiGHS model status → what it says: ``optimal``; ``infeasible`` / ``unbounded`` (the model);
``limit`` (a limit the user set, or an interrupt); ``refused`` (HiGHS did not accept the LP);
``error`` (the algorithm failed numerically: the only kind re-run with :data:`FALLBACK`)."""

FALLBACK = {"solver": "simplex", "presolve": "on"}
"""HiGHS options of the one re-run after an ``error`` status: dual simplex, the most robust
algorithm HiGHS has, with presolve on (the interior point's failures seen here came out of
presolve-substituted LPs with huge coefficients, or an interior point that stopped imprecise).
A time limit applies to each of the two runs."""


def status_kind(status: str) -> str:
    """The kind of a HiGHS model status (:data:`STATUS_KINDS`); a status HiGHS adds later
    counts as an ``error``, so it is re-run rather than passed on."""
    return STATUS_KINDS.get(status, "error")


def _option(h: highspy.Highs, name: str):
    value = h.getOptionValue(name)
    return value[1] if isinstance(value, tuple) else value


def run_highs(h: highspy.Highs) -> tuple[str, str, str | None]:
    """Run HiGHS; after an ``error`` status run once more with :data:`FALLBACK`.

    Returns ``(status, solver, fallback)``: the final model status, the solver that ended
    with it, and ``None`` or one line saying what failed and that dual simplex re-solved
    it. The instance gets its own options back afterwards (a :class:`Resolver` re-uses it).
    """
    h.run()
    status, solver = h.modelStatusToString(h.getModelStatus()), _option(h, "solver")
    if status_kind(status) != "error":
        return status, solver, None
    saved = {name: _option(h, name) for name in FALLBACK}
    for name, value in FALLBACK.items():
        set_option(h, name, value)
    h.clearSolver()      # start the simplex from scratch, not from what the failed run left
    h.run()
    fallback = f"HiGHS {solver} ended with status '{status}'; re-solved with dual simplex (presolve on)"
    final = h.modelStatusToString(h.getModelStatus())
    for name, value in saved.items():
        set_option(h, name, value)
    return final, FALLBACK["solver"], fallback


def _raise_unless_optimal(res):
    """``res`` when optimal, else the :class:`SolveError` (or :class:`NumericalFailure`) it calls for."""
    status, ctx = res.status, res.ctx
    if status == "Optimal":
        return res
    if status_kind(status) == "error":
        raise NumericalFailure(status, f"{ctx.case.name}: numerical failure, not infeasibility: "
                                       f"{res.facts['fallback']}, which ended with status '{status}' too. "
                                       "Try another interior point (method='hipo' or 'ipx'; CLI --method), "
                                       "presolve off (SolveOptions(extra={'presolve': 'off'})), or look "
                                       "for extreme coefficients in Results.facts['coefficient_ranges']")
    hint = ""
    if status_kind(status) == "infeasible" and not ctx.elastic and ctx.target_rows:
        hint = " — re-run with elastic=True (CLI: --elastic) to see which targets cannot be met"
    raise SolveError(status, f"{ctx.case.name}: solver status '{status}'{hint}")


def _needs_diagnosis(res) -> bool:
    """Infeasible with hard target rows (no shortfall allowed), and no user rows, which an
    elastic rebuild of the case would not hold."""
    ctx = res.ctx
    return (status_kind(res.status) == "infeasible" and not ctx.elastic and not res.user_rows
            and any(not row.soft for row in ctx.target_rows.values()))


def _diagnose_targets(res, opts: SolveOptions) -> SolveError:
    """Re-solve the same prepared data in elastic mode; the error naming what cannot be met."""
    from .report import diagnosis, unmet_targets
    ctx = res.ctx
    relaxed = _raise_unless_optimal(_solve_context(build_context(ctx.data, elastic=True, pool=ctx.pool), opts))
    if unmet_targets(relaxed).empty:   # the targets can be met together: something else is infeasible
        return SolveError(res.status, f"{ctx.case.name}: solver status '{res.status}', although every target "
                                      "can be met (elastic re-solve): the infeasibility is elsewhere")
    text = diagnosis(relaxed)
    return TargetsInfeasible(res.status, f"{ctx.case.name}: solver status '{res.status}': the hard targets "
                                         f"cannot all be met; elastic diagnosis (shortfall per target):\n{text}",
                             relaxed, text)


# --------------------------------------------------------------------------- the run


def _results(ctx, clp, h, t0: float, **extra_facts):
    """Run HiGHS on the handed-off model and turn its answer (of any status) into Results."""
    from .results import Results

    t1 = time.perf_counter()
    status, solver, fallback = run_highs(h)
    t2 = time.perf_counter()
    info = h.getInfo()
    facts = dict(status=status, solver=solver,
                 rows=clp.shape[0], cols=clp.shape[1], nonzeros=int(clp.A.nnz),
                 handoff_s=t1 - t0, solve_s=t2 - t1, iterations=int(info.simplex_iteration_count),
                 ipm_iterations=int(info.ipm_iteration_count),
                 coefficient_ranges=coefficient_ranges(clp), **getattr(ctx, "timings", {}), **extra_facts)
    if fallback:
        facts["fallback"] = fallback
    if status != "Optimal":
        return Results(ctx, None, None, facts, user_rows=clp.user_rows)
    sol = h.getSolution()
    x = np.array(sol.col_value)
    y = np.asarray(sol.row_dual)
    for hook in ctx.solution_hooks:     # e.g. share pooled dispatch among the pool's members
        hook(ctx, x)
    facts["objective"] = float(info.objective_function_value)
    if ctx.has_pyomo:
        _load_into_pyomo(ctx, clp, x, y)
    return Results(ctx, x, y, facts, user_rows=clp.user_rows)


class Resolver:
    """Solve variants of one case on a single HiGHS instance (for sweeps).

    Each call builds the variant's blocks (cheap: well under a second) and, when
    the LP has the same shape and sparsity pattern as the one HiGHS holds, hands
    over only what changed — costs (``changeColsCost``), column and row bounds
    (``changeColsBounds``, ``changeRowsBounds``), matrix values (``changeCoeff``,
    one call per changed entry) and the objective offset — so HiGHS starts from
    the previous optimal basis instead of from scratch. A variant with another
    structure (a component added, another resolution) is passed whole.

        r = gridplan.Resolver(method="simplex")
        for capex in (2000, 2400, 2800):
            res = r.solve(gridplan.load_case(path, overrides={...: capex}))
            res.facts["warm_start"]    # True from the second call on
    """

    def __init__(self, options: SolveOptions | None = None, max_coeff_changes: int = 1000, **option_kw):
        # dual simplex re-optimises from a basis; the interior point cannot use one
        self.options = options or SolveOptions(**{"method": "simplex", **option_kw})
        self.max_coeff_changes = max_coeff_changes
        """Above this many changed matrix entries the LP is passed whole (one bulk call) and
        the previous basis handed over, instead of one ``changeCoeff`` call per entry."""
        self.h = None
        self.clp = None

    def _same_structure(self, clp) -> bool:
        old = self.clp
        return (old is not None and old.A.shape == clp.A.shape and old.A.nnz == clp.A.nnz
                and np.array_equal(old.A.indptr, clp.A.indptr) and np.array_equal(old.A.indices, clp.A.indices)
                and not clp.user_rows and not old.user_rows)

    def solve(self, case, *, resolution: int | None = None, typical_days: int | None = None,
              elastic: bool = False, raise_on_failure: bool = True):
        ctx = _context_of(case, dict(resolution=resolution, typical_days=typical_days, elastic=elastic))
        t0 = time.perf_counter()
        clp = compile_lp(ctx)
        warm = self._same_structure(clp)
        changed = np.flatnonzero(clp.A.data != self.clp.A.data) if warm else None
        if warm and changed.size > self.max_coeff_changes:
            basis = self.h.getBasis()
            self.h = make_highs(clp, self.options)
            self.h.setBasis(basis)
        elif not warm:
            self.h = make_highs(clp, self.options)
        else:
            h, old = self.h, self.clp
            i32 = np.int32
            idx = np.flatnonzero(clp.cost != old.cost)
            if idx.size:
                h.changeColsCost(idx.size, idx.astype(i32), clp.cost[idx])
            idx = np.flatnonzero((clp.col_lower != old.col_lower) | (clp.col_upper != old.col_upper))
            if idx.size:
                h.changeColsBounds(idx.size, idx.astype(i32), clp.col_lower[idx], clp.col_upper[idx])
            idx = np.flatnonzero((clp.row_lower != old.row_lower) | (clp.row_upper != old.row_upper))
            if idx.size:
                h.changeRowsBounds(idx.size, idx.astype(i32), clp.row_lower[idx], clp.row_upper[idx])
            k = changed
            if k.size:
                cols = np.searchsorted(clp.A.indptr, k, side="right") - 1
                for kk, c in zip(k, cols):
                    h.changeCoeff(int(clp.A.indices[kk]), int(c), float(clp.A.data[kk]))
            if clp.offset != old.offset:
                h.changeObjectiveOffset(clp.offset)
        self.clp = clp
        res = _results(ctx, clp, self.h, t0, warm_start=warm)
        return _raise_unless_optimal(res) if raise_on_failure else res


def _load_into_pyomo(ctx, clp, x, y) -> None:
    """Solution values (and user duals, where a ``dual`` Suffix exists) into the Pyomo model."""
    import pyomo.environ as pyo
    dual = getattr(ctx.m, "dual", None)
    if isinstance(dual, pyo.Suffix):
        for con, row in clp.user_rows:
            dual[con] = float(y[row]) * ctx.data.cny_per_model_money   # CNY per unit of the constraint's body
    for vd, col in clp.user_cols.values():
        vd.set_value(float(x[col]), skip_validation=True)
    _load_block_values(ctx, x)


def _load_block_values(ctx, x) -> None:
    """Give every Pyomo VarData the user has touched its solution value.

    Blocks are ``dense=False``: only elements a user referenced exist, so this
    costs nothing for the millions of columns nobody looked at.
    """
    from .model.compile import block_column
    for name, vb in ctx.lp.vars.items():
        comp = getattr(ctx.m, name, None)
        if comp is None or len(comp) == 0:
            continue
        for idx, vd in comp.items():
            vd.set_value(float(x[block_column(vb, idx)]), skip_validation=True)


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return solve(*args, **kwargs)


# `gridplan.solve(case)` is the call everyone writes, and `gridplan.solve.SolveOptions` /
# `import gridplan.solve` name this module: a package attribute cannot be both a function and
# the submodule, so the module itself is made callable and the two are one object (the module
# keeps its name: the import-layer rules know the solve layer by it).
sys.modules[__name__].__class__ = _CallableModule
