"""A gridplan case (or its solved results) as a PyPSA network with the same optimum.

``to_pypsa(case_or_results)`` returns an :class:`ExportedNetwork`: the ``pypsa.Network``, the
rows PyPSA has no attribute for as an ``extra_functionality`` callable, the constant that
makes the two objectives equal, and one line for everything that is not a network attribute
(``not_mapped``), so nothing is dropped silently. ``gridplan export CASE --to pypsa NET.nc``
writes the network to netCDF and prints those lines.

How the elements map (MW, MWh, money in CNY (gridplan's model counts kCNY; the export scales it back,
so PyPSA's objective is in the CNY of ``Results.objective``; ``money="model"`` keeps kCNY, so the
two LPs' cost coefficients are alike); snapshots are the case's
hours from 1 January of its year, weightings = gridplan's snapshot weights; PyPSA carriers are
gridplan technologies):

* generators: ``Generator`` (carrier = technology), p_nom = existing, extendable where
  gridplan may build, p_nom_min/max = existing + build range, capital_cost = gridplan's
  annuity + fixed O&M per MW, marginal_cost = fuel + VOM + CO2 price, p_max_pu = (1 - forced
  outage) × availability, p_min_pu = the must-run floor, efficiency = the catalogue's; the
  carrier's co2_emissions is t per MWh of fuel (t/MWh_el × efficiency), so PyPSA's
  ``primary_energy`` constraint counts gridplan's CO2.
* storage (power and energy sized apart): a ``Store`` (``{s}``) on its own bus, a charger
  ``Link`` (``{s} charger``, efficiency η_c, carrier = technology, carries the power annuity)
  and a discharger ``Link`` (``{s} discharger``, efficiency η_d). A ``StorageUnit`` would fix
  E/P = max_hours, so it is not used; one power rating for both links is an extra row.
* reservoirs: a water bus with a ``Store`` (``{r} level``, fixed volume, cyclic), a fixed
  inflow ``Generator``, a spill ``Generator`` (sign -1) and the turbine ``Link`` (carrier =
  technology, extendable where gridplan's turbine is).
* lines: ``Link`` with p_min_pu = -1, efficiency 1 (transport) or, with ``power_flow: dc``,
  ``Line`` with x = reactance on v_nom = 1 (PyPSA's cycle constraints span gridplan's KVL rows).
  A ``controllable`` line (HVDC link, back-to-back converter) is a ``Link`` whatever the power
  flow (PyPSA never puts a link in a cycle, as gridplan leaves it out of KVL), and so is an open
  line under ``dc`` (existing 0, not expandable: gridplan leaves it out of the cycles, a PyPSA
  ``Line`` of s_nom 0 would hold its cycle's flows to 0). Either way p_nom/s_nom = existing,
  extendable where the line is, capital_cost = the line's annuity.
* demand response: ``Generator`` (carrier ``demand_response``), activation as marginal cost.
* exchanges: ``{x} import`` and ``{x} export`` (sign -1) generators with the hourly price
  multipliers in marginal_cost and the usable capability in p_max_pu; the import carrier
  carries the outside grid's CO2 per MWh; built capability is extendable (annuity on import).
* electrification: a ``Generator`` with sign -1 whose p_nom is the MWh/yr electrified
  (p_nom_min/max = the range, capital_cost = cost per MWh/yr) and p_min_pu = p_max_pu = the
  load shape (MW per MWh/yr), so it draws x · shape: a load PyPSA sizes.
* shedding: ``{bus} shed`` generators at VoLL, p_max_pu = demand / peak.

Rows with no PyPSA attribute are rebuilt on PyPSA's variables by ``extra_functionality``:
gridplan's own rows (storage durations, reservoir minimum release, annual availability under
planned outages, ramps (cyclic, as in gridplan), demand-response energy, the target rows and
what they read), translated column by column (:data:`COLUMNS`), plus three ties the PyPSA
layout needs (one storage power rating, exchange capability built once, demand response
within its bus's load). They are listed in ``not_mapped`` and are not stored in a .nc file:
pass ``exported.extra_functionality`` to ``n.optimize`` of a network read back.

Targets PyPSA expresses natively become ``GlobalConstraint`` rows (stored in the file): a
case-wide ``co2_cap`` (not per-city, not strive) → ``primary_energy`` on ``co2_emissions``;
an ``installed_capacity`` target whose group is one technology in the case, case-wide, not
strive → ``tech_capacity_expansion_limit`` on that carrier (its constant net of the capacity
that cannot be built, divided by the group's capacity weight). Every other target is an extra
row (soft targets with their shortfall variable and penalty in the objective).

User Pyomo rows and variables (``m = gridplan.build_model(case)``, ``m.my_rule = pyo.Constraint(...)``,
``gridplan.solve(m)``, then ``to_pypsa(results)``) are not exported: they are arbitrary Pyomo on
gridplan's columns, with no PyPSA attribute and no fixed meaning to carry into a .nc file. Rather
than refuse the whole export, ``not_mapped`` gets one line per kind ("3 user Pyomo constraints
(my_rule, ...): not exported; ..."): the network is the case without them (its optimum is gridplan's
without them), while the solution carried from the Results is the one with them.

Typical days are refused: PyPSA has no day-to-day storage linking (Kotzur et al. 2018), so a
network of typical days would run the stores through the K days in one cycle and answer a
different problem; export a chronological network (``--resolution``) instead.

Objective: PyPSA charges capital_cost × p_nom of extendables, reporting capital_cost × the
static p_nom as ``n.objective_constant`` (``include_objective_constant=True``: then
``n.objective`` excludes it); gridplan charges annuity × build plus the fixed O&M of existing
capacity as a constant. So, whichever the option,
``gridplan objective = n.objective + n.objective_constant + exported.objective_constant``
(:meth:`ExportedNetwork.gridplan_objective`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import GridplanError

NEEDS_PYPSA = "gridplan export needs PyPSA: pip install 'gridplan[interop]'"

CARRIER_SUFFIX = {"discharger": " discharger", "energy": " energy", "water": " water"}
"""Carriers of the storage and reservoir parts that are not the technology's MW, so that a
capacity limit on the technology's carrier counts each element once."""

NATIVE_ROWS = {
    "balance": "Bus balance",
    "gen_availability": "Generator.p_max_pu",
    "gen_pool_availability": "Generator.p_max_pu (per generator; the pool is gridplan's exact reduction)",
    "gen_must_run": "Generator.p_min_pu",
    "storage_charge_limit": "charger Link.p_nom",
    "storage_discharge_limit": "discharger Link.p_nom",
    "storage_energy_limit": "Store.e_nom",
    "storage_soc": "Store.standing_loss, e_cyclic",
    "reservoir_turbine_limit": "turbine Link.p_nom",
    "reservoir_level": "water Store, e_cyclic",
    "line_flow_max": "Link.p_nom / Line.s_nom",
    "line_flow_min": "Link.p_min_pu / Line.s_nom",
    "line_kvl": "Line.x (PyPSA's cycle constraints)",
    "dr_limit": "Generator.p_nom",
    "exchange_import_max": "Generator.p_max_pu",
    "exchange_export_max": "Generator.p_max_pu",
}
"""gridplan row blocks a PyPSA attribute expresses: not rebuilt."""

EXTRA_ROWS = {
    "storage_duration_min": "storage energy/power floor dmin·P <= E",
    "storage_duration_max": "storage energy/power ceiling E <= dmax·P",
    "reservoir_min_release": "reservoir minimum release: turbine + spill >= share × inflow",
    "gen_annual_availability": "planned outages: annual energy <= (1-f)(1-o)·H·P",
    "gen_ramp_up": "ramp limits, cyclic over the year as in gridplan (PyPSA's ramp rows are not)",
    "gen_ramp_down": "ramp limits, cyclic over the year as in gridplan (PyPSA's ramp rows are not)",
    "dr_energy": "demand-response annual activation hours <= max_hours × capability",
    "dr_demand": "demand response of several units at a bus <= its load",
    "grid_purchases": "net line purchases of cities with their own accounts (read by target rows)",
}
"""gridplan row blocks with no PyPSA attribute: rebuilt on PyPSA's variables."""

NOT_STORED = "extra_functionality row, not stored in the .nc file"

MONEY_UNITS = {"cny": "CNY", "model": "kCNY"}
"""``to_pypsa(money=...)`` → the network's money unit (``"model"``: gridplan's model money)."""


@dataclass(frozen=True)
class Column:
    """How one gridplan variable block reads on PyPSA: ``x = coef × var[name] + offset``.

    ``var`` and ``static`` are one string for the whole block or one per element (a block
    whose elements are different PyPSA components: gridplan's lines as ``Line`` and ``Link``);
    :meth:`parts` groups the elements by the pair."""

    var: str | list          # linopy variable of PyPSA, e.g. "Generator-p" (or one per element)
    names: list              # PyPSA component names, one per element of the block
    coef: np.ndarray         # (n,)
    offset: np.ndarray       # (n,)
    static: str | list | None  # nominal attribute for elements that are not variables (not extendable)

    def parts(self):
        """(element positions, var, static) per PyPSA variable the block reads."""
        k = len(self.names)
        var = [self.var] * k if isinstance(self.var, str) else list(self.var)
        static = [self.static] * k if self.static is None or isinstance(self.static, str) else list(self.static)
        keys = list(dict.fromkeys(zip(var, static)))
        for v, st in keys:
            at = np.array([i for i in range(k) if var[i] == v and static[i] == st], dtype=np.int64)
            yield at, v, st


@dataclass
class ExportedNetwork:
    """A gridplan case as a PyPSA network, with what goes with it.

    ``network``: the ``pypsa.Network``. ``extra_functionality(n, snapshots)``: adds the rows
    PyPSA has no attribute for (pass it to ``n.optimize``; it works on a copy or on the network
    read back from netCDF). ``objective_constant``: gridplan objective = ``n.objective +
    n.objective_constant`` + this. ``not_mapped``: one line for everything that is not a
    network attribute (extra rows, what is not exported); ``extra_rows`` the subset that
    ``extra_functionality`` adds. ``money``: the network's money, ``"cny"`` (CNY) or ``"model"``
    (gridplan's kCNY); the objectives and ``objective_constant`` are in it."""

    network: object
    extra_functionality: Callable
    objective_constant: float
    not_mapped: list = field(default_factory=list)
    extra_rows: list = field(default_factory=list)
    money: str = "cny"

    def gridplan_objective(self, n=None) -> float:
        """gridplan's objective read off a solved network (default: ``self.network``), in the
        network's money (CNY, or kCNY for ``money="model"``)."""
        n = self.network if n is None else n
        return float(n.objective) + float(n.objective_constant) + self.objective_constant

    def optimize(self, n=None, **kw):
        """``n.optimize`` with the extra rows and HiGHS (keyword arguments passed through)."""
        n = self.network if n is None else n
        kw.setdefault("solver_name", "highs")
        kw.setdefault("include_objective_constant", True)
        return n.optimize(extra_functionality=self.extra_functionality, **kw)

    def to_netcdf(self, path) -> Path:
        """Write the network (written whole or not at all: a temporary file renamed)."""
        from ..io import atomic_write
        return atomic_write(path, lambda tmp: self.network.export_to_netcdf(tmp))


# --------------------------------------------------------------------------- entry point


def to_pypsa(case_or_results, *, resolution: int | None = None, typical_days: int | None = None,
             money: str = "cny") -> ExportedNetwork:
    """The case (a path, a :class:`~gridplan.Case`, prepared :class:`~gridplan.CaseData` or solved
    :class:`~gridplan.Results`) as a PyPSA network with gridplan's optimum.

    ``resolution``/``typical_days`` override the case's time settings (not for CaseData or
    Results, which are prepared already). Typical days are refused (see the module docstring).
    From Results, the solved capacities go to ``p_nom_opt``/``e_nom_opt``/``s_nom_opt`` and the
    solved dispatch of every mapped variable to the ``*_t`` frames (``p``, ``p0``, ``e``).

    ``money``: ``"cny"`` (default) writes every cost in CNY, so PyPSA's objective (plus the
    constants, :meth:`ExportedNetwork.gridplan_objective`) is ``Results.objective``; ``"model"``
    keeps gridplan's model money (kCNY, :data:`gridplan.case.convert.MONEY`), so the PyPSA LP's
    cost coefficients and ``objective_constant`` are gridplan's own and its objective is
    ``Results.facts["objective"]`` (e.g. to compare solvers on equally scaled LPs).
    User Pyomo constraints and variables of a solved ``gridplan.build_model`` model are not
    exported: one ``not_mapped`` line per kind (see the module docstring).
    """
    if money not in MONEY_UNITS:
        raise GridplanError(f"to_pypsa: money={money!r}; expected one of {', '.join(map(repr, MONEY_UNITS))}")
    try:
        import pypsa  # noqa: F401
    except ImportError:
        raise GridplanError(NEEDS_PYPSA) from None
    ctx, x = _context(case_or_results, resolution, typical_days)
    data = ctx.data
    if data.typical_day_of is not None:
        _refuse_typical_days(len(np.unique(data.typical_day_of)))
    k = data.cny_per_model_money if money == "cny" else 1.0     # network money per model money
    n = _network(data, k)
    columns = _columns(data)
    native, notes = _native_targets(n, ctx)
    extra, extra_lines = _extra_rows(ctx, columns, native, k)
    notes = extra_lines + notes + _unmapped_blocks(ctx, columns) + _user_pyomo(ctx)
    offset = _fixed_om(data, k) - _static_capital_cost(n)
    n.meta = {"gridplan_case": data.case.name, "gridplan_objective_constant": offset,
              "gridplan_money": MONEY_UNITS[money], "gridplan_not_mapped": "\n".join(notes)}
    if x is not None:
        _carry_solution(n, ctx, columns, x)
    return ExportedNetwork(n, extra, offset, notes, extra_lines, money)


def _context(obj, resolution, typical_days):
    """(model context, solution vector or None) of whatever the caller handed over."""
    from ..case.load import load_case
    from ..case.prepare import CaseData
    from ..case.schema import Case
    from ..model.build import build_context
    from ..results import Results
    if isinstance(obj, Results):
        return obj.ctx, np.asarray(obj.x, float)
    if isinstance(obj, CaseData):
        return build_context(obj), None
    if isinstance(obj, (str, Path)):
        obj = load_case(obj)
    if not isinstance(obj, Case):
        raise GridplanError(f"to_pypsa: got a {type(obj).__name__}; expected a case path, Case, CaseData or Results")
    k = obj.time.typical_days if typical_days is None else typical_days
    if k:
        _refuse_typical_days(k)
    return build_context(obj, resolution=resolution, typical_days=typical_days), None


def _refuse_typical_days(k: int):
    raise GridplanError(f"typical days ({k}): PyPSA has no day-to-day storage linking, so the network would "
                        "answer another problem; export a chronological network: --typical-days 0 and a "
                        "--resolution (e.g. 24)")


# --------------------------------------------------------------------------- the network


def _network(data, k: float):
    """The network; ``k``: network money per model money (1000 for CNY, 1 for kCNY)."""
    import pypsa
    n = pypsa.Network(name=data.case.name)
    start = pd.Timestamp(year=data.case.year, month=1, day=1)
    sns = pd.DatetimeIndex(start + pd.to_timedelta(data.snapshot_hour, unit="h"), name="snapshot")
    n.set_snapshots(sns)
    n.snapshot_weightings.loc[:, "objective"] = data.weights
    n.snapshot_weightings.loc[:, "generators"] = data.weights
    n.snapshot_weightings.loc[:, "stores"] = data.duration
    carriers: dict[str, float] = {}          # carrier -> co2_emissions (t per MWh of primary energy)
    _add_buses(n, data)
    for add in (_add_generators, _add_storage, _add_reservoirs, _add_lines, _add_demand_response,
                _add_exchanges, _add_electrification, _add_shedding):
        add(n, data, sns, carriers, k)
    n.add("Carrier", list(carriers), co2_emissions=list(carriers.values()))
    return n


def _series(values, sns, names) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(values, float).T, index=sns, columns=list(names))


def _unique(n, component: str, names) -> list:
    """PyPSA names are unique per component: a gridplan name reused across families is an error."""
    names = list(names)
    taken = set(n.c[component].static.index) & set(names)
    if taken or len(set(names)) != len(names):
        clash = sorted(taken or {x for x in names if names.count(x) > 1})[0]
        raise GridplanError(f"to_pypsa: the name {clash!r} is used by two elements that are both PyPSA "
                            f"{component}s; expected distinct names across the case's families")
    return names


def _add_buses(n, data) -> None:
    where = {b.name: (b.lon or 0.0, b.lat or 0.0) for b in data.case.buses}
    n.add("Bus", list(data.buses), carrier="AC", x=[where[b][0] for b in data.buses],
          y=[where[b][1] for b in data.buses])
    n.add("Load", [f"{b} load" for b in data.buses], bus=list(data.buses),
          p_set=_series(data.demand, n.snapshots, [f"{b} load" for b in data.buses]))


def _add_generators(n, data, sns, carriers, k: float) -> None:
    g = data.gens
    if g.empty:
        return
    from ..case.convert import efficiency
    from ..model.families.generators import derated, outage_rates
    ex = g["existing_mw"].to_numpy(float)
    bmin, bmax = g["build_min"].to_numpy(float), g["build_max"].to_numpy(float)
    forced, planned = outage_rates(g)
    up = derated(data.avail, forced)
    mr = g["must_run"].to_numpy(float)
    floor = np.where(mr[:, None] > 0, np.minimum(np.minimum(mr[:, None], up),
                                                 ((1.0 - forced) * (1.0 - planned))[:, None]), 0.0)
    eff = np.array([efficiency(data.tech.loc[t]) for t in g["technology"]])   # gridplan's own rule
    for tech, co2, e in zip(g["technology"], g["co2_t_per_mwh"].to_numpy(float), eff):
        carriers[tech] = co2 * e
    names = _unique(n, "Generator", g.index)
    n.add("Generator", names, bus=g["bus"].to_numpy(), carrier=g["technology"].to_numpy(),
          p_nom=ex, p_nom_min=ex + bmin, p_nom_max=ex + bmax, p_nom_extendable=bmax > 0,
          capital_cost=g["ann_cost"].to_numpy(float) * k, efficiency=eff,
          marginal_cost=(g["fuel_cost"] + g["vom"] + g["co2_cost"]).to_numpy(float) * k,
          p_max_pu=_series(up, sns, names), p_min_pu=_series(floor, sns, names))


def _add_storage(n, data, sns, carriers, k: float) -> None:
    s = data.storage
    if s.empty:
        return
    tech = s["technology"].to_numpy()
    bus = [f"{x} store" for x in s.index]
    n.add("Bus", _unique(n, "Bus", bus), carrier=[t + CARRIER_SUFFIX["energy"] for t in tech])
    eex = s["existing_mwh"].to_numpy(float)
    emin, emax = s["build_min_mwh"].to_numpy(float), s["build_max_mwh"].to_numpy(float)
    n.add("Store", _unique(n, "Store", s.index), bus=bus, carrier=[t + CARRIER_SUFFIX["energy"] for t in tech],
          e_nom=eex, e_nom_min=eex + emin, e_nom_max=eex + emax, e_nom_extendable=emax > 0, e_cyclic=True,
          standing_loss=s["loss_per_h"].to_numpy(float), capital_cost=s["ann_cost_mwh"].to_numpy(float) * k)
    pex = s["existing_mw"].to_numpy(float)
    pmin, pmax = s["build_min_mw"].to_numpy(float), s["build_max_mw"].to_numpy(float)
    eta_c, eta_d = s["eta_charge"].to_numpy(float), s["eta_discharge"].to_numpy(float)
    # the charger's p_nom is P (AC side); the discharger's is P/η_d, so that its AC output is <= P
    n.add("Link", [f"{x} charger" for x in s.index], bus0=s["bus"].to_numpy(), bus1=bus, carrier=tech,
          efficiency=eta_c, p_nom=pex, p_nom_min=pex + pmin, p_nom_max=pex + pmax, p_nom_extendable=pmax > 0,
          capital_cost=s["ann_cost_mw"].to_numpy(float) * k)
    n.add("Link", [f"{x} discharger" for x in s.index], bus0=bus, bus1=s["bus"].to_numpy(),
          carrier=[t + CARRIER_SUFFIX["discharger"] for t in tech], efficiency=eta_d, p_nom=pex / eta_d,
          p_nom_min=(pex + pmin) / eta_d, p_nom_max=(pex + pmax) / eta_d, p_nom_extendable=pmax > 0,
          marginal_cost=s["vom"].to_numpy(float) * eta_d * k)
    for t in tech:
        carriers[t] = 0.0
        carriers[t + CARRIER_SUFFIX["energy"]] = 0.0
        carriers[t + CARRIER_SUFFIX["discharger"]] = 0.0


def _add_reservoirs(n, data, sns, carriers, k: float) -> None:
    r = data.reservoirs
    if r.empty:
        return
    tech = r["technology"].to_numpy()
    water = [f"{x} water" for x in r.index]
    wcar = [t + CARRIER_SUFFIX["water"] for t in tech]
    n.add("Bus", _unique(n, "Bus", water), carrier=wcar)
    volume = r["reservoir_mwh"].to_numpy(float)
    n.add("Store", _unique(n, "Store", [f"{x} level" for x in r.index]), bus=water, carrier=wcar,
          e_nom=volume, e_cyclic=True)
    inflow = data.inflow
    peak = np.maximum(inflow.max(axis=1), 1e-9)
    names = _unique(n, "Generator", [f"{x} inflow" for x in r.index])
    pu = _series(inflow / peak[:, None], sns, names)
    n.add("Generator", names, bus=water, carrier=wcar, p_nom=peak, p_max_pu=pu, p_min_pu=pu)
    # spill <= inflow + volume per hour: a bound that never binds
    big = peak + volume / float(np.min(data.duration))
    n.add("Generator", _unique(n, "Generator", [f"{x} spill" for x in r.index]), bus=water, carrier=wcar,
          sign=-1.0, p_nom=big)
    ex = r["existing_mw"].to_numpy(float)
    bmin, bmax = r["build_min"].to_numpy(float), r["build_max"].to_numpy(float)
    n.add("Link", [f"{x} turbine" for x in r.index], bus0=water, bus1=r["bus"].to_numpy(), carrier=tech,
          p_nom=ex, p_nom_min=ex + bmin, p_nom_max=ex + bmax, p_nom_extendable=bmax > 0,
          capital_cost=r["ann_cost"].to_numpy(float) * k, marginal_cost=r["vom"].to_numpy(float) * k)
    for t, w in zip(tech, wcar):
        carriers[t], carriers[w] = 0.0, 0.0


def _add_lines(n, data, sns, carriers, k: float) -> None:
    ln = data.lines
    if ln.empty:
        return
    ex, bmax = ln["existing_mw"].to_numpy(float), ln["build_max"].to_numpy(float)
    tech_of = {c.name: c.technology for c in data.case.lines}
    techs = np.array([tech_of.get(i, "line") for i in ln.index], dtype=object)
    bus0, bus1, cost = ln["bus0"].to_numpy(), ln["bus1"].to_numpy(), ln["ann_cost"].to_numpy(float) * k
    ac = _as_line(data)
    if ac.any():
        n.add("Line", list(ln.index[ac]), carrier="AC", x=ln["reactance"].to_numpy(float)[ac], r=0.0,
              s_nom=ex[ac], s_nom_min=ex[ac], s_nom_max=(ex + bmax)[ac], s_nom_extendable=bmax[ac] > 0,
              bus0=bus0[ac], bus1=bus1[ac], capital_cost=cost[ac])
        carriers["AC"] = 0.0
    li = ~ac
    if li.any():
        n.add("Link", _unique(n, "Link", ln.index[li]), carrier=list(techs[li]), p_min_pu=-1.0, efficiency=1.0,
              p_nom=ex[li], p_nom_min=ex[li], p_nom_max=(ex + bmax)[li], p_nom_extendable=bmax[li] > 0,
              bus0=bus0[li], bus1=bus1[li], capital_cost=cost[li])
        carriers.update({t: 0.0 for t in techs[li]})


def _as_line(data) -> np.ndarray:
    """Per gridplan line: True where it is a PyPSA ``Line`` (``power_flow: dc``, not controllable,
    not open), False where a ``Link`` (transport, controllable, or open under dc)."""
    ln = data.lines
    if ln.empty or data.case.options.power_flow != "dc":
        return np.zeros(len(ln), bool)
    controllable = ln["controllable"].fillna(False).to_numpy(bool) if "controllable" in ln else np.zeros(len(ln), bool)
    usable = (ln["existing_mw"].to_numpy(float) + ln["build_max"].to_numpy(float)) > 0
    return ~controllable & usable


def _add_demand_response(n, data, sns, carriers, k: float) -> None:
    d = data.dr
    if d.empty:
        return
    ex, bmax = d["existing_mw"].to_numpy(float), d["build_max"].to_numpy(float)
    n.add("Generator", _unique(n, "Generator", d.index), bus=d["bus"].to_numpy(), carrier="demand_response",
          p_nom=ex, p_nom_min=ex, p_nom_max=ex + bmax, p_nom_extendable=bmax > 0,
          capital_cost=d["ann_cost"].to_numpy(float) * k, marginal_cost=d["activation"].to_numpy(float) * k)
    carriers["demand_response"] = 0.0


def _add_exchanges(n, data, sns, carriers, k: float) -> None:
    x = data.exchanges
    if x.empty:
        return
    bmax = x["build_max"].to_numpy(float)
    imp = _unique(n, "Generator", [f"{i} import" for i in x.index])
    exp = _unique(n, "Generator", [f"{i} export" for i in x.index])
    mi, me = x["max_import"].to_numpy(float), x["max_export"].to_numpy(float)
    n.add("Generator", imp, bus=x["bus"].to_numpy(), carrier=imp, p_nom=mi, p_nom_min=mi, p_nom_max=mi + bmax,
          p_nom_extendable=bmax > 0, capital_cost=x["ann_cost"].to_numpy(float) * k,
          p_max_pu=_series(data.import_limit_pu, sns, imp),
          marginal_cost=_series(x["import_cost"].to_numpy(float)[:, None] * data.import_price_pu * k, sns, imp))
    n.add("Generator", exp, bus=x["bus"].to_numpy(), carrier="export", sign=-1.0, p_nom=me, p_nom_min=me,
          p_nom_max=me + bmax, p_nom_extendable=bmax > 0, p_max_pu=_series(data.export_limit_pu, sns, exp),
          marginal_cost=_series(-x["export_revenue"].to_numpy(float)[:, None] * data.export_price_pu * k, sns, exp))
    carriers.update(zip(imp, x["co2_t_per_mwh"].to_numpy(float)))
    carriers["export"] = 0.0


def _add_electrification(n, data, sns, carriers, k: float) -> None:
    e = data.electrification
    if e.empty:
        return
    names = _unique(n, "Generator", e.index)
    shape = _series(data.electrification_shape, sns, names)
    # always extendable, so that its cost (also of a committed min = max) is in PyPSA's objective
    n.add("Generator", names, bus=e["bus"].to_numpy(), carrier="electrification", sign=-1.0, p_nom=0.0,
          p_nom_min=e["min_mwh"].to_numpy(float), p_nom_max=e["max_mwh"].to_numpy(float), p_nom_extendable=True,
          capital_cost=e["cost"].to_numpy(float) * k, p_max_pu=shape, p_min_pu=shape)
    carriers["electrification"] = 0.0


def _add_shedding(n, data, sns, carriers, k: float) -> None:
    peak = data.demand.max(axis=1)
    at = np.flatnonzero(peak > 0)
    if not at.size:
        return
    names = _unique(n, "Generator", [f"{data.buses[i]} shed" for i in at])
    n.add("Generator", names, bus=[data.buses[i] for i in at], carrier="load shedding", p_nom=peak[at],
          p_max_pu=_series(data.demand[at] / peak[at, None], sns, names), marginal_cost=data.voll * k)
    carriers["load shedding"] = 0.0


# --------------------------------------------------------------------------- gridplan columns on PyPSA


def _columns(data) -> dict[str, Column]:
    """gridplan variable block → its reading on PyPSA's variables (:class:`Column`)."""
    cols: dict[str, Column] = {}

    def put(block, var, names, coef=1.0, offset=0.0, static=None):
        k = len(names)
        cols[block] = Column(var, list(names), np.broadcast_to(np.asarray(coef, float), (k,)).copy(),
                             np.broadcast_to(np.asarray(offset, float), (k,)).copy(), static)

    g, s, r, ln, d, x, e = (data.gens, data.storage, data.reservoirs, data.lines, data.dr, data.exchanges,
                            data.electrification)
    put("gen_build", "Generator-p_nom", g.index, offset=-_num(g, "existing_mw"), static="p_nom")
    put("gen_p", "Generator-p", g.index)
    put("storage_build_mw", "Link-p_nom", [f"{i} charger" for i in s.index],
        offset=-_num(s, "existing_mw"), static="p_nom")
    put("storage_build_mwh", "Store-e_nom", s.index, offset=-_num(s, "existing_mwh"), static="e_nom")
    put("storage_charge", "Link-p", [f"{i} charger" for i in s.index])
    put("storage_discharge", "Link-p", [f"{i} discharger" for i in s.index], coef=_num(s, "eta_discharge"))
    put("storage_soc", "Store-e", s.index)
    put("reservoir_build", "Link-p_nom", [f"{i} turbine" for i in r.index],
        offset=-_num(r, "existing_mw"), static="p_nom")
    put("reservoir_p", "Link-p", [f"{i} turbine" for i in r.index])
    put("reservoir_spill", "Generator-p", [f"{i} spill" for i in r.index])
    put("reservoir_level", "Store-e", [f"{i} level" for i in r.index])
    ac = _as_line(data)     # per line: a PyPSA Line (its s, s_nom) or a Link (p, p_nom)
    put("line_build", ["Line-s_nom" if a else "Link-p_nom" for a in ac], ln.index,
        offset=-_num(ln, "existing_mw"), static=["s_nom" if a else "p_nom" for a in ac])
    put("line_flow", ["Line-s" if a else "Link-p" for a in ac], ln.index)
    put("dr_build", "Generator-p_nom", d.index, offset=-_num(d, "existing_mw"), static="p_nom")
    put("dr_p", "Generator-p", d.index)
    put("exchange_build", "Generator-p_nom", [f"{i} import" for i in x.index],
        offset=-_num(x, "max_import"), static="p_nom")
    put("import_p", "Generator-p", [f"{i} import" for i in x.index])
    put("export_p", "Generator-p", [f"{i} export" for i in x.index])
    put("electrify", "Generator-p_nom", e.index, static="p_nom")
    put("shed", "Generator-p", [f"{b} shed" for b in data.buses])
    return cols


def _num(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column of a prepared frame (an empty family's frame has none)."""
    return frame[column].to_numpy(float) if len(frame) else np.zeros(0)


def _user_pyomo(ctx) -> list:
    """One line per kind of what a user added to the Pyomo model (``gridplan.build_model``):
    constraints and variables are not exported (see the module docstring)."""
    if not ctx.has_pyomo:
        return []
    import pyomo.environ as pyo
    m = ctx.m
    rows = list(m.component_data_objects(pyo.Constraint, active=True, descend_into=True))
    own = lambda c: c.parent_block() is m and c.local_name in ctx.lp.vars       # noqa: E731  gridplan's blocks
    cols = [v for v in m.component_data_objects(pyo.Var, descend_into=True) if not own(v.parent_component())]
    lines = []
    for what, items in (("constraint", rows), ("variable", cols)):
        if items:
            names = list(dict.fromkeys(c.parent_component().name for c in items))
            shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
            lines.append(f"{len(items)} user Pyomo {what}{'s' if len(items) != 1 else ''} ({shown}): not exported; "
                         "the network (and its optimum) is the case without them")
    return lines


def _unmapped_blocks(ctx, columns) -> list:
    """gridplan variable blocks neither on the network nor added by the extra rows."""
    aux = {"grid_import", "grid_export", "target_shortfall"}
    return [f"variable block {name} ({vb.size} columns): no PyPSA counterpart, not exported; "
            "PyPSA's optimum may differ" for name, vb in ctx.lp.vars.items() if name not in columns and name not in aux]


class _Labels:
    """gridplan column → (linopy label or -1, coefficient, constant), for one linopy model."""

    def __init__(self, n, ctx, columns):
        m, lp = n.model, ctx.lp
        self.label = np.full(lp.n_cols, -1, dtype=np.int64)
        self.coef = np.zeros(lp.n_cols)
        self.const = np.zeros(lp.n_cols)
        self.mapped = {b for b in columns if b in lp.vars}
        self.aux: set = set()
        for block in self.mapped:
            if columns[block].names:
                self._fill(n, m, lp.vars[block], columns[block])

    def _fill(self, n, m, vb, col: Column) -> None:
        every = vb.cols.reshape(len(col.names), -1)
        timed = len(vb.coords) == 2
        for at, var, static in col.parts():
            cols, coef, offset = every[at], col.coef[at], col.offset[at]
            have = m.variables[var] if var in m.variables else None
            names = pd.Index(col.names)[at]
            present = names.isin(have.indexes["name"]) if have is not None else np.zeros(len(names), bool)
            if present.any():
                lab = have.labels.sel(name=list(names[present]))
                lab = lab.transpose("name", "snapshot").values if timed else lab.values.reshape(-1, 1)
                self.label[cols[present]] = lab
                self.coef[cols[present]] = coef[present, None]
                self.const[cols[present]] = offset[present, None]
            absent = ~present
            if absent.any():     # not a PyPSA variable: a fixed nominal (not extendable) or no element (no demand)
                component = var.split("-")[0]
                fixed = np.zeros(int(absent.sum()))
                if static is not None:
                    fixed = n.c[component].static[static].reindex(names[absent]).fillna(0.0).to_numpy(float)
                self.const[cols[absent]] = (coef[absent] * fixed + offset[absent])[:, None]

    def add_aux(self, m, ctx, block: str) -> None:
        """A gridplan block with no PyPSA counterpart as a linopy variable of its own (its bounds)."""
        vb = ctx.lp.vars[block]
        self.aux.add(block)
        v = m.add_variables(lower=vb.lower.copy(), upper=vb.upper.copy(), name=f"gridplan-{block}",
                            coords=[pd.RangeIndex(vb.size, name=f"gridplan-{block}-i")])
        self.label[vb.cols.ravel()] = v.labels.values
        self.coef[vb.cols.ravel()] = 1.0
        self.const[vb.cols.ravel()] = 0.0


def _linear(m, rows, cols, vals, n_rows, labels: _Labels, dim: str):
    """gridplan triplets (local rows) as a linopy LinearExpression over ``dim`` and its constants."""
    import linopy
    import xarray as xr
    lab, coef = labels.label[cols], vals * labels.coef[cols]
    const = np.zeros(n_rows)
    np.add.at(const, rows, vals * labels.const[cols])
    keep = lab >= 0
    rows, lab, coef = rows[keep], lab[keep], coef[keep]
    order = np.argsort(rows, kind="stable")
    rows, lab, coef = rows[order], lab[order], coef[order]
    counts = np.bincount(rows, minlength=n_rows)
    width = max(int(counts.max()) if counts.size else 0, 1)
    pos = np.arange(rows.size) - np.repeat(np.cumsum(counts) - counts, counts)
    L = np.full((n_rows, width), -1, dtype=np.int64)
    C = np.zeros((n_rows, width))
    L[rows, pos], C[rows, pos] = lab, coef
    ds = xr.Dataset({"coeffs": ((dim, "_term"), C), "vars": ((dim, "_term"), L), "const": ((dim,), np.zeros(n_rows))},
                    coords={dim: np.arange(n_rows)})
    return linopy.LinearExpression(ds, m), const, counts > 0


# --------------------------------------------------------------------------- targets PyPSA expresses


def _native_targets(n, ctx) -> tuple[set, list]:
    """Add the GlobalConstraints of the targets PyPSA can express; (their ids, one line each)."""
    from ..case.targets import is_soft, required, scope_accounting
    case, data = ctx.case, ctx.data
    native, lines = set(), []
    for t in case.targets:
        if is_soft(t) or (t.buses and set(t.buses) != set(data.buses)):
            continue
        if t.kind == "co2_cap" and not scope_accounting(case, t.buses, t.id)[1]:
            n.add("GlobalConstraint", f"target {t.id}", type="primary_energy", carrier_attribute="co2_emissions",
                  sense="<=", constant=required(t, t.value, False))
        elif t.kind == "installed_capacity" and (limit := _one_technology(n, data, t)) is not None:
            tech, weight = limit
            n.add("GlobalConstraint", f"target {t.id}", type="tech_capacity_expansion_limit",
                  carrier_attribute=tech, sense=t.sense,
                  constant=required(t, t.value, False) / weight - _fixed_capacity(n, tech))
        else:
            continue
        native.add(t.id)
        lines.append(f"target {t.id} ({t.kind}): GlobalConstraint 'target {t.id}' (stored in the file)")
    return native, lines


def _one_technology(n, data, t):
    """(technology, capacity weight) when the group's capacity in this case is one technology's."""
    members = data.groups.get(t.group, set())
    present = {tech for frame in (data.gens, data.storage, data.reservoirs) for tech in frame.get("technology", [])
               if tech in members}
    if len(present) != 1:
        return None
    tech = present.pop()
    weight = float(data.group_weights.get(t.group, {}).get(tech, 1.0))
    return (tech, weight) if weight > 0 else None


def _fixed_capacity(n, tech: str) -> float:
    """MW of a carrier that cannot be built (PyPSA's expansion limit counts extendables only)."""
    total = 0.0
    for component in ("Generator", "Link"):
        st = n.c[component].static
        sel = (st["carrier"] == tech) & ~st["p_nom_extendable"]
        total += float(st.loc[sel, "p_nom"].sum())
    return total


# --------------------------------------------------------------------------- the extra rows


def _extra_rows(ctx, columns, native: set, k: float) -> tuple[Callable, list]:
    """The ``extra_functionality`` callable and one line per group of rows it adds."""
    lp, data = ctx.lp, ctx.data
    translated, lines = [], []
    for name, block in lp.cons.items():
        if name in NATIVE_ROWS:
            continue
        if name.startswith("target_"):
            tid = name.removeprefix("target_")
            if tid in native:
                continue
            t = ctx.target_rows[tid].target
            what = f"target {tid} ({t.kind}{', strive: shortfall priced in the objective' if ctx.target_rows[tid].soft else ''})"
        else:
            what = EXTRA_ROWS.get(name, "no PyPSA attribute known")
        translated.append(name)
        lines.append(f"{name} ({block.size} rows): {what}: {NOT_STORED}")
    ties = _ties(data)
    lines += [f"{name} ({len(items)} rows): {what}: {NOT_STORED}" for name, (what, items) in ties.items() if items]

    def extra_functionality(n, snapshots=None) -> None:
        m = n.model
        labels = _Labels(n, ctx, columns)
        for name in translated:
            _add_translated(m, ctx, labels, lp.cons[name], k)
        _add_ties(n, data, ties)
    return extra_functionality, lines


def _add_translated(m, ctx, labels: _Labels, block, k: float) -> None:
    """One gridplan row block on PyPSA's variables (columns without a counterpart as own variables, with
    their costs added to PyPSA's objective)."""
    lp = ctx.lp
    for vname, vb in lp.vars.items():
        inside = (block.cols >= vb.offset) & (block.cols < vb.offset + vb.size)
        if inside.any() and vname not in labels.mapped and vname not in labels.aux:
            labels.add_aux(m, ctx, vname)
            _add_aux_cost(m, lp, vb, k)
    dim = f"{block.name}-row"
    expr, const, has_terms = _linear(m, block.rows - block.offset, block.cols, block.vals, block.size, labels, dim)
    sel = np.flatnonzero(has_terms)
    if not sel.size:
        return
    expr = expr.isel({dim: sel})
    lo, hi = (block.lower - const)[sel], (block.upper - const)[sel]
    name = f"gridplan-{block.name}"
    if np.array_equal(lo, hi):
        m.add_constraints(expr == _da(lo, expr, dim), name=name)
    elif np.isinf(lo).all():
        m.add_constraints(expr <= _da(hi, expr, dim), name=name)
    else:
        m.add_constraints(expr >= _da(lo, expr, dim), name=name)


def _da(values, expr, dim):
    import xarray as xr
    return xr.DataArray(values, coords={dim: expr.coords[dim].values}, dims=[dim])


def _add_aux_cost(m, lp, vb, money: float) -> None:
    """A new variable's cost in gridplan's objective (e.g. a strive target's shortfall penalty)."""
    c = np.zeros(vb.size)
    for term in lp.costs:
        inside = (term.cols >= vb.offset) & (term.cols < vb.offset + vb.size)
        np.add.at(c, term.cols[inside] - vb.offset, term.coefs[inside])
    if not c.any():
        return
    v = m.variables[f"gridplan-{vb.name}"]
    import xarray as xr
    c = c * money
    m.objective = m.objective.expression + (v * xr.DataArray(c, coords=v.coords, dims=v.dims)).sum()


def _ties(data) -> dict:
    """Rows the PyPSA layout itself needs: (what, elements) by row name."""
    s, x, d = data.storage, data.exchanges, data.dr
    return {
        "storage_power_tie": ("charger and discharger share one power rating (charger p_nom = η_d × discharger p_nom)",
                              list(s.index[s["build_max_mw"].to_numpy(float) > 0]) if len(s) else []),
        "exchange_capability_tie": ("built exchange capability raises import and export alike",
                                    list(x.index[x["build_max"].to_numpy(float) > 0]) if len(x) else []),
        "dr_within_load": ("demand response never curtails more than its bus's load", list(d.index)),
    }


def _add_ties(n, data, ties) -> None:
    import xarray as xr
    m = n.model
    items = ties["storage_power_tie"][1]
    if items:
        eta = xr.DataArray(data.storage.loc[items, "eta_discharge"].to_numpy(float), coords={"name": items}, dims="name")
        ch = m["Link-p_nom"].sel(name=[f"{i} charger" for i in items]).assign_coords(name=items)
        dis = m["Link-p_nom"].sel(name=[f"{i} discharger" for i in items]).assign_coords(name=items)
        m.add_constraints(ch - dis * eta == 0, name="gridplan-storage_power_tie")
    items = ties["exchange_capability_tie"][1]
    if items:
        x = data.exchanges.loc[items]
        diff = xr.DataArray((x["max_export"] - x["max_import"]).to_numpy(float), coords={"name": items}, dims="name")
        imp = m["Generator-p_nom"].sel(name=[f"{i} import" for i in items]).assign_coords(name=items)
        exp = m["Generator-p_nom"].sel(name=[f"{i} export" for i in items]).assign_coords(name=items)
        m.add_constraints(exp - imp == diff, name="gridplan-exchange_capability_tie")
    items = ties["dr_within_load"][1]
    if items:
        load = data.demand[data.buses.get_indexer(data.dr["bus"])]
        bound = xr.DataArray(load.T, coords={"snapshot": n.snapshots, "name": items}, dims=("snapshot", "name"))
        m.add_constraints(m["Generator-p"].sel(name=items) <= bound, name="gridplan-dr_within_load")


# --------------------------------------------------------------------------- objective and solution


def _fixed_om(data, k: float) -> float:
    """gridplan's constant in the network's money (``k`` per model money): fixed O&M of existing
    capacity (capex is sunk)."""
    frames = (data.gens, data.storage, data.reservoirs, data.lines, data.dr, data.exchanges)
    fom = sum(f["fom_existing"].sum() for f in frames if len(f) and "fom_existing" in f)
    return float(fom) * k


def _static_capital_cost(n) -> float:
    """Σ capital_cost × static nominal of extendables: what PyPSA charges on top of gridplan's build cost."""
    total = 0.0
    for component, attr in (("Generator", "p_nom"), ("Link", "p_nom"), ("Line", "s_nom"), ("Store", "e_nom")):
        st = n.c[component].static
        if st.empty:
            continue
        ext = st[f"{attr}_extendable"].to_numpy(bool)
        total += float((st["capital_cost"].to_numpy(float)[ext] * st[attr].to_numpy(float)[ext]).sum())
    return total


DYNAMIC = {"Generator-p": ("Generator", "p"), "Link-p": ("Link", "p0"), "Line-s": ("Line", "p0"),
           "Store-e": ("Store", "e")}


def _carry_solution(n, ctx, columns, x) -> None:
    """Solved capacities as *_nom_opt and mapped dispatch as *_t frames (PyPSA units = gridplan's)."""
    lp = ctx.lp
    for block, col in columns.items():
        vb = lp.vars.get(block)
        if vb is None or not col.names:
            continue
        every = x[vb.cols].reshape(len(col.names), -1)
        for at, var, _ in col.parts():
            names = [col.names[i] for i in at]
            pypsa_vals = (every[at] - col.offset[at, None]) / col.coef[at, None]
            component, attr = var.split("-")
            if attr.endswith("_nom"):
                n.c[component].static.loc[names, f"{attr}_opt"] = pypsa_vals[:, 0]
            elif var in DYNAMIC:
                comp, dyn = DYNAMIC[var]
                frames = n.c[comp].dynamic
                solved = pd.DataFrame(pypsa_vals.T, index=n.snapshots, columns=names)
                frames[dyn] = pd.concat([frames[dyn].drop(columns=names, errors="ignore"), solved], axis=1)
    s = ctx.data.storage
    if len(s):   # the discharger's rating follows the charger's
        p = n.c["Link"].static.loc[[f"{i} charger" for i in s.index], "p_nom_opt"].to_numpy(float)
        n.c["Link"].static.loc[[f"{i} discharger" for i in s.index], "p_nom_opt"] = p / s["eta_discharge"].to_numpy(float)
