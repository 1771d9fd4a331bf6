"""The terminal tables of a solved case: capacity by bus × technology, electrification, city
accounts, targets, system figures.

Numbers come from :class:`gridplan.Results` frames; this module only groups for display
and formats. Every table fits 80 columns without cutting an id, a number or a unit: ids and
numbers never wrap (``no_wrap``), headers are written on two lines where they would be wider than
their numbers, and long text (target ids, sources, quotes, the time breakdown) goes on plain lines
below the table (:func:`gridplan.cli.common.print_wrapped`), where it wraps at spaces and between
Chinese characters only. A target's row is keyed by number (#); the lines below the table give
the key's id.
"""
from __future__ import annotations

import math

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..report import format_shortfall, outcome_colours
from .common import number, out, print_heading, print_sources, print_wrapped

SOLVER_NAMES = {"hipo": "HiPO + crossover", "ipx": "IPX + crossover", "simplex": "dual simplex",
                "choose": "HiGHS' choice"}
SHOWN_MW = 0.5
"""Technologies with less existing and less built capacity than this at a bus are left out."""
SHOWN_S = 0.05
"""Steps of the time line that took less than this are left out (the hand-off is usually 0.00 s)."""
SENSE_SIGNS = {">=": "≥", "<=": "≤", "==": "="}


def _table(*columns: str, left: int = 1) -> Table:
    """A table whose first ``left`` columns are names (left-aligned) and the rest numbers
    (right-aligned); no cell wraps, so an id or a number is never cut. A header holding a newline
    is printed on two lines (a unit under its quantity), keeping number columns narrow."""
    t = Table()
    for i, c in enumerate(columns):
        t.add_column(c, justify="left" if i < left else "right", no_wrap=True)
    return t


def capacity_table(res) -> Table:
    t = _table("bus", "technology", "existing", "built", "total", left=2)
    cap = res.capacities
    for (bus, tech), r in res.capacity_by_bus().iterrows():
        if r["existing"] > SHOWN_MW or r["built"] > SHOWN_MW:
            t.add_row(Text(str(bus)), Text(tech), number(r["existing"]), number(r["built"]), number(r["total"]))
    for _, r in cap[cap["component"].isin(["line", "exchange"])].iterrows():
        t.add_row(Text(str(r["bus"])), Text(f"{r['component']} {r['name']}"), number(r["existing"]),
                  number(r["built"]), number(r["total"]))
    return t


def _gwh_range(lo: float, hi: float) -> str:
    """The GWh/yr an element may add: one figure when fixed, else "min–max"."""
    lo_s, hi_s = number(lo / 1e3), number(hi / 1e3)
    return lo_s if lo_s == hi_s else f"{lo_s}–{hi_s}"


def electrification_table(el: pd.DataFrame) -> Table:
    """Each electrification element: its range and the GWh/yr added (chosen within it), the fossil final
    energy it displaces, cost (in GWh, kt and 万 CNY so that the columns fit 80 characters)."""
    t = _table("name", "bus", "range\nGWh", "added\nGWh", "fossil\nktce", "cost\n万 CNY", "peak\nMW", left=2)
    for name, r in el.iterrows():
        t.add_row(Text(str(name)), Text(str(r["bus"])), _gwh_range(r["min_mwh"], r["max_mwh"]),
                  number(r["mwh"] / 1e3), number(r["displaced_tce"] / 1e3), number(r["cost_cny"] / 1e4),
                  number(r["peak_mw"]))
    return t


def city_accounts_table(ca: pd.DataFrame) -> Table:
    """Each city with its own accounting: its statistics' demand, non-fossil electricity, net line
    purchases (TWh), CO2 (Mt) and shares (``Results.city_accounts``)."""
    t = _table("bus", "demand\nTWh", "NF\nTWh", "buys\nTWh", "sells\nTWh", "CO2\nMt", "NF/\nenergy",
               "elec/\nfinal")
    pct = lambda v: "—" if pd.isna(v) else f"{100 * v:.1f}%"   # noqa: E731
    twh = lambda v: f"{v / 1e6:,.2f}"                           # noqa: E731
    for bus, r in ca.iterrows():
        t.add_row(Text(str(bus)), twh(r["demand_mwh"]), twh(r["non_fossil_mwh"]), twh(r["grid_import_mwh"]),
                  twh(r["grid_export_mwh"]), twh(r["co2_t"]), pct(r["non_fossil_share_energy"]),
                  pct(r["electricity_final_share"]))
    return t


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def in_unit(v, unit: str) -> str:
    """A target's figure in its unit: a share as a percentage, else the number and the unit; a
    figure written as a formula (firm capacity's "(1+0.15)×peak") as written."""
    if isinstance(v, str):
        return v if unit == "share" else f"{v} {unit}"
    if _missing(v):
        return "—"
    return f"{100 * v:.1f}%" if unit == "share" else f"{number(v)} {unit}"


def _plain(v: float) -> str:
    """A dual with the decimals its size needs: 934, 7.6, 0.42."""
    a = abs(v)
    return number(v, 0 if a >= 100 or a == 0 else 1 if a >= 1 else 2)


def dual_text(r) -> str:
    """What one more unit of the target costs, in plain units; a missed target has no dual (its row
    prices the penalty, not the target): "—" and its shortfall instead."""
    if not r["met"]:
        short = r["shortfall"]
        if _missing(short):
            return "—"
        return "— short " + format_shortfall(short, r["unit"])   # as the diagnosis and the guide write it
    if _missing(r["dual"]) or r["dual"] == 0:
        return "0"
    return f"{_plain(r['dual'])} {r['dual_unit']}"


def met_text(r) -> str:
    """met (slack), binding (met at its bound, with a non-zero dual), missed (a strive target:
    amber) or MISSED (a hard target of an elastic run: red)."""
    if r["met"]:
        return "binding" if r["binding"] else "met"
    return "[yellow]missed[/]" if r["hedge"] == "strive" else "[bold red]MISSED[/]"


def targets_table(tg: pd.DataFrame) -> Table:
    """One row per target, keyed by # (its id, kind and source are listed below the table): the
    plan's figure with its hedge (左右 → about: the model holds the lower edge of the band, so
    ``required`` can sit below the quote's number), the row the model holds (sense, value, unit),
    what the plan achieves, whether it is met or binding, and the dual in plain units."""
    t = _table("#", "plan", "required", "achieved", "met", "dual", left=0)
    t.columns[1].no_wrap = False     # "35,000 MW (strive)" may wrap at its space on a narrow terminal
    t.columns[4].justify = "left"
    for key, (_, r) in enumerate(tg.iterrows(), 1):
        plan = in_unit(r["value"], r["unit"]) + ("" if r["hedge"] == "hard" else f" ({r['hedge']})")
        required = f"{SENSE_SIGNS.get(r['sense'], r['sense'])} {in_unit(r['required'], r['unit'])}"
        t.add_row(str(key), plan, required, in_unit(r["achieved"], r["unit"]), met_text(r), dual_text(r))
    return t


TARGETS_HEADING = ("targets (plan: the plan's figure and hedge; required: what the model holds; "
                   "dual: the cost of one unit more)")


def print_targets(tg: pd.DataFrame, console: Console = out) -> None:
    """The targets table, then each key's id, kind, plan, file:line and quote."""
    print_heading(console, TARGETS_HEADING)
    console.print(targets_table(tg))
    print_sources(tg, console)


def _energy_share_targets(tg) -> pd.DataFrame:
    """Non-fossil share targets of energy (非化石能源消费比重): a different measure from the
    electricity share of the system table, reported only in the targets table."""
    if tg is None or not len(tg):
        return tg.iloc[0:0] if tg is not None else pd.DataFrame()
    energy = tg["scope"].astype(str).str.startswith("energy")
    return tg[(tg["kind"] == "non_fossil_share") & energy]


def _time_line(s: dict) -> str:
    """Where the time went, one short line: "prepare 0.16 s · build 0.04 s · solve 0.42 s, IPX + crossover"."""
    steps = [("prepare", s.get("prepare_s")), ("build", s.get("build_s")), ("hand-off", s.get("handoff_s")),
             ("solve", s.get("solve_s"))]
    shown = [f"{name} {v:.2f} s" for name, v in steps if v is not None and (name == "solve" or v >= SHOWN_S)]
    solver = SOLVER_NAMES.get(s["solver"], s["solver"]) if s.get("solver") else ""
    return " · ".join(shown) + (f", {solver}" if solver else "")


def system_table(s: dict, curtailed=None) -> Table:
    """Outcome, cost, demand, emissions, shares and exchanges from ``Results.summary()``;
    ``curtailed``: ``Results.curtailment_by_technology``, to split the curtailment (GWh) by technology.
    The model size and the time go on lines below (:func:`print_system`)."""
    t = Table(show_header=False)
    t.add_column("k")
    t.add_column("v", justify="right")
    if s.get("outcome"):
        t.add_row("outcome", Text(s["outcome"], style=outcome_colours(s["outcome"]).terminal))
    t.add_row("total annualised cost", f"{s['system_cost_cny'] / 1e8:,.2f} 亿 CNY")
    t.add_row("", f"{number(s['system_cost_cny'])} CNY")     # the same, to the yuan (small cases)
    if s["target_penalty_cny"] > 0.5:
        t.add_row("+ target shortfall penalties (not a cost)", f"{s['target_penalty_cny'] / 1e8:,.2f} 亿 CNY")
    t.add_row("net cost per MWh of demand (after export revenue)", f"{s['cost_per_mwh_cny']:,.1f} CNY/MWh")
    if s.get("gross_cost_per_mwh_cny") is not None:
        t.add_row("gross cost per MWh supplied (demand + exports)", f"{s['gross_cost_per_mwh_cny']:,.1f} CNY/MWh")
    t.add_row("demand", f"{s['demand_mwh'] / 1e6:,.2f} TWh")
    if s["electrification_mwh"]:
        t.add_row("  of which electrification", f"{s['electrification_mwh'] / 1e6:,.2f} TWh")
    if s["displaced_fossil_tce"]:
        t.add_row("fossil displaced by electrification", f"{s['displaced_fossil_tce'] / 1e4:,.2f} 万 tce")
    t.add_row("emissions", f"{s['emissions_t'] / 1e6:,.3f} Mt CO2")
    t.add_row("non-fossil share of electricity (generation)", f"{100 * s['non_fossil_electricity_share']:.1f}%")
    t.add_row("curtailment", f"{s['curtailed_mwh'] / 1e3:,.1f} GWh")
    if curtailed is not None:
        for tech, v in curtailed["curtailed_mwh"].items():
            if v >= 50.0:     # >= 0.05 GWh
                t.add_row(Text(f"  {tech}"), f"{v / 1e3:,.1f} GWh")
    if s["import_mwh"] or s["export_mwh"]:
        t.add_row("import from the grid outside", f"{s['import_mwh'] / 1e6:,.2f} TWh")
        t.add_row("export to the grid outside", f"{s['export_mwh'] / 1e6:,.2f} TWh")
    t.add_row("load shed", f"{s['shed_mwh']:,.1f} MWh" + (" [red](check capacity)[/]" if s["shed_mwh"] > 1e-3 else ""))
    return t


def print_system(s: dict, curtailed=None, targets=None, console: Console = out) -> None:
    """The system table, then a note on the plans' energy shares (``targets``: ``Results.targets``),
    the model size and the time."""
    print_heading(console, "system")
    console.print(system_table(s, curtailed))
    energy = _energy_share_targets(targets)
    if len(energy):
        shares = " · ".join(f"#{int(k) + 1} {in_unit(a, 'share')}" for k, a in energy["achieved"].items())
        print_wrapped(console, "the plans' non-fossil share of energy (非化石能源消费比重) is another measure than the "
                      f"electricity share above; achieved: {shares} (targets table)", indent="  ")
    if "rows" in s:
        print_wrapped(console, f"model: {s['rows']:,} rows × {s['cols']:,} cols, {s['nonzeros']:,} nonzeros",
                      indent="  ")
    print_wrapped(console, f"time: {_time_line(s)}", indent="  ")


def print_results(res, console: Console = out) -> None:
    """Capacity, electrification, city accounts, targets (with their sources) and system figures
    of a solved case."""
    if len(res.capacities):
        print_heading(console, f"{res.case.name}: capacity (MW), storage energy in MWh")
        console.print(capacity_table(res))
    if len(res.electrification):
        print_heading(console, "electrification (电能替代): annual electricity demand added; fossil: the final "
                               "energy it displaces")
        console.print(electrification_table(res.electrification))
    if len(res.city_accounts):
        print_heading(console, "city accounts: each city's own statistics (NF = non-fossil TWh counted: net "
                               "line imports at its grid fraction, exports deducted)")
        console.print(city_accounts_table(res.city_accounts))
    tg = res.targets
    if len(tg):
        print_targets(tg.reset_index(drop=True), console)
    print_system(res.summary(), res.curtailment_by_technology, tg.reset_index(drop=True), console)
