"""The 2030 plans in a dry, a normal and a wet hydro year: the table and plot of cases/README.md.

    python cases/make_hydro_years.py            # solve, rewrite the table and cases/hydro_years.png
    python cases/make_hydro_years.py --check    # solve, compare with the README: exit 1 if it differs

Every single-city 2030 case is solved at 12 typical days three times, with ``hydrology.year`` set
to dry, normal and wet (the override ``gridplan sweep CASE --set hydrology.year=dry,normal,wet``
applies; data/hydro_years.csv holds the monthly multipliers per basin, the dry year at least as
severe as 2022). A year whose hard targets cannot all be met is re-solved elastically
(``diagnose=True``), and the missed column says by how much. The plot puts the cost of each city's
plan against its normal year next to its hydro generation.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import gridplan
from gridplan.io import atomic_write
from make_cases import CITIES                    # this folder: run as python cases/make_hydro_years.py
from make_results import log, missed_cell, replace_section, section, solve_run, system_cost

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
PLOT = HERE / "hydro_years.png"
BEGIN, END = "<!-- hydro:begin -->", "<!-- hydro:end -->"
YEAR, HYDRO_YEARS = 2030, ("dry", "normal", "wet")
SETTINGS = {"typical_days": 12}
HEADER = ["city", "hydro year", "status", "cost, 亿 CNY/yr", "Δ vs normal, 亿 CNY/yr", "hydro, TWh",
          "import / export, TWh", "curtailed, GWh", "missed (elastic / strive shortfall)"]


def hydro_twh(res) -> float:
    """The year's generation of the hydro carrier's technologies (the implicit group ``hydro``)."""
    e = res.energy
    return float(e[e.columns.intersection(sorted(res.data.groups["hydro"]))].to_numpy().sum()) / 1e6


def solve_city(city: str) -> dict[str, dict]:
    """The three runs of one city: per hydro year, its Run and figures."""
    path = HERE / f"{city}_{YEAR}.yaml"
    out = {}
    for hy in HYDRO_YEARS:
        case = gridplan.load_case(path, overrides={"hydrology": {"year": hy}})
        run = solve_run(case, **SETTINGS)
        log(path.stem, f"hydrology.year={hy}", run.status, run.seconds)
        s = run.res.summary() if run.res is not None else None
        out[hy] = {"run": run, "cost": system_cost(run.res) if s else None,
                   "hydro": hydro_twh(run.res) if s else None, "summary": s}
    return out


def rows_of(city: str, runs: dict[str, dict]) -> list[list[str]]:
    normal = runs["normal"]["cost"]
    rows = []
    for hy in HYDRO_YEARS:
        r = runs[hy]
        s = r["summary"]
        delta = "—" if hy == "normal" or r["cost"] is None or normal is None else f"{(r['cost'] - normal) / 1e8:+.2f}"
        rows.append([city, hy, r["run"].status, f"{r['cost'] / 1e8:.2f}" if s else "—", delta,
                     f"{r['hydro']:.2f}" if s else "—",
                     f"{s['import_mwh'] / 1e6:.2f} / {s['export_mwh'] / 1e6:.2f}" if s else "—",
                     f"{s['curtailed_mwh'] / 1e3:,.0f}" if s else "—", missed_cell(r["run"])])
    return rows


def table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    return "\n".join(lines + ["| " + " | ".join(c.replace("|", "/") for c in r) + " |" for r in rows])


def plot(results: dict[str, dict]) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(11, 4), dpi=110)
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.subplots(1, 2)
    width, colors = 0.27, {"dry": "#c0504d", "normal": "#7f7f7f", "wet": "#4f81bd"}
    for i, hy in enumerate(HYDRO_YEARS):
        xs = [k + (i - 1) * width for k in range(len(CITIES))]
        delta = [((results[c][hy]["cost"] or 0) - (results[c]["normal"]["cost"] or 0)) / 1e8 for c in CITIES]
        hydro = [results[c][hy]["hydro"] or 0 for c in CITIES]
        ax1.bar(xs, delta, width, color=colors[hy], label=hy)
        ax2.bar(xs, hydro, width, color=colors[hy], label=hy)
    for k, c in enumerate(CITIES):          # a year that misses a hard target: its elastic cost, marked
        if results[c]["dry"]["run"].status != "optimal":
            top = ((results[c]["dry"]["cost"] or 0) - (results[c]["normal"]["cost"] or 0)) / 1e8
            ax1.annotate("target\nmissed", (k - width, max(top, 0)), xytext=(0, 3), textcoords="offset points",
                         ha="center", fontsize=7, color="#c0504d")
    for ax, title in ((ax1, "cost against the normal year, 10^8 CNY/yr"), (ax2, "hydro generation, TWh/yr")):
        ax.set_xticks(range(len(CITIES)), CITIES, fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.axhline(0, color="black", lw=0.6)
    ax1.margins(y=0.15)                      # room for the "target missed" label under the title
    ax2.legend(title="hydro year", fontsize=8)
    fig.suptitle(f"The {YEAR} plans in a dry, normal and wet year (12 typical days)", fontsize=11)
    atomic_write(PLOT, lambda tmp: fig.savefig(tmp, format="png", bbox_inches="tight"))


def body(tbl: str, seconds: float) -> str:
    return (f"{tbl}\n\n![The 2030 plans in three hydro years](hydro_years.png)\n\n"
            f"Written by `python cases/make_hydro_years.py` ({seconds / 60:.1f} min; `--check` re-solves and "
            "compares); the same runs one city at a time: `gridplan sweep cases/leshan_2030.yaml --set "
            "hydrology.year=dry,normal,wet --typical-days 12`. **cost**: system cost without strive penalties, "
            "as in the results table; **hydro**: the year's hydro generation (reservoir, run-of-river, small "
            "hydro); **missed**: targets the year cannot meet (elastic shortfall) and missed strive targets. "
            "Do not edit by hand.")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the README instead of writing")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    results = {c: solve_city(c) for c in CITIES}
    tbl = table([row for c in CITIES for row in rows_of(c, results[c])])
    readme = README.read_text(encoding="utf-8")
    if args.check:
        same = tbl.strip() in section(readme, (BEGIN, END))
        print("hydro-year table matches" if same else "hydro-year table differs", file=sys.stderr)
        return 0 if same else 1
    plot(results)
    new = replace_section(readme, body(tbl, time.perf_counter() - t0), (BEGIN, END))
    atomic_write(README, lambda tmp: Path(tmp).write_text(new, encoding="utf-8"))
    print(f"wrote the hydro-year table of {README} and {PLOT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
