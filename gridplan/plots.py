"""Plots and the HTML page of a comparison (matplotlib's Agg canvas; no pyplot state).

Every plot function returns its matplotlib ``Figure``; ``path`` is optional: given one, the PNG is
also written there (atomically), without one nothing touches the disk (a notebook shows the
figure, a test reads its artists).

* :func:`capacity_mix` — stacked bars of installed capacity per case, by
  technology: hatched pale segments are existing capacity, solid segments
  capacity built by the plan; a case whose outcome is not ``optimal`` says so above its bar.
* :func:`target_costs` — one panel per target that is **met and binding** in at least one case:
  the marginal cost of tightening it. Share targets are shown as **CNY per year
  per percentage point** (the dual × the target row's units per pp: what one
  more point of non-fossil share would add to the annual cost); other targets
  as their dual in plain units (CNY per kW-yr, per MWh, per t CO2, per tce). A missed target
  draws no bar (its row's dual is the penalty of its shortfall, not a cost): the figure names it
  with its shortfall in a note.
* :func:`index_html` — one self-contained page (tables + images embedded as
  data URIs) that a planner can open from the output folder: the runs counted by outcome
  (:data:`gridplan.report.OUTCOMES`), a coloured outcome cell per case, missed targets
  highlighted with their shortfall and penalty instead of a marginal cost.
* :func:`dispatch_week` — one solved case's supply by technology with demand and price.
  Chronological runs: the week around the most stressed snapshot (the highest price at any bus,
  ties going to the highest demand) on a real calendar axis; typical-day runs: the typical days
  in calendar order, each labelled with its date and the days it stands for.
* :func:`capacity_by_bus` — one solved case's capacity per bus (MW: generation, reservoirs,
  storage power, demand-response capability), storage energy (MWh) in a panel of its own.
* :func:`network_map` — one solved case's buses, lines and exchanges on
  longitude × latitude (capacity, prices, ratings, what is built, annual flows).

Colours belong to the technology, not to the plot: every plot that colours by technology or
series takes it from :func:`colour_of` (the table :data:`TECHNOLOGY_COLOURS`, then a colour made
from the name itself), so a technology looks the same in every chart of every case.
"""
from __future__ import annotations

import base64
import html
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .report import OUTCOME_COLOURS, format_shortfall, outcome_colours
from .results import CAPACITY_COMPONENTS, ENERGY_SUFFIX   # what the capacity plots show, as Results groups it

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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


def _done(fig, path) -> "Figure":
    """The figure, written to ``path`` as a PNG first when a path is given."""
    if path is not None:
        _save(fig, path)
    return fig


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


def _outcomes(table: pd.DataFrame) -> dict:
    """case → outcome word, when the table has the ``outcome`` column (else empty)."""
    if table is None or table.empty or "outcome" not in table.columns:
        return {}
    return {str(c): str(o) for c, o in zip(table["case"], table["outcome"])}


def capacity_mix(capacities: pd.DataFrame, table: pd.DataFrame, path=None) -> "Figure":
    """Stacked bars per case: existing (hatched) and built (solid) MW by technology.

    A case whose outcome (``table["outcome"]``, when there) is not ``optimal`` is labelled with it
    above its bar (a ``targets missed`` plan is an elastic solution, not a plan that meets them);
    a failed case has no bar, only its outcome."""
    cases = _cases(table)
    outcome = _outcomes(table)
    cap = capacities[capacities["component"].isin(CAPACITY_COMPONENTS)] if len(capacities) else capacities
    techs = sorted(set(cap["technology"].astype(str)) if len(cap) else set(), key=_tech_key)
    fig = _figure(max(6.0, 0.9 * len(cases) + 4.0), 5.0)
    ax = fig.add_subplot(1, 1, 1)
    if not cases or not techs:
        ax.text(0.5, 0.5, "no capacity to show" if cases else "no cases", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return _done(fig, path)
    piv = cap.assign(technology=cap["technology"].astype(str)).groupby(["case", "technology"])[
        ["existing", "built"]].sum()
    top = piv.groupby(level="case").sum().sum(axis=1).max() if len(piv) else 0.0
    scale, unit = (1e3, "GW") if top >= 5000 else (1.0, "MW")
    colors = {t: colour_of(t) for t in techs}
    x = range(len(cases))
    bottoms = [0.0] * len(cases)
    drawn = []
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
                drawn += [t] if t not in drawn else []
    for i, (name, ok) in enumerate(cases):
        word = outcome.get(name, "optimal" if ok else "failed")
        if not ok:
            ax.text(i, 0, word, ha="center", va="bottom", color=outcome_colours(word).ink, rotation=90, fontsize=9)
        elif word != "optimal":
            ax.text(i, bottoms[i], word, ha="center", va="bottom", color=outcome_colours(word).ink, fontsize=7.5,
                    rotation=90 if len(cases) > 4 else 0)
    if any(ok and outcome.get(n, "optimal") != "optimal" for n, ok in cases):
        ax.set_ylim(top=max(bottoms) * 1.18 if max(bottoms) > 0 else 1.0)   # room for the labels
    from matplotlib.patches import Patch
    handles = [Patch(facecolor=colors[t], edgecolor=colors[t], label=t) for t in reversed(drawn)]   # no 0-MW entries
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
    return _done(fig, path)


def _scaled(values, unit):
    m = max((abs(v) for v in values), default=0.0)
    if m >= 1e7 and unit.startswith("CNY"):
        return [v / 1e6 for v in values], "million " + unit
    if m >= 1e4 and unit.startswith("CNY"):
        return [v / 1e3 for v in values], "thousand " + unit
    return list(values), unit


def _amount(v, unit) -> str:
    """A shortfall (or any target quantity) in words: shares in percentage points."""
    if v is None or pd.isna(v):
        return "—"
    v = float(v)
    unit = str(unit or "")
    if unit == "share":
        return format_shortfall(v, unit)
    if unit == "MWh" and abs(v) >= 1e4:
        return f"{v / 1e3:,.0f} GWh"
    if unit == "t" and abs(v) >= 1e4:
        return f"{v / 1e6:,.3f} Mt"
    return f"{v:,.4g} {unit}".strip() if abs(v) < 1e4 else f"{v:,.0f} {unit}".strip()


def _met(frame: pd.DataFrame) -> pd.Series:
    """The ``met`` column as booleans (all met when the frame has none)."""
    if "met" not in frame.columns:
        return pd.Series(True, index=frame.index)
    return frame["met"].fillna(False).astype(bool)


def target_costs(targets: pd.DataFrame, table: pd.DataFrame, path=None) -> "Figure":
    """One panel per target that is met and binding in some case: its marginal cost per case.

    Only met, binding rows draw a bar: a slack target costs nothing at the margin ("slack"), and
    a missed one (``met`` false: a strive target, or any target of an elastic run that cannot be
    met) has no marginal cost, its row's dual being the penalty of its shortfall. Missed targets
    are named, with their shortfall, in a note below the panels ("missed, not a cost")."""
    cases = _cases(table)
    ok_cases = {c for c, ok in cases if ok}
    tg = targets if targets is not None else pd.DataFrame()
    met = _met(tg) if len(tg) else pd.Series(dtype=bool)
    costed = tg[tg["binding"].fillna(False).astype(bool) & met] if len(tg) else tg
    ids = list(dict.fromkeys(costed["id"].astype(str))) if len(costed) else []
    missed = tg[~met & tg["case"].astype(str).isin(ok_cases)] if len(tg) else tg
    notes = [f"{r['case']}: {r['id']}, short {_amount(r.get('shortfall'), r.get('unit'))}"
             for _, r in missed.iterrows()]
    shown = notes[:10] + ([f"... and {len(notes) - 10} more (targets table)"] if len(notes) > 10 else [])
    note = ("missed, not a cost (no bar: a missed target's dual is the penalty on its shortfall):\n"
            + "\n".join(shown)) if notes else ""
    note_h = 0.17 * (len(shown) + 1) + 0.1 if notes else 0.0
    n = len(ids)
    if n == 0:
        fig = _figure(7.0, 2.0 + note_h)
        ax = fig.add_subplot(1, 1, 1)
        ax.text(0.5, 0.6, "no met target binds in any case (every met target is met at no extra cost)"
                if not notes else "no met target binds in any case", ha="center", va="center",
                transform=ax.transAxes, fontsize=9)
        ax.set_axis_off()
        if note:
            fig.text(0.02, 0.02, note, ha="left", va="bottom", fontsize=8, color="firebrick")
        return _done(fig, path)
    ncol = min(3, n)
    nrow = (n + ncol - 1) // ncol
    w = max(4.0, 0.55 * len(cases) + 2.5)
    height = 3.4 * nrow + 0.8 + note_h
    fig = _figure(w * ncol, height)
    for k, tid in enumerate(ids):
        ax = fig.add_subplot(nrow, ncol, k + 1)
        rows = tg[tg["id"].astype(str) == tid]
        rows = rows[~rows["case"].duplicated()].set_index(rows["case"].astype(str)[~rows["case"].duplicated()])
        head = costed[costed["id"].astype(str) == tid].iloc[0]
        unit = str(head["marginal_cost_unit"])
        kind = str(head["kind"])
        xs, vals, labels = [], [], []
        for i, (name, ok) in enumerate(cases):
            if not ok or name not in rows.index:
                labels.append((i, "failed" if not ok else "no such target"))
                continue
            r = rows.loc[name]
            if "met" in r.index and not bool(r["met"]):
                labels.append((i, "missed"))
            elif bool(r["binding"]):
                xs.append(i)
                vals.append(float(r["marginal_cost"]))
            else:
                labels.append((i, "slack"))
        vals, ylabel = _scaled(vals, unit)
        bars = ax.bar(xs, vals, color="#4c72b0")
        for i, patch in zip(xs, bars.patches):
            patch.set_gid(f"{cases[i][0]}|{tid}")   # which case and target a bar stands for
        for i, text in labels:
            ax.text(i, 0, text, ha="center", va="bottom", fontsize=7, rotation=90,
                    color="firebrick" if text in ("missed", "failed") else "grey")
        ax.set_xlim(-0.6, len(cases) - 0.4)
        ax.set_xticks(list(range(len(cases))))
        ax.set_xticklabels([c for c, _ in cases], rotation=30 if len(cases) > 2 else 0,
                           ha="right" if len(cases) > 2 else "center", fontsize=7)
        ax.set_title(f"{tid} ({kind})", fontsize=9)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    fig.suptitle("Marginal cost of the met, binding targets\nshare targets: annual cost of one more percentage "
                 "point; others: the dual (cost of one more unit)", fontsize=9)
    bottom = (note_h + 0.1) / height if note else 0.0
    fig.tight_layout(rect=(0, bottom, 1, 1))   # tight_layout leaves the suptitle its room
    if note:
        fig.text(0.01, 0.01, note, ha="left", va="bottom", fontsize=8, color="firebrick")
    return _done(fig, path)


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
.headline{font-size:1.1em;font-weight:600;margin:6px 0}
td.txt{text-align:left}
tr.missed td{background:#fbe3e0} tr.missed td.missed-cost{color:#a3231a;font-weight:600}
td.outcome.outcome{text-align:left;font-weight:600}
table.legend td{white-space:normal;text-align:left;max-width:760px;padding:1px 6px} table.legend{font-size:11.5px}
"""


def outcome_class(outcome) -> str:
    """The CSS classes of an outcome cell: ``outcome outcome-targets-missed``."""
    slug = "".join(ch if ch.isalnum() else "-" for ch in str(outcome).strip().lower())
    return f"outcome outcome-{slug}"


def _outcome_css() -> str:
    """The outcome cells' rules, one per outcome, from the report's palette (``OUTCOME_COLOURS``)."""
    return "".join(f"td.{outcome_class(o).replace(' ', '.')}{{background:{c.fill};color:{c.on_fill}}}\n"
                   for o, c in OUTCOME_COLOURS.items())


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


def _fmt(v) -> str:
    """A cell's text: booleans "yes"/"no" (never blank), numbers by :func:`_num`, missing blank."""
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, (float, np.floating)):
        return _num(float(v))
    return str(v)


_NUMERIC = re.compile(r"^[-+]?[\d,.]+\s*%?$")   # a number already formatted as text ("21.080", "98.1%")


def _table(df: pd.DataFrame, row_class=None, cell=None) -> str:
    """An HTML table of ``df``. ``row_class(row)``: the ``<tr>``'s class (or None); ``cell(column,
    row)``: ``(text, class)`` for a cell to write otherwise (or None for the default). A column
    named ``outcome`` gets :func:`outcome_class` cells; ``error`` cells the class ``err``."""
    if df is None or df.empty:
        return "<p class=note>(none)</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for _, r in df.iterrows():
        cells = []
        for c in df.columns:
            got = cell(c, r) if cell is not None else None
            if got is not None:
                text, cls = got
            elif c == "outcome":
                text, cls = _fmt(r[c]), outcome_class(r[c])
            else:
                v = r[c]
                text = _fmt(v)
                cls = ("err" if c == "error" and v else
                       "txt" if isinstance(v, str) and text and not _NUMERIC.match(text) else "")
            cells.append(f'<td class="{cls}">{html.escape(text)}</td>' if cls else f"<td>{html.escape(text)}</td>")
        rc = row_class(r) if row_class is not None else None
        body.append((f'<tr class="{rc}">' if rc else "<tr>") + "".join(cells) + "</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _legend() -> str:
    from .report import FAILED, OUTCOMES
    rows = "".join(
        f'<tr><td class="{outcome_class(o)}">{html.escape(o)}</td><td>{html.escape(meaning)}'
        f'{" (counted as failed)" if o in FAILED else ""}</td><td>exit {code}</td></tr>'
        for o, (code, meaning) in OUTCOMES.items())
    return ('<table class="legend"><thead><tr><th>outcome</th><th>meaning</th><th>CLI</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def _target_cell(column, row):
    """A missed target's cells: no marginal cost ("—"), its shortfall in words."""
    missed = "met" in row.index and not bool(row["met"])
    if not missed:
        return None
    if column in ("dual", "marginal_cost"):
        return "—", "missed-cost"
    if column in ("dual_unit", "marginal_cost_unit"):
        return "", ""
    if column == "binding":
        return "no", ""
    if column == "shortfall":
        text = _fmt(row[column])
        if str(row.get("unit")) == "share" and pd.notna(row[column]):
            text += f" ({_amount(row[column], 'share')})"
        return text, "missed-cost"
    if column == "penalty_cny":
        return _fmt(row[column]), "missed-cost"
    return None


def index_html(comp, images: dict) -> str:
    """The comparison as one HTML page with no external assets.

    The headline counts the runs by outcome (``comp.table["outcome"]``,
    :data:`gridplan.report.OUTCOMES`); the summary and targets tables carry an outcome cell per
    case (``<td class="outcome outcome-targets-missed">``), explained by a legend; booleans read
    yes/no; a missed target's row is highlighted (``<tr class="missed">``) and shows "—" for its
    dual and marginal cost, with its shortfall and penalty (CNY/yr) beside them."""
    from .report import outcome_counts
    s = comp.settings
    res = s.get("resolution")
    how = (f"{s['typical_days']} typical days" if s.get("typical_days") else
           f"{res}-hour snapshots" if res else "each case's own time settings")
    table = comp.table
    outcomes = list(table["outcome"]) if len(table) else []
    outcome_of_case = dict(zip(table["case"].astype(str), table["outcome"])) if len(table) else {}
    tg = comp.targets
    tcols = [c for c in ["case", "outcome", *comp.scenario_columns, "id", "kind", "met", "sense", "required",
                         "achieved", "unit", "shortfall", "penalty_cny", "binding", "marginal_cost",
                         "marginal_cost_unit", "dual", "dual_unit", "hedge", "scope"]
             if c in tg.columns or c == "outcome"]
    if len(tg):
        tg = tg.assign(outcome=tg["case"].astype(str).map(outcome_of_case))[tcols]
    summary = comp.summary_frame()
    if len(summary) and "outcome" not in summary.columns:
        summary.insert(1, "outcome", table["outcome"].to_numpy())
    failed = comp.failed
    missed = int((~_met(comp.targets)).sum()) if len(comp.targets) else 0
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        "<title>gridplan comparison</title>", f"<style>{_CSS}{_outcome_css()}</style></head><body>",
        "<h1>gridplan comparison</h1>",
        f'<p class="headline" id="headline">{html.escape(outcome_counts(outcomes))}</p>',
        f"<p class=note>{html.escape(how)} · written {datetime.now().strftime('%Y-%m-%d %H:%M')}. "
        "Costs are annualised (CNY per year; 1 亿 = 10<sup>8</sup>). The summary's <i>non-fossil share</i> is "
        "<code>non_fossil_electricity_share</code>: non-fossil electricity as a share of the <b>electricity</b> "
        "demand (with electrification), whole case. A non-fossil target's <i>achieved</i> (targets table) is in "
        "the target's own scope: scope <i>energy</i> is the share of <b>total energy consumption</b> (tce, "
        "coal-equivalent), scope <i>electricity</i> the share of electricity demand; the two numbers differ.</p>",
        "<h2>Summary</h2>", _table(summary),
        "<p class=note>The outcomes, coloured as in the tables:</p>", _legend(),
    ]
    if len(failed):
        parts += ["<h2>Runs without a solution</h2>",
                  _table(failed[[c for c in ("case", "outcome", "status", "error") if c in failed.columns]])]
    parts += [
        "<h2>Capacity mix</h2>",
        "<p class=note>Installed capacity per case. Hatched pale segments: existing capacity; solid: built by "
        "the plan. Generation, reservoirs and storage power (MW); storage energy, lines and demand response "
        "are in the tables below. A case labelled <i>targets missed</i> shows an elastic solution: what the "
        "plan would take, not a plan that meets its targets.</p>", _img(images["capacity_mix"]),
        "<h2>Cost of met, binding targets</h2>",
        "<p class=note>For each target that is met and binds in at least one case: what tightening it would add "
        "to the annual cost. Share targets (non-fossil share, capacity share): CNY per year per percentage point. "
        "Other targets: the dual in plain units (CNY per kW-yr of capacity, per MWh, per t CO2, per tce). "
        "A slack target costs nothing at the margin; a missed target has no bar (its dual is the penalty on "
        "its shortfall, not a cost) and is named below the panels.</p>", _img(images["target_costs"]),
        "<h2>Targets</h2>",
        f"<p class=note>{missed} missed target row{'s' if missed != 1 else ''} (highlighted): "
        "its dual and marginal cost read “—”; its <i>shortfall</i> (in the target's unit; shares also in "
        "percentage points) and <i>penalty_cny</i> (CNY/yr the shortfall is charged) are what it stands "
        "for.</p>" if len(tg) else "",
        _table(tg, row_class=lambda r: "missed" if "met" in r.index and not bool(r["met"]) else None,
               cell=_target_cell),
        "<h2>All columns</h2>",
        "<details><summary>comparison table (one row per run)</summary>", _table(table), "</details>",
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


def _steps(x0, x1, values):
    """A series held over each snapshot's span: (x, y) with two points per snapshot."""
    x = np.column_stack([np.asarray(x0, float), np.asarray(x1, float)]).ravel()
    return x, np.repeat(np.asarray(values, float), 2)


def most_stressed(res, bus=None) -> dict:
    """The snapshot :func:`dispatch_week` centres its week on: the highest price at any bus (or at
    ``bus``), ties (within 1e-6 relative) going to the highest demand (all buses, or ``bus``'s).

    Returns ``snapshot``, ``bus``, ``price`` (CNY/MWh) and ``tied`` (how many snapshots share
    that price)."""
    buses = [str(b) for b in res.data.buses]
    prices = res.prices.to_numpy(float)
    demand = np.asarray(res.data.demand, float)
    if bus is not None:
        i = buses.index(str(bus))
        prices, demand, buses = prices[:, [i]], demand[[i]], [buses[i]]
    top_bus = np.nanargmax(prices, axis=1)
    top = prices[np.arange(len(prices)), top_bus]
    best = float(np.nanmax(top))
    tied = np.flatnonzero(top >= best - 1e-6 * max(1.0, abs(best)))
    snap = int(tied[np.argmax(demand.sum(axis=0)[tied])])
    return {"snapshot": snap, "bus": buses[int(top_bus[snap])], "price": float(top[snap]), "tied": int(len(tied))}


def _day_label(ts) -> str:
    return f"{ts:%a} {ts.day} {ts:%b}"


def dispatch_week(res, path=None, bus=None) -> "Figure":
    """Stacked supply by technology with demand and price: a ``Figure`` (written to ``path`` if given).

    * Chronological runs: the week (7 calendar days, from midnight three days before) around the
      most stressed snapshot (:func:`most_stressed`: the highest price at any bus, ties to the
      highest demand), named in the title; the x axis is the case's calendar (major ticks at
      midnight, "Wed 24 Jul"; faint lines at day boundaries).
    * Typical-day runs: every typical day in calendar order, a line at each day boundary, each day
      labelled with its representative date and the days it stands for ("24 Jul / ×41 d"), ticks
      at hours 0, 6, 12, 18.

    Each snapshot's values are held over its span (a step). Charging, exports and the load
    electrification adds are drawn below zero. Price: one bus shown, its price; several, the
    demand-weighted mean over buses (Σ_b price·demand / Σ_b demand per snapshot) and, thin, the
    highest bus price of each snapshot.
    """
    from matplotlib.dates import date2num

    data = res.data
    st = res.snapshot_table
    buses = [str(b) for b in data.buses]
    prices = res.prices.to_numpy(float)                 # snapshot × bus
    demand_b = np.asarray(data.demand, float)           # bus × snapshot
    if bus is not None:
        i = buses.index(str(bus))
        prices, demand_b, view = prices[:, [i]], demand_b[[i]], [buses[i]]
    else:
        view = buses
    demand = demand_b.sum(axis=0)
    dur = st["duration_h"].to_numpy(float)
    typical = data.typical_day_of is not None
    fig_w = 11.0
    if not typical:
        stress = most_stressed(res, bus)
        start = pd.to_datetime(st["start"])
        first = start.iloc[0].normalize()
        day = ((start - first) // pd.Timedelta(days=1)).to_numpy()
        n_days = int(day.max()) + 1
        lo = int(np.clip(day[stress["snapshot"]] - 3, 0, max(0, n_days - 7)))
        sel = np.flatnonzero((day >= lo) & (day < lo + 7))
        x0 = date2num(start.iloc[sel].to_numpy())
        x1 = x0 + dur[sel] / 24.0
        ts = start.iloc[stress["snapshot"]]
        d = dur[stress["snapshot"]]
        when = (f"{ts.day} {ts:%b} (a {d:g}-h snapshot)" if d >= 24 else
                f"{ts.day} {ts:%b %H:%M}–{ts + pd.Timedelta(hours=d):%H:%M}" if d > 1 else f"{ts.day} {ts:%b %H:%M}")
        tie = (f"; {stress['tied']} snapshots share that price: the first of highest demand"
               if stress["tied"] > 1 else "")
        lead = ("week of the highest price" if n_days >= 7 else
                f"the whole run ({n_days} day{'s' if n_days != 1 else ''}); the highest price")
        title2 = f"{lead}: {stress['bus']} {stress['price']:,.0f} CNY/MWh, {when}{tie}"
    else:
        rep = pd.to_datetime(st["representative_day"])
        hod = st["hour_of_day"].astype(int).to_numpy()
        tday = np.asarray(data.typical_day_of, dtype=np.int64)
        days_rep = st["days_represented"].astype(int).to_numpy()
        firsts = pd.DataFrame({"t": tday, "rep": rep, "n": days_rep}).groupby("t").first().sort_values("rep")
        rank = {t: r for r, t in enumerate(firsts.index)}
        r_of = np.array([rank[t] for t in tday])
        sel = np.lexsort((hod, r_of))
        x0 = 24.0 * r_of[sel] + hod[sel]
        x1 = x0 + dur[sel]
        k = len(firsts)
        fig_w = min(24.0, max(11.0, 4.0 + 0.6 * k))
        title2 = f"{k} typical days in calendar order"
    d = res.dispatch
    if bus is not None:
        d = d[d["bus"].astype(str) == str(bus)]
    wide = d.pivot_table(index="snapshot", columns="technology", values="mw", aggfunc="sum").reindex(sel).fillna(0.0)
    wide = wide[sorted(wide.columns, key=_tech_key)]
    pos, neg = wide.clip(lower=0), wide.clip(upper=0)
    pos = pos.loc[:, (pos > 1e-6).any()]
    neg = neg.loc[:, (neg < -1e-6).any()]
    fig = _figure(fig_w, 5.2)
    ax = fig.add_subplot(111)
    if len(pos.columns):
        xs, _ = _steps(x0, x1, pos.iloc[:, 0])
        ax.stackplot(xs, *[np.repeat(pos[c].to_numpy(), 2) for c in pos.columns], labels=list(pos.columns),
                     colors=[colour_of(c) for c in pos.columns], alpha=0.9)
    if len(neg.columns):
        xs, _ = _steps(x0, x1, neg.iloc[:, 0])
        ax.stackplot(xs, *[np.repeat(neg[c].to_numpy(), 2) for c in neg.columns],
                     labels=[c if c not in pos.columns else f"_{c}" for c in neg.columns],
                     colors=[colour_of(c) for c in neg.columns], alpha=0.9)
    ax.plot(*_steps(x0, x1, demand[sel]), color="black", lw=1.5,
            label="demand" + (" (the loads below zero come on top)" if len(neg.columns) else ""))
    ax.axhline(0.0, color="black", lw=0.5)
    ax.set_ylabel("MW")
    where = "all buses" if bus is None else f"bus {bus}"
    ax.set_title(f"{res.case.name} ({res.case.year}): supply by technology, {where}\n{title2}", fontsize=10,
                 pad=30 if typical else 6)
    ax.set_xlim(float(x0[0]), float(x1[-1]))
    ax.margins(x=0)
    if not typical:
        midnights = [first + pd.Timedelta(days=int(i)) for i in range(lo, min(lo + 7, n_days))]
        ax.set_xticks(date2num(np.array(midnights, dtype="datetime64[ns]")))
        ax.set_xticklabels([_day_label(m) for m in midnights], fontsize=8.5, ha="left")   # under its day
        if dur[sel].max() <= 6:
            hours = [m + pd.Timedelta(hours=h) for m in midnights for h in (6, 12, 18)]
            ax.set_xticks(date2num(np.array(hours, dtype="datetime64[ns]")), minor=True)
        for m in midnights[1:]:
            ax.axvline(date2num(m), color="#888888", lw=0.7, alpha=0.45, zorder=0.5, gid="day boundary")
        ax.set_xlabel(f"{res.case.year}, local time (each {dur[sel][0]:g}-h snapshot held over its span)"
                      if dur[sel].max() > 1 else f"{res.case.year}, local time (hourly)")
    else:
        step = 6 if k <= 12 else 12 if k <= 24 else 24
        ticks = [24 * r + h for r in range(k) for h in range(0, 24, step)]
        ax.set_xticks(ticks)
        ax.set_xticklabels([str(t % 24) for t in ticks], fontsize=7.5)
        for r in range(1, k):
            ax.axvline(24 * r, color="#555555", lw=0.9, alpha=0.7, zorder=2.5, gid="day boundary")
        total = 0
        for r, (t, row) in enumerate(firsts.iterrows()):
            total += int(row["n"])
            ax.text(24 * r + 12, 1.01, f"{row['rep'].day} {row['rep']:%b}\n×{int(row['n'])} d",
                    transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=7.5,
                    gid="typical day label")
        ax.set_xlabel(f"hour of each typical day; the {k} typical days are weighted by the days they stand for "
                      f"(×N d, {total} d in all) in every annual total", fontsize=9)
    ax2 = ax.twinx()
    if len(view) == 1:
        ax2.plot(*_steps(x0, x1, prices[sel, 0]), color="crimson", lw=1.1, ls="--",
                 label=f"price at {view[0]} (CNY/MWh)")
    else:
        w = demand_b[:, sel]
        tot = w.sum(axis=0)
        p = prices[sel].T
        mean = np.where(tot > 0, (p * w).sum(axis=0) / np.where(tot > 0, tot, 1.0), p.mean(axis=0))
        ax2.plot(*_steps(x0, x1, mean), color="crimson", lw=1.3, ls="--",
                 label="price: demand-weighted mean over buses (CNY/MWh)", gid="mean price")
        ax2.plot(*_steps(x0, x1, p.max(axis=0)), color="crimson", lw=0.6, alpha=0.6,
                 label="price: highest bus price (CNY/MWh)", gid="highest price")
    ax2.set_ylabel("price, CNY/MWh", color="crimson")
    lo_p, hi_p = ax2.get_ylim()
    ax2.set_ylim(min(0.0, lo_p), hi_p + 0.06 * (hi_p - min(0.0, lo_p)))   # a flat price stays off the frame
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", bbox_to_anchor=(1.08, 1.0), fontsize=8, frameon=False)
    return _done(fig, path)


def _power_and_energy(by_bus: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:meth:`Results.capacity_by_bus` as two flat frames (bus, technology, existing, built,
    total): the MW rows and the storage energy (MWh) rows, the latter under their technology's
    own name, so both panels draw it in the technology's colour."""
    flat = by_bus.reset_index()
    flat["bus"], flat["technology"] = flat["bus"].astype(str), flat["technology"].astype(str)
    energy = flat["technology"].str.endswith(ENERGY_SUFFIX)
    mwh = flat[energy].assign(technology=lambda f: f["technology"].str[:-len(ENERGY_SUFFIX)])
    return flat[~energy], mwh


def capacity_by_bus(res, path=None) -> "Figure":
    """Stacked bars of capacity per bus by technology, existing hatched, built solid: a ``Figure``.

    MW: generation, reservoirs, storage power and demand-response capability (its own series,
    ``demand_response``). Storage energy (MWh) is not stacked with them: when a case has any, it
    gets a panel of its own on the right."""
    mw, mwh = _power_and_energy(res.capacity_by_bus())
    buses = [str(b) for b in res.data.buses]
    energy = len(mwh) and float(mwh["total"].sum()) > 1e-6
    fig = _figure(max(7.0, 1.3 * len(buses) + 3.5) + (0.55 * len(buses) + 1.5 if energy else 0.0), 4.8)
    if energy:
        gs = fig.add_gridspec(1, 2, width_ratios=[max(3.0, 1.3 * len(buses)), max(1.2, 0.55 * len(buses))],
                              wspace=0.3)
        ax, ax_e = fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
    else:
        ax, ax_e = fig.add_subplot(111), None
    from matplotlib.patches import Patch

    def stack(axis, frame, suffix, scale):
        techs = sorted(frame["technology"].astype(str).unique(), key=_tech_key)
        bottom = pd.Series(0.0, index=buses)
        drawn = []
        for t in techs:
            sub = (frame[frame["technology"] == t].set_index("bus")[["existing", "built"]]
                   .reindex(buses).fillna(0.0)) / scale
            for part, style in (("existing", dict(hatch="//", edgecolor="white", alpha=0.8)), ("built", {})):
                if (sub[part] > 1e-9).any():
                    axis.bar(buses, sub[part], bottom=bottom, color=colour_of(t), label=f"{t}{suffix} ({part})",
                             linewidth=0.5, **style)
                    bottom += sub[part]
                    if t not in drawn:
                        drawn.append(t)
        axis.grid(axis="y", alpha=0.3)
        axis.set_axisbelow(True)
        if len(buses) > 4:
            axis.tick_params(axis="x", labelrotation=30)
        return drawn

    top = mw.groupby("bus")["total"].sum().max() if len(mw) else 0.0
    scale, unit = (1e3, "GW") if top >= 1e4 else (1.0, "MW")
    drawn = stack(ax, mw, "", scale)
    ax.set_ylabel(f"capacity ({unit})")
    ax.set_title(f"{res.case.name}: capacity by bus ({unit})\ngeneration, reservoirs, storage power, "
                 "demand response", fontsize=9.5)
    handles = [Patch(facecolor=colour_of(t), label=t) for t in reversed(drawn)]
    if ax_e is not None:
        etop = mwh.groupby("bus")["total"].sum().max()
        escale, eunit = (1e3, "GWh") if etop >= 1e4 else (1.0, "MWh")
        edrawn = stack(ax_e, mwh, " energy", escale)
        ax_e.set_ylabel(f"storage energy ({eunit})")
        ax_e.set_title(f"storage energy ({eunit})\nnot stacked with MW", fontsize=9.5)
        handles += [Patch(facecolor=colour_of(t), label=f"{t} (energy)") for t in reversed(edrawn) if t not in drawn]
    handles += [Patch(facecolor="lightgrey", edgecolor="white", hatch="//", label="existing (hatched)"),
                Patch(facecolor="grey", label="built (solid)")]
    (ax_e if ax_e is not None else ax).legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                                              fontsize=8, frameon=False)
    return _done(fig, path)


def _target_emissions(ax, res, years: list[str]) -> None:
    """Emissions of each carbon-peak target's buses per period (grouped bars), each limit a black
    tick on its bar; without pathway targets, the whole case's emissions."""
    import numpy as np
    te = res.target_emissions
    if te.empty:
        ax.bar(years, [r.summary()["emissions_t"] / 1e6 for r in res.periods.values()], color="dimgrey")
        ax.set_title("emissions counted by the model", fontsize=9.5)
    else:
        targets = list(dict.fromkeys(te["target"]))
        width = 0.8 / len(targets)
        x = np.arange(len(years))
        limits = res.carbon_peak
        for i, t in enumerate(targets):
            rows = te[te["target"] == t].set_index("period").reindex([int(y) for y in years])
            pos = x - 0.4 + width * (i + 0.5)
            ax.bar(pos, rows["emissions_t"] / 1e6, width=width * 0.9, color=colour_of(t), label=t)
            lim = limits[limits["target"] == t].set_index("period")["limit_t"]
            for j, y in enumerate(years):
                if int(y) in lim.index:
                    ax.plot([pos[j] - width * 0.45, pos[j] + width * 0.45], [lim[int(y)] / 1e6] * 2, "k-", lw=2)
        ax.set_xticks(x, years)
        ax.legend(fontsize=7, frameon=False, loc="upper left")
        ax.set_title("emissions of each carbon-peak scope\n(black: its limit, the peak period's)", fontsize=9.5)
    ax.set_ylabel("emissions (Mt CO2/yr)")


def pathway_build_out(res, path=None) -> "Figure":
    """A pathway's build-out: capacity standing in each period by technology (stacked, the
    period's stock hatched, what the pathway built and still stands solid), and the emissions
    of each period beside it with the carbon-peak limits. ``res``: :class:`gridplan.PathwayResults`."""
    from matplotlib.patches import Patch
    years = [str(y) for y in res.periods]
    parts = []
    for y, r in res.periods.items():
        mw, _ = _power_and_energy(r.capacity_by_bus())
        parts.append(mw.groupby("technology")[["existing", "built"]].sum().assign(period=str(y)))
    cap = pd.concat(parts).reset_index()
    fig = _figure(max(7.5, 1.6 * len(years) + 5.0), 4.8)
    gs = fig.add_gridspec(1, 2, width_ratios=[max(3.0, 1.4 * len(years)), max(1.6, 0.8 * len(years))], wspace=0.35)
    ax, ax_e = fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
    top = cap.groupby("period")[["existing", "built"]].sum().sum(axis=1).max()
    scale, unit = (1e3, "GW") if top >= 1e4 else (1.0, "MW")
    bottom = pd.Series(0.0, index=years)
    drawn = []
    for t in sorted(cap["technology"].astype(str).unique(), key=_tech_key):
        sub = cap[cap["technology"] == t].set_index("period")[["existing", "built"]].reindex(years).fillna(0.0) / scale
        for part, style in (("existing", dict(hatch="//", edgecolor="white", alpha=0.8)), ("built", {})):
            if (sub[part] > 1e-9).any():
                ax.bar(years, sub[part], bottom=bottom, color=colour_of(t), linewidth=0.5, **style)
                bottom += sub[part]
                if t not in drawn:
                    drawn.append(t)
    ax.set_ylabel(f"capacity standing ({unit})")
    ax.set_title(f"{res.name}: capacity by period ({res.foresight} foresight)\ngeneration, reservoirs, "
                 "storage power, demand response", fontsize=9.5)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    _target_emissions(ax_e, res, years)
    ax_e.grid(axis="y", alpha=0.3)
    ax_e.set_axisbelow(True)
    handles = [Patch(facecolor=colour_of(t), label=t) for t in reversed(drawn)]
    handles += [Patch(facecolor="lightgrey", edgecolor="white", hatch="//", label="stock of the period (hatched)"),
                Patch(facecolor="grey", label="built by the pathway (solid)")]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.91, 0.88), fontsize=8, frameon=False)
    return _done(fig, path)


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


def network_map(results, ax=None, path=None) -> "Figure":
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
    (their figure is returned); otherwise a new figure with no pyplot state. ``path``: also write
    the figure there as a PNG.
    """
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
    return _done(fig, path)


def price_duration(prices: pd.DataFrame, path=None, title: str = "") -> "Figure":
    """Price duration curves: each bus's hourly prices (snapshot × bus, CNY/MWh) sorted from the
    dearest hour down, the hours on the x axis (a certified dispatch's, ``--certify``)."""
    fig = _figure(7.5, 3.8)
    ax = fig.add_subplot(1, 1, 1)
    for bus in prices.columns:
        values = np.sort(prices[bus].to_numpy(float))[::-1]
        ax.plot(np.arange(1, len(values) + 1), values, lw=1.2, label=str(bus))
    ax.set_xlabel("hours of the year, dearest first")
    ax.set_ylabel("price (CNY/MWh)")
    ax.set_xlim(0, len(prices))
    ax.grid(alpha=0.3)
    if len(prices.columns) > 1:
        ax.legend(fontsize=8, ncol=2, frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    return _done(fig, path)

