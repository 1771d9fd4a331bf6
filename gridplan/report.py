"""The target report: what each target requires, what the plan achieves, what it costs.

Dual sign convention: the reported dual is the increase of the annual cost
(CNY) when the target is tightened by one unit (one MWh of non-fossil energy,
one kW of capacity for a year, one t CO2 less), so it is >= 0 for a binding
target and 0 for a slack one.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .case.prepare import MONEY

COLUMNS = ["id", "kind", "scope", "hedge", "sense", "value", "required", "achieved", "unit", "met",
           "shortfall", "binding", "dual", "dual_unit", "cost_per_pp", "penalty_cny",
           "source_file", "source_line", "quote"]


def _scope(t) -> str:
    parts = []
    if getattr(t, "scope", None):
        parts.append(t.scope)
    if getattr(t, "group", None):
        parts.append(t.group + (f"/{t.of_group}" if getattr(t, "of_group", None) else ""))
    parts.append(",".join(t.buses) if t.buses else "all buses")
    return "; ".join(parts)


def targets_table(case) -> pd.DataFrame:
    """The case's targets with their sources, without solving (``gridplan targets``)."""
    rows = []
    for t in case.targets:
        value = getattr(t, "value", None)
        if t.kind == "firm_capacity" and value is None:
            value = f"(1+{t.reserve_margin})×peak"
        rows.append({"id": t.id, "kind": t.kind, "scope": _scope(t), "hedge": t.hedge,
                     "sense": getattr(t, "sense", "<=" if t.kind == "co2_cap" else ">="), "value": value,
                     "source_file": t.source.file if t.source else "", "source_line": t.source.line if t.source else None,
                     "quote": t.source.quote if t.source else ""})
    return pd.DataFrame(rows, columns=["id", "kind", "scope", "hedge", "sense", "value",
                                       "source_file", "source_line", "quote"])


def _val(e, x):
    if e is None:
        return None
    if isinstance(e, (int, float, np.floating)):
        return float(e)
    return float(e.value(x)[0])


def target_report(res) -> pd.DataFrame:
    ctx = res.ctx
    rows = []
    for tid, r in ctx.target_rows.items():
        t = r.target
        x = res.x
        num = _val(r.measure_num, x)
        den = _val(r.measure_den, x)
        achieved = num / den if den else num
        raw_dual = float(res.y[r.block.offset]) / MONEY      # CNY per row unit (sign: HiGHS)
        # HiGHS gives d(objective)/d(bound); tightening a >= row raises its bound,
        # tightening a <= row lowers it: express both as cost of tightening.
        dual = abs(raw_dual) if abs(raw_dual) > 1e-9 else 0.0
        short_row = float(x[r.shortfall_col]) if getattr(r, "shortfall_col", None) is not None else 0.0
        # shortfall in the target's own unit
        if r.unit == "share":
            per_pp = _val(r.per_pp, x) if r.per_pp is not None else None
            shortfall = short_row / (per_pp * 100) if per_pp else 0.0
            cost_pp = dual * per_pp if per_pp else None
        else:
            shortfall = short_row
            cost_pp = None
        ge = r.sense == ">="
        tol = 1e-6 * max(1.0, abs(r.required))
        met = (achieved >= r.required - tol) if ge else (achieved <= r.required + tol)
        row_act = _val(r.lhs, x)
        binding = abs(row_act + (short_row if ge else -short_row) - r.rhs) <= 1e-6 * max(1.0, abs(r.rhs)) \
            and dual > 0
        rows.append({
            "id": tid, "kind": t.kind, "scope": _scope(t), "hedge": t.hedge, "sense": r.sense,
            "value": getattr(t, "value", None), "required": r.required, "achieved": achieved, "unit": r.unit,
            "met": bool(met), "shortfall": max(shortfall, 0.0), "binding": bool(binding),
            "dual": dual * r.dual_factor, "dual_unit": r.dual_unit, "cost_per_pp": cost_pp,
            "penalty_cny": short_row * r.penalty,
            "source_file": t.source.file if t.source else "",
            "source_line": t.source.line if t.source else None,
            "quote": t.source.quote if t.source else ""})
    return pd.DataFrame(rows, columns=COLUMNS)
