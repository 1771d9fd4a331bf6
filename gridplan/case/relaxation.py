"""The averaged year as a *relaxation* of the hourly one: the data side of a certified lower bound.

Averaging consecutive hours (blocks of at most ``time.resolution`` hours) gives a smaller LP. It
is a relaxation of the hourly LP — its optimum is a lower bound on the hourly optimum — when every row of the averaged
LP is met, at no higher cost, by the block averages of *any* feasible hourly solution. For each
family (the proofs are in the family docstrings, section "Averaging bound"):

* rows with constant coefficients over a block (availability ``p ≤ a·P``, balance, line limits and
  KVL, demand response ``dr ≤ demand``, shedding, minimum release, the exchange's capability
  fractions, electrification's load) hold for the averages because averaging is linear: the mean
  of ``p_h ≤ a_h·P`` over the block is ``p̄ ≤ ā·P``;
* weighted annual rows (energy shares, CO2, DR hours, planned outages, every target) see the
  same annual sums (a block's weight is its hours);
* reservoir levels (no loss) at block ends obey the averaged state equation exactly;
* storage with standing losses does not: the averaged equation charges the loss on the block's
  end level. The relaxed form charges one hour's loss on the block's start level and leaves the
  rest free: ``level_b ≤ (1 − l)·level_{b-1} + Δ_b(η_c·c̄h − d̄is/η_d)`` (the hourly loss
  ``l·Σ_h level_{h-1}`` includes ``l·level_{b-1}``), :mod:`gridplan.model.families.storage`;
* costs that vary by the hour (the boundary's import and export price multipliers) do not
  either: a block's cost Σ_h p_h·imp_h is not p̄·ī unless p is constant over the block. So the
  relaxed blocks never straddle a change of the exchange's hourly prices or capability fractions
  (:func:`block_breaks`): on each block they are constant, and the averaged cost is the hourly
  cost exactly. Blocks are then at most ``resolution`` hours inside each stretch of constant
  prices (the shipped boundary's time-of-use periods, which differ by season, make about seven
  blocks a day: 2,468 in the year at N = 8, against 1,095 for plain 8 h averaging). Pricing
  blocks at their cheapest hour instead is also a relaxation, but a loose one: it lost 12 % of
  Chengdu's objective at 6 h (the hourly trades of a block may even be re-ordered inside it:
  −10 %);
* a must-run floor ``p_h ≥ min(m, a_h)·P`` averages to ``p̄ ≥ mean_h min(m, a_h)·P``, lower than
  the ``min(m, ā)·P`` of plain averaging (min is concave): the bound takes the mean of the
  hourly floors (:func:`must_run_floor`);
* ramps ``|p_h − p_{h-1}| ≤ r·P`` give, between the means of two adjacent blocks of lengths a and
  b, ``|p̄_b − p̄_a| ≤ r·P·(a + b)/2`` (the mean distance between their hours): the generator
  family scales a ramp by that mean of the two durations, which is also the averaged model's own
  rule (the same number for blocks of equal length).

Typical days are **not** a relaxation (a representative day stands for days it does not equal,
and nothing bounds the error), so a certified lower bound always comes from averaging.
"""
from __future__ import annotations

import numpy as np


def block_breaks(exchange_series: dict, hours: int) -> np.ndarray:
    """Hours at which a relaxed block must begin: where any exchange's hourly price multiplier or
    capability fraction differs from the hour before, and every midnight (so that windows of whole
    days, :mod:`gridplan.batch.certify`, begin on a block boundary)."""
    change = np.zeros(hours, bool)
    change[::24] = True
    for arr in exchange_series.values():
        if arr.size:
            change[1:] |= (np.diff(arr, axis=-1) != 0).any(axis=0)
    return np.flatnonzero(change)


def must_run_floor(gens, avail: np.ndarray, starts: np.ndarray, reduce_time) -> np.ndarray | None:
    """(G, T) the mean over each block of the hourly must-run floors min(m, (1 − f)·a_h, (1 − f)(1 − o))
    per unit of capacity (the generator family's floor, hour by hour); None without must-run."""
    must = gens["must_run"].to_numpy(float) if len(gens) else np.zeros(0)
    if not (must > 0).any():
        return None
    forced = gens["forced_outage_rate"].to_numpy(float)
    planned = gens["planned_outage_rate"].to_numpy(float)
    hourly = np.minimum(np.minimum(must[:, None], (1.0 - forced)[:, None] * avail),
                        ((1.0 - forced) * (1.0 - planned))[:, None])
    return reduce_time(hourly, starts)
