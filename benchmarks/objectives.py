"""Every shipped case's objective, to prove that a refactor changes no answer.

    python benchmarks/objectives.py --write benchmarks/results/objectives_reference.json   # record
    python benchmarks/objectives.py --check benchmarks/results/objectives_reference.json   # compare

Solves each ``cases/*.yaml`` at 24-hour snapshots and at 12 typical days, plainly and in
elastic mode (so a case whose hard targets cannot be met still gets a number), and
records status, objective (CNY), rows and columns. ``--check`` re-solves and fails (exit 1)
when a status differs or an objective differs by more than ``--rtol`` (default 1e-9)
relative. The reference file was written by the code *before* the change under test, so
the comparison is against an independent run, not against the code being checked.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = {"24h": {"resolution": 24}, "12td": {"typical_days": 12}}


def measure(cases: list[Path]) -> dict:
    import gridplan

    out = {}
    for path in cases:
        case = gridplan.load_case(path)
        for label, kw in SETTINGS.items():
            for elastic in (False, True):
                key = f"{path.stem}|{label}|{'elastic' if elastic else 'plain'}"
                t0 = time.perf_counter()
                res = gridplan.solve(case, elastic=elastic, raise_on_failure=False, **kw)
                out[key] = {"status": res.status,
                            "objective": res.objective if res.ok else None,
                            "rows": res.facts["rows"], "cols": res.facts["cols"]}
                print(f"{key:45s} {res.status:12s} "
                      f"{out[key]['objective'] if res.ok else float('nan'):>22,.4f}  "
                      f"{time.perf_counter() - t0:6.1f} s", flush=True)
    return out


def compare(ref: dict, now: dict, rtol: float) -> list[str]:
    problems = []
    for key, r in ref.items():
        n = now.get(key)
        if n is None:
            problems.append(f"{key}: not measured")
            continue
        if n["status"] != r["status"]:
            problems.append(f"{key}: status {n['status']} (reference {r['status']})")
        elif r["objective"] is not None:
            rel = abs(n["objective"] - r["objective"]) / max(1.0, abs(r["objective"]))
            if rel > rtol:
                problems.append(f"{key}: objective {n['objective']:.6f} vs {r['objective']:.6f} "
                                f"(relative {rel:.2e} > {rtol:g})")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", type=Path)
    g.add_argument("--check", type=Path)
    ap.add_argument("--rtol", type=float, default=1e-9)
    ap.add_argument("cases", nargs="*", type=Path)
    a = ap.parse_args(argv)
    cases = a.cases or sorted((ROOT / "cases").glob("*.yaml"))
    now = measure(cases)
    if a.write:
        a.write.write_text(json.dumps(now, indent=1) + "\n", encoding="utf-8")
        print(f"written {a.write}")
        return 0
    ref = json.loads(a.check.read_text(encoding="utf-8"))
    ref = {k: v for k, v in ref.items() if k.split("|")[0] in {c.stem for c in cases}}
    problems = compare(ref, now, a.rtol)
    worst = max((abs(now[k]["objective"] - v["objective"]) / max(1.0, abs(v["objective"]))
                 for k, v in ref.items() if v["objective"] is not None and now.get(k, {}).get("objective")
                 is not None), default=0.0)
    print(f"{len(ref)} runs compared; largest relative objective difference {worst:.2e}")
    for p in problems:
        print("DIFFERENT:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
