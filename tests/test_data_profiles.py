"""Checks of the shipped input data (data/): profiles and the table contracts.

The calibration bands are typed in from sichuan_data.md (§1.6 / §5.2 PV kWh per kWp_dc and wind
full-load hours, DC/AC 1.2) and data/README.md -- never taken from the generator.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
CITIES = ["chengdu", "mianyang", "leshan", "guangyuan", "panzhihua"]
PROFILE_COLS = ["hour", "month", "load_pu", "solar_pu", "wind_pu", "ror_pu", "inflow_pu", "ev_pu"]
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
BASE_YEAR = 2022   # Leshan's plan states 2022 figures (its base-year case); the catalogue repeats 2025 for it
TOL = 0.05  # +-5 % calibration band

DC_AC = 1.2  # sichuan_data §1.6 (PV Panzhihua "fixed tilt 25 deg, DC/AC 1.2") and §5.2 recipe
# sichuan_data §1.6: PV kWh per kWp_dc (Chengdu basin ~850, MY/LS/GY 890/830/940, PZH ~1,500)
PV_KWH_PER_KWP_DC = {"chengdu": 850, "mianyang": 890, "leshan": 830, "guangyuan": 940, "panzhihua": 1500}
# sichuan_data §1.6 "Wind by city": PZH 2,500; LS 2,000; GY 2,000; MY 1,900; CD ~0 (no viable sites).
# Chengdu: data/README.md documents a deliberately poor 1,000 h profile [E] (potential_wind_mw = 0).
WIND_FLH = {"chengdu": 1000, "mianyang": 1900, "leshan": 2000, "guangyuan": 2000, "panzhihua": 2500}

TECHS = ["onshore_wind", "solar_utility", "solar_distributed", "hydro_reservoir", "hydro_ror", "hydro_small",
         "pumped_hydro", "battery_li", "flow_battery_v", "flow_battery_znbr", "gas_ocgt", "gas_ccgt", "coal_usc", "coal_subcritical",
         "biomass", "line_500kv"]
TECH_COLS = ["technology", "year", "carrier", "kind", "non_fossil", "renewable", "new_energy", "clean",
             "capex_cny_per_kw", "capex_cny_per_kwh", "fom_pct_capex_per_yr", "vom_cny_per_mwh", "lifetime_yr",
             "efficiency", "roundtrip_efficiency", "standing_loss_pct_per_h", "fuel", "capacity_credit",
             "min_duration_h", "max_duration_h", "flag", "source"]
CITY_COLS = ["city", "year", "lat", "lon", "elev_m", "peak_mw", "annual_demand_mwh", "existing_coal_mw",
             "existing_gas_mw", "existing_hydro_reservoir_mw", "existing_hydro_seasonal_mw", "reservoir_energy_mwh",
             "existing_hydro_ror_mw", "existing_wind_mw", "existing_solar_mw", "existing_battery_mw",
             "existing_battery_mwh", "potential_wind_mw", "potential_solar_utility_mw",
             "potential_solar_distributed_mw", "potential_hydro_ror_new_mw", "energy_total_tce",
             "energy_nonfossil_other_tce", "energy_fossil_other_tce", "nonfossil_share_baseline", "flag", "source"]
FUEL_COLS = ["fuel", "year", "price_cny_per_gj", "co2_t_per_gj", "flag", "source"]
CORRIDOR_COLS = ["name", "bus0", "bus1", "length_km", "existing_mw_2025", "existing_mw_2030", "max_mw",
                 "reactance_ohm", "flag", "source"]
BOUNDARY_COLS = ["year", "import_price_cny_per_mwh", "export_price_cny_per_mwh", "co2_t_per_mwh",
                 "non_fossil_fraction", "flag", "source"]


@pytest.fixture(scope="module")
def cities():
    return pd.read_csv(DATA / "cities.csv")


def _profile(city):
    path = DATA / "profiles" / f"{city}.csv"
    assert path.exists(), path
    return pd.read_csv(path)


@pytest.mark.parametrize("city", CITIES)
def test_profile_shape_and_values(city):
    df = _profile(city)
    assert list(df.columns) == PROFILE_COLS
    assert len(df) == 8760
    assert df["hour"].tolist() == list(range(8760))
    assert df["month"].between(1, 12).all() and df["month"].is_monotonic_increasing
    assert not df.isna().any().any()
    assert (df[PROFILE_COLS[2:]] >= 0).all().all()
    assert (df[["solar_pu", "wind_pu", "ror_pu", "inflow_pu", "ev_pu"]] <= 1.0).all().all()
    # EV charging: one day repeated, peaking at 19:00 (data/README.md ev_pu)
    ev = df["ev_pu"].to_numpy().reshape(365, 24)
    assert (ev == ev[0]).all() and ev[0].argmax() == 19 and ev[0].max() == 1.0


@pytest.mark.parametrize("city", CITIES)
def test_load_peak_and_load_factor(city, cities):
    df = _profile(city)
    assert df["load_pu"].max() == 1.0
    for year in (2025, 2030):  # the same load factor is used in both years
        row = cities[(cities["city"] == city) & (cities["year"] == year)].iloc[0]
        lf = row["annual_demand_mwh"] / (8760.0 * row["peak_mw"])
        assert df["load_pu"].mean() == pytest.approx(lf, abs=1e-3)


@pytest.mark.parametrize("city", CITIES)
def test_solar_full_load_hours(city):
    flh_ac = _profile(city)["solar_pu"].sum()  # solar_pu is per unit of AC capacity
    target_ac = PV_KWH_PER_KWP_DC[city] * DC_AC
    assert abs(flh_ac / target_ac - 1) <= TOL, (city, flh_ac, target_ac)


@pytest.mark.parametrize("city", CITIES)
def test_wind_full_load_hours(city):
    flh = _profile(city)["wind_pu"].sum()
    assert abs(flh / WIND_FLH[city] - 1) <= TOL, (city, flh)
    if city == "chengdu":  # not viable: clearly worse than every ridge city
        assert flh < min(v for k, v in WIND_FLH.items() if k != "chengdu") * (1 - TOL)


@pytest.mark.parametrize("city", CITIES)
def test_hydro_wet_season(city):
    df = _profile(city)
    wet = df["month"].between(5, 10)
    for col in ("ror_pu", "inflow_pu"):
        assert df.loc[wet, col].mean() > 1.3 * df.loc[~wet, col].mean(), col
    # sichuan_data §1.5: reservoir inflow ~4,000 full-load hours (mean 0.45-0.5)
    assert 0.43 <= df["inflow_pu"].mean() <= 0.52
    # inflow is a daily series: constant within each day
    assert (df["inflow_pu"].to_numpy().reshape(365, 24).std(axis=1) < 1e-9).all()


def test_technologies():
    df = pd.read_csv(DATA / "technologies.csv", dtype=str, keep_default_na=False)
    df["year"] = df["year"].astype(int)
    assert list(df.columns[: len(TECH_COLS)]) == TECH_COLS
    for year in (BASE_YEAR, 2025, 2030, 2035):   # 2035: the 2030 values held (data/README.md)
        assert set(df.loc[df["year"] == year, "technology"]) == set(TECHS)
    assert len(df) == 4 * len(TECHS)
    assert set(df["flag"]) <= {"S", "C", "E"}
    assert set(df["kind"]) <= {"variable", "dispatchable", "reservoir", "storage", "line"}
    assert set(df["carrier"]) <= {"wind", "solar", "hydro", "gas", "coal", "biomass", "storage", "transmission"}
    for col in ("non_fossil", "renewable", "new_energy", "clean"):
        assert set(df[col]) <= {"true", "false"}
    assert set(df["fuel"]) <= {"coal", "gas", "biomass", ""}
    kind = df.set_index(["technology", "year"])["kind"]
    assert kind[("hydro_reservoir", 2025)] == "reservoir"
    assert kind[("hydro_ror", 2025)] == "variable" and kind[("hydro_small", 2025)] == "variable"
    cc = pd.to_numeric(df["capacity_credit"])
    assert cc.between(0, 1).all()
    fuelled = df["fuel"] != ""
    eff = pd.to_numeric(df.loc[fuelled, "efficiency"])
    assert eff.between(0, 1).all()
    storage = df["kind"] == "storage"
    assert (pd.to_numeric(df.loc[storage, "roundtrip_efficiency"]).between(0, 1)).all()
    assert (df.loc[~storage, "capex_cny_per_kwh"] == "").all()
    # gas is not clean/non-fossil here; storage and lines carry no group flag
    assert (df.loc[df["carrier"].isin(["gas", "coal", "storage", "transmission"]), "clean"] == "false").all()


def test_small_tables(cities):
    assert list(cities.columns[: len(CITY_COLS)]) == CITY_COLS
    assert sorted(zip(cities["city"], cities["year"])) == sorted(
        [(c, y) for c in CITIES for y in (2025, 2030, 2035)] + [("leshan", BASE_YEAR)])
    assert (cities["existing_hydro_seasonal_mw"] <= cities["existing_hydro_reservoir_mw"]).all()
    assert (cities["energy_fossil_other_tce"] > 0).all()
    assert (cities.loc[cities["city"] == "chengdu", "potential_wind_mw"] == 0).all()
    fuels = pd.read_csv(DATA / "fuels.csv")
    assert list(fuels.columns[: len(FUEL_COLS)]) == FUEL_COLS
    assert sorted(zip(fuels["fuel"], fuels["year"])) == sorted(
        (f, y) for f in ("coal", "gas", "biomass") for y in (BASE_YEAR, 2025, 2030))
    corr = pd.read_csv(DATA / "corridors.csv")
    assert list(corr.columns[: len(CORRIDOR_COLS)]) == CORRIDOR_COLS
    buses = set(CITIES) | {"sichuan_grid"}
    assert set(corr["bus0"]) | set(corr["bus1"]) <= buses
    assert all(((corr["bus0"] == c) & (corr["bus1"] == "sichuan_grid")).any() for c in CITIES)
    assert (corr["max_mw"] >= corr["existing_mw_2030"]).all()
    assert (corr["reactance_ohm"] > 0).all()
    bound = pd.read_csv(DATA / "boundary.csv")
    assert list(bound.columns[: len(BOUNDARY_COLS)]) == BOUNDARY_COLS
    assert sorted(bound["year"]) == [BASE_YEAR, 2025, 2030, 2035]
    for df in (cities, fuels, corr, bound):
        assert df["flag"].notna().all() and df["source"].notna().all()


def _seed_lines(file: str) -> list[str]:
    return (SEEDS / file).read_text(encoding="utf-8").split("\n")


@pytest.mark.parametrize("table,quote", [("source/plan_facts.csv", "quote"), ("plants.csv", "plan_quote")])
def test_plan_quotes_are_on_their_lines(table, quote):
    """Every figure transcribed from a plan carries a verbatim quote of its cited line."""
    if not SEEDS.is_dir():
        pytest.skip(f"seed folder {SEEDS} not present")
    df = pd.read_csv(DATA / table)
    file_col, line_col = ("file", "line") if table.startswith("source") else ("plan_file", "plan_line")
    bad = [f"{r[file_col]}:{r[line_col]} {r[quote]!r}" for _, r in df.iterrows()
           if r[quote] not in _seed_lines(r[file_col])[int(r[line_col]) - 1]]
    assert not bad, "\n".join(bad)


def test_plants_table():
    """plants.csv: one row per named plant, each with a status the cases know and a flag."""
    df = pd.read_csv(DATA / "plants.csv")
    assert df["name"].is_unique and set(df["city"]) <= set(CITIES)
    assert set(df["status"]) <= {"existing", "committed", "candidate"}
    assert set(df["component"]) <= {"generator", "storage", "reservoir"}
    assert (df["mw"] > 0).all() and df["flag"].notna().all() and df["source"].notna().all()
    techs = set(pd.read_csv(DATA / "technologies.csv")["technology"])
    assert set(df["technology"]) <= techs
