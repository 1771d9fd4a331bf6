"""Where runs execute: a process pool, a Dask cluster, or this process.

Every executor takes the jobs still to solve and yields ``(job, record)`` as each finishes
(in any order); a worker that dies becomes a failed record, never an exception.
"""
from __future__ import annotations

import contextlib
import signal
import threading
import uuid
from typing import Iterator

from .runs import Job, failed_record, one_line, run_case


def _mp_context():
    import multiprocessing as mp
    try:
        ctx = mp.get_context("forkserver")
        # workers fork from a server that has already imported gridplan (~1.5 s saved per worker)
        ctx.set_forkserver_preload(["gridplan.batch.runs", "gridplan.solve"])
        return ctx
    except ValueError:  # pragma: no cover - no forkserver on this platform
        return mp.get_context("spawn")


def run_inline(jobs: list[Job]) -> Iterator[tuple[Job, dict]]:
    for job in jobs:
        yield job, run_case(**job.kwargs(write_here=True))


def run_warm(jobs: list[Job]) -> Iterator[tuple[Job, dict]]:
    """One after another in this process, on one HiGHS instance (:class:`gridplan.Resolver`):
    a scenario that changes only costs, bounds or coefficients starts from the last basis."""
    from ..solve import Resolver
    resolver = Resolver(**(jobs[0].settings["options"] if jobs else {}))   # its own default: dual simplex
    for job in jobs:
        yield job, run_case(**job.kwargs(write_here=True), resolver=resolver)


@contextlib.contextmanager
def sigterm_as_exit():
    """While the batch runs, SIGTERM ends this process through ``SystemExit(143)`` instead of
    at once, so the ``finally`` blocks run: workers are ended, staging folders removed. (Only
    from the main thread, where Python delivers signals.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise SystemExit(128 + signum)
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stop_pool(pool, kill: bool) -> None:
    """Shut the pool down; ``kill`` (interrupted): cancel the queued runs and end the running
    workers now rather than waiting for them (SIGTERM, then SIGKILL after 5 s)."""
    processes = list((pool._processes or {}).values())   # shutdown() forgets them
    pool.shutdown(wait=not kill, cancel_futures=True)
    if not kill:
        return
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(5)
        if p.is_alive():
            p.kill()
            p.join(1)


def watch_batch(pid: int, every_s: float = 1.0) -> None:
    """Worker initializer: end this worker when the batch process ``pid`` is gone (killed with
    SIGKILL, or by a SIGTERM that came while the pool was still starting its workers, so the
    pool never learnt their pids). A daemon thread checks once a second."""
    import os
    import time

    def watch():
        while True:
            time.sleep(every_s)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:   # pragma: no cover - pid reused by another user's process
                os._exit(1)
    threading.Thread(target=watch, daemon=True, name="gridplan-watch-batch").start()


def run_process(jobs: list[Job], workers: int) -> Iterator[tuple[Job, dict]]:
    """Runs in a process pool. Ctrl-C, SIGTERM or a caller that stops reading: queued runs are
    cancelled and running workers ended (the runs already yielded stay finished)."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    import os
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context(), initializer=watch_batch,
                               initargs=(os.getpid(),))
    finished = False
    with sigterm_as_exit():
        try:
            futures = {pool.submit(run_case, **job.kwargs(write_here=True)): job for job in jobs}
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    rec = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. BrokenProcessPool when a worker dies
                    rec = failed_record(job, f"worker process failed: {one_line(exc)}")
                yield job, rec
            finished = True
        finally:
            stop_pool(pool, kill=not finished)


def run_dask(jobs: list[Job], workers: int, scheduler) -> Iterator[tuple[Job, dict]]:
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
    futures = {}
    try:
        tag = uuid.uuid4().hex[:8]
        # results are written by this process (the workers may not share its disk)
        for job in jobs:
            fut = client.submit(run_case, **job.kwargs(write_here=False), key=f"gridplan-{job.name}-{tag}",
                                retries=0)
            futures[fut.key] = (fut, job)
        for fut in as_completed([f for f, _ in futures.values()]):
            job = futures[fut.key][1]
            try:
                rec = fut.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker, lost connection...
                rec = failed_record(job, f"dask task failed: {one_line(exc)}")
            fut.release()
            yield job, rec
    finally:   # interrupted: the queued and running tasks are cancelled (no-op for finished ones)
        unfinished = [f for f, _ in futures.values() if not f.done()]
        if unfinished:
            client.cancel(unfinished)
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()


EXECUTORS = ("process", "dask", "inline", "warm")


def execute(jobs: list[Job], executor: str, workers: int, scheduler=None) -> Iterator[tuple[Job, dict]]:
    """Finished ``(job, record)`` pairs from ``executor``, one of :data:`EXECUTORS`."""
    if executor == "inline":
        return run_inline(jobs)
    if executor == "warm":
        return run_warm(jobs)
    if executor == "dask":
        return run_dask(jobs, workers, scheduler)
    return run_process(jobs, workers)
