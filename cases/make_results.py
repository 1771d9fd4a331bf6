"""Solve the shipped cases and write the results table of cases/README.md (never by hand).

    python cases/make_results.py              # solve every cases/*.yaml, rewrite the table in cases/README.md
    python cases/make_results.py --check      # solve, compare with the README table: exit 1 if it differs
    python cases/make_results.py --cases leshan_2025 panzhihua_2025   # a subset: printed, README untouched

Every case is solved at 12 typical days (the headline figures) and at 24-hour snapshots (in
brackets), with the engine's default solver options and ``diagnose=True``: an infeasible case
is reported with its elastic solution (status ``infeasible-with-diagnosis``); any other
status or error is a row too, never a crash. Each target binding at 12 typical days is then
priced whole: the same case is solved without that one target and the difference of the
objectives (system cost + the penalties of missed strive targets: what the LP minimises, so
Δ >= 0) is the target's cost, Δ.

The table sits between ``<!-- results:begin -->`` and ``<!-- results:end -->`` in
cases/README.md, followed by its legend and the result of a 6-hour ``gridplan compare`` of
the five 2030 cities. ``--check`` compares every cell except the solve times (statuses,
binding sets, duals, Δs, costs, shares, shortfalls at the printed precision) and the compare
line. Progress goes to stderr. Paths are relative to this file, so it runs from any folder.
"""
from __future__ import annotations

import argparse
import datetime
import os
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import gridplan
from gridplan.batch.runs import one_line
from gridplan.case.input_hash import input_hashes
from gridplan.errors import SolveError, TargetsInfeasible
from gridplan.io import atomic_write

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
COMPARE_PREFIX = "Batch check:"

HEADLINE, BRACKET = "12 days", "24 h"
SETTINGS = {HEADLINE: {"typical_days": 12}, BRACKET: {"resolution": 24}}
"""The two runs of every case: keyword arguments of :func:`gridplan.solve`."""
COMPARE_RESOLUTION = 6
YI = 1e8   # CNY per 亿

COLUMNS = {
    "case": "case",
    "status": "status",
    "cost": "cost, 亿 CNY/yr",
    "non_fossil": "non-fossil electricity",
    "co2": "CO2, Mt",
    "exchange": "import / export, TWh",
    "curtailed": "curtailed, GWh",
    "binding": "binding targets (dual; Δ = total cost of the target, 亿 CNY/yr)",
    "missed": "missed (elastic / strive shortfall)",
    "time": "solve: 12 days / 24 h",
}
"""Table columns: key → header. ``--check`` compares every column but ``time``."""
UNCHECKED = ("time",)


# --------------------------------------------------------------------------- solving


@dataclass
class Run:
    """One solve of a case: its status label, the Results with a solution (the elastic one when
    ``infeasible-with-diagnosis``; None when there is none), wall seconds and any error line."""

    status: str
    res: object | None
    seconds: float
    error: str = ""


@dataclass
class TargetCost:
    """What one binding target costs: Δ system cost (CNY/yr; None when either run has no
    solution) and the status of the run without it."""

    id: str
    delta_cny: float | None
    status: str


def status_label(status: str) -> str:
    """A HiGHS status as the table spells it: ``optimal``, ``infeasible``, ``time-limit-reached``..."""
    return "optimal" if status == "Optimal" else "-".join(status.lower().split())


def solve_run(case, **settings) -> Run:
    """``gridplan.solve(case, diagnose=True, **settings)`` as a :class:`Run`; never raises."""
    t0 = time.perf_counter()
    try:
        res, status, error = gridplan.solve(case, diagnose=True, **settings), "optimal", ""
    except TargetsInfeasible as exc:
        res, status, error = exc.results, "infeasible-with-diagnosis", ""
    except SolveError as exc:
        res, status, error = None, status_label(exc.status), one_line(exc, 160)
    except Exception as exc:  # noqa: BLE001 - a case being edited, a bug: a row, not a crash
        res, status, error = None, "error", one_line(exc, 160)
    return Run(status, res, time.perf_counter() - t0, error)


def system_cost(res) -> float:
    """Annual cost (CNY) without target shortfall penalties (``Results.summary()``)."""
    return float(res.summary()["system_cost_cny"])


def binding_ids(res) -> list[str]:
    """The met targets the report calls binding, in the case's order. (A missed target's row is
    active too, at its shortfall price: it belongs to the missed column, with its shortfall.)"""
    if res is None or res.targets.empty:
        return []
    tg = res.targets
    return tg.loc[tg["binding"].astype(bool) & tg["met"].astype(bool), "id"].astype(str).tolist()


def without_target(case, target_id: str):
    """The same case without the one target ``target_id`` (the case's file path kept, so its
    relative paths resolve as before; nothing else changes)."""
    kept = [t for t in case.targets if t.id != target_id]
    if len(kept) != len(case.targets) - 1:
        raise KeyError(f"{case.name} has no target {target_id!r}")
    return case.model_copy(update={"targets": kept})


def objective_cost(res) -> float:
    """Annual cost (CNY) the LP minimises: system cost + strive penalties (``Results.summary()``).
    Dropping a target can only lower it, whereas the system cost alone may rise when a missed
    strive target's penalty falls."""
    return float(res.summary()["total_cost_cny"])


def target_cost(case, target_id: str, base: Run, **settings) -> TargetCost:
    """Δ = objective with the target (``base``) − objective of the case solved without it."""
    other = solve_run(without_target(case, target_id), **settings)
    if base.res is None or other.res is None:
        return TargetCost(target_id, None, other.status)
    return TargetCost(target_id, objective_cost(base.res) - objective_cost(other.res), other.status)


def log(name: str, run: str, status: str, seconds: float) -> None:
    """One progress line on stderr: case, run, status, seconds."""
    print(f"{name:16s} {run:40s} {status:26s} {seconds:6.1f} s", file=sys.stderr, flush=True)


def solve_case(path: Path) -> dict[str, str]:
    """Both runs of one case and the cost of each target binding at 12 typical days: its table row."""
    name = path.stem
    try:
        case = gridplan.load_case(path)
    except Exception as exc:  # noqa: BLE001 - the file is being rewritten, or broken
        failed = Run("error", None, 0.0, one_line(exc, 160))
        log(name, "load", failed.status, 0.0)
        return case_row(name, {HEADLINE: failed, BRACKET: failed}, [])
    runs = {}
    for label, settings in SETTINGS.items():
        runs[label] = solve_run(case, **settings)
        log(name, label, runs[label].status, runs[label].seconds)
    costs = []
    for tid in binding_ids(runs[HEADLINE].res):
        t0 = time.perf_counter()
        costs.append(target_cost(case, tid, runs[HEADLINE], **SETTINGS[HEADLINE]))
        log(name, f"{HEADLINE} without {tid}", costs[-1].status, time.perf_counter() - t0)
    return case_row(name, runs, costs)


# --------------------------------------------------------------------------- cells


def num(v: float) -> str:
    """A dual or shortfall: no decimals from 10 up, two below."""
    return f"{v:,.0f}" if abs(v) >= 10 else f"{v:.2f}"


def yi(cny: float, decimals: int) -> str:
    """CNY in 亿 at ``decimals``; a value that rounds to zero is 0, never -0."""
    text = f"{cny / YI:,.{decimals}f}"
    return text.lstrip("-") if float(text.replace(",", "")) == 0 else text


def headline_and_bracket(head: str, other: str) -> str:
    """``head`` alone when both runs agree, else ``head (other)``."""
    return head if head == other else f"{head} ({other})"


def cost_cell(runs: dict[str, Run]) -> str:
    head, other = (runs[k].res for k in (HEADLINE, BRACKET))
    return (f"{yi(system_cost(head), 1) if head is not None else '—'} "
            f"({yi(system_cost(other), 1) if other is not None else '—'})")


def delta_text(cost: TargetCost, base_status: str) -> str:
    if cost.delta_cny is None:
        return f"Δ n/a, without it {cost.status}"
    tail = "" if cost.status == base_status else f", without it {cost.status}"
    return f"Δ {yi(cost.delta_cny, 3)}{tail}"


def binding_cell(runs: dict[str, Run], costs: list[TargetCost]) -> str:
    """``id (dual unit; Δ x.xxx)`` per binding target at 12 typical days; the 24-h set when it differs."""
    head = runs[HEADLINE]
    if head.res is None:
        return "—"
    tg = head.res.targets.set_index("id")
    parts = [f"{c.id} ({num(tg.loc[c.id, 'dual'])} {tg.loc[c.id, 'dual_unit']}; {delta_text(c, head.status)})"
             for c in costs]
    text = ", ".join(parts) or "—"
    other = binding_ids(runs[BRACKET].res) if runs[BRACKET].res is not None else None
    if other is not None and other != [c.id for c in costs]:
        text += f" ({BRACKET}: {', '.join(other) or 'none'})"
    return text


def shortfall_text(r) -> str:
    amount = f"{100 * r['shortfall']:.2f} pp" if r["unit"] == "share" else f"{num(r['shortfall'])} {r['unit']}"
    strive = f" (strive, penalty {yi(r['penalty_cny'], 3)})" if r["hedge"] == "strive" else ""
    return f"{r['id']}: short {amount}{strive}"


def missed_cell(run: Run) -> str:
    """The unmet targets with their shortfall (strive ones with their penalty), or the run's error."""
    if run.res is None:
        return run.error or "—"
    tg = run.res.targets
    return ", ".join(shortfall_text(r) for _, r in tg[~tg["met"].astype(bool)].iterrows()) or "—"


def case_row(name: str, runs: dict[str, Run], costs: list[TargetCost]) -> dict[str, str]:
    head, other = runs[HEADLINE], runs[BRACKET]
    s = head.res.summary() if head.res is not None else None
    return {
        "case": name,
        "status": headline_and_bracket(head.status, other.status),
        "cost": cost_cell(runs),
        "non_fossil": f"{100 * s['non_fossil_electricity_share']:.1f} %" if s else "—",
        "co2": f"{s['emissions_t'] / 1e6:.2f}" if s else "—",
        "exchange": f"{s['import_mwh'] / 1e6:.2f} / {s['export_mwh'] / 1e6:.2f}" if s else "—",
        "curtailed": f"{s['curtailed_mwh'] / 1e3:,.0f}" if s else "—",
        "binding": binding_cell(runs, costs),
        "missed": missed_cell(head),
        "time": f"{head.seconds:.1f} s / {other.seconds:.1f} s",
    }


# --------------------------------------------------------------------------- the table


def clean(text: str) -> str:
    """A cell's text on one line with no column separator in it."""
    return " ".join(str(text).replace("|", "/").split())


def format_table(rows: list[dict[str, str]]) -> str:
    lines = ["| " + " | ".join(COLUMNS.values()) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(clean(row[k]) for k in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def parse_table(text: str) -> dict[str, dict[str, str]]:
    """The rows of a table written by :func:`format_table`, by case (header and rule skipped)."""
    out = {}
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != len(COLUMNS) or cells[0] == COLUMNS["case"] or set(cells[0]) <= set("-: "):
            continue
        out[cells[0]] = dict(zip(COLUMNS, cells))
    return out


def differences(recorded: dict, fresh: dict, every_case: bool) -> list[str]:
    """One line per checked cell that differs (and per case missing on either side)."""
    lines = []
    for name, row in fresh.items():
        old = recorded.get(name)
        if old is None:
            lines.append(f"{name}: not in the README table")
            continue
        lines += [f"{name}: {k}: README {old[k]!r}, now {row[k]!r}"
                  for k in COLUMNS if k not in UNCHECKED and old[k] != row[k]]
    if every_case:
        lines += [f"{name}: in the README table, but there is no cases/{name}.yaml"
                  for name in recorded if name not in fresh]
    return lines


def section(readme: str, markers: tuple[str, str] = (BEGIN, END)) -> str:
    """The text between the markers (ValueError when they are missing); the other tables of
    cases/README.md (make_network_table, make_hydro_years) pass their own."""
    begin, end_marker = markers
    start, end = readme.find(begin), readme.find(end_marker)
    if start < 0 or end < start:
        raise ValueError(f"{README}: no {begin} ... {end_marker} section")
    return readme[start + len(begin):end]


def replace_section(readme: str, body: str, markers: tuple[str, str] = (BEGIN, END)) -> str:
    section(readme, markers)   # both markers present
    start, end = readme.find(markers[0]) + len(markers[0]), readme.find(markers[1])
    return readme[:start] + "\n" + body.strip("\n") + "\n" + readme[end:]


def compare_line_of(text: str) -> str:
    return next((ln for ln in text.splitlines() if ln.startswith(COMPARE_PREFIX)), "")


# --------------------------------------------------------------------------- legend and compare


def compare_line(paths: list[Path]) -> str:
    """The result of ``gridplan compare <paths> --resolution 6h`` (its Python API): exit code as the
    CLI gives it and each case's status."""
    command = (f"`gridplan compare {' '.join(f'cases/{p.name}' for p in paths)} "
               f"--resolution {COMPARE_RESOLUTION}h`")
    t0 = time.perf_counter()
    try:
        cmp = gridplan.compare([str(p) for p in paths], resolution=COMPARE_RESOLUTION)
    except Exception as exc:  # noqa: BLE001
        return f"{COMPARE_PREFIX} {command}: failed ({one_line(exc, 160)})"
    code = cmp.exit_code
    log("compare", f"{COMPARE_RESOLUTION} h, {len(paths)} cases", f"exit {code}", time.perf_counter() - t0)
    statuses = ", ".join(f"{r['case']} {r['status']}" for _, r in cmp.table.iterrows())
    return f"{COMPARE_PREFIX} {command} exits {code}: {statuses}."


def commit() -> str:
    """The checkout's HEAD commit, read from .git without running git ('' when unknown)."""
    git = HERE.parent / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:10]
        ref = head[5:]
        if (git / ref).exists():
            return (git / ref).read_text().strip()[:10]
        packed = (git / "packed-refs").read_text().splitlines()
        return next((ln.split()[0][:10] for ln in packed if ln.endswith(" " + ref)), "")
    except OSError:
        return ""


def wrap(paragraph: str) -> str:
    """A legend paragraph (or ``- `` bullet) wrapped at 100 characters, as the README's prose."""
    indent = "  " if paragraph.startswith("- ") else ""
    return textwrap.fill(paragraph, 100, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


def paragraphs(texts: list[str]) -> str:
    """Wrapped paragraphs, a blank line between them but not between consecutive bullets."""
    out = wrap(texts[0])
    for prev, text in zip(texts, texts[1:]):
        out += ("\n" if prev.startswith("- ") and text.startswith("- ") else "\n\n") + wrap(text)
    return out


def legend(seconds: float) -> str:
    sha = commit()
    version = f"gridplan {gridplan.__version__}" + (f", working tree on commit {sha}" if sha else "")
    return paragraphs([
        f"Written by `python cases/make_results.py` on {datetime.date.today().isoformat()} "
        f"({os.cpu_count()}-core machine, {version}; the whole run took {seconds / 60:.1f} min); "
        "`python cases/make_results.py --check` re-solves and compares. Do not edit by hand.",
        "- **status**: `optimal`, or `infeasible-with-diagnosis` when the hard targets cannot all be met "
        "(the CLI's exit 4: the row then shows the automatic elastic re-solve); any other HiGHS status "
        "(`infeasible`, `time-limit-reached`...) or `error` as it came. First at 12 typical days (with "
        "inter-day storage and reservoir linking), in brackets at 24-hour snapshots when that differs.",
        "- **cost**: system cost in 亿 CNY/yr (1 亿 = 10⁸ CNY), 12 typical days (24-hour snapshots): "
        "capex annuities + fixed O&M + fuel + imports − export revenue (+ VoLL of any shed load), "
        "*without* target shortfall penalties (`Results.summary()['system_cost_cny']`; the penalties of "
        "missed strive targets are in the missed column). Infeasible cases: the elastic solution's.",
        "- **non-fossil electricity** (share of demand) and **CO2** (Mt/yr): 12 typical days.",
        "- **import / export** (TWh/yr) over the exchanges with the rest of Sichuan, at its hourly, seasonal "
        "prices and limits (data/profiles/boundary.csv); **curtailed** (GWh/yr): wind, PV and run-of-river "
        "energy available but not used (`Results.curtailment_by_technology`); both 12 typical days.",
        "- **binding targets**: met targets whose row is active with a non-zero dual (the target "
        "report's `binding` and `met`) at 12 typical days. The dual is the report's `dual` in its `dual_unit`: "
        "the cost of tightening the target by one unit. Δ is the total cost of the target, 亿 CNY/yr: "
        "the objective with it minus the objective of the same case solved without that one target "
        "(objective = system cost + the penalties of missed strive targets, what the LP minimises, so "
        "Δ >= 0; both at 12 typical days). Where targets interact, Δ is that of "
        "dropping each one alone, so the Δs of one case need not add up. \"without it <status>\": that "
        "run ended otherwise; \"(24 h: ...)\" the binding set at 24-hour snapshots when it differs.",
        "- **missed**: targets not met at 12 typical days: the elastic shortfalls of the hard targets of an "
        "infeasible case, and missed `strive` targets with their penalty (亿 CNY/yr); percentage points "
        "for shares, the target's unit otherwise. For a run without a solution, its error.",
        "- **solve**: wall seconds of `gridplan.solve` (prepare, build, HiGHS with the engine's default "
        "options, and the elastic re-solve of an infeasible case), 12 typical days / 24 h.",
        "`tests/test_cases.py` compares the 2030 cases' statuses with this table at reduced resolution.",
    ])


def block(table: str, compare: str, seconds: float) -> str:
    return f"{table}\n\n{legend(seconds)}\n\n{compare}\n"


# --------------------------------------------------------------------------- main


def case_paths(names: list[str] | None) -> list[Path]:
    paths = sorted(p for p in HERE.glob("*.yaml") if not p.stem.endswith("_pathway"))   # pathways: their own section
    if not names:
        return paths
    known = {p.stem: p for p in paths}
    unknown = [n for n in names if n.removesuffix(".yaml") not in known]
    if unknown:
        raise SystemExit(f"error: no such case in {HERE}: {', '.join(unknown)} (known: {', '.join(known)})")
    return [known[n.removesuffix(".yaml")] for n in names]


def compare_paths(paths: list[Path]) -> list[Path]:
    """The five single-city 2030 cases, in the order of the README's command."""
    cities = ["chengdu", "mianyang", "leshan", "guangyuan", "panzhihua"]
    return [HERE / f"{c}_2030.yaml" for c in cities if (HERE / f"{c}_2030.yaml") in paths]


def input_keys(paths: list[Path]) -> dict[Path, str]:
    """SHA-256 of each case file and every file it names (to tell whether they changed meanwhile)."""
    cache: dict = {}
    return {p: input_hashes(p, cache=cache)["sha256"] for p in paths}


def warn_if_changed(before: dict[Path, str]) -> None:
    """Another edit of the cases while they were solved: say which (their rows may mix versions)."""
    after = input_keys(list(before))
    changed = [p.stem for p in before if after[p] != before[p]]
    if changed:
        print(f"warning: inputs changed while solving ({', '.join(changed)}): run again for a consistent "
              "table", file=sys.stderr)


def check(rows: dict, compare: str | None, every_case: bool) -> int:
    recorded_text = section(README.read_text(encoding="utf-8"))
    lines = differences(parse_table(recorded_text), rows, every_case)
    if compare is not None and compare_line_of(recorded_text) != compare:
        lines.append(f"compare: README {compare_line_of(recorded_text)!r}, now {compare!r}")
    for ln in lines:
        print(ln, file=sys.stderr)
    print(f"{'differs' if lines else 'matches'}: {len(lines)} difference(s) with {README}", file=sys.stderr)
    return 1 if lines else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the README table; exit 1 if it differs")
    ap.add_argument("--cases", nargs="+", metavar="NAME", help="solve only these cases (print, do not rewrite)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    paths = case_paths(args.cases)
    every_case = set(paths) == set(case_paths(None))   # --cases naming them all rewrites too
    before = input_keys(paths)
    rows = {p.stem: solve_case(p) for p in paths}
    compare = compare_line(compare_paths(paths)) if every_case else None
    warn_if_changed(before)
    table = format_table(list(rows.values()))
    print(table)
    if compare:
        print("\n" + compare)
    if args.check:
        return check(rows, compare, every_case)
    if every_case:
        text = README.read_text(encoding="utf-8")   # read again: another edit may have come meanwhile
        new = replace_section(text, block(table, compare, time.perf_counter() - t0))
        atomic_write(README, lambda tmp: Path(tmp).write_text(new, encoding="utf-8"))
        print(f"wrote the table into {README}", file=sys.stderr)
    print(f"{len(paths)} cases in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
