"""gridplan: least-cost capacity planning against Chinese carbon-peak targets.

Python entry points::

    import gridplan
    case = gridplan.load_case("cases/chengdu_2030.yaml")
    res = gridplan.solve(case, resolution=3)
    res.capacities, res.targets, res.prices

    m = gridplan.build_model(case)        # a Pyomo ConcreteModel
    m.my_limit = pyomo.environ.Constraint(expr=m.gen_build["cd_solar"] <= 500)
    res = gridplan.solve(m)

``gridplan.solve`` is the module :mod:`gridplan.solve`, callable as its function
:func:`gridplan.solve.solve` (so ``gridplan.solve.SolveOptions`` works too).
"""
from . import solve   # the callable module, not the function: see the end of gridplan/solve.py
from .batch import Comparison, compare, sweep
from .case.load import case_from_dict, load_case
from .case.prepare import CaseData, prepare
from .case.schema import Case
from .errors import CaseError, GridplanError, NumericalFailure, SolveError, TargetsInfeasible
from .model.build import build_context, build_model
from .results import Results
from .solve import Resolver, SolveOptions

__all__ = ["Case", "CaseData", "Comparison", "compare", "sweep", "CaseError", "GridplanError", "NumericalFailure",
           "Resolver", "Results", "SolveError", "SolveOptions", "TargetsInfeasible", "build_context",
           "build_model", "case_from_dict", "load_case", "prepare", "solve", "validate", "validated_data"]
__version__ = "0.1.0"


def validated_data(path) -> CaseData:
    """Load a case and prepare its data (profiles, catalogue, network) without solving.

    Raises :class:`CaseError` for bad input. Clustering is skipped: it adds no check.
    """
    return prepare(load_case(path), typical_days=0)


def validate(path) -> Case:
    """The case at ``path``, checked as :func:`validated_data` checks it."""
    return validated_data(path).case
