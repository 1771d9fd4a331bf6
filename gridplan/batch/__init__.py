"""Batch runs behind :func:`gridplan.compare` and :func:`gridplan.sweep`.

* ``runs``: a run (case + overrides), its hash, the worker that solves it, its output folder;
* ``executors``: process pool, Dask cluster or inline;
* ``comparison``: the :class:`Comparison` tables, Markdown and output folder.
"""
