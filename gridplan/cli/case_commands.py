"""``gridplan solve``, ``validate``, ``targets`` and ``schema``: the commands on one case.

``solve`` exits 0 when optimal, 3 when the solver fails, 4 when hard targets cannot be met:
the plain LP is infeasible (the elastic diagnosis, :class:`gridplan.TargetsInfeasible`, is
printed) or, with ``--elastic``, the plan misses one
(:func:`gridplan.report.missed_hard_targets`).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from ..case.typical_days import DAYS, K_EXPECTED
from ..errors import GridplanError, TargetsInfeasible
from .common import EXIT_TARGETS, err, out, print_sources
from .tables import print_results


def validate(case: Path = typer.Argument(..., help="Case YAML file")):
    """Check a case file (schema, references, profiles, network) without solving."""
    from .. import validated_data
    from ..network import islands
    data = validated_data(case)
    c, isl = data.case, islands(data)
    out.print(f"[green]ok[/] {case}: {len(c.buses)} buses, {len(c.generators)} generators, "
              f"{len(c.storage)} storage, {len(c.reservoirs)} reservoirs, {len(c.lines)} lines, "
              f"{len(c.targets)} targets; {len(isl)} island{'s' if len(isl) != 1 else ''}", highlight=False)
    if len(isl) > 1:
        for i, comp in enumerate(isl):
            out.print(Text(f"  island {i + 1}: {', '.join(sorted(comp))}"))


def schema(output: Optional[Path] = typer.Option(None, "--out", "-o", help="Write to this file instead of stdout")):
    """Write the JSON schema of a case file (for editor completion)."""
    from ..case.schema import Case
    text = json.dumps(Case.model_json_schema(), indent=2, ensure_ascii=False)
    if output:
        from ..io import atomic_write
        atomic_write(output, lambda tmp: Path(tmp).write_text(text + "\n", encoding="utf-8"))
        err.print(f"schema written to {output}")
    else:
        sys.stdout.write(text + "\n")


def targets(case: Path = typer.Argument(..., help="Case YAML file")):
    """List the case's targets with their sources, without solving."""
    from ..case.load import load_case
    from ..report import targets_table
    tt = targets_table(load_case(case))
    if tt.empty:
        out.print("no targets in this case")
        return
    t = Table(title=f"targets of {case}", title_justify="left")
    for c in ("id", "kind", "scope", "hedge", "sense", "value"):
        t.add_column(c, overflow="fold")
    for _, r in tt.iterrows():
        t.add_row(Text(r["id"]), r["kind"], Text(r["scope"]), r["hedge"], r["sense"], str(r["value"]))
    out.print(t)
    out.print("sources (file:line and the plan's words):")
    print_sources(tt, out)


def solve(
    case: Path = typer.Argument(..., help="Case YAML file"),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Write result CSVs, Excel and the solver log here"),
    resolution: Optional[str] = typer.Option(None, help="Hours per snapshot, e.g. 3h (overrides the case)"),
    typical_days: Optional[int] = typer.Option(None, "--typical-days", help="Cluster the year into K typical days"),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Solver time limit in seconds"),
    threads: Optional[int] = typer.Option(None, help="Solver threads"),
    method: str = typer.Option("ipm", help="ipm (interior point + crossover, default: HiPO for large "
                               "models, IPX for small) | hipo | ipx | simplex | choose"),
    dualize: str = typer.Option("auto", help="Give the interior point the dual LP: auto (on for cases with "
                                "lines) | on | off"),
    elastic: bool = typer.Option(False, "--elastic", help="Price target shortfalls instead of failing when infeasible"),
    excel: bool = typer.Option(False, "--excel", help="Also write results.xlsx (slower for hourly frames)"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the solver log"),
):
    """Solve a case: build the LP, solve with HiGHS, print the capacity table."""
    from ..report import diagnosis, missed_hard_targets
    from .common import parse_resolution

    res_h = parse_resolution(resolution)
    if typical_days is not None and not 2 <= typical_days <= DAYS:   # 0 would silently mean "hourly year"
        raise GridplanError(f"--typical-days: got {typical_days}; expected {K_EXPECTED}")
    opts = _solve_options(out_dir, time_limit=time_limit, threads=threads, method=method, dualize=dualize,
                          verbose=verbose)
    try:
        res = _solve_with_progress(case, opts, resolution=res_h, typical_days=typical_days, elastic=elastic,
                                   quiet=verbose)
    except TargetsInfeasible as exc:
        print_results(exc.results)
        err.print(Text.assemble(("infeasible: ", "bold red"),
                                f"the hard targets of {exc.results.case.name} cannot all be met; elastic diagnosis "
                                "(shortfall per target):"))
        err.print(Text(exc.diagnosis))
        raise typer.Exit(EXIT_TARGETS)
    print_results(res)
    if out_dir:
        _write_outputs(res, out_dir, excel)
    _warn(res)
    if elastic and len(res.targets) and len(missed_hard_targets(res)):
        err.print(Text.assemble(("targets not met: ", "bold red"), "\n" + diagnosis(res)))
        raise typer.Exit(EXIT_TARGETS)


def _solve_options(out_dir: Optional[Path], **flags):
    """SolveOptions from the flags (a bad choice is a ``--flag`` error); the log goes to ``out_dir``."""
    from ..solve import SolveOptions
    try:
        opts = SolveOptions(**flags)
    except ValueError as exc:
        raise GridplanError(f"--{exc}") from None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        opts.log_file = out_dir / "highs.log"
    return opts


def _solve_with_progress(path: Path, opts, *, resolution, typical_days, elastic: bool, quiet: bool):
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
        prog.update(task, description=f"solving with HiGHS ({ctx.lp.n_rows:,} rows × {ctx.lp.n_cols:,} cols)")
        return solve(ctx, options=opts, diagnose=True)


def _write_outputs(res, out_dir: Path, excel: bool) -> None:
    from .. import plots
    res.to_csv(out_dir)
    if excel:
        res.to_excel(out_dir / "results.xlsx")
    plots.capacity_by_bus(res, out_dir / "capacity.png")
    plots.dispatch_week(res, out_dir / "dispatch.png")
    out.print(f"results written to {out_dir}/ (CSV{', Excel' if excel else ''}, capacity.png, "
              "dispatch.png, highs.log)")


def _warn(res) -> None:
    """One line for a solve that needed the dual-simplex fallback, one for shed load."""
    if res.facts.get("fallback"):
        err.print(f"[yellow]warning:[/] {res.facts['fallback']}", highlight=False)
    if res.summary()["shed_mwh"] > 1e-3:
        err.print("[yellow]warning:[/] load was shed at the value of lost load; see shedding.csv")


COMMANDS = (validate, schema, targets, solve)
