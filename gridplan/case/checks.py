"""Every check of a case, as pure functions that return the problems they find.

Each ``check_*`` returns a list of :class:`~gridplan.errors.CaseError` (empty: nothing
wrong), one per problem, naming the file, the field path (with element names, e.g.
``generators[cd_solar].max_mw``), the bad value and what was expected; nothing here
raises or prints. The callers gather the lists and raise them together with
:func:`raise_problems`, as one :class:`~gridplan.errors.CaseProblems` that prints one
line per problem (GridPath's validators, PyPSA's consistency checks):

* :func:`gridplan.case.load.case_from_dict` — :func:`check_references` (names of buses);
* :func:`gridplan.case.prepare.prepare` — the catalogue's columns and the overrides
  first (every later check reads the catalogue, so a problem there stops it), then
  :func:`check_case`: groups, profiles, each component family against the catalogue,
  target groups and whether every island can be supplied.

What is checked, by family (values as the model will read them, see
:mod:`gridplan.case.convert`):

* every component: its bus exists; lines join two different buses and have a reactance
  under ``power_flow: dc``; its technology exists for the case's year and is of a kind the
  family can use (:data:`CATALOGUE_KINDS`); build ranges: ``existing <= ceiling`` (installed
  capacity cannot be removed) and ``min <= ceiling``;
* generators: not expanded beyond existing when the catalogue says ``buildable=false``;
  efficiency in (0, 1]; a fuel listed in ``technologies.fuels``;
* storage: round-trip efficiency in (0, 1];
* reservoirs: an inflow scale when ``existing_mw`` (the default scale) is 0;
* profiles: ``time.hours`` rows, finite numbers, no negative values;
* groups: named technologies and carriers exist, capacity weights name members of the group;
  targets name groups that exist;
* supply: every island of the bus graph with demand holds a generator or reservoir that
  has or may build capacity, or an exchange that can import (storage only returns, less
  losses, what it was given), else the case would "solve" by shedding its load at VoLL.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import CaseError, CaseProblems
from ..network import bus_graph, islands_of
from .components import element_lists
from .convert import build_range, ceiling, efficiency, roundtrip, storage_energy_default
from .readers import CATALOGUE_COLUMNS, CATALOGUE_NUMERIC, case_path, profile_refs, truthy
from .schema import Case, Profile
from .targets import check_targets

CATALOGUE_KINDS = {c.case_field: c.catalogue_kinds for c in element_lists() if c.catalogue_kinds}
"""Catalogue kinds each family with a technology can use (from the component descriptions)."""
TARGET_GROUP_FIELDS = ("group", "of_group", "hydro_group")
"""Target fields that name a technology group."""


def raise_problems(problems: list[CaseError]) -> None:
    """Raise the problems found, if any, as one :class:`CaseProblems`."""
    if problems:
        raise CaseProblems(problems)


def check_case(case: Case, cat: pd.DataFrame, fuels: pd.DataFrame, profiles: dict, groups: dict) -> list:
    """Every check that needs the catalogue, fuels and profiles read (the overrides already checked)."""
    file = case_path(case)
    return [*check_groups(case, cat, groups, file), *check_profiles(case, profiles, file),
            *check_generators(case, cat, fuels, file), *check_storage(case, cat, file),
            *check_reservoirs(case, cat, file), *check_lines(case, cat, file),
            *check_demand_response(case, file), *check_target_groups(case, groups),
            *check_targets(case, file), *check_supply(case)]


# --------------------------------------------------------------------------- names


def check_references(case: Case, file) -> list:
    """Every bus a record names exists; lines join two buses; DC lines have a reactance."""
    buses = {b.name for b in case.buses}
    expected = f"a bus defined under buses ({', '.join(sorted(buses))})"
    out = [CaseError(file, f"{c.case_field}[{item.name}].{f}", getattr(item, f), expected)
           for c in element_lists() for item in getattr(case, c.case_field) for f in c.bus_fields
           if getattr(item, f) not in buses]
    for ln in case.lines:
        if ln.bus0 == ln.bus1:
            out.append(CaseError(file, f"lines[{ln.name}].bus1", ln.bus1, "a bus different from bus0"))
        if case.options.power_flow == "dc" and ln.reactance_ohm is None:
            out.append(CaseError(file, f"lines[{ln.name}].reactance_ohm", None,
                                 "a positive reactance (required by options.power_flow: dc)"))
    out += [CaseError(file, f"targets[{t.id}].buses", b, expected)
            for t in case.targets for b in t.buses or [] if b not in buses]
    return out


def check_groups(case: Case, cat: pd.DataFrame, groups: dict, file) -> list:
    """The technologies and carriers a case group names are in the catalogue; its capacity
    weights name its members."""
    carriers = set(cat["carrier"])
    out = []
    for name, spec in case.groups.items():
        out += [CaseError(file, f"groups.{name}.technologies", t, "a technology of the catalogue")
                for t in spec.technologies if t not in cat.index]
        out += [CaseError(file, f"groups.{name}.carriers", c, "a carrier of the catalogue")
                for c in spec.carriers if c not in carriers]
        if spec.capacity_weights:
            out += [CaseError(file, f"groups.{name}.capacity_weights.{t}", t, "a technology of the group ("
                              + ", ".join(sorted(groups[name])) + ")")
                    for t in spec.capacity_weights if t not in groups[name]]
    return out


def check_target_groups(case: Case, groups: dict) -> list:
    """Every group a target names (``group``, ``of_group``, ``hydro_group``) is one of ``groups``."""
    file = case_path(case)
    expected = ("a group (declared under groups:, or all / a carrier / a catalogue flag): "
                + ", ".join(sorted(groups)))
    return [CaseError(file, f"targets[{t.id}].{f}", getattr(t, f), expected)
            for t in case.targets for f in TARGET_GROUP_FIELDS
            if getattr(t, f, None) is not None and getattr(t, f) not in groups]


# --------------------------------------------------------------------------- catalogue


def check_columns(table: pd.DataFrame, required, file, what: str) -> list:
    """A CSV has every column ``required``; ``what`` names the table in the message."""
    missing = [c for c in required if c not in table.columns]
    if missing:
        return [CaseError(file, "columns", missing, f"the {what} columns " + ", ".join(required))]
    return []


def check_overrides(case: Case, cat: pd.DataFrame, file) -> list:
    """Each override names a technology of the year's catalogue and one of its columns; numbers are numbers."""
    out = []
    for tech, over in case.technologies.overrides.items():
        if tech not in cat.index:
            out.append(CaseError(file, f"technologies.overrides.{tech}", tech,
                                 f"a technology of the catalogue for {case.year}"))
            continue
        for col, val in over.items():
            field = f"technologies.overrides.{tech}.{col}"
            if col not in cat.columns or col in ("technology", "year"):
                out.append(CaseError(file, field, val, "a catalogue column (" + ", ".join(CATALOGUE_COLUMNS[2:]) + ")"))
            elif col in CATALOGUE_NUMERIC and val is not None and not _is_number(val):
                out.append(CaseError(file, field, val, "a number"))
    return out


def _is_number(v) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def check_technology(cat: pd.DataFrame, file, field: str, tech: str, kinds) -> list:
    """``tech`` is in the catalogue for the case's year and of one of ``kinds``."""
    if tech not in cat.index:
        return [CaseError(file, field, tech, "a technology of the catalogue for this year")]
    kind = cat.loc[tech, "kind"]
    if kind not in kinds:
        return [CaseError(file, field, tech, f"a technology of kind {' or '.join(kinds)} (it is {kind})")]
    return []


def check_build_range(file, path: str, existing: float, min_: float, max_, default_max=None,
                      unit: str = "mw") -> list:
    """existing <= ceiling (a ceiling below what exists is an input error, not an infeasible LP)
    and min <= ceiling; see :func:`gridplan.case.convert.ceiling`."""
    top = ceiling(existing, min_, max_, default_max)
    if top < existing:
        return [CaseError(file, f"{path}.max_{unit}", max_, f">= existing_{unit} ({existing:g}): "
                          "installed capacity cannot be removed")]
    if min_ > top:
        return [CaseError(file, f"{path}.min_{unit}", min_, f"<= max_{unit} ({top:g})")]
    return []


# --------------------------------------------------------------------------- families


def check_generators(case: Case, cat: pd.DataFrame, fuels: pd.DataFrame, file) -> list:
    return [p for g in case.generators for p in _generator(g, f"generators[{g.name}]", cat, fuels, file)]


def _generator(g, path: str, cat: pd.DataFrame, fuels: pd.DataFrame, file) -> list:
    tech = check_technology(cat, file, path + ".technology", g.technology, CATALOGUE_KINDS["generators"])
    own = [] if tech else _generator_technology(g, path, cat.loc[g.technology], fuels, file)
    return tech + own + check_build_range(file, path, g.existing_mw, g.min_mw, g.max_mw)


def _generator_technology(g, path: str, t: pd.Series, fuels: pd.DataFrame, file) -> list:
    out = []
    if ("buildable" in t.index and not pd.isna(t["buildable"]) and not truthy(t["buildable"])
            and (g.max_mw or 0) > g.existing_mw):
        out.append(CaseError(file, path + ".max_mw", g.max_mw, f"<= existing_mw ({g.existing_mw}): "
                             f"{g.technology} cannot be newly built (catalogue buildable=false)"))
    eff = efficiency(t)
    if not 0 < eff <= 1:
        out.append(CaseError(file, path + ".technology", g.technology,
                             f"efficiency in (0, 1] (catalogue or technologies.overrides; it is {eff})"))
    if t["fuel"] and t["fuel"] not in fuels.index:
        out.append(CaseError(file, path + ".technology", g.technology,
                             f"fuel {t['fuel']!r} of this technology listed in technologies.fuels"))
    return out


def check_storage(case: Case, cat: pd.DataFrame, file) -> list:
    return [p for s in case.storage for p in _storage(s, f"storage[{s.name}]", cat, file)]


def _storage(s, path: str, cat: pd.DataFrame, file) -> list:
    tech = check_technology(cat, file, path + ".technology", s.technology, CATALOGUE_KINDS["storage"])
    if not tech and not 0 < roundtrip(cat.loc[s.technology]) <= 1:
        tech = [CaseError(file, path + ".technology", s.technology, "roundtrip_efficiency in (0, 1]")]
    energy_default = storage_energy_default(build_range(s.existing_mw, s.min_mw, s.max_mw)[1])
    return (tech + check_build_range(file, path, s.existing_mw, s.min_mw, s.max_mw)
            + check_build_range(file, path, s.existing_mwh, s.min_mwh, s.max_mwh, energy_default, unit="mwh"))


def check_reservoirs(case: Case, cat: pd.DataFrame, file) -> list:
    return [p for rv in case.reservoirs for p in _reservoir(rv, f"reservoirs[{rv.name}]", cat, file)]


def _reservoir(rv, path: str, cat: pd.DataFrame, file) -> list:
    scale = [CaseError(file, path + ".inflow.scale", None,
                       "a scale in MW for the inflow profile (the default, existing_mw, is 0)")
             ] if rv.inflow.scale is None and rv.existing_mw == 0 else []
    return [*check_technology(cat, file, path + ".technology", rv.technology, CATALOGUE_KINDS["reservoirs"]),
            *scale,
            *check_build_range(file, path, rv.existing_mw, rv.min_mw, rv.max_mw)]


def check_lines(case: Case, cat: pd.DataFrame, file) -> list:
    return [p for ln in case.lines for p in (
        *check_technology(cat, file, f"lines[{ln.name}].technology", ln.technology, CATALOGUE_KINDS["lines"]),
        *check_build_range(file, f"lines[{ln.name}]", ln.existing_mw, 0.0, ln.max_mw))]


def check_demand_response(case: Case, file) -> list:
    return [p for d in case.demand_response
            for p in check_build_range(file, f"demand_response[{d.name}]", d.existing_mw, 0.0, d.max_mw,
                                       default_max=np.inf)]


# --------------------------------------------------------------------------- profiles and supply


def check_profiles(case: Case, profiles: dict, file) -> list:
    """Every profile that could be read (the others are reported by the reader)."""
    return [p for key, field_path, prof in profile_refs(case) if key in profiles
            for p in check_profile(file, field_path, prof, profiles[key], case.time.hours)]


def check_profile(file, field_path: str, prof: Profile, values: np.ndarray, hours: int) -> list:
    """``hours`` rows, each a finite number >= 0 (rows counted as file lines, the header being line 1)."""
    name = f"{prof.file}:{prof.column}"
    out = []
    if len(values) != hours:
        out.append(CaseError(file, field_path, f"{name} has {len(values)} rows", f"{hours} rows (time.hours)"))
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        out.append(CaseError(file, field_path, f"{name} row {bad[0] + 2} is not a number",
                             "finite numbers in every row"))
    neg = np.flatnonzero(values < 0)
    if neg.size:
        out.append(CaseError(file, field_path, f"{name} row {neg[0] + 2} = {values[neg[0]]}", "values >= 0"))
    return out


def check_supply(case: Case) -> list:
    """Every island with demand can be supplied (one problem per island that cannot).

    A line joins its buses when it has or may build a rating; a source is a generator or
    reservoir with a ceiling above 0, or an exchange that can import.
    """
    lines = [(ln.name, ln.bus0, ln.bus1) for ln in case.lines if ceiling(ln.existing_mw, 0.0, ln.max_mw) > 0]
    sources = {x.bus for x in [*case.generators, *case.reservoirs] if ceiling(x.existing_mw, x.min_mw, x.max_mw) > 0}
    sources |= {e.bus for e in case.exchanges if e.max_import_mw > 0}
    demand = {b.name for b in case.buses if b.demand is not None and b.demand.peak_mw > 0}
    return [CaseError(case_path(case), "buses", sorted(island),
                      "every bus with demand to be reachable from a generator, reservoir "
                      "or importing exchange with capacity (this island has none)")
            for island in islands_of(bus_graph([b.name for b in case.buses], lines))
            if island & demand and not island & sources]
