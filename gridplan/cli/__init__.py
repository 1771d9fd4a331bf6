"""The ``gridplan`` command line: thin wrappers over the Python API.

Every user error (bad case file, bad option, non-optimal solve) prints ``error: ...`` lines
on stderr and exits non-zero (codes in :mod:`gridplan.cli.common`); tracebacks are only
shown with ``GRIDPLAN_DEBUG=1``. The commands live in :mod:`~gridplan.cli.case_commands`
(solve, validate, targets, schema) and :mod:`~gridplan.cli.batch_commands` (compare,
sweep); this package only creates the app (with ``--version``) and registers them, so no
command module imports another.
"""
from __future__ import annotations

import typer
import typer.core

from . import batch_commands, case_commands, excel_commands, export_commands, import_commands
from .common import guarded


class _PlainFlags:
    """Help shows a flag as a flag: ``--elastic``, not ``--elastic <bool>`` (typer's rich help
    prints the type of every option, though a flag takes no value). Display only: parsing is
    typer's."""

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for p in params:
            if getattr(p, "is_flag", False) and p.metavar is None:
                p.metavar = ""
        return params


class Command(_PlainFlags, typer.core.TyperCommand):
    """Every command of the app."""


class Group(_PlainFlags, typer.core.TyperGroup):
    """The app itself (``gridplan --help``)."""


app = typer.Typer(add_completion=False, no_args_is_help=True, cls=Group,
                  help="Least-cost capacity planning against Chinese carbon-peak targets.")


def _print_version(value: bool) -> None:
    if value:
        from ..io import gridplan_version
        print(f"gridplan {gridplan_version()}")
        raise typer.Exit(0)


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                       help="Print the gridplan version and exit")):
    pass


for command in (case_commands.COMMANDS + batch_commands.COMMANDS + export_commands.COMMANDS
                + import_commands.COMMANDS + excel_commands.COMMANDS):
    app.command(cls=Command)(guarded(command))
