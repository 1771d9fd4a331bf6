"""The case file, as pydantic models.

A case is one YAML file plus CSV time series referenced by paths relative to
the case file. Every model forbids unknown keys (a typo must never be silently
ignored) and is frozen once validated. Units are those of the field names;
conversion to the model's units happens once, in :mod:`gridplan.case.prepare`.

Field docstrings double as the JSON schema's descriptions (``gridplan schema``).
"""
from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Annotated, Literal, Optional

from pydantic import AfterValidator, Field, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .fields import Fraction, Name, NonNeg, Number, OverrideValue, Positive, Strict, Text, Whole
from .targets import Target


class Profile(Strict):
    """A column of a CSV file, one row per hour of the year (or per snapshot)."""

    file: Text
    """CSV path, relative to the case file; must stay inside the case's root."""
    column: Text
    """Column name in that file."""
    scale: Optional[NonNeg] = None
    """Multiply the column by this (default: the owner's natural scale, see the owner)."""


# --------------------------------------------------------------------------- metadata

MAX_HOURS = 8784
"""Longest raw year a case may declare (a leap year), refused before any array is allocated."""
MAX_ROOT_UP = 1
"""How many folders above the case file its ``root`` may reach (``..``: cases/ beside data/)."""


def _at_most_a_leap_year(hours: int) -> int:
    """Profiles of more hours than a leap year are refused here, before any array is allocated
    (a typo like 87600 would otherwise allocate every series ten times over)."""
    if hours > MAX_HOURS:
        raise PydanticCustomError("too_many_hours", f"at most {MAX_HOURS} hours (a leap year)")
    return hours


class TimeSpec(Strict):
    hours: Annotated[Whole, Field(gt=0), AfterValidator(_at_most_a_leap_year)] = 8760
    """Length of the raw profiles in hours (rows expected in every profile CSV); at most a leap year,
    checked before anything is allocated."""
    resolution: Annotated[Whole, Field(ge=1, le=168)] = 1
    """Hours per snapshot after chronological averaging (1 = hourly). 3 gives 2920 snapshots of weight 3."""
    typical_days: Optional[Annotated[Whole, Field(ge=1, le=365)]] = None
    """Cluster the year into this many typical days (with storage linking across the year)."""


class TechnologySpec(Strict):
    catalogue: Text
    """CSV catalogue of technologies (path relative to the case file), filtered by the case's year."""
    fuels: Optional[Text] = None
    """CSV of fuel prices and emission factors (path relative to the case file)."""
    overrides: dict[Name, dict[Name, OverrideValue]] = {}
    """Per-technology overrides of catalogue columns, e.g. ``solar_utility: {capex_cny_per_kw: 2400}``."""


class EnergyAccounting(Strict):
    """Inputs of the non-fossil share of *total energy* (非化石能源消费比重, coal-equivalent method)."""

    coal_equivalent_tce_per_mwh: Annotated[Number, Field(gt=0, le=1)] = 0.30
    """tce of primary energy counted per MWh of primary (non-fossil or imported) electricity (发电煤耗法)."""
    fossil_other_tce: NonNeg = 0.0
    """Fossil energy consumed outside the power sector modelled here (tce per year)."""
    nonfossil_other_tce: NonNeg = 0.0
    """Non-fossil energy consumed outside electricity (tce per year: biomass heat, solar thermal...)."""
    electricity_tce_per_mwh: Annotated[Number, Field(gt=0, le=1)] = 0.1229
    """Calorific equivalent of electricity in final energy statistics (电热当量; GB/T 2589-2020:
    0.1229 kgce/kWh), used by `electricity_final_share` targets."""
    final_energy_other_tce: Optional[NonNeg] = None
    """Final energy consumed in other forms than electricity (tce per year: coal, oil, gas, heat...);
    required by an `electricity_final_share` target."""
    grid_non_fossil_fraction: Optional[Fraction] = None
    """A city's own accounting (`buses[].energy_accounting`): the non-fossil fraction at which the
    city's statistics count electricity bought from the grid over lines, i.e. its net line import
    (as the national statistics method counts purchased electricity); its net line export is
    deducted as fully non-fossil. Required by a city's share or CO2 target when the bus has lines."""
    grid_co2_t_per_mwh: Optional[NonNeg] = None
    """A city's own accounting: t CO2 its statistics charge per MWh of net line import (default 0)."""


# --------------------------------------------------------------------------- components


class Demand(Strict):
    profile: Profile
    """Hourly load per unit of peak (the column's max should be 1)."""
    peak_mw: NonNeg
    """Peak load in MW; the demand is profile × peak_mw."""


class Bus(Strict):
    name: Name
    demand: Optional[Demand] = None
    lat: Optional[Annotated[Number, Field(ge=-90, le=90)]] = None
    lon: Optional[Annotated[Number, Field(ge=-180, le=180)]] = None
    basin: Optional[Name] = None
    """River basin of the bus's hydro plants (a ``basin`` of ``hydrology.factors``): its hydro
    year multipliers scale their run-of-river availability and reservoir inflow."""
    energy_accounting: Optional[EnergyAccounting] = None
    """The city's own energy accounting (its non-electric energy, factors and how its statistics
    count electricity bought over lines): a target limited to buses that all have one sums their
    accounts instead of using the case's `energy_accounting`."""


class Generator(Strict):
    name: Name
    bus: Name
    technology: Name
    existing_mw: NonNeg = 0.0
    """Capacity already installed (not retired) in the case's year."""
    min_mw: NonNeg = 0.0
    """Floor on total capacity (existing + built): committed projects."""
    max_mw: Optional[NonNeg] = None
    """Ceiling on total capacity (resource potential, site limit); default = max(existing, min_mw): no expansion beyond a committed floor."""
    availability: Optional[Profile] = None
    """Hourly availability per unit of capacity (variable renewables); default 1."""
    must_run: Optional[Fraction] = None
    """Minimum output as a fraction of capacity in every snapshot."""
    ramp: Optional[Positive] = None
    """Ramp limit, fraction of capacity per hour."""
    capacity_credit: Optional[Fraction] = None
    """Firm contribution per MW (default: catalogue)."""
    forced_outage_rate: Optional[Annotated[Number, Field(ge=0, lt=1)]] = None
    """Forced (unplanned) outage rate f in [0, 1): every snapshot offers (1 - f) × availability × capacity
    (default: catalogue `forced_outage_rate`; blank there: 0)."""
    planned_outage_rate: Optional[Annotated[Number, Field(ge=0, lt=1)]] = None
    """Planned (maintenance) outage rate o in [0, 1): the year's energy is at most (1 - f)(1 - o) × hours ×
    capacity (default: catalogue `planned_outage_rate`; blank there: 0)."""

    @model_validator(mode="after")
    def _bounds(self):
        if self.max_mw is not None and self.min_mw > self.max_mw:
            raise ValueError(f"min_mw {self.min_mw} > max_mw {self.max_mw}")
        if self.max_mw is not None and self.existing_mw > self.max_mw:
            raise ValueError(f"existing_mw {self.existing_mw} > max_mw {self.max_mw}")
        return self


class Storage(Strict):
    name: Name
    bus: Name
    technology: Name
    existing_mw: NonNeg = 0.0
    existing_mwh: NonNeg = 0.0
    min_mw: NonNeg = 0.0
    max_mw: Optional[NonNeg] = None
    """Ceiling on power capacity; default = max(existing, min_mw)."""
    min_mwh: NonNeg = 0.0
    max_mwh: Optional[NonNeg] = None
    """Ceiling on energy capacity; default = unbounded when power is expandable, else existing."""
    min_duration_h: Optional[NonNeg] = None
    """Lower bound on energy/power (default: catalogue)."""
    max_duration_h: Optional[NonNeg] = None
    """Upper bound on energy/power (default: catalogue)."""
    capacity_credit: Optional[Fraction] = None

    @model_validator(mode="after")
    def _bounds(self):
        if self.max_mw is not None and self.min_mw > self.max_mw:
            raise ValueError(f"min_mw {self.min_mw} > max_mw {self.max_mw}")
        if self.max_mwh is not None and self.min_mwh > self.max_mwh:
            raise ValueError(f"min_mwh {self.min_mwh} > max_mwh {self.max_mwh}")
        if (self.min_duration_h is not None and self.max_duration_h is not None
                and self.min_duration_h > self.max_duration_h):
            raise ValueError("min_duration_h > max_duration_h")
        return self


class Reservoir(Strict):
    name: Name
    bus: Name
    technology: Name = "hydro_reservoir"
    existing_mw: NonNeg = 0.0
    min_mw: NonNeg = 0.0
    max_mw: Optional[NonNeg] = None
    """Ceiling on turbine capacity; default = max(existing, min_mw)."""
    reservoir_mwh: NonNeg
    """Usable reservoir volume, in MWh of electricity at the turbine."""
    inflow: Profile
    """Natural inflow per unit of `inflow.scale` (MW; default scale = existing_mw)."""
    min_release: Fraction = 0.0
    """Minimum release (turbine + spill) as a fraction of inflow in every snapshot."""
    seasonal: Optional[bool] = None
    """Seasonal-or-better regulation (季以上调节). Default: volume >= 5% of annual inflow (see prepare.py)."""
    capacity_credit: Optional[Fraction] = None


class Line(Strict):
    name: Name
    bus0: Name
    bus1: Name
    existing_mw: NonNeg = 0.0
    max_mw: Optional[NonNeg] = None
    """Ceiling on rating; default = existing (no expansion)."""
    length_km: NonNeg = 0.0
    reactance_ohm: Optional[Positive] = None
    """Series reactance; required for every line with `power_flow: dc` that is not `controllable`."""
    controllable: bool = False
    """A controllable link (an HVDC link or a back-to-back converter): its flow is set by its
    operator within its rating, so it takes no part in Kirchhoff's voltage law under
    `power_flow: dc` and needs no reactance (PyPSA's Link). Under `transport` every line is."""
    technology: Name = "line_500kv"
    firm_pu: Fraction = 1.0
    """Security-margin factor: the part of the rating (existing + built) a `firm_capacity` target
    limited to buses counts as secure supply when the line has exactly one end inside its buses."""


class DemandResponse(Strict):
    name: Name
    bus: Name
    existing_mw: NonNeg = 0.0
    """Capability already contracted."""
    max_mw: Optional[NonNeg] = None
    """Ceiling on capability (default: unbounded above existing)."""
    cost_cny_per_kw_yr: NonNeg = 0.0
    """Annual cost of contracting one kW of curtailable/shiftable load."""
    activation_cny_per_mwh: NonNeg = 0.0
    """Cost of each MWh actually curtailed."""
    max_hours_per_year: Optional[NonNeg] = None
    """Annual activation energy limit, in full-capability hours (energy <= hours × capability)."""


class Exchange(Strict):
    """Imports/exports with the outside grid at a boundary bus (equations:
    :mod:`gridplan.model.families.exchanges`)."""

    name: Name
    bus: Name
    max_import_mw: NonNeg = 0.0
    """Import capability that exists (MW)."""
    max_export_mw: NonNeg = 0.0
    """Export capability that exists (MW)."""
    import_cny_per_mwh: Number = 0.0
    """Price per MWh imported: the annual mean when `import_price_pu` is given (its hourly multiplier)."""
    export_cny_per_mwh: Number = 0.0
    """Revenue per MWh exported (reduces cost): the annual mean when `export_price_pu` is given."""
    co2_t_per_mwh: NonNeg = 0.0
    non_fossil_fraction: Fraction = 0.0
    import_price_pu: Optional[Profile] = None
    """Hourly multiplier (>= 0) of `import_cny_per_mwh` (default 1: a flat price), e.g. the outside
    grid's low wet-season and high dry-season prices; a column averaging 1 keeps the scalar the mean."""
    export_price_pu: Optional[Profile] = None
    """Hourly multiplier (>= 0) of `export_cny_per_mwh` (default 1)."""
    import_limit_pu: Optional[Profile] = None
    """Hourly fraction in [0, 1] of the import capability (max_import_mw + built) usable (default 1)."""
    export_limit_pu: Optional[Profile] = None
    """Hourly fraction in [0, 1] of the export capability (max_export_mw + built) usable (default 1),
    e.g. a boundary that takes no exports in the wet season."""
    build_max_mw: NonNeg = 0.0
    """Import capability that may be built (MW, default 0: none); each MW built raises both the
    import and the export capability by 1 MW, priced as a line (`technology`, `length_km`)."""
    technology: Name = "line_500kv"
    """Catalogue technology (kind line, per MW and km) pricing the capability built; read only
    when `build_max_mw` > 0."""
    length_km: NonNeg = 0.0
    """Length of the corridor built (km): its annual cost is the catalogue's per MW·km × this."""
    firm_mw: Optional[NonNeg] = None
    """Import capability counted as firm supply by firm_capacity targets, a constant (MW, default 0);
    or give `firm_pu` instead, not both."""
    firm_pu: Optional[Fraction] = None
    """Security-margin factor: firm supply = firm_pu × (max_import_mw + built), so a firm_capacity
    target may be met by building import capability (instead of `firm_mw`, not with it)."""

    @field_validator("firm_pu")
    @classmethod
    def _one_firm_rule(cls, firm_pu, info):
        if firm_pu is not None and info.data.get("firm_mw") is not None:
            raise PydanticCustomError("firm_twice", "either firm_mw (a constant) or firm_pu (a fraction of the "
                                      "import capability), not both: firm_mw is given too")
        return firm_pu


class GroupSpec(Strict):
    technologies: list[Name] = []
    """Technologies in the group."""
    flags: list[Literal["non_fossil", "renewable", "new_energy", "clean"]] = []
    """Or: every technology whose catalogue flag is true for all of these."""
    carriers: list[Name] = []
    """Or: every technology of these carriers."""
    capacity_weights: dict[Name, Positive] = {}
    """MW a target counts per MW of capacity of a member technology (default 1): e.g.
    ``solar_utility: 1.2`` to count PV in MW DC, as the plans do, when the catalogue's MW are AC.
    Applies where a target counts the group's capacity (installed_capacity, capacity_share)."""


class Hydrology(Strict):
    """Which hydro year the case is solved in (:mod:`gridplan.case.hydrology`)."""

    year: Literal["dry", "normal", "wet"] = "normal"
    """The column of ``factors`` applied: a dry year scales each basin's water down month by month."""
    factors: Text
    """CSV of monthly multipliers per river basin: columns basin, month (1-12), dry, normal, wet."""


class SolveSpec(Strict):
    voll_cny_per_mwh: NonNeg = 30000.0
    """Value of lost load: cost of each MWh of shed demand (always reported)."""
    co2_price_cny_per_t: NonNeg = 0.0
    power_flow: Literal["transport", "dc"] = "transport"


class Electrification(Strict):
    """The electrification lever (电能替代): fossil end uses (industrial heat, boilers, vehicles...)
    turned into electricity demand, an annual amount the model chooses within a range."""

    name: Name
    bus: Name
    min_mwh: NonNeg = 0.0
    """Committed electricity demand added per year (MWh/yr), a floor: min_mwh = max_mwh for a committed
    load such as planned EV charging."""
    max_mwh: NonNeg
    """Potential (MWh/yr): the most electricity these end uses could take per year, a ceiling."""
    profile: Profile
    """Shape of the added load over the year (any positive scale: it is normalised so the year's
    energy is the element's MWh); no `scale`."""
    displaced_tce_per_mwh: Positive
    """tce of fossil final energy no longer burnt per MWh of electricity used (end-use efficiency
    ratio × energy content of the fuel replaced)."""
    cost_cny_per_mwh: NonNeg
    """Annual cost per MWh/yr converted: end-use equipment annuity + O&M (the electricity itself is
    priced by the model). The fossil fuel no longer bought is not credited: energy used outside the
    power sector is not priced either. Required: a forgotten cost would make the lever free."""


# --------------------------------------------------------------------------- the case


class Case(Strict):
    name: Name
    year: Annotated[Whole, Field(ge=1990, le=2100)]
    description: str = ""
    currency: Literal["CNY"] = "CNY"
    discount_rate: Annotated[Number, Field(gt=0, lt=1)] = 0.06
    root: Text = "."
    """Folder (relative to the case file) that every referenced file must stay inside: the case's
    own folder (``.``), one below it, or at most one level up (``..``); never absolute (see
    :mod:`gridplan.case.load`)."""
    time: TimeSpec = TimeSpec()
    technologies: TechnologySpec
    options: SolveSpec = SolveSpec()
    energy_accounting: EnergyAccounting = EnergyAccounting()
    hydrology: Optional[Hydrology] = None
    """Solve in a dry, normal or wet hydro year; without it the profiles are used as they are."""
    groups: dict[Name, GroupSpec] = {}
    """Named technology groups used by targets (`all` and one per carrier exist implicitly)."""
    buses: list[Bus] = Field(min_length=1)
    generators: list[Generator] = []
    storage: list[Storage] = []
    reservoirs: list[Reservoir] = []
    lines: list[Line] = []
    demand_response: list[DemandResponse] = []
    exchanges: list[Exchange] = []
    electrification: list[Electrification] = []
    """Fossil end uses that may turn into electricity demand (电能替代)."""
    targets: list[Target] = []

    _path: Optional[Path] = PrivateAttr(default=None)
    """The file this case was read from; relative paths resolve from its folder."""

    @field_validator("root")
    @classmethod
    def _root_near_the_case(cls, root: str) -> str:
        return root_rule(root)

    @field_validator("buses", "generators", "storage", "reservoirs", "lines",
                     "demand_response", "exchanges", "electrification", "targets")
    @classmethod
    def _unique_names(cls, items):
        seen = set()
        for i, it in enumerate(items):
            key = getattr(it, "name", None) or getattr(it, "id")
            if key in seen:
                raise ValueError(f"duplicate name {key!r} at position {i}")
            seen.add(key)
        return items


def root_rule(root: str) -> str:
    """``root`` is a relative folder reaching at most :data:`MAX_ROOT_UP` levels above the case
    file: a case received from someone else must not make gridplan read ``/etc`` or a home folder
    (every referenced file must then stay inside this root, see :mod:`gridplan.case.readers`)."""
    text = root.replace("\\", "/")
    if text.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", text):
        raise PydanticCustomError("root_absolute", "a folder relative to the case file (e.g. . or ..), not an absolute path")
    parts = posixpath.normpath(text or ".").split("/")
    up = parts.count("..")  # normpath leaves every ".." at the front
    if up > MAX_ROOT_UP:
        raise PydanticCustomError("root_too_high",
                                  f"a folder at most {MAX_ROOT_UP} level above the case file (e.g. . or ..)")
    return root
