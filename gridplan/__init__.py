"""gridplan: least-cost capacity planning against Chinese carbon-peak targets.

Python entry points::

    import gridplan
    case = gridplan.load_case("cases/chengdu_2030.yaml")
    res = gridplan.solve(case, typical_days=12)
    res.capacities, res.targets, res.prices, res.outcome
    cert = gridplan.solve(case, certify=True)            # lower and upper bounds on the hourly optimum
    cert.lower, cert.upper, cert.gap, cert.hourly.prices

    m = gridplan.build_model(case, resolution=24)        # a Pyomo ConcreteModel
    m.my_limit = pyomo.environ.Constraint(expr=m.gen_build["cd_solar_distributed"] <= 2000)
    res = gridplan.solve(m)

``gridplan.solve`` is the module :mod:`gridplan.solve`, callable as its function
:func:`gridplan.solve.solve` (so ``gridplan.solve.SolveOptions`` works too).
"""
import logging as _logging

from . import solve   # the callable module, not the function: see the end of gridplan/solve.py
from .batch import Comparison, compare, sweep
from .batch.pathway import PathwayResults, foresight_comparison, solve_pathway
from .case.load import case_from_dict, load_case
from .case.pathway import PathwayCase, load_pathway
from .case.prepare import CaseData, prepare
from .case.schema import Case
from .errors import CaseError, GridplanError, NumericalFailure, SolveError, TargetsInfeasible
from .model.build import build_context, build_model
from .results import Results
from .solve import Resolver, SolveOptions, write_lp
from .batch.certify import Certificate, NoCertificate, certify


class _SolveOrCertify(type(solve)):
    """``gridplan.solve(case, certify=True)``: the certified bracket around the hourly optimum
    (:func:`gridplan.batch.certify.certify`: a :class:`Certificate`, its ``hourly`` Results the
    plan's hourly dispatch) instead of one solve. Here, in the package's face, because certifying
    runs worker processes (the batch layer) and the solve layer does not reach up to it."""

    def __call__(self, *args, certify: bool = False, **kwargs):
        if certify:
            import dataclasses
            import inspect
            own = set(inspect.signature(globals()["certify"]).parameters)
            fields = {f.name for f in dataclasses.fields(SolveOptions)}
            unknown = sorted(set(kwargs) - own - fields)
            if unknown:
                raise GridplanError(f"solve(certify=True): {', '.join(unknown)} not taken; expected certify's own "
                                    f"arguments ({', '.join(sorted(own - {'case'}))}) or SolveOptions fields")
            options = {k: kwargs.pop(k) for k in list(kwargs) if k in fields and k not in own}
            if options:
                kwargs["options"] = dataclasses.replace(kwargs.get("options") or SolveOptions(), **options)
            return globals()["certify"](*args, **kwargs)
        return super().__call__(*args, **kwargs)


solve.__class__ = _SolveOrCertify

_logging.getLogger(__name__).addHandler(_logging.NullHandler())  # messages only where the application sends them

__all__ = ["Case", "CaseData", "Certificate", "NoCertificate", "certify", "PathwayCase", "PathwayResults", "foresight_comparison", "load_pathway",
           "solve_pathway", "Comparison", "compare", "sweep", "CaseError", "GridplanError", "NumericalFailure",
           "Resolver", "Results", "SolveError", "SolveOptions", "TargetsInfeasible", "build_context",
           "build_model", "case_from_dict", "from_pypsa", "load_case", "prepare", "solve", "to_pypsa", "validate",
           "validated_data", "write_lp", "write_workbook"]
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


def to_pypsa(case_or_results, **options):
    """The case (or solved Results) as a PyPSA network: :func:`gridplan.interop.to_pypsa.to_pypsa`.
    Imported on call: PyPSA is optional (``pip install 'gridplan[interop]'``) and takes seconds to import."""
    from .interop.to_pypsa import to_pypsa as convert
    return convert(case_or_results, **options)


def from_pypsa(network, out_dir, **options):
    """A PyPSA network (object, .nc file or CSV folder) written as a gridplan case folder:
    :func:`gridplan.interop.from_pypsa.from_pypsa`. Imported on call, like :func:`to_pypsa`."""
    from .interop.from_pypsa import from_pypsa as convert
    return convert(network, out_dir, **options)


def write_workbook(case, xlsx_path):
    """The case as one self-contained Excel workbook (:func:`gridplan.case.excel.write_workbook`;
    ``gridplan template CASE --excel OUT.xlsx``); ``load_case`` reads it back."""
    from .case.excel import write_workbook as write
    return write(case if isinstance(case, Case) else load_case(case), xlsx_path)
