"""``gridplan template CASE --excel OUT.xlsx``: a case as an Excel workbook, for planners.

The workbook is the whole case (settings, components, targets with their quotes, profiles,
catalogue, fuels; :mod:`gridplan.case.excel`), and ``gridplan solve OUT.xlsx``, ``validate``,
``targets``, ``compare`` and ``sweep`` read it as they read a YAML file. Bad input: one
``error:`` line per problem, exit 2.
"""
from __future__ import annotations

from pathlib import Path

import typer

from ..errors import GridplanError
from .common import out


def template(
    case: Path = typer.Argument(..., help="Case file: YAML, or a workbook to write afresh"),
    excel: Path = typer.Option(..., "--excel", help="Write the case as this Excel workbook (.xlsx), whole "
                               "(the profiles, catalogue and fuels it reads included)"),
):
    """Write a case as a self-contained Excel workbook: one sheet per table (README, case, buses,
    generators, storage, reservoirs, lines, exchanges, demand_response, electrification, groups,
    targets, profiles, technologies, fuels, hydrology). The case is checked as solve would check it
    first; the workbook is written atomically."""
    from ..case.excel import write_workbook
    from ..case.load import load_case

    if excel.suffix.lower() != ".xlsx":
        raise GridplanError(f"--excel: got {str(excel)!r}; expected a workbook path ending in .xlsx")
    if excel.is_dir():
        raise GridplanError(f"--excel: got {str(excel)!r}, a folder; expected a workbook path ending in .xlsx")
    loaded = load_case(case)
    try:
        path = write_workbook(loaded, excel)
    except OSError as exc:
        raise GridplanError(f"--excel: cannot write {str(excel)!r} ({exc.strerror or exc.__class__.__name__})") from None
    out.print(f"workbook written to {path} ({len(loaded.buses)} buses, {len(loaded.generators)} generators, "
              f"{len(loaded.targets)} targets); edit it, then: gridplan validate {path}", highlight=False)


COMMANDS = (template,)
