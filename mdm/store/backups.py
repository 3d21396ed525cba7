"""Copies of the database file: a backup taken while the service serves, and the copy a
compaction puts in the file's place.

The service holds the file, and DuckDB lets no other process open it, not even to read: a
backup is made by the service itself. A file copied by ``cp`` meanwhile may also miss what is
still in the write-ahead log. A copy is one transaction's snapshot: writes committed while it is
made go on and are not in it, so it holds every write whole or not at all and holds none up.
Each table's rows are counted in the copy within that snapshot. The copy is written under a
hidden name beside its destination and renamed once complete: a backup file that exists is whole.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mdm.errors import MDMError, NotFoundError

_ALIAS = "mdm_copy"


class CopyError(MDMError):
    """The copy could not be made, or does not hold what the database holds; none was left."""

    code = "copy_failed"


@dataclass(frozen=True)
class Copied:
    path: Path
    bytes: int
    tables: int
    rows: int


def copy_database(con: duckdb.DuckDBPyConnection, target: Path) -> Copied:
    """Copy the database ``con`` is open on, as of one snapshot, into the new file ``target``.

    ``con`` must be a cursor of its own, in no transaction: the copy is a transaction of it.
    Raises CopyError (nothing left at ``target``) when the copy fails or differs.
    """
    if target.exists():
        raise CopyError(f"{target}: exists already; a copy is never written over a file")
    partial = target.with_name(f".{target.name}.partial")
    parts = (partial, partial.with_name(partial.name + ".wal"))
    for leftover in parts:  # of a copy killed part way
        leftover.unlink(missing_ok=True)
    source = _database(con)
    try:
        # ATTACH takes no bound parameters: the path is written as a quoted literal.
        con.execute(f"ATTACH '{_quoted(partial)}' AS {_ALIAS}")
        con.execute("BEGIN TRANSACTION")
        con.execute(f"COPY FROM DATABASE {_ident(source)} TO {_ALIAS}")
        tables, rows = _same_rows(con, source)
        con.execute("COMMIT")
        con.execute(f"CHECKPOINT {_ALIAS}")
        con.execute(f"DETACH {_ALIAS}")
        if parts[1].exists():
            raise CopyError("the copy was left unfinished")
        os.replace(partial, target)
    except (duckdb.Error, OSError, CopyError) as e:
        with suppress(duckdb.Error):
            con.execute("ROLLBACK")
        with suppress(duckdb.Error):
            con.execute(f"DETACH DATABASE IF EXISTS {_ALIAS}")
        for part in parts:
            part.unlink(missing_ok=True)
        raise CopyError(f"{target}: the copy failed: {e}") from e
    return Copied(target, target.stat().st_size, tables, rows)


@dataclass(frozen=True)
class Backup:
    file: str
    bytes: int
    taken_at: dt.datetime  # naive UTC, as the store keeps times: when its snapshot was taken


def backup_name(stem: str, taken_at: dt.datetime) -> str:
    """The file name of a backup of the database named ``stem``, taken at ``taken_at`` (UTC)."""
    return f"{stem}-{taken_at:%Y%m%dT%H%M%S.%f}Z.duckdb"


def listed(folder: Path, stem: str) -> list[Backup]:
    """The backups of a database named ``stem`` in ``folder``, newest first (none if it is not
    there). A file put there by hand under another name is not one of them: its time is unknown."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob(f"{stem}-*.duckdb"):
        if not path.is_file():  # a folder named like one
            continue
        try:
            taken = dt.datetime.strptime(path.name[len(stem) + 1:], "%Y%m%dT%H%M%S.%fZ.duckdb")
        except ValueError:
            continue
        with suppress(FileNotFoundError):  # pruned or removed meanwhile
            found.append(Backup(path.name, path.stat().st_size, taken))
    return sorted(found, key=lambda b: (b.taken_at, b.file), reverse=True)


def remove(folder: Path, stem: str, file: str) -> Backup:
    """Delete the backup named ``file`` (one :func:`listed` gives, never another path)."""
    for backup in listed(folder, stem):
        if backup.file == file:
            _delete(folder / file)
            return backup
    raise NotFoundError("backup", file)


def prune(folder: Path, stem: str, keep: int, *, taken: str) -> list[Backup]:
    """Delete all but ``keep`` backups: ``taken``, the one just taken, and the newest others; the
    deleted, newest first. By their names, backups taken while the clock was ahead are newer than
    the one just taken, which is still never deleted (nor is the response's file gone)."""
    old = [b for b in listed(folder, stem) if b.file != taken][keep - 1:]
    for backup in old:
        _delete(folder / backup.file)
    return old


def remove_leftovers(folder: Path, stem: str) -> None:
    """Delete the hidden partial copies that backups of a database named ``stem``, killed part way
    (a server killed while it took one), left in ``folder``: each had a name of its own, which no
    later backup takes again, and none is listed, so they stayed, erased customers' data and all."""
    for path in folder.glob(f".{glob.escape(stem)}-*.duckdb.partial*"):
        if path.is_file():
            path.unlink(missing_ok=True)


def _delete(path: Path) -> None:
    """A backup and the write-ahead log beside it, which opening it (to look inside) can leave."""
    for part in (path, path.with_name(path.name + ".wal")):
        part.unlink(missing_ok=True)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _database(con: duckdb.DuckDBPyConnection) -> str:
    return str(con.execute("SELECT current_database()").fetchall()[0][0])


def _same_rows(con: duckdb.DuckDBPyConnection, source: str) -> tuple[int, int]:
    """Every table of ``source``, with as many rows in the copy: (tables, rows)."""
    listed_sql = "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'"
    names = sorted(r[0] for r in con.execute(listed_sql, [source]).fetchall())
    copied = {r[0] for r in con.execute(listed_sql, [_ALIAS]).fetchall()}
    total = 0
    for name in names:
        if name not in copied:
            raise CopyError(f"the copy has no table {name!r}")
        here, there = (con.execute(f"SELECT count(*) FROM {_ident(db)}.main.{_ident(name)}").fetchall()[0][0]
                       for db in (source, _ALIAS))
        if here != there:
            raise CopyError(f"table {name!r} has {here} rows, {there} in the copy")
        total += here
    return len(names), total
