"""Broken case files (#18, the case file itself): each is refused by `gridplan validate` and
`gridplan solve` with exactly one line and exit 2 — never a traceback, never "internal error",
never a silently different case.

Each folder under ``tests/broken/case/`` holds one ``case.yaml`` broken in one way; cases
that must be generated (a file over the size limit, a FIFO) are written into ``tmp_path``.
The CLI is called in-process (typer's CliRunner) for the table, and as a real subprocess
for two of them.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gridplan.batch.runs import Run, run_hash
from gridplan.case.input_hash import referenced_files
from gridplan.case import yaml_file
from gridplan.case.load import load_case
from gridplan.case.schema import root_rule
from gridplan.cli import app
from gridplan.errors import CaseError

BROKEN = Path(__file__).resolve().parent / "broken" / "case"
BOOL = "expected a number, not a boolean (yes/no/on/off/true/false are booleans in YAML)"
FINITE = "expected a finite number (not NaN or infinity)"
WHOLE = "expected a whole number written without a decimal point (e.g. 3)"
PLAIN = ("expected a number written plainly (YAML 1.1 reads a leading 0 as octal and a colon as base 60): "
         "write e.g. 10 or 90, or quote it")

LINES = {
    # 1. strict YAML and numbers that make sense
    "duplicate_key": "line 13: got 'existing_mw'; expected each key once per mapping (also given at line 12)",
    "bool_existing_mw": f"generators[coal_A].existing_mw: got True; {BOOL}",
    "bool_peak_on": f"buses[A].demand.peak_mw: got True; {BOOL}",
    "nan_peak": f"buses[A].demand.peak_mw: got nan; {FINITE}",
    "inf_max_mw": f"generators[coal_A].max_mw: got inf; {FINITE}",
    "minus_inf_import": f"exchanges[x].import_cny_per_mwh: got -inf; {FINITE}",
    "nan_override": f"technologies.overrides.coal.capex_cny_per_kw: got nan; {FINITE}",
    "nan_target_value": f"targets[cap].value: got nan; {FINITE}",
    "float_hours": f"time.hours: got 24.0; {WHOLE}",
    "float_resolution": f"time.resolution: got 2.5; {WHOLE}",
    "float_typical_days": f"time.typical_days: got 12.0; {WHOLE}",
    "octal_number": f"line 12: got '0200'; {PLAIN}",
    "base60_number": f"line 12: got '3:20'; {PLAIN}",
    # 2. files that are not text YAML
    "binary": "<file>: got a NUL byte at offset 8 (a binary file); expected a YAML text file",
    "utf16": "<file>: got a UTF-16 file (byte-order mark); expected UTF-8 text: save it as UTF-8",
    "not_utf8": "<file>: got byte 0xf6 at offset 8; expected UTF-8 text: save the file as UTF-8",
    "control_character": "line 1: got '\\x07'; expected printable text (no control characters)",
    "folder_as_case": "<file>: got a folder; expected a case file (.yaml), not a folder",
    "empty": "<root>: got an empty document; expected a mapping of case fields (name, year, ...)",
    "comments_only": "<root>: got an empty document; expected a mapping of case fields (name, year, ...)",
    "list_at_root": "<root>: got a list; expected a mapping of case fields",
    # 3. resource limits before work
    "alias_bomb": "line 6: got more than 200,000 YAML nodes once aliases are expanded; "
                  "expected a case of at most 200,000 nodes (an alias bomb?)",
    "alias_cycle": "line 13: got an alias inside its own anchor; expected a case without cycles",
    "deep_nesting": "line 13: got more than 40 levels of nesting; expected a case nested at most 40 levels deep",
    "hours_too_many": "time.hours: got 1000000000; expected at most 8784 hours (a leap year)",
    # 4. free text that would break the line
    "id_with_newline": "targets['co2\\ncap'].id: got 'co2\\ncap'; expected string should match pattern "
                       "'^[A-Za-z0-9_.\\-]+$'",
    "key_with_newline": "'peak\\nmw': got 3; expected no such field (check the spelling; see `gridplan schema`)",
    "column_with_tab": "buses[A].demand.profile.column: got 'lo\\tad'; "
                       "expected text on one line (no newline, tab or other control character)",
    # 5. root stays near the case file
    "root_absolute": "root: got '/'; expected a folder relative to the case file (e.g. . or ..), not an absolute path",
    "root_two_up": "root: got '../..'; expected a folder at most 1 level above the case file (e.g. . or ..)",
}


def _error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_every_broken_folder_has_its_line():
    assert sorted(p.name for p in BROKEN.iterdir() if p.is_dir()) == sorted(LINES)


@pytest.mark.parametrize("command", ["validate", "solve"])
@pytest.mark.parametrize("name", sorted(LINES))
def test_broken_case_is_one_line_and_exit_2(name, command):
    path = BROKEN / name / "case.yaml"
    result = CliRunner().invoke(app, [command, str(path)])
    assert result.exit_code == 2, result.stderr
    assert _error_lines(result) == [f"error: {path}: {LINES[name]}"]


def test_case_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    """A sparse file one byte over the limit: refused by its size, no byte of it read."""
    path = tmp_path / "case.yaml"
    with open(path, "wb") as fh:
        fh.truncate(yaml_file.MAX_CASE_BYTES + 1)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert _error_lines(result) == [f"error: {path}: <file>: got 4,194,305 bytes; "
                                    "expected a case file of at most 4,194,304 bytes (profiles belong in CSV files)"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_case_path_that_is_a_fifo_is_refused_without_blocking(tmp_path):
    path = tmp_path / "case.yaml"
    os.mkfifo(path)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert _error_lines(result) == [f"error: {path}: <file>: got a special file; expected a regular case file (.yaml)"]


def test_alias_bomb_fails_fast_and_small():
    """A billion 'lol's in 600 bytes: refused on the node graph, before anything is expanded."""
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(CaseError):
        load_case(BROKEN / "alias_bomb" / "case.yaml")
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seconds < 1.0 and peak < 20e6, (seconds, peak)


def test_batch_input_hashing_does_not_walk_the_bomb():
    """`compare` hashes every case before it starts one: the bomb is hashed as bytes only."""
    start = time.perf_counter()
    h = run_hash(Run(BROKEN / "alias_bomb" / "case.yaml"), {"resolution": 3})
    assert time.perf_counter() - start < 1.0
    assert h["files"] == {} and len(h["sha256"]) == 64


def test_finding_the_files_of_a_self_containing_case_dict_ends(tmp_path):
    """A case dict built in Python may contain itself: the walk visits each container once."""
    (tmp_path / "catalogue.csv").write_text("technology\n")
    case = {"name": "loop", "technologies": {"catalogue": "catalogue.csv"}, "buses": []}
    case["buses"].append(case)
    assert referenced_files(case, tmp_path) == [(tmp_path / "catalogue.csv").resolve()]


def test_an_error_never_expands_a_huge_value():
    """CaseError shows a bounded repr: the value of an alias bomb is never walked to print it."""
    bomb = ["lol"] * 9
    for _ in range(9):
        bomb = [bomb] * 9   # 9**10 leaves, shared
    start = time.perf_counter()
    msg = str(CaseError("case.yaml", "description", bomb, "text"))
    assert time.perf_counter() - start < 0.1
    assert msg == ("case.yaml: description: got [[[...], [...], [...], [...], [...], [...], ...], [[...], [...], "
                   "[...], [...]...; expected text")
    assert str(CaseError("f", "x", 10 ** 5000, "a number")) == "f: x: got <an integer of about 5001 digits>; expected a number"


@pytest.mark.parametrize("text, value", [("existing_mw: yes", "True"), ("existing_mw: .nan", "nan"),
                                         ("existing_mw: 010", "'010'")])
def test_overrides_are_judged_like_the_file(text, value, tmp_path):
    """`--set generators.coal_A.existing_mw=yes` is refused as in the file; ``010`` stays the
    text '010' (never octal 8) and pydantic reads it as the number 10."""
    path = BROKEN / "nan_peak" / "case.yaml"
    good = tmp_path / "case.yaml"
    good.write_text(path.read_text().replace("peak_mw: .nan", "peak_mw: 100"))
    raw = text.split(": ", 1)[1]
    if raw == "010":
        case = load_case(good, overrides={"generators.coal_A.existing_mw": raw})
        assert case.generators[0].existing_mw == 10.0
        return
    with pytest.raises(CaseError) as exc:
        load_case(good, overrides={"generators.coal_A.existing_mw": raw})
    assert str(exc.value).startswith(f"{good}: generators[coal_A].existing_mw: got {value}; expected")


def test_strict_yaml_keeps_what_is_meant(tmp_path):
    """Booleans where a flag goes, merge keys overriding merged values and a UTF-8 byte-order
    mark are all still fine."""
    path = tmp_path / "case.yaml"
    text = (BROKEN / "nan_peak" / "case.yaml").read_text().replace("peak_mw: .nan", "peak_mw: 100")
    text += ("reservoirs:\n  - &r {name: r1, bus: A, reservoir_mwh: 10, inflow: {file: p.csv, column: c}, seasonal: yes}\n"
             "  - {<<: *r, name: r2}\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    case = load_case(path)
    assert [r.name for r in case.reservoirs] == ["r1", "r2"] and case.reservoirs[1].seasonal is True


@pytest.mark.parametrize("root, ok", [(".", True), ("..", True), ("data", True), ("data/../..", True),
                                      ("../..", False), ("../../x", False), ("/", False), ("~/x", False),
                                      ("C:\\cases", False), ("..\\..", False)])
def test_root_reaches_at_most_one_folder_up(root, ok):
    if ok:
        assert root_rule(root) == root
    else:
        with pytest.raises(ValueError):
            root_rule(root)


@pytest.mark.parametrize("name", ["alias_bomb", "binary"])
def test_broken_case_through_a_real_process(name):
    path = BROKEN / name / "case.yaml"
    p = subprocess.run([sys.executable, "-m", "gridplan", "solve", str(path)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stderr
    assert [line for line in p.stderr.splitlines() if line.strip()] == [f"error: {path}: {LINES[name]}"]


def test_root_through_a_symlink_is_judged_where_it_lands(tmp_path):
    """`root: data` passes the written rule, but a `data` that links to / must not open the machine."""
    case = tmp_path / "received" / "case.yaml"
    case.parent.mkdir()
    (case.parent / "data").symlink_to("/")
    case.write_text((BROKEN / "root_absolute" / "case.yaml").read_text().replace("root: /", "root: data"))
    result = CliRunner().invoke(app, ["validate", str(case)])
    assert result.exit_code == 2
    assert _error_lines(result) == [f"error: {case}: root: got 'data'; expected a folder at most 1 level above "
                                    "the case file (it resolves to / through a symlink)"]
