"""Read a case file: YAML → validated :class:`~gridplan.case.schema.Case`.

Two layers of checks, both before any model exists:

1. pydantic, per record (types, ranges, unknown keys, duplicates): every failure
   becomes one :class:`~gridplan.errors.CaseError` (a misspelt key once, with "did you
   mean"), raised together as a :class:`~gridplan.errors.CaseProblems`;
2. cross-references (:func:`gridplan.case.checks.check_references`): buses named
   by components and targets, lines that connect two known buses; every problem
   found is raised at once as a :class:`~gridplan.errors.CaseProblems`.

Each message names the file, the field path (with element names, e.g.
``generators[cd_solar].max_mw``), the bad value and what was expected. The
catalogue, profiles and network are checked when the case is prepared
(:mod:`gridplan.case.prepare`), with the same kind of message.

A case may also be an Excel workbook (``.xlsx``, :mod:`gridplan.case.excel`): its sheets
become the same data a YAML file gives, validated by the same two layers, and each problem
names the sheet, the row and the column instead of the field path.

Before either layer, a YAML file itself is read by :mod:`.yaml_file`: a regular UTF-8 text
file of bounded size, strict YAML (no duplicate keys, no octal or base-60 numbers), its
aliases expanded to a bounded number of nodes — so a hostile file fails in milliseconds.
Numbers are finite and never booleans (:mod:`.fields`).

**What ``root:`` may point to.** A case names its catalogue, fuels and profiles by paths
relative to the case file, and every one of them must resolve (symlinks followed) inside
the case's ``root`` (:class:`gridplan.case.readers.CaseFiles`). ``root`` itself must be
a relative folder reaching at most one level above the case file (``.``, the default, a
folder below it, or ``..``: the shipped layout, ``cases/`` beside ``data/``); absolute
paths, ``~`` and ``../..`` are refused (:func:`gridplan.case.schema.root_rule`), and so is
a root that lands higher once symlinks are followed (:func:`root_problems`). So a case
received from someone else reads nothing outside the folder it came in and that folder's
parent: unpack it in a folder of its own.
"""
from __future__ import annotations

import difflib
import logging
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import CaseError, Described, shown
from .checks import check_references, raise_problems
from .schema import MAX_ROOT_UP, Case
from .yaml_file import read_case_data

log = logging.getLogger(__name__)


def _loc_to_path(data: Any, loc: tuple) -> str:
    """('generators', 2, 'max_mw') → 'generators[cd_solar].max_mw' using names where known."""
    parts: list[str] = []
    node = data
    skip_tag = False
    for i, key in enumerate(loc):
        if isinstance(key, int) and not isinstance(node, dict):  # a list position (a dict's key may be a number)
            name = None
            if isinstance(node, list) and 0 <= key < len(node) and isinstance(node[key], dict):
                name = node[key].get("name") or node[key].get("id")
            parts[-1] = f"{parts[-1]}[{_label(name) if name is not None else key}]" if parts else f"[{key}]"
            node = node[key] if isinstance(node, list) and 0 <= key < len(node) else None
            skip_tag = True  # a discriminated union puts the tag next
            continue
        if skip_tag and isinstance(node, dict) and node.get("kind") == key:
            skip_tag = False
            continue
        skip_tag = False
        parts.append(_label(key))
        node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "<root>"


_PLAIN = re.compile(r"[^\x00-\x1f\x7f-\x9f\u2028\u2029]{1,60}")


def _label(key: Any) -> str:
    """A key or element name as a field path shows it: as written when it is short text
    without control characters, else as a bounded repr (an id holding a newline must not
    break the error's line, a list used as a name must not fill it)."""
    if isinstance(key, str) and _PLAIN.fullmatch(key):
        return key
    return shown(key, 60)


def _expected(err: dict) -> str:
    t = err.get("type", "")
    msg = err.get("msg", "")
    if t == "extra_forbidden":
        return "no such field (check the spelling; see `gridplan schema`)"
    if t == "missing":
        return "this required field"
    if t in _PLAIN_MESSAGES:
        return _PLAIN_MESSAGES[t]
    if t == "union_tag_invalid":
        return "kind to be one of " + str(err.get("ctx", {}).get("expected_tags", "the target kinds"))
    # "expected: input should be 'dry', 'normal' or 'wet'" reads "expected 'dry', 'normal' or 'wet'"
    msg = msg.removeprefix("Input should be ")
    return msg[0].lower() + msg[1:] if msg else t


_PLAIN_MESSAGES = {
    "finite_number": "a finite number (not NaN or infinity)",
}
"""pydantic messages said in the planner's words (the rest keep pydantic's own, lower-cased)."""


class FieldPaths:
    """Where a problem is, as a field path of the case file (``generators[cd_solar].max_mw``); a
    workbook names sheet, row and column instead (:class:`gridplan.case.excel.Places`)."""

    def at_loc(self, data: Any, loc: tuple) -> str:
        """A pydantic error location in ``data``."""
        return _loc_to_path(data, loc)

    def at_field(self, field: str) -> str:
        """A field path, as the reference checks write it."""
        return field


def case_from_dict(data: dict, file: str | Path = "<dict>", places: FieldPaths | None = None) -> Case:
    """Validate a case given as a dict (e.g. parsed YAML with overrides applied). ``places`` names
    where each problem is (default: by field path)."""
    places = places or FieldPaths()
    if not isinstance(data, dict):
        raise CaseError(file, "<root>", Described(f"a {type(data).__name__}"), "a mapping of case fields")
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        raise_problems(_schema_problems(data, exc.errors(include_url=False), file, places))
    raise_problems([CaseError(p.file, places.at_field(p.field), p.value, p.expected)
                    for p in check_references(case, file)])
    return case


def _schema_problems(data: dict, errors: list, file, places: FieldPaths) -> list[CaseError]:
    """One CaseError per pydantic error. A misspelt key shows up twice, as an unknown key and
    as a missing one: the unknown key (what the user typed) is reported, with the missing
    field it is closest to as "did you mean", and that missing twin is dropped. Unknown keys
    come first."""
    unknown = [e for e in errors if e.get("type") == "extra_forbidden"]
    twins, out = set(), []
    for err in unknown:
        parent = tuple(err["loc"])[:-1]
        missing = [str(e["loc"][-1]) for e in errors if e.get("type") == "missing" and tuple(e["loc"])[:-1] == parent]
        close = difflib.get_close_matches(str(err["loc"][-1]), missing, n=1)
        expected = f"no such field (did you mean {close[0]}?)" if close else _expected(err)
        twins |= {parent + (c,) for c in close}
        out.append(CaseError(file, places.at_loc(data, tuple(err["loc"])), err.get("input"), expected))
    for err in errors:
        if err.get("type") == "extra_forbidden" or tuple(err["loc"]) in twins:
            continue
        value = None if err.get("type") == "missing" else err.get("input")
        out.append(CaseError(file, places.at_loc(data, tuple(err["loc"])), value, _expected(err)))
    return out


def load_case(path: str | Path, overrides: dict | None = None) -> Case:
    """Read and validate a case file: YAML, or an Excel workbook (``.xlsx``, :mod:`.excel`).
    ``overrides`` is a nested dict merged over the case's data."""
    path = Path(path).resolve()
    book = None
    if path.suffix.lower() == ".xlsx":
        from .excel import read_workbook  # local: only workbook cases need openpyxl
        book = read_workbook(path)        # its sheets as the data a YAML file gives
        data = book.data
    else:
        data = read_case_data(path)   # strictly, within limits (yaml_file)
    if overrides:
        from ..overrides import apply_overrides  # local: only batch runs need it
        data = apply_overrides(data, overrides, path)
    case = case_from_dict(data, path, book.places if book else None)
    raise_problems(root_problems(case, path))
    case._path = path
    if book is not None:
        book.attach(case)   # its profile references checked against its sheets, which it then carries
        case._places = book.places   # later checks' field paths read as sheet, row and column
    log.info("loaded %s (%s): %d buses, %d generators, %d targets", case.name, path.name, len(case.buses),
             len(case.generators), len(case.targets))
    return case


def root_problems(case: Case, path: Path) -> list[CaseError]:
    """The root as the file system resolves it (symlinks followed) must still be at most
    MAX_ROOT_UP folders above the case file: ``root: data`` where ``data`` is a symlink to
    ``/`` passes the written rule but would open every file on the machine."""
    folder = path.parent.resolve()
    top = folder.parents[MAX_ROOT_UP - 1] if MAX_ROOT_UP and len(folder.parents) >= MAX_ROOT_UP else folder
    root = (folder / case.root).resolve()
    if root.is_relative_to(top):
        return []
    where = str(root) if str(root).isprintable() else shown(str(root), 120)
    return [CaseError(path, "root", case.root, f"a folder at most {MAX_ROOT_UP} level above the case file "
                                               f"(it resolves to {where} through a symlink)")]
