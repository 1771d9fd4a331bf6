"""A time-varying boundary and an import capability that can be built (issue #14, items 1, 2, 5).

One bus A, a "year" of a few hours (``time: {hours: H}``, weights 1, flat demand 100 MW unless
said), one exchange ``grid`` with the outside grid. Catalogue written here with *annual* costs
(capex = annual / crf(6 %, 10 y), no fixed O&M, no variable O&M), as in tests/test_targets.py:

* gas: 50 CNY/GJ / 0.5 → 360 CNY/MWh, credit 0.9, 10 CNY/kW-yr = 10 000 CNY/MW-yr;
* solar: free to run (no fuel, no O&M);
* battery: round trip 0.81 (0.9 each way), no standing loss, power 10 CNY/MW-yr and energy
  10 CNY/MWh-yr (the capex columns set to 0.01 CNY per kW and per kWh of annual cost);
* line: 6000 CNY per MW and km and year (a line technology prices a corridor per MW·km).
"""
from __future__ import annotations

import numpy as np
import pytest

import gridplan
from gridplan.errors import CaseError

from conftest import crf, prof
from test_targets import LIFE, RATE, _tech

GAS = 360.0                                           # CNY/MWh
BATTERY = _tech("battery", "storage", "storage", 0.01, credit=0.0)
BATTERY.update(roundtrip_efficiency=0.81, standing_loss_pct_per_h=0, capex_cny_per_kwh=0.01 / crf(RATE, LIFE))
TECHS = [
    _tech("gas", "gas", "dispatchable", 10, fuel="gas", eff=0.5, credit=0.9),
    _tech("solar", "solar", "variable", 1, nf=True),
    BATTERY,
    _tech("line", "transmission", "line", 6000),
]
FUELS = [dict(fuel="gas", year=2030, price_cny_per_gj=50, co2_t_per_gj=0.05)]


@pytest.fixture
def make(write_case):
    n = iter(range(1000))

    def make(profiles, H=2, **case):
        full = {"name": "t", "discount_rate": RATE, "time": {"hours": H},
                "buses": [{"name": "A", "demand": {"profile": prof("flat"), "peak_mw": 100}}], **case}
        return gridplan.load_case(write_case(full, {"flat": [1.0] * H, **profiles}, f"case{next(n)}.yaml",
                                             TECHS, FUELS))

    return make


def _built(res, name, component=None):
    c = res.capacities
    c = c if component is None else c[c["component"] == component]
    return float(c.set_index("name").loc[name, "built"])


# --------------------------------------------------------------------------- hourly prices


def test_wet_and_dry_prices_pay_a_battery(make):
    """Two snapshots: wet (t0) and dry (t1). Import 300 CNY/MWh × import_price_pu (0.5, 1.5) =
    150 then 450; export 200 × export_price_pu (0.5, 1.5) = 100 then 300. Import capability
    400 MW, export 100 MW; demand 100 MW; a battery may be built (no generator).

    Per MW of battery P charged in t0 (imported at 150) and discharged 0.81 MWh in t1, with
    0.9 MWh of energy per MW (bought at 10 CNY/MWh-yr) and 10 CNY/MW-yr of power: its cost is
    150 + 10 + 0.9·10 = 169 CNY. The first 100/0.81 MW displace dry imports (0.81 · 450 = 364.5
    > 169); the next ones export at 300 (0.81 · 300 = 243 > 169) until the export capability
    binds: 0.81 P = 100 + 100, P = 200/0.81 = 246.914 MW, E = 0.9 P = 222.222 MWh. (With the
    flat prices 300 and 200 no battery pays: 0.81·300 < 300 + 19.) Imports 100 + P in t0, 0 in
    t1; export 100 MW in t1. Objective = 150 (100 + P) − 300·100 + 19 P = −15 000 + 169 P =
    26 728.40 CNY."""
    case = make({"wet_dry": [0.5, 1.5]},
                storage=[{"name": "bat", "bus": "A", "technology": "battery", "max_mw": 1000}],
                exchanges=[{"name": "grid", "bus": "A", "max_import_mw": 400, "max_export_mw": 100,
                            "import_cny_per_mwh": 300, "export_cny_per_mwh": 200,
                            "import_price_pu": prof("wet_dry"), "export_price_pu": prof("wet_dry")}])
    res = gridplan.solve(case)
    P = 200 / 0.81
    assert P == pytest.approx(246.914, abs=1e-3)
    cap = res.capacities.set_index(["component", "name"])
    assert cap.loc[("storage", "bat"), "built"] == pytest.approx(P, rel=1e-6)
    assert cap.loc[("storage_energy", "bat"), "built"] == pytest.approx(0.9 * P, rel=1e-6)
    assert res.value("import_p")[0] == pytest.approx([100 + P, 0.0], abs=1e-6)
    assert res.value("export_p")[0] == pytest.approx([0.0, 100.0], abs=1e-6)
    assert res.objective == pytest.approx(-15_000 + 169 * P, rel=1e-6)
    assert res.objective == pytest.approx(26_728.40, abs=0.01)
    # the dispatch frame carries the exchange's net injection: imports positive, exports negative
    d = res.dispatch[res.dispatch["component"] == "exchange"].set_index("snapshot")["mw"]
    assert d.to_numpy() == pytest.approx([100 + P, -100.0], abs=1e-6)
    s = res.summary()
    assert s["import_mwh"] == pytest.approx(100 + P, rel=1e-6) and s["export_mwh"] == pytest.approx(100.0)

    flat = make({}, storage=[{"name": "bat", "bus": "A", "technology": "battery", "max_mw": 1000}],
                exchanges=[{"name": "grid", "bus": "A", "max_import_mw": 400, "max_export_mw": 100,
                            "import_cny_per_mwh": 300, "export_cny_per_mwh": 200}])
    res = gridplan.solve(flat)
    assert _built(res, "bat", "storage") == pytest.approx(0.0, abs=1e-6)
    assert res.objective == pytest.approx(2 * 100 * 300)


def test_export_limit_curtails_free_solar(make):
    """Free solar 300 MW existing, available all the time; demand 100 MW; exports up to 200 MW
    paid 100 CNY/MWh, export_limit_pu (1, 0.25): in t0 100 MW local + 200 exported, in t1 the
    boundary takes 0.25 · 200 = 50 MW, so solar makes 150 MW and 150 MWh are curtailed (of
    600 available). Objective = −100 · (200 + 50) = −25 000 CNY (no other cost)."""
    case = make({"exp_lim": [1.0, 0.25]},
                generators=[{"name": "pv", "bus": "A", "technology": "solar", "existing_mw": 300,
                             "availability": prof("flat")}],
                exchanges=[{"name": "grid", "bus": "A", "max_export_mw": 200, "export_cny_per_mwh": 100,
                            "export_limit_pu": prof("exp_lim")}])
    res = gridplan.solve(case)
    assert res.value("export_p")[0] == pytest.approx([200.0, 50.0])
    c = res.curtailment.loc["pv"]
    assert c["available_mwh"] == pytest.approx(600.0)
    assert c["curtailed_mwh"] == pytest.approx(150.0)
    assert res.objective == pytest.approx(-25_000.0)
    # nothing can be built: the limits are column bounds, no build column, no row
    lp = res.ctx.lp
    assert "exchange_build" not in lp.vars and not {"exchange_import_max", "exchange_export_max"} & set(lp.cons)
    assert lp.vars["export_p"].upper.tolist() == pytest.approx([200.0, 50.0])


# --------------------------------------------------------------------------- a corridor for firm capacity


@pytest.mark.parametrize("firm_pu, length_km, corridor, peaker, dual", [
    # corridor 6000·1/0.8 = 7 500 CNY per firm MW-yr < peaker 10 000/0.9 = 11 111: build it
    (0.8, 1.0, 22 / 0.8, 0.0, 6.0 / 0.8),
    # firm_pu 0.5: 12 000 > 11 111, the peaker (existing 10 MW count 5, short 25 MW firm)
    (0.5, 1.0, 0.0, 25 / 0.9, 10 / 0.9),
    # 2 km at 0.8: 6000·2/0.8 = 15 000 > 11 111, the peaker (existing count 8, short 22)
    (0.8, 2.0, 0.0, 22 / 0.9, 10 / 0.9),
])
def test_import_corridor_against_a_peaker(make, firm_pu, length_km, corridor, peaker, dual):
    """Three hours. A needs 120 MW firm; its existing gas 100 MW counts 0.9 · 100 = 90 and the
    existing import capability 10 MW counts firm_pu · 10. The rest comes from a new peaker
    (10 000 CNY/MW-yr, credit 0.9: 11 111 per firm MW) or from building import capability B
    (6000 CNY/MW-km-yr × length, counted × firm_pu: 6000 L / firm_pu per firm MW).
    Energy never needs either: imports cost 1000 CNY/MWh > gas 360, and gas covers the load.

    * firm_pu 0.8, 1 km: short 120 − 90 − 8 = 22 MW firm, B = 22/0.8 = 27.5 MW, dual 7.5 CNY/kW-yr,
      objective = 3 · 100 · 360 + 6000 · 27.5 = 108 000 + 165 000 = 273 000 CNY;
    * firm_pu 0.5, 1 km: short 120 − 90 − 5 = 25, peaker 25/0.9 = 27.78 MW, dual 11.11 CNY/kW-yr,
      objective 108 000 + 10 000 · 27.78 = 385 777.78;
    * firm_pu 0.8, 2 km: 12 000/0.8 = 15 000 per firm MW: short 22, peaker 22/0.9 = 24.44 MW,
      objective 108 000 + 10 000 · 24.44 = 352 444.44."""
    gens = [{"name": "gas_a", "bus": "A", "technology": "gas", "existing_mw": 100},
            {"name": "peaker_a", "bus": "A", "technology": "gas", "max_mw": 1000}]
    case = make({}, 3, generators=gens,
                exchanges=[{"name": "grid", "bus": "A", "max_import_mw": 10, "import_cny_per_mwh": 1000,
                            "build_max_mw": 1000, "technology": "line", "length_km": length_km,
                            "firm_pu": firm_pu}],
                targets=[{"id": "firm_a", "kind": "firm_capacity", "value": 120, "buses": ["A"]}])
    res = gridplan.solve(case)
    r = res.targets.set_index("id").loc["firm_a"]
    cap = res.capacities.set_index("name")
    assert cap.loc["grid", "component"] == "exchange"
    assert cap.loc["grid", "existing"] == pytest.approx(10.0)
    assert cap.loc["grid", "built"] == pytest.approx(corridor, abs=1e-6)
    assert cap.loc["peaker_a", "built"] == pytest.approx(peaker, abs=1e-6)
    assert r["achieved"] == pytest.approx(120.0) and r["binding"]
    assert r["dual"] == pytest.approx(dual) and r["dual_unit"] == "CNY/kW-yr"
    assert res.objective == pytest.approx(108_000 + 6000 * length_km * corridor + 10_000 * peaker)
    assert res.value("import_p").sum() == pytest.approx(0.0, abs=1e-6)
    costs = res.costs.set_index("term")["cny"]
    assert costs["exchange_build"] == pytest.approx(6000 * length_km * corridor, abs=1e-3)
    # exchanges (corridors) stay out of capacity by bus, as lines do
    assert "import" not in set(res.capacity_by_bus().index.get_level_values("technology"))


def test_built_capability_raises_both_limits(make):
    """Two hours, no generator: demand 100 MW met by imports at 100 CNY/MWh over an exchange with
    no existing capability, buildable at 6000 CNY/MW-km-yr × 0.01 km = 60 CNY/MW-yr, with
    import_limit_pu (1, 0.5): the dry hour needs B · 0.5 >= 100, B = 200 MW. Objective =
    2 · 100 · 100 + 60 · 200 = 32 000 CNY. The export capability is B · export_limit_pu, (0, 200)
    with export_limit_pu (0, 1): read back from the LP rows (exp[t] − B · f[t] <= 0)."""
    case = make({"imp_lim": [1.0, 0.5], "exp_lim": [0.0, 1.0]},
                exchanges=[{"name": "grid", "bus": "A", "import_cny_per_mwh": 100, "build_max_mw": 1000,
                            "technology": "line", "length_km": 0.01, "import_limit_pu": prof("imp_lim"),
                            "export_limit_pu": prof("exp_lim")}])
    res = gridplan.solve(case)
    assert _built(res, "grid") == pytest.approx(200.0)
    assert res.value("import_p")[0] == pytest.approx([100.0, 100.0])
    assert res.objective == pytest.approx(32_000.0)
    cb = res.ctx.lp.cons["exchange_export_max"]
    build_col = res.ctx.lp.vars["exchange_build"].cols[0]
    coef = np.zeros(2)
    on = cb.cols == build_col
    np.add.at(coef, cb.rows[on] - cb.offset, cb.vals[on])
    assert coef == pytest.approx([0.0, -1.0]) and cb.upper == pytest.approx([0.0, 0.0])


# --------------------------------------------------------------------------- time reduction


def test_profiles_are_averaged_under_resolution(make):
    """Four hours at resolution 2: import_price_pu (0.5, 1.5, 2, 0) averages to (1, 1);
    export_limit_pu (1, 0, 0.5, 0.5) to (0.5, 0.5); the other series stay 1."""
    case = make({"p": [0.5, 1.5, 2.0, 0.0], "l": [1.0, 0.0, 0.5, 0.5]}, 4,
                exchanges=[{"name": "grid", "bus": "A", "max_import_mw": 200, "max_export_mw": 50,
                            "import_price_pu": prof("p"), "export_limit_pu": prof("l")}])
    data = gridplan.prepare(case, resolution=2)
    assert data.import_price_pu.tolist() == [[1.0, 1.0]]
    assert data.export_limit_pu.tolist() == [[0.5, 0.5]]
    assert data.export_price_pu.tolist() == [[1.0, 1.0]] and data.import_limit_pu.tolist() == [[1.0, 1.0]]


def test_typical_days_keep_the_exchange_series(make):
    """A full hourly year: import_price_pu 0.5 in the first 182 days (wet), 1.5 after; the import
    limit 1 by day and 0.5 by night (hours 0-5). Under 4 typical days prices and limits keep their
    medoid days' values, not rescaled (``Series.rescale``): every typical price is 0.5 or 1.5 and
    every typical limit hour 0.5 or 1. The days come in two kinds, so each cluster holds one kind
    and the annual sums (Σ weights · value) still come out exactly: prices 182·24·0.5 + 183·24·1.5
    = 8772, limits 365·(18 + 3) = 7665."""
    H = 8760
    day = np.arange(H) // 24
    price = np.where(day < 182, 0.5, 1.5)
    limit = np.where(np.arange(H) % 24 < 6, 0.5, 1.0)
    case = make({"p": price, "l": limit}, H,
                exchanges=[{"name": "grid", "bus": "A", "max_import_mw": 200,
                            "import_price_pu": prof("p"), "import_limit_pu": prof("l")}])
    data = gridplan.prepare(case, typical_days=4)
    w = data.weights
    assert data.import_price_pu[0] @ w == pytest.approx(182 * 24 * 0.5 + 183 * 24 * 1.5)
    assert data.import_limit_pu[0] @ w == pytest.approx(365 * (18 + 3))
    assert set(np.round(data.import_price_pu[0], 12)) <= {0.5, 1.5}
    assert set(np.round(data.import_limit_pu[0], 12)) == {0.5, 1.0}
    assert data.export_price_pu.tolist() == [[1.0] * 96]     # no profile: 1, untouched by the rescaling


# --------------------------------------------------------------------------- bad input


def _problems(case) -> list:
    with pytest.raises(CaseError) as info:
        gridplan.prepare(case)
    return list(getattr(info.value, "problems", [info.value]))


def test_import_limit_above_one_is_one_error(make):
    """import_limit_pu 1.2 in row 3 of profiles.csv (hour 1) is refused, one line naming the field;
    a price multiplier of 1.5 (export_price_pu) is not capped at 1."""
    case = make({"lim": [1.0, 1.2], "price": [0.5, 1.5]},
                exchanges=[{"name": "grid", "bus": "A", "max_import_mw": 200, "max_export_mw": 10,
                            "import_limit_pu": prof("lim"), "export_price_pu": prof("price")}])
    (p,) = _problems(case)
    assert p.field == "exchanges[grid].import_limit_pu"
    assert str(p).endswith("exchanges[grid].import_limit_pu: got 'profiles.csv:lim row 3 = 1.2'; expected "
                           "fractions of the import capability <= 1 per unit of capacity (a profile in MW "
                           "needs scale: 1/MW)")
    assert "\n" not in str(p)


def test_negative_price_multiplier_is_one_error(make):
    case = make({"price": [1.0, -0.5]},
                exchanges=[{"name": "grid", "bus": "A", "max_import_mw": 200, "import_price_pu": prof("price")}])
    (p,) = _problems(case)
    assert p.field == "exchanges[grid].import_price_pu" and "values >= 0" in str(p)


def test_firm_pu_with_firm_mw_is_one_error(make):
    with pytest.raises(CaseError) as info:
        make({}, exchanges=[{"name": "grid", "bus": "A", "max_import_mw": 200, "firm_mw": 100, "firm_pu": 0.5}])
    (p,) = getattr(info.value, "problems", [info.value])
    assert p.field == "exchanges[grid].firm_pu"
    assert "either firm_mw" in str(p) and "not both" in str(p) and "\n" not in str(p)


def test_buildable_exchange_needs_a_line_technology(make):
    """build_max_mw > 0 reads the technology (default line_500kv, not in this catalogue); an exchange
    that builds nothing never reads it."""
    case = make({}, exchanges=[{"name": "grid", "bus": "A", "max_import_mw": 200, "build_max_mw": 10,
                                "length_km": 5}, {"name": "fixed", "bus": "A", "max_import_mw": 100}])
    (p,) = _problems(case)
    assert p.field == "exchanges[grid].technology" and "line_500kv" in str(p)
    case = make({}, exchanges=[{"name": "grid", "bus": "A", "max_import_mw": 200, "build_max_mw": 10,
                                "technology": "gas", "length_km": 5}])
    (p,) = _problems(case)
    assert p.field == "exchanges[grid].technology" and "kind line" in str(p)


def test_buildable_exchange_needs_a_length(make):
    """At the default length 0 every MW built would cost nothing: one line naming length_km."""
    case = make({}, exchanges=[{"name": "grid", "bus": "A", "max_import_mw": 200, "build_max_mw": 10,
                                "technology": "line"}])
    (p,) = _problems(case)
    assert p.field == "exchanges[grid].length_km" and "km > 0" in str(p)
