"""Add your own Pyomo constraint to a gridplan model before solving.

    python examples/custom_constraint.py

The model's variables are ordinary Pyomo ``Var`` components named after the
LP blocks (``m.gen_build[generator]``, ``m.gen_p[generator, snapshot]``,
``m.storage_build_mwh[storage]``...). Constraints you add are compiled and
stacked under gridplan's own rows; their duals come back in ``m.dual``.
"""
from pathlib import Path

import pyomo.environ as pyo

import gridplan

here = Path(__file__).resolve().parent
case = gridplan.load_case(here.parent / "cases" / "panzhihua_2030.yaml")

base = gridplan.solve(case, typical_days=12)
print(f"as planned: {base.objective / 1e8:,.2f} 亿 CNY")
print(base.capacity_table().T)

# A planner's extra rule: at least 500 MW of new wind on Panzhihua's ridges
# (the optimiser builds none: PV is cheaper there), to diversify the supply.
m = gridplan.build_model(case, typical_days=12)
wind = [g.name for g in case.generators if g.technology == "onshore_wind"]
m.min_new_wind = pyo.Constraint(expr=sum(m.gen_build[g] for g in wind) >= 500)
m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
res = gridplan.solve(m)
print(f"with >= 500 MW new wind: {res.objective / 1e8:,.2f} 亿 CNY "
      f"(+{(res.objective - base.objective) / 1e6:,.1f} M CNY); "
      f"marginal cost of the rule: {m.dual[m.min_new_wind] / 1000:,.1f} CNY per kW-yr")
print(f"new wind built: {sum(pyo.value(m.gen_build[g]) for g in wind):,.0f} MW")
