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

import hashlib
import itertools
import json
import os
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence, Union

import pandas as pd

from .io import atomic_text, write_csv_frames, write_excel_sheets

DEFAULT_RESOLUTION = 3
"""Hours per snapshot used by compare/sweep unless told otherwise."""
META = "meta.json"
META_FORMAT = 1
SMALL_FRAMES = ("capacities", "targets", "costs")
"""Frames each run sends back (and reloads from its folder on --resume)."""

TARGET_COLUMNS = ["id", "kind", "scope", "hedge", "sense", "value", "required", "achieved", "unit", "met",
                  "slack", "shortfall", "binding", "dual", "dual_unit", "cost_per_pp", "penalty_cny",
                  "source_file", "source_line", "quote"]
SUMMARY_FIELDS = ["total_cost_cny", "demand_mwh", "cost_per_mwh_cny", "non_fossil_electricity_share",
                  "emissions_t", "curtailed_mwh", "shed_mwh"]
FACT_FIELDS = ["solve_s", "prepare_s", "build_s", "handoff_s", "rows", "cols", "nonzeros", "iterations"]
_TEXT_COLUMNS = ["id", "kind", "scope", "hedge", "sense", "unit", "dual_unit", "row_unit", "source_file", "quote",
                 "component", "name", "bus", "technology", "term"]


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


def _safe(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_.\-=]+", "_", str(name)).strip("._")
    return s or "case"


def _default_name(run: Run, i: int) -> str:
    if run.name:
        return _safe(run.name)
    if isinstance(run.case, dict):
        return _safe(run.case.get("name") or f"case{i + 1}")
    return _safe(Path(run.case).stem)


def _as_runs(cases) -> list[Run]:
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


def _unique_names(runs: Sequence[Run]) -> list[str]:
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


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _referenced_files(data: Any, base: Path) -> list[Path]:
    """Existing files named by the case: catalogue, fuels and every profile ``file``."""
    found: list[Path] = []

    def walk(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("file", "catalogue", "fuels"):
            p = (base / node)
            if p.is_file():
                found.append(p.resolve())

    walk(data)
    return sorted(set(found))


def run_hash(run: Run, settings: dict, cache: dict | None = None) -> dict:
    """SHA-256 of everything a run's result depends on (inputs and settings).

    Returns ``{"sha256": run key, "case_sha256": of the YAML (or dict), "files": {path: sha256}}``.
    """
    import yaml

    from .overrides import apply_overrides

    cache = {} if cache is None else cache
    h = hashlib.sha256()
    h.update(json.dumps({"overrides": run.overrides, "settings": settings}, sort_keys=True,
                        default=str).encode())
    files: dict[str, str] = {}
    if isinstance(run.case, dict):
        case_sha = _sha(json.dumps(run.case, sort_keys=True, default=str).encode())
        data, base = run.case, Path.cwd()
    else:
        path = Path(run.case).resolve()
        try:
            raw = path.read_bytes()
        except OSError:
            raw = b"<missing>"
        case_sha = _sha(raw)
        base = path.parent
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError:
            data = None
    h.update(case_sha.encode())
    if isinstance(data, dict):
        try:
            data = apply_overrides(data, run.overrides, "<hash>") if run.overrides else data
        except Exception:  # noqa: BLE001 - the run itself will report a bad override
            pass
        for p in _referenced_files(data, base):
            if p not in cache:
                cache[p] = _sha(p.read_bytes())
            files[str(p)] = cache[p]
            h.update(str(p).encode() + cache[p].encode())
    return {"sha256": h.hexdigest(), "case_sha256": case_sha, "files": files}


# --------------------------------------------------------------------------- the worker


def _one_line(exc: BaseException, limit: int = 400) -> str:
    from .errors import GridplanError
    text = " ".join(str(exc).split())
    if not isinstance(exc, GridplanError) or not text:
        text = f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _plain(v):
    """numpy scalars → Python (for JSON)."""
    if hasattr(v, "item") and not isinstance(v, (list, dict, str)):
        try:
            return v.item()
        except Exception:  # noqa: BLE001
            return v
    return v


def run_case(case, overrides: dict | None = None, resolution: int | None = DEFAULT_RESOLUTION,
             typical_days: int | None = None, name: str | None = None, *, out_dir: str | None = None,
             elastic: bool = False, options: dict | None = None, return_frames: bool = False) -> dict:
    """Solve one case and return a small picklable record; never raises.

    ``case`` is a YAML path or a case dict (relative paths in a dict resolve from
    the working directory). With ``out_dir`` the full results are written there
    (``Results.to_csv``, each file atomic); with ``return_frames`` they come back
    under ``"frames"`` instead (for workers that do not share the client's disk).
    The record holds ``status`` (the solver status, or ``"error"`` when the case
    could not be loaded or built), ``ok``, a one-line ``error``, the summary,
    and the small frames ``capacities``, ``targets``, ``costs``.
    """
    t0 = time.perf_counter()
    rec: dict = {"name": name, "file": "<dict>" if isinstance(case, dict) else str(Path(case).resolve()),
                 "status": "error", "ok": False, "error": None, "case_name": None, "year": None,
                 "buses": None, "summary": {}, "host": _host(), "pid": os.getpid()}
    try:
        from .case.load import case_from_dict, load_case
        from .errors import SolveError
        from .solve import SolveOptions, solve

        if isinstance(case, dict):
            from .overrides import apply_overrides
            data = apply_overrides(case, overrides or {}, "<dict>")
            c = case_from_dict(data)
        else:
            c = load_case(case, overrides=overrides or None)
        rec.update(case_name=c.name, year=c.year, buses=",".join(b.name for b in c.buses))
        try:
            res = solve(c, resolution=resolution, typical_days=typical_days, elastic=elastic,
                        options=SolveOptions(**(options or {})))
        except SolveError as exc:
            rec.update(status=exc.status, error=_one_line(exc))
            return rec
        summary = {k: _plain(v) for k, v in res.summary().items()
                   if isinstance(_plain(v), (int, float, str, bool)) or v is None}
        rec.update(status=res.status, ok=bool(res.ok), summary=summary,
                   capacities=res.capacities, targets=res.targets, costs=res.costs)
        if out_dir or return_frames:
            frames, problems = _frames_of(res)
            if problems:
                rec["warning"] = "results not written: " + "; ".join(problems)
            if out_dir:
                if problems:
                    _write_frames(Path(out_dir), frames)
                else:
                    res.to_csv(out_dir)
            if return_frames:
                rec["frames"] = frames
    except Exception as exc:  # noqa: BLE001 - every failure becomes a record
        rec.update(status="error", ok=False, error=_one_line(exc))
    finally:
        rec["wall_s"] = time.perf_counter() - t0
    return rec


_FRAME_GETTERS = {
    "summary": lambda r: pd.DataFrame([r.summary()]), "capacities": lambda r: r.capacities,
    "costs": lambda r: r.costs, "targets": lambda r: r.targets, "energy": lambda r: r.energy.reset_index(),
    "emissions": lambda r: r.emissions, "curtailment": lambda r: r.curtailment.reset_index(),
    "shedding": lambda r: r.shedding.reset_index(), "prices": lambda r: r.prices.reset_index(),
    "dispatch": lambda r: r.dispatch, "storage_levels": lambda r: r.storage_levels, "flows": lambda r: r.flows,
}


def _frames_of(res) -> tuple[dict, list[str]]:
    """``res.frames()``; if one frame cannot be built, every other frame and a note per failure."""
    try:
        return res.frames(), []
    except Exception:  # noqa: BLE001 - keep the solved case; report the frame that failed
        pass
    frames, problems = {}, []
    for name, get in _FRAME_GETTERS.items():
        try:
            frames[name] = get(res)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{name}.csv ({_one_line(exc, 120)})")
    return frames, problems


def _host() -> str:
    try:
        return os.uname().nodename
    except AttributeError:  # pragma: no cover - Windows
        return os.environ.get("COMPUTERNAME", "")


# --------------------------------------------------------------------------- per-case folder


def _write_frames(folder: Path, frames: dict) -> None:
    """What ``Results.to_csv`` writes, from frames shipped back by a remote worker."""
    write_csv_frames(folder, frames)


def _read_meta(folder: Path) -> dict | None:
    try:
        return json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _meta_of(rec: dict, job: "_Job", previous: dict | None) -> dict:
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


def _load_finished(folder: Path, key: str) -> dict | None:
    """The record of a finished run from its folder, if its hash matches and it was optimal."""
    meta = _read_meta(folder)
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
        for c in df.columns.intersection(_TEXT_COLUMNS):  # CSV turns '' into NaN: restore empty text
            df[c] = df[c].astype(object).where(df[c].notna(), "")
        rec[name] = df
    rec["name"] = meta.get("name")
    rec["resumed"] = True
    return rec


# --------------------------------------------------------------------------- executors


@dataclass
class _Job:
    run: Run
    name: str
    settings: dict
    hash: dict
    folder: Optional[Path]

    def kwargs(self, write_here: bool) -> dict:
        s = self.settings
        case = self.run.case if isinstance(self.run.case, dict) else str(Path(self.run.case).resolve())
        return dict(case=case,
                    overrides=self.run.overrides, resolution=s["resolution"], typical_days=s["typical_days"],
                    name=self.name, elastic=s["elastic"], options=s["options"],
                    out_dir=str(self.folder) if (self.folder and write_here) else None,
                    return_frames=bool(self.folder) and not write_here)


def _failed_record(job: _Job, msg: str, status: str = "error") -> dict:
    return {"name": job.name, "file": "<dict>" if isinstance(job.run.case, dict) else str(job.run.case),
            "status": status, "ok": False, "error": msg, "summary": {}, "wall_s": None}


def _mp_context():
    import multiprocessing as mp
    try:
        ctx = mp.get_context("forkserver")
        # workers fork from a server that has already imported gridplan (~1.5 s saved per worker)
        ctx.set_forkserver_preload(["gridplan.compare", "gridplan.solve"])
        return ctx
    except ValueError:  # pragma: no cover - no forkserver on this platform
        return mp.get_context("spawn")


def _run_inline(jobs: list[_Job]) -> Iterator[tuple[_Job, dict]]:
    for job in jobs:
        yield job, run_case(**job.kwargs(write_here=True))


def _run_process(jobs: list[_Job], workers: int) -> Iterator[tuple[_Job, dict]]:
    from concurrent.futures import ProcessPoolExecutor, as_completed
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context())
    try:
        futures = {pool.submit(run_case, **job.kwargs(write_here=True)): job for job in jobs}
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                rec = fut.result()
            except Exception as exc:  # noqa: BLE001 - e.g. BrokenProcessPool when a worker dies
                rec = _failed_record(job, f"worker process failed: {_one_line(exc)}")
            yield job, rec
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_dask(jobs: list[_Job], workers: int, scheduler) -> Iterator[tuple[_Job, dict]]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - optional dependency
        from .errors import GridplanError
        raise GridplanError("executor='dask' needs dask[distributed] (pip install 'gridplan[dask]')") from exc
    own_client = own_cluster = None
    if isinstance(scheduler, Client):
        client = scheduler
    elif scheduler is None:
        own_cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
        client = own_client = Client(own_cluster)
    else:  # an address like tcp://host:8786, or a cluster object
        client = own_client = Client(scheduler)
    try:
        tag = uuid.uuid4().hex[:8]
        # results are written by this process (the workers may not share its disk)
        futures = {}
        for job in jobs:
            fut = client.submit(run_case, **job.kwargs(write_here=False), key=f"gridplan-{job.name}-{tag}",
                                retries=0)
            futures[fut.key] = (fut, job)
        for fut in as_completed([f for f, _ in futures.values()]):
            job = futures[fut.key][1]
            try:
                rec = fut.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker, lost connection...
                rec = _failed_record(job, f"dask task failed: {_one_line(exc)}")
            fut.release()
            yield job, rec
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()


# --------------------------------------------------------------------------- frames


def _marginal(row) -> tuple[float, str]:
    """The cost of tightening a target, in plain units.

    Share targets: CNY per year per percentage point (dual × row units per pp);
    others: the dual in its own unit (CNY/kW-yr, CNY/MWh, CNY/t, CNY/tce).
    """
    cpp = row.get("cost_per_pp")
    if row.get("unit") == "share" and cpp is not None and pd.notna(cpp):
        return float(cpp), "CNY/yr per pp"
    d = row.get("dual")
    return (float(d) if d is not None and pd.notna(d) else 0.0), str(row.get("dual_unit") or "")


def _cap_columns(cap: pd.DataFrame) -> dict:
    """Existing / built capacity by technology: existing_mw_<tech>, built_mw_<tech>, *_mwh_* for storage energy."""
    out: dict = {}
    if cap is None or cap.empty:
        return out
    for (tech, unit), g in cap.groupby(["technology", "unit"], sort=True):
        u = str(unit).lower()
        out[f"existing_{u}_{tech}"] = float(g["existing"].sum())
        out[f"built_{u}_{tech}"] = float(g["built"].sum())
    return out


class Comparison:
    """The result of a batch: one record per run, and the comparison tables built from them."""

    def __init__(self, records: list[dict], scenario_columns: Sequence[str] = (), settings: dict | None = None):
        self.records = records
        self.scenario_columns = list(scenario_columns)
        self.settings = settings or {}

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        ok = sum(bool(r.get("ok")) for r in self.records)
        return f"<Comparison: {len(self.records)} runs, {ok} optimal, {len(self.records) - ok} failed>"

    def _scenario(self, rec) -> dict:
        sc = rec.get("scenario") or {}
        return {c: sc.get(c) for c in self.scenario_columns}

    @property
    def table(self) -> pd.DataFrame:
        """One row per run (see the module docstring for the columns)."""
        rows = []
        for rec in self.records:
            s = rec.get("summary") or {}
            tg = rec.get("targets")
            tg = tg if isinstance(tg, pd.DataFrame) else pd.DataFrame()
            row = {"case": rec.get("name"), **self._scenario(rec), "case_name": rec.get("case_name"),
                   "buses": rec.get("buses"), "year": rec.get("year"), "status": rec.get("status"),
                   "ok": bool(rec.get("ok")), "error": rec.get("error") or "", "warning": rec.get("warning") or ""}
            for k in SUMMARY_FIELDS:
                row[k] = s.get(k)
            ok = bool(rec.get("ok"))
            if ok and len(tg):
                binding = tg["binding"].astype(bool)
                met = tg["met"].astype(bool)
                row.update(targets=len(tg), targets_binding=int(binding.sum()), targets_missed=int((~met).sum()),
                           binding_targets=" ".join(tg.loc[binding, "id"].astype(str)),
                           missed_targets=" ".join(tg.loc[~met, "id"].astype(str)))
            else:
                row.update(targets=len(tg) if ok else None, targets_binding=0 if ok else None,
                           targets_missed=0 if ok else None, binding_targets="", missed_targets="")
            row.update(_cap_columns(rec.get("capacities") if ok else None))
            for k in FACT_FIELDS:
                row[k] = s.get(k)
            row["wall_s"] = rec.get("wall_s")
            row["resumed"] = bool(rec.get("resumed", False))
            rows.append(row)
        df = pd.DataFrame(rows)
        if df.empty:
            return df
        caps = sorted([c for c in df.columns if c.startswith(("existing_", "built_"))],
                      key=lambda c: (c.split("_", 2)[2], c.split("_", 2)[1], c.startswith("built")))
        if caps:  # a technology absent from a solved case has 0 MW there; failed cases stay blank
            df[caps] = df[caps].astype(float)
            df.loc[df["ok"], caps] = df.loc[df["ok"], caps].fillna(0.0)
        for c in ("year", "targets", "targets_binding", "targets_missed", "rows", "cols", "nonzeros", "iterations"):
            if c in df.columns:
                df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
        head = [c for c in df.columns if not c.startswith(("existing_", "built_")) and c not in FACT_FIELDS
                and c not in ("wall_s", "resumed")]
        return df[head + caps + [c for c in FACT_FIELDS + ["wall_s", "resumed"] if c in df.columns]]

    @property
    def targets(self) -> pd.DataFrame:
        """One row per run × target, with ``marginal_cost`` in plain units (see :func:`_marginal`)."""
        parts = []
        for rec in self.records:
            tg = rec.get("targets")
            if not rec.get("ok") or not isinstance(tg, pd.DataFrame) or tg.empty:
                continue
            t = tg[[c for c in TARGET_COLUMNS if c in tg.columns]].copy()
            mc = [_marginal(r) for r in t.to_dict("records")]
            t["marginal_cost"] = [m[0] for m in mc]
            t["marginal_cost_unit"] = [m[1] for m in mc]
            for i, (k, v) in enumerate({"case": rec.get("name"), **self._scenario(rec)}.items()):
                t.insert(i, k, v)
            parts.append(t)
        if not parts:
            return pd.DataFrame(columns=["case", *self.scenario_columns, *TARGET_COLUMNS,
                                         "marginal_cost", "marginal_cost_unit"])
        return pd.concat(parts, ignore_index=True)

    @property
    def capacities(self) -> pd.DataFrame:
        """One row per run × component × technology (summed over buses): existing, built, total."""
        parts = []
        for rec in self.records:
            cap = rec.get("capacities")
            if not rec.get("ok") or not isinstance(cap, pd.DataFrame) or cap.empty:
                continue
            g = cap.groupby(["component", "technology", "unit"], sort=False, as_index=False)[
                ["existing", "built", "total"]].sum()
            for i, (k, v) in enumerate({"case": rec.get("name"), **self._scenario(rec)}.items()):
                g.insert(i, k, v)
            parts.append(g)
        if not parts:
            return pd.DataFrame(columns=["case", *self.scenario_columns, "component", "technology", "unit",
                                         "existing", "built", "total"])
        return pd.concat(parts, ignore_index=True)

    @property
    def costs(self) -> pd.DataFrame:
        """One row per run × cost term (CNY per year)."""
        parts = []
        for rec in self.records:
            c = rec.get("costs")
            if not rec.get("ok") or not isinstance(c, pd.DataFrame) or c.empty:
                continue
            c = c.copy()
            for i, (k, v) in enumerate({"case": rec.get("name"), **self._scenario(rec)}.items()):
                c.insert(i, k, v)
            parts.append(c)
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["case", *self.scenario_columns, "term", "kind", "cny"])

    @property
    def failed(self) -> pd.DataFrame:
        t = self.table
        return t[~t["ok"]] if len(t) else t

    # ------------------------------------------------------------------ text
    def summary_frame(self) -> pd.DataFrame:
        """The headline columns, formatted for people (Markdown, HTML, terminal)."""
        t = self.table
        rows = []
        for _, r in t.iterrows():
            ok = bool(r["ok"])

            def num(v, f):
                return f(v) if ok and v is not None and pd.notna(v) else ""
            row = {"case": r["case"]}
            for c in self.scenario_columns:
                row[c.split(".")[-1] if sum(x.split(".")[-1] == c.split(".")[-1] for x in self.scenario_columns) == 1
                    else c] = r[c]
            row.update({
                "status": r["status"],
                "cost (亿 CNY/yr)": num(r["total_cost_cny"], lambda v: f"{v / 1e8:,.3f}"),
                "CNY/MWh": num(r["cost_per_mwh_cny"], lambda v: f"{v:,.1f}"),
                "non-fossil share": num(r["non_fossil_electricity_share"], lambda v: f"{100 * v:.1f}%"),
                "CO2 (Mt)": num(r["emissions_t"], lambda v: f"{v / 1e6:,.3f}"),
                "curtailed (GWh)": num(r["curtailed_mwh"], lambda v: f"{v / 1e3:,.1f}"),
                "shed (MWh)": num(r["shed_mwh"], lambda v: f"{v:,.1f}"),
                "binding": r["binding_targets"] or ("—" if ok else ""),
                "missed": r["missed_targets"] or ("—" if ok else ""),
                "solve s": num(r["solve_s"], lambda v: f"{v:.1f}"),
            })
            if not ok or r.get("warning"):
                row["error"] = r["error"] if not ok else f"warning: {r['warning']}"
            rows.append(row)
        df = pd.DataFrame(rows)
        if "error" in df.columns:
            df["error"] = df["error"].fillna("")
        return df

    def markdown(self) -> str:
        """A short Markdown summary: headline table, then failed runs and warnings as lists."""
        s = self.settings
        res = s.get("resolution")
        how = (f"{s['typical_days']} typical days" if s.get("typical_days") else
               f"{res} h snapshots" if res else "each case's own time settings")
        ok = sum(bool(r.get("ok")) for r in self.records)
        lines = [f"**{len(self.records)} runs, {ok} optimal, {len(self.records) - ok} failed** ({how})", ""]
        sf = self.summary_frame()
        keep = [c for c in sf.columns if c not in ("error", "CO2 (Mt)", "curtailed (GWh)", "shed (MWh)", "solve s")]
        lines.append(_md_table(sf[keep]) if len(sf) else "(no runs)")
        t = self.table
        failed = t[~t["ok"]] if len(t) else t
        if len(failed):
            lines += ["", "Failed runs:", ""]
            lines += [f"- `{r['case']}` ({r['status']}): {r['error']}" for _, r in failed.iterrows()]
        warned = t[t["ok"] & (t["warning"] != "")] if len(t) else t
        if len(warned):
            lines += ["", "Warnings:", ""]
            lines += [f"- `{r['case']}`: {r['warning']}" for _, r in warned.iterrows()]
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ files
    def to_folder(self, path) -> Path:
        """Write comparison.csv, targets.csv, capacities.csv, costs.csv, comparison.xlsx,
        summary.md, capacity_mix.png, target_costs.png and index.html (each atomically)."""
        from . import plots

        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        frames = {"comparison": self.table, "targets": self.targets, "capacities": self.capacities,
                  "costs": self.costs}
        write_csv_frames(folder, frames)

        write_excel_sheets(folder / "comparison.xlsx", frames)
        md = self.markdown()
        atomic_text(folder / "summary.md", md)
        cap_png = folder / "capacity_mix.png"
        tgt_png = folder / "target_costs.png"
        plots.capacity_mix(self.capacities, self.table, cap_png)
        plots.target_costs(self.targets, self.table, tgt_png)
        from .plots import index_html
        atomic_text(folder / "index.html", index_html(self, {"capacity_mix": cap_png, "target_costs": tgt_png}))
        return folder


def _md_cell(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    return str(v).replace("|", "\\|").replace("\n", " ")


def _md_table(df: pd.DataFrame) -> str:
    if df.empty:
        return "(no runs)"
    cols = list(df.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for _, r in df.iterrows():
        out.append("| " + " | ".join(_md_cell(r[c]) for c in cols) + " |")
    return "\n".join(out)


# --------------------------------------------------------------------------- entry points


def compare(cases, *, workers: int | None = None, resolution: int | None = DEFAULT_RESOLUTION,
            typical_days: int | None = None, out=None, executor: str = "process", scheduler=None,
            resume: bool = False, elastic: bool = False, options: dict | None = None,
            progress: Callable[[dict, int, int], None] | None = None,
            scenario_columns: Sequence[str] | None = None) -> Comparison:
    """Solve every case and return a :class:`Comparison` (written to ``out`` if given).

    ``cases``: paths, case dicts or :class:`Run` objects. ``executor``:
    ``"process"`` (default), ``"dask"`` (``scheduler``: address, ``Client``,
    cluster, or None for a local cluster of ``workers`` processes) or
    ``"inline"``. ``resolution`` defaults to 3 h (``None``: the cases' own
    settings). ``options``: :class:`gridplan.SolveOptions` fields for every run
    (default ``threads=1``, since runs already go in parallel). ``progress`` is
    called as ``progress(record, done, total)`` after every run.
    """
    from .errors import GridplanError

    runs = _as_runs(cases)
    if not runs:
        raise GridplanError("compare: no cases given")
    if executor not in ("process", "dask", "inline"):
        raise GridplanError(f"executor: got {executor!r}; expected 'process', 'dask' or 'inline'")
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
                _write_frames(job.folder, frames)
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
