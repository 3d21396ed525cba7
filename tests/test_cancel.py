"""A batch run cancelled from another thread, as the service cancels its run when it stops."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pyarrow as pa
import pytest

from mdm.cancel import Cancellation
from mdm.errors import RunCancelledError
from mdm.linking.candidates import CandidateIndex
from mdm.pipeline import reconcile
from mdm.service import STOPPED, Service
from mdm.store import database, runs
from tests.conftest import TODAY


def _published(db: Path) -> tuple[list[tuple[str, str, str]], list[str]]:
    con = database.connect(db, read_only=True)
    try:
        xref = con.execute("SELECT source, source_id, golden_id FROM xref ORDER BY ALL").fetchall()
        models = [m for (m,) in con.execute("SELECT model_id FROM models ORDER BY ALL").fetchall()]
    finally:
        con.close()
    return xref, models


def test_a_run_cancelled_while_it_trains_stops_in_the_stage_and_publishes_nothing(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path
) -> None:
    """Training is Splink's statements in the run's work database: they are interrupted, not
    waited for (the stage at scale is minutes), and the run records why it ended."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)
    before = _published(db)
    cancellation, done = Cancellation(), threading.Event()

    def cancel() -> None:  # as the service does: an interrupt between two statements is lost
        while not done.wait(0.05):
            cancellation.cancel("cancelled: the service was stopped")

    def progress(stage: str, message: str) -> None:
        if stage == "train" and message == "started":
            threading.Thread(target=cancel).start()

    try:
        with pytest.raises(RunCancelledError, match="^cancelled: the service was stopped$"):
            reconcile(small_sample / "sources.yaml", db, retrain=True, today=TODAY, progress=progress,
                      cancellation=cancellation)
    finally:
        done.set()
    assert _published(db) == before
    con = database.connect(db, read_only=True)
    try:
        run = runs.list_runs(con, limit=1)[0]
    finally:
        con.close()
    assert run["status"] == "cancelled" and run["error"] == "cancelled: the service was stopped"
    assert "standardise" in run["stage_seconds"] and "train" not in run["stage_seconds"]


def _last_run(db: Path) -> dict[str, object]:
    con = database.connect(db, read_only=True)
    try:
        return runs.list_runs(con, limit=1)[0]
    finally:
        con.close()


@pytest.mark.parametrize("stage", ["read", "cluster", "golden"])
def test_a_run_cancelled_as_a_python_stage_starts_stops_inside_it(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path, stage: str
) -> None:
    """Reading, clustering and building golden records are Python, 5-30 s each at a million
    records: a stop waited for the stage's end, past docker's 10 s. They look at the cancellation
    as they go, so the stage does not finish (its time is not recorded)."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)
    before = _published(db)
    cancellation = Cancellation()

    def progress(name: str, message: str) -> None:
        if name == stage and message == "started":
            cancellation.cancel(STOPPED)

    with pytest.raises(RunCancelledError, match=f"^{STOPPED}$"):
        reconcile(small_sample / "sources.yaml", db, today=TODAY, progress=progress,
                  cancellation=cancellation)
    assert _published(db) == before
    run = _last_run(db)
    assert (run["status"], run["error"]) == ("cancelled", STOPPED)
    assert stage not in run["stage_seconds"]


def test_a_stop_while_the_service_builds_the_runs_index_ends_the_build(
    reconciled: tuple[Path, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real-time index of a run's results is built before it publishes (18-21 s at a million
    records): a stop then ends the build, and the run, without publishing."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)
    before = _published(db)
    service = Service(db)
    service.open()
    outcome: list[str] = []
    load = CandidateIndex.load

    def stopped_while_loading(index: CandidateIndex, table: pa.Table, *args: object) -> None:
        if not service._run_thread or threading.current_thread() is not service._run_thread:
            load(index, table, *args)  # type: ignore[arg-type]
            return
        service._run_cancellation.cancel(STOPPED)
        try:
            load(index, table, *args)  # type: ignore[arg-type]
        except RunCancelledError:
            outcome.append("cancelled")
            raise
        outcome.append("built")

    monkeypatch.setattr(CandidateIndex, "load", stopped_while_loading)
    try:
        service.start_run(sources_path=None, retrain=False, actor="test")
        assert service._run_thread is not None
        service._run_thread.join()
    finally:
        service.close()
    assert outcome == ["cancelled"]
    assert _published(db) == before
    run = _last_run(db)
    assert (run["status"], run["error"]) == ("cancelled", STOPPED)
