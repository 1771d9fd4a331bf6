"""The comparison tables of a batch: one row per run, per run × target, per run × capacity.

A certified batch (``compare(..., certify=True)``) adds to the main table the bracket around each
case's hourly optimum (:data:`CERTIFICATE_COLUMNS`: ``certified_lower_cny``, ``certified_upper_cny``,
``certified_gap`` (a fraction of the upper bound) and ``certificate_error``, the one line of a case
with no certificate); the summary (Markdown, index.html) shows them beside the cost, in its unit.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Sequence

import pandas as pd

from ..io import MANIFEST, atomic_text, write_csv_frames, write_excel_sheets, write_manifest
from ..report import BATCH_FAILED_EXIT, FAILED, exit_code, outcome_counts
from .runs import FACT_FIELDS, SUMMARY_FIELDS, TARGET_COLUMNS


CERTIFICATE_COLUMNS = ["certified_lower_cny", "certified_upper_cny", "certified_gap", "certificate_error"]
"""The main table's columns of a certified batch, after the summary's."""
CERT_HEADS = ("certified lower (亿 CNY/yr)", "certified upper (亿 CNY/yr)", "certified gap")
"""The summary's certificate columns (the cost's unit), and their short names in the terminal."""
CERT_SHORT = ("cert. lower", "cert. upper", "cert. gap")
NO_CERTIFICATE = "no certificate"
"""The terminal's gap cell of a case with no certificate (the reason is listed below the table)."""

# --------------------------------------------------------------------------- frames


def _marginal(row) -> tuple[float, str]:
    """The cost of tightening a target, in plain units.

    Share targets: CNY per year per percentage point (dual × row units per pp);
    others: the dual in its own unit (CNY/kW-yr, CNY/MWh, CNY/t, CNY/tce). A missed target has
    none (NaN): what its row's dual measures is the shortfall's penalty.
    """
    if row.get("unit") == "share" and row.get("cost_per_pp") is not None:
        return float(row["cost_per_pp"]), "CNY/yr per pp"      # NaN for a missed target, as its dual
    d = row.get("dual")
    return (float("nan") if d is None else float(d)), str(row.get("dual_unit") or "")


def _cap_columns(cap: pd.DataFrame) -> dict:
    """Existing / built capacity by technology: existing_mw_<tech>, built_mw_<tech>, *_mwh_* for storage energy."""
    out: dict = {}
    if cap is None or cap.empty:
        return out
    for (tech, unit), g in cap.groupby(["technology", "unit"], sort=True):
        u = str(unit).lower()
        out[f"existing_{u}_{tech}"] = float(g["existing"].sum())
        out[f"built_{u}_{tech}"] = float(g["built"].sum())
    return out


class Comparison:
    """The result of a batch: one record per run, and the comparison tables built from them."""

    def __init__(self, records: list[dict], scenario_columns: Sequence[str] = (), settings: dict | None = None):
        self.records = records
        self.scenario_columns = list(scenario_columns)
        self.settings = settings or {}

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        return f"<Comparison: {self.counts}>"

    @property
    def outcomes(self) -> list[str]:
        """Each run's outcome (:data:`gridplan.report.OUTCOMES`), in run order."""
        return [r.get("outcome") or "internal error" for r in self.records]

    @property
    def counts(self) -> str:
        """"6 runs: 4 optimal, 1 strive missed, 1 targets missed, 0 failed"."""
        return outcome_counts(self.outcomes)

    @property
    def exit_code(self) -> int:
        """The CLI's exit code for the batch: 5 when a run failed (:data:`gridplan.report.FAILED`:
        no solution), else 4 when a run misses hard targets (an elastic solution, or their
        diagnosis), else 0 (every run optimal, or missing only strive targets)."""
        if any(o in FAILED for o in self.outcomes):
            return BATCH_FAILED_EXIT
        return max(map(exit_code, self.outcomes), default=0)

    @property
    def certified(self) -> bool:
        """Whether the batch certified its runs (``certify=True``): the certificate columns are shown."""
        return bool(self.settings.get("certify")) or any("certificate" in r for r in self.records)

    def _scenario(self, rec) -> dict:
        sc = rec.get("scenario") or {}
        return {c: sc.get(c) for c in self.scenario_columns}

    @cached_property
    def table(self) -> pd.DataFrame:
        """One row per run (see the module docstring for the columns)."""
        rows = []
        for rec in self.records:
            s = rec.get("summary") or {}
            tg = rec.get("targets")
            tg = tg if isinstance(tg, pd.DataFrame) else pd.DataFrame()
            row = {"case": rec.get("name"), **self._scenario(rec), "case_name": rec.get("case_name"),
                   "buses": rec.get("buses"), "year": rec.get("year"),
                   "outcome": rec.get("outcome") or "internal error", "status": rec.get("status"),
                   "ok": bool(rec.get("ok")), "error": rec.get("error") or "", "warning": rec.get("warning") or ""}
            for k in SUMMARY_FIELDS:
                row[k] = s.get(k)
            if self.certified:
                row.update(_certificate_columns(rec.get("certificate")))
            ok = bool(rec.get("ok"))
            if ok and len(tg):
                binding = tg["binding"].astype(bool)
                met = tg["met"].astype(bool)
                row.update(targets=len(tg), targets_binding=int(binding.sum()), targets_missed=int((~met).sum()),
                           binding_targets=" ".join(tg.loc[binding, "id"].astype(str)),
                           missed_targets=" ".join(tg.loc[~met, "id"].astype(str)))
            else:
                row.update(targets=len(tg) if ok else None, targets_binding=0 if ok else None,
                           targets_missed=0 if ok else None, binding_targets="", missed_targets="")
            row.update(_cap_columns(rec.get("capacities") if ok else None))
            for k in FACT_FIELDS:
                row[k] = s.get(k)
            row["wall_s"] = rec.get("wall_s")
            row["resumed"] = bool(rec.get("resumed", False))
            rows.append(row)
        df = pd.DataFrame(rows)
        if df.empty:
            return df
        caps = sorted([c for c in df.columns if c.startswith(("existing_", "built_"))],
                      key=lambda c: (c.split("_", 2)[2], c.split("_", 2)[1], c.startswith("built")))
        if caps:  # a technology absent from a solved case has 0 MW there; failed cases stay blank
            df[caps] = df[caps].astype(float)
            df.loc[df["ok"], caps] = df.loc[df["ok"], caps].fillna(0.0)
        for c in ("year", "targets", "targets_binding", "targets_missed", "rows", "cols", "nonzeros",
                  "ipm_iterations", "crossover_iterations", "simplex_iterations"):
            if c in df.columns:
                df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
        head = [c for c in df.columns if not c.startswith(("existing_", "built_")) and c not in FACT_FIELDS
                and c not in ("wall_s", "resumed")]
        return df[head + caps + [c for c in FACT_FIELDS + ["wall_s", "resumed"] if c in df.columns]]

    def _stack(self, key: str, columns: list, transform) -> pd.DataFrame:
        """Stack one small frame of every solved run, prefixed by the case and scenario columns."""
        parts = []
        for rec in self.records:
            frame = rec.get(key)
            if not rec.get("ok") or not isinstance(frame, pd.DataFrame) or frame.empty:
                continue
            f = transform(frame)
            for i, (k, v) in enumerate({"case": rec.get("name"), **self._scenario(rec)}.items()):
                f.insert(i, k, v)
            parts.append(f)
        if not parts:
            return pd.DataFrame(columns=["case", *self.scenario_columns, *columns])
        return pd.concat(parts, ignore_index=True)

    @cached_property
    def targets(self) -> pd.DataFrame:
        """One row per run × target, with ``marginal_cost`` in plain units (see :func:`_marginal`)."""
        def with_marginal(tg):
            t = tg[[c for c in TARGET_COLUMNS if c in tg.columns]].copy()
            mc = [_marginal(r) for r in t.to_dict("records")]
            t["marginal_cost"] = [m[0] for m in mc]
            t["marginal_cost_unit"] = [m[1] for m in mc]
            return t
        return self._stack("targets", [*TARGET_COLUMNS, "marginal_cost", "marginal_cost_unit"], with_marginal)

    @cached_property
    def capacities(self) -> pd.DataFrame:
        """One row per run × component × technology (summed over buses): existing, built, total."""
        return self._stack("capacities", ["component", "technology", "unit", "existing", "built", "total"],
                           lambda cap: cap.groupby(["component", "technology", "unit"], sort=False, as_index=False)[
                               ["existing", "built", "total"]].sum())

    @cached_property
    def costs(self) -> pd.DataFrame:
        """One row per run × cost term (CNY per year)."""
        return self._stack("costs", ["term", "kind", "cny"], lambda c: c.copy())

    @property
    def failed(self) -> pd.DataFrame:
        """The runs with no solution to show: failed ones, and hard targets out of reach without
        ``elastic`` (their error names the shortfalls)."""
        t = self.table
        return t[~t["ok"]] if len(t) else t

    # ------------------------------------------------------------------ text
    def summary_frame(self) -> pd.DataFrame:
        """The headline columns, formatted for people (Markdown, HTML, terminal)."""
        t = self.table
        rows = []
        for _, r in t.iterrows():
            ok = bool(r["ok"])

            def num(v, f):
                return f(v) if ok and v is not None and pd.notna(v) else ""
            row = {"case": r["case"]}
            for c in self.scenario_columns:
                row[c.split(".")[-1] if sum(x.split(".")[-1] == c.split(".")[-1] for x in self.scenario_columns) == 1
                    else c] = r[c]
            row.update({
                "outcome": r["outcome"],
                "cost (亿 CNY/yr)": num(r.get("system_cost_cny", r["total_cost_cny"]), lambda v: f"{v / 1e8:,.3f}"),
            })
            if self.certified:
                row.update(zip(CERT_HEADS, _certificate_cells(r)))
            row.update({
                # net: after export revenue (small or negative for a net exporter); gross: per MWh supplied
                "CNY/MWh": num(r["cost_per_mwh_cny"], lambda v: f"{v:,.1f}"),
                "CNY/MWh supplied": num(r.get("gross_cost_per_mwh_cny"), lambda v: f"{v:,.1f}"),
                "non-fossil share of electricity": num(r["non_fossil_electricity_share"], lambda v: f"{100 * v:.1f}%"),
                "CO2 (Mt)": num(r["emissions_t"], lambda v: f"{v / 1e6:,.3f}"),
                "curtailed (GWh)": num(r["curtailed_mwh"], lambda v: f"{v / 1e3:,.1f}"),
                "imports (GWh)": num(r.get("import_mwh"), lambda v: f"{v / 1e3:,.1f}"),
                "exports (GWh)": num(r.get("export_mwh"), lambda v: f"{v / 1e3:,.1f}"),
                "shed (MWh)": num(r["shed_mwh"], lambda v: f"{v:,.1f}"),
                "binding": r["binding_targets"] or ("—" if ok else ""),
                "missed": r["missed_targets"] or ("—" if ok else ""),
                "solve s": num(r["solve_s"], lambda v: f"{v:.1f}"),
            })
            if not ok or r.get("warning"):
                row["error"] = r["error"] if not ok else f"warning: {r['warning']}"
            rows.append(row)
        df = pd.DataFrame(rows)
        if "error" in df.columns:
            df["error"] = df["error"].fillna("")
        return df

    def markdown(self, compact: bool = False) -> str:
        """A short Markdown summary: headline table, then failed runs and warnings as lists.
        ``compact`` (the terminal): the binding and missed targets as counts, so the table fits
        80 columns without cutting case names (summary.md keeps their ids)."""
        s = self.settings
        res = s.get("resolution")
        how = (f"{s['typical_days']} typical days" if s.get("typical_days") else
               f"{res} h snapshots" if res else "each case's own time settings")
        lines = [f"**{self.counts}** ({how})", ""]
        sf = self.summary_frame()
        drop = ["error", "CO2 (Mt)", "curtailed (GWh)", "imports (GWh)", "exports (GWh)", "shed (MWh)", "solve s"]
        if compact and len(sf):
            t = self.table
            sf["binding"] = [str(int(n)) if pd.notna(n) else "" for n in t["targets_binding"]]
            sf["missed"] = [str(int(n)) if pd.notna(n) else "" for n in t["targets_missed"]]
            sf = sf.rename(columns={"cost (亿 CNY/yr)": "亿 CNY/yr", "non-fossil share of electricity": "NF elec.",
                                    **dict(zip(CERT_HEADS, CERT_SHORT))})
            if self.certified:      # the reasons as lines below the table, not in its cells
                sf.loc[t["certificate_error"].to_numpy() != "", CERT_SHORT[2]] = NO_CERTIFICATE
            drop.append("CNY/MWh supplied")
        keep = [c for c in sf.columns if c not in drop]
        lines.append(_md_table(sf[keep]) if len(sf) else "(no runs)")
        if compact:     # the ids the counts stand for, as lines that wrap at spaces
            t = self.table
            named = [f"- `{r['case']}`: " + "; ".join(f"{what} {r[col]}" for what, col in
                                                     (("missed", "missed_targets"), ("binding", "binding_targets"))
                                                     if r[col])
                     for _, r in t.iterrows() if r["ok"] and (r["missed_targets"] or r["binding_targets"])]
            lines += ["", "Targets missed and binding:", "", *named] if named else []
            if self.certified:
                t = self.table
                uncertified = [f"- `{r['case']}`: {r['certificate_error']}" for _, r in t.iterrows()
                               if r["certificate_error"]]
                lines += ["", "No certificate:", "", *uncertified] if uncertified else []
        failed = self.failed
        if len(failed):
            lines += ["", "Runs without a solution:", ""]
            lines += [f"- `{r['case']}` ({r['outcome']}; HiGHS status {r['status']}): {r['error']}"
                      for _, r in failed.iterrows()]
        t = self.table
        warned = t[t["ok"] & (t["warning"] != "")] if len(t) else t
        if len(warned):
            lines += ["", "Warnings:", ""]
            lines += [f"- `{r['case']}`: {r['warning']}" for _, r in warned.iterrows()]
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ files
    def to_folder(self, path) -> Path:
        """Write comparison.csv, targets.csv, capacities.csv, costs.csv, comparison.xlsx,
        summary.md, capacity_mix.png, target_costs.png, index.html and manifest.json.

        The files are written together into a hidden staging folder inside ``path`` and then
        renamed into place one after another (microseconds; manifest.json last), so a failure
        while writing them (a plot that raises, a full disk) leaves the previous tables as they
        were; ``cases/`` is not touched here (each run folder is written whole as it finishes).
        """
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder, prefix=".tables.partial-"))
        try:
            self._write_tables(staging)
            write_manifest(staging, runs=len(self.records), failed=sum(o in FAILED for o in self.outcomes),
                           outcomes=dict(zip([r.get("name") for r in self.records], self.outcomes)),
                           settings=self.settings)
            for p in sorted(staging.iterdir(), key=lambda p: p.name == MANIFEST):
                os.replace(p, folder / p.name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return folder

    def _write_tables(self, folder: Path) -> None:
        from .. import plots
        frames = {"comparison": self.table, "targets": self.targets, "capacities": self.capacities,
                  "costs": self.costs}
        write_csv_frames(folder, frames)
        write_excel_sheets(folder / "comparison.xlsx", frames)
        atomic_text(folder / "summary.md", self.markdown())
        cap_png, tgt_png = folder / "capacity_mix.png", folder / "target_costs.png"
        plots.capacity_mix(self.capacities, self.table, cap_png)
        plots.target_costs(self.targets, self.table, tgt_png)
        atomic_text(folder / "index.html", plots.index_html(self, {"capacity_mix": cap_png, "target_costs": tgt_png}))


def _certificate_columns(cert: dict | None) -> dict:
    """A record's ``certificate`` (the certificate's summary, ``{"error": ...}`` or None: not
    certified, e.g. the case did not load) as the main table's :data:`CERTIFICATE_COLUMNS`."""
    cert = cert if isinstance(cert, dict) else {}
    error = cert.get("error") or ""
    lower, upper, gap = (None, None, None) if error else (cert.get("lower_cny"), cert.get("upper_cny"), cert.get("gap"))
    return dict(zip(CERTIFICATE_COLUMNS, (lower, upper, gap, str(error))))


def _certificate_cells(r) -> tuple[str, str, str]:
    """Lower and upper bound (亿 CNY/yr) and the gap (%) of a table row, else "—" and the error text
    (or "—": no certificate was tried)."""
    def known(v) -> bool:
        return v is not None and pd.notna(v)
    lower, upper, gap, error = (r.get(c) for c in CERTIFICATE_COLUMNS)
    if not (known(lower) and known(upper) and known(gap)):
        return "—", "—", (error or "—")
    return f"{lower / 1e8:,.3f}", f"{upper / 1e8:,.3f}", f"{gap:.3%}"


def _md_cell(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    return str(v).replace("|", "\\|").replace("\n", " ")


def _md_table(df: pd.DataFrame) -> str:
    if df.empty:
        return "(no runs)"
    cols = list(df.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for _, r in df.iterrows():
        out.append("| " + " | ".join(_md_cell(r[c]) for c in cols) + " |")
    return "\n".join(out)

