"""Runs: what one batch job is, its name, its hash, and the worker that solves it.

A :class:`Run` is what the caller asks for (a case and overrides); a :class:`Job` is a run as
the batch executes it (unique name, shared settings, hash, output folder). :func:`run_case`
is the worker: top-level and picklable, it loads, solves and returns a small record, and
never raises. With ``certify`` (``gridplan compare --certify``) it also brackets the case's
hourly optimum after its solve (:func:`certify_record`): the record's ``"certificate"``.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence, Union

from ..case.input_hash import input_hashes
from ..io import write_csv_frames
from ..report import COLUMNS as REPORT_COLUMNS
from ..report import outcome_of_error
from .settings import DEFAULT_RESOLUTION

SMALL_FRAMES = ("capacities", "targets", "costs")
"""Frames each run sends back (and reloads from its folder on --resume)."""

TARGET_COLUMNS = [c for c in REPORT_COLUMNS if c not in ("shortfall_row", "row_unit", "penalty")]
"""The target report's columns a batch keeps (the row-unit details stay in each run's targets.csv)."""
SUMMARY_FIELDS = ["total_cost_cny", "system_cost_cny", "target_penalty_cny", "demand_mwh", "cost_per_mwh_cny", "gross_cost_per_mwh_cny",
                  "export_revenue_cny", "non_fossil_electricity_share",
                  "emissions_t", "curtailed_mwh", "import_mwh", "export_mwh", "shed_mwh"]
FACT_FIELDS = ["solver", "solve_s", "prepare_s", "build_s", "handoff_s", "rows", "cols", "nonzeros",
               "ipm_iterations", "crossover_iterations", "simplex_iterations"]

# --------------------------------------------------------------------------- runs


@dataclass
class Run:
    """One solve of a batch: a case file (or a case dict) with optional overrides."""

    case: Union[str, Path, dict]
    overrides: dict = field(default_factory=dict)
    """Dotted paths → values (see :mod:`gridplan.overrides`)."""
    name: Optional[str] = None
    """Folder and row name; default: the file's stem (plus the scenario for sweeps)."""
    scenario: dict = field(default_factory=dict)
    """Columns shown in the tables for this run (a sweep's override values)."""


@dataclass
class Job:
    """A run as the batch executes it: its unique name, the shared settings, its hash and folder."""

    run: Run
    name: str
    settings: dict
    hash: dict
    folder: Optional[Path]
    staging: Optional[Path] = None
    """The hidden folder beside ``folder`` the run's files are written into before they are
    moved into place whole (:func:`gridplan.batch.folders.start_folder`)."""

    def kwargs(self, write_here: bool) -> dict:
        """Arguments of :func:`run_case`; ``write_here``: the worker writes the folder itself
        (else the frames come back to the client, for workers on another disk)."""
        s = self.settings
        case = self.run.case if isinstance(self.run.case, dict) else str(Path(self.run.case).resolve())
        return dict(case=case,
                    overrides=self.run.overrides, resolution=s["resolution"], typical_days=s["typical_days"],
                    name=self.name, elastic=s["elastic"], options=s["options"], certify=bool(s.get("certify")),
                    out_dir=str(self.staging or self.folder) if (self.folder and write_here) else None,
                    return_frames=bool(self.folder) and not write_here)


def safe_name(name: str) -> str:
    """A folder-safe run name."""
    s = re.sub(r"[^A-Za-z0-9_.\-=]+", "_", str(name)).strip("._")
    return s or "case"


def _default_name(run: Run, i: int) -> str:
    if run.name:
        return safe_name(run.name)
    if isinstance(run.case, dict):
        return safe_name(run.case.get("name") or f"case{i + 1}")
    return safe_name(Path(run.case).stem)


def as_runs(cases) -> list[Run]:
    """Paths, case dicts or :class:`Run` objects (or one of them) → a list of runs."""
    if isinstance(cases, (str, Path, dict, Run)):
        cases = [cases]
    runs = []
    for c in cases:
        if isinstance(c, Run):
            runs.append(c)
        elif isinstance(c, (str, Path, dict)):
            runs.append(Run(c))
        else:
            raise TypeError(f"compare() takes case paths, case dicts or Run objects, not {type(c).__name__}")
    return runs


def unique_names(runs: Sequence[Run]) -> list[str]:
    """One name per run, suffixed ``-2``, ``-3``... where names repeat."""
    names, seen = [], {}
    for i, r in enumerate(runs):
        base = _default_name(r, i)
        n = seen.get(base, 0)
        seen[base] = n + 1
        names.append(base if n == 0 else f"{base}-{n + 1}")
    while len(set(names)) < len(names):  # a suffixed name collided with a given one
        names = [f"{n}-{i + 1}" if names.count(n) > 1 else n for i, n in enumerate(names)]
    return names


# --------------------------------------------------------------------------- hashing


def run_hash(run: Run, settings: dict, cache: dict | None = None) -> dict:
    """SHA-256 of everything a run's result depends on (inputs and settings).

    Returns ``{"sha256": run key, "case_sha256": of the YAML (or dict), "files": {path: sha256}}``
    (:func:`gridplan.case.input_hash.input_hashes`, which the solve manifests use too).
    """
    return input_hashes(run.case, run.overrides, settings, cache)


# --------------------------------------------------------------------------- the worker


def one_line(exc: BaseException, limit: int = 400) -> str:
    """An exception as one line for the tables (a user error's own message, else with its class)."""
    from ..errors import GridplanError
    text = " ".join(str(exc).split())
    if not isinstance(exc, GridplanError) or not text:
        text = f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."


def failed_record(job: Job, msg: str, status: str = "error") -> dict:
    """The record of a job whose worker died (the worker itself never raises)."""
    return {"name": job.name, "file": "<dict>" if isinstance(job.run.case, dict) else str(job.run.case),
            "status": status, "outcome": "internal error", "ok": False, "error": msg, "summary": {},
            "wall_s": None}


def _solve_error_line(exc) -> str:
    """A solve that ended without Results, as one line; hard targets out of reach name each
    shortfall (the elastic diagnosis) so the table says what the plan would miss."""
    from ..errors import GridplanError, TargetsInfeasible
    if isinstance(exc, TargetsInfeasible):
        shortfalls = "; ".join(exc.diagnosis.splitlines())
        return one_line(GridplanError(f"the hard targets cannot all be met; elastic shortfalls: {shortfalls}"), limit=600)
    return one_line(exc)


def plain(v):
    """numpy scalars → Python (for JSON)."""
    if hasattr(v, "item") and not isinstance(v, (list, dict, str)):
        try:
            return v.item()
        except Exception:  # noqa: BLE001
            return v
    return v


def run_case(case, overrides: dict | None = None, resolution: int | None = DEFAULT_RESOLUTION,
             typical_days: int | None = None, name: str | None = None, *, out_dir: str | None = None,
             elastic: bool = False, options: dict | None = None, return_frames: bool = False,
             resolver=None, certify: bool = False) -> dict:
    """Solve one case and return a small picklable record; never raises.

    ``case`` is a YAML path or a case dict (relative paths in a dict resolve from
    the working directory). With ``out_dir`` the full results are written there
    (``Results.to_csv``, each file atomic); with ``return_frames`` they come back
    under ``"frames"`` instead (for workers that do not share the client's disk).
    The record holds ``status`` (the solver status, or ``"error"`` when the case
    could not be loaded or built), ``ok``, a one-line ``error``, the summary,
    and the small frames ``capacities``, ``targets``, ``costs``. With a
    :class:`gridplan.Resolver` the run re-uses its HiGHS instance (warm start). With
    ``certify``, once the case is loaded and solved (whatever the solve's outcome, which stays
    the record's), its hourly optimum is bracketed too: ``"certificate"`` holds
    :func:`certify_record` (the certificate's summary, or ``{"error": one line}``).
    """
    t0 = time.perf_counter()
    rec: dict = {"name": name, "file": "<dict>" if isinstance(case, dict) else str(Path(case).resolve()),
                 "status": "error", "outcome": "internal error", "ok": False, "error": None,
                 "case_name": None, "year": None,
                 "buses": None, "summary": {}, "host": _host(), "pid": os.getpid()}
    try:
        from ..errors import SolveError
        from ..solve import SolveOptions, solve

        c = _load(case, overrides)
        rec.update(case_name=c.name, year=c.year, buses=",".join(b.name for b in c.buses))
        try:
            if resolver is not None:
                res = resolver.solve(c, resolution=resolution, typical_days=typical_days, elastic=elastic)
            else:
                # diagnose: hard targets out of reach are re-solved elastic, so the record names
                # each shortfall (outcome "targets missed") instead of a bare "infeasible"
                res = solve(c, resolution=resolution, typical_days=typical_days, elastic=elastic,
                            diagnose=True, options=SolveOptions(**(options or {})))
        except SolveError as exc:
            rec.update(status=exc.status, outcome=outcome_of_error(exc), error=_solve_error_line(exc))
        else:
            _add_results(rec, res, out_dir, return_frames)
        if certify:
            rec["certificate"] = certify_record(c, resolution, options)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a record
        rec.update(status="error", outcome=outcome_of_error(exc), ok=False, error=one_line(exc))
    finally:
        rec["wall_s"] = time.perf_counter() - t0
    return rec


def certify_record(case, resolution: int | None, options: dict | None) -> dict:
    """The certificate of a loaded case as a plain dict (:meth:`Certificate.summary`), or
    ``{"error": one line}`` when none was found; never raises.

    ``resolution``: the run's hours per snapshot, else (None: the case's own time settings, or
    typical days) certify's default; ``workers=1``: the batch already runs cases in parallel
    processes; the run's :class:`gridplan.SolveOptions`."""
    from ..solve import SolveOptions
    from .certify import certify
    try:
        cert = certify(case, resolution=resolution or None, workers=1, options=SolveOptions(**(options or {})))
        return cert.summary()
    except Exception as exc:  # noqa: BLE001 - NoCertificate (a SolveError) or any other: the run's own
        return {"error": one_line(exc)}   # outcome stays what its solve gave


def _load(case, overrides: dict | None):
    from ..case.load import case_from_dict, load_case
    if isinstance(case, dict):
        from ..overrides import apply_overrides
        return case_from_dict(apply_overrides(case, overrides or {}, "<dict>"))
    return load_case(case, overrides=overrides or None)


def _add_results(rec: dict, res, out_dir: str | None, return_frames: bool) -> None:
    """Status, summary and small frames into the record; the full frames written or attached."""
    summary = {k: plain(v) for k, v in res.summary().items()
               if isinstance(plain(v), (int, float, str, bool)) or v is None}
    rec.update(status=res.status, outcome=res.outcome, ok=bool(res.ok), summary=summary,
               capacities=res.capacities, targets=res.targets, costs=res.costs)
    warnings = [res.facts["fallback"]] if res.facts.get("fallback") else []
    if out_dir or return_frames:
        frames, problems = res.frames_or_problems()
        if problems:
            warnings.append("results not written: " + "; ".join(problems))
        if out_dir:
            write_csv_frames(Path(out_dir), frames)
        if return_frames:
            rec["frames"] = frames
    if warnings:
        rec["warning"] = "; ".join(warnings)


def _host() -> str:
    try:
        return os.uname().nodename
    except AttributeError:  # pragma: no cover - Windows
        return os.environ.get("COMPUTERNAME", "")
