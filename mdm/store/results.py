"""Swapping a run's results in atomically, and reading the state a run starts from.

Readers on other cursors keep seeing the previous consistent state until the one
transaction in :func:`publish_run` commits; a failure anywhere before or inside it leaves the
previous golden records, xref and queue untouched.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from mdm.store.database import transaction

# Tables a run replaces wholesale.
REPLACED = (
    "source_records", "std_records", "quarantine", "pairs", "xref", "golden_lineage", "term_frequencies",
)


def previous_xref(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT record_key, golden_id FROM xref").fetchall())


def previous_golden(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, dt.datetime, dt.datetime]]:
    """Active golden records: (golden_id, attributes JSON, created_at, updated_at)."""
    return con.execute(
        "SELECT golden_id, CAST(attributes AS VARCHAR), created_at, updated_at FROM golden_records"
        " WHERE status = 'active'"
    ).fetchall()


def publish_run(
    con: duckdb.DuckDBPyConnection,
    *,
    tables: dict[str, pa.Table],
    golden: pa.Table,
    review: pa.Table,
    finish: Any,
) -> None:
    """Replace the live results with this run's, and mark the run finished, in one transaction.

    ``finish(con)`` records the run's success (and its model) inside the same transaction.
    """
    with transaction(con):
        for name in REPLACED:
            con.execute(f"DELETE FROM {name}")
            _insert(con, name, tables[name])
        _insert_golden(con, golden)
        # Open items are replaced by the new run's; decided ones are kept as history.
        con.execute("DELETE FROM review_queue WHERE status = 'open'")
        con.register("review_new", review)
        con.execute(
            "INSERT INTO review_queue BY NAME SELECT * FROM review_new"
            " WHERE item_id NOT IN (SELECT item_id FROM review_queue)"
        )
        con.unregister("review_new")
        finish(con)


def _insert_golden(con: duckdb.DuckDBPyConnection, golden: pa.Table) -> None:
    """Retired ids stay forever (they redirect); the run's set replaces the rest."""
    con.register("golden_new", golden)
    try:
        con.execute(
            "DELETE FROM golden_records WHERE status = 'active' OR golden_id IN (SELECT golden_id FROM golden_new)"
        )
        con.execute("INSERT INTO golden_records BY NAME SELECT * FROM golden_new")
    finally:
        con.unregister("golden_new")


def _insert(con: duckdb.DuckDBPyConnection, table: str, data: pa.Table) -> None:
    if data.num_rows == 0:
        return
    con.register("incoming", data)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
    finally:
        con.unregister("incoming")


def read_dataset(con: duckdb.DuckDBPyConnection, folder: Path, schema: pa.Schema) -> pa.Table:
    """A Parquet folder written by the Spark engine, with ``schema``'s columns (missing ones null)."""
    files = sorted(str(p) for p in folder.glob("*.parquet"))
    if not files:
        return schema.empty_table()
    data = con.sql("SELECT * FROM read_parquet(?)", params=[files]).to_arrow_table()
    columns = [
        data[f.name].cast(f.type) if f.name in data.column_names else pa.nulls(data.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def model_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT model_id FROM models").fetchall()}
