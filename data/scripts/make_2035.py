"""Add the 2035 rows of cities.csv, technologies.csv and boundary.csv (issue #16, investment pathways).

    python data/scripts/make_2035.py     # after make_tables.py and make_boundary.py; idempotent

No source of this project gives a figure for 2035 (the five plans end in 2030, sichuan_data.md
projects to 2030), so the 2035 rows are built from the 2030 rows by two rules, flagged as such:

* cities.csv, demand (peak_mw, annual_demand_mwh, ev_charging_mwh): the 2030 figure grown five
  more years at the city's own demand_growth_pa (itself E): x (1 + g)^5  -> flag C/E.
  energy_total_tce is recomputed from its identity (data/README.md "Total energy"):
  0.295 tce/MWh (the 2030 coal-equivalent factor, held) x demand + the two held terms -> C.
* everything else (existing fleet: no plan or data source states a retirement year, so the 2035
  fleet is the 2030 fleet; potentials; the energy terms energy_nonfossil_other_tce and
  energy_fossil_other_tce; location; import credit; existing DR): held at the 2030 value -> E.
  nonfossil_share_check (a plausibility check of the 2025/2030 energy estimates, made by
  make_tables.py from numbers that are not in the table) is left blank for 2035.
* technologies.csv: every technology's 2035 row = its 2030 row (no cost projection beyond 2030 in
  sichuan_data.md) -> E. Without it no technology would bracket 2035 and none would be available.
* boundary.csv: the 2035 row = the 2030 row (prices, CO2, non-fossil fraction held) -> E.

fuels.csv needs no 2035 row: the engine takes each fuel's row nearest to the case year (2030).
Existing rows are left byte for byte as they are: the files are read as text cells and written back
in the same pandas CSV dialect make_tables.py uses; any earlier 2035 rows are replaced.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parents[1]
FROM, TO = 2030, 2035
COAL_EQ_2035 = 0.295   # the 2030 coal-equivalent factor of power generation (data/README.md), held (E)
HELD = "held at 2030: no source beyond 2030"
GROWN = "2030 × (1+g)^5"


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


def write(df: pd.DataFrame, name: str) -> None:
    df.to_csv(DATA / name, index=False)


def num(x: float, nd: int | None) -> str:
    """A cell in the table's own style: integers without a decimal point, else one decimal."""
    if nd is None:
        return str(int(round(x)))
    return f"{round(x, nd):.{nd}f}"


def with_rows(df: pd.DataFrame, new: list[dict]) -> pd.DataFrame:
    keep = df[df["year"] != str(TO)]
    return pd.concat([keep, pd.DataFrame(new, columns=df.columns)], ignore_index=True)


def cities() -> None:
    df = read("cities.csv")
    new = []
    for _, r in df[df["year"] == str(FROM)].iterrows():
        g = float(r["demand_growth_pa"])
        f = (1 + g) ** (TO - FROM)
        row = r.copy()
        row["year"] = str(TO)
        demand = float(r["annual_demand_mwh"]) * f
        row["annual_demand_mwh"] = num(demand, None)
        row["peak_mw"] = num(float(r["peak_mw"]) * f, 1)
        row["ev_charging_mwh"] = f"{round(float(r['ev_charging_mwh']) * f):.1f}" if float(r["ev_charging_mwh"]) else r["ev_charging_mwh"]
        nf, fo = float(r["energy_nonfossil_other_tce"]), float(r["energy_fossil_other_tce"])
        row["energy_total_tce"] = num(round(COAL_EQ_2035 * demand, -3) + nf + fo, None)
        row["nonfossil_share_check"] = ""
        row["flag"] = ("2035: demand, peak, EV charging C/E (2030 x (1+g)^5, g E); energy_total C; "
                       "fleet, potentials, energy terms, all else E (held at 2030)")
        row["source"] = (f"2035 row, data/scripts/make_2035.py: peak_mw, annual_demand_mwh, ev_charging_mwh = "
                         f"{GROWN} with g = demand_growth_pa {g:g} (E) [C/E]; energy_total_tce = {COAL_EQ_2035} tce/MWh "
                         f"x demand + the two energy terms [C]; everything else {HELD} (existing fleet = the 2030 "
                         "fleet: no plan or data source states a retirement year) [E]; nonfossil_share_check not "
                         f"computed for 2035. The 2030 row: {r['source']}")
        new.append(row.to_dict())
    write(with_rows(df, new), "cities.csv")


def technologies() -> None:
    df = read("technologies.csv")
    new = []
    for _, r in df[df["year"] == str(FROM)].iterrows():
        row = r.copy()
        row["year"] = str(TO)
        row["flag"] = "E"
        row["source"] = ("2035 = 2030 values: held at 2030 values (no cost projection beyond 2030 in sichuan_data.md) "
                         f"[E], data/scripts/make_2035.py. The 2030 row: {r['source']}")
        new.append(row.to_dict())
    write(with_rows(df, new), "technologies.csv")


def boundary() -> None:
    df = read("boundary.csv")
    r = df[df["year"] == str(FROM)].iloc[0].copy()
    src = r["source"]
    r["year"] = str(TO)
    r["flag"] = "E"
    r["source"] = (f"2035 = 2030 (prices, CO2, non-fossil fraction): {HELD} [E], data/scripts/make_2035.py. "
                   f"The 2030 row: {src}")
    write(with_rows(df, [r.to_dict()]), "boundary.csv")


def main() -> None:
    cities()
    technologies()
    boundary()
    print("wrote the 2035 rows of cities.csv, technologies.csv, boundary.csv")


if __name__ == "__main__":
    main()
