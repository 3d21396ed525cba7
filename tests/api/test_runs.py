"""Background batch runs through the API: atomic swap, one at a time, failures recorded."""

from __future__ import annotations

import csv
import gc
import os
import shutil
import threading
import time
import weakref

import duckdb
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from mdm.store import database
from tests.api.conftest import make_keys
from tests.conftest import walked_by_the_collector


def _wait(api):  # type: ignore[no-untyped-def]
    thread = api.client.app.state.service._run_thread
    if thread is not None:
        thread.join(timeout=300)


def test_run_swaps_in_atomically_while_reads_continue(api, small_sample):  # type: ignore[no-untyped-def]
    source, source_id, before = api.client.app.state.service.reader().execute(
        "SELECT source, source_id, golden_id FROM xref ORDER BY 1, 2 LIMIT 1").fetchall()[0]
    started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml"), "retrain": True})
    assert started.status_code == 202 and started.json()["status"] == "running"
    run_id = started.json()["run_id"]
    seen, threads = [], set()
    service = api.client.app.state.service
    thread = service._run_thread
    while thread.is_alive():
        r = api.get(f"/xref/{source}/{source_id}")
        assert r.status_code == 200
        seen.append(r.json()["golden_id"])
        threads.add(database.threads(service.reader()))
    thread.join()
    # The run computes on all of DuckDB's threads; serving goes back to one when it is done.
    assert max(threads) == database.threads(duckdb.connect())
    assert database.threads(service.reader()) == 1
    run = api.get(f"/runs/{run_id}").json()
    assert run["status"] == "succeeded", run
    assert run["retrained"] is True and run["counts"]["records"] > 0
    assert len(seen) > 3  # reads went on during the run
    assert set(seen) <= {before, api.get(f"/xref/{source}/{source_id}").json()["golden_id"]}
    assert api.client.get("/ready").json()["model_id"] == run["model_id"]


def test_the_live_index_is_built_before_the_publish_and_equals_the_published(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """The run's record index is built from its results before the write lock is taken; once
    published, it holds what an index built from the published tables holds."""
    from mdm.realtime import RecordIndex

    service = api.client.app.state.service
    lock_held_while_building: list[bool] = []
    build = RecordIndex.build.__func__  # type: ignore[attr-defined]

    def watched(cls, con, rules, std=None, xref=None, cancellation=None):  # type: ignore[no-untyped-def]
        if std is not None:
            lock_held_while_building.append(service._write_lock._is_owned())
        return build(cls, con, rules, std, xref, cancellation)

    monkeypatch.setattr(RecordIndex, "build", classmethod(watched))
    started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")})
    assert started.status_code == 202
    _wait(api)
    assert api.get(f"/runs/{started.json()['run_id']}").json()["status"] == "succeeded"
    assert lock_held_while_building == [False]
    live = service.matcher
    published = build(RecordIndex, service.reader(), service._rules())
    assert live.index.rows == published.index.rows
    assert live.index._blocks == published.index._blocks
    assert live.golden_of == published.golden_of


def test_previews_answer_while_a_run_publishes(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """Readers of the live matcher wait only for the publish's commit and the matcher's swap,
    not for the whole publish (at a million records 15-30 s, under the writers' lock)."""
    from mdm.store import stewardship as steward_sql
    from tests.api.test_records import VY_MARKETING

    inside, release = threading.Event(), threading.Event()
    add_history = steward_sql.add_history_table

    def held(*args, **kw):  # type: ignore[no-untyped-def]
        inside.set()  # the run is publishing, inside its transaction
        release.wait(300)
        return add_history(*args, **kw)

    monkeypatch.setattr(steward_sql, "add_history_table", held)
    gid = api.get("/golden-records", params={"limit": 1}).json()["data"][0]["golden_record"]["golden_id"]
    started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")})
    try:
        assert inside.wait(300)
        answers: list = []
        previews = threading.Thread(target=lambda: answers.extend([
            api.post("/sources/marketing/records:match", who="reader", json=VY_MARKETING),
            api.get(f"/golden-records/{gid}/links", who="steward"),
            api.get(f"/golden-records/{gid}/similar", who="steward"),
            api.get(f"/golden-records/{gid}"),
        ]), daemon=True)
        previews.start()
        previews.join(30)
        assert [a.status_code for a in answers] == [200, 200, 200, 200]
    finally:
        release.set()
    _wait(api)
    assert api.get(f"/runs/{started.json()['run_id']}").json()["status"] == "succeeded"


def test_a_record_posted_during_a_run_keeps_its_golden_id(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """The run's results lack it: the post is replayed after the publish, into the golden id it
    made (it used to get another, and the one its system was given answered 404)."""
    from mdm import golden
    from tests.api.test_records import VY

    build, given = golden.build_golden, []

    def build_then_post(*args, **kw):  # type: ignore[no-untyped-def]
        out = build(*args, **kw)
        if not given:
            given.append(api.post("/sources/sales/records", json=VY).json())
        return out

    monkeypatch.setattr(golden, "build_golden", build_then_post)
    started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")})
    _wait(api)
    assert api.get(f"/runs/{started.json()['run_id']}").json()["status"] == "succeeded"
    gid = given[0]["golden_id"]
    assert given[0]["outcome"] == "new" and api.get("/xref/sales/RT-1").json()["golden_id"] == gid
    assert api.get(f"/golden-records/{gid}").status_code == 200


def test_the_replay_lets_posts_in_and_leaves_what_they_superseded(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """The records posted during a run are replayed one write at a time: a post that comes
    meanwhile waits for one of them, not for all (it used to wait for the whole replay, 36 s at
    a million records). A key posted again meanwhile keeps its newer version. The run shows the
    replay while it goes (a new run is refused, saying why) and keeps its counts."""
    from mdm import golden
    from tests.api.test_records import VY

    service = api.client.app.state.service
    build = golden.build_golden
    during = [dict(VY, crm_id=f"RP-{i}", mobile=f"0912 000 {i:03d}") for i in range(12)]

    def build_then_post(*args, **kw):  # type: ignore[no-untyped-def]
        out = build(*args, **kw)
        while during:
            assert api.post("/sources/sales/records", json=during.pop(0)).status_code == 200
        return out

    replay, order, shown = service.post_record, [], []
    newer = dict(VY, crm_id="RP-11", city="Huế")

    def post_record(source, payload, **kw):  # type: ignore[no-untyped-def]
        if "golden_id_before" not in kw:  # not the replay's
            return replay(source, payload, **kw)
        if not order:  # the first replayed post: a source system posts two records meanwhile
            threading.Thread(target=lambda: order.append(
                ("other", api.post("/sources/sales/records", json=dict(VY, crm_id="RP-NEW")).status_code)),
                daemon=True).start()
            shown.append(api.get("/runs").json()["data"][0])
            threading.Thread(target=lambda: order.append(
                ("run", api.post("/runs", who="admin", json={}).json())), daemon=True).start()
            replay("sales", newer, actor="test")  # RP-11 again, before the replay reaches it
            time.sleep(0.3)  # the other post is waiting for the lock
        order.append(("replayed", payload["crm_id"]))
        return replay(source, payload, **kw)

    monkeypatch.setattr(golden, "build_golden", build_then_post)
    monkeypatch.setattr(service, "post_record", post_record)
    started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")})
    _wait(api)
    run = api.get(f"/runs/{started.json()['run_id']}").json()
    assert run["status"] == "succeeded"
    replayed = [k for what, k in order if what == "replayed"]
    assert replayed == [f"RP-{i}" for i in range(11)]  # RP-11 was posted again: not replayed
    assert order.index(("other", 200)) < len(order) - 1  # in before the replay ended
    assert shown[0]["run_id"] == run["run_id"] and shown[0]["status"] == "succeeded"
    assert shown[0]["replaying"] == {"posts": 12, "deletions": 0, "replayed": 0, "skipped": 0}
    (refused,) = [r for what, r in order if what == "run"]
    assert refused["error"] == "conflict" and "replaying the changes posted during it" in refused["detail"]
    assert run["replaying"] is None
    assert run["report"]["replayed"] == {"posts": 12, "deletions": 0, "replayed": 11, "skipped": 1}
    record = api.get("/sources/sales/records/RP-11", who="reader_pii").json()
    assert record["raw"]["city"] == "Huế"


def test_a_key_posted_in_a_run_is_found_by_a_write_before_its_replay(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """Between a run's publish and the replay of the records posted during it, a deletion of
    such a record used to be a 404 that left the record stored, and a post of it again made it
    a golden record under a new id, the id its poster was given gone with no change-feed entry.
    The write replays the key first: the deletion deletes, the post keeps the id."""
    from mdm import golden
    from mdm.errors import NotFoundError
    from tests.api.test_records import VY

    service = api.client.app.state.service
    build = golden.build_golden
    during = [dict(VY, crm_id=f"RW-{i}", mobile=f"0912 000 {i:03d}", email=f"rw{i}@example.vn")
              for i in range(3)]
    given: dict[str, str] = {}

    def build_then_post(*args, **kw):  # type: ignore[no-untyped-def]
        out = build(*args, **kw)
        while during:
            posted = api.post("/sources/sales/records", json=during.pop(0))
            given[posted.json()["source_id"]] = posted.json()["golden_id"]
        return out

    replay, written = service.post_record, []

    def post_record(source, payload, **kw):  # type: ignore[no-untyped-def]
        if "golden_id_before" in kw and not written:  # before the replay's first post: RW-1, RW-2 written
            try:
                written.append(service.delete_record("sales", "RW-1", actor="test"))
            except NotFoundError as e:
                written.append(e)
            written.append(replay("sales", dict(VY, crm_id="RW-2", mobile="0912 000 002",
                                                email="rw2@example.vn", city="Huế"), actor="test"))
        return replay(source, payload, **kw)

    monkeypatch.setattr(golden, "build_golden", build_then_post)
    monkeypatch.setattr(service, "post_record", post_record)
    started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")})
    _wait(api)
    assert api.get(f"/runs/{started.json()['run_id']}").json()["status"] == "succeeded"
    assert not isinstance(written[0], NotFoundError), written[0]
    assert written[1].golden_id == given["RW-2"]
    assert api.get("/sources/sales/records/RW-1").status_code == 404
    assert api.get("/xref/sales/RW-2").json()["golden_id"] == given["RW-2"]
    assert api.get(f"/golden-records/{given['RW-2']}").json()["golden_id"] == given["RW-2"]


def test_a_run_copies_its_results_before_it_takes_the_writers_lock(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """The copy of the results into the tables that replace the live ones (two thirds of a
    publish at a million records) lets posts through; one made between it and the publish is
    kept, replayed onto the results."""
    from mdm.store import results
    from tests.api.test_records import VY

    prefill, answers = results.prefill, []

    def prefill_then_post(con, staging):  # type: ignore[no-untyped-def]
        prefill(con, staging)
        poster = threading.Thread(target=lambda: answers.append(api.post("/sources/sales/records", json=VY)))
        poster.start()
        poster.join(30)

    monkeypatch.setattr(results, "prefill", prefill_then_post)
    started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")})
    _wait(api)
    assert api.get(f"/runs/{started.json()['run_id']}").json()["status"] == "succeeded"
    assert [a.status_code for a in answers] == [200]  # it did not wait for the run
    assert api.get("/xref/sales/RT-1").json()["golden_id"] == answers[0].json()["golden_id"]


def test_after_a_run_the_live_index_leaves_the_collector_nothing_to_walk(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """Full collections are held back while a run goes (they would walk its millions of live
    objects); as it ends, what lives is frozen out of the collector's walks, the index it built
    among it, also once a post has put new blocks in, and the matcher it replaced is freed."""
    from tests.api.test_records import VY

    service = api.client.app.state.service
    replaced = weakref.ref(service.matcher)
    swap, full_threshold_at_swap = service._swap_matcher, []

    def watched_swap(report, built):  # type: ignore[no-untyped-def]
        full_threshold_at_swap.append(gc.get_threshold()[2])
        swap(report, built)

    monkeypatch.setattr(service, "_swap_matcher", watched_swap)
    thresholds = gc.get_threshold()
    started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")})
    _wait(api)
    assert api.get(f"/runs/{started.json()['run_id']}").json()["status"] == "succeeded"
    assert len(full_threshold_at_swap) == 1 and full_threshold_at_swap[0] > 2**30  # held: out of reach
    assert gc.get_threshold() == thresholds and gc.isenabled()
    assert len(service.matcher.index) > 100 and walked_by_the_collector(service.matcher.index) == []
    posted = api.post("/sources/sales/records", json=VY)
    assert posted.status_code in (200, 201), posted.text
    assert walked_by_the_collector(service.matcher.index) == []
    assert replaced() is None


def test_the_index_built_at_open_leaves_the_collector_nothing_to_walk(  # type: ignore[no-untyped-def]
    served_db
):
    """The service opens with its record index frozen out of the collector's walks (each full
    collection walked it, 0.5-1.1 s at a million records); closed, it gives it back to the
    collector, to free at exit."""
    from mdm.service import Service

    service = Service(served_db[0])
    service.open()
    try:
        assert len(service.matcher.index) > 100
        assert walked_by_the_collector(service.matcher.index) == []
        assert gc.get_freeze_count() > 0
    finally:
        service.close()
    assert gc.get_freeze_count() == 0


def test_a_run_the_service_starts_works_on_processes_from_a_fork_server(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch, pool_starts
):
    """Standardising and golden records go to worker processes in the service too, not forked
    from its threads, and the run keeps every golden id as one process would."""
    from mdm import golden
    from mdm.standardise import batch

    monkeypatch.setattr(batch, "PARALLEL_FROM", 0)
    monkeypatch.setattr(golden, "PARALLEL_FROM", 0)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # two workers on any machine
    service = api.client.app.state.service
    before = dict(service.reader().execute("SELECT record_key, golden_id FROM xref").fetchall())
    started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")})
    _wait(api)
    run = api.get(f"/runs/{started.json()['run_id']}").json()
    assert run["status"] == "succeeded", run
    assert pool_starts == ["forkserver", "forkserver"]  # standardise, then golden records
    assert dict(service.reader().execute("SELECT record_key, golden_id FROM xref").fetchall()) == before


def test_serving_runs_duckdb_on_one_thread_and_scans_borrow_all(api):  # type: ignore[no-untyped-def]
    service = api.client.app.state.service
    everything = database.threads(duckdb.connect())
    assert database.threads(service.reader()) == 1
    with service.parallel():
        assert database.threads(service.reader()) == everything
        with service.parallel():  # a second scan at the same time
            pass
        assert database.threads(service.reader()) == everything  # still held by the first
    assert database.threads(service.reader()) == 1
    found = api.get("/golden-records", params={"name": "nguyen"})
    assert found.status_code == 200 and found.json()["count"] > 0
    assert database.threads(service.reader()) == 1


def test_a_second_run_while_one_is_going_is_409(api, small_sample):  # type: ignore[no-untyped-def]
    body = {"sources": str(small_sample / "sources.yaml"), "retrain": True}
    assert api.post("/runs", who="admin", json=body).status_code == 202
    second = api.post("/runs", who="admin", json=body)
    assert second.status_code == 409 and second.json()["error"] == "conflict"
    _wait(api)
    runs = api.get("/runs").json()
    assert runs["count"] >= 2 and runs["data"][0]["status"] == "succeeded"


def test_a_failed_run_is_recorded_and_leaves_the_state_intact(api, small_sample, tmp_path):  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken"
    shutil.copytree(small_sample, broken)
    (broken / "sales.csv").write_text("crm_id,first_name\nX1,Lan\n", encoding="utf-8")  # columns missing
    before = api.get("/golden-records", params={"limit": 1}).json()["count"]
    r = api.post("/runs", who="admin", json={"sources": str(broken / "sources.yaml")})
    assert r.status_code == 202
    _wait(api)
    run = api.get(f"/runs/{r.json()['run_id']}").json()
    assert run["status"] == "failed" and "last_name" in run["error"]
    assert api.get("/golden-records", params={"limit": 1}).json()["count"] == before
    assert api.client.get("/ready").status_code == 200


def test_a_run_that_would_remove_much_of_a_source_fails_until_accepted(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path
):
    truncated = tmp_path / "truncated"
    shutil.copytree(small_sample, truncated)
    billing = truncated / "billing.csv"
    with billing.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    with billing.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows[:11])
    before = api.get("/golden-records", params={"limit": 1}).json()["count"]
    published = "SELECT count(*) FROM xref WHERE source = 'billing'"
    (billing_before,) = api.client.app.state.service.reader().execute(published).fetchone()
    body = {"sources": str(truncated / "sources.yaml")}
    r = api.post("/runs", who="admin", json=body)
    assert r.status_code == 202
    _wait(api)
    run = api.get(f"/runs/{r.json()['run_id']}").json()
    assert run["status"] == "failed"
    assert "source 'billing'" in run["error"] and "accept_removals" in run["error"]
    assert api.get("/golden-records", params={"limit": 1}).json()["count"] == before
    r = api.post("/runs", who="admin", json={**body, "accept_removals": True})
    _wait(api)
    run = api.get(f"/runs/{r.json()['run_id']}").json()
    assert run["status"] == "succeeded", run
    (billing_after,) = api.client.app.state.service.reader().execute(published).fetchone()
    assert run["counts"]["sources"]["billing"]["removed"] == billing_before - billing_after > 100
    audit = api.get("/audit", who="admin", params={"action": "run.start"}).json()["data"]
    assert audit[0]["detail"]["accept_removals"] is True


def test_a_dry_run_through_the_api(api, small_sample, tmp_path):  # type: ignore[no-untyped-def]
    from tests.test_removals import _keep_rows

    truncated = tmp_path / "truncated"
    shutil.copytree(small_sample, truncated)
    _keep_rows(truncated / "billing.csv", 10)
    before = _contents_of(api)
    r = api.post("/runs", who="admin", json={"sources": str(truncated / "sources.yaml"), "dry_run": True})
    assert r.status_code == 202
    _wait(api)
    run = api.get(f"/runs/{r.json()['run_id']}").json()
    assert run["status"] == "previewed", run
    assert run["counts"]["sources"]["billing"]["removed"] > 0
    assert "source 'billing'" in run["report"]["removals_refused"]
    assert _contents_of(api) == before
    assert api.client.get("/ready").status_code == 200


def _contents_of(api) -> dict[str, list]:  # type: ignore[no-untyped-def]
    from tests.test_dry_run import TABLES

    con = api.client.app.state.service.reader()
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def test_bad_run_requests_are_4xx(api, tmp_path):  # type: ignore[no-untyped-def]
    r = api.post("/runs", who="admin", json={"sources": str(tmp_path / "missing.yaml")})
    assert r.status_code == 422 and r.json()["error"] == "config_error"
    assert r.json()["detail"].startswith("field 'sources': ") and "missing.yaml" in r.json()["detail"]
    r = api.post("/runs", who="admin", json={"retrian": True})
    assert r.status_code == 422 and "retrian" in r.json()["detail"]


def test_a_blank_or_impossible_sources_path_is_422_naming_it(api):  # type: ignore[no-untyped-def]
    """Not the server's working directory (Path("") is), and no run starts."""
    runs = api.get("/runs").json()["count"]
    for blank in ("", "  ", "sources\u0000.yaml"):  # the last no path can hold
        r = api.post("/runs", who="admin", json={"sources": blank})
        assert r.status_code == 422 and r.json()["error"] == "invalid_input", r.json()
        assert "'sources'" in r.json()["detail"]
    assert api.get("/runs").json()["count"] == runs


def test_a_new_empty_database_is_served_but_not_ready(tmp_path):  # type: ignore[no-untyped-def]
    db = tmp_path / "empty.duckdb"
    made = make_keys(db)
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        headers = {"Authorization": f"Bearer {made['writer']}"}
        ready = client.get("/ready")
        assert ready.status_code == 503 and "no trained model" in ready.json()["detail"]
        r = client.post("/sources/sales/records", json={"crm_id": "1"}, headers=headers)
        assert r.status_code == 503 and r.json()["error"] == "not_ready"
        page = client.get("/golden-records", headers=headers).json()
        assert page["count"] == 0
        r = client.post("/runs", json={}, headers={"Authorization": f"Bearer {made['admin']}"})
        assert r.status_code == 422 and "sources" in r.json()["detail"]


def test_a_run_without_sources_repeats_the_last_one_whatever_the_working_directory(
    small_sample, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    from mdm.pipeline import reconcile
    from tests.conftest import TODAY

    copy = tmp_path / "extracts"
    shutil.copytree(small_sample, copy)
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "rel.duckdb"
    reconcile("extracts/sources.yaml", db, today=TODAY)  # a relative path, as a user types it
    made = make_keys(db)
    monkeypatch.chdir(small_sample.parent)  # the server starts somewhere else
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        r = client.post("/runs", json={}, headers={"Authorization": f"Bearer {made['admin']}"})
        assert r.status_code == 202, r.json()
        assert r.json()["sources_path"] == str(copy / "sources.yaml")
        client.app.state.service._run_thread.join()
        run = client.get(f"/runs/{r.json()['run_id']}", headers={"Authorization": f"Bearer {made['admin']}"})
        assert run.json()["status"] == "succeeded"


def test_changed_rules_say_how_to_be_ready_and_a_run_makes_it_so(  # type: ignore[no-untyped-def]
    served_db, tmp_path
):
    """The message said to re-run "with retrain"; a plain run trains for rules the stored model
    was not trained on, and the service is ready after it."""
    from matching_rules import DEFAULT_RULES

    db, made = served_db
    rules = tmp_path / "rules.yaml"
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    changed = text.replace("      thresholds: [0.9]\n", "      thresholds: [0.88]\n", 1)
    rules.write_text(changed, encoding="utf-8")
    assert rules.read_text(encoding="utf-8") != text
    with TestClient(create_app(ApiSettings(db_path=db, rules_path=rules))) as client:
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert "run a batch reconciliation (POST /runs), which trains one" in ready.json()["detail"]
        started = client.post("/runs", json={}, headers={"Authorization": f"Bearer {made['admin']}"})
        assert started.status_code == 202, started.json()
        client.app.state.service._run_thread.join(timeout=300)
        assert client.get("/ready").status_code == 200


def test_posts_a_killed_replay_left_are_replayed_when_the_service_starts(  # type: ignore[no-untyped-def]
    served_db, small_sample, monkeypatch
):
    """The server died (kill -9) after a run published and before it replayed the records posted
    while the run computed: those posts had been answered and stored, yet no golden record held
    them until the next run (a lookup was a 404, and mdm check said nothing). The next start
    replays them."""
    from mdm.service import Service
    from tests.api.test_records import VY

    db, keys = served_db
    admin, reader = ({"Authorization": f"Bearer {keys[r]}"} for r in ("admin", "reader"))
    prepare = Service._prepare_index

    def post_then_prepare(self, std, xref, cancellation):  # type: ignore[no-untyped-def]
        self.post_record("sales", dict(VY, crm_id="KR-1"), actor="test")  # the run has read its inputs
        return prepare(self, std, xref, cancellation)

    monkeypatch.setattr(Service, "_prepare_index", post_then_prepare)
    monkeypatch.setattr(Service, "replay_api_changes", lambda self, *a, **kw: (0, 0))  # died before it
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        started = client.post("/runs", headers=admin, json={"sources": str(small_sample / "sources.yaml")})
        assert started.status_code == 202, started.text
        client.app.state.service._run_thread.join(timeout=300)  # type: ignore[attr-defined]
        assert client.get("/xref/sales/KR-1", headers=reader).status_code == 404
    monkeypatch.undo()

    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        held = client.get("/xref/sales/KR-1", headers=reader)
        assert held.status_code == 200, held.text
        run = client.get(f"/runs/{started.json()['run_id']}", headers=admin).json()
        assert run["report"]["replayed"]["replayed"] == 1, run["report"]


def test_a_run_that_changes_nothing_keeps_every_etag(api, small_sample):  # type: ignore[no-untyped-def]
    """A golden record a run leaves unchanged (no change-feed entry) keeps its version: a
    downstream cache's If-None-Match is still answered 304 (the run's id in it was replaced by
    the new run's, so every ETag changed with every run)."""
    gid = api.get("/golden-records", params={"limit": 1}).json()["data"][0]["golden_record"]["golden_id"]
    tag = api.get(f"/golden-records/{gid}").headers["etag"]
    head = api.get("/changes").json()["head"]
    started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")})
    _wait(api)
    assert api.get(f"/runs/{started.json()['run_id']}").json()["status"] == "succeeded"
    assert api.get("/changes", params={"after": head}).json()["data"] == []
    again = api.client.get(f"/golden-records/{gid}", headers={**api.headers("reader"), "If-None-Match": tag})
    assert again.status_code == 304


def _looked_up_before_the_replay(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch, during, keys, golden_id=None, before_build=False
):
    """A run in which ``during()`` runs once its golden records are built (``before_build``: just
    before; the run read its input long before), and in which, between its publish and its
    replay, the sales ``keys`` are looked up (GET /xref the first, POST /xref:lookup the second,
    GET /sources/.../records/ the third) and ``golden_id()`` too; returns the run and those answers."""
    from mdm import golden

    service = api.client.app.state.service
    build, after, seen = golden.build_golden, service._after_publish, {}

    def build_then_write(*args, **kw):  # type: ignore[no-untyped-def]
        if before_build:
            during()
        out = build(*args, **kw)
        if not before_build:
            during()
        return out

    def look_then_replay(report):  # type: ignore[no-untyped-def]
        if golden_id is not None:
            seen["golden"] = api.get(f"/golden-records/{golden_id()}")
        seen["xref"] = api.get(f"/xref/sales/{keys[0]}")
        seen["lookup"] = api.post("/xref:lookup", who="reader",
                                  json={"keys": [{"source": "sales", "source_id": keys[1]}]})
        seen["record"] = api.get(f"/sources/sales/records/{keys[2]}")
        after(report)

    monkeypatch.setattr(golden, "build_golden", build_then_write)
    monkeypatch.setattr(service, "_after_publish", look_then_replay)
    started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")})
    _wait(api)
    run = api.get(f"/runs/{started.json()['run_id']}").json()
    assert run["status"] == "succeeded"
    return run, seen


def test_a_key_posted_in_a_run_is_found_by_a_lookup_before_its_replay(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """Between a run's publish and the replay of the records posted during it, a lookup of such
    a key (GET /xref, POST /xref:lookup, GET /sources/.../records/...) or of the golden id its
    post was answered with answered 404. The lookup replays first the key, or the golden id's
    keys, with the others posted into the same golden record: it answers what the poster was
    given, in the version (ETag) the replay then leaves as it is."""
    from tests.api.test_records import VY

    given = {}
    others = [("Minh Tuấn", "Phạm", "Hà Nội"), ("Quốc Bảo", "Trần", "Huế"), ("Thu Hà", "Nguyễn", "Cần Thơ")]
    records = [dict(VY, crm_id=f"RL-{i}", mobile=f"0912 000 00{i}") for i in range(2)] + [
        dict(VY, crm_id=f"RX-{i}", first_name=first, last_name=last, city=city, mobile=f"0977 555 00{i}",
             email=f"rx{i}@example.vn") for i, (first, last, city) in enumerate(others)]

    def post() -> None:
        for record in records:
            posted = api.post("/sources/sales/records", json=record).json()
            given[posted["source_id"]] = posted["golden_id"]

    run, seen = _looked_up_before_the_replay(api, small_sample, monkeypatch, post, ["RX-0", "RX-1", "RX-2"],
                                             golden_id=lambda: given["RL-0"])
    assert given["RL-0"] == given["RL-1"] and len(set(given.values())) == 4, given
    assert seen["golden"].status_code == 200, seen["golden"].text
    assert {m["source_id"] for m in seen["golden"].json()["members"]} == {"RL-0", "RL-1"}
    assert seen["xref"].status_code == 200, seen["xref"].text
    assert seen["xref"].json()["golden_id"] == given["RX-0"]
    assert seen["lookup"].json()["data"][0]["golden_id"] == given["RX-1"]
    assert seen["record"].status_code == 200, seen["record"].text
    assert seen["record"].json()["golden_id"] == given["RX-2"]
    assert api.get(f"/golden-records/{given['RL-0']}").headers["etag"] == seen["golden"].headers["etag"]
    assert api.get("/xref/sales/RX-0").headers["etag"] == seen["xref"].headers["etag"]
    assert run["report"]["replayed"] == {"posts": 5, "deletions": 0, "replayed": 5, "skipped": 0}
    assert api.get("/integrity", who="admin").json()["ok"]


def test_a_key_deleted_in_a_run_is_gone_for_a_lookup_before_its_replay(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """A record deleted while a run computed is in the run's results: between its publish and the
    replay of the deletion a lookup of the key (GET /xref, POST /xref:lookup, GET /sources/...)
    found it again, though its deleter had been told it was gone. The publish takes it out
    (mdm/late_deletions.py), and the replay counts it."""
    service = api.client.app.state.service
    keys = [k for (k,) in service.reader().execute(
        "SELECT source_id FROM xref WHERE source = 'sales' ORDER BY source_id LIMIT 3").fetchall()]

    def delete() -> None:
        for key in keys:
            gone = api.client.delete(f"/sources/sales/records/{key}", headers=api.headers("writer"))
            assert gone.status_code == 200, gone.text

    run, seen = _looked_up_before_the_replay(api, small_sample, monkeypatch, delete, keys)
    assert seen["xref"].status_code == 404, seen["xref"].text
    assert seen["lookup"].json()["data"][0]["golden_id"] is None
    assert seen["record"].status_code == 404 and "deleted it through the API" in seen["record"].text
    assert run["report"]["replayed"] == {"posts": 0, "deletions": 3, "replayed": 3, "skipped": 0}
    assert all(api.get(f"/xref/sales/{key}").status_code == 404 for key in keys)
    assert api.get("/integrity", who="admin").json()["ok"]


@pytest.mark.parametrize("before_build", [False, True], ids=["after-build", "before-build"])
def test_a_deletion_during_a_run_is_taken_out_as_the_run_publishes(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch, before_build
):
    """A record deleted while a run computed was in the run's results: the publish brought it
    back and the replay deleted it again, so the change feed showed its golden record retired,
    restored and retired (or changed three times), and readers saw it back meanwhile. The
    publish now takes such records out in its own transaction: the feed holds the deletion's
    entry alone, and the golden record keeps the version the deletion left."""
    service = api.client.app.state.service
    by_size = service.reader().execute(
        "SELECT golden_id, min(source_id), count(*) FROM xref WHERE golden_id IN"
        " (SELECT golden_id FROM xref WHERE source = 'sales') AND source = 'sales'"
        " GROUP BY golden_id"
        " HAVING count(*) = (SELECT count(*) FROM xref x WHERE x.golden_id = xref.golden_id)"
        " ORDER BY 3, 1").fetchall()
    alone = next(row for row in by_size if row[2] == 1)
    shared = service.reader().execute(
        "SELECT golden_id, min(record_key) FILTER (WHERE source = 'sales') FROM xref GROUP BY golden_id"
        " HAVING count(*) >= 3 AND count(*) FILTER (WHERE source = 'sales') >= 1"
        " ORDER BY 1 LIMIT 1").fetchone()
    deleted = {alone[0]: alone[1], shared[0]: shared[1].removeprefix("sales:")}
    head = api.get("/changes", params={"limit": 1}).json()["head"]
    seen: dict[str, str] = {}

    def delete() -> None:
        for golden_id, key in deleted.items():
            gone = api.client.delete(f"/sources/sales/records/{key}", headers=api.headers("writer"))
            assert gone.status_code == 200, gone.text
            seen[golden_id] = api.get(f"/golden-records/{golden_id}").headers["etag"]

    looked_up = list(deleted.values())[:1] * 3
    run, _seen = _looked_up_before_the_replay(api, small_sample, monkeypatch, delete, looked_up,
                                              before_build=before_build)
    entries = api.get("/changes", params={"after": head, "limit": 500}).json()["data"]
    for golden_id in deleted:
        mine = [(e["change"], e["cause"]) for e in entries if e["golden_id"] == golden_id]
        assert mine == [("retired" if golden_id == alone[0] else "changed", "record_deleted")], mine
        assert api.get(f"/golden-records/{golden_id}").headers["etag"] == seen[golden_id]
    assert api.get(f"/golden-records/{alone[0]}").json()["status"] == "retired"
    members = {m["source_id"] for m in api.get(f"/golden-records/{shared[0]}").json()["members"]}
    assert deleted[shared[0]] not in members and len(members) >= 2
    assert run["report"]["replayed"] == {"posts": 0, "deletions": 2, "replayed": 2, "skipped": 0}
    assert api.get("/integrity", who="admin").json()["ok"]


@pytest.mark.parametrize("by_id", [True, False], ids=["golden-id-first", "other-key-first"])
def test_a_golden_record_a_post_joined_in_a_run_has_it_before_the_replay(  # type: ignore[no-untyped-def]
        api, small_sample, monkeypatch, by_id):
    """A record posted while a run computed, joining a golden record the run's results hold too:
    between the publish and the replay, a lookup of that golden record, or of another key in it,
    served the run's version, without the record its poster was told it joined (2 members, not 3).
    The lookup replays such posts first, as one of an id only posts made does, and answers the
    version the replay leaves."""
    gid, key = api.client.app.state.service.reader().execute(
        "SELECT golden_id, min(source_id) FILTER (WHERE source = 'sales') FROM xref GROUP BY golden_id"
        " HAVING count(*) >= 2 AND count(*) FILTER (WHERE source = 'sales') = 1 ORDER BY 1 LIMIT 1"
    ).fetchone()
    raw = api.get(f"/sources/sales/records/{key}", who="reader_pii").json()["raw"]
    posted: dict = {}

    def post() -> None:
        posted.update(api.post("/sources/sales/records", json={**raw, "crm_id": "RJ-1"}).json())

    run, seen = _looked_up_before_the_replay(api, small_sample, monkeypatch, post, [key] * 3,
                                             golden_id=(lambda: gid) if by_id else None)
    assert (posted["outcome"], posted["golden_id"]) == ("matched", gid), posted
    assert run["report"]["replayed"] == {"posts": 1, "deletions": 0, "replayed": 1, "skipped": 0}
    now = api.get(f"/golden-records/{gid}")
    assert "sales:RJ-1" in {f"{m['source']}:{m['source_id']}" for m in now.json()["members"]}
    for looked_up in ("golden", "xref") if by_id else ("xref",):
        assert seen[looked_up].headers["etag"] == now.headers["etag"], looked_up
    assert seen["lookup"].json()["data"][0]["golden_id"] == seen["record"].json()["golden_id"] == gid
