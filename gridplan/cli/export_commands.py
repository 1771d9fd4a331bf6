"""``gridplan export CASE --to pypsa NET.nc``: a case as a PyPSA network file.

Writes the network (:func:`gridplan.interop.to_pypsa.to_pypsa`) to netCDF atomically, then
prints one line for everything the file does not hold (the rows PyPSA has no attribute for,
which ``to_pypsa(...).extra_functionality`` adds in Python) and the constant that turns
PyPSA's objective into gridplan's. Exit 0; bad input or options, or a NET.nc that cannot be
written: one ``error:`` line, exit 2.
"""
from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Optional

import typer
from rich.text import Text

from ..errors import GridplanError
from .common import err, out, parse_resolution

FORMATS = ("pypsa",)


def export(
    case: Path = typer.Argument(..., help="Case file (YAML, or an .xlsx workbook from gridplan template)"),
    to: str = typer.Option(..., "--to", help="Format to export to: pypsa"),
    output: Path = typer.Argument(..., metavar="NET.nc", help="netCDF file to write"),
    resolution: Optional[str] = typer.Option(None, "--resolution", help="Hours per snapshot, e.g. 24h (default: the case's)"),
    typical_days: Optional[int] = typer.Option(
        None, "--typical-days", help="0 switches a case's typical days off (PyPSA cannot link typical days)"),
):
    """Write the case as a PyPSA network (netCDF) and list what the file does not hold."""
    if to.strip().lower() not in FORMATS:
        raise GridplanError(f"--to: got {to!r}; expected one of {', '.join(FORMATS)}")
    if output.suffix.lower() != ".nc":
        raise GridplanError(f"{output}: expected a netCDF file name ending in .nc")
    if typical_days is not None and typical_days < 0:
        raise GridplanError(f"--typical-days: got {typical_days}; expected 0 (PyPSA cannot link typical days)")
    from ..interop.to_pypsa import to_pypsa
    logging.getLogger("pypsa").setLevel(logging.WARNING)   # its INFO lines would bury the report below
    with warnings.catch_warnings():   # PyPSA's notices about pandas' string dtype are not the user's concern
        warnings.simplefilter("ignore", FutureWarning)
        exported = to_pypsa(case, resolution=parse_resolution(resolution), typical_days=typical_days)
        try:
            exported.to_netcdf(output)
        except OSError as exc:   # e.g. a folder under a regular file, no permission, disk full
            raise GridplanError(f"{output}: cannot write the network file "
                                f"({exc.strerror or exc.__class__.__name__})") from None
    n = exported.network
    out.print(Text(f"wrote {output}: {len(n.buses)} buses, {len(n.generators)} generators, {len(n.links)} links, "
                   f"{len(n.lines)} lines, {len(n.stores)} stores, {len(n.snapshots)} snapshots, "
                   f"{len(n.global_constraints)} global constraints"), soft_wrap=True)
    out.print(Text(f"gridplan objective = n.objective + n.objective_constant + {exported.objective_constant:.6f} CNY"), soft_wrap=True)
    for line in exported.not_mapped:
        err.print(Text.assemble(("not mapped: ", "bold yellow"), line), highlight=False, soft_wrap=True)


COMMANDS = (export,)
