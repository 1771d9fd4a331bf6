"""Progress on the terminal while a case loads, builds and solves.

On a terminal, a spinner whose line follows the solve: ``solving with HiGHS (84,943 rows × 56,123
cols)``, then the HiGHS solver at work and its latest iteration (``solving: IPX iteration 23,
primal infeasibility 1.2e-03, gap 4.5e-02``) or phase (``solving: crossover``), condensed by
:class:`gridplan.solve.SolverLine` from the log lines HiGHS writes, which the library passes on
through ``SolveOptions(progress=...)`` (the CLI never talks to HiGHS itself). When stderr is not a
terminal (piped, CI, a batch log) the spinner is off, and a plain line (``solving: IPX iteration
23, primal infeasibility 1.2e-03, gap 4.5e-02, 14 s``) goes to stderr every :data:`HEARTBEAT_S`
seconds instead, so a long run shows life and a short one prints nothing. ``--verbose`` shows
HiGHS' full log and neither.
"""
from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from pathlib import Path

from rich.text import Text

from ..solve import SolverLine
from .common import err

HEARTBEAT_S = 10.0
"""Seconds between two progress lines when stderr is not a terminal (none before the first)."""


class Heartbeat:
    """Every :data:`HEARTBEAT_S` seconds, ``<what> , <seconds> s`` on stderr, from a thread of its
    own (so a silent phase, such as a long crossover, still shows life); the first line only once
    the run has taken that long."""

    def __init__(self, what):
        self.what = what            # called for the current state, e.g. "solving: IPX iteration 23"
        self.start = time.monotonic()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name="gridplan-progress")

    def _beat(self) -> None:
        while not self.stop.wait(HEARTBEAT_S):
            err.print(Text(f"{self.what()}, {time.monotonic() - self.start:.0f} s"), highlight=False)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def solve_with_progress(path: Path, opts, *, resolution, typical_days, elastic: bool, quiet: bool, lp=None):
    """Load, prepare, build and solve under a spinner (or, off a terminal, a heartbeat line); an
    infeasible case with hard targets is re-solved in elastic mode by the library and raises
    :class:`TargetsInfeasible`. ``quiet`` (the full log is shown): neither."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from ..case.load import load_case
    from ..case.prepare import prepare
    from ..model.build import build_context
    from ..solve import solve

    state = {"phase": "loading"}
    line = SolverLine()
    live = not quiet and err.is_terminal
    beat = Heartbeat(lambda: f"{state['phase']}: {line.text}" if line.text else state["phase"])
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=True, disable=not live) as prog, \
            (beat if not quiet and not live else contextlib.nullcontext()):
        task = prog.add_task(f"loading {path}")
        case = load_case(path)
        state["phase"] = "building the model"
        prog.update(task, description="reading profiles and building the model")
        ctx = build_context(prepare(case, resolution=resolution, typical_days=typical_days), elastic=elastic)
        who = "HiGHS" if opts.solver == "highs" else opts.solver
        head = f"solving with {who} ({ctx.lp.n_rows:,} rows × {ctx.lp.n_cols:,} cols)"
        state["phase"] = "solving"
        prog.update(task, description=head)

        def progress(text: str) -> None:
            before = line.text
            line(text)
            if live and line.text != before:    # the same words as the heartbeat's, short enough for 80 columns
                prog.update(task, description=f"solving: {line.text}")

        if not quiet:
            opts = dataclasses.replace(opts, progress=progress, capture_console=True)   # the CLI owns its stdout
        return solve(ctx, options=opts, diagnose=True, **(lp or {}))
