"""The ``gridplan`` command line: thin wrappers over the Python API.

Every user error (bad case file, bad option, non-optimal solve) prints ``error: ...`` lines
on stderr and exits non-zero (codes in :mod:`gridplan.cli.common`); tracebacks are only
shown with ``GRIDPLAN_DEBUG=1``. The commands live in :mod:`~gridplan.cli.case_commands`
(solve, validate, targets, schema) and :mod:`~gridplan.cli.batch_commands` (compare,
sweep); this package only creates the app and registers them, so no command module
imports another.
"""
from __future__ import annotations

import typer

from . import batch_commands, case_commands, excel_commands, export_commands, import_commands
from .common import guarded

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Least-cost capacity planning against Chinese carbon-peak targets.")

for command in (case_commands.COMMANDS + batch_commands.COMMANDS + export_commands.COMMANDS
                + import_commands.COMMANDS + excel_commands.COMMANDS):
    app.command()(guarded(command))
