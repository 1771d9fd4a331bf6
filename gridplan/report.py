"""The target report: what each target requires, what the plan achieves, what it costs.

Columns of ``res.targets`` (one row per target, in the case's order):

* ``value`` the number written in the plan; ``required`` the bound the model
  enforced after the hedge (``about`` relaxes a floor to value − tolerance);
  ``achieved`` the plan's value, both in ``unit`` (share, MW, MWh, t);
* ``slack`` how far the plan is beyond the bound (>= 0 when met), ``shortfall``
  how far it falls short (> 0 only for a missed strive target or, in elastic
  mode, a target that cannot be met), both in ``unit``; ``shortfall_row`` the
  same shortfall in ``row_unit`` (MWh, tce, MW, t), the quantity the penalty
  multiplies: ``penalty_cny = shortfall_row × penalty`` in row units;
* ``dual`` the marginal cost of the target in plain units (``dual_unit``):
  CNY per MWh of non-fossil energy (electricity shares), CNY per tce (energy
  shares), CNY per kW-yr of capacity (capacity kinds), CNY per t CO2, CNY per
  MWh (generation); ``cost_per_pp`` for shares, CNY per percentage point;
* ``binding`` the row is active and its dual is non-zero; ``met`` achieved
  reaches ``required``. A missed target (``met`` false: a strive target, or any
  target of an elastic run that cannot be met) is never ``binding`` and has no
  ``dual`` or ``cost_per_pp`` (NaN): its row's dual is the penalty it pays, which
  is what ``penalty`` states, not what the target costs.

Dual sign convention: the reported dual is the increase of the annual cost
(CNY) when the target is tightened by one unit (one more MWh of non-fossil
energy, one more kW of capacity for a year, one t CO2 less), so it is >= 0
for a binding target and 0 for a slack one. HiGHS's row dual is
d(objective)/d(row bound) in model money (kCNY; the row's dual scale turns it into CNY): positive on an
active ``>=`` row, negative on an active ``<=`` row; both are converted here.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from .case.targets import kind_of, value_of
from .errors import GridplanError, SolveError, TargetsInfeasible, status_kind


COLUMNS = ["id", "kind", "scope", "hedge", "sense", "value", "required", "achieved", "unit", "met",
           "slack", "shortfall", "shortfall_row", "row_unit", "binding", "dual", "dual_unit", "cost_per_pp",
           "penalty", "penalty_cny", "plan", "source_file", "source_line", "quote"]
TABLE_COLUMNS = ["id", "kind", "scope", "hedge", "sense", "value", "unit", "tolerance", "penalty", "strict",
                 "description", "plan", "source_file", "source_line", "quote"]

DUAL_TOL = 1e-6      # CNY per row unit: below this a dual is solver noise


def _scope(t) -> str:
    parts = []
    if getattr(t, "scope", None):
        parts.append(t.scope)
    if getattr(t, "group", None):
        parts.append(t.group + (f"/{t.of_group}" if getattr(t, "of_group", None) else ""))
    if getattr(t, "hydro_group", None) and getattr(t, "unit", None) == "share":
        parts.append(f"seasonal/{t.hydro_group}")
    parts.append(",".join(t.buses) if t.buses else "all buses")
    return "; ".join(parts)


def _source(t) -> dict:
    """Where the target comes from: ``plan`` is the cited plan's city and title from the shipped
    index (:mod:`gridplan.case.plans`), "" for a file not in it (a user case's own document)."""
    from .case.plans import plan_title
    return {"plan": plan_title(t.source.file) if t.source else "",
            "source_file": t.source.file if t.source else "",
            "source_line": t.source.line if t.source else None,
            "quote": t.source.quote if t.source else ""}


def targets_table(case) -> pd.DataFrame:
    """The case's targets with their sources, without solving (``gridplan targets``)."""
    rows = []
    for t in case.targets:
        kind = kind_of(t)
        rows.append({"id": t.id, "kind": t.kind, "scope": _scope(t), "hedge": t.hedge, "sense": kind.sense_of(t),
                     "value": value_of(t), "unit": kind.unit_of(t), "tolerance": t.tolerance, "penalty": t.penalty,
                     "strict": t.strict, "description": t.description, **_source(t)})
    out = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    out["source_line"] = out["source_line"].astype("Int64")
    return out


def _val(e, x):
    if e is None:
        return None
    if isinstance(e, (int, float, np.floating)):
        return float(e)
    return float(e.value(x)[0])


def target_report(res) -> pd.DataFrame:
    ctx = res.ctx
    x = res.x
    if x is None:       # not solved to optimality: what is required, nothing achieved
        out = targets_table(res.case)[["id", "kind", "scope", "hedge", "sense", "value", "unit",
                                       "plan", "source_file", "source_line", "quote"]]
        return out.reindex(columns=COLUMNS)
    rows = []
    for tid, r in ctx.target_rows.items():
        t = r.target
        ge = r.sense == ">="
        num = _val(r.measure_num, x)
        den = _val(r.measure_den, x)
        if r.measure_den is None:
            achieved = num
        else:
            achieved = num / den if den else float("nan")
        # CNY per row unit, as cost of tightening (see the module docstring)
        raw = float(res.dual(r.block.name).ravel()[0])   # CNY per row unit (the block's dual scale)
        dual = raw if ge else -raw
        if abs(dual) <= DUAL_TOL:
            dual = 0.0
        per_pp = _val(r.per_pp, x) if r.per_pp is not None else None
        # row units per unit of the target (share rows: 100 pp), for shortfall and tolerances
        scale = per_pp * 100 if (r.unit == "share" and per_pp) else max(1.0, abs(r.rhs))
        short_row = float(x[r.shortfall_col]) if r.shortfall_col is not None else 0.0
        if short_row <= 1e-7 * scale:
            short_row = 0.0
        if r.unit == "share":
            shortfall = short_row / scale if per_pp else 0.0
            cost_pp = dual * per_pp if per_pp is not None else None
        else:
            shortfall = short_row
            cost_pp = None
        # a hard row holds at an optimum; a soft one is met when its shortfall is nil
        # (this also covers shares of an empty denominator, where `achieved` is NaN)
        met = short_row == 0.0
        if not met:      # the dual of a missed target is its penalty, not what the target costs
            dual, cost_pp = float("nan"), (float("nan") if cost_pp is not None else None)
        slack = (achieved - r.required) if ge else (r.required - achieved)
        row_act = _val(r.lhs, x) + (short_row if ge else -short_row)
        active = abs(row_act - r.rhs) <= 1e-6 * scale
        rows.append({
            "id": tid, "kind": t.kind, "scope": _scope(t), "hedge": t.hedge, "sense": r.sense,
            "value": value_of(t), "required": r.required, "achieved": achieved, "unit": r.unit,
            "met": met, "slack": (max(slack, 0.0) if np.isfinite(slack) else slack) if met else 0.0,
            "shortfall": max(shortfall, 0.0),
            "shortfall_row": short_row, "row_unit": r.row_unit,
            "binding": bool(met and active and dual > 0),
            "dual": dual * r.dual_factor, "dual_unit": r.dual_unit, "cost_per_pp": cost_pp,
            "penalty": r.penalty_dual if r.soft else None, "penalty_cny": short_row * r.penalty,
            **_source(t)})
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["source_line"] = out["source_line"].astype("Int64")
    out[["met", "binding"]] = out[["met", "binding"]].astype(bool)   # also when there are no targets
    return out


# --------------------------------------------------------------------------- the outcome of a run

OUTCOMES = {
    "optimal": (0, "an optimum that meets every target"),
    "strive missed": (0, "an optimum that meets every hard target; a strive (力争) target is missed, "
                         "its shortfall priced at its penalty"),
    "targets missed": (4, "the hard targets cannot all be met: an elastic solution, each shortfall priced "
                          "at the elastic penalty (what the plan would take, not a plan that meets them)"),
    "infeasible": (3, "no operation meets the demand within the network's limits, targets aside"),
    "solver failure": (3, "the solver stopped without an optimum (a time limit, numerical trouble)"),
    "input error": (2, "the case could not be read or built"),
    "internal error": (1, "gridplan itself failed (a bug: please report it with the case)"),
}
"""Every run ends in one of these outcomes, with the CLI exit code that goes with it and what it
means. The CLI, :attr:`gridplan.Results.outcome`, ``summary.csv``, the comparison tables and the
HTML page all use these words; ``status`` keeps HiGHS' own model status beside it."""

FAILED = ("infeasible", "solver failure", "input error", "internal error")
BATCH_FAILED_EXIT = 5
"""The exit code of a batch in which a run failed (:data:`FAILED`); otherwise a batch exits with
the highest code of its runs' outcomes."""
"""Outcomes with no solution to report (a batch counts them as failed runs)."""


class OutcomeColours(NamedTuple):
    """How an outcome is shown, the same in the notebook, the plots, the HTML page and the CLI."""
    ink: str        # the outcome's word on white (the notebook view, the plots' labels)
    fill: str       # the background of a table cell holding the word (the comparison page)
    on_fill: str    # the word in that cell
    terminal: str   # the rich style of the CLI's outcome row


FAILURE_COLOURS = OutcomeColours("#b3261e", "#c0392b", "#fff", "bold red")
OUTCOME_COLOURS = {
    "optimal": OutcomeColours("#1b7f3b", "#e3f4e8", "#14632d", "bold green"),
    "strive missed": OutcomeColours("#9a5b00", "#fff1cc", "#7a4a00", "bold yellow"),
    "targets missed": OutcomeColours("#b3261e", "#fbd9d5", "#a3231a", "bold red"),
    **{o: FAILURE_COLOURS for o in FAILED},
}
"""The one palette of the outcomes (:data:`OUTCOMES`): green met, amber a strive target missed,
red the hard targets missed, a red cell for a run with no plan."""


def outcome_colours(outcome: str) -> OutcomeColours:
    """The colours of an outcome; a word that is not one (a foreign table's) is shown as a failure."""
    return OUTCOME_COLOURS.get(outcome, FAILURE_COLOURS)


def outcome_of(res) -> str:
    """The outcome (:data:`OUTCOMES`) of a :class:`gridplan.Results` of any status."""
    if not res.ok:
        return "infeasible" if status_kind(res.status) == "infeasible" else "solver failure"
    if len(missed_hard_targets(res)):
        return "targets missed"
    return "strive missed" if len(unmet_targets(res)) else "optimal"


def exit_code(outcome: str) -> int:
    """The CLI exit code of an outcome (:data:`OUTCOMES`)."""
    return OUTCOMES[outcome][0]


def outcome_of_error(exc: BaseException) -> str:
    """The outcome of a run that raised ``exc`` instead of returning Results: hard targets out of
    reach (the elastic re-solve's diagnosis), an infeasible operation, a solver that stopped, bad
    input, or a bug."""
    if isinstance(exc, TargetsInfeasible):
        return "targets missed"
    if isinstance(exc, SolveError):
        return "infeasible" if status_kind(exc.status) == "infeasible" else "solver failure"
    return "input error" if isinstance(exc, GridplanError) else "internal error"


def outcome_counts(outcomes) -> str:
    """"6 runs: 4 optimal, 1 strive missed, 1 targets missed, 0 failed": every outcome that
    occurs, in :data:`OUTCOMES` order, the failed ones (:data:`FAILED`) counted together."""
    outcomes = list(outcomes)
    n = len(outcomes)
    parts = [f"{outcomes.count(o)} {o}" for o in OUTCOMES if o not in FAILED and (outcomes.count(o) or o == "optimal")]
    failed = sum(outcomes.count(o) for o in FAILED)
    return f"{n} run{'s' if n != 1 else ''}: " + ", ".join(parts + [f"{failed} failed"])


def unmet_targets(res) -> pd.DataFrame:
    """The targets the plan does not meet (missed strive targets; in elastic mode, infeasible ones)."""
    tg = res.targets
    return tg[~tg["met"]].reset_index(drop=True)


def missed_hard_targets(res) -> pd.DataFrame:
    """The unmet targets whose hedge is not ``strive``: after an elastic solve, a plan that
    misses one fails the case (CLI exit 4); a missed strive target (力争) is only reported."""
    missed = unmet_targets(res)
    return missed[missed["hedge"] != "strive"].reset_index(drop=True)


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and not np.isfinite(v))


def _fmt_target(v, unit) -> str:
    """A target's required or achieved amount in its unit ("60.00 %", "20 MW"), one form everywhere."""
    if _missing(v):
        return "—"
    if unit == "share":
        return f"{100 * v:.2f} %"
    # ",.6g" would print a million MWh as "1e+06"; from there on whole units with separators read better
    return f"{v:,.0f} {unit}" if abs(v) >= 1e6 else f"{v:,.6g} {unit}"


def format_shortfall(value, unit: str) -> str:
    """How far a target falls short, in its unit: a share in percentage points ("10.00 pp"),
    anything else as the report writes every target figure ("20 MW"); "—" when there is none.
    The diagnosis, the result set's guide, the notebook view and the CLI table all write it so."""
    if unit == "share" and not _missing(value):
        return f"{100 * value:.2f} pp"     # a difference of shares: points, not per cent
    return _fmt_target(value, unit)


def diagnosis(res) -> str:
    """One line per unmet target: what it requires, what the plan reaches, the shortfall and its source.

    After ``gridplan.solve(case, elastic=True)`` these are the targets that cannot
    be met together (at any cost below the elastic penalty); shedding, if any, is
    a separate, physical shortfall (``res.shedding``).
    """
    lines = []
    for _, r in unmet_targets(res).iterrows():
        u = r["unit"]
        src = f" [{r['source_file']}:{r['source_line']}]" if r["source_file"] else ""
        lines.append(f"{r['id']} ({r['kind']}, {r['hedge']}): requires {r['sense']} {_fmt_target(r['required'], u)}, "
                     f"plan reaches {_fmt_target(r['achieved'], u)}; shortfall {format_shortfall(r['shortfall'], u)}{src}")
    return "\n".join(lines) if lines else "all targets met"


# --------------------------------------------------------------------------- a notebook's view

def results_html(res) -> str:
    """``Results._repr_html_``: the outcome (coloured, with its meaning), the headline figures,
    capacity by bus and technology, and the targets (met yes/no; a missed target's shortfall,
    never its penalty as a cost). Plain HTML tables, no assets, for a notebook cell."""
    import html
    o = outcome_of(res)
    head = (f'<p><b>{html.escape(res.case.name)}</b> ({res.case.year}): <b style="color:'
            f'{outcome_colours(o).ink}">{html.escape(o)}</b> — {html.escape(OUTCOMES[o][1])}</p>')
    if not res.ok:
        return head + f"<p>HiGHS status: {html.escape(res.status)}</p>"
    s = res.summary()
    facts = pd.DataFrame({"": [f"{s['system_cost_cny'] / 1e8:,.2f} 亿 CNY/yr", f"{s['cost_per_mwh_cny']:,.1f} CNY/MWh",
                               f"{s['demand_mwh'] / 1e6:,.2f} TWh", f"{s['emissions_t'] / 1e6:,.3f} Mt CO2",
                               f"{100 * s['non_fossil_electricity_share']:.1f} %", f"{s['shed_mwh']:,.0f} MWh"]},
                         index=["system cost (annualised, penalties excluded)", "net cost per MWh of demand",
                                "demand", "emissions", "non-fossil share of electricity", "load shed"])
    tg = res.targets
    rows = pd.DataFrame({
        "target": tg["id"], "kind": tg["kind"], "required": [f"{'≥' if r.sense == '>=' else '≤'} {_fmt_target(r.required, r.unit)}"
                                                              for r in tg.itertuples()],
        "achieved": [_fmt_target(r.achieved, r.unit) for r in tg.itertuples()],
        "met": np.where(tg["met"], "yes", "no"),
        "shortfall": ["" if r.met else format_shortfall(r.shortfall, r.unit) for r in tg.itertuples()],
        "marginal cost": [f"{r.dual:,.4g} {r.dual_unit}" if r.binding else ("—" if not r.met else "0")
                          for r in tg.itertuples()]})
    return (head + facts.to_html(header=False) + "<p><b>capacity by bus (MW)</b></p>"
            + res.capacity_by_bus().round(1).to_html() + "<p><b>targets</b></p>" + rows.to_html(index=False))


# --------------------------------------------------------------------------- the result set's guide

def _day(day) -> str:
    """'29 Dec' for a date."""
    return f"{day.day} {day.strftime('%b')}"


def stress_lines(days, top: int = 3) -> list[str]:
    """The ``top`` most stressed days of ``Results.days`` (most load shed, then the highest bus
    price, then the highest demand) as short lines; the days of one typical day are one line."""
    lines = ["most stressed days (by load shed, highest price, demand; every day in days.csv):"]
    for _, group in list(days.groupby("stress_rank", sort=True))[:top]:
        d = group.iloc[0]
        when = _day(d["date"]) + (f" + {len(group) - 1} like it (typical day {d['typical_day']})"
                                  if len(group) > 1 else "")
        shed = f"{d['shed_mwh']:,.0f} MWh shed; " if d["shed_mwh"] > 0 else ""
        lines.append(f"  {when}: {shed}up to {d['peak_price_cny_per_mwh']:,.0f} CNY/MWh "
                     f"({d['peak_price_bus']} {d['peak_price_time']}); peak {d['peak_demand_mw']:,.0f} MW")
    return lines


FILES = {
    "summary.csv": "the headline figures: outcome, costs (CNY/yr), demand (MWh), emissions (t CO2), shares",
    "targets.csv": "one row per target: required, achieved, met, shortfall, binding, dual in plain units "
                   "(dual_unit), cost_per_pp for shares, the plan's file, line and words",
    "capacities.csv": "every asset: existing, built, total (MW; storage energy in MWh)",
    "costs.csv": "the annualised cost by term (CNY/yr)",
    "days.csv": "one row per calendar day: peak demand, highest price (where, when), load shed, stress_rank",
    "snapshots.csv": "where each snapshot of the hourly frames sits in time, and its weight (h)",
    "dispatch.csv": "what every unit injects per snapshot (MW; charging and exports negative)",
    "prices.csv": "the marginal cost of electricity per snapshot and bus (CNY/MWh)",
    "flows.csv": "line flows per snapshot (MW, bus0 → bus1 positive)",
    "storage_levels.csv": "storage and reservoir levels (MWh), per snapshot or per hour of the year",
    "energy.csv": "annual energy per unit (MWh/yr)", "emissions.csv": "annual CO2 per unit (t/yr)",
    "curtailment.csv": "available, generated and curtailed energy per unit (MWh/yr)",
    "curtailment_by_technology.csv": "the same per technology, with the share curtailed",
    "shedding.csv": "load not served per bus (MWh/yr, hours, MW)",
    "electrification.csv": "electrification chosen per bus (MWh/yr) and the fossil tce it displaces",
    "city_accounts.csv": "each city's statistics: demand, non-fossil electricity, CO2, energy shares",
    "capacity.png": "capacity by bus and technology (hatched existing, solid built)",
    "dispatch.png": "supply by technology over the most stressed week or the typical days, with prices",
    "network.png": "the buses on a map with what is built and the lines' flows (network cases)",
    "highs.log": "the solver's log", "manifest.json": "what made these files: inputs (SHA-256), settings, version",
}
"""What each file of a result set holds (README.md of the set lists those present)."""


def _target_line(r) -> str:
    sense = "≥" if r["sense"] == ">=" else "≤"
    line = (f"- `{r['id']}` ({r['kind']}): required {sense} {_fmt_target(r['required'], r['unit'])}, "
            f"achieved {_fmt_target(r['achieved'], r['unit'])}")
    if not r["met"]:
        return line + f"; **short by {format_shortfall(r['shortfall'], r['unit'])}**"
    if r["binding"]:
        cost = (f"{r['cost_per_pp']:,.0f} CNY/yr per percentage point" if r["unit"] == "share"
                and pd.notna(r["cost_per_pp"]) else f"{r['dual']:,.4g} {r['dual_unit']}")
        return line + f"; binding, tightening it costs {cost}"
    return line


def _built_corridors(res) -> pd.DataFrame:
    """Lines and exchanges with the grid outside that the plan builds on (they are not plants,
    so :meth:`Results.capacity_by_bus` leaves them out)."""
    c = res.capacities
    return c[c["component"].isin(["line", "exchange"]) & (c["built"] > 0.5)]


def result_guide(res, files=()) -> str:
    """README.md of a result set: the outcome in words, the targets missed and binding (with
    what tightening each costs), what is built where, the stressed days, and what each file in
    ``files`` holds — so the folder reads without gridplan."""
    o = outcome_of(res)
    lines = [f"# {res.case.name} ({res.case.year}): {o}", "", OUTCOMES[o][1][0].upper() + OUTCOMES[o][1][1:] + ".", ""]
    if not res.ok:
        return "\n".join(lines + [f"HiGHS status: {res.status}.", ""])
    d = res.data
    how = (f"{d.clustering.k} typical days linked across the year" if d.typical_day_of is not None
           else f"{d.T} snapshots of {float(d.duration[0]):g} h")
    s = res.summary()
    lines += [f"Solved over {how}{' with every hard target elastic' if res.elastic else ''}; HiGHS status "
              f"{res.status}. System cost {s['system_cost_cny'] / 1e8:,.2f} 亿 CNY/yr (penalties excluded), "
              f"{s['emissions_t'] / 1e6:,.3f} Mt CO2, load shed {s['shed_mwh']:,.0f} MWh.", ""]
    tg = res.targets
    lines += ["## Targets", ""]
    if not len(tg):
        lines += ["(none in this case)", ""]
    for title, part in (("Missed", tg[~tg["met"]]), ("Binding (met, with a cost at the margin)", tg[tg["binding"]]),
                        ("Met with room to spare", tg[tg["met"] & ~tg["binding"]])):
        if len(part):
            lines += [f"{title}:", "", *[_target_line(r) for _, r in part.iterrows()], ""]
    cb = res.capacity_by_bus().reset_index()          # plants per bus × technology, storage MWh apart
    built = cb[(cb["built"] > 0.5) & ~cb["technology"].str.endswith(" MWh")]
    lines += ["## What the plan builds (MW)", ""]
    lines += [f"- {r['bus']}: {r['technology']} +{r['built']:,.0f} MW (to {r['total']:,.0f})"
              for _, r in built.iterrows()] or ["- nothing new"]
    lines += [f"- {r['bus']}: {r['component']} {r['name']} +{r['built']:,.0f} MW (to {r['total']:,.0f})"
              for _, r in _built_corridors(res).iterrows()]
    lines += ["", "## When the system is stressed", "", *[ln.strip() if i == 0 else "- " + ln.strip()
                                                         for i, ln in enumerate(stress_lines(res.days))], ""]
    present = [f for f in FILES if f in set(files)]
    if present:
        lines += ["## Files", "", "| file | what it holds |", "|---|---|",
                  *[f"| {f} | {FILES[f]} |" for f in present], ""]
    return "\n".join(lines)
