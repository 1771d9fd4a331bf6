"""Solve cases/sichuan5_2030.yaml at 12 typical days once per set of HiGHS options, one line each.

    python benchmarks/highs_option_trials.py '[{}, {"ipx_dualize_strategy": 0}, {"_dualize": "off"}]'

The argument is a JSON list of option dicts handed to HiGHS as ``SolveOptions.extra``; the key
``_dualize`` sets gridplan's own ``dualize`` instead. Each line gives the wall time, the solve
time, IPM iterations and the objective, so settings can be compared in one sitting
(benchmarks/README.md, "Five-city 2030 with every city's targets").
"""
from __future__ import annotations

import json
import sys
import time

import gridplan


def main() -> None:
    case = gridplan.load_case("cases/sichuan5_2030.yaml")
    for extra in json.loads(sys.argv[1]):
        dualize = extra.pop("_dualize", "auto")
        t0 = time.perf_counter()
        res = gridplan.solve(case, typical_days=12, extra=extra, dualize=dualize)
        f = res.facts
        print(json.dumps(extra), f"dualize={dualize}", f"{time.perf_counter() - t0:.1f} s",
              f"solve {f['solve_s']:.1f} s", f"ipm iterations {f['ipm_iterations']}",
              f"objective {res.objective:.10e}", flush=True)


if __name__ == "__main__":
    main()
