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
* ``build`` — the LP block of capacity built (MW, or MWh for storage energy), if any (a family
  may add it only when one of its elements can build: exchanges);
* ``existing`` — the frame column of capacity already installed, in ``unit``;
* ``unit`` — of ``build``/``existing``;
* ``counts_as_capacity`` — shown in the capacity table and plots of generation capacity
  (generators, reservoirs and storage power; not lines, demand response, storage energy);
* ``output`` — LP blocks whose difference is the element's injection at its bus per
  snapshot (MW): ``(plus,)`` or ``(plus, minus)``; ``None`` when it injects nothing of its own;
* ``technology`` — frame column of the technology, or a fixed label for the whole family;
* ``series`` — its hourly series (:class:`Series`, none or several): each the element's case
  field naming a profile (a CSV column), read, checked and, as an (element × snapshot) array
  of :class:`~gridplan.case.prepare.CaseData`, averaged under ``time.resolution`` and
  clustered and rescaled by typical days;
* ``catalogue_kinds`` — the catalogue ``kind`` values its technology may have (checked);
* ``draws_series`` — the element is a load that takes ``build`` × its one ``series`` (MW) from its
  bus every snapshot: ``build`` is then an annual energy (MWh/yr), the series its shape (1/h, summing
  to 1 over the weighted snapshots), and its dispatch is minus that load (electrification).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Series:
    """One hourly series of a component family."""

    attr: str
    """The :class:`~gridplan.case.prepare.CaseData` attribute holding it (element × snapshot)."""
    profile: str
    """The element's case field naming its :class:`~gridplan.case.schema.Profile`."""
    cap: float | None = None
    """For a series in per unit of a capacity: the most an hour may be (checked on the input,
    and the cap of a rescaled hour under typical days)."""
    meaning: str = "values"
    """What its values are, in the words of the check of ``cap``."""
    rescale: bool = True
    """Under typical days, rescale the medoid days so the annual sum is kept (energies, capacity
    factors). False for prices and limits: their annual sum means nothing, and rescaling would move
    a clipped dry-season excess into the wet-season hours where an export limit binds; they keep
    their medoid-day values."""


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
    series: tuple[Series, ...] = ()
    catalogue_kinds: tuple[str, ...] = ()
    draws_series: bool = False


GENERATOR = Component("generator", "generator", "generators", "gens", build="gen_build",
                      counts_as_capacity=True, output=("gen_p",),
                      series=(Series("avail", "availability", 1.0, "capacity factors"),),
                      catalogue_kinds=("variable", "dispatchable"))
RESERVOIR = Component("reservoir", "reservoir", "reservoirs", "reservoirs", build="reservoir_build",
                      counts_as_capacity=True, output=("reservoir_p",), series=(Series("inflow", "inflow"),),
                      catalogue_kinds=("reservoir",))
STORAGE = Component("storage", "storage", "storage", "storage", build="storage_build_mw",
                    counts_as_capacity=True, output=("storage_discharge", "storage_charge"),
                    catalogue_kinds=("storage",))
STORAGE_ENERGY = Component("storage_energy", "storage", "storage", "storage", build="storage_build_mwh",
                           existing="existing_mwh", unit="MWh")
DEMAND_RESPONSE = Component("demand_response", "demand_response", "demand_response", "dr", build="dr_build",
                            output=("dr_p",), technology="demand_response")
EXCHANGE = Component("exchange", "exchange", "exchanges", "exchanges", build="exchange_build",
                     existing="max_import", output=("import_p", "export_p"), technology="import",
                     series=(Series("import_price_pu", "import_price_pu", rescale=False),
                             Series("export_price_pu", "export_price_pu", rescale=False),
                             Series("import_limit_pu", "import_limit_pu", 1.0, "fractions of the import capability",
                                    rescale=False),
                             Series("export_limit_pu", "export_limit_pu", 1.0, "fractions of the export capability",
                                    rescale=False)))
"""Its build block (import capability built, MW) exists only when some exchange has ``build_max_mw``."""
ELECTRIFICATION = Component("electrification", "electrification", "electrification", "electrification",
                            build="electrify", existing="existing_mwh", unit="MWh", technology="electrification",
                            series=(Series("electrification_shape", "profile"),), draws_series=True)
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
