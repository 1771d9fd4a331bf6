"""Errors a user can act on.

Every error that comes from bad input is a :class:`CaseError`: it names the file,
the field path, the bad value and what was expected, and prints as one line.
The CLI catches these and exits non-zero without a traceback.
"""
from __future__ import annotations


class GridplanError(Exception):
    """Base class for errors the CLI reports as one line (no traceback)."""


class CaseError(GridplanError):
    """Bad input in a case file or one of its CSVs."""

    def __init__(self, file, field: str, value, expected: str):
        self.file = str(file)
        self.field = field
        self.value = value
        self.expected = expected
        v = repr(value)
        if len(v) > 80:
            v = v[:77] + "..."
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
