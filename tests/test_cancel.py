"""A batch run cancelled from another thread, as the service cancels its run when it stops."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from mdm.cancel import Cancellation
from mdm.errors import RunCancelledError
from mdm.pipeline import reconcile
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
    assert run["status"] == "failed" and run["error"] == "cancelled: the service was stopped"
    assert "standardise" in run["stage_seconds"] and "train" not in run["stage_seconds"]
