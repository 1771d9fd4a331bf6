"""The index of the five city plans the shipped cases cite (``plans.csv``, package data).

A target's source names its plan by file (``003_8e4a237324c0d96e.txt``): a hashed name that
means nothing to a reader, and the plans themselves live outside the repository. The index gives
each file its city, the plan's own title, its document number and issue date, so that reports can
print "乐山 · 国家碳达峰试点（乐山）实施方案" beside file and line. The titles are copied from the
plans' own text (the source of truth), in the characters the plan uses (Chengdu's is in
traditional characters). A file not in the index — a user case citing its own documents — has no
entry, and is shown by its file name alone.
"""
from __future__ import annotations

import csv
import functools
import io
from importlib import resources
from pathlib import PurePath

FIELDS = ("file", "city", "city_zh", "title", "document", "issued", "note")


@functools.lru_cache(maxsize=1)
def plans() -> dict[str, dict]:
    """Every indexed plan by file name (read once; importlib.resources, so it works from a wheel)."""
    text = resources.files(__package__).joinpath("plans.csv").read_text(encoding="utf-8")
    return {row["file"]: row for row in csv.DictReader(io.StringIO(text))}


def plan_of(file) -> dict | None:
    """The index row of the plan ``file`` names (a file name or a path to it), or None."""
    if not file:
        return None
    row = plans().get(PurePath(str(file)).name)
    return dict(row) if row else None


def plan_title(file) -> str:
    """City and title, "乐山 · 国家碳达峰试点（乐山）实施方案"; "" for a file not in the index."""
    row = plan_of(file)
    return f"{row['city_zh']} · {row['title']}" if row else ""
