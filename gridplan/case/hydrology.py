"""Hydro years: a dry, normal or wet year scales the water each bus's hydro plants receive.

Sichuan's defining risk is hydrology (the 2022 summer drought forced power rationing across
the province), so a plan is judged in more than the year its profiles describe. The case
names the year and a table of monthly multipliers per river basin; each bus names its basin::

    hydrology: {year: dry, factors: ../data/hydro_years.csv}
    buses: [{name: leshan, basin: dadu, ...}]

``factors`` has the columns ``basin, month, dry, normal, wet`` (one row per basin and month
1–12). With f = the factor of the bus's basin in the month of hour h:

    run-of-river, small hydro (generators of carrier ``hydro``):  a[g,h] <- min(1, f · a[g,h])
    reservoirs:                                                   inflow[r,h] <- f · inflow[r,h]

before time is reduced, so averaging and typical days see the scaled year. A run-of-river
plant cannot run above its capacity: the cap discards the wet-year water it cannot take (it is
spilled, as in reality); a reservoir keeps it, up to its storage and turbine limits, which its
own family enforces. ``year: normal`` uses the ``normal`` column (1 in the shipped table, so
the profiles are the normal year; a table may say otherwise).

Whether a reservoir counts as seasonal (its volume against its annual inflow) is judged on the
normal year: it is a property of the plant, not of the year.

Hours are placed on a calendar of 365 days (hour h lies in day h // 24, leap years add 31
December twice), the convention of every profile in ``data/profiles`` (hour 0 = 1 January 00:00).

Checks (one line each, naming the field): the table's columns and months, factors finite and
>= 0, every bus that holds hydro generators or reservoirs names a basin of the table (a
silent factor of 1 would report a dry year that is not dry).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import CaseError

YEARS = ("dry", "normal", "wet")
COLUMNS = ("basin", "month", *YEARS)
MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def month_of_hour(hours: int) -> np.ndarray:
    """Month (1–12) of each hour of a year of ``hours`` hours, on a 365-day calendar."""
    day = np.minimum(np.arange(hours) // 24, 364)
    return np.searchsorted(np.cumsum(MONTH_DAYS), day, side="right") + 1


def read_factors(case, files) -> tuple[dict | None, list]:
    """``({basin: 12 monthly factors of the case's year}, problems)``; ``(None, [])`` without hydrology."""
    spec = case.hydrology
    if spec is None:
        return None, []
    field = "hydrology.factors"
    table = files.table(spec.factors, field)
    if table is None:
        return None, []          # the reader recorded why
    path = files.resolve(spec.factors, field)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        return None, [CaseError(path, "columns", list(table.columns), f"the columns {', '.join(COLUMNS)} "
                                f"(missing {', '.join(missing)})")]
    problems, out = [], {}
    for basin, rows in table.groupby("basin", sort=False):
        months = pd.to_numeric(rows["month"], errors="coerce")
        values = pd.to_numeric(rows[spec.year], errors="coerce").to_numpy(float)
        if sorted(months.tolist()) != list(range(1, 13)):
            problems.append(CaseError(path, f"basin {basin}: month", sorted(rows["month"].tolist()),
                                      "one row for each month 1-12"))
            continue
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            m = int(months.to_numpy()[bad][0])
            problems.append(CaseError(path, f"basin {basin}, month {m}: {spec.year}",
                                      rows[spec.year].to_numpy()[bad][0], "a finite multiplier >= 0"))
            continue
        out[str(basin)] = values[np.argsort(months.to_numpy())]
    return out, problems


def check_basins(case, factors: dict | None, hydro_buses: set, file) -> list:
    """Every bus with hydro names a basin of the table; no bus names an unknown basin."""
    if factors is None:
        return []
    problems = []
    for b in case.buses:
        if b.basin is not None and b.basin not in factors:
            problems.append(CaseError(file, f"buses[{b.name}].basin", b.basin,
                                      f"a basin of {case.hydrology.factors} ({', '.join(factors)})"))
        elif b.basin is None and b.name in hydro_buses:
            problems.append(CaseError(file, f"buses[{b.name}].basin", None,
                                      f"the river basin of its hydro plants ({', '.join(factors)}): "
                                      "hydrology scales every hydro plant by its basin's factors"))
    return problems


def hydro_buses(case, catalogue: pd.DataFrame) -> set:
    """Buses holding a generator of carrier hydro or a reservoir."""
    carrier = catalogue["carrier"] if "carrier" in catalogue else pd.Series(dtype=object)
    out = {g.bus for g in case.generators if carrier.get(g.technology) == "hydro"}
    return out | {r.bus for r in case.reservoirs}


def hourly_factors(case, factors: dict, buses) -> np.ndarray:
    """Hourly multipliers (len(buses), H) at each of ``buses`` (1 where a bus names no basin)."""
    basin = {b.name: b.basin for b in case.buses}
    monthly = np.array([factors[basin[b]] if basin[b] is not None else np.ones(12) for b in buses])
    return monthly.reshape(-1, 12)[:, month_of_hour(case.time.hours) - 1]


def apply(case, factors: dict | None, gens: pd.DataFrame, avail: np.ndarray,
          reservoirs: pd.DataFrame, inflow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The hourly availability and inflow of the case's hydro year (the module docstring)."""
    if factors is None:
        return avail, inflow
    avail, inflow = avail.copy(), inflow.copy()
    if len(gens):                                      # an empty frame has no carrier column
        hydro = (gens["carrier"] == "hydro").to_numpy()
        avail[hydro] = np.minimum(1.0, avail[hydro] * hourly_factors(case, factors, gens["bus"][hydro]))
    if len(reservoirs):
        inflow *= hourly_factors(case, factors, reservoirs["bus"])
    return avail, inflow
