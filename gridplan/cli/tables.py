"""The terminal tables of a solved case: capacity by bus × technology, electrification, targets,
system figures.

Numbers come from :class:`gridplan.Results` frames; this module only groups for display
and formats.
"""
from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .common import number, out, print_sources

SOLVER_NAMES = {"hipo": "HiPO interior point + crossover", "ipx": "IPX interior point + crossover",
                "simplex": "dual simplex", "choose": "HiGHS' choice"}
SHOWN_MW = 0.5
"""Technologies with less existing and less built capacity than this at a bus are left out."""


def capacity_table(res) -> Table:
    t = Table(title=f"{res.case.name}: capacity (MW) — existing + built = total; storage energy in MWh",
              title_justify="left")
    t.add_column("bus")
    t.add_column("technology")
    for c in ("existing", "built", "total"):
        t.add_column(c, justify="right")
    cap = res.capacities
    for (bus, tech), r in res.capacity_by_bus().iterrows():
        if r["existing"] > SHOWN_MW or r["built"] > SHOWN_MW:
            t.add_row(str(bus), tech, number(r["existing"]), number(r["built"]), number(r["total"]))
    for _, r in cap[cap["component"].isin(["line", "exchange"])].iterrows():
        t.add_row(str(r["bus"]), f"{r['component']} {r['name']}", number(r["existing"]), number(r["built"]),
                  number(r["total"]))
    return t


def electrification_table(el: pd.DataFrame) -> Table:
    """Each electrification element: the GWh/yr chosen within its range, fossil displaced, cost
    (in GWh, kt and 万 CNY so that the columns fit 80 characters)."""
    t = Table(title="electrification (电能替代): annual electricity demand added", title_justify="left")
    for c in ("name", "bus", "min GWh", "chosen GWh", "max GWh", "ktce", "万 CNY", "peak MW"):
        t.add_column(c, justify="left" if c in ("name", "bus") else "right", overflow="fold")
    for name, r in el.iterrows():
        t.add_row(Text(str(name)), str(r["bus"]), number(r["min_mwh"] / 1e3), number(r["mwh"] / 1e3),
                  number(r["max_mwh"] / 1e3), number(r["displaced_tce"] / 1e3), number(r["cost_cny"] / 1e4),
                  number(r["peak_mw"]))
    return t


def city_accounts_table(ca: pd.DataFrame) -> Table:
    """Each city with its own accounting: its statistics' demand, non-fossil electricity, net line
    purchases (TWh), CO2 (Mt) and shares (``Results.city_accounts``)."""
    t = Table(title="city accounts: each city's own statistics (NF = non-fossil TWh counted: net line "
                    "imports at its grid fraction, exports deducted)", title_justify="left")
    for c in ("bus", "demand TWh", "NF TWh", "buys TWh", "sells TWh", "CO2 Mt", "NF/energy", "elec/final"):
        t.add_column(c, justify="left" if c == "bus" else "right", overflow="fold")
    pct = lambda v: "—" if pd.isna(v) else f"{100 * v:.1f}%"   # noqa: E731
    twh = lambda v: f"{v / 1e6:,.2f}"                           # noqa: E731
    for bus, r in ca.iterrows():
        t.add_row(Text(str(bus)), twh(r["demand_mwh"]), twh(r["non_fossil_mwh"]), twh(r["grid_import_mwh"]),
                  twh(r["grid_export_mwh"]), twh(r["co2_t"]), pct(r["non_fossil_share_energy"]),
                  pct(r["electricity_final_share"]))
    return t


SENSE_SIGNS = {">=": "≥", "<=": "≤", "==": "="}


def targets_table(tg: pd.DataFrame) -> Table:
    """One row per target: the plan's figure with its hedge (左右 → about: the model holds the
    lower edge of the band, so ``required`` can sit below the quote's number), the row the model
    holds (sense, value, unit), what the plan achieves, and the dual."""
    t = Table(title="targets (plan: the plan's figure and hedge; required: what the model holds)",
              title_justify="left")
    for c in ("id", "plan", "required", "achieved", "met", "binding", "dual"):
        t.add_column(c, justify="right" if c in ("plan", "required", "achieved", "dual") else "left", overflow="fold")
    for _, r in tg.iterrows():
        share = r["unit"] == "share"
        f = (lambda v: f"{100 * v:.1f}%") if share else (lambda v: f"{number(v)} {r['unit']}")
        dual = f"{number(r['dual'])} {r['dual_unit']}" if r["dual"] else "0"
        met = "yes" if r["met"] else ("[yellow]no (strive)[/]" if r["hedge"] == "strive" else "[red]NO[/]")
        plan = f(r["value"]) + ("" if r["hedge"] == "hard" else f" ({r['hedge']})")
        required = f"{SENSE_SIGNS.get(r['sense'], r['sense'])} {f(r['required'])}"
        t.add_row(Text(r["id"]), plan, required, f(r["achieved"]), met, "yes" if r["binding"] else "", dual)
    return t


def system_table(s: dict, curtailed=None) -> Table:
    """Cost, demand, emissions, shares, model size and timings from ``Results.summary()``;
    ``curtailed``: ``Results.curtailment_by_technology``, to split the curtailment (GWh) by technology."""
    t = Table(title="system", title_justify="left", show_header=False)
    t.add_column("k")
    t.add_column("v", justify="right")
    t.add_row("total annualised cost", f"{s['system_cost_cny'] / 1e8:,.2f} 亿 CNY ({number(s['system_cost_cny'])} CNY)")
    if s["target_penalty_cny"] > 0.5:
        t.add_row("+ target shortfall penalties", f"{s['target_penalty_cny'] / 1e8:,.2f} 亿 CNY (not a real cost)")
    t.add_row("cost per MWh of demand", f"{s['cost_per_mwh_cny']:,.1f} CNY/MWh")
    t.add_row("demand", f"{s['demand_mwh'] / 1e6:,.2f} TWh" + (
        f" (incl. electrification {s['electrification_mwh'] / 1e6:,.2f})"
        if s["electrification_mwh"] else ""))
    if s["displaced_fossil_tce"]:
        t.add_row("fossil displaced by electrification", f"{s['displaced_fossil_tce'] / 1e4:,.2f} 万 tce")
    t.add_row("emissions", f"{s['emissions_t'] / 1e6:,.3f} Mt CO2")
    t.add_row("non-fossil electricity share", f"{100 * s['non_fossil_electricity_share']:.1f}%")
    parts = [] if curtailed is None else [f"{tech} {v / 1e3:,.1f}" for tech, v in
                                           curtailed["curtailed_mwh"].items() if v >= 50.0]   # >= 0.05 GWh
    t.add_row("curtailment", f"{s['curtailed_mwh'] / 1e3:,.1f} GWh" + (f" ({', '.join(parts)})" if parts else ""))
    if s["import_mwh"] or s["export_mwh"]:
        t.add_row("exchanges with the grid outside", f"import {s['import_mwh'] / 1e6:,.2f} TWh, "
                                                     f"export {s['export_mwh'] / 1e6:,.2f} TWh")
    t.add_row("load shed", f"{s['shed_mwh']:,.1f} MWh" + ("  [red](check capacity and lines)[/]" if s["shed_mwh"] > 1e-3 else ""))
    t.add_row("model", f"{s['rows']:,} rows × {s['cols']:,} cols, {s['nonzeros']:,} nonzeros")
    t.add_row("time", f"prepare {s.get('prepare_s', 0):.2f} s, build {s.get('build_s', 0):.2f} s, "
                      f"hand-off {s['handoff_s']:.2f} s, solve {s['solve_s']:.2f} s"
                      + (f" ({SOLVER_NAMES.get(s['solver'], s['solver'])})" if s.get("solver") else ""))
    return t


def print_results(res, console: Console = out) -> None:
    """Capacity, targets (with their quotes) and system tables of a solved case."""
    if len(res.capacities):
        console.print(capacity_table(res))
    if len(res.electrification):
        console.print(electrification_table(res.electrification))
    if len(res.city_accounts):
        console.print(city_accounts_table(res.city_accounts))
    tg = res.targets
    if len(tg):
        console.print(targets_table(tg))
        print_sources(tg, console)
    console.print(system_table(res.summary(), res.curtailment_by_technology))
