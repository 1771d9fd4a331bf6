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
  reaches ``required``.

Dual sign convention: the reported dual is the increase of the annual cost
(CNY) when the target is tightened by one unit (one more MWh of non-fossil
energy, one more kW of capacity for a year, one t CO2 less), so it is >= 0
for a binding target and 0 for a slack one. HiGHS's row dual is
d(objective)/d(row bound) in model money (kCNY; the row's dual scale turns it into CNY): positive on an
active ``>=`` row, negative on an active ``<=`` row; both are converted here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .case.targets import kind_of, value_of
from .errors import status_kind


COLUMNS = ["id", "kind", "scope", "hedge", "sense", "value", "required", "achieved", "unit", "met",
           "slack", "shortfall", "shortfall_row", "row_unit", "binding", "dual", "dual_unit", "cost_per_pp",
           "penalty", "penalty_cny", "source_file", "source_line", "quote"]
TABLE_COLUMNS = ["id", "kind", "scope", "hedge", "sense", "value", "unit", "tolerance", "penalty", "strict",
                 "description", "source_file", "source_line", "quote"]

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
    return {"source_file": t.source.file if t.source else "",
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
                                       "source_file", "source_line", "quote"]]
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
        slack = (achieved - r.required) if ge else (r.required - achieved)
        row_act = _val(r.lhs, x) + (short_row if ge else -short_row)
        active = abs(row_act - r.rhs) <= 1e-6 * scale
        rows.append({
            "id": tid, "kind": t.kind, "scope": _scope(t), "hedge": t.hedge, "sense": r.sense,
            "value": value_of(t), "required": r.required, "achieved": achieved, "unit": r.unit,
            "met": met, "slack": (max(slack, 0.0) if np.isfinite(slack) else slack) if met else 0.0,
            "shortfall": max(shortfall, 0.0),
            "shortfall_row": short_row, "row_unit": r.row_unit,
            "binding": bool(active and dual > 0),
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
}
"""Every run ends in one of these outcomes, with the CLI exit code that goes with it and what it
means. The CLI, :attr:`gridplan.Results.outcome`, ``summary.csv``, the comparison tables and the
HTML page all use these words; ``status`` keeps HiGHS' own model status beside it."""

FAILED = ("infeasible", "solver failure", "input error")
"""Outcomes with no solution to report (a batch counts them as failed runs)."""


def outcome_of(res) -> str:
    """The outcome (:data:`OUTCOMES`) of a :class:`gridplan.Results` of any status."""
    if not res.ok:
        return "infeasible" if status_kind(res.status) == "infeasible" else "solver failure"
    tg = res.targets
    missed = tg[~tg["met"]]
    if (missed["hedge"] != "strive").any():
        return "targets missed"
    return "strive missed" if len(missed) else "optimal"


def exit_code(outcome: str) -> int:
    """The CLI exit code of an outcome (:data:`OUTCOMES`)."""
    return OUTCOMES[outcome][0]


def unmet_targets(res) -> pd.DataFrame:
    """The targets the plan does not meet (missed strive targets; in elastic mode, infeasible ones)."""
    tg = res.targets
    return tg[~tg["met"]].reset_index(drop=True)


def missed_hard_targets(res) -> pd.DataFrame:
    """The unmet targets whose hedge is not ``strive``: after an elastic solve, a plan that
    misses one fails the case (CLI exit 4); a missed strive target (力争) is only reported."""
    missed = unmet_targets(res)
    return missed[missed["hedge"] != "strive"].reset_index(drop=True)


def diagnosis(res) -> str:
    """One line per unmet target: what it requires, what the plan reaches, the shortfall and its source.

    After ``gridplan.solve(case, elastic=True)`` these are the targets that cannot
    be met together (at any cost below the elastic penalty); shedding, if any, is
    a separate, physical shortfall (``res.shedding``).
    """
    lines = []
    for _, r in unmet_targets(res).iterrows():
        u = r["unit"]
        fmt = (lambda v: f"{100 * v:.2f}%") if u == "share" else (lambda v: f"{v:,.6g} {u}")
        short = f"{100 * r['shortfall']:.2f} pp" if u == "share" else fmt(r["shortfall"])
        src = f" [{r['source_file']}:{r['source_line']}]" if r["source_file"] else ""
        lines.append(f"{r['id']} ({r['kind']}, {r['hedge']}): requires {r['sense']} {fmt(r['required'])}, "
                     f"plan reaches {fmt(r['achieved'])}; shortfall {short}{src}")
    return "\n".join(lines) if lines else "all targets met"
