"""Results as xarray, netCDF and Parquet (issue #20, item 2).

The CSVs are the reference: every array of ``Results.to_xarray()`` is checked against the CSV the
same Results wrote (a separate path: pandas' CSV writer and reader), the netCDF file against the
Dataset through ``xarray.open_dataset``, the Parquet files against the frames through
``pandas.read_parquet``. guangyuan_2030 at 2 typical days has targets, storage (levels over the
8,760 hours), reservoirs and an exchange; gas_only (tests/broken/result_sets/) is the small set
for the CLI.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import xarray as xr
from typer.testing import CliRunner

import gridplan
from gridplan.cli import app
from gridplan.errors import GridplanError
from gridplan.results import Results

REPO = Path(__file__).resolve().parents[1]
GAS = REPO / "tests" / "broken" / "result_sets" / "gas_only.yaml"
GUANGYUAN = REPO / "cases" / "guangyuan_2030.yaml"


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """The Results, its Dataset and the CSV set it wrote."""
    res = gridplan.solve(GUANGYUAN, typical_days=2)
    folder = res.to_csv(tmp_path_factory.mktemp("csv") / "set")
    csv = {p.stem: pd.read_csv(p) for p in folder.glob("*.csv")}
    manifest = json.loads((folder / "manifest.json").read_text())
    return res, res.to_xarray(), csv, manifest


def test_dimensions(solved):
    res, ds, csv, _ = solved
    T = len(csv["prices"])
    assert ds["dispatch"].dims == ("element", "snapshot")
    assert ds.sizes["snapshot"] == T == 48                       # 2 typical days × 24 h
    assert ds.sizes["element"] == len(csv["dispatch"]) // T
    assert ds["prices"].dims == ("bus", "snapshot")
    assert ds["storage_levels"].dims == ("store", "hour") and ds.sizes["hour"] == 8760
    assert ds["energy"].dims == ("bus", "energy_technology")
    assert ds["capacities_total"].dims == ("asset",) and ds.sizes["asset"] == len(csv["capacities"])
    assert ds["targets_dual"].dims == ("target",) and list(ds["target"].values) == list(csv["targets"]["id"])
    # snapshot weights: the hours each snapshot stands for, 8760 in all
    assert float(ds["snapshot_weight"].sum()) == pytest.approx(8760, rel=1e-12)


def test_units(solved):
    _, ds, _, _ = solved
    assert ds["dispatch"].attrs["units"] == "MW"
    assert ds["prices"].attrs["units"] == "CNY/MWh"
    assert ds["storage_levels"].attrs["units"] == "MWh"
    assert ds["costs_cny"].attrs["units"] == "CNY/yr"
    assert ds["targets_dual"].attrs["units"] == "see dual_unit"
    assert ds["snapshot_weight"].attrs["units"] == "h"
    assert ds["summary_cost_per_mwh_cny"].attrs["units"] == "CNY/MWh"
    assert ds["summary_total_cost_cny"].attrs["units"] == "CNY/yr"
    assert "units" not in ds["summary_rows"].attrs


def test_values_equal_the_csv_frames(solved):
    res, ds, csv, _ = solved
    d = csv["dispatch"]
    grid = d.assign(key=d["component"] + "/" + d["name"]).pivot(index="key", columns="snapshot", values="mw")
    np.testing.assert_allclose(ds["dispatch"].sel(element=list(grid.index)).values, grid.to_numpy(), rtol=1e-12)
    prices = csv["prices"].drop(columns="snapshot")
    np.testing.assert_allclose(ds["prices"].sel(bus=list(prices.columns)).values.T, prices.to_numpy(), rtol=1e-12)
    caps = csv["capacities"]
    keys = list(caps["component"] + "/" + caps["name"])
    np.testing.assert_allclose(ds["capacities_built"].sel(asset=keys).values, caps["built"], rtol=1e-12)
    assert list(ds["asset_unit"].values) == list(caps["unit"])
    np.testing.assert_allclose(ds["targets_dual"].values, csv["targets"]["dual"], rtol=1e-12)
    assert list(ds["targets_binding"].values) == list(csv["targets"]["binding"])
    assert list(ds["target_quote"].values) == list(csv["targets"]["quote"].fillna(""))
    lv = csv["storage_levels"]
    assert "snapshot" not in lv.columns          # hours of the year, not the 0-47 snapshots
    lgrid = lv.assign(key=lv["component"] + "/" + lv["name"]).pivot(index="key", columns="hour",
                                                                    values="level_mwh")
    np.testing.assert_allclose(ds["storage_levels"].sel(store=list(lgrid.index)).values, lgrid.to_numpy(),
                               rtol=1e-12, atol=1e-9)
    e = csv["energy"].set_index("bus")
    np.testing.assert_allclose(ds["energy"].sel(bus=list(e.index), energy_technology=list(e.columns)).values,
                               e.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(ds["shedding_shed_mwh"].values, csv["shedding"]["shed_mwh"], rtol=1e-12)
    assert float(ds["summary_total_cost_cny"]) == pytest.approx(csv["summary"]["total_cost_cny"][0], rel=1e-12)
    # the costs add up to the objective (the CSV's own total)
    assert float(ds["costs_cny"].sum()) == pytest.approx(csv["summary"]["total_cost_cny"][0], rel=1e-9)


def test_attrs_hold_the_provenance_of_the_csv_set(solved):
    _, ds, _, manifest = solved
    assert ds.attrs["gridplan_version"] == gridplan.__version__ == manifest["gridplan_version"]
    assert ds.attrs["status"] == "Optimal" == manifest["status"]
    assert ds.attrs["total_cost_cny"] == pytest.approx(manifest["total_cost_cny"], rel=1e-12)
    assert ds.attrs["case"] == manifest["case"] == str(GUANGYUAN)
    assert json.loads(ds.attrs["inputs"]) == manifest["inputs"]
    assert all(isinstance(v, (str, int, float)) for v in ds.attrs.values())   # netCDF-writable


def test_netcdf_round_trip(solved, tmp_path):
    res, ds, _, _ = solved
    path = res.to_netcdf(tmp_path / "r.nc")
    assert not list(tmp_path.glob(".*tmp*"))
    with xr.open_dataset(path, engine="netcdf4") as back:
        back = back.load()
    assert set(back.data_vars) == set(ds.data_vars) and back.attrs == ds.attrs
    for name in ds.data_vars:
        a, b = ds[name], back[name]
        assert a.dims == b.dims and a.attrs.get("units") == b.attrs.get("units"), name
        if a.dtype.kind in "fc":
            np.testing.assert_array_equal(a.values, b.values, err_msg=name)
        else:
            assert list(a.values.ravel()) == list(b.values.ravel()), name
    assert list(back["element"].values) == list(ds["element"].values)
    assert list(back["target_unit"].values) == list(ds["target_unit"].values)


def test_parquet_reads_back_as_the_frames_with_units_and_manifest(solved, tmp_path):
    res, _, _, manifest = solved
    folder = res.to_parquet(tmp_path / "pq")
    files = {p.name for p in folder.iterdir()}
    assert files == {f"{n}.parquet" for n in Results.FRAMES} | {"manifest.json"}
    frames = res.frames()
    for name, frame in frames.items():
        back = pd.read_parquet(folder / f"{name}.parquet")
        # the energy frame's column axis is named "technology": Parquet keeps columns, not that name
        expected = frame.reset_index(drop=True).rename_axis(columns=None)
        pd.testing.assert_frame_equal(back, expected, check_dtype=False, check_index_type=False)
    schema = pq.read_schema(folder / "capacities.parquet")
    meta = json.loads(schema.metadata[b"gridplan"])
    assert meta["frame"] == "capacities" and meta["units"]["total"].startswith("MW")
    assert meta["provenance"]["inputs"] == manifest["inputs"]
    assert meta["provenance"]["gridplan_version"] == gridplan.__version__
    assert schema.field("built").metadata[b"units"].startswith(b"MW")
    prices = pq.read_schema(folder / "prices.parquet")
    assert json.loads(prices.metadata[b"gridplan"])["units"][str(res.data.buses[0])] == "CNY/MWh"
    set_manifest = json.loads((folder / "manifest.json").read_text())
    assert set_manifest["inputs"] == manifest["inputs"] and set(set_manifest["files"]) == files - {"manifest.json"}


def test_parquet_set_is_written_whole_or_not_at_all(solved, tmp_path, monkeypatch):
    res = gridplan.solve(GAS)
    folder = res.to_parquet(tmp_path / "pq")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def boom(r):
        raise RuntimeError("frame failed")
    monkeypatch.setitem(Results.FRAMES, "flows", boom)
    with pytest.raises(RuntimeError):
        res.to_parquet(folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pq"]


@pytest.mark.parametrize("module, call", [("xarray", "to_xarray"), ("pyarrow", "to_parquet")])
def test_without_the_interop_extra_one_line(tmp_path, monkeypatch, module, call):
    res = gridplan.solve(GAS)
    monkeypatch.setitem(sys.modules, module, None)          # import fails as if not installed
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    args = () if call == "to_xarray" else (tmp_path / "pq",)
    with pytest.raises(GridplanError, match=rf"got no {module} module; expected it installed \(pip install"):
        getattr(res, call)(*args)
    assert not (tmp_path / "pq").exists()


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_netcdf_and_parquet_go_into_the_result_set(tmp_path):
    out = tmp_path / "out"
    r = cli("solve", GAS, "--out", out, "--netcdf", "--parquet")
    assert r.exit_code == 0, r.output
    m = json.loads((out / "manifest.json").read_text())
    assert "results.nc" in m["files"] and "parquet/capacities.parquet" in m["files"]
    assert (out / "capacities.csv").exists()                  # the CSVs stay
    caps = pd.read_csv(out / "capacities.csv")
    with xr.open_dataset(out / "results.nc") as ds:
        np.testing.assert_allclose(ds["capacities_total"].values, caps["total"], rtol=1e-12)
        assert ds.attrs["status"] == "Optimal"
    pd.testing.assert_frame_equal(pd.read_parquet(out / "parquet" / "capacities.parquet"), caps, check_dtype=False)


def test_cli_netcdf_needs_out(tmp_path):
    r = cli("solve", GAS, "--netcdf")
    assert r.exit_code == 2
    assert r.output.strip() == "error: --netcdf: got no --out; expected --out DIR (the file goes into the result set)"
