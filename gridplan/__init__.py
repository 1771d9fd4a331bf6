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
    """Load a case and check it as ``solve`` would, without solving
    (:func:`gridplan.case.prepare.validate_data`).

    Raises :class:`CaseError` (every problem, one line each) for bad input. The data's
    ``unreachable`` lists the hard targets its build ranges cannot meet (``solve`` would find
    the plan infeasible), ``warnings`` the inputs that look like a unit mistake.
    """
    from .case.prepare import validate_data
    return validate_data(load_case(path))


def validate(path) -> Case:
    """The case at ``path``, checked as :func:`validated_data` checks it; each unreachable
    target and each plausibility warning is issued as a Python ``UserWarning`` (one line:
    file, field, value, expected)."""
    import warnings
    data = validated_data(path)
    for w in data.unreachable + data.warnings:
        warnings.warn(str(w), UserWarning, stacklevel=2)
    return data.case
