"""``gridplan compare`` and ``gridplan sweep``: batch runs from the command line.

Both commands solve their runs in parallel (processes, or a Dask cluster with
``--scheduler``), show a progress bar, write the comparison into ``--out``
(CSV, Excel, Markdown, PNG, index.html; per-run results in ``OUT/cases/``) and
print the Markdown summary. Exit status (:attr:`gridplan.batch.Comparison.exit_code`): 0 when
every run is optimal (or misses only strive targets), 4 when some miss hard targets, 5 when
some failed (they are listed in the table with their error), 2 for bad options.
Time settings follow :func:`gridplan.batch.time_policy`; this module only reads the flags.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..errors import GridplanError
from ..io import FolderLock, check_output_folder
from .common import err, out, parse_resolution, solve_options

RESUME_HELP = ("Skip runs that finished optimally with the same inputs and settings "
               "(SHA-256 in OUT/cases/<run>/meta.json); failed runs are retried")
ELASTIC_HELP = "Price target shortfalls instead of failing when infeasible"
RESOLUTION_HELP = ("Hours per snapshot, e.g. 1h or 3h, or 'case': {} time settings "
                   "(default 3h; with --typical-days, {} resolution)")
TYPICAL_DAYS_HELP = "Cluster the year into K typical days"
TIME_LIMIT_HELP = "Solver time limit per run, seconds (default 6 h; inf: none)"
CERTIFY_HELP = ("also certify each case's hourly optimum: lower and upper bounds and their gap, "
                "see `gridplan solve --certify`")


def time_flags(resolution: Optional[str], typical_days: Optional[int]):
    """``--resolution`` ("3h", "case" or absent) and ``--typical-days`` → the batch time policy."""
    from ..batch import BATCH_DEFAULT, time_policy
    if resolution is None:
        hours = BATCH_DEFAULT
    elif resolution.strip().lower() == "case":
        hours = None
    else:
        hours = parse_resolution(resolution)
    return time_policy(hours, typical_days, names=("--resolution", "--typical-days"))


def _progress_line(rec: dict, console) -> str:
    """The bar's last-run text; a failed run also gets its own line with the error."""
    from rich.markup import escape
    name = escape(str(rec.get("name")))
    if rec.get("resumed"):
        return f"{name}: reused (unchanged since the last run)"
    outcome = escape(str(rec.get("outcome")))
    if rec.get("ok"):
        colour = "green" if rec.get("outcome") == "optimal" else ("yellow" if rec.get("outcome") == "strive missed"
                                                                  else "red")
        return f"{name}: [{colour}]{outcome}[/] in {rec.get('wall_s') or 0:.1f} s"
    console.print(f"[red]{outcome}[/] {name}: {escape(str(rec.get('error')))}", highlight=False, soft_wrap=True)
    return f"[red]{name}: {outcome}[/]"


def run_batch(runs, *, out_dir: Path, workers, resolution, typical_days, resume, scheduler, elastic, time_limit,
              title: str, warm_start: bool = False, certify: bool = False):
    """Solve ``runs`` under a progress bar, print the summary; exit with the batch's code
    (:attr:`gridplan.batch.Comparison.exit_code`: 5 some failed, 4 hard targets missed)."""
    from rich.markdown import Markdown
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..batch import compare

    res_h, td = time_flags(resolution, typical_days)
    if workers is not None and workers < 1:
        raise GridplanError(f"--workers: got {workers}; expected a whole number of parallel runs >= 1")
    check_output_folder(out_dir)
    options = None
    if time_limit is not None:
        options = {"time_limit": solve_options(time_limit=time_limit).time_limit}   # --time-limit refused here
    # a folder in use is refused before the progress bar; the lock is held to the end (compare() uses it)
    with FolderLock(out_dir) as lock, Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.fields[last]}"), console=err, transient=False) as prog:
        task = prog.add_task(title, total=len(runs), last="")

        def progress(rec, done, total):
            prog.update(task, completed=done, last=_progress_line(rec, prog.console))

        cmp = compare(runs, workers=workers, resolution=res_h, typical_days=td, out=out_dir,
                      executor="warm" if warm_start else ("dask" if scheduler else "process"),
                      scheduler=scheduler, resume=resume, elastic=elastic, options=options, progress=progress,
                      out_lock=lock, certify=certify)
    out.print(Markdown(cmp.markdown(compact=True)))
    out.print(f"comparison written to {out_dir}/ (open {out_dir / 'index.html'})", highlight=False)
    if cmp.exit_code:
        raise typer.Exit(cmp.exit_code)


def compare(
    cases: List[Path] = typer.Argument(..., help="Case YAML files"),
    out_dir: Path = typer.Option(Path("comparison"), "--out", "-o", help="Output folder"),
    workers: Optional[int] = typer.Option(None, help="Parallel runs (default: min(cases, CPUs))"),
    resolution: Optional[str] = typer.Option(None, help=RESOLUTION_HELP.format("each case's own", "each case's")),
    typical_days: Optional[int] = typer.Option(None, "--typical-days", help=TYPICAL_DAYS_HELP),
    resume: bool = typer.Option(False, "--resume", help=RESUME_HELP),
    scheduler: Optional[str] = typer.Option(
        None, help="Dask scheduler address (tcp://host:8786): run on that cluster instead of local processes"),
    elastic: bool = typer.Option(False, "--elastic", help=ELASTIC_HELP),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help=TIME_LIMIT_HELP),
    certify: bool = typer.Option(False, "--certify", help=CERTIFY_HELP),
):
    """Solve several cases in parallel and compare them (tables, plots, index.html).

    Time: 3 h snapshots unless --resolution or --typical-days is given
    (--resolution case: each case's own time settings; --typical-days K:
    K days clustered from each case's own resolution).

    --certify: after its solve each case's hourly optimum is also bracketed
    (at the run's resolution, else blocks of at most 8 h): certified lower and upper
    bounds and their gap in the table; a case without a certificate shows
    why, and keeps its own outcome (the exit code does not change).

    Exit codes: 0 every run optimal (or missing only strive targets); 4 some
    runs miss hard targets (with --elastic: their elastic solutions, shortfalls
    priced; without: the diagnosis); 5 some runs failed (no solution, listed
    with their error); 2 bad input or option; 130 interrupted; 1 internal error.
    """
    if _pathways(cases):
        return compare_pathway_files(list(cases), out_dir, resolution, typical_days, time_limit, elastic,
                                     resume=resume, scheduler=scheduler, workers=workers, certify=certify)
    run_batch(list(cases), out_dir=out_dir, workers=workers, resolution=resolution, typical_days=typical_days,
              resume=resume, scheduler=scheduler, elastic=elastic, time_limit=time_limit,
              title=f"solving {len(cases)} cases", certify=certify)


def _pathways(cases) -> bool:
    """All pathway files (compared by foresight), or none; a mix is a one-line error."""
    from ..case.pathway import is_pathway_file
    kinds = [is_pathway_file(c) for c in cases]
    if any(kinds) and not all(kinds):
        mixed = next(c for c, k in zip(cases, kinds) if not k)
        raise GridplanError(f"{mixed}: got a single-year case among pathway files; expected only pathway files "
                            "(compared by foresight) or only single-year cases")
    return all(kinds)


def compare_pathway_files(cases, out_dir, resolution, typical_days, time_limit, elastic: bool, **unsupported) -> None:
    """``gridplan compare A_pathway.yaml ...``: each with perfect and myopic foresight, the cost of myopia."""
    from rich.table import Table
    from ..batch.pathway import compare_pathways
    for flag, given in unsupported.items():
        if given:
            raise GridplanError(f"--{flag}: not available when comparing pathway files yet")
    hours, k = time_flags(resolution, typical_days)     # the batch default (3 h) unless told otherwise
    opts = solve_options(time_limit=time_limit)
    table = compare_pathways(cases, out_dir, resolution=hours, typical_days=k, elastic=elastic,
                             options=opts, progress=lambda text: err.print(f"[dim]{text}[/]", highlight=False))
    t = Table(title="perfect and myopic foresight (present values, 亿 CNY of the base year)")
    for c in ("pathway", "foresight", "outcome", "present value", "cost of myopia"):
        t.add_column(c, justify="left" if c in ("pathway", "foresight", "outcome") else "right", no_wrap=True)
    for r in table.itertuples():
        money = (lambda v: "—" if v != v else f"{v / 1e8 + 0.0:,.2f}".replace("-0.00", "0.00"))   # NaN: no solution
        t.add_row(r.pathway, r.foresight, r.outcome, money(r.present_value_cny), money(r.cost_of_myopia_cny))
    out.print(t)
    for r in table[table["error"] != ""].itertuples():
        err.print(f"[red]{r.pathway} ({r.foresight}):[/] {r.error}", highlight=False, soft_wrap=True)
    out.print(f"pathways.csv and capacities.csv written to {out_dir}/", highlight=False)
    from ..report import BATCH_FAILED_EXIT, FAILED, exit_code
    code = BATCH_FAILED_EXIT if table["outcome"].isin(FAILED).any() else max(map(exit_code, table["outcome"]))
    if code:
        raise typer.Exit(code)


def sweep(
    case: Path = typer.Argument(..., help="Case file (YAML, or an .xlsx workbook from gridplan template)"),
    set_: List[str] = typer.Option(
        [], "--set", help="PATH=V1,V2,... e.g. targets.nf_share_2030.value=0.5,0.6 (repeat; cartesian product)"),
    scenarios: Optional[Path] = typer.Option(
        None, "--scenarios", help="CSV: header = override paths (optional 'name' column), one scenario per row"),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (default sweep-<case>)"),
    workers: Optional[int] = typer.Option(None, help="Parallel runs (default: min(runs, CPUs))"),
    resolution: Optional[str] = typer.Option(None, help=RESOLUTION_HELP.format("the case's own", "the case's")),
    typical_days: Optional[int] = typer.Option(None, "--typical-days", help=TYPICAL_DAYS_HELP),
    resume: bool = typer.Option(False, "--resume", help=RESUME_HELP),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address: run on that cluster"),
    elastic: bool = typer.Option(False, "--elastic", help=ELASTIC_HELP),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help=TIME_LIMIT_HELP),
    warm_start: bool = typer.Option(
        False, "--warm-start",
        help="Run the scenarios one after another on one HiGHS instance, passing only what changed"),
):
    """Solve one case under every combination of overrides and compare the runs.

    Overrides are dotted paths into the case file; list items are named by
    their name/id (generators.cd_solar.max_mw, targets.nf_share_2030.value,
    technologies.overrides.solar_utility.capex_cny_per_kw). Values are YAML
    scalars. Every run is validated like the case file.

    Time: 3 h snapshots unless --resolution or --typical-days is given
    (--resolution case: the case's own time settings; --typical-days K:
    K days clustered from the case's own resolution).

    Exit codes: 0 every run optimal (or missing only strive targets); 4 some
    runs miss hard targets (with --elastic: their elastic solutions, shortfalls
    priced; without: the diagnosis); 5 some runs failed (no solution, listed
    with their error); 2 bad input or option; 130 interrupted; 1 internal error.
    """
    from ..batch import sweep_runs

    if not set_ and scenarios is None:
        raise GridplanError("sweep: give at least one --set PATH=V1,V2 or --scenarios FILE.csv")
    if scenarios is not None and not scenarios.exists():
        raise GridplanError(f"--scenarios: {scenarios} does not exist")
    if warm_start and scheduler:
        raise GridplanError("give either --warm-start (one process) or --scheduler (a Dask cluster), not both")
    from ..case.pathway import is_pathway_file
    if is_pathway_file(case):
        raise GridplanError(f"{case}: got a pathway file; expected a single-year case (sweep one period's case, or "
                            "compare the pathway: gridplan compare PATHWAY.yaml)")
    runs = sweep_runs(case, list(set_), scenarios)
    run_batch(runs, out_dir=out_dir or Path(f"sweep-{case.stem}"), workers=workers, resolution=resolution,
              typical_days=typical_days, resume=resume, scheduler=scheduler, elastic=elastic,
              time_limit=time_limit, title=f"solving {len(runs)} scenarios of {case.name}",
              warm_start=warm_start)


COMMANDS = (compare, sweep)
