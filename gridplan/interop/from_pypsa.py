"""Read a PyPSA network into a gridplan case folder (the import direction of issue #20).

:func:`from_pypsa` writes ``case.yaml``, ``profiles.csv``, ``catalogue.csv`` and ``fuels.csv``
so that gridplan's LP is PyPSA's ``n.optimize()`` LP. The equivalences are those of
``benchmarks/to_pypsa.py`` read backwards:

* **money**: PyPSA's currency unit is written as gridplan's CNY, one to one (gridplan's
  ``currency`` is a label). Every element gets a technology of its own, so each keeps its own
  cost: gridplan's annual cost is ``capex · crf(r, life) + fom`` (:mod:`gridplan.case.convert`);
  the catalogue sets ``lifetime_yr = 1``, ``fom = 0`` and ``capex = c / crf(r, 1)`` with
  ``r`` = :data:`DISCOUNT_RATE`, ``c`` PyPSA's periodized cost (``capital_cost``, or annuitized
  ``overnight_cost`` + ``fom_cost``: what PyPSA's objective charges per unit of capacity).
* **objective**: for an extendable asset PyPSA charges ``c · (p_nom_opt − p_nom)``
  (``n.objective``) and reports ``Σ c · p_nom`` as ``n.objective_constant``; gridplan charges
  ``c · p_nom_opt`` (the asset is written with nothing existing and ``min_mw = p_nom_min``), so
  ``gridplan objective = n.objective + n.objective_constant − ImportReport.objective_offset``
  (the offset is non-zero only for extendable lines or links with ``s_nom_min``/``p_nom_min``,
  which gridplan writes as existing rating, charged nothing). Fixed assets cost nothing in both.
* **generators**: ``min_mw = p_nom_min``, ``max_mw = p_nom_max`` (∞: :func:`unbounded_mw`);
  marginal cost as variable O&M; ``p_max_pu`` as availability; a constant ``p_min_pu`` as
  ``must_run``. A carrier's ``co2_emissions`` (t per MWh of fuel) becomes a fuel of price 0 and
  ``co2_emissions / 3.6`` t per GJ, with the generator's efficiency: gridplan's t/MWh is then
  PyPSA's ``co2_emissions / efficiency``.
* **storage units**: power and energy sized together (``min = max duration``); PyPSA's
  ``efficiency_store`` η_s and ``efficiency_dispatch`` η_d become gridplan's even split of
  ρ = η_s·η_d, with the state of charge scaled by λ = √(η_d/η_s) (so the energy rating is
  λ · max_hours · P: the same LP in other units); cyclic state of charge only.
* **lines**: rating ``s_max_pu · s_nom``, cost per MW of rating ``c / s_max_pu``; with any line
  the case uses ``power_flow: dc`` and ``reactance_ohm = x_pu_eff · V²`` (PyPSA's effective
  per-unit reactance, r for DC lines, at one reference voltage V: Kirchhoff's law only
  compares reactances around a cycle).
* **links**: lossless (efficiency 1), symmetric (``p_min_pu = −p_max_pu``), without marginal
  cost: a gridplan line of rating ``p_max_pu · p_nom`` with ``controllable: true`` and no
  reactance. PyPSA never puts a link in Kirchhoff's law, and gridplan leaves controllable lines
  out of its Kirchhoff cycles, so a link is mapped exactly wherever it sits, a link that closes
  a loop of lines (an HVDC link in parallel with an AC path) included. A network of links only
  is written with ``power_flow: transport`` (every line controllable: the same LP).
* **loads**: summed per bus, a profile of peak 1 times the peak. PyPSA has no load shedding;
  gridplan sheds at VoLL (:data:`VOLL_CNY_PER_MWH`, far above any price of a sane network), a
  relaxation that changes nothing while no load is shed (``Results.shedding`` says).
* **snapshots**: one profile row per snapshot; equal integer weightings ``w`` (objective,
  stores and generators alike) are written as ``w`` identical hours per snapshot averaged back
  by ``time.resolution: w``.
* **global constraints**: a CO2 cap (``primary_energy`` on ``co2_emissions``, ``<=``) becomes a
  ``co2_cap`` target.
* **not mapped yet**: PyPSA Stores (with their charge/discharge links) are not mapped yet:
  refused, listed. A generator or storage unit of ``sign`` other than 1 (a consumer) is
  refused, listed (left out with ``allow_unmapped``).

Whatever is not mapped is listed in :class:`ImportReport` and in a comment block at the top of
``case.yaml``; when an item can change the optimum (a Store, a Transformer, a lossy, one-way
or priced link, a multi-port link, a time-varying marginal cost, a non-default attribute
gridplan has no field for...) the import is refused with one :class:`~gridplan.errors.GridplanError`
line, unless ``allow_unmapped=True``.
PyPSA is optional (``pip install 'gridplan[interop]'``) and imported only when called.
"""
from __future__ import annotations

import logging
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..case.convert import crf
from ..errors import GridplanError
from ..io import ResultSet, atomic_text, check_output_folder, folder_error

DISCOUNT_RATE = 0.05
"""Discount rate written into the case; with a lifetime of 1 year the annuity is 1.05."""
LIFETIME_YR = 1.0
VOLL_CNY_PER_MWH = 1e7
"""Value of lost load written (PyPSA sheds nothing): far above the marginal value of energy in
any network whose own prices are sane; ``Results.shedding`` shows whether it ever bound."""
GJ_PER_MWH = 3.6
MAX_HOURS = 8784
NAME_BAD = re.compile(r"[^A-Za-z0-9_.\-]")

# Attributes the importer reads (HANDLED: mapped, or checked and listed when gridplan has no
# equivalent of their value) or may ignore (INERT: no value of them can change PyPSA's optimum of
# a network the importer maps exactly — a single-period, cyclic, power-flow-free LP). Any other
# input attribute with a value other than its default is listed as unmapped and changes the optimum.
# Why each INERT one is inert:
# * positions, descriptive text, types that are placeholders, PyPSA's clustering weight;
# * reactive power and AC power flow only (q_set, control, v_mag_pu_*, shunt g and b);
# * build_year (and lifetime outside the cost): only decide activity between investment
#   periods, which are refused; active: inactive elements are left out, as PyPSA does;
# * carriers of storage units, lines, links and loads: only global constraints other than the
#   network-wide CO2 cap (refused) and the CO2 of non-cyclic storage units (refused) read them;
# * StorageUnit state_of_charge_initial: overruled by the cyclic state of charge (non-cyclic is
#   refused); spill_cost: PyPSA spills only natural inflow (refused); the *_per_period switches:
#   investment periods only;
# * line and link length and terrain_factor: PyPSA never derives a cost from them (a line's
#   length enters only through its standard type, read below through x_pu_eff).
# Read through PyPSA's own derived values (so HANDLED, not inert): the cost attributes
# (capital_cost, overnight_cost, discount_rate, lifetime, fom_cost) through ``periodized_cost``;
# a line's x, r, type, length, num_parallel and its buses' v_nom through x_pu_eff / r_pu_eff;
# a bus's carrier (DC lines are weighed by r); a generator's carrier (its CO2).
COST = {"capital_cost", "overnight_cost", "discount_rate", "lifetime", "fom_cost"}
INERT = {
    "Bus": {"type", "x", "y", "unit", "location", "v_mag_pu_set", "v_mag_pu_min", "v_mag_pu_max"},
    "Generator": {"control", "type", "q_set", "build_year", "weight", "active"},
    "StorageUnit": {"control", "type", "q_set", "carrier", "build_year", "state_of_charge_initial", "spill_cost",
                    "cyclic_state_of_charge_per_period", "state_of_charge_initial_per_period", "active"},
    "Line": {"g", "b", "carrier", "build_year", "terrain_factor", "active"},
    "Link": {"type", "carrier", "build_year", "length", "terrain_factor", "active"},
    "Load": {"carrier", "type", "q_set", "active"},
    "Carrier": {"color", "nice_name"},
    "GlobalConstraint": set(),
}
HANDLED = {
    "Bus": {"v_nom", "carrier"},
    "Generator": {"bus", "p_nom", "p_nom_extendable", "p_nom_min", "p_nom_max", "p_min_pu", "p_max_pu",
                  "marginal_cost", "efficiency", "carrier", "sign"} | COST,
    "StorageUnit": {"bus", "p_nom", "p_nom_extendable", "p_nom_min", "p_nom_max", "p_min_pu", "p_max_pu",
                    "marginal_cost", "max_hours", "efficiency_store", "efficiency_dispatch",
                    "standing_loss", "cyclic_state_of_charge", "inflow", "sign"} | COST,
    "Line": {"bus0", "bus1", "s_nom", "s_nom_extendable", "s_nom_min", "s_nom_max", "s_max_pu", "x", "r", "type",
             "length", "num_parallel"} | COST,
    "Link": {"bus0", "bus1", "p_nom", "p_nom_extendable", "p_nom_min", "p_nom_max", "p_min_pu", "p_max_pu",
             "efficiency", "marginal_cost"} | COST,
    "Load": {"bus", "p_set", "sign"},
    "Carrier": {"co2_emissions"},
    "GlobalConstraint": {"type", "investment_period", "bus", "carrier_attribute", "sense", "constant"},
}
SERIES = {"Generator": {"p_max_pu"}, "Load": {"p_set"}}
"""Time-varying inputs the importer maps; any other non-empty one is unmapped."""
SUPPORTED = ("Bus", "Carrier", "Generator", "Load", "Line", "Link", "StorageUnit", "GlobalConstraint")
IGNORED_KINDS = ("LineType", "TransformerType", "Shape", "SubNetwork")
"""Components that hold reference data or results, never part of the LP themselves."""


@dataclass(frozen=True)
class Unmapped:
    """One thing of the network the case does not carry."""

    component: str
    name: str
    attribute: str
    why: str
    changes_optimum: bool

    def __str__(self) -> str:
        where = f"{self.component} {self.name!r}" + (f" {self.attribute}" if self.attribute else "")
        return f"{where}: {self.why}" + (" (changes the optimum)" if self.changes_optimum else "")


@dataclass
class ImportReport:
    """What :func:`from_pypsa` wrote and what it could not map."""

    case_path: Path
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    """PyPSA component → {PyPSA name: gridplan name}."""
    unmapped: list[Unmapped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Mapped, but worth knowing (bounds written for infinities, shedding, the money unit)."""
    objective_offset: float = 0.0
    """PyPSA's ``n.objective + n.objective_constant`` = gridplan's objective + this (CNY)."""

    @property
    def exact(self) -> bool:
        """Whether nothing that changes the optimum was left out."""
        return not any(u.changes_optimum for u in self.unmapped)

    def lines(self) -> list[str]:
        return [str(u) for u in self.unmapped]


# --------------------------------------------------------------------------- entry point


def from_pypsa(network, out_dir, *, name: str | None = None, allow_unmapped: bool = False,
               overwrite: bool = False) -> ImportReport:
    """Write the PyPSA ``network`` (a ``pypsa.Network``, a ``.nc`` file or a CSV folder) as a
    gridplan case folder ``out_dir`` and return the :class:`ImportReport`.

    Refuses (one :class:`GridplanError` line) a non-empty ``out_dir`` unless ``overwrite``, and a
    network with something that changes the optimum and cannot be mapped unless
    ``allow_unmapped`` (then it is left out or approximated as the report says). The folder is
    written whole or not at all (:class:`gridplan.io.ResultSet`: staged, then swapped in; with its
    ``manifest.json``); one that cannot be made or written
    (under a file, permission denied, a full disk) is one line naming it. A network
    given as an object gets PyPSA's dependent values computed (``calculate_dependent_values``,
    as ``n.optimize`` does); nothing else of it changes.
    """
    out = check_output_folder(out_dir, "output folder")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise GridplanError(f"{out}: the output folder exists and is not empty (pass --force / overwrite=True "
                            "to write into it)")
    n = load_network(network)
    b = _Builder(n, name or _slug(str(n.name or "pypsa_network")) or "pypsa_network")
    b.build()
    rep = b.report
    blocking = [u for u in rep.unmapped if u.changes_optimum]
    if blocking and not allow_unmapped:
        more = f" (and {len(blocking) - 1} more)" if len(blocking) > 1 else ""
        raise GridplanError(f"cannot import the network exactly: {blocking[0]}{more}; pass --allow-unmapped / "
                            "allow_unmapped=True to import the rest")
    # the project's result-set mechanism: staged, locked, swapped in whole with a manifest
    try:
        with ResultSet(out, keep_failed=False, option="output folder", source=str(network)[:200]) as rs:
            b.write(rs.path)
            rs.commit(status="imported")
    except OSError as exc:      # a full disk, a failed rename: one line naming the folder
        raise folder_error(out, exc) from None
    rep.case_path = out / "case.yaml"
    return rep


def load_network(network):
    """A ``pypsa.Network`` as given, or read from a ``.nc`` file or a CSV folder (one line on failure)."""
    try:
        import pypsa
    except ImportError:
        raise GridplanError("importing a PyPSA network needs PyPSA: pip install 'gridplan[interop]'") from None
    if isinstance(network, pypsa.Network):
        return network
    if not isinstance(network, (str, Path)):
        raise GridplanError(f"network: got a {type(network).__name__}; expected a pypsa.Network, a .nc file "
                            "or a PyPSA CSV folder")
    p = Path(network)
    if not p.exists():
        raise GridplanError(f"{p}: no such file or folder; expected a PyPSA .nc file or CSV folder")
    if p.is_dir() and not (p / "network.csv").is_file() and not (p / "buses.csv").is_file():
        raise GridplanError(f"{p}: not a PyPSA CSV folder (no network.csv or buses.csv)")
    if p.is_file() and p.suffix.lower() not in (".nc", ".h5", ".hdf5"):
        raise GridplanError(f"{p}: got a {p.suffix or 'file without extension'}; expected a PyPSA .nc file "
                            "or CSV folder")
    log = logging.getLogger("pypsa")
    level = log.level
    try:    # PyPSA's reader logs (version notes, what it read) are not the user's errors
        log.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            n = pypsa.Network(p)
    except Exception as exc:  # noqa: BLE001 - any reader failure is bad input, said in one line
        msg = " ".join(str(exc).split())[:200]
        raise GridplanError(f"{p}: PyPSA could not read it ({exc.__class__.__name__}: {msg})") from None
    finally:
        log.setLevel(level)
    if len(n.buses) == 0:
        raise GridplanError(f"{p}: buses: got none; expected a PyPSA network with at least one bus")
    return n


def unbounded_mw(n) -> float:
    """Ceiling written where PyPSA's is infinite: 1e6 MW, or a thousand times the peak load if
    larger; listed in the notes (an optimum that reaches it means the network is unbounded)."""
    peak = float(_load_matrix(n).sum(axis=1).max()) if len(n.loads) else 0.0
    return max(1e6, 1e3 * peak)


# --------------------------------------------------------------------------- the builder


def _slug(text: str) -> str:
    return NAME_BAD.sub("_", text.strip())[:180]


def _static(n, c):
    return n.components[c].static


def _dynamic(n, c):
    return n.components[c].dynamic


def _load_matrix(n) -> pd.DataFrame:
    """Loads' p_set per snapshot (static where no series is given), snapshots × loads."""
    loads = n.loads
    p = pd.DataFrame(np.repeat(loads["p_set"].to_numpy(float)[None, :], len(n.snapshots), 0),
                     index=n.snapshots, columns=loads.index)
    ts = n.loads_t.p_set
    if len(ts.columns):
        p[ts.columns] = ts.to_numpy(float)
    return p


def _same(value, default) -> bool:
    """Whether an attribute's value is its PyPSA default (a NaN default: NaN or blank)."""
    if pd.isna(default):
        return value is None or value == "" or bool(pd.isna(value))
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False


class _Builder:
    """Collects the case dict, the profile columns and the catalogue rows from a network."""

    def __init__(self, n, name: str):
        self.n = n
        self.name = name
        self.report = ImportReport(case_path=Path())
        self.buses: dict[str, dict] = {}
        self.generators, self.storage, self.lines, self.targets = [], [], [], []
        self.profiles: dict[str, np.ndarray] = {}
        self.catalogue, self.fuels = [], {}
        self.ceiling = unbounded_mw(n)
        self.used: dict[str, set] = {}
        self.year = 2030
        self.resolution = 1
        self.unbounded: list[str] = []

    # ---- helpers

    def miss(self, component, name, attribute, why, changes=True):
        self.report.unmapped.append(Unmapped(component, str(name), attribute, why, changes))

    def gp_name(self, component: str, name: str, space: str) -> str:
        """A gridplan name for a PyPSA one: disallowed characters → ``_``, made unique in ``space``."""
        base = _slug(str(name)) or "x"
        used = self.used.setdefault(space, set())
        out, k = base, 2
        while out in used:
            out, k = f"{base}_{k}", k + 1
        used.add(out)
        self.report.names.setdefault(component, {})[str(name)] = out
        return out

    def profile(self, column: str, values) -> dict:
        self.profiles[column] = np.asarray(values, float)
        return {"file": "profiles.csv", "column": column}

    def tech(self, tech: str, carrier: str, kind: str, annual_cost: float, *, per_kw: bool = True,
             flags=False, **extra) -> None:
        """One catalogue row whose annual cost per MW (per MW-km for lines) is ``annual_cost``."""
        capex = annual_cost / crf(DISCOUNT_RATE, LIFETIME_YR)
        row = dict(technology=tech, year=self.year, carrier=carrier, kind=kind,
                   non_fossil=flags, renewable=False, new_energy=False, clean=flags,
                   capex_cny_per_kw=capex / 1000.0 if per_kw else capex, capex_cny_per_kwh=0.0,
                   fom_pct_capex_per_yr=0.0, vom_cny_per_mwh=0.0, lifetime_yr=LIFETIME_YR, efficiency="",
                   roundtrip_efficiency="", standing_loss_pct_per_h="", fuel="", capacity_credit=0.0,
                   min_duration_h="", max_duration_h="", flag="C", source="imported from PyPSA")
        row.update(extra)
        self.catalogue.append(row)

    def series(self, component: str, attr: str, name: str):
        """The element's time series of ``attr`` if PyPSA gives one, else None."""
        df = _dynamic(self.n, component).get(attr)
        return None if df is None or name not in df.columns else df[name].to_numpy(float)

    def cost(self, component: str) -> pd.Series:
        c = self.n.components[component]
        return c.periodized_cost.to_series() if hasattr(c, "periodized_cost") else c.static["capital_cost"]

    # ---- the pieces

    def build(self) -> None:
        self.check_components()
        self.check_time()
        self.check_attributes()
        self.carriers = _static(self.n, "Carrier")["co2_emissions"].to_dict() if len(self.n.carriers) else {}
        for bus in self.n.buses.index:
            self.buses[bus] = {"name": self.gp_name("Bus", bus, "bus")}
        self.map_loads()
        self.map_generators()
        self.map_storage_units()
        self.map_branches()
        self.map_global_constraints()
        if self.unbounded:
            self.report.notes.append(f"an infinite p_nom_max / s_nom_max is written as {self.ceiling:g} MW "
                                     f"({len(self.unbounded)} elements: {', '.join(self.unbounded[:3])}"
                                     f"{'...' if len(self.unbounded) > 3 else ''})")
        self.report.notes.append("money: PyPSA's currency unit is written as CNY, one to one")
        self.report.notes.append(f"load shedding (none in PyPSA) is priced at VoLL {VOLL_CNY_PER_MWH:g} CNY/MWh: "
                                 "the optimum is PyPSA's while no load is shed")

    def check_components(self) -> None:
        n = self.n
        if getattr(n, "has_investment_periods", False) and len(n.investment_periods):
            self.miss("Network", n.name, "investment_periods", "multi-period investment is not modelled by gridplan")
        if getattr(n, "has_scenarios", False):
            self.miss("Network", n.name, "scenarios", "stochastic scenarios are not modelled by gridplan")
        for c in n.components:
            kind = c.name if hasattr(c, "name") else str(c)
            if kind in SUPPORTED or kind in IGNORED_KINDS or c.static.empty:
                continue
            for el in c.static.index:
                self.miss(kind, el, "", f"no gridplan equivalent of a PyPSA {kind}")

    def check_time(self) -> None:
        n, sw = self.n, self.n.snapshot_weightings
        T = len(n.snapshots)
        first = pd.to_datetime(pd.Index(n.snapshots[:1]).astype(str), errors="coerce") if T else []
        if len(first) and not pd.isna(first[0]):      # the catalogue year: the snapshots' own
            self.year = int(min(max(first[0].year, 1990), 2100))
        w = sw[["objective", "stores", "generators"]].to_numpy(float)
        w0 = float(w[0, 0]) if T else 1.0
        if T == 0:
            raise GridplanError("network: snapshots: got none; expected at least one snapshot")
        if not np.all(w == w0) or w0 != round(w0) or w0 < 1:
            self.miss("Network", n.name, "snapshot_weightings",
                      "gridplan weighs every snapshot alike by whole hours (time.resolution); "
                      f"got weightings from {w.min():g} to {w.max():g}: written as 1 h each")
            w0 = 1.0
        self.resolution = int(w0)
        if T * self.resolution > MAX_HOURS:
            raise GridplanError(f"network: snapshots: got {T} snapshots of {self.resolution} h; expected at most "
                                f"{MAX_HOURS} hours in all (gridplan's time.hours)")

    def check_attributes(self) -> None:
        """Every input attribute the importer neither reads nor may ignore, set to a non-default value."""
        for comp in SUPPORTED:
            c = self.n.components[comp]
            st = c.static
            if st.empty:
                continue
            d = c.defaults
            inputs = d[d["status"].astype(str).str.startswith("Input")]
            for col in st.columns:
                if col in HANDLED[comp] or col in INERT[comp] or col == "name":
                    continue
                if col not in inputs.index:
                    if col not in d.index:     # not a PyPSA attribute at all: a user's own column
                        self.report.notes.append(f"{comp} column {col!r} is not a PyPSA attribute: not imported")
                    continue
                default = inputs.at[col, "default"]
                for el, v in st[col].items():
                    if not _same(v, default):
                        self.miss(comp, el, col, f"{col} = {v!r} (default {default!r}) has no gridplan equivalent")
            for attr, df in c.dynamic.items():
                if attr in SERIES.get(comp, set()) or attr not in inputs.index or df.empty:
                    continue
                for el in df.columns:
                    self.miss(comp, el, attr, "a time-varying " + attr + " has no gridplan equivalent")
            if "active" in st.columns:
                for el in st.index[~st["active"].astype(bool)]:
                    self.report.notes.append(f"{comp} {el!r} is inactive in PyPSA: not imported")

    def active(self, comp: str) -> pd.DataFrame:
        st = _static(self.n, comp)
        return st[st["active"].astype(bool)] if "active" in st.columns else st

    def map_loads(self) -> None:
        loads = self.active("Load")
        if loads.empty:
            return
        for el in loads.index[loads["sign"].to_numpy(float) != -1.0]:
            self.miss("Load", el, "sign", "a load of sign +1 (a generator) has no gridplan equivalent")
        p = _load_matrix(self.n)[loads.index]
        for bus, cols in loads.groupby("bus").groups.items():
            total = p[list(cols)].sum(axis=1).to_numpy(float)
            if (total < 0).any():
                self.miss("Load", ", ".join(cols), "p_set", f"bus {bus!r}: a negative total load at some snapshot "
                          "(gridplan's demand is >= 0): written as 0")
                total = np.maximum(total, 0.0)
            peak = float(total.max())
            if peak > 0:
                gp = self.buses[bus]["name"]
                self.buses[bus]["demand"] = {"profile": self.profile(f"load.{gp}", total / peak), "peak_mw": peak}

    def capacity(self, comp, el, row, nom="p_nom") -> dict:
        """existing / min / max in gridplan's terms (see the module docstring)."""
        if bool(row[f"{nom}_extendable"]):
            hi = float(row[f"{nom}_max"])
            if not math.isfinite(hi):
                hi = self.ceiling
                self.unbounded.append(f"{comp} {el!r}")
            lo = float(row[f"{nom}_min"])
            return {"existing_mw": 0.0, "min_mw": lo, "max_mw": max(hi, lo)}
        return {"existing_mw": float(row[nom])}

    def producer(self, comp: str, el, row) -> bool:
        """Whether the element injects its dispatch (PyPSA's ``sign`` = 1, the default); any other
        sign (-1: a consumer) is listed as changing the optimum and the element left out."""
        sign = float(row.get("sign", 1.0))
        if sign == 1.0:
            return True
        self.miss(comp, el, "sign", f"sign = {sign:g} (a {'consumer' if sign < 0 else 'scaled injection'}; "
                  "gridplan's generators and storage inject with sign 1): left out")
        return False

    def map_generators(self) -> None:
        gens = self.active("Generator")
        cost = self.cost("Generator")
        for el, row in gens.iterrows():
            if not self.producer("Generator", el, row):
                continue
            gp = self.gp_name("Generator", el, "generator")
            rec = {"name": gp, "bus": self.buses[row["bus"]]["name"], "technology": f"gen.{gp}"}
            rec.update(self.capacity("Generator", el, row))
            avail = self.series("Generator", "p_max_pu", el)
            pmax = float(row["p_max_pu"])
            if avail is None and pmax != 1.0:
                avail = np.full(len(self.n.snapshots), pmax)
            if avail is not None:
                if (avail < 0).any() or (avail > 1).any():
                    self.miss("Generator", el, "p_max_pu", "outside [0, 1] (gridplan's availability): clipped")
                    avail = np.clip(avail, 0.0, 1.0)
                rec["availability"] = self.profile(f"avail.{gp}", avail)
            pmin = float(row["p_min_pu"])
            if pmin < 0 or pmin > 1:
                self.miss("Generator", el, "p_min_pu", f"{pmin:g} outside [0, 1] (gridplan's must_run): written as 0")
            elif pmin > 0:
                rec["must_run"] = pmin
            mc = float(row["marginal_cost"])
            if mc < 0:
                self.miss("Generator", el, "marginal_cost", f"{mc:g} < 0 (gridplan's variable O&M is >= 0): written as 0")
                mc = 0.0
            co2 = float(self.carriers.get(row["carrier"], 0.0) or 0.0)
            extra = {"vom_cny_per_mwh": mc}
            eff = float(row["efficiency"])
            if co2:
                if not 0 < eff <= 1:
                    self.miss("Generator", el, "efficiency", f"{eff:g} outside (0, 1] with an emitting carrier: "
                              "its CO2 is not counted")
                else:
                    fuel = f"fuel.{_slug(str(row['carrier']))}"
                    self.fuels[fuel] = co2 / GJ_PER_MWH
                    extra.update(fuel=fuel, efficiency=eff)
            kind = "variable" if "availability" in rec else "dispatchable"
            self.tech(f"gen.{gp}", _slug(str(row["carrier"])) or "generator", kind, float(cost[el]),
                      flags=co2 == 0, **extra)
            self.generators.append(rec)

    def map_storage_units(self) -> None:
        su = self.active("StorageUnit")
        cost = self.cost("StorageUnit")
        for el, row in su.iterrows():
            if not self.producer("StorageUnit", el, row):
                continue
            gp = self.gp_name("StorageUnit", el, "storage")
            if not bool(row["cyclic_state_of_charge"]):
                self.miss("StorageUnit", el, "cyclic_state_of_charge", "False (gridplan's state of charge is always "
                          "cyclic): written as cyclic")
            if float(row["p_max_pu"]) != 1.0 or float(row["p_min_pu"]) != -1.0:
                self.miss("StorageUnit", el, "p_max_pu/p_min_pu", "other than 1/-1 (gridplan charges and "
                          "discharges up to its rating): written as 1/-1")
            inflow = self.series("StorageUnit", "inflow", el)
            if (inflow is not None and np.any(inflow != 0)) or float(row["inflow"]) != 0:
                self.miss("StorageUnit", el, "inflow", "natural inflow (a gridplan reservoir, not storage): left out")
            es, ed = float(row["efficiency_store"]), float(row["efficiency_dispatch"])
            if not (0 < es <= 1 and 0 < ed <= 1):
                self.miss("StorageUnit", el, "efficiency", f"store {es:g} / dispatch {ed:g} outside (0, 1]: skipped")
                continue
            lam = math.sqrt(ed / es)          # state of charge in gridplan = λ × PyPSA's
            hours = lam * float(row["max_hours"])
            rec = {"name": gp, "bus": self.buses[row["bus"]]["name"], "technology": f"su.{gp}"}
            cap = self.capacity("StorageUnit", el, row)
            rec.update(cap)
            rec["existing_mwh"] = hours * cap["existing_mw"]
            rec["min_duration_h"] = rec["max_duration_h"] = hours
            mc = max(float(row["marginal_cost"]), 0.0)
            if float(row["marginal_cost"]) < 0:
                self.miss("StorageUnit", el, "marginal_cost", "< 0: written as 0")
            self.tech(f"su.{gp}", _slug(str(row["carrier"])) or "storage", "storage", float(cost[el]),
                      roundtrip_efficiency=es * ed, standing_loss_pct_per_h=100.0 * float(row["standing_loss"]),
                      vom_cny_per_mwh=mc, min_duration_h=hours, max_duration_h=hours)
            self.storage.append(rec)

    def map_branches(self) -> None:
        """Lines (in Kirchhoff's law) and links (controllable lines, outside it) as gridplan lines."""
        n = self.n
        lines, links = self.active("Line"), self.active("Link")
        if len(lines):
            n.calculate_dependent_values()
            # PyPSA's Kirchhoff rows weigh AC lines by x, DC lines (between DC buses) by r
            dc = n.buses.loc[n.lines["bus0"], "carrier"].to_numpy() == "DC"
            x_eff = pd.Series(np.where(dc, n.lines["r_pu_eff"], n.lines["x_pu_eff"]), index=n.lines.index)
            vref = float(np.median(n.buses.loc[lines["bus0"], "v_nom"].to_numpy(float))) or 1.0
            self.report.notes.append(f"reactance_ohm = PyPSA's x_pu_eff × {vref:g}² (one reference voltage: "
                                     "Kirchhoff's law compares reactances around each cycle)")
        lcost = self.cost("Line") if len(lines) else None
        for el, row in lines.iterrows():
            a = float(row["s_max_pu"])
            x = float(x_eff[el]) * vref ** 2
            if not (a > 0 and x > 0):
                self.miss("Line", el, "x/s_max_pu", "a line without reactance or rating: left out")
                continue
            rec = self.branch("Line", el, row, a, float(lcost[el]), "s_nom")
            rec["reactance_ohm"] = x
            if rec["existing_mw"] == 0 and rec.get("max_mw", 0) == 0:
                self.miss("Line", el, "s_nom", "a line of rating 0 that PyPSA keeps in Kirchhoff's law "
                          "(gridplan leaves it open)")
        kcost = self.cost("Link") if len(links) else None
        for el, row in links.iterrows():
            extra_ports = [c for c in links.columns if re.fullmatch(r"bus[2-9]\d*", c) and str(row[c]).strip()]
            eff, a, amin = float(row["efficiency"]), float(row["p_max_pu"]), float(row["p_min_pu"])
            if extra_ports:
                self.miss("Link", el, extra_ports[0], "a multi-port link has no gridplan equivalent: left out")
                continue
            if eff != 1.0 or a <= 0 or amin != -a or float(row["marginal_cost"]) != 0:
                self.miss("Link", el, "efficiency/p_min_pu/marginal_cost",
                          f"only a lossless, symmetric link without marginal cost is a gridplan line "
                          f"(efficiency {eff:g}, p_min_pu {amin:g}, p_max_pu {a:g}): left out")
                continue
            rec = self.branch("Link", el, row, a, float(kcost[el]), "p_nom")
            rec["controllable"] = True      # PyPSA never puts a link in Kirchhoff's law

    def branch(self, comp, el, row, a, c, nom) -> dict:
        """A gridplan line of rating a × nominal; annual cost per MW of rating c / a."""
        gp = self.gp_name(comp, el, "line")
        tech = f"{'line' if comp == 'Line' else 'link'}.{gp}"
        rec = {"name": gp, "bus0": self.buses[row["bus0"]]["name"], "bus1": self.buses[row["bus1"]]["name"],
               "technology": tech, "length_km": 1.0}
        cap = self.capacity(comp, el, row, nom)
        if bool(row[f"{nom}_extendable"]):
            rec["existing_mw"] = a * cap["min_mw"]           # gridplan lines have no floor: existing
            rec["max_mw"] = a * cap["max_mw"]
            self.report.objective_offset += c * cap["min_mw"]
        else:
            rec["existing_mw"] = a * cap["existing_mw"]
        self.tech(tech, "line", "line", c / a, per_kw=False)
        self.lines.append(rec)
        return rec

    def map_global_constraints(self) -> None:
        gc = _static(self.n, "GlobalConstraint")
        for el, row in gc.iterrows():
            period = row.get("investment_period", np.nan)
            ok = (row["type"] == "primary_energy" and row["carrier_attribute"] == "co2_emissions"
                  and row["sense"] == "<=" and float(row["constant"]) >= 0
                  and not str(row.get("bus", "") or "").strip()
                  and (period is None or (isinstance(period, float) and math.isnan(period))))
            if not ok:
                self.miss("GlobalConstraint", el, "type", f"{row['type']} on {row['carrier_attribute']} "
                          f"{row['sense']} {row['constant']}: only a network-wide CO2 cap (primary_energy, "
                          "co2_emissions, <=) is a gridplan target")
                continue
            gp = self.gp_name("GlobalConstraint", el, "target")
            self.targets.append({"id": gp, "kind": "co2_cap", "value": float(row["constant"]),
                                 "description": f"PyPSA GlobalConstraint {el!r} (t CO2 over the snapshots)"})

    # ---- writing

    def case_dict(self) -> dict:
        T = len(self.n.snapshots)
        case = {
            "name": self.name, "year": self.year,
            "description": f"Imported from the PyPSA network {str(self.n.name)!r} by gridplan.from_pypsa",
            "discount_rate": DISCOUNT_RATE,
            "time": {"hours": T * self.resolution, "resolution": self.resolution},
            "technologies": {"catalogue": "catalogue.csv", **({"fuels": "fuels.csv"} if self.fuels else {})},
            "options": {"voll_cny_per_mwh": VOLL_CNY_PER_MWH,
                        "power_flow": "dc" if any("reactance_ohm" in ln for ln in self.lines) else "transport"},
            "buses": list(self.buses.values()),
        }
        for key, items in (("generators", self.generators), ("storage", self.storage), ("lines", self.lines),
                           ("targets", self.targets)):
            if items:
                case[key] = items
        return case

    def header(self) -> str:
        rep = self.report
        out = ["# gridplan case imported from a PyPSA network (gridplan.interop.from_pypsa).",
               "# PyPSA's n.objective + n.objective_constant = gridplan's objective + "
               f"{rep.objective_offset!r} (CNY = PyPSA's currency unit)."]
        if rep.unmapped:
            out.append("# NOT MAPPED" + ("" if rep.exact else " (some change the optimum)") + ":")
            out += [f"#   - {u}" for u in rep.unmapped]
        else:
            out.append("# Everything of the network that enters PyPSA's optimisation is mapped.")
        out += ["# Notes:"] + [f"#   - {x}" for x in rep.notes]
        return "\n".join(out) + "\n"

    def write(self, out: Path) -> Path:
        T, r = len(self.n.snapshots), self.resolution
        cols = {k: np.repeat(v, r) for k, v in self.profiles.items()}
        snaps = np.repeat(np.asarray(self.n.snapshots.astype(str)), r)
        prof = pd.DataFrame({"snapshot": snaps, **cols}) if cols else pd.DataFrame({"snapshot": snaps})
        atomic_text(out / "profiles.csv", prof.to_csv(index=False))
        atomic_text(out / "catalogue.csv", pd.DataFrame(self.catalogue or [_placeholder(self.year)]).to_csv(
            index=False))
        if self.fuels:
            fuels = pd.DataFrame([dict(fuel=f, year=self.year, price_cny_per_gj=0.0, co2_t_per_gj=v, flag="C",
                                       source="PyPSA carrier co2_emissions / 3.6") for f, v in self.fuels.items()])
            atomic_text(out / "fuels.csv", fuels.to_csv(index=False))
        body = yaml.safe_dump(self.case_dict(), sort_keys=False, allow_unicode=True, width=120)
        path = out / "case.yaml"
        atomic_text(path, self.header() + body)
        return path


def _placeholder(year: int) -> dict:
    """A catalogue must have its columns even when a network has no element that needs a row."""
    return dict(technology="none", year=year, carrier="none", kind="dispatchable", non_fossil=False,
                renewable=False, new_energy=False, clean=False, capex_cny_per_kw=0.0, capex_cny_per_kwh="",
                fom_pct_capex_per_yr=0.0, vom_cny_per_mwh=0.0, lifetime_yr=1.0, efficiency="",
                roundtrip_efficiency="", standing_loss_pct_per_h="", fuel="", capacity_credit=0.0,
                min_duration_h="", max_duration_h="", flag="C", source="placeholder")
