"""The database file: migrations bring a file written by an earlier version up to date."""

from __future__ import annotations

import duckdb

from mdm.store.database import migrate
from mdm.store.schema import MIGRATIONS


def test_a_file_before_name_parts_gets_them_from_its_name_keys(tmp_path):
    """A file migrated before ``std_records.name_parts`` existed keeps its records, and each
    reads its name's words until the next run standardises it again."""
    path = str(tmp_path / "old.duckdb")
    con = duckdb.connect(path)
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
    for version, ddl in MIGRATIONS:
        if version < 7:
            con.execute(ddl)
            con.execute("INSERT INTO schema_migrations VALUES (?, now())", [version])
    con.execute("INSERT INTO std_records (record_key, source, source_id, priority, name_key)"
                " VALUES ('crm:1', 'crm', '1', 1, 'davisyarwell jennifer'), ('crm:2', 'crm', '2', 1, NULL)")
    con.close()

    con = duckdb.connect(path)
    migrate(con)
    assert con.execute("SELECT record_key, name_parts FROM std_records ORDER BY 1").fetchall() == [
        ("crm:1", "davisyarwell jennifer"), ("crm:2", None),
    ]
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == (max(v for v, _ in MIGRATIONS),)
