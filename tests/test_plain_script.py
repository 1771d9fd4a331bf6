"""``gridplan.compare`` from a plain Python script (issue #19).

The worker processes start from a forkserver (or spawn), which re-runs the caller's script in
every worker unless ``__main__`` is hidden while they start. Each script here runs in a fresh
interpreter (``python script.py`` from the repository, as a user would), and its printed
objectives are checked against ``gridplan.solve`` of the same cases in this process.
"""
from __future__ import annotations

import math
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import gridplan

REPO = Path(__file__).resolve().parents[1]
CASES = ["cases/guangyuan_2030.yaml", "cases/panzhihua_2030.yaml", "cases/mianyang_2030.yaml"]
# three runs on two workers: the pool's processes start while the runs are submitted, none later
SETTINGS = dict(typical_days=2)   # the batch's own default otherwise: 3-hour snapshots

# Every script prints one marker line when it starts (a worker that ran the script again would
# print a second one) and one line per run: name, outcome, objective, pid of the solving process.
RESULTS = """\
for r in c.records:
    print("run", r["name"], r["outcome"], repr(r["summary"].get("total_cost_cny")), r.get("pid"))
"""


def run_script(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    """``python script.py`` with cwd the repository (the case paths are relative to it)."""
    script = tmp_path / "script.py"
    script.write_text(body)
    return subprocess.run([sys.executable, str(script)], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def reference() -> dict[str, float]:
    """Each case's objective from ``gridplan.solve`` here, at the batch's settings (one thread)."""
    opts = gridplan.SolveOptions(threads=1)
    return {Path(c).stem: gridplan.solve(gridplan.load_case(REPO / c), options=opts, **SETTINGS).objective
            for c in CASES}


def check_runs(proc: subprocess.CompletedProcess, reference: dict[str, float]) -> None:
    """Exit 0, the script ran once, every case optimal in a worker process at the reference cost."""
    assert proc.returncode == 0, proc.stderr[-3000:]
    started = re.findall(r"^script started (\d+)$", proc.stdout, re.M)
    assert len(started) == 1, proc.stdout   # no worker ran the script again
    runs = re.findall(r"^run (\S+) (\S+) (\S+) (\d+)$", proc.stdout, re.M)
    assert {name for name, *_ in runs} == set(reference), proc.stdout
    for name, outcome, cost, pid in runs:
        assert outcome == "optimal", proc.stdout
        assert math.isclose(float(cost), reference[name], rel_tol=1e-9), (name, cost, reference[name])
        assert pid != started[0]   # solved in a worker, not in the script's process
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]


def test_unguarded_script_compares_in_worker_processes(tmp_path, reference):
    proc = run_script(tmp_path, f"""\
import os
import gridplan
print("script started", os.getpid(), flush=True)
c = gridplan.compare({CASES!r}, typical_days=2, workers=2)
print(c)
""" + RESULTS)
    check_runs(proc, reference)
    assert "<Comparison: 3 runs: 3 optimal, 0 failed>" in proc.stdout


# A value of a class the script defines (an override of guangyuan's distributed-PV potential,
# at its own value): a worker can unpickle it only by running the script again.
OWN_OBJECT = f"""\
import os
import gridplan

class MW(float):
    pass

def batch():
    print("script started", os.getpid(), flush=True)
    runs = [gridplan.compare.Run(p) for p in {CASES!r}]
    runs[0].overrides = {{"generators.gy_solar_distributed.max_mw": MW(1000.0)}}
    return gridplan.compare(runs, typical_days=2, workers=2)
"""


def test_guarded_script_with_its_own_objects_still_works(tmp_path, reference):
    """``__main__`` stays visible to the workers here; the guard keeps them from calling compare."""
    proc = run_script(tmp_path, OWN_OBJECT + 'if __name__ == "__main__":\n    c = batch()\n' +
                      textwrap.indent(RESULTS, "    "))
    check_runs(proc, reference)


def test_unguarded_script_with_its_own_objects_gets_one_error_line(tmp_path):
    """The same script without the guard: every worker runs it again, where it calls compare
    again, so no worker can start. One GridplanError line saying what to add, exit non-zero."""
    proc = run_script(tmp_path, OWN_OBJECT + 'c = batch()\nprint("compare returned", c)\n')
    assert proc.returncode != 0
    assert "compare returned" not in proc.stdout
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("gridplan.errors.GridplanError: compare: the worker processes ended before running any case")
    assert 'put the compare call under `if __name__ == "__main__":`' in last
    assert proc.stderr.count("ended before running any case") == 1   # once, not once per case


def test_main_hidden_while_workers_start_and_restored_after(monkeypatch):
    """What multiprocessing would tell a starting worker about ``__main__``, inside and after."""
    import types
    from multiprocessing import spawn

    from gridplan.batch.executors import main_hidden
    script = types.ModuleType("__main__")
    script.__file__ = "/somewhere/plan.py"
    script.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", script)
    assert spawn.get_preparation_data("w")["init_main_from_path"] == "/somewhere/plan.py"
    with pytest.raises(KeyError), main_hidden():
        data = spawn.get_preparation_data("w")
        assert "init_main_from_path" not in data and "init_main_from_name" not in data
        raise KeyError("restored on the way out too")
    assert script.__file__ == "/somewhere/plan.py" and script.__spec__ is None


def test_refers_to_main_finds_the_scripts_own_objects(monkeypatch):
    import types

    from gridplan.batch.executors import refers_to_main
    script = types.ModuleType("__main__")
    monkeypatch.setitem(sys.modules, "__main__", script)
    MW = type("MW", (float,), {"__module__": "__main__"})
    script.MW = MW
    assert refers_to_main([{"overrides": {"generators.g.max_mw": MW(5.0)}}])
    assert refers_to_main({"kind": MW})
    assert not refers_to_main([{"case": "cases/guangyuan_2030.yaml", "overrides": {"generators.g.max_mw": 5.0},
                                "options": {"threads": 1}}])
