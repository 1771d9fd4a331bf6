"""Overrides: change a case's YAML data by dotted paths before it is validated.

Used by ``load_case(path, overrides=...)``, ``gridplan sweep --set`` and
``gridplan.compare``. A path walks the parsed YAML::

    technologies.overrides.solar_utility.capex_cny_per_kw   mappings by key (created if missing)
    targets.nf_share_2030.value                             list items by their ``name`` / ``id``
    generators[cd.solar].max_mw                             brackets for names that contain dots
    buses.0.demand.peak_mw                                  or by position in the list

Values given as text (the CLI, a scenarios CSV) are parsed as YAML scalars by the case
file's own loader (``2400`` → int, ``0.55`` → float, ``true`` → bool, ``null`` → None,
anything else a string, ``010`` too, never octal 8). A value is then judged by the field it
lands in: ``yes``, ``nan`` or ``inf`` where a number goes is refused like in the case file. The result is then validated exactly like the case file, so a wrong
field or value still gives the usual one-line :class:`~gridplan.errors.CaseError`;
a path that cannot be walked (an unknown list item, a key under a number) raises
a CaseError naming the override.

Nested dicts are accepted too (``{"targets": {"nf_share_2030": {"value": 0.6}}}``):
a dict value merged onto a mapping or onto a named list item is merged key by key.
"""
from __future__ import annotations

import copy
import re
from typing import Any, Iterable

import yaml

from .case.yaml_file import CaseLoader
from .errors import CaseError, shown

_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def parse_value(text: Any) -> Any:
    """A YAML scalar from text (non-strings pass through): '2400' → 2400, 'true' → True."""
    if not isinstance(text, str):
        return text
    s = text.strip()
    if s == "":
        return ""
    try:
        v = yaml.load(s, Loader=CaseLoader)  # the case file's rules: 010 stays text, not octal 8
    except yaml.YAMLError:
        return s
    # keep a value that YAML reads as a mapping/list literal only if it was written as one
    if isinstance(v, (dict, list)) and not s.startswith(("{", "[")):
        return s
    if isinstance(v, str) and _NUMBER.fullmatch(s):  # YAML 1.1 reads 1e3 as a string
        return float(s)
    return v


def split_path(key: str) -> list[str]:
    """'generators[cd.solar].max_mw' → ['generators', 'cd.solar', 'max_mw']."""
    tokens: list[str] = []
    i, n = 0, len(key)
    bad = ValueError(f"cannot read override path {key!r} (expected e.g. targets.nf_share_2030.value)")
    while i < n:
        if key[i] == "[":
            j = key.find("]", i)
            if j < 0 or j == i + 1:
                raise bad
            tokens.append(key[i + 1:j])
            i = j + 1
            if i < n and key[i] not in ".[":
                raise bad
            if i < n and key[i] == ".":
                i += 1
                if i == n:
                    raise bad
        else:
            m = re.match(r"[^.\[\]]+", key[i:])
            if not m:
                raise bad
            tokens.append(m.group(0).strip())
            i += m.end()
            if i < n and key[i] == ".":
                i += 1
                if i == n:
                    raise bad
            elif i < n and key[i] != "[":
                raise bad
    if not tokens or any(t == "" for t in tokens):
        raise bad
    return tokens


def parse_set(spec: str) -> tuple[str, list]:
    """'targets.nf.value=0.5,0.6' → ('targets.nf.value', [0.5, 0.6]) (YAML scalars).

    A value list written in brackets (``path=[a, b]``) is read as one YAML list
    and so may contain commas inside quotes.
    """
    if "=" not in spec:
        raise ValueError(f"--set {spec!r}: expected PATH=VALUE[,VALUE...]")
    path, _, values = spec.partition("=")
    path = path.strip()
    split_path(path)
    values = values.strip()
    if values.startswith("[") and values.endswith("]"):
        try:
            parsed = yaml.load(values, Loader=CaseLoader)
        except yaml.YAMLError as exc:
            raise ValueError(f"--set {spec!r}: {exc}") from None
        return path, list(parsed)
    return path, [parse_value(v) for v in values.split(",")]


def _list_fields() -> set[str]:
    """Top-level case fields that are lists of named items (generators, targets...)."""
    import typing

    from .case.schema import Case
    return {k for k, f in Case.model_fields.items() if typing.get_origin(f.annotation) is list}


def _item_key(item) -> str | None:
    if isinstance(item, dict):
        for k in ("name", "id"):
            if k in item and item[k] is not None:
                return str(item[k])
    return None


def _find_item(lst: list, token: str):
    for i, item in enumerate(lst):
        if _item_key(item) == token:
            return i
    if re.fullmatch(r"-?\d+", token):
        i = int(token)
        if -len(lst) <= i < len(lst):
            return i
    return None


def _merge(node, value):
    """A dict value merged onto a mapping; anything else replaces."""
    if isinstance(value, dict) and isinstance(node, dict):
        out = dict(node)
        for k, v in value.items():
            out[k] = _merge(out.get(k), v)
        return out
    if isinstance(value, dict) and isinstance(node, list):
        out = list(node)
        for k, v in value.items():
            i = _find_item(out, str(k))
            if i is None:
                return value  # not addressing items: plain replacement (pydantic will judge)
            out[i] = _merge(out[i], v)
        return out
    return copy.deepcopy(value)


def _label(tokens: Iterable[str]) -> str:
    return _one_line(".".join(tokens)) or "<root>"


def _one_line(text: str) -> str:
    """An override path or item name as an error line shows it: control characters escaped and
    the length bounded (a path from a scenarios file must not break or flood the line)."""
    return text if text.isprintable() and len(text) <= 120 else shown(text, 120)


def set_path(data: dict, key: str, value: Any, file="<case>") -> None:
    """Set one dotted ``key`` in ``data`` (in place)."""
    label = f"override {_one_line(key)}"
    try:
        tokens = split_path(key)
    except ValueError:
        raise CaseError(file, label, key, "a dotted path like targets.nf_share_2030.value") from None
    node = data
    for depth, tok in enumerate(tokens):
        last = depth == len(tokens) - 1
        where = _label(tokens[:depth])
        if isinstance(node, dict):
            if last:
                node[tok] = _merge(node.get(tok), value)
                return
            if node.get(tok) is None:
                if depth == 0 and tok in _list_fields():
                    node = []  # a list the case leaves empty: no item to address
                    continue
                node[tok] = {}
            node = node[tok]
        elif isinstance(node, list):
            i = _find_item(node, tok)
            if i is None:
                names = [_one_line(n) for n in (_item_key(it) for it in node[:13]) if n is not None]
                listed = ", ".join(names[:12]) + (", ..." if len(node) > 12 else "")
                raise CaseError(file, label, tok,
                                f"the name/id of an item of {where} ({listed or 'the list is empty'})")
            if last:
                node[i] = _merge(node[i], value)
                return
            node = node[i]
        else:
            raise CaseError(file, label, tok,
                            f"a path into a mapping or list, but {where} is {shown(node, 60)}")


def apply_overrides(data: dict, overrides: dict[str, Any], path) -> dict:
    """Return a copy of the case's YAML ``data`` with ``overrides`` applied.

    ``overrides`` maps dotted paths (see the module docstring) to values; text
    values are parsed as YAML scalars. ``path`` (the case file) names the file
    in errors. The input ``data`` is not modified.
    """
    if not isinstance(data, dict):
        raise CaseError(path, "<root>", type(data).__name__, "a mapping of case fields")
    out = copy.deepcopy(data)
    for key, value in (overrides or {}).items():
        set_path(out, str(key), parse_value(value), path)
    return out

