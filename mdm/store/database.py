"""Opening the DuckDB file, migrating it, and transactions.

One process owns a database file read-write (DuckDB's rule); within it, each thread uses its
own cursor. Every statement of ours binds its values as parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from mdm.errors import MDMError
from mdm.store.schema import MIGRATIONS


class DatabaseError(MDMError):
    """The database file cannot be opened or migrated."""

    code = "database_error"


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating when needed) and migrate a database file."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as e:
        raise DatabaseError(f"{path}: cannot open the database: {e}") from e
    if not read_only:
        migrate(con)
    return con


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)"
    )
    applied = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    for version, ddl in MIGRATIONS:
        if version in applied:
            continue
        with transaction(con):
            con.execute(ddl)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?)", [version, now()])


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Commit on success, roll back on any exception (including KeyboardInterrupt)."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()


def now() -> dt.datetime:
    """Naive UTC, the one clock all our timestamps use."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
