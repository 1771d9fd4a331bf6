"""The settings every run of a batch shares: time policy, elastic mode, solver options.

Time policy (:func:`time_policy`, one rule for :func:`gridplan.compare` and the CLI):

* nothing said (:data:`BATCH_DEFAULT`): **3-hour snapshots** (:data:`DEFAULT_RESOLUTION`),
  which keeps a year-long multi-city case small enough to solve many of them;
* ``resolution=N``: N-hour snapshots; ``resolution=None``: every case's own ``time`` settings;
* ``typical_days=K`` (2 <= K <= 365): K typical days clustered from each case's own resolution
  (hourly for the shipped cases), never from the 3 h default; an explicit resolution in hours
  together with typical days is refused.

``certify=True`` (``gridplan compare --certify``): every run also brackets its case's hourly
optimum (:func:`gridplan.batch.certify.certify`); the key is in the settings only then, so the
settings (and hashes) of uncertified batches are what they were before the option existed.

The settings dict is part of each run's hash (:func:`gridplan.batch.runs.run_hash`), so
``--resume`` re-solves a run whose settings changed (a certified and an uncertified run never
reuse each other's records).
"""
from __future__ import annotations

from ..case.typical_days import require_k
from ..errors import GridplanError

DEFAULT_RESOLUTION = 3
"""Hours per snapshot of batch runs unless told otherwise."""
BATCH_DEFAULT = "default"
"""``resolution`` when the caller said nothing: 3 h, or the cases' own with typical days."""


def time_policy(resolution=BATCH_DEFAULT, typical_days: int | None = None, *,
                names: tuple[str, str] = ("resolution", "typical_days")) -> tuple[int | None, int | None]:
    """``(resolution, typical_days)`` for every run of a batch (see the module docstring).

    ``names`` spell the two settings in error messages (the CLI passes its flags).
    """
    explicit_hours = resolution is not None and resolution != BATCH_DEFAULT
    if explicit_hours and typical_days is not None:
        raise GridplanError(f"give either {names[0]} or {names[1]}, not both")
    if typical_days is not None:
        return None, require_k(typical_days, names[1])
    return (DEFAULT_RESOLUTION if resolution == BATCH_DEFAULT else resolution), None


def run_settings(resolution, typical_days: int | None, elastic: bool, options: dict | None,
                 certify: bool = False) -> dict:
    """The settings of every run: time policy, elastic mode, :class:`gridplan.SolveOptions`
    fields (``threads=1`` unless given: the runs already go in parallel) and, when asked,
    ``certify: True`` (see the module docstring)."""
    from ..solve import SolveOptions
    resolution, typical_days = time_policy(resolution, typical_days)
    SolveOptions(**{"threads": 1, **(options or {})})   # a bad option is refused once, before any run
    if not isinstance(certify, bool):
        raise GridplanError(f"certify: got {certify!r}; expected True or False")
    if certify and elastic:
        raise GridplanError("--certify: not available with --elastic (the certificate brackets the case as it "
                            "is, hard targets hard; an elastic cost beside it would compare two problems)")
    settings = {"resolution": resolution, "typical_days": typical_days, "elastic": bool(elastic),
                "options": {"threads": 1, **(options or {})}}
    if certify:
        settings["certify"] = True
    return settings
