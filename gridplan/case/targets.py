"""Policy target kinds: what a planner writes, what it measures, in which units — one table.

Every target kind is one entry of :data:`KINDS`: its case-file fields (a pydantic model),
one *measure* function, its unit, its row unit and its default sense. The report
(:mod:`gridplan.report`), the penalties (:func:`prepare_targets`) and the batch tables read
the table; the model's target family (:mod:`gridplan.model.families.targets`) turns every
measure into one row the same way. **Adding a kind** is one model class, one measure
function and one entry in this file.

A measure function ``measure(q, t) -> (num, den, value)`` reads only *registered
quantities* — ``q.total(quantity, group=None)`` sums what the families contributed to a
quantity at the target's buses (see :data:`gridplan.model.context.QUANTITIES`:
``capacity``, ``seasonal_capacity``, ``firm_capacity``, ``dr_capability``, ``generation``,
``non_fossil_energy``, ``primary_electricity``, ``co2``, ``fuel``, ``unserved_energy``,
``electrification``, ``displaced_fossil``, ``grid_import``, ``grid_export``, ``grid_co2``),
plus ``q.demand_mwh``, ``q.peak`` (MW, sum of the buses' annual maximum loads: peak_mw plus committed
electrification at the peak hour), ``q.group(name)``,
``q.accounting`` (the energy accounting of the target's scope, see *Per-city accounting*) and
``q.per_city`` (True when that accounting is the sum of the buses' own). It returns linear expressions (they
support ``+ - *`` with numbers; nothing here imports the model) and the plan's number:

* ``den is None``: the target is ``num (sense) value`` in the kind's unit;
* otherwise a share: ``num / den (sense) value``, written linearly as
  ``num − s·den (sense) 0`` in row units, with ``s`` the value after the hedge.

| kind | num | den | row unit | dual reported as |
|---|---|---|---|---|
| non_fossil_share, electricity | non-fossil energy | demand + X | MWh | CNY/MWh of NF energy (+ CNY per pp) |
| non_fossil_share, energy | k·NF + NFo | fuel + k·(primary electricity + unserved) + (Fo − Δ) + NFo | tce | CNY/tce (+ per pp) |
| electricity_final_share | c·(demand + X − unserved) | c·(demand + X − unserved) + (other final − Δ) | tce | CNY/tce (+ per pp) |
| installed_capacity | capacity of the group | — | MW | CNY/kW-yr |
| capacity_share | capacity of the group | capacity of of_group | MW | CNY/kW-yr (+ per pp) |
| seasonal_hydro | seasonal capacity | (share: hydro capacity) | MW | CNY/kW-yr |
| demand_response | DR capability | Σ peak | MW | CNY/kW-yr (+ per pp) |
| firm_capacity | firm capacity (+ firm_pu × rating of lines with one end inside) | — (value, or (1+m)·Σ peak) | MW | CNY/kW-yr |
| co2_cap | CO2 (+ grid CO2, per-city) | — | t | CNY/t |
| generation | generation of the group | — | MWh | CNY/MWh |

(k the coal-equivalent factor, c the calorific equivalent of electricity 0.1229 tce/MWh;
Fo/NFo the case's fossil/non-fossil energy consumed outside the modelled power sector;
X the electricity demand electrification adds and Δ the fossil final energy it displaces,
both at the target's buses: the fossil no longer burnt leaves Fo and the other final energy,
the electricity replacing it joins the demand.)
*Non-fossil energy* counts generation × its non-fossil fraction, minus storage losses,
imports at the outside mix's fraction φ and exports deducted as fully non-fossil, so no
city raises its share by exporting or by cycling surplus hydro through a battery.
*Primary electricity* is what the coal-equivalent method counts as primary energy at k:
non-fossil generation net of storage losses, and net imports whatever their origin (local
fossil generation is counted by the fuel it burns instead). A target limited to some
buses counts only the quantities registered at those buses: flows on internal lines into
them are not credited with any mix (conservative), unless the buses keep their own accounts.

*Per-city accounting.* A target limited to buses that all carry their own
``buses[].energy_accounting`` reads the sum of those accounts (``scope_accounting``: the tce
amounts added; ``coal_equivalent_tce_per_mwh``, ``electricity_tce_per_mwh`` and
``grid_non_fossil_fraction`` shared, else a CaseError; some buses with and some without is a
CaseError too); any other target reads the case's ``energy_accounting``. A per-city scope counts
as its statistics do the electricity its cities buy over lines (option (a) of issue #15: the
national statistics method for purchased electricity): each city's net line import at the
accounts' fraction φ (``grid_non_fossil_fraction``) and at its ``grid_co2_t_per_mwh``, its net
line export deducted as fully non-fossil — ``non_fossil_energy``, ``primary_electricity`` and
``co2_counted`` below, the one place these formulas live (``Results.city_accounts`` reads them
too). Why this one: (b), a non-fossil attribute flowing with the power in both directions of
every line, doubles the flow variables and credits a city with whichever MWh of the mix the
optimiser likes best (the attribute is free to route), a statistic no city publishes; (c),
proportional sharing (each bus's mix is the flow-weighted mix of its inflows), is a product of
flows and mixes, bilinear, not an LP. With (a) nothing is counted twice: Σ over cities of NF
counted = NF generated + Σ_n (φ·import_n − export_n) <= NF generated, since Σ_n import_n =
Σ_n export_n (lines are lossless and every line flow leaves one city and enters another), and
φ <= 1 — exports are debited at 1, imports credited at φ. A scope of several cities is the sum of
its cities' statistics: trade between two of them counts at φ − 1 per MWh (conservative).

Hedges: ``hard`` rows hold exactly; ``about`` (左右) relaxes the bound to the edge of the
band (value − tolerance for floors, + for ceilings; default tolerance :data:`BAND`
absolute for shares, relative to the value otherwise) — over-achieving a floor is never
penalised; ``strive`` (力争) gets a shortfall variable priced at ``penalty`` unless
``strict: true``. In *elastic* mode every target that is not already soft gets a shortfall
priced at the row unit's elastic penalty, so the results name each target that cannot be
met. Penalties are given in the units of the reported dual (:data:`ROW_UNITS`), so a
strive target is missed exactly when its marginal cost of meeting would exceed its penalty.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Callable, Literal, Optional, Union

import pandas as pd
from pydantic import Field, model_validator

from ..errors import CaseError
from .fields import Fraction, Name, NonNeg, Strict, Text, Whole

BAND = 0.02
"""Default half-width of an ``about`` band: 2 percentage points for shares, 2 % of the value otherwise."""


# --------------------------------------------------------------------------- fields of every kind


class Source(Strict):
    file: Text
    """Seed file name of the plan, e.g. 000_774919e0b0df30d8.txt."""
    line: Annotated[Whole, Field(ge=1)]
    quote: Text
    """Exact quote of the plan's sentence."""


class TargetBase(Strict):
    id: Name
    description: str = ""
    hedge: Literal["hard", "about", "strive"] = "hard"
    """hard: 达到/以上/不低于; about: 左右 (a tolerance band); strive: 力争 (soft, penalised unless `strict`)."""
    tolerance: Optional[NonNeg] = None
    """For `about`: half-width of the band, in the target's units (default 0.02 for shares, 2% of value otherwise)."""
    penalty: Optional[NonNeg] = None
    """Penalty per unit of shortfall for `strive`, in the units of the target's reported dual (CNY/MWh, CNY/tce, CNY/kW-yr, CNY/t); default set by the target kind."""
    strict: bool = False
    """Treat a `strive` target as hard."""
    source: Optional[Source] = None
    buses: Optional[list[Name]] = None
    """Buses the target covers (default: all)."""


# --------------------------------------------------------------------------- the kinds, one by one


class NonFossilShare(TargetBase):
    kind: Literal["non_fossil_share"]
    scope: Literal["electricity", "energy"]
    value: Fraction
    sense: Literal[">=", "<="] = ">="


def demand_with_electrification(q):
    """MWh of electricity demand: the buses' base demand plus what electrification adds."""
    return q.demand_mwh + q.total("electrification")


# --------------------------------------------------------------------------- what a scope's statistics count
# One formula per statistic, read by the measures below and by ``Results.city_accounts``.


def non_fossil_energy(q):
    """MWh of non-fossil electricity the scope's statistics count: the registered
    ``non_fossil_energy``; for a per-city scope (``q.per_city``) plus φ × its net line imports
    minus its net line exports, deducted as fully non-fossil (as exchanges are), with φ the
    accounts' ``grid_non_fossil_fraction``."""
    nf = q.total("non_fossil_energy")
    if q.per_city:
        phi = q.accounting.grid_non_fossil_fraction or 0.0
        nf = nf + q.total("grid_import") * phi - q.total("grid_export")
    return nf


def primary_electricity(q):
    """MWh of primary electricity (coal-equivalent method): the registered ``primary_electricity``;
    for a per-city scope plus its net line imports minus its net line exports."""
    pe = q.total("primary_electricity")
    if q.per_city:
        pe = pe + q.total("grid_import") - q.total("grid_export")
    return pe


def co2_counted(q):
    """t CO2: the registered ``co2``; for a per-city scope plus ``grid_co2`` (net line imports ×
    each city's ``grid_co2_t_per_mwh``)."""
    c = q.total("co2")
    return c + q.total("grid_co2") if q.per_city else c


def energy_share_terms(q):
    """Non-fossil share of total energy (coal-equivalent method, 发电煤耗法), (num, den) in tce:
    (k·NF + NFo) / (fuel + k·(primary electricity + unserved) + (Fo − displaced fossil) + NFo).

    Unserved energy (load shed) counts in the total as electricity with no non-fossil content: the
    plan's target is against the demand it must serve, so shedding load can never raise the share.
    Without it, a dry year in which Leshan's 50 % cannot be met "met" it by shedding 11 TWh at VoLL
    (imports, counted at φ = 0.2, fell with the load) instead of reporting the shortfall."""
    ea = q.accounting
    k = ea.coal_equivalent_tce_per_mwh
    num = non_fossil_energy(q) * k + ea.nonfossil_other_tce
    den = (q.total("fuel") + (primary_electricity(q) + q.total("unserved_energy")) * k
           + (ea.fossil_other_tce + ea.nonfossil_other_tce) - q.total("displaced_fossil"))
    return num, den


def electricity_final_terms(q):
    """Electricity's share of final energy, (num, den) in tce: c·(demand + X − unserved) over
    that + (other final energy − displaced fossil)."""
    ea = q.accounting
    elec = (demand_with_electrification(q) - q.total("unserved_energy")) * ea.electricity_tce_per_mwh
    return elec, elec + (ea.final_energy_other_tce - q.total("displaced_fossil"))


def city_account(q) -> dict:
    """One city's statistics (``Results.city_accounts``), by the measures' own formulas: name →
    an expression (or a number), shares as ``(num, den)`` (None where the accounts lack the input)."""
    return {"demand_mwh": demand_with_electrification(q), "non_fossil_mwh": non_fossil_energy(q),
            "grid_import_mwh": q.total("grid_import"), "grid_export_mwh": q.total("grid_export"),
            "co2_t": co2_counted(q), "non_fossil_share_energy": energy_share_terms(q),
            "electricity_final_share": (electricity_final_terms(q)
                                        if q.accounting.final_energy_other_tce is not None else None)}


def non_fossil_share(q, t):
    """Electricity: NF / (demand + electrification). Energy: :func:`energy_share_terms`."""
    if t.scope == "electricity":
        return non_fossil_energy(q), demand_with_electrification(q), t.value
    num, den = energy_share_terms(q)
    return num, den, t.value


class ElectricityFinalShare(TargetBase):
    kind: Literal["electricity_final_share"]
    value: Fraction
    """Electricity's share of final energy consumption (电能占终端能源消费比重)."""
    sense: Literal[">=", "<="] = ">="


def final_energy_given(case, t, file) -> list:
    """Without the non-electric final energy the share would read 100 % and be met silently
    (per-city scopes: every bus's own accounting must give it)."""
    expected = f"tce per year of non-electric final energy (target {t.id} is an electricity_final_share)"
    own = own_accounts(case, t.buses)
    if own:
        return [CaseError(file, f"buses[{b}].energy_accounting.final_energy_other_tce", None, expected)
                for b, ea in own.items() if ea.final_energy_other_tce is None][:1]
    if case.energy_accounting.final_energy_other_tce is not None:
        return []
    return [CaseError(file, "energy_accounting.final_energy_other_tce", None, expected)]


def electricity_final_share(q, t):
    """Electricity consumed (demand + electrification − unserved, at the calorific equivalent c)
    over final energy (that electricity + the case's other final energy − the fossil that
    electrification displaces). Without electrification elements demand is an input, and the row
    checks that the case's demand carries the plan's electrification; only shedding moves it."""
    num, den = electricity_final_terms(q)
    return num, den, t.value


class GroupTarget(TargetBase):
    """A floor (or ceiling) on an amount of one technology group."""

    group: Name
    sense: Literal[">=", "<="] = ">="


class InstalledCapacity(GroupTarget):
    kind: Literal["installed_capacity"]
    value: NonNeg
    """MW."""


def installed_capacity(q, t):
    return q.total("capacity", q.group(t.group)), None, t.value


class CapacityShare(TargetBase):
    kind: Literal["capacity_share"]
    group: Name
    of_group: Name = "all"
    value: Fraction
    sense: Literal[">=", "<="] = ">="


def capacity_share(q, t):
    return q.total("capacity", q.group(t.group)), q.total("capacity", q.group(t.of_group)), t.value


class SeasonalHydro(TargetBase):
    kind: Literal["seasonal_hydro"]
    value: NonNeg
    """MW if unit is MW, a fraction of all hydro capacity if unit is share."""
    unit: Literal["MW", "share"] = "MW"
    hydro_group: Name = "hydro"


def seasonal_hydro(q, t):
    seasonal = q.total("seasonal_capacity")
    if t.unit == "MW":
        return seasonal, None, t.value
    return seasonal, q.total("capacity", q.group(t.hydro_group)), t.value


class DemandResponseTarget(TargetBase):
    kind: Literal["demand_response"]
    value: Fraction
    """Capability as a share of peak load."""


def demand_response(q, t):
    return q.total("dr_capability"), q.peak, t.value


class FirmCapacity(TargetBase):
    kind: Literal["firm_capacity"]
    value: Optional[NonNeg] = None
    """MW of firm supply (电网安全负荷)."""
    reserve_margin: Optional[NonNeg] = None
    """Alternatively: firm supply >= (1 + margin) × peak load."""

    @model_validator(mode="after")
    def _one(self):
        if (self.value is None) == (self.reserve_margin is None):
            raise ValueError("give exactly one of value (MW) or reserve_margin")
        return self


def firm_capacity(q, t):
    value = t.value if t.value is not None else (1 + t.reserve_margin) * q.peak
    return q.total("firm_capacity"), None, value


class Co2Cap(TargetBase):
    kind: Literal["co2_cap"]
    value: NonNeg
    """t CO2 per year."""


def co2_cap(q, t):
    return co2_counted(q), None, t.value


class Generation(GroupTarget):
    kind: Literal["generation"]
    value: NonNeg
    """MWh per year."""


def generation(q, t):
    return q.total("generation", q.group(t.group)), None, t.value


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class RowUnit:
    """What a target row is counted in, and what its shortfall costs by default."""

    dual_unit: str
    dual_factor: float
    """Reported dual = row dual (CNY per row unit) × this."""
    strive_penalty: float
    """Default price of a strive target's shortfall, in dual units (a policy judgement)."""
    elastic_penalty: float
    """Price of a shortfall in elastic diagnosis, in dual units: far above any cost of meeting."""


ROW_UNITS = {
    "MWh": RowUnit("CNY/MWh", 1.0, 500.0, 1.0e5),
    "tce": RowUnit("CNY/tce", 1.0, 1500.0, 3.0e5),
    "MW": RowUnit("CNY/kW-yr", 1.0 / 1000.0, 500.0, 1.0e5),   # CNY/MW-yr → CNY/kW-yr
    "t": RowUnit("CNY/t", 1.0, 300.0, 1.0e5),
}


@dataclass(frozen=True)
class TargetKind:
    schema: type
    measure: Callable
    unit: str | Callable
    """Of the value, required and achieved: share, MW, MWh, t (or a function of the target)."""
    row_unit: str | Callable
    """Of the row, its shortfall and penalty: MWh, tce, MW, t (or a function of the target)."""
    sense: str = ">="
    """Used when the kind has no ``sense`` field of its own."""
    counts_energy_by_group: bool = False
    """Reads the annual energy of a technology group: generators pooled at a bus must not
    straddle that group (:mod:`gridplan.model.pooling`)."""
    value_text: Callable | None = None
    """How the report prints the plan's number when it is not a plain ``value``."""
    check: Callable | None = None
    """``check(case, t, file) -> [CaseError]``: what the kind needs of the rest of the case
    (run with every other check by :func:`gridplan.case.checks.check_case`)."""

    def unit_of(self, t) -> str:
        return self.unit(t) if callable(self.unit) else self.unit

    def row_unit_of(self, t) -> str:
        return self.row_unit(t) if callable(self.row_unit) else self.row_unit

    def sense_of(self, t) -> str:
        return getattr(t, "sense", self.sense)


KINDS: dict[str, TargetKind] = {
    "non_fossil_share": TargetKind(NonFossilShare, non_fossil_share, "share",
                                   lambda t: "MWh" if t.scope == "electricity" else "tce"),
    "electricity_final_share": TargetKind(ElectricityFinalShare, electricity_final_share, "share", "tce",
                                          check=final_energy_given),
    "installed_capacity": TargetKind(InstalledCapacity, installed_capacity, "MW", "MW"),
    "capacity_share": TargetKind(CapacityShare, capacity_share, "share", "MW"),
    "seasonal_hydro": TargetKind(SeasonalHydro, seasonal_hydro, lambda t: t.unit, "MW"),
    "demand_response": TargetKind(DemandResponseTarget, demand_response, "share", "MW"),
    "firm_capacity": TargetKind(FirmCapacity, firm_capacity, "MW", "MW",
                                value_text=lambda t: t.value if t.value is not None
                                else f"(1+{t.reserve_margin})×peak"),
    "co2_cap": TargetKind(Co2Cap, co2_cap, "t", "t", sense="<="),
    "generation": TargetKind(Generation, generation, "MWh", "MWh", counts_energy_by_group=True),
}

Target = Annotated[Union[tuple(k.schema for k in KINDS.values())], Field(discriminator="kind")]
"""Any target of the case file, told apart by its ``kind``."""


# --------------------------------------------------------------------------- read by the rest


def kind_of(t) -> TargetKind:
    return KINDS[t.kind]


def value_of(t):
    """The number the plan writes (a text for values derived in the model, e.g. reserve margins)."""
    k = kind_of(t)
    return k.value_text(t) if k.value_text else t.value


def required(t, value: float, is_share: bool) -> float:
    """The bound the model enforces after the hedge: 左右 relaxes to the band's edge."""
    if t.hedge != "about":
        return value
    tol = t.tolerance if t.tolerance is not None else (BAND if is_share else BAND * value)
    return value - tol if kind_of(t).sense_of(t) == ">=" else value + tol


# --------------------------------------------------------------------------- per-city accounting

EQUAL_ACROSS_CITIES = ("coal_equivalent_tce_per_mwh", "electricity_tce_per_mwh", "grid_non_fossil_fraction")
"""Factors a scope of several cities must share (they multiply a sum); the tce amounts are added."""
SUMMED = ("fossil_other_tce", "nonfossil_other_tce", "final_energy_other_tce")
CITY_KINDS = ("non_fossil_share", "electricity_final_share", "co2_cap")
"""The kinds that read the scope's accounts (``q.accounting``, ``q.per_city``): their buses' accounts
must sum, and a city with lines needs ``grid_non_fossil_fraction`` (its net line imports count)."""
GRID_FRACTION_EXPECTED = "the non-fossil fraction at which the city's statistics count electricity bought over lines"


def line_buses(case) -> set:
    """Buses at either end of a line."""
    return {b for ln in case.lines for b in (ln.bus0, ln.bus1)}


def purchase_buses(case) -> set:
    """Buses whose own accounts count their net purchases over lines: a line, and an own
    ``energy_accounting`` with a ``grid_non_fossil_fraction`` (the lines family adds their
    ``grid_import``/``grid_export``; the checks below require the fraction where a target needs it)."""
    own = {b.name: b.energy_accounting for b in case.buses}
    return {n for n in line_buses(case) if own.get(n) is not None and own[n].grid_non_fossil_fraction is not None}


def own_accounts(case, buses) -> dict:
    """Bus name → its own ``energy_accounting``, for the target's buses that have one (none when
    the target has no ``buses``: a case-wide target uses the case's accounting)."""
    if not buses:
        return {}
    by_name = {b.name: b for b in case.buses}
    return {n: by_name[n].energy_accounting for n in buses
            if n in by_name and by_name[n].energy_accounting is not None}


def accounting_problem(case, buses, tid, file):
    """The one :class:`CaseError` of a scope whose accounts cannot be summed, or None: some buses
    with an own accounting and some without, or factors that differ between them."""
    own = own_accounts(case, buses)
    if not own:
        return None
    missing = [b for b in buses if b not in own]
    if missing:
        return CaseError(file, f"buses[{missing[0]}].energy_accounting", None,
                         f"an energy_accounting of its own, as {', '.join(own)} of target {tid} have "
                         "(a target sums its buses' own accounts or uses the case's, never both)")
    first, ea0 = next(iter(own.items()))
    for f in EQUAL_ACROSS_CITIES:
        for b, ea in own.items():
            if getattr(ea, f) != getattr(ea0, f):
                return CaseError(file, f"buses[{b}].energy_accounting.{f}", getattr(ea, f),
                                 f"{getattr(ea0, f)!r} as at bus {first}: target {tid} sums the accounts of "
                                 f"{', '.join(own)}, which must share this factor")
    return None


def scope_accounting(case, buses, tid="", file=""):
    """``(accounting, per_city)`` of a target's buses: the sum of their own accounts (tce amounts
    added, factors shared; ``grid_co2_t_per_mwh`` stays per city, in the ``grid_co2`` quantity)
    when they all have one, else the case's ``energy_accounting``. Raises the scope's
    :func:`accounting_problem` (the checks report it first)."""
    problem = accounting_problem(case, buses, tid, file)
    if problem is not None:
        raise problem
    own = list(own_accounts(case, buses).values())
    if not own:
        return case.energy_accounting, False
    if len(own) == 1:
        return own[0], True
    summed = {f: (None if any(getattr(ea, f) is None for ea in own) else sum(getattr(ea, f) for ea in own))
              for f in SUMMED}
    return own[0].model_copy(update={**summed, "grid_co2_t_per_mwh": None}), True


def check_city_accounts(case, file) -> list:
    """Per-city targets: accounts that can be summed, and on buses with lines a
    ``grid_non_fossil_fraction`` (else the city's purchases over lines would go uncounted)."""
    out = []
    with_lines = line_buses(case)
    for t in case.targets:
        if t.kind not in CITY_KINDS:     # the other kinds read no accounts
            continue
        problem = accounting_problem(case, t.buses, t.id, file)
        if problem is not None:
            out.append(problem)
            continue
        for b, ea in own_accounts(case, t.buses).items():
            if b in with_lines and ea.grid_non_fossil_fraction is None:
                out.append(CaseError(file, f"buses[{b}].energy_accounting.grid_non_fossil_fraction", None,
                                     f"{GRID_FRACTION_EXPECTED} (target {t.id} counts the city's net "
                                     "line imports; the bus has lines)"))
                break
            if b in with_lines and t.kind == "co2_cap" and ea.grid_co2_t_per_mwh is None:
                out.append(CaseError(file, f"buses[{b}].energy_accounting.grid_co2_t_per_mwh", None,
                                     f"t CO2 per MWh bought over the lines (target {t.id} caps the city's CO2; "
                                     "without it purchases would count as emission-free)"))
                break
            if (b in with_lines and t.kind == "non_fossil_share" and t.sense == "<="
                    and ea.grid_non_fossil_fraction < 1):
                # buying and selling in the same hour lowers the count by (1 − φ) per MWh at no cost:
                # an LP cannot forbid it, so a ceiling would be met by bookkeeping
                out.append(CaseError(file, f"targets[{t.id}].sense", "<=",
                                     ">= for a city whose purchases over lines count below 1 non-fossil "
                                     f"(bus {b}: a ceiling could be met by buying and selling at once)"))
                break
    return list({str(p): p for p in out}.values())


def shared_firm_lines(case, file) -> list:
    """A line's firm rating may be counted by one bus-limited firm target only: two cities each
    counting the same line as secure supply would count it twice (the line carries it once)."""
    scopes = [(t.id, set(t.buses)) for t in case.targets if t.kind == "firm_capacity" and t.buses]
    out = []
    for ln in case.lines:
        counting = [tid for tid, sc in scopes if (ln.bus0 in sc) != (ln.bus1 in sc)]
        if len(counting) > 1 and ln.firm_pu > 0:
            out.append(CaseError(file, f"lines[{ln.name}].firm_pu", ln.firm_pu,
                                 f"0, or one firm_capacity target across the line (targets {', '.join(counting)} "
                                 "would each count its rating as secure supply)"))
    return out


def check_targets(case, file) -> list:
    """The kinds' own checks of every target (:attr:`TargetKind.check`) and the per-city accounts."""
    return check_city_accounts(case, file) + shared_firm_lines(case, file) + [
        p for t in case.targets if kind_of(t).check for p in kind_of(t).check(case, t, file)]


def counts_fossil_outside_power(t) -> bool:
    """The target reads energy consumed outside the power sector (``fossil_other_tce``,
    ``final_energy_other_tce``), from which electrification's displaced fossil is deducted."""
    return t.kind == "electricity_final_share" or (t.kind == "non_fossil_share" and t.scope == "energy")


def is_soft(t) -> bool:
    """A strive target that is not strict: missed at its penalty rather than forced."""
    return t.hedge == "strive" and not t.strict


def prepare_targets(targets, money: float) -> pd.DataFrame:
    """One row per target: row unit, softness and shortfall prices, in dual units and in model
    money per row unit (``money`` model units per CNY). Read by the model's target family."""
    rows = []
    for t in targets:
        ru = kind_of(t).row_unit_of(t)
        u = ROW_UNITS[ru]
        strive = (t.penalty if t.penalty is not None else u.strive_penalty) if is_soft(t) else None
        rows.append({"id": t.id, "kind": t.kind, "row_unit": ru, "soft": is_soft(t),
                     "penalty": strive, "elastic_penalty": u.elastic_penalty,
                     "penalty_model": None if strive is None else strive / u.dual_factor * money,
                     "elastic_penalty_model": u.elastic_penalty / u.dual_factor * money})
    return pd.DataFrame(rows, columns=["id", "kind", "row_unit", "soft", "penalty", "elastic_penalty",
                                       "penalty_model", "elastic_penalty_model"]).set_index("id")


def energy_groups(targets, groups: dict) -> list[set]:
    """Technology sets whose annual energy some target counts (pools must not straddle them)."""
    return [groups[t.group] for t in targets if kind_of(t).counts_energy_by_group and t.group in groups]
