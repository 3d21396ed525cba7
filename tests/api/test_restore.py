"""Restoring a backup: the database goes back to the backup's moment, and what happened since
stays true: the change feed goes on from where consumers read to, a revoked key stays revoked,
the audit log keeps its entries, and a customer erased since is erased again."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from api.settings import ApiSettings
from mdm.cli import app as cli
from tests.conftest import assert_holds_together, damage

NEW = {"crm_id": "RS-1", "first_name": "Quỳnh", "last_name": "Tôn Nữ", "mobile": "0977 310 552",
       "email": "quynh.tonnu@example.vn", "city": "Đà Nẵng"}


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _restore(db: Path, backup: Path) -> tuple[int, str]:
    done = CliRunner().invoke(cli, ["restore", "--db", str(db), "--from", str(backup)])
    if done.exception and not isinstance(done.exception, SystemExit):
        raise done.exception
    return done.exit_code, " ".join((done.stdout + done.stderr).split())


def _erase_one(db: Path, keys: dict[str, str]) -> tuple[str, str]:
    """Erase a customer through the service: their golden id and the erasure's id."""
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        gid = client.get("/golden-records", headers=_auth(keys["reader"]), params={"limit": 1}).json()[
            "data"][0]["golden_record"]["golden_id"]
        gone = client.post(f"/golden-records/{gid}/erase", headers=_auth(keys["admin"]),
                           json={"reason": "a data subject's request"})
        assert gone.status_code == 200, gone.text
    return gid, gone.json()["erasure_id"]


def _backed_up_then_erased(db: Path, keys: dict[str, str], tmp_path: Path) -> tuple[Path, str, str]:
    """A backup taken with the server stopped, then a customer erased (:func:`_erase_one`)."""
    backup = tmp_path / "copy.duckdb"
    assert CliRunner().invoke(cli, ["backup", "--db", str(db), "--out", str(backup)]).exit_code == 0
    return (backup, *_erase_one(db, keys))


def test_a_restored_backup_goes_on_from_what_happened_since(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    db, keys = served_db
    admin, reader = _auth(keys["admin"]), _auth(keys["reader"])
    with TestClient(create_app(ApiSettings(db_path=db, backup_dir=tmp_path / "backups"))) as client:
        made_before = client.post("/keys", headers=admin, json={"name": "made-before", "role": "reader"})
        assert made_before.status_code == 201
        backup = Path(client.post("/backups", headers=admin).json()["path"])
        page = client.get("/golden-records", headers=reader, params={"limit": 2}).json()["data"]
        kept, erased = (p["golden_record"] for p in page)
        erased_keys = [(m["source"], m["source_id"]) for m in erased["members"]]
        before = client.get(f"/golden-records/{kept['golden_id']}", headers=reader)

        # Since the backup: a record posted, a key made and one revoked, a customer erased.
        posted = client.post("/sources/sales/records", headers=_auth(keys["writer"]), json=NEW)
        assert posted.status_code == 200, posted.text
        made = client.post("/keys", headers=admin, json={"name": "made-later", "role": "reader"}).json()
        listed = client.get("/keys", headers=admin).json()["data"]
        revoked = next(k for k in listed if k["name"] == "test-steward")
        assert client.delete(f"/keys/{revoked['key_id']}", headers=admin).status_code == 204
        erase = f"/golden-records/{erased['golden_id']}/erase"
        gone = client.post(erase, headers=admin, json={"reason": "DSR-9"})
        assert gone.status_code == 200, gone.text
        read_to = client.get("/changes", headers=reader, params={"after": 0, "limit": 1}).json()["head"]
    with duckdb.connect(str(db)) as con:  # an entry made after the backup by a clock set back
        con.execute("INSERT INTO audit_log VALUES ('ASTEPPEDBACK', TIMESTAMP '2001-01-01', 'cli',"
                    " 'key.revoke', 'K1', '{}')")

    code, said = _restore(db, backup)
    assert code == 0, said
    assert f"erased again, made after the backup: {gone.json()['erasure_id']}" in said
    aside = [p for p in db.parent.iterdir() if p.name.startswith(f"{db.name}.before-restore-")]
    assert len(aside) == 1 and not (db.parent / f".{db.name}.restoring").exists()
    assert_holds_together(db)

    with TestClient(create_app(ApiSettings(db_path=db, backup_dir=tmp_path / "backups"))) as client:
        again = client.get(f"/golden-records/{kept['golden_id']}", headers=reader)
        assert (again.status_code, again.json()) == (200, before.json())
        assert client.get(f"/xref/sales/{NEW['crm_id']}", headers=reader).status_code == 404
        assert client.get(f"/golden-records/{erased['golden_id']}", headers=reader).status_code == 404
        for source, source_id in erased_keys:
            assert client.get(f"/xref/{source}/{source_id}", headers=reader).status_code == 404

        assert client.get("/golden-records", headers=_auth(made["key"])).status_code == 200
        assert client.get("/review-queue", headers=_auth(keys["steward"])).status_code == 401

        # A consumer that had read to the end reads on: the posted record's golden record went
        # back (retired, or changed back) and the erased customer is erased again.
        feed = client.get("/changes", headers=reader, params={"after": read_to, "limit": 100})
        assert feed.status_code == 200, feed.text
        entries = feed.json()["data"]
        assert entries and all(e["seq"] > read_to for e in entries)
        causes = {(e["golden_id"], e["change"], e["cause"]) for e in entries}
        held = posted.json()["golden_id"]  # a golden record of the backup's, or one made since
        active = client.get(f"/golden-records/{held}", headers=reader).status_code == 200
        assert (held, "changed" if active else "retired", "restore") in causes
        assert (erased["golden_id"], "erased", "erasure") in causes

        audit = client.get("/audit", headers=admin, params={"limit": 500}).json()["data"]
        actions = [e["action"] for e in audit]
        for action in ("backup.restore", "golden.erase", "key.create", "key.revoke", "record.upsert"):
            assert action in actions, action
        assert actions.count("golden.erase") == 2  # the erasure, and its second time in the restore
        assert "ASTEPPEDBACK" in {e["audit_id"] for e in audit}
        # The backup still holds one erased customer's data: the erasure made again is not a second.
        (listed,) = client.get("/backups", headers=admin).json()["data"]
        assert (listed["file"], listed["erasures_since"]) == (backup.name, 1)


def test_a_restore_refuses_a_held_database_and_what_is_not_a_backup(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    db, _keys = served_db
    backup = tmp_path / "copy.duckdb"
    assert CliRunner().invoke(cli, ["backup", "--db", str(db), "--out", str(backup)]).exit_code == 0
    unchanged = db.read_bytes()

    junk = tmp_path / "junk.duckdb"
    junk.write_text("not a database")
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    damaged = tmp_path / "damaged.duckdb"
    shutil.copy(backup, damaged)
    damage(damaged, "source_records")
    for bad, why in ((junk, "cannot open it as a database"), (empty, "not a database of this service"),
                     (damaged, "damaged, not restored: source_records: Corrupt database file"),
                     (tmp_path / "none.duckdb", "no such backup"), (db, "is the database itself")):
        code, said = _restore(db, bad)
        assert (code, why in said) == (1, True), said

    holder = subprocess.Popen(  # a server, say, holding the database
        [sys.executable, "-c", f"import duckdb, sys, time; c = duckdb.connect({str(db)!r}); print('held');"
         " sys.stdout.flush(); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code, said = _restore(db, backup)
    finally:
        holder.kill()
        holder.wait()
    assert code == 1 and f"another process holds it (PID {holder.pid})" in said, said
    assert db.read_bytes() == unchanged
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith((".", db.name))) == [db.name]

    # Onto a machine with no database yet: nothing to keep or go on from.
    fresh = tmp_path / "elsewhere" / "mdm.duckdb"
    code, said = _restore(fresh, backup)
    assert code == 0 and "the database it replaced" not in said, said
    with TestClient(create_app(ApiSettings(db_path=fresh))) as client:
        assert client.get("/health").status_code == 200


def test_a_restore_erases_again_under_rules_its_model_was_not_trained_for(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    """Rules changed since the backup's model was trained (an upgrade, a threshold moved): the
    real-time matcher waits for the next run, the erasure does not, so the customer erased since
    is erased again and the backup restored. It was refused, and with it every restore."""
    from matching_rules import DEFAULT_RULES

    db, keys = served_db
    backup, gid, erasure_id = _backed_up_then_erased(db, keys, tmp_path)
    rules = tmp_path / "rules.yaml"
    rules.write_text(DEFAULT_RULES.read_text(encoding="utf-8").replace(
        "      thresholds: [0.9]\n", "      thresholds: [0.88]\n", 1), encoding="utf-8")

    done = CliRunner().invoke(cli, ["restore", "--db", str(db), "--from", str(backup), "--rules", str(rules)])
    said = " ".join((done.stdout + done.stderr).split())
    assert done.exit_code == 0, said
    assert f"erased again, made after the backup: {erasure_id}" in said
    assert_holds_together(db)
    with TestClient(create_app(ApiSettings(db_path=db, rules_path=rules))) as client:
        assert client.get("/ready").status_code == 503  # the matcher waits for a run
        assert client.get(f"/golden-records/{gid}", headers=_auth(keys["reader"])).status_code == 404


def test_a_record_held_with_an_erased_customers_is_erased_too_and_named(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    """After the backup a steward split a record off its golden record and that customer was
    erased; in the backup the record is still with the other's: erasing it again takes both, and
    the restore says which record it took beyond the erasure."""
    db, keys = served_db
    backup = tmp_path / "copy.duckdb"
    assert CliRunner().invoke(cli, ["backup", "--db", str(db), "--out", str(backup)]).exit_code == 0
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        listed = client.get("/golden-records", headers=_auth(keys["reader"]), params={"limit": 100}).json()
        pair = next(g["golden_record"] for g in listed["data"] if len(g["golden_record"]["members"]) == 2)
        kept, split = pair["members"]
        body = {"source": split["source"], "source_id": split["source_id"]}
        off = client.post(f"/golden-records/{pair['golden_id']}/split", headers=_auth(keys["steward"]),
                          json=body)
        assert off.status_code == 200, off.text
        erased = client.post(f"/golden-records/{off.json()['golden_id']}/erase", headers=_auth(keys["admin"]),
                             json={"reason": "DSR-5"})
        assert erased.status_code == 200 and erased.json()["records"] == [body], erased.text

    code, said = _restore(db, backup)
    assert code == 0, said
    assert f"erased with them, as the backup had them together: {kept['source']}:{kept['source_id']};" in said
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        for member in (kept, split):
            xref = f"/xref/{member['source']}/{member['source_id']}"
            gone = client.get(xref, headers=_auth(keys["reader"]))
            assert gone.status_code == 404, member


def test_a_customer_erased_since_stays_out_of_later_batch_runs(  # type: ignore[no-untyped-def]
    served_db, small_sample, tmp_path
):
    """A batch run after the backup brought a new customer from a source's file, who was then
    erased: the backup never held them, so there is nothing there to erase again, yet the next
    run reads the same file. The erasure still keeps their row out of it, as it did before."""
    from mdm.pipeline import reconcile
    from tests.conftest import TODAY

    db, keys = served_db
    backup = tmp_path / "copy.duckdb"
    assert CliRunner().invoke(cli, ["backup", "--db", str(db), "--out", str(backup)]).exit_code == 0
    sample = tmp_path / "sample"
    shutil.copytree(small_sample, sample)
    with (sample / "sales.csv").open("a", encoding="utf-8", newline="") as f:
        f.write("RS-FILE-1,Xuân,Phạm Lệ,xuan.phamle@example.vn,0988 111 222,Huế,2026-06-01T00:00:00,"
                "2026-06-01T00:00:00,Online\n")
    reconcile(sample / "sources.yaml", db, today=TODAY)
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        found = client.get("/xref/sales/RS-FILE-1", headers=_auth(keys["reader"]))
        assert found.status_code == 200, found.text
        erase = f"/golden-records/{found.json()['golden_id']}/erase"
        gone = client.post(erase, headers=_auth(keys["admin"]), json={"reason": "DSR-11"})
        assert gone.status_code == 200, gone.text

    code, said = _restore(db, backup)
    assert code == 0, said
    reconcile(sample / "sources.yaml", db, today=TODAY)  # the file still has their row
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        assert client.get("/xref/sales/RS-FILE-1", headers=_auth(keys["reader"])).status_code == 404


_KILLED_AS_PUT_IN_PLACE = """
import os, signal, sys
from pathlib import Path

replace = os.replace


def killed_first(src, dst, *args, **kwargs):  # SIGKILL as the restored copy is put in place
    if Path(dst) == Path(sys.argv[1]):
        os.kill(os.getpid(), signal.SIGKILL)
    return replace(src, dst, *args, **kwargs)


os.replace = killed_first
from mdm.cli import app

app(["restore", "--db", sys.argv[1], "--from", sys.argv[2]])
"""


def test_a_restore_killed_as_it_puts_the_copy_in_place_leaves_the_database(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    """Killed (SIGKILL) at its last step, the database is still in its place, so the restore run
    again goes on from it: the customer erased since the backup is erased again."""
    db, keys = served_db
    backup, gid, erasure_id = _backed_up_then_erased(db, keys, tmp_path)
    unchanged = db.read_bytes()

    killed = subprocess.run([sys.executable, "-c", _KILLED_AS_PUT_IN_PLACE, str(db), str(backup)],
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    assert db.exists() and db.read_bytes() == unchanged

    code, said = _restore(db, backup)
    assert code == 0 and f"erased again, made after the backup: {erasure_id}" in said, said
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        assert client.get(f"/golden-records/{gid}", headers=_auth(keys["reader"])).status_code == 404
    # The killed one's second name of the database is gone: one database it replaced is kept.
    aside = [p for p in db.parent.iterdir() if p.name.startswith(f"{db.name}.before-restore-")]
    assert len(aside) == 1 and aside[0].read_bytes() == unchanged, aside


def test_a_backup_from_before_the_first_run_restores_after_an_erasure(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    """A backup taken before the first run holds no customer, so none erased since to erase again:
    it needs no trained model to restore (it was refused: nothing could serve the erasure)."""
    from mdm.store import database

    db, keys = served_db
    backup = tmp_path / "before-the-first-run.duckdb"
    database.connect(backup).close()
    _gid, erasure_id = _erase_one(db, keys)

    code, said = _restore(db, backup)
    assert code == 0 and f"erased again, made after the backup: {erasure_id}" in said, said
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        assert client.get("/golden-records", headers=_auth(keys["reader"])).json()["count"] == 0


def test_a_restore_refuses_a_log_left_without_its_database(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    """The database was moved away by hand (a server killed, its write-ahead log left beside it):
    the restored copy put there would have that log replayed onto it as DuckDB opens it, a log
    of another file, and it would not open. Refused, and nothing written."""
    db, _keys = served_db
    backup = tmp_path / "copy.duckdb"
    assert CliRunner().invoke(cli, ["backup", "--db", str(db), "--out", str(backup)]).exit_code == 0
    killed = subprocess.run(  # a server killed with a write in its log
        [sys.executable, "-c", f"import duckdb, os, signal; c = duckdb.connect({str(db)!r});"
         " c.execute(\"SET checkpoint_threshold = '1GB'\"); c.execute('DELETE FROM api_keys');"
         " os.kill(os.getpid(), signal.SIGKILL)"], timeout=60)
    assert killed.returncode == -9
    log = db.with_name(db.name + ".wal")
    assert log.exists()
    db.rename(tmp_path / "broken.duckdb")

    code, said = _restore(db, backup)
    assert code == 1 and "write-ahead log" in said, said
    assert not db.exists() and log.exists()


def test_a_customer_erased_since_stays_erased_when_their_key_was_posted_again(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    """After the backup a customer was erased and their system posted their key again (a new
    customer): the key is no longer deleted, but the backup holds the erased customer under it.
    The restore erases them again all the same (the erasure was missed, and they came back)."""
    db, keys = served_db
    backup = tmp_path / "copy.duckdb"
    assert CliRunner().invoke(cli, ["backup", "--db", str(db), "--out", str(backup)]).exit_code == 0
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        listed = client.get("/golden-records", headers=_auth(keys["reader"]), params={"limit": 100}).json()
        erased = next(g["golden_record"] for g in listed["data"]
                      if [m["source"] for m in g["golden_record"]["members"]] == ["sales"])
        gone = client.post(f"/golden-records/{erased['golden_id']}/erase", headers=_auth(keys["admin"]),
                           json={"reason": "DSR-12"})
        assert gone.status_code == 200, gone.text
        key = next(m["source_id"] for m in erased["members"] if m["source"] == "sales")
        again = client.post("/sources/sales/records", headers=_auth(keys["writer"]),
                            json={**NEW, "crm_id": key})
        assert again.status_code == 200, again.text

    code, said = _restore(db, backup)
    assert code == 0 and f"erased again, made after the backup: {gone.json()['erasure_id']}" in said, said
    assert_holds_together(db)
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        gid = erased["golden_id"]
        assert client.get(f"/golden-records/{gid}", headers=_auth(keys["reader"])).status_code == 404
        for member in erased["members"]:
            xref = f"/xref/{member['source']}/{member['source_id']}"
            assert client.get(xref, headers=_auth(keys["reader"])).status_code == 404, member
