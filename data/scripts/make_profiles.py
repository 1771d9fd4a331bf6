"""Generate data/profiles/<city>.csv (8760 h) for the five gridplan cities.

    python data/scripts/make_profiles.py

Deterministic (fixed seed), offline, reads only repository files:
  data/cities.csv                                  lat/lon/elev, 2025 peak and demand
  data/source/sichuan_load_8760_normalized.csv     Sichuan hourly load shape (from PyPSA-China-PIK, CC-BY-4.0)
  data/source/ror_hydro_8760_pmaxpu_PIK.csv        run-of-river availability (PyPSA-China-PIK, CC-BY-4.0)
Output columns: hour, month, load_pu, solar_pu, wind_pu, ror_pu, inflow_pu (5 decimals).
Year = 2025 (non-leap), hour 0 = 1 Jan 00:00 local time (UTC+8); each value is the mean of that hour.
The method and every calibration number are documented in data/README.md.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
from scipy import stats

DATA = Path(__file__).resolve().parents[1]
OUT = DATA / "profiles"
SEED = 20250601
N = 8760
TZ = "Asia/Shanghai"
CITIES = ["chengdu", "mianyang", "leshan", "guangyuan", "panzhihua"]
BASIN = {"chengdu", "mianyang", "leshan", "guangyuan"}

# ---------------------------------------------------------------- calibration targets (sichuan_data.md)
GHI_TARGET = {"chengdu": 1000, "mianyang": 1050, "leshan": 980, "guangyuan": 1100, "panzhihua": 1750}  # §5.2
PV_FLH_DC = {"chengdu": 850, "mianyang": 890, "leshan": 830, "guangyuan": 940, "panzhihua": 1500}  # §1.6
WIND_FLH = {"chengdu": 1000, "mianyang": 1900, "leshan": 2000, "guangyuan": 2000, "panzhihua": 2500}  # §1.6; CD E
DC_AC = 1.2  # §1.6 / §5.2 recipe
TILT = {"chengdu": 20, "mianyang": 20, "leshan": 20, "guangyuan": 22, "panzhihua": 25}  # §5.2: 20-25 deg, south

# ---------------------------------------------------------------- cloudiness model (E)
# monthly shape of the daily clearness k = GHI / clear-sky GHI (rescaled per city to hit GHI_TARGET)
K_SHAPE_BASIN = np.array([0.30, 0.32, 0.38, 0.45, 0.47, 0.44, 0.48, 0.52, 0.40, 0.33, 0.31, 0.29])
K_SHAPE_PZH = np.array([0.80, 0.82, 0.80, 0.76, 0.70, 0.58, 0.55, 0.57, 0.55, 0.62, 0.74, 0.80])
K_SD = {"basin": 0.18, "pzh": 0.12}  # §5.2 recipe: sd of the daily Beta distribution
RHO_DAY = 0.5  # §5.2: AR(1) day-to-day correlation of cloudiness
R_COMMON_SOLAR = {"basin": 0.6, "pzh": 0.2}  # share of variance from a common (province-wide) weather factor (E)

# ambient temperature (deg C) monthly means, E (Chengdu climate normals, rounded), diurnal +-4 K peaking 15:00
T_CD = np.array([5.6, 8.0, 12.0, 17.0, 21.5, 24.0, 26.0, 25.5, 22.0, 17.5, 12.5, 7.5])
T_PZH = np.array([12.0, 15.0, 19.5, 23.0, 25.5, 25.5, 25.0, 24.5, 22.5, 20.0, 16.0, 12.5])
T_OFFSET = {"chengdu": 0.0, "mianyang": -0.5, "leshan": 0.5, "guangyuan": -1.5}
PV_GAMMA = -0.0037  # 1/K, PVWatts
PV_LOSS = 0.14      # system losses
INV_ETA = 0.96

# ---------------------------------------------------------------- wind model (E unless noted)
RHO_HOUR = 0.93  # §5.2 recipe
WEIBULL_K = 2.0  # §5.2 recipe
WIND_MONTH = np.array([1.25, 1.35, 1.35, 1.2, 1.0, 0.75, 0.65, 0.65, 0.7, 0.85, 1.05, 1.2])  # §1.6 (E)
WIND_DIURNAL_AMP = 0.10  # §5.2: +10 % in the afternoon on ridges; peak at 15:00
R_COMMON_WIND = {"basin": 0.5, "pzh": 0.2}
WIND_LOSS = 0.12  # §5.2
# generic power curve of a low-specific-power 3-4 MW turbine (written for this project), p.u. of rated
PC_U = np.array([0.0, 2.9, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 12.5, 25.0, 25.01, 40.0])
PC_P = np.array([0.0, 0.0, 0.0, 0.04, 0.10, 0.19, 0.31, 0.46, 0.63, 0.79, 0.92, 0.98, 1.0, 1.0, 0.0, 0.0])

# ---------------------------------------------------------------- hydro (§1.5, E)
INFLOW_CF = np.array([0.30, 0.27, 0.28, 0.33, 0.45, 0.60, 0.72, 0.73, 0.70, 0.58, 0.42, 0.33])
INFLOW_SMOOTH_DAYS = 15

# ---------------------------------------------------------------- load (§1.4)
FLAT_BLEND = {"leshan": 0.7, "guangyuan": 0.7, "panzhihua": 0.7}  # 70 % flat + 30 % Sichuan shape


def time_index():
    start = pd.Timestamp("2025-01-01 00:00", tz=TZ)
    idx = pd.date_range(start, periods=N, freq="h")
    assert idx[-1] == pd.Timestamp("2025-12-31 23:00", tz=TZ)
    return idx


def ar1(rng, n, rho):
    """Stationary Gaussian AR(1) with unit variance."""
    e = rng.standard_normal(n)
    z = np.empty(n)
    z[0] = e[0]
    s = np.sqrt(1 - rho ** 2)
    for i in range(1, n):
        z[i] = rho * z[i - 1] + s * e[i]
    return z


def mixed(common, own, r):
    return np.sqrt(r) * common + np.sqrt(1 - r) * own


# ================================================================= load
def load_profile(city, shape_peak, lf_target):
    b = shape_peak.copy()
    w = FLAT_BLEND.get(city, 0.0)
    if w:
        b = w + (1 - w) * b / b.mean()
    b = b / b.max()  # max exactly 1
    # monotone transform x**g keeps max = 1 and hour ordering; bisection on g for the mean
    lo, hi = 0.01, 50.0
    for _ in range(200):
        g = 0.5 * (lo + hi)
        if (b ** g).mean() > lf_target:
            lo = g
        else:
            hi = g
    out = b ** (0.5 * (lo + hi))
    return out, 0.5 * (lo + hi)


# ================================================================= solar
def solar_profile(city, lat, lon, elev, idx, z_day):
    region = "pzh" if city == "panzhihua" else "basin"
    mid = idx + pd.Timedelta(minutes=30)  # hour-average represented by the mid-hour instant
    loc = pvlib.location.Location(lat, lon, tz=TZ, altitude=elev)
    cs = loc.get_clearsky(mid, model="ineichen")  # Linke turbidity from pvlib's bundled table (offline)
    sp = loc.get_solarposition(mid)
    ghi_cs = cs["ghi"].to_numpy()
    ghi_cs_day = ghi_cs.reshape(365, 24).sum(1)
    month_day = idx.month.to_numpy().reshape(365, 24)[:, 0] - 1

    shape = K_SHAPE_PZH if region == "pzh" else K_SHAPE_BASIN
    sd = K_SD[region]
    u = stats.norm.cdf(z_day)

    def draw(alpha):
        mu = np.clip(alpha * shape[month_day], 0.03, 0.95)
        s = np.minimum(sd, 0.9 * np.sqrt(mu * (1 - mu)))
        nu = mu * (1 - mu) / s ** 2 - 1
        return stats.beta.ppf(u, mu * nu, (1 - mu) * nu)

    target = GHI_TARGET[city] * 1000.0  # Wh/m2
    alpha = target / (shape[month_day] * ghi_cs_day).sum()
    for _ in range(30):  # fixed-point on the monthly-mean scale so the sampled year hits the target
        k = draw(alpha)
        got = (k * ghi_cs_day).sum()
        alpha *= target / got
    k = draw(alpha)
    ghi = np.repeat(k, 24) * ghi_cs
    ghi_annual = ghi.sum() / 1000.0

    zen = sp["apparent_zenith"].to_numpy()
    erbs = pvlib.irradiance.erbs(ghi, zen, mid)
    dni_extra = pvlib.irradiance.get_extra_radiation(mid).to_numpy()
    poa = pvlib.irradiance.get_total_irradiance(
        surface_tilt=TILT[city], surface_azimuth=180, solar_zenith=zen, solar_azimuth=sp["azimuth"].to_numpy(),
        dni=np.asarray(erbs["dni"]), ghi=ghi, dhi=np.asarray(erbs["dhi"]), dni_extra=dni_extra,
        model="haydavies", albedo=0.2)
    poa_g = np.nan_to_num(np.asarray(poa["poa_global"], dtype=float)).clip(min=0)

    tmon = T_PZH if city == "panzhihua" else T_CD + T_OFFSET[city]
    hour = idx.hour.to_numpy()
    t_air = tmon[idx.month.to_numpy() - 1] + 4.0 * np.cos(2 * np.pi * (hour + 0.5 - 15) / 24)
    t_cell = pvlib.temperature.faiman(poa_g, t_air, wind_speed=1.5)

    pdc_raw = np.asarray(pvlib.pvsystem.pvwatts_dc(effective_irradiance=poa_g, temp_cell=t_cell, pdc0=1.0,
                                                   gamma_pdc=PV_GAMMA)) * (1 - PV_LOSS)  # per kW_dc
    pac_rated = 1.0 / DC_AC

    def ac(scale):
        pdc = np.clip(pdc_raw * scale, 0, None)
        pac = np.asarray(pvlib.inverter.pvwatts(pdc, pdc0=pac_rated / INV_ETA, eta_inv_nom=INV_ETA))
        return np.clip(np.nan_to_num(pac), 0, pac_rated)

    flh_dc_raw = ac(1.0).sum()
    lo, hi = 0.3, 3.0
    for _ in range(60):  # final calibration scalar on DC output to hit §1.6 kWh/kWp_dc
        m = 0.5 * (lo + hi)
        if ac(m).sum() < PV_FLH_DC[city]:
            lo = m
        else:
            hi = m
    scale = 0.5 * (lo + hi)
    pu_ac = ac(scale) / pac_rated
    info = dict(ghi_kwh_m2=ghi_annual, ghi_clearsky=ghi_cs.sum() / 1000, k_mean=ghi_annual * 1000 / ghi_cs.sum(),
                poa_kwh_m2=poa_g.sum() / 1000, pv_flh_dc_uncal=flh_dc_raw, pv_cal_scale=scale,
                monthly_k_scale=alpha)
    return pu_ac, info


# ================================================================= wind
def wind_profile(city, idx, z_hour):
    u01 = stats.norm.cdf(z_hour)
    w = (-np.log1p(-np.clip(u01, 0, 1 - 1e-12))) ** (1 / WEIBULL_K)  # unit-scale Weibull(k=2)
    month = idx.month.to_numpy() - 1
    hour = idx.hour.to_numpy()
    diurnal = 1 + WIND_DIURNAL_AMP * np.cos(2 * np.pi * (hour + 0.5 - 15) / 24)
    base = w * WIND_MONTH[month] * diurnal

    def power(c):
        return np.interp(c * base, PC_U, PC_P) * (1 - WIND_LOSS)

    lo, hi = 0.5, 20.0
    for _ in range(60):
        c = 0.5 * (lo + hi)
        if power(c).sum() < WIND_FLH[city]:
            lo = c
        else:
            hi = c
    c = 0.5 * (lo + hi)
    return power(c), dict(weibull_c=c, mean_speed=(c * base).mean())


# ================================================================= hydro
def hydro_profiles(ror_pik, idx):
    month = idx.month.to_numpy() - 1
    pik_m = np.array([ror_pik[month == m].mean() for m in range(12)])
    # anchors at mid-month (hour of year), periodic linear interpolation of the month ratio
    mid_h = np.array([np.flatnonzero(month == m).mean() for m in range(12)])
    xp = np.concatenate([mid_h - N, mid_h, mid_h + N])
    t = np.arange(N)
    ratio = INFLOW_CF / pik_m
    for _ in range(50):  # iterate anchors so the monthly means equal the Sichuan CF
        f = np.interp(t, xp, np.tile(ratio, 3))
        ror = np.clip(ror_pik * f, 0, 1)
        got = np.array([ror[month == m].mean() for m in range(12)])
        ratio *= INFLOW_CF / got
    f = np.interp(t, xp, np.tile(ratio, 3))
    ror = np.clip(ror_pik * f, 0, 1)
    # reservoir inflow: daily mean of ror, 15-day centred circular moving average, constant within the day
    daily = ror.reshape(365, 24).mean(1)
    k = INFLOW_SMOOTH_DAYS
    pad = np.concatenate([daily[-k:], daily, daily[:k]])
    sm = np.convolve(pad, np.ones(k) / k, mode="same")[k:-k]
    sm *= daily.mean() / sm.mean()
    inflow = np.repeat(sm, 24)
    return ror, inflow


# EV charging, uncontrolled private cars: share of a day's charging energy in each hour 0-23 [E]: a Monte
# Carlo (200k cars) of the standard Chinese EV-load model (arrival ~ N(17.6 h, 3.4 h), lognormal daily
# mileage, 0.15 kWh/km; 罗卓伟 et al. 2011 type, parameters as in public codes) run for the project's
# research notes, not reproduced here (data/README.md "ev_pu"). Peak 19:00 at 2.49 x the mean.
EV_DAY = np.array([0.038, 0.027, 0.018, 0.012, 0.008, 0.006, 0.004, 0.003, 0.003, 0.005, 0.007, 0.013,
                   0.021, 0.033, 0.049, 0.066, 0.083, 0.096, 0.103, 0.104, 0.096, 0.083, 0.068, 0.053])


def ev_profile() -> np.ndarray:
    """The EV charging day repeated over the year, per unit of its peak hour (max = 1)."""
    return np.tile(EV_DAY / EV_DAY.max(), N // 24)


def main():
    rng = np.random.default_rng(SEED)
    idx = time_index()
    cities = pd.read_csv(DATA / "cities.csv")
    c25 = cities[cities["year"] == 2025].set_index("city")
    load_src = pd.read_csv(DATA / "source" / "sichuan_load_8760_normalized.csv")
    shape_peak = load_src["load_pu_of_peak"].to_numpy(dtype=float)
    ror_pik = pd.read_csv(DATA / "source" / "ror_hydro_8760_pmaxpu_PIK.csv")["ror_p_max_pu"].to_numpy(dtype=float)
    assert len(shape_peak) == N and len(ror_pik) == N

    ror, inflow = hydro_profiles(ror_pik, idx)

    # common weather factors (one draw shared by all cities), then one own draw per city, in fixed order
    z_day_common = ar1(rng, 365, RHO_DAY)
    z_hour_common = ar1(rng, N, RHO_HOUR)
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"{'city':10s} {'LF':>7s} {'gamma':>6s} {'GHI':>6s} {'k':>5s} {'PVdc':>6s} {'PVac':>6s} "
          f"{'PVraw':>6s} {'scale':>6s} {'wind':>6s} {'c':>5s} {'v':>5s} {'ror_h':>6s} {'infl_h':>6s}")
    for city in CITIES:
        region = "pzh" if city == "panzhihua" else "basin"
        z_day = mixed(z_day_common, ar1(rng, 365, RHO_DAY), R_COMMON_SOLAR[region])
        z_hour = mixed(z_hour_common, ar1(rng, N, RHO_HOUR), R_COMMON_WIND[region])
        row = c25.loc[city]
        lf = row["annual_demand_mwh"] / (8760.0 * row["peak_mw"])
        load, gamma = load_profile(city, shape_peak, lf)
        solar, si = solar_profile(city, row["lat"], row["lon"], row["elev_m"], idx, z_day)
        wind, wi = wind_profile(city, idx, z_hour)
        df = pd.DataFrame({
            "hour": np.arange(N), "month": idx.month.to_numpy(),
            "load_pu": load, "solar_pu": solar, "wind_pu": wind, "ror_pu": ror, "inflow_pu": inflow,
            "ev_pu": ev_profile(),
        })
        for col in ["load_pu", "solar_pu", "wind_pu", "ror_pu", "inflow_pu", "ev_pu"]:
            df[col] = df[col].clip(lower=0).round(5)
        assert df.notna().all().all() and df["load_pu"].max() == 1.0
        df.to_csv(OUT / f"{city}.csv", index=False)
        print(f"{city:10s} {df.load_pu.mean():7.4f} {gamma:6.3f} {si['ghi_kwh_m2']:6.0f} {si['k_mean']:5.2f} "
              f"{df.solar_pu.sum() / DC_AC:6.0f} {df.solar_pu.sum():6.0f} {si['pv_flh_dc_uncal']:6.0f} "
              f"{si['pv_cal_scale']:6.3f} {df.wind_pu.sum():6.0f} {wi['weibull_c']:5.2f} {wi['mean_speed']:5.2f} "
              f"{df.ror_pu.sum():6.0f} {df.inflow_pu.sum():6.0f}   (target LF {lf:.4f})")
    print("columns: LF = mean load_pu (= load factor); PVdc/PVac = solar full-load hours per kW_dc / per kW_AC; "
          "PVraw = uncalibrated kWh/kWp_dc; wind = full-load hours; c = Weibull scale m/s; v = mean hub speed")


if __name__ == "__main__":
    main()
