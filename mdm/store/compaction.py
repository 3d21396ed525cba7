"""Rewriting the database file whole: a deleted row's bytes (an erased customer's, the runs'
tables replaced) stay in DuckDB's free blocks until it reuses them; a copy holds live rows only.

The copy is made beside the file, checked table by table, and put in its place by a rename, so
a failure at any point (a full disk, a kill) leaves the file as it was.
"""

from __future__ import annotations

import os
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mdm.errors import MDMError
from mdm.store.database import DatabaseError, connect

_COPY = "mdm_compacted"


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
        for leftover in (copy, copy.with_name(copy.name + ".wal")):  # of a compaction killed part way
            leftover.unlink(missing_ok=True)
        con.execute("CHECKPOINT")  # nothing of ours left in the write-ahead log to replay later
        try:
            # ATTACH takes no bound parameters: the path is written as a quoted literal.
            con.execute(f"ATTACH '{_quoted(copy)}' AS {_COPY}")
            con.execute(f"COPY FROM DATABASE {_ident(_database(con))} TO {_COPY}")
            con.execute(f"CHECKPOINT {_COPY}")
            tables, rows = _same_rows(con)
            con.execute(f"DETACH {_COPY}")
            if copy.with_name(copy.name + ".wal").exists():
                raise CompactionError("the copy was left unfinished")
        except (duckdb.Error, CompactionError) as e:
            with suppress(duckdb.Error):
                con.execute(f"DETACH DATABASE IF EXISTS {_COPY}")
            for part in (copy, copy.with_name(copy.name + ".wal")):
                part.unlink(missing_ok=True)
            raise CompactionError(f"{path}: {e}; the database is unchanged") from e
        os.replace(copy, path)
    finally:
        con.close()
    return Compacted(before, path.stat().st_size, tables, rows)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _database(con: duckdb.DuckDBPyConnection) -> str:
    return str(con.execute("SELECT current_database()").fetchall()[0][0])


def _same_rows(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Every table of the file, with as many rows in the copy: (tables, rows)."""
    source = _database(con)
    listed = "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'"
    names = sorted(r[0] for r in con.execute(listed, [source]).fetchall())
    copied = {r[0] for r in con.execute(listed, [_COPY]).fetchall()}
    total = 0
    for name in names:
        if name not in copied:
            raise CompactionError(f"the copy has no table {name!r}")
        here, there = (con.execute(f"SELECT count(*) FROM {_ident(db)}.main.{_ident(name)}").fetchall()[0][0]
                       for db in (source, _COPY))
        if here != there:
            raise CompactionError(f"table {name!r} has {here} rows, {there} in the copy")
        total += here
    return len(names), total
