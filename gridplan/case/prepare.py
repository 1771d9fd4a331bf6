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
   annual energies are exact), then typical days if asked for.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import convert
from .checks import check_case, check_columns, check_overrides, raise_problems
from .convert import MONEY, build_groups
from .readers import (CATALOGUE_COLUMNS, FUEL_COLUMNS, CaseFiles, catalogue_for_year, fuels_for_year,
                      read_profiles, with_overrides)
from .schema import Case
from .targets import energy_groups, prepare_targets


@dataclass
class CaseData:
    """Everything the model needs, as indexed frames and arrays in model units."""

    case: Case
    weights: np.ndarray                 # (T,) hours each snapshot stands for
    snapshot_hour: np.ndarray           # (T,) hour of year at which each snapshot starts
    prev: np.ndarray                    # (T,) index of the previous snapshot (cyclic)
    buses: pd.Index
    demand: np.ndarray                  # (N, T) MW
    peak: np.ndarray                    # (N,) MW (of the case's peak_mw, not of the reduced profile)
    tech: pd.DataFrame                  # catalogue rows used, indexed by technology
    gens: pd.DataFrame
    avail: np.ndarray                   # (G, T) per unit
    storage: pd.DataFrame
    reservoirs: pd.DataFrame
    inflow: np.ndarray                  # (R, T) MW
    lines: pd.DataFrame
    dr: pd.DataFrame
    exchanges: pd.DataFrame
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
    profiles: dict                      # (case field, element name) -> raw hourly column
    groups: dict                        # group name -> set of technologies


# --------------------------------------------------------------------------- read and check


def read_inputs(case: Case) -> CaseInputs:
    """Read every file the case names and check the case against them.

    Raises :class:`~gridplan.errors.CaseProblems` with every problem found (see the
    module docstring for where it stops early).
    """
    files = CaseFiles(case)
    cat = _catalogue(case, files)
    fuels = _fuels(case, files)
    profiles = read_profiles(case, files)
    groups = build_groups(case, cat)
    raise_problems(files.problems + check_case(case, cat, fuels, profiles, groups))
    return CaseInputs(cat, fuels, profiles, groups)


def _catalogue(case: Case, files: CaseFiles) -> pd.DataFrame:
    spec = case.technologies
    table = _table(files, spec.catalogue, "technologies.catalogue", CATALOGUE_COLUMNS, "catalogue")
    cat = catalogue_for_year(table, case.year)
    raise_problems(check_overrides(case, cat, files.file))
    return with_overrides(cat, spec.overrides)


def _fuels(case: Case, files: CaseFiles) -> pd.DataFrame:
    rel = case.technologies.fuels
    table = None if rel is None else _table(files, rel, "technologies.fuels", FUEL_COLUMNS, "fuels")
    return fuels_for_year(table, case.year)


def _table(files: CaseFiles, rel: str, field_path: str, columns, what: str) -> pd.DataFrame:
    """A CSV every later check reads: stop at once if it cannot be read or lacks a column."""
    table = files.table(rel, field_path)
    raise_problems(files.problems)
    raise_problems(check_columns(table, columns, files.resolve(rel, field_path), what))
    return table


# --------------------------------------------------------------------------- time


def reduce_time(arr: np.ndarray, resolution: int) -> np.ndarray:
    """Chronological averages over blocks of ``resolution`` hours along the last axis."""
    if resolution == 1:
        return arr
    H = arr.shape[-1]
    starts = np.arange(0, H, resolution)
    sums = np.add.reduceat(arr, starts, axis=-1)
    lengths = np.diff(np.append(starts, H))
    return sums / lengths


def time_axis(case: Case, resolution: int | None):
    """(hours per snapshot, first hour of each snapshot, weights in hours, previous snapshot (cyclic))."""
    H = case.time.hours
    res = resolution or case.time.resolution
    starts = np.arange(0, H, res)
    weights = np.diff(np.append(starts, H)).astype(float)
    prev = np.roll(np.arange(len(starts)), 1)
    return res, starts, weights, prev


# --------------------------------------------------------------------------- assemble


def assemble(case: Case, inputs: CaseInputs, resolution: int | None = None) -> CaseData:
    """Every family's frame in model units, the hourly series reduced to ``resolution``."""
    res, starts, weights, prev = time_axis(case, resolution)
    cat, fuels, profiles = inputs.catalogue, inputs.fuels, inputs.profiles
    buses, demand, peak = convert.buses(case, profiles)
    gens, avail = convert.generators(case, cat, fuels, profiles)
    reservoirs, inflow = convert.reservoirs(case, cat, profiles)
    return CaseData(case=case, weights=weights, snapshot_hour=starts, prev=prev, buses=buses,
                    demand=reduce_time(demand, res), peak=peak, tech=cat, gens=gens, avail=reduce_time(avail, res),
                    storage=convert.storage(case, cat), reservoirs=reservoirs, inflow=reduce_time(inflow, res),
                    lines=convert.lines(case, cat), dr=convert.demand_response(case),
                    exchanges=convert.exchanges(case), voll=convert.voll(case),
                    targets=prepare_targets(case.targets, MONEY), groups=inputs.groups,
                    group_weights=convert.group_weights(case),
                    energy_groups=energy_groups(case.targets, inputs.groups))


def prepare(case: Case, resolution: int | None = None, typical_days: int | None = None) -> CaseData:
    """Read, check, convert to model units, reduce time. No Pyomo here.

    ``resolution`` (hours per snapshot) and ``typical_days`` override the case's
    ``time`` settings; ``typical_days=0`` switches clustering off. Bad input raises
    :class:`~gridplan.errors.CaseProblems`, one line per problem.
    """
    t_start = time.perf_counter()
    data = assemble(case, read_inputs(case), resolution)
    k = case.time.typical_days if typical_days is None else typical_days
    if k:
        from .typical_days import apply_typical_days  # local: only clustered runs need it
        data = apply_typical_days(data, k)
    data.prepare_s = time.perf_counter() - t_start
    return data
