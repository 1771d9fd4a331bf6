"""The runs of a scenario sweep: one case under every combination of overrides.

Overrides come as ``sets`` (``{path: [values]}`` or CLI strings ``"path=v1,v2"``, their
cartesian product taken) and/or a scenarios CSV (header = override paths, one scenario per
row, blank cell = not overridden, an optional ``name`` column naming the run); both together
give every CSV row × every combination of ``sets``. Paths are those of
:mod:`gridplan.overrides`.

Run names: ``<stem>__<name>`` for named rows; otherwise ``<stem>__<last two path parts>=<value>...``
(``gas_solar__nf_share.value=0.4_gas.capex_cny_per_kw=1000``) when that fits in 60 characters, else ``<stem>__s<number>``; numbered throughout if two
names would collide.
"""
from __future__ import annotations

import itertools
from pathlib import Path
from typing import Sequence

import pandas as pd

from ..errors import CaseError
from ..overrides import parse_set, parse_value, split_path
from .runs import Run, safe_name

MAX_NAME_DESCRIPTION = 60


def parse_sets(sets: dict | Sequence[str] | None) -> dict[str, list]:
    """``{path: [values]}`` from a dict (a single value becomes a list) or CLI strings."""
    if sets is None:
        return {}
    if not isinstance(sets, dict):
        parsed: dict[str, list] = {}
        for s in sets:
            try:
                k, vals = parse_set(s)
            except ValueError as exc:
                raise CaseError("--set", s, s, str(exc)) from None
            parsed[k] = parsed.get(k, []) + vals
        sets = parsed
    return {k: (list(v) if isinstance(v, (list, tuple)) else [v]) for k, v in sets.items()}


def scenario_rows(scenarios) -> list[tuple[str | None, dict]]:
    """``(name or None, overrides)`` per row of a scenarios CSV path or DataFrame."""
    src = scenarios if isinstance(scenarios, pd.DataFrame) else pd.read_csv(
        scenarios, dtype=str, keep_default_na=False)
    file = "<scenarios>" if isinstance(scenarios, pd.DataFrame) else str(scenarios)
    name_col = next((c for c in ("name", "scenario") if c in src.columns), None)
    for col in src.columns:
        if col != name_col:
            try:
                split_path(str(col))
            except ValueError as exc:
                raise CaseError(file, f"column {col}", col, str(exc)) from None
    rows = []
    for _, r in src.iterrows():
        ov = {str(c): parse_value(v) for c, v in r.items()
              if c != name_col and not (isinstance(v, str) and v.strip() == "") and not pd.isna(v)}
        rows.append((str(r[name_col]) if name_col else None, ov))
    return rows


def _name_runs(runs: list[Run], stem: str) -> None:
    width = len(str(len(runs)))
    for i, r in enumerate(runs):
        if r.name:
            r.name = f"{stem}__{safe_name(r.name)}"
            continue
        # the last two parts name the parameter ("gas.capex_cny_per_kw", "nf_share.value",
        # "hydrology.year"): the last alone would drop which technology or target it is
        desc = "_".join(f"{'.'.join(split_path(k)[-2:])}={v}" for k, v in r.overrides.items())
        short = desc and len(desc) <= MAX_NAME_DESCRIPTION
        r.name = f"{stem}__{safe_name(desc)}" if short else f"{stem}__s{i + 1:0{width}d}"
    if len({r.name for r in runs}) < len(runs):
        for i, r in enumerate(runs):
            r.name = f"{stem}__s{i + 1:0{width}d}"


def sweep_runs(case, sets: dict | Sequence[str] | None = None, scenarios=None) -> list[Run]:
    """The runs of a scenario sweep of one case (see the module docstring)."""
    stem = safe_name(case.get("name", "case")) if isinstance(case, dict) else safe_name(Path(case).stem)
    sets = parse_sets(sets)
    rows = scenario_rows(scenarios) if scenarios is not None else [(None, {})]
    keys = list(sets)
    combos = list(itertools.product(*[sets[k] for k in keys])) if keys else [()]
    runs = []
    for label, base in rows:
        for combo in combos:
            ov = {**base, **dict(zip(keys, combo))}
            runs.append(Run(case=case, overrides=ov, scenario=dict(ov), name=label))
    _name_runs(runs, stem)
    return runs
