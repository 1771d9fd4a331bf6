"""Batch runs: solve many cases (or scenarios of one case) and compare them.

    cmp = gridplan.compare(["cases/chengdu_2030.yaml", "cases/sichuan_2030.yaml"], out="cmp")
    cmp.table         # one row per case: cost, CNY/MWh, capacity by technology, targets, emissions...
    cmp.targets       # one row per case × target: required, achieved, met, binding, dual, shortfall
    cmp.capacities    # one row per case × component × technology: existing, built, total
    cmp.to_folder("cmp")   # CSV, Excel, Markdown, PNG plots and index.html

    cmp = gridplan.compare.sweep("cases/chengdu_2030.yaml",
                                 sets={"targets.nf_share_2030.value": [0.5, 0.6]})

How it runs
-----------
Every case is one call of :func:`gridplan.batch.runs.run_case`, a top-level (picklable)
function that loads, solves and returns a small dict of records and frames; it never raises
(errors become a record with ``status`` and a one-line ``error``), so a bad case never stops
the batch. Calls run in a :class:`concurrent.futures.ProcessPoolExecutor`
(``executor="process"``, default; ``workers`` defaults to ``min(len(cases), os.cpu_count())``),
on a Dask distributed cluster (``executor="dask"``: one ``client.submit`` per case; give
``scheduler`` an address, a ``Client`` or a cluster, or nothing for a local cluster), in this
process (``executor="inline"``, for debugging), or in this process on one HiGHS instance
(``executor="warm"``), see :mod:`gridplan.batch.executors`.

Time resolution: 3-hour snapshots unless told otherwise, :func:`gridplan.batch.settings.time_policy`.

Output folder and resume: with ``out``, each finished case is written as it finishes into
``out/cases/<name>/`` and ``resume=True`` skips a case whose inputs and settings are unchanged
since it last finished optimally (:mod:`gridplan.batch.folders`). The tables are written at
the end, each atomically.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence

from ..errors import GridplanError
from .comparison import Comparison
from .executors import EXECUTORS, execute
from .folders import finish_folder, load_finished, start_folder
from .runs import Job, Run, as_runs, run_hash, unique_names
from .scenarios import sweep_runs
from .settings import BATCH_DEFAULT, run_settings


def compare(cases, *, workers: int | None = None, resolution=BATCH_DEFAULT,
            typical_days: int | None = None, out=None, executor: str = "process", scheduler=None,
            resume: bool = False, elastic: bool = False, options: dict | None = None,
            progress: Callable[[dict, int, int], None] | None = None,
            scenario_columns: Sequence[str] | None = None) -> Comparison:
    """Solve every case and return a :class:`Comparison` (written to ``out`` if given).

    ``cases``: paths, case dicts or :class:`Run` objects. ``executor``:
    ``"process"`` (default), ``"dask"`` (``scheduler``: address, ``Client``,
    cluster, or None for a local cluster of ``workers`` processes) or
    ``"inline"``, or ``"warm"`` (in this process, one HiGHS instance re-used from
    run to run: for sweeps that change costs, bounds or target values). ``resolution``
    defaults to 3 h (``None``: the cases' own settings; with ``typical_days`` the cases'
    own resolution). ``options``: :class:`gridplan.SolveOptions` fields for every run
    (default ``threads=1``, since runs already go in parallel). ``progress`` is
    called as ``progress(record, done, total)`` after every run.
    """
    runs = as_runs(cases)
    out = Path(out) if out is not None else None
    _check_request(runs, executor, out, resume)
    names = unique_names(runs)
    if scenario_columns is None:
        scenario_columns = list(dict.fromkeys(k for r in runs for k in r.scenario))
    settings = run_settings(resolution, typical_days, elastic, options)
    cache: dict = {}
    jobs = [Job(run, name, settings, run_hash(run, settings, cache),
                (out / "cases" / name) if out is not None else None) for run, name in zip(runs, names)]
    records = _solve_jobs(jobs, workers, executor, scheduler, resume, progress)
    comp = Comparison([records[n] for n in names], scenario_columns, settings)
    if out is not None:
        comp.to_folder(out)
    return comp


def _check_request(runs: list[Run], executor: str, out: Path | None, resume: bool) -> None:
    if not runs:
        raise GridplanError("compare: no cases given")
    if executor not in EXECUTORS:
        raise GridplanError(f"executor: got {executor!r}; expected 'process', 'dask', 'inline' or 'warm'")
    if resume and out is None:
        raise GridplanError("resume needs an output folder (out=...)")


def _solve_jobs(jobs: list[Job], workers, executor: str, scheduler, resume: bool, progress) -> dict[str, dict]:
    """Every job's record by name: reused from its folder (``resume``) or solved by ``executor``."""
    records: dict[str, dict] = {}

    def finish(job: Job, rec: dict):
        rec.update(name=job.name, scenario=job.run.scenario, overrides=job.run.overrides)
        if job.folder is not None and not rec.get("resumed"):
            finish_folder(job, rec)
        rec.pop("frames", None)
        records[job.name] = rec
        if progress is not None:
            progress(rec, len(records), len(jobs))

    todo = []
    for job in jobs:
        rec = load_finished(job.folder, job.hash["sha256"]) if resume else None
        if rec is not None:
            finish(job, rec)
            continue
        if job.folder is not None:
            start_folder(job)
        todo.append(job)
    if todo:
        n = max(1, min(len(todo), workers or os.cpu_count() or 1))
        for job, rec in execute(todo, executor, n, scheduler):
            finish(job, rec)
    return records


def sweep(case, sets: dict | Sequence[str] | None = None, scenarios=None, **kw) -> Comparison:
    """:func:`compare` over the scenarios of :func:`sweep_runs` (scenario columns in every table)."""
    runs = sweep_runs(case, sets, scenarios)
    cols = list(dict.fromkeys(k for r in runs for k in r.scenario))
    return compare(runs, scenario_columns=cols, **kw)


# ``gridplan.compare.sweep(...)`` and ``gridplan.compare.Run`` read naturally once
# ``gridplan.compare`` is this function (no module is named ``compare``).
compare.sweep = sweep
compare.Run = Run
