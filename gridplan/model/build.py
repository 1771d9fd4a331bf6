"""build_model: CaseData → ModelContext, by an explicit sequence of families.

The order is fixed and visible here (no dynamic import): components first, the
nodal balance once every injection is registered, targets once every contribution is.
"""
from __future__ import annotations

import gc
import logging
import time

from ..case.prepare import CaseData, prepare
from ..case.schema import Case
from .context import ModelContext
from .families.balance import add_balance
from .families.demand_response import add_demand_response
from .families.electrification import add_electrification
from .families.exchanges import add_exchanges
from .families.generators import add_generators
from .families.lines import add_lines
from .families.reservoirs import add_reservoirs
from .families.shedding import add_shedding
from .families.storage import add_storage
from .families.targets import add_targets

log = logging.getLogger(__name__)

FAMILIES = (
    add_generators,
    add_storage,
    add_reservoirs,
    add_demand_response,
    add_exchanges,
    add_lines,
    add_electrification,
    add_shedding,
    add_balance,
    add_targets,
)


def build_context(case_or_data, *, resolution: int | None = None, typical_days: int | None = None,
                  elastic: bool = False, pool: bool = True) -> ModelContext:
    """Build the LP blocks (the Pyomo namespace follows on first use of ctx.m). Returns the context."""
    data = case_or_data if isinstance(case_or_data, CaseData) else prepare(
        case_or_data, resolution=resolution, typical_days=typical_days)
    t1 = time.perf_counter()
    # Python's cyclic GC walks every container allocated during a large build
    # (2-3x slower); nothing here creates reference cycles worth collecting.
    enabled = gc.isenabled()
    gc.disable()
    try:
        ctx = ModelContext(data, elastic=elastic, pool=pool)
        for family in FAMILIES:
            family(ctx)
    finally:
        if enabled:
            gc.enable()
    ctx.timings = {"prepare_s": data.prepare_s, "build_s": time.perf_counter() - t1}
    log.info("built %s: %s rows × %s cols, %s matrix entries in %.2f s", data.case.name, f"{ctx.lp.n_rows:,}",
             f"{ctx.lp.n_cols:,}", f"{sum(c.vals.size for c in ctx.lp.cons.values()):,}", ctx.timings["build_s"])
    return ctx


def build_model(case: Case | CaseData, **options):
    """Build the model and return the Pyomo ``ConcreteModel``.

    Every variable block is a Pyomo ``Var`` of the same name (``m.gen_build``,
    ``m.gen_p``, ``m.storage_soc``...), indexed by the case's names and snapshot
    positions. Add your own ``Constraint`` (or ``Var``) to it, then pass the
    model to :func:`gridplan.solve`. The gridplan context is ``m._gridplan``.

    Pooling (``pool``, see :mod:`gridplan.model.families.generators`) is off by
    default here: a constraint you add may address one generator's ``gen_p``.
    """
    options.setdefault("pool", False)
    return build_context(case, **options).m
