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
* :func:`network_map` — one solved case's buses, lines and exchanges on
  longitude × latitude (capacity, prices, ratings, what is built, annual flows),
  returned as a ``Figure`` for notebooks.

Colours belong to the technology, not to the plot: every plot that colours by technology or
series takes it from :func:`colour_of` (the table :data:`TECHNOLOGY_COLOURS`, then a colour made
from the name itself), so a technology looks the same in every chart of every case.
"""
from __future__ import annotations

import base64
import html
from datetime import datetime
from pathlib import Path

import pandas as pd

from .results import CAPACITY_COMPONENTS   # power capacity (MW) the capacity plots show

_ORDER = ("coal", "gas", "oil", "nuclear", "biomass", "hydro", "wind", "solar", "storage", "battery", "pumped")

TECHNOLOGY_COLOURS: dict[str, str] = {
    # hydro: blues, darkest for the pumped storage
    "hydro_reservoir": "#1f5fa8",
    "hydro_ror": "#4f9bd9",
    "hydro_small": "#9ccbee",
    "pumped_hydro": "#0b2559",
    # wind teal, solar yellow to orange
    "onshore_wind": "#1a9988",
    "solar_utility": "#f2c400",
    "solar_distributed": "#f08a24",
    # fossil: gas brown and red, coal dark grey and black
    "gas_ccgt": "#8c5a3c",
    "gas_ocgt": "#c8432b",
    "coal_usc": "#555555",
    "coal_subcritical": "#1c1c1c",
    "biomass": "#7a8b2a",            # green-brown
    # batteries: purples
    "battery_li": "#6a3d9a",
    "flow_battery_v": "#a47cc9",
    "flow_battery_znbr": "#d3b8ea",
    "line_500kv": "#8a99b0",         # slate: a line, not a plant
    # series that are not technologies
    "shed": "#e6007e",               # unserved load: a colour no plant has
    "import": "#b8b8b8",
    "export": "#8e8e8e",
    "charge": "#9fa8da",
    "discharge": "#3f51b5",
    "demand_response": "#f7a1b4",
    "electrification": "#00c2d6",
    "curtailment": "#f3e3a0",
}
"""One colour per technology of data/technologies.csv and per non-technology series the plots
draw (``shed`` is the dispatch's unserved load, ``import`` its net exchange with the outside
grid). Look colours up with :func:`colour_of`, which also covers names not in the table."""

_ALIASES = {"shedding": "shed", "unserved": "shed", "load_shedding": "shed", "imports": "import",
            "exports": "export", "storage_charge": "charge", "storage_discharge": "discharge",
            "curtailed": "curtailment", "spill": "curtailment"}

# a name not in the table: a shade in its family's range of hues, picked from the name itself
# (first keyword found wins: storage words before "hydro", so "pumped_hydro_x" reads as storage)
_FAMILIES = (  # keyword, hue range, saturation, lightness range (HLS, 0..1)
    (("pumped",), (0.60, 0.64), 0.75, (0.15, 0.30)),
    (("battery", "storage", "flow"), (0.73, 0.80), 0.45, (0.35, 0.70)),
    (("hydro", "ror", "reservoir"), (0.56, 0.61), 0.65, (0.35, 0.70)),
    (("wind",), (0.45, 0.50), 0.60, (0.30, 0.60)),
    (("solar", "pv"), (0.08, 0.14), 0.90, (0.45, 0.60)),
    (("gas", "ocgt", "ccgt"), (0.00, 0.06), 0.55, (0.30, 0.50)),
    (("coal", "lignite"), (0.00, 1.00), 0.00, (0.10, 0.40)),
    (("biomass", "bio"), (0.17, 0.22), 0.50, (0.30, 0.45)),
)


def colour_of(name) -> str:
    """The colour (``#rrggbb``) a plot draws technology or series ``name`` in.

    :data:`TECHNOLOGY_COLOURS` first (exact name, then lower-case and aliases such as
    ``shedding`` → ``shed``); any other name gets a colour made from its own characters (a stable
    hash, not Python's salted ``hash``), in its family's hues when it names one (``offshore_wind``
    a teal, ``nuclear`` anywhere on the wheel): the same name always gets the same colour, in
    every plot and every process, whatever else the plot shows.
    """
    import colorsys
    import hashlib
    text = str(name)
    if text in TECHNOLOGY_COLOURS:
        return TECHNOLOGY_COLOURS[text]
    key = text.strip().lower()
    key = _ALIASES.get(key, key)
    if key in TECHNOLOGY_COLOURS:
        return TECHNOLOGY_COLOURS[key]
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    u, v = digest[0] / 255.0, digest[1] / 255.0
    hues, sat, light = (0.0, 1.0), 0.55, (0.40, 0.60)
    for words, h, s, lt in _FAMILIES:
        if any(w in key for w in words):
            hues, sat, light = h, s, lt
            break
    r, g, b = colorsys.hls_to_rgb(hues[0] + u * (hues[1] - hues[0]), light[0] + v * (light[1] - light[0]), sat)
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in (r, g, b)))


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
    colors = {t: colour_of(t) for t in techs}
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
    colours = {t: colour_of(t) for t in wide.columns}
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
    bottom = pd.Series(0.0, index=buses)
    for t in techs:
        sub = c[c["technology"] == t].groupby("bus")[["existing", "built"]].sum().reindex(buses).fillna(0)
        ax.bar(buses, sub["existing"], bottom=bottom, color=colour_of(t), hatch="//", edgecolor="white",
               label=f"{t} (existing)" if sub["existing"].any() else None)
        bottom += sub["existing"]
        ax.bar(buses, sub["built"], bottom=bottom, color=colour_of(t), label=f"{t} (built)" if sub["built"].any() else None)
        bottom += sub["built"]
    ax.set_ylabel("MW")
    ax.set_title(f"{res.case.name}: capacity by bus (hatched = existing, solid = built)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    return _save(fig, path)


# --------------------------------------------------------------------------- the network on a map


def _bus_positions(case, buses) -> tuple[dict, set]:
    """(bus → (x, y), buses placed without coordinates). Buses carry optional ``lat``/``lon``;
    those without (a boundary bus such as the rest of the province) go in a column west of the
    located ones, so they never land on top of a real city; a case with no coordinates at all
    gets a circle."""
    import math
    given = {b.name: (float(b.lon), float(b.lat)) for b in case.buses if b.lat is not None and b.lon is not None}
    missing = [b for b in buses if b not in given]
    pos = {b: given[b] for b in buses if b in given}
    if not given:
        n = max(1, len(buses))
        return {b: (math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n)) for i, b in enumerate(buses)}, set(buses)
    xs = [p[0] for p in given.values()]
    ys = [p[1] for p in given.values()]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    x = min(xs) - max(0.8, 0.3 * width)
    for i, b in enumerate(missing):
        frac = 0.5 if len(missing) == 1 else i / (len(missing) - 1)
        pos[b] = (x, min(ys) + 0.25 * height + frac * 0.5 * height)
    return pos, set(missing)


def _annual_mwh(res, values) -> float:
    """MWh per year of an MW series over the snapshots (weights: hours each stands for)."""
    import numpy as np
    return float(np.dot(np.asarray(values, float), np.asarray(res.data.weights, float)))


def _free_side(angles) -> str:
    """Of right, above, left and below, the side farthest (in angle) from every direction in
    ``angles`` (radians): where a bus's label hides none of its lines. Ties go in that order."""
    import math
    sides = {"right": 0.0, "above": math.pi / 2, "left": math.pi, "below": -math.pi / 2}
    if not angles:
        return "right"

    def gap(a):
        return min(abs(math.remainder(a - b, 2 * math.pi)) for b in angles)
    return max(sides, key=lambda k: gap(sides[k]) - 1e-9 * list(sides).index(k))


def network_map(results, ax=None):
    """The solved network drawn on longitude × latitude: a matplotlib ``Figure``.

    * **Buses** at their ``lat``/``lon`` (buses without coordinates, such as a boundary bus, in a
      column to the west, drawn dashed): marker area proportional to installed capacity
      (generation, reservoirs, storage power; existing + built), colour the bus's mean nodal
      price over the year (weighted by the hours each snapshot stands for), labelled with the
      capacity and the annual peak load.
    * **Lines**: width proportional to the rating after expansion, labelled with the rating (and
      what the plan builds) and the net annual flow, an arrow pointing the way it flows; parallel
      lines between two buses are drawn side by side.
    * **Exchanges** with the outside grid: a dashed stub pointing away from the network, width by
      import capability, labelled with the annual import and export.

    Plain matplotlib (no basemap, no tiles: it needs no network). ``ax``: draw into these axes
    (their figure is returned); otherwise a new figure with no pyplot state.
    """
    import numpy as np
    from matplotlib import colormaps
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D

    res = results
    data = res.data
    buses = [str(b) for b in data.buses]
    if ax is None:
        fig = _figure(11.0, 9.0)
        ax = fig.add_subplot(1, 1, 1)
    else:
        fig = ax.figure
    pos, schematic = _bus_positions(res.case, buses)

    cap = res.capacities
    plants = cap[cap["component"].isin(CAPACITY_COMPONENTS)] if len(cap) else cap
    bus_mw = plants.groupby("bus")["total"].sum().reindex(buses).fillna(0.0) if len(plants) else pd.Series(0.0, index=buses)
    peak = pd.Series(np.asarray(data.peak, float), index=buses)
    w = np.asarray(data.weights, float)
    price = pd.Series((res.prices.to_numpy() * w[:, None]).sum(axis=0) / w.sum(), index=[str(c) for c in res.prices.columns])

    xs = np.array([pos[b][0] for b in buses])
    ys = np.array([pos[b][1] for b in buses])
    span = max(float(np.ptp(xs)), float(np.ptp(ys)))
    span = span if span > 1e-6 else 1.0   # one bus (or all at one point): a degree of room around it
    centre = np.array([xs.mean(), ys.mean()])

    # one width scale for lines and exchanges: a rating reads the same wherever it is drawn
    ratings = {}
    line_frame = data.lines
    line_cap = cap[cap["component"] == "line"].set_index("name") if len(cap) else pd.DataFrame()
    for name, row in line_frame.iterrows():
        built = float(line_cap.loc[name, "built"]) if name in line_cap.index else 0.0
        ratings[("line", name)] = (float(row["existing_mw"]) + built, built)
    ex_frame = data.exchanges
    ex_cap = cap[cap["component"] == "exchange"].set_index("name") if len(cap) else pd.DataFrame()
    for name, row in ex_frame.iterrows():
        built = float(ex_cap.loc[name, "built"]) if name in ex_cap.index else 0.0
        ratings[("exchange", name)] = (float(row["max_import"]) + built, built)
    # the lines set the scale; an exchange (often the whole boundary's room) is capped at the widest
    line_ratings = [r for (kind, _), (r, _) in ratings.items() if kind == "line"]
    top_rating = max(line_ratings or [r for r, _ in ratings.values()] or [0.0]) or 1.0

    def width(mw):
        return min(1.0 + 7.0 * mw / top_rating, 8.0)

    def gw(mw):   # GW for a province, MW for a town: labels stay readable at either scale
        return f"{mw / 1e3:.1f} GW" if abs(mw) >= 1e3 else f"{mw:,.0f} MW"

    def per_year(mwh):
        a = abs(mwh)
        return f"{a / 1e6:.1f} TWh/yr" if a >= 1e6 else f"{a / 1e3:.1f} GWh/yr" if a >= 1e3 else f"{a:,.0f} MWh/yr"

    # lines: parallel ones (same pair of buses) side by side, offset across the line
    flows = {}
    if len(line_frame):
        f = res.flows
        for name, g in f.groupby("name", sort=False):
            flows[str(name)] = _annual_mwh(res, g.sort_values("snapshot")["flow_mw"].to_numpy())
    label_at = []   # data positions of the line and exchange labels, for the axes limits
    incident: dict = {}   # bus → the points its lines and exchanges head to (bus labels avoid them)
    pairs: dict = {}
    for name, row in line_frame.iterrows():
        incident.setdefault(str(row["bus0"]), []).append(str(row["bus1"]))
        incident.setdefault(str(row["bus1"]), []).append(str(row["bus0"]))
        pairs.setdefault(frozenset((str(row["bus0"]), str(row["bus1"]))), []).append(name)
    for name, row in line_frame.iterrows():
        b0, b1 = str(row["bus0"]), str(row["bus1"])
        group = pairs[frozenset((b0, b1))]
        p0, p1 = np.array(pos[b0]), np.array(pos[b1])
        d = p1 - p0
        length = float(np.hypot(*d)) or 1.0
        lo, hi = sorted((b0, b1))   # the same side for parallel lines whichever way they are written
        e = np.array(pos[hi]) - np.array(pos[lo])
        normal = np.array([-e[1], e[0]]) / length
        k = group.index(name) - (len(group) - 1) / 2
        shift = normal * k * 0.05 * span
        a, b = p0 + shift, p1 + shift
        rating, built = ratings[("line", name)]
        dashed = b0 in schematic or b1 in schematic
        ax.plot([a[0], b[0]], [a[1], b[1]], color="#7a869a", lw=width(rating), alpha=0.75,
                ls=(0, (4, 2)) if dashed else "-", solid_capstyle="round", zorder=1)
        mwh = flows.get(str(name), 0.0)
        # the arrow a third of the way along, the label past the middle: neither hides the other
        at = a + 0.35 * (b - a)
        if abs(mwh) > 1e-6:
            sign = 1.0 if mwh > 0 else -1.0   # flows are positive from bus0 to bus1
            step = d / length * 0.03 * span * sign
            ax.annotate("", xy=at + step, xytext=at - step,
                        arrowprops=dict(arrowstyle="-|>", color="#1f3b73", lw=1.2, mutation_scale=14), zorder=3)
        text = f"{name}\n{gw(rating)}" + (f" (+{gw(built)} built)" if built > 0.5 else "")
        text += f" · {per_year(mwh)}"
        # parallel lines: labels apart along the line as well as across it
        along = 0.55 + 0.15 * k / max(1, len(group) - 1) * 2 if len(group) > 1 else 0.55
        start = np.array(pos[lo]) + shift   # measured from the same end for every line of the pair
        off = start + along * (e) + normal * (0.02 * span if k >= 0 else -0.02 * span)
        label_at.append(off)
        ax.text(off[0], off[1], text, fontsize=6.5, ha="center", va="center", color="#1f3b73", zorder=4,
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.75))

    # exchanges: a stub pointing away from the network's centre
    for name, row in ex_frame.iterrows():
        bus = str(row["bus"])
        p = np.array(pos[bus])
        out = p - centre
        out = out / (np.hypot(*out) or 1.0) if np.hypot(*out) > 1e-9 else np.array([-1.0, 0.0])
        q = p + out * 0.12 * span
        pos[f"exchange {name}"] = tuple(q)
        incident.setdefault(bus, []).append(f"exchange {name}")
        rating, built = ratings[("exchange", name)]
        i = list(ex_frame.index).index(name)
        imp = _annual_mwh(res, res.value("import_p")[i])
        exp = _annual_mwh(res, res.value("export_p")[i])
        ax.plot([p[0], q[0]], [p[1], q[1]], color="#b5651d", lw=width(rating), ls=(0, (2, 1.5)), alpha=0.7, zorder=1)
        text = f"{name}\nimport ≤ {gw(rating)}" + (f" (+{gw(built)} built)" if built > 0.5 else "")
        text += f"\nin {per_year(imp)}\nout {per_year(exp)}"
        label_at += [q, q + np.array([0.3 * span * (1 if out[0] >= 0 else -1), 0.0])]   # the box's far edge
        ax.text(q[0], q[1], text, fontsize=6.5, ha="right" if out[0] < 0 else "left", va="center",
                color="#8a4b12", zorder=4,
                bbox=dict(boxstyle="round,pad=0.2", fc="#fff4e8", ec="#b5651d", lw=0.6))

    # buses on top
    top_mw = float(bus_mw.max()) or 1.0
    sizes = 40.0 + 1400.0 * bus_mw.to_numpy() / top_mw
    prices = price.reindex(buses).to_numpy()
    lo_p, hi_p = float(np.nanmin(prices)), float(np.nanmax(prices))
    if hi_p - lo_p < 1e-3 * max(1.0, abs(hi_p)):   # one price everywhere: a readable band around it
        lo_p, hi_p = lo_p - 0.5, hi_p + 0.5
    norm = Normalize(vmin=lo_p, vmax=hi_p)
    cmap = colormaps["viridis"]
    sc = ax.scatter(xs, ys, s=sizes, c=prices, cmap=cmap, norm=norm, edgecolors="black",
                    linewidths=[1.2 if b in schematic else 0.6 for b in buses], zorder=5)
    sc.set_gid("buses")   # lets a reader (or a test) find the bus markers among the collections
    for b in buses:
        if b in schematic:
            ax.scatter([pos[b][0]], [pos[b][1]], s=sizes[buses.index(b)] + 200, facecolors="none",
                       edgecolors="black", linestyles="--", linewidths=0.8, zorder=5)
    for b, x, y, s in zip(buses, xs, ys, sizes):
        lines = [b, f"{gw(bus_mw[b])} installed" if bus_mw[b] > 0 else "no plants"]
        if peak[b] > 0:
            lines.append(f"peak {gw(peak[b])}")
        if b in schematic:
            lines.append("(no lat/lon:\nplaced schematically)")
        # the side of the marker farthest from every line and exchange leaving the bus
        side = _free_side([np.arctan2(*(np.array(pos[o]) - np.array(pos[b]))[::-1]) for o in incident.get(b, [])])
        r = np.sqrt(s) / 2 + 4   # points beyond the marker's edge
        dx, dy, ha, va = {"right": (r, 0, "left", "center"), "left": (-r, 0, "right", "center"),
                          "below": (0, -r, "center", "top"), "above": (0, r, "center", "bottom")}[side]
        ax.annotate("\n".join(lines), (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                    fontsize=7.5, fontweight="bold" if b not in schematic else "normal", zorder=6,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.6))
    bar = fig.colorbar(sc, ax=ax, shrink=0.6, pad=0.02, label="mean nodal price over the year (CNY/MWh)")
    bar.formatter.set_useOffset(False)   # prices as they are, not as an offset and a 1e-10 scale

    # legends: what a marker area and a line width stand for
    ref_mw = [v for v in (1e3, 5e3, 10e3, 20e3) if v <= top_mw * 1.05] or [top_mw]
    size_handles = [ax.scatter([], [], s=40.0 + 1400.0 * v / top_mw, facecolors="lightgrey", edgecolors="black",
                               linewidths=0.6, label=gw(v)) for v in ref_mw]
    leg1 = ax.legend(handles=size_handles, title="installed capacity", loc="upper left", bbox_to_anchor=(1.22, 1.0),
                     fontsize=7, title_fontsize=8, frameon=False, labelspacing=2.0, borderpad=1.0,
                     handletextpad=1.5)
    ax.add_artist(leg1)
    ref_line = sorted({round(top_rating / 4, -2) or top_rating, round(top_rating / 2, -2) or top_rating, top_rating})
    width_handles = [Line2D([], [], color="#7a869a", lw=width(v), label=gw(v)) for v in ref_line] if line_ratings else []
    width_handles.append(Line2D([], [], color="#b5651d", lw=3, ls=(0, (2, 1.5)), label="exchange (outside grid)"))
    ax.legend(handles=width_handles, title="line rating", loc="lower left", bbox_to_anchor=(1.22, 0.0),
              fontsize=7, title_fontsize=8, frameon=False)

    # room for the labels: exchange boxes sit beyond the buses, bus labels below them
    allx, ally = list(xs) + [p[0] for p in label_at], list(ys) + [p[1] for p in label_at]
    pad = 0.15 * span
    ax.set_xlim(min(allx) - pad, max(allx) + pad)
    ax.set_ylim(min(ally) - 1.6 * pad, max(ally) + pad)
    if len(schematic) < len(buses):
        ax.set_xlabel("longitude (°E)")
        ax.set_ylabel("latitude (°N)")
        ax.set_aspect(1.0 / np.cos(np.deg2rad(float(np.mean(ys)))))   # degrees of longitude shrink with latitude
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    ax.ticklabel_format(useOffset=False)
    ax.grid(alpha=0.25)
    ax.set_title(f"{res.case.name}: buses, lines and exchanges\nbus area = installed capacity, colour = mean price; "
                 "line width = rating, label = rating (+ built) and net annual flow (arrow: direction)", fontsize=9)
    return fig
