"""Atomic file writes and table I/O.

Every artifact is written to a temporary file in the destination folder, flushed
to disk and then renamed over the target, so a crash or a kill never leaves a
half-written file under the final name (a rename within one file system is
atomic on POSIX).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path that replaces ``path`` only if the block succeeds.

    Args:
        path: Final destination. Its parent folder is created if missing.

    Yields:
        A temporary path in the same folder; write the file there.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    # mkstemp creates 0600 files; give the artifact the permissions a plain open() would.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield tmp
        # fsync so that the rename never exposes a file whose data is still in flight.
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Atomically write ``data`` to ``path`` and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Atomically write UTF-8 ``text`` to ``path`` and return the path."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Atomically write ``obj`` as indented, key-sorted JSON (stable bytes for diffs)."""
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return write_text(path, text + "\n")


def write_parquet(path: str | os.PathLike[str], df: pd.DataFrame) -> Path:
    """Atomically write ``df`` (without its index) as Parquet and return the path."""
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)
    return Path(path)


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold an exclusive lock on an output folder for the length of a block.

    Two runs writing the same folder at once would interleave their artifacts;
    the second one stops at once with a message naming the folder and the process
    that holds it. The lock is a :class:`filelock.FileLock` on ``FOLDER/.lock``
    (``flock`` on POSIX, ``msvcrt`` locking on Windows): the system releases it
    when the process ends, even when killed, so a crash never leaves a stale
    lock behind.

    Raises:
        LandscapeError: Another process holds the lock.
    """
    from filelock import FileLock, Timeout

    from landscape.errors import LandscapeError

    path = Path(folder)
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True)
    lock_path = path / ".lock"
    lock = FileLock(lock_path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        try:
            holder = lock_path.read_text(encoding="utf-8").strip()
        except OSError:
            holder = ""
        raise LandscapeError(
            f"{path}: in use by another landscape run ({holder or 'another process'}); "
            "wait for it to finish or write elsewhere (--out)"
        ) from None
    try:
        # Who holds it, for the message a second run prints (best effort).
        with contextlib.suppress(OSError), open(lock_path, "r+", encoding="utf-8") as fh:
            fh.truncate()
            fh.write(f"pid {os.getpid()}")
        yield path
    finally:
        lock.release()
        # A step that failed before writing anything leaves no folder behind.
        if created and path.exists() and [p.name for p in path.iterdir()] == [".lock"]:
            lock_path.unlink(missing_ok=True)
            path.rmdir()
