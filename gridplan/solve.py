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

Other solvers (issue #20). ``solve(case, write_lp="model.mps")`` (CLI ``--write-lp``) writes the
compiled LP before solving it, and :func:`write_lp` without solving: the file is written by HiGHS
(``writeModel``) from the very model handed to it, so it is exactly the LP HiGHS solves, with
readable column and row names (``gen_p[cd_solar,17]``). ``SolveOptions(solver="pyomo:<name>")``
(CLI ``--solver pyomo:NAME``) hands the same compiled matrices to any solver Pyomo has an
interface for (``pyomo:gurobi_direct``, ``pyomo:cplex``, ``pyomo:appsi_highs``...), through a Pyomo
model built row by row from the CSC matrix (:func:`matrix_model`), and returns the same Results;
HiGHS through highspy stays the default.

Logging and progress (issue #19). :data:`log` (``gridplan.solve``) says at INFO what goes to HiGHS
and how the run ended (status, objective in CNY, seconds, iterations), at WARNING the dual-simplex
fallback; HiGHS' own log lines go, as HiGHS writes them, to ``SolveOptions(progress=...)`` and at
DEBUG to :data:`highs_log` (:class:`HighsLog`); :class:`SolverLine` condenses them (the CLI's
progress line is made of it).
``Results.facts`` count ``ipm_iterations``, ``crossover_iterations`` and ``simplex_iterations``
apart (:func:`iteration_counts`): an interior-point run has no simplex iterations to report.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import sys
import threading
import time
import types
import typing
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Optional

import highspy
import numpy as np

from .errors import STATUS_KINDS, GridplanError, NumericalFailure, SolveError, TargetsInfeasible, status_kind  # noqa: F401
from .io import atomic_write
from .model.build import build_context
from .model.compile import coefficient_ranges, compile_lp

log = logging.getLogger(__name__)
"""The solve's messages (``gridplan.solve``): INFO what is solved with which HiGHS solver and how
it ended, WARNING the dual-simplex fallback. Silent unless the application configures logging
(a NullHandler sits on ``gridplan``)."""
highs_log = logging.getLogger(__name__ + ".highs")
"""HiGHS' own log lines, at DEBUG (``gridplan.solve.highs``): HiGHS writes them only while this
logger is enabled for DEBUG or a ``SolveOptions.progress`` hook listens (:class:`HighsLog`)."""

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
    progress: Optional[typing.Callable[[str], None]] = None
    """Called with each line of HiGHS' log as HiGHS writes it (no newline), whether or not the log
    is shown (``verbose``) or written (``log_file``): the CLI condenses the iteration lines into its
    progress line with :class:`SolverLine`, which parses these lines for any caller. It runs inside
    the solve, so it should be quick; an exception in it stops the calls, and is raised once HiGHS
    has finished. HiGHS through highspy only (a Pyomo route sends no lines). See :class:`HighsLog`
    for what listening costs."""
    capture_console: bool = False
    """HiPO writes its iteration lines only where it also prints them: with ``True`` (and a
    ``progress`` hook or DEBUG logging listening), a HiPO solve prints them with the process's
    standard output pointed at the null device while HiGHS runs, so they reach the hook and the
    log file, not the terminal — and nothing else written to file descriptor 1 meanwhile shows.
    For a program that owns its process (the CLI sets it); a library caller keeps its stdout."""
    dualize: Literal["auto", "on", "off"] = "auto"
    """Hand IPX the dual LP (HiGHS ``ipx_dualize_strategy``). ``auto``: on when IPX is the
    interior point and the model has a network (lines), otherwise HiGHS' own rule. Measured (IPX +
    crossover, benchmarks/README.md "Dualizing"): the five-city network 6 h year 186 -> 144 s,
    12 typical days 16.6 -> 15.2 s, 24 typical days 53 -> 43 s; single-bus city cases at 3 h
    were slower dualized (chengdu 24 -> 31 s, guangyuan 59 -> 63 s), so they keep HiGHS' rule."""
    extra: dict = field(default_factory=dict)
    """Any other HiGHS option, passed through by name (wins over the settings above); on a Pyomo
    route, the solver's own options (``opt.options``, e.g. ``{"Method": 2}`` for Gurobi)."""
    solver: str = "highs"
    """``highs`` (default): HiGHS through highspy, with the settings above. ``pyomo:<name>``: the
    same compiled LP solved by Pyomo's ``SolverFactory(name)`` (:func:`solve_with_pyomo`);
    HiGHS' own settings (method, dualize, threads, tolerances) are refused there, pass the
    solver's options in ``extra``; the time limit is handed over as Pyomo's ``timelimit``."""

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
        pyomo_name = solver_route(self.solver)
        if pyomo_name is not None:
            for name, default in HIGHS_ONLY.items():
                if getattr(self, name) != default:
                    raise OptionError(name, f"got {getattr(self, name)!r} with solver {self.solver}; expected it "
                                            "only with solver highs (pass the Pyomo solver's own options in "
                                            "SolveOptions(extra=...))")


HIGHS_ONLY = {"method": "ipm", "dualize": "auto", "threads": None, "primal_tolerance": None, "dual_tolerance": None}
"""SolveOptions fields that only HiGHS through highspy reads, with their defaults: a Pyomo route
refuses any other value rather than ignore it."""

PYOMO_PREFIX = "pyomo:"


def solver_route(solver) -> str | None:
    """``None`` for ``highs`` (highspy), the Pyomo ``SolverFactory`` name for ``pyomo:<name>``;
    anything else is an :class:`OptionError` naming ``solver``."""
    if solver == "highs":
        return None
    name = solver[len(PYOMO_PREFIX):] if isinstance(solver, str) and solver.startswith(PYOMO_PREFIX) else ""
    if not name or not name.replace("_", "").replace("-", "").isalnum():
        raise OptionError("solver", f"got {solver!r}; expected highs or pyomo:<name>, a Pyomo solver name "
                                    "(e.g. pyomo:gurobi_direct, pyomo:cplex, pyomo:appsi_highs)")
    return name


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
    listening = opts.progress is not None or highs_log.isEnabledFor(logging.DEBUG)
    set_option(h, "output_flag", bool(opts.verbose or opts.log_file or listening))
    set_option(h, "log_to_console", bool(opts.verbose))
    if opts.log_file:
        set_option(h, "log_file", str(opts.log_file))
    settings = highs_settings(opts, clp.network, clp.shape[0], clp.clustered)
    for k, v in settings.items():
        set_option(h, k, v)
    if listening:
        # HiPO writes its iteration lines only where it also prints them (HighsLog)
        HighsLog(opts.progress, mute_console=(opts.capture_console and settings["solver"] == "hipo"
                                              and not opts.verbose)).attach(h)
    pass_model(h, clp)
    return h


class HighsLog:
    """HiGHS' log lines, as HiGHS writes them, to a ``SolveOptions.progress`` hook and to
    :data:`highs_log` at DEBUG. :func:`make_highs` attaches one only when either listens; otherwise
    nothing is subscribed and HiGHS, its output off, formats no log at all.

    highspy 1.15 calls a logging callback only while HiGHS' ``output_flag`` is on, so listening
    turns it on even with no log file or console. Lines come whole (HiGHS sends some in pieces:
    IPX's iteration rows and their newlines are two messages). HiPO writes its iteration lines only
    when it also prints them (``log_to_console``): only with ``SolveOptions.capture_console`` (the
    CLI, which owns its process) is the console switched on for a HiPO solve nobody asked to see,
    with the process's standard output (file descriptor 1, where HiGHS prints) pointed at the null
    device while HiGHS runs, so the lines reach the hook, the logger and the log file but not the
    terminal; anything else written to file descriptor 1 during the solve is lost. A library
    caller's stdout is never touched (its HiPO runs send the hook the lines HiPO logs without it).

    Parse these lines with :class:`SolverLine` (solver, iteration, infeasibility, gap or phase in
    one short line), or with :data:`IPM_ROW` and :data:`SIMPLEX_ROW` for the iteration rows' figures.

    Cost of listening, measured with the CLI's hook (:class:`SolverLine`) on a shared
    2-core machine (load 3-6), solves alternated: sichuan5_2030 at 12 typical days (IPX, 85
    iterations, 154 lines) 81.5 / 202.0 s without, 149.4 / 207.8 s with (CPU 76.3 / 84.0 s and
    81.2 / 84.9 s); chengdu_2030 at 6 h (HiPO, 61 iterations, 160 lines) CPU 18.6 / 20.4 / 23.9 s
    without, 19.7 / 22.1 / 22.0 s with. Both within the machine's noise; the calls themselves take
    about 45 µs a line, 7 ms a solve.
    """

    def __init__(self, progress, mute_console: bool = False):
        self.hook = progress
        self.progress = progress    # the hook, or None once it has failed in this run
        self.mute_console = mute_console
        self.partial = ""
        self.failure: BaseException | None = None

    def attach(self, h: highspy.Highs) -> None:
        h.cbLogging.subscribe(lambda event: self.feed(event.message))
        h.gridplan_log = self       # run_highs finds it here (a Resolver re-uses the instance)

    def feed(self, text: str) -> None:
        """Take a piece of the log; pass on every line it completes. Never raises: an exception
        must not unwind through HiGHS' C++ (it is kept, the hook dropped, and :meth:`running`
        raises it after the run; a Ctrl-C that lands here is kept the same way)."""
        try:
            *lines, self.partial = (self.partial + text).split("\n")
            for line in lines:
                if line.strip():
                    highs_log.debug("%s", line.rstrip())
                    if self.progress is not None:
                        self.progress(line.rstrip())
        except BaseException as exc:  # noqa: BLE001 - see the docstring
            self.failure = self.failure or exc
            self.progress = None

    @contextlib.contextmanager
    def running(self, h: highspy.Highs):
        """Around ``h.run()``: when HiPO must print to log, HiGHS' console on and standard output
        muted (both only inside, where HiGHS also prints its header); the last unfinished line
        passed on afterwards, and a failure of the hook raised."""
        self.progress = self.hook
        try:
            with _stdout_to_null() if self.mute_console else contextlib.nullcontext():
                if self.mute_console:
                    set_option(h, "log_to_console", True)
                try:
                    yield
                finally:
                    if self.mute_console:
                        set_option(h, "log_to_console", False)
        finally:
            self.feed("\n")
        if self.failure is not None:
            failure, self.failure = self.failure, None
            raise failure


# Reading HiGHS' log lines, for whoever listens to them (the CLI's progress line, a notebook's):
# pure text parsing, beside HighsLog, which hands the lines out.
_NUMBER = r"[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|inf|nan)"
IPM_ROW = re.compile(rf"^\s*(\d+)\*?\s+({_NUMBER})\s+({_NUMBER})\s+({_NUMBER})\s+({_NUMBER})\s+({_NUMBER})\s+"
                     rf"(\d+\.?\d*)\s*$", re.IGNORECASE)
"""An interior-point iteration row, IPX's and HiPO's alike: iteration (``*`` once IPX uses its
basis preconditioner), primal and dual objective, primal and dual infeasibility, gap, time."""
SIMPLEX_ROW = re.compile(rf"^\s*(\d+)\s+({_NUMBER})\s+(Ph1|Pr): (\d+)\(([^)]*)\)(?:; Du: (\d+)\(([^)]*)\))?\s+"
                         r"\d+\.?\d*s\s*$", re.IGNORECASE)
"""A simplex iteration row: iteration, objective, primal (phase 1 or 2) and dual infeasibilities
as count(sum), time."""
PHASES = (
    ("Presolving model", "presolve", None),
    ("Running HiPO", None, "HiPO"),
    ("IPX model has", None, "IPX"),
    ("Running crossover", "crossover", None),
    ("Performed postsolve", "postsolve", None),
)
"""Log lines that start a phase or name the solver: (start of the line, phase, solver)."""


@dataclass
class SolverLine:
    """HiGHS' log lines in (one at a time, as :class:`SolveOptions` ``progress`` receives them),
    one short line out (:attr:`text`): the solver and its latest iteration, or the phase it is in.
    A line it does not know leaves the text as it was. The CLI's progress line is made of it; a
    notebook or script can pass one as the hook (``SolveOptions(progress=SolverLine())``) or call
    it from a hook of its own and show its ``text``."""

    solver: str = "HiGHS"
    text: str = ""

    def __call__(self, line: str) -> None:
        simplex = re.search(r"Using (.*simplex) solver", line)
        if simplex:
            self.solver = simplex.group(1).replace("EKK ", "")
            self.text = self.solver
            return
        for start, phase, solver in PHASES:
            if line.lstrip().startswith(start):
                self.solver = solver or self.solver
                self.text = phase or solver
                return
        row = IPM_ROW.match(line)
        if row:
            self.text = (f"{self.solver} iteration {row.group(1)}, primal infeasibility "
                         f"{float(row.group(4)):.1e}, gap {float(row.group(6)):.1e}")
            return
        row = SIMPLEX_ROW.match(line)
        if row:
            self.text = (f"{self.solver} iteration {row.group(1)}, objective {float(row.group(2)):.6g}, "
                         f"{row.group(4)} primal infeasibilities")


_MUTE = {"lock": threading.Lock(), "depth": 0, "saved": None}
"""Solves that overlap in threads share one redirection: the first in points file descriptor 1 at
the null device, the last out restores it."""


@contextlib.contextmanager
def _stdout_to_null():
    """File descriptor 1 points at the null device inside the block (HiGHS prints there from C,
    past ``sys.stdout``); what Python buffered before is flushed first, so nothing of it is lost."""
    with _MUTE["lock"]:
        if _MUTE["depth"] == 0:
            if sys.stdout is not None:
                sys.stdout.flush()
            try:
                _MUTE["saved"] = os.dup(1)
            except OSError:          # no standard output at all: nothing to keep off it
                _MUTE["saved"] = None
            if _MUTE["saved"] is not None:
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, 1)
                os.close(null)
        _MUTE["depth"] += 1
    try:
        yield
    finally:
        with _MUTE["lock"]:
            _MUTE["depth"] -= 1
            if _MUTE["depth"] == 0 and _MUTE["saved"] is not None:
                os.dup2(_MUTE["saved"], 1)
                os.close(_MUTE["saved"])
                _MUTE["saved"] = None


def pass_model(h: highspy.Highs, clp) -> None:
    """Hand the compiled LP to HiGHS in one ``passModel`` (CSC, minimise, continuous columns)."""
    A = clp.A
    nr, nc = A.shape
    h.passModel(nc, nr, A.nnz, 1, 1, clp.offset,
                clp.cost, clp.col_lower, clp.col_upper, clp.row_lower, clp.row_upper,
                A.indptr[:-1].astype(np.int32), A.indices.astype(np.int32), A.data,
                np.zeros(nc, dtype=np.int32))


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
          raise_on_failure: bool = True, write_lp=None, lp_names: bool = True, **option_kw):
    """Build (if needed), solve and return :class:`gridplan.results.Results`.

    A non-optimal status raises :class:`SolveError` (``raise_on_failure=False``
    returns the Results with its status instead); HiGHS' error statuses are first
    re-run with dual simplex (module docstring). An infeasible model with hard
    targets is best re-solved with ``elastic=True``: every target then gets a
    priced shortfall and the results name the targets that cannot be met.
    ``diagnose=True`` does that re-solve here, on the same prepared data, and
    raises :class:`TargetsInfeasible` with the elastic Results and the diagnosis.

    ``write_lp``: a path ending in ``.mps`` or ``.lp``; the LP is written there (with column and
    row names unless ``lp_names=False``) before it is solved (:func:`write_model`; the elastic
    re-solve of a diagnosis is not written). ``solver="pyomo:<name>"`` (a :class:`SolveOptions`
    field): solve with that Pyomo solver instead of highspy (:func:`solve_with_pyomo`).
    """
    opts = options or SolveOptions(**option_kw)
    if write_lp is not None:
        lp_format(write_lp)
    check_solver(opts)          # a solver Pyomo cannot find fails before the build, not after
    ctx = _context_of(case_or_model, dict(resolution=resolution, typical_days=typical_days, elastic=elastic))
    res = _solve_context(ctx, opts, write_lp=write_lp, lp_names=lp_names)
    if diagnose and _needs_diagnosis(res):
        raise _diagnose_targets(res, opts)
    return _raise_unless_optimal(res) if raise_on_failure else res


def solve_compiled(ctx, clp, opts: SolveOptions):
    """Results of an LP already compiled from ``ctx`` whose bounds a caller has changed (the certified
    dispatch re-plans with annual rows tightened); raises like :func:`solve` unless optimal."""
    return _raise_unless_optimal(_results(ctx, clp, make_highs(clp, opts), time.perf_counter()))


def _solve_context(ctx, opts: SolveOptions, write_lp=None, lp_names: bool = True):
    t0 = time.perf_counter()
    clp = compile_lp(ctx)
    extra = {}
    if write_lp is not None:
        tw = time.perf_counter()
        write_model(ctx, clp, write_lp, names=lp_names)
        extra = {"lp_file": str(write_lp), "write_lp_s": time.perf_counter() - tw}
    if solver_route(opts.solver) is not None:
        return solve_with_pyomo(ctx, clp, opts, t0, **extra)
    return _results(ctx, clp, make_highs(clp, opts), t0, **extra)


# --------------------------------------------------------------------------- statuses

FALLBACK = {"solver": "simplex", "presolve": "on"}
"""HiGHS options of the one re-run after an ``error`` status: dual simplex, the most robust
algorithm HiGHS has, with presolve on (the interior point's failures seen here came out of
presolve-substituted LPs with huge coefficients, or an interior point that stopped imprecise).
A time limit applies to each of the two runs."""


def _option(h: highspy.Highs, name: str):
    value = h.getOptionValue(name)
    return value[1] if isinstance(value, tuple) else value


def run_highs(h: highspy.Highs) -> tuple[str, str, str | None]:
    """Run HiGHS; after an ``error`` status run once more with :data:`FALLBACK`.

    Returns ``(status, solver, fallback)``: the final model status, the solver that ended
    with it, and ``None`` or one line saying what failed and that dual simplex re-solved
    it. The instance gets its own options back afterwards (a :class:`Resolver` re-uses it).
    HiGHS' log lines reach the :class:`HighsLog` that :func:`make_highs` attached, if any.
    """
    listener = getattr(h, "gridplan_log", None)
    with listener.running(h) if listener is not None else contextlib.nullcontext():
        return _run_with_fallback(h)


def _run_with_fallback(h: highspy.Highs) -> tuple[str, str, str | None]:
    log.info("solving with HiGHS %s: %s rows × %s cols, %s nonzeros", _option(h, "solver"),
             f"{h.getNumRow():,}", f"{h.getNumCol():,}", f"{h.getNumNz():,}")
    h.run()
    status, solver = h.modelStatusToString(h.getModelStatus()), _option(h, "solver")
    if status_kind(status) != "error":
        return status, solver, None
    saved = {name: _option(h, name) for name in FALLBACK}
    for name, value in FALLBACK.items():
        set_option(h, name, value)
    h.clearSolver()      # start the simplex from scratch, not from what the failed run left
    log.warning("HiGHS %s ended with status '%s'; re-solving with dual simplex (presolve on)", solver, status)
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
    if status_kind(status) == "error" and "fallback" not in res.facts:    # a Pyomo route: no re-run
        raise NumericalFailure(status, f"{ctx.case.name}: {res.facts.get('solver')} ended with "
                                       f"{res.facts.get('termination', status)!r}, not an optimum")
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
                 handoff_s=t1 - t0, solve_s=t2 - t1, **iteration_counts(info),
                 coefficient_ranges=coefficient_ranges(clp), **getattr(ctx, "timings", {}), **extra_facts)
    if fallback:
        facts["fallback"] = fallback
    _log_finished(ctx, facts, info)
    if status != "Optimal":
        return Results(ctx, None, None, facts, user_rows=clp.user_rows)
    sol = h.getSolution()
    facts["objective"] = float(info.objective_function_value)
    # the dual objective of the final dual solution: a lower bound on this LP's optimum whatever the
    # primal's accuracy (the certified bound of gridplan.batch.certify reads it)
    facts["dual_objective"], facts["dual_infeasibility"], facts["dual_allowance"] = dual_objective(
        clp, np.asarray(sol.row_dual), np.asarray(sol.col_value))
    return _solved(ctx, clp, np.array(sol.col_value), np.asarray(sol.row_dual), facts)


def dual_objective(clp, y: np.ndarray, x: np.ndarray | None = None) -> tuple[float, float, float]:
    """(Lagrangian dual value of the row duals ``y``, the largest dual infeasibility left out, and
    what those left-out terms are worth at the primal solution ``x``).

    For any y, g(y) = offset + Σ_i y_i·b_i + Σ_j min_{l_j <= x_j <= u_j} d_j·x_j with d = c − Aᵀy and
    b_i the row's lower bound where y_i > 0 (HiGHS' sign for a minimisation), its upper bound
    where y_i < 0, is at most the LP's optimum (weak duality). A dual value or reduced cost of the
    wrong sign on an infinite bound would make g = −∞; such terms are within HiGHS' dual
    feasibility tolerance after an optimal solve (≈1e-13 after crossover, ≈1e-8 from an interior
    point) and are taken as 0. The third number, Σ |wrong-sign term| × |its row activity or column
    value at x|, is what they would cost at the solution: the certified bound subtracts it. That
    makes the bound hold to HiGHS' dual tolerance, not rigorously: a safe bound in exact arithmetic
    (Neumaier & Shcherbina 2004) would need finite bounds on every such column, which the LP does
    not state (dispatch columns are bounded by rows, not bounds)."""
    def side(v, lower, upper, at):
        bound = np.where(v > 0, lower, upper)
        ok = np.isfinite(bound)
        dropped = ~ok & (v != 0)
        worth = float(np.abs(v[dropped]) @ np.abs(at[dropped])) if at is not None else 0.0
        return float(np.dot(v[ok], bound[ok])), float(np.abs(v[dropped]).max(initial=0.0)), worth
    rows, bad_rows, worth_rows = side(y, clp.row_lower, clp.row_upper, None if x is None else clp.A @ x)
    d = clp.cost - clp.A.T @ y
    cols, bad_cols, worth_cols = side(d, clp.col_lower, clp.col_upper, x)
    return clp.offset + rows + cols, max(bad_rows, bad_cols), worth_rows + worth_cols


def iteration_counts(info) -> dict:
    """HiGHS' iteration counts by kind (the facts' keys): an interior point's iterations, the
    crossover's (basis updates that turn its point into a vertex) and simplex iterations, each
    zero when that algorithm did not run, so no one count stands for two kinds."""
    return dict(simplex_iterations=int(info.simplex_iteration_count), ipm_iterations=int(info.ipm_iteration_count),
                crossover_iterations=int(info.crossover_iteration_count))


def _log_finished(ctx, facts: dict, info) -> None:
    objective = (f", objective {info.objective_function_value * ctx.data.cny_per_model_money:,.0f} CNY"
                 if facts["status"] == "Optimal" else "")
    log.info("finished %s: %s%s in %.1f s (HiGHS %s: %d IPM, %d crossover, %d simplex iterations)",
             ctx.case.name, facts["status"], objective, facts["solve_s"], facts["solver"],
             facts["ipm_iterations"], facts["crossover_iterations"], facts["simplex_iterations"])


def _solved(ctx, clp, x, y, facts):
    """Results of an optimal solution ``x`` with row duals ``y``, whichever solver found them."""
    from .results import Results
    for hook in ctx.solution_hooks:     # e.g. share pooled dispatch among the pool's members
        hook(ctx, x)
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
        if solver_route(self.options.solver) is not None:
            raise OptionError("solver", f"got {self.options.solver!r}; expected highs (a Resolver keeps one "
                                        "HiGHS instance and its basis between solves)")
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


# --------------------------------------------------------------------------- the LP as a file

LP_FORMATS = {".mps": "MPS (free format)", ".lp": "CPLEX LP format"}
"""What ``write_lp`` can write, by the file's suffix (HiGHS chooses the format by it)."""


def lp_format(path, option: str = "write_lp") -> str:
    """The format ``path``'s suffix asks for (:data:`LP_FORMATS`); another suffix is one line
    naming ``option``."""
    suffix = Path(path).suffix.lower()
    if suffix not in LP_FORMATS:
        raise GridplanError(f"{path}: {option}: got the suffix {suffix or '(none)'!r}; expected .mps "
                            "(MPS) or .lp (CPLEX LP format)")
    return LP_FORMATS[suffix]


NAME_STYLES = {".mps": ("[", "]"), ".lp": ("(", ")")}
"""Brackets around a block element's coordinates, by format: MPS takes ``gen_p[cd_solar,17]``;
HiGHS' LP writer drops every name holding ``[`` or ``-`` (they mean something in LP syntax), so an
LP file gets ``gen_p(cd_solar,17)``."""

_LP_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")


def _safe_name(value, suffix: str = ".mps") -> str:
    """A name part: no blanks (MPS splits names at them); in an LP file, ASCII letters, digits,
    ``_`` and ``.`` only, the rest as ``_``."""
    text = "_".join(str(value).split())
    return text if suffix == ".mps" else "".join(c if c in _LP_SAFE else "_" for c in text)


def _block_names(name: str, coords, suffix: str = ".mps") -> list[str]:
    """``name[a,b]`` for every element of a block over ``coords``, in the block's (C) order."""
    if not coords:
        return [name]
    open_, close = NAME_STYLES[suffix]
    parts = [np.array([_safe_name(v, suffix) for v in c], dtype=object) for c in coords]
    grid = parts[0]
    for p in parts[1:]:
        grid = np.add.outer(grid + ",", p)
    return list((name + open_ + grid + close).ravel())


def lp_names(ctx, clp, suffix: str = ".mps") -> tuple[list[str], list[str]]:
    """Column and row names of the compiled LP: ``<block>[<coordinates>]`` (``gen_p[cd_solar,17]``,
    ``balance[chengdu,5]``; round brackets for an ``.lp`` file, :data:`NAME_STYLES`), a user's
    Pyomo variables and constraints by their Pyomo names."""
    cols = [n for vb in ctx.lp.vars.values() for n in _block_names(vb.name, vb.coords, suffix)]
    cols += [_safe_name(vd.name, suffix) for vd, _ in sorted(clp.user_cols.values(), key=lambda e: e[1])]
    rows = [n for cb in ctx.lp.cons.values() for n in _block_names(cb.name, cb.coords, suffix)]
    rows += [_safe_name(con.name, suffix) for con, _ in clp.user_rows]
    return unique_names(cols), unique_names(rows)


def unique_names(names: list[str]) -> list[str]:
    """The names, a repeated one suffixed ``_2``, ``_3``... (in order): HiGHS drops *every* name
    of a model with two equal ones (only a warning), and an LP file's character rule can make two
    gridplan names equal (``cd-solar`` and ``cd_solar`` both write ``cd_solar``)."""
    seen, out = set(names), []
    count: dict[str, int] = {}
    for n in names:
        k = count.get(n, 0) + 1
        count[n] = k
        if k > 1:
            while f"{n}_{k}" in seen:
                k += 1
            count[n] = k
            n = f"{n}_{k}"
            seen.add(n)
        out.append(n)
    return out


def write_model(ctx, clp, path, names: bool = True) -> Path:
    """Write the compiled LP to ``path`` (.mps or .lp), atomically.

    This is exactly the LP HiGHS receives in :func:`solve`: the same ``passModel`` call
    (:func:`pass_model`), then HiGHS' own ``writeModel``, so another solver reading the file
    solves what gridplan solves (objective offset included). ``names``: columns and rows carry
    :func:`lp_names` (measured on sichuan5_2030 at 12 typical days, 56,123 columns and 84,943
    rows: 1.0 s for the named MPS file instead of 0.3 s, of which 0.1 s makes the names and 0.4 s
    hands them over); without them HiGHS writes ``c0``, ``r0``...
    """
    lp_format(path)
    h = highspy.Highs()
    set_option(h, "output_flag", False)
    pass_model(h, clp)
    if names:
        cols, rows = lp_names(ctx, clp, Path(path).suffix.lower())
        for j, n in enumerate(cols):
            h.passColName(j, n)
        for i, n in enumerate(rows):
            h.passRowName(i, n)

    def write(tmp):
        if h.writeModel(str(tmp)) == highspy.HighsStatus.kError:
            raise GridplanError(f"{path}: write_lp: HiGHS could not write the model there")
    return atomic_write(path, write)


def write_lp(case_or_model, path, *, resolution: int | None = None, typical_days: int | None = None,
             elastic: bool = False, names: bool = True) -> Path:
    """Build a case (or take a built model) and write its LP to ``path`` without solving it
    (:func:`write_model`: ``.mps`` or ``.lp``, the LP :func:`solve` would hand to HiGHS)."""
    lp_format(path)
    ctx = _context_of(case_or_model, dict(resolution=resolution, typical_days=typical_days, elastic=elastic))
    return write_model(ctx, compile_lp(ctx), path, names=names)


# --------------------------------------------------------------------------- solvers through Pyomo

PYOMO_STATUS = {
    "optimal": "Optimal", "infeasible": "Infeasible", "unbounded": "Unbounded",
    "infeasibleOrUnbounded": "Primal infeasible or unbounded", "maxTimeLimit": "Time limit reached",
    "maxIterations": "Iteration limit reached", "userInterrupt": "Interrupted by user",
}
"""Pyomo termination condition → the HiGHS status of the same meaning, so :data:`STATUS_KINDS`
and the status rules apply to both routes; any other condition reads as ``Solve error``."""


@contextlib.contextmanager
def _pyomo_log():
    """Collect what Pyomo logs (a missing solver logs a warning with a traceback) instead of
    printing it: the caller turns it into one line."""
    logger = logging.getLogger("pyomo")
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    saved = logger.handlers[:], logger.propagate
    logger.handlers, logger.propagate = [Collect(logging.WARNING)], False
    try:
        yield records
    finally:
        logger.handlers, logger.propagate = saved


def pyomo_solver(name: str):
    """Pyomo's ``SolverFactory(name)``, checked: a solver Pyomo cannot find or run is one line."""
    import pyomo.environ as pyo
    with _pyomo_log():
        opt = pyo.SolverFactory(name)
        try:
            ok, reason = bool(opt.available(exception_flag=True)), "its available() said no"
        except Exception as exc:  # noqa: BLE001 - Pyomo says why in an ApplicationError (or others)
            ok, reason = False, " ".join(str(exc).split())
    if type(opt).__name__ == "UnknownSolver":
        ok, reason = False, "Pyomo has no solver interface of that name (`pyomo help --solvers` lists them)"
    if not ok:
        raise GridplanError(f"solver {name!r} is not available to Pyomo: {reason}")
    return opt


def check_solver(opts: SolveOptions) -> None:
    """A Pyomo route's solver can be found (no-op for HiGHS through highspy)."""
    name = solver_route(opts.solver)
    if name is not None:
        pyomo_solver(name)


def _bound(v: float):
    return float(v) if np.isfinite(v) else None


def matrix_model(clp):
    """The compiled LP as a Pyomo ``ConcreteModel``: ``x[j]`` per column with its bounds, ``c[i]``
    per row (``lo <= A_i x <= hi``; rows free on both sides are left out), ``obj`` (cost·x +
    offset, minimised) and an import Suffix ``dual``. Rows are ``LinearExpression`` objects made
    straight from the CSR slices (no operator overloading, no ``quicksum``; Pyomo still makes one
    monomial object per nonzero, most of the time). Measured (2 shared cores): sichuan5_2030 at 12
    typical days (84,943 rows, 279,341 nonzeros) 3.5 s (8 s with the machine busy), guangyuan_2030
    at 4 typical days (11,812 rows) 0.3 s; the solver interface then reads the expressions again."""
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

    A = clp.A.tocsr()
    nr, nc = A.shape
    lo, hi = [list(map(_bound, v)) for v in (clp.col_lower, clp.col_upper)]
    m = pyo.ConcreteModel(name="gridplan_lp")
    m.x = pyo.Var(range(nc), bounds=lambda m, j: (lo[j], hi[j]), dense=True)
    xs = list(m.x.values())
    indptr, ind, val = A.indptr.tolist(), A.indices.tolist(), A.data.tolist()
    rlo, rhi = list(map(_bound, clp.row_lower)), list(map(_bound, clp.row_upper))

    def row(m, i):
        a, b = indptr[i], indptr[i + 1]
        body = LinearExpression(constant=0.0, linear_coefs=val[a:b], linear_vars=[xs[j] for j in ind[a:b]])
        low, up = rlo[i], rhi[i]
        if low is None and up is None:
            return pyo.Constraint.Skip
        if low is not None and low == up:
            return body == low
        if up is None:
            return body >= low
        return body <= up if low is None else (low, body, up)
    m.c = pyo.Constraint(range(nr), rule=row)
    nz = np.flatnonzero(clp.cost)
    m.obj = pyo.Objective(expr=LinearExpression(constant=float(clp.offset), linear_coefs=clp.cost[nz].tolist(),
                                                linear_vars=[xs[j] for j in nz]), sense=pyo.minimize)
    m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    return m


def _pyomo_solution(m, clp) -> tuple[np.ndarray, np.ndarray]:
    """Column values and row duals from a solved :func:`matrix_model`.

    A column in no row and at no cost is not sent to the solver and comes back unset: any value
    in its bounds is optimal, and it gets the one nearest 0 (HiGHS' choice too). A row with no
    dual reported reads NaN (a solver that gives none), a skipped free row 0."""
    x = np.array([np.nan if v.value is None else v.value for v in m.x.values()], dtype=float)
    unset = np.isnan(x)
    x[unset] = np.clip(0.0, clp.col_lower[unset], clp.col_upper[unset])
    y = np.zeros(clp.shape[0])
    for i, con in m.c.items():
        y[i] = m.dual.get(con, np.nan)
    return x, y


def _log_to(opt, kw: dict, files: contextlib.ExitStack, path) -> None:
    """The solver's log into ``path``. Pyomo's three generations of interfaces differ: the newest
    (``pyomo.contrib.solver``: ``highs``...) refuse ``logfile`` and take streams in ``tee``; APPSI's
    (``appsi_highs``...) refuse it too, and some have a ``logfile`` setting (the others write no log);
    the classic ones (``gurobi_direct``, ``cplex``...) write ``logfile`` themselves."""
    from pyomo.contrib.appsi.base import LegacySolverInterface
    from pyomo.contrib.solver.common.base import LegacySolverWrapper
    if isinstance(opt, LegacySolverWrapper):
        stream = files.enter_context(open(path, "w", encoding="utf-8"))
        kw["tee"] = [stream, sys.stdout] if kw["tee"] else [stream]
    elif isinstance(opt, LegacySolverInterface):
        if "logfile" in opt.config:
            opt.config.logfile = str(path)
    else:
        kw["logfile"] = str(path)


def solve_with_pyomo(ctx, clp, opts: SolveOptions, t0: float, **extra_facts):
    """Solve the compiled LP with ``SolverFactory(name)`` of ``opts.solver = "pyomo:<name>"``.

    The Pyomo model is :func:`matrix_model` of the matrices HiGHS would get, so both routes solve
    one LP; primal values and the row duals (Suffix ``dual``, whose sign convention for a
    minimisation is HiGHS': d objective / d row bound) come back as arrays and make the same
    :class:`gridplan.results.Results`. The objective is cost·x + offset at the returned point.
    Passed on: ``timelimit`` (finite ``time_limit``), ``logfile`` (``log_file``), ``tee``
    (``verbose``) and ``extra`` as the solver's options. Statuses map onto HiGHS' (:data:`PYOMO_STATUS`);
    nothing is re-run on an error. What Pyomo logs becomes Python warnings (one line each)."""
    from .results import Results

    name = solver_route(opts.solver)
    opt = pyomo_solver(name)
    m = matrix_model(clp)
    t1 = time.perf_counter()
    kw = {"load_solutions": False, "tee": bool(opts.verbose)}
    if opts.time_limit is not None and np.isfinite(opts.time_limit):
        kw["timelimit"] = float(opts.time_limit)
    if opts.extra:
        kw["options"] = dict(opts.extra)
    with _pyomo_log() as log, contextlib.ExitStack() as files:
        if opts.log_file:
            _log_to(opt, kw, files, opts.log_file)
        try:
            answer = opt.solve(m, **kw)
        except Exception as exc:  # noqa: BLE001 - an interface's failure (bad option...) as one line
            raise SolveError("Solve error", f"{ctx.case.name}: solver {opts.solver} failed: "
                                            f"{' '.join(str(exc).split())[:300]}") from None
        condition = str(answer.solver.termination_condition)
        status = PYOMO_STATUS.get(condition, "Solve error")
        if status == "Optimal":
            m.solutions.load_from(answer)
    t2 = time.perf_counter()
    for record in log:
        warnings.warn(f"{opts.solver}: {record.getMessage().splitlines()[0]}", stacklevel=2)
    facts = dict(status=status, solver=opts.solver, termination=condition,
                 rows=clp.shape[0], cols=clp.shape[1], nonzeros=int(clp.A.nnz),
                 handoff_s=t1 - t0, solve_s=t2 - t1,
                 coefficient_ranges=coefficient_ranges(clp), **getattr(ctx, "timings", {}), **extra_facts)
    if status != "Optimal":
        return Results(ctx, None, None, facts, user_rows=clp.user_rows)
    x, y = _pyomo_solution(m, clp)
    facts["objective"] = float(clp.cost @ x + clp.offset)
    return _solved(ctx, clp, x, y, facts)


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return solve(*args, **kwargs)


# `gridplan.solve(case)` is the call everyone writes, and `gridplan.solve.SolveOptions` /
# `import gridplan.solve` name this module: a package attribute cannot be both a function and
# the submodule, so the module itself is made callable and the two are one object (the module
# keeps its name: the import-layer rules know the solve layer by it).
sys.modules[__name__].__class__ = _CallableModule
