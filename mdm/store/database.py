"""Opening the DuckDB file, migrating it, and transactions.

One process owns a database file read-write (DuckDB's rule); within it, each thread uses its
own cursor. Every statement of ours binds its values as parameters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import duckdb

from mdm.errors import MDMError
from mdm.store.schema import MIGRATIONS


class DatabaseError(MDMError):
    """The database file cannot be opened or migrated."""

    code = "database_error"


# DuckDB's words when another process has the file open (it locks it even against readers).
_HELD = re.compile(r"Conflicting lock is held in .*?\(PID (\d+)\)", re.DOTALL)


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating when needed) and migrate a database file."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as e:
        if (held := _HELD.search(str(e))) is not None:
            raise DatabaseError(
                f"{path}: cannot open the database: another process holds it (PID {held.group(1)}), and one"
                " process at a time may open a database file. Wait for it or stop it; while `mdm serve`"
                " holds it, go through the service (POST /runs starts a run, POST /backups takes a"
                " backup, GET /integrity checks it, GET /changes and the lookups read)") from e
        raise DatabaseError(f"{path}: cannot open the database: {e}") from e
    if not read_only:
        try:
            migrate(con)
        except DatabaseError as e:
            con.close()
            raise DatabaseError(f"{path}: {e}") from None
    return con


def _setting(con: duckdb.DuckDBPyConnection, name: str) -> Any:
    """A DuckDB setting: the whole database's, whichever cursor reads it."""
    return con.execute("SELECT current_setting(?)", [name]).fetchall()[0][0]


def threads(con: duckdb.DuckDBPyConnection) -> int:
    """DuckDB's worker threads."""
    return int(_setting(con, "threads"))


def set_threads(con: duckdb.DuckDBPyConnection, n: int) -> None:
    con.execute("SET threads = ?", [n])


@contextmanager
def unordered_inserts(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Let DuckDB insert rows in any order for a while: a bulk copy then runs on all its
    threads. The setting is the database's; a query without ORDER BY never had an order."""
    before = _setting(con, "preserve_insertion_order")
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute("SET preserve_insertion_order = ?", [bool(before)])


LATEST_SCHEMA = max(v for v, _ddl in MIGRATIONS)  # the schema version this version of mdm writes


def schema_version(con: duckdb.DuckDBPyConnection, path: str | Path) -> int:
    """The schema version of the database ``con`` has open at ``path``; refused when it is no
    database of this service."""
    try:
        (version,) = fetch_one(con, "SELECT coalesce(max(version), 0) FROM schema_migrations")
    except duckdb.CatalogException:
        raise DatabaseError(f"{path}: not a database of this service (it has no schema_migrations)") from None
    return int(version)


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)"
    )
    applied = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    if applied and max(applied) > LATEST_SCHEMA:  # its tables are not the ones this version reads and writes
        raise DatabaseError(f"the database was written by a newer version of mdm (schema {max(applied)};"
                            f" this one knows {LATEST_SCHEMA}): use that version or a newer one")
    for version, ddl in MIGRATIONS:
        if version in applied:
            continue
        with transaction(con):
            con.execute(ddl)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?)", [version, now()])


@contextmanager
def transaction(
    con: duckdb.DuckDBPyConnection,
    *,
    commit_under: AbstractContextManager[Any] | None = None,
    then: Callable[[], None] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Commit on success, roll back on any exception (including KeyboardInterrupt). The commit,
    and ``then`` after it, run holding ``commit_under``: what must change with the database
    (the service's live matcher) changes before anyone holding it sees the commit."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    with commit_under or nullcontext():
        try:
            con.commit()
        except duckdb.InterruptException:
            raise
        except duckdb.Error as e:  # a full disk, say: the write is not kept
            raise DatabaseError(f"the write could not be committed, and was not kept: {e}") from e
        if then is not None:
            then()


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> tuple[Any, ...] | None:
    """The first row, with the result drained: duckdb 2.0 refuses further work on a connection
    whose last result was not read to the end (``fetchone`` leaves it open)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def fetch_dicts(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def fetch_page(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]
) -> tuple[list[dict[str, Any]], int]:
    """A page of ``sql`` (``LIMIT $limit OFFSET $offset``, counting every row in a ``total`` column,
    ``count(*) OVER ()``) and that count. A page past the last row has no row to carry the count,
    and a client paging by offset reads it as the rows in all: then it is read from the first row."""
    rows = fetch_dicts(con, sql, params)
    past_the_end = not rows and params["offset"]
    carrier = fetch_dicts(con, sql, {**params, "limit": 1, "offset": 0}) if past_the_end else rows
    total = int(carrier[0]["total"]) if carrier else 0
    for r in rows:
        del r["total"]
    return rows, total


def now() -> dt.datetime:
    """Naive UTC, the one clock all our timestamps use."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def as_stored(moment: dt.datetime) -> dt.datetime:
    """``moment`` as the store keeps times, naive UTC: one given with its offset (as the API and
    its files send them, ``Z``) converted, one without taken to be UTC already."""
    return moment if moment.tzinfo is None else moment.astimezone(dt.UTC).replace(tzinfo=None)
