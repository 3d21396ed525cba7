"""A post holding what the service stores already ("unchanged") while a batch run computes, of a
record the extract the run reads lacks: the post is newer than the extract, so the record stays,
as a post that changes it does (the replay posts it again onto the run's results)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from mdm.store import records
from tests.api.test_changes import _walk
from tests.api.test_decisions_lapse_at_deletion import (
    _audited,
    _extract_without,
    _override_on_a_lone_record,
    _raw,
)
from tests.api.test_decisions_lapsed import _run
from tests.api.test_late_decisions import _matcher_agrees, _while_the_run_computes


def _posted_row(api, source_id: str) -> tuple[str, str | None] | None:  # type: ignore[no-untyped-def]
    return records.posted(api.client.app.state.service.reader(), "marketing", source_id)


def _gone_from_the_extract(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path
) -> tuple[str, str, dict[str, Any], Path]:
    """A golden record of one marketing record with a phone override, and the sources config of
    an extract that lacks the row: (golden id, source id, the record's raw, the config). The
    record posted unchanged now, no run computing, stores nothing."""
    golden_id, source_id, _held = _override_on_a_lone_record(api)
    raw = _raw(api, source_id)
    extract, _lines = _extract_without(small_sample, tmp_path, source_id)
    head = api.get("/changes").json()["head"]
    r = api.post("/sources/marketing/records", json=raw)
    assert r.status_code == 200 and r.json()["outcome"] == "unchanged", r.json()
    assert _posted_row(api, source_id) is None  # no row written, nor a change or an audit entry
    assert api.get("/changes", params={"after": head}).json()["data"] == []
    assert _audited(api, "record.upsert", f"marketing:{source_id}") == []
    return golden_id, source_id, raw, extract.parent / "sources.yaml"


def _post_unchanged(api, raw: dict[str, Any], golden_id: str) -> None:  # type: ignore[no-untyped-def]
    r = api.post("/sources/marketing/records", json=raw)
    assert r.status_code == 200, r.json()
    assert (r.json()["outcome"], r.json()["golden_id"]) == ("unchanged", golden_id), r.json()


def _kept(api, golden_id: str, source_id: str) -> None:  # type: ignore[no-untyped-def]
    """The record is in its golden record still, which holds the steward's phone."""
    held = api.get(f"/xref/marketing/{source_id}")
    assert held.status_code == 200 and held.json()["golden_id"] == golden_id, held.json()  # was a 404
    golden = api.get(f"/golden-records/{golden_id}", who="reader_pii").json()
    assert golden["status"] == "active" and golden["attributes"]["phone"] == "+84912345678", golden
    assert _audited(api, "golden.override_lapsed", golden_id) == []


def test_an_unchanged_post_while_a_run_computes_keeps_its_record(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path, monkeypatch
):
    """The record posted unchanged while a run computes: stored nothing, so the replay had nothing
    to post again; the run removed the record, retired its golden record and said its override
    lapsed, for good. Now the post is stored as posted, and the replay brings it back into its
    golden record, as it does a post that changes the record: the run says nothing of the override."""
    golden_id, source_id, raw, sources = _gone_from_the_extract(api, small_sample, tmp_path)
    _while_the_run_computes(monkeypatch, lambda: _post_unchanged(api, raw, golden_id))
    report = _run(api, sources)["report"]
    assert report["overrides_lapsed"] == report["overrides_binding_again"] == []  # was lapsed
    _kept(api, golden_id, source_id)
    assert _posted_row(api, source_id) is not None
    _matcher_agrees(api)


def test_a_dry_run_previews_an_unchanged_post_meanwhile_as_kept(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path, monkeypatch
):
    """The run above as a dry run: it said the override would lapse, and the run publishing would
    have. Now it says nothing, as the run publishing."""
    golden_id, source_id, raw, sources = _gone_from_the_extract(api, small_sample, tmp_path)
    _while_the_run_computes(monkeypatch, lambda: _post_unchanged(api, raw, golden_id))
    report = _run(api, sources, dry_run=True)["report"]
    assert report["overrides_lapsed"] == report["overrides_binding_again"] == []  # was lapsed
    _kept(api, golden_id, source_id)


def test_an_unchanged_post_meanwhile_is_replayed_after_a_restart(  # type: ignore[no-untyped-def]
    served_db, small_sample, tmp_path, monkeypatch
):
    """As the first, but the server dies (kill -9) after the publish, before its replay: the next
    start replays what was posted meanwhile, which held nothing of the unchanged post."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import ApiSettings
    from mdm.service import Service
    from tests.api.conftest import Api

    db, keys = served_db
    monkeypatch.setattr(Service, "replay_api_changes", lambda self, *a, **kw: (0, 0))  # died before it
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        api = Api(client, db, keys)
        golden_id, source_id, raw, sources = _gone_from_the_extract(api, small_sample, tmp_path)
        _while_the_run_computes(monkeypatch, lambda: _post_unchanged(api, raw, golden_id))
        run = _run(api, sources)
        assert api.get(f"/xref/marketing/{source_id}").status_code == 404  # the replay not yet made
    monkeypatch.undo()
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        api = Api(client, db, keys)
        assert api.get(f"/runs/{run['run_id']}", who="admin").json()["report"]["replayed"]["replayed"] == 1
        _kept(api, golden_id, source_id)


def test_the_feed_says_one_change_where_the_replay_restores_what_it_retired(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path, monkeypatch
):
    """The run above: its publish retired the golden record and the replay of the post restored
    it, so the change feed (and every subscription) said ``retired`` then ``restored`` of a
    customer who never left. The feed holds the run's entries back until its replay ends, and
    says the two as one change: the post's, from what the record was before the run."""
    golden_id, source_id, raw, sources = _gone_from_the_extract(api, small_sample, tmp_path)
    head = api.get("/changes").json()["head"]
    service = api.client.app.state.service
    replay, between = service._after_publish, []

    def read_then_replay(report):  # type: ignore[no-untyped-def]
        between.extend(e for e in _walk(api, after=head, limit=500)[0] if e["golden_id"] == golden_id)
        replay(report)

    monkeypatch.setattr(service, "_after_publish", read_then_replay)
    _while_the_run_computes(monkeypatch, lambda: _post_unchanged(api, raw, golden_id))
    run = _run(api, sources)
    _kept(api, golden_id, source_id)
    assert between == []  # read between the publish and its replay: retired
    entries, _cursor = _walk(api, after=head, limit=500)
    mine = [e for e in entries if e["golden_id"] == golden_id]
    assert [(e["change"], e["cause"]) for e in mine] == [("changed", "record")]  # retired, restored
    history = api.get(f"/golden-records/{golden_id}/history").json()["data"]
    assert "retired" not in [h["change"] for h in history]
    assert api.get("/integrity", who="admin").json()["ok"]
    _counts_agree_with_the_feed(api, run["run_id"], entries)


def _counts_agree_with_the_feed(  # type: ignore[no-untyped-def]
    api, run_id: str, entries: list[dict[str, Any]]
) -> None:
    """The run's golden changes (its report and counts, as GET /runs/{id} gives them) count what its
    change-feed entries say: the retirement its replay took back is unchanged (it said retired 1, of
    none in the feed), and its ``replayed`` says the replay restored one."""
    run = api.get(f"/runs/{run_id}", who="admin").json()
    said = Counter(e["change"] for e in entries if e["cause"] == "run" and e["cause_id"] == run_id)
    assert run["counts"]["golden_changes"] == run["report"]["golden"]
    assert {k: n for k, n in run["report"]["golden"].items() if k != "unchanged"} == said  # was retired 1
    assert run["report"]["replayed"]["restored"] == 1


def test_a_replay_failed_part_way_folds_what_it_took_back_at_the_next_start(  # type: ignore[no-untyped-def]
    served_db, small_sample, tmp_path, monkeypatch
):
    """The run above, whose replay restored the golden record and then failed (its last write, the
    disk full): the feed it held back is released with the run's ``retired`` and the post's
    ``restored``, the run not ready. The next start replays it again, to its end: the two are one
    ``changed`` entry there, and the run's figures (``mdm runs`` too) agree with the feed."""
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from api.main import create_app
    from api.settings import ApiSettings
    from mdm.cli import app
    from mdm.store import runs
    from tests.api.conftest import Api

    db, keys = served_db

    def disk_full(*_args: object) -> None:
        raise OSError("No space left on device")

    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        api = Api(client, db, keys)
        golden_id, source_id, raw, sources = _gone_from_the_extract(api, small_sample, tmp_path)
        head = api.get("/changes").json()["head"]
        monkeypatch.setattr(runs, "record_replay", disk_full)
        _while_the_run_computes(monkeypatch, lambda: _post_unchanged(api, raw, golden_id))
        run = _run(api, sources)
        assert "replayed" not in run["report"] and not client.app.state.service.ready
        mine = [e for e in _walk(api, after=head, limit=500)[0] if e["golden_id"] == golden_id]
        assert [e["change"] for e in mine] == ["retired", "restored"]
    monkeypatch.undo()
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        api = Api(client, db, keys)
        _kept(api, golden_id, source_id)
        entries, _cursor = _walk(api, after=head, limit=500)
        mine = [e for e in entries if e["golden_id"] == golden_id]
        assert [(e["change"], e["cause"]) for e in mine] == [("changed", "record")]
        assert api.get("/integrity", who="admin").json()["ok"]
        _counts_agree_with_the_feed(api, run["run_id"], entries)
    listed = CliRunner().invoke(app, ["runs", "--db", str(db), "--limit", "1"])
    assert listed.exit_code == 0, listed.output
    assert "(0 skipped, 1 golden records it retired restored)" in listed.output
    assert "retired 1" not in listed.output
