"""Excel workbooks as case files (issue #20): ``gridplan template CASE --excel`` and reading one back.

The independent route is the YAML loader: a workbook written from a YAML case must solve to the
same objective and capacities, with every profile, the catalogue and the fuels read from the
workbook (it is written into a folder of its own, with no data/ beside it). Broken workbooks are
made by editing cells with openpyxl, and each problem must be one line naming the sheet, the
Excel row and the column (rows found here by scanning the sheet, not from the code under test).
"""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import gridplan
from gridplan.case.excel import write_workbook
from gridplan.case.input_hash import input_hashes
from gridplan.case.load import load_case
from gridplan.case.prepare import prepare
from gridplan.case.readers import case_tables
from gridplan.cli import app
from gridplan.errors import CaseError

from conftest import prof, write_case_files

ROOT = Path(__file__).resolve().parent.parent
GUANGYUAN = ROOT / "cases" / "guangyuan_2030.yaml"
K = 4   # typical days: a fast solve of the full year


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args], terminal_width=10_000)


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def row_of(book: Path, sheet: str, name: str, key: str = "name") -> int:
    """The Excel row holding ``name`` in the ``key`` column (found here, by openpyxl)."""
    ws = openpyxl.load_workbook(book, read_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    col = rows[0].index(key)
    return next(i for i, r in enumerate(rows, start=1) if i > 1 and r[col] == name)


def edited(book: Path, out: Path, edit) -> Path:
    """A copy of ``book`` with ``edit(workbook)`` applied, saved by openpyxl as a planner's Excel would."""
    wb = openpyxl.load_workbook(book)
    edit(wb)
    wb.save(out)
    return out


def set_cell(ws, row: int, header: str, value) -> None:
    col = [c.value for c in ws[1]].index(header) + 1
    ws.cell(row=row, column=col, value=value)


def cell_values(book: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(book, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


# --------------------------------------------------------------------------- the shipped case


@pytest.fixture(scope="module")
def gy(tmp_path_factory):
    """The Guangyuan 2030 workbook, alone in a folder, and both solves at K typical days."""
    folder = tmp_path_factory.mktemp("planner")
    book = write_workbook(load_case(GUANGYUAN), folder / "guangyuan_2030.xlsx")
    return {"book": book, "folder": folder,
            "yaml": gridplan.solve(load_case(GUANGYUAN), typical_days=K),
            "xlsx": gridplan.solve(load_case(book), typical_days=K)}


def test_workbook_solves_to_the_yaml_objective(gy):
    yaml_res, book_res = gy["yaml"], gy["xlsx"]
    assert yaml_res.status == book_res.status == "Optimal"
    assert math.isclose(book_res.objective, yaml_res.objective, rel_tol=1e-9)
    a = yaml_res.capacities.set_index(["component", "name"])
    b = book_res.capacities.set_index(["component", "name"])
    assert list(a.index) == list(b.index)
    np.testing.assert_allclose(b["built"].to_numpy(float), a["built"].to_numpy(float), rtol=1e-7, atol=1e-6)
    assert list(book_res.targets["id"]) == list(yaml_res.targets["id"])
    assert list(book_res.targets["quote"]) == list(yaml_res.targets["quote"])


def test_workbook_is_the_whole_case(gy):
    """Nothing beside the workbook; its profiles and catalogue are read from its sheets: a profile
    column scaled in the sheet scales the demand, a catalogue cell changed there changes the capex."""
    assert sorted(p.name for p in gy["folder"].iterdir()) == ["guangyuan_2030.xlsx"]
    case = load_case(gy["book"])
    assert {"profiles", "technologies", "fuels", "hydrology"} <= set(case_tables(case))
    assert case.technologies.catalogue == "technologies"

    rows = cell_values(gy["book"])["technologies"]
    capex_row = next(i for i, r in enumerate(rows, start=1) if r[:2] == ("solar_utility", 2030))

    def edit(wb):
        ws = wb["profiles"]
        col = [c.value for c in ws[1]].index("guangyuan.csv:load_pu") + 1
        for r in range(2, ws.max_row + 1):
            ws.cell(r, col).value = ws.cell(r, col).value * 1.1
        set_cell(wb["technologies"], capex_row, "capex_cny_per_kw", 1234.5)
    changed = load_case(edited(gy["book"], gy["folder"] / "changed.xlsx", edit))
    base, new = prepare(load_case(GUANGYUAN)), prepare(changed)
    np.testing.assert_allclose(new.demand, 1.1 * base.demand, rtol=1e-12)
    assert new.tech.loc["solar_utility", "capex_cny_per_kw"] == 1234.5
    (gy["folder"] / "changed.xlsx").unlink()


def test_cli_solves_the_workbook(gy, tmp_path):
    result = run("solve", gy["book"], "--typical-days", K, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert math.isclose(manifest["total_cost_cny"], gy["yaml"].objective, rel_tol=1e-9)
    # the workbook is the one input: hashed whole, no file beside it
    assert manifest["inputs"]["case_sha256"] == hashlib.sha256(gy["book"].read_bytes()).hexdigest()
    assert manifest["inputs"]["files"] == {}


def test_template_load_template_is_stable(gy, tmp_path):
    again = write_workbook(load_case(gy["book"]), tmp_path / "again.xlsx")
    first, second = cell_values(gy["book"]), cell_values(again)
    assert list(first) == list(second)
    for sheet in first:
        if sheet != "README":   # it names the file the workbook was written from
            assert first[sheet] == second[sheet], sheet


def test_five_city_workbook_prepares_the_same_data(tmp_path):
    """Lines, several buses, per-city accounts: every array and frame the model reads is the same
    from the workbook as from the YAML (at 24 h, no solve)."""
    yaml_case = load_case(ROOT / "cases" / "sichuan5_2030.yaml")
    book = write_workbook(yaml_case, tmp_path / "sichuan5.xlsx")
    a, b = prepare(yaml_case, resolution=24), prepare(load_case(book), resolution=24)
    for name, va in vars(a).items():
        vb = getattr(b, name)
        if isinstance(va, np.ndarray):
            np.testing.assert_array_equal(vb, va, err_msg=name)
        elif isinstance(va, pd.DataFrame):   # a catalogue "5500.0" comes back as 5500: same values
            pd.testing.assert_frame_equal(vb, va, check_dtype=False, obj=name)
        elif name in ("groups", "group_weights", "energy_groups", "voll", "cny_per_model_money"):
            assert vb == va, name
    assert len(a.lines) > 0 and list(b.buses) == list(a.buses)


# --------------------------------------------------------------------------- a small case, edited


SOLAR = [0.0] * 6 + [0.5] * 12 + [0.0] * 6


@pytest.fixture
def small(tmp_path):
    """A 24-hour one-bus case (test catalogue) and its workbook, written apart from the YAML."""
    case = {
        "time": {"hours": 24},
        "buses": [{"name": "A", "demand": {"profile": prof("flat"), "peak_mw": 100}}],
        "generators": [{"name": "gas", "bus": "A", "technology": "gas", "existing_mw": 50, "max_mw": 300},
                       {"name": "pv", "bus": "A", "technology": "solar", "max_mw": 200,
                        "availability": prof("solar")}],
        "technologies": {"catalogue": "catalogue.csv", "fuels": "fuels.csv",
                         "overrides": {"solar": {"capex_cny_per_kw": 900, "capacity_credit": None}}},
        "groups": {"pv_dc": {"technologies": ["solar"], "capacity_weights": {"solar": 1.2}}},
        "targets": [{"id": "pv_floor", "kind": "installed_capacity", "group": "pv_dc", "value": 60, "buses": ["A"],
                     "source": {"file": "plan.txt", "line": 12, "quote": "光伏装机达到6万千瓦"}}],
    }
    (tmp_path / "yaml").mkdir()
    path = write_case_files(tmp_path / "yaml", case, {"flat": [1.0] * 24, "solar": SOLAR})
    book = tmp_path / "book" / "small.xlsx"
    result = run("template", path, "--excel", book)
    assert result.exit_code == 0, result.stderr
    return {"yaml": path, "book": book, "dir": tmp_path}


def test_small_workbook_solves_like_its_yaml(small):
    """Overrides (one of them null), a group with capacity weights, a target limited to buses."""
    yaml_case, book_case = load_case(small["yaml"]), load_case(small["book"])
    assert book_case.technologies.overrides == yaml_case.technologies.overrides
    assert book_case.groups == yaml_case.groups and book_case.targets == yaml_case.targets
    a, b = gridplan.solve(yaml_case), gridplan.solve(book_case)
    assert math.isclose(b.objective, a.objective, rel_tol=1e-9)
    built = [r.capacities.set_index("name").loc["pv", "built"] for r in (a, b)]
    assert built[1] == pytest.approx(built[0]) and built[0] >= 50 - 1e-6   # 60 MW_dc / 1.2


def test_small_round_trip(small):
    again = write_workbook(load_case(small["book"]), small["dir"] / "again.xlsx")
    first, second = cell_values(small["book"]), cell_values(again)
    assert {s: v for s, v in first.items() if s != "README"} == {s: v for s, v in second.items() if s != "README"}
    case_rows = {r[0]: r[1] for r in first["case"][1:]}
    assert case_rows["technologies.overrides.solar.capex_cny_per_kw"] == 900
    assert case_rows["technologies.overrides.solar.capacity_credit"] == "null"


def test_workbook_cells(small):
    """What a planner sees: a profile cell names its column; a target keeps its quote."""
    cells = cell_values(small["book"])
    gens = cells["generators"]
    pv = gens[row_of(small["book"], "generators", "pv") - 1]
    assert pv[gens[0].index("availability")] == "profiles.csv:solar"
    assert cells["profiles"][0] == ("hour", "profiles.csv:flat", "profiles.csv:solar")
    assert [r[2] for r in cells["profiles"][1:]] == SOLAR
    tg = cells["targets"]
    assert tg[1][tg[0].index("source.quote")] == "光伏装机达到6万千瓦"
    assert tg[1][tg[0].index("buses")] == "A"
    assert tg[1][tg[0].index("scope")] is None    # not a field of installed_capacity: blank


def _bad(small, name, edit) -> tuple[Path, list[str]]:
    book = edited(small["book"], small["dir"] / f"{name}.xlsx", edit)
    result = run("validate", book)
    assert result.exit_code == 2, result.stdout
    return book, error_lines(result)


def test_negative_max_mw_names_sheet_row_column(small):
    r = row_of(small["book"], "generators", "pv")
    book, lines = _bad(small, "neg", lambda wb: set_cell(wb["generators"], r, "max_mw", -5))
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {book}: sheet generators, row {r} (pv), column max_mw: got -5; expected ")


def test_text_where_a_number_goes(small):
    r = row_of(small["book"], "generators", "gas")
    book, lines = _bad(small, "abc", lambda wb: set_cell(wb["generators"], r, "existing_mw", "abc"))
    assert lines == [f"error: {book}: sheet generators, row {r} (gas), column existing_mw: got 'abc'; "
                     "expected a valid number, unable to parse string as a number"]
    r = row_of(small["book"], "targets", "pv_floor", "id")   # a field of one target kind
    book, lines = _bad(small, "value", lambda wb: set_cell(wb["targets"], r, "value", "abc"))
    assert lines == [f"error: {book}: sheet targets, row {r} (pv_floor), column value: got 'abc'; "
                     "expected a valid number, unable to parse string as a number"]


def test_target_kind_typo(small):
    r = row_of(small["book"], "targets", "pv_floor", "id")
    book, lines = _bad(small, "kind", lambda wb: set_cell(wb["targets"], r, "kind", "instaled_capacity"))
    assert lines == [f"error: {book}: sheet targets, row {r} (pv_floor), column kind: got 'instaled_capacity'; "
                     "expected a target kind (did you mean installed_capacity?)"]


def test_cell_the_target_kind_lacks(small):
    r = row_of(small["book"], "targets", "pv_floor", "id")
    book, lines = _bad(small, "scope", lambda wb: set_cell(wb["targets"], r, "scope", "energy"))
    assert lines == [f"error: {book}: sheet targets, row {r} (pv_floor), column scope: got 'energy'; "
                     "expected a blank cell: targets of kind installed_capacity have no scope"]


def test_deleted_profile_column(small):
    r = row_of(small["book"], "generators", "pv")

    def drop(wb):
        ws = wb["profiles"]
        ws.delete_cols([c.value for c in ws[1]].index("profiles.csv:solar") + 1)
    book, lines = _bad(small, "noprofile", drop)
    assert lines == [f"error: {book}: sheet generators, row {r} (pv), column availability: got 'profiles.csv:solar'; "
                     "expected a column of sheet profiles (profiles.csv:flat)"]


def test_unknown_column_once_for_all_rows(small):
    def rename(wb):
        ws = wb["generators"]
        ws.cell(1, [c.value for c in ws[1]].index("max_mw") + 1).value = "max_mww"
    book, lines = _bad(small, "column", rename)
    col = openpyxl.utils.get_column_letter(cell_values(small["book"])["generators"][0].index("max_mw") + 1)
    assert lines == [f"error: {book}: sheet generators, column max_mww (cell {col}1): got 'max_mww'; "
                     "expected a column of the generators sheet (did you mean max_mw?)"]


def test_missing_sheet(small):
    book, lines = _bad(small, "nosheet", lambda wb: wb.remove(wb["storage"]))
    assert lines == [f"error: {book}: sheet storage: got no such sheet; "
                     "expected a sheet named storage (with its header row only, for none)"]


def test_unknown_bus_and_repeated_name(small):
    r = row_of(small["book"], "generators", "pv")
    book, lines = _bad(small, "bus", lambda wb: set_cell(wb["generators"], r, "bus", "B"))
    assert lines == [f"error: {book}: sheet generators, row {r} (pv), column bus: got 'B'; "
                     "expected a bus defined under buses (A)"]
    first = row_of(small["book"], "generators", "gas")
    book, lines = _bad(small, "twice", lambda wb: set_cell(wb["generators"], r, "name", "gas"))
    assert lines == [f"error: {book}: sheet generators, row {r} (gas), column name: got 'gas'; "
                     f"expected a name no other row has (row {first} has it)"]


def test_case_key_typo_and_formula_without_value(small):
    book, lines = _bad(small, "key", lambda wb: set_cell(wb["case"], 3, "key", "yaer"))
    assert lines == [f"error: {book}: sheet case, row 3, key yaer: got 'yaer'; expected a setting of the case "
                     "(did you mean year?)"]
    r = row_of(small["book"], "generators", "pv")
    col = openpyxl.utils.get_column_letter(cell_values(small["book"])["generators"][0].index("max_mw") + 1)
    book, lines = _bad(small, "formula", lambda wb: set_cell(wb["generators"], r, "max_mw", "=100+100"))
    assert lines == [f"error: {book}: sheet generators, cell {col}{r}: got '=100+100'; expected a value: this "
                     "formula was saved without one (open and save the workbook in Excel or LibreOffice "
                     "to compute it)"]


def test_readers_check_the_workbook_tables(small):
    """The catalogue and profile checks run on the sheets as they do on CSV files."""
    r = row_of(small["book"], "technologies", "gas", "technology")
    book, lines = _bad(small, "nan", lambda wb: set_cell(wb["technologies"], r, "capex_cny_per_kw", "nan"))
    assert lines == [f"error: {book}: sheet technologies: line {r} [gas 2030].capex_cny_per_kw: got 'nan'; "
                     "expected a finite number >= 0"]
    book, lines = _bad(small, "mw", lambda wb: set_cell(wb["profiles"], 8, "profiles.csv:solar", 120))
    pv = row_of(small["book"], "generators", "pv")
    assert lines == [f"error: {book}: sheet generators, row {pv} (pv), column availability: "
                     "got 'profiles:profiles.csv:solar row 8 = 120'; "
                     "expected capacity factors <= 1 per unit of capacity (a profile in MW needs scale: 1/MW)"]


def test_missing_required_column_once(small):
    book, lines = _bad(small, "nobus", lambda wb: wb["generators"].delete_cols(
        [c.value for c in wb["generators"][1]].index("bus") + 1))
    assert lines == [f"error: {book}: sheet generators, column bus: got no such column; "
                     "expected a column bus: every generators row needs it"]


def test_workbook_hash_follows_its_bytes(small):
    book = small["book"]
    h = input_hashes(book)
    assert h["case_sha256"] == hashlib.sha256(book.read_bytes()).hexdigest() and h["files"] == {}
    other = edited(book, small["dir"] / "other.xlsx", lambda wb: set_cell(wb["case"], 2, "value", "other"))
    assert input_hashes(other)["sha256"] != h["sha256"]
    assert input_hashes(small["yaml"])["files"]   # a YAML case still hashes the files it names


def test_overrides_apply_to_a_workbook(small):
    case = load_case(small["book"], overrides={"generators": {"pv": {"max_mw": 123}}})
    assert {g.name: g.max_mw for g in case.generators}["pv"] == 123


def test_template_refuses_bad_input(small, tmp_path):
    result = run("template", small["yaml"], "--excel", tmp_path / "book.xls")
    assert result.exit_code == 2
    assert error_lines(result) == [f"error: --excel: got '{tmp_path / 'book.xls'}'; "
                                   "expected a workbook path ending in .xlsx"]
    (small["yaml"].parent / "profiles.csv").write_text("hour,flat\n" + "".join(f"{h},1.0\n" for h in range(24)))
    result = run("template", small["yaml"], "--excel", tmp_path / "book.xlsx")
    assert result.exit_code == 2 and not (tmp_path / "book.xlsx").exists()
    assert error_lines(result) == [f"error: {small['yaml']}: generators[pv].availability.column: got 'solar'; "
                                   "expected a column of profiles.csv (hour, flat)"]
    with pytest.raises(CaseError, match="expected an existing case file"):
        load_case(tmp_path / "missing.xlsx")
    (tmp_path / "text.xlsx").write_text("name,year\n")
    result = run("validate", tmp_path / "text.xlsx")
    assert result.exit_code == 2
    assert error_lines(result) == [f"error: {tmp_path / 'text.xlsx'}: <file>: got not a zip file; expected an Excel "
                                   "workbook (.xlsx, saved by Excel, LibreOffice or gridplan template; not .xls or .csv)"]


def test_targets_command_lists_the_workbook_quotes(small):
    result = run("targets", small["book"])
    assert result.exit_code == 0 and "光伏装机达到6万千瓦" in result.stdout and "plan.txt:12" in result.stdout


def test_a_later_check_names_sheet_row_column(small):
    """A problem found once the catalogue is read (a technology it does not have) is located in
    the workbook like the schema's own problems: sheet, Excel row with the element's name, column."""
    def edit(wb):
        ws = wb["generators"]
        set_cell(ws, 2, "technology", "gass")
    book = edited(small["book"], small["book"].with_name("later.xlsx"), edit)
    res = run("validate", str(book))
    assert res.exit_code == 2
    lines = error_lines(res)
    assert len(lines) == 1
    assert "sheet generators, row 2 (" in lines[0] and "column technology: got 'gass'" in lines[0], lines


def test_formula_without_value_in_a_table_sheet(small):
    """A catalogue cell holding a formula that was never computed (written by a script, not saved
    by Excel) would read as blank, i.e. the catalogue's default (VOM 0): refused, naming the cell."""
    r = row_of(small["book"], "technologies", "gas", "technology")
    def edit(wb):
        set_cell(wb["technologies"], r, "vom_cny_per_mwh", "=5+5")
    book = edited(small["book"], small["dir"] / "formula.xlsx", edit)
    res = run("validate", book)
    assert res.exit_code == 2
    lines = error_lines(res)
    assert len(lines) == 1 and "sheet technologies, cell " in lines[0] and "=5+5" in lines[0], lines
