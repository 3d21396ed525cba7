"""Swapping a run's results in atomically, and reading the state a run starts from.

Readers on other cursors keep seeing the previous consistent state until the one
transaction in :func:`publish_run` commits; a failure anywhere before or inside it leaves the
previous golden records, xref and queue untouched. The bulk of the copying happens before it
(:func:`prefill`), into tables nobody reads, so that the publish holds the service's writers
for a swap of tables rather than a copy of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from mdm.errors import SourceReadError
from mdm.store import documents
from mdm.store.database import fetch_one, now, transaction, unordered_inserts

# Tables a run replaces wholesale.
REPLACED = (
    "source_records", "std_records", "quarantine", "pairs", "xref", "golden_lineage", "term_frequencies",
)
# The tables prefill() copies before the publish: those replaced whole, and the golden records.
PREFILLED = (*REPLACED, "golden_records")


def previous_xref(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT record_key, golden_id FROM xref").fetchall())


def stored_records(con: duckdb.DuckDBPyConnection, sources: Collection[str]) -> list[tuple[str, str, str]]:
    """(source, source_id, raw JSON) of every published record of these sources."""
    return con.execute(
        "SELECT source, source_id, CAST(raw AS VARCHAR) FROM source_records"
        " WHERE list_contains(?::VARCHAR[], source) ORDER BY source, source_id", [sorted(sources)]
    ).fetchall()


def removed_by_source(con: duckdb.DuckDBPyConnection, present: str) -> dict[str, tuple[int, int]]:
    """Each source's records in the published xref, and how many of them the relation
    ``present`` (a table or view with a record_key column) lacks."""
    rows = con.execute(
        "SELECT x.source, count(*), count(*) FILTER (WHERE p.record_key IS NULL)"
        f" FROM xref x LEFT JOIN (SELECT DISTINCT record_key FROM {present}) p USING (record_key)"
        " GROUP BY x.source"
    ).fetchall()
    return {source: (published, removed) for source, published, removed in rows}


def previous_golden(
    con: duckdb.DuckDBPyConnection, returning: Collection[str] = ()
) -> list[tuple[str, str, dt.datetime, dt.datetime, bool, str | None, str]]:
    """Active golden records, and the retired ones of ``returning`` (ids their records may take
    back): (golden_id, attributes JSON, created_at, updated_at, retired, run_id, version)."""
    return con.execute(
        "SELECT golden_id, CAST(attributes AS VARCHAR), created_at, updated_at, status <> 'active', run_id,"
        f" {documents.VERSION_SQL.format(x='document')}"
        " FROM golden_records WHERE status = 'active' OR list_contains(?::VARCHAR[], golden_id)",
        [sorted(returning)],
    ).fetchall()


def note_departed(con: duckdb.DuckDBPyConnection, xref: str, at: dt.datetime) -> None:
    """Before the live xref is replaced by the relation ``xref``: its keys that the new one lacks
    are remembered with the golden id that held them (records.departed_to), and keys it holds
    again are forgotten."""
    con.execute(f"DELETE FROM xref_departed WHERE record_key IN (SELECT record_key FROM {xref})")
    con.execute(f"INSERT INTO xref_departed SELECT source, source_id, record_key, golden_id, ? FROM xref"
                f" WHERE record_key NOT IN (SELECT record_key FROM {xref})", [at])


def stage_vanished(con: duckdb.DuckDBPyConnection, golden: str) -> None:
    """Before a Spark run's staged results (``golden``) replace the live ones: the live active
    golden records they neither keep nor retire (``vanished_golden``), with their records
    (``vanished_members``), for :func:`publish_vanished`. A run given no ``--previous``, or an
    older one, knows nothing of ids the database gave since (every id, without one): published
    as they were, those ids were gone without a word in the change feed, and a golden record once
    merged into one pointed nowhere."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE vanished_golden AS SELECT * FROM golden_records"
                f" WHERE status = 'active' AND golden_id NOT IN (SELECT golden_id FROM {golden})")
    con.execute("CREATE OR REPLACE TEMP TABLE vanished_members AS SELECT golden_id, record_key FROM xref"
                " WHERE golden_id IN (SELECT golden_id FROM vanished_golden)")


def publish_vanished(con: duckdb.DuckDBPyConnection, *, at: dt.datetime, run_id: str) -> dict[str, int]:
    """The golden records of :func:`stage_vanished`, retired in the published results (in the
    publish's transaction, once it placed every record): each merged into the golden record that
    holds most of its records now, or retired where none does, with its document and a history
    entry; not one a steward's decision made meanwhile put records in again (mdm/late_decisions.py:
    a merge into a golden record posted while the run computed). Returns how many are ``merged``
    and ``retired``."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE vanished_rows AS
        WITH homes AS (
            SELECT golden_id, first(home ORDER BY records DESC, home) AS home
            FROM (SELECT v.golden_id, x.golden_id AS home, count(*) AS records
                  FROM vanished_members v JOIN xref x USING (record_key) GROUP BY ALL)
            GROUP BY golden_id)
        SELECT g.* REPLACE ('retired' AS status, h.home AS merged_into, 0 AS record_count,
                            []::VARCHAR[] AS sources, $at AS updated_at, $run_id AS run_id)
        FROM vanished_golden g LEFT JOIN homes h USING (golden_id)
        WHERE golden_id NOT IN (SELECT golden_id FROM golden_records)""", {"at": at, "run_id": run_id})
    documents.insert_golden(con, "vanished_rows")
    con.execute("INSERT INTO golden_history (golden_id, changed_at, change, cause, cause_id, members, before,"
                " merged_into) SELECT golden_id, ?,"
                " CASE WHEN merged_into IS NULL THEN 'retired' ELSE 'merged' END, 'run', ?, 0, attributes,"
                " merged_into FROM vanished_rows ORDER BY golden_id", [at, run_id])
    (merged, retired) = fetch_one(con, "SELECT count(merged_into), count(*) - count(merged_into)"
                                       " FROM vanished_rows")
    for table in ("vanished_rows", "vanished_members", "vanished_golden"):
        con.execute(f"DROP TABLE {table}")
    return {"merged": int(merged), "retired": int(retired)}


def stage_versions(con: duckdb.DuckDBPyConnection) -> None:
    """Before a Spark run's results replace the live ones: the version (ETag) each active golden
    record is served with, for :func:`restamp_moved`."""
    con.execute("CREATE OR REPLACE TEMP TABLE published_versions AS SELECT golden_id,"
                f" {documents.VERSION_SQL.format(x='document')} AS version"
                " FROM golden_records WHERE status = 'active'")


def restamp_moved(con: duckdb.DuckDBPyConnection, *, at: dt.datetime, run_id: str) -> dict[str, int]:
    """The golden records Spark run ``run_id`` left unchanged (no history entry of its) whose
    document, built by the load, is not the version :func:`stage_versions` read (a value's lineage
    names another record, a member's values moved): changed, as a DuckDB run finds them
    (mdm.golden), with a new ``updated_at``, document and history entry. Returns the counts to add."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE moved_rows AS
        SELECT g.* REPLACE ($at AS updated_at, $run_id AS run_id)
        FROM golden_records g JOIN published_versions p USING (golden_id)
        WHERE g.status = 'active' AND {documents.VERSION_SQL.format(x='g.document')} <> p.version
          AND golden_id NOT IN (SELECT golden_id FROM golden_history
                                WHERE cause = 'run' AND cause_id = $run_id)
        """, {"at": at, "run_id": run_id})
    con.execute("DELETE FROM golden_records WHERE golden_id IN (SELECT golden_id FROM moved_rows)")
    documents.insert_golden(con, "moved_rows")
    con.execute("INSERT INTO golden_history (golden_id, changed_at, change, cause, cause_id, members, before,"
                " after) SELECT golden_id, ?, 'changed', 'run', ?, record_count, attributes, attributes"
                " FROM moved_rows ORDER BY golden_id", [at, run_id])
    (moved,) = fetch_one(con, "SELECT count(*) FROM moved_rows")
    for table in ("moved_rows", "published_versions"):
        con.execute(f"DROP TABLE {table}")
    return {"changed": int(moved), "unchanged": -int(moved)}


class Staging:
    """A run's tables, handed to the database file as soon as each is computed.

    A staged table is committed on its own but is not live: :func:`publish_run` moves the rows
    into the live tables in one transaction. The run thus never holds every table in memory
    while DuckDB writes (at a million records the tables alone are 4 GB of Arrow). The tables
    computed last, which the run holds until it publishes anyway, are only held
    (:meth:`hold`): written once, when published, instead of twice.
    Use it as a context manager: the staged tables go when it ends, published or not.
    """

    PREFIX = "stage_"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        # A killed run leaves its staged tables behind: they are the first thing to go.
        left = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, ?)", [self.PREFIX]
        ).fetchall()
        self.names: set[str] = {name.removeprefix(self.PREFIX) for (name,) in left}
        self.held: set[str] = set()
        # Tables prefill() filled to replace the live ones, a killed run's too.
        self.prefilled: set[str] = set(PREFILLED)
        self.drop()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.drop()

    def put(self, name: str, data: pa.Table) -> None:
        self.con.register("incoming", data)
        try:
            self.con.execute(f"CREATE OR REPLACE TABLE {self.PREFIX}{name} AS SELECT * FROM incoming")
        finally:
            self.con.unregister("incoming")
        self.names.add(name)

    def hold(self, name: str, data: pa.Table) -> None:
        """Stage ``data`` in memory: publishing reads it from there."""
        self.con.register(f"{self.PREFIX}{name}", data)
        self.held.add(name)

    def table(self, name: str) -> str:
        if name not in self.names | self.held:
            raise KeyError(f"table {name!r} was not staged")
        return f"{self.PREFIX}{name}"

    def drop(self) -> None:
        """Remove the staged tables."""
        for name in self.names:
            self.con.execute(f"DROP TABLE IF EXISTS {self.PREFIX}{name}")
        for name in self.held:
            self.con.unregister(f"{self.PREFIX}{name}")
        for name in self.prefilled:  # none is left once published
            self.con.execute(f"DROP TABLE IF EXISTS {name}__new")
        self.names.clear()
        self.held.clear()
        self.prefilled.clear()


def prefill(con: duckdb.DuckDBPyConnection, staging: Staging) -> None:
    """Copy the staged tables into the tables that are to replace the live ones
    (``{name}__new``), in a transaction of its own, before the publish: at a million records the
    copying took two thirds of the publish, and the service's writes waited for it. The live
    tables are untouched; :func:`publish_run` swaps these in. Unpublished, they go with the
    staging."""
    with unordered_inserts(con), transaction(con):
        for name in PREFILLED:
            _create_new(con, name)
            con.execute(f"INSERT INTO {name}__new BY NAME SELECT * FROM {staging.table(name)}")
    staging.prefilled.update(PREFILLED)


def publish_run(
    con: duckdb.DuckDBPyConnection, staging: Staging, finish: Any, *, build_documents: bool = False,
    commit_under: AbstractContextManager[Any] | None = None, then: Callable[[], None] | None = None,
) -> None:
    """Replace the live results with the staged ones (or with those :func:`prefill` copied), and
    mark the run finished, in one transaction. Staging holds every table of :data:`REPLACED`
    plus ``golden_records`` and ``review_queue``. The staged golden records carry their
    documents, unless ``build_documents`` (a Spark run's output): then they are built here, in
    SQL. ``finish(con)`` records the run's success (and its model) inside the same transaction.
    ``commit_under`` and ``then``: as :func:`database.transaction`'s.
    """
    # The copies below are a GB at a million records; in any order they go on all of DuckDB's
    # threads (1M, alternating: 19.7-21.3 -> 17.2-18.4 s).
    with unordered_inserts(con), transaction(con, commit_under=commit_under, then=then):
        note_departed(con, staging.table("xref"), now())
        for name in REPLACED:
            if name in staging.prefilled:
                _swap_in(con, name)
            else:
                _replace(con, name, f"SELECT * FROM {staging.table(name)}")
        # Retired ids stay forever (they redirect); the run's set replaces the rest.
        golden = staging.table("golden_records")
        retired = ("SELECT * FROM golden_records WHERE status <> 'active'"
                   f" AND golden_id NOT IN (SELECT golden_id FROM {golden})")
        if "golden_records" in staging.prefilled:
            con.execute(f"INSERT INTO golden_records__new BY NAME {retired}")
            _swap_in(con, "golden_records")
        else:
            _replace(con, "golden_records", retired)
            if build_documents:
                documents.insert_golden(con, golden)
            else:
                con.execute(f"INSERT INTO golden_records BY NAME SELECT * FROM {golden}")
        # Open items are replaced by the new run's, keeping a steward's claim on one it queues
        # again; decided ones are kept as history.
        _replace(con, "review_queue", "SELECT * FROM review_queue WHERE status <> 'open'",
                 f"SELECT s.*, o.claimed_by, o.claimed_at FROM {staging.table('review_queue')} s"
                 " LEFT JOIN (SELECT item_id, claimed_by, claimed_at FROM review_queue"
                 "            WHERE status = 'open') o"
                 " USING (item_id)"
                 " WHERE item_id NOT IN (SELECT item_id FROM review_queue WHERE status <> 'open')")
        finish(con)


def _replace(con: duckdb.DuckDBPyConnection, name: str, *selects: str) -> None:
    """Table ``name`` replaced, inside the caller's transaction, by a new table of the same
    definition holding the rows of ``selects`` (which read the old table by its name).

    A rerun used to delete every row and insert the new ones: at a million records the commit
    then took 46 s of the publish's 60 s, as DuckDB took each deleted row out of the tables' key
    indexes. A new table is filled in bulk, as on a first run (publish 60.3 -> 13.6 s).
    """
    _create_new(con, name)
    for select in selects:
        con.execute(f"INSERT INTO {name}__new BY NAME {select}")
    _swap_in(con, name)


def _create_new(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """An empty ``{name}__new`` of table ``name``'s definition (its keys, not its indexes: a
    table with an index cannot be renamed)."""
    found = fetch_one(con, "SELECT sql FROM duckdb_tables() WHERE database_name = current_database()"
                           " AND schema_name = 'main' AND table_name = ?", [name])
    created = f"CREATE TABLE {name}("
    assert found is not None and found[0].startswith(created), (name, found)
    con.execute(f"CREATE TABLE {name}__new(" + found[0].removeprefix(created))


def _swap_in(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """``{name}__new`` becomes table ``name``, with its indexes, inside the caller's transaction.
    Readers keep reading the old table until the commit. Renaming the old table aside instead
    broke them (DuckDB 2.0): until the commit, every query of theirs that used one of its
    indexes failed, naming the table's new name."""
    indexes = con.execute("SELECT sql FROM duckdb_indexes() WHERE database_name = current_database()"
                          " AND schema_name = 'main' AND table_name = ?", [name]).fetchall()
    con.execute(f"DROP TABLE {name}")  # its indexes with it
    con.execute(f"ALTER TABLE {name}__new RENAME TO {name}")
    for (sql,) in indexes:
        con.execute(sql)


def read_dataset(con: duckdb.DuckDBPyConnection, folder: Path, schema: pa.Schema) -> pa.Table:
    """A Parquet folder written by the Spark engine, with ``schema``'s columns (missing ones null).
    Spark writes a file even for an empty table: a folder without one is a partial output (a run
    killed while writing, a copy cut short), whose table read as empty would publish nothing."""
    files = sorted(str(p) for p in folder.glob("*.parquet"))
    if not files:
        raise SourceReadError(f"{folder}: no Parquet files: not the output of a complete Spark run")
    try:
        data = con.sql("SELECT * FROM read_parquet(?)", params=[files]).to_arrow_table()
    except duckdb.Error as e:
        raise SourceReadError(f"{folder}: cannot read the Parquet files: {e}") from e
    columns = [
        data[f.name].cast(f.type) if f.name in data.column_names else pa.nulls(data.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)
