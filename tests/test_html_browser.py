"""The comparison page as a browser shows it (issue #19): a real compare, index.html rendered by
headless Chromium, the outcome cells and the "met" cell read back from the rendered DOM.

Two runs of Guangyuan 2030 at 2 typical days, elastic: as shipped (optimal) and with its
seasonal-hydro target raised to 2,500 MW, beyond the 1,950 MW its reservoirs can reach (targets
missed). CI installs Debian's chromium through .ci/run; elsewhere the test is skipped without one.
"""
from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import gridplan
from gridplan.batch.runs import Run

CASE = Path(__file__).resolve().parents[1] / "cases" / "guangyuan_2030.yaml"
MISSED = "hydro_seasonal_regulation_capacity_2030"


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Tables(HTMLParser):
    """The page's tables as rows of (text, class) cells, each under the heading before it."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self.heading = ""
        self._in_h2 = False
        self._cell = None
        self._row = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h2":
            self._in_h2, self.heading = True, ""
        elif tag == "table":
            self.tables.append({"heading": self.heading, "class": a.get("class") or "", "rows": []})
        elif tag == "tr" and self.tables:
            self._row = {"class": a.get("class") or "", "cells": []}
            self.tables[-1]["rows"].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = [tag, a.get("class") or "", ""]
            self._row["cells"].append(self._cell)

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in_h2 = False
        elif tag in ("td", "th"):
            self._cell = None

    def handle_data(self, data):
        if self._in_h2:
            self.heading += data
        if self._cell is not None:
            self._cell[2] += data


def frame(table) -> list[dict]:
    """Rows as {column: (text, class)}, plus the row's own class under "_row"."""
    head = [c[2].strip() for c in table["rows"][0]["cells"]]
    return [{"_row": r["class"], **{h: (c[2].strip(), c[1]) for h, c in zip(head, r["cells"])}}
            for r in table["rows"][1:]]


@pytest.mark.slow
def test_rendered_page_shows_outcomes_and_a_missed_target(tmp_path):
    browser = chromium()
    if browser is None:
        pytest.skip("chromium not installed; CI installs Debian's chromium through .ci/run")
    out = tmp_path / "compare"
    comp = gridplan.compare([Run(CASE, name="guangyuan"),
                             Run(CASE, {f"targets.{MISSED}.value": 2500}, name="guangyuan_seasonal_2500")],
                            typical_days=2, elastic=True, out=out, workers=1)
    assert list(comp.table["outcome"]) == ["optimal", "targets missed"]
    page = out / "index.html"
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                           f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.resolve().as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = Tables()
    dom.feed(done.stdout)
    assert "gridplan comparison" in done.stdout and "2 runs: 1 optimal, 1 targets missed, 0 failed" in done.stdout

    summary = frame(next(t for t in dom.tables if t["heading"] == "Summary"))
    cells = {r["case"][0]: r["outcome"] for r in summary}
    assert cells["guangyuan_seasonal_2500"] == ("targets missed", "outcome outcome-targets-missed")
    assert cells["guangyuan"] == ("optimal", "outcome outcome-optimal")

    targets = frame(next(t for t in dom.tables if t["heading"] == "Targets"))
    row = next(r for r in targets if r["case"][0] == "guangyuan_seasonal_2500" and r["id"][0] == MISSED)
    assert row["met"][0] == "no" and row["_row"] == "missed"
    assert row["outcome"] == ("targets missed", "outcome outcome-targets-missed")
    assert row["marginal_cost"][0] == "—" and row["dual"][0] == "—"
    assert row["shortfall"][0] == "550"
    met = [r["met"][0] for r in targets]
    assert "" not in met and set(met) == {"yes", "no"}       # booleans never blank
    same = next(r for r in targets if r["case"][0] == "guangyuan" and r["id"][0] == MISSED)
    assert same["met"][0] == "yes" and same["_row"] == "" and same["marginal_cost"][0] not in ("", "—")

    legend = next(t for t in dom.tables if "legend" in t["class"])
    from gridplan.report import OUTCOMES
    assert [r["outcome"][0] for r in frame(legend)] == list(OUTCOMES)
