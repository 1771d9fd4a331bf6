"""The per-run output folder ``out/cases/<name>/`` and what ``--resume`` reads back.

While a run is pending its folder holds nothing promising completeness: the CSVs of an
earlier run are deleted and ``meta.json`` (if any) says ``running``. When the run finishes,
its frames are written (each CSV atomic) and then ``meta.json``: status, error, summary, the
SHA-256 of the run's inputs and settings (:func:`gridplan.batch.runs.run_hash`) and how often
it was solved. :func:`load_finished` reuses a folder only when that hash matches and the run
was optimal, so failed runs are always re-run.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ..io import atomic_text, write_csv_frames
from .runs import SMALL_FRAMES, Job, plain

META = "meta.json"
META_FORMAT = 1
TEXT_COLUMNS = ["id", "kind", "scope", "hedge", "sense", "unit", "dual_unit", "row_unit", "source_file", "quote",
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
        "status": rec.get("status"), "ok": bool(rec.get("ok")), "error": rec.get("error"),
        "warning": rec.get("warning"), "summary": rec.get("summary", {}), "wall_s": rec.get("wall_s"),
        "host": rec.get("host"),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "solve_count": int((previous or {}).get("solve_count", 0)) + 1,
    }


def load_finished(folder: Path, key: str) -> dict | None:
    """The record of a finished run from its folder, if its hash matches and it was optimal."""
    meta = read_meta(folder)
    if not meta or meta.get("sha256") != key or not meta.get("ok"):
        return None
    rec = {k: meta.get(k) for k in ("file", "status", "ok", "error", "warning", "case_name", "year", "buses",
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


def start_folder(job: Job) -> None:
    """Make the folder hold this run's results only; keep the solve count, drop the promise
    that the folder is complete."""
    job.folder.mkdir(parents=True, exist_ok=True)
    _clear_results(job.folder)
    if (job.folder / META).exists():
        prev = read_meta(job.folder) or {}
        atomic_text(job.folder / META, json.dumps({"name": job.name, "status": "running", "ok": False,
                                                   "solve_count": prev.get("solve_count", 0)}) + "\n")


def finish_folder(job: Job, rec: dict) -> None:
    """Write a finished run: its frames (taken out of ``rec``) when it was optimal, then ``meta.json``."""
    frames = rec.pop("frames", None)
    if rec.get("ok") and frames:
        write_csv_frames(job.folder, frames)
    elif not rec.get("ok"):
        _clear_results(job.folder)     # anything half-written by a failed run
    atomic_text(job.folder / META, json.dumps(meta_of(rec, job, read_meta(job.folder)), indent=2,
                                              default=plain, ensure_ascii=False) + "\n")
