"""SQL for the records deleted through the API while a batch run computed (mdm/late_deletions.py).

The golden records the run's results put them in are kept as published before the swap
(:func:`keep_before`, in temporary tables of the run's connection), so that the publish can
leave a golden record as its deletion left it where the run changed nothing else about it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from mdm.store.documents import VERSION_SQL
from mdm.store.records import Served, remove_from_results

_KEPT = ("golden_before", "lineage_before", "members_before")


@dataclass(frozen=True)
class Before:
    """A golden record as published before the run's results were swapped in."""

    status: str
    served: Served
    members: frozenset[str]


def keep_before(con: duckdb.DuckDBPyConnection, xref: str, since: Any) -> None:
    """The published golden records (row, lineage, members) that the results' ``xref`` (a table
    name) puts a record deleted through the API from ``since`` on in (any, for None; erasures' too:
    a superset does no harm), as they are now, for :func:`before` and :func:`put_back` in the
    publish's transaction."""
    con.execute("CREATE OR REPLACE TEMP TABLE kept_ids AS SELECT DISTINCT x.golden_id"
                f" FROM {xref} x JOIN deleted_records d ON d.source = x.source AND d.source_id = x.source_id"
                " WHERE ? IS NULL OR d.deleted_at >= ?", [since, since])
    if con.execute("SELECT count(*) FROM kept_ids").fetchone() == (0,):
        forget(con)  # the usual case: no scan of the golden records under the writer's lock
        return
    for name, select in (("golden_before", "SELECT * FROM golden_records"),
                         ("lineage_before", "SELECT * FROM golden_lineage"),
                         ("members_before", "SELECT golden_id, record_key FROM xref")):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}"
                    " WHERE golden_id IN (SELECT golden_id FROM kept_ids)")


def before(con: duckdb.DuckDBPyConnection) -> dict[str, Before | None]:
    """Each golden id :func:`keep_before` kept -> the record as it was (None: there was none)."""
    if not _exists(con):
        return {}
    rows = con.execute(
        "SELECT k.golden_id, g.status, CAST(g.attributes AS VARCHAR), g.updated_at, g.run_id,"
        f" {VERSION_SQL.format(x='g.document')},"
        " (SELECT list(record_key) FROM members_before m WHERE m.golden_id = k.golden_id)"
        " FROM kept_ids k LEFT JOIN golden_before g USING (golden_id)").fetchall()
    return {g: None if status is None else Before(status, Served(*served), frozenset(members or ()))
            for g, status, *served, members in rows}


def put_back(con: duckdb.DuckDBPyConnection, golden_id: str) -> None:
    """The golden record (and lineage) as :func:`keep_before` kept it; none if there was none."""
    for table, kept in (("golden_records", "golden_before"), ("golden_lineage", "lineage_before")):
        con.execute(f"DELETE FROM {table} WHERE golden_id = ?", [golden_id])
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {kept} WHERE golden_id = ?", [golden_id])


def forget(con: duckdb.DuckDBPyConnection) -> None:
    for name in ("kept_ids", *_KEPT):
        con.execute(f"DROP TABLE IF EXISTS temp.{name}")


def held(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Record keys the xref holds that were deleted through the API, not erased (results
    computed from input read before the deletion hold them)."""
    return [key for (key,) in con.execute(
        "SELECT x.record_key FROM xref x"
        " JOIN deleted_records d ON d.source = x.source AND d.source_id = x.source_id"
        " WHERE d.erasure_id IS NULL ORDER BY x.record_key").fetchall()]


def take_out(con: duckdb.DuckDBPyConnection, keys: Sequence[str], at: dt.datetime) -> None:
    """These records leave results that hold them (raw, standardised, xref, open review items),
    as their deletion took them out of the state before; the golden id that held them is
    remembered, as a deletion remembers it (records.delete_record)."""
    keys = list(keys)
    con.execute("DELETE FROM xref_departed WHERE list_contains(?::VARCHAR[], record_key)", [keys])
    con.execute("INSERT INTO xref_departed SELECT source, source_id, record_key, golden_id, ? FROM xref"
                " WHERE list_contains(?::VARCHAR[], record_key)", [at, keys])
    remove_from_results(con, keys)


def _exists(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = 'kept_ids'"
                       ).fetchone() == (1,)
