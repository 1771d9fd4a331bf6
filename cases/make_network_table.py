"""Each city alone against the same city on the five-city grid: the table of cases/README.md.

    python cases/make_network_table.py            # solve, rewrite the table between its markers
    python cases/make_network_table.py --check    # solve, compare with the README: exit 1 if it differs

For every year with a five-city case (2025, 2030) and every city: the city's single-city case
(one bus, the rest of Sichuan as a price) and its bus inside ``sichuan5_<year>`` (the corridor
graph, every city's targets at once), both at 12 typical days. Per side: the non-fossil share of
total energy and electricity's share of final energy as the city's statistics count them
(``Results.city_accounts`` / the case's accounting: the same formulas as the target rows),
CO2, and the city's binding targets. The reading column says where the city's electricity
comes from on the grid: its net purchases over the lines, and which neighbour sends or takes
the most. Paths are relative to this file.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import gridplan
from gridplan.io import atomic_write
from make_cases import CITIES, SHORT          # this folder: run as python cases/make_network_table.py
from make_results import binding_ids, replace_section, section, system_cost

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
BEGIN, END = "<!-- network:begin -->", "<!-- network:end -->"
YEARS = [2025, 2030]
SETTINGS = {"typical_days": 12}
HEADER = ["city", "year", "cost alone, 亿 CNY/yr", "NF share alone", "NF share on the grid",
          "electricity share alone / grid", "CO2 Mt alone / grid", "binding alone", "binding on the grid", "reading"]


def pct(v: float) -> str:
    return "—" if v is None or not np.isfinite(v) else f"{100 * v:.1f} %"


def city_account(res, bus: str | None) -> dict:
    """The city's statistics in a solved case: its own bus accounting (network) or the case's (alone)."""
    frame = res.city_accounts
    if bus in frame.index:
        return frame.loc[bus].to_dict()
    return res.account().to_dict()


def binding(res, prefix: str = "") -> list[str]:
    """The binding targets of the results table (``make_results.binding_ids``), without the city prefix."""
    return [i.removeprefix(prefix) for i in binding_ids(res) if i.startswith(prefix)]


def neighbours(res, bus: str) -> list[tuple[str, float]]:
    """Annual net MWh into ``bus`` over each of its lines, by the bus at the other end."""
    flows = res.flows.merge(res.snapshots[["weight"]], left_on="snapshot", right_index=True)
    lines = {ln.name: (ln.bus0, ln.bus1) for ln in res.case.lines}
    out = {}
    for name, g in flows.groupby("name"):
        b0, b1 = lines[name]
        if bus not in (b0, b1):
            continue
        mwh = float((g["flow_mw"] * g["weight"]).sum())     # bus0 -> bus1
        other, into = (b1, -mwh) if bus == b0 else (b0, mwh)
        out[other] = out.get(other, 0.0) + into
    return sorted(out.items(), key=lambda kv: -abs(kv[1]))


def reading(alone: dict, acc: dict, flows: list[tuple[str, float]]) -> str:
    """Where the city's electricity comes from on the grid, and how its counted non-fossil MWh moved."""
    net = acc.get("grid_import_mwh", 0.0) - acc.get("grid_export_mwh", 0.0)
    if not flows:
        return "no lines"
    top, mwh = flows[0]
    verb = "buys" if net >= 0 else "sells"
    way = "from" if mwh >= 0 else "to"
    dnf = (acc.get("non_fossil_mwh", 0.0) - alone.get("non_fossil_mwh", 0.0)) / 1e6
    return (f"{verb} {abs(net) / 1e6:.1f} TWh net over the lines, most {way} {top} ({abs(mwh) / 1e6:.1f} TWh); "
            f"non-fossil counted {dnf:+.1f} TWh against alone")


def row(city: str, year: int, alone, grid) -> list[str]:
    a, g = city_account(alone, None), city_account(grid, city)
    co2 = f"{a.get('co2_t', float('nan')) / 1e6:.2f} / {g.get('co2_t', float('nan')) / 1e6:.2f}"
    el = f"{pct(a.get('electricity_final_share'))} / {pct(g.get('electricity_final_share'))}"
    cost = f"{system_cost(alone) / 1e8:.1f}"   # the results table's cost: system cost, without penalties
    return [city, str(year), cost, pct(a.get("non_fossil_share_energy")), pct(g.get("non_fossil_share_energy")), el, co2,
            ", ".join(binding(alone)) or "—", ", ".join(binding(grid, SHORT[city] + "_")) or "—",
            reading(a, g, neighbours(grid, city))]


def solve(path: Path):
    t0 = time.perf_counter()
    res = gridplan.solve(gridplan.load_case(path), **SETTINGS)
    print(f"{path.stem:16s} {res.status:10s} {time.perf_counter() - t0:6.1f} s", file=sys.stderr)
    return res


def table() -> tuple[str, list[float]]:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    costs = []
    for year in YEARS:
        grid = solve(HERE / f"sichuan5_{year}.yaml")
        alone = {c: solve(HERE / f"{c}_{year}.yaml") for c in CITIES}
        costs.append((year, sum(r.summary()["total_cost_cny"] for r in alone.values()),
                      grid.summary()["total_cost_cny"]))
        lines += ["| " + " | ".join(row(c, year, alone[c], grid)) + " |" for c in CITIES]
    return "\n".join(lines), costs


def block(text: str, costs) -> str:
    sums = "; ".join(f"{y}: the five cities alone {a / 1e8:.1f} 亿 CNY/yr, on one grid {g / 1e8:.1f} 亿 CNY/yr"
                     for y, a, g in costs)
    return (f"{text}\n\nWritten by `python cases/make_network_table.py` (12 typical days; "
            "`--check` compares). NF share = non-fossil share of total energy and electricity share = "
            "electricity's share of final energy, both as the city's statistics count them (coal-equivalent "
            "basis; on the grid, net purchases over the lines at the city's `grid_non_fossil_fraction`, net "
            "sales deducted as non-fossil); binding = met targets with a non-zero dual. Objectives (system cost "
            f"+ strive penalties): {sums}; the grid's includes the boundary bus and the corridors.")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the README; exit 1 if it differs")
    args = ap.parse_args(argv)
    text, costs = table()
    body = block(text, costs)
    print(text)
    readme = README.read_text(encoding="utf-8")
    if args.check:
        same = section(readme, (BEGIN, END)).strip() == body.strip()
        print("matches" if same else "differs", file=sys.stderr)
        return 0 if same else 1
    new = replace_section(readme, body, (BEGIN, END))
    atomic_write(README, lambda tmp: Path(tmp).write_text(new, encoding="utf-8"))
    print(f"wrote the table into {README}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
