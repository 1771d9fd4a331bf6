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


class SolveError(GridplanError):
    """The solver did not reach an optimal solution."""

    def __init__(self, status: str, message: str):
        self.status = status
        super().__init__(message)
