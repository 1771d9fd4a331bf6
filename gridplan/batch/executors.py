"""Where runs execute: a process pool, a Dask cluster, or this process.

Every executor takes the jobs still to solve and yields ``(job, record)`` as each finishes
(in any order); a worker that dies while solving becomes a failed record, never an exception.
A process pool whose workers cannot start at all is one :class:`GridplanError` line. The
process pool works from a plain script without ``if __name__ == "__main__":``: its workers
start with ``__main__`` hidden, so they do not run the script again (:func:`main_hidden`).
"""
from __future__ import annotations

import contextlib
import signal
import threading
import uuid
from typing import Iterator

from ..errors import GridplanError
from .processes import main_hidden, mp_context as _mp_context
from .runs import Job, failed_record, one_line, run_case


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


def refers_to_main(obj) -> bool:
    """Whether pickling ``obj`` refers to something defined in ``__main__`` (a class or function
    of the caller's script): a worker can unpickle that only by running the script again."""
    import io
    import pickle

    found = False

    class Scan(pickle.Pickler):
        def reducer_override(self, o):
            nonlocal found
            if getattr(type(o), "__module__", None) == "__main__" or (
                    isinstance(o, type) or callable(o)) and getattr(o, "__module__", None) == "__main__":
                found = True
            return NotImplemented
    try:
        Scan(io.BytesIO(), protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    except Exception:  # noqa: BLE001 - unpicklable: the pool reports it as that run's error
        pass
    return found


def not_started_error(exc: BaseException) -> GridplanError:
    """The one line for a pool whose workers ended before any of them was ready to run a case."""
    return GridplanError(
        f"compare: the worker processes ended before running any case ({one_line(exc, limit=200).rstrip('.')}; "
        "their own errors are printed above); in a script, put the compare call under "
        "`if __name__ == \"__main__\":` (a worker runs the script again when compare is given "
        "objects the script defines), or pass executor=\"inline\" to solve in this process")


def watch_batch(pid: int, started=None, every_s: float = 1.0) -> None:
    """Worker initializer: end this worker when the batch process ``pid`` is gone (killed with
    SIGKILL, or by a SIGTERM that came while the pool was still starting its workers, so the
    pool never learnt their pids). A daemon thread checks once a second. ``started`` (an
    event) is set once the worker is ready, so the batch can tell a pool that never started
    from one whose worker died while solving."""
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
    if started is not None:
        started.set()


def run_process(jobs: list[Job], workers: int) -> Iterator[tuple[Job, dict]]:
    """Runs in a process pool. Ctrl-C, SIGTERM or a caller that stops reading: queued runs are
    cancelled and running workers ended (the runs already yielded stay finished).

    Every job is submitted at once, inside :func:`main_hidden` unless a job's arguments refer to
    the caller's ``__main__``: ProcessPoolExecutor starts its workers in ``submit`` only (one
    per call until ``workers``), so no worker starts later with ``__main__`` visible. A pool
    that cannot start its workers raises one :class:`GridplanError` line; a worker that dies
    while solving (killed, out of memory) fails the runs it takes down with it."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool
    import multiprocessing
    import os
    # the check multiprocessing makes before it starts a process (spawn._check_not_importing_main),
    # made before the pool's queues exist, which a worker ending this way would leak
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise GridplanError("compare: called while a worker process starts, from the caller's script run again "
                            "in the worker; put the compare call under `if __name__ == \"__main__\":`")
    ctx = _mp_context()
    started = ctx.Event()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=watch_batch,
                               initargs=(os.getpid(), started))
    finished = False
    with sigterm_as_exit():
        try:
            futures = _submit_all(pool, jobs)
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    rec = fut.result()
                except BrokenProcessPool as exc:
                    if not started.is_set():
                        raise not_started_error(exc) from None
                    rec = failed_record(job, f"worker process failed: {one_line(exc)}")
                except Exception as exc:  # noqa: BLE001 - e.g. an argument that cannot be pickled
                    rec = failed_record(job, f"worker process failed: {one_line(exc)}")
                yield job, rec
            finished = True
        finally:
            stop_pool(pool, kill=not finished)


def _submit_all(pool, jobs: list[Job]) -> dict:
    """Every job submitted (its worker started with it); a pool that cannot start is one line."""
    from concurrent.futures.process import BrokenProcessPool
    calls = [job.kwargs(write_here=True) for job in jobs]
    hide = main_hidden() if not refers_to_main(calls) else contextlib.nullcontext()
    try:
        with hide:
            return {pool.submit(run_case, **kw): job for kw, job in zip(calls, jobs)}
    except BrokenProcessPool as exc:   # the first workers died before the last submit
        raise not_started_error(exc) from None
    except (OSError, RuntimeError, AssertionError, EOFError) as exc:   # e.g. inside a daemonic process
        raise GridplanError(f"compare: could not start worker processes ({one_line(exc, limit=200)}); "
                            "pass executor=\"inline\" to solve in this process") from exc


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
