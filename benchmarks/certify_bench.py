"""``--certify`` against the exact hourly solve (gridplan's, HiPO) and PyPSA, plus time to accuracy.

Usage (from the repository root, in gridplan's venv; PyPSA pieces run in the bench venv)::

    python -m benchmarks.certify_bench --case cases/sichuan5_2030.yaml --out benchmarks/results/certify_sichuan5
    python -m benchmarks.certify_bench ... --pieces exact_free,certify_free,pypsa_resample_12 [--resume]
    python -m benchmarks.certify_bench --list --case cases/sichuan5_2030.yaml     # the default pieces

Every *piece* runs in a fresh subprocess, one at a time (``sys.executable`` for gridplan, ``--pypsa-python``
for PyPSA). Its wall time is measured inside the child around the whole piece, imports excluded:
load + prepare + build + solve (for PyPSA also gridplan's converter, which builds the network; its share is
reported as ``convert_s``). Each result is written to ``<out>.pieces/<piece>.json`` as soon as it ends
(``--resume`` skips the pieces already there), with the load average (``os.getloadavg()``) at its start; at the
end ``<out>.json`` and ``<out>.md`` hold the tables.

Pieces ("free": the case with its ``targets:`` removed, as ``benchmarks.vs_pypsa --drop-targets`` does, the
network PyPSA can also solve; "targets": the case as written):

* ``exact_targets``, ``exact_free``: ``gridplan.solve(case, resolution=1, typical_days=0)``;
* ``pypsa_hourly``: PyPSA's hourly solve of the free network (``benchmarks.vs_pypsa.work_pypsa``, the HiGHS
  options gridplan picks for the hourly LP: ``vs_pypsa.options_for_all``), objective in gridplan's convention;
* ``pypsa_resample_{r}``: the hourly PyPSA network resampled as pypsa-eur's ``average_every_nhours`` does
  (snapshots every r hours, every ``*_t`` input averaged with ``.resample(f"{r}h").mean()`` — stores'
  ``e_max_pu``/``e_min_pu`` by min/max as pypsa-eur —, weightings the summed hours), then solved. The rows
  PyPSA has no attribute for (storage durations, ramps, ties, ...) are those of
  ``to_pypsa(case, resolution=r)`` (gridplan's r-hour blocks: its r-hour snapshots are the resampled ones);
* ``gridplan_avg_{r}`` / ``gridplan_avg_targets_{r}``: ``gridplan.solve(case, resolution=r, typical_days=0)``;
* ``gridplan_td_{k}`` / ``gridplan_td_targets_{k}``: ``gridplan.solve(case, typical_days=k)``;
* ``certify_free`` / ``certify_targets`` (``_r{R}``: the bound's resolution R, default certify's own):
  ``gridplan.batch.certify.certify(case, resolution=R, workers=--workers)``.

The certified gap bounds the error of the certificate's upper bound (a feasible hourly solution's cost), so a
certify run counts in the time-to-accuracy table at every accuracy at least its gap, with no reference needed.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYPSA_PYTHON = "/work/bench-venv/bin/python"
SCRATCH = Path(os.environ.get("CERTBENCH_DIR", "/tmp/certbench"))
ACCURACIES = (0.01, 0.005, 0.001)
IN_BOUNDS_REL = 1e-7
GOAL_GAP, GOAL_RATIO, GOAL_ROUTE = 0.002, 0.15, 0.3


# ----------------------------------------------------------------------------- piece names

def parse_piece(name: str) -> dict:
    """A piece's name as what it runs: dict(kind, targets, resolution, typical_days, tool)."""
    if name in ("exact_targets", "exact_free"):
        return dict(kind="exact", targets=name.endswith("targets"), tool="gridplan")
    if name == "pypsa_hourly":
        return dict(kind="pypsa_hourly", targets=False, tool="pypsa")
    if m := re.fullmatch(r"pypsa_resample_(\d+)", name):
        return dict(kind="pypsa_resample", targets=False, resolution=int(m[1]), tool="pypsa")
    if m := re.fullmatch(r"gridplan_avg_(targets_)?(\d+)", name):
        return dict(kind="avg", targets=bool(m[1]), resolution=int(m[2]), tool="gridplan")
    if m := re.fullmatch(r"gridplan_td_(targets_)?(\d+)", name):
        return dict(kind="td", targets=bool(m[1]), typical_days=int(m[2]), tool="gridplan")
    if m := re.fullmatch(r"certify_(targets|free)(?:_r(\d+))?", name):
        return dict(kind="certify", targets=m[1] == "targets", resolution=int(m[2]) if m[2] else None,
                    tool="gridplan")
    raise SystemExit(f"certify_bench: unknown piece {name!r} (see --list)")


def default_pieces(a) -> list[str]:
    """Short pieces first, so that an interrupted run has the tables' cheap columns."""
    ints = lambda s: [int(v) for v in s.split(",") if v.strip()]          # noqa: E731
    avg, td, res, cres = ints(a.avg), ints(a.td), ints(a.resample), ints(a.certify_resolutions)
    out = []
    for r in sorted(avg, reverse=True):
        out += [f"gridplan_avg_{r}", f"gridplan_avg_targets_{r}"]
    for k in sorted(td):
        out += [f"gridplan_td_{k}", f"gridplan_td_targets_{k}"]
    out += ["certify_free", "certify_targets"]
    for r in cres:
        out += [f"certify_free_r{r}", f"certify_targets_r{r}"]
    out += [f"pypsa_resample_{r}" for r in sorted(res, reverse=True)]
    out += ["exact_free", "exact_targets", "pypsa_hourly"]
    return out


# ----------------------------------------------------------------------------- the child

def _case(path: str, targets: bool):
    """The case, or without its targets exactly as benchmarks.vs_pypsa drops them (``--drop-targets``:
    ``case.model_copy(update={"targets": []})``; vs_pypsa has no function of its own for it)."""
    import gridplan
    case = gridplan.load_case(path)
    if not targets and case.targets:
        case = case.model_copy(update={"targets": []})
    return case


def _solve_facts(res) -> dict:
    f = res.facts
    keep = ("status", "solver", "rows", "cols", "nonzeros", "handoff_s", "solve_s", "prepare_s", "build_s",
            "ipm_iterations", "crossover_iterations", "simplex_iterations", "fallback", "dual_objective")
    out = {k: f[k] for k in keep if k in f}
    out["objective_model"] = f.get("objective")
    return out


def child_gridplan(spec: dict, a) -> dict:
    import highspy  # noqa: F401
    import gridplan
    from gridplan.batch.certify import certify
    t0 = time.perf_counter()
    case = _case(a.case, spec["targets"])
    if spec["kind"] == "certify":
        cert = certify(case, resolution=spec["resolution"], workers=a.workers)
        wall = time.perf_counter() - t0
        s = cert.summary()
        return dict(wall_s=wall, lower=cert.lower, upper=cert.upper, gap=cert.gap,
                    resolution=cert.resolution, seconds=cert.seconds, windows=cert.windows,
                    rounds=cert.rounds, full_year=cert.full_year, max_violation=cert.violation,
                    worst=cert.worst, plan=cert.plan, lost_load_mwh=s["lost_load_mwh"],
                    targets_hold_hourly=s["targets_hold_hourly"],
                    bound_facts={k: cert.bound.facts.get(k) for k in ("solver", "rows", "solve_s")},
                    hourly_rows=cert.hourly.facts.get("rows"))
    if spec["kind"] == "exact":
        res = gridplan.solve(case, resolution=1, typical_days=0)
    elif spec["kind"] == "avg":
        res = gridplan.solve(case, resolution=spec["resolution"], typical_days=0)
    else:
        res = gridplan.solve(case, typical_days=spec["typical_days"])
    wall = time.perf_counter() - t0
    return dict(wall_s=wall, objective=float(res.objective), facts=_solve_facts(res))


def options_main(a) -> None:
    """Print gridplan's HiGHS options for the free case at ``--resolution`` (vs_pypsa's way: prepare_inputs then
    options_for_all), as gridplan's own venv picks them (HiPO needs highspy-extras, which the PyPSA venv may lack)."""
    os.environ.setdefault("GRIDPLAN_BENCH_DIR", str(SCRATCH / "work"))
    Path(os.environ["GRIDPLAN_BENCH_DIR"]).mkdir(parents=True, exist_ok=True)
    from benchmarks.vs_pypsa import options_for_all, prepare_inputs
    from gridplan.solve import SolveOptions
    method = SolveOptions().method
    t = time.perf_counter()
    pkl, network, rows = prepare_inputs(f"certbench_options_{a.resolution}", Path(a.case), a.resolution, True)
    pkl.unlink(missing_ok=True)
    extra = options_for_all(method, "{}", network, rows)
    print(json.dumps(dict(extra=extra, method=method, gridplan_rows=rows, network=bool(network),
                          options_s=time.perf_counter() - t)))


def _highs_options_for(a, resolution: int) -> tuple[str, dict]:
    """gridplan's HiGHS options (from gridplan's venv, untimed) and the facts they were chosen from; an option
    this process's HiGHS refuses is replaced as gridplan itself would (HiPO → IPX, dualized on a network),
    and said so (``substituted``)."""
    import highspy
    cmd = [a.gridplan_python, "-m", "benchmarks.certify_bench", "options", "--case", str(a.case),
           "--resolution", str(resolution)]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"options from {a.gridplan_python}: {p.stderr[-1500:]}")
    how = json.loads(p.stdout.strip().splitlines()[-1])
    options = json.loads(how.pop("extra"))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    refused = [k for k, v in options.items() if h.setOptionValue(k, v) != highspy.HighsStatus.kOk]
    if refused:
        how["refused"] = {k: options[k] for k in refused}
        if refused == ["solver"] and options["solver"] == "hipo":
            options["solver"] = "ipx"
            if how["network"]:
                options["ipx_dualize_strategy"] = 1
            how["substituted"] = ("hipo → ipx: this HiGHS (highspy " + highspy.Highs().version()
                                  + ") has no HiPO (highspy-extras missing)")
        else:
            raise RuntimeError(f"this HiGHS refuses the options {how['refused']}")
    return json.dumps(options), how


def _versions_pypsa() -> dict:
    from importlib.metadata import version
    return {p: version(p) for p in ("pypsa", "linopy", "highspy")}


def child_pypsa_hourly(spec: dict, a) -> dict:
    from types import SimpleNamespace
    import highspy  # noqa: F401
    import linopy  # noqa: F401
    import pypsa  # noqa: F401
    import gridplan  # noqa: F401
    from benchmarks import to_pypsa as _tp  # noqa: F401
    from benchmarks.vs_pypsa import work_pypsa
    from gridplan.case.convert import MONEY
    extra, how = _highs_options_for(a, 1)
    ns = SimpleNamespace(case=a.case, drop_targets=True, resolution=1, pypsa_e2e=False, method=how["method"],
                         extra=extra, solve=True)
    t0 = time.perf_counter()
    out = work_pypsa(ns)
    wall = time.perf_counter() - t0
    return dict(wall_s=wall, objective=out["objective"] / MONEY, objective_model=out["objective"],
                pypsa_only_s=sum(out.get(k, 0.0) for k in ("build_s", "handoff_s", "solve_s", "post_s")),
                worker=out, highs_options=json.loads(extra), options_from=how, versions=_versions_pypsa())


def resample_network(n, r: int):
    """pypsa-eur's ``average_every_nhours`` on ``n`` in place: snapshots every ``r`` hours, every time-varying
    input averaged over its block (stores' e_max_pu by min, e_min_pu by max), weightings summed."""
    import pandas as pd
    offset = f"{r}h"
    if not isinstance(n.snapshots, pd.DatetimeIndex):
        raise TypeError(f"resample_network: snapshots are a {type(n.snapshots).__name__}, not a DatetimeIndex")
    weightings = n.snapshot_weightings.resample(offset).sum()
    frames = {}
    for c in n.components:
        for k, df in c.dynamic.items():
            if df.empty:
                continue
            if c.list_name == "stores" and k == "e_max_pu":
                frames[(c.list_name, k)] = df.resample(offset).min()
            elif c.list_name == "stores" and k == "e_min_pu":
                frames[(c.list_name, k)] = df.resample(offset).max()
            else:
                frames[(c.list_name, k)] = df.resample(offset).mean()
    n.set_snapshots(weightings.index)
    n.snapshot_weightings = weightings
    for (list_name, k), df in frames.items():
        getattr(n, f"{list_name}_t")[k] = df
    return n


def child_pypsa_resample(spec: dict, a) -> dict:
    import highspy  # noqa: F401
    import linopy
    import pypsa
    import gridplan  # noqa: F401
    from benchmarks.vs_pypsa import _run
    from gridplan.case.convert import MONEY
    from gridplan.interop.to_pypsa import to_pypsa
    pypsa.options.params.optimize.include_objective_constant = True
    r = spec["resolution"]
    extra, how = _highs_options_for(a, r)
    options = json.loads(extra)
    out = {}
    t0 = time.perf_counter()
    case = _case(a.case, False)
    hourly = to_pypsa(case, resolution=1, money="model")          # the hourly network
    n = hourly.network
    t1 = time.perf_counter()
    resample_network(n, r)
    t2 = time.perf_counter()
    rows = to_pypsa(case, resolution=r, money="model")            # the extra rows on r-hour snapshots
    if len(rows.network.snapshots) != len(n.snapshots) or not (rows.network.snapshots == n.snapshots).all():
        raise RuntimeError(f"resampled snapshots ({len(n.snapshots)}) differ from gridplan's {r}-hour ones "
                           f"({len(rows.network.snapshots)}): the extra rows would not fit")
    offset = hourly.objective_constant
    t3 = time.perf_counter()
    m = n.optimize.create_model(include_objective_constant=True)
    t4 = time.perf_counter()
    rows.extra_functionality(n, n.snapshots)
    t5 = time.perf_counter()
    h = linopy.io.to_highspy(m)
    for k, v in options.items():
        h.setOptionValue(k, v)
    h.setOptionValue("output_flag", False)
    t6 = time.perf_counter()
    _run(h, out)
    wall = time.perf_counter() - t0
    lp = h.getLp()
    objective_model = out["objective"] + float(n.objective_constant) + offset
    return dict(wall_s=wall, objective=objective_model / MONEY, objective_model=objective_model,
                convert_s=t1 - t0, resample_s=t2 - t1, rows_export_s=t3 - t2, create_model_s=t4 - t3,
                extra_rows_s=t5 - t4, handoff_s=t6 - t5, solve_s=out["solve_s"], post_s=out["post_s"],
                pypsa_only_s=(t2 - t1) + (t6 - t3) + out["solve_s"] + out["post_s"],
                status=out["status"], ipm_iterations=out["ipm_iterations"],
                simplex_iterations=out["simplex_iterations"], rows=int(lp.num_row_), cols=int(lp.num_col_),
                snapshots=len(n.snapshots), offset_hourly=offset, offset_r=rows.objective_constant,
                highs_options=options, options_from=how, versions=_versions_pypsa())


def child_main(a) -> None:
    spec = parse_piece(a.piece)
    os.environ.setdefault("GRIDPLAN_BENCH_DIR", str(SCRATCH / "work"))   # vs_pypsa's scratch (read at import)
    Path(os.environ["GRIDPLAN_BENCH_DIR"]).mkdir(parents=True, exist_ok=True)
    fn = {"pypsa_hourly": child_pypsa_hourly, "pypsa_resample": child_pypsa_resample}.get(spec["kind"], child_gridplan)
    res = fn(spec, a)
    res.update(piece=a.piece, spec=spec)
    Path(a.result).write_text(json.dumps(res, indent=1, default=_plain))


def _plain(v):
    if hasattr(v, "item"):
        return v.item()
    if hasattr(v, "tolist"):
        return v.tolist()
    return str(v)


# ----------------------------------------------------------------------------- the driver

def run_piece(name: str, a, pieces_dir: Path) -> dict:
    spec = parse_piece(name)
    python = a.pypsa_python if spec["tool"] == "pypsa" else sys.executable
    result = pieces_dir / f"{name}.result.tmp"
    log = pieces_dir / f"{name}.log"
    cmd = [python, "-m", "benchmarks.certify_bench", "piece", name, "--case", str(a.case), "--result", str(result),
           "--workers", str(a.workers), "--gridplan-python", sys.executable]
    load = os.getloadavg()
    started = _dt.datetime.now().isoformat(timespec="seconds")
    t = time.perf_counter()
    error = None
    with open(log, "w") as f:
        p = subprocess.Popen(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = p.wait(timeout=a.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)          # the child and its pool (its own session)
            p.wait()
            rc, error = None, f"timeout after {a.timeout:.0f} s"
        except BaseException:                         # Ctrl-C: the child's session gets no SIGINT of its own
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            raise
    elapsed = time.perf_counter() - t
    if error is None and (rc != 0 or not result.exists()):
        tail = log.read_text(errors="replace").strip().splitlines()[-15:]
        error = f"exit {rc}: " + "\n".join(tail)
    res = json.loads(result.read_text()) if error is None else dict(piece=name, spec=spec, error=error)
    result.unlink(missing_ok=True)
    res.update(load_at_start=list(load), started=started, process_s=elapsed, command=cmd)
    (pieces_dir / f"{name}.json").write_text(json.dumps(res, indent=1, default=_plain))
    return res


def versions(a) -> dict:
    from importlib.metadata import PackageNotFoundError, version
    out = {}
    try:
        out["gridplan_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                                text=True, timeout=30).stdout.strip() or "unknown"
    except Exception:                                    # noqa: BLE001
        out["gridplan_commit"] = "unknown"
    for p in ("gridplan", "highspy"):
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            out[p] = "not installed"
    try:
        code = ("import json; from importlib.metadata import version as v; "
                "print(json.dumps({p: v(p) for p in ('pypsa', 'linopy', 'highspy')}))")
        pv = json.loads(subprocess.run([a.pypsa_python, "-c", code], capture_output=True, text=True,
                                       timeout=60).stdout)
        out.update(pypsa=pv["pypsa"], linopy=pv["linopy"], highspy_pypsa_venv=pv["highspy"])
    except Exception as exc:                             # noqa: BLE001
        out.update(pypsa=f"unknown ({type(exc).__name__})", linopy="unknown")
    out["python"] = sys.version.split()[0]
    out["cpus"] = os.cpu_count()
    return out


# ----------------------------------------------------------------------------- the tables

def ok(r):
    return r is not None and "error" not in r


def bn(v):
    return "—" if v is None else f"{v / 1e9:,.6f}"


def sec(v):
    return "—" if v is None else f"{v:,.1f}"


def pct(v, nd=3):
    return "—" if v is None else f"{100 * v:.{nd}f} %"


def rel(a_, b_):
    return abs(a_ - b_) / abs(b_)


def certify_table(results: dict) -> tuple[str, list]:
    rows_json = []
    lines = ["| case | exact hourly obj. (bn CNY) | exact wall s | exact solver | certify run | lower (bn CNY) | "
             "upper (bn CNY) | gap | certify wall s | certify/exact time | exact ∈ [lower, upper] | "
             "PyPSA hourly wall s | PyPSA hourly obj. (bn CNY) | PyPSA vs gridplan exact obj. | goals |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for label, tag in (("with targets", "targets"), ("without targets", "free")):
        ex = results.get(f"exact_{tag}")
        py = results.get("pypsa_hourly") if tag == "free" else None
        certs = sorted((k for k in results if parse_piece(k)["kind"] == "certify" and
                        parse_piece(k)["targets"] == (tag == "targets")), key=lambda k: (len(k), k)) or [None]
        for ck in certs:
            c = results.get(ck) if ck else None
            exv = ex["objective"] if ok(ex) else None
            exw = ex["wall_s"] if ok(ex) else None
            row = dict(case=label, exact_objective=exv, exact_wall_s=exw, certify=ck)
            cells = [label, bn(exv) if ok(ex) else _why(ex), sec(exw), ex["facts"].get("solver", "—") if ok(ex) else "—"]
            if ok(c):
                ratio = c["wall_s"] / exw if exw else None
                inside = (c["lower"] - IN_BOUNDS_REL * abs(c["upper"]) <= exv <= c["upper"] + IN_BOUNDS_REL * abs(c["upper"])
                          if exv is not None else None)
                row.update(lower=c["lower"], upper=c["upper"], gap=c["gap"], certify_wall_s=c["wall_s"], ratio=ratio,
                           exact_inside=inside, resolution=c["resolution"])
                goals = []
                goals.append(f"gap {'✓' if c['gap'] <= GOAL_GAP else '✗'}")
                if ratio is not None:
                    goals.append(f"time {'✓' if ratio <= GOAL_RATIO else '✗'}")
                if inside is not None:
                    goals.append(f"inside {'✓' if inside else '✗'}")
                cells += [f"{ck} ({c['resolution']} h)", bn(c["lower"]), bn(c["upper"]), pct(c["gap"]), sec(c["wall_s"]),
                          "—" if ratio is None else f"{ratio:.3f}",
                          "—" if inside is None else ("yes" if inside else "**no**")]
            else:
                goals = []
                cells += [ck or "—", _why(c) if ck else "—", "—", "—", "—", "—", "—"]
            if tag == "free":
                agree = rel(py["objective"], exv) if ok(py) and exv is not None else None
                row.update(pypsa_wall_s=py["wall_s"] if ok(py) else None, pypsa_objective=py["objective"] if ok(py) else None,
                           pypsa_vs_gridplan=agree)
                if agree is not None:
                    goals.append(f"agree {'✓' if agree <= 1e-6 else '✗'}")
                sub = " (**IPX: gridplan's HiPO refused**)" if ok(py) and py.get("options_from", {}).get("substituted") else ""
                cells += [sec(py["wall_s"]) + sub if ok(py) else _why(py), bn(py["objective"]) if ok(py) else "—",
                          "—" if agree is None else f"{agree:.1e}"]
            else:
                cells += ["n/a", "n/a", "n/a"]
            cells.append(", ".join(goals) or "—")
            lines.append("| " + " | ".join(cells) + " |")
            rows_json.append(row)
    note = (f"Goals: gap ≤ {100 * GOAL_GAP:.1f} %, certify ≤ {GOAL_RATIO}× the exact hourly solve's wall time, "
            f"exact ∈ [lower, upper] to {IN_BOUNDS_REL:g} of the upper bound, PyPSA = gridplan to 1e-6.")
    return "\n".join(lines) + "\n\n" + note, rows_json


def _why(r):
    if r is None:
        return "not run"
    if "error" in r:
        return "error: " + _last(r["error"])[:80].replace("|", "/")
    return "—"


def _last(text: str) -> str:
    """The last non-empty line (an exception's message under its traceback), with its "exit N:" head."""
    lines = [x for x in text.strip().splitlines() if x.strip()]
    head = text.split(":", 1)[0] if text.startswith("exit") else ""
    return (f"{head}: " if head and len(lines) > 1 else "") + (lines[-1].strip() if lines else "")


def _best(cands):
    """The fastest (wall s) of (label, wall, detail) candidates, or None."""
    return min(cands, key=lambda c: c[1]) if cands else None


def accuracy_table(results: dict, tag: str) -> tuple[str, list]:
    free = tag == "free"
    ex = results.get(f"exact_{tag}")
    ref, ref_from = (ex["objective"], f"exact_{tag}") if ok(ex) else (None, None)
    if ref is None and free and ok(results.get("pypsa_hourly")):
        ref, ref_from = results["pypsa_hourly"]["objective"], "pypsa_hourly"
    kinds = lambda kind, tool="gridplan": [(k, r) for k, r in results.items() if ok(r) and r["spec"]["kind"] == kind  # noqa: E731
                                          and r["spec"]["targets"] == (not free)]
    avg, td, cert = kinds("avg"), kinds("td"), kinds("certify")
    pyr = kinds("pypsa_resample") if free else []
    # no hourly optimum solved: the tightest certified bracket [L, U] stands in for it, and a run's error
    # is the largest distance from the hourly optimum that the bracket allows, max(o − L, U − o) / L
    bracket = min((r for _, r in cert), key=lambda r: r["gap"], default=None) if ref is None else None
    if bracket is not None:
        lo_, up_ = bracket["lower"], bracket["upper"]
        rel = lambda o, _ref: max(o - lo_, up_ - o) / lo_  # noqa: E731
        ref, ref_from = (lo_ + up_) / 2, (f"no hourly optimum solved: the certified bracket of "
                                         f"{bracket['piece']} [{lo_ / 1e9:,.6f}, {up_ / 1e9:,.6f}] bn CNY; an error "
                                         "is the most the bracket allows, max(o − lower, upper − o) / lower; its middle")
    else:
        rel = globals()["rel"]
    header = ["accuracy", "gridplan averaging", "gridplan typical days", "gridplan certify", "gridplan best"]
    if free:
        header += ["PyPSA resampling best", "gridplan best / PyPSA best"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out = []

    def by_error(items, label):
        if ref is None:
            return []
        return [(f"{label(r)}", r["wall_s"], rel(r["objective"], ref)) for _, r in items if rel(r["objective"], ref) <= acc]

    for acc in ACCURACIES:
        a_ = _best(by_error(avg, lambda r: f"{r['spec']['resolution']} h"))
        t_ = _best(by_error(td, lambda r: f"{r['spec']['typical_days']} days"))
        c_ = _best([(f"{k.removeprefix('certify_')} ({r['resolution']} h)", r["wall_s"], r["gap"])
                    for k, r in cert if r["gap"] <= acc])
        routes = [(name, x) for name, x in (("averaging", a_), ("typical days", t_), ("certify", c_)) if x]
        g_ = min(routes, key=lambda nx: nx[1][1]) if routes else None
        p_ = _best(by_error(pyr, lambda r: f"{r['spec']['resolution']} h"))
        cell = lambda x, items, err="err": (_na(items, ref is not None or err == "gap") if x is None  # noqa: E731
                                            else f"{x[0]}: {x[1]:,.1f} s ({err} {100 * x[2]:.3f} %)")
        cells = [f"{100 * acc:g} %", cell(a_, avg), cell(t_, td), cell(c_, cert, "gap"),
                 (("not reached" if (ref is not None and (avg or td)) or cert else "—") if g_ is None
                  else f"{g_[0]}, {g_[1][0]}: {g_[1][1]:,.1f} s")]
        row = dict(accuracy=acc, averaging=a_, typical_days=t_, certify=c_, best=g_)
        if free:
            ratio = g_[1][1] / p_[1] if g_ and p_ else None
            if ratio is not None:
                rc = f"{ratio:.3f} {'✓' if ratio <= GOAL_ROUTE else '✗'}"
            elif g_ and pyr and ref is not None:
                rc = "PyPSA not reached"
            elif p_ and not g_:
                rc = "gridplan not reached"
            else:
                rc = "—"
            cells += [cell(p_, pyr), rc]
            row.update(pypsa=p_, ratio=ratio)
        lines.append("| " + " | ".join(cells) + " |")
        out.append(row)
    runs = _runs_line(results, tag, ref, rel)
    note = (f"Reference: {ref_from or 'none (no exact hourly objective: errors of averaging/typical days unknown)'}"
            + (f" = {ref / 1e9:,.6f} bn CNY" if ref is not None else "") + ". Each cell: the fastest run (wall s) whose "
            "|objective − hourly optimum| / hourly optimum ≤ the accuracy (certify: whose certified gap is, which bounds "
            "its upper bound's error); 'not reached': none of the runs does; 'not run': no such run."
            + (f" Goal: gridplan best ≤ {GOAL_ROUTE}× PyPSA best." if free else ""))
    return "\n".join(lines) + "\n\n" + note + "\n\n" + runs, out


def _na(items, have_ref):
    if not items:
        return "not run"
    return "not reached" if have_ref else "no reference"


def _runs_line(results: dict, tag: str, ref, rel=rel) -> str:
    """All reduced runs of this case: wall s and error."""
    lines = ["| run | wall s | objective (bn CNY) | error vs hourly | load at start |", "|---|---|---|---|---|"]
    n0 = len(lines)
    for k, r in results.items():
        sp = r["spec"]
        if sp["kind"] in ("exact", "pypsa_hourly") or sp["targets"] != (tag == "targets"):
            continue
        if not ok(r):
            lines.append(f"| {k} | {_why(r)} | — | — | {_load(r)} |")
            continue
        if sp["kind"] == "certify":
            err = (f"gap {pct(r['gap'])}; upper's error " + (pct(rel(r["upper"], ref)) if ref else "—"))
            lines.append(f"| {k} | {sec(r['wall_s'])} | [{bn(r['lower'])}, {bn(r['upper'])}] | {err} | {_load(r)} |")
        else:
            err = pct(rel(r["objective"], ref)) if ref else "—"
            extra = f" (PyPSA-only {sec(r.get('pypsa_only_s'))} s)" if sp["tool"] == "pypsa" else ""
            lines.append(f"| {k} | {sec(r['wall_s'])}{extra} | {bn(r['objective'])} | {err} | {_load(r)} |")
    if len(lines) == n0:
        lines.append("| (no reduced runs) | | | | |")
    return "\n".join(lines)


def _load(r):
    la = r.get("load_at_start")
    return "—" if not la else " ".join(f"{v:.2f}" for v in la)


def pieces_table(results: dict) -> str:
    lines = ["| piece | wall s | detail | load at start (1/5/15 min) |", "|---|---|---|---|"]
    for k, r in results.items():
        if not ok(r):
            lines.append(f"| {k} | {_why(r)} | | {_load(r)} |")
            continue
        if r["spec"]["kind"] == "certify":
            s = r["seconds"]
            d = (f"bound {s['bound_s']:.1f} s ({r['bound_facts'].get('solver')}), plan {s['plan_s']:.1f}, hourly build "
                 f"{s['hourly_build_s']:.1f}, dispatch {s['dispatch_s']:.1f} ({r['windows']} windows, {r['rounds']} "
                 f"rounds{', full year: ' + r['full_year'] if r['full_year'] else ''}), check {s['check_s']:.1f}; "
                 f"violation {r['max_violation']:.1e}")
        elif r["spec"]["tool"] == "pypsa":
            w = r.get("worker", r)
            d = (f"convert {w.get('convert_s', 0):.1f} s, PyPSA-only {r['pypsa_only_s']:.1f} s (solve {w['solve_s']:.1f} s), "
                 f"{w.get('rows', '?'):,} rows, HiGHS {r['highs_options'].get('solver')}")
            if r["spec"]["kind"] == "pypsa_resample":
                d += f", {r['snapshots']} snapshots"
            if r.get("options_from", {}).get("substituted"):
                d += f"; **{r['options_from']['substituted']}**"
        else:
            f = r["facts"]
            d = (f"{f.get('solver')} {f.get('rows', 0):,} rows, solve {f.get('solve_s', 0):.1f} s, "
                 f"prepare {f.get('prepare_s', 0):.1f} s, build {f.get('build_s', 0):.1f} s, hand-off {f.get('handoff_s', 0):.1f} s")
        lines.append(f"| {k} | {sec(r['wall_s'])} | {d} | {_load(r)} |")
    return "\n".join(lines)


def report(a, results: dict, argv: list[str]) -> None:
    ver = versions(a)
    cert_md, cert_rows = certify_table(results)
    acc_free_md, acc_free = accuracy_table(results, "free")
    acc_t_md, acc_t = accuracy_table(results, "targets")
    date = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    cmd = "python -m benchmarks.certify_bench " + " ".join(argv)
    md = [f"# `--certify` vs the hourly solve: {Path(a.case).stem}", "",
          f"Command: `{cmd}`  ", f"Date: {date}  ",
          "Versions: " + ", ".join(f"{k} {v}" for k, v in ver.items()), "",
          *([f"**Note**: gridplan's highspy ({ver.get('highspy')}) and the PyPSA venv's "
             f"({ver.get('highspy_pypsa_venv')}) differ: the two tools ran different HiGHS versions.", ""]
            if ver.get("highspy_pypsa_venv") not in (None, ver.get("highspy")) else []),
          *([f"**Note**: PyPSA ran without gridplan's HiGHS options in "
             f"{', '.join(k for k, r in results.items() if ok(r) and r.get('options_from', {}).get('substituted'))}: "
             "its HiGHS refused HiPO (no highspy-extras in the PyPSA venv), IPX instead (as gridplan would without it).", ""]
            if any(ok(r) and r.get("options_from", {}).get("substituted") for r in results.values()) else []),
          "## Certified gap and time against the exact hourly solve", "", cert_md, "",
          "## Time to accuracy: without targets (the network PyPSA solves too)", "", acc_free_md, "",
          "## Time to accuracy: with targets (gridplan only)", "", acc_t_md, "",
          "## Pieces", "", "Wall s: measured in the child around load + prepare + build + solve (imports excluded; "
          "PyPSA's includes gridplan's converter, `convert`).", "", pieces_table(results), ""]
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text("\n".join(md))
    out.with_suffix(".json").write_text(json.dumps(dict(command=cmd, date=date, versions=ver, case=str(a.case),
                                                        certify=cert_rows, accuracy_free=acc_free,
                                                        accuracy_targets=acc_t, pieces=results),
                                                   indent=1, default=_plain))
    print(f"wrote {out.with_suffix('.md')} and {out.with_suffix('.json')}")


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", nargs="?", default="run", choices=["run", "piece", "options"])
    ap.add_argument("piece", nargs="?", help=argparse.SUPPRESS)
    ap.add_argument("--case", default="cases/sichuan5_2030.yaml")
    ap.add_argument("--out", default=None, help="results prefix: <out>.json, <out>.md, <out>.pieces/")
    ap.add_argument("--pieces", default=None, help="comma list of pieces (default: all, see --list)")
    ap.add_argument("--resume", action="store_true", help="skip pieces whose <out>.pieces/<piece>.json exists")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per piece (default 3600)")
    ap.add_argument("--workers", type=int, default=2, help="certify's dispatch processes (default 2)")
    ap.add_argument("--pypsa-python", default=PYPSA_PYTHON, help=f"Python with PyPSA (default {PYPSA_PYTHON})")
    ap.add_argument("--avg", default="2,3,4,6,12", help="gridplan averaging resolutions of the default pieces")
    ap.add_argument("--td", default="12,24,48", help="typical days of the default pieces")
    ap.add_argument("--resample", default="2,3,4,6,12", help="PyPSA resampling hours of the default pieces")
    ap.add_argument("--certify-resolutions", default="", help="extra certify bound resolutions (certify_*_r{R})")
    ap.add_argument("--list", action="store_true", help="print the default pieces and exit")
    ap.add_argument("--report-only", action="store_true", help="write the tables from <out>.pieces/ only")
    ap.add_argument("--result", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--gridplan-python", default=sys.executable, help=argparse.SUPPRESS)
    ap.add_argument("--resolution", type=int, default=1, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.mode == "piece":
        child_main(a)
        return
    if a.mode == "options":
        options_main(a)
        return
    names = [p.strip() for p in a.pieces.split(",") if p.strip()] if a.pieces else default_pieces(a)
    for p in names:
        parse_piece(p)
    if a.list:
        print("\n".join(names))
        return
    if not a.out:
        ap.error("--out is required")
    pieces_dir = Path(a.out + ".pieces")
    pieces_dir.mkdir(parents=True, exist_ok=True)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in names:
        done = pieces_dir / f"{name}.json"
        if (a.resume or a.report_only) and done.exists():
            results[name] = json.loads(done.read_text())
            print(f"{name:>28}: kept from {done}", flush=True)
            continue
        if a.report_only:
            continue
        print(f"{name:>28}: running (load {' '.join(f'{v:.2f}' for v in os.getloadavg())}) ...", flush=True)
        r = run_piece(name, a, pieces_dir)
        results[name] = r
        msg = _last(r["error"]) if "error" in r else (
            f"wall {r['wall_s']:.1f} s, " + (f"gap {100 * r['gap']:.3f} %" if "gap" in r else f"obj {r['objective']:.6e} CNY"))
        print(f"{name:>28}: {msg}", flush=True)
    # pieces of this output from earlier runs (not asked for this time) still count in the tables
    for f in sorted(pieces_dir.glob("*.json")):
        if f.stem not in results:
            try:
                parse_piece(f.stem)
                results[f.stem] = json.loads(f.read_text())
            except (SystemExit, ValueError):
                pass
    report(a, results, argv)


if __name__ == "__main__":
    main()
