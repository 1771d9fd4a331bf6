"""HiGHS options and row/column order on gridplan's compiled LP.

Builds the LP once with gridplan (a synthetic size or a case file), prints
``coefficient_ranges``, then solves the *same* compiled matrix with each
configuration on a fresh ``Highs`` (one passModel each), optionally after a
permutation of rows and columns:

* ``block``           gridplan's order (variable blocks, element-major inside a block)
* ``snapshot-major``  rows and columns sorted by snapshot (stable; non-time
                      rows/columns first), i.e. all t=0 entries, then t=1, ...
* ``time-in-block``   blocks kept in order, snapshot as the outer index inside each
                      (element, snapshot) block: linopy's / PyPSA's layout

Usage::

    python -m benchmarks.solver_options --size 5x2190 --time-limit 240
    python -m benchmarks.solver_options --case cases/sichuan5_2030.yaml --resolution 4 --drop-targets
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

CONFIGS = {
    "dual simplex (default)": {"solver": "simplex", "simplex_strategy": 1},
    "primal simplex": {"solver": "simplex", "simplex_strategy": 4},
    "dual simplex, presolve off": {"solver": "simplex", "simplex_strategy": 1, "presolve": "off"},
    "dual simplex, no scaling": {"solver": "simplex", "simplex_strategy": 1, "simplex_scale_strategy": 0},
    "dual simplex PAMI (2 threads)": {"solver": "simplex", "simplex_strategy": 2},
    # "ipm" configs are IPX, as measured before HiPO existed here (HiGHS' own "ipm" picks HiPO when
    # the highspy-extras libraries are installed, so the solver is named explicitly)
    "ipm + crossover": {"solver": "ipx", "run_crossover": "on"},
    "ipm, no crossover": {"solver": "ipx", "run_crossover": "off"},
    "ipm + crossover, presolve off": {"solver": "ipx", "run_crossover": "on", "presolve": "off"},
    "hipo + crossover": {"solver": "hipo", "run_crossover": "on"},
    "hipo, no crossover": {"solver": "hipo", "run_crossover": "off"},
    "choose (HiGHS default)": {"solver": "choose"},
}


def snapshot_index(blocks, n):
    """Snapshot position of every column (or row) of the given blocks, -1 where no snapshot dim."""
    t = np.full(n, -1, dtype=np.int64)
    for b in blocks:
        names = [c.name for c in b.coords]
        if "snapshot" in names:
            ax = names.index("snapshot")
            pos = np.unravel_index(np.arange(b.size), b.shape)[ax]
            t[b.offset:b.offset + b.size] = pos
    return t


def block_start(blocks, n):
    """Offset of the block each column (or row) belongs to."""
    b = np.zeros(n, dtype=np.int64)
    for blk in blocks:
        b[blk.offset:blk.offset + blk.size] = blk.offset
    return b


def permutations(ctx, clp, order: str):
    nr, nc = clp.shape
    if order == "block":
        return np.arange(nr), np.arange(nc)
    if order == "snapshot-major":
        tc = snapshot_index(ctx.lp.vars.values(), nc)
        tr = snapshot_index(ctx.lp.cons.values(), nr)
        return np.argsort(tr, kind="stable"), np.argsort(tc, kind="stable")
    if order == "time-in-block":
        # block order kept, but inside every (element, snapshot) block the snapshot is the
        # outer index: the layout linopy/PyPSA produce (dims (snapshot, name))
        tc = snapshot_index(ctx.lp.vars.values(), nc)
        tr = snapshot_index(ctx.lp.cons.values(), nr)
        bc = block_start(ctx.lp.vars.values(), nc)
        br = block_start(ctx.lp.cons.values(), nr)
        return np.lexsort((np.arange(nr), tr, br)), np.lexsort((np.arange(nc), tc, bc))
    raise ValueError(order)


def solve_with(clp, rp, cp, options: dict, time_limit: float):
    import highspy
    A = clp.A[rp][:, cp].tocsc() if (rp is not None) else clp.A
    cost, lo, hi = clp.cost[cp], clp.col_lower[cp], clp.col_upper[cp]
    rl, ru = clp.row_lower[rp], clp.row_upper[rp]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    for k, v in options.items():
        h.setOptionValue(k, v)
    nr, nc = A.shape
    h.passModel(nc, nr, A.nnz, 1, 1, clp.offset, cost, lo, hi, rl, ru,
                A.indptr[:-1].astype(np.int32), A.indices.astype(np.int32), A.data, np.zeros(nc, dtype=np.int32))
    t = time.perf_counter()
    h.run()
    dt = time.perf_counter() - t
    info = h.getInfo()
    return dict(status=h.modelStatusToString(h.getModelStatus()), solve_s=dt,
                objective=float(info.objective_function_value), simplex_iterations=int(info.simplex_iteration_count),
                ipm_iterations=int(info.ipm_iteration_count),
                crossover_iterations=int(getattr(info, "crossover_iteration_count", 0)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="5x2190")
    ap.add_argument("--case", default=None)
    ap.add_argument("--resolution", type=int, default=None)
    ap.add_argument("--drop-targets", action="store_true")
    ap.add_argument("--configs", default=";".join(CONFIGS), help="semicolon-separated config names")
    ap.add_argument("--orders", default="block,snapshot-major")
    ap.add_argument("--order-configs", default="dual simplex (default);ipm + crossover",
                    help="configs also run with the non-block orders")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=300)
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)

    import gridplan
    from gridplan.model.build import build_context
    from gridplan.model.compile import coefficient_ranges, compile_lp
    if a.case:
        path, label = Path(a.case), Path(a.case).stem + (f"@{a.resolution}h" if a.resolution else "")
    else:
        from benchmarks.synthetic import write_case
        from benchmarks.vs_pypsa import WORK
        N, T = (int(v) for v in a.size.split("x"))
        path = WORK / f"N{N}_T{T}" / "case.yaml"
        if not path.exists():
            write_case(path.parent, N, T)
        label = a.size
    case = gridplan.load_case(path)
    if a.drop_targets and case.targets:
        case = case.model_copy(update={"targets": []})
    ctx = build_context(case, resolution=a.resolution)
    clp = compile_lp(ctx)
    rng = coefficient_ranges(clp)
    print(f"{label}: {clp.shape[0]} rows x {clp.shape[1]} cols, {clp.A.nnz} nonzeros")
    print("coefficient ranges:", json.dumps(rng))
    results = []
    names = [c for c in a.configs.split(";") if c]
    for order in a.orders.split(","):
        rp, cp = permutations(ctx, clp, order)
        for name in names:
            if order != "block" and name not in a.order_configs.split(";"):
                continue
            runs = [solve_with(clp, rp, cp, CONFIGS[name], a.time_limit) for _ in range(a.repeat)]
            r = dict(runs[-1])
            r["solve_s"] = float(np.median([x["solve_s"] for x in runs]))
            r.update(config=name, order=order, label=label, load=open("/proc/loadavg").read().split()[:3])
            results.append(r)
            print(f"{order:>15} | {name:<32} | {r['status']:<18} | {r['solve_s']:8.2f} s | "
                  f"obj {r['objective']:.10g} | simplex it {r['simplex_iterations']} ipm {r['ipm_iterations']} | load {r['load']}",
                  flush=True)
    ref = next((r["objective"] for r in results if r["status"] == "Optimal"), None)
    lines = [f"coefficient ranges ({label}): " + ", ".join(f"{k} [{v[0]:.3g}, {v[1]:.3g}]" for k, v in rng.items()), "",
             "| order | configuration | status | solve s | simplex it. | ipm it. | objective rel. diff |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        rel = abs(r["objective"] - ref) / abs(ref) if ref and r["status"] == "Optimal" else float("nan")
        lines.append(f"| {r['order']} | {r['config']} | {r['status']} | {r['solve_s']:.2f} | {r['simplex_iterations']} | "
                     f"{r['ipm_iterations']} | {rel:.1e} |")
    print("\n".join(lines))
    if a.out:
        Path(a.out).write_text(json.dumps(results, indent=1))
        Path(a.out).with_suffix(".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
