"""Atomic file writes: results are never seen half-written.

Every file gridplan writes goes through a temporary file in the same folder
(so the rename stays on one filesystem) and ``os.replace``. The temporary
name keeps the real extension last, because some writers (pandas' Excel
writer) choose the format by it.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path, write) -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def atomic_text(path, text: str) -> Path:
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def write_csv_frames(folder, frames: dict) -> Path:
    """One CSV per named DataFrame in ``folder``, each written atomically."""
    folder = Path(folder)
    for name, df in frames.items():
        atomic_write(folder / f"{name}.csv", lambda tmp, df=df: df.to_csv(tmp, index=False))
    return folder


def write_excel_sheets(path, frames: dict) -> Path:
    """One sheet per named DataFrame, written atomically."""
    import pandas as pd

    def write(tmp):
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            for name, df in frames.items():
                df.to_excel(xw, sheet_name=name[:31], index=False)
    return atomic_write(path, write)
