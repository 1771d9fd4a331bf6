"""Progress on the terminal while a case loads, builds and solves."""
from __future__ import annotations

from pathlib import Path

from .common import err


def solve_with_progress(path: Path, opts, *, resolution, typical_days, elastic: bool, quiet: bool, lp=None):
    """Load, prepare, build and solve under a spinner; an infeasible case with hard targets is
    re-solved in elastic mode by the library and raises :class:`TargetsInfeasible`."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from ..case.load import load_case
    from ..case.prepare import prepare
    from ..model.build import build_context
    from ..solve import solve

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=True, disable=quiet) as prog:
        task = prog.add_task(f"loading {path}")
        case = load_case(path)
        prog.update(task, description="reading profiles and building the model")
        ctx = build_context(prepare(case, resolution=resolution, typical_days=typical_days), elastic=elastic)
        who = "HiGHS" if opts.solver == "highs" else opts.solver
        prog.update(task, description=f"solving with {who} ({ctx.lp.n_rows:,} rows × {ctx.lp.n_cols:,} cols)")
        return solve(ctx, options=opts, diagnose=True, **(lp or {}))
