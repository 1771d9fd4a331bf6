"""Files and result sets that are never seen half-written, with the user's permissions.

* :func:`atomic_write`: one file through a temporary file in the same folder (so the rename
  stays on one filesystem) and ``os.replace``. The temporary name keeps the real extension
  last, because some writers (pandas' Excel writer) choose the format by it.
* :class:`ResultSet`: a whole folder of results (CSVs, plots, the solver log, Excel) written
  into a hidden folder beside it and moved into place in one step, with ``manifest.json``;
  a run that fails leaves the previous complete set untouched (its own files, e.g.
  ``highs.log``, go to ``DIR.failed/``). A lock beside the folder refuses a second run.
* Modes follow the user's umask (``tempfile`` creates 0600 files and 0700 folders, which
  colleagues on a shared server could not read): :func:`file_mode`, :func:`folder_mode`.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from .errors import GridplanError

MANIFEST = "manifest.json"
FAILED_SUFFIX = ".failed"


def current_umask() -> int:
    """The process umask (read from /proc where it can be, so no other thread sees it change)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """Mode of a new file as ``open()`` would create it: 0666 less the umask."""
    return 0o666 & ~current_umask()


def folder_mode() -> int:
    """Mode of a new folder as ``mkdir`` would create it: 0777 less the umask."""
    return 0o777 & ~current_umask()


def atomic_write(path, write) -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path`` (mode from the umask)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, file_mode())
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


# --------------------------------------------------------------------------- output folders


def check_output_folder(dest, option: str = "--out") -> Path:
    """``dest`` as a Path; an existing file there, or as one of its parents, is refused
    (results go into a folder, and a folder cannot be made under a file)."""
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise GridplanError(f"{dest}: {option}: got an existing file; expected a folder or a path that "
                            "does not exist yet")
    for parent in dest.parents:     # the nearest parent that exists decides
        if parent.exists():
            if not parent.is_dir():
                raise GridplanError(f"{dest}: {option}: got a path under the existing file {parent}; "
                                    "expected a folder or a path that does not exist yet")
            break
    return dest


def folder_error(dest: Path, exc: OSError) -> GridplanError:
    """An OSError making or locking an output folder as one line (permission denied, read-only
    file system, a parent that is a file)."""
    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    return GridplanError(f"{dest}: output folder: got {exc.strerror or exc.__class__.__name__}{where}; "
                         "expected a folder this user can create and write")


def _flock(dest: Path):
    """The ``fcntl`` module (POSIX only): output folders are locked with ``flock``."""
    try:
        import fcntl
    except ImportError:     # Windows: one line, not an internal error
        raise GridplanError(f"{dest}: output folder: got a system without fcntl.flock ({sys.platform}); "
                            "expected a POSIX system (Linux, macOS) to lock output folders") from None
    return fcntl


def _hidden(dest: Path, kind: str) -> str:
    return f".{dest.name}.{kind}-"


class FolderLock:
    """An exclusive lock on an output folder: ``.<name>.lock`` beside it, held with ``flock``.

    The kernel drops a ``flock`` when its process dies, so a run killed with SIGKILL never
    leaves a folder locked; the lock file itself is removed on release. A second run into
    the folder is refused at once (one line) instead of interleaving its files.
    """

    def __init__(self, dest):
        self.dest = Path(dest)
        self.path = self.dest.parent / f".{self.dest.name}.lock"
        self.fd: int | None = None
        self.made_parents: list[Path] = []

    def acquire(self) -> "FolderLock":
        fcntl = _flock(self.dest)
        try:
            self._make_parents()
            fd = self._lock(fcntl)
        except OSError as exc:
            self._remove_parents()
            raise folder_error(self.dest, exc) from None
        self.fd = fd
        return self

    def _lock(self, fcntl) -> int:
        """The open, locked lock file holding this process's pid."""
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, file_mode())
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
                os.close(fd)
                self._remove_parents()
                raise GridplanError(f"{self.dest}: output folder: got a folder another gridplan run is writing "
                                    f"(pid {holder}); expected a folder no other run is using") from None
            except OSError:
                os.close(fd)
                raise
            try:   # the holder before us may have removed the file after we opened it: lock the live one
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            os.close(fd)
            raise
        return fd

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        os.close(self.fd)
        self.fd = None
        self._remove_parents()

    def _make_parents(self) -> None:
        """Create the missing parents of the folder (removed again if nothing is written)."""
        missing, p = [], self.dest.parent
        while not p.exists():
            missing.append(p)
            p = p.parent
        for p in reversed(missing):
            p.mkdir(mode=folder_mode())
            self.made_parents.append(p)

    def _remove_parents(self) -> None:
        for p in reversed(self.made_parents):
            try:
                p.rmdir()       # only if empty: nothing was written there
            except OSError:
                break
        self.made_parents = []

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


def clean_stale(dest: Path) -> None:
    """Remove what a killed run left beside ``dest`` (call with the folder's lock held).

    A run killed between its two renames leaves the previous set as ``.<name>.old-*`` and no
    ``dest``: that set is put back. Half-written ``.<name>.partial-*`` folders are removed.
    """
    parent = dest.parent
    olds = sorted(glob.glob(str(parent / glob.escape(_hidden(dest, "old"))) + "*"), key=os.path.getmtime)
    if olds and not dest.exists():
        os.rename(olds.pop(), dest)
    for p in olds + glob.glob(str(parent / glob.escape(_hidden(dest, "partial"))) + "*"):
        shutil.rmtree(p, ignore_errors=True)


def swap_in(staging: Path, dest: Path) -> None:
    """Move the complete folder ``staging`` onto ``dest`` in one step: the old set is renamed
    away, the new one renamed in, then the old one removed."""
    old = None
    if dest.exists():
        old = dest.parent / f"{_hidden(dest, 'old')}{uuid.uuid4().hex[:8]}"
        os.rename(dest, old)
    os.rename(staging, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def gridplan_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("gridplan")
    except PackageNotFoundError:   # pragma: no cover - not installed
        return "unknown"


def manifest(folder: Path, **facts) -> dict:
    """What a result set holds: every file (path and bytes), the gridplan version, the time, ``facts``."""
    files = {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*"))
             if p.is_file() and p.name != MANIFEST}
    return {"format": 1, "gridplan_version": gridplan_version(),
            "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **facts, "files": files}


def write_manifest(folder: Path, **facts) -> Path:
    return atomic_text(folder / MANIFEST, json.dumps(manifest(folder, **facts), indent=2, ensure_ascii=False,
                                                     default=str) + "\n")


def make_staging(dest: Path) -> Path:
    """A hidden, empty folder beside ``dest`` (same filesystem, so the final rename is one step)."""
    staging = Path(tempfile.mkdtemp(dir=dest.parent, prefix=_hidden(dest, "partial")))
    os.chmod(staging, folder_mode())
    return staging


class ResultSet:
    """A folder of results written whole or not at all.

        with ResultSet("out/chengdu", inputs={...}) as rs:   # locks, checks, stages
            res.write(rs.path)            # every file into the hidden staging folder
            rs.commit(status="Optimal")   # manifest.json, then one rename into place

    Leaving the block without :meth:`commit` (an exception, an infeasible run, Ctrl-C) leaves
    the previous complete set untouched. If the failed run wrote something (the solver's
    ``highs.log``), that goes to ``DIR.failed/`` with a manifest naming the error, replacing
    an earlier failure there; a later complete set removes ``DIR.failed/``. Nothing else is
    left behind, and a folder the run had to create for its lock is removed again.
    ``lock=False``: the caller already holds the folder's lock (a batch run's folder).
    ``keep_failed=False``: a failed run keeps nothing (a folder that is an input, such as an
    imported case, has no log worth keeping).
    """

    def __init__(self, dest, lock: bool = True, keep_failed: bool = True, option: str = "--out", **facts):
        self.dest = check_output_folder(dest, option)
        self.keep_failed = keep_failed
        self.facts = facts
        self.lock = FolderLock(self.dest) if lock else None
        self.path: Path | None = None
        self.committed = False
        self.started = time.time()

    def __enter__(self) -> "ResultSet":
        if self.lock is not None:
            self.lock.acquire()
        else:
            try:
                self.dest.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise folder_error(self.dest, exc) from None
        try:
            clean_stale(self.dest)
            clean_stale(self.failed_path)
            self.path = make_staging(self.dest)
        except BaseException:
            self._release()
            raise
        return self

    @property
    def failed_path(self) -> Path:
        return self.dest.with_name(self.dest.name + FAILED_SUFFIX)

    def commit(self, **facts) -> Path:
        """Write the manifest and move the set into place; drop an older ``DIR.failed/``."""
        write_manifest(self.path, **self.facts, **facts, wall_s=round(time.time() - self.started, 3))
        swap_in(self.path, self.dest)
        self.committed = True
        shutil.rmtree(self.failed_path, ignore_errors=True)
        return self.dest

    def fail(self, error: str) -> None:
        """Keep what the failed run wrote in ``DIR.failed/`` (nothing written: nothing kept)."""
        if self.path is None or self.committed or not self.path.exists():
            return
        if self.keep_failed and any(self.path.iterdir()):
            write_manifest(self.path, **self.facts, status="failed", error=error,
                           wall_s=round(time.time() - self.started, 3))
            swap_in(self.path, self.failed_path)
        else:
            shutil.rmtree(self.path, ignore_errors=True)
        self.path = None

    def __exit__(self, exc_type, exc, tb):
        try:
            if not self.committed:
                self.fail(" ".join(str(exc).split()) or getattr(exc_type, "__name__", "not finished"))
        finally:
            if self.path is not None and self.path.exists() and not self.committed:
                shutil.rmtree(self.path, ignore_errors=True)
            self._release()
        return False

    def _release(self) -> None:
        if self.lock is not None:
            self.lock.release()


def file_sha256(path) -> str | None:
    """SHA-256 of a file, read in 1 MB blocks (None when it cannot be read)."""
    import hashlib
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()
