"""Stopping a real ``mdm serve`` as an orchestrator does: SIGTERM, then SIGKILL after a grace
period (docker stop 10 s, Kubernetes 30 s). It stops in good order within seconds, with status 0."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from mdm.cli import app
from mdm.store import database
from tests.api.server import serving


def test_sigterm_stops_the_server_with_status_0(served_db):  # type: ignore[no-untyped-def]
    """uvicorn stopped in good order, then raised SIGTERM again: the process ended by the signal
    (status 143), which docker and Kubernetes report as an error."""
    with serving(served_db[0], stop=signal.SIGTERM):  # the helper asserts the status
        pass


def _published(db: Path) -> tuple[set[tuple[str, str, str]], set[tuple[str, str]], list[str]]:
    """The published results: xref, golden records and their status, the stored models."""
    con = database.connect(db, read_only=True)
    try:
        xref = set(con.execute("SELECT source, source_id, golden_id FROM xref").fetchall())
        golden = set(con.execute("SELECT golden_id, status FROM golden_records").fetchall())
        models = [m for (m,) in con.execute("SELECT model_id FROM models ORDER BY ALL").fetchall()]
    finally:
        con.close()
    return xref, golden, models


def test_a_stop_cancels_the_run_under_way_and_keeps_what_was_published(  # type: ignore[no-untyped-def]
    served_db, small_sample
):
    """SIGTERM waited for a run started with POST /runs to finish (minutes on real data), so the
    orchestrator killed the server. The run is cancelled instead: recorded as cancelled, saying why,
    with nothing of it published; every post answered before the stop is kept."""
    db, made = served_db
    xref, golden, models = _published(db)
    admin = {"Authorization": f"Bearer {made['admin']}"}
    writer = {"Authorization": f"Bearer {made['writer']}"}
    answered: list[str] = []
    stopping = threading.Event()

    def post() -> None:  # posts until the server stops taking them
        while True:
            crm_id = f"STOP-{len(answered)}"
            try:
                r = httpx.post(base + "/sources/sales/records", headers=writer, timeout=60,
                               json={"crm_id": crm_id, "first_name": "Thục Anh", "last_name": "Âu"})
            except httpx.TransportError:
                assert stopping.is_set()
                return
            assert r.status_code == 200, r.text
            answered.append(crm_id)

    with serving(db, stop=signal.SIGTERM) as base:
        started = httpx.post(f"{base}/runs", headers=admin, timeout=60,
                             json={"sources": str(small_sample / "sources.yaml"), "retrain": True})
        assert started.status_code == 202, started.text
        poster = threading.Thread(target=post)
        poster.start()
        while len(answered) < 3:
            time.sleep(0.05)
        stopping.set()
    poster.join()

    result = CliRunner().invoke(app, ["runs", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    run = json.loads(result.output)[0]
    assert run["run_id"] == started.json()["run_id"]
    assert run["status"] == "cancelled" and run["error"] == "cancelled: the service was stopped", run
    assert "write" not in run["stage_seconds"]
    xref_after, golden_after, models_after = _published(db)
    assert models_after == models  # the model it trained is not kept
    assert {key for key in xref_after if key[0] != "sales" or not key[1].startswith("STOP-")} == xref
    assert golden <= golden_after
    posted = {source_id for source, source_id, _g in xref_after if source_id.startswith("STOP-")}
    assert posted >= set(answered)
