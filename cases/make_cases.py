"""Write the shipped case files (cases/*.yaml) from data/*.csv and the five plans.

    python cases/make_cases.py          # rewrites the case and pathway files, deterministic

The YAML files are the deliverable and are read by people: every number carries a
comment saying where it comes from. This script only makes them consistent (one
rule per component, same names in the single-city and five-city cases); edit the
rules here, then regenerate. Target quotes are copied from
``../shared/seeds/targets.yaml`` (exact substrings of the seed lines; the test
``tests/test_cases.py`` re-checks them against the seed files).

Decisions (also in cases/README.md):
* one bus per city; the rest of Sichuan is an ``exchanges`` entry whose limit is the
  sum of the corridors touching the city (city–``sichuan_grid`` + city–city), at the
  rating of the case's year (security margin s_max_pu 0.7 not applied);
* candidate builds bounded by cities.csv potentials (potentials are *additional* MW,
  "for new builds"); gas and storage have no potential in the data, so they get a
  loose ceiling (E) that never binds in the shipped results;
* reservoirs: ``seasonal`` set explicitly from existing_hydro_seasonal_mw,
  ``min_release`` 0.3 (sichuan_data §1.5);
* demand response in two cost tiers from the DSM pilot range 100-550 CNY/kW (E);
* solar capacities are MW_AC; every group that holds solar counts it in MW_dc
  (capacity_weights = the catalogue's dc_ac_ratio, 1.2), as the plans count PV;
* 2035 (HELD_YEARS, for the investment pathways of issue #16): no source gives 2035 figures. The data
  rows of 2035 (data/scripts/make_2035.py) grow demand from 2030 at the city's rate and hold all else;
  here every 2030 target is held at its 2030 level (id ending _2035), corridors keep their 2030
  rating; the pathway files (<city>_pathway.yaml, sichuan5_pathway.yaml) chain 2025 -> 2030 -> 2035
  and carry the plans' carbon peak (CARBON_PEAK).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = REPO / "data"
SEEDS = REPO.parent / "shared" / "seeds"

CITIES = ["chengdu", "mianyang", "leshan", "guangyuan", "panzhihua"]
SHORT = {"chengdu": "cd", "mianyang": "my", "leshan": "ls", "guangyuan": "gy", "panzhihua": "pzh"}
ZH = {"chengdu": "成都", "mianyang": "绵阳", "leshan": "乐山", "guangyuan": "广元", "panzhihua": "攀枝花"}
YEARS = [2025, 2030]      # the plans' years
HELD_YEARS = [2035]       # beyond the plans: demand grown from 2030, all else and every 2030 target held (E)
PLAN_END = max(YEARS)
CASE_YEARS = YEARS + HELD_YEARS
HELD_NOTE = f"held at the {PLAN_END} level (the plan sets no {HELD_YEARS[0]} figure)"
DISCOUNT_RATE = 0.06      # sichuan_data §3 recommendation (6 % real); a pathway's rate equals its periods'
COAL_EQ = {2022: 0.30, 2025: 0.30, 2030: 0.295,   # data/README.md "Total energy and the non-fossil share"
           2035: 0.295}                            # 2035 held at 2030 (E: no source beyond 2030)
VOLL = 30000.0
N1_MARGIN = 0.7   # security margin on a corridor's rating (N-1): PIK's line_security_margin 70 % [S], sichuan_data §2.3
PEAK_DELIVERY = float(pd.read_csv(DATA / "profiles" / "boundary.csv")["import_limit_pu"].min())
FIRM_PU = min(N1_MARGIN, PEAK_DELIVERY)
"""Firm share of import capability: the N-1 margin, or less where the rest of Sichuan cannot deliver
more at its dry-season evening peak (import_limit_pu 0.6 there, data/profiles/boundary.csv): firm
supply is what the city can count on at the peak, so it cannot exceed what the boundary delivers."""
FIRM_NOTE = (f"import capability counts at {100 * FIRM_PU:.0f} % of its rating in firm_capacity targets: the N-1 "
             f"margin ({100 * N1_MARGIN:.0f} %, PIK line_security_margin, sichuan_data §2.3) or what the province "
             f"delivers at its dry-season evening peak ({100 * PEAK_DELIVERY:.0f} %, profiles/boundary.csv), the lower")
BASINS = pd.read_csv(DATA / "basins.csv").set_index("city")
DR_TIERS = [  # (suffix, share of peak, CNY/kW-yr)
    ("dr_tier1", 0.05, 100.0),
    ("dr_tier2", 0.10, 550.0),
]
DR_HOURS = 100.0
MIN_RELEASE = 0.3
FLOW_BATTERY = {"leshan", "panzhihua"}  # VRFB industry/demos named in the Leshan and Panzhihua plans
BASE_YEARS = {"leshan": 2022}            # base-year cases: existing fleet only, to check the plan's baselines
# Electrification lever (电能替代) of every city, all E (data/README.md "Electrification"):
ELEC_TCE_PER_MWH = 0.25     # fossil final energy displaced per MWh: 2/3 electric boilers/kilns (0.156) + 1/3 heat pumps (0.425)
ELEC_COST = 25.0            # CNY per MWh/yr converted: end-use equipment annuity + O&M (fuel savings not credited)
ELEC_POTENTIAL = {2025: 0.05, 2030: 0.10,   # convertible share of the fossil energy used outside power, by year
                  2035: 0.10}               # 2035 held at 2030 (E)
EV_TCE_PER_MWH = 0.51       # petrol displaced per MWh of EV charging (0.15 kWh/km vs 7 L/100 km) [C]


def q(s) -> str:
    """A YAML scalar for a string (JSON double-quoted strings are valid YAML)."""
    return json.dumps(str(s), ensure_ascii=False)


def num(x) -> str:
    x = float(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(round(x, 6))


def load_tables():
    cities = pd.read_csv(DATA / "cities.csv")
    corridors = pd.read_csv(DATA / "corridors.csv")
    boundary = pd.read_csv(DATA / "boundary.csv").set_index("year")
    seeds = yaml.safe_load((SEEDS / "targets.yaml").read_text(encoding="utf-8"))
    return cities, corridors, boundary, seeds


PLANTS = pd.read_csv(DATA / "plants.csv")


def plants(city, year, component):
    """Named plants of plants.csv at ``city`` that a case of ``year`` holds: existing and committed plants in
    service by then (as existing capacity), candidates available by then (as build options)."""
    p = PLANTS[(PLANTS.city == city) & (PLANTS.component == component) & (PLANTS.from_year <= year)]
    return list(p.itertuples(index=False))


def plant_comment(p) -> str:
    return f"{p.status} [{p.flag}]: {p.source}; plan {p.plan_file[:3]}:{p.plan_line} 「{p.plan_quote}」"


# --------------------------------------------------------------------------- targets

def seed_targets(seeds):
    out = {}
    for c in seeds["cities"]:
        out[c["key"]] = (c["seed_file"], {t["id"]: t for t in c["power_energy_targets"]})
    return out


# Each spec: (seed target id, case year, dict of fields, list of comment lines); the five-city case
# carries every spec of every city, limited to the city's bus.
def target_specs(city):
    S = SHORT[city]
    AC = ("PV counted in MW_dc as the plan counts it: the group weighs solar MW_AC x 1.2 (DC/AC ratio, "
          "data/technologies.csv dc_ac_ratio)")
    NF = ("非化石能源消费比重 = share of TOTAL energy consumption, coal-equivalent method: scope energy, "
          "k = {k} tce/MWh (energy_accounting above)")
    if city == "guangyuan":
        clean = (f"清洁能源 = 水电、风电、太阳能等: group {S}_clean = hydro+wind+solar+biomass (等 read as other "
                 "renewables); gas excluded (the plan lists gas peaking units separately); storage is not generation")
        return [
            ("non_fossil_share_2025", 2025, dict(kind="non_fossil_share", scope="energy", value=0.545, hedge="about"),
             [NF, "左右 -> about (engine default band: -2 pp)"]),
            ("clean_capacity_hydro_wind_solar_2025", 2025,
             dict(kind="installed_capacity", group=f"{S}_clean", value=5000, hedge="hard"), [clean, "以上 -> hard", AC]),
            ("new_energy_capacity_2025", 2025,
             dict(kind="installed_capacity", group=f"{S}_new_energy", value=2000, hedge="hard"),
             [f"新能源 undefined in the plan: group {S}_new_energy = wind+solar+biomass (usual Chinese reading, excludes hydro)",
              "达到 -> hard", AC]),
            ("non_fossil_share_2030", 2030, dict(kind="non_fossil_share", scope="energy", value=0.565, hedge="about"),
             [NF, "左右 -> about (engine default band: -2 pp)"]),
            ("clean_capacity_hydro_wind_solar_2030", 2030,
             dict(kind="installed_capacity", group=f"{S}_clean", value=6000, hedge="hard"), [clean, "以上 -> hard", AC]),
            ("new_energy_capacity_2030", 2030,
             dict(kind="installed_capacity", group=f"{S}_new_energy", value=3000, hedge="about"),
             [f"新能源 = group {S}_new_energy (wind+solar+biomass)", "左右 -> about (engine default band: -2 % of value)", AC]),
            ("hydro_seasonal_regulation_capacity_2030", 2030, dict(kind="seasonal_hydro", value=1900, unit="MW", hedge="hard"),
             ["季以上调节能力: reservoirs with seasonal: true (Tingzikou annual, Baozhusi incomplete-annual, "
              "and the candidate Quhe/Guanziba annual-regulation plant)", "达到 -> hard"]),
            ("peak_load_response_capability_2030", 2030,
             dict(kind="demand_response", value=0.05, hedge="about", tolerance=0.005),
             ["尖峰负荷响应能力 5%: base = annual maximum load (the bus peak_mw), sichuan_data §6 (需求侧管理办法 2023)",
              "基本具备 (basically) -> about, band narrowed to 0.5 pp (the default 2 pp would be 40 % of the value)"]),
        ]
    if city == "panzhihua":
        hws = f"水电、风电、太阳能发电总装机: group {S}_hws = hydro+wind+solar (the plan names exactly these three)"
        return [
            ("non_fossil_share_2025", 2025, dict(kind="non_fossil_share", scope="energy", value=0.33, hedge="about"),
             [NF, "左右 -> about (engine default band: -2 pp)"]),
            ("capacity_hydro_wind_solar_2025", 2025,
             dict(kind="installed_capacity", group=f"{S}_hws", value=7200, hedge="hard"), [hws, "以上 -> hard", AC]),
            ("clean_capacity_share_2025", 2025,
             dict(kind="capacity_share", group=f"{S}_clean", of_group=f"{S}_all", value=0.9, hedge="about"),
             [f"清洁能源装机占比: numerator group {S}_clean = hydro+wind+solar+biomass (gas not clean), "
              f"denominator {S}_all = every generating technology (storage excluded), both with PV in MW_dc",
              "左右 -> about (engine default band: -2 pp)", AC]),
            ("hydro_capacity_2025", 2025, dict(kind="installed_capacity", group="hydro", value=6600, hedge="strive"),
             ["力争 opens the sentence and governs the 660万千瓦 clause -> strive (default penalty)",
              "the fleet carries this stock (named plants + half of Guanyinyan + small hydro, plants.csv): a check"]),
            ("wind_pv_capacity_2025", 2025, dict(kind="installed_capacity", group=f"{S}_wind_pv", value=1000, hedge="strive"),
             [f"group {S}_wind_pv = wind+solar", "力争…以上 -> strive", AC]),
            ("hydro_seasonal_regulation_share_2025", 2025,
             dict(kind="seasonal_hydro", value=0.82, unit="share", hydro_group="hydro", hedge="about", tolerance=0.005),
             ["季以上调节能力的水电装机占比: seasonal reservoirs / all hydro (carrier hydro: reservoir + ROR + small)",
              "达 82 %: the plan's own plants give (Ertan 3,300 + Guanyinyan half 1,500 + Tongzilin 600) / 6,600 = 81.8 %, "
              "which it prints as 82 %: read to the printed precision, tolerance 0.5 pp (about), see cases/README.md"]),
            ("non_fossil_share_2030", 2030, dict(kind="non_fossil_share", scope="energy", value=0.39, hedge="about"),
             [NF, "左右 -> about (engine default band: -2 pp)"]),
            ("capacity_hydro_wind_solar_2030", 2030,
             dict(kind="installed_capacity", group=f"{S}_hws", value=10000, hedge="hard"),
             [hws, "达到 without 以上: read as a floor (an equality contradicts hydro 6,600 + wind/PV >= 5,000) -> hard", AC]),
            ("wind_pv_capacity_2030", 2030, dict(kind="installed_capacity", group=f"{S}_wind_pv", value=5000, hedge="hard"),
             [f"group {S}_wind_pv = wind+solar",
              "以上 -> hard: the sentence's 力争 is read as governing only the 2025 clause (after the semicolon the "
              "2030 clause restarts with 到 2030 年)", AC]),
        ]
    if city == "mianyang":
        clean = (f"清洁能源电力总装机 undefined: group {S}_clean = hydro+wind+solar+biomass; gas NOT included "
                 "(the plan treats gas turbines as 传统能源 support, line 39)")
        return [
            ("non_fossil_share_2025", 2025, dict(kind="non_fossil_share", scope="energy", value=0.45, hedge="about"),
             [NF, "左右 -> about (engine default band: -2 pp)"]),
            ("clean_power_capacity_2025", 2025, dict(kind="installed_capacity", group=f"{S}_clean", value=2100, hedge="hard"),
             [clean, "达到 -> hard", AC]),
            ("clean_power_capacity_2030", 2030, dict(kind="installed_capacity", group=f"{S}_clean", value=4500, hedge="strive"),
             [clean, "力争…以上 -> strive (default penalty 500 CNY/kW-yr of shortfall)", AC]),
        ]
    if city == "leshan":
        ef = ("电能占终端用能的比重 on the coal-equivalent basis (等价值): electricity x {k} tce/MWh over total energy "
          "(energy_accounting: electricity_tce_per_mwh = k, final_energy_other_tce = the energy used outside electricity); "
          "the calorific basis (0.1229) would need ~47 TWh in Leshan 2022 for the baseline 50.5 %: data/README.md")
        ren = f"可再生能源发电总装机: group {S}_renewable = hydro+wind+solar+biomass"
        coal = ("原则上不再新建自备燃煤机组: the only coal in Leshan is the 270 MW Emeishan captive plant "
                "(sichuan_data §1.2); no coal candidate is offered, so coal <= existing 270 MW (hard)")
        dr = "需求侧响应能力: base = annual maximum load (the bus peak_mw); no stated denominator (targets.yaml ambiguity)"
        return [
            ("non_fossil_share_2025", 2025, dict(kind="non_fossil_share", scope="energy", value=0.45, hedge="hard"),
             [NF, "达到 -> hard"]),
            ("renewable_capacity_2025", 2025, dict(kind="installed_capacity", group=f"{S}_renewable", value=7455.2, hedge="hard"),
             [ren, "达到 -> hard", AC]),
            ("hydro_capacity_2025", 2025, dict(kind="installed_capacity", group="hydro", value=6930, hedge="hard"),
             ["group hydro (carrier): ROR + small + reservoir", "达到 -> hard; the fleet carries this stock (2022 stock "
              "5,747.5 MW + the three plants under construction, plants.csv): the row is a check"]),
            ("demand_response_capability_2025", 2025, dict(kind="demand_response", value=0.089, hedge="hard"),
             [dr, "达到 -> hard"]),
            ("electricity_share_final_energy_2025", 2025,
             dict(kind="electricity_final_share", value=0.55, hedge="hard"), [ef, "达到 -> hard"]),
            ("new_captive_coal_units", 2025, dict(kind="installed_capacity", group="coal", value=270, sense="<=", hedge="hard"),
             [coal]),
            ("non_fossil_share_2030", 2030, dict(kind="non_fossil_share", scope="energy", value=0.5, hedge="hard"),
             [NF, "goal section (lines 5 and 10) says 达到 -> hard; the task section (line 405) says 力争"]),
            ("renewable_capacity_2030", 2030, dict(kind="installed_capacity", group=f"{S}_renewable", value=8000, hedge="hard"),
             [ren, "goal section (line 10) 达到 -> hard; line 395 says 力争", AC]),
            ("demand_response_capability_2030", 2030, dict(kind="demand_response", value=0.123, hedge="hard"),
             [dr, "达到 -> hard"]),
            ("electricity_share_final_energy_2030", 2030,
             dict(kind="electricity_final_share", value=0.6, hedge="hard"), [ef, "达到 -> hard"]),
            ("new_captive_coal_units", 2030, dict(kind="installed_capacity", group="coal", value=270, sense="<=", hedge="hard"),
             [coal]),
        ]
    if city == "chengdu":
        ef = ("电能占终端用能的比重 on the coal-equivalent basis (等价值): electricity x {k} tce/MWh over total energy "
          "(energy_accounting: electricity_tce_per_mwh = k, final_energy_other_tce = the energy used outside electricity); "
          "the calorific basis (0.1229) would need ~47 TWh in Leshan 2022 for the baseline 50.5 %: data/README.md")
        return [
            ("electricity_share_final_energy_2030", 2030,
             dict(kind="electricity_final_share", value=0.55, hedge="strive"), [ef, "力爭 -> strive (default penalty)"]),
            ("renewable_capacity_2030", 2030, dict(kind="installed_capacity", group=f"{S}_renewable", value=1500, hedge="hard"),
             [f"可再生能源發電總裝機: group {S}_renewable = hydro+wind+solar+biomass",
              "超 (strictly above) -> hard >= (strictness is immaterial in an LP)", AC]),
            ("demand_response_capability_2030", 2030, dict(kind="demand_response", value=0.09, hedge="strive"),
             ["需求側響應能力 9%: base = annual maximum load (the bus peak_mw), not the 35 GW safe load",
              "one 力爭 governs the sentence -> strive (default penalty)"]),
            ("grid_safe_load_2030", 2030, dict(kind="firm_capacity", value=35000, hedge="strive"),
             ["電網安全負荷 = secure supply capability of the city grid: credit-weighted local capacity + DR + "
              "firm import capability (the exchange's firm_mw = its corridor limit)", "力爭 -> strive (default penalty)"]),
        ]
    raise KeyError(city)


def case_specs(city, year):
    """The target specs of a case year: the plan's own; in a year beyond the plans (HELD_YEARS) each
    target of the plan's last year held at its level (same kind, value, hedge and source)."""
    if year in HELD_YEARS:
        return [(sid, year, dict(fields, held_from=PLAN_END), comments)
                for sid, y, fields, comments in target_specs(city) if y == PLAN_END]
    return [s for s in target_specs(city) if s[1] == year]


def spec_id(spec) -> str:
    """The target id of a spec: the seed id, its year swapped for the case year where a target is held."""
    sid, year, fields, _ = spec
    if "held_from" in fields and sid.endswith(f"_{fields['held_from']}"):
        return sid[: -len(str(fields["held_from"]))] + str(year)
    return sid


def target_yaml(spec, seed_file, seed, tid, buses=None, indent="  "):
    sid, year, fields, comments = spec
    t = seed[sid]
    lines = [f"{indent}# {c.format(k=COAL_EQ[year])}" for c in comments]
    held = fields.get("held_from")
    if held:
        lines.append(f"{indent}# {HELD_NOTE}: the plan's {held} target {sid}, same kind, value, hedge and quote")
    lines.append(f"{indent}- id: {tid}")
    p = indent + "  "
    lines.append(f"{p}kind: {fields['kind']}")
    desc = t.get("metric", "") + " (" + t.get("raw", str(t.get("value"))) + ")"
    lines.append(f"{p}description: {q(desc + (', ' + HELD_NOTE if held else ''))}")
    for k in ("scope", "group", "of_group", "hydro_group", "unit", "sense", "value", "hedge", "tolerance"):
        if k in fields:
            v = fields[k]
            lines.append(f"{p}{k}: {num(v) if isinstance(v, (int, float)) else q(v) if k == 'sense' else v}")
    if buses:
        lines.append(f"{p}buses: [{', '.join(buses)}]")
    lines.append(f"{p}source:")
    lines.append(f"{p}  file: {seed_file}")
    lines.append(f"{p}  line: {t['line']}")
    lines.append(f"{p}  quote: {q(t['quote'])}")
    return lines


# --------------------------------------------------------------------------- components

def groups_yaml(city):
    S = SHORT[city]
    g = {
        "guangyuan": [(f"{S}_clean", "[hydro, wind, solar, biomass]", "水电、风电、太阳能等清洁能源 (gas excluded)"),
                      (f"{S}_new_energy", "[wind, solar, biomass]", "新能源 (excludes hydro)")],
        "panzhihua": [(f"{S}_hws", "[hydro, wind, solar]", "水电、风电、太阳能发电"),
                      (f"{S}_clean", "[hydro, wind, solar, biomass]", "清洁能源 (gas excluded)"),
                      (f"{S}_wind_pv", "[wind, solar]", "风电、光伏发电"),
                      (f"{S}_all", "[hydro, wind, solar, biomass, gas, coal]",
                       "all generating capacity, PV in MW_dc like the numerator (storage is not generation)")],
        "mianyang": [(f"{S}_clean", "[hydro, wind, solar, biomass]", "清洁能源电力 (gas excluded, see target comment)")],
        "leshan": [(f"{S}_renewable", "[hydro, wind, solar, biomass]", "可再生能源发电")],
        "chengdu": [(f"{S}_renewable", "[hydro, wind, solar, biomass]", "可再生能源發電")],
    }[city]
    weights = dc_weights()
    return [f"  {name}: {{carriers: {car}" + (f", capacity_weights: {weights}" if "solar" in car else "") + f"}}   # {c}"
            for name, car, c in g]


def dc_weights() -> str:
    """PV counted in MW_dc: the catalogue's dc_ac_ratio of each solar technology (MW_dc per MW_AC)."""
    tech = pd.read_csv(DATA / "technologies.csv")
    solar = tech[(tech.carrier == "solar") & tech.dc_ac_ratio.notna()].drop_duplicates("technology")
    return "{" + ", ".join(f"{t}: {num(r)}" for t, r in zip(solar.technology, solar.dc_ac_ratio)) + "}"


def rating_year(corr, year) -> int:
    """The corridors.csv rating a case of ``year`` uses: its own column existing_mw_<year>, else the latest
    before it (2035: the 2030 rating, held: no source beyond 2030); a base year uses the first (2025)."""
    have = sorted(int(c.rsplit("_", 1)[1]) for c in corr.columns if c.startswith("existing_mw_"))
    y = max(year, min(YEARS))
    return max(r for r in have if r <= y)


def corridor_sum(corr, city, year):
    col = f"existing_mw_{year}"
    rows = corr[(corr.bus0 == city) | (corr.bus1 == city)]
    rows = rows[rows[col] > 0]
    parts = [f"{r['name']} {num(r[col])}" for _, r in rows.iterrows()]
    return float(rows[col].sum()), " + ".join(parts)


def components(city, year, row, bnd, corr, single=True):
    """YAML lines for generators, storage, reservoirs, DR (and the exchange if single)."""
    S = SHORT[city]
    r = row
    peak = float(r.peak_mw)
    loose = math.ceil(peak / 100.0) * 100.0  # loose ceiling for gas and storage (E): the city's peak, rounded up
    prof = f"../data/profiles/{city}.csv"
    gens, stor, res, dr = [], [], [], []
    base = year < min(YEARS)   # a base-year case: the fleet as it stood, nothing to build

    def gen(name, tech, existing, max_mw=None, min_mw=None, avail=None, comment=None, credit=None):
        if base:   # the fleet as it stood: nothing to build, and no candidate-only entries
            if not existing:
                return
            max_mw, min_mw = (None if max_mw is None else existing), None
            comment = comment if isinstance(comment, str) and comment.startswith("existing") else None
        out = []
        if comment:
            out += [f"  # {c}" for c in (comment if isinstance(comment, list) else [comment])]
        out.append(f"  - {{name: {name}, bus: {city}, technology: {tech}, existing_mw: {num(existing)}"
                   + (f", min_mw: {num(min_mw)}" if min_mw is not None else "")
                   + (f", max_mw: {num(max_mw)}" if max_mw is not None else "")
                   + (f", capacity_credit: {num(credit)}" if credit is not None else "")
                   + (f",\n     availability: {{file: {prof}, column: {avail}}}" if avail else "") + "}")
        gens.extend(out)

    if r.existing_coal_mw > 0:
        gen(f"{S}_coal", "coal_subcritical", r.existing_coal_mw,
            comment=f"existing coal {num(r.existing_coal_mw)} MW (cities.csv); coal_subcritical is existing-only (no expansion)")
    if city == "chengdu" and year >= 2030:
        gen(f"{S}_coal_usc", "coal_usc", 0, min_mw=2000, max_mw=2000, comment=[
            "committed: 推動實施成都200萬千瓦超超臨界燃煤發電廠項目 (004:101, plan horizon 2030) -> 2,000 MW floor and ceiling",
            "not in cities.csv (no construction evidence, data/README.md): a case decision, see cases/README.md"])
    # gas: existing plants + new builds (no potential in the data: loose ceiling = peak, E)
    gas_ocgt_exist, gas_ccgt_exist, gas_note = 0.0, 0.0, []
    if city == "chengdu":
        gas_ocgt_exist = 60.0
        gas_note.append("existing 60 MW small landfill/MSW gas (cities.csv) modelled as gas_ocgt")
        if year >= 2030:
            gas_ccgt_exist = float(r.existing_gas_mw) - 60.0
            gas_note.append(f"2030: Huaneng Pengzhou 2x500.49 MW CCGT ({num(gas_ccgt_exist)} MW, cities.csv {year} fleet) as existing gas_ccgt")
    elif r.existing_gas_mw > 0:
        gas_ccgt_exist = float(r.existing_gas_mw)
        gas_note.append(f"existing {num(gas_ccgt_exist)} MW gas (cities.csv {year}: 2x700 MW 9H CCGT) as gas_ccgt")
    gas_note.append(f"new gas: no potential in the data; loose ceiling = existing + city peak {num(loose)} MW (E, not binding)")
    gen(f"{S}_gas_ocgt", "gas_ocgt", gas_ocgt_exist, max_mw=gas_ocgt_exist + loose, comment=gas_note)
    gen(f"{S}_gas_ccgt", "gas_ccgt", gas_ccgt_exist, max_mw=gas_ccgt_exist + loose)
    gen(f"{S}_hydro_ror", "hydro_ror", r.existing_hydro_ror_mw, max_mw=r.existing_hydro_ror_mw + r.potential_hydro_ror_new_mw,
        avail="ror_pu", comment=f"ROR + small hydro {num(r.existing_hydro_ror_mw)} MW + new ROR potential "
                                f"{num(r.potential_hydro_ror_new_mw)} MW (cities.csv), availability ror_pu")
    if r.existing_wind_mw + r.potential_wind_mw > 0:
        wmin = None
        wc = f"wind {num(r.existing_wind_mw)} MW + potential {num(r.potential_wind_mw)} MW (cities.csv)"
        if city == "guangyuan" and year >= 2030:
            wmin = r.existing_wind_mw + 630
            wc = [wc, "committed: 加快推进剑阁县33万千瓦、昭化区30万千瓦风电场等项目 (000:50) -> floor existing + 630 MW"]
        gen(f"{S}_wind", "onshore_wind", r.existing_wind_mw, min_mw=wmin,
            max_mw=r.existing_wind_mw + r.potential_wind_mw, avail="wind_pu", comment=wc)
    su_exist = 0.0 if city == "chengdu" else float(r.existing_solar_mw)
    sd_exist = float(r.existing_solar_mw) if city == "chengdu" else 0.0
    gen(f"{S}_solar_utility", "solar_utility", su_exist, max_mw=su_exist + r.potential_solar_utility_mw, avail="solar_pu",
        comment=(f"solar in MW_AC (DC/AC 1.2); existing {num(r.existing_solar_mw)} MW_AC = {num(r.existing_solar_mw_dc)} MW_dc"
                 + (" (mostly distributed in Chengdu)" if city == "chengdu" else " (as utility PV)")
                 + f"; potentials utility {num(r.potential_solar_utility_mw)} / distributed "
                   f"{num(r.potential_solar_distributed_mw)} MW_AC"))
    gen(f"{S}_solar_distributed", "solar_distributed", sd_exist, max_mw=sd_exist + r.potential_solar_distributed_mw,
        avail="solar_pu")
    for p in plants(city, year, "generator"):
        if p.status != "candidate":   # existing or committed: in service in this year
            gen(p.name, p.technology, p.mw, avail="ror_pu" if p.technology.startswith("hydro") else None,
                comment=plant_comment(p))

    # storage
    bexist, bexist_mwh = float(r.existing_battery_mw), float(r.existing_battery_mwh)
    stor += storage_plants(city, year, base)
    if base and bexist:   # the fleet as it stood: the existing battery, nothing to build
        stor.append(f"  - {{name: {S}_battery_2h, bus: {city}, technology: battery_li, existing_mw: {num(bexist)}, "
                    f"existing_mwh: {num(bexist_mwh)}, min_duration_h: 2, max_duration_h: 2, capacity_credit: 0.45}}")
    stor += [] if base else candidate_storage(city, bexist, bexist_mwh, loose)

    # reservoirs
    rtot, rseas, rmwh = float(r.existing_hydro_reservoir_mw), float(r.existing_hydro_seasonal_mw), float(r.reservoir_energy_mwh)
    if rtot > 0:
        res.append(f"  # reservoir hydro {num(rtot)} MW, of which seasonal-or-better {num(rseas)} MW; regulating energy "
                   f"{num(rmwh)} MWh split in proportion to MW (cities.csv);")
        res.append("  # inflow = inflow_pu x turbine MW; min release 30 % of inflow (sichuan_data §1.5);")
        res.append("  # `seasonal` set explicitly from existing_hydro_seasonal_mw, not by the default volume rule")
        plant = {"chengdu": "Zipingpu", "mianyang": "Wudu", "guangyuan": "Tingzikou + Baozhusi",
                 "panzhihua": "Ertan"}.get(city, "")
        for part, seasonal, suffix in ((rseas, True, "reservoir_seasonal"), (rtot - rseas, False, "reservoir_other")):
            if part <= 0:
                continue
            res.append(f"  - name: {S}_{suffix}" + (f"   # {plant}" if seasonal and plant else ""))
            res.append(f"    bus: {city}")
            res.append(f"    existing_mw: {num(part)}")
            res.append(f"    reservoir_mwh: {num(rmwh * part / rtot)}")
            res.append(f"    inflow: {{file: {prof}, column: inflow_pu}}")
            res.append(f"    min_release: {MIN_RELEASE}")
            res.append(f"    seasonal: {'true' if seasonal else 'false'}")
    res += reservoir_plants(city, year, prof)
    if city == "guangyuan" and year >= 2030:
        cand_mw, cand_inflow = 150.0, 150.0
        vol = round(0.25 * cand_inflow * 0.477123 * 8760, -3)
        res.append("  # candidate: 加快推进曲河、罐子坝等具有年调节能力的水库电站工程 (000:48). The plan gives no capacity:")
        res.append(f"  # E ceiling {num(cand_mw)} MW, inflow fixed at {num(cand_inflow)} MW x inflow_pu (it does not grow with")
        res.append("  # the turbine built), annual regulation = 25 % of annual inflow as volume (E). Without it the")
        res.append("  # seasonal-hydro target (1,900 MW) is infeasible on the 1,800 MW of cities.csv.")
        res.append(f"  - name: {S}_reservoir_quhe_guanziba")
        res.append(f"    bus: {city}")
        res.append("    existing_mw: 0")
        res.append(f"    max_mw: {num(cand_mw)}")
        res.append(f"    reservoir_mwh: {num(vol)}")
        res.append(f"    inflow: {{file: {prof}, column: inflow_pu, scale: {num(cand_inflow)}}}")
        res.append(f"    min_release: {MIN_RELEASE}")
        res.append("    seasonal: true")

    # demand response
    dr += existing_dr(city, r)
    if base:
        return gens, stor, res, dr, exchange(city, year, bnd, corr, r) if single else []
    dr.append("  # contracted curtailable load in two cost tiers (E) spanning the central DSM pilot incentives")
    dr.append("  # of 100-550 CNY per kW (sichuan_data §6, 2012: a one-off incentive, used here as an annual")
    dr.append(f"  # capability cost); activation limited to {num(DR_HOURS)} full-capability hours a year, no activation cost")
    for suffix, share, cost in DR_TIERS:
        dr.append(f"  - {{name: {S}_{suffix}, bus: {city}, max_mw: {num(round(share * peak, 1))}, cost_cny_per_kw_yr: {num(cost)}, "
                  f"max_hours_per_year: {num(DR_HOURS)}}}   # up to {int(share * 100)} % of peak")

    return gens, stor, res, dr, exchange(city, year, bnd, corr, r) if single else []


def candidate_storage(city, bexist, bexist_mwh, loose):
    """Li-ion (2 h, with the existing battery; 4 h) and, where the plan names them, VRFB: build options."""
    S, out = SHORT[city], []
    out.append("  # Li-ion in two fixed durations so that the catalogue's capacity-credit rule holds")
    out.append("  # (0.9 for >= 4 h, scaled by duration/4 below): 2 h -> 0.45, 4 h -> 0.9")
    out.append(f"  # loose ceilings = city peak {num(loose)} MW (E, no storage potential in the data)")
    if bexist:
        out.append(f"  # existing {num(bexist)} MW / {num(bexist_mwh)} MWh battery (cities.csv) = 2 h")
    out.append(f"  - {{name: {S}_battery_2h, bus: {city}, technology: battery_li, existing_mw: {num(bexist)}, "
                f"existing_mwh: {num(bexist_mwh)}, max_mw: {num(bexist + loose)}, min_duration_h: 2, max_duration_h: 2, "
                f"capacity_credit: 0.45}}")
    out.append(f"  - {{name: {S}_battery_4h, bus: {city}, technology: battery_li, max_mw: {num(loose)}, "
                f"min_duration_h: 4, max_duration_h: 4, capacity_credit: 0.9}}")
    if city in FLOW_BATTERY:
        out.append("  # vanadium flow battery (VRFB industry and demos named in the plan); loose ceiling (E)")
        out.append(f"  - {{name: {S}_flow_battery, bus: {city}, technology: flow_battery_v, "
                    f"max_mw: {num(math.ceil(loose / 2 / 100) * 100)}}}")
    return out


def storage_plants(city, year, base):
    """Named storage of plants.csv: existing/committed as existing capacity, candidates up to their MW."""
    out = []
    for p in plants(city, year, "storage"):
        if base and p.status == "candidate":
            continue
        out.append(f"  # {plant_comment(p)}")
        if p.status == "candidate":
            out.append(f"  - {{name: {p.name}, bus: {city}, technology: {p.technology}, max_mw: {num(p.mw)}}}")
        else:
            out.append(f"  - {{name: {p.name}, bus: {city}, technology: {p.technology}, existing_mw: {num(p.mw)}, "
                       f"existing_mwh: {num(p.mwh)}}}")
    return out


def reservoir_plants(city, year, prof):
    """Named reservoirs of plants.csv (existing), each with its own volume and regulation class."""
    out = []
    for p in plants(city, year, "reservoir"):
        out += [f"  # {plant_comment(p)}", f"  - name: {p.name}", f"    bus: {city}", f"    existing_mw: {num(p.mw)}",
                f"    reservoir_mwh: {num(p.mwh)}", f"    inflow: {{file: {prof}, column: inflow_pu}}",
                f"    min_release: {MIN_RELEASE}", f"    seasonal: {'true' if p.seasonal else 'false'}"]
    return out


def existing_dr(city, r):
    """Demand response already contracted (a plan's base-year capability), kept in every later year."""
    if not r.existing_dr_mw:
        return []
    return [f"  # existing: 需求侧响应能力 {num(r.existing_dr_mw)} MW = 3.7 % of the 2022 peak (003:132, cities.csv "
            "existing_dr_mw), at the tier-1 price as a fixed cost; no expansion (any more is a tier of its own)",
            f"  - {{name: {SHORT[city]}_dr_existing, bus: {city}, existing_mw: {num(r.existing_dr_mw)}, "
            f"max_mw: {num(r.existing_dr_mw)}, "
            f"cost_cny_per_kw_yr: {num(DR_TIERS[0][2])}, max_hours_per_year: {num(DR_HOURS)}}}"]


def exchange(city, year, bnd, corr, r):
    """The rest of Sichuan as seen from one city: corridor-limited, at boundary.csv's prices."""
    ry = rating_year(corr, year)   # a base year uses the 2025 ratings, 2035 the 2030 ratings (held)
    lim, parts = corridor_sum(corr, city, ry)
    room, length, bparts = expansion_room(corr, city, year, ry)
    b = bnd.loc[year]
    nf = b.non_fossil_fraction if pd.isna(r.import_non_fossil_counted) else r.import_non_fossil_counted
    ex = [f"  # link to the rest of Sichuan: limit = corridors touching {city} at their {ry} rating "
          f"(corridors.csv{'' if ry >= year or year < min(YEARS) else f', held for {year}: no source beyond {ry}'}): "
          f"{parts} = {num(lim)} MW",
          f"  # Prices, CO2: boundary.csv {year} (annual means); their hourly shape and the seasonal import/export room:",
          "  # data/profiles/boundary.csv (wet-season surplus, dry-season deficit, time-of-use peaks; data/README.md).",
          f"  # build_max_mw: the corridors' expansion room ({bparts}), priced as line_500kv over length_km (their",
          f"  # capacity-weighted length); firm_pu {num(FIRM_PU)}: {FIRM_NOTE}"]
    if pd.isna(r.import_non_fossil_counted):
        ex.append(f"  # non_fossil_fraction: the provincial mix, boundary.csv {year}")
    else:
        ex.append(f"  # non_fossil_fraction {num(nf)}: imports as the city's own statistics credit them, calibrated to the "
                  "plan's base-year share (cities.csv import_non_fossil_counted, data/README.md)")
    ex.append(f"  - {{name: {SHORT[city]}_province, bus: {city}, max_import_mw: {num(lim)}, max_export_mw: {num(lim)},")
    ex.append(f"     import_cny_per_mwh: {num(b.import_price_cny_per_mwh)}, export_cny_per_mwh: {num(b.export_price_cny_per_mwh)},")
    ex.append(f"     co2_t_per_mwh: {num(b.co2_t_per_mwh)}, non_fossil_fraction: {num(nf)}, firm_pu: {num(FIRM_PU)},")
    ex.append(f"     build_max_mw: {num(room)}, length_km: {num(length)},")
    ex += boundary_profiles("     ")
    return ex


def boundary_profiles(indent):
    """The hourly multipliers of the exchange with the rest of Sichuan (data/profiles/boundary.csv)."""
    f = "../data/profiles/boundary.csv"
    return [f"{indent}import_price_pu: {{file: {f}, column: import_price_pu}}, export_price_pu: {{file: {f}, column: export_price_pu}},",
            f"{indent}import_limit_pu: {{file: {f}, column: import_limit_pu}}, export_limit_pu: {{file: {f}, column: export_limit_pu}}}}"]


def expansion_room(corr, city, year, rating_year):
    """(MW that the corridors touching ``city`` may still be expanded by, their capacity-weighted
    length in km, the parts as text); nothing in a base year (no build)."""
    col = f"existing_mw_{rating_year}"
    rows = corr[((corr.bus0 == city) | (corr.bus1 == city)) & (corr[col] > 0)]
    room = (rows.max_mw - rows[col]).clip(lower=0)
    if year < min(YEARS) or room.sum() <= 0:
        return 0.0, 0.0, "none"
    length = float((room * rows.length_km).sum() / room.sum())
    parts = " + ".join(f"{n} {num(r)}" for n, r in zip(rows["name"], room) if r > 0)
    return float(room.sum()), round(length, 1), parts


def header(name, year, desc):
    return [
        f"# {desc}",
        "# Generated by cases/make_cases.py from data/*.csv and /shared/seeds/targets.yaml: edit the generator,",
        "# then regenerate (python cases/make_cases.py). Units: MW, MWh, CNY; solar capacities are MW_AC.",
        *(held_header(year) if year in HELD_YEARS else []),
        f"name: {name}",
        f"year: {year}",
        f"description: {q(desc)}",
        "root: ..            # profiles and catalogue live in ../data",
        f"discount_rate: {num(DISCOUNT_RATE)} # sichuan_data §3 recommendation (6 % real)",
        "time: {hours: 8760, resolution: 1}",
        "technologies:",
        "  catalogue: ../data/technologies.csv",
        "  fuels: ../data/fuels.csv",
        "hydrology:   # monthly multipliers per river basin (data/hydro_years.csv, data/README.md): dry is a year at least",
        "  # as severe as 2022; compare the three with: gridplan sweep CASE --set hydrology.year=dry,normal,wet",
        "  year: normal",
        "  factors: ../data/hydro_years.csv",
        "options:",
        f"  voll_cny_per_mwh: {num(VOLL)}",
    ]


def held_header(year):
    """What a case beyond the plans is made of (cases/README.md "2035 cases and pathways")."""
    return [
        f"# {year}: no source of this project gives {year} figures (the plans and sichuan_data.md end in {PLAN_END}).",
        f"# Demand (peak, annual energy, EV charging) = {PLAN_END} x (1+g)^{year - PLAN_END}, g = cities.csv demand_growth_pa",
        f"# (E) [C/E]; existing fleet (no stated retirement), potentials, energy accounting terms, corridor ratings,",
        f"# boundary prices and mix, the technology catalogue: held at {PLAN_END}: no source beyond {PLAN_END} [E]",
        f"# (data/scripts/make_2035.py); every {PLAN_END} target {HELD_NOTE},",
        f"# id ending _{year}. The carbon peak is no single-year target: it is in the pathway files",
        "# (<city>_pathway.yaml, sichuan5_pathway.yaml).",
    ]


def city_case(city, year, tables):
    cities, corr, bnd, seeds = tables
    sf, seed = seed_targets(seeds)[city]
    row = cities[(cities.city == city) & (cities.year == year)].iloc[0]
    name = f"{city}_{year}"
    base = year < min(YEARS)
    desc = (f"{city.capitalize()} ({ZH[city]}) {year}: one bus, the rest of Sichuan as an exchange; "
            + (f"base year of plan {sf}: the fleet as it stood, no build, no target (calibration check)" if base
               else f"beyond plan {sf}: demand grown from {PLAN_END}, all else and the {PLAN_END} targets held"
               if year in HELD_YEARS else f"targets of plan {sf}"))
    L = header(name, year, desc)
    L.append("  power_flow: transport   # one bus, no lines")
    L += accounting_yaml(city, year, row)
    L += ["groups:"] + groups_yaml(city)
    L += ["buses:"] + bus_yaml(city, year, row)
    gens, stor, res, dr, ex = components(city, year, row, bnd, corr, single=True)
    L += ["generators:"] + gens + ["storage:"] + (stor or ["  []"])
    L += (["reservoirs:"] + res) if res else ["reservoirs: []"]
    L += ["demand_response:"] + dr + ["exchanges:"] + ex
    L += electrification_yaml(city, year, row)
    specs = [] if base else case_specs(city, year)
    if specs:
        L.append("targets:")
        for s in specs:
            L += target_yaml(s, sf, seed, spec_id(s))
    elif base:
        L.append(f"targets: []   # a base year: the plan's baselines are checked by tests/test_cases.py")
    else:
        L.append(f"targets: []   # the {city} plan ({sf}) states no power-system target for {year}: see cases/NOT_MODELLED.md")
    return name, "\n".join(L) + "\n"


def ev_fossil(row) -> float:
    """Petrol that the EV charging inside the demand projection displaces (tce): added back to the fossil use
    outside power, so that the committed EV lever removes it again (the balance before EV charging)."""
    return float(row.ev_charging_mwh) * EV_TCE_PER_MWH


def accounting_yaml(city, year, row, indent="  ", grid=None):
    """The city's energy accounting; ``grid`` = (non-fossil fraction, CO2 t/MWh) at which its statistics
    count electricity bought over lines (five-city case), None in a single-city case (no lines)."""
    k = COAL_EQ[year]
    fossil = float(row.energy_fossil_other_tce) + ev_fossil(row)
    nonfossil = float(row.energy_nonfossil_other_tce)
    ev = (f" + EV petrol {num(ev_fossil(row))} tce (the EV load is a committed electrification below)"
          if row.ev_charging_mwh else "")
    return ["energy_accounting:",
            f"{indent}# cities.csv {city} {year}: total energy {num(row.energy_total_tce)} tce = k x demand + the two "
            f"terms below{ev} (data/README.md)",
            f"{indent}coal_equivalent_tce_per_mwh: {k}   # 发电煤耗法 factor for {year} (data/README.md)",
            f"{indent}fossil_other_tce: {num(fossil)}",
            f"{indent}nonfossil_other_tce: {num(nonfossil)}",
            f"{indent}# electricity share of final energy on the coal-equivalent basis (等价值), as the plans count it:",
            f"{indent}# electricity at k, over total energy (final energy other than electricity = the two terms above)",
            f"{indent}electricity_tce_per_mwh: {k}",
            f"{indent}final_energy_other_tce: {num(fossil + nonfossil)}"] + ([
            f"{indent}# electricity bought over the lines (net import) counted at {num(grid[0])} non-fossil, "
            f"{num(grid[1])} t CO2/MWh: " + grid[2],
            f"{indent}grid_non_fossil_fraction: {num(grid[0])}",
            f"{indent}grid_co2_t_per_mwh: {num(grid[1])}"] if grid else [])


def bus_yaml(city, year, row, accounting=None):
    ev = float(row.ev_charging_mwh)
    base_mwh = float(row.annual_demand_mwh) - ev
    peak = float(row.peak_mw) * base_mwh / float(row.annual_demand_mwh)
    note = (f"cities.csv {year} x (demand - EV charging) / demand: the {num(ev)} MWh of EV charging in the projection "
            "has its own evening profile (electrification below)" if ev else f"cities.csv {year}")
    return [f"  - name: {city}", f"    lat: {row.lat}", f"    lon: {row.lon}",
            f"    basin: {BASINS.loc[city, 'basin']}   # data/basins.csv: the river basin of its hydro plants", "    demand:",
            f"      peak_mw: {num(round(peak, 1))}   # {note}; annual demand {num(round(base_mwh))} MWh",
            f"      profile: {{file: ../data/profiles/{city}.csv, column: load_pu}}"] + (accounting or [])


def grid_credit(city, year, row, bnd):
    """(non-fossil fraction, CO2, why) of a city's purchases over the lines: its calibrated import
    credit where a base year pins it, else the provincial mix of boundary.csv (as its exchange in the
    single-city case)."""
    b = bnd.loc[year]
    if pd.isna(row.import_non_fossil_counted):
        return b.non_fossil_fraction, b.co2_t_per_mwh, f"the provincial mix, boundary.csv {year}"
    return (row.import_non_fossil_counted, b.co2_t_per_mwh,
            "calibrated to the plan's base year (cities.csv import_non_fossil_counted), CO2 physical")


def electrification_yaml(city, year, row):
    """The city's electrification lever (a decision) and, in Chengdu, its EV charging (committed)."""
    S, prof = SHORT[city], f"../data/profiles/{city}.csv"
    out = ["electrification:"]
    if row.ev_charging_mwh:
        out += [f"  # EV charging inside the demand projection (cities.csv ev_charging_mwh, E), uncontrolled evening "
                "profile ev_pu (data/README.md); committed (min = max); petrol displaced "
                f"{EV_TCE_PER_MWH} tce/MWh [C]; no cost here (the vehicles are bought anyway)",
                f"  - {{name: {S}_ev_charging, bus: {city}, min_mwh: {num(row.ev_charging_mwh)}, "
                f"max_mwh: {num(row.ev_charging_mwh)}, profile: {{file: {prof}, column: ev_pu}},",
                f"     displaced_tce_per_mwh: {EV_TCE_PER_MWH}, cost_cny_per_mwh: 0}}"]
    if year in ELEC_POTENTIAL:   # planning years; a base year has no decision
        share = ELEC_POTENTIAL[year]
        mwh = round(share * float(row.energy_fossil_other_tce) / ELEC_TCE_PER_MWH, -3)
        out += [f"  # 电能替代 in industry and buildings (a decision): up to {int(share * 100)} % of the fossil energy used "
                f"outside power by {year} (E{f', the {PLAN_END} share held' if year in HELD_YEARS else ''}), {ELEC_TCE_PER_MWH} tce displaced per MWh (E: 2/3 boilers/kilns 0.156, "
                "1/3 heat pumps 0.425 [C]),",
                f"  # {num(ELEC_COST)} CNY/MWh for the end-use equipment (E: ~400 CNY/kW boilers to ~900 CNY/kW_e heat "
                "pumps at 6 %/20 y, 4,000 h); the fuel no longer bought is not credited (energy outside power is not "
                "priced); load shape = the city's load",
                f"  - {{name: {S}_electrification, bus: {city}, max_mwh: {num(mwh)}, "
                f"profile: {{file: {prof}, column: load_pu}},",
                f"     displaced_tce_per_mwh: {ELEC_TCE_PER_MWH}, cost_cny_per_mwh: {num(ELEC_COST)}}}"]
    return out if len(out) > 1 else ["electrification: []"]


def five_city_case(year, tables):
    cities, corr, bnd, seeds = tables
    st = seed_targets(seeds)
    name = f"sichuan5_{year}"
    desc = (f"Five Sichuan cities {year} on the corridor graph, with the rest of the province as the sichuan_grid "
            "boundary bus; capacity, seasonal-hydro and demand-response targets of the five plans, per city"
            + (f" ({HELD_NOTE}; demand grown from {PLAN_END}, all else held)" if year in HELD_YEARS else ""))
    L = header(name, year, desc)
    L.append("  power_flow: dc   # KVL with the corridors' reactances (corridors.csv, E)")
    sub = cities[cities.year == year].set_index("city")
    L += ["energy_accounting:",
          "  # the sum of the five cities (cities.csv), for case-wide targets (none); every city bus has its own",
          "  # energy_accounting below, which its targets use",
          f"  coal_equivalent_tce_per_mwh: {COAL_EQ[year]}",
          f"  fossil_other_tce: {num(sub.energy_fossil_other_tce.sum() + sum(ev_fossil(r) for _, r in sub.iterrows()))}"
          "   # + the EV petrol of Chengdu (its EV charging is a committed electrification)",
          f"  nonfossil_other_tce: {num(sub.energy_nonfossil_other_tce.sum())}"]
    L += ["groups:"]
    for c in CITIES:
        L += groups_yaml(c)
    L += ["buses:"]
    for c in CITIES:
        acc = accounting_yaml(c, year, sub.loc[c], indent="      ", grid=grid_credit(c, year, sub.loc[c], bnd))
        L += bus_yaml(c, year, sub.loc[c], ["    energy_accounting:"] + acc[1:])
    L += ["  - name: sichuan_grid   # the rest of the province (and exports), no demand of its own"]
    G, S_, R, D = [], [], [], []
    for c in CITIES:
        row = sub.loc[c].copy()
        row["city"] = c
        g, s, r, d, _ = components(c, year, row, bnd, corr, single=False)
        G += [f"  # ---- {c}"] + g
        S_ += [f"  # ---- {c}"] + s
        R += ([f"  # ---- {c}"] + r) if r else []
        D += [f"  # ---- {c}"] + d
    L += ["generators:"] + G + ["storage:"] + S_ + ["reservoirs:"] + R + ["demand_response:"] + D
    ry = rating_year(corr, year)
    col = f"existing_mw_{ry}"
    L += ["lines:",
          f"  # corridors.csv: rating {ry} as existing_mw"
          + (f" (held for {year}: no source beyond {ry})" if ry != year else "")
          + ", expansion up to max_mw at line_500kv cost x length;",
          "  # reactance as given (held fixed under expansion by the engine). s_max_pu 0.7 not applied to flows;",
          f"  # firm_pu {num(FIRM_PU)}: Chengdu's secure-load target counts the lines into Chengdu as its single-city case",
          f"  # counts its import capability: {FIRM_NOTE}"]
    for _, ln in corr.iterrows():
        if ln[col] <= 0 and year == 2025 and ln["name"] == "pzh_ls_1000kv":
            L.append("  # pzh_ls_1000kv (Panxi UHV, in service ~2028) left out of 2025: 0 MW in 2025 and not buildable by then")
            continue
        L.append(f"  - {{name: {ln['name']}, bus0: {ln.bus0}, bus1: {ln.bus1}, existing_mw: {num(ln[col])}, "
                 f"max_mw: {num(ln.max_mw)}, length_km: {num(ln.length_km)}, reactance_ohm: {num(ln.reactance_ohm)}, firm_pu: {num(FIRM_PU)}}}")
    b = bnd.loc[year]
    bmax = float(corr[corr.bus1 == "sichuan_grid"].max_mw.sum())
    L += ["exchanges:",
          f"  # the rest of Sichuan at the boundary bus: boundary.csv {year}; limit = sum of the boundary corridors'",
          f"  # max_mw ({num(bmax)} MW), i.e. the lines, not the exchange, bind; hourly prices and the seasonal",
          "  # import/export room: data/profiles/boundary.csv (data/README.md)",
          f"  - {{name: sichuan_grid_exchange, bus: sichuan_grid, max_import_mw: {num(bmax)}, max_export_mw: {num(bmax)},",
          f"     import_cny_per_mwh: {num(b.import_price_cny_per_mwh)}, export_cny_per_mwh: {num(b.export_price_cny_per_mwh)},",
          f"     co2_t_per_mwh: {num(b.co2_t_per_mwh)}, non_fossil_fraction: {num(b.non_fossil_fraction)},"]
    L += boundary_profiles("     ")
    E = [line for c in CITIES for line in electrification_yaml(c, year, sub.loc[c])[1:]]
    L += ["electrification:"] + E if E else ["electrification: []"]
    L += ["targets:",
          "  # Every target of the single-city cases, limited to the city's bus: energy shares with the city's own",
          "  # energy_accounting (net purchases over the lines at its grid_non_fossil_fraction, sales deducted as",
          "  # non-fossil), Chengdu's 35 GW secure load counting the ratings of the lines into Chengdu."]
    for c in CITIES:
        sf, seed = st[c]
        specs = case_specs(c, year)
        if specs:
            L.append(f"  # ---- {c} ({sf})")
        for s in specs:
            L += target_yaml(s, sf, seed, f"{SHORT[c]}_{spec_id(s)}", buses=[c])
    return name, "\n".join(L) + "\n"


# --------------------------------------------------------------------------- pathways (issue #16)

PATHWAY_YEARS = CASE_YEARS            # 2025 -> 2030 -> 2035
PERIOD_YEARS = 5                      # each period case stands for five years (2025-29, 2030-34, 2035-39)
FORESIGHT = "perfect"
CARBON_PEAK = {
    # city: (line of the city's seed file, exact quote of the plan's carbon-peak sentence); the peak year is
    # 2030 in every plan ("2030年前" or "到2030年 ... 如期实现碳达峰目标"). Checked against the seed line below.
    "chengdu": (85, "到2030年,單位地區生產總值能耗、單位地區生產總值二氧化碳排放持續下降,綠色低碳產業競爭力處于全國前列,"
                    "有條件的工業領域重點行業企業達到國家能效標桿水平,綠色低碳成為城市生活風尚,綠色低碳循環發展政策體系基本健全,"
                    "如期實現碳達峰目標"),
    "mianyang": (15, "确保2030年前如期实现碳达峰"),
    "leshan": (10, "顺利实现2030年前碳达峰目标"),
    "guangyuan": (23, "确保2030年前如期实现碳达峰目标"),
    "panzhihua": (32, "到 2030 年,全市水电、风电、太阳能发电总装机容量达到 1000 万千瓦,非化石能源消费比重达到 39%左右,"
                      "全市单位地区生产总值能耗、单位地区生产总值二氧化碳排放完成省级下达目标任务,如期实现碳达峰目标"),
}
CARBON_PEAK_YEAR = 2030


def carbon_peak_yaml(city, seed_file, tid, buses_line):
    line, quote = CARBON_PEAK[city]
    seed_line = (SEEDS / seed_file).read_text(encoding="utf-8").split("\n")[line - 1]
    assert quote in seed_line, (city, seed_file, line)
    desc = (f"碳达峰: {ZH[city]} peaks by {CARBON_PEAK_YEAR}, read as: the CO2 of the city's bus in every period after "
            f"{CARBON_PEAK_YEAR} no higher than in the {CARBON_PEAK_YEAR} period (power-sector CO2 of the city as the "
            "model counts it)")
    return [f"  - id: {tid}",
            "    kind: carbon_peak",
            f"    peak_year: {CARBON_PEAK_YEAR}   # emissions in every later period no higher than in this year's period",
            f"    buses: [{city}]" + buses_line,
            f"    description: {q(desc)}",
            f"    source: {{file: {seed_file}, line: {line}, quote: {q(quote)}}}"]


def pathway(name, cases, desc, peaks):
    """A pathway file: periods pointing at the single-year cases, the carbon peaks as its targets."""
    L = [f"# {desc}",
         "# Generated by cases/make_cases.py (python cases/make_cases.py): an investment pathway (issue #16) whose periods",
         "# are the ordinary single-year cases; capacity built in one period stays in the later ones. The 2035 period",
         f"# case has no source of its own: demand grown from {PLAN_END}, all else and the {PLAN_END} targets held (its",
         "# header, cases/README.md). The carbon peak is a pathway target: it compares periods.",
         f"name: {name}",
         f"description: {q(desc)}",
         f"discount_rate: {num(DISCOUNT_RATE)}          # must equal every period case's discount_rate",
         f"foresight: {FORESIGHT}           # perfect | myopic",
         "periods:                      # year: the period's case year; years: how many years it stands for"]
    for i, (y, case) in enumerate(zip(PATHWAY_YEARS, cases)):
        L.append(f"  - {{year: {y}, years: {PERIOD_YEARS}, case: {case}}}" + ("    # path relative to this file" if i == 0 else ""))
    L += ["targets:"] + peaks
    return "\n".join(L) + "\n"


def city_pathway(city, seeds):
    sf, _ = seed_targets(seeds)[city]
    span = " → ".join(str(y) for y in PATHWAY_YEARS)
    desc = (f"{city.capitalize()} {span}: the cases {', '.join(f'{city}_{y}.yaml' for y in PATHWAY_YEARS)} as periods of "
            f"{PERIOD_YEARS} years, {FORESIGHT} foresight; the carbon peak of plan {sf} by {CARBON_PEAK_YEAR}")
    peaks = carbon_peak_yaml(city, sf, f"carbon_peak_{CARBON_PEAK_YEAR}",
                             "   # optional, default all buses")
    return f"{city}_pathway", pathway(f"{city}_pathway", [f"{city}_{y}.yaml" for y in PATHWAY_YEARS], desc, peaks)


def five_city_pathway(seeds):
    st = seed_targets(seeds)
    span = " → ".join(str(y) for y in PATHWAY_YEARS)
    desc = (f"Five Sichuan cities {span}: the cases {', '.join(f'sichuan5_{y}.yaml' for y in PATHWAY_YEARS)} as periods "
            f"of {PERIOD_YEARS} years, {FORESIGHT} foresight; each city's carbon peak by {CARBON_PEAK_YEAR} (its own plan), "
            "limited to its bus")
    peaks = []
    for c in CITIES:
        peaks += [f"  # ---- {c} ({st[c][0]})"] + carbon_peak_yaml(c, st[c][0], f"{SHORT[c]}_carbon_peak_{CARBON_PEAK_YEAR}",
                                                                  "   # this city's bus only")
    return "sichuan5_pathway", pathway("sichuan5_pathway", [f"sichuan5_{y}.yaml" for y in PATHWAY_YEARS], desc, peaks)


def write_seed_index(seeds):
    """cases/seed_targets.csv: every power_energy_target of targets.yaml (for tests when ../shared is absent)."""
    rows = []
    for c in seeds["cities"]:
        for t in c["power_energy_targets"]:
            rows.append(dict(city=c["key"], seed_file=c["seed_file"], id=t["id"],
                             year="" if t.get("year") is None else int(t["year"]), line=int(t["line"]), quote=t["quote"]))
    pd.DataFrame(rows).to_csv(HERE / "seed_targets.csv", index=False, lineterminator="\n")


def main():
    tables = load_tables()
    written = []
    for c in CITIES:
        for y in sorted({*CASE_YEARS, *([BASE_YEARS[c]] if c in BASE_YEARS else [])}):
            name, text = city_case(c, y, tables)
            (HERE / f"{name}.yaml").write_text(text, encoding="utf-8")
            written.append(name)
    for y in CASE_YEARS:
        name, text = five_city_case(y, tables)
        (HERE / f"{name}.yaml").write_text(text, encoding="utf-8")
        written.append(name)
    for name, text in [*(city_pathway(c, tables[3]) for c in CITIES), five_city_pathway(tables[3])]:
        (HERE / f"{name}.yaml").write_text(text, encoding="utf-8")
        written.append(name)
    write_seed_index(tables[3])
    print("wrote", ", ".join(written), "and seed_targets.csv")


if __name__ == "__main__":
    main()
