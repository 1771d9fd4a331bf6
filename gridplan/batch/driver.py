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

Certified column (``certify=True``, ``gridplan compare --certify``): after its solve every run
also brackets its case's hourly optimum (:func:`gridplan.batch.certify.certify` at the run's
resolution, one process per run, the run's solver options): ``record["certificate"]`` is the
certificate's summary (``lower_cny``, ``upper_cny``, ``gap``...) or ``{"error": one line}``,
the table's ``certified_*`` columns, and with ``out`` ``out/cases/<name>/certificate.json``
(read back by ``resume``).

Output folder and resume: with ``out``, the batch holds ``out``'s lock from start to end (a
second ``compare`` or ``gridplan solve`` into it is refused with one line), each finished case
is written whole as it finishes into ``out/cases/<name>/`` and ``resume=True`` skips a case
whose inputs and settings are unchanged since it last finished optimally
(:mod:`gridplan.batch.folders`). The tables are written at the end, staged together and moved
in (:meth:`Comparison.to_folder`). Interrupted (Ctrl-C, SIGTERM): queued runs are cancelled,
running workers ended, finished runs kept, and the previous tables left as they were.
"""
from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Callable, Sequence

from ..errors import GridplanError
from ..io import FolderLock, check_output_folder
from .comparison import Comparison
from .executors import EXECUTORS, execute
from .folders import drop_staging, finish_folder, load_finished, remove_if_empty, start_folder
from .runs import Job, Run, as_runs, run_hash, unique_names
from .scenarios import sweep_runs
from .settings import BATCH_DEFAULT, run_settings


def compare(cases, *, workers: int | None = None, resolution=BATCH_DEFAULT,
            typical_days: int | None = None, out=None, executor: str = "process", scheduler=None,
            resume: bool = False, elastic: bool = False, options: dict | None = None,
            progress: Callable[[dict, int, int], None] | None = None,
            scenario_columns: Sequence[str] | None = None, out_lock: FolderLock | None = None,
            certify: bool = False) -> Comparison:
    """Solve every case and return a :class:`Comparison` (written to ``out`` if given).

    ``cases``: paths, case dicts or :class:`Run` objects. ``executor``:
    ``"process"`` (default), ``"dask"`` (``scheduler``: address, ``Client``,
    cluster, or None for a local cluster of ``workers`` processes) or
    ``"inline"``, or ``"warm"`` (in this process, one HiGHS instance re-used from
    run to run: for sweeps that change costs, bounds or target values). ``resolution``
    defaults to 3 h (``None``: the cases' own settings; with ``typical_days`` the cases'
    own resolution). ``options``: :class:`gridplan.SolveOptions` fields for every run
    (default ``threads=1``, since runs already go in parallel). ``progress`` is
    called as ``progress(record, done, total)`` after every run. ``out_lock``: ``out``'s
    :class:`~gridplan.io.FolderLock`, already acquired by the caller (the CLI takes it before
    its progress bar), so that no other run gets in between; compare neither takes nor releases it.
    ``certify``: also bracket each case's hourly optimum (the module docstring, "Certified column").
    """
    runs = as_runs(cases)
    out = Path(out) if out is not None else None
    _check_request(runs, executor, out, resume, workers)
    _check_lock(out_lock, out)
    names = unique_names(runs)
    if scenario_columns is None:
        scenario_columns = list(dict.fromkeys(k for r in runs for k in r.scenario))
    settings = run_settings(resolution, typical_days, elastic, options, certify)
    held = out is None or out_lock is not None
    with contextlib.nullcontext() if held else FolderLock(out):
        made_out = out is not None and not out.exists()
        cache: dict = {}
        jobs = [Job(run, name, settings, run_hash(run, settings, cache),
                    (out / "cases" / name) if out is not None else None) for run, name in zip(runs, names)]
        try:
            records = _solve_jobs(jobs, workers, executor, scheduler, resume, progress)
        finally:
            for job in jobs:   # runs cancelled or interrupted before they finished
                drop_staging(job)
            if out is not None:   # interrupted before any run finished: no empty cases/ (or out/) left
                remove_if_empty(out / "cases")
                if made_out:
                    remove_if_empty(out)
        comp = Comparison([records[n] for n in names], scenario_columns, settings)
        if out is not None:
            comp.to_folder(out)
    return comp


def _check_request(runs: list[Run], executor: str, out: Path | None, resume: bool, workers) -> None:
    """Refuse a request that cannot run as asked, before any work (one line each)."""
    if not runs:
        raise GridplanError("compare: no cases given")
    if executor not in EXECUTORS:
        raise GridplanError(f"executor: got {executor!r}; expected 'process', 'dask', 'inline' or 'warm'")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise GridplanError(f"workers: got {workers!r}; expected a whole number of parallel runs >= 1")
    if resume and out is None:
        raise GridplanError("resume needs an output folder (out=...)")
    if out is not None:
        check_output_folder(out, "out")


def _check_lock(lock: FolderLock | None, out: Path | None) -> None:
    """``out_lock`` must be ``out``'s own lock, held."""
    if lock is None:
        return
    if out is None or lock.fd is None or lock.dest.resolve() != out.resolve():
        raise GridplanError(f"out_lock: got a lock of {lock.dest}{'' if lock.fd is not None else ' (not held)'}; "
                            f"expected the held lock of out ({out})")


def _solve_jobs(jobs: list[Job], workers, executor: str, scheduler, resume: bool, progress) -> dict[str, dict]:
    """Every job's record by name: reused from its folder (``resume``) or solved by ``executor``."""
    records: dict[str, dict] = {}

    def finish(job: Job, rec: dict):
        rec.update(name=job.name, scenario=job.run.scenario, overrides=job.run.overrides)
        if job.folder is not None and not rec.get("resumed"):
            _write_certificate(job, rec)
            finish_folder(job, rec)
        rec.pop("frames", None)
        records[job.name] = rec
        if progress is not None:
            progress(rec, len(records), len(jobs))

    todo = []
    for job in jobs:
        rec = load_finished(job.folder, job.hash["sha256"]) if resume else None
        if rec is not None and job.settings.get("certify"):
            rec = _read_certificate(job, rec)     # none there: solved (and certified) again
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


def _write_certificate(job: Job, rec: dict) -> None:
    """A certified run's ``certificate`` into its staging folder (moved into place with the run's
    other files by :func:`finish_folder`) as ``certificate.json``."""
    if "certificate" not in rec or job.staging is None:
        return
    from ..io import atomic_text
    from .runs import plain
    atomic_text(job.staging / CERTIFICATE, json.dumps(rec["certificate"], indent=2, default=plain,
                                                      ensure_ascii=False) + "\n")


def _read_certificate(job: Job, rec: dict) -> dict | None:
    """A resumed certified run's record with its ``certificate.json`` (None if it has none)."""
    try:
        cert = json.loads((job.folder / CERTIFICATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(cert, dict):
        return None
    rec["certificate"] = cert
    return rec


CERTIFICATE = "certificate.json"
"""A certified run's certificate in its folder (:meth:`gridplan.batch.certify.Certificate.summary`)."""


def sweep(case, sets: dict | Sequence[str] | None = None, scenarios=None, **kw) -> Comparison:
    """:func:`compare` over the scenarios of :func:`sweep_runs` (scenario columns in every table)."""
    return compare(sweep_runs(case, sets, scenarios), **kw)   # compare() takes the runs' scenario columns


# ``gridplan.compare.sweep(...)`` and ``gridplan.compare.Run`` read naturally once
# ``gridplan.compare`` is this function (no module is named ``compare``).
compare.sweep = sweep
compare.Run = Run
