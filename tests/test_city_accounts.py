"""Per-city accounting on one network (issue #15): own accounts, net line purchases, firm lines.

Two cities A and B joined by one line AB (bus0 = A, bus1 = B, so the flow into A is −f),
a 3-hour "year" (``time: {hours: 3}``, weights 1), flat profiles, ``power_flow: transport``.
Catalogue written here with *annual* costs (capex = annual / crf(6 %, 10 y), no fixed O&M).

Shared numbers (k = 0.3 tce/MWh, the coal-equivalent factor; 29.3076 GJ/tce):

* coal: 25 CNY/GJ / 0.4 → 225 CNY/MWh, f_c = 9/29.3076 = 0.307088 tce/MWh;
* gas: 50 CNY/GJ / 0.5 → 360 CNY/MWh, f_g = 7.2/29.3076 = 0.245670 tce/MWh, credit 0.9;
* hydro_ror: non-fossil, free; solar: non-fossil, 1200 CNY/MW-yr at availability 1 → 3 MWh
  per MW → 400 CNY/MWh;
* demand 100 MW flat at each city: 300 MWh each.

Fleets of the energy tests: A has existing coal 200 MW only; B has existing hydro 100 MW (300
MWh: exactly its own load), existing gas 200 MW and expandable solar. Line AB 100 MW existing.
A's accounting: k, no other energy, φ_A = grid_non_fossil_fraction = 1.

A's energy share (per city) with its import I (and no local non-fossil):

    k·φ·I >= s_A·[f_c·(300 − I) + k·I]   ⇔   I >= 300·s_A·f_c / D_A,   D_A = k(1 − s_A) + s_A·f_c

s_A = 0.2: D_A = 0.301418, I* = 18.42528/0.301418 = 61.129 MWh.
"""
from __future__ import annotations

import pytest

import gridplan
from gridplan.errors import CaseError

from conftest import GJ_PER_MWH, GJ_PER_TCE, prof
from test_targets import _tech     # catalogue rows with annual costs at 6 %, 10 years

RATE, H = 0.06, 3
K = 0.3
F_COAL = (GJ_PER_MWH / 0.4) / GJ_PER_TCE             # 0.307088 tce/MWh (9 GJ per MWh at 40 %)
F_GAS = (GJ_PER_MWH / 0.5) / GJ_PER_TCE       # 0.245670
COAL, GAS, SOLAR = 225.0, 360.0, 400.0        # CNY/MWh


TECHS = [
    _tech("gas", "gas", "dispatchable", 10, fuel="gas", eff=0.5, credit=0.9),       # 10 CNY/kW-yr
    _tech("coal", "coal", "dispatchable", 10, fuel="coal", eff=0.4, credit=0.9),
    _tech("hydro_ror", "hydro", "variable", 5, nf=True),
    _tech("solar", "solar", "variable", 1.2, nf=True),                              # 1200 CNY/MW-yr
    _tech("line", "transmission", "line", 6000),                                    # CNY/MW-km-yr
]
FUELS = [dict(fuel="gas", year=2030, price_cny_per_gj=50, co2_t_per_gj=0.05),
         dict(fuel="coal", year=2030, price_cny_per_gj=25, co2_t_per_gj=0.1)]
PROFILES = {"flat": [1.0] * H}


def _bus(name, accounting=None):
    b = {"name": name, "demand": {"profile": prof("flat"), "peak_mw": 100}}
    if accounting is not None:
        b["energy_accounting"] = accounting
    return b


ACC_A = {"coal_equivalent_tce_per_mwh": K, "grid_non_fossil_fraction": 1.0}
FLEET = [{"name": "coal_a", "bus": "A", "technology": "coal", "existing_mw": 200},
         {"name": "hydro_b", "bus": "B", "technology": "hydro_ror", "existing_mw": 100},
         {"name": "gas_b", "bus": "B", "technology": "gas", "existing_mw": 200},
         {"name": "solar_b", "bus": "B", "technology": "solar", "max_mw": 1000}]
LINE = {"name": "AB", "bus0": "A", "bus1": "B", "existing_mw": 100, "length_km": 1, "technology": "line"}
SHARE_A = {"id": "nf_a", "kind": "non_fossil_share", "scope": "energy", "value": 0.2, "buses": ["A"]}

D_A = K * (1 - 0.2) + 0.2 * F_COAL
I_STAR = 300 * 0.2 * F_COAL / D_A


@pytest.fixture
def make(write_case):
    n = iter(range(1000))

    def make(**case):
        full = {"name": "t", "discount_rate": RATE, "time": {"hours": H}, **case}
        return gridplan.load_case(write_case(full, PROFILES, f"case{next(n)}.yaml", TECHS, FUELS))

    return make


def _row(res, tid):
    return res.targets.set_index("id").loc[tid]


def _built(res, name):
    return float(res.capacities.set_index("name").loc[name, "built"])


def _into_a(res) -> float:
    """MWh over the year flowing into A on AB (bus0 = A: the flow into A is −f)."""
    return -float(res.value("line_flow").sum())


@pytest.mark.parametrize("power_flow", ["transport", "dc"])
def test_city_imports_to_meet_its_share(make, power_flow):
    """A meets its 20 % energy share only by importing over AB; B keeps no accounts.

    Without the target A burns its own coal (225 < B's gas 360). B's hydro serves B's own
    300 MWh, so the grid's marginal MWh for A is B's gas (360 < solar 400), and A's statistics
    count it at φ_A = 1 whatever B burns (the national method for purchased electricity).
    I = I* = 61.129 MWh, all through AB (flow into A 61.129 MWh), A's share exactly 0.2
    (num = 0.3·61.129 = 18.339 tce, den = f_c·238.871 + 18.339 = 91.693 tce). One more tce
    on A's row needs 1/D_A MWh more import at 360 − 225 = 135 CNY/MWh: dual = 135/0.301418
    = 447.88 CNY/tce. ``city_accounts`` gives the same numbers from the same formulas.
    """
    line = dict(LINE, reactance_ohm=1.0) if power_flow == "dc" else LINE
    res = gridplan.solve(make(buses=[_bus("A", ACC_A), _bus("B")], generators=FLEET, lines=[line],
                              options={"power_flow": power_flow}, targets=[SHARE_A]))
    assert I_STAR == pytest.approx(61.129, abs=1e-3)
    r = _row(res, "nf_a")
    assert r["achieved"] == pytest.approx(0.2) and r["binding"]
    assert r["dual"] == pytest.approx((GAS - COAL) / D_A) and r["dual"] == pytest.approx(447.88, abs=0.01)
    assert _into_a(res) == pytest.approx(I_STAR)
    assert _built(res, "solar_b") == pytest.approx(0.0, abs=1e-6)
    ca = res.city_accounts.loc["A"]
    assert list(res.city_accounts.index) == ["A"]
    assert ca["grid_import_mwh"] == pytest.approx(I_STAR) and ca["grid_export_mwh"] == pytest.approx(0.0, abs=1e-6)
    assert ca["non_fossil_mwh"] == pytest.approx(I_STAR)
    assert ca["demand_mwh"] == pytest.approx(300.0)
    assert ca["non_fossil_share_energy"] == pytest.approx(0.2)
    assert ca["co2_t"] == pytest.approx((300 - I_STAR) * 0.9)     # coal 0.9 t/MWh, grid CO2 0
    # import · export = 0 in every snapshot (the solution hook nets them; nothing is lost)
    gi, ge = res.value("grid_import"), res.value("grid_export")
    assert (gi * ge).max() == pytest.approx(0.0, abs=1e-9)
    assert (gi - ge).sum() == pytest.approx(I_STAR)


def test_exporting_city_share_binds_without_double_counting(make):
    """B keeps its own accounts too (k, φ_B = 1, Fo_B = 20 tce) and a 75 % energy share.

    B's counted non-fossil y = hydro + solar − export = 300 − G_B (its balance), so B's row is
    0.3·(300 − G) − 0.75·(f_g·G + 0.3·(300 − G) + 20) >= 0 ⇔ 7.5 − D_B·G >= 0 with
    D_B = k(1 − 0.75) + 0.75·f_g = 0.259253: G* = 28.929 MWh of gas. A still needs I* = 61.129;
    B's exports are deducted as fully non-fossil, so beyond G* they must come from new solar:
    S = I* − G* = 32.200 MWh (10.733 MW). Duals: A's, one more tce needs 1/D_A MWh of B's solar
    instead of A's coal: 175/0.301418 = 580.59 CNY/tce; B's, one more tce needs 1/D_B MWh of
    solar instead of gas: 40/0.259253 = 154.29 CNY/tce.
    No double counting: Σ cities NF counted = φ_A·I* + (300 + S − I*) = 332.200 MWh
    <= NF generated (hydro 300 + solar 32.200) + φ_exchange · outside imports (none) = 332.200.
    """
    acc_b = {"coal_equivalent_tce_per_mwh": K, "grid_non_fossil_fraction": 1.0, "fossil_other_tce": 20.0}
    share_b = {"id": "nf_b", "kind": "non_fossil_share", "scope": "energy", "value": 0.75, "buses": ["B"]}
    res = gridplan.solve(make(buses=[_bus("A", ACC_A), _bus("B", acc_b)], generators=FLEET, lines=[LINE],
                              targets=[SHARE_A, share_b]))
    d_b = K * 0.25 + 0.75 * F_GAS
    g_star = 7.5 / d_b
    s = I_STAR - g_star
    assert d_b == pytest.approx(0.259253, abs=1e-6) and g_star == pytest.approx(28.929, abs=1e-3)
    assert s == pytest.approx(32.200, abs=1e-3)
    ra, rb = _row(res, "nf_a"), _row(res, "nf_b")
    assert ra["binding"] and rb["binding"]
    assert ra["dual"] == pytest.approx((SOLAR - COAL) / D_A) and ra["dual"] == pytest.approx(580.59, abs=0.01)
    assert rb["dual"] == pytest.approx((SOLAR - GAS) / d_b) and rb["dual"] == pytest.approx(154.29, abs=0.01)
    assert _into_a(res) == pytest.approx(I_STAR)
    assert _built(res, "solar_b") == pytest.approx(s / 3)
    ca = res.city_accounts
    assert ca.loc["B", "grid_export_mwh"] == pytest.approx(I_STAR)
    assert ca.loc["B", "grid_import_mwh"] == pytest.approx(0.0, abs=1e-6)
    assert ca.loc["B", "non_fossil_share_energy"] == pytest.approx(0.75)
    counted = ca["non_fossil_mwh"].sum()
    generated = res.total("non_fossil_energy")       # hydro + solar, no exchanges
    assert counted == pytest.approx(332.200, abs=1e-3)
    assert generated == pytest.approx(300 + s)
    assert counted <= generated + 1e-6


def test_city_grid_fraction_below_one_is_conservative(make):
    """φ_A = 0.5: A's row k·φ·I >= s·(f_c(300 − I) + k·I) ⇔ I >= 300·s·f_c/(k(φ − s) + s·f_c)
    = 18.42528/(0.09 + 0.061418) = 121.685 MWh (from B's gas). B keeps accounts without a
    target: NF_B counted = hydro 300 − export 121.685 = 178.315; NF_A = 0.5·121.685 = 60.843.
    Σ counted = 300 − 0.5·121.685 = 239.158 < NF generated 300 (+ no outside imports): trade
    between cities only ever loses non-fossil MWh in the statistics, at (1 − φ) per MWh."""
    acc_a = dict(ACC_A, grid_non_fossil_fraction=0.5)
    acc_b = {"coal_equivalent_tce_per_mwh": K, "grid_non_fossil_fraction": 1.0}
    res = gridplan.solve(make(buses=[_bus("A", acc_a), _bus("B", acc_b)], generators=FLEET, lines=[LINE],
                              targets=[SHARE_A]))
    i = 300 * 0.2 * F_COAL / (K * (0.5 - 0.2) + 0.2 * F_COAL)
    assert i == pytest.approx(121.685, abs=1e-3)
    assert _into_a(res) == pytest.approx(i)
    ca = res.city_accounts
    assert ca.loc["A", "non_fossil_mwh"] == pytest.approx(0.5 * i)
    assert ca.loc["B", "non_fossil_mwh"] == pytest.approx(300 - i)
    assert ca["non_fossil_mwh"].sum() == pytest.approx(300 - 0.5 * i)
    assert ca["non_fossil_mwh"].sum() < res.total("non_fossil_energy")


# --------------------------------------------------------------------------- firm capacity through lines


@pytest.mark.parametrize("firm_pu, line_built, peaker_built, dual", [
    (0.5, 0.0, 30 / 0.9, 10_000 / 0.9 / 1000),   # line 6000/0.5 = 12 000 per firm MW > peaker 11 111
    (0.8, 30 / 0.8, 0.0, 6000 / 0.8 / 1000),     # line 6000/0.8 = 7 500 per firm MW < peaker 11 111
])
def test_firm_capacity_through_a_line(make, firm_pu, line_built, peaker_built, dual):
    """A needs 120 MW firm; its existing gas 100 MW counts 90. The 30 MW short come either from
    a new peaker at A (10 CNY/kW-yr, credit 0.9: 11 111 CNY per firm MW-yr) or from expanding AB
    (6000 CNY/MW-yr, counted × firm_pu). Energy never needs the line: A's gas covers A's 100 MW
    at the same fuel price as B's gas. firm_pu 0.5: the peaker, 33.33 MW, dual 11.11 CNY/kW-yr;
    firm_pu 0.8: the line, 37.5 MW, dual 7.5 CNY/kW-yr."""
    gens = [{"name": "gas_a", "bus": "A", "technology": "gas", "existing_mw": 100},
            {"name": "peaker_a", "bus": "A", "technology": "gas", "max_mw": 1000},
            {"name": "gas_b", "bus": "B", "technology": "gas", "existing_mw": 500}]
    line = dict(LINE, existing_mw=0, max_mw=1000, firm_pu=firm_pu)
    res = gridplan.solve(make(buses=[_bus("A"), _bus("B")], generators=gens, lines=[line], targets=[
        {"id": "firm_a", "kind": "firm_capacity", "value": 120, "buses": ["A"]}]))
    r = _row(res, "firm_a")
    assert _built(res, "AB") == pytest.approx(line_built, abs=1e-6)
    assert _built(res, "peaker_a") == pytest.approx(peaker_built, abs=1e-6)
    assert r["achieved"] == pytest.approx(120.0) and r["binding"]
    assert r["dual"] == pytest.approx(dual) and r["dual_unit"] == "CNY/kW-yr"


def test_internal_line_counts_no_firm_capacity(make):
    """The same target over {A, B} (90 + 450 firm existing, required 570): AB is internal, so it
    counts nothing even at firm_pu 0.8; the 30 MW come from the peaker (33.33 MW, 11.11 CNY/kW-yr)."""
    gens = [{"name": "gas_a", "bus": "A", "technology": "gas", "existing_mw": 100},
            {"name": "peaker_a", "bus": "A", "technology": "gas", "max_mw": 1000},
            {"name": "gas_b", "bus": "B", "technology": "gas", "existing_mw": 500}]
    line = dict(LINE, existing_mw=50, max_mw=1000, firm_pu=0.8)
    res = gridplan.solve(make(buses=[_bus("A"), _bus("B")], generators=gens, lines=[line], targets=[
        {"id": "firm_ab", "kind": "firm_capacity", "value": 570, "buses": ["A", "B"]}]))
    r = _row(res, "firm_ab")
    assert _built(res, "AB") == pytest.approx(0.0, abs=1e-6)
    assert _built(res, "peaker_a") == pytest.approx(30 / 0.9)
    assert r["achieved"] == pytest.approx(570.0) and r["dual"] == pytest.approx(10 / 0.9)


# --------------------------------------------------------------------------- bad input


def _problem(make, **case):
    with pytest.raises(CaseError) as e:
        gridplan.solve(make(**case))
    lines = str(e.value).splitlines()
    assert len(lines) == 1, lines
    return e.value, lines[0]


def test_mismatched_factor_across_a_scope(make):
    acc_b = dict(ACC_A, coal_equivalent_tce_per_mwh=0.32)
    err, line = _problem(make, buses=[_bus("A", ACC_A), _bus("B", acc_b)], generators=FLEET, lines=[LINE],
                         targets=[dict(SHARE_A, buses=["A", "B"])])
    assert err.field == "buses[B].energy_accounting.coal_equivalent_tce_per_mwh"
    assert "0.3 as at bus A" in line and "nf_a" in line


def test_mixed_accounting_in_a_scope(make):
    err, line = _problem(make, buses=[_bus("A", ACC_A), _bus("B")], generators=FLEET, lines=[LINE],
                         targets=[dict(SHARE_A, buses=["A", "B"])])
    assert err.field == "buses[B].energy_accounting"
    assert "never both" in line


def test_city_with_lines_needs_its_grid_fraction(make):
    err, line = _problem(make, buses=[_bus("A", {"coal_equivalent_tce_per_mwh": K}), _bus("B")],
                         generators=FLEET, lines=[LINE], targets=[SHARE_A])
    assert err.field == "buses[A].energy_accounting.grid_non_fossil_fraction"
    assert "the non-fossil fraction at which the city's statistics count electricity bought over lines" in line


def test_city_without_lines_needs_no_grid_fraction(make):
    """A bus accounting on a bus without lines is fine (nothing bought): A alone, coal only and
    no target; its account reads 0 non-fossil and 0 imports."""
    res = gridplan.solve(make(buses=[_bus("A", {"coal_equivalent_tce_per_mwh": K})], generators=FLEET[:1],
                              targets=[{"id": "co2", "kind": "co2_cap", "value": 1e6, "buses": ["A"]}]))
    ca = res.city_accounts.loc["A"]
    assert ca["grid_import_mwh"] == 0.0 and ca["non_fossil_share_energy"] == 0.0
    assert ca["co2_t"] == pytest.approx(300 * 0.9)


def test_a_city_ceiling_on_its_non_fossil_share_is_refused_below_full_credit(make):
    """Buying and selling in the same hour lowers a city's count by (1 − φ) per MWh at no cost, so a
    ceiling (<=) on its non-fossil share could be met by bookkeeping: refused where φ < 1."""
    acc = dict(ACC_A, grid_non_fossil_fraction=0.5)
    err, line = _problem(make, buses=[_bus("A", acc), _bus("B")], generators=FLEET, lines=[LINE],
                         targets=[dict(SHARE_A, sense="<=")])
    assert err.field == "targets[nf_a].sense" and "bus A" in line


def test_one_line_is_secure_supply_for_one_city_only(make):
    """Two cities each counting line AB's rating as firm supply would count the 100 MW twice (each
    needs 190 MW with 100 MW of gas: both met with 200 MW of plant in all): refused unless firm_pu 0."""
    gens = [{"name": "gas_a", "bus": "A", "technology": "gas", "existing_mw": 100},
            {"name": "gas_b", "bus": "B", "technology": "gas", "existing_mw": 100}]
    firm = [{"id": f"firm_{b.lower()}", "kind": "firm_capacity", "value": 190, "buses": [b]} for b in "AB"]
    err, line = _problem(make, buses=[_bus("A"), _bus("B")], generators=gens, lines=[LINE], targets=firm)
    assert err.field == "lines[AB].firm_pu" and "firm_a, firm_b" in line


def test_case_total_counts_no_line_as_firm_capacity(make):
    """res.total('firm_capacity') is the case-wide figure: 100 MW of gas × credit 0.9 = 90 MW at A and
    B each, 180 MW; line AB (100 MW, firm_pu 1), registered at both ends for bus-limited targets, is
    internal to the whole case and adds nothing (counting it would give 380)."""
    gens = [{"name": "gas_a", "bus": "A", "technology": "gas", "existing_mw": 100},
            {"name": "gas_b", "bus": "B", "technology": "gas", "existing_mw": 100}]
    res = gridplan.solve(make(buses=[_bus("A"), _bus("B")], generators=gens, lines=[LINE]))
    assert res.total("firm_capacity") == pytest.approx(180.0)
