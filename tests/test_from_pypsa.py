"""PyPSA → gridplan import (:mod:`gridplan.interop.from_pypsa`, ``gridplan import``).

The reference is always PyPSA's own ``n.optimize(solver_name="highs")`` on the same network:
its full objective ``n.objective + n.objective_constant`` (PyPSA 1.4 subtracts the capital cost
of an extendable asset's starting ``p_nom`` as ``objective_constant``; gridplan charges the whole
capacity, see the module docstring) must equal gridplan's objective on the imported case, plus
the report's ``objective_offset``, to 1e-6 relative.
"""
from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pypsa = pytest.importorskip("pypsa", reason="PyPSA (the 'interop' extra) is not installed")

import gridplan  # noqa: E402
from gridplan.errors import GridplanError  # noqa: E402
from gridplan.interop.from_pypsa import from_pypsa  # noqa: E402

ACDC = Path(__file__).resolve().parent / "data" / "pypsa_ac_dc_meshed"
REL = 1e-6


def network(folder=ACDC):
    logging.getLogger("pypsa").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pypsa.Network(folder)


def pypsa_objective(n) -> float:
    """PyPSA's own optimum, capital cost of every extendable asset's whole capacity included."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        status, condition = n.optimize(solver_name="highs", include_objective_constant=True, log_to_console=False)
    assert (status, condition) == ("ok", "optimal")
    return float(n.objective + n.objective_constant)


def solve(report):
    return gridplan.solve(gridplan.load_case(report.case_path))


def test_ac_dc_meshed_as_shipped_keeps_pypsa_optimum(tmp_path):
    """The shipped ac-dc network as it stands: AC lines (x) and the DC triangle (r) under
    Kirchhoff's law, the three converters and the "DC link" (p_max_pu 0.9 both ways) as
    controllable lines outside it — the "DC link" closes the loop London–Norwich–(DC)–Bremen–London,
    which PyPSA leaves out of Kirchhoff's law as gridplan now does —, extendable wind and gas with
    capital costs, wind profiles, loads and the CO2 cap: everything is mapped exactly, so
    gridplan's optimum is PyPSA's to 1e-6, the CO2 cap binds in both with the same dual (PyPSA's
    mu is the Lagrange multiplier of the <= row, negative; gridplan reports the CNY a tonne more
    would save) and no load is shed."""
    n = network()
    rep = from_pypsa(n.copy(), tmp_path / "case")
    assert rep.exact and rep.unmapped == []
    gridplan.validated_data(rep.case_path)          # the written case passes `gridplan validate`
    case = gridplan.load_case(rep.case_path)
    assert case.options.power_flow == "dc"
    kinds = {ln.name: (ln.controllable, ln.reactance_ohm) for ln in case.lines}
    for el in n.links.index:                        # every link: controllable, no reactance
        assert kinds[el.replace(" ", "_")] == (True, None)
    for el in n.lines.index:                        # every line: in Kirchhoff's law
        ctl, x = kinds[el.replace(" ", "_")]
        assert not ctl and x > 0
    ref = pypsa_objective(n)
    res = gridplan.solve(case)
    assert res.objective + rep.objective_offset == pytest.approx(ref, rel=REL)
    co2 = res.targets.set_index("id").loc["co2_limit"]
    mu = float(n.global_constraints.at["co2_limit", "mu"])
    assert bool(co2["binding"]) and abs(mu) > 0
    assert float(co2["dual"]) == pytest.approx(abs(mu), rel=1e-5)
    assert res.shedding["shed_mwh"].sum() == 0
    # capacities as PyPSA built them (gridplan names: spaces become _)
    cap = res.capacities.set_index("name")["total"]
    for g, p in n.generators.p_nom_opt.items():
        assert cap[g.replace(" ", "_")] == pytest.approx(p, rel=1e-5, abs=1e-3)


def storage_network(weight: int = 1):
    """Two buses joined by a lossless symmetric link of 50 MW; bus a: wind (extendable, a daily
    profile) and gas (fixed 80 MW, 0.24 t/MWh_th at efficiency 0.4); bus b: a load and an
    extendable storage unit (4 h, efficiencies 0.9 in / 0.8 out, standing loss 1 %/h, cyclic); a
    CO2 cap. 24 snapshots, each weighted ``weight`` hours."""
    n = pypsa.Network()
    n.set_snapshots(pd.RangeIndex(24, name="snapshot"))
    n.snapshot_weightings.loc[:, :] = float(weight)
    n.add("Carrier", "gas", co2_emissions=0.24)
    n.add("Carrier", "wind")
    n.add("Bus", ["a", "b"])
    t = np.arange(24)
    n.add("Load", "load_b", bus="b", p_set=pd.Series(40 + 20 * np.sin(2 * np.pi * t / 24), index=n.snapshots))
    n.add("Load", "load_a", bus="a", p_set=10.0)
    n.add("Generator", "wind", bus="a", carrier="wind", p_nom_extendable=True, capital_cost=30.0 * weight,
          marginal_cost=0.5, p_max_pu=pd.Series(0.5 + 0.45 * np.cos(2 * np.pi * t / 24), index=n.snapshots))
    n.add("Generator", "gas", bus="a", carrier="gas", p_nom=80.0, efficiency=0.4, marginal_cost=60.0)
    n.add("Link", "ab", bus0="a", bus1="b", p_nom=50.0, p_min_pu=-1.0)
    n.add("StorageUnit", "battery", bus="b", p_nom_extendable=True, capital_cost=20.0 * weight, max_hours=4.0,
          efficiency_store=0.9, efficiency_dispatch=0.8, standing_loss=0.01, cyclic_state_of_charge=True,
          marginal_cost=0.2)
    n.add("GlobalConstraint", "co2", type="primary_energy", carrier_attribute="co2_emissions", sense="<=",
          constant=100.0 * weight)
    return n


@pytest.mark.slow
@pytest.mark.parametrize("weight", [1, 3])
def test_storage_unit_link_and_weightings_keep_pypsa_optimum(tmp_path, weight):
    """A storage unit (its E = max_hours · P tie, unequal efficiencies, standing loss, cyclic state
    of charge), a fixed link and snapshot weightings of 1 h and of 3 h (written as 3 identical hours
    per snapshot, averaged back by time.resolution 3): gridplan's optimum is PyPSA's to 1e-6 and
    both build the same storage power."""
    n = storage_network(weight)
    rep = from_pypsa(n.copy(), tmp_path / "case")
    assert rep.exact, rep.lines()
    ref = pypsa_objective(n)
    res = solve(rep)
    assert res.objective + rep.objective_offset == pytest.approx(ref, rel=REL)
    assert res.shedding["shed_mwh"].sum() == 0
    cap = res.capacities.set_index(["component", "name"])["total"]
    assert cap[("storage", "battery")] == pytest.approx(float(n.storage_units.p_nom_opt["battery"]), rel=1e-4, abs=1e-4)
    assert float(n.storage_units.p_nom_opt["battery"]) > 0      # the storage matters to the optimum


def test_a_transformer_is_refused_or_listed(tmp_path):
    """gridplan has no transformer: a network with one is refused (one line naming it); with
    ``allow_unmapped`` the rest is imported and the transformer listed as changing the optimum."""
    n = storage_network()
    n.add("Bus", "c", v_nom=110.0)
    n.add("Transformer", "t1", bus0="b", bus1="c", s_nom=50.0, x=0.1)
    with pytest.raises(GridplanError, match="Transformer 't1'"):
        from_pypsa(n, tmp_path / "refused")
    rep = from_pypsa(n, tmp_path / "case", allow_unmapped=True)
    assert any(u.component == "Transformer" and u.name == "t1" and u.changes_optimum for u in rep.unmapped)
    assert "Transformer 't1'" in rep.case_path.read_text()


def test_an_attribute_without_equivalent_is_listed(tmp_path):
    """A ramp limit (no gridplan field for PyPSA's ramp rows) and a one-way lossy link are listed
    with what they are, never dropped silently."""
    n = storage_network()
    n.generators.loc["gas", "ramp_limit_up"] = 0.5
    n.links.loc["ab", ["efficiency", "p_min_pu"]] = [0.95, 0.0]
    rep = from_pypsa(n, tmp_path / "case", allow_unmapped=True)
    got = {(u.component, u.name, u.attribute.split("/")[0]) for u in rep.unmapped}
    assert ("Generator", "gas", "ramp_limit_up") in got and ("Link", "ab", "efficiency") in got


@pytest.mark.parametrize("comp, el", [("Generator", "sink"), ("StorageUnit", "pump")])
def test_a_consumer_of_sign_minus_1_is_refused_in_one_line(tmp_path, comp, el):
    """PyPSA's ``sign = -1`` turns a generator or storage unit into a consumer: gridplan has no
    such element, so the import is refused in one line naming it (never imported as a producer);
    with ``allow_unmapped`` it is listed as changing the optimum and left out."""
    n = storage_network()
    if comp == "Generator":
        n.add("Generator", el, bus="b", p_nom=30.0, marginal_cost=-5.0, sign=-1.0)
    else:
        n.add("StorageUnit", el, bus="b", p_nom=10.0, max_hours=2.0, sign=-1.0)
    with pytest.raises(GridplanError, match=rf"^cannot import the network exactly: {comp} '{el}' sign") as exc:
        from_pypsa(n, tmp_path / "refused")
    assert "\n" not in str(exc.value)
    assert not (tmp_path / "refused").exists()
    rep = from_pypsa(n, tmp_path / "case", allow_unmapped=True)
    assert [(u.component, u.name, u.attribute, u.changes_optimum) for u in rep.unmapped] == [(comp, el, "sign", True)]
    case = gridplan.load_case(rep.case_path)
    assert el not in {g.name for g in case.generators} | {s.name for s in case.storage}


def test_inert_attributes_cannot_change_the_optimum():
    """The ignored-attribute table: every entry is a PyPSA input attribute of that component, none
    is also read, and the ones that steer PyPSA's LP (a dispatch's sign, costs, reactances) are
    read or checked, never ignored."""
    from gridplan.interop.from_pypsa import HANDLED, INERT
    n = pypsa.Network()
    for comp, attrs in INERT.items():
        d = n.components[comp].defaults
        assert attrs <= set(d.index[d["status"].astype(str).str.startswith("Input")]), comp
        assert not attrs & HANDLED[comp], comp
    cost = {"capital_cost", "overnight_cost", "fom_cost", "discount_rate", "lifetime", "marginal_cost"}
    steering = {"Bus": {"v_nom", "carrier"}, "Generator": cost | {"sign", "efficiency", "carrier"},
                "StorageUnit": cost | {"sign", "efficiency_store", "efficiency_dispatch"},
                "Line": cost | {"x", "r", "type", "length", "num_parallel"}, "Link": cost | {"efficiency"}}
    for comp, attrs in steering.items():
        assert not attrs & INERT[comp], comp
    assert {"sign"} <= HANDLED["Generator"] & HANDLED["StorageUnit"] & HANDLED["Load"]


def test_a_failed_write_leaves_no_half_case(monkeypatch, tmp_path):
    """A write that fails halfway (a full disk at case.yaml, the last file) is one line naming the
    folder; a new folder is not left at all (nor its parents made for it, nor the hidden staging
    folder), an existing case written over with ``overwrite`` is left as it was. A failure while
    the new set is swapped in (gridplan.io.ResultSet: the old folder renamed aside, the new one
    renamed in) leaves no case.yaml there: never a folder that looks complete but mixes two
    imports; the next import puts the old set back first, then completes."""
    import errno
    import os

    import gridplan.interop.from_pypsa as fp
    real = fp.atomic_text

    def full_disk(path, text):
        if Path(path).name == "case.yaml":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, text)
    monkeypatch.setattr(fp, "atomic_text", full_disk)
    dest = tmp_path / "new" / "deeper" / "case"
    with pytest.raises(GridplanError, match=r"new/deeper/case: output folder: got No space left on device") as exc:
        from_pypsa(storage_network(), dest)
    assert "\n" not in str(exc.value)
    assert list(tmp_path.iterdir()) == []               # no case, no staging folder, no parents

    monkeypatch.setattr(fp, "atomic_text", real)
    old = tmp_path / "old"
    from_pypsa(storage_network(), old)
    before = {p.name: p.read_bytes() for p in old.iterdir()}
    monkeypatch.setattr(fp, "atomic_text", full_disk)
    n = storage_network()
    n.loads.loc["load_a", "p_set"] = 20.0
    with pytest.raises(GridplanError, match="No space left"):
        from_pypsa(n, old, overwrite=True)
    assert {p.name: p.read_bytes() for p in old.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"]

    monkeypatch.setattr(fp, "atomic_text", real)
    import gridplan.io as gio
    real_rename, calls = os.rename, []

    def fails_moving_in(src, dst):      # the staging folder renamed onto old/: the second rename
        if Path(dst) == old:
            calls.append(dst)
            raise OSError(errno.EIO, "Input/output error", str(dst))
        return real_rename(src, dst)
    monkeypatch.setattr(gio.os, "rename", fails_moving_in)
    with pytest.raises(GridplanError, match="Input/output error"):
        from_pypsa(n, old, overwrite=True)
    monkeypatch.setattr(gio.os, "rename", real_rename)
    assert len(calls) == 1 and not (old / "case.yaml").exists()
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == []
    rep = from_pypsa(n, old, overwrite=True)           # and a later import completes it
    gridplan.validated_data(rep.case_path)
    assert gridplan.load_case(rep.case_path) is not None


def test_without_pypsa_one_clear_line(monkeypatch, tmp_path):
    """With PyPSA not importable, the import says what to install in one line."""
    import builtins
    real = builtins.__import__

    def no_pypsa(name, *a, **kw):
        if name == "pypsa" or name.startswith("pypsa."):
            raise ImportError("no pypsa")
        return real(name, *a, **kw)
    monkeypatch.setattr(builtins, "__import__", no_pypsa)
    with pytest.raises(GridplanError, match=r"gridplan\[interop\]"):
        from_pypsa(ACDC, tmp_path / "x")


# --------------------------------------------------------------------------- the command line


def _app():
    from gridplan.cli import app
    return app


def run(*args):
    from typer.testing import CliRunner
    return CliRunner().invoke(_app(), list(map(str, args)))


def test_cli_import_writes_a_case_that_solve_solves(tmp_path):
    """``gridplan import FOLDER --out DIR`` writes the shipped network's folder and says everything
    is mapped; ``gridplan solve`` solves it (exit 0); a second import into the now non-empty folder
    is refused (exit 2) unless ``--force``."""
    dest = tmp_path / "case"
    r = run("import", ACDC, "--out", dest)
    assert r.exit_code == 0, r.output
    assert "everything PyPSA optimises is mapped" in r.output and "not mapped" not in r.output
    assert (dest / "case.yaml").is_file()
    r = run("solve", dest / "case.yaml", "--out", tmp_path / "res")
    assert r.exit_code == 0, r.output
    r = run("import", ACDC, "--out", dest)
    assert r.exit_code == 2 and "not empty" in r.output
    assert run("import", ACDC, "--out", dest, "--force").exit_code == 0


@pytest.mark.parametrize("bad", ["missing.nc", "not_a_network", "garbage.nc"])
def test_cli_bad_input_exit_2_one_line(tmp_path, bad):
    """No such file, a folder that is not a PyPSA CSV folder and a .nc file PyPSA cannot read: exit
    2 and a single ``error:`` line, no traceback."""
    (tmp_path / "not_a_network").mkdir()
    (tmp_path / "garbage.nc").write_text("not netcdf")
    r = run("import", tmp_path / bad, "--out", tmp_path / "out")
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert r.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), r.output
    assert "Traceback" not in r.output


def test_cli_out_that_cannot_be_created_exit_2_one_line(tmp_path):
    """``--out`` under a regular file (a folder cannot be made there) or that is a file: exit 2,
    one ``error:`` line naming the path (not an internal error), nothing written."""
    (tmp_path / "afile").write_text("x")
    r = run("import", ACDC, "--out", tmp_path / "afile" / "case")
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert r.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), r.output
    assert "afile" in lines[0] and "internal error" not in r.output
    assert (tmp_path / "afile").read_text() == "x"
    r = run("import", ACDC, "--out", tmp_path / "afile")
    assert r.exit_code == 2 and "afile" in r.output and "internal error" not in r.output, r.output


def test_cli_out_on_a_read_only_folder_exit_2_one_line(tmp_path):
    """A parent this user cannot write: exit 2, one ``error:`` line naming the path, nothing left."""
    import os
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        if os.access(ro, os.W_OK):          # root writes anyway: nothing to check
            pytest.skip("running as a user who can write a read-only folder")
        r = run("import", ACDC, "--out", ro / "case")
        lines = [x for x in r.output.splitlines() if x.strip()]
        assert r.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), r.output
        assert str(ro / "case") in lines[0] and "internal error" not in r.output
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


def test_cli_refuses_a_transformer_in_one_line(tmp_path):
    """A network with a Transformer (a CSV folder): ``gridplan import`` exits 2 with one line naming
    it and writes nothing; with ``--allow-unmapped`` it imports the rest and prints the transformer."""
    n = storage_network()
    n.add("Bus", "c", v_nom=110.0)
    n.add("Transformer", "t1", bus0="b", bus1="c", s_nom=50.0, x=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        n.export_to_csv_folder(tmp_path / "net")
    r = run("import", tmp_path / "net", "--out", tmp_path / "out")
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert r.exit_code == 2 and len(lines) == 1 and "Transformer 't1'" in lines[0], r.output
    assert not (tmp_path / "out").exists()
    r = run("import", tmp_path / "net", "--out", tmp_path / "out", "--allow-unmapped")
    assert r.exit_code == 0 and "Transformer 't1'" in r.output, r.output


def test_shipped_folder_is_untouched_by_import(tmp_path):
    """Importing reads the CSV folder only (a copy compared before and after)."""
    before = {p.name: p.read_bytes() for p in ACDC.iterdir()}
    from_pypsa(ACDC, tmp_path / "case")
    assert {p.name: p.read_bytes() for p in ACDC.iterdir()} == before
