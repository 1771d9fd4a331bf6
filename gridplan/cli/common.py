"""What every command shares: the two consoles, user errors as lines and exit codes,
option parsing, number formatting, text wrapped for the terminal.

Width: the terminal's when stdout is one, ``COLUMNS`` when set, else 80 (a pipe or a file: rich
alone would take the width of whatever terminal stdin happens to be, so ``| cat`` and ``> file``
would vary with the window). Piped output carries no ANSI codes (rich's own detection). Lines of
prose — quotes, sources, notes — are wrapped here (:func:`wrap`) at spaces and between Chinese
characters only, so that an id, a number or a unit is never cut across lines.

Exit codes: 0 done; 1 internal error (traceback with ``GRIDPLAN_DEBUG=1``); 2 bad input or
option (:class:`CaseError`, :class:`GridplanError`), one ``error: ...`` line per problem;
3 the solver did not reach an optimum (:class:`SolveError`); 4 targets cannot be met;
5 some batch runs failed; 130 interrupted.
"""
from __future__ import annotations

import contextlib
import functools
import os
import re
import warnings
from typing import Optional

import typer
from rich.cells import cell_len
from rich.console import Console, ConsoleDimensions
from rich.text import Text

from ..errors import CaseError, GridplanError, SolveError
from ..report import BATCH_FAILED_EXIT, exit_code

# the CLI prints a warning as one line, without the source path Python's default format adds
warnings.formatwarning = lambda message, category, *args, **kw: f"warning: {message}\n"

PIPE_WIDTH = 80
"""Columns of output to a pipe or a file when ``COLUMNS`` is not set."""


class _Console(Console):
    """A rich Console whose width is :data:`PIPE_WIDTH` on a pipe or a file unless ``COLUMNS`` is set."""

    @property
    def size(self) -> ConsoleDimensions:
        size = Console.size.fget(self)
        if self._width is None and not self.is_terminal and not self._environ.get("COLUMNS", "").isdigit():
            return ConsoleDimensions(PIPE_WIDTH, size.height)
        return size

    @size.setter
    def size(self, new_size) -> None:
        Console.size.fset(self, new_size)


class _Stderr(_Console):
    """stderr: every line whole (``soft_wrap``: an ``error:`` line is never folded, whatever the
    width), and no empty line from a progress display that stops on a non-terminal (rich's
    Progress prints one there), so that an ``error:`` line is the first thing a pipe reads."""

    def print(self, *objects, **kwargs) -> None:
        if not objects and not self.is_interactive:
            return
        super().print(*objects, **kwargs)


out = _Console()
err = _Stderr(stderr=True, soft_wrap=True)

# the codes of gridplan.report.OUTCOMES (one table), named for the commands
EXIT_INPUT, EXIT_SOLVER, EXIT_TARGETS = (exit_code(o) for o in ("input error", "solver failure", "targets missed"))
EXIT_SOME_FAILED = BATCH_FAILED_EXIT


def fail(msg: str, code: int = EXIT_INPUT):
    """Print ``error: <line>`` for every non-blank line of ``msg`` (a case may hold several
    problems) and exit."""
    for line in [ln for ln in str(msg).splitlines() if ln.strip()] or ["(no detail given)"]:
        # Text, not markup: field paths like generators[g].bus must print verbatim.
        err.print(Text.assemble(("error: ", "bold red"), line), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextlib.contextmanager
def previous_set_kept(rs):
    """Inside a staged result set: a run that ends without a solution (:class:`SolveError`) leaves the
    previous set in place, its log in ``DIR.failed/`` (one line saying so), and is raised on."""
    try:
        yield
    except SolveError as exc:
        rs.fail(f"solver status '{exc.status}': {exc}")
        err.print(f"the solver log is in {rs.failed_path}/; {rs.dest}/ was left as it was",
                  highlight=False, soft_wrap=True)
        raise


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


# Chinese characters and punctuation: a line may break between any two of them, as in print
_CJK = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_TOKEN = re.compile(rf"\s+|[{_CJK}]|[^\s{_CJK}]+")
_NO_LINE_START = set("，。、；：！？）」』〕》】,.;:!?)]%…”’")
"""Closing marks stay on the line of the word before them."""
_NO_LINE_END = set("（「『〔《【(“‘")
"""Opening marks stay on the line of the word after them."""


def _units(text: str) -> list[tuple[str, bool]]:
    """``text`` as unbreakable units, each with whether a space comes before it: a run of
    non-space Latin characters (a word, a number with its % or decimals, an id, a file:line) or one
    Chinese character, with the punctuation that may not start or end a line glued on."""
    units: list[tuple[str, bool]] = []
    space = False
    for tok in _TOKEN.findall(text):
        if tok.isspace():
            space = True
            continue
        if units and not space and (tok[0] in _NO_LINE_START or units[-1][0][-1] in _NO_LINE_END):
            units[-1] = (units[-1][0] + tok, units[-1][1])
        else:
            units.append((tok, space))
        space = False
    return units


def wrap(text: str, width: int, indent: str = "", first: str | None = None) -> list[str]:
    """``text`` in lines of at most ``width`` cells (a Chinese character is two), broken only at
    spaces and between Chinese characters; ``first`` starts the first line (default ``indent``),
    ``indent`` the others. A unit longer than a line (a very long id) stays whole on its own line."""
    lines, line, empty = [], indent if first is None else first, True
    for unit, space in _units(text):
        sep = " " if space and not empty else ""
        if not empty and cell_len(line + sep + unit) > width:
            lines.append(line)
            line, sep = indent, ""
        line += sep + unit
        empty = False
    lines.append(line)
    return lines


def print_wrapped(console: Console, text: str, indent: str = "", first: str | None = None,
                  style: str = "") -> None:
    """Print ``text`` wrapped by :func:`wrap` to the console's width (rich does not wrap it again)."""
    for line in wrap(text, console.width, indent, first):
        console.print(Text(line, style=style), soft_wrap=True, highlight=False)


def print_heading(console: Console, text: str) -> None:
    """A table's title, as its own line(s) above it: wrapped at spaces, no trailing padding."""
    print_wrapped(console, text, style="bold")


def print_sources(frame, console: Console, kinds: bool = True) -> None:
    """Each target under the key (#) the table above gives it: its id whole on one line (with
    its kind); then the plan's city and title (from the shipped index; a file not in it shows its
    name alone), file:line, and the plan's words in full."""
    for key, (_, r) in enumerate(frame.iterrows(), 1):
        print_wrapped(console, f"{r['id']}" + (f" · {r['kind']}" if kinds else ""), indent="     ",
                      first=f"{key:>3}  ", style="bold")
        if not r["source_file"]:
            print_wrapped(console, "(no source cited)", indent="     ")
            continue
        plan = r.get("plan")
        where = f"{r['source_file']}:{r['source_line']}"
        print_wrapped(console, f"{plan} · {where}" if isinstance(plan, str) and plan else where, indent="     ")
        if r["quote"]:
            print_wrapped(console, f"“{r['quote']}”", indent="     ", style="italic")
