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
* electrification: ``min_mwh <= max_mwh``; a profile without ``scale`` and with a positive sum;
  the fossil it may displace within the case's energy accounts (:func:`check_displacement`);
* catalogue and fuels tables: at least one row, whole-number years, one row per technology
  (fuel) and year; every written number cell finite and in its column's range (:data:`RANGES`;
  e.g. outage rates in [0, 1), also as overrides and on a generator), a written ``nan`` or
  ``inf`` refused (blank cells take defaults); every flag cell a written true/false
  (:data:`~gridplan.case.readers.FLAG_TRUE`, ``FLAG_FALSE``) or blank;
* overrides: a technology of the year's catalogue and one of its columns, then its value judged
  like a cell of that column (:func:`override_problem`); flags overridden by a boolean;
* time: typical days only on a whole hourly year at 1 h (:func:`check_typical_days`);
* exchanges: a line technology when they may build import capability (:func:`check_exchanges`);
* profiles: ``time.hours`` rows, finite numbers, no negative values; availability and an
  exchange's capability fractions at most 1 per unit (:data:`PER_UNIT_CAP`);
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
from .fields import BOOL_HINT
from .readers import (CATALOGUE_COLUMNS, CATALOGUE_FLAGS, CATALOGUE_NUMERIC, CATALOGUE_OPTIONAL, FLAG_FALSE,
                      FLAG_TRUE, case_path, profile_refs, truthy)
from .schema import Case, Profile
from .targets import check_targets, counts_fossil_outside_power
from .typical_days import check_typical_days

CATALOGUE_KINDS = {c.case_field: c.catalogue_kinds for c in element_lists() if c.catalogue_kinds}
"""Catalogue kinds each family with a technology can use (from the component descriptions)."""
TARGET_GROUP_FIELDS = ("group", "of_group", "hydro_group")
"""Target fields that name a technology group."""


NON_NEGATIVE = (0.0, False, np.inf, "a finite number >= 0")
RANGES = {
    "capex_cny_per_kw": NON_NEGATIVE, "capex_cny_per_kwh": NON_NEGATIVE, "fom_pct_capex_per_yr": NON_NEGATIVE,
    "vom_cny_per_mwh": NON_NEGATIVE, "min_duration_h": NON_NEGATIVE, "max_duration_h": NON_NEGATIVE,
    "lifetime_yr": (0.0, True, np.inf, "a finite number of years > 0 (the annuity divides by it)"),
    "standing_loss_pct_per_h": (0.0, False, 100.0, "a percentage per hour in [0, 100]"),
    "capacity_credit": (0.0, False, 1.0, "a number in [0, 1]"),
    "efficiency": (0.0, True, 1.0, "a number in (0, 1]"),
    "roundtrip_efficiency": (0.0, True, 1.0, "a number in (0, 1]"),
    "price_cny_per_gj": NON_NEGATIVE, "co2_t_per_gj": NON_NEGATIVE,
    # outage rates: below 1 (a rate of 1 leaves no capacity); the highest *included* value of a
    # range is the largest float below 1
    **dict.fromkeys(("forced_outage_rate", "planned_outage_rate"),
                    (0.0, False, float(np.nextafter(1.0, 0.0)), "a fraction in [0, 1)")),
}
"""What a number of the catalogue, the fuels or the overrides must be, by column: (lowest,
lowest excluded, highest, the words). A NaN, an infinity or a negative cost would change the
answer silently (nan_to_num makes a NaN capex a free plant, and a NaN or infinite efficiency
would be read as blank, i.e. 1); a lifetime of 0 divides by zero. A numeric column missing
here must still be finite ("a finite number"). The efficiency a technology ends with
(interpolated, overridden) is checked again on each element that uses it, naming the element."""
ELEMENT_CHECKED = ("efficiency", "roundtrip_efficiency")
"""Columns whose finite overrides are judged on the elements that use them (an override of 1.2
is reported once, as ``generators[g].technology ... it is 1.2``), their NaN and ±inf here."""
FLAG_WORDS = "a flag: true or false (also yes/no, y/n or 1/0, any case), or blank for false"
"""What a flag cell of the catalogue must be (anything else :func:`truthy` would read as false)."""


def raise_problems(problems: list[CaseError]) -> None:
    """Raise the problems found, if any, as one :class:`CaseProblems`."""
    if problems:
        raise CaseProblems(problems)


def check_case(case: Case, cat: pd.DataFrame, fuels: pd.DataFrame, profiles: dict, groups: dict,
               years: dict | None = None, typical_days=None, resolution=None) -> list:
    """Every check that needs the catalogue, fuels and profiles read (the overrides' names already
    checked). ``years``: the catalogue's years by technology (to say which it has);
    ``typical_days``, ``resolution``: the time settings the run will use (default: the case's)."""
    file = case_path(case)
    k = case.time.typical_days if typical_days is None else typical_days
    return [*check_override_values(case, file), *check_typical_days(case, k, resolution or case.time.resolution),
            *check_groups(case, cat, groups, file), *check_profiles(case, profiles, file),
            *check_generators(case, cat, fuels, file, years), *check_storage(case, cat, file, years),
            *check_reservoirs(case, cat, file, years), *check_lines(case, cat, file, years),
            *check_exchanges(case, cat, file, years), *check_demand_response(case, file),
            *check_electrification(case, profiles, file), *check_target_groups(case, groups),
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
        if case.options.power_flow == "dc" and ln.reactance_ohm is None and not ln.controllable:
            out.append(CaseError(file, f"lines[{ln.name}].reactance_ohm", None,
                                 "a positive reactance (required by options.power_flow: dc; "
                                 "or controllable: true for an HVDC link)"))
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
    """Each override names a technology of the year's catalogue and one of its columns (raised before
    the overrides are applied; their values are judged with the other checks, :func:`check_override_values`)."""
    out = []
    for tech, over in case.technologies.overrides.items():
        if tech not in cat.index:
            out.append(CaseError(file, f"technologies.overrides.{tech}", tech,
                                 f"a technology of the catalogue for {case.year}"))
            continue
        for col, val in over.items():
            field = f"technologies.overrides.{tech}.{col}"
            if col not in cat.columns or col in ("technology", "year"):
                out.append(CaseError(file, field, val, "a catalogue column ("
                                 + ", ".join((*CATALOGUE_COLUMNS[2:], *CATALOGUE_OPTIONAL)) + ")"))
    return out


def _is_number(v) -> bool:
    """A number or a text of one; not a yes/no (YAML 1.1 reads ``yes`` as True, float(True) is 1)."""
    if isinstance(v, bool):
        return False
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def out_of_range(column: str, v: float) -> str | None:
    """What ``column`` expects if ``v`` is not in its :data:`RANGES` (None: fine). A NaN or an
    infinity is never fine: a column without a range must still hold "a finite number"."""
    lo, lo_open, hi, words = RANGES.get(column, (-np.inf, False, np.inf, "a finite number"))
    ok = np.isfinite(v) and (v > lo if lo_open else v >= lo) and v <= hi
    return None if ok else words


def number_problem(column: str, value) -> str | None:
    """What a number of ``column`` must be, if ``value`` (a number, or the text of a cell or an
    override) is not it (None: fine): not a boolean (the case file's words), a number, finite and
    in the column's :data:`RANGES`. The one judgement of catalogue, fuels and override numbers."""
    if isinstance(value, bool):
        return f"a number, not a boolean ({BOOL_HINT})"
    if not _is_number(value):
        return "a number"
    return out_of_range(column, float(value))


def override_problem(column: str, value) -> str | None:
    """What an override of a catalogue ``column`` must be, if ``value`` is not it (None: fine):
    a number of a numeric column as :func:`number_problem` judges a cell of it (null: blank, the
    column's default; a finite efficiency is judged on the elements, :data:`ELEMENT_CHECKED`), a
    boolean for a flag (``non_fossil: 3`` or ``"maybe"`` would be read as false)."""
    if column in CATALOGUE_NUMERIC:
        if value is None:
            return None
        words = number_problem(column, value)
        if words and column in ELEMENT_CHECKED and _is_number(value) and np.isfinite(float(value)):
            return None
        return words
    if column in CATALOGUE_FLAGS and not isinstance(value, bool):
        return f"true or false (the catalogue flag {column})"
    return None


def check_override_values(case: Case, file) -> list:
    """Every override's value, by :func:`override_problem` (its names checked before, :func:`check_overrides`)."""
    return [CaseError(file, f"technologies.overrides.{tech}.{col}", val, words)
            for tech, over in case.technologies.overrides.items() for col, val in over.items()
            if (words := override_problem(col, val))]


def check_rows(cells: pd.DataFrame, file, key: tuple[str, str], what: str) -> list:
    """A table the checks read row by row: at least one row, whole-number years, one row per
    ``key`` (technology or fuel, and year: pandas would keep the first silently). Line numbers
    count the header as line 1."""
    if cells.empty:
        return [CaseError(file, "rows", 0, f"at least one {what} row below the header")]
    out, seen = [], {}
    for i, (name, year) in enumerate(zip(cells[key[0]], cells[key[1]])):
        line = i + 2
        if not _whole(year):
            out.append(CaseError(file, f"line {line} [{name}].year", year, "a year (a whole number)"))
        elif (name, float(year)) in seen:
            out.append(CaseError(file, f"line {line} [{name} {year}]", f"{name} {year}",
                                 f"one {what} row per {key[0]} and year (also on line {seen[name, float(year)]})"))
        else:
            seen[name, float(year)] = line
    return out


def _whole(text: str) -> bool:
    return _is_number(text) and np.isfinite(float(text)) and float(text) == int(float(text))


def check_cells(cells: pd.DataFrame, file, key: str, columns, flags=None) -> list:
    """The cells of a catalogue or fuels table, as written (``cells``: every cell as text), one
    problem per bad cell, named by its line (the header is line 1), ``key`` (technology or fuel),
    year and column.

    * every written cell of the numeric ``columns`` is a number, finite and in its column's
      range (:func:`number_problem`, :data:`RANGES`): a written ``nan``, ``inf`` or ``1e400`` is
      refused, not read as blank (a blank cell takes the column's default);
    * every cell of the ``flags`` columns (default: :data:`~gridplan.case.readers.CATALOGUE_FLAGS`
      when ``key`` is ``technology``, none for fuels) is blank or one of FLAG_TRUE / FLAG_FALSE in
      any case (:data:`FLAG_WORDS`): :func:`truthy` would read ``perhaps`` as false.

    Columns the table lacks are skipped (:func:`check_columns` reports required ones)."""
    if flags is None:
        flags = CATALOGUE_FLAGS if key == "technology" else ()
    judged = [(c, number_problem) for c in columns] + [(c, _flag_problem) for c in flags]
    out = []
    for col, judge in ((c, j) for c, j in judged if c in cells.columns):
        for i, text in enumerate(cells[col]):
            t = text.strip()
            words = judge(col, t) if t else None
            if words:
                out.append(CaseError(file, f"line {i + 2} [{cells[key].iat[i]} {cells['year'].iat[i]}].{col}",
                                     text, words))
    return out


def _flag_problem(column: str, text: str) -> str | None:
    return None if text.lower() in FLAG_TRUE + FLAG_FALSE else FLAG_WORDS


def check_technology(cat: pd.DataFrame, file, field: str, tech: str, kinds, years: dict | None = None) -> list:
    """``tech`` is in the catalogue for the case's year and of one of ``kinds``; a technology the
    catalogue has for other years only is named with the years it has (none is extrapolated)."""
    if tech not in cat.index:
        if years and tech in years:
            have = ", ".join(map(str, years[tech]))
            return [CaseError(file, field, tech, f"a technology the catalogue covers in the case's year "
                              f"(it has {tech} for {have}; interpolated between them, never extrapolated)")]
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


def check_generators(case: Case, cat: pd.DataFrame, fuels: pd.DataFrame, file, years=None) -> list:
    return [p for g in case.generators for p in _generator(g, f"generators[{g.name}]", cat, fuels, file, years)]


def _generator(g, path: str, cat: pd.DataFrame, fuels: pd.DataFrame, file, years=None) -> list:
    tech = check_technology(cat, file, path + ".technology", g.technology, CATALOGUE_KINDS["generators"], years)
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


def check_storage(case: Case, cat: pd.DataFrame, file, years=None) -> list:
    return [p for s in case.storage for p in _storage(s, f"storage[{s.name}]", cat, file, years)]


def _storage(s, path: str, cat: pd.DataFrame, file, years=None) -> list:
    tech = check_technology(cat, file, path + ".technology", s.technology, CATALOGUE_KINDS["storage"], years)
    if not tech and not 0 < roundtrip(cat.loc[s.technology]) <= 1:
        tech = [CaseError(file, path + ".technology", s.technology, "roundtrip_efficiency in (0, 1]")]
    energy_default = storage_energy_default(build_range(s.existing_mw, s.min_mw, s.max_mw)[1])
    return (tech + check_build_range(file, path, s.existing_mw, s.min_mw, s.max_mw)
            + check_build_range(file, path, s.existing_mwh, s.min_mwh, s.max_mwh, energy_default, unit="mwh"))


def check_reservoirs(case: Case, cat: pd.DataFrame, file, years=None) -> list:
    return [p for rv in case.reservoirs for p in _reservoir(rv, f"reservoirs[{rv.name}]", cat, file, years)]


def _reservoir(rv, path: str, cat: pd.DataFrame, file, years=None) -> list:
    scale = [CaseError(file, path + ".inflow.scale", None,
                       "a scale in MW for the inflow profile (the default, existing_mw, is 0)")
             ] if rv.inflow.scale is None and rv.existing_mw == 0 else []
    return [*check_technology(cat, file, path + ".technology", rv.technology, CATALOGUE_KINDS["reservoirs"], years),
            *scale,
            *check_build_range(file, path, rv.existing_mw, rv.min_mw, rv.max_mw)]


def check_lines(case: Case, cat: pd.DataFrame, file, years=None) -> list:
    return [p for ln in case.lines for p in (
        *check_technology(cat, file, f"lines[{ln.name}].technology", ln.technology, CATALOGUE_KINDS["lines"],
                          years),
        *check_build_range(file, f"lines[{ln.name}]", ln.existing_mw, 0.0, ln.max_mw))]


def check_exchanges(case: Case, cat: pd.DataFrame, file, years=None) -> list:
    """An exchange that may build import capability prices it by a line technology of the catalogue
    (one that builds nothing needs none: its default ``line_500kv`` is never read), per MW·km over
    a length > 0: at the default length 0 every MW built would be free."""
    out = []
    for e in (e for e in case.exchanges if e.build_max_mw > 0):
        out += check_technology(cat, file, f"exchanges[{e.name}].technology", e.technology,
                                CATALOGUE_KINDS["lines"], years)
        if e.length_km <= 0:
            out.append(CaseError(file, f"exchanges[{e.name}].length_km", e.length_km,
                                 f"the length (km > 0) of the corridor that build_max_mw {e.build_max_mw:g} "
                                 "would build: its cost is the catalogue's per MW·km times it"))
    return out


def check_demand_response(case: Case, file) -> list:
    return [p for d in case.demand_response
            for p in check_build_range(file, f"demand_response[{d.name}]", d.existing_mw, 0.0, d.max_mw,
                                       default_max=np.inf)]


def check_electrification(case: Case, profiles: dict, file) -> list:
    """min_mwh <= max_mwh; the profile is a shape (no scale, a positive sum: it is normalised to
    the year's energy); the fossil it may displace fits the case's energy accounts."""
    out = []
    for e in case.electrification:
        path = f"electrification[{e.name}]"
        out += check_build_range(file, path, 0.0, e.min_mwh, e.max_mwh, unit="mwh")
        if e.profile.scale is not None:
            out.append(CaseError(file, path + ".profile.scale", e.profile.scale,
                                 "no scale: the profile is only the shape of the added load, normalised so "
                                 "that the year holds the element's MWh"))
        values = profiles.get(("electrification", e.name, "profile"))
        if values is not None and np.isfinite(values).all() and not values.sum() > 0:
            out.append(CaseError(file, path + ".profile", f"{e.profile.file}:{e.profile.column} sums to "
                                 f"{values.sum():g}", "a profile with a positive sum (the shape of the added load)"))
    return out + check_displacement(case, file)


def check_displacement(case: Case, file) -> list:
    """Electrification displaces at most Σ max_mwh × displaced_tce_per_mwh tce of fossil energy, which
    must come out of the fossil energy the case counts outside the power sector
    (``fossil_other_tce``, whenever it is given or a target reads it) and out of the non-electric
    final energy (``final_energy_other_tce``, when given); else a share target's denominator
    could go below the energy really consumed. One problem, naming the entry whose potential
    first exceeds the tightest of them (a budget of 0 leaves nothing to displace)."""
    ea, elec = case.energy_accounting, case.electrification
    budgets = {}
    if ea.fossil_other_tce > 0 or any(counts_fossil_outside_power(t) for t in case.targets):
        budgets["energy_accounting.fossil_other_tce"] = ea.fossil_other_tce
    if ea.final_energy_other_tce is not None:
        budgets["energy_accounting.final_energy_other_tce"] = ea.final_energy_other_tce
    if not elec or not budgets:
        return []
    field, budget = min(budgets.items(), key=lambda kv: kv[1])
    reach = np.cumsum([e.max_mwh * e.displaced_tce_per_mwh for e in elec])
    over = np.flatnonzero((reach > budget * (1 + 1e-9)) | (budget == 0))
    if not over.size:
        return []
    e = elec[over[0]]
    return [CaseError(file, f"electrification[{e.name}].max_mwh", e.max_mwh,
                      f"a potential whose displaced fossil energy (Σ max_mwh × displaced_tce_per_mwh = "
                      f"{reach[over[0]]:g} tce over electrification up to {e.name}) stays within {field} "
                      f"({budget:g} tce): electrification cannot displace more fossil energy than the case "
                      "counts outside the power sector")]


# --------------------------------------------------------------------------- profiles and supply


PER_UNIT_CAP = {(c.case_field, s.profile): s for c in element_lists() for s in c.series if s.cap is not None}
"""Profiles in per unit of a capacity, by (case field, profile field): their
:class:`~gridplan.case.components.Series`, whose ``cap`` is the most an hour may be (availability,
an exchange's capability fractions: 1)."""


def check_profiles(case: Case, profiles: dict, file) -> list:
    """Every profile that could be read (the others are reported by the reader)."""
    return [p for key, field_path, prof in profile_refs(case) if key in profiles
            for p in (*check_profile(file, field_path, prof, profiles[key], case.time.hours),
                      *check_per_unit(file, field_path, prof, profiles[key], PER_UNIT_CAP.get((key[0], key[2]))))]


def check_per_unit(file, field_path: str, prof: Profile, values: np.ndarray, series) -> list:
    """A capacity factor (raw value × scale) is at most the ``series``' cap (None: no check): above
    it, a unit would produce more than its capacity (a profile in MW instead of per unit). The first
    such row is named."""
    if series is None:
        return []
    cap, scale = series.cap, 1.0 if prof.scale is None else prof.scale
    over = np.flatnonzero(values * scale > cap + 1e-9)
    if not over.size:
        return []
    shown = f"{values[over[0]]:g}" + ("" if prof.scale is None else f" × scale {scale:g}")
    return [CaseError(file, field_path, f"{prof.file}:{prof.column} row {over[0] + 2} = {shown}",
                      f"{series.meaning} <= {cap:g} per unit of capacity (a profile in MW needs scale: 1/MW)")]


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
    sources |= {e.bus for e in case.exchanges if e.max_import_mw + e.build_max_mw > 0}
    demand = {b.name for b in case.buses if b.demand is not None and b.demand.peak_mw > 0}
    return [CaseError(case_path(case), "buses", sorted(island),
                      "every bus with demand to be reachable from a generator, reservoir "
                      "or importing exchange with capacity (this island has none)")
            for island in islands_of(bus_graph([b.name for b in case.buses], lines))
            if island & demand and not island & sources]
