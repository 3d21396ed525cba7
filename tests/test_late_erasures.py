"""Erasures made while a run computed, taken out of its results as they publish (mdm/late_erasures.py).

The database is a reconciled sample standing for a run's results just published; each erasure
is written as the real one leaves it (the deletion naming it, the ``erased`` history entry),
with the run's results still holding its records. The API test of a real erasure in the middle
of a run is in tests/api/test_erasure.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb

from matching_rules import load_rules
from mdm.late_erasures import erase_late
from mdm.store import database, erasure

RUN = "run-late"


def _golden_with(con: duckdb.DuckDBPyConnection, members: int) -> tuple[str, list[tuple[str, str, str]]]:
    (gid,) = con.execute(
        "SELECT golden_id FROM xref GROUP BY golden_id HAVING count(*) = ? ORDER BY min(record_key) LIMIT 1",
        [members],
    ).fetchone()
    return gid, con.execute(
        "SELECT record_key, source, source_id FROM xref WHERE golden_id = ? ORDER BY record_key", [gid]
    ).fetchall()


def _erased_meanwhile(con: duckdb.DuckDBPyConnection, erasure_id: str, golden_id: str,
                      records: list[tuple[str, str, str]]) -> None:
    """What an erasure of ``golden_id`` leaves that the run's results do not undo."""
    for _key, source, source_id in records:
        con.execute("INSERT INTO deleted_records VALUES (?, ?, now(), 'admin', ?)",
                    [source, source_id, erasure_id])
    con.execute("INSERT INTO golden_history (golden_id, changed_at, change, cause, cause_id, members)"
                " VALUES (?, now(), 'erased', 'erasure', ?, 0)", [golden_id, erasure_id])


def _run_entry(con: duckdb.DuckDBPyConnection, golden_id: str) -> None:
    """The history entry the run wrote for ``golden_id``, with its attributes."""
    con.execute("INSERT INTO golden_history (golden_id, changed_at, change, cause, cause_id, members, after)"
                " SELECT golden_id, now(), 'changed', 'run', ?, record_count, attributes FROM golden_records"
                " WHERE golden_id = ?", [RUN, golden_id])


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> int:
    return con.execute(sql, params).fetchone()[0]


def test_the_publish_takes_out_what_an_erasure_deleted_meanwhile(
    reconciled: tuple[Path, Any], tmp_path: Path
) -> None:
    db = tmp_path / "late.duckdb"
    shutil.copy(reconciled[0], db)
    con = database.connect(db)
    # 1. The erased customer's golden record, with a record no erasure named (the run linked it).
    erased_gid, (named, unnamed) = _golden_with(con, 2)
    _erased_meanwhile(con, "E1", erased_gid, [named])
    # 2. Another customer's golden record the run put an erased record into.
    other_gid, other_members = _golden_with(con, 3)
    _erased_meanwhile(con, "E2", "GERASEDELSEWHERE", other_members[:1])
    # 3. A golden record of the run's holding erased records only, under an id of its own.
    alone_gid, alone = _golden_with(con, 1)
    _erased_meanwhile(con, "E3", "GERASEDTOO", alone)
    for gid in (erased_gid, other_gid, alone_gid):
        _run_entry(con, gid)
    erased_keys = [named[0], other_members[0][0], alone[0][0]]
    held_values = con.execute(
        "SELECT raw FROM source_records WHERE list_contains(?, record_key)", [erased_keys]).fetchall()
    assert len(held_values) == 3
    assert _count(con, "SELECT count(*) FROM pairs WHERE list_contains(?, record_key_l)"
                       " OR list_contains(?, record_key_r)", [erased_keys, erased_keys]) > 0
    erased_values = erasure.match_values(con, erased_keys)

    con.begin()
    done = erase_late(con, attributes=load_rules().attributes(), at=database.now(), run_id=RUN)
    con.commit()

    assert done.erasure_ids == ["E1", "E2", "E3"]
    assert sorted(done.record_keys) == sorted(erased_keys)
    for table in ("source_records", "std_records", "xref"):
        sql = f"SELECT count(*) FROM {table} WHERE list_contains(?, record_key)"
        assert _count(con, sql, [erased_keys]) == 0
    assert _count(con, "SELECT count(*) FROM pairs WHERE list_contains(?, record_key_l)"
                       " OR list_contains(?, record_key_r)", [erased_keys, erased_keys]) == 0
    assert _count(con, "SELECT count(*) FROM review_queue WHERE status = 'open'"
                       " AND (list_contains(?, record_key_l) OR list_contains(?, record_key_r))",
                  [erased_keys, erased_keys]) == 0
    # The erased id stays gone; the record no erasure named is a golden record of its own.
    (new_gid,) = set(done.moved.values())
    assert done.moved == {unnamed[0]: new_gid} and new_gid != erased_gid
    in_xref = con.execute("SELECT golden_id FROM xref WHERE record_key = ?", [unnamed[0]]).fetchone()
    assert in_xref == (new_gid,)
    assert con.execute("SELECT status, record_count FROM golden_records WHERE golden_id = ?",
                       [new_gid]).fetchall() == [("active", 1)]
    for gid in (erased_gid, alone_gid):
        for table in ("golden_records", "golden_lineage"):
            assert _count(con, f"SELECT count(*) FROM {table} WHERE golden_id = ?", [gid]) == 0
        last = con.execute("SELECT change, cause FROM golden_history WHERE golden_id = ?"
                           " ORDER BY seq DESC LIMIT 1", [gid]).fetchone()
        assert last == ("erased", "erasure")
        assert _count(con, "SELECT count(*) FROM golden_history WHERE golden_id = ? AND (before IS NOT NULL"
                           " OR after IS NOT NULL)", [gid]) == 0
    assert con.execute("SELECT cause_id FROM golden_history WHERE golden_id = ? AND change = 'erased'",
                       [alone_gid]).fetchall() == [("E3",)]
    # The other customer keeps their golden record, rebuilt from the records left, and no history
    # entry of the run or the rebuild still holds the erased record's values.
    assert con.execute("SELECT status, record_count FROM golden_records WHERE golden_id = ?",
                       [other_gid]).fetchall() == [("active", 2)]
    assert set(con.execute("SELECT DISTINCT source, source_id FROM golden_lineage WHERE golden_id = ?",
                           [other_gid]).fetchall()) <= {(s, i) for _k, s, i in other_members[1:]}
    entries = con.execute("SELECT cause, cause_id, before, after FROM golden_history WHERE golden_id = ?"
                          " AND cause_id IN (?, 'E2')", [other_gid, RUN]).fetchall()
    assert [(c, i) for c, i, _b, _a in entries] == [("run", RUN), ("erasure", "E2")]
    assert all(b is None for _c, _i, b, _a in entries) and entries[0][3] is None
    assert json.loads(entries[1][3]) is not None  # the rebuilt record's attributes, without the erased one
    # Term frequencies of values no record holds any more are gone; those others hold stay.
    frequencies = set(con.execute("SELECT column_name, value FROM term_frequencies").fetchall())
    stored = [k for (k,) in con.execute("SELECT record_key FROM std_records").fetchall()]
    still_held = set(erasure.match_values(con, stored))
    unheld = [v for v in erased_values if v not in still_held]
    assert unheld and not frequencies & set(unheld)
    assert set(erased_values) & still_held <= frequencies
    con.close()


def test_nothing_to_take_out_changes_nothing(reconciled: tuple[Path, Any], tmp_path: Path) -> None:
    """Deletions by the records' systems are replayed after the publish, not taken out here."""
    db = tmp_path / "plain.duckdb"
    shutil.copy(reconciled[0], db)
    con = database.connect(db)
    _gid, members = _golden_with(con, 2)
    con.execute("INSERT INTO deleted_records VALUES (?, ?, now(), 'crm', NULL)", list(members[0][1:]))
    before = con.execute("SELECT count(*) FROM xref").fetchone()
    done = erase_late(con, attributes=load_rules().attributes(), at=database.now(), run_id=RUN)
    assert (done.erasure_ids, done.record_keys, done.moved) == ([], [], {})
    assert con.execute("SELECT count(*) FROM xref").fetchone() == before
    con.close()
