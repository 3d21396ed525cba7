"""The database file: migrations bring a file written by an earlier version up to date."""

from __future__ import annotations

import duckdb

from mdm.store.database import migrate
from mdm.store.schema import MIGRATIONS


def _file_before(path: str, version: int) -> duckdb.DuckDBPyConnection:
    """A database file as a version before migration ``version`` wrote it."""
    con = duckdb.connect(path)
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
    for applied, ddl in MIGRATIONS:
        if applied < version:
            con.execute(ddl)
            con.execute("INSERT INTO schema_migrations VALUES (?, now())", [applied])
    return con


def test_a_file_before_name_parts_gets_them_from_its_name_keys(tmp_path):
    """A file migrated before ``std_records.name_parts`` existed keeps its records, and each
    reads its name's words until the next run standardises it again."""
    path = str(tmp_path / "old.duckdb")
    con = _file_before(path, 7)
    con.execute("INSERT INTO std_records (record_key, source, source_id, priority, name_key)"
                " VALUES ('crm:1', 'crm', '1', 1, 'davisyarwell jennifer'), ('crm:2', 'crm', '2', 1, NULL)")
    con.close()

    con = duckdb.connect(path)
    migrate(con)
    assert con.execute("SELECT record_key, name_parts FROM std_records ORDER BY 1").fetchall() == [
        ("crm:1", "davisyarwell jennifer"), ("crm:2", None),
    ]
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == (max(v for v, _ in MIGRATIONS),)


def test_queue_items_from_before_held_back_by_are_kept_and_say_nothing(tmp_path):
    """An open review item written before ``review_queue.held_back_by`` existed survives the
    migration, its reason unknown (NULL) rather than made up."""
    path = str(tmp_path / "old.duckdb")
    con = _file_before(path, 8)
    con.execute("INSERT INTO review_queue (item_id, record_key_l, record_key_r, match_weight,"
                " match_probability, status, created_at)"
                " VALUES ('R1', 'crm:1', 'shop:9', 12.5, 0.9998, 'open', now())")
    con.close()

    con = duckdb.connect(path)
    migrate(con)
    items = con.execute("SELECT item_id, status, held_back_by FROM review_queue").fetchall()
    assert items == [("R1", "open", None)]
