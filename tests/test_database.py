"""The database file: migrations bring a file written by an earlier version up to date."""

from __future__ import annotations

import duckdb
import pytest

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


@pytest.mark.parametrize(("version", "column", "value"), [
    (24, "given_accented", "given"),  # compared as a name written without diacritics
    (25, "phone_extension", "phone"),  # its phone compared as a number written without one
])
def test_a_file_before_a_std_column_keeps_its_records_without_one(tmp_path, version, column, value):
    """Records standardised before ``std_records.given_accented`` or ``phone_extension`` existed hold
    none until their source is read again."""
    path = str(tmp_path / "old.duckdb")
    _file_before(path, version).execute(
        f"INSERT INTO std_records (record_key, source, source_id, priority, {value})"
        " VALUES ('crm:1', 'crm', '1', 1, 'x')").close()
    with duckdb.connect(path) as con:
        migrate(con)
        assert con.execute(f"SELECT record_key, {value}, {column} FROM std_records").fetchall() == [
            ("crm:1", "x", None)]


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


def test_erased_golden_records_brought_back_by_a_load_are_removed_again(reconciled, tmp_path):
    """A Spark run given an earlier run's golden records (``--previous``) can hand back a golden
    record erased since; loading it removes it again, and its history keeps no attributes."""
    import shutil

    from mdm.service import Service
    from mdm.store import erasure

    db = tmp_path / "erased.duckdb"
    shutil.copy(reconciled[0], db)
    service = Service(db)
    service.open()
    try:
        con = service.reader()
        gid = con.execute(
            "SELECT golden_id FROM golden_records WHERE status = 'active' ORDER BY 1 LIMIT 1"
        ).fetchone()[0]
        before = con.execute("SELECT * FROM golden_records WHERE golden_id = ?", [gid]).fetchall()
        lineage = con.execute("SELECT * FROM golden_lineage WHERE golden_id = ?", [gid]).fetchall()
        service.erase(gid, actor="test", reason="request")
    finally:
        service.close()
    con = duckdb.connect(str(db))
    # What a load of such a run would publish: the record as it was, and a history entry with it.
    con.executemany("INSERT INTO golden_records VALUES (" + ", ".join("?" * len(before[0])) + ")", before)
    con.executemany("INSERT INTO golden_lineage VALUES (" + ", ".join("?" * len(lineage[0])) + ")", lineage)
    con.execute("INSERT INTO golden_history (golden_id, changed_at, change, cause, after) SELECT golden_id,"
                " now(), 'retired', 'run', attributes FROM golden_records WHERE golden_id = ?", [gid])
    assert erasure.rescrub(con) == 1
    for table in ("golden_records", "golden_lineage"):
        assert con.execute(f"SELECT count(*) FROM {table} WHERE golden_id = ?", [gid]).fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM golden_history WHERE golden_id = ? AND (before IS NOT NULL"
                       " OR after IS NOT NULL)", [gid]).fetchone() == (0,)
    assert erasure.rescrub(con) == 0


def test_keys_deleted_before_departed_links_were_kept_return_to_their_golden_id(tmp_path):
    """A file from before ``xref_departed`` knows, from the audit log, which golden record each key
    still deleted through the API left: those keys come back to it. A key posted again since, or
    erased, or whose golden record was erased, keeps no link."""
    from mdm.store.records import departed_to

    path = str(tmp_path / "old.duckdb")
    con = _file_before(path, 17)
    con.execute("INSERT INTO golden_records (golden_id, status, record_count, created_at, updated_at) VALUES"
                " ('G1', 'retired', 0, now(), now()), ('G2', 'retired', 0, now(), now())")
    con.execute("INSERT INTO deleted_records VALUES ('crm', '1', now(), 'w', NULL),"
                " ('crm', '2', now(), 'w', 'E1'), ('crm', '3', now(), 'w', NULL)")
    con.execute("INSERT INTO audit_log VALUES"
                " ('A1', now() - INTERVAL 2 DAY, 'w', 'record.delete', 'crm:1', '{\"golden_id\": \"G9\"}'),"
                " ('A2', now() - INTERVAL 1 DAY, 'w', 'record.delete', 'crm:1', '{\"golden_id\": \"G1\"}'),"
                " ('A3', now(), 'w', 'record.delete', 'crm:2', '{\"golden_id\": \"G2\"}'),"
                " ('A4', now(), 'w', 'record.delete', 'crm:3', '{\"golden_id\": \"G3\"}'),"
                " ('A5', now(), 'w', 'record.delete', 'crm:4', '{\"golden_id\": \"G2\"}')")
    con.close()

    con = duckdb.connect(path)
    migrate(con)
    assert con.execute("SELECT source, source_id, record_key, golden_id FROM xref_departed").fetchall() == [
        ("crm", "1", "crm:1", "G1")]
    assert departed_to(con) == {"crm:1": "G1"}


def test_stored_documents_gain_the_offset_of_their_times(reconciled, tmp_path):
    """A file from before documents sent their times with ``Z`` gets it on every one (the golden
    record's created_at and updated_at, its members' updated_at): the documents are then those
    the current builders write, and nothing else in them changes."""
    import shutil

    db = str(tmp_path / "old.duckdb")
    shutil.copy(reconciled[0], db)
    con = duckdb.connect(db)
    current = con.execute("SELECT golden_id, document FROM golden_records ORDER BY 1").fetchall()
    times = """SELECT count(*) FROM golden_records
               WHERE regexp_matches(document, '"(created_at|updated_at)":"[0-9T:.-]{26}Z"')"""
    assert con.execute(times).fetchone() == (len(current),)
    con.execute("""UPDATE golden_records SET document = regexp_replace(document,
                   '"(created_at|updated_at)":"([0-9T:.-]{26})Z"', '"\\1":"\\2"', 'g')""")
    assert con.execute(times).fetchone() == (0,)
    con.execute("DELETE FROM schema_migrations WHERE version = 18")
    con.close()

    con = duckdb.connect(db)
    migrate(con)
    assert con.execute("SELECT golden_id, document FROM golden_records ORDER BY 1").fetchall() == current


def test_a_time_the_files_send_with_its_offset_is_read_back_as_stored(tmp_path):
    """``mdm export posted`` writes its times with ``Z``; ``mdm load`` reads the last one back to
    replay what was posted after it. Read as it is sent (with its offset), DuckDB would compare it
    with the stored naive UTC in the machine's own zone: seven hours off in Hanoi."""
    import datetime as dt
    import json

    from mdm.store import database, exports, records

    con = database.connect(tmp_path / "t.duckdb")
    con.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
    records.save_posted(con, "crm", "1", "{}", dt.datetime(2026, 6, 1, 3, 0), "w")
    exports.export_posted(con, tmp_path / "posted.jsonl")
    sent = json.loads((tmp_path / "posted.jsonl").read_text(encoding="utf-8"))["at"]
    assert sent == "2026-06-01T03:00:00.000000Z"
    assert records.has_api_changes(con, since=database.as_stored(dt.datetime.fromisoformat(sent)))
    later = database.as_stored(dt.datetime.fromisoformat("2026-06-01T10:00:01+07:00"))
    assert not records.has_api_changes(con, since=later)


def test_runs_stopped_on_purpose_before_the_cancelled_status_become_cancelled(tmp_path):
    """Runs the service's stop or Ctrl-C ended were recorded as failed, each saying so: they become
    cancelled, so that the failures counted are faults; other failures stay failed."""
    path = str(tmp_path / "old.duckdb")
    con = _file_before(path, 19)
    con.execute("INSERT INTO runs (run_id, kind, status, started_at, error) VALUES"
                " ('r1', 'batch', 'failed', now(), 'cancelled: the service was stopped'),"
                " ('r2', 'batch', 'failed', now(), 'interrupted (Ctrl-C or SIGINT)'),"
                " ('r3', 'batch', 'failed', now(), 'interrupted: the process ended mid-run'),"
                " ('r4', 'batch', 'failed', now(), 'IOException: No space left on device'),"
                " ('r5', 'batch', 'succeeded', now(), NULL)")
    con.close()

    con = duckdb.connect(path)
    migrate(con)
    assert con.execute("SELECT run_id, status FROM runs ORDER BY 1").fetchall() == [
        ("r1", "cancelled"), ("r2", "cancelled"), ("r3", "failed"), ("r4", "failed"), ("r5", "succeeded")]


def test_merged_entries_from_before_name_their_survivor_where_it_is_still_known(tmp_path):
    """A `merged` history entry written before its survivor was stored takes it from the golden
    record when it is the record's last entry (still merged there); an earlier one (G3's first), or
    that of a record brought back since (G2), names none rather than a wrong one."""
    path = str(tmp_path / "old.duckdb")
    con = _file_before(path, 21)
    con.execute("INSERT INTO golden_records (golden_id, status, merged_into, record_count, created_at,"
                " updated_at) VALUES ('G1', 'retired', 'G9', 0, now(), now()),"
                " ('G2', 'active', NULL, 1, now(), now()),"
                " ('G3', 'retired', 'G9', 0, now(), now()), ('G9', 'active', NULL, 3, now(), now())")
    con.execute("INSERT INTO golden_history (golden_id, changed_at, change, cause) VALUES"
                " ('G1', now() - INTERVAL 1 DAY, 'created', 'run'), ('G1', now(), 'merged', 'decision'),"
                " ('G2', now() - INTERVAL 1 DAY, 'merged', 'run'), ('G2', now(), 'restored', 'undo'),"
                " ('G3', now() - INTERVAL 1 DAY, 'merged', 'run'), ('G3', now(), 'merged', 'run'),"
                " ('G9', now(), 'changed', 'decision')")
    con.close()

    con = duckdb.connect(path)
    migrate(con)
    entries = con.execute("SELECT golden_id, change, merged_into FROM golden_history ORDER BY seq").fetchall()
    assert entries == [
        ("G1", "created", None), ("G1", "merged", "G9"), ("G2", "merged", None), ("G2", "restored", None),
        ("G3", "merged", None), ("G3", "merged", "G9"), ("G9", "changed", None)]


def test_decisions_a_run_marked_lapsed_before_lapsed_at_existed_say_when_and_by_whom(tmp_path):
    """A decision a run marked lapsed (lapsed_in) before ``lapsed_at``/``lapsed_by`` existed is
    lapsed by those too, at the run's finish (its creation where the run is gone), by `run <id>`,
    as a run marks one now; one that binds stays unmarked."""
    path = str(tmp_path / "old.duckdb")
    con = _file_before(path, 23)
    con.execute("INSERT INTO runs (run_id, kind, status, started_at, finished_at)"
                " VALUES ('run-1', 'batch', 'succeeded', '2026-01-02 03:00:00', '2026-01-02 03:04:05')")
    for decision_id, lapsed_in in (("D1", "run-1"), ("D2", None), ("D3", "run-pruned")):
        con.execute("INSERT INTO decisions (decision_id, kind, golden_ids, actor, created_at, lapsed_in)"
                    " VALUES (?, 'merge', ['G1'], 'steward', '2025-05-05 10:00:00', ?)",
                    [decision_id, lapsed_in])
    con.close()

    con = duckdb.connect(path)
    migrate(con)
    rows = con.execute("SELECT decision_id, lapsed_in, CAST(lapsed_at AS VARCHAR), lapsed_by FROM decisions"
                       " ORDER BY 1").fetchall()
    assert rows == [("D1", "run-1", "2026-01-02 03:04:05", "run run-1"), ("D2", None, None, None),
                    ("D3", "run-pruned", "2025-05-05 10:00:00", "run run-pruned")]


def test_a_database_a_newer_version_wrote_is_refused_and_left_as_it_is(tmp_path):
    from mdm.store.database import DatabaseError, connect

    path = tmp_path / "newer.duckdb"
    connect(path).close()
    newest = max(v for v, _ddl in MIGRATIONS)
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_migrations VALUES (?, now())", [newest + 1])
    con.close()
    newer = f"newer version of mdm \\(schema {newest + 1}; this one knows {newest}"
    with pytest.raises(DatabaseError, match=newer):
        connect(path)
    con = duckdb.connect(str(path))  # closed again, and unchanged
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchall() == [(newest + 1,)]
    con.close()
