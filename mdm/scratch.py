"""Scratch folders for a run's spill files, and the sweep of those a killed run left behind.

A run removes its scratch folders when it ends, even when it fails; one that is killed
(SIGKILL, the out-of-memory killer) cannot, and at a million records DuckDB's spill files alone
are gigabytes in the temp folder. Each folder holds a lock file its process keeps locked while
it lives; the kernel releases the lock when the process dies, however it dies. Whoever makes
the next folder removes those whose lock is free. A lock, not a process id: a pid is reused,
and one from another container sharing the temp folder looks dead.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

_PREFIX = "mdm-"
_LOCK = ".owner.lock"
_held: dict[str, int] = {}  # folder -> its lock file's descriptor, open while the folder is in use


def new_folder(kind: str) -> str:
    """A new scratch folder for ``kind``, locked as this process's until ``release``; stale
    folders are swept first."""
    sweep()
    path = tempfile.mkdtemp(prefix=f"{_PREFIX}{kind}-")
    fd = os.open(os.path.join(path, _LOCK), os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    _held[path] = fd
    return path


def release(path: str) -> None:
    """Remove a folder from ``new_folder`` with its contents."""
    shutil.rmtree(path, ignore_errors=True)
    fd = _held.pop(path, None)
    if fd is not None:
        os.close(fd)


@contextmanager
def scratch_folder(kind: str) -> Iterator[str]:
    """A new scratch folder for ``kind``, removed on the way out."""
    path = new_folder(kind)
    try:
        yield path
    finally:
        release(path)


def sweep(root: str | None = None) -> list[str]:
    """Remove the scratch folders in ``root`` (the temp folder) no living process holds. A
    folder without a lock file (being made, or made by an older version) is left alone, as is
    one this user cannot open."""
    removed = []
    with os.scandir(root or tempfile.gettempdir()) as entries:
        for entry in entries:
            ours = entry.name.startswith(_PREFIX) and entry.is_dir(follow_symlinks=False)
            if ours and _abandoned(entry.path):
                shutil.rmtree(entry.path, ignore_errors=True)
                if not Path(entry.path).exists():
                    removed.append(entry.path)
    if removed:
        log.info("removed %d scratch folder(s) left by killed runs: %s", len(removed), ", ".join(removed))
    return removed


def _abandoned(folder: str) -> bool:
    if folder in _held:
        return False
    try:
        fd = os.open(os.path.join(folder, _LOCK), os.O_RDWR)
    except OSError:  # no lock file, or not ours to open
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # held: its process lives
        return False
    finally:
        os.close(fd)  # a lock taken here is let go with it
    return True
