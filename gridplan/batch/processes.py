"""Worker processes: how gridplan starts them (never by fork) without re-running the caller's script.

Shared by the batch executors (:mod:`gridplan.batch.executors`) and the certified dispatch's window
pool (:mod:`gridplan.batch.certify`).
"""
from __future__ import annotations

import contextlib
import sys
import threading


def mp_context():
    """Forkserver (else spawn), never fork: forking a process that already runs threads (the
    caller's, BLAS pools, the pool's own manager thread) can deadlock the child. Both re-import
    the caller's ``__main__`` in every worker unless it is hidden while they start, see
    :func:`main_hidden`."""
    import multiprocessing as mp
    try:
        ctx = mp.get_context("forkserver")
        # workers fork from a server that has already imported gridplan (~1.5 s saved per worker)
        ctx.set_forkserver_preload(["gridplan.batch.runs", "gridplan.solve"])
        return ctx
    except ValueError:  # pragma: no cover - no forkserver on this platform
        return mp.get_context("spawn")


_MAIN_LOCK = threading.RLock()


@contextlib.contextmanager
def main_hidden():
    """While worker processes start, ``__main__`` looks like an interactive session's (no
    ``__file__``, no ``__spec__``), so that multiprocessing does not re-run the caller's script in
    every worker: ``spawn.get_preparation_data`` (Python 3.11) sends ``init_main_from_name``
    (from ``__spec__.name``, ``python -m``) or ``init_main_from_path`` (from ``__file__``) only
    when they exist, and the child's ``prepare`` runs that module or file again as
    ``__mp_main__``; a script without ``if __name__ == "__main__":`` would call ``compare``
    again there. The workers need only gridplan's own importable functions. The attributes are
    restored at once; the lock keeps two batches of other threads from saving the hidden state."""
    with _MAIN_LOCK:
        main = sys.modules.get("__main__")
        saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main is not None and k in main.__dict__}
        try:
            if main is not None:
                main.__dict__.pop("__file__", None)
                if "__spec__" in saved:
                    main.__spec__ = None
            yield
        finally:
            if main is not None:
                main.__dict__.pop("__file__", None)
                main.__dict__.update(saved)
