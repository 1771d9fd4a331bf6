"""``gridplan solve``, ``validate``, ``targets`` and ``schema``: the commands on one case.

``solve`` exits with its outcome's code (:data:`gridplan.report.OUTCOMES`): 0 optimal (or only
strive targets missed), 3 solver failure or an infeasible operation, 4 hard targets cannot be
met — the plain LP is infeasible (the library's elastic re-solve,
:class:`gridplan.TargetsInfeasible`, is printed and, with ``--out``, written, labelled) or, with
``--elastic``, the plan misses one.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from ..case.typical_days import require_k
from ..errors import GridplanError, TargetsInfeasible
from ..solve import DEFAULT_TIME_LIMIT
from .common import EXIT_TARGETS, err, fail, out, print_sources, print_wrapped, solve_options, previous_set_kept
from .progress import solve_with_progress
from .tables import print_results


def validate(case: Path = typer.Argument(..., help="Case file (YAML, or an .xlsx workbook from gridplan template)")):
    """Check a case file as solve would (schema, references, catalogue, profiles, network, time),
    plus target bounds that need no LP, without solving. Bad input: one ``error:`` line per
    problem, exit 2; hard targets the build ranges cannot meet: one ``error:`` line each, exit 4
    (solve's code for them); plausibility ``warning:`` lines leave the exit code 0."""
    from .. import validated_data
    from ..case.pathway import is_pathway_file
    from ..network import islands
    if is_pathway_file(case):
        return _validate_pathway(case)
    data = validated_data(case)
    for w in data.warnings:
        err.print(Text.assemble(("warning: ", "bold yellow"), str(w)), highlight=False, soft_wrap=True)
    if data.unreachable:
        fail("\n".join(map(str, data.unreachable)), EXIT_TARGETS)
    c, isl = data.case, islands(data)
    out.print(f"[green]ok[/] {case}: {len(c.buses)} buses, {len(c.generators)} generators, "
              f"{len(c.storage)} storage, {len(c.reservoirs)} reservoirs, {len(c.lines)} lines, "
              f"{len(c.targets)} targets; {len(isl)} island{'s' if len(isl) != 1 else ''}", highlight=False)
    if len(isl) > 1:
        for i, comp in enumerate(isl):
            out.print(Text(f"  island {i + 1}: {', '.join(sorted(comp))}"))


def _validate_pathway(case: Path) -> None:
    """A pathway file: its own fields, then every period's case as ``validate`` checks one."""
    from ..case.pathway import load_pathway
    from ..case.prepare import validate_data
    from ..model.pathway import build_pathway
    pc = load_pathway(case)
    build_pathway(pc, resolution=24)   # what stands across periods (built at daily snapshots: only the structure counts)
    unreachable = []
    for c in pc.cases:
        data = validate_data(c)
        for w in data.warnings:
            err.print(Text.assemble(("warning: ", "bold yellow"), str(w)), highlight=False, soft_wrap=True)
        unreachable += data.unreachable
    if unreachable:
        fail("\n".join(map(str, unreachable)), EXIT_TARGETS)
    out.print(f"[green]ok[/] {case}: pathway of {len(pc.cases)} periods ({', '.join(map(str, pc.years))}), "
              f"{len(pc.spec.targets)} pathway targets, {sum(len(c.targets) for c in pc.cases)} period targets",
              highlight=False)


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


def targets(case: Path = typer.Argument(..., help="Case file (YAML, or an .xlsx workbook from gridplan template)")):
    """List the case's targets with their sources, without solving."""
    from ..case.load import load_case
    from ..case.pathway import is_pathway_file, load_pathway
    if is_pathway_file(case):
        pc = load_pathway(case)
        for c, year in zip(pc.cases, pc.years):
            _print_targets(c, f"targets of {c._path.name} (period {year})")
        for t in pc.spec.targets:
            caps = "".join(f", ≤ {v:,.0f} t in {y}" for y, v in sorted(t.cap_t.items()))
            out.print(Text(f"{t.id} · {t.kind}: emissions of {', '.join(t.buses or ['every bus'])} after "
                           f"{t.peak_year} no higher than in {t.peak_year}{caps}"))
            if t.source is not None:
                out.print(Text(f"   {t.source.file}:{t.source.line} “{t.source.quote}”"))
        return
    _print_targets(load_case(case), f"targets of {case}")


def _print_targets(case, heading: str) -> None:
    from ..report import targets_table
    from .common import print_heading
    from .tables import SENSE_SIGNS, in_unit
    tt = targets_table(case)
    if tt.empty:
        out.print(f"no targets in {case.name}")
        return
    # keyed by #, like solve's targets table: the ids, whole, are on the source lines below
    t = Table()
    for c in ("#", "kind", "scope", "hedge", "target"):
        t.add_column(c, justify="right" if c in ("#", "target") else "left", no_wrap=c != "scope")
    for key, (_, r) in enumerate(tt.iterrows(), 1):
        t.add_row(str(key), Text(r["kind"]), Text(r["scope"]), r["hedge"],
                  f"{SENSE_SIGNS.get(r['sense'], r['sense'])} {in_unit(r['value'], r['unit'])}")
    print_heading(out, heading)
    out.print(t)
    print_heading(out, "sources (plan, file:line and the plan's words):")
    print_sources(tt, out, kinds=False)


def solve(
    case: Path = typer.Argument(..., help="Case file (YAML, or an .xlsx workbook from gridplan template)"),
    out_dir: Optional[Path] = typer.Option(
        None, "--out", "-o", help="Write result CSVs, plots, Excel and the solver log into this folder, whole "
        "(a failed run leaves the previous set and puts its log in OUT.failed/)"),
    resolution: Optional[str] = typer.Option(
        None, help="Hours per snapshot, e.g. 3h (default: the case's time.resolution, 1 h unless set)"),
    typical_days: Optional[int] = typer.Option(
        None, "--typical-days", help="Cluster the year into K typical days (default: the case's time.typical_days)"),
    time_limit: Optional[float] = typer.Option(
        None, "--time-limit", help=f"Solver time limit in seconds (default {DEFAULT_TIME_LIMIT:.0f}; inf: none)"),
    threads: Optional[int] = typer.Option(None, help="Solver threads"),
    method: str = typer.Option("ipm", help="ipm (interior point + crossover, default: HiPO for large "
                               "models, IPX for small) | hipo | ipx | simplex | choose"),
    dualize: str = typer.Option("auto", help="Give the interior point the dual LP: auto (on for cases with "
                                "lines) | on | off"),
    elastic: bool = typer.Option(False, "--elastic", help="Price target shortfalls instead of failing when infeasible"),
    excel: bool = typer.Option(False, "--excel", help="Also write results.xlsx (slower for hourly frames)"),
    netcdf: bool = typer.Option(False, "--netcdf", help="Also write results.nc (xarray Dataset, netCDF-4; "
                                "needs gridplan\\[interop])"),
    parquet: bool = typer.Option(False, "--parquet", help="Also write parquet/, one Parquet file per frame "
                                 "with units and provenance (needs gridplan\\[interop])"),
    write_lp: Optional[Path] = typer.Option(None, "--write-lp", help="Write the LP HiGHS receives to this "
                                            ".mps (or .lp) file before solving"),
    lp_names: bool = typer.Option(True, "--lp-names/--no-lp-names", help="Name columns and rows in the "
                                  "--write-lp file (gen_p\\[cd_solar,17]); off: c0, r0..., a little faster"),
    solver: str = typer.Option("highs", "--solver", help="highs (default, through highspy) or pyomo:NAME, "
                               "any solver Pyomo can run (pyomo:gurobi_direct, pyomo:cplex, pyomo:appsi_highs)"),
    foresight: Optional[str] = typer.Option(None, "--foresight", help="Pathway files only: perfect (one LP over "
                                            "all periods) | myopic (period by period); default: the file's"),
    certify: bool = typer.Option(False, "--certify", help="Bracket the hourly optimum: a lower bound from the "
                                 "averaged year as a relaxation (blocks of at most --resolution hours, default 8), an "
                                 "upper bound from the plan's hourly dispatch (the plan from the bound, or from "
                                 "--typical-days K), checked against the hourly LP's rows; prints the gap and the "
                                 "plan's hourly facts, writes the hourly dispatch with --out"),
    window_days: Optional[int] = typer.Option(None, "--window-days", help="--certify: days per hourly dispatch "
                                              "window (default 7)"),
    workers: Optional[int] = typer.Option(None, "--workers", help="--certify: processes solving the dispatch "
                                          "windows (default 2)"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the solver log"),
):
    """Solve a case: build the LP, solve with HiGHS (or --solver pyomo:NAME), print the capacity table.

    Time: the case's own time settings (time.resolution, hourly unless set;
    time.typical_days, none unless set); --resolution or --typical-days
    override them. (compare and sweep default to 3 h instead.)

    Exit codes: 0 optimal (strive targets may be missed: listed); 2 bad input
    or option; 3 solver failure (no optimum); 4 hard targets cannot be met
    (the elastic solution is printed and, with --out, written, labelled
    'targets missed'); 130 interrupted; 1 internal error.
    """
    from ..solve import lp_format
    from .common import parse_resolution

    res_h = parse_resolution(resolution)
    if typical_days is not None:   # 0 would otherwise mean "the hourly year", silently
        require_k(typical_days, "--typical-days")
    opts = solve_options(time_limit=time_limit, threads=threads, method=method, dualize=dualize, verbose=verbose,
                         solver=solver)
    if write_lp is not None:
        lp_format(write_lp, "--write-lp")
    files = _extra_files(out_dir, excel=excel, netcdf=netcdf, parquet=parquet)
    if _pathway_checked(case, foresight, netcdf=netcdf, parquet=parquet,
                        write_lp=write_lp is not None, solver=solver != "highs", certify=certify):
        from .pathway_output import solve_pathway_cli
        return solve_pathway_cli(case, opts, out_dir, res_h, typical_days, foresight, elastic, excel)
    if certify:
        from .certify_output import certify_flags, solve_certify_cli
        window_days, workers = 7 if window_days is None else window_days, 2 if workers is None else workers
        certify_flags(window_days, workers, elastic=elastic, write_lp=write_lp is not None,
                      solver=solver != "highs")
        return solve_certify_cli(case, opts, out_dir, res_h, typical_days, window_days, workers, files)
    for flag, given in (("--window-days", window_days), ("--workers", workers)):
        if given is not None:
            raise GridplanError(f"{flag}: got {given}; expected it only with --certify")
    lp = {"write_lp": write_lp, "lp_names": lp_names}
    if out_dir is None:
        return _solve_and_print(case, opts, None, res_h, typical_days, elastic, files, lp)
    from ..io import ResultSet
    with ResultSet(out_dir, command="solve", case=str(case.resolve())) as rs:
        opts.log_file = rs.path / "highs.log"
        with previous_set_kept(rs):
            _solve_and_print(case, opts, rs, res_h, typical_days, elastic, files, lp)


def _pathway_checked(case: Path, foresight, **unsupported) -> bool:
    """Whether ``case`` is a pathway file (``periods:``); the options a pathway does not take yet
    and ``--foresight`` on a single-year case are one-line errors."""
    from ..case.pathway import is_pathway_file
    if foresight is not None and foresight not in ("perfect", "myopic"):
        raise GridplanError(f"--foresight: got {foresight!r}; expected perfect or myopic")
    if not is_pathway_file(case):
        if foresight is not None:
            raise GridplanError(f"--foresight: got {foresight}; expected a pathway file (with periods:), "
                                f"and {case} is a single-year case")
        return False
    for flag, given in unsupported.items():
        if given:
            raise GridplanError(f"--{flag.replace('_', '-')}: not available for a pathway file yet; solve a "
                                "period's case alone with it (gridplan solve cases/<period case> ...)")
    return True


def _extra_files(out_dir, **asked) -> set:
    """The optional outputs asked for; netCDF and Parquet need ``--out`` and the interop extra
    (checked before solving, not after)."""
    from ..results import optional_module
    files = {k for k, v in asked.items() if v}
    for flag, modules in (("netcdf", ("xarray", "netCDF4")), ("parquet", ("pyarrow.parquet",))):
        if flag in files:
            if out_dir is None:
                raise GridplanError(f"--{flag}: got no --out; expected --out DIR (the file goes into the result set)")
            for module in modules:
                optional_module(module, f"--{flag}")
    return files


def _solve_and_print(case: Path, opts, rs, resolution, typical_days, elastic: bool, files: set, lp: dict) -> None:
    """Solve, print the tables and (into the staged result set ``rs``) write the results, then
    exit with the outcome's code (:data:`gridplan.report.OUTCOMES`). Hard targets out of reach
    still write a set: the elastic solution (each shortfall priced), labelled ``targets missed``
    in the tables, ``summary.csv`` and ``manifest.json``, so a planner sees what the plan would take."""
    from ..report import diagnosis, exit_code
    try:
        res = solve_with_progress(case, opts, resolution=resolution, typical_days=typical_days, elastic=elastic,
                                  quiet=opts.verbose, lp=lp)
    except TargetsInfeasible as exc:     # the library re-solved it elastic: the same path from here
        res = exc.results
    print_results(res)
    _finish(res, rs, files, lp)
    if res.outcome == "targets missed":
        _print_missed(res, diagnosis(res))
    elif res.outcome == "strive missed":
        err.print(Text.assemble(("strive targets missed (reported, not a failure): ", "bold yellow"),
                                "\n" + diagnosis(res)))
    if exit_code(res.outcome):
        raise typer.Exit(exit_code(res.outcome))


def _print_missed(res, shortfalls: str) -> None:
    err.print(Text.assemble(("targets missed: ", "bold red"),
                            f"the hard targets of {res.case.name} cannot all be met; the elastic solution "
                            "prices each shortfall (shortfall per target):"), soft_wrap=True)
    err.print(Text(shortfalls), soft_wrap=True)


def _finish(res, rs, files: set, lp: dict) -> None:
    """What every solved case gets: the stressed days, the LP file's line, the result set, the warnings."""
    from ..report import stress_lines
    head, *days = stress_lines(res.days)
    print_wrapped(out, head)
    for line in days:
        print_wrapped(out, line.strip(), indent="    ", first="  ")
    if lp["write_lp"] is not None:
        out.print(f"LP written to {lp['write_lp']}", highlight=False)
    if rs is not None:
        _write_outputs(res, rs, files)
    _warn(res)


def _write_outputs(res, rs, files: set) -> None:
    """Every result file into the staged set, then the set into place in one step."""
    from .result_files import write_result_files
    pngs = write_result_files(res, rs.path, files)
    # the same input hashes as Results.to_csv writes: one function, one set of settings
    rs.commit(**res.manifest_facts(), inputs=res.input_hashes())
    also = "".join(f", {label}" for key, label in (("excel", "Excel"), ("netcdf", "results.nc"),
                                                    ("parquet", "parquet/")) if key in files)
    what = ("the elastic solution (hard targets missed, shortfalls priced; outcome 'targets missed' in "
            "summary.csv and manifest.json)" if res.outcome == "targets missed" else "results")
    print_wrapped(out, f"{what} written to {rs.dest}/ (README.md, CSV{also}, {', '.join(pngs)}, highs.log, "
                       "manifest.json)", indent="  ")


def _warn(res) -> None:
    """One line for a solve that needed the dual-simplex fallback, one for shed load."""
    if res.facts.get("fallback"):
        err.print(f"[yellow]warning:[/] {res.facts['fallback']}", highlight=False)
    if res.summary()["shed_mwh"] > 1e-3:
        err.print("[yellow]warning:[/] load was shed at the value of lost load; see shedding.csv")


COMMANDS = (validate, schema, targets, solve)
