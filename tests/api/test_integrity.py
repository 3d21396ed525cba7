"""Integrity checks: a database every write kept whole passes them all; one changed outside the
service, or damaged on disk, fails the checks that say what is wrong, read-only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from api.settings import ApiSettings
from mdm.cli import app as cli
from mdm.store.integrity import CHECKS
from tests.conftest import BY_FIRST_MEMBER, damage


def _check(db: Path) -> tuple[int, list[dict], str]:
    done = CliRunner().invoke(cli, ["check", "--db", str(db), "--json"])
    results = json.loads(done.stdout) if done.exit_code in (0, 1) and done.stdout.strip() else []
    return done.exit_code, results, " ".join(done.stderr.split())


def test_a_served_database_passes_every_check_over_http_and_read_only(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    db, keys = served_db
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        record = {"crm_id": "IC-1", "first_name": "Hạnh", "last_name": "Lò", "city": "Sơn La"}
        posted = client.post("/sources/sales/records", headers={"Authorization": f"Bearer {keys['writer']}"},
                             json=record)
        assert posted.status_code == 200, posted.text
        reader = client.get("/integrity", headers={"Authorization": f"Bearer {keys['reader']}"})
        checked = client.get("/integrity", headers={"Authorization": f"Bearer {keys['admin']}"})
    assert reader.status_code == 403
    assert checked.status_code == 200 and checked.json()["ok"], checked.text
    assert [c["name"] for c in checked.json()["checks"]] == [c.name for c in CHECKS] + ["tables_readable"]

    before = db.read_bytes()
    code, results, _ = _check(db)
    assert code == 0 and all(r["ok"] for r in results) and len(results) == len(CHECKS) + 1
    assert db.read_bytes() == before  # read-only: a backup is checked as it is


def test_a_database_changed_outside_the_service_fails_the_checks_that_say_how(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    db, _keys = served_db
    changed = tmp_path / "changed.duckdb"
    shutil.copy(db, changed)
    con = duckdb.connect(str(changed))
    (key, golden_id), (other_source, other_id) = con.execute(
        "SELECT record_key, golden_id FROM xref ORDER BY record_key LIMIT 1").fetchone(), con.execute(
        "SELECT source, source_id FROM xref ORDER BY record_key DESC LIMIT 1").fetchone()
    con.execute("DELETE FROM xref WHERE record_key = ?", [key])  # a hand edit
    con.execute("INSERT INTO deleted_records VALUES (?, ?, now(), 'someone', NULL)", [other_source, other_id])
    (renamed,) = con.execute("SELECT golden_id FROM golden_records WHERE golden_id <> ? AND status = 'active'"
                             f" ORDER BY {BY_FIRST_MEMBER} LIMIT 1", [golden_id]).fetchone()
    con.execute("UPDATE golden_records SET attributes = json_merge_patch(attributes, ?) WHERE golden_id = ?",
                ['{"full_name": "X Y"}', renamed])
    con.close()

    code, results, _ = _check(changed)
    failed = {r["name"]: r for r in results if not r["ok"]}
    assert code == 1
    assert set(failed) == {"golden_record_count", "golden_sources", "records_whole", "document_members",
                           "lineage_from_members", "deleted_not_served", "document_id", "lineage_values"}
    assert failed["document_id"]["examples"] == [renamed]
    assert failed["lineage_values"]["examples"] == [f"{renamed}.full_name"]
    assert f"{key} is in no golden record" in failed["records_whole"]["examples"]
    assert failed["deleted_not_served"]["examples"] == [f"{other_source}:{other_id}"]
    assert golden_id in failed["document_members"]["examples"]


def test_a_damaged_block_fails_reading_and_no_database_of_ours_is_refused(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    db, _keys = served_db
    damaged = tmp_path / "damaged.duckdb"
    shutil.copy(db, damaged)
    damage(damaged, "source_records")
    code, results, _ = _check(damaged)
    failed = [r for r in results if not r["ok"]]
    assert code == 1 and [r["name"] for r in failed] == ["tables_readable"]
    assert failed[0]["examples"][0].startswith("source_records: ") and "checksum" in failed[0]["examples"][0]

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    code, _, said = _check(empty)
    assert code == 1 and "not a database of this service" in said, said


def test_a_database_of_another_version_is_refused_saying_what_to_do(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    """An older database is told which command brings it to this version (it was told to be
    opened "with this version first", naming none), and a newer one is not told to be opened with
    this version, which refuses it."""
    from mdm.store.database import LATEST_SCHEMA

    db, _keys = served_db
    for version, said_what in ((LATEST_SCHEMA - 1, "`mdm runs --db FILE`"),
                               (LATEST_SCHEMA + 1, "written by a newer version of mdm")):
        other = tmp_path / f"schema-{version}.duckdb"
        shutil.copy(db, other)
        con = duckdb.connect(str(other))
        con.execute("DELETE FROM schema_migrations WHERE version = ?", [LATEST_SCHEMA])
        if version > LATEST_SCHEMA:
            con.execute("INSERT INTO schema_migrations VALUES (?, now())", [version])
        con.close()
        code, _, said = _check(other)
        assert code == 1 and said_what in said, said


def test_a_post_held_by_no_golden_record_fails_but_not_in_a_replay_window(  # type: ignore[no-untyped-def]
    served_db, small_sample, tmp_path
):
    """Every record posted through the API is held by a golden record: no check said so when one
    was not. Between a run's publish and the replay of the records posted during it, those are
    not yet held, and the checks pass (a record deleted during it the publish took out: held no
    more); once the replay has ended, they count them too."""
    from tests.api.test_records import VY

    db, keys = served_db
    admin, writer = ({"Authorization": f"Bearer {keys[r]}"} for r in ("admin", "writer"))
    mid: dict[str, object] = {}
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        service = client.app.state.service  # type: ignore[attr-defined]
        prepare, after = service._prepare_index, service._after_publish
        ((gone,),) = service.reader().execute(
            "SELECT source_id FROM xref WHERE source = 'sales' ORDER BY 1 LIMIT 1").fetchall()

        def post_then_prepare(std, xref, cancellation):  # type: ignore[no-untyped-def]
            posted = client.post("/sources/sales/records", headers=writer, json=dict(VY, crm_id="PH-1"))
            deleted = client.delete(f"/sources/sales/records/{gone}", headers=writer)
            assert posted.status_code == deleted.status_code == 200, deleted.text  # after the run's read
            return prepare(std, xref, cancellation)

        def check_then_replay(report):  # type: ignore[no-untyped-def]
            mid["held"] = service.golden_id_for("sales", "PH-1"), service.golden_id_for("sales", gone)
            mid["checked"] = client.get("/integrity", headers=admin).json()
            after(report)

        service._prepare_index, service._after_publish = post_then_prepare, check_then_replay
        started = client.post("/runs", headers=admin, json={"sources": str(small_sample / "sources.yaml")})
        assert started.status_code == 202, started.text
        service._run_thread.join(timeout=300)
        assert client.get(f"/runs/{started.json()['run_id']}", headers=admin).json()["status"] == "succeeded"
    assert mid["held"] == (None, None)  # the post not yet replayed; the deletion taken out by the publish
    assert mid["checked"]["ok"], mid["checked"]  # type: ignore[index]
    assert _check(db)[0] == 0

    changed = tmp_path / "changed.duckdb"
    shutil.copy(db, changed)
    con = duckdb.connect(str(changed))
    ((key, golden_id),) = con.execute(
        "SELECT record_key, golden_id FROM xref WHERE source_id = 'PH-1'").fetchall()
    for table in ("xref", "source_records", "std_records"):  # lost, as by a hand edit
        con.execute(f"DELETE FROM {table} WHERE record_key = ?", [key])
    for table in ("golden_records", "golden_lineage"):
        con.execute(f"DELETE FROM {table} WHERE golden_id = ?", [golden_id])
    con.close()
    code, results, _ = _check(changed)
    failed = {r["name"]: r for r in results if not r["ok"]}
    assert code == 1 and set(failed) == {"posts_held"}, failed
    assert failed["posts_held"]["examples"] == ["sales:PH-1"]


def _copy_with_two_golden(served_db, tmp_path):  # type: ignore[no-untyped-def]
    """A copy of the served database to change by hand, open, and two of its active golden ids."""
    db, _keys = served_db
    changed = tmp_path / "changed.duckdb"
    shutil.copy(db, changed)
    con = duckdb.connect(str(changed))
    ((first, second),) = con.execute(
        f"SELECT golden_id, lead(golden_id) OVER (ORDER BY {BY_FIRST_MEMBER}) FROM golden_records"
        f" WHERE status = 'active' ORDER BY {BY_FIRST_MEMBER} LIMIT 1").fetchall()
    return changed, con, (first, second)


def test_an_active_golden_record_its_history_leaves_retired_fails(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    """A golden record active again with no 'restored' entry after its last retirement (a
    publish that brought back one merged while the run computed did so): the change feed says it
    is gone while it is served. No check said so."""
    changed, con, (gone, into) = _copy_with_two_golden(served_db, tmp_path)
    con.execute("INSERT INTO golden_history (seq, golden_id, changed_at, change, cause, members, merged_into)"
                " VALUES (nextval('golden_history_seq'), ?, now(), 'merged', 'decision', 0, ?)", [gone, into])
    con.execute("INSERT INTO golden_history (seq, golden_id, changed_at, change, cause, members)"
                " VALUES (nextval('golden_history_seq'), ?, now(), 'changed', 'run', 1)", [gone])
    con.close()
    code, results, _ = _check(changed)
    failed = {r["name"]: r for r in results if not r["ok"]}
    assert code == 1 and set(failed) == {"active_not_retired_in_history"}, failed
    assert failed["active_not_retired_in_history"]["examples"] == [f"{gone} last merged"]


def test_an_override_held_away_from_its_active_golden_record_fails(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    """An override set on a golden record that is active, held by another: it applies to neither
    its own (a publish left it with the one its golden record had been merged into, active
    again). No check said so."""
    changed, con, (own, other) = _copy_with_two_golden(served_db, tmp_path)
    con.execute("INSERT INTO golden_overrides (override_id, golden_id, set_on, attribute, value, reason,"
                " actor, created_at) VALUES ('OV-1', ?, ?, 'phone', '+84912345678', 'customer called',"
                " 'someone', now())", [other, own])
    con.close()
    code, results, _ = _check(changed)
    failed = {r["name"]: r for r in results if not r["ok"]}
    assert code == 1 and set(failed) == {"overrides_home"}, failed
    assert failed["overrides_home"]["examples"] == [f"OV-1 (phone) set on {own}, held by {other}"]
