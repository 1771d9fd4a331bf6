"""SHA-256 of a case's inputs: the case (file or dict), every file it names, overrides, settings.

One function for every record of "from which inputs": a batch run's key and ``meta.json``
(:func:`gridplan.batch.runs.run_hash`), the manifest of ``gridplan solve --out`` and of
:meth:`gridplan.Results.to_csv`. Files are hashed with :func:`gridplan.io.file_sha256`.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..errors import GridplanError
from ..io import file_sha256


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def referenced_files(data: Any, base: Path) -> list[Path]:
    """Existing files named by the case: catalogue, fuels, hydrology factors and every profile ``file``.

    The walk is iterative and visits each container once (by identity), at most
    :data:`~gridplan.case.yaml_file.MAX_NODES` of them: a case dict built in Python may share
    or nest itself, and the walk must not expand what the case loader would refuse."""
    from .yaml_file import MAX_NODES

    found: set[Path] = set()
    stack, seen = [(data, None)], set()
    while stack and len(seen) <= MAX_NODES:
        node, key = stack.pop()
        if isinstance(node, (dict, list)):
            if id(node) in seen:
                continue
            seen.add(id(node))
            items = node.items() if isinstance(node, dict) else ((key, v) for v in node)
            stack.extend((v, k) for k, v in items)
        elif isinstance(node, str) and key in ("file", "catalogue", "fuels", "factors"):
            p = (base / node)
            if p.is_file():
                found.add(p.resolve())
    return sorted(found)


def input_hashes(case, overrides: dict | None = None, settings: Any = None, cache: dict | None = None) -> dict:
    """SHA-256 of everything a result depends on: ``case`` (a YAML path or a case dict; relative
    paths in a dict resolve from the working directory), every file it names (after
    ``overrides``), the overrides and ``settings``.

    An Excel workbook case (``.xlsx``) is hashed whole: it carries every table it reads.

    Returns ``{"sha256": key of all of it, "case_sha256": of the YAML (or dict, or workbook), "files":
    {path: sha256}}``; ``cache`` (path → sha256) spares re-reading files shared by many runs.
    """
    from ..overrides import apply_overrides
    from .yaml_file import parse_case_text, read_case_bytes

    overrides = overrides or {}
    cache = {} if cache is None else cache
    h = hashlib.sha256()
    h.update(json.dumps({"overrides": overrides, "settings": settings}, sort_keys=True, default=str).encode())
    files: dict[str, str] = {}
    if isinstance(case, dict):
        case_sha = _sha(json.dumps(case, sort_keys=True, default=str).encode())
        data, base = case, Path.cwd()
    elif Path(case).suffix.lower() == ".xlsx":
        # a workbook holds its profiles, catalogue and fuels (gridplan.case.excel) and names no file
        book = Path(case).resolve()   # a regular file only: a FIFO would block the hash
        case_sha, data = (file_sha256(book) if book.is_file() else None) or "<missing>", None
    else:
        path = Path(case).resolve()
        try:  # the case loader's own guards: size, encoding, aliases (the run reports them)
            raw = read_case_bytes(path)
        except GridplanError:
            raw = b"<missing>"
        case_sha = _sha(raw)
        base = path.parent
        try:
            data = parse_case_text(raw, path)
        except GridplanError:
            data = None
    h.update(case_sha.encode())
    if isinstance(data, dict):
        try:
            data = apply_overrides(data, overrides, "<hash>") if overrides else data
        except Exception:  # noqa: BLE001 - the run itself will report a bad override
            pass
        for p in referenced_files(data, base):
            if p not in cache:
                cache[p] = file_sha256(p) or "<unreadable>"
            files[str(p)] = cache[p]
            h.update(str(p).encode() + cache[p].encode())
    return {"sha256": h.hexdigest(), "case_sha256": case_sha, "files": files}
