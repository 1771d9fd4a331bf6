"""Excel workbooks as case files, for planners: one sheet per table, one file to hand on.

``gridplan template CASE --excel book.xlsx`` writes a case as a workbook
(:func:`write_workbook`); ``load_case("book.xlsx")`` reads one back (:func:`read_workbook`,
called by :func:`gridplan.case.load.load_case`) into the same data a YAML file gives, so the
same pydantic validation, reference checks and catalogue and profile checks run, and every
problem is one line naming the sheet, the Excel row and the column
(``book.xlsx: sheet generators, row 5 (gy_solar), column max_mw: got -5; expected ...``).

The sheets:

* ``case`` — the scalar settings, one ``key | value | about`` row each, nested keys dotted
  (``time.hours``, ``energy_accounting.fossil_other_tce``,
  ``technologies.overrides.<technology>.<column>``);
* ``buses``, ``generators``, ``storage``, ``reservoirs``, ``lines``, ``exchanges``,
  ``demand_response``, ``electrification``, ``targets`` — one row per element, one column per
  field (:func:`columns_of`, from the schema: nested fields dotted, ``demand.peak_mw``; lists
  such as ``targets.buses`` as names separated by commas); a target's row leaves the fields its
  kind lacks blank; ``groups`` — one row per technology group;
* ``profiles`` — one column per hourly series the case uses (``guangyuan.csv:load_pu``), one row
  per hour. A component's profile field is a cell naming one of these columns, its ``scale`` the
  ``<field>.scale`` column beside it;
* ``technologies``, ``fuels``, ``hydrology`` — the catalogue, fuel and hydro-year tables the case
  reads, whole, named by the ``case`` rows ``technologies.catalogue``, ``technologies.fuels`` and
  ``hydrology.factors``; ``README`` — how to edit.

Why the tables travel inside: a planner gets one file, with no ``data/`` folder beside it. A
workbook case reads *nothing* beside the workbook: :func:`~gridplan.case.readers.attach_tables`
hands its table sheets to :class:`~gridplan.case.readers.CaseFiles` as CSV text, which reads
them with the same ``pandas.read_csv`` and runs the same checks as for files (so a workbook
solves to the objective of the YAML case it was written from). A blank cell is a field not
given (its default applies; a required one is reported). Formulas are read as the values Excel
or LibreOffice saved with them; a formula saved without its value is refused, not read as blank.

The file is guarded before openpyxl parses it: a regular file of bounded size whose zip
members unpack to a bounded size, at most :data:`MAX_ROWS` rows and :data:`MAX_COLUMNS`
columns a sheet.
"""
from __future__ import annotations

import csv
import difflib
import io
import math
import re
import types
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from ..errors import CaseError, Described, GridplanError, shown
from ..io import atomic_write
from .checks import raise_problems
from .readers import CaseFiles, attach_tables, case_path, profile_refs
from .schema import (Bus, Case, DemandResponse, Electrification, Exchange, Generator, GroupSpec, Line, Profile,
                     Reservoir, Storage)
from .targets import KINDS

CASE_SHEET, GROUPS_SHEET, README_SHEET = "case", "groups", "README"
PROFILES_SHEET, CATALOGUE_SHEET, FUELS_SHEET, FACTORS_SHEET = "profiles", "technologies", "fuels", "hydrology"
ELEMENT_SHEETS: dict[str, Any] = {
    "buses": Bus, "generators": Generator, "storage": Storage, "reservoirs": Reservoir, "lines": Line,
    "exchanges": Exchange, "demand_response": DemandResponse, "electrification": Electrification,
    "targets": None,   # one column per field of any kind (targets_columns)
}
"""Sheets of one row per element, by the case's list field (= the sheet's name)."""
REQUIRED_SHEETS = (CASE_SHEET, *ELEMENT_SHEETS, GROUPS_SHEET)
"""Sheets every workbook has: a missing one is an error, not an empty list (a deleted targets sheet
must not solve a case without its targets)."""
CASE_KEYS_SKIPPED = ("root",)
"""Case fields the ``case`` sheet leaves out: ``root`` guards files, and a workbook reads none."""
HOUR_COLUMN = "hour"
"""First column of the profiles sheet (0, 1, ...): for the planner's eye, never read."""
CASE_HEADER = ("key", "value", "about")
NULL = "null"
"""An override value that blanks a catalogue cell (a blank value cell gives no override)."""

MAX_WORKBOOK_BYTES = 64 * 2**20
"""Largest workbook read (the five-city case's is a few MB)."""
MAX_UNPACKED_BYTES = 512 * 2**20
"""Most its zip members may unpack to (a zip bomb is refused before openpyxl opens it)."""
MAX_ROWS = 100_000
MAX_COLUMNS = 2_000
SHOWN_COLUMNS = 12
"""Profile columns a message lists before "..."."""


# --------------------------------------------------------------------------- columns, from the schema


@dataclass(frozen=True)
class Column:
    """A column of an element sheet (or a key of the case sheet): its header, the field path it
    fills and how a cell becomes a field value."""

    name: str
    path: tuple[str, ...]
    kind: str = "value"
    """value (as the cell holds it), text (a number becomes its text: Excel turns a name like 2030
    into a number), list (names separated by commas), profile (a column of the profiles sheet),
    map (a prefix: ``capacity_weights.<technology>``, ``technologies.overrides.<tech>.<column>``)."""
    about: str = ""


def _unwrap(ann):
    """``Optional[X]`` and ``Annotated[X, ...]`` → X."""
    while True:
        origin = get_origin(ann)
        if origin is Annotated:
            ann = get_args(ann)[0]
        elif origin in (Union, types.UnionType) and sum(a is not type(None) for a in get_args(ann)) == 1:
            ann = next(a for a in get_args(ann) if a is not type(None))
        else:
            return ann


def _is_text(ann) -> bool:
    return ann is str or (get_origin(ann) is Literal and all(isinstance(a, str) for a in get_args(ann)))


def columns_of(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[Column]:
    """The columns of a model's fields, nested models dotted (``demand.peak_mw``), a profile as its
    column and its ``.scale``."""
    out = []
    for name, info in model.model_fields.items():
        ann, path = _unwrap(info.annotation), (*prefix, name)
        dotted, about = ".".join(path), _first_sentence(info.description)
        if ann is Profile:
            scale = _first_sentence(Profile.model_fields["scale"].description)
            out += [Column(dotted, path, "profile", f"{about} (a column of the profiles sheet)".lstrip()),
                    Column(dotted + ".scale", (*path, "scale"), "value", scale)]
        elif isinstance(ann, type) and issubclass(ann, BaseModel):
            out += columns_of(ann, path)
        elif get_origin(ann) is list:
            out.append(Column(dotted, path, "list", (about + " " if about else "") + "(names separated by commas)"))
        elif get_origin(ann) is dict:
            out.append(Column(dotted, path, "map", about))
        else:
            out.append(Column(dotted, path, "text" if _is_text(ann) else "value", about))
    return out


def _first_sentence(text: str | None) -> str:
    words = " ".join((text or "").split())
    return words.split(". ")[0].rstrip(".") if words else ""


def targets_columns() -> list[Column]:
    """Every field of any target kind: id, kind, value, hedge first, the plan's source last."""
    seen: dict[str, Column] = {}
    for kind in KINDS.values():
        for c in columns_of(kind.schema):
            seen.setdefault(c.name, c)
    first = [seen.pop(n) for n in ("id", "kind", "value", "hedge")]
    source = [c for n, c in seen.items() if n.startswith("source.")]
    return first + [c for c in seen.values() if c not in source] + source


def sheet_columns(sheet: str) -> list[Column]:
    """The columns of an element sheet or of the groups sheet."""
    if sheet == "targets":
        return targets_columns()
    if sheet == GROUPS_SHEET:
        return [Column("name", ("name",), "text", "the group's name, as targets name it"), *columns_of(GroupSpec)]
    return columns_of(ELEMENT_SHEETS[sheet])


def case_keys() -> list[Column]:
    """The keys of the case sheet: every setting but the element lists and groups."""
    lists = {*ELEMENT_SHEETS, GROUPS_SHEET, *CASE_KEYS_SKIPPED}
    return [c for c in columns_of(Case) if c.path[0] not in lists]


def _map_column(columns: list[Column], name: str) -> Column | None:
    """A column below a map prefix (``capacity_weights.solar_utility``), or None."""
    for c in columns:
        if c.kind == "map" and name.startswith(c.name + ".") and len(name) > len(c.name) + 1:
            rest = name[len(c.name) + 1:]
            if c.path == ("technologies", "overrides"):   # technology.column: a column has no dot
                tech, _, col = rest.rpartition(".")
                keys = (tech, col) if tech and col else (rest,)
            else:
                keys = (rest,)
            return Column(name, (*c.path, *keys), "value", c.about)
    return None


# --------------------------------------------------------------------------- cells


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _as_text(v):
    """A cell where text goes: a number as its text (Excel makes the name 2030 a number), others as they are."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return v.isoformat() if isinstance(v, (datetime, date, time)) else v
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v) if isinstance(v, int) else repr(v)


def _cell_text(v) -> str:
    """A cell as the text a CSV file would hold (what a table sheet becomes for the readers)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (datetime, date, time)):
        return v.isoformat()
    return str(v)


def _number_or_text(text: str):
    """A CSV cell as a workbook cell: a number where the text is one (a planner sorts and sums
    them), else the text as written; blank: None."""
    t = text.strip()
    if not t:
        return None
    if re.fullmatch(r"[-+]?\d{1,15}", t):
        return int(t)
    try:
        v = float(t)
    except ValueError:
        return text
    return v if math.isfinite(v) else text


# --------------------------------------------------------------------------- where a problem is


_PLAIN = re.compile(r"[A-Za-z0-9_.\-]{1,60}")
"""A row's name shown as it is (others as a bounded repr, so a name cannot break the line)."""


def _plain(text) -> str:
    return str(text) if _PLAIN.fullmatch(str(text)) else shown(str(text), 60)


def _place(sheet: str, row: int | None = None, label=None, column: str | None = None) -> str:
    """``sheet generators, row 5 (gy_solar), column max_mw``."""
    out = f"sheet {sheet}"
    if row is not None:
        out += f", row {row}"
        if label is not None and str(label):
            out += f" ({_plain(label)})"
    if column:
        out += f", {'key' if sheet == CASE_SHEET else 'column'} {column}"
    return out


class Places:
    """Where each field of the workbook's data came from: pydantic error locations and field paths
    (``generators[gy_solar].max_mw``) as sheet, Excel row and column (the protocol of
    :class:`gridplan.case.load.FieldPaths`)."""

    def __init__(self):
        self.rows: dict[str, list[tuple[int, Any]]] = {}   # sheet -> (Excel row, name) of each element
        self.groups: dict[str, int] = {}                   # group name -> Excel row
        self.keys: dict[tuple, int] = {}                   # case setting's path -> Excel row
        self.profile_paths: dict[str, set] = {}            # sheet -> paths of its profile columns

    def at_loc(self, data: Any, loc: tuple) -> str:
        """A pydantic error location (``('generators', 3, 'max_mw')``) in the workbook's data."""
        loc = tuple(loc)
        head = loc[0] if loc else None
        if head in ELEMENT_SHEETS:
            rows = self.rows.get(head, [])
            if len(loc) < 2 or not isinstance(loc[1], int) or not 0 <= loc[1] < len(rows):
                return _place(head)
            row, label = rows[loc[1]]
            rest = loc[2:]
            record = data.get(head)[loc[1]] if isinstance(data.get(head), list) else {}
            kind = record.get("kind") if isinstance(record, dict) else None
            if head == "targets" and rest and rest[0] == kind:    # a discriminated union puts the tag first
                rest = rest[1:]
            column = self._column(head, rest)
            if column is None and head == "targets" and kind not in KINDS:
                column = "kind"
            return _place(head, row, label, column)
        if head == GROUPS_SHEET:
            if len(loc) >= 2 and loc[1] in self.groups:
                return _place(GROUPS_SHEET, self.groups[loc[1]], loc[1], self._column(GROUPS_SHEET, loc[2:]))
            return _place(GROUPS_SHEET)
        keys = tuple(k for k in loc if k != "[key]")
        row = next((self.keys[keys[:n]] for n in range(len(keys), 0, -1) if keys[:n] in self.keys), None)
        return _place(CASE_SHEET, row, None, ".".join(map(str, keys)) or None)

    def _column(self, sheet: str, rest: tuple) -> str | None:
        """The column of a field path below a row: list positions and dict-key markers dropped, a
        profile's ``file`` and ``column`` being its one cell."""
        keys = tuple(str(k) for k in rest if not isinstance(k, int) and k != "[key]")
        if keys and keys[-1] in ("file", "column") and keys[:-1] in self.profile_paths.get(sheet, ()):
            keys = keys[:-1]
        return ".".join(keys) or None

    def at_field(self, path: str) -> str:
        """A field path as the checks write it, as sheet, row and column (unknown ones as they are)."""
        m = re.fullmatch(r"([a-z_]+)\[(.*?)\](?:\.(.*))?", path)
        if m and m[1] in ELEMENT_SHEETS:
            for row, label in self.rows.get(m[1], []):
                if str(label) == m[2]:
                    return _place(m[1], row, label, m[3])
            return _place(m[1], None, None, m[3])
        for name, row in self.groups.items():
            if path.startswith(f"{GROUPS_SHEET}.{name}."):
                return _place(GROUPS_SHEET, row, name, path[len(GROUPS_SHEET) + len(name) + 2:])
        keys = tuple(path.split("."))
        return _place(CASE_SHEET, self.keys[keys], None, path) if keys in self.keys else path


# --------------------------------------------------------------------------- reading


@dataclass
class WorkbookCase:
    """A workbook read: the case's data (as a YAML file gives it), where each field came from,
    and its table sheets (catalogue, fuels, factors, profiles) as rows of cells."""

    path: Path
    data: dict
    places: Places
    tables: dict[str, list[tuple]] = field(default_factory=dict)

    def attach(self, case: Case) -> Case:
        """Check that the tables and profile columns the validated case names are sheets and columns
        of the workbook (one line each, naming the cell), then let the case carry the tables."""
        raise_problems(self._table_problems(case) + self._profile_problems(case))
        return attach_tables(case, SheetTables(self.tables))

    def _table_problems(self, case: Case) -> list[CaseError]:
        named = {"technologies.catalogue": case.technologies.catalogue, "technologies.fuels": case.technologies.fuels,
                 "hydrology.factors": case.hydrology.factors if case.hydrology else None}
        return [CaseError(self.path, self.places.at_field(key), sheet,
                          f"a sheet of this workbook holding the table ({', '.join(self.tables) or 'it has none'})")
                for key, sheet in named.items() if sheet is not None and sheet not in self.tables]

    def _profile_problems(self, case: Case) -> list[CaseError]:
        out = []
        for _, field_path, prof in profile_refs(case):
            header = [_cell_text(v) for v in self.tables[prof.file][0]] if self.tables.get(prof.file) else None
            if header is not None and prof.column in header:
                continue
            if header is None:
                expected = f"a column of sheet {prof.file} (the workbook has no sheet {prof.file} with a header row)"
            else:
                names = [h for h in header if h and h != HOUR_COLUMN]
                more = ", ..." if len(names) > SHOWN_COLUMNS else ""
                expected = f"a column of sheet {prof.file} ({', '.join(names[:SHOWN_COLUMNS])}{more})"
            out.append(CaseError(self.path, self.places.at_field(field_path), prof.column, expected))
        return out


class SheetTables(Mapping):
    """A workbook's table sheets as CSV text, by sheet name: the in-memory table source
    :class:`~gridplan.case.readers.CaseFiles` reads instead of files (converted on first use)."""

    def __init__(self, sheets: dict[str, list[tuple]]):
        self._sheets = sheets
        self._text: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        if name not in self._text:
            self._text[name] = csv_text(self._sheets[name])
        return self._text[name]

    def __iter__(self):
        return iter(self._sheets)

    def __len__(self) -> int:
        return len(self._sheets)


def csv_text(rows: list[tuple]) -> str:
    """Rows of cells as CSV text: trailing blank rows dropped, every row as wide as the widest
    (a row longer than the header would make pandas read its first column as an index)."""
    rows = list(rows)
    while rows and all(_blank(v) for v in rows[-1]):
        rows.pop()
    width = max((i + 1 for r in rows for i, v in enumerate(r) if not _blank(v)), default=0)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for r in rows:
        cells = [_cell_text(v) for v in r[:width]]
        writer.writerow(cells + [""] * (width - len(cells)))
    return buf.getvalue()


def read_workbook(path) -> WorkbookCase:
    """The case data of a workbook, with the places of its fields and its table sheets. Problems
    of its shape (a missing sheet, an unknown or repeated column or key, a repeated name, a cell
    its target kind has no field for, a formula without a saved value) are raised together."""
    path = Path(path)
    sheets, problems = _read_sheets(path)
    problems += [CaseError(path, f"sheet {s}", Described("no such sheet"),
                           f"a sheet named {s} (with its header row only, for none)")
                 for s in REQUIRED_SHEETS if s not in sheets]
    places, data = Places(), {}
    if CASE_SHEET in sheets:
        data, found = _case_settings(path, sheets[CASE_SHEET], places)
        problems += found
    for sheet in ELEMENT_SHEETS:
        if sheet in sheets:
            data[sheet], found = _elements(path, sheet, sheets[sheet], places)
            problems += found
    if GROUPS_SHEET in sheets:
        data[GROUPS_SHEET], found = _groups(path, sheets[GROUPS_SHEET], places)
        problems += found
    raise_problems(problems)
    tables = {s: rows for s, rows in sheets.items() if s not in (*REQUIRED_SHEETS, README_SHEET)}
    return WorkbookCase(path, data, places, tables)


def _read_sheets(path: Path) -> tuple[dict[str, list[tuple]], list[CaseError]]:
    """Every worksheet's cell values (rows as tuples, trailing blanks trimmed), guarded: a regular
    file of bounded size, a zip whose members unpack to a bounded size, bounded sheets.

    Read once as written; only a workbook holding formulas is read again for the values saved with
    them, and a formula saved without one (a workbook written by a script, never opened in Excel)
    is refused, naming the cell, on every sheet but the README: it would read as a blank cell, in
    the case's sheets its field's default, in the catalogue the column's (a blank VOM is 0)."""
    _check_file(path)
    sheets, problems, formulas = _load(path, data_only=False)
    if not formulas:
        return sheets, problems
    values, problems, _ = _load(path, data_only=True)
    for s, i, j in formulas:
        if s != README_SHEET and (i >= len(values[s]) or j >= len(values[s][i]) or values[s][i][j] is None):
            problems.append(CaseError(path, f"sheet {s}, cell {_letter(j)}{i + 1}", sheets[s][i][j],
                                      "a value: this formula was saved without one (open and save the "
                                      "workbook in Excel or LibreOffice to compute it)"))
    return values, problems


def _load(path: Path, data_only: bool) -> tuple[dict, list[CaseError], list[tuple]]:
    """(cells by sheet, problems, positions of the cells holding formulas, or text like one)."""
    import openpyxl  # local: only workbook cases need it
    with warnings.catch_warnings():   # openpyxl warns of Excel features it ignores (data validation...)
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
        except Exception as exc:  # noqa: BLE001 - any failure to parse is a user error
            raise CaseError(path, "<file>", Described(f"a file openpyxl cannot read ({exc.__class__.__name__})"),
                            "an Excel workbook (.xlsx)") from None
        sheets, problems, formulas = {}, [], []
        try:
            for ws in wb.worksheets:
                sheets[ws.title], found = _sheet_rows(path, ws)
                problems += found
        finally:
            wb.close()
    for s, rows in sheets.items():
        formulas += [(s, i, j) for i, r in enumerate(rows) for j, v in enumerate(r)
                     if isinstance(v, str) and v.startswith("=")]
    return sheets, problems, formulas


def _check_file(path: Path) -> None:
    if not path.exists():
        raise CaseError(path, "<file>", str(path), "an existing case file")
    if not path.is_file():
        raise CaseError(path, "<file>", Described("a folder" if path.is_dir() else "a special file"),
                        "a regular case file (.xlsx)")
    size = path.stat().st_size
    if size > MAX_WORKBOOK_BYTES:
        raise CaseError(path, "<file>", Described(f"{size:,} bytes"),
                        f"a workbook of at most {MAX_WORKBOOK_BYTES:,} bytes")
    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError):
        raise CaseError(path, "<file>", Described("not a zip file"), "an Excel workbook (.xlsx, saved by Excel, "
                        "LibreOffice or gridplan template; not .xls or .csv)") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise CaseError(path, "<file>", Described(f"{unpacked:,} bytes once unpacked"),
                        f"a workbook of at most {MAX_UNPACKED_BYTES:,} bytes unpacked")


def _sheet_rows(path: Path, ws) -> tuple[list[tuple], list[CaseError]]:
    rows: list[tuple] = []
    for r in ws.iter_rows(values_only=True):
        r = tuple(r)
        while r and _blank(r[-1]):
            r = r[:-1]
        rows.append(r)
        if len(r) > MAX_COLUMNS:
            return rows, [CaseError(path, _place(ws.title, len(rows)), Described(f"{len(r)} columns"),
                                    f"at most {MAX_COLUMNS} columns")]
        if len(rows) > MAX_ROWS:
            return rows, [CaseError(path, _place(ws.title), Described(f"more than {MAX_ROWS:,} rows"),
                                    f"at most {MAX_ROWS:,} rows a sheet")]
    while rows and not rows[-1]:
        rows.pop()
    return rows, []


def _letter(j: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(j + 1)


def _header(path: Path, sheet: str, rows: list[tuple], columns: list[Column]) -> tuple[list, list[CaseError]]:
    """Each header cell's :class:`Column` (None for a blank header over a blank column); an unknown,
    repeated or blank header with values below is a problem (one line each)."""
    known = {c.name: c for c in columns}
    header = rows[0] if rows else ()
    out, problems, seen = [], [], {}
    for j, h in enumerate(header):
        name = _as_text(h).strip() if isinstance(_as_text(h), str) else h
        col = known.get(name) or (_map_column(columns, name) if isinstance(name, str) else None)
        where = f"sheet {sheet}, cell {_letter(j)}1"
        if _blank(h):
            if any(j < len(r) and not _blank(r[j]) for r in rows[1:]):
                problems.append(CaseError(path, where, Described("a blank header"),
                                          "a column name above the values below it"))
            out.append(None)
            continue
        if col is None:
            close = difflib.get_close_matches(str(name), list(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else f": {', '.join(known)}"
            problems.append(CaseError(path, f"sheet {sheet}, column {_plain(name)} (cell {_letter(j)}1)", name,
                                      f"a column of the {sheet} sheet{hint}"))
        elif name in seen:
            problems.append(CaseError(path, where, name, f"each column once (also in cell {seen[name]})"))
            col = None
        else:
            seen[name] = f"{_letter(j)}1"
        out.append(col)
    if any(not all(_blank(v) for v in r) for r in rows[1:]):
        problems += [CaseError(path, f"sheet {sheet}, column {c}", Described("no such column"),
                               f"a column {c}: every {sheet} row needs it")
                     for c in required_columns(sheet) if c not in seen]
    return out, problems


def required_columns(sheet: str) -> list[str]:
    """Columns without which no row of the sheet is valid (a target's others depend on its kind)."""
    if sheet == "targets":
        return ["id", "kind"]
    model = ELEMENT_SHEETS.get(sheet)
    return [n for n, info in model.model_fields.items() if info.is_required()] if model else []


def _record(row: tuple, header: list) -> dict:
    """One row as the nested dict of its element (blank cells left out)."""
    rec: dict = {}
    for col, v in zip(header, row):
        if col is None or _blank(v):
            continue
        if col.kind == "profile":
            _put(rec, col.path, {"file": PROFILES_SHEET, "column": _as_text(v)})
        elif col.kind == "list":
            text = _as_text(v)
            _put(rec, col.path, [t.strip() for t in text.split(",") if t.strip()] if isinstance(text, str) else v)
        else:
            _put(rec, col.path, _as_text(v) if col.kind == "text" else v)
    return rec


def _put(d: dict, path: tuple, value) -> None:
    for k in path[:-1]:
        d = d.setdefault(k, {})
    last = path[-1]
    if isinstance(value, dict) and isinstance(d.get(last), dict):
        d[last].update(value)          # a profile's column and its scale, in either order
    else:
        d[last] = value


def _elements(path: Path, sheet: str, rows: list[tuple], places: Places) -> tuple[list, list[CaseError]]:
    """One dict per non-blank row, its Excel row and name noted; repeated names and target cells of
    fields the target's kind lacks are problems."""
    columns = sheet_columns(sheet)
    places.profile_paths[sheet] = {c.path for c in columns if c.kind == "profile"}
    header, problems = _header(path, sheet, rows, columns)
    records, where, names = [], [], {}
    key = "id" if sheet == "targets" else "name"
    for i, row in enumerate(rows[1:], start=2):
        if all(_blank(v) for v in row):
            continue
        rec = _record(row, header)
        label = rec.get(key)
        if isinstance(label, str) and label in names:
            problems.append(CaseError(path, _place(sheet, i, label, key), label,
                                      f"a {key} no other row has (row {names[label]} has it)"))
        elif isinstance(label, str):
            names[label] = i
        if sheet == "targets":
            problems += _foreign_target_cells(path, i, rec, row, header)
        records.append(rec)
        where.append((i, label))
    places.rows[sheet] = where
    return records, problems


def _foreign_target_cells(path: Path, row_no: int, rec: dict, row: tuple, header: list) -> list[CaseError]:
    """The target's kind is one of :data:`~gridplan.case.targets.KINDS`, and no cell is filled in a
    column its kind has no field for (``scope`` on an installed_capacity target), one line each."""
    kind = rec.get("kind")
    if kind not in KINDS:
        close = difflib.get_close_matches(str(kind), list(KINDS), n=1) if kind is not None else []
        return [CaseError(path, _place("targets", row_no, rec.get("id"), "kind"), kind,
                          f"a target kind (did you mean {close[0]}?)" if close else
                          f"a target kind: {', '.join(KINDS)}")]
    fields = KINDS[kind].schema.model_fields
    return [CaseError(path, _place("targets", row_no, rec.get("id"), col.name), v,
                      f"a blank cell: targets of kind {kind} have no {col.path[0]}")
            for col, v in zip(header, row) if col is not None and not _blank(v) and col.path[0] not in fields]


def _groups(path: Path, rows: list[tuple], places: Places) -> tuple[dict, list[CaseError]]:
    header, problems = _header(path, GROUPS_SHEET, rows, sheet_columns(GROUPS_SHEET))
    places.profile_paths[GROUPS_SHEET] = set()
    out: dict = {}
    for i, row in enumerate(rows[1:], start=2):
        if all(_blank(v) for v in row):
            continue
        rec = _record(row, header)
        name = rec.pop("name", None)
        if name is None:
            problems.append(CaseError(path, _place(GROUPS_SHEET, i, None, "name"), None, "the group's name"))
        elif name in out:
            problems.append(CaseError(path, _place(GROUPS_SHEET, i, name, "name"), name,
                                      f"a name no other row has (row {places.groups[name]} has it)"))
        else:
            out[name] = rec
            places.groups[name] = i
    return out, problems


def _case_settings(path: Path, rows: list[tuple], places: Places) -> tuple[dict, list[CaseError]]:
    """The case sheet's ``key | value`` rows as the case's nested settings (blank values left out;
    ``null`` under ``technologies.overrides`` blanks that catalogue cell)."""
    problems: list[CaseError] = []
    head = tuple(_as_text(v) for v in (rows[0] if rows else ()))
    if head[:2] != CASE_HEADER[:2]:
        problems.append(CaseError(path, f"sheet {CASE_SHEET}, row 1", list(head[:3]),
                                  f"the header {' | '.join(CASE_HEADER)} (key and value first)"))
        return {}, problems
    columns = case_keys()
    known = {c.name: c for c in columns}
    data: dict = {}
    for i, row in enumerate(rows[1:], start=2):
        key, value = (list(row) + [None, None])[:2]
        if _blank(key) and _blank(value):
            continue
        key = _as_text(key).strip() if isinstance(_as_text(key), str) else key
        col = known.get(key) or (_map_column(columns, key) if isinstance(key, str) else None)
        if col is None:
            close = difflib.get_close_matches(str(key), list(known), n=1)
            problems.append(CaseError(path, _place(CASE_SHEET, i, None, _plain(key)),
                                      key, "a setting of the case" + (f" (did you mean {close[0]}?)" if close else
                                                                     " (see the about column of the template)")))
            continue
        if col.path in places.keys:
            problems.append(CaseError(path, _place(CASE_SHEET, i, None, key), key,
                                      f"each key once (also on row {places.keys[col.path]})"))
            continue
        places.keys[col.path] = i
        if _blank(value):
            continue
        if col.path[:2] == ("technologies", "overrides") and isinstance(value, str) and value.strip().lower() == NULL:
            value = None
        elif col.kind == "text":
            value = _as_text(value)
        elif col.kind == "list" and isinstance(value, str):
            value = [t.strip() for t in value.split(",") if t.strip()]
        _put(data, col.path, value)
    return data, problems


# --------------------------------------------------------------------------- writing


def write_workbook(case: Case, xlsx_path) -> Path:
    """Write ``case`` (as :func:`gridplan.case.load.load_case` returns it, from a YAML file or a
    workbook) as a self-contained workbook, atomically. The case is checked first as ``solve``
    would check it (:func:`gridplan.case.prepare.read_inputs`): a workbook of a case that cannot be
    solved is not written, and every problem is one line."""
    from .prepare import read_inputs  # local: reading and checking every input, only for a template
    xlsx_path = Path(xlsx_path)
    if xlsx_path.suffix.lower() != ".xlsx":
        raise GridplanError(f"{xlsx_path}: got the suffix {xlsx_path.suffix or '(none)'!r}; expected a workbook "
                            "path ending in .xlsx")
    read_inputs(case)
    files = CaseFiles(case)
    names, profiles = _profiles(case, files)
    dump = case.model_dump()
    sheets = {README_SHEET: _readme(case), CASE_SHEET: _case_sheet(case, dump)}
    for sheet in ELEMENT_SHEETS:
        sheets[sheet] = _element_sheet(sheet, dump[sheet], names)
    sheets[GROUPS_SHEET] = _groups_sheet(dump[GROUPS_SHEET])
    sheets[PROFILES_SHEET] = profiles
    spec = case.technologies
    sheets[CATALOGUE_SHEET] = _table_sheet(files, spec.catalogue, "technologies.catalogue")
    if spec.fuels is not None:
        sheets[FUELS_SHEET] = _table_sheet(files, spec.fuels, "technologies.fuels")
    if case.hydrology is not None:
        sheets[FACTORS_SHEET] = _table_sheet(files, case.hydrology.factors, "hydrology.factors")
    raise_problems(files.problems)
    return atomic_write(xlsx_path, lambda tmp: _save(sheets, tmp, xlsx_path))


@dataclass
class Sheet:
    """A sheet to write: its header (with a note per column), its rows, frozen panes."""

    header: list[str]
    rows: list[list]
    notes: dict[str, str] = field(default_factory=dict)
    freeze: str = "A2"
    widths: dict[int, float] = field(default_factory=dict)


def _profiles(case: Case, files: CaseFiles) -> tuple[dict, Sheet]:
    """(each profile reference as written, ``(file, column)`` → its column in the profiles sheet; the
    sheet). One column per series the case uses, named ``guangyuan.csv:load_pu`` (the file's path
    below the root where two files share a name; a workbook's own columns keep their names), its
    cells as the file writes them. The case has been checked: every profile can be read."""
    by_source: dict[tuple, str] = {}
    by_ref: dict[tuple, str] = {}
    columns: list[list] = []
    for _, field_path, prof in profile_refs(case):
        files.table(prof.file, field_path + ".file")
        source = (str(files.resolve(prof.file, field_path + ".file")), prof.column)
        if source not in by_source:
            by_source[source] = _profile_name(prof, files, set(by_source.values()))
            columns.append([_number_or_text(t) for t in files.cells(prof.file)[prof.column]])
        by_ref[(prof.file, prof.column)] = by_source[source]
    hours = max((len(c) for c in columns), default=0)
    rows = [[h, *(c[h] if h < len(c) else None for c in columns)] for h in range(hours)]
    return by_ref, Sheet([HOUR_COLUMN, *by_source.values()], rows,
                         {HOUR_COLUMN: "hour of the year from 0 (for the eye: never read)"}, "B2")


def _profile_name(prof: Profile, files: CaseFiles, taken: set) -> str:
    if files.tables is not None:    # a workbook's: its own column names, or those of another sheet
        return prof.column if prof.file == PROFILES_SHEET else f"{prof.file}:{prof.column}"
    name = f"{Path(prof.file).name}:{prof.column}"
    if name in taken:
        return f"{files.resolve(prof.file, prof.file).relative_to(files.root).as_posix()}:{prof.column}"
    return name


def _element_sheet(sheet: str, items: list[dict], names: dict) -> Sheet:
    columns = sheet_columns(sheet)
    rows = [[_cell_of(c, item, names) for c in columns] for item in items]
    return Sheet([c.name for c in columns], rows, {c.name: c.about for c in columns if c.about})


def _cell_of(col: Column, item: dict, names: dict):
    node = item
    for k in col.path:
        node = node.get(k) if isinstance(node, dict) else None
    if node is None:
        return None
    if col.kind == "profile":
        return names[(node["file"], node["column"])]
    if col.kind == "list":
        return ", ".join(map(str, node)) or None
    return node


def _groups_sheet(groups: dict) -> Sheet:
    columns = [c for c in sheet_columns(GROUPS_SHEET) if c.kind != "map"]
    techs = list(dict.fromkeys(t for g in groups.values() for t in g["capacity_weights"]))
    header = [c.name for c in columns] + [f"capacity_weights.{t}" for t in techs]
    rows = [[name, *(", ".join(g[c.name]) or None for c in columns[1:]), *(g["capacity_weights"].get(t) for t in techs)]
            for name, g in groups.items()]
    notes = {c.name: c.about for c in columns if c.about}
    notes.update({f"capacity_weights.{t}": "MW a target counts per MW of this technology (default 1)" for t in techs})
    return Sheet(header, rows, notes)


def _case_sheet(case: Case, dump: dict) -> Sheet:
    rows = []
    sheets = {("technologies", "catalogue"): CATALOGUE_SHEET,
              ("technologies", "fuels"): FUELS_SHEET if case.technologies.fuels is not None else None,
              ("hydrology", "factors"): FACTORS_SHEET if case.hydrology is not None else None}
    for col in case_keys():
        if col.kind == "map":     # technologies.overrides: one row per overridden cell
            for tech, over in dump["technologies"]["overrides"].items():
                rows += [[f"{col.name}.{tech}.{c}", NULL if v is None else v, "a catalogue cell of this technology, "
                          "overridden"] for c, v in over.items()]
            continue
        if col.path in sheets:
            value = sheets[col.path]
            about = "the sheet holding the table" + (f" ({col.about})" if col.about else "")
        else:
            node = dump
            for k in col.path:
                node = node.get(k) if isinstance(node, dict) else None
            value, about = node, col.about
        rows.append([col.name, value, about])
    return Sheet(list(CASE_HEADER), rows, widths={1: 40, 2: 28, 3: 80})


def _table_sheet(files: CaseFiles, rel: str, field_path: str) -> Sheet:
    """A table the case reads (catalogue, fuels, factors), whole, its cells as the file writes them."""
    if files.table(rel, field_path) is None:
        return Sheet([], [])
    cells = files.cells(rel, field_path)
    return Sheet(list(cells.columns), [[_number_or_text(t) for t in r] for r in cells.itertuples(index=False)])


def _readme(case: Case) -> Sheet:
    lines = [
        f"gridplan case {case.name} ({case.year}), written by `gridplan template` from {case_path(case).name}.",
        "",
        "Edit the cells, save, then check with `gridplan validate THIS.xlsx` and solve with",
        "`gridplan solve THIS.xlsx`; every problem is one line naming the sheet, the row and the column.",
        "",
        "case: one setting a row (key | value); nested settings are dotted (time.typical_days,",
        "  energy_accounting.fossil_other_tce). A catalogue override is a row",
        "  technologies.overrides.<technology>.<column> (the value null blanks that catalogue cell).",
        "buses ... electrification, targets: one row per element, the first row holds the column names",
        "  (hover a header for its meaning). A blank cell is a field not given: its default applies.",
        "  Lists (targets.buses, groups.technologies, ...) are names separated by commas.",
        "targets: a target's kind decides which columns it has; leave the others blank.",
        "  source.file, source.line and source.quote keep the plan's sentence the target comes from.",
        "profiles: one column per hourly series, one row per hour (time.hours rows). A profile cell of an element",
        "  (buses.demand.profile, generators.availability, ...) names one of these columns;",
        "  the <field>.scale column beside it multiplies it.",
        "  Add a series as a new column here and name it in the element's cell.",
        "technologies, fuels, hydrology: the catalogue, fuel prices and hydro-year factors the case reads",
        "  (named by the case rows technologies.catalogue, technologies.fuels, hydrology.factors).",
        "  Nothing is read from files beside the workbook: it is the whole case.",
        "Formulas are read as the values Excel or LibreOffice saved with them.",
        "Keep every sheet (an empty one with its header row); a sheet of another name is read only",
        "  when the case names it as a table.",
    ]
    return Sheet(["gridplan case workbook"], [[line] for line in lines], freeze="A2", widths={1: 120})


def _save(sheets: dict[str, Sheet], tmp, book: Path) -> None:
    """Write the sheets (bold headers with their notes, frozen panes); a text cell starting with
    ``=`` stays text, not a formula. Not openpyxl's streaming writer: it leaves out the sheet's
    dimension, without which every read scans a whole sheet to size it before reading it."""
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for name, sheet in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(sheet.header)
        for j, h in enumerate(sheet.header, start=1):
            cell = ws.cell(1, j)
            cell.font = bold
            if sheet.notes.get(h):
                cell.comment = Comment(sheet.notes[h], "gridplan", width=320, height=110)
            ws.column_dimensions[get_column_letter(j)].width = sheet.widths.get(j, min(max(len(str(h)) + 2, 10), 40))
        for i, row in enumerate(sheet.rows, start=2):
            texts = []
            for j, v in enumerate(row):
                if isinstance(v, str) and ILLEGAL_CHARACTERS_RE.search(v):
                    raise CaseError(book, _place(name, i, None, sheet.header[j] if j < len(sheet.header) else None),
                                    v, "text without control characters (Excel refuses them)")
                if isinstance(v, str) and v.startswith("="):
                    texts.append(j + 1)
            ws.append(row)
            for j in texts:
                ws.cell(i, j).data_type = "s"
        ws.freeze_panes = sheet.freeze
    wb.save(tmp)
