"""Read the files a case names: technology catalogue, fuels, hourly profiles.

Every path is relative to the case file and must stay inside the case's ``root``
(:class:`CaseFiles`, which reads each CSV once). Readers never raise: a file that
cannot be used is recorded in ``CaseFiles.problems`` (one
:class:`~gridplan.errors.CaseError` each, naming the file, the field, the value and
what was expected) and read as ``None``; :func:`gridplan.case.prepare.prepare`
decides when to stop. Values are returned as the files give them (catalogue units,
profiles unscaled); :mod:`gridplan.case.checks` checks them and
:mod:`gridplan.case.convert` turns them into model units.

Catalogue for the case's year ``y``: a technology's row for ``y`` if there is one,
else, for every numeric column, linear interpolation between the nearest years
around it, ``v = v_a + (y - y_a)/(y_b - y_a) · (v_b - v_a)`` (``v_a`` where either
is blank); a technology whose years do not bracket ``y`` is not available. Then
``technologies.overrides`` replace single cells.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CaseError
from .components import element_lists
from .schema import Case, Profile

CATALOGUE_FLAGS = ("non_fossil", "renewable", "new_energy", "clean")
CATALOGUE_COLUMNS = (
    "technology", "year", "carrier", "kind", *CATALOGUE_FLAGS, "capex_cny_per_kw",
    "capex_cny_per_kwh", "fom_pct_capex_per_yr", "vom_cny_per_mwh", "lifetime_yr", "efficiency",
    "roundtrip_efficiency", "standing_loss_pct_per_h", "fuel", "capacity_credit",
    "min_duration_h", "max_duration_h",
)
CATALOGUE_TEXT = ("technology", "carrier", "kind", "fuel", *CATALOGUE_FLAGS)
CATALOGUE_NUMERIC = tuple(c for c in CATALOGUE_COLUMNS if c not in CATALOGUE_TEXT)
FUEL_COLUMNS = ("fuel", "year", "price_cny_per_gj", "co2_t_per_gj")


def case_path(case: Case) -> Path:
    """The file a case was loaded from (relative paths in it resolve from its folder)."""
    p = getattr(case, "_path", None)
    if p is None:
        return Path.cwd() / "<memory>.yaml"
    return p


def truthy(v) -> bool:
    """A catalogue flag cell as a bool: true/1/yes/y (any case), or a non-zero number."""
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "yes", "y")
    return bool(v) and not (isinstance(v, float) and np.isnan(v))


# --------------------------------------------------------------------------- files


class CaseFiles:
    """Reads each CSV once; resolves paths against the case file; guards the root."""

    def __init__(self, case: Case):
        self.case = case
        self.file = case_path(case)
        self.base = self.file.parent
        self.root = (self.base / case.root).resolve()
        self.problems: list[CaseError] = []
        self._cache: dict[Path, pd.DataFrame] = {}

    def _problem(self, *args) -> None:
        """Record a CaseError(file, field, value, expected); the caller reads None."""
        self.problems.append(CaseError(*args))

    def resolve(self, rel: str, field_path: str) -> Path | None:
        p = (self.base / rel).resolve()
        if not p.is_relative_to(self.root):
            return self._problem(self.file, field_path, rel,
                                 f"a path inside the case's root {self.root} (set `root:` to widen it)")
        if not p.exists():
            return self._problem(self.file, field_path, rel, "an existing file")
        return p

    def table(self, rel: str, field_path: str) -> pd.DataFrame | None:
        p = self.resolve(rel, field_path)
        if p is None:
            return None
        if p not in self._cache:
            try:
                self._cache[p] = pd.read_csv(p)
            except Exception as exc:  # noqa: BLE001 - any parse failure is a user error
                return self._problem(p, field_path, rel, f"a readable CSV ({exc.__class__.__name__})")
        return self._cache[p]

    def column(self, prof: Profile, field_path: str) -> np.ndarray | None:
        """The profile's column as floats (a cell that is not a number reads as NaN), unscaled."""
        df = self.table(prof.file, field_path + ".file")
        if df is None:
            return None
        if prof.column not in df.columns:
            return self._problem(self.file, field_path + ".column", prof.column,
                                 f"a column of {prof.file} ({', '.join(map(str, df.columns))})")
        return pd.to_numeric(df[prof.column], errors="coerce").to_numpy(dtype=float)


# --------------------------------------------------------------------------- profiles


def profile_refs(case: Case) -> list[tuple[tuple[str, str], str, Profile]]:
    """Every profile the case names: ``((case field, element name), field path, profile)``."""
    refs = [(("buses", b.name), f"buses[{b.name}].demand.profile", b.demand.profile)
            for b in case.buses if b.demand is not None]
    for c in element_lists():
        if c.profile:
            refs += [((c.case_field, e.name), f"{c.case_field}[{e.name}].{c.profile}", getattr(e, c.profile))
                     for e in getattr(case, c.case_field) if getattr(e, c.profile) is not None]
    return refs


def read_profiles(case: Case, files: CaseFiles) -> dict[tuple[str, str], np.ndarray]:
    """The raw hourly columns of every profile that could be read, by (case field, element name)."""
    out = {}
    for key, field_path, prof in profile_refs(case):
        values = files.column(prof, field_path)
        if values is not None:
            out[key] = values
    return out


# --------------------------------------------------------------------------- catalogue and fuels


def catalogue_for_year(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per technology available in ``year`` (linear interpolation between years)."""
    rows = {}
    y = float(year)
    for tech, g in table.groupby("technology", sort=False):
        g = g.sort_values("year")
        years = g["year"].to_numpy(dtype=float)
        if y in years:
            rows[tech] = g[g["year"] == y].iloc[0].copy()
        elif years.min() < y < years.max():
            rows[tech] = _interpolate(g, years, y)
        # else: not available for this year; a component naming it is reported by the checks
    cat = pd.DataFrame(rows).T
    cat.index.name = "technology"
    return cat


def _interpolate(g: pd.DataFrame, years: np.ndarray, y: float) -> pd.Series:
    i = np.searchsorted(years, y)
    a, b = g.iloc[i - 1], g.iloc[i]
    f = (y - years[i - 1]) / (years[i] - years[i - 1])
    row = a.copy()
    for c in CATALOGUE_NUMERIC:
        va, vb = pd.to_numeric(a[c], errors="coerce"), pd.to_numeric(b[c], errors="coerce")
        row[c] = va + f * (vb - va) if np.isfinite(va) and np.isfinite(vb) else va
    row["year"] = y
    return row


def with_overrides(cat: pd.DataFrame, overrides: dict) -> pd.DataFrame:
    """The catalogue with ``technologies.overrides`` applied (checked before) and typed columns."""
    cat = cat.copy()
    for tech, over in overrides.items():
        for col, val in over.items():
            if col in CATALOGUE_NUMERIC and val is not None:
                val = float(val)
            cat.loc[tech, col] = val
    for c in CATALOGUE_NUMERIC:
        cat[c] = pd.to_numeric(cat[c], errors="coerce")
    for c in CATALOGUE_FLAGS:
        cat[c] = cat[c].map(truthy)
    cat["fuel"] = cat["fuel"].fillna("").astype(str)
    return cat


def fuels_for_year(table: pd.DataFrame | None, year: int) -> pd.DataFrame:
    """Price and CO2 factor of each fuel, from its row nearest to ``year`` (none listed: empty)."""
    if table is None:
        return pd.DataFrame(columns=["price_cny_per_gj", "co2_t_per_gj"])
    d = table.assign(dist=(table["year"] - year).abs()).sort_values("dist")
    return d.drop_duplicates("fuel").set_index("fuel")[["price_cny_per_gj", "co2_t_per_gj"]]
