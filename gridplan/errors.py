"""Errors a user can act on.

Every error that comes from bad input is a :class:`CaseError`: it names the file,
the field path, the bad value and what was expected, and prints as one line.
The CLI catches these and exits non-zero without a traceback.
"""
from __future__ import annotations

import reprlib

VALUE_CHARS = 80
"""Longest value an error line shows."""


class Described(str):
    """A value told in words instead of shown (``got an empty file``): printed without quotes."""

    def __repr__(self) -> str:
        return str(self)


class _BoundedRepr(reprlib.Repr):
    """reprlib's repr, which looks at a few items per level and a few levels only, so that a
    value of a billion elements (a YAML alias bomb) is never expanded just to be shown; huge
    integers are described by their size (``repr`` of one would itself take long, or refuse)."""

    def __init__(self):
        super().__init__()
        self.maxlevel, self.maxdict, self.maxlist, self.maxtuple, self.maxset = 2, 4, 6, 6, 6
        self.maxstring = self.maxother = self.maxlong = VALUE_CHARS

    def repr_int(self, x, level):
        if x.bit_length() > 256:
            return f"<an integer of about {int(x.bit_length() * 0.30103) + 1} digits>"
        return repr(x)

    def repr_str(self, x, level):
        return repr(x[:VALUE_CHARS + 1])


_REPR = _BoundedRepr()


def shown(value, limit: int = VALUE_CHARS) -> str:
    """``value`` as an error line shows it: a bounded repr on one line (newlines and other control
    characters escaped, as repr does), at most ``limit`` characters."""
    if isinstance(value, Described):
        v = " ".join(str(value).split())
    else:
        try:
            v = _REPR.repr(value)
        except Exception:  # noqa: BLE001 - a value whose own repr fails is still an error to report
            v = f"<{type(value).__name__}>"
        v = "".join(c if c.isprintable() else repr(c)[1:-1] for c in v)
    return v if len(v) <= limit else v[:limit - 3] + "..."


class GridplanError(Exception):
    """Base class for errors the CLI reports as one line (no traceback)."""


class CaseError(GridplanError):
    """Bad input in a case file or one of its CSVs."""

    def __init__(self, file, field: str, value, expected: str):
        self.file = str(file)
        self.field = field
        self.value = value
        self.expected = expected
        v = shown(value)
        super().__init__(f"{self.file}: {field}: got {v}; expected {expected}")


class CaseProblems(CaseError):
    """Every problem found in a case at once (GridPath's and PyPSA's validators list them all).

    ``problems`` holds one :class:`CaseError` per problem; ``str()`` is one line per problem,
    so a lone problem prints exactly as that CaseError would. ``file``, ``field``, ``value``
    and ``expected`` are those of the first problem.
    """

    def __init__(self, problems):
        self.problems = tuple(p for e in problems for p in getattr(e, "problems", (e,)))
        if not self.problems:
            raise ValueError("CaseProblems needs at least one problem")
        first = self.problems[0]
        super().__init__(first.file, first.field, first.value, first.expected)
        self.args = ("\n".join(str(p) for p in self.problems),)


class SolveError(GridplanError):
    """The solver did not reach an optimal solution."""

    def __init__(self, status: str, message: str):
        self.status = status
        super().__init__(message)


class TargetsInfeasible(SolveError):
    """The hard targets cannot all be met: the plain LP is infeasible, and an elastic re-solve
    (every target with a priced shortfall) says which targets fall short and by how much.

    ``results`` is that elastic :class:`gridplan.Results`; ``diagnosis`` its text, one line
    per unmet target (:func:`gridplan.report.diagnosis`).
    """

    def __init__(self, status: str, message: str, results, diagnosis: str):
        self.results = results
        self.diagnosis = diagnosis
        super().__init__(status, message)


class NumericalFailure(SolveError):
    """HiGHS ended in an error status (not infeasible, unbounded or stopped by a limit),
    also after the dual-simplex fallback: a numerical failure, not a property of the plan."""


# --------------------------------------------------------------------------- solver statuses

STATUS_KINDS = {
    "Optimal": "optimal",
    "Infeasible": "infeasible", "Primal infeasible or unbounded": "infeasible",
    "Unbounded": "unbounded",
    "Time limit reached": "limit", "Iteration limit reached": "limit", "Bound on objective reached": "limit",
    "Target for objective reached": "limit", "Solution limit reached": "limit",
    "Memory limit reached": "limit", "Interrupted by user": "limit", "Interrupted by HiGHS": "limit",
    "Load error": "refused", "Model error": "refused", "Empty": "refused",
    "Not Set": "error", "Presolve error": "error", "Solve error": "error", "Postsolve error": "error",
    "Unknown": "error",
}
"""HiGHS model status → what it says: ``optimal``; ``infeasible`` / ``unbounded`` (the model);
``limit`` (a limit the user set, or an interrupt); ``refused`` (HiGHS did not accept the LP);
``error`` (the algorithm failed numerically: the only kind re-run with :data:`gridplan.solve.FALLBACK`)."""


def status_kind(status: str) -> str:
    """The kind of a HiGHS model status (:data:`STATUS_KINDS`); a status HiGHS adds later
    counts as an ``error``, so it is re-run rather than passed on."""
    return STATUS_KINDS.get(status, "error")
