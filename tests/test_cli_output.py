"""The terminal output read as a user reads it: piped, at 80 columns (issue #19).

Widths are measured independently of rich: a character of East Asian width W or F (Chinese
characters, full-width punctuation) takes two cells, every other printed character one
(``unicodedata.east_asian_width``). Target ids are read from the case YAML with
``yaml.safe_load``, not from gridplan, and must each appear whole on some line.
"""
from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
GUANGYUAN = REPO / "cases" / "guangyuan_2030.yaml"
FIVE = REPO / "cases" / "sichuan5_2030.yaml"
SEEDS = Path("/work/shared/seeds")
PLANS_CSV = REPO / "gridplan" / "case" / "plans.csv"
ANSI = re.compile(r"\x1b\[")


def run(*args, columns: str | None = "80", cwd=REPO):
    """The CLI as a subprocess with stdout and stderr piped (not a terminal)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR", "TTY_COMPATIBLE")}
    if columns is not None:
        env["COLUMNS"] = columns
    return subprocess.run([sys.executable, "-m", "gridplan", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def cells(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def target_ids(case: Path) -> list[str]:
    return [t["id"] for t in yaml.safe_load(case.read_text(encoding="utf-8"))["targets"]]


def assert_fits(text: str, width: int = 80) -> None:
    wide = [(cells(line), line) for line in text.splitlines() if cells(line) > width]
    assert not wide, wide
    assert not ANSI.search(text), "piped output carries ANSI codes"


def assert_ids_whole(text: str, ids: list[str]) -> None:
    word = lambda i: re.compile(rf"(?<![\w]){re.escape(i)}(?![\w])")   # noqa: E731
    missing = [i for i in ids if not any(word(i).search(line) for line in text.splitlines())]
    assert not missing, missing


@pytest.fixture(scope="module")
def guangyuan():
    p = run("solve", GUANGYUAN, "--typical-days", "2")
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_solve_fits_80_columns_and_keeps_every_target_id_whole(guangyuan):
    assert_fits(guangyuan)
    assert_ids_whole(guangyuan, target_ids(GUANGYUAN))


def test_piped_output_without_columns_is_80_wide():
    """No COLUMNS and no terminal: 80 columns, whatever terminal the test runner sits in (rich
    alone would take the width of a terminal on stdin). The heavy table rule is as wide as the
    table, so the widest line must be ≤ 80 and the sichuan5 targets table reaches > 70."""
    p = run("targets", FIVE, columns=None)
    assert p.returncode == 0, p.stderr
    assert_fits(p.stdout)
    assert 70 < max(cells(line) for line in p.stdout.splitlines()) <= 80


def test_targets_of_the_five_city_case_fit_and_keep_ids_whole():
    p = run("targets", FIVE)
    assert p.returncode == 0, p.stderr
    assert_fits(p.stdout)
    assert_ids_whole(p.stdout, target_ids(FIVE))


@pytest.mark.slow   # 10-25 s: the five-city LP at 4 typical days
def test_five_city_solve_fits_80_columns():
    p = run("solve", FIVE, "--typical-days", "4")
    assert p.returncode == 0, p.stderr
    assert_fits(p.stdout)
    assert_ids_whole(p.stdout, target_ids(FIVE))


def test_sources_show_the_plan_title_then_file_and_line_then_the_quote(guangyuan):
    """Every target of the Guangyuan case cites 000_774919e0b0df30d8.txt, whose title (the plan's
    own first lines: 《广元市碳达峰实施方案》) precedes file:line on the line under the target's key
    and id; the quote is the line after."""
    lines = guangyuan.splitlines()
    for key, t in enumerate(yaml.safe_load(GUANGYUAN.read_text(encoding="utf-8"))["targets"], 1):
        at = next(i for i, line in enumerate(lines) if re.match(rf"\s*{key}\s+{re.escape(t['id'])}\b", line))
        where = f"{t['source']['file']}:{t['source']['line']}"
        assert "广元市碳达峰实施方案" in lines[at + 1] and where in lines[at + 1], lines[at + 1]
        assert lines[at + 1].index("广元市碳达峰实施方案") < lines[at + 1].index(where)
        assert t["source"]["quote"] in lines[at + 2], lines[at + 2]


def test_system_table_names_its_measures(guangyuan):
    """The electricity share says it is of generation; the case's energy-share target (the first
    in the YAML, so key #1) is pointed to; both cost rows say what they divide; the outcome comes
    first; the time is one line."""
    text = guangyuan
    assert "non-fossil share of electricity (generation)" in text
    first_energy = next(k for k, t in enumerate(yaml.safe_load(GUANGYUAN.read_text(encoding="utf-8"))["targets"], 1)
                        if t["kind"] == "non_fossil_share" and t.get("scope") == "energy")
    assert re.search(rf"non-fossil share of energy.*\n.*#{first_energy} \d+\.\d%", text)
    assert "net cost per MWh of demand (after export revenue)" in text
    assert "gross cost per MWh supplied (demand + exports)" in text
    system = text[text.index("\nsystem\n"):].splitlines()
    assert "outcome" in system[3] and "optimal" in system[3]      # heading, rule, first row
    time = [line for line in system if line.strip().startswith("time:")]
    assert len(time) == 1 and re.search(r"prepare [\d.]+ s( · (build|hand-off) [\d.]+ s)* · solve [\d.]+ s",
                                          time[0])   # a step under 0.05 s is left out


def _missed_share_case(tmp_path: Path) -> Path:
    """tests/data/compare/gas_solar.yaml with a non-fossil share of 0.6 citing a file of its own:
    solar serves the 12 daytime hours of a flat load and nothing stores it, so at most 12/24 =
    50 % is non-fossil and 60 − 50 = 10 pp are missing."""
    data = REPO / "tests" / "data" / "compare"
    for f in ("catalogue.csv", "fuels.csv", "profiles.csv"):
        (tmp_path / f).write_text((data / f).read_text())
    target = ("{id: nf_share, kind: non_fossil_share, scope: electricity, value: 0.6, "
              "source: {file: town_notes.txt, line: 3, quote: 'sixty per cent non-fossil power'}}")
    text = (data / "gas_solar.yaml").read_text()
    text = text.replace("{id: nf_share, kind: non_fossil_share, scope: electricity, value: 0.3}", target)
    assert target in text
    (tmp_path / "gas_solar.yaml").write_text(text)
    return tmp_path / "gas_solar.yaml"


def test_a_missed_target_shows_no_dual_but_its_shortfall(tmp_path):
    """The hard 60 % target cannot be met (10 pp short, see the case): exit 4, the row says
    MISSED with "—" for its dual and the 10.00 pp shortfall; the outcome row says so; a source
    not in the plans' index prints its file:line alone."""
    p = run("solve", _missed_share_case(tmp_path))
    assert p.returncode == 4, p.stderr
    assert_fits(p.stdout)
    row = next(line for line in p.stdout.splitlines() if re.match(r"│ 1 │", line))
    assert "MISSED" in row and "— short 10.00 pp" in row and "≥ 60.0%" in row and "50.0%" in row
    assert re.search(r"│ outcome\s+│\s+targets missed │", p.stdout)
    assert re.search(r"^ {5}town_notes\.txt:3$", p.stdout, re.M)
    assert "“sixty per cent non-fossil power”" in p.stdout


def test_an_error_is_the_first_stderr_line_and_never_wrapped(tmp_path):
    """A case that fails while the progress display runs: the `error:` line comes first (no
    empty line before it) and whole, even at 30 columns."""
    bad = _missed_share_case(tmp_path)
    bad.write_text(bad.read_text().replace("bus: town, technology: gas", "bus: nowhere_at_all_on_this_map, "
                                                                     "technology: gas"))
    assert "nowhere_at_all_on_this_map" in bad.read_text()
    p = run("solve", bad, columns="30")
    assert p.returncode == 2, p.stderr
    lines = p.stderr.splitlines()
    assert lines[0].startswith("error: ") and "nowhere_at_all_on_this_map" in lines[0], p.stderr
    assert all(line.startswith("error: ") for line in lines), p.stderr
    assert len(lines[0]) > 30


# --------------------------------------------------------------------------- wrapping by hand


def test_wrap_breaks_between_chinese_characters_never_inside_a_number():
    """全市非化石能源消费比重达到56.5%左右 at 20 cells: ten characters (20 cells) fill the first
    line; 重达到 (6) + 56.5% (5) + 左右 (4) = 15 cells the second. At 12 cells: six characters, six
    characters, then 到 (2) + 56.5% (5) + 左右 (4) = 11."""
    from gridplan.cli.common import wrap
    q = "全市非化石能源消费比重达到56.5%左右"
    assert wrap(q, 20) == ["全市非化石能源消费比", "重达到56.5%左右"]
    assert wrap(q, 12) == ["全市非化石能", "源消费比重达", "到56.5%左右"]


def test_wrap_keeps_closing_punctuation_and_latin_words_whole():
    """At 8 cells 一二三四，五六 cannot break before the comma (a closing mark never starts a
    line): 一二三 (6), then 四， (4) + 五六 (4) = 8; cut at cells alone it would be 一二三四 / ，五六.
    Latin text breaks at spaces only, and an id longer than the line stays whole on its own line."""
    from gridplan.cli.common import wrap
    assert wrap("一二三四，五六", 8) == ["一二三", "四，五六"]
    assert wrap("see gy_hydro_seasonal_regulation_capacity_2030 now", 20, indent="  ") == \
        ["  see", "  gy_hydro_seasonal_regulation_capacity_2030", "  now"]


# --------------------------------------------------------------------------- the plans' index


def test_plan_of_reads_the_packaged_index():
    from gridplan.case.plans import plan_of, plan_title
    row = plan_of("003_8e4a237324c0d96e.txt")
    assert row["city"] == "Leshan" and row["title"] == "国家碳达峰试点（乐山）实施方案"
    assert plan_title("some/folder/003_8e4a237324c0d96e.txt") == "乐山 · 国家碳达峰试点（乐山）实施方案"
    assert plan_of("my_own_notes.txt") is None and plan_title("my_own_notes.txt") == ""
    assert plan_of("") is None


@pytest.mark.skipif(not SEEDS.exists(), reason="the plans are not on this machine")
def test_the_index_matches_the_plans_themselves():
    """Each row's title, document number and issue date are in the plan's own text (the source of
    truth): the date as the plan writes it, 2023年12月29日 (spaces allowed: 2024 年 1 月 19 日)."""
    with PLANS_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["file"] for r in rows] == sorted(p.name for p in SEEDS.glob("*.txt"))
    for r in rows:
        text = (SEEDS / r["file"]).read_text(encoding="utf-8")
        assert r["title"] in text, r["file"]
        if r["document"]:
            assert r["document"] in text, r["file"]
        if r["issued"]:
            d = date.fromisoformat(r["issued"])
            assert re.search(rf"{d.year}\s*年\s*{d.month}\s*月\s*{d.day}\s*日", text), r["file"]
