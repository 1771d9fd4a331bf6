"""Batch runs: :func:`compare` many cases, :func:`sweep` the scenarios of one.

* ``driver``: :func:`compare` and :func:`sweep`, the entry points;
* ``settings``: the time policy and settings every run shares (:func:`time_policy`);
* ``runs``: a run (case + overrides), a job, its hash, the worker that solves it;
* ``scenarios``: the runs of a sweep (:func:`sweep_runs`);
* ``executors``: process pool, Dask cluster, inline or warm (one HiGHS instance);
* ``folders``: each run's output folder and what ``resume`` reads back;
* ``comparison``: the :class:`Comparison` tables, Markdown and output folder.
"""
from .comparison import Comparison
from .driver import compare, sweep
from .runs import Run, run_case, run_hash
from .scenarios import sweep_runs
from .settings import BATCH_DEFAULT, DEFAULT_RESOLUTION, time_policy

__all__ = ["BATCH_DEFAULT", "Comparison", "DEFAULT_RESOLUTION", "Run", "compare", "run_case", "run_hash",
           "sweep", "sweep_runs", "time_policy"]
