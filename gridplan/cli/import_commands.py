"""``gridplan import``: a PyPSA network (``.nc`` file or CSV folder) into a gridplan case folder.

A thin wrapper over :func:`gridplan.interop.from_pypsa.from_pypsa`: it parses, calls, prints
what was not mapped. Bad input (no such file, not a PyPSA network, a non-empty ``--out``
without ``--force``, an ``--out`` that cannot be created or written, something that changes
the optimum without ``--allow-unmapped``) is one ``error:`` line and exit 2
(:func:`gridplan.cli.common.guarded`); the case folder is written whole or not at all.
"""
from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text

from .common import err, out


def import_(network: Path = typer.Argument(..., help="PyPSA network: a .nc file or a CSV folder"),
            dest: Path = typer.Option(..., "--out", "-o", help="Case folder to write (case.yaml, CSVs)"),
            force: bool = typer.Option(False, "--force", help="Write into an existing non-empty folder"),
            allow_unmapped: bool = typer.Option(False, "--allow-unmapped",
                                                help="Import even when something that changes the optimum "
                                                     "cannot be mapped (it is listed)"),
            name: str = typer.Option(None, "--name", help="Case name (default: the network's)")):
    """Import a PyPSA network as a gridplan case folder; list what could not be mapped."""
    from ..interop.from_pypsa import from_pypsa
    rep = from_pypsa(network, dest, name=name, allow_unmapped=allow_unmapped, overwrite=force)
    out.print(Text(f"wrote {rep.case_path}"), highlight=False)
    for u in rep.unmapped:
        err.print(Text.assemble(("not mapped: ", "bold yellow"), str(u)), highlight=False, soft_wrap=True)
    if not rep.unmapped:
        out.print("everything PyPSA optimises is mapped", highlight=False)


# Typer names a command after its function (``import_`` would become ``import-``), and ``import``
# is a keyword no ``def`` can use: the name is set here, and functools.wraps (in ``guarded``)
# carries it over to the registered wrapper.
import_.__name__ = "import"

COMMANDS = (import_,)
