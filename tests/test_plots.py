"""The plots tell the truth at a glance (issue #19): what each figure shows, read back from its artists.

* every public plot function returns a matplotlib ``Figure`` and writes a PNG only when given a path;
* ``dispatch_week`` on a chronological run shows the week of the most stressed snapshot (the
  highest price at any bus, ties to the highest demand), its major ticks the dates of that week,
  derived here from ``res.prices`` with numpy; on a typical-days run, k − 1 day boundaries and
  "×N d" labels that add up to the year; with several buses, the demand-weighted mean price;
* ``capacity_by_bus`` shows demand-response capability, and no MWh among the MW;
* ``target_costs`` draws no bar for a missed target (its dual is a penalty, not a cost).

Small runs only: a two-bus, two-week case written here, Guangyuan 2030 at 3 typical days and at
24-hour snapshots, and a two-run comparison at 2 typical days.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.dates import num2date
from matplotlib.figure import Figure

import gridplan
from gridplan import plots
from gridplan.batch.runs import Run
from gridplan.results import CAPACITY_COMPONENTS

from conftest import prof, two_buses, write_case_files

CASES = Path(__file__).resolve().parents[1] / "cases"
DAYS = 14
SPIKE = 9 * 24 + 19          # day 9 (0-based), 19:00: the one hour bus B cannot serve from its own plant and the line


def two_week_case(folder):
    """Two buses, 14 days hourly: B's demand peaks above its gas plant plus the line at one hour."""
    case = two_buses()
    case["time"] = {"hours": DAYS * 24}
    case["buses"][1]["demand"] = {"profile": prof("load"), "peak_mw": 260}
    h = np.arange(DAYS * 24)
    load = 0.4 + 0.2 * np.sin(2 * np.pi * (h % 24) / 24)
    load[SPIKE] = 1.0
    return write_case_files(folder, case, {"load": load})


@pytest.fixture(scope="module")
def hourly(tmp_path_factory):
    return gridplan.solve(gridplan.load_case(two_week_case(tmp_path_factory.mktemp("two_weeks"))))


@pytest.fixture(scope="module")
def daily():
    return gridplan.solve(gridplan.load_case(CASES / "guangyuan_2030.yaml"), resolution=24)


@pytest.fixture(scope="module")
def typical():
    return gridplan.solve(gridplan.load_case(CASES / "guangyuan_2030.yaml"), typical_days=3)


@pytest.fixture(scope="module")
def comparison():
    """Guangyuan 2030, and Guangyuan 2030 with its seasonal-hydro target out of reach (2,500 MW:
    the reservoirs can reach 1,950), elastic: the second misses a hard target."""
    case = CASES / "guangyuan_2030.yaml"
    return gridplan.compare([Run(case, name="guangyuan"),
                             Run(case, {"targets.hydro_seasonal_regulation_capacity_2030.value": 2500},
                                 name="guangyuan_seasonal_2500")],
                            typical_days=2, elastic=True, workers=1, executor="inline")


def texts(fig) -> list[str]:
    """Every text of a figure: titles, labels, tick labels, annotations."""
    from matplotlib.text import Text
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def by_gid(fig, gid) -> list:
    return [a for a in fig.findobj() if getattr(a, "get_gid", lambda: None)() == gid]


# --------------------------------------------------------------------------- Figures and files


def test_every_plot_returns_a_figure_and_writes_only_when_asked(tmp_path, typical, comparison):
    made = {
        "capacity_mix": lambda p: plots.capacity_mix(comparison.capacities, comparison.table, p),
        "target_costs": lambda p: plots.target_costs(comparison.targets, comparison.table, p),
        "dispatch_week": lambda p: plots.dispatch_week(typical, p),
        "capacity_by_bus": lambda p: plots.capacity_by_bus(typical, p),
        "network_map": lambda p: plots.network_map(typical, path=p),
    }
    for name, plot in made.items():
        fig = plot(None)
        assert isinstance(fig, Figure), name
        assert list(tmp_path.iterdir()) == [], name          # no path: nothing written
        path = tmp_path / "sub" / f"{name}.png"
        assert isinstance(plot(path), Figure)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        path.unlink()
        path.parent.rmdir()


# --------------------------------------------------------------------------- dispatch_week


def expected_week(res) -> tuple[int, list[str]]:
    """The stressed snapshot and the labels of its week, from the prices alone (numpy)."""
    p = res.prices.to_numpy()
    top = p.max(axis=1)
    tied = np.flatnonzero(np.isclose(top, top.max(), rtol=1e-6, atol=1e-6))
    snap = int(tied[np.argmax(res.data.demand.sum(axis=0)[tied])])
    hour = np.asarray(res.data.snapshot_hour)
    days = int(hour.max()) // 24 + 1
    first = int(np.clip(hour[snap] // 24 - 3, 0, max(0, days - 7)))
    jan1 = pd.Timestamp(year=int(res.case.year), month=1, day=1)
    dates = [jan1 + pd.Timedelta(days=d) for d in range(first, min(first + 7, days))]
    return snap, [f"{d.strftime('%a')} {d.day} {d.strftime('%b')}" for d in dates]


@pytest.mark.parametrize("run", ["hourly", "daily"])
def test_chronological_week_is_the_week_of_the_highest_price(run, request):
    res = request.getfixturevalue(run)
    snap, labels = expected_week(res)
    fig = plots.dispatch_week(res)
    ax = fig.axes[0]
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == labels
    # the major ticks sit at midnight of those days, on the case's calendar
    ticks = [num2date(x) for x in ax.get_xticks()]
    assert all((t.hour, t.minute) == (0, 0) for t in ticks)
    assert ticks[0].year == res.case.year
    # day boundaries inside the week, and the stressed snapshot named in the title
    assert len(by_gid(fig, "day boundary")) == len(labels) - 1
    p = res.prices.to_numpy()
    bus = res.prices.columns[int(np.argmax(p[snap]))]
    title = ax.get_title()
    assert f"week of the highest price: {bus} {p[snap].max():,.0f} CNY/MWh" in title
    when = pd.Timestamp(year=int(res.case.year), month=1, day=1) + pd.Timedelta(hours=int(res.data.snapshot_hour[snap]))
    assert f"{when.day} {when:%b}" in title


def test_the_two_week_case_spikes_where_it_was_built_to(hourly):
    """The synthetic case's stress is where the test put it (so the test above is not vacuous)."""
    res = hourly
    p = res.prices.to_numpy()
    assert int(np.argmax(p.max(axis=1))) == SPIKE and res.prices.columns[int(np.argmax(p[SPIKE]))] == "B"
    assert expected_week(res)[1][0] == "Mon 7 Jan"          # days 6..12 of 2030 (1 January is a Tuesday)


def test_demand_weighted_price_line(hourly):
    fig = plots.dispatch_week(hourly)
    mean, = by_gid(fig, "mean price")
    highest, = by_gid(fig, "highest price")
    assert mean.get_label() == "price: demand-weighted mean over buses (CNY/MWh)"
    assert "highest bus price" in highest.get_label()
    snap, _ = expected_week(hourly)
    hour = np.asarray(hourly.data.snapshot_hour)
    first = int(np.flatnonzero(hour // 24 == max(0, min(hour[snap] // 24 - 3, DAYS - 7)))[0])
    for s in (first, snap):   # an ordinary hour and the spike; each snapshot is two points (a step)
        i = 2 * (s - first)
        p = hourly.prices.to_numpy()[s]
        d = np.asarray(hourly.data.demand)[:, s]
        assert mean.get_ydata()[i] == pytest.approx(float((p * d).sum() / d.sum()), rel=1e-9)
        assert highest.get_ydata()[i] == pytest.approx(float(p.max()), rel=1e-9)
    assert np.ptp(hourly.prices.to_numpy()[first]) > 1   # the two buses' prices differ: a real weighting


def test_typical_days_in_calendar_order_with_their_weights(typical):
    st = typical.snapshot_table
    k = st["representative_day"].nunique()
    assert k == 3
    fig = plots.dispatch_week(typical)
    assert len(by_gid(fig, "day boundary")) == k - 1
    labels = [t.get_text() for t in by_gid(fig, "typical day label")]
    counts = [int(m) for m in re.findall(r"×(\d+) d", "\n".join(labels))]
    assert len(counts) == k and sum(counts) == 365
    firsts = st.groupby("representative_day")["days_represented"].first().sort_index()
    assert labels == [f"{d.day} {d:%b}\n×{int(n)} d" for d, n in firsts.items()]   # calendar order
    # the same labels from the clustering itself, not from snapshot_table: each typical day's date is
    # the day of its first snapshot's hour, its weight the calendar days day_sequence gives it
    td, hour = np.asarray(typical.data.typical_day_of), np.asarray(typical.data.snapshot_hour)
    weight = np.bincount(np.asarray(typical.data.day_sequence), minlength=k)
    jan1 = pd.Timestamp(year=int(typical.case.year), month=1, day=1)
    dates = sorted((jan1 + pd.Timedelta(days=int(hour[td == p][0]) // 24), int(weight[p])) for p in range(k))
    assert labels == [f"{d.day} {d:%b}\n×{n} d" for d, n in dates]
    ax = fig.axes[0]
    assert sorted({int(float(t.get_text())) for t in ax.get_xticklabels()}) == [0, 6, 12, 18]
    assert "typical days are weighted by the days they stand for" in ax.get_xlabel()
    # one bus: its own price, not a mean
    assert any(line.get_label() == "price at guangyuan (CNY/MWh)" for line in fig.axes[1].lines)


# --------------------------------------------------------------------------- capacity_by_bus


def bars_of(ax) -> dict:
    """label → total height of a labelled bar container."""
    return {b.get_label(): sum(p.get_height() for p in b.patches) for b in ax.containers}


def test_capacity_by_bus_shows_demand_response_and_no_mwh(typical):
    cap = typical.capacities
    dr = cap[cap["component"] == "demand_response"]
    assert dr["total"].sum() > 1                           # Guangyuan's plan contracts demand response
    fig = plots.capacity_by_bus(typical)
    ax = fig.axes[0]
    bars = bars_of(ax)
    unit = 1e3 if "GW" in ax.get_ylabel() else 1.0
    got = sum(v for k, v in bars.items() if k.startswith("demand_response ("))
    assert got * unit == pytest.approx(dr["total"].sum(), rel=1e-6)
    from matplotlib.colors import to_hex
    dr_bars = [b for b in ax.containers if b.get_label().startswith("demand_response (")]
    assert {to_hex(p.get_facecolor(), keep_alpha=False) for b in dr_bars for p in b.patches} == {
        plots.colour_of("demand_response")}
    # the MW panel is MW only: what it stacks is the MW components, no storage energy
    mw = cap[cap["component"].isin([*CAPACITY_COMPONENTS, "demand_response"])]["total"].sum()
    assert sum(bars.values()) * unit == pytest.approx(mw, rel=1e-6)
    assert not any("energy" in k for k in bars)


def test_storage_energy_gets_its_own_panel(write_case):
    case = two_buses()
    case["storage"] = [{"name": "bat", "bus": "B", "technology": "battery", "existing_mw": 10, "existing_mwh": 40}]
    res = gridplan.solve(gridplan.load_case(write_case(case, {"load": [1.0] * 24})))
    cap = res.capacities.set_index("component")
    fig = plots.capacity_by_bus(res)
    assert len(fig.axes) == 2
    assert "MWh" in fig.axes[1].get_ylabel() and "MW)" in fig.axes[0].get_ylabel()
    assert sum(bars_of(fig.axes[1]).values()) == pytest.approx(cap.loc["storage_energy", "total"])
    assert cap.loc["storage_energy", "total"] >= 40
    power = {k: v for k, v in bars_of(fig.axes[0]).items() if k.startswith("battery")}
    assert sum(power.values()) == pytest.approx(cap.loc["storage", "total"])


# --------------------------------------------------------------------------- target_costs


def test_target_costs_draw_no_bar_for_a_missed_target(comparison):
    tg = comparison.targets
    missed = tg[~tg["met"].astype(bool)]
    assert list(zip(missed["case"], missed["id"])) == [("guangyuan_seasonal_2500",
                                                        "hydro_seasonal_regulation_capacity_2030")]
    fig = plots.target_costs(tg, comparison.table)
    gids = {p.get_gid() for ax in fig.axes for p in ax.patches if p.get_gid()}
    costed = tg[tg["met"].astype(bool) & tg["binding"].astype(bool)]
    assert gids == {f"{c}|{t}" for c, t in zip(costed["case"], costed["id"])}
    assert "guangyuan_seasonal_2500|hydro_seasonal_regulation_capacity_2030" not in gids
    # the same target, met and binding in the other case, keeps its bar (CNY/kW-yr, not a penalty)
    assert "guangyuan|hydro_seasonal_regulation_capacity_2030" in gids
    heights = [p.get_height() for ax in fig.axes for p in ax.patches if p.get_gid()]
    assert max(heights) < 1e5
    words = "\n".join(texts(fig))
    assert "missed, not a cost" in words
    assert "guangyuan_seasonal_2500: hydro_seasonal_regulation_capacity_2030, short 550 MW" in words
    assert "met, binding targets" in fig._suptitle.get_text()

