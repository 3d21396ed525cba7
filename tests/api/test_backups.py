"""Backups: the service copies its own database (no other process may open the file while it
serves), as of one moment, while it goes on taking writes; a copy restores by being served."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from api.settings import ApiSettings
from mdm.cli import app as cli

ADMIN_ONLY = 403


def _whole(path: Path) -> dict[str, int]:
    """What a backup holds, checked to be one moment's: every source key's golden record is active
    and counts it, and each record posted is in the audit log."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        orphans, = con.execute("SELECT count(*) FROM xref x LEFT JOIN golden_records g USING (golden_id)"
                               " WHERE g.status IS DISTINCT FROM 'active'").fetchone()
        miscounted, = con.execute(
            "SELECT count(*) FROM golden_records g WHERE status = 'active'"
            " AND record_count <> (SELECT count(*) FROM xref x WHERE x.golden_id = g.golden_id)").fetchone()
        unaudited, = con.execute(
            "SELECT count(*) FROM posted_records p WHERE NOT EXISTS (SELECT 1 FROM audit_log a"
            " WHERE a.action = 'record.upsert' AND a.target = p.source || ':' || p.source_id)").fetchone()
        posted, = con.execute("SELECT count(*) FROM posted_records").fetchone()
    finally:
        con.close()
    assert (orphans, miscounted, unaudited) == (0, 0, 0), path
    return {"posted": posted}


def test_backups_taken_while_records_are_posted_are_whole_and_restore(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    db, keys = served_db
    folder = tmp_path / "kept"
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    reader = {"Authorization": f"Bearer {keys['reader']}"}
    with TestClient(create_app(ApiSettings(db_path=db, backup_dir=folder))) as client:
        first = client.post("/backups", headers=admin)
        assert first.status_code == 201, first.text
        gid = client.get("/golden-records", headers=reader, params={"limit": 1}).json()["data"][0][
            "golden_record"]["golden_id"]
        before = client.get(f"/golden-records/{gid}", headers=reader)

        service = client.app.state.service  # type: ignore[attr-defined]
        stop, posted = threading.Event(), []

        def post() -> None:  # a source system posting while backups are taken
            while not stop.is_set() and len(posted) < 400:
                n = len(posted)
                record = {"crm_id": f"BK-{n}", "first_name": f"Khách{n}", "last_name": "Trần",
                          "mobile": f"0912 {n:03d} 555", "city": "Huế"}
                service.post_record("sales", record, actor="test-writer")
                posted.append(n)

        poster = threading.Thread(target=post)
        poster.start()
        try:
            during = [client.post("/backups", headers=admin) for _ in range(3)]
        finally:
            stop.set()
            poster.join()
        assert [r.status_code for r in during] == [201, 201, 201], [r.text for r in during]
        listed = client.get("/backups", headers=admin).json()
        audit = client.get("/audit", headers=admin, params={"action": "backup."}).json()

    taken = [first.json(), *(r.json() for r in during)]
    assert [b["file"] for b in listed["data"]] == [b["file"] for b in reversed(taken)]  # newest first
    assert sorted(e["target"] for e in audit["data"]) == sorted(b["file"] for b in taken)
    counts = [_whole(Path(b["path"])) for b in taken]
    assert counts[0]["posted"] == 0 and all(Path(b["path"]).parent == folder for b in taken)
    assert [c["posted"] for c in counts] == sorted(c["posted"] for c in counts)
    assert counts[-1]["posted"] <= len(posted)
    assert sorted(p.name for p in folder.iterdir()) == sorted(b["file"] for b in taken)  # nothing partial

    # Restored: the first backup served gives the golden record as it was then.
    restored = tmp_path / "restored.duckdb"
    Path(taken[0]["path"]).rename(restored)
    with TestClient(create_app(ApiSettings(db_path=restored))) as client:
        again = client.get(f"/golden-records/{gid}", headers=reader)
        assert (again.status_code, again.text) == (200, before.text)
        assert again.headers["etag"] == before.headers["etag"]
        assert client.get("/xref/sales/BK-0", headers=reader).status_code == 404


def test_backups_are_an_admins_one_at_a_time_and_a_failed_one_leaves_nothing(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    db, keys = served_db
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    with TestClient(create_app(ApiSettings(db_path=db, backup_dir=blocked / "backups"))) as client:
        for role in ("reader", "writer", "steward"):
            who = {"Authorization": f"Bearer {keys[role]}"}
            assert client.post("/backups", headers=who).status_code == ADMIN_ONLY
            assert client.get("/backups", headers=who).status_code == ADMIN_ONLY
        failed = client.post("/backups", headers=admin)
        assert failed.status_code == 500 and failed.json()["error"] == "copy_failed"
        assert "cannot make the backup folder" in failed.json()["detail"]
        assert client.get("/backups", headers=admin).json()["data"] == []

        service = client.app.state.service  # type: ignore[attr-defined]
        service.backup_dir = tmp_path / "backups"
        with service._backup_lock:  # another admin's backup under way
            busy = client.post("/backups", headers=admin)
        assert busy.status_code == 409 and "a backup is being taken" in busy.json()["detail"]
        assert client.post("/backups", headers=admin).status_code == 201
    assert [p.name.startswith("served-") for p in (tmp_path / "backups").iterdir()] == [True]


def test_backups_are_kept_to_a_number_deleted_by_name_and_count_erasures(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    db, keys = served_db
    folder = tmp_path / "kept"
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    with TestClient(create_app(ApiSettings(db_path=db, backup_dir=folder, backup_keep=2))) as client:
        taken = [client.post("/backups", headers=admin).json() for _ in range(3)]
        assert [t["pruned"] for t in taken] == [[], [], [taken[0]["file"]]]
        listed = client.get("/backups", headers=admin).json()["data"]
        assert [(b["file"], b["erasures_since"]) for b in listed] == [
            (taken[2]["file"], 0), (taken[1]["file"], 0)]
        assert sorted(p.name for p in folder.iterdir()) == sorted(t["file"] for t in taken[1:])

        gid = client.get("/golden-records", headers=admin, params={"limit": 1}).json()["data"][0][
            "golden_record"]["golden_id"]
        erased = client.post(f"/golden-records/{gid}/erase", headers=admin, json={"reason": "DSR-7"})
        assert erased.status_code == 200, erased.text
        after = client.post("/backups", headers=admin).json()
        listed = client.get("/backups", headers=admin).json()["data"]
        assert [(b["file"], b["erasures_since"]) for b in listed] == [
            (after["file"], 0), (taken[2]["file"], 1)]

        reader = {"Authorization": f"Bearer {keys['reader']}"}
        assert client.delete(f"/backups/{taken[2]['file']}", headers=reader).status_code == ADMIN_ONLY
        (folder / f"{taken[2]['file']}.wal").write_bytes(b"left by opening it")
        gone = client.delete(f"/backups/{taken[2]['file']}", headers=admin)
        assert gone.status_code == 204, gone.text
        assert not (folder / f"{taken[2]['file']}.wal").exists()  # its log goes with it
        (folder / "served-20990101T000000.000000Z.duckdb").mkdir()  # a folder named like a backup
        for name in (taken[2]["file"], taken[0]["file"], db.name, "..%2Fserved.duckdb",
                     "served-20990101T000000.000000Z.duckdb"):
            missing = client.delete(f"/backups/{name}", headers=admin)
            assert missing.status_code == 404 and missing.json()["error"] == "not_found", name
        assert [b["file"] for b in client.get("/backups", headers=admin).json()["data"]] == [after["file"]]
        audit = client.get("/audit", headers=admin, params={"action": "backup.delete"}).json()["data"]
        assert [(e["target"], e["actor"]) for e in audit] == [(taken[2]["file"], "test-admin")]
    assert db.exists() and sorted(p.name for p in folder.iterdir() if p.is_file()) == [after["file"]]


def test_the_command_line_backs_up_a_stopped_servers_database(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    db, _keys = served_db
    out = tmp_path / "copy.duckdb"
    runner = CliRunner()
    done = runner.invoke(cli, ["backup", "--db", str(db), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "each table's rows counted in the copy" in " ".join(done.stderr.split())
    _whole(out)
    con = duckdb.connect(str(out), read_only=True)
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    con.close()
    con = duckdb.connect(str(db), read_only=True)
    listed = "SELECT table_name FROM duckdb_tables() ORDER BY 1"
    assert tables == [r[0] for r in con.execute(listed).fetchall()]
    con.close()
    again = runner.invoke(cli, ["backup", "--db", str(db), "--out", str(out)])
    assert again.exit_code == 1 and "exists already" in " ".join(again.stderr.split())
    nowhere = tmp_path / "nope.duckdb"
    missing = runner.invoke(cli, ["backup", "--db", str(nowhere), "--out", str(tmp_path / "x")])
    assert missing.exit_code == 2 and not (tmp_path / "x").exists()


def test_the_backup_just_taken_is_never_pruned(served_db, tmp_path):  # type: ignore[no-untyped-def]
    """Backups named by a clock that was ahead (since set back) look newer than any taken now:
    keeping one, each new backup was deleted as soon as it was whole, and the response named a
    file that was gone. The one just taken is kept, with the newest of the others."""
    db, keys = served_db
    folder = tmp_path / "kept"
    folder.mkdir()
    ahead = [f"served-20991231T00000{n}.000000Z.duckdb" for n in range(2)]
    for name in ahead:
        (folder / name).write_bytes(b"taken while the clock was ahead")
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    with TestClient(create_app(ApiSettings(db_path=db, backup_dir=folder, backup_keep=2))) as client:
        taken = client.post("/backups", headers=admin).json()
        assert Path(taken["path"]).is_file() and taken["pruned"] == [ahead[0]], taken
        listed = client.get("/backups", headers=admin).json()["data"]
    assert [b["file"] for b in listed] == [ahead[1], taken["file"]]


def test_a_backup_removes_what_one_killed_part_way_left(served_db, tmp_path):  # type: ignore[no-untyped-def]
    """A server killed while it took a backup left its hidden partial copy (and its log), named by
    a time no later backup takes again: it stayed for ever, unlisted, with erased customers' data.
    The next backup removes it, and leaves another database's files alone."""
    db, keys = served_db
    folder = tmp_path / "backups"
    folder.mkdir()
    left = [".served-20261206T080000.000000Z.duckdb.partial",
            ".served-20261206T080000.000000Z.duckdb.partial.wal"]
    others = [".other-20261206T080000.000000Z.duckdb.partial", "notes.txt"]
    for name in left + others:
        (folder / name).write_bytes(b"part of a copy")
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    with TestClient(create_app(ApiSettings(db_path=db, backup_dir=folder))) as client:
        taken = client.post("/backups", headers=admin)
        assert taken.status_code == 201, taken.text
    assert sorted(p.name for p in folder.iterdir()) == sorted([*others, taken.json()["file"]])
