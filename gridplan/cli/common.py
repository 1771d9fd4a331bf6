"""What every command shares: the two consoles, user errors as lines and exit codes,
option parsing, number formatting.

Exit codes: 0 done; 1 internal error (traceback with ``GRIDPLAN_DEBUG=1``); 2 bad input or
option (:class:`CaseError`, :class:`GridplanError`), one ``error: ...`` line per problem;
3 the solver did not reach an optimum (:class:`SolveError`); 4 targets cannot be met;
5 some batch runs failed; 130 interrupted.
"""
from __future__ import annotations

import functools
import os
import warnings
from typing import Optional

import typer
from rich.console import Console
from rich.text import Text

from ..errors import CaseError, GridplanError, SolveError

# the CLI prints a warning as one line, without the source path Python's default format adds
warnings.formatwarning = lambda message, category, *args, **kw: f"warning: {message}\n"

out = Console()
err = Console(stderr=True)

EXIT_INPUT, EXIT_SOLVER, EXIT_TARGETS, EXIT_SOME_FAILED = 2, 3, 4, 5


def fail(msg: str, code: int = EXIT_INPUT):
    """Print ``error: <line>`` for every line of ``msg`` (a case may hold several problems) and exit."""
    for line in str(msg).splitlines() or [""]:
        # Text, not markup: field paths like generators[g].bus must print verbatim.
        err.print(Text.assemble(("error: ", "bold red"), line), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def guarded(fn):
    """Turn user errors into ``error:`` lines and an exit status (no traceback)."""

    @functools.wraps(fn)
    def wrapper(*a, **kw):
        try:
            return fn(*a, **kw)
        except typer.Exit:
            raise
        except SolveError as exc:
            fail(str(exc), EXIT_SOLVER)
        except (CaseError, GridplanError) as exc:
            fail(str(exc), EXIT_INPUT)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except Exception as exc:  # noqa: BLE001
            if os.environ.get("GRIDPLAN_DEBUG"):
                raise
            fail(f"internal error: {exc.__class__.__name__}: {exc} (set GRIDPLAN_DEBUG=1 for the traceback)", 1)
    return wrapper


def parse_resolution(value: Optional[str]) -> Optional[int]:
    """``--resolution`` ("3h", "3") → hours per snapshot; ``None`` when not given."""
    if value is None:
        return None
    v = value.strip().lower().removesuffix("h")
    if not v.isdigit() or not 1 <= int(v) <= 168:
        raise GridplanError(f"--resolution: got {value!r}; expected hours per snapshot like 1h, 3h or 6h")
    return int(v)


def solve_options(**flags):
    """SolveOptions from the flags; a flag not given keeps the library default (e.g. the time
    limit); a bad value is one line naming the ``--flag``."""
    from ..solve import OptionError, SolveOptions
    try:
        return SolveOptions(**{k: v for k, v in flags.items() if v is not None})
    except OptionError as exc:
        raise GridplanError(f"--{exc.option.replace('_', '-')}: {exc.detail}") from None


def number(x, digits: int = 0) -> str:
    """Thousands separators, ``digits`` decimals, and never "-0"."""
    x = round(float(x), digits) + 0.0   # + 0.0 turns -0.0 into 0.0
    return f"{x:,.{digits}f}"


def print_sources(frame, console: Console) -> None:
    """Each target's quote from the plan, in full (tables would truncate it)."""
    for _, r in frame.iterrows():
        if r["source_file"]:
            console.print(Text.assemble((f"  {r['id']}: ", "bold"), f"{r['source_file']}:{r['source_line']}  ",
                                        (str(r["quote"]), "italic")), soft_wrap=True)
