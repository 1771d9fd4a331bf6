"""The per-run output folder ``out/cases/<name>/`` and what ``--resume`` reads back.

Each run folder is written whole: the run's frames go into a hidden staging folder beside it
(``cases/.<name>.partial-*``), then ``meta.json`` (status, error, summary, the SHA-256 of the
run's inputs and settings from :func:`gridplan.batch.runs.run_hash`, how often it was solved),
then the staging folder is moved into place in one step (:func:`gridplan.io.swap_in`). Until
then the previous set stays as it was. A failed run never replaces a complete optimal set:
its ``meta.json`` goes to ``cases/<name>.failed/`` instead (and into ``cases/<name>/`` when
there was no optimal set to keep); the next optimal run removes ``<name>.failed/``.
:func:`load_finished` reuses a folder only when that hash matches and the run was optimal,
so failed runs are always re-run.
"""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ..io import FAILED_SUFFIX, atomic_text, clean_stale, make_staging, swap_in, write_csv_frames
from .runs import SMALL_FRAMES, Job, plain

META = "meta.json"
META_FORMAT = 1
TEXT_COLUMNS = ["id", "kind", "scope", "hedge", "sense", "unit", "dual_unit", "row_unit", "plan", "source_file", "quote",
                "component", "name", "bus", "technology", "term"]
"""Columns that are text: CSV turns their empty strings into NaN, which :func:`load_finished` undoes."""


def read_meta(folder: Path) -> dict | None:
    try:
        return json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def meta_of(rec: dict, job: Job, previous: dict | None) -> dict:
    """``meta.json`` of a finished run (``previous``: the folder's last one, for the solve count)."""
    return {
        "format": META_FORMAT, "name": job.name, "file": rec.get("file"), "case_name": rec.get("case_name"),
        "year": rec.get("year"), "buses": rec.get("buses"),
        "sha256": job.hash["sha256"], "case_sha256": job.hash["case_sha256"], "files": job.hash["files"],
        "overrides": job.run.overrides, "scenario": job.run.scenario, "settings": job.settings,
        "status": rec.get("status"), "outcome": rec.get("outcome"), "ok": bool(rec.get("ok")),
        "error": rec.get("error"), "warning": rec.get("warning"), "summary": rec.get("summary", {}), "wall_s": rec.get("wall_s"),
        "host": rec.get("host"),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "solve_count": int((previous or {}).get("solve_count", 0)) + 1,
    }


def load_finished(folder: Path, key: str) -> dict | None:
    """The record of a finished run from its folder, if its hash matches and it was optimal."""
    meta = read_meta(folder)
    if not meta or meta.get("sha256") != key or not meta.get("ok") or not meta.get("outcome"):
        return None      # (a folder written before outcomes were recorded is solved again)
    rec = {k: meta.get(k) for k in ("file", "status", "outcome", "ok", "error", "warning", "case_name", "year", "buses",
                                   "summary", "wall_s", "host")}
    for name in SMALL_FRAMES:
        p = folder / f"{name}.csv"
        if not p.exists():
            return None
        try:
            df = pd.read_csv(p)
        except pd.errors.EmptyDataError:
            df = pd.DataFrame()
        for c in df.columns.intersection(TEXT_COLUMNS):  # CSV turns '' into NaN: restore empty text
            df[c] = df[c].astype(object).where(df[c].notna(), "")
        rec[name] = df
    rec["name"] = meta.get("name")
    rec["resumed"] = True
    return rec


def _clear_results(folder: Path) -> None:
    for p in folder.glob("*.csv"):
        p.unlink()


def failed_folder(folder: Path) -> Path:
    return folder.with_name(folder.name + FAILED_SUFFIX)


def start_folder(job: Job) -> None:
    """Give the job an empty staging folder beside its run folder (what a killed batch left
    there is cleaned first; the batch holds the output folder's lock)."""
    job.folder.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(job.folder)
    job.staging = make_staging(job.folder)


def remove_if_empty(folder: Path) -> None:
    """Remove ``folder`` if it is empty (e.g. ``out/cases/`` of a batch interrupted before any
    run finished); anything in it keeps it."""
    try:
        folder.rmdir()
    except OSError:
        pass


def drop_staging(job: Job) -> None:
    """Remove a job's staging folder (a run cancelled or interrupted before it finished)."""
    if job.staging is not None:
        shutil.rmtree(job.staging, ignore_errors=True)
        job.staging = None


def finish_folder(job: Job, rec: dict) -> None:
    """Write a finished run whole: its frames (taken out of ``rec``) when it was optimal, then
    ``meta.json``, then the staging folder into place (a failure beside an optimal set)."""
    frames = rec.pop("frames", None)
    staging = job.staging if job.staging is not None else make_staging(job.folder)
    previous = read_meta(job.folder)
    if rec.get("ok") and frames:
        write_csv_frames(staging, frames)
    elif not rec.get("ok"):
        _clear_results(staging)     # anything half-written by a failed run
    keep_previous = not rec.get("ok") and bool(previous and previous.get("ok"))
    dest = failed_folder(job.folder) if keep_previous else job.folder
    atomic_text(staging / META, json.dumps(meta_of(rec, job, previous), indent=2,
                                           default=plain, ensure_ascii=False) + "\n")
    swap_in(staging, dest)
    job.staging = None
    if rec.get("ok"):
        shutil.rmtree(failed_folder(job.folder), ignore_errors=True)
