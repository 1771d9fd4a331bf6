"""Result sets are written whole or not at all (issue #18; gridplan/io.py ResultSet, FolderLock).

gas_only (tests/broken/result_sets/) solves to 100 MW of gas: 100·A_gas + 2400 MWh × 360 CNY.
too_green asks 60 % non-fossil from solar that can serve at most 50 %: infeasible, exit 4.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
from typer.testing import CliRunner

import gridplan
from gridplan.cli import app
from gridplan.io import FolderLock

BROKEN = Path(__file__).resolve().parent / "broken" / "result_sets"
GOOD, INFEASIBLE = BROKEN / "gas_only.yaml", BROKEN / "too_green.yaml"
REPO = Path(__file__).resolve().parents[1]
GAS_ONLY = 100 * 1e6 * 0.06 / (1 - 1.06 ** -10) + 2400 * 360.0
SET = {"summary.csv", "capacities.csv", "costs.csv", "targets.csv", "energy.csv", "emissions.csv",
       "curtailment.csv", "curtailment_by_technology.csv", "shedding.csv", "prices.csv", "electrification.csv", "city_accounts.csv", "dispatch.csv",
       "storage_levels.csv",
       "flows.csv", "snapshots.csv", "days.csv", "README.md",
       "capacity.png", "dispatch.png", "highs.log", "manifest.json"}


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def listing(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def test_solve_writes_the_whole_set_with_a_manifest(tmp_path):
    out = tmp_path / "out"
    r = cli("solve", GOOD, "--out", out)
    assert r.exit_code == 0, r.output
    assert {p.name for p in out.iterdir()} == SET
    m = json.loads((out / "manifest.json").read_text())
    assert set(m["files"]) == SET - {"manifest.json"}
    assert m["files"]["summary.csv"] == (out / "summary.csv").stat().st_size
    assert m["status"] == "Optimal" and m["total_cost_cny"] == pytest.approx(GAS_ONLY, rel=1e-9)
    assert m["gridplan_version"] == gridplan.__version__ and m["command"] == "solve"
    assert len(m["inputs"]["sha256"]) == 64 and len(m["inputs"]["files"]) == 3   # catalogue, fuels, profiles
    assert leftovers(tmp_path, "out") == []


def test_targets_out_of_reach_write_the_elastic_set_labelled(tmp_path):
    """Exit 4 still writes a whole set: the elastic solution, labelled "targets missed" in the
    manifest and summary.csv (issue #19), in place of the previous optimal set."""
    out = tmp_path / "out"
    assert cli("solve", GOOD, "--out", out).exit_code == 0
    r = cli("solve", INFEASIBLE, "--out", out)
    assert r.exit_code == 4
    assert "the elastic solution" in " ".join(r.output.split())
    assert {p.name for p in out.iterdir()} == SET
    m = json.loads((out / "manifest.json").read_text())
    assert m["outcome"] == "targets missed" and m["elastic"] is True and m["status"] == "Optimal"
    assert pd.read_csv(out / "summary.csv").loc[0, "outcome"] == "targets missed"
    assert not (tmp_path / "out.failed").exists() and leftovers(tmp_path, "out") == []


def test_solver_failure_leaves_the_previous_set_and_its_log_beside_it(tmp_path):
    out = tmp_path / "out"
    assert cli("solve", GOOD, "--out", out).exit_code == 0
    before = listing(out)
    r = cli("solve", GOOD, "--out", out, "--time-limit", "0.000001")
    assert r.exit_code == 3
    assert f"the solver log is in {out}.failed/; {out}/ was left as it was" in " ".join(r.output.split())
    assert listing(out) == before
    failed = tmp_path / "out.failed"
    assert {p.name for p in failed.iterdir()} == {"highs.log", "manifest.json"}
    m = json.loads((failed / "manifest.json").read_text())
    assert m["status"] == "failed" and "Time limit reached" in m["error"]
    assert leftovers(tmp_path, "out") == []
    assert cli("solve", GOOD, "--out", out).exit_code == 0     # a complete set again: the failure is gone
    assert not failed.exists()


def test_a_frame_that_raises_leaves_the_previous_set(tmp_path, monkeypatch):
    """Results.to_csv: staged, so a frame failing halfway changes nothing."""
    res = gridplan.solve(GOOD)
    out = tmp_path / "res"
    res.to_csv(out)
    before = listing(out)
    assert set(before) == {f"{n}.csv" for n in res.FRAMES} | {"manifest.json", "README.md"}

    def broken(r):
        raise RuntimeError("disk full")
    monkeypatch.setitem(gridplan.Results.FRAMES, "flows", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        res.to_csv(out)
    assert listing(out) == before
    assert leftovers(tmp_path, "res") == []
    assert not (tmp_path / "res.failed").exists()        # no solver log to keep: nothing beside it


def test_a_plot_that_raises_keeps_the_set_and_the_log(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert cli("solve", GOOD, "--out", out).exit_code == 0
    before = listing(out)
    from gridplan import plots

    def broken(res, path):
        Path(path).write_bytes(b"half a png")
        raise OSError("No space left on device")
    monkeypatch.setattr(plots, "dispatch_week", broken)
    r = cli("solve", GOOD, "--out", out)
    assert r.exit_code == 1 and "No space left on device" in r.output
    assert listing(out) == before
    assert "highs.log" in {p.name for p in (tmp_path / "out.failed").iterdir()}
    assert leftovers(tmp_path, "out") == []


KILLED_MID_WRITE = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from gridplan import plots
    def slow(res, path):
        Path(path).write_bytes(b"half")
        Path(sys.argv[2]).write_text("writing")
        time.sleep(60)
    plots.dispatch_week = slow
    from gridplan.cli import app
    app(["solve", sys.argv[1], "--out", sys.argv[3]])
""")


def test_killed_mid_write_leaves_the_previous_set_and_the_next_run_cleans_up(tmp_path):
    out, marker = tmp_path / "out", tmp_path / "marker"
    assert cli("solve", GOOD, "--out", out).exit_code == 0
    before = listing(out)
    p = subprocess.Popen([sys.executable, "-c", KILLED_MID_WRITE, str(GOOD), str(marker), str(out)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while not marker.exists() and time.time() < deadline and p.poll() is None:
            time.sleep(0.05)
        assert marker.exists()
    finally:
        p.kill()
        p.wait()
    assert listing(out) == before
    assert [n.split("-")[0] for n in leftovers(tmp_path, "out")] == [".out.lock", ".out.partial"]
    assert cli("solve", GOOD, "--out", out).exit_code == 0     # the lock died with its process
    assert leftovers(tmp_path, "out") == []


HOLD_LOCK = "import sys, time; from gridplan.io import FolderLock; FolderLock(sys.argv[1]).acquire(); " \
            "print('locked', flush=True); time.sleep(60)"


def test_second_concurrent_run_into_one_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        line = (f"error: {out}: output folder: got a folder another gridplan run is writing (pid {holder.pid}); "
                "expected a folder no other run is using")
        for args in (("solve", GOOD, "--out", out), ("compare", GOOD, "--out", out)):
            r = cli(*args)
            assert r.exit_code == 2
            assert r.output.strip().splitlines() == [line]
        with pytest.raises(gridplan.GridplanError, match="another gridplan run"):
            gridplan.solve(GOOD).to_csv(out)
    finally:
        holder.kill()
        holder.wait()
    assert not out.exists()
    assert cli("solve", GOOD, "--out", out).exit_code == 0


def test_lock_is_released_and_removed():
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        with FolderLock(Path(d) / "x"):
            assert (Path(d) / ".x.lock").read_text().strip() == str(os.getpid())
        assert list(Path(d).iterdir()) == []


UMASK = textwrap.dedent("""
    import os, sys
    os.umask(0o027)
    from gridplan.cli import app
    app(["solve", sys.argv[1], "--out", sys.argv[2], "--excel"])
""")


def test_modes_follow_the_umask(tmp_path):
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-c", UMASK, str(GOOD), str(out)], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert oct(out.stat().st_mode & 0o777) == oct(0o750)
    modes = {f.name: oct(f.stat().st_mode & 0o777) for f in out.iterdir()}
    assert modes == {n: oct(0o640) for n in SET | {"results.xlsx"}}


def test_compare_run_folders_whole_and_failures_beside_an_optimal_set(tmp_path):
    out = tmp_path / "cmp"
    cmp = gridplan.compare([gridplan.compare.Run(GOOD, name="town")], out=out, executor="inline")
    assert cmp.table["total_cost_cny"].tolist() == pytest.approx([GAS_ONLY], rel=1e-9)
    run = out / "cases" / "town"
    before = listing(run)
    assert json.loads((out / "manifest.json").read_text())["runs"] == 1
    cmp = gridplan.compare([gridplan.compare.Run(GOOD, name="town", overrides={"generators.town_gas.max_mw": -5})],
                           out=out, executor="inline")
    assert not cmp.table["ok"][0]
    assert listing(run) == before                                         # the optimal set is kept
    meta = json.loads((out / "cases" / "town.failed" / "meta.json").read_text())
    assert meta["ok"] is False and meta["solve_count"] == 2
    assert [p.name for p in (out / "cases").iterdir() if p.name.startswith(".")] == []
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def _descendants(pid: int) -> list[int]:
    return [c.pid for c in psutil.Process(pid).children(recursive=True)]


def _start_compare(tmp_path, *cases, workers=2):
    """`gridplan compare` in a subprocess on cases slow enough to still be running (chengdu hourly)."""
    return subprocess.Popen([sys.executable, "-m", "gridplan", "compare", *map(str, cases), "--out",
                             str(tmp_path / "cmp"), "--resolution", "1h", "--workers", str(workers)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_workers(p, n: int, timeout: float = 30) -> list[int]:
    """The pool's worker processes: the children of the forkserver, itself a child of compare."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        servers = [k for k in psutil.Process(p.pid).children() if "forkserver" in " ".join(k.cmdline())]
        kids = [w.pid for s in servers for w in s.children()]
        if len(kids) >= n:
            return kids
        time.sleep(0.1)
    raise AssertionError("workers did not start")


def _gone(pids: list[int], timeout: float = 10) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not any(psutil.pid_exists(q) and psutil.Process(q).status() != psutil.STATUS_ZOMBIE for q in pids):
            return True
        time.sleep(0.1)
    return False


CHENGDU = REPO / "cases" / "chengdu_2030.yaml"


def _signal_and_check(p, sig: int, code: int) -> None:
    """Send ``sig`` to compare; it must exit with ``code`` within 10 s, its workers with it."""
    everyone = _descendants(p.pid)
    p.send_signal(sig)
    assert p.wait(10) == code
    assert _gone(everyone)


@pytest.mark.slow   # 8-9 s alone (the forkserver imports gridplan, then two hourly chengdu runs start)
@pytest.mark.skipif(not CHENGDU.exists(), reason="shipped chengdu case missing")
def test_sigterm_ends_the_workers_too(tmp_path):
    p = _start_compare(tmp_path, CHENGDU, CHENGDU)
    try:
        workers = _wait_for_workers(p, 2)
        time.sleep(1)
        _signal_and_check(p, signal.SIGTERM, 143)
    finally:
        p.kill()
    cases = tmp_path / "cmp" / "cases"
    assert not cases.exists() or [q.name for q in cases.iterdir()] == []   # nothing half-written
    assert workers


@pytest.mark.skipif(not CHENGDU.exists(), reason="shipped chengdu case missing")
def test_ctrl_c_cancels_queued_runs_and_keeps_finished_ones(tmp_path):
    p = _start_compare(tmp_path, GOOD, CHENGDU, CHENGDU, workers=1)
    meta = tmp_path / "cmp" / "cases" / "gas_only" / "meta.json"
    try:
        deadline = time.time() + 40
        while not meta.exists() and time.time() < deadline:
            time.sleep(0.1)
        assert meta.exists(), p.stderr.read() if p.poll() is not None else "gas_only did not finish"
        _signal_and_check(p, signal.SIGINT, 130)
    finally:
        p.kill()
    assert json.loads(meta.read_text())["ok"]
    assert pd.read_csv(meta.parent / "capacities.csv")["built"].sum() == pytest.approx(100, rel=1e-6)
    assert sorted(q.name for q in (tmp_path / "cmp" / "cases").iterdir()) == ["gas_only"]
    assert not (tmp_path / "cmp" / "comparison.csv").exists()      # no table of an interrupted batch


# --------------------------------------------------------------------------- review fixes


@pytest.mark.parametrize("fails", ["mkdir", "lock file"])
def test_an_unwritable_output_folder_is_one_line_exit_2(tmp_path, monkeypatch, fails):
    """A parent that cannot be made, or a lock file that cannot be created (permission denied,
    read-only file system), is one line naming the folder, not an internal error."""
    import errno
    out = tmp_path / "new" / "out"
    if fails == "mkdir":
        def no_mkdir(self, *a, **kw):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        monkeypatch.setattr(Path, "mkdir", no_mkdir)
        cause = f"Permission denied ({tmp_path / 'new'})"
    else:
        real_open = os.open

        def no_lock_file(path, *a, **kw):
            if str(path).endswith(".lock"):
                raise OSError(errno.EROFS, "Read-only file system", str(path))
            return real_open(path, *a, **kw)
        monkeypatch.setattr(os, "open", no_lock_file)
        cause = f"Read-only file system ({tmp_path / 'new' / '.out.lock'})"
    line = f"error: {out}: output folder: got {cause}; expected a folder this user can create and write"
    for args in (("solve", GOOD, "--out", out), ("compare", GOOD, "--out", out)):
        r = cli(*args)
        assert r.exit_code == 2, r.output
        assert r.output.strip().splitlines() == [line]
    assert list(tmp_path.iterdir()) == []            # the parent made for the lock is removed again


def test_without_fcntl_an_output_folder_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "fcntl", None)     # `import fcntl` raises ImportError, as on Windows
    out = tmp_path / "out"
    r = cli("solve", GOOD, "--out", out)
    assert r.exit_code == 2, r.output
    assert r.output.strip().splitlines() == [
        f"error: {out}: output folder: got a system without fcntl.flock ({sys.platform}); expected a POSIX "
        "system (Linux, macOS) to lock output folders"]
    assert list(tmp_path.iterdir()) == []


def test_to_csv_manifest_names_the_same_input_hashes_as_the_cli(tmp_path, monkeypatch):
    """Results.to_csv and `gridplan solve --out` record the case and every file it names, hashed
    by one function (gridplan.case.input_hash; the batch's run_hash uses it too)."""
    import hashlib

    from gridplan.batch import Run, run_hash
    assert cli("solve", GOOD, "--out", tmp_path / "cli").exit_code == 0
    gridplan.solve(GOOD).to_csv(tmp_path / "api")
    by_cli, by_api = (json.loads((tmp_path / n / "manifest.json").read_text())["inputs"] for n in ("cli", "api"))
    assert by_api["case_sha256"] == by_cli["case_sha256"] == hashlib.sha256(GOOD.read_bytes()).hexdigest()
    assert by_api["files"] == by_cli["files"] == run_hash(Run(GOOD), {})["files"]
    assert len(by_api["files"]) == 3
    assert all(hashlib.sha256(Path(f).read_bytes()).hexdigest() == h for f, h in by_api["files"].items())
    assert len(by_api["sha256"]) == 64 and by_cli["sha256"] == by_api["sha256"]   # same run, same key
    case = gridplan.load_case(GOOD).model_dump(mode="json")   # a case without a file: its fields hashed
    monkeypatch.chdir(BROKEN)                                 # (its relative paths resolve from here)
    dict_inputs = gridplan.solve(gridplan.case_from_dict(case)).input_hashes()
    assert len(dict_inputs["case_sha256"]) == 64 and dict_inputs["case_sha256"] != by_api["case_sha256"]
    assert dict_inputs["files"] == by_api["files"]


def test_cli_compare_holds_the_folder_lock_from_the_check_to_the_end(tmp_path, monkeypatch):
    """No other run can take the folder between the CLI's early refusal and compare()."""
    import gridplan.batch as batch
    out, seen = tmp_path / "cmp", []
    real = batch.compare

    def compare_checking_the_lock(*a, **kw):
        assert kw["out_lock"].fd is not None
        with pytest.raises(gridplan.GridplanError, match="another gridplan run"):
            FolderLock(out).acquire()
        seen.append(True)
        return real(*a, **kw)
    monkeypatch.setattr(batch, "compare", compare_checking_the_lock)
    r = cli("compare", GOOD, "--out", out)
    assert r.exit_code == 0, r.output
    assert seen and (out / "cases" / "gas_only" / "meta.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["cmp"]           # the lock released and removed
    with pytest.raises(gridplan.GridplanError, match="expected the held lock of out"):
        real([GOOD], out=out, out_lock=FolderLock(out))              # a lock not acquired is refused


def test_compare_interrupted_before_any_run_finished_leaves_no_empty_folders(tmp_path, monkeypatch):
    import gridplan.batch.driver as driver

    def interrupted(*a, **kw):
        raise KeyboardInterrupt
        yield   # noqa: unreachable - a generator like execute()
    monkeypatch.setattr(driver, "execute", interrupted)
    with pytest.raises(KeyboardInterrupt):
        gridplan.compare([GOOD], out=tmp_path / "cmp", executor="inline")
    assert list(tmp_path.iterdir()) == []                             # no cmp/, no cmp/cases/, no lock
    (tmp_path / "cmp").mkdir()                                        # a folder that was there stays
    with pytest.raises(KeyboardInterrupt):
        gridplan.compare([GOOD], out=tmp_path / "cmp", executor="inline")
    assert [p.name for p in tmp_path.iterdir()] == ["cmp"] and list((tmp_path / "cmp").iterdir()) == []
