"""Read the files a case names: technology catalogue, fuels, hourly profiles.

Every path is relative to the case file and must stay inside the case's ``root``
(:class:`CaseFiles`, which reads each CSV once). A case read from an Excel workbook
(:mod:`gridplan.case.excel`) carries its tables instead (:func:`attach_tables`: the workbook's
sheets as CSV text, by sheet name): its catalogue, fuels, hydrology factors and profiles name
sheets, are read from that text by the same ``pandas.read_csv`` and pass the same checks, and no
file beside the workbook is ever opened. Readers never raise: a file that
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

import csv
import io
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CaseError, Described
from .components import element_lists
from .schema import MAX_ROOT_UP, Case, Profile

CATALOGUE_FLAGS = ("non_fossil", "renewable", "new_energy", "clean")
FLAG_TRUE = ("true", "1", "yes", "y")
FLAG_FALSE = ("false", "0", "no", "n")
"""How a flag cell may be written (any case; a blank cell is false): :func:`truthy` reads
anything else as false, so :func:`gridplan.case.checks.check_cells` refuses anything else."""
CATALOGUE_COLUMNS = (
    "technology", "year", "carrier", "kind", *CATALOGUE_FLAGS, "capex_cny_per_kw",
    "capex_cny_per_kwh", "fom_pct_capex_per_yr", "vom_cny_per_mwh", "lifetime_yr", "efficiency",
    "roundtrip_efficiency", "standing_loss_pct_per_h", "fuel", "capacity_credit",
    "min_duration_h", "max_duration_h",
)
CATALOGUE_OPTIONAL = ("forced_outage_rate", "planned_outage_rate")
"""Numeric columns a catalogue may leave out (read as blank, i.e. 0: no outages); a case's
``technologies.overrides`` may still set them (see :mod:`gridplan.model.families.generators`)."""
CATALOGUE_TEXT = ("technology", "carrier", "kind", "fuel", *CATALOGUE_FLAGS)
CATALOGUE_NUMERIC = tuple(c for c in CATALOGUE_COLUMNS if c not in CATALOGUE_TEXT) + CATALOGUE_OPTIONAL
FUEL_COLUMNS = ("fuel", "year", "price_cny_per_gj", "co2_t_per_gj")
FUEL_NUMERIC = ("price_cny_per_gj", "co2_t_per_gj")
MAX_CSV_BYTES = 256 * 2**20
"""Largest CSV a case may name (256 MiB), refused from its size before it is read: an hourly
year of a hundred profile columns is about 10 MB, and pandas needs several times a file's
size in memory, so a bigger file is a mistake (or an attack), not a profile."""


def case_path(case: Case) -> Path:
    """The file a case was loaded from (relative paths in it resolve from its folder)."""
    p = getattr(case, "_path", None)
    if p is None:
        return Path.cwd() / "<memory>.yaml"
    return p


TABLES = "_tables"
"""The attribute of a :class:`Case` holding the tables it carries (:func:`attach_tables`)."""


def attach_tables(case: Case, tables: Mapping[str, str]) -> Case:
    """Let ``case`` carry its tables: CSV text by name (a workbook's sheets), read by
    :class:`CaseFiles` in place of files. The case is frozen; like ``_path``, this is a private
    attribute, outside its fields (not dumped or validated; ``model_copy`` keeps it)."""
    setattr(case, TABLES, tables)
    return case


def case_tables(case: Case) -> Mapping[str, str] | None:
    """The tables ``case`` carries (None: it reads files)."""
    return getattr(case, TABLES, None)


def truthy(v) -> bool:
    """A catalogue flag cell as a bool: :data:`FLAG_TRUE` (any case), or a non-zero number
    (pandas reads a column of 1/0 as integers)."""
    if isinstance(v, str):
        return v.strip().lower() in FLAG_TRUE
    return bool(v) and not (isinstance(v, float) and np.isnan(v))


# --------------------------------------------------------------------------- files


class CaseFiles:
    """Reads each CSV once; resolves paths against the case file; guards the root. For a case that
    carries its tables (:func:`attach_tables`) a name is a sheet of those, never a file."""

    def __init__(self, case: Case):
        self.case = case
        self.file = case_path(case)
        self.base = self.file.parent
        self.root = (self.base / case.root).resolve()
        self.tables = case_tables(case)
        self.problems: list[CaseError] = []
        self._cache: dict[Path | str, pd.DataFrame] = {}
        self._fields: dict[str, str] = {}

    def _problem(self, *args) -> None:
        """Record a CaseError(file, field, value, expected); the caller reads None."""
        self.problems.append(CaseError(*args))

    def resolve(self, rel: str, field_path: str) -> Path | None:
        """``rel`` (from the case file's folder) resolved, symlinks followed, if it stays inside the
        root and exists; else None and a problem. ``root:`` reaches at most MAX_ROOT_UP folder above
        the case file (:mod:`gridplan.case.load`), so the message does not offer to widen it further.
        A carried table resolves to its label (``book.xlsx: sheet profiles``), which its problems name."""
        if self.tables is not None:
            return self._sheet(rel, field_path)
        p = (self.base / rel).resolve()
        if not p.is_relative_to(self.root):
            up = "one folder" if MAX_ROOT_UP == 1 else f"{MAX_ROOT_UP} folders"
            return self._problem(self.file, field_path, rel,
                                 f"a path inside the case's root {self.root} (`root:` may widen it to at "
                                 f"most {up} above the case file, no further)")
        if not p.exists():
            return self._problem(self.file, field_path, rel, "an existing file")
        return p

    def _sheet(self, rel: str, field_path: str) -> str | None:
        """The label of the carried table ``rel``, or None and a problem when there is none."""
        if rel not in self.tables:
            return self._problem(self.file, field_path, rel,
                                 f"a sheet of the workbook ({', '.join(self.tables) or 'it has none'})")
        return f"{self.file}: sheet {rel}"

    def _source(self, rel: str, p):
        """What ``pd.read_csv`` reads for ``rel`` (resolved to ``p``): a carried table's text, else the file."""
        return io.StringIO(self.tables[rel]) if self.tables is not None else p

    def table(self, rel: str, field_path: str) -> pd.DataFrame | None:
        """The CSV as pandas reads it, after checking that it is a regular file (a FIFO would block
        the read forever, a device never end), its size (before reading) and its header. A carried
        table is text already in memory (its workbook's size was checked when it was read)."""
        p = self.resolve(rel, field_path)
        if p is None:
            return None
        self._fields.setdefault(rel, field_path)
        if p not in self._cache:
            if self.tables is None and not p.is_file():
                kind = "a folder" if p.is_dir() else "a special file (FIFO, socket or device)"
                return self._problem(p, field_path, Described(kind), "a regular CSV file")
            size = len(self.tables[rel]) if self.tables is not None else p.stat().st_size
            if size > MAX_CSV_BYTES:
                return self._problem(p, field_path, size, f"a CSV of at most {MAX_CSV_BYTES} bytes "
                                     "(gridplan.case.readers.MAX_CSV_BYTES); it is not read")
            try:
                self._cache[p] = pd.read_csv(self._source(rel, p))
            except Exception as exc:  # noqa: BLE001 - any parse failure is a user error
                return self._problem(p, field_path, rel, f"a readable CSV ({exc.__class__.__name__})")
            self._check_header(p, self._source(rel, p))
        return self._cache[p]

    def _check_header(self, p, source) -> None:
        """Column names are distinct: pandas renames a repeated one (``pv`` → ``pv.1``) and the
        first column silently wins, so the header is read here, as written."""
        with (open(source, encoding="utf-8-sig", newline="") if isinstance(source, Path) else source) as fh:
            header = next(csv.reader(fh), [])
        repeated = sorted({c for c in header if header.count(c) > 1})
        if repeated:
            self._problem(p, "columns", repeated, "distinct column names (each is written once in the header)")

    def cells(self, rel: str, field_path: str | None = None) -> pd.DataFrame:
        """The CSV's cells as the text written (no NaN or number parsing), for the checks that
        must tell a blank cell from a written ``nan`` (call after :meth:`table` succeeded).
        ``field_path``: the field that names the file (default: the one :meth:`table` read it for)."""
        p = self.resolve(rel, field_path or self._fields.get(rel, rel))
        return pd.read_csv(self._source(rel, p), dtype=str, keep_default_na=False)

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


def profile_refs(case: Case) -> list[tuple[tuple[str, str, str], str, Profile]]:
    """Every profile the case names: ``((case field, element name, its field), field path, profile)``,
    the field being ``demand`` for a bus and a :class:`~gridplan.case.components.Series`'
    ``profile`` for a component (an element may name several: an exchange's prices and limits)."""
    refs = [(("buses", b.name, "demand"), f"buses[{b.name}].demand.profile", b.demand.profile)
            for b in case.buses if b.demand is not None]
    for c in element_lists():
        for s in c.series:
            refs += [((c.case_field, e.name, s.profile), f"{c.case_field}[{e.name}].{s.profile}",
                      getattr(e, s.profile)) for e in getattr(case, c.case_field) if getattr(e, s.profile) is not None]
    return refs


def read_profiles(case: Case, files: CaseFiles) -> dict[tuple[str, str, str], np.ndarray]:
    """The raw hourly columns of every profile that could be read, by (case field, element name, field)."""
    out = {}
    for key, field_path, prof in profile_refs(case):
        values = files.column(prof, field_path)
        if values is not None:
            out[key] = values
    return out


# --------------------------------------------------------------------------- catalogue and fuels


def catalogue_for_year(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per technology available in ``year`` (linear interpolation between years)."""
    table = table.assign(**{c: np.nan for c in CATALOGUE_OPTIONAL if c not in table.columns})
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
    cat = pd.DataFrame(rows).T if rows else pd.DataFrame(columns=table.columns)
    cat.index.name = "technology"
    return cat


def catalogue_years(table: pd.DataFrame) -> dict[str, list[int]]:
    """The years the catalogue gives for each technology (to say which years a technology has)."""
    return {str(t): sorted(int(y) for y in g["year"]) for t, g in table.groupby("technology", sort=False)}


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
                # a value that is not a number is refused by the checks, listed with the others
                val = pd.to_numeric(val, errors="coerce") if isinstance(val, str) else float(val)
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
