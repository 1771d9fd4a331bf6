"""Error of time reduction against the full hourly year, for every shipped 2030 case.

For each ``cases/*_2030.yaml`` (or the cases given): solve the full year (1 h),
then 3 h and 6 h chronological averaging and K = 12 / 24 / 48 typical days
(``gridplan.solve(case, typical_days=K)``), and compare the objective and the
capacities (total MW per technology; storage energy in MWh) with the full year.
Writes a markdown table (default benchmarks/results/reduction_error.md) and a JSON.

Reductions that are not available yet (typical days not implemented: ImportError
/ NotImplementedError) or fail are reported as such, not raised.

Usage::

    python -m benchmarks.reduction_error                       # all 2030 cases, all reductions
    python -m benchmarks.reduction_error --cases cases/chengdu_2030.yaml --reductions 1h,6h,td24
    python -m benchmarks.reduction_error --method ipm          # faster full-year solves
"""
from __future__ import annotations

import argparse
import json
import time
import traceback
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REDUCTIONS = {"1h": dict(resolution=1, typical_days=0), "3h": dict(resolution=3, typical_days=0),
              "6h": dict(resolution=6, typical_days=0), "td12": dict(resolution=1, typical_days=12),
              "td24": dict(resolution=1, typical_days=24), "td48": dict(resolution=1, typical_days=48)}


def capacity_by_tech(res) -> dict:
    c = res.capacities
    out = {}
    for (comp, tech), v in c.groupby(["component", "technology"])["total"].sum().items():
        key = f"{tech} (MWh)" if comp == "storage_energy" else (f"line (MW)" if comp == "line" else tech)
        out[key] = out.get(key, 0.0) + float(v)
    return out


def run_one(path: Path, name: str, opts: dict, solve_kw: dict) -> dict:
    import gridplan
    t = time.perf_counter()
    try:
        case = gridplan.load_case(path)
        res = gridplan.solve(case, **opts, **solve_kw)
    except (ImportError, NotImplementedError) as exc:
        return {"reduction": name, "status": f"not available ({exc.__class__.__name__}: {exc})"[:160]}
    except Exception as exc:  # noqa: BLE001 - report, keep going
        return {"reduction": name, "status": f"failed: {exc.__class__.__name__}: {str(exc)[:200]}",
                "trace": traceback.format_exc()[-1500:]}
    return {"reduction": name, "status": res.status, "objective_cny": res.objective,
            "capacity": capacity_by_tech(res), "wall_s": time.perf_counter() - t,
            "solve_s": res.facts.get("solve_s"), "rows": res.facts.get("rows"), "cols": res.facts.get("cols")}


def compare(rows: list[dict], reference: str = "1h") -> list[dict]:
    ref = next((r for r in rows if r["reduction"] == reference and "objective_cny" in r), None)
    for r in rows:
        if ref is None or "objective_cny" not in r:
            continue
        r["objective_rel_err"] = (r["objective_cny"] - ref["objective_cny"]) / abs(ref["objective_cny"])
        techs = set(ref["capacity"]) | set(r["capacity"])
        mw = [t for t in techs if "(MWh)" not in t]
        dev = {t: r["capacity"].get(t, 0.0) - ref["capacity"].get(t, 0.0) for t in techs}
        total = sum(ref["capacity"].get(t, 0.0) for t in mw) or 1.0
        worst = max(mw, key=lambda t: abs(dev[t])) if mw else None
        r["capacity_dev"] = dev
        r["worst_tech"] = worst
        r["worst_dev_mw"] = dev[worst] if worst else 0.0
        r["sum_abs_dev_pct"] = 100.0 * sum(abs(dev[t]) for t in mw) / total
    return rows


def markdown(all_rows: dict[str, list[dict]], reference: str = "1h") -> str:
    out = ["| case | reduction | status | objective (bn CNY) | rel. error | Σ|ΔMW| / total MW | largest ΔMW (technology) | solve s | rows |",
           "|---|---|---|---|---|---|---|---|---|"]
    for case, rows in all_rows.items():
        for r in rows:
            if "objective_cny" not in r:
                out.append(f"| {case} | {r['reduction']} | {r['status']} | | | | | | |")
                continue
            if "objective_rel_err" in r:
                cmp_ = (f"{r['objective_rel_err']:+.2%} | {r['sum_abs_dev_pct']:.1f} % | "
                        f"{r['worst_dev_mw']:+.0f} ({r['worst_tech']})")
            else:
                cmp_ = "— (reference) | — | —" if r["reduction"] == reference else "— (no reference) | — | —"
            out.append(f"| {case} | {r['reduction']} | {r['status']} | {r['objective_cny'] / 1e9:.4f} | {cmp_} | "
                       f"{(r.get('solve_s') or float('nan')):.1f} | {r.get('rows')} |")
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default=None, help="comma list of case files (default: cases/*_2030.yaml)")
    ap.add_argument("--reductions", default=",".join(REDUCTIONS))
    ap.add_argument("--method", default=None, help="HiGHS solver: simplex, ipm, choose (default: gridplan's)")
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--elastic", action="store_true",
                    help="solve in elastic mode (needed for cases whose hard targets are infeasible)")
    ap.add_argument("--reference", default="1h",
                    help="the reduction the others are compared with (default 1h: the full year)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "reduction_error.md"))
    a = ap.parse_args(argv)
    cases = [Path(c) for c in a.cases.split(",")] if a.cases else sorted((ROOT / "cases").glob("*_2030.yaml"))
    if not cases:
        print("no 2030 cases found under cases/")
        return
    solve_kw = {}
    if a.method:
        solve_kw["method"] = a.method
    if a.time_limit:
        solve_kw["time_limit"] = a.time_limit
    if a.elastic:
        solve_kw["elastic"] = True
    all_rows = {}
    for path in cases:
        rows = []
        for name in a.reductions.split(","):
            r = run_one(path, name, REDUCTIONS[name], solve_kw)
            rows.append(r)
            print(f"{path.stem:>20} {name:>5} {r['status'][:60]:<60} "
                  f"obj {r.get('objective_cny', float('nan')):.6g} wall {r.get('wall_s', float('nan')):.1f} s", flush=True)
        all_rows[path.stem] = compare(rows, a.reference)
    md = markdown(all_rows, a.reference)
    print(md)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(md)
    out.with_suffix(".json").write_text(json.dumps(all_rows, indent=1, default=float))


if __name__ == "__main__":
    main()
