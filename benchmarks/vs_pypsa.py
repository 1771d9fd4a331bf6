"""gridplan vs PyPSA (linopy, HiGHS direct) vs the raw scipy floor, same LP, same solver options.

Usage (from the repository root, in the bench venv: see benchmarks/README.md)::

    python -m benchmarks.vs_pypsa                       # default grid, build-only at 8760 h
    python -m benchmarks.vs_pypsa --sizes 5x2190 --solve --repeat 3
    python -m benchmarks.vs_pypsa --sizes 1x168,5x168 --solve
    python -m benchmarks.vs_pypsa --case cases/sichuan5_2030.yaml --resolution 1 --solve

Each (size, tool) runs in its own fresh subprocess (``worker``), so peak RSS
(``resource.getrusage``) is that tool's alone. Phases, per tool:

* build    gridplan: load_case + prepare (reads the CSVs) + build_context (families).
           PyPSA: only PyPSA's own work, from inputs already in memory: a fresh
           pypsa.Network() with set_snapshots, the snapshot weightings and one n.add per
           component from plain arrays and DataFrames (benchmarks.to_pypsa.build_network;
           ``network_s``), then n.optimize.create_model() (``create_model_s``) and the extra
           rows on its linopy model (``extra_rows_s``). Not timed: gridplan.interop.to_pypsa
           (gridplan's load_case, prepare and LP blocks, run before the clock starts) and taking
           its network apart into those arrays (benchmarks.to_pypsa.network_inputs); reading
           the CSVs is thus in gridplan's build only (PyPSA gets its inputs for free).
           PyPSA's peak RSS is reset after that (Linux /proc/self/clear_refs, ``peak_reset``), so
           the converter's transient memory is not counted; what stays live for the extra rows
           (gridplan's LP blocks) still is. raw: numpy COO -> CSC.
* hand-off gridplan: compile_lp + passModel (gridplan.solve.make_highs).
           PyPSA: linopy.io.to_highspy(m) = what m.solve(io_api="direct") does before run().
           raw: passModel.
* solve    Highs.run() with the same options for every tool: the ones gridplan picks for the
           model (``gridplan.solve.highs_settings``: interior point + crossover; HiPO from
           150,000 rows on a network or 25,000 on one bus, IPX below, IPX dualized when the
           model has lines), plus ``--extra``; printed and stored per result.
* post     getSolution() (arrays back). PyPSA's assign_solution/duals is not included
           (``--pypsa-e2e`` times the whole n.optimize(..., io_api="direct") call as a check).

Objectives must agree to 1e-6 relative: the PyPSA worker reports gridplan's convention,
n.objective + n.objective_constant + the export's constant (fixed O&M of existing capacity minus
PyPSA's capital_cost × existing of extendables), in model money: the network is exported with
``to_pypsa(..., money="model")``, so its cost coefficients are kCNY like gridplan's LP and HiGHS'
absolute tolerances mean the same in both. The gridplan worker reports HiGHS' objective, which
includes gridplan's constant (passModel's offset). The network's contents and the
extra rows come from the package's converter (:mod:`gridplan.interop.to_pypsa`); the extra rows
are translated from gridplan's LP blocks, a numpy step inside ``extra_rows_s`` (so PyPSA's build
carries that translation too: a small share, reported apart).
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = Path(os.environ.get("GRIDPLAN_BENCH_DIR", "/tmp/gridplan_bench"))
DEFAULT_SIZES = "1x168,5x168,10x168,20x168,1x2190,5x2190,10x2190,20x2190,1x8760,5x8760,10x8760,20x8760"
TOOLS = ("gridplan", "pypsa", "raw")


def highs_options(method: str, extra: dict | None = None) -> dict:
    o = {"output_flag": False, "solver": method}
    o.update(extra or {})
    return o


def _rss_mb() -> float:
    """Peak RSS of this process in MB (since start, or since :func:`_reset_peak`)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _reset_peak() -> bool:
    """Reset the peak RSS to the current RSS (Linux ``clear_refs``); False where not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# ----------------------------------------------------------------------------- workers

def work_gridplan(a) -> dict:
    t = time.perf_counter()
    import highspy  # noqa: F401
    import gridplan
    from gridplan.model.build import build_context
    from gridplan.model.compile import coefficient_ranges, compile_lp
    from gridplan.solve import SolveOptions, make_highs
    out = {"import_s": time.perf_counter() - t, "base_rss_mb": _rss_mb()}
    t0 = time.perf_counter()
    case = gridplan.load_case(a.case)
    if a.drop_targets and case.targets:
        case = case.model_copy(update={"targets": []})
    ctx = build_context(case, resolution=a.resolution)
    t1 = time.perf_counter()
    clp = compile_lp(ctx)
    opts = SolveOptions(method=a.method, extra={k: v for k, v in json.loads(a.extra).items()})
    h = make_highs(clp, opts)
    t2 = time.perf_counter()
    out.update(build_s=t1 - t0, handoff_s=t2 - t1, prepare_s=ctx.timings["prepare_s"],
               families_s=ctx.timings["build_s"], compile_s=None,
               rows=clp.shape[0], cols=clp.shape[1], nnz=int(clp.A.nnz),
               coefficient_ranges=coefficient_ranges(clp))
    if a.solve:
        _run(h, out, ctx.solution_hooks, ctx)
    out["peak_rss_mb"] = _rss_mb()
    return out


def work_pypsa(a) -> dict:
    t = time.perf_counter()
    import highspy  # noqa: F401
    import linopy
    import pypsa
    import gridplan
    from benchmarks.to_pypsa import build_network, network_inputs
    from gridplan.interop.to_pypsa import to_pypsa
    pypsa.options.params.optimize.include_objective_constant = True
    out = {"import_s": time.perf_counter() - t}
    # not timed: gridplan's load + prepare + LP blocks (the converter), then the network as plain arrays
    tc = time.perf_counter()
    case = gridplan.load_case(a.case)
    if a.drop_targets and case.targets:
        case = case.model_copy(update={"targets": []})
    exported = to_pypsa(case, resolution=a.resolution, money="model")   # kCNY: costs scaled as gridplan's LP
    inputs = network_inputs(exported.network)
    exported.network = None          # only the arrays go on: the timed build makes its own network
    out.update(convert_s=time.perf_counter() - tc, peak_reset=_reset_peak(), base_rss_mb=_rss_mb())
    # timed: PyPSA's own work from arrays in memory
    t0 = time.perf_counter()
    n = build_network(inputs)
    tn = time.perf_counter()
    m = n.optimize.create_model(include_objective_constant=True)
    tm = time.perf_counter()
    exported.extra_functionality(n, n.snapshots)
    t1 = time.perf_counter()
    offset = exported.objective_constant   # kCNY: gridplan = n.objective + n.objective_constant + offset
    if a.pypsa_e2e:
        # the whole public call, as a user would write it (build again inside)
        kw = dict(highs_options(a.method, json.loads(a.extra)))
        te = time.perf_counter()
        status, cond = exported.optimize(n, io_api="direct", **kw)
        out.update(e2e_s=time.perf_counter() - te, status=cond, objective=exported.gridplan_objective(n),
                   peak_rss_mb=_rss_mb())
        return out
    h = linopy.io.to_highspy(m)
    for k, v in highs_options(a.method, json.loads(a.extra)).items():
        h.setOptionValue(k, v)
    t2 = time.perf_counter()
    lp = h.getLp()
    out.update(build_s=t1 - t0, network_s=tn - t0, create_model_s=tm - tn, extra_rows_s=t1 - tm, handoff_s=t2 - t1,
               rows=int(lp.num_row_), cols=int(lp.num_col_), nnz=int(len(lp.a_matrix_.value_)),
               cost_range=_abs_range(lp.col_cost_))     # kCNY, as gridplan's coefficient_ranges["cost"]
    del lp
    if a.solve:
        _run(h, out)
        # gridplan's objective (model money, its constant included, as HiGHS reports gridplan's)
        out["objective"] = out["objective"] + n.objective_constant + offset
    out["peak_rss_mb"] = _rss_mb()
    return out


def _abs_range(a) -> tuple[float, float]:
    """(min, max) |a| over the finite non-zero entries (as gridplan's coefficient_ranges)."""
    a = np.abs(np.asarray(a, float))
    a = a[np.isfinite(a) & (a != 0)]
    return (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)


def work_raw(a) -> dict:
    t = time.perf_counter()
    from benchmarks.raw_floor import build_raw, pass_to_highs
    out = {"import_s": time.perf_counter() - t}
    with open(a.data, "rb") as f:
        d = pickle.load(f)
    out["base_rss_mb"] = _rss_mb()
    t0 = time.perf_counter()
    A, c, lo, hi, rl, ru = build_raw(d)
    t1 = time.perf_counter()
    h = pass_to_highs(A, c, lo, hi, rl, ru, highs_options(a.method, json.loads(a.extra)))
    t2 = time.perf_counter()
    out.update(build_s=t1 - t0, handoff_s=t2 - t1, rows=A.shape[0], cols=A.shape[1], nnz=int(A.nnz))
    if a.solve:
        _run(h, out)
    out["peak_rss_mb"] = _rss_mb()
    return out


def _run(h, out, hooks=(), ctx=None):
    t2 = time.perf_counter()
    h.run()
    t3 = time.perf_counter()
    info = h.getInfo()
    out["status"] = h.modelStatusToString(h.getModelStatus())
    out["objective"] = float(info.objective_function_value)
    out["simplex_iterations"] = int(info.simplex_iteration_count)
    out["ipm_iterations"] = int(info.ipm_iteration_count)
    sol = h.getSolution()
    x = np.array(sol.col_value)
    y = np.asarray(sol.row_dual)
    for hook in hooks:   # gridplan: pooled dispatch shared among members, as gridplan.solve does
        hook(ctx, x)
    out["solve_s"] = t3 - t2
    out["post_s"] = time.perf_counter() - t3
    del x, y


WORKERS = {"gridplan": work_gridplan, "pypsa": work_pypsa, "raw": work_raw}


# ----------------------------------------------------------------------------- driver

def prepare_inputs(label: str, case_path: Path, resolution, drop_targets: bool) -> tuple[Path, bool, int]:
    """Export the prepared case for the raw worker; return (pickle path, whether it has lines,
    gridplan's row count)."""
    import gridplan
    from benchmarks.to_pypsa import export_case
    from gridplan.model.build import build_context
    from gridplan.model.compile import compile_lp
    case = gridplan.load_case(case_path)
    if drop_targets and case.targets:
        case = case.model_copy(update={"targets": []})
    data = gridplan.prepare(case, resolution=resolution)
    d = export_case(data)
    pkl = WORK / f"{label}.pkl"
    with open(pkl, "wb") as f:
        pickle.dump(d, f)
    rows = compile_lp(build_context(data)).shape[0]
    return pkl, len(d["lines"]) > 0, rows


def options_for_all(method: str, extra: str, network: bool, rows: int) -> str:
    """gridplan's own HiGHS choices for this model (which interior point, dualized IPX on a
    network) plus --extra, as the JSON every worker gets: the tools are always solved with
    identical options, the interior point included (HiGHS' own ``ipm`` may pick another)."""
    from gridplan.solve import SolveOptions, highs_settings
    o = highs_settings(SolveOptions(method=method), network, rows)
    o.update(json.loads(extra))
    return json.dumps(o)


def run_worker(tool, case_path, pkl, args, resolution, extra: str) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.vs_pypsa", "worker", "--tool", tool, "--case", str(case_path),
           "--data", str(pkl), "--method", args.method, "--extra", extra]
    if resolution:
        cmd += ["--resolution", str(resolution)]
    if args.solve:
        cmd.append("--solve")
    if args.drop_targets:
        cmd.append("--drop-targets")
    if args.pypsa_e2e:
        cmd.append("--pypsa-e2e")
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=args.timeout)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        return {"error": (p.stderr or p.stdout)[-2000:], "wall_s": wall}
    res = json.loads(p.stdout.strip().splitlines()[-1])
    res["wall_s"] = wall
    return res


def median_of(runs: list[dict]) -> dict:
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[-1]
    out = dict(ok[-1])
    for k, v in ok[-1].items():
        if isinstance(v, (int, float)) and not isinstance(v, bool) and all(isinstance(r.get(k), (int, float)) for r in ok):
            out[k] = float(np.median([r[k] for r in ok]))
    out["repeats"] = len(ok)
    return out


def uptime() -> str:
    try:
        return open("/proc/loadavg").read().split()[:3].__str__()
    except OSError:
        return "?"


def fmt(v, nd=2):
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def table(results: list[dict]) -> str:
    lines = ["| case | tool | rows | cols | nnz | build s | hand-off s | build+hand-off s | solve s | total s | peak RSS MB | objective | load |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['label']} | {r['tool']} | error: {r['error'].splitlines()[-1][:80]} |||||||||||")
            continue
        bh = r["build_s"] + r["handoff_s"]
        total = bh + r.get("solve_s", 0.0) + r.get("post_s", 0.0)
        lines.append("| " + " | ".join([
            r["label"], r["tool"], str(int(r["rows"])), str(int(r["cols"])), str(int(r["nnz"])),
            fmt(r["build_s"]), fmt(r["handoff_s"]), fmt(bh), fmt(r.get("solve_s")) if "solve_s" in r else "(build only)",
            fmt(total), fmt(r["peak_rss_mb"], 0), fmt(r.get("objective"), 4) if "objective" in r else "—",
            r.get("load", "")]) + " |")
    return "\n".join(lines)


def ratios(results: list[dict]) -> str:
    by = {}
    for r in results:
        if "error" not in r:
            by.setdefault(r["label"], {})[r["tool"]] = r
    lines = ["| case | gridplan/PyPSA build+hand-off | gridplan/PyPSA total | gridplan/PyPSA peak RSS | gridplan/raw build+hand-off | objective rel. diff (gridplan vs PyPSA) |",
             "|---|---|---|---|---|---|"]
    for label, t in by.items():
        g, p, raw = t.get("gridplan"), t.get("pypsa"), t.get("raw")
        if not g or not p:
            continue
        bh = lambda r: r["build_s"] + r["handoff_s"]
        tot = lambda r: bh(r) + r.get("solve_s", 0.0) + r.get("post_s", 0.0)
        rel = "—"
        if "objective" in g and "objective" in p:
            ref = p["objective"]     # both in gridplan's convention (work_pypsa adds PyPSA's constants)
            rel = f"{abs(g['objective'] - ref) / max(abs(ref), 1e-12):.1e}"
        lines.append(f"| {label} | {bh(g) / bh(p):.3f} | "
                     f"{(tot(g) / tot(p)) if 'solve_s' in g and 'solve_s' in p else float('nan'):.3f} | "
                     f"{g['peak_rss_mb'] / p['peak_rss_mb']:.3f} | "
                     f"{(bh(g) / bh(raw)) if raw else float('nan'):.2f} | {rel} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", nargs="?", default="run", choices=["run", "worker"])
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help="comma list of NxT (T in 168, 2190, 8760)")
    ap.add_argument("--case", default=None, help="a gridplan case file instead of the synthetic family")
    ap.add_argument("--resolution", type=int, default=None)
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--solve", action="store_true", help="solve too (otherwise build + hand-off only)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--method", default=None, help="HiGHS 'solver' option for every tool (default: gridplan's)")
    ap.add_argument("--extra", default="{}", help="JSON of further HiGHS options for every tool")
    ap.add_argument("--drop-targets", action="store_true", help="drop the case's targets (not translated)")
    ap.add_argument("--pypsa-e2e", action="store_true", help="time PyPSA's whole n.optimize(io_api='direct') call")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--out", default=None, help="write the JSON results here (and .md next to it)")
    # worker
    ap.add_argument("--tool", default=None)
    ap.add_argument("--data", default=None)
    a = ap.parse_args(argv)
    if a.method is None:
        from gridplan.solve import SolveOptions
        a.method = SolveOptions().method
    if a.mode == "worker":
        res = WORKERS[a.tool](a)
        print(json.dumps(res, default=float))
        return

    WORK.mkdir(parents=True, exist_ok=True)
    jobs = []
    if a.case:
        label = Path(a.case).stem + (f"@{a.resolution}h" if a.resolution else "")
        jobs.append((label, Path(a.case).resolve(), a.resolution))
    else:
        from benchmarks.synthetic import write_case
        for s in a.sizes.split(","):
            N, T = (int(v) for v in s.lower().split("x"))
            folder = WORK / f"N{N}_T{T}"
            path = folder / "case.yaml"
            if not path.exists():
                write_case(folder, N, T)
            jobs.append((f"{N}x{T}", path, None))
    tools = [t for t in a.tools.split(",") if t]
    results = []
    for label, path, res in jobs:
        pkl, network, rows = prepare_inputs(label.replace("@", "_"), path, res, a.drop_targets)
        extra = options_for_all(a.method, a.extra, network, rows)
        print(f"{label}: HiGHS options for every tool: {extra}", flush=True)
        for tool in tools:
            if tool == "raw" and a.case:
                continue
            runs = []
            for _ in range(a.repeat):
                load = uptime()
                r = run_worker(tool, path, pkl, a, res, extra)
                r["load"] = load
                r["highs_options"] = json.loads(extra)
                runs.append(r)
            r = median_of(runs)
            r.update(label=label, tool=tool)
            results.append(r)
            msg = r.get("error", "").splitlines()[-1:] if "error" in r else ""
            print(f"{label:>12} {tool:>8}  build {r.get('build_s', float('nan')):8.2f}  hand-off "
                  f"{r.get('handoff_s', float('nan')):7.2f}  solve {r.get('solve_s', float('nan')):8.2f}  "
                  f"e2e {r.get('e2e_s', float('nan')):7.2f}  rss {r.get('peak_rss_mb', float('nan')):7.0f} MB  "
                  f"obj {r.get('objective', float('nan')):.8g}  load {load} {msg}", flush=True)
    print()
    print(table(results))
    print()
    print(ratios(results))
    if a.out:
        out = Path(a.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1, default=float))
        out.with_suffix(".md").write_text(table(results) + "\n\n" + ratios(results) + "\n")


if __name__ == "__main__":
    main()
