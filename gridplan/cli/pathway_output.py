"""``gridplan solve PATHWAY.yaml``: solve a pathway file and print it period by period.

Called by the ``solve`` command when its file has ``periods:`` (:func:`gridplan.case.pathway.is_pathway_file`);
not a command module of its own, so no command module imports another.
"""
from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text

from ..errors import GridplanError
from ..report import exit_code
from .common import err, number, out, print_heading, print_wrapped, previous_set_kept
from .tables import SHOWN_MW, _table, print_targets


def solve_pathway_cli(case: Path, opts, out_dir, resolution, typical_days, foresight, elastic: bool,
                      excel: bool = False) -> None:
    """Solve, print the build-out, the present values, the carbon peak and each period's targets;
    with ``out_dir`` write the result set whole (CSV with a ``period`` column, the build-out plot)."""
    from ..batch.pathway import solve_pathway
    from ..case.pathway import load_pathway

    if excel and out_dir is None:
        raise GridplanError("--excel: got no --out; expected --out DIR (the workbook goes into the result set)")
    pc = load_pathway(case)
    progress = None if opts.verbose else (lambda text: err.print(f"[dim]{text}[/]", highlight=False))
    run = dict(resolution=resolution, typical_days=typical_days, foresight=foresight, elastic=elastic,
               options=opts, progress=progress)
    if out_dir is None:
        res = solve_pathway(pc, **run)
        print_pathway(res)
    else:
        from ..io import ResultSet
        with ResultSet(out_dir, command="solve", case=str(case.resolve())) as rs:
            opts.log_file = rs.path / "highs.log"
            with previous_set_kept(rs):
                res = solve_pathway(pc, **run)
            print_pathway(res)
            res.write_files(rs.path)
            if excel:
                res.to_excel(rs.path / "results.xlsx")
            rs.commit(**res.manifest_facts())
        print_wrapped(out, f"results written to {rs.dest}/ (README.md, CSV with a period column"
                           f"{', results.xlsx' if excel else ''}, build_out.png, highs.log, manifest.json)", indent="  ")
    _warn(res)
    if exit_code(res.outcome):
        raise typer.Exit(exit_code(res.outcome))


def _warn(res) -> None:
    """One line for a solve that needed the dual-simplex fallback, one per period that sheds load."""
    if res.facts.get("fallback"):
        err.print(f"[yellow]warning:[/] {res.facts['fallback']}", highlight=False)
    for year, r in res.periods.items():
        shed = r.summary()["shed_mwh"]
        if shed > 1e-3:
            err.print(f"[yellow]warning:[/] {year}: {shed:,.0f} MWh/yr of load shed at the value of lost load; "
                      "see shedding.csv (period column)", highlight=False)


def build_out_table(res):
    """Capacity standing in each period by bus and technology (MW; storage energy in MWh, a row of its own)."""
    cap = res.capacities
    cap = cap[~cap["component"].isin(["line", "exchange", "electrification"])].copy()
    energy = cap["component"] == "storage_energy"
    cap.loc[energy, "technology"] = cap.loc[energy, "technology"].astype(str) + " (MWh)"
    years = list(res.periods)
    wide = cap.pivot_table(index=["bus", "technology"], columns="period", values="total", aggfunc="sum").fillna(0.0)
    t = _table("bus", "technology", *[str(y) for y in years], left=2)
    for (bus, tech), row in wide.iterrows():
        if row.max() > SHOWN_MW:
            t.add_row(Text(str(bus)), Text(str(tech)), *[number(row.get(y, 0.0)) for y in years])
    return t


def present_value_table(res):
    pv = res.present_value
    short = bool((pv["carbon_peak_shortfall_pv_cny"].abs() > 0.5).any())     # elastic runs that miss the peak
    t = _table("period", "years", "weight", "operation and stock\n亿 CNY (PV)", "new capacity\n亿 CNY (PV)",
               *(["peak missed\n亿 CNY (PV)"] if short else []))
    for r in pv.itertuples():
        t.add_row(str(r.period), str(r.years), f"{r.weight:.3f}", number(r.operation_and_stock_pv_cny / 1e8, 2),
                  number(r.investment_pv_cny / 1e8, 2),
                  *([number(r.carbon_peak_shortfall_pv_cny / 1e8, 2)] if short else []))
    return t


def carbon_peak_table(cp):
    from ..batch.pathway import peak_status
    t = _table("target", "period", "emissions\nMt CO2", "limit\nMt CO2", "met", "carbon price\nCNY/t")
    for r in cp.itertuples():
        met = peak_status(r)
        t.add_row(Text(r.target), str(r.period), number(r.emissions_t / 1e6, 3), number(r.limit_t / 1e6, 3),
                  met, number(r.carbon_price_cny_per_t, 1) if r.binding else "—")
    return t


def print_pathway(res, console=out) -> None:
    years = " → ".join(map(str, res.periods))
    print_heading(console, f"{res.name}: {years}, {res.foresight} foresight — {res.outcome}")
    print_wrapped(console, f"present value {res.objective / 1e8:,.2f} 亿 CNY of {res.pathway.base_year} "
                           f"(discount rate {res.pathway.discount_rate:g}; each period's annual costs × its "
                           "discounted years, investment by vintage)")
    console.print(present_value_table(res))
    print_heading(console, "capacity standing in each period (MW; storage energy MWh)")
    console.print(build_out_table(res))
    cp = res.carbon_peak
    if len(cp):
        print_heading(console, "carbon peak")
        console.print(carbon_peak_table(cp))
    for year, r in res.periods.items():
        if len(r.targets):
            print_heading(console, f"targets {year}")
            print_targets(r.targets, console)
