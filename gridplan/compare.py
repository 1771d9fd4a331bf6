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
Every case is one call of :func:`run_case`, a top-level (picklable) function
that loads, solves and returns a small dict of records and frames; it never
raises (errors become a record with ``status`` and a one-line ``error``), so a
bad case never stops the batch. Calls run in a
:class:`concurrent.futures.ProcessPoolExecutor` (``executor="process"``, default;
``workers`` defaults to ``min(len(cases), os.cpu_count())``), on a Dask
distributed cluster (``executor="dask"``: one ``client.submit`` per case; give
``scheduler`` an address, a ``Client`` or a cluster, or nothing for a local
cluster), or in this process (``executor="inline"``, for debugging).

Time resolution
---------------
Batch runs default to **3-hour snapshots** (:data:`DEFAULT_RESOLUTION`), which
keeps a year-long multi-city case small enough to solve many of them; pass
``resolution=1`` for hourly, ``typical_days=K`` for clustered days (the case's
own ``time.resolution`` then applies), or ``resolution=None`` to use every
case's own ``time`` settings.

Output folder and --resume
--------------------------
With ``out``, each finished case is written as it finishes into
``out/cases/<name>/``: every results frame as CSV (``Results.to_csv``, each file
atomic) and then ``meta.json`` (status, error, summary, and the SHA-256 of the
run: the YAML, every file it references — catalogue, fuels, profiles — the
overrides and the run settings). ``resume=True`` skips a case whose
``meta.json`` has the same hash and finished optimally, reloading its rows from
that folder; failed cases are always re-run. The tables are written at the end,
each atomically.
"""
from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from .io import atomic_text, write_csv_frames
from .batch.executors import _Job, _run_dask, _run_inline, _run_process, _run_warm
from .batch.runs import (DEFAULT_RESOLUTION, META, Run, _as_runs, _load_finished, _meta_of, _plain, _read_meta,
                         _safe, _unique_names, run_case, run_hash)
from .batch.comparison import Comparison


# --------------------------------------------------------------------------- entry points


_UNSET = object()


def compare(cases, *, workers: int | None = None, resolution=_UNSET,
            typical_days: int | None = None, out=None, executor: str = "process", scheduler=None,
            resume: bool = False, elastic: bool = False, options: dict | None = None,
            progress: Callable[[dict, int, int], None] | None = None,
            scenario_columns: Sequence[str] | None = None) -> Comparison:
    """Solve every case and return a :class:`Comparison` (written to ``out`` if given).

    ``cases``: paths, case dicts or :class:`Run` objects. ``executor``:
    ``"process"`` (default), ``"dask"`` (``scheduler``: address, ``Client``,
    cluster, or None for a local cluster of ``workers`` processes) or
    ``"inline"``, or ``"warm"`` (in this process, one HiGHS instance re-used from
    run to run: for sweeps that change costs, bounds or target values). ``resolution`` defaults to 3 h (``None``: the cases' own
    settings). ``options``: :class:`gridplan.SolveOptions` fields for every run
    (default ``threads=1``, since runs already go in parallel). ``progress`` is
    called as ``progress(record, done, total)`` after every run.
    """
    from .errors import GridplanError

    if resolution is _UNSET:
        # 3 h by default; with typical days the cases' own (hourly) resolution
        resolution = None if typical_days else DEFAULT_RESOLUTION
    runs = _as_runs(cases)
    if not runs:
        raise GridplanError("compare: no cases given")
    if executor not in ("process", "dask", "inline", "warm"):
        raise GridplanError(f"executor: got {executor!r}; expected 'process', 'dask', 'inline' or 'warm'")
    out = Path(out) if out is not None else None
    if resume and out is None:
        raise GridplanError("resume needs an output folder (out=...)")
    names = _unique_names(runs)
    if scenario_columns is None:
        scenario_columns = list(dict.fromkeys(k for r in runs for k in r.scenario))
    settings = {"resolution": resolution, "typical_days": typical_days, "elastic": bool(elastic),
                "options": {"threads": 1, **(options or {})}}
    cache: dict = {}
    jobs = [_Job(run, name, settings, run_hash(run, settings, cache),
                 (out / "cases" / name) if out is not None else None) for run, name in zip(runs, names)]
    records: dict[str, dict] = {}
    total, done = len(jobs), 0

    def finish(job: _Job, rec: dict):
        nonlocal done
        rec["name"] = job.name
        rec["scenario"] = job.run.scenario
        rec["overrides"] = job.run.overrides
        if job.folder is not None and not rec.get("resumed"):
            frames = rec.pop("frames", None)
            if rec.get("ok") and frames:
                write_csv_frames(job.folder, frames)
            elif not rec.get("ok"):
                for p in job.folder.glob("*.csv"):  # anything half-written by a failed run
                    p.unlink()
            previous = _read_meta(job.folder)
            atomic_text(job.folder / META, json.dumps(_meta_of(rec, job, previous), indent=2,
                                                         default=_plain, ensure_ascii=False) + "\n")
        rec.pop("frames", None)
        records[job.name] = rec
        done += 1
        if progress is not None:
            progress(rec, done, total)

    todo = []
    for job in jobs:
        if resume:
            rec = _load_finished(job.folder, job.hash["sha256"])
            if rec is not None:
                finish(job, rec)
                continue
        if job.folder is not None:
            job.folder.mkdir(parents=True, exist_ok=True)
            for p in job.folder.glob("*.csv"):  # the folder will hold this run's results only
                p.unlink()
            stale = job.folder / META
            if stale.exists():  # keep the count, drop the promise that the folder is complete
                prev = _read_meta(job.folder) or {}
                atomic_text(stale, json.dumps({"name": job.name, "status": "running", "ok": False,
                                                "solve_count": prev.get("solve_count", 0)}) + "\n")
        todo.append(job)

    if todo:
        n = max(1, min(len(todo), workers or os.cpu_count() or 1))
        if executor == "inline":
            stream = _run_inline(todo)
        elif executor == "warm":
            stream = _run_warm(todo)
        elif executor == "dask":
            stream = _run_dask(todo, n, scheduler)
        else:
            stream = _run_process(todo, n)
        for job, rec in stream:
            finish(job, rec)

    comp = Comparison([records[n] for n in names], scenario_columns, settings)
    if out is not None:
        comp.to_folder(out)
    return comp


def sweep_runs(case, sets: dict | Sequence[str] | None = None, scenarios=None) -> list[Run]:
    """The runs of a scenario sweep of one case.

    ``sets``: ``{path: [values]}`` or CLI strings ``"path=v1,v2"``; their
    cartesian product is taken. ``scenarios``: a CSV path or DataFrame whose
    header names override paths, one scenario per row (blank cell: not
    overridden; an optional ``name`` column names the run). Both together give
    every CSV row × every combination of ``sets``.
    """
    from .errors import CaseError
    from .overrides import parse_set, parse_value, split_path

    case_path = Path(case)
    stem = _safe(case_path.stem) if not isinstance(case, dict) else _safe(case.get("name", "case"))
    if sets is None:
        sets = {}
    if not isinstance(sets, dict):
        parsed = {}
        for s in sets:
            try:
                k, vals = parse_set(s)
            except ValueError as exc:
                raise CaseError("--set", s, s, str(exc)) from None
            parsed[k] = parsed.get(k, []) + vals
        sets = parsed
    sets = {k: (list(v) if isinstance(v, (list, tuple)) else [v]) for k, v in sets.items()}
    rows: list[tuple[str | None, dict]] = [(None, {})]
    if scenarios is not None:
        src = scenarios if isinstance(scenarios, pd.DataFrame) else pd.read_csv(
            scenarios, dtype=str, keep_default_na=False)
        file = "<scenarios>" if isinstance(scenarios, pd.DataFrame) else str(scenarios)
        name_col = next((c for c in ("name", "scenario") if c in src.columns), None)
        for col in src.columns:
            if col != name_col:
                try:
                    split_path(str(col))
                except ValueError as exc:
                    raise CaseError(file, f"column {col}", col, str(exc)) from None
        rows = []
        for _, r in src.iterrows():
            ov = {str(c): parse_value(v) for c, v in r.items()
                  if c != name_col and not (isinstance(v, str) and v.strip() == "") and not pd.isna(v)}
            rows.append((str(r[name_col]) if name_col else None, ov))
    keys = list(sets)
    runs = []
    combos = list(itertools.product(*[sets[k] for k in keys])) if keys else [()]
    for label, base in rows:
        for combo in combos:
            ov = {**base, **dict(zip(keys, combo))}
            runs.append(Run(case=case, overrides=ov, scenario=dict(ov), name=label))
    # names: <stem>__<label>, or <stem>__<last path part>=<value>... when short enough, else numbered
    width = len(str(len(runs)))
    for i, r in enumerate(runs):
        if r.name:
            r.name = f"{stem}__{_safe(r.name)}"
            continue
        desc = "_".join(f"{split_path(k)[-1]}={v}" for k, v in r.overrides.items())
        r.name = f"{stem}__{_safe(desc)}" if desc and len(desc) <= 60 else f"{stem}__s{i + 1:0{width}d}"
    if len({r.name for r in runs}) < len(runs):
        for i, r in enumerate(runs):
            r.name = f"{stem}__s{i + 1:0{width}d}"
    return runs


def sweep(case, sets: dict | Sequence[str] | None = None, scenarios=None, **kw) -> Comparison:
    """:func:`compare` over the scenarios of :func:`sweep_runs` (scenario columns in every table)."""
    runs = sweep_runs(case, sets, scenarios)
    cols = list(dict.fromkeys(k for r in runs for k in r.scenario))
    return compare(runs, scenario_columns=cols, **kw)


# ``gridplan.compare.sweep(...)`` reads naturally once ``gridplan.compare`` is this function.
compare.sweep = sweep
compare.Run = Run

__all__ = ["Comparison", "DEFAULT_RESOLUTION", "Run", "compare", "run_case", "run_hash", "sweep", "sweep_runs"]
