"""The ``gridplan`` command line: thin wrappers over the Python API.

Every user error (bad case file, bad option, non-optimal solve) prints one
clear line on stderr and exits non-zero; tracebacks are only shown with
``GRIDPLAN_DEBUG=1``.
"""
from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .errors import CaseError, GridplanError, SolveError

# the CLI prints a warning as one line, without the source path Python's default format adds
warnings.formatwarning = lambda message, category, *args, **kw: f"warning: {message}\n"

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Least-cost capacity planning against Chinese carbon-peak targets.")
out = Console()
err = Console(stderr=True)


def fail(msg: str, code: int = 2):
    # Text, not markup: field paths like generators[g].bus must print verbatim.
    err.print(Text.assemble(("error: ", "bold red"), msg), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def guarded(fn):
    """Turn user errors into one line and an exit status (no traceback)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*a, **kw):
        try:
            return fn(*a, **kw)
        except typer.Exit:
            raise
        except SolveError as exc:
            fail(str(exc), 3)
        except (CaseError, GridplanError) as exc:
            fail(str(exc), 2)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except Exception as exc:  # noqa: BLE001
            if os.environ.get("GRIDPLAN_DEBUG"):
                raise
            fail(f"internal error: {exc.__class__.__name__}: {exc} (set GRIDPLAN_DEBUG=1 for the traceback)", 1)
    return wrapper


def parse_resolution(value: Optional[str]) -> Optional[int]:
    if value is None:
        return None
    v = value.strip().lower().removesuffix("h")
    if not v.isdigit() or not 1 <= int(v) <= 168:
        raise GridplanError(f"--resolution: got {value!r}; expected hours per snapshot like 1h, 3h or 6h")
    return int(v)


# --------------------------------------------------------------------------- output


def _fmt(x, digits=0):
    x = round(float(x), digits) + 0.0   # + 0.0 turns -0.0 into 0.0: no "-0" in tables
    return f"{x:,.{digits}f}"


def print_results(res, console: Console = out) -> None:
    s = res.summary()
    cap = res.capacities
    if len(cap):
        t = Table(title=f"{res.case.name}: capacity (MW) — existing + built = total; storage energy in MWh", title_justify="left")
        t.add_column("bus")
        t.add_column("technology")
        for c in ("existing", "built", "total"):
            t.add_column(c, justify="right")
        # one row per bus × technology (plants of one kind summed), buses in case order,
        # technologies with no capacity left out; lines after
        plants = cap[cap["component"] != "line"].copy()
        plants["tech"] = plants["technology"] + np.where(plants["unit"] == "MWh", " MWh", "")
        plants["order"] = pd.Categorical(plants["bus"], categories=list(res.data.buses), ordered=True)
        rows = plants.groupby(["order", "tech"], observed=True, sort=True)[["existing", "built", "total"]].sum()
        for (bus, tech), r in rows.iterrows():
            if r["existing"] > 0.5 or r["built"] > 0.5:
                t.add_row(str(bus), tech, _fmt(r["existing"]), _fmt(r["built"]), _fmt(r["total"]))
        for _, r in cap[cap["component"] == "line"].iterrows():
            t.add_row(str(r["bus"]), f"line {r['name']}", _fmt(r["existing"]), _fmt(r["built"]), _fmt(r["total"]))
        console.print(t)
    tg = res.targets
    if len(tg):
        t = Table(title="targets", title_justify="left")
        for c in ("id", "required", "achieved", "met", "binding", "dual"):
            t.add_column(c, justify="right" if c in ("required", "achieved", "dual") else "left",
                         overflow="fold")
        for _, r in tg.iterrows():
            share = r["unit"] == "share"
            f = (lambda v: f"{100 * v:.1f}%") if share else (lambda v: _fmt(v))
            dual = f"{_fmt(r['dual'])} {r['dual_unit']}" if r["dual"] else "0"
            met = "yes" if r["met"] else ("[yellow]no (strive)[/]" if r["hedge"] == "strive" else "[red]NO[/]")
            t.add_row(Text(r["id"]), f(r["required"]), f(r["achieved"]), met,
                      "yes" if r["binding"] else "", dual)
        console.print(t)
        _print_sources(tg, console)
    t = Table(title="system", title_justify="left", show_header=False)
    t.add_column("k")
    t.add_column("v", justify="right")
    t.add_row("total annualised cost", f"{s['system_cost_cny'] / 1e8:,.2f} 亿 CNY ({_fmt(s['system_cost_cny'])} CNY)")
    if s["target_penalty_cny"] > 0.5:
        t.add_row("+ target shortfall penalties", f"{s['target_penalty_cny'] / 1e8:,.2f} 亿 CNY (not a real cost)")
    t.add_row("cost per MWh of demand", f"{s['cost_per_mwh_cny']:,.1f} CNY/MWh")
    t.add_row("demand", f"{s['demand_mwh'] / 1e6:,.2f} TWh")
    t.add_row("emissions", f"{s['emissions_t'] / 1e6:,.3f} Mt CO2")
    t.add_row("non-fossil electricity share", f"{100 * s['non_fossil_electricity_share']:.1f}%")
    t.add_row("curtailment", f"{s['curtailed_mwh'] / 1e3:,.1f} GWh")
    t.add_row("load shed", f"{s['shed_mwh']:,.1f} MWh" + ("  [red](check capacity and lines)[/]" if s["shed_mwh"] > 1e-3 else ""))
    t.add_row("model", f"{s['rows']:,} rows × {s['cols']:,} cols, {s['nonzeros']:,} nonzeros")
    t.add_row("time", f"prepare {s.get('prepare_s', 0):.2f} s, build {s.get('build_s', 0):.2f} s, "
                      f"hand-off {s['handoff_s']:.2f} s, solve {s['solve_s']:.2f} s"
                      + (f" ({_SOLVER_NAMES.get(s['solver'], s['solver'])})" if s.get("solver") else ""))
    console.print(t)


_SOLVER_NAMES = {"hipo": "HiPO interior point + crossover", "ipx": "IPX interior point + crossover",
                 "simplex": "dual simplex", "choose": "HiGHS' choice"}


def _print_sources(frame, console: Console) -> None:
    """Each target's quote from the plan, in full (tables would truncate it)."""
    for _, r in frame.iterrows():
        if r["source_file"]:
            console.print(Text.assemble((f"  {r['id']}: ", "bold"), f"{r['source_file']}:{r['source_line']}  ",
                                        (str(r["quote"]), "italic")), soft_wrap=True)


# --------------------------------------------------------------------------- commands


@app.command()
@guarded
def validate(case: Path = typer.Argument(..., help="Case YAML file")):
    """Check a case file (schema, references, profiles, network) without solving."""
    from .case.load import load_case
    from .case.prepare import prepare
    from .network import islands
    c = load_case(case)
    isl = islands(prepare(c, typical_days=0))
    out.print(f"[green]ok[/] {case}: {len(c.buses)} buses, {len(c.generators)} generators, "
              f"{len(c.storage)} storage, {len(c.reservoirs)} reservoirs, {len(c.lines)} lines, "
              f"{len(c.targets)} targets; {len(isl)} island{'s' if len(isl) != 1 else ''}", highlight=False)
    if len(isl) > 1:
        for i, comp in enumerate(isl):
            out.print(Text(f"  island {i + 1}: {', '.join(sorted(comp))}"))


@app.command()
@guarded
def schema(output: Optional[Path] = typer.Option(None, "--out", "-o", help="Write to this file instead of stdout")):
    """Write the JSON schema of a case file (for editor completion)."""
    from .case.schema import Case
    text = json.dumps(Case.model_json_schema(), indent=2, ensure_ascii=False)
    if output:
        from .io import atomic_write
        atomic_write(output, lambda tmp: Path(tmp).write_text(text + "\n", encoding="utf-8"))
        err.print(f"schema written to {output}")
    else:
        sys.stdout.write(text + "\n")


@app.command()
@guarded
def targets(case: Path = typer.Argument(..., help="Case YAML file")):
    """List the case's targets with their sources, without solving."""
    from .case.load import load_case
    from .report import targets_table
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
    _print_sources(tt, out)


@app.command()
@guarded
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
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from .case.load import load_case
    from .case.prepare import prepare
    from .model.build import build_context
    from .solve import SolveOptions
    from .solve import solve as _solve

    res_h = parse_resolution(resolution)
    try:
        opts = SolveOptions(time_limit=time_limit, threads=threads, method=method, dualize=dualize, verbose=verbose)
    except ValueError as exc:
        raise GridplanError(f"--{exc}") from None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        opts.log_file = out_dir / "highs.log"
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=True, disable=verbose) as prog:
        task = prog.add_task(f"loading {case}")
        c = load_case(case)
        prog.update(task, description="reading profiles and building the model")
        data = prepare(c, resolution=res_h, typical_days=typical_days)   # once, also for an elastic retry
        ctx = build_context(data, elastic=elastic)
        prog.update(task, description=f"solving with HiGHS ({ctx.lp.n_rows:,} rows × {ctx.lp.n_cols:,} cols)")
        try:
            res = _solve(ctx, options=opts)
        except SolveError as exc:
            if "nfeasible" in exc.status and not elastic and c.targets:
                prog.update(task, description="infeasible: re-solving in elastic mode to diagnose")
                ctx = build_context(data, elastic=True)
                res = _solve(ctx, options=opts)
                prog.stop()
                print_results(res)
                from .report import diagnosis
                err.print(Text.assemble(("infeasible: ", "bold red"),
                                        f"the hard targets of {c.name} cannot all be met; elastic diagnosis "
                                        "(shortfall per target):"))
                err.print(Text(diagnosis(res)))
                raise typer.Exit(4)
            raise
    print_results(res)
    if out_dir:
        from . import plots
        res.to_csv(out_dir)
        if excel:
            res.to_excel(out_dir / "results.xlsx")
        plots.capacity_by_bus(res, out_dir / "capacity.png")
        plots.dispatch_week(res, out_dir / "dispatch.png")
        out.print(f"results written to {out_dir}/ (CSV{', Excel' if excel else ''}, capacity.png, "
                  "dispatch.png, highs.log)")
    if res.summary()["shed_mwh"] > 1e-3:
        err.print("[yellow]warning:[/] load was shed at the value of lost load; see shedding.csv")
    if elastic and len(res.targets):
        hard_missed = res.targets[~res.targets["met"] & (res.targets["hedge"] != "strive")]
        if len(hard_missed):
            from .report import diagnosis
            err.print(Text.assemble(("targets not met: ", "bold red"), "\n" + diagnosis(res)))
            raise typer.Exit(4)


def _register_extras():
    from .cli_compare import register
    register(app)


_register_extras()


if __name__ == "__main__":  # pragma: no cover
    app()
