"""The files of a solved case's result set (CSV, the optional formats, plots, README.md), shared by
``gridplan solve`` and ``gridplan solve --certify``."""
from __future__ import annotations

from pathlib import Path


def write_result_files(res, path: Path, files: set) -> list[str]:
    """Every result file of ``res`` into the folder ``path`` (CSV, the optional ones, plots, README.md);
    the plots' names."""
    from .. import plots
    res.write_csv(path)
    if "excel" in files:
        res.to_excel(path / "results.xlsx")
    if "netcdf" in files:
        res.to_netcdf(path / "results.nc")
    if "parquet" in files:
        res.write_parquet(path / "parquet")
    plots.capacity_by_bus(res, path / "capacity.png")
    plots.dispatch_week(res, path / "dispatch.png")
    pngs = ["capacity.png", "dispatch.png"]
    if len(res.case.buses) > 1:     # one bus has no network to draw
        plots.network_map(res, path=path / "network.png")
        pngs.append("network.png")
    res.write_guide(path)
    return pngs
