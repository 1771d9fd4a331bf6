"""``gridplan compare`` and ``gridplan sweep``: batch runs from the command line.

Registered on the main app by :func:`gridplan.cli._register_extras`. Both
commands solve their runs in parallel (processes, or a Dask cluster with
``--scheduler``), show a progress bar, write the comparison into ``--out``
(CSV, Excel, Markdown, PNG, index.html; per-run results in ``OUT/cases/``) and
print the Markdown summary. Exit status: 0 when every run is optimal, 5 when
some failed (they are listed in the table with their error), 2 for bad options.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

EXIT_SOME_FAILED = 5
RESUME_HELP = ("Skip runs that finished optimally with the same inputs and settings "
               "(SHA-256 in OUT/cases/<run>/meta.json); failed runs are retried")
ELASTIC_HELP = "Price target shortfalls instead of failing when infeasible"


def _time_settings(resolution: Optional[str], typical_days: Optional[int]):
    """CLI flags → (resolution, typical_days) for :func:`gridplan.compare.compare`."""
    from .cli import parse_resolution
    from .compare import DEFAULT_RESOLUTION
    from .errors import GridplanError

    if resolution is not None and typical_days is not None:
        raise GridplanError("give either --resolution or --typical-days, not both")
    if typical_days is not None:
        if typical_days < 1:
            raise GridplanError(f"--typical-days: got {typical_days}; expected a positive number of days")
        return None, typical_days
    if resolution is None:
        return DEFAULT_RESOLUTION, None
    if resolution.strip().lower() == "case":
        return None, None
    return parse_resolution(resolution), None


def _run(runs, *, out_dir: Path, workers, resolution, typical_days, resume, scheduler, elastic, time_limit,
         scenario_columns=None, title: str, warm_start: bool = False):
    from rich.markdown import Markdown
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .cli import err, out
    from .compare import compare

    res_h, td = _time_settings(resolution, typical_days)
    options = {"time_limit": time_limit} if time_limit else None
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("{task.fields[last]}"), console=err, transient=False) as prog:
        task = prog.add_task(title, total=len(runs), last="")

        def progress(rec, done, total):
            name = rec.get("name")
            if rec.get("resumed"):
                last = f"{escape(str(name))}: reused (unchanged since the last run)"
            elif rec.get("ok"):
                last = f"{escape(str(name))}: {rec.get('status')} in {rec.get('wall_s') or 0:.1f} s"
            else:
                last = f"[red]{escape(str(name))}: {escape(str(rec.get('status')))}[/]"
                prog.console.print(f"[red]failed[/] {escape(str(name))}: {escape(str(rec.get('error')))}",
                                   highlight=False, soft_wrap=True)
            prog.update(task, completed=done, last=last)

        cmp = compare(runs, workers=workers, resolution=res_h, typical_days=td, out=out_dir,
                      executor="warm" if warm_start else ("dask" if scheduler else "process"),
                      scheduler=scheduler, resume=resume,
                      elastic=elastic, options=options, progress=progress, scenario_columns=scenario_columns)
    out.print(Markdown(cmp.markdown()))
    out.print(f"comparison written to {out_dir}/ (open {out_dir / 'index.html'})", highlight=False)
    if len(cmp.failed):
        raise typer.Exit(EXIT_SOME_FAILED)


def register(app: typer.Typer) -> None:
    """Add the ``compare`` and ``sweep`` commands to the gridplan app."""
    from .cli import guarded

    @app.command()
    @guarded
    def compare(
        cases: List[Path] = typer.Argument(..., help="Case YAML files"),
        out_dir: Path = typer.Option(Path("comparison"), "--out", "-o", help="Output folder"),
        workers: Optional[int] = typer.Option(None, help="Parallel runs (default: min(cases, CPUs))"),
        resolution: Optional[str] = typer.Option(
            None, help="Hours per snapshot, e.g. 1h or 3h. Default 3h for batch runs; 'case' = each case's own"),
        typical_days: Optional[int] = typer.Option(None, "--typical-days", help="Cluster the year into K typical days"),
        resume: bool = typer.Option(False, "--resume", help=RESUME_HELP),
        scheduler: Optional[str] = typer.Option(
            None, help="Dask scheduler address (tcp://host:8786): run on that cluster instead of local processes"),
        elastic: bool = typer.Option(False, "--elastic", help=ELASTIC_HELP),
        time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Solver time limit per run, seconds"),
    ):
        """Solve several cases in parallel and compare them (tables, plots, index.html).

        Runs at 3-hour resolution unless --resolution or --typical-days is given.
        """
        _run(list(cases), out_dir=out_dir, workers=workers, resolution=resolution, typical_days=typical_days,
             resume=resume, scheduler=scheduler, elastic=elastic, time_limit=time_limit,
             title=f"solving {len(cases)} cases")

    @app.command()
    @guarded
    def sweep(
        case: Path = typer.Argument(..., help="Case YAML file"),
        set_: List[str] = typer.Option(
            [], "--set", help="PATH=V1,V2,... e.g. targets.nf_share_2030.value=0.5,0.6 (repeat; cartesian product)"),
        scenarios: Optional[Path] = typer.Option(
            None, "--scenarios", help="CSV: header = override paths (optional 'name' column), one scenario per row"),
        out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (default sweep-<case>)"),
        workers: Optional[int] = typer.Option(None, help="Parallel runs (default: min(runs, CPUs))"),
        resolution: Optional[str] = typer.Option(
            None, help="Hours per snapshot, e.g. 1h or 3h. Default 3h for batch runs; 'case' = the case's own"),
        typical_days: Optional[int] = typer.Option(None, "--typical-days", help="Cluster the year into K typical days"),
        resume: bool = typer.Option(False, "--resume", help=RESUME_HELP),
        scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address: run on that cluster"),
        elastic: bool = typer.Option(False, "--elastic", help=ELASTIC_HELP),
        time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Solver time limit per run, seconds"),
        warm_start: bool = typer.Option(
            False, "--warm-start",
            help="Run the scenarios one after another on one HiGHS instance, passing only what changed"),
    ):
        """Solve one case under every combination of overrides and compare the runs.

        Overrides are dotted paths into the case file; list items are named by
        their name/id (generators.cd_solar.max_mw, targets.nf_share_2030.value,
        technologies.overrides.solar_utility.capex_cny_per_kw). Values are YAML
        scalars. Every run is validated like the case file.
        """
        from .compare import sweep_runs
        from .errors import GridplanError

        if not set_ and scenarios is None:
            raise GridplanError("sweep: give at least one --set PATH=V1,V2 or --scenarios FILE.csv")
        if scenarios is not None and not scenarios.exists():
            raise GridplanError(f"--scenarios: {scenarios} does not exist")
        if warm_start and scheduler:
            raise GridplanError("give either --warm-start (one process) or --scheduler (a Dask cluster), not both")
        runs = sweep_runs(case, list(set_), scenarios)
        cols = list(dict.fromkeys(k for r in runs for k in r.scenario))
        _run(runs, out_dir=out_dir or Path(f"sweep-{case.stem}"), workers=workers, resolution=resolution,
             typical_days=typical_days, resume=resume, scheduler=scheduler, elastic=elastic,
             time_limit=time_limit, scenario_columns=cols, title=f"solving {len(runs)} scenarios of {case.name}",
             warm_start=warm_start)
