"""Where runs execute: a process pool, a Dask cluster, or this process."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from .runs import Run, _one_line, run_case


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


def _run_warm(jobs: list[_Job]) -> Iterator[tuple[_Job, dict]]:
    """One after another in this process, on one HiGHS instance (:class:`gridplan.Resolver`):
    a scenario that changes only costs, bounds or coefficients starts from the last basis."""
    from ..solve import Resolver
    resolver = Resolver(**(jobs[0].settings["options"] if jobs else {}))   # its own default: dual simplex
    for job in jobs:
        yield job, run_case(**job.kwargs(write_here=True), resolver=resolver)


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
        from ..errors import GridplanError
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

