"""SQL for real-time writes: one posted source record, its golden record and its queue items.

Every function runs inside the caller's transaction on the single write connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, NamedTuple

import duckdb
import pyarrow as pa

from mdm.store import documents
from mdm.store.database import fetch_dicts, fetch_one
from mdm.store.tables import insert_rows, to_arrow


def posted_records(
    con: duckdb.DuckDBPyConnection, *, since: Any = None
) -> list[tuple[str, str, str, str | None]]:
    """(source, source_id, raw JSON, posted_by) of every record posted through the API (``since``
    a time: those posted from then on), oldest first."""
    return con.execute(
        "SELECT source, source_id, CAST(raw AS VARCHAR), posted_by FROM posted_records"
        " WHERE ? IS NULL OR posted_at >= ? ORDER BY posted_at, source, source_id",
        [since, since],
    ).fetchall()


def departed_posts(con: duckdb.DuckDBPyConnection, *, since: Any = None) -> dict[str, str]:
    """Record key -> the golden id that held it when it left every golden record, of the keys
    posted through the API (``since`` a time: from then on) that no golden record holds: where a
    publish whose results lacked them found them (results.note_departed), for its replay."""
    return dict(con.execute(
        "SELECT d.record_key, d.golden_id FROM xref_departed d"
        " JOIN posted_records p USING (source, source_id) WHERE ? IS NULL OR p.posted_at >= ?",
        [since, since],
    ).fetchall())


def posted_keys(con: duckdb.DuckDBPyConnection, *, sources: Collection[str], since: Any = None) -> list[str]:
    """The record keys of the records of ``sources`` posted through the API (``since`` a time:
    those posted from then on); their raw JSON left unread."""
    return [key for (key,) in con.execute(
        "SELECT source || ':' || source_id FROM posted_records"
        " WHERE list_contains(?::VARCHAR[], source) AND (? IS NULL OR posted_at >= ?)",
        [sorted(sources), since, since],
    ).fetchall()]


def has_api_changes(con: duckdb.DuckDBPyConnection, *, since: Any = None) -> bool:
    """Whether a record was posted or deleted through the API (``since`` a time: from then on)."""
    (found,) = fetch_one(
        con,
        "SELECT EXISTS (SELECT 1 FROM posted_records WHERE ? IS NULL OR posted_at >= ?)"
        " OR EXISTS (SELECT 1 FROM deleted_records WHERE ? IS NULL OR deleted_at >= ?)",
        [since, since, since, since],
    )
    return bool(found)


def save_posted(con: duckdb.DuckDBPyConnection, source: str, source_id: str, raw: str, at: Any, actor: str) -> None:
    """Store a posted record; posting a deleted key again lifts its deletion."""
    # Delete and insert: DuckDB's INSERT OR REPLACE takes twice as long (2.5 against 1.2 ms).
    for table in ("posted_records", "deleted_records"):
        con.execute(f"DELETE FROM {table} WHERE source = ? AND source_id = ?", [source, source_id])
    con.execute("INSERT INTO posted_records VALUES (?, ?, ?, ?, ?)", [source, source_id, raw, at, actor])


def drop_outdated_posts(con: duckdb.DuckDBPyConnection, posts: Sequence[tuple[str, str, str]]) -> None:
    """Forget the posts (source, source_id, raw JSON) a run left out as outdated by a later file
    row, each unless posted again since with other values (a newer post is weighed anew)."""
    if posts:
        con.executemany("DELETE FROM posted_records WHERE source = ? AND source_id = ?"
                        " AND CAST(raw AS VARCHAR) = ?", [list(p) for p in posts])


def drop_posts_through(con: duckdb.DuckDBPyConnection, keys: Sequence[Sequence[str]], through: Any) -> None:
    """Forget the posts of these keys (source, source_id) made up to ``through``: those a Spark
    run read (``mdm export posted``) and left out as outdated; one posted since is weighed anew."""
    if keys:
        con.executemany("DELETE FROM posted_records WHERE source = ? AND source_id = ? AND posted_at <= ?",
                        [[source, source_id, through] for source, source_id in keys])


def posted(con: duckdb.DuckDBPyConnection, source: str, source_id: str) -> tuple[str, str | None] | None:
    """The raw JSON of the record as last posted, and who posted it (None: never posted, or
    deleted since)."""
    row = fetch_one(con, "SELECT CAST(raw AS VARCHAR), posted_by FROM posted_records"
                         " WHERE source = ? AND source_id = ?", [source, source_id])
    return (row[0], row[1]) if row else None


def posted_raw(con: duckdb.DuckDBPyConnection, source: str, source_id: str) -> str | None:
    """The raw JSON of the record as last posted (None: never posted, or deleted since)."""
    row = posted(con, source, source_id)
    return row[0] if row else None


def deleted_records(
    con: duckdb.DuckDBPyConnection, *, since: Any = None
) -> list[tuple[str, str, str | None]]:
    """(source, source_id, deleted_by) of every record deleted through the API (``since`` a time:
    those deleted from then on), oldest first."""
    return con.execute(
        "SELECT source, source_id, deleted_by FROM deleted_records WHERE ? IS NULL OR deleted_at >= ?"
        " ORDER BY deleted_at, source, source_id",
        [since, since],
    ).fetchall()


def delete_record(
    con: duckdb.DuckDBPyConnection, record_key: str, source: str, source_id: str, at: Any, actor: str,
    *, erasure_id: str | None = None,
) -> None:
    """Remove a source record (raw, standardised, its posted version and xref) and remember the
    deletion (by ``erasure_id``, where an erasure deletes it) for later batch runs, and the
    golden id that held it, which it takes back if it returns (none for an erased record)."""
    con.execute("DELETE FROM xref_departed WHERE record_key = ?", [record_key])
    if erasure_id is None:
        con.execute("INSERT INTO xref_departed SELECT source, source_id, record_key, golden_id, ? FROM xref"
                    " WHERE record_key = ?", [at, record_key])
    for table in ("source_records", "std_records", "xref"):
        con.execute(f"DELETE FROM {table} WHERE record_key = ?", [record_key])
    for table in ("posted_records", "deleted_records"):
        con.execute(f"DELETE FROM {table} WHERE source = ? AND source_id = ?", [source, source_id])
    con.execute("INSERT INTO deleted_records (source, source_id, deleted_at, deleted_by, erasure_id)"
                " VALUES (?, ?, ?, ?, ?)", [source, source_id, at, actor, erasure_id])


def remove_from_results(con: duckdb.DuckDBPyConnection, keys: Sequence[str]) -> None:
    """These records leave results computed before their deletion: raw, standardised, xref and
    open review items (an erasure's and a deletion's made while a run computed)."""
    keys = list(keys)
    for table in ("source_records", "std_records", "xref"):
        con.execute(f"DELETE FROM {table} WHERE list_contains(?::VARCHAR[], record_key)", [keys])
    con.execute("DELETE FROM review_queue WHERE status = 'open'"
                " AND list_has_any(?::VARCHAR[], [record_key_l, record_key_r])", [keys])


def stored_version(con: duckdb.DuckDBPyConnection, record_key: str) -> tuple[str | None, Any]:
    """A stored record's raw JSON and its standardised ``updated_at`` ((None, None): not stored)."""
    row = fetch_one(con, "SELECT CAST(s.raw AS VARCHAR), d.updated_at FROM source_records s"
                         " LEFT JOIN std_records d USING (record_key) WHERE s.record_key = ?", [record_key])
    return (row[0], row[1]) if row else (None, None)


def upsert_record(
    con: duckdb.DuckDBPyConnection, source_row: dict[str, Any], std_row: dict[str, Any], golden_id: str,
    run_id: str | None, *, replacing: bool,
) -> None:
    """Write one record's raw and standardised rows and point its key at ``golden_id``;
    ``replacing`` a record already stored (a new key has no rows to delete)."""
    key = std_row["record_key"]
    for table, row in (("source_records", source_row), ("std_records", std_row)):
        if replacing:
            con.execute(f"DELETE FROM {table} WHERE record_key = ?", [key])
        insert_rows(con, table, [row])
    if replacing:
        con.execute("DELETE FROM xref WHERE record_key = ?", [key])
    else:  # a key that left before is held again
        con.execute("DELETE FROM xref_departed WHERE record_key = ?", [key])
    con.execute(
        "INSERT INTO xref VALUES (?, ?, ?, ?, ?)", [std_row["source"], std_row["source_id"], key, golden_id, run_id]
    )


def departed_to(con: duckdb.DuckDBPyConnection, record_key: str | None = None) -> dict[str, str]:
    """Record key -> golden id, of keys that left every golden record (of ``record_key`` only, or
    of all) whose last golden id may take them back: retired with nothing left. An id merged
    into another redirects to its survivor instead, and an erased one is gone (its row too)."""
    return dict(con.execute(
        "SELECT d.record_key, d.golden_id FROM xref_departed d JOIN golden_records g USING (golden_id)"
        " WHERE g.status = 'retired' AND g.merged_into IS NULL AND (? IS NULL OR d.record_key = ?)"
        " AND NOT EXISTS (SELECT 1 FROM xref x WHERE x.golden_id = d.golden_id)",
        [record_key, record_key],
    ).fetchall())


def return_departed(con: duckdb.DuckDBPyConnection, homes: Mapping[str, tuple[str, str]]) -> None:
    """Keys that left while a decision held them, now undone (record key -> (the golden id the
    decision had put it in, the one it had before)): each is remembered with the one before,
    which it takes back if it comes back (:func:`departed_to`), where it left the decision's."""
    if homes:
        con.executemany("UPDATE xref_departed SET golden_id = ? WHERE record_key = ? AND golden_id = ?",
                        [[home, key, held] for key, (held, home) in homes.items()])


def member_count(con: duckdb.DuckDBPyConnection, golden_id: str, *, besides: str) -> int:
    row = fetch_one(con, "SELECT count(*) FROM xref WHERE golden_id = ? AND record_key <> ?", [golden_id, besides])
    return int(row[0]) if row else 0


def member_rows(con: duckdb.DuckDBPyConnection, golden_id: str) -> list[dict[str, Any]]:
    """Standardised rows of a golden record's members, for survivorship."""
    return fetch_dicts(
        con,
        "SELECT * FROM std_records WHERE record_key IN (SELECT record_key FROM xref WHERE golden_id = ?)"
        " ORDER BY record_key",
        [golden_id],
    )


class Served(NamedTuple):
    """A golden record as it was served: what a rebuild that leaves it as it was keeps."""

    attributes: str  # JSON
    updated_at: dt.datetime
    run_id: str | None
    version: str | None  # its document's (documents.version): the ETag readers hold (None: not known)


def as_served(con: duckdb.DuckDBPyConnection, golden_ids: Sequence[str]) -> dict[str, Served]:
    """Those of these golden records that are active, as they are served now."""
    rows = con.execute(
        "SELECT golden_id, CAST(attributes AS VARCHAR), updated_at, run_id,"
        f" {documents.VERSION_SQL.format(x='document')} FROM golden_records"
        " WHERE status = 'active' AND golden_id IN (SELECT unnest(?))",
        [list(golden_ids)],
    ).fetchall()
    return {gid: Served(*served) for gid, *served in rows}


def golden_row(con: duckdb.DuckDBPyConnection, golden_id: str) -> dict[str, Any] | None:
    rows = fetch_dicts(
        con,
        "SELECT golden_id, status, merged_into, CAST(attributes AS VARCHAR) AS attributes, created_at, updated_at"
        " FROM golden_records WHERE golden_id = ?",
        [golden_id],
    )
    return rows[0] if rows else None


def replace_golden(
    con: duckdb.DuckDBPyConnection, golden: Sequence[dict[str, Any]], lineage: Sequence[dict[str, Any]]
) -> None:
    """Write golden records (active or retired) and, for active ones, their full lineage."""
    for row in golden:
        con.execute("DELETE FROM golden_records WHERE golden_id = ?", [row["golden_id"]])
        con.execute("DELETE FROM golden_lineage WHERE golden_id = ?", [row["golden_id"]])
    insert_rows(con, "golden_records", golden)
    insert_rows(con, "golden_lineage", lineage)


def replace_open_items(
    con: duckdb.DuckDBPyConnection, record_key: str, items: Sequence[dict[str, Any]], *, replacing: bool
) -> None:
    """A re-evaluated record's open queue items are replaced (a new key has none); decided
    items are kept as history and a pair already decided is never queued again. A steward's
    claim on a pair queued again is kept, as a batch run keeps it."""
    claims: dict[str, tuple[Any, Any]] = {}
    if replacing:
        for side in ("record_key_l", "record_key_r"):  # one side at a time: each is an index lookup
            claims.update((item_id, (by, at)) for item_id, by, at in con.execute(
                "SELECT item_id, claimed_by, claimed_at FROM review_queue"
                f" WHERE status = 'open' AND {side} = ? AND claimed_by IS NOT NULL", [record_key]).fetchall())
            con.execute(f"DELETE FROM review_queue WHERE status = 'open' AND {side} = ?", [record_key])
    if items:
        con.register("items_new", to_arrow("review_queue", items))
        try:
            con.execute(
                "INSERT INTO review_queue BY NAME SELECT * FROM items_new"
                " WHERE item_id NOT IN (SELECT item_id FROM review_queue)"
            )
        finally:
            con.unregister("items_new")
    for item_id, (by, at) in claims.items():  # on a pair not queued again, it goes with the item
        con.execute("UPDATE review_queue SET claimed_by = ?, claimed_at = ?"
                    " WHERE item_id = ? AND status = 'open'", [by, at, item_id])


def term_frequencies(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for column, value, frequency in con.execute(
        "SELECT column_name, value, frequency FROM term_frequencies"
    ).fetchall():
        out.setdefault(column, {})[value] = frequency
    return out


def value_holders(
    con: duckdb.DuckDBPyConnection, columns: Sequence[str]
) -> dict[str, dict[str, tuple[int, int]]]:
    """Per std_records column, each value's holders: (those a batch run last wrote, all held
    now), for the values not held by one record of a run alone (most: left out). The run's count
    is what its term frequencies were counted over; records posted since have no run in xref.
    ``columns``: std_records column names (the rules' validated names)."""
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for column in columns:
        rows = con.execute(
            f"SELECT CAST(s.{column} AS VARCHAR), count(x.run_id), count(*) FROM std_records s"
            f" JOIN xref x USING (record_key) WHERE s.{column} IS NOT NULL GROUP BY 1"
            " HAVING count(*) > 1 OR count(x.run_id) <> 1"
        ).fetchall()
        out[column] = {value: (at_run, now) for value, at_run, now in rows}
    return out


def query_std(
    con: duckdb.DuckDBPyConnection, sql: Callable[[str], str], std: pa.Table | None = None,
    tables: Mapping[str, pa.Table] | None = None,
) -> pa.Table:
    """The result of ``sql`` (a query over a table of standardised records, given its name) on
    std_records, or on ``std`` (std_records rows a run has not yet published); ``tables`` are
    registered under their names for it to read too."""
    views = {**(tables or {}), **({"unpublished_std": std} if std is not None else {})}
    for name, table in views.items():
        con.register(name, table)
    try:
        return con.sql(sql("std_records" if std is None else "unpublished_std")).to_arrow_table()
    finally:
        for name in views:
            con.unregister(name)


def xref_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql("SELECT record_key, golden_id FROM xref").to_arrow_table()
