"""Shared test fixtures: small cases written into ``tmp_path``.

The one case builder of the tests: ``write_case_files(folder, case_dict, profiles)``
(and the ``write_case`` fixture, the same into ``tmp_path``) copies the test catalogue
and fuels (tests/data) next to a YAML file, writes the given profile columns to
``profiles.csv`` there and returns the YAML path, so that every relative path resolves
inside the case's root. Profile references in the case dict are made with :func:`prof`.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

DATA = Path(__file__).resolve().parent / "data"


GJ_PER_MWH = 3.6          # by definition of the MWh
GJ_PER_TCE = 29.3076      # 7000 kcal of standard coal (GB/T 2589)


def crf(r: float, n: float) -> float:
    """Capital recovery factor r / (1 − (1 + r)^−n): the tests' own, not gridplan's."""
    return r / (1 - (1 + r) ** -n)


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


def triangle(power_flow: str, limit13: float, limit_other: float = 500, **l13) -> dict:
    """Three buses in a triangle. Bus 1: coal 200 MW. Bus 3: load 100 MW, gas 200 MW. Lines 1-2
    (x = 1), 2-3 (x = 2), 1-3 (x = 1); ``l13`` changes line 1-3's fields (a value None drops the
    field: ``triangle("dc", 60, 40, reactance_ohm=None, controllable=True)`` makes it a link)."""
    l13 = {k: v for k, v in {"reactance_ohm": 1.0, **l13}.items() if v is not None}
    return {
        "time": {"hours": 24},
        "options": {"power_flow": power_flow},
        "buses": [{"name": "b1"}, {"name": "b2"},
                  {"name": "b3", "demand": {"profile": prof("load"), "peak_mw": 100}}],
        "generators": [{"name": "coal1", "bus": "b1", "technology": "coal", "existing_mw": 200},
                       {"name": "gas3", "bus": "b3", "technology": "gas", "existing_mw": 200}],
        "lines": [{"name": "l12", "bus0": "b1", "bus1": "b2", "existing_mw": limit_other, "reactance_ohm": 1.0,
                   "technology": "line"},
                  {"name": "l23", "bus0": "b2", "bus1": "b3", "existing_mw": limit_other, "reactance_ohm": 2.0,
                   "technology": "line"},
                  {"name": "l13", "bus0": "b1", "bus1": "b3", "existing_mw": limit13, "technology": "line", **l13}],
    }


@pytest.fixture
def data_dir() -> Path:
    """The shipped test data folder (catalogue.csv, fuels.csv, profiles.csv of 8760 h)."""
    return DATA


def write_case_files(folder: Path, case: dict, profiles: dict | None = None, file: str = "case.yaml",
                     catalogue: list | None = None, fuels: list | None = None) -> Path:
    """Write a case YAML (plus catalogue, fuels and profiles) into ``folder``; return its path.

    Missing top-level keys default to ``name: test``, ``year: 2030`` and the test
    catalogue and fuels (tests/data), or the ``catalogue`` / ``fuels`` rows given (a list
    of dicts, one per CSV row). ``profiles`` maps column name → values (one per hour) and
    is written as ``profiles.csv``; ``file`` names the YAML.
    """
    folder = Path(folder)
    for name, rows in (("catalogue.csv", catalogue), ("fuels.csv", fuels)):
        if rows is not None:
            pd.DataFrame(rows).to_csv(folder / name, index=False)
        else:   # every call says which catalogue it means: a custom one never lingers
            shutil.copy(DATA / name, folder / name)
    if profiles is not None:
        pd.DataFrame({k: np.asarray(v, float).ravel() for k, v in profiles.items()}).to_csv(
            folder / "profiles.csv", index_label="hour")
    full = {"name": "test", "year": 2030,
            "technologies": {"catalogue": "catalogue.csv", "fuels": "fuels.csv"}, **case}
    path = folder / file
    path.write_text(yaml.safe_dump(full, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def write_case(tmp_path):
    """:func:`write_case_files` into this test's ``tmp_path``."""
    def write(case: dict, profiles: dict | None = None, file: str = "case.yaml",
              catalogue: list | None = None, fuels: list | None = None) -> Path:
        return write_case_files(tmp_path, case, profiles, file, catalogue, fuels)

    return write
