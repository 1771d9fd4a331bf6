"""Synthetic N-bus x T-snapshot benchmark cases, written as ordinary gridplan case files.

Family (deterministic, seed per bus):

* buses 0..N-1 on a ring, plus chords i -> i + N//2 for even i (N >= 4);
* per bus: demand (daily + seasonal shape, peak 1-3 GW), utility solar, onshore wind,
  an extendable open-cycle gas plant, an extendable Li battery with power and energy
  sized separately (catalogue duration bounds 1-4 h apply), all greenfield (existing 0);
* every line extendable (existing 0, max 10 GW, 80-300 km), transport model;
* load shedding at VoLL (gridplan always has it; the PyPSA translation adds it).

Costs and efficiencies are the project's 2030 catalogue (data/technologies.csv, data/fuels.csv).

Sizes: ``T`` snapshots = 168 (first week, hourly), 2190 (full year at 4 h) or
8760 (full year, hourly).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

DATA = Path(__file__).resolve().parents[1] / "data"

SIZES_T = {168: (168, 1), 2190: (8760, 4), 8760: (8760, 1)}
"""Snapshots -> (hours of raw profile, resolution)."""


def topology(n_bus: int) -> list[tuple[int, int]]:
    if n_bus < 2:
        return []
    edges = {(i, (i + 1) % n_bus) for i in range(n_bus)} if n_bus > 2 else {(0, 1)}
    if n_bus >= 4:
        for i in range(0, n_bus, 2):
            j = (i + n_bus // 2) % n_bus
            a, b = min(i, j), max(i, j)
            if a != b and (a, b) not in edges and (b, a) not in edges:
                edges.add((a, b))
    return sorted(tuple(sorted(e)) for e in edges)


def profiles(n_bus: int, hours: int = 8760, seed: int = 0) -> pd.DataFrame:
    """Hourly demand (per unit of peak), solar and wind availability per bus."""
    h = np.arange(8760)
    day = h % 24
    doy = h / 24.0
    cols = {}
    for b in range(n_bus):
        rng = np.random.default_rng(seed * 1000 + b)
        # demand: morning/evening peaks, winter+summer highs, noise
        d = (0.7 + 0.15 * np.sin(2 * np.pi * (day - 8) / 24) + 0.1 * np.sin(2 * np.pi * (day - 15) / 12)
             + 0.08 * np.cos(4 * np.pi * doy / 365) + 0.03 * rng.standard_normal(8760))
        d = np.clip(d, 0.2, None)
        cols[f"b{b}_load"] = d / d.max()
        # solar: clear-sky bell x season x cloudiness (daily AR)
        lat_shift = 0.2 * b / max(n_bus, 1)
        bell = np.clip(np.sin(np.pi * (day - 6 - lat_shift) / 13), 0, None) ** 1.3
        season = 0.75 + 0.25 * np.sin(2 * np.pi * (doy - 80) / 365)
        cloud_d = np.clip(0.75 + 0.25 * _ar1(rng, 365, 0.6), 0.1, 1.0)
        cols[f"b{b}_solar"] = np.clip(bell * season * np.repeat(cloud_d, 24), 0, 1)
        # wind: smoothed AR(1) with a winter bias
        w = _ar1(rng, 8760, 0.97)
        w = 0.32 + 0.2 * w + 0.08 * np.cos(2 * np.pi * doy / 365)
        cols[f"b{b}_wind"] = np.clip(w, 0, 1)
    df = pd.DataFrame(cols)
    return df.iloc[:hours].reset_index(drop=True)


def _ar1(rng, n, phi):
    e = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = e[0]
    for i in range(1, n):
        x[i] = phi * x[i - 1] + np.sqrt(1 - phi ** 2) * e[i]
    return x


def case_dict(n_bus: int, hours: int, resolution: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    buses, gens, storage, lines = [], [], [], []
    for b in range(n_bus):
        peak = float(np.round(1000 + 2000 * rng.random(), 1))
        buses.append({"name": f"b{b}", "demand": {
            "profile": {"file": "profiles.csv", "column": f"b{b}_load"}, "peak_mw": peak}})
        gens += [
            {"name": f"b{b}_solar", "bus": f"b{b}", "technology": "solar_utility", "max_mw": 20000.0,
             "availability": {"file": "profiles.csv", "column": f"b{b}_solar"}},
            {"name": f"b{b}_wind", "bus": f"b{b}", "technology": "onshore_wind", "max_mw": 20000.0,
             "availability": {"file": "profiles.csv", "column": f"b{b}_wind"}},
            {"name": f"b{b}_gas", "bus": f"b{b}", "technology": "gas_ocgt", "max_mw": 20000.0},
        ]
        storage.append({"name": f"b{b}_battery", "bus": f"b{b}", "technology": "battery_li",
                        "max_mw": 10000.0})
    for i, (a, c) in enumerate(topology(n_bus)):
        lines.append({"name": f"l{a}_{c}", "bus0": f"b{a}", "bus1": f"b{c}", "existing_mw": 0.0,
                      "max_mw": 10000.0, "length_km": float(np.round(80 + 220 * rng.random(), 1))})
    return {
        "name": f"synthetic_{n_bus}bus_{hours // resolution}t", "year": 2030,
        "time": {"hours": hours, "resolution": resolution},
        "technologies": {"catalogue": "technologies.csv", "fuels": "fuels.csv"},
        "buses": buses, "generators": gens, "storage": storage, "lines": lines,
    }


def write_case(folder: Path, n_bus: int, T: int, seed: int = 0) -> Path:
    """Write ``case.yaml`` + CSVs for N buses and T snapshots into ``folder``; return the YAML path."""
    hours, res = SIZES_T[T]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for f in ("technologies.csv", "fuels.csv"):
        shutil.copy(DATA / f, folder / f)
    profiles(n_bus, hours, seed).to_csv(folder / "profiles.csv", index_label="hour", float_format="%.6f")
    path = folder / "case.yaml"
    path.write_text(yaml.safe_dump(case_dict(n_bus, hours, res, seed), sort_keys=False), encoding="utf-8")
    return path
