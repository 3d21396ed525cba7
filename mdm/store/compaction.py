"""Rewriting the database file whole: a deleted row's bytes (an erased customer's, the runs'
tables replaced) stay in DuckDB's free blocks until it reuses them; a copy holds live rows only.

The copy is made beside the file, checked table by table, and put in its place by a rename, so
a failure at any point (a full disk, a kill) leaves the file as it was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mdm.errors import MDMError
from mdm.store.backups import CopyError, copy_database
from mdm.store.database import DatabaseError, connect


@dataclass(frozen=True)
class Compacted:
    bytes_before: int
    bytes_after: int
    tables: int
    rows: int


class CompactionError(MDMError):
    """The copy could not be made or did not hold what the file holds; the file is unchanged."""

    code = "compaction_failed"


def compact(path: Path) -> Compacted:
    """Rewrite ``path`` with its live rows only. Holds the file read-write throughout (no other
    process may open it meanwhile), and renames the copy over it while still holding it: a
    process opening the path afterwards opens the copy."""
    if not path.is_file():
        raise DatabaseError(f"{path}: no such database")
    copy = path.with_name(f".{path.name}.compacting")
    before = path.stat().st_size
    con = connect(path)  # refused while another process holds the file: a compaction too
    try:
        copy.unlink(missing_ok=True)  # of a compaction killed between its copy and the rename
        con.execute("CHECKPOINT")  # nothing of ours left in the write-ahead log to replay later
        try:
            copied = copy_database(con, copy)
        except CopyError as e:
            raise CompactionError(f"{path}: {e}; the database is unchanged") from e
        os.replace(copy, path)
    finally:
        con.close()
    return Compacted(before, path.stat().st_size, copied.tables, copied.rows)
