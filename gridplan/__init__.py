"""gridplan: least-cost capacity planning against Chinese carbon-peak targets.

Python entry points::

    import gridplan
    case = gridplan.load_case("cases/chengdu_2030.yaml")
    res = gridplan.solve(case, resolution=3)
    res.capacities, res.targets, res.prices

    m = gridplan.build_model(case)        # a Pyomo ConcreteModel
    m.my_limit = pyomo.environ.Constraint(expr=m.gen_build["cd_solar"] <= 500)
    res = gridplan.solve(m)
"""
from .case.load import case_from_dict, load_case
from .compare import Comparison, compare, sweep
from .case.prepare import CaseData, prepare
from .case.schema import Case
from .errors import CaseError, GridplanError, SolveError
from .model.build import build_context, build_model
from .results import Results
from .solve import Resolver, SolveOptions, solve

__all__ = ["Case", "CaseData", "Comparison", "compare", "sweep", "CaseError", "GridplanError", "Resolver", "Results", "SolveError", "SolveOptions",
           "build_context", "build_model", "case_from_dict", "load_case", "prepare", "solve", "validate"]
__version__ = "0.1.0"


def validate(path):
    """Load a case and prepare its data (profiles, catalogue, network) without solving."""
    case = load_case(path)
    prepare(case, typical_days=0)   # checks everything the model reads; clustering adds no check
    return case
