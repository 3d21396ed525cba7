"""What a restore reads from the database it replaces and writes into the backup put in its place.

A backup is the state of one moment; the world went on after it. Downstream systems read the
change feed past that moment, keys were revoked, customers erased, and the audit log recorded
it all. So a restore keeps, from the database it replaces: the change feed's numbering (the
restored feed goes on after the last entry issued, with an entry for every golden record that
changed since the backup, so a consumer's cursor skips nothing and its copy comes back to the
restored state), the API keys and subscriptions as they are now (a key revoked after the backup
stays revoked), the audit log's later entries, and the erasures made since (mdm/restore.py
applies them again, and their deleted records stay out of later batch runs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from mdm.store.database import LATEST_SCHEMA, DatabaseError, fetch_one, schema_version
from mdm.store.stewardship import last_change as _head

# The tables a restore carries over whole from the database it replaces: who may call the
# service and where its feed goes are the service's settings now, not the backup's.
_SETTINGS_TABLES = ("api_keys", "subscriptions")
_TOUCHED = pa.schema([("golden_id", pa.string()), ("then", pa.string())])


# The keys each erasure deleted: as deleted_records holds them, and as its audit entry names them,
# since a key its system posted again after the erasure is no longer deleted (records.save_posted),
# yet a backup from before the erasure holds the erased customer's record under it.
_ERASED = (
    "SELECT source, source_id, erasure_id FROM deleted_records WHERE erasure_id IS NOT NULL"
    " UNION SELECT split_part(k, ':', 1), k[strpos(k, ':') + 1:],"
    " json_extract_string(detail, '$.erasure_id') FROM audit_log,"
    " unnest(json_extract_string(detail, '$.records[*]')) AS r(k) WHERE action = 'golden.erase'"
    " ORDER BY 3, 1, 2"
)


@dataclass(frozen=True)
class Replaced:
    """The database a restore replaces, as far as the restored one must go on from it."""

    head: int  # the change feed's last entry issued
    touched: list[tuple[str, str | None]]  # (golden id, its status there) of the golden records changed
    erased: list[tuple[str, str, str]]  # (source, source_id, erasure_id) deleted by its erasures


def check_backup(path: Path) -> int:
    """The schema version of the backup at ``path``; refused unless it is a whole database of
    ours that this version can open."""
    if not path.is_file():
        raise DatabaseError(f"{path}: no such backup")
    if path.with_name(path.name + ".wal").exists():
        raise DatabaseError(f"{path}: has a write-ahead log beside it, so it is not a whole copy")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as e:
        raise DatabaseError(f"{path}: cannot open it as a database: {e}") from e
    try:
        version = schema_version(con, path)
    finally:
        con.close()
    if version > LATEST_SCHEMA:
        raise DatabaseError(f"{path}: written by a newer version of mdm (schema {version}; this one knows"
                            f" {LATEST_SCHEMA}): restore it with that version")
    return version


def replaced(con: duckdb.DuckDBPyConnection, backup: duckdb.DuckDBPyConnection) -> Replaced:
    """What the database ``con`` holds beyond the backup, open (and migrated) as ``backup``."""
    head = _head(con)
    backup_head = _head(backup)
    last = "SELECT golden_id, change, changed_at FROM golden_history WHERE seq = ?"
    same_line = fetch_one(con, last, [backup_head]) == fetch_one(backup, last, [backup_head])
    if same_line:  # the backup is this database as it was: what changed since is what differs
        touched = con.execute(
            "SELECT h.golden_id, any_value(g.status) FROM golden_history h"
            " LEFT JOIN golden_records g USING (golden_id) WHERE h.seq > ? GROUP BY h.golden_id ORDER BY 1",
            [backup_head]).fetchall()
    else:  # another database's backup: every golden record of either may differ
        ids = {g for (g,) in backup.execute("SELECT golden_id FROM golden_records").fetchall()}
        status = dict(con.execute("SELECT golden_id, status FROM golden_records").fetchall())
        touched = sorted((g, status.get(g)) for g in ids | set(status))
    held = set(backup.execute(_ERASED).fetchall())
    return Replaced(head, touched, [e for e in con.execute(_ERASED).fetchall() if e not in held])


def carry_over(con: duckdb.DuckDBPyConnection, restored: duckdb.DuckDBPyConnection) -> int:
    """Into ``restored`` (in its caller's transaction): the API keys and subscriptions as ``con``
    holds them, and the audit entries it has that the backup has not. Returns how many of those."""
    for table in _SETTINGS_TABLES:
        rows = con.sql(f"SELECT * FROM {table}").to_arrow_table()
        restored.register("carried", rows)
        try:
            restored.execute(f"DELETE FROM {table}")
            restored.execute(f"INSERT INTO {table} BY NAME SELECT * FROM carried")
        finally:
            restored.unregister("carried")
    # By id, not by time: an entry stamped before the backup's last one (the clock stepped back)
    # is carried too. Only the backup's ids cross over, not every entry.
    con.register("kept", restored.sql("SELECT audit_id FROM audit_log").to_arrow_table())
    try:
        later = con.sql("SELECT * FROM audit_log WHERE audit_id NOT IN (SELECT audit_id FROM kept)"
                        " ORDER BY occurred_at, audit_id").to_arrow_table()
    finally:
        con.unregister("kept")
    restored.register("carried", later)
    try:
        restored.execute("INSERT INTO audit_log BY NAME SELECT * FROM carried")
    finally:
        restored.unregister("carried")
    return later.num_rows


def carry_erasures(con: duckdb.DuckDBPyConnection, restored: duckdb.DuckDBPyConnection) -> None:
    """Into ``restored`` (in its caller's transaction): the record each erasure ``con`` holds
    deleted, as deleted by it. A later batch run leaves their file rows out (mdm/ingest.py), and a
    customer a run brought after the backup, then erased, has no record in the backup to erase
    again: without this the next run would bring them back from the same file."""
    rows = con.sql("SELECT * FROM deleted_records WHERE erasure_id IS NOT NULL").to_arrow_table()
    restored.register("carried", rows)
    try:
        restored.execute("DELETE FROM deleted_records d WHERE EXISTS (SELECT 1 FROM carried c"
                         " WHERE c.source = d.source AND c.source_id = d.source_id)")
        restored.execute("INSERT INTO deleted_records BY NAME SELECT * FROM carried")
    finally:
        restored.unregister("carried")


def continue_feed(
    restored: duckdb.DuckDBPyConnection, before: Replaced, *, backup: str, at: dt.datetime
) -> int:
    """Number the restored feed on from the last entry ``before`` issued, and add one entry, caused
    by the restore, for each golden record changed since the backup: ``changed`` or ``restored``
    (active again) with the restored golden record, ``retired`` where it is not active now. A
    subscription's cursor beyond the restored feed is brought back to its end. Returns the entries."""
    ahead = before.head - _head(restored)
    if ahead > 0:  # nextval once per number issued past the backup (sequences are not set back)
        fetch_one(restored, "SELECT max(nextval('golden_history_seq')) FROM range(?)", [ahead])
    touched = pa.table({"golden_id": [g for g, _s in before.touched],
                        "then": [s for _g, s in before.touched]}, schema=_TOUCHED)
    restored.register("touched", touched)
    try:
        (added,) = fetch_one(restored, """
            INSERT INTO golden_history (golden_id, changed_at, change, cause, cause_id, actor, members)
            SELECT t.golden_id, ?, CASE WHEN g.status IS DISTINCT FROM 'active' THEN 'retired'
                                        WHEN t.then = 'active' THEN 'changed' ELSE 'restored' END,
                   'restore', ?, 'cli',
                   (SELECT count(*) FROM xref x WHERE x.golden_id = t.golden_id)
            FROM touched t LEFT JOIN golden_records g USING (golden_id) ORDER BY t.golden_id""", [at, backup])
    finally:
        restored.unregister("touched")
    restored.execute("UPDATE subscriptions SET after_seq = ? WHERE after_seq > ?",
                     [_head(restored), _head(restored)])
    return int(added)


def erased_holders(restored: duckdb.DuckDBPyConnection, keys: list[tuple[str, str]]) -> list[str]:
    """The golden records of the restored database that hold these source keys: as members, or
    as the keys that left a golden record retired when its records all left."""
    sources, ids = [s for s, _i in keys], [i for _s, i in keys]
    return [g for (g,) in restored.execute(
        "WITH k AS (SELECT unnest(?::VARCHAR[]) AS source, unnest(?::VARCHAR[]) AS source_id)"
        " SELECT golden_id FROM xref JOIN k USING (source, source_id)"
        " UNION SELECT d.golden_id FROM xref_departed d JOIN k USING (source, source_id)"
        " JOIN golden_records g ON g.golden_id = d.golden_id"
        " AND g.status = 'retired' AND g.merged_into IS NULL"
        " ORDER BY 1", [sources, ids]).fetchall()]

