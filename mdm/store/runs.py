"""Run bookkeeping: every batch run is recorded, whether it succeeds, fails or is cancelled.

A run's status: running, succeeded, previewed (a dry run), failed, or cancelled: stopped on
purpose (the service stopping, Ctrl-C), which is no fault to alert on as a failure is."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from mdm.store.database import fetch_dicts, fetch_one, now

_RUN_COLUMNS = (
    "run_id, kind, status, started_at, finished_at, sources_path, rules_path, model_id, retrained,"
    " counts, stage_seconds, error, report"
)


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, kind: str, sources_path: str, rules_path: str) -> None:
    con.execute(
        "INSERT INTO runs (run_id, kind, status, started_at, sources_path, rules_path)"
        " VALUES (?, ?, 'running', ?, ?, ?)",
        [run_id, kind, now(), sources_path, rules_path],
    )


def record_sources(con: duckdb.DuckDBPyConnection, run_id: str, sources_path: str, sources_config: str) -> None:
    con.execute(
        "UPDATE runs SET sources_path = ?, sources_config = ? WHERE run_id = ?", [sources_path, sources_config, run_id]
    )


def latest_sources_config(con: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
    """(sources path, config JSON) of the newest successful run that recorded its config."""
    return fetch_one(
        con,
        "SELECT sources_path, CAST(sources_config AS VARCHAR) FROM runs"
        " WHERE status = 'succeeded' AND sources_config IS NOT NULL ORDER BY finished_at DESC LIMIT 1",
    )


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    model_id: str | None,
    retrained: bool,
    counts: dict[str, Any],
    stage_seconds: dict[str, float],
    report: dict[str, Any] | None = None,
    status: str = "succeeded",
) -> None:
    """``status``: succeeded, or previewed for a dry run (it published nothing)."""
    con.execute(
        "UPDATE runs SET status = ?, finished_at = ?, model_id = ?, retrained = ?,"
        " counts = ?, stage_seconds = ?, report = ? WHERE run_id = ?",
        [status, now(), model_id, retrained, json.dumps(counts), json.dumps(stage_seconds),
         json.dumps(report), run_id],
    )


def record_replay(con: duckdb.DuckDBPyConnection, run_id: str, counts: dict[str, int], restored: int) -> None:
    """What the service replayed onto the run's published results (``replayed`` in its report).
    ``restored``: golden records the run retired that the replay restored, each one change-feed
    entry of the post's, none of the run's (steward_sql.fold_taken_back): the run's golden changes
    count them unchanged, as its feed entries do, and ``replayed`` says how many (where any)."""
    run = get_run(con, run_id)
    assert run is not None
    run_counts, report = run["counts"] or {}, run["report"] or {}
    for changes in (run_counts.get("golden_changes"), report.get("golden")):
        if changes is not None and restored:
            changes["unchanged"] = changes.get("unchanged", 0) + restored
            if retired := changes.pop("retired", 0) - restored:
                changes["retired"] = retired
    report["replayed"] = counts | ({"restored": restored} if restored else {})
    con.execute("UPDATE runs SET counts = ?, report = ? WHERE run_id = ?",
                [json.dumps(run_counts), json.dumps(report), run_id])


def set_stage_seconds(con: duckdb.DuckDBPyConnection, run_id: str, stage_seconds: dict[str, float]) -> None:
    con.execute("UPDATE runs SET stage_seconds = ? WHERE run_id = ?", [json.dumps(stage_seconds), run_id])


def fail_run(
    con: duckdb.DuckDBPyConnection, run_id: str, error: str, stage_seconds: dict[str, float] | None = None,
    *, cancelled: bool = False,
) -> None:
    """Record the run as failed, or ``cancelled``, with why (``error``)."""
    con.execute(
        "UPDATE runs SET status = ?, finished_at = ?, error = ?, stage_seconds = ? WHERE run_id = ?",
        ["cancelled" if cancelled else "failed", now(), error, json.dumps(stage_seconds or {}), run_id],
    )


def discard_unpublished_run(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Forget a run recorded as failed or previewed, for another attempt under its id (``mdm load``
    of a Spark run's output, whose id is the run's)."""
    con.execute("DELETE FROM runs WHERE run_id = ? AND status IN ('failed', 'previewed')", [run_id])


def fail_interrupted_runs(con: duckdb.DuckDBPyConnection) -> int:
    """Runs left 'running' by a killed process can never finish: record them as failed."""
    rows = con.execute(
        "UPDATE runs SET status = 'failed', finished_at = ?, error = 'interrupted: the process ended mid-run'"
        " WHERE status = 'running' RETURNING run_id",
        [now()],
    ).fetchall()
    return len(rows)


def _decoded(out: dict[str, Any]) -> dict[str, Any]:
    for key in ("counts", "stage_seconds", "report"):
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    return out


def get_run(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any] | None:
    rows = fetch_dicts(con, f"SELECT {_RUN_COLUMNS} FROM runs WHERE run_id = ?", [run_id])
    return _decoded(rows[0]) if rows else None


def list_runs(con: duckdb.DuckDBPyConnection, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    rows = fetch_dicts(
        con, f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY started_at DESC, run_id DESC LIMIT ? OFFSET ?", [limit, offset]
    )
    return [_decoded(r) for r in rows]


def latest_successful_run(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    rows = fetch_dicts(
        con, f"SELECT {_RUN_COLUMNS} FROM runs WHERE status = 'succeeded' ORDER BY finished_at DESC LIMIT 1"
    )
    return _decoded(rows[0]) if rows else None


def count_runs(con: duckdb.DuckDBPyConnection) -> int:
    row = fetch_one(con, "SELECT count(*) FROM runs")
    return int(row[0]) if row else 0
