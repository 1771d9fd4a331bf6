"""``--certify`` against the exact hourly solve on each single-city 2030 case (cases/README.md's table).

    python -m benchmarks.certify_cities [--cases cases/chengdu_2030.yaml,...] [--out benchmarks/results/certify_cities]

Per case, in this process one after the other: the exact hourly solve (``gridplan.solve(case, resolution=1,
typical_days=0)``, gridplan's own choice of HiGHS interior point) and ``certify(case)`` (its defaults: blocks
of at most 8 h, weekly windows on 2 processes); wall times around each call (load included), the bracket,
whether the hourly optimum lies in it (to 1e-7 of the upper bound: HiGHS' tolerances), and the load average
at each start. Writes ``<out>.json`` and ``<out>.md``.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

CASES = [f"cases/{c}_2030.yaml" for c in ("chengdu", "mianyang", "leshan", "guangyuan", "panzhihua")]


def measure(path: str, exact: bool = True) -> dict:
    import gridplan
    from gridplan.batch.certify import certify
    row = {"case": Path(path).stem, "load_exact": os.getloadavg()[0]}
    res = None
    if exact:
        t = time.perf_counter()
        res = gridplan.solve(path, resolution=1, typical_days=0)
        row.update(exact_cny=res.objective, exact_s=time.perf_counter() - t, exact_solver=res.facts["solver"],
                   rows=res.facts["rows"])
    row["load_certify"] = os.getloadavg()[0]
    t = time.perf_counter()
    try:
        cert = certify(path)
    except gridplan.SolveError as exc:
        row.update(certify_error=str(exc), certify_s=time.perf_counter() - t)
        return row
    row.setdefault("rows", cert.hourly.facts["rows"])
    row.update(certify_s=time.perf_counter() - t, lower_cny=cert.lower, upper_cny=cert.upper, gap=cert.gap,
               inside=cert.contains(res.objective) if res is not None else None, repairs=cert.repairs,
               merges=cert.merges,
               lost_load_mwh=cert.lost_load()["mwh"], **{f"cert_{k}": v for k, v in cert.seconds.items()})
    return row


def markdown(rows: list[dict]) -> str:
    head = ("| case | rows (hourly) | exact hourly (bn CNY) | exact s | lower (bn CNY) | upper (bn CNY) | gap | "
            "certify s (bound / dispatch) | certify / exact | hourly optimum inside | load at start |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|\n")
    lines = []
    for r in rows:
        if "exact_s" not in r:      # the exact solve not run (or not finished: r["exact_note"])
            r = {**r, "exact_cny": float("nan"), "exact_s": float("nan")}
        if "certify_error" in r:
            lines.append(f"| {r['case']} | {r['rows']:,} | {r['exact_cny'] / 1e9:.4f} | {r['exact_s']:.0f} | "
                         f"no certificate: {r['certify_error']} | | | {r['certify_s']:.0f} | | | {r['load_exact']:.1f} |")
            continue
        lines.append(f"| {r['case']} | {r['rows']:,} | {r['exact_cny'] / 1e9:.4f} | {r['exact_s']:.0f} | "
                     f"{r['lower_cny'] / 1e9:.4f} | {r['upper_cny'] / 1e9:.4f} | {r['gap']:.3%} | "
                     f"{r['certify_s']:.0f} ({r['cert_bound_s']:.0f} / {r['cert_dispatch_s']:.0f}) | "
                     f"{r['certify_s'] / r['exact_s']:.2f} | "
                     f"{r.get('exact_note') or ('yes' if r['inside'] else '**no**')} | "
                     f"{r['load_exact']:.1f} / {r['load_certify']:.1f} |")
    return (head + "\n".join(lines) + "\n").replace("| nan |", "| — |").replace("| nan |", "| — |")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--out", default="benchmarks/results/certify_cities")
    ap.add_argument("--append", action="store_true", help="add to the rows already in <out>.json")
    ap.add_argument("--no-exact", default="", help="cases (stems) certified without the exact solve, with a note: "
                    "STEM=why,...")
    a = ap.parse_args(argv)
    rows = json.loads(Path(a.out + ".json").read_text()) if a.append else []
    skip = dict(item.split("=", 1) for item in a.no_exact.split(",") if item)
    for path in a.cases.split(","):
        rows.append(measure(path, exact=Path(path).stem not in skip))
        if Path(path).stem in skip:
            rows[-1]["exact_note"] = skip[Path(path).stem]
        print(json.dumps(rows[-1], default=str), flush=True)
        Path(a.out + ".json").write_text(json.dumps(rows, indent=1, default=str))
        Path(a.out + ".md").write_text(markdown(rows))
    print(markdown(rows))


if __name__ == "__main__":
    main()
