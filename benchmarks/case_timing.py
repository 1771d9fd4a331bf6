"""Time one shipped case at a time setting: prepare, build, solve, rows and columns, repeated.

    python benchmarks/case_timing.py cases/sichuan5_2030.yaml --typical-days 12 --repeat 3

Run it from two checkouts (``git worktree add /tmp/before <commit>``, then the same command with
``PYTHONPATH=/tmp/before`` from ``/tmp/before``) to compare a change's cost on the same machine
in one sitting; benchmarks/README.md records such before/after pairs. Prints one line per run and
the median of each figure. ``--extra`` hands HiGHS options over (``SolveOptions.extra``, a JSON
object) and ``--dualize`` sets gridplan's own choice, so settings can be compared on one case:

    python benchmarks/case_timing.py cases/sichuan5_2030.yaml --typical-days 12 --repeat 1 \
        --extra '{"ipx_dualize_strategy": 0}'
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import gridplan


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case")
    ap.add_argument("--typical-days", type=int, default=None)
    ap.add_argument("--resolution", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--extra", type=json.loads, default={}, help="HiGHS options as a JSON object")
    ap.add_argument("--dualize", choices=("auto", "on", "off"), default="auto")
    args = ap.parse_args()
    case = gridplan.load_case(args.case)
    runs = []
    for i in range(args.repeat):
        t0 = time.perf_counter()
        res = gridplan.solve(case, typical_days=args.typical_days, resolution=args.resolution,
                             extra=args.extra, dualize=args.dualize)
        total = time.perf_counter() - t0
        f = res.facts
        if not res.ok:
            print(f"run {i + 1}: {res.status} after {total:6.2f} s (no objective)", flush=True)
            continue
        parts = ", ".join(f"{k} {f[k]:.2f} s" for k in ("prepare_s", "build_s", "handoff_s", "solve_s") if k in f)
        runs.append(total)
        print(f"run {i + 1}: {res.status} total {total:6.2f} s ({parts}), rows {f['rows']:,}, cols {f['cols']:,}, "
              f"ipm iterations {f['ipm_iterations']}, objective {res.objective:,.0f}", flush=True)
    if not runs:
        raise SystemExit("no optimal run")
    print(f"median total {statistics.median(runs):.2f} s over {len(runs)} runs "
          f"({len(case.targets)} targets)")


if __name__ == "__main__":
    main()
