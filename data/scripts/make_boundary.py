"""Boundary hourly multipliers, hydro years per basin, city -> basin map, and their plots (issue #14).

    python data/scripts/make_boundary.py

Writes (deterministic, offline, no random numbers; ~2 s):
  data/profiles/boundary.csv     8760 h: import/export price multipliers and import/export limit fractions
  data/hydro_years.csv           basin x month: dry / normal / wet multipliers on ROR availability and inflow
  data/basins.csv                city -> basin
  data/boundary_price_duration.png, data/hydro_years.png
and appends one sentence to the `source` column of data/boundary.csv (idempotent): that file is written by
make_tables.py, so run this script after it (make_tables.py -> make_profiles.py -> make_boundary.py).
Every number below carries its flag (S sourced, C computed, E estimated); the citations are in
data/README.md "Boundary hourly shape" and "Hydro years".
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

DATA = Path(__file__).resolve().parents[1]
N = 8760
DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])  # 2025, non-leap (as the city profiles)

# ---------------------------------------------------------------- seasons (丰/平/枯水期)
WET = (6, 7, 8, 9, 10)       # 丰水期 Jun-Oct [S]
DRY = (12, 1, 2, 3, 4)       # 枯水期 Dec-Apr [S]
SHOULDER = (5, 11)           # 平水期 May, Nov [S, weak]

# ---------------------------------------------------------------- time of use, 川发改价格〔2025〕185号 [S]
# hour h = the hour starting at h:00 (local time, as the city profiles)
TOU_SEASON = {m: "spring_autumn" for m in (3, 4, 5, 6, 10, 11)}
TOU_SEASON.update({m: "summer" for m in (7, 8, 9)})
TOU_SEASON.update({m: "winter" for m in (1, 2, 12)})
TOU_PEAK = {"spring_autumn": [10, 11, 17, 18, 19, 20, 21],             # 10-12, 17-22
            "summer": [11, 12, 13, 14, 15, 16, 17, 20, 21, 22],         # 11-18, 20-23
            "winter": [10, 11, 16, 17, 18, 19, 20, 21]}                 # 10-12, 16-22
TOU_VALLEY = {"spring_autumn": [22, 23, 0, 1, 2, 3, 4, 5, 6, 7],       # 22-08
              "summer": [1, 2, 3, 4, 5, 6],                             # 01-07
              "winter": [0, 1, 2, 3, 4, 5, 6, 7]}                       # 00-08
TIP_MONTHS = (7, 8)          # 尖峰: all of July and August (大工业 users) [S]
TIP_HOURS = [13, 21, 22]     # 13-14, 21-23 [S]
RATIO = {"peak": 1.6, "flat": 1.0, "valley": 0.4}   # 高峰 +60 %, 低谷 -60 % of 平段 [S]
TIP_OVER_PEAK = 1.2          # 尖峰 = 高峰 x 1.2 [S]
WHOLESALE = 0.5              # the boundary keeps this fraction of the retail TOU swing: r -> 1 + 0.5 (r - 1) (E).
# The policy ratios are retail tariffs designed to move users' load (发改价格〔2021〕1093号 asks for >= 3:1
# peak/valley); the marginal value of energy at a city's boundary swings less in a hydro-dominated province.
# At the full retail swing (peak/valley 4:1, up to 8:1 across seasons) Chengdu 2030 built 29 GW / 116 GWh of
# 4-h batteries for arbitrage alone (more than 80 % of its peak load), which no provincial plan foresees; at 0.5
# the swing is peak 1.3 / valley 0.7 of flat (1.86:1), 尖峰 1.46.

# ---------------------------------------------------------------- seasonal price levels
IMPORT_MEAN = 330.0          # data/boundary.csv annual mean (E, unchanged)
EXPORT_MEAN = 100.0          # data/boundary.csv annual mean (E, unchanged)
COAL_ONGRID_2018 = 373.9     # CNY/MWh, 2018 on-grid coal price [S spglobal / NEA, sichuan_data §3.3]
CNY2024 = 1.10               # to CNY 2024, as boundary.csv (E)
IMPORT_DRY = COAL_ONGRID_2018 * CNY2024   # dry-season import level: coal sets the price (C/E) = 411.3
IMPORT_SHOULDER = IMPORT_MEAN             # E
EXPORT_WET = 20.0            # wet-season export value, CNY/MWh (E; spot floor -50 / 56 of 96 periods on 20-Sep-2025 [S])
EXPORT_SHOULDER = EXPORT_MEAN             # E

# ---------------------------------------------------------------- exchange limits (fractions of capability), all E
IMPORT_LIMIT = {"dry": {"peak": 0.6, "flat": 0.9, "valley": 1.0},
                "shoulder": {"peak": 0.8, "flat": 1.0, "valley": 1.0},
                "wet": {"peak": 1.0, "flat": 1.0, "valley": 1.0}}
IMPORT_LIMIT_TIP = 1.0       # Jul-Aug 尖峰 hours keep the full rating: Chengdu's observed peak of 22,130 MW (16-Jul-2025) [S] was served
                             # through its corridors, to which cd_grid's 2025 rating is calibrated (corridors.csv); a derate here (0.8 was tried) made chengdu_2025 shed load at that peak
EXPORT_LIMIT = {"dry": {"peak": 1.0, "flat": 1.0, "valley": 1.0},
                "shoulder": {"peak": 0.8, "flat": 0.6, "valley": 0.4},
                "wet": {"peak": 0.4, "flat": 0.2, "valley": 0.1}}

# ---------------------------------------------------------------- hydro years (multipliers on normal = 1), month 1..12
# dry: a design year with 2022's Jul-Nov deficit and no wet first half (2022 H1 was +25.1 % y/y), see README
DRY_YEAR = {
    "jialing":       [0.90, 0.90, 0.90, 0.90, 0.85, 0.80, 0.45, 0.45, 0.35, 0.60, 0.70, 0.80],
    "min":           [0.90, 0.90, 0.90, 0.90, 0.85, 0.80, 0.45, 0.45, 0.35, 0.60, 0.70, 0.80],
    "dadu":          [0.95, 0.95, 0.95, 0.95, 0.90, 0.85, 0.50, 0.50, 0.50, 0.65, 0.75, 0.85],
    "jinsha_yalong": [0.95, 0.95, 0.95, 0.95, 0.90, 0.85, 0.50, 0.50, 0.40, 0.65, 0.75, 0.85],
}
BASINS = list(DRY_YEAR)
# 2022 Sichuan figures the dry year is checked against [S] (sources in README)
GEN_2022_JUL_AUG = 0.50      # "7-8月 ... 水电发电量锐减50%以上": generation <= 0.5 of normal
# the normal-year monthly inflow CF of make_profiles.py (sichuan_data §1.5, E): energy weights for the checks
INFLOW_CF = np.array([0.30, 0.27, 0.28, 0.33, 0.45, 0.60, 0.72, 0.73, 0.70, 0.58, 0.42, 0.33])
# hydro MW per basin in the five cities (2025, cities.csv + plants.csv), weights of the province-style check (C)
BASIN_MW = {"jialing": 1000 + 2300, "min": 1300, "dadu": 6930, "jinsha_yalong": 6600}

CITY_BASIN = [
    ("chengdu", "min", "Zipingpu (760 MW) sits on the upper Min at Dujiangyan; small hydro of the Min/Tuo headwaters "
                       "(sichuan_data §1.2) [S location, E for the small hydro]"),
    ("mianyang", "jialing", "Wudu (150 MW) and the Fujiang/Pingwu small hydro are on the Fujiang, a tributary of the "
                            "Jialing (sichuan_data §1.2) [S location]; in 2022 the Fujiang was milder than the Jialing "
                            "main stem (-20 % vs -60..-80 % in 5-11 Sep) [S], so this is conservative (E)"),
    ("leshan", "dadu", "the Dadu lower cascade (Gongzui, Tongjiezi, Shawan, Anggu, Shaping, Zhentouba, ~85 % of the "
                       "6,930 MW) [S plants]; Jianwei 500 + the Minjiang 航电 plants 522.5 MW (~15 %) are on the Min "
                       "below its confluence with the Dadu at Leshan and see Min+Dadu+Qingyi flow: all counted as "
                       "dadu (E); a 0.85 dadu + 0.15 min blend moves the dry Jul-Aug multiplier by < 0.01"),
    ("guangyuan", "jialing", "Tingzikou (1,100 MW, Jialing main stem) and Baozhusi (700 MW, Bailong River, a Jialing "
                             "tributary), Jialing cascade (sichuan_data §1.2) [S]"),
    ("panzhihua", "jinsha_yalong", "Ertan 3,300 and Tongzilin 600 MW on the lower Yalong; Jinsha 560, Yinjiang 390 and "
                                   "Guanyinyan (half, 1,500) on the Jinsha main stem (cities.csv/plants.csv) [S]"),
]

S_JULAUG = ("Jul-Aug 2022: Sichuan hydro generation -50 % or more (四川在线 12-Oct-2022: 7-8月 水电发电量锐减50%以上); "
            "major-river inflow -20..-50 % (Xinhua 17-Aug-2022, State Grid Sichuan); hydropower inflow -50 % since "
            "1-Aug (Bloomberg 16-Aug-2022, Sichuan Economy & IT Dept); rainfall -30 % Jul / -60 % Aug (Reuters) [S]")
S_SEP = ("5-11 Sep 2022: Min, Jialing, Yalong, Anning -60..-80 %; Tuo, Qu, Dadu, Qingyi -40..-50 %; Fu -20 % "
         "(四川新闻网 12-Sep-2022, Sichuan flood-drought HQ) [S]; the Jialing's 2022 low flow lies outside the normal "
         "range of a 301-year tree-ring record (Chen et al. 2024, J. Hydrol. Reg. Stud. 53:101824) [S]")
S_AUTUMN = ("Oct-Nov 2022 inflow of the main rivers still below normal, 20 control reservoirs 89 % of the 13 bn m3 "
            "refill target on 7-Oct (四川在线 12-Oct-2022) [S]; size of the deficit E")
S_SPRING = ("spring after a dry year: Sichuan hydro generation -11.9 % Apr / -24.4 % May 2023 y/y (NBS via news) [S]; "
            "2022 itself had a wet H1 (+25.1 % y/y, NBS) that the design year leaves out, so the year is more severe "
            "than 2022 (annual 2022 +4.2 %) [S]; values E")
HYDRO_WET_SOURCE = ("wet = 2 - dry, a symmetric assumption (E); cited wet year 2020 (Aug-2020 record Min flood, "
                    "Jialing/Fu/Tuo above guaranteed levels, Changjiang Water Resources Commission; 20.2 TWh of "
                    "Sichuan hydro spilled in 2020, 53 % on the Dadu main stem, NEA) [S] but not calibrated to it: no "
                    "2020 monthly inflow figures were found")


def dry_source(month: int) -> str:
    if month in (7, 8):
        return S_JULAUG
    if month == 9:
        return S_SEP
    if month in (10, 11, 12):
        return S_AUTUMN
    return S_SPRING


# ================================================================= boundary
def hour_table() -> pd.DataFrame:
    idx = pd.date_range("2025-01-01 00:00", periods=N, freq="h")
    df = pd.DataFrame({"hour": np.arange(N), "month": idx.month.to_numpy(), "hod": idx.hour.to_numpy()})
    season = np.where(df.month.isin(WET), "wet", np.where(df.month.isin(DRY), "dry", "shoulder"))
    tou = []
    for m, h in zip(df.month, df.hod):
        s = TOU_SEASON[m]
        tou.append("peak" if h in TOU_PEAK[s] else "valley" if h in TOU_VALLEY[s] else "flat")
    df["season"] = season
    df["tou"] = tou
    df["tip"] = df.month.isin(TIP_MONTHS) & df.hod.isin(TIP_HOURS)
    assert (df.loc[df.tip, "tou"] == "peak").all()  # 尖峰 hours lie inside the peak block
    return df


def tou_shape(df: pd.DataFrame) -> np.ndarray:
    """Policy ratios (peak 1.6 / flat 1 / valley 0.4, 尖峰 1.92) damped to a wholesale swing (WHOLESALE),
    scaled to a daily mean of 1 in each month."""
    r = df.tou.map(RATIO).to_numpy(dtype=float, copy=True)
    r[df.tip.to_numpy()] *= TIP_OVER_PEAK
    r = 1.0 + WHOLESALE * (r - 1.0)       # a wholesale boundary, not the retail tariff (WHOLESALE)
    day_mean = pd.Series(r).groupby(df.month).transform("mean").to_numpy()
    return r / day_mean


def season_levels(mean: float, dry: float | None, wet: float | None, shoulder: float) -> dict:
    """Monthly level (CNY/MWh) per season; the unknown one of dry/wet keeps the hour-weighted annual mean."""
    h = {s: sum(DAYS[m - 1] * 24 for m in ms) for s, ms in (("dry", DRY), ("wet", WET), ("shoulder", SHOULDER))}
    rest = mean * N - shoulder * h["shoulder"]
    if dry is None:
        dry = (rest - wet * h["wet"]) / h["dry"]
    if wet is None:
        wet = (rest - dry * h["dry"]) / h["wet"]
    return {"dry": dry, "wet": wet, "shoulder": shoulder}


def boundary_profile():
    df = hour_table()
    shape = tou_shape(df)
    lev_imp = season_levels(IMPORT_MEAN, IMPORT_DRY, None, IMPORT_SHOULDER)
    lev_exp = season_levels(EXPORT_MEAN, None, EXPORT_WET, EXPORT_SHOULDER)
    imp = df.season.map(lev_imp).to_numpy() / IMPORT_MEAN * shape
    exp = df.season.map(lev_exp).to_numpy() / EXPORT_MEAN * shape
    imp /= imp.mean()   # exact normalisation (annual, hour-weighted mean = 1)
    exp /= exp.mean()
    imp_lim = np.array([IMPORT_LIMIT[s][t] for s, t in zip(df.season, df.tou)])
    imp_lim[df.tip.to_numpy()] = np.minimum(imp_lim[df.tip.to_numpy()], IMPORT_LIMIT_TIP)
    exp_lim = np.array([EXPORT_LIMIT[s][t] for s, t in zip(df.season, df.tou)])
    out = pd.DataFrame({"hour": df.hour, "month": df.month,
                        "import_price_pu": imp.round(5), "export_price_pu": exp.round(5),
                        "import_limit_pu": imp_lim.round(3), "export_limit_pu": exp_lim.round(3)})
    # the engine's contract: price multipliers >= 0 with mean 1, limits in [0, 1]; never pays more for an
    # export than an import costs in the same hour (no import->export arbitrage)
    for c in ("import_price_pu", "export_price_pu"):
        assert (out[c] >= 0).all() and abs(out[c].mean() - 1) < 1e-5, c
    for c in ("import_limit_pu", "export_limit_pu"):
        assert out[c].between(0, 1).all(), c
    assert (out.export_price_pu * EXPORT_MEAN < out.import_price_pu * IMPORT_MEAN).all()
    return out, df, lev_imp, lev_exp


# ================================================================= hydro years
def hydro_years() -> pd.DataFrame:
    rows = []
    for b in BASINS:
        for m in range(1, 13):
            dry = DRY_YEAR[b][m - 1]
            rows.append(dict(basin=b, month=m, dry=dry, normal=1.0, wet=round(2.0 - dry, 3), flag="E",
                             source=f"dry: {dry_source(m)}; wet: {HYDRO_WET_SOURCE}"))
    hy = pd.DataFrame(rows, columns=["basin", "month", "dry", "normal", "wet", "flag", "source"])
    # check: Jul-Aug, weighted by the five cities' hydro MW, at most the 2022 generation (<= 0.5 of normal)
    w = np.array([BASIN_MW[b] for b in BASINS], float)
    jul_aug = np.array([np.mean(DRY_YEAR[b][6:8]) for b in BASINS])
    assert (w @ jul_aug) / w.sum() <= GEN_2022_JUL_AUG + 1e-9
    return hy


def annual_energy_ratio(mult: list[float]) -> float:
    e = INFLOW_CF * DAYS
    return float((e * np.asarray(mult)).sum() / e.sum())


# ================================================================= plots
def plot_duration(bp: pd.DataFrame, df: pd.DataFrame, path: Path):
    price = bp.import_price_pu.to_numpy() * IMPORT_MEAN
    order = np.argsort(-price, kind="stable")
    p = price[order]
    s = df.season.to_numpy()[order]
    x = np.arange(1, N + 1)
    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=110)
    ax.plot(x, p, color="0.3", lw=1.0, zorder=1, label="all hours (sorted)")
    colours = {"dry": ("#c0392b", "dry season Dec-Apr (kushuiqi)"), "shoulder": ("#7f8c8d", "shoulder May, Nov (pingshuiqi)"),
               "wet": ("#2471a3", "wet season Jun-Oct (fengshuiqi)")}
    for key, (c, lab) in colours.items():
        sel = s == key
        ax.scatter(x[sel], p[sel], s=4, color=c, label=f"{lab}: mean {price[df.season == key].mean():.0f}",
                   zorder=2, linewidths=0)
    ax.axhline(IMPORT_MEAN, color="k", ls=":", lw=0.8)
    ax.text(N * 0.99, IMPORT_MEAN + 8, f"annual mean {IMPORT_MEAN:.0f}", ha="right", fontsize=8)
    exp = np.sort(bp.export_price_pu.to_numpy() * EXPORT_MEAN)[::-1]
    ax.plot(x, exp, color="#27ae60", lw=1.0, ls="--", label=f"export price (sorted), mean {EXPORT_MEAN:.0f}")
    ax.set_xlim(0, N)
    ax.set_ylim(0, None)
    ax.set_xlabel("hours of the year, sorted by import price")
    ax.set_ylabel("CNY/MWh (real 2024)")
    ax.set_title("Boundary import price duration curve (data/profiles/boundary.csv x boundary.csv 330 CNY/MWh)",
                 fontsize=9)
    ax.legend(fontsize=7.5, loc="upper right", markerscale=3)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def plot_hydro_years(hy: pd.DataFrame, path: Path):
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.4), dpi=110, sharey=True)
    months = np.arange(1, 13)
    for ax, b in zip(axes, BASINS):
        d = hy[hy.basin == b]
        ax.plot(months, d.wet, "o-", color="#2471a3", ms=3, label="wet (E: 2 - dry)")
        ax.plot(months, d.normal, "-", color="0.4", label="normal = 1")
        ax.plot(months, d.dry, "o-", color="#c0392b", ms=3, label="dry (E, >= 2022)")
        ax.axvspan(6.5, 8.5, color="#f5b041", alpha=0.15, lw=0)
        ax.set_title(f"{b}  (annual: dry {annual_energy_ratio(DRY_YEAR[b]):.2f}, "
                     f"wet {annual_energy_ratio([2 - v for v in DRY_YEAR[b]]):.2f})", fontsize=8.5)
        ax.set_xticks(months)
        ax.set_xticklabels(list("JFMAMJJASOND"), fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("multiplier on ror_pu / inflow_pu")
    axes[0].legend(fontsize=7, loc="upper left")
    fig.suptitle("Hydro years per basin (data/hydro_years.csv); shaded: Jul-Aug, 2022 generation -50 % or more",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


# ================================================================= boundary.csv source text
BOUNDARY_NOTE = ("; hourly shape: data/profiles/boundary.csv holds the multipliers of these annual means "
                 "(import_price_pu, export_price_pu, mean 1) and the usable fractions of the exchange capability "
                 "(import_limit_pu, export_limit_pu): wet/dry season levels and Sichuan time of use "
                 "(川发改价格〔2025〕185号), see data/README.md 'Boundary hourly shape' [S/C/E]")


def annotate_boundary_csv():
    path = DATA / "boundary.csv"
    b = pd.read_csv(path)
    b["source"] = [s if "profiles/boundary.csv" in s else s + BOUNDARY_NOTE for s in b["source"]]
    b.to_csv(path, index=False)


def main():
    bp, df, lev_imp, lev_exp = boundary_profile()
    (DATA / "profiles").mkdir(exist_ok=True)
    bp.to_csv(DATA / "profiles" / "boundary.csv", index=False)
    hy = hydro_years()
    hy.to_csv(DATA / "hydro_years.csv", index=False)
    pd.DataFrame(CITY_BASIN, columns=["city", "basin", "source"]).to_csv(DATA / "basins.csv", index=False)
    plot_duration(bp, df, DATA / "boundary_price_duration.png")
    plot_hydro_years(hy, DATA / "hydro_years.png")
    annotate_boundary_csv()

    imp = bp.import_price_pu.to_numpy() * IMPORT_MEAN
    exp = bp.export_price_pu.to_numpy() * EXPORT_MEAN
    print("season levels before time of use (CNY/MWh): import "
          + ", ".join(f"{k} {v:.1f}" for k, v in lev_imp.items())
          + "; export " + ", ".join(f"{k} {v:.1f}" for k, v in lev_exp.items()))
    for col in ("import_price_pu", "export_price_pu", "import_limit_pu", "export_limit_pu"):
        v = bp[col]
        print(f"{col:16s} mean {v.mean():.5f} min {v.min():.4f} max {v.max():.4f} | "
              + " ".join(f"{s} {v[df.season == s].mean():.3f}" for s in ("dry", "shoulder", "wet")))
    print(f"import CNY/MWh: min {imp.min():.0f} max {imp.max():.0f}; dry {imp[df.season == 'dry'].mean():.0f}, "
          f"wet {imp[df.season == 'wet'].mean():.0f}; export min {exp.min():.1f} max {exp.max():.0f}, "
          f"dry {exp[df.season == 'dry'].mean():.0f}, wet {exp[df.season == 'wet'].mean():.1f}")
    w = np.array([BASIN_MW[b] for b in BASINS], float)
    for b in BASINS:
        print(f"{b:14s} dry year annual energy x{annual_energy_ratio(DRY_YEAR[b]):.3f}, "
              f"wet x{annual_energy_ratio([2 - v for v in DRY_YEAR[b]]):.3f}, Jul-Aug dry {np.mean(DRY_YEAR[b][6:8]):.2f}")
    print(f"MW-weighted Jul-Aug dry multiplier {(w @ [np.mean(DRY_YEAR[b][6:8]) for b in BASINS]) / w.sum():.3f} "
          f"(2022: generation <= {GEN_2022_JUL_AUG})")


if __name__ == "__main__":
    main()
