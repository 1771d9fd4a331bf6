"""``gridplan solve CASE --certify``: the certified bracket around the hourly optimum, and the plan's
hourly facts (lost load, curtailment, price duration, targets hour by hour).

Called by the ``solve`` command (not a command module of its own, so no command module imports another).
"""
from __future__ import annotations

from pathlib import Path

from rich.table import Table

from ..errors import GridplanError
from .common import err, out, previous_set_kept, print_heading, print_wrapped


def certify_flags(window_days: int, workers: int, **unsupported) -> None:
    """The --certify options checked before any work: whole positive numbers, and no flag it does not take."""
    for flag, value in (("--window-days", window_days), ("--workers", workers)):
        if value < 1:
            raise GridplanError(f"{flag}: got {value}; expected a whole number >= 1")
    for flag, given in unsupported.items():
        if given:
            raise GridplanError(f"--{flag.replace('_', '-')}: not available with --certify (the bound and the "
                                "hourly dispatch are gridplan's own LPs, solved with HiGHS, targets as the case sets them)")


def solve_certify_cli(case: Path, opts, out_dir, resolution, typical_days, window_days: int, workers: int,
                      files: set) -> None:
    """Certify, print, and with ``out_dir`` write the hourly dispatch and the certificate whole."""
    run = dict(resolution=resolution, typical_days=typical_days or 0, window_days=window_days, workers=workers)
    if out_dir is None:
        cert = _certify_with_progress(case, opts, run)
        print_certificate(cert)
        return
    from ..io import ResultSet
    from .result_files import write_result_files
    with ResultSet(out_dir, command="solve --certify", case=str(case.resolve())) as rs:
        opts.log_file = rs.path / "highs.log"
        with previous_set_kept(rs):        # no certificate: the previous set stays, the log beside it
            cert = _certify_with_progress(case, opts, run)
        print_certificate(cert)
        pngs = write_result_files(cert.hourly, rs.path, files)
        own = cert.write(rs.path)
        rs.commit(**cert.hourly.manifest_facts(), inputs=cert.hourly.input_hashes(),
                  certificate=cert.summary())
    print_wrapped(out, f"the hourly dispatch and its certificate written to {rs.dest}/ (README.md, CSV, "
                       f"{', '.join(pngs + [f for f in own if f.endswith('.png')])}, "
                       f"{', '.join(f for f in own if not f.endswith('.png'))}, highs.log, manifest.json)", indent="  ")


def _certify_with_progress(case: Path, opts, run: dict):
    """Certify with one dim line per phase on stderr and, every few seconds of a long solve, the
    phase and HiGHS' latest iteration (:class:`gridplan.cli.progress.Heartbeat`); ``--verbose``
    shows HiGHS' full log instead."""
    import dataclasses
    from ..batch.certify import certify
    from ..solve import SolverLine
    from .progress import Heartbeat
    if opts.verbose:
        return certify(case, options=opts, **run)
    line, state = SolverLine(), {"phase": "certifying"}

    def phase(text: str) -> None:
        state["phase"] = text.strip().split(":")[0]
        err.print(f"[dim]{text}[/]", highlight=False)
    with Heartbeat(lambda: f"{state['phase']}: {line.text}" if line.text else state["phase"]):
        return certify(case, options=dataclasses.replace(opts, progress=line), progress=phase, **run)


def print_certificate(cert) -> None:
    """The bracket, how it was found, and the hourly facts of the plan."""
    print_heading(out, f"{cert.case}: certified hourly bounds")
    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column(overflow="fold")
    t.add_row("lower bound", f"{cert.lower / 1e9:,.4f} bn CNY/yr  (averaged relaxation, blocks ≤ {cert.resolution} h)")
    t.add_row("upper bound", f"{cert.upper / 1e9:,.4f} bn CNY/yr  (hourly dispatch of the plan of {cert.plan})")
    t.add_row("gap", f"{cert.gap:.3%}  (the hourly optimum lies in between)")
    t.add_row("hourly check", f"largest violation {cert.violation:.1e} (relative; ≤ 1e-06 certifies), at {cert.worst}")
    how = (("the year as one window" if cert.windows == 1 else f"{cert.windows} windows of about {cert.window_days} days")
           + (f", {cert.rounds} re-allocation round(s)" if cert.rounds else "")
           + (f", {cert.repairs} re-plan(s)" if cert.repairs else "")
           + (f", {cert.merges} merge(s) of windows whose end level was out of reach" if cert.merges else "")
           + (f"; the year as one LP: {cert.full_year}" if cert.full_year else ""))
    t.add_row("dispatch", how)
    sec = cert.seconds
    t.add_row("time", f"{sec['total_s']:.1f} s (bound {sec['bound_s']:.1f}, plan {sec['plan_s']:.1f}, "
                      f"hourly build {sec['hourly_build_s']:.1f}, dispatch {sec['dispatch_s']:.1f}, "
                      f"check {sec['check_s']:.1f})")
    out.print(t)
    print_heading(out, "hourly facts of the plan")
    lost = cert.lost_load()
    out.print(f"lost load: {lost['hours']} h, {lost['mwh']:,.0f} MWh over the year (in the upper bound at the "
              "value of lost load)" if lost["hours"] else "lost load: none in any hour", highlight=False)
    targets = cert.targets_hourly()
    if len(targets):
        missed = targets[~targets["met"]]
        out.print("every target holds hour by hour" if missed.empty else
                  f"targets missed hour by hour: {', '.join(map(str, missed.index if 'id' not in missed else missed['id']))}",
                  highlight=False)
    _frame(cert.curtailment()[["curtailed_mwh", "curtailed_share"]].dropna(how="all").query("curtailed_mwh > 0.5"),
           "curtailment by technology", {"curtailed_mwh": "{:,.0f}", "curtailed_share": "{:.1%}"},
           empty="curtailment: none")
    _frame(cert.price_duration(), "price duration per bus (CNY/MWh; hours at the value of lost load)",
           {c: "{:,.1f}" for c in ["max", "p99", "p90", "p50", "p10", "min"]} | {"hours_at_voll": "{:,.0f}"})


def _frame(df, title: str, fmt: dict, empty: str = "") -> None:
    if df.empty:
        if empty:
            out.print(empty, highlight=False)
        return
    t = Table(title=title, title_justify="left", box=None, pad_edge=False)
    t.add_column(df.index.name or "")
    for c in df.columns:
        t.add_column(str(c), justify="right")
    for idx, row in df.iterrows():
        t.add_row(str(idx), *[fmt.get(c, "{}").format(v) for c, v in row.items()])
    out.print(t)
