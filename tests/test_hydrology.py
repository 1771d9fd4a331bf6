"""Hydro years (issue #14): a dry, normal or wet year scales each basin's water month by month.

One bus A with a flat load of 100 MW and existing run-of-river hydro of 200 MW at availability 0.5
(100 MW: exactly the load in a normal year), imports at 300 CNY/MWh (up to 1,000 MW), nothing to
build and no fixed costs. The "year" is January (744 h) plus 1 February (24 h): 768 hours. Factors
of basin ``b``: January dry 0.6 / wet 1.2, February dry 1.5 / wet 2.5 (a wet February is the test
of the cap at 1), normal 1.

* normal: hydro 100 MW every hour, no import: objective 0.
* dry: January hydro 200 × 0.5 × 0.6 = 60 MW, import 40 MW × 744 h = 29,760 MWh × 300 CNY =
  8,928,000 CNY; February min(1, 0.5 × 1.5) = 0.75 → 150 MW >= 100, no import. Objective 8,928,000.
* wet: January 200 × 0.6 = 120 MW, February min(1, 1.25) = 1 → 200 MW; no import: objective 0,
  and the February availability is exactly 1 (the cap), January 0.6.
"""
from __future__ import annotations

import numpy as np
import pytest

import gridplan
from gridplan.case.hydrology import month_of_hour
from gridplan.case.prepare import prepare
from gridplan.errors import CaseError

from conftest import prof
from test_targets import _tech

H = 768
FUELS = [dict(fuel="gas", year=2030, price_cny_per_gj=50, co2_t_per_gj=0.05)]
TECHS = [_tech("hydro_ror", "hydro", "variable", 5, nf=True),
         _tech("hydro_reservoir", "hydro", "reservoir", 5, nf=True)]
FACTORS = "basin,month,dry,normal,wet\n" + "".join(
    f"b,{m},{0.6 if m == 1 else 1.5 if m == 2 else 0.8},1,{1.2 if m == 1 else 2.5 if m == 2 else 1.1}\n"
    for m in range(1, 13))


@pytest.fixture
def make(write_case, tmp_path):
    (tmp_path / "hydro_years.csv").write_text(FACTORS)
    n = iter(range(1000))

    def make(year="normal", basin="b", reservoir=False, **extra):
        bus = {"name": "A", "demand": {"profile": prof("flat"), "peak_mw": 100}}
        if basin is not None:
            bus["basin"] = basin
        case = {"name": "t", "time": {"hours": H}, "buses": [bus],
                "hydrology": {"year": year, "factors": "hydro_years.csv"},
                "generators": [{"name": "ror", "bus": "A", "technology": "hydro_ror", "existing_mw": 200,
                                "availability": prof("half")}],
                "exchanges": [{"name": "grid", "bus": "A", "max_import_mw": 1000, "import_cny_per_mwh": 300}],
                **extra}
        if reservoir:
            case["reservoirs"] = [{"name": "res", "bus": "A", "existing_mw": 50, "reservoir_mwh": 1000,
                                   "inflow": prof("flat", scale=10)}]
        path = write_case(case, {"flat": [1.0] * H, "half": [0.5] * H}, f"case{next(n)}.yaml", TECHS, FUELS)
        return gridplan.load_case(path)
    return make


def test_month_of_hour_follows_the_calendar():
    """Hour 743 is 31 January 23:00, 744 is 1 February; 8,759 is 31 December; a leap year's last
    day stays in December."""
    m = month_of_hour(8784)
    assert (m[743], m[744], m[1415], m[1416], m[8759], m[8783]) == (1, 2, 2, 3, 12, 12)
    assert np.bincount(month_of_hour(8760))[1:].tolist() == [d * 24 for d in
                                                             (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)]


@pytest.mark.parametrize("year, objective", [("normal", 0.0), ("dry", 8_928_000.0), ("wet", 0.0)])
def test_a_dry_year_buys_the_missing_water_at_the_import_price(make, year, objective):
    """The module docstring's three years: only the dry January imports 40 MW for 744 h."""
    res = gridplan.solve(make(year))
    assert res.objective == pytest.approx(objective, rel=1e-9, abs=1e-3)


def test_run_of_river_is_capped_at_its_capacity_and_a_reservoir_inflow_scales(make):
    """Wet: January availability 0.5 × 1.2 = 0.6, February min(1, 0.5 × 2.5) = 1. A reservoir's
    inflow 10 MW scales to 12 MW in January and 25 MW in February (no cap: it can store)."""
    data = prepare(make("wet", reservoir=True))
    a = data.avail[list(data.gens.index).index("ror")]
    assert a[:744] == pytest.approx(0.6) and a[744:] == pytest.approx(1.0)
    assert data.inflow[0, :744] == pytest.approx(12.0) and data.inflow[0, 744:] == pytest.approx(25.0)


def test_a_bus_with_hydro_must_name_its_basin(make):
    """A silent factor of 1 would report a dry year that is not dry: the missing basin is one line."""
    with pytest.raises(CaseError, match=r"buses\[A\]\.basin: got None; expected the river basin"):
        prepare(make("dry", basin=None))


def test_an_unknown_basin_is_named(make):
    with pytest.raises(CaseError, match=r"buses\[A\]\.basin: got 'jialing'; expected a basin of hydro_years.csv \(b\)"):
        prepare(make("dry", basin="jialing"))


def test_a_year_outside_dry_normal_wet_is_refused(make):
    with pytest.raises(CaseError, match=r"hydrology.year"):
        make("drought")


def test_a_dry_year_reports_the_share_it_misses_instead_of_shedding_load(make):
    """The dry year with a non-fossil share of total energy of 90 % (energy scope, k = 0.3, no other
    energy; imports 0 % non-fossil). Normal: hydro serves all 76,800 MWh, 100 %. Dry: hydro gives
    60 × 744 + 100 × 24 = 47,040 MWh, imports 29,760, share 47,040 / 76,800 = 61.25 %: the target is
    infeasible and the elastic shortfall is 90 − 61.25 = 28.75 pp. Shedding the 29,760 MWh of imports
    (892.8 M CNY at VoLL) would have read 100 % if unserved energy left the total: it counts as
    electricity with no non-fossil content, so shedding cannot raise the share."""
    share = [{"id": "nf", "kind": "non_fossil_share", "scope": "energy", "value": 0.9}]
    acc = {"coal_equivalent_tce_per_mwh": 0.3}
    normal = gridplan.solve(make("normal", targets=share, energy_accounting=acc))
    assert normal.targets.set_index("id").loc["nf", "achieved"] == pytest.approx(1.0)
    with pytest.raises(gridplan.SolveError, match="Infeasible"):
        gridplan.solve(make("dry", targets=share, energy_accounting=acc))
    el = gridplan.solve(make("dry", targets=share, energy_accounting=acc), elastic=True)
    row = el.targets.set_index("id").loc["nf"]
    assert row["achieved"] == pytest.approx(47_040 / 76_800, rel=1e-9)
    assert row["shortfall"] == pytest.approx(0.9 - 47_040 / 76_800, rel=1e-9)
    assert el.summary()["shed_mwh"] == pytest.approx(0.0, abs=1e-6)


def test_a_reservoir_spill_is_reported_as_curtailment(make):
    """Wet year with a reservoir of 50 MW turbine and 1,000 MWh of storage, inflow 10 MW × 1.2 in
    January and × 2.5 in February, and the run-of-river plant alone covering the load in the wet
    year (120 MW in January, 200 in February: more than the 100 MW load), no exports: all the
    reservoir's water is surplus. Its inflow 12 × 744 + 25 × 24 = 9,528 MWh must all be spilled or
    stored, and storage ends the (cyclic) year as it began, so spill + generation = 9,528 MWh and
    generation only displaces free hydro: the reported curtailment (spill) of the reservoir plus
    its generation is the inflow."""
    res = gridplan.solve(make("wet", reservoir=True))
    c = res.curtailment.loc["res"]
    assert c["available_mwh"] == pytest.approx(12 * 744 + 25 * 24)
    assert c["curtailed_mwh"] + c["generated_mwh"] == pytest.approx(12 * 744 + 25 * 24, rel=1e-6)
    assert res.objective == pytest.approx(0.0, abs=1e-3)


def test_the_refusal_names_the_three_years_plainly(make):
    """pydantic's "Input should be ..." is said as what was expected: the three years, no filler."""
    with pytest.raises(CaseError, match=r"hydrology\.year: got 'drought'; expected 'dry', 'normal' or 'wet'$"):
        make("drought")
