"""Plots and the HTML page of a comparison (matplotlib's Agg canvas; no pyplot state).

* :func:`capacity_mix` — stacked bars of installed capacity per case, by
  technology: hatched pale segments are existing capacity, solid segments
  capacity built by the plan.
* :func:`target_costs` — one panel per target that binds in at least one case:
  the marginal cost of tightening it. Share targets are shown as **CNY per year
  per percentage point** (the dual × the target row's units per pp: what one
  more point of non-fossil share would add to the annual cost); other targets
  as their dual in plain units (CNY per kW-yr, per MWh, per t CO2, per tce).
* :func:`index_html` — one self-contained page (tables + images embedded as
  data URIs) that a planner can open from the output folder.
"""
from __future__ import annotations

import base64
import html
from datetime import datetime
from pathlib import Path

import pandas as pd

from .results import CAPACITY_COMPONENTS   # power capacity (MW) the capacity plots show

_ORDER = ("coal", "gas", "oil", "nuclear", "biomass", "hydro", "wind", "solar", "storage", "battery", "pumped")


def _figure(w, h):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(w, h), dpi=110)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: Path) -> Path:
    from .io import atomic_write
    path = Path(path)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", bbox_inches="tight"))
    return path


def _tech_key(t: str):
    t = str(t)
    for i, k in enumerate(_ORDER):
        if k in t:
            return (i, t)
    return (len(_ORDER), t)


def _cases(table: pd.DataFrame) -> list[tuple[str, bool]]:
    if table is None or table.empty:
        return []
    return [(str(c), bool(ok)) for c, ok in zip(table["case"], table["ok"])]


def capacity_mix(capacities: pd.DataFrame, table: pd.DataFrame, path) -> Path:
    """Stacked bars per case: existing (hatched) and built (solid) MW by technology."""
    cases = _cases(table)
    cap = capacities[capacities["component"].isin(CAPACITY_COMPONENTS)] if len(capacities) else capacities
    techs = sorted(set(cap["technology"].astype(str)) if len(cap) else set(), key=_tech_key)
    fig = _figure(max(6.0, 0.9 * len(cases) + 4.0), 5.0)
    ax = fig.add_subplot(1, 1, 1)
    if not cases or not techs:
        ax.text(0.5, 0.5, "no capacity to show" if cases else "no cases", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return _save(fig, path)
    piv = cap.assign(technology=cap["technology"].astype(str)).groupby(["case", "technology"])[
        ["existing", "built"]].sum()
    top = piv.groupby(level="case").sum().sum(axis=1).max() if len(piv) else 0.0
    scale, unit = (1e3, "GW") if top >= 5000 else (1.0, "MW")
    from matplotlib import colormaps
    cmap = colormaps["tab20"]
    colors = {t: cmap(i % 20) for i, t in enumerate(techs)}
    x = range(len(cases))
    bottoms = [0.0] * len(cases)
    for t in techs:
        for part, style in (("existing", dict(alpha=0.45, hatch="///")), ("built", dict(alpha=1.0))):
            vals = []
            for name, ok in cases:
                v = float(piv.loc[(name, t), part]) if ok and (name, t) in piv.index else 0.0
                vals.append(v / scale)
            if any(v > 0 for v in vals):
                ax.bar(list(x), vals, bottom=bottoms, color=colors[t], edgecolor=colors[t], linewidth=0.6,
                       **style)
                bottoms = [b + v for b, v in zip(bottoms, vals)]
    for i, (name, ok) in enumerate(cases):
        if not ok:
            ax.text(i, 0, "failed", ha="center", va="bottom", color="firebrick", rotation=90, fontsize=9)
    from matplotlib.patches import Patch
    handles = [Patch(facecolor=colors[t], edgecolor=colors[t], label=t) for t in reversed(techs)]
    handles += [Patch(facecolor="lightgrey", edgecolor="grey", hatch="///", alpha=0.6, label="existing (hatched)"),
                Patch(facecolor="grey", edgecolor="grey", label="built (solid)")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.set_xticks(list(x))
    ax.set_xticklabels([c for c, _ in cases], rotation=30 if len(cases) > 3 else 0,
                       ha="right" if len(cases) > 3 else "center", fontsize=8)
    ax.set_ylabel(f"installed capacity ({unit})")
    ax.set_title("Capacity mix per case: existing + built (generation, reservoirs, storage power)", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    return _save(fig, path)


def _scaled(values, unit):
    m = max((abs(v) for v in values), default=0.0)
    if m >= 1e7 and unit.startswith("CNY"):
        return [v / 1e6 for v in values], "million " + unit
    if m >= 1e4 and unit.startswith("CNY"):
        return [v / 1e3 for v in values], "thousand " + unit
    return list(values), unit


def target_costs(targets: pd.DataFrame, table: pd.DataFrame, path) -> Path:
    """One panel per target binding somewhere: its marginal cost per case, in plain units."""
    cases = _cases(table)
    binding_ids = []
    if len(targets):
        b = targets[targets["binding"].astype(bool)]
        binding_ids = list(dict.fromkeys(b["id"].astype(str)))
    n = len(binding_ids)
    if n == 0:
        fig = _figure(6.0, 2.0)
        ax = fig.add_subplot(1, 1, 1)
        ax.text(0.5, 0.5, "no target binds in any case (every target is met at no extra cost)",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _save(fig, path)
    ncol = min(3, n)
    nrow = (n + ncol - 1) // ncol
    w = max(4.0, 0.55 * len(cases) + 2.5)
    fig = _figure(w * ncol, 3.4 * nrow + 0.6)
    for k, tid in enumerate(binding_ids):
        ax = fig.add_subplot(nrow, ncol, k + 1)
        rows = targets[targets["id"].astype(str) == tid].set_index("case")
        unit = str(rows["marginal_cost_unit"].iloc[0])
        kind = str(rows["kind"].iloc[0])
        vals, notes = [], []
        for name, ok in cases:
            if not ok or name not in rows.index:
                vals.append(0.0)
                notes.append("failed" if not ok else "no such target")
                continue
            r = rows.loc[name]
            if isinstance(r, pd.DataFrame):
                r = r.iloc[0]
            binding = bool(r["binding"])
            vals.append(float(r["marginal_cost"]) if binding else 0.0)
            notes.append("" if binding else ("missed" if not bool(r["met"]) else "slack"))
        vals, ylabel = _scaled(vals, unit)
        xs = list(range(len(cases)))
        ax.bar(xs, vals, color="#4c72b0")
        for i, note in enumerate(notes):
            if note:
                ax.text(i, 0, note, ha="center", va="bottom", fontsize=7, rotation=90,
                        color="firebrick" if note in ("missed", "failed") else "grey")
        ax.set_xticks(xs)
        ax.set_xticklabels([c for c, _ in cases], rotation=30 if len(cases) > 2 else 0,
                           ha="right" if len(cases) > 2 else "center", fontsize=7)
        ax.set_title(f"{tid} ({kind})", fontsize=9)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    fig.suptitle("Marginal cost of each binding target\nshare targets: annual cost of one more percentage "
                 "point; others: the dual (cost of one more unit)", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    return _save(fig, path)


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans SC',sans-serif;
     margin:24px;color:#222;max-width:1400px}
h1{font-size:1.4em} h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;font-size:12.5px;margin:8px 0}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:right;white-space:nowrap}
th{background:#f3f4f6;text-align:center} td:first-child,th:first-child{text-align:left}
tr:nth-child(even) td{background:#fafafa} .err{color:#b00020;white-space:normal;text-align:left}
.note{color:#555;font-size:13px;max-width:1000px} img{max-width:100%;border:1px solid #eee}
details{margin:8px 0} .scroll{overflow-x:auto}
"""


def _img(path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(Path(path).stem)}" src="data:image/png;base64,{data}">'


def _num(v: float) -> str:
    if pd.isna(v):
        return ""
    a = abs(v)
    if a >= 1e4 or (a >= 1 and float(v).is_integer()):
        return f"{v:,.0f}"
    if a >= 1:
        return f"{v:,.2f}"
    return f"{v:.4g}"


def _table(df: pd.DataFrame) -> str:
    if df is None or df.empty:
        return "<p class=note>(none)</p>"

    def fmt(v):
        if isinstance(v, bool):
            return "yes" if v else ""
        if isinstance(v, float):
            return _num(v)
        if v is None or v is pd.NA:
            return ""
        return str(v)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for _, r in df.iterrows():
        cells = []
        for c in df.columns:
            cls = ' class="err"' if c == "error" and r[c] else ""
            cells.append(f"<td{cls}>{html.escape(fmt(r[c]))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def index_html(comp, images: dict) -> str:
    """The comparison as one HTML page with no external assets."""
    s = comp.settings
    res = s.get("resolution")
    how = (f"{s['typical_days']} typical days" if s.get("typical_days") else
           f"{res}-hour snapshots" if res else "each case's own time settings")
    n = len(comp.records)
    ok = sum(bool(r.get("ok")) for r in comp.records)
    tg = comp.targets
    tcols = [c for c in ["case", *comp.scenario_columns, "id", "kind", "hedge", "sense", "required", "achieved",
                         "unit", "met", "binding", "shortfall", "dual", "dual_unit", "marginal_cost",
                         "marginal_cost_unit", "penalty_cny"] if c in tg.columns]
    failed = comp.failed
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        "<title>gridplan comparison</title>", f"<style>{_CSS}</style></head><body>",
        "<h1>gridplan comparison</h1>",
        f"<p class=note>{n} runs, {ok} optimal, {n - ok} failed · {html.escape(how)} · written "
        f"{datetime.now().strftime('%Y-%m-%d %H:%M')}. Costs are annualised (CNY per year; 1 亿 = 10<sup>8</sup>); "
        "the non-fossil share is of electricity demand.</p>",
        "<h2>Summary</h2>", _table(comp.summary_frame()),
    ]
    if len(failed):
        parts += ["<h2>Failed runs</h2>", _table(failed[["case", "status", "error"]])]
    parts += [
        "<h2>Capacity mix</h2>",
        "<p class=note>Installed capacity per case. Hatched pale segments: existing capacity; solid: built by "
        "the plan. Generation, reservoirs and storage power (MW); storage energy, lines and demand response "
        "are in the tables below.</p>", _img(images["capacity_mix"]),
        "<h2>Cost of binding targets</h2>",
        "<p class=note>For each target that binds in at least one case: what tightening it would add to the "
        "annual cost. Share targets (non-fossil share, capacity share): CNY per year per percentage point. "
        "Other targets: the dual in plain units (CNY per kW-yr of capacity, per MWh, per t CO2, per tce). "
        "A slack target costs nothing at the margin.</p>", _img(images["target_costs"]),
        "<h2>Targets</h2>", _table(tg[tcols] if len(tg) else tg),
        "<h2>All columns</h2>",
        "<details><summary>comparison table (one row per run)</summary>", _table(comp.table), "</details>",
        "<h2>Files</h2><ul>",
    ]
    for f, what in (("comparison.csv", "one row per run"), ("targets.csv", "one row per run × target"),
                    ("capacities.csv", "one row per run × component × technology"),
                    ("costs.csv", "one row per run × cost term"), ("comparison.xlsx", "all four tables"),
                    ("summary.md", "this summary as Markdown"),
                    ("cases/", "full results of every run (CSV) and meta.json")):
        parts.append(f'<li><a href="{f}">{f}</a> — {html.escape(what)}</li>')
    parts.append("</ul></body></html>\n")
    return "\n".join(parts)


# --------------------------------------------------------------------------- one solved case


def dispatch_week(res, path, bus=None) -> Path:
    """Stacked supply of the week around the highest-demand snapshot, with demand and price.

    Chronological runs show that week; typical-day runs show the typical days in
    calendar order (each labelled by the days it stands for). Charging, exports,
    curtailed load and the load electrification adds are drawn below zero.
    """
    d = res.dispatch
    snaps = res.snapshots
    data = res.data
    demand = data.demand.sum(axis=0) if bus is None else data.demand[data.buses.get_loc(bus)]
    if data.typical_day_of is None:
        steps_per_day = max(1, round(24 / float(data.duration[0])))
        peak = int(demand.argmax())
        lo = max(0, peak - 3 * steps_per_day)
        sel = list(range(lo, min(len(demand), lo + 7 * steps_per_day)))
        title = "peak week"
    else:
        sel = list(range(len(demand)))
        title = f"{data.clustering.k} typical days"
    if bus is not None:
        d = d[d["bus"] == bus]
    d = d[d["snapshot"].isin(sel)]
    wide = d.pivot_table(index="snapshot", columns="technology", values="mw", aggfunc="sum").reindex(sel).fillna(0)
    wide = wide[sorted(wide.columns, key=_tech_key)]
    fig = _figure(11, 4.8)
    ax = fig.add_subplot(111)
    x = list(range(len(sel)))
    pos = wide.clip(lower=0)
    neg = wide.clip(upper=0)
    cmap = __import__("matplotlib").colormaps["tab20"]
    colours = {t: cmap(i % 20) for i, t in enumerate(wide.columns)}
    ax.stackplot(x, *[pos[c].to_numpy() for c in pos.columns], labels=list(pos.columns),
                 colors=[colours[c] for c in pos.columns], alpha=0.9)
    ax.stackplot(x, *[neg[c].to_numpy() for c in neg.columns], colors=[colours[c] for c in neg.columns], alpha=0.9)
    ax.plot(x, demand[sel], color="black", lw=1.5, label="demand")
    ax.set_ylabel("MW")
    ax.set_xlabel("snapshot" + (f" (hour of year from {int(snaps['hour'].iloc[sel[0]])})" if data.typical_day_of is None else ""))
    where = "all buses" if bus is None else bus
    ax.set_title(f"{res.case.name}: supply by technology, {title}, {where}")
    ax2 = ax.twinx()
    price = res.prices.iloc[sel].mean(axis=1) if bus is None else res.prices[bus].iloc[sel]
    ax2.plot(x, price.to_numpy(), color="crimson", lw=1, ls="--", label="price (CNY/MWh)")
    ax2.set_ylabel("price, CNY/MWh", color="crimson")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", bbox_to_anchor=(1.08, 1.0), fontsize=8, frameon=False)
    return _save(fig, path)


def capacity_by_bus(res, path) -> Path:
    """Stacked bars of total capacity per bus by technology: existing hatched, built solid."""
    c = res.capacities
    c = c[c["component"].isin(CAPACITY_COMPONENTS)]
    techs = sorted(c["technology"].unique(), key=_tech_key)
    buses = list(dict.fromkeys(c["bus"]))
    fig = _figure(max(6, 1.3 * len(buses) + 3), 4.5)
    ax = fig.add_subplot(111)
    cmap = __import__("matplotlib").colormaps["tab20"]
    bottom = pd.Series(0.0, index=buses)
    for i, t in enumerate(techs):
        sub = c[c["technology"] == t].groupby("bus")[["existing", "built"]].sum().reindex(buses).fillna(0)
        ax.bar(buses, sub["existing"], bottom=bottom, color=cmap(i % 20), hatch="//", edgecolor="white",
               label=f"{t} (existing)" if sub["existing"].any() else None)
        bottom += sub["existing"]
        ax.bar(buses, sub["built"], bottom=bottom, color=cmap(i % 20), label=f"{t} (built)" if sub["built"].any() else None)
        bottom += sub["built"]
    ax.set_ylabel("MW")
    ax.set_title(f"{res.case.name}: capacity by bus (hatched = existing, solid = built)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    return _save(fig, path)
