"""Write the small gridplan input tables (technologies, fuels, cities, corridors, boundary).

Run from the repository root:  python data/scripts/make_tables.py
Deterministic, offline, no inputs except the constants below (which carry the
flags/citations of the research note sichuan_data.md; see data/README.md).
The hourly profiles are made separately by data/scripts/make_profiles.py, which
reads data/cities.csv written here.
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parents[1]
YEARS = (2025, 2030)
BASE_YEAR = 2022   # Leshan's plan states 2022 figures: the base-year case leshan_2022 calibrates against them
DC_AC = 1.2  # PV DC/AC ratio: every solar MW in this data set is MW_AC (see README)

REF = "sichuan_data.md"  # short name of the shared research note used in 'source'

# --------------------------------------------------------------------------------------
# 1. technologies.csv
# --------------------------------------------------------------------------------------
TECH_COLS = [
    "technology", "year", "carrier", "kind", "non_fossil", "renewable", "new_energy", "clean",
    "capex_cny_per_kw", "capex_cny_per_kwh", "fom_pct_capex_per_yr", "vom_cny_per_mwh",
    "lifetime_yr", "efficiency", "roundtrip_efficiency", "standing_loss_pct_per_h", "fuel",
    "capacity_credit", "min_duration_h", "max_duration_h", "flag", "source",
    # added columns (allowed by the data contract: only at the end)
    "buildable", "dc_ac_ratio", "loss_pct_per_100km", "forced_outage_rate", "planned_outage_rate",
]

# flags: (non_fossil, renewable, new_energy, clean)
RE = (True, True, True, True)
HYD = (True, True, False, True)
FOS = (False, False, False, False)
NONE4 = (False, False, False, False)

VOM_NOTE = "VOM E (order of PyPSA technology-data values; not in sichuan_data)"
CC_NOTE = "capacity_credit E"

# Outage rates (fractions; blank = 0 for hydro, wind, solar, storage, lines). The model derates every
# hour by the forced rate f and caps the year's energy at (1 - f)(1 - o) x 8760 h x capacity
# (gridplan/model/families/generators.py).
REEDS_OUT = ("NREL ReEDS-2.0 inputs/plant_characteristics/outage_forced_static.csv and "
             "outage_scheduled_static.csv")
# China: the NEA/CEC annual reliability indicators give coal units' equivalent unplanned outage hours of
# 13.84-32.42 h per unit-year (2019 data, three manufacturers' fleets; Shanghai Electric release of
# 2020-07-01, satasort.org [S]); f = 32.42 / 8760 = 0.0037 -> 0.004 (the higher figure, rounded up) [C].
# Equivalent availability of coal units >= 300 MW in the CEC reliability reports: 92-94 % [E: the report
# itself not retrieved]; o = 1 - EAF / (1 - f).
COAL_FOR = 0.004
COAL_EUOH = ("forced_outage_rate 0.004 [C]: NEA/CEC reliability indicators, coal units' equivalent unplanned "
             "outage hours 13.84-32.42 h per unit-year (2019; Shanghai Electric release 2020-07-01, satasort.org "
             "[S]) -> 32.42/8760 = 0.0037, rounded up")


def coal_por(eaf: float) -> float:
    """Planned outage rate that leaves the equivalent availability ``eaf``: (1 - f)(1 - o) = EAF."""
    return round(1 - eaf / (1 - COAL_FOR), 3)


def tech(tid, carrier, kind, flags4, capex, capex_kwh, fom, vom, life, eff, rte, sl, fuel, cc,
         dmin, dmax, flag, source, buildable=True, dc_ac=None, loss=None, outage=(None, None)):
    """capex/capex_kwh/eff may be a (2025, 2030) tuple or a scalar used for both years;
    ``outage``: (forced_outage_rate, planned_outage_rate), blank (0) by default."""
    rows = []
    for i, y in [(0, BASE_YEAR), *enumerate(YEARS)]:   # the base year repeats 2025 (E, existing fleets only)
        def pick(v):
            return v[i] if isinstance(v, tuple) else v
        rows.append(dict(
            technology=tid, year=y, carrier=carrier, kind=kind,
            non_fossil=flags4[0], renewable=flags4[1], new_energy=flags4[2], clean=flags4[3],
            capex_cny_per_kw=pick(capex), capex_cny_per_kwh=pick(capex_kwh),
            fom_pct_capex_per_yr=fom, vom_cny_per_mwh=vom, lifetime_yr=life,
            efficiency=pick(eff), roundtrip_efficiency=pick(rte), standing_loss_pct_per_h=sl,
            fuel=fuel, capacity_credit=cc, min_duration_h=dmin, max_duration_h=dmax,
            flag=flag, source=source if y != BASE_YEAR else f"{BASE_YEAR} = 2025 values (E: only the Leshan "
            "base-year case reads them, for its existing fleet); " + source, buildable=buildable, dc_ac_ratio=dc_ac,
            loss_pct_per_100km=loss, forced_outage_rate=outage[0], planned_outage_rate=outage[1],
        ))
    return rows


T = []
T += tech("onshore_wind", "wind", "variable", RE, (5500, 4800), None, 2.0, 0, 25, None, None, None, "",
          0.05, None, None, "E",
          f"{REF} §3.2 recommended default (E; range 4,300-7,400 CNY/kW anchored to PIK costs_2025/2030, "
          "Zhu et al. 2025 litreview and Labashan 258 MW/1.92 bn CNY = 7,440 CNY/kW [S]); "
          f"{CC_NOTE}: evening/winter peak, Sichuan ridge wind; {VOM_NOTE}")
T += tech("solar_utility", "solar", "variable", RE, (2800 * DC_AC, 2300 * DC_AC), None, 1.5, 0, 30, None, None,
          None, "", 0.0, None, None, "E",
          f"{REF} §3.2 default 2,800 (2025) / 2,300 (2030) CNY per kW_dc (E; litreview Zhu 2,200 / Sun 2,400 / "
          f"NREL-CNY 2,700 / Li 2,800 [S]) x DC/AC {DC_AC} = CNY per kW_AC (capacity in this data set is AC); "
          f"{CC_NOTE}: 0 at the 21:00 evening peak", dc_ac=DC_AC)
T += tech("solar_distributed", "solar", "variable", RE, (3000 * DC_AC, 2500 * DC_AC), None, 1.5, 0, 25, None,
          None, None, "", 0.0, None, None, "E",
          f"{REF} §3.2 default 3,000 (2025) / 2,500 (2030) CNY per kW_dc (E; litreview 2,400-3,500, LBNL rooftop "
          f"3,200->2,200 [S]) x DC/AC {DC_AC} = CNY per kW_AC; {CC_NOTE}: 0 at evening peak", dc_ac=DC_AC)
T += tech("hydro_reservoir", "hydro", "reservoir", HYD, 13000, None, 1.0, 0, 60, None, None, None, "",
          0.7, None, None, "S",
          f"{REF} §3.2 large hydro 13,000 CNY/kW (Zhu et al. 13,319 [S]; range 9,000-22,000 E); FOM 1 %/yr "
          f"(PIK hydro); {CC_NOTE}: regulated storage but winter/spring drawdown limits")
T += tech("hydro_ror", "hydro", "variable", HYD, 13000, None, 2.0, 0, 60, None, None, None, "",
          0.3, None, None, "E",
          f"{REF} §3.2 large hydro 13,000 CNY/kW applied to new daily-regulation/ROR Sichuan sites (E); "
          f"FOM 2 %/yr (PIK ror [S]); {CC_NOTE}: ~dry-season (Jan-Mar) availability 0.3")
T += tech("hydro_small", "hydro", "variable", HYD, 9000, None, 2.0, 0, 40, None, None, None, "",
          0.25, None, None, "E",
          f"{REF} §3.2 small hydro 9,000 CNY/kW (E); new build restricted by provincial policy "
          "('strictly controlling small hydropower development' [S] valvescasting.com); "
          f"uses the ror_pu profile; {CC_NOTE}")
T += tech("pumped_hydro", "storage", "storage", NONE4, 4200, 300, 1.0, 0, 50, None, 0.76, 0.0, "",
          0.9, 6, 8, "C",
          f"{REF} §3.2/§3.1: 6,000 CNY/kW for 6-8 h (project costs SGCC 5,820, Taishun/Fengxin 6,150, "
          "southern 6,670, GCL Jiande 5,210 CNY/kW [S/C]); split here as 4,200 CNY/kW + 300 CNY/kWh "
          "(E) so 6 h = 6,000 and 8 h = 6,600 CNY/kW; RTE 0.75-0.78 -> 0.76; FOM 1 %/yr, 80 y PIK (50 y used); "
          f"{CC_NOTE}")
T += tech("battery_li", "storage", "storage", NONE4, (300, 250), (600, 450), 2.0, 0, 15, None, 0.86, 0.02,
          "", 0.9, 1, 4, "E",
          f"{REF} §3.2 LFP turnkey: energy 600 + power 300 (2025), 450 + 250 (2030) (E, anchored to CEEC "
          "Jun-2025 tender 2 h 0.465 / 4 h 0.425 CNY/Wh and Huadian 0.473 CNY/Wh equipment [S]); RTE 0.86; "
          "standing loss 0.02 %/h E (self-discharge + auxiliaries); capacity_credit E for >=4 h "
          "(scale by duration/4 for shorter)")
T += tech("flow_battery_v", "storage", "storage", NONE4, (2400, 2000), (1600, 1100), 1.5, 0, 20, None, 0.70,
          0.05, "", 0.9, 4, 10, "E",
          f"{REF} §3.2 vanadium flow: energy 1,600 + power 2,400 (2025), 1,100 + 2,000 (2030) CNY (E; PyPSA/"
          "Viswanathan 2022 Western store 361.9 EUR/kWh + bicharger 175.4 EUR/kW [S]); RTE 0.70; "
          "standing loss 0.05 %/h E (pumps, shunt currents); capacity_credit E")
T += tech("flow_battery_znbr", "storage", "storage", NONE4, (2000, 1700), (1300, 900), 2.0, 0, 15, None, 0.70,
          0.2, "", 0.9, 2, 5, "E",
          "zinc-bromine flow battery (for the Hanhua 200 MW project named in the Leshan plan, 003:363): not in "
          f"{REF}; E = the vanadium row's power cost and ~20 % below its energy cost (cheaper electrolyte), "
          "RTE 0.70, 2-5 h, 15-year life, standing loss 0.2 %/h (bromine crossover) [E]; capacity_credit E")
T += tech("gas_ocgt", "gas", "dispatchable", FOS, (2000, 1950), None, 2.5, 30, 25, 0.38, None, None, "gas",
          0.95, None, None, "E",
          f"{REF} §3.2 OCGT 2,000 CNY/kW (Zhu 'gas' 2,000 [S]) / 1,950 (2030, E); eta 0.38 E; FOM 2.5 %/yr "
          f"(PIK OCGT 1.78 [S] rounded up); {VOM_NOTE}; {CC_NOTE}; forced_outage_rate 0.05, "
          f"planned_outage_rate 0.07 ({REEDS_OUT}, Gas-CT [S]; US fleet values applied to Sichuan [E])",
          outage=(0.05, 0.07))
T += tech("gas_ccgt", "gas", "dispatchable", FOS, (2350, 2300), None, 3.0, 25, 30, 0.60, None, None, "gas",
          0.92, None, None, "C",
          f"{REF} §3.1/§3.2: Sichuan projects Ziyang 2,365, Guangyuan 2,357, Neijiang 2,253 CNY/kW [S/C]; "
          f"eta 0.60 at peaking duty (0.637 H/J design point [S]); {VOM_NOTE}; {CC_NOTE}; forced_outage_rate 0.05, "
          f"planned_outage_rate 0.10 ({REEDS_OUT}, Gas-CC [S]; US fleet values applied to Sichuan [E])",
          outage=(0.05, 0.10))
T += tech("coal_usc", "coal", "dispatchable", FOS, 3800, None, 2.5, 20, 40, 0.455, None, None, "coal",
          0.92, None, None, "S",
          f"{REF} §3.2 USC 1,000 MW 3,800 CNY/kW (Zhu 3,500; PIK-new 505 EUR/kW; range 3,500-3,950) [S]; "
          f"eta 0.455 (NDRC <=270 gce/kWh supply rule [S]); {VOM_NOTE}; {CC_NOTE}; {COAL_EUOH}; "
          f"planned_outage_rate {coal_por(0.93)} [C] = 1 - EAF/(1 - 0.004), EAF 0.93 (CEC reliability reports, "
          f"coal units >= 300 MW 92-94 %, mid-range [E]); ReEDS coal-new 0.06 / 0.12 for a sensitivity "
          f"({REEDS_OUT} [S])", outage=(COAL_FOR, coal_por(0.93)))
T += tech("coal_subcritical", "coal", "dispatchable", FOS, 3800, None, 2.5, 25, 40, 0.38, None, None, "coal",
          0.9, None, None, "C",
          f"existing fleet only (buildable=false: new subcritical units are not permitted); eta 0.38 = "
          f"capacity-weighted {REF} §3.2 values (600 MW units 0.40, 300 MW class 0.36; Switch heat rates [S]) over "
          "the five cities' 3,570 MW [C]; capex set equal to USC only for bookkeeping; "
          f"{VOM_NOTE}; {CC_NOTE}; {COAL_EUOH}; planned_outage_rate {coal_por(0.92)} [C] = 1 - EAF/(1 - 0.004), "
          "EAF 0.92 (low end of the CEC 92-94 % for 300-600 MW subcritical units [E]); ReEDS CoalOld 0.08 / 0.12 "
          f"for a sensitivity ({REEDS_OUT} [S])", buildable=False, outage=(COAL_FOR, coal_por(0.92)))
T += tech("biomass", "biomass", "dispatchable", RE, (9000, 8800), None, 3.0, 30, 25, 0.28, None, None,
          "biomass", 0.85, None, None, "E",
          "not in sichuan_data: E (Chinese direct-fired biomass/waste-to-energy 8,000-10,000 CNY/kW, eta 0.28); "
          f"new_energy=true follows the common Chinese reading (wind+solar+biomass; targets.yaml ambiguities); "
          f"{VOM_NOTE}; {CC_NOTE}; forced_outage_rate 0.09, planned_outage_rate 0.076 ({REEDS_OUT}, biopower "
          "[S]; US fleet values applied to Sichuan [E])", outage=(0.09, 0.076))
T += tech("line_500kv", "transmission", "line", NONE4, 2000, None, 1.5, 0, 40, None, None, None, "",
          0.0, None, None, "E",
          f"capex_cny_per_kw holds CNY per (MW*km) for this line row: {REF} §2.3/§3.2 500 kV AC expansion "
          "1,500-2,500 CNY/(MW*km) incl. substations (E; anchors Yahua 500 kV ~0.8 k CNY/(MW*km) 2008 [C], "
          "PyPSA HVAC 750 EUR/(MW*km) [S]); loss ~1 %/100 km at rated flow (E)", loss=1.0)

tech_df = pd.DataFrame(T, columns=TECH_COLS)

# --------------------------------------------------------------------------------------
# 2. fuels.csv
# --------------------------------------------------------------------------------------
FUELS = [
    ("coal", 2025, 38.0, 0.0933, "E",
     f"{REF} §3.3 recommended delivered Sichuan coal 880 CNY/t at 5,500 kcal = 38 CNY/GJ (E; NDRC 570-770 CNY/t "
     "Qinhuangdao range, Sichuan index 623 CNY/t 2018 [S]); CO2 0.336 t/MWh_th = 0.0933 t/GJ (PyPSA "
     "technology-data costs_2025 [S]; Switch 0.0905)"),
    ("coal", 2030, 36.0, 0.0933, "E", f"{REF} §3.3 recommended 36 CNY/GJ for 2030 (E); CO2 as 2025 (PyPSA [S])"),
    ("gas", 2025, 62.0, 0.0550, "E",
     f"{REF} §3.3 recommended Sichuan power-sector gas 2.2 CNY/m3 at 35.6 MJ/m3 = 62 CNY/GJ (E; range 1.8-2.6 "
     "CNY/m3); CO2 0.198 t/MWh_th = 0.0550 t/GJ (PyPSA [S]; Switch 0.0503)"),
    ("gas", 2030, round(2.1 / 0.0356, 1), 0.0550, "E",
     f"{REF} §3.3 recommended 2.1 CNY/m3 (2030) at 35.6 MJ/m3 (E); CO2 as 2025 (PyPSA [S])"),
    ("biomass", 2025, 25.0, 0.0, "E",
     "not in sichuan_data: E (agricultural/forestry residue ~300 CNY/t delivered at ~13-15 GJ/t incl. collection); "
     "CO2 0: biogenic, counted as non-fossil"),
    ("biomass", 2030, 25.0, 0.0, "E", "as 2025 (E)"),
]
FUELS += [(f, BASE_YEAR, price, co2, flag, f"{BASE_YEAR} = 2025 (E, base-year case only)")
          for f, y, price, co2, flag, _ in list(FUELS) if y == 2025]
fuel_df = pd.DataFrame(FUELS, columns=["fuel", "year", "price_cny_per_gj", "co2_t_per_gj", "flag", "source"])

# --------------------------------------------------------------------------------------
# 3. cities.csv
# --------------------------------------------------------------------------------------
CITY_COLS = [
    "city", "year", "lat", "lon", "elev_m", "peak_mw", "annual_demand_mwh", "existing_coal_mw",
    "existing_gas_mw", "existing_hydro_reservoir_mw", "existing_hydro_seasonal_mw", "reservoir_energy_mwh",
    "existing_hydro_ror_mw", "existing_wind_mw", "existing_solar_mw", "existing_battery_mw",
    "existing_battery_mwh", "potential_wind_mw", "potential_solar_utility_mw", "potential_solar_distributed_mw",
    "potential_hydro_ror_new_mw", "energy_total_tce", "energy_nonfossil_other_tce", "energy_fossil_other_tce",
    "nonfossil_share_baseline", "flag", "source",
    # added columns
    "existing_solar_mw_dc", "demand_growth_pa", "nonfossil_share_baseline_year", "nonfossil_share_check",
    "existing_dr_mw", "ev_charging_mwh", "import_non_fossil_counted",
]

BASE_YEARS = {"leshan": 2022}
"""Cities whose plan states base-year figures to calibrate against: a row of that year (existing fleet only)."""

# Non-fossil fraction at which a city's own statistics credit electricity from the provincial grid, where a
# base year pins it (blank: boundary.csv's provincial mix). Calibrated, see data/README.md "Leshan 2022".
IMPORT_NF_COUNTED = {"leshan": 0.20}

# Chengdu EV charging (MWh/yr), inside annual_demand_mwh; the cases give it its evening profile [E]:
# NEV stock 30.12万 in May-2022 [S 91haoche] -> ~1.0 M in 2025 and ~2.5 M in 2030 (E), x 2,750 kWh per
# vehicle-year (E; national 666.7 亿kWh in Jan-Sep 2024 for 28.09 M NEVs = 3,160 kWh annualised [S/C], less
# for a city fleet of private cars)
EV_CHARGING_MWH = {("chengdu", 2025): 2.75e6, ("chengdu", 2030): 6.9e6}

# coal-equivalent factor for primary electricity (sichuan_data §4): tce per MWh; 2022: the national average
# coal rate of power supply, 300.7 gce/kWh (E, rounded like 2025)
F_COAL_EQ = {2022: 0.300, 2025: 0.300, 2030: 0.295}

# Leshan total energy (tce): 2022 = the plan's intensity x GDP [C]; later years GDP path x intensity path [E]
LESHAN_GDP_2022 = 2308.81e8          # CNY, 2022 statistical bulletin [S]
LESHAN_GDP_2024 = 2532.53e8          # CNY, 2024 statistical bulletin [S]
LESHAN_INTENSITY_2022 = 0.8563       # tce per 10^4 CNY, plan 003:28 [S]
LESHAN_TOTAL = {
    2022: LESHAN_INTENSITY_2022 * LESHAN_GDP_2022 / 1e4,
    # GDP +5.5 % in 2025 and +5 %/yr to 2030 [E]; intensity -3 %/yr to 2025 (Sichuan 14th FYP order, -14 % over
    # five years) and -2.5 %/yr to 2030 [E] ("完成省下目标", 003:28, states no number)
    2025: LESHAN_GDP_2024 * 1.055 * LESHAN_INTENSITY_2022 * 0.97 ** 3 / 1e4,
}
LESHAN_TOTAL[2030] = LESHAN_TOTAL[2025] * 1.05 ** 5 * 0.975 ** 5
LESHAN_ELEC_SHARE_2022 = 0.505       # 电能占终端用能的比重 2022, plan 003:124 [S]
LESHAN_DEMAND_2022 = LESHAN_ELEC_SHARE_2022 * LESHAN_TOTAL[2022] / F_COAL_EQ[2022]   # MWh [C]
LESHAN_LF = 0.7610                   # load factor of the Leshan profile (E, industrial)
LESHAN_PEAK_2022 = LESHAN_DEMAND_2022 / (8760 * LESHAN_LF)
LESHAN_DR_2022_MW = round(0.037 * LESHAN_PEAK_2022, 1)   # 需求侧响应能力 3.7 % in 2022, plan 003:132 [S/C]
BOUNDARY_NF = {2022: 0.85, 2025: 0.85, 2030: 0.87}   # 2022 = 2025 (E)
# assumed annual hours for the plausibility check only (E): sichuan_data §1.5/§1.6
H_COAL, H_GAS, H_RES, H_ROR = 4000, 2500, 4000, 0.475 * 8760

C = {
    "chengdu": dict(
        lat=30.67, lon=104.06, elev=500, peak=22130, twh=105.0, g=0.055,
        coal=1200, gas=60, gas30=60 + 1001, res=760, seas=760, res_e=190_000, ror=540, wind=0, solar_dc=800,
        bat=200, bat_mwh=400, pot_w=0, pot_su=1000, pot_sd=5000, pot_h=100,
        tot=65.0e6, tot_g=0.020, nf_other=0.6e6, base=None, base_year=None, wind_flh=1000, pv_dc=850,
        flag="demand S/C; peak S; coal S; gas S; hydro S/E; RE E; storage E; potentials E; energy E",
        source=(
            f"{REF} §1.2/§1.3, city_parameters_2025_2030.csv: demand >100 TWh 2025 pro-rated to 105 TWh [S/C] "
            "(ttm.financial; cnenergynews), peak 22,130 MW 16-Jul-2025 [S]; coal Guodian Jintang 2x600 [S Switch]; "
            "gas = 60 MW small landfill/MSW gas (GPPD Luodai 24 + Xiangfu 36) [S]; 2030 gas adds Huaneng Pengzhou "
            "2x500.49 MW CCGT (unit 1 in service Mar-2026) [S huashangw]; the 2,000 MW USC coal plant of the "
            "Chengdu plan (推動實施, no construction evidence) is NOT in the 2030 fleet: a case option; "
            "reservoir = Zipingpu 760 MW [S GPPD], seasonal-or-better regulation [E], ~0.19 TWh regulating energy "
            "(~250 h) [E]; ror = small hydro ~540 [E]; solar ~800 MW_dc mostly distributed [E] = 667 MW_AC; "
            "battery ~200 MW [E], 2 h assumed [E]; growth 5.5 %/yr [E]; no viable wind (potential 0)"),
    ),
    "mianyang": dict(
        lat=31.47, lon=104.68, elev=470, peak=3500, twh=20.0, g=0.05,
        coal=1260, gas=0, gas30=0, res=150, seas=150, res_e=60_000, ror=850, wind=200, solar_dc=300,
        bat=0, bat_mwh=0, pot_w=1500, pot_su=2500, pot_sd=2000, pot_h=300,
        tot=11.5e6, tot_g=0.020, nf_other=0.3e6, base=None, base_year=None, wind_flh=1900, pv_dc=890,
        flag="demand E; peak E; coal S; gas E; hydro S/E; RE E; potentials E; energy E",
        source=(
            f"{REF} §1.2/§1.3: demand ~20 TWh, peak ~3.5 GW [E]; coal Jiangyou 2x300 + 2x330 MW [S Switch/GPPD] "
            "(1990-91 units are retirement candidates, kept in 2030); gas 0 (GPPD 700 MW entry unverified) [E]; "
            "reservoir = Wudu 150 MW [S GPPD], counted seasonal-or-better and 60 GWh regulating energy "
            "(~400 h) [E, not in sichuan_data]; ror/small hydro 850 [E]; wind 200, solar 300 MW_dc = 250 MW_AC [E]; "
            "2030: no project under construction identified (gas turbines Jiangyou/Santai/Yanting and Jiangyou/"
            "Beichuan PHS are only 规划建设 in the plan); growth 5 %/yr [E]"),
    ),
    "leshan": dict(
        lat=29.55, lon=103.77, elev=400, peak=6000, twh=40.0, g=0.05,
        coal=270, gas=0, gas30=0, res=0, seas=0, res_e=0, ror=5747.5, wind=300, solar_dc=300,
        bat=0, bat_mwh=0, pot_w=1200, pot_su=2000, pot_sd=1500, pot_h=1000,
        tot=LESHAN_TOTAL[2025], tot_g=(LESHAN_TOTAL[2030] / LESHAN_TOTAL[2025]) ** 0.2 - 1, nf_other=0.4e6,
        base=0.415, base_year=2022, wind_flh=2000, pv_dc=830, dr=LESHAN_DR_2022_MW,
        flag="demand C (2022) / E (2025); peak E; coal S; hydro S/C; RE E; potentials E; energy C (plan 2022 "
             "intensity S x GDP S); baseline S",
        source=(
            "demand: 2022 = 33.28 TWh [C] = the plan's electricity share of final energy 50.5 % (003:124, on the "
            "coal-equivalent basis, data/README.md) x 2022 total energy / 0.300 tce/MWh; 2025 = 40 TWh [E: polysilicon "
            "expansion, Tongwei +200 kt and +120 kt in Leshan (finanznachrichten 2021/2023) S], peak 6,000 MW = "
            "load factor 0.761 [E]; coal = Emeishan captive 270 MW [S GPPD]; hydro = the plan's 2022 renewables "
            "634.75万千瓦 (003:148) [S] minus wind 300 and PV 300 MW_dc = 5,747.5 MW [C] (large stations in service "
            "2022: Zhentouba-I 720, Shaping-II 348, Gongzui 770, Tongjiezi 650, Shawan 480, Anggu 772, Jianwei 500, "
            "Maotan 105 [S, research notes] + ~1,400 MW small hydro [C residual]), all daily regulation/ROR -> "
            "reservoir 0; Zhentouba-II, Shaping-I and the Minjiang 航电 plants are under construction (003:395) and "
            "enter in 2025 from plants.csv (plan's 2025 hydro 693万千瓦); wind 300, solar 300 MW_dc [E]; total "
            "energy: 2022 = 0.8563 tce/万元 (003:28) x GDP 2,308.81 亿元 [S statistical bulletin] = 19.77 Mtce [C], "
            "2025/2030 = GDP path x intensity path [E, data/README.md]; non-fossil share 2022 baseline 41.5 % "
            "(003:116) [S]; existing demand response 3.7 % of the 2022 peak (003:132) [S/C]; growth 5 %/yr [E]"),
    ),
    "guangyuan": dict(
        lat=32.44, lon=105.84, elev=490, peak=2000, twh=14.0, g=0.05,
        coal=0, gas=0, gas30=1400, res=1800, seas=1800, res_e=500_000, ror=500, wind=400, solar_dc=300,
        bat=0, bat_mwh=0, pot_w=2000, pot_su=3000, pot_sd=1000, pot_h=200,
        tot=7.8e6, tot_g=0.020, nf_other=0.25e6, base=None, base_year=None, wind_flh=2000, pv_dc=940,
        flag="demand E; peak E; coal S; gas S; hydro S/E; RE E; potentials E; energy E",
        source=(
            f"{REF} §1.2/§1.3: demand ~14 TWh (Zhongfu Al phase I 6.7 TWh [S]), peak ~2.0 GW [E]; coal 0 [S]; "
            "2030 gas adds Sichuan Energy Investment Guangyuan 2x700 MW 9H CCGT (under construction, 3.3 bn CNY) "
            "[S]; reservoir = Tingzikou 1,100 (annual regulation) + Baozhusi 700 MW [S GPPD]; Baozhusi's "
            "'incomplete annual' (不完全年调节) regulation ranks above seasonal, so both count as seasonal-or-better "
            "= 1,800 MW [E decision] (plan target >=1,900 MW by 2030); regulating energy Tingzikou ~0.25 + "
            "Baozhusi ~0.25 TWh [E]; ror = Jialing cascade + small ~500 [E]; wind 400 (incl. Datang Fangdiping "
            "30 [S]), solar 300 MW_dc [E]; Jiange 330 / Zhaohua 300 MW wind are '加快推进' (not counted); "
            "growth 5 %/yr [E]"),
    ),
    "panzhihua": dict(
        lat=26.58, lon=101.72, elev=1190, peak=2300, twh=15.0, g=0.04,
        coal=840, gas=0, gas30=0, res=3300, seas=3300, res_e=1_320_000, ror=1200, wind=600, solar_dc=1000,
        bat=0, bat_mwh=0, pot_w=2500, pot_su=6000, pot_sd=800, pot_h=300,
        tot=12.0e6, tot_g=0.015, nf_other=0.3e6, base=None, base_year=None, wind_flh=2500, pv_dc=1500,
        flag="demand E; peak E; coal S; hydro S/C; RE E; potentials E; energy E",
        source=(
            f"{REF} §1.2/§1.3: demand ~15 TWh (steel, V-Ti), peak ~2.3 GW [E]; coal Pangang Geliping 300 + "
            "Sanwei 2x135 + Huarong gangue 2x135 [S gem.wiki/Switch/GPPD]; reservoir = Ertan 3,300 MW seasonal "
            "(regulating storage 33.7亿m3, 季调节 [S zjtcn]) with 1.32 TWh regulating energy [C]; ror = Jinsha 560 "
            "(in service 2020-21 [S pzhsxq.gov.cn]) + Yinjiang 390 (first unit 31-Dec-2024 [S]) + 250 MW small hydro "
            "[C: the plan's 660万千瓦 (001:39) minus the named plants]; Tongzilin 600 (daily, below Ertan) and half of "
            "Guanyinyan (1,500 of 3,000 MW, on the Yunnan border) are reservoirs of plants.csv, so that the fleet "
            "carries the plan's 2025 hydro stock 6,600 MW and its seasonal count 82 % (001:51), see data/README.md; "
            "wind 600, solar 1,000 MW_dc [E] = 833 MW_AC; 2030: no further project under construction identified; "
            "growth 4 %/yr [E]"),
    ),
}


# --------------------------------------------------------------------------------------
# 3b. plants.csv: named plants and projects, one row each (not in the cities.csv aggregates)
# --------------------------------------------------------------------------------------
PLANT_COLS = ["city", "name", "component", "technology", "mw", "mwh", "seasonal", "from_year", "status",
              "plan_file", "plan_line", "plan_quote", "flag", "source"]
LS, PZH, MY, GY, CD = ("003_8e4a237324c0d96e.txt", "001_0bbcccc554d69147.txt", "002_2d67dc7562c0c97f.txt",
                       "000_774919e0b0df30d8.txt", "004_6acf189af0e6b06d.txt")
LS_HYDRO_Q = "加快岷江航电枢纽及枕头坝二级、沙坪一级等水电项目建设"
LS_HYDRO_2025 = 6930.0     # 其中水电装机容量达到693万千瓦 (003:395) [S]
PHS_E = "no capacity in the plan: 1,200 MW per station [E], catalogue cost; a candidate (no date)"
PLANTS = [
    # status: existing (in service from from_year), committed (under construction, in service from from_year:
    # the case holds it as existing from that year), candidate (no date: a build option up to mw)
    ("leshan", "ls_hydro_shaping1", "generator", "hydro_ror", 360, None, None, 2025, "committed", LS, 395, LS_HYDRO_Q,
     "S", "Shaping-I 360 MW, under construction, first unit ~end-2025 [S zslijia.com]; daily/ROR [E]"),
    ("leshan", "ls_hydro_zhentouba2", "generator", "hydro_ror", 300, None, None, 2025, "committed", LS, 395,
     LS_HYDRO_Q, "S", "Zhentouba-II 300 MW, started Oct-2021 [S zslijia.com]; daily/ROR [E]"),
    ("leshan", "ls_hydro_minjiang", "generator", "hydro_ror", LS_HYDRO_2025 - 5747.5 - 360 - 300, None, None, 2025,
     "committed", LS, 395, LS_HYDRO_Q, "C",
     "Minjiang 航电 plants (Longxikou ~480 MW under construction [E]): the plan's 2025 hydro 6,930 MW minus the 2022 "
     "stock 5,747.5 MW and the two Dadu plants [C]"),
    ("leshan", "ls_battery_weilide_vrfb", "storage", "flow_battery_v", 100, 400, None, 2030, "committed", LS, 286,
     "将四川伟力得能源股份有限公司100MW/400MWh的全钒液流储能电站等重点项目作为试点", "S",
     "a named pilot without a date: in service by 2030, not by 2025 [E]"),
    ("leshan", "ls_battery_hanhua_znbr", "storage", "flow_battery_znbr", 200, None, None, 2030, "candidate", LS, 363,
     "推动井研县汉化卓越溴化锌液流电池200MW储能项目", "S",
     "zinc-bromine 200 MW, no MWh and no date in the plan: a candidate up to 200 MW, duration by the catalogue"),
    ("panzhihua", "pzh_reservoir_guanyinyan", "reservoir", "hydro_reservoir", 1500, 82000, True, 2016, "existing",
     PZH, 39, "全市水电装机达到 660 万 千瓦", "C/E",
     "Guanyinyan 3,000 MW on the Sichuan/Yunnan border (in service 2014-16, 120.68亿kWh/yr [S wikipedia]); "
     "half counted in Panzhihua [E], which with the named plants and ~250 MW small hydro gives the plan's 6,600 MW "
     "[C]; regulating energy ~82 GWh for the half (weekly, 5.5亿m3 x ~120 m head [E]); seasonal: true as the plan "
     "counts it (82 % = (3,300 + 1,500 + 600) / 6,600, data/README.md) although its own pondage is weekly"),
    ("panzhihua", "pzh_reservoir_tongzilin", "reservoir", "hydro_reservoir", 600, 1500, True, 2016, "existing",
     PZH, 51, "全市具备季以上调节能力的水电装机占比达 82%", "S/E",
     "Tongzilin 4x150 MW, daily pondage (storage 0.912亿m3 [S ylhdc]), directly below Ertan: its inflow is "
     "Ertan's seasonal release, so the plan's 82 % counts it as seasonal-regulated [E]; ~1.5 GWh pondage [E]"),
    ("mianyang", "my_hydro_tucheng2", "generator", "hydro_ror", 50, None, None, 2025, "committed", MY, 37,
     "竣工投用土城二级等在建水电站项目", "E",
     "Tucheng-II (Fujiang), under construction in the plan (在建): MW not found, 50 MW [E] (Fujiang cascade size)"),
    ("mianyang", "my_phs_jiangyou", "storage", "pumped_hydro", 1200, None, None, 2030, "candidate", MY, 41,
     "规划建设江油、北川抽水蓄能电站", "E", PHS_E),
    ("mianyang", "my_phs_beichuan", "storage", "pumped_hydro", 1200, None, None, 2030, "candidate", MY, 41,
     "规划建设江油、北川抽水蓄能电站", "E", PHS_E),
    ("guangyuan", "gy_phs_longchishan", "storage", "pumped_hydro", 1200, None, None, 2030, "candidate", GY, 48,
     "推进建设龙池山、大坪山、罗家山等抽水蓄能电站", "E", PHS_E),
    ("guangyuan", "gy_phs_dapingshan", "storage", "pumped_hydro", 1200, None, None, 2030, "candidate", GY, 48,
     "推进建设龙池山、大坪山、罗家山等抽水蓄能电站", "E", PHS_E),
    ("guangyuan", "gy_phs_luojiashan", "storage", "pumped_hydro", 1200, None, None, 2030, "candidate", GY, 48,
     "推进建设龙池山、大坪山、罗家山等抽水蓄能电站", "E", PHS_E),
    ("chengdu", "cd_phs", "storage", "pumped_hydro", 1200, None, None, 2030, "candidate", CD, 97, "抽水蓄能電站",
     "E", "an unnamed station in the plan; " + PHS_E),
]
plant_df = pd.DataFrame(PLANTS, columns=PLANT_COLS)


def plant_hydro(city, year, component):
    """MW of hydro of plants.csv in service at ``city`` in ``year`` (existing or committed)."""
    p = plant_df[(plant_df.city == city) & (plant_df.component == component) & (plant_df.from_year <= year)
                 & (plant_df.status != "candidate") & plant_df.technology.str.startswith("hydro")]
    return float(p["mw"].sum())


def nf_share_check(c, year, demand_mwh, gas_mw, tot, city):
    """Plausibility check only: consumption-based non-fossil share (documented in README), with the
    fleet of cities.csv and the hydro plants of plants.csv."""
    fossil = c["coal"] * H_COAL + gas_mw * H_GAS
    res = c["res"] + plant_hydro(city, year, "reservoir")
    ror = c["ror"] + plant_hydro(city, year, "generator")
    nf_local = (res * H_RES + ror * H_ROR + c["wind"] * c["wind_flh"] + c["solar_dc"] * c["pv_dc"])
    nf_el = min(demand_mwh - min(fossil, demand_mwh), nf_local)
    rest = max(0.0, demand_mwh - fossil - nf_local)
    nf_el += BOUNDARY_NF[year] * rest
    return (nf_el * F_COAL_EQ[year] + c["nf_other"] * (1 + c["tot_g"]) ** (year - 2025)) / tot


city_rows = []
for name, c in C.items():
    for y in sorted({*YEARS, *([BASE_YEARS[name]] if name in BASE_YEARS else [])}):
        n = y - 2025
        demand = c["twh"] * 1e6 * (1 + c["g"]) ** n
        peak = c["peak"] * (1 + c["g"]) ** n
        if n < 0:  # a base year: the plan's own figures (only Leshan 2022 so far)
            demand, peak = LESHAN_DEMAND_2022, LESHAN_PEAK_2022
        gas = c["gas"] if y == 2025 else c["gas30"]
        tot = LESHAN_TOTAL[y] if name == "leshan" else c["tot"] * (1 + c["tot_g"]) ** n
        nf_other = c["nf_other"] * (1 + c["tot_g"]) ** n
        fossil_other = tot - F_COAL_EQ[y] * demand - nf_other
        assert fossil_other > 0, name
        city_rows.append(dict(
            city=name, year=y, lat=c["lat"], lon=c["lon"], elev_m=c["elev"], peak_mw=round(peak, 1),
            annual_demand_mwh=round(demand), existing_coal_mw=c["coal"], existing_gas_mw=gas,
            existing_hydro_reservoir_mw=c["res"], existing_hydro_seasonal_mw=c["seas"],
            reservoir_energy_mwh=c["res_e"], existing_hydro_ror_mw=c["ror"], existing_wind_mw=c["wind"],
            existing_solar_mw=round(c["solar_dc"] / DC_AC, 1), existing_battery_mw=c["bat"],
            existing_battery_mwh=c["bat_mwh"], potential_wind_mw=c["pot_w"], potential_solar_utility_mw=c["pot_su"],
            potential_solar_distributed_mw=c["pot_sd"], potential_hydro_ror_new_mw=c["pot_h"],
            energy_total_tce=int(round(tot, -3)), energy_nonfossil_other_tce=int(round(nf_other, -3)),
            energy_fossil_other_tce=int(round(tot, -3) - round(F_COAL_EQ[y] * demand, -3) - round(nf_other, -3)), nonfossil_share_baseline=c["base"],
            flag=c["flag"], source=c["source"] + (" [2030: demand and peak grown at the stated rate]" if n else ""),
            existing_solar_mw_dc=c["solar_dc"], demand_growth_pa=c["g"], nonfossil_share_baseline_year=c["base_year"],
            nonfossil_share_check=round(nf_share_check(c, y, demand, gas, tot, name), 3),
            existing_dr_mw=c.get("dr", 0.0), ev_charging_mwh=EV_CHARGING_MWH.get((name, y), 0.0),
            import_non_fossil_counted=IMPORT_NF_COUNTED.get(name),
        ))
city_df = pd.DataFrame(city_rows, columns=CITY_COLS)
city_df["nonfossil_share_baseline_year"] = city_df["nonfossil_share_baseline_year"].astype("Int64")

# --------------------------------------------------------------------------------------
# 4. corridors.csv and boundary.csv
# --------------------------------------------------------------------------------------
X500 = 0.28   # ohm/km per 500 kV circuit (E)
X1000 = 0.26  # ohm/km per 1000 kV circuit at 1000 kV (E); referred to 500 kV: x (500/1000)^2
MW_PER_DC = 2400  # MW per 500 kV double circuit (sichuan_data §2.3 rule of thumb, E)


def x500(length, mw):
    n_circ = 2 * max(1, math.ceil(mw / MW_PER_DC))
    return round(X500 * length / n_circ, 2)


EDGE_SRC = f"{REF} §2.3 and network_edges_estimated.csv"
CORR = [
    # name, bus0, bus1, km, mw25, mw30, max, reactance, flag, source
    ("cd_my_500kv", "chengdu", "mianyang", 140, 4000, 4500, 4500 + 4000, None, "E",
     f"{EDGE_SRC} E1: via Deyang 500 kV (Tanjiawan-Deyang-Mianyang/Shicheng), route 140 km (=1.25 x 107 km "
     "straight [C]); ratings E"),
    ("my_gy_500kv", "mianyang", "guangyuan", 190, 2000, 2500, 2500 + 2500, None, "E",
     f"{EDGE_SRC} E2: Shicheng (Jiangyou) 500 kV - Guangyuan 500 kV [S topology]; ratings E"),
    ("cd_ls_500kv", "chengdu", "leshan", 160, 4000, 4500, 4500 + 4000, None, "E",
     f"{EDGE_SRC} E3: Chengdu south ring (Jianshan / Meishan Dongpo) - Leshan; ratings E"),
    ("ls_pzh_500kv", "leshan", "panzhihua", 480, 5000, 5000, 5000 + 2500, None, "E",
     f"{EDGE_SRC} E4: Panxi 500 kV export section via Liangshan (Puti/Yuecheng), Jianchang-Xufu 500 kV "
     "optimisation ~2025 [S]; ratings E"),
    ("pzh_ls_1000kv", "panzhihua", "leshan", 503, 0, 6000, 6000, None, "E",
     f"{EDGE_SRC} E4b: Panxi-Chuannan-Tianfu South 1000 kV UHV AC (2x360.8 + 2x142.2 km, 23.18 bn CNY, approved "
     "3-Dec-2025, ~2028) [S project]; 6,000 MW E; max = committed (no further expansion at line_500kv cost); "
     "reactance = 2030 double circuit referred to 500 kV"),
    ("cd_grid", "chengdu", "sichuan_grid", 200, 11000, 12000, 12000 + 4000, None, "E",
     f"{EDGE_SRC} X1: UHV Ganzi/Aba -> Tianfu South/Chengdu East plus 500 kV from Ya'an/Aba; Sichuan-Chongqing "
     "1000 kV (657 km, 28.6 bn CNY) and Aba-Chengdu East 1000 kV (Jun-2026) [S projects]; ratings E; 2025 "
     "rating 11,000 MW (was 6,000) [C/E]: the three corridors into Chengdu (19 GW) plus its ~3 GW of local firm "
     "capacity must serve the observed 2025 peak of 22,130 MW (16-Jul-2025) [S] without new build, consistent "
     "with the city grid's supply capability of >20 GW in 2024 [S, sichuan_data §1.3]; "
     "length 200 km = representative distance to the western hydro infeed [E]"),
    ("my_grid", "mianyang", "sichuan_grid", 100, 2000, 3000, 3000 + 2500, None, "E",
     "not in network_edges_estimated.csv: E (Mianyang/Deyang 500 kV double ring, Jun-2021 [S thequotefeed]; "
     "Aba-Chengdu East 1000 kV crosses Mianyang [S]); length and ratings E"),
    ("ls_grid", "leshan", "sichuan_grid", 150, 4000, 4000, 4000 + 2500, None, "E",
     f"{EDGE_SRC} X2: Dadu/Ya'an hydro 500 kV (Yahua 500 kV 261 km [S]); length 150 km and ratings E"),
    ("gy_grid", "guangyuan", "sichuan_grid", 150, 1500, 2000, 2000 + 2000, None, "E",
     "not in network_edges_estimated.csv: E (Guangyuan 500 kV to the Bazhong/Nanchong east-Sichuan ring; Zhaohua "
     "500 kV expansion in the Guangyuan plan [S targets.yaml]); length and ratings E"),
    ("pzh_grid", "panzhihua", "sichuan_grid", 200, 4000, 6000, 6000 + 2500, None, "E",
     f"{EDGE_SRC} X3: Yalong/Jinsha hydro (Liangshan) 500 kV; Liangshan backbone +8 GW export / +12 GW RE "
     "collection 2025-27 [S cbgc.scol]; length 200 km and ratings E"),
]
corr_rows = []
for name, b0, b1, km, m25, m30, mx, _, flag, src in CORR:
    if "1000kv" in name:
        x = round(X1000 * km / 2 * (500 / 1000) ** 2, 2)
        xs = f"X = {X1000} ohm/km x {km} km / 2 circuits x (500/1000)^2 (referred to 500 kV) [E]"
    else:
        x = x500(km, m25 if m25 > 0 else m30)
        xs = (f"X = {X500} ohm/km x {km} km / {2 * max(1, math.ceil((m25 or m30) / MW_PER_DC))} parallel 500 kV "
              f"circuits (~{MW_PER_DC} MW per double circuit) [E]")
    corr_rows.append(dict(name=name, bus0=b0, bus1=b1, length_km=km, existing_mw_2025=m25, existing_mw_2030=m30,
                          max_mw=mx, reactance_ohm=x, flag=flag,
                          source=f"{src}; max_mw = 2030 rating + 1-2 further 500 kV double circuits [E]; {xs}"))
corr_df = pd.DataFrame(corr_rows, columns=["name", "bus0", "bus1", "length_km", "existing_mw_2025",
                                           "existing_mw_2030", "max_mw", "reactance_ohm", "flag", "source"])

# boundary: provincial grid mix seen from a city
mix_price_2018 = 0.80 * 267.2 + 0.15 * 373.9 + 0.05 * 584.1  # on-grid 2018 prices, hydro/coal/gas [S]
BOUND = []
for y in (2022, *YEARS):   # 2022: the Leshan base year, = 2025 (E)
    nf = BOUNDARY_NF[y]
    co2 = round((1 - nf) * 0.85, 3)  # fossil share x ~0.85 t/MWh (coal ~0.95, gas ~0.35-0.5 mix) [C/E]
    BOUND.append(dict(
        year=y, import_price_cny_per_mwh=330, export_price_cny_per_mwh=100, co2_t_per_mwh=co2,
        non_fossil_fraction=nf, flag="E",
        source=(f"import price 330 CNY/MWh (E) ~ 2018 on-grid prices hydro 267.2 / coal 373.9 / gas 584.1 CNY/MWh "
                f"[S spglobal, {REF} §3.3] weighted 80/15/5 = {mix_price_2018:.0f} CNY/MWh [C] + ~10 % to CNY 2024 "
                "(E); export price 100 CNY/MWh (E: what a city's surplus is worth to a province that spills "
                "hydro in the wet season (弃水) — below the levelised cost of new wind/PV (~135-190 CNY/MWh), so no "
                "capacity is built merely to export; a flat 250 made every city build all its wind/PV potential "
                f"for export; vary it with `gridplan sweep`); non-fossil fraction {nf} (Sichuan clean share of installed "
                f"capacity 85 % Dec-2025 [S SASAC]{'; 2030 +2 pts E' if y == 2030 else ''}"
                f"{'; 2022 = 2025 (E)' if y == 2022 else ''}); CO2 = (1 - non-fossil) x 0.85 t/MWh fossil "
                "mix [C/E]")))
bound_df = pd.DataFrame(BOUND, columns=["year", "import_price_cny_per_mwh", "export_price_cny_per_mwh",
                                        "co2_t_per_mwh", "non_fossil_fraction", "flag", "source"])


def _bool_str(df):
    for col in df.columns:
        if df[col].dtype == bool or set(df[col].dropna().unique()) <= {True, False}:
            if df[col].notna().all() and len(df[col].unique()) <= 2 and df[col].map(type).eq(bool).all():
                df[col] = df[col].map({True: "true", False: "false"})
    return df


def main():
    tech_df_out = _bool_str(tech_df.copy())
    tech_df_out.to_csv(DATA / "technologies.csv", index=False)
    fuel_df.to_csv(DATA / "fuels.csv", index=False)
    city_df.to_csv(DATA / "cities.csv", index=False)
    corr_df.to_csv(DATA / "corridors.csv", index=False)
    bound_df.to_csv(DATA / "boundary.csv", index=False)
    plant_df.to_csv(DATA / "plants.csv", index=False)
    print(city_df[["city", "year", "peak_mw", "annual_demand_mwh", "energy_total_tce", "energy_fossil_other_tce",
                   "nonfossil_share_baseline", "nonfossil_share_check"]].to_string())
    print(corr_df[["name", "length_km", "existing_mw_2025", "existing_mw_2030", "max_mw", "reactance_ohm"]]
          .to_string())


if __name__ == "__main__":
    main()
