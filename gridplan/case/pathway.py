"""A pathway file: investment periods, each an ordinary single-year case, and the targets across them.

A pathway (issue #16) is what the carbon-peak plans are: 2025 and 2030 targets for the same
cities, capacity built for 2025 still standing in 2030, and a peak of emissions that later
periods must not exceed. The file lists the periods and points each at a single-year case file,
which is read, validated and prepared exactly as ``gridplan solve`` does on its own (its demand,
catalogue year, fuels, existing fleet and targets are those of its year)::

    name: chengdu_pathway
    discount_rate: 0.06                      # equal to every period case's own
    foresight: perfect                       # or myopic: period by period
    periods:
      - {year: 2025, years: 5, case: chengdu_2025.yaml}
      - {year: 2030, years: 5, case: chengdu_2030.yaml}
      - {year: 2035, years: 5, case: chengdu_2035.yaml}
    targets:
      - {id: carbon_peak_2030, kind: carbon_peak, peak_year: 2030, buses: [chengdu]}

**The stock of each period.** A period case's ``existing_mw`` is the capacity standing in that
period that the model does not choose: the stock, committed projects by their commissioning
year, and retirements by their stated year (a unit retired before 2035 is simply smaller or
absent in the 2035 case). What the model builds in a period is carried into every later period
while the vintage lives (:mod:`gridplan.model.pathway`). An element is the same asset in two
periods when it has the same name in the same list.

**Present values** (all unit conversion of the pathway happens here). Period *p* starts in year
``y_p`` and stands for ``L_p`` years (``years``; by default up to the next period, the last as
long as the one before). With the discount rate *r* and the base year ``y_0`` (the first
period's year) its weight is

    W_p = Σ_{k=0}^{L_p - 1} (1 + r)^-(y_p + k - y_0)        (years of period p, discounted to y_0)

Every annual cost of period *p* (operation, fixed O&M, annuities of what stands in it) is
multiplied by ``W_p``, so the objective is a present value in CNY of ``y_0``, the same weighting
as PyPSA's ``investment_period_weightings["objective"]``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Optional

import numpy as np
from pydantic import Field, ValidationError

from ..errors import CaseError
from .checks import raise_problems
from .fields import Name, NonNeg, Strict, Text, Whole
from .load import _schema_problems, FieldPaths, load_case
from .schema import Case
from .targets import Source, accounting_problem, line_buses, own_accounts
from .yaml_file import read_case_data

Year = Annotated[Whole, Field(ge=1990, le=2100)]


class Period(Strict):
    year: Year
    """The period's first year, which is also its case's ``year``."""
    case: Text
    """The single-year case file of the period, relative to the pathway file."""
    years: Optional[Annotated[Whole, Field(ge=1, le=50)]] = None
    """Years the period stands for (default: up to the next period; the last: as long as the one before)."""


class CarbonPeak(Strict):
    """Emissions (the ``co2`` the model counts, plus for buses with their own accounting the CO2 of
    their annual net purchases over the lines: :func:`gridplan.model.pathway.peak_emissions`) in
    every period after ``peak_year`` no higher than in the period of ``peak_year``; ``cap_t`` adds a
    cap path (t CO2 per year, by period year). A scope without its own accounting counts what is
    produced (and imported from outside the case) at its buses."""

    id: Name
    kind: Literal["carbon_peak"]
    peak_year: Year
    buses: Optional[Annotated[list[Name], Field(min_length=1)]] = None
    """Buses whose emissions are counted (default: all)."""
    cap_t: dict[Year, NonNeg] = {}
    """An optional cap path: t CO2 per year in the period of that year."""
    description: str = ""
    source: Optional[Source] = None


PathwayTarget = Annotated[CarbonPeak, Field(discriminator="kind")]


class Pathway(Strict):
    name: Name
    description: str = ""
    discount_rate: Optional[Annotated[float, Field(gt=0, lt=1)]] = None
    """Real discount rate of the present values (default: the first period case's); every period
    case must have this one (its annuities use it)."""
    foresight: Literal["perfect", "myopic"] = "perfect"
    """perfect: all periods in one LP; myopic: period by period, each seeing only itself, carrying
    what the earlier ones built (:func:`gridplan.solve_pathway`)."""
    periods: list[Period] = Field(min_length=2, max_length=12)
    targets: list[PathwayTarget] = []


@dataclass
class PathwayCase:
    """A validated pathway: its file, its periods' cases (in year order) and the weights."""

    spec: Pathway
    path: Path
    cases: list[Case]
    years: np.ndarray           # (P,) first year of each period
    lengths: np.ndarray         # (P,) years each stands for
    discount_rate: float
    weights: np.ndarray         # (P,) W_p: discounted years (module docstring)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def base_year(self) -> int:
        return int(self.years[0])

    def period_of(self, year: int) -> int:
        """Position of the period starting in ``year``."""
        return int(np.flatnonzero(self.years == year)[0])


def period_weights(years, lengths, rate: float, base_year: int) -> np.ndarray:
    """W_p = Σ_{k < L_p} (1 + r)^-(y_p + k - y_0): each period's years, discounted to the base year."""
    return np.array([sum((1.0 + rate) ** -(y + k - base_year) for k in range(int(n)))
                     for y, n in zip(years, lengths)])


def period_lengths(spec: Pathway) -> np.ndarray:
    """Years each period stands for: as given, else the gap to the next one (the last: the gap before it)."""
    years = [p.year for p in spec.periods]
    gaps = [b - a for a, b in zip(years, years[1:])]
    return np.array([p.years if p.years is not None else (gaps[i] if i < len(gaps) else gaps[-1])
                     for i, p in enumerate(spec.periods)], dtype=int)


def is_pathway_file(path) -> bool:
    """Whether a YAML file is a pathway (it has ``periods:``) rather than a single-year case."""
    p = Path(path)
    if p.suffix.lower() not in (".yaml", ".yml") or not p.is_file():
        return False
    data = read_case_data(p.resolve())
    return isinstance(data, dict) and "periods" in data


def load_pathway(path, overrides: dict | None = None) -> PathwayCase:
    """Read and check a pathway file and every period's case. ``overrides`` (a nested dict, as
    :func:`gridplan.case.load.load_case` takes) apply to every period's case."""
    path = Path(path).resolve()
    data = read_case_data(path)
    if not isinstance(data, dict):
        raise CaseError(path, "<root>", data, "a mapping of pathway fields (name, periods, targets)")
    try:
        spec = Pathway.model_validate(data)
    except ValidationError as exc:
        raise_problems(_schema_problems(data, exc.errors(include_url=False), path, FieldPaths()))
    raise_problems(_order_problems(spec, path))
    cases = [_period_case(path, i, p, overrides) for i, p in enumerate(spec.periods)]
    rate = spec.discount_rate if spec.discount_rate is not None else cases[0].discount_rate
    raise_problems(_case_problems(spec, cases, rate, path))
    years = np.array([p.year for p in spec.periods], dtype=int)
    lengths = period_lengths(spec)
    return PathwayCase(spec, path, cases, years, lengths, float(rate),
                       period_weights(years, lengths, rate, int(years[0])))


def _period_case(path: Path, i: int, p: Period, overrides) -> Case:
    file = path.parent / p.case
    if not file.is_file():
        raise CaseError(path, f"periods[{i}].case", p.case, "a case file relative to the pathway file")
    return load_case(file, overrides)


def _order_problems(spec: Pathway, path: Path) -> list[CaseError]:
    years = [p.year for p in spec.periods]
    out = [CaseError(path, f"periods[{i}].year", b, f"a year after the period before ({a})")
           for i, (a, b) in enumerate(zip(years, years[1:]), start=1) if b <= a]
    lengths = period_lengths(spec)
    for i, (a, b) in enumerate(zip(years, years[1:])):
        if lengths[i] > b - a:
            out.append(CaseError(path, f"periods[{i}].years", int(lengths[i]),
                                 f"at most {b - a} (the next period starts in {b})"))
    ids = [t.id for t in spec.targets]
    out += [CaseError(path, f"targets[{t}].id", t, "an id used once") for t in sorted({i for i in ids if ids.count(i) > 1})]
    for t in spec.targets:
        if t.peak_year not in years:
            out.append(CaseError(path, f"targets[{t.id}].peak_year", t.peak_year,
                                 f"the year of a period ({', '.join(map(str, years))})"))
        out += [CaseError(path, f"targets[{t.id}].cap_t.{y}", y, f"the year of a period ({', '.join(map(str, years))})")
                for y in t.cap_t if y not in years]
    return out


def _case_problems(spec: Pathway, cases: list[Case], rate: float, path: Path) -> list[CaseError]:
    out = []
    for i, (p, c) in enumerate(zip(spec.periods, cases)):
        if c.year != p.year:
            out.append(CaseError(path, f"periods[{i}].case", p.case, f"a case of year {p.year} (it is of {c.year})"))
        if abs(c.discount_rate - rate) > 1e-12:
            out.append(CaseError(path, f"periods[{i}].case", p.case,
                                 f"a case with the pathway's discount_rate {rate:g} (it has {c.discount_rate:g}): "
                                 "its annuities and the present values must use one rate"))
    for t in spec.targets:
        for b in t.buses or []:
            missing = [p.year for p, c in zip(spec.periods, cases) if b not in {x.name for x in c.buses}]
            if missing:
                out.append(CaseError(path, f"targets[{t.id}].buses", b,
                                     f"a bus of every period's case (not in {', '.join(map(str, missing))})"))
        if not any(p.field.startswith(f"targets[{t.id}]") for p in out):
            out += [p for c in cases for p in _emission_accounts(c, t)]
    return list({str(p): p for p in out}.values())


def _emission_accounts(case: Case, t: CarbonPeak) -> list[CaseError]:
    """The emissions a carbon peak counts are ``co2_cap``'s: the accounts of its buses must be
    summable, and a bus with its own accounting and lines needs ``grid_co2_t_per_mwh`` (else its
    purchases over the lines would count as emission-free and the peak could be met by buying)."""
    file = case._path
    problem = accounting_problem(case, t.buses, t.id, file)
    if problem is not None:
        return [problem]
    with_lines, out = line_buses(case), []
    for b, ea in own_accounts(case, t.buses).items():
        if b not in with_lines:
            continue
        # purchases over the lines are only counted where both are given (families/lines.py)
        for f, what in (("grid_co2_t_per_mwh", "t CO2 per MWh bought over the lines"),
                        ("grid_non_fossil_fraction", "the non-fossil fraction of what it buys over the lines")):
            if getattr(ea, f) is None:
                out.append(CaseError(file, f"buses[{b}].energy_accounting.{f}", None,
                                     f"{what} (pathway target {t.id} counts the city's CO2 with its net purchases)"))
    return out
