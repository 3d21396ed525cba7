"""Which version of a source key counts, when its system both posts it and sends extracts: the
one with the later ``updated_at``, wherever it came from; without times, the post. A post
delivered out of order is not stored, and an extract made after a post brings its newer row."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import duckdb
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from mdm.pipeline import reconcile
from tests.api.conftest import make_keys
from tests.conftest import TODAY


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _change(path: Path, source_id: str, **values: str) -> None:
    """Change one row of a CSV extract in place, every other line left as it was (some are messy)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    header = next(csv.reader([lines[0]]))
    (i,) = [n for n, line in enumerate(lines) if line.startswith(f"{source_id},")]
    fields = next(csv.reader([lines[i]]))
    for name, value in values.items():
        fields[header.index(name)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    lines[i] = out.getvalue()
    path.write_text("\n".join(lines), encoding="utf-8")


def _shifted(text: str, days: int) -> str:
    return (dt.datetime.fromisoformat(text) + dt.timedelta(days=days)).isoformat()


def _city(db: Path, source_id: str) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT city FROM std_records WHERE source = 'sales' AND source_id = ?",
                           [source_id]).fetchone()[0]
    finally:
        con.close()


def test_the_later_version_of_a_key_counts_whether_posted_or_in_the_extract(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "sample"
    shutil.copytree(small_sample, folder)
    db = tmp_path / "mdm.duckdb"
    shutil.copy(reconciled[0], db)
    keys = make_keys(db)
    sales = _rows(folder / "sales.csv")
    dated = [r for r in sales if None not in r and r["last_modified"] and r["last_modified"] < "2026-06-01"]
    late, early, undated = dated[0], dated[1], dated[2]
    writer = {"Authorization": f"Bearer {keys['writer']}"}

    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        def post(row: dict[str, str], city: str, days: int | None) -> dict[str, str]:
            when = "" if days is None else _shifted(row["last_modified"], days)
            changed = {**row, "city": city, "last_modified": when}
            r = client.post("/sources/sales/records", headers=writer, json=changed)
            assert r.status_code == 200, r.text
            return r.json()

        # Older than the row the last run read: delivered out of order, not stored. A preview says
        # so first, as it says that the row as read would change nothing.
        held = client.get(f"/xref/sales/{late['crm_id']}", headers=writer).json()["golden_id"]
        older = {**late, "city": "Vinh", "last_modified": _shifted(late["last_modified"], -1)}
        for payload, outcome in ((older, "stale"), (late, "unchanged")):
            preview = client.post("/sources/sales/records:match", headers=writer, json=payload)
            assert (preview.status_code, preview.json()["outcome"], preview.json()["golden_id"]) == (
                200, outcome, held), preview.text
        stale = post(late, "Vinh", -1)
        assert stale["outcome"] == "stale" and late["last_modified"] in stale["reason"]
        assert post(late, late["city"], 0)["outcome"] == "unchanged"
        assert post(early, "Vinh", 1)["outcome"] != "stale"  # newer than its file row
        assert post(undated, "Vinh", None)["outcome"] != "stale"  # no time: the post is the newest word

    # The next extract was made after the posts: one key changed in its system since.
    for row in (early, undated):
        _change(folder / "sales.csv", row["crm_id"], city="Đà Lạt",
                last_modified=_shifted(row["last_modified"], 2))
    report = reconcile(folder / "sources.yaml", db, today=TODAY)
    assert report.status == "succeeded"
    counted = report.sources["sales"]
    assert (counted.posted, counted.superseded, counted.outdated) == (2, 1, 1)
    assert report.records == sum(c.accepted - c.superseded - c.deleted + c.posted - c.outdated
                                 for c in report.sources.values())
    assert _city(db, late["crm_id"]) == late["city"]  # the stale post was never stored
    assert _city(db, early["crm_id"]) == "Đà Lạt"  # the extract's row is later than the post
    assert _city(db, undated["crm_id"]) == "Vinh"  # the post has no time: it stays the newest word


def test_a_post_made_during_a_run_older_than_the_runs_extract_is_not_replayed(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The run reads an extract made after a post that comes while it computes: replaying the
    post onto its results would put the older version back, and the next run would take it out
    again. It is left, counted as skipped, and dropped from the stored posts."""
    from mdm import golden

    folder = tmp_path / "sample"
    shutil.copytree(small_sample, folder)
    db = tmp_path / "mdm.duckdb"
    shutil.copy(reconciled[0], db)
    keys = make_keys(db)
    row = next(r for r in _rows(folder / "sales.csv")
               if None not in r and r["last_modified"] and r["last_modified"] < "2026-06-01")
    _change(folder / "sales.csv", row["crm_id"], city="Đà Lạt",
            last_modified=_shifted(row["last_modified"], 2))
    writer = {"Authorization": f"Bearer {keys['writer']}"}
    admin = {"Authorization": f"Bearer {keys['admin']}"}

    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        build, posted = golden.build_golden, []

        def build_then_post(*args, **kw):  # type: ignore[no-untyped-def]
            if not posted:  # while the run computes, a day after the row it had before
                r = client.post("/sources/sales/records", headers=writer,
                                json={**row, "city": "Vinh",
                                      "last_modified": _shifted(row["last_modified"], 1)})
                posted.append(r.json())
            return build(*args, **kw)

        monkeypatch.setattr(golden, "build_golden", build_then_post)
        started = client.post("/runs", headers=admin, json={"sources": str(folder / "sources.yaml")})
        assert started.status_code == 202, started.text
        client.app.state.service._run_thread.join(timeout=300)  # type: ignore[attr-defined]
        run = client.get(f"/runs/{started.json()['run_id']}", headers=admin).json()

    assert posted[0]["outcome"] != "stale"  # newer than what the service held then
    assert run["status"] == "succeeded"
    assert run["report"]["replayed"] == {"posts": 1, "deletions": 0, "replayed": 0, "skipped": 1}
    assert _city(db, row["crm_id"]) == "Đà Lạt"
    con = duckdb.connect(str(db), read_only=True)
    try:  # dropped, as a run's outdated posts are: a later extract of changes without the key
        assert con.execute("SELECT count(*) FROM posted_records WHERE source_id = ?",
                           [row["crm_id"]]).fetchone() == (0,)
    finally:
        con.close()
    assert reconcile(folder / "sources.yaml", db, today=TODAY).status == "succeeded"
    assert _city(db, row["crm_id"]) == "Đà Lạt"  # the next run agrees
