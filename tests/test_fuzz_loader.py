"""Fuzzing the case loader: whatever the file holds, :func:`gridplan.load_case` returns a
Case or raises gridplan's own error (one line per problem), never anything else.

Two kinds of input, a few hundred examples each in the normal run (no deadline: the 2-core
machine is shared):

- *mutations of a shipped case* (``cases/guangyuan_2030.yaml``, parsed): a value replaced by
  any YAML-ish value (NaN, ±inf, booleans, huge integers, control characters, lists, maps),
  a key deleted or added, then written back as YAML;
- *edits of the text itself*: characters inserted, deleted or replaced anywhere, YAML
  punctuation, anchors and aliases, tabs, NUL bytes and bytes that are not UTF-8.

``GRIDPLAN_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz_loader.py`` fuzzes longer.
"""
from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridplan.case.load import load_case
from gridplan.errors import GridplanError

SHIPPED = Path(__file__).resolve().parents[1] / "cases" / "guangyuan_2030.yaml"
TEXT = SHIPPED.read_text(encoding="utf-8")
DATA = yaml.safe_load(TEXT)

FUZZ = settings(max_examples=int(os.environ.get("GRIDPLAN_FUZZ_EXAMPLES", 150)), deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-10**60, max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["yes", "no", "on", "off", "nan", ".inf", "-.inf", "010", "1:30", "1e3", "",
                     "\n", "a\tb", "\x00", "../../etc/passwd", "/", "coal", "A", ">=", "hard"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=6)


def _paths(node, prefix=()):
    """Every path into the parsed case: mapping keys and list positions."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


PATHS = [p for p in _paths(DATA) if p]


@st.composite
def mutated_case(draw) -> str:
    """The shipped case with one to three of its values replaced, keys deleted or added."""
    data = copy.deepcopy(DATA)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                parent[path[-1]] = draw(values)
            elif action == "delete":
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[draw(st.text(max_size=8))] = draw(values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


PUNCTUATION = st.sampled_from(["&a ", "*a", "<<: *a\n", "- ", ": ", "{", "}", "[", "]", "!!int ", "!!python/object ",
                               "---\n", "...\n", "\t", "\n  ", "#", "'", '"', "? ", "|", "\x00", "\ufeff", "%YAML 1.1\n"])


@st.composite
def edited_text(draw) -> bytes:
    """The shipped case's text with a few characters or YAML tokens inserted, deleted or
    replaced; sometimes bytes that are not UTF-8."""
    text = TEXT
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        j = min(len(text), i + draw(st.integers(0, 40)))
        piece = draw(st.one_of(PUNCTUATION, st.text(max_size=6)))
        text = text[:i] + piece + text[j:]
    raw = text.encode("utf-8")
    if draw(st.integers(0, 19)) == 0:
        k = draw(st.integers(0, len(raw)))
        raw = raw[:k] + draw(st.binary(min_size=1, max_size=4)) + raw[k:]
    return raw


def _load(folder: Path, raw: bytes) -> None:
    path = folder / "case.yaml"
    path.write_bytes(raw)
    try:
        load_case(path)
    except GridplanError as exc:
        for line in str(exc).splitlines():
            assert line.startswith(str(path) + ": "), line  # one problem per line, file named


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """One folder beside which the shipped case's relative paths do not resolve: the loader
    never reads them (references to files are checked when the case is prepared)."""
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(text=mutated_case())
def test_mutated_shipped_case_loads_or_is_refused(folder, text):
    _load(folder, text.encode("utf-8"))


@FUZZ
@given(raw=edited_text())
def test_edited_case_text_loads_or_is_refused(folder, raw):
    _load(folder, raw)
