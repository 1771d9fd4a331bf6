"""One description per component family: the single list the rest of gridplan iterates over.

A *component* is a list of the case file (``generators:``, ``storage:``...) whose
elements sit at buses, have a capacity that may be built, and operate every
snapshot. Code that must treat every family alike — the capacity and dispatch
frames of :class:`gridplan.Results`, the capacity plots, the bus references
checked in :mod:`gridplan.case.checks`, the series that typical days cluster —
reads :data:`COMPONENTS` instead of naming the families one by one, so a new
family is one entry here plus its constraint module (docs/ARCHITECTURE.md,
"Add a family").

Fields:

* ``name`` — the planner's word, singular (also the ``component`` column of the results);
* ``dim`` — index name of its elements, in the prepared frames and the LP blocks;
* ``case_field`` — its list in the case file;
* ``table`` — the :class:`gridplan.case.prepare.CaseData` attribute holding its frame;
* ``bus_fields`` — the case fields that name a bus (checked against ``buses:``);
* ``build`` — the LP block of capacity built (MW, or MWh for storage energy), if any;
* ``existing`` — the frame column of capacity already installed, in ``unit``;
* ``unit`` — of ``build``/``existing``;
* ``counts_as_capacity`` — shown in the capacity table and plots of generation capacity
  (generators, reservoirs and storage power; not lines, demand response, storage energy);
* ``output`` — LP blocks whose difference is the element's injection at its bus per
  snapshot (MW): ``(plus,)`` or ``(plus, minus)``; ``None`` when it injects nothing of its own;
* ``technology`` — frame column of the technology, or a fixed label for the whole family;
* ``series`` — the CaseData attribute of its hourly series (element × snapshot) that
  typical days cluster and rescale, if any;
* ``series_cap`` — for a series in per unit of capacity, the most a rescaled hour may reach;
* ``profile`` — the element's case field that names its hourly profile (a CSV column), if any;
* ``catalogue_kinds`` — the catalogue ``kind`` values its technology may have (checked);
* ``draws_series`` — the element is a load that takes ``build`` × ``series`` (MW) from its bus
  every snapshot: ``build`` is then an annual energy (MWh/yr), ``series`` its shape (1/h, summing
  to 1 over the weighted snapshots), and its dispatch is minus that load (electrification).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Component:
    name: str
    dim: str
    case_field: str
    table: str
    bus_fields: tuple[str, ...] = ("bus",)
    build: str | None = None
    existing: str = "existing_mw"
    unit: str = "MW"
    counts_as_capacity: bool = False
    output: tuple[str, ...] | None = None
    technology: str = "technology"
    """Frame column of the technology; a name that is not a column labels the whole family."""
    series: str | None = None
    series_cap: float | None = None
    profile: str | None = None
    catalogue_kinds: tuple[str, ...] = ()
    draws_series: bool = False


GENERATOR = Component("generator", "generator", "generators", "gens", build="gen_build",
                      counts_as_capacity=True, output=("gen_p",), series="avail", series_cap=1.0,
                      profile="availability", catalogue_kinds=("variable", "dispatchable"))
RESERVOIR = Component("reservoir", "reservoir", "reservoirs", "reservoirs", build="reservoir_build",
                      counts_as_capacity=True, output=("reservoir_p",), series="inflow", profile="inflow",
                      catalogue_kinds=("reservoir",))
STORAGE = Component("storage", "storage", "storage", "storage", build="storage_build_mw",
                    counts_as_capacity=True, output=("storage_discharge", "storage_charge"),
                    catalogue_kinds=("storage",))
STORAGE_ENERGY = Component("storage_energy", "storage", "storage", "storage", build="storage_build_mwh",
                           existing="existing_mwh", unit="MWh")
DEMAND_RESPONSE = Component("demand_response", "demand_response", "demand_response", "dr", build="dr_build",
                            output=("dr_p",), technology="demand_response")
EXCHANGE = Component("exchange", "exchange", "exchanges", "exchanges", output=("import_p", "export_p"),
                     technology="import")
ELECTRIFICATION = Component("electrification", "electrification", "electrification", "electrification",
                            build="electrify", existing="existing_mwh", unit="MWh", technology="electrification",
                            series="electrification_shape", profile="profile", draws_series=True)
LINE = Component("line", "line", "lines", "lines", bus_fields=("bus0", "bus1"), build="line_build",
                 technology="line", catalogue_kinds=("line",))

COMPONENTS: tuple[Component, ...] = (GENERATOR, RESERVOIR, STORAGE, STORAGE_ENERGY, DEMAND_RESPONSE,
                                     EXCHANGE, ELECTRIFICATION, LINE)
"""In the order of the results frames (capacities, dispatch)."""


def element_lists() -> tuple[Component, ...]:
    """One component per list of the case file (storage energy shares the ``storage`` list)."""
    seen, out = set(), []
    for c in COMPONENTS:
        if c.case_field not in seen:
            seen.add(c.case_field)
            out.append(c)
    return tuple(out)
