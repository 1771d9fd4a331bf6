"""Policy targets: one named row per target of the case, with its dual.

Each builder turns a target of the case into a measure (numerator and, for
shares, denominator, both linear) and one constraint row in natural units:

| kind | row (before shortfall) | row unit | dual reported as |
|---|---|---|---|
| non_fossil_share, electricity | Σ nf·E + φ·NetImp − s·Σ w·demand >= 0 | MWh | CNY/MWh of NF energy (+ CNY per pp) |
| non_fossil_share, energy | k(1−s)·NF + k(φ−s)·NetImp − s·Fuel >= s(Fo+NFo) − NFo | tce | CNY/tce (+ CNY per pp) |
| installed_capacity | Σ_group P >= X (or <=) | MW | CNY/kW-yr |
| capacity_share | Σ_A P − s Σ_B P >= 0 | MW | CNY/kW-yr (+ CNY per pp) |
| seasonal_hydro | Σ_seasonal P >= X, or >= s Σ_hydro P | MW | CNY/kW-yr |
| demand_response | Σ D >= s · Σ peak | MW | CNY/kW-yr |
| firm_capacity | Σ c·P + Σ D + firm imports >= X or (1+m)·Σ peak | MW | CNY/kW-yr |
| co2_cap | Σ e·E + e_imp·NetImp <= X | t | CNY/t |
| generation | Σ_group E >= X (or <=) | MWh | CNY/MWh |

(E annual energy Σ_t w p, NF local non-fossil generation, k the coal-equivalent
factor, Fuel the fossil fuel burnt by modelled plants in tce, Fo/NFo the case's
non-electric fossil/non-fossil consumption.) Net imports count with the
outside mix's non-fossil fraction φ and emission factor; exports are deducted
as fully non-fossil and emission-free, and storage losses as non-fossil energy,
so no city raises its share by exporting or by cycling surplus hydro. A target limited to
some buses counts only the assets at those buses: flows on internal lines into
them are not credited with any mix (conservative). The demand-response and
reserve-margin bases are the sum of the buses' peak loads.

Hedges: ``hard`` rows hold exactly; ``about`` (左右) relaxes the bound to the
edge of the band (value − tolerance for floors, + for ceilings; tolerance 0.02
for shares, 2 % of value otherwise) — over-achieving a floor is never
penalised, so "about X" reads as "at least X − tol"; ``strive`` (力争) gets a
shortfall variable priced at ``penalty`` unless ``strict: true`` (then it is
hard). In *elastic* mode every target that is not already soft (hard, about,
strict strive) gets a shortfall variable priced so high that it is used only
when the target cannot be met: the results then name each such target and
its shortfall. A non-strict strive target keeps its own penalty in elastic
mode, so an elastic run reports the same plan as a plain one whenever the
plain one is feasible.

Penalties (``penalty`` of a strive target, and the defaults below) are given
in the units of the reported dual — CNY per MWh (electricity shares,
generation), CNY per tce (energy shares), CNY per kW-yr (capacity kinds),
CNY per t (co2_cap) — so a strive target is missed exactly when its marginal
cost of meeting would exceed its penalty. Inside the model the penalty is
converted to row units (``penalty / dual_factor``, kCNY via MONEY).

Dual signs: HiGHS returns d(objective)/d(row bound), >= 0 on an active ``>=``
row and <= 0 on an active ``<=`` row; :mod:`gridplan.report` flips the ``<=``
sign so that every reported dual is the cost of *tightening* the target.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...case.prepare import MONEY
from ..linear import LinExpr, stack

# Default prices of a shortfall, in dual units (CNY/MWh, CNY/tce, CNY/kW-yr,
# CNY/t; keyed by row unit): strive targets (a policy judgement, documented)
# and elastic diagnosis (far above any cost of meeting).
STRIVE_PENALTY = {"MWh": 500.0, "tce": 1500.0, "MW": 500.0, "t": 300.0}
ELASTIC_PENALTY = {"MWh": 1.0e5, "tce": 3.0e5, "MW": 1.0e5, "t": 1.0e5}
SHARE_KINDS = ("non_fossil_share", "capacity_share")


@dataclass
class TargetRow:
    target: object
    measure_num: LinExpr           # (1,)
    measure_den: object            # LinExpr (1,), float, or None
    lhs: LinExpr                   # (1,) row, in row units
    sense: str
    rhs: float
    row_unit: str                  # MW, MWh, tce, t
    dual_unit: str
    dual_factor: float             # plain-unit dual = row dual (CNY per row unit) × factor
    required: float
    unit: str                      # of required/achieved: share, MW, MWh, t
    per_pp: object = None          # LinExpr or float: row units per percentage point (shares)
    soft: bool = False
    penalty: float = 0.0           # CNY per row unit (= penalty in dual units / dual_factor)
    penalty_dual: float = 0.0      # the same penalty in dual units (as given in the case)
    shortfall_col: int | None = None
    block: object = None


def _sum(parts: list[LinExpr]) -> LinExpr:
    parts = [p for p in parts if p is not None and p.size]
    if not parts:
        return LinExpr.zeros((1,))
    return stack(parts).sum()


class _Scope:
    """Assets and buses covered by one target."""

    def __init__(self, ctx, target):
        self.ctx = ctx
        buses = target.buses
        self.buses = set(ctx.data.buses if buses is None else buses)
        self.bus_mask = np.isin(ctx.data.buses, list(self.buses))

    def assets(self, families=None, group=None, seasonal=False):
        for a in self.ctx.assets:
            if families and a.family not in families:
                continue
            mask = np.isin(a.bus, list(self.buses))
            if group is not None:
                mask &= np.isin(a.technology, list(group))
            if seasonal:
                mask &= a.seasonal if a.seasonal is not None else False
            if mask.any():
                yield a, mask

    def capacity(self, group, seasonal=False, weight=None) -> LinExpr:
        parts = []
        for a, mask in self.assets(("generator", "reservoir", "storage"), group, seasonal):
            if a.capacity is None:
                continue
            c = a.capacity if weight is None else a.capacity * getattr(a, weight)
            parts.append(c.select(mask))
        return _sum(parts)

    def energy(self, families, weight=None, group=None) -> LinExpr:
        parts = []
        for a, mask in self.assets(families, group):
            e = a.energy if weight is None else a.energy * getattr(a, weight)
            parts.append(e.select(mask))
        return _sum(parts)

    @property
    def demand_mwh(self) -> float:
        d = self.ctx.data
        return float((d.demand[self.bus_mask] * d.weights[None, :]).sum())

    @property
    def peak(self) -> float:
        return float(self.ctx.data.peak[self.bus_mask].sum())


def _group(ctx, target, name):
    groups = ctx.data.groups
    if name not in groups:
        from ...errors import CaseError
        raise CaseError(ctx.case._path or "<case>", f"targets[{target.id}].group", name,
                        "a group (declared under groups:, or all / a carrier / a catalogue flag): "
                        + ", ".join(sorted(groups)))
    return groups[name]


def _bound(t, value, is_share, sense=None):
    """Effective bound after the hedge: 左右 relaxes to the band's edge."""
    if t.hedge != "about":
        return value
    tol = t.tolerance if t.tolerance is not None else (0.02 if is_share else 0.02 * value)
    return value - tol if (sense or getattr(t, "sense", ">=")) == ">=" else value + tol


def build_row(ctx, t) -> TargetRow:
    sc = _Scope(ctx, t)
    kind = t.kind
    cap_money = 1.0 / 1000.0   # CNY/MW-yr → CNY/kW-yr
    if kind == "non_fossil_share":
        s = _bound(t, t.value, True)
        # storage's annual energy is minus its losses, and its non-fossil weight is 1:
        # losses are deducted from non-fossil energy, so cycling surplus hydro
        # through a battery cannot raise the share.
        nf_gen = sc.energy(("generator", "reservoir", "storage"), "non_fossil")
        imp_nf = sc.energy(("exchange",), "non_fossil")
        if t.scope == "electricity":
            D = sc.demand_mwh
            num = nf_gen + imp_nf
            lhs = num - s * D
            return TargetRow(t, num, D, lhs, t.sense, 0.0, "MWh", "CNY/MWh", 1.0, s, "share", per_pp=0.01 * D)
        ea = ctx.case.energy_accounting
        k = ea.coal_equivalent_tce_per_mwh
        imp = sc.energy(("exchange",))
        fuel = sc.energy(("generator",), "fuel_tce")
        num = nf_gen * k + imp_nf * k + ea.nonfossil_other_tce
        den = fuel + (nf_gen + imp) * k + (ea.fossil_other_tce + ea.nonfossil_other_tce)
        lhs = num - den * s
        return TargetRow(t, num, den, lhs, t.sense, 0.0, "tce", "CNY/tce", 1.0, s, "share", per_pp=den * 0.01)
    if kind == "installed_capacity":
        cap = sc.capacity(_group(ctx, t, t.group))
        X = _bound(t, t.value, False)
        return TargetRow(t, cap, None, cap, t.sense, X, "MW", "CNY/kW-yr", cap_money, X, "MW")
    if kind == "capacity_share":
        a = sc.capacity(_group(ctx, t, t.group))
        b = sc.capacity(_group(ctx, t, t.of_group))
        s = _bound(t, t.value, True)
        return TargetRow(t, a, b, a - b * s, t.sense, 0.0, "MW", "CNY/kW-yr", cap_money, s, "share",
                         per_pp=b * 0.01)
    if kind == "seasonal_hydro":
        seas = sc.capacity(None, seasonal=True)
        if t.unit == "MW":
            X = _bound(t, t.value, False)
            return TargetRow(t, seas, None, seas, ">=", X, "MW", "CNY/kW-yr", cap_money, X, "MW")
        hyd = sc.capacity(_group(ctx, t, t.hydro_group))
        s = _bound(t, t.value, True)
        return TargetRow(t, seas, hyd, seas - hyd * s, ">=", 0.0, "MW", "CNY/kW-yr", cap_money, s, "share",
                         per_pp=hyd * 0.01)
    if kind == "demand_response":
        cap = _dr(ctx, sc)
        s = _bound(t, t.value, True)
        return TargetRow(t, cap, sc.peak, cap, ">=", s * sc.peak, "MW", "CNY/kW-yr", cap_money, s, "share",
                         per_pp=0.01 * sc.peak)
    if kind == "firm_capacity":
        firm = sc.capacity(None, weight="credit") + _dr(ctx, sc)
        ex = ctx.data.exchanges
        if len(ex):   # firm imports of the exchanges at the target's buses only
            firm = firm + float(ex.loc[ex["bus"].isin(list(sc.buses)).to_numpy(), "firm_mw"].sum())
        X = t.value if t.value is not None else (1 + t.reserve_margin) * sc.peak
        X = _bound(t, X, False)
        return TargetRow(t, firm, None, firm, ">=", X, "MW", "CNY/kW-yr", cap_money, X, "MW")
    if kind == "co2_cap":
        em = sc.energy(("generator", "exchange"), "co2")
        X = _bound(t, t.value, False, "<=")
        return TargetRow(t, em, None, em, "<=", X, "t", "CNY/t", 1.0, X, "t")
    if kind == "generation":
        e = sc.energy(("generator", "reservoir"), group=_group(ctx, t, t.group))
        X = _bound(t, t.value, False)
        return TargetRow(t, e, None, e, t.sense, X, "MWh", "CNY/MWh", 1.0, X, "MWh")
    raise ValueError(f"unknown target kind {kind}")


def _dr(ctx, sc) -> LinExpr:
    if ctx.dr_capability is None:
        return LinExpr.zeros((1,))
    mask = np.isin(ctx.data.dr["bus"].to_numpy(), list(sc.buses))
    return ctx.dr_capability.select(mask).sum() if mask.any() else LinExpr.zeros((1,))


def add_targets(ctx) -> None:
    """Build every target's row; soft and elastic targets get a priced shortfall."""
    targets = ctx.case.targets
    if not targets:
        return
    rows = [build_row(ctx, t) for t in targets]
    for r in rows:
        t = r.target
        if t.hedge == "strive" and not t.strict:
            r.soft = True
            r.penalty_dual = t.penalty if t.penalty is not None else STRIVE_PENALTY[r.row_unit]
        elif ctx.elastic:
            r.soft, r.penalty_dual = True, ELASTIC_PENALTY[r.row_unit]
        r.penalty = r.penalty_dual / r.dual_factor
    soft = [r for r in rows if r.soft]
    short = None
    if soft:
        import pandas as pd
        ctx.coords["target_soft"] = pd.Index([r.target.id for r in soft], name="target")
        short = ctx.var("target_shortfall", ("target_soft",))
        ctx.cost("target_shortfall", short.cols, [r.penalty * MONEY for r in soft], kind="penalty")
    j = 0
    for r in rows:
        lhs = r.lhs
        if r.soft:
            # the shortfall relaxes the row in the direction of the bound
            lhs = lhs + LinExpr.of(short.cols[[j]], 1.0 if r.sense == ">=" else -1.0)
            r.shortfall_col = int(short.cols[j])
            j += 1
        cb = ctx.con(f"target_{r.target.id}", lhs, r.sense, r.rhs, coords=[[r.target.id]],
                     dual_scale=1.0 / MONEY, unit=f"CNY/{r.row_unit}")
        r.block = cb
        ctx.target_rows[r.target.id] = r
