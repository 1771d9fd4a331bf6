"""What ``validate`` checks beyond the input checks: target bounds that need no LP, and
plausibility warnings.

**Bounds** (errors, :func:`check_target_bounds`): a target row that is linear in the
capacities of the elements it counts (``installed_capacity``, ``capacity_share``,
``demand_response``) cannot hold when even the best corner of the build ranges misses it:
every element at its ceiling where more of it helps the row, at its floor where it hurts
(ceiling: ``max_mw``, or what exists, or ``min_mw``, where it may not expand; floor:
``max(existing_mw, min_mw)``). That corner is the row's exact optimum over the build ranges,
so the error is certain. Only targets the LP must meet are checked (hard, ``about`` at the
edge of its band, strict ``strive``); a soft target is missed at its price, not infeasible.
A share target above 1 (100 %) is refused whatever its kind.

**Warnings** (:func:`plausibility_warnings`): valid inputs that are almost surely a unit
mistake. Each is a :class:`~gridplan.errors.CaseError` (the same one-line form) that the
caller prints as ``warning: ...`` and never raises.
"""
from __future__ import annotations

import numpy as np

from ..errors import CaseError
from .components import element_lists
from .convert import ceiling
from .readers import case_path
from .targets import is_soft, kind_of, required

PEAK_MW_WARN = 1e6
"""A bus peak above this (MW) is a unit mistake (kW?): all of China peaks near 1.4e6 MW, Sichuan near 7e4 MW."""
DEMAND_SHAPE_MAX = (0.5, 2.0)
"""A demand profile (× scale) is per unit of peak_mw, so its maximum is 1; outside this band it
was most likely given in MW (then peak_mw multiplies MW) or normalised to its mean or sum."""
CAPEX_WARN = 1e5
"""A capex above this per kW (or per kWh) is a figure per MW (or MWh) typed as per kW: the
dearest plants (nuclear, offshore wind) cost about 2e4 CNY/kW."""
CAPACITY_KINDS = ("installed_capacity", "capacity_share", "demand_response")
"""Target kinds whose row is linear in capacities alone, so the build ranges bound it."""
EPS = 1e-9


# --------------------------------------------------------------------------- bounds


def capacity_elements(case):
    """(bus, technology, floor, ceiling) in MW of every element counted as capacity."""
    return [(e.bus, e.technology, max(e.existing_mw, e.min_mw), ceiling(e.existing_mw, e.min_mw, e.max_mw))
            for c in element_lists() if c.counts_as_capacity for e in getattr(case, c.case_field)]


def corner(coefs, floors, ceilings, most: bool) -> np.ndarray:
    """The x in floors <= x <= ceilings that makes Σ c·x largest (``most``) or least: each x
    at the end its coefficient favours. That corner is the row's exact optimum over the box."""
    c, lo, hi = (np.asarray(a, float) for a in (coefs, floors, ceilings))
    return np.where((c > 0) == most, hi, lo)


def check_target_bounds(case, groups: dict, weights: dict, file=None) -> list:
    """One error per target the LP must meet that its elements' build ranges cannot meet."""
    file = file or case_path(case)
    out = []
    for t in case.targets:
        if is_soft(t) or getattr(t, "value", None) is None:
            continue
        k = kind_of(t)
        if k.unit_of(t) == "share" and k.sense_of(t) == ">=" and required(t, t.value, True) > 1 + EPS:
            out.append(CaseError(file, f"targets[{t.id}].value", t.value, "a share of at most 1 (100 %)" + _source(t)))
        elif t.kind in CAPACITY_KINDS and all(getattr(t, f, "all") in groups for f in ("group", "of_group")):
            out += _capacity_bound(case, t, groups, weights, file)
    return out


def _capacity_bound(case, t, groups: dict, weights: dict, file) -> list:
    """The target's row ``num − s·den (sense) 0`` (absolute: ``num (sense) s``) at its best corner."""
    buses = set(t.buses) if t.buses else {b.name for b in case.buses}
    sense, share = kind_of(t).sense_of(t), t.kind != "installed_capacity"
    s = required(t, t.value, share)
    if t.kind == "demand_response":
        elems = [(d.bus, "demand_response", d.existing_mw, ceiling(d.existing_mw, 0.0, d.max_mw, np.inf))
                 for d in case.demand_response if d.bus in buses]
        w_num, w_den = [1.0] * len(elems), [0.0] * len(elems)
        base = sum(b.demand.peak_mw for b in case.buses if b.name in buses and b.demand is not None)
    else:
        elems = [e for e in capacity_elements(case) if e[0] in buses]
        num, den = _weights(t.group, groups, weights), _weights(getattr(t, "of_group", None), groups, weights)
        w_num, w_den, base = [num(e[1]) for e in elems], [den(e[1]) for e in elems], 0.0
    coefs = np.array(w_num) - (s * np.array(w_den) if share else 0.0)
    x = corner(coefs, [e[2] for e in elems], [e[3] for e in elems], most=sense == ">=")
    reach_num, reach_den = _dot(w_num, x), _dot(w_den, x) + base
    reach = (reach_num / reach_den if reach_den > 0 else np.nan) if share else reach_num
    row = reach_num - s * reach_den if share else reach_num - s
    tol = EPS * max(1.0, abs(s), reach_den)
    if (sense == ">=" and row < -tol) or (sense == "<=" and row > tol):
        return [_bound_error(file, t, sense, s, reach, share)]
    return []


def _dot(weights, x) -> float:
    """Σ w·x over the elements a side counts (w ≠ 0): an unbounded element (x = inf) that the side
    does not count must add 0, not inf × 0 = nan."""
    w, x = np.asarray(weights, float), np.asarray(x, float)
    counted = w != 0
    return float(np.dot(w[counted], x[counted]))


def _weights(group, groups: dict, weights: dict):
    """MW counted per MW of a technology by ``group`` (0 outside it; None: no group)."""
    if group is None:
        return lambda tech: 0.0
    members, w = groups.get(group, set()), weights.get(group, {})
    return lambda tech: w.get(tech, 1.0) if tech in members else 0.0


def _bound_error(file, t, sense: str, s: float, reach: float, share: bool) -> CaseError:
    """The target, the bound it needs, what its elements reach at best, and the plan's quote."""
    where = f"at {', '.join(t.buses)}" if t.buses else "at all buses"
    if t.kind == "demand_response":
        what, unit = "demand_response capability / peak", ""
    elif share:
        what, unit = f"capacity_share of {t.group} in {t.of_group}", ""
    else:
        what, unit = f"installed_capacity of {t.group}", " MW"
    end, how = (("at most", "every element at its ceiling where it helps: max_mw, or existing_mw where not "
                 "expandable; at its floor where it hurts") if sense == ">=" else
                ("at least", "every element at its floor: existing_mw, or min_mw where higher"))
    return CaseError(file, f"targets[{t.id}].value", t.value,
                     f"a bound the build ranges can meet: {what} {sense} {s:.6g}{unit}, but {end} "
                     f"{reach:.6g}{unit} is possible {where} ({how}){_source(t)}")


def _source(t) -> str:
    return f"; quoted from {t.source.file}:{t.source.line}" if t.source else ""


# --------------------------------------------------------------------------- warnings


def plausibility_warnings(data) -> list:
    """Valid inputs that are almost surely a unit mistake, one CaseError each (printed, never raised)."""
    case, file = data.case, case_path(data.case)
    out = [CaseError(file, f"buses[{b.name}].demand.peak_mw", b.demand.peak_mw,
                     f"a peak below {PEAK_MW_WARN:g} MW (given in kW?)")
           for b in case.buses if b.demand is not None and b.demand.peak_mw > PEAK_MW_WARN]
    lo, hi = DEMAND_SHAPE_MAX
    for i, b in enumerate(case.buses):
        if b.demand is not None and b.demand.peak_mw > 0:
            top = float(data.demand[i].max()) / b.demand.peak_mw
            if not lo <= top <= hi:
                out.append(CaseError(file, f"buses[{b.name}].demand.profile", f"maximum {top:g}",
                                     f"a profile per unit of peak_mw, its maximum near 1 (given in MW?)"))
    out += [CaseError(file, f"technologies.catalogue[{tech}].{col}", float(data.tech.loc[tech, col]),
                      f"at most {CAPEX_WARN:g} CNY per {unit} (a figure per {unit.replace('k', 'M')}?)")
            for tech in _used(case) for col, unit in (("capex_cny_per_kw", "kW"), ("capex_cny_per_kwh", "kWh"))
            if data.tech.loc[tech, "kind"] != "line" and data.tech.loc[tech, col] > CAPEX_WARN]
    if float((data.demand * data.weights[None, :]).sum()) == 0:
        out.append(CaseError(file, "buses", "0 MWh of demand in the year",
                             "some demand (costs per MWh of demand are undefined without it)"))
    return out


def _used(case) -> list[str]:
    """Technologies the case's elements use, in order, once each."""
    techs = [e.technology for c in element_lists() if c.catalogue_kinds for e in getattr(case, c.case_field)]
    return list(dict.fromkeys(techs))
