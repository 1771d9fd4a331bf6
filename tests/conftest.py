"""Shared test fixtures: small cases written into ``tmp_path``.

``write_case(case_dict, profiles)`` copies the test catalogue and fuels
(tests/data) next to a YAML file in ``tmp_path``, writes the given profile
columns to ``profiles.csv`` there and returns the YAML path, so that every
relative path resolves inside the case's root. Profile references in the case
dict can be made with :func:`prof`.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

DATA = Path(__file__).resolve().parent / "data"


def prof(column: str, scale: float | None = None, file: str = "profiles.csv") -> dict:
    """A profile reference for a case dict."""
    p = {"file": file, "column": column}
    if scale is not None:
        p["scale"] = scale
    return p


def two_buses() -> dict:
    """A: existing coal 200 MW, flat demand 20 MW. B: existing gas 200 MW, flat demand 100 MW.
    Line A→B rated 50 MW, not expandable (write it with ``{"load": [1.0] * 24}``)."""
    return {
        "time": {"hours": 24},
        "buses": [{"name": "A", "demand": {"profile": prof("load"), "peak_mw": 20}},
                  {"name": "B", "demand": {"profile": prof("load"), "peak_mw": 100}}],
        "generators": [{"name": "coal_A", "bus": "A", "technology": "coal", "existing_mw": 200},
                       {"name": "gas_B", "bus": "B", "technology": "gas", "existing_mw": 200}],
        "lines": [{"name": "AB", "bus0": "A", "bus1": "B", "existing_mw": 50, "technology": "line"}],
    }


@pytest.fixture
def data_dir() -> Path:
    """The shipped test data folder (catalogue.csv, fuels.csv, profiles.csv of 8760 h)."""
    return DATA


@pytest.fixture
def write_case(tmp_path):
    """Write a case YAML (plus catalogue, fuels and profiles) into tmp_path; return its path.

    Missing top-level keys default to ``name: test``, ``year: 2030`` and the test
    catalogue and fuels. ``profiles`` maps column name → list of values (one per
    hour) and is written as ``profiles.csv``; ``file`` names the YAML.
    """
    def write(case: dict, profiles: dict | None = None, file: str = "case.yaml") -> Path:
        for f in ("catalogue.csv", "fuels.csv"):
            if not (tmp_path / f).exists():
                shutil.copy(DATA / f, tmp_path / f)
        if profiles is not None:
            pd.DataFrame(profiles).to_csv(tmp_path / "profiles.csv", index_label="hour")
        full = {"name": "test", "year": 2030,
                "technologies": {"catalogue": "catalogue.csv", "fuels": "fuels.csv"}, **case}
        path = tmp_path / file
        path.write_text(yaml.safe_dump(full, sort_keys=False), encoding="utf-8")
        return path

    return write
