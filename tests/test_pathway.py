"""Pathway (multi-period) planning: vintages, present values, the carbon peak, myopic foresight.

Every expected number is derived by hand in the test's docstring from the inputs the test
writes (its own catalogue and fuel rows), never read back from gridplan. Shared arithmetic:

* weights, r = 0.06, periods 2025 and 2030 of 5 years each, base year 2025:
  W25 = Σ_{k=0..4} 1.06^-k = 4.465106,  W30 = Σ_{k=5..9} 1.06^-k = 3.336587
  (computed below by :func:`W`, the tests' own sum);
* a "year" of ``time: {hours: 24}`` is 24 h, so an annual energy cost is 24 h × MW × CNY/MWh;
* fuel cost per MWh = price × 3.6 / efficiency: gas 50 CNY/GJ at 0.5 → 360 CNY/MWh,
  coal 25 CNY/GJ at 0.4 → 225 CNY/MWh; CO2: gas 0.05 × 3.6 / 0.5 = 0.36 t/MWh, coal
  0.1 × 3.6 / 0.4 = 0.9 t/MWh;
* a vintage of capex K CNY/kW, life n (fom 0) costs K × 1000 × crf(r, n) CNY per MW and year of
  every period it stands in; an annuity over its whole life, paid from the start of each year,
  has the present value K × 1000 × crf(r, n) × Σ_{k<n} 1.06^-k = K × 1000 × 1.06.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import crf, prof, write_case_files

R = 0.06
CO2_COAL = 0.1 * 3.6 / 0.4      # t/MWh
COAL = 25 * 3.6 / 0.4           # CNY/MWh
GAS = 50 * 3.6 / 0.5            # CNY/MWh


def W(start: int, years: int = 5, base: int = 2025, r: float = R) -> float:
    """The tests' own period weight: Σ_{k<years} (1 + r)^-(start + k - base)."""
    return sum((1 + r) ** -(start + k - base) for k in range(years))


W25, W30 = W(2025), W(2030)


def tech(name: str, year: int, capex: float, life: float, *, fuel: str | None = None, eff: float | None = None,
         vom: float = 0.0, fom: float = 0.0, clean: bool = False) -> dict:
    """One catalogue row of a dispatchable technology."""
    flag = "true" if clean else "false"
    return {"technology": name, "year": year, "carrier": fuel or name, "kind": "dispatchable",
            "non_fossil": flag, "renewable": "false", "new_energy": "false", "clean": flag,
            "capex_cny_per_kw": capex, "capex_cny_per_kwh": None, "fom_pct_capex_per_yr": fom,
            "vom_cny_per_mwh": vom, "lifetime_yr": life, "efficiency": eff, "roundtrip_efficiency": None,
            "standing_loss_pct_per_h": None, "fuel": fuel, "capacity_credit": 0.9, "min_duration_h": None,
            "max_duration_h": None, "flag": "E", "source": "test"}


def gas(year, capex, life=10):
    return tech("gas", year, capex, life, fuel="gas", eff=0.5)


def coal(year, capex=2000, life=30):
    return tech("coal", year, capex, life, fuel="coal", eff=0.4)


FUELS = [{"fuel": f, "year": y, "price_cny_per_gj": p, "co2_t_per_gj": c, "flag": "E", "source": "test"}
         for y in (2025, 2030) for f, p, c in (("gas", 50, 0.05), ("coal", 25, 0.1))]


def period_case(year: int, demand_mw: float, generators: list) -> dict:
    return {"name": f"p{year}", "year": year, "discount_rate": R, "time": {"hours": 24},
            "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": demand_mw}}],
            "generators": generators}


def write_pathway(folder: Path, cases: dict, catalogue: list, targets: list | None = None, **top) -> Path:
    """Period cases ``{year: case dict}`` (one catalogue and fuels for all) and the pathway file."""
    for year, case in cases.items():
        write_case_files(folder, case, {"load": [1.0] * 24}, file=f"a{year}.yaml", catalogue=catalogue,
                         fuels=FUELS)
    spec = {"name": "p", **top, "periods": [{"year": y, "case": f"a{y}.yaml"} for y in cases],
            "targets": targets or []}
    path = folder / "pathway.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def solve(path, **kw):
    from gridplan.batch.pathway import solve_pathway
    return solve_pathway(path, **kw)


def built(res, period: int, name: str) -> float:
    b = res.builds
    row = b[(b.period == period) & (b.name == name)]
    return float(row.built.sum())


def total(res, period: int, name: str) -> float:
    c = res.capacities
    return float(c[(c.period == period) & (c.name == name)].total.sum())


# ---------------------------------------------------------------------------------------- 1
def test_building_early_pays_when_capex_rises(tmp_path):
    """Gas costs 1000 CNY/kW in 2025 and 3000 in 2030 (life 10: a 2025 vintage stands in 2030).
    2025: demand 100 MW, met by existing coal 100 MW (225 CNY/MWh < gas 360: gas would idle);
    2030: demand 100 MW, the coal is retired (absent), so 100 MW of gas must stand in 2030.

    Per MW of gas standing in 2030:
      built in 2025: 1000e3 × crf(.06, 10) × (W25 + W30) = 1000e3 × 0.135868 × 7.801692 = 1.06e6 CNY
      built in 2030: 3000e3 × crf(.06, 10) × W30 = 3000e3 × 0.135868 × 3.336587 = 1.36e6 CNY
    so all 100 MW are built in 2025 (the LP is linear: one or the other). Present value:
      W25 × 24 h × 100 MW × 225 (coal, 2025) = 2 411 157
    + W30 × 24 h × 100 MW × 360 (gas, 2030)  = 2 882 811
    + 100 × 1.06e6                            = 106 000 000      → 111 293 968 CNY
    (waiting would cost 100 × 1.36e6 instead: 136 000 000 + the same energy).
    """
    cat = [gas(2025, 1000), gas(2030, 3000), coal(2025), coal(2030)]
    g = lambda coal_mw: [{"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 0, "max_mw": 1000},
                         {"name": "coal", "bus": "A", "technology": "coal", "existing_mw": coal_mw}]
    p = write_pathway(tmp_path, {2025: period_case(2025, 100, g(100)), 2030: period_case(2030, 100, g(0))}, cat)
    res = solve(p)
    early = 1000e3 * crf(R, 10) * (W25 + W30)
    late = 3000e3 * crf(R, 10) * W30
    assert early == pytest.approx(1.06e6, rel=1e-12) and late > early      # the derivation's premise
    assert built(res, 2025, "gas") == pytest.approx(100, rel=1e-6)
    assert built(res, 2030, "gas") == pytest.approx(0, abs=1e-6)
    expected = W25 * 24 * 100 * COAL + W30 * 24 * 100 * GAS + 100 * early
    assert expected == pytest.approx(111_293_968, rel=1e-6)
    assert res.objective == pytest.approx(expected, rel=1e-6)
    # consistency: the 2025 vintage stands in 2030 (existing 0 + built 100)
    assert total(res, 2030, "gas") == pytest.approx(100, rel=1e-6)
    # the investment of the 2025 vintage is charged in the 2025 row of the present values
    pv = res.present_value.set_index("period")
    assert pv.loc[2025, "investment_pv_cny"] == pytest.approx(100 * early, rel=1e-6)
    assert pv.loc[2030, "investment_pv_cny"] == pytest.approx(0, abs=1e-3)
    # the 2030 period's own accounts price the standing 2025 vintage at its 2025 cost, not at 2030's:
    # gen_build 100 MW × 1000e3 × crf(.06, 10) = 13 586 796 CNY/yr (2030's price would say 40 760 388);
    # its annual total adds the gas fuel 24 h × 100 MW × 360 = 864 000 → 14 450 796 CNY/yr
    y30 = res.periods[2030]
    annual = 100 * 1000e3 * crf(R, 10)
    assert annual == pytest.approx(13_586_796, rel=1e-6)
    assert y30.costs.set_index("term").loc["gen_build", "cny"] == pytest.approx(annual, rel=1e-6)
    assert y30.summary()["total_cost_cny"] == pytest.approx(annual + 24 * 100 * GAS, rel=1e-6)
    # and the periods' annual costs × W_p add up to the present value
    assert W25 * res.periods[2025].objective + W30 * y30.objective == pytest.approx(expected, rel=1e-6)


def test_myopic_2025_leaves_room_for_what_2030_has_committed(tmp_path):
    """Demand 100 MW in 2025 and 2030. Gas (1000 CNY/kW, life 10) may reach 100 MW in both cases,
    but the 2030 case already stands 80 MW of it (a committed project: existing_mw 80), so only 20 MW
    built in 2025 can still stand in 2030. A peaker ("peak", 2000 CNY/kW, same fuel, life 10) has no
    ceiling. 2025 must serve 100 MW from new capacity: gas at most 20, the peaker the other 80.
    A myopic 2025 does not see 2030's costs, but 2030's ceiling is data: it builds the same.
      2025: gas 20 + peak 80, annuities 20 × 1000e3 × 0.135868 + 80 × 2000e3 × 0.135868 (both stand
            in 2030 too, paying in W25 + W30); fuel 24 × 100 × 360 in both periods
      PV = (20 × 1000e3 + 80 × 2000e3) × crf(.06, 10) × (W25 + W30) + (W25 + W30) × 864 000
         = 1.8e8 × 0.135868 × 7.801692 + 7.801692 × 864 000 = 190 800 000 + 6 740 662 = 197 540 662 CNY
    (2030 builds nothing: gas 80 + 20 and the peaker's 80 stand; the gas runs, the peaker idles).
    Without that bound the myopic 2025 would build 100 MW of cheap gas and 2030 would be infeasible."""
    cat = [gas(2025, 1000), gas(2030, 1000), tech("peak", 2025, 2000, 10, fuel="gas", eff=0.5),
           tech("peak", 2030, 2000, 10, fuel="gas", eff=0.5)]
    g = lambda gas_mw: [{"name": "gas", "bus": "A", "technology": "gas", "existing_mw": gas_mw, "max_mw": 100},
                        {"name": "peak", "bus": "A", "technology": "peak", "existing_mw": 0, "max_mw": 1000}]
    p = write_pathway(tmp_path, {2025: period_case(2025, 100, g(0)), 2030: period_case(2030, 100, g(80))}, cat)
    expected = (20 * 1000e3 + 80 * 2000e3) * crf(R, 10) * (W25 + W30) + (W25 + W30) * 24 * 100 * GAS
    assert expected == pytest.approx(197_540_662, rel=1e-6)
    for foresight in ("perfect", "myopic"):
        res = solve(p, foresight=foresight)
        assert built(res, 2025, "gas") == pytest.approx(20, rel=1e-6), foresight
        assert built(res, 2025, "peak") == pytest.approx(80, rel=1e-6), foresight
        assert total(res, 2030, "gas") == pytest.approx(100, rel=1e-6), foresight
        assert res.objective == pytest.approx(expected, rel=1e-6), foresight


# ---------------------------------------------------------------------------------------- 2
def test_retirement_forces_a_build(tmp_path):
    """Demand 100 MW in both periods; coal 80 MW stands in 2025 and is retired (absent) in 2030;
    gas 1000 CNY/kW in both catalogues, life 10.

    2025 needs 100 − 80 = 20 MW of gas. Per further MW for 2030: built in 2025 it costs
    1000e3 × crf × (W25 + W30) = 1.06e6, built in 2030 1000e3 × crf × W30 = 453 335 — so only the
    20 MW is built in 2025 and the retired 80 MW is replaced in 2030 (the 2025 vintage stands).
    2025 dispatch: coal 80 (225 CNY/MWh) + gas 20 (360); 2030: gas 100. Present value:
      W25 × 24 × (80 × 225 + 20 × 360) = 4.465106 × 24 × 25 200   =   2 700 496
    + W30 × 24 × 100 × 360             = 3.336587 × 864 000       =   2 882 811
    + 20 × 1.06e6                                                 =  21 200 000
    + 80 × 1000e3 × 0.135868 × 3.336587                           =  36 266 817   → 63 050 124 CNY
    """
    cat = [gas(2025, 1000), gas(2030, 1000), coal(2025), coal(2030)]
    g = lambda coal_mw: [{"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 0, "max_mw": 1000},
                         {"name": "coal", "bus": "A", "technology": "coal", "existing_mw": coal_mw}]
    p = write_pathway(tmp_path, {2025: period_case(2025, 100, g(80)), 2030: period_case(2030, 100, g(0))}, cat)
    res = solve(p)
    assert built(res, 2025, "gas") == pytest.approx(20, rel=1e-6)
    assert built(res, 2030, "gas") == pytest.approx(80, rel=1e-6)          # = the retired MW
    assert total(res, 2030, "gas") == pytest.approx(100, rel=1e-6)         # 20 carried + 80 new
    assert total(res, 2030, "coal") == pytest.approx(0, abs=1e-9)
    a = 1000e3 * crf(R, 10)
    expected = (W25 * 24 * (80 * COAL + 20 * GAS) + W30 * 24 * 100 * GAS
                + 20 * a * (W25 + W30) + 80 * a * W30)
    assert expected == pytest.approx(63_050_124, rel=1e-6)
    assert res.objective == pytest.approx(expected, rel=1e-6)


def coal_or_clean(tmp_path, demand_2030: float, targets=None):
    """One bus, 200 MW of existing coal (225 CNY/MWh, 0.9 t/MWh) and 200 MW of an existing clean
    unit (no fuel, VOM 400 CNY/MWh), flat load 100 MW in 2025 and ``demand_2030`` in 2030; a
    carbon peak in 2025 unless ``targets`` say otherwise."""
    cat = [coal(2025), coal(2030), tech("clean", 2025, 5000, 40, vom=400, clean=True),
           tech("clean", 2030, 5000, 40, vom=400, clean=True)]
    g = lambda: [{"name": "coal", "bus": "A", "technology": "coal", "existing_mw": 200},
                 {"name": "clean", "bus": "A", "technology": "clean", "existing_mw": 200}]
    return write_pathway(tmp_path, {2025: period_case(2025, 100, g()), 2030: period_case(2030, demand_2030, g())},
                         cat, targets if targets is not None else [{"id": "peak", "kind": "carbon_peak",
                                                                    "peak_year": 2025}])


# ---------------------------------------------------------------------------------------- 3
@pytest.mark.parametrize("foresight", ["perfect", "myopic"])
def test_carbon_peak_binds_and_prices_carbon(tmp_path, foresight):
    """Existing coal 200 MW (225 CNY/MWh, 0.9 t/MWh) and an existing clean unit 200 MW (no fuel,
    vom 400 CNY/MWh) in both periods, nothing to build; demand 100 MW in 2025, 150 MW in 2030;
    carbon peak in 2025.

    2025 runs all on coal: E25 = 24 × 100 × 0.9 = 2160 t (it cannot be raised: no more demand).
    Unconstrained, 2030 would run coal 150 MW (3240 t); the peak row E30 − E25 ≤ 0 allows
    2160 t = 24 h × 100 MW × 0.9, so 2030 runs coal 100 MW and clean 50 MW.
    Dual: both 2030 units are between their bounds, so per MWh W30 × 225 + 0.9 μ = W30 × 400,
    μ = W30 × 175 / 0.9 = W30 × 194.444 CNY per t/yr (PV). One more t/yr allowed lowers the
    present value by μ, so the row's dual (∂objective/∂rhs of a ≤ row) is −μ = −648.781 and the
    carbon price −dual / W30 = 175 / 0.9 = 194.444 CNY/t.
    Present value: W25 × 2400 × 225 + W30 × 24 × (100 × 225 + 50 × 400)
                 = 2 411 157 + 3 403 318 = 5 814 475 CNY.
    Myopic foresight gives the same: 2025 alone runs coal (E25 = 2160 t, nothing to build), and
    2030 alone faces E30 ≤ 2160 t with the same dual (its costs are weighted by W30 too).
    """
    p = coal_or_clean(tmp_path, demand_2030=150)
    res = solve(p, foresight=foresight)
    cp = res.carbon_peak
    assert len(cp) == 1
    row = cp.iloc[0]
    assert row.kind == "carbon_peak" and row.period == 2030
    assert row.emissions_t == pytest.approx(2160, rel=1e-6)
    assert row.limit_t == pytest.approx(2160, rel=1e-6)
    assert bool(row.binding)
    price = (400 - COAL) / CO2_COAL
    assert price == pytest.approx(194.444444, rel=1e-6)
    assert row.carbon_price_cny_per_t == pytest.approx(price, rel=1e-6)
    assert row.dual_pv_cny_per_t == pytest.approx(-price * W30, rel=1e-6)
    assert row.dual_pv_cny_per_t == pytest.approx(-648.78074, rel=1e-6)
    expected = W25 * 2400 * COAL + W30 * 24 * (100 * COAL + 50 * 400)
    assert expected == pytest.approx(5_814_475.43, rel=1e-6)
    assert res.objective == pytest.approx(expected, rel=1e-6)
    assert res.periods[2030].summary()["emissions_t"] == pytest.approx(2160, rel=1e-6)


def test_a_peak_out_of_reach_sheds_load_or_elastic_says_by_how_much(tmp_path):
    """Coal only (200 MW standing), demand 100 MW in 2025 and 150 MW in 2030, peak year 2025, value
    of lost load 1e6 CNY/MWh: E25 = 24 h × 100 MW × 0.9 t/MWh = 2160 t; burning all of 2030's load
    would emit 24 × 150 × 0.9 = 3240 t.
    Hard: the peak holds by shedding, coal 100 MW and 50 MW shed in 2030 (1200 MWh/yr):
      PV = W25 × 24 × 100 × 225 + W30 × (24 × 100 × 225 + 1200 × 1e6)
         = 2 411 157 + 3.336587 × 1 200 540 000 = 2 411 157 + 4 005 705 751 = 4 008 116 908 CNY.
    Elastic: a t/yr above the peak costs 1e5 CNY (below shedding's 1e6 / 0.9 per t avoided), so 2030
    burns its whole load and the row is missed by 3240 − 2160 = 1080 t/yr (outcome 'targets missed',
    no price on a missed row): PV = W25 × 540 000 + W30 × (24 × 150 × 225 + 1080 × 1e5)
         = 2 411 157 + 3.336587 × 108 810 000 = 2 411 157 + 363 053 995 = 365 465 152 CNY."""
    cat = [coal(2025), coal(2030)]
    g = lambda: [{"name": "coal", "bus": "A", "technology": "coal", "existing_mw": 200}]
    cases = {y: {**period_case(y, d, g()), "options": {"voll_cny_per_mwh": 1e6}} for y, d in ((2025, 100), (2030, 150))}
    p = write_pathway(tmp_path, cases, cat, [{"id": "peak", "kind": "carbon_peak", "peak_year": 2025}])
    hard = solve(p)
    assert hard.periods[2030].summary()["shed_mwh"] == pytest.approx(1200, rel=1e-6)
    expected = W25 * 24 * 100 * COAL + W30 * (24 * 100 * COAL + 1200 * 1e6)
    assert expected == pytest.approx(4_008_116_908, rel=1e-6)
    assert hard.objective == pytest.approx(expected, rel=1e-6)
    res = solve(p, elastic=True)
    row = res.carbon_peak.iloc[0]
    assert row.emissions_t == pytest.approx(3240, rel=1e-6) and row.limit_t == pytest.approx(2160, rel=1e-6)
    assert row.shortfall_t == pytest.approx(1080, rel=1e-6)
    assert not bool(row.met) and not bool(row.binding)
    assert res.outcome == "targets missed"
    expected = W25 * 24 * 100 * COAL + W30 * (24 * 150 * COAL + 1080 * 1e5)
    assert expected == pytest.approx(365_465_152, rel=1e-6)
    assert res.objective == pytest.approx(expected, rel=1e-6)
    pv = res.present_value.set_index("period")      # the penalty in its period's row: W30 × 1080 × 1e5
    assert pv.loc[2030, "carbon_peak_shortfall_pv_cny"] == pytest.approx(W30 * 1080 * 1e5, rel=1e-6)
    assert pv["total_pv_cny"].sum() == pytest.approx(expected, rel=1e-6)


def test_buying_and_selling_at_once_cannot_raise_the_peak(tmp_path):
    """A city A with its own accounting (lines: its net purchases count at 0.9 t/MWh) and a neighbour
    B, both coal (225 CNY/MWh, 0.9 t/MWh), a 5 MW line. A: demand 100 MW in 2025, 150 in 2030; B: 10.
    Peak year 2025 on A. Whatever A buys from B emits as A's own coal would, so E_A = 0.9 t/MWh × A's
    consumption: E25 = 0.9 × 2400 = 2160 t; 2030 must hold 0.9 × (3600 − shed) ≤ 2160, so it sheds
    1200 MWh (value of lost load 30 000 CNY/MWh). Buying and selling over the line in the same
    hour is free, but must not raise the peak year's count (which would leave 2030 free to emit).
      PV = (W25 + W30) × 24 h × 110 MW × 225 + W30 × 1200 × 30 000
         = 7.801692 × 594 000 + 3.336587 × 36 000 000 = 4 634 205 + 120 117 143 = 124 751 348 CNY."""
    line = lambda y: {**tech("line", y, 0, 40), "kind": "line", "carrier": "transmission", "fuel": None}
    cat = [coal(2025), coal(2030), line(2025), line(2030)]

    def case(y, d):
        ea = {"grid_co2_t_per_mwh": 0.9, "grid_non_fossil_fraction": 0.3}
        return {"name": f"p{y}", "year": y, "discount_rate": R, "time": {"hours": 24},
                "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": d}, "energy_accounting": ea},
                          {"name": "B", "demand": {"profile": prof("load"), "peak_mw": 10}}],
                "generators": [{"name": "cA", "bus": "A", "technology": "coal", "existing_mw": 200},
                               {"name": "cB", "bus": "B", "technology": "coal", "existing_mw": 20}],
                "lines": [{"name": "AB", "bus0": "A", "bus1": "B", "existing_mw": 5, "technology": "line"}]}
    p = write_pathway(tmp_path, {2025: case(2025, 100), 2030: case(2030, 150)}, cat,
                      [{"id": "peak", "kind": "carbon_peak", "peak_year": 2025, "buses": ["A"]}])
    expected = (W25 + W30) * 24 * 110 * COAL + W30 * 1200 * 30000
    assert expected == pytest.approx(124_751_348, rel=1e-6)
    for foresight in ("perfect", "myopic"):
        res = solve(p, foresight=foresight)
        row = res.carbon_peak.iloc[0]
        assert row.limit_t == pytest.approx(2160, rel=1e-6), foresight
        assert row.emissions_t == pytest.approx(2160, rel=1e-6), foresight
        assert res.periods[2030].summary()["shed_mwh"] == pytest.approx(1200, rel=1e-6), foresight
        assert res.objective == pytest.approx(expected, rel=1e-6), foresight


def test_carbon_peak_slack_without_growth(tmp_path):
    """The same system with 2030 demand 100 MW: 2030 runs all on coal, E30 = 2160 = E25, the row
    is met with equality yet has no price (dual 0: relaxing it saves nothing), so not binding;
    present value (W25 + W30) × 2400 × 225 = 7.801692 × 540 000 = 4 212 914 CNY."""
    p = coal_or_clean(tmp_path, demand_2030=100)
    res = solve(p)
    row = res.carbon_peak.iloc[0]
    assert row.emissions_t == pytest.approx(2160, rel=1e-6)
    assert not bool(row.binding)
    assert row.carbon_price_cny_per_t == pytest.approx(0, abs=1e-6)
    assert res.objective == pytest.approx((W25 + W30) * 2400 * COAL, rel=1e-6)


def test_carbon_cap_path_binds_below_the_peak(tmp_path):
    """The system of test_carbon_peak_binds_and_prices_carbon with ``cap_t: {2030: 1080}``:
    1080 t = 24 h × 50 MW × 0.9, so 2030 runs coal 50 MW and clean 100 MW. The peak row
    (E30 = 1080 < E25 = 2160) is slack, dual 0; the cap row binds with the same price
    175 / 0.9 = 194.444 CNY/t (dual −194.444 × W30 = −648.781).
    PV: W25 × 2400 × 225 + W30 × 24 × (50 × 225 + 100 × 400) = 2 411 157 + 4 104 002
      = 6 515 159 CNY.
    """
    p = coal_or_clean(tmp_path, demand_2030=150,
                      targets=[{"id": "peak", "kind": "carbon_peak", "peak_year": 2025, "cap_t": {2030: 1080}}])
    res = solve(p)
    cp = res.carbon_peak.set_index("kind")
    assert cp.loc["carbon_peak", "emissions_t"] == pytest.approx(1080, rel=1e-6)
    assert cp.loc["carbon_peak", "limit_t"] == pytest.approx(2160, rel=1e-6)
    assert not bool(cp.loc["carbon_peak", "binding"])
    assert cp.loc["carbon_peak", "dual_pv_cny_per_t"] == pytest.approx(0, abs=1e-6)
    assert cp.loc["carbon_cap", "limit_t"] == pytest.approx(1080, rel=1e-9)
    assert bool(cp.loc["carbon_cap", "binding"])
    assert cp.loc["carbon_cap", "carbon_price_cny_per_t"] == pytest.approx((400 - COAL) / CO2_COAL, rel=1e-6)
    assert cp.loc["carbon_cap", "dual_pv_cny_per_t"] == pytest.approx(-(400 - COAL) / CO2_COAL * W30, rel=1e-6)
    expected = W25 * 2400 * COAL + W30 * 24 * (50 * COAL + 100 * 400)
    assert expected == pytest.approx(6_515_159, rel=1e-6)
    assert res.objective == pytest.approx(expected, rel=1e-6)


# ---------------------------------------------------------------------------------------- 4
def gas_or_clean(tmp_path):
    """One bus, flat load 100 MW in 2025 and 2030, nothing standing; gas (1000 CNY/kW, fuel 360
    CNY/MWh) or clean (1100 CNY/kW, no running cost) may be built, life 10; 0 t CO2 allowed in 2030."""
    cat = [gas(2025, 1000), gas(2030, 1000), tech("clean", 2025, 1100, 10, clean=True),
           tech("clean", 2030, 1100, 10, clean=True)]
    g = lambda: [{"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 0, "max_mw": 1000},
                 {"name": "clean", "bus": "A", "technology": "clean", "existing_mw": 0, "max_mw": 1000}]
    return write_pathway(tmp_path, {2025: period_case(2025, 100, g()), 2030: period_case(2030, 100, g())}, cat,
                         [{"id": "cap", "kind": "carbon_peak", "peak_year": 2025, "cap_t": {2030: 0}}])


def test_myopia_costs_the_derived_amount(tmp_path):
    """Demand 100 MW in both periods, nothing standing. Two technologies, life 10 (a 2025 vintage
    stands in 2030): gas 1000 CNY/kW (fuel 360 CNY/MWh) and clean 1100 CNY/kW (no running cost),
    same capex in 2030. A cap path allows 0 t in 2030 (gas may not run then).

    Annual cost per MW in 2025 alone: gas 1000e3 × crf(.06,10) + 24 × 360 = 135 868 + 8 640 =
    144 508; clean 1100e3 × 0.135868 = 149 455 → the myopic 2025 builds gas 100 MW; its 2030 must
    then build clean 100 MW (the gas stands, idle, still paying its annuity).
    Perfect foresight, per MW serving both periods: clean in 2025: 1100e3 × 1.06 = 1 166 000;
    gas in 2025 then clean in 2030: 1000e3 × 1.06 + W25 × 24 × 360 + 1100e3 × 0.135868 × W30
    = 1 060 000 + 38 579 + 498 669 = 1 597 247 → clean 100 MW in 2025, nothing more.
      perfect PV = 100 × 1 166 000 = 116 600 000
      myopic  PV = 106 000 000 + 3 857 851 + 49 866 874 = 159 724 725
      cost of myopia = 43 124 725 CNY.
    """
    p = gas_or_clean(tmp_path)
    a_gas, a_clean = 1000e3 * crf(R, 10), 1100e3 * crf(R, 10)
    assert a_gas + 24 * GAS < a_clean                                  # premise of the myopic 2025
    perfect = 100 * a_clean * (W25 + W30)
    myopic = 100 * (a_gas * (W25 + W30) + W25 * 24 * GAS + a_clean * W30)
    assert perfect == pytest.approx(116_600_000, rel=1e-9)
    assert myopic == pytest.approx(159_724_725, rel=1e-6)

    per = solve(p, foresight="perfect")
    assert built(per, 2025, "clean") == pytest.approx(100, rel=1e-6)
    assert built(per, 2025, "gas") == pytest.approx(0, abs=1e-6)
    assert built(per, 2030, "clean") + built(per, 2030, "gas") == pytest.approx(0, abs=1e-6)
    assert per.objective == pytest.approx(perfect, rel=1e-6)

    myo = solve(p, foresight="myopic")
    assert myo.foresight == "myopic"
    assert built(myo, 2025, "gas") == pytest.approx(100, rel=1e-6)
    assert built(myo, 2025, "clean") == pytest.approx(0, abs=1e-6)
    assert built(myo, 2030, "clean") == pytest.approx(100, rel=1e-6)
    assert total(myo, 2030, "gas") == pytest.approx(100, rel=1e-6)     # stranded, still standing
    assert myo.objective == pytest.approx(myopic, rel=1e-6)

    from gridplan import foresight_comparison
    cmp = foresight_comparison(p).set_index("foresight")
    assert cmp.loc["perfect", "present_value_cny"] == pytest.approx(perfect, rel=1e-6)
    assert cmp.loc["myopic", "present_value_cny"] == pytest.approx(myopic, rel=1e-6)
    assert cmp.loc["myopic", "cost_of_myopia_cny"] == pytest.approx(myopic - perfect, rel=1e-6)
    assert cmp.loc["myopic", "cost_of_myopia_cny"] == pytest.approx(43_124_725, rel=1e-6)
    assert cmp.loc["myopic", "cost_of_myopia_cny"] > 0
    assert cmp.loc["perfect", "cost_of_myopia_cny"] == 0


def test_cli_solves_a_pathway_myopically_and_writes_its_builds(tmp_path):
    """``gridplan solve PATHWAY --foresight myopic --out DIR`` on the case of
    test_myopia_costs_the_derived_amount: builds.csv holds gas 100 MW in 2025 (standing until
    2025 + 10) and clean 100 MW in 2030, and the run's present value is the myopic 159 724 725 CNY
    derived there."""
    import json
    import pandas as pd
    p = gas_or_clean(tmp_path)
    out = tmp_path / "out"
    r = _cli("solve", p, "--foresight", "myopic", "--out", out)
    assert r.exit_code == 0, r.output
    b = pd.read_csv(out / "builds.csv")
    got = {(int(x.period), x.name): x.built for x in b.itertuples() if abs(x.built) > 1e-6}
    assert got.keys() == {(2025, "gas"), (2030, "clean")}
    assert got[2025, "gas"] == pytest.approx(100, rel=1e-6) and got[2030, "clean"] == pytest.approx(100, rel=1e-6)
    assert int(b[(b.period == 2025) & (b.name == "gas")].last_year.iloc[0]) == 2034      # 2025 + 10 − 1
    run = pd.read_csv(out / "pathway.csv").iloc[0]
    assert run.foresight == "myopic"
    a_gas, a_clean = 1000e3 * crf(R, 10), 1100e3 * crf(R, 10)
    myopic = 100 * (a_gas * (W25 + W30) + W25 * 24 * GAS + a_clean * W30)
    assert run.present_value_cny == pytest.approx(myopic, rel=1e-6)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest.get("foresight") == "myopic"


# ---------------------------------------------------------------------------------------- 5

def test_cli_writes_the_pathway_workbook_with_the_csv_figures(tmp_path):
    """``--excel`` (with ``--out``) adds results.xlsx: its builds sheet holds what builds.csv holds
    (gas 100 MW in 2025 under the myopic plan of test_myopia_costs_the_derived_amount, clean 100 MW in
    2030); without ``--out`` the flag is one error line, exit 2."""
    import pandas as pd
    p = gas_or_clean(tmp_path)
    out = tmp_path / "out"
    r = _cli("solve", p, "--foresight", "myopic", "--out", out, "--excel")
    assert r.exit_code == 0, r.output
    book = pd.read_excel(out / "results.xlsx", sheet_name=None)
    assert {"pathway", "present_value", "builds", "carbon_peak", "capacities"} <= set(book)
    b = book["builds"]
    got = {(int(x.period), x.name): x.built for x in b.itertuples() if abs(x.built) > 1e-6}
    assert got[2025, "gas"] == pytest.approx(100, rel=1e-6) and got[2030, "clean"] == pytest.approx(100, rel=1e-6)
    pd.testing.assert_frame_equal(b, pd.read_csv(out / "builds.csv"), check_dtype=False)
    r = _cli("solve", p, "--excel")
    assert r.exit_code == 2 and "--excel" in r.output

def test_short_lived_vintage_is_not_carried_and_is_paid_twice(tmp_path):
    """Demand 100 MW in both periods, nothing standing; gas of the 2025 catalogue lives 3 years
    (2025 ≤ 2030 < 2025 + 3 is false: it does not stand in 2030), of the 2030 catalogue 10.
    Capex 1000 CNY/kW both years.

    2025 must build 100 MW (standing 2025–2027); 2030 must build 100 MW again, and 2030's total is
    that 100 only (not 200). The 2025 vintage pays its annual cost only in 2025:
      100 × 1000e3 × crf(.06, 3) × W25 = 1e8 × 0.374110 × 4.465106 = 167 043 982
    + 100 × 1000e3 × crf(.06, 10) × W30 = 1e8 × 0.135868 × 3.336587 =  45 333 522
    + (W25 + W30) × 24 × 100 × 360 (gas runs 100 MW in both)       =   6 740 662
                                                                   → 219 118 166 CNY
    """
    cat = [gas(2025, 1000, life=3), gas(2030, 1000, life=10)]
    g = lambda: [{"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 0, "max_mw": 1000}]
    p = write_pathway(tmp_path, {2025: period_case(2025, 100, g()), 2030: period_case(2030, 100, g())}, cat)
    res = solve(p)
    assert built(res, 2025, "gas") == pytest.approx(100, rel=1e-6)
    assert built(res, 2030, "gas") == pytest.approx(100, rel=1e-6)
    assert total(res, 2030, "gas") == pytest.approx(100, rel=1e-6)
    b = res.builds.set_index("period")
    assert b.loc[2025, "last_year"] == 2027 and b.loc[2030, "last_year"] == 2039
    expected = (1e8 * crf(R, 3) * W25 + 1e8 * crf(R, 10) * W30 + (W25 + W30) * 24 * 100 * GAS)
    assert expected == pytest.approx(219_118_166, rel=1e-6)
    assert res.objective == pytest.approx(expected, rel=1e-6)


def test_fixed_om_of_builds_and_of_the_stock(tmp_path):
    """The retirement case (test_retirement_forces_a_build) with fixed O&M: gas 2 %/yr of its capex,
    the existing coal (2000 CNY/kW, 80 MW, 2025 only) 3 %/yr.

    A gas MW now costs a = 1000e3 × (crf(.06, 10) + 0.02) = 155 868 per year it stands; the choice
    is unchanged (20 MW in 2025, 80 in 2030: per MW 155 868 × (W25 + W30) = 1 216 034 in 2025 vs
    155 868 × W30 = 520 067 in 2030). The stock's fixed O&M is a constant of 2025:
    W25 × 80 × 2000e3 × 0.03 = 21 432 507. Present value:
      2 700 496 + 2 882 811                    (energy, as without O&M)
    + 20 × 155 868 × 7.801692 = 24 320 677     (2025 vintage)
    + 80 × 155 868 × 3.336587 = 41 605 356     (2030 vintage)
    + 21 432 507                               (coal stock O&M)  → 92 941 847 CNY
    """
    cat = [tech("gas", y, 1000, 10, fuel="gas", eff=0.5, fom=2) for y in (2025, 2030)] + \
          [tech("coal", y, 2000, 30, fuel="coal", eff=0.4, fom=3) for y in (2025, 2030)]
    g = lambda coal_mw: [{"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 0, "max_mw": 1000},
                         {"name": "coal", "bus": "A", "technology": "coal", "existing_mw": coal_mw}]
    p = write_pathway(tmp_path, {2025: period_case(2025, 100, g(80)), 2030: period_case(2030, 100, g(0))}, cat)
    res = solve(p)
    assert built(res, 2025, "gas") == pytest.approx(20, rel=1e-6)
    assert built(res, 2030, "gas") == pytest.approx(80, rel=1e-6)
    a = 1000e3 * (crf(R, 10) + 0.02)
    expected = (W25 * 24 * (80 * COAL + 20 * GAS) + W30 * 24 * 100 * GAS + 20 * a * (W25 + W30) + 80 * a * W30
                + W25 * 80 * 2000e3 * 0.03)
    assert expected == pytest.approx(92_941_847, rel=1e-6)
    assert res.objective == pytest.approx(expected, rel=1e-6)


def test_explicit_period_length_weights_the_last_period(tmp_path):
    """test_building_early_pays_when_capex_rises with ``years: 10`` for 2030:
    W30' = Σ_{k=5..14} 1.06^-k = 5.829878. The 2025 vintage (life 10) stands in 2030 (alive at the
    period's start) and pays there for all 10 years: per MW early 1000e3 × 0.135868 × (4.465106 +
    5.829878) = 1 398 758, late 3000e3 × 0.135868 × 5.829878 = 2 376 281 → still early. PV:
      W25 × 2400 × 225 + W30' × 2400 × 360 + 100 × 1 398 758
      = 2 411 157 + 5 037 015 + 139 875 845 = 147 324 017 CNY
    """
    cat = [gas(2025, 1000), gas(2030, 3000), coal(2025), coal(2030)]
    g = lambda coal_mw: [{"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 0, "max_mw": 1000},
                         {"name": "coal", "bus": "A", "technology": "coal", "existing_mw": coal_mw}]
    p = write_pathway(tmp_path, {2025: period_case(2025, 100, g(100)), 2030: period_case(2030, 100, g(0))}, cat)
    spec = yaml.safe_load(p.read_text(encoding="utf-8"))
    spec["periods"][1]["years"] = 10
    p.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    W30x = W(2030, 10)
    assert W30x == pytest.approx(5.829878, rel=1e-6)
    res = solve(p)
    assert built(res, 2025, "gas") == pytest.approx(100, rel=1e-6)
    expected = W25 * 2400 * COAL + W30x * 2400 * GAS + 100 * 1000e3 * crf(R, 10) * (W25 + W30x)
    assert expected == pytest.approx(147_324_017, rel=1e-6)
    assert res.objective == pytest.approx(expected, rel=1e-6)
    assert res.present_value.set_index("period").loc[2030, "weight"] == pytest.approx(W30x, rel=1e-9)


# ---------------------------------------------------------------------------------------- 6
def _cli(*args):
    from typer.testing import CliRunner
    from gridplan.cli import app
    return CliRunner().invoke(app, [str(a) for a in args])


def _two_cases(folder: Path, *, rate_2030: float = R, year_of_2030_case: int = 2030) -> None:
    cat = [gas(2025, 1000), gas(2030, 1000), gas(2035, 1000)]
    g = [{"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 0, "max_mw": 1000}]
    write_case_files(folder, period_case(2025, 100, g), {"load": [1.0] * 24}, file="a2025.yaml",
                     catalogue=cat, fuels=FUELS)
    c30 = {**period_case(2030, 100, g), "discount_rate": rate_2030, "year": year_of_2030_case}
    write_case_files(folder, c30, {"load": [1.0] * 24}, file="a2030.yaml", catalogue=cat, fuels=FUELS)


def _pathway_file(folder: Path, **spec) -> Path:
    full = {"name": "p", "periods": [{"year": 2025, "case": "a2025.yaml"}, {"year": 2030, "case": "a2030.yaml"}],
            **spec}
    path = folder / "pathway.yaml"
    path.write_text(yaml.safe_dump(full, sort_keys=False), encoding="utf-8")
    return path


def _one_error_line(r, *words):
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in r.output
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def test_periods_out_of_order_is_one_line(tmp_path):
    """2030 listed before 2025: periods[1].year (2025) is not after the period before (2030)."""
    _two_cases(tmp_path)
    p = _pathway_file(tmp_path, periods=[{"year": 2030, "case": "a2030.yaml"}, {"year": 2025, "case": "a2025.yaml"}])
    _one_error_line(_cli("solve", p), "pathway.yaml", "periods[1].year", "2025")


def test_period_case_of_another_year_is_one_line(tmp_path):
    """The 2030 period points at a case whose ``year`` is 2035."""
    _two_cases(tmp_path, year_of_2030_case=2035)
    p = _pathway_file(tmp_path)
    _one_error_line(_cli("solve", p), "pathway.yaml", "periods[1].case", "a2030.yaml", "2035")


def test_period_case_with_another_discount_rate_is_one_line(tmp_path):
    """The 2030 case discounts at 0.08, the pathway (the first case's) at 0.06."""
    _two_cases(tmp_path, rate_2030=0.08)
    p = _pathway_file(tmp_path)
    _one_error_line(_cli("solve", p), "pathway.yaml", "periods[1].case", "discount_rate")


def test_unknown_pathway_key_is_one_line(tmp_path):
    _two_cases(tmp_path)
    p = _pathway_file(tmp_path, foresite="myopic")
    _one_error_line(_cli("solve", p), "pathway.yaml", "foresite")


def test_peak_year_not_a_period_year_is_one_line(tmp_path):
    _two_cases(tmp_path)
    p = _pathway_file(tmp_path, targets=[{"id": "peak", "kind": "carbon_peak", "peak_year": 2027}])
    _one_error_line(_cli("solve", p), "pathway.yaml", "peak_year", "2027")


def test_foresight_on_a_single_year_case_is_one_line(tmp_path):
    _two_cases(tmp_path)
    _one_error_line(_cli("solve", tmp_path / "a2025.yaml", "--foresight", "myopic"), "--foresight")
    assert not (tmp_path / "results").exists()
