"""Validated :class:`Case` → :class:`CaseData`: every number the model reads, in model units.

:func:`prepare` does four things, each in its own module:

1. **read** the files the case names (:mod:`gridplan.case.readers`): the catalogue for
   the case's year with its overrides, fuels, hourly profiles, every path kept inside
   the case's root;
2. **check** the case against them (:mod:`gridplan.case.checks`) and raise every
   problem at once, one line each (:class:`~gridplan.errors.CaseProblems`); checking
   stops early only where a problem makes the rest meaningless (a catalogue that cannot
   be read or lacks columns, overrides that do not fit it, a fuels table that cannot be read);
3. **convert** each component family to a frame in model units
   (:mod:`gridplan.case.convert`: MW, MWh, h, t CO2, tce; money in :data:`MONEY`
   units, kCNY), and the targets' shortfall prices (:func:`gridplan.case.targets.prepare_targets`,
   handed :data:`MONEY`) — units are converted here and nowhere else, so no family imports MONEY;
4. **assemble** :class:`CaseData`, with the time axis reduced to ``time.resolution``
   hours per snapshot (chronological averages weighted by the hours they stand for, so
   annual energies are exact), then typical days if asked for; electrification shapes are
   normalised on the final snapshots, so an element's MWh/yr is exactly its year's energy.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import convert, hydrology, relaxation
from .checks import check_case, check_cells, check_columns, check_overrides, check_rows, raise_problems
from .convert import MONEY, build_groups
from .readers import (CATALOGUE_COLUMNS, CATALOGUE_NUMERIC, FUEL_COLUMNS, FUEL_NUMERIC, CaseFiles,
                      catalogue_for_year, catalogue_years, fuels_for_year, read_profiles, with_overrides)
from ..errors import CaseError, GridplanError
from .schema import Case
from .targets import energy_groups, prepare_targets

log = logging.getLogger(__name__)


@dataclass
class CaseData:
    """Everything the model needs, as indexed frames and arrays in model units."""

    case: Case
    weights: np.ndarray                 # (T,) hours each snapshot stands for
    snapshot_hour: np.ndarray           # (T,) hour of year at which each snapshot starts
    prev: np.ndarray                    # (T,) index of the previous snapshot (cyclic)
    buses: pd.Index
    demand: np.ndarray                  # (N, T) MW
    peak: np.ndarray                    # (N,) MW: annual maximum load, peak_mw + committed electrification at its hour
    tech: pd.DataFrame                  # catalogue rows used, indexed by technology
    gens: pd.DataFrame
    avail: np.ndarray                   # (G, T) per unit
    storage: pd.DataFrame
    reservoirs: pd.DataFrame
    inflow: np.ndarray                  # (R, T) MW
    lines: pd.DataFrame
    dr: pd.DataFrame
    exchanges: pd.DataFrame
    import_price_pu: np.ndarray         # (X, T) multiplier of each exchange's import price (1: flat)
    export_price_pu: np.ndarray         # (X, T) multiplier of its export revenue
    import_limit_pu: np.ndarray         # (X, T) usable fraction of its import capability, in [0, 1]
    export_limit_pu: np.ndarray         # (X, T) usable fraction of its export capability, in [0, 1]
    electrification: pd.DataFrame      # by element: bus, MWh/yr range, tce displaced per MWh, cost per MWh/yr
    electrification_shape: np.ndarray   # (E, T) MW per MWh/yr of added load: Σ_t w_t shape[e, t] = 1
    voll: float                         # value of lost load, model money per MWh shed
    targets: pd.DataFrame               # by target id: row unit, softness, penalties (gridplan.case.targets)
    groups: dict = field(default_factory=dict)   # group name -> set of technologies
    group_weights: dict = field(default_factory=dict)  # group name -> {technology: MW counted per MW}
    energy_groups: list = field(default_factory=list)  # technology sets whose energy a target counts
    cny_per_model_money: float = 1.0 / MONEY      # CNY per model money unit (dual scales, reports)
    typical_day_of: np.ndarray | None = None  # (T,) typical day of each snapshot (None: chronological)
    day_sequence: np.ndarray | None = None  # (365,) typical day standing for each calendar day
    duration: np.ndarray | None = None  # (T,) real hours one snapshot lasts (= weights unless days are clustered)
    clustering: object | None = None    # how typical days were chosen (gridplan.case.typical_days)
    prepare_s: float = 0.0              # seconds spent reading, converting and reducing
    warnings: list = field(default_factory=list)  # plausibility warnings (CaseError lines), by validate_data
    unreachable: list = field(default_factory=list)  # hard targets the build ranges cannot meet, by validate_data
    relaxed: bool = False               # the averaged year as a relaxation of the hourly one (case/relaxation.py)
    must_run_floor: np.ndarray | None = None  # (G, T) relaxed: the block means of the hourly must-run floors

    def __post_init__(self):
        if self.duration is None:
            self.duration = self.weights.copy()

    @property
    def T(self) -> int:
        return len(self.weights)

    @property
    def snapshots(self) -> pd.Index:
        return pd.RangeIndex(self.T, name="snapshot")


@dataclass
class CaseInputs:
    """What the case's files hold, read and checked."""

    catalogue: pd.DataFrame             # rows of the case's year, overrides applied, by technology
    fuels: pd.DataFrame                 # price_cny_per_gj, co2_t_per_gj by fuel
    profiles: dict                      # (case field, element name, field) -> raw hourly column
    groups: dict                        # group name -> set of technologies
    hydro_factors: dict | None = None   # basin -> 12 monthly multipliers of the case's hydro year


# --------------------------------------------------------------------------- read and check


def read_inputs(case: Case, resolution: int | None = None, typical_days: int | None = None) -> CaseInputs:
    """Read every file the case names and check the case against them.

    ``resolution`` and ``typical_days``: the time settings the run will use (default: the
    case's), checked with the rest. Raises :class:`~gridplan.errors.CaseProblems` with every
    problem found (see the module docstring for where it stops early).
    """
    inputs, problems = inspect_inputs(case, resolution, typical_days)
    raise_problems(problems)
    return inputs


def inspect_inputs(case: Case, resolution: int | None = None,
                   typical_days: int | None = None) -> tuple[CaseInputs, list]:
    """:func:`read_inputs` without raising the problems it can list together: ``(inputs, problems)``.
    What makes the rest meaningless (a catalogue or fuels table that cannot be read, lacks a
    column, a row or a whole-number year, repeats a row; overrides that do not fit it) is raised."""
    files = CaseFiles(case)
    cat, years, cells = _catalogue(case, files)
    fuels, fuel_cells = _fuels(case, files)
    profiles = read_profiles(case, files)
    groups = build_groups(case, cat)
    factors, hydro_problems = hydrology.read_factors(case, files)
    problems = [*cells, *fuel_cells, *files.problems, *hydro_problems,
                *hydrology.check_basins(case, factors, hydrology.hydro_buses(case, cat), files.file),
                *check_case(case, cat, fuels, profiles, groups, years, typical_days, resolution)]
    return CaseInputs(cat, fuels, profiles, groups, factors), located(case, problems)


def located(case: Case, problems: list) -> list:
    """The problems with their field paths (``generators[gy_wind].technology``) as the case file's
    own places: for a workbook, its sheet, row and column (:class:`gridplan.case.excel.Places`);
    a YAML case's paths are its places already."""
    places = getattr(case, "_places", None)
    if places is None:
        return problems
    return [CaseError(p.file, places.at_field(p.field), p.value, p.expected) for p in problems]


def _catalogue(case: Case, files: CaseFiles) -> tuple[pd.DataFrame, dict, list]:
    """(the year's catalogue with overrides, the years of each technology, problems of its cells)."""
    spec = case.technologies
    table, cells = _table(files, spec.catalogue, "technologies.catalogue", CATALOGUE_COLUMNS, "catalogue")
    cat = catalogue_for_year(table, case.year)
    raise_problems(check_overrides(case, cat, files.file))
    return with_overrides(cat, spec.overrides), catalogue_years(table), cells


def _fuels(case: Case, files: CaseFiles) -> tuple[pd.DataFrame, list]:
    rel = case.technologies.fuels
    if rel is None:
        return fuels_for_year(None, case.year), []
    table, cells = _table(files, rel, "technologies.fuels", FUEL_COLUMNS, "fuels")
    return fuels_for_year(table, case.year), cells


def _table(files: CaseFiles, rel: str, field_path: str, columns, what: str) -> tuple[pd.DataFrame, list]:
    """A CSV every later check reads: stop at once if it cannot be read, lacks a column or a row,
    has a year that is not a whole number or repeats a row; then the problems of its number cells
    (listed with every other problem)."""
    table = files.table(rel, field_path)
    raise_problems(files.problems)
    path = files.resolve(rel, field_path)
    raise_problems(check_columns(table, columns, path, what))
    cells = files.cells(rel)
    key = (columns[0], "year")
    raise_problems(check_rows(cells, path, key, what))
    numeric = CATALOGUE_NUMERIC if what == "catalogue" else FUEL_NUMERIC
    return table, check_cells(cells, path, columns[0], [c for c in numeric if c != "year"])


# --------------------------------------------------------------------------- time


def reduce_time(arr: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Chronological averages over the blocks that begin at ``starts`` (hours), along the last axis."""
    H = arr.shape[-1]
    if len(starts) == H:
        return arr
    sums = np.add.reduceat(arr, starts, axis=-1)
    lengths = np.diff(np.append(starts, H))
    return sums / lengths


def annual_shape(profile: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Profiles (n, T) rescaled so that Σ_t w_t · shape[i, t] = 1: MW per MWh/yr of annual energy.

    Computed on the snapshots the model sees (after averaging, or typical days), so an element
    of x MWh/yr draws exactly x MWh over the weighted year. Every profile has a positive sum
    (:func:`gridplan.case.checks.check_electrification`)."""
    if profile.size == 0:
        return profile
    return profile / (profile @ weights)[:, None]


def peak_with_committed_load(peak: np.ndarray, demand: np.ndarray, buses, electrification: pd.DataFrame,
                             shape: np.ndarray) -> np.ndarray:
    """The annual maximum load of each bus (MW), which the demand-response and reserve-margin targets
    take as their base: ``peak_mw`` plus what committed electrification (its ``min_mwh``, e.g. EV
    charging split off the demand projection) adds at the bus's peak hour, on the raw hourly series.
    A planner's 尖峰负荷 includes that load; the chosen part of a lever (above ``min_mwh``) is a
    decision and is not counted."""
    committed = electrification["min_mwh"].to_numpy(float) if len(electrification) else np.zeros(0)
    if not (committed > 0).any():
        return peak
    hourly = annual_shape(shape, np.ones(shape.shape[1])) * committed[:, None]     # (E, H) MW
    pos = buses.get_indexer(electrification["bus"])
    added = np.zeros_like(demand)
    np.add.at(added, pos, hourly)
    return peak + (demand + added).max(axis=1) - demand.max(axis=1)


def time_axis(case: Case, resolution: int | None, breaks: np.ndarray | None = None):
    """(hours per snapshot, first hour of each snapshot, weights in hours, previous snapshot (cyclic)).

    ``breaks``: hours at which a block must begin (the averaged relaxation's, where an hourly price
    changes: :func:`gridplan.case.relaxation.block_breaks`); blocks are then at most
    ``resolution`` hours, each inside one stretch between breaks."""
    H = case.time.hours
    res = resolution or case.time.resolution
    if breaks is None:
        starts = np.arange(0, H, res)
    else:
        edges = np.append(np.unique(np.append(breaks, 0)), H)
        starts = np.concatenate([np.arange(a, b, res) for a, b in zip(edges[:-1], edges[1:]) if b > a])
    weights = np.diff(np.append(starts, H)).astype(float)
    prev = np.roll(np.arange(len(starts)), 1)
    return res, starts, weights, prev


# --------------------------------------------------------------------------- assemble


def assemble(case: Case, inputs: CaseInputs, resolution: int | None = None, relaxed: bool = False) -> CaseData:
    """Every family's frame in model units, the hourly series reduced to ``resolution``.

    ``relaxed``: the block series that make the averaged LP a relaxation of the hourly one
    (:mod:`gridplan.case.relaxation`: blocks that never straddle a change of the exchange's hourly
    prices or limits, or midnight, the mean of the hourly must-run floors); identical to plain averaging at one hour per snapshot."""
    cat, fuels, profiles = inputs.catalogue, inputs.fuels, inputs.profiles
    buses, demand, peak = convert.buses(case, profiles)
    gens, avail = convert.generators(case, cat, fuels, profiles)
    reservoirs, inflow = convert.reservoirs(case, cat, profiles)
    avail, inflow = hydrology.apply(case, inputs.hydro_factors, gens, avail, reservoirs, inflow)
    electrification, shape = convert.electrification(case, profiles)
    exchanges, exchange_series = convert.exchanges(case, cat, profiles)
    peak = peak_with_committed_load(peak, demand, buses, electrification, shape)
    breaks = relaxation.block_breaks(exchange_series, case.time.hours) if relaxed else None
    res, starts, weights, prev = time_axis(case, resolution, breaks)
    series = {k: reduce_time(v, starts) for k, v in exchange_series.items()}
    floor = relaxation.must_run_floor(gens, avail, starts, reduce_time) if relaxed else None
    return CaseData(case=case, weights=weights, snapshot_hour=starts, prev=prev, buses=buses,
                    demand=reduce_time(demand, starts), peak=peak, tech=cat, gens=gens, avail=reduce_time(avail, starts),
                    storage=convert.storage(case, cat), reservoirs=reservoirs, inflow=reduce_time(inflow, starts),
                    lines=convert.lines(case, cat), dr=convert.demand_response(case),
                    exchanges=exchanges, **series, relaxed=relaxed, must_run_floor=floor,
                    electrification=electrification,
                    electrification_shape=annual_shape(reduce_time(shape, starts), weights), voll=convert.voll(case),
                    targets=prepare_targets(case.targets, MONEY), groups=inputs.groups,
                    group_weights=convert.group_weights(case),
                    energy_groups=energy_groups(case.targets, inputs.groups))


def validate_data(case: Case) -> CaseData:
    """Everything ``solve`` checks of the case with its own time settings, and the target bounds
    that need no LP (:mod:`gridplan.case.feasibility`).

    Input problems are raised together (with any unreachable target among them). A valid case
    returns its data (unclustered: clustering adds no check once its settings are checked)
    with ``unreachable`` — hard targets its build ranges cannot meet, which ``solve`` finds
    infeasible (exit 4), not bad input — and the plausibility ``warnings``.
    """
    from .feasibility import check_target_bounds, plausibility_warnings
    inputs, problems = inspect_inputs(case)
    unreachable = located(case, check_target_bounds(case, inputs.groups, convert.group_weights(case)))
    raise_problems(problems + unreachable if problems else [])
    data = assemble(case, inputs)
    data.unreachable, data.warnings = unreachable, plausibility_warnings(data)
    return data


def prepare(case: Case, resolution: int | None = None, typical_days: int | None = None,
            relaxed: bool = False) -> CaseData:
    """Read, check, convert to model units, reduce time. No Pyomo here.

    ``resolution`` (hours per snapshot) and ``typical_days`` override the case's
    ``time`` settings; ``typical_days=0`` switches clustering off. Bad input raises
    :class:`~gridplan.errors.CaseProblems`, one line per problem. ``relaxed``: the averaged year
    as a relaxation of the hourly one, the lower bound of ``--certify``
    (:mod:`gridplan.case.relaxation`); chronological only (typical days are no relaxation).
    """
    t_start = time.perf_counter()
    k = case.time.typical_days if typical_days is None else typical_days
    if relaxed and k:
        raise GridplanError(f"{case.name}: the averaged relaxation is chronological; typical days ({k}) are "
                        "not a relaxation of the hourly year (typical_days=0 for the bound)")
    data = assemble(case, read_inputs(case, resolution, k), resolution, relaxed)
    if k:
        from .typical_days import apply_typical_days  # local: only clustered runs need it
        data = apply_typical_days(data, k)
        # the rescaling keeps each shape's annual sum to ~1e-12; normalise again so the added loads
        # hold their annual energy exactly on the typical days' weights
        data.electrification_shape = annual_shape(data.electrification_shape, data.weights)
    data.prepare_s = time.perf_counter() - t_start
    log.info("prepared %s: %s snapshots%s in %.2f s", case.name, f"{data.T:,}", f" ({k} typical days)" if k else "",
             data.prepare_s)
    return data
