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
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import CaseError
from .checks import check_references, raise_problems
from .schema import Case


def _loc_to_path(data: Any, loc: tuple) -> str:
    """('generators', 2, 'max_mw') → 'generators[cd_solar].max_mw' using names where known."""
    parts: list[str] = []
    node = data
    skip_tag = False
    for i, key in enumerate(loc):
        if isinstance(key, int):
            name = None
            if isinstance(node, list) and 0 <= key < len(node) and isinstance(node[key], dict):
                name = node[key].get("name") or node[key].get("id")
            parts[-1] = f"{parts[-1]}[{name if name is not None else key}]" if parts else f"[{key}]"
            node = node[key] if isinstance(node, list) and 0 <= key < len(node) else None
            skip_tag = True  # a discriminated union puts the tag next
            continue
        if skip_tag and isinstance(node, dict) and node.get("kind") == key:
            skip_tag = False
            continue
        skip_tag = False
        parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "<root>"


def _expected(err: dict) -> str:
    t = err.get("type", "")
    msg = err.get("msg", "")
    if t == "extra_forbidden":
        return "no such field (check the spelling; see `gridplan schema`)"
    if t == "missing":
        return "this required field"
    if t == "union_tag_invalid":
        return "kind to be one of " + str(err.get("ctx", {}).get("expected_tags", "the target kinds"))
    return msg[0].lower() + msg[1:] if msg else t


def case_from_dict(data: dict, file: str | Path = "<dict>") -> Case:
    """Validate a case given as a dict (e.g. parsed YAML with overrides applied)."""
    if not isinstance(data, dict):
        raise CaseError(file, "<root>", type(data).__name__, "a mapping of case fields")
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        raise_problems(_schema_problems(data, exc.errors(include_url=False), file))
    raise_problems(check_references(case, file))
    return case


def _schema_problems(data: dict, errors: list, file) -> list[CaseError]:
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
        out.append(CaseError(file, _loc_to_path(data, tuple(err["loc"])), err.get("input"), expected))
    for err in errors:
        if err.get("type") == "extra_forbidden" or tuple(err["loc"]) in twins:
            continue
        value = None if err.get("type") == "missing" else err.get("input")
        out.append(CaseError(file, _loc_to_path(data, tuple(err["loc"])), value, _expected(err)))
    return out


def read_yaml(path: Path) -> dict:
    if not path.exists():
        raise CaseError(path, "<file>", str(path), "an existing case file")
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "<yaml>"
        raise CaseError(path, where, getattr(exc, "problem", str(exc)), "valid YAML") from None
    return data


def load_case(path: str | Path, overrides: dict | None = None) -> Case:
    """Read and validate a case file. ``overrides`` is a nested dict merged over the YAML."""
    path = Path(path).resolve()
    data = read_yaml(path)
    if overrides:
        from ..overrides import apply_overrides  # local: only batch runs need it
        data = apply_overrides(data, overrides, path)
    case = case_from_dict(data, path)
    case._path = path
    return case
