"""Translate a prepared gridplan case (CaseData) into the same PyPSA network.

Two steps so that the PyPSA worker process never imports gridplan (or Pyomo):

1. :func:`export_case` (gridplan side) turns ``CaseData`` into a plain dict of
   numpy arrays / pandas frames in *model units* (MW, MWh, kCNY), pickled;
2. :func:`build_network` + :func:`add_extra_constraints` (PyPSA side) build the
   network and the few rows PyPSA has no attribute for.

Equivalences (gridplan row -> PyPSA):

* generators: ``Generator`` with p_nom = existing, p_nom_min/max = existing + build
  min/max, extendable iff build_max > 0, capital_cost = gridplan's annualised cost
  (capital recovery + fixed O&M, per MW), marginal_cost = fuel + VOM (+ CO2 price),
  p_max_pu = availability, p_min_pu = must_run. (Ramp limits: not translated; a case
  with ramps is refused, since PyPSA's ramp rows are not cyclic.)
* storage (power and energy sized separately): a ``Store`` on its own bus
  (e_nom extendable, standing_loss, e_cyclic) + a charger ``Link`` (AC -> store,
  efficiency eta_c, carries the power capital cost) + a discharger ``Link``
  (store -> AC, efficiency eta_d). Extra rows: charger.p_nom = eta_d x
  discharger.p_nom (one power rating, as in gridplan: charge <= P and discharge
  (AC side) <= P), and dmin·P <= E <= dmax·P. A ``StorageUnit`` would fix
  E/P = max_hours and is therefore *not* used.
* reservoirs: a water bus with a ``Store`` (fixed volume, cyclic), a fixed inflow
  ``Generator`` (p_min_pu = p_max_pu = inflow), a spill ``Generator`` (p in [-big, 0],
  big never binding) and a turbine ``Link`` to the AC bus (extendable where gridplan's
  turbine is; a ``StorageUnit`` would tie volume to turbine MW via max_hours);
  minimum release (turbine + spill >= share × inflow) as an extra row.
* lines (transport): ``Link`` with p_min_pu = -1, efficiency 1; with ``power_flow: dc``:
  PyPSA ``Line`` with x = reactance (v_nom = 1 everywhere, so x_pu = x; KVL rows
  from PyPSA's own cycle basis span the same space as gridplan's).
* demand response: ``Generator`` (capability extendable) + the annual energy row.
* exchanges: an import ``Generator`` and an export ``Generator`` (p_min_pu = -1,
  p_max_pu = 0, marginal_cost = export revenue).
* shedding: a ``Generator`` per bus at VoLL with p_max_pu = demand / peak.
* snapshot weightings (objective, stores, generators) = gridplan's weights.

Objective: PyPSA (include_objective_constant=True) counts capital_cost × (p_nom -
existing) for extendables; gridplan counts ann_cost × build plus the fixed O&M of
existing capacity as a constant. So gridplan objective = PyPSA objective +
``objective_constant`` exported here. Targets are *not* translated: benchmark runs
of a case with targets drop them in both tools (``export_case`` refuses otherwise).
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def export_case(data, allow_targets: bool = False) -> dict:
    """CaseData -> plain dict (model units). Raises on features not translated."""
    case = data.case
    if case.targets and not allow_targets:
        raise ValueError("targets are not translated to PyPSA; drop them in both tools")
    if data.typical_day_of is not None:
        raise ValueError("typical days are not translated")
    g = data.gens
    if len(g) and np.isfinite(g["ramp"].to_numpy(float)).any():
        raise ValueError("ramp limits are not translated (PyPSA ramps are not cyclic)")
    r = data.reservoirs
    co2_price = case.options.co2_price_cny_per_t * 1e-3
    d = dict(
        name=case.name, weights=np.asarray(data.weights, float), buses=list(data.buses),
        demand=np.asarray(data.demand, float), voll=case.options.voll_cny_per_mwh * 1e-3,
        co2_price=co2_price, power_flow=case.options.power_flow, gens=g.copy(), avail=np.asarray(data.avail, float),
        storage=data.storage.copy(), reservoirs=r.copy(), inflow=np.asarray(data.inflow, float),
        lines=data.lines.copy(), dr=data.dr.copy(), exchanges=data.exchanges.copy(),
    )
    return d


def objective_constant(ctx) -> float:
    return float(ctx.lp.objective_constant)


def build_network(d: dict):
    import pypsa

    T = len(d["weights"])
    sns = pd.RangeIndex(T, name="snapshot")
    n = pypsa.Network()
    n.set_snapshots(sns)
    w = d["weights"]
    n.snapshot_weightings.loc[:, ["objective", "stores", "generators"]] = np.repeat(w[:, None], 3, 1)
    buses = d["buses"]
    n.add("Carrier", ["AC", "store", "gen", "shed", "line"])
    n.add("Bus", buses, carrier="AC")
    dem = pd.DataFrame(d["demand"].T, index=sns, columns=[f"{b}_load" for b in buses])
    n.add("Load", dem.columns, bus=buses, p_set=dem)

    g = d["gens"]
    if len(g):
        ex = g["existing_mw"].to_numpy(float)
        bmin = g["build_min"].to_numpy(float)
        bmax = g["build_max"].to_numpy(float)
        mc = g["fuel_cost"].to_numpy(float) + g["vom"].to_numpy(float) + d["co2_price"] * g["co2_t_per_mwh"].to_numpy(float)
        pmax = pd.DataFrame(d["avail"].T, index=sns, columns=g.index)
        n.add("Generator", g.index, bus=g["bus"].to_numpy(), carrier="gen",
              p_nom=ex, p_nom_min=ex + bmin, p_nom_max=ex + bmax, p_nom_extendable=bmax > 0,
              capital_cost=g["ann_cost"].to_numpy(float), marginal_cost=mc,
              p_max_pu=pmax, p_min_pu=g["must_run"].to_numpy(float))

    s = d["storage"]
    if len(s):
        sb = [f"{x}__store" for x in s.index]
        n.add("Bus", sb, carrier="store")
        emin, emax = s["build_min_mwh"].to_numpy(float), s["build_max_mwh"].to_numpy(float)
        eex = s["existing_mwh"].to_numpy(float)
        n.add("Store", s.index, bus=sb, carrier="store", e_nom=eex, e_nom_min=eex + emin,
              e_nom_max=eex + emax, e_nom_extendable=emax > 0, e_cyclic=True,
              standing_loss=s["loss_per_h"].to_numpy(float), capital_cost=s["ann_cost_mwh"].to_numpy(float))
        pex = s["existing_mw"].to_numpy(float)
        pmin, pmax = s["build_min_mw"].to_numpy(float), s["build_max_mw"].to_numpy(float)
        eta_c, eta_d = s["eta_charge"].to_numpy(float), s["eta_discharge"].to_numpy(float)
        n.add("Link", [f"{x}__charger" for x in s.index], bus0=s["bus"].to_numpy(), bus1=sb, carrier="store",
              efficiency=eta_c, p_nom=pex, p_nom_min=pex + pmin, p_nom_max=pex + pmax,
              p_nom_extendable=pmax > 0, capital_cost=s["ann_cost_mw"].to_numpy(float))
        n.add("Link", [f"{x}__discharger" for x in s.index], bus0=sb, bus1=s["bus"].to_numpy(), carrier="store",
              efficiency=eta_d, p_nom=pex / eta_d, p_nom_min=(pex + pmin) / eta_d, p_nom_max=(pex + pmax) / eta_d,
              p_nom_extendable=pmax > 0, capital_cost=0.0, marginal_cost=s["vom"].to_numpy(float) * eta_d)

    r = d["reservoirs"]
    if len(r):
        # water bus + Store (fixed volume, cyclic) + fixed inflow Generator + spill
        # Generator (p in [-big, 0]) + turbine Link (extendable where gridplan's is)
        wb = [f"{x}__water" for x in r.index]
        n.add("Bus", wb, carrier="store")
        n.add("Store", [f"{x}__level" for x in r.index], bus=wb, carrier="store",
              e_nom=r["reservoir_mwh"].to_numpy(float), e_cyclic=True)
        infl = d["inflow"]
        peak = np.maximum(infl.max(axis=1), 1e-9)
        n.add("Generator", [f"{x}__inflow" for x in r.index], bus=wb, carrier="gen", p_nom=peak,
              p_max_pu=pd.DataFrame((infl / peak[:, None]).T, index=sns, columns=[f"{x}__inflow" for x in r.index]),
              p_min_pu=pd.DataFrame((infl / peak[:, None]).T, index=sns, columns=[f"{x}__inflow" for x in r.index]))
        big = peak + r["reservoir_mwh"].to_numpy(float) / w.min()   # never binding: spill <= inflow + volume / w
        n.add("Generator", [f"{x}__spill" for x in r.index], bus=wb, carrier="gen", p_nom=big,
              p_min_pu=-1.0, p_max_pu=0.0)
        ex = r["existing_mw"].to_numpy(float)
        bmin, bmax = r["build_min"].to_numpy(float), r["build_max"].to_numpy(float)
        n.add("Link", [f"{x}__turbine" for x in r.index], bus0=wb, bus1=r["bus"].to_numpy(), carrier="gen",
              efficiency=1.0, p_nom=ex, p_nom_min=ex + bmin, p_nom_max=ex + bmax, p_nom_extendable=bmax > 0,
              capital_cost=r["ann_cost"].to_numpy(float), marginal_cost=r["vom"].to_numpy(float))

    ln = d["lines"]
    if len(ln) and d.get("power_flow") == "dc":
        # DC power flow: PyPSA Lines, x in ohm on v_nom = 1 for every bus, so x_pu = x
        # and PyPSA's cycle (KVL) rows span the same space as gridplan's line_kvl.
        ex = ln["existing_mw"].to_numpy(float)
        bmax = ln["build_max"].to_numpy(float)
        n.add("Line", ln.index, bus0=ln["bus0"].to_numpy(), bus1=ln["bus1"].to_numpy(), carrier="AC",
              x=ln["reactance"].to_numpy(float), r=0.0, s_nom=ex, s_nom_min=ex, s_nom_max=ex + bmax,
              s_nom_extendable=bmax > 0, capital_cost=ln["ann_cost"].to_numpy(float))
    elif len(ln):
        ex = ln["existing_mw"].to_numpy(float)
        bmax = ln["build_max"].to_numpy(float)
        n.add("Link", ln.index, bus0=ln["bus0"].to_numpy(), bus1=ln["bus1"].to_numpy(), carrier="line",
              p_min_pu=-1.0, efficiency=1.0, p_nom=ex, p_nom_min=ex, p_nom_max=ex + bmax, p_nom_extendable=bmax > 0,
              capital_cost=ln["ann_cost"].to_numpy(float))

    dr = d["dr"]
    if len(dr):
        ex = dr["existing_mw"].to_numpy(float)
        bmax = dr["build_max"].to_numpy(float)
        n.add("Generator", dr.index, bus=dr["bus"].to_numpy(), carrier="gen", p_nom=ex,
              p_nom_min=ex, p_nom_max=ex + bmax, p_nom_extendable=bmax > 0, capital_cost=dr["ann_cost"].to_numpy(float),
              marginal_cost=dr["activation"].to_numpy(float))

    x = d["exchanges"]
    if len(x):
        n.add("Generator", [f"{i}__import" for i in x.index], bus=x["bus"].to_numpy(), carrier="gen",
              p_nom=x["max_import"].to_numpy(float), marginal_cost=x["import_cost"].to_numpy(float))
        n.add("Generator", [f"{i}__export" for i in x.index], bus=x["bus"].to_numpy(), carrier="gen",
              p_nom=x["max_export"].to_numpy(float), p_min_pu=-1.0, p_max_pu=0.0,
              marginal_cost=x["export_revenue"].to_numpy(float))

    peak = d["demand"].max(axis=1)
    has = peak > 0
    if has.any():
        bi = np.flatnonzero(has)
        pu = pd.DataFrame((d["demand"][bi] / peak[bi, None]).T, index=sns,
                          columns=[f"{buses[i]}__shed" for i in bi])
        n.add("Generator", pu.columns, bus=[buses[i] for i in bi], carrier="shed",
              p_nom=peak[bi], p_max_pu=pu, marginal_cost=d["voll"])
    return n


def add_extra_constraints(n, d: dict) -> None:
    """Rows PyPSA has no attribute for (call after ``n.optimize.create_model()``)."""
    m = n.model
    s = d["storage"]
    if len(s):
        pmax = s["build_max_mw"].to_numpy(float) > 0
        emax = s["build_max_mwh"].to_numpy(float) > 0
        eta_d = s["eta_discharge"].to_numpy(float)
        if pmax.any():
            names = s.index[pmax]
            ch = m["Link-p_nom"].sel(name=[f"{x}__charger" for x in names])
            dis = m["Link-p_nom"].sel(name=[f"{x}__discharger" for x in names])
            ch = ch.assign_coords(name=list(names))
            dis = dis.assign_coords(name=list(names))
            m.add_constraints(ch - dis * pd.Series(eta_d[pmax], index=names).rename_axis("name").to_xarray()
                              == 0, name="storage_power_tie")
        # duration rows, with the same selection as gridplan (only where P or E can expand)
        dmin = s["min_duration_h"].to_numpy(float)
        dmax = s["max_duration_h"].to_numpy(float)
        both = pmax & emax
        for kind, sel, dur in (("min", (dmin > 0) & (pmax | emax), dmin),
                               ("max", np.isfinite(dmax) & (pmax | emax), dmax)):
            vec = sel & both          # vectorised: E - dur * P  (both variables)
            if vec.any():
                names = list(s.index[vec])
                E = m["Store-e_nom"].sel(name=names)
                P = m["Link-p_nom"].sel(name=[f"{x}__charger" for x in names]).assign_coords(name=names)
                dd = pd.Series(dur[vec], index=pd.Index(names, name="name")).to_xarray()
                lhs = E - P * dd
                m.add_constraints(lhs >= 0 if kind == "min" else lhs <= 0, name=f"storage_duration_{kind}")
            for i in np.flatnonzero(sel & ~both):   # one side fixed: move it to the rhs
                name = s.index[i]
                if emax[i]:
                    lhs, rhs = m["Store-e_nom"].sel(name=name, drop=True), dur[i] * float(s["existing_mw"].iloc[i])
                    lhs = 1.0 * lhs
                else:
                    lhs = -dur[i] * m["Link-p_nom"].sel(name=f"{name}__charger", drop=True)
                    rhs = -float(s["existing_mwh"].iloc[i])
                m.add_constraints(lhs >= rhs if kind == "min" else lhs <= rhs,
                                  name=f"storage_duration_{kind}_{name}")
    r = d["reservoirs"]
    if len(r):
        mr = r["min_release"].to_numpy(float)
        for i in np.flatnonzero(mr > 0):
            name = r.index[i]
            lhs = m["Link-p"].sel(name=f"{name}__turbine", drop=True) - m["Generator-p"].sel(name=f"{name}__spill", drop=True)
            rhs = pd.Series(mr[i] * d["inflow"][i], index=n.snapshots).to_xarray()
            m.add_constraints(lhs >= rhs, name=f"reservoir_min_release_{name}")
    dr = d["dr"]
    if len(dr):
        hours = dr["max_hours"].to_numpy(float)
        w = pd.Series(d["weights"], index=n.snapshots).to_xarray()
        for i in np.flatnonzero(np.isfinite(hours)):
            name = dr.index[i]
            energy = (m["Generator-p"].sel(name=name, drop=True) * w).sum("snapshot")
            ext = dr["build_max"].iloc[i] > 0
            cap = m["Generator-p_nom"].sel(name=name, drop=True) if ext else float(dr["existing_mw"].iloc[i])
            m.add_constraints(energy - hours[i] * cap <= 0 if ext else energy <= hours[i] * cap,
                              name=f"dr_energy_{name}")
