"""The PyPSA converter of the benchmarks is the package's: :mod:`gridplan.interop.to_pypsa`.

``to_pypsa`` (re-exported here) builds the network, the ``extra_functionality`` rows PyPSA has no
attribute for and the objective constant (gridplan objective = ``n.objective +
n.objective_constant + exported.objective_constant``, in CNY; see that module's docstring for
every mapping). Here besides:

* :func:`export_case`: the prepared case as a plain dict of arrays in model units, which the raw
  scipy floor (:mod:`benchmarks.raw_floor`) builds its LP from without importing gridplan;
* :func:`network_inputs` / :func:`build_network`: the exported network taken apart into plain
  in-memory inputs (snapshots, weightings and, per component, names, the input attributes that
  differ from PyPSA's defaults as arrays, the time-varying ones as arrays of the names that have
  them), and a fresh ``pypsa.Network`` built from them the way a PyPSA user builds one from
  arrays (``set_snapshots``, the weightings, one ``n.add`` per component, the time series set
  as ``n.<component>s_t.<attr>`` DataFrames: ``n.add`` wants a series for every name). The benchmark times
  :func:`build_network`, not :func:`to_pypsa` (which runs gridplan's load, prepare and LP build).
"""
from __future__ import annotations

import numpy as np

from gridplan.interop.to_pypsa import ExportedNetwork, to_pypsa

__all__ = ["ExportedNetwork", "build_network", "export_case", "network_inputs", "to_pypsa"]

COMPONENTS = ("Carrier", "Bus", "Load", "Generator", "Line", "Link", "Store", "StorageUnit", "GlobalConstraint")
"""PyPSA components the export fills, in the order they are added (buses before what attaches)."""


def export_case(data) -> dict:
    """CaseData -> plain dict (model units: MW, MWh, kCNY) for the raw floor."""
    case = data.case
    return dict(
        name=case.name, weights=np.asarray(data.weights, float), buses=list(data.buses),
        demand=np.asarray(data.demand, float), voll=float(data.voll),
        co2_price=case.options.co2_price_cny_per_t * 1e-3, power_flow=case.options.power_flow,
        gens=data.gens.copy(), avail=np.asarray(data.avail, float), storage=data.storage.copy(),
        reservoirs=data.reservoirs.copy(), inflow=np.asarray(data.inflow, float), lines=data.lines.copy(),
        dr=data.dr.copy(), exchanges=data.exchanges.copy(),
    )


def network_inputs(n) -> dict:
    """The network as plain inputs for :func:`build_network` (copies: nothing shared with ``n``)."""
    import pandas as pd
    filled = {c for c in n.components.keys() if not n.c[c].static.empty}
    known = {n.c[c].list_name for c in COMPONENTS} | {"line_types", "transformer_types"}   # PyPSA's own tables
    if filled - known:
        raise ValueError(f"network_inputs: components {sorted(filled - known)} are not carried over")
    comps = []
    for c in COMPONENTS:
        comp = n.c[c]
        st = comp.static
        if st.empty:
            continue
        attrs = comp.attrs
        inputs = attrs.index[attrs["status"].str.startswith("Input")]
        static = {}
        for a in st.columns.intersection(inputs):
            values = st[a]
            default = attrs.at[a, "default"]
            same = values.isna() if pd.isna(default) else (values == default)
            if not bool(same.all()):
                static[a] = values.to_numpy().copy()
        varying = {}
        for a, frame in comp.dynamic.items():
            if a not in inputs or frame.empty:
                continue
            # the same columns as the export (the others read their static value)
            varying[a] = (list(frame.columns), frame.to_numpy(float).copy())
        comps.append((c, list(st.index), static, varying))
    return dict(name=n.name, snapshots=list(n.snapshots), weightings=n.snapshot_weightings.to_numpy(float).copy(),
                weighting_columns=list(n.snapshot_weightings.columns), components=comps)


def build_network(inputs: dict):
    """A fresh ``pypsa.Network`` from :func:`network_inputs`: what PyPSA itself does with arrays."""
    import pandas as pd
    import pypsa
    n = pypsa.Network(name=inputs["name"])
    sns = pd.DatetimeIndex(inputs["snapshots"], name="snapshot")
    n.set_snapshots(sns)
    n.snapshot_weightings = pd.DataFrame(inputs["weightings"], index=sns, columns=inputs["weighting_columns"])
    for c, names, static, varying in inputs["components"]:
        n.add(c, names, **static)
        dynamic = n.c[c].dynamic       # time series of some of the names: n.add wants one per name
        for a, (columns, values) in varying.items():
            dynamic[a] = pd.DataFrame(values, index=sns, columns=pd.Index(columns, name="name"))
    return n
